// SPDX-License-Identifier: MIT
// Task routing in SQL: one INSERT ... SELECT a level, tried cell, zone, street
// until one routes to somebody (store_task_route.h).
#include "store_task_route.h"

#include "engine.h"
#include "log.h"
#include "store.h"

#include <string.h>

// An inspector who may take the task: an active account with the inspector
// role whose unit's jurisdiction holds the case (a community's inspector is
// never routed a case of the next community, which they could not open).
#define ACTIVE_INSPECTOR                                                                           \
    "u.role = 'inspector' AND NOT u.disabled AND EXISTS (SELECT 1 FROM case_record c "             \
    "JOIN org_unit uo ON uo.id = u.org_unit_id WHERE c.id = :case "                                \
    "AND (uo.id IN (c.community_id, c.street_id, c.district_id) OR uo.type = 'city')) "

static const char SQL_CLEAR[] = "DELETE FROM task_route WHERE case_id = :case";
static const char SQL_CELL[] =
    "INSERT INTO task_route (case_id, user_id) SELECT CAST(:case AS bigint), gi.user_id FROM grid_inspector gi "
    "JOIN app_user u ON u.id = gi.user_id WHERE gi.grid_id = :grid AND " ACTIVE_INSPECTOR;
// The cells of the same street (their communities' parent) with the cell's zone.
static const char SQL_ZONE[] =
    "INSERT INTO task_route (case_id, user_id) SELECT DISTINCT CAST(:case AS bigint), gi.user_id "
    "FROM grid_cell g JOIN org_unit gc ON gc.id = g.community_id "
    "JOIN grid_cell z ON z.patrol_zone = g.patrol_zone JOIN org_unit zc ON zc.id = z.community_id "
    "JOIN grid_inspector gi ON gi.grid_id = z.id JOIN app_user u ON u.id = gi.user_id "
    "WHERE g.id = :grid AND g.patrol_zone <> '' AND zc.parent_id = gc.parent_id "
    "AND " ACTIVE_INSPECTOR;
// Inspectors whose unit is the street or one of its communities.
static const char SQL_STREET[] =
    "INSERT INTO task_route (case_id, user_id) SELECT CAST(:case AS bigint), u.id FROM app_user u "
    "JOIN org_unit o ON o.id = u.org_unit_id "
    "WHERE (o.id = :street OR o.parent_id = :street) AND " ACTIVE_INSPECTOR;
static const char SQL_LEVEL[] = "UPDATE case_record SET task_level = :level WHERE id = :case";

// Runs one level's insert. Returns the rows added, or -1 on an error.
static int64_t route_level(struct store_tx *tx, const char *sql, int64_t case_id, int64_t grid_id,
                           int64_t street_id)
{
    struct store_stmt *stmt = store_tx_stmt(tx, sql);
    if (stmt == NULL)
        return -1;
    store_bind_int(stmt, ":case", case_id);
    if (store_stmt_has_param(stmt, ":grid"))
        store_bind_int(stmt, ":grid", grid_id);
    if (store_stmt_has_param(stmt, ":street"))
        store_bind_int(stmt, ":street", street_id);
    int rc = store_step(stmt);
    int64_t added = rc == STORE_DONE ? store_stmt_changes(stmt) : -1;
    if (added < 0)
        log_error("store: task routing failed: %s", store_stmt_error(stmt));
    store_stmt_done(stmt);
    return added;
}

int store_task_route_end_tx(struct store_tx *tx, int64_t case_id)
{
    struct store_stmt *clear = store_tx_stmt(tx, SQL_CLEAR);
    if (clear == NULL)
        return STORE_ERROR;
    store_bind_int(clear, ":case", case_id);
    return store_exec_stmt(clear);
}

int store_task_route_tx(struct store_tx *tx, int64_t case_id, int64_t grid_id, int64_t street_id)
{
    static const struct {
        const char *sql;
        const char *level;
        bool needs_grid;
    } LEVELS[] = {{SQL_CELL, "cell", true}, {SQL_ZONE, "zone", true}, {SQL_STREET, "street", false}};
    if (store_task_route_end_tx(tx, case_id) != STORE_OK)
        return STORE_ERROR;
    const char *level = "";
    for (size_t i = 0; i < sizeof LEVELS / sizeof LEVELS[0] && level[0] == '\0'; i++) {
        if ((LEVELS[i].needs_grid && grid_id <= 0) || (!LEVELS[i].needs_grid && street_id <= 0))
            continue;
        int64_t added = route_level(tx, LEVELS[i].sql, case_id, grid_id, street_id);
        if (added < 0)
            return STORE_ERROR;
        if (added > 0)
            level = LEVELS[i].level;
    }
    struct store_stmt *set = store_tx_stmt(tx, SQL_LEVEL);
    if (set == NULL)
        return STORE_ERROR;
    store_bind_text(set, ":level", level);
    store_bind_int(set, ":case", case_id);
    return store_exec_stmt(set);
}

int store_task_inspectors(struct store *store, int64_t case_id,
                          void (*fn)(const struct store_task_inspector *inspector, void *data),
                          void *data)
{
    static const char SQL[] = "SELECT u.id, u.username, u.display_name FROM task_route r "
                              "JOIN app_user u ON u.id = r.user_id WHERE r.case_id = :case "
                              "ORDER BY u.username";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case", case_id);
    int rc;
    struct store_task_inspector row;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        memset(&row, 0, sizeof row);
        row.user_id = store_col_int64(stmt, 0);
        store_column_copy(row.username, sizeof row.username, stmt, 1);
        store_column_copy(row.display_name, sizeof row.display_name, stmt, 2);
        fn(&row, data);
    }
    return store_read_finish(stmt, rc, "task inspectors");
}
