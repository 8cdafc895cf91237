// SPDX-License-Identifier: MIT
// Fuzzes the GeoJSON grid import up to the store: json_parse_object, then
// grid_import_check. The report always has "imported" 0 and a "rejected" list
// in file order, each with an index of the file, a known reason code and a
// sentence; a document refused whole has the invalid_geojson error and no
// rejections. Every feature not rejected is checked again here from the parsed
// tree: a Polygon with one closed ring that geo_ring_check accepts, a 15-digit
// code whose community part is valid, no other accepted feature with its code,
// and only the allowed members and properties.
// Input: the GeoJSON text.
#include "fuzz.h"
#include "geo.h"
#include "grid_import.h"
#include "json.h"
#include "store_places.h"

#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static bool only_members(const cJSON *obj, const char *const *allowed, size_t count)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, obj)
    {
        bool known = false;
        for (size_t i = 0; i < count && !known; i++)
            known = strcmp(item->string, allowed[i]) == 0;
        if (!known)
            return false;
    }
    return true;
}

static bool is_reason(const char *code)
{
    static const char *const REASONS[] = {
        "invalid_feature",  "unknown_property", "invalid_property",     "missing_code",
        "invalid_code",     "duplicate_code",   "missing_geometry",     "not_polygon",
        "multipolygon",     "polygon_has_holes", "invalid_coordinates", "too_many_points",
        "too_few_points",   "out_of_range",     "ring_not_closed",      "zero_area",
        "self_intersecting"};
    for (size_t i = 0; i < COUNT_OF(REASONS); i++)
        if (strcmp(code, REASONS[i]) == 0)
            return true;
    return false;
}

// Re-derives what makes a feature acceptable without a store.
static void check_accepted(const cJSON *feature, int index)
{
    static const char *const FEATURE[] = {"type", "geometry", "properties", "id", "bbox"};
    static const char *const PROPERTIES[] = {"code", "name", "patrol_zone"};
    FUZZ_CHECK(cJSON_IsObject(feature) && only_members(feature, FEATURE, COUNT_OF(FEATURE)),
               "feature %d: accepted with a wrong shape", index);
    FUZZ_CHECK(strcmp(json_get_string(feature, "type"), "Feature") == 0, "feature %d: type", index);
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(feature, "properties");
    FUZZ_CHECK(cJSON_IsObject(props) && only_members(props, PROPERTIES, COUNT_OF(PROPERTIES)),
               "feature %d: accepted with wrong properties", index);
    const char *code = json_get_string(props, "code");
    FUZZ_CHECK(code != NULL && geo_grid_code_valid(code), "feature %d: code", index);
    char community[GEO_COMMUNITY_CODE_LEN + 1];
    memcpy(community, code, GEO_COMMUNITY_CODE_LEN);
    community[GEO_COMMUNITY_CODE_LEN] = '\0';
    FUZZ_CHECK(geo_grid_code_in_community(code, community), "feature %d: code %s", index, code);
    static const struct {
        const char *name;
        size_t max;
    } OPTIONAL[] = {{"name", 127}, {"patrol_zone", 63}};
    for (size_t k = 0; k < COUNT_OF(OPTIONAL); k++) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(props, OPTIONAL[k].name);
        FUZZ_CHECK(value == NULL || cJSON_IsNull(value) ||
                       (cJSON_IsString(value) && strlen(value->valuestring) <= OPTIONAL[k].max),
                   "feature %d: accepted with a bad %s", index, OPTIONAL[k].name);
    }
    const cJSON *geometry = cJSON_GetObjectItemCaseSensitive(feature, "geometry");
    FUZZ_CHECK(strcmp(json_get_string(geometry, "type"), "Polygon") == 0, "feature %d: geometry",
               index);
    const cJSON *rings = cJSON_GetObjectItemCaseSensitive(geometry, "coordinates");
    FUZZ_CHECK(cJSON_GetArraySize(rings) == 1, "feature %d: %d rings", index,
               cJSON_GetArraySize(rings));
    const cJSON *ring = cJSON_GetArrayItem(rings, 0);
    int n = cJSON_GetArraySize(ring);
    FUZZ_CHECK(n >= 4 && n <= STORE_GRID_RING_MAX, "feature %d: %d points", index, n);
    struct geo_point *pts = malloc((size_t)n * sizeof *pts);
    int i = 0;
    const cJSON *position;
    cJSON_ArrayForEach(position, ring)
    {
        int dims = cJSON_GetArraySize(position);
        FUZZ_CHECK(cJSON_IsArray(position) && (dims == 2 || dims == 3),
                   "feature %d: position %d", index, i);
        const cJSON *lon = cJSON_GetArrayItem(position, 0), *lat = cJSON_GetArrayItem(position, 1);
        FUZZ_CHECK(cJSON_IsNumber(lon) && cJSON_IsNumber(lat), "feature %d: position %d", index,
                   i);
        pts[i++] = (struct geo_point){lon->valuedouble, lat->valuedouble};
    }
    FUZZ_CHECK(geo_ring_check(pts, (size_t)n) == GEO_RING_OK, "feature %d: the ring is %s", index,
               geo_ring_error_message(geo_ring_check(pts, (size_t)n)));
    free(pts);
}

static void check_report(const cJSON *collection, int rc, const cJSON *report)
{
    FUZZ_CHECK(rc != GRID_IMPORT_ERROR && report != NULL, "the check failed (%d)", rc);
    const cJSON *imported = cJSON_GetObjectItemCaseSensitive(report, "imported");
    FUZZ_CHECK(cJSON_IsNumber(imported) && imported->valuedouble == 0, "something was imported");
    const cJSON *rejected = cJSON_GetObjectItemCaseSensitive(report, "rejected");
    FUZZ_CHECK(cJSON_IsArray(rejected), "no rejected list");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(report, "error");
    if (rc == GRID_IMPORT_INVALID) {
        FUZZ_CHECK(strcmp(json_get_string(error, "code"), "invalid_geojson") == 0 &&
                       cJSON_GetArraySize(rejected) == 0,
                   "a document refused whole");
        return;
    }
    FUZZ_CHECK(error == NULL, "an error with rc %d", rc);
    FUZZ_CHECK((rc == GRID_IMPORT_REJECTED) == (cJSON_GetArraySize(rejected) > 0),
               "rc %d with %d rejected", rc, cJSON_GetArraySize(rejected));
    const cJSON *features = cJSON_GetObjectItemCaseSensitive(collection, "features");
    int count = cJSON_GetArraySize(features), previous = -1;
    bool *refused = calloc((size_t)count + 1, sizeof *refused);
    const cJSON *item;
    cJSON_ArrayForEach(item, rejected)
    {
        const cJSON *index = cJSON_GetObjectItemCaseSensitive(item, "index");
        FUZZ_CHECK(cJSON_IsNumber(index) && index->valueint > previous && index->valueint < count,
                   "rejection index out of order or range");
        previous = index->valueint;
        refused[previous] = true;
        const char *reason = json_get_string(item, "error");
        FUZZ_CHECK(reason != NULL && is_reason(reason), "unknown reason %s", reason);
        const char *sentence = json_get_string(item, "reason");
        FUZZ_CHECK(sentence != NULL && strlen(sentence) > 10, "a rejection without a sentence");
    }
    // The accepted ones: each valid, their codes distinct.
    const cJSON *feature;
    int i = 0;
    cJSON_ArrayForEach(feature, features)
    {
        if (!refused[i]) {
            check_accepted(feature, i);
            const char *code = json_get_string(
                cJSON_GetObjectItemCaseSensitive(feature, "properties"), "code");
            const cJSON *earlier;
            int j = 0;
            cJSON_ArrayForEach(earlier, features)
            {
                if (j >= i)
                    break;
                if (!refused[j])
                    FUZZ_CHECK(strcmp(code, json_get_string(cJSON_GetObjectItemCaseSensitive(
                                                                earlier, "properties"),
                                                            "code")) != 0,
                               "features %d and %d both accepted with code %s", j, i, code);
                j++;
            }
        }
        i++;
    }
    free(refused);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_problem problem;
    cJSON *collection = json_parse_object((const char *)data, size, &problem);
    if (collection == NULL)
        return 0;
    cJSON *report = NULL;
    int rc = grid_import_check(collection, &report);
    check_report(collection, rc, report);
    cJSON_Delete(report);
    cJSON_Delete(collection);
    return 0;
}
