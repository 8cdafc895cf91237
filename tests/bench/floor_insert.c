// SPDX-License-Identifier: MIT
// The insert floor of the benchmark: POST /insert stores the request body as one
// row of its own table, one transaction per request, in WAL mode with
// synchronous=NORMAL (a commit does not wait for fsync), and answers 201
// {"id":N}. A sensible minimal server: the epoll thread pool of floor.c and one
// write connection behind a mutex with its statement prepared once.
#include "floor.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BODY_MAX (64 * 1024)

static const char SCHEMA_SQL[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS floor_insert (id INTEGER PRIMARY KEY, body TEXT NOT NULL,"
    " created_at INTEGER NOT NULL)";
static const char INSERT_SQL[] = "INSERT INTO floor_insert (body, created_at) VALUES (?1, ?2)";

// The one writer: its connection and statement, used under `lock`.
static struct {
    pthread_mutex_t lock;
    sqlite3 *db;
    sqlite3_stmt *insert;
} writer = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL};

// A request's body as it arrives.
struct body {
    size_t length;
    int too_large;
    char data[BODY_MAX];
};

static long long now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

// Inserts one row in its own transaction. Returns its id, or -1 (logged).
static long long insert_row(const char *data, size_t length)
{
    pthread_mutex_lock(&writer.lock);
    sqlite3_bind_text(writer.insert, 1, data, (int)length, SQLITE_STATIC);
    sqlite3_bind_int64(writer.insert, 2, now_ms());
    int rc = sqlite3_step(writer.insert);
    long long id = rc == SQLITE_DONE ? sqlite3_last_insert_rowid(writer.db) : -1;
    if (rc != SQLITE_DONE)
        fprintf(stderr, "floor_insert: %s\n", sqlite3_errmsg(writer.db));
    sqlite3_reset(writer.insert);
    sqlite3_clear_bindings(writer.insert);
    pthread_mutex_unlock(&writer.lock);
    return id;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *connection, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)cls, (void)version;
    // Replies come from the last call (after the body): a reply queued on the
    // first one makes libmicrohttpd close the connection.
    struct body *body = *con_cls;
    if (body == NULL) {
        if ((body = malloc(sizeof *body)) == NULL)
            return MHD_NO;
        body->length = 0;
        body->too_large = 0;
        *con_cls = body;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (*upload_data_size > BODY_MAX - body->length)
            body->too_large = 1;
        else
            memcpy(body->data + body->length, upload_data, *upload_data_size);
        body->length += body->too_large ? 0 : *upload_data_size;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST") != 0 || strcmp(url, "/insert") != 0)
        return floor_reply_constant(connection, 404, "{\"error\":\"not found\"}");
    if (body->too_large)
        return floor_reply_constant(connection, 413, "{\"error\":\"body too large\"}");
    long long id = insert_row(body->data, body->length);
    if (id < 0)
        return floor_reply_constant(connection, 500, "{\"error\":\"database error\"}");
    char reply[40];
    int length = snprintf(reply, sizeof reply, "{\"id\":%lld}", id);
    char *owned = malloc((size_t)length);
    if (owned == NULL)
        return MHD_NO;
    memcpy(owned, reply, (size_t)length);
    return floor_reply(connection, 201, owned, (size_t)length, 1);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)connection, (void)code;
    free(*con_cls);
    *con_cls = NULL;
}

int main(int argc, char **argv)
{
    struct floor_options options;
    if (floor_parse_options(argc, argv, &options) != 0)
        return 2;
    if (sqlite3_open_v2(options.db_path, &writer.db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        sqlite3_exec(writer.db, SCHEMA_SQL, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(writer.db, INSERT_SQL, -1, SQLITE_PREPARE_PERSISTENT, &writer.insert,
                           NULL) != SQLITE_OK) {
        fprintf(stderr, "floor_insert: %s: %s\n", options.db_path, sqlite3_errmsg(writer.db));
        sqlite3_close(writer.db);
        return 1;
    }
    sqlite3_busy_timeout(writer.db, 5000);
    int status = floor_serve(&options, on_access, on_completed, NULL) == 0 ? 0 : 1;
    sqlite3_finalize(writer.insert);
    sqlite3_close(writer.db);
    return status;
}
