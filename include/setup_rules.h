// SPDX-License-Identifier: MIT
// The checks of a city's set-up data, shared by the one-row admin API
// (api_setup.c, api_users.c) and the bulk import (setup_import.c): org units
// (type, nesting, GB/T 2260 code, kind, name), accounts (username, role, unit),
// routing rows and grid assignments. Each fills a problem instead of replying,
// so the API renders it as its error envelope and the import as a report row.
#ifndef CHENGGUAN_SETUP_RULES_H
#define CHENGGUAN_SETUP_RULES_H

#include "roles.h"

#include <stdbool.h>
#include <stdint.h>

struct jurisdiction;
struct request;
struct store;
struct store_grid_admin;
struct store_org_unit;
struct store_route;

// What is wrong with one input: the API's status, error code and field, the
// import report's code (bad_code, unknown_parent, unknown_user, ...) and a
// sentence.
struct setup_problem {
    int status;
    const char *error;  // ERR_* of errors.h
    const char *reason; // the import's code
    const char *field;  // the API's name of the input
    char message[256];
};

// Replies the problem as the API's error envelope. Returns its status.
int setup_reply(struct request *req, const struct setup_problem *problem);

// Whether a unit of type may sit under parent (NULL: none) for a caller of
// jurisdiction j (only the server or an everywhere admin makes a city).
bool setup_unit_nesting(const char *type, const struct store_org_unit *parent,
                        const struct jurisdiction *j, struct setup_problem *problem);

// Whether kind (NULL: none) fits a unit of type: required on departments.
bool setup_unit_kind(const char *type, const char *kind, struct setup_problem *problem);

// Whether code is a GB/T 2260 code for type under parent (NULL: none).
bool setup_unit_code(const char *type, const char *code, const struct store_org_unit *parent,
                     struct setup_problem *problem);

// Whether name is not empty.
bool setup_unit_name(const char *name, struct setup_problem *problem);

// Whether jurisdiction j reaches unit: its place, or a department's place.
bool setup_unit_reachable(struct store *store, const struct jurisdiction *j,
                          const struct store_org_unit *unit);

// Whether username is 3 to 63 letters, digits, '_', '.' or '-'.
bool setup_username(const char *username, struct setup_problem *problem);

// The role named (staff roles only) into *out.
bool setup_role(const char *name, enum role *out, struct setup_problem *problem);

// The id of org unit code inside j into *id.
bool setup_user_unit(struct store *store, const struct jurisdiction *j, const char *code,
                     int64_t *id, struct setup_problem *problem);

// Resolves one routing row (street code, category code, tree or NULL,
// department code or NULL: remove) inside j into *out. The problem's field is
// the member (street, category, tree, department).
bool setup_route(struct store *store, const struct jurisdiction *j, const char *street,
                 const char *category, const char *tree, const char *department,
                 struct store_route *out, struct setup_problem *problem);

// Whether user_id is an enabled account whose place holds the cell and whose
// role may take it: an inspector (inspectors_only), or any role but department.
bool setup_user_fits_cell(struct store *store, int64_t user_id, const struct store_grid_admin *cell,
                          bool inspectors_only);

#endif
