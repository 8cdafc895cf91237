// SPDX-License-Identifier: MIT
// 示范街 evaluations over HTTP: the criteria of the caller's city (name,
// weight, maximum score; admins and leaders change them, audited), an
// evaluation of a street or a road segment of it for a month or a quarter
// with a score per active criterion (leaders and supervisors of the street),
// the ranking of a period with its reward list, and the publication of a
// period, after which its evaluations are read-only.
#include "api.h"
#include "api_cases.h"

#include "arena.h"
#include "errors.h"
#include "frontage.h"
#include "json.h"
#include "jurisdiction.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_admin.h"
#include "store_frontage.h"
#include "store_places.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_REWARD_TOP 3

// The id of the caller's city (the first place of their jurisdiction), 0
// when they have none.
static int64_t caller_city(const struct request *req)
{
    int64_t chain[JURISDICTION_DEPTH_MAX];
    size_t n = jurisdiction_place_chain(&req->user->jurisdiction, chain);
    return n > 0 ? chain[0] : 0;
}

static cJSON *criterion_json(const struct store_frontage_criterion *c)
{
    cJSON *out = cJSON_CreateObject();
    json_add_int(out, "id", c->id);
    cJSON_AddStringToObject(out, "name", c->name);
    cJSON_AddNumberToObject(out, "weight", c->weight);
    cJSON_AddNumberToObject(out, "max_score", c->max_score);
    cJSON_AddBoolToObject(out, "active", c->active);
    return out;
}

static void add_criterion(const struct store_frontage_criterion *c, void *data)
{
    cJSON_AddItemToArray(data, criterion_json(c));
}

static int list_criteria(struct request *req)
{
    cJSON *body = request_json_object(req);
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    if (store_frontage_criteria(req->server->store, caller_city(req), false, add_criterion,
                                items) != STORE_OK)
        return request_reply_store_error(req, STORE_ERROR, "could not read the criteria");
    return request_reply_json(req, 200, body);
}

static const struct json_field CRITERION_FIELDS[] = {
    {"name", JSON_STRING, false, 127},
    {"weight", JSON_NUMBER, false, 0},
    {"max_score", JSON_NUMBER, false, 0},
    {"active", JSON_BOOL, false, 0},
};

// Applies the body to c and saves it. Returns the status replied.
static int save_criterion(struct request *req, struct store_frontage_criterion *c, int created)
{
    const char *name = json_get_string(req->json, "name");
    if (name != NULL)
        snprintf(c->name, sizeof c->name, "%s", name);
    c->weight = json_get_number(req->json, "weight", c->weight);
    c->max_score = json_get_number(req->json, "max_score", c->max_score);
    const cJSON *active = cJSON_GetObjectItemCaseSensitive(req->json, "active");
    if (active != NULL)
        c->active = cJSON_IsTrue(active);
    if (c->name[strspn(c->name, " ")] == '\0')
        return request_reply_field_error(req, 422, ERR_MISSING_FIELD, "name", "name is empty");
    if (!(c->weight > 0 && c->weight <= 1000))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "weight",
                                         "weight is more than 0 and at most 1000");
    if (!(c->max_score > 0 && c->max_score <= 1000))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "max_score",
                                         "max_score is more than 0 and at most 1000");
    struct store_actor actor;
    api_actor(req, &actor);
    int rc = store_frontage_criterion_save(req->server->store, &actor, c);
    if (rc == STORE_CONFLICT)
        return request_reply_field_error(req, 409, ERR_CONFLICT, "name",
                                         "the city has a criterion of that name");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not save the criterion");
    return request_reply_json(req, created, criterion_json(c));
}

static int create_criterion(struct request *req)
{
    struct json_problem problem;
    if (!json_check(req->json, CRITERION_FIELDS, 4, &problem))
        return request_reply_problem(req, 400, &problem);
    struct store_frontage_criterion c = {.city_id = caller_city(req), .active = true};
    if (c.city_id == 0)
        return request_reply_error(req, 403, ERR_FORBIDDEN, "you belong to no city");
    if (json_get_string(req->json, "name") == NULL ||
        cJSON_GetObjectItemCaseSensitive(req->json, "weight") == NULL ||
        cJSON_GetObjectItemCaseSensitive(req->json, "max_score") == NULL)
        return request_reply_field_error(req, 400, ERR_MISSING_FIELD, "name",
                                         "a criterion needs name, weight and max_score");
    return save_criterion(req, &c, 201);
}

static int update_criterion(struct request *req)
{
    struct json_problem problem;
    if (!json_check(req->json, CRITERION_FIELDS, 4, &problem))
        return request_reply_problem(req, 400, &problem);
    struct store_frontage_criterion c;
    int64_t id = api_parse_id(request_param(req, "id"));
    if (id == 0 || store_frontage_criterion_get(req->server->store, id, &c) != STORE_OK ||
        c.city_id != caller_city(req))
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such criterion");
    return save_criterion(req, &c, 200);
}

// ---- evaluations ----

struct score_reading {
    struct request *req;
    const cJSON *given; // the body's scores
    cJSON *scores;      // the evaluation's, as stored
    struct frontage_score values[64];
    size_t count;
    int status; // set when a reply was made
};

// Takes the given score of criterion c into the reading (every active
// criterion must be scored).
static void take_score(const struct store_frontage_criterion *c, void *data)
{
    struct score_reading *r = data;
    if (r->status != 0)
        return;
    const cJSON *item, *found = NULL;
    cJSON_ArrayForEach(item, r->given)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "criterion_id");
        if (cJSON_IsNumber(id) && (int64_t)id->valuedouble == c->id)
            found = cJSON_GetObjectItemCaseSensitive(item, "score");
    }
    if (!cJSON_IsNumber(found) || r->count >= 64) {
        r->status =
            request_reply_field_error(r->req, 422, ERR_MISSING_FIELD, "scores",
                                      "score every active criterion: %s is missing", c->name);
        return;
    }
    r->values[r->count++] = (struct frontage_score){c->weight, c->max_score, found->valuedouble};
    if (!(found->valuedouble >= 0 && found->valuedouble <= c->max_score)) {
        r->status = request_reply_field_error(r->req, 422, ERR_INVALID_FIELD, "scores",
                                              "the score of %s is 0 to %g", c->name, c->max_score);
        return;
    }
    cJSON *s = cJSON_CreateObject();
    json_add_int(s, "criterion_id", c->id);
    cJSON_AddStringToObject(s, "name", c->name);
    cJSON_AddNumberToObject(s, "weight", c->weight);
    cJSON_AddNumberToObject(s, "max_score", c->max_score);
    cJSON_AddNumberToObject(s, "score", found->valuedouble);
    cJSON_AddItemToArray(r->scores, s);
}

// Checks the body's scores: {criterion_id, score} objects, each naming an
// active criterion of the city. Returns 0 or the status replied.
static int check_scores(struct request *req, const cJSON *given, struct score_reading *r)
{
    static const struct json_field FIELDS[] = {{"criterion_id", JSON_INTEGER, true, 0},
                                               {"score", JSON_NUMBER, true, 0}};
    const cJSON *item;
    cJSON_ArrayForEach(item, given)
    {
        struct json_problem problem;
        struct store_frontage_criterion c;
        if (!cJSON_IsObject(item) || !json_check(item, FIELDS, 2, &problem))
            return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "scores",
                                             "each score is {criterion_id, score}");
        int64_t id = 0;
        json_get_int(item, "criterion_id", &id);
        if (store_frontage_criterion_get(req->server->store, id, &c) != STORE_OK ||
            c.city_id != caller_city(req) || !c.active)
            return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "scores",
                                             "criterion %lld is not an active criterion of your "
                                             "city",
                                             (long long)id);
    }
    r->req = req;
    r->given = given;
    r->scores = request_own_json(req, cJSON_CreateArray());
    if (store_frontage_criteria(req->server->store, caller_city(req), true, take_score, r) !=
        STORE_OK)
        return request_reply_store_error(req, STORE_ERROR, "could not read the criteria");
    if (r->status == 0 && r->count == 0)
        return request_reply_error(req, 422, ERR_UNPROCESSABLE,
                                   "your city has no active criteria to score");
    return r->status;
}

static int save_evaluation(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"street_id", JSON_INTEGER, true, 0}, {"segment", JSON_STRING, false, 127},
        {"period", JSON_STRING, true, 7},     {"scores", JSON_ARRAY, true, 64},
        {"note", JSON_STRING, false, 1000},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    struct store_frontage_evaluation e = {.city_id = caller_city(req),
                                          .evaluator_user_id = req->user->id};
    struct store_org_unit street;
    const char *period = json_get_string(req->json, "period");
    const char *segment = json_get_string(req->json, "segment");
    json_get_int(req->json, "street_id", &e.street_id);
    if (store_org_unit_get(req->server->store, e.street_id, &street) != STORE_OK ||
        strcmp(street.type, "street") != 0 ||
        !jurisdiction_covers_path(&req->user->jurisdiction, street.path))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "street_id",
                                         "no such street inside your jurisdiction");
    if (!frontage_period_valid(period))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "period",
                                         "a period is a month (2026-11) or a quarter (2026-Q4)");
    struct score_reading *r = arena_alloc(req->arena, sizeof *r);
    if (r == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    memset(r, 0, sizeof *r);
    int status = check_scores(req, cJSON_GetObjectItemCaseSensitive(req->json, "scores"), r);
    if (status != 0)
        return status;
    snprintf(e.segment, sizeof e.segment, "%s", segment ? segment : "");
    snprintf(e.period, sizeof e.period, "%s", period);
    e.total = frontage_total(r->values, r->count);
    e.scores_json = request_json_text(req, r->scores);
    e.note = json_get_string(req->json, "note");
    int rc = store_frontage_evaluation_save(req->server->store, &e);
    if (rc == STORE_CONFLICT)
        return request_reply_field_error(req, 409, ERR_CONFLICT, "period",
                                         "period %s is published: its evaluations are final",
                                         e.period);
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not save the evaluation");
    cJSON *body = request_json_object(req);
    json_add_int(body, "id", e.id);
    json_add_int(body, "street_id", e.street_id);
    cJSON_AddStringToObject(body, "segment", e.segment);
    cJSON_AddStringToObject(body, "period", e.period);
    cJSON_AddNumberToObject(body, "total", e.total);
    cJSON_AddItemReferenceToObject(body, "scores", r->scores);
    return request_reply_json(req, 200, body);
}

// ---- rankings and publication ----

struct ranking {
    cJSON *items;
    double totals[1000];
    size_t count;
};

static void add_evaluation(const struct store_frontage_evaluation *e, void *data)
{
    struct ranking *r = data;
    if (r->count >= 1000)
        return;
    r->totals[r->count++] = e->total;
    cJSON *item = cJSON_CreateObject();
    json_add_int(item, "id", e->id);
    json_add_int(item, "street_id", e->street_id);
    cJSON_AddStringToObject(item, "street", e->street_name);
    cJSON_AddStringToObject(item, "segment", e->segment);
    cJSON_AddNumberToObject(item, "total", e->total);
    cJSON *scores = cJSON_Parse(e->scores_json);
    cJSON_AddItemToObject(item, "scores", scores ? scores : cJSON_CreateArray());
    cJSON_AddStringToObject(item, "note", e->note);
    cJSON_AddStringToObject(item, "evaluator", e->evaluator_name);
    json_add_int(item, "updated_at", e->updated_at);
    cJSON_AddItemToArray(r->items, item);
}

// Reads and checks the period of the query or path. NULL when replied.
static const char *read_period(struct request *req, const char *period)
{
    if (!frontage_period_valid(period)) {
        request_reply_field_error(req, 400, ERR_INVALID_QUERY, "period",
                                  "a period is a month (2026-11) or a quarter (2026-Q4)");
        return NULL;
    }
    return period;
}

static int list_evaluations(struct request *req)
{
    const char *period = read_period(req, request_query(req, "period"));
    if (period == NULL)
        return req->status;
    int reward_top = DEFAULT_REWARD_TOP;
    int64_t published_at = 0, city = caller_city(req);
    int rc =
        store_frontage_period_get(req->server->store, city, period, &reward_top, &published_at);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return request_reply_store_error(req, rc, "could not read the period");
    struct ranking *r = arena_alloc(req->arena, sizeof *r);
    cJSON *body = request_json_object(req);
    if (r == NULL || body == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    cJSON_AddStringToObject(body, "period", period);
    cJSON_AddBoolToObject(body, "published", rc == STORE_OK);
    if (rc == STORE_OK)
        json_add_int(body, "published_at", published_at);
    else
        cJSON_AddNullToObject(body, "published_at");
    json_add_int(body, "reward_top", reward_top);
    r->items = cJSON_AddArrayToObject(body, "items");
    r->count = 0;
    if (store_frontage_evaluations(req->server->store, city, period, &req->user->jurisdiction,
                                   add_evaluation, r) != STORE_OK)
        return request_reply_store_error(req, STORE_ERROR, "could not read the evaluations");
    int *ranks = arena_alloc(req->arena, (r->count + 1) * sizeof *ranks);
    if (ranks == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    frontage_rank(r->totals, r->count, ranks);
    cJSON *rewards = cJSON_AddArrayToObject(body, "rewards");
    for (size_t i = 0; i < r->count; i++) {
        cJSON *item = cJSON_GetArrayItem(r->items, (int)i);
        json_add_int(item, "rank", ranks[i]);
        bool rewarded = frontage_rewarded(ranks[i], reward_top);
        cJSON_AddBoolToObject(item, "rewarded", rewarded);
        if (rewarded)
            cJSON_AddItemToArray(rewards, cJSON_CreateString(cJSON_GetStringValue(
                                              cJSON_GetObjectItem(item, "street"))));
    }
    return request_reply_json(req, 200, body);
}

static int publish_period(struct request *req)
{
    static const struct json_field FIELDS[] = {{"reward_top", JSON_INTEGER, false, 0}};
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, 1, &problem))
        return request_reply_problem(req, 400, &problem);
    const char *period = request_param(req, "period");
    if (!frontage_period_valid(period))
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "period",
                                         "a period is a month (2026-11) or a quarter (2026-Q4)");
    int64_t top = DEFAULT_REWARD_TOP;
    json_get_int(req->json, "reward_top", &top);
    if (top < 0 || top > 100)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "reward_top",
                                         "reward_top is 0 to 100");
    struct store_actor actor;
    api_actor(req, &actor);
    int rc = store_frontage_period_publish(req->server->store, &actor, caller_city(req), period,
                                           (int)top);
    if (rc == STORE_CONFLICT)
        return request_reply_field_error(req, 409, ERR_CONFLICT, "period",
                                         "period %s is published already", period);
    if (rc == STORE_NOT_FOUND)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "period",
                                         "period %s has no evaluation to publish", period);
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not publish the period");
    cJSON *body = request_json_object(req);
    cJSON_AddStringToObject(body, "period", period);
    cJSON_AddBoolToObject(body, "published", true);
    json_add_int(body, "reward_top", top);
    return request_reply_json(req, 200, body);
}

// method, pattern, handler, flags, roles
const struct route API_FRONTAGE_RATING_ROUTES[] = {
    {"GET", "/api/v1/frontage/criteria", list_criteria, ROUTE_AUTH,
     ROLE_SUPERVISOR | ROLE_LEADER | ROLE_ADMIN},
    {"POST", "/api/v1/frontage/criteria", create_criterion, ROUTE_STAFF_WRITE,
     ROLE_LEADER | ROLE_ADMIN},
    {"PATCH", "/api/v1/frontage/criteria/:id", update_criterion, ROUTE_STAFF_WRITE,
     ROLE_LEADER | ROLE_ADMIN},
    {"GET", "/api/v1/frontage/evaluations", list_evaluations, ROUTE_AUTH,
     ROLE_SUPERVISOR | ROLE_LEADER | ROLE_ADMIN},
    {"PUT", "/api/v1/frontage/evaluations", save_evaluation, ROUTE_STAFF_WRITE,
     ROLE_SUPERVISOR | ROLE_LEADER},
    {"POST", "/api/v1/frontage/periods/:period/publish", publish_period, ROUTE_STAFF_WRITE,
     ROLE_LEADER | ROLE_ADMIN},
};
const size_t API_FRONTAGE_RATING_ROUTE_COUNT =
    sizeof API_FRONTAGE_RATING_ROUTES / sizeof API_FRONTAGE_RATING_ROUTES[0];
