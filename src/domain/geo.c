// SPDX-License-Identifier: MIT
// Grid and administrative codes, and polygon geometry on WGS84 degrees.
// Orientation tests are exact (a floating-point filter, then an error-free
// expansion of the determinant), so "on the edge" means exactly on it and two
// cells sharing an edge always agree about which side a point is on.
#include "geo.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define GEO_PI 3.14159265358979323846

// ---- codes ----

// True when s has exactly len characters, all ASCII digits.
static bool digits_exactly(const char *s, size_t len)
{
    if (s == NULL)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false; // also stops at the terminating NUL of a short string
    }
    return s[len] == '\0';
}

// True when the 3 characters at s are "000".
static bool is_zero_triplet(const char *s)
{
    return s[0] == '0' && s[1] == '0' && s[2] == '0';
}

// True when the two digits at s form a GB/T 2260 province-level code.
static bool province_code_known(const char *s)
{
    int code = (s[0] - '0') * 10 + (s[1] - '0');
    return (code >= 11 && code <= 15) || (code >= 21 && code <= 23) || (code >= 31 && code <= 37) ||
           (code >= 41 && code <= 46) || (code >= 50 && code <= 54) || (code >= 61 && code <= 65) ||
           code == 71 || code == 81 || code == 82;
}

bool geo_grid_code_valid(const char *code)
{
    return digits_exactly(code, GEO_GRID_CODE_LEN);
}

bool geo_district_code_valid(const char *code)
{
    if (!digits_exactly(code, GEO_DISTRICT_CODE_LEN))
        return false;
    return province_code_known(code) && !(code[4] == '0' && code[5] == '0');
}

// True when the first 6 characters of code are a valid district code.
static bool district_prefix_valid(const char *code)
{
    char district[GEO_DISTRICT_CODE_LEN + 1];
    memcpy(district, code, GEO_DISTRICT_CODE_LEN);
    district[GEO_DISTRICT_CODE_LEN] = '\0';
    return geo_district_code_valid(district);
}

bool geo_street_code_valid(const char *code)
{
    if (!digits_exactly(code, GEO_STREET_CODE_LEN))
        return false;
    return district_prefix_valid(code) && !is_zero_triplet(code + GEO_DISTRICT_CODE_LEN);
}

bool geo_community_code_valid(const char *code)
{
    if (!digits_exactly(code, GEO_COMMUNITY_CODE_LEN))
        return false;
    return district_prefix_valid(code) && !is_zero_triplet(code + GEO_DISTRICT_CODE_LEN) &&
           !is_zero_triplet(code + GEO_STREET_CODE_LEN);
}

bool geo_grid_code_in_community(const char *grid_code, const char *community_code)
{
    if (!geo_grid_code_valid(grid_code) || !geo_community_code_valid(community_code))
        return false;
    if (memcmp(grid_code, community_code, GEO_COMMUNITY_CODE_LEN) != 0)
        return false;
    return !is_zero_triplet(grid_code + GEO_COMMUNITY_CODE_LEN);
}

// ---- exact orientation ----

// a + b = sum + err exactly (Knuth's two-sum; needs IEEE double arithmetic).
static void two_sum(double a, double b, double *sum, double *err)
{
    double s = a + b;
    double b_virtual = s - a;
    double a_virtual = s - b_virtual;
    *sum = s;
    *err = (a - a_virtual) + (b - b_virtual);
}

// Sign (-1, 0, 1) of the exact sum of count doubles. Builds a nonoverlapping
// expansion by adding one term at a time; its largest nonzero component has the
// sign of the whole sum.
static int exact_sum_sign(const double *terms, size_t count)
{
    double expansion[16];
    size_t len = 0;
    for (size_t t = 0; t < count && len < 16; t++) {
        double carry = terms[t];
        for (size_t i = 0; i < len; i++)
            two_sum(carry, expansion[i], &carry, &expansion[i]);
        expansion[len++] = carry;
    }
    for (size_t i = len; i > 0; i--) {
        if (expansion[i - 1] > 0)
            return 1;
        if (expansion[i - 1] < 0)
            return -1;
    }
    return 0;
}

// Sign of the orientation determinant, computed exactly from the six products of
// input coordinates, each split into a rounded value and its exact error by fma.
static int orient_exact(struct geo_point a, struct geo_point b, struct geo_point c)
{
    const double factors[6][2] = {
        {b.lon, c.lat},  {-b.lon, a.lat}, {-a.lon, c.lat},
        {-b.lat, c.lon}, {b.lat, a.lon},  {a.lat, c.lon},
    };
    double terms[12];
    for (size_t i = 0; i < 6; i++) {
        double product = factors[i][0] * factors[i][1];
        terms[2 * i] = product;
        terms[2 * i + 1] = fma(factors[i][0], factors[i][1], -product);
    }
    return exact_sum_sign(terms, 12);
}

// 1 when c lies left of the directed line a->b (counter-clockwise turn), -1 when
// right, 0 when exactly on it. Cheap floating-point answer when it is certain.
static int orient(struct geo_point a, struct geo_point b, struct geo_point c)
{
    double left = (b.lon - a.lon) * (c.lat - a.lat);
    double right = (b.lat - a.lat) * (c.lon - a.lon);
    double det = left - right;
    double bound = 4.0 * DBL_EPSILON * (fabs(left) + fabs(right));
    if (det > bound)
        return 1;
    if (-det > bound)
        return -1;
    return orient_exact(a, b, c);
}

static bool points_equal(struct geo_point a, struct geo_point b)
{
    return a.lon == b.lon && a.lat == b.lat;
}

// True when c, known to be collinear with a and b, lies on the closed segment a-b.
static bool within_segment(struct geo_point a, struct geo_point b, struct geo_point c)
{
    return fmin(a.lon, b.lon) <= c.lon && c.lon <= fmax(a.lon, b.lon) &&
           fmin(a.lat, b.lat) <= c.lat && c.lat <= fmax(a.lat, b.lat);
}

// True when the closed segments p1-p2 and q1-q2 have any point in common.
static bool segments_touch(struct geo_point p1, struct geo_point p2, struct geo_point q1,
                           struct geo_point q2)
{
    int o1 = orient(p1, p2, q1), o2 = orient(p1, p2, q2);
    int o3 = orient(q1, q2, p1), o4 = orient(q1, q2, p2);
    if (o1 * o2 < 0 && o3 * o4 < 0)
        return true;
    return (o1 == 0 && within_segment(p1, p2, q1)) || (o2 == 0 && within_segment(p1, p2, q2)) ||
           (o3 == 0 && within_segment(q1, q2, p1)) || (o4 == 0 && within_segment(q1, q2, p2));
}

// True when the segments cross at a single point interior to both.
static bool segments_cross_properly(struct geo_point p1, struct geo_point p2, struct geo_point q1,
                                    struct geo_point q2)
{
    return orient(p1, p2, q1) * orient(p1, p2, q2) < 0 &&
           orient(q1, q2, p1) * orient(q1, q2, p2) < 0;
}

// True when the bounding boxes of segments p1-p2 and q1-q2 are disjoint.
static bool segment_boxes_apart(struct geo_point p1, struct geo_point p2, struct geo_point q1,
                                struct geo_point q2)
{
    return fmax(p1.lon, p2.lon) < fmin(q1.lon, q2.lon) ||
           fmax(q1.lon, q2.lon) < fmin(p1.lon, p2.lon) ||
           fmax(p1.lat, p2.lat) < fmin(q1.lat, q2.lat) ||
           fmax(q1.lat, q2.lat) < fmin(p1.lat, p2.lat);
}

// ---- ring validation ----

static bool point_in_range(struct geo_point p)
{
    // Written so that NaN fails every comparison and is rejected.
    return p.lon >= -180.0 && p.lon <= 180.0 && p.lat >= -90.0 && p.lat <= 90.0;
}

// True when all vertices lie on one line (including fewer than 3 distinct ones).
static bool ring_collinear(const struct geo_point *pts, size_t n)
{
    size_t second = 0;
    for (size_t i = 1; i < n && second == 0; i++) {
        if (!points_equal(pts[i], pts[0]))
            second = i;
    }
    if (second == 0)
        return true;
    for (size_t i = 1; i < n; i++) {
        if (orient(pts[0], pts[second], pts[i]) != 0)
            return false;
    }
    return true;
}

// True when two non-adjacent edges of the closed ring have any point in common.
// This also catches a repeated vertex (the edges leaving both copies touch, or
// the edges around a zero-length edge do) and adjacent edges folding back over
// each other (the far end of the shorter lies on the edge beyond the longer),
// given that the ring is not collinear and so has at least 4 edges when it has a
// repeated vertex or a fold.
static bool ring_edges_touch(const struct geo_point *pts, size_t n)
{
    size_t edges = n - 1;
    for (size_t i = 0; i < edges; i++) {
        struct geo_point p1 = pts[i], p2 = pts[i + 1];
        for (size_t j = i + 2; j < edges; j++) {
            if (i == 0 && j == edges - 1)
                continue; // adjacent through the closing vertex
            struct geo_point q1 = pts[j], q2 = pts[j + 1];
            if (segment_boxes_apart(p1, p2, q1, q2))
                continue;
            if (segments_touch(p1, p2, q1, q2))
                return true;
        }
    }
    return false;
}

// Twice the signed area in degree units (positive when counter-clockwise),
// computed relative to the first vertex to limit cancellation.
static double ring_signed_area2(const struct geo_point *pts, size_t n)
{
    double sum = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        double x1 = pts[i].lon - pts[0].lon, y1 = pts[i].lat - pts[0].lat;
        double x2 = pts[i + 1].lon - pts[0].lon, y2 = pts[i + 1].lat - pts[0].lat;
        sum += x1 * y2 - x2 * y1;
    }
    return sum;
}

enum geo_ring_error geo_ring_check(const struct geo_point *pts, size_t n)
{
    if (pts == NULL || n < 4)
        return GEO_RING_TOO_FEW_POINTS;
    for (size_t i = 0; i < n; i++) {
        if (!point_in_range(pts[i]))
            return GEO_RING_OUT_OF_RANGE;
    }
    if (!points_equal(pts[0], pts[n - 1]))
        return GEO_RING_OPEN;
    if (ring_collinear(pts, n))
        return GEO_RING_ZERO_AREA;
    if (ring_edges_touch(pts, n))
        return GEO_RING_SELF_INTERSECTING;
    if (ring_signed_area2(pts, n) == 0)
        return GEO_RING_ZERO_AREA; // too small to measure in double precision
    return GEO_RING_OK;
}

const char *geo_ring_error_message(enum geo_ring_error err)
{
    switch (err) {
    case GEO_RING_OK:
        return "the ring is valid";
    case GEO_RING_TOO_FEW_POINTS:
        return "a ring needs at least 4 points: 3 corners and the closing point";
    case GEO_RING_OPEN:
        return "the ring is not closed: its last point must equal its first";
    case GEO_RING_SELF_INTERSECTING:
        return "the ring intersects itself: edges touch or cross, or a vertex repeats";
    case GEO_RING_OUT_OF_RANGE:
        return "a coordinate is out of range: longitude must be within [-180, 180] and "
               "latitude within [-90, 90]";
    case GEO_RING_ZERO_AREA:
        return "the ring encloses no area: its points lie on one line";
    }
    return "unknown ring error";
}

// ---- area ----

#define WGS84_A 6378137.0
#define WGS84_F (1.0 / 298.257223563)

// Authalic function q(phi) of the ellipsoid: the area between the equator and
// latitude phi over a longitude span of d radians is a^2 / 2 * q(phi) * d.
static double authalic_q(double lat_rad)
{
    const double e2 = WGS84_F * (2.0 - WGS84_F);
    const double e = sqrt(e2);
    double s = sin(lat_rad);
    double es = e * s;
    return (1.0 - e2) * (s / (1.0 - e2 * s * s) + log((1.0 + es) / (1.0 - es)) / (2.0 * e));
}

double geo_ring_area_m2(const struct geo_point *pts, size_t n)
{
    if (pts == NULL || n < 3)
        return 0.0;
    double min_lon, min_lat, max_lon, max_lat;
    geo_ring_bbox(pts, n, &min_lon, &min_lat, &max_lon, &max_lat);
    const double deg = GEO_PI / 180.0;
    double lon0 = (min_lon + max_lon) / 2.0;
    double q0 = authalic_q((min_lat + max_lat) / 2.0 * deg);
    // Shoelace in the cylindrical equal-area projection x = lon, y = q(lat),
    // both taken relative to the middle of the bounding box.
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const struct geo_point *p = &pts[i], *r = &pts[(i + 1) % n];
        double x1 = (p->lon - lon0) * deg, y1 = authalic_q(p->lat * deg) - q0;
        double x2 = (r->lon - lon0) * deg, y2 = authalic_q(r->lat * deg) - q0;
        sum += x1 * y2 - x2 * y1;
    }
    return fabs(sum) / 2.0 * (WGS84_A * WGS84_A / 2.0);
}

// ---- point in ring, bounding box ----

int geo_point_in_ring(struct geo_point p, const struct geo_point *pts, size_t n)
{
    if (pts == NULL || n < 3 || isnan(p.lon) || isnan(p.lat))
        return 0;
    // Crossing count of a ray from p westwards. "Above" means strictly north of p,
    // which treats p as nudged north; an edge exactly through p counts as west of
    // it, which treats p as nudged east. Together: the half-open rule.
    int inside = 0;
    for (size_t i = 0; i < n; i++) {
        struct geo_point a = pts[i], b = pts[(i + 1) % n];
        bool a_above = a.lat > p.lat, b_above = b.lat > p.lat;
        if (a_above == b_above)
            continue;
        struct geo_point low = a_above ? b : a, high = a_above ? a : b;
        if (orient(low, high, p) <= 0)
            inside = !inside;
    }
    return inside;
}

void geo_ring_bbox(const struct geo_point *pts, size_t n, double *min_lon, double *min_lat,
                   double *max_lon, double *max_lat)
{
    if (pts == NULL || n == 0) {
        *min_lon = *min_lat = *max_lon = *max_lat = NAN;
        return;
    }
    *min_lon = *max_lon = pts[0].lon;
    *min_lat = *max_lat = pts[0].lat;
    for (size_t i = 1; i < n; i++) {
        *min_lon = fmin(*min_lon, pts[i].lon);
        *max_lon = fmax(*max_lon, pts[i].lon);
        *min_lat = fmin(*min_lat, pts[i].lat);
        *max_lat = fmax(*max_lat, pts[i].lat);
    }
}

// ---- overlap ----

// Position of c along the line of segment a-b, compared on its dominant axis:
// negative before, 0 equal, positive after d. Both c and d lie on that line.
static int along(struct geo_point a, struct geo_point b, struct geo_point c, struct geo_point d)
{
    bool by_lon = fabs(b.lon - a.lon) >= fabs(b.lat - a.lat);
    double dir = by_lon ? b.lon - a.lon : b.lat - a.lat;
    double cv = by_lon ? c.lon : c.lat, dv = by_lon ? d.lon : d.lat;
    if (cv == dv)
        return 0;
    return ((cv < dv) == (dir > 0)) ? -1 : 1;
}

// True when piece p-q of edge a-b lies on some edge of ring r (collinear overlap)
// with r's interior on the same side as the interior of the ring owning a-b.
// Sets *on_boundary when p-q lies on any edge of r.
static bool piece_shared_same_side(struct geo_point a, struct geo_point b, struct geo_point p,
                                   struct geo_point q, int own_orientation,
                                   const struct geo_point *r, size_t nr, int r_orientation,
                                   bool *on_boundary)
{
    *on_boundary = false;
    for (size_t j = 0; j + 1 < nr; j++) {
        struct geo_point f1 = r[j], f2 = r[j + 1];
        if (orient(a, b, f1) != 0 || orient(a, b, f2) != 0)
            continue;
        bool p_in = along(a, b, p, f1) * along(a, b, p, f2) <= 0;
        bool q_in = along(a, b, q, f1) * along(a, b, q, f2) <= 0;
        if (!p_in || !q_in)
            continue;
        *on_boundary = true;
        double dot = (b.lon - a.lon) * (f2.lon - f1.lon) + (b.lat - a.lat) * (f2.lat - f1.lat);
        bool same_direction = dot > 0;
        return same_direction == (own_orientation == r_orientation);
    }
    return false;
}

// Finds the vertex of r on the open segment from cur to b (on edge a-b) closest
// to cur; returns b when there is none.
static struct geo_point next_split(struct geo_point a, struct geo_point b, struct geo_point cur,
                                   const struct geo_point *r, size_t nr)
{
    struct geo_point best = b;
    for (size_t j = 0; j + 1 < nr; j++) {
        struct geo_point v = r[j];
        if (orient(a, b, v) != 0)
            continue;
        if (along(a, b, v, cur) > 0 && along(a, b, v, best) < 0)
            best = v;
    }
    return best;
}

// True when some piece of ring s's boundary lies in the interior of ring r, or on
// r's boundary with both interiors on the same side. Edge crossings are known to
// be absent, so r's boundary meets s's edges only at r's vertices.
static bool boundary_enters(const struct geo_point *s, size_t ns, int s_orientation,
                            const struct geo_point *r, size_t nr, int r_orientation)
{
    for (size_t i = 0; i + 1 < ns; i++) {
        struct geo_point a = s[i], b = s[i + 1];
        struct geo_point cur = a;
        // Each piece ends at a vertex of r or at b, so an edge has at most nr + 1
        // pieces; the bound also ends the walk when a NaN makes b unreachable.
        for (size_t piece = 0; piece <= nr && !points_equal(cur, b); piece++) {
            struct geo_point next = next_split(a, b, cur, r, nr);
            bool on_boundary;
            if (piece_shared_same_side(a, b, cur, next, s_orientation, r, nr, r_orientation,
                                       &on_boundary))
                return true;
            if (!on_boundary) {
                struct geo_point mid = {(cur.lon + next.lon) / 2.0, (cur.lat + next.lat) / 2.0};
                if (geo_point_in_ring(mid, r, nr))
                    return true;
            }
            cur = next;
        }
    }
    return false;
}

bool geo_rings_overlap(const struct geo_point *a, size_t na, const struct geo_point *b, size_t nb)
{
    if (a == NULL || b == NULL || na < 4 || nb < 4)
        return false;
    double a_box[4], b_box[4];
    geo_ring_bbox(a, na, &a_box[0], &a_box[1], &a_box[2], &a_box[3]);
    geo_ring_bbox(b, nb, &b_box[0], &b_box[1], &b_box[2], &b_box[3]);
    if (!(a_box[0] < b_box[2] && b_box[0] < a_box[2] && a_box[1] < b_box[3] && b_box[1] < a_box[3]))
        return false; // boxes disjoint or touching only: no common area (also NaN)
    for (size_t i = 0; i + 1 < na; i++) {
        for (size_t j = 0; j + 1 < nb; j++) {
            if (!segment_boxes_apart(a[i], a[i + 1], b[j], b[j + 1]) &&
                segments_cross_properly(a[i], a[i + 1], b[j], b[j + 1]))
                return true;
        }
    }
    double area_a = ring_signed_area2(a, na), area_b = ring_signed_area2(b, nb);
    if (area_a == 0 || area_b == 0)
        return false;
    int orient_a = area_a > 0 ? 1 : -1, orient_b = area_b > 0 ? 1 : -1;
    return boundary_enters(a, na, orient_a, b, nb, orient_b) ||
           boundary_enters(b, nb, orient_b, a, na, orient_a);
}

// ---- distance ----

double geo_distance_m(struct geo_point a, struct geo_point b)
{
    const double deg = GEO_PI / 180.0;
    double dlat = (b.lat - a.lat) * deg, dlon = (b.lon - a.lon) * deg;
    double s_lat = sin(dlat / 2.0), s_lon = sin(dlon / 2.0);
    double h = s_lat * s_lat + cos(a.lat * deg) * cos(b.lat * deg) * s_lon * s_lon;
    if (h > 1.0)
        h = 1.0; // rounding near antipodes
    return 2.0 * GEO_EARTH_RADIUS_M * asin(sqrt(h));
}
