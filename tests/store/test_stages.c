// SPDX-License-Identifier: MIT
// Store conformance, the case's clock (store_case_transition, store_case_stages;
// the rules are casework.h's): one stage record per stage, opened and ended by
// the actions, with verdicts, the responsible unit, rework keeping the round's
// handling deadline, suspension pausing the clock, extensions moving it,
// returns and recalls voiding the department's stages, merges, verification,
// reopening, and the urgent and multi-phase stages.
#include "fixture.h"

#include <criterion/criterion.h>
#include <string.h>

TestSuite(stages, .init = conf_setup, .fini = conf_teardown);

#define STAGES_MAX 40

struct stage_list {
    struct store_case_stage s[STAGES_MAX];
    size_t n;
};

static struct stage_list stages_of(int64_t case_id)
{
    struct stage_list list;
    list.n = conf_stages(case_id, list.s, STAGES_MAX);
    cr_assert_leq(list.n, STAGES_MAX);
    return list;
}

// The latest record of a stage (a phase code for phases), or NULL.
static const struct casework_stage_record *latest(const struct stage_list *list,
                                                  enum casework_stage stage, const char *phase)
{
    for (size_t i = list->n; i-- > 0;)
        if (list->s[i].record.stage == stage &&
            (phase == NULL || strcmp(list->s[i].record.phase, phase) == 0))
            return &list->s[i].record;
    cr_assert_fail("no %s record", casework_stage_name(stage));
    return NULL;
}

static size_t running_count(const struct stage_list *list)
{
    size_t n = 0;
    for (size_t i = 0; i < list->n; i++)
        n += list->s[i].record.ended_at == 0;
    return n;
}

static void expect_ended(const struct casework_stage_record *r, const char *outcome,
                         enum casework_verdict verdict, int64_t by)
{
    cr_expect_gt(r->ended_at, 0, "%s ended", casework_stage_name(r->stage));
    cr_expect_geq(r->ended_at, r->started_at);
    cr_expect_str_eq(r->outcome, outcome, "%s outcome", casework_stage_name(r->stage));
    cr_expect_eq(r->verdict, verdict, "%s verdict %s", casework_stage_name(r->stage),
                 casework_verdict_name(r->verdict));
    cr_expect_eq(r->ended_by, by, "%s ended by", casework_stage_name(r->stage));
}

static void expect_running(const struct casework_stage_record *r)
{
    cr_expect_eq(r->ended_at, 0, "%s running", casework_stage_name(r->stage));
    cr_expect_eq(r->verdict, CASEWORK_RUNNING);
    cr_expect_gt(r->deadline, r->started_at, "%s has a deadline", casework_stage_name(r->stage));
    cr_expect_gt(r->limit_ms, 0);
}

Test(stages, a_full_lifecycle_records_every_stage)
{
    struct store_case c = conf_report("人行道暴露垃圾", city.grid_a1, "event", "0102");
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    struct stage_list l = stages_of(c.id);
    cr_assert_eq(l.n, 2);
    expect_ended(&l.s[0].record, "accept", CASEWORK_ON_TIME, city.supervisor);
    cr_expect_eq(l.s[1].record.stage, CASEWORK_STAGE_DISPATCH);
    expect_running(&l.s[1].record);
    cr_expect_eq(c.stage_deadline, l.s[1].record.deadline, "the case's clock is its stage's");

    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.municipal});
    cr_expect_eq(c.state, CASEFSM_STATE_DISPATCHED);
    cr_expect_eq(c.department_id, city.municipal);
    cr_expect_str_eq(c.department_name, "茂南区市政工程管理所");
    l = stages_of(c.id);
    cr_assert_eq(l.n, 4, "dispatch opens handle and sign (not urgent: no arrival)");
    expect_ended(&l.s[1].record, "dispatch", CASEWORK_ON_TIME, city.supervisor);
    const struct casework_stage_record *handle = latest(&l, CASEWORK_STAGE_HANDLE, NULL);
    const struct casework_stage_record *sign = latest(&l, CASEWORK_STAGE_SIGN, NULL);
    expect_running(handle);
    expect_running(sign);
    cr_expect_eq(handle->unit_id, city.municipal);
    cr_expect_eq(handle->round, 1);
    cr_expect_eq(handle->attempt, 1);
    cr_expect_eq(c.handling_deadline, handle->deadline);
    cr_expect_eq(c.stage_deadline, handle->deadline, "dispatched cases are timed by handling");
    cr_expect_str_eq(c.stage, "handle");
    for (size_t i = 0; i < l.n; i++)
        if (l.s[i].record.unit_id == city.municipal)
            cr_expect_str_eq(l.s[i].unit_name, "茂南区市政工程管理所");

    conf_must(&c, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_SIGN});
    cr_expect_eq(c.state, CASEFSM_STATE_PROCESSING);
    l = stages_of(c.id);
    expect_ended(latest(&l, CASEWORK_STAGE_SIGN, NULL), "sign", CASEWORK_ON_TIME,
                 city.municipal_user);
    expect_running(latest(&l, CASEWORK_STAGE_HANDLE, NULL));

    conf_photo(c.id, "after", city.municipal_user, NULL);
    conf_must(&c, city.municipal_user,
              (struct case_transition){.action = CASEFSM_ACTION_HANDLE, .note = "已清运"});
    cr_expect_eq(c.state, CASEFSM_STATE_HANDLED);
    cr_expect_gt(c.handled_at, 0);
    l = stages_of(c.id);
    expect_ended(latest(&l, CASEWORK_STAGE_HANDLE, NULL), "handle", CASEWORK_ON_TIME,
                 city.municipal_user);
    const struct casework_stage_record *check = latest(&l, CASEWORK_STAGE_CHECK, NULL);
    expect_running(check);
    cr_expect_eq(check->unit_id, city.community_a, "inspectors of the community check");

    conf_photo(c.id, "check", city.inspector, NULL);
    conf_must(&c, city.inspector, (struct case_transition){.action = CASEFSM_ACTION_CHECK_PASS});
    cr_expect_eq(c.state, CASEFSM_STATE_CHECKED);
    conf_must(&c, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_CLOSE});
    cr_expect_eq(c.state, CASEFSM_STATE_CLOSED);
    cr_expect_gt(c.closed_at, 0);
    cr_expect_eq(c.stage_deadline, 0, "a closed case has no clock running");
    cr_expect_str_eq(c.stage, "none");
    l = stages_of(c.id);
    cr_assert_eq(l.n, 6);
    cr_expect_eq(running_count(&l), 0, "every record ended");
    expect_ended(latest(&l, CASEWORK_STAGE_CHECK, NULL), "check-pass", CASEWORK_ON_TIME,
                 city.inspector);
    expect_ended(latest(&l, CASEWORK_STAGE_CLOSE, NULL), "close", CASEWORK_ON_TIME,
                 city.supervisor);
    const enum casework_stage order[] = {CASEWORK_STAGE_FILE,   CASEWORK_STAGE_DISPATCH,
                                         CASEWORK_STAGE_HANDLE, CASEWORK_STAGE_SIGN,
                                         CASEWORK_STAGE_CHECK,  CASEWORK_STAGE_CLOSE};
    for (size_t i = 0; i < l.n; i++) {
        cr_expect_eq(l.s[i].record.stage, order[i], "record %zu is %s", i,
                     casework_stage_name(l.s[i].record.stage));
        cr_expect_eq(l.s[i].record.round, 1);
        if (i > 0) {
            cr_expect_gt(l.s[i].record.id, l.s[i - 1].record.id, "oldest first");
            cr_expect_geq(l.s[i].record.started_at, l.s[i - 1].record.started_at);
        }
    }
    // The event of each transition carries the verdicts of the stages it ended.
    struct store_case_event events[16];
    size_t n = conf_events(c.id, events, COUNT_OF(events));
    cr_assert_leq(n, COUNT_OF(events));
    const char *actions[] = {"report", "accept", "dispatch",   "sign", "attach",
                             "handle", "attach", "check-pass", "close"};
    cr_assert_eq(n, COUNT_OF(actions));
    for (size_t i = 0; i < n; i++)
        cr_expect_str_eq(events[i].action, actions[i], "event %zu", i);
    cr_expect_not_null(strstr(events[5].data, "\"verdict\":\"on_time\""), "%s", events[5].data);
    cr_expect_eq(conf_audit_count(), (int64_t)n);
}

Test(stages, rework_keeps_the_rounds_handling_deadline)
{
    struct store_case c = conf_report("暴露垃圾", city.grid_a2, "event", "0102");
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.municipal});
    int64_t deadline = c.handling_deadline;
    cr_assert_gt(deadline, 0);
    conf_must(&c, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_SIGN});
    conf_photo(c.id, "after", city.municipal_user, NULL);
    conf_must(&c, city.municipal_user,
              (struct case_transition){.action = CASEFSM_ACTION_HANDLE, .note = "已清运"});
    conf_photo(c.id, "check", city.inspector, NULL);
    struct case_refusal refusal;
    cr_expect_eq(conf_act(&c, city.inspector,
                          (struct case_transition){.action = CASEFSM_ACTION_CHECK_FAIL}, &refusal),
                 STORE_INVALID, "a failed check needs its reason");
    conf_must(&c, city.inspector,
              (struct case_transition){.action = CASEFSM_ACTION_CHECK_FAIL, .note = "仍有垃圾"});
    cr_expect_eq(c.state, CASEFSM_STATE_DISPATCHED);
    cr_expect_eq(c.rework_count, 1);
    cr_expect_eq(c.department_id, city.municipal, "the same department redoes it");
    cr_expect_eq(c.handling_deadline, deadline, "no fresh time for a failed fix");
    struct stage_list l = stages_of(c.id);
    expect_ended(latest(&l, CASEWORK_STAGE_CHECK, NULL), "check-fail", CASEWORK_ON_TIME,
                 city.inspector);
    const struct casework_stage_record *handle = latest(&l, CASEWORK_STAGE_HANDLE, NULL);
    expect_running(handle);
    cr_expect_eq(handle->attempt, 2);
    cr_expect_eq(handle->deadline, deadline);
    const struct casework_stage_record *sign = latest(&l, CASEWORK_STAGE_SIGN, NULL);
    expect_running(sign);
    cr_expect_eq(sign->attempt, 2);
    cr_expect_eq(running_count(&l), 2);

    // The second round needs photos of its own.
    conf_must(&c, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_SIGN});
    cr_expect_eq(conf_act(&c, city.municipal_user,
                          (struct case_transition){.action = CASEFSM_ACTION_HANDLE, .note = "再清"},
                          &refusal),
                 STORE_INVALID);
    cr_expect_eq(refusal.error, CASEWORK_ERR_MISSING);
    conf_photo(c.id, "after", city.municipal_user, NULL);
    conf_must(&c, city.municipal_user,
              (struct case_transition){.action = CASEFSM_ACTION_HANDLE, .note = "再清"});
    l = stages_of(c.id);
    expect_ended(latest(&l, CASEWORK_STAGE_HANDLE, NULL), "handle", CASEWORK_ON_TIME,
                 city.municipal_user);
    cr_expect_eq(c.handling_deadline, deadline);
}

Test(stages, a_suspension_pauses_the_clock_and_resume_restarts_it)
{
    struct store_case c = conf_report("施工占道", city.grid_a1, "event", "0302");
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.municipal});
    conf_must(&c, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_SIGN});
    conf_must(
        &c, city.municipal_user,
        (struct case_transition){.action = CASEFSM_ACTION_REQUEST_SUSPENSION, .note = "等待审批"});
    cr_expect_eq(c.state, CASEFSM_STATE_PROCESSING);
    cr_expect_eq(c.pending, CASEFSM_PENDING_SUSPENSION);
    cr_expect_str_eq(c.pending_note, "等待审批");
    conf_must(&c, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_APPROVE});
    cr_expect_eq(c.state, CASEFSM_STATE_SUSPENDED);
    cr_expect_eq(c.pending, CASEFSM_PENDING_NONE);
    cr_expect_str_eq(c.pending_note, "");
    cr_expect_eq(c.stage_deadline, 0, "no deadline while suspended");
    cr_expect_gt(c.suspended_remaining_ms, 0);
    struct stage_list l = stages_of(c.id);
    const struct casework_stage_record *handle = latest(&l, CASEWORK_STAGE_HANDLE, NULL);
    cr_expect_eq(handle->ended_at, 0);
    cr_expect_gt(handle->paused_at, 0);
    cr_expect_eq(handle->deadline, 0);
    cr_expect_eq(handle->remaining_ms, c.suspended_remaining_ms);

    int64_t before = store_now_ms();
    conf_must(&c, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_RESUME});
    cr_expect_eq(c.state, CASEFSM_STATE_PROCESSING);
    cr_expect_gt(c.stage_deadline, before);
    cr_expect_eq(c.handling_deadline, c.stage_deadline);
    l = stages_of(c.id);
    handle = latest(&l, CASEWORK_STAGE_HANDLE, NULL);
    cr_expect_eq(handle->paused_at, 0);
    cr_expect_geq(handle->run_from, before);
    cr_expect_geq(handle->paused_ms, 0);
    cr_expect_eq(handle->deadline, c.stage_deadline);
}

Test(stages, an_extension_moves_the_handling_deadline)
{
    struct store_case c = conf_report("路灯不亮", city.grid_a1, "component", "0110");
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.municipal});
    struct stage_list l = stages_of(c.id);
    struct casework_stage_record handle = *latest(&l, CASEWORK_STAGE_HANDLE, NULL);
    cr_expect_eq(handle.unit, WORKTIME_WORK_DAYS, "street lights: 2 working days");
    struct case_refusal refusal;
    cr_expect_eq(conf_act(&c, city.municipal_user,
                          (struct case_transition){.action = CASEFSM_ACTION_REQUEST_EXTENSION,
                                                   .note = "等配件"},
                          &refusal),
                 STORE_INVALID, "an extension needs an amount");
    cr_expect_str_eq(refusal.field, "amount");
    conf_must(&c, city.municipal_user,
              (struct case_transition){
                  .action = CASEFSM_ACTION_REQUEST_EXTENSION, .note = "等配件", .amount = 2});
    cr_expect_eq(c.pending, CASEFSM_PENDING_EXTENSION);
    cr_expect_eq(c.pending_amount, 2);
    conf_must(&c, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_APPROVE});
    cr_expect_eq(c.pending, CASEFSM_PENDING_NONE);
    cr_expect_eq(c.pending_amount, 0);
    cr_expect_eq(c.extension_count, 1);
    l = stages_of(c.id);
    const struct casework_stage_record *moved = latest(&l, CASEWORK_STAGE_HANDLE, NULL);
    cr_expect_eq(moved->id, handle.id, "the same record, extended");
    cr_expect_eq(moved->limit_ms,
                 handle.limit_ms + 2 * worktime_limit_ms(&city.calendar, WORKTIME_WORK_DAYS, 1));
    cr_expect_eq(moved->deadline, worktime_add_days(&city.calendar, handle.deadline, 2),
                 "two working days later");
    cr_expect_eq(c.handling_deadline, moved->deadline);
    // A refused request leaves the deadline.
    conf_must(&c, city.municipal_user,
              (struct case_transition){
                  .action = CASEFSM_ACTION_REQUEST_EXTENSION, .note = "再延", .amount = 1});
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_REFUSE, .note = "不批"});
    cr_expect_eq(c.extension_count, 1);
    cr_expect_eq(c.handling_deadline, moved->deadline);
}

Test(stages, an_approved_return_voids_the_departments_stages)
{
    struct store_case c = conf_report("垃圾堆放", city.grid_a1, "event", "0102");
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.municipal});
    conf_must(
        &c, city.municipal_user,
        (struct case_transition){.action = CASEFSM_ACTION_REQUEST_RETURN, .note = "不属我所"});
    conf_must(&c, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_APPROVE});
    cr_expect_eq(c.state, CASEFSM_STATE_ACCEPTED);
    cr_expect_eq(c.department_id, 0);
    cr_expect_eq(c.handling_deadline, 0);
    cr_expect_eq(c.return_count, 1);
    cr_expect_str_eq(c.stage, "dispatch");
    struct stage_list l = stages_of(c.id);
    expect_ended(latest(&l, CASEWORK_STAGE_HANDLE, NULL), "return", CASEWORK_VOID, city.supervisor);
    expect_ended(latest(&l, CASEWORK_STAGE_SIGN, NULL), "return", CASEWORK_VOID, city.supervisor);
    expect_running(latest(&l, CASEWORK_STAGE_DISPATCH, NULL));
    cr_expect_eq(running_count(&l), 1);

    // A recall before signing does the same.
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.sanitation});
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_RECALL, .note = "派错了"});
    cr_expect_eq(c.state, CASEFSM_STATE_ACCEPTED);
    l = stages_of(c.id);
    expect_ended(latest(&l, CASEWORK_STAGE_HANDLE, NULL), "recall", CASEWORK_VOID, city.supervisor);
    cr_expect_eq(running_count(&l), 1);
}

Test(stages, a_merged_case_ends_its_stages_and_points_at_the_target)
{
    struct store_case target = conf_report("暴露垃圾", city.grid_a1, "event", "0102");
    struct store_case dup = conf_report("同一处垃圾", city.grid_a1, "event", "0102");
    conf_must(
        &dup, city.supervisor,
        (struct case_transition){.action = CASEFSM_ACTION_MERGE, .target_case_id = target.id});
    cr_expect_eq(dup.state, CASEFSM_STATE_MERGED);
    cr_expect_eq(dup.merged_into, target.id);
    struct stage_list l = stages_of(dup.id);
    const struct casework_stage_record *file = latest(&l, CASEWORK_STAGE_FILE, NULL);
    cr_expect_gt(file->ended_at, 0);
    cr_expect_str_eq(file->outcome, "merge");
    cr_expect_eq(file->ended_by, city.supervisor);
    cr_expect_neq(file->verdict, CASEWORK_RUNNING);
    cr_expect_eq(running_count(&l), 0);
    cr_expect_eq(conf_get(target.id).state, CASEFSM_STATE_REPORTED, "the target is untouched");
    // A merged case is final; nothing merges into it either.
    struct store_case other = conf_report("又一处", city.grid_a2, "event", "0102");
    struct case_refusal refusal;
    cr_expect_eq(
        conf_act(&other, city.supervisor,
                 (struct case_transition){.action = CASEFSM_ACTION_MERGE, .target_case_id = dup.id},
                 &refusal),
        STORE_INVALID);
    cr_expect_eq(refusal.error, CASEWORK_ERR_INVALID);
    cr_expect_eq(conf_act(&dup, city.supervisor,
                          (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1},
                          &refusal),
                 STORE_INVALID);
    cr_expect_eq(refusal.error, CASEWORK_ERR_STATE);
}

Test(stages, verification_runs_its_own_stage)
{
    struct store_case c = conf_report("市民反映噪音", city.grid_a1, "event", "0602");
    conf_must(&c, city.operator_user, (struct case_transition){.action = CASEFSM_ACTION_VERIFY});
    cr_expect_eq(c.state, CASEFSM_STATE_VERIFYING);
    cr_expect_str_eq(c.stage, "verify");
    struct stage_list l = stages_of(c.id);
    expect_ended(latest(&l, CASEWORK_STAGE_FILE, NULL), "verify", CASEWORK_ON_TIME,
                 city.operator_user);
    const struct casework_stage_record *verify = latest(&l, CASEWORK_STAGE_VERIFY, NULL);
    expect_running(verify);
    cr_expect_eq(verify->unit_id, city.community_a);
    struct case_refusal refusal;
    cr_expect_eq(conf_act(&c, city.inspector,
                          (struct case_transition){.action = CASEFSM_ACTION_CONFIRM}, &refusal),
                 STORE_INVALID, "confirming needs a photo taken on site");
    conf_photo(c.id, "verify", city.inspector, NULL);
    conf_must(&c, city.inspector, (struct case_transition){.action = CASEFSM_ACTION_CONFIRM});
    cr_expect_eq(c.state, CASEFSM_STATE_REPORTED);
    cr_expect(c.verified);
    l = stages_of(c.id);
    expect_ended(latest(&l, CASEWORK_STAGE_VERIFY, NULL), "confirm", CASEWORK_ON_TIME,
                 city.inspector);
    expect_running(latest(&l, CASEWORK_STAGE_FILE, NULL));
    cr_expect_eq(l.n, 3, "a second filing record");
}

// The filing time (立案) is kept on the case: set by accept, from the accepted
// filing record's end; a reopen is not a new filing; a fix on the spot is filed
// when it is reported.
Test(stages, the_filing_time_is_the_accepted_filing_records_end)
{
    struct store_case c = conf_report("暴露垃圾", city.grid_a1, "event", "0102");
    cr_expect_eq(c.filed_at, 0, "not filed yet");
    conf_close(&c);
    struct stage_list l = stages_of(c.id);
    const struct casework_stage_record *file = latest(&l, CASEWORK_STAGE_FILE, NULL);
    cr_assert_not_null(file);
    cr_expect_str_eq(file->outcome, "accept");
    cr_expect_eq(c.filed_at, file->ended_at);
    cr_expect_eq(conf_get(c.id).filed_at, file->ended_at, "stored with the case");
    int64_t filed_at = c.filed_at;
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_REOPEN,
                                       .note = "群众不满意",
                                       .reopen_window_ms = WORKTIME_DAY_MS});
    cr_expect_eq(conf_get(c.id).filed_at, filed_at, "a reopen keeps the first filing");
    struct case_intake intake;
    conf_intake(&intake, "井盖松动", city.grid_a1);
    conf_fix_on_the_spot(&intake);
    struct store_case fixed;
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &fixed), STORE_OK);
    cr_expect_gt(fixed.filed_at, 0);
    cr_expect_eq(conf_get(fixed.id).filed_at, fixed.created_at, "fixed on the spot: filed at once");
}

Test(stages, a_reopen_starts_a_new_round_with_fresh_handling)
{
    struct store_case c = conf_report("暴露垃圾", city.grid_a1, "event", "0102");
    conf_close(&c);
    int64_t first_deadline = c.handling_deadline;
    struct case_refusal refusal;
    cr_expect_eq(conf_act(&c, city.supervisor,
                          (struct case_transition){.action = CASEFSM_ACTION_REOPEN,
                                                   .note = "群众不满意",
                                                   .reopen_window_ms = -1},
                          &refusal),
                 STORE_INVALID, "outside the window");
    cr_expect_eq(refusal.error, CASEWORK_ERR_STATE);
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_REOPEN,
                                       .note = "群众不满意",
                                       .reopen_window_ms = WORKTIME_DAY_MS});
    cr_expect_eq(c.state, CASEFSM_STATE_DISPATCHED);
    cr_expect_eq(c.reopen_count, 1);
    cr_expect_eq(c.closed_at, 0);
    cr_expect_eq(c.department_id, city.municipal, "back to the same department");
    cr_expect_geq(c.handling_deadline, first_deadline);
    struct stage_list l = stages_of(c.id);
    const struct casework_stage_record *handle = latest(&l, CASEWORK_STAGE_HANDLE, NULL);
    expect_running(handle);
    cr_expect_eq(handle->round, 2);
    cr_expect_eq(handle->deadline, c.handling_deadline);
    expect_running(latest(&l, CASEWORK_STAGE_SIGN, NULL));
}

Test(stages, an_urgent_case_times_the_arrival_on_site)
{
    struct store_case c = conf_report("井盖缺失", city.grid_a1, "component", "0103");
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = 1});
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.municipal});
    struct stage_list l = stages_of(c.id);
    const struct casework_stage_record *arrive = latest(&l, CASEWORK_STAGE_ARRIVE, NULL);
    expect_running(arrive);
    cr_expect_eq(arrive->unit, WORKTIME_URGENT_HOURS);
    cr_expect_eq(arrive->deadline - arrive->started_at,
                 CASEWORK_ARRIVE_MINUTES * WORKTIME_MINUTE_MS, "half an hour, wall clock");
    cr_expect_eq(latest(&l, CASEWORK_STAGE_HANDLE, NULL)->unit, WORKTIME_URGENT_HOURS);
    // Arriving needs an "arrive" photo; the store must take one.
    conf_photo(c.id, "arrive", city.municipal_user, NULL);
    conf_must(&c, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_ARRIVE});
    cr_expect_eq(c.state, CASEFSM_STATE_DISPATCHED, "arriving changes no state");
    l = stages_of(c.id);
    expect_ended(latest(&l, CASEWORK_STAGE_ARRIVE, NULL), "arrive", CASEWORK_ON_TIME,
                 city.municipal_user);
    expect_running(latest(&l, CASEWORK_STAGE_SIGN, NULL));
}

Test(stages, a_multi_phase_limit_runs_one_record_per_phase)
{
    struct store_case c = conf_report("违章搭建铁皮房", city.grid_a1, "event", "0101");
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.municipal});
    struct stage_list l = stages_of(c.id);
    const struct casework_stage_record *stop = latest(&l, CASEWORK_STAGE_PHASE, "stop");
    const struct casework_stage_record *demolish = latest(&l, CASEWORK_STAGE_PHASE, "demolish");
    expect_running(stop);
    expect_running(demolish);
    cr_expect_eq(stop->unit, WORKTIME_WORK_HOURS);
    cr_expect_eq(demolish->unit, WORKTIME_WORK_DAYS);
    cr_expect_lt(stop->deadline, demolish->deadline);
    conf_must(&c, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_SIGN});
    conf_photo(c.id, "progress", city.municipal_user, NULL);
    conf_must(&c, city.municipal_user,
              (struct case_transition){.action = CASEFSM_ACTION_PHASE, .phase = "stop"});
    l = stages_of(c.id);
    expect_ended(latest(&l, CASEWORK_STAGE_PHASE, "stop"), "phase", CASEWORK_ON_TIME,
                 city.municipal_user);
    expect_running(latest(&l, CASEWORK_STAGE_PHASE, "demolish"));
    struct case_refusal refusal;
    cr_expect_eq(conf_act(&c, city.municipal_user,
                          (struct case_transition){.action = CASEFSM_ACTION_PHASE, .phase = "stop"},
                          &refusal),
                 STORE_INVALID, "a phase is reported once");
    cr_expect_str_eq(refusal.field, "phase");
}
