// SPDX-License-Identifier: MIT
// Photos of cases: the content-addressed files (temporary file, fsync, rename,
// fsync of the directory) and the attachment rows, written in one job after the
// file is durable, with the caps, the open-case rule and reuse detection. Only
// this file speaks the SQL of the attachment tables.
#include "store_attachments.h"

#include "store_cases.h"

#include "log.h"
#include "engine.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const STAGES[] = {"report", "before", "after",   "verify",
                                     "check",  "arrive", "progress"};

bool store_attachment_hash_valid(const char *hash)
{
    if (hash == NULL)
        return false;
    size_t n = 0;
    for (; hash[n] != '\0'; n++)
        if (n >= STORE_ATTACHMENT_HASH_LEN ||
            !((hash[n] >= '0' && hash[n] <= '9') || (hash[n] >= 'a' && hash[n] <= 'f')))
            return false;
    return n == STORE_ATTACHMENT_HASH_LEN;
}

bool store_attachment_stage_valid(const char *stage)
{
    if (stage == NULL)
        return false;
    for (size_t i = 0; i < sizeof STAGES / sizeof STAGES[0]; i++)
        if (strcmp(stage, STAGES[i]) == 0)
            return true;
    return false;
}

bool store_attachment_allowed(enum casefsm_state state, bool self_handled, int64_t closed_at,
                              int64_t now_ms, const char *stage)
{
    if (!store_attachment_stage_valid(stage))
        return false;
    if (casefsm_state_is_open(state))
        return true;
    return state == CASEFSM_STATE_CLOSED && self_handled &&
           (strcmp(stage, "before") == 0 || strcmp(stage, "after") == 0) &&
           now_ms - closed_at <= STORE_ATTACHMENT_SELF_HANDLED_WINDOW_MS;
}

void store_attachment_hash(const void *data, size_t len,
                           char hash_out[STORE_ATTACHMENT_HASH_LEN + 1])
{
    unsigned char digest[32];
    crypto_generichash(digest, sizeof digest, data, len, NULL, 0);
    sodium_bin2hex(hash_out, STORE_ATTACHMENT_HASH_LEN + 1, digest, sizeof digest);
}

// ---- files

// Makes the photo's directory path (or the file path when hash is set) in out.
// Returns false when it does not fit.
static bool photo_path(char *out, size_t size, const char *data_dir, const char *hash, bool file)
{
    int n = file ? snprintf(out, size, "%s/photos/%.2s/%s", data_dir, hash, hash)
                 : snprintf(out, size, "%s/photos/%.2s", data_dir, hash);
    return n > 0 && (size_t)n < size;
}

static int fsync_directory(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

// Creates directory path if missing; a new one is made durable by fsyncing parent.
static int ensure_directory(const char *path, const char *parent)
{
    if (mkdir(path, 0750) == 0)
        return fsync_directory(parent);
    return errno == EEXIST ? 0 : -1;
}

static int write_all(int fd, const unsigned char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

// Writes data to a new temporary file in dir, fsyncs it and renames it to path.
static int write_and_rename(const char *dir, const char *path, const char *hash, const void *data,
                            size_t len)
{
    unsigned char nonce[8];
    char nonce_hex[17], temp[PATH_MAX];
    randombytes_buf(nonce, sizeof nonce);
    sodium_bin2hex(nonce_hex, sizeof nonce_hex, nonce, sizeof nonce);
    int n = snprintf(temp, sizeof temp, "%s/.tmp-%s-%s", dir, hash, nonce_hex);
    if (n <= 0 || (size_t)n >= sizeof temp)
        return -1;
    int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    int rc = write_all(fd, data, len) == 0 && fsync(fd) == 0 ? 0 : -1;
    if (close(fd) != 0)
        rc = -1;
    if (rc == 0 && rename(temp, path) != 0)
        rc = -1;
    if (rc != 0) {
        int saved = errno;
        unlink(temp);
        errno = saved;
    }
    return rc;
}

// The hashes whose files requests are writing or attaching right now, with how
// many requests hold each: a file is only removed when nobody holds its hash and
// no row names it (store_attachment_release_file), so that one request's refusal
// never removes the file another request is about to attach.
struct held_hash {
    char hash[STORE_ATTACHMENT_HASH_LEN + 1];
    int holders;
};
static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static struct held_hash *held_hashes;
static size_t held_count, held_capacity;

// Adds one holder to hash. Returns 0, or -1 out of memory. Call with held_lock.
static int hold_hash(const char *hash)
{
    for (size_t i = 0; i < held_count; i++)
        if (strcmp(held_hashes[i].hash, hash) == 0) {
            held_hashes[i].holders++;
            return 0;
        }
    if (held_count == held_capacity) {
        size_t capacity = held_capacity ? held_capacity * 2 : 16;
        struct held_hash *grown = realloc(held_hashes, capacity * sizeof *grown);
        if (grown == NULL)
            return -1;
        held_hashes = grown;
        held_capacity = capacity;
    }
    snprintf(held_hashes[held_count].hash, sizeof held_hashes[held_count].hash, "%s", hash);
    held_hashes[held_count++].holders = 1;
    return 0;
}

// Takes one holder from hash. Returns how many remain. Call with held_lock.
static int unhold_hash(const char *hash)
{
    for (size_t i = 0; i < held_count; i++)
        if (strcmp(held_hashes[i].hash, hash) == 0) {
            int left = --held_hashes[i].holders;
            if (left == 0)
                held_hashes[i] = held_hashes[--held_count];
            return left;
        }
    return 0;
}

// STORE_OK when a row names the photo hash, else STORE_NOT_FOUND or STORE_ERROR.
static int hash_referenced(struct store *store, const char *hash)
{
    static const char SQL[] = "SELECT 1 FROM attachment WHERE hash = :hash";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":hash", hash);
    int rc = store_step_row(stmt);
    store_stmt_done(stmt);
    return rc;
}

// Writes the file (or finds it there). Returns STORE_OK, STORE_FULL or STORE_ERROR.
static int save_file(struct store *store, const char *data_dir, const char *hash, const void *data,
                     size_t len)
{
    char photos[PATH_MAX], dir[PATH_MAX], path[PATH_MAX];
    if (!store_attachment_hash_valid(hash) ||
        snprintf(photos, sizeof photos, "%s/photos", data_dir) >= (int)sizeof photos ||
        !photo_path(dir, sizeof dir, data_dir, hash, false) ||
        !photo_path(path, sizeof path, data_dir, hash, true)) {
        log_error("store: bad photo hash or data directory path");
        return STORE_ERROR;
    }
    bool ok = ensure_directory(photos, data_dir) == 0 && ensure_directory(dir, photos) == 0;
    struct stat st;
    bool present = ok && stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == len;
    // A file found there is written again as far as the sweep of another server
    // starting meanwhile is concerned: young files are never swept.
    if (present)
        utimensat(AT_FDCWD, path, NULL, 0);
    // Even a present file gets its directory fsynced: the writer that renamed it
    // may not have reached its own fsync yet.
    ok = ok && (present || write_and_rename(dir, path, hash, data, len) == 0) &&
         fsync_directory(dir) == 0;
    if (!ok && (errno == ENOSPC || errno == EDQUOT)) {
        store_disk_state(store, true);
        return STORE_FULL;
    }
    if (!ok) {
        log_error("store: cannot write photo %s: %s", path, strerror(errno));
        return STORE_ERROR;
    }
    return STORE_OK;
}

int store_attachment_save_file(struct store *store, const char *data_dir, const char *hash,
                               const void *data, size_t len)
{
    pthread_mutex_lock(&held_lock);
    int held_ok = hold_hash(hash);
    pthread_mutex_unlock(&held_lock);
    if (held_ok != 0)
        return STORE_ERROR;
    int rc = save_file(store, data_dir, hash, data, len);
    if (rc != STORE_OK)
        store_attachment_release_file(store, data_dir, hash);
    return rc;
}

void store_attachment_release_file(struct store *store, const char *data_dir, const char *hash)
{
    char path[PATH_MAX];
    pthread_mutex_lock(&held_lock);
    // A file no row names and no other request holds is nobody's: a refused or
    // failed upload. (On a failed query the file stays; the sweep at start has it.)
    if (unhold_hash(hash) == 0 && hash_referenced(store, hash) == STORE_NOT_FOUND &&
        photo_path(path, sizeof path, data_dir, hash, true))
        unlink(path);
    pthread_mutex_unlock(&held_lock);
}

// Removes dir/name when it is a temporary file or the file of a photo no row
// names, and was last written before `before` (Unix seconds): on storage that
// other servers share, a younger one may be an upload of theirs whose row is not
// committed yet. Returns 1 when removed, else 0.
static int sweep_entry(struct store *store, const char *dir, const char *name, time_t before)
{
    char path[PATH_MAX];
    struct stat st;
    bool temporary = strncmp(name, ".tmp-", 5) == 0;
    if (!temporary && !store_attachment_hash_valid(name))
        return 0;
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path ||
        lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_mtime >= before)
        return 0;
    if (!temporary && hash_referenced(store, name) != STORE_NOT_FOUND)
        return 0;
    return unlink(path) == 0 ? 1 : 0;
}

int store_attachment_sweep(struct store *store, const char *data_dir, int *removed)
{
    char photos[PATH_MAX], dir[PATH_MAX];
    *removed = 0;
    if (snprintf(photos, sizeof photos, "%s/photos", data_dir) >= (int)sizeof photos)
        return STORE_ERROR;
    DIR *top = opendir(photos);
    if (top == NULL)
        return errno == ENOENT ? STORE_OK : STORE_ERROR;
    time_t before = time(NULL) - STORE_SWEEP_MIN_AGE_S;
    struct dirent *sub;
    while ((sub = readdir(top)) != NULL) {
        // Only the two-hex-digit folders photo_path makes.
        if (strlen(sub->d_name) != 2 || !isxdigit((unsigned char)sub->d_name[0]) ||
            !isxdigit((unsigned char)sub->d_name[1]) ||
            snprintf(dir, sizeof dir, "%s/%s", photos, sub->d_name) >= (int)sizeof dir)
            continue;
        DIR *files = opendir(dir);
        if (files == NULL)
            continue;
        struct dirent *file;
        while ((file = readdir(files)) != NULL)
            *removed += sweep_entry(store, dir, file->d_name, before);
        closedir(files);
    }
    closedir(top);
    return STORE_OK;
}

int store_attachment_open_file(const char *data_dir, const char *hash, uint64_t *size)
{
    char path[PATH_MAX];
    if (!store_attachment_hash_valid(hash) || !photo_path(path, sizeof path, data_dir, hash, true))
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    *size = (uint64_t)st.st_size;
    return fd;
}

// ---- rows

// CASE WHEN instead of summing a comparison: one text for every engine.
static const char SQL_COUNTS[] =
    "SELECT count(*), coalesce(sum(CASE WHEN stage = :stage THEN 1 ELSE 0 END), 0), "
    "coalesce(sum(CASE WHEN stage = :stage AND hash = :hash THEN 1 ELSE 0 END), 0) "
    "FROM case_attachment WHERE case_id = :case_id";

static int read_counts(struct store_stmt *stmt, int64_t case_id, const char *stage,
                       const char *hash, struct store_attachment_counts *out)
{
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case_id", case_id);
    store_bind_text(stmt, ":stage", stage);
    store_bind_text(stmt, ":hash", hash);
    int rc = store_step(stmt);
    if (rc == STORE_ROW) {
        out->total = store_col_int(stmt, 0);
        out->in_stage = store_col_int(stmt, 1);
        out->present = store_col_int(stmt, 2) > 0;
    } else {
        log_error("store: counting photos failed: %s", store_stmt_error(stmt));
    }
    store_stmt_done(stmt);
    return rc == STORE_ROW ? STORE_OK : STORE_ERROR;
}

int store_attachment_counts(struct store *store, int64_t case_id, const char *stage,
                            const char *hash, struct store_attachment_counts *out)
{
    *out = (struct store_attachment_counts){0};
    return read_counts(store_read_stmt(store, SQL_COUNTS), case_id, stage, hash, out);
}

struct add_job {
    const struct store_attachment_new *photo;
    struct store_attachment_outcome *out;
    int64_t now;
};

// Re-reads the case inside the transaction and applies the open-case rule.
static int job_check_case(struct store_tx *tx, const struct add_job *job)
{
    static const char SQL[] =
        "SELECT state, self_handled, coalesce(closed_at, 0) FROM case_record WHERE id = :id";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", job->photo->case_id);
    int rc = store_step(stmt), result = STORE_NOT_FOUND;
    if (rc == STORE_ROW) {
        int state = casefsm_state_from_name(store_col_text(stmt, 0));
        bool allowed = state >= 0 && store_attachment_allowed(
                                         (enum casefsm_state)state, store_col_int(stmt, 1) != 0,
                                         store_col_int64(stmt, 2), job->now, job->photo->stage);
        result = allowed ? STORE_OK : STORE_CONFLICT;
    } else if (rc != STORE_DONE) {
        result = STORE_ERROR;
    }
    store_stmt_done(stmt);
    return result;
}

static int job_insert_rows(struct store_tx *tx, const struct add_job *job)
{
    static const char SQL_ATTACHMENT[] =
        "INSERT INTO attachment (hash, mime, size, created_at) "
        "VALUES (:hash, :mime, :size, :now) ON CONFLICT (hash) DO NOTHING";
    static const char SQL_LINK[] =
        "INSERT INTO case_attachment (case_id, hash, stage, uploaded_by, created_at) "
        "VALUES (:case_id, :hash, :stage, :uploaded_by, :now)";
    const struct store_attachment_new *p = job->photo;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL_ATTACHMENT);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":hash", p->hash);
    store_bind_text(stmt, ":mime", p->mime);
    store_bind_int(stmt, ":size", p->size);
    store_bind_int(stmt, ":now", job->now);
    int rc = store_exec_stmt(stmt);
    if (rc != STORE_OK)
        return STORE_ERROR;
    if ((stmt = store_tx_stmt(tx, SQL_LINK)) == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case_id", p->case_id);
    store_bind_text(stmt, ":hash", p->hash);
    store_bind_text(stmt, ":stage", p->stage);
    if (p->uploaded_by > 0)
        store_bind_int(stmt, ":uploaded_by", p->uploaded_by);
    else
        store_bind_null(stmt, ":uploaded_by");
    store_bind_int(stmt, ":now", job->now);
    return store_exec_stmt(stmt) == STORE_OK ? STORE_OK : STORE_ERROR;
}

static int job_flag_case(struct store_tx *tx, int64_t case_id, int64_t now)
{
    static const char SQL[] = "UPDATE case_record SET photo_reused = TRUE, updated_at = :now "
                              "WHERE id = :id AND NOT photo_reused";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", case_id);
    store_bind_int(stmt, ":now", now);
    return store_exec_stmt(stmt) == STORE_OK ? STORE_OK : STORE_ERROR;
}

// Finds the other cases holding the photo (the reuse rule of the outcome) and
// flags them and this case.
static int job_detect_reuse(struct store_tx *tx, const struct add_job *job)
{
    static const char SQL[] = "SELECT DISTINCT c.id, c.case_no FROM case_attachment a "
                              "JOIN case_record c ON c.id = a.case_id "
                              "WHERE a.hash = :hash AND a.case_id <> :case_id "
                              "AND (a.stage <> 'report' OR :stage <> 'report') ORDER BY c.id";
    struct store_attachment_outcome *out = job->out;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":hash", job->photo->hash);
    store_bind_int(stmt, ":case_id", job->photo->case_id);
    store_bind_text(stmt, ":stage", job->photo->stage);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        if (out->reused_count < STORE_ATTACHMENT_REUSED_MAX) {
            out->reused_id[out->reused_count] = store_col_int64(stmt, 0);
            snprintf(out->reused_case_no[out->reused_count], sizeof out->reused_case_no[0], "%s",
                     store_col_text(stmt, 1));
        }
        out->reused_count++;
    }
    store_stmt_done(stmt);
    if (rc != STORE_DONE)
        return STORE_ERROR;
    if (out->reused_count == 0)
        return STORE_OK;
    // Flag all of them (also those past the listed ones), then this case.
    static const char SQL_ALL[] =
        "UPDATE case_record SET photo_reused = TRUE, updated_at = :now WHERE NOT photo_reused "
        "AND id IN (SELECT case_id FROM case_attachment WHERE hash = :hash "
        "AND case_id <> :case_id AND (stage <> 'report' OR :stage <> 'report'))";
    if ((stmt = store_tx_stmt(tx, SQL_ALL)) == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":now", job->now);
    store_bind_text(stmt, ":hash", job->photo->hash);
    store_bind_int(stmt, ":case_id", job->photo->case_id);
    store_bind_text(stmt, ":stage", job->photo->stage);
    if (store_exec_stmt(stmt) != STORE_OK)
        return STORE_ERROR;
    return job_flag_case(tx, job->photo->case_id, job->now);
}

// Records the photo in the case's event log, and the reuse flag in the log of
// every other case listed as holding it.
static int job_log(struct store_tx *tx, const struct add_job *job)
{
    const struct store_attachment_new *p = job->photo;
    const struct store_attachment_outcome *out = job->out;
    cJSON *facts = cJSON_CreateObject();
    cJSON_AddStringToObject(facts, "hash", p->hash);
    cJSON_AddStringToObject(facts, "stage", p->stage);
    if (out->reused_count > 0)
        cJSON_AddBoolToObject(facts, "photo_reused", true);
    char *text = cJSON_PrintUnformatted(facts);
    cJSON_Delete(facts);
    if (text == NULL)
        return STORE_ERROR;
    const char *role = p->actor_role ? p->actor_role : "citizen";
    int rc = store_case_note_tx(tx, p->case_id, "attach", p->uploaded_by, role, p->actor_name, NULL,
                                NULL, text);
    int listed = out->reused_count < STORE_ATTACHMENT_REUSED_MAX ? out->reused_count
                                                                 : STORE_ATTACHMENT_REUSED_MAX;
    for (int i = 0; rc == STORE_OK && i < listed; i++)
        rc = store_case_note_tx(tx, out->reused_id[i], "flag-photo-reuse", p->uploaded_by, role,
                                p->actor_name, "the same photo was attached to another case", NULL,
                                text);
    free(text);
    return rc;
}

// On-site evidence (verify, check) that is already on the case at another stage
// is not new evidence: flag the case and log it, attach nothing. Returns
// STORE_OK (out->refused tells) or STORE_ERROR.
static int job_refuse_own_reuse(struct store_tx *tx, const struct add_job *job)
{
    static const char SQL[] = "SELECT stage FROM case_attachment WHERE case_id = :case_id "
                              "AND hash = :hash AND stage <> :stage ORDER BY id LIMIT 1";
    const struct store_attachment_new *p = job->photo;
    if (strcmp(p->stage, "check") != 0 && strcmp(p->stage, "verify") != 0)
        return STORE_OK;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case_id", p->case_id);
    store_bind_text(stmt, ":hash", p->hash);
    store_bind_text(stmt, ":stage", p->stage);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK) {
        job->out->refused = true;
        store_column_copy(job->out->refused_stage, sizeof job->out->refused_stage, stmt, 0);
    }
    store_stmt_done(stmt);
    if (rc != STORE_OK)
        return rc == STORE_NOT_FOUND ? STORE_OK : STORE_ERROR;
    if (job_flag_case(tx, p->case_id, job->now) != STORE_OK)
        return STORE_ERROR;
    cJSON *facts = cJSON_CreateObject();
    cJSON_AddStringToObject(facts, "hash", p->hash);
    cJSON_AddStringToObject(facts, "stage", p->stage);
    cJSON_AddStringToObject(facts, "already_as", job->out->refused_stage);
    char *text = cJSON_PrintUnformatted(facts);
    cJSON_Delete(facts);
    if (text == NULL)
        return STORE_ERROR;
    rc = store_case_note_tx(tx, p->case_id, "flag-photo-reuse", p->uploaded_by,
                            p->actor_role ? p->actor_role : "citizen", p->actor_name,
                            "a photo already on the case was handed in again as new evidence", NULL,
                            text);
    free(text);
    return rc;
}

static int add_job_run(struct store_tx *tx, void *data)
{
    struct add_job *job = data;
    const struct store_attachment_new *p = job->photo;
    int rc = job_check_case(tx, job);
    if (rc != STORE_OK)
        return rc;
    if ((rc = job_refuse_own_reuse(tx, job)) != STORE_OK || job->out->refused)
        return rc;
    struct store_attachment_counts counts = {0};
    if (read_counts(store_tx_stmt(tx, SQL_COUNTS), p->case_id, p->stage, p->hash, &counts) !=
        STORE_OK)
        return STORE_ERROR;
    if (!counts.present) {
        if (p->max_total > 0 && counts.total >= p->max_total) {
            job->out->limit = p->max_total;
            return STORE_INVALID;
        }
        if (p->max_in_stage > 0 && counts.in_stage >= p->max_in_stage) {
            job->out->limit = p->max_in_stage;
            return STORE_INVALID;
        }
        if ((rc = job_insert_rows(tx, job)) != STORE_OK)
            return rc;
        job->out->created = true;
    }
    if ((rc = job_detect_reuse(tx, job)) != STORE_OK || !job->out->created)
        return rc;
    return job_log(tx, job);
}

int store_attachment_add_tx(struct store_tx *tx, const struct store_attachment_new *photo,
                            struct store_attachment_outcome *out)
{
    *out = (struct store_attachment_outcome){0};
    if (!store_attachment_hash_valid(photo->hash) || !store_attachment_stage_valid(photo->stage) ||
        photo->mime == NULL)
        return STORE_INVALID;
    struct add_job job = {photo, out, store_now_ms()};
    int rc = add_job_run(tx, &job);
    if (rc != STORE_OK) {
        int limit = out->limit;
        *out = (struct store_attachment_outcome){.limit = limit};
    }
    return rc;
}

struct add_call {
    const struct store_attachment_new *photo;
    struct store_attachment_outcome *out;
};

static int add_call_run(struct store_tx *tx, void *data)
{
    struct add_call *call = data;
    return store_attachment_add_tx(tx, call->photo, call->out);
}

int store_attachment_add(struct store *store, const struct store_attachment_new *photo,
                         struct store_attachment_outcome *out)
{
    *out = (struct store_attachment_outcome){0};
    if (!store_attachment_hash_valid(photo->hash) || !store_attachment_stage_valid(photo->stage) ||
        photo->mime == NULL)
        return STORE_INVALID;
    struct add_call call = {photo, out};
    int rc = store_write(store, add_call_run, &call);
    if (rc != STORE_OK) {
        int limit = out->limit;
        *out = (struct store_attachment_outcome){.limit = limit};
    }
    return rc;
}

int store_attachment_get(struct store *store, const char *hash, char *mime, size_t mime_size,
                         int64_t *size)
{
    static const char SQL[] = "SELECT mime, size FROM attachment WHERE hash = :hash";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":hash", hash);
    int rc = store_step(stmt), result = STORE_NOT_FOUND;
    if (rc == STORE_ROW) {
        snprintf(mime, mime_size, "%s", store_col_text(stmt, 0));
        *size = store_col_int64(stmt, 1);
        result = STORE_OK;
    } else if (rc != STORE_DONE) {
        result = STORE_ERROR;
    }
    store_stmt_done(stmt);
    return result;
}

int store_attachment_cases(struct store *store, const char *hash,
                           bool (*fn)(int64_t case_id, void *data), void *data)
{
    static const char SQL[] =
        "SELECT DISTINCT case_id FROM case_attachment WHERE hash = :hash ORDER BY case_id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":hash", hash);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW)
        if (fn(store_col_int64(stmt, 0), data)) {
            rc = STORE_DONE;
            break;
        }
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

int store_case_attachments(struct store *store, int64_t case_id,
                           void (*fn)(const char *hash, const char *mime, int64_t size,
                                      const char *stage, int64_t created_at, void *data),
                           void *data)
{
    static const char SQL[] = "SELECT a.hash, t.mime, t.size, a.stage, a.created_at "
                              "FROM case_attachment a JOIN attachment t ON t.hash = a.hash "
                              "WHERE a.case_id = :case_id ORDER BY a.id";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case_id", case_id);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW)
        fn(store_col_text(stmt, 0), store_col_text(stmt, 1), store_col_int64(stmt, 2),
           store_col_text(stmt, 3), store_col_int64(stmt, 4), data);
    store_stmt_done(stmt);
    if (rc != STORE_DONE) {
        log_error("store: listing photos of case %lld failed", (long long)case_id);
        return STORE_ERROR;
    }
    return STORE_OK;
}

int store_upload_add_tx(struct store_tx *tx, int64_t user_id, const char *hash, const char *mime,
                        int64_t size)
{
    static const char SQL_ATTACHMENT[] =
        "INSERT INTO attachment (hash, mime, size, created_at) "
        "VALUES (:hash, :mime, :size, :now) ON CONFLICT (hash) DO NOTHING";
    static const char SQL_UPLOAD[] =
        "INSERT INTO upload (user_id, hash, created_at) VALUES (:user, :hash, :now) "
        "ON CONFLICT (user_id, hash) DO UPDATE SET created_at = excluded.created_at";
    if (!store_attachment_hash_valid(hash) || mime == NULL || user_id <= 0)
        return STORE_INVALID;
    int64_t now = store_now_ms();
    struct store_stmt *attachment = store_tx_stmt(tx, SQL_ATTACHMENT);
    struct store_stmt *upload = store_tx_stmt(tx, SQL_UPLOAD);
    if (attachment == NULL || upload == NULL)
        return STORE_ERROR;
    store_bind_text(attachment, ":hash", hash);
    store_bind_text(attachment, ":mime", mime);
    store_bind_int(attachment, ":size", size);
    store_bind_int(attachment, ":now", now);
    if (store_exec_stmt(attachment) != STORE_OK)
        return STORE_ERROR;
    store_bind_int(upload, ":user", user_id);
    store_bind_text(upload, ":hash", hash);
    store_bind_int(upload, ":now", now);
    return store_exec_stmt(upload) == STORE_OK ? STORE_OK : STORE_ERROR;
}

struct upload_job {
    int64_t user_id;
    const char *hash, *mime;
    int64_t size;
};

static int upload_job_run(struct store_tx *tx, void *data)
{
    struct upload_job *job = data;
    return store_upload_add_tx(tx, job->user_id, job->hash, job->mime, job->size);
}

int store_upload_add(struct store *store, int64_t user_id, const char *hash, const char *mime,
                     int64_t size)
{
    if (!store_attachment_hash_valid(hash) || mime == NULL || user_id <= 0)
        return STORE_INVALID;
    struct upload_job job = {user_id, hash, mime, size};
    return store_write(store, upload_job_run, &job);
}

bool store_upload_held(struct store *store, int64_t user_id, const char *hash, int64_t since_ms)
{
    static const char SQL[] = "SELECT 1 FROM upload WHERE user_id = :user AND hash = :hash "
                              "AND created_at >= :since";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return false;
    store_bind_int(stmt, ":user", user_id);
    store_bind_text(stmt, ":hash", hash);
    store_bind_int(stmt, ":since", since_ms);
    bool held = store_step_row(stmt) == STORE_OK;
    store_stmt_done(stmt);
    return held;
}
