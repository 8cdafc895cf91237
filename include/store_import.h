// SPDX-License-Identifier: MIT
// Storing a checked bulk import of set-up data in one transaction: org units
// (parents earlier in the same import allowed), accounts, routing rows, grid
// assignments. Each row appends the audit_log entry its one-row API appends
// (org_unit.create, user.create, routing.set, grid.inspectors, grid.update),
// and the import one entry more ("import") naming the file: its SHA-256, kind,
// format and counts. Either everything commits or nothing does.
#ifndef CHENGGUAN_STORE_IMPORT_H
#define CHENGGUAN_STORE_IMPORT_H

#include "store_admin.h"
#include "store_places.h"
#include "store_users.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// What the "import" audit entry says of the file.
struct store_import_summary {
    const char *kind;   // org_units, users, routing, assignments
    const char *format; // csv or xlsx
    const char *sha256; // hex of the file
    size_t rows, imported, skipped;
};

// One org unit to create: unit.parent_id names a stored parent (0: none, or
// the parent is in the import); parent_index >= 0 names the unit of the same
// import that is its parent, which comes earlier in the array.
struct store_import_unit {
    struct store_org_unit unit;
    long parent_index;
};

// One cell's assignment: the inspectors when set_inspectors, the patrol zone
// unless NULL, the leader unless -1 (0 clears).
struct store_grid_assignment {
    int64_t grid_id;
    bool set_inspectors;
    const int64_t *inspector_ids;
    size_t inspector_count;
    const char *patrol_zone;
    int64_t leader_user_id;
};

// Creates units in order (each unit's id into ids[i] when ids is not NULL).
// Returns STORE_OK, STORE_CONFLICT (a code was taken meanwhile), STORE_INVALID
// (a unit breaks store_org_unit_create's rules), STORE_FULL or STORE_ERROR;
// on any failure nothing is stored.
int store_import_org_units(struct store *store, const struct store_actor *actor,
                           const struct store_import_unit *units, size_t count,
                           const struct store_import_summary *summary, int64_t *ids);

// Creates the accounts (hashes[i]: crypto_pwhash_str of user i). Results as
// store_import_org_units (STORE_CONFLICT: a username was taken meanwhile).
int store_import_users(struct store *store, const struct store_actor *actor,
                       const struct store_user *users, const char *const *hashes, size_t count,
                       const struct store_import_summary *summary);

// Sets the routing rows (store_routing_set). Results as store_import_org_units.
int store_import_routing(struct store *store, const struct store_actor *actor,
                         const struct store_route *rows, size_t count,
                         const struct store_import_summary *summary);

// Applies the assignments. Results as store_import_org_units.
int store_import_assignments(struct store *store, const struct store_actor *actor,
                             const struct store_grid_assignment *rows, size_t count,
                             const struct store_import_summary *summary);

#endif
