// SPDX-License-Identifier: MIT
// The category endpoints: the public trees and suggestions the citizen form uses,
// and the admin's view, edits and additions of subclasses (names, department
// kind, filing and closing conditions, urgency, per-stage limits, keywords).
#include "api.h"

#include "arena.h"
#include "errors.h"
#include "json.h"
#include "request.h"
#include "server.h"
#include "store.h"
#include "store_admin.h"
#include "store_categories.h"
#include "textseg.h"

#include <stdio.h>
#include <string.h>

enum {
    SUGGEST_TEXT_MAX = 2000, // bytes
    SUGGEST_LIMIT_DEFAULT = 5,
    SUGGEST_LIMIT_MAX = 20,
    LIMIT_AMOUNT_MAX = 10000,
    KEYWORD_WEIGHT_DEFAULT = 10,
    KEYWORD_WEIGHT_MAX = 100,
    KEYWORDS_MAX = 200,
};

static const char *const DEPARTMENT_KINDS[] = {
    "municipal",      "sanitation", "landscaping",      "water",   "gas",         "power",
    "traffic_police", "market",     "urban_management", "housing", "environment", "street_office",
    "telecom",
};

static const char *const TREE_NAMES[][3] = {
    {"component", "部件", "Components"},
    {"event", "事件", "Events"},
};

// The limits a new subclass gets for the stages the admin leaves out:
// {unit, amount} for an ordinary subclass, then for an urgent one.
static const struct store_category_limit DEFAULT_LIMITS[2][STORE_CATEGORY_STAGE_COUNT] = {
    {{true, WORKTIME_WORK_HOURS, 1},
     {true, WORKTIME_WORK_HOURS, 2},
     {true, WORKTIME_WORK_HOURS, 1},
     {true, WORKTIME_WORK_HOURS, 1},
     {true, WORKTIME_WORK_HOURS, 8},
     {true, WORKTIME_WORK_HOURS, 4},
     {true, WORKTIME_WORK_HOURS, 1}},
    {{true, WORKTIME_URGENT_HOURS, 1},
     {true, WORKTIME_URGENT_HOURS, 1},
     {true, WORKTIME_URGENT_HOURS, 1},
     {true, WORKTIME_URGENT_HOURS, 1},
     {true, WORKTIME_URGENT_HOURS, 4},
     {true, WORKTIME_URGENT_HOURS, 2},
     {true, WORKTIME_URGENT_HOURS, 1}},
};

static bool department_kind_known(const char *kind)
{
    for (size_t i = 0; i < sizeof DEPARTMENT_KINDS / sizeof DEPARTMENT_KINDS[0]; i++)
        if (strcmp(kind, DEPARTMENT_KINDS[i]) == 0)
            return true;
    return false;
}

static int tree_index(const char *tree)
{
    for (int i = 0; i < 2; i++)
        if (tree != NULL && strcmp(tree, TREE_NAMES[i][0]) == 0)
            return i;
    return -1;
}

static int reply_store_error(struct request *req, int rc)
{
    return request_reply_store_error(req, rc, "the category store failed");
}

static void add_keyword(const char *keyword, int weight, void *data)
{
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "keyword", keyword);
    cJSON_AddNumberToObject(item, "weight", weight);
    cJSON_AddItemToArray(data, item);
}

// The JSON of one subclass; with_keywords adds its keywords (admin views).
static cJSON *render_subclass(struct request *req, const struct store_category *c,
                              bool with_keywords)
{
    cJSON *item = cJSON_CreateObject();
    json_add_int(item, "id", c->id);
    cJSON_AddStringToObject(item, "tree", c->tree);
    cJSON_AddStringToObject(item, "code", c->code);
    char *full_code = arena_printf(req->arena, "%s-%s", c->tree, c->code);
    json_add_string_or_null(item, "full_code", full_code);
    cJSON_AddStringToObject(item, "major_code", c->major_code);
    cJSON_AddStringToObject(item, "name_zh", c->name_zh);
    cJSON_AddStringToObject(item, "name_en", c->name_en);
    cJSON_AddStringToObject(item, "default_department_kind", c->default_department_kind);
    cJSON_AddStringToObject(item, "filing_condition", c->filing_condition);
    cJSON_AddStringToObject(item, "closing_condition", c->closing_condition);
    cJSON_AddBoolToObject(item, "urgent", c->urgent);
    cJSON_AddBoolToObject(item, "active", c->active);
    cJSON *limits = cJSON_AddObjectToObject(item, "limits");
    for (int stage = 0; stage < STORE_CATEGORY_STAGE_COUNT && limits != NULL; stage++) {
        if (!c->limits[stage].set)
            continue;
        cJSON *limit = cJSON_AddObjectToObject(limits, store_category_stage_name(stage));
        cJSON_AddStringToObject(limit, "unit", worktime_unit_name(c->limits[stage].unit));
        cJSON_AddNumberToObject(limit, "amount", c->limits[stage].amount);
    }
    cJSON *phases = cJSON_AddArrayToObject(item, "phases");
    for (int i = 0; i < c->phase_count && phases != NULL; i++) {
        cJSON *phase = cJSON_CreateObject();
        cJSON_AddStringToObject(phase, "code", c->phases[i].code);
        cJSON_AddStringToObject(phase, "name_zh", c->phases[i].name_zh);
        cJSON_AddStringToObject(phase, "name_en", c->phases[i].name_en);
        cJSON_AddStringToObject(phase, "unit", worktime_unit_name(c->phases[i].limit.unit));
        cJSON_AddNumberToObject(phase, "amount", c->phases[i].limit.amount);
        cJSON_AddItemToArray(phases, phase);
    }
    if (with_keywords) {
        cJSON *keywords = cJSON_AddArrayToObject(item, "keywords");
        if (keywords == NULL ||
            store_category_keywords(req->server->store, c->id, add_keyword, keywords) != STORE_OK)
            cJSON_DeleteItemFromObjectCaseSensitive(item, "keywords");
    }
    return item;
}

// Builds {"trees":[...]} while the store walks the trees.
struct tree_builder {
    struct request *req;
    cJSON *trees;
    cJSON *majors;     // of the tree being built
    cJSON *subclasses; // of the major being built
    char tree[12];
};

static void on_major(const struct store_category_major *major, void *data)
{
    struct tree_builder *b = data;
    if (strcmp(b->tree, major->tree) != 0) {
        int t = tree_index(major->tree);
        cJSON *tree = cJSON_CreateObject();
        cJSON_AddStringToObject(tree, "tree", major->tree);
        cJSON_AddStringToObject(tree, "name_zh", t >= 0 ? TREE_NAMES[t][1] : major->tree);
        cJSON_AddStringToObject(tree, "name_en", t >= 0 ? TREE_NAMES[t][2] : major->tree);
        b->majors = cJSON_AddArrayToObject(tree, "majors");
        cJSON_AddItemToArray(b->trees, tree);
        snprintf(b->tree, sizeof b->tree, "%s", major->tree);
    }
    cJSON *item = cJSON_CreateObject();
    json_add_int(item, "id", major->id);
    cJSON_AddStringToObject(item, "code", major->code);
    cJSON_AddStringToObject(item, "name_zh", major->name_zh);
    cJSON_AddStringToObject(item, "name_en", major->name_en);
    b->subclasses = cJSON_AddArrayToObject(item, "subclasses");
    cJSON_AddItemToArray(b->majors, item);
}

static void on_subclass(const struct store_category *subclass, void *data)
{
    struct tree_builder *b = data;
    cJSON_AddItemToArray(b->subclasses, render_subclass(b->req, subclass, false));
}

static int reply_trees(struct request *req, bool include_inactive)
{
    const char *tree = request_query(req, "tree");
    if (tree != NULL && tree_index(tree) < 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "tree",
                                         "tree must be 'component' or 'event'");
    cJSON *body = request_json_object(req);
    struct tree_builder builder = {.req = req, .trees = cJSON_AddArrayToObject(body, "trees")};
    int rc = store_category_list(req->server->store, tree, include_inactive, on_major, on_subclass,
                                 &builder);
    if (rc != STORE_OK) {
        return reply_store_error(req, rc);
    }
    return request_reply_json(req, 200, body);
}

static int list_categories(struct request *req)
{
    return reply_trees(req, false);
}

static int admin_list_categories(struct request *req)
{
    return reply_trees(req, true);
}

// Parses the limit argument of suggest: absent gives the default; 1..MAX digits.
static int suggest_limit(const char *text)
{
    if (text == NULL)
        return SUGGEST_LIMIT_DEFAULT;
    int value = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || p - text >= 3)
            return -1;
        value = value * 10 + (*p - '0');
    }
    return value >= 1 && value <= SUGGEST_LIMIT_MAX ? value : -1;
}

static int suggest(struct request *req)
{
    const char *text = request_query(req, "text");
    size_t len = text ? strlen(text) : 0;
    if (len == 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "text", "text is required");
    if (len > SUGGEST_TEXT_MAX)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "text",
                                         "text is too long (at most %d bytes)", SUGGEST_TEXT_MAX);
    if (!textseg_utf8_valid(text, len))
        return request_reply_field_error(req, 400, ERR_INVALID_UTF8, "text",
                                         "text is not valid UTF-8");
    int limit = suggest_limit(request_query(req, "limit"));
    if (limit < 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "limit",
                                         "limit must be an integer from 1 to %d",
                                         SUGGEST_LIMIT_MAX);
    struct store_category_suggestion *found = arena_alloc(req->arena, limit * sizeof *found);
    size_t count = 0;
    if (found == NULL)
        return reply_store_error(req, STORE_ERROR);
    int rc = store_category_suggest(req->server->store, text, len, found, (size_t)limit, &count);
    if (rc != STORE_OK)
        return reply_store_error(req, rc);
    cJSON *body = request_json_object(req);
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    for (size_t i = 0; i < count; i++) {
        cJSON *item = cJSON_CreateObject();
        json_add_int(item, "id", found[i].id);
        cJSON_AddStringToObject(item, "tree", found[i].tree);
        cJSON_AddStringToObject(item, "code", found[i].code);
        cJSON_AddStringToObject(item, "name_zh", found[i].name_zh);
        cJSON_AddStringToObject(item, "name_en", found[i].name_en);
        cJSON_AddNumberToObject(item, "score", (double)found[i].score);
        cJSON_AddItemToArray(items, item);
    }
    return request_reply_json(req, 200, body);
}

// The :id of the route as a positive id, or 0 when it is not one.
static int64_t param_id(const struct request *req)
{
    const char *text = request_param(req, "id");
    int64_t id = 0;
    if (text == NULL || *text == '\0' || strlen(text) > 15)
        return 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        id = id * 10 + (*p - '0');
    }
    return id;
}

static int reply_subclass(struct request *req, int status, int64_t id)
{
    struct store_category *category = arena_alloc(req->arena, sizeof *category);
    if (category == NULL)
        return reply_store_error(req, STORE_ERROR);
    int rc = store_category_get(req->server->store, id, category);
    if (rc == STORE_NOT_FOUND)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such category");
    if (rc != STORE_OK)
        return reply_store_error(req, rc);
    return request_reply_json(req, status, render_subclass(req, category, true));
}

static int admin_get_category(struct request *req)
{
    return reply_subclass(req, 200, param_id(req));
}

// The members of a PATCH body, and of a POST body (the same plus tree and code).
static const struct json_field PATCH_FIELDS[] = {
    {"name_zh", JSON_STRING, false, STORE_CATEGORY_NAME_ZH_MAX},
    {"name_en", JSON_STRING, false, STORE_CATEGORY_NAME_EN_MAX},
    {"default_department_kind", JSON_STRING, false, STORE_CATEGORY_KIND_MAX},
    {"filing_condition", JSON_STRING, false, STORE_CATEGORY_CONDITION_MAX},
    {"closing_condition", JSON_STRING, false, STORE_CATEGORY_CONDITION_MAX},
    {"urgent", JSON_BOOL, false, 0},
    {"active", JSON_BOOL, false, 0},
    {"limits", JSON_OBJECT, false, 0},
    {"keywords", JSON_ARRAY, false, KEYWORDS_MAX},
};

static const struct json_field POST_FIELDS[] = {
    {"tree", JSON_STRING, true, 16},
    {"code", JSON_STRING, true, 8},
    {"name_zh", JSON_STRING, true, STORE_CATEGORY_NAME_ZH_MAX},
    {"name_en", JSON_STRING, true, STORE_CATEGORY_NAME_EN_MAX},
    {"default_department_kind", JSON_STRING, false, STORE_CATEGORY_KIND_MAX},
    {"filing_condition", JSON_STRING, false, STORE_CATEGORY_CONDITION_MAX},
    {"closing_condition", JSON_STRING, false, STORE_CATEGORY_CONDITION_MAX},
    {"urgent", JSON_BOOL, false, 0},
    {"active", JSON_BOOL, false, 0},
    {"limits", JSON_OBJECT, false, 0},
    {"keywords", JSON_ARRAY, false, KEYWORDS_MAX},
};

static const struct json_field LIMIT_FIELDS[] = {
    {"unit", JSON_STRING, true, 16},
    {"amount", JSON_INTEGER, true, 0},
};

static const struct json_field KEYWORD_FIELDS[] = {
    {"keyword", JSON_STRING, true, STORE_CATEGORY_KEYWORD_MAX},
    {"weight", JSON_INTEGER, false, 0},
};

static int reply_problem(struct request *req, const struct json_problem *problem)
{
    return request_reply_problem(req, 400, problem);
}

// Reads "limits": {stage: {unit, amount}} into fields. Replies and returns the
// status on a bad limit, 0 when all are fine.
static int parse_limits_or_reply(struct request *req, const cJSON *limits,
                                 struct store_category_fields *fields)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, limits)
    {
        int stage = store_category_stage_from_name(item->string);
        if (stage < 0)
            return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "limits",
                                             "limits: unknown stage '%s' (file, verify, "
                                             "dispatch, sign, handle, check, close)",
                                             item->string);
        // A known stage from here on: short, and safe to name in a field.
        const char *path = arena_printf(req->arena, "limits.%s", item->string);
        if (path == NULL)
            return reply_store_error(req, STORE_ERROR);
        if (cJSON_GetObjectItemCaseSensitive(limits, item->string) != item)
            return request_reply_field_error(req, 400, ERR_INVALID_JSON, path,
                                             "limits: stage '%s' appears twice", item->string);
        struct json_problem problem;
        if (!cJSON_IsObject(item))
            return request_reply_field_error(req, 400, ERR_INVALID_FIELD, path,
                                             "limits.%s must be an object {unit, amount}",
                                             item->string);
        if (!json_check(item, LIMIT_FIELDS, 2, &problem)) {
            json_problem_nest(&problem, path);
            return reply_problem(req, &problem);
        }
        int unit = worktime_unit_from_name(json_get_string(item, "unit"));
        if (unit < 0)
            return request_reply_field_error(req, 400, ERR_INVALID_FIELD,
                                             arena_printf(req->arena, "%s.unit", path),
                                             "limits.%s.unit must be work_hours, work_days or "
                                             "urgent_hours",
                                             item->string);
        int64_t amount = 0;
        json_get_int(item, "amount", &amount);
        if (amount < 1 || amount > LIMIT_AMOUNT_MAX)
            return request_reply_field_error(
                req, 422, ERR_UNPROCESSABLE, arena_printf(req->arena, "%s.amount", path),
                "limits.%s.amount must be from 1 to %d", item->string, LIMIT_AMOUNT_MAX);
        fields->limits[stage] =
            (struct store_category_limit){true, (enum worktime_unit)unit, (int)amount};
    }
    return 0;
}

// Reads "keywords": [{keyword, weight?}] into fields (ASCII lowercased copies in
// the arena). Replies and returns the status on a bad item, 0 when all are fine.
static int parse_keywords_or_reply(struct request *req, const cJSON *keywords,
                                   struct store_category_fields *fields)
{
    size_t count = (size_t)cJSON_GetArraySize(keywords);
    struct store_category_keyword *list = arena_alloc(req->arena, (count + 1) * sizeof *list);
    if (list == NULL)
        return reply_store_error(req, STORE_ERROR);
    size_t n = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, keywords)
    {
        struct json_problem problem;
        if (!cJSON_IsObject(item))
            return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "keywords",
                                             "keywords must be objects {keyword, weight}");
        if (!json_check(item, KEYWORD_FIELDS, 2, &problem)) {
            json_problem_nest(&problem, "keywords");
            return reply_problem(req, &problem);
        }
        char *keyword = arena_strdup(req->arena, json_get_string(item, "keyword"));
        if (keyword == NULL)
            return reply_store_error(req, STORE_ERROR);
        if (keyword[0] == '\0')
            return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "keywords.keyword",
                                             "a keyword is empty");
        for (char *p = keyword; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        int64_t weight = KEYWORD_WEIGHT_DEFAULT;
        if (cJSON_GetObjectItemCaseSensitive(item, "weight") != NULL &&
            !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(item, "weight")))
            json_get_int(item, "weight", &weight);
        if (weight < 1 || weight > KEYWORD_WEIGHT_MAX)
            return request_reply_field_error(req, 422, ERR_UNPROCESSABLE, "keywords.weight",
                                             "keyword weight must be from 1 to %d",
                                             KEYWORD_WEIGHT_MAX);
        list[n++] = (struct store_category_keyword){keyword, (int)weight};
    }
    fields->replace_keywords = true;
    fields->keywords = list;
    fields->keyword_count = n;
    return 0;
}

// A name, if present, must not be empty.
static bool name_ok(const char *name)
{
    return name == NULL || name[0] != '\0';
}

// Reads the editable members of body into fields. Replies and returns the status
// on a bad value, 0 when all are fine.
static int parse_fields_or_reply(struct request *req, const cJSON *body,
                                 struct store_category_fields *fields)
{
    store_category_fields_init(fields);
    fields->name_zh = json_get_string(body, "name_zh");
    fields->name_en = json_get_string(body, "name_en");
    fields->default_department_kind = json_get_string(body, "default_department_kind");
    fields->filing_condition = json_get_string(body, "filing_condition");
    fields->closing_condition = json_get_string(body, "closing_condition");
    if (!name_ok(fields->name_zh) || !name_ok(fields->name_en))
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD,
                                         name_ok(fields->name_zh) ? "name_en" : "name_zh",
                                         "a name must not be empty");
    if (fields->default_department_kind != NULL &&
        !department_kind_known(fields->default_department_kind))
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "default_department_kind",
                                         "unknown default_department_kind '%s'",
                                         fields->default_department_kind);
    const cJSON *urgent = cJSON_GetObjectItemCaseSensitive(body, "urgent");
    const cJSON *active = cJSON_GetObjectItemCaseSensitive(body, "active");
    if (cJSON_IsBool(urgent))
        fields->urgent = cJSON_IsTrue(urgent);
    if (cJSON_IsBool(active))
        fields->active = cJSON_IsTrue(active);
    const cJSON *limits = cJSON_GetObjectItemCaseSensitive(body, "limits");
    int status = cJSON_IsObject(limits) ? parse_limits_or_reply(req, limits, fields) : 0;
    const cJSON *keywords = cJSON_GetObjectItemCaseSensitive(body, "keywords");
    if (status == 0 && cJSON_IsArray(keywords))
        status = parse_keywords_or_reply(req, keywords, fields);
    return status;
}

static int admin_update_category(struct request *req)
{
    struct json_problem problem;
    if (!json_check(req->json, PATCH_FIELDS, sizeof PATCH_FIELDS / sizeof PATCH_FIELDS[0],
                    &problem))
        return reply_problem(req, &problem);
    int64_t id = param_id(req);
    struct store_category_fields fields;
    int status = parse_fields_or_reply(req, req->json, &fields);
    if (status != 0)
        return status;
    struct store_actor actor;
    api_actor(req, &actor);
    fields.actor = &actor;
    int rc = id > 0 ? store_category_update(req->server->store, id, &fields) : STORE_NOT_FOUND;
    if (rc == STORE_NOT_FOUND)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such category");
    if (rc != STORE_OK)
        return reply_store_error(req, rc);
    return reply_subclass(req, 200, id);
}

// A subclass code: 4 ASCII digits whose last two are not "00".
static bool subclass_code_ok(const char *code)
{
    if (strlen(code) != 4)
        return false;
    for (int i = 0; i < 4; i++)
        if (code[i] < '0' || code[i] > '9')
            return false;
    return !(code[0] == '0' && code[1] == '0') && !(code[2] == '0' && code[3] == '0');
}

static int admin_create_category(struct request *req)
{
    struct json_problem problem;
    if (!json_check(req->json, POST_FIELDS, sizeof POST_FIELDS / sizeof POST_FIELDS[0], &problem))
        return reply_problem(req, &problem);
    const char *tree = json_get_string(req->json, "tree");
    const char *code = json_get_string(req->json, "code");
    if (tree_index(tree) < 0)
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "tree",
                                         "tree must be 'component' or 'event'");
    if (!subclass_code_ok(code))
        return request_reply_field_error(
            req, 400, ERR_INVALID_FIELD, "code",
            "code must be 4 digits: major class then subclass (\"0107\")");
    struct store_category_fields fields;
    int status = parse_fields_or_reply(req, req->json, &fields);
    if (status != 0)
        return status;
    const struct store_category_limit *defaults = DEFAULT_LIMITS[fields.urgent > 0 ? 1 : 0];
    for (int stage = 0; stage < STORE_CATEGORY_STAGE_COUNT; stage++)
        if (!fields.limits[stage].set)
            fields.limits[stage] = defaults[stage];
    int64_t id = 0;
    struct store_actor actor;
    api_actor(req, &actor);
    fields.actor = &actor;
    int rc = store_category_create(req->server->store, tree, code, &fields, &id);
    if (rc == STORE_CONFLICT)
        return request_reply_field_error(req, 409, ERR_CONFLICT, "code", "%s %s already exists",
                                         tree, code);
    if (rc == STORE_INVALID)
        return request_reply_field_error(req, 422, ERR_UNPROCESSABLE, "code",
                                         "the major class %.2s of the %s tree does not exist", code,
                                         tree);
    if (rc != STORE_OK)
        return reply_store_error(req, rc);
    return reply_subclass(req, 201, id);
}

// method, pattern, handler, flags, roles
const struct route API_CATEGORY_ROUTES[] = {
    {"GET", "/api/v1/categories", list_categories, 0, 0},
    {"GET", "/api/v1/categories/suggest", suggest, 0, 0},
    {"GET", "/api/v1/admin/categories", admin_list_categories, ROUTE_AUTH, ROLE_ADMIN},
    {"POST", "/api/v1/admin/categories", admin_create_category, ROUTE_STAFF_WRITE, ROLE_ADMIN},
    {"GET", "/api/v1/admin/categories/:id", admin_get_category, ROUTE_AUTH, ROLE_ADMIN},
    {"PATCH", "/api/v1/admin/categories/:id", admin_update_category, ROUTE_STAFF_WRITE, ROLE_ADMIN},
};
const size_t API_CATEGORY_ROUTE_COUNT = sizeof API_CATEGORY_ROUTES / sizeof API_CATEGORY_ROUTES[0];
