// SPDX-License-Identifier: MIT
// Unit tests of the assessment formulas on hand-built stage facts: what each
// record adds (on time, late, overdue, pending, void), rework, extension,
// suspension, reopen and merge, every rate of every group, null for a zero
// denominator, the composite with its weights and the grades.
#include "assessment.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#define NOW   1000000LL
#define EARLY (NOW - 5000)

static struct assessment_stage_fact handle(enum casework_verdict verdict, const char *outcome)
{
    return (struct assessment_stage_fact){.stage = CASEWORK_STAGE_HANDLE,
                                          .verdict = verdict,
                                          .outcome = outcome,
                                          .round = 1,
                                          .attempt = 1,
                                          .deadline = EARLY,
                                          .ended_at = verdict == CASEWORK_RUNNING ? 0 : EARLY - 1,
                                          .case_round = 1};
}

static void count(struct assessment_counts *c, struct assessment_stage_fact f)
{
    assessment_count_stage(c, &f, NOW);
}

static struct assessment_rate rate_of(enum assessment_group group,
                                      const struct assessment_counts *c, const char *name,
                                      int64_t volume_max)
{
    struct assessment_rate rates[ASSESSMENT_RATES_MAX];
    int n = assessment_rates(group, c, volume_max, rates);
    for (int i = 0; i < n; i++)
        if (strcmp(rates[i].name, name) == 0)
            return rates[i];
    cr_assert_fail("no rate %s", name);
    return rates[0];
}

static void expect_rate(enum assessment_group group, const struct assessment_counts *c,
                        const char *name, double want)
{
    struct assessment_rate r = rate_of(group, c, name, 4);
    cr_expect(r.value.known, "%s is known", name);
    cr_expect_float_eq(r.value.value, want, 1e-9, "%s = %f, want %f", name, r.value.value, want);
}

static void expect_null(enum assessment_group group, const struct assessment_counts *c,
                        const char *name)
{
    struct assessment_rate r = rate_of(group, c, name, 0);
    cr_expect_not(r.value.known, "%s is null on a zero denominator", name);
    cr_expect_eq(r.value.value, 0, "and carries no NaN");
}

Test(assessment, handling_verdicts_on_time_late_overdue_and_pending)
{
    struct assessment_counts c = {0};
    count(&c, handle(CASEWORK_ON_TIME, "handle"));
    count(&c, handle(CASEWORK_LATE, "handle"));
    count(&c, handle(CASEWORK_RUNNING, "")); // past its deadline: overdue
    struct assessment_stage_fact pending = handle(CASEWORK_RUNNING, "");
    pending.deadline = NOW + 1;
    count(&c, pending);
    cr_expect_eq(c.received, 4);
    cr_expect_eq(c.handle_due, 3, "ended ones and the overdue one are judged");
    cr_expect_eq(c.handle_on_time, 1);
    cr_expect_eq(c.overdue, 2, "late and running past due");
    cr_expect_eq(c.handle_pending, 1);
    cr_expect_eq(c.handled, 2);
    expect_rate(ASSESSMENT_DEPARTMENT, &c, "on_time_handling_rate", 1.0 / 3);
    expect_rate(ASSESSMENT_DEPARTMENT, &c, "handling_rate", 2.0 / 4);
    expect_rate(ASSESSMENT_STREET, &c, "on_time_closing_rate", 1.0 / 3);
}

// A failed check: the handling again is a rework, judged against the round's
// deadline, and the dispatch is received once.
Test(assessment, a_rework_counts_once_more_as_handling_not_as_a_dispatch)
{
    struct assessment_counts c = {0};
    count(&c, handle(CASEWORK_ON_TIME, "handle"));
    struct assessment_stage_fact again = handle(CASEWORK_LATE, "handle");
    again.attempt = 2;
    count(&c, again);
    cr_expect_eq(c.received, 1);
    cr_expect_eq(c.reworks, 1);
    cr_expect_eq(c.handle_due, 2);
    expect_rate(ASSESSMENT_DEPARTMENT, &c, "rework_rate", 1.0);
    expect_rate(ASSESSMENT_DEPARTMENT, &c, "on_time_handling_rate", 0.5);
}

Test(assessment, a_return_is_received_but_never_judged)
{
    struct assessment_counts c = {0};
    count(&c, handle(CASEWORK_VOID, "return"));
    count(&c, handle(CASEWORK_VOID, "recall"));
    count(&c, handle(CASEWORK_ON_TIME, "handle"));
    cr_expect_eq(c.received, 3);
    cr_expect_eq(c.returns, 1, "a recall is no return");
    cr_expect_eq(c.handle_due, 1);
    expect_rate(ASSESSMENT_DEPARTMENT, &c, "return_rate", 1.0 / 3);
    expect_rate(ASSESSMENT_DEPARTMENT, &c, "on_time_handling_rate", 1.0);
}

Test(assessment, an_extension_counts_the_dispatch_extended)
{
    struct assessment_counts c = {0};
    struct assessment_stage_fact f = handle(CASEWORK_ON_TIME, "handle");
    f.case_extended = true;
    count(&c, f);
    count(&c, handle(CASEWORK_ON_TIME, "handle"));
    cr_expect_eq(c.extended, 1);
    expect_rate(ASSESSMENT_DEPARTMENT, &c, "extension_rate", 0.5);
}

// Suspended: the record has no deadline while paused, so it is neither due
// nor overdue however long the pause; the store keeps paused time out of its
// elapsed time and verdict.
Test(assessment, a_suspended_handling_is_pending_not_overdue)
{
    struct assessment_counts c = {0};
    struct assessment_stage_fact paused = handle(CASEWORK_RUNNING, "");
    paused.deadline = 0;
    count(&c, paused);
    cr_expect_eq(c.handle_due, 0);
    cr_expect_eq(c.overdue, 0);
    cr_expect_eq(c.handle_pending, 1);
    expect_null(ASSESSMENT_DEPARTMENT, &c, "on_time_handling_rate");
}

// Reopened: the first round's dispatch closed its round (the case is in round
// 2), the second round's is a new dispatch.
Test(assessment, a_reopen_closes_the_first_round_and_receives_a_second)
{
    struct assessment_counts c = {0};
    struct assessment_stage_fact first = handle(CASEWORK_ON_TIME, "handle");
    first.case_round = 2;
    count(&c, first);
    struct assessment_stage_fact second = handle(CASEWORK_RUNNING, "");
    second.round = 2;
    second.case_round = 2;
    second.deadline = NOW + 10;
    count(&c, second);
    cr_expect_eq(c.received, 2);
    cr_expect_eq(c.rounds_closed, 1);
    expect_rate(ASSESSMENT_DEPARTMENT, &c, "closure_rate", 0.5);
}

// A leader's 督办 marks every dispatch of the case; the escalator's marks the
// record that went red, a rework too; a dispatch supervised both ways is one
// supervised dispatch.
Test(assessment, supervision_by_a_leader_and_by_the_escalator)
{
    struct assessment_counts c = {0};
    struct assessment_stage_fact led = handle(CASEWORK_LATE, "handle");
    led.case_supervised = true;
    count(&c, led);
    struct assessment_stage_fact red = handle(CASEWORK_RUNNING, "");
    red.auto_supervised = true;
    count(&c, red);
    struct assessment_stage_fact both = handle(CASEWORK_LATE, "handle");
    both.case_supervised = both.auto_supervised = true;
    count(&c, both);
    struct assessment_stage_fact rework = handle(CASEWORK_LATE, "handle");
    rework.attempt = 2;
    rework.auto_supervised = true;
    count(&c, rework);
    count(&c, handle(CASEWORK_ON_TIME, "handle"));
    cr_expect_eq(c.received, 4, "the rework is no dispatch");
    cr_expect_eq(c.leader_supervised, 2);
    cr_expect_eq(c.auto_supervised, 3, "the rework's notice counts");
    cr_expect_eq(c.supervised, 3, "each dispatch once, the rework not");
    expect_rate(ASSESSMENT_DEPARTMENT, &c, "supervision_rate", 3.0 / 4);
    expect_rate(ASSESSMENT_STREET, &c, "supervision_rate", 3.0 / 4);
    cr_expect(rate_of(ASSESSMENT_DEPARTMENT, &c, "supervision_rate", 4).lower_is_better);
    struct assessment_stage_fact elsewhere = {.stage = CASEWORK_STAGE_DISPATCH,
                                              .verdict = CASEWORK_LATE,
                                              .outcome = "dispatch",
                                              .auto_supervised = true,
                                              .case_supervised = true};
    struct assessment_counts centre = {0};
    count(&centre, elsewhere);
    cr_expect_eq(centre.supervised + centre.auto_supervised + centre.leader_supervised, 0,
                 "a late dispatch is the centre's, not a department's supervision");
    struct assessment_counts none = {0};
    expect_null(ASSESSMENT_DEPARTMENT, &none, "supervision_rate");
    expect_null(ASSESSMENT_COMMUNITY, &none, "supervision_rate");
}

// Only the department weighs supervision by default; weights still sum to 100.
Test(assessment, supervision_weighs_ten_for_departments_none_for_areas)
{
    struct assessment_config config;
    assessment_config_default(&config);
    struct assessment_counts c = {.received = 2, .supervised = 2};
    struct assessment_rate rates[ASSESSMENT_RATES_MAX];
    int n = assessment_rates(ASSESSMENT_DEPARTMENT, &c, 2, rates);
    cr_expect_eq(n, 9);
    cr_expect_eq(config.weights[ASSESSMENT_DEPARTMENT][8], 10);
    // closure 30 x 0 + rework 25 x (1 - 0) + volume 10 x 1 + supervision
    // 10 x (1 - 1) over 75 (on time is unknown) = 46.67
    struct assessment_value v = assessment_composite(&config, ASSESSMENT_DEPARTMENT, rates, n);
    cr_expect_float_eq(v.value, 46.7, 1e-9, "%f", v.value);
    n = assessment_rates(ASSESSMENT_GRID, &c, 0, rates);
    cr_expect_eq(n, 5);
    cr_expect_eq(config.weights[ASSESSMENT_GRID][4], 0);
    cr_expect_not(assessment_composite(&config, ASSESSMENT_GRID, rates, n).known,
                  "an unweighted rate alone gives no composite");
}

Test(assessment, reports_merged_ones_count_nowhere)
{
    struct assessment_counts c = {0};
    static const struct assessment_report_fact REPORTS[] = {
        {CASEFSM_STATE_CLOSED, true, false},    {CASEFSM_STATE_PROCESSING, false, false},
        {CASEFSM_STATE_REJECTED, true, false},  {CASEFSM_STATE_MERGED, true, false},
        {CASEFSM_STATE_VERIFYING, false, false}, {CASEFSM_STATE_CLOSED, true, true},
    };
    for (size_t i = 0; i < sizeof REPORTS / sizeof REPORTS[0]; i++)
        assessment_count_report(&c, &REPORTS[i]);
    cr_expect_eq(c.reported, 5, "the merged duplicate is counted in the case it joined");
    cr_expect_eq(c.decided, 4);
    cr_expect_eq(c.filed, 3, "a fix on the spot is a valid report");
    cr_expect_eq(c.filed_by_others, 1);
    cr_expect_eq(c.closed, 2);
    expect_rate(ASSESSMENT_INSPECTOR, &c, "valid_report_rate", 3.0 / 4);
    expect_rate(ASSESSMENT_STREET, &c, "filing_rate", 3.0 / 4);
    expect_rate(ASSESSMENT_GRID, &c, "closing_rate", 2.0 / 3);
    c.cells = 2;
    struct assessment_value per_cell = assessment_cases_per_cell(&c);
    cr_expect(per_cell.known);
    cr_expect_float_eq(per_cell.value, 2.5, 1e-9);
}

Test(assessment, inspector_and_operator_decisions)
{
    struct assessment_counts c = {0};
    struct assessment_stage_fact f = {.outcome = "confirm", .verdict = CASEWORK_ON_TIME,
                                      .round = 1, .attempt = 1, .case_round = 1};
    f.stage = CASEWORK_STAGE_VERIFY;
    count(&c, f);
    f.stage = CASEWORK_STAGE_CHECK;
    f.verdict = CASEWORK_LATE;
    count(&c, f);
    f.stage = CASEWORK_STAGE_FILE;
    f.verdict = CASEWORK_ON_TIME;
    count(&c, f);
    f.stage = CASEWORK_STAGE_DISPATCH;
    f.outcome = "dispatch";
    count(&c, f);
    f.case_returned = true;
    f.verdict = CASEWORK_LATE;
    count(&c, f);
    f.stage = CASEWORK_STAGE_SIGN; // timed, not scored
    count(&c, f);
    c.area_filed = 4;
    c.area_filed_by_others = 1;
    expect_rate(ASSESSMENT_INSPECTOR, &c, "on_time_verification_rate", 1.0);
    expect_rate(ASSESSMENT_INSPECTOR, &c, "on_time_check_rate", 0.0);
    expect_rate(ASSESSMENT_INSPECTOR, &c, "missed_report_rate", 0.25);
    expect_rate(ASSESSMENT_OPERATOR, &c, "on_time_filing_rate", 1.0);
    expect_rate(ASSESSMENT_OPERATOR, &c, "on_time_dispatch_rate", 0.5);
    expect_rate(ASSESSMENT_OPERATOR, &c, "accurate_dispatch_rate", 0.5);
}

Test(assessment, satisfaction_counts_basically_satisfied_as_satisfied)
{
    struct assessment_counts c = {0};
    assessment_count_rating(&c, "satisfied");
    assessment_count_rating(&c, "basically_satisfied");
    assessment_count_rating(&c, "unsatisfied");
    assessment_count_rating(&c, "meh");
    expect_rate(ASSESSMENT_COMMUNITY, &c, "satisfaction_rate", 2.0 / 3);
    expect_rate(ASSESSMENT_DEPARTMENT, &c, "satisfaction_rate", 2.0 / 3);
}

// An empty month: every rate, the composite and cases per cell are null.
Test(assessment, a_month_without_facts_is_null_everywhere)
{
    struct assessment_counts c = {0};
    struct assessment_config config;
    assessment_config_default(&config);
    for (int g = 0; g < ASSESSMENT_GROUP_COUNT; g++) {
        struct assessment_rate rates[ASSESSMENT_RATES_MAX];
        int n = assessment_rates(g, &c, 0, rates);
        cr_expect_gt(n, 0);
        for (int i = 0; i < n; i++)
            cr_expect_not(rates[i].value.known, "%s %s", assessment_group_name(g), rates[i].name);
        cr_expect_not(assessment_composite(&config, g, rates, n).known);
    }
    cr_expect_not(assessment_cases_per_cell(&c).known);
}

Test(assessment, the_inspector_composite_uses_the_standard_weights)
{
    struct assessment_config config;
    assessment_config_default(&config);
    struct assessment_counts c = {.decided = 10, .filed = 8, .area_filed = 10,
                                  .area_filed_by_others = 5, .verify_due = 4,
                                  .verify_on_time = 4, .check_due = 2, .check_on_time = 1};
    struct assessment_rate rates[ASSESSMENT_RATES_MAX];
    int n = assessment_rates(ASSESSMENT_INSPECTOR, &c, 0, rates);
    struct assessment_value v = assessment_composite(&config, ASSESSMENT_INSPECTOR, rates, n);
    cr_assert(v.known);
    // 40 x 0.8 + 20 x (1 - 0.5) + 20 x 1 + 20 x 0.5 = 72
    cr_expect_float_eq(v.value, 72.0, 1e-9, "%f", v.value);
    cr_expect_eq(assessment_grade(&config, v.value), 'C');
}

// The department composite: closure 30, on time 25, (1 - rework) 25, volume 10,
// (1 - supervision) 10; a null rate drops out and the rest are weighed among
// themselves.
Test(assessment, the_department_composite_and_a_null_rate)
{
    struct assessment_config config;
    assessment_config_default(&config);
    struct assessment_counts c = {.received = 4, .rounds_closed = 4, .handle_due = 4,
                                  .handle_on_time = 3, .reworks = 1};
    struct assessment_rate rates[ASSESSMENT_RATES_MAX];
    int n = assessment_rates(ASSESSMENT_DEPARTMENT, &c, 8, rates);
    struct assessment_value v = assessment_composite(&config, ASSESSMENT_DEPARTMENT, rates, n);
    // 30 x 1 + 25 x 0.75 + 25 x 0.75 + 10 x 0.5 + 10 x (1 - 0) = 82.5
    cr_expect_float_eq(v.value, 82.5, 1e-9, "%f", v.value);
    cr_expect_eq(assessment_grade(&config, v.value), 'B');
    n = assessment_rates(ASSESSMENT_DEPARTMENT, &c, 0, rates); // volume unknown
    v = assessment_composite(&config, ASSESSMENT_DEPARTMENT, rates, n);
    // (30 + 18.75 + 18.75 + 10) / 90 = 86.11...
    cr_expect_float_eq(v.value, 86.1, 1e-9, "%f", v.value);
    c.supervised = 2; // half the dispatches supervised: 10 x 0.5 = 5 less
    n = assessment_rates(ASSESSMENT_DEPARTMENT, &c, 8, rates);
    v = assessment_composite(&config, ASSESSMENT_DEPARTMENT, rates, n);
    cr_expect_float_eq(v.value, 77.5, 1e-9, "%f", v.value);
    struct assessment_counts idle = {0};
    n = assessment_rates(ASSESSMENT_DEPARTMENT, &idle, 8, rates);
    cr_expect_not(assessment_composite(&config, ASSESSMENT_DEPARTMENT, rates, n).known,
                  "no work received: no volume of 0 to score alone");
}

Test(assessment, grades_at_their_floors)
{
    struct assessment_config config;
    assessment_config_default(&config);
    cr_expect_eq(assessment_grade(&config, 100), 'A');
    cr_expect_eq(assessment_grade(&config, 90), 'A');
    cr_expect_eq(assessment_grade(&config, 89.9), 'B');
    cr_expect_eq(assessment_grade(&config, 75), 'B');
    cr_expect_eq(assessment_grade(&config, 60), 'C');
    cr_expect_eq(assessment_grade(&config, 40), 'D');
    cr_expect_eq(assessment_grade(&config, 39.9), 'E');
    cr_expect_eq(assessment_grade(&config, 0), 'E');
    config.grade_floor[0] = 95;
    cr_expect_eq(assessment_grade(&config, 92), 'B', "thresholds are configurable");
}

Test(assessment, configurations_are_checked)
{
    struct assessment_config config;
    assessment_config_default(&config);
    cr_expect_null(assessment_config_check(&config), "the defaults are valid");
    config.weights[ASSESSMENT_STREET][0] += 1;
    cr_expect_not_null(assessment_config_check(&config), "a sum of 101");
    assessment_config_default(&config);
    config.weights[ASSESSMENT_OPERATOR][5] = 10; // the operator has 3 rates
    config.weights[ASSESSMENT_OPERATOR][0] -= 10;
    cr_expect_not_null(assessment_config_check(&config), "a weight on no rate");
    assessment_config_default(&config);
    config.grade_floor[2] = 80;
    cr_expect_not_null(assessment_config_check(&config), "not descending");
    assessment_config_default(&config);
    config.grade_floor[3] = 0;
    cr_expect_not_null(assessment_config_check(&config), "a zero floor");
}

// Points (积分): each item's count from the inspector's counts, times its
// points; undecided reports and pending records earn nothing yet.
Test(assessment, inspector_points_by_item_and_total)
{
    struct assessment_config config;
    assessment_config_default(&config);
    struct assessment_counts c = {.reported = 6, .decided = 5, .filed = 3, .verify_due = 4,
                                  .verify_on_time = 3, .check_due = 2, .check_on_time = 0};
    struct assessment_points p;
    assessment_points(&config, &c, &p);
    const int64_t counts[ASSESSMENT_POINT_ITEMS] = {3, 2, 3, 1, 0, 2};
    const int64_t points[ASSESSMENT_POINT_ITEMS] = {6, -2, 3, -1, 0, -2};
    for (int i = 0; i < ASSESSMENT_POINT_ITEMS; i++) {
        cr_expect_eq(p.count[i], counts[i], "%s count", assessment_point_item_name(i));
        cr_expect_eq(p.points[i], points[i], "%s points", assessment_point_item_name(i));
    }
    cr_expect_eq(p.total, 4);
    config.points[ASSESSMENT_POINTS_VALID_REPORT] = 5;
    config.points[ASSESSMENT_POINTS_CHECK_LATE] = -3;
    assessment_points(&config, &c, &p);
    cr_expect_eq(p.total, 15 - 2 + 3 - 1 - 6, "configured points are used");
    struct assessment_counts none = {0};
    assessment_points(&config, &none, &p);
    cr_expect_eq(p.total, 0, "an idle month is worth 0, never negative");
    cr_expect_str_eq(assessment_point_item_name(0), "valid_report");
    cr_expect_null(assessment_point_item_name(ASSESSMENT_POINT_ITEMS));
}

Test(assessment, points_are_checked_by_sign)
{
    struct assessment_config config;
    assessment_config_default(&config);
    config.points[ASSESSMENT_POINTS_VALID_REPORT] = -1;
    cr_expect_not_null(assessment_config_check(&config), "a reward below 0");
    assessment_config_default(&config);
    config.points[ASSESSMENT_POINTS_VERIFY_LATE] = 1;
    cr_expect_not_null(assessment_config_check(&config), "a penalty above 0");
    assessment_config_default(&config);
    config.points[ASSESSMENT_POINTS_CHECK_ON_TIME] = 101;
    cr_expect_not_null(assessment_config_check(&config), "above 100");
    config.points[ASSESSMENT_POINTS_CHECK_ON_TIME] = 0;
    config.points[ASSESSMENT_POINTS_INVALID_REPORT] = -100;
    cr_expect_null(assessment_config_check(&config), "0 and -100 are allowed");
}

Test(assessment, group_names_round_trip)
{
    for (int g = 0; g < ASSESSMENT_GROUP_COUNT; g++)
        cr_expect_eq(assessment_group_from_name(assessment_group_name(g)), g);
    cr_expect_eq(assessment_group_from_name("Street"), -1);
    cr_expect_eq(assessment_group_from_name(NULL), -1);
    cr_expect_null(assessment_group_name(ASSESSMENT_GROUP_COUNT));
}
