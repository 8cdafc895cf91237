// SPDX-License-Identifier: MIT
// The demo city as data (streets, communities, departments, accounts) and the
// code that lays its grid cells out as seamless 100 m blocks near 21.66 N
// 110.92 E and stores everything; plus the `chengguan seed-demo` command, which
// adds the city's recent past (src/demo_history.c) unless told not to. The
// place names are real Maonan street names; communities and cells are invented.
#include "demo.h"

#include "auth.h"
#include "cli.h"
#include "demo_gazetteer.h"
#include "grid_import.h"
#include "store.h"
#include "store_places.h"
#include "store_users.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

// Cell layout: each community is a block of COLS x ROWS cells; a street stacks
// its two communities north to south; streets sit side by side west to east.
enum { DEMO_COLS = 6, DEMO_ROWS = 4, DEMO_STREETS = 3, DEMO_COMMUNITIES_PER_STREET = 2 };
// In units of 1e-7 degree, so every vertex is a whole number of units and its
// double is the nearest to a short decimal (110.91809, not 110.91808999999999).
#define DEMO_WEST_LON_E7  1109113000LL // north-west corner of the whole block
#define DEMO_NORTH_LAT_E7 216636000LL
#define DEMO_CELL_LON_E7  9700LL // about 100 m east-west at 21.66 N
#define DEMO_CELL_LAT_E7  9000LL // about 100 m north-south

struct demo_place {
    const char *code;
    const char *name;
    const char *name_en;
};

// West to east.
static const struct demo_place STREETS[DEMO_STREETS] = {
    {"440902002", "河西街道", "Hexi Subdistrict"},
    {"440902001", "红旗街道", "Hongqi Subdistrict"},
    {"440902003", "河东街道", "Hedong Subdistrict"},
};

// Per street of STREETS, north then south.
static const struct demo_place COMMUNITIES[DEMO_STREETS][DEMO_COMMUNITIES_PER_STREET] = {
    {{"440902002001", "河西北社区", "Hexi North Community"},
     {"440902002002", "河西南社区", "Hexi South Community"}},
    {{"440902001001", "红旗北社区", "Hongqi North Community"},
     {"440902001002", "红旗南社区", "Hongqi South Community"}},
    {{"440902003001", "河东北社区", "Hedong North Community"},
     {"440902003002", "河东南社区", "Hedong South Community"}},
};

struct demo_department {
    const char *code;
    const char *kind;
    const char *name;
    const char *name_en;
};

// The district's departments, by the department_kind values categories use.
static const struct demo_department DEPARTMENTS[] = {
    {"440902-D01", "municipal", "茂南区市政工程管理所", "Maonan Municipal Works Office"},
    {"440902-D02", "sanitation", "茂南区环境卫生管理所", "Maonan Sanitation Office"},
    {"440902-D03", "landscaping", "茂南区园林绿化所", "Maonan Landscaping Office"},
    {"440902-D04", "water", "茂南供水公司", "Maonan Water Supply Company"},
    {"440902-D05", "gas", "茂南燃气公司", "Maonan Gas Company"},
    {"440902-D06", "power", "茂南供电局", "Maonan Power Supply Bureau"},
    {"440902-D07", "traffic_police", "茂南交警大队", "Maonan Traffic Police Brigade"},
    {"440902-D08", "market", "茂南区市场监督管理局", "Maonan Market Regulation Bureau"},
    {"440902-D09", "urban_management", "茂南区城市管理和综合执法局",
     "Maonan Urban Management and Law Enforcement Bureau"},
    {"440902-D10", "housing", "茂南区住房和城乡建设局", "Maonan Housing and Construction Bureau"},
    {"440902-D11", "environment", "茂名市生态环境局茂南分局",
     "Maonan Ecology and Environment Branch"},
};

// Street offices (属地兜底), one per street of STREETS.
static const struct demo_place OFFICES[DEMO_STREETS] = {
    {"440902002-D01", "河西街道办事处", "Hexi Subdistrict Office"},
    {"440902001-D01", "红旗街道办事处", "Hongqi Subdistrict Office"},
    {"440902003-D01", "河东街道办事处", "Hedong Subdistrict Office"},
};

struct demo_user {
    const char *username;
    const char *display_name;
    enum role role;
    const char *unit_code;
    const char *inspects; // code prefix of the cells they inspect, or NULL
    const char *leads;    // code prefix of the cells they lead, or NULL
};

static const struct demo_user USERS[] = {
    {"admin", "系统管理员", ROLE_ADMIN, "4409", NULL, NULL},
    {"leader", "茂南区领导", ROLE_LEADER, "440902", NULL, NULL},
    {"supervisor", "区指挥中心值班长", ROLE_SUPERVISOR, "440902", NULL, NULL},
    {"supervisor_hq", "红旗街道值班长", ROLE_SUPERVISOR, "440902001", NULL, NULL},
    {"supervisor_hx", "河西街道值班长", ROLE_SUPERVISOR, "440902002", NULL, NULL},
    {"operator", "12345受理员", ROLE_OPERATOR, "440902", NULL, NULL},
    {"inspector", "红旗街道网格员", ROLE_INSPECTOR, "440902001", "440902001", "440902001001"},
    {"inspector_hx", "河西街道网格员", ROLE_INSPECTOR, "440902002", "440902002", "440902002001"},
    {"inspector_hd", "河东街道网格员", ROLE_INSPECTOR, "440902003", "440902003", "440902003001"},
    {"dept_municipal", "市政工程管理所", ROLE_DEPARTMENT, "440902-D01", NULL, NULL},
    {"dept_sanitation", "环境卫生管理所", ROLE_DEPARTMENT, "440902-D02", NULL, NULL},
    {"dept_landscaping", "园林绿化所", ROLE_DEPARTMENT, "440902-D03", NULL, NULL},
    {"dept_hongqi", "红旗街道办事处", ROLE_DEPARTMENT, "440902001-D01", NULL, NULL},
};

struct demo_counts {
    int org_units;
    int departments;
    int cells;
    int users;
    int assignments;
};

enum {
    DEMO_UNITS_MAX = 2 + 16 + DEMO_STREETS * (2 + DEMO_COMMUNITIES_PER_STREET),
    DEMO_CELLS = DEMO_STREETS * DEMO_COMMUNITIES_PER_STREET * DEMO_ROWS * DEMO_COLS,
};

// Everything the store is asked to create in one go: units (parents first) and
// cells, with the text and rings they point to.
struct demo_plan {
    struct store_org_unit_new units[DEMO_UNITS_MAX];
    size_t unit_count;
    struct store_grid_new cells[DEMO_CELLS];
    size_t cell_count;
    char codes[DEMO_CELLS][16];
    char names[DEMO_CELLS][160];
    char zones[DEMO_CELLS][160];
    struct geo_point rings[DEMO_CELLS][5];
};

static void plan_unit(struct demo_plan *plan, const char *type, const char *code, const char *name,
                      const char *name_en, const char *parent_code, const char *kind)
{
    plan->units[plan->unit_count++] =
        (struct store_org_unit_new){code, type, name, name_en, parent_code, kind};
}

// A grid vertex: column i (west to east) and row j (north to south) of the whole
// layout. Neighbours compute shared vertices from the same (i, j), so they are
// bit-identical and the cells are seamless.
static struct geo_point vertex(int i, int j)
{
    return (struct geo_point){(double)(DEMO_WEST_LON_E7 + i * DEMO_CELL_LON_E7) / 1e7,
                              (double)(DEMO_NORTH_LAT_E7 - j * DEMO_CELL_LAT_E7) / 1e7};
}

// Plans the COLS x ROWS cells of one community whose north-west cell is at
// layout column col0 and row row0.
static void plan_cells(struct demo_plan *plan, const struct demo_place *community, int col0,
                       int row0)
{
    for (int row = 0; row < DEMO_ROWS; row++) {
        for (int col = 0; col < DEMO_COLS; col++) {
            size_t k = plan->cell_count++;
            int seq = row * DEMO_COLS + col + 1, i = col0 + col, j = row0 + row;
            snprintf(plan->codes[k], sizeof plan->codes[k], "%s%03d", community->code, seq);
            snprintf(plan->names[k], sizeof plan->names[k], "%s第%02d网格", community->name, seq);
            snprintf(plan->zones[k], sizeof plan->zones[k], "%s第%d责任网格", community->name,
                     row / 2 + 1);
            // Counter-clockwise from the south-west corner.
            struct geo_point *ring = plan->rings[k];
            ring[0] = vertex(i, j + 1);
            ring[1] = vertex(i + 1, j + 1);
            ring[2] = vertex(i + 1, j);
            ring[3] = vertex(i, j);
            ring[4] = vertex(i, j + 1);
            plan->cells[k] = (struct store_grid_new){
                plan->codes[k], community->code, plan->names[k], plan->zones[k], ring, 5};
        }
    }
}

_Static_assert(COUNT_OF(DEPARTMENTS) <= 16, "DEMO_UNITS_MAX counts 16 district departments");

static void plan_city(struct demo_plan *plan, struct demo_counts *counts)
{
    plan_unit(plan, "city", "4409", "茂名市", "Maoming", NULL, NULL);
    plan_unit(plan, "district", "440902", "茂南区", "Maonan District", "4409", NULL);
    for (size_t d = 0; d < COUNT_OF(DEPARTMENTS); d++)
        plan_unit(plan, "department", DEPARTMENTS[d].code, DEPARTMENTS[d].name,
                  DEPARTMENTS[d].name_en, "440902", DEPARTMENTS[d].kind);
    counts->departments = (int)COUNT_OF(DEPARTMENTS) + DEMO_STREETS;
    for (int s = 0; s < DEMO_STREETS; s++) {
        const struct demo_place *street = &STREETS[s];
        plan_unit(plan, "street", street->code, street->name, street->name_en, "440902", NULL);
        plan_unit(plan, "department", OFFICES[s].code, OFFICES[s].name, OFFICES[s].name_en,
                  street->code, "street_office");
        for (int c = 0; c < DEMO_COMMUNITIES_PER_STREET; c++) {
            const struct demo_place *community = &COMMUNITIES[s][c];
            plan_unit(plan, "community", community->code, community->name, community->name_en,
                      street->code, NULL);
            plan_cells(plan, community, s * DEMO_COLS, c * DEMO_ROWS);
        }
    }
    counts->org_units = (int)plan->unit_count;
    counts->cells = (int)plan->cell_count;
}

// Creates the accounts and assigns inspectors and grid leaders to their cells.
static int create_users(struct store *store, const char *password_hash, struct demo_counts *counts)
{
    for (size_t u = 0; u < COUNT_OF(USERS); u++) {
        struct store_org_unit unit;
        if (store_org_unit_find(store, USERS[u].unit_code, &unit) != STORE_OK)
            return STORE_ERROR;
        struct store_user user = {.role = USERS[u].role, .org_unit_id = unit.id};
        snprintf(user.username, sizeof user.username, "%s", USERS[u].username);
        snprintf(user.display_name, sizeof user.display_name, "%s", USERS[u].display_name);
        int64_t user_id = 0;
        int rc = store_user_create(store, &user, password_hash, &user_id);
        if (rc != STORE_OK)
            return rc;
        counts->users++;
        int cells = 0;
        if (USERS[u].inspects != NULL &&
            (rc = store_grid_assign(store, USERS[u].inspects, user_id, false, &cells)) != STORE_OK)
            return rc;
        counts->assignments += cells;
        if (USERS[u].leads != NULL &&
            (rc = store_grid_assign(store, USERS[u].leads, user_id, true, NULL)) != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

static cJSON *summary_json(const struct demo_counts *counts)
{
    cJSON *summary = cJSON_CreateObject();
    cJSON_AddStringToObject(summary, "city", "4409");
    cJSON_AddStringToObject(summary, "district", "440902");
    cJSON_AddNumberToObject(summary, "org_units", counts->org_units);
    cJSON_AddNumberToObject(summary, "streets", DEMO_STREETS);
    cJSON_AddNumberToObject(summary, "communities", DEMO_STREETS * DEMO_COMMUNITIES_PER_STREET);
    cJSON_AddNumberToObject(summary, "departments", counts->departments);
    cJSON_AddNumberToObject(summary, "grid_cells", counts->cells);
    cJSON_AddNumberToObject(summary, "users", counts->users);
    cJSON_AddNumberToObject(summary, "inspector_assignments", counts->assignments);
    cJSON *users = cJSON_AddArrayToObject(summary, "usernames");
    for (size_t u = 0; u < COUNT_OF(USERS); u++)
        cJSON_AddItemToArray(users, cJSON_CreateString(USERS[u].username));
    return summary;
}

int demo_seed(struct store *store, const char *password_hash, cJSON **summary)
{
    struct demo_counts counts = {0};
    if (summary != NULL)
        *summary = NULL;
    struct demo_plan *plan = calloc(1, sizeof *plan);
    if (plan == NULL)
        return STORE_ERROR;
    plan_city(plan, &counts);
    int rc =
        store_places_create(store, plan->units, plan->unit_count, plan->cells, plan->cell_count);
    free(plan);
    if (rc == STORE_CONFLICT)
        return STORE_CONFLICT;
    if (rc != STORE_OK)
        return STORE_ERROR;
    if (create_users(store, password_hash, &counts) != STORE_OK)
        return STORE_ERROR;
    if (demo_gazetteer_seed(store) != STORE_OK || demo_frontage_seed(store) != STORE_OK)
        return STORE_ERROR;
    if (summary != NULL)
        *summary = summary_json(&counts);
    return STORE_OK;
}

int demo_seed_command(int argc, char **argv)
{
    struct cli_store_options common = {.data_dir = ".data"};
    bool if_empty = false;
    int history_days = DEMO_HISTORY_DAYS;
    const char *password = DEMO_DEFAULT_PASSWORD;
    const struct cli_option options[] = {
        CLI_STORE_OPTIONS(&common),
        {"--if-empty", NULL, CLI_BOOL, &if_empty, "do nothing when the database has users"},
        {"--password", "CHENGGUAN_DEMO_PASSWORD", CLI_STRING, &password,
         "password of every demo account (default " DEMO_DEFAULT_PASSWORD ")"},
        {"--history-days", NULL, CLI_INT, &history_days,
         "days of cases up to now to add, 0 to 3650 (default 120; 0: an empty city)"},
    };
    const char *positional[1];
    int positional_count = 0;
    int rc = cli_parse("seed-demo", "seed-demo [options]", options, COUNT_OF(options), argc, argv,
                       2, positional, 0, &positional_count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (history_days < 0 || history_days > 3650) {
        fprintf(stderr, "chengguan seed-demo: --history-days takes 0 to 3650\n");
        return 2;
    }
    const char *weak = auth_password_problem(password);
    if (weak != NULL) {
        fprintf(stderr, "chengguan seed-demo: %s\n", weak);
        return 2;
    }
    char path[PATH_MAX];
    struct store *store = cli_open_store(&common, true, path, sizeof path);
    if (store == NULL)
        return 1;
    int64_t users = store_user_count(store);
    if (if_empty && users != 0) {
        fprintf(stderr, "chengguan seed-demo: %s has users; nothing seeded\n",
                common.database_path);
        store_close(store);
        return users > 0 ? 0 : 1;
    }
    char hash[AUTH_HASH_SIZE];
    cJSON *summary = NULL;
    rc = auth_hash_password(password, hash) != 0 ? STORE_ERROR : demo_seed(store, hash, &summary);
    if (rc == STORE_OK && history_days > 0 &&
        demo_history(store, hash, history_days, summary) != STORE_OK)
        rc = STORE_ERROR;
    store_close(store);
    if (rc == STORE_CONFLICT)
        fprintf(stderr, "chengguan seed-demo: the demo city 4409 exists already\n");
    else if (rc != STORE_OK)
        fprintf(stderr, "chengguan seed-demo: seeding failed; see the log\n");
    char *printed = summary ? cJSON_Print(summary) : NULL;
    cJSON_Delete(summary);
    if (printed != NULL)
        printf("%s\n", printed);
    cJSON_free(printed);
    return rc == STORE_OK && printed != NULL ? 0 : 1;
}
