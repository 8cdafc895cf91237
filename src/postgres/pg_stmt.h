// SPDX-License-Identifier: MIT
// The PostgreSQL engine's building blocks, private to src/postgres/: a
// connection (from a postgres:// URL or a libpq "key=value" string) that
// reconnects after the server went away, statements written with SQLite's
// ":name" parameters and stepped the way SQLite steps them, the SQLSTATE to
// store result mapping, and the migrations runner. The store's engine table
// (struct store_engine) wraps these one to one; no header outside this folder
// names them. Only this folder includes libpq-fe.h, and this header does not.
#ifndef CHENGGUAN_POSTGRES_PG_STMT_H
#define CHENGGUAN_POSTGRES_PG_STMT_H

#include "store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pg_conn;
struct pg_stmt;

// What pg_step returns besides the store results: a row is ready, or the
// statement has run to its end (the values of the engine layer's STORE_ROW
// and STORE_DONE).
enum { PG_ROW = 100, PG_DONE = 101 };

// A serialization failure (40001) or a deadlock (40P01): nothing of the
// transaction is kept, and running it again from its BEGIN may succeed. (The
// store has no such result yet; the writer should retry the batch.)
enum { PG_RETRY = 6 };

// The transaction that begins a write batch when more than one server shares
// the database: a transaction-scoped advisory lock serialises the batches
// (and so the audit chain's appends) of every server. The key is "chenggua"
// in ASCII, as a bigint.
#define PG_BATCH_BEGIN_SQL "BEGIN; SELECT pg_advisory_xact_lock(7163086732188415329)"
// A request that only reads sees one snapshot.
#define PG_READ_BEGIN_SQL "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"

// ---- pure helpers (no server) ----

// True when location names a PostgreSQL database: a postgres:// or
// postgresql:// URL, or a libpq key=value string starting with "host=" or
// "dbname=". Anything else is a SQLite file path.
bool pg_location_is_postgres(const char *location);

// Copies location into out (size bytes, truncated) with any password replaced
// by "***": the user:password part of a URL, a password= query parameter or
// keyword. For messages and logs.
void pg_location_redact(const char *location, char *out, size_t size);

// The parameters of a rewritten statement: names[i] (with its ':') is $i+1.
struct pg_params {
    size_t count;
    char **names;
};

// Rewrites SQL written with ":name" parameters into PostgreSQL's $1..$n.
// The same name used twice gets one number; nothing inside '...' literals
// (E'...' with backslash escapes too), "..." identifiers, $tag$...$tag$
// bodies, -- and /* */ comments is touched, nor a "::" cast; a name starts
// with a letter or '_' (so "a[1:2]" stays). Returns a malloc'd string the
// caller frees and fills *params (free with pg_params_free); NULL when
// memory runs out.
char *pg_sql_rewrite(const char *sql, struct pg_params *params);

// Frees the names of params and zeroes it.
void pg_params_free(struct pg_params *params);

// The store result for a failed statement's SQLSTATE (five characters, or
// NULL when libpq reported none, as when the connection broke):
// integrity violations (23xxx) and the append-only trigger (P0001) ->
// STORE_CONFLICT; insufficient resources (53xxx: disk full, out of memory,
// too many connections) -> STORE_FULL; 40001 and 40P01 -> PG_RETRY;
// anything else -> STORE_ERROR.
int pg_sqlstate_result(const char *sqlstate);

// True when the SQLSTATE (or its absence) means the connection is gone:
// 08xxx (connection exceptions), 57P01-57P03 (administrator shutdown, crash
// shutdown, cannot connect now), or NULL.
bool pg_sqlstate_connection_lost(const char *sqlstate);

// ---- connections ----

// Opens a connection to location (see pg_location_is_postgres) with
// fallback_application_name chengguan, UTF-8, synchronous_commit on, and
// statement_timeout_ms (0: none) as the session's statement timeout.
// Returns the connection, or NULL with a message that never shows the
// password in err (at most err_size bytes).
struct pg_conn *pg_conn_open(const char *location, int statement_timeout_ms, char *err,
                             size_t err_size);

// Frees every statement it cached and closes the connection. Statements
// made with pg_stmt_new must be freed first. Accepts NULL.
void pg_conn_close(struct pg_conn *conn);

// Runs one or more plain commands without parameters (BEGIN, SAVEPOINT,
// COMMIT, SET, a migration's text), discarding any rows. Returns STORE_OK,
// STORE_CONFLICT, STORE_FULL, PG_RETRY or STORE_ERROR (logged). A COMMIT
// that PostgreSQL turned into a ROLLBACK (the transaction had failed)
// returns STORE_ERROR. After the connection was lost inside a transaction,
// everything fails until "ROLLBACK", which reconnects and returns STORE_OK.
int pg_conn_exec(struct pg_conn *conn, const char *sql);

// True while a transaction is open (or failed and not yet rolled back).
bool pg_conn_in_transaction(const struct pg_conn *conn);

// How many times the connection was made again after it was lost.
unsigned pg_conn_reconnects(const struct pg_conn *conn);

// True while the connection is lost: its last command failed because the
// server went away, and it has not been made again yet.
bool pg_conn_is_lost(const struct pg_conn *conn);

// The libpq version, e.g. "15.8" (static storage).
const char *pg_library_version(void);

// ---- statements ----

// The connection's statement for sql, made once and cached by the address of
// sql (which must have static storage). It is prepared on the server at its
// first step, and again after a reconnect. Owned by the connection. NULL when
// memory runs out.
struct pg_stmt *pg_conn_stmt(struct pg_conn *conn, const char *sql);

// A statement for sql that the connection does not cache (sql must outlive
// it); free it with pg_stmt_free before closing the connection. NULL when
// memory runs out.
struct pg_stmt *pg_stmt_new(struct pg_conn *conn, const char *sql);

// Frees a statement from pg_stmt_new (and its server-side twin). Accepts NULL.
void pg_stmt_free(struct pg_stmt *stmt);

// Ends the statement's run and clears its bindings (unbound parameters are
// NULL), so the next user starts clean. Accepts NULL.
void pg_stmt_reset(struct pg_stmt *stmt);

// Prepares the statement on the server now (the first step otherwise does):
// STORE_OK, or the failure as pg_step reports it, with pg_stmt_error set. For
// tools that check SQL without running it.
int pg_stmt_prepare(struct pg_stmt *stmt);

// True when the statement has the parameter name (":name").
bool pg_stmt_has_param(const struct pg_stmt *stmt, const char *name);

// Bind by name (":name"), text format, parameter types left to the server.
// Values are copied. A name the statement does not have is logged and
// ignored. Text NULL binds NULL; a blob is sent as bytea in binary format;
// a double keeps every digit ("%.17g"); int 1/0 also binds a boolean.
void pg_bind_text(struct pg_stmt *stmt, const char *name, const char *value);
void pg_bind_int(struct pg_stmt *stmt, const char *name, int64_t value);
void pg_bind_double(struct pg_stmt *stmt, const char *name, double value);
void pg_bind_blob(struct pg_stmt *stmt, const char *name, const void *data, size_t len);
void pg_bind_null(struct pg_stmt *stmt, const char *name);

// Runs the statement on its first call (preparing it first when this
// connection has not yet), then walks the rows it returned: PG_ROW with a
// row ready, PG_DONE after the last. On failure: STORE_CONFLICT, STORE_FULL,
// PG_RETRY or STORE_ERROR (logged with the SQLSTATE, never shown to a
// client). A lost connection is STORE_ERROR, and the next use reconnects.
// Every row is fetched at once, so other statements may run between steps.
int pg_step(struct pg_stmt *stmt);

// Columns of the current row (0-based). SQL NULL reads as 0, 0.0, NULL
// (text and blob) and 0 bytes; a boolean reads as 1 or 0; a bytea column is
// decoded (the pointer lives until the next step or reset); a numeric or
// double column read as an integer is truncated like SQLite's cast.
int pg_col_count(const struct pg_stmt *stmt);
// The name of a column of the result (valid while the result is: until the
// statement runs again or is reset), NULL before the statement ran.
const char *pg_col_name(const struct pg_stmt *stmt, int col);
// The kind of value of a column of the current row, by the column's type:
// int2, int4, int8 and boolean are integers, float4, float8 and numeric
// doubles, bytea a blob, anything else text; SQL NULL is PG_VALUE_NULL.
enum pg_value_type { PG_VALUE_NULL, PG_VALUE_INT, PG_VALUE_DOUBLE, PG_VALUE_TEXT, PG_VALUE_BLOB };
enum pg_value_type pg_col_type(struct pg_stmt *stmt, int col);
bool pg_col_null(struct pg_stmt *stmt, int col);
int64_t pg_col_int64(struct pg_stmt *stmt, int col);
int pg_col_int(struct pg_stmt *stmt, int col);
double pg_col_double(struct pg_stmt *stmt, int col);
const char *pg_col_text(struct pg_stmt *stmt, int col);
const void *pg_col_blob(struct pg_stmt *stmt, int col);
size_t pg_col_bytes(struct pg_stmt *stmt, int col);

// Rows inserted, updated or deleted by the statement's last run.
int64_t pg_stmt_changes(const struct pg_stmt *stmt);

// The last error of the statement ("" when none): for logs only.
const char *pg_stmt_error(const struct pg_stmt *stmt);

// ---- migrations ----

// Applies the embedded PostgreSQL migrations newer than the database, in
// order, each in its own transaction together with its schema_version row,
// under a session advisory lock so that servers starting together migrate
// once. Refuses a database whose schema is newer than this binary. Returns
// 0 with the resulting version in *version, or -1 with the reason in err.
int pg_migrate(struct pg_conn *conn, int *version, char *err, size_t err_size);

// The database's schema version (0 before the first migration), or -1 on
// error (logged).
int pg_schema_version(struct pg_conn *conn);

// The newest schema version this binary knows for PostgreSQL.
int pg_latest_schema_version(void);

#endif
