// SPDX-License-Identifier: MIT
// SQL for the gazetteer: the import job (roads cut into parts with their index
// boxes, name terms, house numbers, landmarks, areas), name and number lookups
// by byte range, the nearest road part and number to a point, and the base
// map's features in a box. SQLite's R*Tree tables are GiST indexes on the rows'
// own boxes in PostgreSQL (migrations/postgres/0019_gazetteer.sql).
#include "store_gazetteer.h"

#include "engine.h"
#include "geocode.h"
#include "log.h"
#include "textseg.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Appended to a prefix, the upper end of the byte range of the texts that
// start with it: U+10FFFF, the highest character, valid UTF-8 for PostgreSQL.
#define PREFIX_END "\xF4\x8F\xBF\xBF"

static const char *column_or_empty(struct store_stmt *stmt, int column)
{
    const char *text = store_col_text(stmt, column);
    return text ? text : "";
}

static void bind_box(struct store_stmt *stmt, double min_lon, double min_lat, double max_lon,
                     double max_lat)
{
    store_bind_double(stmt, ":min_lon", min_lon);
    store_bind_double(stmt, ":min_lat", min_lat);
    store_bind_double(stmt, ":max_lon", max_lon);
    store_bind_double(stmt, ":max_lat", max_lat);
}

// ---- the import ----

// Returns "[[lon,lat],...]" of n points to 1e-7 degree (about a centimetre),
// malloc'd (free with cJSON_free), or NULL.
static char *points_json(const struct geo_point *pts, size_t n)
{
    cJSON *array = cJSON_CreateArray();
    char text[64];
    for (size_t i = 0; array != NULL && i < n; i++) {
        snprintf(text, sizeof text, "[%.7f,%.7f]", pts[i].lon, pts[i].lat);
        if (!cJSON_AddItemToArray(array, cJSON_CreateRaw(text))) {
            cJSON_Delete(array);
            array = NULL;
        }
    }
    char *out = array ? cJSON_PrintUnformatted(array) : NULL;
    cJSON_Delete(array);
    return out;
}

// Inserts one part of a road with its box (and SQLite R*Tree entry).
static int part_insert(struct store_tx *tx, int64_t road_id, const struct geo_point *pts, size_t n)
{
    static const char SQL_PART[] =
        "INSERT INTO gazetteer_road_part (road_id, points, min_lon, min_lat, max_lon, max_lat) "
        "VALUES (:road, :points, :min_lon, :min_lat, :max_lon, :max_lat) RETURNING id";
    static const char RTREE_SQLITE[] =
        "INSERT INTO gazetteer_road_rtree (id, min_lon, max_lon, min_lat, max_lat) "
        "VALUES (:id, :min_lon, :max_lon, :min_lat, :max_lat)";
    double min_lon = pts[0].lon, max_lon = pts[0].lon, min_lat = pts[0].lat, max_lat = pts[0].lat;
    for (size_t i = 1; i < n; i++) {
        min_lon = fmin(min_lon, pts[i].lon);
        max_lon = fmax(max_lon, pts[i].lon);
        min_lat = fmin(min_lat, pts[i].lat);
        max_lat = fmax(max_lat, pts[i].lat);
    }
    struct store_stmt *part = store_tx_stmt(tx, SQL_PART);
    const char *rtree_sql = store_tx_sql(tx, RTREE_SQLITE, NULL);
    struct store_stmt *rtree = rtree_sql ? store_tx_stmt(tx, rtree_sql) : NULL;
    char *points = points_json(pts, n);
    if (part == NULL || (rtree_sql != NULL && rtree == NULL) || points == NULL) {
        cJSON_free(points);
        return STORE_ERROR;
    }
    store_bind_int(part, ":road", road_id);
    store_bind_text(part, ":points", points);
    bind_box(part, min_lon, min_lat, max_lon, max_lat);
    int rc = store_step_row(part);
    int64_t id = store_col_int64(part, 0);
    store_stmt_done(part);
    cJSON_free(points);
    if (rc != STORE_OK || rtree == NULL)
        return rc;
    store_bind_int(rtree, ":id", id);
    bind_box(rtree, min_lon, min_lat, max_lon, max_lat);
    return store_exec_stmt(rtree);
}

// Inserts the tokens of textseg_index over the name (and English name) as terms.
static int terms_insert(struct store_tx *tx, const char *kind, int64_t id, const char *name,
                        const char *name_en)
{
    static const char SQL[] = "INSERT INTO gazetteer_term (term, kind, ref_id) "
                              "VALUES (:term, :kind, :id) ON CONFLICT DO NOTHING";
    size_t len = strlen(name) + 1 + (name_en ? strlen(name_en) : 0);
    char *joined = malloc(len + 1);
    if (joined == NULL)
        return STORE_ERROR;
    snprintf(joined, len + 1, "%s %s", name, name_en ? name_en : "");
    char *seg = textseg_index(joined, strlen(joined));
    free(joined);
    if (seg == NULL)
        return STORE_INVALID; // not UTF-8: the importer checks names first
    int rc = STORE_OK;
    for (char *save = NULL, *term = strtok_r(seg, " ", &save); term != NULL && rc == STORE_OK;
         term = strtok_r(NULL, " ", &save)) {
        struct store_stmt *stmt = store_tx_stmt(tx, SQL);
        if (stmt == NULL) {
            rc = STORE_ERROR;
            break;
        }
        store_bind_text(stmt, ":term", term);
        store_bind_text(stmt, ":kind", kind);
        store_bind_int(stmt, ":id", id);
        rc = store_exec_stmt(stmt);
    }
    free(seg);
    return rc;
}

// The label point of a road: the middle vertex of its longest line.
static struct geo_point road_label(const struct store_gazetteer_road_new *road)
{
    const struct store_gazetteer_line *longest = &road->lines[0];
    for (size_t i = 1; i < road->line_count; i++)
        if (road->lines[i].count > longest->count)
            longest = &road->lines[i];
    return longest->points[longest->count / 2];
}

// Finds the road by name on tx. Returns STORE_OK with *id, STORE_NOT_FOUND or STORE_ERROR.
static int road_id_by_name(struct store_tx *tx, const char *name, int64_t *id)
{
    static const char SQL[] = "SELECT id FROM gazetteer_road WHERE name = :name";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":name", name);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        *id = store_col_int64(stmt, 0);
    store_stmt_done(stmt);
    return rc;
}

// Stores a road (or adds its lines to the stored road of that name) with its parts.
static int road_insert(struct store_tx *tx, const struct store_gazetteer_road_new *road)
{
    static const char SQL[] =
        "INSERT INTO gazetteer_road (name, name_en, kind, label_lon, label_lat, created_at) "
        "VALUES (:name, :name_en, :kind, :lon, :lat, :now) RETURNING id";
    int64_t id = 0;
    int rc = road_id_by_name(tx, road->name, &id);
    if (rc == STORE_NOT_FOUND) {
        struct store_stmt *stmt = store_tx_stmt(tx, SQL);
        if (stmt == NULL)
            return STORE_ERROR;
        struct geo_point label = road_label(road);
        store_bind_text(stmt, ":name", road->name);
        store_bind_text(stmt, ":name_en", road->name_en ? road->name_en : "");
        store_bind_text(stmt, ":kind", road->kind ? road->kind : "");
        store_bind_double(stmt, ":lon", label.lon);
        store_bind_double(stmt, ":lat", label.lat);
        store_bind_int(stmt, ":now", store_now_ms());
        rc = store_step_row(stmt);
        id = store_col_int64(stmt, 0);
        store_stmt_done(stmt);
        if (rc == STORE_OK)
            rc = terms_insert(tx, "road", id, road->name, road->name_en);
    }
    for (size_t l = 0; rc == STORE_OK && l < road->line_count; l++) {
        const struct store_gazetteer_line *line = &road->lines[l];
        // Parts of up to STORE_GAZETTEER_PART_POINTS vertices, each starting
        // where the one before ended.
        for (size_t at = 0; rc == STORE_OK && at + 1 < line->count;
             at += STORE_GAZETTEER_PART_POINTS - 1) {
            size_t n = line->count - at;
            n = n > STORE_GAZETTEER_PART_POINTS ? STORE_GAZETTEER_PART_POINTS : n;
            rc = part_insert(tx, id, line->points + at, n);
        }
    }
    return rc;
}

static int address_insert(struct store_tx *tx, const struct store_gazetteer_address_new *address)
{
    // A number stored already moves; its R*Tree entry keeps its id.
    static const char SQL[] =
        "INSERT INTO gazetteer_address (road_id, number, lon, lat) VALUES (:road, :number, :lon, "
        ":lat) ON CONFLICT (road_id, number) DO UPDATE SET lon = excluded.lon, lat = excluded.lat "
        "RETURNING id";
    static const char RTREE_SQLITE[] =
        "INSERT OR REPLACE INTO gazetteer_address_rtree (id, min_lon, max_lon, min_lat, max_lat) "
        "VALUES (:id, :min_lon, :max_lon, :min_lat, :max_lat)";
    int64_t road_id = 0;
    int rc = road_id_by_name(tx, address->road, &road_id);
    if (rc != STORE_OK)
        return rc == STORE_NOT_FOUND ? STORE_INVALID : rc;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    const char *rtree_sql = store_tx_sql(tx, RTREE_SQLITE, NULL);
    struct store_stmt *rtree = rtree_sql ? store_tx_stmt(tx, rtree_sql) : NULL;
    if (stmt == NULL || (rtree_sql != NULL && rtree == NULL))
        return STORE_ERROR;
    store_bind_int(stmt, ":road", road_id);
    store_bind_text(stmt, ":number", address->number);
    store_bind_double(stmt, ":lon", address->point.lon);
    store_bind_double(stmt, ":lat", address->point.lat);
    rc = store_step_row(stmt);
    int64_t id = store_col_int64(stmt, 0);
    store_stmt_done(stmt);
    if (rc != STORE_OK || rtree == NULL)
        return rc;
    store_bind_int(rtree, ":id", id);
    bind_box(rtree, address->point.lon, address->point.lat, address->point.lon, address->point.lat);
    return store_exec_stmt(rtree);
}

static int landmark_insert(struct store_tx *tx, const struct store_gazetteer_landmark_new *landmark)
{
    static const char SQL[] = "INSERT INTO gazetteer_landmark (name, kind, lon, lat) "
                              "VALUES (:name, :kind, :lon, :lat) RETURNING id";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":name", landmark->name);
    store_bind_text(stmt, ":kind", landmark->kind ? landmark->kind : "");
    store_bind_double(stmt, ":lon", landmark->point.lon);
    store_bind_double(stmt, ":lat", landmark->point.lat);
    int rc = store_step_row(stmt);
    int64_t id = store_col_int64(stmt, 0);
    store_stmt_done(stmt);
    return rc == STORE_OK ? terms_insert(tx, "landmark", id, landmark->name, NULL) : rc;
}

static int area_insert(struct store_tx *tx, const struct store_gazetteer_area_new *area)
{
    static const char SQL[] =
        "INSERT INTO gazetteer_area (kind, name, grid_code, rings, min_lon, min_lat, max_lon, "
        "max_lat) VALUES (:kind, :name, :grid, :rings, :min_lon, :min_lat, :max_lon, :max_lat) "
        "RETURNING id";
    static const char RTREE_SQLITE[] =
        "INSERT INTO gazetteer_area_rtree (id, min_lon, max_lon, min_lat, max_lat) "
        "VALUES (:id, :min_lon, :max_lon, :min_lat, :max_lat)";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    const char *rtree_sql = store_tx_sql(tx, RTREE_SQLITE, NULL);
    struct store_stmt *rtree = rtree_sql ? store_tx_stmt(tx, rtree_sql) : NULL;
    if (stmt == NULL || (rtree_sql != NULL && rtree == NULL))
        return STORE_ERROR;
    store_bind_text(stmt, ":kind", area->kind);
    store_bind_text(stmt, ":name", area->name ? area->name : "");
    store_bind_text(stmt, ":grid", area->grid_code ? area->grid_code : "");
    store_bind_text(stmt, ":rings", area->rings_json);
    bind_box(stmt, area->min_lon, area->min_lat, area->max_lon, area->max_lat);
    int rc = store_step_row(stmt);
    int64_t id = store_col_int64(stmt, 0);
    store_stmt_done(stmt);
    if (rc != STORE_OK || rtree == NULL)
        return rc;
    store_bind_int(rtree, ":id", id);
    bind_box(rtree, area->min_lon, area->min_lat, area->max_lon, area->max_lat);
    return store_exec_stmt(rtree);
}

// Deletes the whole gazetteer (an import that replaces it).
static int gazetteer_clear(struct store_tx *tx)
{
    // SQLite's R*Trees first (nothing refers to them; PostgreSQL keeps the
    // boxes in GiST indexes of the tables), then children before parents.
    static const char ADDRESS_RTREE_SQLITE[] = "DELETE FROM gazetteer_address_rtree";
    static const char ROAD_RTREE_SQLITE[] = "DELETE FROM gazetteer_road_rtree";
    static const char AREA_RTREE_SQLITE[] = "DELETE FROM gazetteer_area_rtree";
    static const char *const TABLES[] = {
        "DELETE FROM gazetteer_term",      "DELETE FROM gazetteer_address",
        "DELETE FROM gazetteer_road_part", "DELETE FROM gazetteer_road",
        "DELETE FROM gazetteer_landmark",  "DELETE FROM gazetteer_area",
    };
    const char *const rtrees[] = {ADDRESS_RTREE_SQLITE, ROAD_RTREE_SQLITE, AREA_RTREE_SQLITE};
    bool sqlite = store_tx_sql(tx, "sqlite", NULL) != NULL;
    int rc = STORE_OK;
    for (size_t i = 0; sqlite && rc == STORE_OK && i < sizeof rtrees / sizeof rtrees[0]; i++) {
        struct store_stmt *stmt = store_tx_stmt(tx, rtrees[i]);
        rc = stmt ? store_exec_stmt(stmt) : STORE_ERROR;
    }
    for (size_t i = 0; rc == STORE_OK && i < sizeof TABLES / sizeof TABLES[0]; i++) {
        struct store_stmt *stmt = store_tx_stmt(tx, TABLES[i]);
        rc = stmt ? store_exec_stmt(stmt) : STORE_ERROR;
    }
    return rc;
}

struct import_job {
    const struct store_gazetteer_batch *batch;
    size_t bad_address;
};

static int import_job(struct store_tx *tx, void *data)
{
    static const char SQL_VERSION[] =
        "UPDATE gazetteer_version SET version = version + 1 WHERE id = 1";
    struct import_job *job = data;
    const struct store_gazetteer_batch *b = job->batch;
    int rc = b->replace ? gazetteer_clear(tx) : STORE_OK;
    for (size_t i = 0; rc == STORE_OK && i < b->road_count; i++)
        rc = road_insert(tx, &b->roads[i]);
    for (size_t i = 0; rc == STORE_OK && i < b->address_count; i++) {
        rc = address_insert(tx, &b->addresses[i]);
        if (rc == STORE_INVALID)
            job->bad_address = i;
    }
    for (size_t i = 0; rc == STORE_OK && i < b->landmark_count; i++)
        rc = landmark_insert(tx, &b->landmarks[i]);
    for (size_t i = 0; rc == STORE_OK && i < b->area_count; i++)
        rc = area_insert(tx, &b->areas[i]);
    if (rc == STORE_OK) {
        struct store_stmt *stmt = store_tx_stmt(tx, SQL_VERSION);
        rc = stmt ? store_exec_stmt(stmt) : STORE_ERROR;
    }
    return rc;
}

int store_gazetteer_import(struct store *store, const struct store_gazetteer_batch *batch,
                           size_t *bad_address)
{
    struct import_job job = {batch, 0};
    int rc = store_write(store, import_job, &job);
    if (rc == STORE_INVALID && bad_address != NULL)
        *bad_address = job.bad_address;
    return rc;
}

// ---- reads ----

int store_gazetteer_road_exists(struct store *store, const char *name)
{
    static const char SQL[] = "SELECT 1 FROM gazetteer_road WHERE name = :name";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":name", name);
    int rc = store_step_row(stmt);
    store_stmt_done(stmt);
    return rc;
}

int store_gazetteer_version(struct store *store, int64_t *version)
{
    static const char SQL[] = "SELECT version FROM gazetteer_version WHERE id = 1";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    int rc = store_step_row(stmt);
    *version = rc == STORE_OK ? store_col_int64(stmt, 0) : 0;
    store_stmt_done(stmt);
    return rc == STORE_OK ? STORE_OK : STORE_ERROR;
}

int store_gazetteer_names(struct store *store, enum store_gazetteer_lookup lookup, const char *text,
                          int limit,
                          void (*fn)(const struct store_gazetteer_name *name, void *data),
                          void *data)
{
    static const char SQL_ROAD_PREFIX[] =
        "SELECT id, name, name_en, kind, label_lon, label_lat FROM gazetteer_road "
        "WHERE name >= :lo AND name < :hi ORDER BY name LIMIT :limit";
    static const char SQL_ROAD_TERM[] =
        "SELECT DISTINCT r.id, r.name, r.name_en, r.kind, r.label_lon, r.label_lat "
        "FROM gazetteer_term t JOIN gazetteer_road r ON r.id = t.ref_id "
        "WHERE t.term >= :lo AND t.term < :hi AND t.kind = 'road' LIMIT :limit";
    static const char SQL_LANDMARK_PREFIX[] =
        "SELECT id, name, '', kind, lon, lat FROM gazetteer_landmark "
        "WHERE name >= :lo AND name < :hi ORDER BY name LIMIT :limit";
    static const char SQL_LANDMARK_TERM[] =
        "SELECT DISTINCT l.id, l.name, '', l.kind, l.lon, l.lat "
        "FROM gazetteer_term t JOIN gazetteer_landmark l ON l.id = t.ref_id "
        "WHERE t.term >= :lo AND t.term < :hi AND t.kind = 'landmark' LIMIT :limit";
    static const char *const SQL[] = {SQL_ROAD_PREFIX, SQL_ROAD_TERM, SQL_LANDMARK_PREFIX,
                                      SQL_LANDMARK_TERM};
    char hi[256];
    int len = snprintf(hi, sizeof hi, "%s" PREFIX_END, text);
    if (len < 0 || (size_t)len >= sizeof hi)
        return STORE_OK; // longer than any name: nothing starts with it
    struct store_stmt *stmt = store_read_stmt(store, SQL[lookup]);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":lo", text);
    store_bind_text(stmt, ":hi", hi);
    store_bind_int(stmt, ":limit", limit);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct store_gazetteer_name name = {
            .id = store_col_int64(stmt, 0),
            .name = column_or_empty(stmt, 1),
            .name_en = column_or_empty(stmt, 2),
            .kind = column_or_empty(stmt, 3),
            .point = {store_col_double(stmt, 4), store_col_double(stmt, 5)},
        };
        fn(&name, data);
    }
    return store_read_finish(stmt, rc, "looking gazetteer names up");
}

int store_gazetteer_addresses(struct store *store, const char *road, const char *number_prefix,
                              int limit,
                              void (*fn)(const struct store_gazetteer_address *address, void *data),
                              void *data)
{
    static const char SQL[] =
        "SELECT a.id, r.name, r.name_en, a.number, a.lon, a.lat FROM gazetteer_road r "
        "JOIN gazetteer_address a ON a.road_id = r.id WHERE r.name = :road "
        "AND a.number >= :lo AND a.number < :hi ORDER BY length(a.number), a.number LIMIT :limit";
    char hi[64];
    int len = snprintf(hi, sizeof hi, "%s" PREFIX_END, number_prefix);
    if (len < 0 || (size_t)len >= sizeof hi)
        return STORE_OK;
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":road", road);
    store_bind_text(stmt, ":lo", number_prefix);
    store_bind_text(stmt, ":hi", hi);
    store_bind_int(stmt, ":limit", limit);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct store_gazetteer_address address = {
            .id = store_col_int64(stmt, 0),
            .road = column_or_empty(stmt, 1),
            .road_en = column_or_empty(stmt, 2),
            .number = column_or_empty(stmt, 3),
            .point = {store_col_double(stmt, 4), store_col_double(stmt, 5)},
        };
        fn(&address, data);
    }
    return store_read_finish(stmt, rc, "looking house numbers up");
}

// The distance from p to the nearest point of a stored part's points.
static double part_distance(struct geo_point p, const char *json, struct geo_point *nearest)
{
    struct geo_point pts[STORE_GAZETTEER_PART_POINTS];
    size_t n = 0;
    cJSON *array = cJSON_Parse(json);
    const cJSON *pair;
    cJSON_ArrayForEach(pair, array)
    {
        if (n == STORE_GAZETTEER_PART_POINTS)
            break;
        pts[n++] = (struct geo_point){cJSON_GetNumberValue(cJSON_GetArrayItem(pair, 0)),
                                      cJSON_GetNumberValue(cJSON_GetArrayItem(pair, 1))};
    }
    cJSON_Delete(array);
    return geocode_polyline_distance_m(p, pts, n, nearest);
}

int store_gazetteer_nearest_road(struct store *store, struct geo_point p, double radius_m,
                                 struct store_gazetteer_near_road *out)
{
    static const char SQL_SQLITE[] =
        "SELECT r.id, r.name, r.name_en, r.kind, g.points FROM gazetteer_road_rtree t "
        "JOIN gazetteer_road_part g ON g.id = t.id JOIN gazetteer_road r ON r.id = g.road_id "
        "WHERE t.max_lon >= :min_lon AND t.min_lon <= :max_lon AND t.max_lat >= :min_lat "
        "AND t.min_lat <= :max_lat";
    static const char SQL_POSTGRES[] =
        "SELECT r.id, r.name, r.name_en, r.kind, g.points FROM gazetteer_road_part g "
        "JOIN gazetteer_road r ON r.id = g.road_id "
        "WHERE box(point(g.min_lon, g.min_lat), point(g.max_lon, g.max_lat)) && "
        "box(point(:min_lon, :min_lat), point(:max_lon, :max_lat))";
    struct store_stmt *stmt = store_read_stmt(store, store_sql(store, SQL_SQLITE, SQL_POSTGRES));
    if (stmt == NULL)
        return STORE_ERROR;
    double dlat, dlon;
    geocode_degrees_for(p.lat, radius_m, &dlat, &dlon);
    bind_box(stmt, p.lon - dlon, p.lat - dlat, p.lon + dlon, p.lat + dlat);
    int rc;
    out->distance_m = INFINITY;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct geo_point at;
        double d = part_distance(p, column_or_empty(stmt, 4), &at);
        if (d <= radius_m && d < out->distance_m) {
            out->road_id = store_col_int64(stmt, 0);
            store_column_copy(out->name, sizeof out->name, stmt, 1);
            store_column_copy(out->name_en, sizeof out->name_en, stmt, 2);
            store_column_copy(out->kind, sizeof out->kind, stmt, 3);
            out->distance_m = d;
            out->nearest = at;
        }
    }
    rc = store_read_finish(stmt, rc, "finding the nearest road");
    return rc != STORE_OK ? rc : isinf(out->distance_m) ? STORE_NOT_FOUND : STORE_OK;
}

int store_gazetteer_nearest_address(struct store *store, struct geo_point p, double radius_m,
                                    struct store_gazetteer_near_address *out)
{
    static const char SQL_SQLITE[] =
        "SELECT r.name, a.number, a.lon, a.lat FROM gazetteer_address_rtree t "
        "JOIN gazetteer_address a ON a.id = t.id JOIN gazetteer_road r ON r.id = a.road_id "
        "WHERE t.max_lon >= :min_lon AND t.min_lon <= :max_lon AND t.max_lat >= :min_lat "
        "AND t.min_lat <= :max_lat";
    static const char SQL_POSTGRES[] =
        "SELECT r.name, a.number, a.lon, a.lat FROM gazetteer_address a "
        "JOIN gazetteer_road r ON r.id = a.road_id "
        "WHERE box(point(a.lon, a.lat), point(a.lon, a.lat)) && "
        "box(point(:min_lon, :min_lat), point(:max_lon, :max_lat))";
    struct store_stmt *stmt = store_read_stmt(store, store_sql(store, SQL_SQLITE, SQL_POSTGRES));
    if (stmt == NULL)
        return STORE_ERROR;
    double dlat, dlon;
    geocode_degrees_for(p.lat, radius_m, &dlat, &dlon);
    bind_box(stmt, p.lon - dlon, p.lat - dlat, p.lon + dlon, p.lat + dlat);
    int rc;
    out->distance_m = INFINITY;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct geo_point at = {store_col_double(stmt, 2), store_col_double(stmt, 3)};
        double d = geo_distance_m(p, at);
        if (d <= radius_m && d < out->distance_m) {
            store_column_copy(out->road, sizeof out->road, stmt, 0);
            store_column_copy(out->number, sizeof out->number, stmt, 1);
            out->point = at;
            out->distance_m = d;
        }
    }
    rc = store_read_finish(stmt, rc, "finding the nearest house number");
    return rc != STORE_OK ? rc : isinf(out->distance_m) ? STORE_NOT_FOUND : STORE_OK;
}

// ---- the base map ----

// The box the base map asks for, and how many of each kind it takes.
struct map_box {
    double min_lon, min_lat, max_lon, max_lat;
    int limit;
};

// Runs one of the base map's statements over the box, calling row for each row.
static int map_query(struct store *store, const char *sqlite_sql, const char *postgres_sql,
                     const struct map_box *box, const struct store_gazetteer_map_sink *sink,
                     void (*row)(struct store_stmt *stmt, const struct store_gazetteer_map_sink *))
{
    struct store_stmt *stmt = store_read_stmt(store, store_sql(store, sqlite_sql, postgres_sql));
    if (stmt == NULL)
        return STORE_ERROR;
    bind_box(stmt, box->min_lon, box->min_lat, box->max_lon, box->max_lat);
    store_bind_int(stmt, ":limit", box->limit);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW)
        row(stmt, sink);
    return store_read_finish(stmt, rc, "reading the base map");
}

static void area_row(struct store_stmt *stmt, const struct store_gazetteer_map_sink *sink)
{
    sink->area(column_or_empty(stmt, 0), column_or_empty(stmt, 1), column_or_empty(stmt, 2),
               sink->data);
}

static void road_row(struct store_stmt *stmt, const struct store_gazetteer_map_sink *sink)
{
    sink->road_part(column_or_empty(stmt, 0), column_or_empty(stmt, 1), column_or_empty(stmt, 2),
                    sink->data);
}

static void landmark_row(struct store_stmt *stmt, const struct store_gazetteer_map_sink *sink)
{
    struct geo_point at = {store_col_double(stmt, 2), store_col_double(stmt, 3)};
    sink->landmark(column_or_empty(stmt, 0), column_or_empty(stmt, 1), at, sink->data);
}

int store_gazetteer_map(struct store *store, double min_lon, double min_lat, double max_lon,
                        double max_lat, int limit, const struct store_gazetteer_map_sink *sink)
{
    // Water ('water' > 'block') first, so blocks are drawn over it.
    static const char AREAS_SQLITE[] =
        "SELECT a.kind, a.name, a.rings FROM gazetteer_area_rtree t "
        "JOIN gazetteer_area a ON a.id = t.id WHERE t.max_lon >= :min_lon "
        "AND t.min_lon <= :max_lon AND t.max_lat >= :min_lat AND t.min_lat <= :max_lat "
        "ORDER BY a.kind DESC, a.id LIMIT :limit";
    static const char AREAS_POSTGRES[] =
        "SELECT a.kind, a.name, a.rings FROM gazetteer_area a "
        "WHERE box(point(a.min_lon, a.min_lat), point(a.max_lon, a.max_lat)) && "
        "box(point(:min_lon, :min_lat), point(:max_lon, :max_lat)) "
        "ORDER BY a.kind DESC, a.id LIMIT :limit";
    static const char ROADS_SQLITE[] =
        "SELECT r.name, r.kind, g.points FROM gazetteer_road_rtree t "
        "JOIN gazetteer_road_part g ON g.id = t.id JOIN gazetteer_road r ON r.id = g.road_id "
        "WHERE t.max_lon >= :min_lon AND t.min_lon <= :max_lon AND t.max_lat >= :min_lat "
        "AND t.min_lat <= :max_lat ORDER BY g.id LIMIT :limit";
    static const char ROADS_POSTGRES[] =
        "SELECT r.name, r.kind, g.points FROM gazetteer_road_part g "
        "JOIN gazetteer_road r ON r.id = g.road_id "
        "WHERE box(point(g.min_lon, g.min_lat), point(g.max_lon, g.max_lat)) && "
        "box(point(:min_lon, :min_lat), point(:max_lon, :max_lat)) ORDER BY g.id LIMIT :limit";
    static const char LANDMARKS[] =
        "SELECT name, kind, lon, lat FROM gazetteer_landmark WHERE lat >= :min_lat "
        "AND lat <= :max_lat AND lon >= :min_lon AND lon <= :max_lon ORDER BY id LIMIT :limit";
    const struct map_box box = {min_lon, min_lat, max_lon, max_lat, limit};
    int rc = map_query(store, AREAS_SQLITE, AREAS_POSTGRES, &box, sink, area_row);
    if (rc == STORE_OK)
        rc = map_query(store, ROADS_SQLITE, ROADS_POSTGRES, &box, sink, road_row);
    if (rc == STORE_OK)
        rc = map_query(store, LANDMARKS, LANDMARKS, &box, sink, landmark_row);
    return rc;
}
