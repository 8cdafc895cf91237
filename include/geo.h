// SPDX-License-Identifier: MIT
// Places: administrative and grid-cell codes (GB/T 2260 districts, 15-digit cells),
// and small-polygon geometry on WGS84 longitude/latitude degrees: ring validation,
// area, point in polygon with a half-open boundary rule, overlap and distance.
// Pure: no I/O, no allocation, no global state; every function is thread-safe.
#ifndef CHENGGUAN_GEO_H
#define CHENGGUAN_GEO_H

#include <stdbool.h>
#include <stddef.h>

#define GEO_DISTRICT_CODE_LEN  6
#define GEO_STREET_CODE_LEN    9
#define GEO_COMMUNITY_CODE_LEN 12
#define GEO_GRID_CODE_LEN      15

// Mean earth radius (IUGG) used by geo_distance_m, in metres.
#define GEO_EARTH_RADIUS_M 6371008.8

// A WGS84 position in degrees: lon east positive, lat north positive.
struct geo_point {
    double lon, lat;
};

// What geo_ring_check found wrong with a ring; GEO_RING_OK is 0.
enum geo_ring_error {
    GEO_RING_OK = 0,
    GEO_RING_TOO_FEW_POINTS,    // fewer than 4 points (a triangle plus the closing point)
    GEO_RING_OPEN,              // the last point differs from the first
    GEO_RING_SELF_INTERSECTING, // two edges touch or cross, or a vertex repeats
    GEO_RING_OUT_OF_RANGE,      // lon outside [-180,180], lat outside [-90,90], or NaN
    GEO_RING_ZERO_AREA,         // all vertices on one line: the ring encloses nothing
};

// True when code is exactly 15 ASCII digits (6 district + 3 street + 3 community +
// 3 sequence) and nothing else. NULL gives false. Checks the shape only.
bool geo_grid_code_valid(const char *code);

// True when grid_code is a valid grid code, community_code a valid community code
// (geo_community_code_valid), the grid code starts with the community code and its
// 3-digit sequence is not "000". NULL in either gives false.
bool geo_grid_code_in_community(const char *grid_code, const char *community_code);

// True when code is 6 ASCII digits whose first two are a GB/T 2260 province code
// (11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82) and whose last two are not
// "00" (a city or province code, not a district). NULL gives false.
bool geo_district_code_valid(const char *code);

// True when code is 9 ASCII digits: a valid district code followed by a street
// number other than "000". NULL gives false.
bool geo_street_code_valid(const char *code);

// True when code is 12 ASCII digits: a valid street code followed by a community
// number other than "000". NULL gives false.
bool geo_community_code_valid(const char *code);

// Validates a polygon ring of n points, which must be closed (last == first).
// Checks, in this order: count (>= 4), coordinate range, closure, collinearity
// (zero area), then repeated vertices and edges that touch or cross (adjacent
// edges may only share their common vertex). Predicates are exact, so a vertex
// lying exactly on a non-adjacent edge is reported. Cost is O(n^2) time (every
// pair of edges, after a bounding-box test), fine for n <= 10000 (under a
// second); no memory is allocated. NULL gives GEO_RING_TOO_FEW_POINTS.
enum geo_ring_error geo_ring_check(const struct geo_point *pts, size_t n);

// A short English sentence describing err; a static string the caller must not
// free. Unknown values give "unknown ring error".
const char *geo_ring_error_message(enum geo_ring_error err);

// Area in square metres on the WGS84 ellipsoid of the polygon whose edges are
// straight in the cylindrical equal-area projection: exact for cells bounded by
// meridians and parallels; for a ~100 m cell with geodesic edges the difference
// is under a part per million (it grows with the square of the size).
// Orientation does not matter (the result is >= 0). The ring may be closed or
// not; rings crossing the antimeridian are not supported. Returns 0 for NULL or
// fewer than 3 points.
double geo_ring_area_m2(const struct geo_point *pts, size_t n);

// 1 when p is inside the ring, 0 when outside. Boundary rule (half-open): p counts
// as inside exactly when the point moved an infinitesimal step east, then an even
// smaller step north, is strictly inside. So for an axis-aligned cell the west and
// south edges and the south-west corner are inside, the east and north edges and
// other corners outside, and in a seamless tiling every point belongs to exactly
// one cell. Exact predicates, O(n). An open ring is closed implicitly. Returns 0
// for NULL, fewer than 3 points, or a NaN coordinate in p.
int geo_point_in_ring(struct geo_point p, const struct geo_point *pts, size_t n);

// Writes the bounding box of the n points to the four out-parameters, which must
// not be NULL. For n == 0 (or pts NULL) all four are set to NaN.
void geo_ring_bbox(const struct geo_point *pts, size_t n, double *min_lon, double *min_lat,
                   double *max_lon, double *max_lat);

// True when the interiors of two valid rings (see geo_ring_check) intersect with
// positive area: crossing edges, one containing the other (shared edges allowed),
// or identical rings. False when they are disjoint or only share edges or vertices,
// as seamless neighbours do. Exact predicates except for one floating-point
// midpoint per boundary piece. O((na + nb)^2) time, no allocation. The result
// for invalid rings is unspecified but safe. NULL or fewer than 4 points: false.
bool geo_rings_overlap(const struct geo_point *a, size_t na, const struct geo_point *b, size_t nb);

// Great-circle (haversine) distance in metres between a and b on a sphere of
// radius GEO_EARTH_RADIUS_M. NaN in any coordinate gives NaN.
double geo_distance_m(struct geo_point a, struct geo_point b);

#endif
