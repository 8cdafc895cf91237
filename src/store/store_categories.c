// SPDX-License-Identifier: MIT
// SQL for the category trees: subclasses with their limits, the tree walk, the
// keyword scan behind suggestions (ranked by catsuggest), and the admin's create
// and update jobs on the single write path.
#include "store_categories.h"

#include "admin_audit.h"
#include "catsuggest.h"
#include "log.h"
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const STAGE_NAMES[STORE_CATEGORY_STAGE_COUNT] = {
    "file", "verify", "dispatch", "sign", "handle", "check", "close",
};

const char *store_category_stage_name(enum store_category_stage stage)
{
    return (unsigned)stage < STORE_CATEGORY_STAGE_COUNT ? STAGE_NAMES[stage] : "unknown";
}

int store_category_stage_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < STORE_CATEGORY_STAGE_COUNT; i++)
        if (strcmp(name, STAGE_NAMES[i]) == 0)
            return i;
    return -1;
}

// The subclass columns every query returns, in the order read_category expects.
#define CATEGORY_COLUMNS                                                                           \
    "c.id, c.tree, c.code, p.id, p.code, p.name_zh, p.name_en, c.name_zh, c.name_en, "             \
    "c.default_department_kind, c.filing_condition, c.closing_condition, c.urgent, c.active"
#define CATEGORY_JOIN " FROM category c JOIN category p ON p.id = c.parent_id "

static void read_category(struct store_stmt *stmt, struct store_category *out)
{
    memset(out, 0, sizeof *out);
    out->id = store_col_int64(stmt, 0);
    store_column_copy(out->tree, sizeof out->tree, stmt, 1);
    store_column_copy(out->code, sizeof out->code, stmt, 2);
    out->major_id = store_col_int64(stmt, 3);
    store_column_copy(out->major_code, sizeof out->major_code, stmt, 4);
    store_column_copy(out->major_name_zh, sizeof out->major_name_zh, stmt, 5);
    store_column_copy(out->major_name_en, sizeof out->major_name_en, stmt, 6);
    store_column_copy(out->name_zh, sizeof out->name_zh, stmt, 7);
    store_column_copy(out->name_en, sizeof out->name_en, stmt, 8);
    store_column_copy(out->default_department_kind, sizeof out->default_department_kind, stmt, 9);
    store_column_copy(out->filing_condition, sizeof out->filing_condition, stmt, 10);
    store_column_copy(out->closing_condition, sizeof out->closing_condition, stmt, 11);
    out->urgent = store_col_int(stmt, 12) != 0;
    out->active = store_col_int(stmt, 13) != 0;
}

static int load_phases(struct store *store, struct store_category *category)
{
    static const char SQL[] = "SELECT code, name_zh, name_en, unit, amount FROM category_phase "
                              "WHERE category_id = :id ORDER BY seq";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", category->id);
    category->phase_count = 0;
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW && category->phase_count < 4) {
        struct store_category_phase *phase = &category->phases[category->phase_count];
        int unit = worktime_unit_from_name(store_col_text(stmt, 3));
        if (unit < 0)
            continue;
        store_column_copy(phase->code, sizeof phase->code, stmt, 0);
        store_column_copy(phase->name_zh, sizeof phase->name_zh, stmt, 1);
        store_column_copy(phase->name_en, sizeof phase->name_en, stmt, 2);
        phase->limit =
            (struct store_category_limit){true, (enum worktime_unit)unit, store_col_int(stmt, 4)};
        category->phase_count++;
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE || rc == STORE_ROW ? STORE_OK : STORE_ERROR;
}

static int load_limits(struct store *store, struct store_category *category)
{
    static const char SQL[] =
        "SELECT stage, unit, amount FROM category_limit WHERE category_id = :id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", category->id);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        int stage = store_category_stage_from_name(store_col_text(stmt, 0));
        int unit = worktime_unit_from_name(store_col_text(stmt, 1));
        if (stage < 0 || unit < 0)
            continue;
        category->limits[stage] = (struct store_category_limit){
            .set = true, .unit = (enum worktime_unit)unit, .amount = store_col_int(stmt, 2)};
    }
    if (rc != STORE_DONE)
        log_error("store: limits: %s", store_stmt_error(stmt));
    store_stmt_done(stmt);
    return rc == STORE_DONE ? load_phases(store, category) : STORE_ERROR;
}

// Finishes a one-row subclass read: copies the row, releases the statement, loads
// the limits.
static int finish_get(struct store *store, struct store_stmt *stmt, struct store_category *out)
{
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        read_category(stmt, out);
    store_stmt_done(stmt);
    return rc == STORE_OK ? load_limits(store, out) : rc;
}

int store_category_get(struct store *store, int64_t id, struct store_category *out)
{
    static const char SQL[] = "SELECT " CATEGORY_COLUMNS CATEGORY_JOIN "WHERE c.id = :id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", id);
    return finish_get(store, stmt, out);
}

int store_category_find(struct store *store, const char *tree, const char *code,
                        struct store_category *out)
{
    static const char SQL[] =
        "SELECT " CATEGORY_COLUMNS CATEGORY_JOIN "WHERE c.tree = :tree AND c.code = :code";
    if (tree == NULL || code == NULL)
        return STORE_NOT_FOUND;
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":tree", tree);
    store_bind_text(stmt, ":code", code);
    return finish_get(store, stmt, out);
}

// Calls on_subclass for each subclass of one major class, by code.
static int list_subclasses(struct store *store, int64_t major_id, bool include_inactive,
                           void (*on_subclass)(const struct store_category *, void *), void *data)
{
    static const char SQL[] = "SELECT " CATEGORY_COLUMNS CATEGORY_JOIN
                              "WHERE c.parent_id = :major AND (:all = 1 OR c.active) "
                              "ORDER BY c.code";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    struct store_category *category = malloc(sizeof *category);
    if (stmt == NULL || category == NULL) {
        free(category);
        return STORE_ERROR;
    }
    store_bind_int(stmt, ":major", major_id);
    store_bind_int(stmt, ":all", include_inactive ? 1 : 0);
    int rc = STORE_DONE, result = STORE_OK;
    while (result == STORE_OK && (rc = store_step(stmt)) == STORE_ROW) {
        read_category(stmt, category);
        result = load_limits(store, category);
        if (result == STORE_OK && on_subclass != NULL)
            on_subclass(category, data);
    }
    if (result == STORE_OK && rc != STORE_DONE) {
        log_error("store: subclasses: %s", store_stmt_error(stmt));
        result = STORE_ERROR;
    }
    store_stmt_done(stmt);
    free(category);
    return result;
}

int store_category_list(struct store *store, const char *tree, bool include_inactive,
                        void (*on_major)(const struct store_category_major *major, void *data),
                        void (*on_subclass)(const struct store_category *subclass, void *data),
                        void *data)
{
    static const char SQL[] = "SELECT id, tree, code, name_zh, name_en FROM category "
                              "WHERE parent_id IS NULL AND (tree = :tree OR :tree IS NULL) "
                              "ORDER BY tree, code";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":tree", tree);
    int rc = STORE_DONE, result = STORE_OK;
    while (result == STORE_OK && (rc = store_step(stmt)) == STORE_ROW) {
        struct store_category_major major = {.id = store_col_int64(stmt, 0)};
        store_column_copy(major.tree, sizeof major.tree, stmt, 1);
        store_column_copy(major.code, sizeof major.code, stmt, 2);
        store_column_copy(major.name_zh, sizeof major.name_zh, stmt, 3);
        store_column_copy(major.name_en, sizeof major.name_en, stmt, 4);
        if (on_major != NULL)
            on_major(&major, data);
        result = list_subclasses(store, major.id, include_inactive, on_subclass, data);
    }
    if (result == STORE_OK && rc != STORE_DONE) {
        log_error("store: categories: %s", store_stmt_error(stmt));
        result = STORE_ERROR;
    }
    store_stmt_done(stmt);
    return result;
}

int store_category_keywords(struct store *store, int64_t id,
                            void (*fn)(const char *keyword, int weight, void *data), void *data)
{
    static const char SQL[] = "SELECT keyword, weight FROM category_keyword "
                              "WHERE category_id = :id ORDER BY weight DESC, keyword";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", id);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW)
        fn(store_col_text(stmt, 0), store_col_int(stmt, 1), data);
    if (rc != STORE_DONE)
        log_error("store: keywords: %s", store_stmt_error(stmt));
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

// Scans every keyword of the active subclasses against the text into ranking,
// growing its malloc'd storage as needed (the caller frees ranking->entries).
static int rank_keywords(struct store *store, const char *text, size_t len,
                         struct catsuggest_ranking *ranking)
{
    static const char SQL[] =
        "SELECT k.category_id, k.keyword, k.weight FROM category_keyword k "
        "JOIN category c ON c.id = k.category_id WHERE c.active AND c.parent_id IS NOT NULL";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    int rc = STORE_DONE, result = STORE_OK;
    while (result == STORE_OK && (rc = store_step(stmt)) == STORE_ROW) {
        int64_t id = store_col_int64(stmt, 0);
        const char *keyword = store_col_text(stmt, 1);
        size_t keyword_len = store_col_bytes(stmt, 1);
        int weight = store_col_int(stmt, 2);
        while (catsuggest_consider(ranking, text, len, id, keyword, keyword_len, weight) ==
               CATSUGGEST_FULL) {
            size_t capacity = ranking->capacity ? ranking->capacity * 2 : 32;
            struct catsuggest_entry *grown = realloc(ranking->entries, capacity * sizeof *grown);
            if (grown == NULL) {
                result = STORE_ERROR;
                break;
            }
            catsuggest_rebind(ranking, grown, capacity);
        }
    }
    if (result == STORE_OK && rc != STORE_DONE) {
        log_error("store: keywords: %s", store_stmt_error(stmt));
        result = STORE_ERROR;
    }
    store_stmt_done(stmt);
    return result;
}

static int read_suggestion(struct store *store, const struct catsuggest_entry *entry,
                           struct store_category_suggestion *out)
{
    static const char SQL[] = "SELECT tree, code, name_zh, name_en FROM category WHERE id = :id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", entry->category_id);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK) {
        memset(out, 0, sizeof *out);
        out->id = entry->category_id;
        out->score = entry->score;
        store_column_copy(out->tree, sizeof out->tree, stmt, 0);
        store_column_copy(out->code, sizeof out->code, stmt, 1);
        store_column_copy(out->name_zh, sizeof out->name_zh, stmt, 2);
        store_column_copy(out->name_en, sizeof out->name_en, stmt, 3);
    }
    store_stmt_done(stmt);
    return rc;
}

int store_category_suggest(struct store *store, const char *text, size_t len,
                           struct store_category_suggestion *out, size_t max, size_t *count)
{
    struct catsuggest_ranking ranking;
    catsuggest_init(&ranking, NULL, 0);
    *count = 0;
    int rc = rank_keywords(store, text, len, &ranking);
    if (rc == STORE_OK) {
        catsuggest_sort(&ranking);
        for (size_t i = 0; i < ranking.count && *count < max && rc == STORE_OK; i++) {
            rc = read_suggestion(store, &ranking.entries[i], &out[*count]);
            if (rc == STORE_OK)
                (*count)++;
            else if (rc == STORE_NOT_FOUND) // deleted meanwhile: skip it
                rc = STORE_OK;
        }
    }
    free(ranking.entries);
    return rc;
}

int store_category_suggest_best(struct store *store, const char *text, int64_t *id_out)
{
    struct store_category_suggestion best;
    size_t count = 0;
    if (text == NULL)
        return STORE_NOT_FOUND;
    int rc = store_category_suggest(store, text, strlen(text), &best, 1, &count);
    if (rc != STORE_OK)
        return rc;
    if (count == 0)
        return STORE_NOT_FOUND;
    *id_out = best.id;
    return STORE_OK;
}

void store_category_fields_init(struct store_category_fields *fields)
{
    *fields = (struct store_category_fields){.urgent = -1, .active = -1};
}

static int write_limits(struct store_tx *tx, int64_t id, const struct store_category_fields *f)
{
    static const char SQL[] =
        "INSERT INTO category_limit (category_id, stage, unit, amount) "
        "VALUES (:id, :stage, :unit, :amount) ON CONFLICT (category_id, stage) "
        "DO UPDATE SET unit = excluded.unit, amount = excluded.amount";
    for (int stage = 0; stage < STORE_CATEGORY_STAGE_COUNT; stage++) {
        if (!f->limits[stage].set)
            continue;
        struct store_stmt *stmt = store_tx_stmt(tx, SQL);
        if (stmt == NULL)
            return STORE_ERROR;
        store_bind_int(stmt, ":id", id);
        store_bind_text(stmt, ":stage", STAGE_NAMES[stage]);
        store_bind_text(stmt, ":unit", worktime_unit_name(f->limits[stage].unit));
        store_bind_int(stmt, ":amount", f->limits[stage].amount);
        int rc = store_exec_stmt(stmt);
        if (rc != STORE_OK)
            return rc == STORE_CONFLICT ? STORE_INVALID : rc;
    }
    return STORE_OK;
}

static int write_keywords(struct store_tx *tx, int64_t id, const struct store_category_fields *f)
{
    static const char SQL_CLEAR[] = "DELETE FROM category_keyword WHERE category_id = :id";
    static const char SQL_ADD[] =
        "INSERT INTO category_keyword (category_id, keyword, weight) VALUES (:id, :keyword, "
        ":weight) ON CONFLICT (category_id, keyword) DO UPDATE SET weight = excluded.weight";
    if (!f->replace_keywords)
        return STORE_OK;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL_CLEAR);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", id);
    int rc = store_exec_stmt(stmt);
    for (size_t i = 0; i < f->keyword_count && rc == STORE_OK; i++) {
        if ((stmt = store_tx_stmt(tx, SQL_ADD)) == NULL)
            return STORE_ERROR;
        store_bind_int(stmt, ":id", id);
        store_bind_text(stmt, ":keyword", f->keywords[i].keyword);
        store_bind_int(stmt, ":weight", f->keywords[i].weight);
        rc = store_exec_stmt(stmt);
    }
    return rc == STORE_CONFLICT ? STORE_INVALID : rc;
}

struct category_job {
    int64_t id;
    const char *tree;
    const char *code;
    const struct store_category_fields *fields;
};

// The subclass as the audit log shows it (its limits included), or NULL.
static cJSON *category_json_tx(struct store_tx *tx, int64_t id)
{
    static const char SQL[] = "SELECT " CATEGORY_COLUMNS CATEGORY_JOIN "WHERE c.id = :id";
    static const char SQL_LIMITS[] =
        "SELECT stage, unit, amount FROM category_limit WHERE category_id = :id ORDER BY stage";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return NULL;
    store_bind_int(stmt, ":id", id);
    cJSON *out = NULL;
    if (store_step_row(stmt) == STORE_OK) {
        struct store_category c;
        read_category(stmt, &c);
        out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "tree", c.tree);
        cJSON_AddStringToObject(out, "code", c.code);
        cJSON_AddStringToObject(out, "name_zh", c.name_zh);
        cJSON_AddStringToObject(out, "name_en", c.name_en);
        cJSON_AddStringToObject(out, "default_department_kind", c.default_department_kind);
        cJSON_AddBoolToObject(out, "urgent", c.urgent);
        cJSON_AddBoolToObject(out, "active", c.active);
    }
    store_stmt_done(stmt);
    struct store_stmt *limits = out ? store_tx_stmt(tx, SQL_LIMITS) : NULL;
    if (limits == NULL) {
        cJSON_Delete(out);
        return NULL;
    }
    cJSON *object = cJSON_AddObjectToObject(out, "limits");
    store_bind_int(limits, ":id", id);
    while (store_step(limits) == STORE_ROW) {
        cJSON *limit = cJSON_AddObjectToObject(object, store_col_text(limits, 0));
        cJSON_AddStringToObject(limit, "unit", store_col_text(limits, 1));
        cJSON_AddNumberToObject(limit, "amount", store_col_int(limits, 2));
    }
    store_stmt_done(limits);
    return out;
}

// Runs write (the update or the create) and, when the fields name an actor,
// appends action with the subclass before and after in the same job.
static int category_audited(struct store_tx *tx, struct category_job *job, const char *action,
                            int (*write)(struct store_tx *tx, struct category_job *job))
{
    const struct store_actor *actor = job->fields->actor;
    cJSON *before = actor && job->id > 0 ? category_json_tx(tx, job->id) : NULL;
    int rc = write(tx, job);
    cJSON *after = rc == STORE_OK && actor ? category_json_tx(tx, job->id) : NULL;
    if (rc != STORE_OK || actor == NULL) {
        cJSON_Delete(before);
        return rc;
    }
    if (after == NULL) {
        cJSON_Delete(before);
        return STORE_ERROR;
    }
    return store_admin_audit_tx(tx, actor, action, "category", job->id, before, after);
}

static int update_write(struct store_tx *tx, struct category_job *job)
{
    static const char SQL[] = "UPDATE category SET name_zh = COALESCE(:name_zh, name_zh), "
                              "name_en = COALESCE(:name_en, name_en), "
                              "default_department_kind = COALESCE(:kind, default_department_kind), "
                              "filing_condition = COALESCE(:filing, filing_condition), "
                              "closing_condition = COALESCE(:closing, closing_condition), "
                              "urgent = CASE WHEN :urgent < 0 THEN urgent ELSE :urgent <> 0 END, "
                              "active = CASE WHEN :active < 0 THEN active ELSE :active <> 0 END "
                              "WHERE id = :id AND parent_id IS NOT NULL RETURNING id";
    const struct store_category_fields *f = job->fields;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":name_zh", f->name_zh);
    store_bind_text(stmt, ":name_en", f->name_en);
    store_bind_text(stmt, ":kind", f->default_department_kind);
    store_bind_text(stmt, ":filing", f->filing_condition);
    store_bind_text(stmt, ":closing", f->closing_condition);
    store_bind_int(stmt, ":urgent", f->urgent < 0 ? -1 : f->urgent != 0);
    store_bind_int(stmt, ":active", f->active < 0 ? -1 : f->active != 0);
    store_bind_int(stmt, ":id", job->id);
    int rc = store_step_row(stmt);
    store_stmt_done(stmt);
    if (rc == STORE_OK)
        rc = write_limits(tx, job->id, f);
    if (rc == STORE_OK)
        rc = write_keywords(tx, job->id, f);
    return rc;
}

static int update_job(struct store_tx *tx, void *data)
{
    return category_audited(tx, data, "category.update", update_write);
}

int store_category_update(struct store *store, int64_t id,
                          const struct store_category_fields *fields)
{
    struct category_job job = {.id = id, .fields = fields};
    return store_write(store, update_job, &job);
}

static int create_write(struct store_tx *tx, struct category_job *job)
{
    static const char SQL_MAJOR[] = "SELECT id FROM category "
                                    "WHERE tree = :tree AND code = :code AND parent_id IS NULL";
    static const char SQL[] =
        "INSERT INTO category (tree, code, parent_id, name_zh, name_en, default_department_kind, "
        "filing_condition, closing_condition, urgent, active) VALUES (:tree, :code, :parent, "
        ":name_zh, :name_en, :kind, :filing, :closing, :urgent, :active) RETURNING id";
    const struct store_category_fields *f = job->fields;
    char major_code[3] = {job->code[0], job->code[1], '\0'};
    struct store_stmt *major = store_tx_stmt(tx, SQL_MAJOR);
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (major == NULL || stmt == NULL)
        return STORE_ERROR;
    store_bind_text(major, ":tree", job->tree);
    store_bind_text(major, ":code", major_code);
    int rc = store_step_row(major);
    int64_t parent = rc == STORE_OK ? store_col_int64(major, 0) : 0;
    store_stmt_done(major);
    if (rc != STORE_OK)
        return rc == STORE_NOT_FOUND ? STORE_INVALID : rc;
    store_bind_text(stmt, ":tree", job->tree);
    store_bind_text(stmt, ":code", job->code);
    store_bind_int(stmt, ":parent", parent);
    store_bind_text(stmt, ":name_zh", f->name_zh);
    store_bind_text(stmt, ":name_en", f->name_en);
    store_bind_text(stmt, ":kind", f->default_department_kind ? f->default_department_kind : "");
    store_bind_text(stmt, ":filing", f->filing_condition ? f->filing_condition : "");
    store_bind_text(stmt, ":closing", f->closing_condition ? f->closing_condition : "");
    store_bind_int(stmt, ":urgent", f->urgent > 0);
    store_bind_int(stmt, ":active", f->active != 0);
    rc = store_step_row(stmt);
    if (rc == STORE_OK)
        job->id = store_col_int64(stmt, 0);
    store_stmt_done(stmt);
    if (rc == STORE_OK)
        rc = write_limits(tx, job->id, f);
    if (rc == STORE_OK)
        rc = write_keywords(tx, job->id, f);
    return rc;
}

static int create_job(struct store_tx *tx, void *data)
{
    return category_audited(tx, data, "category.create", create_write);
}

int store_category_create(struct store *store, const char *tree, const char *code,
                          const struct store_category_fields *fields, int64_t *id_out)
{
    if (tree == NULL || code == NULL || strlen(code) != 4 || fields->name_zh == NULL ||
        fields->name_en == NULL)
        return STORE_INVALID;
    struct category_job job = {.tree = tree, .code = code, .fields = fields};
    int rc = store_write(store, create_job, &job);
    if (rc == STORE_OK && id_out != NULL)
        *id_out = job.id;
    return rc;
}
