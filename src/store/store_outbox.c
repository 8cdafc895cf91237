// SPDX-License-Identifier: MIT
// The transactional outbox's SQL: a hotline case's state change becomes an
// outbox row in the write job that appends its event (store_outbox_event_tx,
// called by store_case_event_append_tx), claimed under a lease by the delivery
// thread, marked delivered or scheduled again; dead letters listed and replayed.
// Also token callbacks and the token that filed a case. Same SQL on every engine.
#include "store_outbox.h"

#include "admin_audit.h"
#include "audit.h"
#include "engine.h"
#include "log.h"
#include "outbox.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void store_outbox_message_free(struct store_outbox_message *m)
{
    if (m == NULL)
        return;
    free(m->payload);
    m->payload = NULL;
}

// ---- callbacks and filers ----

struct callback_set_job {
    const char *name;
    int64_t token_id;
    const char *url, *secret;
    const struct store_actor *actor;
};

static int callback_set_job(struct store_tx *tx, void *data)
{
    static const char SQL_BY_NAME[] = "SELECT id FROM api_token WHERE name = :name";
    static const char SQL_BY_ID[] = "SELECT id FROM api_token WHERE id = :id";
    static const char SQL_OLD[] = "SELECT url FROM token_callback WHERE token_id = :id";
    static const char SQL_DELETE[] = "DELETE FROM token_callback WHERE token_id = :id";
    static const char SQL_INSERT[] =
        "INSERT INTO token_callback (token_id, url, secret, created_at, updated_at) "
        "VALUES (:id, :url, :secret, :now, :now)";
    struct callback_set_job *job = data;
    struct store_stmt *find = store_tx_stmt(tx, job->name ? SQL_BY_NAME : SQL_BY_ID);
    if (find == NULL)
        return STORE_ERROR;
    if (job->name)
        store_bind_text(find, ":name", job->name);
    else
        store_bind_int(find, ":id", job->token_id);
    int rc = store_step_row(find);
    if (rc == STORE_OK)
        job->token_id = store_col_int64(find, 0);
    store_stmt_done(find);
    if (rc != STORE_OK)
        return rc;
    struct store_stmt *old = store_tx_stmt(tx, SQL_OLD);
    if (old == NULL)
        return STORE_ERROR;
    store_bind_int(old, ":id", job->token_id);
    cJSON *before = NULL;
    if ((rc = store_step_row(old)) == STORE_OK) {
        before = cJSON_CreateObject();
        cJSON_AddStringToObject(before, "url", store_col_text(old, 0));
    }
    store_stmt_done(old);
    struct store_stmt *del = store_tx_stmt(tx, SQL_DELETE);
    struct store_stmt *ins = store_tx_stmt(tx, SQL_INSERT);
    if (rc == STORE_ERROR || del == NULL || ins == NULL) {
        cJSON_Delete(before);
        return STORE_ERROR;
    }
    store_bind_int(del, ":id", job->token_id);
    if ((rc = store_exec_stmt(del)) != STORE_OK) {
        cJSON_Delete(before);
        return STORE_ERROR;
    }
    store_bind_int(ins, ":id", job->token_id);
    store_bind_text(ins, ":url", job->url);
    store_bind_text(ins, ":secret", job->secret);
    store_bind_int(ins, ":now", store_now_ms());
    if ((rc = store_exec_stmt(ins)) != STORE_OK) {
        cJSON_Delete(before);
        return STORE_ERROR;
    }
    // The secret never enters the log: only that it changed.
    cJSON *after = cJSON_CreateObject();
    cJSON_AddStringToObject(after, "url", job->url);
    cJSON_AddBoolToObject(after, "secret_changed", true);
    return store_admin_audit_tx(tx, job->actor, "token.callback", "api_token", job->token_id,
                                before, after);
}

int store_token_callback_set(struct store *store, const char *name, int64_t token_id,
                             const char *url, const char *secret_hex,
                             const struct store_actor *actor, int64_t *token_id_out)
{
    struct callback_set_job job = {name, token_id, url, secret_hex, actor};
    int rc = store_write(store, callback_set_job, &job);
    if (rc == STORE_OK && token_id_out != NULL)
        *token_id_out = job.token_id;
    return rc;
}

int store_token_callback_get(struct store *store, int64_t token_id,
                             struct store_outbox_callback *out)
{
    static const char SQL[] = "SELECT cb.url, cb.secret FROM token_callback cb JOIN api_token t "
                              "ON t.id = cb.token_id WHERE cb.token_id = :id AND NOT t.disabled";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", token_id);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK) {
        store_column_copy(out->url, sizeof out->url, stmt, 0);
        store_column_copy(out->secret, sizeof out->secret, stmt, 1);
    }
    store_stmt_done(stmt);
    return rc;
}

int store_token_list(struct store *store, void (*fn)(const struct store_token_row *row, void *data),
                     void *data)
{
    static const char SQL[] =
        "SELECT t.id, t.name, t.channel, u.username, t.disabled, t.created_at, "
        "COALESCE(cb.url, '') FROM api_token t JOIN app_user u ON u.id = t.user_id "
        "LEFT JOIN token_callback cb ON cb.token_id = t.id ORDER BY t.id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    struct store_token_row row;
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        memset(&row, 0, sizeof row);
        row.id = store_col_int64(stmt, 0);
        store_column_copy(row.name, sizeof row.name, stmt, 1);
        store_column_copy(row.channel, sizeof row.channel, stmt, 2);
        store_column_copy(row.username, sizeof row.username, stmt, 3);
        row.disabled = store_col_int(stmt, 4) != 0;
        row.created_at = store_col_int64(stmt, 5);
        store_column_copy(row.callback_url, sizeof row.callback_url, stmt, 6);
        fn(&row, data);
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

int store_case_filer_token_tx(struct store_tx *tx, int64_t case_id, int64_t token_id)
{
    static const char SQL[] =
        "INSERT INTO case_filer_token (case_id, token_id) VALUES (:case, :token)";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case", case_id);
    store_bind_int(stmt, ":token", token_id);
    int rc = store_exec_stmt(stmt);
    return rc == STORE_CONFLICT ? STORE_ERROR : rc;
}

int store_hotline_case_find(struct store *store, int64_t token_id, int64_t user_id,
                            const char *channel, const char *external_id, int64_t *case_id)
{
    static const char SQL[] =
        "SELECT c.id FROM case_record c LEFT JOIN case_filer_token f ON f.case_id = c.id "
        "WHERE c.source = :channel AND c.external_id = :external AND "
        "(f.token_id = :token OR (f.token_id IS NULL AND c.reporter_user_id = :user))";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":channel", channel);
    store_bind_text(stmt, ":external", external_id);
    store_bind_int(stmt, ":token", token_id);
    store_bind_int(stmt, ":user", user_id);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        *case_id = store_col_int64(stmt, 0);
    store_stmt_done(stmt);
    return rc;
}

// ---- writing a message with the change ----

// The case facts a hotline payload carries, read after the change was saved.
static int case_facts_tx(struct store_tx *tx, int64_t case_id, cJSON *payload, cJSON *details,
                         const char *event)
{
    static const char SQL[] =
        "SELECT c.case_no, COALESCE(c.external_id, ''), c.state, COALESCE(c.department_id, 0), "
        "COALESCE(d.name, ''), COALESCE(m.case_no, '') FROM case_record c "
        "LEFT JOIN org_unit d ON d.id = c.department_id "
        "LEFT JOIN case_record m ON m.id = c.merged_into WHERE c.id = :id";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", case_id);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK) {
        cJSON_AddStringToObject(payload, "case_no", store_col_text(stmt, 0));
        cJSON_AddStringToObject(payload, "external_id", store_col_text(stmt, 1));
        cJSON_AddStringToObject(payload, "state", store_col_text(stmt, 2));
        if (strcmp(event, "dispatched") == 0) {
            cJSON *department = cJSON_AddObjectToObject(details, "department");
            cJSON_AddNumberToObject(department, "id", (double)store_col_int64(stmt, 3));
            cJSON_AddStringToObject(department, "name", store_col_text(stmt, 4));
        }
        if (strcmp(event, "merged") == 0)
            cJSON_AddStringToObject(details, "merged_into", store_col_text(stmt, 5));
    }
    store_stmt_done(stmt);
    return rc;
}

// The photos of the fix (after, before and check photos), as links the
// hotline token may fetch.
static int case_photos_tx(struct store_tx *tx, int64_t case_id, const char *external_id,
                          cJSON *details)
{
    static const char SQL[] = "SELECT hash, stage FROM case_attachment WHERE case_id = :case "
                              "AND stage IN ('before', 'after') ORDER BY id";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case", case_id);
    cJSON *photos = cJSON_AddArrayToObject(details, "photos");
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        cJSON *photo = cJSON_CreateObject();
        const char *hash = store_col_text(stmt, 0);
        cJSON_AddStringToObject(photo, "hash", hash);
        cJSON_AddStringToObject(photo, "stage", store_col_text(stmt, 1));
        char url[256];
        snprintf(url, sizeof url, "/api/v1/intake/hotline/%s/photos/%s", external_id, hash);
        cJSON_AddStringToObject(photo, "url", url);
        cJSON_AddItemToArray(photos, photo);
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

int store_outbox_insert_tx(struct store_tx *tx, const char *key, const char *kind,
                           const char *target, int64_t case_id, const char *payload, int64_t now)
{
    static const char SQL[] =
        "INSERT INTO outbox_message (idempotency_key, kind, target, case_id, payload, "
        "created_at, next_attempt_at) VALUES (:key, :kind, :target, :case, :payload, :now, :now)";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":key", key);
    store_bind_text(stmt, ":kind", kind);
    store_bind_text(stmt, ":target", target);
    store_bind_id(stmt, ":case", case_id);
    store_bind_text(stmt, ":payload", payload);
    store_bind_int(stmt, ":now", now);
    int rc = store_exec_stmt(stmt);
    return rc == STORE_CONFLICT ? STORE_ERROR : rc;
}

// The hotline token with a callback that filed case_id, into *token_id (0: none).
static int hotline_listener_tx(struct store_tx *tx, int64_t case_id, int64_t *token_id)
{
    static const char SQL[] = "SELECT f.token_id FROM case_filer_token f JOIN token_callback cb "
                              "ON cb.token_id = f.token_id JOIN api_token t ON t.id = f.token_id "
                              "WHERE f.case_id = :case AND NOT t.disabled";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case", case_id);
    int rc = store_step_row(stmt);
    *token_id = rc == STORE_OK ? store_col_int64(stmt, 0) : 0;
    store_stmt_done(stmt);
    return rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

int store_outbox_event_tx(struct store_tx *tx, const struct audit_event *e, int64_t event_id)
{
    int notified = store_notify_event_tx(tx, e, event_id);
    if (notified != STORE_OK)
        return notified;
    const char *event = outbox_hotline_event(e->action, e->from_state, e->to_state);
    int64_t token_id = 0;
    if (event == NULL || e->case_id <= 0)
        return STORE_OK;
    int rc = hotline_listener_tx(tx, e->case_id, &token_id);
    if (rc != STORE_OK || token_id == 0)
        return rc;
    cJSON *payload = cJSON_CreateObject();
    cJSON_AddStringToObject(payload, "event", event);
    cJSON *details = cJSON_CreateObject();
    rc = case_facts_tx(tx, e->case_id, payload, details, event);
    const char *external =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(payload, "external_id"));
    if (rc == STORE_OK && strcmp(event, "handled") == 0)
        rc = case_photos_tx(tx, e->case_id, external ? external : "", details);
    const char *note = e->note ? e->note : "";
    if (strcmp(event, "rejected") == 0 || strcmp(event, "reopened") == 0)
        cJSON_AddStringToObject(details, "reason", note);
    else if (strcmp(event, "handled") == 0)
        cJSON_AddStringToObject(details, "result", note);
    cJSON_AddStringToObject(details, "public_note", e->public_note ? e->public_note : "");
    cJSON_AddStringToObject(payload, "action", e->action);
    cJSON_AddNumberToObject(payload, "at", (double)e->created_at);
    cJSON_AddNumberToObject(payload, "seq", (double)event_id);
    cJSON_AddItemToObject(payload, "details", details);
    char *text = rc == STORE_OK ? cJSON_PrintUnformatted(payload) : NULL;
    cJSON_Delete(payload);
    if (rc != STORE_OK || text == NULL) {
        free(text);
        return rc == STORE_OK ? STORE_ERROR : rc;
    }
    char key[64], target[24];
    snprintf(key, sizeof key, "cg-event-%" PRId64 "-hotline", event_id);
    snprintf(target, sizeof target, "%" PRId64, token_id);
    rc = store_outbox_insert_tx(tx, key, "hotline", target, e->case_id, text, e->created_at);
    free(text);
    return rc;
}

// ---- delivery ----

#define MESSAGE_COLUMNS                                                                            \
    "m.id, m.idempotency_key, m.kind, m.target, COALESCE(m.case_id, 0), "                          \
    "COALESCE(c.case_no, ''), m.payload, m.created_at, m.next_attempt_at, "                        \
    "COALESCE(m.last_attempt_at, 0), COALESCE(m.delivered_at, 0), m.attempts, m.last_error, "      \
    "m.state "

// The sender's and the admin's reads, whose plans `chengguan explain` shows.
// Due messages: SQLite without statistics would read every pending message by
// state and sort them; named, the partial index of due messages gives them in
// order.
#define DUE_WHERE                                                                                  \
    "WHERE m.state = 'pending' AND m.next_attempt_at <= :now AND NOT EXISTS (SELECT 1 "            \
    "FROM outbox_message e WHERE e.state = 'pending' AND e.case_id = m.case_id AND e.id < m.id "   \
    "AND e.kind = m.kind AND e.target = m.target) "                                                \
    "ORDER BY m.next_attempt_at, m.id LIMIT :limit"
static const char SQL_DUE_SQLITE[] =
    "SELECT m.id FROM outbox_message m INDEXED BY outbox_due " DUE_WHERE;
static const char SQL_DUE_POSTGRES[] = "SELECT m.id FROM outbox_message m " DUE_WHERE;
#undef DUE_WHERE
// A page of one state, newest first.
static const char SQL_PAGE[] = "SELECT " MESSAGE_COLUMNS "FROM outbox_message m "
                               "LEFT JOIN case_record c ON c.id = m.case_id "
                               "WHERE m.state = :state AND m.id < :before "
                               "ORDER BY m.id DESC LIMIT :limit";
// Two ranges of the index outbox_state: neither reads the delivered history.
static const char SQL_COUNTS[] =
    "SELECT (SELECT count(*) FROM outbox_message WHERE state = 'pending'), "
    "(SELECT count(*) FROM outbox_message WHERE state = 'dead')";

const struct store_plan_statement STORE_OUTBOX_PLANS[] = {
    {"outbox: due messages, first of each case", SQL_DUE_SQLITE, SQL_DUE_POSTGRES},
    {"outbox: a page of one state", SQL_PAGE, SQL_PAGE},
    {"outbox: pending and dead", SQL_COUNTS, SQL_COUNTS},
};
const size_t STORE_OUTBOX_PLAN_COUNT = sizeof STORE_OUTBOX_PLANS / sizeof STORE_OUTBOX_PLANS[0];

// Reads MESSAGE_COLUMNS; the payload is copied to the heap when copy_payload,
// else it points into the statement's row. Returns false when out of memory.
static bool read_message(struct store_stmt *s, struct store_outbox_message *m, bool copy_payload)
{
    memset(m, 0, sizeof *m);
    m->id = store_col_int64(s, 0);
    store_column_copy(m->idempotency_key, sizeof m->idempotency_key, s, 1);
    store_column_copy(m->kind, sizeof m->kind, s, 2);
    store_column_copy(m->target, sizeof m->target, s, 3);
    m->case_id = store_col_int64(s, 4);
    store_column_copy(m->case_no, sizeof m->case_no, s, 5);
    const char *payload = store_col_text(s, 6);
    m->payload = copy_payload ? strdup(payload ? payload : "") : (char *)payload;
    m->created_at = store_col_int64(s, 7);
    m->next_attempt_at = store_col_int64(s, 8);
    m->last_attempt_at = store_col_int64(s, 9);
    m->delivered_at = store_col_int64(s, 10);
    m->attempts = store_col_int(s, 11);
    store_column_copy(m->last_error, sizeof m->last_error, s, 12);
    store_column_copy(m->state, sizeof m->state, s, 13);
    return m->payload != NULL || !copy_payload;
}

enum { CLAIM_MAX = 64 };

struct claim_job {
    int64_t now, lease_ms;
    const int64_t *ids;
    int id_count;
    struct store_outbox_message *out;
    int count;
};

// Takes one message if it is still due and first of its case (the read that
// found it ran outside this transaction). Returns a store result.
static int claim_one(struct store_tx *tx, struct claim_job *job, int64_t id)
{
    static const char SQL_TAKE[] =
        "UPDATE outbox_message SET attempts = attempts + 1, last_attempt_at = :now, "
        "next_attempt_at = :until WHERE id = :id AND state = 'pending' AND next_attempt_at <= :now "
        "AND NOT EXISTS (SELECT 1 FROM outbox_message e WHERE e.state = 'pending' AND "
        "e.case_id = outbox_message.case_id AND e.id < outbox_message.id AND "
        "e.kind = outbox_message.kind AND e.target = outbox_message.target)";
    static const char SQL_READ[] = "SELECT " MESSAGE_COLUMNS "FROM outbox_message m "
                                   "LEFT JOIN case_record c ON c.id = m.case_id WHERE m.id = :id";
    struct store_stmt *take = store_tx_stmt(tx, SQL_TAKE);
    if (take == NULL)
        return STORE_ERROR;
    store_bind_int(take, ":now", job->now);
    store_bind_int(take, ":until", job->now + job->lease_ms);
    store_bind_int(take, ":id", id);
    int rc = store_step(take);
    int64_t changed = store_stmt_changes(take);
    store_stmt_done(take);
    if (rc != STORE_DONE)
        return STORE_ERROR;
    if (changed != 1)
        return STORE_OK; // another sender took it first
    struct store_stmt *read = store_tx_stmt(tx, SQL_READ);
    if (read == NULL)
        return STORE_ERROR;
    store_bind_int(read, ":id", id);
    rc = store_step_row(read);
    if (rc == STORE_OK && !read_message(read, &job->out[job->count], true))
        rc = STORE_ERROR;
    store_stmt_done(read);
    if (rc == STORE_OK)
        job->count++;
    return rc;
}

static int claim_job(struct store_tx *tx, void *data)
{
    struct claim_job *job = data;
    int rc = STORE_OK;
    for (int i = 0; i < job->id_count && rc == STORE_OK; i++)
        rc = claim_one(tx, job, job->ids[i]);
    if (rc != STORE_OK) {
        for (int i = 0; i < job->count; i++)
            store_outbox_message_free(&job->out[i]);
        job->count = 0;
        return rc;
    }
    // Nothing taken: nothing written, and no change counted (the screens' ETags
    // stay valid while the sender polls).
    return job->count > 0 ? STORE_OK : STORE_NOT_FOUND;
}

// The ids of up to max due messages, read on the calling thread's connection:
// pending, due, and not behind an earlier pending message of their case (a
// leased one is pending too, so a case's next message waits for the one in
// flight). Returns STORE_OK or STORE_ERROR.
static int due_ids(struct store *store, int64_t now, int max, int64_t *ids, int *count)
{
    struct store_stmt *due =
        store_read_stmt(store, store_sql(store, SQL_DUE_SQLITE, SQL_DUE_POSTGRES));
    if (due == NULL)
        return STORE_ERROR;
    store_bind_int(due, ":now", now);
    store_bind_int(due, ":limit", max);
    int rc;
    *count = 0;
    while ((rc = store_step(due)) == STORE_ROW && *count < max)
        ids[(*count)++] = store_col_int64(due, 0);
    store_stmt_done(due);
    return rc == STORE_DONE || rc == STORE_ROW ? STORE_OK : STORE_ERROR;
}

int store_outbox_claim(struct store *store, int64_t now, int64_t lease_ms,
                       struct store_outbox_message *out, int max, int *count)
{
    int64_t ids[CLAIM_MAX];
    int id_count = 0;
    *count = 0;
    int rc = due_ids(store, now, max < CLAIM_MAX ? max : CLAIM_MAX, ids, &id_count);
    if (rc != STORE_OK || id_count == 0)
        return rc;
    struct claim_job job = {now, lease_ms, ids, id_count, out, 0};
    rc = store_write(store, claim_job, &job);
    if (rc == STORE_NOT_FOUND)
        return STORE_OK;  // all taken by another sender meanwhile
    if (rc != STORE_OK) { // the commit failed: nothing was claimed
        for (int i = 0; i < job.count; i++)
            store_outbox_message_free(&out[i]);
        return rc;
    }
    *count = job.count;
    return STORE_OK;
}

struct settle_job {
    int64_t id;
    const char *sql;
    int64_t at;
    const char *error;
};

static int settle_job(struct store_tx *tx, void *data)
{
    struct settle_job *job = data;
    struct store_stmt *stmt = store_tx_stmt(tx, job->sql);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", job->id);
    store_bind_int(stmt, ":at", job->at);
    if (store_stmt_has_param(stmt, ":error")) {
        char error[STORE_OUTBOX_ERROR_MAX + 1];
        snprintf(error, sizeof error, "%s", job->error ? job->error : "");
        store_bind_text(stmt, ":error", error);
    }
    int rc = store_step(stmt);
    int64_t changed = store_stmt_changes(stmt);
    store_stmt_done(stmt);
    if (rc != STORE_DONE)
        return STORE_ERROR;
    return changed == 1 ? STORE_OK : STORE_NOT_FOUND;
}

int store_outbox_delivered(struct store *store, int64_t id, int64_t now)
{
    static const char SQL[] = "UPDATE outbox_message SET state = 'delivered', delivered_at = :at, "
                              "last_error = '' WHERE id = :id AND state = 'pending'";
    struct settle_job job = {id, SQL, now, NULL};
    return store_write(store, settle_job, &job);
}

int store_outbox_failed(struct store *store, int64_t id, const char *error, int64_t next_attempt_at,
                        bool dead)
{
    static const char SQL_RETRY[] = "UPDATE outbox_message SET next_attempt_at = :at, "
                                    "last_error = :error WHERE id = :id AND state = 'pending'";
    static const char SQL_DEAD[] = "UPDATE outbox_message SET state = 'dead', last_error = :error, "
                                   "next_attempt_at = :at WHERE id = :id AND state = 'pending'";
    struct settle_job job = {id, dead ? SQL_DEAD : SQL_RETRY, next_attempt_at, error};
    return store_write(store, settle_job, &job);
}

// ---- the admin's view ----

int store_outbox_list(struct store *store, const char *state, int64_t before_id, int limit,
                      void (*fn)(const struct store_outbox_message *m, void *data), void *data)
{
    struct store_stmt *stmt = store_read_stmt(store, SQL_PAGE);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":state", state);
    store_bind_int(stmt, ":before", before_id > 0 ? before_id : INT64_MAX);
    store_bind_int(stmt, ":limit", limit);
    int rc;
    struct store_outbox_message m;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        read_message(stmt, &m, false);
        fn(&m, data);
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

struct replay_job {
    int64_t id;
    const struct store_actor *actor;
};

static int replay_job(struct store_tx *tx, void *data)
{
    static const char SQL_STATE[] =
        "SELECT state, attempts, last_error FROM outbox_message WHERE id = :id";
    static const char SQL[] = "UPDATE outbox_message SET state = 'pending', attempts = 0, "
                              "next_attempt_at = :now WHERE id = :id AND state = 'dead'";
    struct replay_job *job = data;
    struct store_stmt *check = store_tx_stmt(tx, SQL_STATE);
    if (check == NULL)
        return STORE_ERROR;
    store_bind_int(check, ":id", job->id);
    int rc = store_step_row(check);
    cJSON *before = NULL;
    if (rc == STORE_OK) {
        if (strcmp(store_col_text(check, 0), "dead") != 0)
            rc = STORE_INVALID;
        before = cJSON_CreateObject();
        cJSON_AddStringToObject(before, "state", store_col_text(check, 0));
        cJSON_AddNumberToObject(before, "attempts", store_col_int(check, 1));
        cJSON_AddStringToObject(before, "last_error", store_col_text(check, 2));
    }
    store_stmt_done(check);
    struct store_stmt *stmt = rc == STORE_OK ? store_tx_stmt(tx, SQL) : NULL;
    if (rc == STORE_OK && stmt == NULL)
        rc = STORE_ERROR;
    if (rc != STORE_OK) {
        cJSON_Delete(before);
        return rc;
    }
    store_bind_int(stmt, ":id", job->id);
    store_bind_int(stmt, ":now", store_now_ms());
    if ((rc = store_exec_stmt(stmt)) != STORE_OK) {
        cJSON_Delete(before);
        return STORE_ERROR;
    }
    cJSON *after = cJSON_CreateObject();
    cJSON_AddStringToObject(after, "state", "pending");
    return store_admin_audit_tx(tx, job->actor, "outbox.replay", "outbox_message", job->id, before,
                                after);
}

int store_outbox_replay(struct store *store, int64_t id, const struct store_actor *actor)
{
    struct replay_job job = {id, actor};
    return store_write(store, replay_job, &job);
}

int store_outbox_count(struct store *store, struct store_outbox_counts *out)
{
    memset(out, 0, sizeof *out);
    struct store_stmt *stmt = store_read_stmt(store, SQL_COUNTS);
    if (stmt == NULL)
        return STORE_ERROR;
    int rc = store_step_row(stmt);
    if (rc == STORE_OK) {
        out->pending = store_col_int64(stmt, 0);
        out->dead = store_col_int64(stmt, 1);
    }
    store_stmt_done(stmt);
    return rc == STORE_OK ? STORE_OK : STORE_ERROR;
}
