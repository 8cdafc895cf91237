// SPDX-License-Identifier: MIT
// SQL for the assessment trends: three statements per window, one per kind of
// fact, each walking the index of its time (cases by creation, close records by
// their end, handling records by the time they fall due) and giving each fact's
// local day as (time - window start) / 24 h; the days are summed here, so no
// statement sorts case rows (a GROUP BY on the day would, in a temp B-tree).
#include "store_trend.h"

#include "engine.h"
#include "jurisdiction.h"

#include <string.h>

#define DAY_MS INT64_C(86400000)

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

const struct store_plan_statement STORE_TREND_PLANS[] = {
    {"trend: cases reported per day", SQL_REPORTS_SQLITE, SQL_REPORTS_POSTGRES},
    {"trend: closures per day", SQL_CLOSED, SQL_CLOSED},
    {"trend: handling due per day", SQL_HANDLING, SQL_HANDLING},
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
    if (series == SERIES_HANDLING)
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

int store_trend_series(struct store *store, const struct jurisdiction *j,
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
