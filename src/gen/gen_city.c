// SPDX-License-Identifier: MIT
// The generator's city: the demo city (demo_seed: its users, departments and 144
// cells, so the demo logins work) plus nine synthetic streets of Maonan district
// (440902004..012) laid out east of the demo block, four communities each, 80
// cells of about 100 m per community (3,024 cells in all), a street office and an
// inspector per community, more supervisors and operators, and a user for every
// department. Everything is stored through store functions, then read back into
// the arrays the simulation draws from (cells, categories and their weights,
// the department of each kind for each street). gen_city_demo reads the demo
// city alone, with its accounts, for the history seed-demo adds.
#include "gen.h"

#include "demo.h"
#include "geo.h"
#include "jurisdiction.h"
#include "store.h"
#include "store_calendar.h"
#include "store_places.h"
#include "store_users.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

// The synthetic streets: a 3 x 3 block east of the demo city, each street 2 x 2
// communities of COLS x ROWS cells on the demo's 100 m lattice.
enum { SYN_STREETS = 9, SYN_COMMUNITIES = 4, SYN_COLS = 8, SYN_ROWS = 10, SYN_FIRST_COL = 18 };
#define LATTICE_WEST_E7  1109113000LL // the demo block's north-west corner (demo.c)
#define LATTICE_NORTH_E7 216636000LL
#define LATTICE_LON_E7   9700LL
#define LATTICE_LAT_E7   9000LL

struct syn_street {
    const char *code, *name, *name_en;
    double hotness; // how many cases its cells see, relative to the others
};

static const struct syn_street SYN[SYN_STREETS] = {
    {"440902004", "新华街道", "Xinhua Subdistrict", 1.6},
    {"440902005", "站前街道", "Zhanqian Subdistrict", 1.5},
    {"440902006", "官渡街道", "Guandu Subdistrict", 1.2},
    {"440902007", "露天矿街道", "Lutiankuang Subdistrict", 0.9},
    {"440902008", "茂石化街道", "Maoshihua Subdistrict", 0.8},
    {"440902009", "金塘镇", "Jintang Town", 0.5},
    {"440902010", "公馆镇", "Gongguan Town", 0.4},
    {"440902011", "新坡镇", "Xinpo Town", 0.4},
    {"440902012", "镇盛镇", "Zhensheng Town", 0.3},
};
static const char *const COMMUNITY_SUFFIX[SYN_COMMUNITIES] = {"北社区", "东社区", "西社区",
                                                              "南社区"};
static const char *const COMMUNITY_SUFFIX_EN[SYN_COMMUNITIES] = {"North", "East", "West", "South"};

// The demo's streets, their inspectors and how busy they are (the old town).
static const struct {
    const char *code, *inspector;
    double hotness;
} DEMO_STREETS[] = {
    {"440902001", "inspector", 2.0},
    {"440902002", "inspector_hx", 1.8},
    {"440902003", "inspector_hd", 1.6},
};

// Demo accounts acting for departments, by department code.
static const struct {
    const char *department, *username;
} DEMO_DEPARTMENT_USERS[] = {
    {"440902-D01", "dept_municipal"},
    {"440902-D02", "dept_sanitation"},
    {"440902-D03", "dept_landscaping"},
    {"440902001-D01", "dept_hongqi"},
};

enum { SYN_UNITS = SYN_STREETS * (2 + SYN_COMMUNITIES) };
enum { SYN_CELLS = SYN_STREETS * SYN_COMMUNITIES * SYN_COLS * SYN_ROWS };

struct syn_plan {
    struct store_org_unit_new units[SYN_UNITS];
    size_t unit_count;
    char unit_text[SYN_UNITS][4][128]; // code, name, name_en, parent for each unit
    struct store_grid_new cells[SYN_CELLS];
    char cell_code[SYN_CELLS][16], cell_name[SYN_CELLS][160], cell_zone[SYN_CELLS][160];
    struct geo_point rings[SYN_CELLS][5];
};

static struct geo_point vertex(int i, int j)
{
    return (struct geo_point){(double)(LATTICE_WEST_E7 + i * LATTICE_LON_E7) / 1e7,
                              (double)(LATTICE_NORTH_E7 - j * LATTICE_LAT_E7) / 1e7};
}

static void plan_unit(struct syn_plan *plan, const char *type, const char *code, const char *name,
                      const char *name_en, const char *parent, const char *kind)
{
    size_t k = plan->unit_count++;
    char(*text)[128] = plan->unit_text[k];
    snprintf(text[0], 128, "%s", code);
    snprintf(text[1], 128, "%s", name);
    snprintf(text[2], 128, "%s", name_en);
    snprintf(text[3], 128, "%s", parent);
    plan->units[k] = (struct store_org_unit_new){text[0], type, text[1], text[2], text[3], kind};
}

// community is the plan's own copy of the code (the cells point to it); code and
// name are the caller's, for the cells' codes and names.
static void plan_cells(struct syn_plan *plan, size_t *count, const char *community,
                       const char *code, const char *community_name, int col0, int row0)
{
    for (int row = 0; row < SYN_ROWS; row++)
        for (int col = 0; col < SYN_COLS; col++) {
            size_t k = (*count)++;
            int seq = row * SYN_COLS + col + 1, i = col0 + col, j = row0 + row;
            snprintf(plan->cell_code[k], sizeof plan->cell_code[k], "%.12s%03d", code, seq);
            snprintf(plan->cell_name[k], sizeof plan->cell_name[k], "%.100s第%02d网格",
                     community_name, seq);
            snprintf(plan->cell_zone[k], sizeof plan->cell_zone[k], "%.100s第%d责任网格",
                     community_name, row / 3 + 1);
            struct geo_point *ring = plan->rings[k];
            ring[0] = vertex(i, j + 1);
            ring[1] = vertex(i + 1, j + 1);
            ring[2] = vertex(i + 1, j);
            ring[3] = vertex(i, j);
            ring[4] = vertex(i, j + 1);
            plan->cells[k] = (struct store_grid_new){
                plan->cell_code[k], community, plan->cell_name[k], plan->cell_zone[k], ring, 5};
        }
}

// Stores the nine synthetic streets with their offices, communities and cells.
static int store_synthetic_places(struct store *store)
{
    struct syn_plan *plan = calloc(1, sizeof *plan);
    if (plan == NULL)
        return STORE_ERROR;
    size_t cells = 0;
    for (int s = 0; s < SYN_STREETS; s++) {
        const struct syn_street *street = &SYN[s];
        char code[32], name[128], name_en[128], stem[64];
        plan_unit(plan, "street", street->code, street->name, street->name_en, "440902", NULL);
        snprintf(code, sizeof code, "%s-D01", street->code);
        snprintf(name, sizeof name, "%s办事处", street->name);
        snprintf(name_en, sizeof name_en, "%s Office", street->name_en);
        plan_unit(plan, "department", code, name, name_en, street->code, "street_office");
        // The stem of the street's name: 新华街道 -> 新华, 金塘镇 -> 金塘.
        snprintf(stem, sizeof stem, "%s", street->name);
        char *cut = strstr(stem, "街道");
        if (cut == NULL)
            cut = strstr(stem, "镇");
        if (cut != NULL)
            *cut = '\0';
        for (int c = 0; c < SYN_COMMUNITIES; c++) {
            snprintf(code, sizeof code, "%s%03d", street->code, c + 1);
            snprintf(name, sizeof name, "%s%s", stem, COMMUNITY_SUFFIX[c]);
            snprintf(name_en, sizeof name_en, "%s %s Community", street->name_en,
                     COMMUNITY_SUFFIX_EN[c]);
            plan_unit(plan, "community", code, name, name_en, street->code, NULL);
            int col0 = SYN_FIRST_COL + (s % 3) * 2 * SYN_COLS + (c % 2) * SYN_COLS;
            int row0 = (s / 3) * 2 * SYN_ROWS + (c / 2) * SYN_ROWS;
            plan_cells(plan, &cells, plan->unit_text[plan->unit_count - 1][0], code, name, col0,
                       row0);
        }
    }
    int rc = store_places_create(store, plan->units, plan->unit_count, plan->cells, cells);
    free(plan);
    return rc;
}

// ---- users ----

static int add_user(struct gen_city *city, struct store *store, const char *password_hash,
                    const char *username, const char *display_name, enum role role,
                    const char *unit_code)
{
    struct store_org_unit unit;
    if (store_org_unit_find(store, unit_code, &unit) != STORE_OK)
        return -1;
    struct store_user user = {.role = role, .org_unit_id = unit.id};
    snprintf(user.username, sizeof user.username, "%s", username);
    snprintf(user.display_name, sizeof user.display_name, "%s", display_name);
    int64_t id = 0;
    if (store_user_create(store, &user, password_hash, &id) != STORE_OK)
        return -1;
    struct gen_user *u = &city->users[city->user_count];
    *u = (struct gen_user){.id = id, .role = role};
    snprintf(u->name, sizeof u->name, "%s", display_name);
    return city->user_count++;
}

// Finds a demo account. Returns its index in city->users, or -1.
static int demo_user(struct gen_city *city, struct store *store, const char *username)
{
    struct store_user user;
    char hash[128];
    if (store_user_get_by_username(store, username, &user, hash, sizeof hash) != STORE_OK)
        return -1;
    struct gen_user *u = &city->users[city->user_count];
    *u = (struct gen_user){.id = user.id, .role = user.role};
    snprintf(u->name, sizeof u->name, "%s", user.display_name);
    return city->user_count++;
}

struct department_list {
    struct store_org_unit *units;
    int count, capacity;
};

static void collect_department(const struct store_org_unit *unit, void *data)
{
    struct department_list *list = data;
    if (list->count < list->capacity)
        list->units[list->count++] = *unit;
}

// A user for every department: the demo's where there is one, else a new one.
static int department_users(struct gen_city *city, struct store *store, const char *password_hash)
{
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    struct store_org_unit_filter filter = {.jurisdiction = &everywhere, .type = "department"};
    struct department_list list = {calloc(256, sizeof *list.units), 0, 256};
    city->department_ids = calloc(256, sizeof *city->department_ids);
    city->department_users = calloc(256, sizeof *city->department_users);
    if (list.units == NULL || city->department_ids == NULL || city->department_users == NULL ||
        store_org_unit_list(store, &filter, collect_department, &list) != STORE_OK) {
        free(list.units);
        return -1;
    }
    int rc = 0;
    for (int d = 0; d < list.count && rc == 0; d++) {
        const struct store_org_unit *unit = &list.units[d];
        int user = -1;
        for (size_t k = 0; k < COUNT_OF(DEMO_DEPARTMENT_USERS); k++)
            if (strcmp(unit->code, DEMO_DEPARTMENT_USERS[k].department) == 0)
                user = demo_user(city, store, DEMO_DEPARTMENT_USERS[k].username);
        if (user < 0) {
            char username[64];
            snprintf(username, sizeof username, "dept_%s", unit->code);
            for (char *p = username; *p != '\0'; p++)
                *p = *p == '-' ? '_' : *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
            user = add_user(city, store, password_hash, username, unit->name, ROLE_DEPARTMENT,
                            unit->code);
        }
        city->department_ids[d] = unit->id;
        city->department_users[d] = user;
        rc = user < 0 ? -1 : 0;
    }
    city->department_count = list.count;
    free(list.units);
    return rc;
}

// The demo's district supervisor, operator and leader.
static int demo_staff(struct gen_city *city, struct store *store)
{
    city->users = calloc(512, sizeof *city->users);
    if (city->users == NULL)
        return -1;
    city->supervisors[city->supervisor_count++] = demo_user(city, store, "supervisor");
    city->operators[city->operator_count++] = demo_user(city, store, "operator");
    city->leader = demo_user(city, store, "leader");
    return city->supervisors[0] < 0 || city->operators[0] < 0 || city->leader < 0 ? -1 : 0;
}

// The demo's staff, more supervisors and operators, an inspector per synthetic
// community (inspector and grid leader of its cells), and the departments' users.
static int create_users(struct gen_city *city, struct store *store, const char *password_hash)
{
    if (demo_staff(city, store) != 0)
        return -1;
    for (int i = 2; i <= 4; i++) {
        char username[32], name[64];
        snprintf(username, sizeof username, "supervisor_%d", i);
        snprintf(name, sizeof name, "区指挥中心值班长%d", i);
        city->supervisors[city->supervisor_count++] =
            add_user(city, store, password_hash, username, name, ROLE_SUPERVISOR, "440902");
        snprintf(username, sizeof username, "operator_%d", i);
        snprintf(name, sizeof name, "12345受理员%d", i);
        city->operators[city->operator_count++] =
            add_user(city, store, password_hash, username, name, ROLE_OPERATOR, "440902");
    }
    for (int s = 0; s < SYN_STREETS; s++)
        for (int c = 0; c < SYN_COMMUNITIES; c++) {
            char username[32], name[128], community[16];
            snprintf(community, sizeof community, "%s%03d", SYN[s].code, c + 1);
            snprintf(username, sizeof username, "inspector_%s", community);
            snprintf(name, sizeof name, "%s网格员%d", SYN[s].name, c + 1);
            int user =
                add_user(city, store, password_hash, username, name, ROLE_INSPECTOR, SYN[s].code);
            if (user < 0 ||
                store_grid_assign(store, community, city->users[user].id, false, NULL) !=
                    STORE_OK ||
                store_grid_assign(store, community, city->users[user].id, true, NULL) != STORE_OK)
                return -1;
        }
    for (int i = 0; i < city->supervisor_count; i++)
        if (city->supervisors[i] < 0 || city->operators[i] < 0)
            return -1;
    return city->leader < 0 ? -1 : department_users(city, store, password_hash);
}

// ---- reading the city back ----

struct cell_list {
    struct gen_cell *cells;
    char (*codes)[16];
    int count, capacity;
};

static void collect_cell(const struct store_grid_cell *cell, void *data)
{
    struct cell_list *list = data;
    if (list->count >= list->capacity)
        return;
    struct gen_cell *out = &list->cells[list->count];
    snprintf(list->codes[list->count], 16, "%s", cell->code);
    out->west = out->south = 1e9;
    out->east = out->north = -1e9;
    cJSON *ring = cJSON_Parse(cell->ring_json), *point;
    cJSON_ArrayForEach(point, ring)
    {
        double lon = cJSON_GetArrayItem(point, 0)->valuedouble;
        double lat = cJSON_GetArrayItem(point, 1)->valuedouble;
        out->west = lon < out->west ? lon : out->west;
        out->east = lon > out->east ? lon : out->east;
        out->south = lat < out->south ? lat : out->south;
        out->north = lat > out->north ? lat : out->north;
    }
    cJSON_Delete(ring);
    list->count++;
}

// The street index and hotness of a cell code.
static int street_of(const struct gen_city *city, const char *cell_code, double *hotness)
{
    char code[10];
    snprintf(code, sizeof code, "%.9s", cell_code);
    for (size_t s = 0; s < COUNT_OF(DEMO_STREETS); s++)
        if (strcmp(code, DEMO_STREETS[s].code) == 0)
            *hotness = DEMO_STREETS[s].hotness;
    for (int s = 0; s < SYN_STREETS; s++)
        if (strcmp(code, SYN[s].code) == 0)
            *hotness = SYN[s].hotness;
    for (int s = 0; s < city->street_count; s++)
        if (strcmp(code, city->streets[s].code) == 0)
            return s;
    return -1;
}

// The first count streets of the district, in code order (the demo's three,
// then nine more).
static int load_streets(struct gen_city *city, struct store *store, size_t count)
{
    const char *codes[3 + SYN_STREETS];
    for (size_t s = 0; s < 3; s++)
        codes[s] = DEMO_STREETS[s].code;
    for (int s = 0; s < SYN_STREETS; s++)
        codes[3 + s] = SYN[s].code;
    for (size_t s = 0; s < count; s++) {
        struct store_org_unit street, office;
        char office_code[32];
        snprintf(office_code, sizeof office_code, "%s-D01", codes[s]);
        if (store_org_unit_find(store, codes[s], &street) != STORE_OK ||
            store_org_unit_find(store, office_code, &office) != STORE_OK)
            return -1;
        struct gen_street *out = &city->streets[s];
        *out = (struct gen_street){.id = street.id, .office_id = office.id};
        snprintf(out->code, sizeof out->code, "%s", street.code);
        snprintf(out->name, sizeof out->name, "%s", street.name);
    }
    city->street_count = (int)count;
    return 0;
}

// The cell's inspector: the demo street's inspector, or the community's own.
static int cell_inspector(struct gen_city *city, struct store *store, const char *cell_code)
{
    char username[64];
    username[0] = '\0';
    for (size_t s = 0; s < COUNT_OF(DEMO_STREETS); s++)
        if (strncmp(cell_code, DEMO_STREETS[s].code, 9) == 0)
            snprintf(username, sizeof username, "%s", DEMO_STREETS[s].inspector);
    if (username[0] == '\0')
        snprintf(username, sizeof username, "inspector_%.12s", cell_code);
    struct store_user user;
    char hash[128];
    if (store_user_get_by_username(store, username, &user, hash, sizeof hash) != STORE_OK)
        return -1;
    for (int u = 0; u < city->user_count; u++)
        if (city->users[u].id == user.id)
            return u;
    return demo_user(city, store, username);
}

static int load_cells(struct gen_city *city, struct store *store, struct gen_rng *rng)
{
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    struct store_grid_filter filter = {.jurisdiction = &everywhere, .limit = 100000};
    struct cell_list list = {calloc(8192, sizeof *list.cells), calloc(8192, 16), 0, 8192};
    city->cell_weights = calloc(8192, sizeof *city->cell_weights);
    if (list.cells == NULL || list.codes == NULL || city->cell_weights == NULL ||
        store_grid_list(store, &filter, collect_cell, &list) != STORE_OK || list.count == 0) {
        free(list.cells);
        free(list.codes);
        return -1;
    }
    city->cells = list.cells;
    city->cell_count = list.count;
    int rc = 0;
    double total = 0;
    for (int i = 0; i < list.count && rc == 0; i++) {
        struct gen_cell *cell = &city->cells[i];
        struct store_grid_location where;
        double hotness = 1;
        rc = store_grid_locate(store, (cell->west + cell->east) / 2,
                               (cell->south + cell->north) / 2, &where) == STORE_OK
                 ? 0
                 : -1;
        cell->grid_id = where.grid_id;
        cell->community_id = where.community_id;
        cell->street_id = where.street_id;
        cell->district_id = where.district_id;
        cell->street = street_of(city, list.codes[i], &hotness);
        cell->inspector = cell_inspector(city, store, list.codes[i]);
        cell->road = (i / 6 + cell->street * 5) % gen_text_road_count();
        if (cell->street < 0 || cell->inspector < 0)
            rc = -1;
        // A few hot spots (markets, stations) among ordinary cells.
        double spot =
            gen_rng_chance(rng, 0.05) ? gen_rng_range(rng, 4, 12) : gen_rng_range(rng, 0.3, 1.7);
        total += hotness * spot;
        city->cell_weights[i] = total;
    }
    free(list.codes);
    return rc;
}

// ---- categories ----

// How often each subclass comes up, relative to the others (default 0.3): the
// common ones of a real bureau lead (exposed garbage, vendors, small ads,
// parking, manhole covers, street lights).
static const struct {
    const char *tree, *code;
    double weight;
} CATEGORY_WEIGHTS[] = {
    {"event", "0102", 16},      {"event", "0502", 8},       {"event", "0501", 7},
    {"event", "0201", 7},       {"event", "0503", 5},       {"event", "0506", 5},
    {"event", "0104", 4},       {"event", "0509", 4},       {"event", "0103", 3},
    {"event", "0508", 3},       {"event", "0101", 2},       {"event", "0202", 2},
    {"event", "0603", 2},       {"event", "0105", 1.5},     {"event", "0106", 1.5},
    {"event", "0109", 1.5},     {"event", "0110", 1.5},     {"event", "0507", 1.5},
    {"event", "0203", 1},       {"event", "0204", 1},       {"event", "0301", 1},
    {"event", "0302", 1},       {"event", "0303", 1},       {"event", "0304", 1},
    {"event", "0305", 1},       {"event", "0602", 1},       {"event", "0403", 0.8},
    {"event", "0604", 0.8},     {"event", "0601", 0.5},     {"event", "0406", 0.4},
    {"event", "0401", 0.3},     {"event", "0402", 0.2},     {"event", "0407", 0.2},
    {"event", "0404", 0.1},     {"event", "0405", 0.1},     {"component", "0102", 2.5},
    {"component", "0103", 2.5}, {"component", "0101", 1.5}, {"component", "0107", 1.5},
    {"component", "0104", 1},   {"component", "0105", 1},   {"component", "0106", 0.6},
    {"component", "0110", 3},   {"component", "0304", 2.5}, {"component", "0209", 2},
    {"component", "0204", 1.5}, {"component", "0210", 1.5}, {"component", "0403", 1.5},
    {"component", "0402", 1},   {"component", "0205", 1},   {"component", "0303", 1},
};

// Problems an inspector fixes on the spot (自行处置): litter, small ads, vendors moved on.
static const char *const FIXABLE[] = {
    "event:0102", "event:0104", "event:0106",     "event:0109",     "event:0110",
    "event:0201", "event:0202", "event:0204",     "event:0501",     "event:0502",
    "event:0503", "event:0504", "event:0507",     "event:0508",     "event:0509",
    "event:0601", "event:0603", "component:0107", "component:0304",
};

struct category_list {
    struct gen_city *city;
    int capacity;
};

static int kind_index(struct gen_city *city, const char *kind)
{
    if (kind[0] == '\0')
        kind = "street_office";
    for (int k = 0; k < city->kind_count; k++)
        if (strcmp(city->kinds[k], kind) == 0)
            return k;
    if (city->kind_count == GEN_KINDS_MAX)
        return 0;
    snprintf(city->kinds[city->kind_count], sizeof city->kinds[0], "%s", kind);
    return city->kind_count++;
}

static void collect_category(const struct store_category *c, void *data)
{
    struct category_list *list = data;
    struct gen_city *city = list->city;
    if (city->category_count >= list->capacity)
        return;
    struct gen_category *out = &city->categories[city->category_count];
    *out = (struct gen_category){.id = c->id, .urgent = c->urgent, .phase_count = c->phase_count};
    snprintf(out->tree, sizeof out->tree, "%s", c->tree);
    snprintf(out->code, sizeof out->code, "%s", c->code);
    snprintf(out->name_zh, sizeof out->name_zh, "%s", c->name_zh);
    out->kind = kind_index(city, c->default_department_kind);
    memcpy(out->limits, c->limits, sizeof out->limits);
    for (int p = 0; p < c->phase_count && p < GEN_PHASES_MAX; p++) {
        snprintf(out->phase_codes[p], sizeof out->phase_codes[p], "%s", c->phases[p].code);
        out->phase_limits[p] = c->phases[p].limit;
    }
    char key[32];
    snprintf(key, sizeof key, "%s:%s", c->tree, c->code);
    for (size_t i = 0; i < COUNT_OF(FIXABLE); i++)
        out->fixable = out->fixable || strcmp(key, FIXABLE[i]) == 0;
    double weight = 0.3;
    for (size_t i = 0; i < COUNT_OF(CATEGORY_WEIGHTS); i++)
        if (strcmp(c->tree, CATEGORY_WEIGHTS[i].tree) == 0 &&
            strcmp(c->code, CATEGORY_WEIGHTS[i].code) == 0)
            weight = CATEGORY_WEIGHTS[i].weight;
    double before = city->category_count > 0 ? city->category_weights[city->category_count - 1] : 0;
    city->category_weights[city->category_count++] = before + weight;
}

static int load_categories(struct gen_city *city, struct store *store)
{
    enum { CAPACITY = 1024 };
    city->categories = calloc(CAPACITY, sizeof *city->categories);
    city->category_weights = calloc(CAPACITY, sizeof *city->category_weights);
    struct category_list list = {city, CAPACITY};
    if (city->categories == NULL || city->category_weights == NULL ||
        store_category_list(store, NULL, false, NULL, collect_category, &list) != STORE_OK)
        return -1;
    return city->category_count > 0 ? 0 : -1;
}

// The department of each kind for each street: the nearest one of that kind
// (store_department_for_place), else the street's office (属地兜底).
static int load_departments(struct gen_city *city, struct store *store)
{
    for (int k = 0; k < city->kind_count; k++)
        for (int s = 0; s < city->street_count; s++) {
            struct store_org_unit unit;
            int rc = store_department_for_place(store, city->kinds[k], city->streets[s].id, &unit);
            if (rc == STORE_ERROR)
                return -1;
            city->department[k][s] = rc == STORE_OK ? unit.id : city->streets[s].office_id;
        }
    return 0;
}

int gen_city_department_user(const struct gen_city *city, int64_t department_id)
{
    for (int d = 0; d < city->department_count; d++)
        if (city->department_ids[d] == department_id)
            return city->department_users[d];
    return city->supervisors[0];
}

// Reads back what the simulation draws from: the first street_count streets,
// every cell, the categories, the department of each kind for each street and
// the calendar. Returns what failed, or NULL.
static const char *load_city(struct gen_city *city, struct store *store, size_t street_count)
{
    struct gen_rng rng;
    gen_rng_seed(&rng, 440902);
    if (load_streets(city, store, street_count) != 0 || load_cells(city, store, &rng) != 0)
        return "reading the cells back";
    if (load_categories(city, store) != 0 || load_departments(city, store) != 0)
        return "reading the categories and their departments";
    if (store_calendar_load(store, &city->calendar) != STORE_OK)
        return "loading the calendar";
    return NULL;
}

int gen_city_build(struct store *store, const char *password_hash, struct gen_city *city)
{
    memset(city, 0, sizeof *city);
    const char *failed = NULL;
    if (demo_seed(store, password_hash, NULL) != STORE_OK)
        failed = "seeding the demo city";
    else if (store_synthetic_places(store) != STORE_OK)
        failed = "storing the synthetic streets and cells";
    else if (create_users(city, store, password_hash) != 0)
        failed = "creating the users";
    else
        failed = load_city(city, store, COUNT_OF(DEMO_STREETS) + SYN_STREETS);
    if (failed != NULL) {
        fprintf(stderr, "gen: %s failed (see the log)\n", failed);
        gen_city_free(city);
        return -1;
    }
    return 0;
}

int gen_city_demo(struct store *store, const char *password_hash, struct gen_city *city)
{
    memset(city, 0, sizeof *city);
    const char *failed = NULL;
    if (demo_staff(city, store) != 0 || department_users(city, store, password_hash) != 0)
        failed = "finding the demo accounts";
    else
        failed = load_city(city, store, COUNT_OF(DEMO_STREETS));
    if (failed != NULL) {
        fprintf(stderr, "demo history: %s failed (see the log)\n", failed);
        gen_city_free(city);
        return -1;
    }
    return 0;
}

void gen_city_free(struct gen_city *city)
{
    free(city->users);
    free(city->cells);
    free(city->cell_weights);
    free(city->categories);
    free(city->category_weights);
    free(city->department_ids);
    free(city->department_users);
    memset(city, 0, sizeof *city);
}
