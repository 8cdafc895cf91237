// SPDX-License-Identifier: MIT
// The rules of a case: requirement checks first (nothing changes when one
// fails), then the new case and the stage records each action ends, pauses,
// extends and opens, then the clock the case shows. Pure: the store loads the
// case, its running stage records, its photos and its category's limits, and
// saves what comes back.
#include "casework.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const STAGE_NAMES[CASEWORK_STAGE_COUNT] = {
    [CASEWORK_STAGE_FILE] = "file",         [CASEWORK_STAGE_VERIFY] = "verify",
    [CASEWORK_STAGE_DISPATCH] = "dispatch", [CASEWORK_STAGE_SIGN] = "sign",
    [CASEWORK_STAGE_ARRIVE] = "arrive",     [CASEWORK_STAGE_HANDLE] = "handle",
    [CASEWORK_STAGE_PHASE] = "phase",       [CASEWORK_STAGE_CHECK] = "check",
    [CASEWORK_STAGE_CLOSE] = "close",
};

static const char *const VERDICT_NAMES[] = {"running", "on_time", "late", "void"};

// The stages a dispatch opens: they end together when the dispatch is undone.
#define HANDLING_FAMILY                                                                            \
    ((1u << CASEWORK_STAGE_SIGN) | (1u << CASEWORK_STAGE_ARRIVE) | (1u << CASEWORK_STAGE_HANDLE) | \
     (1u << CASEWORK_STAGE_PHASE))

const char *casework_stage_name(enum casework_stage stage)
{
    return (unsigned)stage < CASEWORK_STAGE_COUNT ? STAGE_NAMES[stage] : NULL;
}

const char *casework_verdict_name(enum casework_verdict verdict)
{
    return (unsigned)verdict < COUNT_OF(VERDICT_NAMES) ? VERDICT_NAMES[verdict] : NULL;
}

int casework_stage_from_name(const char *name)
{
    for (int i = 0; name != NULL && i < CASEWORK_STAGE_COUNT; i++)
        if (strcmp(STAGE_NAMES[i], name) == 0)
            return i;
    return -1;
}

struct casework_limit casework_default_limit(enum casework_stage stage)
{
    static const int64_t WORKING_MINUTES[CASEWORK_STAGE_COUNT] = {
        [CASEWORK_STAGE_FILE] = 60,   [CASEWORK_STAGE_VERIFY] = 120, [CASEWORK_STAGE_DISPATCH] = 60,
        [CASEWORK_STAGE_SIGN] = 60,   [CASEWORK_STAGE_HANDLE] = 480, [CASEWORK_STAGE_CHECK] = 240,
        [CASEWORK_STAGE_CLOSE] = 120,
    };
    if (stage == CASEWORK_STAGE_ARRIVE)
        return (struct casework_limit){WORKTIME_URGENT_HOURS, CASEWORK_ARRIVE_MINUTES};
    if ((unsigned)stage >= CASEWORK_STAGE_COUNT)
        return (struct casework_limit){WORKTIME_WORK_HOURS, 0};
    return (struct casework_limit){WORKTIME_WORK_HOURS, WORKING_MINUTES[stage]};
}

struct casework_limit casework_effective_limit(struct casework_limit limit, bool urgent)
{
    if (urgent && limit.unit == WORKTIME_WORK_HOURS)
        limit.unit = WORKTIME_URGENT_HOURS;
    return limit;
}

enum casework_stage casework_clock_stage(enum casefsm_state state)
{
    switch (state) {
    case CASEFSM_STATE_REPORTED:
        return CASEWORK_STAGE_FILE;
    case CASEFSM_STATE_VERIFYING:
        return CASEWORK_STAGE_VERIFY;
    case CASEFSM_STATE_ACCEPTED:
        return CASEWORK_STAGE_DISPATCH;
    case CASEFSM_STATE_DISPATCHED:
    case CASEFSM_STATE_PROCESSING:
    case CASEFSM_STATE_SUSPENDED:
        return CASEWORK_STAGE_HANDLE;
    case CASEFSM_STATE_HANDLED:
        return CASEWORK_STAGE_CHECK;
    case CASEFSM_STATE_CHECKED:
        return CASEWORK_STAGE_CLOSE;
    default:
        return CASEWORK_STAGE_COUNT;
    }
}

const char *casework_public_code(enum casefsm_action action, enum casefsm_pending approved)
{
    static const char *const CODES[CASEFSM_ACTION_COUNT] = {
        [CASEFSM_ACTION_VERIFY] = "verifying",
        [CASEFSM_ACTION_CONFIRM] = "verified",
        [CASEFSM_ACTION_DENY] = "not_verified",
        [CASEFSM_ACTION_ACCEPT] = "filed",
        [CASEFSM_ACTION_REJECT] = "not_filed",
        [CASEFSM_ACTION_MERGE] = "merged",
        [CASEFSM_ACTION_DISPATCH] = "dispatched",
        [CASEFSM_ACTION_SIGN] = "signed",
        [CASEFSM_ACTION_RESUME] = "resumed",
        [CASEFSM_ACTION_HANDLE] = "handled",
        [CASEFSM_ACTION_CHECK_PASS] = "check_passed",
        [CASEFSM_ACTION_CHECK_FAIL] = "rework",
        [CASEFSM_ACTION_CLOSE] = "closed",
        [CASEFSM_ACTION_REOPEN] = "reopened",
        [CASEFSM_ACTION_ARRIVE] = "arrived",
        [CASEFSM_ACTION_PHASE] = "phase_done",
    };
    if (action == CASEFSM_ACTION_APPROVE)
        return approved == CASEFSM_PENDING_RETURN       ? "redispatching"
               : approved == CASEFSM_PENDING_EXTENSION  ? "extended"
               : approved == CASEFSM_PENDING_SUSPENSION ? "suspended"
                                                        : NULL;
    return (unsigned)action < CASEFSM_ACTION_COUNT ? CODES[action] : NULL;
}

const char *casework_rating_code(const char *rating)
{
    if (rating == NULL)
        return NULL;
    if (strcmp(rating, "satisfied") == 0)
        return "rated_satisfied";
    if (strcmp(rating, "basically_satisfied") == 0)
        return "rated_basically_satisfied";
    if (strcmp(rating, "unsatisfied") == 0)
        return "rated_unsatisfied";
    return NULL;
}

bool casework_rating_reopens(const char *rating, enum casefsm_state state, int64_t closed_at,
                             int64_t now, int64_t window_ms)
{
    return rating != NULL && strcmp(rating, "unsatisfied") == 0 && state == CASEFSM_STATE_CLOSED &&
           now - closed_at <= window_ms;
}

// The photo stage an action's evidence comes from, and the stage record whose
// start the photo must follow.
static const char *photo_stage_of(enum casefsm_action action, enum casework_stage *record)
{
    static const struct {
        enum casefsm_action action;
        const char *photo;
        enum casework_stage record;
    } EVIDENCE[] = {
        {CASEFSM_ACTION_CONFIRM, "verify", CASEWORK_STAGE_VERIFY},
        {CASEFSM_ACTION_HANDLE, "after", CASEWORK_STAGE_HANDLE},
        {CASEFSM_ACTION_CHECK_PASS, "check", CASEWORK_STAGE_CHECK},
        {CASEFSM_ACTION_CHECK_FAIL, "check", CASEWORK_STAGE_CHECK},
        {CASEFSM_ACTION_ARRIVE, "arrive", CASEWORK_STAGE_ARRIVE},
        {CASEFSM_ACTION_PHASE, "progress", CASEWORK_STAGE_PHASE},
    };
    for (size_t i = 0; i < COUNT_OF(EVIDENCE); i++)
        if (EVIDENCE[i].action == action) {
            if (record != NULL)
                *record = EVIDENCE[i].record;
            return EVIDENCE[i].photo;
        }
    return NULL;
}

void casework_needs(const struct casework_case *c, enum casefsm_action action, unsigned *need,
                    const char **photo_stage)
{
    (void)c;
    *need = casefsm_requirements(action);
    *photo_stage = (*need & (CASEFSM_NEED_PHOTO | CASEFSM_NEED_AFTER_PHOTO))
                       ? photo_stage_of(action, NULL)
                       : NULL;
}

// ---- stage records ----

int64_t casework_stage_elapsed(const struct casework_stage_record *record,
                               const struct worktime_calendar *calendar, int64_t at)
{
    if (record->ended_at > 0 || record->paused_at > 0)
        return record->elapsed_ms;
    return record->elapsed_ms + worktime_elapsed_ms(calendar, record->run_from, at, record->unit);
}

int64_t casework_stage_warn_at(const struct casework_stage_record *record,
                               const struct worktime_calendar *calendar)
{
    if (record->ended_at > 0 || record->paused_at > 0 || record->deadline <= 0)
        return 0;
    // Yellow from 80% used: the light's own threshold (worktime_light_for).
    int64_t left = record->limit_ms - record->limit_ms / 5 - record->elapsed_ms;
    int64_t at = left <= 0
                     ? record->run_from
                     : worktime_add_minutes(calendar, record->run_from, record->unit,
                                            (left + WORKTIME_MINUTE_MS - 1) / WORKTIME_MINUTE_MS);
    // A rework keeps the round's deadline: such a record may be due before 80%.
    return at < record->deadline ? at : record->deadline;
}

void casework_stage_end(struct casework_stage_record *record,
                        const struct worktime_calendar *calendar, int64_t at, const char *outcome,
                        int64_t ended_by, bool void_verdict)
{
    if (record->paused_at > 0) {
        record->paused_ms += at > record->paused_at ? at - record->paused_at : 0;
        record->paused_at = 0;
    } else {
        record->elapsed_ms = casework_stage_elapsed(record, calendar, at);
    }
    record->ended_at = at;
    record->warn_at = 0;
    if (void_verdict)
        record->verdict = CASEWORK_VOID;
    else if (record->deadline > 0)
        record->verdict = at <= record->deadline ? CASEWORK_ON_TIME : CASEWORK_LATE;
    else
        record->verdict = record->elapsed_ms <= record->limit_ms ? CASEWORK_ON_TIME : CASEWORK_LATE;
    snprintf(record->outcome, sizeof record->outcome, "%s", outcome);
    record->ended_by = ended_by;
    record->changed = true;
}

static void stage_pause(struct casework_stage_record *record,
                        const struct worktime_calendar *calendar, int64_t at)
{
    if (record->paused_at > 0)
        return;
    record->elapsed_ms = casework_stage_elapsed(record, calendar, at);
    record->remaining_ms = record->deadline >= at
                               ? worktime_elapsed_ms(calendar, at, record->deadline, record->unit)
                               : -worktime_elapsed_ms(calendar, record->deadline, at, record->unit);
    record->paused_at = at;
    record->deadline = 0;
    record->warn_at = 0;
    record->changed = true;
}

static void stage_resume(struct casework_stage_record *record,
                         const struct worktime_calendar *calendar, int64_t at)
{
    if (record->paused_at == 0)
        return;
    record->paused_ms += at > record->paused_at ? at - record->paused_at : 0;
    record->paused_at = 0;
    record->run_from = at;
    // What was left runs again from now; an overdue stage stays overdue by as much
    // (counted back in wall time: the calendar only counts forward).
    record->deadline = record->remaining_ms >= 0
                           ? worktime_add_minutes(calendar, at, record->unit,
                                                  (record->remaining_ms + WORKTIME_MINUTE_MS - 1) /
                                                      WORKTIME_MINUTE_MS)
                           : at + record->remaining_ms;
    record->remaining_ms = 0;
    record->warn_at = casework_stage_warn_at(record, calendar);
    record->changed = true;
}

// The work of one action: the case being built, the records, the request.
struct work {
    const struct casework_request *r;
    struct casework_stage_record *open;
    int open_count;
    struct casework_result *out;
};

static struct casework_limit stage_limit(const struct work *w, enum casework_stage stage)
{
    const struct casework_limits *limits = w->r->limits;
    struct casework_limit limit = limits != NULL && limits->stage[stage].minutes > 0
                                      ? limits->stage[stage]
                                      : casework_default_limit(stage);
    return casework_effective_limit(limit, w->out->next.urgent);
}

// Who answers for a stage: the department once dispatched; inspectors' community
// for verify and check; the command centre of the place (street, else district)
// for filing, dispatch and closing.
static int64_t responsible_unit(const struct casework_case *c, enum casework_stage stage)
{
    switch (stage) {
    case CASEWORK_STAGE_SIGN:
    case CASEWORK_STAGE_ARRIVE:
    case CASEWORK_STAGE_HANDLE:
    case CASEWORK_STAGE_PHASE:
        return c->department_id;
    case CASEWORK_STAGE_VERIFY:
    case CASEWORK_STAGE_CHECK:
        return c->community_id ? c->community_id : c->street_id ? c->street_id : c->district_id;
    default:
        return c->street_id ? c->street_id : c->district_id;
    }
}

// Opens a record of `stage` at now counting against `limit`; deadline 0 means
// start + limit, else that deadline is kept (a rework keeps the round's).
static struct casework_stage_record *stage_open(struct work *w, enum casework_stage stage,
                                                const char *phase, struct casework_limit limit,
                                                int64_t deadline)
{
    struct casework_result *out = w->out;
    if (out->opened_count >= CASEWORK_NEW_MAX)
        return NULL;
    const struct casework_case *c = &out->next;
    int64_t now = w->r->now;
    struct casework_stage_record *rec = &out->opened[out->opened_count++];
    memset(rec, 0, sizeof *rec);
    rec->stage = stage;
    snprintf(rec->phase, sizeof rec->phase, "%s", phase ? phase : "");
    rec->round = c->reopen_count + 1;
    rec->attempt = c->rework_count + 1;
    rec->unit = limit.unit;
    rec->limit_ms = limit.minutes * WORKTIME_MINUTE_MS;
    rec->started_at = rec->run_from = now;
    rec->deadline = deadline > 0
                        ? deadline
                        : worktime_add_minutes(w->r->calendar, now, limit.unit, limit.minutes);
    rec->verdict = CASEWORK_RUNNING;
    rec->warn_at = casework_stage_warn_at(rec, w->r->calendar);
    rec->unit_id = responsible_unit(c, stage);
    rec->changed = true;
    return rec;
}

// Ends the running records whose stage is in `stages` (a bit mask).
static void stages_end(struct work *w, unsigned stages, const char *outcome, bool void_verdict)
{
    for (int i = 0; i < w->open_count; i++) {
        struct casework_stage_record *rec = &w->open[i];
        if (rec->ended_at == 0 && (stages & (1u << rec->stage)))
            casework_stage_end(rec, w->r->calendar, w->r->now, outcome, w->r->actor_user_id,
                               void_verdict);
    }
}

// The running record of a stage (for a phase, of that code), or NULL.
static struct casework_stage_record *stage_find(struct casework_stage_record *records, int count,
                                                enum casework_stage stage, const char *phase)
{
    for (int i = 0; i < count; i++)
        if (records[i].ended_at == 0 && records[i].stage == stage &&
            (phase == NULL || strcmp(records[i].phase, phase) == 0))
            return &records[i];
    return NULL;
}

// A dispatch (or a reopen to the same department): sign, handle with a fresh
// deadline, each phase from now, and for an urgent case the half-hour arrival.
static void handling_open(struct work *w)
{
    struct casework_case *c = &w->out->next;
    struct casework_stage_record *handle =
        stage_open(w, CASEWORK_STAGE_HANDLE, NULL, stage_limit(w, CASEWORK_STAGE_HANDLE), 0);
    c->handling_deadline = handle != NULL ? handle->deadline : 0;
    stage_open(w, CASEWORK_STAGE_SIGN, NULL, stage_limit(w, CASEWORK_STAGE_SIGN), 0);
    const struct casework_limits *limits = w->r->limits;
    for (int i = 0; limits != NULL && i < limits->phase_count && i < CASEWORK_PHASES_MAX; i++)
        stage_open(w, CASEWORK_STAGE_PHASE, limits->phases[i].code,
                   casework_effective_limit(limits->phases[i].limit, c->urgent), 0);
    if (c->urgent)
        stage_open(w, CASEWORK_STAGE_ARRIVE, NULL, casework_default_limit(CASEWORK_STAGE_ARRIVE),
                   0);
}

// ---- requirement checks ----

static enum casework_error fail(struct casework_result *out, enum casework_error error,
                                const char *field, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static enum casework_error fail(struct casework_result *out, enum casework_error error,
                                const char *field, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsnprintf(out->message, sizeof out->message, format, ap);
    va_end(ap);
    out->error = error;
    out->field = field;
    return error;
}

static bool blank(const char *text)
{
    return text == NULL || text[strspn(text, " \t\r\n")] == '\0';
}

static bool department_serves(const struct casework_department *d, const struct casework_case *c)
{
    switch (d->serves) {
    case CASEWORK_SERVES_STREET:
        return c->street_id != 0 && d->parent_id == c->street_id;
    case CASEWORK_SERVES_DISTRICT:
        return c->district_id == 0 || d->parent_id == c->district_id;
    case CASEWORK_SERVES_CITY:
        return true;
    }
    return false;
}

// The evidence rule: a photo of `photo` stage uploaded since `since`.
static bool has_photo_since(const struct casework_request *r, const char *photo, int64_t since)
{
    for (size_t i = 0; i < r->photo_count; i++)
        if (r->photos[i].stage != NULL && strcmp(r->photos[i].stage, photo) == 0 &&
            r->photos[i].created_at >= since)
            return true;
    return false;
}

static enum casework_error check_evidence(const struct casework_case *c,
                                          const struct casework_request *r,
                                          struct casework_stage_record *open, int open_count,
                                          struct casework_result *out)
{
    enum casework_stage stage;
    const char *photo = photo_stage_of(r->action, &stage);
    if (photo == NULL)
        return CASEWORK_OK;
    const char *phase = NULL;
    if (r->action == CASEFSM_ACTION_PHASE) {
        if (blank(r->phase))
            return fail(out, CASEWORK_ERR_MISSING, "phase",
                        "phase needs the code of the phase done");
        phase = r->phase;
    }
    const struct casework_stage_record *rec = stage_find(open, open_count, stage, phase);
    if (rec == NULL && r->action == CASEFSM_ACTION_ARRIVE)
        return fail(out, CASEWORK_ERR_STATE, NULL,
                    "no arrival is being timed for this case (only urgent cases, once per "
                    "dispatch)");
    if (rec == NULL && r->action == CASEFSM_ACTION_PHASE)
        return fail(out, CASEWORK_ERR_INVALID, "phase",
                    "'%.30s' is not a phase still open on this case", r->phase);
    // A case from before stage records were kept: its clock's start stands in.
    int64_t since = rec != NULL ? rec->started_at : c->clock_started_at;
    if (!has_photo_since(r, photo, since))
        return fail(out, CASEWORK_ERR_MISSING, "photo",
                    "%s needs a %s photo taken at this stage: upload one with stage=%s first",
                    casefsm_action_name(r->action), photo, photo);
    return CASEWORK_OK;
}

static enum casework_error check_fields(const struct casework_case *c,
                                        const struct casework_request *r, unsigned need,
                                        struct casework_result *out)
{
    if ((need & (CASEFSM_NEED_REASON | CASEFSM_NEED_NOTE)) && blank(r->note))
        return fail(out, CASEWORK_ERR_MISSING, "note", "%s needs a note (the reason or the result)",
                    casefsm_action_name(r->action));
    if (need & CASEFSM_NEED_CATEGORY) {
        if (r->category_id > 0 && !r->category_valid)
            return fail(out, CASEWORK_ERR_INVALID, "category_id", "no such category");
        if (r->category_id <= 0 && c->category_id <= 0)
            return fail(out, CASEWORK_ERR_MISSING, "category_id",
                        "accepting a case needs category_id");
    }
    if (need & CASEFSM_NEED_DEPARTMENT) {
        if (r->department_id <= 0)
            return fail(out, CASEWORK_ERR_MISSING, "department_id", "dispatch needs department_id");
        if (r->department == NULL || !r->department->is_department)
            return fail(out, CASEWORK_ERR_INVALID, "department_id", "no such department");
        if (!department_serves(r->department, c))
            return fail(out, CASEWORK_ERR_INVALID, "department_id",
                        "that department does not serve this case's street; choose one of the "
                        "street or of the whole district");
    }
    if (need & CASEFSM_NEED_TARGET) {
        if (r->target_case_id <= 0)
            return fail(out, CASEWORK_ERR_MISSING, "target_case_id", "merge needs target_case_id");
        if (r->target_case_id == c->id || !r->target_open)
            return fail(out, CASEWORK_ERR_INVALID, "target_case_id",
                        "the target must be another open case you can see");
    }
    if ((need & CASEFSM_NEED_AMOUNT) && (r->amount < 1 || r->amount > 240))
        return fail(out, r->amount == 0 ? CASEWORK_ERR_MISSING : CASEWORK_ERR_INVALID, "amount",
                    "amount (extra hours or days of the stage) must be 1..240");
    return CASEWORK_OK;
}

enum casework_error casework_check_allowed(const struct casework_case *c,
                                           const struct casework_request *r,
                                           struct casework_result *out)
{
    struct casefsm_outcome fsm;
    switch (casefsm_apply(c->state, c->pending, r->action, r->role, &fsm)) {
    case CASEFSM_OK:
        break;
    case CASEFSM_ERR_UNKNOWN_ACTION:
        return fail(out, CASEWORK_ERR_UNKNOWN_ACTION, NULL, "no such action");
    case CASEFSM_ERR_ROLE:
        return fail(out, CASEWORK_ERR_ROLE, NULL, "your role may not %s a case",
                    casefsm_action_name(r->action));
    default:
        return fail(out, CASEWORK_ERR_STATE, NULL, "cannot %s a case that is %s%s%s",
                    casefsm_action_name(r->action), casefsm_state_name(c->state),
                    c->pending != CASEFSM_PENDING_NONE ? " with a pending " : "",
                    c->pending != CASEFSM_PENDING_NONE ? casefsm_pending_name(c->pending) : "");
    }
    if (r->action == CASEFSM_ACTION_REOPEN && r->now - c->closed_at > r->reopen_window_ms)
        return fail(out, CASEWORK_ERR_STATE, NULL,
                    "the case was closed more than %lld days ago; file a new case",
                    (long long)(r->reopen_window_ms / WORKTIME_DAY_MS));
    return CASEWORK_OK;
}

static enum casework_error check_request(const struct casework_case *c,
                                         const struct casework_request *r,
                                         struct casework_stage_record *open, int open_count,
                                         struct casework_result *out)
{
    enum casework_error error = casework_check_allowed(c, r, out);
    if (error == CASEWORK_OK)
        error = check_fields(c, r, casefsm_requirements(r->action), out);
    return error != CASEWORK_OK ? error : check_evidence(c, r, open, open_count, out);
}

// ---- the actions ----

static void apply_accept(struct work *w)
{
    struct casework_case *c = &w->out->next;
    if (w->r->category_id > 0)
        c->category_id = w->r->category_id;
    if (w->r->urgent >= 0)
        c->urgent = w->r->urgent != 0;
    if (w->r->limits != NULL && w->r->limits->urgent)
        c->urgent = true; // an urgent subclass is never handled on office hours
    stages_end(w, 1u << CASEWORK_STAGE_FILE, "accept", false);
    if (c->filed_at == 0) // filed once: a reopen or a return is not a new filing
        c->filed_at = w->r->now;
    stage_open(w, CASEWORK_STAGE_DISPATCH, NULL, stage_limit(w, CASEWORK_STAGE_DISPATCH), 0);
}

// Takes a dispatch back (an approved return or a recall): the department's stages
// end without a verdict and the case waits for a new dispatch.
static void undo_dispatch(struct work *w, const char *outcome)
{
    struct casework_case *c = &w->out->next;
    stages_end(w, HANDLING_FAMILY, outcome, true);
    c->department_id = 0;
    c->handling_deadline = 0;
    stage_open(w, CASEWORK_STAGE_DISPATCH, NULL, stage_limit(w, CASEWORK_STAGE_DISPATCH), 0);
}

static void apply_approve(struct work *w, enum casefsm_pending approved)
{
    struct casework_case *c = &w->out->next;
    if (approved == CASEFSM_PENDING_RETURN) {
        c->return_count++;
        undo_dispatch(w, "return");
    } else if (approved == CASEFSM_PENDING_EXTENSION) {
        c->extension_count++;
        struct casework_stage_record *handle =
            stage_find(w->open, w->open_count, CASEWORK_STAGE_HANDLE, NULL);
        if (handle != NULL) {
            int64_t minutes =
                handle->unit == WORKTIME_WORK_DAYS
                    ? (int64_t)w->out->next.pending_amount * worktime_daily_minutes(w->r->calendar)
                    : (int64_t)w->out->next.pending_amount * 60;
            handle->limit_ms += minutes * WORKTIME_MINUTE_MS;
            if (handle->paused_at > 0)
                handle->remaining_ms += minutes * WORKTIME_MINUTE_MS;
            else
                handle->deadline =
                    worktime_add_minutes(w->r->calendar, handle->deadline, handle->unit, minutes);
            handle->warn_at = casework_stage_warn_at(handle, w->r->calendar);
            handle->changed = true;
            c->handling_deadline = handle->deadline;
        }
    } else if (approved == CASEFSM_PENDING_SUSPENSION) {
        for (int i = 0; i < w->open_count; i++)
            if (w->open[i].ended_at == 0 && (HANDLING_FAMILY & (1u << w->open[i].stage)))
                stage_pause(&w->open[i], w->r->calendar, w->r->now);
    }
}

static void apply_resume(struct work *w)
{
    for (int i = 0; i < w->open_count; i++)
        if (w->open[i].ended_at == 0)
            stage_resume(&w->open[i], w->r->calendar, w->r->now);
    struct casework_stage_record *handle =
        stage_find(w->open, w->open_count, CASEWORK_STAGE_HANDLE, NULL);
    if (handle != NULL)
        w->out->next.handling_deadline = handle->deadline;
}

static void apply_check_fail(struct work *w)
{
    struct casework_case *c = &w->out->next;
    stages_end(w, 1u << CASEWORK_STAGE_CHECK, "check-fail", false);
    c->rework_count++;
    // Rework (返工) keeps the round's handling deadline: the department does not
    // earn fresh time by handing in a fix that fails the check.
    stage_open(w, CASEWORK_STAGE_HANDLE, NULL, stage_limit(w, CASEWORK_STAGE_HANDLE),
               c->handling_deadline);
    stage_open(w, CASEWORK_STAGE_SIGN, NULL, stage_limit(w, CASEWORK_STAGE_SIGN), 0);
}

static void apply_reopen(struct work *w)
{
    struct casework_case *c = &w->out->next;
    c->reopen_count++;
    c->closed_at = 0;
    if (c->department_id > 0) {
        handling_open(w);
    } else {
        // A case fixed on the spot has no department: it waits for a dispatch.
        c->state = CASEFSM_STATE_ACCEPTED;
        stage_open(w, CASEWORK_STAGE_DISPATCH, NULL, stage_limit(w, CASEWORK_STAGE_DISPATCH), 0);
    }
}

static void apply_action(struct work *w, enum casefsm_pending pending_before)
{
    const struct casework_request *r = w->r;
    struct casework_case *c = &w->out->next;
    switch (r->action) {
    case CASEFSM_ACTION_VERIFY:
        stages_end(w, 1u << CASEWORK_STAGE_FILE, "verify", false);
        stage_open(w, CASEWORK_STAGE_VERIFY, NULL, stage_limit(w, CASEWORK_STAGE_VERIFY), 0);
        break;
    case CASEFSM_ACTION_CONFIRM:
        c->verified = true;
        stages_end(w, 1u << CASEWORK_STAGE_VERIFY, "confirm", false);
        stage_open(w, CASEWORK_STAGE_FILE, NULL, stage_limit(w, CASEWORK_STAGE_FILE), 0);
        break;
    case CASEFSM_ACTION_DENY:
        stages_end(w, 1u << CASEWORK_STAGE_VERIFY, "deny", false);
        break;
    case CASEFSM_ACTION_ACCEPT:
        apply_accept(w);
        break;
    case CASEFSM_ACTION_REJECT:
        stages_end(w, 1u << CASEWORK_STAGE_FILE, "reject", false);
        break;
    case CASEFSM_ACTION_MERGE:
        c->merged_into = r->target_case_id;
        stages_end(w, (1u << CASEWORK_STAGE_FILE) | (1u << CASEWORK_STAGE_DISPATCH), "merge",
                   false);
        break;
    case CASEFSM_ACTION_DISPATCH:
        c->department_id = r->department_id;
        stages_end(w, 1u << CASEWORK_STAGE_DISPATCH, "dispatch", false);
        handling_open(w);
        break;
    case CASEFSM_ACTION_SIGN:
        stages_end(w, 1u << CASEWORK_STAGE_SIGN, "sign", false);
        break;
    case CASEFSM_ACTION_APPROVE:
        apply_approve(w, pending_before);
        break;
    case CASEFSM_ACTION_RESUME:
        apply_resume(w);
        break;
    case CASEFSM_ACTION_HANDLE:
        c->handled_at = r->now;
        stages_end(w,
                   (1u << CASEWORK_STAGE_HANDLE) | (1u << CASEWORK_STAGE_PHASE) |
                       (1u << CASEWORK_STAGE_ARRIVE) | (1u << CASEWORK_STAGE_SIGN),
                   "handle", false);
        stage_open(w, CASEWORK_STAGE_CHECK, NULL, stage_limit(w, CASEWORK_STAGE_CHECK), 0);
        break;
    case CASEFSM_ACTION_CHECK_PASS:
        stages_end(w, 1u << CASEWORK_STAGE_CHECK, "check-pass", false);
        stage_open(w, CASEWORK_STAGE_CLOSE, NULL, stage_limit(w, CASEWORK_STAGE_CLOSE), 0);
        break;
    case CASEFSM_ACTION_CHECK_FAIL:
        apply_check_fail(w);
        break;
    case CASEFSM_ACTION_CLOSE:
        c->closed_at = r->now;
        stages_end(w, 1u << CASEWORK_STAGE_CLOSE, "close", false);
        break;
    case CASEFSM_ACTION_REOPEN:
        apply_reopen(w);
        break;
    case CASEFSM_ACTION_SUPERVISE:
        c->supervise_count++;
        break;
    case CASEFSM_ACTION_ARRIVE:
        stages_end(w, 1u << CASEWORK_STAGE_ARRIVE, "arrive", false);
        break;
    case CASEFSM_ACTION_PHASE: {
        struct casework_stage_record *phase =
            stage_find(w->open, w->open_count, CASEWORK_STAGE_PHASE, r->phase);
        if (phase != NULL)
            casework_stage_end(phase, r->calendar, r->now, "phase", r->actor_user_id, false);
        break;
    }
    case CASEFSM_ACTION_RECALL:
        undo_dispatch(w, "recall");
        break;
    default: // requests and refusals change only the pending request
        break;
    }
}

// Points the case's clock at the record of its state's main stage.
static void set_clock(struct work *w)
{
    struct casework_case *c = &w->out->next;
    enum casework_stage main = casework_clock_stage(c->state);
    const struct casework_stage_record *rec =
        stage_find(w->out->opened, w->out->opened_count, main, NULL);
    if (rec == NULL)
        rec = stage_find(w->open, w->open_count, main, NULL);
    if (main == CASEWORK_STAGE_COUNT || rec == NULL) {
        if (main != c->clock_stage || main == CASEWORK_STAGE_COUNT) {
            c->clock_stage = main;
            c->clock_started_at = w->r->now;
            c->clock_deadline = 0;
            c->clock_limit_ms = 0;
            c->clock_remaining_ms = 0;
        }
        return;
    }
    c->clock_stage = main;
    c->clock_started_at = rec->started_at;
    c->clock_unit = rec->unit;
    c->clock_limit_ms = rec->limit_ms;
    c->clock_deadline = rec->deadline;
    c->clock_remaining_ms = rec->paused_at > 0 ? rec->remaining_ms : 0;
}

enum casework_error casework_apply(const struct casework_case *c, const struct casework_request *r,
                                   struct casework_stage_record *open, int open_count,
                                   struct casework_result *out)
{
    memset(out, 0, sizeof *out);
    out->next = *c;
    out->from = c->state;
    if (open_count > CASEWORK_OPEN_MAX)
        open_count = CASEWORK_OPEN_MAX;
    enum casework_error error = check_request(c, r, open, open_count, out);
    if (error != CASEWORK_OK) {
        out->next = *c;
        return error;
    }
    struct casefsm_outcome fsm;
    casefsm_apply(c->state, c->pending, r->action, r->role, &fsm);
    struct work w = {r, open, open_count, out};
    out->next.state = fsm.next;
    out->next.pending = fsm.pending;
    if (fsm.effects & CASEFSM_EFFECT_SET_PENDING) {
        out->next.pending_amount = r->amount;
        out->pending_note = r->note != NULL ? r->note : "";
    }
    apply_action(&w, c->pending);
    if (fsm.effects & CASEFSM_EFFECT_CLEAR_PENDING) {
        out->next.pending_amount = 0;
        out->pending_note = "";
    }
    set_clock(&w);
    out->public_code = casework_public_code(r->action, c->pending);
    return CASEWORK_OK;
}

enum casework_error casework_intake_check(bool self_handled, const struct casework_photo *photos,
                                          size_t photo_count, struct casework_result *out)
{
    memset(out, 0, sizeof *out);
    if (!self_handled)
        return CASEWORK_OK;
    bool before = false, after = false;
    for (size_t i = 0; i < photo_count; i++) {
        before = before || (photos[i].stage && strcmp(photos[i].stage, "before") == 0);
        after = after || (photos[i].stage && strcmp(photos[i].stage, "after") == 0);
    }
    if (before && after)
        return CASEWORK_OK;
    return fail(out, CASEWORK_ERR_MISSING, "photos",
                "a problem fixed on the spot is filed with a before and an after photo "
                "(upload them first, then list them in photos)");
}

void casework_intake(const struct casework_case *c, const struct casework_limits *limits,
                     const struct worktime_calendar *calendar, int64_t now,
                     struct casework_result *out)
{
    memset(out, 0, sizeof *out);
    out->next = *c;
    out->from = c->state;
    struct casework_request r = {
        .action = CASEFSM_ACTION_COUNT, .now = now, .calendar = calendar, .limits = limits};
    struct work w = {&r, NULL, 0, out};
    if (limits != NULL && limits->urgent)
        out->next.urgent = true;
    if (c->state == CASEFSM_STATE_REPORTED)
        stage_open(&w, CASEWORK_STAGE_FILE, NULL, stage_limit(&w, CASEWORK_STAGE_FILE), 0);
    set_clock(&w);
    out->public_code = c->self_handled ? "fixed_on_spot" : "reported";
}
