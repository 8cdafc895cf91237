// SPDX-License-Identifier: MIT
// The audit chain's hash and its verification, one event at a time.
#include "audit.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

// Feeds one length-prefixed field into the hash, so no two field lists collide.
static void hash_field(crypto_generichash_state *state, const char *text)
{
    uint64_t len = text ? strlen(text) : 0;
    unsigned char prefix[8];
    for (int i = 0; i < 8; i++)
        prefix[i] = (unsigned char)(len >> (8 * i));
    crypto_generichash_update(state, prefix, sizeof prefix);
    if (len > 0)
        crypto_generichash_update(state, (const unsigned char *)text, len);
}

// Hashes a list of fields into out as hex.
static void hash_fields(const char *const *fields, size_t count, char out[AUDIT_HASH_HEX])
{
    crypto_generichash_state state;
    crypto_generichash_init(&state, NULL, 0, 32);
    for (size_t i = 0; i < count; i++)
        hash_field(&state, fields[i]);
    unsigned char digest[32];
    crypto_generichash_final(&state, digest, sizeof digest);
    sodium_bin2hex(out, AUDIT_HASH_HEX, digest, sizeof digest);
}

void audit_hash(const char *prev_hash, const struct audit_event *e, char out[AUDIT_HASH_HEX])
{
    char numbers[3][24];
    snprintf(numbers[0], sizeof numbers[0], "%lld", (long long)e->case_id);
    snprintf(numbers[1], sizeof numbers[1], "%lld", (long long)e->actor_user_id);
    snprintf(numbers[2], sizeof numbers[2], "%lld", (long long)e->created_at);
    const char *fields[] = {prev_hash,   numbers[0],     e->action,     e->from_state,
                            e->to_state, numbers[1],     e->actor_role, e->actor_name,
                            e->note,     e->public_note, e->data,       numbers[2]};
    hash_fields(fields, sizeof fields / sizeof fields[0], out);
}

void audit_log_hash(const char *prev_hash, const struct audit_log_entry *e,
                    char out[AUDIT_HASH_HEX])
{
    char numbers[3][24];
    snprintf(numbers[0], sizeof numbers[0], "%lld", (long long)e->actor_user_id);
    snprintf(numbers[1], sizeof numbers[1], "%lld", (long long)e->subject_id);
    snprintf(numbers[2], sizeof numbers[2], "%lld", (long long)e->created_at);
    const char *fields[] = {prev_hash,       numbers[0], e->actor_role, e->actor_name, e->action,
                            e->subject_kind, numbers[1], e->data,       numbers[2]};
    hash_fields(fields, sizeof fields / sizeof fields[0], out);
}

void audit_text_hash(const char *text, char out[AUDIT_HASH_HEX])
{
    hash_fields(&text, 1, out);
}

void audit_verify_init(struct audit_verifier *v)
{
    memset(v, 0, sizeof *v);
}

bool audit_verify_step(struct audit_verifier *v, const struct audit_event *event,
                       const char *stored_prev_hash, const char *stored_hash)
{
    char expected[AUDIT_HASH_HEX];
    audit_hash(v->previous, event, expected);
    return audit_verify_link(v, expected, stored_prev_hash, stored_hash);
}

bool audit_verify_link(struct audit_verifier *v, const char *expected, const char *stored_prev_hash,
                       const char *stored_hash)
{
    if (v->broken)
        return false;
    v->count++;
    if (strcmp(stored_prev_hash ? stored_prev_hash : "", v->previous) != 0 ||
        strcmp(stored_hash ? stored_hash : "", expected) != 0) {
        v->broken = true;
        return false;
    }
    snprintf(v->previous, sizeof v->previous, "%s", stored_hash);
    return true;
}
