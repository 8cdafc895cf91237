// SPDX-License-Identifier: MIT
// The gazetteer over HTTP: address autocomplete and geocoding (typed address ->
// point -> cell), reverse geocoding (point -> nearest road and house number ->
// cell), the base map's features in a box (cacheable by the gazetteer's
// version), and the admin's GeoJSON import. The first three are public and
// counted per client address; they name places only, nothing personal.
#include "api.h"

#include "api_geocode.h"
#include "api_places.h"
#include "api_public.h"
#include "arena.h"
#include "errors.h"
#include "gazetteer_import.h"
#include "geocode.h"
#include "json.h"
#include "ratelimit.h"
#include "request.h"
#include "server.h"
#include "store.h"
#include "store_gazetteer.h"
#include "store_places.h"
#include "textseg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Per client address: 3000 look-ups in 10 minutes (five a second: typing, with
// the form's debounce, asks about two), then none until the 10 minutes end.
static const struct ratelimit_policy LOOKUPS_PER_ADDRESS = {
    .free_attempts = 3000,
    .max_attempts = 3000,
    .window_ms = 10 * 60 * 1000,
};

#define QUERY_MAX_BYTES   100
#define RESULTS_DEFAULT   8
#define RESULTS_MAX       20
#define CANDIDATES_MAX    64  // names read per look-up before ranking
#define REVERSE_ROAD_M    300 // reverse geocoding: the farthest road named
#define REVERSE_ADDRESS_M 100 // and the farthest house number
#define BASEMAP_SPAN_MAX  0.2 // degrees a base-map box may span
#define BASEMAP_LIMIT     20000

// One result before ranking.
struct hit {
    enum geocode_kind kind;
    enum geocode_match match;
    int64_t id;
    int rank;
    char name[128];
    char name_en[128];
    char type[32]; // the road's or landmark's kind
    char number[16];
    struct geo_point point;
};

struct hits {
    struct hit items[CANDIDATES_MAX];
    size_t count;
    const char *typed; // the road part of the query
};

static bool seen(const struct hits *hits, enum geocode_kind kind, int64_t id)
{
    for (size_t i = 0; i < hits->count; i++)
        if (hits->items[i].kind == kind && hits->items[i].id == id)
            return true;
    return false;
}

static void add_hit(struct hits *hits, enum geocode_kind kind, enum geocode_match match, int64_t id,
                    const char *name, const char *name_en, const char *type, const char *number,
                    struct geo_point point)
{
    if (match == GEOCODE_NO_MATCH || hits->count == CANDIDATES_MAX || seen(hits, kind, id))
        return;
    struct hit *h = &hits->items[hits->count++];
    memset(h, 0, sizeof *h);
    h->kind = kind;
    h->match = match;
    h->id = id;
    h->rank = geocode_rank(kind, match, strlen(name) + strlen(number ? number : ""));
    snprintf(h->name, sizeof h->name, "%s", name);
    snprintf(h->name_en, sizeof h->name_en, "%s", name_en ? name_en : "");
    snprintf(h->type, sizeof h->type, "%s", type ? type : "");
    snprintf(h->number, sizeof h->number, "%s", number ? number : "");
    h->point = point;
}

struct address_scan {
    struct hits *hits;
    const char *number;
};

static void on_address(const struct store_gazetteer_address *a, void *data)
{
    struct address_scan *scan = data;
    enum geocode_match match =
        strcmp(a->number, scan->number) == 0 ? GEOCODE_EXACT : GEOCODE_PREFIX;
    add_hit(scan->hits, GEOCODE_ADDRESS, match, a->id, a->road, a->road_en, "", a->number,
            a->point);
}

static void on_road(const struct store_gazetteer_name *n, void *data)
{
    struct hits *hits = data;
    add_hit(hits, GEOCODE_ROAD, geocode_match_name(hits->typed, n->name, n->name_en), n->id,
            n->name, n->name_en, n->kind, NULL, n->point);
}

static void on_landmark(const struct store_gazetteer_name *n, void *data)
{
    struct hits *hits = data;
    add_hit(hits, GEOCODE_LANDMARK, geocode_match_name(hits->typed, n->name, NULL), n->id, n->name,
            "", n->kind, NULL, n->point);
}

// Gathers the candidates for the parsed query. Returns STORE_OK or STORE_ERROR.
static int gather(struct store *store, const struct geocode_address *typed, struct hits *hits)
{
    int rc = STORE_OK;
    if (typed->road[0] != '\0' && typed->number[0] != '\0') {
        struct address_scan scan = {hits, typed->number};
        rc = store_gazetteer_addresses(store, typed->road, typed->number, 8, on_address, &scan);
    }
    if (rc != STORE_OK || typed->road[0] == '\0')
        return rc;
    hits->typed = typed->road;
    char term_text[GEOCODE_TERM_MAX + 1];
    const char *term = geocode_lookup_term(typed->road, term_text) ? term_text : NULL;
    rc = store_gazetteer_names(store, STORE_GAZETTEER_ROAD_PREFIX, typed->road, 10, on_road, hits);
    if (rc == STORE_OK && term != NULL)
        rc = store_gazetteer_names(store, STORE_GAZETTEER_ROAD_TERM, term, 40, on_road, hits);
    if (rc == STORE_OK)
        rc = store_gazetteer_names(store, STORE_GAZETTEER_LANDMARK_PREFIX, typed->road, 10,
                                   on_landmark, hits);
    if (rc == STORE_OK && term != NULL)
        rc = store_gazetteer_names(store, STORE_GAZETTEER_LANDMARK_TERM, term, 40, on_landmark,
                                   hits);
    return rc;
}

static int compare_hits(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : strcmp(x->number, y->number);
}

static void hit_label(const struct hit *h, char *out, size_t size)
{
    snprintf(out, size, "%s%s%s", h->name, h->number, h->number[0] ? "号" : "");
}

static const char *const KIND_NAMES[] = {"address", "road", "landmark"};

// The cell holding the point as the locate endpoint shows it, or null.
static cJSON *cell_or_null(struct store *store, struct geo_point point)
{
    struct store_grid_location where;
    if (store_grid_locate(store, point.lon, point.lat, &where) != STORE_OK)
        return cJSON_CreateNull();
    return api_places_location_json(&where);
}

static void add_point(cJSON *item, struct geo_point p)
{
    // Seven decimals: about a centimetre.
    cJSON_AddNumberToObject(item, "lat", round(p.lat * 1e7) / 1e7);
    cJSON_AddNumberToObject(item, "lon", round(p.lon * 1e7) / 1e7);
}

static cJSON *hit_json(struct store *store, const struct hit *h)
{
    cJSON *item = cJSON_CreateObject();
    char label[160];
    hit_label(h, label, sizeof label);
    cJSON_AddStringToObject(item, "kind", KIND_NAMES[h->kind]);
    cJSON_AddStringToObject(item, "label", label);
    cJSON_AddStringToObject(item, "name", h->name);
    cJSON_AddStringToObject(item, "name_en", h->name_en);
    json_add_string_or_null(item, "number", h->number[0] ? h->number : NULL);
    cJSON_AddStringToObject(item, "type", h->type);
    add_point(item, h->point);
    cJSON_AddItemToObject(item, "cell", cell_or_null(store, h->point));
    return item;
}

// A hit that places a case on its own: a house number typed exactly on a road
// named exactly, or a landmark named exactly when no number was typed.
static bool confident(const struct hit *h, const struct geocode_address *typed)
{
    if (h->match != GEOCODE_EXACT)
        return false;
    return h->kind == GEOCODE_ADDRESS || (h->kind == GEOCODE_LANDMARK && typed->number[0] == '\0');
}

bool api_geocode_place(struct request *req, const char *address, struct geo_point *point,
                       char *label, size_t label_size)
{
    struct geocode_address typed;
    if (address == NULL || strlen(address) > QUERY_MAX_BYTES || !geocode_parse(address, &typed))
        return false;
    struct hits *hits = arena_alloc(req->arena, sizeof *hits);
    if (hits == NULL)
        return false;
    hits->count = 0;
    hits->typed = NULL;
    if (gather(req->server->store, &typed, hits) != STORE_OK)
        return false;
    const struct hit *found = NULL;
    size_t count = 0;
    for (size_t i = 0; i < hits->count; i++)
        if (confident(&hits->items[i], &typed) && count++ == 0)
            found = &hits->items[i];
    // Two places answering the same text (the same road name in two districts,
    // two landmarks of one name) is no answer.
    bool placed = count == 1;
    if (placed) {
        *point = found->point;
        hit_label(found, label, label_size);
    }
    return placed;
}

static int take_lookup(struct request *req)
{
    return api_public_take(req, "geo-ip:", &LOOKUPS_PER_ADDRESS, "too many address look-ups");
}

static int geocode(struct request *req)
{
    const char *q = request_query(req, "q");
    const char *limit_text = request_query(req, "limit");
    long limit = RESULTS_DEFAULT;
    if (limit_text != NULL) {
        char *end = NULL;
        limit = strtol(limit_text, &end, 10);
        if (end == limit_text || *end != '\0' || limit < 1 || limit > RESULTS_MAX)
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "limit",
                                             "limit must be 1 to 20");
    }
    struct geocode_address typed;
    if (q == NULL || strlen(q) > QUERY_MAX_BYTES || !geocode_parse(q, &typed))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "q",
                                         "q is required: 1 to 100 bytes of UTF-8 text");
    int status = take_lookup(req);
    if (status != 0)
        return status;
    struct hits *hits = arena_alloc(req->arena, sizeof *hits);
    if (hits == NULL || gather(req->server->store, &typed, hits) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not look the address up");
    qsort(hits->items, hits->count, sizeof hits->items[0], compare_hits);
    cJSON *body = request_json_object(req);
    cJSON_AddStringToObject(body, "query", q);
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    for (size_t i = 0; i < hits->count && i < (size_t)limit; i++)
        cJSON_AddItemToArray(items, hit_json(req->server->store, &hits->items[i]));
    return request_reply_json(req, 200, body);
}

static int reverse_geocode(struct request *req)
{
    double lon, lat;
    int status = api_places_query_point(req, &lon, &lat);
    if (status == 0)
        status = take_lookup(req);
    if (status != 0)
        return status;
    struct store *store = req->server->store;
    struct geo_point p = {lon, lat};
    struct store_gazetteer_near_road road;
    struct store_gazetteer_near_address address;
    int road_rc = store_gazetteer_nearest_road(store, p, REVERSE_ROAD_M, &road);
    int address_rc = store_gazetteer_nearest_address(store, p, REVERSE_ADDRESS_M, &address);
    if (road_rc == STORE_ERROR || address_rc == STORE_ERROR)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not reverse-geocode the point");
    cJSON *body = request_json_object(req);
    if (road_rc == STORE_OK) {
        cJSON *item = cJSON_AddObjectToObject(body, "road");
        cJSON_AddStringToObject(item, "name", road.name);
        cJSON_AddStringToObject(item, "name_en", road.name_en);
        cJSON_AddStringToObject(item, "type", road.kind);
        cJSON_AddNumberToObject(item, "distance_m", round(road.distance_m * 10) / 10);
        add_point(item, road.nearest);
    } else
        cJSON_AddNullToObject(body, "road");
    if (address_rc == STORE_OK) {
        cJSON *item = cJSON_AddObjectToObject(body, "address");
        char label[160];
        snprintf(label, sizeof label, "%s%s号", address.road, address.number);
        cJSON_AddStringToObject(item, "label", label);
        cJSON_AddStringToObject(item, "road", address.road);
        cJSON_AddStringToObject(item, "number", address.number);
        cJSON_AddNumberToObject(item, "distance_m", round(address.distance_m * 10) / 10);
        add_point(item, address.point);
    } else
        cJSON_AddNullToObject(body, "address");
    cJSON_AddItemToObject(body, "cell", cell_or_null(store, p));
    return request_reply_json(req, 200, body);
}

// ---- the base map ----

static cJSON *new_feature(cJSON *features, const char *geometry_type, const char *coordinates,
                          const char *layer, const char *name, const char *kind)
{
    cJSON *feature = cJSON_CreateObject();
    cJSON_AddItemToArray(features, feature);
    cJSON_AddStringToObject(feature, "type", "Feature");
    cJSON *geometry = cJSON_AddObjectToObject(feature, "geometry");
    cJSON_AddStringToObject(geometry, "type", geometry_type);
    // Coordinates are JSON the store wrote from checked numbers.
    cJSON_AddItemToObject(geometry, "coordinates", cJSON_CreateRaw(coordinates));
    cJSON *props = cJSON_AddObjectToObject(feature, "properties");
    cJSON_AddStringToObject(props, "layer", layer);
    cJSON_AddStringToObject(props, "name", name);
    cJSON_AddStringToObject(props, "kind", kind);
    return feature;
}

static void map_road(const char *name, const char *kind, const char *points, void *data)
{
    new_feature(data, "LineString", points, "road", name, kind);
}

static void map_area(const char *kind, const char *name, const char *rings, void *data)
{
    new_feature(data, "MultiPolygon", rings, kind, name, "");
}

static void map_landmark(const char *name, const char *kind, struct geo_point p, void *data)
{
    char coordinates[64];
    snprintf(coordinates, sizeof coordinates, "[%.7f,%.7f]", p.lon, p.lat);
    new_feature(data, "Point", coordinates, "landmark", name, kind);
}

static int basemap(struct request *req)
{
    double box[4];
    const char *bbox = request_query(req, "bbox");
    if (bbox == NULL || !api_places_parse_bbox(bbox, box) || box[2] - box[0] > BASEMAP_SPAN_MAX ||
        box[3] - box[1] > BASEMAP_SPAN_MAX)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "bbox",
                                         "bbox is required: minLon,minLat,maxLon,maxLat spanning "
                                         "at most 0.2 degrees");
    int64_t version = 0;
    if (store_gazetteer_version(req->server->store, &version) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not read the base map");
    // The same box of the same gazetteer is the same answer for everyone.
    // The header keeps the pointer: the text lives in the request's arena.
    const char *etag = arena_printf(req->arena, "\"gazetteer-%lld\"", (long long)version);
    if (etag == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    if (request_unchanged_cached(req, etag, "public, max-age=60"))
        return req->status;
    cJSON *body = request_json_object(req);
    cJSON_AddStringToObject(body, "type", "FeatureCollection");
    cJSON *features = cJSON_AddArrayToObject(body, "features");
    const struct store_gazetteer_map_sink sink = {map_road, map_area, map_landmark, features};
    if (store_gazetteer_map(req->server->store, box[0], box[1], box[2], box[3], BASEMAP_LIMIT,
                            &sink) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not read the base map");
    return request_reply_json(req, 200, body);
}

// ---- the import ----

static int import_gazetteer(struct request *req)
{
    const char *replace_text = request_query(req, "replace");
    bool replace = replace_text != NULL && strcmp(replace_text, "1") == 0;
    if (replace_text != NULL && !replace && strcmp(replace_text, "0") != 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "replace",
                                         "replace must be 1 or 0");
    cJSON *report = NULL;
    int rc = gazetteer_import_collection(req->server->store, req->json, replace, &report);
    request_own_json(req, report);
    if (rc == GAZETTEER_IMPORT_OK)
        return request_reply_json(req, 200, report);
    if (rc == GAZETTEER_IMPORT_REJECTED)
        return request_reply_report_error(
            req, 422, ERR_UNPROCESSABLE, report, "%d feature(s) rejected; nothing was imported",
            cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(report, "rejected")));
    if (rc == GAZETTEER_IMPORT_INVALID) {
        cJSON *error = cJSON_GetObjectItemCaseSensitive(report, "error");
        return request_reply_error(req, 400, ERR_INVALID_FIELD, "%s",
                                   cJSON_GetStringValue(cJSON_GetObjectItem(error, "message")));
    }
    return request_reply_store_error(req, rc == GAZETTEER_IMPORT_FULL ? STORE_FULL : STORE_ERROR,
                                     "the import failed");
}

// method, pattern, handler, flags, roles
const struct route API_GEOCODE_ROUTES[] = {
    {"GET", "/api/v1/geocode", geocode, 0, 0},
    {"GET", "/api/v1/geocode/reverse", reverse_geocode, 0, 0},
    {"GET", "/api/v1/basemap", basemap, 0, 0},
    {"POST", "/api/v1/admin/gazetteer/import", import_gazetteer, ROUTE_STAFF_WRITE, ROLE_ADMIN},
};
const size_t API_GEOCODE_ROUTE_COUNT = sizeof API_GEOCODE_ROUTES / sizeof API_GEOCODE_ROUTES[0];
