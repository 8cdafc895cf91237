// SPDX-License-Identifier: MIT
// SQL for the public map of reports: the public cases of a box (grid cells from
// the R*Tree or GiST index, then case_public_grid per cell) or of one cell, the
// "me too" rows and count, staff moderation with its case event, and the check
// that a photo may be served to anyone.
#include "store_public_reports.h"

#include "engine.h"
#include "log.h"
#include "store_places.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The states the public map lists; the same list as case_public_grid's WHERE,
// so both engines use that index.
#define PUBLIC_STATES                                                                              \
    "c.state IN ('reported', 'verifying', 'accepted', 'dispatched', 'processing', 'suspended', "   \
    "'handled', 'checked', 'closed') "
#define PUBLIC_UNTIL "(CASE WHEN c.state = 'closed' THEN c.closed_at ELSE 9223372036854775807 END)"

// A page is two steps: the ids from case_public_grid alone (it covers every
// column the filter and the order read), then the rows of just those ids.
#define REPORT_PAGE(PHOTOS, IDS)                                                                   \
    "SELECT c.id, c.case_no, c.state, cat.code, cat.name_zh, cat.name_en, c.description, "         \
    "c.public_text_hidden, c.created_at, c.updated_at, coalesce(c.closed_at, 0), c.lat, c.lon, "   \
    "g.code, g.name, st.name, st.name_en, c.metoo_count, " PHOTOS " AS photos "                    \
    "FROM (SELECT c.id FROM case_record c " IDS ") p JOIN case_record c ON c.id = p.id "           \
    "JOIN grid_cell g ON g.id = c.grid_id LEFT JOIN category cat ON cat.id = c.category_id "       \
    "LEFT JOIN org_unit st ON st.id = c.street_id ORDER BY c.created_at DESC, c.id DESC"
#define SQLITE_PHOTOS                                                                              \
    "(SELECT group_concat(hash, ',') FROM (SELECT a.hash FROM case_attachment a "                  \
    "WHERE a.case_id = c.id AND a.is_public = 1 ORDER BY a.id LIMIT 8))"
#define PG_PHOTOS                                                                                  \
    "(SELECT string_agg(hash, ',') FROM (SELECT a.hash FROM case_attachment a "                    \
    "WHERE a.case_id = c.id AND a.is_public ORDER BY a.id LIMIT 8) p)"
// The rest of the filter after the cells: public, in the window, in the box
// (cells overlap its edge), in the circle when asked, before the cursor. The
// unary plus keeps SQLite off case_grid (grid_id, created_at), which would walk
// a cell's whole history: case_public_grid reads only its public cases, and
// they are sorted after (keeping the page's top; see README for the figures).
#define REPORT_FILTER                                                                              \
    "AND " PUBLIC_STATES "AND " PUBLIC_UNTIL " >= :since "                                         \
    "AND (:has_box = 0 OR (c.lat >= :min_lat AND c.lat <= :max_lat AND c.lon >= :min_lon "         \
    "AND c.lon <= :max_lon)) "                                                                     \
    "AND (:has_circle = 0 OR ((c.lat - :lat) * 111320.0) * ((c.lat - :lat) * 111320.0) + "         \
    "((c.lon - :lon) * :kx) * ((c.lon - :lon) * :kx) <= :r2) "                                     \
    "AND (+c.created_at < :before_created OR (+c.created_at = :before_created AND c.id < "         \
    ":before_id)) ORDER BY c.created_at DESC, c.id DESC LIMIT :limit"
#define SQLITE_BOX_CELLS                                                                           \
    "WHERE c.grid_id IN (SELECT id FROM grid_rtree WHERE max_lon >= :min_lon AND min_lon <= "      \
    ":max_lon AND max_lat >= :min_lat AND min_lat <= :max_lat) "
#define PG_BOX_CELLS                                                                               \
    "WHERE c.grid_id IN (SELECT id FROM grid_cell b WHERE box(point(b.min_lon, b.min_lat), "       \
    "point(b.max_lon, b.max_lat)) && box(point(:min_lon, :min_lat), point(:max_lon, :max_lat))) "
#define ONE_CELL "WHERE c.grid_id = :grid_id "

static const char SQL_BOX_SQLITE[] = REPORT_PAGE(SQLITE_PHOTOS, SQLITE_BOX_CELLS REPORT_FILTER);
static const char SQL_BOX_PG[] = REPORT_PAGE(PG_PHOTOS, PG_BOX_CELLS REPORT_FILTER);
static const char SQL_CELL_SQLITE[] = REPORT_PAGE(SQLITE_PHOTOS, ONE_CELL REPORT_FILTER);
static const char SQL_CELL_PG[] = REPORT_PAGE(PG_PHOTOS, ONE_CELL REPORT_FILTER);

// Splits "h1,h2" into the report's photo list.
static void read_photos(const char *list, struct store_public_report *r)
{
    r->photo_count = 0;
    for (const char *p = list;
         p != NULL && *p != '\0' && r->photo_count < STORE_PUBLIC_PHOTOS_MAX;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == STORE_PUBLIC_HASH_LEN) {
            memcpy(r->photos[r->photo_count], p, len);
            r->photos[r->photo_count++][len] = '\0';
        }
        p = comma ? comma + 1 : NULL;
    }
}

static void read_report(struct store_stmt *s, struct store_public_report *r)
{
    memset(r, 0, sizeof *r);
    int i = 0;
    r->id = store_col_int64(s, i++);
    store_column_copy(r->case_no, sizeof r->case_no, s, i++);
    store_column_copy(r->state, sizeof r->state, s, i++);
    store_column_copy(r->category_code, sizeof r->category_code, s, i++);
    store_column_copy(r->category_name_zh, sizeof r->category_name_zh, s, i++);
    store_column_copy(r->category_name_en, sizeof r->category_name_en, s, i++);
    store_column_copy(r->description, sizeof r->description, s, i++);
    r->text_hidden = store_col_int(s, i++) != 0;
    r->created_at = store_col_int64(s, i++);
    r->updated_at = store_col_int64(s, i++);
    r->closed_at = store_col_int64(s, i++);
    r->lat = store_col_double(s, i++);
    r->lon = store_col_double(s, i++);
    store_column_copy(r->grid_code, sizeof r->grid_code, s, i++);
    store_column_copy(r->grid_name, sizeof r->grid_name, s, i++);
    store_column_copy(r->street_name, sizeof r->street_name, s, i++);
    store_column_copy(r->street_name_en, sizeof r->street_name_en, s, i++);
    r->metoo_count = store_col_int(s, i++);
    read_photos(store_col_text(s, i), r);
}

static void bind_filter(struct store_stmt *stmt, const struct store_public_filter *f)
{
    store_bind_int(stmt, ":since", f->closed_since);
    store_bind_int(stmt, ":has_box", f->has_box ? 1 : 0);
    store_bind_double(stmt, ":min_lon", f->min_lon);
    store_bind_double(stmt, ":min_lat", f->min_lat);
    store_bind_double(stmt, ":max_lon", f->max_lon);
    store_bind_double(stmt, ":max_lat", f->max_lat);
    store_bind_int(stmt, ":has_circle", f->has_circle ? 1 : 0);
    store_bind_double(stmt, ":lat", f->lat);
    store_bind_double(stmt, ":lon", f->lon);
    // Metres per degree of longitude at the circle's latitude (flat within 2 km).
    store_bind_double(stmt, ":kx", 111320.0 * cos(f->lat * 3.14159265358979323846 / 180.0));
    store_bind_double(stmt, ":r2", f->radius_m * f->radius_m);
    store_bind_int(stmt, ":before_created", f->before_created);
    store_bind_int(stmt, ":before_id", f->before_id);
    store_bind_int(stmt, ":limit", f->limit);
}

int store_public_report_list(struct store *store, const struct store_public_filter *filter,
                             void (*fn)(const struct store_public_report *report, void *data),
                             void *data)
{
    int64_t grid_id = 0;
    if (!filter->has_box) {
        int rc = store_grid_find(store, filter->grid_code, &grid_id);
        if (rc != STORE_OK)
            return rc;
    }
    const char *sql = filter->has_box ? store_sql(store, SQL_BOX_SQLITE, SQL_BOX_PG)
                                      : store_sql(store, SQL_CELL_SQLITE, SQL_CELL_PG);
    struct store_stmt *stmt = store_read_stmt(store, sql);
    if (stmt == NULL)
        return STORE_ERROR;
    bind_filter(stmt, filter);
    if (!filter->has_box)
        store_bind_int(stmt, ":grid_id", grid_id);
    struct store_public_report *report = malloc(sizeof *report);
    int rc = report != NULL ? STORE_ROW : STORE_ERROR;
    while (report != NULL && (rc = store_step(stmt)) == STORE_ROW) {
        read_report(stmt, report);
        fn(report, data);
    }
    free(report);
    return store_read_finish(stmt, rc, "public report list");
}

// ---- me too ----

struct metoo_job {
    const char *case_no, *client_hash;
    int64_t closed_since;
    int *count;
    bool *counted;
};

// The case's id and whether it takes a "me too" (open). Returns STORE_OK,
// STORE_NOT_FOUND (not public) or STORE_INVALID (closed), or STORE_ERROR.
static int metoo_case(struct store_tx *tx, const struct metoo_job *job, int64_t *id)
{
    static const char SQL[] = "SELECT c.id, c.state, " PUBLIC_UNTIL " FROM case_record c "
                              "WHERE c.case_no = :no AND " PUBLIC_STATES;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":no", job->case_no);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK) {
        *id = store_col_int64(stmt, 0);
        bool closed = strcmp(store_col_text(stmt, 1), "closed") == 0;
        if (closed)
            rc = store_col_int64(stmt, 2) >= job->closed_since ? STORE_INVALID : STORE_NOT_FOUND;
    }
    store_stmt_done(stmt);
    return rc;
}

static int metoo_run(struct store_tx *tx, void *data)
{
    static const char SQL_ADD[] =
        "INSERT INTO case_metoo (case_id, client_hash, created_at) VALUES (:id, :client, :now) "
        "ON CONFLICT (case_id, client_hash) DO NOTHING";
    static const char SQL_BUMP[] =
        "UPDATE case_record SET metoo_count = metoo_count + 1 WHERE id = :id";
    static const char SQL_COUNT[] = "SELECT metoo_count FROM case_record WHERE id = :id";
    struct metoo_job *job = data;
    int64_t id = 0;
    int rc = metoo_case(tx, job, &id);
    if (rc != STORE_OK)
        return rc;
    struct store_stmt *add = store_tx_stmt(tx, SQL_ADD);
    if (add == NULL)
        return STORE_ERROR;
    store_bind_int(add, ":id", id);
    store_bind_text(add, ":client", job->client_hash);
    store_bind_int(add, ":now", store_now_ms());
    rc = store_step(add);
    *job->counted = rc == STORE_DONE && store_stmt_changes(add) == 1;
    store_stmt_done(add);
    if (rc != STORE_DONE)
        return STORE_ERROR;
    if (*job->counted) {
        struct store_stmt *bump = store_tx_stmt(tx, SQL_BUMP);
        if (bump == NULL)
            return STORE_ERROR;
        store_bind_int(bump, ":id", id);
        if ((rc = store_exec_stmt(bump)) != STORE_OK)
            return rc;
    }
    struct store_stmt *count = store_tx_stmt(tx, SQL_COUNT);
    if (count == NULL)
        return STORE_ERROR;
    store_bind_int(count, ":id", id);
    rc = store_step_row(count);
    if (rc == STORE_OK)
        *job->count = store_col_int(count, 0);
    store_stmt_done(count);
    return rc;
}

int store_public_metoo(struct store *store, const char *case_no, const char *client_hash,
                       int64_t closed_since, int *count, bool *counted)
{
    struct metoo_job job = {case_no, client_hash, closed_since, count, counted};
    *count = 0;
    *counted = false;
    return store_write(store, metoo_run, &job);
}

// ---- moderation ----

// The facts of a moderation as JSON text (caller frees), or NULL.
static char *moderation_facts(const struct store_public_moderation *m)
{
    cJSON *facts = cJSON_CreateObject();
    if (m->text_hidden >= 0)
        cJSON_AddBoolToObject(facts, "text_hidden", m->text_hidden != 0);
    cJSON *photos = cJSON_AddArrayToObject(facts, "photos");
    for (int i = 0; photos != NULL && i < m->photo_count; i++) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddNumberToObject(item, "id", (double)m->photo_ids[i]);
        cJSON_AddBoolToObject(item, "public", m->photo_public[i]);
        cJSON_AddItemToArray(photos, item);
    }
    char *text = cJSON_PrintUnformatted(facts);
    cJSON_Delete(facts);
    return text;
}

static int moderate_run(struct store_tx *tx, void *data)
{
    static const char SQL_TEXT[] =
        "UPDATE case_record SET public_text_hidden = :hidden WHERE id = :id";
    static const char SQL_PHOTO[] =
        "UPDATE case_attachment SET is_public = :public WHERE id = :photo AND case_id = :id";
    const struct store_public_moderation *m = data;
    int rc = STORE_OK;
    if (m->text_hidden >= 0) {
        struct store_stmt *text = store_tx_stmt(tx, SQL_TEXT);
        if (text == NULL)
            return STORE_ERROR;
        store_bind_int(text, ":hidden", m->text_hidden);
        store_bind_int(text, ":id", m->case_id);
        if ((rc = store_exec_stmt(text)) != STORE_OK)
            return rc;
    }
    for (int i = 0; i < m->photo_count; i++) {
        struct store_stmt *photo = store_tx_stmt(tx, SQL_PHOTO);
        if (photo == NULL)
            return STORE_ERROR;
        store_bind_int(photo, ":public", m->photo_public[i] ? 1 : 0);
        store_bind_int(photo, ":photo", m->photo_ids[i]);
        store_bind_int(photo, ":id", m->case_id);
        rc = store_step(photo);
        int64_t changed = store_stmt_changes(photo);
        store_stmt_done(photo);
        if (rc != STORE_DONE)
            return STORE_ERROR;
        if (changed != 1)
            return STORE_INVALID; // not a photo of this case: the job rolls back
    }
    char *facts = moderation_facts(m);
    if (facts == NULL)
        return STORE_ERROR;
    rc = store_case_note_tx(tx, m->case_id, "moderate", m->actor_user_id, m->actor_role,
                            m->actor_name, m->reason, NULL, facts);
    free(facts);
    return rc;
}

int store_public_moderate(struct store *store, const struct store_public_moderation *m)
{
    return store_write(store, moderate_run, (void *)m);
}

int store_public_settings(struct store *store, int64_t case_id, bool *text_hidden, int *metoo_count,
                          void (*fn)(int64_t id, const char *hash, const char *stage,
                                     bool is_public, void *data),
                          void *data)
{
    static const char SQL_CASE[] =
        "SELECT public_text_hidden, metoo_count FROM case_record WHERE id = :id";
    static const char SQL_PHOTOS[] = "SELECT id, hash, stage, is_public FROM case_attachment "
                                     "WHERE case_id = :id ORDER BY id";
    struct store_stmt *stmt = store_read_stmt(store, SQL_CASE);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", case_id);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK) {
        *text_hidden = store_col_int(stmt, 0) != 0;
        *metoo_count = store_col_int(stmt, 1);
    }
    store_stmt_done(stmt);
    if (rc != STORE_OK)
        return STORE_ERROR;
    stmt = store_read_stmt(store, SQL_PHOTOS);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", case_id);
    while ((rc = store_step(stmt)) == STORE_ROW)
        fn(store_col_int64(stmt, 0), store_col_text(stmt, 1), store_col_text(stmt, 2),
           store_col_int(stmt, 3) != 0, data);
    return store_read_finish(stmt, rc, "case photo settings");
}

int store_public_photo(struct store *store, const char *hash, int64_t closed_since)
{
    static const char SQL[] =
        "SELECT 1 FROM case_attachment a JOIN case_record c ON c.id = a.case_id "
        "WHERE a.hash = :hash AND a.is_public = :yes AND " PUBLIC_STATES "AND " PUBLIC_UNTIL
        " >= :since LIMIT 1";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":hash", hash);
    store_bind_int(stmt, ":yes", 1);
    store_bind_int(stmt, ":since", closed_since);
    int rc = store_step_row(stmt);
    store_stmt_done(stmt);
    return rc;
}
