// SPDX-License-Identifier: MIT
// The transactional outbox in the store: messages written in the write job of
// the change that causes them (a hotline case's state change), claimed by the
// delivery thread under a lease, marked delivered after a 2xx or scheduled
// again; dead letters listed and replayed by an admin. Also the callback of an
// API token (URL and signing secret) and the cases a token filed.
#ifndef CHENGGUAN_STORE_OUTBOX_H
#define CHENGGUAN_STORE_OUTBOX_H

#include "store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_actor;

#define STORE_OUTBOX_URL_MAX    512
#define STORE_OUTBOX_SECRET_HEX 64 // a 32-byte secret in hex, without the NUL
#define STORE_OUTBOX_ERROR_MAX  255

// One message as the sender and the admin's list see it.
struct store_outbox_message {
    int64_t id;
    char idempotency_key[64];
    char kind[16]; // hotline, sms, webhook, email
    char target[STORE_OUTBOX_URL_MAX + 1];
    int64_t case_id;  // 0: no case
    char case_no[16]; // "" without a case
    char *payload;    // JSON text, malloc'd: the caller frees it (store_outbox_message_free)
    int64_t created_at, next_attempt_at, last_attempt_at, delivered_at; // ms; 0 = never
    int attempts;
    char last_error[STORE_OUTBOX_ERROR_MAX + 1];
    char state[16]; // pending, delivered, dead
};

// Frees what a message owns (its payload). Accepts NULL.
void store_outbox_message_free(struct store_outbox_message *m);

// Where a hotline message goes: the token's callback URL and secret (hex).
struct store_outbox_callback {
    char url[STORE_OUTBOX_URL_MAX + 1];
    char secret[STORE_OUTBOX_SECRET_HEX + 1];
};

// Registers (or replaces) the callback of the API token named name (or of
// token_id when name is NULL): url (http or https, checked by the caller) and
// secret_hex (64 hex digits). The change is audited (token.callback) with the
// actor (NULL: the command line). *token_id receives the token's id when
// non-NULL. Returns STORE_OK, STORE_NOT_FOUND (no such token) or STORE_ERROR.
int store_token_callback_set(struct store *store, const char *name, int64_t token_id,
                             const char *url, const char *secret_hex,
                             const struct store_actor *actor, int64_t *token_id_out);

// The callback of token_id. Returns STORE_OK, STORE_NOT_FOUND or STORE_ERROR.
int store_token_callback_get(struct store *store, int64_t token_id,
                             struct store_outbox_callback *out);

// One API token as the admin's list shows it (never its hash or secret).
struct store_token_row {
    int64_t id;
    char name[64];
    char channel[16];
    char username[64];
    bool disabled;
    int64_t created_at;
    char callback_url[STORE_OUTBOX_URL_MAX + 1]; // "" without a callback
};

// Calls fn for each API token, by id. Returns STORE_OK or STORE_ERROR.
int store_token_list(struct store *store, void (*fn)(const struct store_token_row *row, void *data),
                     void *data);

// Records, inside the intake's write job, that token_id filed case_id.
// Returns STORE_OK or STORE_ERROR.
struct store_tx;
int store_case_filer_token_tx(struct store_tx *tx, int64_t case_id, int64_t token_id);

// Finds the case a hotline token filed as ticket external_id on channel: only a
// case the token filed (or, for cases filed before tokens were recorded, one
// filed by the token's account). Returns STORE_OK with *case_id, STORE_NOT_FOUND
// (no such ticket, or another token's) or STORE_ERROR.
int store_hotline_case_find(struct store *store, int64_t token_id, int64_t user_id,
                            const char *channel, const char *external_id, int64_t *case_id);

// Claims up to max due messages (pending, next_attempt_at <= now, no earlier
// pending message of the same case) for delivery: each gets attempts + 1,
// last_attempt_at = now and next_attempt_at = now + lease_ms, so no other
// sender (another thread, another server on one database) takes it meanwhile
// and a sender that dies leaves it due again when the lease ends. Fills out[]
// (the caller frees each with store_outbox_message_free) and *count.
// Returns STORE_OK or STORE_ERROR.
int store_outbox_claim(struct store *store, int64_t now, int64_t lease_ms,
                       struct store_outbox_message *out, int max, int *count);

// Marks a claimed message delivered (at now). Returns STORE_OK, STORE_NOT_FOUND
// (no longer pending) or STORE_ERROR.
int store_outbox_delivered(struct store *store, int64_t id, int64_t now);

// Records a failed attempt: error (truncated), then pending again at
// next_attempt_at, or dead when dead is true. Returns STORE_OK,
// STORE_NOT_FOUND or STORE_ERROR.
int store_outbox_failed(struct store *store, int64_t id, const char *error, int64_t next_attempt_at,
                        bool dead);

// Lists messages in state (pending, delivered or dead), newest first, those with
// id < before_id (0: from the newest), at most limit, calling fn for each (the
// message and its payload are valid during the call). Returns STORE_OK or
// STORE_ERROR.
int store_outbox_list(struct store *store, const char *state, int64_t before_id, int limit,
                      void (*fn)(const struct store_outbox_message *m, void *data), void *data);

// Sends a dead message again: pending, due now, attempts back to 0; audited
// (outbox.replay) with the actor. Returns STORE_OK, STORE_NOT_FOUND (no such
// message), STORE_INVALID (not dead) or STORE_ERROR.
int store_outbox_replay(struct store *store, int64_t id, const struct store_actor *actor);

// The number of messages pending and dead (not the delivered, whose history
// grows without end: count those with the senders' counters). Returns STORE_OK
// or STORE_ERROR.
struct store_outbox_counts {
    int64_t pending, dead;
};
int store_outbox_count(struct store *store, struct store_outbox_counts *out);

#endif
