// SPDX-License-Identifier: MIT
// Store conformance, tools' writes: a clock set with store_set_clock stamps what
// the store writes (case number, events, stage deadlines from the calendar), and
// store_bulk runs many steps in one transaction: a whole lifecycle with photos
// and a rating comes out as the single calls make it, and a bulk function that
// fails leaves nothing behind.
#include "fixture.h"

#include "store_bulk.h"
#include "store_categories.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

TestSuite(bulk, .init = conf_setup, .fini = conf_teardown);

static int64_t fixed_now(void *ctx)
{
    return *(const int64_t *)ctx;
}

// Monday 2024-03-04 09:00 in the calendar's zone (UTC+8).
static int64_t monday_morning(void)
{
    return worktime_local_to_ms(&city.calendar, 20240304, 9 * 60);
}

Test(bulk, a_set_clock_stamps_the_case_and_its_deadlines)
{
    int64_t now = monday_morning();
    store_set_clock(fixed_now, &now);
    struct store_case c = conf_report("暴露垃圾", city.grid_a1, "event", "0102");
    now += 30 * WORKTIME_MINUTE_MS;
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    store_set_clock(NULL, NULL);
    cr_expect_eq(c.created_at, monday_morning());
    cr_expect_eq(strncmp(c.case_no, "20240304", 8), 0, "numbered by the clock's day: %s",
                 c.case_no);
    cr_expect_eq(c.updated_at, now);
    cr_expect_eq(c.stage_started_at, now, "the dispatch stage starts at the accept");
    struct store_case_stage stages[4];
    cr_assert_eq(conf_stages(c.id, stages, 4), 2);
    cr_expect_eq(stages[0].record.ended_at, now);
    cr_expect_eq(stages[0].record.verdict, CASEWORK_ON_TIME);
    struct store_category category;
    cr_assert_eq(store_category_get(store, c.category_id, &category), STORE_OK);
    const struct store_category_limit *limit = &category.limits[STORE_CATEGORY_DISPATCH];
    cr_assert(limit->set, "the seeded subclass has a dispatch limit");
    cr_expect_eq(stages[1].record.deadline,
                 worktime_deadline(&city.calendar, now, limit->unit, limit->amount));
    cr_expect_gt(store_now_ms(), now + WORKTIME_DAY_MS, "the real clock is back");
    conf_audit_count();
}

struct lifecycle {
    int64_t clock;
    int64_t case_id;
    int steps;
};

static int64_t lifecycle_now(void *ctx)
{
    return ((struct lifecycle *)ctx)->clock;
}

// One transition in the bulk by a user of the city (role and name as stored).
static int act(struct store_bulk *bulk, struct store_case *c, int64_t user, enum role role,
               struct case_transition t)
{
    t.case_id = c->id;
    t.expected_version = c->version;
    t.actor_user_id = user;
    t.actor_role = role;
    t.actor_name = "bulk";
    struct case_refusal refusal = {.message = ""};
    int rc = store_bulk_case_transition(bulk, &city.calendar, &t, c, &refusal);
    if (rc != STORE_OK)
        fprintf(stderr, "bulk %s: %d %s\n", casefsm_action_name(t.action), rc, refusal.message);
    return rc;
}

static int photo(struct store_bulk *bulk, int64_t case_id, const char *stage, int64_t user)
{
    unsigned char data[64];
    char hash[STORE_ATTACHMENT_HASH_LEN + 1];
    conf_photo_bytes(data, sizeof data, hash); // no file: the rows are what is tested
    struct store_attachment_new p = {.case_id = case_id,
                                     .hash = hash,
                                     .mime = "image/jpeg",
                                     .size = sizeof data,
                                     .stage = stage,
                                     .uploaded_by = user,
                                     .actor_role = "inspector",
                                     .actor_name = "bulk"};
    struct store_attachment_outcome outcome;
    return store_bulk_attach(bulk, &p, &outcome);
}

// Files a fix on the spot and a patrol report, and walks the report to closed
// and rated, all in one transaction; the clock advances an hour a step.
static int lifecycle_fn(struct store_bulk *bulk, void *data)
{
    struct lifecycle *l = data;
    unsigned char bytes[2][64];
    char hashes[2][STORE_ATTACHMENT_HASH_LEN + 1];
    struct case_intake_photo photos[2];
    for (int i = 0; i < 2; i++) {
        conf_photo_bytes(bytes[i], sizeof bytes[i], hashes[i]);
        int rc = store_bulk_upload(bulk, city.inspector, hashes[i], "image/jpeg", 64);
        if (rc != STORE_OK)
            return rc;
        photos[i] = (struct case_intake_photo){hashes[i], i == 0 ? "before" : "after"};
    }
    struct case_intake intake;
    conf_intake(&intake, "井盖松动", city.grid_a1);
    intake.self_handled = true;
    intake.photos = photos;
    intake.photo_count = 2;
    struct store_case fixed, c;
    int rc = store_bulk_case_create(bulk, &city.calendar, &intake, &fixed);
    if (rc != STORE_OK || fixed.state != CASEFSM_STATE_CLOSED)
        return STORE_ERROR;
    conf_intake(&intake, "暴露垃圾", city.grid_a1);
    intake.category_id = conf_category("event", "0102");
    if ((rc = store_bulk_case_create(bulk, &city.calendar, &intake, &c)) != STORE_OK)
        return rc;
    l->case_id = c.id;
#define STEP(call)                                                                                 \
    do {                                                                                           \
        l->clock += WORKTIME_HOUR_MS;                                                              \
        if ((rc = (call)) != STORE_OK)                                                             \
            return rc;                                                                             \
        l->steps++;                                                                                \
    } while (0)
    STEP(act(bulk, &c, city.supervisor, ROLE_SUPERVISOR,
             (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1}));
    STEP(act(bulk, &c, city.supervisor, ROLE_SUPERVISOR,
             (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                      .department_id = city.municipal}));
    STEP(act(bulk, &c, city.municipal_user, ROLE_DEPARTMENT,
             (struct case_transition){.action = CASEFSM_ACTION_SIGN}));
    STEP(photo(bulk, c.id, "after", city.municipal_user));
    STEP(act(bulk, &c, city.municipal_user, ROLE_DEPARTMENT,
             (struct case_transition){.action = CASEFSM_ACTION_HANDLE, .note = "已清理"}));
    STEP(photo(bulk, c.id, "check", city.inspector));
    STEP(act(bulk, &c, city.inspector, ROLE_INSPECTOR,
             (struct case_transition){.action = CASEFSM_ACTION_CHECK_PASS}));
    STEP(act(bulk, &c, city.supervisor, ROLE_SUPERVISOR,
             (struct case_transition){.action = CASEFSM_ACTION_CLOSE}));
    bool reopened = true;
    struct store_case_rating rating = {.case_id = c.id,
                                       .rating = "unsatisfied",
                                       .source = "hotline",
                                       .calendar = &city.calendar,
                                       .reopen_window_ms = 7 * WORKTIME_DAY_MS,
                                       .reopened = &reopened};
    STEP(store_bulk_rate(bulk, &rating));
#undef STEP
    return reopened ? STORE_OK : STORE_ERROR;
}

Test(bulk, a_lifecycle_in_one_transaction_is_the_single_calls_own)
{
    int64_t chain = conf_audit_count();
    struct lifecycle l = {.clock = monday_morning()};
    store_set_clock(lifecycle_now, &l);
    int rc = store_bulk(store, lifecycle_fn, &l);
    store_set_clock(NULL, NULL);
    cr_assert_eq(rc, STORE_OK);
    cr_assert_eq(l.steps, 9);
    struct store_case c = conf_get(l.case_id);
    cr_expect_eq(c.state, CASEFSM_STATE_DISPATCHED, "the unsatisfied rating reopened it");
    cr_expect_eq(c.reopen_count, 1);
    cr_expect_eq(c.department_id, city.municipal);
    cr_expect_eq(c.updated_at, monday_morning() + 9 * WORKTIME_HOUR_MS);
    struct store_case_event events[24];
    size_t n = conf_events(c.id, events, COUNT_OF(events));
    cr_assert_leq(n, COUNT_OF(events));
    const char *expected[] = {"report", "accept",     "dispatch", "sign", "attach", "handle",
                              "attach", "check-pass", "close",    "rate", "reopen"};
    cr_assert_eq(n, COUNT_OF(expected));
    for (size_t i = 0; i < n; i++)
        cr_expect_str_eq(events[i].action, expected[i], "event %zu", i);
    struct store_case_stage stages[16];
    size_t s = conf_stages(c.id, stages, COUNT_OF(stages));
    cr_expect_geq(s, 7, "file, dispatch, sign, handle, check, close, then the reopened round");
    for (size_t i = 0; i < 6 && i < s; i++)
        cr_expect_eq(stages[i].record.verdict, CASEWORK_ON_TIME, "stage %zu", i);
    cr_expect_eq(conf_audit_count(), chain + (int64_t)n + 3,
                 "the fix on the spot: self-handle and two attach events");
}

static int failing_fn(struct store_bulk *bulk, void *data)
{
    struct store_case *c = data;
    struct case_intake intake;
    conf_intake(&intake, "暴露垃圾", city.grid_a1);
    int rc = store_bulk_case_create(bulk, &city.calendar, &intake, c);
    return rc == STORE_OK ? STORE_INVALID : STORE_ERROR;
}

Test(bulk, a_failing_bulk_leaves_nothing)
{
    int64_t chain = conf_audit_count();
    struct store_case c = {.id = 0};
    cr_assert_eq(store_bulk(store, failing_fn, &c), STORE_INVALID);
    cr_assert_gt(c.id, 0, "the case existed inside the transaction");
    struct store_case gone;
    cr_expect_eq(store_case_get(store, c.id, &gone), STORE_NOT_FOUND);
    cr_expect_eq(conf_audit_count(), chain);
    struct store_case after = conf_report("暴露垃圾", city.grid_a1, NULL, NULL);
    cr_expect_str_eq(after.case_no, c.case_no, "the case number was not used up");
}
