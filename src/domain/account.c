// SPDX-License-Identifier: MIT
// Which open sessions a change to a staff account ends (account.h).
#include "account.h"

enum account_sessions account_change_sessions(const struct account_change *change)
{
    bool grants_changed = change->new_password || change->disabling ||
                          change->role_before != change->role_after ||
                          change->unit_before != change->unit_after;
    if (!grants_changed)
        return ACCOUNT_SESSIONS_KEEP;
    // Disabling oneself must not leave one session behind.
    if (change->own && !change->disabling)
        return ACCOUNT_SESSIONS_END_OTHERS;
    return ACCOUNT_SESSIONS_END_ALL;
}
