// SPDX-License-Identifier: MIT
// Store conformance, the trends' tally (case_trend_tally, migration 0017): after
// every step of a series of real transitions at set times (filing, rework, a
// late handling, closure, reopen, a return and a dispatch to another
// department, a merge, a rejection, a placement, an extension, a suspension)
// the tally equals a recount of the facts, and the series read from it equal
// the series recounted from every fact, for every scope and jurisdiction.
#include "fixture.h"

#include "store_places.h"
#include "store_trend.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

TestSuite(trend, .init = conf_setup, .fini = conf_teardown);

static int64_t clock_ms;

static int64_t test_now(void *ctx)
{
    (void)ctx;
    return clock_ms;
}

// A local time of March 2024 (UTC+8): day, hour, minute.
static int64_t march(int day, int hour, int minute)
{
    return worktime_local_to_ms(&city.calendar, 20240300 + day, hour * 60 + minute);
}

// The series of one scope from the tally and from the recount, 90 days from
// 1 February, as of the test clock; both must agree day by day. Returns the
// tally's total of handling records due, for the caller's own checks.
static int64_t same_series(int64_t user, struct store_trend_scope scope, const char *what)
{
    enum { DAYS = 90 };
    struct store_trend_day kept[DAYS], counted[DAYS];
    struct jurisdiction j = conf_jurisdiction(user);
    int64_t from = worktime_local_to_ms(&city.calendar, 20240201, 0);
    cr_assert_eq(store_trend_series(store, &j, &scope, from, DAYS, clock_ms, kept), STORE_OK);
    cr_assert_eq(store_trend_recount(store, &j, &scope, from, DAYS, clock_ms, counted), STORE_OK);
    int64_t due = 0;
    for (int d = 0; d < DAYS; d++) {
        cr_assert_eq(kept[d].reported, counted[d].reported, "%s, day %d: reported", what, d);
        cr_assert_eq(kept[d].filed, counted[d].filed, "%s, day %d: filed", what, d);
        cr_assert_eq(kept[d].closed, counted[d].closed, "%s, day %d: closed", what, d);
        cr_assert_eq(kept[d].handle_due, counted[d].handle_due, "%s, day %d: due", what, d);
        cr_assert_eq(kept[d].handle_on_time, counted[d].handle_on_time, "%s, day %d: on time",
                     what, d);
        due += kept[d].handle_due;
    }
    return due;
}

// The tally against a recount, then every scope's series both ways, for the
// city's supervisor and for street 1's.
static void tally_holds(const char *step)
{
    cr_assert(store_tally_consistent(store), "after %s the tallies equal a recount", step);
    const int64_t users[] = {city.supervisor, city.street1_supervisor};
    for (size_t u = 0; u < sizeof users / sizeof users[0]; u++) {
        same_series(users[u], (struct store_trend_scope){0}, step);
        same_series(users[u], (struct store_trend_scope){.street_id = city.street1}, step);
        same_series(users[u], (struct store_trend_scope){.street_id = city.street2}, step);
        same_series(users[u], (struct store_trend_scope){.community_id = city.community_a}, step);
        same_series(users[u], (struct store_trend_scope){.grid_id = city.grid_a1}, step);
        same_series(users[u], (struct store_trend_scope){.grid_id = city.grid_b1}, step);
        same_series(users[u], (struct store_trend_scope){.department_id = city.municipal}, step);
        same_series(users[u], (struct store_trend_scope){.department_id = city.office1}, step);
        // Not a street: nothing, as the recount finds nothing.
        same_series(users[u], (struct store_trend_scope){.street_id = city.community_a}, step);
    }
}

static void act(struct store_case *c, int64_t user, enum casefsm_action action)
{
    conf_must(c, user, (struct case_transition){.action = action, .note = "备注"});
}

static void accept_and_dispatch(struct store_case *c, int64_t department)
{
    conf_must(c, city.supervisor,
              (struct case_transition){
                  .action = CASEFSM_ACTION_ACCEPT,
                  .category_id = c->category_id ? 0 : conf_category("event", "0102"),
                  .urgent = -1});
    conf_must(c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = department});
}

static void handle(struct store_case *c, int64_t user)
{
    conf_photo(c->id, "after", user, NULL);
    conf_must(c, user, (struct case_transition){.action = CASEFSM_ACTION_HANDLE, .note = "已清理"});
}

static void check(struct store_case *c, enum casefsm_action action)
{
    conf_photo(c->id, "check", city.inspector, NULL);
    act(c, city.inspector, action);
}

// Moves an unplaced case into cell grid_b1.
static void place(struct store_case *c)
{
    double lon, lat;
    conf_cell_centre(city.grid_b1, &lon, &lat);
    struct store_grid_location where;
    cr_assert_eq(store_grid_locate(store, lon, lat, &where), STORE_OK);
    struct case_placement p = {
        .case_id = c->id,
        .expected_version = c->version,
        .lat = lat,
        .lon = lon,
        .grid_id = where.grid_id,
        .community_id = where.community_id,
        .street_id = where.street_id,
        .district_id = where.district_id,
        .actor_user_id = city.supervisor,
        .actor_role = "supervisor",
        .actor_name = "值班长",
    };
    cr_assert_eq(store_case_place(store, &p, c), STORE_OK);
}

Test(trend, the_tally_equals_a_recount_after_every_transition)
{
    store_set_clock(test_now, NULL);
    clock_ms = march(4, 9, 0);
    struct store_case a = conf_report("暴露垃圾 A", city.grid_a1, "event", "0102");
    struct store_case dup = conf_report("暴露垃圾 A 重复", city.grid_a1, "event", "0102");
    struct store_case r = conf_report("不属实", city.grid_a2, "event", "0102");
    struct case_intake intake;
    conf_intake(&intake, "位置不明", 0);
    struct store_case u;
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &u), STORE_OK);
    tally_holds("intake");

    conf_must(&dup, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_MERGE, .target_case_id = a.id});
    act(&r, city.supervisor, CASEFSM_ACTION_REJECT);
    place(&u);
    tally_holds("merge, rejection and placement");

    accept_and_dispatch(&a, city.municipal);
    accept_and_dispatch(&u, city.municipal);
    act(&a, city.municipal_user, CASEFSM_ACTION_SIGN);
    handle(&a, city.municipal_user);
    clock_ms = march(4, 10, 30);
    check(&a, CASEFSM_ACTION_CHECK_FAIL);
    tally_holds("a rework");

    clock_ms = march(5, 16, 0); // past the round's deadline: late
    act(&a, city.municipal_user, CASEFSM_ACTION_SIGN);
    handle(&a, city.municipal_user);
    check(&a, CASEFSM_ACTION_CHECK_PASS);
    act(&a, city.supervisor, CASEFSM_ACTION_CLOSE);
    tally_holds("a late handling and a closure");

    clock_ms = march(6, 9, 0);
    conf_must(&a, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_REOPEN,
                                       .note = "群众不满意",
                                       .reopen_window_ms = WORKTIME_DAY_MS * 7});
    tally_holds("a reopen");

    conf_must(&a, city.municipal_user,
              (struct case_transition){.action = CASEFSM_ACTION_REQUEST_RETURN, .note = "不属我所"});
    act(&a, city.supervisor, CASEFSM_ACTION_APPROVE);
    conf_must(&a, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.office1});
    tally_holds("a return and a dispatch to another department");

    act(&u, city.municipal_user, CASEFSM_ACTION_SIGN);
    conf_must(&u, city.municipal_user,
              (struct case_transition){
                  .action = CASEFSM_ACTION_REQUEST_EXTENSION, .note = "等材料", .amount = 1});
    act(&u, city.supervisor, CASEFSM_ACTION_APPROVE);
    conf_must(&u, city.municipal_user,
              (struct case_transition){.action = CASEFSM_ACTION_REQUEST_SUSPENSION,
                                       .note = "待审批"});
    act(&u, city.supervisor, CASEFSM_ACTION_APPROVE);
    tally_holds("an extension and a suspension");

    clock_ms = march(12, 9, 0);
    act(&u, city.supervisor, CASEFSM_ACTION_RESUME);
    handle(&u, city.municipal_user);
    check(&u, CASEFSM_ACTION_CHECK_PASS);
    act(&u, city.supervisor, CASEFSM_ACTION_CLOSE);
    // a's second round runs on past its deadline: due as of the clock, not kept.
    clock_ms = march(29, 9, 0);
    tally_holds("a resumed handling closed and a running one past due");
    int64_t due = same_series(city.supervisor,
                              (struct store_trend_scope){.department_id = city.municipal},
                              "the municipal department");
    cr_expect_eq(due, 1, "u's handling; a's records went with a to street 1's office");
    due = same_series(city.supervisor, (struct store_trend_scope){.department_id = city.office1},
                      "street 1's office");
    cr_expect_eq(due, 3, "a's two attempts and its running record past due: %lld",
                 (long long)due);
    store_set_clock(NULL, NULL);
}
