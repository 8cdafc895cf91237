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

struct store;

// The options every command that opens the database takes.
struct cli_store_options {
    const char *data_dir;      // default ".data"
    const char *database_path; // default DATA_DIR/chengguan.db
    const char *log_level;     // default "info"
    const char *log_format;    // default "text"
    bool read_only;            // open an existing database read-only, create nothing
};

// The struct cli_option entries for --data-dir, --db, --log-level and --log-format.
#define CLI_STORE_OPTIONS(c)                                                                       \
    {"--data-dir", "CHENGGUAN_DATA_DIR", CLI_STRING, &(c)->data_dir,                               \
     "directory for the database and photos (default .data)"},                                     \
        {"--db", "CHENGGUAN_DB", CLI_STRING, &(c)->database_path,                                  \
         "database file (default DATA_DIR/chengguan.db)"},                                         \
        {"--log-level", "CHENGGUAN_LOG_LEVEL", CLI_STRING, &(c)->log_level,                        \
         "error, warn, info or debug (default info)"},                                             \
    {                                                                                              \
        "--log-format", "CHENGGUAN_LOG_FORMAT", CLI_STRING, &(c)->log_format,                      \
            "text, or json for one JSON object per line (default text)"                            \
    }

// Applies the log level and format, creates the data directory, and opens (and
// migrates) the store; with options->read_only, opens an existing database
// read-only and creates nothing (a missing file is an error). path_buffer
// receives the database path when options->database_path is NULL (which is then
// pointed at it). Returns the store (close with store_close), or NULL after
// printing the reason to standard error.
struct store *cli_open_store(struct cli_store_options *options, bool durable, char *path_buffer,
                             size_t path_size);

#endif
