// SPDX-License-Identifier: MIT
// The case endpoints for staff: one case with its clock and allowed actions, and
// one transition per request (role, state, version and required fields checked
// before the store runs it in one transaction with its event).
#include "api_cases.h"

#include "api.h"
#include "arena.h"
#include "caseclock.h"
#include "casework.h"
#include "errors.h"
#include "json.h"
#include "jurisdiction.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_attachments.h"
#include "store_case_lists.h"
#include "store_cases.h"
#include "store_places.h"
#include "store_task_route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool api_case_visible(const struct request *req, const struct store_case *c)
{
    return req->user != NULL &&
           jurisdiction_may_read_case(&req->user->jurisdiction, c->department_id, c->place_path);
}

int64_t api_parse_id(const char *text)
{
    if (text == NULL || *text == '\0' || strlen(text) > 18)
        return 0;
    char *end = NULL;
    long long id = strtoll(text, &end, 10);
    return (*end == '\0' && id > 0) ? id : 0;
}

int api_case_load_visible(struct request *req, struct store_case **out)
{
    struct store_case *c = arena_alloc(req->arena, sizeof *c);
    if (c == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    int64_t id = api_parse_id(request_param(req, "id"));
    if (id == 0 || store_case_get(req->server->store, id, c) != STORE_OK ||
        !api_case_visible(req, c))
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such case");
    *out = c;
    return 0;
}

static void add_place(cJSON *out, const struct store_case *c)
{
    cJSON *place = cJSON_AddObjectToObject(out, "place");
    if (c->has_location) {
        cJSON_AddNumberToObject(place, "lat", c->lat);
        cJSON_AddNumberToObject(place, "lon", c->lon);
    } else {
        cJSON_AddNullToObject(place, "lat");
        cJSON_AddNullToObject(place, "lon");
    }
    cJSON_AddStringToObject(place, "address", c->address);
    json_add_string_or_null(place, "grid", c->grid_id ? c->grid_code : NULL);
    json_add_string_or_null(place, "community", c->community_id ? c->community_name : NULL);
    json_add_string_or_null(place, "street", c->street_id ? c->street_name : NULL);
    cJSON_AddBoolToObject(place, "needs_placement", c->needs_placement);
    // How the point was found: the typed address geocoded at intake (with the
    // gazetteer label it matched), or sent or set by hand.
    bool geocoded = strcmp(c->located_by, "geocode") == 0;
    json_add_string_or_null(place, "located_by",
                            geocoded ? "geocode" : c->has_location ? "point" : NULL);
    json_add_string_or_null(place, "located_label", geocoded ? c->located_label : NULL);
}

// The inspector's task running on the case (a verification or a check): the
// level it was routed at and whether it is routed to the caller (in a list;
// the case page adds the inspectors). null when no such task runs.
static void add_task(cJSON *out, const struct store_case *c)
{
    const char *kind = c->state == CASEFSM_STATE_VERIFYING ? "verify"
                       : c->state == CASEFSM_STATE_HANDLED ? "check"
                                                           : NULL;
    if (kind == NULL) {
        cJSON_AddNullToObject(out, "task");
        return;
    }
    cJSON *task = cJSON_AddObjectToObject(out, "task");
    cJSON_AddStringToObject(task, "kind", kind);
    json_add_string_or_null(task, "level", c->task_level[0] ? c->task_level : NULL);
    cJSON_AddBoolToObject(task, "mine", c->task_mine);
}

static void add_clock(cJSON *out, struct request *req, const struct store_case *c)
{
    int unit = worktime_unit_from_name(c->stage_unit);
    struct caseclock_view view;
    caseclock_view(server_calendar(req), unit < 0 ? WORKTIME_WORK_HOURS : (enum worktime_unit)unit,
                   c->stage_limit_ms, c->stage_deadline, c->state == CASEFSM_STATE_SUSPENDED,
                   c->suspended_remaining_ms, store_now_ms(), &view);
    cJSON *clock = cJSON_AddObjectToObject(out, "clock");
    cJSON_AddStringToObject(clock, "stage", c->stage);
    cJSON_AddStringToObject(clock, "unit", c->stage_unit);
    json_add_int(clock, "limit_ms", c->stage_limit_ms);
    json_add_int(clock, "started_at", c->stage_started_at);
    if (view.running)
        json_add_int(clock, "deadline", view.deadline);
    else
        cJSON_AddNullToObject(clock, "deadline");
    if (view.running || view.paused)
        json_add_int(clock, "remaining_ms", view.remaining_ms);
    else
        cJSON_AddNullToObject(clock, "remaining_ms");
    cJSON_AddBoolToObject(clock, "paused", view.paused);
    cJSON_AddBoolToObject(clock, "overdue", view.running && view.remaining_ms < 0);
    if (view.running || view.paused)
        cJSON_AddStringToObject(clock, "light", worktime_light_name(view.light));
    else
        cJSON_AddNullToObject(clock, "light");
}

static void add_counts(cJSON *out, const struct store_case *c)
{
    cJSON *counts = cJSON_AddObjectToObject(out, "counts");
    json_add_int(counts, "rework", c->rework_count);
    json_add_int(counts, "reopen", c->reopen_count);
    json_add_int(counts, "supervise", c->supervise_count);
    json_add_int(counts, "extension", c->extension_count);
    json_add_int(counts, "return", c->return_count);
    json_add_int(counts, "remind", c->remind_count);
    json_add_int(counts, "auto_supervise", c->auto_supervise_count);
}

// What the caller must send with an action, as the web form asks for it: the
// requirement names of casefsm plus the photo stage the evidence comes from.
static cJSON *needs_json(const struct store_case *c, enum casefsm_action action)
{
    static const struct {
        unsigned flag;
        const char *name;
    } NEEDS[] = {
        {CASEFSM_NEED_REASON, "reason"},
        {CASEFSM_NEED_NOTE, "note"},
        {CASEFSM_NEED_PHOTO, "photo"},
        {CASEFSM_NEED_AFTER_PHOTO, "photo"},
        {CASEFSM_NEED_DEPARTMENT, "department_id"},
        {CASEFSM_NEED_TARGET, "target_case_id"},
        {CASEFSM_NEED_CATEGORY, "category_id"},
        {CASEFSM_NEED_AMOUNT, "amount"},
        {CASEFSM_NEED_PHASE, "phase"},
    };
    struct casework_case work = {.state = c->state, .category_id = c->category_id};
    unsigned need = 0;
    const char *photo_stage = NULL;
    casework_needs(&work, action, &need, &photo_stage);
    cJSON *out = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(out, "needs");
    unsigned listed = 0;
    for (size_t i = 0; i < sizeof NEEDS / sizeof NEEDS[0]; i++) {
        if (!(need & NEEDS[i].flag) ||
            (listed & (NEEDS[i].flag & (CASEFSM_NEED_PHOTO | CASEFSM_NEED_AFTER_PHOTO))))
            continue;
        if (NEEDS[i].flag & (CASEFSM_NEED_PHOTO | CASEFSM_NEED_AFTER_PHOTO))
            listed |= CASEFSM_NEED_PHOTO | CASEFSM_NEED_AFTER_PHOTO;
        cJSON_AddItemToArray(list, cJSON_CreateString(NEEDS[i].name));
    }
    json_add_string_or_null(out, "photo_stage", photo_stage);
    return out;
}

// The actions the user may take now, and (when with_needs) what each needs
// ("action_needs"): the case screen's forms need them, a list row's buttons only
// open that screen.
static void add_actions(cJSON *out, const struct store_case *c, enum role role, bool with_needs)
{
    cJSON *actions = cJSON_AddArrayToObject(out, "actions");
    cJSON *needs = with_needs ? cJSON_AddObjectToObject(out, "action_needs") : NULL;
    unsigned allowed = casefsm_allowed_actions(c->state, c->pending, role);
    for (int a = 0; a < CASEFSM_ACTION_COUNT; a++) {
        if (!(allowed & (1u << a)))
            continue;
        // Arrival is timed only for urgent cases.
        if (a == CASEFSM_ACTION_ARRIVE && !c->urgent)
            continue;
        cJSON_AddItemToArray(actions, cJSON_CreateString(casefsm_action_name(a)));
        if (needs != NULL)
            cJSON_AddItemToObject(needs, casefsm_action_name(a), needs_json(c, a));
    }
}

static void add_photo(const char *hash, const char *mime, int64_t size, const char *stage,
                      int64_t created_at, void *data)
{
    cJSON *photo = cJSON_CreateObject();
    cJSON_AddStringToObject(photo, "hash", hash);
    char url[96];
    snprintf(url, sizeof url, "/api/v1/attachments/%s", hash);
    cJSON_AddStringToObject(photo, "url", url);
    cJSON_AddStringToObject(photo, "mime", mime);
    json_add_int(photo, "size", size);
    cJSON_AddStringToObject(photo, "stage", stage);
    json_add_int(photo, "created_at", created_at);
    cJSON_AddItemToArray(data, photo);
}

// The case as staff see it; the whole of it (photos, what each action needs)
// when full, else a list row's share.
static cJSON *case_json(struct request *req, const struct store_case *c, bool full)
{
    cJSON *out = cJSON_CreateObject();
    json_add_int(out, "id", c->id);
    cJSON_AddStringToObject(out, "case_no", c->case_no);
    json_add_int(out, "version", c->version);
    cJSON_AddStringToObject(out, "state", casefsm_state_name(c->state));
    cJSON_AddStringToObject(out, "pending", casefsm_pending_name(c->pending));
    if (c->pending != CASEFSM_PENDING_NONE) {
        json_add_int(out, "pending_amount", c->pending_amount);
        cJSON_AddStringToObject(out, "pending_note", c->pending_note);
    }
    cJSON_AddStringToObject(out, "source", c->source);
    json_add_string_or_null(out, "external_id", c->external_id[0] ? c->external_id : NULL);
    if (c->category_id) {
        cJSON *category = cJSON_AddObjectToObject(out, "category");
        json_add_int(category, "id", c->category_id);
        cJSON_AddStringToObject(category, "tree", c->category_tree);
        cJSON_AddStringToObject(category, "code", c->category_code);
        cJSON_AddStringToObject(category, "name_zh", c->category_name_zh);
        cJSON_AddStringToObject(category, "name_en", c->category_name_en);
    } else {
        cJSON_AddNullToObject(out, "category");
    }
    cJSON_AddBoolToObject(out, "urgent", c->urgent);
    cJSON_AddStringToObject(out, "description", c->description);
    add_place(out, c);
    if (c->department_id) {
        cJSON *department = cJSON_AddObjectToObject(out, "department");
        json_add_int(department, "id", c->department_id);
        cJSON_AddStringToObject(department, "name", c->department_name);
    } else {
        cJSON_AddNullToObject(out, "department");
    }
    json_add_string_or_null(out, "reporter", c->reporter_user_id ? c->reporter_name : NULL);
    json_add_string_or_null(out, "citizen_name", c->citizen_name[0] ? c->citizen_name : NULL);
    json_add_string_or_null(out, "citizen_phone", c->citizen_phone[0] ? c->citizen_phone : NULL);
    cJSON_AddBoolToObject(out, "verified", c->verified);
    cJSON_AddBoolToObject(out, "self_handled", c->self_handled);
    cJSON_AddBoolToObject(out, "photo_reused", c->photo_reused);
    if (c->merged_into)
        json_add_int(out, "merged_into", c->merged_into);
    // A leader's own 督办 marks the case (the scheduler's automatic ones are
    // counted apart, in counts.auto_supervise).
    cJSON_AddBoolToObject(out, "supervised", c->supervise_count > 0);
    add_counts(out, c);
    add_clock(out, req, c);
    add_task(out, c);
    json_add_int(out, "created_at", c->created_at);
    json_add_int(out, "updated_at", c->updated_at);
    if (c->closed_at)
        json_add_int(out, "closed_at", c->closed_at);
    if (c->handling_deadline > 0)
        json_add_int(out, "handling_deadline", c->handling_deadline);
    else
        cJSON_AddNullToObject(out, "handling_deadline");
    if (c->handled_at > 0)
        json_add_int(out, "handled_at", c->handled_at);
    else
        cJSON_AddNullToObject(out, "handled_at");
    if (c->filed_at > 0)
        json_add_int(out, "filed_at", c->filed_at);
    else
        cJSON_AddNullToObject(out, "filed_at");
    json_add_string_or_null(out, "rating", c->rating[0] ? c->rating : NULL);
    if (full)
        store_case_attachments(req->server->store, c->id, add_photo,
                               cJSON_AddArrayToObject(out, "photos"));
    if (req->user != NULL)
        add_actions(out, c, req->user->role, full);
    return out;
}

cJSON *api_case_json(struct request *req, const struct store_case *c)
{
    return case_json(req, c, true);
}

cJSON *api_case_row_json(struct request *req, const struct store_case *c)
{
    return case_json(req, c, false);
}

struct stage_list {
    struct request *req;
    cJSON *items;
    int64_t now;
};

// One stage record: what ran, against which limit, how long it took (pauses
// excluded), how long it was paused, and the verdict.
static void add_stage(const struct store_case_stage *stage, void *data)
{
    struct stage_list *list = data;
    const struct casework_stage_record *r = &stage->record;
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "stage", casework_stage_name(r->stage));
    json_add_string_or_null(item, "phase", r->phase[0] ? r->phase : NULL);
    json_add_int(item, "round", r->round);
    json_add_int(item, "attempt", r->attempt);
    cJSON_AddStringToObject(item, "unit", worktime_unit_name(r->unit));
    json_add_int(item, "limit_ms", r->limit_ms);
    json_add_int(item, "started_at", r->started_at);
    if (r->deadline > 0)
        json_add_int(item, "deadline", r->deadline);
    else
        cJSON_AddNullToObject(item, "deadline");
    if (r->ended_at > 0)
        json_add_int(item, "ended_at", r->ended_at);
    else
        cJSON_AddNullToObject(item, "ended_at");
    int64_t paused =
        r->paused_ms + (r->paused_at > 0 && r->ended_at == 0 ? list->now - r->paused_at : 0);
    json_add_int(item, "elapsed_ms",
                 casework_stage_elapsed(r, server_calendar(list->req), list->now));
    json_add_int(item, "paused_ms", paused);
    cJSON_AddBoolToObject(item, "paused", r->paused_at > 0 && r->ended_at == 0);
    cJSON_AddStringToObject(item, "verdict", casework_verdict_name(r->verdict));
    cJSON_AddBoolToObject(item, "overdue",
                          r->ended_at == 0 && r->deadline > 0 && list->now > r->deadline);
    json_add_string_or_null(item, "outcome", r->outcome[0] ? r->outcome : NULL);
    if (r->unit_id > 0) {
        cJSON *unit = cJSON_AddObjectToObject(item, "responsible");
        json_add_int(unit, "id", r->unit_id);
        cJSON_AddStringToObject(unit, "name", stage->unit_name);
    } else {
        cJSON_AddNullToObject(item, "responsible");
    }
    cJSON_AddItemToArray(list->items, item);
}

static void add_rating(const struct store_case_rating_row *row, void *data)
{
    cJSON *item = cJSON_CreateObject();
    json_add_int(item, "round", row->round);
    cJSON_AddStringToObject(item, "rating", row->rating);
    cJSON_AddStringToObject(item, "comment", row->comment);
    cJSON_AddStringToObject(item, "source", row->source);
    json_add_int(item, "closed_at", row->closed_at);
    json_add_int(item, "rated_at", row->rated_at);
    cJSON_AddItemToArray(data, item);
}

struct task_inspectors {
    cJSON *items;
    int64_t viewer_id;
    bool mine;
};

static void add_task_inspector(const struct store_task_inspector *inspector, void *data)
{
    struct task_inspectors *list = data;
    cJSON *item = cJSON_CreateObject();
    json_add_int(item, "id", inspector->user_id);
    cJSON_AddStringToObject(item, "username", inspector->username);
    cJSON_AddStringToObject(item, "name", inspector->display_name);
    cJSON_AddItemToArray(list->items, item);
    list->mine = list->mine || inspector->user_id == list->viewer_id;
}

// The case page's task: the inspectors it is routed to, and whether the caller is one.
static int add_task_inspectors(struct request *req, cJSON *out, int64_t case_id)
{
    cJSON *task = cJSON_GetObjectItemCaseSensitive(out, "task");
    if (!cJSON_IsObject(task))
        return STORE_OK;
    struct task_inspectors list = {cJSON_AddArrayToObject(task, "inspectors"),
                                   req->user != NULL ? req->user->id : 0, false};
    int rc = store_task_inspectors(req->server->store, case_id, add_task_inspector, &list);
    cJSON_ReplaceItemInObjectCaseSensitive(task, "mine", cJSON_CreateBool(list.mine));
    return rc;
}

cJSON *api_case_detail_json(struct request *req, const struct store_case *c)
{
    cJSON *out = request_own_json(req, api_case_json(req, c));
    if (out == NULL || add_task_inspectors(req, out, c->id) != STORE_OK)
        return NULL;
    cJSON_AddItemToObject(out, "suggested_department", api_suggested_department(req, c));
    cJSON_AddItemToObject(out, "frontage_unit", api_frontage_case_unit(req, c->id));
    struct stage_list stages = {req, cJSON_AddArrayToObject(out, "stages"), store_now_ms()};
    cJSON *ratings = cJSON_AddArrayToObject(out, "ratings");
    if (store_case_stages(req->server->store, c->id, add_stage, &stages) != STORE_OK ||
        store_case_ratings(req->server->store, c->id, add_rating, ratings) != STORE_OK)
        return NULL;
    return out;
}

static int get_case(struct request *req)
{
    // The case screen polls: an unchanged case costs a 304 (taken before the load
    // so that it is the same for every caller, visible or not, until a write).
    uint64_t changes = store_changes(req->server->store);
    struct store_case *c;
    int status = api_case_load_visible(req, &c);
    if (status != 0)
        return status;
    if (request_unchanged(req, request_data_etag(req, changes)))
        return req->status;
    return request_reply_json(req, 200, api_case_detail_json(req, c));
}

static const struct json_field ACTION_FIELDS[] = {
    {"version", JSON_INTEGER, true, 0},
    {"note", JSON_STRING, false, CASE_NOTE_MAX},
    {"public_note", JSON_STRING, false, 500},
    {"department_id", JSON_INTEGER, false, 0},
    {"category_id", JSON_INTEGER, false, 0},
    {"urgent", JSON_BOOL, false, 0},
    {"target_case_id", JSON_INTEGER, false, 0},
    {"amount", JSON_INTEGER, false, 0},
    {"phase", JSON_STRING, false, CASEWORK_CODE_MAX - 1},
};

static void fill_transition(struct request *req, struct case_transition *t)
{
    const cJSON *body = req->json;
    json_get_int(body, "version", &t->expected_version);
    t->note = json_get_string(body, "note");
    t->public_note = json_get_string(body, "public_note");
    json_get_int(body, "department_id", &t->department_id);
    json_get_int(body, "category_id", &t->category_id);
    json_get_int(body, "target_case_id", &t->target_case_id);
    t->phase = json_get_string(body, "phase");
    int64_t amount = 0;
    if (json_get_int(body, "amount", &amount))
        t->amount = amount > 10000 || amount < -10000 ? -1 : (int)amount;
    const cJSON *urgent = cJSON_GetObjectItemCaseSensitive(body, "urgent");
    t->urgent = cJSON_IsBool(urgent) ? cJSON_IsTrue(urgent) : -1;
    t->actor_user_id = req->user->id;
    t->actor_role = req->user->role;
    t->actor_name = req->user->display_name;
    t->reopen_window_ms = req->server->config.reopen_window_days * 86400000LL;
    cJSON *facts = cJSON_CreateObject();
    if (t->department_id > 0)
        json_add_int(facts, "department_id", t->department_id);
    if (t->category_id > 0)
        json_add_int(facts, "category_id", t->category_id);
    if (t->target_case_id > 0)
        json_add_int(facts, "target_case_id", t->target_case_id);
    if (t->amount > 0)
        json_add_int(facts, "amount", t->amount);
    if (t->phase != NULL)
        cJSON_AddStringToObject(facts, "phase", t->phase);
    t->data_json = request_json_text(req, facts);
}

// Replies with the rules' refusal: 403, 404, 409 or 422 naming the field.
static int reply_refusal(struct request *req, const struct case_refusal *refusal)
{
    switch (refusal->error) {
    case CASEWORK_ERR_UNKNOWN_ACTION:
        return request_reply_error(req, 404, ERR_NOT_FOUND, "%s", refusal->message);
    case CASEWORK_ERR_ROLE:
        return request_reply_error(req, 403, ERR_FORBIDDEN, "%s", refusal->message);
    case CASEWORK_ERR_STATE:
        return request_reply_error(req, 409, ERR_ILLEGAL_TRANSITION, "%s", refusal->message);
    case CASEWORK_ERR_MISSING:
        return request_reply_field_error(req, 422, ERR_MISSING_FIELD, refusal->field, "%s",
                                         refusal->message);
    default:
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, refusal->field, "%s",
                                         refusal->message);
    }
}

// True when the caller may dispatch to the department: one of a place inside
// their jurisdiction or of a place above it (an unknown id is left to casework,
// which names it).
static bool department_usable(struct request *req, int64_t department_id)
{
    struct store_org_unit department, parent;
    if (store_org_unit_get(req->server->store, department_id, &department) != STORE_OK ||
        department.parent_id <= 0)
        return true;
    if (store_org_unit_get(req->server->store, department.parent_id, &parent) != STORE_OK)
        return false;
    return jurisdiction_may_use_department(&req->user->jurisdiction, parent.path);
}

static int run_action(struct request *req)
{
    struct json_problem problem;
    if (!json_check(req->json, ACTION_FIELDS, sizeof ACTION_FIELDS / sizeof ACTION_FIELDS[0],
                    &problem))
        return request_reply_problem(req, 400, &problem);
    int action = casefsm_action_from_name(request_param(req, "action"));
    if (action < 0)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such action");
    struct store_case *c;
    int status = api_case_load_visible(req, &c);
    if (status != 0)
        return status;
    struct case_transition t = {.case_id = c->id, .action = (enum casefsm_action)action};
    fill_transition(req, &t);
    // Not allowed at all (403) or not from this state (409) says more than a
    // stale version: answer that first. The store checks everything again.
    struct casework_case state = {
        .state = c->state, .pending = c->pending, .closed_at = c->closed_at};
    struct casework_request ask = {.action = t.action,
                                   .role = req->user->role,
                                   .now = store_now_ms(),
                                   .reopen_window_ms = t.reopen_window_ms};
    struct casework_result *verdict = arena_alloc(req->arena, sizeof *verdict);
    if (verdict == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    if (casework_check_allowed(&state, &ask, verdict) != CASEWORK_OK) {
        struct case_refusal refusal = {verdict->error, verdict->field, ""};
        snprintf(refusal.message, sizeof refusal.message, "%s", verdict->message);
        return reply_refusal(req, &refusal);
    }
    if (t.expected_version != c->version)
        return request_reply_error(req, 409, ERR_STALE_VERSION,
                                   "the case changed (version %lld, you sent %lld); reload it",
                                   (long long)c->version, (long long)t.expected_version);
    if (t.target_case_id > 0) {
        struct store_case *target = arena_alloc(req->arena, sizeof *target);
        if (target == NULL ||
            store_case_get(req->server->store, t.target_case_id, target) != STORE_OK ||
            !api_case_visible(req, target))
            return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "target_case_id",
                                             "no such target case");
    }
    if (t.action == CASEFSM_ACTION_DISPATCH && t.department_id > 0 &&
        !department_usable(req, t.department_id))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "department_id",
                                         "that department is outside your jurisdiction");
    if (t.action == CASEFSM_ACTION_DISPATCH && t.department_id > 0 &&
        (status = api_dispatch_check(req, c, t.category_id, t.department_id)) != 0)
        return status;
    struct case_refusal refusal = {0};
    int rc = store_case_transition(req->server->store, server_calendar(req), &t, c, &refusal);
    switch (rc) {
    case STORE_OK:
        return request_reply_json(req, 200, api_case_detail_json(req, c));
    case STORE_INVALID:
        return reply_refusal(req, &refusal);
    case STORE_CONFLICT:
        return request_reply_error(req, 409, ERR_STALE_VERSION,
                                   "the case changed meanwhile; reload it");
    case STORE_NOT_FOUND:
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such case");
    default:
        return request_reply_store_error(req, rc, "could not save the transition");
    }
}

// Puts a case on the grid: the supervisor's answer to "flagged for placement".
static int place_case(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"version", JSON_INTEGER, true, 0},
        {"lat", JSON_NUMBER, true, 0},
        {"lon", JSON_NUMBER, true, 0},
        {"address", JSON_STRING, false, CASE_ADDRESS_MAX},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    struct store_case *c;
    int status = api_case_load_visible(req, &c);
    if (status != 0)
        return status;
    if (!casefsm_state_is_open(c->state))
        return request_reply_error(req, 409, ERR_ILLEGAL_TRANSITION,
                                   "a %s case is not moved any more", casefsm_state_name(c->state));
    struct case_placement p = {.case_id = c->id,
                               .lat = json_get_number(req->json, "lat", 0),
                               .lon = json_get_number(req->json, "lon", 0),
                               .address = json_get_string(req->json, "address"),
                               .actor_user_id = req->user->id,
                               .actor_role = role_name(req->user->role),
                               .actor_name = req->user->display_name};
    json_get_int(req->json, "version", &p.expected_version);
    bool lat_ok = p.lat >= -90 && p.lat <= 90;
    if (!lat_ok || !(p.lon >= -180 && p.lon <= 180))
        return request_reply_field_error(req, 400, ERR_INVALID_FIELD, lat_ok ? "lon" : "lat",
                                         "lat must be in [-90, 90] and lon in [-180, 180]");
    struct store_grid_location cell;
    if (store_grid_locate(req->server->store, p.lon, p.lat, &cell) != STORE_OK)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "lat",
                                         "that point lies in no grid cell");
    if (!jurisdiction_covers_path(&req->user->jurisdiction, cell.place_path))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "lat",
                                         "lat/lon lie in grid cell %s, outside your jurisdiction",
                                         cell.grid_code);
    p.grid_id = cell.grid_id;
    p.community_id = cell.community_id;
    p.street_id = cell.street_id;
    p.district_id = cell.district_id;
    int rc = store_case_place(req->server->store, &p, c);
    switch (rc) {
    case STORE_OK:
        return request_reply_json(req, 200, api_case_json(req, c));
    case STORE_CONFLICT:
        return request_reply_error(req, 409, ERR_STALE_VERSION,
                                   "the case changed meanwhile; reload it");
    case STORE_NOT_FOUND:
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such case");
    default:
        return request_reply_store_error(req, rc, "could not move the case");
    }
}

// method, pattern, handler, flags, roles
const struct route API_CASE_ROUTES[] = {
    {"POST", "/api/v1/cases/:id/place", place_case, ROUTE_STAFF_WRITE,
     ROLE_SUPERVISOR | ROLE_OPERATOR},
    {"GET", "/api/v1/cases/:id", get_case, ROUTE_AUTH, 0},
    {"POST", "/api/v1/cases/:id/:action", run_action, ROUTE_STAFF_WRITE, ROLE_ANY_STAFF},
};
const size_t API_CASE_ROUTE_COUNT = sizeof API_CASE_ROUTES / sizeof API_CASE_ROUTES[0];
