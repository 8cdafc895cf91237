// SPDX-License-Identifier: MIT
// The demo city's 门前三包: three dozen responsible units along the demo
// streets with their plates (shops, restaurants, a market, institutions,
// residential compounds), a few patrol checks, the 示范街 criteria of the
// city and last month's evaluation of each street, published with a reward
// list of one. Invented; for demonstrations and tests only.
#include "demo.h"

#include "frontage.h"
#include "store.h"
#include "store_admin.h"
#include "store_frontage.h"
#include "store_places.h"
#include "store_users.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

// The demo grid (src/demo.c): 18 columns of cells 0.00097 degrees wide from
// 110.9113 E, 8 rows 0.0009 degrees high from 21.6636 N; a street is 6 columns.
#define WEST_LON   110.9113
#define NORTH_LAT  21.6636
#define CELL_LON   0.00097
#define CELL_LAT   0.0009
#define UNIT_COUNT 36

static const struct {
    const char *name;
    const char *kind;
} NAMES[] = {
    {"好又多便利店", "shop"},
    {"粤西凉茶铺", "shop"},
    {"茂名烧鹅店", "restaurant"},
    {"新华书店", "shop"},
    {"河粉大排档", "restaurant"},
    {"金荔水果行", "shop"},
    {"顺德五金店", "shop"},
    {"红旗农贸市场", "market"},
    {"茂南区第一小学", "institution"},
    {"荔红小区", "residential"},
    {"油城药房", "shop"},
    {"好心湖茶楼", "restaurant"},
    {"合力花园", "residential"},
    {"电白海鲜酒家", "restaurant"},
    {"手机维修店", "shop"},
    {"福华超市", "shop"},
    {"茂南供电营业厅", "enterprise"},
    {"西城社区卫生站", "institution"},
};

static const char *const ROADS[] = {"红旗路", "人民路", "油城四路", "新华路", "官渡路", "站前路"};

// The demo's user id of username, 0 when there is none.
static int64_t user_id(struct store *store, const char *username)
{
    struct store_user user;
    char hash[128];
    return store_user_get_by_username(store, username, &user, hash, sizeof hash) == STORE_OK
               ? user.id
               : 0;
}

// Plans unit i at the centre of a cell of street i % 3 into *out. Returns
// STORE_OK, or STORE_ERROR when the point lies in no cell.
static int plan_unit(struct store *store, int i, struct store_frontage_unit *out)
{
    int street = i % 3, col = (i / 3) % 6, row = (i * 5) % 8;
    struct store_frontage_unit u = {
        .lat = NORTH_LAT - (row + 0.5) * CELL_LAT,
        .lon = WEST_LON + (street * 6 + col + 0.5) * CELL_LON,
        .frontage_m = 6 + (i * 7) % 30,
        .duty_appearance = true,
        .duty_sanitation = true,
        .duty_order = i % 4 != 3,
        .active = i != 35,
    };
    struct store_grid_location place;
    if (store_grid_locate(store, u.lon, u.lat, &place) != STORE_OK)
        return STORE_ERROR;
    u.grid_id = place.grid_id;
    u.street_id = place.street_id;
    u.place_id = place.community_id;
    size_t n = (size_t)i % COUNT_OF(NAMES);
    snprintf(u.name, sizeof u.name, "%s%s", NAMES[n].name, i >= 18 ? "（二店）" : "");
    snprintf(u.kind, sizeof u.kind, "%s", NAMES[n].kind);
    snprintf(u.address, sizeof u.address, "%s%d号", ROADS[(size_t)i % COUNT_OF(ROADS)], 2 + i * 4);
    snprintf(u.contact_name, sizeof u.contact_name, "%s先生", i % 2 ? "陈" : "李");
    snprintf(u.contact_phone, sizeof u.contact_phone, "1380668%04d", 1000 + i * 37);
    snprintf(u.plate_no, sizeof u.plate_no, "MN-%.3s-%04d", place.street_code + 6, (i + 1) % 10000);
    *out = u;
    return STORE_OK;
}

static int add_checks(struct store *store, const int64_t *units, int64_t inspector)
{
    for (int i = 0; i < UNIT_COUNT; i += 3) {
        struct store_frontage_check check = {
            .unit_id = units[i],
            .inspector_user_id = inspector,
            .appearance = 1,
            .sanitation = i % 9 == 0 ? 0 : 1,
            .order_greening = i % 4 == 3 ? -1 : 1,
            .note = i % 9 == 0 ? "门前有垃圾未清扫" : "",
            .photos_json = "[]",
        };
        check.passed = check.sanitation != 0;
        int rc = store_frontage_check_add(store, NULL, &check, NULL, NULL);
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

static const struct {
    const char *name;
    double weight, max_score;
} CRITERIA[] = {
    {"责任牌公示", 10, 10},
    {"市容整洁", 30, 30},
    {"环境卫生", 30, 30},
    {"秩序与绿化", 30, 30},
};

// The criteria, and last month's evaluation of each street, published.
static int add_evaluations(struct store *store, int64_t leader)
{
    struct store_org_unit city, street;
    if (store_org_unit_find(store, "4409", &city) != STORE_OK)
        return STORE_ERROR;
    struct store_actor actor = {leader, "leader", "茂南区领导"};
    int64_t ids[COUNT_OF(CRITERIA)];
    for (size_t c = 0; c < COUNT_OF(CRITERIA); c++) {
        struct store_frontage_criterion criterion = {.city_id = city.id,
                                                     .weight = CRITERIA[c].weight,
                                                     .max_score = CRITERIA[c].max_score,
                                                     .active = true};
        snprintf(criterion.name, sizeof criterion.name, "%s", CRITERIA[c].name);
        int rc = store_frontage_criterion_save(store, &actor, &criterion);
        if (rc != STORE_OK)
            return rc;
        ids[c] = criterion.id;
    }
    static const char *const STREETS[] = {"440902001", "440902002", "440902003"};
    static const double SHARE[] = {0.95, 0.82, 0.88};
    char period[8];
    // Last month (Asia/Shanghai): step back a day at a time out of this one.
    char this_month[8];
    int64_t now = store_now_ms(), back = 86400000LL;
    frontage_month(now, this_month);
    do {
        frontage_month(now - back, period);
        back += 86400000LL;
    } while (strcmp(period, this_month) == 0);
    for (size_t s = 0; s < COUNT_OF(STREETS); s++) {
        if (store_org_unit_find(store, STREETS[s], &street) != STORE_OK)
            return STORE_ERROR;
        struct frontage_score scores[COUNT_OF(CRITERIA)];
        cJSON *list = cJSON_CreateArray();
        for (size_t c = 0; c < COUNT_OF(CRITERIA); c++) {
            double max = CRITERIA[c].max_score, score = (double)(long)(max * SHARE[s]) + (c == s);
            scores[c] = (struct frontage_score){CRITERIA[c].weight, max, score > max ? max : score};
            cJSON *item = cJSON_CreateObject();
            cJSON_AddNumberToObject(item, "criterion_id", (double)ids[c]);
            cJSON_AddStringToObject(item, "name", CRITERIA[c].name);
            cJSON_AddNumberToObject(item, "weight", CRITERIA[c].weight);
            cJSON_AddNumberToObject(item, "max_score", max);
            cJSON_AddNumberToObject(item, "score", scores[c].score);
            cJSON_AddItemToArray(list, item);
        }
        char *json = cJSON_PrintUnformatted(list);
        cJSON_Delete(list);
        if (json == NULL)
            return STORE_ERROR;
        struct store_frontage_evaluation e = {.city_id = city.id,
                                              .street_id = street.id,
                                              .total = frontage_total(scores, COUNT_OF(CRITERIA)),
                                              .scores_json = json,
                                              .note = "",
                                              .evaluator_user_id = leader};
        snprintf(e.period, sizeof e.period, "%s", period);
        int rc = store_frontage_evaluation_save(store, &e);
        cJSON_free(json);
        if (rc != STORE_OK)
            return rc;
    }
    return store_frontage_period_publish(store, &actor, city.id, period, 1);
}

int demo_frontage_seed(struct store *store)
{
    struct store_frontage_unit *plan = calloc(UNIT_COUNT, sizeof *plan);
    int64_t units[UNIT_COUNT];
    int rc = plan == NULL ? STORE_ERROR : STORE_OK;
    for (int i = 0; i < UNIT_COUNT && rc == STORE_OK; i++)
        rc = plan_unit(store, i, &plan[i]);
    if (rc == STORE_OK)
        rc = store_frontage_units_create(store, plan, UNIT_COUNT, units);
    free(plan);
    if (rc != STORE_OK)
        return rc;
    int64_t inspector = user_id(store, "inspector_hx"), leader = user_id(store, "leader");
    if (inspector == 0 || leader == 0)
        return STORE_ERROR;
    rc = add_checks(store, units, inspector);
    return rc == STORE_OK ? add_evaluations(store, leader) : rc;
}
