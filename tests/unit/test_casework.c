// SPDX-License-Identifier: MIT
// Unit tests of the case rules: every action in every state and pending request
// against the state machine, the requirement and evidence checks, and the clock
// rules on a calendar fixture (China's 2026 National Day week): urgent cases on the
// wall clock, multi-phase limits, the half-hour arrival, rework keeping the
// round's deadline, reopen rounds, suspension's paused time, extensions, recalls
// and returns voiding the department's stages.
#include "casework.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define MIN         WORKTIME_MINUTE_MS
#define HOUR        WORKTIME_HOUR_MS

enum { STREET = 11, OTHER_STREET = 12, DISTRICT = 2, COMMUNITY = 21, DEPARTMENT = 90 };

static struct worktime_calendar calendar;

static void setup(void)
{
    worktime_calendar_init_default(&calendar);
    for (int day = 20261001; day <= 20261007; day++)
        cr_assert_eq(worktime_calendar_add_holiday(&calendar, day), 0);
    cr_assert_eq(worktime_calendar_add_workday(&calendar, 20260920), 0);
    cr_assert_eq(worktime_calendar_add_workday(&calendar, 20261010), 0);
}

TestSuite(casework, .init = setup);

static int64_t at(int date, int hour, int minute)
{
    int64_t ms = worktime_local_to_ms(&calendar, date, hour * 60 + minute);
    cr_assert_neq(ms, INT64_MIN);
    return ms;
}

// A placed, categorised case in `state`.
static struct casework_case a_case(enum casefsm_state state, bool urgent)
{
    return (struct casework_case){
        .id = 7,
        .state = state,
        .version = 3,
        .category_id = 5,
        .urgent = urgent,
        .community_id = COMMUNITY,
        .street_id = STREET,
        .district_id = DISTRICT,
        .clock_stage = casework_clock_stage(state),
        .created_at = at(20260928, 9, 0),
    };
}

static const struct casework_department DISTRICT_DEPARTMENT = {DEPARTMENT, true, DISTRICT,
                                                               CASEWORK_SERVES_DISTRICT};

// A request that supplies everything any action may need, at `now`.
static struct casework_request full_request(enum casefsm_action action, enum role role, int64_t now)
{
    static const struct casework_photo PHOTOS[] = {
        {"verify", 0}, {"after", 0}, {"check", 0}, {"arrive", 0}, {"progress", 0}, {"before", 0},
    };
    static struct casework_photo photos[COUNT_OF(PHOTOS)];
    for (size_t i = 0; i < COUNT_OF(PHOTOS); i++)
        photos[i] = (struct casework_photo){PHOTOS[i].stage, now};
    return (struct casework_request){
        .action = action,
        .role = role,
        .actor_user_id = 4,
        .now = now,
        .calendar = &calendar,
        .note = "理由",
        .department_id = DEPARTMENT,
        .department = &DISTRICT_DEPARTMENT,
        .category_id = 5,
        .category_valid = true,
        .urgent = -1,
        .target_case_id = 8,
        .target_open = true,
        .amount = 2,
        .phase = "cordon",
        .photos = photos,
        .photo_count = COUNT_OF(photos),
        .reopen_window_ms = 7 * WORKTIME_DAY_MS,
    };
}

// The records a case in `state` has running, started at `since`.
static int running_records(enum casefsm_state state, bool urgent, int64_t since,
                           struct casework_stage_record *out)
{
    enum casework_stage stages[6];
    int n = 0;
    switch (state) {
    case CASEFSM_STATE_DISPATCHED:
        stages[n++] = CASEWORK_STAGE_SIGN;
        // fall through
    case CASEFSM_STATE_PROCESSING:
    case CASEFSM_STATE_SUSPENDED:
        stages[n++] = CASEWORK_STAGE_HANDLE;
        stages[n++] = CASEWORK_STAGE_PHASE;
        if (urgent)
            stages[n++] = CASEWORK_STAGE_ARRIVE;
        break;
    default:
        if (casework_clock_stage(state) != CASEWORK_STAGE_COUNT)
            stages[n++] = casework_clock_stage(state);
    }
    for (int i = 0; i < n; i++) {
        out[i] = (struct casework_stage_record){
            .id = 100 + i,
            .stage = stages[i],
            .round = 1,
            .attempt = 1,
            .unit = WORKTIME_WORK_HOURS,
            .limit_ms = 8 * HOUR,
            .started_at = since,
            .run_from = since,
            .deadline = since + 8 * HOUR,
            .unit_id = DEPARTMENT,
        };
        if (stages[i] == CASEWORK_STAGE_PHASE)
            snprintf(out[i].phase, sizeof out[i].phase, "cordon");
        if (state == CASEFSM_STATE_SUSPENDED) {
            out[i].paused_at = since + HOUR;
            out[i].deadline = 0;
            out[i].remaining_ms = 7 * HOUR;
        }
    }
    return n;
}

static const enum role ROLES[] = {ROLE_INSPECTOR, ROLE_OPERATOR, ROLE_SUPERVISOR, ROLE_DEPARTMENT,
                                  ROLE_LEADER,    ROLE_ADMIN,    ROLE_SYSTEM};

Test(casework, every_action_in_every_state_follows_the_state_machine)
{
    int64_t since = at(20260928, 9, 0), now = at(20260928, 10, 0);
    int allowed = 0;
    for (int s = 0; s < CASEFSM_STATE_COUNT; s++)
        for (int p = 0; p < CASEFSM_PENDING_COUNT; p++)
            for (int a = 0; a < CASEFSM_ACTION_COUNT; a++)
                for (size_t r = 0; r < COUNT_OF(ROLES); r++) {
                    struct casework_case c = a_case((enum casefsm_state)s, true);
                    c.pending = (enum casefsm_pending)p;
                    c.pending_amount = p != CASEFSM_PENDING_NONE ? 2 : 0;
                    c.department_id = DEPARTMENT;
                    c.closed_at = s == CASEFSM_STATE_CLOSED ? since : 0;
                    struct casework_stage_record open[CASEWORK_OPEN_MAX];
                    int n = running_records(c.state, true, since, open);
                    struct casework_request req =
                        full_request((enum casefsm_action)a, ROLES[r], now);
                    struct casework_result out;
                    enum casework_error error = casework_apply(&c, &req, open, n, &out);
                    enum casefsm_verdict fsm =
                        casefsm_apply(c.state, c.pending, (enum casefsm_action)a, ROLES[r], NULL);
                    const char *what = casefsm_action_name((enum casefsm_action)a);
                    if (fsm == CASEFSM_OK) {
                        cr_assert_eq(error, CASEWORK_OK, "%s by %d from %s/%d: %s", what, ROLES[r],
                                     casefsm_state_name(c.state), p, out.message);
                        allowed++;
                    } else if (fsm == CASEFSM_ERR_ROLE) {
                        cr_assert_eq(error, CASEWORK_ERR_ROLE, "%s", what);
                    } else {
                        cr_assert_eq(error, CASEWORK_ERR_STATE, "%s", what);
                        cr_assert_eq(out.next.state, c.state, "a refusal changes nothing");
                    }
                    for (int i = 0; error != CASEWORK_OK && i < n; i++)
                        cr_assert(!open[i].changed, "a refusal leaves the records alone");
                }
    cr_assert_gt(allowed, 70, "the sweep reached the allowed moves (%d)", allowed);
}

// Applies an action and asserts it is allowed; returns the case after it. `open`
// and its count are updated: ended records leave, new ones join.
static struct casework_case step(struct casework_case c, struct casework_request req,
                                 struct casework_stage_record *open, int *count,
                                 struct casework_result *out)
{
    enum casework_error error = casework_apply(&c, &req, open, *count, out);
    cr_assert_eq(error, CASEWORK_OK, "%s: %s", casefsm_action_name(req.action), out->message);
    int kept = 0;
    for (int i = 0; i < *count; i++)
        if (open[i].ended_at == 0)
            open[kept++] = open[i];
    for (int i = 0; i < out->opened_count; i++) {
        open[kept] = out->opened[i];
        open[kept].id = 1000 + kept + i;
        open[kept].changed = false;
        kept++;
    }
    for (int i = 0; i < kept; i++)
        open[i].changed = false;
    *count = kept;
    return out->next;
}

static const struct casework_stage_record *find(const struct casework_result *out,
                                                enum casework_stage stage, const char *phase)
{
    for (int i = 0; i < out->opened_count; i++)
        if (out->opened[i].stage == stage &&
            (phase == NULL || strcmp(out->opened[i].phase, phase) == 0))
            return &out->opened[i];
    return NULL;
}

static struct casework_limits burst_main_limits(void)
{
    struct casework_limits limits = {0};
    limits.stage[CASEWORK_STAGE_HANDLE] = (struct casework_limit){WORKTIME_WORK_DAYS, 5 * 420};
    limits.phase_count = 3;
    limits.phases[0] = (struct casework_phase){"cordon", {WORKTIME_URGENT_HOURS, 3 * 60}};
    limits.phases[1] = (struct casework_phase){"repair", {WORKTIME_URGENT_HOURS, 8 * 60}};
    limits.phases[2] = (struct casework_phase){"restore", {WORKTIME_WORK_DAYS, 5 * 420}};
    return limits;
}

Test(casework, urgent_cases_count_hour_limits_on_the_wall_clock)
{
    // Dispatched on Wednesday 30 Sep at 17:00, the eve of the National Day week.
    int64_t t0 = at(20260930, 17, 0);
    struct casework_limits limits = {0};
    limits.stage[CASEWORK_STAGE_HANDLE] = (struct casework_limit){WORKTIME_WORK_HOURS, 4 * 60};
    struct casework_stage_record open[CASEWORK_OPEN_MAX];
    struct casework_result out;
    for (int urgent = 0; urgent <= 1; urgent++) {
        struct casework_case c = a_case(CASEFSM_STATE_ACCEPTED, urgent);
        int n = 0;
        struct casework_request req = full_request(CASEFSM_ACTION_DISPATCH, ROLE_SUPERVISOR, t0);
        req.limits = &limits;
        step(c, req, open, &n, &out);
        const struct casework_stage_record *handle = find(&out, CASEWORK_STAGE_HANDLE, NULL);
        cr_assert_not_null(handle);
        if (urgent) {
            // Road flooding: 4 hours round the clock, holiday or not.
            cr_assert_eq(handle->unit, WORKTIME_URGENT_HOURS);
            cr_assert_eq(handle->deadline, t0 + 4 * HOUR);
            cr_assert_not_null(find(&out, CASEWORK_STAGE_ARRIVE, NULL), "urgent: arrival timed");
        } else {
            // 30 minutes on Wednesday, the rest after the holiday week.
            cr_assert_eq(handle->unit, WORKTIME_WORK_HOURS);
            cr_assert_eq(handle->deadline, at(20261008, 12, 0));
            cr_assert_null(find(&out, CASEWORK_STAGE_ARRIVE, NULL), "no arrival for others");
        }
        cr_assert_eq(out.next.handling_deadline, handle->deadline);
        cr_assert_eq(out.next.clock_stage, CASEWORK_STAGE_HANDLE);
        cr_assert_eq(out.next.clock_deadline, handle->deadline);
    }
}

Test(casework, a_burst_main_runs_three_phases_each_with_its_own_deadline)
{
    int64_t t0 = at(20260930, 16, 0);
    struct casework_limits limits = burst_main_limits();
    struct casework_case c = a_case(CASEFSM_STATE_ACCEPTED, true);
    struct casework_stage_record open[CASEWORK_OPEN_MAX];
    int n = 0;
    struct casework_result out;
    struct casework_request req = full_request(CASEFSM_ACTION_DISPATCH, ROLE_SUPERVISOR, t0);
    req.limits = &limits;
    c = step(c, req, open, &n, &out);
    const struct casework_stage_record *cordon = find(&out, CASEWORK_STAGE_PHASE, "cordon");
    const struct casework_stage_record *repair = find(&out, CASEWORK_STAGE_PHASE, "repair");
    const struct casework_stage_record *restore = find(&out, CASEWORK_STAGE_PHASE, "restore");
    cr_assert(cordon && repair && restore);
    cr_assert_eq(cordon->deadline, t0 + 3 * HOUR);
    cr_assert_eq(repair->deadline, t0 + 8 * HOUR);
    // The road is restored within 5 working days: they stay working days even for
    // an urgent case (Wednesday 16:00 + 5 working days, the holiday week skipped).
    cr_assert_eq(restore->unit, WORKTIME_WORK_DAYS);
    cr_assert_eq(restore->deadline, at(20261013, 16, 0));
    // Cordoned in 2 hours (on time); repaired after 9 (late).
    c = step(c, full_request(CASEFSM_ACTION_SIGN, ROLE_DEPARTMENT, t0 + 10 * MIN), open, &n, &out);
    req = full_request(CASEFSM_ACTION_PHASE, ROLE_DEPARTMENT, t0 + 2 * HOUR);
    req.phase = "cordon";
    c = step(c, req, open, &n, &out);
    req = full_request(CASEFSM_ACTION_PHASE, ROLE_DEPARTMENT, t0 + 9 * HOUR);
    req.phase = "cordon";
    struct casework_result refused;
    cr_assert_eq(casework_apply(&c, &req, open, n, &refused), CASEWORK_ERR_INVALID,
                 "a phase is reported once");
    cr_assert_str_eq(refused.field, "phase");
    struct casework_stage_record before[CASEWORK_OPEN_MAX];
    memcpy(before, open, sizeof before);
    req.phase = "repair";
    int count = n;
    cr_assert_eq(casework_apply(&c, &req, open, count, &out), CASEWORK_OK);
    bool judged = false;
    for (int i = 0; i < count; i++)
        if (open[i].stage == CASEWORK_STAGE_PHASE && strcmp(open[i].phase, "repair") == 0) {
            cr_assert_eq(open[i].verdict, CASEWORK_LATE);
            cr_assert_eq(open[i].ended_at, t0 + 9 * HOUR);
            judged = true;
        }
    cr_assert(judged);
}

Test(casework, an_urgent_case_must_have_someone_on_site_within_half_an_hour)
{
    int64_t t0 = at(20261003, 2, 0); // a holiday night: urgent cases never wait
    for (int late = 0; late <= 1; late++) {
        struct casework_case c = a_case(CASEFSM_STATE_ACCEPTED, true);
        struct casework_stage_record open[CASEWORK_OPEN_MAX];
        int n = 0;
        struct casework_result out;
        c = step(c, full_request(CASEFSM_ACTION_DISPATCH, ROLE_SUPERVISOR, t0), open, &n, &out);
        const struct casework_stage_record *arrive = find(&out, CASEWORK_STAGE_ARRIVE, NULL);
        cr_assert_not_null(arrive);
        cr_assert_eq(arrive->deadline, t0 + 30 * MIN);
        int64_t when = t0 + (late ? 41 : 19) * MIN;
        struct casework_request req = full_request(CASEFSM_ACTION_ARRIVE, ROLE_DEPARTMENT, when);
        // The photo must be taken on site, after the dispatch.
        struct casework_photo old = {"arrive", t0 - MIN};
        req.photos = &old;
        req.photo_count = 1;
        struct casework_result refused;
        cr_assert_eq(casework_apply(&c, &req, open, n, &refused), CASEWORK_ERR_MISSING);
        cr_assert_str_eq(refused.field, "photo");
        req = full_request(CASEFSM_ACTION_ARRIVE, ROLE_DEPARTMENT, when);
        int count = n;
        cr_assert_eq(casework_apply(&c, &req, open, count, &out), CASEWORK_OK);
        for (int i = 0; i < count; i++)
            if (open[i].stage == CASEWORK_STAGE_ARRIVE) {
                cr_assert_eq(open[i].verdict, late ? CASEWORK_LATE : CASEWORK_ON_TIME);
                cr_assert_eq(open[i].elapsed_ms, (late ? 41 : 19) * MIN);
            }
        cr_assert_str_eq(out.public_code, "arrived");
        // Reported once: a second arrival is refused.
        c = out.next;
        for (int i = 0; i < count; i++)
            open[i].ended_at = open[i].stage == CASEWORK_STAGE_ARRIVE ? when : open[i].ended_at;
        cr_assert_eq(casework_apply(&c, &req, open, count, &refused), CASEWORK_ERR_STATE);
    }
    // A case that is not urgent has no arrival to report.
    struct casework_case c = a_case(CASEFSM_STATE_PROCESSING, false);
    struct casework_stage_record open[CASEWORK_OPEN_MAX];
    int n = running_records(c.state, false, t0, open);
    struct casework_result out;
    struct casework_request req = full_request(CASEFSM_ACTION_ARRIVE, ROLE_DEPARTMENT, t0);
    cr_assert_eq(casework_apply(&c, &req, open, n, &out), CASEWORK_ERR_STATE);
}

Test(casework, rework_keeps_the_rounds_handling_deadline_and_counts)
{
    int64_t t0 = at(20260928, 9, 0); // Monday
    struct casework_case c = a_case(CASEFSM_STATE_ACCEPTED, false);
    struct casework_stage_record open[CASEWORK_OPEN_MAX];
    int n = 0;
    struct casework_result out;
    c = step(c, full_request(CASEFSM_ACTION_DISPATCH, ROLE_SUPERVISOR, t0), open, &n, &out);
    int64_t deadline = c.handling_deadline;
    // Monday 9:00 + 8 working hours (3 + 3.5 on Monday, 1.5 on Tuesday).
    cr_assert_eq(deadline, at(20260929, 10, 0), "8 working hours");
    c = step(c, full_request(CASEFSM_ACTION_SIGN, ROLE_DEPARTMENT, t0 + HOUR), open, &n, &out);
    c = step(c, full_request(CASEFSM_ACTION_HANDLE, ROLE_DEPARTMENT, t0 + 2 * HOUR), open, &n,
             &out);
    cr_assert_eq(c.handled_at, t0 + 2 * HOUR);
    cr_assert_eq(c.state, CASEFSM_STATE_HANDLED);
    c = step(c, full_request(CASEFSM_ACTION_CHECK_FAIL, ROLE_INSPECTOR, at(20260929, 9, 0)), open,
             &n, &out);
    cr_assert_eq(c.state, CASEFSM_STATE_DISPATCHED);
    cr_assert_eq(c.rework_count, 1);
    const struct casework_stage_record *again = find(&out, CASEWORK_STAGE_HANDLE, NULL);
    cr_assert_not_null(again);
    cr_assert_eq(again->deadline, deadline, "the rework keeps the original deadline");
    cr_assert_eq(again->attempt, 2);
    cr_assert_eq(c.handling_deadline, deadline);
    cr_assert_eq(c.clock_deadline, deadline);
    cr_assert_not_null(find(&out, CASEWORK_STAGE_SIGN, NULL), "the department signs again");
    // Handled again the next day: late against the kept deadline.
    c = step(c, full_request(CASEFSM_ACTION_SIGN, ROLE_DEPARTMENT, at(20260929, 9, 10)), open, &n,
             &out);
    int count = n;
    cr_assert_eq(
        casework_apply(&c,
                       &(struct casework_request){
                           .action = CASEFSM_ACTION_HANDLE,
                           .role = ROLE_DEPARTMENT,
                           .now = at(20260929, 11, 0),
                           .calendar = &calendar,
                           .note = "再次处置",
                           .photos = (struct casework_photo[]){{"after", at(20260929, 9, 0)}},
                           .photo_count = 1},
                       open, count, &out),
        CASEWORK_OK);
    for (int i = 0; i < count; i++)
        if (open[i].stage == CASEWORK_STAGE_HANDLE)
            cr_assert_eq(open[i].verdict, CASEWORK_LATE);
}

Test(casework, evidence_belongs_to_the_round_it_proves)
{
    int64_t t0 = at(20260928, 9, 0);
    struct casework_case c = a_case(CASEFSM_STATE_HANDLED, false);
    struct casework_stage_record open[CASEWORK_OPEN_MAX];
    int n = running_records(c.state, false, t0, open);
    struct casework_result out;
    struct casework_photo earlier = {"check", t0 - MIN};
    struct casework_request req =
        full_request(CASEFSM_ACTION_CHECK_PASS, ROLE_INSPECTOR, t0 + HOUR);
    req.photos = &earlier;
    req.photo_count = 1;
    cr_assert_eq(casework_apply(&c, &req, open, n, &out), CASEWORK_ERR_MISSING,
                 "a check photo from before the check began proves nothing");
    cr_assert_str_eq(out.field, "photo");
    struct casework_photo after = {"after", t0 + MIN};
    req.photos = &after;
    cr_assert_eq(casework_apply(&c, &req, open, n, &out), CASEWORK_ERR_MISSING,
                 "another stage's photo does not count");
    struct casework_photo fresh = {"check", t0 + MIN};
    req.photos = &fresh;
    cr_assert_eq(casework_apply(&c, &req, open, n, &out), CASEWORK_OK);
    // check-fail needs a reason and a photo too.
    req = full_request(CASEFSM_ACTION_CHECK_FAIL, ROLE_INSPECTOR, t0 + HOUR);
    req.note = "  ";
    cr_assert_eq(casework_apply(&c, &req, open, n, &out), CASEWORK_ERR_MISSING);
    cr_assert_str_eq(out.field, "note");
    req.note = "仍有垃圾";
    req.photo_count = 0;
    cr_assert_eq(casework_apply(&c, &req, open, n, &out), CASEWORK_ERR_MISSING);
    cr_assert_str_eq(out.field, "photo");
}

Test(casework, dispatch_goes_only_to_a_department_serving_the_street)
{
    int64_t t0 = at(20260928, 9, 0);
    struct casework_case c = a_case(CASEFSM_STATE_ACCEPTED, false);
    struct casework_result out;
    const struct {
        struct casework_department department;
        enum casework_error expected;
    } CASES[] = {
        {{DEPARTMENT, true, STREET, CASEWORK_SERVES_STREET}, CASEWORK_OK},
        {{DEPARTMENT, true, OTHER_STREET, CASEWORK_SERVES_STREET}, CASEWORK_ERR_INVALID},
        {{DEPARTMENT, true, DISTRICT, CASEWORK_SERVES_DISTRICT}, CASEWORK_OK},
        {{DEPARTMENT, true, 3, CASEWORK_SERVES_DISTRICT}, CASEWORK_ERR_INVALID},
        {{DEPARTMENT, true, 1, CASEWORK_SERVES_CITY}, CASEWORK_OK},
        {{DEPARTMENT, false, DISTRICT, CASEWORK_SERVES_DISTRICT}, CASEWORK_ERR_INVALID},
    };
    for (size_t i = 0; i < COUNT_OF(CASES); i++) {
        struct casework_request req = full_request(CASEFSM_ACTION_DISPATCH, ROLE_SUPERVISOR, t0);
        req.department = &CASES[i].department;
        cr_assert_eq(casework_apply(&c, &req, NULL, 0, &out), CASES[i].expected, "case %zu", i);
        if (CASES[i].expected != CASEWORK_OK)
            cr_assert_str_eq(out.field, "department_id");
    }
    struct casework_request req = full_request(CASEFSM_ACTION_DISPATCH, ROLE_SUPERVISOR, t0);
    req.department_id = 0;
    cr_assert_eq(casework_apply(&c, &req, NULL, 0, &out), CASEWORK_ERR_MISSING);
}

Test(casework, suspension_stops_the_clock_and_the_stage_shows_the_paused_time)
{
    int64_t t0 = at(20260928, 9, 0); // Monday
    struct casework_case c = a_case(CASEFSM_STATE_ACCEPTED, false);
    struct casework_stage_record open[CASEWORK_OPEN_MAX];
    int n = 0;
    struct casework_result out;
    c = step(c, full_request(CASEFSM_ACTION_DISPATCH, ROLE_SUPERVISOR, t0), open, &n, &out);
    c = step(c, full_request(CASEFSM_ACTION_SIGN, ROLE_DEPARTMENT, t0 + HOUR), open, &n, &out);
    c.pending = CASEFSM_PENDING_SUSPENSION;
    // Due Tuesday 10:00; suspended on Monday at 10:00 with 7 working hours left,
    // resumed on Tuesday at 10:00.
    c = step(c, full_request(CASEFSM_ACTION_APPROVE, ROLE_SUPERVISOR, t0 + HOUR), open, &n, &out);
    cr_assert_eq(c.state, CASEFSM_STATE_SUSPENDED);
    cr_assert_eq(c.clock_deadline, 0);
    cr_assert_eq(c.clock_remaining_ms, 7 * HOUR);
    int64_t resume = at(20260929, 10, 0);
    c = step(c, full_request(CASEFSM_ACTION_RESUME, ROLE_DEPARTMENT, resume), open, &n, &out);
    cr_assert_eq(c.state, CASEFSM_STATE_PROCESSING);
    cr_assert_eq(c.clock_deadline, at(20260930, 10, 0), "the 7 hours run again from 10:00");
    cr_assert_eq(c.handling_deadline, c.clock_deadline);
    int count = n;
    struct casework_request handle =
        full_request(CASEFSM_ACTION_HANDLE, ROLE_DEPARTMENT, at(20260929, 11, 0));
    cr_assert_eq(casework_apply(&c, &handle, open, count, &out), CASEWORK_OK);
    for (int i = 0; i < count; i++)
        if (open[i].stage == CASEWORK_STAGE_HANDLE) {
            cr_assert_eq(open[i].paused_ms, resume - (t0 + HOUR), "24 hours paused");
            cr_assert_eq(open[i].elapsed_ms, 2 * HOUR, "1 hour before, 1 after the pause");
            cr_assert_eq(open[i].verdict, CASEWORK_ON_TIME);
        }
}

Test(casework, an_approved_extension_moves_the_deadline)
{
    int64_t t0 = at(20260928, 9, 0);
    struct casework_case c = a_case(CASEFSM_STATE_ACCEPTED, false);
    struct casework_stage_record open[CASEWORK_OPEN_MAX];
    int n = 0;
    struct casework_result out;
    c = step(c, full_request(CASEFSM_ACTION_DISPATCH, ROLE_SUPERVISOR, t0), open, &n, &out);
    struct casework_request req =
        full_request(CASEFSM_ACTION_REQUEST_EXTENSION, ROLE_DEPARTMENT, t0 + HOUR);
    req.amount = 4;
    c = step(c, req, open, &n, &out);
    cr_assert_eq(c.pending, CASEFSM_PENDING_EXTENSION);
    cr_assert_str_eq(out.pending_note, "理由");
    c = step(c, full_request(CASEFSM_ACTION_APPROVE, ROLE_SUPERVISOR, t0 + 2 * HOUR), open, &n,
             &out);
    cr_assert_eq(c.pending, CASEFSM_PENDING_NONE);
    cr_assert_eq(c.extension_count, 1);
    cr_assert_eq(c.handling_deadline, at(20260929, 16, 0), "Tuesday 10:00 + 4 working hours");
    cr_assert_eq(c.clock_deadline, c.handling_deadline);
    cr_assert_eq(c.clock_limit_ms, 12 * HOUR);
}

Test(casework, recall_and_return_void_the_departments_stages)
{
    int64_t t0 = at(20260928, 9, 0);
    for (int recall = 0; recall <= 1; recall++) {
        struct casework_case c = a_case(CASEFSM_STATE_ACCEPTED, true);
        struct casework_stage_record open[CASEWORK_OPEN_MAX];
        int n = 0;
        struct casework_result out;
        c = step(c, full_request(CASEFSM_ACTION_DISPATCH, ROLE_SUPERVISOR, t0), open, &n, &out);
        if (!recall)
            c.pending = CASEFSM_PENDING_RETURN;
        int count = n;
        struct casework_request req = full_request(
            recall ? CASEFSM_ACTION_RECALL : CASEFSM_ACTION_APPROVE, ROLE_SUPERVISOR, t0 + 5 * MIN);
        cr_assert_eq(casework_apply(&c, &req, open, count, &out), CASEWORK_OK);
        for (int i = 0; i < count; i++) {
            cr_assert_eq(open[i].verdict, CASEWORK_VOID, "%s", casework_stage_name(open[i].stage));
            cr_assert_str_eq(open[i].outcome, recall ? "recall" : "return");
        }
        cr_assert_eq(out.next.state, CASEFSM_STATE_ACCEPTED);
        cr_assert_eq(out.next.department_id, 0);
        cr_assert_eq(out.next.return_count, recall ? 0 : 1, "only a return counts as one");
        cr_assert_not_null(find(&out, CASEWORK_STAGE_DISPATCH, NULL));
        cr_assert_eq(out.next.clock_stage, CASEWORK_STAGE_DISPATCH);
    }
    // A signed case is not recalled.
    struct casework_case c = a_case(CASEFSM_STATE_PROCESSING, false);
    struct casework_result out;
    struct casework_request recall = full_request(CASEFSM_ACTION_RECALL, ROLE_SUPERVISOR, t0);
    cr_assert_eq(casework_apply(&c, &recall, NULL, 0, &out), CASEWORK_ERR_STATE);
}

Test(casework, reopen_starts_a_new_round_and_a_fix_on_the_spot_waits_for_dispatch)
{
    int64_t closed = at(20260928, 9, 0);
    struct casework_case c = a_case(CASEFSM_STATE_CLOSED, false);
    c.closed_at = closed;
    c.department_id = DEPARTMENT;
    struct casework_result out;
    struct casework_request req =
        full_request(CASEFSM_ACTION_REOPEN, ROLE_SUPERVISOR, closed + 2 * WORKTIME_DAY_MS);
    cr_assert_eq(casework_apply(&c, &req, NULL, 0, &out), CASEWORK_OK);
    cr_assert_eq(out.next.state, CASEFSM_STATE_DISPATCHED);
    cr_assert_eq(out.next.reopen_count, 1);
    cr_assert_eq(out.next.closed_at, 0);
    const struct casework_stage_record *handle = find(&out, CASEWORK_STAGE_HANDLE, NULL);
    cr_assert_not_null(handle);
    cr_assert_eq(handle->round, 2);
    cr_assert_gt(handle->deadline, req.now, "a fresh deadline for the new round");
    // Fixed on the spot: no department to send it back to.
    c.department_id = 0;
    c.self_handled = true;
    cr_assert_eq(casework_apply(&c, &req, NULL, 0, &out), CASEWORK_OK);
    cr_assert_eq(out.next.state, CASEFSM_STATE_ACCEPTED);
    cr_assert_not_null(find(&out, CASEWORK_STAGE_DISPATCH, NULL));
    // Outside the window: refused.
    req.now = closed + 8 * WORKTIME_DAY_MS;
    cr_assert_eq(casework_apply(&c, &req, NULL, 0, &out), CASEWORK_ERR_STATE);
}

Test(casework, the_rating_decides_the_reopen)
{
    int64_t closed = at(20260928, 9, 0), day = WORKTIME_DAY_MS;
    cr_assert(casework_rating_reopens("unsatisfied", CASEFSM_STATE_CLOSED, closed, closed + day,
                                      7 * day));
    cr_assert(!casework_rating_reopens("unsatisfied", CASEFSM_STATE_CLOSED, closed,
                                       closed + 8 * day, 7 * day));
    cr_assert(!casework_rating_reopens("basically_satisfied", CASEFSM_STATE_CLOSED, closed,
                                       closed + day, 7 * day));
    cr_assert(
        !casework_rating_reopens("unsatisfied", CASEFSM_STATE_HANDLED, closed, closed, 7 * day));
    cr_assert_str_eq(casework_rating_code("satisfied"), "rated_satisfied");
    cr_assert_null(casework_rating_code("great"));
}

Test(casework, every_stage_of_a_full_case_is_recorded_once)
{
    int64_t t = at(20260928, 9, 0);
    struct casework_case c = a_case(CASEFSM_STATE_REPORTED, false);
    struct casework_result out;
    casework_intake(&c, NULL, &calendar, t, &out);
    cr_assert_eq(out.opened_count, 1);
    cr_assert_eq(out.opened[0].stage, CASEWORK_STAGE_FILE);
    cr_assert_str_eq(out.public_code, "reported");
    struct casework_stage_record open[CASEWORK_OPEN_MAX];
    open[0] = out.opened[0];
    int n = 1;
    c = out.next;
    const enum casefsm_action FLOW[] = {CASEFSM_ACTION_VERIFY,     CASEFSM_ACTION_CONFIRM,
                                        CASEFSM_ACTION_ACCEPT,     CASEFSM_ACTION_DISPATCH,
                                        CASEFSM_ACTION_SIGN,       CASEFSM_ACTION_HANDLE,
                                        CASEFSM_ACTION_CHECK_PASS, CASEFSM_ACTION_CLOSE};
    const enum role BY[] = {ROLE_OPERATOR,   ROLE_INSPECTOR,  ROLE_SUPERVISOR, ROLE_SUPERVISOR,
                            ROLE_DEPARTMENT, ROLE_DEPARTMENT, ROLE_INSPECTOR,  ROLE_SUPERVISOR};
    int ended[CASEWORK_STAGE_COUNT] = {0};
    for (size_t i = 0; i < COUNT_OF(FLOW); i++) {
        t += 10 * MIN;
        int count = n;
        struct casework_request req = full_request(FLOW[i], BY[i], t);
        cr_assert_eq(casework_apply(&c, &req, open, count, &out), CASEWORK_OK, "%s: %s",
                     casefsm_action_name(FLOW[i]), out.message);
        for (int k = 0; k < count; k++)
            if (open[k].ended_at == t) {
                ended[open[k].stage]++;
                cr_assert_eq(open[k].verdict, CASEWORK_ON_TIME);
                cr_assert_eq(open[k].elapsed_ms, open[k].ended_at - open[k].started_at);
            }
        int kept = 0;
        for (int k = 0; k < count; k++)
            if (open[k].ended_at == 0)
                open[kept++] = open[k];
        for (int k = 0; k < out.opened_count; k++)
            open[kept++] = out.opened[k];
        n = kept;
        c = out.next;
    }
    cr_assert_eq(c.state, CASEFSM_STATE_CLOSED);
    cr_assert_eq(n, 0, "nothing runs on a closed case");
    cr_assert_eq(ended[CASEWORK_STAGE_FILE], 2, "filing before and after verification");
    const enum casework_stage ONCE[] = {CASEWORK_STAGE_VERIFY, CASEWORK_STAGE_DISPATCH,
                                        CASEWORK_STAGE_SIGN,   CASEWORK_STAGE_HANDLE,
                                        CASEWORK_STAGE_CHECK,  CASEWORK_STAGE_CLOSE};
    for (size_t i = 0; i < COUNT_OF(ONCE); i++)
        cr_assert_eq(ended[ONCE[i]], 1, "%s", casework_stage_name(ONCE[i]));
    cr_assert_eq(c.clock_stage, CASEWORK_STAGE_COUNT);
    cr_assert_eq(c.clock_deadline, 0);
    cr_assert_eq(c.closed_at, t);
}

Test(casework, names_round_trip)
{
    for (int s = 0; s < CASEWORK_STAGE_COUNT; s++)
        cr_assert_eq(casework_stage_from_name(casework_stage_name((enum casework_stage)s)), s);
    cr_assert_eq(casework_stage_from_name("accept"), -1);
    cr_assert_null(casework_stage_name(CASEWORK_STAGE_COUNT));
    cr_assert_str_eq(casework_verdict_name(CASEWORK_LATE), "late");
    cr_assert_str_eq(casework_public_code(CASEFSM_ACTION_APPROVE, CASEFSM_PENDING_SUSPENSION),
                     "suspended");
    cr_assert_null(casework_public_code(CASEFSM_ACTION_REQUEST_RETURN, CASEFSM_PENDING_NONE));
}

Test(casework, a_fix_on_the_spot_is_filed_with_before_and_after_photos)
{
    struct casework_result out;
    const struct casework_photo both[] = {{"before", 0}, {"after", 0}};
    const struct casework_photo after_only[] = {{"after", 0}, {"report", 0}};
    cr_assert_eq(casework_intake_check(true, both, 2, &out), CASEWORK_OK);
    cr_assert_eq(casework_intake_check(true, after_only, 2, &out), CASEWORK_ERR_MISSING);
    cr_assert_str_eq(out.field, "photos");
    cr_assert_eq(casework_intake_check(true, NULL, 0, &out), CASEWORK_ERR_MISSING);
    cr_assert_eq(casework_intake_check(false, NULL, 0, &out), CASEWORK_OK, "a report needs none");
}

Test(casework, an_urgent_subclass_makes_its_cases_urgent)
{
    int64_t t0 = at(20261003, 2, 0);
    struct casework_limits limits = {.urgent = true};
    struct casework_case c = a_case(CASEFSM_STATE_REPORTED, false);
    struct casework_result out;
    casework_intake(&c, &limits, &calendar, t0, &out);
    cr_assert(out.next.urgent, "filed under an urgent subclass");
    cr_assert_eq(out.opened[0].unit, WORKTIME_URGENT_HOURS);
    cr_assert_eq(out.opened[0].deadline, t0 + HOUR,
                 "filing within an hour, at night, on a holiday");
    struct casework_request req = full_request(CASEFSM_ACTION_ACCEPT, ROLE_SUPERVISOR, t0);
    req.limits = &limits;
    req.urgent = 0; // the supervisor cannot make an emergency wait for office hours
    cr_assert_eq(casework_apply(&c, &req, NULL, 0, &out), CASEWORK_OK);
    cr_assert(out.next.urgent);
}
