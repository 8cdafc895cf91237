// SPDX-License-Identifier: MIT
// Notifications over HTTP: a citizen stops SMS with the case's query code
// (public), and an admin sets where a unit hears of reminders and supervision
// notices (a webhook, whose new signing secret is answered once; an SMS phone;
// an e-mail address), audited.
#include "api.h"

#include "api_public.h"
#include "arena.h"
#include "errors.h"
#include "json.h"
#include "notify.h"
#include "outbox.h"
#include "outbox_sender.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_admin.h"
#include "store_notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// POST /api/v1/public/cases/:case_no/optout {code}: no more SMS to the phone
// the case was filed with, for any case.
static int optout(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"code", JSON_STRING, true, API_PUBLIC_CODE_MAX},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, 1, &problem))
        return request_reply_problem(req, 400, &problem);
    int64_t id = 0;
    int status = api_public_authorize(req, json_get_string(req->json, "code"), &id);
    if (status != 0)
        return status;
    bool had_phone = false;
    int rc = store_sms_optout(req->server->store, id, &had_phone);
    if (rc == STORE_NOT_FOUND)
        return request_reply_error(req, 404, ERR_NOT_FOUND, API_PUBLIC_NOT_FOUND);
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not store the opt-out");
    if (!had_phone)
        return request_reply_error(req, 409, ERR_CONFLICT,
                                   "this case was filed without a phone number: no SMS is sent");
    cJSON *body = request_json_object(req);
    cJSON_AddBoolToObject(body, "sms", false);
    return request_reply_json(req, 200, body);
}

// Parses a whole positive decimal id. False when text is not one.
static bool parse_unit_id(const char *text, int64_t *out)
{
    char *end = NULL;
    long long value = text != NULL ? strtoll(text, &end, 10) : 0;
    if (text == NULL || end == text || *end != '\0' || value <= 0)
        return false;
    *out = value;
    return true;
}

// A plain address: something@host.tld, no spaces, brackets or line breaks.
static bool email_valid(const char *email)
{
    const char *at = strchr(email, '@');
    return at != NULL && at != email && strchr(at + 1, '@') == NULL &&
           strchr(at + 1, '.') != NULL && at[1] != '.' && email[strlen(email) - 1] != '.' &&
           strpbrk(email, " <>()[],;:\\\"\r\n\t") == NULL;
}

static cJSON *channels_body(struct request *req, const struct store_unit_notify *unit)
{
    cJSON *body = request_json_object(req);
    json_add_int(body, "unit_id", unit->unit_id);
    cJSON_AddStringToObject(body, "webhook_url", unit->webhook_url);
    cJSON_AddStringToObject(body, "phone", unit->phone);
    cJSON_AddStringToObject(body, "email", unit->email);
    return body;
}

// GET /api/v1/admin/org-units/:id/notify: the unit's channels (never the secret).
static int get_unit_notify(struct request *req)
{
    int64_t id = 0;
    struct store_unit_notify unit;
    int rc = parse_unit_id(request_param(req, "id"), &id)
                 ? store_unit_notify_get(req->server->store, id, &unit)
                 : STORE_NOT_FOUND;
    if (rc == STORE_NOT_FOUND)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such org unit");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not read the unit's channels");
    return request_reply_json(req, 200, channels_body(req, &unit));
}

// Copies the optional text field name of the body into out ("" when absent).
static void field_copy(struct request *req, const char *name, char *out, size_t size)
{
    const char *value = json_get_string(req->json, name);
    snprintf(out, size, "%s", value ? value : "");
}

// PUT /api/v1/admin/org-units/:id/notify {webhook_url, phone, email}: replaces
// the unit's channels (a field left out or "" is none); with a webhook, a new
// signing secret answered this once.
static int put_unit_notify(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"webhook_url", JSON_STRING, false, STORE_NOTIFY_URL_MAX},
        {"phone", JSON_STRING, false, STORE_NOTIFY_PHONE_MAX},
        {"email", JSON_STRING, false, STORE_NOTIFY_EMAIL_MAX},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    struct store_unit_notify *unit = arena_alloc(req->arena, sizeof *unit);
    if (unit == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    memset(unit, 0, sizeof *unit);
    if (!parse_unit_id(request_param(req, "id"), &unit->unit_id))
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such org unit");
    field_copy(req, "webhook_url", unit->webhook_url, sizeof unit->webhook_url);
    char phone[STORE_NOTIFY_PHONE_MAX + 1];
    field_copy(req, "phone", phone, sizeof phone);
    field_copy(req, "email", unit->email, sizeof unit->email);
    if (unit->webhook_url[0] != '\0' && !outbox_url_valid(unit->webhook_url, STORE_NOTIFY_URL_MAX))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "webhook_url",
                                         "the webhook must be an http:// or https:// URL with a "
                                         "host and no user name");
    if (phone[0] != '\0' && !notify_phone_normal(phone, unit->phone, sizeof unit->phone))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "phone",
                                         "phone may hold only digits, spaces, a leading '+' and "
                                         "'-', 5 digits at least");
    if (unit->email[0] != '\0' && !email_valid(unit->email))
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "email",
                                         "email must be a plain address such as "
                                         "office@example.org");
    if (unit->webhook_url[0] != '\0')
        outbox_secret_new(unit->webhook_secret);
    struct store_actor actor;
    api_actor(req, &actor);
    int rc = store_unit_notify_set(req->server->store, unit, &actor);
    if (rc == STORE_NOT_FOUND)
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such org unit");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not store the unit's channels");
    cJSON *body = channels_body(req, unit);
    if (unit->webhook_url[0] != '\0')
        cJSON_AddStringToObject(body, "webhook_secret", unit->webhook_secret);
    return request_reply_json(req, 200, body);
}

// method, pattern, handler, flags, roles
const struct route API_NOTIFY_ROUTES[] = {
    {"POST", "/api/v1/public/cases/:case_no/optout", optout, ROUTE_JSON | ROUTE_WRITE, 0},
    {"GET", "/api/v1/admin/org-units/:id/notify", get_unit_notify, ROUTE_AUTH, ROLE_ADMIN},
    {"PUT", "/api/v1/admin/org-units/:id/notify", put_unit_notify, ROUTE_STAFF_WRITE, ROLE_ADMIN},
};
const size_t API_NOTIFY_ROUTE_COUNT = sizeof API_NOTIFY_ROUTES / sizeof API_NOTIFY_ROUTES[0];
