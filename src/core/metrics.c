// SPDX-License-Identifier: MIT
// The metrics: per-thread request counters (each HTTP thread owns a shard it
// alone writes, so counting a request is a few plain loads and stores), the
// process-wide histograms of the store's writer, and the renderer of the text
// exposition format that sums the shards at scrape time.
#include "metrics.h"

#include "casefsm.h"
#include "drain.h"
#include "router.h"
#include "server.h"
#include "store.h"
#include "store_outbox.h"
#include "store_stats.h"
#include "version.h"

#include <dirent.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

// ---- request counters ----

// The statuses counted one by one; any other status counts under its class
// ("4xx"), and a request that got no answer under "none".
static const int STATUS_CODES[] = {200, 201, 202, 204, 206, 301, 302, 304, 307, 308, 400, 401,
                                   403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415,
                                   416, 417, 422, 429, 431, 500, 501, 502, 503, 504, 505, 507};
enum {
    STATUS_CODE_COUNT = sizeof STATUS_CODES / sizeof STATUS_CODES[0],
    STATUS_CLASS_FIRST = STATUS_CODE_COUNT, // "1xx" .. "5xx"
    STATUS_NONE = STATUS_CLASS_FIRST + 5,
    STATUS_SLOTS,
};

// Request latency bounds in microseconds (rendered in seconds).
static const int64_t LATENCY_BOUNDS_US[] = {500,     1000,    2500,    5000,    10000,
                                            25000,   50000,   100000,  250000,  500000,
                                            1000000, 2500000, 5000000, 10000000};
#define LATENCY_BOUNDS ((int)(sizeof LATENCY_BOUNDS_US / sizeof LATENCY_BOUNDS_US[0]))

// One route's counts in one thread's shard; only that thread writes them.
struct route_counts {
    _Atomic uint64_t status[STATUS_SLOTS];
    _Atomic uint64_t latency[LATENCY_BOUNDS + 1]; // per bucket, not cumulative; last: above all
    _Atomic uint64_t latency_sum_us;
};

struct shard {
    struct shard *next;
    struct route_counts routes[]; // the router's routes, then static files, then unmatched
};

static struct {
    const struct router *router;
    int slots; // routes of the router + 2
    _Atomic(struct shard *) shards;
    pthread_mutex_t lock; // taken once per thread, to add its shard
    double start_time;
    unsigned char status_slot[600];
} metrics = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local struct shard *thread_shard;

int metrics_init(const struct router *router)
{
    metrics.router = router;
    metrics.slots = (int)router->count + 2;
    for (int s = 0; s < 600; s++)
        metrics.status_slot[s] = s >= 100 ? (unsigned char)(STATUS_CLASS_FIRST + s / 100 - 1)
                                          : (unsigned char)STATUS_NONE;
    for (int i = 0; i < STATUS_CODE_COUNT; i++)
        metrics.status_slot[STATUS_CODES[i]] = (unsigned char)i;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    metrics.start_time = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
    return 0;
}

void metrics_free(void)
{
    struct shard *shard = atomic_exchange(&metrics.shards, NULL);
    while (shard != NULL) {
        struct shard *next = shard->next;
        free(shard);
        shard = next;
    }
    metrics.slots = 0;
}

// The calling thread's shard, made and published on its first request. NULL when
// out of memory (the request goes uncounted).
static struct shard *own_shard(void)
{
    if (thread_shard != NULL)
        return thread_shard;
    size_t size = sizeof(struct shard) + (size_t)metrics.slots * sizeof(struct route_counts);
    size = (size + 63) / 64 * 64; // whole cache lines: no line shared with another thread
    struct shard *shard = aligned_alloc(64, size);
    if (shard == NULL)
        return NULL;
    memset(shard, 0, size);
    pthread_mutex_lock(&metrics.lock);
    shard->next = atomic_load(&metrics.shards);
    atomic_store(&metrics.shards, shard);
    pthread_mutex_unlock(&metrics.lock);
    thread_shard = shard;
    return shard;
}

// Adds to a counter only this thread writes: a plain load and store, no locked
// instruction, and a reader never sees a torn value.
static inline void bump(_Atomic uint64_t *counter, uint64_t by)
{
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + by,
                          memory_order_relaxed);
}

void metrics_request_done(int route, int status, int64_t elapsed_us)
{
    if (metrics.slots == 0)
        return;
    int slot = route >= 0 ? route : metrics.slots + route; // STATIC -2, UNMATCHED -1
    if (slot < 0 || slot >= metrics.slots)
        return;
    struct shard *shard = own_shard();
    if (shard == NULL)
        return;
    struct route_counts *counts = &shard->routes[slot];
    bump(&counts->status[status >= 0 && status < 600 ? metrics.status_slot[status] : STATUS_NONE],
         1);
    int bucket = 0;
    while (bucket < LATENCY_BOUNDS && elapsed_us > LATENCY_BOUNDS_US[bucket])
        bucket++;
    bump(&counts->latency[bucket], 1);
    bump(&counts->latency_sum_us, elapsed_us > 0 ? (uint64_t)elapsed_us : 0);
}

// ---- process-wide histograms and gauges ----

enum { HISTOGRAM_MAX_BOUNDS = 16 };

// A histogram several threads may add to. Values and bounds are integers in the
// histogram's unit (microseconds, jobs); scale turns them into the exported unit.
struct histogram {
    const int64_t *bounds;
    int count;
    double scale;
    _Atomic uint64_t buckets[HISTOGRAM_MAX_BOUNDS + 1];
    _Atomic uint64_t sum;
};

static const int64_t BATCH_BOUNDS[] = {1, 2, 4, 8, 16, 32, 64};
static const int64_t STORE_BOUNDS_US[] = {100,   250,   500,    1000,   2500,   5000,    10000,
                                          25000, 50000, 100000, 250000, 500000, 1000000, 2500000};
#define BOUNDS(array) array, (int)(sizeof array / sizeof array[0])

static struct histogram batch_jobs = {BOUNDS(BATCH_BOUNDS), 1.0, {0}, 0};
static struct histogram batch_time = {BOUNDS(STORE_BOUNDS_US), 1e-6, {0}, 0};
static struct histogram commit_time = {BOUNDS(STORE_BOUNDS_US), 1e-6, {0}, 0};
static struct histogram fsync_wal = {BOUNDS(STORE_BOUNDS_US), 1e-6, {0}, 0};
static struct histogram fsync_db = {BOUNDS(STORE_BOUNDS_US), 1e-6, {0}, 0};
static const int64_t SCAN_BOUNDS_US[] = {1000,   5000,    10000,   50000,   100000,
                                         250000, 500000,  1000000, 2500000, 5000000,
                                         10000000, 30000000};
static struct histogram scan_time = {BOUNDS(SCAN_BOUNDS_US), 1e-6, {0}, 0};
static _Atomic uint64_t scans_failed, notices_remind, notices_supervise;
static struct histogram outbox_attempt_time = {BOUNDS(SCAN_BOUNDS_US), 1e-6, {0}, 0};
static _Atomic uint64_t outbox_delivered, outbox_failed, outbox_dead;
static atomic_int store_queue_depth, handler_queue_depth;

static void histogram_observe(struct histogram *h, int64_t value)
{
    int bucket = 0;
    while (bucket < h->count && value > h->bounds[bucket])
        bucket++;
    atomic_fetch_add_explicit(&h->buckets[bucket], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum, value > 0 ? (uint64_t)value : 0, memory_order_relaxed);
}

void metrics_store_queue(int delta)
{
    atomic_fetch_add_explicit(&store_queue_depth, delta, memory_order_relaxed);
}

void metrics_store_batch(int jobs, int64_t batch_us, int64_t commit_us)
{
    histogram_observe(&batch_jobs, jobs);
    histogram_observe(&batch_time, batch_us);
    histogram_observe(&commit_time, commit_us);
}

void metrics_store_fsync(bool wal, int64_t elapsed_us)
{
    histogram_observe(wal ? &fsync_wal : &fsync_db, elapsed_us);
}

void metrics_escalation_scan(bool ok, int64_t elapsed_us, int reminded, int supervised)
{
    histogram_observe(&scan_time, elapsed_us);
    if (!ok)
        atomic_fetch_add_explicit(&scans_failed, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&notices_remind, reminded > 0 ? (uint64_t)reminded : 0,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&notices_supervise, supervised > 0 ? (uint64_t)supervised : 0,
                              memory_order_relaxed);
}

void metrics_outbox_attempt(bool delivered, bool dead, int64_t elapsed_us)
{
    histogram_observe(&outbox_attempt_time, elapsed_us);
    atomic_fetch_add_explicit(delivered ? &outbox_delivered : &outbox_failed, 1,
                              memory_order_relaxed);
    if (dead)
        atomic_fetch_add_explicit(&outbox_dead, 1, memory_order_relaxed);
}

void metrics_handler_queue(int delta)
{
    atomic_fetch_add_explicit(&handler_queue_depth, delta, memory_order_relaxed);
}

bool metrics_token_ok(const struct server *server, const char *authorization)
{
    const char *token = server->config.metrics_token;
    if (token == NULL)
        return true;
    if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0)
        return false;
    // Compare digests, so the time taken tells nothing about the token or its length.
    unsigned char want[32], got[32];
    crypto_generichash(want, sizeof want, (const unsigned char *)token, strlen(token), NULL, 0);
    const char *sent = authorization + 7;
    crypto_generichash(got, sizeof got, (const unsigned char *)sent, strlen(sent), NULL, 0);
    return sodium_memcmp(want, got, sizeof want) == 0;
}

// ---- the text exposition format ----

struct text {
    char *data;
    size_t len, capacity;
    bool failed;
};

static void text_add(struct text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (t->len + n + 1 > t->capacity) {
        size_t capacity = t->capacity ? t->capacity : 16384;
        while (capacity < t->len + n + 1)
            capacity *= 2;
        char *grown = realloc(t->data, capacity);
        if (grown == NULL) {
            t->failed = true;
            return;
        }
        t->data = grown;
        t->capacity = capacity;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
}

static void text_str(struct text *t, const char *s)
{
    text_add(t, s, strlen(s));
}

static void text_printf(struct text *t, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static void text_printf(struct text *t, const char *format, ...)
{
    char buffer[512];
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(buffer, sizeof buffer, format, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buffer)
        t->failed = true;
    else
        text_add(t, buffer, (size_t)n);
}

// A label pair name="value", the value escaped as the format wants (backslash,
// double quote and line feed), preceded by a comma unless first.
static void text_label(struct text *t, bool first, const char *name, const char *value)
{
    text_str(t, first ? "" : ",");
    text_str(t, name);
    text_str(t, "=\"");
    for (const char *p = value; *p; p++) {
        if (*p == '\\')
            text_str(t, "\\\\");
        else if (*p == '"')
            text_str(t, "\\\"");
        else if (*p == '\n')
            text_str(t, "\\n");
        else
            text_add(t, p, 1);
    }
    text_str(t, "\"");
}

// The HELP and TYPE lines that open a metric family (help holds no backslash or
// line feed).
static void family(struct text *t, const char *name, const char *type, const char *help)
{
    text_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

// A sample without labels.
static void sample(struct text *t, const char *name, double value)
{
    text_printf(t, "%s %.15g\n", name, value);
}

// Renders one histogram series: labels is "" or label pairs already escaped
// (without braces); counts are per bucket, not cumulative (count + 1 of them);
// the _count is their total, so it always equals the +Inf bucket.
static void histogram_series(struct text *t, const char *name, const char *labels,
                             const int64_t *bounds, int count, double scale, const uint64_t *counts,
                             uint64_t sum)
{
    const char *comma = labels[0] ? "," : "";
    uint64_t cumulative = 0;
    for (int i = 0; i <= count; i++) {
        cumulative += counts[i];
        if (i < count)
            text_printf(t, "%s_bucket{%s%sle=\"%.9g\"} %llu\n", name, labels, comma,
                        (double)bounds[i] * scale, (unsigned long long)cumulative);
        else
            text_printf(t, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, comma,
                        (unsigned long long)cumulative);
    }
    const char *open = labels[0] ? "{" : "", *close = labels[0] ? "}" : "";
    text_printf(t, "%s_sum%s%s%s %.9g\n", name, open, labels, close, (double)sum * scale);
    text_printf(t, "%s_count%s%s%s %llu\n", name, open, labels, close,
                (unsigned long long)cumulative);
}

static void histogram_render(struct text *t, const char *name, const char *labels,
                             struct histogram *h)
{
    uint64_t counts[HISTOGRAM_MAX_BOUNDS + 1];
    for (int i = 0; i <= h->count; i++)
        counts[i] = atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
    histogram_series(t, name, labels, h->bounds, h->count, h->scale, counts,
                     atomic_load_explicit(&h->sum, memory_order_relaxed));
}

// The sum of every thread's counts, one entry per route slot (plain integers).
struct route_totals {
    uint64_t status[STATUS_SLOTS];
    uint64_t latency[LATENCY_BOUNDS + 1];
    uint64_t latency_sum_us;
    uint64_t requests;
};

static struct route_totals *sum_shards(void)
{
    struct route_totals *totals = calloc((size_t)metrics.slots, sizeof *totals);
    if (totals == NULL)
        return NULL;
    for (struct shard *shard = atomic_load(&metrics.shards); shard != NULL; shard = shard->next) {
        for (int r = 0; r < metrics.slots; r++) {
            struct route_counts *from = &shard->routes[r];
            struct route_totals *to = &totals[r];
            for (int s = 0; s < STATUS_SLOTS; s++)
                to->status[s] += atomic_load_explicit(&from->status[s], memory_order_relaxed);
            for (int b = 0; b <= LATENCY_BOUNDS; b++) {
                uint64_t n = atomic_load_explicit(&from->latency[b], memory_order_relaxed);
                to->latency[b] += n;
                to->requests += n;
            }
            to->latency_sum_us += atomic_load_explicit(&from->latency_sum_us, memory_order_relaxed);
        }
    }
    return totals;
}

// The method and route labels of a route slot, escaped, without braces.
static void route_labels(struct text *t, int slot)
{
    const char *method = "", *route = "(unmatched)";
    int routes = metrics.slots - 2;
    if (slot < routes) {
        method = metrics.router->routes[slot]->method;
        route = metrics.router->routes[slot]->pattern;
    } else if (slot == routes) {
        method = "GET";
        route = "(static)";
    }
    text_label(t, true, "method", method);
    text_label(t, false, "route", route);
}

static void status_label(struct text *t, int slot)
{
    char value[8];
    if (slot < STATUS_CODE_COUNT)
        snprintf(value, sizeof value, "%d", STATUS_CODES[slot]);
    else if (slot < STATUS_NONE)
        snprintf(value, sizeof value, "%dxx", slot - STATUS_CLASS_FIRST + 1);
    else
        snprintf(value, sizeof value, "none");
    text_label(t, false, "status", value);
}

static void render_requests(struct text *t)
{
    struct route_totals *totals = sum_shards();
    if (totals == NULL) {
        t->failed = true;
        return;
    }
    family(t, "chengguan_http_requests_total", "counter",
           "Requests answered, by route pattern and status (none: no answer was sent).");
    for (int r = 0; r < metrics.slots; r++)
        for (int s = 0; s < STATUS_SLOTS; s++) {
            if (totals[r].status[s] == 0)
                continue;
            text_str(t, "chengguan_http_requests_total{");
            route_labels(t, r);
            status_label(t, s);
            text_printf(t, "} %llu\n", (unsigned long long)totals[r].status[s]);
        }
    family(t, "chengguan_http_request_duration_seconds", "histogram",
           "Time from a request's first line to its end, by route pattern.");
    for (int r = 0; r < metrics.slots; r++) {
        if (totals[r].requests == 0)
            continue;
        struct text labels = {0};
        route_labels(&labels, r);
        if (labels.failed) {
            t->failed = true;
            break;
        }
        histogram_series(t, "chengguan_http_request_duration_seconds", labels.data,
                         LATENCY_BOUNDS_US, LATENCY_BOUNDS, 1e-6, totals[r].latency,
                         totals[r].latency_sum_us);
        free(labels.data);
    }
    free(totals);
}

// Connections open on the main daemon. libmicrohttpd writes the answer into a
// field of the daemon, so two scrapes at once must not ask together.
static unsigned open_connections(struct server *server)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    if (server->daemon == NULL)
        return 0;
    pthread_mutex_lock(&lock);
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    unsigned count = info ? info->num_connections : 0;
    pthread_mutex_unlock(&lock);
    return count;
}

static void render_server(struct text *t, struct server *server)
{
    family(t, "chengguan_http_requests_in_flight", "gauge", "Requests begun and not yet finished.");
    sample(t, "chengguan_http_requests_in_flight",
           server->drain ? drain_requests(server->drain) : 0);
    family(t, "chengguan_http_open_connections", "gauge",
           "Client connections open on the main port.");
    sample(t, "chengguan_http_open_connections", open_connections(server));
    family(t, "chengguan_handler_queue_depth", "gauge",
           "Write requests waiting for a handler thread.");
    sample(t, "chengguan_handler_queue_depth", atomic_load(&handler_queue_depth));
    family(t, "chengguan_store_write_queue_depth", "gauge",
           "Write jobs waiting for the store's writer.");
    sample(t, "chengguan_store_write_queue_depth", atomic_load(&store_queue_depth));
    family(t, "chengguan_store_batch_jobs", "histogram",
           "Write jobs committed together in one transaction (group commit).");
    histogram_render(t, "chengguan_store_batch_jobs", "", &batch_jobs);
    family(t, "chengguan_store_batch_seconds", "histogram",
           "Time the writer spent on a batch, from BEGIN to the end of COMMIT.");
    histogram_render(t, "chengguan_store_batch_seconds", "", &batch_time);
    family(t, "chengguan_store_commit_seconds", "histogram",
           "Time of a batch's COMMIT (writing the log and its fsync).");
    histogram_render(t, "chengguan_store_commit_seconds", "", &commit_time);
    family(t, "chengguan_store_fsync_seconds", "histogram",
           "Time of each fsync of the write connection, by file (wal: commits, db: "
           "checkpoints).");
    histogram_render(t, "chengguan_store_fsync_seconds", "file=\"wal\"", &fsync_wal);
    histogram_render(t, "chengguan_store_fsync_seconds", "file=\"db\"", &fsync_db);
    family(t, "chengguan_escalation_scan_seconds", "histogram",
           "Time of each scan of the escalation scheduler for yellow and red stages.");
    histogram_render(t, "chengguan_escalation_scan_seconds", "", &scan_time);
    family(t, "chengguan_escalation_scan_failures_total", "counter",
           "Escalation scans that failed (the next one tries again).");
    sample(t, "chengguan_escalation_scan_failures_total", (double)atomic_load(&scans_failed));
    family(t, "chengguan_escalation_notices_total", "counter",
           "Notices the escalation scheduler sent, by level (remind: 催办 at yellow, "
           "supervise: 督办 at red).");
    text_printf(t, "chengguan_escalation_notices_total{level=\"remind\"} %llu\n",
                (unsigned long long)atomic_load(&notices_remind));
    text_printf(t, "chengguan_escalation_notices_total{level=\"supervise\"} %llu\n",
                (unsigned long long)atomic_load(&notices_supervise));
}

// The outbox: what this process sent (counters since start) and what the
// store holds by state (gauges every server on one database agrees on).
static void render_outbox(struct text *t, struct store *store)
{
    family(t, "chengguan_outbox_attempt_seconds", "histogram",
           "Time of each delivery attempt of an outbox message (connect to answer).");
    histogram_render(t, "chengguan_outbox_attempt_seconds", "", &outbox_attempt_time);
    family(t, "chengguan_outbox_delivered_total", "counter",
           "Outbox messages this process delivered (answered 2xx).");
    sample(t, "chengguan_outbox_delivered_total", (double)atomic_load(&outbox_delivered));
    family(t, "chengguan_outbox_failed_attempts_total", "counter",
           "Delivery attempts that failed (an error, a timeout or a status other than 2xx).");
    sample(t, "chengguan_outbox_failed_attempts_total", (double)atomic_load(&outbox_failed));
    family(t, "chengguan_outbox_dead_total", "counter",
           "Outbox messages this process parked as dead letters after the last attempt.");
    sample(t, "chengguan_outbox_dead_total", (double)atomic_load(&outbox_dead));
    struct store_outbox_counts counts;
    if (store_outbox_count(store, &counts) != STORE_OK)
        return;
    family(t, "chengguan_outbox_messages", "gauge", "Outbox messages in the store waiting (pending) or parked (dead).");
    text_printf(t, "chengguan_outbox_messages{state=\"pending\"} %lld\n", (long long)counts.pending);
    text_printf(t, "chengguan_outbox_messages{state=\"dead\"} %lld\n", (long long)counts.dead);
}

static void count_state(const char *state, int64_t count, void *data)
{
    int s = casefsm_state_from_name(state);
    if (s >= 0 && s < CASEFSM_STATE_COUNT)
        ((int64_t *)data)[s] += count;
}

static void render_cases(struct text *t, struct store *store)
{
    int64_t counts[CASEFSM_STATE_COUNT] = {0};
    if (store_stats_state_counts(store, count_state, counts) != STORE_OK)
        return; // logged by the store; the other metrics still go out
    family(t, "chengguan_cases", "gauge", "Cases by state (from the overview's tallies).");
    for (int s = 0; s < CASEFSM_STATE_COUNT; s++) {
        text_str(t, "chengguan_cases{");
        text_label(t, true, "state", casefsm_state_name((enum casefsm_state)s));
        text_printf(t, "} %lld\n", (long long)counts[s]);
    }
}

// Resident and virtual size from /proc/self/statm, in bytes; 0 when unreadable.
static void memory_sizes(double *resident, double *virtual_size)
{
    *resident = *virtual_size = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long pages = 0, resident_pages = 0;
    if (f == NULL)
        return;
    if (fscanf(f, "%llu %llu", &pages, &resident_pages) == 2) {
        double page = (double)sysconf(_SC_PAGESIZE);
        *resident = (double)resident_pages * page;
        *virtual_size = (double)pages * page;
    }
    fclose(f);
}

// Open descriptors: the entries of /proc/self/fd but the one reading it.
static int open_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL)
        return 0;
    int count = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;)
        if (e->d_name[0] != '.')
            count++;
    closedir(dir);
    return count > 0 ? count - 1 : 0;
}

static void render_process(struct text *t, struct server *server)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 +
                 (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
    double resident, virtual_size;
    memory_sizes(&resident, &virtual_size);
    struct rlimit limit = {0};
    getrlimit(RLIMIT_NOFILE, &limit);
    family(t, "process_cpu_seconds_total", "counter", "User and system CPU time spent.");
    sample(t, "process_cpu_seconds_total", cpu);
    family(t, "process_resident_memory_bytes", "gauge", "Resident memory size.");
    sample(t, "process_resident_memory_bytes", resident);
    family(t, "process_virtual_memory_bytes", "gauge", "Virtual memory size.");
    sample(t, "process_virtual_memory_bytes", virtual_size);
    family(t, "process_open_fds", "gauge", "Open file descriptors.");
    sample(t, "process_open_fds", open_fds());
    family(t, "process_max_fds", "gauge", "The most file descriptors the process may open.");
    sample(t, "process_max_fds", (double)limit.rlim_cur);
    family(t, "process_start_time_seconds", "gauge",
           "When the server started, in seconds since the Unix epoch.");
    sample(t, "process_start_time_seconds", metrics.start_time);
    family(t, "chengguan_build_info", "gauge",
           "The running build: version, schema, libraries (always 1).");
    char schema[16];
    snprintf(schema, sizeof schema, "%d", store_schema_version(server->store));
    text_str(t, "chengguan_build_info{");
    text_label(t, true, "version", CHENGGUAN_VERSION);
    text_label(t, false, "schema", schema);
    text_label(t, false, "store", store_engine_name(server->store));
    text_label(t, false, "store_version", store_engine_version(server->store));
    text_label(t, false, "libmicrohttpd", MHD_get_version());
    text_str(t, "} 1\n");
}

char *metrics_render(struct server *server, size_t *len)
{
    struct text t = {0};
    render_requests(&t);
    render_server(&t, server);
    render_cases(&t, server->store);
    render_outbox(&t, server->store);
    render_process(&t, server);
    if (t.failed) {
        free(t.data);
        return NULL;
    }
    *len = t.len;
    return t.data;
}
