// SPDX-License-Identifier: MIT
// Server configuration defaults, the registry of route tables, the calendar in
// force and the attempt counters of the rate limits.
#include "server.h"

#include "handler_pool.h"

#include "api.h"
#include "ratelimit.h"
#include "store.h"
#include "store_calendar.h"

#include <pthread.h>
#include <sodium.h>
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
        {API_CATEGORY_ROUTES, API_CATEGORY_ROUTE_COUNT},
        {API_AUTH_ROUTES, API_AUTH_ROUTE_COUNT},
        {API_USER_ROUTES, API_USER_ROUTE_COUNT},
        {API_PLACES_ROUTES, API_PLACES_ROUTE_COUNT},
        {API_CASE_ROUTES, API_CASE_ROUTE_COUNT},
        {API_CASE_LIST_ROUTES, API_CASE_LIST_ROUTE_COUNT},
        {API_PUBLIC_ROUTES, API_PUBLIC_ROUTE_COUNT},
        {API_INTAKE_ROUTES, API_INTAKE_ROUTE_COUNT},
        {API_ATTACHMENT_ROUTES, API_ATTACHMENT_ROUTE_COUNT},
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

struct server_calendar_snapshot {
    struct server_calendar_snapshot *next;
    struct worktime_calendar calendar;
};

static pthread_mutex_t calendar_lock = PTHREAD_MUTEX_INITIALIZER;

const struct worktime_calendar *server_calendar(struct server *server)
{
    return atomic_load(&server->calendar);
}

int server_reload_calendar(struct server *server)
{
    struct server_calendar_snapshot *snapshot = malloc(sizeof *snapshot);
    if (snapshot == NULL)
        return -1;
    pthread_mutex_lock(&calendar_lock);
    int rc = store_calendar_load(server->store, &snapshot->calendar);
    if (rc == STORE_OK) {
        snapshot->next = server->calendar_snapshots;
        server->calendar_snapshots = snapshot;
        atomic_store(&server->calendar, &snapshot->calendar);
    }
    pthread_mutex_unlock(&calendar_lock);
    if (rc != STORE_OK)
        free(snapshot);
    return rc == STORE_OK ? 0 : -1;
}

void server_free_calendars(struct server *server)
{
    atomic_store(&server->calendar, NULL);
    while (server->calendar_snapshots != NULL) {
        struct server_calendar_snapshot *next = server->calendar_snapshots->next;
        free(server->calendar_snapshots);
        server->calendar_snapshots = next;
    }
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
