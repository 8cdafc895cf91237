// SPDX-License-Identifier: MIT
// The running server: its configuration, route table and store, shared read-only
// by all worker threads once serving starts; and the entry point that serves
// until SIGINT or SIGTERM.
#ifndef CHENGGUAN_SERVER_H
#define CHENGGUAN_SERVER_H

#include "outbox_sender.h"
#include "router.h"
#include "snapshot.h"
#include "worktime.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Daemon;
struct drain;
struct ratelimit;
struct request;
struct store;

// The most counters each limiter holds (about 100 bytes each): far more keys than
// an hour of a city's sign-ins or a quarter hour of its citizens ever make. A
// full limiter refuses new keys (429) rather than forget a live counter.
#define SERVER_LIMIT_KEYS (256 * 1024)

struct server_config {
    const char *listen_address; // "127.0.0.1"
    int port;                   // 8080; 0 picks a free port (logged)
    const char *database_path;  // <data_dir>/chengguan.db unless set
    const char *data_dir;       // ".data"
    const char *web_dir;        // NULL: ./web, else the installed copy
    int threads;                // worker threads (default 2 x cores, at least 2)
    int connection_timeout_s;   // idle connection timeout, default 30
    int per_ip_connections;     // default 64
    size_t json_body_limit;     // default 1 MiB
    size_t upload_body_limit;   // default 10 MiB
    int shutdown_grace_s;       // how long in-flight requests may take at shutdown, default 20
    bool secure_cookies;        // cookies carry Secure (TLS or behind a TLS proxy)
    bool durable;               // synchronous=FULL (default true)
    const char *tile_url;       // optional base-map tile URL template for the web UI
    int session_idle_s;         // sign out after this much inactivity, default 1800
    int session_absolute_s;     // and after this long in any case, default 43200
    int reopen_window_days;     // a closed case may be reopened this long after, default 7
    int public_closed_days;     // the public map lists cases closed this recently, default 30
    int write_threads;          // handler threads for writes, default 32 (handler_pool.h)
    const char *metrics_listen; // "ADDRESS:PORT" of the metrics listener, or NULL (none)
    const char *metrics_token;  // bearer token for /metrics; NULL: not on the main port
    // Addresses of reverse proxies (comma-separated) whose X-Forwarded-For is
    // believed: a request from one of them is from the last address the header
    // names. NULL: the header is ignored (anyone could write it).
    const char *trusted_proxies;
    int escalation_interval_s; // seconds between escalation scans, default 60; 0: none
    struct outbox_sender_options outbox; // the outbox's delivery threads (outbox_sender.h)
};

struct server {
    struct server_config config;
    struct router router;
    struct store *store;
    char web_root[4096]; // realpath of web_dir
    // The office calendar in force: an immutable snapshot, replaced whole when an
    // admin changes it; a request holds the one it read until it completes, and a
    // replaced snapshot is freed when its last request is done (server_calendar).
    struct snapshot_cell calendar;
    // The stored calendar's version the snapshot in force was loaded at
    // (server_calendar reloads it when another process changed the calendar).
    _Atomic int64_t calendar_version;
    char csp[512]; // Content-Security-Policy, built at start
    // Attempt counters (internally locked): sign-ins per account and address, and
    // citizens' query codes and reports per address, apart so that a flood on the
    // public side never fills the table staff sign in through.
    struct ratelimit *login_limits;
    struct ratelimit *citizen_limits;
    struct drain *drain; // open connections and running requests, for shutdown
    bool handler_pool; // write routes run on the handler threads (handler_pool.h)
    // The main daemon while it serves (set before the metrics listener starts
    // and cleared after it stopped), for the metrics' connection count.
    struct MHD_Daemon *daemon;
};

// True when list is one or more IP addresses, comma-separated (--trusted-proxy).
bool server_proxy_list_valid(const char *list);

// Fills config with the defaults above.
void server_config_defaults(struct server_config *config);

// Registers every API route table (/metrics only with a metrics token). Returns
// 0, or -1 when the table does not fit.
int server_add_routes(struct server *server);

// The calendar in force for this request: every call within one request returns
// the same snapshot, which stays valid until the request completes even when an
// admin changes the calendar meanwhile. Never NULL once server_reload_calendar
// succeeded. The request holds it; the caller must not free it.
const struct worktime_calendar *server_calendar(struct request *req);

// Loads the calendar from the store into a new snapshot and makes it current.
// Thread-safe. Returns 0, or -1 (the old calendar stays in force).
int server_reload_calendar(struct server *server);

// Drops the server's calendar. Call once no request runs any more; a snapshot
// still held by anything is then a leak the sanitizer reports.
void server_free_calendars(struct server *server);

// Makes the server's attempt counters, empty, with a random hash key. Returns 0,
// or -1 when out of memory (nothing is left to free).
int server_start_limits(struct server *server);

// Frees the attempt counters. Call once no request runs any more.
void server_free_limits(struct server *server);

// Serves until SIGINT or SIGTERM, then stops: the listening socket closes at once
// (new connections are refused), idle keep-alive connections are closed, running
// requests finish and are answered with "Connection: close" (up to
// shutdown_grace_s; a request that writes is waited for even past it, so no
// committed write loses its answer), and returns 0. Returns 1 when it could not
// listen or the daemon could not start (logged). The caller opened server->store and closes it afterwards. The calling
// thread must have SIGINT and SIGTERM blocked before any thread was created.
int server_run(struct server *server);

#endif
