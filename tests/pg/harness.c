// SPDX-License-Identifier: MIT
// The PostgreSQL engine tests' harness (see harness.h): the run's cluster,
// fresh databases, and clusters of a test's own, through tests/pg/cluster.sh.
#include "harness.h"

#include "log.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PGT_URL_ENV "CHENGGUAN_TEST_PG_URL"
#define PGT_DIR_ENV "CHENGGUAN_TEST_PG_DIR" // set when this binary started the cluster

// Runs tests/pg/cluster.sh with a command and a directory; its first output
// line goes into out (when not NULL). Returns its exit status.
static int cluster(const char *command, const char *dir, char *out, size_t size)
{
    char line[1024];
    snprintf(line, sizeof line, "bash '%s/tests/pg/cluster.sh' %s '%s'", PGT_ROOT, command, dir);
    FILE *pipe = popen(line, "r");
    if (pipe == NULL)
        return -1;
    char first[PGT_URL_SIZE] = "";
    if (fgets(first, sizeof first, pipe) != NULL)
        first[strcspn(first, "\n")] = '\0';
    while (fgets(line, sizeof line, pipe) != NULL)
        ;
    int status = pclose(pipe);
    if (out != NULL)
        snprintf(out, size, "%s", first);
    return status;
}

ReportHook(PRE_ALL)(struct criterion_test_set *tests)
{
    (void)tests;
    if (getenv(PGT_URL_ENV) != NULL)
        return;
    char dir[256], url[PGT_URL_SIZE];
    snprintf(dir, sizeof dir, "%s/tests/.tmp/pg-tests-%ld", PGT_ROOT, (long)getpid());
    if (cluster("start", dir, url, sizeof url) != 0) {
        fprintf(stderr, "tests/pg/cluster.sh start failed: every test here fails "
                        "(run `make test-deps` as root to install PostgreSQL)\n");
        return;
    }
    setenv(PGT_URL_ENV, url, 1);
    setenv(PGT_DIR_ENV, dir, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    const char *dir = getenv(PGT_DIR_ENV);
    if (dir != NULL)
        cluster("stop", dir, NULL, 0);
}

const char *pgt_url(void)
{
    const char *url = getenv(PGT_URL_ENV);
    cr_assert(url != NULL && url[0] != '\0', "no PostgreSQL cluster for the tests");
    return url;
}

struct pg_conn *pgt_connect_to(const char *url, int timeout_ms)
{
    char err[512] = "";
    log_set_level(LOG_ERROR);
    struct pg_conn *conn = pg_conn_open(url, timeout_ms, err, sizeof err);
    cr_assert_not_null(conn, "pg_conn_open: %s", err);
    return conn;
}

struct pg_conn *pgt_connect(void)
{
    return pgt_connect_to(pgt_url(), 0);
}

void pgt_exec(struct pg_conn *conn, const char *sql)
{
    cr_assert_eq(pg_conn_exec(conn, sql), STORE_OK, "%s", sql);
}

long long pgt_int(struct pg_conn *conn, const char *sql)
{
    struct pg_stmt *stmt = pg_stmt_new(conn, sql);
    cr_assert_not_null(stmt);
    cr_assert_eq(pg_step(stmt), PG_ROW, "%s: %s", sql, pg_stmt_error(stmt));
    long long value = pg_col_int64(stmt, 0);
    pg_stmt_free(stmt);
    return value;
}

void pgt_database(char url[PGT_URL_SIZE])
{
    static unsigned serial;
    char name[64], sql[128];
    snprintf(name, sizeof name, "t_%ld_%u", (long)getpid(), serial++);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    struct pg_conn *conn = pgt_connect();
    pgt_exec(conn, sql);
    pg_conn_close(conn);
    // The run's URL ends in "/chengguan" (cluster.sh): the new name replaces it.
    const char *base = pgt_url();
    const char *slash = strrchr(base, '/');
    cr_assert(slash != NULL && strcmp(slash, "/chengguan") == 0, "unexpected URL %s", base);
    snprintf(url, PGT_URL_SIZE, "%.*s/%s", (int)(slash - base), base, name);
}

void pgt_cluster_start(const char *dir, char url[PGT_URL_SIZE])
{
    cr_assert_eq(cluster("start", dir, url, PGT_URL_SIZE), 0, "cluster.sh start %s", dir);
}

void pgt_cluster_restart(const char *dir)
{
    cr_assert_eq(cluster("restart", dir, NULL, 0), 0, "cluster.sh restart %s", dir);
}

void pgt_cluster_stop(const char *dir)
{
    cr_assert_eq(cluster("stop", dir, NULL, 0), 0, "cluster.sh stop %s", dir);
}
