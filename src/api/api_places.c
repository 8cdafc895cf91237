// SPDX-License-Identifier: MIT
// Places over HTTP: org units and grid cells inside the caller's jurisdiction
// (cells as a GeoJSON FeatureCollection), the public point lookup citizens use
// when reporting, and the admin's GeoJSON import of grid cells.
#include "api.h"
#include "api_places.h"

#include "errors.h"
#include "geo.h"
#include "grid_import.h"
#include "json.h"
#include "jurisdiction.h"
#include "request.h"
#include "server.h"
#include "store.h"
#include "store_places.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Most cells one listing returns; past it the collection says "truncated": true.
#define GRID_LIST_LIMIT 20000

// Parses a decimal number (no hex, NaN or infinity) that fills the whole of
// text[0..len). Returns false when it is not one.
static bool parse_decimal(const char *text, size_t len, double *out)
{
    char buffer[64];
    if (len == 0 || len >= sizeof buffer)
        return false;
    memcpy(buffer, text, len);
    buffer[len] = '\0';
    if (strspn(buffer, "0123456789+-.eE") != len)
        return false;
    char *end = NULL;
    *out = strtod(buffer, &end);
    return end == buffer + len && isfinite(*out);
}

static bool parse_query_number(const char *text, double *out)
{
    return text != NULL && parse_decimal(text, strlen(text), out);
}

bool api_places_parse_bbox(const char *text, double box[4])
{
    double v[4];
    const char *p = text;
    for (int k = 0; k < 4; k++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if ((k < 3) != (comma != NULL) || !parse_decimal(p, len, &v[k]))
            return false;
        p += len + 1;
    }
    if (v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90 || v[0] > v[2] || v[1] > v[3])
        return false;
    memcpy(box, v, sizeof v);
    return true;
}

// Parses "minLon,minLat,maxLon,maxLat" into filter. Returns false when malformed,
// out of range or inverted.
static bool parse_bbox(const char *text, struct store_grid_filter *filter)
{
    double v[4];
    if (!api_places_parse_bbox(text, v))
        return false;
    filter->has_bbox = true;
    filter->min_lon = v[0];
    filter->min_lat = v[1];
    filter->max_lon = v[2];
    filter->max_lat = v[3];
    return true;
}

// A query value, with the empty string counting as absent.
static const char *query_value(struct request *req, const char *name)
{
    const char *value = request_query(req, name);
    return value != NULL && value[0] != '\0' ? value : NULL;
}

static void add_unit(const struct store_org_unit *unit, void *data)
{
    cJSON_AddItemToArray(data, api_org_unit_json(unit));
}

cJSON *api_org_unit_json(const struct store_org_unit *unit)
{
    cJSON *item = cJSON_CreateObject();
    json_add_int(item, "id", unit->id);
    cJSON_AddStringToObject(item, "code", unit->code);
    cJSON_AddStringToObject(item, "type", unit->type);
    cJSON_AddStringToObject(item, "name", unit->name);
    cJSON_AddStringToObject(item, "name_en", unit->name_en);
    if (unit->parent_id != 0)
        json_add_int(item, "parent_id", unit->parent_id);
    else
        cJSON_AddNullToObject(item, "parent_id");
    json_add_string_or_null(item, "department_kind",
                            strcmp(unit->type, "department") == 0 ? unit->department_kind : NULL);
    cJSON_AddBoolToObject(item, "disabled", unit->disabled);
    return item;
}

static int list_org_units(struct request *req)
{
    static const char *const TYPES[] = {"city", "district", "street", "community", "department"};
    const char *type = query_value(req, "type");
    bool known = type == NULL;
    for (size_t i = 0; !known && i < sizeof TYPES / sizeof TYPES[0]; i++)
        known = strcmp(type, TYPES[i]) == 0;
    if (!known)
        return request_reply_field_error(
            req, 400, ERR_INVALID_QUERY, "type",
            "type must be city, district, street, community or department");
    struct store_org_unit_filter filter = {
        .jurisdiction = &req->user->jurisdiction,
        .type = type,
        .parent_code = query_value(req, "parent"),
    };
    cJSON *body = request_json_object(req);
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    if (store_org_unit_list(req->server->store, &filter, add_unit, items) != STORE_OK) {
        return request_reply_error(req, 500, ERR_INTERNAL, "could not list org units");
    }
    return request_reply_json(req, 200, body);
}

struct grid_list {
    cJSON *features;
    int count;
    bool truncated;
    bool public_view; // outlines and names only: no staff, no patrol zones
};

static cJSON *cell_properties(const struct store_grid_cell *cell, bool public_view)
{
    cJSON *props = cJSON_CreateObject();
    cJSON_AddStringToObject(props, "code", cell->code);
    cJSON_AddStringToObject(props, "name", cell->name);
    cJSON_AddStringToObject(props, "community_code", cell->community_code);
    cJSON_AddStringToObject(props, "community_name", cell->community_name);
    cJSON_AddStringToObject(props, "street_code", cell->street_code);
    cJSON_AddStringToObject(props, "street_name", cell->street_name);
    if (public_view)
        return props;
    cJSON_AddNumberToObject(props, "area_m2", round(cell->area_m2 * 100) / 100);
    cJSON_AddStringToObject(props, "patrol_zone", cell->patrol_zone);
    // The leader and inspectors are JSON the store built from its own rows.
    cJSON_AddItemToObject(props, "leader",
                          cell->leader_json ? cJSON_CreateRaw(cell->leader_json)
                                            : cJSON_CreateNull());
    cJSON_AddItemToObject(props, "inspectors", cJSON_CreateRaw(cell->inspectors_json));
    return props;
}

static void add_cell(const struct store_grid_cell *cell, void *data)
{
    struct grid_list *list = data;
    if (++list->count > GRID_LIST_LIMIT) {
        list->truncated = true;
        return;
    }
    cJSON *feature = cJSON_CreateObject();
    cJSON_AddItemToArray(list->features, feature);
    cJSON_AddStringToObject(feature, "type", "Feature");
    cJSON_AddStringToObject(feature, "id", cell->code);
    cJSON *geometry = cJSON_AddObjectToObject(feature, "geometry");
    cJSON_AddStringToObject(geometry, "type", "Polygon");
    cJSON *rings = cJSON_AddArrayToObject(geometry, "coordinates");
    cJSON_AddItemToArray(rings, cJSON_CreateRaw(cell->ring_json)); // stored by store_places
    cJSON_AddItemToObject(feature, "properties", cell_properties(cell, list->public_view));
}

// Replies with the cells inside the jurisdiction filtered by the query's
// community and bbox.
static int reply_grids(struct request *req, const struct jurisdiction *jurisdiction,
                       bool public_view)
{
    struct store_grid_filter filter = {
        .jurisdiction = jurisdiction,
        .community_code = query_value(req, "community"),
        .limit = GRID_LIST_LIMIT + 1,
    };
    if (filter.community_code != NULL && !geo_community_code_valid(filter.community_code))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "community",
                                         "community must be a 12-digit community code");
    const char *bbox = request_query(req, "bbox");
    if (bbox != NULL && !parse_bbox(bbox, &filter))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "bbox",
                                         "bbox must be minLon,minLat,maxLon,maxLat in degrees");
    cJSON *body = request_json_object(req);
    cJSON_AddStringToObject(body, "type", "FeatureCollection");
    struct grid_list list = {cJSON_AddArrayToObject(body, "features"), 0, false, public_view};
    if (store_grid_list(req->server->store, &filter, add_cell, &list) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not list grid cells");
    cJSON_AddBoolToObject(body, "truncated", list.truncated);
    return request_reply_json(req, 200, body);
}

static int list_grids(struct request *req)
{
    return reply_grids(req, &req->user->jurisdiction, false);
}

// For the citizens' map: the outlines and names of the cells in a bounded box.
static int list_public_grids(struct request *req)
{
    struct store_grid_filter box = {0};
    const char *bbox = request_query(req, "bbox");
    if (bbox == NULL || !parse_bbox(bbox, &box) || box.max_lon - box.min_lon > 0.2 ||
        box.max_lat - box.min_lat > 0.2)
        return request_reply_field_error(
            req, 400, ERR_INVALID_QUERY, "bbox",
            "bbox is required: minLon,minLat,maxLon,maxLat spanning at "
            "most 0.2 degrees");
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    return reply_grids(req, &everywhere, true);
}

static cJSON *place_json(const char *code, const char *name)
{
    cJSON *place = cJSON_CreateObject();
    cJSON_AddStringToObject(place, "code", code);
    cJSON_AddStringToObject(place, "name", name);
    return place;
}

int api_places_query_point(struct request *req, double *lon, double *lat)
{
    bool lat_ok = parse_query_number(request_query(req, "lat"), lat) && *lat >= -90 && *lat <= 90;
    bool lon_ok = parse_query_number(request_query(req, "lon"), lon) && *lon >= -180 && *lon <= 180;
    if (lat_ok && lon_ok)
        return 0;
    return request_reply_field_error(req, 400, ERR_INVALID_QUERY, lat_ok ? "lon" : "lat",
                                     "lat and lon are required: decimal degrees, lat within "
                                     "[-90, 90], lon within [-180, 180]");
}

cJSON *api_places_location_json(const struct store_grid_location *where)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "code", where->grid_code);
    cJSON_AddStringToObject(body, "name", where->grid_name);
    cJSON_AddItemToObject(body, "community",
                          place_json(where->community_code, where->community_name));
    cJSON_AddItemToObject(body, "street", place_json(where->street_code, where->street_name));
    cJSON_AddItemToObject(body, "district", place_json(where->district_code, where->district_name));
    return body;
}

static int locate_grid(struct request *req)
{
    double lat, lon;
    int status = api_places_query_point(req, &lon, &lat);
    if (status != 0)
        return status;
    struct store_grid_location where;
    int rc = store_grid_locate(req->server->store, lon, lat, &where);
    if (rc == STORE_NOT_FOUND)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no grid cell covers this point");
    if (rc != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not locate the grid cell");
    return request_reply_json(req, 200, request_own_json(req, api_places_location_json(&where)));
}

// Replies 422 with the import report inside the error envelope.
static int reply_rejected(struct request *req, cJSON *report)
{
    int rejected = cJSON_GetArraySize(cJSON_GetObjectItem(report, "rejected"));
    return request_reply_report_error(req, 422, ERR_UNPROCESSABLE, report,
                                      "%d feature(s) rejected; nothing was imported (see "
                                      "report, or retry with skip_invalid=1)",
                                      rejected);
}

static int import_grids(struct request *req)
{
    const char *skip = request_query(req, "skip_invalid");
    bool skip_invalid = skip != NULL && (strcmp(skip, "1") == 0 || strcmp(skip, "true") == 0);
    if (skip != NULL && !skip_invalid && strcmp(skip, "0") != 0 && strcmp(skip, "false") != 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "skip_invalid",
                                         "skip_invalid must be 1 or 0");
    cJSON *report = NULL;
    int rc = grid_import_collection(req->server->store, req->json, &req->user->jurisdiction,
                                    skip_invalid, &report);
    request_own_json(req, report);
    if (rc == GRID_IMPORT_OK || (rc == GRID_IMPORT_REJECTED && skip_invalid))
        return request_reply_json(req, 200, report);
    if (rc == GRID_IMPORT_REJECTED)
        return reply_rejected(req, report);
    if (rc == GRID_IMPORT_INVALID) {
        cJSON *error = cJSON_GetObjectItem(report, "error");
        return request_reply_error(req, 400, ERR_INVALID_FIELD, "%s",
                                   cJSON_GetStringValue(cJSON_GetObjectItem(error, "message")));
    }
    return request_reply_store_error(req, rc == GRID_IMPORT_FULL ? STORE_FULL : STORE_ERROR,
                                     "the import failed");
}

// method, pattern, handler, flags, roles
const struct route API_PLACES_ROUTES[] = {
    {"GET", "/api/v1/org-units", list_org_units, ROUTE_AUTH, 0},
    {"GET", "/api/v1/grids", list_grids, ROUTE_AUTH, 0},
    {"GET", "/api/v1/grids/locate", locate_grid, 0, 0},
    {"GET", "/api/v1/public/grids", list_public_grids, 0, 0},
    {"POST", "/api/v1/admin/grids/import", import_grids, ROUTE_STAFF_WRITE, ROLE_ADMIN},
};
const size_t API_PLACES_ROUTE_COUNT = sizeof API_PLACES_ROUTES / sizeof API_PLACES_ROUTES[0];
