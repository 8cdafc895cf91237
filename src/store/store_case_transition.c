// SPDX-License-Identifier: MIT
// A transition in the SQLite engine: begin, load the case, its running stage
// records, its photos, its category's limits and the department named, hand them
// to casework_apply, then save the case and the stage records and append the
// event, all in one write job. Also the category limits in casework's terms and
// the list of a case's stage records.
#include "store_cases.h"

#include "audit.h"
#include "casework.h"
#include "engine.h"
#include "log.h"
#include "store_task_route.h"
#include "worktime.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---- limits ----

// A stored (unit, amount) as casework's minutes: hours, or working days of the
// calendar's length.
static struct casework_limit limit_from(const struct worktime_calendar *cal, const char *unit_name,
                                        int amount)
{
    int unit = worktime_unit_from_name(unit_name);
    struct casework_limit limit = {WORKTIME_WORK_HOURS, 0};
    if (unit < 0 || amount <= 0)
        return limit;
    limit.unit = (enum worktime_unit)unit;
    limit.minutes = limit.unit == WORKTIME_WORK_DAYS ? (int64_t)amount * worktime_daily_minutes(cal)
                                                     : (int64_t)amount * 60;
    return limit;
}

int store_category_limits_tx(struct store_tx *tx, const struct worktime_calendar *cal,
                             int64_t category_id, struct casework_limits *out)
{
    static const char SQL_LIMITS[] =
        "SELECT stage, unit, amount FROM category_limit WHERE category_id = :id";
    static const char SQL_PHASES[] = "SELECT code, unit, amount FROM category_phase "
                                     "WHERE category_id = :id ORDER BY seq";
    static const char SQL_URGENT[] = "SELECT urgent FROM category WHERE id = :id";
    memset(out, 0, sizeof *out);
    if (category_id <= 0)
        return STORE_OK;
    struct store_stmt *limits = store_tx_stmt(tx, SQL_LIMITS);
    struct store_stmt *phases = store_tx_stmt(tx, SQL_PHASES);
    if (limits == NULL || phases == NULL)
        return STORE_ERROR;
    store_bind_int(limits, ":id", category_id);
    int rc;
    while ((rc = store_step(limits)) == STORE_ROW) {
        int stage = casework_stage_from_name(store_col_text(limits, 0));
        if (stage >= 0)
            out->stage[stage] =
                limit_from(cal, store_col_text(limits, 1), store_col_int(limits, 2));
    }
    store_stmt_done(limits);
    if (rc != STORE_DONE)
        return STORE_ERROR;
    store_bind_int(phases, ":id", category_id);
    while ((rc = store_step(phases)) == STORE_ROW && out->phase_count < CASEWORK_PHASES_MAX) {
        struct casework_phase *phase = &out->phases[out->phase_count++];
        store_column_copy(phase->code, sizeof phase->code, phases, 0);
        phase->limit = limit_from(cal, store_col_text(phases, 1), store_col_int(phases, 2));
    }
    store_stmt_done(phases);
    if (rc != STORE_DONE && rc != STORE_ROW)
        return STORE_ERROR;
    struct store_stmt *urgent = store_tx_stmt(tx, SQL_URGENT);
    if (urgent == NULL)
        return STORE_ERROR;
    store_bind_int(urgent, ":id", category_id);
    if ((rc = store_step_row(urgent)) == STORE_OK)
        out->urgent = store_col_int(urgent, 0) != 0;
    store_stmt_done(urgent);
    return rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

// ---- stage records ----

#define STAGE_COLUMNS                                                                              \
    "s.id, s.stage, s.phase, s.round, s.attempt, s.unit, s.limit_ms, s.started_at, "               \
    "COALESCE(s.deadline, 0), s.run_from, s.elapsed_ms, s.paused_ms, COALESCE(s.paused_at, 0), "   \
    "s.remaining_ms, COALESCE(s.ended_at, 0), s.verdict, s.outcome, COALESCE(s.unit_id, 0), "      \
    "COALESCE(s.ended_by, 0), COALESCE(s.warn_at, 0) "
// The number of columns of STAGE_COLUMNS.
#define STAGE_COLUMN_COUNT 20

static void read_stage(struct store_stmt *s, struct casework_stage_record *r)
{
    memset(r, 0, sizeof *r);
    int i = 0;
    r->id = store_col_int64(s, i++);
    int stage = casework_stage_from_name(store_col_text(s, i++));
    r->stage = stage < 0 ? CASEWORK_STAGE_HANDLE : (enum casework_stage)stage;
    store_column_copy(r->phase, sizeof r->phase, s, i++);
    r->round = store_col_int(s, i++);
    r->attempt = store_col_int(s, i++);
    int unit = worktime_unit_from_name(store_col_text(s, i++));
    r->unit = unit < 0 ? WORKTIME_WORK_HOURS : (enum worktime_unit)unit;
    r->limit_ms = store_col_int64(s, i++);
    r->started_at = store_col_int64(s, i++);
    r->deadline = store_col_int64(s, i++);
    r->run_from = store_col_int64(s, i++);
    r->elapsed_ms = store_col_int64(s, i++);
    r->paused_ms = store_col_int64(s, i++);
    r->paused_at = store_col_int64(s, i++);
    r->remaining_ms = store_col_int64(s, i++);
    r->ended_at = store_col_int64(s, i++);
    const char *verdict = store_col_text(s, i++);
    r->verdict = CASEWORK_RUNNING;
    for (int v = CASEWORK_RUNNING; v <= CASEWORK_VOID; v++)
        if (verdict != NULL &&
            strcmp(verdict, casework_verdict_name((enum casework_verdict)v)) == 0)
            r->verdict = (enum casework_verdict)v;
    store_column_copy(r->outcome, sizeof r->outcome, s, i++);
    r->unit_id = store_col_int64(s, i++);
    r->ended_by = store_col_int64(s, i++);
    r->warn_at = store_col_int64(s, i++);
}

// Loads the running stage records of a case (at most max). Returns STORE_OK or
// STORE_ERROR.
static int stages_running(struct store_tx *tx, int64_t case_id, struct casework_stage_record *out,
                          int max, int *count)
{
    static const char SQL[] = "SELECT " STAGE_COLUMNS "FROM case_stage s "
                              "WHERE s.case_id = :case AND s.ended_at IS NULL ORDER BY s.id";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case", case_id);
    *count = 0;
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW && *count < max)
        read_stage(stmt, &out[(*count)++]);
    store_stmt_done(stmt);
    return rc == STORE_DONE || rc == STORE_ROW ? STORE_OK : STORE_ERROR;
}

// Binds what may change in a record once it is open (its clock, end and verdict).
static void bind_stage_clock(struct store_stmt *s, int64_t case_id,
                             const struct casework_stage_record *r)
{
    store_bind_int(s, ":case", case_id);
    store_bind_int(s, ":limit", r->limit_ms);
    store_bind_id(s, ":deadline", r->deadline);
    store_bind_id(s, ":warn_at", r->warn_at);
    store_bind_int(s, ":run_from", r->run_from);
    store_bind_int(s, ":elapsed", r->elapsed_ms);
    store_bind_int(s, ":paused", r->paused_ms);
    store_bind_id(s, ":paused_at", r->paused_at);
    store_bind_int(s, ":remaining", r->remaining_ms);
    store_bind_id(s, ":ended", r->ended_at);
    store_bind_text(s, ":verdict", casework_verdict_name(r->verdict));
    store_bind_text(s, ":outcome", r->outcome);
    store_bind_id(s, ":unit_id", r->unit_id);
    store_bind_id(s, ":ended_by", r->ended_by);
}

// Binds a whole record: what casework fixes when it opens one (stage, phase,
// round, attempt, unit, start; never changed afterwards) and its clock.
static void bind_stage(struct store_stmt *s, int64_t case_id, const struct casework_stage_record *r)
{
    bind_stage_clock(s, case_id, r);
    store_bind_text(s, ":stage", casework_stage_name(r->stage));
    store_bind_text(s, ":phase", r->phase);
    store_bind_int(s, ":round", r->round);
    store_bind_int(s, ":attempt", r->attempt);
    store_bind_text(s, ":unit", worktime_unit_name(r->unit));
    store_bind_int(s, ":started", r->started_at);
}

// Writes the records casework changed (by id: only the fields that change once a
// record is open, so SQLite checks and reindexes no more than those) or opened
// (id 0: the whole record).
int store_stages_save_tx(struct store_tx *tx, int64_t case_id,
                         const struct casework_stage_record *records, int count)
{
    static const char SQL_INSERT[] =
        "INSERT INTO case_stage (case_id, stage, phase, round, attempt, unit, limit_ms, "
        "started_at, deadline, warn_at, run_from, elapsed_ms, paused_ms, paused_at, remaining_ms, "
        "ended_at, verdict, outcome, unit_id, ended_by) VALUES (:case, :stage, :phase, :round, "
        ":attempt, :unit, :limit, :started, :deadline, :warn_at, :run_from, :elapsed, :paused, "
        ":paused_at, :remaining, :ended, :verdict, :outcome, :unit_id, :ended_by)";
    static const char SQL_UPDATE[] =
        "UPDATE case_stage SET limit_ms = :limit, "
        "deadline = :deadline, warn_at = :warn_at, run_from = :run_from, elapsed_ms = :elapsed, "
        "paused_ms = :paused, "
        "paused_at = :paused_at, remaining_ms = :remaining, ended_at = :ended, "
        "verdict = :verdict, outcome = :outcome, unit_id = :unit_id, ended_by = :ended_by "
        "WHERE id = :id AND case_id = :case";
    for (int i = 0; i < count; i++) {
        const struct casework_stage_record *r = &records[i];
        if (!r->changed)
            continue;
        struct store_stmt *stmt = store_tx_stmt(tx, r->id > 0 ? SQL_UPDATE : SQL_INSERT);
        if (stmt == NULL)
            return STORE_ERROR;
        if (r->id > 0) {
            bind_stage_clock(stmt, case_id, r);
            store_bind_int(stmt, ":id", r->id);
        } else {
            bind_stage(stmt, case_id, r);
        }
        int rc = store_exec_stmt(stmt);
        if (rc != STORE_OK)
            return rc == STORE_CONFLICT ? STORE_ERROR : rc; // a broken reference is a bug
    }
    return STORE_OK;
}

int store_case_stages(struct store *store, int64_t case_id,
                      void (*fn)(const struct store_case_stage *stage, void *data), void *data)
{
    static const char SQL[] = "SELECT " STAGE_COLUMNS ", COALESCE(o.name, '') FROM case_stage s "
                              "LEFT JOIN org_unit o ON o.id = s.unit_id "
                              "WHERE s.case_id = :case ORDER BY s.id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case", case_id);
    struct store_case_stage stage;
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        read_stage(stmt, &stage.record);
        store_column_copy(stage.unit_name, sizeof stage.unit_name, stmt, STAGE_COLUMN_COUNT);
        fn(&stage, data);
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

// ---- what else the rules read ----

enum { PHOTOS_MAX = 64 };

struct photo_list {
    struct casework_photo photos[PHOTOS_MAX];
    char stages[PHOTOS_MAX][12];
    size_t count;
};

static int photos_load(struct store_tx *tx, int64_t case_id, struct photo_list *out)
{
    static const char SQL[] = "SELECT stage, created_at FROM case_attachment "
                              "WHERE case_id = :case ORDER BY created_at DESC LIMIT 64";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case", case_id);
    out->count = 0;
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW && out->count < PHOTOS_MAX) {
        size_t i = out->count++;
        store_column_copy(out->stages[i], sizeof out->stages[i], stmt, 0);
        out->photos[i] = (struct casework_photo){out->stages[i], store_col_int64(stmt, 1)};
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE || rc == STORE_ROW ? STORE_OK : STORE_ERROR;
}

static int department_load(struct store_tx *tx, int64_t id, struct casework_department *out)
{
    static const char SQL[] = "SELECT d.type, COALESCE(d.parent_id, 0), COALESCE(p.type, '') "
                              "FROM org_unit d LEFT JOIN org_unit p ON p.id = d.parent_id "
                              "WHERE d.id = :id";
    memset(out, 0, sizeof *out);
    out->id = id;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", id);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK) {
        const char *type = store_col_text(stmt, 0);
        const char *parent_type = store_col_text(stmt, 2);
        out->is_department = type != NULL && strcmp(type, "department") == 0;
        out->parent_id = store_col_int64(stmt, 1);
        out->serves = strcmp(parent_type, "street") == 0     ? CASEWORK_SERVES_STREET
                      : strcmp(parent_type, "district") == 0 ? CASEWORK_SERVES_DISTRICT
                                                             : CASEWORK_SERVES_CITY;
    }
    store_stmt_done(stmt);
    return rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

static int category_active(struct store_tx *tx, int64_t id, bool *active)
{
    static const char SQL[] =
        "SELECT 1 FROM category WHERE id = :id AND parent_id IS NOT NULL AND active";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", id);
    int rc = store_step_row(stmt);
    store_stmt_done(stmt);
    *active = rc == STORE_OK;
    return rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

static int merge_target(struct store_tx *tx, int64_t target_id, bool *open)
{
    struct store_case *target = malloc(sizeof *target);
    if (target == NULL)
        return STORE_ERROR;
    int rc = store_case_load_tx(tx, target_id, target);
    *open = rc == STORE_OK && casefsm_state_is_open(target->state);
    free(target);
    return rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

static int link_cases(struct store_tx *tx, int64_t from, int64_t to, int64_t now)
{
    static const char SQL[] = "INSERT INTO case_link (case_id, other_id, kind, created_at) "
                              "VALUES (:a, :b, 'merged_into', :now), (:b, :a, 'merged_from', :now)";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":a", from);
    store_bind_int(stmt, ":b", to);
    store_bind_int(stmt, ":now", now);
    return store_exec_stmt(stmt);
}

// ---- the transition ----

// Everything one transition loads and produces; large, so it lives on the heap.
struct transition_work {
    struct store_case stored; // the case as loaded, for the counts it leaves
    struct casework_case before;
    struct casework_limits limits;
    struct casework_department department;
    struct photo_list photos;
    struct casework_stage_record open[CASEWORK_OPEN_MAX];
    int open_count;
    struct casework_result result;
};

struct transition_job {
    const struct worktime_calendar *calendar;
    const struct case_transition *t;
    struct store_case *out;
    struct case_refusal *refusal;
};

static void refuse(struct case_refusal *refusal, const struct casework_result *result)
{
    if (refusal == NULL)
        return;
    refusal->error = result->error;
    refusal->field = result->field;
    snprintf(refusal->message, sizeof refusal->message, "%s", result->message);
}

// The event's facts: the request's, the public code, and the verdicts of the
// stages the action ended (so the audit chain holds them too).
static char *event_data(const struct case_transition *t, const struct transition_work *w)
{
    cJSON *facts = t->data_json ? cJSON_Parse(t->data_json) : NULL;
    if (!cJSON_IsObject(facts)) {
        cJSON_Delete(facts);
        facts = cJSON_CreateObject();
    }
    if (w->result.public_code != NULL)
        cJSON_AddStringToObject(facts, "public_code", w->result.public_code);
    cJSON *ended = NULL;
    for (int i = 0; i < w->open_count; i++) {
        const struct casework_stage_record *r = &w->open[i];
        if (!r->changed || r->ended_at == 0)
            continue;
        if (ended == NULL)
            ended = cJSON_AddArrayToObject(facts, "stages_ended");
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "stage", casework_stage_name(r->stage));
        if (r->phase[0] != '\0')
            cJSON_AddStringToObject(item, "phase", r->phase);
        cJSON_AddStringToObject(item, "verdict", casework_verdict_name(r->verdict));
        cJSON_AddItemToArray(ended, item);
    }
    char *text = cJSON_PrintUnformatted(facts);
    cJSON_Delete(facts);
    return text;
}

// Loads what casework_apply reads for this transition. Returns a store result.
static int load_inputs(struct store_tx *tx, const struct transition_job *job,
                       struct transition_work *w, struct casework_request *r)
{
    const struct case_transition *t = job->t;
    store_case_to_work(job->out, &w->before);
    int64_t category = w->before.category_id;
    bool category_valid = false;
    int rc = STORE_OK;
    if (t->action == CASEFSM_ACTION_ACCEPT && t->category_id > 0) {
        rc = category_active(tx, t->category_id, &category_valid);
        if (category_valid)
            category = t->category_id;
    }
    if (rc == STORE_OK)
        rc = store_category_limits_tx(tx, job->calendar, category, &w->limits);
    if (rc == STORE_OK && t->action == CASEFSM_ACTION_DISPATCH && t->department_id > 0)
        rc = department_load(tx, t->department_id, &w->department);
    bool target_open = false;
    if (rc == STORE_OK && t->action == CASEFSM_ACTION_MERGE && t->target_case_id > 0)
        rc = merge_target(tx, t->target_case_id, &target_open);
    if (rc == STORE_OK)
        rc = photos_load(tx, t->case_id, &w->photos);
    if (rc == STORE_OK)
        rc = stages_running(tx, t->case_id, w->open, CASEWORK_OPEN_MAX, &w->open_count);
    *r = (struct casework_request){
        .action = t->action,
        .role = t->actor_role,
        .actor_user_id = t->actor_user_id,
        .now = store_now_ms(),
        .calendar = job->calendar,
        .limits = &w->limits,
        .note = t->note,
        .department_id = t->department_id,
        .department = t->department_id > 0 ? &w->department : NULL,
        .category_id = t->category_id,
        .category_valid = category_valid,
        .urgent = t->urgent,
        .target_case_id = t->target_case_id,
        .target_open = target_open,
        .amount = t->amount,
        .phase = t->phase,
        .photos = w->photos.photos,
        .photo_count = w->photos.count,
        .reopen_window_ms = t->reopen_window_ms,
    };
    return rc;
}

// True when the state is an inspector's task: a verification (核实) or a check (核查).
static bool task_state(enum casefsm_state state)
{
    return state == CASEFSM_STATE_VERIFYING || state == CASEFSM_STATE_HANDLED;
}

// Routes the task the transition starts (store_task_route_tx), or ends the
// one it finishes. Returns a store result.
static int follow_task(struct store_tx *tx, enum casefsm_state from, const struct store_case *c)
{
    if (from == c->state)
        return STORE_OK;
    if (task_state(c->state))
        return store_task_route_tx(tx, c->id, c->grid_id, c->street_id);
    return task_state(from) ? store_task_route_end_tx(tx, c->id) : STORE_OK;
}

static int transition_job(struct store_tx *tx, void *data)
{
    struct transition_job *job = data;
    const struct case_transition *t = job->t;
    int rc = store_case_load_tx(tx, t->case_id, job->out);
    if (rc != STORE_OK)
        return rc;
    if (job->out->version != t->expected_version)
        return STORE_CONFLICT;
    struct transition_work *w = calloc(1, sizeof *w);
    if (w == NULL)
        return STORE_ERROR;
    struct casework_request r;
    char *facts = NULL;
    w->stored = *job->out;
    if ((rc = load_inputs(tx, job, w, &r)) != STORE_OK)
        goto done;
    if (casework_apply(&w->before, &r, w->open, w->open_count, &w->result) != CASEWORK_OK) {
        refuse(job->refusal, &w->result);
        rc = STORE_INVALID;
        goto done;
    }
    struct store_case *c = job->out;
    store_case_from_work(&w->result.next, c);
    if (w->result.pending_note != NULL)
        snprintf(c->pending_note, sizeof c->pending_note, "%s", w->result.pending_note);
    // The row shows the rating of the latest closure; case_rating keeps them all.
    if (c->state == CASEFSM_STATE_CLOSED) {
        c->rating[0] = c->rating_comment[0] = '\0';
        c->rated_at = 0;
    }
    c->version++;
    c->updated_at = r.now;
    // The case leaves the trends' tally as it was and joins it again as it is.
    if ((rc = store_tally_trend(tx, c->id, -1)) != STORE_OK ||
        (rc = store_case_save_tx(tx, c)) != STORE_OK ||
        (rc = store_stages_save_tx(tx, c->id, w->open, w->open_count)) != STORE_OK ||
        (rc = store_stages_save_tx(tx, c->id, w->result.opened, w->result.opened_count)) !=
            STORE_OK)
        goto done;
    if (t->action == CASEFSM_ACTION_MERGE && (rc = link_cases(tx, c->id, c->merged_into, r.now)))
        goto done;
    if ((rc = follow_task(tx, w->result.from, c)) != STORE_OK)
        goto done;
    facts = event_data(t, w);
    struct audit_event event = {
        .case_id = c->id,
        .action = casefsm_action_name(t->action),
        .from_state = casefsm_state_name(w->result.from),
        .to_state = casefsm_state_name(c->state),
        .actor_user_id = t->actor_user_id,
        .actor_role = role_name(t->actor_role),
        .actor_name = t->actor_name ? t->actor_name : "",
        .note = t->note,
        .public_note = t->public_note,
        .data = facts,
        .created_at = r.now,
    };
    rc = facts != NULL ? store_case_event_append_tx(tx, &event) : STORE_ERROR;
    if (rc == STORE_OK)
        rc = store_case_load_tx(tx, c->id, c);
    if (rc == STORE_OK)
        rc = store_tally_changed(tx, &w->stored, c);
    if (rc == STORE_OK)
        rc = store_tally_trend(tx, c->id, 1);
done:
    free(facts);
    free(w);
    return rc;
}

int store_case_transition_tx(struct store_tx *tx, const struct worktime_calendar *calendar,
                             const struct case_transition *t, struct store_case *out,
                             struct case_refusal *refusal)
{
    struct transition_job job = {calendar, t, out, refusal};
    return transition_job(tx, &job);
}

int store_case_transition(struct store *store, const struct worktime_calendar *calendar,
                          const struct case_transition *t, struct store_case *out,
                          struct case_refusal *refusal)
{
    struct transition_job job = {calendar, t, out, refusal};
    return store_write(store, transition_job, &job);
}
