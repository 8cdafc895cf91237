// SPDX-License-Identifier: MIT
// Store conformance, the assessment's reads (store_assessment_facts,
// store_assessment_groups): stage records made through real transitions at
// set times (on time, a rework late against the round's deadline, a return, a
// merged duplicate, a suspension) come back in the month they fell due, with
// the keys they are grouped by, and nothing from another month or from outside
// the caller's jurisdiction; a leader's and the escalator's supervision (督办)
// come back on the department's handling records.
#include "fixture.h"

#include "assessment.h"
#include "store_assessment.h"
#include "store_escalation.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

TestSuite(assessment, .init = conf_setup, .fini = conf_teardown);

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

static int64_t month_start(int yyyymm)
{
    return worktime_local_to_ms(&city.calendar, yyyymm * 100 + 1, 0);
}

struct tally {
    int64_t department;           // the department counted
    struct assessment_counts dept; // its facts
    struct assessment_counts all;  // every fact
    int64_t street1_reports;
    int facts;
};

static void tally_fact(const struct store_assessment_fact *f, void *data)
{
    struct tally *t = data;
    t->facts++;
    struct assessment_counts *both[2] = {&t->all, f->unit_id == t->department ? &t->dept : NULL};
    for (int i = 0; i < 2; i++) {
        if (both[i] == NULL)
            continue;
        if (f->kind == STORE_FACT_STAGE)
            assessment_count_stage(both[i], &f->stage, march(31, 23, 0));
        else if (f->kind == STORE_FACT_REPORT && i == 0)
            assessment_count_report(both[i], &f->report);
        else if (f->kind == STORE_FACT_RATING)
            assessment_count_rating(both[i], f->rating);
    }
    if (f->kind == STORE_FACT_REPORT && f->street_id == city.street1)
        t->street1_reports++;
}

static struct tally facts(int64_t user, int64_t from, int64_t to)
{
    struct tally t = {.department = city.municipal};
    struct jurisdiction j = conf_jurisdiction(user);
    cr_assert_eq(store_assessment_facts(store, &j, from, to, tally_fact, &t), STORE_OK);
    return t;
}

static void dispatched(struct store_case *c)
{
    conf_must(c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    conf_must(c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.municipal});
}

static void handled(struct store_case *c)
{
    conf_photo(c->id, "after", city.municipal_user, NULL);
    conf_must(c, city.municipal_user,
              (struct case_transition){.action = CASEFSM_ACTION_HANDLE, .note = "已清理"});
}

// Exposed garbage (4 working hours to handle) on Monday 2024-03-04: one case
// handled on time and closed, one reworked and late the second time, one
// returned, one merged into the first.
Test(assessment, a_months_stage_records_come_back_with_their_verdicts)
{
    store_set_clock(test_now, NULL);
    clock_ms = march(4, 9, 0);
    struct store_case a = conf_report("暴露垃圾 A", city.grid_a1, "event", "0102");
    struct store_case b = conf_report("暴露垃圾 B", city.grid_a1, "event", "0102");
    struct store_case r = conf_report("暴露垃圾 R", city.grid_a2, "event", "0102");
    struct store_case d = conf_report("暴露垃圾 D", city.grid_a1, "event", "0102");
    conf_must(&d, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_MERGE, .target_case_id = a.id});
    dispatched(&a);
    dispatched(&b);
    dispatched(&r);
    clock_ms = march(4, 10, 0);
    conf_must(&a, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_SIGN});
    handled(&a);
    conf_must(&b, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_SIGN});
    handled(&b);
    conf_must(&r, city.municipal_user,
              (struct case_transition){.action = CASEFSM_ACTION_REQUEST_RETURN, .note = "不属我所"});
    conf_must(&r, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_APPROVE});
    clock_ms = march(4, 10, 30);
    conf_photo(a.id, "check", city.inspector, NULL);
    conf_must(&a, city.inspector, (struct case_transition){.action = CASEFSM_ACTION_CHECK_PASS});
    conf_must(&a, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_CLOSE});
    conf_photo(b.id, "check", city.inspector, NULL);
    conf_must(&b, city.inspector,
              (struct case_transition){.action = CASEFSM_ACTION_CHECK_FAIL, .note = "仍有垃圾"});
    clock_ms = march(5, 9, 0); // the round's deadline was Monday 15:00
    conf_must(&b, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_SIGN});
    handled(&b);
    store_set_clock(NULL, NULL);

    struct tally t = facts(city.supervisor, month_start(202403), month_start(202404));
    cr_expect_eq(t.dept.received, 3, "three dispatches, the returned one included");
    cr_expect_eq(t.dept.returns, 1);
    cr_expect_eq(t.dept.reworks, 1);
    cr_expect_eq(t.dept.handle_due, 3, "a, b and b's rework; the return is not judged");
    cr_expect_eq(t.dept.handle_on_time, 2);
    cr_expect_eq(t.dept.overdue, 1, "the rework came after the round's deadline");
    cr_expect_eq(t.dept.handled, 3);
    cr_expect_eq(t.dept.rounds_closed, 1);
    cr_expect_eq(t.all.reported, 3, "the merged duplicate counts once, in a");
    cr_expect_eq(t.all.filed, 3);
    cr_expect_eq(t.all.closed, 1);
    cr_expect_eq(t.all.check_due, 3, "a's and b's checks, and b's second one overdue by the 31st");
    cr_expect_eq(t.all.check_on_time, 2);
    cr_expect_eq(t.all.dispatched, 3);
    cr_expect_eq(t.street1_reports, 4, "every case is a fact with its places; counting drops d");

    struct tally feb = facts(city.supervisor, month_start(202402), month_start(202403));
    cr_expect_eq(feb.facts, 0, "nothing of March falls in February");
    struct tally apr = facts(city.supervisor, month_start(202404), month_start(202405));
    cr_expect_eq(apr.facts, 0);
    struct tally street1 = facts(city.street1_supervisor, month_start(202403), month_start(202404));
    cr_expect_eq(street1.dept.received, 3, "street 1 holds these cases");
}

// A suspended handling has no deadline: it falls due in the month it resumes
// into, with the paused time left out of its clock.
Test(assessment, a_suspended_handling_falls_due_after_it_resumes)
{
    store_set_clock(test_now, NULL);
    clock_ms = march(29, 9, 0); // Friday
    struct store_case c = conf_report("暴露垃圾 S", city.grid_a1, "event", "0102");
    dispatched(&c);
    conf_must(&c, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_SIGN});
    conf_must(&c, city.municipal_user,
              (struct case_transition){.action = CASEFSM_ACTION_REQUEST_SUSPENSION,
                                       .note = "等待管线单位"});
    conf_must(&c, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_APPROVE});
    struct tally paused = facts(city.supervisor, month_start(202403), month_start(202404));
    cr_expect_eq(paused.dept.received, 0, "no deadline while paused: due in no month yet");
    clock_ms = worktime_local_to_ms(&city.calendar, 20240408, 9 * 60);
    conf_must(&c, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_RESUME});
    clock_ms = worktime_local_to_ms(&city.calendar, 20240408, 10 * 60);
    handled(&c);
    store_set_clock(NULL, NULL);
    struct tally apr = facts(city.supervisor, month_start(202404), month_start(202405));
    cr_expect_eq(apr.dept.received, 1);
    cr_expect_eq(apr.dept.handle_on_time, 1, "ten days suspended do not make it late");
    struct tally mar = facts(city.supervisor, month_start(202403), month_start(202404));
    cr_expect_eq(mar.dept.received, 0);
}

// One case a leader supervises, one the escalator supervises when its handling
// goes red, one neither: the department's counts tell them apart.
Test(assessment, supervision_by_a_leader_and_by_the_escalator_is_the_departments)
{
    store_set_clock(test_now, NULL);
    clock_ms = march(4, 9, 0);
    struct store_case led = conf_report("暴露垃圾 L", city.grid_a1, "event", "0102");
    struct store_case red = conf_report("暴露垃圾 E", city.grid_a1, "event", "0102");
    struct store_case calm = conf_report("暴露垃圾 C", city.grid_a1, "event", "0102");
    dispatched(&led);
    dispatched(&red);
    dispatched(&calm);
    conf_must(&led, city.leader,
              (struct case_transition){.action = CASEFSM_ACTION_SUPERVISE, .note = "尽快处置"});
    clock_ms = march(4, 10, 0);
    struct store_case *done[2] = {&led, &calm};
    for (int i = 0; i < 2; i++) {
        conf_must(done[i], city.municipal_user,
                  (struct case_transition){.action = CASEFSM_ACTION_SIGN});
        handled(done[i]);
    }
    struct store_escalation_counts sent = {0};
    cr_assert_eq(store_escalation_scan(store, march(5, 9, 0), &sent), STORE_OK);
    cr_expect_geq(sent.supervised, 1,
                  "the unhandled case went red (its sign and the others' checks may too: no "
                  "handling of theirs)");
    store_set_clock(NULL, NULL);

    struct tally t = facts(city.supervisor, month_start(202403), month_start(202404));
    cr_expect_eq(t.dept.received, 3);
    cr_expect_eq(t.dept.leader_supervised, 1);
    cr_expect_eq(t.dept.auto_supervised, 1);
    cr_expect_eq(t.dept.supervised, 2);
    struct assessment_rate rates[ASSESSMENT_RATES_MAX];
    int n = assessment_rates(ASSESSMENT_DEPARTMENT, &t.dept, 3, rates);
    cr_expect_str_eq(rates[n - 1].name, "supervision_rate");
    cr_expect_float_eq(rates[n - 1].value.value, 2.0 / 3, 1e-9);
}

struct names {
    char codes[64][32];
    int64_t cells[64];
    int n;
};

static void add_name(const struct store_assessment_group *g, void *data)
{
    struct names *names = data;
    if (names->n < 64) {
        snprintf(names->codes[names->n], sizeof names->codes[0], "%s", g->code);
        names->cells[names->n++] = g->cells;
    }
}

static struct names groups(int64_t user, enum assessment_group group)
{
    struct names names = {.n = 0};
    struct jurisdiction j = conf_jurisdiction(user);
    cr_assert_eq(store_assessment_groups(store, &j, group, add_name, &names), STORE_OK);
    return names;
}

Test(assessment, groups_are_those_of_the_jurisdiction)
{
    struct names streets = groups(city.supervisor, ASSESSMENT_STREET);
    cr_expect_eq(streets.n, 2);
    cr_expect_eq(streets.cells[0] + streets.cells[1], 3, "cells counted per street");
    struct names mine = groups(city.street1_supervisor, ASSESSMENT_STREET);
    cr_expect_eq(mine.n, 1, "a street's supervisor ranks their own street");
    cr_expect_eq(mine.cells[0], 2);
    cr_expect_eq(groups(city.street1_supervisor, ASSESSMENT_GRID).n, 2);
    cr_expect_eq(groups(city.supervisor, ASSESSMENT_GRID).n, 3);
    cr_expect_eq(groups(city.supervisor, ASSESSMENT_INSPECTOR).n, 1);
    cr_expect_geq(groups(city.supervisor, ASSESSMENT_OPERATOR).n, 2, "operators and supervisors");
    cr_expect_geq(groups(city.supervisor, ASSESSMENT_DEPARTMENT).n, 3);
}
