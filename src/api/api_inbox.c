// SPDX-License-Identifier: MIT
// The inbox of the caller's org unit: the reminders (催办) and supervision
// notices (督办) the escalation scheduler sent (store_escalation.h), newest
// first, keyset-paged by id; a leader also reads the ones for the unit's
// leaders. Marking one read is one write.
#include "api.h"

#include "errors.h"
#include "json.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_escalation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INBOX_DEFAULT_LIMIT 50
#define INBOX_MAX_LIMIT     200

// A positive decimal number of at most 18 digits, else 0.
static int64_t parse_positive(const char *text)
{
    if (text == NULL || *text == '\0' || strlen(text) > 18 ||
        strspn(text, "0123456789") != strlen(text))
        return 0;
    return strtoll(text, NULL, 10);
}

static struct store_inbox_owner owner_of(const struct request *req)
{
    return (struct store_inbox_owner){req->user->org_unit_id, req->user->role == ROLE_LEADER};
}

static void add_item(const struct store_inbox_item *item, void *data)
{
    cJSON *o = cJSON_CreateObject();
    json_add_int(o, "id", item->id);
    cJSON_AddStringToObject(o, "kind", item->kind);
    cJSON_AddStringToObject(o, "audience", item->audience);
    cJSON_AddStringToObject(o, "level", item->level);
    json_add_int(o, "case_id", item->case_id);
    cJSON_AddStringToObject(o, "case_no", item->case_no);
    cJSON_AddStringToObject(o, "stage", item->stage);
    json_add_string_or_null(o, "phase", item->phase[0] ? item->phase : NULL);
    if (item->deadline > 0)
        json_add_int(o, "deadline", item->deadline);
    else
        cJSON_AddNullToObject(o, "deadline");
    json_add_int(o, "created_at", item->created_at);
    if (item->read_at > 0)
        json_add_int(o, "read_at", item->read_at);
    else
        cJSON_AddNullToObject(o, "read_at");
    cJSON_AddItemToArray(data, o);
}

static int list_inbox(struct request *req)
{
    const char *unread = request_query(req, "unread");
    const char *limit_text = request_query(req, "limit");
    const char *cursor = request_query(req, "cursor");
    if (unread != NULL && strcmp(unread, "1") != 0 && strcmp(unread, "0") != 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "unread",
                                         "unread must be 1 or 0");
    int64_t limit = limit_text != NULL ? parse_positive(limit_text) : INBOX_DEFAULT_LIMIT;
    if (limit < 1 || limit > INBOX_MAX_LIMIT)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "limit",
                                         "limit must be 1..%d", INBOX_MAX_LIMIT);
    int64_t before = cursor != NULL ? parse_positive(cursor) : 0;
    if (cursor != NULL && before == 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "cursor",
                                         "cursor is not one this list gave out");
    if (request_unchanged(req, request_data_etag(req, store_changes(req->server->store))))
        return req->status;
    struct store_inbox_owner owner = owner_of(req);
    cJSON *body = request_json_object(req);
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    bool more = false;
    int rc = store_inbox_list(req->server->store, &owner, unread != NULL && unread[0] == '1',
                              before, (int)limit, add_item, items, &more);
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not list the inbox");
    cJSON *last = cJSON_GetArrayItem(items, cJSON_GetArraySize(items) - 1);
    if (more && last != NULL) {
        char next[24];
        snprintf(next, sizeof next, "%lld",
                 (long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(last, "id")));
        cJSON_AddStringToObject(body, "next_cursor", next);
    } else {
        cJSON_AddNullToObject(body, "next_cursor");
    }
    return request_reply_json(req, 200, body);
}

static int mark_read(struct request *req)
{
    int64_t id = parse_positive(request_param(req, "id"));
    struct store_inbox_owner owner = owner_of(req);
    int rc = id > 0 ? store_inbox_mark_read(req->server->store, &owner, id, req->user->id,
                                            store_now_ms())
                    : STORE_NOT_FOUND;
    if (rc == STORE_NOT_FOUND)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such message in your inbox");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not mark the message read");
    cJSON *body = request_json_object(req);
    json_add_int(body, "id", id);
    cJSON_AddBoolToObject(body, "read", true);
    return request_reply_json(req, 200, body);
}

// method, pattern, handler, flags, roles
const struct route API_INBOX_ROUTES[] = {
    {"GET", "/api/v1/inbox", list_inbox, ROUTE_AUTH, 0},
    {"POST", "/api/v1/inbox/:id/read", mark_read, ROUTE_AUTH | ROUTE_CSRF | ROUTE_WRITE, 0},
};
const size_t API_INBOX_ROUTE_COUNT = sizeof API_INBOX_ROUTES / sizeof API_INBOX_ROUTES[0];
