// SPDX-License-Identifier: MIT
// Open311 service requests in bulk: the public list (by ids, or by service,
// dates, status and page) and filing one with an API token's api_key, as a
// form (what the specification's clients send) or a JSON object. A filed
// request is a case filed exactly as the hotline intake files it.
#include "api.h"
#include "api_intake.h"
#include "api_open311.h"
#include "api_places.h"

#include "arena.h"
#include "auth.h"
#include "json.h"
#include "jurisdiction.h"
#include "request.h"
#include "server.h"
#include "store.h"
#include "store_case_lists.h"
#include "store_cases.h"
#include "store_categories.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WINDOW_MS       (90LL * 86400000) // the default and longest date window
#define PAGE_SIZE_MAX   1000              // requests on one page (the specification's most)
#define PAGE_REACH_MAX  10000             // page * page_size at most
#define REQUEST_IDS_MAX 100               // ids in one service_request_id list

// ---- GET requests ----

struct page_walk {
    struct request *req;
    bool en;
    cJSON *list;
    int skip;     // cases still to pass over before the page
    int wanted;   // cases still to add
    int64_t *ids; // ids of the page's cases, rendered after the walk
    int count;
};

static void on_case(const struct store_case *c, void *data)
{
    struct page_walk *walk = data;
    if (walk->skip > 0) {
        walk->skip--;
        return;
    }
    if (walk->wanted > 0) {
        walk->ids[walk->count++] = c->id;
        walk->wanted--;
    }
}

// Reads a positive integer query parameter (fallback when absent). Returns
// false for anything else or more than max.
static bool query_count(struct request *req, const char *name, long fallback, long max, long *out)
{
    const char *text = request_query(req, name);
    if (text == NULL) {
        *out = fallback;
        return true;
    }
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || value < 1 || value > max)
        return false;
    *out = value;
    return true;
}

// The window of requested_datetime from start_date and end_date: both absent,
// the last 90 days; one of them, 90 days from or to it. Returns 0, or replies 400.
static int read_window(struct request *req, enum open311_format format, int64_t *from, int64_t *to)
{
    const char *start = request_query(req, "start_date"), *end = request_query(req, "end_date");
    int offset = server_calendar(req)->utc_offset_minutes;
    if (start != NULL && !open311_datetime_parse(start, offset, from))
        return api_open311_error(req, format, 400,
                                 "start_date must be a W3C date-time, such as "
                                 "2026-11-05T08:15:30+08:00");
    if (end != NULL && !open311_datetime_parse(end, offset, to))
        return api_open311_error(req, format, 400,
                                 "end_date must be a W3C date-time, such as "
                                 "2026-11-05T08:15:30+08:00");
    if (start == NULL && end == NULL)
        *to = store_now_ms();
    if (start == NULL)
        *from = *to - WINDOW_MS;
    if (end == NULL && start != NULL)
        *to = *from + WINDOW_MS;
    if (*to < *from)
        return api_open311_error(req, format, 400, "end_date is before start_date");
    if (*to - *from > WINDOW_MS)
        return api_open311_error(req, format, 400,
                                 "start_date to end_date may span 90 days at "
                                 "most");
    return 0;
}

// The requests of a service_request_id list, in its order; unknown ids are
// left out. Returns the status replied.
static int list_by_ids(struct request *req, enum open311_format format, const char *ids, bool en)
{
    cJSON *list = request_own_json(req, cJSON_CreateArray());
    int count = 0;
    for (const char *p = ids; *p != '\0';) {
        size_t len = strcspn(p, ",");
        char id[32];
        if (++count > REQUEST_IDS_MAX || len >= sizeof id)
            return api_open311_error(req, format, 400,
                                     count > REQUEST_IDS_MAX
                                         ? "service_request_id lists at most 100 ids"
                                         : "a service_request_id is 14 digits");
        memcpy(id, p, len);
        id[len] = '\0';
        p += len + (p[len] == ',');
        struct store_case *c = arena_alloc(req->arena, sizeof *c);
        if (c == NULL || strlen(id) != 14 || strspn(id, "0123456789") != 14)
            continue;
        if (store_case_get_by_no(req->server->store, id, c) == STORE_OK)
            cJSON_AddItemToArray(list, api_open311_request_json(req, c, en));
    }
    return api_open311_reply(req, format, 200, list, "service_requests", "no-store");
}

// Walks the filter's cases newest first, statement page by statement page,
// into walk. Returns STORE_OK, STORE_INVALID or STORE_ERROR.
static int walk_cases(struct request *req, struct store_case_filter *filter, struct page_walk *walk)
{
    struct store_case_cursor next;
    bool more = true;
    filter->after = NULL;
    while (more && walk->wanted > 0) {
        filter->limit = STORE_CASE_LIST_MAX;
        int rc = store_case_list(req->server->store, filter, on_case, walk, &more, &next);
        if (rc != STORE_OK)
            return rc;
        struct store_case_cursor *after = arena_alloc(req->arena, sizeof *after);
        if (after == NULL)
            return STORE_ERROR;
        *after = next;
        filter->after = after;
    }
    return STORE_OK;
}

static int list_requests(struct request *req)
{
    enum open311_format format = api_open311_path_format(req);
    int status = api_open311_read_begin(req, format);
    if (status != 0)
        return status;
    bool en = api_open311_locale_en(req, NULL);
    const char *ids = request_query(req, "service_request_id");
    if (ids != NULL && ids[0] != '\0') // the other filters are ignored then
        return list_by_ids(req, format, ids, en);
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    struct store_case_filter filter = {
        .jurisdiction = &everywhere, .sort = STORE_CASE_SORT_NEWEST, .now_ms = store_now_ms()};
    const char *service_code = request_query(req, "service_code");
    if (service_code != NULL) {
        struct store_category category;
        int rc = api_open311_find_service(req, service_code, &category);
        if (rc == STORE_NOT_FOUND)
            return api_open311_error(req, format, 400, "no such service_code: %.40s", service_code);
        if (rc != STORE_OK)
            return api_open311_error(req, format, 500, "could not read the service");
        filter.category_id = category.id;
    }
    int64_t from = 0, to = 0;
    if ((status = read_window(req, format, &from, &to)) != 0)
        return status;
    filter.created_from = from;
    // end_date is inclusive, of its whole second when it names no fraction (as
    // the dates answered do, so one passed back finds its request).
    filter.created_to = to % 1000 == 0 ? to + 1000 : to + 1;
    const char *status_text = request_query(req, "status");
    int statuses = status_text ? open311_status_parse(status_text)
                               : OPEN311_STATUS_OPEN | OPEN311_STATUS_CLOSED;
    if (statuses == 0)
        return api_open311_error(req, format, 400, "status must be open, closed or open,closed");
    if (statuses == OPEN311_STATUS_OPEN)
        filter.states = ",reported,verifying,accepted,dispatched,processing,suspended,handled,"
                        "checked,";
    else if (statuses == OPEN311_STATUS_CLOSED)
        filter.states = ",closed,rejected,merged,";
    long page = 1, page_size = PAGE_SIZE_MAX;
    if (!query_count(req, "page", 1, PAGE_REACH_MAX, &page) ||
        !query_count(req, "page_size", PAGE_SIZE_MAX, PAGE_SIZE_MAX, &page_size))
        return api_open311_error(req, format, 400,
                                 "page and page_size are whole numbers from 1; "
                                 "page_size at most 1000");
    if (page * page_size > PAGE_REACH_MAX)
        return api_open311_error(req, format, 400,
                                 "page * page_size may be at most 10000: narrow the dates");
    struct page_walk walk = {req,
                             en,
                             NULL,
                             (int)((page - 1) * page_size),
                             (int)page_size,
                             arena_alloc(req->arena, (size_t)page_size * sizeof(int64_t)),
                             0};
    if (walk.ids == NULL || walk_cases(req, &filter, &walk) != STORE_OK)
        return api_open311_error(req, format, 500, "could not list the requests");
    cJSON *list = cJSON_CreateArray();
    struct store_case *c = arena_alloc(req->arena, sizeof *c);
    for (int i = 0; c != NULL && i < walk.count; i++)
        if (store_case_get(req->server->store, walk.ids[i], c) == STORE_OK)
            cJSON_AddItemToArray(list, api_open311_request_json(req, c, en));
    return api_open311_reply(req, format, 200, list, "service_requests", "no-store");
}

// ---- POST requests ----

// The members a filing may carry; attribute[...] members are allowed too
// (no service has attributes, so they are ignored).
static const char *const POST_FIELDS[] = {
    "api_key",    "jurisdiction_id", "service_code", "lat",        "long",       "address_string",
    "address_id", "email",           "device_id",    "account_id", "first_name", "last_name",
    "phone",      "description",     "media_url",    "locale",
};

// A member as text: a string, or a number (JSON clients) printed; NULL when
// absent or empty.
static const char *member_text(struct request *req, const cJSON *body, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(body, name);
    if (cJSON_IsNumber(item))
        return arena_printf(req->arena, "%.10g", item->valuedouble);
    const char *text = cJSON_IsString(item) ? item->valuestring : NULL;
    return text != NULL && text[0] != '\0' ? text : NULL;
}

// The body as an object of members: a form, or a JSON object. Replies 400 for
// anything else and returns NULL.
static cJSON *read_body(struct request *req, enum open311_format format)
{
    const char *type = request_header(req, "Content-Type");
    struct json_problem problem;
    cJSON *body = NULL;
    if (type != NULL && strncasecmp(type, "application/json", 16) == 0)
        body = json_parse_object(req->body, req->body_len, &problem);
    else if (type == NULL || strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0)
        body = json_parse_form(req->body ? req->body : "", req->body_len, &problem);
    else
        snprintf(problem.message, sizeof problem.message, "%s",
                 "send the request as application/x-www-form-urlencoded or application/json");
    if (body == NULL) {
        api_open311_error(req, format, 400, "%s", problem.message);
        return NULL;
    }
    request_own_json(req, body);
    const cJSON *item;
    cJSON_ArrayForEach(item, body)
    {
        bool known = strncmp(item->string, "attribute[", 10) == 0;
        for (size_t i = 0; !known && i < sizeof POST_FIELDS / sizeof POST_FIELDS[0]; i++)
            known = strcmp(item->string, POST_FIELDS[i]) == 0;
        if (!known || !(cJSON_IsString(item) || cJSON_IsNumber(item))) {
            api_open311_error(req, format, 400,
                              known ? "field %.60s must be text" : "unknown field %.60s",
                              item->string);
            return NULL;
        }
        if (cJSON_IsString(item) && strlen(item->valuestring) > CASE_DESCRIPTION_MAX) {
            api_open311_error(req, format, 400, "field %.60s is too long", item->string);
            return NULL;
        }
    }
    return body;
}

// Reads a coordinate within [-limit, limit]. Returns false when malformed.
static bool coordinate(const char *text, double limit, double *out)
{
    char *end = NULL;
    double value = strtod(text, &end);
    if (end == text || *end != '\0' || !(value >= -limit && value <= limit))
        return false;
    *out = value;
    return true;
}

// Fills the intake's location from lat/long, or takes address_string, which
// the intake places as every intake does (README "Geocoding on intake": an
// exact house number or landmark; else the case is filed unplaced). Returns 0 or the
// status replied.
static int read_location(struct request *req, enum open311_format format, const cJSON *body,
                         struct case_intake *in)
{
    const char *lat = member_text(req, body, "lat"), *lon = member_text(req, body, "long");
    in->address = member_text(req, body, "address_string");
    if ((lat == NULL) != (lon == NULL))
        return api_open311_error(req, format, 400, "send lat and long together");
    if (lat != NULL) {
        if (!coordinate(lat, 90, &in->lat) || !coordinate(lon, 180, &in->lon))
            return api_open311_error(req, format, 400,
                                     "lat must be in [-90, 90] and long in [-180, 180]");
        in->has_location = true;
        return 0;
    }
    if (in->address == NULL)
        return api_open311_error(req, format, 400,
                                 member_text(req, body, "address_id")
                                     ? "address_id is not supported here: send lat and long, "
                                       "or address_string"
                                     : "a location is required: lat and long, or address_string");
    return 0; // the intake places it when the gazetteer is certain of the address
}

// The caller's name as one: "first last", either may be missing; NULL when none.
static const char *caller_name(struct request *req, const cJSON *body)
{
    const char *first = member_text(req, body, "first_name");
    const char *last = member_text(req, body, "last_name");
    if (first == NULL || last == NULL)
        return first ? first : last;
    return arena_printf(req->arena, "%s %s", first, last);
}

static int post_request(struct request *req)
{
    enum open311_format format = api_open311_path_format(req);
    int status = api_open311_count(req, format, true);
    if (status != 0)
        return status;
    cJSON *body = read_body(req, format);
    if (body == NULL)
        return req->status;
    const char *api_key = member_text(req, body, "api_key");
    if (api_key == NULL)
        api_key = request_query(req, "api_key");
    int rc = api_key ? auth_token_sign_in(req, api_key) : STORE_NOT_FOUND;
    if (rc == STORE_ERROR)
        return api_open311_error(req, format, 503, "cannot check the api_key now");
    if (rc != STORE_OK)
        return api_open311_error(req, format, 403, "invalid api_key");
    if ((status = api_open311_check_jurisdiction(req, format, body)) != 0)
        return status;
    const char *service_code = member_text(req, body, "service_code");
    struct store_category category;
    rc = service_code ? api_open311_find_service(req, service_code, &category) : STORE_NOT_FOUND;
    if (rc == STORE_ERROR)
        return api_open311_error(req, format, 500, "could not read the service");
    if (rc != STORE_OK)
        return api_open311_error(req, format, 400,
                                 service_code ? "no such service_code: %.40s"
                                              : "service_code is required%.0s",
                                 service_code ? service_code : "");
    struct case_intake in = {0};
    if ((status = read_location(req, format, body, &in)) != 0)
        return status;
    const char *phone = member_text(req, body, "phone");
    if (phone != NULL && (strspn(phone, "0123456789-+ ") != strlen(phone) || strlen(phone) > 31))
        return api_open311_error(req, format, 400,
                                 "phone may hold only digits, spaces, '+' and '-' (31 at most)");
    const char *name = caller_name(req, body);
    if (name != NULL && strlen(name) > 63)
        return api_open311_error(req, format, 400, "first_name and last_name: 63 bytes at most");
    // Without words of the caller, the service's name says what it is about.
    const char *description = member_text(req, body, "description");
    bool blank = description == NULL || description[strspn(description, " \t\r\n")] == '\0';
    in.description = blank ? category.name_zh : description;
    in.category_id = category.id;
    in.citizen_name = name;
    in.citizen_phone = phone;
    in.source = req->user->channel;
    in.api_token_id = req->user->token_id; // its platform's callback hears of the case
    char grid_code[16];
    if (api_intake_place(req, &in, grid_code) == API_INTAKE_OUTSIDE)
        return api_open311_error(req, format, 400,
                                 "lat/long lie in grid cell %s, outside the area of this api_key",
                                 grid_code);
    struct store_case *c = arena_alloc(req->arena, sizeof *c);
    if (c == NULL)
        return api_open311_error(req, format, 500, "out of memory");
    rc = api_intake_create(req, &in, c);
    if (rc != STORE_OK)
        return api_open311_error(req, format, rc == STORE_FULL ? 507 : 500,
                                 "could not save the request");
    cJSON *list = cJSON_CreateArray();
    cJSON *item = cJSON_CreateObject();
    cJSON_AddItemToArray(list, item);
    cJSON_AddStringToObject(item, "service_request_id", c->case_no);
    cJSON_AddStringToObject(item, "service_notice",
                            api_open311_locale_en(req, body)
                                ? "Filed; follow it with GET requests/:service_request_id"
                                : "已受理，可用 service_request_id 查询进度");
    json_add_string_or_null(item, "account_id", member_text(req, body, "account_id"));
    return api_open311_reply(req, format, 201, list, "service_requests", "no-store");
}

// method, pattern, handler, flags, roles
const struct route API_OPEN311_REQUEST_ROUTES[] = {
    {"GET", "/open311/v2/requests.json", list_requests, 0, 0},
    {"GET", "/open311/v2/requests.xml", list_requests, 0, 0},
    {"GET", "/open311/v2/requests", list_requests, 0, 0},
    {"POST", "/open311/v2/requests.json", post_request, ROUTE_FORM | ROUTE_WRITE, 0},
    {"POST", "/open311/v2/requests.xml", post_request, ROUTE_FORM | ROUTE_WRITE, 0},
    {"POST", "/open311/v2/requests", post_request, ROUTE_FORM | ROUTE_WRITE, 0},
};
const size_t API_OPEN311_REQUEST_ROUTE_COUNT =
    sizeof API_OPEN311_REQUEST_ROUTES / sizeof API_OPEN311_REQUEST_ROUTES[0];
