// SPDX-License-Identifier: MIT
// Leveled logging, as text or as JSON lines: formats the whole line first, then
// writes it with one call so lines from different threads never interleave.
// JSON lines are built with cJSON, every string made valid UTF-8 first.
#include "log.h"

#include "textseg.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

static enum log_level log_max_level = LOG_INFO;
static enum log_format log_line_format = LOG_FORMAT_TEXT;
static _Thread_local const char *log_request_id;

static const char *const LOG_NAMES[] = {"error", "warn", "info", "debug"};
static const char *const FORMAT_NAMES[] = {"text", "json"};

void log_set_level(enum log_level level)
{
    log_max_level = level;
}

int log_level_from_name(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (name != NULL && strcmp(name, LOG_NAMES[i]) == 0)
            return i;
    return -1;
}

void log_set_format(enum log_format format)
{
    log_line_format = format;
}

int log_format_from_name(const char *name)
{
    for (int i = 0; i < 2; i++)
        if (name != NULL && strcmp(name, FORMAT_NAMES[i]) == 0)
            return i;
    return -1;
}

void log_set_request(const char *request_id)
{
    log_request_id = request_id;
}

// Writes "2026-11-23T10:00:00.123Z" into out (at least 25 bytes).
static void format_time(char *out, size_t size)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, size - n, ".%03ldZ", now.tv_nsec / 1000000L);
}

// Writes text and a newline to standard error in one call.
static void emit(const char *text)
{
    char line[LOG_LINE_MAX + 1];
    size_t n = strlen(text);
    if (n > LOG_LINE_MAX - 1)
        n = LOG_LINE_MAX - 1;
    memcpy(line, text, n);
    line[n++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, n);
    (void)ignored;
}

// Adds a string member made valid UTF-8; NULL becomes JSON null.
static void add_string(cJSON *object, const char *name, const char *value)
{
    if (value == NULL) {
        cJSON_AddNullToObject(object, name);
        return;
    }
    char safe[LOG_LINE_MAX];
    cJSON_AddStringToObject(object, name, textseg_utf8_escape(value, safe, sizeof safe));
}

// Starts a JSON line with ts, level and msg.
static cJSON *json_line(enum log_level level, const char *message)
{
    char ts[32];
    format_time(ts, sizeof ts);
    cJSON *object = cJSON_CreateObject();
    if (object == NULL)
        return NULL;
    add_string(object, "ts", ts);
    add_string(object, "level", LOG_NAMES[level]);
    add_string(object, "msg", message);
    return object;
}

// Prints and frees a JSON line (whole, however long), with its newline, in one
// system call.
static void emit_json(cJSON *object)
{
    char *text = object ? cJSON_PrintUnformatted(object) : NULL;
    cJSON_Delete(object);
    if (text == NULL) {
        emit("{\"level\":\"error\",\"msg\":\"out of memory: a log line was lost\"}");
        return;
    }
    struct iovec parts[2] = {{text, strlen(text)}, {"\n", 1}};
    ssize_t ignored = writev(STDERR_FILENO, parts, 2);
    (void)ignored;
    cJSON_free(text);
}

void log_write(enum log_level level, const char *format, ...)
{
    if (level > log_max_level)
        return;
    char message[LOG_LINE_MAX - 64];
    va_list ap;
    va_start(ap, format);
    vsnprintf(message, sizeof message, format, ap);
    va_end(ap);
    if (log_line_format == LOG_FORMAT_JSON) {
        cJSON *object = json_line(level, message);
        if (object != NULL && log_request_id != NULL)
            add_string(object, "request_id", log_request_id);
        emit_json(object);
        return;
    }
    char ts[32], safe[sizeof message], line[LOG_LINE_MAX];
    format_time(ts, sizeof ts);
    snprintf(line, sizeof line, "%s %s %s", ts, LOG_NAMES[level],
             textseg_utf8_escape(message, safe, sizeof safe));
    emit(line);
}

void log_access(const struct log_access *e)
{
    if (LOG_INFO > log_max_level)
        return;
    if (log_line_format == LOG_FORMAT_TEXT) {
        log_write(LOG_INFO, "access id=%s ip=%s method=%s path=%s status=%d ms=%.2f user=%s%s",
                  e->request_id ? e->request_id : "-", e->ip ? e->ip : "-",
                  e->method ? e->method : "-", e->path ? e->path : "-", e->status, e->duration_ms,
                  e->user ? e->user : "-", e->aborted ? " aborted=1" : "");
        return;
    }
    cJSON *object = json_line(LOG_INFO, "access");
    if (object != NULL) {
        add_string(object, "request_id", e->request_id);
        add_string(object, "ip", e->ip);
        add_string(object, "method", e->method);
        add_string(object, "path", e->path);
        cJSON_AddNumberToObject(object, "status", e->status);
        cJSON_AddNumberToObject(object, "duration_ms", round(e->duration_ms * 100) / 100);
        add_string(object, "user", e->user);
        cJSON_AddBoolToObject(object, "aborted", e->aborted);
    }
    emit_json(object);
}
