// SPDX-License-Identifier: MIT
// The PostgreSQL engine's statements (src/postgres/pg_stmt.c, pg_sql.c): the
// rewrite of ":name" parameters (pure), which locations are PostgreSQL's and
// how their passwords are hidden (pure), the SQLSTATE mapping, then against a
// throwaway cluster: every type there and back, SQLite's step semantics, the
// rows changed, constraint violations as STORE_CONFLICT, and the CJK search
// (textseg's index text and tsquery over the schema's tsvector).
#include "harness.h"

#include "textseg.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// ---- the rewrite (no server) ----

static char *rewrite(const char *sql, struct pg_params *params)
{
    char *out = pg_sql_rewrite(sql, params);
    cr_assert_not_null(out);
    return out;
}

Test(pg_rewrite, numbers_parameters_in_order_of_first_use)
{
    struct pg_params params;
    char *out = rewrite("SELECT a FROM t WHERE b = :bee AND c < :cee_2", &params);
    cr_assert_str_eq(out, "SELECT a FROM t WHERE b = $1 AND c < $2");
    cr_assert_eq(params.count, 2);
    cr_assert_str_eq(params.names[0], ":bee");
    cr_assert_str_eq(params.names[1], ":cee_2");
    free(out);
    pg_params_free(&params);
}

Test(pg_rewrite, a_name_used_twice_gets_one_number)
{
    struct pg_params params;
    char *out = rewrite("WHERE (:x IS NULL OR a = :x) AND b = :y AND c <> :x", &params);
    cr_assert_str_eq(out, "WHERE ($1 IS NULL OR a = $1) AND b = $2 AND c <> $1");
    cr_assert_eq(params.count, 2);
    free(out);
    pg_params_free(&params);
}

Test(pg_rewrite, leaves_literals_identifiers_casts_and_comments_alone)
{
    struct pg_params params;
    const char *sql = "SELECT ':a', 'it''s :b', \"col:c\", x::text, y ::bigint, E'\\':d', "
                      "$$ :e $$, $tag$ :f $tag$, arr[1:2], -- :g\n"
                      "/* :h /* :i */ :j */ :k, z::int + :m";
    char *out = rewrite(sql, &params);
    cr_assert_str_eq(out, "SELECT ':a', 'it''s :b', \"col:c\", x::text, y ::bigint, E'\\':d', "
                          "$$ :e $$, $tag$ :f $tag$, arr[1:2], -- :g\n"
                          "/* :h /* :i */ :j */ $1, z::int + $2");
    cr_assert_eq(params.count, 2);
    cr_assert_str_eq(params.names[0], ":k");
    cr_assert_str_eq(params.names[1], ":m");
    free(out);
    pg_params_free(&params);
}

Test(pg_rewrite, text_without_parameters_is_unchanged)
{
    struct pg_params params;
    const char *sql = "SELECT count(*) FROM case_record WHERE state = 'closed'";
    char *out = rewrite(sql, &params);
    cr_assert_str_eq(out, sql);
    cr_assert_eq(params.count, 0);
    free(out);
    pg_params_free(&params);
}

Test(pg_rewrite, parameters_next_to_punctuation)
{
    struct pg_params params;
    char *out = rewrite("VALUES (:a,:b)||:c", &params);
    cr_assert_str_eq(out, "VALUES ($1,$2)||$3");
    free(out);
    pg_params_free(&params);
}

// ---- locations and errors (no server) ----

Test(pg_location, postgres_urls_and_keyword_strings_are_postgres)
{
    cr_assert(pg_location_is_postgres("postgres://u@h/db"));
    cr_assert(pg_location_is_postgres("postgresql://h/db"));
    cr_assert(pg_location_is_postgres("host=/run/postgresql dbname=cg"));
    cr_assert(pg_location_is_postgres("dbname=cg"));
    cr_assert_not(pg_location_is_postgres("/var/lib/chengguan/chengguan.db"));
    cr_assert_not(pg_location_is_postgres("postgres.db"));
    cr_assert_not(pg_location_is_postgres(NULL));
}

Test(pg_location, redaction_hides_every_form_of_password)
{
    char out[256];
    pg_location_redact("postgres://cg:s3cr@t@db.example:5432/cg?sslmode=require", out, sizeof out);
    cr_assert_str_eq(out, "postgres://cg:***@db.example:5432/cg?sslmode=require");
    pg_location_redact("postgresql://cg@db/cg?password=hunter2&sslmode=verify-full", out,
                       sizeof out);
    cr_assert_str_eq(out, "postgresql://cg@db/cg?password=***&sslmode=verify-full");
    pg_location_redact("host=db password='a b\\'c' dbname=cg", out, sizeof out);
    cr_assert_str_eq(out, "host=db password=*** dbname=cg");
    pg_location_redact("postgres://db/cg", out, sizeof out);
    cr_assert_str_eq(out, "postgres://db/cg");
}

Test(pg_errors, sqlstates_map_to_store_results)
{
    cr_assert_eq(pg_sqlstate_result("23505"), STORE_CONFLICT); // unique
    cr_assert_eq(pg_sqlstate_result("23503"), STORE_CONFLICT); // foreign key
    cr_assert_eq(pg_sqlstate_result("23514"), STORE_CONFLICT); // check
    cr_assert_eq(pg_sqlstate_result("P0001"), STORE_CONFLICT); // append-only trigger
    cr_assert_eq(pg_sqlstate_result("53100"), STORE_FULL);
    cr_assert_eq(pg_sqlstate_result("53200"), STORE_FULL);
    cr_assert_eq(pg_sqlstate_result("40001"), PG_RETRY);
    cr_assert_eq(pg_sqlstate_result("40P01"), PG_RETRY);
    cr_assert_eq(pg_sqlstate_result("42601"), STORE_ERROR);
    cr_assert_eq(pg_sqlstate_result(NULL), STORE_ERROR);
    cr_assert(pg_sqlstate_connection_lost("57P01"));
    cr_assert(pg_sqlstate_connection_lost("08006"));
    cr_assert(pg_sqlstate_connection_lost(NULL));
    cr_assert_not(pg_sqlstate_connection_lost("57014")); // a statement timeout
}

// ---- against the server ----

static struct pg_conn *conn;

static void connect_shared(void)
{
    conn = pgt_connect();
    pgt_exec(conn, "CREATE TEMP TABLE t (id bigint PRIMARY KEY, i bigint, d double precision, "
                   "s text, b bytea, f boolean, n integer CHECK (n >= 0) DEFAULT 0, "
                   "u text UNIQUE)");
}

static void disconnect_shared(void)
{
    pg_conn_close(conn);
    conn = NULL;
}

TestSuite(pg_stmt, .init = connect_shared, .fini = disconnect_shared);

static const char SQL_INSERT[] = "INSERT INTO t (id, i, d, s, b, f) VALUES (:id, :i, :d, :s, :b, :f)";
static const char SQL_READ[] = "SELECT i, d, s, b, f FROM t WHERE id = :id";

// Inserts one row through the cached statement.
static void insert(int64_t id, int64_t i, double d, const char *s, const void *b, size_t blen,
                   int f)
{
    struct pg_stmt *stmt = pg_conn_stmt(conn, SQL_INSERT);
    pg_bind_int(stmt, ":id", id);
    pg_bind_int(stmt, ":i", i);
    pg_bind_double(stmt, ":d", d);
    pg_bind_text(stmt, ":s", s);
    if (b != NULL)
        pg_bind_blob(stmt, ":b", b, blen);
    if (f >= 0)
        pg_bind_int(stmt, ":f", f);
    cr_assert_eq(pg_step(stmt), PG_DONE, "insert %lld: %s", (long long)id, pg_stmt_error(stmt));
    cr_assert_eq(pg_stmt_changes(stmt), 1);
    pg_stmt_reset(stmt);
}

// The row id, ready in the cached read statement (the caller resets it).
static struct pg_stmt *read_row(int64_t id)
{
    struct pg_stmt *stmt = pg_conn_stmt(conn, SQL_READ);
    pg_bind_int(stmt, ":id", id);
    cr_assert_eq(pg_step(stmt), PG_ROW, "%s", pg_stmt_error(stmt));
    return stmt;
}

Test(pg_stmt, int64_extremes_and_doubles_keep_every_digit)
{
    insert(1, INT64_MAX, 0.1, "", NULL, 0, -1);
    insert(2, INT64_MIN, 1e300, "", NULL, 0, -1);
    insert(3, 0, -2.5e-308, "", NULL, 0, -1);
    struct pg_stmt *stmt = read_row(1);
    cr_assert_eq(pg_col_int64(stmt, 0), INT64_MAX);
    cr_assert(pg_col_double(stmt, 1) == 0.1, "0.1 came back as %.17g", pg_col_double(stmt, 1));
    pg_stmt_reset(stmt);
    stmt = read_row(2);
    cr_assert_eq(pg_col_int64(stmt, 0), INT64_MIN);
    cr_assert(pg_col_double(stmt, 1) == 1e300);
    pg_stmt_reset(stmt);
    stmt = read_row(3);
    cr_assert(pg_col_double(stmt, 1) == -2.5e-308);
    pg_stmt_reset(stmt);
}

Test(pg_stmt, cjk_text_comes_back_byte_for_byte)
{
    const char *text = "井盖破损，人行道上有积水 🚧 Ｆｕｌｌ";
    insert(1, 0, 0, text, NULL, 0, -1);
    struct pg_stmt *stmt = read_row(1);
    cr_assert_str_eq(pg_col_text(stmt, 2), text);
    cr_assert_eq(pg_col_bytes(stmt, 2), strlen(text));
    pg_stmt_reset(stmt);
}

Test(pg_stmt, bytea_with_nul_bytes_comes_back_whole)
{
    const unsigned char blob[] = {0x00, 0xff, 0x00, 0x5c, 0x78, 0x27, 0x00};
    insert(1, 0, 0, "", blob, sizeof blob, -1);
    insert(2, 0, 0, "", "", 0, -1); // an empty blob is not NULL
    struct pg_stmt *stmt = read_row(1);
    cr_assert_eq(pg_col_bytes(stmt, 3), sizeof blob);
    cr_assert_arr_eq(pg_col_blob(stmt, 3), blob, sizeof blob);
    cr_assert_not(pg_col_null(stmt, 3));
    pg_stmt_reset(stmt);
    stmt = read_row(2);
    cr_assert_not(pg_col_null(stmt, 3));
    cr_assert_eq(pg_col_bytes(stmt, 3), 0);
    pg_stmt_reset(stmt);
}

Test(pg_stmt, booleans_bind_as_one_and_zero_and_read_back_so)
{
    insert(1, 0, 0, "", NULL, 0, 1);
    insert(2, 0, 0, "", NULL, 0, 0);
    struct pg_stmt *stmt = read_row(1);
    cr_assert_eq(pg_col_int(stmt, 4), 1);
    cr_assert(pg_col_double(stmt, 4) == 1.0);
    pg_stmt_reset(stmt);
    stmt = read_row(2);
    cr_assert_eq(pg_col_int(stmt, 4), 0);
    cr_assert_not(pg_col_null(stmt, 4));
    pg_stmt_reset(stmt);
    cr_assert_eq(pgt_int(conn, "SELECT count(*) FROM t WHERE f"), 1);
}

Test(pg_stmt, null_of_every_type_reads_as_sqlite_reads_it)
{
    struct pg_stmt *stmt = pg_conn_stmt(conn, SQL_INSERT);
    pg_bind_int(stmt, ":id", 1);
    pg_bind_null(stmt, ":i");
    pg_bind_null(stmt, ":d");
    pg_bind_text(stmt, ":s", NULL);
    pg_bind_null(stmt, ":b");
    // :f left unbound: NULL too
    cr_assert_eq(pg_step(stmt), PG_DONE, "%s", pg_stmt_error(stmt));
    pg_stmt_reset(stmt);
    stmt = read_row(1);
    for (int col = 0; col < 5; col++) {
        cr_assert(pg_col_null(stmt, col), "column %d", col);
        cr_assert_eq(pg_col_int64(stmt, col), 0);
        cr_assert(pg_col_double(stmt, col) == 0.0);
        cr_assert_null(pg_col_text(stmt, col));
        cr_assert_null(pg_col_blob(stmt, col));
        cr_assert_eq(pg_col_bytes(stmt, col), 0);
    }
    pg_stmt_reset(stmt);
}

Test(pg_stmt, steps_through_rows_then_done_and_reset_clears_bindings)
{
    for (int i = 1; i <= 3; i++)
        insert(i, i * 10, 0, "", NULL, 0, -1);
    static const char SQL[] = "SELECT id, i FROM t WHERE i >= :min ORDER BY id";
    struct pg_stmt *stmt = pg_conn_stmt(conn, SQL);
    cr_assert(pg_stmt_has_param(stmt, ":min"));
    cr_assert_not(pg_stmt_has_param(stmt, ":max"));
    cr_assert_eq(pg_conn_stmt(conn, SQL), stmt, "cached by address");
    pg_bind_int(stmt, ":min", 20);
    cr_assert_eq(pg_step(stmt), PG_ROW);
    cr_assert_eq(pg_col_count(stmt), 2);
    cr_assert_eq(pg_col_int64(stmt, 0), 2);
    cr_assert_eq(pg_step(stmt), PG_ROW);
    cr_assert_eq(pg_col_int64(stmt, 1), 30);
    cr_assert_eq(pg_step(stmt), PG_DONE);
    cr_assert_eq(pg_step(stmt), PG_DONE);
    pg_stmt_reset(stmt);
    cr_assert_eq(pg_step(stmt), PG_DONE, "an unbound :min is NULL: no row");
    pg_stmt_reset(stmt);

    static const char SQL_BUMP[] = "UPDATE t SET i = i + 1 WHERE id >= :from";
    struct pg_stmt *bump = pg_conn_stmt(conn, SQL_BUMP);
    pg_bind_int(bump, ":from", 2);
    cr_assert_eq(pg_step(bump), PG_DONE);
    cr_assert_eq(pg_stmt_changes(bump), 2);
    pg_stmt_reset(bump);
}

Test(pg_stmt, constraint_violations_are_conflicts)
{
    insert(1, 0, 0, "", NULL, 0, -1);
    struct pg_stmt *stmt = pg_conn_stmt(conn, SQL_INSERT);
    pg_bind_int(stmt, ":id", 1);
    cr_assert_eq(pg_step(stmt), STORE_CONFLICT, "a duplicate primary key");
    pg_stmt_reset(stmt);
    static const char SQL_NEGATIVE[] = "UPDATE t SET n = :n WHERE id = 1";
    stmt = pg_conn_stmt(conn, SQL_NEGATIVE);
    pg_bind_int(stmt, ":n", -1);
    cr_assert_eq(pg_step(stmt), STORE_CONFLICT, "a check constraint");
    pg_stmt_reset(stmt);
    static const char SQL_NO_ID[] = "INSERT INTO t (id) VALUES (:id)";
    stmt = pg_conn_stmt(conn, SQL_NO_ID);
    pg_bind_null(stmt, ":id");
    cr_assert_eq(pg_step(stmt), STORE_CONFLICT, "NOT NULL");
    pg_stmt_reset(stmt);
    // The connection goes on working after each.
    cr_assert_eq(pgt_int(conn, "SELECT count(*) FROM t"), 1);
}

Test(pg_stmt, a_failed_transaction_does_not_commit)
{
    pgt_exec(conn, "BEGIN");
    cr_assert(pg_conn_in_transaction(conn));
    insert(1, 0, 0, "", NULL, 0, -1);
    struct pg_stmt *stmt = pg_conn_stmt(conn, SQL_INSERT);
    pg_bind_int(stmt, ":id", 1);
    cr_assert_eq(pg_step(stmt), STORE_CONFLICT);
    pg_stmt_reset(stmt);
    cr_assert_eq(pg_conn_exec(conn, "COMMIT"), STORE_ERROR, "PostgreSQL rolled it back");
    cr_assert_not(pg_conn_in_transaction(conn));
    cr_assert_eq(pgt_int(conn, "SELECT count(*) FROM t"), 0);
}

Test(pg_stmt, a_rolled_back_savepoint_lets_the_transaction_go_on)
{
    pgt_exec(conn, "BEGIN");
    insert(1, 0, 0, "", NULL, 0, -1);
    pgt_exec(conn, "SAVEPOINT job");
    struct pg_stmt *stmt = pg_conn_stmt(conn, SQL_INSERT);
    pg_bind_int(stmt, ":id", 1);
    cr_assert_eq(pg_step(stmt), STORE_CONFLICT);
    pg_stmt_reset(stmt);
    pgt_exec(conn, "ROLLBACK TO SAVEPOINT job");
    pgt_exec(conn, "RELEASE job");
    insert(2, 0, 0, "", NULL, 0, -1);
    pgt_exec(conn, "COMMIT");
    cr_assert_eq(pgt_int(conn, "SELECT count(*) FROM t"), 2);
}

Test(pg_stmt, a_bad_statement_is_an_error_with_a_message)
{
    static const char SQL[] = "SELECT no_such_column FROM t WHERE id = :id";
    struct pg_stmt *stmt = pg_conn_stmt(conn, SQL);
    pg_bind_int(stmt, ":id", 1);
    cr_assert_eq(pg_step(stmt), STORE_ERROR);
    cr_assert(strstr(pg_stmt_error(stmt), "no_such_column") != NULL, "%s", pg_stmt_error(stmt));
    pg_stmt_reset(stmt);
    cr_assert_eq(pgt_int(conn, "SELECT 7"), 7);
}

Test(pg_stmt, a_concurrent_update_under_repeatable_read_asks_for_a_retry)
{
    char url[PGT_URL_SIZE];
    pgt_database(url);
    struct pg_conn *one = pgt_connect_to(url, 0), *other = pgt_connect_to(url, 0);
    pgt_exec(one, "CREATE TABLE shared_row (id int PRIMARY KEY, v int)");
    pgt_exec(one, "INSERT INTO shared_row VALUES (1, 0)");
    pgt_exec(one, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    cr_assert_eq(pgt_int(one, "SELECT v FROM shared_row WHERE id = 1"), 0);
    pgt_exec(other, "UPDATE shared_row SET v = 1 WHERE id = 1");
    cr_assert_eq(pg_conn_exec(one, "UPDATE shared_row SET v = 2 WHERE id = 1"), PG_RETRY);
    pgt_exec(one, "ROLLBACK");
    pg_conn_close(one);
    pg_conn_close(other);
}

// ---- search: textseg's tsquery over case_fts's tsvector ----

// The ids (ascending, into ids) of the documents the search text finds.
static size_t search(struct pg_conn *db, const char *text, long long *ids, size_t max)
{
    static const char SQL[] = "SELECT rowid FROM docs WHERE seg_tsv @@ to_tsquery('simple', :q) "
                              "ORDER BY rowid";
    char *query = textseg_tsquery(text, strlen(text));
    cr_assert_not_null(query);
    struct pg_stmt *stmt = pg_conn_stmt(db, SQL);
    pg_bind_text(stmt, ":q", query);
    size_t n = 0;
    int rc;
    while ((rc = pg_step(stmt)) == PG_ROW)
        if (n < max)
            ids[n++] = pg_col_int64(stmt, 0);
    cr_assert_eq(rc, PG_DONE, "%s: %s", query, pg_stmt_error(stmt));
    pg_stmt_reset(stmt);
    free(query);
    return n;
}

Test(pg_search, cjk_bigrams_find_two_character_terms_and_phrases_only_where_they_are)
{
    char url[PGT_URL_SIZE], err[256] = "";
    pgt_database(url);
    struct pg_conn *db = pgt_connect_to(url, 0);
    int version;
    cr_assert_eq(pg_migrate(db, &version, err, sizeof err), 0, "%s", err);
    // The search table as the migrations define it (its tsvector expression),
    // without the reference to case_record.
    pgt_exec(db, "CREATE TEMP TABLE docs (LIKE case_fts INCLUDING GENERATED)");
    static const char *const DOCS[] = {"井盖破损", "人行道上有积水", "Manhole cover missing",
                                       "行道树倒了", "it's a 'quoted' \\ text"};
    static const char SQL_ADD[] = "INSERT INTO docs (rowid, seg) VALUES (:id, :seg)";
    for (size_t i = 0; i < sizeof DOCS / sizeof DOCS[0]; i++) {
        char *seg = textseg_index(DOCS[i], strlen(DOCS[i]));
        struct pg_stmt *add = pg_conn_stmt(db, SQL_ADD);
        pg_bind_int(add, ":id", (int64_t)i + 1);
        pg_bind_text(add, ":seg", seg);
        cr_assert_eq(pg_step(add), PG_DONE, "%s", pg_stmt_error(add));
        pg_stmt_reset(add);
        free(seg);
    }
    long long ids[8];
    cr_assert_eq(search(db, "井盖", ids, 8), 1);
    cr_assert_eq(ids[0], 1);
    cr_assert_eq(search(db, "盖", ids, 8), 1, "a single character");
    cr_assert_eq(search(db, "人行道", ids, 8), 1, "the phrase, not 行道 alone");
    cr_assert_eq(ids[0], 2);
    cr_assert_eq(search(db, "行道", ids, 8), 2);
    cr_assert_eq(ids[1], 4);
    cr_assert_eq(search(db, "MANHOL", ids, 8), 1, "a word is a prefix, any case");
    cr_assert_eq(ids[0], 3);
    cr_assert_eq(search(db, "井盖 manhole", ids, 8), 0, "terms are ANDed");
    cr_assert_eq(search(db, "'quoted' & !x", ids, 8), 0, "no tsquery syntax gets through");
    cr_assert_eq(search(db, "quoted it", ids, 8), 1);
    cr_assert_eq(ids[0], 5);
    pg_conn_close(db);
}
