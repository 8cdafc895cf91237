// SPDX-License-Identifier: MIT
// Places in the store: org units (city > district > street > community, and the
// departments hanging off them) with materialised id paths, and grid cells with
// the R*Tree that finds the cell holding a point. Only this file speaks their SQL.
#ifndef CHENGGUAN_STORE_PLACES_H
#define CHENGGUAN_STORE_PLACES_H

#include "geo.h"
#include "jurisdiction.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

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
    bool disabled;            // kept for what names it, never dispatched to again
};

// True when `code` is a valid code for a unit of `type` whose parent is `parent`
// (NULL for none). Rules: city = 6 digits ending "00" (GB/T 2260, 440900) or
// their 4-digit prefix (4409), not a province, without parent; district = a
// GB/T 2260 district code (geo_district_code_valid) starting with its city's
// first 4 digits; street = 9 digits starting with its district's code
// (geo_street_code_valid); community = 12 digits starting with its street's code
// (geo_community_code_valid); department = the parent's code, "-D", then 1 to 4
// digits or capital letters (e.g. "440902-D01"), at most 15 characters, under a
// city, district or street. Pure; NULL type or code gives false.
bool store_org_unit_code_fits(const char *type, const char *code,
                              const struct store_org_unit *parent);

// The type of parent a unit of `type` has, for messages: "" for a city (none),
// "city", "district", "street", or "city, district or street" for a
// department; NULL for an unknown type. Pure.
const char *store_org_unit_parent_type(const char *type);

// Creates an org unit from unit->code, type, name, name_en, parent_id (0 = none)
// and department_kind (required, [a-z_], for departments; must be empty for
// places), and sets its path to the parent's path + its id + "/". Sets *id (may be
// NULL). Returns STORE_OK, STORE_INVALID (unknown type, missing parent, code not
// fitting store_org_unit_code_fits, empty name, bad kind), STORE_CONFLICT (code
// taken) or STORE_ERROR.
int store_org_unit_create(struct store *store, const struct store_org_unit *unit, int64_t *id);

// Loads a unit by id or by code. Returns STORE_OK, STORE_NOT_FOUND or STORE_ERROR.
int store_org_unit_get(struct store *store, int64_t id, struct store_org_unit *out);
int store_org_unit_find(struct store *store, const char *code, struct store_org_unit *out);

struct store_org_unit_filter {
    // Required (NULL lists nothing): the units it covers (jurisdiction_covers_path),
    // plus the departments of its own place and of the places above it
    // (jurisdiction_may_use_department). jurisdiction_init_everywhere for all.
    const struct jurisdiction *jurisdiction;
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
    char place_path[128]; // the community's path: what jurisdiction checks read
};

// Finds the one cell whose ring holds (lon, lat): R*Tree candidates by bounding
// box, then geo_point_in_ring (half-open rule: a point on an edge shared by two
// seamless cells belongs to exactly one). If rings overlapped (imports refuse
// that), the cell with the smallest id wins. Returns STORE_OK with *out filled,
// STORE_NOT_FOUND outside every cell (or for NaN), or STORE_ERROR.
int store_grid_locate(struct store *store, double lon, double lat, struct store_grid_location *out);

// Finds the id of the grid cell with this 15-digit code. Returns STORE_OK with
// *id set, STORE_NOT_FOUND or STORE_ERROR.
int store_grid_find(struct store *store, const char *code, int64_t *id);

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
    const struct jurisdiction *jurisdiction; // cells of the communities it covers (NULL: none)
    const char *community_code;              // NULL = any community
    bool has_bbox;                           // only cells whose bounding box meets this one
    double min_lon, min_lat, max_lon, max_lat;
    int limit; // most cells to list (1..100000)
};

// Calls fn for each cell matching the filter, ordered by code, at most
// filter->limit. Returns STORE_OK or STORE_ERROR.
int store_grid_list(struct store *store, const struct store_grid_filter *filter,
                    void (*fn)(const struct store_grid_cell *cell, void *data), void *data);

// ---- imports, seeds and assignments ----

// A cell to store: its community is named by code.
struct store_grid_new {
    const char *code;             // 15 digits; the caller checked it
    const char *community_code;   // 12 digits
    const char *name;             // NULL = ""
    const char *patrol_zone;      // NULL = ""
    const struct geo_point *ring; // closed, valid (geo_ring_check), at most STORE_GRID_RING_MAX
    size_t ring_len;
};

// What an import did with one cell.
enum store_grid_verdict {
    STORE_GRID_IMPORTED,          // stored (or would have been, had nothing else failed)
    STORE_GRID_UNKNOWN_COMMUNITY, // no such community inside the scope
    STORE_GRID_CODE_EXISTS,       // a stored cell has this code
    STORE_GRID_OVERLAPS,          // the ring overlaps a stored cell or an earlier one of the import
    STORE_GRID_INVALID,           // the ring is too long to store
};

struct store_grid_outcome {
    enum store_grid_verdict verdict;
    int64_t grid_id;    // the new cell's id when stored
    int64_t overlap_id; // STORE_GRID_OVERLAPS with a stored cell: its id
    int overlap_index;  // STORE_GRID_OVERLAPS with an earlier cell of the import: its
                        // index in cells; else -1
    char overlap_code[16];
};

// Imports cells in one transaction, in order: each one's community must exist
// inside the jurisdiction (jurisdiction_covers_path; NULL: none), its code must be new and its ring
// must overlap no stored cell (earlier cells of the same import included;
// geo_rings_overlap). outcomes[i] tells what happened to cells[i]. When a cell is
// refused and keep_valid is false nothing is stored and STORE_INVALID is
// returned; otherwise STORE_OK with *imported cells stored. STORE_ERROR on failure
// (nothing stored, *imported = 0). The geometry is checked on the calling thread
// before the write, which only checks again against cells stored meanwhile: a
// slow import does not hold up other writes.
int store_grid_import(struct store *store, const struct store_grid_new *cells, size_t count,
                      const struct jurisdiction *jurisdiction, bool keep_valid,
                      struct store_grid_outcome *outcomes, int *imported);

// A unit to create, its parent named by code (NULL for a city).
struct store_org_unit_new {
    const char *code, *type, *name, *name_en;
    const char *parent_code;
    const char *department_kind; // departments only; NULL or "" for places
};

// Creates units (in order, so a parent comes before its children) and then cells,
// all in one transaction: all or nothing. Returns STORE_OK, STORE_CONFLICT (a
// unit's code is taken), STORE_INVALID (unknown parent or community, a unit
// breaking store_org_unit_create's rules, a cell store_grid_import would refuse,
// its code taken included) or STORE_ERROR.
int store_places_create(struct store *store, const struct store_org_unit_new *units,
                        size_t unit_count, const struct store_grid_new *cells, size_t cell_count);

// Makes user_id an inspector of every cell whose code starts with code_prefix,
// and, when as_leader, also their grid leader (网格长). Sets *count (may be NULL)
// to the number of cells. Returns STORE_OK or STORE_ERROR.
int store_grid_assign(struct store *store, const char *code_prefix, int64_t user_id, bool as_leader,
                      int *count);

#endif
