// SPDX-License-Identifier: MIT
// The demo gazetteer as data: north-south and east-west roads of central Maonan
// (names real to Maoming, their places here invented) over the demo cells, the
// 小东江 between 红旗 and 河东 streets, house numbers every 40 m (odd on the
// north or west side, even across), blocks between the roads and landmarks.
#include "demo_gazetteer.h"

#include "store.h"
#include "store_gazetteer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

// The extent the roads span (a little beyond the demo cells).
#define WEST  110.9095
#define EAST  110.9305
#define NORTH 21.6652
#define SOUTH 21.6548
// The river's centre line runs north-south near this longitude, 40 m wide.
#define RIVER_LON      110.9232
#define RIVER_HALF_LON 0.0002
// Metres per degree at 21.66 N.
#define M_PER_DEG_LAT 110800.0
#define M_PER_DEG_LON 103500.0

struct demo_road {
    const char *name;
    const char *name_en;
    const char *kind;
    bool north_south;
    double at; // its longitude (north-south) or latitude (east-west)
};

// West to east, then north to south.
static const struct demo_road ROADS[] = {
    {"光华北路", "Guanghua North Road", "primary", true, 110.9110},
    {"人民路", "Renmin Road", "primary", true, 110.9141},
    {"新华路", "Xinhua Road", "secondary", true, 110.9170},
    {"红旗路", "Hongqi Road", "primary", true, 110.9200},
    {"滨江路", "Binjiang Road", "secondary", true, 110.9222},
    {"双山路", "Shuangshan Road", "secondary", true, 110.9262},
    {"站前路", "Zhanqian Road", "primary", true, 110.9290},
    {"环市北路", "Huanshi North Road", "trunk", false, 21.6648},
    {"油城五路", "Youcheng 5th Road", "primary", false, 21.6625},
    {"油城四路", "Youcheng 4th Road", "primary", false, 21.6602},
    {"官渡路", "Guandu Road", "secondary", false, 21.6580},
    {"油城三路", "Youcheng 3rd Road", "primary", false, 21.6556},
};

// Lanes between the roads: short, residential, one block long.
struct demo_lane {
    const char *name;
    const char *name_en;
    double lon0, lat0, lon1, lat1;
};

static const struct demo_lane LANES[] = {
    {"文明巷", "Wenming Lane", 110.9141, 21.6613, 110.9170, 21.6613},
    {"民主巷", "Minzhu Lane", 110.9170, 21.6591, 110.9200, 21.6591},
    {"河东一巷", "Hedong 1st Lane", 110.9262, 21.6613, 110.9290, 21.6613},
};

struct demo_landmark {
    const char *name;
    const char *kind;
    double lon, lat;
};

static const struct demo_landmark LANDMARKS[] = {
    {"茂南区人民政府", "government", 110.9185, 21.6614},
    {"红旗街道办事处", "government", 110.9205, 21.6596},
    {"河西街道办事处", "government", 110.9128, 21.6590},
    {"河东街道办事处", "government", 110.9272, 21.6585},
    {"茂南区实验小学", "school", 110.9155, 21.6635},
    {"油城五路小学", "school", 110.9250, 21.6632},
    {"茂名市第十中学", "school", 110.9120, 21.6568},
    {"红旗农贸市场", "market", 110.9188, 21.6571},
    {"河西市场", "market", 110.9125, 21.6612},
    {"河东综合市场", "market", 110.9280, 21.6567},
    {"好心湖公园", "park", 110.9160, 21.6566},
    {"茂南区人民医院", "hospital", 110.9210, 21.6638},
    {"新华书店", "shop", 110.9172, 21.6603},
    {"茂名汽车站", "station", 110.9296, 21.6620},
};

// The positions of the roads crossing a road that runs north-south (when
// north_south: their latitudes) or east-west (their longitudes), in table order.
static size_t cross_positions(bool north_south, double *out)
{
    size_t n = 0;
    for (size_t i = 0; i < COUNT_OF(ROADS); i++)
        if (ROADS[i].north_south != north_south)
            out[n++] = ROADS[i].at;
    return n;
}

// A road's line: a vertex at every crossing, with a slight bend between them
// so the map does not look ruled.
static size_t road_line(const struct demo_road *road, struct geo_point *pts)
{
    double cross[COUNT_OF(ROADS) + 2];
    size_t n = cross_positions(road->north_south, cross + 1);
    cross[0] = road->north_south ? NORTH : WEST;
    cross[n + 1] = road->north_south ? SOUTH : EAST;
    size_t count = 0;
    for (size_t i = 0; i < n + 2; i++) {
        double along = cross[i];
        double wobble = (i % 2 == 1 && i <= n) ? 0.00003 : 0.0;
        pts[count++] = road->north_south ? (struct geo_point){road->at + wobble, along}
                                         : (struct geo_point){along, road->at + wobble};
    }
    return count;
}

// House numbers every 40 m along a straight stretch, odd on the north or west
// side, even across, 12 m from the centre line. Skips the river.
static size_t numbers_along(struct geo_point a, struct geo_point b, bool north_south,
                            struct geo_point *points, char (*numbers)[12], size_t max)
{
    double dx = (b.lon - a.lon) * M_PER_DEG_LON, dy = (b.lat - a.lat) * M_PER_DEG_LAT;
    double length = sqrt(dx * dx + dy * dy);
    size_t count = 0;
    for (int step = 1; (step + 1) * 20.0 < length && count + 2 <= max; step++) {
        double t = step * 20.0 / length;
        struct geo_point p = {a.lon + t * (b.lon - a.lon), a.lat + t * (b.lat - a.lat)};
        if (fabs(p.lon - RIVER_LON) < RIVER_HALF_LON + 0.0002)
            continue;
        bool odd = step % 2 == 1;
        double side = odd ? 1.0 : -1.0; // odd: west (north-south road) or north
        points[count] = north_south
                            ? (struct geo_point){p.lon - side * 12.0 / M_PER_DEG_LON, p.lat}
                            : (struct geo_point){p.lon, p.lat + side * 12.0 / M_PER_DEG_LAT};
        snprintf(numbers[count], sizeof numbers[count], "%d", step);
        count++;
    }
    return count;
}

// A closed rectangle ring as MultiPolygon coordinates text, into out.
static void rectangle_json(double w, double s, double e, double n, char *out, size_t size)
{
    snprintf(out, size, "[[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]]]", w, s,
             e, s, e, n, w, n, w, s);
}

enum { MAX_POINTS = 32, MAX_ADDRESSES = 4000, MAX_AREAS = 64, RING_TEXT = 256 };

struct demo_data {
    struct geo_point road_points[COUNT_OF(ROADS) + COUNT_OF(LANES)][MAX_POINTS];
    struct store_gazetteer_line lines[COUNT_OF(ROADS) + COUNT_OF(LANES)];
    struct store_gazetteer_road_new roads[COUNT_OF(ROADS) + COUNT_OF(LANES)];
    struct geo_point address_points[MAX_ADDRESSES];
    char numbers[MAX_ADDRESSES][12];
    struct store_gazetteer_address_new addresses[MAX_ADDRESSES];
    struct store_gazetteer_landmark_new landmarks[COUNT_OF(LANDMARKS)];
    char rings[MAX_AREAS][RING_TEXT];
    struct store_gazetteer_area_new areas[MAX_AREAS];
    struct store_gazetteer_batch batch;
};

static void plan_roads(struct demo_data *d)
{
    size_t r = 0;
    for (size_t i = 0; i < COUNT_OF(ROADS); i++, r++) {
        d->lines[r] = (struct store_gazetteer_line){d->road_points[r],
                                                    road_line(&ROADS[i], d->road_points[r])};
        d->roads[r] = (struct store_gazetteer_road_new){ROADS[i].name, ROADS[i].name_en,
                                                        ROADS[i].kind, &d->lines[r], 1};
    }
    for (size_t i = 0; i < COUNT_OF(LANES); i++, r++) {
        d->road_points[r][0] = (struct geo_point){LANES[i].lon0, LANES[i].lat0};
        d->road_points[r][1] = (struct geo_point){LANES[i].lon1, LANES[i].lat1};
        d->lines[r] = (struct store_gazetteer_line){d->road_points[r], 2};
        d->roads[r] = (struct store_gazetteer_road_new){LANES[i].name, LANES[i].name_en,
                                                        "residential", &d->lines[r], 1};
    }
    d->batch.roads = d->roads;
    d->batch.road_count = r;
}

// Numbers along each main road's whole length (one count per road).
static void plan_addresses(struct demo_data *d)
{
    size_t n = 0;
    for (size_t i = 0; i < COUNT_OF(ROADS); i++) {
        const struct store_gazetteer_line *line = &d->lines[i];
        size_t got =
            numbers_along(line->points[0], line->points[line->count - 1], ROADS[i].north_south,
                          d->address_points + n, d->numbers + n, MAX_ADDRESSES - n);
        for (size_t k = 0; k < got; k++)
            d->addresses[n + k] = (struct store_gazetteer_address_new){
                ROADS[i].name, d->numbers[n + k], d->address_points[n + k]};
        n += got;
    }
    d->batch.addresses = d->addresses;
    d->batch.address_count = n;
}

static void add_area(struct demo_data *d, const char *kind, const char *name, double w, double s,
                     double e, double n)
{
    size_t i = d->batch.area_count;
    if (i == MAX_AREAS)
        return;
    rectangle_json(w, s, e, n, d->rings[i], RING_TEXT);
    d->areas[i] = (struct store_gazetteer_area_new){kind, name, NULL, d->rings[i], w, s, e, n};
    d->batch.area_count++;
}

// Blocks between neighbouring roads, 15 m back from each; the river and the lake.
static void plan_areas(struct demo_data *d)
{
    double lons[COUNT_OF(ROADS)], lats[COUNT_OF(ROADS)];
    size_t nx = cross_positions(false, lons), ny = cross_positions(true, lats);
    double inset_lon = 15.0 / M_PER_DEG_LON, inset_lat = 15.0 / M_PER_DEG_LAT;
    d->batch.areas = d->areas;
    add_area(d, "water", "小东江", RIVER_LON - RIVER_HALF_LON, SOUTH, RIVER_LON + RIVER_HALF_LON,
             NORTH);
    add_area(d, "water", "好心湖", 110.9148, 21.6560, 110.9164, 21.6574);
    for (size_t x = 0; x + 1 < nx; x++)
        for (size_t y = 0; y + 1 < ny; y++) {
            double w = lons[x] + inset_lon, e = lons[x + 1] - inset_lon;
            double n = lats[y] - inset_lat, s = lats[y + 1] + inset_lat;
            if (w < RIVER_LON && e > RIVER_LON) // the river cuts this one
                w = RIVER_LON + RIVER_HALF_LON + inset_lon;
            add_area(d, "block", "", w, s, e, n);
        }
}

int demo_gazetteer_seed(struct store *store)
{
    struct demo_data *d = calloc(1, sizeof *d);
    if (d == NULL)
        return STORE_ERROR;
    plan_roads(d);
    plan_addresses(d);
    for (size_t i = 0; i < COUNT_OF(LANDMARKS); i++)
        d->landmarks[i] = (struct store_gazetteer_landmark_new){
            LANDMARKS[i].name, LANDMARKS[i].kind, {LANDMARKS[i].lon, LANDMARKS[i].lat}};
    d->batch.landmarks = d->landmarks;
    d->batch.landmark_count = COUNT_OF(LANDMARKS);
    plan_areas(d);
    int rc = store_gazetteer_import(store, &d->batch, NULL);
    free(d);
    return rc;
}
