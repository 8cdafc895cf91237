// SPDX-License-Identifier: MIT
// The demo city as data (streets, communities, departments, accounts) and the
// code that lays its grid cells out as seamless 100 m blocks near 21.66 N
// 110.92 E and stores everything; plus the `chengguan seed-demo` command. The
// place names are real Maonan street names; communities and cells are invented.
#include "demo.h"

#include "auth.h"
#include "cli.h"
#include "grid_import.h"
#include "store.h"
#include "store_places.h"
#include "store_users.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
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

static int create_unit(struct store_tx *tx, const char *type, const char *code, const char *name,
                       const char *name_en, int64_t parent_id, const char *kind, int64_t *id,
                       struct demo_counts *counts)
{
    struct store_org_unit unit = {.parent_id = parent_id};
    snprintf(unit.code, sizeof unit.code, "%s", code);
    snprintf(unit.type, sizeof unit.type, "%s", type);
    snprintf(unit.name, sizeof unit.name, "%s", name);
    snprintf(unit.name_en, sizeof unit.name_en, "%s", name_en);
    snprintf(unit.department_kind, sizeof unit.department_kind, "%s", kind ? kind : "");
    int rc = store_org_unit_create_tx(tx, &unit, id);
    if (rc == STORE_OK)
        counts->org_units++;
    return rc;
}

// A grid vertex: column i (west to east) and row j (north to south) of the whole
// layout. Neighbours compute shared vertices from the same (i, j), so they are
// bit-identical and the cells are seamless.
static struct geo_point vertex(int i, int j)
{
    return (struct geo_point){(double)(DEMO_WEST_LON_E7 + i * DEMO_CELL_LON_E7) / 1e7,
                              (double)(DEMO_NORTH_LAT_E7 - j * DEMO_CELL_LAT_E7) / 1e7};
}

// Stores the COLS x ROWS cells of one community whose north-west cell is at
// layout column col0 and row row0.
static int create_cells(struct store_tx *tx, const struct demo_place *community,
                        int64_t community_id, int col0, int row0, struct demo_counts *counts)
{
    for (int row = 0; row < DEMO_ROWS; row++) {
        for (int col = 0; col < DEMO_COLS; col++) {
            int seq = row * DEMO_COLS + col + 1, i = col0 + col, j = row0 + row;
            char code[16], name[160], zone[160];
            snprintf(code, sizeof code, "%s%03d", community->code, seq);
            snprintf(name, sizeof name, "%s第%02d网格", community->name, seq);
            snprintf(zone, sizeof zone, "%s第%d责任网格", community->name, row / 2 + 1);
            // Counter-clockwise from the south-west corner.
            struct geo_point ring[5] = {vertex(i, j + 1), vertex(i + 1, j + 1), vertex(i + 1, j),
                                        vertex(i, j), vertex(i, j + 1)};
            struct store_grid_new cell = {code, community_id, name, zone, ring, 5};
            int rc = store_grid_tx_insert(tx, &cell, NULL);
            if (rc != STORE_OK)
                return rc;
            counts->cells++;
        }
    }
    return STORE_OK;
}

static int create_streets(struct store_tx *tx, int64_t district_id, struct demo_counts *counts)
{
    for (int s = 0; s < DEMO_STREETS; s++) {
        int64_t street_id = 0, community_id = 0;
        const struct demo_place *street = &STREETS[s];
        int rc = create_unit(tx, "street", street->code, street->name, street->name_en, district_id,
                             NULL, &street_id, counts);
        if (rc == STORE_OK)
            rc = create_unit(tx, "department", OFFICES[s].code, OFFICES[s].name, OFFICES[s].name_en,
                             street_id, "street_office", NULL, counts);
        if (rc != STORE_OK)
            return rc;
        counts->departments++;
        for (int c = 0; c < DEMO_COMMUNITIES_PER_STREET; c++) {
            const struct demo_place *community = &COMMUNITIES[s][c];
            rc = create_unit(tx, "community", community->code, community->name, community->name_en,
                             street_id, NULL, &community_id, counts);
            if (rc == STORE_OK)
                rc =
                    create_cells(tx, community, community_id, s * DEMO_COLS, c * DEMO_ROWS, counts);
            if (rc != STORE_OK)
                return rc;
        }
    }
    return STORE_OK;
}

static int places_job(struct store_tx *tx, void *data)
{
    struct demo_counts *counts = data;
    int64_t city_id = 0, district_id = 0;
    int rc = create_unit(tx, "city", "4409", "茂名市", "Maoming", 0, NULL, &city_id, counts);
    if (rc == STORE_OK)
        rc = create_unit(tx, "district", "440902", "茂南区", "Maonan District", city_id, NULL,
                         &district_id, counts);
    for (size_t d = 0; rc == STORE_OK && d < COUNT_OF(DEPARTMENTS); d++) {
        rc = create_unit(tx, "department", DEPARTMENTS[d].code, DEPARTMENTS[d].name,
                         DEPARTMENTS[d].name_en, district_id, DEPARTMENTS[d].kind, NULL, counts);
        counts->departments += rc == STORE_OK;
    }
    return rc == STORE_OK ? create_streets(tx, district_id, counts) : rc;
}

struct assign_job {
    int64_t user_ids[COUNT_OF(USERS)];
    struct demo_counts *counts;
};

static int assign_job(struct store_tx *tx, void *data)
{
    struct assign_job *job = data;
    for (size_t u = 0; u < COUNT_OF(USERS); u++) {
        int cells = 0;
        if (USERS[u].inspects != NULL) {
            int rc = store_grid_tx_assign(tx, USERS[u].inspects, job->user_ids[u], false, &cells);
            if (rc != STORE_OK)
                return rc;
            job->counts->assignments += cells;
        }
        if (USERS[u].leads != NULL) {
            int rc = store_grid_tx_assign(tx, USERS[u].leads, job->user_ids[u], true, NULL);
            if (rc != STORE_OK)
                return rc;
        }
    }
    return STORE_OK;
}

static int create_users(struct store *store, const char *password_hash, struct assign_job *job)
{
    for (size_t u = 0; u < COUNT_OF(USERS); u++) {
        struct store_org_unit unit;
        if (store_org_unit_find(store, USERS[u].unit_code, &unit) != STORE_OK)
            return STORE_ERROR;
        struct store_user user = {.role = USERS[u].role, .org_unit_id = unit.id};
        snprintf(user.username, sizeof user.username, "%s", USERS[u].username);
        snprintf(user.display_name, sizeof user.display_name, "%s", USERS[u].display_name);
        int rc = store_user_create(store, &user, password_hash, &job->user_ids[u]);
        if (rc != STORE_OK)
            return rc;
        job->counts->users++;
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
    struct assign_job job = {.counts = &counts};
    if (summary != NULL)
        *summary = NULL;
    int rc = store_write(store, places_job, &counts);
    if (rc == STORE_CONFLICT)
        return STORE_CONFLICT;
    if (rc != STORE_OK)
        return STORE_ERROR;
    rc = create_users(store, password_hash, &job);
    if (rc == STORE_OK)
        rc = store_write(store, assign_job, &job);
    if (rc != STORE_OK)
        return STORE_ERROR;
    if (summary != NULL)
        *summary = summary_json(&counts);
    return STORE_OK;
}

int demo_seed_command(int argc, char **argv)
{
    struct cli_store_options common = {.data_dir = ".data"};
    bool if_empty = false;
    const char *password = DEMO_DEFAULT_PASSWORD;
    const struct cli_option options[] = {
        CLI_STORE_OPTIONS(&common),
        {"--if-empty", NULL, CLI_BOOL, &if_empty, "do nothing when the database has users"},
        {"--password", "CHENGGUAN_DEMO_PASSWORD", CLI_STRING, &password,
         "password of every demo account (default " DEMO_DEFAULT_PASSWORD ")"},
    };
    const char *positional[1];
    int positional_count = 0;
    int rc = cli_parse("seed-demo", "seed-demo [options]", options, COUNT_OF(options), argc, argv,
                       2, positional, 0, &positional_count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
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
