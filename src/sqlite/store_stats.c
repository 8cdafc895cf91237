// SPDX-License-Identifier: MIT
// SQL for the overview counts. Each section is one GROUP BY over the cases
// inside the caller's jurisdiction (a place_path key range on the case_place index).
#include "store_stats.h"

#include "engine.h"
#include "jurisdiction.h"

#include <string.h>

#define OPEN_STATES "('closed', 'rejected', 'merged')"
// The jurisdiction's key range (store_bind_range), on the case_place index.
#define IN_SCOPE "place_path >= :scope_lo AND place_path < :scope_hi "

static const char SQL_STATE[] =
    "SELECT state, count(*) FROM case_record WHERE " IN_SCOPE "GROUP BY state";
static const char SQL_SOURCE[] =
    "SELECT source, count(*) FROM case_record WHERE " IN_SCOPE "GROUP BY source";
// Every rating counts, one per closure (case_rating), not only each case's latest.
static const char SQL_RATING[] =
    "SELECT r.rating, count(*) FROM case_rating r JOIN case_record c ON c.id = r.case_id "
    "WHERE c.place_path >= :scope_lo AND c.place_path < :scope_hi GROUP BY r.rating";
static const char SQL_TOTALS[] =
    "SELECT count(*) FILTER (WHERE state NOT IN " OPEN_STATES "), "
    "count(*) FILTER (WHERE state NOT IN " OPEN_STATES " AND stage_deadline < :now), "
    "count(*) FILTER (WHERE pending <> 'none'), "
    "count(*) FILTER (WHERE created_at >= :since), "
    "count(*) FILTER (WHERE closed_at >= :since), "
    "count(*) FILTER (WHERE self_handled = 1) "
    "FROM case_record WHERE " IN_SCOPE;
static const char SQL_STREET[] =
    "SELECT s.code, s.name, "
    "count(*) FILTER (WHERE c.state NOT IN " OPEN_STATES "), "
    "count(*) FILTER (WHERE c.state NOT IN " OPEN_STATES " AND c.stage_deadline < :now), "
    "count(*) FILTER (WHERE c.state = 'closed') "
    "FROM case_record c JOIN org_unit s ON s.id = c.street_id "
    "WHERE c.place_path >= :scope_lo AND c.place_path < :scope_hi GROUP BY s.id ORDER BY s.code";
static const char SQL_CATEGORY[] =
    "SELECT g.id, g.tree, g.code, g.name_zh, g.name_en, count(*) AS n "
    "FROM case_record c JOIN category g ON g.id = c.category_id "
    "WHERE c.place_path >= :scope_lo AND c.place_path < :scope_hi "
    "GROUP BY g.id ORDER BY n DESC, g.id LIMIT 10";

static const char *text_or_empty(sqlite3_stmt *stmt, int column)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    return text ? (const char *)text : "";
}

// Runs one section's query, turning each row into a store_stats_row.
static int run_section(struct store *store, const char *sql, const char *section,
                       const struct jurisdiction_range *range, int64_t now,
                       void (*fn)(const struct store_stats_row *, void *), void *data)
{
    sqlite3_stmt *stmt = store_read_stmt(store, sql);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_range(stmt, range);
    if (sqlite3_bind_parameter_index(stmt, ":now") > 0)
        store_bind_int(stmt, ":now", now);
    if (sqlite3_bind_parameter_index(stmt, ":since") > 0)
        store_bind_int(stmt, ":since", now - 30LL * 86400000);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_stats_row row = {.section = section, .name = "", .name_en = "", .tree = ""};
        if (strcmp(section, "street") == 0) {
            row.key = text_or_empty(stmt, 0);
            row.name = text_or_empty(stmt, 1);
            row.count = sqlite3_column_int64(stmt, 2);
            row.overdue = sqlite3_column_int64(stmt, 3);
            row.closed = sqlite3_column_int64(stmt, 4);
            fn(&row, data);
        } else if (strcmp(section, "category") == 0) {
            row.id = sqlite3_column_int64(stmt, 0);
            row.tree = text_or_empty(stmt, 1);
            row.key = text_or_empty(stmt, 2);
            row.name = text_or_empty(stmt, 3);
            row.name_en = text_or_empty(stmt, 4);
            row.count = sqlite3_column_int64(stmt, 5);
            fn(&row, data);
        } else if (strcmp(section, "totals") == 0) {
            static const char *const NAMES[] = {"open",        "overdue",    "pending_requests",
                                                "created_30d", "closed_30d", "self_handled"};
            for (int i = 0; i < 6; i++) {
                row.key = NAMES[i];
                row.count = sqlite3_column_int64(stmt, i);
                fn(&row, data);
            }
        } else {
            row.key = text_or_empty(stmt, 0);
            row.count = sqlite3_column_int64(stmt, 1);
            fn(&row, data);
        }
    }
    store_stmt_done(stmt);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

int store_stats_overview(struct store *store, const struct jurisdiction *jurisdiction,
                         int64_t now_ms, void (*fn)(const struct store_stats_row *row, void *data),
                         void *data)
{
    struct jurisdiction_range range;
    jurisdiction_case_range(jurisdiction, &range);
    const struct {
        const char *sql;
        const char *section;
    } SECTIONS[] = {{SQL_TOTALS, "totals"}, {SQL_STATE, "state"},       {SQL_SOURCE, "source"},
                    {SQL_STREET, "street"}, {SQL_CATEGORY, "category"}, {SQL_RATING, "rating"}};
    for (size_t i = 0; i < sizeof SECTIONS / sizeof SECTIONS[0]; i++)
        if (run_section(store, SECTIONS[i].sql, SECTIONS[i].section, &range, now_ms, fn, data) !=
            STORE_OK)
            return STORE_ERROR;
    return STORE_OK;
}
