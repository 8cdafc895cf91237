// SPDX-License-Identifier: MIT
// The admin audit log over HTTP: GET /api/v1/admin/audit lists audit_log
// entries (admin changes, snapshot publications), newest first, filtered by
// subject ("org_unit" or "org_unit:12") and time, keyset-paged by id.
// `chengguan audit verify` checks their hash chain.
#include "api.h"

#include "arena.h"
#include "errors.h"
#include "json.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { AUDIT_PAGE_DEFAULT = 100, AUDIT_PAGE_MAX = 500 };

// Parses a whole non-negative decimal integer. False when text is not one.
static bool parse_count(const char *text, int64_t *out)
{
    char *end = NULL;
    if (text == NULL || text[0] < '0' || text[0] > '9')
        return false;
    long long value = strtoll(text, &end, 10);
    *out = value;
    return *end == '\0' && value >= 0;
}

// Reads subject= ("kind" or "kind:id") into the filter. False when malformed.
static bool parse_subject(struct request *req, const char *text, struct store_audit_filter *f)
{
    const char *colon = strchr(text, ':');
    size_t len = colon ? (size_t)(colon - text) : strlen(text);
    if (len == 0 || len > 31 || strspn(text, "abcdefghijklmnopqrstuvwxyz_") != len)
        return false;
    char *kind = arena_strndup(req->arena, text, len);
    f->subject_kind = kind;
    return colon == NULL || (parse_count(colon + 1, &f->subject_id) && f->subject_id > 0);
}

static void add_entry(const struct store_audit_row *row, void *data)
{
    cJSON *item = cJSON_CreateObject();
    json_add_int(item, "id", row->id);
    json_add_int(item, "at", row->created_at);
    cJSON *actor = cJSON_AddObjectToObject(item, "actor");
    if (row->actor_user_id > 0)
        json_add_int(actor, "id", row->actor_user_id);
    else
        cJSON_AddNullToObject(actor, "id");
    cJSON_AddStringToObject(actor, "role", row->actor_role);
    cJSON_AddStringToObject(actor, "name", row->actor_name);
    cJSON_AddStringToObject(item, "action", row->action);
    cJSON *subject = cJSON_AddObjectToObject(item, "subject");
    cJSON_AddStringToObject(subject, "kind", row->subject_kind);
    json_add_int(subject, "id", row->subject_id);
    cJSON *facts = cJSON_Parse(row->data ? row->data : "");
    cJSON_AddItemToObject(item, "data", facts ? facts : cJSON_CreateNull());
    cJSON_AddStringToObject(item, "hash", row->hash);
    cJSON_AddItemToArray(data, item);
}

static int list_audit(struct request *req)
{
    struct store_audit_filter filter = {.limit = AUDIT_PAGE_DEFAULT};
    static const char *const NUMBERS[] = {"from", "to", "cursor", "limit"};
    int64_t values[4] = {0, 0, 0, AUDIT_PAGE_DEFAULT};
    for (size_t i = 0; i < 4; i++) {
        const char *text = request_query(req, NUMBERS[i]);
        if (text != NULL && (!parse_count(text, &values[i]) || (i == 3 && values[i] < 1)))
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, NUMBERS[i],
                                             "%s must be a non-negative integer%s", NUMBERS[i],
                                             i < 2 ? " (milliseconds since 1970)" : "");
    }
    filter.from_ms = values[0];
    filter.to_ms = values[1];
    filter.before_id = values[2];
    filter.limit = values[3] > AUDIT_PAGE_MAX ? AUDIT_PAGE_MAX : (int)values[3];
    const char *subject = request_query(req, "subject");
    if (subject != NULL && subject[0] != '\0' && !parse_subject(req, subject, &filter))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "subject",
                                         "subject is a kind (org_unit, user, street, grid_cell, "
                                         "category, calendar_day, ...) or kind:id");
    cJSON *body = request_json_object(req);
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    if (store_audit_log_list(req->server->store, &filter, add_entry, items) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not read the audit log");
    int count = cJSON_GetArraySize(items);
    if (count == filter.limit) {
        char next[32];
        const cJSON *last = cJSON_GetObjectItem(cJSON_GetArrayItem(items, count - 1), "id");
        snprintf(next, sizeof next, "%lld", (long long)last->valuedouble);
        cJSON_AddStringToObject(body, "next_cursor", next);
    } else {
        cJSON_AddNullToObject(body, "next_cursor");
    }
    return request_reply_json(req, 200, body);
}

// method, pattern, handler, flags, roles
const struct route API_AUDIT_ROUTES[] = {
    {"GET", "/api/v1/admin/audit", list_audit, ROUTE_AUTH, ROLE_ADMIN},
};
const size_t API_AUDIT_ROUTE_COUNT = sizeof API_AUDIT_ROUTES / sizeof API_AUDIT_ROUTES[0];
