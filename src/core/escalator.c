// SPDX-License-Identifier: MIT
// The escalation scheduler: a thread that scans (and freezes the red and black
// lists of a closed month, honours.h), then waits on a condition
// variable for the interval (or for the stop), on the monotonic clock so that
// a change of the wall clock neither stalls nor hurries it.
#include "escalator.h"

#include "honours.h"
#include "log.h"
#include "metrics.h"
#include "outbox_sender.h"
#include "store.h"
#include "store_escalation.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool running, stopping;
    struct store *store;
    int interval_s;
} scheduler = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int64_t monotonic_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

// One scan, timed into the metrics (chengguan_escalation_scan_seconds).
static void scan_once(struct store *store)
{
    struct store_escalation_counts counts = {0};
    int64_t began = monotonic_us();
    int rc = store_escalation_scan(store, store_now_ms(), &counts);
    int64_t elapsed = monotonic_us() - began;
    metrics_escalation_scan(rc == STORE_OK || rc == STORE_BUSY, elapsed,
                            rc == STORE_OK ? counts.reminded : 0,
                            rc == STORE_OK ? counts.supervised : 0);
    if (rc == STORE_OK && (counts.reminded > 0 || counts.supervised > 0))
        outbox_sender_wake(); // the notices to departments committed with the escalations
    if (rc == STORE_OK && (counts.reminded > 0 || counts.supervised > 0))
        log_info("escalation: %d reminder(s) (催办), %d supervision notice(s) (督办) in %lld ms",
                 counts.reminded, counts.supervised, (long long)(elapsed / 1000));
    else if (rc != STORE_OK && rc != STORE_BUSY)
        log_warn("escalation: the scan failed; the next one tries again");
    // A sibling task: freeze the red and black lists of a month that closed.
    if (honours_freeze_due(store, store_now_ms()) < 0)
        log_warn("honours: freezing the closed month failed; the next scan tries again");
}

static void *run(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&scheduler.lock);
    while (!scheduler.stopping) {
        pthread_mutex_unlock(&scheduler.lock);
        scan_once(scheduler.store);
        pthread_mutex_lock(&scheduler.lock);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += scheduler.interval_s;
        while (!scheduler.stopping &&
               pthread_cond_timedwait(&scheduler.wake, &scheduler.lock, &until) == 0)
            ; // woken without a stop: keep waiting out the interval
    }
    pthread_mutex_unlock(&scheduler.lock);
    return NULL;
}

int escalator_start(struct store *store, int interval_s)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&scheduler.wake, &attr);
    pthread_condattr_destroy(&attr);
    scheduler.store = store;
    scheduler.interval_s = interval_s < 1 ? 1 : interval_s;
    scheduler.stopping = false;
    if (pthread_create(&scheduler.thread, NULL, run, NULL) != 0) {
        pthread_cond_destroy(&scheduler.wake);
        log_error("cannot start the escalation scheduler");
        return -1;
    }
    scheduler.running = true;
    log_info("escalation: scanning every %d s", scheduler.interval_s);
    return 0;
}

void escalator_stop(void)
{
    if (!scheduler.running)
        return;
    pthread_mutex_lock(&scheduler.lock);
    scheduler.stopping = true;
    pthread_cond_signal(&scheduler.wake);
    pthread_mutex_unlock(&scheduler.lock);
    pthread_join(scheduler.thread, NULL);
    pthread_cond_destroy(&scheduler.wake);
    scheduler.running = false;
}
