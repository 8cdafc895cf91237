// SPDX-License-Identifier: MIT
// The SQL dialect audit (make pg-dialect): prepares each statement it reads on
// a PostgreSQL database through the engine's own rewrite of ":name"
// parameters, after migrating the database, and prints each one PostgreSQL
// refuses with its error. Reads "location\0name\0sql\0" records on standard
// input (tests/pg/sql_statements.mjs writes them). Exits 1 when any is refused.
//   pg_dialect URL < records
#include "pg_stmt.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Reads standard input whole; *len gets its size. NULL when memory runs out.
static char *read_all(size_t *len)
{
    size_t cap = 1 << 16;
    char *data = malloc(cap);
    *len = 0;
    for (size_t n; data != NULL && (n = fread(data + *len, 1, cap - *len, stdin)) > 0;) {
        *len += n;
        if (*len == cap) {
            char *grown = realloc(data, cap *= 2);
            if (grown == NULL)
                free(data);
            data = grown;
        }
    }
    return data;
}

// Prepares one statement; prints it when PostgreSQL refuses it. Returns 1
// when refused.
static int audit(struct pg_conn *conn, const char *location, const char *name, const char *sql)
{
    struct pg_stmt *stmt = pg_stmt_new(conn, sql);
    if (stmt == NULL)
        return 1;
    int refused = pg_stmt_prepare(stmt) != STORE_OK;
    if (refused)
        printf("REFUSED %s %s\n  %s\n", location, name, pg_stmt_error(stmt));
    pg_stmt_free(stmt);
    return refused;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s URL < records\n", argv[0]);
        return 2;
    }
    log_set_level(LOG_WARN); // the refusals are printed here, once
    char err[512];
    struct pg_conn *conn = pg_conn_open(argv[1], 10000, err, sizeof err);
    int version = 0;
    if (conn == NULL || pg_migrate(conn, &version, err, sizeof err) != 0) {
        fprintf(stderr, "pg_dialect: %s\n", err);
        pg_conn_close(conn);
        return 2;
    }
    size_t len = 0;
    char *data = read_all(&len);
    int total = 0, refused = 0;
    for (size_t at = 0; data != NULL && at < len;) {
        const char *fields[3];
        for (int i = 0; i < 3; i++) {
            fields[i] = at < len ? data + at : "";
            at += strnlen(data + at, len - at) + 1;
        }
        total++;
        refused += audit(conn, fields[0], fields[1], fields[2]);
    }
    printf("%d statements: %d prepare on PostgreSQL (schema version %d), %d refused\n", total,
           total - refused, version, refused);
    free(data);
    pg_conn_close(conn);
    return refused > 0 ? 1 : 0;
}
