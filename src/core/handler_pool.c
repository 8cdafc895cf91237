// SPDX-License-Identifier: MIT
// The write routes' handler threads: a queue under a lock, threads that run one
// suspended request's handler at a time and resume its connection.
#include "handler_pool.h"

#include "errors.h"
#include "log.h"
#include "request.h"

#include <pthread.h>
#include <stdbool.h>

static struct {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    struct request *head, *tail; // linked through req->pool_next
    bool stopping;
    int count;
    pthread_t threads[HANDLER_POOL_MAX_THREADS];
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .ready = PTHREAD_COND_INITIALIZER};

static void run(struct request *req)
{
    req->suspended = false;
    log_set_request(req->request_id);
    req->match.route->handler(req);
    log_set_request(NULL);
    if (req->suspended) {
        req->on_suspended(req); // the handler waits for more (its thread resumes)
        return;
    }
    if (req->response == NULL)
        request_reply_error(req, 500, ERR_INTERNAL, "the handler gave no reply");
    request_resume(req);
}

static void *pool_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (pool.head == NULL && !pool.stopping)
            pthread_cond_wait(&pool.ready, &pool.lock);
        if (pool.head == NULL)
            break;
        struct request *req = pool.head;
        pool.head = req->pool_next;
        if (pool.head == NULL)
            pool.tail = NULL;
        pthread_mutex_unlock(&pool.lock);
        run(req);
        pthread_mutex_lock(&pool.lock);
    }
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

int handler_pool_start(int threads)
{
    if (threads < 1)
        threads = 1;
    if (threads > HANDLER_POOL_MAX_THREADS)
        threads = HANDLER_POOL_MAX_THREADS;
    pool.stopping = false;
    // Handlers need little stack: the big structs live in request memory.
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 512 * 1024);
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&pool.threads[pool.count], &attr, pool_main, NULL) != 0)
            break;
        pool.count++;
    }
    pthread_attr_destroy(&attr);
    if (pool.count == 0) {
        log_error("cannot start the handler threads");
        return -1;
    }
    return 0;
}

void handler_pool_submit(struct request *req)
{
    req->pool_next = NULL;
    pthread_mutex_lock(&pool.lock);
    if (pool.tail)
        pool.tail->pool_next = req;
    else
        pool.head = req;
    pool.tail = req;
    pthread_cond_signal(&pool.ready);
    pthread_mutex_unlock(&pool.lock);
}

void handler_pool_stop(void)
{
    pthread_mutex_lock(&pool.lock);
    pool.stopping = true;
    pthread_cond_broadcast(&pool.ready);
    pthread_mutex_unlock(&pool.lock);
    for (int i = 0; i < pool.count; i++)
        pthread_join(pool.threads[i], NULL);
    pool.count = 0;
}
