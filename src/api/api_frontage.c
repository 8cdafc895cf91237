// SPDX-License-Identifier: MIT
// 门前三包 over HTTP: the registry of responsible units (list with filters and
// keyset pages, create and change by supervisors and admins of the place,
// one unit with its violations by month, its cases and its checks), a case
// naming its unit, and inspectors' patrol checks, a failed one filing a case
// naming the unit in the same transaction. Contact person and phone are
// personal data: only staff routes return them, never a case or a public view.
#include "api.h"
#include "api_cases.h"

#include "arena.h"
#include "errors.h"
#include "json.h"
#include "jurisdiction.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_attachments.h"
#include "store_cases.h"
#include "store_frontage.h"
#include "store_places.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRONTAGE_READERS                                                                           \
    (ROLE_INSPECTOR | ROLE_OPERATOR | ROLE_SUPERVISOR | ROLE_LEADER | ROLE_ADMIN)
#define FRONTAGE_EDITORS (ROLE_SUPERVISOR | ROLE_ADMIN)

static const char *const KINDS[] = {"shop",        "restaurant", "market", "institution",
                                    "residential", "enterprise", "other"};

static cJSON *unit_json(const struct store_frontage_unit *u)
{
    cJSON *out = cJSON_CreateObject();
    json_add_int(out, "id", u->id);
    cJSON_AddStringToObject(out, "name", u->name);
    cJSON_AddStringToObject(out, "kind", u->kind);
    cJSON_AddStringToObject(out, "address", u->address);
    cJSON_AddNumberToObject(out, "lat", u->lat);
    cJSON_AddNumberToObject(out, "lon", u->lon);
    json_add_string_or_null(out, "cell", u->grid_id ? u->grid_code : NULL);
    json_add_int(out, "street_id", u->street_id);
    cJSON_AddStringToObject(out, "street", u->street_name);
    cJSON_AddStringToObject(out, "contact_name", u->contact_name);
    cJSON_AddStringToObject(out, "contact_phone", u->contact_phone);
    cJSON_AddNumberToObject(out, "frontage_m", u->frontage_m);
    cJSON *duties = cJSON_AddObjectToObject(out, "duties");
    cJSON_AddBoolToObject(duties, "appearance", u->duty_appearance);
    cJSON_AddBoolToObject(duties, "sanitation", u->duty_sanitation);
    cJSON_AddBoolToObject(duties, "order", u->duty_order);
    cJSON_AddStringToObject(out, "plate_no", u->plate_no);
    cJSON_AddBoolToObject(out, "active", u->active);
    json_add_int(out, "violations", u->violations);
    if (u->last_check_at > 0) {
        json_add_int(out, "last_check_at", u->last_check_at);
        cJSON_AddBoolToObject(out, "last_check_passed", u->last_check_passed == 1);
    } else {
        cJSON_AddNullToObject(out, "last_check_at");
        cJSON_AddNullToObject(out, "last_check_passed");
    }
    json_add_int(out, "updated_at", u->updated_at);
    return out;
}

// Loads the :id unit when the caller's jurisdiction covers it. Returns 0 or
// the status replied (404 for missing and out of reach alike).
static int load_unit(struct request *req, struct store_frontage_unit *u)
{
    int64_t id = api_parse_id(request_param(req, "id"));
    if (id == 0 || store_frontage_unit_get(req->server->store, id, u) != STORE_OK ||
        !jurisdiction_covers_path(&req->user->jurisdiction, u->place_path))
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such responsible unit");
    return 0;
}

// ---- the registry ----

static void add_unit(const struct store_frontage_unit *unit, void *data)
{
    cJSON_AddItemToArray(data, unit_json(unit));
}

// Reads the list's filters from the query. Returns 0 or the status replied.
static int read_filter(struct request *req, struct store_frontage_filter *f)
{
    const char *street = request_query(req, "street"), *cell = request_query(req, "cell");
    const char *sort = request_query(req, "sort"), *limit = request_query(req, "limit");
    const char *cursor = request_query(req, "cursor");
    struct store_org_unit unit;
    if (street != NULL && street[0] != '\0' &&
        (store_org_unit_find(req->server->store, street, &unit) != STORE_OK ||
         strcmp(unit.type, "street") != 0))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "street",
                                         "street is the code of a street");
    if (street != NULL && street[0] != '\0')
        f->street_id = unit.id;
    if (cell != NULL && cell[0] != '\0' &&
        store_grid_find(req->server->store, cell, &f->grid_id) != STORE_OK)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "cell",
                                         "cell is the 15-digit code of a grid cell");
    if (sort != NULL && strcmp(sort, "violations") != 0 && strcmp(sort, "id") != 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "sort",
                                         "sort is id or violations");
    f->by_violations = sort != NULL && strcmp(sort, "violations") == 0;
    f->limit = limit ? atoi(limit) : 50;
    if (f->limit < 1 || f->limit > 200)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "limit", "limit is 1 to 200");
    long long after_id = 0;
    int after_v = 0, used = 0;
    if (cursor != NULL &&
        (f->by_violations ? sscanf(cursor, "%d.%lld%n", &after_v, &after_id, &used) != 2
                          : sscanf(cursor, "%lld%n", &after_id, &used) != 1 ||
                                cursor[used] != '\0' || after_id < 0 || after_v < 0))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "cursor", "bad cursor");
    f->after_id = after_id;
    f->after_violations = after_v;
    const char *assigned = request_query(req, "assigned");
    if (assigned != NULL && strcmp(assigned, "1") != 0 && strcmp(assigned, "0") != 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "assigned",
                                         "assigned is 1 (only the cells assigned to you) or 0");
    f->assigned_user_id = assigned != NULL && assigned[0] == '1' ? req->user->id : 0;
    f->text = request_query(req, "q");
    f->jurisdiction = &req->user->jurisdiction;
    return 0;
}

static int list_units(struct request *req)
{
    struct store_frontage_filter filter = {0};
    int status = read_filter(req, &filter);
    if (status != 0)
        return status;
    cJSON *body = request_json_object(req);
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    if (store_frontage_unit_list(req->server->store, &filter, add_unit, items) != STORE_OK)
        return request_reply_store_error(req, STORE_ERROR, "could not list the units");
    int count = cJSON_GetArraySize(items);
    if (count == filter.limit) {
        const cJSON *last = cJSON_GetArrayItem(items, count - 1);
        char next[48];
        long long id = (long long)cJSON_GetObjectItem(last, "id")->valuedouble;
        int v = (int)cJSON_GetObjectItem(last, "violations")->valuedouble;
        if (filter.by_violations)
            snprintf(next, sizeof next, "%d.%lld", v, id);
        else
            snprintf(next, sizeof next, "%lld", id);
        cJSON_AddStringToObject(body, "next_cursor", next);
    } else {
        cJSON_AddNullToObject(body, "next_cursor");
    }
    return request_reply_json(req, 200, body);
}

// The members of a unit's body; REQUIRED is true on create, false on update.
#define UNIT_FIELDS(REQUIRED)                                                                      \
    {                                                                                              \
        {"name", JSON_STRING, REQUIRED, FRONTAGE_NAME_MAX}, {"kind", JSON_STRING, REQUIRED, 15},   \
            {"address", JSON_STRING, false, 255}, {"lat", JSON_NUMBER, REQUIRED, 0},               \
            {"lon", JSON_NUMBER, REQUIRED, 0}, {"street_id", JSON_INTEGER, false, 0},              \
            {"contact_name", JSON_STRING, false, 63}, {"contact_phone", JSON_STRING, false, 31},   \
            {"frontage_m", JSON_NUMBER, false, 0}, {"duties", JSON_OBJECT, false, 0},              \
            {"plate_no", JSON_STRING, REQUIRED, FRONTAGE_PLATE_MAX},                               \
            {"active", JSON_BOOL, false, 0},                                                       \
    }
static const struct json_field UNIT_CREATE_FIELDS[] = UNIT_FIELDS(true);
static const struct json_field UNIT_UPDATE_FIELDS[] = UNIT_FIELDS(false);

// Places the unit from its point: the cell's community, else the street the
// body names (street_id). Returns 0 or the status replied.
static int place_unit(struct request *req, struct store_frontage_unit *u)
{
    struct store_grid_location place;
    struct store_org_unit unit;
    int64_t street_id = 0;
    json_get_int(req->json, "street_id", &street_id);
    if (store_grid_locate(req->server->store, u->lon, u->lat, &place) == STORE_OK &&
        store_org_unit_get(req->server->store, place.community_id, &unit) == STORE_OK) {
        u->grid_id = place.grid_id;
        u->street_id = place.street_id;
    } else if (street_id == 0) {
        return request_reply_field_error(req, 422, ERR_MISSING_FIELD, "street_id",
                                         "lat/lon lie in no grid cell: name the street "
                                         "(street_id)");
    } else if (store_org_unit_get(req->server->store, street_id, &unit) != STORE_OK ||
               strcmp(unit.type, "street") != 0) {
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "street_id",
                                         "no such street");
    } else {
        u->grid_id = 0;
        u->street_id = unit.id;
    }
    if (!jurisdiction_covers_path(&req->user->jurisdiction, unit.path))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD,
                                         u->grid_id ? "lat" : "street_id",
                                         "the unit lies outside your jurisdiction");
    u->place_id = unit.id;
    return 0;
}

// Reads "duties": {appearance, sanitation, order} (booleans; absent: kept).
static int read_duties(struct request *req, struct store_frontage_unit *u)
{
    static const struct json_field FIELDS[] = {
        {"appearance", JSON_BOOL, false, 0},
        {"sanitation", JSON_BOOL, false, 0},
        {"order", JSON_BOOL, false, 0},
    };
    const cJSON *duties = cJSON_GetObjectItemCaseSensitive(req->json, "duties");
    struct json_problem problem;
    if (duties == NULL)
        return 0;
    if (!json_check(duties, FIELDS, 3, &problem)) {
        json_problem_nest(&problem, "duties");
        return request_reply_problem(req, 400, &problem);
    }
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(duties, "appearance");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(duties, "sanitation");
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(duties, "order");
    u->duty_appearance = a ? cJSON_IsTrue(a) : u->duty_appearance;
    u->duty_sanitation = s ? cJSON_IsTrue(s) : u->duty_sanitation;
    u->duty_order = o ? cJSON_IsTrue(o) : u->duty_order;
    if (!u->duty_appearance && !u->duty_sanitation && !u->duty_order)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "duties",
                                         "a responsible unit carries at least one duty");
    return 0;
}

// Copies the body's string member into out when present.
static void take_text(struct request *req, const char *name, char *out, size_t size)
{
    const char *text = json_get_string(req->json, name);
    if (text != NULL)
        snprintf(out, size, "%s", text);
}

// Fills u from the body (over its present values) and checks it. Returns 0
// or the status replied.
static int read_unit(struct request *req, struct store_frontage_unit *u)
{
    take_text(req, "name", u->name, sizeof u->name);
    take_text(req, "kind", u->kind, sizeof u->kind);
    take_text(req, "address", u->address, sizeof u->address);
    take_text(req, "contact_name", u->contact_name, sizeof u->contact_name);
    take_text(req, "contact_phone", u->contact_phone, sizeof u->contact_phone);
    take_text(req, "plate_no", u->plate_no, sizeof u->plate_no);
    u->lat = json_get_number(req->json, "lat", u->lat);
    u->lon = json_get_number(req->json, "lon", u->lon);
    u->frontage_m = json_get_number(req->json, "frontage_m", u->frontage_m);
    const cJSON *active = cJSON_GetObjectItemCaseSensitive(req->json, "active");
    if (active != NULL)
        u->active = cJSON_IsTrue(active);
    bool kind_ok = false;
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        kind_ok = kind_ok || strcmp(u->kind, KINDS[i]) == 0;
    size_t plate_len = strlen(u->plate_no);
    if (u->name[strspn(u->name, " ")] == '\0')
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "name", "name is empty");
    if (!kind_ok)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "kind",
                                         "kind is shop, restaurant, market, institution, "
                                         "residential, enterprise or other");
    if (plate_len == 0 || strspn(u->plate_no, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != plate_len)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "plate_no",
                                         "a plate number is capital letters, digits and '-'");
    if (!(u->lat >= -90 && u->lat <= 90 && u->lon >= -180 && u->lon <= 180))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "lat",
                                         "lat must be in [-90, 90] and lon in [-180, 180]");
    if (!(u->frontage_m >= 0 && u->frontage_m <= 10000))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "frontage_m",
                                         "frontage_m is 0 to 10000 metres");
    size_t phone_len = strlen(u->contact_phone);
    if (strspn(u->contact_phone, "0123456789-+ ") != phone_len)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "contact_phone",
                                         "a phone holds only digits, spaces, '+' and '-'");
    int status = read_duties(req, u);
    return status != 0 ? status : place_unit(req, u);
}

// Replies to a create or update of u whose store call returned rc.
static int reply_saved(struct request *req, int rc, int64_t id, int created)
{
    struct store_frontage_unit u;
    if (rc == STORE_CONFLICT)
        return request_reply_field_error(req, 409, ERR_CONFLICT, "plate_no",
                                         "that plate number is taken");
    if (rc != STORE_OK || store_frontage_unit_get(req->server->store, id, &u) != STORE_OK)
        return request_reply_store_error(req, rc, "could not save the unit");
    return request_reply_json(req, created, unit_json(&u));
}

static int create_unit(struct request *req)
{
    struct json_problem problem;
    if (!json_check(req->json, UNIT_CREATE_FIELDS,
                    sizeof UNIT_CREATE_FIELDS / sizeof UNIT_CREATE_FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    struct store_frontage_unit u = {
        .duty_appearance = true, .duty_sanitation = true, .duty_order = true, .active = true};
    int status = read_unit(req, &u);
    if (status != 0)
        return status;
    int rc = store_frontage_units_create(req->server->store, &u, 1, &u.id);
    return reply_saved(req, rc, u.id, 201);
}

static int update_unit(struct request *req)
{
    struct json_problem problem;
    if (!json_check(req->json, UNIT_UPDATE_FIELDS,
                    sizeof UNIT_UPDATE_FIELDS / sizeof UNIT_UPDATE_FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    struct store_frontage_unit u;
    int status = load_unit(req, &u);
    if (status == 0)
        status = read_unit(req, &u);
    if (status != 0)
        return status;
    int rc = store_frontage_unit_update(req->server->store, &u);
    return reply_saved(req, rc, u.id, 200);
}

struct unit_detail {
    struct request *req;
    cJSON *months, *cases, *checks;
};

static void add_month(const char *month, int count, void *data)
{
    struct unit_detail *d = data;
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "month", month);
    json_add_int(item, "count", count);
    cJSON_AddItemToArray(d->months, item);
}

static void add_case(int64_t case_id, void *data)
{
    struct unit_detail *d = data;
    struct store_case *c = arena_alloc(d->req->arena, sizeof *c);
    if (c != NULL && store_case_get(d->req->server->store, case_id, c) == STORE_OK &&
        api_case_visible(d->req, c))
        cJSON_AddItemToArray(d->cases, api_case_row_json(d->req, c));
}

static void add_check(const struct store_frontage_check *c, void *data)
{
    struct unit_detail *d = data;
    cJSON *item = cJSON_CreateObject();
    json_add_int(item, "id", c->id);
    cJSON_AddStringToObject(item, "inspector", c->inspector_name);
    const int results[] = {c->appearance, c->sanitation, c->order_greening};
    const char *names[] = {"appearance", "sanitation", "order"};
    cJSON *duties = cJSON_AddObjectToObject(item, "duties");
    for (int i = 0; i < 3; i++)
        json_add_string_or_null(duties, names[i],
                                results[i] < 0 ? NULL
                                : results[i]   ? "pass"
                                               : "fail");
    cJSON_AddBoolToObject(item, "passed", c->passed);
    cJSON_AddStringToObject(item, "note", c->note);
    cJSON *photos = cJSON_Parse(c->photos_json);
    cJSON_AddItemToObject(item, "photos", photos ? photos : cJSON_CreateArray());
    if (c->case_id)
        json_add_int(item, "case_id", c->case_id);
    else
        cJSON_AddNullToObject(item, "case_id");
    json_add_int(item, "created_at", c->created_at);
    cJSON_AddItemToArray(d->checks, item);
}

static int get_unit(struct request *req)
{
    struct store_frontage_unit u;
    int status = load_unit(req, &u);
    if (status != 0)
        return status;
    cJSON *body = request_own_json(req, unit_json(&u));
    struct unit_detail d = {req, cJSON_AddArrayToObject(body, "violations_by_month"),
                            cJSON_AddArrayToObject(body, "cases"),
                            cJSON_AddArrayToObject(body, "checks")};
    if (store_frontage_unit_cases(req->server->store, u.id, 50, add_month, add_case, &d) !=
            STORE_OK ||
        store_frontage_checks(req->server->store, u.id, 20, add_check, &d) != STORE_OK)
        return request_reply_store_error(req, STORE_ERROR, "could not read the unit");
    return request_reply_json(req, 200, body);
}

// ---- cases naming a unit ----

cJSON *api_frontage_case_unit(struct request *req, int64_t case_id)
{
    int64_t unit_id = 0;
    struct store_frontage_unit u;
    if (store_frontage_case_unit(req->server->store, case_id, &unit_id) != STORE_OK ||
        unit_id == 0 || store_frontage_unit_get(req->server->store, unit_id, &u) != STORE_OK)
        return cJSON_CreateNull();
    // The unit as a case shows it: no contact person, no phone.
    cJSON *out = cJSON_CreateObject();
    json_add_int(out, "id", u.id);
    cJSON_AddStringToObject(out, "name", u.name);
    cJSON_AddStringToObject(out, "plate_no", u.plate_no);
    cJSON_AddStringToObject(out, "address", u.address);
    json_add_int(out, "violations", u.violations);
    return out;
}

int api_frontage_unit_usable(struct request *req, int64_t unit_id, const char *field)
{
    struct store_frontage_unit u;
    if (store_frontage_unit_get(req->server->store, unit_id, &u) != STORE_OK ||
        !jurisdiction_covers_path(&req->user->jurisdiction, u.place_path))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, field,
                                         "no such responsible unit inside your jurisdiction");
    if (!u.active)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, field,
                                         "the responsible unit %s is inactive", u.plate_no);
    return 0;
}

static int set_case_unit(struct request *req)
{
    static const struct json_field FIELDS[] = {{"frontage_unit_id", JSON_INTEGER, false, 0}};
    struct json_problem problem;
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(req->json, "frontage_unit_id");
    if (!json_check(req->json, FIELDS, 1, &problem) && !cJSON_IsNull(given))
        return request_reply_problem(req, 400, &problem);
    if (given == NULL)
        return request_reply_field_error(req, 400, ERR_MISSING_FIELD, "frontage_unit_id",
                                         "frontage_unit_id is the unit's id, or null for none");
    struct store_case *c;
    int status = api_case_load_visible(req, &c);
    if (status != 0)
        return status;
    int64_t unit_id = cJSON_IsNull(given) ? 0 : (int64_t)given->valuedouble;
    if (unit_id != 0 && (status = api_frontage_unit_usable(req, unit_id, "frontage_unit_id")) != 0)
        return status;
    int rc = store_frontage_case_link(req->server->store, c->id, unit_id, req->user->id,
                                      role_name(req->user->role), req->user->display_name);
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not name the unit");
    cJSON *body = request_json_object(req);
    json_add_int(body, "case_id", c->id);
    cJSON_AddItemToObject(body, "frontage_unit", api_frontage_case_unit(req, c->id));
    return request_reply_json(req, 200, body);
}

// ---- patrol checks ----

// Reads one duty's result ("pass" or "fail") into *out (-1 when the unit
// does not carry the duty). Returns 0 or the status replied.
static int read_duty(struct request *req, const char *name, bool carried, int *out)
{
    const char *value = json_get_string(req->json, name);
    *out = -1;
    if (value == NULL && carried)
        return request_reply_field_error(req, 400, ERR_MISSING_FIELD, name,
                                         "the unit carries this duty: pass or fail");
    if (value != NULL && !carried)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, name,
                                         "the unit does not carry this duty");
    if (value != NULL && strcmp(value, "pass") != 0 && strcmp(value, "fail") != 0)
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD, name, "pass or fail");
    if (value != NULL)
        *out = strcmp(value, "pass") == 0;
    return 0;
}

// Reads "photos": [hash] (the caller's uploads) into the check's JSON and the
// case's report photos. Returns 0 or the status replied.
static int read_check_photos(struct request *req, struct store_frontage_check *check,
                             struct case_intake *in)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(req->json, "photos");
    int count = cJSON_GetArraySize(list);
    struct case_intake_photo *photos =
        arena_alloc(req->arena, (size_t)(count + 1) * sizeof *photos);
    cJSON *hashes = request_own_json(req, cJSON_CreateArray());
    if (photos == NULL || hashes == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    int64_t since = store_now_ms() - STORE_UPLOAD_HOLD_MS;
    const cJSON *item;
    size_t n = 0;
    cJSON_ArrayForEach(item, list)
    {
        const char *hash = cJSON_GetStringValue(item);
        if (hash == NULL || !store_attachment_hash_valid(hash) ||
            !store_upload_held(req->server->store, req->user->id, hash, since))
            return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "photos",
                                             "each photo is the hash of one of your uploads "
                                             "from the last 24 hours (POST /api/v1/uploads)");
        photos[n++] = (struct case_intake_photo){hash, "report"};
        cJSON_AddItemToArray(hashes, cJSON_CreateString(hash));
    }
    check->photos_json = request_json_text(req, hashes);
    if (check->photos_json == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    in->photos = photos;
    in->photo_count = n;
    return 0;
}

// The case a failed check files: the unit's point, a description naming the
// unit and the duties it failed (unless the inspector wrote one).
static void fill_check_case(struct request *req, const struct store_frontage_unit *u,
                            const struct store_frontage_check *check, struct case_intake *in)
{
    const char *text = json_get_string(req->json, "case_description");
    if (text == NULL || text[strspn(text, " ")] == '\0') {
        char *made = arena_alloc(req->arena, 1024);
        if (made != NULL)
            snprintf(made, 1024, "门前三包检查不合格：%s（责任牌 %s）%s%s%s%s%s", u->name,
                     u->plate_no, check->appearance == 0 ? " 市容" : "",
                     check->sanitation == 0 ? " 环境卫生" : "",
                     check->order_greening == 0 ? " 秩序/绿化" : "", check->note[0] ? "：" : "",
                     check->note);
        text = made != NULL ? made : "门前三包检查不合格";
    }
    in->description = text;
    in->address = u->address;
    in->has_location = true;
    in->lat = u->lat;
    in->lon = u->lon;
    json_get_int(req->json, "category_id", &in->category_id);
    in->source = "patrol";
    in->reporter_user_id = req->user->id;
    in->actor_role = role_name(req->user->role);
    in->actor_name = req->user->display_name;
    in->fallback_place_path = jurisdiction_place_path(&req->user->jurisdiction);
    struct store_grid_location place;
    if (store_grid_locate(req->server->store, u->lon, u->lat, &place) == STORE_OK) {
        in->grid_id = place.grid_id;
        in->community_id = place.community_id;
        in->street_id = place.street_id;
        in->district_id = place.district_id;
    }
}

static int add_unit_check(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"appearance", JSON_STRING, false, 4},
        {"sanitation", JSON_STRING, false, 4},
        {"order", JSON_STRING, false, 4},
        {"note", JSON_STRING, false, 1000},
        {"photos", JSON_ARRAY, false, 6},
        {"open_case", JSON_BOOL, false, 0},
        {"case_description", JSON_STRING, false, CASE_DESCRIPTION_MAX},
        {"category_id", JSON_INTEGER, false, 0},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    struct store_frontage_unit u;
    int status = load_unit(req, &u);
    if (status != 0)
        return status;
    if (!u.active)
        return request_reply_error(req, 409, ERR_CONFLICT, "the unit is inactive");
    struct store_frontage_check check = {.unit_id = u.id, .inspector_user_id = req->user->id};
    struct case_intake in = {0};
    if ((status = read_duty(req, "appearance", u.duty_appearance, &check.appearance)) != 0 ||
        (status = read_duty(req, "sanitation", u.duty_sanitation, &check.sanitation)) != 0 ||
        (status = read_duty(req, "order", u.duty_order, &check.order_greening)) != 0 ||
        (status = read_check_photos(req, &check, &in)) != 0)
        return status;
    check.note = json_get_string(req->json, "note");
    check.note = check.note ? check.note : "";
    check.passed = check.appearance != 0 && check.sanitation != 0 && check.order_greening != 0;
    bool open_case = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req->json, "open_case"));
    if (open_case && check.passed)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "open_case",
                                         "only a failed check opens a case");
    if (open_case)
        fill_check_case(req, &u, &check, &in);
    struct store_case *c = arena_alloc(req->arena, sizeof *c);
    if (c == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    int rc = store_frontage_check_add(req->server->store, server_calendar(req), &check,
                                      open_case ? &in : NULL, c);
    if (rc == STORE_INVALID)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "category_id",
                                         "no such category");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not record the check");
    cJSON *body = request_json_object(req);
    json_add_int(body, "id", check.id);
    cJSON_AddBoolToObject(body, "passed", check.passed);
    cJSON_AddItemToObject(body, "case", open_case ? api_case_json(req, c) : cJSON_CreateNull());
    return request_reply_json(req, 201, body);
}

// method, pattern, handler, flags, roles
const struct route API_FRONTAGE_ROUTES[] = {
    {"GET", "/api/v1/frontage/units", list_units, ROUTE_AUTH, FRONTAGE_READERS},
    {"POST", "/api/v1/frontage/units", create_unit, ROUTE_STAFF_WRITE, FRONTAGE_EDITORS},
    {"GET", "/api/v1/frontage/units/:id", get_unit, ROUTE_AUTH, FRONTAGE_READERS},
    {"PATCH", "/api/v1/frontage/units/:id", update_unit, ROUTE_STAFF_WRITE, FRONTAGE_EDITORS},
    {"POST", "/api/v1/frontage/units/:id/checks", add_unit_check, ROUTE_STAFF_WRITE,
     ROLE_INSPECTOR | ROLE_SUPERVISOR},
    {"PUT", "/api/v1/cases/:id/frontage-unit", set_case_unit, ROUTE_STAFF_WRITE,
     ROLE_INSPECTOR | ROLE_OPERATOR | ROLE_SUPERVISOR},
};
const size_t API_FRONTAGE_ROUTE_COUNT = sizeof API_FRONTAGE_ROUTES / sizeof API_FRONTAGE_ROUTES[0];
