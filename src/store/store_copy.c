// SPDX-License-Identifier: MIT
// store_copy: a city moved from one store to another, whatever their engines.
// The tables are listed here in dependency order; their columns are taken from
// the rows the source returns, so each table's statements are made at run time
// from names checked to be plain identifiers. That is the one place the store
// builds SQL: a text per table and engine written out would have to follow
// every migration, and a table a migration adds is refused here until it is
// listed (check_source_tables), never silently left behind.
#include "store_copy.h"

#include "engine.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Rows read per page; the SQL text of one statement at most.
enum { COPY_PAGE_ROWS = 1000, COPY_KEY_MAX = 4, COPY_SQL_MAX = 8192 };

// A table as copy knows it.
struct copy_table {
    const char *name;
    const char *key[COPY_KEY_MAX]; // its primary key: pages are read in this order
    const char *columns;           // what to read; NULL: every column ("*")
    const char *self_ref;          // a column naming a row of the same table (perhaps
                                   // a later one): written NULL, set in a second pass
};

// Parents before the rows that name them.
static const struct copy_table COPY_TABLES[] = {
    {"setting", {"key"}, NULL, NULL},
    {"org_unit", {"id"}, NULL, "parent_id"},
    {"app_user", {"id"}, NULL, NULL},
    {"session", {"id"}, NULL, NULL},
    {"api_token", {"id"}, NULL, NULL},
    {"grid_cell", {"id"}, NULL, NULL},
    {"grid_inspector", {"grid_id", "user_id"}, NULL, NULL},
    {"category", {"id"}, NULL, "parent_id"},
    {"category_limit", {"category_id", "stage"}, NULL, NULL},
    {"category_keyword", {"category_id", "keyword"}, NULL, NULL},
    {"category_phase", {"category_id", "seq"}, NULL, NULL},
    {"dispatch_route", {"street_id", "category_id"}, NULL, NULL},
    {"gazetteer_road", {"id"}, NULL, NULL},
    {"gazetteer_road_part", {"id"}, NULL, NULL},
    {"gazetteer_address", {"id"}, NULL, NULL},
    {"gazetteer_landmark", {"id"}, NULL, NULL},
    {"gazetteer_area", {"id"}, NULL, NULL},
    {"gazetteer_term", {"term", "kind", "ref_id"}, NULL, NULL},
    {"calendar_day", {"day"}, NULL, NULL},
    {"attachment", {"hash"}, NULL, NULL},
    {"case_record", {"id"}, NULL, "merged_into"},
    {"task_route", {"case_id", "user_id"}, NULL, NULL},
    {"case_event", {"id"}, NULL, NULL},
    {"case_link", {"case_id", "other_id", "kind"}, NULL, NULL},
    {"case_day_seq", {"day"}, NULL, NULL},
    // SQLite's FTS5 table shows only seg to "*", PostgreSQL's plain table a
    // generated tsvector besides (never written): both are read as (rowid, seg).
    {"case_fts", {"rowid"}, "rowid, seg", NULL},
    {"case_stage", {"id"}, NULL, NULL},
    {"case_rating", {"id"}, NULL, NULL},
    {"case_escalation", {"id"}, NULL, NULL},
    {"inbox_message", {"id"}, NULL, NULL},
    {"audit_log", {"id"}, NULL, NULL},
    {"assessment_snapshot", {"id"}, NULL, NULL}, // corrections name earlier ids only
    {"case_attachment", {"id"}, NULL, NULL},
    {"case_metoo", {"case_id", "client_hash"}, NULL, NULL},
    {"upload", {"user_id", "hash"}, NULL, NULL},
    {"frontage_unit", {"id"}, NULL, NULL},
    {"frontage_case", {"case_id"}, NULL, NULL},
    {"frontage_check", {"id"}, NULL, NULL},
    {"frontage_criterion", {"id"}, NULL, NULL},
    {"frontage_evaluation", {"id"}, NULL, NULL},
    {"frontage_period", {"city_id", "period"}, NULL, NULL},
    {"case_daily", {"place_path", "day"}, NULL, NULL},
    {"case_rating_tally", {"place_path", "rating"}, NULL, NULL},
    {"case_state_tally", {"state"}, NULL, NULL},
    {"case_tally_state", {"place_path", "street_id", "state"}, NULL, NULL},
    {"case_tally_source", {"place_path", "source"}, NULL, NULL},
    {"case_tally_category", {"place_path", "category_id"}, NULL, NULL},
    {"case_tally_flags", {"place_path", "self_handled", "pending"}, NULL, NULL},
    {"case_trend_tally", {"kind", "key_id", "day", "place_path"}, NULL, NULL},
    {"change_counter", {"name"}, NULL, NULL},
    {"token_callback", {"token_id"}, NULL, NULL},
    {"case_filer_token", {"case_id"}, NULL, NULL},
    {"outbox_message", {"id"}, NULL, NULL},
    {"case_notify", {"case_id"}, NULL, NULL},
    {"sms_optout", {"phone"}, NULL, NULL},
    {"org_unit_notify", {"unit_id"}, NULL, NULL},
};
enum { COPY_TABLE_COUNT = sizeof COPY_TABLES / sizeof COPY_TABLES[0] };

// SQLite's R*Trees beside the tables whose boxes they hold (the store writes
// both): each is filled from the copied rows on arrival, with the same ids.
struct copy_rtree {
    const char *name;
    const char *table;
    const char *select; // id, min_lon, max_lon, min_lat, max_lat
};
static const struct copy_rtree COPY_RTREES[] = {
    {"grid_rtree", "grid_cell", "SELECT id, min_lon, max_lon, min_lat, max_lat FROM grid_cell"},
    {"gazetteer_road_rtree", "gazetteer_road_part",
     "SELECT id, min_lon, max_lon, min_lat, max_lat FROM gazetteer_road_part"},
    {"gazetteer_address_rtree", "gazetteer_address",
     "SELECT id, lon, lon, lat, lat FROM gazetteer_address"},
    {"gazetteer_area_rtree", "gazetteer_area",
     "SELECT id, min_lon, max_lon, min_lat, max_lat FROM gazetteer_area"},
};
enum { COPY_RTREE_COUNT = sizeof COPY_RTREES / sizeof COPY_RTREES[0] };

// Tables an engine keeps that are not copied as rows: the R*Trees above,
// PostgreSQL's schema_version (its own migrations write it) and the
// gazetteer's one-row version (the migration writes the row; the source's
// number is set on the target after the copy).
static const char *const ENGINE_TABLES[] = {"grid_rtree",           "gazetteer_road_rtree",
                                            "gazetteer_address_rtree", "gazetteer_area_rtree",
                                            "schema_version",       "gazetteer_version"};

struct copy_job {
    struct store *source;
    struct store *target;
    bool to_sqlite;
    struct store_copy_report *report;
};

// A key value of the last row read: the next page starts after it.
struct copy_key {
    enum store_type type;
    int64_t number;
    char *text;
};

// One table on its way: the statements (and their texts, which they need).
struct table_copy {
    const struct copy_table *table;
    int key_count;
    char read_first[COPY_SQL_MAX], read_next[COPY_SQL_MAX], insert_sql[COPY_SQL_MAX];
    struct store_stmt *first, *next, *insert;
    int columns;                // in the rows read
    int key_col[COPY_KEY_MAX];  // where each key column is in them
    int self_col;               // where self_ref is, or -1
    struct copy_key last[COPY_KEY_MAX];
};

// Sets the report's problem (printf-style), the reason a person reads.
static void problem(struct copy_job *job, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static void problem(struct copy_job *job, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(job->report->problem, sizeof job->report->problem, format, args);
    va_end(args);
}

// True for a name that may stand in SQL as it is: [a-z_][a-z0-9_]*.
static bool plain_identifier(const char *name)
{
    if (name == NULL || !((*name >= 'a' && *name <= 'z') || *name == '_'))
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

// Appends the texts (up to a NULL) to the SQL in out (COPY_SQL_MAX bytes).
// Returns false when it does not fit.
static bool sql_append(char *out, ...)
{
    va_list args;
    va_start(args, out);
    size_t len = strlen(out);
    bool fits = true;
    for (const char *part; fits && (part = va_arg(args, const char *)) != NULL;) {
        size_t n = strlen(part);
        fits = len + n < COPY_SQL_MAX;
        if (fits) {
            memcpy(out + len, part, n + 1);
            len += n;
        }
    }
    va_end(args);
    return fits;
}

// The name of parameter i of a kind (":k0", ":c12").
static void param_name(char *out, size_t size, char kind, int i)
{
    snprintf(out, size, ":%c%d", kind, i);
}

// Runs an uncached statement that yields one integer (a count). Returns it,
// or -1 on failure (logged). Frees stmt.
static int64_t single_number(struct store_stmt *stmt)
{
    int64_t n = stmt != NULL && store_step_row(stmt) == STORE_OK ? store_col_int64(stmt, 0) : -1;
    store_stmt_done(stmt);
    store_stmt_free(stmt);
    return n;
}

// The rows of a table, on the source (tx NULL) or on the target.
static int64_t count_rows(struct copy_job *job, struct store_tx *tx, const char *table)
{
    char sql[COPY_SQL_MAX] = "";
    sql_append(sql, "SELECT count(*) FROM ", table, NULL);
    return single_number(tx ? store_tx_prepare(tx, sql) : store_read_prepare(job->source, sql));
}

static bool copy_table_known(const char *name)
{
    for (size_t i = 0; i < COPY_TABLE_COUNT; i++)
        if (strcmp(COPY_TABLES[i].name, name) == 0)
            return true;
    for (size_t i = 0; i < sizeof ENGINE_TABLES / sizeof ENGINE_TABLES[0]; i++)
        if (strcmp(ENGINE_TABLES[i], name) == 0)
            return true;
    return false;
}

// Refuses a source with a table copy does not list (STORE_CONFLICT): it would
// be left behind.
static int check_source_tables(struct copy_job *job)
{
    static const char SQL_SQLITE[] = "SELECT name FROM pragma_table_list WHERE schema = 'main' "
                                     "AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite%'";
    static const char SQL_POSTGRES[] =
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()";
    struct store_stmt *stmt =
        store_read_stmt(job->source, store_sql(job->source, SQL_SQLITE, SQL_POSTGRES));
    if (stmt == NULL)
        return STORE_ERROR;
    int rc = STORE_OK, step;
    while ((step = store_step(stmt)) == STORE_ROW)
        if (!copy_table_known(store_col_text(stmt, 0))) {
            problem(job, "the source has a table copy does not know: %s", store_col_text(stmt, 0));
            rc = STORE_CONFLICT;
            break;
        }
    if (rc == STORE_OK && step != STORE_DONE) {
        log_error("copy: reading the source's tables failed: %s", store_stmt_error(stmt));
        problem(job, "could not read the source's list of tables");
        rc = STORE_ERROR;
    }
    store_stmt_done(stmt);
    return rc;
}

// Refuses a target that holds a city (STORE_CONFLICT), then empties the
// tables its migrations seeded (categories, limits, the calendar...), which
// the source's rows replace.
static int prepare_target(struct copy_job *job, struct store_tx *tx)
{
    static const char SQL[] = "SELECT (SELECT count(*) FROM org_unit), (SELECT count(*) FROM "
                              "app_user), (SELECT count(*) FROM case_record)";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL || store_step_row(stmt) != STORE_OK) {
        store_stmt_done(stmt);
        problem(job, "could not read the target");
        return STORE_ERROR;
    }
    int64_t units = store_col_int64(stmt, 0), users = store_col_int64(stmt, 1),
            cases = store_col_int64(stmt, 2);
    store_stmt_done(stmt);
    if (units + users + cases > 0) {
        problem(job,
                "the target already holds a city (%lld org units, %lld users, %lld cases); "
                "copy fills only a new, empty database",
                (long long)units, (long long)users, (long long)cases);
        return STORE_CONFLICT;
    }
    for (int i = COPY_TABLE_COUNT - 1; i >= 0; i--) {
        int64_t rows = count_rows(job, tx, COPY_TABLES[i].name);
        char sql[COPY_SQL_MAX] = "";
        sql_append(sql, "DELETE FROM ", COPY_TABLES[i].name, NULL);
        struct store_stmt *del = rows > 0 ? store_tx_prepare(tx, sql) : NULL;
        int rc = rows < 0 || (rows > 0 && del == NULL) ? STORE_ERROR
                 : rows > 0                           ? store_exec_stmt(del)
                                                      : STORE_OK;
        store_stmt_free(del);
        if (rc != STORE_OK) {
            problem(job, "could not empty the target's table %s", COPY_TABLES[i].name);
            return STORE_ERROR;
        }
    }
    return STORE_OK;
}

// Writes the key columns as "a, b" and their parameters as ":k0, :k1".
static bool key_lists(const struct table_copy *c, char *columns, char *params)
{
    bool fits = true;
    for (int i = 0; i < c->key_count; i++) {
        char name[16];
        param_name(name, sizeof name, 'k', i);
        fits = fits && sql_append(columns, i ? ", " : "", c->table->key[i], NULL) &&
               sql_append(params, i ? ", " : "", name, NULL);
    }
    return fits;
}

// Makes the texts of the page reads: the first page, and the page after the
// key of the last row read.
static bool build_reads(struct table_copy *c)
{
    char keys[512] = "", params[512] = "";
    const char *columns = c->table->columns ? c->table->columns : "*";
    char limit[32];
    snprintf(limit, sizeof limit, " LIMIT %d", COPY_PAGE_ROWS);
    c->read_first[0] = c->read_next[0] = '\0';
    return key_lists(c, keys, params) &&
           sql_append(c->read_first, "SELECT ", columns, " FROM ", c->table->name, " ORDER BY ",
                      keys, limit, NULL) &&
           sql_append(c->read_next, "SELECT ", columns, " FROM ", c->table->name, " WHERE (",
                      keys, ") > (", params, ") ORDER BY ", keys, limit, NULL);
}

// Makes the table's insert from the columns of a row read: every column by
// its own name, parameters :c0, :c1... in the same order; finds the key and
// self_ref columns among them. Returns STORE_OK or STORE_ERROR (logged).
static int prepare_insert(struct table_copy *c, struct store_tx *tx, struct store_stmt *row)
{
    c->columns = store_col_count(row);
    c->self_col = -1;
    for (int k = 0; k < c->key_count; k++)
        c->key_col[k] = -1;
    char names[COPY_SQL_MAX] = "", params[COPY_SQL_MAX] = "";
    bool fits = true;
    for (int i = 0; i < c->columns; i++) {
        const char *name = store_col_name(row, i);
        if (!plain_identifier(name)) {
            log_error("copy: %s has a column named %s, which copy cannot write",
                      c->table->name, name ? name : "(none)");
            return STORE_ERROR;
        }
        for (int k = 0; k < c->key_count; k++)
            if (strcmp(name, c->table->key[k]) == 0)
                c->key_col[k] = i;
        if (c->table->self_ref != NULL && strcmp(name, c->table->self_ref) == 0)
            c->self_col = i;
        char param[16];
        param_name(param, sizeof param, 'c', i);
        fits = fits && sql_append(names, i ? ", " : "", name, NULL) &&
               sql_append(params, i ? ", " : "", param, NULL);
    }
    for (int k = 0; k < c->key_count; k++)
        if (c->key_col[k] < 0) {
            log_error("copy: %s has no key column %s", c->table->name, c->table->key[k]);
            return STORE_ERROR;
        }
    c->insert_sql[0] = '\0';
    if (!fits || !sql_append(c->insert_sql, "INSERT INTO ", c->table->name, " (", names,
                             ") VALUES (", params, ")", NULL)) {
        log_error("copy: the insert of %s is too long", c->table->name);
        return STORE_ERROR;
    }
    c->insert = store_tx_prepare(tx, c->insert_sql);
    return c->insert != NULL ? STORE_OK : STORE_ERROR;
}

// Binds the value of column col of row to the parameter name, as its type.
static void bind_value(struct store_stmt *stmt, const char *name, struct store_stmt *row, int col)
{
    switch (store_col_type(row, col)) {
    case STORE_TYPE_INT:
        store_bind_int(stmt, name, store_col_int64(row, col));
        break;
    case STORE_TYPE_DOUBLE:
        store_bind_double(stmt, name, store_col_double(row, col));
        break;
    case STORE_TYPE_TEXT:
        store_bind_text(stmt, name, store_col_text(row, col));
        break;
    case STORE_TYPE_BLOB: {
        const void *data = store_col_blob(row, col);
        store_bind_blob(stmt, name, data ? data : "", store_col_bytes(row, col));
        break;
    }
    case STORE_TYPE_NULL:
        store_bind_null(stmt, name);
        break;
    }
}

// Runs a write statement to its end, then store_stmt_done. Returns STORE_OK,
// STORE_FULL or STORE_ERROR (logged, with what was written).
static int run_write(struct store_stmt *stmt, const char *table)
{
    int step;
    while ((step = store_step(stmt)) == STORE_ROW)
        ;
    if (step != STORE_DONE && step != STORE_FULL)
        log_error("copy: writing %s failed: %s", table, store_stmt_error(stmt));
    store_stmt_done(stmt);
    return step == STORE_DONE ? STORE_OK : step == STORE_FULL ? STORE_FULL : STORE_ERROR;
}

// Inserts the row read (self_ref as NULL), then keeps its key for the next page.
static int insert_row(struct table_copy *c, struct store_stmt *row)
{
    for (int i = 0; i < c->columns; i++) {
        char name[16];
        param_name(name, sizeof name, 'c', i);
        if (i == c->self_col)
            store_bind_null(c->insert, name);
        else
            bind_value(c->insert, name, row, i);
    }
    for (int k = 0; k < c->key_count; k++) {
        struct copy_key *key = &c->last[k];
        key->type = store_col_type(row, c->key_col[k]);
        free(key->text);
        key->text = NULL;
        if (key->type == STORE_TYPE_INT) {
            key->number = store_col_int64(row, c->key_col[k]);
        } else if (key->type != STORE_TYPE_TEXT ||
                   (key->text = strdup(store_col_text(row, c->key_col[k]))) == NULL) {
            log_error("copy: a key of %s is neither a number nor a text", c->table->name);
            return STORE_ERROR;
        }
    }
    return run_write(c->insert, c->table->name);
}

// Reads the page after the last key (the first page when first) and inserts
// its rows. Sets *rows to how many it read. Returns STORE_OK or the failure.
static int copy_page(struct table_copy *c, struct store_tx *tx, bool first, int *rows)
{
    struct store_stmt *read = first ? c->first : c->next;
    for (int k = 0; !first && k < c->key_count; k++) {
        char name[16];
        param_name(name, sizeof name, 'k', k);
        if (c->last[k].type == STORE_TYPE_INT)
            store_bind_int(read, name, c->last[k].number);
        else
            store_bind_text(read, name, c->last[k].text);
    }
    int rc = STORE_OK, step = STORE_DONE;
    *rows = 0;
    while (rc == STORE_OK && (step = store_step(read)) == STORE_ROW) {
        if (c->insert == NULL)
            rc = prepare_insert(c, tx, read);
        if (rc == STORE_OK)
            rc = insert_row(c, read);
        ++*rows;
    }
    if (rc == STORE_OK && step != STORE_DONE) {
        log_error("copy: reading %s from the source failed: %s", c->table->name,
                  store_stmt_error(read));
        rc = STORE_ERROR;
    }
    store_stmt_done(read);
    return rc;
}

// Sets the self_ref column of the copied rows that have one, in pages by id.
static int link_rows(struct table_copy *c, struct copy_job *job, struct store_tx *tx)
{
    const char *t = c->table->name, *col = c->table->self_ref, *id = c->table->key[0];
    char read_sql[COPY_SQL_MAX] = "", update_sql[COPY_SQL_MAX] = "", limit[32];
    snprintf(limit, sizeof limit, " LIMIT %d", COPY_PAGE_ROWS);
    sql_append(read_sql, "SELECT ", id, ", ", col, " FROM ", t, " WHERE ", col,
               " IS NOT NULL AND ", id, " > :k0 ORDER BY ", id, limit, NULL);
    sql_append(update_sql, "UPDATE ", t, " SET ", col, " = :v WHERE ", id, " = :k0", NULL);
    struct store_stmt *read = store_read_prepare(job->source, read_sql);
    struct store_stmt *update = store_tx_prepare(tx, update_sql);
    int rc = read != NULL && update != NULL ? STORE_OK : STORE_ERROR;
    int64_t after = INT64_MIN;
    for (int rows = COPY_PAGE_ROWS; rc == STORE_OK && rows == COPY_PAGE_ROWS;) {
        store_bind_int(read, ":k0", after);
        int step = STORE_DONE;
        rows = 0;
        while (rc == STORE_OK && (step = store_step(read)) == STORE_ROW) {
            after = store_col_int64(read, 0);
            store_bind_int(update, ":k0", after);
            store_bind_int(update, ":v", store_col_int64(read, 1));
            rc = run_write(update, t);
            rows++;
        }
        if (rc == STORE_OK && step != STORE_DONE)
            rc = STORE_ERROR;
        store_stmt_done(read);
    }
    store_stmt_free(read);
    store_stmt_free(update);
    return rc;
}

static void table_copy_free(struct table_copy *c)
{
    store_stmt_free(c->first);
    store_stmt_free(c->next);
    store_stmt_free(c->insert);
    for (int k = 0; k < COPY_KEY_MAX; k++)
        free(c->last[k].text);
}

// Copies one table, page by page, then its self references. Adds the rows to
// the report.
static int copy_table(struct copy_job *job, struct store_tx *tx, const struct copy_table *table)
{
    struct table_copy *c = calloc(1, sizeof *c);
    if (c == NULL)
        return STORE_ERROR;
    c->table = table;
    while (c->key_count < COPY_KEY_MAX && table->key[c->key_count] != NULL)
        c->key_count++;
    int rc = build_reads(c) &&
                     (c->first = store_read_prepare(job->source, c->read_first)) != NULL &&
                     (c->next = store_read_prepare(job->source, c->read_next)) != NULL
                 ? STORE_OK
                 : STORE_ERROR;
    for (int rows = COPY_PAGE_ROWS, first = 1; rc == STORE_OK && rows == COPY_PAGE_ROWS;
         first = 0) {
        rc = copy_page(c, tx, first, &rows);
        job->report->rows += rows;
    }
    if (rc == STORE_OK && table->self_ref != NULL)
        rc = link_rows(c, job, tx);
    if (rc != STORE_OK)
        problem(job, "copying the table %s failed (see the log)", table->name);
    table_copy_free(c);
    free(c);
    return rc;
}

// Fills SQLite's R*Trees from the copied rows.
static int rebuild_boxes(struct copy_job *job, struct store_tx *tx)
{
    for (size_t i = 0; i < COPY_RTREE_COUNT; i++) {
        char sql[COPY_SQL_MAX] = "";
        sql_append(sql, "INSERT INTO ", COPY_RTREES[i].name,
                   " (id, min_lon, max_lon, min_lat, max_lat) ", COPY_RTREES[i].select, NULL);
        struct store_stmt *stmt = store_tx_prepare(tx, sql);
        int rc = stmt != NULL ? run_write(stmt, COPY_RTREES[i].name) : STORE_ERROR;
        store_stmt_free(stmt);
        if (rc != STORE_OK) {
            problem(job, "could not rebuild the boxes of %s", COPY_RTREES[i].name);
            return rc;
        }
    }
    return STORE_OK;
}

// The base map's version (its ETag) goes on from the source's, so a client's
// cached map of an older version is never taken for the current one.
static int copy_gazetteer_version(struct copy_job *job, struct store_tx *tx)
{
    int64_t version = single_number(
        store_read_prepare(job->source, "SELECT version FROM gazetteer_version WHERE id = 1"));
    struct store_stmt *stmt =
        version < 0 ? NULL
                    : store_tx_prepare(tx, "UPDATE gazetteer_version SET version = :v WHERE id = 1");
    if (stmt != NULL)
        store_bind_int(stmt, ":v", version);
    int rc = stmt != NULL ? run_write(stmt, "gazetteer_version") : STORE_ERROR;
    store_stmt_free(stmt);
    if (rc != STORE_OK)
        problem(job, "could not set the gazetteer's version");
    return rc;
}

// PostgreSQL's identity columns take their next id from a sequence, which the
// copied ids did not move: each is set past the largest id copied.
static int advance_sequences(struct copy_job *job, struct store_tx *tx)
{
    for (size_t i = 0; i < COPY_TABLE_COUNT; i++) {
        const struct copy_table *t = &COPY_TABLES[i];
        if (strcmp(t->key[0], "id") != 0 || t->key[1] != NULL)
            continue;
        char sql[COPY_SQL_MAX] = "";
        sql_append(sql, "SELECT setval(pg_get_serial_sequence('", t->name,
                   "', 'id'), COALESCE(max(id), 0) + 1, false) FROM ", t->name, NULL);
        struct store_stmt *stmt = store_tx_prepare(tx, sql);
        int rc = stmt != NULL ? run_write(stmt, t->name) : STORE_ERROR;
        store_stmt_free(stmt);
        if (rc != STORE_OK) {
            problem(job, "could not set the id sequence of %s", t->name);
            return rc;
        }
    }
    return STORE_OK;
}

// Compares the rows of every table on both sides (reporting each), walks the
// audit chain and recounts the tallies on the target. Returns STORE_OK when
// all holds, STORE_INVALID when something differs, STORE_ERROR when a count
// could not be read.
static int verify(struct copy_job *job, struct store_tx *tx)
{
    struct store_copy_report *report = job->report;
    report->counts_equal = true;
    for (size_t i = 0; i < COPY_TABLE_COUNT; i++) {
        int64_t source = count_rows(job, NULL, COPY_TABLES[i].name);
        int64_t target = count_rows(job, tx, COPY_TABLES[i].name);
        if (source < 0 || target < 0) {
            problem(job, "could not count the rows of %s", COPY_TABLES[i].name);
            return STORE_ERROR;
        }
        report->counts_equal = report->counts_equal && source == target;
        if (report->table != NULL)
            report->table(COPY_TABLES[i].name, source, target, report->data);
    }
    for (size_t i = 0; job->to_sqlite && i < COPY_RTREE_COUNT; i++) {
        int64_t rows = count_rows(job, tx, COPY_RTREES[i].table);
        int64_t boxes = count_rows(job, tx, COPY_RTREES[i].name);
        report->counts_equal = report->counts_equal && rows == boxes && rows >= 0;
        if (report->table != NULL)
            report->table(COPY_RTREES[i].name, rows, boxes, report->data);
    }
    report->broken_at = store_audit_verify_tx(tx, &report->events);
    report->tallies_match = store_tally_consistent_tx(tx);
    if (!report->counts_equal)
        problem(job, "the row counts differ");
    else if (report->broken_at != 0)
        problem(job, "the audit chain does not hold on the target (event %lld)",
                (long long)report->broken_at);
    else if (!report->tallies_match)
        problem(job, "the overview counts differ from a recount on the target");
    else
        return STORE_OK;
    return STORE_INVALID;
}

static int copy_job_run(struct store_tx *tx, void *data)
{
    struct copy_job *job = data;
    // One snapshot of the source, read on this (the target's writer) thread.
    store_read_begin(job->source);
    int rc = check_source_tables(job);
    if (rc == STORE_OK)
        rc = prepare_target(job, tx);
    for (size_t i = 0; rc == STORE_OK && i < COPY_TABLE_COUNT; i++)
        rc = copy_table(job, tx, &COPY_TABLES[i]);
    if (rc == STORE_OK)
        rc = job->to_sqlite ? rebuild_boxes(job, tx) : advance_sequences(job, tx);
    if (rc == STORE_OK)
        rc = copy_gazetteer_version(job, tx);
    if (rc == STORE_OK)
        rc = verify(job, tx);
    store_read_end(job->source);
    return rc;
}

int store_copy(struct store *from, struct store *to, struct store_copy_report *report)
{
    report->rows = report->events = report->broken_at = 0;
    report->counts_equal = report->tallies_match = false;
    report->problem[0] = '\0';
    struct copy_job job = {from, to, strcmp(store_engine_name(to), "sqlite") == 0, report};
    int latest = store_latest_schema_version();
    if (store_schema_version(from) != latest || store_schema_version(to) != latest) {
        problem(&job, "both databases must be at schema version %d; run chengguan migrate first",
                latest);
        return STORE_CONFLICT;
    }
    int rc = store_write_alone(to, copy_job_run, &job);
    if (rc != STORE_OK && report->problem[0] == '\0')
        problem(&job, rc == STORE_FULL ? "the target's disk is full"
                                       : "the copy could not be committed (see the log)");
    return rc;
}
