// SPDX-License-Identifier: MIT
// The option parser shared by every subcommand (see cli.h).
#include "cli.h"

#include "log.h"
#include "store.h"

#include <errno.h>
#include <sys/stat.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int set_value(const char *command, const struct cli_option *option, const char *value,
                     const char *source)
{
    switch (option->type) {
    case CLI_STRING:
        *(const char **)option->target = value;
        return 0;
    case CLI_INT: {
        char *end = NULL;
        errno = 0;
        long parsed = strtol(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0' || parsed < INT_MIN || parsed > INT_MAX) {
            fprintf(stderr, "chengguan %s: %s expects an integer, got '%s'\n", command, source,
                    value);
            return 2;
        }
        *(int *)option->target = (int)parsed;
        return 0;
    }
    case CLI_BOOL:
        if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0 || strcmp(value, "yes") == 0)
            *(bool *)option->target = true;
        else if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0 || strcmp(value, "no") == 0)
            *(bool *)option->target = false;
        else {
            fprintf(stderr, "chengguan %s: %s expects true or false, got '%s'\n", command, source,
                    value);
            return 2;
        }
        return 0;
    }
    return 2;
}

static void print_help(const char *command, const char *usage, const struct cli_option *options,
                       int count, FILE *out)
{
    fprintf(out, "usage: chengguan %s\n\noptions:\n", usage);
    for (int i = 0; i < count; i++)
        fprintf(out, "  %-22s %s%s%s%s\n", options[i].flag, options[i].help,
                options[i].env ? " [env " : "", options[i].env ? options[i].env : "",
                options[i].env ? "]" : "");
    fprintf(out, "  %-22s %s\n", "--help", "show this help");
    (void)command;
}

int cli_parse(const char *command, const char *usage, const struct cli_option *options, int count,
              int argc, char **argv, int first, const char **positional, int max_positional,
              int *positional_count, FILE *out)
{
    *positional_count = 0;
    for (int i = 0; i < count; i++) {
        const char *value = options[i].env ? getenv(options[i].env) : NULL;
        if (value != NULL && value[0] != '\0' &&
            set_value(command, &options[i], value, options[i].env) != 0)
            return 2;
    }
    for (int a = first; a < argc; a++) {
        const char *arg = argv[a];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_help(command, usage, options, count, out);
            return 1;
        }
        if (strncmp(arg, "--", 2) != 0 || strcmp(arg, "--") == 0) {
            if (*positional_count >= max_positional) {
                fprintf(stderr, "chengguan %s: unexpected argument '%s' (see --help)\n", command,
                        arg);
                return 2;
            }
            positional[(*positional_count)++] = arg;
            continue;
        }
        const char *eq = strchr(arg, '=');
        size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
        const struct cli_option *option = NULL;
        for (int i = 0; i < count; i++)
            if (strlen(options[i].flag) == name_len && strncmp(options[i].flag, arg, name_len) == 0)
                option = &options[i];
        if (option == NULL) {
            fprintf(stderr, "chengguan %s: unknown option '%.*s' (see --help)\n", command,
                    (int)name_len, arg);
            return 2;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (value == NULL && option->type == CLI_BOOL)
            value = "true";
        if (value == NULL) {
            if (a + 1 >= argc) {
                fprintf(stderr, "chengguan %s: %s needs a value\n", command, option->flag);
                return 2;
            }
            value = argv[++a];
        }
        if (set_value(command, option, value, option->flag) != 0)
            return 2;
    }
    return 0;
}

static int make_directories(const char *path)
{
    char buffer[PATH_MAX];
    if (snprintf(buffer, sizeof buffer, "%s", path) >= (int)sizeof buffer)
        return -1;
    for (char *p = buffer + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buffer, 0750) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return (mkdir(buffer, 0750) != 0 && errno != EEXIST) ? -1 : 0;
}

struct store *cli_open_store(struct cli_store_options *options, bool durable, char *path_buffer,
                             size_t path_size)
{
    int level = log_level_from_name(options->log_level ? options->log_level : "info");
    if (level < 0) {
        fprintf(stderr, "chengguan: unknown log level '%s'\n", options->log_level);
        return NULL;
    }
    log_set_level((enum log_level)level);
    int format = log_format_from_name(options->log_format ? options->log_format : "text");
    if (format < 0) {
        fprintf(stderr, "chengguan: unknown log format '%s' (text or json)\n", options->log_format);
        return NULL;
    }
    log_set_format((enum log_format)format);
    const char *data_dir = options->data_dir ? options->data_dir : ".data";
    if (!options->read_only && make_directories(data_dir) != 0) {
        fprintf(stderr, "chengguan: cannot create data directory %s: %s\n", data_dir,
                strerror(errno));
        return NULL;
    }
    if (options->database_path == NULL) {
        snprintf(path_buffer, path_size, "%s/chengguan.db", data_dir);
        options->database_path = path_buffer;
    }
    char err[512];
    struct store_options store_options = {
        .path = options->database_path, .durable = durable, .read_only = options->read_only};
    struct store *store = store_open(&store_options, err, sizeof err);
    if (store == NULL)
        fprintf(stderr, "chengguan: %s\n", err);
    return store;
}
