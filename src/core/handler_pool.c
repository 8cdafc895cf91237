// SPDX-License-Identifier: MIT
// The write routes' handler threads: a queue under a lock, threads that run one
// suspended request's handler at a time and resume its connection.
#include "handler_pool.h"

#include "errors.h"
#include "log.h"
#include "metrics.h"
#include "request.h"
#include "outbox_sender.h"
#include "workqueue.h"

#include <stddef.h>

static struct workqueue pool = WORKQUEUE_INIT;

static void run(struct workqueue_item *item)
{
    struct request *req = (struct request *)((char *)item - offsetof(struct request, pool_item));
    metrics_handler_queue(-1);
    req->suspended = false;
    log_set_request(req->request_id);
    req->match.route->handler(req);
    log_set_request(NULL);
    // A write may have committed outbox messages: the sender looks now, not at
    // its next poll.
    outbox_sender_wake();
    if (req->suspended) {
        req->on_suspended(req); // the handler waits for more (its thread resumes)
        return;
    }
    if (req->response == NULL)
        request_reply_error(req, 500, ERR_INTERNAL, "the handler gave no reply");
    request_resume(req);
}

int handler_pool_start(int threads)
{
    if (threads < 1)
        threads = 1;
    if (threads > HANDLER_POOL_MAX_THREADS)
        threads = HANDLER_POOL_MAX_THREADS;
    // Handlers need little stack: the big structs live in request memory.
    if (workqueue_start(&pool, threads, 512 * 1024, run) == 0) {
        log_error("cannot start the handler threads");
        return -1;
    }
    return 0;
}

void handler_pool_submit(struct request *req)
{
    metrics_handler_queue(1);
    workqueue_push(&pool, &req->pool_item);
}

void handler_pool_stop(void)
{
    workqueue_stop(&pool);
}
