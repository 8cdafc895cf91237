// SPDX-License-Identifier: MIT
// The red and black lists (红黑榜): assessment snapshots frozen per closed month
// and group (by the scheduler at month close, or by a leader or admin), their
// corrections as new linked revisions, the staff reads, and the public list of
// the best and worst units (departments, streets, communities: never a person).
#include "api.h"

#include "arena.h"
#include "errors.h"
#include "honours.h"
#include "json.h"
#include "jurisdiction.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_assessment.h"
#include "store_snapshots.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REASON_MAX 500

// The groups the public list shows: units only.
static const char *const PUBLIC_GROUPS[] = {"department", "street", "community"};
#define PUBLIC_GROUP_COUNT (sizeof PUBLIC_GROUPS / sizeof PUBLIC_GROUPS[0])

// ---- staff reads ----

// The snapshot's columns as JSON (no body).
static cJSON *snapshot_meta(const struct store_snapshot *s)
{
    cJSON *obj = cJSON_CreateObject();
    json_add_int(obj, "id", s->id);
    cJSON_AddStringToObject(obj, "period", s->period);
    cJSON_AddStringToObject(obj, "group", s->group);
    json_add_int(obj, "revision", s->revision);
    if (s->supersedes_id > 0)
        json_add_int(obj, "supersedes_id", s->supersedes_id);
    else
        cJSON_AddNullToObject(obj, "supersedes_id");
    if (s->superseded_by > 0)
        json_add_int(obj, "superseded_by", s->superseded_by);
    else
        cJSON_AddNullToObject(obj, "superseded_by");
    json_add_string_or_null(obj, "reason", s->reason && s->reason[0] ? s->reason : NULL);
    cJSON_AddStringToObject(obj, "body_hash", s->body_hash);
    json_add_int(obj, "created_at", s->created_at);
    if (s->created_by > 0)
        json_add_int(obj, "created_by", s->created_by);
    else
        cJSON_AddStringToObject(obj, "created_by", "system");
    return obj;
}

static void add_meta(const struct store_snapshot *s, void *data)
{
    cJSON_AddItemToArray(data, snapshot_meta(s));
}

// period= and group= of a query, both optional. Returns 0, or the status replied.
static int list_filters(struct request *req, const char **period, const char **group)
{
    struct honours_month m;
    *period = request_query(req, "period");
    *group = request_query(req, "group");
    if (*period != NULL && !honours_month_parse(server_calendar(req), *period, &m))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "period",
                                         "period must be a month YYYY-MM (2000-2100)");
    if (*group != NULL && assessment_group_from_name(*group) < 0)
        return request_reply_field_error(
            req, 400, ERR_INVALID_QUERY, "group",
            "group must be department, street, community, grid, inspector or operator");
    return 0;
}

static int list_snapshots(struct request *req)
{
    const char *period, *group;
    int status = list_filters(req, &period, &group);
    if (status != 0)
        return status;
    cJSON *body = request_json_object(req);
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    int rc = store_snapshot_list(req->server->store, period, group, add_meta, items);
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not list the snapshots");
    return request_reply_json(req, 200, body);
}

struct loaded {
    cJSON *meta, *body; // body: the parsed frozen body
};

static void load_snapshot(const struct store_snapshot *s, void *data)
{
    struct loaded *l = data;
    l->meta = snapshot_meta(s);
    l->body = cJSON_Parse(s->body);
}

// The group ids the caller may see, sorted, for filtering a frozen table.
struct visible {
    struct arena *arena;
    int64_t *ids;
    size_t count, capacity;
    bool failed;
};

static void add_visible(const struct store_assessment_group *g, void *data)
{
    struct visible *v = data;
    if (v->count == v->capacity) {
        size_t capacity = v->capacity ? v->capacity * 2 : 64;
        int64_t *ids = arena_alloc(v->arena, capacity * sizeof *ids);
        if (ids == NULL) {
            v->failed = true;
            return;
        }
        if (v->count > 0)
            memcpy(ids, v->ids, v->count * sizeof *ids);
        v->ids = ids;
        v->capacity = capacity;
    }
    v->ids[v->count++] = g->id;
}

static bool visible_has(const struct visible *v, int64_t id)
{
    for (size_t i = 0; i < v->count; i++)
        if (v->ids[i] == id)
            return true;
    return false;
}

// Drops from array the rows whose id the caller may not see (the request
// takes them).
static void keep_visible(struct request *req, cJSON *array, const struct visible *v)
{
    cJSON *row = array ? array->child : NULL;
    while (row != NULL) {
        cJSON *next = row->next;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "id");
        if (!cJSON_IsNumber(id) || !visible_has(v, (int64_t)id->valuedouble))
            request_own_json(req, cJSON_DetachItemViaPointer(array, row));
        row = next;
    }
}

// A snapshot is the whole city's; a caller whose jurisdiction is smaller reads
// the rows of the groups the assessment would show them, and "filtered": true
// (body_hash stays the hash of the whole body). Returns a store result.
static int filter_to_jurisdiction(struct request *req, cJSON *meta, cJSON *body)
{
    const struct jurisdiction *j = &req->user->jurisdiction;
    bool filtered = !jurisdiction_is_everywhere(j);
    cJSON_AddBoolToObject(meta, "filtered", filtered);
    if (!filtered)
        return STORE_OK;
    const cJSON *group = cJSON_GetObjectItemCaseSensitive(body, "group");
    int g = assessment_group_from_name(cJSON_GetStringValue(group));
    struct visible v = {.arena = req->arena};
    int rc =
        g < 0 ? STORE_ERROR : store_assessment_groups(req->server->store, j, g, add_visible, &v);
    if (rc == STORE_OK && !v.failed) {
        keep_visible(req, cJSON_GetObjectItemCaseSensitive(body, "top"), &v);
        keep_visible(req, cJSON_GetObjectItemCaseSensitive(body, "bottom"), &v);
        keep_visible(req, cJSON_GetObjectItemCaseSensitive(body, "rows"), &v);
    }
    return v.failed ? STORE_ERROR : rc;
}

// Replies with snapshot id: its columns, links and body. Returns the status.
static int reply_snapshot(struct request *req, int status, int64_t id)
{
    struct loaded l = {0};
    int rc =
        id > 0 ? store_snapshot_get(req->server->store, id, load_snapshot, &l) : STORE_NOT_FOUND;
    request_own_json(req, l.meta);
    request_own_json(req, l.body);
    if (rc == STORE_NOT_FOUND)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such snapshot");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not read the snapshot");
    if (l.meta == NULL || l.body == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "the stored snapshot is not JSON");
    rc = filter_to_jurisdiction(req, l.meta, l.body);
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not read your jurisdiction's groups");
    cJSON *body = request_json_object(req);
    cJSON_AddItemReferenceToObject(body, "snapshot", l.meta);
    cJSON_AddItemReferenceToObject(body, "body", l.body);
    return request_reply_json(req, status, body);
}

static int64_t parse_id(const char *text)
{
    if (text == NULL || *text == '\0' || strlen(text) > 18 ||
        strspn(text, "0123456789") != strlen(text))
        return 0;
    return strtoll(text, NULL, 10);
}

static int get_snapshot(struct request *req)
{
    return reply_snapshot(req, 200, parse_id(request_param(req, "id")));
}

// ---- freezing and correcting by hand ----

// Reads and checks the POST body into *p. Returns 0, or the status replied.
static int read_publication(struct request *req, struct honours_month *m,
                            struct honours_publication *p)
{
    static const struct json_field FIELDS[] = {
        {"period", JSON_STRING, true, 7},
        {"group", JSON_STRING, true, 16},
        {"supersedes", JSON_INTEGER, false, 0},
        {"reason", JSON_STRING, false, REASON_MAX},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    if (!honours_month_parse(server_calendar(req), json_get_string(req->json, "period"), m))
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "period",
                                         "period must be a month YYYY-MM (2000-2100)");
    if (store_now_ms() < m->to)
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "period",
                                         "%s has not closed yet: only a closed month is frozen",
                                         m->name);
    int group = assessment_group_from_name(json_get_string(req->json, "group"));
    if (group < 0)
        return request_reply_field_error(
            req, 400, ERR_INVALID_FIELD, "group",
            "group must be department, street, community, grid, inspector or operator");
    int64_t supersedes = 0;
    bool correction = json_get_int(req->json, "supersedes", &supersedes);
    const char *reason = json_get_string(req->json, "reason");
    if (correction && supersedes <= 0)
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "supersedes",
                                         "supersedes is the id of the snapshot to correct");
    if (correction && (reason == NULL || strspn(reason, " \t\r\n") == strlen(reason)))
        return request_reply_field_error(req, 400, ERR_MISSING_FIELD, "reason",
                                         "a correction needs a reason");
    if (!correction && reason != NULL)
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD, "reason",
                                         "a reason goes with a correction (supersedes)");
    *p = (struct honours_publication){m,
                                      group,
                                      supersedes,
                                      correction ? reason : "",
                                      req->user->id,
                                      role_name(req->user->role),
                                      req->user->display_name};
    return 0;
}

static int post_snapshot(struct request *req)
{
    struct honours_month m;
    struct honours_publication p;
    int status = read_publication(req, &m, &p);
    if (status != 0)
        return status;
    int64_t id = 0;
    int rc = honours_publish(req->server->store, &p, store_now_ms(), &id);
    if (rc == STORE_CONFLICT && p.supersedes_id == 0)
        return request_reply_error(req, 409, ERR_CONFLICT,
                                   "%s is frozen for this group already; publish a correction "
                                   "(supersedes, reason) to change it",
                                   m.name);
    if (rc == STORE_CONFLICT)
        return request_reply_field_error(req, 409, ERR_CONFLICT, "supersedes",
                                         "that snapshot was corrected already: correct the "
                                         "latest revision");
    if (rc == STORE_NOT_FOUND)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "supersedes",
                                         "no snapshot with that id for this period and group");
    if (rc == STORE_INVALID)
        return request_reply_error(req, 500, ERR_INTERNAL,
                                   "the stored assessment settings are not valid");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not publish the snapshot");
    return reply_snapshot(req, 201, id);
}

// ---- the public lists ----

// One unit of a public list: rank, code, name, composite, grade (no ids).
static cJSON *public_entries(const cJSON *list)
{
    static const char *const KEEP[] = {"rank", "code", "name", "composite", "grade"};
    cJSON *out = cJSON_CreateArray();
    for (const cJSON *row = list ? list->child : NULL; row != NULL; row = row->next) {
        cJSON *entry = cJSON_CreateObject();
        for (size_t i = 0; i < sizeof KEEP / sizeof KEEP[0]; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, KEEP[i]);
            cJSON_AddItemToObject(entry, KEEP[i],
                                  v ? cJSON_Duplicate(v, true) : cJSON_CreateNull());
        }
        cJSON_AddItemToArray(out, entry);
    }
    return out;
}

struct public_lists {
    struct request *req;
    cJSON *body, *lists;
    bool broken; // a stored body is not JSON
};

static void add_public(const struct store_snapshot *s, void *data)
{
    struct public_lists *p = data;
    cJSON *frozen = request_own_json(p->req, cJSON_Parse(s->body));
    if (frozen == NULL) {
        p->broken = true;
        return;
    }
    if (cJSON_GetObjectItemCaseSensitive(p->body, "period") == NULL)
        cJSON_AddStringToObject(p->body, "period", s->period);
    cJSON *list = cJSON_CreateObject();
    cJSON_AddStringToObject(list, "group", s->group);
    json_add_int(list, "snapshot_id", s->id);
    json_add_int(list, "revision", s->revision);
    json_add_int(list, "published_at", s->created_at);
    cJSON_AddStringToObject(list, "body_hash", s->body_hash);
    if (s->supersedes_id > 0) {
        cJSON *corrects = cJSON_AddObjectToObject(list, "corrects");
        json_add_int(corrects, "snapshot_id", s->supersedes_id);
        json_add_int(corrects, "revision", s->revision - 1);
        cJSON_AddStringToObject(corrects, "reason", s->reason);
    } else
        cJSON_AddNullToObject(list, "corrects");
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(frozen, "honours_size");
    cJSON_AddItemToObject(list, "size", cJSON_Duplicate(size, true));
    cJSON_AddItemToObject(list, "red",
                          public_entries(cJSON_GetObjectItemCaseSensitive(frozen, "top")));
    cJSON_AddItemToObject(list, "black",
                          public_entries(cJSON_GetObjectItemCaseSensitive(frozen, "bottom")));
    cJSON_AddItemToArray(p->lists, list);
}

// GET /api/v1/public/honours?period=YYYY-MM (default: the latest frozen month):
// the latest revision of each unit group's lists. No sign-in.
static int public_honours(struct request *req)
{
    const char *period = request_query(req, "period");
    struct honours_month m;
    if (period != NULL && !honours_month_parse(server_calendar(req), period, &m))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "period",
                                         "period must be a month YYYY-MM (2000-2100)");
    struct public_lists p = {.req = req, .body = request_json_object(req)};
    p.lists = cJSON_CreateArray();
    int rc = store_snapshot_latest(req->server->store, period ? period : "", PUBLIC_GROUPS,
                                   PUBLIC_GROUP_COUNT, add_public, &p);
    cJSON_AddItemToObject(p.body, "lists", p.lists);
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not read the published lists");
    if (p.broken)
        return request_reply_error(req, 500, ERR_INTERNAL, "a stored snapshot is not JSON");
    if (cJSON_GetArraySize(p.lists) == 0)
        return request_reply_error(req, 404, ERR_NOT_FOUND,
                                   period ? "no lists were published for %s"
                                          : "no lists were published yet%s",
                                   period ? period : "");
    return request_reply_json(req, 200, p.body);
}

// method, pattern, handler, flags, roles
const struct route API_SNAPSHOT_ROUTES[] = {
    {"GET", "/api/v1/assessment/snapshots", list_snapshots, ROUTE_AUTH,
     ROLE_LEADER | ROLE_SUPERVISOR | ROLE_ADMIN},
    {"POST", "/api/v1/assessment/snapshots", post_snapshot, ROUTE_STAFF_WRITE,
     ROLE_LEADER | ROLE_ADMIN},
    {"GET", "/api/v1/assessment/snapshots/:id", get_snapshot, ROUTE_AUTH,
     ROLE_LEADER | ROLE_SUPERVISOR | ROLE_ADMIN},
    {"GET", "/api/v1/public/honours", public_honours, 0, 0},
};
const size_t API_SNAPSHOT_ROUTE_COUNT = sizeof API_SNAPSHOT_ROUTES / sizeof API_SNAPSHOT_ROUTES[0];
