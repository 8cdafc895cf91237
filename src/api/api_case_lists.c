// SPDX-License-Identifier: MIT
// Case endpoints that return many rows: the filtered, searchable case list with
// keyset pages, a case's audit trail, and its likely duplicates. Everything is
// bound to the caller's jurisdiction; a case outside it is a 404.
#include "api.h"

#include "api_cases.h"
#include "arena.h"
#include "casefsm.h"
#include "errors.h"
#include "export.h"
#include "geo.h"
#include "json.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_case_lists.h"
#include "store_cases.h"
#include "store_places.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT_LIMIT  20
#define SEARCH_TEXT_MAX     200                     // bytes of q
#define DUPLICATE_WINDOW_MS (72 * INT64_C(3600000)) // created in the last 72 hours

// The query parameters of GET /api/v1/cases, checked.
struct list_query {
    struct store_case_filter filter;
    struct store_case_cursor after;
};

// Parses a positive decimal id of at most 18 digits; 0 when malformed.
static int64_t parse_positive(const char *text)
{
    if (text == NULL || *text == '\0' || strlen(text) > 18 ||
        strspn(text, "0123456789") != strlen(text))
        return 0;
    return strtoll(text, NULL, 10);
}

// A query parameter, or NULL when absent or empty (an empty filter filters nothing).
static const char *query_value(const struct request *req, const char *name)
{
    const char *value = request_query(req, name);
    return value != NULL && value[0] != '\0' ? value : NULL;
}

// Turns "reported,accepted" into ",reported,accepted," in arena memory. Returns
// NULL (after replying 400) on an unknown state name.
static const char *parse_states(struct request *req, const char *list, int *status)
{
    size_t len = strlen(list);
    char *out = arena_alloc(req->arena, len + 3);
    if (out == NULL) {
        *status = request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    out[0] = ',';
    size_t used = 1;
    for (const char *p = list; *p != '\0';) {
        size_t n = strcspn(p, ",");
        char name[16];
        int state = -1;
        if (n > 0 && n < sizeof name) {
            memcpy(name, p, n);
            name[n] = '\0';
            state = casefsm_state_from_name(name);
        }
        if (state < 0) {
            *status = request_reply_field_error(req, 400, ERR_INVALID_QUERY, "status",
                                                "status must be a comma list of case states");
            return NULL;
        }
        memcpy(out + used, p, n);
        used += n;
        out[used++] = ',';
        p += n;
        if (*p == ',')
            p++;
    }
    out[used] = '\0';
    return out;
}

static bool known_source(const char *source)
{
    static const char *const SOURCES[] = {"patrol", "web",   "12345",  "110",
                                          "12319",  "video", "leader", "media"};
    for (size_t i = 0; i < sizeof SOURCES / sizeof SOURCES[0]; i++)
        if (strcmp(source, SOURCES[i]) == 0)
            return true;
    return false;
}

// Sets the full-text filter from q. Returns 0 or the status replied.
static int parse_search(struct request *req, const char *q, struct store_case_filter *filter)
{
    size_t len = strlen(q);
    if (len > SEARCH_TEXT_MAX)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "q",
                                         "q is longer than %d bytes", SEARCH_TEXT_MAX);
    char *match = store_search_query(req->server->store, q, len);
    if (match == NULL)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "q", "q is not valid UTF-8");
    arena_defer(req->arena, free, match);
    filter->match = match;
    bool empty = match[0] == '\0';
    if (empty)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "q",
                                         "q has no letters, digits or characters to search for");
    return filter->match != NULL ? 0 : request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
}

// Sort, limit and cursor. Returns 0 or the status replied.
static int parse_paging(struct request *req, struct list_query *query)
{
    struct store_case_filter *f = &query->filter;
    const char *sort = query_value(req, "sort");
    if (sort == NULL || strcmp(sort, "newest") == 0)
        f->sort = STORE_CASE_SORT_NEWEST;
    else if (strcmp(sort, "deadline") == 0)
        f->sort = STORE_CASE_SORT_DEADLINE;
    else
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "sort",
                                         "sort must be deadline or newest");
    // A search lists newest filed first, walking the search index's own order.
    if (f->match != NULL && f->sort == STORE_CASE_SORT_NEWEST)
        f->sort = STORE_CASE_SORT_SEARCH;
    const char *limit = query_value(req, "limit");
    f->limit = LIST_DEFAULT_LIMIT;
    if (limit != NULL) {
        int64_t n = parse_positive(limit);
        if (n < 1 || n > STORE_CASE_LIST_MAX)
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "limit",
                                             "limit must be 1..%d", STORE_CASE_LIST_MAX);
        f->limit = (int)n;
    }
    const char *cursor = query_value(req, "cursor");
    if (cursor != NULL) {
        if (!store_case_cursor_decode(cursor, &query->after) || query->after.sort != f->sort)
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "cursor",
                                             "cursor is not one this list gave out for this sort");
        f->after = &query->after;
    }
    return 0;
}

// created_from and created_to: the reporting window [from, to) in ms since
// the epoch, as the assessment's period gives it (from_ms, to_ms), so that a
// count drills down to exactly its cases. Returns 0 or the status replied.
static int parse_created(struct request *req, struct store_case_filter *f)
{
    static const char *const NAMES[] = {"created_from", "created_to"};
    int64_t *bounds[] = {&f->created_from, &f->created_to};
    for (size_t i = 0; i < 2; i++) {
        const char *value = query_value(req, NAMES[i]);
        if (value != NULL && (*bounds[i] = parse_positive(value)) == 0)
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, NAMES[i],
                                             "%s must be a time in ms since 1970", NAMES[i]);
    }
    return 0;
}

// Fills the filters from the query string. Returns 0 or the status replied.
static int parse_filters(struct request *req, struct list_query *query)
{
    struct store_case_filter *f = &query->filter;
    int status = 0;
    const char *value;
    if ((value = query_value(req, "status")) != NULL &&
        (f->states = parse_states(req, value, &status)) == NULL)
        return status;
    if ((value = query_value(req, "category")) != NULL &&
        (f->category_id = parse_positive(value)) == 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "category",
                                         "category must be a category id");
    if ((value = query_value(req, "grid")) != NULL) {
        if (!geo_grid_code_valid(value))
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "grid",
                                             "grid must be a 15-digit cell code");
        // An unknown cell keeps nothing (an id no row has).
        if (store_grid_find(req->server->store, value, &f->grid_id) != STORE_OK)
            f->grid_id = INT64_MAX;
    }
    if ((value = query_value(req, "street")) != NULL) {
        if (!geo_street_code_valid(value))
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "street",
                                             "street must be a 9-digit street code");
        struct store_org_unit street;
        f->street_id = store_org_unit_find(req->server->store, value, &street) == STORE_OK &&
                               strcmp(street.type, "street") == 0
                           ? street.id
                           : INT64_MAX;
    }
    if ((value = query_value(req, "community")) != NULL) {
        if (!geo_community_code_valid(value))
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "community",
                                             "community must be a 12-digit community code");
        struct store_org_unit community;
        f->community_id = store_org_unit_find(req->server->store, value, &community) == STORE_OK &&
                                  strcmp(community.type, "community") == 0
                              ? community.id
                              : INT64_MAX;
    }
    if ((value = query_value(req, "reporter")) != NULL &&
        (f->reporter_id = parse_positive(value)) == 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "reporter",
                                         "reporter must be a user id");
    if ((status = parse_created(req, f)) != 0)
        return status;
    if ((value = query_value(req, "department")) != NULL &&
        (f->department_id = parse_positive(value)) == 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "department",
                                         "department must be an org unit id");
    if ((f->source = query_value(req, "source")) != NULL && !known_source(f->source))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "source",
                                         "source must be patrol, web, 12345, 110, 12319, video, "
                                         "leader or media");
    if ((value = query_value(req, "overdue")) != NULL) {
        if (strcmp(value, "1") != 0 && strcmp(value, "0") != 0)
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "overdue",
                                             "overdue must be 1 or 0");
        f->overdue = value[0] == '1';
        f->now_ms = store_now_ms();
    }
    f->viewer_id = req->user->id;
    if ((value = query_value(req, "mine")) != NULL) {
        if (strcmp(value, "1") != 0 && strcmp(value, "0") != 0)
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "mine",
                                             "mine must be 1 or 0");
        f->mine = value[0] == '1' ? STORE_MINE_ONLY : STORE_MINE_OTHERS;
    }
    if ((value = query_value(req, "q")) != NULL && (status = parse_search(req, value, f)) != 0)
        return status;
    return parse_paging(req, query);
}

struct list_rows {
    struct request *req;
    cJSON *items;
};

// One row of a list page: the case as staff see it, without its photos (the page
// is one statement; GET /cases/:id has the photos).
static void add_row(const struct store_case *c, void *data)
{
    struct list_rows *rows = data;
    cJSON_AddItemToArray(rows->items, api_case_row_json(rows->req, c));
}

static int list_cases(struct request *req)
{
    struct list_query query = {0};
    int status = parse_filters(req, &query);
    if (status != 0)
        return status;
    query.filter.jurisdiction = &req->user->jurisdiction;
    const char *format = query_value(req, "format");
    if (format != NULL) {
        enum export_format export_format;
        if (!export_format_parse(format, &export_format))
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "format",
                                             "format must be csv or xlsx");
        return api_case_export(req, &query.filter, export_format);
    }
    // A queue polled with nothing changed costs a 304, not a query.
    if (request_unchanged(req, request_data_etag(req, store_changes(req->server->store))))
        return req->status;
    bool more = false;
    struct store_case_cursor next;
    cJSON *body = request_json_object(req);
    struct list_rows rows = {req, cJSON_AddArrayToObject(body, "items")};
    if (store_case_list(req->server->store, &query.filter, add_row, &rows, &more, &next) !=
        STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not list cases");
    if (more) {
        char cursor[STORE_CASE_CURSOR_SIZE];
        store_case_cursor_encode(&next, cursor);
        cJSON_AddStringToObject(body, "next_cursor", cursor);
    } else {
        cJSON_AddNullToObject(body, "next_cursor");
    }
    return request_reply_json(req, 200, body);
}

static void add_event(const struct store_case_event *e, void *data)
{
    cJSON *item = cJSON_CreateObject();
    json_add_int(item, "id", e->id);
    cJSON_AddStringToObject(item, "action", e->action);
    json_add_string_or_null(item, "from", e->from_state[0] ? e->from_state : NULL);
    cJSON_AddStringToObject(item, "to", e->to_state);
    cJSON *actor = cJSON_AddObjectToObject(item, "actor");
    if (e->actor_user_id > 0)
        json_add_int(actor, "id", e->actor_user_id);
    else
        cJSON_AddNullToObject(actor, "id");
    cJSON_AddStringToObject(actor, "role", e->actor_role);
    cJSON_AddStringToObject(actor, "name", e->actor_name);
    cJSON_AddStringToObject(item, "note", e->note);
    cJSON_AddStringToObject(item, "public_note", e->public_note);
    cJSON *facts = cJSON_ParseWithLength(e->data, strlen(e->data));
    cJSON_AddItemToObject(item, "data", facts != NULL ? facts : cJSON_CreateObject());
    json_add_int(item, "created_at", e->created_at);
    cJSON_AddStringToObject(item, "hash", e->hash);
    cJSON_AddItemToArray(data, item);
}

static int case_events(struct request *req)
{
    struct store_case *c;
    int status = api_case_load_visible(req, &c);
    if (status != 0)
        return status;
    cJSON *body = request_json_object(req);
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    if (store_case_events(req->server->store, c->id, add_event, items) != STORE_OK) {
        return request_reply_error(req, 500, ERR_INTERNAL, "could not read the events");
    }
    return request_reply_json(req, 200, body);
}

struct duplicate_hit {
    int64_t id;
    double distance_m;
    bool same_grid;
};

struct duplicate_hits {
    size_t count;
    struct duplicate_hit hits[STORE_CASE_DUPLICATES_MAX];
};

static void collect_duplicate(int64_t id, double distance_m, bool same_grid, void *data)
{
    struct duplicate_hits *found = data;
    if (found->count < STORE_CASE_DUPLICATES_MAX)
        found->hits[found->count++] = (struct duplicate_hit){id, distance_m, same_grid};
}

static cJSON *duplicate_json(const struct store_case *c, const struct duplicate_hit *hit)
{
    cJSON *item = cJSON_CreateObject();
    json_add_int(item, "id", c->id);
    cJSON_AddStringToObject(item, "case_no", c->case_no);
    cJSON_AddStringToObject(item, "state", casefsm_state_name(c->state));
    cJSON_AddStringToObject(item, "description", c->description);
    if (isnan(hit->distance_m))
        cJSON_AddNullToObject(item, "distance_m");
    else
        cJSON_AddNumberToObject(item, "distance_m", round(hit->distance_m * 10) / 10);
    cJSON_AddBoolToObject(item, "same_grid", hit->same_grid);
    json_add_int(item, "created_at", c->created_at);
    return item;
}

static int case_duplicates(struct request *req)
{
    struct store_case *c;
    int status = api_case_load_visible(req, &c);
    if (status != 0)
        return status;
    struct store_case *other = arena_alloc(req->arena, sizeof *other);
    struct duplicate_hits *found = arena_alloc(req->arena, sizeof *found);
    if (other == NULL || found == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    struct store *store = req->server->store;
    if (store_case_find_duplicates(store, c->id, c->category_id, c->grid_id, c->has_location,
                                   c->lat, c->lon, store_now_ms() - DUPLICATE_WINDOW_MS,
                                   collect_duplicate, found) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not search for duplicates");
    cJSON *body = request_json_object(req);
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    for (size_t i = 0; i < found->count; i++)
        if (store_case_get(store, found->hits[i].id, other) == STORE_OK &&
            api_case_visible(req, other))
            cJSON_AddItemToArray(items, duplicate_json(other, &found->hits[i]));
    return request_reply_json(req, 200, body);
}

// method, pattern, handler, flags, roles
const struct route API_CASE_LIST_ROUTES[] = {
    {"GET", "/api/v1/cases", list_cases, ROUTE_AUTH, ROLE_ANY_STAFF},
    {"GET", "/api/v1/cases/:id/events", case_events, ROUTE_AUTH, ROLE_ANY_STAFF},
    {"GET", "/api/v1/cases/:id/duplicates", case_duplicates, ROUTE_AUTH, ROLE_ANY_STAFF},
};
const size_t API_CASE_LIST_ROUTE_COUNT =
    sizeof API_CASE_LIST_ROUTES / sizeof API_CASE_LIST_ROUTES[0];
