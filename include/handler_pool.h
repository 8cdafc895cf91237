// SPDX-License-Identifier: MIT
// Threads that run the handlers of write routes while their connections are
// suspended, so an HTTP worker never waits for a commit: while one batch is
// being written, every write that arrives meanwhile queues behind it and the
// next commit carries them all (group commit), instead of at most one write per
// HTTP thread.
#ifndef CHENGGUAN_HANDLER_POOL_H
#define CHENGGUAN_HANDLER_POOL_H

struct request;

#define HANDLER_POOL_DEFAULT_THREADS 32
#define HANDLER_POOL_MAX_THREADS     256

// Starts `threads` handler threads (1..HANDLER_POOL_MAX_THREADS). Returns 0, or -1
// when no thread could start (logged). Call once, before serving.
int handler_pool_start(int threads);

// For the dispatcher: hands req to the pool (req->on_suspended). Once the
// connection is suspended, a pool thread runs the route's handler; when the
// handler suspends again (e.g. a password check) its own on_suspended takes
// over, else the connection is resumed with the handler's reply (500 when it
// gave none).
void handler_pool_submit(struct request *req);

// Lets the threads finish the queued requests, then joins them. Call after the
// HTTP daemon stopped. Safe when the pool never started.
void handler_pool_stop(void);

#endif
