// SPDX-License-Identifier: MIT
// The PostgreSQL engine's connection and migrations (src/postgres): the
// session a connection sets up, a connection error that does not show the
// password, the reconnect after the server ended the session (terminated,
// restarted), a transaction lost with its connection never half-committed,
// and the migrations runner (in order, once, refusing a newer schema, two
// servers starting at once).
#include "harness.h"

#include "store_migrations.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// The text of a query returning one text value, copied into out.
static void query_text(struct pg_conn *conn, const char *sql, char *out, size_t size)
{
    struct pg_stmt *stmt = pg_stmt_new(conn, sql);
    cr_assert_eq(pg_step(stmt), PG_ROW, "%s: %s", sql, pg_stmt_error(stmt));
    snprintf(out, size, "%s", pg_col_text(stmt, 0));
    pg_stmt_free(stmt);
}

Test(pg_conn, sets_up_the_session_the_store_relies_on)
{
    struct pg_conn *conn = pgt_connect_to(pgt_url(), 1500);
    char value[64];
    query_text(conn, "SHOW application_name", value, sizeof value);
    cr_assert_str_eq(value, "chengguan");
    query_text(conn, "SHOW synchronous_commit", value, sizeof value);
    cr_assert_str_eq(value, "on");
    query_text(conn, "SHOW statement_timeout", value, sizeof value);
    cr_assert_str_eq(value, "1500ms");
    query_text(conn, "SHOW client_encoding", value, sizeof value);
    cr_assert_str_eq(value, "UTF8");
    cr_assert_not(pg_conn_in_transaction(conn));
    pg_conn_close(conn);
}

Test(pg_conn, a_statement_past_the_timeout_fails_and_the_session_goes_on)
{
    struct pg_conn *conn = pgt_connect_to(pgt_url(), 100);
    cr_assert_eq(pg_conn_exec(conn, "SELECT pg_sleep(2)"), STORE_ERROR);
    cr_assert_eq(pgt_int(conn, "SELECT 1"), 1);
    cr_assert_eq(pg_conn_reconnects(conn), 0, "a timeout is no lost connection");
    pg_conn_close(conn);
}

Test(pg_conn, a_refused_connection_names_the_server_but_not_the_password)
{
    char url[PGT_URL_SIZE], wrong[PGT_URL_SIZE + 16], err[512] = "";
    snprintf(url, sizeof url, "%s", pgt_url());
    // postgres://chengguan:PASSWORD@host...: a wrong password in its place.
    char *colon = strchr(url + strlen("postgres://"), ':'), *at = strchr(url, '@');
    cr_assert(colon != NULL && at != NULL);
    snprintf(wrong, sizeof wrong, "%.*s:NotThePassword42%s", (int)(colon - url), url, at);
    struct pg_conn *conn = pg_conn_open(wrong, 0, err, sizeof err);
    cr_assert_null(conn);
    cr_assert(strstr(err, "127.0.0.1") != NULL, "%s", err);
    cr_assert(strstr(err, "password authentication failed") != NULL, "%s", err);
    cr_assert(strstr(err, "NotThePassword42") == NULL, "%s", err);
}

// The session id of conn's server process.
static long long backend_pid(struct pg_conn *conn)
{
    return pgt_int(conn, "SELECT pg_backend_pid()");
}

static void terminate(long long pid)
{
    struct pg_conn *admin = pgt_connect();
    char sql[80];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", pid);
    pgt_exec(admin, sql);
    pg_conn_close(admin);
    usleep(100 * 1000); // the backend is gone once it has processed the signal
}

// (Two untyped parameters: PostgreSQL cannot choose a "+" without the cast.)
static const char SQL_ADD[] = "SELECT CAST(:a AS bigint) + :b";

Test(pg_conn, a_terminated_session_reconnects_on_next_use)
{
    struct pg_conn *conn = pgt_connect();
    struct pg_stmt *add = pg_conn_stmt(conn, SQL_ADD);
    pg_bind_int(add, ":a", 1);
    pg_bind_int(add, ":b", 2);
    cr_assert_eq(pg_step(add), PG_ROW);
    pg_stmt_reset(add);
    long long before = backend_pid(conn);
    terminate(before);
    cr_assert_eq(pg_conn_exec(conn, "SELECT 1"), STORE_ERROR, "the first use finds it gone");
    // The next use reconnects; the cached statement is prepared again.
    pg_bind_int(add, ":a", 40);
    pg_bind_int(add, ":b", 2);
    cr_assert_eq(pg_step(add), PG_ROW, "%s", pg_stmt_error(add));
    cr_assert_eq(pg_col_int(add, 0), 42);
    pg_stmt_reset(add);
    cr_assert_eq(pg_conn_reconnects(conn), 1);
    cr_assert_neq(backend_pid(conn), before);
    char value[16];
    query_text(conn, "SHOW synchronous_commit", value, sizeof value);
    cr_assert_str_eq(value, "on", "the new session is set up too");
    pg_conn_close(conn);
}

Test(pg_conn, a_transaction_lost_with_its_connection_is_never_half_committed)
{
    char url[PGT_URL_SIZE];
    pgt_database(url);
    struct pg_conn *conn = pgt_connect_to(url, 0);
    pgt_exec(conn, "CREATE TABLE t (id int PRIMARY KEY)");
    pgt_exec(conn, "BEGIN");
    pgt_exec(conn, "INSERT INTO t VALUES (1)");
    terminate(backend_pid(conn));
    cr_assert_eq(pg_conn_exec(conn, "INSERT INTO t VALUES (2)"), STORE_ERROR);
    cr_assert(pg_conn_in_transaction(conn), "the caller must still roll back");
    // Until ROLLBACK, nothing runs: a new session would autocommit the rest.
    cr_assert_eq(pg_conn_exec(conn, "INSERT INTO t VALUES (3)"), STORE_ERROR);
    cr_assert_eq(pg_conn_exec(conn, "COMMIT"), STORE_ERROR);
    cr_assert_eq(pg_conn_exec(conn, "ROLLBACK"), STORE_OK);
    cr_assert_not(pg_conn_in_transaction(conn));
    cr_assert_eq(pgt_int(conn, "SELECT count(*) FROM t"), 0);
    pg_conn_close(conn);
}

// The restart test's own cluster (a restart would cut off the other tests'
// sessions), stopped after the test whatever its outcome.
static char restart_dir[256];

static void stop_restart_cluster(void)
{
    if (restart_dir[0] != '\0')
        pgt_cluster_stop(restart_dir);
}

Test(pg_conn, a_restarted_server_is_reconnected_to, .timeout = 120, .fini = stop_restart_cluster)
{
    char url[PGT_URL_SIZE];
    snprintf(restart_dir, sizeof restart_dir, "%s/tests/.tmp/pg-restart-%ld", PGT_ROOT,
             (long)getpid());
    const char *dir = restart_dir;
    pgt_cluster_start(dir, url);
    struct pg_conn *conn = pgt_connect_to(url, 0);
    struct pg_stmt *add = pg_conn_stmt(conn, SQL_ADD);
    pg_bind_int(add, ":a", 1);
    pg_bind_int(add, ":b", 1);
    cr_assert_eq(pg_step(add), PG_ROW);
    pg_stmt_reset(add);
    pgt_cluster_restart(dir);
    // The first use may find the old session dead; by the second it is back.
    int rc = STORE_ERROR;
    for (int attempt = 0; attempt < 2 && rc != PG_ROW; attempt++) {
        pg_bind_int(add, ":a", 2);
        pg_bind_int(add, ":b", 3);
        rc = pg_step(add);
        if (rc != PG_ROW)
            pg_stmt_reset(add);
    }
    cr_assert_eq(rc, PG_ROW, "%s", pg_stmt_error(add));
    cr_assert_eq(pg_col_int(add, 0), 5);
    pg_stmt_reset(add);
    cr_assert_eq(pg_conn_reconnects(conn), 1);
    pg_conn_close(conn);
}

// ---- migrations ----

static struct pg_conn *fresh_database(void)
{
    char url[PGT_URL_SIZE];
    pgt_database(url);
    return pgt_connect_to(url, 0);
}

Test(pg_migrate, applies_every_migration_in_order_once)
{
    struct pg_conn *conn = fresh_database();
    cr_assert_eq(pg_schema_version(conn), 0);
    int version = -1;
    char err[256] = "";
    cr_assert_eq(pg_migrate(conn, &version, err, sizeof err), 0, "%s", err);
    cr_assert_eq(version, pg_latest_schema_version());
    cr_assert_eq(version, STORE_PG_MIGRATIONS[STORE_PG_MIGRATION_COUNT - 1].version);
    cr_assert_eq(version, STORE_MIGRATIONS[STORE_MIGRATION_COUNT - 1].version,
                 "both engines at the same version");
    cr_assert_eq(pgt_int(conn, "SELECT count(*) FROM schema_version"), STORE_PG_MIGRATION_COUNT);
    char name[64];
    query_text(conn, "SELECT name FROM schema_version WHERE version = 1", name, sizeof name);
    cr_assert_str_eq(name, "0001_foundation");
    cr_assert_gt(pgt_int(conn, "SELECT count(*) FROM category"), 0, "the seed data is there");
    // Again: nothing to do.
    cr_assert_eq(pg_migrate(conn, &version, err, sizeof err), 0, "%s", err);
    cr_assert_eq(pgt_int(conn, "SELECT count(*) FROM schema_version"), STORE_PG_MIGRATION_COUNT);
    pg_conn_close(conn);
}

Test(pg_migrate, refuses_a_schema_newer_than_the_binary)
{
    struct pg_conn *conn = fresh_database();
    int version = -1;
    char err[256] = "";
    cr_assert_eq(pg_migrate(conn, &version, err, sizeof err), 0, "%s", err);
    pgt_exec(conn, "INSERT INTO schema_version VALUES (9999, '9999_future', 0)");
    cr_assert_eq(pg_migrate(conn, &version, err, sizeof err), -1);
    cr_assert(strstr(err, "newer than this chengguan") != NULL, "%s", err);
    cr_assert(strstr(err, "9999") != NULL, "%s", err);
    pg_conn_close(conn);
}

struct migrate_run {
    char url[PGT_URL_SIZE];
    int rc, version;
    char err[256];
};

static void *migrate_thread(void *arg)
{
    struct migrate_run *run = arg;
    char err[256];
    struct pg_conn *conn = pg_conn_open(run->url, 0, err, sizeof err);
    run->rc = conn ? pg_migrate(conn, &run->version, run->err, sizeof run->err) : -2;
    pg_conn_close(conn);
    return NULL;
}

Test(pg_migrate, two_servers_starting_at_once_migrate_once)
{
    struct migrate_run runs[2] = {{.rc = -3}, {.rc = -3}};
    pgt_database(runs[0].url);
    memcpy(runs[1].url, runs[0].url, sizeof runs[1].url);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, migrate_thread, &runs[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
        cr_assert_eq(runs[i].rc, 0, "server %d: %s", i, runs[i].err);
        cr_assert_eq(runs[i].version, pg_latest_schema_version());
    }
    struct pg_conn *conn = pgt_connect_to(runs[0].url, 0);
    cr_assert_eq(pgt_int(conn, "SELECT count(*) FROM schema_version"), STORE_PG_MIGRATION_COUNT);
    pg_conn_close(conn);
}
