// SPDX-License-Identifier: MIT
// A pass-through VFS over the default one that times each fsync (xSync) for the
// metrics: the write connection opens through it, so the time a commit spends
// waiting for the disk is seen apart from the rest of the commit. Every other
// call goes straight to the file or VFS underneath.
#include "sqlite_engine.h"

#include "metrics.h"

#include <pthread.h>
#include <stdbool.h>

// A file of this VFS: the header SQLite sees, then the real file of the VFS
// underneath (szOsFile makes room for it).
struct timed_file {
    sqlite3_file base;
    sqlite3_file *real;
    bool wal; // the write-ahead log (a commit's fsync), else the database (a checkpoint's)
};

// Where the real file starts: after ours, aligned for any type it holds.
#define TIMED_HEADER ((sizeof(struct timed_file) + 15) / 16 * 16)

static sqlite3_vfs timed_vfs;
static bool timed_vfs_ready;
static pthread_once_t timed_vfs_once = PTHREAD_ONCE_INIT;

static sqlite3_vfs *root(sqlite3_vfs *vfs)
{
    return vfs->pAppData;
}

static sqlite3_file *real(sqlite3_file *file)
{
    return ((struct timed_file *)file)->real;
}

static int file_sync(sqlite3_file *file, int flags)
{
    int64_t started = store_monotonic_us();
    int rc = real(file)->pMethods->xSync(real(file), flags);
    metrics_store_fsync(((struct timed_file *)file)->wal, store_monotonic_us() - started);
    return rc;
}

static int file_close(sqlite3_file *file)
{
    return real(file)->pMethods->xClose(real(file));
}

static int file_read(sqlite3_file *file, void *buffer, int amount, sqlite3_int64 offset)
{
    return real(file)->pMethods->xRead(real(file), buffer, amount, offset);
}

static int file_write(sqlite3_file *file, const void *buffer, int amount, sqlite3_int64 offset)
{
    return real(file)->pMethods->xWrite(real(file), buffer, amount, offset);
}

static int file_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    return real(file)->pMethods->xTruncate(real(file), size);
}

static int file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    return real(file)->pMethods->xFileSize(real(file), size);
}

static int file_lock(sqlite3_file *file, int level)
{
    return real(file)->pMethods->xLock(real(file), level);
}

static int file_unlock(sqlite3_file *file, int level)
{
    return real(file)->pMethods->xUnlock(real(file), level);
}

static int file_check_reserved(sqlite3_file *file, int *out)
{
    return real(file)->pMethods->xCheckReservedLock(real(file), out);
}

static int file_control(sqlite3_file *file, int op, void *arg)
{
    return real(file)->pMethods->xFileControl(real(file), op, arg);
}

static int file_sector_size(sqlite3_file *file)
{
    return real(file)->pMethods->xSectorSize(real(file));
}

static int file_device(sqlite3_file *file)
{
    return real(file)->pMethods->xDeviceCharacteristics(real(file));
}

static int file_shm_map(sqlite3_file *file, int page, int size, int extend, void volatile **out)
{
    return real(file)->pMethods->xShmMap(real(file), page, size, extend, out);
}

static int file_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    return real(file)->pMethods->xShmLock(real(file), offset, n, flags);
}

static void file_shm_barrier(sqlite3_file *file)
{
    real(file)->pMethods->xShmBarrier(real(file));
}

static int file_shm_unmap(sqlite3_file *file, int delete_flag)
{
    return real(file)->pMethods->xShmUnmap(real(file), delete_flag);
}

static int file_fetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out)
{
    return real(file)->pMethods->xFetch(real(file), offset, amount, out);
}

static int file_unfetch(sqlite3_file *file, sqlite3_int64 offset, void *page)
{
    return real(file)->pMethods->xUnfetch(real(file), offset, page);
}

// One method table per version the file underneath may have, so SQLite never
// calls through to a method that file lacks (version 2 adds shared memory,
// version 3 memory-mapped pages).
#define TIMED_METHODS(version)                                                                     \
    {                                                                                              \
        .iVersion = version, .xClose = file_close, .xRead = file_read, .xWrite = file_write,       \
        .xTruncate = file_truncate, .xSync = file_sync, .xFileSize = file_size,                    \
        .xLock = file_lock, .xUnlock = file_unlock, .xCheckReservedLock = file_check_reserved,     \
        .xFileControl = file_control, .xSectorSize = file_sector_size,                             \
        .xDeviceCharacteristics = file_device, .xShmMap = file_shm_map, .xShmLock = file_shm_lock, \
        .xShmBarrier = file_shm_barrier, .xShmUnmap = file_shm_unmap, .xFetch = file_fetch,        \
        .xUnfetch = file_unfetch                                                                   \
    }
static const sqlite3_io_methods TIMED_METHODS_BY_VERSION[] = {
    TIMED_METHODS(1),
    TIMED_METHODS(2),
    TIMED_METHODS(3),
};

static int vfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                    int *out_flags)
{
    struct timed_file *timed = (struct timed_file *)file;
    timed->real = (sqlite3_file *)((char *)file + TIMED_HEADER);
    timed->wal = (flags & SQLITE_OPEN_WAL) != 0;
    int rc = root(vfs)->xOpen(root(vfs), name, timed->real, flags, out_flags);
    // SQLite closes a file whose open failed only when its methods are set.
    const sqlite3_io_methods *methods = timed->real->pMethods;
    if (methods == NULL) {
        file->pMethods = NULL;
    } else {
        int version = methods->iVersion < 1 ? 1 : methods->iVersion > 3 ? 3 : methods->iVersion;
        file->pMethods = &TIMED_METHODS_BY_VERSION[version - 1];
    }
    return rc;
}

static int vfs_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    return root(vfs)->xDelete(root(vfs), name, sync_dir);
}

static int vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    return root(vfs)->xAccess(root(vfs), name, flags, out);
}

static int vfs_full_pathname(sqlite3_vfs *vfs, const char *name, int size, char *out)
{
    return root(vfs)->xFullPathname(root(vfs), name, size, out);
}

static int vfs_randomness(sqlite3_vfs *vfs, int size, char *out)
{
    return root(vfs)->xRandomness(root(vfs), size, out);
}

static int vfs_sleep(sqlite3_vfs *vfs, int microseconds)
{
    return root(vfs)->xSleep(root(vfs), microseconds);
}

static int vfs_current_time(sqlite3_vfs *vfs, double *out)
{
    return root(vfs)->xCurrentTime(root(vfs), out);
}

static int vfs_last_error(sqlite3_vfs *vfs, int size, char *out)
{
    return root(vfs)->xGetLastError(root(vfs), size, out);
}

static int vfs_current_time_ms(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    return root(vfs)->xCurrentTimeInt64(root(vfs), out);
}

static void vfs_register(void)
{
    sqlite3_vfs *underneath = sqlite3_vfs_find(NULL);
    if (underneath == NULL || underneath->iVersion < 2)
        return;
    timed_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)TIMED_HEADER + underneath->szOsFile,
        .mxPathname = underneath->mxPathname,
        .zName = "chengguan-timed",
        .pAppData = underneath,
        .xOpen = vfs_open,
        .xDelete = vfs_delete,
        .xAccess = vfs_access,
        .xFullPathname = vfs_full_pathname,
        .xRandomness = vfs_randomness,
        .xSleep = vfs_sleep,
        .xCurrentTime = vfs_current_time,
        .xGetLastError = vfs_last_error,
        .xCurrentTimeInt64 = vfs_current_time_ms,
    };
    timed_vfs_ready = sqlite3_vfs_register(&timed_vfs, 0) == SQLITE_OK;
}

const char *store_timed_vfs(void)
{
    pthread_once(&timed_vfs_once, vfs_register);
    return timed_vfs_ready ? timed_vfs.zName : NULL;
}
