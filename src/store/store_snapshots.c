// SPDX-License-Identifier: MIT
// SQL for the red and black lists (红黑榜): publishing a frozen assessment
// snapshot with its audit_log entry in one write job, reading snapshots back,
// appending to audit_log (the second hash chain) and verifying it together with
// every snapshot's body hash. Same SQL on every engine.
#include "store_snapshots.h"

#include "audit.h"
#include "engine.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNAPSHOT_SUBJECT "assessment_snapshot"

int store_audit_log_append_tx(struct store_tx *tx, const struct audit_log_entry *e)
{
    static const char SQL_LAST[] = "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1";
    static const char SQL[] =
        "INSERT INTO audit_log (actor_user_id, actor_role, actor_name, action, subject_kind, "
        "subject_id, data, created_at, prev_hash, hash) VALUES (:actor, :role, :name, :action, "
        ":kind, :subject, :data, :at, :prev, :hash)";
    struct store_stmt *last = store_tx_stmt(tx, SQL_LAST);
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (last == NULL || stmt == NULL)
        return STORE_ERROR;
    char prev[AUDIT_HASH_HEX] = "";
    if (store_step(last) == STORE_ROW)
        store_column_copy(prev, sizeof prev, last, 0);
    store_stmt_done(last);
    // What is stored is exactly what is hashed: NULL texts become "".
    struct audit_log_entry entry = *e;
    entry.actor_role = e->actor_role ? e->actor_role : "";
    entry.actor_name = e->actor_name ? e->actor_name : "";
    entry.subject_kind = e->subject_kind ? e->subject_kind : "";
    entry.data = e->data ? e->data : "{}";
    char hash[AUDIT_HASH_HEX];
    audit_log_hash(prev, &entry, hash);
    store_bind_id(stmt, ":actor", entry.actor_user_id);
    store_bind_text(stmt, ":role", entry.actor_role);
    store_bind_text(stmt, ":name", entry.actor_name);
    store_bind_text(stmt, ":action", entry.action);
    store_bind_text(stmt, ":kind", entry.subject_kind);
    store_bind_int(stmt, ":subject", entry.subject_id);
    store_bind_text(stmt, ":data", entry.data);
    store_bind_int(stmt, ":at", entry.created_at);
    store_bind_text(stmt, ":prev", prev);
    store_bind_text(stmt, ":hash", hash);
    return store_exec_stmt(stmt);
}

// ---- publishing ----

struct publish_job {
    const struct store_snapshot_new *in;
    int64_t id;
    int revision;
};

// The revision a correction of in->supersedes_id gets: the latest of its
// period and group plus one. Returns STORE_OK, STORE_NOT_FOUND or STORE_CONFLICT.
static int correction_revision(struct store_tx *tx, const struct store_snapshot_new *in,
                               int *revision)
{
    static const char SQL[] =
        "SELECT s.revision, (SELECT MAX(revision) FROM assessment_snapshot m "
        "WHERE m.period = s.period AND m.group_name = s.group_name) FROM assessment_snapshot s "
        "WHERE s.id = :id AND s.period = :period AND s.group_name = :group";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", in->supersedes_id);
    store_bind_text(stmt, ":period", in->period);
    store_bind_text(stmt, ":group", in->group);
    int rc = store_step_row(stmt);
    int own = rc == STORE_OK ? store_col_int(stmt, 0) : 0;
    int latest = rc == STORE_OK ? store_col_int(stmt, 1) : 0;
    store_stmt_done(stmt);
    if (rc != STORE_OK)
        return rc;
    *revision = latest + 1;
    return own == latest ? STORE_OK : STORE_CONFLICT;
}

// The publication's entry in audit_log.
static int publish_entry(struct store_tx *tx, const struct publish_job *job, const char *hash)
{
    const struct store_snapshot_new *in = job->in;
    cJSON *facts = cJSON_CreateObject();
    cJSON_AddStringToObject(facts, "period", in->period);
    cJSON_AddStringToObject(facts, "group", in->group);
    cJSON_AddNumberToObject(facts, "revision", job->revision);
    if (in->supersedes_id > 0)
        cJSON_AddNumberToObject(facts, "supersedes_id", (double)in->supersedes_id);
    else
        cJSON_AddNullToObject(facts, "supersedes_id");
    cJSON_AddStringToObject(facts, "reason", in->reason ? in->reason : "");
    cJSON_AddStringToObject(facts, "body_hash", hash);
    char *data = cJSON_PrintUnformatted(facts);
    cJSON_Delete(facts);
    if (data == NULL)
        return STORE_ERROR;
    struct audit_log_entry entry = {
        .actor_user_id = in->actor_user_id,
        .actor_role = in->actor_role,
        .actor_name = in->actor_name,
        .action = in->supersedes_id > 0 ? "snapshot.correct" : "snapshot.publish",
        .subject_kind = SNAPSHOT_SUBJECT,
        .subject_id = job->id,
        .data = data,
        .created_at = in->created_at,
    };
    int rc = store_audit_log_append_tx(tx, &entry);
    free(data);
    return rc;
}

static int publish_job(struct store_tx *tx, void *data)
{
    static const char SQL_INSERT[] =
        "INSERT INTO assessment_snapshot (period, group_name, revision, supersedes_id, reason, "
        "body, body_hash, created_at, created_by) VALUES (:period, :group, :revision, "
        ":supersedes, :reason, :body, :hash, :at, :by) "
        "ON CONFLICT (period, group_name, revision) DO NOTHING";
    static const char SQL_ID[] = "SELECT id FROM assessment_snapshot "
                                 "WHERE period = :period AND group_name = :group AND "
                                 "revision = :revision";
    struct publish_job *job = data;
    const struct store_snapshot_new *in = job->in;
    job->revision = 1;
    if (in->supersedes_id > 0) {
        int rc = correction_revision(tx, in, &job->revision);
        if (rc != STORE_OK)
            return rc;
    }
    char hash[AUDIT_HASH_HEX];
    audit_text_hash(in->body, hash);
    struct store_stmt *stmt = store_tx_stmt(tx, SQL_INSERT);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":period", in->period);
    store_bind_text(stmt, ":group", in->group);
    store_bind_int(stmt, ":revision", job->revision);
    store_bind_id(stmt, ":supersedes", in->supersedes_id);
    store_bind_text(stmt, ":reason", in->reason ? in->reason : "");
    store_bind_text(stmt, ":body", in->body);
    store_bind_text(stmt, ":hash", hash);
    store_bind_int(stmt, ":at", in->created_at);
    store_bind_id(stmt, ":by", in->actor_user_id);
    if (store_exec_stmt(stmt) != STORE_OK)
        return STORE_ERROR;
    if (store_stmt_changes(stmt) != 1)
        return STORE_CONFLICT; // frozen before, here or by another server
    struct store_stmt *select = store_tx_stmt(tx, SQL_ID);
    if (select == NULL)
        return STORE_ERROR;
    store_bind_text(select, ":period", in->period);
    store_bind_text(select, ":group", in->group);
    store_bind_int(select, ":revision", job->revision);
    int rc = store_step_row(select);
    job->id = rc == STORE_OK ? store_col_int64(select, 0) : 0;
    store_stmt_done(select);
    if (rc != STORE_OK)
        return STORE_ERROR;
    return publish_entry(tx, job, hash);
}

int store_snapshot_publish(struct store *store, const struct store_snapshot_new *in, int64_t *id,
                           int *revision)
{
    struct publish_job job = {.in = in};
    int rc = store_write(store, publish_job, &job);
    *id = rc == STORE_OK ? job.id : 0;
    *revision = rc == STORE_OK ? job.revision : 0;
    return rc;
}

// ---- reading ----

#define SNAPSHOT_COLUMNS                                                                           \
    "s.id, s.period, s.group_name, s.revision, COALESCE(s.supersedes_id, 0), "                     \
    "COALESCE((SELECT n.id FROM assessment_snapshot n WHERE n.supersedes_id = s.id), 0), "         \
    "s.reason, s.body_hash, s.created_at, COALESCE(s.created_by, 0) "

// Reads the row of SNAPSHOT_COLUMNS (and the body in the column after them,
// when with_body) and calls fn.
static void emit(struct store_stmt *stmt, bool with_body,
                 void (*fn)(const struct store_snapshot *s, void *data), void *data)
{
    struct store_snapshot s = {
        .id = store_col_int64(stmt, 0),
        .period = store_col_text(stmt, 1),
        .group = store_col_text(stmt, 2),
        .revision = store_col_int(stmt, 3),
        .supersedes_id = store_col_int64(stmt, 4),
        .superseded_by = store_col_int64(stmt, 5),
        .reason = store_col_text(stmt, 6),
        .body_hash = store_col_text(stmt, 7),
        .created_at = store_col_int64(stmt, 8),
        .created_by = store_col_int64(stmt, 9),
        .body = with_body ? store_col_text(stmt, 10) : NULL,
    };
    fn(&s, data);
}

// Steps stmt to its end calling fn per row, then store_stmt_done. Returns
// STORE_OK (rows, or none) or STORE_ERROR (logged).
static int emit_all(struct store_stmt *stmt, bool with_body,
                    void (*fn)(const struct store_snapshot *s, void *data), void *data, int *rows)
{
    int rc, n = 0;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        emit(stmt, with_body, fn, data);
        n++;
    }
    if (rc != STORE_DONE)
        log_error("store: reading snapshots failed: %s", store_stmt_error(stmt));
    store_stmt_done(stmt);
    if (rows != NULL)
        *rows = n;
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

int store_snapshot_list(struct store *store, const char *period, const char *group,
                        void (*fn)(const struct store_snapshot *s, void *data), void *data)
{
    static const char SQL[] = "SELECT " SNAPSHOT_COLUMNS "FROM assessment_snapshot s "
                              "WHERE (s.period = :period OR :period IS NULL) "
                              "AND (s.group_name = :group OR :group IS NULL) "
                              "ORDER BY s.period DESC, s.group_name, s.revision";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":period", period);
    store_bind_text(stmt, ":group", group);
    return emit_all(stmt, false, fn, data, NULL);
}

int store_snapshot_get(struct store *store, int64_t id,
                       void (*fn)(const struct store_snapshot *s, void *data), void *data)
{
    static const char SQL[] =
        "SELECT " SNAPSHOT_COLUMNS ", s.body FROM assessment_snapshot s WHERE s.id = :id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", id);
    int rows = 0;
    int rc = emit_all(stmt, true, fn, data, &rows);
    return rc == STORE_OK && rows == 0 ? STORE_NOT_FOUND : rc;
}

// The latest period any of the groups was frozen for, into out ("" for none).
static int latest_period(struct store *store, const char *const *groups, size_t count, char *out,
                         size_t size)
{
    static const char SQL[] =
        "SELECT MAX(period) FROM assessment_snapshot WHERE group_name = :group";
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        struct store_stmt *stmt = store_read_stmt(store, SQL);
        if (stmt == NULL)
            return STORE_ERROR;
        store_bind_text(stmt, ":group", groups[i]);
        int rc = store_step_row(stmt);
        const char *period = rc == STORE_OK ? store_col_text(stmt, 0) : NULL;
        if (period != NULL && strcmp(period, out) > 0)
            snprintf(out, size, "%s", period);
        store_stmt_done(stmt);
        if (rc == STORE_ERROR)
            return rc;
    }
    return STORE_OK;
}

int store_snapshot_latest(struct store *store, const char *period, const char *const *groups,
                          size_t count, void (*fn)(const struct store_snapshot *s, void *data),
                          void *data)
{
    static const char SQL[] = "SELECT " SNAPSHOT_COLUMNS ", s.body FROM assessment_snapshot s "
                              "WHERE s.period = :period AND s.group_name = :group "
                              "ORDER BY s.revision DESC LIMIT 1";
    char latest[16];
    if (period == NULL || period[0] == '\0') {
        if (latest_period(store, groups, count, latest, sizeof latest) != STORE_OK)
            return STORE_ERROR;
        period = latest;
        if (period[0] == '\0')
            return STORE_OK;
    }
    for (size_t i = 0; i < count; i++) {
        struct store_stmt *stmt = store_read_stmt(store, SQL);
        if (stmt == NULL)
            return STORE_ERROR;
        store_bind_text(stmt, ":period", period);
        store_bind_text(stmt, ":group", groups[i]);
        if (emit_all(stmt, true, fn, data, NULL) != STORE_OK)
            return STORE_ERROR;
    }
    return STORE_OK;
}

int store_snapshot_frozen_groups(struct store *store, const char *period, int *count)
{
    static const char SQL[] =
        "SELECT COUNT(DISTINCT group_name) FROM assessment_snapshot WHERE period = :period";
    *count = 0;
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":period", period);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        *count = store_col_int(stmt, 0);
    store_stmt_done(stmt);
    return rc == STORE_OK ? STORE_OK : STORE_ERROR;
}

// ---- verification ----

// A snapshot's publication as audit_log records it.
struct published {
    int64_t snapshot_id;
    char body_hash[AUDIT_HASH_HEX];
    bool seen; // its snapshot row was found
};

struct log_walk {
    struct published *items;
    size_t count, capacity;
};

// Keeps the body hash a snapshot entry carries. Returns false when out of memory.
static bool keep_published(struct log_walk *w, int64_t snapshot_id, const char *data)
{
    if (w->count == w->capacity) {
        size_t capacity = w->capacity ? w->capacity * 2 : 64;
        struct published *items = realloc(w->items, capacity * sizeof *items);
        if (items == NULL)
            return false;
        w->items = items;
        w->capacity = capacity;
    }
    struct published *p = &w->items[w->count++];
    memset(p, 0, sizeof *p);
    p->snapshot_id = snapshot_id;
    cJSON *json = cJSON_Parse(data ? data : "");
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(json, "body_hash");
    if (cJSON_IsString(hash))
        snprintf(p->body_hash, sizeof p->body_hash, "%s", hash->valuestring);
    cJSON_Delete(json);
    return true;
}

// Walks the audit_log chain into out, keeping the snapshot entries in w.
static int walk_log(struct store *store, struct log_walk *w, struct store_audit_log_report *out)
{
    static const char SQL[] = "SELECT id, COALESCE(actor_user_id, 0), actor_role, actor_name, "
                              "action, subject_kind, subject_id, data, created_at, prev_hash, "
                              "hash FROM audit_log ORDER BY id";
    struct store_stmt *s = store_read_stmt(store, SQL);
    if (s == NULL)
        return STORE_ERROR;
    struct audit_verifier verifier;
    audit_verify_init(&verifier);
    int rc = STORE_DONE;
    bool memory = true;
    while (memory && out->broken_entry == 0 && (rc = store_step(s)) == STORE_ROW) {
        struct audit_log_entry entry = {
            .actor_user_id = store_col_int64(s, 1),
            .actor_role = store_col_text(s, 2),
            .actor_name = store_col_text(s, 3),
            .action = store_col_text(s, 4),
            .subject_kind = store_col_text(s, 5),
            .subject_id = store_col_int64(s, 6),
            .data = store_col_text(s, 7),
            .created_at = store_col_int64(s, 8),
        };
        char expected[AUDIT_HASH_HEX];
        audit_log_hash(verifier.previous, &entry, expected);
        if (!audit_verify_link(&verifier, expected, store_col_text(s, 9), store_col_text(s, 10))) {
            out->broken_entry = store_col_int64(s, 0);
            snprintf(out->problem, sizeof out->problem,
                     "audit_log entry %lld (%s) does not match its hash chain",
                     (long long)out->broken_entry, entry.action ? entry.action : "");
        } else if (entry.subject_kind && strcmp(entry.subject_kind, SNAPSHOT_SUBJECT) == 0)
            memory = keep_published(w, entry.subject_id, entry.data);
    }
    if (out->broken_entry == 0 && memory && rc != STORE_DONE)
        log_error("store: reading audit_log failed: %s", store_stmt_error(s));
    store_stmt_done(s);
    out->entries = verifier.count;
    return out->broken_entry != 0 || (memory && rc == STORE_DONE) ? STORE_OK : STORE_ERROR;
}

// Checks one snapshot against its body and its publication entries. Returns
// false (with the problem in out) when it does not match.
static bool check_snapshot(struct log_walk *w, int64_t id, const char *body, const char *body_hash,
                           struct store_audit_log_report *out)
{
    char actual[AUDIT_HASH_HEX];
    audit_text_hash(body ? body : "", actual);
    const char *problem = NULL;
    struct published *entry = NULL;
    for (size_t i = 0; i < w->count && entry == NULL; i++)
        if (w->items[i].snapshot_id == id)
            entry = &w->items[i];
    if (strcmp(actual, body_hash ? body_hash : "") != 0)
        problem = "its body does not hash to its body_hash (the body was changed)";
    else if (entry == NULL)
        problem = "audit_log has no entry publishing it";
    else if (strcmp(entry->body_hash, actual) != 0)
        problem = "its body hash differs from the one its audit_log entry carries";
    if (entry != NULL)
        entry->seen = true;
    if (problem == NULL)
        return true;
    out->broken_snapshot = id;
    snprintf(out->problem, sizeof out->problem, "assessment snapshot %lld: %s", (long long)id,
             problem);
    return false;
}

int store_audit_log_verify(struct store *store, struct store_audit_log_report *out)
{
    static const char SQL[] = "SELECT id, body, body_hash FROM assessment_snapshot ORDER BY id";
    memset(out, 0, sizeof *out);
    struct log_walk w = {0};
    int rc = walk_log(store, &w, out);
    struct store_stmt *s =
        rc == STORE_OK && out->broken_entry == 0 ? store_read_stmt(store, SQL) : NULL;
    if (s != NULL) {
        int step;
        while ((step = store_step(s)) == STORE_ROW) {
            out->snapshots++;
            if (!check_snapshot(&w, store_col_int64(s, 0), store_col_text(s, 1),
                                store_col_text(s, 2), out))
                break;
        }
        if (step != STORE_ROW && step != STORE_DONE) {
            log_error("store: reading snapshots failed: %s", store_stmt_error(s));
            rc = STORE_ERROR;
        }
        store_stmt_done(s);
    } else if (rc == STORE_OK && out->broken_entry == 0)
        rc = STORE_ERROR;
    for (size_t i = 0; rc == STORE_OK && out->problem[0] == '\0' && i < w.count; i++)
        if (!w.items[i].seen) {
            out->broken_snapshot = w.items[i].snapshot_id;
            snprintf(out->problem, sizeof out->problem,
                     "assessment snapshot %lld: published in audit_log, but the row is gone",
                     (long long)w.items[i].snapshot_id);
        }
    free(w.items);
    return rc;
}
