// SPDX-License-Identifier: MIT
// SQL for the assessment trends. A trend reads the per-day tally the write path
// keeps (case_trend_tally, migration 0017: days x places rows, whatever the
// history holds) plus the running handling records past due, which depend on
// the time and are read live. The recount reads every fact of the window, one
// statement per kind of fact on the index of its time; it serves windows that
// do not start at a UTC+8 midnight, and tests compare the tally with it. Days
// are summed here, so no statement sorts case rows in a temp B-tree.
#include "store_trend.h"

#include "engine.h"
#include "jurisdiction.h"
#include "store_places.h"

#include <string.h>

#define DAY_MS INT64_C(86400000)
// The tally's days are local days of UTC+8 (migration 0017).
#define TALLY_OFFSET_MS INT64_C(28800000)

#define IN_SCOPE                                                                                   \
    "c.place_path >= :scope_lo AND c.place_path < :scope_hi "                                      \
    "AND (c.street_id = :street OR :street IS NULL) "                                              \
    "AND (c.community_id = :community OR :community IS NULL) "                                     \
    "AND (c.grid_id = :grid OR :grid IS NULL) "                                                    \
    "AND (c.department_id = :department OR :department IS NULL) "

// Reported (merged duplicates left out) and filed (anything past the decision
// but a rejection), by the day the case was reported. SQLite is told the index
// as in the assessment: for a whole city its planner would read case_place.
#define REPORTS_SELECT                                                                             \
    "SELECT (c.created_at - :from) / 86400000, 1, "                                                \
    "CASE WHEN c.state IN ('reported', 'verifying', 'rejected') THEN 0 ELSE 1 END "                \
    "FROM case_record c "
#define REPORTS_WHERE                                                                              \
    "WHERE c.created_at >= :from AND c.created_at < :to AND c.state <> 'merged' "                  \
    "AND " IN_SCOPE
static const char SQL_REPORTS_SQLITE[] = REPORTS_SELECT "INDEXED BY case_created " REPORTS_WHERE;
static const char SQL_REPORTS_POSTGRES[] = REPORTS_SELECT REPORTS_WHERE;

// Closures: close records that ended by the close action, by the day they ended
// (index case_stage_ended).
static const char SQL_CLOSED[] =
    "SELECT (s.ended_at - :from) / 86400000, 1, 0 "
    "FROM case_stage s JOIN case_record c ON c.id = s.case_id "
    "WHERE s.stage = 'close' AND s.ended_at >= :from AND s.ended_at < :to "
    "AND s.outcome = 'close' AND " IN_SCOPE;

// Handling records by the day they fall due (index case_stage_due), judged as
// assessment_count_stage judges them: a void one not at all, a running one
// only once past due.
#define HANDLE_DUE "coalesce(s.deadline, s.ended_at)"
static const char SQL_HANDLING[] =
    "SELECT (" HANDLE_DUE " - :from) / 86400000, "
    "CASE WHEN s.verdict <> 'running' OR s.deadline < :now THEN 1 ELSE 0 END, "
    "CASE WHEN s.verdict = 'on_time' THEN 1 ELSE 0 END "
    "FROM case_stage s JOIN case_record c ON c.id = s.case_id "
    "WHERE s.stage = 'handle' AND " HANDLE_DUE " >= :from AND " HANDLE_DUE " < :to "
    "AND s.verdict <> 'void' AND " IN_SCOPE;

// The tally's rows of one scope (kind and key) for the window's days, inside a
// place_path range: the primary key's order, so a window reads its own rows.
static const char SQL_TALLY[] =
    "SELECT day - :from_day, reported, filed, closed, handle_due, handle_on_time "
    "FROM case_trend_tally WHERE kind = :kind AND key_id = :key "
    "AND day >= :from_day AND day < :to_day "
    "AND place_path >= :scope_lo AND place_path < :scope_hi";

// Running handling records past due in the window, on the index of running
// records by deadline: only open cases' records are walked. SQLite is told the
// index: left alone it walks every handling record on case_stage_due.
#define RUNNING_SELECT "SELECT (s.deadline - :from) / 86400000, 1, 0 FROM case_stage s "
#define RUNNING_WHERE                                                                              \
    "JOIN case_record c ON c.id = s.case_id "                                                      \
    "WHERE s.ended_at IS NULL AND s.deadline >= :from AND s.deadline < :to "                       \
    "AND s.deadline < :now AND s.stage = 'handle' AND s.verdict = 'running' AND " IN_SCOPE
static const char SQL_RUNNING_SQLITE[] =
    RUNNING_SELECT "INDEXED BY case_stage_running " RUNNING_WHERE;
static const char SQL_RUNNING_POSTGRES[] = RUNNING_SELECT RUNNING_WHERE;

const struct store_plan_statement STORE_TREND_PLANS[] = {
    {"trend: the tally's days", SQL_TALLY, SQL_TALLY},
    {"trend: running handling past due", SQL_RUNNING_SQLITE, SQL_RUNNING_POSTGRES},
    {"trend recount: cases reported per day", SQL_REPORTS_SQLITE, SQL_REPORTS_POSTGRES},
    {"trend recount: closures per day", SQL_CLOSED, SQL_CLOSED},
    {"trend recount: handling due per day", SQL_HANDLING, SQL_HANDLING},
};
const size_t STORE_TREND_PLAN_COUNT = sizeof STORE_TREND_PLANS / sizeof STORE_TREND_PLANS[0];

enum series { SERIES_REPORTS, SERIES_CLOSED, SERIES_HANDLING };

static void add_row(struct store_stmt *stmt, enum series series, struct store_trend_day *day)
{
    int64_t first = store_col_int64(stmt, 1), second = store_col_int64(stmt, 2);
    switch (series) {
    case SERIES_REPORTS:
        day->reported += first;
        day->filed += second;
        break;
    case SERIES_CLOSED:
        day->closed += first;
        break;
    case SERIES_HANDLING:
        day->handle_due += first;
        day->handle_on_time += second;
        break;
    }
}

// Runs one series' statement and adds its rows to out.
static int read_series(struct store *store, const char *sql, enum series series,
                       const struct jurisdiction_range *range,
                       const struct store_trend_scope *scope, int64_t from, int days, int64_t now,
                       struct store_trend_day *out)
{
    struct store_stmt *stmt = store_read_stmt(store, sql);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_range(stmt, range);
    store_bind_id(stmt, ":street", scope->street_id);
    store_bind_id(stmt, ":community", scope->community_id);
    store_bind_id(stmt, ":grid", scope->grid_id);
    store_bind_id(stmt, ":department", scope->department_id);
    store_bind_int(stmt, ":from", from);
    store_bind_int(stmt, ":to", from + days * DAY_MS);
    if (store_stmt_has_param(stmt, ":now"))
        store_bind_int(stmt, ":now", now);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        int64_t day = store_col_int64(stmt, 0);
        if (day >= 0 && day < days)
            add_row(stmt, series, &out[day]);
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

int store_trend_recount(struct store *store, const struct jurisdiction *j,
                        const struct store_trend_scope *scope, int64_t from, int days, int64_t now,
                        struct store_trend_day *out)
{
    if (days < 1 || days > STORE_TREND_DAYS_MAX)
        return STORE_ERROR;
    memset(out, 0, (size_t)days * sizeof *out);
    struct jurisdiction_range range;
    jurisdiction_case_range(j, &range);
    const char *reports = store_sql(store, SQL_REPORTS_SQLITE, SQL_REPORTS_POSTGRES);
    if (read_series(store, reports, SERIES_REPORTS, &range, scope, from, days, now, out) !=
            STORE_OK ||
        read_series(store, SQL_CLOSED, SERIES_CLOSED, &range, scope, from, days, now, out) !=
            STORE_OK ||
        read_series(store, SQL_HANDLING, SERIES_HANDLING, &range, scope, from, days, now, out) !=
            STORE_OK)
        return STORE_ERROR;
    return STORE_OK;
}

// Narrows range to the paths inside the street or community id (a unit of
// another type, or none, gives the empty range).
static int narrow_to_unit(struct store *store, int64_t id, const char *type,
                          struct jurisdiction_range *range)
{
    struct store_org_unit unit;
    int rc = store_org_unit_get(store, id, &unit);
    struct jurisdiction_range inside;
    if (rc == STORE_ERROR)
        return STORE_ERROR;
    if (rc != STORE_OK || strcmp(unit.type, type) != 0 ||
        !jurisdiction_path_range(unit.path, &inside)) {
        memcpy(range->hi, range->lo, sizeof range->hi);
        return STORE_OK;
    }
    if (strcmp(inside.lo, range->lo) > 0)
        memcpy(range->lo, inside.lo, sizeof range->lo);
    if (strcmp(inside.hi, range->hi) < 0)
        memcpy(range->hi, inside.hi, sizeof range->hi);
    if (strcmp(range->lo, range->hi) > 0)
        memcpy(range->hi, range->lo, sizeof range->hi);
    return STORE_OK;
}

// Adds the tally's rows of the scope to out[0..days).
static int read_tally(struct store *store, const struct jurisdiction_range *range,
                      const struct store_trend_scope *scope, int64_t from, int days,
                      struct store_trend_day *out)
{
    const char *kind = scope->department_id > 0 ? "department"
                       : scope->grid_id > 0     ? "grid"
                                                : "place";
    struct store_stmt *stmt = store_read_stmt(store, SQL_TALLY);
    if (stmt == NULL)
        return STORE_ERROR;
    int64_t from_day = (from + TALLY_OFFSET_MS) / DAY_MS;
    store_bind_range(stmt, range);
    store_bind_text(stmt, ":kind", kind);
    store_bind_int(stmt, ":key", scope->department_id > 0 ? scope->department_id : scope->grid_id);
    store_bind_int(stmt, ":from_day", from_day);
    store_bind_int(stmt, ":to_day", from_day + days);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        int64_t day = store_col_int64(stmt, 0);
        if (day < 0 || day >= days)
            continue;
        struct store_trend_day *d = &out[day];
        d->reported += store_col_int64(stmt, 1);
        d->filed += store_col_int64(stmt, 2);
        d->closed += store_col_int64(stmt, 3);
        d->handle_due += store_col_int64(stmt, 4);
        d->handle_on_time += store_col_int64(stmt, 5);
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

int store_trend_series(struct store *store, const struct jurisdiction *j,
                       const struct store_trend_scope *scope, int64_t from, int days, int64_t now,
                       struct store_trend_day *out)
{
    // The tally knows UTC+8 days only; a scope of more than one unit is not kept.
    int units = (scope->street_id > 0) + (scope->community_id > 0) + (scope->grid_id > 0) +
                (scope->department_id > 0);
    if ((from + TALLY_OFFSET_MS) % DAY_MS != 0 || units > 1)
        return store_trend_recount(store, j, scope, from, days, now, out);
    if (days < 1 || days > STORE_TREND_DAYS_MAX)
        return STORE_ERROR;
    memset(out, 0, (size_t)days * sizeof *out);
    struct jurisdiction_range range;
    jurisdiction_case_range(j, &range);
    int rc = STORE_OK;
    if (scope->street_id > 0)
        rc = narrow_to_unit(store, scope->street_id, "street", &range);
    else if (scope->community_id > 0)
        rc = narrow_to_unit(store, scope->community_id, "community", &range);
    if (rc == STORE_OK)
        rc = read_tally(store, &range, scope, from, days, out);
    // The running records past due, read live for the scope as asked.
    jurisdiction_case_range(j, &range);
    if (rc == STORE_OK)
        rc = read_series(store, store_sql(store, SQL_RUNNING_SQLITE, SQL_RUNNING_POSTGRES),
                         SERIES_HANDLING, &range, scope, from, days, now, out);
    return rc;
}
