// SPDX-License-Identifier: MIT
// The store: the engine-neutral interface every caller uses (result codes, an
// opaque handle, store_<noun>_<verb> functions in the store_*.h headers). No
// header under include/ names an engine's types: the store's logic lives in
// src/store/ (with its private header, src/store/engine.h), the SQLite engine in
// src/sqlite/. This header opens, migrates and closes a store and holds what
// every engine shares.
#ifndef CHENGGUAN_STORE_H
#define CHENGGUAN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

// Result codes of store functions. A write that returns anything but STORE_OK has
// changed nothing.
enum store_result {
    STORE_OK = 0,
    STORE_ERROR = -1,    // engine or I/O failure; details are in the log
    STORE_NOT_FOUND = 1, // no such row (or not visible to the caller)
    STORE_CONFLICT = 2,  // a unique key or version check failed
    STORE_INVALID = 3,   // the data breaks a rule the store enforces
    STORE_BUSY = 4,      // the store is shutting down
    STORE_FULL = 5,      // the disk (or the database) is full: nothing was written;
                         // reads go on, and writes succeed again once there is room
};

struct store_options {
    const char *path;    // database file
    bool durable;        // synchronous=FULL (default true); false = NORMAL
    int busy_timeout_ms; // default 5000
    bool read_only;      // open the file read-only (check, audit verify, backup's
                         // source): it must exist; nothing is migrated or created,
                         // and every write returns STORE_BUSY
    int cache_mb;        // page cache of the write connection in MiB; 0: the engine's
                         // default (a bulk load of a large city wants a few hundred)
};

// Opens the database, sets the pragmas (WAL, foreign keys, busy timeout), applies
// the embedded migrations in order (each in its own transaction), and starts the
// writer thread. Refuses a database whose schema is newer than this binary. With
// read_only, opens an existing file without writing to it (a missing file, or
// one that is no chengguan database, is refused) and starts no writer. Returns
// the store, or NULL with a message in err (at most err_size bytes).
struct store *store_open(const struct store_options *options, char *err, size_t err_size);

// Stops the writer after the queued writes, checkpoints the WAL (TRUNCATE) and
// closes every connection the calling thread owns. Other threads must have exited
// or stopped using the store. Accepts NULL.
void store_close(struct store *store);

// The schema version of the open database (PRAGMA user_version).
int store_schema_version(const struct store *store);

// Reads of the calling thread between these two see one snapshot and lock the
// database once (instead of once per statement): for a request that only reads.
// Never hold one across a write of the same thread: the write would not be seen.
void store_read_begin(struct store *store);
void store_read_end(struct store *store);

// True when the calling thread's last store call that returned STORE_ERROR
// failed because the database server could not be reached (PostgreSQL: the
// connection was lost, or cannot be made again); the HTTP layer answers 503
// then. Never true on SQLite. Cleared by store_read_begin and by each write.
bool store_unreachable(void);

// A number that grows with every batch of writes committed to the database, by
// this process or any other sharing it (a second server, the CLI): equal numbers
// mean no write came between. Read on the calling thread's read connection, so
// inside store_read_begin it belongs to the snapshot the request reads. For
// ETags of answers that read the store.
uint64_t store_changes(struct store *store);

// Writes a database location (a file path, a postgres:// URL) into out as it
// may be printed or logged: a password in it is hidden. Returns out.
const char *store_location_shown(const char *location, char *out, size_t size);

// The newest schema version this binary knows.
int store_latest_schema_version(void);

// The engine behind the store ("sqlite", "postgres") and the version of its
// library, for the build information of the metrics. Static strings.
const char *store_engine_name(const struct store *store);
const char *store_engine_version(const struct store *store);

// Current time in Unix epoch milliseconds. Every timestamp the store writes is made
// here, never by SQL.
int64_t store_now_ms(void);

// For tools and tests only (the server never calls it): makes store_now_ms return
// now(ctx) instead of the real time, process-wide, so that a generator can write
// a case as of two years ago and its transitions at later times, with deadlines
// and stage verdicts following from the calendar exactly as in production.
// store_set_clock(NULL, NULL) restores the real clock. now must be safe to call
// from the store's writer thread. Set it while no other thread reads the time
// (before starting threads, or from a store_bulk function the caller waits on).
void store_set_clock(int64_t (*now)(void *ctx), void *ctx);

// Where store_backup reports how far it got: fn(pages copied, pages in all,
// data) after each step, the last call with both equal.
struct store_backup_progress {
    void (*fn)(int64_t copied, int64_t total, void *data);
    void *data;
};

// Writes a consistent copy of the whole database to dest_path (which must not
// exist) while others keep reading and writing. The copy is taken from one
// snapshot in one pass, so its time depends on the size alone, not on how much
// is written meanwhile (writes committed during the copy are not in it). It is
// written under a temporary name beside dest_path, checked (integrity check and
// schema version), fsynced and only then given its name; on failure nothing is
// left. progress may be NULL. Returns 0, or -1 with the reason in err.
int store_backup(struct store *store, const char *dest_path,
                 const struct store_backup_progress *progress, char *err, size_t err_size);

// Calls fn(name, plan_line, data) for each line of the query plan of every
// statement that must stay fast at a city's scale (list pages, search, the
// overview counts), named for people ("list: open cases by deadline"). The plan
// lines are the engine's own words. Returns STORE_OK or STORE_ERROR.
int store_explain(struct store *store, void (*fn)(const char *name, const char *plan, void *data),
                  void *data);

// True when the counts the overview reads (kept by the write path) equal a
// recount of the stored cases and ratings. Reads every case: for `chengguan
// check` and tests, not for requests.
bool store_tally_consistent(struct store *store);

// Runs `PRAGMA integrity_check` on a read connection. Returns true when "ok".
bool store_integrity_ok(struct store *store);

#endif
