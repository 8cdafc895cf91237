// SPDX-License-Identifier: MIT
// Private to the store: what the admin writes share. The org-unit columns and
// their reader, the insert of one unit inside a write job, and the append of
// an admin change (before and after) to audit_log inside the job making it.
#ifndef CHENGGUAN_STORE_ADMIN_AUDIT_H
#define CHENGGUAN_STORE_ADMIN_AUDIT_H

#include "store_admin.h"
#include "store_import.h"
#include "store_users.h"

#include <cjson/cJSON.h>
#include <stdint.h>

struct store_stmt;
struct store_tx;

// The org-unit columns every unit query returns (alias o), in the order
// store_org_unit_read expects.
#define STORE_UNIT_COLUMNS                                                                         \
    "o.id, o.code, o.type, o.name, o.name_en, COALESCE(o.parent_id, 0), o.path, "                  \
    "o.department_kind, o.disabled"

// Reads STORE_UNIT_COLUMNS from the current row into *out.
void store_org_unit_read(struct store_stmt *stmt, struct store_org_unit *out);

// Inserts one unit (store_org_unit_create's contract) inside a running job.
int store_org_unit_insert_tx(struct store_tx *tx, const struct store_org_unit *unit, int64_t *id);

// Appends an admin change to audit_log: actor (NULL: the system), action such
// as "org_unit.update", the subject, and data {"before": before, "after":
// after} (either NULL: null). Takes ownership of before and after, also on
// failure. Returns STORE_OK or STORE_ERROR.
int store_admin_audit_tx(struct store_tx *tx, const struct store_actor *actor, const char *action,
                         const char *subject_kind, int64_t subject_id, cJSON *before, cJSON *after);

// The user's state as the audit log shows it ({username, display_name, role,
// org_unit, phone, disabled}), or NULL when there is no such user.
cJSON *store_user_audit_json_tx(struct store_tx *tx, int64_t id);

// Creates one unit and appends "org_unit.create" inside a running job.
int store_org_unit_create_tx(struct store_tx *tx, const struct store_actor *actor,
                             const struct store_org_unit *unit, int64_t *id);

// Inserts one user (store_user_create_as's contract, "user.create" appended
// when actor is not NULL) inside a running job.
int store_user_insert_tx(struct store_tx *tx, const struct store_actor *actor,
                         const struct store_user *user, const char *password_hash, int64_t *id);

// store_routing_set's rows inside a running job.
int store_routing_set_tx(struct store_tx *tx, const struct store_actor *actor,
                         const struct store_route *rows, size_t count);

// One cell's assignment (store_import.h) inside a running job: the
// inspectors ("grid.inspectors") and the zone and leader ("grid.update").
int store_grid_assign_tx(struct store_tx *tx, const struct store_actor *actor,
                         const struct store_grid_assignment *row);

#endif
