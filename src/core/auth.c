// SPDX-License-Identifier: MIT
// Authentication: keyed token hashes, sessions with idle and absolute expiry,
// CSRF checks, API tokens, a small pool of threads for Argon2id verification so
// a burst of logins never blocks the HTTP threads, and the sign-in rate limits.
#include "auth.h"

#include "arena.h"
#include "errors.h"
#include "log.h"
#include "ratelimit.h"
#include "request.h"
#include "server.h"
#include "store.h"
#include "store_users.h"
#include "textseg.h"
#include "workqueue.h"

#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { AUTH_QUEUE_MAX = 64, AUTH_MAX_VERIFIERS = 8 };

// Immutable once auth_init returns.
static unsigned char token_key[crypto_generichash_KEYBYTES];
static char dummy_hash[crypto_pwhash_STRBYTES];
static int64_t session_idle_ms = AUTH_DEFAULT_IDLE_S * 1000LL;
static int64_t session_absolute_ms = AUTH_DEFAULT_ABSOLUTE_S * 1000LL;

struct verify_job {
    struct workqueue_item item; // first: the queue hands back the job
    struct request *req;
    const char *hash;
    char *password;
    void (*done)(struct request *req, bool ok, void *data);
    void *data;
};

static struct workqueue pool = WORKQUEUE_INIT;
// Jobs reserved or queued and not yet taken by a verifier (at most AUTH_QUEUE_MAX).
static atomic_int queued;

static int load_key(struct store *store)
{
    char hex[2 * crypto_generichash_KEYBYTES + 1];
    if (store_setting_get(store, "token_key", hex, sizeof hex) != STORE_OK) {
        unsigned char fresh[crypto_generichash_KEYBYTES];
        randombytes_buf(fresh, sizeof fresh);
        sodium_bin2hex(hex, sizeof hex, fresh, sizeof fresh);
        // Two processes racing here both keep whichever key was stored first.
        if (store_setting_init(store, "token_key", hex) != STORE_OK ||
            store_setting_get(store, "token_key", hex, sizeof hex) != STORE_OK)
            return -1;
    }
    size_t len = 0;
    if (sodium_hex2bin(token_key, sizeof token_key, hex, strlen(hex), NULL, &len, NULL) != 0 ||
        len != sizeof token_key)
        return -1;
    return 0;
}

static void token_hash(const char *token, unsigned char out[STORE_HASH_BYTES])
{
    crypto_generichash(out, STORE_HASH_BYTES, (const unsigned char *)token, strlen(token),
                       token_key, sizeof token_key);
}

static void verify(struct workqueue_item *item)
{
    struct verify_job *job = (struct verify_job *)item;
    atomic_fetch_sub(&queued, 1);
    const char *hash = job->hash ? job->hash : dummy_hash;
    bool ok = crypto_pwhash_str_verify(hash, job->password, strlen(job->password)) == 0 &&
              job->hash != NULL;
    sodium_memzero(job->password, strlen(job->password));
    log_set_request(job->req->request_id);
    job->done(job->req, ok, job->data);
    log_set_request(NULL);
}

int auth_init(struct store *store, int verifiers, int idle_s, int absolute_s)
{
    session_idle_ms = idle_s * 1000LL;
    session_absolute_ms = absolute_s * 1000LL;
    if (load_key(store) != 0) {
        log_error("auth: cannot load or create the token key");
        return -1;
    }
    if (auth_hash_password("dummy password for unknown users", dummy_hash) != 0)
        return -1;
    if (verifiers < 1)
        verifiers = 1;
    if (verifiers > AUTH_MAX_VERIFIERS)
        verifiers = AUTH_MAX_VERIFIERS;
    return workqueue_start(&pool, verifiers, 0, verify) == verifiers ? 0 : -1;
}

void auth_shutdown(void)
{
    workqueue_stop(&pool);
}

const char *auth_password_problem(const char *password)
{
    size_t len = strlen(password);
    if (len > AUTH_PASSWORD_MAX_BYTES)
        return "the password is longer than 1024 bytes";
    if (!textseg_utf8_valid(password, len))
        return "the password is not valid UTF-8";
    size_t chars = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)password[i] & 0xC0) != 0x80)
            chars++;
    if (chars < AUTH_PASSWORD_MIN_CHARS)
        return "the password must have at least 12 characters";
    return NULL;
}

int auth_hash_password(const char *password, char out[AUTH_HASH_SIZE])
{
    return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

static void wipe_password(void *data)
{
    char *password = data;
    sodium_memzero(password, strlen(password));
}

static void enqueue_verify(struct request *req)
{
    struct verify_job *job = req->on_suspended_data;
    workqueue_push(&pool, &job->item);
}

int auth_verify_password_async(struct request *req, const char *hash, const char *password,
                               void (*done)(struct request *req, bool ok, void *data), void *data)
{
    // A place is reserved now, queued once the connection is suspended.
    int n = atomic_load(&queued);
    do {
        if (n >= AUTH_QUEUE_MAX || pool.count == 0)
            return -1;
    } while (!atomic_compare_exchange_weak(&queued, &n, n + 1));
    struct verify_job *job = arena_alloc(req->arena, sizeof *job);
    char *copy = arena_strdup(req->arena, password);
    if (job == NULL || copy == NULL) {
        atomic_fetch_sub(&queued, 1);
        return -1;
    }
    arena_defer(req->arena, wipe_password, copy);
    *job = (struct verify_job){.req = req,
                               .hash = hash ? arena_strdup(req->arena, hash) : NULL,
                               .password = copy,
                               .done = done,
                               .data = data};
    req->suspended = true;
    req->on_suspended = enqueue_verify;
    req->on_suspended_data = job;
    return 0;
}

// Sign-in limits, counted before the password is checked. Per account: 5 free
// failures, then a delay doubling from 1 s to 15 min, at most 100 an hour. Per
// address the same with 50 free and 1000 an hour: an office behind one NAT
// address shares it. A correct sign-in clears its account's count and gives the
// address its attempt back, so only failures (and sign-ins being checked) count.
static const struct ratelimit_policy LOGIN_PER_ACCOUNT = {
    .free_attempts = 5,
    .max_attempts = 100,
    .first_delay_ms = 1000,
    .max_delay_ms = 15 * 60 * 1000,
    .window_ms = 3600 * 1000,
};
static const struct ratelimit_policy LOGIN_PER_ADDRESS = {
    .free_attempts = 50,
    .max_attempts = 1000,
    .first_delay_ms = 1000,
    .max_delay_ms = 15 * 60 * 1000,
    .window_ms = 3600 * 1000,
};

// The counter keys of a sign-in: "login-user:<name in lower case>" and
// "login-ip:<address>", each RATELIMIT_KEY_MAX + 1 bytes.
static void login_keys(const struct request *req, const char *username, char *user_key,
                       char *ip_key)
{
    snprintf(user_key, RATELIMIT_KEY_MAX + 1, "login-user:%s", username);
    for (char *p = user_key; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    snprintf(ip_key, RATELIMIT_KEY_MAX + 1, "login-ip:%s", req->client_ip);
}

int auth_login_take(struct request *req, const char *username)
{
    char user_key[RATELIMIT_KEY_MAX + 1], ip_key[RATELIMIT_KEY_MAX + 1];
    login_keys(req, username, user_key, ip_key);
    const struct ratelimit_attempt attempts[] = {{user_key, &LOGIN_PER_ACCOUNT},
                                                 {ip_key, &LOGIN_PER_ADDRESS}};
    int wait = 0;
    if (ratelimit_take_all(req->server->login_limits, attempts, 2, store_now_ms(), &wait) ==
        RATELIMIT_FULL)
        log_warn("request %s: the sign-in limiter is full; refusing new accounts and addresses",
                 req->request_id);
    return wait;
}

void auth_login_settle(struct request *req, const char *username, enum auth_login_outcome outcome)
{
    char user_key[RATELIMIT_KEY_MAX + 1], ip_key[RATELIMIT_KEY_MAX + 1];
    login_keys(req, username, user_key, ip_key);
    struct ratelimit *limits = req->server->login_limits;
    int64_t now = store_now_ms();
    switch (outcome) {
    case AUTH_LOGIN_SUCCEEDED:
        ratelimit_reset(limits, user_key);
        ratelimit_refund(limits, ip_key, now);
        break;
    case AUTH_LOGIN_FAILED:
        ratelimit_failed(limits, user_key, now);
        ratelimit_failed(limits, ip_key, now);
        break;
    case AUTH_LOGIN_NOT_CHECKED:
        ratelimit_refund(limits, user_key, now);
        ratelimit_refund(limits, ip_key, now);
        break;
    }
}

static void random_token(char *out, size_t out_size, size_t bytes)
{
    unsigned char raw[32];
    randombytes_buf(raw, bytes);
    sodium_bin2base64(out, out_size, raw, bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static const char *cookie_attributes(const struct request *req)
{
    return req->server->config.secure_cookies ? "; Path=/; HttpOnly; SameSite=Strict; Secure"
                                              : "; Path=/; HttpOnly; SameSite=Strict";
}

int auth_session_start(struct request *req, int64_t user_id, char csrf_out[48])
{
    char token[64];
    random_token(token, sizeof token, 32);
    random_token(csrf_out, 48, 24);
    unsigned char hash[STORE_HASH_BYTES];
    token_hash(token, hash);
    int64_t now = store_now_ms();
    int rc = store_session_create(req->server->store, hash, user_id, csrf_out, now,
                                  now + session_absolute_ms, req->client_ip);
    if (rc != STORE_OK)
        return rc;
    request_add_header(req, "Set-Cookie",
                       arena_printf(req->arena, AUTH_COOKIE_NAME "=%s; Max-Age=%lld%s", token,
                                    (long long)(session_absolute_ms / 1000),
                                    cookie_attributes(req)));
    return 0;
}

// Copies the session token out of the Cookie header. Returns false if absent.
static bool session_cookie(const struct request *req, char *out, size_t size)
{
    const char *header = request_header(req, "Cookie");
    if (header == NULL)
        return false;
    const char *name = AUTH_COOKIE_NAME "=";
    size_t name_len = strlen(name);
    for (const char *p = header; (p = strstr(p, name)) != NULL; p += name_len) {
        if (p != header && p[-1] != ' ' && p[-1] != ';')
            continue;
        const char *value = p + name_len;
        size_t len = strcspn(value, "; ");
        if (len == 0 || len >= size)
            return false;
        memcpy(out, value, len);
        out[len] = '\0';
        return true;
    }
    return false;
}

void auth_session_end(struct request *req)
{
    char token[128];
    if (session_cookie(req, token, sizeof token)) {
        unsigned char hash[STORE_HASH_BYTES];
        token_hash(token, hash);
        store_session_delete(req->server->store, hash);
        auth_forget_sessions();
    }
    request_add_header(
        req, "Set-Cookie",
        arena_printf(req->arena, AUTH_COOKIE_NAME "=; Max-Age=0%s", cookie_attributes(req)));
}

int auth_idle_seconds(void)
{
    return (int)(session_idle_ms / 1000);
}

int auth_token_make(struct store *store, char token_out[64], unsigned char hash_out[32])
{
    if (load_key(store) != 0)
        return -1;
    char body[48];
    random_token(body, sizeof body, 32);
    snprintf(token_out, 64, "cgt_%s", body);
    token_hash(token_out, hash_out);
    return 0;
}

static void fill_user(struct request_user *out, const struct store_user *user)
{
    out->id = user->id;
    snprintf(out->username, sizeof out->username, "%s", user->username);
    snprintf(out->display_name, sizeof out->display_name, "%s", user->display_name);
    out->role = user->role;
    out->org_unit_id = user->org_unit_id;
    snprintf(out->org_unit_code, sizeof out->org_unit_code, "%s", user->org_unit_code);
    snprintf(out->org_unit_type, sizeof out->org_unit_type, "%s", user->org_unit_type);
    snprintf(out->org_unit_name, sizeof out->org_unit_name, "%s", user->org_unit_name);
    jurisdiction_init(&out->jurisdiction, user->role, user->id, user->org_unit_id,
                      user->scope_path); // a malformed path covers nothing
}

int auth_token_sign_in(struct request *req, const char *token)
{
    unsigned char hash[STORE_HASH_BYTES];
    token_hash(token, hash);
    struct store_user user;
    struct request_user *out = arena_alloc(req->arena, sizeof *out);
    if (out == NULL)
        return STORE_ERROR;
    int rc = store_token_lookup(req->server->store, hash, &user, out->channel, sizeof out->channel);
    if (rc == STORE_OK && user.disabled)
        rc = STORE_NOT_FOUND;
    if (rc != STORE_OK)
        return rc;
    fill_user(out, &user);
    out->via_token = true;
    req->user = out;
    return STORE_OK;
}

static int authenticate_token(struct request *req)
{
    const char *header = request_header(req, "Authorization");
    if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
        return request_reply_error(req, 401, ERR_UNAUTHENTICATED,
                                   "send an API token as Authorization: Bearer");
    int rc = auth_token_sign_in(req, header + 7);
    if (rc == STORE_ERROR && store_unreachable())
        return request_reply_store_error(req, rc, "cannot check the API token");
    if (rc != STORE_OK)
        return request_reply_error(req, 401, ERR_UNAUTHENTICATED, "unknown or disabled API token");
    return 0;
}

// Each thread remembers the sessions it checked in the last
// SESSION_CACHE_MS, so a screen's burst of reads asks the store once. Any sign-out
// or change of a user in this process (auth_forget_sessions) empties every
// thread's memory at once; a change made by another process (the CLI) is seen
// within SESSION_CACHE_MS.
enum { SESSION_CACHE_SLOTS = 8, SESSION_CACHE_MS = 2000 };
static atomic_uint_fast64_t session_generation = 1;

struct cached_session {
    unsigned char hash[STORE_HASH_BYTES];
    uint64_t generation; // 0: empty
    int64_t cached_at;
    struct store_session session;
    struct store_user user;
};
static _Thread_local struct cached_session session_cache[SESSION_CACHE_SLOTS];

void auth_forget_sessions(void)
{
    atomic_fetch_add(&session_generation, 1);
}

// The session of hash from this thread's memory or the store. Returns STORE_OK,
// STORE_NOT_FOUND or STORE_ERROR.
static int session_lookup(struct store *store, const unsigned char *hash, int64_t now,
                          struct cached_session **out)
{
    uint64_t generation = atomic_load(&session_generation);
    struct cached_session *oldest = &session_cache[0];
    for (int i = 0; i < SESSION_CACHE_SLOTS; i++) {
        struct cached_session *slot = &session_cache[i];
        if (slot->generation == generation && now - slot->cached_at < SESSION_CACHE_MS &&
            now >= slot->cached_at && sodium_memcmp(slot->hash, hash, STORE_HASH_BYTES) == 0) {
            *out = slot;
            return STORE_OK;
        }
        if (slot->cached_at < oldest->cached_at || slot->generation != generation)
            oldest = slot;
    }
    int rc = store_session_lookup(store, hash, &oldest->session, &oldest->user);
    if (rc != STORE_OK) {
        oldest->generation = 0;
        return rc;
    }
    memcpy(oldest->hash, hash, STORE_HASH_BYTES);
    oldest->generation = generation;
    oldest->cached_at = now;
    *out = oldest;
    return STORE_OK;
}

static int authenticate_session(struct request *req, bool csrf)
{
    char token[128];
    if (!session_cookie(req, token, sizeof token))
        return request_reply_error(req, 401, ERR_UNAUTHENTICATED, "sign in first");
    unsigned char hash[STORE_HASH_BYTES];
    token_hash(token, hash);
    int64_t now = store_now_ms();
    struct cached_session *known = NULL;
    int rc = session_lookup(req->server->store, hash, now, &known);
    // A database that cannot be reached ends no session: the client is told to
    // come back later (503), not to sign in again.
    if (rc == STORE_ERROR && store_unreachable())
        return request_reply_store_error(req, rc, "cannot check the session");
    if (rc != STORE_OK || known->user.disabled || now >= known->session.expires_at ||
        now - known->session.last_seen_at >= session_idle_ms)
        return request_reply_error(req, 401, ERR_UNAUTHENTICATED,
                                   "your session has ended; sign in again");
    struct store_session *session = &known->session;
    const struct store_user *user = &known->user;
    if (csrf) {
        const char *header = request_header(req, "X-CSRF-Token");
        size_t len = strlen(session->csrf_token);
        if (header == NULL || strlen(header) != len ||
            sodium_memcmp(header, session->csrf_token, len) != 0)
            return request_reply_error(req, 403, ERR_CSRF, "missing or wrong X-CSRF-Token header");
    }
    // Sliding idle expiry, written at most once a minute (or per tenth of the idle
    // time when that is shorter) per session.
    int64_t touch_every = session_idle_ms / 10 < 60000 ? session_idle_ms / 10 : 60000;
    if (now - session->last_seen_at > touch_every &&
        store_session_touch(req->server->store, session->id, now) == STORE_OK)
        session->last_seen_at = now;
    struct request_user *out = arena_alloc(req->arena, sizeof *out);
    if (out == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    fill_user(out, user);
    snprintf(out->csrf_token, sizeof out->csrf_token, "%s", session->csrf_token);
    out->session_id = session->id;
    req->user = out;
    return 0;
}

int auth_check_route(struct request *req, const struct route *route)
{
    int status = 0;
    if (route->flags & ROUTE_TOKEN)
        status = authenticate_token(req);
    else if (route->flags & ROUTE_AUTH)
        status = authenticate_session(req, (route->flags & ROUTE_CSRF) != 0);
    if (status != 0)
        return status;
    if (route->roles != 0 && (req->user == NULL || (req->user->role & route->roles) == 0))
        return request_reply_error(req, 403, ERR_FORBIDDEN, "your role may not do this");
    return 0;
}
