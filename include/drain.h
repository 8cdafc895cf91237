// SPDX-License-Identifier: MIT
// Graceful shutdown's bookkeeping: the open connections, which of them carry a
// request, and how many writes are under way. On SIGTERM the server closes the
// idle keep-alive connections at once, answers the running requests with
// "Connection: close", and stops the HTTP daemon only when stopping cuts no
// write. Safe from any thread (one lock).
#ifndef CHENGGUAN_DRAIN_H
#define CHENGGUAN_DRAIN_H

#include <stdbool.h>

struct drain;
struct drain_connection;

// Makes the empty table. Returns NULL when out of memory.
struct drain *drain_new(void);

// Frees the table and any connection still listed. Call after the daemon stopped.
void drain_free(struct drain *drain);

// A connection was accepted on socket fd. Returns its entry (owned by the table
// until drain_connection_closed), or NULL when out of memory: such a connection
// is not tracked and is closed with the daemon.
struct drain_connection *drain_connection_opened(struct drain *drain, int fd);

// The connection is about to close (its socket is still open). Accepts NULL.
void drain_connection_closed(struct drain *drain, struct drain_connection *connection);

// A request starts on connection (NULL when untracked). Returns false when the
// request must be refused unread: its idle connection was already being closed,
// or the daemon is about to stop. Every true is matched by one drain_request_end.
bool drain_request_begin(struct drain *drain, struct drain_connection *connection);

// The request will write (it goes to the writer): shutdown waits for it even past
// its grace period. Call at most once per request, before it can commit.
void drain_request_writes(struct drain *drain);

// The request begun on connection ended (answered, or abandoned by its client);
// wrote says whether drain_request_writes was called for it.
void drain_request_end(struct drain *drain, struct drain_connection *connection, bool wrote);

// True once draining started: answers then carry "Connection: close".
bool drain_started(struct drain *drain);

// Requests running now (for the log).
int drain_requests(struct drain *drain);

// Starts draining (once) and closes every idle connection now (shutdown of its
// socket; libmicrohttpd then closes it). Call again while waiting: connections
// whose last answer left before the drain began become idle later.
void drain_close_idle(struct drain *drain);

// True when the daemon may stop now: no request runs, or the grace period is
// over (past_grace) and no write is under way. Once true, new requests are
// refused, so none can start between this answer and the stop.
bool drain_may_stop(struct drain *drain, bool past_grace);

#endif
