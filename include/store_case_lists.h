// SPDX-License-Identifier: MIT
// Cases in bulk: the filtered, jurisdiction-bound case list with keyset pages
// (one prepared statement per sort order) and its opaque cursors, full-text
// search, likely duplicates near a point, and the citizen's side (query-code
// lookup and the one rating per closure). Only this file speaks their SQL.
#ifndef CHENGGUAN_STORE_CASE_LISTS_H
#define CHENGGUAN_STORE_CASE_LISTS_H

#include "store_cases.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jurisdiction;
struct store;

#define STORE_CASE_LIST_MAX        100 // most cases on one page
#define STORE_CASE_CURSOR_SIZE     48  // bytes for an encoded cursor and its NUL
#define STORE_CASE_DUPLICATES_MAX  100
#define STORE_CASE_QUERY_CODE_HASH 32

enum store_case_sort {
    STORE_CASE_SORT_NEWEST,   // created_at DESC, id DESC
    STORE_CASE_SORT_DEADLINE, // stage_deadline ASC NULLS LAST, id ASC
    STORE_CASE_SORT_SEARCH,   // a search (match set), newest filed first: id DESC
};

// Where a page starts: the sort key and id of the last case of the previous page.
// For STORE_CASE_SORT_NEWEST the key is created_at; for STORE_CASE_SORT_DEADLINE
// it is stage_deadline, which may be NULL (key_null); a search has the id only
// (key 0).
struct store_case_cursor {
    enum store_case_sort sort;
    bool key_null;
    int64_t key;
    int64_t id;
};

// Writes the cursor as base64url text (no padding) into out, which must hold
// STORE_CASE_CURSOR_SIZE bytes. The text carries the sort, the key, the id and a
// checksum; it is opaque to clients. Pure.
void store_case_cursor_encode(const struct store_case_cursor *cursor,
                              char out[STORE_CASE_CURSOR_SIZE]);

// Parses text made by store_case_cursor_encode. Returns true and fills *out, or
// false when the text is not such a cursor (bad base64url, wrong length, unknown
// sort, a failed checksum: any edit is caught). NULL text gives false. Pure.
bool store_case_cursor_decode(const char *text, struct store_case_cursor *out);

// The task-routing filter of a list (store_task_route.h).
enum store_case_mine {
    STORE_MINE_ANY,    // every case
    STORE_MINE_ONLY,   // only tasks routed to the viewer
    STORE_MINE_OTHERS, // only cases not routed to the viewer
};

// A case list query. Strings may be NULL (no filter); 0 for ids means no filter.
struct store_case_filter {
    // Jurisdiction, always applied (NULL lists nothing): a department sees only
    // the cases dispatched to it (jurisdiction_case_department), everyone else the
    // cases whose place_path lies in its range (jurisdiction_case_range).
    const struct jurisdiction *jurisdiction;
    // ",reported,accepted," : states to keep, each between commas (NULL = any).
    const char *states;
    int64_t category_id;
    int64_t grid_id;       // a grid cell (store_grid_find by code)
    int64_t street_id;     // a street org unit
    int64_t community_id;  // a community org unit
    int64_t reporter_id;   // the user who reported the case
    // Reported in [created_from, created_to) ms; 0 leaves a side open. The
    // upper side starts the newest-first walk, the lower side ends it.
    int64_t created_from, created_to;
    int64_t department_id; // the department the case is dispatched to
    const char *source;    // patrol, web, 12345, ...
    bool overdue;          // only cases whose stage_deadline < now_ms
    int64_t now_ms;
    // The inspector whose routed tasks are marked (store_case.task_mine) and,
    // by mine, kept only or left out; 0 marks nothing.
    int64_t viewer_id;
    enum store_case_mine mine;
    const char *match; // a search expression from store_search_query (never ""); with
                       // it the sort is STORE_CASE_SORT_SEARCH unless by deadline
    enum store_case_sort sort;
    const struct store_case_cursor *after; // NULL for the first page
    int limit;                             // 1..STORE_CASE_LIST_MAX
};

// The search expression for len bytes of UTF-8 search text in the store's
// engine's own terms, for store_case_filter's match: textseg_query (FTS5) on
// SQLite, textseg_tsquery on PostgreSQL; the same results as those ("" when
// there is nothing to search for, NULL on invalid UTF-8 or no memory; the
// caller frees it).
char *store_search_query(const struct store *store, const char *utf8, size_t len);

// Lists one page of cases in the filter's order in one statement, calling
// fn(c, data) for each with the whole case (valid during the call only; fn must
// not use the store's write path), and when more cases follow sets *has_more and
// fills *next with the cursor of the page's last case. Each order, jurisdiction
// and most selective filter walks an index of its own (see EXPLAIN in
// tests/api/plans.test.mjs): newest first, open cases by deadline, or a search
// newest filed first. A cursor whose sort differs from filter->sort, a limit out
// of range, or STORE_CASE_SORT_SEARCH without a match gives STORE_INVALID; a NULL
// jurisdiction lists nothing. Returns STORE_OK, STORE_INVALID or STORE_ERROR
// (logged).
int store_case_list(struct store *store, const struct store_case_filter *filter,
                    void (*fn)(const struct store_case *c, void *data), void *data, bool *has_more,
                    struct store_case_cursor *next);

// Finds likely duplicates of a case: cases in an open state (casefsm_state_is_open)
// created at or after since_ms, other than exclude_id, of the same category (any
// category when category_id is 0), that lie within 50 m of (lat, lon) when
// has_location (great-circle distance, prefiltered by a lat/lon box in SQL) or in
// the same grid cell when grid_id > 0. Calls fn(id, distance_m, same_grid, data)
// for at most STORE_CASE_DUPLICATES_MAX of them, nearest first (distance_m is NaN
// when either case has no location; those come last, newest first), after the
// query finished, so fn may call other store functions. Jurisdiction is the
// caller's business. Returns STORE_OK or STORE_ERROR (logged; fn not called).
int store_case_find_duplicates(
    struct store *store, int64_t exclude_id, int64_t category_id, int64_t grid_id,
    bool has_location, double lat, double lon, int64_t since_ms,
    void (*fn)(int64_t id, double distance_m, bool same_grid, void *data), void *data);

// Reads the case number's id and the BLAKE2b-256 of its citizen query code into
// hash (STORE_CASE_QUERY_CODE_HASH bytes). Returns STORE_OK, STORE_NOT_FOUND (no
// such case, or a case without a query code, i.e. not filed by a citizen) or
// STORE_ERROR.
int store_case_query_code(struct store *store, const char *case_no, int64_t *id,
                          unsigned char hash[STORE_CASE_QUERY_CODE_HASH]);

struct store_case_rating {
    int64_t case_id;
    const char *rating;  // satisfied, basically_satisfied or unsatisfied
    const char *comment; // at most CASE_NOTE_MAX bytes; NULL = ""
    const char *source;  // "citizen" (web) or "hotline" (the platform's 回访); NULL = citizen
    // An unsatisfied rating within reopen_window_ms of the closing reopens the case
    // (casework_rating_reopens) in the same transaction; *reopened (may be NULL)
    // tells whether it did.
    const struct worktime_calendar *calendar;
    int64_t reopen_window_ms;
    bool *reopened;
};

// Stores a rating of a closed case: one per closure (round = reopens + 1), every
// one kept (case_rating), the case's rating fields showing the latest. Logs a
// "rate" event whose public code tells the rating. Returns STORE_OK,
// STORE_NOT_FOUND, STORE_INVALID (not closed, an unknown rating or source name,
// or a comment too long), STORE_CONFLICT (this closure is rated already) or
// STORE_ERROR.
int store_case_rate(struct store *store, const struct store_case_rating *rating);

// One stored rating, for listing.
struct store_case_rating_row {
    int round;
    char rating[24];
    char comment[CASE_NOTE_MAX + 1];
    char source[12];
    int64_t closed_at, rated_at;
};

// Calls fn for every rating of a case, oldest first. Returns STORE_OK or STORE_ERROR.
int store_case_ratings(struct store *store, int64_t case_id,
                       void (*fn)(const struct store_case_rating_row *row, void *data), void *data);

#endif
