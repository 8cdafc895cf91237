// SPDX-License-Identifier: MIT
// What a change to a staff account means for the account's open sessions: only a
// change to what the account may do or who may sign in as it (password, role,
// org unit, disabling) ends them; a new phone number or display name does not.
#ifndef CHENGGUAN_ACCOUNT_H
#define CHENGGUAN_ACCOUNT_H

#include "roles.h"

#include <stdbool.h>
#include <stdint.h>

enum account_sessions {
    ACCOUNT_SESSIONS_KEEP,       // nothing that grants access changed
    ACCOUNT_SESSIONS_END_ALL,    // end every session of the account
    ACCOUNT_SESSIONS_END_OTHERS, // end all but the session that made the change
};

// One change to an account, as the admin asked for it.
struct account_change {
    enum role role_before, role_after;
    int64_t unit_before, unit_after; // org unit ids
    bool new_password;               // a password is set (even if it is the same)
    bool disabling;                  // the account is disabled by this change
    bool own;                        // the account is the one making the change
};

// Returns which sessions of the account end: none when only the phone number or
// the display name changes; all when the password, role or org unit changes or
// the account is disabled; all but the current one when the account changes its
// own password or unit (the person at the keyboard stays signed in, every other
// device is signed out).
enum account_sessions account_change_sessions(const struct account_change *change);

#endif
