// SPDX-License-Identifier: MIT
// A hotline platform's side of its cases, with its API token: read a ticket back
// by its number (status and the public timeline), fetch the photos of the fix
// its callbacks link, and post its satisfaction call's result (回访), which counts
// like a citizen's rating. Only the cases the token filed: another's are 404.
#include "api.h"
#include "api_public.h"

#include "arena.h"
#include "errors.h"
#include "json.h"
#include "log.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_attachments.h"
#include "store_case_lists.h"
#include "store_cases.h"
#include "store_outbox.h"

#include <stdio.h>
#include <string.h>

#define HOTLINE_NOT_FOUND "no ticket with this number filed by this token"

// The case the token filed as ticket :external_id, in request memory; NULL
// after replying (404 for another token's ticket too) with the status in
// *status.
static struct store_case *ticket_or_reply(struct request *req, int *status)
{
    struct store_case *c = arena_alloc(req->arena, sizeof *c);
    if (c == NULL) {
        *status = request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    const char *external = request_param(req, "external_id");
    int64_t id = 0;
    int rc = store_hotline_case_find(req->server->store, req->user->token_id, req->user->id,
                                     req->user->channel, external, &id);
    if (rc == STORE_NOT_FOUND) {
        *status = request_reply_error(req, 404, ERR_NOT_FOUND, HOTLINE_NOT_FOUND);
        return NULL;
    }
    if (rc == STORE_OK)
        rc = store_case_get(req->server->store, id, c);
    if (rc != STORE_OK) {
        *status = request_reply_store_error(req, rc, "could not load the case");
        return NULL;
    }
    return c;
}

// GET /api/v1/intake/hotline/:external_id: the status and the public timeline,
// without personal data (the caller's name and phone are left out).
static int get_ticket(struct request *req)
{
    int status = 0;
    struct store_case *c = ticket_or_reply(req, &status);
    if (c == NULL)
        return status;
    cJSON *body = api_public_case_json(req, c);
    if (body == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not read the timeline");
    cJSON_DeleteItemFromObjectCaseSensitive(body, "citizen");
    cJSON_AddStringToObject(body, "external_id", c->external_id);
    return request_reply_json(req, 200, body);
}

struct photo_search {
    const char *hash;
    bool found;
    char mime[32];
};

static void match_photo(const char *hash, const char *mime, int64_t size, const char *stage,
                        int64_t created_at, void *data)
{
    (void)size, (void)created_at;
    struct photo_search *search = data;
    if (strcmp(hash, search->hash) == 0 &&
        (strcmp(stage, "before") == 0 || strcmp(stage, "after") == 0)) {
        search->found = true;
        snprintf(search->mime, sizeof search->mime, "%s", mime);
    }
}

// GET /api/v1/intake/hotline/:external_id/photos/:hash: a photo of the fix
// (before or after) of the token's case, as its handled callback links it.
static int get_ticket_photo(struct request *req)
{
    int status = 0;
    struct store_case *c = ticket_or_reply(req, &status);
    if (c == NULL)
        return status;
    struct photo_search search = {request_param(req, "hash"), false, ""};
    if (!store_attachment_hash_valid(search.hash))
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such photo");
    if (store_case_attachments(req->server->store, c->id, match_photo, &search) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not look the photo up");
    if (!search.found)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such photo");
    uint64_t file_size = 0;
    int fd = store_attachment_open_file(req->server->config.data_dir, search.hash, &file_size);
    if (fd < 0) {
        log_error("request %s: the file of photo %s is missing", req->request_id, search.hash);
        return request_reply_error(req, 500, ERR_INTERNAL, "the photo file is missing");
    }
    return request_reply_fd(req, 200, search.mime, fd, file_size);
}

// POST /api/v1/intake/hotline/:external_id/visit {result, note}: the platform's
// satisfaction call (回访) on a closed case: satisfied, basically (basically
// satisfied) or dissatisfied, stored as the closure's rating (source hotline);
// a dissatisfied one inside the reopen window reopens the case, as a citizen's
// would.
static int post_visit(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"result", JSON_STRING, true, 16},
        {"note", JSON_STRING, false, CASE_NOTE_MAX},
    };
    static const char *const RESULTS[][2] = {
        {"satisfied", "satisfied"},
        {"basically", "basically_satisfied"},
        {"dissatisfied", "unsatisfied"},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    const char *result = json_get_string(req->json, "result");
    const char *rating = NULL;
    for (size_t i = 0; i < sizeof RESULTS / sizeof RESULTS[0]; i++)
        if (strcmp(result, RESULTS[i][0]) == 0)
            rating = RESULTS[i][1];
    if (rating == NULL)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "result",
                                         "result must be satisfied, basically or dissatisfied");
    int status = 0;
    struct store_case *c = ticket_or_reply(req, &status);
    if (c == NULL)
        return status;
    bool reopened = false;
    struct store_case_rating visit = {
        .case_id = c->id,
        .rating = rating,
        .comment = json_get_string(req->json, "note"),
        .source = "hotline",
        .calendar = server_calendar(req),
        .reopen_window_ms = req->server->config.reopen_window_days * 86400000LL,
        .reopened = &reopened,
    };
    int rc = store_case_rate(req->server->store, &visit);
    if (rc == STORE_INVALID)
        return request_reply_error(req, 409, ERR_ILLEGAL_TRANSITION,
                                   "only a closed case can be visited");
    if (rc == STORE_CONFLICT)
        return request_reply_error(req, 409, ERR_CONFLICT,
                                   "this closure has a rating or visit already");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not store the visit");
    if (store_case_get(req->server->store, c->id, c) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not load the case");
    cJSON *body = request_json_object(req);
    cJSON_AddStringToObject(body, "external_id", c->external_id);
    cJSON_AddStringToObject(body, "case_no", c->case_no);
    cJSON_AddStringToObject(body, "rating", rating);
    cJSON_AddBoolToObject(body, "reopened", reopened);
    cJSON_AddStringToObject(body, "state", casefsm_state_name(c->state));
    return request_reply_json(req, 200, body);
}

// method, pattern, handler, flags, roles
const struct route API_HOTLINE_ROUTES[] = {
    {"GET", "/api/v1/intake/hotline/:external_id", get_ticket, ROUTE_TOKEN, ROLE_HOTLINE_PLATFORM},
    {"GET", "/api/v1/intake/hotline/:external_id/photos/:hash", get_ticket_photo, ROUTE_TOKEN,
     ROLE_HOTLINE_PLATFORM},
    {"POST", "/api/v1/intake/hotline/:external_id/visit", post_visit,
     ROUTE_TOKEN | ROUTE_JSON | ROUTE_WRITE, ROLE_HOTLINE_PLATFORM},
};
const size_t API_HOTLINE_ROUTE_COUNT = sizeof API_HOTLINE_ROUTES / sizeof API_HOTLINE_ROUTES[0];
