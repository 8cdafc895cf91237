// SPDX-License-Identifier: MIT
// SQL for cases: intake (number, place, first stage, first event, search
// index), loading and saving the row, the hash-chained event log (audit.h) and its
// verification. Transitions are in store_case_transition.c.
#include "store_cases.h"
#include "store_outbox.h"

#include "store_attachments.h"

#include "audit.h"
#include "casework.h"
#include "engine.h"
#include "log.h"
#include "store_task_route.h"
#include "textseg.h"
#include "worktime.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CASE_SELECT "SELECT " STORE_CASE_COLUMNS "FROM case_record c " STORE_CASE_JOINS

void store_case_read_row(struct store_stmt *s, struct store_case *c)
{
    memset(c, 0, sizeof *c);
    int i = 0;
    c->id = store_col_int64(s, i++);
    store_column_copy(c->case_no, sizeof c->case_no, s, i++);
    store_column_copy(c->source, sizeof c->source, s, i++);
    store_column_copy(c->external_id, sizeof c->external_id, s, i++);
    c->state = casefsm_state_from_name(store_col_text(s, i++));
    c->pending = casefsm_pending_from_name(store_col_text(s, i++));
    c->pending_amount = store_col_int(s, i++);
    store_column_copy(c->pending_note, sizeof c->pending_note, s, i++);
    c->version = store_col_int64(s, i++);
    c->category_id = store_col_int64(s, i++);
    store_column_copy(c->category_tree, sizeof c->category_tree, s, i++);
    store_column_copy(c->category_code, sizeof c->category_code, s, i++);
    store_column_copy(c->category_name_zh, sizeof c->category_name_zh, s, i++);
    store_column_copy(c->category_name_en, sizeof c->category_name_en, s, i++);
    c->urgent = store_col_int(s, i++) != 0;
    store_column_copy(c->description, sizeof c->description, s, i++);
    store_column_copy(c->address, sizeof c->address, s, i++);
    c->has_location = !store_col_null(s, i);
    c->lat = store_col_double(s, i++);
    c->lon = store_col_double(s, i++);
    c->grid_id = store_col_int64(s, i++);
    store_column_copy(c->grid_code, sizeof c->grid_code, s, i++);
    c->community_id = store_col_int64(s, i++);
    c->street_id = store_col_int64(s, i++);
    c->district_id = store_col_int64(s, i++);
    store_column_copy(c->community_name, sizeof c->community_name, s, i++);
    store_column_copy(c->street_name, sizeof c->street_name, s, i++);
    store_column_copy(c->place_path, sizeof c->place_path, s, i++);
    c->needs_placement = store_col_int(s, i++) != 0;
    c->reporter_user_id = store_col_int64(s, i++);
    store_column_copy(c->reporter_name, sizeof c->reporter_name, s, i++);
    store_column_copy(c->citizen_name, sizeof c->citizen_name, s, i++);
    store_column_copy(c->citizen_phone, sizeof c->citizen_phone, s, i++);
    c->department_id = store_col_int64(s, i++);
    store_column_copy(c->department_name, sizeof c->department_name, s, i++);
    c->verified = store_col_int(s, i++) != 0;
    c->self_handled = store_col_int(s, i++) != 0;
    c->photo_reused = store_col_int(s, i++) != 0;
    c->rework_count = store_col_int(s, i++);
    c->reopen_count = store_col_int(s, i++);
    c->supervise_count = store_col_int(s, i++);
    c->extension_count = store_col_int(s, i++);
    c->return_count = store_col_int(s, i++);
    c->merged_into = store_col_int64(s, i++);
    store_column_copy(c->stage, sizeof c->stage, s, i++);
    c->stage_started_at = store_col_int64(s, i++);
    store_column_copy(c->stage_unit, sizeof c->stage_unit, s, i++);
    c->stage_limit_ms = store_col_int64(s, i++);
    c->stage_deadline = store_col_int64(s, i++);
    c->suspended_remaining_ms = store_col_int64(s, i++);
    c->created_at = store_col_int64(s, i++);
    c->updated_at = store_col_int64(s, i++);
    c->closed_at = store_col_int64(s, i++);
    store_column_copy(c->rating, sizeof c->rating, s, i++);
    store_column_copy(c->rating_comment, sizeof c->rating_comment, s, i++);
    c->rated_at = store_col_int64(s, i++);
    c->handling_deadline = store_col_int64(s, i++);
    c->handled_at = store_col_int64(s, i++);
    c->remind_count = store_col_int(s, i++);
    c->auto_supervise_count = store_col_int(s, i++);
    c->filed_at = store_col_int64(s, i++);
    store_column_copy(c->task_level, sizeof c->task_level, s, i++);
    store_column_copy(c->located_by, sizeof c->located_by, s, i++);
    store_column_copy(c->located_label, sizeof c->located_label, s, i++);
}

// Steps a one-row statement into *out. Returns STORE_OK, STORE_NOT_FOUND or STORE_ERROR.
static int fetch_case(struct store_stmt *stmt, struct store_case *out)
{
    int rc = store_step(stmt);
    if (rc == STORE_ROW)
        store_case_read_row(stmt, out);
    else if (rc != STORE_DONE)
        log_error("store: case read failed: %s", store_stmt_error(stmt));
    store_stmt_done(stmt);
    return rc == STORE_ROW ? STORE_OK : rc == STORE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

static const char SQL_CASE_BY_ID[] = CASE_SELECT "WHERE c.id = :id";
static const char SQL_CASE_BY_NO[] = CASE_SELECT "WHERE c.case_no = :no";
static const char SQL_CASE_BY_EXTERNAL[] =
    CASE_SELECT "WHERE c.source = :source AND c.external_id = :external";

int store_case_get(struct store *store, int64_t id, struct store_case *out)
{
    struct store_stmt *stmt = store_read_stmt(store, SQL_CASE_BY_ID);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", id);
    return fetch_case(stmt, out);
}

int store_case_get_by_no(struct store *store, const char *case_no, struct store_case *out)
{
    struct store_stmt *stmt = store_read_stmt(store, SQL_CASE_BY_NO);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":no", case_no);
    return fetch_case(stmt, out);
}

int store_case_load_tx(struct store_tx *tx, int64_t id, struct store_case *out)
{
    struct store_stmt *stmt = store_tx_stmt(tx, SQL_CASE_BY_ID);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", id);
    return fetch_case(stmt, out);
}

int store_case_event_append_tx(struct store_tx *tx, const struct audit_event *e)
{
    static const char SQL_LAST[] = "SELECT hash FROM case_event ORDER BY id DESC LIMIT 1";
    static const char SQL_LAST_ID[] = "SELECT id FROM case_event ORDER BY id DESC LIMIT 1";
    static const char SQL[] =
        "INSERT INTO case_event (case_id, action, from_state, to_state, actor_user_id, "
        "actor_role, actor_name, note, public_note, data, created_at, prev_hash, hash) VALUES "
        "(:case, :action, :from, :to, :actor, :role, :name, :note, :public, :data, :at, :prev, "
        ":hash)";
    struct store_stmt *last = store_tx_stmt(tx, SQL_LAST);
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (last == NULL || stmt == NULL)
        return STORE_ERROR;
    char prev[AUDIT_HASH_HEX] = "";
    if (store_step(last) == STORE_ROW)
        store_column_copy(prev, sizeof prev, last, 0);
    store_stmt_done(last);
    // What is stored is exactly what is hashed: NULL texts become "".
    struct audit_event event = *e;
    event.from_state = e->from_state ? e->from_state : "";
    event.to_state = e->to_state ? e->to_state : "";
    event.actor_role = e->actor_role ? e->actor_role : "";
    event.actor_name = e->actor_name ? e->actor_name : "";
    event.note = e->note ? e->note : "";
    event.public_note = e->public_note ? e->public_note : "";
    event.data = e->data ? e->data : "{}";
    char hash[AUDIT_HASH_HEX];
    audit_hash(prev, &event, hash);
    store_bind_int(stmt, ":case", event.case_id);
    store_bind_text(stmt, ":action", event.action);
    store_bind_text(stmt, ":from", event.from_state);
    store_bind_text(stmt, ":to", event.to_state);
    store_bind_id(stmt, ":actor", event.actor_user_id);
    store_bind_text(stmt, ":role", event.actor_role);
    store_bind_text(stmt, ":name", event.actor_name);
    store_bind_text(stmt, ":note", event.note);
    store_bind_text(stmt, ":public", event.public_note);
    store_bind_text(stmt, ":data", event.data);
    store_bind_int(stmt, ":at", event.created_at);
    store_bind_text(stmt, ":prev", prev);
    store_bind_text(stmt, ":hash", hash);
    int rc = store_exec_stmt(stmt);
    if (rc != STORE_OK)
        return rc;
    // The messages the event causes commit with it (the transactional outbox).
    struct store_stmt *id = store_tx_stmt(tx, SQL_LAST_ID);
    if (id == NULL || store_step_row(id) != STORE_OK) {
        store_stmt_done(id);
        return STORE_ERROR;
    }
    int64_t event_id = store_col_int64(id, 0);
    store_stmt_done(id);
    return store_outbox_event_tx(tx, &event, event_id);
}

void store_case_to_work(const struct store_case *c, struct casework_case *w)
{
    memset(w, 0, sizeof *w);
    w->id = c->id;
    w->state = c->state;
    w->pending = c->pending;
    w->pending_amount = c->pending_amount;
    w->version = c->version;
    w->category_id = c->category_id;
    w->urgent = c->urgent;
    w->department_id = c->department_id;
    w->community_id = c->community_id;
    w->street_id = c->street_id;
    w->district_id = c->district_id;
    w->verified = c->verified;
    w->self_handled = c->self_handled;
    w->rework_count = c->rework_count;
    w->reopen_count = c->reopen_count;
    w->supervise_count = c->supervise_count;
    w->extension_count = c->extension_count;
    w->return_count = c->return_count;
    w->merged_into = c->merged_into;
    w->created_at = c->created_at;
    w->closed_at = c->closed_at;
    w->handled_at = c->handled_at;
    w->filed_at = c->filed_at;
    w->handling_deadline = c->handling_deadline;
    int stage = casework_stage_from_name(c->stage);
    w->clock_stage = stage < 0 ? CASEWORK_STAGE_COUNT : (enum casework_stage)stage;
    w->clock_started_at = c->stage_started_at;
    int unit = worktime_unit_from_name(c->stage_unit);
    w->clock_unit = unit < 0 ? WORKTIME_WORK_HOURS : (enum worktime_unit)unit;
    w->clock_limit_ms = c->stage_limit_ms;
    w->clock_deadline = c->stage_deadline;
    w->clock_remaining_ms = c->suspended_remaining_ms;
}

void store_case_from_work(const struct casework_case *w, struct store_case *c)
{
    c->state = w->state;
    c->pending = w->pending;
    c->pending_amount = w->pending_amount;
    c->category_id = w->category_id;
    c->urgent = w->urgent;
    c->department_id = w->department_id;
    c->verified = w->verified;
    c->rework_count = w->rework_count;
    c->reopen_count = w->reopen_count;
    c->supervise_count = w->supervise_count;
    c->extension_count = w->extension_count;
    c->return_count = w->return_count;
    c->merged_into = w->merged_into;
    c->closed_at = w->closed_at;
    c->handled_at = w->handled_at;
    c->filed_at = w->filed_at;
    c->handling_deadline = w->handling_deadline;
    const char *stage = casework_stage_name(w->clock_stage);
    snprintf(c->stage, sizeof c->stage, "%s", stage ? stage : "none");
    c->stage_started_at = w->clock_started_at;
    snprintf(c->stage_unit, sizeof c->stage_unit, "%s", worktime_unit_name(w->clock_unit));
    c->stage_limit_ms = w->clock_limit_ms;
    c->stage_deadline = w->clock_deadline;
    c->suspended_remaining_ms = w->clock_remaining_ms;
}

// The fields that change on most transitions.
static int save_frequent(struct store_tx *tx, const struct store_case *c)
{
    static const char SQL[] =
        "UPDATE case_record SET state = :state, pending = :pending, pending_amount = :amount, "
        "pending_note = :pnote, version = :version, verified = :verified, rework_count = :rework, "
        "reopen_count = :reopen, supervise_count = :supervise, extension_count = :extension, "
        "return_count = :returns, stage = :stage, stage_started_at = :started, "
        "stage_unit = :unit, stage_limit_ms = :limit, stage_deadline = :deadline, "
        "suspended_remaining_ms = :remaining, updated_at = :now, closed_at = :closed, "
        "handling_deadline = :handling_deadline, handled_at = :handled_at, filed_at = :filed_at "
        "WHERE id = :id";
    struct store_stmt *s = store_tx_stmt(tx, SQL);
    if (s == NULL)
        return STORE_ERROR;
    store_bind_text(s, ":state", casefsm_state_name(c->state));
    store_bind_text(s, ":pending", casefsm_pending_name(c->pending));
    store_bind_int(s, ":amount", c->pending_amount);
    store_bind_text(s, ":pnote", c->pending_note);
    store_bind_int(s, ":version", c->version);
    store_bind_int(s, ":verified", c->verified);
    store_bind_int(s, ":rework", c->rework_count);
    store_bind_int(s, ":reopen", c->reopen_count);
    store_bind_int(s, ":supervise", c->supervise_count);
    store_bind_int(s, ":extension", c->extension_count);
    store_bind_int(s, ":returns", c->return_count);
    store_bind_text(s, ":stage", c->stage);
    store_bind_int(s, ":started", c->stage_started_at);
    store_bind_text(s, ":unit", c->stage_unit);
    store_bind_int(s, ":limit", c->stage_limit_ms);
    store_bind_id(s, ":deadline", c->stage_deadline);
    store_bind_int(s, ":remaining", c->suspended_remaining_ms);
    store_bind_int(s, ":now", c->updated_at);
    store_bind_id(s, ":closed", c->closed_at);
    store_bind_id(s, ":handling_deadline", c->handling_deadline);
    store_bind_id(s, ":handled_at", c->handled_at);
    store_bind_id(s, ":filed_at", c->filed_at);
    store_bind_int(s, ":id", c->id);
    return store_exec_stmt(s);
}

// The fields that change seldom (filing, dispatch, merge, rating), written only
// when one of them differs from the row: SQLite rewrites every index holding a
// column an UPDATE sets, checks the references and CHECK constraints of each
// such column, and one that sets merged_into (a case referring to a case)
// rewrites every index of the row.
static int save_seldom(struct store_tx *tx, const struct store_case *c)
{
    static const char SQL[] =
        "UPDATE case_record SET category_id = :category, urgent = :urgent, "
        "department_id = :department, merged_into = :merged, rating = :rating, "
        "rating_comment = :comment, rated_at = :rated WHERE id = :id AND "
        "(category_id IS DISTINCT FROM :category OR urgent IS DISTINCT FROM :urgent OR "
        "department_id IS DISTINCT FROM :department OR merged_into IS DISTINCT FROM :merged OR "
        "rating IS DISTINCT FROM :rating OR rating_comment IS DISTINCT FROM :comment OR "
        "rated_at IS DISTINCT FROM :rated)";
    struct store_stmt *s = store_tx_stmt(tx, SQL);
    if (s == NULL)
        return STORE_ERROR;
    store_bind_id(s, ":category", c->category_id);
    store_bind_int(s, ":urgent", c->urgent);
    store_bind_id(s, ":department", c->department_id);
    store_bind_id(s, ":merged", c->merged_into);
    store_bind_text(s, ":rating", c->rating[0] ? c->rating : NULL);
    store_bind_text(s, ":comment", c->rating_comment);
    store_bind_id(s, ":rated", c->rated_at);
    store_bind_int(s, ":id", c->id);
    return store_exec_stmt(s);
}

int store_case_save_tx(struct store_tx *tx, const struct store_case *c)
{
    int rc = save_frequent(tx, c);
    return rc == STORE_OK ? save_seldom(tx, c) : rc;
}

// True when a row exists for the query bound with :id.
static int row_exists(struct store_tx *tx, const char *sql, int64_t id)
{
    struct store_stmt *stmt = store_tx_stmt(tx, sql);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", id);
    int rc = store_step(stmt);
    store_stmt_done(stmt);
    return rc == STORE_ROW ? STORE_OK : rc == STORE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

static const char SQL_CATEGORY_EXISTS[] = "SELECT 1 FROM category WHERE id = :id AND "
                                          "parent_id IS NOT NULL AND active";

// Attaches the intake's photos: each must be an upload of the reporter still
// held (STORE_INVALID otherwise); the upload row goes, the case_attachment row
// and an "attach" event come. Returns a store result.
static int attach_intake_photos(struct store_tx *tx, const struct case_intake *in, int64_t id,
                                int64_t now, const char *state)
{
    static const char SQL_TAKE[] = "DELETE FROM upload WHERE user_id = :user AND hash = :hash "
                                   "AND created_at >= :since RETURNING hash";
    static const char SQL_LINK[] =
        "INSERT INTO case_attachment (case_id, hash, stage, uploaded_by, created_at) "
        "VALUES (:case, :hash, :stage, :user, :now) ON CONFLICT DO NOTHING";
    for (size_t i = 0; i < in->photo_count; i++) {
        const struct case_intake_photo *photo = &in->photos[i];
        struct store_stmt *take = store_tx_stmt(tx, SQL_TAKE);
        struct store_stmt *link = store_tx_stmt(tx, SQL_LINK);
        if (take == NULL || link == NULL)
            return STORE_ERROR;
        store_bind_int(take, ":user", in->reporter_user_id);
        store_bind_text(take, ":hash", photo->hash);
        store_bind_int(take, ":since", now - STORE_UPLOAD_HOLD_MS);
        int rc = store_step_row(take);
        store_stmt_done(take);
        if (rc != STORE_OK)
            return rc == STORE_NOT_FOUND ? STORE_INVALID : STORE_ERROR;
        store_bind_int(link, ":case", id);
        store_bind_text(link, ":hash", photo->hash);
        store_bind_text(link, ":stage", photo->stage);
        store_bind_id(link, ":user", in->reporter_user_id);
        store_bind_int(link, ":now", now);
        if ((rc = store_exec_stmt(link)) != STORE_OK)
            return rc == STORE_CONFLICT ? STORE_INVALID : rc;
        cJSON *facts = cJSON_CreateObject();
        cJSON_AddStringToObject(facts, "hash", photo->hash);
        cJSON_AddStringToObject(facts, "stage", photo->stage);
        char *text = cJSON_PrintUnformatted(facts);
        cJSON_Delete(facts);
        struct audit_event event = {.case_id = id,
                                    .action = "attach",
                                    .from_state = state,
                                    .to_state = state,
                                    .actor_user_id = in->reporter_user_id,
                                    .actor_role = in->actor_role,
                                    .actor_name = in->actor_name,
                                    .data = text,
                                    .created_at = now};
        rc = text != NULL ? store_case_event_append_tx(tx, &event) : STORE_ERROR;
        free(text);
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

// Allocates the next number of the local day: YYYYMMDD + 6 digits.
static int next_case_no(struct store_tx *tx, const struct worktime_calendar *cal, int64_t now,
                        char out[16])
{
    static const char SQL[] = "INSERT INTO case_day_seq (day, last) VALUES (:day, 1) "
                              "ON CONFLICT (day) DO UPDATE SET last = case_day_seq.last + 1 "
                              "RETURNING last";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    int day = worktime_local_date(cal, now);
    store_bind_int(stmt, ":day", day);
    int rc = store_step(stmt);
    int64_t sequence = rc == STORE_ROW ? store_col_int64(stmt, 0) : 0;
    store_stmt_done(stmt);
    if (sequence <= 0 || sequence > 999999)
        return STORE_ERROR;
    snprintf(out, 16, "%08d%06lld", day, (long long)sequence);
    return STORE_OK;
}

static int index_text(struct store_tx *tx, int64_t id, const char *description, const char *address)
{
    static const char SQL[] = "INSERT INTO case_fts (rowid, seg) VALUES (:id, :seg)";
    size_t len = strlen(description) + strlen(address) + 2;
    char *joined = malloc(len);
    if (joined == NULL)
        return STORE_ERROR;
    snprintf(joined, len, "%s %s", description, address);
    char *seg = textseg_index(joined, strlen(joined));
    free(joined);
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (seg == NULL || stmt == NULL) {
        free(seg);
        return STORE_ERROR;
    }
    store_bind_int(stmt, ":id", id);
    store_bind_text(stmt, ":seg", seg);
    free(seg);
    return store_exec_stmt(stmt);
}

// Where a case nobody can place goes when its filer has no jurisdiction (a
// citizen): the only district when there is one, else the city, so the command
// centre that places cases sees it.
#define SQL_INTAKE_ROOT                                                                            \
    "(SELECT CASE WHEN (SELECT count(*) FROM org_unit WHERE type = 'district') = 1 "               \
    "THEN (SELECT path FROM org_unit WHERE type = 'district') "                                    \
    "ELSE (SELECT path FROM org_unit WHERE type = 'city' ORDER BY id LIMIT 1) END)"

// Inserts the case row. Returns its id, or -1.
static int64_t insert_case(struct store_tx *tx, const struct case_intake *in,
                           const struct store_case *c)
{
    static const char SQL[] =
        "INSERT INTO case_record (case_no, source, external_id, state, category_id, urgent, "
        "description, address, lat, lon, grid_id, community_id, street_id, district_id, "
        "place_path, needs_placement, reporter_user_id, citizen_name, citizen_phone, "
        "query_code_hash, self_handled, stage, stage_started_at, stage_unit, stage_limit_ms, "
        "stage_deadline, created_at, updated_at, closed_at, filed_at, located_by, located_label) "
        "VALUES (:no, :source, "
        ":external, "
        ":state, :category, :urgent, :description, :address, :lat, :lon, :grid, :community, "
        ":street, :district, COALESCE((SELECT path FROM org_unit WHERE id = :community), "
        ":fallback, " SQL_INTAKE_ROOT
        ", '/'), :unplaced, :reporter, :cname, :cphone, :code, :self, :stage, :now, :unit, "
        ":limit, :deadline, :now, :now, :closed, :closed, :located_by, :located_label) "
        "RETURNING id";
    struct store_stmt *s = store_tx_stmt(tx, SQL);
    if (s == NULL)
        return -1;
    store_bind_text(s, ":no", c->case_no);
    store_bind_text(s, ":source", in->source);
    store_bind_text(s, ":external", in->external_id);
    store_bind_text(s, ":state", casefsm_state_name(c->state));
    store_bind_id(s, ":category", in->category_id);
    store_bind_int(s, ":urgent", in->urgent);
    store_bind_text(s, ":description", in->description);
    store_bind_text(s, ":address", in->address ? in->address : "");
    store_bind_text(s, ":located_by", in->located_by ? in->located_by : "");
    store_bind_text(s, ":located_label", in->located_label ? in->located_label : "");
    if (in->has_location) {
        store_bind_double(s, ":lat", in->lat);
        store_bind_double(s, ":lon", in->lon);
    } else {
        store_bind_null(s, ":lat");
        store_bind_null(s, ":lon");
    }
    const int64_t places[] = {in->grid_id, in->community_id, in->street_id, in->district_id};
    const char *names[] = {":grid", ":community", ":street", ":district"};
    for (int i = 0; i < 4; i++) {
        if (places[i] > 0)
            store_bind_int(s, names[i], places[i]);
        else
            store_bind_null(s, names[i]);
    }
    store_bind_text(s, ":fallback", in->fallback_place_path);
    store_bind_int(s, ":unplaced", in->grid_id <= 0);
    store_bind_id(s, ":reporter", in->reporter_user_id);
    store_bind_text(s, ":cname", in->citizen_name ? in->citizen_name : "");
    store_bind_text(s, ":cphone", in->citizen_phone ? in->citizen_phone : "");
    if (in->query_code_hash != NULL)
        store_bind_blob(s, ":code", in->query_code_hash, 32);
    else
        store_bind_null(s, ":code");
    store_bind_int(s, ":self", in->self_handled);
    store_bind_text(s, ":stage", c->stage);
    store_bind_int(s, ":now", c->created_at);
    store_bind_text(s, ":unit", c->stage_unit);
    store_bind_int(s, ":limit", c->stage_limit_ms);
    store_bind_id(s, ":deadline", c->stage_deadline);
    store_bind_id(s, ":closed", c->closed_at);
    int rc = store_step(s);
    int64_t id = rc == STORE_ROW ? store_col_int64(s, 0) : -1;
    if (id < 0 && rc != STORE_FULL)
        log_error("store: case insert failed: %s", store_stmt_error(s));
    store_stmt_done(s);
    return id;
}

int store_case_create_tx(struct store_tx *tx, const struct worktime_calendar *calendar,
                         const struct case_intake *in, struct store_case *out)
{
    if (in->external_id != NULL) {
        struct store_stmt *stmt = store_tx_stmt(tx, SQL_CASE_BY_EXTERNAL);
        if (stmt == NULL)
            return STORE_ERROR;
        store_bind_text(stmt, ":source", in->source);
        store_bind_text(stmt, ":external", in->external_id);
        int rc = fetch_case(stmt, out);
        if (rc != STORE_NOT_FOUND)
            return rc == STORE_OK ? STORE_CONFLICT : rc;
    }
    if (in->category_id > 0) {
        int rc = row_exists(tx, SQL_CATEGORY_EXISTS, in->category_id);
        if (rc != STORE_OK)
            return rc == STORE_NOT_FOUND ? STORE_INVALID : rc;
    }
    struct store_case *c = out;
    memset(c, 0, sizeof *c);
    int64_t now = store_now_ms();
    c->created_at = now;
    c->category_id = in->category_id;
    c->urgent = in->urgent;
    c->self_handled = in->self_handled;
    c->state = in->self_handled ? CASEFSM_STATE_CLOSED : CASEFSM_STATE_REPORTED;
    if (in->self_handled)
        c->closed_at = c->filed_at = now; // fixed on the spot: filed and closed at once
    c->community_id = in->community_id;
    c->street_id = in->street_id;
    c->district_id = in->district_id;
    struct casework_case work;
    store_case_to_work(c, &work);
    struct casework_limits *limits = malloc(sizeof *limits);
    struct casework_result *result = malloc(sizeof *result);
    char *facts_text = NULL;
    int rc = limits && result ? STORE_OK : STORE_ERROR;
    if (rc == STORE_OK)
        rc = store_category_limits_tx(tx, calendar, in->category_id, limits);
    if (rc == STORE_OK && in->photo_count > CASE_INTAKE_PHOTOS_MAX)
        rc = STORE_INVALID;
    if (rc == STORE_OK) {
        struct casework_photo photos[CASE_INTAKE_PHOTOS_MAX];
        for (size_t i = 0; i < in->photo_count; i++)
            photos[i] = (struct casework_photo){in->photos[i].stage, now};
        if (casework_intake_check(in->self_handled, photos, in->photo_count, result) != CASEWORK_OK)
            rc = STORE_INVALID;
    }
    if (rc == STORE_OK) {
        casework_intake(&work, limits, calendar, now, result);
        store_case_from_work(&result->next, c);
        rc = next_case_no(tx, calendar, now, c->case_no);
    }
    int64_t id = rc == STORE_OK ? insert_case(tx, in, c) : -1;
    if (rc == STORE_OK && id < 0)
        rc = STORE_ERROR;
    if (rc == STORE_OK)
        rc = index_text(tx, id, in->description, in->address ? in->address : "");
    if (rc == STORE_OK && in->api_token_id > 0)
        rc = store_case_filer_token_tx(tx, id, in->api_token_id);
    if (rc == STORE_OK && in->notify_code != NULL)
        rc = store_case_notify_tx(tx, id, in->citizen_phone, in->notify_lang, in->notify_code);
    if (rc == STORE_OK)
        rc = store_stages_save_tx(tx, id, result->opened, result->opened_count);
    if (rc == STORE_OK) {
        cJSON *facts = cJSON_CreateObject();
        cJSON_AddStringToObject(facts, "source", in->source);
        cJSON_AddStringToObject(facts, "public_code", result->public_code);
        facts_text = cJSON_PrintUnformatted(facts);
        cJSON_Delete(facts);
        struct audit_event event = {
            .case_id = id,
            .action = in->self_handled ? "self-handle" : "report",
            .from_state = "",
            .to_state = casefsm_state_name(c->state),
            .actor_user_id = in->reporter_user_id,
            .actor_role = in->actor_role,
            .actor_name = in->actor_name,
            .data = facts_text,
            .created_at = now,
        };
        rc = facts_text != NULL ? store_case_event_append_tx(tx, &event) : STORE_ERROR;
    }
    if (rc == STORE_OK)
        rc = attach_intake_photos(tx, in, id, now, casefsm_state_name(c->state));
    free(facts_text);
    free(limits);
    free(result);
    if (rc == STORE_OK)
        rc = store_case_load_tx(tx, id, out);
    return rc == STORE_OK ? store_tally_created(tx, out) : rc;
}

struct create_job {
    const struct worktime_calendar *calendar;
    const struct case_intake *in;
    struct store_case *out;
};

static int create_job(struct store_tx *tx, void *data)
{
    struct create_job *job = data;
    return store_case_create_tx(tx, job->calendar, job->in, job->out);
}

int store_case_create(struct store *store, const struct worktime_calendar *calendar,
                      const struct case_intake *intake, struct store_case *out)
{
    struct create_job job = {calendar, intake, out};
    return store_write(store, create_job, &job);
}

int store_case_note_tx(struct store_tx *tx, int64_t case_id, const char *action,
                       int64_t actor_user_id, const char *actor_role, const char *actor_name,
                       const char *note, const char *public_note, const char *data_json)
{
    static const char SQL[] = "SELECT state FROM case_record WHERE id = :id";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", case_id);
    char state[16] = "";
    int rc = store_step(stmt);
    if (rc == STORE_ROW)
        store_column_copy(state, sizeof state, stmt, 0);
    store_stmt_done(stmt);
    if (rc != STORE_ROW)
        return rc == STORE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
    struct audit_event event = {
        .case_id = case_id,
        .action = action,
        .from_state = state,
        .to_state = state,
        .actor_user_id = actor_user_id,
        .actor_role = actor_role,
        .actor_name = actor_name,
        .note = note,
        .public_note = public_note,
        .data = data_json,
        .created_at = store_now_ms(),
    };
    return store_case_event_append_tx(tx, &event);
}

// Records where the case was before it moved, for the event.
static void json_facts_add_place(cJSON *facts, const struct store_case *before)
{
    if (before->grid_id)
        cJSON_AddStringToObject(facts, "from_grid", before->grid_code);
    cJSON_AddBoolToObject(facts, "was_unplaced", before->needs_placement);
}

struct place_job {
    const struct case_placement *p;
    struct store_case *out;
};

static int place_job(struct store_tx *tx, void *data)
{
    static const char SQL[] =
        "UPDATE case_record SET lat = :lat, lon = :lon, address = COALESCE(:address, address), "
        "grid_id = :grid, community_id = :community, street_id = :street, "
        "district_id = :district, needs_placement = FALSE, version = version + 1, "
        "updated_at = :now, located_by = '', located_label = '', "
        "place_path = (SELECT path FROM org_unit WHERE id = :community) "
        "WHERE id = :id AND version = :version";
    struct place_job *job = data;
    const struct case_placement *p = job->p;
    int rc = store_case_load_tx(tx, p->case_id, job->out);
    if (rc != STORE_OK)
        return rc;
    if (job->out->version != p->expected_version)
        return STORE_CONFLICT;
    // The case leaves the trends' tally at its old place and joins it at the new.
    if ((rc = store_tally_trend(tx, p->case_id, -1)) != STORE_OK)
        return rc;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_double(stmt, ":lat", p->lat);
    store_bind_double(stmt, ":lon", p->lon);
    store_bind_text(stmt, ":address", p->address);
    store_bind_id(stmt, ":grid", p->grid_id);
    store_bind_id(stmt, ":community", p->community_id);
    store_bind_id(stmt, ":street", p->street_id);
    store_bind_id(stmt, ":district", p->district_id);
    store_bind_int(stmt, ":now", store_now_ms());
    store_bind_int(stmt, ":id", p->case_id);
    store_bind_int(stmt, ":version", p->expected_version);
    if ((rc = store_exec_stmt(stmt)) != STORE_OK)
        return rc;
    // A task running on the case follows it to its new cell.
    if ((job->out->state == CASEFSM_STATE_VERIFYING || job->out->state == CASEFSM_STATE_HANDLED) &&
        (rc = store_task_route_tx(tx, p->case_id, p->grid_id, p->street_id)) != STORE_OK)
        return rc;
    cJSON *facts = cJSON_CreateObject();
    cJSON_AddNumberToObject(facts, "lat", p->lat);
    cJSON_AddNumberToObject(facts, "lon", p->lon);
    json_facts_add_place(facts, job->out);
    char *text = cJSON_PrintUnformatted(facts);
    cJSON_Delete(facts);
    rc = store_case_note_tx(tx, p->case_id, "place", p->actor_user_id, p->actor_role, p->actor_name,
                            NULL, NULL, text);
    free(text);
    struct store_case *before = rc == STORE_OK ? malloc(sizeof *before) : NULL;
    if (before == NULL)
        return rc == STORE_OK ? STORE_ERROR : rc;
    *before = *job->out;
    rc = store_case_load_tx(tx, p->case_id, job->out);
    if (rc == STORE_OK)
        rc = store_tally_moved(tx, before, job->out);
    if (rc == STORE_OK)
        rc = store_tally_trend(tx, p->case_id, 1);
    free(before);
    return rc;
}

int store_case_place(struct store *store, const struct case_placement *placement,
                     struct store_case *out)
{
    struct place_job job = {placement, out};
    return store_write(store, place_job, &job);
}

static void read_event(struct store_stmt *s, struct store_case_event *e)
{
    e->id = store_col_int64(s, 0);
    store_column_copy(e->action, sizeof e->action, s, 1);
    store_column_copy(e->from_state, sizeof e->from_state, s, 2);
    store_column_copy(e->to_state, sizeof e->to_state, s, 3);
    e->actor_user_id = store_col_int64(s, 4);
    store_column_copy(e->actor_role, sizeof e->actor_role, s, 5);
    store_column_copy(e->actor_name, sizeof e->actor_name, s, 6);
    store_column_copy(e->note, sizeof e->note, s, 7);
    store_column_copy(e->public_note, sizeof e->public_note, s, 8);
    store_column_copy(e->data, sizeof e->data, s, 9);
    e->created_at = store_col_int64(s, 10);
    store_column_copy(e->hash, sizeof e->hash, s, 11);
}

int store_case_events(struct store *store, int64_t case_id,
                      void (*fn)(const struct store_case_event *event, void *data), void *data)
{
    static const char SQL[] = "SELECT id, action, from_state, to_state, "
                              "COALESCE(actor_user_id, 0), actor_role, actor_name, note, "
                              "public_note, data, created_at, hash FROM case_event "
                              "WHERE case_id = :case ORDER BY id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case", case_id);
    struct store_case_event *event = malloc(sizeof *event);
    int rc = event != NULL ? STORE_ROW : STORE_ERROR;
    while (rc == STORE_ROW && (rc = store_step(stmt)) == STORE_ROW) {
        read_event(stmt, event);
        fn(event, data);
    }
    free(event);
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

// The columns the chain walk reads, in order.
static const char SQL_AUDIT_WALK[] = "SELECT id, case_id, action, from_state, to_state, "
                                     "COALESCE(actor_user_id, 0), actor_role, actor_name, note, "
                                     "public_note, data, created_at, prev_hash, hash FROM "
                                     "case_event ORDER BY id";

// Walks the chain with s (SQL_AUDIT_WALK on some connection; NULL: it could
// not be prepared), then store_stmt_done. Returns what store_audit_verify does.
static int64_t audit_walk(struct store_stmt *s, int64_t *count)
{
    *count = 0;
    if (s == NULL)
        return -1;
    struct audit_verifier verifier;
    audit_verify_init(&verifier);
    int64_t broken = 0;
    int rc = STORE_DONE;
    while (broken == 0 && (rc = store_step(s)) == STORE_ROW) {
        const char *col[14];
        for (int i = 0; i < 14; i++)
            col[i] = store_col_text(s, i);
        struct audit_event event = {
            .case_id = store_col_int64(s, 1),
            .action = col[2],
            .from_state = col[3],
            .to_state = col[4],
            .actor_user_id = store_col_int64(s, 5),
            .actor_role = col[6],
            .actor_name = col[7],
            .note = col[8],
            .public_note = col[9],
            .data = col[10],
            .created_at = store_col_int64(s, 11),
        };
        if (!audit_verify_step(&verifier, &event, col[12], col[13]))
            broken = store_col_int64(s, 0);
    }
    if (broken == 0 && rc != STORE_DONE) {
        log_error("store: reading the event chain failed: %s", store_stmt_error(s));
        broken = -1; // a walk cut short proves nothing
    }
    store_stmt_done(s);
    *count = verifier.count;
    return broken;
}

int64_t store_audit_verify(struct store *store, int64_t *count)
{
    return audit_walk(store_read_stmt(store, SQL_AUDIT_WALK), count);
}

int64_t store_audit_verify_tx(struct store_tx *tx, int64_t *count)
{
    return audit_walk(store_tx_stmt(tx, SQL_AUDIT_WALK), count);
}
