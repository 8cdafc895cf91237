// SPDX-License-Identifier: MIT
// Leveled logging to standard error, one line per call, safe from any thread.
// Lines look like: 2026-11-23T10:00:00.123Z info message
#ifndef CHENGGUAN_LOG_H
#define CHENGGUAN_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

// Sets the most verbose level that is written. Call before starting threads.
void log_set_level(enum log_level level);

// Parses "error", "warn", "info" or "debug". Returns -1 when unknown.
int log_level_from_name(const char *name);

// Writes one line if level is enabled. A trailing newline is added.
void log_write(enum log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_write(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)

#endif
