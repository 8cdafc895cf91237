// SPDX-License-Identifier: MIT
// SQL for the 门前三包 registry: responsible units, the cases that name one
// (frontage_case, with the unit's violation counter moved in the same write
// job) and patrol checks (a failed check files its case in the same job).
// Same SQL on every engine but the text filter (instr / strpos).
#include "store_frontage.h"

#include "engine.h"
#include "jurisdiction.h"
#include "log.h"
#include "store_cases.h"

#include <stdio.h>
#include <string.h>

#define UNIT_COLUMNS                                                                               \
    "f.id, f.name, f.kind, f.address, f.lat, f.lon, COALESCE(f.grid_id, 0), "                      \
    "COALESCE(g.code, ''), f.street_id, COALESCE(s.name, ''), f.place_path, f.contact_name, "      \
    "f.contact_phone, f.frontage_m, f.duty_appearance, f.duty_sanitation, f.duty_order, "          \
    "f.plate_no, f.active, f.violations, COALESCE(f.last_check_at, 0), "                           \
    "COALESCE(f.last_check_passed, -1), f.created_at, f.updated_at "                               \
    "FROM frontage_unit f LEFT JOIN grid_cell g ON g.id = f.grid_id "                              \
    "LEFT JOIN org_unit s ON s.id = f.street_id "

static void unit_read(struct store_stmt *stmt, struct store_frontage_unit *u)
{
    memset(u, 0, sizeof *u);
    u->id = store_col_int64(stmt, 0);
    store_column_copy(u->name, sizeof u->name, stmt, 1);
    store_column_copy(u->kind, sizeof u->kind, stmt, 2);
    store_column_copy(u->address, sizeof u->address, stmt, 3);
    u->lat = store_col_double(stmt, 4);
    u->lon = store_col_double(stmt, 5);
    u->grid_id = store_col_int64(stmt, 6);
    store_column_copy(u->grid_code, sizeof u->grid_code, stmt, 7);
    u->street_id = store_col_int64(stmt, 8);
    store_column_copy(u->street_name, sizeof u->street_name, stmt, 9);
    store_column_copy(u->place_path, sizeof u->place_path, stmt, 10);
    store_column_copy(u->contact_name, sizeof u->contact_name, stmt, 11);
    store_column_copy(u->contact_phone, sizeof u->contact_phone, stmt, 12);
    u->frontage_m = store_col_double(stmt, 13);
    u->duty_appearance = store_col_int(stmt, 14) != 0;
    u->duty_sanitation = store_col_int(stmt, 15) != 0;
    u->duty_order = store_col_int(stmt, 16) != 0;
    store_column_copy(u->plate_no, sizeof u->plate_no, stmt, 17);
    u->active = store_col_int(stmt, 18) != 0;
    u->violations = store_col_int(stmt, 19);
    u->last_check_at = store_col_int64(stmt, 20);
    u->last_check_passed = store_col_int(stmt, 21);
    u->created_at = store_col_int64(stmt, 22);
    u->updated_at = store_col_int64(stmt, 23);
}

// Binds the registry fields of u (the ones a create or an update writes).
static void unit_bind(struct store_stmt *stmt, const struct store_frontage_unit *u)
{
    store_bind_text(stmt, ":name", u->name);
    store_bind_text(stmt, ":kind", u->kind);
    store_bind_text(stmt, ":address", u->address);
    store_bind_double(stmt, ":lat", u->lat);
    store_bind_double(stmt, ":lon", u->lon);
    store_bind_id(stmt, ":grid", u->grid_id);
    store_bind_int(stmt, ":street", u->street_id);
    store_bind_int(stmt, ":place", u->place_id);
    store_bind_text(stmt, ":contact_name", u->contact_name);
    store_bind_text(stmt, ":contact_phone", u->contact_phone);
    store_bind_double(stmt, ":frontage", u->frontage_m);
    store_bind_int(stmt, ":d1", u->duty_appearance);
    store_bind_int(stmt, ":d2", u->duty_sanitation);
    store_bind_int(stmt, ":d3", u->duty_order);
    store_bind_text(stmt, ":plate", u->plate_no);
    store_bind_int(stmt, ":active", u->active);
    store_bind_int(stmt, ":now", store_now_ms());
}

struct unit_job {
    const struct store_frontage_unit *unit; // count of them
    size_t count;
    int64_t *ids;
};

static int unit_create_job(struct store_tx *tx, void *data)
{
    static const char SQL[] =
        "INSERT INTO frontage_unit (name, kind, address, lat, lon, grid_id, street_id, "
        "place_path, contact_name, contact_phone, frontage_m, duty_appearance, duty_sanitation, "
        "duty_order, plate_no, active, created_at, updated_at) VALUES (:name, :kind, :address, "
        ":lat, :lon, :grid, :street, (SELECT path FROM org_unit WHERE id = :place), "
        ":contact_name, :contact_phone, :frontage, :d1, :d2, :d3, :plate, :active, :now, :now) "
        "RETURNING id";
    struct unit_job *job = data;
    int rc = STORE_OK;
    for (size_t i = 0; i < job->count && rc == STORE_OK; i++) {
        struct store_stmt *stmt = store_tx_stmt(tx, SQL);
        if (stmt == NULL)
            return STORE_ERROR;
        unit_bind(stmt, &job->unit[i]);
        rc = store_step_row(stmt);
        if (rc == STORE_OK && job->ids != NULL)
            job->ids[i] = store_col_int64(stmt, 0);
        store_stmt_done(stmt);
    }
    return rc;
}

int store_frontage_units_create(struct store *store, const struct store_frontage_unit *units,
                                size_t count, int64_t *ids)
{
    struct unit_job job = {.unit = units, .count = count, .ids = ids};
    return store_write(store, unit_create_job, &job);
}

static int unit_update_job(struct store_tx *tx, void *data)
{
    static const char SQL[] =
        "UPDATE frontage_unit SET name = :name, kind = :kind, address = :address, lat = :lat, "
        "lon = :lon, grid_id = :grid, street_id = :street, "
        "place_path = (SELECT path FROM org_unit WHERE id = :place), "
        "contact_name = :contact_name, contact_phone = :contact_phone, frontage_m = :frontage, "
        "duty_appearance = :d1, duty_sanitation = :d2, duty_order = :d3, plate_no = :plate, "
        "active = :active, updated_at = :now WHERE id = :id";
    struct unit_job *job = data;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    unit_bind(stmt, job->unit);
    store_bind_int(stmt, ":id", job->unit->id);
    int rc = store_step(stmt);
    int64_t changed = rc == STORE_DONE ? store_stmt_changes(stmt) : 0;
    store_stmt_done(stmt);
    if (rc != STORE_DONE)
        return rc == STORE_CONFLICT ? STORE_CONFLICT : STORE_ERROR;
    return changed > 0 ? STORE_OK : STORE_NOT_FOUND;
}

int store_frontage_unit_update(struct store *store, const struct store_frontage_unit *unit)
{
    struct unit_job job = {.unit = unit};
    return store_write(store, unit_update_job, &job);
}

int store_frontage_unit_get(struct store *store, int64_t id, struct store_frontage_unit *out)
{
    static const char SQL[] = "SELECT " UNIT_COLUMNS "WHERE f.id = :id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", id);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        unit_read(stmt, out);
    store_stmt_done(stmt);
    return rc;
}

// The list's filters, shared by both orders; :q is '' for no text filter.
#define LIST_WHERE(contains)                                                                       \
    "WHERE f.place_path >= :scope_lo AND f.place_path < :scope_hi "                                \
    "AND (:street = 0 OR f.street_id = :street) AND (:grid = 0 OR f.grid_id = :grid) "             \
    "AND (:assigned = 0 OR f.grid_id IN (SELECT grid_id FROM grid_inspector WHERE user_id = "      \
    ":assigned)) "                                                                                 \
    "AND (:q = '' OR " contains "(f.name || ' ' || f.address || ' ' || f.plate_no, :q) > 0) "
#define LIST_BY_ID(contains)                                                                       \
    "SELECT " UNIT_COLUMNS LIST_WHERE(contains) "AND f.id > :after_id ORDER BY f.id LIMIT :limit"
#define LIST_BY_VIOLATIONS(contains)                                                               \
    "SELECT " UNIT_COLUMNS LIST_WHERE(                                                             \
        contains) "AND (:after_id = 0 OR f.violations < :after_v OR (f.violations = :after_v AND " \
                  "f.id > "                                                                        \
                  ":after_id)) ORDER BY f.violations DESC, f.id LIMIT :limit"

int store_frontage_unit_list(struct store *store, const struct store_frontage_filter *filter,
                             void (*fn)(const struct store_frontage_unit *unit, void *data),
                             void *data)
{
    static const char BY_ID_SQLITE[] = LIST_BY_ID("instr");
    static const char BY_ID_PG[] = LIST_BY_ID("strpos");
    static const char BY_VIOLATIONS_SQLITE[] = LIST_BY_VIOLATIONS("instr");
    static const char BY_VIOLATIONS_PG[] = LIST_BY_VIOLATIONS("strpos");
    const char *sql = filter->by_violations
                          ? store_sql(store, BY_VIOLATIONS_SQLITE, BY_VIOLATIONS_PG)
                          : store_sql(store, BY_ID_SQLITE, BY_ID_PG);
    struct store_stmt *stmt = store_read_stmt(store, sql);
    if (stmt == NULL)
        return STORE_ERROR;
    struct jurisdiction_range range;
    jurisdiction_place_range(filter->jurisdiction, &range);
    store_bind_range(stmt, &range);
    store_bind_int(stmt, ":street", filter->street_id);
    store_bind_int(stmt, ":grid", filter->grid_id);
    store_bind_int(stmt, ":assigned", filter->assigned_user_id);
    store_bind_text(stmt, ":q", filter->text ? filter->text : "");
    store_bind_int(stmt, ":after_id", filter->after_id);
    if (filter->by_violations)
        store_bind_int(stmt, ":after_v", filter->after_violations);
    store_bind_int(stmt, ":limit", filter->limit);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct store_frontage_unit unit;
        unit_read(stmt, &unit);
        fn(&unit, data);
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

// ---- cases naming a unit ----

// Adds delta to the violations of unit_id (0: none, nothing to do).
static int count_violation(struct store_tx *tx, int64_t unit_id, int delta)
{
    static const char SQL[] = "UPDATE frontage_unit SET violations = violations + :delta "
                              "WHERE id = :id";
    if (unit_id <= 0)
        return STORE_OK;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":delta", delta);
    store_bind_int(stmt, ":id", unit_id);
    int rc = store_exec_stmt(stmt);
    return rc == STORE_OK && store_stmt_changes(stmt) == 0 ? STORE_NOT_FOUND : rc;
}

// The unit case_id names inside a write job (0: none), or -1 on error.
static int64_t linked_unit_tx(struct store_tx *tx, int64_t case_id)
{
    static const char SQL[] = "SELECT unit_id FROM frontage_case WHERE case_id = :case";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return -1;
    store_bind_int(stmt, ":case", case_id);
    int rc = store_step_row(stmt);
    int64_t unit = rc == STORE_OK ? store_col_int64(stmt, 0) : 0;
    store_stmt_done(stmt);
    return rc == STORE_OK || rc == STORE_NOT_FOUND ? unit : -1;
}

// Makes unit_id (0: none) the unit of the case filed at created_at, moving
// the count from the unit it named before.
static int link_tx(struct store_tx *tx, int64_t case_id, int64_t created_at, int64_t unit_id)
{
    static const char SQL_DELETE[] = "DELETE FROM frontage_case WHERE case_id = :case";
    static const char SQL_INSERT[] = "INSERT INTO frontage_case (case_id, unit_id, month, "
                                     "created_at) VALUES (:case, :unit, :month, :created)";
    int64_t before = linked_unit_tx(tx, case_id);
    if (before < 0)
        return STORE_ERROR;
    if (before == unit_id)
        return STORE_OK;
    int rc = count_violation(tx, before, -1);
    struct store_stmt *stmt = rc == STORE_OK ? store_tx_stmt(tx, SQL_DELETE) : NULL;
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case", case_id);
    if ((rc = store_exec_stmt(stmt)) != STORE_OK || unit_id <= 0)
        return rc;
    if ((rc = count_violation(tx, unit_id, 1)) != STORE_OK)
        return rc;
    char month[8];
    frontage_month(created_at, month);
    if ((stmt = store_tx_stmt(tx, SQL_INSERT)) == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case", case_id);
    store_bind_int(stmt, ":unit", unit_id);
    store_bind_text(stmt, ":month", month);
    store_bind_int(stmt, ":created", created_at);
    return store_exec_stmt(stmt);
}

struct link_job {
    int64_t case_id, unit_id, actor_user_id;
    const char *actor_role, *actor_name;
};

static int link_job(struct store_tx *tx, void *data)
{
    static const char SQL[] = "SELECT created_at FROM case_record WHERE id = :id";
    struct link_job *job = data;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", job->case_id);
    int rc = store_step_row(stmt);
    int64_t created_at = rc == STORE_OK ? store_col_int64(stmt, 0) : 0;
    store_stmt_done(stmt);
    if (rc != STORE_OK || (rc = link_tx(tx, job->case_id, created_at, job->unit_id)) != STORE_OK)
        return rc;
    char json[48];
    snprintf(json, sizeof json, "{\"frontage_unit_id\":%lld}", (long long)job->unit_id);
    return store_case_note_tx(tx, job->case_id, "frontage", job->actor_user_id, job->actor_role,
                              job->actor_name, NULL, NULL, json);
}

int store_frontage_case_link(struct store *store, int64_t case_id, int64_t unit_id,
                             int64_t actor_user_id, const char *actor_role, const char *actor_name)
{
    struct link_job job = {case_id, unit_id, actor_user_id, actor_role, actor_name};
    return store_write(store, link_job, &job);
}

struct create_job {
    const struct worktime_calendar *calendar;
    const struct case_intake *intake;
    int64_t unit_id;
    struct store_case *out;
};

static int create_job(struct store_tx *tx, void *data)
{
    struct create_job *job = data;
    int rc = store_case_create_tx(tx, job->calendar, job->intake, job->out);
    if (rc != STORE_OK)
        return rc;
    return link_tx(tx, job->out->id, job->out->created_at, job->unit_id);
}

int store_frontage_case_create(struct store *store, const struct worktime_calendar *calendar,
                               const struct case_intake *intake, int64_t unit_id,
                               struct store_case *out)
{
    struct create_job job = {calendar, intake, unit_id, out};
    return store_write(store, create_job, &job);
}

int store_frontage_case_unit(struct store *store, int64_t case_id, int64_t *unit_id)
{
    static const char SQL[] = "SELECT unit_id FROM frontage_case WHERE case_id = :case";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case", case_id);
    int rc = store_step_row(stmt);
    *unit_id = rc == STORE_OK ? store_col_int64(stmt, 0) : 0;
    store_stmt_done(stmt);
    return rc == STORE_OK || rc == STORE_NOT_FOUND ? STORE_OK : STORE_ERROR;
}

int store_frontage_unit_cases(struct store *store, int64_t unit_id, int limit,
                              void (*fn_month)(const char *month, int count, void *data),
                              void (*fn_case)(int64_t case_id, void *data), void *data)
{
    static const char SQL_MONTHS[] = "SELECT month, COUNT(*) FROM frontage_case WHERE unit_id = "
                                     ":unit GROUP BY month ORDER BY month DESC";
    static const char SQL_CASES[] = "SELECT case_id FROM frontage_case WHERE unit_id = :unit "
                                    "ORDER BY case_id DESC LIMIT :limit";
    struct store_stmt *stmt = store_read_stmt(store, SQL_MONTHS);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":unit", unit_id);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW)
        fn_month(store_col_text(stmt, 0), store_col_int(stmt, 1), data);
    store_stmt_done(stmt);
    if (rc != STORE_DONE || (stmt = store_read_stmt(store, SQL_CASES)) == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":unit", unit_id);
    store_bind_int(stmt, ":limit", limit);
    while ((rc = store_step(stmt)) == STORE_ROW)
        fn_case(store_col_int64(stmt, 0), data);
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

// ---- patrol checks ----

// Binds a duty's result: 1, 0, or NULL for -1.
static void bind_duty(struct store_stmt *stmt, const char *name, int result)
{
    if (result < 0)
        store_bind_null(stmt, name);
    else
        store_bind_int(stmt, name, result);
}

struct check_job {
    const struct worktime_calendar *calendar;
    struct store_frontage_check *check;
    const struct case_intake *intake;
    struct store_case *out;
};

static int check_job(struct store_tx *tx, void *data)
{
    static const char SQL_UNIT[] =
        "UPDATE frontage_unit SET last_check_at = :now, last_check_passed = :passed "
        "WHERE id = :unit";
    static const char SQL_INSERT[] =
        "INSERT INTO frontage_check (unit_id, inspector_user_id, appearance, sanitation, "
        "order_greening, passed, note, photos, case_id, created_at) VALUES (:unit, :user, :a, "
        ":s, :o, :passed, :note, :photos, :case, :now) RETURNING id";
    struct check_job *job = data;
    struct store_frontage_check *c = job->check;
    c->created_at = store_now_ms();
    struct store_stmt *stmt = store_tx_stmt(tx, SQL_UNIT);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":now", c->created_at);
    store_bind_int(stmt, ":passed", c->passed);
    store_bind_int(stmt, ":unit", c->unit_id);
    int rc = store_exec_stmt(stmt);
    if (rc == STORE_OK && store_stmt_changes(stmt) == 0)
        return STORE_NOT_FOUND;
    if (rc == STORE_OK && job->intake != NULL) {
        rc = store_case_create_tx(tx, job->calendar, job->intake, job->out);
        if (rc == STORE_OK)
            rc = link_tx(tx, job->out->id, job->out->created_at, c->unit_id);
        c->case_id = rc == STORE_OK ? job->out->id : 0;
    }
    if (rc != STORE_OK || (stmt = store_tx_stmt(tx, SQL_INSERT)) == NULL)
        return rc != STORE_OK ? rc : STORE_ERROR;
    store_bind_int(stmt, ":unit", c->unit_id);
    store_bind_int(stmt, ":user", c->inspector_user_id);
    bind_duty(stmt, ":a", c->appearance);
    bind_duty(stmt, ":s", c->sanitation);
    bind_duty(stmt, ":o", c->order_greening);
    store_bind_int(stmt, ":passed", c->passed);
    store_bind_text(stmt, ":note", c->note ? c->note : "");
    store_bind_text(stmt, ":photos", c->photos_json ? c->photos_json : "[]");
    store_bind_id(stmt, ":case", c->case_id);
    store_bind_int(stmt, ":now", c->created_at);
    rc = store_step_row(stmt);
    if (rc == STORE_OK)
        c->id = store_col_int64(stmt, 0);
    store_stmt_done(stmt);
    return rc;
}

int store_frontage_check_add(struct store *store, const struct worktime_calendar *calendar,
                             struct store_frontage_check *check, const struct case_intake *intake,
                             struct store_case *out_case)
{
    struct check_job job = {calendar, check, intake, out_case};
    return store_write(store, check_job, &job);
}

// Reads a duty column: 1, 0, or -1 for NULL.
static int duty_read(struct store_stmt *stmt, int col)
{
    return store_col_null(stmt, col) ? -1 : store_col_int(stmt, col);
}

int store_frontage_checks(struct store *store, int64_t unit_id, int limit,
                          void (*fn)(const struct store_frontage_check *check, void *data),
                          void *data)
{
    static const char SQL[] =
        "SELECT c.id, c.inspector_user_id, COALESCE(u.display_name, ''), c.appearance, "
        "c.sanitation, c.order_greening, c.passed, c.note, c.photos, COALESCE(c.case_id, 0), "
        "c.created_at FROM frontage_check c LEFT JOIN app_user u ON u.id = c.inspector_user_id "
        "WHERE c.unit_id = :unit ORDER BY c.id DESC LIMIT :limit";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":unit", unit_id);
    store_bind_int(stmt, ":limit", limit);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct store_frontage_check c = {
            .id = store_col_int64(stmt, 0),
            .unit_id = unit_id,
            .inspector_user_id = store_col_int64(stmt, 1),
            .appearance = duty_read(stmt, 3),
            .sanitation = duty_read(stmt, 4),
            .order_greening = duty_read(stmt, 5),
            .passed = store_col_int(stmt, 6) != 0,
            .note = store_col_text(stmt, 7),
            .photos_json = store_col_text(stmt, 8),
            .case_id = store_col_int64(stmt, 9),
            .created_at = store_col_int64(stmt, 10),
        };
        store_column_copy(c.inspector_name, sizeof c.inspector_name, stmt, 2);
        fn(&c, data);
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}
