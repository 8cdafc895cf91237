// SPDX-License-Identifier: MIT
// The chengguan command: serve, migrate, version, and the operator commands
// registered in the table at the bottom. Every subcommand takes --help; a bad
// flag exits with status 2.
#include "cli.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "version.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

// Options shared by every command that opens the database.
struct common_options {
    const char *data_dir;
    const char *database_path;
    const char *log_level;
};

#define COMMON_OPTIONS(c)                                                                          \
    {"--data-dir", "CHENGGUAN_DATA_DIR", CLI_STRING, &(c)->data_dir,                              \
     "directory for the database and photos (default .data)"},                                    \
        {"--db", "CHENGGUAN_DB", CLI_STRING, &(c)->database_path,                                  \
         "database file (default DATA_DIR/chengguan.db)"},                                        \
        {"--log-level", "CHENGGUAN_LOG_LEVEL", CLI_STRING, &(c)->log_level,                        \
         "error, warn, info or debug (default info)"}

static int make_directory(const char *path)
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

// Applies the log level and opens (and migrates) the store. Returns NULL after
// printing the reason.
static struct store *open_store(struct common_options *common, bool durable, char *path_buffer,
                                size_t path_size)
{
    int level = log_level_from_name(common->log_level ? common->log_level : "info");
    if (level < 0) {
        fprintf(stderr, "chengguan: unknown log level '%s'\n", common->log_level);
        return NULL;
    }
    log_set_level((enum log_level)level);
    if (make_directory(common->data_dir) != 0) {
        fprintf(stderr, "chengguan: cannot create data directory %s: %s\n", common->data_dir,
                strerror(errno));
        return NULL;
    }
    if (common->database_path == NULL) {
        snprintf(path_buffer, path_size, "%s/chengguan.db", common->data_dir);
        common->database_path = path_buffer;
    }
    char err[512];
    struct store_options options = {.path = common->database_path, .durable = durable};
    struct store *store = store_open(&options, err, sizeof err);
    if (store == NULL)
        fprintf(stderr, "chengguan: %s\n", err);
    return store;
}

static int command_serve(int argc, char **argv)
{
    static struct server server;
    struct server_config *config = &server.config;
    server_config_defaults(config);
    struct common_options common = {.data_dir = config->data_dir};
    int timeout = config->connection_timeout_s, per_ip = config->per_ip_connections;
    bool non_durable = false;
    const struct cli_option options[] = {
        {"--listen", "CHENGGUAN_LISTEN", CLI_STRING, &config->listen_address,
         "IPv4 address to listen on (default 127.0.0.1)"},
        {"--port", "CHENGGUAN_PORT", CLI_INT, &config->port, "TCP port (default 8080; 0 = any)"},
        COMMON_OPTIONS(&common),
        {"--web-dir", "CHENGGUAN_WEB_DIR", CLI_STRING, &config->web_dir,
         "static front end (default web)"},
        {"--threads", "CHENGGUAN_THREADS", CLI_INT, &config->threads,
         "worker threads (default 2 per core)"},
        {"--timeout", "CHENGGUAN_TIMEOUT", CLI_INT, &timeout,
         "idle connection timeout in seconds (default 30)"},
        {"--per-ip-connections", "CHENGGUAN_PER_IP_CONNECTIONS", CLI_INT, &per_ip,
         "most open connections per client address (default 64)"},
        {"--secure-cookies", "CHENGGUAN_SECURE_COOKIES", CLI_BOOL, &config->secure_cookies,
         "mark cookies Secure (serving over TLS or behind a TLS proxy)"},
        {"--no-fsync", "CHENGGUAN_NO_FSYNC", CLI_BOOL, &non_durable,
         "synchronous=NORMAL: faster, may lose the last writes on power loss"},
        {"--tile-url", "CHENGGUAN_TILE_URL", CLI_STRING, &config->tile_url,
         "base-map tile URL template for the web maps (default: none)"},
    };
    const char *positional[1];
    int positional_count;
    int rc = cli_parse("serve", "serve [options]", options, sizeof options / sizeof options[0],
                       argc, argv, 2, positional, 0, &positional_count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (config->port < 0 || config->port > 65535 || config->threads < 1 ||
        config->threads > 256 || timeout < 1 || per_ip < 1) {
        fprintf(stderr, "chengguan serve: port, threads, timeout or per-ip value out of range\n");
        return 2;
    }
    config->connection_timeout_s = timeout;
    config->per_ip_connections = per_ip;
    config->durable = !non_durable;
    config->data_dir = common.data_dir;
    if (realpath(config->web_dir, server.web_root) == NULL) {
        fprintf(stderr, "chengguan serve: web directory %s: %s\n", config->web_dir,
                strerror(errno));
        return 1;
    }
    // Block the shutdown signals before any thread starts; server_run waits for them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    char path[PATH_MAX];
    server.store = open_store(&common, config->durable, path, sizeof path);
    if (server.store == NULL)
        return 1;
    config->database_path = common.database_path;
    if (server_add_routes(&server) != 0) {
        fprintf(stderr, "chengguan serve: the route table is full\n");
        store_close(server.store);
        return 1;
    }
    rc = server_run(&server);
    store_close(server.store);
    return rc;
}

static int command_migrate(int argc, char **argv)
{
    struct common_options common = {.data_dir = ".data"};
    const struct cli_option options[] = {COMMON_OPTIONS(&common)};
    const char *positional[1];
    int positional_count;
    int rc = cli_parse("migrate", "migrate [options]", options,
                       sizeof options / sizeof options[0], argc, argv, 2, positional, 0,
                       &positional_count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    char path[PATH_MAX];
    struct store *store = open_store(&common, true, path, sizeof path);
    if (store == NULL)
        return 1;
    printf("%s: schema version %d\n", common.database_path, store_schema_version(store));
    store_close(store);
    return 0;
}

static int command_check(int argc, char **argv)
{
    struct common_options common = {.data_dir = ".data"};
    const struct cli_option options[] = {COMMON_OPTIONS(&common)};
    const char *positional[1];
    int positional_count;
    int rc = cli_parse("check", "check [options]", options, sizeof options / sizeof options[0],
                       argc, argv, 2, positional, 0, &positional_count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    char path[PATH_MAX];
    struct store *store = open_store(&common, true, path, sizeof path);
    if (store == NULL)
        return 1;
    bool ok = store_integrity_ok(store);
    printf("%s: integrity %s\n", common.database_path, ok ? "ok" : "FAILED");
    store_close(store);
    return ok ? 0 : 1;
}

static int command_version(int argc, char **argv)
{
    const char *positional[1];
    int positional_count;
    int rc = cli_parse("version", "version", NULL, 0, argc, argv, 2, positional, 0,
                       &positional_count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    printf("chengguan %s (schema %d)\n", CHENGGUAN_VERSION, store_latest_schema_version());
    return 0;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} COMMANDS[] = {
    {"serve", command_serve, "serve the API and the web front end"},
    {"migrate", command_migrate, "create or upgrade the database, then exit"},
    {"check", command_check, "check the database's integrity (PRAGMA integrity_check)"},
    {"version", command_version, "print the version"},
};

static void print_usage(FILE *out)
{
    fprintf(out, "usage: chengguan COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(out, "  %-14s %s\n", COMMANDS[i].name, COMMANDS[i].help);
    fprintf(out, "\nRun 'chengguan COMMAND --help' for the options of one command.\n");
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "chengguan: libsodium failed to initialise\n");
        return 1;
    }
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (strcmp(argv[1], COMMANDS[i].name) == 0)
            return COMMANDS[i].run(argc, argv);
    fprintf(stderr, "chengguan: unknown command '%s'\n", argv[1]);
    print_usage(stderr);
    return 2;
}
