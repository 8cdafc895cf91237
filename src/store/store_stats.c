// SPDX-License-Identifier: MIT
// SQL for the overview counts: a few rows per place from the tallies the write
// path keeps (store_tally.c), bounded by the caller's jurisdiction as a place_path
// key range; only the overdue count, which depends on the time, walks cases: the
// open ones past their deadline, on the index of open cases by deadline.
#include "store_stats.h"

#include "engine.h"
#include "jurisdiction.h"

#include <string.h>

#define OPEN_STATES                                                                                \
    "('reported', 'verifying', 'accepted', 'dispatched', 'processing', 'suspended', 'handled', "   \
    "'checked')"
// The jurisdiction's key range (store_bind_range) on a place_path column.
#define IN_SCOPE "place_path >= :scope_lo AND place_path < :scope_hi "

// Counts by what the overview groups cases by, from the tally the write path
// keeps (a few rows per place, not a row per case).
static const char SQL_STATE[] =
    "SELECT state, sum(n) FROM case_tally_state WHERE " IN_SCOPE "GROUP BY state HAVING sum(n) > 0";
// The whole city by state, for the metrics: one kept row per state.
static const char SQL_ALL_STATES[] = "SELECT state, n FROM case_state_tally WHERE n > 0";
static const char SQL_SOURCE[] = "SELECT source, sum(n) FROM case_tally_source WHERE " IN_SCOPE
                                 "GROUP BY source HAVING sum(n) > 0";
static const char SQL_RATING[] = "SELECT rating, sum(n) FROM case_rating_tally WHERE " IN_SCOPE
                                 "GROUP BY rating HAVING sum(n) > 0";
static const char SQL_TOTALS[] =
    "SELECT (SELECT coalesce(sum(n), 0) FROM case_tally_state WHERE " IN_SCOPE
    "AND state IN " OPEN_STATES "), coalesce(sum(n) FILTER (WHERE pending = TRUE), 0), "
    "coalesce(sum(n) FILTER (WHERE self_handled = TRUE), 0) FROM case_tally_flags WHERE " IN_SCOPE;
static const char SQL_DAYS[] =
    "SELECT coalesce(sum(created), 0), coalesce(sum(closed), 0) FROM case_daily "
    "WHERE " IN_SCOPE "AND day >= :since_day";
// Overdue depends on the time: the open cases past their deadline, from the
// index of open cases by deadline (only those are walked; PostgreSQL has the same
// partial index, and no index hints).
#define OVERDUE_WHERE                                                                              \
    "WHERE c.state IN " OPEN_STATES " AND coalesce(c.stage_deadline, 9223372036854775807) < :now " \
    "AND c.place_path >= :scope_lo AND c.place_path < :scope_hi"
static const char SQL_OVERDUE_SQLITE[] =
    "SELECT coalesce(c.street_id, 0) FROM case_record c INDEXED BY case_open_due " OVERDUE_WHERE;
static const char SQL_OVERDUE_POSTGRES[] =
    "SELECT coalesce(c.street_id, 0) FROM case_record c " OVERDUE_WHERE;
static const char SQL_STREET[] =
    "SELECT s.id, s.code, s.name, coalesce(sum(t.n) FILTER (WHERE t.state IN " OPEN_STATES "), 0), "
    "coalesce(sum(t.n) FILTER (WHERE t.state = 'closed'), 0) "
    "FROM case_tally_state t JOIN org_unit s ON s.id = t.street_id "
    "WHERE t.place_path >= :scope_lo AND t.place_path < :scope_hi GROUP BY s.id ORDER BY s.code";
static const char SQL_CATEGORY[] =
    "SELECT g.id, g.tree, g.code, g.name_zh, g.name_en, t.total FROM "
    "(SELECT category_id, sum(n) AS total FROM case_tally_category WHERE " IN_SCOPE
    "AND category_id > 0 "
    "GROUP BY category_id HAVING sum(n) > 0 ORDER BY total DESC, category_id LIMIT 10) t "
    "JOIN category g ON g.id = t.category_id ORDER BY t.total DESC, g.id";

// The wall screen's day: cases reported in [from, to) on the index of cases by
// creation time (which carries place_path), and the file, dispatch and close
// records that ended in it by filing, dispatching or closing, on the index of
// ended records by stage and time: the cost follows the day, not the history.
static const char SQL_DAY_REPORTED[] =
    "SELECT count(*) FROM case_record WHERE created_at >= :from AND created_at < :to "
    "AND " IN_SCOPE;
static const char SQL_DAY_ENDED[] =
    "SELECT s.stage, count(*) FROM case_stage s JOIN case_record c ON c.id = s.case_id "
    "WHERE s.stage IN ('file', 'dispatch', 'close') AND s.ended_at >= :from AND s.ended_at < :to "
    "AND s.outcome IN ('accept', 'dispatch', 'close') "
    "AND c.place_path >= :scope_lo AND c.place_path < :scope_hi GROUP BY s.stage";

// One text serves both engines but for the overdue count (INDEXED BY).
const struct store_plan_statement STORE_STATS_PLANS[] = {
    {"overview: by state", SQL_STATE, SQL_STATE},
    {"overview: by source", SQL_SOURCE, SQL_SOURCE},
    {"overview: ratings", SQL_RATING, SQL_RATING},
    {"overview: totals", SQL_TOTALS, SQL_TOTALS},
    {"overview: filed and closed", SQL_DAYS, SQL_DAYS},
    {"overview: overdue", SQL_OVERDUE_SQLITE, SQL_OVERDUE_POSTGRES},
    {"overview: by street", SQL_STREET, SQL_STREET},
    {"overview: top categories", SQL_CATEGORY, SQL_CATEGORY},
    {"metrics: cases by state", SQL_ALL_STATES, SQL_ALL_STATES},
    {"wall: reported in a day", SQL_DAY_REPORTED, SQL_DAY_REPORTED},
    {"wall: filed, dispatched, closed in a day", SQL_DAY_ENDED, SQL_DAY_ENDED},
};
const size_t STORE_STATS_PLAN_COUNT = sizeof STORE_STATS_PLANS / sizeof STORE_STATS_PLANS[0];

static const char *text_or_empty(struct store_stmt *stmt, int column)
{
    const char *text = store_col_text(stmt, column);
    return text ? text : "";
}

// Prepares a section's statement with the range and the time bound.
static struct store_stmt *section(struct store *store, const char *sql,
                                  const struct jurisdiction_range *range, int64_t now)
{
    struct store_stmt *stmt = store_read_stmt(store, sql);
    if (stmt == NULL)
        return NULL;
    store_bind_range(stmt, range);
    if (store_stmt_has_param(stmt, ":now"))
        store_bind_int(stmt, ":now", now);
    if (store_stmt_has_param(stmt, ":since_day"))
        store_bind_int(stmt, ":since_day", (now - 30LL * 86400000) / 86400000);
    return stmt;
}

// Steps a finished section; STORE_OK when it ended well.
static int section_done(struct store_stmt *stmt, int rc)
{
    store_stmt_done(stmt);
    return rc == STORE_DONE || rc == STORE_ROW ? STORE_OK : STORE_ERROR;
}

// A section of (key, count) rows: state, source, rating.
static int keyed(struct store *store, const char *sql, const char *name,
                 const struct jurisdiction_range *range, int64_t now,
                 void (*fn)(const struct store_stats_row *, void *), void *data)
{
    struct store_stmt *stmt = section(store, sql, range, now);
    if (stmt == NULL)
        return STORE_ERROR;
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct store_stats_row row = {.section = name,
                                      .key = text_or_empty(stmt, 0),
                                      .name = "",
                                      .name_en = "",
                                      .tree = "",
                                      .count = store_col_int64(stmt, 1)};
        fn(&row, data);
    }
    return section_done(stmt, rc);
}

// Open cases past their deadline, per street (index 0: outside every street).
struct overdue {
    int64_t total;
    int count;
    int64_t street[256], n[256];
};

static int overdue_counts(struct store *store, const struct jurisdiction_range *range, int64_t now,
                          struct overdue *out)
{
    struct store_stmt *stmt =
        section(store, store_sql(store, SQL_OVERDUE_SQLITE, SQL_OVERDUE_POSTGRES), range, now);
    if (stmt == NULL)
        return STORE_ERROR;
    // Counted here rather than grouped in SQL: no temporary B-tree over cases.
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        int64_t street = store_col_int64(stmt, 0);
        out->total++;
        int i = 0;
        while (i < out->count && out->street[i] != street)
            i++;
        if (i == out->count && out->count < 256)
            out->street[out->count++] = street;
        if (i < out->count)
            out->n[i]++;
    }
    return section_done(stmt, rc);
}

static int totals(struct store *store, const struct jurisdiction_range *range, int64_t now,
                  const struct overdue *overdue, void (*fn)(const struct store_stats_row *, void *),
                  void *data)
{
    int64_t counts[6] = {0};
    struct store_stmt *stmt = section(store, SQL_TOTALS, range, now);
    if (stmt == NULL)
        return STORE_ERROR;
    int rc = store_step(stmt);
    if (rc == STORE_ROW) {
        counts[0] = store_col_int64(stmt, 0);
        counts[2] = store_col_int64(stmt, 1);
        counts[5] = store_col_int64(stmt, 2);
    }
    if (section_done(stmt, rc) != STORE_OK || (stmt = section(store, SQL_DAYS, range, now)) == NULL)
        return STORE_ERROR;
    rc = store_step(stmt);
    if (rc == STORE_ROW) {
        counts[3] = store_col_int64(stmt, 0);
        counts[4] = store_col_int64(stmt, 1);
    }
    if (section_done(stmt, rc) != STORE_OK)
        return STORE_ERROR;
    counts[1] = overdue->total;
    static const char *const NAMES[] = {"open",        "overdue",    "pending_requests",
                                        "created_30d", "closed_30d", "self_handled"};
    for (int i = 0; i < 6; i++) {
        struct store_stats_row row = {.section = "totals",
                                      .key = NAMES[i],
                                      .name = "",
                                      .name_en = "",
                                      .tree = "",
                                      .count = counts[i]};
        fn(&row, data);
    }
    return STORE_OK;
}

static int streets(struct store *store, const struct jurisdiction_range *range, int64_t now,
                   const struct overdue *overdue,
                   void (*fn)(const struct store_stats_row *, void *), void *data)
{
    struct store_stmt *stmt = section(store, SQL_STREET, range, now);
    if (stmt == NULL)
        return STORE_ERROR;
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        int64_t id = store_col_int64(stmt, 0);
        struct store_stats_row row = {.section = "street",
                                      .key = text_or_empty(stmt, 1),
                                      .name = text_or_empty(stmt, 2),
                                      .name_en = "",
                                      .tree = "",
                                      .count = store_col_int64(stmt, 3),
                                      .closed = store_col_int64(stmt, 4)};
        for (int i = 0; i < overdue->count; i++)
            if (overdue->street[i] == id)
                row.overdue = overdue->n[i];
        fn(&row, data);
    }
    return section_done(stmt, rc);
}

static int categories(struct store *store, const struct jurisdiction_range *range, int64_t now,
                      void (*fn)(const struct store_stats_row *, void *), void *data)
{
    struct store_stmt *stmt = section(store, SQL_CATEGORY, range, now);
    if (stmt == NULL)
        return STORE_ERROR;
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct store_stats_row row = {.section = "category",
                                      .id = store_col_int64(stmt, 0),
                                      .tree = text_or_empty(stmt, 1),
                                      .key = text_or_empty(stmt, 2),
                                      .name = text_or_empty(stmt, 3),
                                      .name_en = text_or_empty(stmt, 4),
                                      .count = store_col_int64(stmt, 5)};
        fn(&row, data);
    }
    return section_done(stmt, rc);
}

int store_stats_overview(struct store *store, const struct jurisdiction *jurisdiction,
                         int64_t now_ms, void (*fn)(const struct store_stats_row *row, void *data),
                         void *data)
{
    struct jurisdiction_range range;
    jurisdiction_case_range(jurisdiction, &range);
    struct overdue overdue = {0};
    if (overdue_counts(store, &range, now_ms, &overdue) != STORE_OK ||
        totals(store, &range, now_ms, &overdue, fn, data) != STORE_OK ||
        keyed(store, SQL_STATE, "state", &range, now_ms, fn, data) != STORE_OK ||
        keyed(store, SQL_SOURCE, "source", &range, now_ms, fn, data) != STORE_OK ||
        streets(store, &range, now_ms, &overdue, fn, data) != STORE_OK ||
        categories(store, &range, now_ms, fn, data) != STORE_OK ||
        keyed(store, SQL_RATING, "rating", &range, now_ms, fn, data) != STORE_OK)
        return STORE_ERROR;
    return STORE_OK;
}

int store_stats_state_counts(struct store *store,
                             void (*fn)(const char *state, int64_t count, void *data), void *data)
{
    struct store_stmt *stmt = store_read_stmt(store, SQL_ALL_STATES);
    if (stmt == NULL)
        return STORE_ERROR;
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW)
        fn(text_or_empty(stmt, 0), store_col_int64(stmt, 1), data);
    return section_done(stmt, rc);
}

int store_stats_day(struct store *store, const struct jurisdiction *jurisdiction, int64_t from_ms,
                    int64_t to_ms, struct store_stats_day *out)
{
    memset(out, 0, sizeof *out);
    struct jurisdiction_range range;
    jurisdiction_case_range(jurisdiction, &range);
    const char *const sqls[2] = {SQL_DAY_REPORTED, SQL_DAY_ENDED};
    for (int i = 0; i < 2; i++) {
        struct store_stmt *stmt = section(store, sqls[i], &range, to_ms);
        if (stmt == NULL)
            return STORE_ERROR;
        store_bind_int(stmt, ":from", from_ms);
        store_bind_int(stmt, ":to", to_ms);
        int rc;
        while ((rc = store_step(stmt)) == STORE_ROW) {
            const char *stage = i == 0 ? "" : text_or_empty(stmt, 0);
            int64_t n = store_col_int64(stmt, i == 0 ? 0 : 1);
            if (i == 0)
                out->reported = n;
            else if (strcmp(stage, "file") == 0)
                out->filed = n;
            else if (strcmp(stage, "dispatch") == 0)
                out->dispatched = n;
            else if (strcmp(stage, "close") == 0)
                out->closed = n;
        }
        if (section_done(stmt, rc) != STORE_OK)
            return STORE_ERROR;
    }
    return STORE_OK;
}
