// SPDX-License-Identifier: MIT
// User administration for admins: list, create and change staff accounts inside
// the admin's own jurisdiction. Password, role and unit changes and disabling end
// the account's sessions (account.h); a new phone number or name does not.
#include "api.h"

#include "account.h"
#include "arena.h"
#include "auth.h"
#include "errors.h"
#include "json.h"
#include "jurisdiction.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "setup_rules.h"
#include "store.h"
#include "store_admin.h"
#include "store_users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *account_json(const struct store_user *user)
{
    cJSON *out = cJSON_CreateObject();
    json_add_int(out, "id", user->id);
    cJSON_AddStringToObject(out, "username", user->username);
    cJSON_AddStringToObject(out, "display_name", user->display_name);
    cJSON_AddStringToObject(out, "role", role_name(user->role));
    cJSON_AddStringToObject(out, "phone", user->phone);
    cJSON_AddBoolToObject(out, "disabled", user->disabled);
    json_add_int(out, "created_at", user->created_at);
    cJSON *unit = cJSON_AddObjectToObject(out, "org_unit");
    json_add_int(unit, "id", user->org_unit_id);
    cJSON_AddStringToObject(unit, "code", user->org_unit_code);
    cJSON_AddStringToObject(unit, "type", user->org_unit_type);
    cJSON_AddStringToObject(unit, "name", user->org_unit_name);
    return out;
}

static void add_account(const struct store_user *user, void *data)
{
    cJSON_AddItemToArray(data, account_json(user));
}

// Loads the user with the :id param if the caller's jurisdiction holds them.
// Returns 0, or the status of the error already replied.
static int load_target(struct request *req, struct store_user *target)
{
    char *end = NULL;
    const char *param = request_param(req, "id");
    long long id = strtoll(param, &end, 10);
    if (end == param || *end != '\0' || id <= 0 ||
        store_user_get(req->server->store, id, target) != STORE_OK ||
        !jurisdiction_covers_path(&req->user->jurisdiction, target->scope_path))
        return request_reply_error(req, 404, ERR_NOT_FOUND, "no such user");
    return 0;
}

static int list_users(struct request *req)
{
    int64_t after = 0;
    const char *cursor = request_query(req, "cursor");
    if (cursor != NULL) {
        char *end = NULL;
        after = strtoll(cursor, &end, 10);
        if (end == cursor || *end != '\0' || after < 0)
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "cursor", "bad cursor");
    }
    cJSON *body = request_json_object(req);
    cJSON *items = cJSON_AddArrayToObject(body, "items");
    const int limit = 200;
    if (store_user_list(req->server->store, &req->user->jurisdiction, after, limit, add_account,
                        items) != STORE_OK) {
        return request_reply_error(req, 500, ERR_INTERNAL, "could not list users");
    }
    int count = cJSON_GetArraySize(items);
    if (count == limit) {
        cJSON *last = cJSON_GetArrayItem(items, count - 1);
        char next[32];
        snprintf(next, sizeof next, "%lld",
                 (long long)cJSON_GetObjectItem(last, "id")->valuedouble);
        cJSON_AddStringToObject(body, "next_cursor", next);
    } else {
        cJSON_AddNullToObject(body, "next_cursor");
    }
    return request_reply_json(req, 200, body);
}

// Resolves role and org unit members of a create/patch body into user. Returns 0
// or the status replied.
static int resolve_role_and_unit(struct request *req, struct store_user *user)
{
    const char *role = json_get_string(req->json, "role");
    const char *unit = json_get_string(req->json, "org_unit_code");
    struct setup_problem problem;
    if ((role != NULL && !setup_role(role, &user->role, &problem)) ||
        (unit != NULL && !setup_user_unit(req->server->store, &req->user->jurisdiction, unit,
                                          &user->org_unit_id, &problem)))
        return setup_reply(req, &problem);
    return 0;
}

static int create_user(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"username", JSON_STRING, true, 63},   {"display_name", JSON_STRING, true, 127},
        {"role", JSON_STRING, true, 16},       {"org_unit_code", JSON_STRING, true, 15},
        {"password", JSON_STRING, true, 1024}, {"phone", JSON_STRING, false, 31},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    struct store_user user = {0};
    const char *username = json_get_string(req->json, "username");
    struct setup_problem rule;
    if (!setup_username(username, &rule))
        return setup_reply(req, &rule);
    snprintf(user.username, sizeof user.username, "%s", username);
    snprintf(user.display_name, sizeof user.display_name, "%s",
             json_get_string(req->json, "display_name"));
    const char *phone = json_get_string(req->json, "phone");
    snprintf(user.phone, sizeof user.phone, "%s", phone ? phone : "");
    int status = resolve_role_and_unit(req, &user);
    if (status != 0)
        return status;
    const char *weak = auth_password_problem(json_get_string(req->json, "password"));
    if (weak != NULL)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "password", "%s", weak);
    char hash[AUTH_HASH_SIZE];
    if (auth_hash_password(json_get_string(req->json, "password"), hash) != 0)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not hash the password");
    int64_t id = 0;
    struct store_actor actor;
    api_actor(req, &actor);
    int rc = store_user_create_as(req->server->store, &actor, &user, hash, &id);
    if (rc == STORE_CONFLICT)
        return request_reply_field_error(req, 409, ERR_CONFLICT, "username",
                                         "the username %s is taken", username);
    if (rc != STORE_OK || store_user_get(req->server->store, id, &user) != STORE_OK)
        return request_reply_store_error(req, rc, "could not create the user");
    return request_reply_json(req, 201, account_json(&user));
}

// Whether the change from before to after ends the account's sessions
// (account.h), and the one to keep in *keep_session_id (0 keeps none).
static bool sessions_end(const struct request *req, const struct store_user *before,
                         const struct store_user *after, bool new_password, bool disabling,
                         int64_t *keep_session_id)
{
    struct account_change change = {
        .role_before = before->role,
        .role_after = after->role,
        .unit_before = before->org_unit_id,
        .unit_after = after->org_unit_id,
        .new_password = new_password,
        .disabling = disabling,
        .own = after->id == req->user->id,
    };
    enum account_sessions sessions = account_change_sessions(&change);
    *keep_session_id = sessions == ACCOUNT_SESSIONS_END_OTHERS ? req->user->session_id : 0;
    return sessions != ACCOUNT_SESSIONS_KEEP;
}

static int update_user(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"display_name", JSON_STRING, false, 127}, {"role", JSON_STRING, false, 16},
        {"org_unit_code", JSON_STRING, false, 15}, {"phone", JSON_STRING, false, 31},
        {"disabled", JSON_BOOL, false, 0},         {"password", JSON_STRING, false, 1024},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, sizeof FIELDS / sizeof FIELDS[0], &problem))
        return request_reply_problem(req, 400, &problem);
    struct store_user user;
    int status = load_target(req, &user);
    if (status != 0)
        return status;
    const struct store_user before = user;
    status = resolve_role_and_unit(req, &user);
    if (status != 0)
        return status;
    const char *name = json_get_string(req->json, "display_name");
    if (name != NULL)
        snprintf(user.display_name, sizeof user.display_name, "%s", name);
    const char *phone = json_get_string(req->json, "phone");
    if (phone != NULL)
        snprintf(user.phone, sizeof user.phone, "%s", phone);
    const char *password = json_get_string(req->json, "password");
    char hash[AUTH_HASH_SIZE];
    if (password != NULL) {
        const char *weak = auth_password_problem(password);
        if (weak != NULL)
            return request_reply_field_error(req, 422, ERR_INVALID_FIELD, "password", "%s", weak);
        if (auth_hash_password(password, hash) != 0)
            return request_reply_error(req, 500, ERR_INTERNAL, "could not hash the password");
    }
    if (user.id == req->user->id &&
        (user.role != ROLE_ADMIN || cJSON_IsTrue(cJSON_GetObjectItem(req->json, "disabled"))))
        return request_reply_field_error(
            req, 422, ERR_INVALID_FIELD,
            cJSON_IsTrue(cJSON_GetObjectItem(req->json, "disabled")) ? "disabled" : "role",
            "you cannot disable yourself or drop your own admin role");
    struct store *store = req->server->store;
    const cJSON *disabled = cJSON_GetObjectItem(req->json, "disabled");
    int64_t keep_session_id = 0;
    bool end_sessions = sessions_end(req, &before, &user, password != NULL, cJSON_IsTrue(disabled),
                                     &keep_session_id);
    struct store_actor actor;
    api_actor(req, &actor);
    int rc = store_user_update_as(store, &actor, &user, password ? hash : NULL,
                                  cJSON_IsBool(disabled) ? cJSON_IsTrue(disabled) : -1,
                                  end_sessions, keep_session_id);
    auth_forget_sessions(); // ended sessions, a new role or a new name count at once
    if (rc != STORE_OK || store_user_get(store, user.id, &user) != STORE_OK)
        return request_reply_store_error(req, rc, "could not update the user");
    return request_reply_json(req, 200, account_json(&user));
}

// method, pattern, handler, flags, roles
const struct route API_USER_ROUTES[] = {
    {"GET", "/api/v1/users", list_users, ROUTE_AUTH, ROLE_ADMIN},
    {"POST", "/api/v1/users", create_user, ROUTE_STAFF_WRITE, ROLE_ADMIN},
    {"PATCH", "/api/v1/users/:id", update_user, ROUTE_STAFF_WRITE, ROLE_ADMIN},
};
const size_t API_USER_ROUTE_COUNT = sizeof API_USER_ROUTES / sizeof API_USER_ROUTES[0];
