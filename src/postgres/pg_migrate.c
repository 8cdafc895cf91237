// SPDX-License-Identifier: MIT
// The PostgreSQL migrations runner: the texts of migrations/postgres/, embedded
// by the Makefile (STORE_PG_MIGRATIONS), applied in order at start-up, each in
// its own transaction with its row in schema_version (PostgreSQL's stand-in
// for PRAGMA user_version), under an advisory lock so that two servers
// starting at once migrate once.
#include "pg_stmt.h"

#include "log.h"
#include "store_migrations.h"

#include <stdio.h>
#include <string.h>

// A session advisory lock of its own ("cgmigrat" in ASCII as a bigint), held
// while migrating; released on success, failure, or when the session ends.
static const char SQL_LOCK[] = "SELECT pg_advisory_lock(7162814031830606196)";
static const char SQL_UNLOCK[] = "SELECT pg_advisory_unlock(7162814031830606196)";

int pg_latest_schema_version(void)
{
    return STORE_PG_MIGRATION_COUNT > 0
               ? STORE_PG_MIGRATIONS[STORE_PG_MIGRATION_COUNT - 1].version
               : 0;
}

int pg_schema_version(struct pg_conn *conn)
{
    // Two statements: the second cannot even be prepared before migration 0001.
    static const char SQL_EXISTS[] = "SELECT to_regclass('schema_version') IS NOT NULL";
    static const char SQL_MAX[] = "SELECT COALESCE(max(version), 0) FROM schema_version";
    struct pg_stmt *exists = pg_conn_stmt(conn, SQL_EXISTS);
    if (exists == NULL || pg_step(exists) != PG_ROW) {
        pg_stmt_reset(exists);
        return -1;
    }
    bool present = pg_col_int(exists, 0) == 1;
    pg_stmt_reset(exists);
    if (!present)
        return 0;
    struct pg_stmt *max = pg_conn_stmt(conn, SQL_MAX);
    int version = max != NULL && pg_step(max) == PG_ROW ? pg_col_int(max, 0) : -1;
    pg_stmt_reset(max);
    return version;
}

// Applies one migration and its schema_version row in one transaction.
static int apply(struct pg_conn *conn, const struct store_migration *m)
{
    static const char SQL_RECORD[] =
        "INSERT INTO schema_version (version, name, applied_at) "
        "VALUES (:version, :name, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)";
    if (pg_conn_exec(conn, "BEGIN") != STORE_OK)
        return -1;
    if (pg_conn_exec(conn, m->sql) == STORE_OK) {
        // Made per migration: the table exists only once the first has run.
        struct pg_stmt *record = pg_stmt_new(conn, SQL_RECORD);
        int rc = STORE_ERROR;
        if (record != NULL) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(sizeof name - 1), m->name);
            char *dot = strrchr(name, '.');
            if (dot != NULL)
                *dot = '\0';
            pg_bind_int(record, ":version", m->version);
            pg_bind_text(record, ":name", name);
            rc = pg_step(record);
        }
        pg_stmt_free(record);
        if (rc == PG_DONE && pg_conn_exec(conn, "COMMIT") == STORE_OK)
            return 0;
    }
    pg_conn_exec(conn, "ROLLBACK");
    return -1;
}

static int migrate_locked(struct pg_conn *conn, int *version, char *err, size_t err_size)
{
    int current = pg_schema_version(conn);
    if (current < 0) {
        snprintf(err, err_size, "cannot read the schema version (see the log)");
        return -1;
    }
    int latest = pg_latest_schema_version();
    if (current > latest) {
        snprintf(err, err_size,
                 "the database has schema version %d, newer than this chengguan (%d); "
                 "run a newer chengguan or restore a backup",
                 current, latest);
        return -1;
    }
    for (int i = 0; i < STORE_PG_MIGRATION_COUNT; i++) {
        const struct store_migration *m = &STORE_PG_MIGRATIONS[i];
        if (m->version <= current)
            continue;
        if (apply(conn, m) != 0) {
            snprintf(err, err_size, "migration %s failed (see the log); the database stays at "
                     "version %d", m->name, current);
            return -1;
        }
        log_info("store: applied migration %s", m->name);
        current = m->version;
    }
    *version = current;
    return 0;
}

int pg_migrate(struct pg_conn *conn, int *version, char *err, size_t err_size)
{
    if (pg_conn_exec(conn, SQL_LOCK) != STORE_OK) {
        snprintf(err, err_size, "cannot take the migration lock (see the log)");
        return -1;
    }
    int rc = migrate_locked(conn, version, err, err_size);
    pg_conn_exec(conn, SQL_UNLOCK);
    return rc;
}
