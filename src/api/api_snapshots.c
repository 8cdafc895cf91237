// SPDX-License-Identifier: MIT
// The red and black lists (红黑榜): assessment snapshots frozen per closed month
// and group (by the scheduler at month close, or by a leader or admin), their
// corrections as new linked revisions, the staff reads, and the public list of
// the best and worst units (departments, streets, communities: never a person).
#include "api.h"

#include "arena.h"
#include "assessment_table.h"
#include "errors.h"
#include "honours.h"
#include "json.h"
#include "jurisdiction.h"
#include "log.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_assessment.h"
#include "store_calendar.h"
#include "store_snapshots.h"
#include "worktime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REASON_MAX 500

// The groups the public list shows: units only.
static const char *const PUBLIC_GROUPS[] = {"department", "street", "community"};
#define PUBLIC_GROUP_COUNT (sizeof PUBLIC_GROUPS / sizeof PUBLIC_GROUPS[0])

// A local month: its name and its instants [from, to).
struct month {
    char name[16]; // "YYYY-MM"
    int64_t from, to;
};

static void month_of(const struct worktime_calendar *cal, int year, int month, struct month *m)
{
    int next = month == 12 ? (year + 1) * 10000 + 101 : year * 10000 + (month + 1) * 100 + 1;
    m->from = worktime_local_to_ms(cal, year * 10000 + month * 100 + 1, 0);
    m->to = worktime_local_to_ms(cal, next, 0);
    snprintf(m->name, sizeof m->name, "%04d-%02d", year % 10000, month % 100);
}

// Parses "YYYY-MM" (2000-2100) into *m. Returns false if it is not one.
static bool month_parse(const struct worktime_calendar *cal, const char *text, struct month *m)
{
    int year, month, n = 0;
    if (text == NULL || strlen(text) != 7 || strspn(text, "0123456789-") != 7 || text[4] != '-' ||
        sscanf(text, "%4d-%2d%n", &year, &month, &n) != 2 || n != 7)
        return false;
    if (year < 2000 || year > 2100 || month < 1 || month > 12)
        return false;
    month_of(cal, year, month, m);
    return true;
}

// ---- the frozen body ----

// The member of a table row the lists name.
static cJSON *list_entry(const cJSON *row)
{
    static const char *const KEEP[] = {"rank", "id", "code", "name", "composite", "grade"};
    cJSON *entry = cJSON_CreateObject();
    for (size_t i = 0; entry != NULL && i < sizeof KEEP / sizeof KEEP[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, KEEP[i]);
        cJSON_AddItemToObject(entry, KEEP[i], v ? cJSON_Duplicate(v, true) : cJSON_CreateNull());
    }
    return entry;
}

// Adds "top" (the best `size` ranked rows, best first) and "bottom" (the worst
// `size` ranked rows not already in top, worst first) to body. Rows without a
// composite (no rank) are on neither list.
static void add_lists(cJSON *body, const cJSON *rows, int size)
{
    int ranked = 0;
    for (const cJSON *r = rows->child; r != NULL; r = r->next) {
        const cJSON *rank = cJSON_GetObjectItemCaseSensitive(r, "rank"); // raw when known
        ranked += rank != NULL && !cJSON_IsNull(rank);
    }
    int top = ranked < size ? ranked : size;
    int bottom = ranked - top < size ? ranked - top : size;
    cJSON *best = cJSON_AddArrayToObject(body, "top");
    cJSON *worst = cJSON_AddArrayToObject(body, "bottom");
    for (int i = 0; i < top; i++)
        cJSON_AddItemToArray(best, list_entry(cJSON_GetArrayItem(rows, i)));
    for (int i = ranked - 1; i >= ranked - bottom; i--)
        cJSON_AddItemToArray(worst, list_entry(cJSON_GetArrayItem(rows, i)));
}

// The canonical body of a month and group as of now: the whole city's table,
// the configuration used and the two lists, printed without spaces in a fixed
// member order. Returns malloc'd text (caller frees), or NULL with *rc set.
static char *snapshot_body(struct store *store, const struct month *m, enum assessment_group group,
                           int64_t now, int *rc)
{
    struct assessment_config config;
    *rc = assessment_settings_load(store, &config);
    if (*rc != STORE_OK)
        return NULL;
    struct arena *arena = arena_create();
    if (arena == NULL) {
        *rc = STORE_ERROR;
        return NULL;
    }
    struct jurisdiction city;
    jurisdiction_init_everywhere(&city);
    cJSON *rows =
        assessment_table_rows(arena, store, &city, group, m->from, m->to, now, &config, rc);
    arena_destroy(arena);
    if (rows == NULL)
        return NULL;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "period", m->name);
    cJSON_AddStringToObject(body, "group", assessment_group_name(group));
    json_add_int(body, "from_ms", m->from);
    json_add_int(body, "to_ms", m->to);
    json_add_int(body, "computed_at", now);
    json_add_int(body, "honours_size", config.honours_size);
    assessment_config_json(&config, group, body);
    add_lists(body, rows, config.honours_size);
    cJSON_AddItemToObject(body, "rows", rows);
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    *rc = text != NULL ? STORE_OK : STORE_ERROR;
    return text;
}

struct publication {
    const struct month *month;
    enum assessment_group group;
    int64_t supersedes_id;
    const char *reason;
    int64_t actor_user_id;
    const char *actor_role, *actor_name;
};

// Computes and publishes a snapshot. Returns what store_snapshot_publish does,
// with the new id in *id.
static int publish(struct store *store, const struct publication *p, int64_t now, int64_t *id)
{
    int rc;
    char *body = snapshot_body(store, p->month, p->group, now, &rc);
    if (body == NULL)
        return rc;
    struct store_snapshot_new in = {
        .period = p->month->name,
        .group = assessment_group_name(p->group),
        .supersedes_id = p->supersedes_id,
        .reason = p->reason,
        .body = body,
        .created_at = now,
        .actor_user_id = p->actor_user_id,
        .actor_role = p->actor_role,
        .actor_name = p->actor_name,
    };
    int revision;
    rc = store_snapshot_publish(store, &in, id, &revision);
    free(body);
    return rc;
}

int honours_freeze_due(struct store *store, int64_t now)
{
    struct worktime_calendar *cal = malloc(sizeof *cal);
    if (cal == NULL || store_calendar_load(store, cal) != STORE_OK) {
        free(cal);
        return -1;
    }
    int today = worktime_local_date(cal, now);
    int year = today / 10000, month = today / 100 % 100 - 1;
    if (month == 0) {
        year--;
        month = 12;
    }
    struct month m;
    month_of(cal, year, month, &m);
    free(cal);
    int frozen = 0, published = 0;
    if (store_snapshot_frozen_groups(store, m.name, &frozen) != STORE_OK)
        return -1;
    for (int g = 0; frozen < ASSESSMENT_GROUP_COUNT && g < ASSESSMENT_GROUP_COUNT; g++) {
        struct publication p = {&m, g, 0, "", 0, "system", "system"};
        int64_t id;
        int rc = publish(store, &p, now, &id);
        if (rc == STORE_OK) {
            published++;
            log_info("honours: froze %s %s as snapshot %lld", m.name, assessment_group_name(g),
                     (long long)id);
        } else if (rc != STORE_CONFLICT) // frozen before: nothing to do
            return -1;
    }
    return published;
}

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
    struct month m;
    *period = request_query(req, "period");
    *group = request_query(req, "group");
    if (*period != NULL && !month_parse(server_calendar(req), *period, &m))
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
    int64_t *ids;
    size_t count, capacity;
    bool failed;
};

static void add_visible(const struct store_assessment_group *g, void *data)
{
    struct visible *v = data;
    if (v->count == v->capacity) {
        size_t capacity = v->capacity ? v->capacity * 2 : 64;
        int64_t *ids = realloc(v->ids, capacity * sizeof *ids);
        if (ids == NULL) {
            v->failed = true;
            return;
        }
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

// Drops from array the rows whose id the caller may not see.
static void keep_visible(cJSON *array, const struct visible *v)
{
    cJSON *row = array ? array->child : NULL;
    while (row != NULL) {
        cJSON *next = row->next;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "id");
        if (!cJSON_IsNumber(id) || !visible_has(v, (int64_t)id->valuedouble))
            cJSON_Delete(cJSON_DetachItemViaPointer(array, row));
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
    struct visible v = {0};
    int rc =
        g < 0 ? STORE_ERROR : store_assessment_groups(req->server->store, j, g, add_visible, &v);
    if (rc == STORE_OK && !v.failed) {
        keep_visible(cJSON_GetObjectItemCaseSensitive(body, "top"), &v);
        keep_visible(cJSON_GetObjectItemCaseSensitive(body, "bottom"), &v);
        keep_visible(cJSON_GetObjectItemCaseSensitive(body, "rows"), &v);
    }
    free(v.ids);
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
static int read_publication(struct request *req, struct month *m, struct publication *p)
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
    if (!month_parse(server_calendar(req), json_get_string(req->json, "period"), m))
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
    *p = (struct publication){m,
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
    struct month m;
    struct publication p;
    int status = read_publication(req, &m, &p);
    if (status != 0)
        return status;
    int64_t id = 0;
    int rc = publish(req->server->store, &p, store_now_ms(), &id);
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
    cJSON *body, *lists;
    bool broken; // a stored body is not JSON
};

static void add_public(const struct store_snapshot *s, void *data)
{
    struct public_lists *p = data;
    cJSON *frozen = cJSON_Parse(s->body);
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
    cJSON_Delete(frozen);
}

// GET /api/v1/public/honours?period=YYYY-MM (default: the latest frozen month):
// the latest revision of each unit group's lists. No sign-in.
static int public_honours(struct request *req)
{
    const char *period = request_query(req, "period");
    struct month m;
    if (period != NULL && !month_parse(server_calendar(req), period, &m))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "period",
                                         "period must be a month YYYY-MM (2000-2100)");
    struct public_lists p = {.body = request_json_object(req)};
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
