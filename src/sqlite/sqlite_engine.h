// SPDX-License-Identifier: MIT
// The SQLite engine's private header, shared by the files of src/sqlite/ and by
// nothing else: its connection and statement, and what its files lend each
// other (command execution, the schema version, the timed VFS, backup,
// explain). Only this folder includes sqlite3.h.
#ifndef CHENGGUAN_SQLITE_ENGINE_H
#define CHENGGUAN_SQLITE_ENGINE_H

#include "../store/engine.h"

#include <sqlite3.h>

// A connection: the handle, and for the writer the WAL's size after its last
// commit (from the WAL hook), which decides when a checkpoint is due.
struct store_db {
    sqlite3 *handle;
    int wal_pages;
};

// Opens the database at path with flags through vfs (NULL: the default one),
// with the busy timeout set. Returns the connection, or NULL with SQLite's
// message in err. The caller closes it with sqlite_db_close.
struct store_db *sqlite_db_open(const char *path, int flags, const char *vfs, int busy_timeout_ms,
                                char *err, size_t err_size);
void sqlite_db_close(struct store_db *db);

// Runs sql (one or more commands) on handle, logging a failure other than a
// full disk. Returns STORE_OK, STORE_FULL or STORE_ERROR.
int sqlite_exec(sqlite3 *handle, const char *sql);

// The database's PRAGMA user_version, or -1 when it cannot be read.
int sqlite_user_version(sqlite3 *handle);

// The name of the VFS that times each fsync for the metrics (store_vfs.c), to
// open the write connection with; NULL (the default VFS) when it could not be
// registered.
const char *store_timed_vfs(void);

// The engine's store_backup, and its plan of one statement (store_explain).
int sqlite_backup(struct store *store, const char *dest_path,
                  const struct store_backup_progress *progress, char *err, size_t err_size);
int sqlite_explain(struct store_db *db, const char *name, const char *sql,
                   void (*fn)(const char *name, const char *plan, void *data), void *data);

#endif
