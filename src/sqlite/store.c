// SPDX-License-Identifier: MIT
// The store's engine room: open and migrate, per-thread read connections with
// cached statements, and one writer thread that commits queued write jobs in
// batches (a savepoint per job, one COMMIT and so one fsync per batch).
#include "engine.h"

#include "jurisdiction.h"
#include "log.h"
#include "metrics.h"
#include "store_migrations.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { STORE_BATCH_MAX = 64, STORE_CHECKPOINT_PAGES = 1000 };

struct store_cached_stmt {
    const char *sql;
    sqlite3_stmt *stmt;
};

struct store_conn {
    sqlite3 *db;
    size_t count;
    size_t capacity;
    struct store_cached_stmt *cache;
};

struct store_tx {
    struct store_conn *conn;
};

struct store_job {
    int (*job)(struct store_tx *tx, void *data);
    void *data;
    int result;
    bool done;
    bool alone; // a transaction of its own, without a savepoint (store_write_alone)
    struct store_job *next;
};

struct store {
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
    int wal_pages;
    atomic_uint_fast64_t changes; // committed batches (store_changes)
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

static void conn_close(struct store_conn *conn)
{
    for (size_t i = 0; i < conn->count; i++)
        sqlite3_finalize(conn->cache[i].stmt);
    free(conn->cache);
    conn->cache = NULL;
    conn->count = conn->capacity = 0;
    if (conn->db != NULL)
        sqlite3_close(conn->db);
    conn->db = NULL;
}

static sqlite3_stmt *conn_stmt(struct store_conn *conn, const char *sql)
{
    for (size_t i = 0; i < conn->count; i++)
        if (conn->cache[i].sql == sql)
            return conn->cache[i].stmt;
    if (conn->count == conn->capacity) {
        size_t capacity = conn->capacity ? conn->capacity * 2 : 32;
        struct store_cached_stmt *grown = realloc(conn->cache, capacity * sizeof *grown);
        if (grown == NULL)
            return NULL;
        conn->cache = grown;
        conn->capacity = capacity;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v3(conn->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) !=
        SQLITE_OK) {
        log_error("store: prepare failed: %s; sql: %.120s", sqlite3_errmsg(conn->db), sql);
        return NULL;
    }
    conn->cache[conn->count++] = (struct store_cached_stmt){sql, stmt};
    return stmt;
}

// Set when SQLite reported a full disk on this thread since the writer last
// cleared it (before each job and each commit).
static _Thread_local bool tls_disk_full;

bool store_disk_full(int rc)
{
    if ((rc & 0xff) != SQLITE_FULL)
        return false;
    tls_disk_full = true;
    return true;
}

void store_disk_state(struct store *store, bool full)
{
    if (full && !atomic_exchange(&store->disk_full, true))
        log_error("store: the disk is full: writes are refused (507) until there is room; "
                  "reads go on");
    else if (!full && atomic_exchange(&store->disk_full, false))
        log_info("store: writes succeed again");
}

static int exec_sql(sqlite3 *db, const char *sql)
{
    char *message = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &message);
    if (rc != SQLITE_OK && store_disk_full(rc)) {
        sqlite3_free(message);
    } else if (rc != SQLITE_OK) {
        log_error("store: %s (in: %.80s)", message ? message : sqlite3_errmsg(db), sql);
        sqlite3_free(message);
    }
    return rc;
}

static void reader_destroy(void *value)
{
    struct store_reader *reader = value;
    conn_close(&reader->conn);
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
    if (sqlite3_open_v2(store->path, &reader->conn.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        log_error("store: cannot open a read connection: %s", sqlite3_errmsg(reader->conn.db));
        reader_destroy(reader);
        return NULL;
    }
    sqlite3_busy_timeout(reader->conn.db, store->busy_timeout_ms);
    exec_sql(reader->conn.db, "PRAGMA foreign_keys=ON");
    exec_sql(reader->conn.db, "PRAGMA temp_store=MEMORY");
    tls_reader = reader;
    pthread_setspecific(reader_key, reader);
    return &reader->conn;
}

sqlite3_stmt *store_read_stmt(struct store *store, const char *sql)
{
    struct store_conn *conn = reader_conn(store);
    return conn ? conn_stmt(conn, sql) : NULL;
}

// Runs a cached one-statement transaction command on the thread's read connection.
static void read_tx(struct store *store, const char *sql, bool when_autocommit)
{
    struct store_conn *conn = reader_conn(store);
    if (conn == NULL || (sqlite3_get_autocommit(conn->db) != 0) != when_autocommit)
        return;
    sqlite3_stmt *stmt = conn_stmt(conn, sql);
    if (stmt != NULL) {
        if (sqlite3_step(stmt) != SQLITE_DONE)
            log_error("store: %s failed: %s", sql, sqlite3_errmsg(conn->db));
        sqlite3_reset(stmt);
    }
}

void store_read_begin(struct store *store)
{
    static const char SQL[] = "BEGIN";
    read_tx(store, SQL, true);
}

void store_read_end(struct store *store)
{
    static const char SQL[] = "COMMIT";
    read_tx(store, SQL, false);
}

void store_stmt_done(sqlite3_stmt *stmt)
{
    if (stmt != NULL) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }
}

sqlite3_stmt *store_tx_stmt(struct store_tx *tx, const char *sql)
{
    return conn_stmt(tx->conn, sql);
}

static int param_index(sqlite3_stmt *stmt, const char *name)
{
    int index = sqlite3_bind_parameter_index(stmt, name);
    if (index == 0)
        log_error("store: no parameter %s in: %.120s", name, sqlite3_sql(stmt));
    return index;
}

void store_bind_text(sqlite3_stmt *stmt, const char *name, const char *value)
{
    int i = param_index(stmt, name);
    if (value == NULL)
        sqlite3_bind_null(stmt, i);
    else
        sqlite3_bind_text(stmt, i, value, -1, SQLITE_TRANSIENT);
}

void store_bind_int(sqlite3_stmt *stmt, const char *name, int64_t value)
{
    sqlite3_bind_int64(stmt, param_index(stmt, name), value);
}

void store_bind_double(sqlite3_stmt *stmt, const char *name, double value)
{
    sqlite3_bind_double(stmt, param_index(stmt, name), value);
}

void store_bind_blob(sqlite3_stmt *stmt, const char *name, const void *data, size_t len)
{
    sqlite3_bind_blob64(stmt, param_index(stmt, name), data, len, SQLITE_TRANSIENT);
}

void store_bind_null(sqlite3_stmt *stmt, const char *name)
{
    sqlite3_bind_null(stmt, param_index(stmt, name));
}

void store_bind_id(sqlite3_stmt *stmt, const char *name, int64_t id)
{
    if (id > 0)
        store_bind_int(stmt, name, id);
    else
        store_bind_null(stmt, name);
}

void store_bind_range(sqlite3_stmt *stmt, const struct jurisdiction_range *range)
{
    store_bind_text(stmt, ":scope_lo", range->lo);
    store_bind_text(stmt, ":scope_hi", range->hi);
}

void store_column_copy(char *out, size_t size, sqlite3_stmt *stmt, int column)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    size_t len = text ? (size_t)sqlite3_column_bytes(stmt, column) : 0;
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

int store_step_row(sqlite3_stmt *stmt)
{
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        return STORE_OK;
    if (rc == SQLITE_DONE)
        return STORE_NOT_FOUND;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return STORE_CONFLICT;
    if (!store_disk_full(rc))
        log_error("store: %s", sqlite3_errmsg(sqlite3_db_handle(stmt)));
    return STORE_ERROR;
}

int store_exec_stmt(sqlite3_stmt *stmt)
{
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        ;
    int result = STORE_OK;
    if (rc == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_CONSTRAINT)
        result = STORE_CONFLICT;
    else if (store_disk_full(rc))
        result = STORE_ERROR;
    else if (rc != SQLITE_DONE) {
        log_error("store: step failed: %s; sql: %.120s", sqlite3_errmsg(sqlite3_db_handle(stmt)),
                  sqlite3_sql(stmt));
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

// Runs COMMIT and adds how long it took (the log's write and its fsync) to
// *commit_us.
static int commit_timed(sqlite3 *db, int64_t *commit_us)
{
    int64_t started = store_monotonic_us();
    int rc = exec_sql(db, "COMMIT");
    *commit_us += store_monotonic_us() - started;
    return rc;
}

static int wal_hook(void *data, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    ((struct store *)data)->wal_pages = pages;
    return SQLITE_OK;
}

// Runs a job that is a batch of its own: no savepoint, so a job that writes a
// great deal keeps no copy of every page it changed; its result decides between
// COMMIT and ROLLBACK. Called by the writer thread only.
static void run_alone(struct store *store, struct store_job *job, int64_t *commit_us)
{
    struct store_tx tx = {&store->writer};
    sqlite3 *db = store->writer.db;
    // Statement journals in memory (and so they stay): a large job writes
    // thousands of statements, each of which would otherwise spill its journal
    // to a temporary file.
    exec_sql(db, "PRAGMA temp_store=MEMORY");
    tls_disk_full = false;
    if (exec_sql(db, "BEGIN IMMEDIATE") != SQLITE_OK) {
        job->result = STORE_ERROR;
    } else if ((job->result = job->job(&tx, job->data)) != STORE_OK) {
        exec_sql(db, "ROLLBACK");
    } else if (commit_timed(db, commit_us) != SQLITE_OK) {
        exec_sql(db, "ROLLBACK");
        job->result = STORE_ERROR;
    }
    if (job->result == STORE_ERROR && tls_disk_full)
        job->result = STORE_FULL;
}

// Runs one batch of jobs in one transaction; *commit_us receives the time of
// its COMMIT. Called by the writer thread only.
static void run_batch(struct store *store, struct store_job *batch, int64_t *commit_us)
{
    if (batch->alone) {
        run_alone(store, batch, commit_us);
        return;
    }
    struct store_tx tx = {&store->writer};
    sqlite3 *db = store->writer.db;
    tls_disk_full = false;
    bool began = exec_sql(db, "BEGIN IMMEDIATE") == SQLITE_OK;
    for (struct store_job *job = batch; job != NULL; job = job->next) {
        if (!began || exec_sql(db, "SAVEPOINT job") != SQLITE_OK) {
            job->result = tls_disk_full ? STORE_FULL : STORE_ERROR;
            continue;
        }
        tls_disk_full = false;
        job->result = job->job(&tx, job->data);
        if (job->result == STORE_ERROR && tls_disk_full)
            job->result = STORE_FULL;
        if (job->result != STORE_OK)
            exec_sql(db, "ROLLBACK TO job");
        exec_sql(db, "RELEASE job");
    }
    tls_disk_full = false;
    if (began && commit_timed(db, commit_us) != SQLITE_OK) {
        exec_sql(db, "ROLLBACK");
        for (struct store_job *job = batch; job != NULL; job = job->next)
            job->result = tls_disk_full ? STORE_FULL : STORE_ERROR;
    }
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
        // Counted before the waiters wake, so a reply to a write never carries an
        // ETag from before the write.
        atomic_fetch_add(&store->changes, 1);

        pthread_mutex_lock(&store->lock);
        for (struct store_job *job = batch; job != NULL;) {
            struct store_job *next = job->next;
            job->done = true; // the waiter may free job as soon as it sees this
            job = next;
        }
        pthread_cond_broadcast(&store->jobs_done);
        // Checkpoint off the request path: only when no write is waiting.
        if (store->queue_head == NULL && store->wal_pages > STORE_CHECKPOINT_PAGES) {
            pthread_mutex_unlock(&store->lock);
            sqlite3_wal_checkpoint_v2(store->writer.db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
                                      NULL);
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

static int read_user_version(sqlite3 *db)
{
    sqlite3_stmt *stmt = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return version;
}

const char *store_engine_name(void)
{
    return "sqlite";
}

const char *store_engine_version(void)
{
    return sqlite3_libversion();
}

int store_latest_schema_version(void)
{
    return STORE_MIGRATION_COUNT > 0 ? STORE_MIGRATIONS[STORE_MIGRATION_COUNT - 1].version : 0;
}

static int migrate(struct store *store, char *err, size_t err_size)
{
    sqlite3 *db = store->writer.db;
    int version = read_user_version(db);
    if (version < 0) {
        snprintf(err, err_size, "cannot read the schema version of %s: %s", store->path,
                 sqlite3_errmsg(db));
        return -1;
    }
    int latest = store_latest_schema_version();
    if (version > latest) {
        snprintf(err, err_size,
                 "the database %s has schema version %d, newer than this chengguan (%d); "
                 "run a newer chengguan or restore a backup",
                 store->path, version, latest);
        return -1;
    }
    for (int i = 0; i < STORE_MIGRATION_COUNT; i++) {
        const struct store_migration *m = &STORE_MIGRATIONS[i];
        if (m->version <= version)
            continue;
        if (exec_sql(db, "BEGIN IMMEDIATE") != SQLITE_OK || exec_sql(db, m->sql) != SQLITE_OK ||
            exec_sql(db, "COMMIT") != SQLITE_OK) {
            snprintf(err, err_size, "migration %s failed: %s", m->name, sqlite3_errmsg(db));
            exec_sql(db, "ROLLBACK");
            return -1;
        }
        log_info("store: applied migration %s", m->name);
        version = m->version;
    }
    store->schema_version = version;
    return 0;
}

// Opens an existing database read-only: no pragma that writes, no migration, no
// writer thread. Returns 0, or -1 with the reason in err.
static int open_read_only(struct store *store, char *err, size_t err_size)
{
    struct stat st;
    if (stat(store->path, &st) != 0) {
        snprintf(err, err_size, "no database at %s: %s (give its path with --db or --data-dir)",
                 store->path, strerror(errno));
        return -1;
    }
    if (sqlite3_open_v2(store->path, &store->writer.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, err_size, "cannot open database %s: %s", store->path,
                 sqlite3_errmsg(store->writer.db));
        return -1;
    }
    sqlite3_busy_timeout(store->writer.db, store->busy_timeout_ms);
    int version = read_user_version(store->writer.db);
    if (version <= 0) {
        snprintf(err, err_size, "%s is not a chengguan database%s%s", store->path,
                 version < 0 ? ": " : "", version < 0 ? sqlite3_errmsg(store->writer.db) : "");
        return -1;
    }
    if (version > store_latest_schema_version()) {
        snprintf(err, err_size,
                 "the database %s has schema version %d, newer than this chengguan (%d); "
                 "use a newer chengguan",
                 store->path, version, store_latest_schema_version());
        return -1;
    }
    store->schema_version = version;
    return 0;
}

struct store *store_open(const struct store_options *options, char *err, size_t err_size)
{
    struct store *store = calloc(1, sizeof *store);
    if (store == NULL || (store->path = strdup(options->path)) == NULL) {
        snprintf(err, err_size, "out of memory");
        free(store);
        return NULL;
    }
    store->generation = atomic_fetch_add(&store_generations, 1);
    store->busy_timeout_ms = options->busy_timeout_ms > 0 ? options->busy_timeout_ms : 5000;
    pthread_mutex_init(&store->lock, NULL);
    pthread_cond_init(&store->queue_changed, NULL);
    pthread_cond_init(&store->jobs_done, NULL);
    if (options->read_only) {
        if (open_read_only(store, err, err_size) != 0) {
            store_close(store);
            return NULL;
        }
        return store;
    }
    sqlite3 *db = NULL;
    // The write connection makes every fsync; it opens through the VFS that times them.
    if (sqlite3_open_v2(options->path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        store_timed_vfs()) != SQLITE_OK) {
        snprintf(err, err_size, "cannot open database %s: %s", options->path, sqlite3_errmsg(db));
        sqlite3_close(db);
        store_close(store);
        return NULL;
    }
    store->writer.db = db;
    sqlite3_busy_timeout(db, store->busy_timeout_ms);
    const char *sync = options->durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
    if (exec_sql(db, "PRAGMA journal_mode=WAL") != SQLITE_OK || exec_sql(db, sync) != SQLITE_OK ||
        exec_sql(db, "PRAGMA foreign_keys=ON") != SQLITE_OK ||
        // Savepoints and sorts in memory: a write job never spills to temp files.
        exec_sql(db, "PRAGMA temp_store=MEMORY") != SQLITE_OK ||
        exec_sql(db, "PRAGMA journal_size_limit=67108864") != SQLITE_OK ||
        exec_sql(db, "PRAGMA wal_autocheckpoint=0") != SQLITE_OK) {
        snprintf(err, err_size, "cannot configure database %s: %s", options->path,
                 sqlite3_errmsg(db));
        store_close(store);
        return NULL;
    }
    if (options->cache_mb > 0) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA cache_size=-%lld",
                 (long long)options->cache_mb * 1024);
        exec_sql(db, pragma);
    }
    if (migrate(store, err, err_size) != 0) {
        store_close(store);
        return NULL;
    }
    sqlite3_wal_hook(db, wal_hook, store);
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
    if (store->writer.db != NULL && store->writer_running)
        sqlite3_wal_checkpoint_v2(store->writer.db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    conn_close(&store->writer);
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
    return atomic_load(&store->changes);
}

// Pages copied per backup step: 4 MiB at the default page size, so progress
// moves every few milliseconds.
enum { BACKUP_STEP_PAGES = 1024 };

// Opens the source for a backup and starts one read transaction on it, so that
// every step copies from the same snapshot: writes committed meanwhile neither
// show up in the copy nor restart it. Sets *version to the snapshot's
// user_version. Returns 0, or -1 with the reason in err.
static int backup_source_open(struct store *store, sqlite3 **source, int *version, char *err,
                              size_t err_size)
{
    if (sqlite3_open_v2(store->path, source, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, err_size, "cannot open %s: %s", store->path, sqlite3_errmsg(*source));
        return -1;
    }
    sqlite3_busy_timeout(*source, store->busy_timeout_ms);
    if (exec_sql(*source, "BEGIN") != SQLITE_OK || (*version = read_user_version(*source)) < 0) {
        snprintf(err, err_size, "cannot read %s: %s", store->path, sqlite3_errmsg(*source));
        return -1;
    }
    return 0;
}

// Copies the snapshot open on source into the file temp, reporting progress.
// Returns 0, or -1 with the reason in err.
static int backup_copy(sqlite3 *source, const char *temp,
                       const struct store_backup_progress *progress, char *err, size_t err_size)
{
    sqlite3 *dest = NULL;
    int rc = -1;
    if (sqlite3_open_v2(temp, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, err_size, "cannot open %s: %s", temp, sqlite3_errmsg(dest));
        goto done;
    }
    // The copy is a new file that is verified and fsynced before it is renamed into
    // place: a journal would only double the writes.
    exec_sql(dest, "PRAGMA journal_mode=OFF");
    exec_sql(dest, "PRAGMA synchronous=OFF");
    sqlite3_backup *backup = sqlite3_backup_init(dest, "main", source, "main");
    if (backup == NULL) {
        snprintf(err, err_size, "cannot start the backup: %s", sqlite3_errmsg(dest));
        goto done;
    }
    int step;
    while ((step = sqlite3_backup_step(backup, BACKUP_STEP_PAGES)) == SQLITE_OK ||
           step == SQLITE_BUSY || step == SQLITE_LOCKED) {
        if (step != SQLITE_OK)
            sqlite3_sleep(20);
        else if (progress != NULL && progress->fn != NULL)
            progress->fn(sqlite3_backup_pagecount(backup) - sqlite3_backup_remaining(backup),
                         sqlite3_backup_pagecount(backup), progress->data);
    }
    if (step == SQLITE_DONE && progress != NULL && progress->fn != NULL)
        progress->fn(sqlite3_backup_pagecount(backup), sqlite3_backup_pagecount(backup),
                     progress->data);
    sqlite3_backup_finish(backup);
    if (step != SQLITE_DONE) {
        snprintf(err, err_size, "the copy failed: %s", sqlite3_errstr(step));
        goto done;
    }
    rc = 0;
done:
    if (sqlite3_close(dest) != SQLITE_OK && rc == 0) {
        snprintf(err, err_size, "cannot close %s", temp);
        rc = -1;
    }
    return rc;
}

// Checks the copy in temp: PRAGMA integrity_check says ok and its user_version
// is version. Returns 0, or -1 with the reason in err.
static int backup_verify(const char *temp, int version, char *err, size_t err_size)
{
    sqlite3 *copy = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc = -1;
    // Read-write, so that closing removes the -wal and -shm files it makes.
    if (sqlite3_open_v2(temp, &copy, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, err_size, "cannot open the copy: %s", sqlite3_errmsg(copy));
        goto done;
    }
    int copied = read_user_version(copy);
    if (copied != version) {
        snprintf(err, err_size, "the copy has schema version %d, the database %d", copied, version);
        goto done;
    }
    if (sqlite3_prepare_v2(copy, "PRAGMA integrity_check", -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW) {
        snprintf(err, err_size, "cannot check the copy: %s", sqlite3_errmsg(copy));
        goto done;
    }
    const char *verdict = (const char *)sqlite3_column_text(stmt, 0);
    if (verdict == NULL || strcmp(verdict, "ok") != 0) {
        snprintf(err, err_size, "the copy fails its integrity check: %.200s",
                 verdict ? verdict : "(no answer)");
        goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(stmt);
    if (sqlite3_close(copy) != SQLITE_OK && rc == 0) {
        snprintf(err, err_size, "cannot close the copy");
        rc = -1;
    }
    return rc;
}

// fsyncs the file or directory at path. Returns 0 or -1 (errno set).
static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

// Makes the verified copy durable and gives it its name: fsync, a hard link to
// dest_path (which fails if that name was taken meanwhile), then the temporary
// name removed and the directory fsynced. Returns 0, or -1 with the reason in err.
static int backup_place(const char *temp, const char *dest_path, char *err, size_t err_size)
{
    if (fsync_path(temp, O_RDONLY) != 0) {
        snprintf(err, err_size, "cannot fsync %s: %s", temp, strerror(errno));
        return -1;
    }
    if (link(temp, dest_path) != 0) {
        snprintf(err, err_size, "cannot name the copy %s: %s", dest_path, strerror(errno));
        return -1;
    }
    unlink(temp);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", dest_path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else
        slash[slash == dir ? 1 : 0] = '\0';
    if (fsync_path(dir, O_RDONLY | O_DIRECTORY) != 0) {
        snprintf(err, err_size, "cannot fsync the directory %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

// Removes the temporary copy and any journal files SQLite left beside it.
static void backup_discard(const char *temp)
{
    static const char *const SUFFIXES[] = {"", "-journal", "-wal", "-shm"};
    char path[PATH_MAX + 16];
    for (size_t i = 0; i < sizeof SUFFIXES / sizeof SUFFIXES[0]; i++) {
        snprintf(path, sizeof path, "%s%s", temp, SUFFIXES[i]);
        unlink(path);
    }
}

int store_backup(struct store *store, const char *dest_path,
                 const struct store_backup_progress *progress, char *err, size_t err_size)
{
    struct stat st;
    if (lstat(dest_path, &st) == 0) {
        snprintf(err, err_size, "%s exists already; choose a new file", dest_path);
        return -1;
    }
    // The copy is made under a temporary name in the target's directory, so that
    // the final name only ever holds a complete, checked copy.
    char temp[PATH_MAX];
    if (snprintf(temp, sizeof temp, "%s.partial-XXXXXX", dest_path) >= (int)sizeof temp) {
        snprintf(err, err_size, "the path %s is too long", dest_path);
        return -1;
    }
    int fd = mkstemp(temp);
    if (fd < 0) {
        snprintf(err, err_size, "cannot create a file beside %s: %s", dest_path, strerror(errno));
        return -1;
    }
    close(fd);
    sqlite3 *source = NULL;
    int version = 0;
    int rc = backup_source_open(store, &source, &version, err, err_size);
    if (rc == 0)
        rc = backup_copy(source, temp, progress, err, err_size);
    // The snapshot ends here: the server's checkpoints may pass it again.
    sqlite3_close(source);
    if (rc == 0)
        rc = backup_verify(temp, version, err, err_size);
    if (rc == 0)
        rc = backup_place(temp, dest_path, err, err_size);
    backup_discard(temp);
    return rc;
}

bool store_integrity_ok(struct store *store)
{
    static const char SQL[] = "PRAGMA integrity_check";
    sqlite3_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return false;
    bool ok = sqlite3_step(stmt) == SQLITE_ROW &&
              strcmp((const char *)sqlite3_column_text(stmt, 0), "ok") == 0;
    store_stmt_done(stmt);
    return ok;
}
