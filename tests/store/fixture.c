// SPDX-License-Identifier: MIT
// The conformance suite's fixture: where each test's store lives (the
// CHENGGUAN_TEST_STORE template, "{n}" replaced by a name unique to the test),
// the tiny city it seeds through store_places_create and store_user_create, and
// the helpers every suite file shares. Speaks only the public store headers
// (a server engine's databases are made by its harness: server_databases.h).
#include "fixture.h"
#include "server_databases.h"

#include "log.h"
#include "store_calendar.h"
#include "store_categories.h"
#include "store_places.h"
#include "store_users.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CONFORMANCE_TMP
#define CONFORMANCE_TMP "tests/.tmp"
#endif
#define CONFORMANCE_ENV          "CHENGGUAN_TEST_STORE"
#define CONFORMANCE_TEMPLATE_ENV "CHENGGUAN_TEST_STORE_TEMPLATE" // set by the runner

struct store *store;
struct conf_city city;
char conf_data_dir[512];
static char location[512];

double conf_lon(int i)
{
    return (double)CONF_LON_E7(i) / 1e7;
}

double conf_lat(int j)
{
    return (double)CONF_LAT_E7(j) / 1e7;
}

const char *conf_location(void)
{
    return location;
}

bool conf_store_is_file(void)
{
    return strstr(location, "://") == NULL;
}

// Copies template into out with every "{n}" replaced by token.
static void expand(char *out, size_t size, const char *template, const char *token)
{
    size_t used = 0;
    for (const char *p = template; *p != '\0' && used + 1 < size;) {
        if (strncmp(p, "{n}", 3) == 0) {
            used += (size_t)snprintf(out + used, size - used, "%s", token);
            p += 3;
        } else {
            out[used++] = *p++;
        }
    }
    out[used < size ? used : size - 1] = '\0';
}

static void make_location(void)
{
    static unsigned serial;
    char token[64];
    mkdir(CONFORMANCE_TMP, 0750);
    const char *template = getenv(CONFORMANCE_ENV);
    if (template == NULL || template[0] == '\0')
        template = CONFORMANCE_TMP "/store-{n}.db";
    // A database name takes no '-' unquoted.
    snprintf(token, sizeof token, server_db_is_server(template) ? "%ld_%u" : "%ld-%u", (long)getpid(),
             serial++);
    cr_assert(strstr(template, "{n}") != NULL,
              CONFORMANCE_ENV " must contain {n} (every test needs a fresh store): %s", template);
    expand(location, sizeof location, template, token);
    snprintf(conf_data_dir, sizeof conf_data_dir, "%s/store-%s-data", CONFORMANCE_TMP, token);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

// ---- the city ----

// A closed axis-aligned ring from column west to east and row north to south.
static void ring_of(struct geo_point ring[5], int west, int east, int north, int south)
{
    ring[0] = (struct geo_point){conf_lon(west), conf_lat(north)};
    ring[1] = (struct geo_point){conf_lon(east), conf_lat(north)};
    ring[2] = (struct geo_point){conf_lon(east), conf_lat(south)};
    ring[3] = (struct geo_point){conf_lon(west), conf_lat(south)};
    ring[4] = ring[0];
}

static int64_t unit_id(const char *code)
{
    struct store_org_unit unit;
    cr_assert_eq(store_org_unit_find(store, code, &unit), STORE_OK, "no unit %s", code);
    return unit.id;
}

static int64_t user_id(const char *username)
{
    struct store_user user;
    char hash[128];
    cr_assert_eq(store_user_get_by_username(store, username, &user, hash, sizeof hash), STORE_OK,
                 "no user %s", username);
    return user.id;
}

static int64_t grid_at(double lon, double lat)
{
    struct store_grid_location where;
    cr_assert_eq(store_grid_locate(store, lon, lat, &where), STORE_OK);
    return where.grid_id;
}

static void add_user(const char *username, const char *name, enum role role, const char *unit)
{
    struct store_user user = {.role = role, .org_unit_id = unit_id(unit)};
    snprintf(user.username, sizeof user.username, "%s", username);
    snprintf(user.display_name, sizeof user.display_name, "%s", name);
    cr_assert_eq(store_user_create(store, &user, "$argon2id$not-a-real-hash", NULL), STORE_OK,
                 "user %s", username);
}

// Stores the city through store functions only.
static void seed_city(void)
{
    static const struct store_org_unit_new UNITS[] = {
        {"4409", "city", "茂名市", "Maoming", NULL, NULL},
        {"440902", "district", "茂南区", "Maonan", "4409", NULL},
        {"440902001", "street", "红旗街道", "Hongqi", "440902", NULL},
        {"440902002", "street", "河西街道", "Hexi", "440902", NULL},
        {"440902001001", "community", "站前社区", "Zhanqian", "440902001", NULL},
        {"440902002001", "community", "新华社区", "Xinhua", "440902002", NULL},
        {"440902-D01", "department", "茂南区市政工程管理所", "Municipal works", "440902",
         "municipal"},
        {"440902-D02", "department", "茂南区环境卫生管理所", "Sanitation", "440902", "sanitation"},
        {"440902001-D01", "department", "红旗街道办事处", "Hongqi office", "440902001",
         "street_office"},
        {"440902002-D01", "department", "河西街道办事处", "Hexi office", "440902002",
         "street_office"},
    };
    struct geo_point a1[5], a2[5], b1[5];
    ring_of(a1, 0, 1, 0, 1);
    ring_of(a2, 1, 2, 0, 1);
    ring_of(b1, 0, 1, 1, 2);
    const struct store_grid_new cells[] = {
        {"440902001001001", "440902001001", "站前一格", "Z1", a1, 5},
        {"440902001001002", "440902001001", "站前二格", "Z1", a2, 5},
        {"440902002001001", "440902002001", "新华一格", "X1", b1, 5},
    };
    cr_assert_eq(store_places_create(store, UNITS, COUNT_OF(UNITS), cells, COUNT_OF(cells)),
                 STORE_OK);
    add_user("inspector", "巡查员甲", ROLE_INSPECTOR, "440902001001");
    add_user("supervisor", "值班长", ROLE_SUPERVISOR, "440902");
    add_user("hongqi", "红旗派遣员", ROLE_SUPERVISOR, "440902001");
    add_user("operator", "接线员", ROLE_OPERATOR, "440902");
    add_user("leader", "局长", ROLE_LEADER, "440902");
    add_user("municipal", "市政所", ROLE_DEPARTMENT, "440902-D01");
    add_user("office1", "红旗街道办", ROLE_DEPARTMENT, "440902001-D01");
    add_user("admin", "管理员", ROLE_ADMIN, "4409");
}

// Reads the ids of the seeded city back through the store.
static void find_city(void)
{
    city.city = unit_id("4409");
    city.district = unit_id("440902");
    city.street1 = unit_id("440902001");
    city.street2 = unit_id("440902002");
    city.community_a = unit_id("440902001001");
    city.community_b = unit_id("440902002001");
    city.municipal = unit_id("440902-D01");
    city.sanitation = unit_id("440902-D02");
    city.office1 = unit_id("440902001-D01");
    city.office2 = unit_id("440902002-D01");
    double lon = (conf_lon(0) + conf_lon(1)) / 2, lat = (conf_lat(0) + conf_lat(1)) / 2;
    city.grid_a1 = grid_at(lon, lat);
    city.grid_a2 = grid_at(lon + 0.001, lat);
    city.grid_b1 = grid_at(lon, lat - 0.001);
    city.inspector = user_id("inspector");
    city.supervisor = user_id("supervisor");
    city.street1_supervisor = user_id("hongqi");
    city.operator_user = user_id("operator");
    city.leader = user_id("leader");
    city.municipal_user = user_id("municipal");
    city.office1_user = user_id("office1");
    city.admin = user_id("admin");
}

static struct store *open_at(const char *path)
{
    char err[256] = "";
    struct store_options options = {.path = path, .durable = false};
    struct store *opened = store_open(&options, err, sizeof err);
    cr_assert_not_null(opened, "store_open(%s): %s", path, err);
    return opened;
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wbx");
    cr_assert(in != NULL && out != NULL, "copy %s to %s: %s", from, to, strerror(errno));
    char buffer[1 << 16];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, in)) > 0)
        cr_assert_eq(fwrite(buffer, 1, n, out), n);
    cr_assert(!ferror(in));
    fclose(in);
    cr_assert_eq(fclose(out), 0);
}

// A file engine copies a seeded template made once per run (under a lock, by
// whichever test comes first) instead of migrating and seeding every time:
// the same store, a tenth of the time. Other engines migrate and seed per test.
static void open_from_template(const char *template)
{
    char lock_path[600];
    snprintf(lock_path, sizeof lock_path, "%s.lock", template);
    int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    cr_assert_geq(lock, 0, "%s: %s", lock_path, strerror(errno));
    cr_assert_eq(flock(lock, LOCK_EX), 0);
    if (access(template, F_OK) != 0) {
        char building[640];
        snprintf(building, sizeof building, "%s.building", template);
        unlink(building);
        store = open_at(building);
        seed_city();
        store_close(store);
        cr_assert_eq(rename(building, template), 0);
    }
    flock(lock, LOCK_UN);
    close(lock);
    copy_file(template, location);
    store = open_at(location);
}

// ---- a server engine: a database per test, copied from a seeded template ----

// The run's template database (the store template with {n} = the token the
// runner shares, "tmpl_<run>"): migrated and seeded through store_open once,
// under a lock, by whichever test comes first; each test's database is then a
// copy of it (CREATE DATABASE ... TEMPLATE), the same store in a fraction of
// the time.
static void server_open_from_template(const char *token)
{
    char template_location[512], building_location[600], building_token[96], lock_path[600];
    expand(template_location, sizeof template_location, getenv(CONFORMANCE_ENV), token);
    snprintf(building_token, sizeof building_token, "%s_building", token);
    expand(building_location, sizeof building_location, getenv(CONFORMANCE_ENV), building_token);
    snprintf(lock_path, sizeof lock_path, "%s/template-%s.lock", CONFORMANCE_TMP, token);
    int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    cr_assert_geq(lock, 0, "%s: %s", lock_path, strerror(errno));
    cr_assert_eq(flock(lock, LOCK_EX), 0);
    if (!server_db_exists(template_location)) {
        server_db_drop(building_location, false);
        server_db_create(building_location, NULL);
        store = open_at(building_location);
        seed_city();
        store_close(store);
        server_db_rename(building_location, template_location);
    }
    flock(lock, LOCK_UN);
    close(lock);
    unlink(lock_path);
    server_db_create(location, template_location);
    store = open_at(location);
}

// Drops the run's template database (and one a failed seed left), after the
// last test: outside every test, so a failure is only reported.
static void server_drop_template(const char *store_env, const char *token)
{
    char where[512], building_token[96];
    expand(where, sizeof where, store_env, token);
    server_db_drop(where, true);
    snprintf(building_token, sizeof building_token, "%s_building", token);
    expand(where, sizeof where, store_env, building_token);
    server_db_drop(where, true);
}

// The run's template, named by the runner before any test starts unless the
// caller names one to share between binaries (tests/run.sh does, and removes
// it): a file for SQLite, the token of a database name for PostgreSQL.
static bool template_owned;

ReportHook(PRE_ALL)(struct criterion_test_set *tests)
{
    (void)tests;
    const char *shared = getenv(CONFORMANCE_TEMPLATE_ENV);
    if (shared != NULL && shared[0] != '\0')
        return;
    char template[512];
    const char *store_env = getenv(CONFORMANCE_ENV);
    if (store_env != NULL && server_db_is_server(store_env))
        snprintf(template, sizeof template, "tmpl_%ld", (long)getpid());
    else
        snprintf(template, sizeof template, "%s/store-template-%ld.db", CONFORMANCE_TMP,
                 (long)getpid());
    setenv(CONFORMANCE_TEMPLATE_ENV, template, 1);
    template_owned = true;
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    const char *template = getenv(CONFORMANCE_TEMPLATE_ENV);
    if (!template_owned || template == NULL)
        return;
    const char *store_env = getenv(CONFORMANCE_ENV);
    if (store_env != NULL && server_db_is_server(store_env)) {
        server_drop_template(store_env, template);
        return;
    }
    char path[600];
    const char *suffixes[] = {"", ".lock", "-wal", "-shm"};
    for (size_t i = 0; i < COUNT_OF(suffixes); i++) {
        snprintf(path, sizeof path, "%s%s", template, suffixes[i]);
        unlink(path);
    }
}

void conf_setup(void)
{
    cr_assert(sodium_init() >= 0);
    log_set_level(LOG_ERROR);
    memset(&city, 0, sizeof city);
    make_location();
    const char *template = getenv(CONFORMANCE_TEMPLATE_ENV);
    if (conf_store_is_file() && template != NULL) {
        open_from_template(template);
    } else if (server_db_is_server(location) && template != NULL) {
        server_open_from_template(template);
    } else {
        store = open_at(location);
        seed_city();
    }
    find_city();
    cr_assert_eq(store_calendar_load(store, &city.calendar), STORE_OK);
    cr_assert_eq(mkdir(conf_data_dir, 0750), 0, "mkdir %s: %s", conf_data_dir, strerror(errno));
}

// Criterion reports an assertion (or even a crash) in .fini as a warning and
// still counts the test as passed, so the teardown's check would never fail a
// test. Instead the runner gives every test process a file (PRE_ALL); a test
// whose tallies are broken writes its name there, and POST_ALL turns each name
// into a failure in the synthesis (and so in the exit status).
#define TEARDOWN_LOG_ENV "CONF_TEARDOWN_FAILURES"
static char teardown_log[128];

ReportHook(PRE_ALL)(struct criterion_test_set *tests)
{
    (void)tests;
    snprintf(teardown_log, sizeof teardown_log, "/tmp/conf-teardown-%ld.log", (long)getpid());
    unlink(teardown_log);
    setenv(TEARDOWN_LOG_ENV, teardown_log, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    FILE *f = fopen(teardown_log, "r");
    if (f == NULL)
        return;
    char line[512];
    size_t failures = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        fprintf(stderr, "FAILED at teardown: %s", line);
        failures++;
    }
    fclose(f);
    unlink(teardown_log);
    stats->tests_failed += failures;
    stats->tests_passed -= failures < stats->tests_passed ? failures : stats->tests_passed;
}

static void teardown_failed(const char *why)
{
    const char *path = getenv(TEARDOWN_LOG_ENV);
    FILE *f = path != NULL ? fopen(path, "a") : NULL;
    const struct criterion_test *t = criterion_current_test;
    fprintf(f != NULL ? f : stderr, "%s::%s: %s\n", t ? t->category : "?", t ? t->name : "?", why);
    if (f != NULL)
        fclose(f);
}

void conf_teardown(void)
{
    // Whatever a test did through the store, the counts it keeps still equal a
    // recount of the cases.
    if (store != NULL && !store_tally_consistent(store))
        teardown_failed("the overview's counts do not equal a recount");
    store_close(store);
    store = NULL;
    if (server_db_is_server(location))
        server_db_drop(location, false);
    if (conf_store_is_file()) {
        char path[600];
        const char *suffixes[] = {"", "-wal", "-shm"};
        for (size_t i = 0; i < COUNT_OF(suffixes); i++) {
            snprintf(path, sizeof path, "%s%s", location, suffixes[i]);
            unlink(path);
        }
    }
    nftw(conf_data_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

// ---- cases ----

int64_t conf_category(const char *tree, const char *code)
{
    struct store_category category;
    cr_assert_eq(store_category_find(store, tree, code, &category), STORE_OK, "%s %s", tree, code);
    return category.id;
}

void conf_cell_centre(int64_t grid_id, double *lon, double *lat)
{
    int i = grid_id == city.grid_a2 ? 1 : 0, j = grid_id == city.grid_b1 ? 1 : 0;
    *lon = (conf_lon(i) + conf_lon(i + 1)) / 2;
    *lat = (conf_lat(j) + conf_lat(j + 1)) / 2;
}

void conf_intake(struct case_intake *intake, const char *description, int64_t grid_id)
{
    *intake = (struct case_intake){
        .source = "patrol",
        .description = description,
        .address = "站前路1号",
        .reporter_user_id = city.inspector,
        .actor_role = "inspector",
        .actor_name = "巡查员甲",
    };
    if (grid_id == 0)
        return;
    struct store_grid_location where;
    conf_cell_centre(grid_id, &intake->lon, &intake->lat);
    intake->has_location = true;
    cr_assert_eq(store_grid_locate(store, intake->lon, intake->lat, &where), STORE_OK);
    cr_assert_eq(where.grid_id, grid_id);
    intake->grid_id = where.grid_id;
    intake->community_id = where.community_id;
    intake->street_id = where.street_id;
    intake->district_id = where.district_id;
}

struct store_case conf_report(const char *description, int64_t grid_id, const char *tree,
                              const char *code)
{
    struct case_intake intake;
    conf_intake(&intake, description, grid_id);
    intake.category_id = tree != NULL ? conf_category(tree, code) : 0;
    struct store_case c;
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &c), STORE_OK, "%s",
                 description);
    return c;
}

struct store_case conf_get(int64_t id)
{
    struct store_case c;
    cr_assert_eq(store_case_get(store, id, &c), STORE_OK, "case %lld", (long long)id);
    return c;
}

int conf_act(struct store_case *c, int64_t user_id, struct case_transition t,
             struct case_refusal *refusal)
{
    struct store_user user = {.role = ROLE_SYSTEM};
    snprintf(user.display_name, sizeof user.display_name, "system");
    if (user_id > 0)
        cr_assert_eq(store_user_get(store, user_id, &user), STORE_OK);
    t.case_id = c->id;
    t.expected_version = c->version;
    t.actor_user_id = user_id;
    t.actor_role = user.role;
    t.actor_name = user.display_name;
    struct store_case next;
    int rc = store_case_transition(store, &city.calendar, &t, &next, refusal);
    if (rc == STORE_OK)
        *c = next;
    return rc;
}

void conf_must(struct store_case *c, int64_t user_id, struct case_transition t)
{
    struct case_refusal refusal = {.message = ""};
    int rc = conf_act(c, user_id, t, &refusal);
    cr_assert_eq(rc, STORE_OK, "%s on case %lld: result %d, %s", casefsm_action_name(t.action),
                 (long long)c->id, rc, refusal.message);
}

void conf_photo_bytes(unsigned char *data, size_t len, char hash_out[STORE_ATTACHMENT_HASH_LEN + 1])
{
    static unsigned serial;
    memset(data, 0xA5, len);
    snprintf((char *)data, len, "conformance photo %ld %u", (long)getpid(), serial++);
    store_attachment_hash(data, len, hash_out);
}

void conf_photo(int64_t case_id, const char *stage, int64_t user_id,
                char hash_out[STORE_ATTACHMENT_HASH_LEN + 1])
{
    unsigned char data[64];
    char hash[STORE_ATTACHMENT_HASH_LEN + 1];
    conf_photo_bytes(data, sizeof data, hash);
    cr_assert_eq(store_attachment_save_file(store, conf_data_dir, hash, data, sizeof data), 0);
    struct store_user user = {.role = ROLE_NONE};
    if (user_id > 0)
        cr_assert_eq(store_user_get(store, user_id, &user), STORE_OK);
    struct store_attachment_new photo = {
        .case_id = case_id,
        .hash = hash,
        .mime = "image/jpeg",
        .size = sizeof data,
        .stage = stage,
        .uploaded_by = user_id,
        .actor_role = user_id > 0 ? role_name(user.role) : "citizen",
        .actor_name = user_id > 0 ? user.display_name : "citizen",
    };
    struct store_attachment_outcome outcome;
    cr_assert_eq(store_attachment_add(store, &photo, &outcome), STORE_OK, "photo at %s", stage);
    store_attachment_release_file(store, conf_data_dir, hash);
    cr_assert(outcome.created);
    if (hash_out != NULL)
        memcpy(hash_out, hash, sizeof hash);
}

void conf_fix_on_the_spot(struct case_intake *intake)
{
    static char hashes[2][STORE_ATTACHMENT_HASH_LEN + 1];
    static struct case_intake_photo photos[2];
    static const char *const STAGES[2] = {"before", "after"};
    for (int i = 0; i < 2; i++) {
        unsigned char data[64];
        conf_photo_bytes(data, sizeof data, hashes[i]);
        cr_assert_eq(
            store_upload_add(store, intake->reporter_user_id, hashes[i], "image/jpeg", sizeof data),
            STORE_OK);
        photos[i] = (struct case_intake_photo){hashes[i], STAGES[i]};
    }
    intake->self_handled = true;
    intake->photos = photos;
    intake->photo_count = 2;
}

void conf_close(struct store_case *c)
{
    if (c->state == CASEFSM_STATE_REPORTED)
        conf_must(c, city.supervisor,
                  (struct case_transition){.action = CASEFSM_ACTION_ACCEPT,
                                           .category_id =
                                               c->category_id ? 0 : conf_category("event", "0102"),
                                           .urgent = -1});
    conf_must(c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.municipal});
    conf_must(c, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_SIGN});
    conf_photo(c->id, "after", city.municipal_user, NULL);
    conf_must(c, city.municipal_user,
              (struct case_transition){.action = CASEFSM_ACTION_HANDLE, .note = "已清理"});
    conf_photo(c->id, "check", city.inspector, NULL);
    conf_must(c, city.inspector, (struct case_transition){.action = CASEFSM_ACTION_CHECK_PASS});
    conf_must(c, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_CLOSE});
}

// ---- reading back ----

struct copy_events {
    struct store_case_event *out;
    size_t max, count;
};

static void copy_event(const struct store_case_event *event, void *data)
{
    struct copy_events *copy = data;
    if (copy->count < copy->max)
        copy->out[copy->count] = *event;
    copy->count++;
}

size_t conf_events(int64_t case_id, struct store_case_event *out, size_t max)
{
    struct copy_events copy = {out, out != NULL ? max : 0, 0};
    cr_assert_eq(store_case_events(store, case_id, copy_event, &copy), STORE_OK);
    return copy.count;
}

struct copy_stages {
    struct store_case_stage *out;
    size_t max, count;
};

static void copy_stage(const struct store_case_stage *stage, void *data)
{
    struct copy_stages *copy = data;
    if (copy->count < copy->max)
        copy->out[copy->count] = *stage;
    copy->count++;
}

size_t conf_stages(int64_t case_id, struct store_case_stage *out, size_t max)
{
    struct copy_stages copy = {out, out != NULL ? max : 0, 0};
    cr_assert_eq(store_case_stages(store, case_id, copy_stage, &copy), STORE_OK);
    return copy.count;
}

int64_t conf_audit_count(void)
{
    int64_t count = -1;
    cr_assert_eq(store_audit_verify(store, &count), 0, "the audit chain is broken");
    return count;
}

struct jurisdiction conf_jurisdiction(int64_t user_id)
{
    struct store_user user;
    cr_assert_eq(store_user_get(store, user_id, &user), STORE_OK);
    struct jurisdiction j;
    cr_assert(jurisdiction_init(&j, user.role, user.id, user.org_unit_id, user.scope_path),
              "user %s has a well-formed place", user.username);
    return j;
}

struct page_ids {
    int64_t *ids;
    size_t count;
};

static void collect_id(const struct store_case *c, void *data)
{
    struct page_ids *page = data;
    page->ids[page->count++] = c->id;
}

int conf_list_page(const struct store_case_filter *filter, int64_t *ids, size_t *count, bool *more,
                   struct store_case_cursor *next)
{
    struct page_ids page = {ids, 0};
    int rc = store_case_list(store, filter, collect_id, &page, more, next);
    *count = page.count;
    return rc;
}

int64_t conf_grid_id(const char *code)
{
    int64_t id = 0;
    cr_assert_eq(store_grid_find(store, code, &id), STORE_OK, "cell %s", code);
    return id;
}

int64_t conf_unit_id(const char *code)
{
    struct store_org_unit unit;
    cr_assert_eq(store_org_unit_find(store, code, &unit), STORE_OK, "unit %s", code);
    return unit.id;
}

size_t conf_list_all(struct store_case_filter filter, int64_t *ids, size_t max)
{
    size_t total = 0;
    struct store_case_cursor cursor;
    filter.after = NULL;
    for (int pages = 0; pages < 1000; pages++) {
        int64_t page[STORE_CASE_LIST_MAX];
        size_t count = 0;
        bool more = false;
        struct store_case_cursor next;
        cr_assert_eq(conf_list_page(&filter, page, &count, &more, &next), STORE_OK);
        cr_assert_leq(count, (size_t)filter.limit);
        cr_assert_leq(total + count, max, "more cases than expected");
        memcpy(ids + total, page, count * sizeof page[0]);
        total += count;
        if (!more)
            return total;
        cr_assert_eq(count, (size_t)filter.limit, "a page before the last one is full");
        cursor = next;
        filter.after = &cursor;
    }
    cr_assert_fail("the pages never end");
    return total;
}

bool conf_has(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}
