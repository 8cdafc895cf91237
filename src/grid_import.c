// SPDX-License-Identifier: MIT
// GeoJSON import of grid cells: parse and check every feature (structure, code,
// geometry), find duplicates within the file, then hand the rest to the store's
// import, which checks the community, stored codes and overlaps in one
// transaction and keeps nothing unless all passed or invalid features are skipped. Also the
// `chengguan import grids` command.
#include "grid_import.h"

#include "cli.h"
#include "geo.h"
#include "geojson.h"
#include "json.h"
#include "jurisdiction.h"
#include "log.h"
#include "store.h"
#include "store_places.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NAME_MAX_BYTES        127
#define PATROL_ZONE_MAX_BYTES 63

struct import_feature {
    int index;
    const char *code; // points into the parsed document; NULL when absent
    const char *name;
    const char *patrol_zone;
    struct geo_point *ring; // owned
    size_t n;
    double min_lon, min_lat, max_lon, max_lat;
    const char *error; // snake_case reason code; NULL while acceptable
    char reason[200];
    int64_t grid_id; // set once inserted
};

struct import_run {
    struct store *store;
    const struct jurisdiction *jurisdiction;
    bool skip_invalid;
    size_t count;
    struct import_feature *features;
    int imported;
};

static void reject(struct import_feature *f, const char *error, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void reject(struct import_feature *f, const char *error, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsnprintf(f->reason, sizeof f->reason, format, ap);
    va_end(ap);
    f->error = error;
}

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

// An optional string property: absent or null gives NULL. Returns false after
// rejecting the feature when it is not a string or too long.
static bool optional_string(struct import_feature *f, const cJSON *props, const char *name,
                            size_t max_bytes, const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(props, name);
    *out = NULL;
    if (item == NULL || cJSON_IsNull(item))
        return true;
    if (!cJSON_IsString(item) || strlen(item->valuestring) > max_bytes) {
        reject(f, "invalid_property", "properties.%s must be a string of at most %zu bytes", name,
               max_bytes);
        return false;
    }
    *out = item->valuestring;
    return true;
}

static bool parse_properties(struct import_feature *f, const cJSON *props)
{
    static const char *const ALLOWED[] = {"code", "name", "patrol_zone"};
    if (!cJSON_IsObject(props)) {
        reject(f, "missing_code", "the feature has no properties object with a code");
        return false;
    }
    const char *unknown = geojson_unknown_member(props, ALLOWED, COUNT_OF(ALLOWED));
    if (unknown != NULL) {
        reject(f, "unknown_property",
               "unknown property '%.40s': a cell has only code, name and patrol_zone", unknown);
        return false;
    }
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(props, "code");
    if (!cJSON_IsString(code)) {
        reject(f, "missing_code", "properties.code must be the cell's 15-digit code as a string");
        return false;
    }
    f->code = code->valuestring;
    char community[GEO_COMMUNITY_CODE_LEN + 1] = "";
    if (geo_grid_code_valid(f->code))
        memcpy(community, f->code, GEO_COMMUNITY_CODE_LEN);
    if (!geo_grid_code_in_community(f->code, community)) {
        reject(f, "invalid_code",
               "code '%.40s' is not a grid code: 15 digits = 6 district + 3 street + "
               "3 community + 3 sequence (not 000)",
               f->code);
        return false;
    }
    return optional_string(f, props, "name", NAME_MAX_BYTES, &f->name) &&
           optional_string(f, props, "patrol_zone", PATROL_ZONE_MAX_BYTES, &f->patrol_zone);
}

static const char *ring_error_code(enum geo_ring_error err)
{
    switch (err) {
    case GEO_RING_OK:
        return NULL;
    case GEO_RING_TOO_FEW_POINTS:
        return "too_few_points";
    case GEO_RING_OPEN:
        return "ring_not_closed";
    case GEO_RING_SELF_INTERSECTING:
        return "self_intersecting";
    case GEO_RING_OUT_OF_RANGE:
        return "out_of_range";
    case GEO_RING_ZERO_AREA:
        return "zero_area";
    }
    return "invalid_ring";
}

// Reads the positions of ring (a JSON array) into f->ring. Returns false after
// rejecting the feature.
static bool parse_ring(struct import_feature *f, const cJSON *ring)
{
    int count = cJSON_GetArraySize(ring);
    if (count > STORE_GRID_RING_MAX) {
        reject(f, "too_many_points", "the ring has %d points; at most %d are allowed", count,
               STORE_GRID_RING_MAX);
        return false;
    }
    f->ring = malloc((count > 0 ? (size_t)count : 1) * sizeof *f->ring);
    if (f->ring == NULL) {
        reject(f, "invalid_coordinates", "out of memory reading the ring");
        return false;
    }
    const cJSON *position;
    cJSON_ArrayForEach(position, ring)
    {
        int dims = cJSON_GetArraySize(position);
        const cJSON *lon = cJSON_GetArrayItem(position, 0), *lat = cJSON_GetArrayItem(position, 1);
        const cJSON *alt = cJSON_GetArrayItem(position, 2);
        if (!cJSON_IsArray(position) || dims < 2 || dims > 3 || !cJSON_IsNumber(lon) ||
            !cJSON_IsNumber(lat) || (alt != NULL && !cJSON_IsNumber(alt))) {
            reject(f, "invalid_coordinates", "position %zu is not [longitude, latitude] in numbers",
                   f->n);
            return false;
        }
        f->ring[f->n++] = (struct geo_point){lon->valuedouble, lat->valuedouble};
    }
    enum geo_ring_error err = geo_ring_check(f->ring, f->n);
    if (err != GEO_RING_OK) {
        reject(f, ring_error_code(err), "%s", geo_ring_error_message(err));
        return false;
    }
    geo_ring_bbox(f->ring, f->n, &f->min_lon, &f->min_lat, &f->max_lon, &f->max_lat);
    return true;
}

static bool parse_geometry(struct import_feature *f, const cJSON *geometry)
{
    static const char *const ALLOWED[] = {"type", "coordinates", "bbox"};
    if (geometry == NULL || cJSON_IsNull(geometry)) {
        reject(f, "missing_geometry", "the feature has no geometry");
        return false;
    }
    const char *type = json_get_string(geometry, "type");
    if (!cJSON_IsObject(geometry) || type == NULL) {
        reject(f, "invalid_feature", "the geometry must be an object with a type");
        return false;
    }
    if (strcmp(type, "MultiPolygon") == 0) {
        reject(f, "multipolygon",
               "a MultiPolygon is not a cell: import each part as its own Polygon feature");
        return false;
    }
    if (strcmp(type, "Polygon") != 0) {
        reject(f, "not_polygon", "the geometry is a %.20s; a cell must be a Polygon", type);
        return false;
    }
    const char *unknown = geojson_unknown_member(geometry, ALLOWED, COUNT_OF(ALLOWED));
    if (unknown != NULL) {
        reject(f, "invalid_feature", "unknown geometry member '%.40s'", unknown);
        return false;
    }
    const cJSON *rings = cJSON_GetObjectItemCaseSensitive(geometry, "coordinates");
    if (!cJSON_IsArray(rings) || cJSON_GetArraySize(rings) == 0 ||
        !cJSON_IsArray(cJSON_GetArrayItem(rings, 0))) {
        reject(f, "invalid_coordinates", "coordinates must be an array holding one ring");
        return false;
    }
    if (cJSON_GetArraySize(rings) > 1) {
        reject(f, "polygon_has_holes",
               "the polygon has %d rings: a cell is one outer ring without holes",
               cJSON_GetArraySize(rings));
        return false;
    }
    return parse_ring(f, cJSON_GetArrayItem(rings, 0));
}

static void parse_feature(struct import_feature *f, const cJSON *feature)
{
    static const char *const ALLOWED[] = {"type", "geometry", "properties", "id", "bbox"};
    const char *type = json_get_string(feature, "type");
    if (!cJSON_IsObject(feature) || type == NULL || strcmp(type, "Feature") != 0) {
        reject(f, "invalid_feature", "not a GeoJSON Feature object");
        return;
    }
    const char *unknown = geojson_unknown_member(feature, ALLOWED, COUNT_OF(ALLOWED));
    if (unknown != NULL) {
        reject(f, "invalid_feature", "unknown feature member '%.40s'", unknown);
        return;
    }
    if (parse_properties(f, cJSON_GetObjectItemCaseSensitive(feature, "properties")))
        parse_geometry(f, cJSON_GetObjectItemCaseSensitive(feature, "geometry"));
}

static int compare_by_code(const void *a, const void *b)
{
    const struct import_feature *fa = *(struct import_feature *const *)a;
    const struct import_feature *fb = *(struct import_feature *const *)b;
    int order = strcmp(fa->code, fb->code);
    return order != 0 ? order : (fa->index > fb->index) - (fa->index < fb->index);
}

// Rejects every acceptable feature whose code an earlier acceptable one has.
// Returns false when out of memory.
static bool reject_duplicates(struct import_run *run)
{
    struct import_feature **sorted = malloc((run->count ? run->count : 1) * sizeof *sorted);
    if (sorted == NULL)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < run->count; i++)
        if (run->features[i].error == NULL)
            sorted[n++] = &run->features[i];
    qsort(sorted, n, sizeof *sorted, compare_by_code);
    size_t first = 0; // the earliest feature with the code of sorted[i]
    for (size_t i = 1; i < n; i++) {
        if (strcmp(sorted[first]->code, sorted[i]->code) != 0)
            first = i;
        else
            reject(sorted[i], "duplicate_code", "feature %d of this file has the same code %s",
                   sorted[first]->index, sorted[i]->code);
    }
    free(sorted);
    return true;
}

// Turns the store's verdict on feature f into its rejection (if any). overlapped
// is the feature of this file f overlaps (out->overlap_index), else NULL.
static void apply_outcome(struct import_run *run, struct import_feature *f,
                          const struct store_grid_outcome *out,
                          const struct import_feature *overlapped)
{
    char community[GEO_COMMUNITY_CODE_LEN + 1];
    snprintf(community, sizeof community, "%.*s", GEO_COMMUNITY_CODE_LEN, f->code);
    switch (out->verdict) {
    case STORE_GRID_IMPORTED:
        f->grid_id = out->grid_id;
        return;
    case STORE_GRID_UNKNOWN_COMMUNITY:
        reject(f, "unknown_community", "community %s does not exist%s", community,
               jurisdiction_is_everywhere(run->jurisdiction) ? "" : " in your jurisdiction");
        return;
    case STORE_GRID_CODE_EXISTS:
        reject(f, "code_exists", "a cell with code %s exists already", f->code);
        return;
    case STORE_GRID_INVALID:
        reject(f, "too_many_points", "the ring is too long to store");
        return;
    case STORE_GRID_OVERLAPS:
        if (overlapped != NULL)
            reject(f, "overlaps_feature", "the cell overlaps feature %d (%s) of this file",
                   overlapped->index, out->overlap_code);
        else
            reject(f, "overlaps_existing", "the cell overlaps the stored cell %s",
                   out->overlap_code);
        return;
    }
}

// Hands the acceptable features to the store in one import and records what it
// did with each. Returns the store's result.
static int store_features(struct import_run *run)
{
    struct store_grid_new *cells = calloc(run->count ? run->count : 1, sizeof *cells);
    struct store_grid_outcome *outcomes = calloc(run->count ? run->count : 1, sizeof *outcomes);
    size_t *feature_of = calloc(run->count ? run->count : 1, sizeof *feature_of);
    char(*communities)[GEO_COMMUNITY_CODE_LEN + 1] =
        calloc(run->count ? run->count : 1, sizeof *communities);
    int rc = STORE_ERROR;
    if (cells == NULL || outcomes == NULL || feature_of == NULL || communities == NULL)
        goto done;
    size_t n = 0;
    for (size_t i = 0; i < run->count; i++) {
        struct import_feature *f = &run->features[i];
        if (f->error != NULL)
            continue;
        snprintf(communities[n], sizeof communities[n], "%.*s", GEO_COMMUNITY_CODE_LEN, f->code);
        cells[n] = (struct store_grid_new){f->code,        communities[n], f->name,
                                           f->patrol_zone, f->ring,        f->n};
        feature_of[n++] = i;
    }
    rc = store_grid_import(run->store, cells, n, run->jurisdiction, run->skip_invalid, outcomes,
                           &run->imported);
    // Verdicts in file order, so an overlap names the earlier feature it met.
    for (size_t k = 0; (rc == STORE_OK || rc == STORE_INVALID) && k < n; k++) {
        int other = outcomes[k].overlap_index;
        apply_outcome(run, &run->features[feature_of[k]], &outcomes[k],
                      other >= 0 ? &run->features[feature_of[other]] : NULL);
    }
done:
    free(cells);
    free(outcomes);
    free(feature_of);
    free(communities);
    return rc;
}

static cJSON *build_report(const struct import_run *run, int imported)
{
    cJSON *report = cJSON_CreateObject();
    cJSON_AddNumberToObject(report, "imported", imported);
    cJSON *rejected = cJSON_AddArrayToObject(report, "rejected");
    for (size_t i = 0; i < run->count; i++) {
        const struct import_feature *f = &run->features[i];
        if (f->error == NULL)
            continue;
        cJSON *item = cJSON_CreateObject();
        cJSON_AddItemToArray(rejected, item);
        cJSON_AddNumberToObject(item, "index", f->index);
        json_add_string_or_null(item, "code", f->code);
        cJSON_AddStringToObject(item, "reason", f->reason);
        cJSON_AddStringToObject(item, "error", f->error);
    }
    return report;
}

static cJSON *invalid_report(const char *message)
{
    cJSON *report = cJSON_CreateObject();
    cJSON_AddNumberToObject(report, "imported", 0);
    cJSON_AddArrayToObject(report, "rejected");
    cJSON *error = cJSON_AddObjectToObject(report, "error");
    cJSON_AddStringToObject(error, "code", "invalid_geojson");
    cJSON_AddStringToObject(error, "message", message);
    return report;
}

static void run_free(struct import_run *run)
{
    for (size_t i = 0; i < run->count; i++)
        free(run->features[i].ring);
    free(run->features);
}

// Starts a run: checks the collection as a whole, then parses every feature and
// applies the checks that need no store (structure, code, geometry, codes repeated
// within the file). Returns GRID_IMPORT_OK with *run filled (free it with
// run_free), GRID_IMPORT_INVALID with *report set, or GRID_IMPORT_ERROR.
static int run_start(struct import_run *run, const cJSON *collection, cJSON **report)
{
    *report = NULL;
    const char *problem = geojson_collection_problem(collection, GRID_IMPORT_MAX_FEATURES);
    if (problem != NULL) {
        *report = invalid_report(problem);
        return *report ? GRID_IMPORT_INVALID : GRID_IMPORT_ERROR;
    }
    const cJSON *features = cJSON_GetObjectItemCaseSensitive(collection, "features");
    run->count = (size_t)cJSON_GetArraySize(features);
    run->features = calloc(run->count ? run->count : 1, sizeof *run->features);
    if (run->features == NULL)
        return GRID_IMPORT_ERROR;
    const cJSON *feature;
    size_t i = 0;
    cJSON_ArrayForEach(feature, features)
    {
        run->features[i].index = (int)i;
        parse_feature(&run->features[i], feature);
        i++;
    }
    if (!reject_duplicates(run)) {
        run_free(run);
        return GRID_IMPORT_ERROR;
    }
    return GRID_IMPORT_OK;
}

// Ends a run: sets *report from its features and frees the run. Returns
// GRID_IMPORT_REJECTED when any feature was rejected, else GRID_IMPORT_OK.
static int run_finish(struct import_run *run, int imported, cJSON **report)
{
    *report = build_report(run, imported);
    bool any_rejected = cJSON_GetArraySize(cJSON_GetObjectItem(*report, "rejected")) > 0;
    run_free(run);
    return any_rejected ? GRID_IMPORT_REJECTED : GRID_IMPORT_OK;
}

int grid_import_collection(struct store *store, const cJSON *collection,
                           const struct jurisdiction *jurisdiction, bool skip_invalid,
                           cJSON **report)
{
    struct import_run run = {
        .store = store, .jurisdiction = jurisdiction, .skip_invalid = skip_invalid};
    int started = run_start(&run, collection, report);
    if (started != GRID_IMPORT_OK)
        return started;
    int rc = store_features(&run);
    if (rc != STORE_OK && rc != STORE_INVALID) {
        log_error("grid import: the write failed (%d)", rc);
        run_free(&run);
        return rc == STORE_FULL ? GRID_IMPORT_FULL : GRID_IMPORT_ERROR;
    }
    return run_finish(&run, rc == STORE_OK ? run.imported : 0, report);
}

int grid_import_check(const cJSON *collection, cJSON **report)
{
    struct import_run run = {0};
    int started = run_start(&run, collection, report);
    if (started != GRID_IMPORT_OK)
        return started;
    return run_finish(&run, 0, report);
}

int grid_import_geojson(struct store *store, const char *text, size_t len, bool skip_invalid,
                        cJSON **report)
{
    struct json_problem problem;
    cJSON *collection = json_parse_object(text, len, &problem);
    if (collection == NULL) {
        *report = invalid_report(problem.message);
        return *report ? GRID_IMPORT_INVALID : GRID_IMPORT_ERROR;
    }
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    int rc = grid_import_collection(store, collection, &everywhere, skip_invalid, report);
    cJSON_Delete(collection);
    return rc;
}

// ---- the command ----

int grid_import_command(int argc, char **argv)
{
    struct cli_store_options common = {.data_dir = ".data"};
    bool skip_invalid = false;
    const struct cli_option options[] = {
        CLI_STORE_OPTIONS(&common),
        {"--skip-invalid", NULL, CLI_BOOL, &skip_invalid,
         "import the valid features and report the others (default: all or nothing)"},
    };
    // Called with main's argv ("import", "grids", ...) or shifted by one ("grids" first).
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "import") == 0 && strcmp(argv[2], "grids") == 0)
        first = 3;
    else if (argc > 1 && strcmp(argv[1], "grids") == 0)
        first = 2;
    const char *positional[1];
    int positional_count = 0;
    int rc =
        cli_parse("import grids", "import grids FILE.geojson [options]   (FILE - = stdin)", options,
                  COUNT_OF(options), argc, argv, first, positional, 1, &positional_count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (first == 1 || positional_count != 1) {
        fprintf(stderr, "usage: chengguan import grids FILE.geojson [--skip-invalid]\n");
        return 2;
    }
    size_t len = 0;
    char *text = geojson_read_file(positional[0], &len);
    if (text == NULL)
        return 1;
    char path[PATH_MAX];
    struct store *store = cli_open_store(&common, true, path, sizeof path);
    if (store == NULL) {
        free(text);
        return 1;
    }
    cJSON *report = NULL;
    rc = grid_import_geojson(store, text, len, skip_invalid, &report);
    free(text);
    store_close(store);
    char *printed = report ? cJSON_Print(report) : NULL;
    cJSON_Delete(report);
    if (printed == NULL) {
        fprintf(stderr, "chengguan import: the import failed%s\n",
                rc == GRID_IMPORT_FULL ? ": the disk is full" : "; see the log");
        return 1;
    }
    printf("%s\n", printed);
    cJSON_free(printed);
    return rc == GRID_IMPORT_OK ? 0 : 1;
}
