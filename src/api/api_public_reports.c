// SPDX-License-Identifier: MIT
// The public map and list of reports: the open and recently closed cases of a
// box, a circle or a grid cell with nothing that names a person (GET
// /api/v1/public/reports), "me too" counted once per client cookie, the public
// photos, and the supervisors' moderation of what the public sees of a case.
#include "api.h"
#include "api_cases.h"
#include "api_places.h"
#include "api_public.h"

#include "arena.h"
#include "errors.h"
#include "json.h"
#include "log.h"
#include "ratelimit.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_attachments.h"
#include "store_public_reports.h"
#include "textmask.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOX_MAX_DEGREES   0.2
#define RADIUS_DEFAULT_M  500
#define RADIUS_MAX_M      2000
#define PAGE_DEFAULT      50
#define PAGE_MAX          100
#define CLIENT_COOKIE     "cg_client"
#define CLIENT_COOKIE_HEX 32 // 16 random bytes

// Per client address: 60 map reads a minute, 30 "me too" in 10 minutes.
static const struct ratelimit_policy READS_PER_ADDRESS = {
    .free_attempts = 60,
    .max_attempts = 60,
    .window_ms = 60 * 1000,
};
static const struct ratelimit_policy METOO_PER_ADDRESS = {
    .free_attempts = 30,
    .max_attempts = 30,
    .window_ms = 10 * 60 * 1000,
};

// The cut-off of "recently closed": closed cases closed since then are listed.
static int64_t closed_since(const struct request *req)
{
    return store_now_ms() - (int64_t)req->server->config.public_closed_days * 86400000LL;
}

// A state in the public's words: received, in_progress, fixed (awaiting the
// check) or closed.
static const char *public_state(const char *state)
{
    static const char *const WORDS[][2] = {
        {"reported", "received"},      {"verifying", "received"},     {"accepted", "in_progress"},
        {"dispatched", "in_progress"}, {"processing", "in_progress"}, {"suspended", "in_progress"},
        {"handled", "fixed"},          {"checked", "fixed"},          {"closed", "closed"},
    };
    for (size_t i = 0; i < sizeof WORDS / sizeof WORDS[0]; i++)
        if (strcmp(state, WORDS[i][0]) == 0)
            return WORDS[i][1];
    return "received";
}

// The description with what looks like a phone, ID card or account number
// starred (textmask_numbers), in request memory (NULL when out of it).
static char *masked_text(struct arena *arena, const char *text)
{
    char *out = arena_strdup(arena, text);
    textmask_numbers(out);
    return out;
}

// Degrees rounded to 4 decimals (about 11 m): enough to find the problem, not
// the doorstep of the one who reported it.
static double rounded(double degrees)
{
    return round(degrees * 1e4) / 1e4;
}

static const char *photo_public_url(struct request *req, const char *hash)
{
    return arena_printf(req->arena, "/api/v1/public/photos/%s", hash);
}

struct report_list {
    struct request *req;
    cJSON *items;
    int count;
    int64_t last_created, last_id;
};

static void add_report(const struct store_public_report *r, void *data)
{
    struct report_list *list = data;
    cJSON *item = cJSON_CreateObject();
    cJSON_AddItemToArray(list->items, item);
    cJSON_AddStringToObject(item, "case_no", r->case_no);
    if (r->category_code[0] != '\0') {
        cJSON *category = cJSON_AddObjectToObject(item, "category");
        cJSON_AddStringToObject(category, "code", r->category_code);
        cJSON_AddStringToObject(category, "name_zh", r->category_name_zh);
        cJSON_AddStringToObject(category, "name_en", r->category_name_en);
    } else {
        cJSON_AddNullToObject(item, "category");
    }
    json_add_string_or_null(item, "description",
                            r->text_hidden ? NULL : masked_text(list->req->arena, r->description));
    cJSON_AddBoolToObject(item, "text_hidden", r->text_hidden);
    cJSON_AddStringToObject(item, "state", public_state(r->state));
    json_add_int(item, "reported_at", r->created_at);
    json_add_int(item, "updated_at", r->updated_at);
    if (r->closed_at > 0 && strcmp(r->state, "closed") == 0)
        json_add_int(item, "closed_at", r->closed_at);
    else
        cJSON_AddNullToObject(item, "closed_at");
    cJSON *point = cJSON_AddObjectToObject(item, "point");
    cJSON_AddNumberToObject(point, "lat", rounded(r->lat));
    cJSON_AddNumberToObject(point, "lon", rounded(r->lon));
    cJSON *cell = cJSON_AddObjectToObject(item, "grid");
    cJSON_AddStringToObject(cell, "code", r->grid_code);
    cJSON_AddStringToObject(cell, "name", r->grid_name);
    cJSON *street = cJSON_AddObjectToObject(item, "street");
    cJSON_AddStringToObject(street, "name", r->street_name);
    cJSON_AddStringToObject(street, "name_en", r->street_name_en);
    cJSON_AddNumberToObject(item, "metoo_count", r->metoo_count);
    cJSON_AddBoolToObject(item, "metoo_open", strcmp(r->state, "closed") != 0);
    cJSON *photos = cJSON_AddArrayToObject(item, "photos");
    for (int i = 0; i < r->photo_count; i++)
        cJSON_AddItemToArray(photos, cJSON_CreateString(photo_public_url(list->req, r->photos[i])));
    list->count++;
    list->last_created = r->created_at;
    list->last_id = r->id;
}

// Reads an integer query value within [lo, hi], or fallback when absent.
// Returns false when malformed or out of range.
static bool query_int(struct request *req, const char *name, long lo, long hi, long fallback,
                      long *out)
{
    const char *text = request_query(req, name);
    if (text == NULL || text[0] == '\0') {
        *out = fallback;
        return true;
    }
    char *end = NULL;
    long value = strtol(text, &end, 10);
    *out = value;
    return strlen(text) <= 9 && *end == '\0' && value >= lo && value <= hi;
}

// The cursor "CREATED.ID" of the next page into the filter.
static bool parse_cursor(const char *text, struct store_public_filter *f)
{
    f->before_created = INT64_MAX;
    f->before_id = INT64_MAX;
    if (text == NULL || text[0] == '\0')
        return true;
    long long created = 0, id = 0;
    int used = 0;
    if (strlen(text) > 40 || sscanf(text, "%lld.%lld%n", &created, &id, &used) != 2 ||
        (size_t)used != strlen(text) || created < 0 || id < 0)
        return false;
    f->before_created = created;
    f->before_id = id;
    return true;
}

// A box of the circle's size around the point (the SQL keeps the circle).
static void circle_box(struct store_public_filter *f)
{
    double dlat = f->radius_m / 111320.0;
    double dlon = f->radius_m / (111320.0 * fmax(cos(f->lat * M_PI / 180.0), 0.01));
    f->min_lat = fmax(f->lat - dlat, -90);
    f->max_lat = fmin(f->lat + dlat, 90);
    f->min_lon = fmax(f->lon - dlon, -180);
    f->max_lon = fmin(f->lon + dlon, 180);
}

// Fills the filter's place from the query: bbox, lat/lon with radius, or grid.
// Returns 0, or replies 400 and returns 400.
static int parse_place(struct request *req, struct store_public_filter *f)
{
    const char *bbox = request_query(req, "bbox"), *grid = request_query(req, "grid");
    bool point = request_query(req, "lat") != NULL || request_query(req, "lon") != NULL;
    if ((bbox != NULL) + (grid != NULL) + point != 1)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "bbox",
                                         "give exactly one of bbox, lat/lon (with radius) or grid");
    if (grid != NULL) {
        if (grid[0] == '\0' || strlen(grid) > 15)
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "grid",
                                             "grid must be a grid cell code");
        f->grid_code = grid;
        return 0;
    }
    f->has_box = true;
    if (point) {
        int status = api_places_query_point(req, &f->lon, &f->lat);
        long radius = 0;
        if (status != 0)
            return status;
        if (!query_int(req, "radius", 1, RADIUS_MAX_M, RADIUS_DEFAULT_M, &radius))
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "radius",
                                             "radius must be whole metres from 1 to %d",
                                             RADIUS_MAX_M);
        f->has_circle = true;
        f->radius_m = (double)radius;
        circle_box(f);
        return 0;
    }
    double box[4];
    if (!api_places_parse_bbox(bbox, box) || box[2] - box[0] > BOX_MAX_DEGREES ||
        box[3] - box[1] > BOX_MAX_DEGREES)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "bbox",
                                         "bbox must be minLon,minLat,maxLon,maxLat spanning at "
                                         "most 0.2 degrees");
    f->min_lon = box[0];
    f->min_lat = box[1];
    f->max_lon = box[2];
    f->max_lat = box[3];
    return 0;
}

// GET /api/v1/public/reports
static int list_reports(struct request *req)
{
    struct store_public_filter filter = {.closed_since = closed_since(req)};
    long limit = 0;
    int status = parse_place(req, &filter);
    if (status != 0)
        return status;
    if (!query_int(req, "limit", 1, PAGE_MAX, PAGE_DEFAULT, &limit))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "limit",
                                         "limit must be from 1 to %d", PAGE_MAX);
    if (!parse_cursor(request_query(req, "cursor"), &filter))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "cursor",
                                         "cursor must be the next_cursor of a page");
    if ((status = api_public_take(req, "map-ip:", &READS_PER_ADDRESS, "too many map requests")))
        return status;
    filter.limit = (int)limit;
    const char *etag = request_data_etag(req, store_changes(req->server->store));
    if (request_unchanged_cached(req, etag, "public, max-age=30"))
        return req->status;
    cJSON *body = request_json_object(req);
    struct report_list list = {req, cJSON_AddArrayToObject(body, "items"), 0, 0, 0};
    int rc = store_public_report_list(req->server->store, &filter, add_report, &list);
    if (rc == STORE_NOT_FOUND)
        return request_reply_field_error(req, 404, ERR_NOT_FOUND, "grid", "no such grid cell");
    if (rc != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not list the reports");
    if (list.count == filter.limit)
        cJSON_AddStringToObject(body, "next_cursor",
                                arena_printf(req->arena, "%lld.%lld", (long long)list.last_created,
                                             (long long)list.last_id));
    else
        cJSON_AddNullToObject(body, "next_cursor");
    cJSON_AddNumberToObject(body, "closed_days", req->server->config.public_closed_days);
    return request_reply_json(req, 200, body);
}

// The client's "me too" cookie value (32 hex digits) into out; when the request
// has none, a new one, sent back with Set-Cookie (a year).
static void client_cookie(struct request *req, char out[CLIENT_COOKIE_HEX + 1])
{
    const char *header = request_header(req, "Cookie");
    const char *found = header ? strstr(header, CLIENT_COOKIE "=") : NULL;
    while (found != NULL && found != header && found[-1] != ' ' && found[-1] != ';')
        found = strstr(found + 1, CLIENT_COOKIE "=");
    const char *value = found ? found + strlen(CLIENT_COOKIE "=") : "";
    size_t len = strspn(value, "0123456789abcdef");
    if (len == CLIENT_COOKIE_HEX && (value[len] == '\0' || value[len] == ';')) {
        memcpy(out, value, len);
        out[len] = '\0';
        return;
    }
    unsigned char raw[CLIENT_COOKIE_HEX / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, CLIENT_COOKIE_HEX + 1, raw, sizeof raw);
    request_add_header(req, "Set-Cookie",
                       arena_printf(req->arena,
                                    CLIENT_COOKIE "=%s; Max-Age=31536000; Path=/api/v1/public/; "
                                                  "HttpOnly; SameSite=Strict%s",
                                    out, req->server->config.secure_cookies ? "; Secure" : ""));
}

// POST /api/v1/public/reports/:case_no/metoo
static int metoo(struct request *req)
{
    const char *case_no = request_param(req, "case_no");
    if (case_no == NULL || strlen(case_no) != 14 || strspn(case_no, "0123456789") != 14)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such public report");
    int status = api_public_take(req, "metoo-ip:", &METOO_PER_ADDRESS,
                                 "too many \"me too\" from your address");
    if (status != 0)
        return status;
    char cookie[CLIENT_COOKIE_HEX + 1], client[crypto_generichash_BYTES * 2 + 1];
    unsigned char hash[crypto_generichash_BYTES];
    client_cookie(req, cookie);
    crypto_generichash(hash, sizeof hash, (const unsigned char *)cookie, strlen(cookie), NULL, 0);
    sodium_bin2hex(client, sizeof client, hash, sizeof hash);
    int count = 0;
    bool counted = false;
    int rc = store_public_metoo(req->server->store, case_no, client, closed_since(req), &count,
                                &counted);
    if (rc == STORE_NOT_FOUND)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such public report");
    if (rc == STORE_INVALID)
        return request_reply_error(req, 409, ERR_CONFLICT, "this case is closed");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not count the \"me too\"");
    cJSON *body = request_json_object(req);
    cJSON_AddStringToObject(body, "case_no", case_no);
    cJSON_AddNumberToObject(body, "metoo_count", count);
    cJSON_AddBoolToObject(body, "counted", counted);
    return request_reply_json(req, 200, body);
}

// GET /api/v1/public/photos/:hash: a photo staff marked public, of a case the
// map lists.
static int get_public_photo(struct request *req)
{
    const char *hash = request_param(req, "hash");
    char mime[32];
    int64_t size = 0;
    if (!store_attachment_hash_valid(hash) ||
        store_public_photo(req->server->store, hash, closed_since(req)) != STORE_OK ||
        store_attachment_get(req->server->store, hash, mime, sizeof mime, &size) != STORE_OK)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such public photo");
    // Revalidated every time: a photo made private again must stop showing.
    return api_photo_send(req, hash, mime, "public, no-cache");
}

static void add_photo_setting(int64_t id, const char *hash, const char *stage, bool is_public,
                              void *data)
{
    cJSON *item = cJSON_CreateObject();
    json_add_int(item, "id", id);
    cJSON_AddStringToObject(item, "hash", hash);
    cJSON_AddStringToObject(item, "stage", stage);
    cJSON_AddBoolToObject(item, "public", is_public);
    cJSON_AddItemToArray(data, item);
}

// Replies with what the public sees of case c.
static int reply_settings(struct request *req, int64_t case_id)
{
    cJSON *body = request_json_object(req);
    bool hidden = false;
    int count = 0;
    cJSON *photos = cJSON_CreateArray();
    int rc = store_public_settings(req->server->store, case_id, &hidden, &count, add_photo_setting,
                                   photos);
    cJSON_AddBoolToObject(body, "text_hidden", hidden);
    cJSON_AddNumberToObject(body, "metoo_count", count);
    cJSON_AddItemToObject(body, "photos", photos);
    if (rc != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not read the public settings");
    return request_reply_json(req, 200, body);
}

// GET /api/v1/cases/:id/public
static int get_settings(struct request *req)
{
    struct store_case *c;
    int status = api_case_load_visible(req, &c);
    return status != 0 ? status : reply_settings(req, c->id);
}

// Reads the body's photos ([{id, public}]) into m. Returns 0, or replies 400.
static int parse_photo_flags(struct request *req, struct store_public_moderation *m)
{
    static const struct json_field FIELDS[] = {
        {"id", JSON_INTEGER, true, 0},
        {"public", JSON_BOOL, true, 0},
    };
    const cJSON *photos = cJSON_GetObjectItemCaseSensitive(req->json, "photos");
    int n = photos ? cJSON_GetArraySize(photos) : 0;
    int64_t *ids = arena_alloc(req->arena, sizeof *ids * (size_t)(n + 1));
    bool *flags = arena_alloc(req->arena, sizeof *flags * (size_t)(n + 1));
    if (ids == NULL || flags == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    struct json_problem problem;
    for (int i = 0; i < n; i++) {
        const cJSON *item = cJSON_GetArrayItem(photos, i);
        if (!cJSON_IsObject(item)) {
            return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "photos",
                                             "photos must be objects {id, public}");
        }
        if (!json_check(item, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem)) {
            json_problem_nest(&problem, "photos");
            return request_reply_problem(req, 400, &problem);
        }
        json_get_int(item, "id", &ids[i]);
        flags[i] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "public"));
    }
    m->photo_count = n;
    m->photo_ids = ids;
    m->photo_public = flags;
    return 0;
}

// PATCH /api/v1/cases/:id/public {text_hidden?, photos?: [{id, public}], reason}
static int moderate(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"text_hidden", JSON_BOOL, false, 0},
        {"photos", JSON_ARRAY, false, 32},
        {"reason", JSON_STRING, true, 500},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    const char *reason = json_get_string(req->json, "reason");
    if (strspn(reason, " \t\r\n") == strlen(reason))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "reason",
                                         "reason must say why");
    struct store_case *c;
    int status = api_case_load_visible(req, &c);
    if (status != 0)
        return status;
    const cJSON *hidden = cJSON_GetObjectItemCaseSensitive(req->json, "text_hidden");
    struct store_public_moderation m = {
        .case_id = c->id,
        .text_hidden = hidden ? cJSON_IsTrue(hidden) : -1,
        .reason = reason,
        .actor_user_id = req->user->id,
        .actor_role = role_name(req->user->role),
        .actor_name = req->user->display_name,
    };
    if ((status = parse_photo_flags(req, &m)) != 0)
        return status;
    if (m.text_hidden < 0 && m.photo_count == 0)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "text_hidden",
                                         "give text_hidden or photos to change");
    int rc = store_public_moderate(req->server->store, &m);
    if (rc == STORE_INVALID)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "photos",
                                         "every photo id must be one of this case's photos");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not save the moderation");
    return reply_settings(req, c->id);
}

// method, pattern, handler, flags, roles
const struct route API_PUBLIC_REPORT_ROUTES[] = {
    {"GET", "/api/v1/public/reports", list_reports, 0, 0},
    {"POST", "/api/v1/public/reports/:case_no/metoo", metoo, ROUTE_WRITE, 0},
    {"GET", "/api/v1/public/photos/:hash", get_public_photo, 0, 0},
    {"GET", "/api/v1/cases/:id/public", get_settings, ROUTE_AUTH, 0},
    {"PATCH", "/api/v1/cases/:id/public", moderate, ROUTE_STAFF_WRITE,
     ROLE_SUPERVISOR | ROLE_ADMIN},
};
const size_t API_PUBLIC_REPORT_ROUTE_COUNT =
    sizeof API_PUBLIC_REPORT_ROUTES / sizeof API_PUBLIC_REPORT_ROUTES[0];
