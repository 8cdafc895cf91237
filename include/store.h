// SPDX-License-Identifier: MIT
// The store: the only module family that speaks SQL (store*.c). This file holds
// the engine room: opening and migrating the database, per-thread read
// connections with persistent prepared statements, and the single write path
// (group commit: concurrent writes share one transaction and one fsync).
#ifndef CHENGGUAN_STORE_H
#define CHENGGUAN_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_tx;

// Result codes of store functions. Domain functions may return their own positive
// codes from a write job (e.g. STORE_CONFLICT); those roll the job back.
enum store_result {
    STORE_OK = 0,
    STORE_ERROR = -1,    // SQLite or I/O failure; details are in the log
    STORE_NOT_FOUND = 1, // no such row (or not visible to the caller)
    STORE_CONFLICT = 2,  // a unique key or version check failed
    STORE_INVALID = 3,   // the data breaks a rule the store enforces
    STORE_BUSY = 4,      // the store is shutting down
};

struct store_options {
    const char *path;     // database file
    bool durable;         // synchronous=FULL (default true); false = NORMAL
    int busy_timeout_ms;  // default 5000
    bool read_only_check; // open without migrating (for `chengguan audit verify`)
};

// Opens the database, sets the pragmas (WAL, foreign keys, busy timeout), applies
// the embedded migrations in order (each in its own transaction), and starts the
// writer thread. Refuses a database whose schema is newer than this binary. Returns
// the store, or NULL with a message in err (at most err_size bytes).
struct store *store_open(const struct store_options *options, char *err, size_t err_size);

// Stops the writer after the queued writes, checkpoints the WAL (TRUNCATE) and
// closes every connection the calling thread owns. Other threads must have exited
// or stopped using the store. Accepts NULL.
void store_close(struct store *store);

// The schema version of the open database (PRAGMA user_version).
int store_schema_version(const struct store *store);

// The newest schema version this binary knows.
int store_latest_schema_version(void);

// Returns the calling thread's read-only statement for sql, prepared once per
// thread with SQLITE_PREPARE_PERSISTENT. sql must be a string with static storage
// (it is cached by address). Returns NULL on error (logged). After use, call
// store_stmt_done. Never use it to write.
sqlite3_stmt *store_read_stmt(struct store *store, const char *sql);

// Resets the statement and clears its bindings so the next user starts clean.
void store_stmt_done(sqlite3_stmt *stmt);

// Runs job(tx, data) on the write connection inside a transaction shared with the
// other writes queued at the same moment (each job in its own savepoint), and
// returns when the batch is on disk. The job returns STORE_OK to keep its changes,
// anything else to roll back just its own changes; that value is returned. If the
// commit itself fails, STORE_ERROR is returned and nothing of the job is kept.
// A job must not call store_write (deadlock) nor do anything irreversible outside
// the database.
int store_write(struct store *store, int (*job)(struct store_tx *tx, void *data), void *data);

// Returns the write connection's statement for sql (static storage, cached by
// address); call store_stmt_done after use. NULL on error.
sqlite3_stmt *store_tx_stmt(struct store_tx *tx, const char *sql);

// Binds helpers: by parameter name (":name"). A missing name is a programming
// error and is logged. Text is copied (SQLITE_TRANSIENT); NULL binds NULL.
void store_bind_text(sqlite3_stmt *stmt, const char *name, const char *value);
void store_bind_int(sqlite3_stmt *stmt, const char *name, int64_t value);
void store_bind_double(sqlite3_stmt *stmt, const char *name, double value);
void store_bind_blob(sqlite3_stmt *stmt, const char *name, const void *data, size_t len);
void store_bind_null(sqlite3_stmt *stmt, const char *name);

// Binds an id, or NULL when id <= 0 (no such reference).
void store_bind_id(sqlite3_stmt *stmt, const char *name, int64_t id);

// Copies a text column of the current row into out (size bytes, truncated, NUL
// terminated); NULL reads as "".
void store_column_copy(char *out, size_t size, sqlite3_stmt *stmt, int column);

// Steps a statement expected to yield at most one row. Returns STORE_OK with the
// row ready, STORE_NOT_FOUND, STORE_CONFLICT on a constraint violation, or
// STORE_ERROR (logged). The caller still calls store_stmt_done.
int store_step_row(sqlite3_stmt *stmt);

// Steps a statement that returns no rows (or whose rows are ignored). Returns
// STORE_OK, STORE_CONFLICT on a constraint violation, or STORE_ERROR (logged).
int store_exec_stmt(sqlite3_stmt *stmt);

// Current time in Unix epoch milliseconds. Every timestamp the store writes is made
// here, never by SQL.
int64_t store_now_ms(void);

// Writes a consistent copy of the whole database to dest_path (which must not
// exist) while others keep reading and writing (SQLite's online backup). Returns
// 0, or -1 with the reason in err.
int store_backup(struct store *store, const char *dest_path, char *err, size_t err_size);

// Runs `PRAGMA integrity_check` on a read connection. Returns true when "ok".
bool store_integrity_ok(struct store *store);

#endif
