// SPDX-License-Identifier: MIT
// The SQLite engine (STORE_ENGINE_SQLITE): the write connection opened with its
// pragmas (WAL, foreign keys, synchronous) through the timed VFS and migrated,
// read-only connections, statements over sqlite3_stmt, the WAL checkpoint after
// batches and the integrity check. Backup and explain are in their own files.
#include "sqlite_engine.h"

#include "log.h"
#include "store_migrations.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

// WAL pages past which an idle writer checkpoints.
enum { SQLITE_CHECKPOINT_PAGES = 1000 };

// A statement: the store's header, then SQLite's.
struct sqlite_statement {
    struct store_stmt base;
    sqlite3_stmt *handle;
};

static sqlite3_stmt *handle_of(struct store_stmt *stmt)
{
    return ((struct sqlite_statement *)stmt)->handle;
}

int sqlite_exec(sqlite3 *handle, const char *sql)
{
    char *message = NULL;
    int rc = sqlite3_exec(handle, sql, NULL, NULL, &message);
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_FULL)
        log_error("store: %s (in: %.80s)", message ? message : sqlite3_errmsg(handle), sql);
    sqlite3_free(message);
    return rc == SQLITE_OK ? STORE_OK : (rc & 0xff) == SQLITE_FULL ? STORE_FULL : STORE_ERROR;
}

int sqlite_user_version(sqlite3 *handle)
{
    sqlite3_stmt *stmt = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(handle, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return version;
}

struct store_db *sqlite_db_open(const char *path, int flags, const char *vfs, int busy_timeout_ms,
                                char *err, size_t err_size)
{
    struct store_db *db = calloc(1, sizeof *db);
    if (db == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path, &db->handle, flags | SQLITE_OPEN_NOMUTEX, vfs) != SQLITE_OK) {
        snprintf(err, err_size, "cannot open database %s: %s", path, sqlite3_errmsg(db->handle));
        sqlite_db_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db->handle, busy_timeout_ms);
    return db;
}

void sqlite_db_close(struct store_db *db)
{
    if (db == NULL)
        return;
    sqlite3_close(db->handle);
    free(db);
}

// ---- statements ----

static struct store_stmt *engine_prepare(struct store_db *db, const char *sql)
{
    struct sqlite_statement *stmt = malloc(sizeof *stmt);
    if (stmt == NULL)
        return NULL;
    if (sqlite3_prepare_v3(db->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt->handle, NULL) !=
        SQLITE_OK) {
        log_error("store: prepare failed: %s; sql: %.120s", sqlite3_errmsg(db->handle), sql);
        free(stmt);
        return NULL;
    }
    stmt->base = (struct store_stmt){&STORE_ENGINE_SQLITE, sql};
    return &stmt->base;
}

static void engine_finalize(struct store_stmt *stmt)
{
    sqlite3_finalize(handle_of(stmt));
    free(stmt);
}

static void engine_reset(struct store_stmt *stmt)
{
    sqlite3_reset(handle_of(stmt));
    sqlite3_clear_bindings(handle_of(stmt));
}

static bool engine_has_param(struct store_stmt *stmt, const char *name)
{
    return sqlite3_bind_parameter_index(handle_of(stmt), name) > 0;
}

static bool engine_bind_text(struct store_stmt *stmt, const char *name, const char *value)
{
    int i = sqlite3_bind_parameter_index(handle_of(stmt), name);
    if (value == NULL)
        sqlite3_bind_null(handle_of(stmt), i);
    else
        sqlite3_bind_text(handle_of(stmt), i, value, -1, SQLITE_TRANSIENT);
    return i > 0;
}

static bool engine_bind_int(struct store_stmt *stmt, const char *name, int64_t value)
{
    int i = sqlite3_bind_parameter_index(handle_of(stmt), name);
    sqlite3_bind_int64(handle_of(stmt), i, value);
    return i > 0;
}

static bool engine_bind_double(struct store_stmt *stmt, const char *name, double value)
{
    int i = sqlite3_bind_parameter_index(handle_of(stmt), name);
    sqlite3_bind_double(handle_of(stmt), i, value);
    return i > 0;
}

static bool engine_bind_blob(struct store_stmt *stmt, const char *name, const void *data,
                             size_t len)
{
    int i = sqlite3_bind_parameter_index(handle_of(stmt), name);
    sqlite3_bind_blob64(handle_of(stmt), i, data, len, SQLITE_TRANSIENT);
    return i > 0;
}

static bool engine_bind_null(struct store_stmt *stmt, const char *name)
{
    int i = sqlite3_bind_parameter_index(handle_of(stmt), name);
    sqlite3_bind_null(handle_of(stmt), i);
    return i > 0;
}

static int engine_step(struct store_stmt *stmt)
{
    int rc = sqlite3_step(handle_of(stmt));
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) // STORE_ROW, STORE_DONE
        return rc;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return STORE_CONFLICT;
    return (rc & 0xff) == SQLITE_FULL ? STORE_FULL : STORE_ERROR;
}

static int64_t engine_col_int64(struct store_stmt *stmt, int col)
{
    return sqlite3_column_int64(handle_of(stmt), col);
}

static double engine_col_double(struct store_stmt *stmt, int col)
{
    return sqlite3_column_double(handle_of(stmt), col);
}

static const char *engine_col_text(struct store_stmt *stmt, int col)
{
    return (const char *)sqlite3_column_text(handle_of(stmt), col);
}

static const void *engine_col_blob(struct store_stmt *stmt, int col)
{
    return sqlite3_column_blob(handle_of(stmt), col);
}

static size_t engine_col_bytes(struct store_stmt *stmt, int col)
{
    return (size_t)sqlite3_column_bytes(handle_of(stmt), col);
}

static bool engine_col_null(struct store_stmt *stmt, int col)
{
    return sqlite3_column_type(handle_of(stmt), col) == SQLITE_NULL;
}

static int engine_col_count(struct store_stmt *stmt)
{
    return sqlite3_column_count(handle_of(stmt));
}

static const char *engine_col_name(struct store_stmt *stmt, int col)
{
    return sqlite3_column_name(handle_of(stmt), col);
}

static enum store_type engine_col_type(struct store_stmt *stmt, int col)
{
    switch (sqlite3_column_type(handle_of(stmt), col)) {
    case SQLITE_INTEGER:
        return STORE_TYPE_INT;
    case SQLITE_FLOAT:
        return STORE_TYPE_DOUBLE;
    case SQLITE_TEXT:
        return STORE_TYPE_TEXT;
    case SQLITE_BLOB:
        return STORE_TYPE_BLOB;
    default:
        return STORE_TYPE_NULL;
    }
}

static int64_t engine_changes(struct store_stmt *stmt)
{
    return sqlite3_changes(sqlite3_db_handle(handle_of(stmt)));
}

static const char *engine_error(struct store_stmt *stmt)
{
    return sqlite3_errmsg(sqlite3_db_handle(handle_of(stmt)));
}

// ---- connections ----

static int engine_exec(struct store_db *db, const char *sql)
{
    return sqlite_exec(db->handle, sql);
}

static bool engine_in_transaction(struct store_db *db)
{
    return sqlite3_get_autocommit(db->handle) == 0;
}

static struct store_db *engine_conn_open(struct store *store)
{
    char err[512];
    struct store_db *db = sqlite_db_open(store_location(store), SQLITE_OPEN_READONLY, NULL,
                                         store_busy_timeout_ms(store), err, sizeof err);
    if (db == NULL) {
        log_error("store: cannot open a read connection: %s", err);
        return NULL;
    }
    sqlite_exec(db->handle, "PRAGMA foreign_keys=ON");
    sqlite_exec(db->handle, "PRAGMA temp_store=MEMORY");
    return db;
}

static void engine_conn_close(struct store_db *db, bool writer)
{
    if (writer)
        sqlite3_wal_checkpoint_v2(db->handle, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    sqlite_db_close(db);
}

static int wal_hook(void *data, sqlite3 *handle, const char *name, int pages)
{
    (void)handle;
    (void)name;
    ((struct store_db *)data)->wal_pages = pages;
    return SQLITE_OK;
}

// Checkpoint off the request path: only when no write is waiting.
static void engine_after_batch(struct store_db *writer, bool queue_empty)
{
    if (queue_empty && writer->wal_pages > SQLITE_CHECKPOINT_PAGES)
        sqlite3_wal_checkpoint_v2(writer->handle, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

static bool engine_integrity_ok(struct store_db *db)
{
    sqlite3_stmt *stmt = NULL;
    bool ok =
        sqlite3_prepare_v2(db->handle, "PRAGMA integrity_check", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW &&
        strcmp((const char *)sqlite3_column_text(stmt, 0), "ok") == 0;
    sqlite3_finalize(stmt);
    return ok;
}

static const char *engine_library_version(void)
{
    return sqlite3_libversion();
}

// ---- open and migrate ----

static int migrate(sqlite3 *handle, const char *path, int *schema_version, char *err,
                   size_t err_size)
{
    int version = sqlite_user_version(handle);
    if (version < 0) {
        snprintf(err, err_size, "cannot read the schema version of %s: %s", path,
                 sqlite3_errmsg(handle));
        return -1;
    }
    int latest = store_latest_schema_version();
    if (version > latest) {
        snprintf(err, err_size,
                 "the database %s has schema version %d, newer than this chengguan (%d); "
                 "run a newer chengguan or restore a backup",
                 path, version, latest);
        return -1;
    }
    for (int i = 0; i < STORE_MIGRATION_COUNT; i++) {
        const struct store_migration *m = &STORE_MIGRATIONS[i];
        if (m->version <= version)
            continue;
        if (sqlite_exec(handle, "BEGIN IMMEDIATE") != STORE_OK ||
            sqlite_exec(handle, m->sql) != STORE_OK || sqlite_exec(handle, "COMMIT") != STORE_OK) {
            snprintf(err, err_size, "migration %s failed: %s", m->name, sqlite3_errmsg(handle));
            sqlite_exec(handle, "ROLLBACK");
            return -1;
        }
        log_info("store: applied migration %s", m->name);
        version = m->version;
    }
    *schema_version = version;
    return 0;
}

// Opens an existing database read-only: no pragma that writes, no migration.
// Returns the connection, or NULL with the reason in err.
static struct store_db *open_read_only(struct store *store, int *schema_version, char *err,
                                       size_t err_size)
{
    const char *path = store_location(store);
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, err_size, "no database at %s: %s (give its path with --db or --data-dir)",
                 path, strerror(errno));
        return NULL;
    }
    struct store_db *db = sqlite_db_open(path, SQLITE_OPEN_READONLY, NULL,
                                         store_busy_timeout_ms(store), err, err_size);
    if (db == NULL)
        return NULL;
    int version = sqlite_user_version(db->handle);
    if (version <= 0) {
        snprintf(err, err_size, "%s is not a chengguan database%s%s", path, version < 0 ? ": " : "",
                 version < 0 ? sqlite3_errmsg(db->handle) : "");
    } else if (version > store_latest_schema_version()) {
        snprintf(err, err_size,
                 "the database %s has schema version %d, newer than this chengguan (%d); "
                 "use a newer chengguan",
                 path, version, store_latest_schema_version());
    } else {
        *schema_version = version;
        return db;
    }
    sqlite_db_close(db);
    return NULL;
}

// Sets the write connection's pragmas. Returns 0, or -1 with the reason in err.
static int configure_writer(sqlite3 *handle, const struct store_options *options, char *err,
                            size_t err_size)
{
    const char *sync = options->durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
    if (sqlite_exec(handle, "PRAGMA journal_mode=WAL") != STORE_OK ||
        sqlite_exec(handle, sync) != STORE_OK ||
        sqlite_exec(handle, "PRAGMA foreign_keys=ON") != STORE_OK ||
        // Savepoints, statement journals and sorts in memory: a write job never
        // spills to temporary files, not even a bulk load's thousands of statements.
        sqlite_exec(handle, "PRAGMA temp_store=MEMORY") != STORE_OK ||
        sqlite_exec(handle, "PRAGMA journal_size_limit=67108864") != STORE_OK ||
        sqlite_exec(handle, "PRAGMA wal_autocheckpoint=0") != STORE_OK) {
        snprintf(err, err_size, "cannot configure database %s: %s", options->path,
                 sqlite3_errmsg(handle));
        return -1;
    }
    if (options->cache_mb > 0) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA cache_size=-%lld",
                 (long long)options->cache_mb * 1024);
        sqlite_exec(handle, pragma);
    }
    return 0;
}

static struct store_db *engine_open(struct store *store, const struct store_options *options,
                                    int *schema_version, char *err, size_t err_size)
{
    if (options->read_only)
        return open_read_only(store, schema_version, err, err_size);
    // The write connection makes every fsync; it opens through the VFS that times them.
    struct store_db *db =
        sqlite_db_open(store_location(store), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                       store_timed_vfs(), store_busy_timeout_ms(store), err, err_size);
    if (db == NULL)
        return NULL;
    if (configure_writer(db->handle, options, err, err_size) != 0 ||
        migrate(db->handle, store_location(store), schema_version, err, err_size) != 0) {
        sqlite_db_close(db);
        return NULL;
    }
    sqlite3_wal_hook(db->handle, wal_hook, db);
    return db;
}

const struct store_engine STORE_ENGINE_SQLITE = {
    .name = "sqlite",
    .library_version = engine_library_version,
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
    .batch_begin_sql = "BEGIN IMMEDIATE",
    .read_begin_sql = "BEGIN",
    .after_batch = engine_after_batch,
    .backup = sqlite_backup,
    .explain = sqlite_explain,
    .integrity_ok = engine_integrity_ok,
};
