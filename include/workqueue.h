// SPDX-License-Identifier: MIT
// A queue of work under a lock with threads that take one item at a time, in
// the order it came: the write routes' handler pool and the password verifiers
// both run on one. Items are linked through a member of the caller's struct, so
// pushing allocates nothing.
#ifndef CHENGGUAN_WORKQUEUE_H
#define CHENGGUAN_WORKQUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct workqueue_item {
    struct workqueue_item *next;
};

struct workqueue {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    struct workqueue_item *head, *tail;
    bool stopping;
    int count; // threads running
    pthread_t *threads;
    void (*run)(struct workqueue_item *item);
};

#define WORKQUEUE_INIT                                                                             \
    {                                                                                              \
        .lock = PTHREAD_MUTEX_INITIALIZER, .ready = PTHREAD_COND_INITIALIZER                       \
    }

// Starts `threads` threads running run(item) on each item pushed (stack_bytes 0
// for the default stack). Returns how many started (0 when none could).
int workqueue_start(struct workqueue *q, int threads, size_t stack_bytes,
                    void (*run)(struct workqueue_item *item));

// Queues item behind the others and wakes a thread.
void workqueue_push(struct workqueue *q, struct workqueue_item *item);

// Lets the threads finish what is queued, then joins them. Safe when the queue
// never started.
void workqueue_stop(struct workqueue *q);

#endif
