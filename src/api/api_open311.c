// SPDX-License-Identifier: MIT
// Open311 GeoReport v2 under /open311/v2/: discovery, the services (one per
// category subclass, service_code "<tree>-<code>"), their definitions, filing
// a request with an API token's api_key (the hotline intake's path, see
// api_intake.h), the public list and single requests, and tokens (a token is
// the case number: ids are answered at once). Every answer in JSON or XML by
// the suffix (none: XML, the specification's required format); no personal
// data is ever answered.
#include "api.h"
#include "api_intake.h"
#include "api_open311.h"
#include "api_places.h"
#include "api_public.h"

#include "arena.h"
#include "auth.h"
#include "casefsm.h"
#include "json.h"
#include "jurisdiction.h"
#include "open311.h"
#include "ratelimit.h"
#include "request.h"
#include "server.h"
#include "store.h"
#include "store_case_lists.h"
#include "store_cases.h"
#include "store_categories.h"
#include "store_places.h"
#include "store_public_reports.h"
#include "textmask.h"
#include "worktime.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Per client address: 1200 reads in 10 minutes, and 300 filed requests.
static const struct ratelimit_policy READS_PER_ADDRESS = {
    .free_attempts = 1200,
    .max_attempts = 1200,
    .window_ms = 10 * 60 * 1000,
};
static const struct ratelimit_policy POSTS_PER_ADDRESS = {
    .free_attempts = 300,
    .max_attempts = 300,
    .window_ms = 10 * 60 * 1000,
};

#define SERVICE_CODE_SIZE API_OPEN311_SERVICE_CODE_SIZE
#define CACHE_SERVICES    "public, max-age=300"

// The resource segment's format, or replies 404 for an unknown suffix.
bool api_open311_segment_format(struct request *req, const char *segment, char *base, size_t size,
                                enum open311_format *format)
{
    if (open311_split_format(segment, base, size, format))
        return true;
    *format = OPEN311_XML;
    api_open311_error(req, OPEN311_XML, 404, "no such resource: use .json or .xml");
    return false;
}

// The format of a fixed route ("/open311/v2/services.json"), from its path.
enum open311_format api_open311_path_format(const struct request *req)
{
    size_t len = strlen(req->path);
    return len > 5 && strcmp(req->path + len - 5, ".json") == 0 ? OPEN311_JSON : OPEN311_XML;
}

// Counts a read or a filing of the client address. Returns 0, or replies 429.
int api_open311_count(struct request *req, enum open311_format format, bool post)
{
    int wait = 0;
    if (api_public_count(req, post ? "o311-post-ip:" : "o311-ip:",
                         post ? &POSTS_PER_ADDRESS : &READS_PER_ADDRESS, &wait))
        return 0;
    char *retry = arena_printf(req->arena, "%d", wait);
    if (retry != NULL)
        request_add_header(req, "Retry-After", retry);
    return api_open311_error(req, format, 429,
                             "too many requests from your address; try again "
                             "in %d s",
                             wait);
}

// True for the English locale ("en", "en_US", "en-GB"); everything else is zh.
bool api_open311_locale_en(const struct request *req, const cJSON *body)
{
    const char *locale = json_get_string(body, "locale");
    if (locale == NULL)
        locale = request_query(req, "locale");
    return locale != NULL && strncmp(locale, "en", 2) == 0 &&
           (locale[2] == '\0' || locale[2] == '_' || locale[2] == '-');
}

static int offset_minutes(struct request *req)
{
    return server_calendar(req)->utc_offset_minutes;
}

static void add_datetime(struct request *req, cJSON *item, const char *name, int64_t ms)
{
    if (ms <= 0) {
        cJSON_AddNullToObject(item, name);
        return;
    }
    char text[OPEN311_DATETIME_SIZE];
    open311_datetime_format(ms, offset_minutes(req), text);
    cJSON_AddStringToObject(item, name, text);
}

struct first_unit {
    char *code;
};

static void take_first(const struct store_org_unit *unit, void *data)
{
    struct first_unit *first = data;
    if (first->code[0] == '\0')
        snprintf(first->code, STORE_ORG_CODE_MAX + 1, "%s", unit->code);
}

// The city's code, the one jurisdiction_id this server answers for, into
// code; "" when no city is set up.
static void city_code(struct request *req, char code[STORE_ORG_CODE_MAX + 1])
{
    code[0] = '\0';
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    struct store_org_unit_filter filter = {&everywhere, "city", NULL};
    struct first_unit first = {code};
    store_org_unit_list(req->server->store, &filter, take_first, &first);
}

// Checks jurisdiction_id (query or body) against the city's code. Returns 0,
// or replies 404.
int api_open311_check_jurisdiction(struct request *req, enum open311_format format,
                                   const cJSON *body)
{
    const char *given = json_get_string(body, "jurisdiction_id");
    if (given == NULL)
        given = request_query(req, "jurisdiction_id");
    if (given == NULL || given[0] == '\0')
        return 0;
    char code[STORE_ORG_CODE_MAX + 1];
    city_code(req, code);
    if (strcmp(given, code) == 0)
        return 0;
    return api_open311_error(req, format, 404,
                             "jurisdiction_id %.40s is not served here; this "
                             "server answers for %s",
                             given, code[0] ? code : "no jurisdiction yet");
}

int api_open311_read_begin(struct request *req, enum open311_format format)
{
    int status = api_open311_count(req, format, false);
    return status != 0 ? status : api_open311_check_jurisdiction(req, format, NULL);
}

// ---- services ----

// service_code of a subclass: "<tree>-<code>", e.g. "event-0101".
static void service_code_of(const char *tree, const char *code, char out[SERVICE_CODE_SIZE])
{
    snprintf(out, SERVICE_CODE_SIZE, "%s-%s", tree, code);
}

// Loads the active subclass of a service_code. Returns STORE_OK,
// STORE_NOT_FOUND (malformed, unknown or inactive) or STORE_ERROR.
int api_open311_find_service(struct request *req, const char *service_code,
                             struct store_category *out)
{
    const char *dash = service_code ? strchr(service_code, '-') : NULL;
    if (dash == NULL || dash - service_code >= 12 || strlen(dash + 1) != 4)
        return STORE_NOT_FOUND;
    char tree[12];
    memcpy(tree, service_code, (size_t)(dash - service_code));
    tree[dash - service_code] = '\0';
    int rc = store_category_find(req->server->store, tree, dash + 1, out);
    return rc == STORE_OK && !out->active ? STORE_NOT_FOUND : rc;
}

struct service_walk {
    bool en;
    cJSON *list;
    int64_t *ids; // one per service, for the keywords afterwards
    int count, capacity;
};

static void on_subclass(const struct store_category *c, void *data)
{
    struct service_walk *walk = data;
    if (walk->count == walk->capacity)
        return;
    char code[SERVICE_CODE_SIZE];
    service_code_of(c->tree, c->code, code);
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "service_code", code);
    cJSON_AddStringToObject(item, "service_name", walk->en ? c->name_en : c->name_zh);
    // The filing condition (立案条件) says what the service is for; it exists
    // in Chinese only, so English readers get the name.
    cJSON_AddStringToObject(item, "description", walk->en ? c->name_en : c->filing_condition);
    cJSON_AddFalseToObject(item, "metadata"); // no subclass has attributes
    cJSON_AddStringToObject(item, "type", "realtime");
    cJSON_AddStringToObject(item, "keywords", "");
    cJSON_AddStringToObject(item, "group", walk->en ? c->major_name_en : c->major_name_zh);
    cJSON_AddItemToArray(walk->list, item);
    walk->ids[walk->count++] = c->id;
}

struct keyword_list {
    char text[400];
    int count;
};

static void on_keyword(const char *keyword, int weight, void *data)
{
    (void)weight;
    struct keyword_list *list = data;
    size_t used = strlen(list->text);
    if (list->count == 8 || strchr(keyword, ',') != NULL ||
        used + strlen(keyword) + 2 >= sizeof list->text)
        return;
    snprintf(list->text + used, sizeof list->text - used, "%s%s", used ? "," : "", keyword);
    list->count++;
}

static int services(struct request *req)
{
    enum open311_format format = api_open311_path_format(req);
    int status = api_open311_read_begin(req, format);
    if (status != 0)
        return status;
    struct service_walk walk = {api_open311_locale_en(req, NULL),
                                request_own_json(req, cJSON_CreateArray()), NULL, 0, 512};
    walk.ids = arena_alloc(req->arena, (size_t)walk.capacity * sizeof *walk.ids);
    if (walk.list == NULL || walk.ids == NULL ||
        store_category_list(req->server->store, NULL, false, NULL, on_subclass, &walk) != STORE_OK)
        return api_open311_error(req, format, 500, "could not read the services");
    // The heaviest keywords of each, comma-separated (asked after the walk: its
    // callbacks may not use the store).
    for (int i = 0; i < walk.count; i++) {
        struct keyword_list keywords = {"", 0};
        store_category_keywords(req->server->store, walk.ids[i], on_keyword, &keywords);
        cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(walk.list, i), "keywords",
                                               cJSON_CreateString(keywords.text));
    }
    return api_open311_reply(req, format, 200, walk.list, "services", CACHE_SERVICES);
}

static int service_definition(struct request *req)
{
    char code[SERVICE_CODE_SIZE];
    enum open311_format format;
    if (!api_open311_segment_format(req, request_param(req, "code"), code, sizeof code, &format))
        return req->status;
    int status = api_open311_read_begin(req, format);
    if (status != 0)
        return status;
    struct store_category category;
    int rc = api_open311_find_service(req, code, &category);
    if (rc == STORE_NOT_FOUND)
        return api_open311_error(req, format, 404, "no such service_code: %s", code);
    if (rc != STORE_OK)
        return api_open311_error(req, format, 500, "could not read the service");
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "service_code", code);
    cJSON_AddArrayToObject(body, "attributes");
    return api_open311_reply(req, format, 200, body, "service_definition", CACHE_SERVICES);
}

// ---- discovery ----

static int discovery(struct request *req)
{
    enum open311_format format = api_open311_path_format(req);
    int status = api_open311_count(req, format, false);
    if (status != 0)
        return status;
    const char *host = request_header(req, "Host");
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "changeset", "2026-11-30T00:00:00+08:00");
    cJSON_AddStringToObject(body, "contact", "the city's digital city-management command centre");
    cJSON_AddStringToObject(body, "key_service",
                            "api_key: an API token issued by the command centre "
                            "(chengguan token add)");
    cJSON *endpoint = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(body, "endpoints"), endpoint);
    cJSON_AddStringToObject(endpoint, "specification", "http://wiki.open311.org/GeoReport_v2");
    char *url = arena_printf(req->arena, "http://%s/open311/v2", host ? host : "localhost");
    cJSON_AddStringToObject(endpoint, "url", url ? url : "/open311/v2");
    cJSON_AddStringToObject(endpoint, "changeset", "2026-11-30T00:00:00+08:00");
    cJSON_AddStringToObject(endpoint, "type", "production");
    cJSON *formats = cJSON_AddArrayToObject(endpoint, "formats");
    cJSON_AddItemToArray(formats, cJSON_CreateString("text/xml"));
    cJSON_AddItemToArray(formats, cJSON_CreateString("application/json"));
    return api_open311_reply(req, format, 200, body, "discovery", CACHE_SERVICES);
}

// ---- service requests ----

// The latest words staff wrote for the public about a case ("" when none).
struct public_note {
    char text[CASE_NOTE_MAX + 1];
};

static void on_event(const struct store_case_event *e, void *data)
{
    struct public_note *note = data;
    if (e->public_note[0] != '\0')
        snprintf(note->text, sizeof note->text, "%s", e->public_note);
}

// What staff let the public see of a case (the public map's moderation):
// whether its text is hidden, and its first public photo.
struct public_view {
    bool text_hidden;
    char photo[crypto_hash_sha256_BYTES * 2 + 1];
};

static void on_photo(int64_t id, const char *hash, const char *stage, bool is_public, void *data)
{
    (void)id;
    (void)stage;
    struct public_view *view = data;
    if (is_public && view->photo[0] == '\0')
        snprintf(view->photo, sizeof view->photo, "%s", hash);
}

// A case as the specification's service request: public fields only (never
// the reporter, caller, phone or staff).
cJSON *api_open311_request_json(struct request *req, const struct store_case *c, bool en)
{
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "service_request_id", c->case_no);
    cJSON_AddStringToObject(item, "status", open311_status(c->state));
    struct public_note *note = arena_alloc(req->arena, sizeof *note);
    if (note != NULL)
        store_case_events(req->server->store, c->id, on_event, note);
    const char *state = en ? casefsm_state_name(c->state) : casefsm_state_name_zh(c->state);
    // Words a person wrote may carry a phone or ID number: those are masked.
    if (note != NULL)
        textmask_numbers(note->text);
    const char *notes = note != NULL && note->text[0] ? note->text : state;
    cJSON_AddStringToObject(item, "status_notes", notes);
    if (c->category_id != 0) {
        char code[SERVICE_CODE_SIZE];
        service_code_of(c->category_tree, c->category_code, code);
        cJSON_AddStringToObject(item, "service_name",
                                en ? c->category_name_en : c->category_name_zh);
        cJSON_AddStringToObject(item, "service_code", code);
    } else {
        cJSON_AddNullToObject(item, "service_name");
        cJSON_AddNullToObject(item, "service_code");
    }
    struct public_view view = {0};
    int metoo = 0;
    if (store_public_settings(req->server->store, c->id, &view.text_hidden, &metoo, on_photo,
                              &view) != STORE_OK)
        view = (struct public_view){.text_hidden = true}; // when unsure, publish nothing
    // A text a supervisor hid from the public reads as the service's name.
    char *description = view.text_hidden ? NULL : arena_strdup(req->arena, c->description);
    if (description != NULL)
        textmask_numbers(description);
    const char *category = en ? c->category_name_en : c->category_name_zh;
    cJSON_AddStringToObject(item, "description",
                            description ? description : c->category_id ? category : "");
    json_add_string_or_null(item, "agency_responsible",
                            c->department_id ? c->department_name : NULL);
    cJSON_AddNullToObject(item, "service_notice");
    add_datetime(req, item, "requested_datetime", c->created_at);
    add_datetime(req, item, "updated_datetime", c->updated_at);
    add_datetime(req, item, "expected_datetime",
                 casefsm_state_is_open(c->state) ? c->stage_deadline : 0);
    cJSON_AddStringToObject(item, "address", c->address);
    json_add_string_or_null(item, "address_id", c->grid_id ? c->grid_code : NULL);
    cJSON_AddNullToObject(item, "zipcode");
    if (c->has_location) {
        cJSON_AddNumberToObject(item, "lat", round(c->lat * 1e7) / 1e7);
        cJSON_AddNumberToObject(item, "long", round(c->lon * 1e7) / 1e7);
    } else {
        cJSON_AddNullToObject(item, "lat");
        cJSON_AddNullToObject(item, "long");
    }
    // Photos are evidence for staff: only one a supervisor marked public is
    // linked, as the public map serves it (a path on this server).
    if (view.photo[0] != '\0')
        cJSON_AddStringToObject(item, "media_url",
                                arena_printf(req->arena, "/api/v1/public/photos/%s", view.photo));
    else
        cJSON_AddNullToObject(item, "media_url");
    return item;
}

// Loads the case numbered case_no into request memory. Returns STORE_OK,
// STORE_NOT_FOUND or STORE_ERROR.
static int load_case(struct request *req, const char *case_no, struct store_case **out)
{
    *out = arena_alloc(req->arena, sizeof **out);
    if (*out == NULL)
        return STORE_ERROR;
    if (strlen(case_no) != 14 || strspn(case_no, "0123456789") != 14)
        return STORE_NOT_FOUND;
    return store_case_get_by_no(req->server->store, case_no, *out);
}

// The case the route's last segment (param: "id" or "token") names, after
// counting the read and checking jurisdiction_id. Returns 0 with *c and
// *format set, or the status replied (404 naming noun for an unknown one).
static int load_named_case(struct request *req, const char *param, const char *noun,
                           enum open311_format *format, struct store_case **c)
{
    char id[32];
    if (!api_open311_segment_format(req, request_param(req, param), id, sizeof id, format))
        return req->status;
    int status = api_open311_read_begin(req, *format);
    if (status != 0)
        return status;
    int rc = load_case(req, id, c);
    if (rc == STORE_NOT_FOUND)
        return api_open311_error(req, *format, 404, "no such %s: %s", noun, id);
    if (rc != STORE_OK)
        return api_open311_error(req, *format, 500, "could not read the %s", noun);
    return 0;
}

static int get_request(struct request *req)
{
    enum open311_format format;
    struct store_case *c;
    int status = load_named_case(req, "id", "service_request_id", &format, &c);
    if (status != 0)
        return status;
    cJSON *list = cJSON_CreateArray();
    cJSON_AddItemToArray(list, api_open311_request_json(req, c, api_open311_locale_en(req, NULL)));
    return api_open311_reply(req, format, 200, list, "service_requests", "no-store");
}

// Ids are answered at once, so the token of a request is its id.
static int get_token(struct request *req)
{
    enum open311_format format;
    struct store_case *c;
    int status = load_named_case(req, "token", "token", &format, &c);
    if (status != 0)
        return status;
    cJSON *list = cJSON_CreateArray();
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "service_request_id", c->case_no);
    cJSON_AddStringToObject(item, "token", c->case_no);
    cJSON_AddItemToArray(list, item);
    return api_open311_reply(req, format, 200, list, "service_requests", "no-store");
}

// method, pattern, handler, flags, roles
const struct route API_OPEN311_ROUTES[] = {
    {"GET", "/open311/v2/discovery.json", discovery, 0, 0},
    {"GET", "/open311/v2/discovery.xml", discovery, 0, 0},
    {"GET", "/open311/v2/discovery", discovery, 0, 0},
    {"GET", "/open311/v2/services.json", services, 0, 0},
    {"GET", "/open311/v2/services.xml", services, 0, 0},
    {"GET", "/open311/v2/services", services, 0, 0},
    {"GET", "/open311/v2/services/:code", service_definition, 0, 0},
    {"GET", "/open311/v2/requests/:id", get_request, 0, 0},
    {"GET", "/open311/v2/tokens/:token", get_token, 0, 0},
};
const size_t API_OPEN311_ROUTE_COUNT = sizeof API_OPEN311_ROUTES / sizeof API_OPEN311_ROUTES[0];
