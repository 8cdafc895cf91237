// SPDX-License-Identifier: MIT
// Setting a city up in the store: org units created and changed by an admin,
// the routing table (which department handles which category in which street),
// inspector <-> cell assignments, patrol zones and grid leaders, each change
// appending its admin audit_log entry (who, what, before and after) in the same
// transaction; and the reading of that log.
#ifndef CHENGGUAN_STORE_ADMIN_H
#define CHENGGUAN_STORE_ADMIN_H

#include "store_places.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jurisdiction;
struct store;

// Who makes an admin change, as audit_log records it. user_id 0 is a command
// run on the server (chengguan org-unit add, user add): role "system" and the
// name of the command.
struct store_actor {
    int64_t user_id;
    const char *role;
    const char *name;
};

// Creates an org unit as store_org_unit_create does (same rules and results)
// and appends "org_unit.create" with its after state.
int store_org_unit_create_as(struct store *store, const struct store_actor *actor,
                             const struct store_org_unit *unit, int64_t *id);

// A change of an org unit: NULL (or -1) leaves a member as it is.
struct store_org_unit_change {
    const char *name, *name_en;
    const char *department_kind; // departments only ([a-z_]+)
    int disabled;                // 0 or 1; -1 keeps
};

// Applies change to unit id and appends "org_unit.update" with before and
// after. Returns STORE_OK, STORE_NOT_FOUND, STORE_INVALID (an empty name, a
// kind on a place or a bad kind) or STORE_ERROR.
int store_org_unit_change(struct store *store, const struct store_actor *actor, int64_t id,
                          const struct store_org_unit_change *change);

// One row of the routing table: in street_id, category_id (a subclass) goes to
// department_id (0 in a request: remove the row).
struct store_route {
    int64_t street_id, category_id, department_id;
};

// Sets each row (insert or replace; department_id 0 removes it) in one
// transaction, appending one "routing.set" entry per row that changed, with
// the department before and after (codes; null for none). The caller checked
// the ids. Returns STORE_OK, STORE_INVALID (an id names nothing) or STORE_ERROR.
int store_routing_set(struct store *store, const struct store_actor *actor,
                      const struct store_route *rows, size_t count);

// One routing row as listed; strings valid during the callback only.
struct store_route_row {
    const char *street_code, *street_name;
    const char *category_tree, *category_code, *category_name;
    int64_t department_id;
    const char *department_code, *department_name;
};

// Calls fn for each row whose street the jurisdiction covers, ordered by
// street code, then category tree and code. Returns STORE_OK or STORE_ERROR.
int store_routing_list(struct store *store, const struct jurisdiction *jurisdiction,
                       void (*fn)(const struct store_route_row *row, void *data), void *data);

// The department the routing names for category_id in street_id, into *out.
// Returns STORE_OK, STORE_NOT_FOUND (no row: the kind rule applies) or
// STORE_ERROR.
int store_routing_find(struct store *store, int64_t street_id, int64_t category_id,
                       struct store_org_unit *out);

// A grid cell as an admin changes it.
struct store_grid_admin {
    int64_t id;
    char code[16];
    char place_path[128]; // its community's path
    char patrol_zone[64];
    int64_t leader_user_id; // 0: none
};

// Loads cell id. Returns STORE_OK, STORE_NOT_FOUND or STORE_ERROR.
int store_grid_get(struct store *store, int64_t id, struct store_grid_admin *out);

// Replaces the inspectors of cell grid_id by user_ids (count may be 0), and
// appends "grid.inspectors" with the usernames before and after. The caller
// checked the users. Returns STORE_OK, STORE_NOT_FOUND (no such cell),
// STORE_INVALID (a user id names nobody) or STORE_ERROR.
int store_grid_inspectors_set(struct store *store, const struct store_actor *actor, int64_t grid_id,
                              const int64_t *user_ids, size_t count);

// Sets the patrol zone (NULL keeps it) and the grid leader (leader_user_id:
// -1 keeps, 0 clears) of cell grid_id, appending "grid.update" with before and
// after. Returns STORE_OK, STORE_NOT_FOUND, STORE_INVALID (no such user) or
// STORE_ERROR.
int store_grid_change(struct store *store, const struct store_actor *actor, int64_t grid_id,
                      const char *patrol_zone, int64_t leader_user_id);

// ---- reading the admin audit log ----

struct store_audit_filter {
    const char *subject_kind; // NULL: every kind
    int64_t subject_id;       // 0: every subject of the kind
    int64_t from_ms, to_ms;   // created_at in [from, to); 0: unbounded
    int64_t before_id;        // keyset: entries with a smaller id; 0: from the newest
    int limit;
};

// One entry; strings valid during the callback only. data is the JSON text.
struct store_audit_row {
    int64_t id, actor_user_id, subject_id, created_at;
    const char *actor_role, *actor_name, *action, *subject_kind, *data, *hash;
};

// Calls fn for the entries matching the filter, newest first, at most limit.
// Returns STORE_OK or STORE_ERROR.
int store_audit_log_list(struct store *store, const struct store_audit_filter *filter,
                         void (*fn)(const struct store_audit_row *row, void *data), void *data);

#endif
