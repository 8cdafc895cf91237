// SPDX-License-Identifier: MIT
// Importing grid cells (单元网格) from GeoJSON: a FeatureCollection of Polygon
// features is parsed and checked feature by feature (code, community, geometry,
// overlaps with stored cells and with each other), then stored in one write job:
// all or nothing, unless invalid features are to be skipped. Holds no SQL.
#ifndef CHENGGUAN_GRID_IMPORT_H
#define CHENGGUAN_GRID_IMPORT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

struct jurisdiction;
struct store;

// Most features one import may hold.
#define GRID_IMPORT_MAX_FEATURES 100000

enum grid_import_result {
    GRID_IMPORT_ERROR = -1,   // store failure or out of memory: nothing imported, no report
    GRID_IMPORT_OK = 0,       // every feature imported
    GRID_IMPORT_REJECTED = 1, // some features rejected: nothing imported, or with
                              // skip_invalid every other feature
    GRID_IMPORT_INVALID = 2,  // not a GeoJSON FeatureCollection: nothing imported
    GRID_IMPORT_FULL = 3,     // the disk is full: nothing imported, no report
};

// Imports the features of a parsed FeatureCollection. Each feature must be
// {"type":"Feature","geometry":{"type":"Polygon","coordinates":[ring]},
// "properties":{"code":"<15 digits>","name"?,"patrol_zone"?}} ("id" and "bbox"
// members are allowed and ignored; any other member or property is refused).
// The collection may carry "name", "crs" and "bbox" besides type and features.
// A feature is rejected, with the first reason found, when: its structure is wrong
// (invalid_feature, unknown_property, invalid_property, missing_code), its code
// is not 15 digits with a non-zero sequence (invalid_code), another feature of the
// file has its code (duplicate_code, the later ones), its geometry is missing,
// not a Polygon, a MultiPolygon, or has holes (missing_geometry, not_polygon,
// multipolygon, polygon_has_holes), its positions are not [lon, lat] numbers or
// exceed STORE_GRID_RING_MAX (invalid_coordinates, too_many_points), its ring fails
// geo_ring_check (too_few_points, out_of_range, ring_not_closed, zero_area,
// self_intersecting), its community (first 12 digits) is no community inside
// the jurisdiction (unknown_community; jurisdiction_covers_path), its code is stored already
// (code_exists), or it overlaps a stored cell (overlaps_existing) or an earlier accepted feature of
// the file (overlaps_feature). Seamless neighbours sharing edges are fine. *report (always set
// except on GRID_IMPORT_ERROR; the caller owns it) is
// {"imported":N,"rejected":[{"index":i,"code":"..." or null,"reason":"...",
// "error":"snake_code"}]}; for GRID_IMPORT_INVALID it also has "error":
// {"code":"invalid_geojson","message":"..."}. jurisdiction_init_everywhere
// imports anywhere.
int grid_import_collection(struct store *store, const cJSON *collection,
                           const struct jurisdiction *jurisdiction, bool skip_invalid,
                           cJSON **report);

// Applies the checks of grid_import_collection that need no store (structure,
// code, geometry, codes repeated within the file) and stores nothing. Returns
// and reports as grid_import_collection does, with "imported" 0: GRID_IMPORT_OK
// when no feature was rejected. The caller owns *report.
int grid_import_check(const cJSON *collection, cJSON **report);

// Parses len bytes of GeoJSON text (must be valid UTF-8 JSON) and imports it as
// grid_import_collection does, anywhere in the city. Same results and report.
int grid_import_geojson(struct store *store, const char *text, size_t len, bool skip_invalid,
                        cJSON **report);

// `chengguan import grids FILE [--skip-invalid]` with the common --data-dir, --db
// and --log-level options; FILE "-" reads standard input. Prints the report as
// JSON on standard output. Takes main's argv ("import", "grids", ...) or the same
// shifted by one (argv[1] = "grids"). Returns the exit status: 0 when everything
// was imported, 1 when anything was rejected or failed, 2 for bad usage.
int grid_import_command(int argc, char **argv);

#endif
