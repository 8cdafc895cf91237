// SPDX-License-Identifier: MIT
// Case photos over HTTP: staff uploads at a stage, citizens' uploads with their
// query code within an hour of filing, the list of a case's photos, and serving a
// photo to staff who may see a case holding it. Every upload is checked
// (imagecheck) before anything is written; the file is made durable before its rows.
#include "api.h"

#include "api_cases.h"
#include "api_public.h"
#include "arena.h"
#include "errors.h"
#include "imagecheck.h"
#include "json.h"
#include "log.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_attachments.h"
#include "store_cases.h"

#include <stdio.h>
#include <string.h>

#define STAFF_PHOTOS_PER_CASE   20      // all stages together
#define PUBLIC_PHOTOS_PER_CASE  6       // a citizen's "report" photos
#define PUBLIC_UPLOAD_WINDOW_MS 3600000 // a citizen adds photos within an hour of filing

// Which stages each role takes photos at. Finding and checking (inspectors) stay
// apart from fixing (departments): a department never supplies verify or check
// photos, and the one who fixes never checks.
static bool role_takes_stage(enum role role, const char *stage)
{
    switch (role) {
    case ROLE_INSPECTOR:
        return true; // reports, verifies, checks, and fixes small things on the spot
    case ROLE_DEPARTMENT:
        // the fix, arriving on site (urgent cases), a phase done
        return strcmp(stage, "before") == 0 || strcmp(stage, "after") == 0 ||
               strcmp(stage, "arrive") == 0 || strcmp(stage, "progress") == 0;
    case ROLE_OPERATOR:
    case ROLE_SUPERVISOR:
        return strcmp(stage, "report") == 0; // a photo a caller sent with the complaint
    default:
        return false;
    }
}

static cJSON *photo_json(const char *hash, const char *mime, int64_t size, const char *stage)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "hash", hash);
    cJSON_AddStringToObject(out, "mime", mime);
    json_add_int(out, "size", size);
    cJSON_AddStringToObject(out, "stage", stage);
    return out;
}

static char *photo_url(struct request *req, const char *hash)
{
    return arena_printf(req->arena, "/api/v1/attachments/%s", hash);
}

// What one upload needs besides the request.
struct upload {
    const struct store_case *c;
    const char *stage;
    int64_t uploaded_by; // 0 for a citizen
    int max_in_stage;    // 0: only the per-case cap
    bool staff;          // staff see the url and the reuse report
};

// Adds reused_on (the other cases' numbers the user may see) and photo_reused.
static void add_reuse_report(struct request *req, cJSON *body,
                             const struct store_attachment_outcome *outcome)
{
    cJSON *list = cJSON_AddArrayToObject(body, "reused_on");
    struct store_case *other = arena_alloc(req->arena, sizeof *other);
    int listed = outcome->reused_count < STORE_ATTACHMENT_REUSED_MAX ? outcome->reused_count
                                                                     : STORE_ATTACHMENT_REUSED_MAX;
    for (int i = 0; other != NULL && i < listed; i++)
        if (store_case_get(req->server->store, outcome->reused_id[i], other) == STORE_OK &&
            api_case_visible(req, other))
            cJSON_AddItemToArray(list, cJSON_CreateString(outcome->reused_case_no[i]));
    cJSON_AddBoolToObject(body, "photo_reused", outcome->reused_count > 0);
}

// Replies 422 when the case has no room for one more photo. Returns 0 when it
// has room (or already holds this photo, which makes the upload idempotent).
static int check_room(struct request *req, const struct upload *u, const char *hash)
{
    struct store_attachment_counts counts;
    if (store_attachment_counts(req->server->store, u->c->id, u->stage, hash, &counts) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not count the case's photos");
    if (counts.present)
        return 0;
    if (counts.total >= STAFF_PHOTOS_PER_CASE)
        return request_reply_error(req, 422, ERR_UNPROCESSABLE,
                                   "case %s already has %d photos, the most allowed", u->c->case_no,
                                   STAFF_PHOTOS_PER_CASE);
    if (u->max_in_stage > 0 && counts.in_stage >= u->max_in_stage)
        return request_reply_error(req, 422, ERR_UNPROCESSABLE,
                                   "case %s already has %d %s photos, the most allowed",
                                   u->c->case_no, u->max_in_stage, u->stage);
    return 0;
}

// Checks the body is an image (magic bytes and structure) and hashes it. Returns
// 0, or the status replied (422 naming what is wrong).
static int check_image(struct request *req, struct imagecheck_result *image,
                       char hash[STORE_ATTACHMENT_HASH_LEN + 1])
{
    if (imagecheck_verify(req->body, req->body_len, request_header(req, "Content-Type"), image) !=
        NULL)
        return request_reply_error(req, 422, ERR_UNPROCESSABLE, "%s", image->reason);
    store_attachment_hash(req->body, req->body_len, hash);
    return 0;
}

// Checks the image, makes the file durable, attaches it and replies. The file
// is let go of whatever the store answers: one nothing names is removed.
static int save_and_attach(struct request *req, const struct upload *u)
{
    struct imagecheck_result image;
    char hash[STORE_ATTACHMENT_HASH_LEN + 1];
    int status = check_image(req, &image, hash);
    if (status == 0)
        status = check_room(req, u, hash);
    if (status != 0)
        return status;
    struct store *store = req->server->store;
    const char *data_dir = req->server->config.data_dir;
    int rc = store_attachment_save_file(store, data_dir, hash, req->body, req->body_len);
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not store the photo");
    struct store_attachment_new photo = {
        .case_id = u->c->id,
        .hash = hash,
        .mime = image.mime,
        .size = (int64_t)req->body_len,
        .stage = u->stage,
        .uploaded_by = u->uploaded_by,
        .actor_role = req->user ? role_name(req->user->role) : "citizen",
        .actor_name = req->user ? req->user->display_name : "市民",
        .max_total = STAFF_PHOTOS_PER_CASE,
        .max_in_stage = u->max_in_stage,
    };
    struct store_attachment_outcome outcome;
    rc = store_attachment_add(store, &photo, &outcome);
    store_attachment_release_file(store, data_dir, hash);
    switch (rc) {
    case STORE_OK:
        break;
    case STORE_INVALID:
        return request_reply_error(req, 422, ERR_UNPROCESSABLE,
                                   "case %s already has %d such photos, the most allowed",
                                   u->c->case_no, outcome.limit);
    case STORE_CONFLICT:
        return request_reply_error(req, 409, ERR_ILLEGAL_TRANSITION,
                                   "case %s no longer takes %s photos", u->c->case_no, u->stage);
    case STORE_NOT_FOUND:
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such case");
    default:
        return request_reply_store_error(req, rc, "could not attach the photo");
    }
    if (outcome.refused)
        return request_reply_field_error(
            req, 422, ERR_PHOTO_REUSED, "photo",
            "this photo is already on case %s as a %s photo; take a new one on site (the case "
            "is flagged)",
            u->c->case_no, outcome.refused_stage);
    cJSON *body = photo_json(hash, image.mime, photo.size, u->stage);
    cJSON_AddBoolToObject(body, "created", outcome.created);
    if (u->staff) {
        cJSON_AddStringToObject(body, "url", photo_url(req, hash));
        add_reuse_report(req, body, &outcome);
    }
    return request_reply_json(req, outcome.created ? 201 : 200, body);
}

// Why a case takes no photos at this stage, for the 409 message.
static int reply_not_taking(struct request *req, const struct store_case *c, const char *stage)
{
    if (c->state == CASEFSM_STATE_CLOSED && c->self_handled)
        return request_reply_error(req, 409, ERR_ILLEGAL_TRANSITION,
                                   "case %s was handled on the spot and is closed; only before "
                                   "and after photos are taken, within %d hours of closing",
                                   c->case_no,
                                   (int)(STORE_ATTACHMENT_SELF_HANDLED_WINDOW_MS / 3600000));
    return request_reply_error(req, 409, ERR_ILLEGAL_TRANSITION,
                               "case %s is %s and takes no more photos (%s refused)", c->case_no,
                               casefsm_state_name(c->state), stage);
}

// POST /api/v1/cases/:id/attachments?stage=
static int upload_staff(struct request *req)
{
    struct store_case *c;
    int status = api_case_load_visible(req, &c);
    if (status != 0)
        return status;
    const char *stage = request_query(req, "stage");
    if (!store_attachment_stage_valid(stage))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "stage",
                                         "stage must be report, before, after, verify, check, "
                                         "arrive or progress");
    if (!role_takes_stage(req->user->role, stage))
        return request_reply_error(req, 403, ERR_FORBIDDEN, "a %s does not supply %s photos",
                                   role_name(req->user->role), stage);
    if (!store_attachment_allowed(c->state, c->self_handled, c->closed_at, store_now_ms(), stage))
        return reply_not_taking(req, c, stage);
    struct upload u = {c, stage, req->user->id, 0, true};
    return save_and_attach(req, &u);
}

// POST /api/v1/public/cases/:case_no/attachments?code=
static int upload_public(struct request *req)
{
    const char *code = request_query(req, "code");
    const char *stage = request_query(req, "stage");
    if (code == NULL || code[0] == '\0')
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "code",
                                         "code (the query code given when the case was filed) is "
                                         "required");
    if (stage != NULL && strcmp(stage, "report") != 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "stage",
                                         "citizens add report photos only (stage=report)");
    int64_t id = 0;
    int status = api_public_authorize(req, code, &id);
    if (status != 0)
        return status;
    struct store_case *c = arena_alloc(req->arena, sizeof *c);
    if (c == NULL || store_case_get(req->server->store, id, c) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not load the case");
    if (store_now_ms() - c->created_at > PUBLIC_UPLOAD_WINDOW_MS)
        return request_reply_error(req, 409, ERR_CONFLICT,
                                   "photos can be added only within one hour of filing; case %s "
                                   "was filed earlier",
                                   c->case_no);
    if (!store_attachment_allowed(c->state, c->self_handled, c->closed_at, store_now_ms(),
                                  "report"))
        return reply_not_taking(req, c, "report");
    struct upload u = {c, "report", 0, PUBLIC_PHOTOS_PER_CASE, false};
    return save_and_attach(req, &u);
}

struct photo_list {
    struct request *req;
    cJSON *items;
};

static void add_listed_photo(const char *hash, const char *mime, int64_t size, const char *stage,
                             int64_t created_at, void *data)
{
    struct photo_list *list = data;
    cJSON *item = photo_json(hash, mime, size, stage);
    json_add_int(item, "created_at", created_at);
    cJSON_AddStringToObject(item, "url", photo_url(list->req, hash));
    cJSON_AddItemToArray(list->items, item);
}

// GET /api/v1/cases/:id/attachments
static int list_photos(struct request *req)
{
    struct store_case *c;
    int status = api_case_load_visible(req, &c);
    if (status != 0)
        return status;
    cJSON *body = request_json_object(req);
    struct photo_list list = {req, cJSON_AddArrayToObject(body, "items")};
    if (store_case_attachments(req->server->store, c->id, add_listed_photo, &list) != STORE_OK) {
        return request_reply_error(req, 500, ERR_INTERNAL, "could not list the photos");
    }
    cJSON_AddBoolToObject(body, "photo_reused", c->photo_reused);
    return request_reply_json(req, 200, body);
}

struct visible_search {
    struct request *req;
    struct store_case *c;
    bool found;
};

static bool case_is_visible(int64_t case_id, void *data)
{
    struct visible_search *search = data;
    search->found = store_case_get(search->req->server->store, case_id, search->c) == STORE_OK &&
                    api_case_visible(search->req, search->c);
    return search->found;
}

// GET /api/v1/attachments/:hash
static int get_photo(struct request *req)
{
    const char *hash = request_param(req, "hash");
    struct visible_search search = {req, arena_alloc(req->arena, sizeof(struct store_case)), false};
    if (!store_attachment_hash_valid(hash) || search.c == NULL)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such photo");
    if (store_attachment_cases(req->server->store, hash, case_is_visible, &search) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not look the photo up");
    char mime[32];
    int64_t size = 0;
    if (!search.found ||
        store_attachment_get(req->server->store, hash, mime, sizeof mime, &size) != STORE_OK)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such photo");
    // Revalidated on every use (private, no-cache): a photo must not outlive the
    // session in a shared browser's cache, and its content hash makes the check a 304.
    return api_photo_send(req, hash, mime, "private, no-cache");
}

int api_photo_send(struct request *req, const char *hash, const char *mime,
                   const char *cache_control)
{
    const char *etag = arena_printf(req->arena, "\"%s\"", hash);
    if (etag != NULL && request_unchanged_cached(req, etag, cache_control))
        return req->status;
    uint64_t file_size = 0;
    int fd = store_attachment_open_file(req->server->config.data_dir, hash, &file_size);
    if (fd < 0) {
        log_error("request %s: the file of photo %s is missing", req->request_id, hash);
        return request_reply_error(req, 500, ERR_INTERNAL, "the photo file is missing");
    }
    return request_reply_fd(req, 200, mime, fd, file_size);
}

// POST /api/v1/uploads: a photo taken before its case exists (a fix on the
// spot's before and after, a report's photos), held for the uploader until the
// intake that lists it in "photos" attaches it.
static int upload_pending(struct request *req)
{
    struct imagecheck_result image;
    char hash[STORE_ATTACHMENT_HASH_LEN + 1];
    int status = check_image(req, &image, hash);
    if (status != 0)
        return status;
    struct store *store = req->server->store;
    const char *data_dir = req->server->config.data_dir;
    int rc = store_attachment_save_file(store, data_dir, hash, req->body, req->body_len);
    if (rc == STORE_OK) {
        rc = store_upload_add(store, req->user->id, hash, image.mime, (int64_t)req->body_len);
        store_attachment_release_file(store, data_dir, hash);
    }
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not store the photo");
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "hash", hash);
    cJSON_AddStringToObject(body, "mime", image.mime);
    json_add_int(body, "size", (int64_t)req->body_len);
    json_add_int(body, "held_until", store_now_ms() + STORE_UPLOAD_HOLD_MS);
    return request_reply_json(req, 201, body);
}

#define UPLOADERS (ROLE_INSPECTOR | ROLE_OPERATOR | ROLE_SUPERVISOR | ROLE_DEPARTMENT)

// The routes of case photos. Uploads are binary (ROUTE_UPLOAD: image/jpeg, png or
// webp, checked by the dispatcher with 415, up to the upload cap with 413).
const struct route API_ATTACHMENT_ROUTES[] = {
    {"POST", "/api/v1/cases/:id/attachments", upload_staff,
     ROUTE_AUTH | ROUTE_CSRF | ROUTE_UPLOAD | ROUTE_WRITE, UPLOADERS},
    {"GET", "/api/v1/cases/:id/attachments", list_photos, ROUTE_AUTH, 0},
    {"POST", "/api/v1/uploads", upload_pending,
     ROUTE_AUTH | ROUTE_CSRF | ROUTE_UPLOAD | ROUTE_WRITE,
     ROLE_INSPECTOR | ROLE_OPERATOR | ROLE_SUPERVISOR},
    {"POST", "/api/v1/public/cases/:case_no/attachments", upload_public, ROUTE_UPLOAD | ROUTE_WRITE,
     0},
    {"GET", "/api/v1/attachments/:hash", get_photo, ROUTE_AUTH, 0},
};
const size_t API_ATTACHMENT_ROUTE_COUNT =
    sizeof API_ATTACHMENT_ROUTES / sizeof API_ATTACHMENT_ROUTES[0];
