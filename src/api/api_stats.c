// SPDX-License-Identifier: MIT
// The overview a leader (or the command centre) reads: counts of the cases in
// their jurisdiction by state, source, street and category, with the overdue
// and pending counts and the citizens' satisfaction.
#include "api.h"

#include "casefsm.h"
#include "errors.h"
#include "json.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_stats.h"

#include <string.h>

struct overview {
    cJSON *body, *by_state, *by_source, *by_street, *by_category, *satisfaction;
};

// Sets a count, replacing the zero the section started with.
static void set_count(cJSON *obj, const char *key, int64_t count)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, cJSON_CreateNumber((double)count));
    else
        json_add_int(obj, key, count);
}

static void add_row(const struct store_stats_row *row, void *data)
{
    struct overview *o = data;
    const char *section = row->section;
    if (strcmp(section, "totals") == 0) {
        json_add_int(o->body, row->key, row->count);
    } else if (strcmp(section, "state") == 0) {
        set_count(o->by_state, row->key, row->count);
    } else if (strcmp(section, "source") == 0) {
        json_add_int(o->by_source, row->key, row->count);
    } else if (strcmp(section, "rating") == 0) {
        set_count(o->satisfaction, row->key, row->count);
    } else if (strcmp(section, "street") == 0) {
        cJSON *street = cJSON_CreateObject();
        cJSON_AddStringToObject(street, "code", row->key);
        cJSON_AddStringToObject(street, "name", row->name);
        json_add_int(street, "open", row->count);
        json_add_int(street, "overdue", row->overdue);
        json_add_int(street, "closed", row->closed);
        cJSON_AddItemToArray(o->by_street, street);
    } else if (strcmp(section, "category") == 0) {
        cJSON *category = cJSON_CreateObject();
        json_add_int(category, "id", row->id);
        cJSON_AddStringToObject(category, "tree", row->tree);
        cJSON_AddStringToObject(category, "code", row->key);
        cJSON_AddStringToObject(category, "name_zh", row->name);
        cJSON_AddStringToObject(category, "name_en", row->name_en);
        json_add_int(category, "count", row->count);
        cJSON_AddItemToArray(o->by_category, category);
    }
}

static int overview(struct request *req)
{
    if (request_unchanged(req, request_data_etag(req, store_changes(req->server->store))))
        return req->status;
    struct overview o = {.body = request_json_object(req)};
    o.by_state = cJSON_AddObjectToObject(o.body, "by_state");
    for (int s = 0; s < CASEFSM_STATE_COUNT; s++)
        cJSON_AddNumberToObject(o.by_state, casefsm_state_name(s), 0);
    o.by_source = cJSON_AddObjectToObject(o.body, "by_source");
    o.by_street = cJSON_AddArrayToObject(o.body, "by_street");
    o.by_category = cJSON_AddArrayToObject(o.body, "by_category");
    o.satisfaction = cJSON_AddObjectToObject(o.body, "satisfaction");
    static const char *const RATINGS[] = {"satisfied", "basically_satisfied", "unsatisfied"};
    for (int i = 0; i < 3; i++)
        cJSON_AddNumberToObject(o.satisfaction, RATINGS[i], 0);
    int rc = store_stats_overview(req->server->store, &req->user->jurisdiction, store_now_ms(),
                                  add_row, &o);
    if (rc != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not count the cases");
    return request_reply_json(req, 200, o.body);
}

// method, pattern, handler, flags, roles
const struct route API_STATS_ROUTES[] = {
    {"GET", "/api/v1/stats/overview", overview, ROUTE_AUTH,
     ROLE_LEADER | ROLE_SUPERVISOR | ROLE_ADMIN},
};
const size_t API_STATS_ROUTE_COUNT = sizeof API_STATS_ROUTES / sizeof API_STATS_ROUTES[0];
