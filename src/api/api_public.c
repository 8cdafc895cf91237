// SPDX-License-Identifier: MIT
// The citizen's side of a case, without an account: tracking by case number and
// the private query code (personal data masked, no staff details, a timeline of
// public notes only) and the one satisfaction rating per closure, where an
// unsatisfied rating inside the reopen window sends the case back for rework.
#include "api.h"

#include "arena.h"
#include "casefsm.h"
#include "errors.h"
#include "json.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_case_lists.h"
#include "store_cases.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PUBLIC_CODE_MAX       64 // longest code worth hashing
#define PUBLIC_MISS_WINDOW_MS (10 * 60 * INT64_C(1000))
#define PUBLIC_NOT_FOUND      "no case with this number and query code"

// Wrong codes (and unknown case numbers) per client address: after MISS_LIMIT in
// a window of PUBLIC_MISS_WINDOW_MS from the first, every lookup from that address
// is refused until the window ends. A small table under a lock; when it is full
// the entry whose window started first is reused.
enum { MISS_SLOTS = 512, MISS_LIMIT = 10 };
static struct {
    pthread_mutex_t lock;
    struct miss_slot {
        char ip[64];
        int64_t window_start;
        int misses;
    } slots[MISS_SLOTS];
} misses = {.lock = PTHREAD_MUTEX_INITIALIZER};

// Finds the slot of ip, or when create, a fresh one. Caller holds misses.lock.
static struct miss_slot *miss_slot(const char *ip, int64_t now, bool create)
{
    struct miss_slot *oldest = &misses.slots[0];
    for (int i = 0; i < MISS_SLOTS; i++) {
        struct miss_slot *slot = &misses.slots[i];
        if (slot->ip[0] != '\0' && strcmp(slot->ip, ip) == 0) {
            if (now - slot->window_start >= PUBLIC_MISS_WINDOW_MS) {
                slot->window_start = now;
                slot->misses = 0;
            }
            return slot;
        }
        if (slot->window_start < oldest->window_start)
            oldest = slot;
    }
    if (!create)
        return NULL;
    snprintf(oldest->ip, sizeof oldest->ip, "%s", ip);
    oldest->window_start = now;
    oldest->misses = 0;
    return oldest;
}

// Returns 0 when ip may look a case up, else the seconds until it may again.
static int miss_wait(const char *ip)
{
    int64_t now = store_now_ms();
    int wait = 0;
    pthread_mutex_lock(&misses.lock);
    struct miss_slot *slot = miss_slot(ip, now, false);
    if (slot != NULL && slot->misses >= MISS_LIMIT) {
        wait = (int)((slot->window_start + PUBLIC_MISS_WINDOW_MS - now + 999) / 1000);
        if (wait < 1)
            wait = 1;
    }
    pthread_mutex_unlock(&misses.lock);
    return wait;
}

static void miss_record(const char *ip)
{
    int64_t now = store_now_ms();
    pthread_mutex_lock(&misses.lock);
    struct miss_slot *slot = miss_slot(ip, now, true);
    slot->misses++;
    pthread_mutex_unlock(&misses.lock);
}

// Checks the case number and query code. Returns 0 with *id set, or the status
// replied: 429 while the address is locked out, 404 (the same for an unknown case
// and a wrong code, counted as a miss), 500.
static int citizen_authorize(struct request *req, const char *code, int64_t *id)
{
    int wait = miss_wait(req->client_ip);
    if (wait > 0) {
        request_add_header(req, "Retry-After", arena_printf(req->arena, "%d", wait));
        return request_reply_error(req, 429, ERR_RATE_LIMITED,
                                   "too many wrong query codes; try again in %d s", wait);
    }
    const char *case_no = request_param(req, "case_no");
    char normal[PUBLIC_CODE_MAX + 1];
    size_t len = strlen(code);
    for (size_t i = 0; i < len && i < PUBLIC_CODE_MAX; i++) // codes are typed in any case
        normal[i] = code[i] >= 'a' && code[i] <= 'z' ? (char)(code[i] - 'a' + 'A') : code[i];
    normal[len < PUBLIC_CODE_MAX ? len : PUBLIC_CODE_MAX] = '\0';
    unsigned char given[STORE_CASE_QUERY_CODE_HASH], stored[STORE_CASE_QUERY_CODE_HASH] = {0};
    crypto_generichash(given, sizeof given, (const unsigned char *)normal, strlen(normal), NULL, 0);
    int rc = STORE_NOT_FOUND;
    if (strlen(case_no) == 14 && strspn(case_no, "0123456789") == 14)
        rc = store_case_query_code(req->server->store, case_no, id, stored);
    if (rc == STORE_ERROR)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not look the case up");
    // Compare even for an unknown case, so both answers take the same time.
    bool match = sodium_memcmp(given, stored, sizeof given) == 0;
    if (rc != STORE_OK || !match || len == 0 || len > PUBLIC_CODE_MAX) {
        miss_record(req->client_ip);
        return request_reply_error(req, 404, ERR_NOT_FOUND, PUBLIC_NOT_FOUND);
    }
    return 0;
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

static void add_timeline_event(const struct store_case_event *e, void *data)
{
    // State changes and events with a public note; the rest is internal.
    if (strcmp(e->from_state, e->to_state) == 0 && e->public_note[0] == '\0')
        return;
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "action", e->action);
    cJSON_AddStringToObject(item, "to", e->to_state);
    int state = casefsm_state_from_name(e->to_state);
    json_add_string_or_null(item, "to_zh",
                            state >= 0 ? casefsm_state_name_zh((enum casefsm_state)state) : NULL);
    json_add_int(item, "created_at", e->created_at);
    cJSON_AddStringToObject(item, "public_note", e->public_note);
    cJSON_AddItemToArray(data, item);
}

// The citizen's view of a case. Returns a new tree the caller owns, or NULL.
static cJSON *public_case_json(struct request *req, const struct store_case *c)
{
    cJSON *out = request_json_object(req);
    cJSON_AddStringToObject(out, "case_no", c->case_no);
    cJSON *state = cJSON_AddObjectToObject(out, "state");
    cJSON_AddStringToObject(state, "name", casefsm_state_name(c->state));
    cJSON_AddStringToObject(state, "name_zh", casefsm_state_name_zh(c->state));
    json_add_string_or_null(out, "category", c->category_id ? c->category_name_zh : NULL);
    json_add_int(out, "created_at", c->created_at);
    cJSON_AddStringToObject(out, "address", c->address);
    cJSON_AddStringToObject(out, "description", c->description);
    cJSON *citizen = cJSON_AddObjectToObject(out, "citizen");
    json_add_string_or_null(citizen, "name",
                            c->citizen_name[0] ? mask_name(req->arena, c->citizen_name) : NULL);
    json_add_string_or_null(citizen, "phone",
                            c->citizen_phone[0] ? mask_phone(req->arena, c->citizen_phone) : NULL);
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
    cJSON *timeline = cJSON_AddArrayToObject(out, "timeline");
    if (store_case_events(req->server->store, c->id, add_timeline_event, timeline) != STORE_OK) {
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
    int status = citizen_authorize(req, code, &id);
    if (status != 0)
        return status;
    struct store_case *c = arena_alloc(req->arena, sizeof *c);
    if (c == NULL || store_case_get(req->server->store, id, c) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not load the case");
    return request_reply_json(req, 200, public_case_json(req, c));
}

// The reopen an unsatisfied rating causes, on behalf of the citizen; the store
// fills in the version and runs it in the rating's transaction.
static void citizen_reopen(struct request *req, const char *comment, struct case_transition *t)
{
    struct casefsm_outcome outcome;
    casefsm_apply(CASEFSM_STATE_CLOSED, CASEFSM_PENDING_NONE, CASEFSM_ACTION_REOPEN, ROLE_SYSTEM,
                  &outcome);
    cJSON *facts = cJSON_CreateObject();
    cJSON_AddStringToObject(facts, "rating", "unsatisfied");
    *t = (struct case_transition){
        .action = CASEFSM_ACTION_REOPEN,
        .next = outcome.next,
        .pending = outcome.pending,
        .effects = outcome.effects,
        .actor_role = role_name(ROLE_SYSTEM),
        .actor_name = "系统",
        .note = comment != NULL && comment[0] != '\0'
                    ? arena_printf(req->arena, "市民评价不满意：%s", comment)
                    : "市民评价不满意",
        .public_note = "市民不满意，案件重办",
        .urgent = -1,
        .data_json = request_json_text(req, facts),
    };
}

static int rate_case(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"code", JSON_STRING, true, PUBLIC_CODE_MAX},
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
    int status = citizen_authorize(req, json_get_string(req->json, "code"), &id);
    if (status != 0)
        return status;
    const char *comment = json_get_string(req->json, "comment");
    struct case_transition reopen;
    citizen_reopen(req, comment, &reopen);
    bool reopened = false;
    struct store_case_rating rating = {id,
                                       value,
                                       comment,
                                       &reopen,
                                       server_calendar(req->server),
                                       req->server->config.reopen_window_days * 86400000LL,
                                       &reopened};
    switch (store_case_rate(req->server->store, &rating, NULL, NULL)) {
    case STORE_OK:
        break;
    case STORE_INVALID:
        return request_reply_error(req, 409, ERR_ILLEGAL_TRANSITION,
                                   "only a closed case can be rated");
    case STORE_CONFLICT:
        return request_reply_error(req, 409, ERR_CONFLICT,
                                   "this case was rated already since it was closed");
    case STORE_NOT_FOUND:
        return request_reply_error(req, 404, ERR_NOT_FOUND, PUBLIC_NOT_FOUND);
    default:
        return request_reply_error(req, 500, ERR_INTERNAL, "could not store the rating");
    }
    struct store_case *c = arena_alloc(req->arena, sizeof *c);
    if (c == NULL || store_case_get(req->server->store, id, c) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not load the case");
    return request_reply_json(req, 200, public_case_json(req, c));
}

// method, pattern, handler, flags, roles
const struct route API_PUBLIC_ROUTES[] = {
    {"GET", "/api/v1/public/cases/:case_no", track_case, 0, 0},
    {"POST", "/api/v1/public/cases/:case_no/rating", rate_case, ROUTE_JSON | ROUTE_WRITE, 0},
};
const size_t API_PUBLIC_ROUTE_COUNT = sizeof API_PUBLIC_ROUTES / sizeof API_PUBLIC_ROUTES[0];
