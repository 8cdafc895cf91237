// SPDX-License-Identifier: MIT
// Notifications in the store: the outbox messages (sms, webhook, email) a case
// event causes for the citizen who filed it (filed, closed, reopened) and for
// the departments an escalation tells (reminders, supervision notices), written
// in the write job of the event; a phone's opt-out; a unit's notice channels.
#ifndef CHENGGUAN_STORE_NOTIFY_H
#define CHENGGUAN_STORE_NOTIFY_H

#include "store.h"

#include <stdbool.h>
#include <stdint.h>

struct store_actor;

#define STORE_NOTIFY_URL_MAX   512
#define STORE_NOTIFY_PHONE_MAX 31
#define STORE_NOTIFY_EMAIL_MAX 254

// A unit's notice channels ("" for none).
struct store_unit_notify {
    int64_t unit_id;
    char webhook_url[STORE_NOTIFY_URL_MAX + 1];
    char webhook_secret[65];
    char phone[STORE_NOTIFY_PHONE_MAX + 1];
    char email[STORE_NOTIFY_EMAIL_MAX + 1];
};

// Sets unit_id's channels (each "" for none; secret_hex: 64 hex digits when a
// webhook is set), audited as org_unit.notify (never the secret). Returns
// STORE_OK, STORE_NOT_FOUND (no such unit) or STORE_ERROR.
int store_unit_notify_set(struct store *store, const struct store_unit_notify *in,
                          const struct store_actor *actor);

// The channels of unit_id (all "" when none were set). Returns STORE_OK,
// STORE_NOT_FOUND (no such unit) or STORE_ERROR.
int store_unit_notify_get(struct store *store, int64_t unit_id, struct store_unit_notify *out);

// Whether case_id's citizen gets SMS: filed with a phone while a gateway was
// configured, and the phone did not stop them. Returns STORE_OK or STORE_ERROR.
int store_case_sms_active(struct store *store, int64_t case_id, bool *active);

// Stops SMS to the phone case_id was filed with (from now on, for every case
// with that phone). *had_phone tells whether the case has a phone at all.
// Returns STORE_OK, STORE_NOT_FOUND or STORE_ERROR.
int store_sms_optout(struct store *store, int64_t case_id, bool *had_phone);

#endif
