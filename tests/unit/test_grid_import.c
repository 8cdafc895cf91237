// SPDX-License-Identifier: MIT
// Tests of places against a real store seeded with the demo city: org-unit code
// rules, paths and jurisdiction, the point lookup (cell centres, shared edges and
// corners, outside), grid listing by scope and bounding box, and the GeoJSON
// import's reasons and its all-or-nothing versus skip-invalid behaviour.
#include "demo.h"
#include "grid_import.h"
#include "jurisdiction.h"
#include "log.h"
#include "store.h"
#include "store_places.h"
#include "store_users.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static char dir[64];
static char db_path[128];
static struct store *store;

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/cg-places-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(db_path, sizeof db_path, "%s/test.db", dir);
    log_set_level(LOG_WARN);
    char err[256];
    struct store_options options = {.path = db_path, .durable = false};
    store = store_open(&options, err, sizeof err);
    cr_assert_not_null(store, "store_open: %s", err);
    cJSON *summary = NULL;
    cr_assert_eq(demo_seed(store, "$argon2id$not-a-real-hash", &summary), STORE_OK);
    cr_assert_eq(cJSON_GetObjectItem(summary, "grid_cells")->valueint, 144);
    cr_assert_eq(cJSON_GetObjectItem(summary, "users")->valueint, 13);
    cr_assert_eq(cJSON_GetObjectItem(summary, "communities")->valueint, 6);
    cJSON_Delete(summary);
}

static void teardown(void)
{
    store_close(store);
    char path[160];
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < COUNT_OF(suffixes); i++) {
        snprintf(path, sizeof path, "%s%s", db_path, suffixes[i]);
        unlink(path);
    }
    rmdir(dir);
}

TestSuite(places, .init = setup, .fini = teardown);

// The demo layout: column i (0..18) west to east, row j (0..8) north to south,
// exactly as demo.c computes its vertices.
static double lon_at(int i)
{
    return (double)(1109113000LL + i * 9700LL) / 1e7;
}

static double lat_at(int j)
{
    return (double)(216636000LL - j * 9000LL) / 1e7;
}

// The code of the demo cell at column i, row j.
static void code_at(int i, int j, char out[16])
{
    static const char *const STREETS[] = {"002", "001", "003"};
    snprintf(out, 16, "440902%s%03d%03d", STREETS[(i / 6) % 3], (j / 4) % 2 + 1,
             ((j % 4) * 6 + i % 6) % 24 + 1);
}

static void expect_cell(double lon, double lat, const char *want)
{
    struct store_grid_location where;
    int rc = store_grid_locate(store, lon, lat, &where);
    if (want == NULL) {
        cr_expect_eq(rc, STORE_NOT_FOUND, "(%.9f, %.9f) should be outside, got %s", lon, lat,
                     rc == STORE_OK ? where.grid_code : "an error");
        return;
    }
    cr_assert_eq(rc, STORE_OK, "(%.9f, %.9f) should be in %s", lon, lat, want);
    cr_expect_str_eq(where.grid_code, want, "(%.9f, %.9f)", lon, lat);
    cr_expect_eq(strncmp(where.community_code, want, 12), 0);
    cr_expect_eq(strncmp(where.street_code, want, 9), 0);
    cr_expect_str_eq(where.district_code, "440902");
}

Test(places, locate_finds_every_cell_by_its_centre)
{
    char code[16];
    for (int i = 0; i < 18; i++)
        for (int j = 0; j < 8; j++) {
            code_at(i, j, code);
            expect_cell((lon_at(i) + lon_at(i + 1)) / 2, (lat_at(j) + lat_at(j + 1)) / 2, code);
        }
    struct store_grid_location where;
    cr_assert_eq(
        store_grid_locate(store, (lon_at(6) + lon_at(7)) / 2, (lat_at(0) + lat_at(1)) / 2, &where),
        STORE_OK);
    cr_expect_str_eq(where.grid_code, "440902001001001");
    cr_expect_str_eq(where.street_name, "红旗街道");
    cr_expect_str_eq(where.district_name, "茂南区");
    struct store_org_unit community;
    cr_assert_eq(store_org_unit_find(store, "440902001001", &community), STORE_OK);
    cr_expect_str_eq(where.place_path, community.path, "the cell's place is its community");
}

Test(places, shared_edges_and_corners_belong_to_exactly_one_cell)
{
    char code[16];
    for (int i = 1; i < 18; i++)
        for (int j = 0; j < 8; j++) {
            // A vertical edge belongs to the cell east of it (its west edge).
            code_at(i, j, code);
            expect_cell(lon_at(i), (lat_at(j) + lat_at(j + 1)) / 2, code);
        }
    for (int i = 0; i < 18; i++)
        for (int j = 1; j < 8; j++) {
            // A horizontal edge belongs to the cell north of it (its south edge).
            code_at(i, j - 1, code);
            expect_cell((lon_at(i) + lon_at(i + 1)) / 2, lat_at(j), code);
        }
    for (int i = 1; i < 18; i++)
        for (int j = 1; j < 8; j++) {
            // A corner of four cells is the south-west corner of the north-east one.
            code_at(i, j - 1, code);
            expect_cell(lon_at(i), lat_at(j), code);
        }
}

Test(places, points_outside_every_cell_are_not_found)
{
    expect_cell(0, 0, NULL);
    expect_cell(lon_at(18) + 0.0097, (lat_at(0) + lat_at(1)) / 2, NULL); // 1 km east
    expect_cell(lon_at(18), (lat_at(0) + lat_at(1)) / 2, NULL);          // the outer east edge
    expect_cell((lon_at(0) + lon_at(1)) / 2, lat_at(0), NULL);           // the outer north edge
    expect_cell(nan(""), lat_at(1), NULL);
    char code[16];
    code_at(0, 7, code);
    expect_cell(lon_at(0), lat_at(8), code); // the outer south-west corner is inside
}

Test(places, org_unit_code_rules)
{
    struct store_org_unit city = {.code = "4409", .type = "city"};
    struct store_org_unit district = {.code = "440902", .type = "district"};
    struct store_org_unit street = {.code = "440902001", .type = "street"};
    struct store_org_unit community = {.code = "440902001001", .type = "community"};
    cr_expect(store_org_unit_code_fits("city", "4409", NULL));
    cr_expect_not(store_org_unit_code_fits("city", "4400", NULL), "a province, not a city");
    cr_expect_not(store_org_unit_code_fits("city", "1009", NULL), "10 is no province");
    cr_expect_not(store_org_unit_code_fits("city", "4409", &city), "a city has no parent");
    cr_expect(store_org_unit_code_fits("district", "440902", &city));
    cr_expect_not(store_org_unit_code_fits("district", "440102", &city), "another city's");
    cr_expect_not(store_org_unit_code_fits("district", "440902", &district));
    cr_expect_not(store_org_unit_code_fits("district", "440900", &city));
    cr_expect(store_org_unit_code_fits("street", "440902004", &district));
    cr_expect_not(store_org_unit_code_fits("street", "440903004", &district));
    cr_expect_not(store_org_unit_code_fits("street", "440902000", &district));
    cr_expect_not(store_org_unit_code_fits("street", "44090200", &district));
    cr_expect(store_org_unit_code_fits("community", "440902001007", &street));
    cr_expect_not(store_org_unit_code_fits("community", "440902002007", &street));
    cr_expect_not(store_org_unit_code_fits("community", "440902001007", &district));
    cr_expect(store_org_unit_code_fits("department", "440902-D12", &district));
    cr_expect(store_org_unit_code_fits("department", "440902001-DAB", &street));
    cr_expect(store_org_unit_code_fits("department", "4409-D1", &city));
    cr_expect_not(store_org_unit_code_fits("department", "440902-D", &district));
    cr_expect_not(store_org_unit_code_fits("department", "440902-d01", &district));
    cr_expect_not(store_org_unit_code_fits("department", "440902-X01", &district));
    cr_expect_not(store_org_unit_code_fits("department", "440903-D01", &district));
    cr_expect_not(store_org_unit_code_fits("department", "440902001-D12345", &street));
    cr_expect_not(store_org_unit_code_fits("department", "440902001001-D1", &community));
    cr_expect_not(store_org_unit_code_fits("department", "440902-D01", NULL));
    cr_expect_not(store_org_unit_code_fits("village", "440902", &city));
    cr_expect_not(store_org_unit_code_fits(NULL, "440902", &city));
}

static int create(const char *type, const char *code, const char *parent_code, const char *kind,
                  int64_t *id)
{
    struct store_org_unit unit = {0}, parent;
    snprintf(unit.type, sizeof unit.type, "%s", type);
    snprintf(unit.code, sizeof unit.code, "%s", code);
    snprintf(unit.name, sizeof unit.name, "测试%s", code);
    snprintf(unit.department_kind, sizeof unit.department_kind, "%s", kind ? kind : "");
    if (parent_code != NULL) {
        cr_assert_eq(store_org_unit_find(store, parent_code, &parent), STORE_OK);
        unit.parent_id = parent.id;
    }
    return store_org_unit_create(store, &unit, id);
}

Test(places, org_units_get_paths_and_are_checked)
{
    int64_t id = 0;
    cr_assert_eq(create("street", "440902004", "440902", NULL, &id), STORE_OK);
    struct store_org_unit district, street, got;
    cr_assert_eq(store_org_unit_find(store, "440902", &district), STORE_OK);
    cr_assert_eq(store_org_unit_get(store, id, &street), STORE_OK);
    char want[160];
    snprintf(want, sizeof want, "%s%lld/", district.path, (long long)id);
    cr_expect_str_eq(street.path, want);
    cr_expect_eq(street.parent_id, district.id);
    cr_assert_eq(create("community", "440902004001", "440902004", NULL, &id), STORE_OK);
    cr_assert_eq(store_org_unit_get(store, id, &got), STORE_OK);
    cr_expect_eq(strncmp(got.path, street.path, strlen(street.path)), 0);

    cr_expect_eq(create("street", "440902004", "440902", NULL, NULL), STORE_CONFLICT);
    cr_expect_eq(create("street", "440903005", "440902", NULL, NULL), STORE_INVALID);
    cr_expect_eq(create("community", "440902004002", "440902", NULL, NULL), STORE_INVALID,
                 "a community under a district");
    cr_expect_eq(create("department", "440902-D20", "440902", NULL, NULL), STORE_INVALID,
                 "a department needs a kind");
    cr_expect_eq(create("street", "440902006", "440902", "municipal", NULL), STORE_INVALID,
                 "a place has no kind");
    cr_expect_eq(create("department", "440902-D20", "440902", "Bad Kind", NULL), STORE_INVALID);
    cr_expect_eq(create("department", "440902-D20", "440902", "municipal", NULL), STORE_OK);
    struct store_org_unit orphan = {
        .code = "440902007", .type = "street", .name = "x", .parent_id = 999999};
    cr_expect_eq(store_org_unit_create(store, &orphan, NULL), STORE_INVALID);
    cr_expect_eq(store_org_unit_find(store, "440903005", &got), STORE_NOT_FOUND);
}

struct unit_list {
    int count;
    char codes[64][16];
};

static void collect_unit(const struct store_org_unit *unit, void *data)
{
    struct unit_list *list = data;
    if (list->count < 64)
        snprintf(list->codes[list->count], 16, "%s", unit->code);
    list->count++;
}

static bool listed(const struct unit_list *list, const char *code)
{
    for (int i = 0; i < list->count && i < 64; i++)
        if (strcmp(list->codes[i], code) == 0)
            return true;
    return false;
}

// The jurisdiction of a supervisor of the unit with this code.
static struct jurisdiction supervisor_of(const char *code)
{
    struct store_org_unit unit;
    cr_assert_eq(store_org_unit_find(store, code, &unit), STORE_OK);
    struct jurisdiction j;
    cr_assert(jurisdiction_init(&j, ROLE_SUPERVISOR, 1, unit.id, unit.path));
    return j;
}

static struct jurisdiction everywhere(void)
{
    struct jurisdiction j;
    jurisdiction_init_everywhere(&j);
    return j;
}

Test(places, org_unit_list_stays_inside_the_jurisdiction)
{
    struct jurisdiction hongqi = supervisor_of("440902001");
    struct unit_list list = {0};
    struct store_org_unit_filter filter = {.jurisdiction = &hongqi};
    cr_assert_eq(store_org_unit_list(store, &filter, collect_unit, &list), STORE_OK);
    cr_expect(listed(&list, "440902001"));
    cr_expect(listed(&list, "440902001001"));
    cr_expect(listed(&list, "440902001002"));
    cr_expect(listed(&list, "440902001-D01"), "its own street office");
    cr_expect(listed(&list, "440902-D02"), "the district's departments");
    cr_expect_not(listed(&list, "440902002"), "Hexi street");
    cr_expect_not(listed(&list, "440902002001"), "a Hexi community");
    cr_expect_not(listed(&list, "440902002-D01"), "Hexi's street office");
    cr_expect_not(listed(&list, "440902"), "the district itself is outside a street's scope");
    cr_expect_eq(list.count, 3 + 1 + 11);

    struct unit_list all = {0};
    struct jurisdiction city = everywhere();
    struct store_org_unit_filter everything = {.jurisdiction = &city};
    cr_assert_eq(store_org_unit_list(store, &everything, collect_unit, &all), STORE_OK);
    cr_expect_eq(all.count, 25);

    struct unit_list none = {0};
    struct store_org_unit_filter unbound = {.jurisdiction = NULL};
    cr_assert_eq(store_org_unit_list(store, &unbound, collect_unit, &none), STORE_OK);
    cr_expect_eq(none.count, 0, "no jurisdiction lists nothing");

    struct unit_list streets = {0};
    struct store_org_unit_filter by_type = {
        .jurisdiction = &city, .type = "street", .parent_code = "440902"};
    cr_assert_eq(store_org_unit_list(store, &by_type, collect_unit, &streets), STORE_OK);
    cr_expect_eq(streets.count, 3);
    cr_expect_str_eq(streets.codes[0], "440902001", "ordered by code");
}

Test(places, department_for_place_prefers_the_nearest_unit)
{
    struct store_org_unit community, found;
    cr_assert_eq(store_org_unit_find(store, "440902001002", &community), STORE_OK);
    cr_assert_eq(store_department_for_place(store, "street_office", community.id, &found),
                 STORE_OK);
    cr_expect_str_eq(found.code, "440902001-D01");
    cr_assert_eq(store_department_for_place(store, "sanitation", community.id, &found), STORE_OK);
    cr_expect_str_eq(found.code, "440902-D02");
    cr_expect_eq(store_department_for_place(store, "bakery", community.id, &found),
                 STORE_NOT_FOUND);
}

struct cell_list {
    int count;
    bool all_prefixed;
    const char *prefix;
    bool leader_seen;
};

static void collect_cell(const struct store_grid_cell *cell, void *data)
{
    struct cell_list *list = data;
    list->count++;
    if (strncmp(cell->code, list->prefix, strlen(list->prefix)) != 0)
        list->all_prefixed = false;
    if (cell->leader_json != NULL)
        list->leader_seen = true;
    cr_expect(cell->area_m2 > 9900 && cell->area_m2 < 10100, "about 10,000 m2: %f", cell->area_m2);
    cr_expect_eq(cell->ring_json[0], '[');
}

Test(places, grid_list_filters_by_scope_community_and_bbox)
{
    struct jurisdiction hongqi = supervisor_of("440902001");
    struct cell_list list = {0, true, "440902001", false};
    struct store_grid_filter filter = {.jurisdiction = &hongqi, .limit = 1000};
    cr_assert_eq(store_grid_list(store, &filter, collect_cell, &list), STORE_OK);
    cr_expect_eq(list.count, 48);
    cr_expect(list.all_prefixed);
    cr_expect(list.leader_seen);

    struct cell_list south = {0, true, "440902001002", false};
    filter.community_code = "440902001002";
    cr_assert_eq(store_grid_list(store, &filter, collect_cell, &south), STORE_OK);
    cr_expect_eq(south.count, 24);
    cr_expect(south.all_prefixed);
    cr_expect_not(south.leader_seen, "the south community has no grid leader");

    struct cell_list none = {0, true, "", false};
    filter.community_code = "440902002001"; // Hexi: outside Hongqi's scope
    cr_assert_eq(store_grid_list(store, &filter, collect_cell, &none), STORE_OK);
    cr_expect_eq(none.count, 0);

    // A box strictly inside cell (7, 1) meets that cell only; one around the
    // vertex (7, 1) meets the four cells sharing it.
    struct cell_list one = {0, true, "440902001001008", false};
    struct jurisdiction city = everywhere();
    struct store_grid_filter box = {.jurisdiction = &city,
                                    .has_bbox = true,
                                    .min_lon = lon_at(7) + 0.0001,
                                    .max_lon = lon_at(8) - 0.0001,
                                    .min_lat = lat_at(2) + 0.0001,
                                    .max_lat = lat_at(1) - 0.0001,
                                    .limit = 1000};
    cr_assert_eq(store_grid_list(store, &box, collect_cell, &one), STORE_OK);
    cr_expect_eq(one.count, 1);
    cr_expect(one.all_prefixed);
    struct cell_list four = {0, true, "4409020010010", false};
    box.min_lon = lon_at(7) - 0.0001;
    box.max_lon = lon_at(7) + 0.0001;
    box.min_lat = lat_at(1) - 0.0001;
    box.max_lat = lat_at(1) + 0.0001;
    cr_assert_eq(store_grid_list(store, &box, collect_cell, &four), STORE_OK);
    cr_expect_eq(four.count, 4);
    struct cell_list limited = {0, true, "", false};
    struct store_grid_filter first_ten = {.jurisdiction = &city, .limit = 10};
    cr_assert_eq(store_grid_list(store, &first_ten, collect_cell, &limited), STORE_OK);
    cr_expect_eq(limited.count, 10);
}

// ---- import ----

// A square feature (closed ring) from (lon0, lat0) to (lon1, lat1), as text.
static void square(char *out, size_t size, const char *code, double lon0, double lat0, double lon1,
                   double lat1)
{
    snprintf(out, size,
             "{\"type\":\"Feature\",\"properties\":{\"code\":\"%s\",\"name\":\"n\"},"
             "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.17g,%.17g],[%.17g,%.17g],"
             "[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g]]]}}",
             code, lon0, lat0, lon1, lat0, lon1, lat1, lon0, lat1, lon0, lat0);
}

// Imports the features (JSON texts) as one FeatureCollection.
static int import_features(const char *const *features, size_t count, bool skip, cJSON **report)
{
    size_t size = 64;
    for (size_t i = 0; i < count; i++)
        size += strlen(features[i]) + 1;
    char *text = malloc(size);
    cr_assert_not_null(text);
    strcpy(text, "{\"type\":\"FeatureCollection\",\"features\":[");
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            strcat(text, ",");
        strcat(text, features[i]);
    }
    strcat(text, "]}");
    int rc = grid_import_geojson(store, text, strlen(text), skip, report);
    free(text);
    cr_assert_not_null(*report);
    return rc;
}

static const char *rejection(const cJSON *report, int index)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(report, "rejected"))
    {
        if (cJSON_GetObjectItem(item, "index")->valueint == index) {
            cr_expect(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(item, "reason"))) > 10);
            return cJSON_GetStringValue(cJSON_GetObjectItem(item, "error"));
        }
    }
    return "(accepted)";
}

static int imported(const cJSON *report)
{
    return cJSON_GetObjectItem(report, "imported")->valueint;
}

// North of the demo block (row -1) is empty land in Hongqi North's columns.
#define NORTH(i) lon_at(i), lat_at(0), lon_at((i) + 1), lat_at(-1)

static char good[512], overlapping[512];
static const char BAD_CODE[] =
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"44090200100103X\"},\"geometry\":"
    "{\"type\":\"Polygon\",\"coordinates\":[[[110.95,21.7],[110.951,21.7],[110.951,21.701],"
    "[110.95,21.7]]]}}";
static const char BOWTIE[] =
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"440902001001031\"},\"geometry\":"
    "{\"type\":\"Polygon\",\"coordinates\":[[[110.95,21.7],[110.951,21.701],[110.951,21.7],"
    "[110.95,21.701],[110.95,21.7]]]}}";
static const char OPEN_RING[] =
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"440902001001032\"},\"geometry\":"
    "{\"type\":\"Polygon\",\"coordinates\":[[[110.96,21.7],[110.961,21.7],[110.961,21.701],"
    "[110.96,21.701]]]}}";

static void mixed_file(const char *features[5])
{
    square(good, sizeof good, "440902001001030", NORTH(8));
    // Half a cell north of the block, half over cell (9, 0).
    square(overlapping, sizeof overlapping, "440902001001033", lon_at(9),
           (lat_at(0) + lat_at(1)) / 2, lon_at(10), lat_at(-1));
    features[0] = BAD_CODE;
    features[1] = BOWTIE;
    features[2] = OPEN_RING;
    features[3] = overlapping;
    features[4] = good;
}

Test(places, a_file_with_bad_features_imports_nothing)
{
    const char *features[5];
    mixed_file(features);
    cJSON *report = NULL;
    cr_expect_eq(import_features(features, 5, false, &report), GRID_IMPORT_REJECTED);
    cr_expect_eq(imported(report), 0);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(report, "rejected")), 4);
    cr_expect_str_eq(rejection(report, 0), "invalid_code");
    cr_expect_str_eq(rejection(report, 1), "self_intersecting");
    cr_expect_str_eq(rejection(report, 2), "ring_not_closed");
    cr_expect_str_eq(rejection(report, 3), "overlaps_existing");
    cr_expect_str_eq(rejection(report, 4), "(accepted)");
    cJSON_Delete(report);
    expect_cell((lon_at(8) + lon_at(9)) / 2, (lat_at(0) + lat_at(-1)) / 2, NULL);
}

Test(places, skip_invalid_imports_the_good_features)
{
    const char *features[5];
    mixed_file(features);
    cJSON *report = NULL;
    cr_expect_eq(import_features(features, 5, true, &report), GRID_IMPORT_REJECTED);
    cr_expect_eq(imported(report), 1);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(report, "rejected")), 4);
    cJSON_Delete(report);
    expect_cell((lon_at(8) + lon_at(9)) / 2, (lat_at(0) + lat_at(-1)) / 2, "440902001001030");
    // Its south edge is shared with cell (8, 0): the point there is the new cell's.
    expect_cell((lon_at(8) + lon_at(9)) / 2, lat_at(0), "440902001001030");
    // Importing it again: the code exists now.
    cr_expect_eq(import_features(&features[4], 1, false, &report), GRID_IMPORT_REJECTED);
    cr_expect_str_eq(rejection(report, 0), "code_exists");
    cJSON_Delete(report);
}

Test(places, a_check_without_the_store_rejects_what_the_file_alone_shows)
{
    const char *features[5];
    mixed_file(features);
    char text[4096] = "{\"type\":\"FeatureCollection\",\"features\":[";
    for (size_t i = 0; i < 5; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s", i ? "," : "",
                 features[i]);
    strcat(text, "]}");
    cJSON *collection = cJSON_Parse(text);
    cr_assert_not_null(collection);
    cJSON *report = NULL;
    cr_expect_eq(grid_import_check(collection, &report), GRID_IMPORT_REJECTED);
    cr_assert_not_null(report);
    cr_expect_eq(imported(report), 0);
    // The overlap needs the stored cells: only the three faults of the file itself.
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(report, "rejected")), 3);
    cr_expect_str_eq(rejection(report, 0), "invalid_code");
    cr_expect_str_eq(rejection(report, 1), "self_intersecting");
    cr_expect_str_eq(rejection(report, 2), "ring_not_closed");
    cr_expect_str_eq(rejection(report, 3), "(accepted)");
    cJSON_Delete(report);
    cJSON_Delete(collection);
    // Nothing was stored, not even the good feature.
    expect_cell((lon_at(8) + lon_at(9)) / 2, (lat_at(0) + lat_at(-1)) / 2, NULL);
    cJSON *not_a_collection = cJSON_Parse("{\"type\":\"Feature\"}");
    cr_expect_eq(grid_import_check(not_a_collection, &report), GRID_IMPORT_INVALID);
    cr_expect_str_eq(
        cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(report, "error"), "code")),
        "invalid_geojson");
    cJSON_Delete(report);
    cJSON_Delete(not_a_collection);
}

Test(places, a_clean_file_imports_everything_seamlessly)
{
    char a[512], b[512], c[512];
    square(a, sizeof a, "440902001001025", NORTH(6));
    square(b, sizeof b, "440902001001026", NORTH(7));
    square(c, sizeof c, "440902001001027", NORTH(8));
    const char *features[] = {a, b, c};
    cJSON *report = NULL;
    cr_expect_eq(import_features(features, 3, false, &report), GRID_IMPORT_OK);
    cr_expect_eq(imported(report), 3);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(report, "rejected")), 0);
    cJSON_Delete(report);
    expect_cell(lon_at(7), (lat_at(0) + lat_at(-1)) / 2, "440902001001026");
    expect_cell(lon_at(8), lat_at(0), "440902001001027");
}

Test(places, each_kind_of_bad_feature_has_its_reason)
{
    char dup1[512], dup2[512], ov1[512], ov2[512], ghost[512], taken[512], far[512];
    square(dup1, sizeof dup1, "440902001001040", NORTH(6));
    square(dup2, sizeof dup2, "440902001001040", NORTH(7));
    square(ov1, sizeof ov1, "440902001001041", NORTH(8));
    square(ov2, sizeof ov2, "440902001001042", lon_at(8) + 0.0001, lat_at(0), lon_at(9),
           lat_at(-1));
    square(ghost, sizeof ghost, "440902009001001", NORTH(10));
    square(taken, sizeof taken, "440902001001001", NORTH(11));
    square(far, sizeof far, "440902001001043", 190, 21, 191, 22);
    const char *features[] = {
        dup1,
        dup2,
        ov1,
        ov2,
        ghost,
        taken,
        far,
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"440902001001044\"},\"geometry\":"
        "{\"type\":\"MultiPolygon\",\"coordinates\":[]}}",
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"440902001001045\"},\"geometry\":"
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]],[[0.1,0.1],[0.2,0.1],"
        "[0.2,0.2],[0.1,0.1]]]}}",
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"440902001001046\"},\"geometry\":null}",
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"440902001001047\",\"area\":1},"
        "\"geometry\":null}",
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"440902001001048\"},\"geometry\":"
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}}",
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"440902001001000\"},\"geometry\":null}",
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"no code\"},\"geometry\":null}",
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"440902001001049\"},\"geometry\":"
        "{\"type\":\"Point\",\"coordinates\":[0,0]}}",
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"440902001001050\"},\"geometry\":"
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,\"x\"],[1,1],[0,0]]]}}",
        "[1,2]",
        "{\"type\":\"Feature\",\"extra\":1,\"properties\":{\"code\":\"440902001001051\"}}",
    };
    static const char *const WANT[] = {
        "(accepted)",        "duplicate_code",   "(accepted)",       "overlaps_feature",
        "unknown_community", "code_exists",      "out_of_range",     "multipolygon",
        "polygon_has_holes", "missing_geometry", "unknown_property", "too_few_points",
        "invalid_code",      "missing_code",     "not_polygon",      "invalid_coordinates",
        "invalid_feature",   "invalid_feature",
    };
    cr_assert_eq(COUNT_OF(features), COUNT_OF(WANT));
    cJSON *report = NULL;
    cr_expect_eq(import_features(features, COUNT_OF(features), true, &report),
                 GRID_IMPORT_REJECTED);
    for (size_t i = 0; i < COUNT_OF(WANT); i++)
        cr_expect_str_eq(rejection(report, (int)i), WANT[i], "feature %zu", i);
    cr_expect_eq(imported(report), 2);
    cJSON_Delete(report);
}

Test(places, documents_that_are_not_feature_collections_are_refused)
{
    static const char *const TEXTS[] = {
        "not json",
        "[]",
        "{\"type\":\"Feature\"}",
        "{\"type\":\"FeatureCollection\"}",
        "{\"type\":\"FeatureCollection\",\"features\":{}}",
        "{\"type\":\"FeatureCollection\",\"features\":[],\"surprise\":true}",
    };
    for (size_t i = 0; i < COUNT_OF(TEXTS); i++) {
        cJSON *report = NULL;
        cr_expect_eq(grid_import_geojson(store, TEXTS[i], strlen(TEXTS[i]), false, &report),
                     GRID_IMPORT_INVALID, "%s", TEXTS[i]);
        cr_assert_not_null(report);
        cr_expect_str_eq(
            cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(report, "error"), "code")),
            "invalid_geojson");
        cJSON_Delete(report);
    }
    cJSON *report = NULL;
    const char empty[] = "{\"type\":\"FeatureCollection\",\"features\":[],\"name\":\"x\"}";
    cr_expect_eq(grid_import_geojson(store, empty, strlen(empty), false, &report), GRID_IMPORT_OK);
    cr_expect_eq(imported(report), 0);
    cJSON_Delete(report);
}

Test(places, imports_stay_inside_the_importers_jurisdiction)
{
    struct jurisdiction hexi = supervisor_of("440902002");
    char text[700], feature[512];
    square(feature, sizeof feature, "440902001001030", NORTH(8));
    snprintf(text, sizeof text, "{\"type\":\"FeatureCollection\",\"features\":[%s]}", feature);
    cJSON *collection = cJSON_Parse(text), *report = NULL;
    cr_expect_eq(grid_import_collection(store, collection, &hexi, false, &report),
                 GRID_IMPORT_REJECTED);
    cr_expect_str_eq(rejection(report, 0), "unknown_community");
    cJSON_Delete(report);
    cJSON_Delete(collection);
}

static void count_user(const struct store_user *user, void *data)
{
    (void)user;
    (*(int *)data)++;
}

// Hexi's path is /1/2/14/: a street created with id 140 (path /1/2/140/) shares
// its text prefix but is a sibling, outside Hexi in every store filter.
Test(places, a_sibling_whose_id_extends_anothers_is_outside)
{
    struct store_org_unit hexi_unit;
    cr_assert_eq(store_org_unit_find(store, "440902002", &hexi_unit), STORE_OK);
    struct jurisdiction hexi = supervisor_of("440902002");
    struct unit_list before = {0};
    struct store_org_unit_filter filter = {.jurisdiction = &hexi};
    cr_assert_eq(store_org_unit_list(store, &filter, collect_unit, &before), STORE_OK);

    int64_t id = 0;
    char code[32];
    for (unsigned n = 4; id < hexi_unit.id * 10; n++) {
        cr_assert_lt(n, 999, "the sibling id was never reached");
        snprintf(code, sizeof code, "440902%03u", n % 1000);
        cr_assert_eq(create("street", code, "440902", NULL, &id), STORE_OK);
    }
    cr_assert_eq(id, hexi_unit.id * 10);
    struct store_org_unit sibling;
    cr_assert_eq(store_org_unit_get(store, id, &sibling), STORE_OK);
    char community_code[32];
    snprintf(community_code, sizeof community_code, "%s001", sibling.code);
    cr_assert_eq(create("community", community_code, sibling.code, NULL, NULL), STORE_OK);

    struct unit_list after = {0};
    cr_assert_eq(store_org_unit_list(store, &filter, collect_unit, &after), STORE_OK);
    cr_expect_eq(after.count, before.count, "nothing of the sibling is listed");
    cr_expect_not(listed(&after, sibling.code));
    int64_t found = 0;
    cr_expect_eq(store_org_unit_in_scope(store, community_code, &hexi, &found), STORE_NOT_FOUND);
    struct jurisdiction own = supervisor_of(sibling.code);
    cr_expect_eq(store_org_unit_in_scope(store, community_code, &own, &found), STORE_OK);

    int hexi_users = 0, in_hexi = 0, in_own = 0;
    cr_assert_eq(store_user_list(store, &hexi, 0, 1000, count_user, &hexi_users), STORE_OK);
    cr_expect_eq(hexi_users, 2, "Hexi's supervisor and inspector");
    struct store_user user = {.role = ROLE_INSPECTOR, .org_unit_id = sibling.id};
    snprintf(user.username, sizeof user.username, "sibling_inspector");
    snprintf(user.display_name, sizeof user.display_name, "sibling");
    int64_t user_id = 0;
    cr_assert_eq(store_user_create(store, &user, "$argon2id$not-a-real-hash", &user_id), STORE_OK);
    cr_assert_eq(store_user_list(store, &hexi, 0, 1000, count_user, &in_hexi), STORE_OK);
    cr_assert_eq(store_user_list(store, &own, 0, 1000, count_user, &in_own), STORE_OK);
    cr_expect_eq(in_hexi, hexi_users, "the sibling's inspector is not Hexi's");
    cr_expect_eq(in_own, 1, "only the sibling's inspector");

    char text[700], feature[512];
    char cell_code[48];
    snprintf(cell_code, sizeof cell_code, "%s001", community_code);
    square(feature, sizeof feature, cell_code, 110.5, 21.5, 110.501, 21.501);
    snprintf(text, sizeof text, "{\"type\":\"FeatureCollection\",\"features\":[%s]}", feature);
    cJSON *collection = cJSON_Parse(text), *report = NULL;
    cr_expect_eq(grid_import_collection(store, collection, &hexi, false, &report),
                 GRID_IMPORT_REJECTED);
    cr_expect_str_eq(rejection(report, 0), "unknown_community");
    cJSON_Delete(report);
    cr_expect_eq(grid_import_collection(store, collection, &own, false, &report), GRID_IMPORT_OK);
    cJSON_Delete(report);
    cJSON_Delete(collection);
    struct cell_list none = {0, true, "", false};
    struct store_grid_filter cells = {.jurisdiction = &hexi, .limit = 1000};
    cr_assert_eq(store_grid_list(store, &cells, collect_cell, &none), STORE_OK);
    cr_expect_eq(none.count, 48, "Hexi's own cells only");
}
