// SPDX-License-Identifier: MIT
// The audit chain: every case event carries the hash of the one before it, so a
// change to any stored event, or a gap, shows at the first event it touches.
// BLAKE2b-256 (libsodium) over the previous hash and every field of the event,
// each length-prefixed so no two field lists collide. Pure: no I/O, no state.
#ifndef CHENGGUAN_AUDIT_H
#define CHENGGUAN_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#define AUDIT_HASH_HEX 65 // 64 hex digits and the NUL

// The hashed fields of one event. NULL strings hash like "".
struct audit_event {
    int64_t case_id;
    const char *action, *from_state, *to_state;
    int64_t actor_user_id; // 0 for the system or a citizen
    const char *actor_role, *actor_name;
    const char *note, *public_note;
    const char *data; // the event's facts as JSON text
    int64_t created_at;
};

// Computes the hash of `event` chained to prev_hash ("" for the first event) into
// out as 64 lowercase hex digits.
void audit_hash(const char *prev_hash, const struct audit_event *event, char out[AUDIT_HASH_HEX]);

// Walks a chain: call audit_verify_step for each stored event in id order with
// the state initialised by audit_verify_init. A step returns false at the first
// event whose stored prev_hash is not the hash before it or whose stored hash is
// not the hash of its fields; the state then keeps failing.
struct audit_verifier {
    char previous[AUDIT_HASH_HEX];
    int64_t count;
    bool broken;
};

void audit_verify_init(struct audit_verifier *v);
bool audit_verify_step(struct audit_verifier *v, const struct audit_event *event,
                       const char *stored_prev_hash, const char *stored_hash);

// The same step for any chain: expected is the hash the entry's fields give
// when chained to v->previous (computed by the caller with the chain's own hash).
bool audit_verify_link(struct audit_verifier *v, const char *expected, const char *stored_prev_hash,
                       const char *stored_hash);

// The second chain (table audit_log): events that are not a case's, such as a
// published assessment snapshot or, later, an admin's change to users, org
// units, categories or the calendar (before and after in data). Same hash, same
// length-prefixed fields. NULL strings hash like "".
struct audit_log_entry {
    int64_t actor_user_id;               // 0 for the system
    const char *actor_role, *actor_name; // "system", "system" for the scheduler
    const char *action;                  // e.g. "snapshot.publish"
    const char *subject_kind;            // e.g. "assessment_snapshot"
    int64_t subject_id;
    const char *data; // JSON text
    int64_t created_at;
};

void audit_log_hash(const char *prev_hash, const struct audit_log_entry *entry,
                    char out[AUDIT_HASH_HEX]);

// The hash of a text on its own (a snapshot's canonical body): BLAKE2b-256 of
// the text as one length-prefixed field, 64 lowercase hex digits into out.
void audit_text_hash(const char *text, char out[AUDIT_HASH_HEX]);

#endif
