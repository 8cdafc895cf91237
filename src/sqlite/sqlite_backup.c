// SPDX-License-Identifier: MIT
// The SQLite engine's online backup (store_backup): one read snapshot copied
// page by page with SQLite's backup API into a temporary file beside the
// target, checked (integrity and schema version), fsynced and only then given
// its name.
#include "sqlite_engine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>

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
    if (sqlite3_open_v2(store_location(store), source, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, err_size, "cannot open %s: %s", store_location(store),
                 sqlite3_errmsg(*source));
        return -1;
    }
    sqlite3_busy_timeout(*source, store_busy_timeout_ms(store));
    if (sqlite_exec(*source, "BEGIN") != STORE_OK ||
        (*version = sqlite_user_version(*source)) < 0) {
        snprintf(err, err_size, "cannot read %s: %s", store_location(store),
                 sqlite3_errmsg(*source));
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
    sqlite_exec(dest, "PRAGMA journal_mode=OFF");
    sqlite_exec(dest, "PRAGMA synchronous=OFF");
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
    int copied = sqlite_user_version(copy);
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

int sqlite_backup(struct store *store, const char *dest_path,
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
