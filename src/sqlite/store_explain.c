// SPDX-License-Identifier: MIT
// The query plan of a statement that must stay fast at a city's scale (the
// list pages, the search, the overview counts), as SQLite's EXPLAIN QUERY PLAN
// reports it: for `chengguan explain` and the test that no plan scans the case
// table or sorts it in a temporary B-tree.
#include "sqlite_engine.h"

#include "log.h"

#include <stdio.h>

int sqlite_explain(struct store_db *db, const char *name, const char *sql,
                   void (*fn)(const char *name, const char *plan, void *data), void *data)
{
    char text[8192];
    int len = snprintf(text, sizeof text, "EXPLAIN QUERY PLAN %s", sql);
    if (len < 0 || (size_t)len >= sizeof text)
        return STORE_ERROR;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db->handle, text, -1, &stmt, NULL) != SQLITE_OK) {
        log_error("store: cannot explain %s: %s", name, sqlite3_errmsg(db->handle));
        return STORE_ERROR;
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        fn(name, (const char *)sqlite3_column_text(stmt, 3), data);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}
