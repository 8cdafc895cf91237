// SPDX-License-Identifier: MIT
// SQL for cases in bulk: the filtered case list (one statement per sort order,
// optional filters as "(:x IS NULL OR ...)", keyset pages, never OFFSET) and its
// cursors, duplicates near a point, the citizen query-code lookup and the rating.
#include "store_case_lists.h"

#include "casefsm.h"
#include "casework.h"
#include "engine.h"
#include "geo.h"
#include "jurisdiction.h"
#include "log.h"
#include "store_cases.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

// ---- cursors ----

enum {
    CURSOR_TAG_NEWEST = 'n',
    CURSOR_TAG_DEADLINE = 'd',
    CURSOR_TAG_SEARCH = 's',
    CURSOR_BODY = 18,    // tag, flags, key (8), id (8)
    CURSOR_CHECKSUM = 8, // BLAKE2b-64 of the body
    CURSOR_BYTES = CURSOR_BODY + CURSOR_CHECKSUM,
};

// Not a secret: the checksum only catches edits. A forged cursor can move the start
// of a page, never widen what the caller may see (jurisdiction is in the query).
static const unsigned char CURSOR_CONTEXT[crypto_generichash_KEYBYTES_MIN] = "cg-case-cursor1";

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void cursor_checksum(const unsigned char *body, unsigned char out[CURSOR_CHECKSUM])
{
    crypto_generichash(out, CURSOR_CHECKSUM, body, CURSOR_BODY, CURSOR_CONTEXT,
                       sizeof CURSOR_CONTEXT);
}

void store_case_cursor_encode(const struct store_case_cursor *cursor,
                              char out[STORE_CASE_CURSOR_SIZE])
{
    unsigned char raw[CURSOR_BYTES] = {0};
    raw[0] = cursor->sort == STORE_CASE_SORT_DEADLINE ? CURSOR_TAG_DEADLINE
             : cursor->sort == STORE_CASE_SORT_SEARCH ? CURSOR_TAG_SEARCH
                                                      : CURSOR_TAG_NEWEST;
    raw[1] = cursor->key_null ? 1 : 0;
    put_u64(raw + 2, cursor->key_null ? 0 : (uint64_t)cursor->key);
    put_u64(raw + 10, (uint64_t)cursor->id);
    cursor_checksum(raw, raw + CURSOR_BODY);
    sodium_bin2base64(out, STORE_CASE_CURSOR_SIZE, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool store_case_cursor_decode(const char *text, struct store_case_cursor *out)
{
    if (text == NULL || strlen(text) >= STORE_CASE_CURSOR_SIZE)
        return false;
    unsigned char raw[CURSOR_BYTES + 1];
    size_t len = 0;
    const char *end = NULL;
    if (sodium_base642bin(raw, sizeof raw, text, strlen(text), NULL, &len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != text + strlen(text) || len != CURSOR_BYTES)
        return false;
    unsigned char expected[CURSOR_CHECKSUM];
    cursor_checksum(raw, expected);
    if (sodium_memcmp(expected, raw + CURSOR_BODY, CURSOR_CHECKSUM) != 0)
        return false;
    if ((raw[0] != CURSOR_TAG_NEWEST && raw[0] != CURSOR_TAG_DEADLINE &&
         raw[0] != CURSOR_TAG_SEARCH) ||
        raw[1] > 1)
        return false;
    // Re-encoding must give the same text (one text per cursor, no spare bits).
    struct store_case_cursor parsed = {
        .sort = raw[0] == CURSOR_TAG_DEADLINE ? STORE_CASE_SORT_DEADLINE
                : raw[0] == CURSOR_TAG_SEARCH ? STORE_CASE_SORT_SEARCH
                                              : STORE_CASE_SORT_NEWEST,
        .key_null = raw[1] == 1,
        .key = (int64_t)get_u64(raw + 2),
        .id = (int64_t)get_u64(raw + 10),
    };
    if (parsed.id <= 0 || (parsed.key_null && parsed.key != 0) ||
        (parsed.key_null && parsed.sort != STORE_CASE_SORT_DEADLINE) ||
        (parsed.sort == STORE_CASE_SORT_SEARCH && parsed.key != 0))
        return false;
    char again[STORE_CASE_CURSOR_SIZE];
    store_case_cursor_encode(&parsed, again);
    if (strcmp(again, text) != 0)
        return false;
    *out = parsed;
    return true;
}

// ---- the list ----

// Every page is one statement that walks an index in the page's order and stops
// after limit + 1 rows; which index depends on the sort, the jurisdiction and the
// most selective filter, so each combination has a statement of its own. The
// cursor is a row-value bound, so a later page seeks to its start. Open cases
// (the queues) have partial indexes of their own: they are a few percent of a
// bureau's years. A deadline sorts missing ones last as the largest value.
#define OPEN_STATE                                                                                 \
    "c.state IN ('reported', 'verifying', 'accepted', 'dispatched', 'processing', "                \
    "'suspended', 'handled', 'checked') "
#define DUE "coalesce(c.stage_deadline, 9223372036854775807)"

// Whether the row's task is routed to the viewer (an inspector): a left join
// on task_route's primary key (at most one row), read after STORE_CASE_COLUMNS.
#define ROUTED_TO_VIEWER "(r.user_id IS NOT NULL) "
#define MINE_COLUMN      ", " ROUTED_TO_VIEWER
#define MINE_JOIN        "LEFT JOIN task_route r ON r.case_id = c.id AND r.user_id = :viewer "
// A department's lists (no inspector's tasks there): no join, nothing routed,
// so that their walk stays in case_open_department's order.
#define NO_MINE_COLUMN ", 0 "
#define NO_MINE_FILTER "AND (CAST(:mine AS bigint) IS NULL OR CAST(:mine AS bigint) = 0) "
#define MINE_FILTER                                                                                \
    "AND (CAST(:mine AS bigint) IS NULL OR (CAST(:mine AS bigint) = 1) = " ROUTED_TO_VIEWER ") "
#define ROWS(mine)    "SELECT " STORE_CASE_COLUMNS mine "FROM case_record c "
#define IN_PLACE      "c.place_path >= :scope_lo AND c.place_path < :scope_hi "
#define IN_DEPARTMENT "c.department_id = :scope_department "

// The filters no index of the statement serves, tested on each row walked. The
// states are tested with each engine's substring search (SQLite's instr,
// PostgreSQL's strpos; CAST types the parameter for PostgreSQL); the rest is
// shared, the column test first so that PostgreSQL can type the parameter.
// The reporting window is tested with a unary plus, which keeps SQLite from
// driving a walk by it; newest-first pages bound their walk with it instead
// (NEWEST_PAGE), so a drill-down into an old month starts and stops there.
#define FILTERS_SHARED                                                                             \
    "AND (c.category_id = :category OR :category IS NULL) "                                        \
    "AND (c.grid_id = :grid OR :grid IS NULL) "                                                    \
    "AND (c.street_id = :street OR :street IS NULL) "                                              \
    "AND (c.community_id = :community OR :community IS NULL) "                                     \
    "AND (c.reporter_user_id = :reporter OR :reporter IS NULL) "                                   \
    "AND +c.created_at >= :created_from AND +c.created_at < :created_to "                          \
    "AND (c.department_id = :department OR :department IS NULL) "                                  \
    "AND (c.source = :source OR :source IS NULL) "                                                 \
    "AND (c.stage_deadline < :overdue_before OR :overdue_before IS NULL) "
#define FILTERS_SQLITE                                                                             \
    "AND (:states IS NULL OR instr(:states, ',' || c.state || ',') > 0) " FILTERS_SHARED
#define FILTERS_POSTGRES                                                                           \
    "AND (CAST(:states AS text) IS NULL OR strpos(:states, ',' || c.state || ',') > 0) "           \
    FILTERS_SHARED
// A search term on a walk that the search index does not drive (open cases by
// deadline): a lookup per open case walked, never the list of every match.
// SQLite's FTS5 table, PostgreSQL's tsvector column (with textseg_tsquery's text).
#define MATCHES_SQLITE                                                                             \
    "AND (:match IS NULL OR EXISTS (SELECT 1 FROM case_fts f WHERE case_fts MATCH :match "         \
    "AND f.rowid = c.id)) "
#define MATCHES_POSTGRES                                                                           \
    "AND (CAST(:match AS text) IS NULL OR EXISTS (SELECT 1 FROM case_fts f "                       \
    "WHERE f.seg_tsv @@ to_tsquery('simple', :match) AND f.rowid = c.id)) "

#define NEWEST_PAGE                                                                                \
    "AND c.created_at >= :created_from AND c.created_at < :created_to "                            \
    "AND (c.created_at, c.id) < (:after_key, :after_id) "                                          \
    "ORDER BY c.created_at DESC, c.id DESC LIMIT :limit"
#define DUE_PAGE                                                                                   \
    "AND " DUE " >= :after_key AND (" DUE ", c.id) > (:after_key, :after_id) "                     \
    "ORDER BY " DUE ", c.id LIMIT :limit"

// One list statement in both engines' texts, name_SQLITE and name_POSTGRES: on
// SQLite with its index named (sqlite_index: "INDEXED BY x " or ""), on
// PostgreSQL, which has the same indexes and no hints, without.
#define LIST_STATEMENT(name, sqlite_index, where, page)                                            \
    static const char name##_SQLITE[] = ROWS(MINE_COLUMN) sqlite_index STORE_CASE_JOINS MINE_JOIN  \
        where FILTERS_SQLITE MINE_FILTER MATCHES_SQLITE page;                                      \
    static const char name##_POSTGRES[] = ROWS(MINE_COLUMN) STORE_CASE_JOINS MINE_JOIN where       \
        FILTERS_POSTGRES MINE_FILTER MATCHES_POSTGRES page
// The same for a department's list.
#define DEPARTMENT_LIST_STATEMENT(name, sqlite_index, where, page)                                 \
    static const char name##_SQLITE[] = ROWS(NO_MINE_COLUMN) sqlite_index STORE_CASE_JOINS where   \
        FILTERS_SQLITE NO_MINE_FILTER MATCHES_SQLITE page;                                         \
    static const char name##_POSTGRES[] = ROWS(NO_MINE_COLUMN) STORE_CASE_JOINS where              \
        FILTERS_POSTGRES NO_MINE_FILTER MATCHES_POSTGRES page

// Newest first.
LIST_STATEMENT(SQL_NEWEST_PLACE, "INDEXED BY case_created ", "WHERE " IN_PLACE, NEWEST_PAGE);
DEPARTMENT_LIST_STATEMENT(SQL_NEWEST_DEPARTMENT, "INDEXED BY case_department ", "WHERE " IN_DEPARTMENT,
               NEWEST_PAGE);
LIST_STATEMENT(SQL_NEWEST_OPEN, "INDEXED BY case_open_created ",
               "WHERE " OPEN_STATE "AND " IN_PLACE, NEWEST_PAGE);
LIST_STATEMENT(SQL_NEWEST_CATEGORY, "INDEXED BY case_category_created ",
               "WHERE c.category_id = :category AND " IN_PLACE, NEWEST_PAGE);
LIST_STATEMENT(SQL_NEWEST_GRID, "INDEXED BY case_grid ", "WHERE c.grid_id = :grid AND " IN_PLACE,
               NEWEST_PAGE);
LIST_STATEMENT(SQL_NEWEST_STREET, "INDEXED BY case_street_created ",
               "WHERE c.street_id = :street AND " IN_PLACE, NEWEST_PAGE);
LIST_STATEMENT(SQL_NEWEST_OF_DEPARTMENT, "INDEXED BY case_department ",
               "WHERE c.department_id = :department AND " IN_PLACE, NEWEST_PAGE);

// Open cases by deadline: the queues and the overdue list.
LIST_STATEMENT(SQL_DUE_OPEN, "INDEXED BY case_open_due ", "WHERE " OPEN_STATE "AND " IN_PLACE,
               DUE_PAGE);
DEPARTMENT_LIST_STATEMENT(SQL_DUE_OPEN_DEPARTMENT, "INDEXED BY case_open_department ",
               "WHERE " OPEN_STATE "AND " IN_DEPARTMENT, DUE_PAGE);
// By deadline with closed states asked for too (closed cases have none, so they
// come last): the open cases by their index, then the rest by id.
LIST_STATEMENT(SQL_DUE_ANY, "", "WHERE " IN_PLACE, DUE_PAGE);
DEPARTMENT_LIST_STATEMENT(SQL_DUE_ANY_DEPARTMENT, "", "WHERE " IN_DEPARTMENT, DUE_PAGE);

// A search, newest filed first, driven by the search index's own rowid order:
// the page stops after limit + 1 matches inside the jurisdiction. (PostgreSQL's
// GIN index yields the matches unordered, then sorts them.)
#define SEARCH_PAGE "AND f.rowid < :after_id ORDER BY f.rowid DESC LIMIT :limit"
#define SEARCH_ROWS                                                                                \
    "SELECT " STORE_CASE_COLUMNS MINE_COLUMN "FROM case_fts f JOIN case_record c ON c.id = f.rowid "           \
    STORE_CASE_JOINS MINE_JOIN
#define SEARCH_SQLITE   SEARCH_ROWS "WHERE case_fts MATCH :match AND "
#define SEARCH_POSTGRES SEARCH_ROWS "WHERE f.seg_tsv @@ to_tsquery('simple', :match) AND "
static const char SQL_SEARCH_PLACE_SQLITE[] =
    SEARCH_SQLITE IN_PLACE FILTERS_SQLITE MINE_FILTER SEARCH_PAGE;
static const char SQL_SEARCH_PLACE_POSTGRES[] =
    SEARCH_POSTGRES IN_PLACE FILTERS_POSTGRES MINE_FILTER SEARCH_PAGE;
static const char SQL_SEARCH_DEPARTMENT_SQLITE[] =
    SEARCH_SQLITE IN_DEPARTMENT FILTERS_SQLITE MINE_FILTER SEARCH_PAGE;
static const char SQL_SEARCH_DEPARTMENT_POSTGRES[] =
    SEARCH_POSTGRES IN_DEPARTMENT FILTERS_POSTGRES MINE_FILTER SEARCH_PAGE;

// Both texts of a list statement, as a plan statement.
#define BOTH(name) name##_SQLITE, name##_POSTGRES

const struct store_plan_statement STORE_LIST_PLANS[] = {
    {"list: newest", BOTH(SQL_NEWEST_PLACE)},
    {"list: newest, a department's", BOTH(SQL_NEWEST_DEPARTMENT)},
    {"list: newest, open cases", BOTH(SQL_NEWEST_OPEN)},
    {"list: newest, one category", BOTH(SQL_NEWEST_CATEGORY)},
    {"list: newest, one grid cell", BOTH(SQL_NEWEST_GRID)},
    {"list: newest, one street", BOTH(SQL_NEWEST_STREET)},
    {"list: newest, dispatched to one department", BOTH(SQL_NEWEST_OF_DEPARTMENT)},
    {"list: open cases by deadline", BOTH(SQL_DUE_OPEN)},
    {"list: open cases by deadline, a department's", BOTH(SQL_DUE_OPEN_DEPARTMENT)},
    {"list: search", BOTH(SQL_SEARCH_PLACE)},
    {"list: search, a department's", BOTH(SQL_SEARCH_DEPARTMENT)},
};
const size_t STORE_LIST_PLAN_COUNT = sizeof STORE_LIST_PLANS / sizeof STORE_LIST_PLANS[0];

// True when every state the filter keeps is an open one (the queues).
static bool only_open_states(const char *states)
{
    if (states == NULL)
        return false;
    for (const char *p = states; *p != '\0';) {
        p += *p == ',';
        size_t len = strcspn(p, ",");
        if (len == 0)
            break;
        char name[16];
        if (len >= sizeof name)
            return false;
        memcpy(name, p, len);
        name[len] = '\0';
        int state = casefsm_state_from_name(name);
        if (state < 0 || !casefsm_state_is_open((enum casefsm_state)state))
            return false;
        p += len;
    }
    return true;
}

// The statement of a page in the store's engine: the one whose index serves its
// order, its scope and, for newest first, its most selective filter.
#define PICK(name) store_sql(store, name##_SQLITE, name##_POSTGRES)
static const char *list_sql(const struct store *store, const struct store_case_filter *f,
                            bool by_department)
{
    bool open = only_open_states(f->states);
    switch (f->sort) {
    case STORE_CASE_SORT_SEARCH:
        return by_department ? PICK(SQL_SEARCH_DEPARTMENT) : PICK(SQL_SEARCH_PLACE);
    case STORE_CASE_SORT_DEADLINE:
        if (by_department)
            return open ? PICK(SQL_DUE_OPEN_DEPARTMENT) : PICK(SQL_DUE_ANY_DEPARTMENT);
        return open ? PICK(SQL_DUE_OPEN) : PICK(SQL_DUE_ANY);
    case STORE_CASE_SORT_NEWEST:
        break;
    }
    if (by_department)
        return PICK(SQL_NEWEST_DEPARTMENT);
    if (f->grid_id > 0)
        return PICK(SQL_NEWEST_GRID);
    if (f->category_id > 0)
        return PICK(SQL_NEWEST_CATEGORY);
    if (f->department_id > 0)
        return PICK(SQL_NEWEST_OF_DEPARTMENT);
    if (f->street_id > 0)
        return PICK(SQL_NEWEST_STREET);
    return open ? PICK(SQL_NEWEST_OPEN) : PICK(SQL_NEWEST_PLACE);
}

static void bind_text_or_null(struct store_stmt *stmt, const char *name, const char *value)
{
    store_bind_text(stmt, name, value != NULL && value[0] != '\0' ? value : NULL);
}

// Binds the cursor as a row-value bound: before any row for the first page.
static void bind_after(struct store_stmt *stmt, const struct store_case_filter *f)
{
    const struct store_case_cursor *after = f->after;
    if (f->sort == STORE_CASE_SORT_SEARCH) {
        store_bind_int(stmt, ":after_id", after ? after->id : INT64_MAX);
        return;
    }
    if (f->sort == STORE_CASE_SORT_DEADLINE) {
        store_bind_int(stmt, ":after_key",
                       after ? (after->key_null ? INT64_MAX : after->key) : INT64_MIN);
        store_bind_int(stmt, ":after_id", after ? after->id : 0);
        return;
    }
    store_bind_int(stmt, ":after_key", after ? after->key : INT64_MAX);
    store_bind_int(stmt, ":after_id", after ? after->id : INT64_MAX);
}

static void bind_filter(struct store_stmt *stmt, const struct store_case_filter *f,
                        bool by_department)
{
    if (by_department) {
        store_bind_int(stmt, ":scope_department", jurisdiction_case_department(f->jurisdiction));
    } else {
        struct jurisdiction_range range;
        jurisdiction_case_range(f->jurisdiction, &range);
        store_bind_range(stmt, &range);
    }
    bind_text_or_null(stmt, ":states", f->states);
    store_bind_id(stmt, ":category", f->category_id);
    store_bind_id(stmt, ":grid", f->grid_id);
    store_bind_id(stmt, ":street", f->street_id);
    store_bind_id(stmt, ":community", f->community_id);
    store_bind_id(stmt, ":reporter", f->reporter_id);
    store_bind_int(stmt, ":created_from", f->created_from > 0 ? f->created_from : INT64_MIN);
    store_bind_int(stmt, ":created_to", f->created_to > 0 ? f->created_to : INT64_MAX);
    store_bind_id(stmt, ":department", f->department_id);
    bind_text_or_null(stmt, ":source", f->source);
    if (f->overdue)
        store_bind_int(stmt, ":overdue_before", f->now_ms);
    else
        store_bind_null(stmt, ":overdue_before");
    bind_text_or_null(stmt, ":match", f->match);
    if (store_stmt_has_param(stmt, ":viewer"))
        store_bind_id(stmt, ":viewer", f->viewer_id);
    if (f->mine != STORE_MINE_ANY && f->viewer_id > 0)
        store_bind_int(stmt, ":mine", f->mine == STORE_MINE_ONLY ? 1 : 0);
    else
        store_bind_null(stmt, ":mine");
    bind_after(stmt, f);
    store_bind_int(stmt, ":limit", f->limit + 1); // one more tells whether a page follows
}

// The cursor of a listed case in the filter's order.
static struct store_case_cursor cursor_of(const struct store_case *c, enum store_case_sort sort)
{
    struct store_case_cursor cursor = {.sort = sort, .id = c->id};
    if (sort == STORE_CASE_SORT_NEWEST)
        cursor.key = c->created_at;
    else if (sort == STORE_CASE_SORT_DEADLINE)
        cursor.key = c->stage_deadline > 0 ? c->stage_deadline : 0;
    cursor.key_null = sort == STORE_CASE_SORT_DEADLINE && c->stage_deadline <= 0;
    return cursor;
}

int store_case_list(struct store *store, const struct store_case_filter *filter,
                    void (*fn)(const struct store_case *c, void *data), void *data, bool *has_more,
                    struct store_case_cursor *next)
{
    *has_more = false;
    if (filter->limit < 1 || filter->limit > STORE_CASE_LIST_MAX ||
        (filter->after != NULL && filter->after->sort != filter->sort) ||
        (filter->sort == STORE_CASE_SORT_SEARCH && filter->match == NULL))
        return STORE_INVALID;
    if (filter->jurisdiction == NULL)
        return STORE_OK;
    bool by_department = jurisdiction_case_department(filter->jurisdiction) > 0;
    struct store_stmt *stmt = store_read_stmt(store, list_sql(store, filter, by_department));
    struct store_case *c = malloc(sizeof *c);
    if (stmt == NULL || c == NULL) {
        free(c);
        return STORE_ERROR;
    }
    bind_filter(stmt, filter, by_department);
    int rc, count = 0;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        if (count == filter->limit) {
            *has_more = true;
            break;
        }
        store_case_read_row(stmt, c);
        c->task_mine = store_col_int(stmt, STORE_CASE_COLUMN_COUNT) != 0;
        count++;
        *next = cursor_of(c, filter->sort);
        fn(c, data);
    }
    free(c);
    if (rc != STORE_ROW && rc != STORE_DONE) {
        log_error("store: case list failed: %s", store_stmt_error(stmt));
        store_stmt_done(stmt);
        return STORE_ERROR;
    }
    store_stmt_done(stmt);
    return STORE_OK;
}

// ---- duplicates ----

#define DUPLICATE_RADIUS_M 50.0

struct duplicate {
    int64_t id;
    double distance_m;
    bool same_grid;
    int64_t created_at;
};

static int duplicate_order(const void *a, const void *b)
{
    const struct duplicate *x = a, *y = b;
    bool x_far = isnan(x->distance_m), y_far = isnan(y->distance_m);
    if (x_far != y_far)
        return x_far ? 1 : -1;
    if (!x_far && x->distance_m != y->distance_m)
        return x->distance_m < y->distance_m ? -1 : 1;
    if (x->created_at != y->created_at)
        return x->created_at > y->created_at ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

// Candidates: recent cases of the cells that meet the box around the point (the
// grid's R*Tree) and of the case's own cell, on case_grid (cell, time): a few
// rows, never the whole city's last 72 hours. Same category (or any when none),
// other than the case; the distance test and the order are done in C.
#define DUPLICATE_REST                                                                             \
    "UNION SELECT CAST(:grid AS bigint) WHERE :grid IS NOT NULL) "                                 \
    "AND c.created_at >= :since AND c.id <> :exclude "                                             \
    "AND (c.category_id = :category OR :category IS NULL) LIMIT 2000"
static const char SQL_DUPLICATES_SQLITE[] =
    "SELECT c.id, c.state, c.lat, c.lon, COALESCE(c.grid_id, 0), c.created_at "
    "FROM case_record c INDEXED BY case_grid "
    "WHERE c.grid_id IN (SELECT r.id FROM grid_rtree r WHERE :has_location = 1 "
    "AND r.max_lon >= :min_lon AND r.min_lon <= :max_lon AND r.max_lat >= :min_lat "
    "AND r.min_lat <= :max_lat " DUPLICATE_REST;
// PostgreSQL: the cells' GiST index over their boxes (the expression as indexed).
static const char SQL_DUPLICATES_POSTGRES[] =
    "SELECT c.id, c.state, c.lat, c.lon, COALESCE(c.grid_id, 0), c.created_at "
    "FROM case_record c "
    "WHERE c.grid_id IN (SELECT r.id FROM grid_cell r WHERE :has_location = 1 "
    "AND box(point(r.min_lon, r.min_lat), point(r.max_lon, r.max_lat)) && "
    "box(point(:min_lon, :min_lat), point(:max_lon, :max_lat)) " DUPLICATE_REST;

const struct store_plan_statement STORE_DUPLICATE_PLANS[] = {
    {"duplicates: recent cases near a point", BOTH(SQL_DUPLICATES)},
};
const size_t STORE_DUPLICATE_PLAN_COUNT = 1;

static void bind_box(struct store_stmt *stmt, bool has_location, double lat, double lon)
{
    store_bind_int(stmt, ":has_location", has_location);
    // 50 m plus a margin; a degree of latitude is at least 110.5 km.
    double dlat = DUPLICATE_RADIUS_M * 1.1 / 110500.0;
    double coslat = cos(lat * M_PI / 180.0);
    double dlon = coslat > 0.01 ? dlat / coslat : 180.0;
    store_bind_double(stmt, ":min_lat", has_location ? lat - dlat : 0);
    store_bind_double(stmt, ":max_lat", has_location ? lat + dlat : 0);
    store_bind_double(stmt, ":min_lon", has_location ? lon - dlon : 0);
    store_bind_double(stmt, ":max_lon", has_location ? lon + dlon : 0);
}

int store_case_find_duplicates(
    struct store *store, int64_t exclude_id, int64_t category_id, int64_t grid_id,
    bool has_location, double lat, double lon, int64_t since_ms,
    void (*fn)(int64_t id, double distance_m, bool same_grid, void *data), void *data)
{
    has_location = has_location && !isnan(lat) && !isnan(lon);
    if (!has_location && grid_id <= 0)
        return STORE_OK;
    struct store_stmt *stmt = store_read_stmt(store, PICK(SQL_DUPLICATES));
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":exclude", exclude_id);
    store_bind_int(stmt, ":since", since_ms);
    store_bind_id(stmt, ":category", category_id);
    store_bind_id(stmt, ":grid", grid_id);
    bind_box(stmt, has_location, lat, lon);
    struct duplicate found[STORE_CASE_DUPLICATES_MAX];
    size_t count = 0;
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW && count < STORE_CASE_DUPLICATES_MAX) {
        int state = casefsm_state_from_name(store_col_text(stmt, 1));
        if (state < 0 || !casefsm_state_is_open((enum casefsm_state)state))
            continue;
        struct duplicate d = {
            .id = store_col_int64(stmt, 0),
            .distance_m = NAN,
            .same_grid = grid_id > 0 && store_col_int64(stmt, 4) == grid_id,
            .created_at = store_col_int64(stmt, 5),
        };
        if (has_location && !store_col_null(stmt, 2) && !store_col_null(stmt, 3)) {
            struct geo_point a = {lon, lat};
            struct geo_point b = {store_col_double(stmt, 3), store_col_double(stmt, 2)};
            d.distance_m = geo_distance_m(a, b);
        }
        if (d.same_grid || (!isnan(d.distance_m) && d.distance_m <= DUPLICATE_RADIUS_M))
            found[count++] = d;
    }
    if (rc != STORE_ROW && rc != STORE_DONE) {
        log_error("store: duplicate search failed: %s", store_stmt_error(stmt));
        store_stmt_done(stmt);
        return STORE_ERROR;
    }
    store_stmt_done(stmt);
    qsort(found, count, sizeof found[0], duplicate_order);
    for (size_t i = 0; i < count; i++)
        fn(found[i].id, found[i].distance_m, found[i].same_grid, data);
    return STORE_OK;
}

// ---- the citizen's side ----

int store_case_query_code(struct store *store, const char *case_no, int64_t *id,
                          unsigned char hash[STORE_CASE_QUERY_CODE_HASH])
{
    static const char SQL[] = "SELECT id, query_code_hash FROM case_record WHERE case_no = :no";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":no", case_no);
    int rc = store_step(stmt);
    int result = STORE_NOT_FOUND;
    if (rc == STORE_ROW && store_col_bytes(stmt, 1) == STORE_CASE_QUERY_CODE_HASH) {
        *id = store_col_int64(stmt, 0);
        memcpy(hash, store_col_blob(stmt, 1), STORE_CASE_QUERY_CODE_HASH);
        result = STORE_OK;
    } else if (rc != STORE_ROW && rc != STORE_DONE) {
        log_error("store: query code lookup failed: %s", store_stmt_error(stmt));
        result = STORE_ERROR;
    }
    store_stmt_done(stmt);
    return result;
}

// The rating's event: the citizen's words stay internal, the verdict is public
// (as a code the client renders).
static int log_rating(struct store_tx *tx, const struct store_case_rating *r)
{
    cJSON *facts = cJSON_CreateObject();
    cJSON_AddStringToObject(facts, "rating", r->rating);
    cJSON_AddStringToObject(facts, "source", r->source ? r->source : "citizen");
    cJSON_AddStringToObject(facts, "public_code", casework_rating_code(r->rating));
    char *text = cJSON_PrintUnformatted(facts);
    cJSON_Delete(facts);
    if (text == NULL)
        return STORE_ERROR;
    bool hotline = r->source != NULL && strcmp(r->source, "hotline") == 0;
    int rc = store_case_note_tx(tx, r->case_id, "rate", 0, hotline ? "system" : "citizen",
                                hotline ? "hotline" : "citizen", r->comment, NULL, text);
    free(text);
    return rc;
}

// The reopen an unsatisfied rating causes, run by the system in the rating's
// transaction.
static int rating_reopen(struct store_tx *tx, const struct store_case_rating *r, int64_t version)
{
    struct case_transition reopen = {
        .case_id = r->case_id,
        .expected_version = version,
        .action = CASEFSM_ACTION_REOPEN,
        .actor_role = ROLE_SYSTEM,
        .actor_name = "system",
        .note = r->comment != NULL && r->comment[strspn(r->comment, " \t\r\n")] != '\0'
                    ? r->comment
                    : "unsatisfied rating",
        .urgent = -1,
        .reopen_window_ms = r->reopen_window_ms,
        .data_json = "{\"rating\":\"unsatisfied\"}",
    };
    struct store_case *reopened = malloc(sizeof *reopened);
    if (reopened == NULL)
        return STORE_ERROR;
    struct case_refusal refusal;
    int rc = store_case_transition_tx(tx, r->calendar, &reopen, reopened, &refusal);
    free(reopened);
    if (rc == STORE_INVALID)
        log_error("store: the rating's reopen was refused: %s", refusal.message);
    return rc;
}

// Stores the rating once store_case_rate_tx has checked its fields.
static int rate_checked(struct store_tx *tx, const struct store_case_rating *r)
{
    static const char SQL_READ[] = "SELECT state, COALESCE(closed_at, 0), reopen_count, version, "
                                   "place_path FROM case_record WHERE id = :id";
    static const char SQL_KEEP[] =
        "INSERT INTO case_rating (case_id, round, rating, comment, source, closed_at, rated_at) "
        "VALUES (:id, :round, :rating, :comment, :source, :closed, :now)";
    static const char SQL_WRITE[] = "UPDATE case_record SET rating = :rating, "
                                    "rating_comment = :comment, rated_at = :now, "
                                    "updated_at = :now WHERE id = :id";
    struct store_stmt *read = store_tx_stmt(tx, SQL_READ);
    struct store_stmt *keep = store_tx_stmt(tx, SQL_KEEP);
    struct store_stmt *write = store_tx_stmt(tx, SQL_WRITE);
    if (read == NULL || keep == NULL || write == NULL)
        return STORE_ERROR;
    store_bind_int(read, ":id", r->case_id);
    int rc = store_step_row(read);
    if (rc != STORE_OK) {
        store_stmt_done(read);
        return rc;
    }
    bool closed = strcmp(store_col_text(read, 0), "closed") == 0;
    int64_t closed_at = store_col_int64(read, 1);
    int round = store_col_int(read, 2) + 1;
    int64_t version = store_col_int64(read, 3);
    char place_path[128];
    store_column_copy(place_path, sizeof place_path, read, 4);
    store_stmt_done(read);
    if (!closed)
        return STORE_INVALID;
    int64_t now = store_now_ms();
    if (now <= closed_at)
        now = closed_at + 1; // a clock step back must not put the rating before the closing
    store_bind_int(keep, ":id", r->case_id);
    store_bind_int(keep, ":round", round);
    store_bind_text(keep, ":rating", r->rating);
    store_bind_text(keep, ":comment", r->comment ? r->comment : "");
    store_bind_text(keep, ":source", r->source ? r->source : "citizen");
    store_bind_int(keep, ":closed", closed_at);
    store_bind_int(keep, ":now", now);
    if ((rc = store_exec_stmt(keep)) != STORE_OK)
        return rc; // STORE_CONFLICT: this closure is rated already
    store_bind_text(write, ":rating", r->rating);
    store_bind_text(write, ":comment", r->comment ? r->comment : "");
    store_bind_int(write, ":now", now);
    store_bind_int(write, ":id", r->case_id);
    if ((rc = store_exec_stmt(write)) == STORE_OK)
        rc = log_rating(tx, r);
    if (rc == STORE_OK)
        rc = store_tally_rated(tx, place_path, r->rating, 1);
    if (rc != STORE_OK || !casework_rating_reopens(r->rating, CASEFSM_STATE_CLOSED, closed_at, now,
                                                   r->reopen_window_ms))
        return rc;
    rc = rating_reopen(tx, r, version);
    if (rc == STORE_OK && r->reopened != NULL)
        *r->reopened = true;
    return rc;
}

// The checks store_case_rate makes before it writes: a known rating and source,
// a comment that fits.
static bool rating_valid(const struct store_case_rating *rating)
{
    bool known_source = rating->source == NULL || strcmp(rating->source, "citizen") == 0 ||
                        strcmp(rating->source, "hotline") == 0;
    return casework_rating_code(rating->rating) != NULL && known_source &&
           (rating->comment == NULL || strlen(rating->comment) <= CASE_NOTE_MAX);
}

int store_case_rate_tx(struct store_tx *tx, const struct store_case_rating *rating)
{
    if (rating->reopened != NULL)
        *rating->reopened = false;
    return rating_valid(rating) ? rate_checked(tx, rating) : STORE_INVALID;
}

struct rate_job {
    const struct store_case_rating *rating;
};

static int rate_job(struct store_tx *tx, void *data)
{
    return rate_checked(tx, ((struct rate_job *)data)->rating);
}

int store_case_rate(struct store *store, const struct store_case_rating *rating)
{
    if (rating->reopened != NULL)
        *rating->reopened = false;
    if (!rating_valid(rating))
        return STORE_INVALID;
    struct rate_job job = {rating};
    return store_write(store, rate_job, &job);
}

int store_case_ratings(struct store *store, int64_t case_id,
                       void (*fn)(const struct store_case_rating_row *row, void *data), void *data)
{
    static const char SQL[] = "SELECT round, rating, comment, source, closed_at, rated_at "
                              "FROM case_rating WHERE case_id = :id ORDER BY round";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", case_id);
    struct store_case_rating_row *row = malloc(sizeof *row);
    int rc = row != NULL ? STORE_ROW : STORE_ERROR;
    while (rc == STORE_ROW && (rc = store_step(stmt)) == STORE_ROW) {
        row->round = store_col_int(stmt, 0);
        store_column_copy(row->rating, sizeof row->rating, stmt, 1);
        store_column_copy(row->comment, sizeof row->comment, stmt, 2);
        store_column_copy(row->source, sizeof row->source, stmt, 3);
        row->closed_at = store_col_int64(stmt, 4);
        row->rated_at = store_col_int64(stmt, 5);
        fn(row, data);
    }
    free(row);
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}
