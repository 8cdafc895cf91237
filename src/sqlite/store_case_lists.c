// SPDX-License-Identifier: MIT
// SQL for cases in bulk: the filtered case list (one statement per sort order,
// optional filters as "(:x IS NULL OR ...)", keyset pages, never OFFSET) and its
// cursors, duplicates near a point, the citizen query-code lookup and the rating.
#include "store_case_lists.h"

#include "casefsm.h"
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
    raw[0] = cursor->sort == STORE_CASE_SORT_DEADLINE ? CURSOR_TAG_DEADLINE : CURSOR_TAG_NEWEST;
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
    if ((raw[0] != CURSOR_TAG_NEWEST && raw[0] != CURSOR_TAG_DEADLINE) || raw[1] > 1)
        return false;
    // Re-encoding must give the same text (one text per cursor, no spare bits).
    struct store_case_cursor parsed = {
        .sort = raw[0] == CURSOR_TAG_DEADLINE ? STORE_CASE_SORT_DEADLINE : STORE_CASE_SORT_NEWEST,
        .key_null = raw[1] == 1,
        .key = (int64_t)get_u64(raw + 2),
        .id = (int64_t)get_u64(raw + 10),
    };
    if (parsed.id <= 0 || (parsed.key_null && parsed.key != 0) ||
        (parsed.key_null && parsed.sort == STORE_CASE_SORT_NEWEST))
        return false;
    char again[STORE_CASE_CURSOR_SIZE];
    store_case_cursor_encode(&parsed, again);
    if (strcmp(again, text) != 0)
        return false;
    *out = parsed;
    return true;
}

// ---- the list ----

// Jurisdiction comes first: a department reads the cases dispatched to it
// (case_department, in created order), everyone else the cases whose place_path
// lies in their key range. Newest first, that range is tested on the entries of
// case_created (which carries place_path) while walking it in order, so a page
// reads only its own rows even when the jurisdiction holds every case; by
// deadline, the range is a search on case_place (migration 0005).
#define SCOPE_PLACE_NEWEST                                                                         \
    "FROM case_record c INDEXED BY case_created "                                                  \
    "WHERE c.place_path >= :scope_lo AND c.place_path < :scope_hi "
#define SCOPE_PLACE                                                                                \
    "FROM case_record c WHERE c.place_path >= :scope_lo AND c.place_path < :scope_hi "
#define SCOPE_DEPARTMENT "FROM case_record c WHERE c.department_id = :scope_department "

#define LIST_FILTERS                                                                               \
    "AND (:states IS NULL OR instr(:states, ',' || c.state || ',') > 0) "                          \
    "AND (:category IS NULL OR c.category_id = :category) "                                        \
    "AND (:grid IS NULL OR c.grid_id = (SELECT id FROM grid_cell WHERE code = :grid)) "            \
    "AND (:street IS NULL OR c.street_id = "                                                       \
    "     (SELECT id FROM org_unit WHERE code = :street AND type = 'street')) "                    \
    "AND (:department IS NULL OR c.department_id = :department) "                                  \
    "AND (:source IS NULL OR c.source = :source) "                                                 \
    "AND (:overdue_before IS NULL OR c.stage_deadline < :overdue_before) "                         \
    "AND (:match IS NULL OR c.id IN (SELECT rowid FROM case_fts WHERE case_fts MATCH :match)) "

#define PAGE_NEWEST                                                                                \
    "AND (:after_id IS NULL OR c.created_at < :after_key "                                         \
    "     OR (c.created_at = :after_key AND c.id < :after_id)) "                                   \
    "ORDER BY c.created_at DESC, c.id DESC LIMIT :limit"

#define PAGE_DEADLINE                                                                              \
    "AND (:after_id IS NULL "                                                                      \
    "     OR (:after_key IS NULL AND c.stage_deadline IS NULL AND c.id > :after_id) "              \
    "     OR (:after_key IS NOT NULL AND (c.stage_deadline IS NULL "                               \
    "         OR c.stage_deadline > :after_key "                                                   \
    "         OR (c.stage_deadline = :after_key AND c.id > :after_id)))) "                         \
    "ORDER BY c.stage_deadline ASC NULLS LAST, c.id ASC LIMIT :limit"

static const char SQL_NEWEST_PLACE[] =
    "SELECT c.id, c.created_at " SCOPE_PLACE_NEWEST LIST_FILTERS PAGE_NEWEST;
static const char SQL_NEWEST_DEPARTMENT[] =
    "SELECT c.id, c.created_at " SCOPE_DEPARTMENT LIST_FILTERS PAGE_NEWEST;
static const char SQL_DEADLINE_PLACE[] =
    "SELECT c.id, c.stage_deadline " SCOPE_PLACE LIST_FILTERS PAGE_DEADLINE;
static const char SQL_DEADLINE_DEPARTMENT[] =
    "SELECT c.id, c.stage_deadline " SCOPE_DEPARTMENT LIST_FILTERS PAGE_DEADLINE;

static void bind_text_or_null(sqlite3_stmt *stmt, const char *name, const char *value)
{
    store_bind_text(stmt, name, value != NULL && value[0] != '\0' ? value : NULL);
}

static void bind_filter(sqlite3_stmt *stmt, const struct store_case_filter *f)
{
    int64_t department = jurisdiction_case_department(f->jurisdiction);
    if (department > 0) {
        store_bind_int(stmt, ":scope_department", department);
    } else {
        struct jurisdiction_range range;
        jurisdiction_case_range(f->jurisdiction, &range);
        store_bind_range(stmt, &range);
    }
    bind_text_or_null(stmt, ":states", f->states);
    store_bind_id(stmt, ":category", f->category_id);
    bind_text_or_null(stmt, ":grid", f->grid_code);
    bind_text_or_null(stmt, ":street", f->street_code);
    store_bind_id(stmt, ":department", f->department_id);
    bind_text_or_null(stmt, ":source", f->source);
    if (f->overdue)
        store_bind_int(stmt, ":overdue_before", f->now_ms);
    else
        store_bind_null(stmt, ":overdue_before");
    bind_text_or_null(stmt, ":match", f->match);
    if (f->after != NULL) {
        store_bind_int(stmt, ":after_id", f->after->id);
        if (f->after->key_null)
            store_bind_null(stmt, ":after_key");
        else
            store_bind_int(stmt, ":after_key", f->after->key);
    } else {
        store_bind_null(stmt, ":after_id");
        store_bind_null(stmt, ":after_key");
    }
    store_bind_int(stmt, ":limit", f->limit + 1); // one more tells whether a page follows
}

int store_case_list(struct store *store, const struct store_case_filter *filter, int64_t *ids,
                    size_t *count, bool *has_more, struct store_case_cursor *next)
{
    *count = 0;
    *has_more = false;
    if (filter->limit < 1 || filter->limit > STORE_CASE_LIST_MAX ||
        (filter->after != NULL && filter->after->sort != filter->sort))
        return STORE_INVALID;
    bool by_department = jurisdiction_case_department(filter->jurisdiction) > 0;
    const char *sql = filter->sort == STORE_CASE_SORT_DEADLINE
                          ? (by_department ? SQL_DEADLINE_DEPARTMENT : SQL_DEADLINE_PLACE)
                          : (by_department ? SQL_NEWEST_DEPARTMENT : SQL_NEWEST_PLACE);
    sqlite3_stmt *stmt = store_read_stmt(store, sql);
    if (stmt == NULL)
        return STORE_ERROR;
    bind_filter(stmt, filter);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*count == (size_t)filter->limit) {
            *has_more = true;
            break;
        }
        int64_t id = sqlite3_column_int64(stmt, 0);
        ids[(*count)++] = id;
        *next = (struct store_case_cursor){
            .sort = filter->sort,
            .key_null = sqlite3_column_type(stmt, 1) == SQLITE_NULL,
            .key = sqlite3_column_int64(stmt, 1),
            .id = id,
        };
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        log_error("store: case list failed: %s", sqlite3_errmsg(sqlite3_db_handle(stmt)));
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

// Candidates: same category (or any when none), recent, other than the case, and
// inside the box around the point or in the same cell. Newest first, bounded.
static const char SQL_DUPLICATE_CANDIDATES[] =
    "SELECT id, state, lat, lon, COALESCE(grid_id, 0), created_at FROM case_record "
    "WHERE id <> :exclude AND created_at >= :since "
    "AND (:category IS NULL OR category_id = :category) "
    "AND ((:has_location = 1 AND lat BETWEEN :min_lat AND :max_lat "
    "      AND lon BETWEEN :min_lon AND :max_lon) "
    "     OR (:grid IS NOT NULL AND grid_id = :grid)) "
    "ORDER BY created_at DESC, id DESC LIMIT 2000";

static void bind_box(sqlite3_stmt *stmt, bool has_location, double lat, double lon)
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
    sqlite3_stmt *stmt = store_read_stmt(store, SQL_DUPLICATE_CANDIDATES);
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
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && count < STORE_CASE_DUPLICATES_MAX) {
        int state = casefsm_state_from_name((const char *)sqlite3_column_text(stmt, 1));
        if (state < 0 || !casefsm_state_is_open((enum casefsm_state)state))
            continue;
        struct duplicate d = {
            .id = sqlite3_column_int64(stmt, 0),
            .distance_m = NAN,
            .same_grid = grid_id > 0 && sqlite3_column_int64(stmt, 4) == grid_id,
            .created_at = sqlite3_column_int64(stmt, 5),
        };
        if (has_location && sqlite3_column_type(stmt, 2) != SQLITE_NULL &&
            sqlite3_column_type(stmt, 3) != SQLITE_NULL) {
            struct geo_point a = {lon, lat};
            struct geo_point b = {sqlite3_column_double(stmt, 3), sqlite3_column_double(stmt, 2)};
            d.distance_m = geo_distance_m(a, b);
        }
        if (d.same_grid || (!isnan(d.distance_m) && d.distance_m <= DUPLICATE_RADIUS_M))
            found[count++] = d;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        log_error("store: duplicate search failed: %s", sqlite3_errmsg(sqlite3_db_handle(stmt)));
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
    sqlite3_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":no", case_no);
    int rc = sqlite3_step(stmt);
    int result = STORE_NOT_FOUND;
    if (rc == SQLITE_ROW && sqlite3_column_bytes(stmt, 1) == STORE_CASE_QUERY_CODE_HASH) {
        *id = sqlite3_column_int64(stmt, 0);
        memcpy(hash, sqlite3_column_blob(stmt, 1), STORE_CASE_QUERY_CODE_HASH);
        result = STORE_OK;
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        log_error("store: query code lookup failed: %s", sqlite3_errmsg(sqlite3_db_handle(stmt)));
        result = STORE_ERROR;
    }
    store_stmt_done(stmt);
    return result;
}

struct rate_job {
    const struct store_case_rating *rating;
    int64_t version, closed_at;
};

// The rating's event: the citizen's words stay internal, the verdict is public.
static int log_rating(struct store_tx *tx, const struct store_case_rating *r)
{
    static const struct {
        const char *value;
        const char *public_note;
    } NOTES[] = {{"satisfied", "市民评价：满意"},
                 {"basically_satisfied", "市民评价：基本满意"},
                 {"unsatisfied", "市民评价：不满意"}};
    const char *public_note = NULL;
    for (size_t i = 0; i < sizeof NOTES / sizeof NOTES[0]; i++)
        if (strcmp(r->rating, NOTES[i].value) == 0)
            public_note = NOTES[i].public_note;
    cJSON *facts = cJSON_CreateObject();
    cJSON_AddStringToObject(facts, "rating", r->rating);
    char *text = cJSON_PrintUnformatted(facts);
    cJSON_Delete(facts);
    if (text == NULL)
        return STORE_ERROR;
    int rc = store_case_note_tx(tx, r->case_id, "rate", 0, "citizen", "市民", r->comment,
                                public_note, text);
    free(text);
    return rc;
}

static int rate_job(struct store_tx *tx, void *data)
{
    static const char SQL_READ[] = "SELECT state, COALESCE(closed_at, 0), rated_at, version "
                                   "FROM case_record WHERE id = :id";
    static const char SQL_WRITE[] = "UPDATE case_record SET rating = :rating, "
                                    "rating_comment = :comment, rated_at = :now, "
                                    "updated_at = :now WHERE id = :id";
    struct rate_job *job = data;
    sqlite3_stmt *read = store_tx_stmt(tx, SQL_READ);
    if (read == NULL)
        return STORE_ERROR;
    store_bind_int(read, ":id", job->rating->case_id);
    int rc = sqlite3_step(read);
    if (rc != SQLITE_ROW) {
        store_stmt_done(read);
        return rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
    }
    bool closed = strcmp((const char *)sqlite3_column_text(read, 0), "closed") == 0;
    job->closed_at = sqlite3_column_int64(read, 1);
    bool rated = sqlite3_column_type(read, 2) != SQLITE_NULL &&
                 sqlite3_column_int64(read, 2) >= job->closed_at;
    job->version = sqlite3_column_int64(read, 3);
    store_stmt_done(read);
    if (!closed)
        return STORE_INVALID;
    if (rated)
        return STORE_CONFLICT;
    sqlite3_stmt *write = store_tx_stmt(tx, SQL_WRITE);
    if (write == NULL)
        return STORE_ERROR;
    int64_t now = store_now_ms();
    if (now <= job->closed_at)
        now = job->closed_at + 1; // a clock step back must not make it "not yet rated"
    store_bind_text(write, ":rating", job->rating->rating);
    store_bind_text(write, ":comment", job->rating->comment ? job->rating->comment : "");
    store_bind_int(write, ":now", now);
    store_bind_int(write, ":id", job->rating->case_id);
    rc = store_exec_stmt(write);
    const struct store_case_rating *r = job->rating;
    if (rc == STORE_OK)
        rc = log_rating(tx, r);
    if (rc != STORE_OK || r->reopen == NULL || strcmp(r->rating, "unsatisfied") != 0 ||
        now - job->closed_at > r->reopen_window_ms)
        return rc;
    struct case_transition reopen = *r->reopen;
    reopen.case_id = r->case_id;
    reopen.expected_version = job->version;
    struct store_case *reopened = malloc(sizeof *reopened);
    if (reopened == NULL)
        return STORE_ERROR;
    rc = store_case_transition_tx(tx, r->calendar, &reopen, reopened);
    free(reopened);
    if (rc == STORE_OK && r->reopened != NULL)
        *r->reopened = true;
    return rc;
}

int store_case_rate(struct store *store, const struct store_case_rating *rating, int64_t *version,
                    int64_t *closed_at)
{
    static const char *const NAMES[] = {"satisfied", "basically_satisfied", "unsatisfied"};
    bool known = false;
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
        known = known || (rating->rating != NULL && strcmp(rating->rating, NAMES[i]) == 0);
    if (!known || (rating->comment != NULL && strlen(rating->comment) > CASE_NOTE_MAX))
        return STORE_INVALID;
    struct rate_job job = {rating, 0, 0};
    int rc = store_write(store, rate_job, &job);
    if (rc == STORE_OK) {
        if (version != NULL)
            *version = job.version;
        if (closed_at != NULL)
            *closed_at = job.closed_at;
    }
    return rc;
}
