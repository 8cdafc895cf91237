// SPDX-License-Identifier: MIT
// The store's engine room, the same for every engine: store_open choosing the
// engine by the location, per-thread read connections with cached statements,
// the neutral statement functions (dispatched to the engine), and one writer
// thread that commits queued write jobs in batches (a savepoint per job, one
// COMMIT and so one fsync per batch).
#include "engine.h"

#include "jurisdiction.h"
#include "log.h"
#include "metrics.h"
#include "store_case_lists.h"
#include "store_migrations.h"
#include "textseg.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { STORE_BATCH_MAX = 64 };
// How many times the writer runs a batch that met a serialization failure or
// a deadlock (store_note_retry) before its jobs fail.
enum { STORE_BATCH_ATTEMPTS = 3 };

struct store_cached_stmt {
    const char *sql;
    struct store_stmt *stmt;
};

// A connection and its statements, cached by the address of their SQL text.
struct store_conn {
    const struct store_engine *engine;
    struct store_db *db;
    size_t count;
    size_t capacity;
    struct store_cached_stmt *cache;
};

struct store_tx {
    struct store *store;
    struct store_conn *conn;
};

struct store_job {
    int (*job)(struct store_tx *tx, void *data);
    void *data;
    int result;
    bool done;
    bool alone; // a transaction of its own, without a savepoint (store_write_alone)
    bool unreachable; // it failed because the database server could not be reached
    struct store_job *next;
};

struct store {
    const struct store_engine *engine;
    char *path;
    uint64_t generation;
    int schema_version;
    int busy_timeout_ms;
    struct store_conn writer;
    pthread_t writer_thread;
    bool writer_running;
    pthread_mutex_t lock;
    pthread_cond_t queue_changed;
    pthread_cond_t jobs_done;
    struct store_job *queue_head;
    struct store_job *queue_tail;
    bool stopping;
    atomic_uint_fast64_t changes; // store_changes's stand-ins when it cannot read
    atomic_bool disk_full;        // the last write found the disk full (logged once)
};

// Each thread's read connection. The generation tells a connection left over from
// an earlier store (tests open several in one process) from the current one.
struct store_reader {
    uint64_t generation;
    struct store_conn conn;
};

static _Thread_local struct store_reader *tls_reader;
static pthread_key_t reader_key;
static pthread_once_t reader_key_once = PTHREAD_ONCE_INIT;
static atomic_uint_fast64_t store_generations = 1;

// The clock a tool set with store_set_clock; NULL: the real one.
static _Atomic(int64_t (*)(void *)) clock_now;
static _Atomic(void *) clock_context;

void store_set_clock(int64_t (*now)(void *ctx), void *ctx)
{
    atomic_store(&clock_context, ctx);
    atomic_store(&clock_now, now);
}

int64_t store_now_ms(void)
{
    int64_t (*set)(void *) = atomic_load_explicit(&clock_now, memory_order_acquire);
    if (set != NULL)
        return set(atomic_load_explicit(&clock_context, memory_order_relaxed));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

const char *store_location(const struct store *store)
{
    return store->path;
}

int store_busy_timeout_ms(const struct store *store)
{
    return store->busy_timeout_ms;
}

static void conn_close(struct store_conn *conn, bool writer)
{
    for (size_t i = 0; i < conn->count; i++)
        conn->engine->finalize(conn->cache[i].stmt);
    free(conn->cache);
    conn->cache = NULL;
    conn->count = conn->capacity = 0;
    if (conn->db != NULL)
        conn->engine->conn_close(conn->db, writer);
    conn->db = NULL;
}

static struct store_stmt *conn_stmt(struct store_conn *conn, const char *sql)
{
    for (size_t i = 0; i < conn->count; i++)
        if (conn->cache[i].sql == sql)
            return conn->cache[i].stmt;
    if (sql == NULL) {
        log_error("store: a statement is not written for the %s engine yet", conn->engine->name);
        return NULL;
    }
    if (conn->count == conn->capacity) {
        size_t capacity = conn->capacity ? conn->capacity * 2 : 32;
        struct store_cached_stmt *grown = realloc(conn->cache, capacity * sizeof *grown);
        if (grown == NULL)
            return NULL;
        conn->cache = grown;
        conn->capacity = capacity;
    }
    struct store_stmt *stmt = conn->engine->prepare(conn->db, sql);
    if (stmt == NULL)
        return NULL;
    conn->cache[conn->count++] = (struct store_cached_stmt){sql, stmt};
    return stmt;
}

// Set when the engine reported a full disk on this thread since the writer last
// cleared it (before each job and each commit).
static _Thread_local bool tls_disk_full;
// Set by the engine (store_note_unreachable, store_note_retry) on the thread
// whose statement or command failed so.
static _Thread_local bool tls_unreachable;
static _Thread_local bool tls_retry;

void store_note_unreachable(void)
{
    tls_unreachable = true;
}

void store_note_retry(void)
{
    tls_retry = true;
}

bool store_unreachable(void)
{
    return tls_unreachable;
}

void store_disk_state(struct store *store, bool full)
{
    if (full && !atomic_exchange(&store->disk_full, true))
        log_error("store: the disk is full: writes are refused (507) until there is room; "
                  "reads go on");
    else if (!full && atomic_exchange(&store->disk_full, false))
        log_info("store: writes succeed again");
}

// Runs a command on the connection (the engine logs a failure, a full disk
// aside). Returns STORE_OK, STORE_FULL or STORE_ERROR.
static int exec_sql(struct store_conn *conn, const char *sql)
{
    int rc = conn->engine->exec(conn->db, sql);
    if (rc == STORE_FULL)
        tls_disk_full = true;
    return rc;
}

static void reader_destroy(void *value)
{
    struct store_reader *reader = value;
    conn_close(&reader->conn, false);
    free(reader);
}

static void reader_key_create(void)
{
    pthread_key_create(&reader_key, reader_destroy);
}

static struct store_conn *reader_conn(struct store *store)
{
    pthread_once(&reader_key_once, reader_key_create);
    struct store_reader *reader = tls_reader;
    if (reader != NULL && reader->generation == store->generation)
        return &reader->conn;
    if (reader != NULL) {
        reader_destroy(reader);
        tls_reader = NULL;
        pthread_setspecific(reader_key, NULL);
    }
    reader = calloc(1, sizeof *reader);
    if (reader == NULL)
        return NULL;
    reader->generation = store->generation;
    reader->conn.engine = store->engine;
    if ((reader->conn.db = store->engine->conn_open(store)) == NULL) {
        reader_destroy(reader);
        return NULL;
    }
    tls_reader = reader;
    pthread_setspecific(reader_key, reader);
    return &reader->conn;
}

struct store_stmt *store_read_stmt(struct store *store, const char *sql)
{
    struct store_conn *conn = reader_conn(store);
    return conn ? conn_stmt(conn, sql) : NULL;
}

struct store_stmt *store_read_prepare(struct store *store, const char *sql)
{
    struct store_conn *conn = reader_conn(store);
    return conn ? conn->engine->prepare(conn->db, sql) : NULL;
}

struct store_stmt *store_tx_prepare(struct store_tx *tx, const char *sql)
{
    return tx->conn->engine->prepare(tx->conn->db, sql);
}

void store_stmt_free(struct store_stmt *stmt)
{
    if (stmt != NULL)
        stmt->engine->finalize(stmt);
}

const char *store_sql(const struct store *store, const char *sqlite_sql, const char *postgres_sql)
{
    return store->engine == &STORE_ENGINE_SQLITE ? sqlite_sql : postgres_sql;
}

const char *store_tx_sql(const struct store_tx *tx, const char *sqlite_sql,
                         const char *postgres_sql)
{
    return store_sql(tx->store, sqlite_sql, postgres_sql);
}

char *store_search_query(const struct store *store, const char *utf8, size_t len)
{
    return store->engine == &STORE_ENGINE_SQLITE ? textseg_query(utf8, len)
                                                 : textseg_tsquery(utf8, len);
}

// Runs a transaction command on the thread's read connection when it is (begin)
// or is not (end) in autocommit mode. Returns the engine's result (STORE_OK
// when there was nothing to do).
static int read_tx(struct store *store, const char *sql, bool when_autocommit)
{
    struct store_conn *conn = reader_conn(store);
    if (conn == NULL || conn->engine->in_transaction(conn->db) == when_autocommit)
        return STORE_OK;
    return exec_sql(conn, sql);
}

void store_read_begin(struct store *store)
{
    tls_unreachable = false;
    read_tx(store, store->engine->read_begin_sql, true);
}

void store_read_end(struct store *store)
{
    // A snapshot that cannot commit (its connection was lost) is rolled back,
    // which lets the engine connect again for the thread's next request.
    if (read_tx(store, "COMMIT", false) != STORE_OK)
        read_tx(store, "ROLLBACK", false);
}

void store_stmt_done(struct store_stmt *stmt)
{
    if (stmt != NULL)
        stmt->engine->reset(stmt);
}

struct store_stmt *store_tx_stmt(struct store_tx *tx, const char *sql)
{
    return conn_stmt(tx->conn, sql);
}

// Logs a parameter the statement does not have (a programming error).
static void bound(bool found, const struct store_stmt *stmt, const char *name)
{
    if (!found)
        log_error("store: no parameter %s in: %.120s", name, stmt->sql);
}

void store_bind_text(struct store_stmt *stmt, const char *name, const char *value)
{
    bound(stmt->engine->bind_text(stmt, name, value), stmt, name);
}

void store_bind_int(struct store_stmt *stmt, const char *name, int64_t value)
{
    bound(stmt->engine->bind_int(stmt, name, value), stmt, name);
}

void store_bind_double(struct store_stmt *stmt, const char *name, double value)
{
    bound(stmt->engine->bind_double(stmt, name, value), stmt, name);
}

void store_bind_blob(struct store_stmt *stmt, const char *name, const void *data, size_t len)
{
    bound(stmt->engine->bind_blob(stmt, name, data, len), stmt, name);
}

void store_bind_null(struct store_stmt *stmt, const char *name)
{
    bound(stmt->engine->bind_null(stmt, name), stmt, name);
}

bool store_stmt_has_param(struct store_stmt *stmt, const char *name)
{
    return stmt->engine->has_param(stmt, name);
}

void store_bind_id(struct store_stmt *stmt, const char *name, int64_t id)
{
    if (id > 0)
        store_bind_int(stmt, name, id);
    else
        store_bind_null(stmt, name);
}

void store_bind_range(struct store_stmt *stmt, const struct jurisdiction_range *range)
{
    store_bind_text(stmt, ":scope_lo", range->lo);
    store_bind_text(stmt, ":scope_hi", range->hi);
}

void store_column_copy(char *out, size_t size, struct store_stmt *stmt, int column)
{
    const unsigned char *text = (const unsigned char *)store_col_text(stmt, column);
    size_t len = text ? store_col_bytes(stmt, column) : 0;
    if (size == 0)
        return;
    if (len >= size) {
        // Cut at a character boundary: a copy is never half a UTF-8 sequence.
        len = size - 1;
        while (len > 0 && (text[len] & 0xC0) == 0x80)
            len--;
    }
    if (len > 0)
        memcpy(out, text, len);
    out[len] = '\0';
}

int store_step(struct store_stmt *stmt)
{
    int rc = stmt->engine->step(stmt);
    if (rc == STORE_FULL)
        tls_disk_full = true;
    return rc;
}

int64_t store_stmt_changes(struct store_stmt *stmt)
{
    return stmt->engine->changes(stmt);
}

const char *store_stmt_error(struct store_stmt *stmt)
{
    return stmt->engine->error(stmt);
}

int store_read_finish(struct store_stmt *stmt, int rc, const char *what)
{
    if (rc != STORE_DONE)
        log_error("store: %s: %s", what, store_stmt_error(stmt));
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

int store_step_row(struct store_stmt *stmt)
{
    int rc = store_step(stmt);
    if (rc == STORE_ROW)
        return STORE_OK;
    if (rc == STORE_DONE)
        return STORE_NOT_FOUND;
    if (rc == STORE_CONFLICT)
        return STORE_CONFLICT;
    if (rc != STORE_FULL)
        log_error("store: %s", store_stmt_error(stmt));
    return STORE_ERROR;
}

int store_exec_stmt(struct store_stmt *stmt)
{
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW)
        ;
    int result = STORE_OK;
    if (rc == STORE_CONFLICT)
        result = STORE_CONFLICT;
    else if (rc == STORE_FULL)
        result = STORE_ERROR;
    else if (rc != STORE_DONE) {
        log_error("store: step failed: %s; sql: %.120s", store_stmt_error(stmt), stmt->sql);
        result = STORE_ERROR;
    }
    store_stmt_done(stmt);
    return result;
}

int64_t store_monotonic_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

// Counts the batch in the database itself (change_counter 'data'), so that
// every process sharing the database sees that something changed
// (store_changes). Part of the batch's transaction.
static int count_change(struct store *store)
{
    static const char SQL[] = "UPDATE change_counter SET n = n + 1 WHERE name = 'data'";
    struct store_tx tx = {store, &store->writer};
    struct store_stmt *stmt = store_tx_stmt(&tx, SQL);
    return stmt != NULL ? store_exec_stmt(stmt) : STORE_ERROR;
}

// Counts the change when the batch kept one (changed), then runs COMMIT and adds
// how long it took (the log's write and its fsync) to *commit_us.
static int commit_timed(struct store *store, bool changed, int64_t *commit_us)
{
    if (changed && count_change(store) != STORE_OK)
        return STORE_ERROR;
    int64_t started = store_monotonic_us();
    int rc = exec_sql(&store->writer, "COMMIT");
    *commit_us += store_monotonic_us() - started;
    return rc;
}

// Runs a job that is a batch of its own: no savepoint, so a job that writes a
// great deal keeps no copy of every page it changed; its result decides between
// COMMIT and ROLLBACK. Called by the writer thread only (by run_batch).
static void run_alone(struct store *store, struct store_job *job, int64_t *commit_us)
{
    struct store_tx tx = {store, &store->writer};
    struct store_conn *writer = &store->writer;
    tls_disk_full = false;
    if (exec_sql(writer, store->engine->batch_begin_sql) != STORE_OK) {
        job->result = STORE_ERROR;
    } else if ((job->result = job->job(&tx, job->data)) != STORE_OK) {
        exec_sql(writer, "ROLLBACK");
    } else if (commit_timed(store, true, commit_us) != STORE_OK) {
        exec_sql(writer, "ROLLBACK");
        job->result = STORE_ERROR;
    }
    if (job->result == STORE_ERROR && tls_disk_full)
        job->result = STORE_FULL;
}

// Runs the jobs of a batch in one transaction, each in a savepoint;
// *commit_us receives the time of its COMMIT. With may_retry, a job or COMMIT
// that met a serialization failure or deadlock (tls_retry) stops the batch:
// everything is rolled back and false returned, to run it again.
static bool run_jobs(struct store *store, struct store_job *batch, int64_t *commit_us,
                     bool may_retry)
{
    struct store_tx tx = {store, &store->writer};
    struct store_conn *writer = &store->writer;
    tls_disk_full = false;
    bool began = exec_sql(writer, store->engine->batch_begin_sql) == STORE_OK;
    bool changed = false;
    for (struct store_job *job = batch; job != NULL; job = job->next) {
        if (!began || exec_sql(writer, "SAVEPOINT job") != STORE_OK) {
            job->result = tls_disk_full ? STORE_FULL : STORE_ERROR;
            continue;
        }
        tls_disk_full = false;
        job->result = job->job(&tx, job->data);
        if (job->result == STORE_ERROR && tls_disk_full)
            job->result = STORE_FULL;
        if (tls_retry && may_retry) {
            exec_sql(writer, "ROLLBACK");
            return false;
        }
        if (job->result != STORE_OK)
            exec_sql(writer, "ROLLBACK TO job");
        changed = changed || job->result == STORE_OK;
        exec_sql(writer, "RELEASE job");
    }
    tls_disk_full = false;
    if (began && commit_timed(store, changed, commit_us) != STORE_OK) {
        exec_sql(writer, "ROLLBACK");
        if (tls_retry && may_retry)
            return false;
        for (struct store_job *job = batch; job != NULL; job = job->next)
            job->result = tls_disk_full ? STORE_FULL : STORE_ERROR;
    }
    return true;
}

// Runs one batch (or a job alone), again when it met a serialization failure
// or a deadlock, up to STORE_BATCH_ATTEMPTS times; notes on each job that
// failed whether the database server was unreachable. Called by the writer
// thread only.
static void run_batch(struct store *store, struct store_job *batch, int64_t *commit_us)
{
    for (int attempt = 1;; attempt++) {
        tls_retry = tls_unreachable = false;
        bool may_retry = attempt < STORE_BATCH_ATTEMPTS;
        if (batch->alone)
            run_alone(store, batch, commit_us);
        else if (!run_jobs(store, batch, commit_us, may_retry))
            tls_retry = true;
        if (!tls_retry || !may_retry)
            break;
        log_info("store: a batch met a serialization failure or a deadlock; running it again "
                 "(attempt %d)",
                 attempt + 1);
    }
    for (struct store_job *job = batch; job != NULL; job = job->next)
        job->unreachable = tls_unreachable && job->result != STORE_OK;
}

// Logs a full disk once, and the first batch that commits after it.
static void note_disk_state(struct store *store, const struct store_job *batch)
{
    bool full = false, committed = false;
    for (const struct store_job *job = batch; job != NULL; job = job->next) {
        full = full || job->result == STORE_FULL;
        committed = committed || job->result == STORE_OK;
    }
    if (full || committed)
        store_disk_state(store, full);
}

static void *writer_main(void *arg)
{
    struct store *store = arg;
    pthread_mutex_lock(&store->lock);
    for (;;) {
        while (store->queue_head == NULL && !store->stopping)
            pthread_cond_wait(&store->queue_changed, &store->lock);
        if (store->queue_head == NULL && store->stopping)
            break;
        // A job that runs alone is a batch of one; the batch before it stops short.
        struct store_job *batch = store->queue_head, *last = batch;
        int jobs = 1;
        while (!batch->alone && jobs < STORE_BATCH_MAX && last->next != NULL &&
               !last->next->alone) {
            last = last->next;
            jobs++;
        }
        metrics_store_queue(-jobs);
        store->queue_head = last->next;
        if (store->queue_head == NULL)
            store->queue_tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&store->lock);

        int64_t started = store_monotonic_us(), commit_us = 0;
        run_batch(store, batch, &commit_us);
        metrics_store_batch(jobs, store_monotonic_us() - started, commit_us);
        note_disk_state(store, batch);

        pthread_mutex_lock(&store->lock);
        for (struct store_job *job = batch; job != NULL;) {
            struct store_job *next = job->next;
            job->done = true; // the waiter may free job as soon as it sees this
            job = next;
        }
        pthread_cond_broadcast(&store->jobs_done);
        // The engine's upkeep (SQLite's checkpoint) off the request path: it
        // learns whether a write is waiting, and does its work when none is.
        if (store->engine->after_batch != NULL) {
            bool queue_empty = store->queue_head == NULL;
            pthread_mutex_unlock(&store->lock);
            store->engine->after_batch(store->writer.db, queue_empty);
            pthread_mutex_lock(&store->lock);
        }
    }
    pthread_mutex_unlock(&store->lock);
    return NULL;
}

// Queues the job and waits until the writer ran it. Returns its result.
static int write_queued(struct store *store, struct store_job entry)
{
    pthread_mutex_lock(&store->lock);
    if (store->stopping || !store->writer_running) {
        pthread_mutex_unlock(&store->lock);
        return STORE_BUSY;
    }
    if (store->queue_tail)
        store->queue_tail->next = &entry;
    else
        store->queue_head = &entry;
    store->queue_tail = &entry;
    metrics_store_queue(1);
    pthread_cond_signal(&store->queue_changed);
    while (!entry.done)
        pthread_cond_wait(&store->jobs_done, &store->lock);
    pthread_mutex_unlock(&store->lock);
    tls_unreachable = entry.unreachable;
    return entry.result;
}

int store_write(struct store *store, int (*job)(struct store_tx *tx, void *data), void *data)
{
    return write_queued(store, (struct store_job){.job = job, .data = data, .result = STORE_ERROR});
}

int store_write_alone(struct store *store, int (*job)(struct store_tx *tx, void *data), void *data)
{
    return write_queued(
        store, (struct store_job){.job = job, .data = data, .result = STORE_ERROR, .alone = true});
}

const char *store_engine_name(const struct store *store)
{
    return store->engine->name;
}

const char *store_engine_version(const struct store *store)
{
    return store->engine->library_version();
}

int store_latest_schema_version(void)
{
    return STORE_MIGRATION_COUNT > 0 ? STORE_MIGRATIONS[STORE_MIGRATION_COUNT - 1].version : 0;
}

// The engine for a location: PostgreSQL for a postgres:// or postgresql:// URI
// or a libpq "key=value" string (starting with host= or dbname=), SQLite for
// anything else (a file path).
static const struct store_engine *engine_for(const char *location)
{
    static const char *const POSTGRES[] = {"postgres://", "postgresql://", "host=", "dbname="};
    for (size_t i = 0; i < sizeof POSTGRES / sizeof POSTGRES[0]; i++)
        if (strncmp(location, POSTGRES[i], strlen(POSTGRES[i])) == 0)
            return &STORE_ENGINE_POSTGRES;
    return &STORE_ENGINE_SQLITE;
}

const char *store_location_shown(const char *location, char *out, size_t size)
{
    const struct store_engine *engine = engine_for(location);
    if (engine->location_shown != NULL)
        engine->location_shown(location, out, size);
    else
        snprintf(out, size, "%s", location);
    return out;
}

struct store *store_open(const struct store_options *options, char *err, size_t err_size)
{
    const struct store_engine *engine = engine_for(options->path);
    struct store *store = calloc(1, sizeof *store);
    if (store == NULL || (store->path = strdup(options->path)) == NULL) {
        snprintf(err, err_size, "out of memory");
        free(store);
        return NULL;
    }
    store->engine = engine;
    store->writer.engine = engine;
    store->generation = atomic_fetch_add(&store_generations, 1);
    store->busy_timeout_ms = options->busy_timeout_ms > 0 ? options->busy_timeout_ms : 5000;
    pthread_mutex_init(&store->lock, NULL);
    pthread_cond_init(&store->queue_changed, NULL);
    pthread_cond_init(&store->jobs_done, NULL);
    store->writer.db = engine->open(store, options, &store->schema_version, err, err_size);
    if (store->writer.db == NULL) {
        store_close(store);
        return NULL;
    }
    if (options->read_only)
        return store;
    if (pthread_create(&store->writer_thread, NULL, writer_main, store) != 0) {
        snprintf(err, err_size, "cannot start the writer thread");
        store_close(store);
        return NULL;
    }
    store->writer_running = true;
    return store;
}

void store_close(struct store *store)
{
    if (store == NULL)
        return;
    bool wrote = store->writer_running;
    if (store->writer_running) {
        pthread_mutex_lock(&store->lock);
        store->stopping = true;
        pthread_cond_broadcast(&store->queue_changed);
        pthread_mutex_unlock(&store->lock);
        pthread_join(store->writer_thread, NULL);
    }
    if (tls_reader != NULL && tls_reader->generation == store->generation) {
        reader_destroy(tls_reader);
        tls_reader = NULL;
        pthread_setspecific(reader_key, NULL);
    }
    conn_close(&store->writer, wrote);
    pthread_cond_destroy(&store->queue_changed);
    pthread_cond_destroy(&store->jobs_done);
    pthread_mutex_destroy(&store->lock);
    free(store->path);
    free(store);
}

int store_schema_version(const struct store *store)
{
    return store->schema_version;
}

uint64_t store_changes(struct store *store)
{
    static const char SQL[] = "SELECT n FROM change_counter WHERE name = 'data'";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt != NULL && store_step_row(stmt) == STORE_OK) {
        uint64_t n = (uint64_t)store_col_int64(stmt, 0);
        store_stmt_done(stmt);
        return n;
    }
    store_stmt_done(stmt);
    // Unknown: a number no answer carried before, so nothing passes as unchanged.
    return UINT64_C(1) << 63 | atomic_fetch_add(&store->changes, 1);
}

int store_backup(struct store *store, const char *dest_path,
                 const struct store_backup_progress *progress, char *err, size_t err_size)
{
    return store->engine->backup(store, dest_path, progress, err, err_size);
}

int store_explain(struct store *store, void (*fn)(const char *name, const char *plan, void *data),
                  void *data)
{
    const struct {
        const struct store_plan_statement *list;
        size_t count;
    } GROUPS[] = {{STORE_LIST_PLANS, STORE_LIST_PLAN_COUNT},
                  {STORE_DUPLICATE_PLANS, STORE_DUPLICATE_PLAN_COUNT},
                  {STORE_STATS_PLANS, STORE_STATS_PLAN_COUNT},
                  {STORE_ASSESSMENT_PLANS, STORE_ASSESSMENT_PLAN_COUNT},
                  {STORE_TREND_PLANS, STORE_TREND_PLAN_COUNT},
                  {STORE_OUTBOX_PLANS, STORE_OUTBOX_PLAN_COUNT}};
    struct store_conn *conn = reader_conn(store);
    if (conn == NULL)
        return STORE_ERROR;
    for (size_t g = 0; g < sizeof GROUPS / sizeof GROUPS[0]; g++)
        for (size_t i = 0; i < GROUPS[g].count; i++) {
            const struct store_plan_statement *p = &GROUPS[g].list[i];
            const char *sql = store_sql(store, p->sql, p->postgres_sql);
            if (sql == NULL) {
                log_error("store: %s is not written for the %s engine yet", p->name,
                          store->engine->name);
                return STORE_ERROR;
            }
            if (store->engine->explain(conn->db, p->name, sql, fn, data) != STORE_OK)
                return STORE_ERROR;
        }
    return STORE_OK;
}

bool store_integrity_ok(struct store *store)
{
    struct store_conn *conn = reader_conn(store);
    return conn != NULL && store->engine->integrity_ok(conn->db);
}
