// SPDX-License-Identifier: MIT
// The four kinds of the bulk import: their columns and the checks of their
// rows (the one-row API's rules, setup_rules.h, plus duplicates in the file
// and in the store), then the store call with the good rows. Org units may
// name a parent anywhere in the file: they are accepted parent first.
#include "setup_import_rows.h"

#include "auth.h"
#include "jurisdiction.h"
#include "store.h"
#include "store_admin.h"
#include "store_import.h"
#include "store_places.h"
#include "store_users.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// ---- org units ----

enum { U_CODE, U_TYPE, U_NAME, U_NAME_EN, U_PARENT, U_KIND };

static const struct import_column UNIT_COLUMNS[] = {
    {"code", "代码", NULL, true, "440902001"},
    {"type", "类型", NULL, true, "street"},
    {"name", "名称", NULL, true, "红旗街道"},
    {"name_en", "英文名", NULL, false, "Hongqi Street"},
    {"parent_code", "上级代码", NULL, false, "440902"},
    {"department_kind", "部门类别", NULL, false, ""},
};

// The type named in English or Chinese, or NULL.
static const char *unit_type(const char *name)
{
    static const char *const TYPES[][3] = {
        {"city", "市", "城市"},      {"district", "区", "区县"},     {"street", "街道", "镇"},
        {"community", "社区", "村"}, {"department", "部门", "单位"},
    };
    for (size_t t = 0; t < sizeof TYPES / sizeof TYPES[0]; t++)
        for (size_t k = 0; k < 3; k++)
            if (strcasecmp(name, TYPES[t][k]) == 0)
                return TYPES[t][0];
    return NULL;
}

enum { PENDING, GOOD, BAD };

struct unit_state {
    const char **types;
    int *state;
    size_t *position; // its place in the store's array, when GOOD
    long *sorted;     // data rows by code, for the lookup of parents
    size_t accepted;
    struct store_import_unit *units;
};

static int by_code(const void *a, const void *b, void *data)
{
    long i = *(const long *)a, j = *(const long *)b;
    int c = strcmp(import_value(data, (size_t)i, U_CODE), import_value(data, (size_t)j, U_CODE));
    return c ? c : (i > j) - (i < j);
}

// The first data row whose code is code, or -1.
static long unit_lookup(struct import *im, const struct unit_state *s, const char *code)
{
    size_t lo = 0, hi = im->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(import_value(im, (size_t)s->sorted[mid], U_CODE), code) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < im->count && strcmp(import_value(im, (size_t)s->sorted[lo], U_CODE), code) == 0
               ? s->sorted[lo]
               : -1;
}

// Checks row i against its parent (NULL: none; parent_row >= 0 when in the
// file) and accepts it or marks it bad.
static void unit_finish(struct import *im, struct unit_state *s, size_t i,
                        const struct store_org_unit *parent, long parent_row)
{
    struct setup_problem problem;
    const char *type = s->types[i];
    const char *code = import_value(im, i, U_CODE);
    if (!setup_unit_nesting(type, parent, im->request->jurisdiction, &problem) ||
        !setup_unit_code(type, code, parent, &problem)) {
        import_fail_rule(im, i, &problem);
        s->state[i] = BAD;
        return;
    }
    struct store_import_unit *out = &s->units[s->accepted];
    memset(out, 0, sizeof *out);
    snprintf(out->unit.code, sizeof out->unit.code, "%s", code);
    snprintf(out->unit.type, sizeof out->unit.type, "%s", type);
    snprintf(out->unit.name, sizeof out->unit.name, "%s", import_value(im, i, U_NAME));
    snprintf(out->unit.name_en, sizeof out->unit.name_en, "%s", import_value(im, i, U_NAME_EN));
    snprintf(out->unit.department_kind, sizeof out->unit.department_kind, "%s",
             import_value(im, i, U_KIND));
    out->parent_index = parent_row >= 0 ? (long)s->position[parent_row] : -1;
    out->unit.parent_id = parent_row < 0 && parent ? parent->id : 0;
    s->position[i] = s->accepted++;
    s->state[i] = GOOD;
}

// Tries to place row i. Returns true when it is no longer pending.
static bool unit_place(struct import *im, struct unit_state *s, size_t i)
{
    const char *parent_code = import_value(im, i, U_PARENT);
    if (parent_code[0] == '\0') {
        unit_finish(im, s, i, NULL, -1);
        return true;
    }
    long row = unit_lookup(im, s, parent_code);
    struct store_org_unit parent;
    bool stored = store_org_unit_find(im->store, parent_code, &parent) == STORE_OK;
    // A rejected row naming a stored unit (a duplicate of it) leaves the stored one.
    if (row >= 0 && (size_t)row != i && !(stored && s->state[row] == BAD)) {
        if (s->state[row] == PENDING)
            return false;
        if (s->state[row] == BAD) {
            import_fail(im, i, "parent_code", "unknown_parent",
                        "its parent %s (row %zu) is rejected", parent_code,
                        import_row_number(im, (size_t)row));
            s->state[i] = BAD;
            return true;
        }
        memset(&parent, 0, sizeof parent);
        snprintf(parent.code, sizeof parent.code, "%s", parent_code);
        snprintf(parent.type, sizeof parent.type, "%s", s->types[row]);
        unit_finish(im, s, i, &parent, row);
        return true;
    }
    if (!stored || !setup_unit_reachable(im->store, im->request->jurisdiction, &parent)) {
        import_fail(im, i, "parent_code", "unknown_parent",
                    "no org unit %s in the file or inside your jurisdiction", parent_code);
        s->state[i] = BAD;
        return true;
    }
    unit_finish(im, s, i, &parent, -1);
    return true;
}

// The checks of a row that need no parent.
static void unit_check(struct import *im, struct unit_state *s, size_t i)
{
    struct setup_problem problem;
    const char *code = import_value(im, i, U_CODE);
    struct store_org_unit existing;
    s->types[i] = unit_type(import_value(im, i, U_TYPE));
    if (s->types[i] == NULL)
        import_fail(im, i, "type", "invalid_field",
                    "type must be city, district, street, community or department (市, 区, "
                    "街道, 社区 or 部门)");
    else if (!setup_unit_kind(s->types[i], import_optional(im, i, U_KIND), &problem) ||
             !setup_unit_name(import_value(im, i, U_NAME), &problem))
        import_fail_rule(im, i, &problem);
    else if (strlen(import_value(im, i, U_NAME)) > 127 ||
             strlen(import_value(im, i, U_NAME_EN)) > 127)
        import_fail(im, i, strlen(import_value(im, i, U_NAME)) > 127 ? "name" : "name_en",
                    "invalid_field", "a name is at most 127 bytes");
    else if (strlen(code) > STORE_ORG_CODE_MAX)
        import_fail(im, i, "code", "bad_code", "a code has at most %d characters",
                    STORE_ORG_CODE_MAX);
    else if (store_org_unit_find(im->store, code, &existing) == STORE_OK)
        import_fail(im, i, "code", "duplicate", "the code %s is taken (%s)", code, existing.name);
}

static int run_units(struct import *im)
{
    struct unit_state s = {0};
    s.types = calloc(im->count + 1, sizeof *s.types);
    s.state = calloc(im->count + 1, sizeof *s.state);
    s.position = calloc(im->count + 1, sizeof *s.position);
    s.sorted = calloc(im->count + 1, sizeof *s.sorted);
    s.units = calloc(im->count + 1, sizeof *s.units);
    int rc = STORE_ERROR;
    if (!s.types || !s.state || !s.position || !s.sorted || !s.units)
        goto done;
    char **keys = calloc(im->count + 1, sizeof *keys);
    if (keys == NULL)
        goto done;
    for (size_t i = 0; i < im->count; i++)
        keys[i] = (char *)import_value(im, i, U_CODE);
    import_duplicates(im, keys, "code", false);
    free(keys);
    for (size_t i = 0; i < im->count; i++) {
        s.sorted[i] = (long)i;
        unit_check(im, &s, i);
        s.state[i] = im->problems[i].bad ? BAD : PENDING;
    }
    qsort_r(s.sorted, im->count, sizeof *s.sorted, by_code, im);
    for (bool progress = true; progress;) {
        progress = false;
        for (size_t i = 0; i < im->count; i++)
            if (s.state[i] == PENDING && unit_place(im, &s, i))
                progress = true;
    }
    for (size_t i = 0; i < im->count; i++)
        if (s.state[i] == PENDING)
            import_fail(im, i, "parent_code", "unknown_parent",
                        "its parent chain loops back to it within the file");
    rc = STORE_OK;
    if (import_storing(im) && s.accepted > 0)
        rc = store_import_org_units(im->store, im->request->actor, s.units, s.accepted,
                                    import_summary(im, s.accepted), NULL);
done:
    free(s.types);
    free(s.state);
    free(s.position);
    free(s.sorted);
    free(s.units);
    return rc;
}

// ---- accounts ----

enum { A_USERNAME, A_ROLE, A_ORG, A_NAME, A_PHONE, A_PASSWORD };

static const struct import_column USER_COLUMNS[] = {
    {"username", "用户名", NULL, true, "zhang.wei"},
    {"role", "角色", NULL, true, "inspector"},
    {"org", "单位代码", "org_unit_code", true, "440902001"},
    {"name", "姓名", "display_name", true, "张伟"},
    {"phone", "电话", NULL, false, "13800000000"},
    {"password", "初始密码", "密码", false, ""},
};

// A new password of 16 letters and digits without look-alikes, into out (17 bytes).
static void generate_password(char out[17])
{
    static const char ALPHABET[] = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY346789";
    for (size_t i = 0; i < 16; i++)
        out[i] = ALPHABET[randombytes_uniform(sizeof ALPHABET - 1)];
    out[16] = '\0';
}

// Checks row i into *user (password: the given one or NULL).
static void user_check(struct import *im, size_t i, struct store_user *user)
{
    struct setup_problem problem;
    const char *username = import_value(im, i, A_USERNAME);
    const char *name = import_value(im, i, A_NAME), *phone = import_value(im, i, A_PHONE);
    const char *password = import_optional(im, i, A_PASSWORD);
    const char *weak = password ? auth_password_problem(password) : NULL;
    struct store_user existing;
    char hash[AUTH_HASH_SIZE];
    if (!setup_username(username, &problem) ||
        !setup_role(import_value(im, i, A_ROLE), &user->role, &problem) ||
        !setup_user_unit(im->store, im->request->jurisdiction, import_value(im, i, A_ORG),
                         &user->org_unit_id, &problem))
        import_fail_rule(im, i, &problem);
    else if (name[0] == '\0' || strlen(name) >= sizeof user->display_name)
        import_fail(im, i, "name", "invalid_field", "a name is 1 to 127 bytes");
    else if (strlen(phone) >= sizeof user->phone)
        import_fail(im, i, "phone", "invalid_field", "a phone number is at most 31 characters");
    else if (weak != NULL)
        import_fail(im, i, "password", "invalid_field", "%s", weak);
    else if (store_user_get_by_username(im->store, username, &existing, hash, sizeof hash) ==
             STORE_OK)
        import_fail(im, i, "username", "duplicate", "the username %s is taken", username);
    snprintf(user->username, sizeof user->username, "%s", username);
    snprintf(user->display_name, sizeof user->display_name, "%s", name);
    snprintf(user->phone, sizeof user->phone, "%s", phone);
}

// Hashing passwords (Argon2id, about 0.1 s and 64 MiB each) on this many threads at most.
#define HASH_THREADS_MAX 4

struct hash_work {
    const char *const *passwords;
    char (*hashes)[AUTH_HASH_SIZE];
    size_t n, first, step;
    int failed;
};

static void *hash_thread(void *data)
{
    struct hash_work *w = data;
    for (size_t k = w->first; k < w->n && !w->failed; k += w->step)
        if (auth_hash_password(w->passwords[k], w->hashes[k]) != 0)
            w->failed = 1;
    return NULL;
}

// Hashes the passwords of the n accepted rows (rows[k] is the data row) on
// up to one thread per core, generating the missing ones into
// im->passwords. Returns 0 or -1.
static int user_hashes(struct import *im, const size_t *rows, size_t n,
                       char (*hashes)[AUTH_HASH_SIZE])
{
    const char **passwords = calloc(n, sizeof *passwords);
    char(*generated)[17] = calloc(n, sizeof *generated);
    int rc = passwords && generated ? 0 : -1;
    for (size_t k = 0; k < n && rc == 0; k++) {
        passwords[k] = import_optional(im, rows[k], A_PASSWORD);
        if (passwords[k] != NULL)
            continue;
        generate_password(generated[k]);
        passwords[k] = generated[k];
        cJSON *item = cJSON_CreateObject();
        cJSON_AddNumberToObject(item, "row", (double)import_row_number(im, rows[k]));
        cJSON_AddStringToObject(item, "username", import_value(im, rows[k], A_USERNAME));
        cJSON_AddStringToObject(item, "password", generated[k]);
        cJSON_AddItemToArray(im->passwords, item);
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t threads = cores < 1 ? 1 : cores > HASH_THREADS_MAX ? HASH_THREADS_MAX : (size_t)cores;
    if (threads > n)
        threads = n;
    struct hash_work work[HASH_THREADS_MAX];
    pthread_t ids[HASH_THREADS_MAX];
    size_t started = 0;
    for (size_t t = 0; t < threads && rc == 0; t++) {
        work[t] = (struct hash_work){passwords, hashes, n, t, threads, 0};
        if (t > 0 && pthread_create(&ids[t], NULL, hash_thread, &work[t]) != 0)
            break;
        started = t + 1;
    }
    if (started > 0)
        hash_thread(&work[0]); // this thread takes the first share
    for (size_t t = 1; t < started; t++)
        pthread_join(ids[t], NULL);
    for (size_t t = 0; t < started; t++)
        rc |= work[t].failed ? -1 : 0;
    if (started > 0 && started < threads) // a thread would not start: hash its share here
        for (size_t t = started; t < threads; t++) {
            work[t] = (struct hash_work){passwords, hashes, n, t, threads, 0};
            hash_thread(&work[t]);
            rc |= work[t].failed ? -1 : 0;
        }
    if (generated != NULL)
        sodium_memzero(generated, n * sizeof *generated);
    free(passwords);
    free(generated);
    return rc;
}

static int run_users(struct import *im)
{
    struct store_user *users = calloc(im->count + 1, sizeof *users);
    char **keys = calloc(im->count + 1, sizeof *keys);
    size_t *rows = calloc(im->count + 1, sizeof *rows);
    char(*hashes)[AUTH_HASH_SIZE] = calloc(im->count + 1, sizeof *hashes);
    const char **hash_list = calloc(im->count + 1, sizeof *hash_list);
    int rc = STORE_ERROR;
    if (!users || !keys || !rows || !hashes || !hash_list)
        goto done;
    for (size_t i = 0; i < im->count; i++)
        keys[i] = (char *)import_value(im, i, A_USERNAME);
    import_duplicates(im, keys, "username", true);
    size_t n = 0;
    for (size_t i = 0; i < im->count; i++) {
        user_check(im, i, &users[n]);
        if (!im->problems[i].bad)
            rows[n++] = i;
    }
    rc = STORE_OK;
    if (!import_storing(im) || n == 0)
        goto done;
    im->passwords = cJSON_CreateArray();
    if (user_hashes(im, rows, n, hashes) != 0) {
        rc = STORE_ERROR;
        goto done;
    }
    for (size_t k = 0; k < n; k++)
        hash_list[k] = hashes[k];
    rc = store_import_users(im->store, im->request->actor, users, hash_list, n,
                            import_summary(im, n));
done:
    if (hashes != NULL)
        sodium_memzero(hashes, (im->count + 1) * sizeof *hashes);
    free(users);
    free(keys);
    free(rows);
    free(hashes);
    free(hash_list);
    return rc;
}

// ---- routing ----

enum { R_STREET, R_CATEGORY, R_DEPARTMENT, R_TREE };

static const struct import_column ROUTING_COLUMNS[] = {
    {"street", "街道", NULL, true, "440902001"},
    {"category", "类别", "category_code", true, "0101"},
    {"department", "部门", NULL, true, "440902-D01"},
    {"tree", "分类树", NULL, false, "event"},
};

static int run_routing(struct import *im)
{
    struct store_route *routes = calloc(im->count + 1, sizeof *routes);
    char **keys = calloc(im->count + 1, sizeof *keys);
    char *key_text = calloc(im->count + 1, 48);
    int rc = STORE_ERROR;
    if (!routes || !keys || !key_text)
        goto done;
    size_t n = 0;
    for (size_t i = 0; i < im->count; i++) {
        struct setup_problem problem;
        if (!setup_route(im->store, im->request->jurisdiction, import_value(im, i, R_STREET),
                         import_value(im, i, R_CATEGORY), import_optional(im, i, R_TREE),
                         import_value(im, i, R_DEPARTMENT), &routes[i], &problem)) {
            import_fail_rule(im, i, &problem);
            continue;
        }
        keys[i] = key_text + i * 48;
        snprintf(keys[i], 48, "%lld/%lld", (long long)routes[i].street_id,
                 (long long)routes[i].category_id);
    }
    import_duplicates(im, keys, "category", false);
    for (size_t i = 0; i < im->count; i++)
        if (!im->problems[i].bad)
            routes[n++] = routes[i];
    rc = STORE_OK;
    if (import_storing(im) && n > 0)
        rc = store_import_routing(im->store, im->request->actor, routes, n, import_summary(im, n));
done:
    free(routes);
    free(keys);
    free(key_text);
    return rc;
}

// ---- grid assignments ----

enum { G_GRID, G_INSPECTORS, G_ZONE, G_LEADER };

static const struct import_column ASSIGNMENT_COLUMNS[] = {
    {"grid", "网格", NULL, true, "440902001001001"},
    {"inspectors", "巡查员", NULL, false, "li.na;wang.fang"},
    {"patrol_zone", "片区", NULL, false, "A"},
    {"leader", "网格长", NULL, false, "zhou.min"},
};

#define CELL_INSPECTORS_MAX 200

// The id of the enabled account username that may serve the cell (inspectors_only:
// as an inspector, else as its leader), or 0 with row i marked bad.
static int64_t cell_user(struct import *im, size_t i, const char *username,
                         const struct store_grid_admin *cell, bool inspectors_only)
{
    struct store_user user;
    char hash[AUTH_HASH_SIZE];
    const char *field = inspectors_only ? "inspectors" : "leader";
    if (store_user_get_by_username(im->store, username, &user, hash, sizeof hash) != STORE_OK) {
        import_fail(im, i, field, "unknown_user", "no user %s", username);
        return 0;
    }
    if (!setup_user_fits_cell(im->store, user.id, cell, inspectors_only)) {
        import_fail(im, i, field, "invalid_field",
                    inspectors_only ? "%s is no enabled inspector whose place holds cell %s"
                                    : "%s is no enabled staff account (not a department's) whose "
                                      "place holds cell %s",
                    username, cell->code);
        return 0;
    }
    return user.id;
}

// Reads the inspectors of row i (usernames separated by ; 、 , or their
// full-width forms) into ids. Returns their count.
static size_t cell_inspectors(struct import *im, size_t i, const struct store_grid_admin *cell,
                              int64_t *ids)
{
    char list[TABLE_MAX_CELL + 1];
    snprintf(list, sizeof list, "%s", import_value(im, i, G_INSPECTORS));
    static const char *const SEPARATORS[] = {"、", "；", "，"};
    for (size_t s = 0; s < 3; s++)
        for (char *p = strstr(list, SEPARATORS[s]); p != NULL; p = strstr(p, SEPARATORS[s]))
            memcpy(p, ";  ", 3);
    size_t count = 0;
    char *save = NULL;
    for (char *name = strtok_r(list, ";, ", &save); name && !im->problems[i].bad;
         name = strtok_r(NULL, ";, ", &save)) {
        if (count == CELL_INSPECTORS_MAX) {
            import_fail(im, i, "inspectors", "invalid_field", "at most %d inspectors a cell",
                        CELL_INSPECTORS_MAX);
            break;
        }
        int64_t id = cell_user(im, i, name, cell, true);
        if (id > 0)
            ids[count++] = id;
    }
    return count;
}

// Checks row i into *out (its inspectors into ids).
static void assignment_check(struct import *im, size_t i, struct store_grid_assignment *out,
                             int64_t *ids)
{
    struct store_grid_admin cell;
    int64_t grid_id = 0;
    const char *code = import_value(im, i, G_GRID);
    const char *zone = import_optional(im, i, G_ZONE), *leader = import_optional(im, i, G_LEADER);
    if (store_grid_find(im->store, code, &grid_id) != STORE_OK ||
        store_grid_get(im->store, grid_id, &cell) != STORE_OK ||
        !jurisdiction_covers_path(im->request->jurisdiction, cell.place_path)) {
        import_fail(im, i, "grid", "unknown_grid", "no grid cell %s inside your jurisdiction",
                    code);
        return;
    }
    *out = (struct store_grid_assignment){
        .grid_id = grid_id, .patrol_zone = zone, .leader_user_id = -1, .inspector_ids = ids};
    out->set_inspectors = import_optional(im, i, G_INSPECTORS) != NULL;
    if (out->set_inspectors)
        out->inspector_count = cell_inspectors(im, i, &cell, ids);
    if (leader != NULL && !im->problems[i].bad)
        out->leader_user_id = cell_user(im, i, leader, &cell, false);
    if (zone != NULL && strlen(zone) > 63)
        import_fail(im, i, "patrol_zone", "invalid_field", "a patrol zone is at most 63 bytes");
    if (!out->set_inspectors && zone == NULL && leader == NULL)
        import_fail(im, i, "inspectors", "missing_field",
                    "nothing to assign: give inspectors, a patrol zone or a leader");
}

// Appends count ids to the growing array *all (*len used, *capacity
// allocated). Returns false when out of memory.
static bool ids_append(int64_t **all, size_t *len, size_t *capacity, const int64_t *ids,
                       size_t count)
{
    if (*len + count > *capacity) {
        size_t capacity_new = (*capacity ? *capacity * 2 : 1024) + count;
        int64_t *bigger = realloc(*all, capacity_new * sizeof *bigger);
        if (bigger == NULL)
            return false;
        *all = bigger;
        *capacity = capacity_new;
    }
    memcpy(*all + *len, ids, count * sizeof *ids);
    *len += count;
    return true;
}

static int run_assignments(struct import *im)
{
    struct store_grid_assignment *rows = calloc(im->count + 1, sizeof *rows);
    size_t *offsets = calloc(im->count + 1, sizeof *offsets);
    char **keys = calloc(im->count + 1, sizeof *keys);
    int64_t *all = NULL, ids[CELL_INSPECTORS_MAX];
    size_t len = 0, capacity = 0, n = 0;
    int rc = STORE_ERROR;
    if (!rows || !offsets || !keys)
        goto done;
    for (size_t i = 0; i < im->count; i++)
        keys[i] = (char *)import_value(im, i, G_GRID);
    import_duplicates(im, keys, "grid", false);
    for (size_t i = 0; i < im->count; i++) {
        if (im->problems[i].bad)
            continue;
        assignment_check(im, i, &rows[n], ids);
        if (im->problems[i].bad)
            continue;
        offsets[n] = len;
        if (!ids_append(&all, &len, &capacity, ids, rows[n].inspector_count))
            goto done;
        n++;
    }
    for (size_t k = 0; k < n; k++)
        rows[k].inspector_ids = all ? all + offsets[k] : NULL;
    rc = STORE_OK;
    if (import_storing(im) && n > 0)
        rc =
            store_import_assignments(im->store, im->request->actor, rows, n, import_summary(im, n));
done:
    free(rows);
    free(offsets);
    free(keys);
    free(all);
    return rc;
}

#define COLUMNS(list) list, sizeof list / sizeof list[0]

const struct import_kind_def IMPORT_KINDS[4] = {
    [SETUP_IMPORT_ORG_UNITS] = {"org-units", "org_units", COLUMNS(UNIT_COLUMNS), run_units},
    [SETUP_IMPORT_USERS] = {"users", "users", COLUMNS(USER_COLUMNS), run_users},
    [SETUP_IMPORT_ROUTING] = {"routing", "routing", COLUMNS(ROUTING_COLUMNS), run_routing},
    [SETUP_IMPORT_ASSIGNMENTS] = {"assignments", "assignments", COLUMNS(ASSIGNMENT_COLUMNS),
                                  run_assignments},
};
