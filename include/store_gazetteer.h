// SPDX-License-Identifier: MIT
// The gazetteer in the store: roads (cut into indexed parts), house numbers,
// landmarks, blocks and water; an import in one write job; name lookups by
// prefix and by segmented term; the nearest road part and house number to a
// point; and what the base map draws inside a box. Only this file speaks their SQL.
#ifndef CHENGGUAN_STORE_GAZETTEER_H
#define CHENGGUAN_STORE_GAZETTEER_H

#include "geo.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

// Most vertices of one stored road part: a road's lines are cut into parts of
// this many (neighbours share a vertex), each with its own index box.
#define STORE_GAZETTEER_PART_POINTS 16

struct store_gazetteer_line {
    const struct geo_point *points;
    size_t count; // >= 2
};

struct store_gazetteer_road_new {
    const char *name;    // required, unique: a road of a stored name gets these lines added
    const char *name_en; // may be NULL
    const char *kind;    // e.g. primary, secondary, residential; may be NULL
    const struct store_gazetteer_line *lines;
    size_t line_count; // >= 1
};

struct store_gazetteer_address_new {
    const char *road;   // a road of the import or a stored one
    const char *number; // e.g. "12", "3-1"; a stored (road, number) is moved
    struct geo_point point;
};

struct store_gazetteer_landmark_new {
    const char *name;
    const char *kind; // school, market, park, government...; may be NULL
    struct geo_point point;
};

struct store_gazetteer_area_new {
    const char *kind;       // "block" or "water"
    const char *name;       // may be NULL
    const char *grid_code;  // the cell of a block, may be NULL
    const char *rings_json; // GeoJSON Polygon coordinates, checked by the caller
    double min_lon, min_lat, max_lon, max_lat;
};

struct store_gazetteer_batch {
    const struct store_gazetteer_road_new *roads;
    size_t road_count;
    const struct store_gazetteer_address_new *addresses;
    size_t address_count;
    const struct store_gazetteer_landmark_new *landmarks;
    size_t landmark_count;
    const struct store_gazetteer_area_new *areas;
    size_t area_count;
    bool replace; // delete the whole stored gazetteer first
};

// Stores the batch in one write job, all or nothing, and bumps the gazetteer's
// version. Returns STORE_OK; STORE_INVALID with *bad_address set to the index
// of the first address whose road is neither in the batch nor stored (nothing
// stored); STORE_FULL or STORE_ERROR.
int store_gazetteer_import(struct store *store, const struct store_gazetteer_batch *batch,
                           size_t *bad_address);

// STORE_OK when a road of this name is stored, else STORE_NOT_FOUND or STORE_ERROR.
int store_gazetteer_road_exists(struct store *store, const char *name);

// The version every import bumps (0 before any). Returns STORE_OK or STORE_ERROR.
int store_gazetteer_version(struct store *store, int64_t *version);

// A named place found by a lookup; valid during the callback only.
struct store_gazetteer_name {
    int64_t id;
    const char *name;
    const char *name_en; // "" for landmarks
    const char *kind;
    struct geo_point point; // a road's label point, a landmark's position
};

// Which names store_gazetteer_names reads.
enum store_gazetteer_lookup {
    STORE_GAZETTEER_ROAD_PREFIX,     // roads whose name starts with text
    STORE_GAZETTEER_ROAD_TERM,       // roads having a name term starting with text
    STORE_GAZETTEER_LANDMARK_PREFIX, // the same for landmarks
    STORE_GAZETTEER_LANDMARK_TERM,
};

// Calls fn for at most limit names found by the lookup of text (a term is one
// token of textseg_index over the name and English name). Returns STORE_OK or
// STORE_ERROR.
int store_gazetteer_names(struct store *store, enum store_gazetteer_lookup lookup, const char *text,
                          int limit,
                          void (*fn)(const struct store_gazetteer_name *name, void *data),
                          void *data);

// A house number; valid during the callback only.
struct store_gazetteer_address {
    int64_t id;
    const char *road;
    const char *road_en;
    const char *number;
    struct geo_point point;
};

// Calls fn for at most limit house numbers of the road named road whose number
// starts with number_prefix ("" = any), shortest numbers first, then in byte
// order (so "12" comes before "120"). Returns STORE_OK or STORE_ERROR.
int store_gazetteer_addresses(struct store *store, const char *road, const char *number_prefix,
                              int limit,
                              void (*fn)(const struct store_gazetteer_address *address, void *data),
                              void *data);

// The nearest road to a point within radius_m metres.
struct store_gazetteer_near_road {
    int64_t road_id;
    char name[128];
    char name_en[128];
    char kind[32];
    double distance_m;
    struct geo_point nearest; // the nearest point on the road
};

// Finds the road nearest to p among the parts whose boxes come within
// radius_m. Returns STORE_OK, STORE_NOT_FOUND (none within radius_m) or STORE_ERROR.
int store_gazetteer_nearest_road(struct store *store, struct geo_point p, double radius_m,
                                 struct store_gazetteer_near_road *out);

struct store_gazetteer_near_address {
    char road[128];
    char number[16];
    struct geo_point point;
    double distance_m;
};

// Finds the house number nearest to p within radius_m. Returns STORE_OK,
// STORE_NOT_FOUND or STORE_ERROR.
int store_gazetteer_nearest_address(struct store *store, struct geo_point p, double radius_m,
                                    struct store_gazetteer_near_address *out);

// What the base map draws, handed out feature by feature (texts valid during the
// call only). kind is a road's kind, "block"/"water" for areas, a landmark's kind.
struct store_gazetteer_map_sink {
    void (*road_part)(const char *name, const char *kind, const char *points_json, void *data);
    void (*area)(const char *kind, const char *name, const char *rings_json, void *data);
    void (*landmark)(const char *name, const char *kind, struct geo_point point, void *data);
    void *data;
};

// Hands the road parts, areas and landmarks whose boxes meet the box to the
// sink, at most limit of each (areas first, water before blocks). Returns
// STORE_OK or STORE_ERROR.
int store_gazetteer_map(struct store *store, double min_lon, double min_lat, double max_lon,
                        double max_lat, int limit, const struct store_gazetteer_map_sink *sink);

#endif
