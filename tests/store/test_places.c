// SPDX-License-Identifier: MIT
// Store conformance, places (store_places.h): org-unit code rules, paths and
// refusals, lookups, the jurisdiction-bound unit list, the department
// responsible for a place, the cell holding a point with the half-open edge
// rule, the cell list, grid imports and their outcomes (all or nothing, or
// keeping the valid cells), seeding places in one go, and cell assignments.
#include "fixture.h"

#include "store_places.h"
#include "store_users.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

TestSuite(places, .init = conf_setup, .fini = conf_teardown);

static struct store_org_unit unit_of(int64_t id)
{
    struct store_org_unit unit;
    cr_assert_eq(store_org_unit_get(store, id, &unit), STORE_OK);
    return unit;
}

Test(places, org_unit_codes_fit_their_parent)
{
    struct store_org_unit c = unit_of(city.city), d = unit_of(city.district),
                          s = unit_of(city.street1), m = unit_of(city.community_a);
    cr_expect(store_org_unit_code_fits("city", "4409", NULL));
    cr_expect_not(store_org_unit_code_fits("city", "4400", NULL), "a province code");
    cr_expect_not(store_org_unit_code_fits("city", "4409", &c), "a city has no parent");
    // GB/T 2260's six digits of a city, and the districts under them.
    struct store_org_unit six = c;
    snprintf(six.code, sizeof six.code, "440900");
    cr_expect(store_org_unit_code_fits("city", "440900", NULL));
    cr_expect_not(store_org_unit_code_fits("city", "440000", NULL), "a province code");
    cr_expect_not(store_org_unit_code_fits("city", "440901", NULL), "a district code");
    cr_expect(store_org_unit_code_fits("district", "440902", &six));
    cr_expect_not(store_org_unit_code_fits("district", "440802", &six), "another city's");
    cr_expect(store_org_unit_code_fits("department", "440900-D01", &six));
    cr_expect(store_org_unit_code_fits("district", "440904", &c));
    cr_expect_not(store_org_unit_code_fits("district", "440100", &c));
    cr_expect_not(store_org_unit_code_fits("district", "440104", &c), "another city's");
    cr_expect(store_org_unit_code_fits("street", "440902003", &d));
    cr_expect_not(store_org_unit_code_fits("street", "440902000", &d));
    cr_expect_not(store_org_unit_code_fits("street", "440903001", &d));
    cr_expect(store_org_unit_code_fits("community", "440902001009", &s));
    cr_expect_not(store_org_unit_code_fits("community", "440902001009", &d));
    cr_expect(store_org_unit_code_fits("department", "440902-D01", &d));
    cr_expect(store_org_unit_code_fits("department", "440902001-DAB12", &s));
    cr_expect(store_org_unit_code_fits("department", "4409-D7", &c));
    cr_expect_not(store_org_unit_code_fits("department", "440902001001-D1", &m),
                  "not under a community");
    cr_expect_not(store_org_unit_code_fits("department", "440902-Dab", &d));
    cr_expect_not(store_org_unit_code_fits("department", "440902-D", &d));
    cr_expect_not(store_org_unit_code_fits("department", "440902-D12345", &d));
    cr_expect_not(store_org_unit_code_fits("province", "44", NULL));
    cr_expect_not(store_org_unit_code_fits(NULL, "4409", NULL));
    cr_expect_not(store_org_unit_code_fits("city", NULL, NULL));
}

Test(places, an_org_unit_gets_its_parents_path_and_its_own_id)
{
    struct store_org_unit street = {.parent_id = city.district};
    snprintf(street.code, sizeof street.code, "440902003");
    snprintf(street.type, sizeof street.type, "street");
    snprintf(street.name, sizeof street.name, "河东街道");
    snprintf(street.name_en, sizeof street.name_en, "Hedong");
    int64_t id = 0;
    cr_assert_eq(store_org_unit_create(store, &street, &id), STORE_OK);
    struct store_org_unit got = unit_of(id), district = unit_of(city.district);
    char want[160];
    snprintf(want, sizeof want, "%s%lld/", district.path, (long long)id);
    cr_expect_str_eq(got.path, want);
    cr_expect_str_eq(got.code, "440902003");
    cr_expect_str_eq(got.type, "street");
    cr_expect_str_eq(got.name, "河东街道");
    cr_expect_str_eq(got.name_en, "Hedong");
    cr_expect_eq(got.parent_id, city.district);
    cr_expect_str_eq(got.department_kind, "");
    struct store_org_unit found;
    cr_assert_eq(store_org_unit_find(store, "440902003", &found), STORE_OK);
    cr_expect_eq(found.id, id);
    cr_expect_eq(store_org_unit_find(store, "440902009", &found), STORE_NOT_FOUND);
    cr_expect_eq(store_org_unit_find(store, NULL, &found), STORE_NOT_FOUND);
    cr_expect_eq(store_org_unit_get(store, 999999, &found), STORE_NOT_FOUND);
    struct store_org_unit root = unit_of(city.city);
    snprintf(want, sizeof want, "/%lld/", (long long)city.city);
    cr_expect_str_eq(root.path, want, "a unit without a parent");
    cr_expect_eq(root.parent_id, 0);
}

Test(places, bad_org_units_are_refused)
{
    struct store_org_unit u = {.parent_id = city.district};
    snprintf(u.code, sizeof u.code, "440902001");
    snprintf(u.type, sizeof u.type, "street");
    snprintf(u.name, sizeof u.name, "重复");
    cr_expect_eq(store_org_unit_create(store, &u, NULL), STORE_CONFLICT, "code taken");
    snprintf(u.code, sizeof u.code, "440902005");
    u.name[0] = '\0';
    cr_expect_eq(store_org_unit_create(store, &u, NULL), STORE_INVALID, "no name");
    snprintf(u.name, sizeof u.name, "某街道");
    snprintf(u.department_kind, sizeof u.department_kind, "sanitation");
    cr_expect_eq(store_org_unit_create(store, &u, NULL), STORE_INVALID, "a place has no kind");
    u.department_kind[0] = '\0';
    u.parent_id = 999999;
    cr_expect_eq(store_org_unit_create(store, &u, NULL), STORE_INVALID, "no such parent");
    u.parent_id = city.street1;
    cr_expect_eq(store_org_unit_create(store, &u, NULL), STORE_INVALID, "a street under a street");
    snprintf(u.type, sizeof u.type, "village");
    cr_expect_eq(store_org_unit_create(store, &u, NULL), STORE_INVALID, "unknown type");
    struct store_org_unit dept = {.parent_id = city.district};
    snprintf(dept.code, sizeof dept.code, "440902-D09");
    snprintf(dept.type, sizeof dept.type, "department");
    snprintf(dept.name, sizeof dept.name, "园林所");
    cr_expect_eq(store_org_unit_create(store, &dept, NULL), STORE_INVALID,
                 "a department needs a kind");
    snprintf(dept.department_kind, sizeof dept.department_kind, "Landscaping");
    cr_expect_eq(store_org_unit_create(store, &dept, NULL), STORE_INVALID, "[a-z_] kinds");
    snprintf(dept.department_kind, sizeof dept.department_kind, "landscaping");
    int64_t id = 0;
    cr_assert_eq(store_org_unit_create(store, &dept, &id), STORE_OK);
    cr_expect_str_eq(unit_of(id).department_kind, "landscaping");
    struct store_org_unit found;
    cr_expect_eq(store_org_unit_find(store, "440902005", &found), STORE_NOT_FOUND,
                 "no refused unit was stored");
}

struct unit_codes {
    char code[24][STORE_ORG_CODE_MAX + 1];
    size_t n;
};

static void collect_unit(const struct store_org_unit *unit, void *data)
{
    struct unit_codes *codes = data;
    if (codes->n < 24)
        snprintf(codes->code[codes->n], sizeof codes->code[0], "%s", unit->code);
    codes->n++;
}

static struct unit_codes units_listed(const struct jurisdiction *j, const char *type,
                                      const char *parent)
{
    struct unit_codes codes = {.n = 0};
    struct store_org_unit_filter f = {j, type, parent};
    cr_assert_eq(store_org_unit_list(store, &f, collect_unit, &codes), STORE_OK);
    for (size_t i = 1; i < codes.n && i < 24; i++)
        cr_expect_lt(strcmp(codes.code[i - 1], codes.code[i]), 0, "ordered by code");
    return codes;
}

static bool listed(const struct unit_codes *codes, const char *code)
{
    for (size_t i = 0; i < codes->n && i < 24; i++)
        if (strcmp(codes->code[i], code) == 0)
            return true;
    return false;
}

Test(places, units_are_listed_inside_a_jurisdiction_with_the_departments_above)
{
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    cr_expect_eq(units_listed(&everywhere, NULL, NULL).n, 10);
    cr_expect_eq(units_listed(&everywhere, "street", NULL).n, 2);
    struct unit_codes children = units_listed(&everywhere, NULL, "440902001");
    cr_expect_eq(children.n, 2, "street 1's community and office");
    struct jurisdiction street = conf_jurisdiction(city.street1_supervisor);
    struct unit_codes seen = units_listed(&street, NULL, NULL);
    const char *want[] = {"440902-D01", "440902-D02", "440902001", "440902001-D01", "440902001001"};
    cr_expect_eq(seen.n, COUNT_OF(want));
    for (size_t i = 0; i < COUNT_OF(want); i++)
        cr_expect(listed(&seen, want[i]), "%s", want[i]);
    cr_expect_not(listed(&seen, "440902002-D01"), "not the other street's office");
    cr_expect_not(listed(&seen, "440902"), "not the district itself");
    struct unit_codes departments = units_listed(&street, "department", NULL);
    cr_expect_eq(departments.n, 3);
    cr_expect_eq(units_listed(NULL, NULL, NULL).n, 0);
}

Test(places, the_nearest_department_of_a_kind_answers_for_a_place)
{
    struct store_org_unit d;
    cr_assert_eq(store_department_for_place(store, "street_office", city.community_a, &d),
                 STORE_OK);
    cr_expect_eq(d.id, city.office1);
    cr_assert_eq(store_department_for_place(store, "street_office", city.community_b, &d),
                 STORE_OK);
    cr_expect_eq(d.id, city.office2);
    cr_assert_eq(store_department_for_place(store, "sanitation", city.community_a, &d), STORE_OK);
    cr_expect_eq(d.id, city.sanitation, "the district's, found from a community");
    cr_expect_eq(store_department_for_place(store, "street_office", city.district, &d),
                 STORE_NOT_FOUND, "no street office at the district");
    cr_expect_eq(store_department_for_place(store, "gas", city.community_a, &d), STORE_NOT_FOUND);
    // A tie goes to the smallest code.
    struct store_org_unit extra = {.parent_id = city.district};
    snprintf(extra.code, sizeof extra.code, "440902-D00");
    snprintf(extra.type, sizeof extra.type, "department");
    snprintf(extra.name, sizeof extra.name, "第二环卫所");
    snprintf(extra.department_kind, sizeof extra.department_kind, "sanitation");
    int64_t id = 0;
    cr_assert_eq(store_org_unit_create(store, &extra, &id), STORE_OK);
    cr_assert_eq(store_department_for_place(store, "sanitation", city.street2, &d), STORE_OK);
    cr_expect_eq(d.id, id);
}

static void expect_cell(double lon, double lat, int64_t grid_id)
{
    struct store_grid_location where;
    int rc = store_grid_locate(store, lon, lat, &where);
    if (grid_id == 0) {
        cr_expect_eq(rc, STORE_NOT_FOUND, "(%.7f, %.7f) lies in no cell", lon, lat);
        return;
    }
    cr_assert_eq(rc, STORE_OK, "(%.7f, %.7f)", lon, lat);
    cr_expect_eq(where.grid_id, grid_id, "(%.7f, %.7f) in %s", lon, lat, where.grid_code);
}

Test(places, a_point_lies_in_exactly_one_cell_by_the_half_open_rule)
{
    double mid_lon = (conf_lon(0) + conf_lon(1)) / 2, mid_lat = (conf_lat(0) + conf_lat(1)) / 2;
    struct store_grid_location where;
    cr_assert_eq(store_grid_locate(store, mid_lon, mid_lat, &where), STORE_OK);
    cr_expect_eq(where.grid_id, city.grid_a1);
    cr_expect_str_eq(where.grid_code, "440902001001001");
    cr_expect_str_eq(where.grid_name, "站前一格");
    cr_expect_eq(where.community_id, city.community_a);
    cr_expect_str_eq(where.community_code, "440902001001");
    cr_expect_str_eq(where.community_name, "站前社区");
    cr_expect_eq(where.street_id, city.street1);
    cr_expect_str_eq(where.street_code, "440902001");
    cr_expect_str_eq(where.street_name, "红旗街道");
    cr_expect_eq(where.district_id, city.district);
    cr_expect_str_eq(where.district_code, "440902");
    cr_expect_str_eq(where.district_name, "茂南区");
    cr_expect_str_eq(where.place_path, unit_of(city.community_a).path);
    // The edge A1 and A2 share belongs to A2 (its west edge) ...
    expect_cell(conf_lon(1), mid_lat, city.grid_a2);
    // ... the edge A1 and B1 share to A1 (its south edge) ...
    expect_cell(mid_lon, conf_lat(1), city.grid_a1);
    // ... the corner of all three to A2 (its south-west corner).
    expect_cell(conf_lon(1), conf_lat(1), city.grid_a2);
    // Outer edges: west and south are inside, east and north outside.
    expect_cell(conf_lon(0), mid_lat, city.grid_a1);
    expect_cell(conf_lon(2), mid_lat, 0);
    expect_cell(mid_lon, conf_lat(0), 0);
    expect_cell(conf_lon(0), conf_lat(2), city.grid_b1);
    expect_cell(conf_lon(1), conf_lat(2) + 0.0005, 0);
    expect_cell(0, 0, 0);
    expect_cell(NAN, mid_lat, 0);
    expect_cell(mid_lon, NAN, 0);
}

struct cells {
    char code[8][16];
    char leader[8][160];
    char inspectors[8][256];
    char ring[8][256];
    double area[8];
    size_t n;
};

// Copies JSON text into out without its insignificant spaces (PostgreSQL's JSON
// functions put some after colons and commas, SQLite's none): the contract is
// the JSON, not its layout. NULL copies as "".
static void copy_json(char *out, size_t size, const char *json)
{
    cJSON *parsed = json ? cJSON_Parse(json) : NULL;
    char *compact = parsed ? cJSON_PrintUnformatted(parsed) : NULL;
    cr_assert(json == NULL || compact != NULL, "not JSON: %s", json);
    snprintf(out, size, "%s", compact ? compact : "");
    cJSON_free(compact);
    cJSON_Delete(parsed);
}

static void collect_cell(const struct store_grid_cell *cell, void *data)
{
    struct cells *cells = data;
    if (cells->n < 8) {
        size_t i = cells->n;
        snprintf(cells->code[i], sizeof cells->code[0], "%s", cell->code);
        copy_json(cells->leader[i], sizeof cells->leader[0], cell->leader_json);
        copy_json(cells->inspectors[i], sizeof cells->inspectors[0], cell->inspectors_json);
        snprintf(cells->ring[i], sizeof cells->ring[0], "%s", cell->ring_json);
        cells->area[i] = cell->area_m2;
    }
    cells->n++;
}

static struct cells cells_listed(struct store_grid_filter f)
{
    struct cells cells = {.n = 0};
    if (f.limit == 0)
        f.limit = 100;
    cr_assert_eq(store_grid_list(store, &f, collect_cell, &cells), STORE_OK);
    return cells;
}

Test(places, cells_are_listed_by_jurisdiction_community_and_box)
{
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    struct cells all = cells_listed((struct store_grid_filter){.jurisdiction = &everywhere});
    cr_assert_eq(all.n, 3);
    cr_expect_str_eq(all.code[0], "440902001001001", "ordered by code");
    cr_expect_str_eq(all.code[2], "440902002001001");
    cr_expect(all.area[0] > 10000 && all.area[0] < 12500, "about 100 m x 110 m: %f", all.area[0]);
    cr_expect_eq(all.ring[0][0], '[');
    cr_expect_str_eq(all.leader[0], "", "no leader yet");
    cr_expect_str_eq(all.inspectors[0], "[]");
    struct jurisdiction street = conf_jurisdiction(city.street1_supervisor);
    cr_expect_eq(cells_listed((struct store_grid_filter){.jurisdiction = &street}).n, 2);
    cr_expect_eq(cells_listed((struct store_grid_filter){.jurisdiction = NULL}).n, 0);
    cr_expect_eq(cells_listed((struct store_grid_filter){.jurisdiction = &everywhere,
                                                         .community_code = "440902002001"})
                     .n,
                 1);
    struct cells boxed = cells_listed((struct store_grid_filter){
        .jurisdiction = &everywhere,
        .has_bbox = true,
        .min_lon = conf_lon(1) + 0.0001,
        .max_lon = conf_lon(2),
        .min_lat = conf_lat(1) + 0.0001,
        .max_lat = conf_lat(0),
    });
    cr_assert_eq(boxed.n, 1);
    cr_expect_str_eq(boxed.code[0], "440902001001002");
    cr_expect_eq(
        cells_listed((struct store_grid_filter){.jurisdiction = &everywhere, .limit = 2}).n, 2);
}

Test(places, assignments_name_inspectors_and_the_leader)
{
    int count = -1;
    cr_assert_eq(store_grid_assign(store, "440902001", city.inspector, true, &count), STORE_OK);
    cr_expect_eq(count, 2);
    cr_assert_eq(store_grid_assign(store, "440902001001002", city.leader, false, &count), STORE_OK);
    cr_expect_eq(count, 1);
    cr_assert_eq(store_grid_assign(store, "440902001", city.inspector, true, NULL), STORE_OK,
                 "assigning twice is fine");
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    struct cells all = cells_listed((struct store_grid_filter){.jurisdiction = &everywhere});
    cr_assert_eq(all.n, 3);
    cr_expect_not_null(strstr(all.leader[0], "\"username\":\"inspector\""), "%s", all.leader[0]);
    cr_expect_not_null(strstr(all.inspectors[0], "\"inspector\""), "%s", all.inspectors[0]);
    cr_expect_null(strstr(all.inspectors[0], "\"leader\""));
    cr_expect_not_null(strstr(all.inspectors[1], "\"leader\""), "%s", all.inspectors[1]);
    cr_expect_str_eq(all.leader[2], "");
    cr_expect_str_eq(all.inspectors[2], "[]");
    cr_assert_eq(store_grid_assign(store, "4409029", city.inspector, false, &count), STORE_OK);
    cr_expect_eq(count, 0);
}

// A ring between columns and rows given in tenths of a cell.
static void ring_tenths(struct geo_point ring[5], int west, int east, int north, int south)
{
    double w = conf_lon(0) + west * 0.0001, e = conf_lon(0) + east * 0.0001;
    double n = conf_lat(0) - north * 0.0001, s = conf_lat(0) - south * 0.0001;
    ring[0] = (struct geo_point){w, n};
    ring[1] = (struct geo_point){e, n};
    ring[2] = (struct geo_point){e, s};
    ring[3] = (struct geo_point){w, s};
    ring[4] = ring[0];
}

Test(places, a_grid_import_reports_each_cell_and_stores_all_or_nothing)
{
    struct geo_point east[5], overlapping[5], twin[5], twin_overlap[5];
    ring_tenths(east, 20, 30, 0, 10);         // east of A2, seamless
    ring_tenths(overlapping, 15, 25, 0, 10);  // half over A2
    ring_tenths(twin, 30, 40, 0, 10);         // east of `east`
    ring_tenths(twin_overlap, 35, 45, 0, 10); // over `twin`
    const struct store_grid_new cells[] = {
        {"440902001001003", "440902001001", "三格", NULL, east, 5},
        {"440902002001009", "440902002001", NULL, NULL, twin, 5},
        {"440902001001004", "440902001001", NULL, NULL, overlapping, 5},
        {"440902001001001", "440902001001", NULL, NULL, twin_overlap, 5},
        {"440902001009001", "440902001009", NULL, NULL, twin_overlap, 5},
        {"440902001001005", "440902001001", NULL, NULL, twin_overlap, 5},
    };
    struct store_grid_outcome out[COUNT_OF(cells)];
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    int imported = -1;
    cr_expect_eq(
        store_grid_import(store, cells, COUNT_OF(cells), &everywhere, false, out, &imported),
        STORE_INVALID);
    cr_expect_eq(imported, 0);
    cr_expect_eq(out[0].verdict, STORE_GRID_IMPORTED);
    cr_expect_eq(out[1].verdict, STORE_GRID_IMPORTED);
    cr_expect_eq(out[2].verdict, STORE_GRID_OVERLAPS);
    cr_expect_eq(out[2].overlap_id, city.grid_a2);
    cr_expect_str_eq(out[2].overlap_code, "440902001001002");
    cr_expect_eq(out[3].verdict, STORE_GRID_CODE_EXISTS);
    cr_expect_eq(out[4].verdict, STORE_GRID_UNKNOWN_COMMUNITY);
    cr_expect_eq(out[5].verdict, STORE_GRID_OVERLAPS, "overlaps an earlier cell of the import");
    cr_expect_str_eq(out[5].overlap_code, "440902002001009");
    struct cells all = cells_listed((struct store_grid_filter){.jurisdiction = &everywhere});
    cr_expect_eq(all.n, 3, "nothing stored");

    // Keeping the valid ones stores exactly those.
    cr_assert_eq(
        store_grid_import(store, cells, COUNT_OF(cells), &everywhere, true, out, &imported),
        STORE_OK);
    cr_expect_eq(imported, 2);
    cr_expect_gt(out[0].grid_id, 0);
    double mid_lat = (conf_lat(0) + conf_lat(1)) / 2;
    expect_cell(conf_lon(0) + 0.0025, mid_lat, out[0].grid_id);
    expect_cell(conf_lon(2), mid_lat, out[0].grid_id); // A2's east edge, the new west one
    all = cells_listed((struct store_grid_filter){.jurisdiction = &everywhere});
    cr_expect_eq(all.n, 5);

    // A street imports only into its own communities.
    struct geo_point far[5];
    ring_tenths(far, 60, 70, 0, 10);
    const struct store_grid_new theirs[] = {
        {"440902002001010", "440902002001", NULL, NULL, far, 5}};
    struct jurisdiction street = conf_jurisdiction(city.street1_supervisor);
    cr_expect_eq(store_grid_import(store, theirs, 1, &street, true, out, &imported), STORE_OK);
    cr_expect_eq(out[0].verdict, STORE_GRID_UNKNOWN_COMMUNITY);
    cr_expect_eq(imported, 0);
    cr_expect_eq(store_grid_import(store, theirs, 1, NULL, true, out, &imported), STORE_OK);
    cr_expect_eq(out[0].verdict, STORE_GRID_UNKNOWN_COMMUNITY, "no jurisdiction: nowhere");

    // A valid ring with more points than a stored ring may have.
    static struct geo_point circle[STORE_GRID_RING_MAX + 1];
    const size_t n = COUNT_OF(circle);
    for (size_t i = 0; i + 1 < n; i++) {
        double a = 2 * M_PI * (double)i / (double)(n - 1);
        circle[i] =
            (struct geo_point){conf_lon(10) + 0.0004 * cos(a), conf_lat(0) + 0.0004 * sin(a)};
    }
    circle[n - 1] = circle[0];
    cr_assert_eq(geo_ring_check(circle, n), GEO_RING_OK);
    const struct store_grid_new round[] = {
        {"440902001001007", "440902001001", NULL, NULL, circle, n}};
    cr_expect_eq(store_grid_import(store, round, 1, &everywhere, false, out, &imported),
                 STORE_INVALID);
    cr_expect_eq(out[0].verdict, STORE_GRID_INVALID);
    cr_expect_eq(imported, 0);
}

Test(places, places_are_created_all_or_nothing)
{
    struct geo_point ring[5];
    ring_tenths(ring, 20, 30, 0, 10);
    const struct store_org_unit_new units[] = {
        {"440902003", "street", "河东街道", "Hedong", "440902", NULL},
        {"440902003001", "community", "河东社区", NULL, "440902003", NULL},
        {"440902003-D01", "department", "河东街道办", NULL, "440902003", "street_office"},
    };
    const struct store_grid_new cell = {"440902003001001", "440902003001", NULL, NULL, ring, 5};
    struct store_org_unit found;
    // A later unit under a parent that does not exist undoes the earlier ones.
    const struct store_org_unit_new broken[] = {
        units[0], {"440902004001", "community", "孤儿社区", NULL, "440902004", NULL}};
    cr_expect_eq(store_places_create(store, broken, 2, NULL, 0), STORE_INVALID);
    cr_expect_eq(store_org_unit_find(store, "440902003", &found), STORE_NOT_FOUND);
    // A unit code taken.
    const struct store_org_unit_new taken[] = {
        units[0], {"440902001", "street", "重复", NULL, "440902", NULL}};
    cr_expect_eq(store_places_create(store, taken, 2, NULL, 0), STORE_CONFLICT);
    cr_expect_eq(store_org_unit_find(store, "440902003", &found), STORE_NOT_FOUND);
    // A refused cell (it overlaps A2 half way) undoes the units.
    struct geo_point over[5];
    ring_tenths(over, 15, 25, 0, 10);
    const struct store_grid_new bad_cell = {"440902003001001", "440902003001", NULL, NULL, over, 5};
    cr_expect_eq(store_places_create(store, units, COUNT_OF(units), &bad_cell, 1), STORE_INVALID);
    cr_expect_eq(store_org_unit_find(store, "440902003", &found), STORE_NOT_FOUND);
    // So does a cell whose code is taken: a refused cell, not a unit's conflict.
    const struct store_grid_new taken_cell = {
        "440902001001001", "440902003001", NULL, NULL, ring, 5};
    cr_expect_eq(store_places_create(store, units, COUNT_OF(units), &taken_cell, 1), STORE_INVALID);
    cr_expect_eq(store_org_unit_find(store, "440902003", &found), STORE_NOT_FOUND);
    cr_assert_eq(store_places_create(store, units, COUNT_OF(units), &cell, 1), STORE_OK);
    cr_assert_eq(store_org_unit_find(store, "440902003001", &found), STORE_OK);
    struct store_grid_location where;
    cr_assert_eq(store_grid_locate(store, conf_lon(0) + 0.0025, conf_lat(0) - 0.0005, &where),
                 STORE_OK);
    cr_expect_str_eq(where.grid_code, "440902003001001");
    cr_expect_eq(where.community_id, found.id);
    cr_expect_str_eq(where.street_name, "河东街道");
}
