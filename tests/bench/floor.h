// SPDX-License-Identifier: MIT
// What the two floor servers of the benchmark share (tests/bench/floor_read.c,
// floor_insert.c): their command line, a libmicrohttpd daemon configured as a
// sensible minimal server (epoll thread pool, turbo), replies and the wait for
// SIGINT or SIGTERM. Bench tools only: nothing in src/ uses this.
#ifndef FLOOR_H
#define FLOOR_H

#include <microhttpd.h>
#include <stddef.h>

// The command line of a floor server.
struct floor_options {
    const char *db_path; // --db FILE (required)
    unsigned port;       // --port N, 0 picks a free port (default 0)
    unsigned threads;    // --threads N, default 2 per core like chengguan serve
};

// Parses argv into *options. Returns 0, or -1 after printing the usage to
// stderr (unknown flag, missing value, no --db).
int floor_parse_options(int argc, char **argv, struct floor_options *options);

// Starts the daemon with `handler` as its access callback and `completed` (may
// be NULL) as its request-completed callback, both with closure `cls`; logs
// "listening on http://127.0.0.1:PORT (N threads)" to stderr as chengguan does,
// waits for SIGINT or SIGTERM, then stops it. Returns 0, or -1 when the daemon
// could not start.
int floor_serve(const struct floor_options *options, MHD_AccessHandlerCallback handler,
                MHD_RequestCompletedCallback completed, void *cls);

// Queues `length` bytes of JSON at `body` with `status`. The body is taken
// over (freed with free() once sent) when `owned`, else it must outlive the
// reply (a string constant). Returns what MHD_queue_response does.
enum MHD_Result floor_reply(struct MHD_Connection *connection, unsigned status, char *body,
                            size_t length, int owned);

// Queues the constant JSON `body` (e.g. "{\"error\":\"not found\"}") with `status`.
enum MHD_Result floor_reply_constant(struct MHD_Connection *connection, unsigned status,
                                     const char *body);

#endif
