// SPDX-License-Identifier: MIT
// Escalation on its own, in the store: the scan that claims due stage records
// (red, then yellow) through the partial indexes of migration 0014 and records
// each escalation with its inbox rows, case event and count in one write job;
// and the inbox a unit lists and marks read. Same SQL on every engine.
#include "store_escalation.h"

#include "audit.h"
#include "engine.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

enum level { LEVEL_YELLOW = 1, LEVEL_RED = 2 };

// A due stage record as the scan read it.
struct due {
    int64_t stage_id, case_id, unit_id, district_id, deadline;
    char stage[12], phase[16];
};

struct scan_job {
    int64_t now;
    struct store_escalation_counts counts;
    bool full; // a level filled its batch: another job follows
    struct due due[STORE_ESCALATION_BATCH];
};

// Running records past their deadline not yet red, and records from their
// warn_at on not yet escalated at all, each on its partial index (the terms
// after WHERE repeat the index's own condition, so both engines use it).
static const char SQL_DUE_RED[] =
    "SELECT s.id, s.case_id, COALESCE(s.unit_id, 0), COALESCE(c.district_id, 0), "
    "COALESCE(s.deadline, 0), s.stage, s.phase FROM case_stage s "
    "JOIN case_record c ON c.id = s.case_id "
    "WHERE s.ended_at IS NULL AND s.escalated < 2 AND s.deadline < :now "
    "ORDER BY s.deadline, s.id LIMIT :limit";
static const char SQL_DUE_YELLOW[] =
    "SELECT s.id, s.case_id, COALESCE(s.unit_id, 0), COALESCE(c.district_id, 0), "
    "COALESCE(s.deadline, 0), s.stage, s.phase FROM case_stage s "
    "JOIN case_record c ON c.id = s.case_id "
    "WHERE s.ended_at IS NULL AND s.escalated = 0 AND s.warn_at <= :now "
    "ORDER BY s.warn_at, s.id LIMIT :limit";

// Reads up to STORE_ESCALATION_BATCH due records into job->due. Returns the
// number read, or -1 on error.
static int due_load(struct store_tx *tx, const char *sql, struct scan_job *job)
{
    struct store_stmt *stmt = store_tx_stmt(tx, sql);
    if (stmt == NULL)
        return -1;
    store_bind_int(stmt, ":now", job->now);
    store_bind_int(stmt, ":limit", STORE_ESCALATION_BATCH);
    int n = 0, rc;
    while ((rc = store_step(stmt)) == STORE_ROW && n < STORE_ESCALATION_BATCH) {
        struct due *d = &job->due[n++];
        d->stage_id = store_col_int64(stmt, 0);
        d->case_id = store_col_int64(stmt, 1);
        d->unit_id = store_col_int64(stmt, 2);
        d->district_id = store_col_int64(stmt, 3);
        d->deadline = store_col_int64(stmt, 4);
        store_column_copy(d->stage, sizeof d->stage, stmt, 5);
        store_column_copy(d->phase, sizeof d->phase, stmt, 6);
    }
    if (rc != STORE_DONE && rc != STORE_ROW)
        log_error("store: escalation scan failed: %s", store_stmt_error(stmt));
    store_stmt_done(stmt);
    return rc == STORE_DONE || rc == STORE_ROW ? n : -1;
}

// Claims a record for a level: raises its level when it still runs below it.
// Returns STORE_OK (claimed), STORE_NOT_FOUND (ended, or escalated meanwhile by
// another server) or STORE_ERROR.
static int claim(struct store_tx *tx, const struct due *d, enum level level)
{
    static const char SQL[] = "UPDATE case_stage SET escalated = :level "
                              "WHERE id = :id AND ended_at IS NULL AND escalated < :level";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":level", level);
    store_bind_int(stmt, ":id", d->stage_id);
    int rc = store_exec_stmt(stmt);
    if (rc != STORE_OK)
        return STORE_ERROR;
    return store_stmt_changes(stmt) == 1 ? STORE_OK : STORE_NOT_FOUND;
}

// Inserts the escalation row; its id into *id. Returns STORE_OK, STORE_CONFLICT
// (recorded before: the unique key) or STORE_ERROR.
static int escalation_insert(struct store_tx *tx, const struct due *d, const char *level,
                             int64_t now, int64_t *id)
{
    static const char SQL_INSERT[] =
        "INSERT INTO case_escalation (stage_id, case_id, level, created_at) "
        "VALUES (:stage, :case, :level, :now) ON CONFLICT (stage_id, level) DO NOTHING";
    static const char SQL_ID[] =
        "SELECT id FROM case_escalation WHERE stage_id = :stage AND level = :level";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL_INSERT);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":stage", d->stage_id);
    store_bind_int(stmt, ":case", d->case_id);
    store_bind_text(stmt, ":level", level);
    store_bind_int(stmt, ":now", now);
    if (store_exec_stmt(stmt) != STORE_OK)
        return STORE_ERROR;
    if (store_stmt_changes(stmt) != 1)
        return STORE_CONFLICT;
    struct store_stmt *select = store_tx_stmt(tx, SQL_ID);
    if (select == NULL)
        return STORE_ERROR;
    store_bind_int(select, ":stage", d->stage_id);
    store_bind_text(select, ":level", level);
    int rc = store_step_row(select);
    *id = rc == STORE_OK ? store_col_int64(select, 0) : 0;
    store_stmt_done(select);
    return rc == STORE_OK ? STORE_OK : STORE_ERROR;
}

// Puts a message in a unit's inbox and names the recipient in the event's
// data. Returns a store result.
static int inbox_add(struct store_tx *tx, const struct due *d, int64_t escalation_id,
                     int64_t unit_id, const char *audience, const char *kind, int64_t now,
                     cJSON *recipients)
{
    static const char SQL[] =
        "INSERT INTO inbox_message (unit_id, audience, kind, escalation_id, case_id, created_at) "
        "VALUES (:unit, :audience, :kind, :escalation, :case, :now)";
    if (unit_id <= 0)
        return STORE_OK;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":unit", unit_id);
    store_bind_text(stmt, ":audience", audience);
    store_bind_text(stmt, ":kind", kind);
    store_bind_int(stmt, ":escalation", escalation_id);
    store_bind_int(stmt, ":case", d->case_id);
    store_bind_int(stmt, ":now", now);
    int rc = store_exec_stmt(stmt);
    if (rc != STORE_OK)
        return rc == STORE_CONFLICT ? STORE_ERROR : rc; // a broken reference is a bug
    cJSON *recipient = cJSON_CreateObject();
    cJSON_AddNumberToObject(recipient, "unit_id", (double)unit_id);
    cJSON_AddStringToObject(recipient, "audience", audience);
    cJSON_AddItemToArray(recipients, recipient);
    return STORE_OK;
}

// The event of an escalation and the count on its case.
static int record_on_case(struct store_tx *tx, const struct due *d, enum level level,
                          int64_t escalation_id, int64_t now, cJSON *recipients)
{
    static const char SQL_STATE[] = "SELECT state FROM case_record WHERE id = :id";
    static const char SQL_REMIND[] =
        "UPDATE case_record SET remind_count = remind_count + 1 WHERE id = :id";
    static const char SQL_SUPERVISE[] =
        "UPDATE case_record SET auto_supervise_count = auto_supervise_count + 1 WHERE id = :id";
    struct store_stmt *stmt = store_tx_stmt(tx, level == LEVEL_RED ? SQL_SUPERVISE : SQL_REMIND);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", d->case_id);
    if (store_exec_stmt(stmt) != STORE_OK)
        return STORE_ERROR;
    struct store_stmt *state = store_tx_stmt(tx, SQL_STATE);
    if (state == NULL)
        return STORE_ERROR;
    store_bind_int(state, ":id", d->case_id);
    char state_name[16] = "";
    int rc = store_step_row(state);
    if (rc == STORE_OK)
        store_column_copy(state_name, sizeof state_name, state, 0);
    store_stmt_done(state);
    if (rc != STORE_OK)
        return STORE_ERROR;
    cJSON *facts = cJSON_CreateObject();
    cJSON_AddStringToObject(facts, "level", level == LEVEL_RED ? "red" : "yellow");
    cJSON_AddNumberToObject(facts, "escalation_id", (double)escalation_id);
    cJSON_AddStringToObject(facts, "stage", d->stage);
    if (d->phase[0] != '\0')
        cJSON_AddStringToObject(facts, "phase", d->phase);
    cJSON_AddNumberToObject(facts, "deadline", (double)d->deadline);
    cJSON_AddItemReferenceToObject(facts, "recipients", recipients);
    char *data = cJSON_PrintUnformatted(facts);
    cJSON_Delete(facts);
    if (data == NULL)
        return STORE_ERROR;
    struct audit_event event = {
        .case_id = d->case_id,
        .action = level == LEVEL_RED ? "auto-supervise" : "remind",
        .from_state = state_name,
        .to_state = state_name,
        .actor_role = "system",
        .actor_name = "system",
        .data = data,
        .created_at = now,
    };
    rc = store_case_event_append_tx(tx, &event);
    free(data);
    return rc;
}

// Escalates one due record to a level. Returns STORE_OK (recorded),
// STORE_NOT_FOUND (nothing to do: claimed or recorded before) or STORE_ERROR.
static int escalate(struct store_tx *tx, const struct due *d, enum level level, int64_t now)
{
    int rc = claim(tx, d, level);
    if (rc != STORE_OK)
        return rc;
    int64_t escalation_id = 0;
    rc = escalation_insert(tx, d, level == LEVEL_RED ? "red" : "yellow", now, &escalation_id);
    if (rc == STORE_CONFLICT)
        return STORE_NOT_FOUND;
    if (rc != STORE_OK)
        return rc;
    cJSON *recipients = cJSON_CreateArray();
    if (recipients == NULL)
        return STORE_ERROR;
    const char *kind = level == LEVEL_RED ? "supervise" : "remind";
    rc = inbox_add(tx, d, escalation_id, d->unit_id, "unit", kind, now, recipients);
    if (rc == STORE_OK && level == LEVEL_RED)
        rc = inbox_add(tx, d, escalation_id, d->district_id, "leaders", kind, now, recipients);
    if (rc == STORE_OK)
        rc = record_on_case(tx, d, level, escalation_id, now, recipients);
    cJSON_Delete(recipients);
    return rc;
}

// One level of a job: load what is due, escalate each. Returns a store result.
static int scan_level(struct store_tx *tx, struct scan_job *job, enum level level)
{
    int n = due_load(tx, level == LEVEL_RED ? SQL_DUE_RED : SQL_DUE_YELLOW, job);
    if (n < 0)
        return STORE_ERROR;
    job->full = job->full || n == STORE_ESCALATION_BATCH;
    for (int i = 0; i < n; i++) {
        int rc = escalate(tx, &job->due[i], level, job->now);
        if (rc == STORE_ERROR)
            return rc;
        if (rc == STORE_OK && level == LEVEL_RED)
            job->counts.supervised++;
        else if (rc == STORE_OK)
            job->counts.reminded++;
    }
    return STORE_OK;
}

static int scan_job(struct store_tx *tx, void *data)
{
    struct scan_job *job = data;
    job->counts = (struct store_escalation_counts){0, 0};
    job->full = false;
    // Red first: a record found past its deadline is told as such, not reminded.
    int rc = scan_level(tx, job, LEVEL_RED);
    return rc == STORE_OK ? scan_level(tx, job, LEVEL_YELLOW) : rc;
}

int store_escalation_scan(struct store *store, int64_t now, struct store_escalation_counts *out)
{
    struct store_escalation_counts total = {0, 0};
    struct scan_job *job = malloc(sizeof *job);
    if (job == NULL)
        return STORE_ERROR;
    job->now = now;
    int rc;
    do {
        rc = store_write(store, scan_job, job);
        if (rc == STORE_OK) {
            total.reminded += job->counts.reminded;
            total.supervised += job->counts.supervised;
        }
    } while (rc == STORE_OK && job->full);
    free(job);
    if (out != NULL)
        *out = total;
    return rc;
}

// ---- the inbox ----

int store_inbox_list(struct store *store, const struct store_inbox_owner *owner, bool unread_only,
                     int64_t before_id, int limit,
                     void (*fn)(const struct store_inbox_item *item, void *data), void *data,
                     bool *more)
{
    static const char SQL[] =
        "SELECT m.id, m.kind, m.audience, e.level, m.case_id, c.case_no, s.stage, s.phase, "
        "COALESCE(s.deadline, 0), m.created_at, COALESCE(m.read_at, 0) FROM inbox_message m "
        "JOIN case_escalation e ON e.id = m.escalation_id "
        "JOIN case_stage s ON s.id = e.stage_id JOIN case_record c ON c.id = m.case_id "
        "WHERE m.unit_id = :unit AND m.id < :before AND (m.audience = 'unit' OR :leader = 1) "
        "AND (:unread = 0 OR m.read_at IS NULL) ORDER BY m.id DESC LIMIT :limit";
    *more = false;
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":unit", owner->unit_id);
    store_bind_int(stmt, ":before", before_id > 0 ? before_id : INT64_MAX);
    store_bind_int(stmt, ":leader", owner->leader ? 1 : 0);
    store_bind_int(stmt, ":unread", unread_only ? 1 : 0);
    store_bind_int(stmt, ":limit", (int64_t)limit + 1);
    int rc, n = 0;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        if (n++ == limit) {
            *more = true;
            continue;
        }
        struct store_inbox_item item = {
            .id = store_col_int64(stmt, 0),
            .kind = store_col_text(stmt, 1),
            .audience = store_col_text(stmt, 2),
            .level = store_col_text(stmt, 3),
            .case_id = store_col_int64(stmt, 4),
            .case_no = store_col_text(stmt, 5),
            .stage = store_col_text(stmt, 6),
            .phase = store_col_text(stmt, 7),
            .deadline = store_col_int64(stmt, 8),
            .created_at = store_col_int64(stmt, 9),
            .read_at = store_col_int64(stmt, 10),
        };
        fn(&item, data);
    }
    if (rc != STORE_DONE)
        log_error("store: inbox list failed: %s", store_stmt_error(stmt));
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

struct read_job {
    const struct store_inbox_owner *owner;
    int64_t id, user_id, now;
};

static int read_job(struct store_tx *tx, void *data)
{
    static const char SQL[] =
        "UPDATE inbox_message SET read_at = COALESCE(read_at, :now), "
        "read_by = COALESCE(read_by, :user) WHERE id = :id AND unit_id = :unit "
        "AND (audience = 'unit' OR :leader = 1)";
    struct read_job *job = data;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":now", job->now);
    store_bind_id(stmt, ":user", job->user_id);
    store_bind_int(stmt, ":id", job->id);
    store_bind_int(stmt, ":unit", job->owner->unit_id);
    store_bind_int(stmt, ":leader", job->owner->leader ? 1 : 0);
    if (store_exec_stmt(stmt) != STORE_OK)
        return STORE_ERROR;
    return store_stmt_changes(stmt) == 1 ? STORE_OK : STORE_NOT_FOUND;
}

int store_inbox_mark_read(struct store *store, const struct store_inbox_owner *owner, int64_t id,
                          int64_t user_id, int64_t now)
{
    struct read_job job = {owner, id, user_id, now};
    return store_write(store, read_job, &job);
}
