// SPDX-License-Identifier: MIT
// SQL for places: org units with their materialised id paths and code rules, and
// grid cells (ring as JSON text, bounding box columns, R*Tree entry) with the
// point lookup, the jurisdiction-bounded listing and the write-job helpers that
// imports and seeds use.
#include "store_places.h"

#include "admin_audit.h"
#include "engine.h"
#include "jurisdiction.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_COLUMNS STORE_UNIT_COLUMNS

static const char *column_or_empty(struct store_stmt *stmt, int column)
{
    const char *text = store_col_text(stmt, column);
    return text ? text : "";
}

void store_org_unit_read(struct store_stmt *stmt, struct store_org_unit *out)
{
    memset(out, 0, sizeof *out);
    out->id = store_col_int64(stmt, 0);
    store_column_copy(out->code, sizeof out->code, stmt, 1);
    store_column_copy(out->type, sizeof out->type, stmt, 2);
    store_column_copy(out->name, sizeof out->name, stmt, 3);
    store_column_copy(out->name_en, sizeof out->name_en, stmt, 4);
    out->parent_id = store_col_int64(stmt, 5);
    store_column_copy(out->path, sizeof out->path, stmt, 6);
    store_column_copy(out->department_kind, sizeof out->department_kind, stmt, 7);
    out->disabled = store_col_int(stmt, 8) != 0;
}

// ---- code rules ----

static bool all_chars_in(const char *s, size_t len, const char *allowed)
{
    return strlen(s) == len && strspn(s, allowed) == len;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool parent_is(const struct store_org_unit *parent, const char *type)
{
    return parent != NULL && strcmp(parent->type, type) == 0;
}

// A city (prefecture) code: GB/T 2260's 6 digits ending "00" (440900), or the
// 4-digit prefix (4409) the demo city and older databases use.
static bool city_code_valid(const char *code)
{
    char district[8];
    bool six = all_chars_in(code, 6, "0123456789") && strcmp(code + 4, "00") == 0;
    if (!six && !all_chars_in(code, 4, "0123456789"))
        return false;
    if (code[2] == '0' && code[3] == '0')
        return false; // a province
    // A city code is a district code without its last two digits.
    snprintf(district, sizeof district, "%.4s01", code);
    return geo_district_code_valid(district);
}

static bool department_code_fits(const char *code, const struct store_org_unit *parent)
{
    if (!parent_is(parent, "city") && !parent_is(parent, "district") &&
        !parent_is(parent, "street"))
        return false;
    size_t len = strlen(code), plen = strlen(parent->code);
    if (len > STORE_ORG_CODE_MAX || len < plen + 3 || len > plen + 6 ||
        !starts_with(code, parent->code) || code[plen] != '-' || code[plen + 1] != 'D')
        return false;
    const char *rest = code + plen + 2;
    return all_chars_in(rest, strlen(rest), "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
}

bool store_org_unit_code_fits(const char *type, const char *code,
                              const struct store_org_unit *parent)
{
    if (type == NULL || code == NULL)
        return false;
    if (strcmp(type, "city") == 0)
        return parent == NULL && city_code_valid(code);
    if (strcmp(type, "district") == 0)
        return parent_is(parent, "city") && geo_district_code_valid(code) &&
               strncmp(code, parent->code, 4) == 0;
    if (strcmp(type, "street") == 0)
        return parent_is(parent, "district") && geo_street_code_valid(code) &&
               starts_with(code, parent->code);
    if (strcmp(type, "community") == 0)
        return parent_is(parent, "street") && geo_community_code_valid(code) &&
               starts_with(code, parent->code);
    if (strcmp(type, "department") == 0)
        return department_code_fits(code, parent);
    return false;
}

const char *store_org_unit_parent_type(const char *type)
{
    static const char *const NESTING[][2] = {{"city", ""},
                                             {"district", "city"},
                                             {"street", "district"},
                                             {"community", "street"},
                                             {"department", "city, district or street"}};
    for (size_t i = 0; type != NULL && i < sizeof NESTING / sizeof NESTING[0]; i++)
        if (strcmp(type, NESTING[i][0]) == 0)
            return NESTING[i][1];
    return NULL;
}

static bool kind_valid(const struct store_org_unit *unit)
{
    const char *kind = unit->department_kind;
    if (strcmp(unit->type, "department") != 0)
        return kind[0] == '\0';
    size_t len = strlen(kind);
    return len > 0 && len < sizeof unit->department_kind &&
           strspn(kind, "abcdefghijklmnopqrstuvwxyz_") == len;
}

// ---- org units ----

// Inserts one unit whose parent is unit->parent_id and sets its path; the
// contract of store_org_unit_create, inside a running write job.
int store_org_unit_insert_tx(struct store_tx *tx, const struct store_org_unit *unit, int64_t *id)
{
    static const char SQL_PARENT[] = "SELECT " UNIT_COLUMNS " FROM org_unit o WHERE o.id = :id";
    static const char SQL_INSERT[] =
        "INSERT INTO org_unit (code, type, name, name_en, parent_id, path, department_kind, "
        "created_at) VALUES (:code, :type, :name, :name_en, :parent, '', :kind, :now) "
        "RETURNING id";
    static const char SQL_PATH[] = "UPDATE org_unit SET path = :path WHERE id = :id";
    struct store_org_unit parent;
    bool has_parent = unit->parent_id != 0;
    if (has_parent) {
        struct store_stmt *stmt = store_tx_stmt(tx, SQL_PARENT);
        if (stmt == NULL)
            return STORE_ERROR;
        store_bind_int(stmt, ":id", unit->parent_id);
        int rc = store_step_row(stmt);
        if (rc == STORE_OK)
            store_org_unit_read(stmt, &parent);
        store_stmt_done(stmt);
        if (rc != STORE_OK)
            return rc == STORE_NOT_FOUND ? STORE_INVALID : rc;
    }
    if (unit->name[0] == '\0' || !kind_valid(unit) ||
        !store_org_unit_code_fits(unit->type, unit->code, has_parent ? &parent : NULL))
        return STORE_INVALID;
    struct store_stmt *insert = store_tx_stmt(tx, SQL_INSERT);
    struct store_stmt *update = store_tx_stmt(tx, SQL_PATH);
    if (insert == NULL || update == NULL)
        return STORE_ERROR;
    store_bind_text(insert, ":code", unit->code);
    store_bind_text(insert, ":type", unit->type);
    store_bind_text(insert, ":name", unit->name);
    store_bind_text(insert, ":name_en", unit->name_en);
    if (has_parent)
        store_bind_int(insert, ":parent", unit->parent_id);
    else
        store_bind_null(insert, ":parent");
    store_bind_text(insert, ":kind", unit->department_kind);
    store_bind_int(insert, ":now", store_now_ms());
    int rc = store_step(insert);
    int64_t new_id = store_col_int64(insert, 0);
    store_stmt_done(insert);
    if (rc != STORE_ROW)
        return rc == STORE_CONFLICT ? STORE_CONFLICT : STORE_ERROR;
    char path[sizeof parent.path];
    int len =
        snprintf(path, sizeof path, "%s%lld/", has_parent ? parent.path : "/", (long long)new_id);
    if (len < 0 || (size_t)len >= sizeof path)
        return STORE_INVALID; // too deep: the caller's job rolls the insert back
    store_bind_text(update, ":path", path);
    store_bind_int(update, ":id", new_id);
    rc = store_exec_stmt(update);
    if (rc == STORE_OK && id != NULL)
        *id = new_id;
    return rc;
}

struct unit_create_job {
    const struct store_org_unit *unit;
    int64_t id;
};

static int unit_create_job(struct store_tx *tx, void *data)
{
    struct unit_create_job *job = data;
    return store_org_unit_insert_tx(tx, job->unit, &job->id);
}

int store_org_unit_create(struct store *store, const struct store_org_unit *unit, int64_t *id)
{
    struct unit_create_job job = {unit, 0};
    int rc = store_write(store, unit_create_job, &job);
    if (rc == STORE_OK && id != NULL)
        *id = job.id;
    return rc;
}

static int unit_read_one(struct store *store, const char *sql, const char *name, int64_t id,
                         const char *code, struct store_org_unit *out)
{
    struct store_stmt *stmt = store_read_stmt(store, sql);
    if (stmt == NULL)
        return STORE_ERROR;
    if (code != NULL)
        store_bind_text(stmt, name, code);
    else
        store_bind_int(stmt, name, id);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        store_org_unit_read(stmt, out);
    store_stmt_done(stmt);
    return rc;
}

int store_org_unit_get(struct store *store, int64_t id, struct store_org_unit *out)
{
    static const char SQL[] = "SELECT " UNIT_COLUMNS " FROM org_unit o WHERE o.id = :id";
    return unit_read_one(store, SQL, ":id", id, NULL, out);
}

int store_org_unit_find(struct store *store, const char *code, struct store_org_unit *out)
{
    static const char SQL[] = "SELECT " UNIT_COLUMNS " FROM org_unit o WHERE o.code = :code";
    if (code == NULL)
        return STORE_NOT_FOUND;
    return unit_read_one(store, SQL, ":code", 0, code, out);
}

// The ids of a jurisdiction's place and the places above it (jurisdiction_place_chain),
// unused ones NULL: "parent_id IN " PLACE_CHAIN finds the departments of those places.
#define PLACE_CHAIN "(:up0, :up1, :up2, :up3, :up4, :up5, :up6, :up7)"
_Static_assert(JURISDICTION_DEPTH_MAX == 8, "PLACE_CHAIN holds JURISDICTION_DEPTH_MAX ids");

static void bind_place_chain(struct store_stmt *stmt, const struct jurisdiction *j)
{
    static const char *const NAMES[JURISDICTION_DEPTH_MAX] = {":up0", ":up1", ":up2", ":up3",
                                                              ":up4", ":up5", ":up6", ":up7"};
    int64_t ids[JURISDICTION_DEPTH_MAX];
    size_t n = jurisdiction_place_chain(j, ids);
    for (size_t i = 0; i < JURISDICTION_DEPTH_MAX; i++)
        store_bind_id(stmt, NAMES[i], i < n ? ids[i] : 0);
}

int store_org_unit_list(struct store *store, const struct store_org_unit_filter *filter,
                        void (*fn)(const struct store_org_unit *unit, void *data), void *data)
{
    // A department lies inside the range exactly when the place it belongs to does.
    static const char SQL[] =
        "SELECT " UNIT_COLUMNS " FROM org_unit o LEFT JOIN org_unit p ON p.id = o.parent_id "
        "WHERE (o.type = :type OR :type IS NULL) AND (p.code = :parent OR :parent IS NULL) "
        "AND ((o.path >= :scope_lo AND o.path < :scope_hi) "
        "OR (o.type = 'department' AND o.parent_id IN " PLACE_CHAIN ")) "
        "ORDER BY o.code";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    struct jurisdiction_range range;
    jurisdiction_place_range(filter->jurisdiction, &range);
    store_bind_text(stmt, ":type", filter->type);
    store_bind_text(stmt, ":parent", filter->parent_code);
    store_bind_range(stmt, &range);
    bind_place_chain(stmt, filter->jurisdiction);
    int rc;
    struct store_org_unit unit;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        store_org_unit_read(stmt, &unit);
        fn(&unit, data);
    }
    if (rc != STORE_DONE)
        log_error("store: listing org units: %s", store_stmt_error(stmt));
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

int store_department_for_place(struct store *store, const char *kind, int64_t place_id,
                               struct store_org_unit *out)
{
    // The place and the places above it by parent_id, nearest first (no path text).
    static const char SQL[] =
        "WITH RECURSIVE up (id, depth) AS (SELECT CAST(:place AS bigint), 0 UNION ALL "
        "SELECT u.parent_id, up.depth + 1 FROM org_unit u JOIN up ON u.id = up.id "
        "WHERE u.parent_id IS NOT NULL AND up.depth < 16) "
        "SELECT " UNIT_COLUMNS " FROM up JOIN org_unit o ON o.parent_id = up.id "
        "WHERE o.type = 'department' AND o.department_kind = :kind AND o.disabled = 0 "
        "ORDER BY up.depth, o.code LIMIT 1";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":place", place_id);
    store_bind_text(stmt, ":kind", kind ? kind : "");
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        store_org_unit_read(stmt, out);
    store_stmt_done(stmt);
    return rc;
}

// ---- rings as JSON text ----

// Formats a coordinate with the fewest digits that read back to the same double,
// so stored rings keep shared vertices bit-identical.
static cJSON *exact_number(double value)
{
    char text[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, value);
        if (strtod(text, NULL) == value)
            break;
    }
    return cJSON_CreateRaw(text);
}

// Returns the ring as "[[lon,lat],...]" (free with cJSON_free), or NULL.
static char *ring_to_json(const struct geo_point *ring, size_t n)
{
    cJSON *array = cJSON_CreateArray();
    for (size_t i = 0; array != NULL && i < n; i++) {
        cJSON *pair = cJSON_CreateArray();
        if (pair == NULL || !cJSON_AddItemToArray(array, pair) ||
            !cJSON_AddItemToArray(pair, exact_number(ring[i].lon)) ||
            !cJSON_AddItemToArray(pair, exact_number(ring[i].lat))) {
            cJSON_Delete(array);
            array = NULL;
        }
    }
    char *text = array ? cJSON_PrintUnformatted(array) : NULL;
    cJSON_Delete(array);
    return text;
}

// Reads a stored ring into pts (max points). Returns the point count, or 0 when
// the text is not a ring (logged: stored rings are written by this file only).
static size_t ring_from_json(const char *text, struct geo_point *pts, size_t max)
{
    cJSON *array = cJSON_Parse(text ? text : "");
    size_t n = 0;
    const cJSON *pair;
    cJSON_ArrayForEach(pair, array)
    {
        const cJSON *lon = cJSON_GetArrayItem(pair, 0), *lat = cJSON_GetArrayItem(pair, 1);
        if (n == max || !cJSON_IsNumber(lon) || !cJSON_IsNumber(lat)) {
            n = 0;
            break;
        }
        pts[n++] = (struct geo_point){lon->valuedouble, lat->valuedouble};
    }
    cJSON_Delete(array);
    if (n == 0)
        log_error("store: a stored grid ring is unreadable");
    return n;
}

// ---- grid cells: reads ----

static void read_location(struct store_stmt *stmt, struct store_grid_location *out)
{
    memset(out, 0, sizeof *out);
    out->grid_id = store_col_int64(stmt, 0);
    store_column_copy(out->grid_code, sizeof out->grid_code, stmt, 1);
    store_column_copy(out->grid_name, sizeof out->grid_name, stmt, 2);
    out->community_id = store_col_int64(stmt, 4);
    store_column_copy(out->community_code, sizeof out->community_code, stmt, 5);
    store_column_copy(out->community_name, sizeof out->community_name, stmt, 6);
    out->street_id = store_col_int64(stmt, 7);
    store_column_copy(out->street_code, sizeof out->street_code, stmt, 8);
    store_column_copy(out->street_name, sizeof out->street_name, stmt, 9);
    out->district_id = store_col_int64(stmt, 10);
    store_column_copy(out->district_code, sizeof out->district_code, stmt, 11);
    store_column_copy(out->district_name, sizeof out->district_name, stmt, 12);
    store_column_copy(out->place_path, sizeof out->place_path, stmt, 13);
}

int store_grid_locate(struct store *store, double lon, double lat, struct store_grid_location *out)
{
    static const char SQL_SQLITE[] =
        "SELECT g.id, g.code, g.name, g.ring, c.id, c.code, c.name, s.id, s.code, s.name, "
        "d.id, d.code, d.name, c.path FROM grid_rtree r JOIN grid_cell g ON g.id = r.id "
        "JOIN org_unit c ON c.id = g.community_id JOIN org_unit s ON s.id = c.parent_id "
        "JOIN org_unit d ON d.id = s.parent_id "
        "WHERE r.min_lon <= :lon AND r.max_lon >= :lon AND r.min_lat <= :lat "
        "AND r.max_lat >= :lat ORDER BY g.id";
    // PostgreSQL has no R*Tree table: its GiST index is on the cell's own box.
    static const char SQL_POSTGRES[] =
        "SELECT g.id, g.code, g.name, g.ring, c.id, c.code, c.name, s.id, s.code, s.name, "
        "d.id, d.code, d.name, c.path FROM grid_cell g "
        "JOIN org_unit c ON c.id = g.community_id JOIN org_unit s ON s.id = c.parent_id "
        "JOIN org_unit d ON d.id = s.parent_id "
        "WHERE box(point(g.min_lon, g.min_lat), point(g.max_lon, g.max_lat)) @> "
        "point(:lon, :lat) ORDER BY g.id";
    if (isnan(lon) || isnan(lat))
        return STORE_NOT_FOUND;
    struct geo_point *ring = malloc(STORE_GRID_RING_MAX * sizeof *ring);
    struct store_stmt *stmt = store_read_stmt(store, store_sql(store, SQL_SQLITE, SQL_POSTGRES));
    if (ring == NULL || stmt == NULL) {
        free(ring);
        return STORE_ERROR;
    }
    store_bind_double(stmt, ":lon", lon);
    store_bind_double(stmt, ":lat", lat);
    int rc, result = STORE_NOT_FOUND;
    struct geo_point point = {lon, lat};
    while ((rc = store_step(stmt)) == STORE_ROW) {
        size_t n = ring_from_json(store_col_text(stmt, 3), ring, STORE_GRID_RING_MAX);
        if (n > 0 && geo_point_in_ring(point, ring, n)) {
            read_location(stmt, out);
            result = STORE_OK;
            break;
        }
    }
    if (rc != STORE_ROW && rc != STORE_DONE) {
        log_error("store: locating a grid cell: %s", store_stmt_error(stmt));
        result = STORE_ERROR;
    }
    store_stmt_done(stmt);
    free(ring);
    return result;
}

int store_grid_find(struct store *store, const char *code, int64_t *id)
{
    static const char SQL[] = "SELECT id FROM grid_cell WHERE code = :code";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":code", code);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        *id = store_col_int64(stmt, 0);
    store_stmt_done(stmt);
    return rc;
}

int store_grid_list(struct store *store, const struct store_grid_filter *filter,
                    void (*fn)(const struct store_grid_cell *cell, void *data), void *data)
{
    static const char SQL_SQLITE[] =
        "SELECT g.id, g.code, g.name, c.code, c.name, s.code, s.name, g.area_m2, g.patrol_zone, "
        "g.ring, (SELECT json_object('id', u.id, 'username', u.username, 'display_name', "
        "u.display_name) FROM app_user u WHERE u.id = g.leader_user_id), "
        "(SELECT json_group_array(json_object('id', x.id, 'username', x.username, "
        "'display_name', x.display_name)) FROM (SELECT u.id, u.username, u.display_name "
        "FROM grid_inspector gi JOIN app_user u ON u.id = gi.user_id WHERE gi.grid_id = g.id "
        "ORDER BY u.username) x) "
        "FROM grid_cell g JOIN org_unit c ON c.id = g.community_id "
        "JOIN org_unit s ON s.id = c.parent_id "
        "WHERE c.path >= :scope_lo AND c.path < :scope_hi "
        "AND (c.code = :community OR :community IS NULL) "
        "AND (:has_bbox = 0 OR (g.id IN (SELECT id FROM grid_rtree WHERE max_lon >= :min_lon "
        "AND min_lon <= :max_lon AND max_lat >= :min_lat AND min_lat <= :max_lat) "
        "AND g.max_lon >= :min_lon AND g.min_lon <= :max_lon AND g.max_lat >= :min_lat "
        "AND g.min_lat <= :max_lat)) ORDER BY g.code LIMIT :limit";
    // The same in PostgreSQL's JSON functions (json_agg of no rows is NULL, hence
    // the '[]'), with the box test on the cell's GiST index.
    static const char SQL_POSTGRES[] =
        "SELECT g.id, g.code, g.name, c.code, c.name, s.code, s.name, g.area_m2, g.patrol_zone, "
        "g.ring, (SELECT json_build_object('id', u.id, 'username', u.username, 'display_name', "
        "u.display_name) FROM app_user u WHERE u.id = g.leader_user_id), "
        "(SELECT coalesce(json_agg(json_build_object('id', u.id, 'username', u.username, "
        "'display_name', u.display_name) ORDER BY u.username), '[]') "
        "FROM grid_inspector gi JOIN app_user u ON u.id = gi.user_id WHERE gi.grid_id = g.id) "
        "FROM grid_cell g JOIN org_unit c ON c.id = g.community_id "
        "JOIN org_unit s ON s.id = c.parent_id "
        "WHERE c.path >= :scope_lo AND c.path < :scope_hi "
        "AND (c.code = :community OR :community IS NULL) "
        "AND (:has_bbox = 0 OR box(point(g.min_lon, g.min_lat), point(g.max_lon, g.max_lat)) "
        "&& box(point(:min_lon, :min_lat), point(:max_lon, :max_lat))) "
        "ORDER BY g.code LIMIT :limit";
    struct store_stmt *stmt = store_read_stmt(store, store_sql(store, SQL_SQLITE, SQL_POSTGRES));
    if (stmt == NULL)
        return STORE_ERROR;
    struct jurisdiction_range range;
    jurisdiction_place_range(filter->jurisdiction, &range);
    store_bind_range(stmt, &range);
    store_bind_text(stmt, ":community", filter->community_code);
    store_bind_int(stmt, ":has_bbox", filter->has_bbox ? 1 : 0);
    store_bind_double(stmt, ":min_lon", filter->has_bbox ? filter->min_lon : 0);
    store_bind_double(stmt, ":min_lat", filter->has_bbox ? filter->min_lat : 0);
    store_bind_double(stmt, ":max_lon", filter->has_bbox ? filter->max_lon : 0);
    store_bind_double(stmt, ":max_lat", filter->has_bbox ? filter->max_lat : 0);
    store_bind_int(stmt, ":limit", filter->limit);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct store_grid_cell cell = {
            .id = store_col_int64(stmt, 0),
            .code = column_or_empty(stmt, 1),
            .name = column_or_empty(stmt, 2),
            .community_code = column_or_empty(stmt, 3),
            .community_name = column_or_empty(stmt, 4),
            .street_code = column_or_empty(stmt, 5),
            .street_name = column_or_empty(stmt, 6),
            .area_m2 = store_col_double(stmt, 7),
            .patrol_zone = column_or_empty(stmt, 8),
            .ring_json = column_or_empty(stmt, 9),
            .leader_json = store_col_text(stmt, 10),
            .inspectors_json = column_or_empty(stmt, 11),
        };
        fn(&cell, data);
    }
    if (rc != STORE_DONE)
        log_error("store: listing grid cells: %s", store_stmt_error(stmt));
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

// ---- grid cells: imports, seeds and assignments ----

// The statement for sql (on PostgreSQL, postgres_sql) on the write job's
// connection (tx), or on the calling thread's read connection when tx is NULL
// (an import's checks before its job).
static struct store_stmt *place_stmt(struct store *store, struct store_tx *tx, const char *sql,
                                     const char *postgres_sql)
{
    return tx != NULL ? store_tx_stmt(tx, store_tx_sql(tx, sql, postgres_sql))
                      : store_read_stmt(store, store_sql(store, sql, postgres_sql));
}

// Finds the community with this code inside the jurisdiction (tx, or store's read
// connection when tx is NULL). Returns STORE_OK with *id set, STORE_NOT_FOUND or
// STORE_ERROR.
static int community_in_scope(struct store *store, struct store_tx *tx, const char *code,
                              const struct jurisdiction *jurisdiction, int64_t *id)
{
    static const char SQL[] = "SELECT id FROM org_unit WHERE code = :code AND type = 'community' "
                              "AND path >= :scope_lo AND path < :scope_hi";
    struct store_stmt *stmt = place_stmt(store, tx, SQL, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    struct jurisdiction_range range;
    jurisdiction_place_range(jurisdiction, &range);
    store_bind_text(stmt, ":code", code);
    store_bind_range(stmt, &range);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        *id = store_col_int64(stmt, 0);
    store_stmt_done(stmt);
    return rc;
}

// STORE_OK when a cell with this code exists, else STORE_NOT_FOUND or STORE_ERROR.
static int grid_exists(struct store *store, struct store_tx *tx, const char *code)
{
    static const char SQL[] = "SELECT 1 FROM grid_cell WHERE code = :code";
    struct store_stmt *stmt = place_stmt(store, tx, SQL, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":code", code);
    int rc = store_step_row(stmt);
    store_stmt_done(stmt);
    return rc;
}

// Which stored cells grid_candidates looks at: those whose bounding box meets
// the cell's, with after < id < before (0 and INT64_MAX: all).
struct grid_probe {
    const struct store_grid_new *cell;
    int64_t after, before;
};

// Calls fn(id, code, ring, n, data) for every stored cell the probe names, by id,
// until fn returns non-zero (then returned); on tx, or on store's read connection
// when tx is NULL. Returns STORE_OK after all candidates, fn's value, or STORE_ERROR.
static int grid_candidates(struct store *store, struct store_tx *tx, const struct grid_probe *probe,
                           int (*fn)(int64_t id, const char *code, const struct geo_point *ring,
                                     size_t n, void *data),
                           void *data)
{
    static const char SQL_SQLITE[] =
        "SELECT g.id, g.code, g.ring FROM grid_rtree r JOIN grid_cell g ON g.id = r.id "
        "WHERE r.max_lon >= :min_lon AND r.min_lon <= :max_lon AND r.max_lat >= :min_lat "
        "AND r.min_lat <= :max_lat AND g.id > :after AND g.id < :before ORDER BY g.id";
    static const char SQL_POSTGRES[] =
        "SELECT g.id, g.code, g.ring FROM grid_cell g "
        "WHERE box(point(g.min_lon, g.min_lat), point(g.max_lon, g.max_lat)) && "
        "box(point(:min_lon, :min_lat), point(:max_lon, :max_lat)) "
        "AND g.id > :after AND g.id < :before ORDER BY g.id";
    struct geo_point *ring = malloc(STORE_GRID_RING_MAX * sizeof *ring);
    struct store_stmt *stmt = place_stmt(store, tx, SQL_SQLITE, SQL_POSTGRES);
    if (ring == NULL || stmt == NULL) {
        free(ring);
        return STORE_ERROR;
    }
    double min_lon, min_lat, max_lon, max_lat;
    geo_ring_bbox(probe->cell->ring, probe->cell->ring_len, &min_lon, &min_lat, &max_lon, &max_lat);
    store_bind_int(stmt, ":after", probe->after);
    store_bind_int(stmt, ":before", probe->before);
    store_bind_double(stmt, ":min_lon", min_lon);
    store_bind_double(stmt, ":min_lat", min_lat);
    store_bind_double(stmt, ":max_lon", max_lon);
    store_bind_double(stmt, ":max_lat", max_lat);
    int rc, result = STORE_OK;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        size_t n = ring_from_json(store_col_text(stmt, 2), ring, STORE_GRID_RING_MAX);
        if (n == 0) {
            result = STORE_ERROR;
            break;
        }
        result = fn(store_col_int64(stmt, 0), column_or_empty(stmt, 1), ring, n, data);
        if (result != 0)
            break;
    }
    if (rc != STORE_ROW && rc != STORE_DONE) {
        log_error("store: grid candidates: %s", store_stmt_error(stmt));
        result = STORE_ERROR;
    }
    store_stmt_done(stmt);
    free(ring);
    return result;
}

// Inserts a cell of community_id with its area, bounding box and (SQLite)
// R*Tree entry; no overlap check. Returns STORE_OK, STORE_INVALID (ring
// length), STORE_CONFLICT (code taken) or STORE_ERROR. A code taken is not a
// failed statement (ON CONFLICT DO NOTHING): on PostgreSQL that would abort
// the whole transaction, and an import carries on after it.
static int grid_insert(struct store_tx *tx, const struct store_grid_new *cell, int64_t community_id,
                       int64_t *id)
{
    static const char SQL_CELL[] =
        "INSERT INTO grid_cell (code, community_id, name, ring, area_m2, patrol_zone, min_lon, "
        "min_lat, max_lon, max_lat, created_at) VALUES (:code, :community, :name, :ring, :area, "
        ":zone, :min_lon, :min_lat, :max_lon, :max_lat, :now) ON CONFLICT (code) DO NOTHING "
        "RETURNING id";
    static const char SQL_RTREE_SQLITE[] =
        "INSERT INTO grid_rtree (id, min_lon, max_lon, min_lat, max_lat) "
        "VALUES (:id, :min_lon, :max_lon, :min_lat, :max_lat)";
    if (cell->ring_len < 4 || cell->ring_len > STORE_GRID_RING_MAX)
        return STORE_INVALID;
    struct store_stmt *insert = store_tx_stmt(tx, SQL_CELL);
    // SQLite's R*Tree is a table of its own; PostgreSQL's GiST index is on the
    // cell's own box, so there is nothing more to insert there.
    const char *rtree_sql = store_tx_sql(tx, SQL_RTREE_SQLITE, NULL);
    struct store_stmt *rtree = rtree_sql != NULL ? store_tx_stmt(tx, rtree_sql) : NULL;
    char *ring = ring_to_json(cell->ring, cell->ring_len);
    if (insert == NULL || (rtree_sql != NULL && rtree == NULL) || ring == NULL) {
        cJSON_free(ring);
        return STORE_ERROR;
    }
    double min_lon, min_lat, max_lon, max_lat;
    geo_ring_bbox(cell->ring, cell->ring_len, &min_lon, &min_lat, &max_lon, &max_lat);
    store_bind_text(insert, ":code", cell->code);
    store_bind_int(insert, ":community", community_id);
    store_bind_text(insert, ":name", cell->name ? cell->name : "");
    store_bind_text(insert, ":ring", ring);
    store_bind_double(insert, ":area", geo_ring_area_m2(cell->ring, cell->ring_len));
    store_bind_text(insert, ":zone", cell->patrol_zone ? cell->patrol_zone : "");
    store_bind_double(insert, ":min_lon", min_lon);
    store_bind_double(insert, ":min_lat", min_lat);
    store_bind_double(insert, ":max_lon", max_lon);
    store_bind_double(insert, ":max_lat", max_lat);
    store_bind_int(insert, ":now", store_now_ms());
    int rc = store_step(insert);
    int64_t new_id = store_col_int64(insert, 0);
    store_stmt_done(insert);
    cJSON_free(ring);
    if (rc != STORE_ROW)
        return rc == STORE_DONE || rc == STORE_CONFLICT ? STORE_CONFLICT : STORE_ERROR;
    rc = STORE_OK;
    if (rtree != NULL) {
        store_bind_int(rtree, ":id", new_id);
        store_bind_double(rtree, ":min_lon", min_lon);
        store_bind_double(rtree, ":min_lat", min_lat);
        store_bind_double(rtree, ":max_lon", max_lon);
        store_bind_double(rtree, ":max_lat", max_lat);
        rc = store_exec_stmt(rtree);
    }
    if (rc == STORE_OK && id != NULL)
        *id = new_id;
    return rc;
}

static int grid_assign(struct store_tx *tx, const char *code_prefix, int64_t user_id,
                       bool as_leader, int *count)
{
    static const char SQL_INSPECTOR[] =
        "INSERT INTO grid_inspector (grid_id, user_id) SELECT id, :user FROM grid_cell "
        "WHERE substr(code, 1, length(:prefix)) = :prefix ON CONFLICT DO NOTHING";
    static const char SQL_LEADER[] = "UPDATE grid_cell SET leader_user_id = :user "
                                     "WHERE substr(code, 1, length(:prefix)) = :prefix";
    static const char SQL_COUNT[] =
        "SELECT count(*) FROM grid_cell WHERE substr(code, 1, length(:prefix)) = :prefix";
    struct store_stmt *inspector = store_tx_stmt(tx, SQL_INSPECTOR);
    struct store_stmt *leader = store_tx_stmt(tx, SQL_LEADER);
    struct store_stmt *counter = store_tx_stmt(tx, SQL_COUNT);
    if (inspector == NULL || leader == NULL || counter == NULL)
        return STORE_ERROR;
    store_bind_int(inspector, ":user", user_id);
    store_bind_text(inspector, ":prefix", code_prefix);
    int rc = store_exec_stmt(inspector);
    if (rc == STORE_OK && as_leader) {
        store_bind_int(leader, ":user", user_id);
        store_bind_text(leader, ":prefix", code_prefix);
        rc = store_exec_stmt(leader);
    }
    if (rc != STORE_OK)
        return rc;
    store_bind_text(counter, ":prefix", code_prefix);
    rc = store_step_row(counter);
    if (rc == STORE_OK && count != NULL)
        *count = store_col_int(counter, 0);
    store_stmt_done(counter);
    return rc;
}

struct grid_import_job {
    struct store *store;
    const struct store_grid_new *cells;
    size_t count;
    const struct jurisdiction *jurisdiction;
    bool keep_valid;
    struct store_grid_outcome *outcomes;
    int imported;
    const struct store_grid_new *current; // the cell whose overlaps are probed
    bool prechecked;                      // grid_import_precheck ran: outcomes hold its verdicts
    int64_t last_checked;                 // the highest stored id the checks before the job saw
};

static int overlap_probe(int64_t id, const char *code, const struct geo_point *ring, size_t n,
                         void *data)
{
    struct grid_import_job *job = data;
    if (!geo_rings_overlap(job->current->ring, job->current->ring_len, ring, n))
        return 0;
    struct store_grid_outcome *out = &job->outcomes[job->current - job->cells];
    out->overlap_id = id;
    snprintf(out->overlap_code, sizeof out->overlap_code, "%s", code);
    return 1;
}

// Checks cell i against the stored cells the probe names, on tx (or the read
// connection when tx is NULL): its community, its code and its overlaps. Sets
// the verdict and *community_id. Returns STORE_OK (a verdict) or STORE_ERROR.
static int grid_import_check(struct store_tx *tx, struct grid_import_job *job, size_t i,
                             struct grid_probe *probe, int64_t *community_id)
{
    const struct store_grid_new *cell = &job->cells[i];
    struct store_grid_outcome *out = &job->outcomes[i];
    int rc =
        community_in_scope(job->store, tx, cell->community_code, job->jurisdiction, community_id);
    if (rc == STORE_NOT_FOUND)
        out->verdict = STORE_GRID_UNKNOWN_COMMUNITY;
    if (rc != STORE_OK)
        return rc == STORE_NOT_FOUND ? STORE_OK : STORE_ERROR;
    rc = grid_exists(job->store, tx, cell->code);
    if (rc == STORE_OK)
        out->verdict = STORE_GRID_CODE_EXISTS;
    if (rc != STORE_NOT_FOUND)
        return rc == STORE_OK ? STORE_OK : STORE_ERROR;
    job->current = cell;
    probe->cell = cell;
    rc = grid_candidates(job->store, tx, probe, overlap_probe, job);
    if (rc == 1)
        out->verdict = STORE_GRID_OVERLAPS;
    return rc == STORE_OK || rc == 1 ? STORE_OK : STORE_ERROR;
}

// Checks and inserts one cell, recording the verdict. After the checks before
// the job, only the cells stored since (after job->last_checked and before this
// job's first, *first_own) are probed for overlaps. Returns STORE_OK (stored or
// refused) or STORE_ERROR.
static int grid_import_one(struct store_tx *tx, struct grid_import_job *job, size_t i,
                           int64_t *first_own)
{
    struct store_grid_outcome *out = &job->outcomes[i];
    struct grid_probe probe = {NULL, job->prechecked ? job->last_checked : 0,
                               *first_own > 0 ? *first_own : INT64_MAX};
    int64_t community_id = 0;
    if (grid_import_check(tx, job, i, &probe, &community_id) != STORE_OK)
        return STORE_ERROR;
    if (out->verdict != STORE_GRID_IMPORTED)
        return STORE_OK;
    int rc = grid_insert(tx, &job->cells[i], community_id, &out->grid_id);
    if (rc == STORE_CONFLICT)
        out->verdict = STORE_GRID_CODE_EXISTS;
    else if (rc == STORE_INVALID)
        out->verdict = STORE_GRID_INVALID;
    else if (rc == STORE_OK) {
        job->imported++;
        if (*first_own == 0 && job->prechecked)
            *first_own = out->grid_id;
    }
    return rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

// The write job: every cell still IMPORTED after the checks before the job (all
// of them when there were none) is checked again where it could have changed and
// stored. The verdicts of the checks before stay.
static int grid_import_job(struct store_tx *tx, void *data)
{
    struct grid_import_job *job = data;
    bool any_refused = false;
    int64_t first_own = 0;
    for (size_t i = 0; i < job->count; i++) {
        if (!job->prechecked)
            job->outcomes[i] = (struct store_grid_outcome){STORE_GRID_IMPORTED, 0, 0, -1, ""};
        if (job->outcomes[i].verdict == STORE_GRID_IMPORTED &&
            grid_import_one(tx, job, i, &first_own) != STORE_OK)
            return STORE_ERROR;
        any_refused = any_refused || job->outcomes[i].verdict != STORE_GRID_IMPORTED;
    }
    return any_refused && !job->keep_valid ? STORE_INVALID : STORE_OK;
}

// The checks of an import that take long (a hostile file of many long rings whose
// boxes meet may take minutes) made before its write job, on the calling
// thread's read connection, so that other writes are not held up: each cell
// against the stored cells and against the earlier cells of the import. Sets
// job->last_checked to the highest stored id they saw. Returns STORE_OK or
// STORE_ERROR.
static int grid_import_precheck(struct grid_import_job *job)
{
    static const char SQL_LAST[] = "SELECT COALESCE(MAX(id), 0) FROM grid_cell";
    // No snapshot across the checks (they may take minutes, and would hold the WAL
    // back): a cell stored after the highest id was read is probed by the job.
    struct store_stmt *stmt = store_read_stmt(job->store, SQL_LAST);
    int rc = stmt != NULL ? store_step_row(stmt) : STORE_ERROR;
    job->prechecked = rc == STORE_OK;
    job->last_checked = rc == STORE_OK ? store_col_int64(stmt, 0) : 0;
    if (stmt != NULL)
        store_stmt_done(stmt);
    for (size_t i = 0; rc == STORE_OK && i < job->count; i++) {
        struct store_grid_outcome *out = &job->outcomes[i];
        *out = (struct store_grid_outcome){STORE_GRID_IMPORTED, 0, 0, -1, ""};
        struct grid_probe probe = {NULL, 0, INT64_MAX};
        int64_t community_id;
        rc = grid_import_check(NULL, job, i, &probe, &community_id);
        const struct store_grid_new *cell = &job->cells[i];
        for (size_t k = 0; rc == STORE_OK && out->verdict == STORE_GRID_IMPORTED && k < i; k++)
            if (job->outcomes[k].verdict == STORE_GRID_IMPORTED &&
                geo_rings_overlap(cell->ring, cell->ring_len, job->cells[k].ring,
                                  job->cells[k].ring_len)) {
                out->verdict = STORE_GRID_OVERLAPS;
                out->overlap_index = (int)k;
                snprintf(out->overlap_code, sizeof out->overlap_code, "%s", job->cells[k].code);
            }
    }
    return rc == STORE_OK ? STORE_OK : STORE_ERROR;
}

int store_grid_import(struct store *store, const struct store_grid_new *cells, size_t count,
                      const struct jurisdiction *jurisdiction, bool keep_valid,
                      struct store_grid_outcome *outcomes, int *imported)
{
    struct grid_import_job job = {store,    cells, count, jurisdiction, keep_valid,
                                  outcomes, 0,     NULL,  false,        0};
    *imported = 0;
    if (grid_import_precheck(&job) != STORE_OK)
        return STORE_ERROR;
    for (size_t i = 0; !keep_valid && i < count; i++)
        if (outcomes[i].verdict != STORE_GRID_IMPORTED)
            return STORE_INVALID; // all or nothing, and something was refused already
    int rc = store_write(store, grid_import_job, &job);
    *imported = rc == STORE_OK ? job.imported : 0;
    return rc;
}

struct places_job {
    const struct store_org_unit_new *units;
    size_t unit_count;
    const struct store_grid_new *cells;
    size_t cell_count;
};

// Looks a unit up by code inside the running job. Returns STORE_OK,
// STORE_NOT_FOUND or STORE_ERROR.
static int unit_by_code(struct store_tx *tx, const char *code, struct store_org_unit *out)
{
    static const char SQL[] = "SELECT " UNIT_COLUMNS " FROM org_unit o WHERE o.code = :code";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":code", code);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        store_org_unit_read(stmt, out);
    store_stmt_done(stmt);
    return rc;
}

static int places_job(struct store_tx *tx, void *data)
{
    struct places_job *job = data;
    for (size_t i = 0; i < job->unit_count; i++) {
        const struct store_org_unit_new *in = &job->units[i];
        struct store_org_unit unit = {0}, parent;
        if (in->parent_code != NULL) {
            int rc = unit_by_code(tx, in->parent_code, &parent);
            if (rc != STORE_OK)
                return rc == STORE_NOT_FOUND ? STORE_INVALID : rc;
            unit.parent_id = parent.id;
        }
        snprintf(unit.code, sizeof unit.code, "%s", in->code);
        snprintf(unit.type, sizeof unit.type, "%s", in->type);
        snprintf(unit.name, sizeof unit.name, "%s", in->name);
        snprintf(unit.name_en, sizeof unit.name_en, "%s", in->name_en ? in->name_en : "");
        snprintf(unit.department_kind, sizeof unit.department_kind, "%s",
                 in->department_kind ? in->department_kind : "");
        int rc = store_org_unit_insert_tx(tx, &unit, NULL);
        if (rc != STORE_OK)
            return rc;
    }
    struct store_grid_outcome *outcomes =
        calloc(job->cell_count ? job->cell_count : 1, sizeof *outcomes);
    if (outcomes == NULL)
        return STORE_ERROR;
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    struct grid_import_job cells = {
        NULL, job->cells, job->cell_count, &everywhere, false, outcomes, 0, NULL, false, 0};
    int rc = grid_import_job(tx, &cells);
    free(outcomes);
    return rc;
}

int store_places_create(struct store *store, const struct store_org_unit_new *units,
                        size_t unit_count, const struct store_grid_new *cells, size_t cell_count)
{
    struct places_job job = {units, unit_count, cells, cell_count};
    return store_write(store, places_job, &job);
}

struct assign_job {
    const char *code_prefix;
    int64_t user_id;
    bool as_leader;
    int count;
};

static int assign_job(struct store_tx *tx, void *data)
{
    struct assign_job *job = data;
    return grid_assign(tx, job->code_prefix, job->user_id, job->as_leader, &job->count);
}

int store_grid_assign(struct store *store, const char *code_prefix, int64_t user_id, bool as_leader,
                      int *count)
{
    struct assign_job job = {code_prefix, user_id, as_leader, 0};
    int rc = store_write(store, assign_job, &job);
    if (rc == STORE_OK && count != NULL)
        *count = job.count;
    return rc;
}
