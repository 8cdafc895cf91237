// SPDX-License-Identifier: MIT
// Unit tests of geocode: splitting typed addresses into road and number,
// matching names (exact, prefix, 2-character term inside, English words),
// ranking, and point-to-segment distances.
#include "geocode.h"

#include <criterion/criterion.h>
#include <math.h>

static struct geocode_address parsed(const char *text)
{
    struct geocode_address out;
    cr_assert(geocode_parse(text, &out), "parses %s", text);
    return out;
}

Test(geocode_parse, road_and_number)
{
    struct geocode_address a = parsed("油城五路12号");
    cr_assert_str_eq(a.road, "油城五路");
    cr_assert_str_eq(a.number, "12");
    a = parsed(" 油城五路 １２ 号 ");
    cr_assert_str_eq(a.road, "油城五路");
    cr_assert_str_eq(a.number, "12");
    a = parsed("人民路3-1号");
    cr_assert_str_eq(a.road, "人民路");
    cr_assert_str_eq(a.number, "3-1");
}

Test(geocode_parse, without_a_number)
{
    struct geocode_address a = parsed("油城五路");
    cr_assert_str_eq(a.road, "油城五路");
    cr_assert_str_eq(a.number, "");
    // A letter before the digits stays in the road.
    a = parsed("G325");
    cr_assert_str_eq(a.road, "G");
    cr_assert_str_eq(a.number, "325");
    struct geocode_address out;
    cr_assert_not(geocode_parse("   ", &out));
    cr_assert_not(geocode_parse("\xff", &out));
    cr_assert_not(geocode_parse(NULL, &out));
}

Test(geocode_match, chinese_and_english)
{
    cr_assert_eq(geocode_match_name("油城五路", "油城五路", NULL), GEOCODE_EXACT);
    cr_assert_eq(geocode_match_name("油城", "油城五路", NULL), GEOCODE_PREFIX);
    cr_assert_eq(geocode_match_name("五路", "油城五路", NULL), GEOCODE_CONTAINS);
    cr_assert_eq(geocode_match_name("六路", "油城五路", NULL), GEOCODE_NO_MATCH);
    cr_assert_eq(geocode_match_name("youcheng", "油城五路", "Youcheng 5th Road"), GEOCODE_PREFIX);
    cr_assert_eq(geocode_match_name("", "油城五路", NULL), GEOCODE_NO_MATCH);
}

Test(geocode_rank, addresses_then_roads_then_landmarks)
{
    cr_assert_lt(geocode_rank(GEOCODE_ADDRESS, GEOCODE_PREFIX, 50),
                 geocode_rank(GEOCODE_ROAD, GEOCODE_EXACT, 3));
    cr_assert_lt(geocode_rank(GEOCODE_ROAD, GEOCODE_CONTAINS, 50),
                 geocode_rank(GEOCODE_LANDMARK, GEOCODE_EXACT, 3));
    cr_assert_lt(geocode_rank(GEOCODE_ROAD, GEOCODE_PREFIX, 12),
                 geocode_rank(GEOCODE_ROAD, GEOCODE_CONTAINS, 3));
    cr_assert_lt(geocode_rank(GEOCODE_ROAD, GEOCODE_PREFIX, 9),
                 geocode_rank(GEOCODE_ROAD, GEOCODE_PREFIX, 12));
}

Test(geocode_distance, point_to_segment)
{
    // A segment 200 m east-west along 21.66 N; a point 50 m north of its middle.
    struct geo_point a = {110.92, 21.66}, b = {110.92 + 200 / 103500.0, 21.66};
    struct geo_point p = {110.92 + 100 / 103500.0, 21.66 + 50 / 110800.0};
    struct geo_point at;
    double d = geocode_segment_distance_m(p, a, b, &at);
    cr_assert(fabs(d - 50) < 0.5, "distance %f", d);
    cr_assert(fabs(at.lon - p.lon) < 1e-9 && fabs(at.lat - 21.66) < 1e-9);
    // Beyond an end the distance is to that end.
    struct geo_point past = {110.92 - 30 / 103500.0, 21.66};
    cr_assert(fabs(geocode_segment_distance_m(past, a, b, NULL) - 30) < 0.5);
    struct geo_point line[] = {a, b};
    cr_assert(isinf(geocode_polyline_distance_m(p, line, 1, NULL)));
    cr_assert(fabs(geocode_polyline_distance_m(p, line, 2, NULL) - 50) < 0.5);
}

Test(geocode_term, first_pair_else_first_token)
{
    char term[GEOCODE_TERM_MAX + 1];
    cr_assert(geocode_lookup_term("油城五路", term));
    cr_assert_str_eq(term, "油城");
    cr_assert(geocode_lookup_term("油", term));
    cr_assert_str_eq(term, "油");
    cr_assert(geocode_lookup_term("Youcheng Road", term));
    cr_assert_str_eq(term, "youcheng");
    cr_assert_not(geocode_lookup_term("，。", term));
    cr_assert_str_eq(term, "");
}
