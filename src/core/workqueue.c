// SPDX-License-Identifier: MIT
#include "workqueue.h"

#include <stdlib.h>

static void *worker_main(void *arg)
{
    struct workqueue *q = arg;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (q->head == NULL && !q->stopping)
            pthread_cond_wait(&q->ready, &q->lock);
        if (q->head == NULL)
            break;
        struct workqueue_item *item = q->head;
        q->head = item->next;
        if (q->head == NULL)
            q->tail = NULL;
        pthread_mutex_unlock(&q->lock);
        q->run(item);
        pthread_mutex_lock(&q->lock);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

int workqueue_start(struct workqueue *q, int threads, size_t stack_bytes,
                    void (*run)(struct workqueue_item *item))
{
    q->threads = calloc((size_t)threads, sizeof *q->threads);
    if (q->threads == NULL)
        return 0;
    q->run = run;
    q->stopping = false;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (stack_bytes > 0)
        pthread_attr_setstacksize(&attr, stack_bytes);
    while (q->count < threads && pthread_create(&q->threads[q->count], &attr, worker_main, q) == 0)
        q->count++;
    pthread_attr_destroy(&attr);
    return q->count;
}

void workqueue_push(struct workqueue *q, struct workqueue_item *item)
{
    item->next = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->tail)
        q->tail->next = item;
    else
        q->head = item;
    q->tail = item;
    pthread_cond_signal(&q->ready);
    pthread_mutex_unlock(&q->lock);
}

void workqueue_stop(struct workqueue *q)
{
    pthread_mutex_lock(&q->lock);
    q->stopping = true;
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->lock);
    for (int i = 0; i < q->count; i++)
        pthread_join(q->threads[i], NULL);
    q->count = 0;
    free(q->threads);
    q->threads = NULL;
}
