// SPDX-License-Identifier: MIT
// Leveled logging to standard error, one line per call, safe from any thread.
// Text lines look like: 2026-11-23T10:00:00.123Z info message
// JSON lines (--log-format json) are one object each:
//   {"ts":"2026-11-23T10:00:00.123Z","level":"info","msg":"message","request_id":"..."}
// where request_id appears while the writing thread serves a request.
#ifndef CHENGGUAN_LOG_H
#define CHENGGUAN_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

// Sets the most verbose level that is written. Call before starting threads.
void log_set_level(enum log_level level);

// Parses "error", "warn", "info" or "debug". Returns -1 when unknown.
int log_level_from_name(const char *name);

// Sets the line format. Call before starting threads.
void log_set_format(enum log_format format);

// Parses "text" or "json". Returns -1 when unknown.
int log_format_from_name(const char *name);

// Names the request the calling thread now serves (a 16-hex-digit id; the
// string must outlive the call to log_set_request(NULL) that ends it), so its
// JSON lines carry it. NULL: no request.
void log_set_request(const char *request_id);

// Writes one line if level is enabled. A trailing newline is added. Bytes that
// are not UTF-8 are written as %XX.
void log_write(enum log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

// One request, as the access log records it. Strings may be NULL ("-", or null).
struct log_access {
    const char *request_id;
    const char *ip;
    const char *method;
    const char *path;
    const char *user;
    int status;         // 0 when no answer was queued
    double duration_ms; // from the request line to the end of the answer
    bool aborted;       // the connection ended before the answer was complete
};

// Writes the access line of one request (level info): text
// "access id=... ip=... method=... path=... status=... ms=... user=...[ aborted=1]",
// or a JSON object with msg "access", request_id, ip, method, path, status,
// duration_ms, user and aborted.
void log_access(const struct log_access *entry);

#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_write(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)

#endif
