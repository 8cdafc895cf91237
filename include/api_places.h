// SPDX-License-Identifier: MIT
// What the places API lends the other handlers that speak of points: the
// lat/lon query, the bbox query and the JSON of the cell holding a point (the
// body of GET /api/v1/grids/locate).
#ifndef CHENGGUAN_API_PLACES_H
#define CHENGGUAN_API_PLACES_H

#include <cjson/cJSON.h>
#include <stdbool.h>

struct request;
struct store_grid_location;

// Reads the query's lat and lon (decimal degrees within range). Returns 0, or
// replies 400 (field "lat" or "lon") and returns 400.
int api_places_query_point(struct request *req, double *lon, double *lat);

// Parses "minLon,minLat,maxLon,maxLat" into box (that order). Returns false
// when malformed, out of range or inverted.
bool api_places_parse_bbox(const char *text, double box[4]);

// {"code","name","community":{code,name},"street":{...},"district":{...}}, a
// new object the caller owns (NULL when out of memory).
cJSON *api_places_location_json(const struct store_grid_location *where);

#endif
