// SPDX-License-Identifier: MIT
// Tables as CSV or XLSX attachments (export.h). CSV is rendered a batch at a time
// into a buffer that libmicrohttpd's content reader drains; XLSX is written by
// libxlsxwriter (constant memory: one row in memory) into an anonymous file of
// the data directory on an export worker, then served from its descriptor.
#include "export.h"

#include "arena.h"
#include "errors.h"
#include "log.h"
#include "request.h"
#include "server.h"
#include "workqueue.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define CHINA_OFFSET_S (8 * 3600) // UTC+8, no daylight saving
#define CSV_TYPE       "text/csv; charset=utf-8"
#define XLSX_TYPE      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define CSV_BLOCK      (16 * 1024) // libmicrohttpd's buffer for a streamed answer

// Where cells go: a CSV buffer, or an XLSX worksheet.
struct export_sink {
    enum export_format format;
    const struct export_table *table;
    size_t column; // the next cell's column
    // CSV: rendered text not yet sent; out_of_memory once a write failed.
    char *text;
    size_t len, capacity;
    bool out_of_memory;
    // XLSX: the sheet, the row being written (0 is the header) and the formats.
    lxw_worksheet *sheet;
    uint32_t row;
    lxw_format *time_format, *percent_format, *decimal_format;
    lxw_error error; // the first failure of a write
    bool too_many_rows;
};

// ---- cells ----

static void csv_append(struct export_sink *sink, const char *bytes, size_t len)
{
    if (sink->out_of_memory)
        return;
    if (sink->len + len > sink->capacity) {
        size_t capacity = sink->capacity ? sink->capacity : 64 * 1024;
        while (capacity < sink->len + len)
            capacity *= 2;
        char *grown = realloc(sink->text, capacity);
        if (grown == NULL) {
            sink->out_of_memory = true;
            return;
        }
        sink->text = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->text + sink->len, bytes, len);
    sink->len += len;
}

// The separator before a cell of the row (none before the first).
static void csv_separate(struct export_sink *sink)
{
    if (sink->column > 0)
        csv_append(sink, ",", 1);
}

// A text field as RFC 4180 has it: quoted when it holds a quote, comma or line
// break (quotes doubled). A text that a spreadsheet would take for a formula
// (= + - @, and the tab and carriage return that can hide one) starts with an
// apostrophe, which the spreadsheet shows as text.
static void csv_text(struct export_sink *sink, const char *text)
{
    bool guard = text[0] != '\0' && strchr("=+-@\t\r", text[0]) != NULL;
    bool quote = strpbrk(text, "\",\r\n") != NULL;
    if (quote)
        csv_append(sink, "\"", 1);
    if (guard)
        csv_append(sink, "'", 1);
    for (const char *p = text; *p != '\0';) {
        size_t run = strcspn(p, "\"");
        csv_append(sink, p, run);
        p += run;
        if (*p == '"') {
            csv_append(sink, "\"\"", 2);
            p++;
        }
    }
    if (quote)
        csv_append(sink, "\"", 1);
}

// Fills a broken-down time of epoch_ms in China's time zone.
static void china_time(int64_t epoch_ms, struct tm *out)
{
    time_t seconds = (time_t)(epoch_ms / 1000) + CHINA_OFFSET_S;
    gmtime_r(&seconds, out);
}

static bool cell_wanted(struct export_sink *sink)
{
    return sink->column < sink->table->column_count;
}

// True when an XLSX cell may be written: no earlier failure, and its row fits
// the sheet (else the export is refused as too big).
static bool xlsx_cell_ok(struct export_sink *sink)
{
    if (sink->row >= LXW_ROW_MAX)
        sink->too_many_rows = true;
    return sink->error == LXW_NO_ERROR && !sink->too_many_rows;
}

void export_text(struct export_sink *sink, const char *text)
{
    if (!cell_wanted(sink))
        return;
    if (text == NULL)
        text = "";
    if (sink->format == EXPORT_CSV) {
        csv_separate(sink);
        csv_text(sink, text);
    } else if (text[0] != '\0' && xlsx_cell_ok(sink)) {
        sink->error =
            worksheet_write_string(sink->sheet, sink->row, (lxw_col_t)sink->column, text, NULL);
    }
    sink->column++;
}

void export_integer(struct export_sink *sink, int64_t value)
{
    if (!cell_wanted(sink))
        return;
    if (sink->format == EXPORT_CSV) {
        char digits[24];
        int len = snprintf(digits, sizeof digits, "%lld", (long long)value);
        csv_separate(sink);
        csv_append(sink, digits, (size_t)len);
    } else if (xlsx_cell_ok(sink)) {
        sink->error = worksheet_write_number(sink->sheet, sink->row, (lxw_col_t)sink->column,
                                             (double)value, NULL);
    }
    sink->column++;
}

void export_time(struct export_sink *sink, int64_t epoch_ms)
{
    if (!cell_wanted(sink))
        return;
    if (epoch_ms <= 0) {
        export_empty(sink);
        return;
    }
    if (sink->format == EXPORT_CSV) {
        struct tm t;
        china_time(epoch_ms, &t);
        char text[32];
        size_t len = strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &t);
        csv_separate(sink);
        csv_append(sink, text, len);
    } else if (xlsx_cell_ok(sink)) {
        // A date cell has no zone: it shows the wall-clock time in China.
        sink->error = worksheet_write_unixtime(sink->sheet, sink->row, (lxw_col_t)sink->column,
                                               epoch_ms / 1000 + CHINA_OFFSET_S, sink->time_format);
    }
    sink->column++;
}

// A number cell: CSV text printed from value with printf's format, XLSX the
// number (unrounded) in the cell format given.
static void number_cell(struct export_sink *sink, const char *csv_format, double csv_value,
                        double value, lxw_format *format)
{
    if (!cell_wanted(sink))
        return;
    if (sink->format == EXPORT_CSV) {
        char digits[48];
        int len = snprintf(digits, sizeof digits, csv_format, csv_value);
        csv_separate(sink);
        csv_append(sink, digits, (size_t)len);
    } else if (xlsx_cell_ok(sink)) {
        sink->error =
            worksheet_write_number(sink->sheet, sink->row, (lxw_col_t)sink->column, value, format);
    }
    sink->column++;
}

void export_percent(struct export_sink *sink, double ratio)
{
    number_cell(sink, "%.1f%%", ratio * 100, ratio, sink->percent_format);
}

void export_decimal(struct export_sink *sink, double value)
{
    // %.15g of the value rounded to 0.01: 82.5 stays "82.5", not "82.50".
    number_cell(sink, "%.15g", round(value * 100) / 100, value, sink->decimal_format);
}

void export_empty(struct export_sink *sink)
{
    if (!cell_wanted(sink))
        return;
    if (sink->format == EXPORT_CSV)
        csv_separate(sink);
    sink->column++;
}

void export_row_end(struct export_sink *sink)
{
    while (sink->column < sink->table->column_count)
        export_empty(sink);
    sink->column = 0;
    if (sink->format == EXPORT_CSV) {
        csv_append(sink, "\r\n", 2);
        return;
    }
    sink->row++;
}

bool export_format_parse(const char *text, enum export_format *out)
{
    if (text != NULL && strcmp(text, "csv") == 0)
        *out = EXPORT_CSV;
    else if (text != NULL && strcmp(text, "xlsx") == 0)
        *out = EXPORT_XLSX;
    else
        return false;
    return true;
}

struct arena *export_arena(void)
{
    return arena_create();
}

static void free_table(struct export_table *table)
{
    arena_destroy(table->arena);
    table->arena = NULL;
}

// ---- the attachment's name ----

// Content-Disposition for <stem>-<today in China>.<extension>: filename= for old
// clients (non-ASCII bytes as '_') and filename*= (RFC 5987) with the UTF-8 name.
static const char *disposition(struct request *req, const char *stem, const char *file_date,
                               const char *extension)
{
    struct tm today;
    china_time((int64_t)time(NULL) * 1000, &today);
    char date[16];
    strftime(date, sizeof date, "%Y%m%d", &today);
    const char *name =
        arena_printf(req->arena, "%s-%s.%s", stem, file_date ? file_date : date, extension);
    size_t len = name ? strlen(name) : 0;
    char *ascii = arena_alloc(req->arena, len + 1);
    char *encoded = arena_alloc(req->arena, 3 * len + 1);
    if (name == NULL || ascii == NULL || encoded == NULL)
        return NULL;
    static const char HEX[] = "0123456789ABCDEF";
    size_t used = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     strchr("!#$&+-.^_`|~", c) != NULL;
        ascii[i] = plain ? (char)c : '_';
        if (plain) {
            encoded[used++] = (char)c;
        } else {
            encoded[used++] = '%';
            encoded[used++] = HEX[c >> 4];
            encoded[used++] = HEX[c & 15];
        }
    }
    ascii[len] = '\0';
    encoded[used] = '\0';
    return arena_printf(req->arena, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii,
                        encoded);
}

// ---- CSV, streamed ----

struct csv_stream {
    struct export_table table;
    struct export_sink sink;
    size_t sent; // bytes of sink.text already handed to libmicrohttpd
    bool last;   // the source said EXPORT_DONE
};

static void csv_header(struct export_sink *sink)
{
    csv_append(sink, "\xEF\xBB\xBF", 3); // the BOM: Excel then reads UTF-8
    for (size_t i = 0; i < sink->table->column_count; i++) {
        csv_separate(sink);
        csv_text(sink, sink->table->columns[i].title);
        sink->column++;
    }
    sink->column = 0;
    csv_append(sink, "\r\n", 2);
}

// libmicrohttpd's content reader: hands out the rendered text, asking the source
// for the next batch whenever it is used up.
static ssize_t csv_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct csv_stream *stream = cls;
    struct export_sink *sink = &stream->sink;
    while (stream->sent == sink->len) {
        if (stream->last)
            return MHD_CONTENT_READER_END_OF_STREAM;
        sink->len = 0;
        stream->sent = 0;
        enum export_batch batch = stream->table.next(stream->table.source, sink);
        if (batch == EXPORT_FAILED || sink->out_of_memory) {
            log_error("export: %s.csv cut short: %s", stream->table.file_stem,
                      sink->out_of_memory ? "out of memory" : "the rows could not be read");
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        stream->last = batch == EXPORT_DONE;
    }
    size_t n = sink->len - stream->sent;
    if (n > max)
        n = max;
    memcpy(buf, sink->text + stream->sent, n);
    stream->sent += n;
    return (ssize_t)n;
}

static void csv_free(void *cls)
{
    struct csv_stream *stream = cls;
    free_table(&stream->table);
    free(stream->sink.text);
    free(stream);
}

static int reply_csv(struct request *req, struct export_table *table)
{
    struct csv_stream *stream = calloc(1, sizeof *stream);
    if (stream == NULL) {
        free_table(table);
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    }
    stream->table = *table;
    stream->sink = (struct export_sink){.format = EXPORT_CSV, .table = &stream->table};
    csv_header(&stream->sink);
    struct MHD_Response *response =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, CSV_BLOCK, csv_read, stream, csv_free);
    if (response == NULL) {
        csv_free(stream);
        return request_reply_error(req, 500, ERR_INTERNAL, "could not start the export");
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, CSV_TYPE);
    return request_reply_response(req, 200, response);
}

// ---- XLSX, built off the HTTP threads ----

struct xlsx_job {
    struct export_table table;
    const char *disposition; // request memory
};

// Opens a file in dir for the workbook: an anonymous one (O_TMPFILE) that no
// name ever points to, written through /proc/self/fd; else a named one, which
// the caller unlinks once written (*named true). Returns the descriptor or -1.
static int xlsx_file(const char *dir, char *path, size_t size, bool *named)
{
    *named = false;
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) {
        snprintf(path, size, "/proc/self/fd/%d", fd);
        return fd;
    }
    snprintf(path, size, "%s/.export-XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    *named = fd >= 0;
    return fd;
}

// Writes the header row: bold, frozen, with an autofilter, and the widths.
static lxw_error xlsx_header(lxw_workbook *book, struct export_sink *sink)
{
    lxw_format *bold = workbook_add_format(book);
    format_set_bold(bold);
    const struct export_table *table = sink->table;
    lxw_error error = LXW_NO_ERROR;
    for (size_t i = 0; i < table->column_count && error == LXW_NO_ERROR; i++) {
        const struct export_column *column = &table->columns[i];
        worksheet_set_column(sink->sheet, (lxw_col_t)i, (lxw_col_t)i, column->width, NULL);
        error = worksheet_write_string(sink->sheet, 0, (lxw_col_t)i, column->title, bold);
    }
    worksheet_freeze_panes(sink->sheet, 1, 0);
    worksheet_autofilter(sink->sheet, 0, 0, 0, (lxw_col_t)(table->column_count - 1));
    sink->row = 1;
    return error;
}

// Writes every row of the table into the workbook at path. Returns 0, 422 when
// the rows do not fit a sheet, or 500 (logged).
static int xlsx_write(const char *path, const char *dir, const struct export_table *table)
{
    lxw_workbook_options options = {
        .constant_memory = LXW_TRUE, .tmpdir = (char *)(uintptr_t)dir, .use_zip64 = LXW_TRUE};
    lxw_workbook *book = workbook_new_opt(path, &options);
    if (book == NULL)
        return 500;
    struct export_sink sink = {.format = EXPORT_XLSX, .table = table};
    sink.sheet = workbook_add_worksheet(book, table->sheet_name);
    sink.time_format = workbook_add_format(book);
    format_set_num_format(sink.time_format, "yyyy-mm-dd hh:mm:ss");
    sink.percent_format = workbook_add_format(book);
    format_set_num_format(sink.percent_format, "0.0%");
    sink.decimal_format = workbook_add_format(book);
    format_set_num_format(sink.decimal_format, "0.00");
    enum export_batch batch = EXPORT_FAILED;
    if (sink.sheet != NULL && xlsx_header(book, &sink) == LXW_NO_ERROR) {
        do
            batch = table->next(table->source, &sink);
        while (batch == EXPORT_MORE && sink.error == LXW_NO_ERROR && !sink.too_many_rows);
    }
    lxw_error closed = workbook_close(book);
    if (sink.too_many_rows)
        return 422;
    if (batch != EXPORT_DONE || sink.error != LXW_NO_ERROR || closed != LXW_NO_ERROR) {
        log_error("export: %s.xlsx failed: %s", table->file_stem,
                  batch == EXPORT_FAILED       ? "the rows could not be read"
                  : sink.error != LXW_NO_ERROR ? lxw_strerror(sink.error)
                                               : lxw_strerror(closed));
        return 500;
    }
    return 0;
}

// Builds the file and sets the reply (the attachment's Content-Disposition only
// with the file); frees the table.
static void xlsx_build(struct request *req, struct export_table *table, const char *disposition)
{
    const char *dir = req->server->config.data_dir;
    char path[4096];
    bool named;
    int fd = xlsx_file(dir, path, sizeof path, &named);
    int status = fd >= 0 ? xlsx_write(path, dir, table) : 500;
    if (fd < 0)
        log_error("export: cannot create a file in %s: %s", dir, strerror(errno));
    if (named)
        unlink(path);
    free_table(table);
    struct stat st;
    if (status == 0 && fstat(fd, &st) != 0)
        status = 500;
    if (status != 0) {
        if (fd >= 0)
            close(fd);
        if (status == 422)
            request_reply_error(req, 422, ERR_UNPROCESSABLE,
                                "more than %d rows do not fit a spreadsheet: narrow the filters "
                                "or export CSV",
                                EXPORT_XLSX_ROWS_MAX);
        else
            request_reply_error(req, 500, ERR_INTERNAL, "could not build the spreadsheet");
        return;
    }
    request_add_header(req, "Content-Disposition", disposition);
    request_reply_fd(req, 200, XLSX_TYPE, fd, (uint64_t)st.st_size);
}

static struct workqueue workers = WORKQUEUE_INIT;
static bool workers_running;

static void xlsx_run(struct workqueue_item *item)
{
    struct request *req = (struct request *)((char *)item - offsetof(struct request, pool_item));
    struct xlsx_job *job = req->on_suspended_data;
    log_set_request(req->request_id);
    xlsx_build(req, &job->table, job->disposition);
    log_set_request(NULL);
    free(job);
    request_resume(req);
}

static void xlsx_submit(struct request *req)
{
    workqueue_push(&workers, &req->pool_item);
}

int export_workers_start(void)
{
    // libxlsxwriter's zip writer needs more than a tiny stack: the default one.
    if (workqueue_start(&workers, EXPORT_WORKERS, 0, xlsx_run) == 0) {
        log_error("cannot start the export threads");
        return -1;
    }
    workers_running = true;
    return 0;
}

void export_workers_stop(void)
{
    workqueue_stop(&workers);
    workers_running = false;
}

static int reply_xlsx(struct request *req, struct export_table *table, const char *disposition)
{
    if (!workers_running) {
        xlsx_build(req, table, disposition);
        return req->status;
    }
    struct xlsx_job *job = malloc(sizeof *job);
    if (job == NULL) {
        free_table(table);
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    }
    job->table = *table;
    job->disposition = disposition;
    req->on_suspended_data = job;
    req->on_suspended = xlsx_submit;
    req->suspended = true;
    return 0;
}

int export_reply(struct request *req, enum export_format format, struct export_table *table)
{
    const char *name =
        disposition(req, table->file_stem, table->file_date, format == EXPORT_CSV ? "csv" : "xlsx");
    if (name == NULL) {
        free_table(table);
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    }
    if (format == EXPORT_XLSX)
        return reply_xlsx(req, table, name);
    request_add_header(req, "Content-Disposition", name);
    return reply_csv(req, table);
}
