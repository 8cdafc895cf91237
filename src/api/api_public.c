// SPDX-License-Identifier: MIT
// The citizen's side of a case, without an account: tracking by case number and
// the private query code (personal data masked, no staff details, a timeline of
// public notes only) and the one satisfaction rating per closure, where an
// unsatisfied rating inside the reopen window sends the case back for rework;
// and the query-code check and per-address limits that intake and uploads share.
#include "api.h"
#include "api_public.h"

#include "arena.h"
#include "casefsm.h"
#include "errors.h"
#include "json.h"
#include "log.h"
#include "ratelimit.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_case_lists.h"
#include "store_cases.h"
#include "store_notify.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(API_PUBLIC_CODE_HASH == STORE_CASE_QUERY_CODE_HASH, "query code hash size");

// Per client address: 10 wrong query codes (or unknown case numbers) in 10
// minutes from the first, then none until those 10 minutes end; and 20 reports.
static const struct ratelimit_policy WRONG_CODES_PER_ADDRESS = {
    .free_attempts = 10,
    .max_attempts = 10,
    .window_ms = 10 * 60 * 1000,
};
static const struct ratelimit_policy REPORTS_PER_ADDRESS = {
    .free_attempts = 20,
    .max_attempts = 20,
    .window_ms = 10 * 60 * 1000,
};

// Codes longer than API_PUBLIC_CODE_MAX are cut (they never match a real one).
void api_public_code_hash(const char *code, unsigned char out[API_PUBLIC_CODE_HASH])
{
    char folded[API_PUBLIC_CODE_MAX];
    size_t len = strnlen(code, API_PUBLIC_CODE_MAX);
    for (size_t i = 0; i < len; i++)
        folded[i] = code[i] >= 'a' && code[i] <= 'z' ? (char)(code[i] - 'a' + 'A') : code[i];
    crypto_generichash(out, API_PUBLIC_CODE_HASH, (const unsigned char *)folded, len, NULL, 0);
    sodium_memzero(folded, sizeof folded);
}

void api_public_code_new(char code[API_PUBLIC_CODE_LENGTH + 1],
                         unsigned char hash[API_PUBLIC_CODE_HASH])
{
    static const char ALPHABET[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    for (int i = 0; i < API_PUBLIC_CODE_LENGTH; i++)
        code[i] = ALPHABET[randombytes_uniform(sizeof ALPHABET - 1)];
    code[API_PUBLIC_CODE_LENGTH] = '\0';
    api_public_code_hash(code, hash);
}

// The counter key of the client address: "code-ip:1.2.3.4".
static void address_key(const struct request *req, const char *prefix,
                        char key[RATELIMIT_KEY_MAX + 1])
{
    snprintf(key, RATELIMIT_KEY_MAX + 1, "%s%s", prefix, req->client_ip);
}

bool api_public_count(struct request *req, const char *prefix,
                      const struct ratelimit_policy *policy, int *wait_s)
{
    char key[RATELIMIT_KEY_MAX + 1];
    address_key(req, prefix, key);
    int wait = 0;
    enum ratelimit_verdict verdict =
        ratelimit_take(req->server->citizen_limits, key, policy, store_now_ms(), &wait);
    *wait_s = wait;
    if (verdict == RATELIMIT_FULL)
        log_warn("request %s: the citizens' limiter is full; refusing new addresses",
                 req->request_id);
    return verdict == RATELIMIT_ALLOWED;
}

// Counts one attempt for the client address under policy. Returns 0, or replies
// 429 with the wait and returns 429.
static int take_or_reply(struct request *req, const char *prefix,
                         const struct ratelimit_policy *policy, const char *what)
{
    int wait = 0;
    return api_public_count(req, prefix, policy, &wait)
               ? 0
               : request_reply_rate_limited(req, wait, what);
}

int api_public_take(struct request *req, const char *prefix, const struct ratelimit_policy *policy,
                    const char *what)
{
    return take_or_reply(req, prefix, policy, what);
}

int api_public_authorize(struct request *req, const char *code, int64_t *case_id)
{
    int status =
        take_or_reply(req, "code-ip:", &WRONG_CODES_PER_ADDRESS, "too many wrong query codes");
    if (status != 0)
        return status;
    const char *case_no = request_param(req, "case_no");
    size_t len = strlen(code);
    unsigned char given[API_PUBLIC_CODE_HASH], stored[API_PUBLIC_CODE_HASH] = {0};
    api_public_code_hash(code, given);
    int rc = STORE_NOT_FOUND;
    if (case_no != NULL && strlen(case_no) == 14 && strspn(case_no, "0123456789") == 14)
        rc = store_case_query_code(req->server->store, case_no, case_id, stored);
    // Compare even for an unknown case, so both answers take the same time.
    bool match = sodium_memcmp(given, stored, sizeof given) == 0;
    bool right = rc == STORE_OK && match && len > 0 && len <= API_PUBLIC_CODE_MAX;
    if (right || rc == STORE_ERROR) { // only wrong codes and unknown cases count
        char key[RATELIMIT_KEY_MAX + 1];
        address_key(req, "code-ip:", key);
        ratelimit_refund(req->server->citizen_limits, key, store_now_ms());
    }
    if (rc == STORE_ERROR)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not look the case up");
    return right ? 0 : request_reply_error(req, 404, ERR_NOT_FOUND, API_PUBLIC_NOT_FOUND);
}

int api_public_count_report(struct request *req)
{
    return take_or_reply(req, "report-ip:", &REPORTS_PER_ADDRESS,
                         "too many reports from your address");
}

// Masks a name for display: the first character, then one '*' per further
// character ("张三" -> "张*"); a one-character name becomes "*". UTF-8 aware.
static char *mask_name(struct arena *arena, const char *name)
{
    size_t first = 1;
    while (name[first] != '\0' && ((unsigned char)name[first] & 0xC0) == 0x80)
        first++;
    size_t rest = 0;
    for (const char *p = name + first; *p != '\0'; p++)
        rest += ((unsigned char)*p & 0xC0) != 0x80;
    if (rest == 0)
        return arena_strdup(arena, "*");
    char *out = arena_alloc(arena, first + rest + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, name, first);
    memset(out + first, '*', rest);
    return out;
}

// Masks a phone number: at least 8 characters keep the first 3 and last 4
// ("13812345678" -> "138****5678"); shorter ones keep only the last 2.
static char *mask_phone(struct arena *arena, const char *phone)
{
    size_t len = strlen(phone);
    char *out = arena_strdup(arena, phone);
    if (out == NULL)
        return NULL;
    size_t keep_head = len >= 8 ? 3 : 0, keep_tail = len >= 8 ? 4 : len > 2 ? 2 : 0;
    for (size_t i = keep_head; i + keep_tail < len; i++)
        out[i] = '*';
    return out;
}

struct timeline {
    struct request *req;
    cJSON *items;
};

// The public code an event carries in its facts ("dispatched"), into code.
static void event_public_code(struct request *req, const struct store_case_event *e, char *code,
                              size_t size)
{
    code[0] = '\0';
    const char *value = json_get_string(request_own_json(req, cJSON_Parse(e->data)), "public_code");
    if (value != NULL)
        snprintf(code, size, "%s", value);
}

static void add_timeline_event(const struct store_case_event *e, void *data)
{
    struct timeline *timeline = data;
    char code[40];
    event_public_code(timeline->req, e, code, sizeof code);
    // State changes and events with a public code or note; the rest is internal.
    if (strcmp(e->from_state, e->to_state) == 0 && code[0] == '\0' && e->public_note[0] == '\0')
        return;
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "action", e->action);
    cJSON_AddStringToObject(item, "to", e->to_state);
    json_add_int(item, "created_at", e->created_at);
    // What happened, as a code the client renders in the reader's language.
    json_add_string_or_null(item, "code", code[0] ? code : NULL);
    // Words a member of staff wrote for the citizen (or, in events from before
    // codes, the server's own sentence); null when none.
    json_add_string_or_null(item, "public_note", e->public_note[0] ? e->public_note : NULL);
    cJSON_AddItemToArray(timeline->items, item);
}

// The case a merged case lives on in (following merges), in request memory, or
// NULL.
static const struct store_case *surviving_case(struct request *req, const struct store_case *c)
{
    struct store_case *next = arena_alloc(req->arena, sizeof *next);
    int64_t id = c->merged_into;
    for (int hops = 0; next != NULL && id > 0 && hops < 8; hops++) {
        if (store_case_get(req->server->store, id, next) != STORE_OK)
            return NULL;
        if (next->state != CASEFSM_STATE_MERGED || next->merged_into <= 0)
            return next;
        id = next->merged_into;
    }
    return NULL;
}

cJSON *api_public_case_json(struct request *req, const struct store_case *c)
{
    cJSON *out = request_json_object(req);
    cJSON_AddStringToObject(out, "case_no", c->case_no);
    cJSON_AddStringToObject(out, "state", casefsm_state_name(c->state));
    // A merged case links the case it lives on in: its number and state, so the
    // citizen can follow it and rate it once it is closed.
    const struct store_case *survivor =
        c->state == CASEFSM_STATE_MERGED ? surviving_case(req, c) : NULL;
    if (survivor != NULL) {
        cJSON *merged = cJSON_AddObjectToObject(out, "merged_into");
        cJSON_AddStringToObject(merged, "case_no", survivor->case_no);
        cJSON_AddStringToObject(merged, "state", casefsm_state_name(survivor->state));
        cJSON_AddBoolToObject(merged, "rated", survivor->rating[0] != '\0');
    } else {
        cJSON_AddNullToObject(out, "merged_into");
    }
    if (c->category_id) {
        cJSON *category = cJSON_AddObjectToObject(out, "category");
        cJSON_AddStringToObject(category, "code", c->category_code);
        cJSON_AddStringToObject(category, "name_zh", c->category_name_zh);
        cJSON_AddStringToObject(category, "name_en", c->category_name_en);
    } else {
        cJSON_AddNullToObject(out, "category");
    }
    json_add_int(out, "created_at", c->created_at);
    cJSON_AddStringToObject(out, "address", c->address);
    cJSON_AddStringToObject(out, "description", c->description);
    cJSON *citizen = cJSON_AddObjectToObject(out, "citizen");
    json_add_string_or_null(citizen, "name",
                            c->citizen_name[0] ? mask_name(req->arena, c->citizen_name) : NULL);
    json_add_string_or_null(citizen, "phone",
                            c->citizen_phone[0] ? mask_phone(req->arena, c->citizen_phone) : NULL);
    // Whether the phone gets the city's SMS about the case (so the page offers to stop them).
    bool sms = false;
    if (c->citizen_phone[0] != '\0' &&
        store_case_sms_active(req->server->store, c->id, &sms) != STORE_OK)
        sms = false;
    cJSON_AddBoolToObject(citizen, "sms", sms);
    if (casefsm_state_is_open(c->state) && c->stage_deadline > 0)
        json_add_int(out, "deadline", c->stage_deadline);
    else
        cJSON_AddNullToObject(out, "deadline");
    if (c->closed_at > 0)
        json_add_int(out, "closed_at", c->closed_at);
    else
        cJSON_AddNullToObject(out, "closed_at");
    if (c->rating[0] != '\0') {
        cJSON *rating = cJSON_AddObjectToObject(out, "rating");
        cJSON_AddStringToObject(rating, "value", c->rating);
        cJSON_AddStringToObject(rating, "comment", c->rating_comment);
        json_add_int(rating, "rated_at", c->rated_at);
    } else {
        cJSON_AddNullToObject(out, "rating");
    }
    struct timeline timeline = {req, cJSON_AddArrayToObject(out, "timeline")};
    if (store_case_events(req->server->store, c->id, add_timeline_event, &timeline) != STORE_OK) {
        return NULL;
    }
    return out;
}

static int track_case(struct request *req)
{
    const char *code = request_query(req, "code");
    if (code == NULL || code[0] == '\0')
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "code",
                                         "code (the query code) is required");
    int64_t id = 0;
    int status = api_public_authorize(req, code, &id);
    if (status != 0)
        return status;
    struct store_case *c = arena_alloc(req->arena, sizeof *c);
    if (c == NULL || store_case_get(req->server->store, id, c) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not load the case");
    return request_reply_json(req, 200, api_public_case_json(req, c));
}

static int rate_case(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"code", JSON_STRING, true, API_PUBLIC_CODE_MAX},
        {"rating", JSON_STRING, true, 32},
        {"comment", JSON_STRING, false, 500},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    const char *value = json_get_string(req->json, "rating");
    if (strcmp(value, "satisfied") != 0 && strcmp(value, "basically_satisfied") != 0 &&
        strcmp(value, "unsatisfied") != 0)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "rating",
                                         "rating must be satisfied, basically_satisfied or "
                                         "unsatisfied");
    int64_t id = 0;
    int status = api_public_authorize(req, json_get_string(req->json, "code"), &id);
    if (status != 0)
        return status;
    // A merged case's rating goes to the case it was merged into: that one is
    // handled and closed on its behalf.
    struct store_case *c = arena_alloc(req->arena, sizeof *c);
    if (c == NULL || store_case_get(req->server->store, id, c) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not load the case");
    const struct store_case *survivor =
        c->state == CASEFSM_STATE_MERGED ? surviving_case(req, c) : NULL;
    int64_t rated_id = c->state == CASEFSM_STATE_MERGED ? (survivor ? survivor->id : 0) : id;
    if (rated_id <= 0)
        return request_reply_error(req, 409, ERR_ILLEGAL_TRANSITION,
                                   "this case was merged into one that cannot be found");
    struct store_case_rating rating = {
        .case_id = rated_id,
        .rating = value,
        .comment = json_get_string(req->json, "comment"),
        .source = "citizen",
        .calendar = server_calendar(req),
        .reopen_window_ms = req->server->config.reopen_window_days * 86400000LL,
    };
    int rc = store_case_rate(req->server->store, &rating);
    switch (rc) {
    case STORE_OK:
        break;
    case STORE_INVALID:
        return request_reply_error(req, 409, ERR_ILLEGAL_TRANSITION,
                                   "only a closed case can be rated");
    case STORE_CONFLICT:
        return request_reply_error(req, 409, ERR_CONFLICT,
                                   "this case was rated already since it was closed");
    case STORE_NOT_FOUND:
        return request_reply_error(req, 404, ERR_NOT_FOUND, API_PUBLIC_NOT_FOUND);
    default:
        return request_reply_store_error(req, rc, "could not store the rating");
    }
    if (store_case_get(req->server->store, id, c) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not load the case");
    return request_reply_json(req, 200, api_public_case_json(req, c));
}

// method, pattern, handler, flags, roles
const struct route API_PUBLIC_ROUTES[] = {
    {"GET", "/api/v1/public/cases/:case_no", track_case, 0, 0},
    {"POST", "/api/v1/public/cases/:case_no/rating", rate_case, ROUTE_JSON | ROUTE_WRITE, 0},
};
const size_t API_PUBLIC_ROUTE_COUNT = sizeof API_PUBLIC_ROUTES / sizeof API_PUBLIC_ROUTES[0];
