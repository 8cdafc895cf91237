// SPDX-License-Identifier: MIT
// The checks of a city's set-up data (setup_rules.h): each fills a problem
// that the one-row API replies and the bulk import reports per row.
#include "setup_rules.h"

#include "errors.h"
#include "jurisdiction.h"
#include "request.h"
#include "store.h"
#include "store_admin.h"
#include "store_categories.h"
#include "store_places.h"
#include "store_users.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int setup_reply(struct request *req, const struct setup_problem *problem)
{
    return request_reply_field_error(req, problem->status, problem->error, problem->field, "%s",
                                     problem->message);
}

// Fills problem (422) and returns false.
__attribute__((format(printf, 5, 6))) static bool fail(struct setup_problem *problem,
                                                       const char *error, const char *reason,
                                                       const char *field, const char *format, ...)
{
    problem->status = 422;
    problem->error = error;
    problem->reason = reason;
    problem->field = field;
    va_list args;
    va_start(args, format);
    vsnprintf(problem->message, sizeof problem->message, format, args);
    va_end(args);
    return false;
}

bool setup_unit_nesting(const char *type, const struct store_org_unit *parent,
                        const struct jurisdiction *j, struct setup_problem *problem)
{
    const char *wanted = store_org_unit_parent_type(type);
    if (wanted == NULL)
        return fail(problem, ERR_INVALID_FIELD, "invalid_field", "type",
                    "type must be city, district, street, community or department");
    if (wanted[0] == '\0') {
        if (parent != NULL)
            return fail(problem, ERR_INVALID_FIELD, "invalid_field", "parent_code",
                        "a city has no parent");
        if (!jurisdiction_is_everywhere(j))
            return fail(problem, ERR_INVALID_FIELD, "invalid_field", "type",
                        "a city is created with 'chengguan org-unit add' on the server, not by an "
                        "admin of a place");
        return true;
    }
    if (parent == NULL)
        return fail(problem, ERR_MISSING_FIELD, "missing_field", "parent_code",
                    "a %s needs its parent (a %s): parent_code or parent_id", type, wanted);
    if (strstr(wanted, parent->type) == NULL || strcmp(parent->type, "department") == 0)
        return fail(problem, ERR_INVALID_FIELD, "invalid_parent", "parent_code",
                    "a %s belongs to a %s, not to a %s", type, wanted, parent->type);
    return true;
}

bool setup_unit_kind(const char *type, const char *kind, struct setup_problem *problem)
{
    bool department = strcmp(type, "department") == 0;
    size_t len = kind ? strlen(kind) : 0;
    if (department && kind == NULL)
        return fail(problem, ERR_MISSING_FIELD, "missing_field", "department_kind",
                    "a department needs its kind (municipal, sanitation, ...)");
    if (!department && kind != NULL)
        return fail(problem, ERR_INVALID_FIELD, "invalid_field", "department_kind",
                    "only departments have a kind");
    if (department && (len == 0 || len > 31 || strspn(kind, "abcdefghijklmnopqrstuvwxyz_") != len))
        return fail(problem, ERR_INVALID_FIELD, "invalid_field", "department_kind",
                    "a kind is 1 to 31 of a-z and _");
    return true;
}

bool setup_unit_code(const char *type, const char *code, const struct store_org_unit *parent,
                     struct setup_problem *problem)
{
    if (store_org_unit_code_fits(type, code, parent))
        return true;
    const char *p = parent ? parent->code : "";
    if (strcmp(type, "city") == 0)
        return fail(problem, ERR_INVALID_FIELD, "bad_code", "code",
                    "a city's code is GB/T 2260's 6 digits ending in 00, e.g. 440900 (Maoming)");
    if (strcmp(type, "district") == 0)
        return fail(problem, ERR_INVALID_FIELD, "bad_code", "code",
                    "a district's code is 6 digits starting with its city's first 4 (%.4s), not "
                    "ending in 00, e.g. %.4s02",
                    p, p);
    if (strcmp(type, "street") == 0 || strcmp(type, "community") == 0)
        return fail(problem, ERR_INVALID_FIELD, "bad_code", "code",
                    "a %s's code is its parent's code %s and 3 more digits (not 000), e.g. %s001",
                    type, p, p);
    return fail(problem, ERR_INVALID_FIELD, "bad_code", "code",
                "a department's code is its parent's code, \"-D\" and 1 to 4 digits or capital "
                "letters, e.g. %s-D01",
                p);
}

bool setup_unit_name(const char *name, struct setup_problem *problem)
{
    if (name != NULL && name[0] != '\0')
        return true;
    return fail(problem, ERR_INVALID_FIELD, name ? "invalid_field" : "missing_field", "name",
                "name is empty");
}

bool setup_unit_reachable(struct store *store, const struct jurisdiction *j,
                          const struct store_org_unit *unit)
{
    if (strcmp(unit->type, "department") != 0)
        return jurisdiction_covers_path(j, unit->path);
    struct store_org_unit parent;
    return store_org_unit_get(store, unit->parent_id, &parent) == STORE_OK &&
           jurisdiction_covers_path(j, parent.path);
}

bool setup_username(const char *username, struct setup_problem *problem)
{
    size_t len = strlen(username);
    if (len >= 3 && len <= 63 &&
        strspn(username, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
            len)
        return true;
    return fail(problem, ERR_INVALID_FIELD, "invalid_field", "username",
                "username: 3-63 letters, digits, '_', '.' or '-'");
}

bool setup_role(const char *name, enum role *out, struct setup_problem *problem)
{
    *out = role_from_name(name);
    if (*out != ROLE_NONE && *out != ROLE_SYSTEM)
        return true;
    return fail(problem, ERR_INVALID_FIELD, "invalid_field", "role",
                "role must be inspector, operator, supervisor, department, leader or admin");
}

bool setup_user_unit(struct store *store, const struct jurisdiction *j, const char *code,
                     int64_t *id, struct setup_problem *problem)
{
    if (store_org_unit_in_scope(store, code, j, id) == STORE_OK)
        return true;
    return fail(problem, ERR_INVALID_FIELD, "unknown_org_unit", "org_unit_code",
                "no org unit %s inside your jurisdiction", code);
}

// The subclass code names: in tree if given, else the one tree holding it.
static bool route_category(struct store *store, const char *code, const char *tree, int64_t *id,
                           struct setup_problem *problem)
{
    struct store_category category;
    int found = 0;
    static const char *const TREES[] = {"event", "component"};
    for (size_t t = 0; t < 2; t++) {
        if ((tree == NULL || strcmp(tree, TREES[t]) == 0) &&
            store_category_find(store, TREES[t], code, &category) == STORE_OK) {
            *id = category.id;
            found++;
        }
    }
    if (found == 1)
        return true;
    if (found)
        return fail(problem, ERR_INVALID_FIELD, "invalid_field", "tree",
                    "that code is in both trees: name the tree (event or component)");
    return fail(problem, ERR_INVALID_FIELD, "unknown_category", "category", "no such subclass");
}

bool setup_route(struct store *store, const struct jurisdiction *j, const char *street_code,
                 const char *category, const char *tree, const char *department_code,
                 struct store_route *out, struct setup_problem *problem)
{
    struct store_org_unit street, department, parent;
    if (store_org_unit_find(store, street_code, &street) != STORE_OK ||
        strcmp(street.type, "street") != 0 || !jurisdiction_covers_path(j, street.path))
        return fail(problem, ERR_INVALID_FIELD, "unknown_street", "street",
                    "no such street inside your jurisdiction");
    out->street_id = street.id;
    if (!route_category(store, category, tree, &out->category_id, problem))
        return false;
    out->department_id = 0;
    if (department_code == NULL)
        return true; // the row is removed
    if (store_org_unit_find(store, department_code, &department) != STORE_OK ||
        strcmp(department.type, "department") != 0 || department.disabled)
        return fail(problem, ERR_INVALID_FIELD, "unknown_department", "department",
                    "no such department (or disabled)");
    // It serves the street when it belongs to the street or a place above it.
    if (store_org_unit_get(store, department.parent_id, &parent) != STORE_OK ||
        strncmp(street.path, parent.path, strlen(parent.path)) != 0)
        return fail(problem, ERR_INVALID_FIELD, "invalid_field", "department",
                    "that department belongs to a place that does not hold the street");
    out->department_id = department.id;
    return true;
}

bool setup_user_fits_cell(struct store *store, int64_t user_id, const struct store_grid_admin *cell,
                          bool inspectors_only)
{
    struct store_user user;
    struct jurisdiction j;
    if (store_user_get(store, user_id, &user) != STORE_OK || user.disabled)
        return false;
    if (inspectors_only ? user.role != ROLE_INSPECTOR : user.role == ROLE_DEPARTMENT)
        return false;
    return jurisdiction_init(&j, user.role, user.id, user.org_unit_id, user.scope_path) &&
           jurisdiction_covers_path(&j, cell->place_path);
}
