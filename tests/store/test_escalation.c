// SPDX-License-Identifier: MIT
// Store conformance, escalation on its own (store_escalation.h): a running
// stage is reminded (催办) once from 80% of its limit and supervised (督办) once
// past its deadline, whatever the number of scans, also two at once; a red
// record is not reminded afterwards; paused stages and closed cases are never
// due; the events are in the chain, the counts on the case, the messages in the
// inboxes of the responsible unit and of the district's leaders.
#include "fixture.h"

#include "store_escalation.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

TestSuite(escalation, .init = conf_setup, .fini = conf_teardown);

// The running record of a stage of a case (fails the test when none runs).
static struct casework_stage_record running(int64_t case_id, enum casework_stage stage)
{
    struct store_case_stage s[32];
    size_t n = conf_stages(case_id, s, 32);
    for (size_t i = n; i-- > 0;)
        if (s[i].record.stage == stage && s[i].record.ended_at == 0)
            return s[i].record;
    cr_assert_fail("no running %s record", casework_stage_name(stage));
    return s[0].record;
}

static struct store_escalation_counts scan(int64_t now)
{
    struct store_escalation_counts counts;
    cr_assert_eq(store_escalation_scan(store, now, &counts), STORE_OK);
    return counts;
}

// The actions of a case's events, in order, joined by spaces.
static void actions_of(int64_t case_id, char *out, size_t size)
{
    struct store_case_event events[16];
    size_t n = conf_events(case_id, events, 16);
    out[0] = '\0';
    for (size_t i = 0; i < n && i < 16; i++) {
        strncat(out, events[i].action, size - strlen(out) - 1);
        strncat(out, " ", size - strlen(out) - 1);
    }
}

struct inbox {
    int count;
    struct {
        int64_t id, case_id, read_at;
        char kind[12], audience[8], level[8], stage[12];
    } items[16];
};

static void add_message(const struct store_inbox_item *item, void *data)
{
    struct inbox *box = data;
    if (box->count >= 16)
        return;
    int i = box->count++;
    box->items[i].id = item->id;
    box->items[i].case_id = item->case_id;
    box->items[i].read_at = item->read_at;
    snprintf(box->items[i].kind, sizeof box->items[i].kind, "%s", item->kind);
    snprintf(box->items[i].audience, sizeof box->items[i].audience, "%s", item->audience);
    snprintf(box->items[i].level, sizeof box->items[i].level, "%s", item->level);
    snprintf(box->items[i].stage, sizeof box->items[i].stage, "%s", item->stage);
}

static struct inbox inbox_of(int64_t unit_id, bool leader, bool unread_only)
{
    struct inbox box = {0};
    struct store_inbox_owner owner = {unit_id, leader};
    bool more = true;
    cr_assert_eq(store_inbox_list(store, &owner, unread_only, 0, 16, add_message, &box, &more),
                 STORE_OK);
    cr_expect_not(more);
    return box;
}

// A case filed at grid A1, accepted (urgent 1, or -1 as the category says)
// and dispatched to the municipal department, signed for when sign is true.
static struct store_case dispatched(const char *description, int urgent, bool sign)
{
    struct store_case c = conf_report(description, city.grid_a1, "event", "0102");
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = urgent});
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.municipal});
    if (sign)
        conf_must(&c, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_SIGN});
    return c;
}

Test(escalation, a_stage_is_reminded_at_yellow_and_supervised_at_red_once_each)
{
    struct store_case c = conf_report("人行道暴露垃圾", city.grid_a1, "event", "0102");
    struct casework_stage_record file = running(c.id, CASEWORK_STAGE_FILE);
    cr_assert_gt(file.warn_at, file.started_at);
    cr_assert_lt(file.warn_at, file.deadline);
    cr_expect_eq(file.unit_id, city.street1, "filing answers to the street's centre");
    int64_t events_before = conf_audit_count();

    struct store_escalation_counts n = scan(file.warn_at - 1);
    cr_expect_eq(n.reminded + n.supervised, 0, "green: nothing is due");
    n = scan(file.warn_at);
    cr_expect_eq(n.reminded, 1);
    cr_expect_eq(n.supervised, 0);
    n = scan(file.warn_at + 60000);
    cr_expect_eq(n.reminded + n.supervised, 0, "a second scan at yellow sends nothing");
    cr_expect_eq(conf_get(c.id).remind_count, 1);

    n = scan(file.deadline + 1);
    cr_expect_eq(n.supervised, 1);
    cr_expect_eq(n.reminded, 0);
    n = scan(file.deadline + 3600000);
    cr_expect_eq(n.reminded + n.supervised, 0, "a second scan at red sends nothing");

    struct store_case after = conf_get(c.id);
    cr_expect_eq(after.remind_count, 1);
    cr_expect_eq(after.auto_supervise_count, 1);
    cr_expect_eq(after.supervise_count, 0, "a leader's own 督办 is counted apart");
    cr_expect_eq(after.version, c.version, "escalation does not change the case's version");
    char actions[256];
    actions_of(c.id, actions, sizeof actions);
    cr_expect_str_eq(actions, "report remind auto-supervise ");
    cr_expect_eq(conf_audit_count(), events_before + 2, "both events in a chain that verifies");

    struct inbox street = inbox_of(city.street1, false, false);
    cr_assert_eq(street.count, 2);
    cr_expect_str_eq(street.items[0].kind, "supervise", "newest first");
    cr_expect_str_eq(street.items[0].level, "red");
    cr_expect_str_eq(street.items[1].kind, "remind");
    cr_expect_str_eq(street.items[1].stage, "file");
    cr_expect_eq(street.items[1].case_id, c.id);
    struct inbox leaders = inbox_of(city.district, true, false);
    cr_assert_eq(leaders.count, 1, "the district's leaders get the 督办 only");
    cr_expect_str_eq(leaders.items[0].audience, "leaders");
    cr_expect_eq(inbox_of(city.district, false, false).count, 0,
                 "the district's other staff do not read its leaders' messages");
}

Test(escalation, a_stage_found_past_its_deadline_is_supervised_without_a_reminder)
{
    struct store_case c = conf_report("井盖缺失", city.grid_b1, "event", "0102");
    struct casework_stage_record file = running(c.id, CASEWORK_STAGE_FILE);
    struct store_escalation_counts n = scan(file.deadline + 1);
    cr_expect_eq(n.supervised, 1);
    cr_expect_eq(n.reminded, 0);
    n = scan(file.deadline + 2);
    cr_expect_eq(n.reminded + n.supervised, 0);
    struct store_case after = conf_get(c.id);
    cr_expect_eq(after.remind_count, 0);
    cr_expect_eq(after.auto_supervise_count, 1);
}

Test(escalation, the_department_is_told_of_its_own_stages)
{
    struct store_case c = dispatched("道路破损", -1, true);
    struct casework_stage_record handle = running(c.id, CASEWORK_STAGE_HANDLE);
    cr_expect_eq(handle.unit_id, city.municipal);
    struct store_escalation_counts n = scan(handle.warn_at);
    cr_expect_eq(n.reminded, 1, "only the handling stage runs once signed");
    struct inbox box = inbox_of(city.municipal, false, false);
    cr_assert_eq(box.count, 1);
    cr_expect_str_eq(box.items[0].stage, "handle");
    cr_expect_eq(box.items[0].read_at, 0);

    struct store_inbox_owner other = {city.sanitation, false};
    cr_expect_eq(store_inbox_mark_read(store, &other, box.items[0].id, city.admin, handle.warn_at),
                 STORE_NOT_FOUND, "another unit cannot touch it");
    struct store_inbox_owner mine = {city.municipal, false};
    cr_expect_eq(store_inbox_mark_read(store, &mine, box.items[0].id, city.municipal_user,
                                       handle.warn_at + 5),
                 STORE_OK);
    cr_expect_eq(inbox_of(city.municipal, false, true).count, 0, "no unread message left");
    cr_expect_eq(inbox_of(city.municipal, false, false).items[0].read_at, handle.warn_at + 5);
}

Test(escalation, paused_stages_and_closed_cases_are_never_due)
{
    struct store_case paused = dispatched("施工占道", -1, true);
    conf_must(
        &paused, city.municipal_user,
        (struct case_transition){.action = CASEFSM_ACTION_REQUEST_SUSPENSION, .note = "等待审批"});
    conf_must(&paused, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_APPROVE});
    cr_assert_eq(paused.state, CASEFSM_STATE_SUSPENDED);
    cr_expect_eq(running(paused.id, CASEWORK_STAGE_HANDLE).warn_at, 0, "no yellow while paused");
    struct store_case closed = conf_report("暴露垃圾", city.grid_a2, "event", "0102");
    conf_close(&closed);

    int64_t year_later = store_now_ms() + 365LL * WORKTIME_DAY_MS;
    struct store_escalation_counts n = scan(year_later);
    cr_expect_eq(n.reminded + n.supervised, 0);
    cr_expect_eq(inbox_of(city.municipal, false, false).count, 0);

    // Resumed, the handling stage counts again with a yellow point of its own.
    conf_must(&paused, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_RESUME});
    struct casework_stage_record handle = running(paused.id, CASEWORK_STAGE_HANDLE);
    cr_expect_gt(handle.warn_at, 0);
    cr_expect_leq(handle.warn_at, handle.deadline);
}

Test(escalation, an_urgent_arrival_turns_yellow_at_24_of_its_30_minutes)
{
    struct store_case c = dispatched("路面塌陷", 1, false);
    struct casework_stage_record arrive = running(c.id, CASEWORK_STAGE_ARRIVE);
    cr_expect_eq(arrive.warn_at, arrive.started_at + 24 * WORKTIME_MINUTE_MS);
}

struct racer {
    int64_t now;
    struct store_escalation_counts counts;
    int rc;
};

static void *race(void *data)
{
    struct racer *r = data;
    r->rc = store_escalation_scan(store, r->now, &r->counts);
    return NULL;
}

Test(escalation, two_scans_at_once_record_each_escalation_once)
{
    int64_t latest = 0;
    int64_t ids[3];
    for (int i = 0; i < 3; i++) {
        struct store_case c = conf_report("乱堆物料", city.grid_a1, "event", "0102");
        struct casework_stage_record file = running(c.id, CASEWORK_STAGE_FILE);
        latest = file.deadline > latest ? file.deadline : latest;
        ids[i] = c.id;
    }
    struct racer a = {latest + 1, {0, 0}, -9}, b = {latest + 1, {0, 0}, -9};
    pthread_t ta, tb;
    cr_assert_eq(pthread_create(&ta, NULL, race, &a), 0);
    cr_assert_eq(pthread_create(&tb, NULL, race, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    cr_expect_eq(a.rc, STORE_OK);
    cr_expect_eq(b.rc, STORE_OK);
    cr_expect_eq(a.counts.supervised + b.counts.supervised, 3);
    cr_expect_eq(a.counts.reminded + b.counts.reminded, 0);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(conf_get(ids[i]).auto_supervise_count, 1);
    cr_expect_eq(inbox_of(city.street1, false, false).count, 3);
}
