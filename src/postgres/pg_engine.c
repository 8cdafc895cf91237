// SPDX-License-Identifier: MIT
// The PostgreSQL engine (STORE_ENGINE_POSTGRES): the store's engine table over
// the building blocks of pg_stmt.h. The writer's connection is migrated at
// open (or, read-only, its schema version checked); each reading thread gets a
// connection of its own. A lost connection and a serialization failure or
// deadlock are told to the store layer (store_note_unreachable,
// store_note_retry), which answers 503 or reruns the batch.
#include "../store/engine.h"
#include "pg_stmt.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A connection: the store's opaque handle around pg_stmt.h's.
struct store_db {
    struct pg_conn *conn;
};

// A statement: the store's header, then the engine's.
struct pg_statement {
    struct store_stmt base;
    struct pg_stmt *stmt;
    struct pg_conn *conn;
};

static struct pg_statement *statement_of(struct store_stmt *stmt)
{
    return (struct pg_statement *)stmt;
}

static struct pg_stmt *handle_of(struct store_stmt *stmt)
{
    return statement_of(stmt)->stmt;
}

// The store result of an engine result, after telling the store layer what a
// lost connection or a transaction to run again means for the caller.
static int noted(struct pg_conn *conn, int rc)
{
    if (rc == PG_RETRY) {
        store_note_retry();
        return STORE_ERROR;
    }
    if (rc == STORE_ERROR && pg_conn_is_lost(conn))
        store_note_unreachable();
    return rc;
}

// ---- statements ----

static struct store_stmt *engine_prepare(struct store_db *db, const char *sql)
{
    struct pg_statement *stmt = malloc(sizeof *stmt);
    if (stmt == NULL)
        return NULL;
    // Prepared on the server at its first step (and again after a reconnect):
    // a statement the server refuses fails there, logged with its SQLSTATE.
    if ((stmt->stmt = pg_stmt_new(db->conn, sql)) == NULL) {
        log_error("store: out of memory preparing: %.120s", sql);
        free(stmt);
        return NULL;
    }
    stmt->base = (struct store_stmt){&STORE_ENGINE_POSTGRES, sql};
    stmt->conn = db->conn;
    return &stmt->base;
}

static void engine_finalize(struct store_stmt *stmt)
{
    pg_stmt_free(handle_of(stmt));
    free(stmt);
}

static void engine_reset(struct store_stmt *stmt)
{
    pg_stmt_reset(handle_of(stmt));
}

static bool engine_has_param(struct store_stmt *stmt, const char *name)
{
    return pg_stmt_has_param(handle_of(stmt), name);
}

// The binders check the name first: store.c logs a missing one.
static bool engine_bind_text(struct store_stmt *stmt, const char *name, const char *value)
{
    if (!engine_has_param(stmt, name))
        return false;
    pg_bind_text(handle_of(stmt), name, value);
    return true;
}

static bool engine_bind_int(struct store_stmt *stmt, const char *name, int64_t value)
{
    if (!engine_has_param(stmt, name))
        return false;
    pg_bind_int(handle_of(stmt), name, value);
    return true;
}

static bool engine_bind_double(struct store_stmt *stmt, const char *name, double value)
{
    if (!engine_has_param(stmt, name))
        return false;
    pg_bind_double(handle_of(stmt), name, value);
    return true;
}

static bool engine_bind_blob(struct store_stmt *stmt, const char *name, const void *data,
                             size_t len)
{
    if (!engine_has_param(stmt, name))
        return false;
    pg_bind_blob(handle_of(stmt), name, data, len);
    return true;
}

static bool engine_bind_null(struct store_stmt *stmt, const char *name)
{
    if (!engine_has_param(stmt, name))
        return false;
    pg_bind_null(handle_of(stmt), name);
    return true;
}

static int engine_step(struct store_stmt *stmt)
{
    int rc = pg_step(handle_of(stmt)); // PG_ROW and PG_DONE are STORE_ROW and STORE_DONE
    return noted(statement_of(stmt)->conn, rc);
}

static int64_t engine_col_int64(struct store_stmt *stmt, int col)
{
    return pg_col_int64(handle_of(stmt), col);
}

static double engine_col_double(struct store_stmt *stmt, int col)
{
    return pg_col_double(handle_of(stmt), col);
}

static const char *engine_col_text(struct store_stmt *stmt, int col)
{
    return pg_col_text(handle_of(stmt), col);
}

static const void *engine_col_blob(struct store_stmt *stmt, int col)
{
    return pg_col_blob(handle_of(stmt), col);
}

static size_t engine_col_bytes(struct store_stmt *stmt, int col)
{
    return pg_col_bytes(handle_of(stmt), col);
}

static bool engine_col_null(struct store_stmt *stmt, int col)
{
    return pg_col_null(handle_of(stmt), col);
}

static int engine_col_count(struct store_stmt *stmt)
{
    return pg_col_count(handle_of(stmt));
}

static const char *engine_col_name(struct store_stmt *stmt, int col)
{
    return pg_col_name(handle_of(stmt), col);
}

static enum store_type engine_col_type(struct store_stmt *stmt, int col)
{
    switch (pg_col_type(handle_of(stmt), col)) {
    case PG_VALUE_INT:
        return STORE_TYPE_INT;
    case PG_VALUE_DOUBLE:
        return STORE_TYPE_DOUBLE;
    case PG_VALUE_TEXT:
        return STORE_TYPE_TEXT;
    case PG_VALUE_BLOB:
        return STORE_TYPE_BLOB;
    case PG_VALUE_NULL:
        break;
    }
    return STORE_TYPE_NULL;
}

static int64_t engine_changes(struct store_stmt *stmt)
{
    return pg_stmt_changes(handle_of(stmt));
}

static const char *engine_error(struct store_stmt *stmt)
{
    return pg_stmt_error(handle_of(stmt));
}

// ---- connections ----

// A command's result in exec's terms: a conflict or a retry is an error there.
static int engine_exec(struct store_db *db, const char *sql)
{
    int rc = noted(db->conn, pg_conn_exec(db->conn, sql));
    return rc == STORE_OK || rc == STORE_FULL ? rc : STORE_ERROR;
}

static bool engine_in_transaction(struct store_db *db)
{
    return pg_conn_in_transaction(db->conn);
}

static struct store_db *db_new(struct pg_conn *conn)
{
    struct store_db *db = calloc(1, sizeof *db);
    if (db == NULL) {
        pg_conn_close(conn);
        return NULL;
    }
    db->conn = conn;
    return db;
}

static struct store_db *engine_conn_open(struct store *store)
{
    char err[512];
    struct pg_conn *conn = pg_conn_open(store_location(store), 0, err, sizeof err);
    if (conn == NULL) {
        log_error("store: cannot open a read connection: %s", err);
        store_note_unreachable();
        return NULL;
    }
    return db_new(conn);
}

static void engine_conn_close(struct store_db *db, bool writer)
{
    (void)writer;
    if (db == NULL)
        return;
    pg_conn_close(db->conn);
    free(db);
}

// Checks that the database is a chengguan one this binary knows. Returns 0,
// or -1 with the reason in err.
static int check_version(struct pg_conn *conn, int *schema_version, char *err, size_t err_size)
{
    int version = pg_schema_version(conn);
    if (version <= 0) {
        snprintf(err, err_size, "the database is not a chengguan database%s",
                 version < 0 ? " (see the log)" : " (run chengguan migrate first)");
        return -1;
    }
    if (version > pg_latest_schema_version()) {
        snprintf(err, err_size,
                 "the database has schema version %d, newer than this chengguan (%d); "
                 "use a newer chengguan",
                 version, pg_latest_schema_version());
        return -1;
    }
    *schema_version = version;
    return 0;
}

static struct store_db *engine_open(struct store *store, const struct store_options *options,
                                    int *schema_version, char *err, size_t err_size)
{
    struct pg_conn *conn = pg_conn_open(store_location(store), 0, err, err_size);
    if (conn == NULL)
        return NULL;
    int rc = options->read_only ? check_version(conn, schema_version, err, err_size)
                                : pg_migrate(conn, schema_version, err, err_size);
    if (rc != 0) {
        pg_conn_close(conn);
        return NULL;
    }
    return db_new(conn);
}

// ---- tools ----

static int engine_backup(struct store *store, const char *dest_path,
                         const struct store_backup_progress *progress, char *err, size_t err_size)
{
    (void)store;
    (void)dest_path;
    (void)progress;
    snprintf(err, err_size,
             "chengguan backup copies SQLite files only: on PostgreSQL use pg_basebackup or "
             "pg_dump");
    return -1;
}

// The plan PostgreSQL would use for any parameters: the statement is prepared
// with the types the server infers and explained as a generic plan (version 15
// has no EXPLAIN (GENERIC_PLAN); force_generic_plan makes EXPLAIN EXECUTE show
// it whatever values are passed, here NULLs).
static int engine_explain(struct store_db *db, const char *name, const char *sql,
                          void (*fn)(const char *name, const char *plan, void *data), void *data)
{
    struct pg_params params = {0};
    char *text = pg_sql_rewrite(sql, &params);
    char *prepare = NULL, *explain = NULL;
    int rc = STORE_ERROR;
    if (text == NULL)
        goto done;
    size_t prepare_size = strlen(text) + 64, explain_size = 64 + params.count * 6;
    prepare = malloc(prepare_size);
    explain = malloc(explain_size);
    if (prepare == NULL || explain == NULL)
        goto done;
    snprintf(prepare, prepare_size, "PREPARE cg_explain AS %s", text);
    size_t used = (size_t)snprintf(explain, explain_size, "EXPLAIN EXECUTE cg_explain");
    for (size_t i = 0; i < params.count; i++)
        used += (size_t)snprintf(explain + used, explain_size - used, "%sNULL", i ? ", " : "(");
    snprintf(explain + used, explain_size - used, "%s", params.count ? ")" : "");
    if (pg_conn_exec(db->conn, prepare) != STORE_OK) {
        log_error("store: cannot explain %s (see above)", name);
        goto done;
    }
    if (pg_conn_exec(db->conn, "SET plan_cache_mode = force_generic_plan") == STORE_OK) {
        struct pg_stmt *stmt = pg_stmt_new(db->conn, explain);
        int step = stmt ? pg_step(stmt) : STORE_ERROR;
        for (; step == PG_ROW; step = pg_step(stmt))
            fn(name, pg_col_text(stmt, 0), data);
        pg_stmt_free(stmt);
        rc = step == PG_DONE ? STORE_OK : STORE_ERROR;
    }
    pg_conn_exec(db->conn, "RESET plan_cache_mode");
    pg_conn_exec(db->conn, "DEALLOCATE cg_explain");
done:
    free(prepare);
    free(explain);
    free(text);
    pg_params_free(&params);
    return rc;
}

// PostgreSQL checks its pages itself (and checksums them when the cluster was
// made so); this says the database answers.
static bool engine_integrity_ok(struct store_db *db)
{
    static const char SQL[] = "SELECT 1";
    struct pg_stmt *stmt = pg_stmt_new(db->conn, SQL);
    bool ok = stmt != NULL && pg_step(stmt) == PG_ROW && pg_col_int(stmt, 0) == 1;
    pg_stmt_free(stmt);
    return ok;
}

const struct store_engine STORE_ENGINE_POSTGRES = {
    .name = "postgres",
    .library_version = pg_library_version,
    .open = engine_open,
    .conn_open = engine_conn_open,
    .conn_close = engine_conn_close,
    .prepare = engine_prepare,
    .finalize = engine_finalize,
    .exec = engine_exec,
    .in_transaction = engine_in_transaction,
    .reset = engine_reset,
    .has_param = engine_has_param,
    .bind_text = engine_bind_text,
    .bind_int = engine_bind_int,
    .bind_double = engine_bind_double,
    .bind_blob = engine_bind_blob,
    .bind_null = engine_bind_null,
    .step = engine_step,
    .col_int64 = engine_col_int64,
    .col_double = engine_col_double,
    .col_text = engine_col_text,
    .col_blob = engine_col_blob,
    .col_bytes = engine_col_bytes,
    .col_null = engine_col_null,
    .col_count = engine_col_count,
    .col_name = engine_col_name,
    .col_type = engine_col_type,
    .changes = engine_changes,
    .error = engine_error,
    .batch_begin_sql = PG_BATCH_BEGIN_SQL,
    .read_begin_sql = PG_READ_BEGIN_SQL,
    .after_batch = NULL,
    .backup = engine_backup,
    .explain = engine_explain,
    .integrity_ok = engine_integrity_ok,
    .location_shown = pg_location_redact,
};
