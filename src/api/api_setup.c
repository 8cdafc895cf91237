// SPDX-License-Identifier: MIT
// Setting a city up over HTTP, for admins inside their jurisdiction: org units
// (GB/T 2260 codes, nesting city > district > street > community, departments
// under a city, district or street), the routing table (which department
// handles which category in which street) and grid assignments (inspectors,
// patrol zone, grid leader). Each change is recorded in the admin audit log by
// the store, in the same transaction.
#include "api.h"

#include "arena.h"
#include "errors.h"
#include "json.h"
#include "jurisdiction.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "setup_rules.h"
#include "store.h"
#include "store_admin.h"
#include "store_cases.h"
#include "store_categories.h"
#include "store_users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_actor(const struct request *req, struct store_actor *out)
{
    *out = (struct store_actor){req->user->id, role_name(req->user->role), req->user->display_name};
}

// Parses the :id path parameter. Returns it, or 0 when it is not a positive id.
static int64_t path_id(struct request *req)
{
    char *end = NULL;
    const char *param = request_param(req, "id");
    long long id = strtoll(param, &end, 10);
    return end != param && *end == '\0' && id > 0 ? id : 0;
}

// ---- org units ----

// Whether the caller reaches the unit (setup_unit_reachable).
static bool unit_reachable(struct request *req, const struct store_org_unit *unit)
{
    return setup_unit_reachable(req->server->store, &req->user->jurisdiction, unit);
}

// Finds the parent named by parent_code or parent_id into *parent (id 0 when
// neither is given). Returns 0, or the status replied.
static int resolve_parent(struct request *req, struct store_org_unit *parent)
{
    memset(parent, 0, sizeof *parent);
    const char *code = json_get_string(req->json, "parent_code");
    int64_t id = 0;
    bool has_id = json_get_int(req->json, "parent_id", &id);
    if (code != NULL && has_id)
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "parent_id",
                                         "give parent_code or parent_id, not both");
    if (code == NULL && !has_id)
        return 0;
    const char *field = code != NULL ? "parent_code" : "parent_id";
    int rc = code != NULL ? store_org_unit_find(req->server->store, code, parent)
                          : store_org_unit_get(req->server->store, id, parent);
    if (rc != STORE_OK || !unit_reachable(req, parent))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, field,
                                         "no such org unit inside your jurisdiction");
    return 0;
}

static int create_unit(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"code", JSON_STRING, true, STORE_ORG_CODE_MAX},
        {"type", JSON_STRING, true, 15},
        {"name", JSON_STRING, true, 127},
        {"name_en", JSON_STRING, false, 127},
        {"parent_code", JSON_STRING, false, STORE_ORG_CODE_MAX},
        {"parent_id", JSON_INTEGER, false, 0},
        {"department_kind", JSON_STRING, false, 31},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    struct store_org_unit parent, unit = {0};
    const char *type = json_get_string(req->json, "type");
    const char *kind = json_get_string(req->json, "department_kind");
    int status = resolve_parent(req, &parent);
    if (status != 0)
        return status;
    const char *code = json_get_string(req->json, "code");
    const char *name = json_get_string(req->json, "name");
    const char *name_en = json_get_string(req->json, "name_en");
    const struct store_org_unit *above = parent.id ? &parent : NULL;
    struct setup_problem rule;
    if (!setup_unit_nesting(type, above, &req->user->jurisdiction, &rule) ||
        !setup_unit_kind(type, kind, &rule) || !setup_unit_code(type, code, above, &rule) ||
        !setup_unit_name(name, &rule))
        return setup_reply(req, &rule);
    snprintf(unit.code, sizeof unit.code, "%s", code);
    snprintf(unit.type, sizeof unit.type, "%s", type);
    snprintf(unit.name, sizeof unit.name, "%s", name);
    snprintf(unit.name_en, sizeof unit.name_en, "%s", name_en ? name_en : "");
    snprintf(unit.department_kind, sizeof unit.department_kind, "%s", kind ? kind : "");
    unit.parent_id = parent.id;
    struct store_actor actor;
    api_actor(req, &actor);
    int rc = store_org_unit_create_as(req->server->store, &actor, &unit, &unit.id);
    if (rc == STORE_CONFLICT)
        return request_reply_field_error(req, 409, ERR_CONFLICT, "code", "the code %s is taken",
                                         code);
    if (rc != STORE_OK || store_org_unit_get(req->server->store, unit.id, &unit) != STORE_OK)
        return request_reply_store_error(req, rc, "could not create the org unit");
    return request_reply_json(req, 201, api_org_unit_json(&unit));
}

static int update_unit(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"name", JSON_STRING, false, 127},
        {"name_en", JSON_STRING, false, 127},
        {"department_kind", JSON_STRING, false, 31},
        {"disabled", JSON_BOOL, false, 0},
        {"parent_code", JSON_STRING, false, STORE_ORG_CODE_MAX},
        {"parent_id", JSON_INTEGER, false, 0},
        {"code", JSON_STRING, false, STORE_ORG_CODE_MAX},
        {"type", JSON_STRING, false, 15},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    struct store_org_unit unit;
    int64_t id = path_id(req);
    if (id == 0 || store_org_unit_get(req->server->store, id, &unit) != STORE_OK ||
        !unit_reachable(req, &unit))
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such org unit");
    // A code nests in its parent's (GB/T 2260), and cases, cells and users
    // carry the unit's path: a move is a new unit, never a rewrite of history.
    static const char *const FIXED[] = {"parent_code", "parent_id", "code", "type"};
    for (size_t i = 0; i < sizeof FIXED / sizeof FIXED[0]; i++)
        if (cJSON_GetObjectItemCaseSensitive(req->json, FIXED[i]) != NULL)
            return request_reply_field_error(
                req, 422, ERR_INVALID_FIELD, FIXED[i],
                "a unit is not moved, recoded or retyped: its code nests in its parent's and its "
                "cases keep their place; create the unit under its new parent and disable this "
                "one");
    const char *kind = json_get_string(req->json, "department_kind");
    const char *name = json_get_string(req->json, "name");
    struct setup_problem rule;
    if ((kind != NULL && !setup_unit_kind(unit.type, kind, &rule)) ||
        (name != NULL && !setup_unit_name(name, &rule)))
        return setup_reply(req, &rule);
    const cJSON *disabled = cJSON_GetObjectItemCaseSensitive(req->json, "disabled");
    struct store_org_unit_change change = {
        .name = name,
        .name_en = json_get_string(req->json, "name_en"),
        .department_kind = kind,
        .disabled = cJSON_IsBool(disabled) ? cJSON_IsTrue(disabled) : -1,
    };
    struct store_actor actor;
    api_actor(req, &actor);
    int rc = store_org_unit_change(req->server->store, &actor, id, &change);
    if (rc != STORE_OK || store_org_unit_get(req->server->store, id, &unit) != STORE_OK)
        return request_reply_store_error(req, rc, "could not change the org unit");
    return request_reply_json(req, 200, api_org_unit_json(&unit));
}

// ---- routing ----

static void add_route(const struct store_route_row *row, void *data)
{
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "street", row->street_code);
    cJSON_AddStringToObject(item, "street_name", row->street_name);
    cJSON_AddStringToObject(item, "tree", row->category_tree);
    cJSON_AddStringToObject(item, "category", row->category_code);
    cJSON_AddStringToObject(item, "category_name", row->category_name);
    json_add_int(item, "department_id", row->department_id);
    cJSON_AddStringToObject(item, "department", row->department_code);
    cJSON_AddStringToObject(item, "department_name", row->department_name);
    cJSON_AddItemToArray(data, item);
}

static int reply_routing(struct request *req)
{
    cJSON *body = request_json_object(req);
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    if (store_routing_list(req->server->store, &req->user->jurisdiction, add_route, items) !=
        STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not list the routing");
    return request_reply_json(req, 200, body);
}

static int get_routing(struct request *req)
{
    return reply_routing(req);
}

// Resolves rows[index] into *out. Returns 0 or the status replied.
static int resolve_row(struct request *req, const cJSON *row, size_t index, struct store_route *out)
{
    static const struct json_field FIELDS[] = {
        {"street", JSON_STRING, true, STORE_ORG_CODE_MAX},
        {"category", JSON_STRING, true, 7},
        {"tree", JSON_STRING, false, 11},
        {"department", JSON_STRING, false, STORE_ORG_CODE_MAX},
    };
    struct json_problem problem;
    char parent[32];
    snprintf(parent, sizeof parent, "rows[%zu]", index);
    if (!cJSON_IsObject(row))
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD, parent, "a row is an object");
    if (!json_check(row, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem)) {
        json_problem_nest(&problem, parent);
        return request_reply_problem(req, 400, &problem);
    }
    struct setup_problem rule;
    if (setup_route(req->server->store, &req->user->jurisdiction, json_get_string(row, "street"),
                    json_get_string(row, "category"), json_get_string(row, "tree"),
                    json_get_string(row, "department"), out, &rule))
        return 0;
    char field[64];
    snprintf(field, sizeof field, "%s.%s", parent, rule.field);
    return request_reply_field_error(req, 422, ERR_INVALID_FIELD, field, "%s", rule.message);
}

static int put_routing(struct request *req)
{
    static const struct json_field FIELDS[] = {{"rows", JSON_ARRAY, true, 2000}};
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, 1, &problem))
        return request_reply_problem(req, 400, &problem);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(req->json, "rows");
    size_t count = (size_t)cJSON_GetArraySize(rows);
    struct store_route *routes = arena_alloc(req->arena, (count ? count : 1) * sizeof *routes);
    if (routes == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    size_t i = 0;
    int status = 0;
    for (const cJSON *row = rows->child; row != NULL && status == 0; row = row->next, i++)
        status = resolve_row(req, row, i, &routes[i]);
    if (status != 0)
        return status;
    struct store_actor actor;
    api_actor(req, &actor);
    int rc = store_routing_set(req->server->store, &actor, routes, count);
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not save the routing");
    return reply_routing(req);
}

// ---- dispatch ----

cJSON *api_suggested_department(struct request *req, const struct store_case *c)
{
    struct store *store = req->server->store;
    struct store_org_unit unit;
    struct store_category category;
    const char *source = "routing";
    int rc = c->street_id > 0 && c->category_id > 0
                 ? store_routing_find(store, c->street_id, c->category_id, &unit)
                 : STORE_NOT_FOUND;
    if (rc == STORE_NOT_FOUND && c->category_id > 0 && c->community_id > 0 &&
        store_category_get(store, c->category_id, &category) == STORE_OK &&
        category.default_department_kind[0] != '\0') {
        source = "kind";
        rc = store_department_for_place(store, category.default_department_kind, c->community_id,
                                        &unit);
    }
    if (rc != STORE_OK || unit.disabled)
        return cJSON_CreateNull();
    cJSON *out = cJSON_CreateObject();
    json_add_int(out, "id", unit.id);
    cJSON_AddStringToObject(out, "code", unit.code);
    cJSON_AddStringToObject(out, "name", unit.name);
    cJSON_AddStringToObject(out, "name_en", unit.name_en);
    cJSON_AddStringToObject(out, "source", source);
    return out;
}

int api_dispatch_check(struct request *req, const struct store_case *c, int64_t category_id,
                       int64_t department_id)
{
    struct store *store = req->server->store;
    struct store_org_unit department, routed;
    if (store_org_unit_get(store, department_id, &department) == STORE_OK && department.disabled)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "department_id",
                                         "%s is disabled: it takes no new cases", department.name);
    if (category_id <= 0)
        category_id = c->category_id;
    if (c->street_id <= 0 || category_id <= 0 ||
        store_routing_find(store, c->street_id, category_id, &routed) != STORE_OK ||
        routed.id == department_id)
        return 0; // no row: any department in reach, the kind only suggests
    return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "department_id",
                                     "in %s this category goes to %s (%s), as the routing table "
                                     "says; dispatch there, or change the routing",
                                     c->street_name, routed.name, routed.code);
}

// ---- grid assignments ----

// Loads the :id cell inside the caller's jurisdiction: :id is its id or its
// 15-digit code (what the grid listing shows). Returns 0 or the status replied.
static int load_cell(struct request *req, struct store_grid_admin *cell)
{
    const char *param = request_param(req, "id");
    int64_t id = 0;
    if (strlen(param) == 15 && strspn(param, "0123456789") == 15)
        store_grid_find(req->server->store, param, &id);
    else
        id = path_id(req);
    if (id == 0 || store_grid_get(req->server->store, id, cell) != STORE_OK ||
        !jurisdiction_covers_path(&req->user->jurisdiction, cell->place_path))
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such grid cell");
    return 0;
}

// Whether user_id may be assigned to the cell (setup_user_fits_cell).
static bool user_fits_cell(struct request *req, int64_t user_id,
                           const struct store_grid_admin *cell, bool inspectors_only)
{
    return setup_user_fits_cell(req->server->store, user_id, cell, inspectors_only);
}

static cJSON *cell_json(const struct store_grid_admin *cell)
{
    cJSON *out = cJSON_CreateObject();
    json_add_int(out, "id", cell->id);
    cJSON_AddStringToObject(out, "code", cell->code);
    cJSON_AddStringToObject(out, "patrol_zone", cell->patrol_zone);
    if (cell->leader_user_id > 0)
        json_add_int(out, "leader_user_id", cell->leader_user_id);
    else
        cJSON_AddNullToObject(out, "leader_user_id");
    return out;
}

static int put_inspectors(struct request *req)
{
    static const struct json_field FIELDS[] = {{"user_ids", JSON_ARRAY, true, 200}};
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, 1, &problem))
        return request_reply_problem(req, 400, &problem);
    struct store_grid_admin cell;
    int status = load_cell(req, &cell);
    if (status != 0)
        return status;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(req->json, "user_ids");
    int64_t ids[200];
    size_t count = 0;
    for (const cJSON *item = list->child; item != NULL; item = item->next, count++) {
        char field[32];
        snprintf(field, sizeof field, "user_ids[%zu]", count);
        double v = cJSON_IsNumber(item) ? item->valuedouble : -1;
        if (v < 1 || v > 9007199254740992.0 || v != (double)(int64_t)v)
            return request_reply_field_error(req, 400, ERR_INVALID_FIELD, field,
                                             "a user id is a positive integer");
        ids[count] = (int64_t)v;
        if (!user_fits_cell(req, ids[count], &cell, true))
            return request_reply_field_error(req, 422, ERR_INVALID_FIELD, field,
                                             "user %lld is no enabled inspector whose place holds "
                                             "cell %s",
                                             (long long)ids[count], cell.code);
    }
    struct store_actor actor;
    api_actor(req, &actor);
    int rc = store_grid_inspectors_set(req->server->store, &actor, cell.id, ids, count);
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not assign the inspectors");
    cJSON *body = request_own_json(req, cell_json(&cell));
    cJSON *out = cJSON_AddArrayToObject(body, "inspector_ids");
    for (size_t i = 0; i < count; i++)
        cJSON_AddItemToArray(out, cJSON_CreateNumber((double)ids[i]));
    return request_reply_json(req, 200, body);
}

static int update_cell(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"patrol_zone", JSON_STRING, false, 63},
        {"leader_user_id", JSON_INTEGER, false, 0},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    struct store_grid_admin cell;
    int status = load_cell(req, &cell);
    if (status != 0)
        return status;
    int64_t leader = -1;
    if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(req->json, "leader_user_id")))
        leader = 0;
    else if (json_get_int(req->json, "leader_user_id", &leader) &&
             (leader <= 0 || !user_fits_cell(req, leader, &cell, false)))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "leader_user_id",
                                         "no enabled staff account (not a department's) whose "
                                         "place holds cell %s",
                                         cell.code);
    struct store_actor actor;
    api_actor(req, &actor);
    int rc = store_grid_change(req->server->store, &actor, cell.id,
                               json_get_string(req->json, "patrol_zone"), leader);
    if (rc != STORE_OK || store_grid_get(req->server->store, cell.id, &cell) != STORE_OK)
        return request_reply_store_error(req, rc, "could not change the grid cell");
    return request_reply_json(req, 200, cell_json(&cell));
}

// method, pattern, handler, flags, roles
const struct route API_SETUP_ROUTES[] = {
    {"POST", "/api/v1/admin/org-units", create_unit, ROUTE_STAFF_WRITE, ROLE_ADMIN},
    {"PATCH", "/api/v1/admin/org-units/:id", update_unit, ROUTE_STAFF_WRITE, ROLE_ADMIN},
    {"GET", "/api/v1/admin/routing", get_routing, ROUTE_AUTH, ROLE_ADMIN},
    {"PUT", "/api/v1/admin/routing", put_routing, ROUTE_STAFF_WRITE, ROLE_ADMIN},
    {"PUT", "/api/v1/admin/grids/:id/inspectors", put_inspectors, ROUTE_STAFF_WRITE, ROLE_ADMIN},
    {"PATCH", "/api/v1/admin/grids/:id", update_cell, ROUTE_STAFF_WRITE, ROLE_ADMIN},
};
const size_t API_SETUP_ROUTE_COUNT = sizeof API_SETUP_ROUTES / sizeof API_SETUP_ROUTES[0];
