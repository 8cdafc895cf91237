// SPDX-License-Identifier: MIT
// Prometheus metrics. The request path records into counters that belong to the
// HTTP thread that finished the request (one writer each, no lock, no shared
// cache line); the writer, the handler pool and the fsync hook record into
// process-wide atomics. A scrape sums the threads' counters and renders the
// text exposition format (version 0.0.4).
#ifndef CHENGGUAN_METRICS_H
#define CHENGGUAN_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct router;
struct server;

// Route indexes of metrics_request_done besides the router's own (0 .. count-1):
// a static file of the front end, and a request that matched no route (404, 405,
// a bad path).
#define METRICS_ROUTE_STATIC    (-2)
#define METRICS_ROUTE_UNMATCHED (-1)

// The shortest bearer token --metrics-token accepts.
#define METRICS_TOKEN_MIN_LENGTH 16

// Prepares the request counters for the routes of router (which must outlive the
// metrics) and notes the start time. Call once, after every route was added and
// before serving. Returns 0, or -1 when out of memory.
int metrics_init(const struct router *router);

// Frees the request counters. Call once no thread records any more (after the
// HTTP daemons stopped).
void metrics_free(void);

// Counts one finished request of route (its index in the router, or one of the
// METRICS_ROUTE_ values) with the status it was answered with (0: no answer was
// sent) and how long it took from its first line to its end. Lock-free; a no-op
// before metrics_init.
void metrics_request_done(int route, int status, int64_t elapsed_us);

// The store's writer: delta jobs joined (+) or left (-) the write queue.
void metrics_store_queue(int delta);

// The store's writer committed (or tried to) a batch of jobs: batch_us from its
// BEGIN to the end of its COMMIT, commit_us the COMMIT alone.
void metrics_store_batch(int jobs, int64_t batch_us, int64_t commit_us);

// An fsync of the store's write connection took elapsed_us; wal tells the
// write-ahead log from the database file (a checkpoint).
void metrics_store_fsync(bool wal, int64_t elapsed_us);

// The escalation scheduler finished a scan that took elapsed_us and sent
// `reminded` reminders (催办) and `supervised` supervision notices (督办); ok is
// false when the scan failed (it is timed all the same).
void metrics_escalation_scan(bool ok, int64_t elapsed_us, int reminded, int supervised);

// The outbox's sender finished one delivery attempt that took elapsed_us:
// delivered (a 2xx) or failed, and dead when that failure was the last attempt.
void metrics_outbox_attempt(bool delivered, bool dead, int64_t elapsed_us);

// The handler pool: delta requests joined (+) or left (-) its queue.
void metrics_handler_queue(int delta);

// Renders every metric of the server (its store, daemon and counters) in the
// text exposition format. Returns a NUL-terminated malloc'd text with its length
// in *len (the caller frees it), or NULL when out of memory. Reads the store on
// the calling thread.
char *metrics_render(struct server *server, size_t *len);

// The Content-Type of metrics_render's text.
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

// True when authorization (an Authorization header, or NULL) is "Bearer TOKEN"
// with the server's metrics token, compared in constant time; true also when the
// server has no token (the metrics listener without one).
bool metrics_token_ok(const struct server *server, const char *authorization);

// Starts the separate metrics listener when server->config.metrics_listen is
// set (it answers GET /metrics and nothing else) and logs its address. Returns
// 0, or -1 after logging why it could not listen. Call once the main daemon runs.
int metrics_listener_start(struct server *server);

// Stops the metrics listener, if one runs. Call before the main daemon stops.
void metrics_listener_stop(void);

// Checks an --metrics-listen value ("127.0.0.1:9100", "[::1]:9100"). Returns 0,
// or -1 when it is not an address and a port.
int metrics_listen_check(const char *listen);

#endif
