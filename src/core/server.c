// SPDX-License-Identifier: MIT
// Server configuration defaults, the registry of route tables, the calendar in
// force and the attempt counters of the rate limits.
#include "server.h"

#include "handler_pool.h"

#include "api.h"
#include "escalator.h"
#include "arena.h"
#include "log.h"
#include "ratelimit.h"
#include "request.h"
#include "store.h"
#include "store_calendar.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <unistd.h>

void server_config_defaults(struct server_config *config)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *config = (struct server_config){
        .listen_address = "127.0.0.1",
        .port = 8080,
        .database_path = NULL,
        .data_dir = ".data",
        .web_dir = NULL, // ./web, else beside the installed binary (main.c)
        .threads = cores > 1 ? (int)cores * 2 : 2,
        .connection_timeout_s = 30,
        .per_ip_connections = 64,
        .json_body_limit = 1024 * 1024,
        .upload_body_limit = 10 * 1024 * 1024 + 1024,
        .shutdown_grace_s = 20,
        .write_threads = HANDLER_POOL_DEFAULT_THREADS,
        .secure_cookies = false,
        .durable = true,
        .tile_url = NULL,
        .session_idle_s = 30 * 60,
        .session_absolute_s = 12 * 3600,
        .reopen_window_days = 7,
        .public_closed_days = 30,
        .escalation_interval_s = ESCALATOR_DEFAULT_INTERVAL_S,
        .outbox =
            {
                .threads = OUTBOX_DEFAULT_THREADS,
                .poll_ms = OUTBOX_DEFAULT_POLL_MS,
                .retry_base_ms = OUTBOX_DEFAULT_RETRY_BASE_MS,
                .retry_max_ms = OUTBOX_DEFAULT_RETRY_MAX_MS,
                .max_attempts = OUTBOX_DEFAULT_MAX_ATTEMPTS,
                .connect_timeout_ms = OUTBOX_DEFAULT_CONNECT_MS,
                .timeout_ms = OUTBOX_DEFAULT_TIMEOUT_MS,
            },
    };
}

int server_add_routes(struct server *server)
{
    struct {
        const struct route *table;
        size_t count;
    } tables[] = {
        {API_META_ROUTES, API_META_ROUTE_COUNT},
        {API_CALENDAR_ROUTES, API_CALENDAR_ROUTE_COUNT},
        {API_STATS_ROUTES, API_STATS_ROUTE_COUNT},
        {API_ASSESSMENT_ROUTES, API_ASSESSMENT_ROUTE_COUNT},
        {API_TREND_ROUTES, API_TREND_ROUTE_COUNT},
        {API_CATEGORY_ROUTES, API_CATEGORY_ROUTE_COUNT},
        {API_AUTH_ROUTES, API_AUTH_ROUTE_COUNT},
        {API_USER_ROUTES, API_USER_ROUTE_COUNT},
        {API_PLACES_ROUTES, API_PLACES_ROUTE_COUNT},
        {API_GEOCODE_ROUTES, API_GEOCODE_ROUTE_COUNT},
        {API_CASE_ROUTES, API_CASE_ROUTE_COUNT},
        {API_CASE_LIST_ROUTES, API_CASE_LIST_ROUTE_COUNT},
        {API_PUBLIC_ROUTES, API_PUBLIC_ROUTE_COUNT},
        {API_PUBLIC_REPORT_ROUTES, API_PUBLIC_REPORT_ROUTE_COUNT},
        {API_INTAKE_ROUTES, API_INTAKE_ROUTE_COUNT},
        {API_ATTACHMENT_ROUTES, API_ATTACHMENT_ROUTE_COUNT},
        {API_INBOX_ROUTES, API_INBOX_ROUTE_COUNT},
        {API_SNAPSHOT_ROUTES, API_SNAPSHOT_ROUTE_COUNT},
        {API_SETUP_ROUTES, API_SETUP_ROUTE_COUNT},
        {API_AUDIT_ROUTES, API_AUDIT_ROUTE_COUNT},
        {API_OUTBOX_ROUTES, API_OUTBOX_ROUTE_COUNT},
        {API_NOTIFY_ROUTES, API_NOTIFY_ROUTE_COUNT},
        {API_HOTLINE_ROUTES, API_HOTLINE_ROUTE_COUNT},
        {API_IMPORT_ROUTES, API_IMPORT_ROUTE_COUNT},
        {API_FRONTAGE_ROUTES, API_FRONTAGE_ROUTE_COUNT},
        {API_FRONTAGE_RATING_ROUTES, API_FRONTAGE_RATING_ROUTE_COUNT},
        {API_OPEN311_ROUTES, API_OPEN311_ROUTE_COUNT},
        {API_OPEN311_REQUEST_ROUTES, API_OPEN311_REQUEST_ROUTE_COUNT},
    };
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (router_add(&server->router, tables[i].table, tables[i].count) != 0)
            return -1;
    // Without a token the main port has no /metrics at all (it stays a 404).
    if (server->config.metrics_token != NULL &&
        router_add(&server->router, API_METRICS_ROUTES, API_METRICS_ROUTE_COUNT) != 0)
        return -1;
    return 0;
}

// Drops a request's hold on its calendar (an arena cleanup).
static void release_calendar(void *calendar)
{
    snapshot_release(calendar);
}

// Held by one calendar reload at a time (there is one server per process).
static pthread_mutex_t calendar_lock = PTHREAD_MUTEX_INITIALIZER;

// Loads the calendar at the stored version into a new snapshot and makes it
// current. The caller holds calendar_lock. Returns 0 or -1.
static int reload_calendar_locked(struct server *server)
{
    int64_t version;
    if (store_calendar_version(server->store, &version) != STORE_OK)
        return -1;
    struct worktime_calendar *calendar = snapshot_new(&server->calendar, sizeof *calendar);
    if (calendar == NULL)
        return -1;
    // Read after the version: a change in between is loaded now and reloaded
    // once more at the next check, never missed.
    if (store_calendar_load(server->store, calendar) != STORE_OK) {
        snapshot_release(calendar);
        return -1;
    }
    snapshot_publish(&server->calendar, calendar);
    atomic_store(&server->calendar_version, version);
    // Older snapshots live on only while requests that read them run.
    log_info("calendar: reloaded (version %lld); %d snapshot(s) in memory", (long long)version,
             snapshot_live(&server->calendar));
    return 0;
}

// Reloads the calendar when another process (a second server, the CLI) changed
// it since it was loaded: one small read per request that needs the calendar.
// On failure the calendar in force stays.
static void refresh_calendar(struct server *server)
{
    int64_t version;
    if (store_calendar_version(server->store, &version) != STORE_OK ||
        version == atomic_load(&server->calendar_version))
        return;
    pthread_mutex_lock(&calendar_lock);
    if (version != atomic_load(&server->calendar_version) && reload_calendar_locked(server) != 0)
        log_warn("calendar: changed in the database, but could not be reloaded");
    pthread_mutex_unlock(&calendar_lock);
}

const struct worktime_calendar *server_calendar(struct request *req)
{
    if (req->calendar == NULL) {
        refresh_calendar(req->server);
        struct snapshot_cell *cell = &req->server->calendar;
        struct worktime_calendar *calendar = snapshot_acquire(cell);
        // Out of memory the cleanup cannot be registered (and has dropped the
        // reference): hold one for good instead, a leak rather than a calendar
        // freed while in use.
        if (arena_defer(req->arena, release_calendar, calendar) != 0)
            calendar = snapshot_acquire(cell);
        req->calendar = calendar;
    }
    return req->calendar;
}

int server_reload_calendar(struct server *server)
{
    pthread_mutex_lock(&calendar_lock);
    int rc = reload_calendar_locked(server);
    pthread_mutex_unlock(&calendar_lock);
    return rc;
}

void server_free_calendars(struct server *server)
{
    snapshot_clear(&server->calendar);
}

int server_start_limits(struct server *server)
{
    unsigned char key[RATELIMIT_HASH_KEY_BYTES];
    randombytes_buf(key, sizeof key);
    server->login_limits = ratelimit_new(SERVER_LIMIT_KEYS, key);
    randombytes_buf(key, sizeof key);
    server->citizen_limits = ratelimit_new(SERVER_LIMIT_KEYS, key);
    if (server->login_limits == NULL || server->citizen_limits == NULL) {
        server_free_limits(server);
        return -1;
    }
    return 0;
}

void server_free_limits(struct server *server)
{
    ratelimit_free(server->login_limits);
    ratelimit_free(server->citizen_limits);
    server->login_limits = NULL;
    server->citizen_limits = NULL;
}
