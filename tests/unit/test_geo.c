// SPDX-License-Identifier: MIT
// Unit tests of geo: grid and administrative codes, ring validation, area on the
// WGS84 ellipsoid, the half-open point-in-polygon rule on shared cell edges,
// overlap of neighbouring cells, and haversine distance.
#include "geo.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#define RING_LEN(r) (sizeof(r) / sizeof((r)[0]))

// Near Maonan district, Maoming (the seeds' city).
#define BASE_LON 110.92
#define BASE_LAT 21.66

// A closed axis-aligned rectangle ring, counter-clockwise, into out[5].
static void make_box(struct geo_point out[5], double lon0, double lat0, double lon1, double lat1)
{
    out[0] = (struct geo_point){lon0, lat0};
    out[1] = (struct geo_point){lon1, lat0};
    out[2] = (struct geo_point){lon1, lat1};
    out[3] = (struct geo_point){lon0, lat1};
    out[4] = out[0];
}

// ---- codes ----

Test(geo_codes, grid_code_shape)
{
    cr_expect(geo_grid_code_valid("440902001001001"));
    cr_expect(geo_grid_code_valid("000000000000000"), "shape only: digits are not interpreted");
    cr_expect_not(geo_grid_code_valid("44090200100100"), "14 digits");
    cr_expect_not(geo_grid_code_valid("4409020010010011"), "16 digits");
    cr_expect_not(geo_grid_code_valid("44090200100100a"));
    cr_expect_not(geo_grid_code_valid("440902001001001 "), "trailing space");
    cr_expect_not(geo_grid_code_valid(" 440902001001001"));
    cr_expect_not(geo_grid_code_valid("-44090200100100"));
    cr_expect_not(geo_grid_code_valid("４40902001001001"), "fullwidth digit");
    cr_expect_not(geo_grid_code_valid(""));
    cr_expect_not(geo_grid_code_valid(NULL));
}

Test(geo_codes, district_codes)
{
    cr_expect(geo_district_code_valid("440902"), "Maonan, Maoming");
    cr_expect(geo_district_code_valid("110101"), "Dongcheng, Beijing");
    cr_expect(geo_district_code_valid("420802"), "Dongbao, Jingmen");
    cr_expect(geo_district_code_valid("650102"));
    cr_expect(geo_district_code_valid("820001"));
    cr_expect_not(geo_district_code_valid("440900"), "a prefecture-level city, not a district");
    cr_expect_not(geo_district_code_valid("440000"), "a province");
    cr_expect_not(geo_district_code_valid("100101"), "10 is no province");
    cr_expect_not(geo_district_code_valid("160101"), "16 is no province");
    cr_expect_not(geo_district_code_valid("240101"));
    cr_expect_not(geo_district_code_valid("830101"), "above 82");
    cr_expect_not(geo_district_code_valid("990101"));
    cr_expect_not(geo_district_code_valid("010101"));
    cr_expect_not(geo_district_code_valid("44090"));
    cr_expect_not(geo_district_code_valid("4409021"));
    cr_expect_not(geo_district_code_valid("44090a"));
    cr_expect_not(geo_district_code_valid(""));
    cr_expect_not(geo_district_code_valid(NULL));
}

Test(geo_codes, street_and_community_codes)
{
    cr_expect(geo_street_code_valid("440902001"));
    cr_expect(geo_street_code_valid("440902123"));
    cr_expect_not(geo_street_code_valid("440902000"), "street number 000");
    cr_expect_not(geo_street_code_valid("440900001"), "parent is not a district");
    cr_expect_not(geo_street_code_valid("44090200"));
    cr_expect_not(geo_street_code_valid("4409020011"));
    cr_expect_not(geo_street_code_valid("44090200x"));
    cr_expect_not(geo_street_code_valid(NULL));

    cr_expect(geo_community_code_valid("440902001002"));
    cr_expect_not(geo_community_code_valid("440902001000"), "community number 000");
    cr_expect_not(geo_community_code_valid("440902000002"), "street number 000");
    cr_expect_not(geo_community_code_valid("990902001002"), "no such province");
    cr_expect_not(geo_community_code_valid("44090200100"));
    cr_expect_not(geo_community_code_valid("4409020010021"));
    cr_expect_not(geo_community_code_valid(NULL));
}

Test(geo_codes, grid_in_community)
{
    cr_expect(geo_grid_code_in_community("440902001002001", "440902001002"));
    cr_expect(geo_grid_code_in_community("440902001002999", "440902001002"));
    cr_expect_not(geo_grid_code_in_community("440902001002000", "440902001002"), "sequence 000");
    cr_expect_not(geo_grid_code_in_community("440902001003001", "440902001002"),
                  "another community");
    cr_expect_not(geo_grid_code_in_community("440903001002001", "440902001002"),
                  "another district");
    cr_expect_not(geo_grid_code_in_community("44090200100200", "440902001002"), "short grid");
    cr_expect_not(geo_grid_code_in_community("44090200100200a", "440902001002"));
    cr_expect_not(geo_grid_code_in_community("440900001002001", "440900001002"),
                  "community under a city code");
    cr_expect_not(geo_grid_code_in_community("440902001002001", "44090200100"),
                  "community code too short, though a prefix");
    cr_expect_not(geo_grid_code_in_community(NULL, "440902001002"));
    cr_expect_not(geo_grid_code_in_community("440902001002001", NULL));
}

// ---- ring validation ----

Test(geo_ring_check, valid_rings)
{
    struct geo_point box[5];
    make_box(box, BASE_LON, BASE_LAT, BASE_LON + 0.001, BASE_LAT + 0.001);
    cr_expect_eq(geo_ring_check(box, 5), GEO_RING_OK);

    struct geo_point clockwise[5] = {box[0], box[3], box[2], box[1], box[0]};
    cr_expect_eq(geo_ring_check(clockwise, 5), GEO_RING_OK);

    struct geo_point triangle[] = {{0, 0}, {1, 0}, {0, 1}, {0, 0}};
    cr_expect_eq(geo_ring_check(triangle, 4), GEO_RING_OK);

    // Concave L shape with a collinear extra vertex on one edge.
    struct geo_point ell[] = {{0, 0}, {1, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 2}, {0, 0}};
    cr_expect_eq(geo_ring_check(ell, RING_LEN(ell)), GEO_RING_OK);

    // Extreme but legal coordinates.
    struct geo_point corner[] = {{179, 89}, {180, 89}, {180, 90}, {179, 89}};
    cr_expect_eq(geo_ring_check(corner, 4), GEO_RING_OK);
}

Test(geo_ring_check, too_few_points)
{
    struct geo_point pts[] = {{0, 0}, {1, 0}, {0, 0}};
    cr_expect_eq(geo_ring_check(pts, 3), GEO_RING_TOO_FEW_POINTS);
    cr_expect_eq(geo_ring_check(pts, 0), GEO_RING_TOO_FEW_POINTS);
    cr_expect_eq(geo_ring_check(NULL, 0), GEO_RING_TOO_FEW_POINTS);
    cr_expect_eq(geo_ring_check(NULL, 5), GEO_RING_TOO_FEW_POINTS);
}

Test(geo_ring_check, open_ring)
{
    struct geo_point open[] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
    cr_expect_eq(geo_ring_check(open, 4), GEO_RING_OPEN);
    struct geo_point almost[] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 1e-12}};
    cr_expect_eq(geo_ring_check(almost, 5), GEO_RING_OPEN);
}

Test(geo_ring_check, out_of_range)
{
    struct geo_point ring[] = {{0, 0}, {1, 0}, {1, 1}, {0, 0}};
    const struct geo_point bad[] = {{180.5, 0}, {-181, 0}, {0, 90.01},   {0, -91},
                                    {NAN, 0},   {0, NAN},  {INFINITY, 0}};
    for (size_t i = 0; i < RING_LEN(bad); i++) {
        struct geo_point r[4] = {ring[0], ring[1], ring[2], ring[3]};
        r[1] = bad[i];
        cr_expect_eq(geo_ring_check(r, 4), GEO_RING_OUT_OF_RANGE, "case %zu", i);
    }
    struct geo_point nan_first[] = {{NAN, 0}, {1, 0}, {1, 1}, {NAN, 0}};
    cr_expect_eq(geo_ring_check(nan_first, 4), GEO_RING_OUT_OF_RANGE);
}

Test(geo_ring_check, self_intersecting)
{
    struct geo_point bowtie[] = {{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}};
    cr_expect_eq(geo_ring_check(bowtie, 5), GEO_RING_SELF_INTERSECTING);

    // Two squares joined at one vertex: the ring visits (1,1) twice.
    struct geo_point figure8[] = {{0, 0}, {1, 0}, {1, 1}, {2, 1}, {2, 2},
                                  {1, 2}, {1, 1}, {0, 1}, {0, 0}};
    cr_expect_eq(geo_ring_check(figure8, RING_LEN(figure8)), GEO_RING_SELF_INTERSECTING);

    // A duplicated consecutive vertex (zero-length edge).
    struct geo_point dup[] = {{0, 0}, {1, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}};
    cr_expect_eq(geo_ring_check(dup, RING_LEN(dup)), GEO_RING_SELF_INTERSECTING);

    // The closing point repeated: a zero-length last edge.
    struct geo_point dup_end[] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}, {0, 0}};
    cr_expect_eq(geo_ring_check(dup_end, RING_LEN(dup_end)), GEO_RING_SELF_INTERSECTING);

    // A vertex exactly on a non-adjacent edge (touching, not crossing).
    struct geo_point touch[] = {{0, 0}, {2, 0}, {2, 2}, {1, 0}, {0, 2}, {0, 0}};
    cr_expect_eq(geo_ring_check(touch, RING_LEN(touch)), GEO_RING_SELF_INTERSECTING);

    // A spike: the ring goes out along a line and comes back over itself.
    struct geo_point spike[] = {{0, 0}, {2, 0}, {3, 0}, {1, 0}, {1, 1}, {0, 0}};
    cr_expect_eq(geo_ring_check(spike, RING_LEN(spike)), GEO_RING_SELF_INTERSECTING);

    // A fold at the closing vertex: edge (last, first) runs back over (first, second).
    struct geo_point spike_at_start[] = {{1, 0}, {2, 0}, {2, 1}, {3, 1}, {3, 0}, {1, 0}};
    cr_expect_eq(geo_ring_check(spike_at_start, RING_LEN(spike_at_start)),
                 GEO_RING_SELF_INTERSECTING);

    // Realistic coordinates: a cell whose edge crosses another by 1e-9 degrees.
    struct geo_point thin[] = {{BASE_LON, BASE_LAT},
                               {BASE_LON + 0.001, BASE_LAT},
                               {BASE_LON + 0.001, BASE_LAT + 0.001},
                               {BASE_LON + 0.0005, BASE_LAT - 1e-9},
                               {BASE_LON, BASE_LAT + 0.001},
                               {BASE_LON, BASE_LAT}};
    cr_expect_eq(geo_ring_check(thin, RING_LEN(thin)), GEO_RING_SELF_INTERSECTING);
    thin[3].lat = BASE_LAT + 1e-9;
    cr_expect_eq(geo_ring_check(thin, RING_LEN(thin)), GEO_RING_OK, "a near miss is fine");
}

// Three points found by search where the plain floating-point orientation
// determinant rounds to 0 although c is not on line a-b: c lies one unit in the
// last place off it (a and b are the ends of a slanted cell edge).
static const struct geo_point ULP_A = {110.920384, 21.660489999999999};
static const struct geo_point ULP_B = {110.92141120000001, 21.661279999999998};
static const struct geo_point ULP_C = {110.9211739168, 21.661097509999994}; // west of a-b
static const struct geo_point ULP_D = {110.920113, 21.660094000000001};
static const struct geo_point ULP_E = {110.9211233, 21.660892};
static const struct geo_point ULP_F = {110.9210040846, 21.660797835999997}; // east of d-e

Test(geo_ring_check, exact_predicates_see_a_one_ulp_gap)
{
    // The vertex f comes within one ulp of edge d-e without touching it.
    struct geo_point near[] = {ULP_D,
                               ULP_E,
                               {ULP_E.lon + 0.001, ULP_E.lat},
                               ULP_F,
                               {ULP_D.lon + 0.0005, ULP_D.lat - 0.001},
                               ULP_D};
    cr_expect_eq(geo_ring_check(near, RING_LEN(near)), GEO_RING_OK);
    // Moved 1e-9 degrees (0.1 mm) north-west it crosses the edge.
    near[3].lat += 1e-9;
    cr_expect_eq(geo_ring_check(near, RING_LEN(near)), GEO_RING_SELF_INTERSECTING);
}

Test(geo_ring_check, zero_area)
{
    struct geo_point line[] = {{0, 0}, {1, 1}, {2, 2}, {0, 0}};
    cr_expect_eq(geo_ring_check(line, 4), GEO_RING_ZERO_AREA);
    struct geo_point back[] = {{0, 0}, {2, 0}, {1, 0}, {0, 0}};
    cr_expect_eq(geo_ring_check(back, 4), GEO_RING_ZERO_AREA);
    struct geo_point point[] = {{5, 5}, {5, 5}, {5, 5}, {5, 5}};
    cr_expect_eq(geo_ring_check(point, 4), GEO_RING_ZERO_AREA);
}

Test(geo_ring_check, large_ring_is_checked)
{
    // A 10000-vertex circle (the documented O(n^2) limit), then the same with
    // one vertex pushed across the ring.
    enum { N = 10000 };
    struct geo_point *ring = calloc(N + 1, sizeof *ring);
    cr_assert_not_null(ring);
    for (size_t i = 0; i < N; i++) {
        double t = 2.0 * 3.14159265358979323846 * (double)i / N;
        ring[i] = (struct geo_point){BASE_LON + 0.01 * cos(t), BASE_LAT + 0.01 * sin(t)};
    }
    ring[N] = ring[0];
    cr_expect_eq(geo_ring_check(ring, N + 1), GEO_RING_OK);
    ring[N / 4].lat = BASE_LAT - 0.02; // the top vertex dragged below the bottom
    cr_expect_eq(geo_ring_check(ring, N + 1), GEO_RING_SELF_INTERSECTING);
    free(ring);
}

Test(geo_ring_check, messages)
{
    const enum geo_ring_error all[] = {GEO_RING_OK,           GEO_RING_TOO_FEW_POINTS,
                                       GEO_RING_OPEN,         GEO_RING_SELF_INTERSECTING,
                                       GEO_RING_OUT_OF_RANGE, GEO_RING_ZERO_AREA};
    for (size_t i = 0; i < RING_LEN(all); i++) {
        const char *msg = geo_ring_error_message(all[i]);
        cr_assert_not_null(msg);
        cr_expect_gt(strlen(msg), 10);
        for (size_t j = 0; j < i; j++)
            cr_expect_str_neq(msg, geo_ring_error_message(all[j]));
    }
    cr_expect_not_null(strstr(geo_ring_error_message(GEO_RING_OPEN), "closed"));
    cr_expect_not_null(strstr(geo_ring_error_message(GEO_RING_OUT_OF_RANGE), "latitude"));
    cr_expect_str_eq(geo_ring_error_message((enum geo_ring_error)99), "unknown ring error");
}

// ---- area ----

// WGS84 radii of curvature at latitude lat (degrees), computed independently of geo.c:
// metres per radian along the meridian and along the parallel.
static void wgs84_radii(double lat, double *meridian, double *parallel)
{
    const double a = 6378137.0, f = 1 / 298.257223563, e2 = f * (2 - f);
    double s = sin(lat * M_PI / 180.0);
    double w = sqrt(1 - e2 * s * s);
    *meridian = a * (1 - e2) / (w * w * w);
    *parallel = a / w * cos(lat * M_PI / 180.0);
}

Test(geo_area, square_100m_near_maoming)
{
    double m, p;
    wgs84_radii(BASE_LAT, &m, &p);
    double dlat = 100.0 / m * 180.0 / M_PI, dlon = 100.0 / p * 180.0 / M_PI;
    struct geo_point box[5];
    make_box(box, BASE_LON - dlon / 2, BASE_LAT - dlat / 2, BASE_LON + dlon / 2,
             BASE_LAT + dlat / 2);
    double area = geo_ring_area_m2(box, 5);
    cr_expect(fabs(area - 10000.0) < 50.0, "0.5%%: got %.3f", area);
    cr_expect(fabs(area - 10000.0) < 0.1, "and in fact far better: got %.6f", area);

    // A spherical earth with the mean radius would be about 0.27% off here; make
    // sure the ellipsoid is really used (the meridian radius is ~0.5% smaller).
    double sphere = (dlat * M_PI / 180 * 6371008.8) *
                    (dlon * M_PI / 180 * 6371008.8 * cos(BASE_LAT * M_PI / 180));
    cr_expect(fabs(sphere - area) > 10.0, "sphere %.1f vs %.1f", sphere, area);
}

Test(geo_area, orientation_closure_and_shape)
{
    double m, p;
    wgs84_radii(BASE_LAT, &m, &p);
    double dlat = 100.0 / m * 180.0 / M_PI, dlon = 100.0 / p * 180.0 / M_PI;
    struct geo_point box[5];
    make_box(box, BASE_LON, BASE_LAT, BASE_LON + dlon, BASE_LAT + dlat);
    struct geo_point clockwise[5] = {box[0], box[3], box[2], box[1], box[0]};
    double area = geo_ring_area_m2(box, 5);
    cr_expect(fabs(geo_ring_area_m2(clockwise, 5) - area) < 1e-6);
    cr_expect(fabs(geo_ring_area_m2(box, 4) - area) < 1e-6, "open ring, closed implicitly");

    struct geo_point triangle[4] = {box[0], box[1], box[2], box[0]};
    cr_expect(fabs(geo_ring_area_m2(triangle, 4) - area / 2) < 0.01);

    // A 100 m square rotated by 45 degrees (a diamond with 70.71 m half-diagonals).
    double h = 100.0 / sqrt(2.0);
    double hl = h / m * 180 / M_PI, hn = h / p * 180 / M_PI;
    struct geo_point diamond[] = {{BASE_LON, BASE_LAT - hl},
                                  {BASE_LON + hn, BASE_LAT},
                                  {BASE_LON, BASE_LAT + hl},
                                  {BASE_LON - hn, BASE_LAT},
                                  {BASE_LON, BASE_LAT - hl}};
    double d = geo_ring_area_m2(diamond, 5);
    cr_expect(fabs(d - 10000.0) < 1.0, "got %.4f", d);

    cr_expect_eq(geo_ring_area_m2(NULL, 0), 0.0);
    cr_expect_eq(geo_ring_area_m2(box, 2), 0.0);
}

Test(geo_area, known_large_areas)
{
    // One eighth of the WGS84 ellipsoid (total 510,065,621.724 km^2): the
    // polygon bounded by the equator, two meridians 90 degrees apart and the pole.
    struct geo_point octant[] = {{0, 0}, {90, 0}, {90, 90}, {0, 90}, {0, 0}};
    double expect = 510065621.724e6 / 8;
    cr_expect(fabs(geo_ring_area_m2(octant, 5) - expect) / expect < 1e-9);

    // A 1 x 1 degree cell at the equator: about 12,308.46 km^2 on WGS84
    // (111.3195 km of longitude by 110.5743 km of latitude).
    struct geo_point cell[5];
    make_box(cell, 30, 0, 31, 1);
    double got = geo_ring_area_m2(cell, 5) / 1e6;
    cr_expect(fabs(got - 12308.46) < 0.1, "got %.3f km^2", got);
}

// ---- point in ring ----

Test(geo_point_in_ring, basic_and_concave)
{
    struct geo_point ell[] = {{0, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 2}, {0, 0}};
    size_t n = RING_LEN(ell);
    cr_expect_eq(geo_point_in_ring((struct geo_point){0.5, 0.5}, ell, n), 1);
    cr_expect_eq(geo_point_in_ring((struct geo_point){1.5, 0.5}, ell, n), 1);
    cr_expect_eq(geo_point_in_ring((struct geo_point){0.5, 1.5}, ell, n), 1);
    cr_expect_eq(geo_point_in_ring((struct geo_point){1.5, 1.5}, ell, n), 0, "in the notch");
    cr_expect_eq(geo_point_in_ring((struct geo_point){3, 0.5}, ell, n), 0);
    cr_expect_eq(geo_point_in_ring((struct geo_point){-1, 0.5}, ell, n), 0);
    cr_expect_eq(geo_point_in_ring((struct geo_point){0.5, -0.1}, ell, n), 0);
    // A ray along the horizontal edge y = 1 and through the vertex (1, 1).
    cr_expect_eq(geo_point_in_ring((struct geo_point){0.5, 1}, ell, n), 1);
    cr_expect_eq(geo_point_in_ring((struct geo_point){3, 1}, ell, n), 0);
    cr_expect_eq(geo_point_in_ring((struct geo_point){NAN, 0.5}, ell, n), 0);
    cr_expect_eq(geo_point_in_ring((struct geo_point){0.5, NAN}, ell, n), 0);
    cr_expect_eq(geo_point_in_ring((struct geo_point){0.5, 0.5}, NULL, 0), 0);
}

Test(geo_point_in_ring, boundary_rule_of_one_cell)
{
    struct geo_point c[5];
    make_box(c, 0, 0, 1, 1);
    cr_expect_eq(geo_point_in_ring((struct geo_point){0, 0.5}, c, 5), 1, "west edge");
    cr_expect_eq(geo_point_in_ring((struct geo_point){0.5, 0}, c, 5), 1, "south edge");
    cr_expect_eq(geo_point_in_ring((struct geo_point){1, 0.5}, c, 5), 0, "east edge");
    cr_expect_eq(geo_point_in_ring((struct geo_point){0.5, 1}, c, 5), 0, "north edge");
    cr_expect_eq(geo_point_in_ring((struct geo_point){0, 0}, c, 5), 1, "south-west corner");
    cr_expect_eq(geo_point_in_ring((struct geo_point){1, 0}, c, 5), 0);
    cr_expect_eq(geo_point_in_ring((struct geo_point){1, 1}, c, 5), 0);
    cr_expect_eq(geo_point_in_ring((struct geo_point){0, 1}, c, 5), 0);
    // Orientation does not change the rule.
    struct geo_point cw[5] = {c[0], c[3], c[2], c[1], c[0]};
    cr_expect_eq(geo_point_in_ring((struct geo_point){0, 0.5}, cw, 5), 1);
    cr_expect_eq(geo_point_in_ring((struct geo_point){1, 0.5}, cw, 5), 0);
}

// Number of the cells (closed 5-point rings) that contain p.
static int owners(struct geo_point p, struct geo_point cells[][5], size_t count)
{
    int total = 0;
    for (size_t i = 0; i < count; i++)
        total += geo_point_in_ring(p, cells[i], 5);
    return total;
}

Test(geo_point_in_ring, shared_edge_belongs_to_exactly_one_cell)
{
    const double step = 0.001; // about 100 m
    struct geo_point cells[2][5];
    make_box(cells[0], BASE_LON, BASE_LAT, BASE_LON + step, BASE_LAT + step);
    make_box(cells[1], BASE_LON + step, BASE_LAT, BASE_LON + 2 * step, BASE_LAT + step);
    double shared_lon = cells[0][1].lon;
    for (int k = -5; k <= 105; k++) {
        struct geo_point p = {shared_lon, BASE_LAT + step * k / 100.0};
        int expect = (k >= 0 && k < 100) ? 1 : 0;
        if (k == 100)
            p.lat = cells[0][2].lat; // exactly the shared north-east corner
        cr_expect_eq(owners(p, cells, 2), expect, "k=%d", k);
        if (k >= 0 && k < 100)
            cr_expect_eq(geo_point_in_ring(p, cells[1], 5), 1, "east cell owns it, k=%d", k);
    }
}

Test(geo_point_in_ring, shared_corner_of_a_two_by_two_block)
{
    const double step = 0.001;
    struct geo_point cells[4][5];
    for (int row = 0; row < 2; row++) {
        for (int col = 0; col < 2; col++) {
            double lon = BASE_LON + col * step, lat = BASE_LAT + row * step;
            make_box(cells[row * 2 + col], lon, lat, lon + step, lat + step);
        }
    }
    struct geo_point centre = cells[0][2];
    cr_expect_eq(owners(centre, cells, 4), 1);
    cr_expect_eq(geo_point_in_ring(centre, cells[3], 5), 1, "the north-east cell owns it");
    // Every sample on the two internal lines, and in the interior, has one owner.
    for (int k = 1; k < 200; k++) {
        double t = step * k / 100.0;
        struct geo_point on_vertical = {centre.lon, BASE_LAT + t};
        struct geo_point on_horizontal = {BASE_LON + t, centre.lat};
        struct geo_point inside = {BASE_LON + t, BASE_LAT + step * ((k * 37) % 199) / 100.0};
        cr_expect_eq(owners(on_vertical, cells, 4), 1, "vertical k=%d", k);
        cr_expect_eq(owners(on_horizontal, cells, 4), 1, "horizontal k=%d", k);
        cr_expect_eq(owners(inside, cells, 4), 1, "interior k=%d", k);
    }
}

Test(geo_point_in_ring, slanted_shared_edge_and_shared_vertex)
{
    // Four quadrilaterals around an off-grid centre vertex, sharing slanted edges.
    const double s = 0.001;
    struct geo_point sw = {BASE_LON, BASE_LAT}, se = {BASE_LON + 2 * s, BASE_LAT};
    struct geo_point ne = {BASE_LON + 2 * s, BASE_LAT + 2 * s}, nw = {BASE_LON, BASE_LAT + 2 * s};
    struct geo_point s_mid = {BASE_LON + 0.9 * s, BASE_LAT}, n_mid = {BASE_LON + 1.3 * s, nw.lat};
    struct geo_point w_mid = {BASE_LON, BASE_LAT + 1.1 * s}, e_mid = {se.lon, BASE_LAT + 0.7 * s};
    struct geo_point c = {BASE_LON + 1.07 * s, BASE_LAT + 0.93 * s};
    struct geo_point cells[4][5] = {
        {sw, s_mid, c, w_mid, sw},
        {s_mid, se, e_mid, c, s_mid},
        {c, e_mid, ne, n_mid, c},
        {w_mid, c, n_mid, nw, w_mid},
    };
    for (int i = 0; i < 4; i++)
        cr_assert_eq(geo_ring_check(cells[i], 5), GEO_RING_OK, "cell %d", i);
    cr_expect_eq(owners(c, cells, 4), 1, "the shared centre vertex");
    const struct geo_point ends[4] = {s_mid, e_mid, n_mid, w_mid};
    for (int e = 0; e < 4; e++) {
        for (int k = 1; k < 100; k++) {
            double t = k / 100.0;
            struct geo_point p = {c.lon + (ends[e].lon - c.lon) * t,
                                  c.lat + (ends[e].lat - c.lat) * t};
            cr_expect_eq(owners(p, cells, 4), 1, "edge %d k=%d", e, k);
        }
    }
}

Test(geo_point_in_ring, one_ulp_off_a_slanted_edge)
{
    // Two cells sharing the slanted edge a-b; c is a hair west of it, so it
    // belongs to the west cell only, not (as a rounded determinant would say)
    // to the edge and hence to the east cell.
    struct geo_point east[] = {
        ULP_A, {ULP_A.lon + 0.002, ULP_A.lat}, {ULP_B.lon + 0.002, ULP_B.lat}, ULP_B, ULP_A};
    struct geo_point west[] = {
        ULP_A, ULP_B, {ULP_B.lon - 0.002, ULP_B.lat}, {ULP_A.lon - 0.002, ULP_A.lat}, ULP_A};
    cr_assert_eq(geo_ring_check(east, 5), GEO_RING_OK);
    cr_assert_eq(geo_ring_check(west, 5), GEO_RING_OK);
    cr_expect_eq(geo_point_in_ring(ULP_C, east, 5), 0);
    cr_expect_eq(geo_point_in_ring(ULP_C, west, 5), 1);
    struct geo_point on_edge = {(ULP_A.lon + ULP_B.lon) / 2, (ULP_A.lat + ULP_B.lat) / 2};
    cr_expect_eq(geo_point_in_ring(on_edge, east, 5) + geo_point_in_ring(on_edge, west, 5), 1);
}

// ---- bounding box ----

Test(geo_bbox, extent_and_empty)
{
    struct geo_point pts[] = {{3, -1}, {-2, 4}, {5, 0}, {3, -1}};
    double a, b, c, d;
    geo_ring_bbox(pts, 4, &a, &b, &c, &d);
    cr_expect_eq(a, -2);
    cr_expect_eq(b, -1);
    cr_expect_eq(c, 5);
    cr_expect_eq(d, 4);
    geo_ring_bbox(pts, 0, &a, &b, &c, &d);
    cr_expect(isnan(a) && isnan(b) && isnan(c) && isnan(d));
}

// ---- overlap ----

Test(geo_overlap, neighbours_and_overlaps)
{
    const double s = 0.001;
    struct geo_point a[5], right[5], shifted[5], inner[5], far[5], corner[5];
    make_box(a, BASE_LON, BASE_LAT, BASE_LON + s, BASE_LAT + s);
    make_box(right, BASE_LON + s, BASE_LAT, BASE_LON + 2 * s, BASE_LAT + s);
    make_box(shifted, BASE_LON + s / 2, BASE_LAT + s / 2, BASE_LON + 1.5 * s, BASE_LAT + 1.5 * s);
    make_box(inner, BASE_LON + s / 4, BASE_LAT + s / 4, BASE_LON + s / 2, BASE_LAT + s / 2);
    make_box(far, BASE_LON + 3 * s, BASE_LAT, BASE_LON + 4 * s, BASE_LAT + s);
    make_box(corner, BASE_LON + s, BASE_LAT + s, BASE_LON + 2 * s, BASE_LAT + 2 * s);

    cr_expect_not(geo_rings_overlap(a, 5, right, 5), "neighbours sharing an edge");
    cr_expect_not(geo_rings_overlap(right, 5, a, 5));
    cr_expect(geo_rings_overlap(a, 5, shifted, 5), "partial overlap");
    cr_expect(geo_rings_overlap(shifted, 5, a, 5));
    cr_expect(geo_rings_overlap(a, 5, inner, 5), "one inside the other");
    cr_expect(geo_rings_overlap(inner, 5, a, 5));
    cr_expect(geo_rings_overlap(a, 5, a, 5), "identical");
    struct geo_point a_cw[5] = {a[0], a[3], a[2], a[1], a[0]};
    struct geo_point a_rotated[5] = {a[2], a[3], a[0], a[1], a[2]};
    cr_expect(geo_rings_overlap(a, 5, a_cw, 5), "identical, other orientation");
    cr_expect(geo_rings_overlap(a_rotated, 5, a, 5), "identical, other start vertex");
    cr_expect_not(geo_rings_overlap(a, 5, far, 5), "disjoint");
    cr_expect_not(geo_rings_overlap(a, 5, corner, 5), "touching at a corner");
    cr_expect_not(geo_rings_overlap(corner, 5, a, 5));
    cr_expect_not(geo_rings_overlap(a, 5, NULL, 0));
}

// An invalid ring gives an unspecified answer, but an answer: a NaN vertex once
// kept the walk along an edge from ever reaching its end (found by fuzz_geo).
Test(geo_overlap, a_nan_vertex_does_not_hang, .timeout = 5)
{
    const struct geo_point square[5] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}};
    const struct geo_point nan_lat[5] = {{0, 0}, {1, 0}, {1, NAN}, {0, 1}, {0, 0}};
    const struct geo_point nan_both[5] = {{NAN, NAN}, {0, 0}, {1, 0}, {1, 1}, {NAN, NAN}};
    // The test fails by its timeout; the answers themselves are unspecified.
    volatile bool answer = geo_rings_overlap(square, 5, nan_lat, 5);
    answer = geo_rings_overlap(nan_lat, 5, square, 5);
    answer = geo_rings_overlap(square, 5, nan_both, 5);
    answer = geo_rings_overlap(nan_both, 5, square, 5);
    (void)answer;
    // Such rings never reach the overlap check in an import.
    cr_expect_eq(geo_ring_check(nan_lat, 5), GEO_RING_OUT_OF_RANGE);
    cr_expect_eq(geo_ring_check(nan_both, 5), GEO_RING_OUT_OF_RANGE);
}

Test(geo_overlap, shared_boundary_cases)
{
    // A cell inside a community polygon, sharing its south-west corner and edges.
    struct geo_point community[5], cell[5], big_neighbour[5], half_a[5], half_b[5];
    make_box(community, 0, 0, 4, 4);
    make_box(cell, 0, 0, 1, 1);
    cr_expect(geo_rings_overlap(community, 5, cell, 5), "nested with shared edges");
    cr_expect(geo_rings_overlap(cell, 5, community, 5));

    // T-junction: one tall cell beside two short ones; its edge has an extra vertex
    // on one side only.
    make_box(big_neighbour, 1, 0, 2, 2);
    make_box(half_a, 0, 0, 1, 1);
    make_box(half_b, 0, 1, 1, 2);
    cr_expect_not(geo_rings_overlap(big_neighbour, 5, half_a, 5));
    cr_expect_not(geo_rings_overlap(half_b, 5, big_neighbour, 5));
    cr_expect_not(geo_rings_overlap(half_a, 5, half_b, 5));

    // Neighbours sharing only part of an edge, offset vertically.
    struct geo_point offset[5];
    make_box(offset, 1, 0.5, 2, 1.5);
    cr_expect_not(geo_rings_overlap(cell, 5, offset, 5));

    // A diamond whose vertices lie on the square's edges: no proper crossing
    // anywhere, yet the diamond is inside.
    struct geo_point square[5];
    make_box(square, 0, 0, 2, 2);
    struct geo_point diamond[] = {{1, 0}, {2, 1}, {1, 2}, {0, 1}, {1, 0}};
    cr_expect(geo_rings_overlap(square, 5, diamond, 5));
    cr_expect(geo_rings_overlap(diamond, 5, square, 5));

    // A triangle poking into the square through the square's corners only.
    struct geo_point through_corners[] = {{-1, -1}, {3, 3}, {-1, 3}, {-1, -1}};
    cr_expect(geo_rings_overlap(square, 5, through_corners, 4));
    // A triangle touching the square's edge with one vertex from outside.
    struct geo_point poke[] = {{1, 2}, {2, 3}, {0, 3}, {1, 2}};
    cr_expect_not(geo_rings_overlap(square, 5, poke, 4));
    // The same triangle pushed down so its vertex enters the square.
    struct geo_point poke_in[] = {{1, 1.9}, {2, 3}, {0, 3}, {1, 1.9}};
    cr_expect(geo_rings_overlap(square, 5, poke_in, 4));
}

// ---- distance ----

Test(geo_distance, known_distances)
{
    const double r = 6371008.8;
    struct geo_point origin = {0, 0};
    double quarter = geo_distance_m(origin, (struct geo_point){90, 0});
    cr_expect(fabs(quarter - M_PI / 2 * r) < 1e-6, "quarter circle %.3f", quarter);
    cr_expect(fabs(geo_distance_m(origin, (struct geo_point){0, 90}) - 10007557.22) < 0.01);
    double one_degree =
        geo_distance_m((struct geo_point){BASE_LON, 21}, (struct geo_point){BASE_LON, 22});
    cr_expect(fabs(one_degree - 111195.08) < 0.01, "one degree of latitude %.3f", one_degree);
    cr_expect(fabs(geo_distance_m(origin, (struct geo_point){180, 0}) - M_PI * r) < 1e-6);
    // Beijing (116.4074 E, 39.9042 N) to Shanghai (121.4737 E, 31.2304 N): ~1067 km.
    double bj_sh = geo_distance_m((struct geo_point){116.4074, 39.9042},
                                  (struct geo_point){121.4737, 31.2304});
    cr_expect(fabs(bj_sh - 1067.0e3) < 2e3, "got %.0f", bj_sh);

    struct geo_point p = {BASE_LON, BASE_LAT}, q = {BASE_LON + 0.001, BASE_LAT + 0.001};
    cr_expect_eq(geo_distance_m(p, p), 0.0);
    cr_expect(fabs(geo_distance_m(p, q) - geo_distance_m(q, p)) < 1e-9);
    cr_expect(isnan(geo_distance_m(p, (struct geo_point){NAN, 0})));
}
