// SPDX-License-Identifier: MIT
// The counts the overview reads, kept in the write job of every change to a case
// (intake, transition, placement, rating): a case leaves its old tally row and
// joins its new one, closures and intakes count per place and day, ratings per
// place. Only the engine's write path calls these.
#include "engine.h"

#include "store_cases.h"

static int tally_add(struct store_tx *tx, const struct store_case *c, int delta)
{
    static const char SQL[] =
        "INSERT INTO case_tally (place_path, street_id, state, source, category_id, "
        "self_handled, pending, n) VALUES (:place, :street, :state, :source, :category, :self, "
        ":pending, :n) ON CONFLICT (place_path, street_id, state, source, category_id, "
        "self_handled, pending) DO UPDATE SET n = n + excluded.n";
    sqlite3_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":place", c->place_path);
    store_bind_int(stmt, ":street", c->street_id);
    store_bind_text(stmt, ":state", casefsm_state_name(c->state));
    store_bind_text(stmt, ":source", c->source);
    store_bind_int(stmt, ":category", c->category_id);
    store_bind_int(stmt, ":self", c->self_handled);
    store_bind_int(stmt, ":pending", c->pending != CASEFSM_PENDING_NONE);
    store_bind_int(stmt, ":n", delta);
    return store_exec_stmt(stmt);
}

// Moves the city-wide count of a state (case_state_tally, read by the metrics).
static int state_add(struct store_tx *tx, enum casefsm_state state, int delta)
{
    static const char SQL[] = "INSERT INTO case_state_tally (state, n) VALUES (:state, :n) "
                              "ON CONFLICT (state) DO UPDATE SET n = n + excluded.n";
    sqlite3_stmt *stmt = store_tx_stmt(tx, SQL);
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
        "ON CONFLICT (place_path, day) DO UPDATE SET created = created + excluded.created";
    static const char SQL_CLOSED[] =
        "INSERT INTO case_daily (place_path, day, closed) VALUES (:place, :day, :n) "
        "ON CONFLICT (place_path, day) DO UPDATE SET closed = closed + excluded.closed";
    sqlite3_stmt *stmt = store_tx_stmt(tx, closed ? SQL_CLOSED : SQL_CREATED);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":place", place_path);
    store_bind_int(stmt, ":day", at / 86400000);
    store_bind_int(stmt, ":n", delta);
    return store_exec_stmt(stmt);
}

int store_tally_created(struct store_tx *tx, const struct store_case *c)
{
    int rc = tally_add(tx, c, 1);
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
    int rc = tally_add(tx, before, -1);
    if (rc == STORE_OK)
        rc = tally_add(tx, after, 1);
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
        "ON CONFLICT (place_path, rating) DO UPDATE SET n = n + excluded.n";
    sqlite3_stmt *stmt = store_tx_stmt(tx, SQL);
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
    sqlite3_stmt *days = store_tx_stmt(tx, SQL_DAYS);
    if (rc != STORE_OK || days == NULL)
        return STORE_ERROR;
    store_bind_int(days, ":id", after->id);
    int64_t closed_at = store_step_row(days) == STORE_OK ? sqlite3_column_int64(days, 1) : 0;
    store_stmt_done(days);
    if (closed_at > 0 && (rc = daily_add(tx, before->place_path, closed_at, true, -1)) == STORE_OK)
        rc = daily_add(tx, after->place_path, closed_at, true, 1);
    sqlite3_stmt *ratings = store_tx_stmt(tx, SQL_RATINGS);
    if (rc != STORE_OK || ratings == NULL)
        return STORE_ERROR;
    store_bind_int(ratings, ":id", after->id);
    struct {
        char rating[24];
        int n;
    } rows[3];
    int count = 0, step;
    while ((step = sqlite3_step(ratings)) == SQLITE_ROW && count < 3) {
        store_column_copy(rows[count].rating, sizeof rows[count].rating, ratings, 0);
        rows[count++].n = sqlite3_column_int(ratings, 1);
    }
    store_stmt_done(ratings);
    for (int i = 0; rc == STORE_OK && i < count; i++) {
        rc = store_tally_rated(tx, before->place_path, rows[i].rating, -rows[i].n);
        if (rc == STORE_OK)
            rc = store_tally_rated(tx, after->place_path, rows[i].rating, rows[i].n);
    }
    return rc;
}

bool store_tally_consistent(struct store *store)
{
    // Every tally row (by place, ratings, city-wide states) against a recount of
    // the cases, both ways (a row of zero
    // may stay behind after its cases moved on).
    static const char SQL[] =
        "WITH counted AS (SELECT place_path, COALESCE(street_id, 0) AS street_id, state, source, "
        "COALESCE(category_id, 0) AS category_id, self_handled, pending <> 'none' AS pending, "
        "count(*) AS n FROM case_record GROUP BY 1, 2, 3, 4, 5, 6, 7) "
        "SELECT count(*) FROM (SELECT * FROM counted EXCEPT SELECT * FROM case_tally WHERE n <> 0 "
        "UNION ALL SELECT * FROM case_tally WHERE n <> 0 EXCEPT SELECT * FROM counted)";
    static const char SQL_RATINGS[] =
        "WITH counted AS (SELECT c.place_path, r.rating, count(*) AS n FROM case_rating r "
        "JOIN case_record c ON c.id = r.case_id GROUP BY 1, 2) "
        "SELECT count(*) FROM (SELECT * FROM counted EXCEPT SELECT * FROM case_rating_tally "
        "WHERE n <> 0 UNION ALL SELECT * FROM case_rating_tally WHERE n <> 0 EXCEPT "
        "SELECT * FROM counted)";
    static const char SQL_STATES[] =
        "WITH counted AS (SELECT state, count(*) AS n FROM case_record GROUP BY 1) "
        "SELECT count(*) FROM (SELECT * FROM counted EXCEPT SELECT * FROM case_state_tally "
        "WHERE n <> 0 UNION ALL SELECT * FROM case_state_tally WHERE n <> 0 EXCEPT "
        "SELECT * FROM counted)";
    const char *checks[] = {SQL, SQL_RATINGS, SQL_STATES};
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        sqlite3_stmt *stmt = store_read_stmt(store, checks[i]);
        if (stmt == NULL)
            return false;
        bool ok = store_step_row(stmt) == STORE_OK && sqlite3_column_int64(stmt, 0) == 0;
        store_stmt_done(stmt);
        if (!ok)
            return false;
    }
    return true;
}
