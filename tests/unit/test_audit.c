// SPDX-License-Identifier: MIT
// Unit tests of the audit chain: the hash covers every field and the previous
// hash, length prefixes keep field lists apart, and verification names the first
// event whose fields, stored hash or link to the one before was changed.
#include "audit.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void setup(void)
{
    cr_assert_geq(sodium_init(), 0);
}

TestSuite(audit, .init = setup);

static struct audit_event sample(int64_t case_id, const char *action)
{
    return (struct audit_event){
        .case_id = case_id,
        .action = action,
        .from_state = "reported",
        .to_state = "accepted",
        .actor_user_id = 3,
        .actor_role = "supervisor",
        .actor_name = "值班长",
        .note = "立案",
        .public_note = "",
        .data = "{\"public_code\":\"filed\"}",
        .created_at = 1796000000000,
    };
}

Test(audit, the_hash_is_stable_hex_and_covers_every_field)
{
    struct audit_event e = sample(7, "accept");
    char a[AUDIT_HASH_HEX], b[AUDIT_HASH_HEX];
    audit_hash("", &e, a);
    audit_hash("", &e, b);
    cr_assert_str_eq(a, b);
    cr_assert_eq(strlen(a), 64);
    cr_assert_eq(strspn(a, "0123456789abcdef"), 64);
    // Each change to a field or to the previous hash gives another hash.
    struct audit_event changed[11];
    for (int i = 0; i < 11; i++)
        changed[i] = e;
    changed[0].case_id = 8;
    changed[1].action = "reject";
    changed[2].from_state = "verifying";
    changed[3].to_state = "rejected";
    changed[4].actor_user_id = 4;
    changed[5].actor_role = "leader";
    changed[6].actor_name = "领导";
    changed[7].note = "立案。";
    changed[8].public_note = "x";
    changed[9].data = "{}";
    changed[10].created_at = e.created_at + 1;
    for (int i = 0; i < 11; i++) {
        audit_hash("", &changed[i], b);
        cr_assert_str_neq(a, b, "field %d is hashed", i);
    }
    audit_hash("00", &e, b);
    cr_assert_str_neq(a, b, "the previous hash is hashed");
}

Test(audit, length_prefixes_keep_neighbouring_fields_apart)
{
    struct audit_event x = sample(7, "accept"), y = sample(7, "accept");
    x.note = "ab";
    x.public_note = "c";
    y.note = "a";
    y.public_note = "bc";
    char hx[AUDIT_HASH_HEX], hy[AUDIT_HASH_HEX];
    audit_hash("", &x, hx);
    audit_hash("", &y, hy);
    cr_assert_str_neq(hx, hy);
    // NULL hashes like the empty string.
    x.note = NULL;
    y.note = "";
    x.public_note = y.public_note = "";
    audit_hash("", &x, hx);
    audit_hash("", &y, hy);
    cr_assert_str_eq(hx, hy);
}

// A chain of n events as stored: events, prev hashes and hashes.
struct chain {
    struct audit_event events[6];
    char prev[6][AUDIT_HASH_HEX];
    char hash[6][AUDIT_HASH_HEX];
};

static void build(struct chain *c)
{
    const char *actions[] = {"report", "accept", "dispatch", "sign", "handle", "close"};
    char previous[AUDIT_HASH_HEX] = "";
    for (int i = 0; i < 6; i++) {
        c->events[i] = sample(i < 3 ? 7 : 9, actions[i]);
        c->events[i].created_at += i;
        snprintf(c->prev[i], sizeof c->prev[i], "%s", previous);
        audit_hash(previous, &c->events[i], c->hash[i]);
        snprintf(previous, sizeof previous, "%s", c->hash[i]);
    }
}

// Verifies the chain; returns the index of the first broken event, or -1.
static int verify(const struct chain *c, int64_t *count)
{
    struct audit_verifier v;
    audit_verify_init(&v);
    int broken = -1;
    for (int i = 0; i < 6 && broken < 0; i++)
        if (!audit_verify_step(&v, &c->events[i], c->prev[i], c->hash[i]))
            broken = i;
    *count = v.count;
    return broken;
}

Test(audit, an_intact_chain_verifies)
{
    struct chain c;
    build(&c);
    int64_t count = 0;
    cr_assert_eq(verify(&c, &count), -1);
    cr_assert_eq(count, 6);
}

Test(audit, verification_names_the_first_changed_event)
{
    for (int at = 0; at < 6; at++) {
        struct chain c;
        build(&c);
        c.events[at].note = "改过的说明";
        int64_t count = 0;
        cr_assert_eq(verify(&c, &count), at, "a changed field at %d", at);
        cr_assert_eq(count, at + 1);
    }
    // A stored hash rewritten to match the changed fields breaks the next link.
    struct chain c;
    build(&c);
    c.events[2].note = "改过的说明";
    audit_hash(c.prev[2], &c.events[2], c.hash[2]);
    int64_t count = 0;
    cr_assert_eq(verify(&c, &count), 3);
    // A deleted event: the one after it no longer links.
    build(&c);
    for (int i = 2; i < 5; i++) {
        c.events[i] = c.events[i + 1];
        memcpy(c.prev[i], c.prev[i + 1], AUDIT_HASH_HEX);
        memcpy(c.hash[i], c.hash[i + 1], AUDIT_HASH_HEX);
    }
    struct audit_verifier v;
    audit_verify_init(&v);
    cr_assert(audit_verify_step(&v, &c.events[0], c.prev[0], c.hash[0]));
    cr_assert(audit_verify_step(&v, &c.events[1], c.prev[1], c.hash[1]));
    cr_assert(!audit_verify_step(&v, &c.events[2], c.prev[2], c.hash[2]));
    cr_assert(!audit_verify_step(&v, &c.events[3], c.prev[3], c.hash[3]), "once broken, stays");
}

// ---- the second chain (audit_log) and the text hash of a snapshot body ----

static struct audit_log_entry log_sample(void)
{
    return (struct audit_log_entry){
        .actor_user_id = 0,
        .actor_role = "system",
        .actor_name = "system",
        .action = "snapshot.publish",
        .subject_kind = "assessment_snapshot",
        .subject_id = 12,
        .data = "{\"body_hash\":\"ab\"}",
        .created_at = 1796000000000,
    };
}

Test(audit, the_audit_log_hash_covers_every_field_and_the_link)
{
    struct audit_log_entry e = log_sample();
    char a[AUDIT_HASH_HEX], b[AUDIT_HASH_HEX];
    audit_log_hash("", &e, a);
    cr_assert_eq(strspn(a, "0123456789abcdef"), 64);
    struct audit_log_entry changed[8];
    for (int i = 0; i < 8; i++)
        changed[i] = e;
    changed[0].actor_user_id = 1;
    changed[1].actor_role = "admin";
    changed[2].actor_name = "管理员";
    changed[3].action = "snapshot.correct";
    changed[4].subject_kind = "user";
    changed[5].subject_id = 13;
    changed[6].data = "{}";
    changed[7].created_at = e.created_at + 1;
    for (int i = 0; i < 8; i++) {
        audit_log_hash("", &changed[i], b);
        cr_assert_str_neq(a, b, "field %d is hashed", i);
    }
    audit_log_hash(a, &e, b);
    cr_assert_str_neq(a, b, "the previous hash is hashed");
    // A chain of two verifies; a changed field breaks it at that entry.
    struct audit_verifier v;
    audit_verify_init(&v);
    cr_assert(audit_verify_link(&v, a, "", a));
    audit_log_hash(v.previous, &changed[3], b);
    cr_assert(audit_verify_link(&v, b, a, b));
    audit_verify_init(&v);
    audit_log_hash("", &changed[6], b);
    cr_assert_not(audit_verify_link(&v, b, "", a), "a stored hash of other fields fails");
    cr_assert_eq(v.count, 1);
}

Test(audit, a_body_hash_changes_with_any_byte_of_the_body)
{
    char a[AUDIT_HASH_HEX], b[AUDIT_HASH_HEX];
    audit_text_hash("{\"honours_size\":3}", a);
    audit_text_hash("{\"honours_size\":3}", b);
    cr_assert_str_eq(a, b);
    audit_text_hash("{\"honours_size\":4}", b);
    cr_assert_str_neq(a, b);
    audit_text_hash("", b);
    cr_assert_str_neq(a, b);
}
