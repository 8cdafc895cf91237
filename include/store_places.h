// SPDX-License-Identifier: MIT
// Places in the store: org units (city > district > street > community, and the
// departments hanging off them) with materialised id paths, and grid cells with
// the R*Tree that finds the cell holding a point. Only this file speaks their SQL.
#ifndef CHENGGUAN_STORE_PLACES_H
#define CHENGGUAN_STORE_PLACES_H

#include "geo.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_tx;

// Most points a stored grid ring may have (closing point included).
#define STORE_GRID_RING_MAX 1024
// Longest org-unit code: "440902001-DABCD" (a department of a street).
#define STORE_ORG_CODE_MAX 15

struct store_org_unit {
    int64_t id;
    char code[STORE_ORG_CODE_MAX + 1];
    char type[16];            // city, district, street, community or department
    char name[128];           // Chinese name, e.g. 茂南区
    char name_en[128];        // English name, may be empty
    int64_t parent_id;        // 0 for a unit without a parent (the city)
    char path[128];           // "/1/4/9/": the ids from the root down to this unit
    char department_kind[32]; // departments only (municipal, sanitation, ...); else ""
};

// True when `code` is a valid code for a unit of `type` whose parent is `parent`
// (NULL for none). Rules: city = 4 digits (not ending "00") without parent;
// district = a GB/T 2260 district code (geo_district_code_valid) starting with its
// city's code; street = 9 digits starting with its district's code
// (geo_street_code_valid); community = 12 digits starting with its street's code
// (geo_community_code_valid); department = the parent's code, "-D", then 1 to 4
// digits or capital letters (e.g. "440902-D01"), at most 15 characters, under a
// city, district or street. Pure; NULL type or code gives false.
bool store_org_unit_code_fits(const char *type, const char *code,
                              const struct store_org_unit *parent);

// Creates an org unit from unit->code, type, name, name_en, parent_id (0 = none)
// and department_kind (required, [a-z_], for departments; must be empty for
// places), and sets its path to the parent's path + its id + "/". Sets *id (may be
// NULL). Returns STORE_OK, STORE_INVALID (unknown type, missing parent, code not
// fitting store_org_unit_code_fits, empty name, bad kind), STORE_CONFLICT (code
// taken) or STORE_ERROR.
int store_org_unit_create(struct store *store, const struct store_org_unit *unit, int64_t *id);

// The same inside a write job (e.g. a seed that creates many units at once).
int store_org_unit_create_tx(struct store_tx *tx, const struct store_org_unit *unit, int64_t *id);

// Loads a unit by id or by code. Returns STORE_OK, STORE_NOT_FOUND or STORE_ERROR.
int store_org_unit_get(struct store *store, int64_t id, struct store_org_unit *out);
int store_org_unit_find(struct store *store, const char *code, struct store_org_unit *out);

struct store_org_unit_filter {
    // Jurisdiction: places whose path starts with scope_path ("" or NULL = all),
    // plus departments whose parent lies inside it or is one of its ancestors.
    const char *scope_path;
    const char *type;        // NULL = every type
    const char *parent_code; // NULL = any parent; else only the children of that unit
};

// Calls fn for each unit matching the filter, ordered by code. The unit is valid
// during the call only. Returns STORE_OK or STORE_ERROR.
int store_org_unit_list(struct store *store, const struct store_org_unit_filter *filter,
                        void (*fn)(const struct store_org_unit *unit, void *data), void *data);

// Finds the department of `kind` responsible for the place place_id: the one
// whose parent is the nearest of the place itself and its ancestors (a street's
// street_office before the district's, the district's before the city's); ties
// go to the smallest code. Returns STORE_OK, STORE_NOT_FOUND or STORE_ERROR.
int store_department_for_place(struct store *store, const char *kind, int64_t place_id,
                               struct store_org_unit *out);

// The grid cell holding a point and the places above it.
struct store_grid_location {
    int64_t grid_id;
    char grid_code[16];
    char grid_name[128];
    int64_t community_id;
    char community_code[16];
    char community_name[128];
    int64_t street_id;
    char street_code[16];
    char street_name[128];
    int64_t district_id;
    char district_code[16];
    char district_name[128];
};

// Finds the one cell whose ring holds (lon, lat): R*Tree candidates by bounding
// box, then geo_point_in_ring (half-open rule: a point on an edge shared by two
// seamless cells belongs to exactly one). If rings overlapped (imports refuse
// that), the cell with the smallest id wins. Returns STORE_OK with *out filled,
// STORE_NOT_FOUND outside every cell (or for NaN), or STORE_ERROR.
int store_grid_locate(struct store *store, double lon, double lat, struct store_grid_location *out);

// One cell as listed; the strings are valid during the callback only.
struct store_grid_cell {
    int64_t id;
    const char *code;
    const char *name;
    const char *community_code;
    const char *community_name;
    const char *street_code;
    const char *street_name;
    double area_m2;
    const char *patrol_zone;
    const char *ring_json;       // "[[lon,lat],...]", closed
    const char *leader_json;     // {"id","username","display_name"} or NULL
    const char *inspectors_json; // array of such objects, by username; "[]" if none
};

struct store_grid_filter {
    const char *scope_path;     // cells of communities inside it ("" or NULL = all)
    const char *community_code; // NULL = any community
    bool has_bbox;              // only cells whose bounding box meets this one
    double min_lon, min_lat, max_lon, max_lat;
    int limit; // most cells to list (1..100000)
};

// Calls fn for each cell matching the filter, ordered by code, at most
// filter->limit. Returns STORE_OK or STORE_ERROR.
int store_grid_list(struct store *store, const struct store_grid_filter *filter,
                    void (*fn)(const struct store_grid_cell *cell, void *data), void *data);

// ---- inside a write job (imports and seeds) ----

// Finds the community org unit with this code inside scope_path ("" or NULL =
// anywhere). Returns STORE_OK with *id set, STORE_NOT_FOUND or STORE_ERROR.
int store_places_tx_community(struct store_tx *tx, const char *code, const char *scope_path,
                              int64_t *id);

// Returns STORE_OK when a grid cell with this code exists, else STORE_NOT_FOUND
// (or STORE_ERROR).
int store_grid_tx_exists(struct store_tx *tx, const char *code);

// Calls fn(id, code, ring, n, data) for every stored cell whose bounding box meets
// the given one, by id; ring and code are valid during the call only. fn returns
// 0 to go on or another value to stop, which is then returned. Returns STORE_OK
// after all candidates, fn's value, or STORE_ERROR.
int store_grid_tx_candidates(struct store_tx *tx, double min_lon, double min_lat, double max_lon,
                             double max_lat,
                             int (*fn)(int64_t id, const char *code, const struct geo_point *ring,
                                       size_t n, void *data),
                             void *data);

struct store_grid_new {
    const char *code; // 15 digits; the caller checked it
    int64_t community_id;
    const char *name;             // NULL = ""
    const char *patrol_zone;      // NULL = ""
    const struct geo_point *ring; // closed, valid (geo_ring_check), at most STORE_GRID_RING_MAX
    size_t ring_len;
};

// Inserts a cell with its area (geo_ring_area_m2), bounding box and R*Tree entry.
// Does not check overlaps (the caller does). Sets *id (may be NULL). Returns
// STORE_OK, STORE_INVALID (ring too long), STORE_CONFLICT (code taken) or
// STORE_ERROR.
int store_grid_tx_insert(struct store_tx *tx, const struct store_grid_new *cell, int64_t *id);

// Makes user_id an inspector of every cell whose code starts with code_prefix,
// and, when as_leader, also their grid leader (网格长). Sets *count (may be NULL)
// to the number of cells. Returns STORE_OK or STORE_ERROR.
int store_grid_tx_assign(struct store_tx *tx, const char *code_prefix, int64_t user_id,
                         bool as_leader, int *count);

#endif
