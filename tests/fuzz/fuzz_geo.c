// SPDX-License-Identifier: MIT
// Fuzzes the geometry and code rules of geo.c. Rings come either as raw doubles
// (anything, NaN included: only safety and symmetry are checked) or on a lattice
// of 2^-20 degree steps near Zhanjiang, where every predicate must be exact:
// the ring check and point-in-ring answers do not depend on where the ring
// starts or which way it runs; a valid ring has an area; a point inside lies in
// the bounding box; overlap is symmetric, a valid ring overlaps itself, and two
// rings that both hold a point overlap. A rectangle cut in two along a slanted
// line tiles: every point is in the whole exactly when it is in one half, and
// the halves do not overlap. Code checks nest (a cell's community is valid, a
// community's street, a street's district). Distances are symmetric and bounded.
// Input: a flags byte, then points (see read_point), then a point and codes.
#include "fuzz.h"
#include "geo.h"

#include <math.h>
#include <string.h>

#define MAX_POINTS 64
#define STEP       (1.0 / 1048576.0) // 2^-20 degrees, about 0.1 m

struct ring {
    size_t n;
    struct geo_point pts[MAX_POINTS + 1];
};

static struct geo_point read_point(struct fuzz_input *in, bool lattice)
{
    if (!lattice) {
        double lon = fuzz_double(in);
        return (struct geo_point){lon, fuzz_double(in)};
    }
    // Small signed steps around 110.9E 21.6N, exact in double.
    int8_t x = (int8_t)fuzz_u8(in), y = (int8_t)fuzz_u8(in);
    return (struct geo_point){110.9 + x * STEP, 21.6 + y * STEP};
}

// Reads 3..MAX_POINTS points and closes the ring unless told not to.
static void read_ring(struct fuzz_input *in, bool lattice, bool close, struct ring *r)
{
    r->n = 3 + fuzz_u8(in) % (MAX_POINTS - 2);
    for (size_t i = 0; i < r->n; i++)
        r->pts[i] = read_point(in, lattice);
    if (close)
        r->pts[r->n++] = r->pts[0];
}

// The same closed ring started at vertex k, and reversed when asked.
static void rotate(const struct ring *r, size_t k, bool reverse, struct ring *out)
{
    size_t m = r->n - 1; // distinct positions of a closed ring
    out->n = r->n;
    for (size_t i = 0; i < m; i++) {
        size_t from = reverse ? (k + m - i) % m : (k + i) % m;
        out->pts[i] = r->pts[from];
    }
    out->pts[m] = out->pts[0];
}

static bool closed(const struct ring *r)
{
    return r->n >= 2 && r->pts[0].lon == r->pts[r->n - 1].lon &&
           r->pts[0].lat == r->pts[r->n - 1].lat;
}

// Raw rings are only run (sanitizers watching); lattice rings are checked.
static void check_ring(const struct ring *r, struct geo_point p, size_t k, bool exact)
{
    enum geo_ring_error err = geo_ring_check(r->pts, r->n);
    const char *message = geo_ring_error_message(err);
    FUZZ_CHECK(message != NULL && strcmp(message, "unknown ring error") != 0, "error %d",
               (int)err);
    double area = geo_ring_area_m2(r->pts, r->n);
    int inside = geo_point_in_ring(p, r->pts, r->n);
    FUZZ_CHECK(inside == 0 || inside == 1, "point_in_ring gave %d", inside);
    double box[4];
    geo_ring_bbox(r->pts, r->n, &box[0], &box[1], &box[2], &box[3]);
    if (!exact)
        return;
    if (inside)
        FUZZ_CHECK(p.lon >= box[0] && p.lon <= box[2] && p.lat >= box[1] && p.lat <= box[3],
                   "a point inside lies outside the bounding box");
    if (err == GEO_RING_OK) {
        FUZZ_CHECK(isfinite(area) && area > 0, "a valid ring's area is %g", area);
        FUZZ_CHECK(geo_rings_overlap(r->pts, r->n, r->pts, r->n), "a ring does not overlap itself");
    }
    if (!closed(r) || r->n < 4)
        return;
    struct ring other;
    for (int reverse = 0; reverse < 2; reverse++) {
        rotate(r, k % (r->n - 1), reverse, &other);
        enum geo_ring_error again = geo_ring_check(other.pts, other.n);
        int inside_again = geo_point_in_ring(p, other.pts, other.n);
        FUZZ_CHECK(again == err, "started at %zu%s, the ring check says %d, not %d",
                   k % (r->n - 1), reverse ? " and reversed" : "", (int)again, (int)err);
        FUZZ_CHECK(inside_again == inside, "started at %zu%s, point_in_ring says %d",
                   k % (r->n - 1), reverse ? " and reversed" : "", inside_again);
        if (err == GEO_RING_OK) {
            // Rounding grows with the box, not with the area (a sliver has little).
            const struct geo_point corners[] = {
                {box[0], box[1]}, {box[2], box[1]}, {box[2], box[3]}, {box[0], box[3]}};
            double tolerance = 1e-9 * geo_ring_area_m2(corners, 4);
            double area_again = geo_ring_area_m2(other.pts, other.n);
            FUZZ_CHECK(fabs(area_again - area) <= tolerance,
                       "the area changes from %.17g to %.17g", area, area_again);
        }
    }
}

static void check_overlap(const struct ring *a, const struct ring *b, struct geo_point p,
                          bool exact)
{
    bool ab = geo_rings_overlap(a->pts, a->n, b->pts, b->n);
    bool ba = geo_rings_overlap(b->pts, b->n, a->pts, a->n);
    if (!exact || geo_ring_check(a->pts, a->n) != GEO_RING_OK ||
        geo_ring_check(b->pts, b->n) != GEO_RING_OK)
        return;
    FUZZ_CHECK(ab == ba, "overlap(a, b) = %d but overlap(b, a) = %d", ab, ba);
    if (geo_point_in_ring(p, a->pts, a->n) && geo_point_in_ring(p, b->pts, b->n))
        FUZZ_CHECK(ab, "both rings hold (%.17g, %.17g) but do not overlap", p.lon, p.lat);
}

// A lattice rectangle cut from a point of its south edge to one of its north
// edge into two quadrilaterals, each closed.
static void check_tiling(struct fuzz_input *in, struct geo_point p)
{
    int x0 = (int8_t)fuzz_u8(in), y0 = (int8_t)fuzz_u8(in);
    int w = 2 + fuzz_u8(in) % 64, h = 1 + fuzz_u8(in) % 64;
    int south = 1 + fuzz_u8(in) % (w - 1), north = 1 + fuzz_u8(in) % (w - 1);
#define AT(x, y) ((struct geo_point){110.9 + (x) * STEP, 21.6 + (y) * STEP})
    const struct geo_point whole[] = {AT(x0, y0), AT(x0 + w, y0), AT(x0 + w, y0 + h),
                                      AT(x0, y0 + h), AT(x0, y0)};
    const struct geo_point west[] = {AT(x0, y0), AT(x0 + south, y0), AT(x0 + north, y0 + h),
                                     AT(x0, y0 + h), AT(x0, y0)};
    const struct geo_point east[] = {AT(x0 + south, y0), AT(x0 + w, y0), AT(x0 + w, y0 + h),
                                     AT(x0 + north, y0 + h), AT(x0 + south, y0)};
#undef AT
    FUZZ_CHECK(geo_ring_check(whole, 5) == GEO_RING_OK && geo_ring_check(west, 5) == GEO_RING_OK &&
                   geo_ring_check(east, 5) == GEO_RING_OK,
               "a rectangle or one of its halves is invalid");
    int in_whole = geo_point_in_ring(p, whole, 5);
    int in_west = geo_point_in_ring(p, west, 5), in_east = geo_point_in_ring(p, east, 5);
    FUZZ_CHECK(in_whole == in_west + in_east, "(%.17g, %.17g): whole %d, west %d, east %d", p.lon,
               p.lat, in_whole, in_west, in_east);
    FUZZ_CHECK(!geo_rings_overlap(west, 5, east, 5) && !geo_rings_overlap(east, 5, west, 5),
               "neighbours sharing an edge overlap");
    FUZZ_CHECK(geo_rings_overlap(west, 5, whole, 5) && geo_rings_overlap(whole, 5, east, 5),
               "a half does not overlap its whole");
    double area = geo_ring_area_m2(whole, 5);
    double halves = geo_ring_area_m2(west, 5) + geo_ring_area_m2(east, 5);
    FUZZ_CHECK(fabs(area - halves) <= 1e-6 * area, "areas %.17g and %.17g", area, halves);
}

static void check_codes(struct fuzz_input *in)
{
    char code[16], community[16];
    for (int i = 0; i < 15; i++) {
        uint8_t b = fuzz_u8(in);
        code[i] = b < 0xf0 ? (char)('0' + b % 10) : (char)b; // mostly digits
    }
    code[15] = '\0';
    memcpy(community, code, 12);
    community[12] = '\0';
    if (fuzz_u8(in) & 1)
        community[11] = (char)('0' + (community[11] - '0' + 1) % 10);
    bool in_community = geo_grid_code_in_community(code, community);
    if (in_community)
        FUZZ_CHECK(geo_grid_code_valid(code) && geo_community_code_valid(community) &&
                       memcmp(code, community, 12) == 0 && memcmp(code + 12, "000", 3) != 0,
                   "%s is in %s", code, community);
    char prefix[16];
    memcpy(prefix, code, 12);
    prefix[12] = '\0';
    bool community_ok = geo_community_code_valid(prefix);
    prefix[9] = '\0';
    bool street_ok = geo_street_code_valid(prefix);
    prefix[6] = '\0';
    bool district_ok = geo_district_code_valid(prefix);
    FUZZ_CHECK(!community_ok || street_ok, "community %.12s valid, street not", code);
    FUZZ_CHECK(!street_ok || district_ok, "street %.9s valid, district not", code);
    FUZZ_CHECK(!geo_grid_code_valid(code) || strspn(code, "0123456789") == 15, "grid code %s",
               code);
}

static void check_distance(struct geo_point a, struct geo_point b)
{
    double ab = geo_distance_m(a, b), ba = geo_distance_m(b, a);
    // Callers hold points to the globe (the API refuses other coordinates); the
    // distance of points off it (a latitude of 1e300) means nothing.
    if (!(fabs(a.lat) <= 90 && fabs(b.lat) <= 90 && fabs(a.lon) <= 180 && fabs(b.lon) <= 180))
        return;
    FUZZ_CHECK(ab >= 0 && ab <= M_PI * GEO_EARTH_RADIUS_M * (1 + 1e-12), "distance %g", ab);
    FUZZ_CHECK(fabs(ab - ba) <= 1e-9 * ab + 1e-9, "distance %.17g one way, %.17g back", ab, ba);
    FUZZ_CHECK(geo_distance_m(a, a) == 0, "a point is %g m from itself", geo_distance_m(a, a));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    uint8_t flags = fuzz_u8(&in);
    bool lattice = !(flags & 1);
    struct ring a, b;
    read_ring(&in, lattice, !(flags & 2), &a);
    read_ring(&in, lattice, true, &b);
    struct geo_point p = read_point(&in, lattice);
    size_t k = fuzz_u8(&in);
    check_ring(&a, p, k, lattice);
    check_ring(&b, p, k, lattice);
    check_overlap(&a, &b, p, lattice);
    if (lattice)
        check_tiling(&in, p);
    check_codes(&in);
    check_distance(a.pts[0], p);
    return 0;
}
