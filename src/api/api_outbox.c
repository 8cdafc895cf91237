// SPDX-License-Identifier: MIT
// The outbox over HTTP, for admins: the messages by state (pending, delivered,
// dead), newest first and keyset-paged by id; the replay of a dead letter
// (audited); and the registration of a hotline token's callback URL, which
// returns the new signing secret once.
#include "api.h"

#include "arena.h"
#include "errors.h"
#include "json.h"
#include "outbox.h"
#include "outbox_sender.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_admin.h"
#include "store_outbox.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OUTBOX_PAGE_DEFAULT = 50, OUTBOX_PAGE_MAX = 200 };

// Parses a whole positive decimal id. False when text is not one.
static bool parse_id(const char *text, int64_t *out)
{
    char *end = NULL;
    if (text == NULL || text[0] < '1' || text[0] > '9' || strlen(text) > 18)
        return false;
    *out = strtoll(text, &end, 10);
    return *end == '\0' && *out > 0;
}

static struct store_actor actor_of(const struct request *req)
{
    return (struct store_actor){req->user->id, role_name(req->user->role), req->user->display_name};
}

// Adds a time in ms, or null for 0 (never).
static void add_time_or_null(cJSON *item, const char *name, int64_t at)
{
    if (at > 0)
        json_add_int(item, name, at);
    else
        cJSON_AddNullToObject(item, name);
}

static void add_message(const struct store_outbox_message *m, void *data)
{
    cJSON *item = cJSON_CreateObject();
    json_add_int(item, "id", m->id);
    cJSON_AddStringToObject(item, "idempotency_key", m->idempotency_key);
    cJSON_AddStringToObject(item, "kind", m->kind);
    cJSON_AddStringToObject(item, "target", m->target);
    if (m->case_id > 0) {
        cJSON *c = cJSON_AddObjectToObject(item, "case");
        json_add_int(c, "id", m->case_id);
        cJSON_AddStringToObject(c, "case_no", m->case_no);
    } else {
        cJSON_AddNullToObject(item, "case");
    }
    cJSON *payload = cJSON_Parse(m->payload ? m->payload : "");
    cJSON_AddItemToObject(item, "payload", payload ? payload : cJSON_CreateNull());
    cJSON_AddStringToObject(item, "state", m->state);
    json_add_int(item, "attempts", m->attempts);
    json_add_int(item, "created_at", m->created_at);
    json_add_int(item, "next_attempt_at", m->next_attempt_at);
    add_time_or_null(item, "last_attempt_at", m->last_attempt_at);
    add_time_or_null(item, "delivered_at", m->delivered_at);
    json_add_string_or_null(item, "last_error", m->last_error[0] ? m->last_error : NULL);
    cJSON_AddItemToArray(data, item);
}

// GET /api/v1/admin/outbox?state=pending|delivered|dead&cursor=&limit=
static int list_outbox(struct request *req)
{
    const char *state = request_query(req, "state");
    if (state == NULL || state[0] == '\0')
        state = "dead";
    if (strcmp(state, "pending") != 0 && strcmp(state, "delivered") != 0 &&
        strcmp(state, "dead") != 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "state",
                                         "state must be pending, delivered or dead");
    int64_t cursor = 0, limit = OUTBOX_PAGE_DEFAULT;
    const char *text = request_query(req, "cursor");
    if (text != NULL && text[0] != '\0' && !parse_id(text, &cursor))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "cursor",
                                         "cursor must be the next_cursor of a page");
    text = request_query(req, "limit");
    if (text != NULL && (!parse_id(text, &limit) || limit > OUTBOX_PAGE_MAX))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "limit",
                                         "limit must be 1 to %d", OUTBOX_PAGE_MAX);
    cJSON *body = request_json_object(req);
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    if (store_outbox_list(req->server->store, state, cursor, (int)limit, add_message, items) !=
        STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not read the outbox");
    int count = cJSON_GetArraySize(items);
    if (count == (int)limit) {
        const cJSON *last = cJSON_GetObjectItem(cJSON_GetArrayItem(items, count - 1), "id");
        cJSON_AddStringToObject(body, "next_cursor",
                                arena_printf(req->arena, "%lld", (long long)last->valuedouble));
    } else {
        cJSON_AddNullToObject(body, "next_cursor");
    }
    struct store_outbox_counts counts;
    if (store_outbox_count(req->server->store, &counts) == STORE_OK) {
        cJSON *totals = cJSON_AddObjectToObject(body, "counts");
        json_add_int(totals, "pending", counts.pending);
        json_add_int(totals, "dead", counts.dead);
    }
    return request_reply_json(req, 200, body);
}

// POST /api/v1/admin/outbox/:id/replay: a dead letter is pending again, due now.
static int replay_message(struct request *req)
{
    int64_t id = 0;
    if (!parse_id(request_param(req, "id"), &id))
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such message");
    struct store_actor actor = actor_of(req);
    int rc = store_outbox_replay(req->server->store, id, &actor);
    if (rc == STORE_NOT_FOUND)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such message");
    if (rc == STORE_INVALID)
        return request_reply_error(req, 409, ERR_CONFLICT,
                                   "only a dead letter can be replayed; this one is not dead");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not replay the message");
    outbox_sender_wake();
    cJSON *body = request_json_object(req);
    json_add_int(body, "id", id);
    cJSON_AddStringToObject(body, "state", "pending");
    return request_reply_json(req, 200, body);
}

static void add_token(const struct store_token_row *row, void *data)
{
    cJSON *item = cJSON_CreateObject();
    json_add_int(item, "id", row->id);
    cJSON_AddStringToObject(item, "name", row->name);
    cJSON_AddStringToObject(item, "channel", row->channel);
    cJSON_AddStringToObject(item, "username", row->username);
    cJSON_AddBoolToObject(item, "disabled", row->disabled);
    json_add_int(item, "created_at", row->created_at);
    json_add_string_or_null(item, "callback_url", row->callback_url[0] ? row->callback_url : NULL);
    cJSON_AddItemToArray(data, item);
}

// GET /api/v1/admin/tokens: the API tokens with their callback URLs.
static int list_tokens(struct request *req)
{
    cJSON *body = request_json_object(req);
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    if (store_token_list(req->server->store, add_token, items) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not read the tokens");
    return request_reply_json(req, 200, body);
}

// PUT /api/v1/admin/tokens/:id/callback {url}: registers (or replaces) the
// token's callback and answers the new signing secret, shown this once.
static int put_callback(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"url", JSON_STRING, true, STORE_OUTBOX_URL_MAX},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, 1, &problem))
        return request_reply_problem(req, 400, &problem);
    int64_t id = 0;
    if (!parse_id(request_param(req, "id"), &id))
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such token");
    const char *url = json_get_string(req->json, "url");
    if (!outbox_url_valid(url, STORE_OUTBOX_URL_MAX))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "url",
                                         "the callback must be an http:// or https:// URL with "
                                         "a host and no user name");
    char *secret = arena_alloc(req->arena, STORE_OUTBOX_SECRET_HEX + 1);
    if (secret == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    outbox_secret_new(secret);
    struct store_actor actor = actor_of(req);
    int rc = store_token_callback_set(req->server->store, NULL, id, url, secret, &actor, NULL);
    if (rc == STORE_NOT_FOUND)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such token");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not store the callback");
    cJSON *body = request_json_object(req);
    json_add_int(body, "token_id", id);
    cJSON_AddStringToObject(body, "url", url);
    cJSON_AddStringToObject(body, "secret", secret);
    return request_reply_json(req, 200, body);
}

// method, pattern, handler, flags, roles
const struct route API_OUTBOX_ROUTES[] = {
    {"GET", "/api/v1/admin/outbox", list_outbox, ROUTE_AUTH, ROLE_ADMIN},
    {"POST", "/api/v1/admin/outbox/:id/replay", replay_message,
     ROUTE_AUTH | ROUTE_CSRF | ROUTE_WRITE, ROLE_ADMIN},
    {"GET", "/api/v1/admin/tokens", list_tokens, ROUTE_AUTH, ROLE_ADMIN},
    {"PUT", "/api/v1/admin/tokens/:id/callback", put_callback, ROUTE_STAFF_WRITE, ROLE_ADMIN},
};
const size_t API_OUTBOX_ROUTE_COUNT = sizeof API_OUTBOX_ROUTES / sizeof API_OUTBOX_ROUTES[0];
