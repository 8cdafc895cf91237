// SPDX-License-Identifier: MIT
// Sign-in, sign-out and "who am I". Login counts the attempt against the sign-in
// limits, looks the account up, and verifies the password on a verification
// thread; unknown users, wrong passwords and disabled accounts get the same
// answer in about the same time.
#include "api.h"

#include "arena.h"
#include "auth.h"
#include "errors.h"
#include "json.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_users.h"

#include <stdio.h>

cJSON *api_user_json(const struct request_user *user)
{
    cJSON *out = cJSON_CreateObject();
    json_add_int(out, "id", user->id);
    cJSON_AddStringToObject(out, "username", user->username);
    cJSON_AddStringToObject(out, "display_name", user->display_name);
    cJSON_AddStringToObject(out, "role", role_name(user->role));
    cJSON *unit = cJSON_AddObjectToObject(out, "org_unit");
    json_add_int(unit, "id", user->org_unit_id);
    cJSON_AddStringToObject(unit, "code", user->org_unit_code);
    cJSON_AddStringToObject(unit, "type", user->org_unit_type);
    cJSON_AddStringToObject(unit, "name", user->org_unit_name);
    return out;
}

struct login_state {
    char username[80]; // the same key for taking and settling the attempt
    bool found;
    bool disabled;
    int64_t user_id;
};

// Runs on a verification thread once the password was checked.
static void login_finish(struct request *req, bool ok, void *data)
{
    struct login_state *state = data;
    bool success = ok && state->found && !state->disabled;
    auth_login_settle(req, state->username, success ? AUTH_LOGIN_SUCCEEDED : AUTH_LOGIN_FAILED);
    struct store_user account;
    char csrf[48];
    int rc = STORE_OK;
    if (!success) {
        request_reply_error(req, 401, ERR_INVALID_CREDENTIALS, "wrong username or password");
    } else if ((rc = store_user_get(req->server->store, state->user_id, &account)) != STORE_OK ||
               (rc = auth_session_start(req, state->user_id, csrf)) != STORE_OK) {
        request_reply_store_error(req, rc, "could not start a session");
    } else {
        struct request_user user = {0};
        user.id = account.id;
        snprintf(user.username, sizeof user.username, "%s", account.username);
        snprintf(user.display_name, sizeof user.display_name, "%s", account.display_name);
        user.role = account.role;
        user.org_unit_id = account.org_unit_id;
        snprintf(user.org_unit_code, sizeof user.org_unit_code, "%s", account.org_unit_code);
        snprintf(user.org_unit_type, sizeof user.org_unit_type, "%s", account.org_unit_type);
        snprintf(user.org_unit_name, sizeof user.org_unit_name, "%s", account.org_unit_name);
        cJSON *body = cJSON_CreateObject();
        cJSON_AddItemToObject(body, "user", api_user_json(&user));
        cJSON_AddStringToObject(body, "csrf_token", csrf);
        cJSON_AddNumberToObject(body, "idle_timeout_s", auth_idle_seconds());
        request_reply_json(req, 200, body);
    }
    request_resume(req);
}

static int login(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"username", JSON_STRING, true, 64},
        {"password", JSON_STRING, true, AUTH_PASSWORD_MAX_BYTES},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, 2, &problem))
        return request_reply_problem(req, 400, &problem);
    const char *username = json_get_string(req->json, "username");
    const char *password = json_get_string(req->json, "password");
    struct login_state *state = arena_alloc(req->arena, sizeof *state);
    if (state == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    snprintf(state->username, sizeof state->username, "%s", username);
    // Counted now, before the slow check: concurrent guesses see each other.
    int wait = auth_login_take(req, state->username);
    if (wait > 0)
        return request_reply_rate_limited(req, wait, "too many failed sign-ins");
    struct store_user account;
    char hash[AUTH_HASH_SIZE];
    int rc = store_user_get_by_username(req->server->store, username, &account, hash, sizeof hash);
    if (rc == STORE_ERROR) {
        auth_login_settle(req, state->username, AUTH_LOGIN_NOT_CHECKED);
        return request_reply_store_error(req, rc, "could not read the account");
    }
    state->found = rc == STORE_OK;
    state->disabled = state->found && account.disabled;
    state->user_id = state->found ? account.id : 0;
    if (auth_verify_password_async(req, state->found ? hash : NULL, password, login_finish,
                                   state) != 0) {
        auth_login_settle(req, state->username, AUTH_LOGIN_NOT_CHECKED);
        request_add_header(req, "Retry-After", "2");
        return request_reply_error(req, 503, ERR_UNAVAILABLE,
                                   "too many sign-ins at once; try again shortly");
    }
    return 0;
}

static int logout(struct request *req)
{
    auth_session_end(req);
    return request_reply_empty(req, 204);
}

static int me(struct request *req)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "user", api_user_json(req->user));
    cJSON_AddStringToObject(body, "csrf_token", req->user->csrf_token);
    return request_reply_json(req, 200, body);
}

// method, pattern, handler, flags, roles
const struct route API_AUTH_ROUTES[] = {
    {"POST", "/api/v1/auth/login", login, ROUTE_JSON | ROUTE_WRITE, 0},
    {"POST", "/api/v1/auth/logout", logout, ROUTE_AUTH | ROUTE_CSRF | ROUTE_WRITE, 0},
    {"GET", "/api/v1/auth/me", me, ROUTE_AUTH, 0},
};
const size_t API_AUTH_ROUTE_COUNT = sizeof API_AUTH_ROUTES / sizeof API_AUTH_ROUTES[0];
