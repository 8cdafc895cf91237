// SPDX-License-Identifier: MIT
// Importing the gazetteer from GeoJSON: one FeatureCollection of roads
// (LineString, MultiLineString), house numbers and landmarks (Point), blocks
// and water (Polygon, MultiPolygon), told apart by properties.layer; every
// feature checked, then stored in one write job, all or nothing. Also the
// `chengguan import gazetteer` command. Holds no SQL.
#ifndef CHENGGUAN_GAZETTEER_IMPORT_H
#define CHENGGUAN_GAZETTEER_IMPORT_H

#include <cjson/cJSON.h>
#include <stdbool.h>

struct store;

// Most features one import may hold.
#define GAZETTEER_IMPORT_MAX_FEATURES 1000000

enum gazetteer_import_result {
    GAZETTEER_IMPORT_ERROR = -1,   // store failure or out of memory: nothing imported
    GAZETTEER_IMPORT_OK = 0,       // every feature imported
    GAZETTEER_IMPORT_REJECTED = 1, // some features rejected: nothing imported
    GAZETTEER_IMPORT_INVALID = 2,  // not a FeatureCollection: nothing imported
    GAZETTEER_IMPORT_FULL = 3,     // the disk is full: nothing imported
};

// Imports a parsed FeatureCollection. Properties by layer (others refused;
// null counts as absent):
//   road:     name (required), name_en, kind; LineString or MultiLineString
//             (features of one name make one road: OpenStreetMap's ways)
//   address:  road (a road of the file or a stored one), number ("12", "3-1":
//             ASCII digits, letters and '-', starting with a digit); Point
//   landmark: name (required), kind; Point
//   block:    name, cell (a 15-digit grid code); Polygon or MultiPolygon
//   water:    name; Polygon or MultiPolygon
// A feature is rejected with the first reason found (error codes:
// invalid_feature, unknown_layer, unknown_property, invalid_property,
// missing_property, wrong_geometry, invalid_coordinates, too_many_points,
// too_few_points, ring_not_closed, invalid_number, duplicate_number,
// unknown_road, invalid_cell). With replace the stored gazetteer is deleted in
// the same transaction first. *report (always set except on ERROR and FULL; the
// caller owns it) is {"imported":{"roads":N,"addresses":N,"landmarks":N,
// "areas":N},"rejected":[{"index":i,"layer":"..." or null,"reason":"...",
// "error":"code"}]}; for INVALID it also has "error":{"code":"invalid_geojson",
// "message":"..."}.
int gazetteer_import_collection(struct store *store, const cJSON *collection, bool replace,
                                cJSON **report);

// `chengguan import gazetteer FILE [--replace]` with the common --data-dir, --db
// and --log-level options; FILE "-" reads standard input. Prints the report.
// Takes argv shifted so that argv[1] is "gazetteer". Returns 0 when everything
// was imported, 1 when anything was rejected or failed, 2 for bad usage.
int gazetteer_import_command(int argc, char **argv);

#endif
