// SPDX-License-Identifier: MIT
// Intake: staff filing (inspectors on patrol, operators taking 12345/110/12319
// calls), hotline platforms with an API token (idempotent on the ticket number),
// and citizens on the web form (no account: a case number and a private query
// code come back). Every case is located on the grid; an unplaced one is kept and
// flagged for the supervisor.
#include "api.h"

#include "api_cases.h"
#include "api_geocode.h"
#include "api_intake.h"
#include "api_public.h"

#include "arena.h"
#include "casework.h"
#include "errors.h"
#include "json.h"
#include "jurisdiction.h"
#include "notify.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_case_lists.h"
#include "store_attachments.h"
#include "store_cases.h"
#include "store_categories.h"
#include "store_frontage.h"
#include "store_places.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

// Places an intake that has a typed address and no point by geocoding it
// (api_geocode_place: an exact house number or landmark, one answer only) when
// the point lies in a cell the caller may file in; else it stays unplaced.
// Returns true when *in was placed.
static bool geocode_typed(struct request *req, struct case_intake *in,
                          struct store_grid_location *place)
{
    struct geo_point point;
    char *label = arena_alloc(req->arena, GEOCODE_LABEL_MAX);
    if (label == NULL ||
        !api_geocode_place(req, in->address, &point, label, GEOCODE_LABEL_MAX) ||
        store_grid_locate(req->server->store, point.lon, point.lat, place) != STORE_OK ||
        (req->user != NULL &&
         !jurisdiction_may_file_at(&req->user->jurisdiction, place->place_path)))
        return false;
    in->has_location = true;
    in->lat = point.lat;
    in->lon = point.lon;
    in->located_by = "geocode";
    in->located_label = label;
    in->grid_id = place->grid_id;
    in->community_id = place->community_id;
    in->street_id = place->street_id;
    in->district_id = place->district_id;
    return true;
}

// Checks the body against the intake's fields, validates the fields every intake
// shares and fills the location of *in. Returns 0 or the status replied.
static int read_common(struct request *req, const struct json_field *fields, size_t count,
                       struct case_intake *in)
{
    struct json_problem problem;
    if (!json_check(req->json, fields, count, &problem))
        return request_reply_problem(req, 400, &problem);
    const char *description = json_get_string(req->json, "description");
    if (description == NULL || description[strspn(description, " \t\r\n")] == '\0')
        return request_reply_field_error(req, 400, ERR_MISSING_FIELD, "description",
                                         "field 'description' is required and must not be blank");
    in->description = description;
    in->address = json_get_string(req->json, "address");
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(req->json, "lat");
    const cJSON *lon = cJSON_GetObjectItemCaseSensitive(req->json, "lon");
    bool has_lat = cJSON_IsNumber(lat), has_lon = cJSON_IsNumber(lon);
    if (has_lat != has_lon)
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD, has_lat ? "lon" : "lat",
                                         "send lat and lon together");
    if (has_lat) {
        bool lat_ok = lat->valuedouble >= -90 && lat->valuedouble <= 90;
        if (!lat_ok || !(lon->valuedouble >= -180 && lon->valuedouble <= 180))
            return request_reply_field_error(req, 400, ERR_INVALID_FIELD, lat_ok ? "lon" : "lat",
                                             "lat must be in [-90, 90] and lon in [-180, 180]");
        in->has_location = true;
        in->lat = lat->valuedouble;
        in->lon = lon->valuedouble;
    }
    if (!in->has_location && (in->address == NULL || in->address[0] == '\0'))
        return request_reply_field_error(req, 400, ERR_MISSING_FIELD, "address",
                                         "give the place: lat and lon, or an address");
    json_get_int(req->json, "category_id", &in->category_id);
    char grid_code[16];
    if (api_intake_place(req, in, grid_code) == API_INTAKE_OUTSIDE)
        return request_reply_error(req, 422, ERR_INVALID_FIELD,
                                   "lat/lon lie in grid cell %s, outside your jurisdiction",
                                   grid_code);
    in->urgent = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req->json, "urgent"));
    return 0;
}

enum api_intake_place_result api_intake_place(struct request *req, struct case_intake *in,
                                              char grid_code[16])
{
    // Without a category, the best guess from the text is filed; the supervisor
    // confirms or changes it when accepting the case.
    if (in->category_id == 0 && store_category_suggest_best(req->server->store, in->description,
                                                            &in->category_id) != STORE_OK)
        in->category_id = 0;
    struct store_grid_location place;
    if (!in->has_location) {
        geocode_typed(req, in, &place); // placed when the address is certain, else unplaced
        return API_INTAKE_PLACED;
    }
    if (store_grid_locate(req->server->store, in->lon, in->lat, &place) != STORE_OK)
        return API_INTAKE_PLACED;
    if (req->user != NULL &&
        !jurisdiction_may_file_at(&req->user->jurisdiction, place.place_path)) {
        snprintf(grid_code, 16, "%s", place.grid_code);
        return API_INTAKE_OUTSIDE;
    }
    in->grid_id = place.grid_id;
    in->community_id = place.community_id;
    in->street_id = place.street_id;
    in->district_id = place.district_id;
    return API_INTAKE_PLACED;
}

struct duplicate_hints {
    struct request *req;
    cJSON *items;
};

static void add_duplicate(int64_t id, double distance_m, bool same_grid, void *data)
{
    struct duplicate_hints *hints = data;
    struct store_case other;
    // A hint needs only the nearest few; a hot spot may have a hundred.
    if (cJSON_GetArraySize(hints->items) >= 5 ||
        store_case_get(hints->req->server->store, id, &other) != STORE_OK ||
        !api_case_visible(hints->req, &other))
        return;
    cJSON *item = cJSON_CreateObject();
    json_add_int(item, "id", other.id);
    cJSON_AddStringToObject(item, "case_no", other.case_no);
    cJSON_AddStringToObject(item, "state", casefsm_state_name(other.state));
    cJSON_AddStringToObject(item, "description", other.description);
    if (!isnan(distance_m))
        cJSON_AddNumberToObject(item, "distance_m", round(distance_m));
    cJSON_AddBoolToObject(item, "same_grid", same_grid);
    cJSON_AddItemToArray(hints->items, item);
}

// Open cases of the same category nearby in the last 72 hours: hints for the
// person filing, who may then ask the supervisor to merge.
static void add_duplicate_hints(struct request *req, cJSON *body, const struct store_case *c)
{
    struct duplicate_hints hints = {req, cJSON_AddArrayToObject(body, "duplicates")};
    if (c->category_id == 0 || req->user == NULL)
        return;
    store_case_find_duplicates(req->server->store, c->id, c->category_id, c->grid_id,
                               c->has_location, c->lat, c->lon, c->created_at - 72LL * 3600 * 1000,
                               add_duplicate, &hints);
}

// Replies with the created case, or maps the store's answer to an error.
static int reply_created(struct request *req, int rc, const struct store_case *c)
{
    if (rc == STORE_INVALID)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "category_id",
                                         "no such category");
    if (rc != STORE_OK && rc != STORE_CONFLICT)
        return request_reply_store_error(req, rc, "could not save the case");
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "case", api_case_json(req, c));
    cJSON_AddBoolToObject(body, "duplicate_ticket", rc == STORE_CONFLICT);
    add_duplicate_hints(req, body, c);
    return request_reply_json(req, rc == STORE_CONFLICT ? 200 : 201, body);
}

static bool channel_valid(const char *source, bool operator_channel)
{
    static const char *const OPERATOR_CHANNELS[] = {"12345", "110",    "12319",
                                                    "video", "leader", "media"};
    for (size_t i = 0; i < sizeof OPERATOR_CHANNELS / sizeof OPERATOR_CHANNELS[0]; i++)
        if (strcmp(source, OPERATOR_CHANNELS[i]) == 0)
            return operator_channel;
    return !operator_channel && strcmp(source, "patrol") == 0;
}

// The ticket and caller of a staff or platform intake.
static void fill_staff_filer(struct request *req, struct case_intake *in)
{
    in->external_id = json_get_string(req->json, "external_id");
    in->citizen_name = json_get_string(req->json, "caller_name");
    in->citizen_phone = json_get_string(req->json, "caller_phone");
}

// The signed-in filer as the intake's reporter and event actor, and the
// jurisdiction that receives a case no cell holds.
static void sign_as_filer(struct request *req, struct case_intake *in)
{
    in->reporter_user_id = req->user->id;
    in->actor_role = role_name(req->user->role);
    in->actor_name = req->user->display_name;
    in->fallback_place_path = jurisdiction_place_path(&req->user->jurisdiction);
}

int api_intake_create(struct request *req, struct case_intake *in, struct store_case *out)
{
    sign_as_filer(req, in);
    return store_case_create(req->server->store, server_calendar(req), in, out);
}

// Reads "photos": [{hash, stage}] of the staff intake into in: uploads of the
// caller still held (POST /api/v1/uploads), report photos, or before and after
// photos of a fix on the spot (which needs both). Returns 0 or the status replied.
static int read_photos(struct request *req, struct case_intake *in)
{
    static const struct json_field FIELDS[] = {
        {"hash", JSON_STRING, true, STORE_ATTACHMENT_HASH_LEN},
        {"stage", JSON_STRING, true, 8},
    };
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(req->json, "photos");
    int count = cJSON_GetArraySize(list);
    struct case_intake_photo *photos =
        arena_alloc(req->arena, (size_t)(count + 1) * sizeof *photos);
    struct casework_photo *evidence =
        arena_alloc(req->arena, (size_t)(count + 1) * sizeof *evidence);
    if (photos == NULL || evidence == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    int64_t since = store_now_ms() - STORE_UPLOAD_HOLD_MS;
    const cJSON *item;
    size_t n = 0;
    cJSON_ArrayForEach(item, list)
    {
        struct json_problem problem;
        if (!cJSON_IsObject(item) || !json_check(item, FIELDS, 2, &problem))
            return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "photos",
                                             "each of photos is {hash, stage}");
        const char *hash = json_get_string(item, "hash"), *stage = json_get_string(item, "stage");
        bool self = strcmp(stage, "before") == 0 || strcmp(stage, "after") == 0;
        if (!(strcmp(stage, "report") == 0 || (self && in->self_handled)))
            return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "photos",
                                             in->self_handled
                                                 ? "photos of a fix on the spot are before, "
                                                   "after or report"
                                                 : "photos of a report are stage report");
        if (!store_attachment_hash_valid(hash) ||
            !store_upload_held(req->server->store, req->user->id, hash, since))
            return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "photos",
                                             "photo %.12s… is not one of your uploads from the "
                                             "last 24 hours (POST /api/v1/uploads first)",
                                             hash);
        photos[n] = (struct case_intake_photo){hash, stage};
        evidence[n++] = (struct casework_photo){stage, 0};
    }
    struct casework_result *verdict = arena_alloc(req->arena, sizeof *verdict);
    if (verdict == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    if (casework_intake_check(in->self_handled, evidence, n, verdict) != CASEWORK_OK)
        return request_reply_field_error(req, 422, ERR_MISSING_FIELD, verdict->field, "%s",
                                         verdict->message);
    in->photos = photos;
    in->photo_count = n;
    return 0;
}

static int staff_intake(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"description", JSON_STRING, true, CASE_DESCRIPTION_MAX},
        {"address", JSON_STRING, false, CASE_ADDRESS_MAX},
        {"lat", JSON_NUMBER, false, 0},
        {"lon", JSON_NUMBER, false, 0},
        {"category_id", JSON_INTEGER, false, 0},
        {"urgent", JSON_BOOL, false, 0},
        {"source", JSON_STRING, false, 8},
        {"external_id", JSON_STRING, false, 63},
        {"caller_name", JSON_STRING, false, 63},
        {"caller_phone", JSON_STRING, false, 31},
        {"self_handled", JSON_BOOL, false, 0},
        {"photos", JSON_ARRAY, false, CASE_INTAKE_PHOTOS_MAX},
        {"frontage_unit_id", JSON_INTEGER, false, 0},
    };
    struct case_intake in = {0};
    int status = read_common(req, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &in);
    if (status != 0)
        return status;
    bool is_operator = req->user->role != ROLE_INSPECTOR;
    const char *source = json_get_string(req->json, "source");
    in.source = source ? source : (is_operator ? "12345" : "patrol");
    if (!channel_valid(in.source, is_operator))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "source",
                                         is_operator ? "source must be 12345, 110, 12319, video, "
                                                       "leader or media"
                                                     : "inspectors file patrol cases");
    fill_staff_filer(req, &in);
    in.self_handled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req->json, "self_handled"));
    if (in.self_handled && is_operator)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "self_handled",
                                         "only inspectors fix problems on the spot");
    if ((status = read_photos(req, &in)) != 0)
        return status;
    // A case may name the 门前三包 unit responsible (counted as its violation).
    int64_t unit_id = 0;
    if (json_get_int(req->json, "frontage_unit_id", &unit_id) &&
        (status = api_frontage_unit_usable(req, unit_id, "frontage_unit_id")) != 0)
        return status;
    struct store_case *c = arena_alloc(req->arena, sizeof *c);
    if (c == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    int rc;
    if (unit_id > 0) { // filed with its frontage unit's link in one transaction
        sign_as_filer(req, &in);
        rc = store_frontage_case_create(req->server->store, server_calendar(req), &in, unit_id, c);
    } else {
        rc = api_intake_create(req, &in, c);
    }
    if (rc == STORE_CONFLICT)
        return request_reply_field_error(req, 409, ERR_CONFLICT, "external_id",
                                         "ticket %s of %s is already case %s", in.external_id,
                                         in.source, c->case_no);
    return reply_created(req, rc, c);
}

static bool same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

// True when a repeated ticket carries what the stored case was filed with: a
// platform retrying (same content) gets the original; a different complaint
// under a number already used is a conflict, never silently merged.
static bool same_ticket_content(const struct case_intake *in, const struct store_case *c)
{
    if (!same_text(in->description, c->description) || !same_text(in->address, c->address) ||
        !same_text(in->citizen_name, c->citizen_name) ||
        !same_text(in->citizen_phone, c->citizen_phone) || in->has_location != c->has_location)
        return false;
    return !in->has_location || (fabs(in->lat - c->lat) < 1e-9 && fabs(in->lon - c->lon) < 1e-9);
}

static int hotline_intake(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"external_id", JSON_STRING, true, 63},
        {"description", JSON_STRING, true, CASE_DESCRIPTION_MAX},
        {"address", JSON_STRING, false, CASE_ADDRESS_MAX},
        {"lat", JSON_NUMBER, false, 0},
        {"lon", JSON_NUMBER, false, 0},
        {"category_id", JSON_INTEGER, false, 0},
        {"urgent", JSON_BOOL, false, 0},
        {"caller_name", JSON_STRING, false, 63},
        {"caller_phone", JSON_STRING, false, 31},
    };
    struct case_intake in = {0};
    int status = read_common(req, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &in);
    if (status != 0)
        return status;
    in.source = req->user->channel;
    fill_staff_filer(req, &in);
    in.api_token_id = req->user->token_id;
    if (in.external_id[0] == '\0')
        return request_reply_field_error(req, 400, ERR_MISSING_FIELD, "external_id",
                                         "external_id must not be empty");
    struct store_case *c = arena_alloc(req->arena, sizeof *c);
    if (c == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    int rc = api_intake_create(req, &in, c);
    if (rc == STORE_CONFLICT && !same_ticket_content(&in, c))
        return request_reply_field_error(
            req, 409, ERR_TICKET_CONFLICT, "external_id",
            "ticket %s of %s is already case %s, filed with different content", in.external_id,
            in.source, c->case_no);
    return reply_created(req, rc, c);
}

static int public_intake(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"description", JSON_STRING, true, CASE_DESCRIPTION_MAX},
        {"address", JSON_STRING, false, CASE_ADDRESS_MAX},
        {"lat", JSON_NUMBER, false, 0},
        {"lon", JSON_NUMBER, false, 0},
        {"category_id", JSON_INTEGER, false, 0},
        {"name", JSON_STRING, false, 63},
        {"phone", JSON_STRING, false, 31},
        {"lang", JSON_STRING, false, 2},
        {"website", JSON_STRING, false, 200}, // honeypot: people never see it
    };
    struct case_intake in = {0};
    int status = read_common(req, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &in);
    if (status != 0)
        return status;
    const char *honeypot = json_get_string(req->json, "website");
    if (honeypot != NULL && honeypot[0] != '\0')
        return request_reply_error(req, 400, ERR_INVALID_FIELD,
                                   "the form was not filled in by a person");
    const char *phone = json_get_string(req->json, "phone");
    if (phone != NULL && phone[0] != '\0' &&
        (strspn(phone, "0123456789-+ ") != strlen(phone) || strlen(phone) < 5))
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "phone",
                                         "phone may hold only digits, spaces, '+' and '-'");
    const char *lang = json_get_string(req->json, "lang");
    if (lang != NULL && notify_lang_find(lang) < 0)
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "lang", "lang is zh or en");
    status = api_public_count_report(req);
    if (status != 0)
        return status;
    // The query code: characters a citizen can type, shown once.
    char code[API_PUBLIC_CODE_LENGTH + 1];
    unsigned char code_hash[API_PUBLIC_CODE_HASH];
    api_public_code_new(code, code_hash);
    in.source = "web";
    in.citizen_name = json_get_string(req->json, "name");
    in.citizen_phone = phone;
    in.query_code_hash = code_hash;
    in.notify_code = code; // kept only when an SMS gateway is configured
    in.notify_lang = lang;
    in.actor_role = "citizen";
    in.actor_name = "市民";
    in.fallback_place_path = NULL; // the command centre places it
    struct store_case *c = arena_alloc(req->arena, sizeof *c);
    if (c == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    int rc = store_case_create(req->server->store, server_calendar(req), &in, c);
    if (rc == STORE_INVALID)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "category_id",
                                         "no such category");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not save the case");
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "case_no", c->case_no);
    cJSON_AddStringToObject(body, "query_code", code);
    cJSON_AddStringToObject(body, "state", casefsm_state_name(c->state));
    cJSON_AddBoolToObject(body, "located", c->grid_id != 0);
    json_add_int(body, "created_at", c->created_at);
    return request_reply_json(req, 201, body);
}

// method, pattern, handler, flags, roles
const struct route API_INTAKE_ROUTES[] = {
    {"POST", "/api/v1/cases", staff_intake, ROUTE_STAFF_WRITE,
     ROLE_INSPECTOR | ROLE_OPERATOR | ROLE_SUPERVISOR},
    {"POST", "/api/v1/intake/hotline", hotline_intake, ROUTE_TOKEN | ROUTE_JSON | ROUTE_WRITE,
     ROLE_HOTLINE_PLATFORM},
    {"POST", "/api/v1/public/cases", public_intake, ROUTE_JSON | ROUTE_WRITE, 0},
};
const size_t API_INTAKE_ROUTE_COUNT = sizeof API_INTAKE_ROUTES / sizeof API_INTAKE_ROUTES[0];
