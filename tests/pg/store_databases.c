// SPDX-License-Identifier: MIT
// The conformance suite's PostgreSQL databases (tests/store/server_databases.h)
// through libpq: each command runs on the server's maintenance database
// "postgres", reached with the credentials of the store location.
#include "server_databases.h"

#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

bool server_db_is_server(const char *location)
{
    return strncmp(location, "postgres://", 11) == 0 ||
           strncmp(location, "postgresql://", 13) == 0 || strncmp(location, "host=", 5) == 0 ||
           strncmp(location, "dbname=", 7) == 0;
}

static void ignore_notice(void *data, const char *message)
{
    (void)data;
    (void)message; // "database ... does not exist, skipping"
}

// A connection to "postgres" on the server of location; NULL (reported in
// err) when it cannot be reached.
static PGconn *admin_connect(const char *location, char *err, size_t size)
{
    const char *const keys[] = {"dbname", "dbname", "fallback_application_name", NULL};
    const char *const values[] = {location, "postgres", "chengguan-tests", NULL};
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, size, "cannot reach the server: %s", pg ? PQerrorMessage(pg) : "no memory");
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, ignore_notice, NULL);
    return pg;
}

// The database name of location, quoted as an identifier for pg (free with
// PQfreemem); NULL when it has none.
static char *quoted_dbname(PGconn *pg, const char *location)
{
    PQconninfoOption *options = PQconninfoParse(location, NULL);
    char *quoted = NULL;
    for (PQconninfoOption *o = options; o != NULL && o->keyword != NULL; o++)
        if (strcmp(o->keyword, "dbname") == 0 && o->val != NULL)
            quoted = PQescapeIdentifier(pg, o->val, strlen(o->val));
    PQconninfoFree(options);
    return quoted;
}

// Runs format with the quoted names of a and b (b may be NULL). Returns true
// on success; otherwise the reason is in err.
static bool admin_run(const char *format, const char *a, const char *b, char *err, size_t size)
{
    PGconn *pg = admin_connect(a, err, size);
    if (pg == NULL)
        return false;
    char *name_a = quoted_dbname(pg, a), *name_b = b ? quoted_dbname(pg, b) : NULL;
    bool ok = false;
    if (name_a == NULL || (b != NULL && name_b == NULL)) {
        snprintf(err, size, "no database name in the location");
    } else {
        char sql[600];
        snprintf(sql, sizeof sql, format, name_a, name_b ? name_b : "");
        PGresult *res = PQexec(pg, sql);
        ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok)
            snprintf(err, size, "%s: %s", sql, PQerrorMessage(pg));
        PQclear(res);
    }
    PQfreemem(name_a);
    PQfreemem(name_b);
    PQfinish(pg);
    return ok;
}

bool server_db_exists(const char *location)
{
    char err[512];
    PGconn *pg = admin_connect(location, err, sizeof err);
    cr_assert_not_null(pg, "%s", err);
    PQconninfoOption *options = PQconninfoParse(location, NULL);
    const char *name = NULL;
    for (PQconninfoOption *o = options; o != NULL && o->keyword != NULL; o++)
        if (strcmp(o->keyword, "dbname") == 0)
            name = o->val;
    const char *params[] = {name};
    PGresult *res = PQexecParams(pg, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL,
                                 params, NULL, NULL, 0);
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(pg));
    bool exists = PQntuples(res) > 0;
    PQclear(res);
    PQconninfoFree(options);
    PQfinish(pg);
    return exists;
}

void server_db_create(const char *location, const char *template)
{
    char err[1024] = "";
    bool ok = template != NULL
                  ? admin_run("CREATE DATABASE %s TEMPLATE %s", location, template, err, sizeof err)
                  : admin_run("CREATE DATABASE %s", location, NULL, err, sizeof err);
    cr_assert(ok, "%s", err);
}

void server_db_rename(const char *from, const char *to)
{
    char err[1024] = "";
    cr_assert(admin_run("ALTER DATABASE %s RENAME TO %s", from, to, err, sizeof err), "%s", err);
}

void server_db_drop(const char *location, bool quietly)
{
    char err[1024] = "";
    bool ok = admin_run("DROP DATABASE IF EXISTS %s WITH (FORCE)", location, NULL, err, sizeof err);
    if (!ok && quietly)
        fprintf(stderr, "conformance: %s\n", err);
    else
        cr_assert(ok, "%s", err);
}
