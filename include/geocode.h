// SPDX-License-Identifier: MIT
// The rules of geocoding, without I/O: splitting a typed Chinese address into its
// road and house number (油城五路12号 -> 油城五路, 12), how well a name matches
// what was typed (exact, prefix, contains), the rank of a result, and distances
// from a point to a polyline for reverse geocoding. Pure module.
#ifndef CHENGGUAN_GEOCODE_H
#define CHENGGUAN_GEOCODE_H

#include "geo.h"

#include <stdbool.h>
#include <stddef.h>

// Longest road part and house number geocode_parse keeps (bytes, NUL excluded).
#define GEOCODE_ROAD_MAX   127
#define GEOCODE_NUMBER_MAX 15

// A typed address split into the road (or place) and the house number.
struct geocode_address {
    char road[GEOCODE_ROAD_MAX + 1];     // "" when only a number was typed
    char number[GEOCODE_NUMBER_MAX + 1]; // "" when none: ASCII digits, letters, '-'
};

// Splits NUL-terminated UTF-8 text into road and number: spaces (ASCII and
// U+3000) are dropped, fullwidth digits and letters become ASCII, a final "号"
// is dropped, and a final run of ASCII digits, letters and '-' that starts
// with a digit is the number ("油城五路 １２号" -> "油城五路", "12"; "人民路3-1号"
// -> "人民路", "3-1"). A road part too long for out->road is cut at a
// character boundary. Returns false (out emptied) for NULL, invalid UTF-8 or
// text with nothing left.
bool geocode_parse(const char *text, struct geocode_address *out);

// How a name matches the typed text.
enum geocode_match {
    GEOCODE_NO_MATCH = 0,
    GEOCODE_EXACT,    // the same text
    GEOCODE_PREFIX,   // the name starts with it
    GEOCODE_CONTAINS, // the name has it elsewhere (a 2-character term, say)
};

// Matches typed (non-empty) against name and, case-insensitively for ASCII,
// against name_en (may be NULL). The better of the two.
enum geocode_match geocode_match_name(const char *typed, const char *name, const char *name_en);

// What a result is, in the order results are ranked.
enum geocode_kind {
    GEOCODE_ADDRESS, // a house number on a road
    GEOCODE_ROAD,
    GEOCODE_LANDMARK,
};

// Longest term geocode_lookup_term writes (bytes, NUL excluded).
#define GEOCODE_TERM_MAX 63

// The term to look names up by for typed road text: of textseg_index's tokens,
// the first pair of CJK characters, else the first token. Writes it into out
// (GEOCODE_TERM_MAX + 1 bytes). Returns false (out "") when there is none.
bool geocode_lookup_term(const char *road, char out[GEOCODE_TERM_MAX + 1]);

// A sort key: lower ranks first. Addresses before roads before landmarks; within
// a kind, exact before prefix before contains; then shorter names first.
int geocode_rank(enum geocode_kind kind, enum geocode_match match, size_t name_len);

// Distance in metres from p to the segment a-b, on a local plane around p
// (equirectangular: good to well under a metre over a few kilometres). Sets
// *nearest (may be NULL) to the nearest point of the segment.
double geocode_segment_distance_m(struct geo_point p, struct geo_point a, struct geo_point b,
                                  struct geo_point *nearest);

// The least geocode_segment_distance_m from p to the polyline of n >= 2 points;
// +infinity for n < 2. Sets *nearest (may be NULL).
double geocode_polyline_distance_m(struct geo_point p, const struct geo_point *pts, size_t n,
                                   struct geo_point *nearest);

// Degrees of latitude and of longitude (at latitude lat) that span metres: the
// half-size of a search box around a point.
void geocode_degrees_for(double lat, double metres, double *dlat, double *dlon);

#endif
