// SPDX-License-Identifier: MIT
// SQL for setting a city up: org units created and changed by an admin, the
// routing table, inspector <-> cell assignments, patrol zones and grid leaders.
// Every change appends its audit_log entry (before and after as JSON) in the
// write job that makes it, so a change and its record commit or fail together.
// Same SQL on every engine.
#include "store_admin.h"

#include "admin_audit.h"
#include "audit.h"
#include "engine.h"
#include "jurisdiction.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---- the audit entry ----

int store_admin_audit_tx(struct store_tx *tx, const struct store_actor *actor, const char *action,
                         const char *subject_kind, int64_t subject_id, cJSON *before, cJSON *after)
{
    cJSON *data = cJSON_CreateObject();
    cJSON_AddItemToObject(data, "before", before ? before : cJSON_CreateNull());
    cJSON_AddItemToObject(data, "after", after ? after : cJSON_CreateNull());
    char *text = cJSON_PrintUnformatted(data);
    cJSON_Delete(data);
    if (text == NULL)
        return STORE_ERROR;
    struct audit_log_entry entry = {
        .actor_user_id = actor ? actor->user_id : 0,
        .actor_role = actor && actor->role ? actor->role : "system",
        .actor_name = actor && actor->name ? actor->name : "system",
        .action = action,
        .subject_kind = subject_kind,
        .subject_id = subject_id,
        .data = text,
        .created_at = store_now_ms(),
    };
    int rc = store_audit_log_append_tx(tx, &entry);
    free(text);
    return rc;
}

// Adds text, or null for NULL or "", as member name of object.
static void add_text_or_null(cJSON *object, const char *name, const char *text)
{
    if (text != NULL && text[0] != '\0')
        cJSON_AddStringToObject(object, name, text);
    else
        cJSON_AddNullToObject(object, name);
}

// ---- org units ----

// The unit's state as the audit log shows it, or NULL when there is none.
static cJSON *unit_json_tx(struct store_tx *tx, int64_t id)
{
    static const char SQL[] = "SELECT " STORE_UNIT_COLUMNS ", p.code FROM org_unit o "
                              "LEFT JOIN org_unit p ON p.id = o.parent_id WHERE o.id = :id";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return NULL;
    store_bind_int(stmt, ":id", id);
    cJSON *out = NULL;
    if (store_step_row(stmt) == STORE_OK) {
        struct store_org_unit unit;
        store_org_unit_read(stmt, &unit);
        out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "code", unit.code);
        cJSON_AddStringToObject(out, "type", unit.type);
        cJSON_AddStringToObject(out, "name", unit.name);
        cJSON_AddStringToObject(out, "name_en", unit.name_en);
        add_text_or_null(out, "parent_code", store_col_text(stmt, 9));
        add_text_or_null(out, "department_kind", unit.department_kind);
        cJSON_AddBoolToObject(out, "disabled", unit.disabled);
    }
    store_stmt_done(stmt);
    return out;
}

struct unit_job {
    const struct store_actor *actor;
    const struct store_org_unit *unit;
    const struct store_org_unit_change *change;
    int64_t id;
};

int store_org_unit_create_tx(struct store_tx *tx, const struct store_actor *actor,
                             const struct store_org_unit *unit, int64_t *id)
{
    int rc = store_org_unit_insert_tx(tx, unit, id);
    if (rc != STORE_OK)
        return rc;
    cJSON *after = unit_json_tx(tx, *id);
    if (after == NULL)
        return STORE_ERROR;
    return store_admin_audit_tx(tx, actor, "org_unit.create", "org_unit", *id, NULL, after);
}

static int unit_create_job(struct store_tx *tx, void *data)
{
    struct unit_job *job = data;
    return store_org_unit_create_tx(tx, job->actor, job->unit, &job->id);
}

int store_org_unit_create_as(struct store *store, const struct store_actor *actor,
                             const struct store_org_unit *unit, int64_t *id)
{
    struct unit_job job = {.actor = actor, .unit = unit};
    int rc = store_write(store, unit_create_job, &job);
    if (rc == STORE_OK && id != NULL)
        *id = job.id;
    return rc;
}

// Whether the change fits a unit of this type (a kind only on departments).
static bool change_fits(const struct store_org_unit_change *c, const char *type)
{
    if ((c->name != NULL && c->name[0] == '\0') || c->disabled > 1)
        return false;
    if (c->department_kind == NULL)
        return true;
    size_t len = strlen(c->department_kind);
    return strcmp(type, "department") == 0 && len > 0 && len < 32 &&
           strspn(c->department_kind, "abcdefghijklmnopqrstuvwxyz_") == len;
}

static int unit_change_job(struct store_tx *tx, void *data)
{
    static const char SQL[] =
        "UPDATE org_unit SET name = COALESCE(:name, name), name_en = COALESCE(:name_en, name_en), "
        "department_kind = COALESCE(:kind, department_kind), "
        "disabled = CASE WHEN :disabled < 0 THEN disabled ELSE :disabled END WHERE id = :id";
    struct unit_job *job = data;
    cJSON *before = unit_json_tx(tx, job->id);
    if (before == NULL)
        return STORE_NOT_FOUND;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(before, "type");
    if (!change_fits(job->change, type->valuestring)) {
        cJSON_Delete(before);
        return STORE_INVALID;
    }
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL) {
        cJSON_Delete(before);
        return STORE_ERROR;
    }
    store_bind_text(stmt, ":name", job->change->name);
    store_bind_text(stmt, ":name_en", job->change->name_en);
    store_bind_text(stmt, ":kind", job->change->department_kind);
    store_bind_int(stmt, ":disabled", job->change->disabled < 0 ? -1 : job->change->disabled);
    store_bind_int(stmt, ":id", job->id);
    int rc = store_exec_stmt(stmt);
    cJSON *after = rc == STORE_OK ? unit_json_tx(tx, job->id) : NULL;
    if (after == NULL) {
        cJSON_Delete(before);
        return STORE_ERROR;
    }
    return store_admin_audit_tx(tx, job->actor, "org_unit.update", "org_unit", job->id, before,
                                after);
}

int store_org_unit_change(struct store *store, const struct store_actor *actor, int64_t id,
                          const struct store_org_unit_change *change)
{
    struct unit_job job = {.actor = actor, .change = change, .id = id};
    return store_write(store, unit_change_job, &job);
}

// ---- routing ----

// {street, category ("event/0101"), department (code or null)} of one routing
// key as it stands, or NULL when the street or the category does not exist.
static cJSON *route_json_tx(struct store_tx *tx, const struct store_route *row)
{
    static const char SQL[] = "SELECT s.code, c.tree, c.code, (SELECT d.code FROM dispatch_route r "
                              "JOIN org_unit d ON d.id = r.department_id WHERE r.street_id = s.id "
                              "AND r.category_id = c.id) FROM org_unit s, category c "
                              "WHERE s.id = :street AND c.id = :category";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return NULL;
    store_bind_int(stmt, ":street", row->street_id);
    store_bind_int(stmt, ":category", row->category_id);
    cJSON *out = NULL;
    if (store_step_row(stmt) == STORE_OK) {
        out = cJSON_CreateObject();
        char category[48];
        snprintf(category, sizeof category, "%s/%s", store_col_text(stmt, 1),
                 store_col_text(stmt, 2));
        cJSON_AddStringToObject(out, "street", store_col_text(stmt, 0));
        cJSON_AddStringToObject(out, "category", category);
        add_text_or_null(out, "department", store_col_text(stmt, 3));
    }
    store_stmt_done(stmt);
    return out;
}

// Writes one row (or removes it, department_id 0).
static int route_write(struct store_tx *tx, const struct store_route *row)
{
    static const char SQL_SET[] =
        "INSERT INTO dispatch_route (street_id, category_id, department_id, updated_at) "
        "VALUES (:street, :category, :department, :now) ON CONFLICT (street_id, category_id) "
        "DO UPDATE SET department_id = excluded.department_id, updated_at = excluded.updated_at";
    static const char SQL_DELETE[] =
        "DELETE FROM dispatch_route WHERE street_id = :street AND category_id = :category";
    struct store_stmt *stmt = store_tx_stmt(tx, row->department_id > 0 ? SQL_SET : SQL_DELETE);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":street", row->street_id);
    store_bind_int(stmt, ":category", row->category_id);
    if (row->department_id > 0) {
        store_bind_int(stmt, ":department", row->department_id);
        store_bind_int(stmt, ":now", store_now_ms());
    }
    int rc = store_exec_stmt(stmt);
    return rc == STORE_CONFLICT ? STORE_INVALID : rc;
}

struct routing_job {
    const struct store_actor *actor;
    const struct store_route *rows;
    size_t count;
};

int store_routing_set_tx(struct store_tx *tx, const struct store_actor *actor,
                         const struct store_route *rows, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const struct store_route *row = &rows[i];
        cJSON *before = route_json_tx(tx, row);
        if (before == NULL)
            return STORE_INVALID;
        int rc = route_write(tx, row);
        cJSON *after = rc == STORE_OK ? route_json_tx(tx, row) : NULL;
        if (after == NULL) {
            cJSON_Delete(before);
            return rc == STORE_OK ? STORE_ERROR : rc;
        }
        if (cJSON_Compare(before, after, true)) {
            cJSON_Delete(before);
            cJSON_Delete(after);
            continue;
        }
        rc =
            store_admin_audit_tx(tx, actor, "routing.set", "street", row->street_id, before, after);
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

static int routing_job(struct store_tx *tx, void *data)
{
    struct routing_job *job = data;
    return store_routing_set_tx(tx, job->actor, job->rows, job->count);
}

int store_routing_set(struct store *store, const struct store_actor *actor,
                      const struct store_route *rows, size_t count)
{
    struct routing_job job = {actor, rows, count};
    return store_write(store, routing_job, &job);
}

int store_routing_list(struct store *store, const struct jurisdiction *jurisdiction,
                       void (*fn)(const struct store_route_row *row, void *data), void *data)
{
    static const char SQL[] =
        "SELECT s.code, s.name, c.tree, c.code, c.name_zh, d.id, d.code, d.name "
        "FROM dispatch_route r JOIN org_unit s ON s.id = r.street_id "
        "JOIN category c ON c.id = r.category_id JOIN org_unit d ON d.id = r.department_id "
        "WHERE s.path >= :scope_lo AND s.path < :scope_hi ORDER BY s.code, c.tree, c.code";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    struct jurisdiction_range range;
    jurisdiction_place_range(jurisdiction, &range);
    store_bind_range(stmt, &range);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct store_route_row row = {
            .street_code = store_col_text(stmt, 0),
            .street_name = store_col_text(stmt, 1),
            .category_tree = store_col_text(stmt, 2),
            .category_code = store_col_text(stmt, 3),
            .category_name = store_col_text(stmt, 4),
            .department_id = store_col_int64(stmt, 5),
            .department_code = store_col_text(stmt, 6),
            .department_name = store_col_text(stmt, 7),
        };
        fn(&row, data);
    }
    return store_read_finish(stmt, rc, "listing the routing");
}

int store_routing_find(struct store *store, int64_t street_id, int64_t category_id,
                       struct store_org_unit *out)
{
    static const char SQL[] = "SELECT " STORE_UNIT_COLUMNS " FROM dispatch_route r "
                              "JOIN org_unit o ON o.id = r.department_id "
                              "WHERE r.street_id = :street AND r.category_id = :category";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":street", street_id);
    store_bind_int(stmt, ":category", category_id);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        store_org_unit_read(stmt, out);
    store_stmt_done(stmt);
    return rc;
}

// ---- grid assignments ----

int store_grid_get(struct store *store, int64_t id, struct store_grid_admin *out)
{
    static const char SQL[] = "SELECT g.id, g.code, o.path, g.patrol_zone, "
                              "COALESCE(g.leader_user_id, 0) FROM grid_cell g "
                              "JOIN org_unit o ON o.id = g.community_id WHERE g.id = :id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", id);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK) {
        memset(out, 0, sizeof *out);
        out->id = store_col_int64(stmt, 0);
        store_column_copy(out->code, sizeof out->code, stmt, 1);
        store_column_copy(out->place_path, sizeof out->place_path, stmt, 2);
        store_column_copy(out->patrol_zone, sizeof out->patrol_zone, stmt, 3);
        out->leader_user_id = store_col_int64(stmt, 4);
    }
    store_stmt_done(stmt);
    return rc;
}

// {code, patrol_zone, leader (username or null), inspectors [usernames]} of a
// cell, or NULL when there is none.
static cJSON *grid_json_tx(struct store_tx *tx, int64_t id)
{
    static const char SQL[] = "SELECT g.code, g.patrol_zone, u.username FROM grid_cell g "
                              "LEFT JOIN app_user u ON u.id = g.leader_user_id WHERE g.id = :id";
    static const char SQL_INSPECTORS[] =
        "SELECT u.username FROM grid_inspector i JOIN app_user u ON u.id = i.user_id "
        "WHERE i.grid_id = :id ORDER BY u.username";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return NULL;
    store_bind_int(stmt, ":id", id);
    cJSON *out = NULL;
    if (store_step_row(stmt) == STORE_OK) {
        out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "code", store_col_text(stmt, 0));
        cJSON_AddStringToObject(out, "patrol_zone", store_col_text(stmt, 1));
        add_text_or_null(out, "leader", store_col_text(stmt, 2));
    }
    store_stmt_done(stmt);
    struct store_stmt *list = out ? store_tx_stmt(tx, SQL_INSPECTORS) : NULL;
    if (list == NULL) {
        cJSON_Delete(out);
        return NULL;
    }
    cJSON *names = cJSON_AddArrayToObject(out, "inspectors");
    store_bind_int(list, ":id", id);
    int rc;
    while ((rc = store_step(list)) == STORE_ROW)
        cJSON_AddItemToArray(names, cJSON_CreateString(store_col_text(list, 0)));
    store_stmt_done(list);
    if (rc != STORE_DONE) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

// STORE_OK when user id exists, STORE_INVALID when not.
static int user_exists_tx(struct store_tx *tx, int64_t id)
{
    static const char SQL[] = "SELECT 1 FROM app_user WHERE id = :id";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", id);
    int rc = store_step_row(stmt);
    store_stmt_done(stmt);
    return rc == STORE_NOT_FOUND ? STORE_INVALID : rc;
}

struct grid_job {
    const struct store_actor *actor;
    int64_t grid_id;
    const int64_t *user_ids;
    size_t count;
    const char *patrol_zone;
    int64_t leader_user_id;
};

// Replaces the cell's inspectors by the job's users.
static int inspectors_write(struct store_tx *tx, const struct grid_job *job)
{
    static const char SQL_CLEAR[] = "DELETE FROM grid_inspector WHERE grid_id = :grid";
    static const char SQL_ADD[] = "INSERT INTO grid_inspector (grid_id, user_id) VALUES (:grid, "
                                  ":user) ON CONFLICT (grid_id, user_id) DO NOTHING";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL_CLEAR);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":grid", job->grid_id);
    int rc = store_exec_stmt(stmt);
    for (size_t i = 0; i < job->count && rc == STORE_OK; i++) {
        if ((rc = user_exists_tx(tx, job->user_ids[i])) != STORE_OK)
            break;
        if ((stmt = store_tx_stmt(tx, SQL_ADD)) == NULL)
            return STORE_ERROR;
        store_bind_int(stmt, ":grid", job->grid_id);
        store_bind_int(stmt, ":user", job->user_ids[i]);
        rc = store_exec_stmt(stmt);
    }
    return rc;
}

// Sets the cell's patrol zone and leader as the job says.
static int grid_fields_write(struct store_tx *tx, const struct grid_job *job)
{
    static const char SQL_ZONE[] = "UPDATE grid_cell SET patrol_zone = :zone WHERE id = :grid";
    static const char SQL_LEADER[] =
        "UPDATE grid_cell SET leader_user_id = :leader WHERE id = :grid";
    int rc = STORE_OK;
    if (job->patrol_zone != NULL) {
        struct store_stmt *stmt = store_tx_stmt(tx, SQL_ZONE);
        if (stmt == NULL)
            return STORE_ERROR;
        store_bind_text(stmt, ":zone", job->patrol_zone);
        store_bind_int(stmt, ":grid", job->grid_id);
        rc = store_exec_stmt(stmt);
    }
    if (rc == STORE_OK && job->leader_user_id > 0)
        rc = user_exists_tx(tx, job->leader_user_id);
    if (rc == STORE_OK && job->leader_user_id >= 0) {
        struct store_stmt *stmt = store_tx_stmt(tx, SQL_LEADER);
        if (stmt == NULL)
            return STORE_ERROR;
        store_bind_id(stmt, ":leader", job->leader_user_id);
        store_bind_int(stmt, ":grid", job->grid_id);
        rc = store_exec_stmt(stmt);
    }
    return rc;
}

// Runs write on the job's cell between its before and after, then appends action.
static int grid_change_job(struct store_tx *tx, struct grid_job *job, const char *action,
                           int (*write)(struct store_tx *tx, const struct grid_job *job))
{
    cJSON *before = grid_json_tx(tx, job->grid_id);
    if (before == NULL)
        return STORE_NOT_FOUND;
    int rc = write(tx, job);
    cJSON *after = rc == STORE_OK ? grid_json_tx(tx, job->grid_id) : NULL;
    if (after == NULL) {
        cJSON_Delete(before);
        return rc == STORE_OK ? STORE_ERROR : rc;
    }
    return store_admin_audit_tx(tx, job->actor, action, "grid_cell", job->grid_id, before, after);
}

static int inspectors_job(struct store_tx *tx, void *data)
{
    return grid_change_job(tx, data, "grid.inspectors", inspectors_write);
}

int store_grid_assign_tx(struct store_tx *tx, const struct store_actor *actor,
                         const struct store_grid_assignment *row)
{
    struct grid_job job = {.actor = actor,
                           .grid_id = row->grid_id,
                           .user_ids = row->inspector_ids,
                           .count = row->inspector_count,
                           .patrol_zone = row->patrol_zone,
                           .leader_user_id = row->leader_user_id};
    int rc = STORE_OK;
    if (row->set_inspectors)
        rc = grid_change_job(tx, &job, "grid.inspectors", inspectors_write);
    if (rc == STORE_OK && (row->patrol_zone != NULL || row->leader_user_id >= 0))
        rc = grid_change_job(tx, &job, "grid.update", grid_fields_write);
    return rc;
}

int store_grid_inspectors_set(struct store *store, const struct store_actor *actor, int64_t grid_id,
                              const int64_t *user_ids, size_t count)
{
    struct grid_job job = {
        .actor = actor, .grid_id = grid_id, .user_ids = user_ids, .count = count};
    return store_write(store, inspectors_job, &job);
}

static int grid_update_job(struct store_tx *tx, void *data)
{
    return grid_change_job(tx, data, "grid.update", grid_fields_write);
}

int store_grid_change(struct store *store, const struct store_actor *actor, int64_t grid_id,
                      const char *patrol_zone, int64_t leader_user_id)
{
    struct grid_job job = {.actor = actor,
                           .grid_id = grid_id,
                           .patrol_zone = patrol_zone,
                           .leader_user_id = leader_user_id};
    return store_write(store, grid_update_job, &job);
}

// ---- reading the log ----

int store_audit_log_list(struct store *store, const struct store_audit_filter *filter,
                         void (*fn)(const struct store_audit_row *row, void *data), void *data)
{
    static const char SQL[] =
        "SELECT id, COALESCE(actor_user_id, 0), actor_role, actor_name, action, subject_kind, "
        "subject_id, data, created_at, hash FROM audit_log "
        "WHERE (subject_kind = :kind OR :kind IS NULL) AND (subject_id = :subject OR :subject = 0) "
        "AND created_at >= :from AND created_at < :to AND id < :before "
        "ORDER BY id DESC LIMIT :limit";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":kind", filter->subject_kind);
    store_bind_int(stmt, ":subject", filter->subject_id);
    store_bind_int(stmt, ":from", filter->from_ms);
    store_bind_int(stmt, ":to", filter->to_ms > 0 ? filter->to_ms : INT64_MAX);
    store_bind_int(stmt, ":before", filter->before_id > 0 ? filter->before_id : INT64_MAX);
    store_bind_int(stmt, ":limit", filter->limit);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct store_audit_row row = {
            .id = store_col_int64(stmt, 0),
            .actor_user_id = store_col_int64(stmt, 1),
            .actor_role = store_col_text(stmt, 2),
            .actor_name = store_col_text(stmt, 3),
            .action = store_col_text(stmt, 4),
            .subject_kind = store_col_text(stmt, 5),
            .subject_id = store_col_int64(stmt, 6),
            .data = store_col_text(stmt, 7),
            .created_at = store_col_int64(stmt, 8),
            .hash = store_col_text(stmt, 9),
        };
        fn(&row, data);
    }
    return store_read_finish(stmt, rc, "reading audit_log");
}
