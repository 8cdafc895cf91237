// SPDX-License-Identifier: MIT
// The counts the overview reads, kept in the write job of every change to a case
// (intake, transition, placement, rating): a case leaves its old tally row and
// joins its new one, closures and intakes count per place and day, ratings per
// place. Only the engine's write path calls these.
#include "engine.h"

#include "store_cases.h"

#include <string.h>

// The overview's tallies, one table per thing it groups by (migration 0011):
// each has at most one row per place and value, so they stop growing once a
// city's places have seen every value.
enum tally_dimension { TALLY_STATE, TALLY_SOURCE, TALLY_CATEGORY, TALLY_FLAGS, TALLY_DIMENSIONS };

static const char *const TALLY_SQL[TALLY_DIMENSIONS] = {
    [TALLY_STATE] = "INSERT INTO case_tally_state (place_path, street_id, state, n) "
                    "VALUES (:place, :street, :state, :n) ON CONFLICT (place_path, street_id, "
                    "state) DO UPDATE SET n = case_tally_state.n + excluded.n",
    [TALLY_SOURCE] = "INSERT INTO case_tally_source (place_path, source, n) "
                     "VALUES (:place, :source, :n) ON CONFLICT (place_path, source) "
                     "DO UPDATE SET n = case_tally_source.n + excluded.n",
    [TALLY_CATEGORY] = "INSERT INTO case_tally_category (place_path, category_id, n) "
                       "VALUES (:place, :category, :n) ON CONFLICT (place_path, category_id) "
                       "DO UPDATE SET n = case_tally_category.n + excluded.n",
    [TALLY_FLAGS] = "INSERT INTO case_tally_flags (place_path, self_handled, pending, n) "
                    "VALUES (:place, :self, :pending, :n) ON CONFLICT (place_path, "
                    "self_handled, pending) DO UPDATE SET n = case_tally_flags.n + excluded.n",
};

// Adds delta to the case's row of one tally.
static int dimension_add(struct store_tx *tx, enum tally_dimension d, const struct store_case *c,
                         int delta)
{
    struct store_stmt *stmt = store_tx_stmt(tx, TALLY_SQL[d]);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":place", c->place_path);
    switch (d) {
    case TALLY_STATE:
        store_bind_int(stmt, ":street", c->street_id);
        store_bind_text(stmt, ":state", casefsm_state_name(c->state));
        break;
    case TALLY_SOURCE:
        store_bind_text(stmt, ":source", c->source);
        break;
    case TALLY_CATEGORY:
        store_bind_int(stmt, ":category", c->category_id);
        break;
    case TALLY_FLAGS:
    case TALLY_DIMENSIONS:
        store_bind_int(stmt, ":self", c->self_handled);
        store_bind_int(stmt, ":pending", c->pending != CASEFSM_PENDING_NONE);
        break;
    }
    store_bind_int(stmt, ":n", delta);
    return store_exec_stmt(stmt);
}

// Whether a and b count in the same row of tally d.
static bool same_row(enum tally_dimension d, const struct store_case *a, const struct store_case *b)
{
    // The same place: a case changes place only when it is placed (store_tally_moved).
    if (a->community_id != b->community_id || a->needs_placement != b->needs_placement)
        return false;
    switch (d) {
    case TALLY_STATE:
        return a->street_id == b->street_id && a->state == b->state;
    case TALLY_SOURCE:
        return strcmp(a->source, b->source) == 0;
    case TALLY_CATEGORY:
        return a->category_id == b->category_id;
    case TALLY_FLAGS:
    case TALLY_DIMENSIONS:
        break;
    }
    return a->self_handled == b->self_handled &&
           (a->pending != CASEFSM_PENDING_NONE) == (b->pending != CASEFSM_PENDING_NONE);
}

// Counts a new case in every tally (before NULL), or moves a changed case from
// its old rows to its new ones where they differ.
static int tally_move(struct store_tx *tx, const struct store_case *before,
                      const struct store_case *after)
{
    int rc = STORE_OK;
    for (enum tally_dimension d = 0; rc == STORE_OK && d < TALLY_DIMENSIONS; d++) {
        if (before != NULL && same_row(d, before, after))
            continue;
        if (before != NULL)
            rc = dimension_add(tx, d, before, -1);
        if (rc == STORE_OK)
            rc = dimension_add(tx, d, after, 1);
    }
    return rc;
}

// Moves the city-wide count of a state (case_state_tally, read by the metrics).
static int state_add(struct store_tx *tx, enum casefsm_state state, int delta)
{
    static const char SQL[] = "INSERT INTO case_state_tally (state, n) VALUES (:state, :n) "
                              "ON CONFLICT (state) DO UPDATE SET n = case_state_tally.n + excluded.n";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":state", casefsm_state_name(state));
    store_bind_int(stmt, ":n", delta);
    return store_exec_stmt(stmt);
}

// Counts a filing or a closure of the case's place on the day of `at`.
static int daily_add(struct store_tx *tx, const char *place_path, int64_t at, bool closed,
                     int delta)
{
    static const char SQL_CREATED[] =
        "INSERT INTO case_daily (place_path, day, created) VALUES (:place, :day, :n) "
        "ON CONFLICT (place_path, day) DO UPDATE SET created = case_daily.created + excluded.created";
    static const char SQL_CLOSED[] =
        "INSERT INTO case_daily (place_path, day, closed) VALUES (:place, :day, :n) "
        "ON CONFLICT (place_path, day) DO UPDATE SET closed = case_daily.closed + excluded.closed";
    struct store_stmt *stmt = store_tx_stmt(tx, closed ? SQL_CLOSED : SQL_CREATED);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":place", place_path);
    store_bind_int(stmt, ":day", at / 86400000);
    store_bind_int(stmt, ":n", delta);
    return store_exec_stmt(stmt);
}

int store_tally_created(struct store_tx *tx, const struct store_case *c)
{
    int rc = store_tally_trend(tx, c->id, 1);
    if (rc == STORE_OK)
        rc = tally_move(tx, NULL, c);
    if (rc == STORE_OK)
        rc = state_add(tx, c->state, 1);
    if (rc == STORE_OK)
        rc = daily_add(tx, c->place_path, c->created_at, false, 1);
    if (rc == STORE_OK && c->closed_at > 0)
        rc = daily_add(tx, c->place_path, c->closed_at, true, 1);
    return rc;
}

int store_tally_changed(struct store_tx *tx, const struct store_case *before,
                        const struct store_case *after)
{
    int rc = tally_move(tx, before, after);
    if (rc == STORE_OK && before->state != after->state &&
        (rc = state_add(tx, before->state, -1)) == STORE_OK)
        rc = state_add(tx, after->state, 1);
    // A closure counts on the day it happens (a reopened case closing again counts again).
    if (rc == STORE_OK && after->state == CASEFSM_STATE_CLOSED &&
        before->state != CASEFSM_STATE_CLOSED)
        rc = daily_add(tx, after->place_path, after->closed_at, true, 1);
    return rc;
}

int store_tally_rated(struct store_tx *tx, const char *place_path, const char *rating, int delta)
{
    static const char SQL[] =
        "INSERT INTO case_rating_tally (place_path, rating, n) VALUES (:place, :rating, :n) "
        "ON CONFLICT (place_path, rating) DO UPDATE SET n = case_rating_tally.n + excluded.n";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":place", place_path);
    store_bind_text(stmt, ":rating", rating);
    store_bind_int(stmt, ":n", delta);
    return store_exec_stmt(stmt);
}

int store_tally_moved(struct store_tx *tx, const struct store_case *before,
                      const struct store_case *after)
{
    static const char SQL_RATINGS[] =
        "SELECT rating, count(*) FROM case_rating WHERE case_id = :id GROUP BY rating";
    static const char SQL_DAYS[] = "SELECT created_at, closed_at FROM case_record WHERE id = :id";
    int rc = store_tally_changed(tx, before, after);
    // Placed into the same community: the counts of its place stay where they are.
    if (rc != STORE_OK || (before->community_id == after->community_id &&
                           before->needs_placement == after->needs_placement))
        return rc;
    rc = daily_add(tx, before->place_path, before->created_at, false, -1);
    if (rc == STORE_OK)
        rc = daily_add(tx, after->place_path, after->created_at, false, 1);
    struct store_stmt *days = store_tx_stmt(tx, SQL_DAYS);
    if (rc != STORE_OK || days == NULL)
        return STORE_ERROR;
    store_bind_int(days, ":id", after->id);
    int64_t closed_at = store_step_row(days) == STORE_OK ? store_col_int64(days, 1) : 0;
    store_stmt_done(days);
    if (closed_at > 0 && (rc = daily_add(tx, before->place_path, closed_at, true, -1)) == STORE_OK)
        rc = daily_add(tx, after->place_path, closed_at, true, 1);
    struct store_stmt *ratings = store_tx_stmt(tx, SQL_RATINGS);
    if (rc != STORE_OK || ratings == NULL)
        return STORE_ERROR;
    store_bind_int(ratings, ":id", after->id);
    struct {
        char rating[24];
        int n;
    } rows[3];
    int count = 0, step;
    while ((step = store_step(ratings)) == STORE_ROW && count < 3) {
        store_column_copy(rows[count].rating, sizeof rows[count].rating, ratings, 0);
        rows[count++].n = store_col_int(ratings, 1);
    }
    store_stmt_done(ratings);
    for (int i = 0; rc == STORE_OK && i < count; i++) {
        rc = store_tally_rated(tx, before->place_path, rows[i].rating, -rows[i].n);
        if (rc == STORE_OK)
            rc = store_tally_rated(tx, after->place_path, rows[i].rating, rows[i].n);
    }
    return rc;
}

// What a case counts for in the trends (the view case_trend_fact, migration
// 0017), once per kind of scope, summed per row of case_trend_tally.
#define TREND_FACTS(kind, key, where)                                                              \
    "SELECT " kind " AS kind, " key " AS key_id, day, place_path, reported, filed, closed, "       \
    "handle_due, handle_on_time FROM case_trend_fact " where
#define TREND_KINDS(where)                                                                         \
    TREND_FACTS("'place'", "0", where)                                                             \
    " UNION ALL " TREND_FACTS("'department'", "department_id", where)                              \
    " UNION ALL " TREND_FACTS("'grid'", "grid_id", where)

int store_tally_trend(struct store_tx *tx, int64_t case_id, int sign)
{
    static const char SQL[] =
        "INSERT INTO case_trend_tally (kind, key_id, day, place_path, reported, filed, closed, "
        "handle_due, handle_on_time) "
        "SELECT kind, key_id, day, place_path, :sign * sum(reported), :sign * sum(filed), "
        "  :sign * sum(closed), :sign * sum(handle_due), :sign * sum(handle_on_time) "
        "FROM (" TREND_KINDS("WHERE case_id = :id") ") AS facts "
        "GROUP BY kind, key_id, day, place_path "
        "ON CONFLICT (kind, key_id, day, place_path) DO UPDATE SET "
        "reported = case_trend_tally.reported + excluded.reported, "
        "filed = case_trend_tally.filed + excluded.filed, "
        "closed = case_trend_tally.closed + excluded.closed, "
        "handle_due = case_trend_tally.handle_due + excluded.handle_due, "
        "handle_on_time = case_trend_tally.handle_on_time + excluded.handle_on_time";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", case_id);
    store_bind_int(stmt, ":sign", sign);
    return store_exec_stmt(stmt);
}

// Counts the rows where a place's tally and a recount of its cases differ, both
// ways (a row of zero may stay behind after its cases moved on).
#define TALLY_CHECK(table, columns, groups)                                                        \
    "WITH counted AS (SELECT place_path, " columns                                                 \
    ", count(*) AS n FROM case_record GROUP BY " groups                                            \
    ") SELECT count(*) FROM (SELECT * FROM counted EXCEPT SELECT * FROM " table                    \
    " WHERE n <> 0 UNION ALL SELECT * FROM " table " WHERE n <> 0 EXCEPT SELECT * FROM counted) "   \
    "AS differences"

// The checks of store_tally_consistent on the thread's read connection of
// store, or on the write connection of tx when it is not NULL.
static bool tally_consistent(struct store *store, struct store_tx *tx)
{
    // Every tally (by place, ratings, city-wide states) against a recount of the
    // cases.
    static const char SQL_STATE[] =
        TALLY_CHECK("case_tally_state", "COALESCE(street_id, 0) AS street_id, state", "1, 2, 3");
    static const char SQL_SOURCE[] = TALLY_CHECK("case_tally_source", "source", "1, 2");
    static const char SQL_CATEGORY[] =
        TALLY_CHECK("case_tally_category", "COALESCE(category_id, 0) AS category_id", "1, 2");
    static const char SQL_FLAGS[] =
        TALLY_CHECK("case_tally_flags", "self_handled, pending <> 'none' AS pending", "1, 2, 3");
    static const char SQL_RATINGS[] =
        "WITH counted AS (SELECT c.place_path, r.rating, count(*) AS n FROM case_rating r "
        "JOIN case_record c ON c.id = r.case_id GROUP BY 1, 2) "
        "SELECT count(*) FROM (SELECT * FROM counted EXCEPT SELECT * FROM case_rating_tally "
        "WHERE n <> 0 UNION ALL SELECT * FROM case_rating_tally WHERE n <> 0 EXCEPT "
        "SELECT * FROM counted) AS differences";
    static const char SQL_STATES[] =
        "WITH counted AS (SELECT state, count(*) AS n FROM case_record GROUP BY 1) "
        "SELECT count(*) FROM (SELECT * FROM counted EXCEPT SELECT * FROM case_state_tally "
        "WHERE n <> 0 UNION ALL SELECT * FROM case_state_tally WHERE n <> 0 EXCEPT "
        "SELECT * FROM counted) AS differences";
    // The trends' tally against the facts it sums (rows of zeros may stay).
    static const char SQL_TREND[] =
        "WITH counted AS (SELECT kind, key_id, day, place_path, sum(reported) AS reported, "
        "sum(filed) AS filed, sum(closed) AS closed, sum(handle_due) AS handle_due, "
        "sum(handle_on_time) AS handle_on_time FROM (" TREND_KINDS("") ") AS facts "
        "GROUP BY kind, key_id, day, place_path), "
        "kept AS (SELECT kind, key_id, day, place_path, reported, filed, closed, handle_due, "
        "handle_on_time FROM case_trend_tally WHERE reported <> 0 OR filed <> 0 OR closed <> 0 "
        "OR handle_due <> 0 OR handle_on_time <> 0) "
        "SELECT count(*) FROM (SELECT * FROM counted EXCEPT SELECT * FROM kept UNION ALL "
        "SELECT * FROM kept EXCEPT SELECT * FROM counted) AS differences";
    const char *checks[] = {SQL_STATE,   SQL_SOURCE, SQL_CATEGORY, SQL_FLAGS,
                            SQL_RATINGS, SQL_STATES, SQL_TREND};
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        struct store_stmt *stmt =
            tx != NULL ? store_tx_stmt(tx, checks[i]) : store_read_stmt(store, checks[i]);
        if (stmt == NULL)
            return false;
        bool ok = store_step_row(stmt) == STORE_OK && store_col_int64(stmt, 0) == 0;
        store_stmt_done(stmt);
        if (!ok)
            return false;
    }
    return true;
}

bool store_tally_consistent(struct store *store)
{
    return tally_consistent(store, NULL);
}

bool store_tally_consistent_tx(struct store_tx *tx)
{
    return tally_consistent(NULL, tx);
}
