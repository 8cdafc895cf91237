// SPDX-License-Identifier: MIT
// Command-line options as data: each option has a flag, an optional environment
// variable, a type and a help line, so every subcommand gets the same parsing,
// the same --help and the same exit status 2 for a bad flag.
#ifndef CHENGGUAN_CLI_H
#define CHENGGUAN_CLI_H

#include <stdbool.h>
#include <stdio.h>

enum cli_type { CLI_STRING, CLI_INT, CLI_BOOL };

struct cli_option {
    const char *flag; // "--port"
    const char *env;  // "CHENGGUAN_PORT" or NULL
    enum cli_type type;
    void *target; // const char **, int *, or bool *
    const char *help;
};

// Applies environment variables, then flags, from argv[first..argc). Positional
// arguments are stored in positional[] (up to max_positional; more is an error).
// Returns 0, 1 when --help was printed (to out), or 2 after printing the problem
// to standard error (unknown flag, missing or bad value).
int cli_parse(const char *command, const char *usage, const struct cli_option *options, int count,
              int argc, char **argv, int first, const char **positional, int max_positional,
              int *positional_count, FILE *out);

#endif
