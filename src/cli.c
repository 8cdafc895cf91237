// SPDX-License-Identifier: MIT
// The option parser shared by every subcommand (see cli.h).
#include "cli.h"

#include <errno.h>
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
