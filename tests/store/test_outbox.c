// SPDX-License-Identifier: MIT
// Store conformance, the outbox (store_outbox.h): a hotline case's state changes
// become messages in the transactions that make them, none for a token without a
// callback; a claim takes only the first pending message of a case, under a
// lease that keeps others off it until it ends; a failed attempt is due again
// when told, dead after the last; a dead letter no longer holds its case back
// and is replayed once; the ticket is found by its token only.
#include "fixture.h"

#include "store_outbox.h"
#include "store_users.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(outbox, .init = conf_setup, .fini = conf_teardown);

#define SECRET   "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define LEASE_MS 60000

// A token for the operator, with a callback when url is not NULL. Returns its id.
static int64_t token(const char *name, const char *url)
{
    unsigned char hash[STORE_HASH_BYTES];
    memset(hash, 0, sizeof hash);
    snprintf((char *)hash, sizeof hash, "%s", name);
    cr_assert_eq(store_token_create(store, name, "12345", hash, city.operator_user), STORE_OK);
    int64_t id = 0;
    cr_assert_eq(store_token_callback_set(store, name, 0, url ? url : "http://127.0.0.1:1/", SECRET,
                                          NULL, &id),
                 STORE_OK);
    return id;
}

// A case filed by a hotline token as ticket external.
static struct store_case ticket(int64_t token_id, const char *external)
{
    struct case_intake in;
    conf_intake(&in, "市民来电：垃圾堆放", city.grid_a1);
    in.source = "12345";
    in.external_id = external;
    in.reporter_user_id = city.operator_user;
    in.actor_role = "operator";
    in.api_token_id = token_id;
    in.category_id = conf_category("event", "0102");
    struct store_case c;
    cr_assert_eq(store_case_create(store, &city.calendar, &in, &c), STORE_OK);
    return c;
}

struct claimed {
    struct store_outbox_message m[8];
    int n;
};

static struct claimed claim(int64_t now)
{
    struct claimed out = {.n = 0};
    cr_assert_eq(store_outbox_claim(store, now, LEASE_MS, out.m, 8, &out.n), STORE_OK);
    return out;
}

static void release(struct claimed *c)
{
    for (int i = 0; i < c->n; i++)
        store_outbox_message_free(&c->m[i]);
}

static const char *event_of(const struct store_outbox_message *m)
{
    static char event[32];
    const char *at = strstr(m->payload, "\"event\":\"");
    cr_assert_not_null(at, "%s", m->payload);
    snprintf(event, sizeof event, "%.*s", (int)strcspn(at + 9, "\""), at + 9);
    return event;
}

struct listed {
    int64_t id[16];
    int n;
};

static void collect(const struct store_outbox_message *m, void *data)
{
    struct listed *l = data;
    if (l->n < 16)
        l->id[l->n++] = m->id;
}

static struct listed list(const char *state)
{
    struct listed l = {.n = 0};
    cr_assert_eq(store_outbox_list(store, state, 0, 16, collect, &l), STORE_OK);
    return l;
}

Test(outbox, a_case_sends_its_messages_one_at_a_time_in_order)
{
    int64_t t = token("platform", "http://127.0.0.1:9/cb");
    struct store_case c = ticket(t, "GD-1");
    cr_expect_eq(list("pending").n, 0, "the filing itself is not pushed");
    conf_close(&c);
    cr_assert_eq(list("pending").n, 4);
    static const char *const ORDER[] = {"accepted", "dispatched", "handled", "closed"};
    int64_t now = store_now_ms();
    for (size_t i = 0; i < COUNT_OF(ORDER); i++) {
        struct claimed got = claim(now);
        cr_assert_eq(got.n, 1, "only the first pending message of the case (%zu)", i);
        cr_expect_str_eq(event_of(&got.m[0]), ORDER[i]);
        cr_expect_eq(got.m[0].attempts, 1);
        cr_expect_str_eq(got.m[0].kind, "hotline");
        cr_expect_eq(got.m[0].case_id, c.id);
        cr_expect_str_eq(got.m[0].case_no, c.case_no);
        struct claimed none = claim(now);
        cr_expect_eq(none.n, 0, "the next waits while this one is in flight");
        cr_assert_eq(store_outbox_delivered(store, got.m[0].id, now), STORE_OK);
        cr_expect_eq(store_outbox_delivered(store, got.m[0].id, now), STORE_NOT_FOUND);
        release(&got);
    }
    cr_expect_eq(list("delivered").n, 4);
    struct store_outbox_counts counts;
    cr_assert_eq(store_outbox_count(store, &counts), STORE_OK);
    cr_expect_eq(counts.pending, 0);
    cr_expect_eq(counts.dead, 0);
}

Test(outbox, other_cases_are_not_held_up_and_a_lease_ends)
{
    int64_t t = token("platform", NULL);
    struct store_case a = ticket(t, "GD-A"), b = ticket(t, "GD-B");
    conf_must(&a, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    conf_must(&a, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.municipal});
    conf_must(&b, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    int64_t now = store_now_ms();
    struct claimed first = claim(now);
    cr_assert_eq(first.n, 2, "A's first and B's first");
    cr_expect_neq(first.m[0].case_id, first.m[1].case_id);
    release(&first);
    cr_expect_eq(claim(now + LEASE_MS - 1).n, 0, "leased");
    struct claimed again = claim(now + LEASE_MS);
    cr_assert_eq(again.n, 2, "a sender that died leaves them due when the lease ends");
    cr_expect_eq(again.m[0].attempts, 2);
    release(&again);
}

Test(outbox, failures_retry_then_die_and_a_dead_letter_is_replayed_once)
{
    int64_t t = token("platform", NULL);
    struct store_case c = ticket(t, "GD-D");
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.municipal});
    int64_t now = store_now_ms();
    struct claimed got = claim(now);
    cr_assert_eq(got.n, 1);
    int64_t id = got.m[0].id;
    char key[64];
    snprintf(key, sizeof key, "%s", got.m[0].idempotency_key);
    release(&got);
    cr_assert_eq(
        store_outbox_failed(store, id, "the receiver answered HTTP 503", now + 1000, false),
        STORE_OK);
    cr_expect_eq(claim(now + 999).n, 0, "not before its next attempt, and its case waits");
    got = claim(now + 1000);
    cr_assert_eq(got.n, 1);
    cr_expect_eq(got.m[0].id, id);
    cr_expect_eq(got.m[0].attempts, 2);
    cr_expect_str_eq(got.m[0].idempotency_key, key, "the same key on every attempt");
    cr_expect_str_eq(got.m[0].last_error, "the receiver answered HTTP 503");
    release(&got);
    cr_assert_eq(store_outbox_failed(store, id, "timeout", now + 1000, true), STORE_OK);
    struct listed dead = list("dead");
    cr_assert_eq(dead.n, 1);
    cr_expect_eq(dead.id[0], id);
    got = claim(now + 1000);
    cr_assert_eq(got.n, 1, "a dead letter holds its case back no longer");
    cr_expect_str_eq(event_of(&got.m[0]), "dispatched");
    cr_assert_eq(store_outbox_delivered(store, got.m[0].id, now + 1000), STORE_OK);
    release(&got);
    cr_expect_eq(store_outbox_replay(store, id + 1000, NULL), STORE_NOT_FOUND);
    cr_assert_eq(store_outbox_replay(store, id, NULL), STORE_OK);
    cr_expect_eq(store_outbox_replay(store, id, NULL), STORE_INVALID, "pending is not dead");
    cr_expect_eq(list("dead").n, 0);
    got = claim(store_now_ms());
    cr_assert_eq(got.n, 1);
    cr_expect_eq(got.m[0].id, id);
    cr_expect_eq(got.m[0].attempts, 1, "attempts count from 0 again");
    release(&got);
}

Test(outbox, no_callback_no_message_and_a_ticket_is_its_tokens_only)
{
    unsigned char hash[STORE_HASH_BYTES] = "quiet";
    cr_assert_eq(store_token_create(store, "quiet", "12345", hash, city.operator_user), STORE_OK);
    int64_t loud = token("loud", NULL);
    struct store_case c = ticket(0, "GD-Q");
    conf_close(&c);
    cr_expect_eq(list("pending").n, 0, "a case no token with a callback filed sends nothing");
    struct store_case mine = ticket(loud, "GD-MINE");
    int64_t found = 0;
    cr_assert_eq(
        store_hotline_case_find(store, loud, city.operator_user, "12345", "GD-MINE", &found),
        STORE_OK);
    cr_expect_eq(found, mine.id);
    cr_expect_eq(
        store_hotline_case_find(store, loud + 1000, city.operator_user, "12345", "GD-MINE", &found),
        STORE_NOT_FOUND, "another token's ticket");
    cr_expect_eq(store_hotline_case_find(store, loud, city.operator_user, "110", "GD-MINE", &found),
                 STORE_NOT_FOUND, "another channel");
    cr_expect_eq(store_token_callback_set(store, "nobody", 0, "http://x/", SECRET, NULL, NULL),
                 STORE_NOT_FOUND);
    struct store_outbox_callback cb;
    cr_assert_eq(store_token_callback_get(store, loud, &cb), STORE_OK);
    cr_expect_str_eq(cb.secret, SECRET);
}
