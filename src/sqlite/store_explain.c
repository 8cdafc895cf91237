// SPDX-License-Identifier: MIT
// The query plans of the statements that must stay fast at a city's scale (the
// list pages, the search, the overview counts), as SQLite's EXPLAIN QUERY PLAN
// reports them: for `chengguan explain` and the test that no plan scans the case
// table or sorts it in a temporary B-tree.
#include "engine.h"

#include "log.h"

#include <stdio.h>

static int explain_one(struct store *store, const struct store_plan_statement *statement,
                       void (*fn)(const char *name, const char *plan, void *data), void *data)
{
    char sql[8192];
    int len = snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", statement->sql);
    if (len < 0 || (size_t)len >= sizeof sql)
        return STORE_ERROR;
    sqlite3 *db = NULL;
    sqlite3_stmt *probe = store_read_stmt(store, statement->sql); // opens the read connection
    if (probe == NULL)
        return STORE_ERROR;
    db = sqlite3_db_handle(probe);
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        log_error("store: cannot explain %s: %s", statement->name, sqlite3_errmsg(db));
        return STORE_ERROR;
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        fn(statement->name, (const char *)sqlite3_column_text(stmt, 3), data);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

int store_explain(struct store *store, void (*fn)(const char *name, const char *plan, void *data),
                  void *data)
{
    const struct {
        const struct store_plan_statement *list;
        size_t count;
    } GROUPS[] = {{STORE_LIST_PLANS, STORE_LIST_PLAN_COUNT},
                  {STORE_DUPLICATE_PLANS, STORE_DUPLICATE_PLAN_COUNT},
                  {STORE_STATS_PLANS, STORE_STATS_PLAN_COUNT}};
    for (size_t g = 0; g < sizeof GROUPS / sizeof GROUPS[0]; g++)
        for (size_t i = 0; i < GROUPS[g].count; i++)
            if (explain_one(store, &GROUPS[g].list[i], fn, data) != STORE_OK)
                return STORE_ERROR;
    return STORE_OK;
}
