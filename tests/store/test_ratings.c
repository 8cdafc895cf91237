// SPDX-License-Identifier: MIT
// Store conformance, citizens' ratings (store_case_rate, store_case_ratings):
// one rating per closure, a second one a conflict that writes nothing, every
// rating kept with its round and closure, the case showing the latest, and an
// unsatisfied rating inside the reopen window reopening the case in the same
// transaction.
#include "fixture.h"

#include <criterion/criterion.h>
#include <string.h>

TestSuite(ratings, .init = conf_setup, .fini = conf_teardown);

#define ROWS_MAX 8

struct rating_rows {
    struct store_case_rating_row row[ROWS_MAX];
    size_t n;
};

static void collect_row(const struct store_case_rating_row *row, void *data)
{
    struct rating_rows *rows = data;
    if (rows->n < ROWS_MAX)
        rows->row[rows->n] = *row;
    rows->n++;
}

static struct rating_rows ratings_of(int64_t case_id)
{
    struct rating_rows rows = {.n = 0};
    cr_assert_eq(store_case_ratings(store, case_id, collect_row, &rows), STORE_OK);
    return rows;
}

static int rate(int64_t case_id, const char *rating, const char *comment, int64_t window_ms,
                bool *reopened)
{
    struct store_case_rating r = {
        .case_id = case_id,
        .rating = rating,
        .comment = comment,
        .calendar = &city.calendar,
        .reopen_window_ms = window_ms,
        .reopened = reopened,
    };
    return store_case_rate(store, &r);
}

static struct store_case closed_case(void)
{
    struct store_case c = conf_report("暴露垃圾", city.grid_a1, "event", "0102");
    conf_close(&c);
    return c;
}

Test(ratings, a_closure_is_rated_once)
{
    struct store_case c = closed_case();
    bool reopened = true;
    cr_assert_eq(rate(c.id, "satisfied", "很快", WORKTIME_DAY_MS, &reopened), STORE_OK);
    cr_expect_not(reopened, "a satisfied rating reopens nothing (and says so)");
    struct store_case rated = conf_get(c.id);
    cr_expect_str_eq(rated.rating, "satisfied");
    cr_expect_str_eq(rated.rating_comment, "很快");
    cr_expect_geq(rated.rated_at, rated.closed_at);
    cr_expect_eq(rated.state, CASEFSM_STATE_CLOSED);
    size_t events = conf_events(c.id, NULL, 0);
    struct store_case_event last[16];
    cr_assert_leq(events, COUNT_OF(last));
    conf_events(c.id, last, COUNT_OF(last));
    cr_expect_str_eq(last[events - 1].action, "rate");
    cr_expect_str_eq(last[events - 1].from_state, "closed");
    cr_expect_not_null(strstr(last[events - 1].data, "satisfied"));
    int64_t chain = conf_audit_count();

    cr_expect_eq(rate(c.id, "unsatisfied", "又脏了", WORKTIME_DAY_MS, NULL), STORE_CONFLICT,
                 "this closure is rated already");
    struct store_case again = conf_get(c.id);
    cr_expect_str_eq(again.rating, "satisfied", "the first rating stands");
    cr_expect_eq(again.state, CASEFSM_STATE_CLOSED, "a refused rating reopens nothing");
    cr_expect_eq(again.version, rated.version);
    cr_expect_eq(conf_audit_count(), chain, "nothing written");
    struct rating_rows rows = ratings_of(c.id);
    cr_assert_eq(rows.n, 1);
    cr_expect_eq(rows.row[0].round, 1);
    cr_expect_str_eq(rows.row[0].rating, "satisfied");
    cr_expect_str_eq(rows.row[0].comment, "很快");
    cr_expect_str_eq(rows.row[0].source, "citizen", "NULL source is the citizen");
    cr_expect_eq(rows.row[0].closed_at, c.closed_at);
    cr_expect_eq(rows.row[0].rated_at, rated.rated_at);
}

Test(ratings, only_closed_cases_with_known_ratings_are_rated)
{
    struct store_case open = conf_report("暴露垃圾", city.grid_a1, "event", "0102");
    cr_expect_eq(rate(open.id, "satisfied", NULL, WORKTIME_DAY_MS, NULL), STORE_INVALID);
    struct store_case c = closed_case();
    cr_expect_eq(rate(c.id, "happy", NULL, WORKTIME_DAY_MS, NULL), STORE_INVALID);
    cr_expect_eq(rate(c.id, NULL, NULL, WORKTIME_DAY_MS, NULL), STORE_INVALID);
    char long_comment[CASE_NOTE_MAX + 2];
    memset(long_comment, 'x', sizeof long_comment - 1);
    long_comment[sizeof long_comment - 1] = '\0';
    cr_expect_eq(rate(c.id, "satisfied", long_comment, WORKTIME_DAY_MS, NULL), STORE_INVALID,
                 "a comment over CASE_NOTE_MAX bytes");
    cr_expect_eq(rate(c.id + 1000, "satisfied", NULL, WORKTIME_DAY_MS, NULL), STORE_NOT_FOUND);
    struct store_case_rating by_sms = {
        .case_id = c.id, .rating = "satisfied", .source = "sms", .calendar = &city.calendar};
    cr_expect_eq(store_case_rate(store, &by_sms), STORE_INVALID, "an unknown source");
    cr_expect_eq(ratings_of(c.id).n, 0, "nothing stored");
    cr_expect_str_eq(conf_get(c.id).rating, "");
    long_comment[CASE_NOTE_MAX] = '\0';
    cr_expect_eq(rate(c.id, "basically_satisfied", long_comment, WORKTIME_DAY_MS, NULL), STORE_OK,
                 "exactly CASE_NOTE_MAX bytes");
    cr_expect_eq(strlen(conf_get(c.id).rating_comment), CASE_NOTE_MAX);
}

Test(ratings, an_unsatisfied_rating_inside_the_window_reopens_the_case)
{
    struct store_case c = closed_case();
    bool reopened = false;
    cr_assert_eq(rate(c.id, "unsatisfied", "垃圾还在", WORKTIME_DAY_MS, &reopened), STORE_OK);
    cr_expect(reopened);
    struct store_case now = conf_get(c.id);
    cr_expect_eq(now.state, CASEFSM_STATE_DISPATCHED, "back to the department");
    cr_expect_eq(now.reopen_count, 1);
    cr_expect_eq(now.department_id, city.municipal);
    cr_expect_gt(now.version, c.version);
    cr_expect_str_eq(now.rating, "unsatisfied", "the case shows the latest rating");
    struct store_case_event events[16];
    size_t n = conf_events(c.id, events, COUNT_OF(events));
    cr_assert_leq(n, COUNT_OF(events));
    cr_expect_str_eq(events[n - 2].action, "rate");
    cr_expect_str_eq(events[n - 1].action, "reopen");
    cr_expect_eq(events[n - 1].actor_user_id, 0, "the system reopens it");
    cr_expect_str_eq(events[n - 1].actor_role, "system");
    cr_expect_str_eq(events[n - 1].note, "垃圾还在");
    cr_expect_eq(conf_audit_count(), (int64_t)n);

    // The second closure is rated on its own; both ratings are kept.
    conf_must(&now, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_SIGN});
    conf_photo(now.id, "after", city.municipal_user, NULL);
    conf_must(&now, city.municipal_user,
              (struct case_transition){.action = CASEFSM_ACTION_HANDLE, .note = "再次清运"});
    conf_photo(now.id, "check", city.inspector, NULL);
    conf_must(&now, city.inspector, (struct case_transition){.action = CASEFSM_ACTION_CHECK_PASS});
    conf_must(&now, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_CLOSE});
    cr_expect_str_eq(now.rating, "", "a new closure shows no rating yet");
    struct store_case_rating hotline = {
        .case_id = c.id,
        .rating = "satisfied",
        .source = "hotline",
        .calendar = &city.calendar,
        .reopen_window_ms = WORKTIME_DAY_MS,
    };
    cr_assert_eq(store_case_rate(store, &hotline), STORE_OK);
    struct rating_rows rows = ratings_of(c.id);
    cr_assert_eq(rows.n, 2);
    cr_expect_eq(rows.row[0].round, 1);
    cr_expect_str_eq(rows.row[0].rating, "unsatisfied");
    cr_expect_eq(rows.row[0].closed_at, c.closed_at);
    cr_expect_eq(rows.row[1].round, 2);
    cr_expect_str_eq(rows.row[1].rating, "satisfied");
    cr_expect_str_eq(rows.row[1].source, "hotline");
    cr_expect_eq(rows.row[1].closed_at, now.closed_at);
    cr_expect_geq(rows.row[1].rated_at, rows.row[0].rated_at);
    cr_expect_str_eq(conf_get(c.id).rating, "satisfied");
    cr_expect_eq(rate(c.id, "unsatisfied", NULL, WORKTIME_DAY_MS, NULL), STORE_CONFLICT);
}

Test(ratings, an_unsatisfied_rating_after_the_window_only_records)
{
    struct store_case c = closed_case();
    bool reopened = true;
    // The rating comes at least a millisecond after the closing: a window of 0 is over.
    cr_assert_eq(rate(c.id, "unsatisfied", "太慢", 0, &reopened), STORE_OK);
    cr_expect_not(reopened);
    struct store_case now = conf_get(c.id);
    cr_expect_eq(now.state, CASEFSM_STATE_CLOSED);
    cr_expect_eq(now.reopen_count, 0);
    cr_expect_str_eq(now.rating, "unsatisfied");
    cr_expect_eq(ratings_of(c.id).n, 1);
}

Test(ratings, a_case_without_ratings_lists_none)
{
    struct store_case c = conf_report("暴露垃圾", city.grid_a1, "event", "0102");
    cr_expect_eq(ratings_of(c.id).n, 0);
    cr_expect_eq(ratings_of(424242).n, 0);
}
