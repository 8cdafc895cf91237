// SPDX-License-Identifier: MIT
// SQL for 示范街 evaluations: the criteria of a city, one evaluation per
// street, segment and period (refused once its period is published), the
// evaluations of a period best first, and the publication of a period, which
// appends the ranking as published to audit_log in the same write job. Same
// SQL on every engine.
#include "store_frontage.h"

#include "admin_audit.h"
#include "engine.h"
#include "jurisdiction.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

// ---- criteria ----

static void criterion_read(struct store_stmt *stmt, struct store_frontage_criterion *c)
{
    memset(c, 0, sizeof *c);
    c->id = store_col_int64(stmt, 0);
    c->city_id = store_col_int64(stmt, 1);
    store_column_copy(c->name, sizeof c->name, stmt, 2);
    c->weight = store_col_double(stmt, 3);
    c->max_score = store_col_double(stmt, 4);
    c->active = store_col_int(stmt, 5) != 0;
}

#define CRITERION_COLUMNS "id, city_id, name, weight, max_score, active FROM frontage_criterion "

// The criterion as audit_log shows it, or NULL when there is none.
static cJSON *criterion_json_tx(struct store_tx *tx, int64_t id)
{
    static const char SQL[] = "SELECT " CRITERION_COLUMNS "WHERE id = :id";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return NULL;
    store_bind_int(stmt, ":id", id);
    cJSON *out = NULL;
    if (store_step_row(stmt) == STORE_OK) {
        struct store_frontage_criterion c;
        criterion_read(stmt, &c);
        out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "name", c.name);
        cJSON_AddNumberToObject(out, "weight", c.weight);
        cJSON_AddNumberToObject(out, "max_score", c.max_score);
        cJSON_AddBoolToObject(out, "active", c.active);
    }
    store_stmt_done(stmt);
    return out;
}

struct criterion_job {
    const struct store_actor *actor;
    struct store_frontage_criterion *criterion;
};

static int criterion_job(struct store_tx *tx, void *data)
{
    static const char SQL_INSERT[] =
        "INSERT INTO frontage_criterion (city_id, name, weight, max_score, active, created_at) "
        "VALUES (:city, :name, :weight, :max, :active, :now) RETURNING id";
    static const char SQL_UPDATE[] =
        "UPDATE frontage_criterion SET name = :name, weight = :weight, max_score = :max, "
        "active = :active WHERE id = :id RETURNING id";
    struct criterion_job *job = data;
    struct store_frontage_criterion *c = job->criterion;
    cJSON *before = c->id ? criterion_json_tx(tx, c->id) : NULL;
    if (c->id && before == NULL)
        return STORE_NOT_FOUND;
    struct store_stmt *stmt = store_tx_stmt(tx, c->id ? SQL_UPDATE : SQL_INSERT);
    if (stmt == NULL) {
        cJSON_Delete(before);
        return STORE_ERROR;
    }
    if (c->id)
        store_bind_int(stmt, ":id", c->id);
    else {
        store_bind_int(stmt, ":city", c->city_id);
        store_bind_int(stmt, ":now", store_now_ms());
    }
    store_bind_text(stmt, ":name", c->name);
    store_bind_double(stmt, ":weight", c->weight);
    store_bind_double(stmt, ":max", c->max_score);
    store_bind_int(stmt, ":active", c->active);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        c->id = store_col_int64(stmt, 0);
    store_stmt_done(stmt);
    cJSON *after = rc == STORE_OK ? criterion_json_tx(tx, c->id) : NULL;
    if (after == NULL) {
        cJSON_Delete(before);
        return rc == STORE_OK ? STORE_ERROR : rc;
    }
    return store_admin_audit_tx(tx, job->actor,
                                before ? "frontage_criterion.update" : "frontage_criterion.create",
                                "frontage_criterion", c->id, before, after);
}

int store_frontage_criterion_save(struct store *store, const struct store_actor *actor,
                                  struct store_frontage_criterion *criterion)
{
    struct criterion_job job = {actor, criterion};
    return store_write(store, criterion_job, &job);
}

int store_frontage_criteria(struct store *store, int64_t city_id, bool active_only,
                            void (*fn)(const struct store_frontage_criterion *c, void *data),
                            void *data)
{
    static const char SQL[] = "SELECT " CRITERION_COLUMNS
                              "WHERE city_id = :city AND (:all = 1 OR active = 1) ORDER BY id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":city", city_id);
    store_bind_int(stmt, ":all", active_only ? 0 : 1);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct store_frontage_criterion c;
        criterion_read(stmt, &c);
        fn(&c, data);
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

int store_frontage_criterion_get(struct store *store, int64_t id,
                                 struct store_frontage_criterion *out)
{
    static const char SQL[] = "SELECT " CRITERION_COLUMNS "WHERE id = :id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", id);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        criterion_read(stmt, out);
    store_stmt_done(stmt);
    return rc;
}

// ---- evaluations and periods ----

// STORE_OK when city_id's period is published (*reward_top, *published_at set).
static int period_read(struct store_stmt *stmt, int64_t city_id, const char *period,
                       int *reward_top, int64_t *published_at)
{
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":city", city_id);
    store_bind_text(stmt, ":period", period);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK) {
        if (reward_top != NULL)
            *reward_top = store_col_int(stmt, 0);
        if (published_at != NULL)
            *published_at = store_col_int64(stmt, 1);
    }
    store_stmt_done(stmt);
    return rc;
}

static const char SQL_PERIOD[] = "SELECT reward_top, published_at FROM frontage_period "
                                 "WHERE city_id = :city AND period = :period";

static int evaluation_job(struct store_tx *tx, void *data)
{
    static const char SQL[] =
        "INSERT INTO frontage_evaluation (city_id, street_id, segment, period, total, scores, "
        "note, evaluator_user_id, created_at, updated_at) VALUES (:city, :street, :segment, "
        ":period, :total, :scores, :note, :user, :now, :now) ON CONFLICT (street_id, segment, "
        "period) DO UPDATE SET total = excluded.total, scores = excluded.scores, note = "
        "excluded.note, evaluator_user_id = excluded.evaluator_user_id, updated_at = "
        "excluded.updated_at RETURNING id";
    struct store_frontage_evaluation *e = data;
    int rc = period_read(store_tx_stmt(tx, SQL_PERIOD), e->city_id, e->period, NULL, NULL);
    if (rc != STORE_NOT_FOUND)
        return rc == STORE_OK ? STORE_CONFLICT : rc;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":city", e->city_id);
    store_bind_int(stmt, ":street", e->street_id);
    store_bind_text(stmt, ":segment", e->segment);
    store_bind_text(stmt, ":period", e->period);
    store_bind_double(stmt, ":total", e->total);
    store_bind_text(stmt, ":scores", e->scores_json);
    store_bind_text(stmt, ":note", e->note ? e->note : "");
    store_bind_int(stmt, ":user", e->evaluator_user_id);
    store_bind_int(stmt, ":now", store_now_ms());
    rc = store_step_row(stmt);
    if (rc == STORE_OK)
        e->id = store_col_int64(stmt, 0);
    store_stmt_done(stmt);
    return rc;
}

int store_frontage_evaluation_save(struct store *store, struct store_frontage_evaluation *e)
{
    return store_write(store, evaluation_job, e);
}

#define EVALUATION_SELECT                                                                          \
    "SELECT e.id, e.city_id, e.street_id, s.name, s.path, e.segment, e.period, e.total, "          \
    "e.scores, e.note, e.evaluator_user_id, COALESCE(u.display_name, ''), e.created_at, "          \
    "e.updated_at FROM frontage_evaluation e JOIN org_unit s ON s.id = e.street_id "               \
    "LEFT JOIN app_user u ON u.id = e.evaluator_user_id "                                          \
    "WHERE e.city_id = :city AND e.period = :period "

static void evaluation_read(struct store_stmt *stmt, struct store_frontage_evaluation *e)
{
    memset(e, 0, sizeof *e);
    e->id = store_col_int64(stmt, 0);
    e->city_id = store_col_int64(stmt, 1);
    e->street_id = store_col_int64(stmt, 2);
    store_column_copy(e->street_name, sizeof e->street_name, stmt, 3);
    store_column_copy(e->street_path, sizeof e->street_path, stmt, 4);
    store_column_copy(e->segment, sizeof e->segment, stmt, 5);
    store_column_copy(e->period, sizeof e->period, stmt, 6);
    e->total = store_col_double(stmt, 7);
    e->scores_json = store_col_text(stmt, 8);
    e->note = store_col_text(stmt, 9);
    e->evaluator_user_id = store_col_int64(stmt, 10);
    store_column_copy(e->evaluator_name, sizeof e->evaluator_name, stmt, 11);
    e->created_at = store_col_int64(stmt, 12);
    e->updated_at = store_col_int64(stmt, 13);
}

int store_frontage_evaluations(struct store *store, int64_t city_id, const char *period,
                               const struct jurisdiction *jurisdiction,
                               void (*fn)(const struct store_frontage_evaluation *e, void *data),
                               void *data)
{
    static const char SQL[] = EVALUATION_SELECT "AND s.path >= :scope_lo AND s.path < :scope_hi "
                                                "ORDER BY e.total DESC, e.id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    struct jurisdiction_range range;
    jurisdiction_place_range(jurisdiction, &range);
    store_bind_int(stmt, ":city", city_id);
    store_bind_text(stmt, ":period", period);
    store_bind_range(stmt, &range);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct store_frontage_evaluation e;
        evaluation_read(stmt, &e);
        fn(&e, data);
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

int store_frontage_period_get(struct store *store, int64_t city_id, const char *period,
                              int *reward_top, int64_t *published_at)
{
    return period_read(store_read_stmt(store, SQL_PERIOD), city_id, period, reward_top,
                       published_at);
}

struct publish_job {
    const struct store_actor *actor;
    int64_t city_id;
    const char *period;
    int reward_top;
};

// The period's ranking as published: [{street, segment, total, rank, rewarded}].
static cJSON *ranking_json_tx(struct store_tx *tx, int64_t city_id, const char *period,
                              int reward_top)
{
    static const char SQL[] = EVALUATION_SELECT "ORDER BY e.total DESC, e.id LIMIT 1000";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return NULL;
    store_bind_int(stmt, ":city", city_id);
    store_bind_text(stmt, ":period", period);
    double totals[1000];
    size_t count = 0;
    cJSON *list = cJSON_CreateArray();
    while (store_step(stmt) == STORE_ROW) {
        struct store_frontage_evaluation e;
        evaluation_read(stmt, &e);
        totals[count++] = e.total;
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "street", e.street_name);
        cJSON_AddStringToObject(item, "segment", e.segment);
        cJSON_AddNumberToObject(item, "total", e.total);
        cJSON_AddItemToArray(list, item);
    }
    store_stmt_done(stmt);
    int ranks[1000];
    frontage_rank(totals, count, ranks);
    for (size_t i = 0; i < count; i++) {
        cJSON *item = cJSON_GetArrayItem(list, (int)i);
        cJSON_AddNumberToObject(item, "rank", ranks[i]);
        cJSON_AddBoolToObject(item, "rewarded", frontage_rewarded(ranks[i], reward_top));
    }
    if (count == 0) {
        cJSON_Delete(list);
        return NULL;
    }
    return list;
}

static int publish_job(struct store_tx *tx, void *data)
{
    static const char SQL[] = "INSERT INTO frontage_period (city_id, period, reward_top, "
                              "published_at, published_by) VALUES (:city, :period, :top, :now, "
                              ":user)";
    struct publish_job *job = data;
    cJSON *ranking = ranking_json_tx(tx, job->city_id, job->period, job->reward_top);
    if (ranking == NULL)
        return STORE_NOT_FOUND;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL) {
        cJSON_Delete(ranking);
        return STORE_ERROR;
    }
    store_bind_int(stmt, ":city", job->city_id);
    store_bind_text(stmt, ":period", job->period);
    store_bind_int(stmt, ":top", job->reward_top);
    store_bind_int(stmt, ":now", store_now_ms());
    store_bind_id(stmt, ":user", job->actor ? job->actor->user_id : 0);
    int rc = store_exec_stmt(stmt);
    if (rc != STORE_OK) {
        cJSON_Delete(ranking);
        return rc;
    }
    cJSON *after = cJSON_CreateObject();
    cJSON_AddStringToObject(after, "period", job->period);
    cJSON_AddNumberToObject(after, "reward_top", job->reward_top);
    cJSON_AddItemToObject(after, "ranking", ranking);
    return store_admin_audit_tx(tx, job->actor, "frontage_period.publish", "frontage_period",
                                job->city_id, NULL, after);
}

int store_frontage_period_publish(struct store *store, const struct store_actor *actor,
                                  int64_t city_id, const char *period, int reward_top)
{
    struct publish_job job = {actor, city_id, period, reward_top};
    return store_write(store, publish_job, &job);
}
