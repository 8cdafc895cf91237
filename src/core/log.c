// SPDX-License-Identifier: MIT
// Leveled logging: formats the whole line first, then writes it with one call so
// lines from different threads never interleave.
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level log_max_level = LOG_INFO;

static const char *const LOG_NAMES[] = {"error", "warn", "info", "debug"};

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

void log_write(enum log_level level, const char *format, ...)
{
    if (level > log_max_level)
        return;
    char line[2048];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ %s ", now.tv_nsec / 1000000L,
                          LOG_NAMES[level]);
    va_list ap;
    va_start(ap, format);
    int w = vsnprintf(line + n, sizeof line - n - 1, format, ap);
    va_end(ap);
    if (w < 0)
        w = 0;
    n += (size_t)w;
    if (n > sizeof line - 2)
        n = sizeof line - 2;
    line[n++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, n);
    (void)ignored;
}
