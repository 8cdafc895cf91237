// SPDX-License-Identifier: MIT
// The PostgreSQL engine's connection and statements over libpq: connect with
// the session settings the store relies on, prepare ":name" statements as
// $1..$n on first use (again after a reconnect), bind by name in text format,
// step through the rows SQLite-style, read columns as SQLite's column calls
// read them, and map failures by SQLSTATE. SQL text and values reach the log
// only, never a client.
#include "pg_stmt.h"

#include "log.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

// The type OIDs the columns are read by (PostgreSQL's pg_type.dat).
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_NUMERIC = 1700
};

enum { PG_ERROR_SIZE = 256, PG_SMALL_VALUE = 32 };

struct pg_cached {
    const char *sql;
    struct pg_stmt *stmt;
};

struct pg_conn {
    PGconn *pg;
    int statement_timeout_ms;
    uint64_t session;   // counts connections made: a statement prepared in an
                        // older one is prepared again
    unsigned reconnects;
    unsigned next_name; // server-side statement names: "cg1", "cg2"...
    bool lost;          // the connection broke; the next use reconnects
    bool lost_in_tx;    // ...inside a transaction: nothing runs until ROLLBACK
    bool tx_before;     // a transaction was open when the last command began
    size_t count, capacity;
    struct pg_cached *cache;
};

struct pg_param {
    const char *value; // NULL: SQL NULL
    int length;
    int format; // 0 text, 1 binary (blobs)
    char *heap; // owned copy when the value does not fit small
    char small[PG_SMALL_VALUE];
};

struct pg_decoded {
    unsigned char *data; // a bytea column of the current row, decoded (NUL-terminated)
    size_t len;
};

struct pg_stmt {
    struct pg_conn *conn;
    const char *sql;   // the caller's text, ":name" parameters
    char *text;        // the text sent, $1..$n
    struct pg_params params;
    struct pg_param *values;
    const char **value_ptrs;
    int *lengths, *formats;
    char name[16];
    uint64_t prepared_in; // the session it was prepared in; 0: not yet
    PGresult *result;
    bool executed;
    int row, rows, columns;
    int64_t changes;
    struct pg_decoded *decoded; // one per column
    char error[PG_ERROR_SIZE];
};

const char *pg_library_version(void)
{
    static char version[16];
    if (version[0] == '\0') {
        int v = PQlibVersion(); // 150008 for 15.8
        snprintf(version, sizeof version, "%d.%d", v / 10000, v % 10000);
    }
    return version;
}

// Copies a libpq message into out on one line (its newlines become "; ").
static void one_line(char *out, size_t size, const char *message)
{
    size_t used = 0;
    for (const char *p = message ? message : ""; *p != '\0' && used + 3 < size; p++) {
        if (*p != '\n') {
            out[used++] = *p;
        } else if (p[1] != '\0') {
            out[used++] = ';';
            out[used++] = ' ';
            while (p[1] == ' ' || p[1] == '\t')
                p++;
        }
    }
    out[used] = '\0';
}

// The session settings, after every (re)connection: every commit waits for
// the WAL flush, statements stop after the timeout, bytea reads back as hex.
static bool conn_setup(struct pg_conn *conn)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SET synchronous_commit = on; SET statement_timeout = %d; "
             "SET bytea_output = 'hex'; SET standard_conforming_strings = on",
             conn->statement_timeout_ms > 0 ? conn->statement_timeout_ms : 0);
    PGresult *res = PQexec(conn->pg, sql);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        log_error("store: PostgreSQL session settings failed: %s", PQresultErrorMessage(res));
    PQclear(res);
    conn->session++;
    return ok;
}

// The server's notices (a ROLLBACK with no transaction open, say) go to the
// debug log, not to standard error.
static void notice_to_log(void *data, const char *message)
{
    (void)data;
    char line[PG_ERROR_SIZE];
    one_line(line, sizeof line, message);
    log_debug("store: PostgreSQL says: %s", line);
}

struct pg_conn *pg_conn_open(const char *location, int statement_timeout_ms, char *err,
                             size_t err_size)
{
    char shown[256];
    pg_location_redact(location, shown, sizeof shown);
    struct pg_conn *conn = calloc(1, sizeof *conn);
    if (conn == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    conn->statement_timeout_ms = statement_timeout_ms;
    // Keywords before dbname are defaults the location may override; those
    // after it are the store's own (text is UTF-8 everywhere).
    const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname",
                                "client_encoding", NULL};
    const char *const values[] = {"10", "chengguan", location, "UTF8", NULL};
    conn->pg = PQconnectdbParams(keys, values, 1);
    if (conn->pg == NULL || PQstatus(conn->pg) != CONNECTION_OK) {
        char why[300];
        one_line(why, sizeof why, conn->pg ? PQerrorMessage(conn->pg) : "out of memory");
        snprintf(err, err_size, "cannot connect to PostgreSQL at %s: %s", shown, why);
        pg_conn_close(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn->pg, notice_to_log, NULL);
    if (!conn_setup(conn)) {
        snprintf(err, err_size, "cannot set up the session on %s (see the log)", shown);
        pg_conn_close(conn);
        return NULL;
    }
    return conn;
}

static void stmt_free(struct pg_stmt *stmt, bool deallocate);

void pg_conn_close(struct pg_conn *conn)
{
    if (conn == NULL)
        return;
    for (size_t i = 0; i < conn->count; i++)
        stmt_free(conn->cache[i].stmt, false);
    free(conn->cache);
    PQfinish(conn->pg);
    free(conn);
}

unsigned pg_conn_reconnects(const struct pg_conn *conn)
{
    return conn->reconnects;
}

bool pg_conn_is_lost(const struct pg_conn *conn)
{
    return conn->lost;
}

bool pg_conn_in_transaction(const struct pg_conn *conn)
{
    if (conn->lost)
        return conn->lost_in_tx;
    PGTransactionStatusType status = PQtransactionStatus(conn->pg);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

// Makes the connection usable again after it was lost: a new session (its
// prepared statements are gone; each is prepared again on its next use).
// False while it cannot (the server is still away, or a transaction was lost
// and not yet rolled back).
static bool conn_ready(struct pg_conn *conn)
{
    if (!conn->lost)
        return true;
    if (conn->lost_in_tx)
        return false;
    PQreset(conn->pg);
    if (PQstatus(conn->pg) != CONNECTION_OK) {
        char why[300];
        one_line(why, sizeof why, PQerrorMessage(conn->pg));
        log_error("store: PostgreSQL is still unreachable: %s", why);
        return false;
    }
    if (!conn_setup(conn))
        return false;
    conn->lost = false;
    conn->reconnects++;
    log_info("store: reconnected to PostgreSQL");
    return true;
}

// Notes the state before a command runs, for a failure to tell whether it
// lost a transaction.
static void command_begins(struct pg_conn *conn)
{
    PGTransactionStatusType status = PQtransactionStatus(conn->pg);
    conn->tx_before = status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

// The store result of a failed command (res may be NULL), after noting a
// lost connection and logging what the caller cannot tell the client.
// Conflicts and retries are answers, not faults: logged at debug level.
static int command_failed(struct pg_conn *conn, const PGresult *res, const char *sql, char *error,
                          size_t error_size)
{
    const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    char message[PG_ERROR_SIZE];
    one_line(message, sizeof message, res ? PQresultErrorMessage(res) : PQerrorMessage(conn->pg));
    if (error != NULL)
        snprintf(error, error_size, "%s", message);
    int result = pg_sqlstate_result(sqlstate);
    if (PQstatus(conn->pg) == CONNECTION_BAD || pg_sqlstate_connection_lost(sqlstate)) {
        conn->lost = true;
        conn->lost_in_tx = conn->tx_before;
        log_error("store: the connection to PostgreSQL was lost%s: %s",
                  conn->tx_before ? " inside a transaction" : "", message);
        return STORE_ERROR;
    }
    if (result == STORE_CONFLICT || result == PG_RETRY)
        log_debug("store: %s (SQLSTATE %s)", message, sqlstate);
    else
        log_error("store: %s (SQLSTATE %s); sql: %.120s", message, sqlstate ? sqlstate : "none",
                  sql);
    return result;
}

int pg_conn_exec(struct pg_conn *conn, const char *sql)
{
    bool rollback = strncasecmp(sql, "ROLLBACK", 8) == 0 && strchr(sql, ' ') == NULL;
    if (rollback && conn->lost)
        conn->lost_in_tx = false; // the transaction is gone anyway
    if (!conn_ready(conn)) {
        if (conn->lost_in_tx)
            log_error("store: the connection was lost inside a transaction; %.40s refused until "
                      "ROLLBACK",
                      sql);
        return STORE_ERROR;
    }
    command_begins(conn);
    PGresult *res = PQexec(conn->pg, sql);
    ExecStatusType status = PQresultStatus(res);
    int result = STORE_OK;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        result = command_failed(conn, res, sql, NULL, 0);
    } else if (!rollback && strcmp(PQcmdStatus(res), "ROLLBACK") == 0 &&
               strncasecmp(sql, "ROLLBACK", 8) != 0) {
        // PostgreSQL answers COMMIT of a failed transaction by rolling it back.
        log_error("store: the transaction had failed; %.40s rolled it back", sql);
        result = STORE_ERROR;
    }
    PQclear(res);
    return result;
}

// ---- statements ----

struct pg_stmt *pg_stmt_new(struct pg_conn *conn, const char *sql)
{
    struct pg_stmt *stmt = calloc(1, sizeof *stmt);
    if (stmt == NULL)
        return NULL;
    stmt->conn = conn;
    stmt->sql = sql;
    stmt->text = pg_sql_rewrite(sql, &stmt->params);
    size_t n = stmt->params.count ? stmt->params.count : 1;
    stmt->values = calloc(n, sizeof *stmt->values);
    stmt->value_ptrs = calloc(n, sizeof *stmt->value_ptrs);
    stmt->lengths = calloc(n, sizeof *stmt->lengths);
    stmt->formats = calloc(n, sizeof *stmt->formats);
    if (stmt->text == NULL || stmt->values == NULL || stmt->value_ptrs == NULL ||
        stmt->lengths == NULL || stmt->formats == NULL) {
        stmt_free(stmt, false);
        return NULL;
    }
    snprintf(stmt->name, sizeof stmt->name, "cg%u", ++conn->next_name);
    return stmt;
}

struct pg_stmt *pg_conn_stmt(struct pg_conn *conn, const char *sql)
{
    for (size_t i = 0; i < conn->count; i++)
        if (conn->cache[i].sql == sql)
            return conn->cache[i].stmt;
    if (conn->count == conn->capacity) {
        size_t capacity = conn->capacity ? conn->capacity * 2 : 32;
        struct pg_cached *grown = realloc(conn->cache, capacity * sizeof *grown);
        if (grown == NULL)
            return NULL;
        conn->cache = grown;
        conn->capacity = capacity;
    }
    struct pg_stmt *stmt = pg_stmt_new(conn, sql);
    if (stmt != NULL)
        conn->cache[conn->count++] = (struct pg_cached){sql, stmt};
    return stmt;
}

static void decoded_clear(struct pg_stmt *stmt)
{
    for (int i = 0; stmt->decoded != NULL && i < stmt->columns; i++) {
        free(stmt->decoded[i].data);
        stmt->decoded[i] = (struct pg_decoded){0};
    }
}

static void param_clear(struct pg_param *param)
{
    free(param->heap);
    *param = (struct pg_param){0};
}

void pg_stmt_reset(struct pg_stmt *stmt)
{
    if (stmt == NULL)
        return;
    decoded_clear(stmt);
    free(stmt->decoded);
    stmt->decoded = NULL;
    PQclear(stmt->result);
    stmt->result = NULL;
    stmt->executed = false;
    stmt->row = stmt->rows = stmt->columns = 0;
    for (size_t i = 0; i < stmt->params.count; i++)
        param_clear(&stmt->values[i]);
}

static void stmt_free(struct pg_stmt *stmt, bool deallocate)
{
    if (stmt == NULL)
        return;
    pg_stmt_reset(stmt);
    struct pg_conn *conn = stmt->conn;
    if (deallocate && stmt->prepared_in == conn->session && !conn->lost) {
        char sql[40];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", stmt->name);
        PQclear(PQexec(conn->pg, sql));
    }
    pg_params_free(&stmt->params);
    free(stmt->text);
    free(stmt->values);
    free(stmt->value_ptrs);
    free(stmt->lengths);
    free(stmt->formats);
    free(stmt);
}

void pg_stmt_free(struct pg_stmt *stmt)
{
    stmt_free(stmt, true);
}

static int param_index(const struct pg_stmt *stmt, const char *name)
{
    for (size_t i = 0; i < stmt->params.count; i++)
        if (strcmp(stmt->params.names[i], name) == 0)
            return (int)i;
    return -1;
}

bool pg_stmt_has_param(const struct pg_stmt *stmt, const char *name)
{
    return param_index(stmt, name) >= 0;
}

// The parameter to bind name to, cleared; NULL (logged) when there is none.
static struct pg_param *param_for(struct pg_stmt *stmt, const char *name)
{
    int i = param_index(stmt, name);
    if (i < 0) {
        log_error("store: no parameter %s in: %.120s", name, stmt->sql);
        return NULL;
    }
    param_clear(&stmt->values[i]);
    return &stmt->values[i];
}

// Binds a copy of len bytes (text format 0, binary 1); kept NUL-terminated.
static void param_set(struct pg_param *param, const void *data, size_t len, int format)
{
    char *copy = param->small;
    if (len >= sizeof param->small) {
        copy = param->heap = malloc(len + 1);
        if (copy == NULL) {
            log_error("store: out of memory binding %zu bytes", len);
            return; // stays NULL
        }
    }
    if (len > 0)
        memcpy(copy, data, len);
    copy[len] = '\0';
    param->value = copy;
    param->length = (int)len;
    param->format = format;
}

void pg_bind_text(struct pg_stmt *stmt, const char *name, const char *value)
{
    struct pg_param *param = param_for(stmt, name);
    if (param != NULL && value != NULL)
        param_set(param, value, strlen(value), 0);
}

void pg_bind_int(struct pg_stmt *stmt, const char *name, int64_t value)
{
    char text[24];
    int len = snprintf(text, sizeof text, "%lld", (long long)value);
    struct pg_param *param = param_for(stmt, name);
    if (param != NULL)
        param_set(param, text, (size_t)len, 0);
}

void pg_bind_double(struct pg_stmt *stmt, const char *name, double value)
{
    char text[40];
    int len;
    if (isnan(value))
        len = snprintf(text, sizeof text, "NaN");
    else if (isinf(value))
        len = snprintf(text, sizeof text, "%sInfinity", value < 0 ? "-" : "");
    else
        len = snprintf(text, sizeof text, "%.17g", value);
    struct pg_param *param = param_for(stmt, name);
    if (param != NULL)
        param_set(param, text, (size_t)len, 0);
}

void pg_bind_blob(struct pg_stmt *stmt, const char *name, const void *data, size_t len)
{
    struct pg_param *param = param_for(stmt, name);
    if (param != NULL)
        param_set(param, data, len, 1);
}

void pg_bind_null(struct pg_stmt *stmt, const char *name)
{
    param_for(stmt, name);
}

// Prepares the statement in this session when it has not been yet.
static int stmt_prepare(struct pg_stmt *stmt)
{
    struct pg_conn *conn = stmt->conn;
    if (stmt->prepared_in == conn->session)
        return STORE_OK;
    command_begins(conn);
    PGresult *res = PQprepare(conn->pg, stmt->name, stmt->text, (int)stmt->params.count, NULL);
    int result = STORE_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        result = command_failed(conn, res, stmt->sql, stmt->error, sizeof stmt->error);
    else
        stmt->prepared_in = conn->session;
    PQclear(res);
    return result;
}

int pg_stmt_prepare(struct pg_stmt *stmt)
{
    stmt->error[0] = '\0';
    if (!conn_ready(stmt->conn)) {
        snprintf(stmt->error, sizeof stmt->error, "no connection to PostgreSQL");
        return STORE_ERROR;
    }
    return stmt_prepare(stmt);
}

// Runs the prepared statement with its bindings and keeps every row.
static int stmt_run(struct pg_stmt *stmt)
{
    struct pg_conn *conn = stmt->conn;
    int result = pg_stmt_prepare(stmt);
    if (result != STORE_OK)
        return result;
    for (size_t i = 0; i < stmt->params.count; i++) {
        stmt->value_ptrs[i] = stmt->values[i].value;
        stmt->lengths[i] = stmt->values[i].length;
        stmt->formats[i] = stmt->values[i].format;
    }
    command_begins(conn);
    stmt->result = PQexecPrepared(conn->pg, stmt->name, (int)stmt->params.count, stmt->value_ptrs,
                                  stmt->lengths, stmt->formats, 0);
    ExecStatusType status = PQresultStatus(stmt->result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        result = command_failed(conn, stmt->result, stmt->sql, stmt->error, sizeof stmt->error);
        PQclear(stmt->result);
        stmt->result = NULL;
        return result;
    }
    stmt->rows = PQntuples(stmt->result);
    stmt->columns = PQnfields(stmt->result);
    stmt->changes = strtoll(PQcmdTuples(stmt->result), NULL, 10);
    if (stmt->columns > 0) {
        stmt->decoded = calloc((size_t)stmt->columns, sizeof *stmt->decoded);
        if (stmt->decoded == NULL)
            return STORE_ERROR;
    }
    return STORE_OK;
}

int pg_step(struct pg_stmt *stmt)
{
    if (!stmt->executed) {
        int result = stmt_run(stmt);
        if (result != STORE_OK)
            return result;
        stmt->executed = true;
        stmt->row = -1;
    }
    decoded_clear(stmt);
    if (stmt->row + 1 < stmt->rows) {
        stmt->row++;
        return PG_ROW;
    }
    stmt->row = stmt->rows;
    return PG_DONE;
}

// ---- columns ----

int pg_col_count(const struct pg_stmt *stmt)
{
    return stmt->columns;
}

// The text of a column of the current row, or NULL (SQL NULL, or no row).
static const char *cell(const struct pg_stmt *stmt, int col)
{
    if (stmt->result == NULL || stmt->row < 0 || stmt->row >= stmt->rows || col < 0 ||
        col >= stmt->columns || PQgetisnull(stmt->result, stmt->row, col))
        return NULL;
    return PQgetvalue(stmt->result, stmt->row, col);
}

static unsigned column_type(const struct pg_stmt *stmt, int col)
{
    return (unsigned)PQftype(stmt->result, col);
}

const char *pg_col_name(const struct pg_stmt *stmt, int col)
{
    if (stmt->result == NULL || col < 0 || col >= stmt->columns)
        return NULL;
    return PQfname(stmt->result, col);
}

enum pg_value_type pg_col_type(struct pg_stmt *stmt, int col)
{
    if (cell(stmt, col) == NULL)
        return PG_VALUE_NULL;
    switch (column_type(stmt, col)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
        return PG_VALUE_INT;
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC:
        return PG_VALUE_DOUBLE;
    case OID_BYTEA:
        return PG_VALUE_BLOB;
    default:
        return PG_VALUE_TEXT;
    }
}

bool pg_col_null(struct pg_stmt *stmt, int col)
{
    return cell(stmt, col) == NULL;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// The bytes of a bytea column ("\x" and hex digits, as bytea_output = hex
// makes them), decoded once per row. NULL for SQL NULL.
static const struct pg_decoded *bytea(struct pg_stmt *stmt, int col)
{
    const char *text = cell(stmt, col);
    if (text == NULL)
        return NULL;
    struct pg_decoded *d = &stmt->decoded[col];
    if (d->data != NULL)
        return d;
    size_t hex = strlen(text) >= 2 && text[0] == '\\' && text[1] == 'x' ? strlen(text) - 2 : 0;
    d->data = malloc(hex / 2 + 1);
    if (d->data == NULL)
        return NULL;
    d->len = 0;
    for (size_t i = 0; i + 1 < hex; i += 2) {
        int high = hex_value(text[2 + i]), low = hex_value(text[3 + i]);
        if (high < 0 || low < 0)
            break;
        d->data[d->len++] = (unsigned char)(high << 4 | low);
    }
    d->data[d->len] = '\0';
    return d;
}

int64_t pg_col_int64(struct pg_stmt *stmt, int col)
{
    const char *text = cell(stmt, col);
    if (text == NULL)
        return 0;
    unsigned type = column_type(stmt, col);
    if (type == OID_BOOL)
        return text[0] == 't';
    if (type == OID_FLOAT4 || type == OID_FLOAT8 || type == OID_NUMERIC) {
        double value = strtod(text, NULL);
        if (isnan(value))
            return 0;
        if (value >= 9223372036854775807.0)
            return INT64_MAX;
        if (value <= -9223372036854775808.0)
            return INT64_MIN;
        return (int64_t)value;
    }
    return strtoll(text, NULL, 10);
}

int pg_col_int(struct pg_stmt *stmt, int col)
{
    return (int)pg_col_int64(stmt, col);
}

double pg_col_double(struct pg_stmt *stmt, int col)
{
    const char *text = cell(stmt, col);
    if (text == NULL)
        return 0.0;
    if (column_type(stmt, col) == OID_BOOL)
        return text[0] == 't' ? 1.0 : 0.0;
    return strtod(text, NULL);
}

const char *pg_col_text(struct pg_stmt *stmt, int col)
{
    if (cell(stmt, col) != NULL && column_type(stmt, col) == OID_BYTEA) {
        const struct pg_decoded *d = bytea(stmt, col);
        return d ? (const char *)d->data : NULL;
    }
    return cell(stmt, col);
}

const void *pg_col_blob(struct pg_stmt *stmt, int col)
{
    return pg_col_text(stmt, col);
}

size_t pg_col_bytes(struct pg_stmt *stmt, int col)
{
    if (cell(stmt, col) == NULL)
        return 0;
    if (column_type(stmt, col) == OID_BYTEA) {
        const struct pg_decoded *d = bytea(stmt, col);
        return d ? d->len : 0;
    }
    return (size_t)PQgetlength(stmt->result, stmt->row, col);
}

int64_t pg_stmt_changes(const struct pg_stmt *stmt)
{
    return stmt->changes;
}

const char *pg_stmt_error(const struct pg_stmt *stmt)
{
    return stmt->error;
}
