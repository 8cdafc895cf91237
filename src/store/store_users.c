// SPDX-License-Identifier: MIT
// SQL for staff users, sessions, API tokens and instance settings.
#include "store_users.h"

#include "admin_audit.h"
#include "engine.h"
#include "jurisdiction.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

// The user columns every query returns, in the order read_user expects. A
// department's jurisdiction is the place it belongs to (its parent's path).
#define USER_COLUMNS                                                                               \
    "u.id, u.username, u.display_name, u.role, u.org_unit_id, o.code, o.type, o.name, "            \
    "CASE WHEN o.type = 'department' THEN COALESCE(p.path, o.path) ELSE o.path END, u.phone, "     \
    "u.disabled, u.created_at"
#define USER_ORG_JOIN                                                                              \
    "JOIN org_unit o ON o.id = u.org_unit_id LEFT JOIN org_unit p ON p.id = o.parent_id "
#define USER_JOIN " FROM app_user u " USER_ORG_JOIN

// Reads USER_COLUMNS starting at column `first`.
static void read_user(struct store_stmt *stmt, int first, struct store_user *out)
{
    memset(out, 0, sizeof *out);
    out->id = store_col_int64(stmt, first);
    store_column_copy(out->username, sizeof out->username, stmt, first + 1);
    store_column_copy(out->display_name, sizeof out->display_name, stmt, first + 2);
    out->role = role_from_name(store_col_text(stmt, first + 3));
    out->org_unit_id = store_col_int64(stmt, first + 4);
    store_column_copy(out->org_unit_code, sizeof out->org_unit_code, stmt, first + 5);
    store_column_copy(out->org_unit_type, sizeof out->org_unit_type, stmt, first + 6);
    store_column_copy(out->org_unit_name, sizeof out->org_unit_name, stmt, first + 7);
    store_column_copy(out->scope_path, sizeof out->scope_path, stmt, first + 8);
    store_column_copy(out->phone, sizeof out->phone, stmt, first + 9);
    out->disabled = store_col_int(stmt, first + 10) != 0;
    out->created_at = store_col_int64(stmt, first + 11);
}

cJSON *store_user_audit_json_tx(struct store_tx *tx, int64_t id)
{
    static const char SQL[] = "SELECT " USER_COLUMNS USER_JOIN "WHERE u.id = :id";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return NULL;
    store_bind_int(stmt, ":id", id);
    cJSON *out = NULL;
    struct store_user user;
    if (store_step_row(stmt) == STORE_OK) {
        read_user(stmt, 0, &user);
        out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "username", user.username);
        cJSON_AddStringToObject(out, "display_name", user.display_name);
        cJSON_AddStringToObject(out, "role", role_name(user.role));
        cJSON_AddStringToObject(out, "org_unit", user.org_unit_code);
        cJSON_AddStringToObject(out, "phone", user.phone);
        cJSON_AddBoolToObject(out, "disabled", user.disabled);
    }
    store_stmt_done(stmt);
    return out;
}

// Appends action on user id with before (owned; NULL for a new user) and the
// state now, when there is an actor to record (seeds and tests pass none).
// A new password shows as "password": "changed", never its hash.
static int user_audit(struct store_tx *tx, const struct store_actor *actor, const char *action,
                      int64_t id, cJSON *before, bool new_password)
{
    if (actor == NULL) {
        cJSON_Delete(before);
        return STORE_OK;
    }
    cJSON *after = store_user_audit_json_tx(tx, id);
    if (after == NULL) {
        cJSON_Delete(before);
        return STORE_ERROR;
    }
    if (new_password)
        cJSON_AddStringToObject(after, "password", "changed");
    return store_admin_audit_tx(tx, actor, action, "user", id, before, after);
}

// The user's state before a change, when it will be audited.
static cJSON *user_before(struct store_tx *tx, const struct store_actor *actor, int64_t id)
{
    return actor != NULL ? store_user_audit_json_tx(tx, id) : NULL;
}

struct user_create_job {
    const struct store_user *user;
    const char *password_hash;
    int64_t id;
    const struct store_actor *actor;
};

int store_user_insert_tx(struct store_tx *tx, const struct store_actor *actor,
                         const struct store_user *user, const char *password_hash, int64_t *id)
{
    static const char SQL_UNIT[] = "SELECT 1 FROM org_unit WHERE id = :id";
    static const char SQL[] =
        "INSERT INTO app_user (username, display_name, role, org_unit_id, password_hash, phone, "
        "created_at, updated_at) VALUES (:username, :display_name, :role, :org, :hash, :phone, "
        ":now, :now) RETURNING id";
    struct store_stmt *unit = store_tx_stmt(tx, SQL_UNIT);
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (unit == NULL || stmt == NULL)
        return STORE_ERROR;
    store_bind_int(unit, ":id", user->org_unit_id);
    int rc = store_step_row(unit);
    store_stmt_done(unit);
    if (rc != STORE_OK)
        return rc == STORE_NOT_FOUND ? STORE_INVALID : rc;
    store_bind_text(stmt, ":username", user->username);
    store_bind_text(stmt, ":display_name", user->display_name);
    store_bind_text(stmt, ":role", role_name(user->role));
    store_bind_int(stmt, ":org", user->org_unit_id);
    store_bind_text(stmt, ":hash", password_hash);
    store_bind_text(stmt, ":phone", user->phone);
    store_bind_int(stmt, ":now", store_now_ms());
    rc = store_step(stmt);
    if (rc == STORE_ROW) {
        *id = store_col_int64(stmt, 0);
        rc = STORE_OK;
    } else {
        rc = rc == STORE_CONFLICT ? STORE_CONFLICT : STORE_ERROR;
    }
    store_stmt_done(stmt);
    return rc == STORE_OK ? user_audit(tx, actor, "user.create", *id, NULL, false) : rc;
}

static int user_create_job(struct store_tx *tx, void *data)
{
    struct user_create_job *job = data;
    return store_user_insert_tx(tx, job->actor, job->user, job->password_hash, &job->id);
}

int store_user_create(struct store *store, const struct store_user *user, const char *password_hash,
                      int64_t *id)
{
    return store_user_create_as(store, NULL, user, password_hash, id);
}

int store_user_create_as(struct store *store, const struct store_actor *actor,
                         const struct store_user *user, const char *password_hash, int64_t *id)
{
    struct user_create_job job = {user, password_hash, 0, actor};
    int rc = store_write(store, user_create_job, &job);
    if (rc == STORE_OK && id != NULL)
        *id = job.id;
    return rc;
}

int store_user_get(struct store *store, int64_t id, struct store_user *out)
{
    static const char SQL[] = "SELECT " USER_COLUMNS USER_JOIN "WHERE u.id = :id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", id);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        read_user(stmt, 0, out);
    store_stmt_done(stmt);
    return rc;
}

int store_user_get_by_username(struct store *store, const char *username, struct store_user *out,
                               char *hash, size_t hash_size)
{
    static const char SQL[] =
        "SELECT " USER_COLUMNS ", u.password_hash" USER_JOIN "WHERE u.username = :username";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":username", username);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK) {
        read_user(stmt, 0, out);
        store_column_copy(hash, hash_size, stmt, 12);
    }
    store_stmt_done(stmt);
    return rc;
}

struct user_field_job {
    int64_t id;
    const char *text;
    int64_t number;
    const struct store_user *user;
    bool end_sessions;
    int64_t keep_session_id;
    const struct store_actor *actor;
};

// Ends every session of the user but keep_session_id (0 keeps none).
static int end_sessions(struct store_tx *tx, int64_t user_id, int64_t keep_session_id)
{
    static const char SQL[] = "DELETE FROM session WHERE user_id = :id AND id <> :keep";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", user_id);
    store_bind_int(stmt, ":keep", keep_session_id);
    return store_exec_stmt(stmt);
}

// Runs an UPDATE bound with :id, :now and one of :text / :number; NOT_FOUND
// when no row changed. Ends the user's sessions when end is set.
static int update_user(struct store_tx *tx, const char *sql, struct user_field_job *job, bool end)
{
    struct store_stmt *stmt = store_tx_stmt(tx, sql);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", job->id);
    store_bind_int(stmt, ":now", store_now_ms());
    if (store_stmt_has_param(stmt, ":text"))
        store_bind_text(stmt, ":text", job->text);
    if (store_stmt_has_param(stmt, ":number"))
        store_bind_int(stmt, ":number", job->number);
    int rc = store_exec_stmt(stmt);
    if (rc != STORE_OK)
        return rc;
    if (store_stmt_changes(stmt) == 0)
        return STORE_NOT_FOUND;
    return end ? end_sessions(tx, job->id, 0) : STORE_OK;
}

static int set_password_job(struct store_tx *tx, void *data)
{
    static const char SQL[] =
        "UPDATE app_user SET password_hash = :text, updated_at = :now WHERE id = :id";
    struct user_field_job *job = data;
    cJSON *before = user_before(tx, job->actor, job->id);
    int rc = update_user(tx, SQL, job, true);
    if (rc != STORE_OK) {
        cJSON_Delete(before);
        return rc;
    }
    return user_audit(tx, job->actor, "user.password", job->id, before, true);
}

int store_user_set_password(struct store *store, int64_t id, const char *password_hash)
{
    return store_user_set_password_as(store, NULL, id, password_hash);
}

int store_user_set_password_as(struct store *store, const struct store_actor *actor, int64_t id,
                               const char *password_hash)
{
    struct user_field_job job = {.id = id, .text = password_hash, .actor = actor};
    return store_write(store, set_password_job, &job);
}

static int set_disabled_job(struct store_tx *tx, void *data)
{
    static const char SQL[] =
        "UPDATE app_user SET disabled = :number, updated_at = :now WHERE id = :id";
    struct user_field_job *job = data;
    cJSON *before = user_before(tx, job->actor, job->id);
    int rc = update_user(tx, SQL, job, job->number != 0);
    if (rc != STORE_OK) {
        cJSON_Delete(before);
        return rc;
    }
    return user_audit(tx, job->actor, "user.update", job->id, before, false);
}

int store_user_set_disabled(struct store *store, int64_t id, bool disabled)
{
    return store_user_set_disabled_as(store, NULL, id, disabled);
}

int store_user_set_disabled_as(struct store *store, const struct store_actor *actor, int64_t id,
                               bool disabled)
{
    struct user_field_job job = {.id = id, .number = disabled, .actor = actor};
    return store_write(store, set_disabled_job, &job);
}

// update_job's writes: the fields, then the password and the flag, then the sessions.
static int update_fields(struct store_tx *tx, struct user_field_job *job)
{
    static const char SQL_PASSWORD[] =
        "UPDATE app_user SET password_hash = :text, updated_at = :now WHERE id = :id";
    static const char SQL_DISABLED[] =
        "UPDATE app_user SET disabled = :number, updated_at = :now WHERE id = :id";
    static const char SQL[] =
        "UPDATE app_user SET display_name = :name, role = :role, org_unit_id = :org, "
        "phone = :phone, updated_at = :now WHERE id = :id";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":name", job->user->display_name);
    store_bind_text(stmt, ":role", role_name(job->user->role));
    store_bind_int(stmt, ":org", job->user->org_unit_id);
    store_bind_text(stmt, ":phone", job->user->phone);
    store_bind_int(stmt, ":now", store_now_ms());
    store_bind_int(stmt, ":id", job->user->id);
    int rc = store_exec_stmt(stmt);
    if (rc == STORE_CONFLICT)
        return STORE_INVALID; // the org unit does not exist
    if (rc == STORE_OK && store_stmt_changes(stmt) == 0)
        return STORE_NOT_FOUND;
    if (rc != STORE_OK)
        return rc;
    job->id = job->user->id;
    if (job->text != NULL && (rc = update_user(tx, SQL_PASSWORD, job, false)) != STORE_OK)
        return rc;
    if (job->number >= 0 && (rc = update_user(tx, SQL_DISABLED, job, false)) != STORE_OK)
        return rc;
    return job->end_sessions ? end_sessions(tx, job->user->id, job->keep_session_id) : STORE_OK;
}

static int update_job(struct store_tx *tx, void *data)
{
    struct user_field_job *job = data;
    cJSON *before = user_before(tx, job->actor, job->user->id);
    int rc = update_fields(tx, job);
    if (rc != STORE_OK) {
        cJSON_Delete(before);
        return rc;
    }
    return user_audit(tx, job->actor, "user.update", job->user->id, before, job->text != NULL);
}

int store_user_update(struct store *store, const struct store_user *user, const char *password_hash,
                      int disabled, bool end_sessions, int64_t keep_session_id)
{
    return store_user_update_as(store, NULL, user, password_hash, disabled, end_sessions,
                                keep_session_id);
}

int store_user_update_as(struct store *store, const struct store_actor *actor,
                         const struct store_user *user, const char *password_hash, int disabled,
                         bool end_sessions, int64_t keep_session_id)
{
    struct user_field_job job = {.actor = actor,
                                 .user = user,
                                 .text = password_hash,
                                 .number = disabled,
                                 .end_sessions = end_sessions,
                                 .keep_session_id = keep_session_id};
    return store_write(store, update_job, &job);
}

int store_user_list(struct store *store, const struct jurisdiction *jurisdiction, int64_t after_id,
                    int limit, void (*fn)(const struct store_user *user, void *data), void *data)
{
    // A department's path lies inside the range exactly when its place's does.
    static const char SQL[] = "SELECT " USER_COLUMNS USER_JOIN
                              "WHERE u.id > :after AND o.path >= :scope_lo AND o.path < :scope_hi "
                              "ORDER BY u.id LIMIT :limit";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    struct jurisdiction_range range;
    jurisdiction_place_range(jurisdiction, &range);
    store_bind_int(stmt, ":after", after_id);
    store_bind_range(stmt, &range);
    store_bind_int(stmt, ":limit", limit);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct store_user user;
        read_user(stmt, 0, &user);
        fn(&user, data);
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

int64_t store_user_count(struct store *store)
{
    static const char SQL[] = "SELECT count(*) FROM app_user";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return -1;
    int64_t count = store_step_row(stmt) == STORE_OK ? store_col_int64(stmt, 0) : -1;
    store_stmt_done(stmt);
    return count;
}

struct session_create_job {
    const unsigned char *hash;
    int64_t user_id;
    const char *csrf;
    int64_t now;
    int64_t expires_at;
    const char *ip;
};

static int session_create_job(struct store_tx *tx, void *data)
{
    static const char SQL[] =
        "INSERT INTO session (token_hash, user_id, csrf_token, created_at, last_seen_at, "
        "expires_at, ip) VALUES (:hash, :user, :csrf, :now, :now, :expires, :ip)";
    // Expired sessions are swept on the way: logins are rare, so this costs little.
    static const char SQL_SWEEP[] = "DELETE FROM session WHERE expires_at < :now";
    struct session_create_job *job = data;
    struct store_stmt *sweep = store_tx_stmt(tx, SQL_SWEEP);
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (sweep == NULL || stmt == NULL)
        return STORE_ERROR;
    store_bind_int(sweep, ":now", job->now);
    int rc = store_exec_stmt(sweep);
    if (rc != STORE_OK)
        return rc;
    store_bind_blob(stmt, ":hash", job->hash, STORE_HASH_BYTES);
    store_bind_int(stmt, ":user", job->user_id);
    store_bind_text(stmt, ":csrf", job->csrf);
    store_bind_int(stmt, ":now", job->now);
    store_bind_int(stmt, ":expires", job->expires_at);
    store_bind_text(stmt, ":ip", job->ip ? job->ip : "");
    return store_exec_stmt(stmt);
}

int store_session_create(struct store *store, const unsigned char token_hash[STORE_HASH_BYTES],
                         int64_t user_id, const char *csrf_token, int64_t now_ms,
                         int64_t expires_at_ms, const char *ip)
{
    struct session_create_job job = {token_hash, user_id, csrf_token, now_ms, expires_at_ms, ip};
    return store_write(store, session_create_job, &job);
}

int store_session_lookup(struct store *store, const unsigned char token_hash[STORE_HASH_BYTES],
                         struct store_session *session, struct store_user *user)
{
    static const char SQL[] = "SELECT s.id, s.csrf_token, s.created_at, s.last_seen_at, "
                              "s.expires_at, " USER_COLUMNS
                              " FROM session s JOIN app_user u ON u.id = s.user_id " USER_ORG_JOIN
                              "WHERE s.token_hash = :hash";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_blob(stmt, ":hash", token_hash, STORE_HASH_BYTES);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK) {
        session->id = store_col_int64(stmt, 0);
        store_column_copy(session->csrf_token, sizeof session->csrf_token, stmt, 1);
        session->created_at = store_col_int64(stmt, 2);
        session->last_seen_at = store_col_int64(stmt, 3);
        session->expires_at = store_col_int64(stmt, 4);
        read_user(stmt, 5, user);
    }
    store_stmt_done(stmt);
    return rc;
}

static int session_touch_job(struct store_tx *tx, void *data)
{
    static const char SQL[] = "UPDATE session SET last_seen_at = :now WHERE id = :id";
    int64_t *values = data;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", values[0]);
    store_bind_int(stmt, ":now", values[1]);
    return store_exec_stmt(stmt);
}

int store_session_touch(struct store *store, int64_t session_id, int64_t now_ms)
{
    int64_t values[2] = {session_id, now_ms};
    return store_write(store, session_touch_job, values);
}

static int session_delete_job(struct store_tx *tx, void *data)
{
    static const char SQL[] = "DELETE FROM session WHERE token_hash = :hash";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_blob(stmt, ":hash", data, STORE_HASH_BYTES);
    return store_exec_stmt(stmt);
}

int store_session_delete(struct store *store, const unsigned char token_hash[STORE_HASH_BYTES])
{
    return store_write(store, session_delete_job, (void *)token_hash);
}

struct token_create_job {
    const char *name;
    const char *channel;
    const unsigned char *hash;
    int64_t user_id;
};

static int token_create_job(struct store_tx *tx, void *data)
{
    static const char SQL_USER[] = "SELECT 1 FROM app_user WHERE id = :id";
    static const char SQL[] = "INSERT INTO api_token (name, channel, token_hash, user_id, "
                              "created_at) VALUES (:name, :channel, :hash, :user, :now)";
    struct token_create_job *job = data;
    struct store_stmt *user = store_tx_stmt(tx, SQL_USER);
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (user == NULL || stmt == NULL)
        return STORE_ERROR;
    store_bind_int(user, ":id", job->user_id);
    int rc = store_step_row(user);
    store_stmt_done(user);
    if (rc != STORE_OK)
        return rc == STORE_NOT_FOUND ? STORE_INVALID : rc;
    store_bind_text(stmt, ":name", job->name);
    store_bind_text(stmt, ":channel", job->channel);
    store_bind_blob(stmt, ":hash", job->hash, STORE_HASH_BYTES);
    store_bind_int(stmt, ":user", job->user_id);
    store_bind_int(stmt, ":now", store_now_ms());
    return store_exec_stmt(stmt);
}

int store_token_create(struct store *store, const char *name, const char *channel,
                       const unsigned char token_hash[STORE_HASH_BYTES], int64_t user_id)
{
    struct token_create_job job = {name, channel, token_hash, user_id};
    return store_write(store, token_create_job, &job);
}

int store_token_lookup(struct store *store, const unsigned char token_hash[STORE_HASH_BYTES],
                       struct store_user *user, char *channel, size_t channel_size)
{
    static const char SQL[] = "SELECT t.channel, " USER_COLUMNS
                              " FROM api_token t JOIN app_user u ON u.id = t.user_id " USER_ORG_JOIN
                              "WHERE t.token_hash = :hash AND NOT t.disabled";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_blob(stmt, ":hash", token_hash, STORE_HASH_BYTES);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK) {
        store_column_copy(channel, channel_size, stmt, 0);
        read_user(stmt, 1, user);
    }
    store_stmt_done(stmt);
    return rc;
}

int store_setting_get(struct store *store, const char *key, char *value, size_t value_size)
{
    static const char SQL[] = "SELECT value FROM setting WHERE key = :key";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":key", key);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        store_column_copy(value, value_size, stmt, 0);
    store_stmt_done(stmt);
    return rc;
}

// A setting to write: the statement (insert only when missing, or insert or
// replace) and the key and value it binds.
struct setting_write {
    const char *sql;
    const char *key;
    const char *value;
};

static int setting_write_job(struct store_tx *tx, void *data)
{
    const struct setting_write *w = data;
    struct store_stmt *stmt = store_tx_stmt(tx, w->sql);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":key", w->key);
    store_bind_text(stmt, ":value", w->value);
    store_bind_int(stmt, ":now", store_now_ms());
    return store_exec_stmt(stmt);
}

int store_setting_init(struct store *store, const char *key, const char *value)
{
    static const char SQL[] = "INSERT INTO setting (key, value, updated_at) "
                              "VALUES (:key, :value, :now) ON CONFLICT (key) DO NOTHING";
    struct setting_write w = {SQL, key, value};
    return store_write(store, setting_write_job, &w);
}

int store_setting_put(struct store *store, const char *key, const char *value)
{
    static const char SQL[] = "INSERT INTO setting (key, value, updated_at) "
                              "VALUES (:key, :value, :now) ON CONFLICT (key) DO UPDATE "
                              "SET value = excluded.value, updated_at = excluded.updated_at";
    struct setting_write w = {SQL, key, value};
    return store_write(store, setting_write_job, &w);
}

int store_org_unit_in_scope(struct store *store, const char *code,
                            const struct jurisdiction *jurisdiction, int64_t *id)
{
    static const char SQL[] = "SELECT o.id FROM org_unit o WHERE o.code = :code "
                              "AND o.path >= :scope_lo AND o.path < :scope_hi";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    struct jurisdiction_range range;
    jurisdiction_place_range(jurisdiction, &range);
    store_bind_text(stmt, ":code", code);
    store_bind_range(stmt, &range);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        *id = store_col_int64(stmt, 0);
    store_stmt_done(stmt);
    return rc;
}
