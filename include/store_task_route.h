// SPDX-License-Identifier: MIT
// Task routing: who a verification (核实) or check (核查) task goes to. The
// inspectors assigned to the case's cell; when the cell has none, those of the
// cells of its patrol zone (the same non-empty patrol_zone, in the same
// street); when the zone has none either, every inspector of the street. The
// level and the inspectors are written when the task starts (the case enters
// verifying or handled), the inspectors removed when it ends (the case leaves
// that state), so task_route holds the running tasks only; the case page and
// the task list (mine=1) read them.
#ifndef CHENGGUAN_STORE_TASK_ROUTE_H
#define CHENGGUAN_STORE_TASK_ROUTE_H

#include <stdint.h>

struct store;
struct store_tx;

// One inspector a task is routed to.
struct store_task_inspector {
    int64_t user_id;
    char username[64];
    char display_name[128];
};

// Routes the task of case_id (in grid_id, 0 when unplaced, and street_id):
// replaces its task_route rows and sets case_record.task_level to "cell",
// "zone", "street" or "" (no inspector anywhere). Returns STORE_OK or STORE_ERROR.
int store_task_route_tx(struct store_tx *tx, int64_t case_id, int64_t grid_id, int64_t street_id);

// Ends the case's task: its task_route rows go (the level stays on the case,
// as the latest task's). Returns STORE_OK or STORE_ERROR.
int store_task_route_end_tx(struct store_tx *tx, int64_t case_id);

// Calls fn for every inspector the case's task is routed to, by username.
// Returns STORE_OK or STORE_ERROR.
int store_task_inspectors(struct store *store, int64_t case_id,
                          void (*fn)(const struct store_task_inspector *inspector, void *data),
                          void *data);

#endif
