// SPDX-License-Identifier: MIT
// The indexed-read floor of the benchmark: GET /row/:id answers one row of
// case_record, read by primary key from the database chengguan uses, as a JSON
// object of its columns (blobs left out). A sensible minimal server: the epoll
// thread pool of floor.c, one read-only connection per worker thread with its
// statement prepared once, the JSON written straight into one buffer (the floor
// is the least work a correct server can do, so it carries no JSON library).
#include "floor.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW_PREFIX "/row/"

static const char ROW_SQL[] = "SELECT * FROM case_record WHERE id = ?1";
static const char NOT_FOUND[] = "{\"error\":\"not found\"}";

// One worker thread's connection and statement.
struct reader {
    sqlite3 *db;
    sqlite3_stmt *row;
};

// A growing output buffer; `failed` once an allocation failed.
struct buffer {
    char *data;
    size_t length, capacity;
    int failed;
};

static const char *db_path;
static pthread_key_t reader_key;
static _Thread_local struct reader *thread_reader;

static void reader_close(void *data)
{
    struct reader *reader = data;
    sqlite3_finalize(reader->row);
    sqlite3_close(reader->db);
    free(reader);
}

// The calling thread's reader, opened on first use; NULL on failure (logged).
static struct reader *reader_get(void)
{
    if (thread_reader != NULL)
        return thread_reader;
    struct reader *reader = calloc(1, sizeof *reader);
    if (reader == NULL)
        return NULL;
    if (sqlite3_open_v2(db_path, &reader->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v3(reader->db, ROW_SQL, -1, SQLITE_PREPARE_PERSISTENT, &reader->row,
                           NULL) != SQLITE_OK) {
        fprintf(stderr, "floor_read: %s: %s\n", db_path, sqlite3_errmsg(reader->db));
        reader_close(reader);
        return NULL;
    }
    sqlite3_busy_timeout(reader->db, 5000);
    pthread_setspecific(reader_key, reader);
    thread_reader = reader;
    return reader;
}

// Makes room for `more` bytes; false (and `failed` set) when out of memory.
static int buffer_reserve(struct buffer *out, size_t more)
{
    if (out->failed)
        return 0;
    if (out->length + more <= out->capacity)
        return 1;
    size_t capacity = out->capacity ? out->capacity : 1024;
    while (capacity < out->length + more)
        capacity *= 2;
    char *data = realloc(out->data, capacity);
    if (data == NULL) {
        out->failed = 1;
        return 0;
    }
    out->data = data;
    out->capacity = capacity;
    return 1;
}

static void buffer_append(struct buffer *out, const char *text, size_t length)
{
    if (buffer_reserve(out, length)) {
        memcpy(out->data + out->length, text, length);
        out->length += length;
    }
}

// Appends `text` as a JSON string: quotes, backslashes and control characters
// escaped, UTF-8 (what SQLite stores) passed through.
static void buffer_append_string(struct buffer *out, const unsigned char *text)
{
    static const char HEX[] = "0123456789abcdef";
    buffer_append(out, "\"", 1);
    for (const unsigned char *p = text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            char escaped[2] = {'\\', (char)*p};
            buffer_append(out, escaped, 2);
        } else if (*p < 0x20) {
            char escaped[6] = {'\\', 'u', '0', '0', HEX[*p >> 4], HEX[*p & 15]};
            buffer_append(out, escaped, 6);
        } else {
            size_t run = 1;
            while (p[run] >= 0x20 && p[run] != '"' && p[run] != '\\')
                run++;
            buffer_append(out, (const char *)p, run);
            p += run - 1;
        }
    }
    buffer_append(out, "\"", 1);
}

// Appends column `i` of the current row as `"name":value` (a blob as null).
static void buffer_append_column(struct buffer *out, sqlite3_stmt *stmt, int i)
{
    char number[32];
    int length = 0;
    buffer_append_string(out, (const unsigned char *)sqlite3_column_name(stmt, i));
    buffer_append(out, ":", 1);
    switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
        length = snprintf(number, sizeof number, "%lld", (long long)sqlite3_column_int64(stmt, i));
        buffer_append(out, number, (size_t)length);
        break;
    case SQLITE_FLOAT:
        length = snprintf(number, sizeof number, "%.17g", sqlite3_column_double(stmt, i));
        buffer_append(out, number, (size_t)length);
        break;
    case SQLITE_TEXT:
        buffer_append_string(out, sqlite3_column_text(stmt, i));
        break;
    default:
        buffer_append(out, "null", 4);
        break;
    }
}

// Replies with the row of `id`: 200 with its columns, 404, or 500.
static enum MHD_Result reply_row(struct MHD_Connection *connection, sqlite3_int64 id)
{
    struct reader *reader = reader_get();
    if (reader == NULL)
        return floor_reply_constant(connection, 500, "{\"error\":\"no database connection\"}");
    sqlite3_bind_int64(reader->row, 1, id);
    struct buffer out = {0};
    int rc = sqlite3_step(reader->row);
    if (rc == SQLITE_ROW) {
        buffer_append(&out, "{", 1);
        for (int i = 0; i < sqlite3_column_count(reader->row); i++) {
            if (i > 0)
                buffer_append(&out, ",", 1);
            buffer_append_column(&out, reader->row, i);
        }
        buffer_append(&out, "}", 1);
    }
    sqlite3_reset(reader->row);
    if (rc == SQLITE_ROW && !out.failed)
        return floor_reply(connection, 200, out.data, out.length, 1);
    free(out.data);
    if (rc == SQLITE_DONE)
        return floor_reply_constant(connection, 404, NOT_FOUND);
    fprintf(stderr, "floor_read: %s\n", sqlite3_errmsg(reader->db));
    return floor_reply_constant(connection, 500, "{\"error\":\"database error\"}");
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *connection, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)cls, (void)version, (void)upload_data, (void)upload_data_size;
    // Reply from the second call: a reply queued on the first one makes
    // libmicrohttpd close the connection instead of keeping it alive.
    static int seen;
    if (*con_cls == NULL) {
        *con_cls = &seen;
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 || strncmp(url, ROW_PREFIX, strlen(ROW_PREFIX)) != 0)
        return floor_reply_constant(connection, 404, NOT_FOUND);
    const char *digits = url + strlen(ROW_PREFIX);
    size_t length = strlen(digits);
    if (length == 0 || length > 18 || strspn(digits, "0123456789") != length)
        return floor_reply_constant(connection, 404, NOT_FOUND);
    return reply_row(connection, strtoll(digits, NULL, 10));
}

int main(int argc, char **argv)
{
    struct floor_options options;
    if (floor_parse_options(argc, argv, &options) != 0)
        return 2;
    db_path = options.db_path;
    pthread_key_create(&reader_key, reader_close);
    // Refuse a database without case_record at start, not on the first request.
    if (reader_get() == NULL)
        return 1;
    return floor_serve(&options, on_access, NULL, NULL) == 0 ? 0 : 1;
}
