// SPDX-License-Identifier: MIT
// What the GeoJSON imports (grid cells, the gazetteer) share: the check of a
// FeatureCollection's members, the search for a member not allowed, and the
// command line's reading of a whole file or standard input. Holds no SQL.
#ifndef CHENGGUAN_GEOJSON_H
#define CHENGGUAN_GEOJSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

// Returns the name of the first member of obj not in allowed (count names), or NULL.
const char *geojson_unknown_member(const cJSON *obj, const char *const *allowed, size_t count);

// Returns NULL when collection is a FeatureCollection with a features array of
// at most max_features and no members but type, features, name, crs and bbox;
// else why not (static text).
const char *geojson_collection_problem(const cJSON *collection, int max_features);

// Reads a whole file ("-" = standard input) of at most 512 MiB into a malloc'd
// buffer the caller frees. Returns it with *len set, or NULL after printing
// why on standard error, prefixed "chengguan import: ".
char *geojson_read_file(const char *path, size_t *len);

#endif
