// SPDX-License-Identifier: MIT
// GeoJSON import of the gazetteer: every feature is checked by its layer's
// rules (properties, geometry, house numbers repeated in the file, roads the
// numbers name), and only a file without a rejected feature is handed to the
// store, which keeps it in one transaction. Also `chengguan import gazetteer`.
#include "gazetteer_import.h"

#include "cli.h"
#include "geo.h"
#include "geojson.h"
#include "json.h"
#include "store.h"
#include "store_gazetteer.h"
#include "textseg.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a)        (sizeof(a) / sizeof((a)[0]))
#define NAME_MAX_BYTES     120
#define KIND_MAX_BYTES     31
#define NUMBER_MAX_BYTES   15
#define LINE_POINTS_MAX    100000
#define POLYGON_POINTS_MAX 100000

// The import of one file: what will be stored, and what was refused.
struct run {
    struct store *store;
    cJSON *rejected;
    struct store_gazetteer_road_new *roads;
    struct store_gazetteer_address_new *addresses;
    int *address_feature; // the feature index of each address
    struct store_gazetteer_landmark_new *landmarks;
    struct store_gazetteer_area_new *areas;
    struct store_gazetteer_batch batch;
    void **owned; // freed with the run: points, lines, ring texts
    size_t owned_count, owned_capacity;
};

// One feature while it is checked.
struct feature {
    int index;
    const char *layer;
    const cJSON *props;
    const cJSON *geometry;
    const char *error; // NULL while acceptable
    char reason[200];
};

static void reject(struct feature *f, const char *error, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void reject(struct feature *f, const char *error, const char *format, ...)
{
    if (f->error != NULL)
        return; // the first reason stays
    va_list ap;
    va_start(ap, format);
    vsnprintf(f->reason, sizeof f->reason, format, ap);
    va_end(ap);
    f->error = error;
}

static void report_rejected(struct run *run, const struct feature *f)
{
    cJSON *item = cJSON_CreateObject();
    cJSON_AddItemToArray(run->rejected, item);
    cJSON_AddNumberToObject(item, "index", f->index);
    json_add_string_or_null(item, "layer", f->layer);
    cJSON_AddStringToObject(item, "reason", f->reason);
    cJSON_AddStringToObject(item, "error", f->error);
}

// Keeps p to be freed with the run. Returns p, or NULL (p freed) when out of memory.
static void *own(struct run *run, void *p)
{
    if (p != NULL && run->owned_count == run->owned_capacity) {
        size_t capacity = run->owned_capacity ? run->owned_capacity * 2 : 256;
        void **grown = realloc(run->owned, capacity * sizeof *grown);
        if (grown == NULL) {
            free(p);
            return NULL;
        }
        run->owned = grown;
        run->owned_capacity = capacity;
    }
    if (p != NULL)
        run->owned[run->owned_count++] = p;
    return p;
}

// ---- properties ----

// A string property: absent or null gives NULL (refused when required). Returns
// false after rejecting the feature when it is not a short valid string.
static bool string_property(struct feature *f, const char *name, size_t max_bytes, bool required,
                            const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(f->props, name);
    *out = NULL;
    if (item == NULL || cJSON_IsNull(item)) {
        if (required)
            reject(f, "missing_property", "a %s needs properties.%s", f->layer, name);
        return !required;
    }
    size_t len = cJSON_IsString(item) ? strlen(item->valuestring) : 0;
    if (!cJSON_IsString(item) || len > max_bytes || !textseg_utf8_valid(item->valuestring, len) ||
        (required && len == 0)) {
        reject(f, "invalid_property", "properties.%s must be a string of 1 to %zu bytes", name,
               max_bytes);
        return false;
    }
    *out = item->valuestring;
    return true;
}

static bool only_properties(struct feature *f, const char *const *allowed, size_t count)
{
    const char *unknown = geojson_unknown_member(f->props, allowed, count);
    if (unknown == NULL)
        return true;
    reject(f, "unknown_property", "unknown property '%.40s' for a %s", unknown, f->layer);
    return false;
}

// ---- geometry ----

// The geometry's coordinates when its type is one of the two named, else NULL
// after rejecting. *multi tells which.
static const cJSON *coordinates_of(struct feature *f, const char *single, const char *multi_type,
                                   bool *multi)
{
    const char *type = json_get_string(f->geometry, "type");
    const cJSON *coords = cJSON_GetObjectItemCaseSensitive(f->geometry, "coordinates");
    *multi = type != NULL && multi_type != NULL && strcmp(type, multi_type) == 0;
    if (type == NULL || (!*multi && strcmp(type, single) != 0) || coords == NULL) {
        reject(f, "wrong_geometry", "a %s must be a %s%s%s", f->layer, single,
               multi_type ? " or a " : "", multi_type ? multi_type : "");
        return NULL;
    }
    return coords;
}

static bool parse_position(struct feature *f, const cJSON *pos, struct geo_point *out)
{
    const cJSON *lon = cJSON_GetArrayItem(pos, 0), *lat = cJSON_GetArrayItem(pos, 1);
    int size = cJSON_GetArraySize(pos);
    if (!cJSON_IsArray(pos) || size < 2 || size > 3 || !cJSON_IsNumber(lon) ||
        !cJSON_IsNumber(lat) || !isfinite(lon->valuedouble) || !isfinite(lat->valuedouble) ||
        fabs(lon->valuedouble) > 180 || fabs(lat->valuedouble) > 90) {
        reject(f, "invalid_coordinates", "positions must be [lon, lat] in degrees (WGS84)");
        return false;
    }
    *out = (struct geo_point){lon->valuedouble, lat->valuedouble};
    return true;
}

// Parses an array of at least min and at most max positions into owned memory.
static struct geo_point *parse_positions(struct run *run, struct feature *f, const cJSON *array,
                                         size_t min, size_t max, size_t *n)
{
    int size = cJSON_IsArray(array) ? cJSON_GetArraySize(array) : -1;
    if (size < 0) {
        reject(f, "invalid_coordinates", "coordinates must be arrays of positions");
        return NULL;
    }
    if ((size_t)size < min || (size_t)size > max) {
        reject(f, (size_t)size < min ? "too_few_points" : "too_many_points",
               "a line or ring needs %zu to %zu positions, not %d", min, max, size);
        return NULL;
    }
    struct geo_point *pts = own(run, malloc((size_t)size * sizeof *pts));
    if (pts == NULL)
        return NULL;
    size_t i = 0;
    const cJSON *pos;
    cJSON_ArrayForEach(pos, array)
    {
        if (!parse_position(f, pos, &pts[i++]))
            return NULL;
    }
    *n = i;
    return pts;
}

static bool check_point(struct feature *f, struct geo_point *out)
{
    bool multi;
    const cJSON *coords = coordinates_of(f, "Point", NULL, &multi);
    return coords != NULL && parse_position(f, coords, out);
}

// ---- layers ----

static void take_road(struct run *run, struct feature *f)
{
    static const char *const ALLOWED[] = {"layer", "name", "name_en", "kind"};
    struct store_gazetteer_road_new road = {0};
    bool multi;
    if (!only_properties(f, ALLOWED, COUNT_OF(ALLOWED)) ||
        !string_property(f, "name", NAME_MAX_BYTES, true, &road.name) ||
        !string_property(f, "name_en", NAME_MAX_BYTES, false, &road.name_en) ||
        !string_property(f, "kind", KIND_MAX_BYTES, false, &road.kind))
        return;
    const cJSON *coords = coordinates_of(f, "LineString", "MultiLineString", &multi);
    if (coords == NULL)
        return;
    int count = multi ? cJSON_GetArraySize(coords) : 1;
    struct store_gazetteer_line *lines =
        own(run, calloc(count > 0 ? (size_t)count : 1, sizeof *lines));
    if (lines == NULL || count < 1) {
        reject(f, "too_few_points", "a road needs at least one line");
        return;
    }
    for (int i = 0; i < count; i++) {
        const cJSON *line = multi ? cJSON_GetArrayItem(coords, i) : coords;
        lines[i].points = parse_positions(run, f, line, 2, LINE_POINTS_MAX, &lines[i].count);
        if (lines[i].points == NULL)
            return;
    }
    road.lines = lines;
    road.line_count = (size_t)count;
    run->roads[run->batch.road_count++] = road;
}

static bool number_valid(const char *number)
{
    size_t len = strlen(number);
    return len > 0 && number[0] >= '0' && number[0] <= '9' &&
           strspn(number, "0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == len;
}

static void take_address(struct run *run, struct feature *f)
{
    static const char *const ALLOWED[] = {"layer", "road", "number"};
    struct store_gazetteer_address_new address = {0};
    if (!only_properties(f, ALLOWED, COUNT_OF(ALLOWED)) ||
        !string_property(f, "road", NAME_MAX_BYTES, true, &address.road) ||
        !string_property(f, "number", NUMBER_MAX_BYTES, true, &address.number))
        return;
    if (!number_valid(address.number)) {
        reject(f, "invalid_number",
               "number '%.20s' must start with a digit and hold only ASCII digits, letters and "
               "'-' (12, 3-1, 8A)",
               address.number);
        return;
    }
    if (!check_point(f, &address.point))
        return;
    run->address_feature[run->batch.address_count] = f->index;
    run->addresses[run->batch.address_count++] = address;
}

static void take_landmark(struct run *run, struct feature *f)
{
    static const char *const ALLOWED[] = {"layer", "name", "kind"};
    struct store_gazetteer_landmark_new landmark = {0};
    if (only_properties(f, ALLOWED, COUNT_OF(ALLOWED)) &&
        string_property(f, "name", NAME_MAX_BYTES, true, &landmark.name) &&
        string_property(f, "kind", KIND_MAX_BYTES, false, &landmark.kind) &&
        check_point(f, &landmark.point))
        run->landmarks[run->batch.landmark_count++] = landmark;
}

// Checks one polygon's rings (closed, at least 4 positions) and widens the box.
static bool check_polygon(struct run *run, struct feature *f, const cJSON *rings,
                          struct store_gazetteer_area_new *area)
{
    if (!cJSON_IsArray(rings) || cJSON_GetArraySize(rings) < 1) {
        reject(f, "invalid_coordinates", "a polygon needs at least its outer ring");
        return false;
    }
    const cJSON *ring;
    cJSON_ArrayForEach(ring, rings)
    {
        size_t n = 0;
        struct geo_point *pts = parse_positions(run, f, ring, 4, POLYGON_POINTS_MAX, &n);
        if (pts == NULL)
            return false;
        if (pts[0].lon != pts[n - 1].lon || pts[0].lat != pts[n - 1].lat) {
            reject(f, "ring_not_closed", "a ring must end where it starts");
            return false;
        }
        double min_lon, min_lat, max_lon, max_lat;
        geo_ring_bbox(pts, n, &min_lon, &min_lat, &max_lon, &max_lat);
        area->min_lon = fmin(area->min_lon, min_lon);
        area->min_lat = fmin(area->min_lat, min_lat);
        area->max_lon = fmax(area->max_lon, max_lon);
        area->max_lat = fmax(area->max_lat, max_lat);
    }
    return true;
}

static void take_area(struct run *run, struct feature *f, bool block)
{
    static const char *const BLOCK[] = {"layer", "name", "cell"};
    static const char *const WATER[] = {"layer", "name"};
    struct store_gazetteer_area_new area = {
        block ? "block" : "water", NULL, NULL, NULL, INFINITY, INFINITY, -INFINITY, -INFINITY};
    bool multi;
    if (!only_properties(f, block ? BLOCK : WATER, block ? COUNT_OF(BLOCK) : COUNT_OF(WATER)) ||
        !string_property(f, "name", NAME_MAX_BYTES, false, &area.name) ||
        (block && !string_property(f, "cell", 15, false, &area.grid_code)))
        return;
    if (area.grid_code != NULL && !geo_grid_code_valid(area.grid_code)) {
        reject(f, "invalid_cell", "properties.cell must be a 15-digit grid code");
        return;
    }
    const cJSON *coords = coordinates_of(f, "Polygon", "MultiPolygon", &multi);
    if (coords == NULL)
        return;
    int count = multi ? cJSON_GetArraySize(coords) : 1;
    for (int i = 0; i < count; i++)
        if (!check_polygon(run, f, multi ? cJSON_GetArrayItem(coords, i) : coords, &area))
            return;
    if (count < 1) {
        reject(f, "too_few_points", "a MultiPolygon needs at least one polygon");
        return;
    }
    // Stored as MultiPolygon coordinates, so the map draws every area alike.
    cJSON *wrapped = multi ? cJSON_Duplicate(coords, true) : cJSON_CreateArray();
    if (wrapped != NULL && !multi)
        cJSON_AddItemToArray(wrapped, cJSON_Duplicate(coords, true));
    area.rings_json = own(run, wrapped ? cJSON_PrintUnformatted(wrapped) : NULL);
    cJSON_Delete(wrapped);
    if (area.rings_json != NULL)
        run->areas[run->batch.area_count++] = area;
}

static void take_feature(struct run *run, struct feature *f, const cJSON *feature)
{
    static const char *const ALLOWED[] = {"type", "geometry", "properties", "id", "bbox"};
    const char *type = json_get_string(feature, "type");
    f->props = cJSON_GetObjectItemCaseSensitive(feature, "properties");
    f->geometry = cJSON_GetObjectItemCaseSensitive(feature, "geometry");
    f->layer = json_get_string(f->props, "layer");
    if (!cJSON_IsObject(feature) || type == NULL || strcmp(type, "Feature") != 0 ||
        geojson_unknown_member(feature, ALLOWED, COUNT_OF(ALLOWED)) != NULL ||
        !cJSON_IsObject(f->props) || !cJSON_IsObject(f->geometry)) {
        reject(f, "invalid_feature",
               "a feature is {\"type\":\"Feature\",\"geometry\":{...},\"properties\":{...}}");
        return;
    }
    if (f->layer == NULL)
        reject(f, "unknown_layer",
               "properties.layer must be road, address, landmark, block or water");
    else if (strcmp(f->layer, "road") == 0)
        take_road(run, f);
    else if (strcmp(f->layer, "address") == 0)
        take_address(run, f);
    else if (strcmp(f->layer, "landmark") == 0)
        take_landmark(run, f);
    else if (strcmp(f->layer, "block") == 0 || strcmp(f->layer, "water") == 0)
        take_area(run, f, strcmp(f->layer, "block") == 0);
    else
        reject(f, "unknown_layer",
               "properties.layer must be road, address, landmark, block or water");
}

// ---- checks across features ----

static int compare_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const struct run *sort_run; // qsort has no context argument; imports run one at a time

static int compare_address(const void *a, const void *b)
{
    const struct store_gazetteer_address_new *x = &sort_run->addresses[*(const size_t *)a];
    const struct store_gazetteer_address_new *y = &sort_run->addresses[*(const size_t *)b];
    int c = strcmp(x->road, y->road);
    c = c != 0 ? c : strcmp(x->number, y->number);
    return c != 0 ? c
                  : (*(const size_t *)a > *(const size_t *)b) -
                        (*(const size_t *)a < *(const size_t *)b);
}

static void reject_address(struct run *run, size_t i, const char *error, const char *reason)
{
    struct feature f = {run->address_feature[i], "address", NULL, NULL, NULL, ""};
    reject(&f, error, "%s", reason);
    report_rejected(run, &f);
}

// Refuses numbers repeated in the file and numbers on roads neither in the file
// nor stored. Returns STORE_OK or STORE_ERROR.
static int check_addresses(struct run *run)
{
    size_t n = run->batch.address_count, road_count = run->batch.road_count;
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    const char **names = malloc((road_count ? road_count : 1) * sizeof *names);
    if (order == NULL || names == NULL) {
        free(order);
        free(names);
        return STORE_ERROR;
    }
    for (size_t i = 0; i < road_count; i++)
        names[i] = run->roads[i].name;
    qsort(names, road_count, sizeof *names, compare_text);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_run = run;
    qsort(order, n, sizeof *order, compare_address);
    int rc = STORE_OK, known = STORE_OK;
    for (size_t k = 0; k < n && rc != STORE_ERROR; k++) {
        const struct store_gazetteer_address_new *a = &run->addresses[order[k]];
        const struct store_gazetteer_address_new *before = k ? &run->addresses[order[k - 1]] : NULL;
        bool new_road = before == NULL || strcmp(before->road, a->road) != 0;
        if (new_road)
            known = bsearch(&a->road, names, road_count, sizeof *names, compare_text) != NULL
                        ? STORE_OK
                        : store_gazetteer_road_exists(run->store, a->road);
        if (known == STORE_ERROR)
            rc = STORE_ERROR;
        else if (known == STORE_NOT_FOUND)
            reject_address(run, order[k], "unknown_road",
                           "properties.road names no road of this file or of the gazetteer");
        else if (!new_road && strcmp(before->number, a->number) == 0)
            reject_address(run, order[k], "duplicate_number",
                           "this road and number are in the file already");
    }
    free(order);
    free(names);
    return rc;
}

// ---- the import ----

static cJSON *new_report(void)
{
    cJSON *report = cJSON_CreateObject();
    cJSON *imported = cJSON_AddObjectToObject(report, "imported");
    cJSON_AddNumberToObject(imported, "roads", 0);
    cJSON_AddNumberToObject(imported, "addresses", 0);
    cJSON_AddNumberToObject(imported, "landmarks", 0);
    cJSON_AddNumberToObject(imported, "areas", 0);
    cJSON_AddArrayToObject(report, "rejected");
    return report;
}

static void set_imported(cJSON *report, const struct store_gazetteer_batch *b)
{
    cJSON *imported = cJSON_GetObjectItemCaseSensitive(report, "imported");
    cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(imported, "roads"),
                         (double)b->road_count);
    cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(imported, "addresses"),
                         (double)b->address_count);
    cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(imported, "landmarks"),
                         (double)b->landmark_count);
    cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(imported, "areas"),
                         (double)b->area_count);
}

static void run_free(struct run *run)
{
    for (size_t i = 0; i < run->owned_count; i++)
        free(run->owned[i]);
    free(run->owned);
    free(run->roads);
    free(run->addresses);
    free(run->address_feature);
    free(run->landmarks);
    free(run->areas);
}

// Checks every feature into run. Returns STORE_OK or STORE_ERROR.
static int check_features(struct run *run, const cJSON *features)
{
    size_t count = (size_t)cJSON_GetArraySize(features) + 1;
    run->roads = calloc(count, sizeof *run->roads);
    run->addresses = calloc(count, sizeof *run->addresses);
    run->address_feature = calloc(count, sizeof *run->address_feature);
    run->landmarks = calloc(count, sizeof *run->landmarks);
    run->areas = calloc(count, sizeof *run->areas);
    if (!run->roads || !run->addresses || !run->address_feature || !run->landmarks || !run->areas)
        return STORE_ERROR;
    int index = 0;
    const cJSON *feature;
    cJSON_ArrayForEach(feature, features)
    {
        struct feature f = {index++, NULL, NULL, NULL, NULL, ""};
        take_feature(run, &f, feature);
        if (f.error != NULL)
            report_rejected(run, &f);
    }
    return check_addresses(run);
}

int gazetteer_import_collection(struct store *store, const cJSON *collection, bool replace,
                                cJSON **report)
{
    *report = new_report();
    if (*report == NULL)
        return GAZETTEER_IMPORT_ERROR;
    const char *problem = geojson_collection_problem(collection, GAZETTEER_IMPORT_MAX_FEATURES);
    if (problem != NULL) {
        cJSON *error = cJSON_AddObjectToObject(*report, "error");
        cJSON_AddStringToObject(error, "code", "invalid_geojson");
        cJSON_AddStringToObject(error, "message", problem);
        return GAZETTEER_IMPORT_INVALID;
    }
    struct run run = {.store = store,
                      .rejected = cJSON_GetObjectItemCaseSensitive(*report, "rejected")};
    int rc = check_features(&run, cJSON_GetObjectItemCaseSensitive(collection, "features"));
    int result = GAZETTEER_IMPORT_ERROR;
    if (rc == STORE_OK && cJSON_GetArraySize(run.rejected) > 0)
        result = GAZETTEER_IMPORT_REJECTED;
    else if (rc == STORE_OK) {
        run.batch.roads = run.roads;
        run.batch.addresses = run.addresses;
        run.batch.landmarks = run.landmarks;
        run.batch.areas = run.areas;
        run.batch.replace = replace;
        size_t bad = 0;
        rc = store_gazetteer_import(store, &run.batch, &bad);
        if (rc == STORE_OK)
            set_imported(*report, &run.batch);
        if (rc == STORE_INVALID) // a road deleted (replace) or gone since the checks
            reject_address(&run, bad, "unknown_road", "properties.road names no stored road");
        result = rc == STORE_OK        ? GAZETTEER_IMPORT_OK
                 : rc == STORE_INVALID ? GAZETTEER_IMPORT_REJECTED
                 : rc == STORE_FULL    ? GAZETTEER_IMPORT_FULL
                                       : GAZETTEER_IMPORT_ERROR;
    }
    run_free(&run);
    if (result == GAZETTEER_IMPORT_ERROR || result == GAZETTEER_IMPORT_FULL) {
        cJSON_Delete(*report);
        *report = NULL;
    }
    return result;
}

// ---- the command ----

int gazetteer_import_command(int argc, char **argv)
{
    struct cli_store_options common = {.data_dir = ".data"};
    bool replace = false;
    const struct cli_option options[] = {
        CLI_STORE_OPTIONS(&common),
        {"--replace", NULL, CLI_BOOL, &replace,
         "delete the stored gazetteer first, in the same transaction"},
    };
    const char *positional[1];
    int positional_count = 0;
    int rc = cli_parse("import gazetteer",
                       "import gazetteer FILE.geojson [options]   (FILE - = stdin)", options,
                       COUNT_OF(options), argc, argv, 2, positional, 1, &positional_count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (positional_count != 1) {
        fprintf(stderr, "usage: chengguan import gazetteer FILE.geojson [--replace]\n");
        return 2;
    }
    size_t len = 0;
    char *text = geojson_read_file(positional[0], &len);
    if (text == NULL)
        return 1;
    struct json_problem problem;
    cJSON *collection = json_parse_object(text, len, &problem);
    free(text);
    if (collection == NULL) {
        fprintf(stderr, "chengguan import: %s is not JSON: %s\n", positional[0], problem.message);
        return 1;
    }
    char path[PATH_MAX];
    struct store *store = cli_open_store(&common, true, path, sizeof path);
    cJSON *report = NULL;
    rc = store ? gazetteer_import_collection(store, collection, replace, &report)
               : GAZETTEER_IMPORT_ERROR;
    cJSON_Delete(collection);
    if (store != NULL)
        store_close(store);
    char *printed = report ? cJSON_Print(report) : NULL;
    cJSON_Delete(report);
    if (printed == NULL) {
        fprintf(stderr, "chengguan import: the import failed%s\n",
                rc == GAZETTEER_IMPORT_FULL ? ": the disk is full" : "; see the log");
        return 1;
    }
    printf("%s\n", printed);
    cJSON_free(printed);
    return rc == GAZETTEER_IMPORT_OK ? 0 : 1;
}
