// SPDX-License-Identifier: MIT
// GeoJSON helpers shared by the imports of grid cells and of the gazetteer:
// member checks of a FeatureCollection and reading the command line's file.
#include "geojson.h"

#include "json.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

const char *geojson_unknown_member(const cJSON *obj, const char *const *allowed, size_t count)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, obj)
    {
        bool known = false;
        for (size_t i = 0; i < count && !known; i++)
            known = item->string != NULL && strcmp(item->string, allowed[i]) == 0;
        if (!known)
            return item->string ? item->string : "";
    }
    return NULL;
}

const char *geojson_collection_problem(const cJSON *collection, int max_features)
{
    static const char *const ALLOWED[] = {"type", "features", "name", "crs", "bbox"};
    const char *type = json_get_string(collection, "type");
    if (!cJSON_IsObject(collection) || type == NULL || strcmp(type, "FeatureCollection") != 0)
        return "the document must be a GeoJSON FeatureCollection";
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(collection, "features")))
        return "the FeatureCollection has no features array";
    if (geojson_unknown_member(collection, ALLOWED, COUNT_OF(ALLOWED)) != NULL)
        return "the FeatureCollection has an unknown member (allowed: type, features, name, "
               "crs, bbox)";
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(collection, "features")) >
        max_features)
        return "too many features in one import";
    return NULL;
}

char *geojson_read_file(const char *path, size_t *len)
{
    const size_t limit = 512u * 1024 * 1024;
    FILE *file = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "chengguan import: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t capacity = 65536, used = 0;
    char *data = malloc(capacity);
    while (data != NULL) {
        if (used == capacity) {
            char *grown = capacity < limit ? realloc(data, capacity * 2) : NULL;
            if (grown == NULL) {
                free(data);
                data = NULL;
                fprintf(stderr, "chengguan import: %s is too large\n", path);
                break;
            }
            data = grown;
            capacity *= 2;
        }
        size_t got = fread(data + used, 1, capacity - used, file);
        used += got;
        if (got == 0) {
            if (ferror(file)) {
                fprintf(stderr, "chengguan import: cannot read %s\n", path);
                free(data);
                data = NULL;
            }
            break;
        }
    }
    if (file != stdin)
        fclose(file);
    *len = used;
    return data;
}

