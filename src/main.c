// SPDX-License-Identifier: MIT
// The chengguan command: serve, migrate, version, and the operator commands
// registered in the table at the bottom. Every subcommand takes --help; a bad
// flag exits with status 2.
#include "auth.h"
#include "cli.h"
#include "copy_command.h"
#include "demo.h"
#include "escalator.h"
#include "outbox.h"
#include "outbox_sender.h"
#include "notify_options.h"
#include "store_outbox.h"
#include "export.h"
#include "gazetteer_import.h"
#include "grid_import.h"
#include "setup_import.h"
#include "handler_pool.h"
#include "jurisdiction.h"
#include "log.h"
#include "metrics.h"
#include "roles.h"
#include "server.h"
#include "setup_command.h"
#include "store.h"
#include "store_admin.h"
#include "store_attachments.h"
#include "store_calendar.h"
#include "store_cases.h"
#include "store_snapshots.h"
#include "store_users.h"
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
#include <time.h>
#include <unistd.h>

// Checks --metrics-listen and --metrics-token. Returns 0, or -1 after printing
// the problem.
static int check_metrics_options(const struct server_config *config)
{
    if (config->metrics_listen != NULL && metrics_listen_check(config->metrics_listen) != 0) {
        fprintf(stderr,
                "chengguan serve: --metrics-listen expects ADDRESS:PORT "
                "(127.0.0.1:9100 or [::1]:9100), got '%s'\n",
                config->metrics_listen);
        return -1;
    }
    const char *token = config->metrics_token;
    if (token == NULL)
        return 0;
    bool printable = true;
    for (const char *p = token; *p; p++)
        printable = printable && *p > ' ' && *p < 0x7f;
    if (strlen(token) < METRICS_TOKEN_MIN_LENGTH || !printable) {
        fprintf(stderr,
                "chengguan serve: the metrics token must be at least %d printable characters "
                "without spaces\n",
                METRICS_TOKEN_MIN_LENGTH);
        return -1;
    }
    return 0;
}

// The front end when --web-dir is not given: ./web in a source tree, else the
// copy `make install` put beside the binary (BINDIR/../share/chengguan/web), so
// an installed chengguan finds it under any PREFIX or DESTDIR. Writes the real
// path into root (PATH_MAX bytes). Returns 0, or -1 after printing both places.
static int find_web_root(char *root)
{
    struct stat st;
    if (stat("web/index.html", &st) == 0 && realpath("web", root) != NULL)
        return 0;
    char beside[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", beside, sizeof beside - 1);
    if (n > 0) {
        beside[n] = '\0';
        char *slash = strrchr(beside, '/');
        const char *tail = "/../share/chengguan/web";
        if (slash != NULL && (size_t)(slash - beside) + strlen(tail) < sizeof beside) {
            strcpy(slash, tail);
            if (realpath(beside, root) != NULL)
                return 0;
        }
    }
    fprintf(stderr,
            "chengguan serve: no front end in ./web nor in %s; give --web-dir "
            "(CHENGGUAN_WEB_DIR)\n",
            n > 0 ? beside : "the installed share/chengguan/web");
    return -1;
}

#ifdef CHENGGUAN_TEST_CLOCK
// The test build's clock (make SAN=1 or COV=1 define CHENGGUAN_TEST_CLOCK; a
// release binary has no such code, so nobody can move a production server's
// clock): the real time plus the offset in milliseconds written in the file
// that CHENGGUAN_TEST_CLOCK_FILE names, read at every call, so a test moves
// the server's time forward (deadlines, lights, escalation) while it runs. A
// missing or unreadable file is no offset.
static int64_t test_clock_now(void *path)
{
    long long offset = 0;
    FILE *file = fopen(path, "r");
    if (file != NULL) {
        if (fscanf(file, "%lld", &offset) != 1)
            offset = 0;
        fclose(file);
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + offset;
}

// Puts the test clock in force when the environment asks for it.
static void test_clock_start(void)
{
    static char path[PATH_MAX];
    const char *file = getenv("CHENGGUAN_TEST_CLOCK_FILE");
    if (file == NULL || *file == '\0' || strlen(file) >= sizeof path)
        return;
    strcpy(path, file);
    store_set_clock(test_clock_now, path);
    log_warn("test build: the clock is the real time plus the offset in %s", path);
}
#endif

static int command_serve(int argc, char **argv)
{
    static struct server server;
    struct server_config *config = &server.config;
    server_config_defaults(config);
    struct cli_store_options common = {.data_dir = config->data_dir};
    int timeout = config->connection_timeout_s, per_ip = config->per_ip_connections;
    bool non_durable = false;
    struct notify_options notify = {0};
    static struct notify_config notify_config;
    const struct cli_option options[] = {
        {"--listen", "CHENGGUAN_LISTEN", CLI_STRING, &config->listen_address,
         "IPv4 or IPv6 address to listen on (default 127.0.0.1; :: takes both)"},
        {"--port", "CHENGGUAN_PORT", CLI_INT, &config->port, "TCP port (default 8080; 0 = any)"},
        CLI_STORE_OPTIONS(&common),
        {"--web-dir", "CHENGGUAN_WEB_DIR", CLI_STRING, &config->web_dir,
         "static front end (default ./web, else the installed share/chengguan/web)"},
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
        {"--session-idle", "CHENGGUAN_SESSION_IDLE", CLI_INT, &config->session_idle_s,
         "seconds of inactivity that end a session (default 1800)"},
        {"--session-max", "CHENGGUAN_SESSION_MAX", CLI_INT, &config->session_absolute_s,
         "seconds after sign-in that end a session in any case (default 43200)"},
        {"--reopen-days", "CHENGGUAN_REOPEN_DAYS", CLI_INT, &config->reopen_window_days,
         "days after closing in which a case may be reopened (default 7)"},
        {"--public-closed-days", "CHENGGUAN_PUBLIC_CLOSED_DAYS", CLI_INT,
         &config->public_closed_days,
         "days a closed case stays on the public map of reports (default 30)"},
        {"--write-threads", "CHENGGUAN_WRITE_THREADS", CLI_INT, &config->write_threads,
         "threads that run writes while their connections wait for the commit (default 32)"},
        {"--metrics-listen", "CHENGGUAN_METRICS_LISTEN", CLI_STRING, &config->metrics_listen,
         "serve Prometheus metrics on ADDRESS:PORT, apart from the API (default: off)"},
        {"--metrics-token", "CHENGGUAN_METRICS_TOKEN", CLI_STRING, &config->metrics_token,
         "bearer token for /metrics; with it, /metrics is served on the main port too"},
        {"--trusted-proxy", "CHENGGUAN_TRUSTED_PROXY", CLI_STRING, &config->trusted_proxies,
         "addresses of reverse proxies (comma-separated) whose X-Forwarded-For names the "
         "client (default: none; the header is ignored)"},
        {"--escalation-interval", "CHENGGUAN_ESCALATION_INTERVAL", CLI_INT,
         &config->escalation_interval_s,
         "seconds between scans for stages turning yellow or red (default 60; 0: no "
         "escalation by this server)"},
        {"--outbox-threads", "CHENGGUAN_OUTBOX_THREADS", CLI_INT, &config->outbox.threads,
         "threads delivering outbox messages (hotline callbacks) (default 2; 0: none by this "
         "server)"},
        {"--outbox-poll", "CHENGGUAN_OUTBOX_POLL", CLI_INT, &config->outbox.poll_ms,
         "milliseconds between looks for due outbox messages when idle (default 1000)"},
        {"--outbox-retry-base", "CHENGGUAN_OUTBOX_RETRY_BASE", CLI_INT,
         &config->outbox.retry_base_ms,
         "milliseconds before the first retry, doubled per attempt, with jitter (default 5000)"},
        {"--outbox-retry-max", "CHENGGUAN_OUTBOX_RETRY_MAX", CLI_INT, &config->outbox.retry_max_ms,
         "the longest delay between attempts in milliseconds (default 3600000)"},
        {"--outbox-attempts", "CHENGGUAN_OUTBOX_ATTEMPTS", CLI_INT, &config->outbox.max_attempts,
         "attempts before a message becomes a dead letter (default 12)"},
        {"--outbox-connect-timeout", "CHENGGUAN_OUTBOX_CONNECT_TIMEOUT", CLI_INT,
         &config->outbox.connect_timeout_ms,
         "milliseconds to connect to a receiver (default 5000)"},
        {"--outbox-timeout", "CHENGGUAN_OUTBOX_TIMEOUT", CLI_INT, &config->outbox.timeout_ms,
         "milliseconds for a whole delivery attempt (default 15000)"},
        {"--sms-url", "CHENGGUAN_SMS_URL", CLI_STRING, &notify.sms_url,
         "the SMS gateway citizens' and departments' SMS are posted to (default: none, no SMS)"},
        {"--sms-key", "CHENGGUAN_SMS_KEY", CLI_STRING, &notify.sms_key,
         "the key signing each request to the SMS gateway (HMAC-SHA256; prefer the variable)"},
        {"--sms-templates", "CHENGGUAN_SMS_TEMPLATES", CLI_STRING, &notify.sms_templates,
         "a JSON file replacing SMS and notice texts {\"zh\": {\"filed\": ...}, \"en\": ...}"},
        {"--public-url", "CHENGGUAN_PUBLIC_URL", CLI_STRING, &notify.public_url,
         "the portal's address that links in SMS start with (e.g. https://city.example)"},
        {"--smtp-url", "CHENGGUAN_SMTP_URL", CLI_STRING, &notify.smtp_url,
         "smtp:// or smtps:// server for departments' e-mail notices (login: "
         "CHENGGUAN_SMTP_USER, CHENGGUAN_SMTP_PASSWORD) (default: none)"},
        {"--smtp-from", "CHENGGUAN_SMTP_FROM", CLI_STRING, &notify.smtp_from,
         "the sender address of e-mail notices"},
    };
    const char *positional[1];
    int positional_count;
    int rc = cli_parse("serve", "serve [options]", options, sizeof options / sizeof options[0],
                       argc, argv, 2, positional, 0, &positional_count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (config->trusted_proxies != NULL && !server_proxy_list_valid(config->trusted_proxies)) {
        fprintf(stderr, "chengguan: --trusted-proxy must be IP addresses separated by commas: %s\n",
                config->trusted_proxies);
        return 2;
    }
    if (config->port < 0 || config->port > 65535 || config->threads < 1 || config->threads > 256 ||
        timeout < 1 || per_ip < 1 || config->session_idle_s < 1 || config->session_absolute_s < 1 ||
        config->reopen_window_days < 0 || config->public_closed_days < 0 ||
        config->public_closed_days > 3650 || config->write_threads < 1 ||
        config->write_threads > HANDLER_POOL_MAX_THREADS || config->escalation_interval_s < 0 ||
        config->escalation_interval_s > 86400) {
        fprintf(stderr, "chengguan serve: port, threads, write threads, timeout, per-ip value or "
                        "escalation interval out of range\n");
        return 2;
    }
    const struct outbox_sender_options *outbox = &config->outbox;
    if (outbox->threads < 0 || outbox->threads > 16 || outbox->poll_ms < 10 ||
        outbox->poll_ms > 60000 || outbox->retry_base_ms < 1 ||
        outbox->retry_max_ms < outbox->retry_base_ms || outbox->max_attempts < 1 ||
        outbox->max_attempts > 100 || outbox->connect_timeout_ms < 100 ||
        outbox->timeout_ms < outbox->connect_timeout_ms) {
        fprintf(stderr, "chengguan serve: an --outbox-* value is out of range (threads 0-16, poll "
                        "10-60000 ms, retry max >= base >= 1, attempts 1-100, timeout >= connect "
                        "timeout >= 100 ms)\n");
        return 2;
    }
    if (check_metrics_options(config) != 0 || notify_options_apply(&notify, &notify_config) != 0)
        return 2;
    config->connection_timeout_s = timeout;
    config->per_ip_connections = per_ip;
    config->durable = !non_durable;
    config->data_dir = common.data_dir;
    if (config->web_dir == NULL) {
        if (find_web_root(server.web_root) != 0)
            return 1;
    } else if (realpath(config->web_dir, server.web_root) == NULL) {
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
#ifdef CHENGGUAN_TEST_CLOCK
    test_clock_start();
#endif

    char path[PATH_MAX];
    server.store = cli_open_store(&common, config->durable, path, sizeof path);
    if (server.store == NULL)
        return 1;
    config->database_path = common.database_path;
    // Photo files of uploads a crash cut short, before anyone can upload again.
    int swept = 0;
    if (store_attachment_sweep(server.store, config->data_dir, &swept) != STORE_OK)
        log_warn("photos: cannot sweep %s/photos for orphan files", config->data_dir);
    else if (swept > 0)
        log_info("photos: removed %d orphan or temporary file(s)", swept);
    if (server_add_routes(&server) != 0) {
        fprintf(stderr, "chengguan serve: the route table is full\n");
        store_close(server.store);
        return 1;
    }
    if (metrics_init(&server.router) != 0) {
        fprintf(stderr, "chengguan serve: out of memory for the metrics\n");
        store_close(server.store);
        return 1;
    }
    if (server_reload_calendar(&server) != 0) {
        fprintf(stderr, "chengguan serve: cannot load the calendar\n");
        store_close(server.store);
        return 1;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (server_start_limits(&server) != 0) {
        fprintf(stderr, "chengguan serve: out of memory for the rate limits\n");
        store_close(server.store);
        return 1;
    }
    if (auth_init(server.store, cores > 1 ? (int)cores : 1, config->session_idle_s,
                  config->session_absolute_s) != 0) {
        server_free_limits(&server);
        store_close(server.store);
        return 1;
    }
    if (handler_pool_start(config->write_threads) != 0) {
        auth_shutdown();
        server_free_limits(&server);
        store_close(server.store);
        return 1;
    }
    server.handler_pool = true;
    if (export_workers_start() != 0) {
        handler_pool_stop();
        auth_shutdown();
        server_free_limits(&server);
        store_close(server.store);
        return 1;
    }
    // The background threads: escalation scans and the outbox's delivery
    // (either stop is safe when its start failed or never ran).
    if ((config->escalation_interval_s > 0 &&
         escalator_start(server.store, config->escalation_interval_s) != 0) ||
        outbox_sender_start(server.store, &config->outbox) != 0) {
        escalator_stop();
        export_workers_stop();
        handler_pool_stop();
        auth_shutdown();
        server_free_limits(&server);
        store_close(server.store);
        return 1;
    }
    rc = server_run(&server);
    outbox_sender_stop();
    escalator_stop();
    handler_pool_stop();
    export_workers_stop();
    metrics_free();
    auth_shutdown();
    server_free_limits(&server);
    server_free_calendars(&server);
    store_close(server.store);
    return rc;
}

// How a command opens the database.
enum store_access {
    STORE_ACCESS_WRITE,        // create it if missing and migrate it
    STORE_ACCESS_READ,         // an existing file, read-only, as it is (backup)
    STORE_ACCESS_READ_CURRENT, // an existing file, read-only, at this binary's schema
                               // (check, audit, explain read every table)
};

// A command that takes only the store options and at most one argument.
struct store_command {
    struct cli_store_options options;
    const char *argument; // the positional argument, when one is wanted
    char path[PATH_MAX];
    char shown[PATH_MAX]; // the database's location as printed (no password)
};

// Parses argv for such a command (exactly `wanted` arguments, 0 or 1; equal to
// `expect` when that is not NULL), then opens the store as access says. Returns
// the store, or NULL with *status set: 0 after --help, 2 for bad usage, 1 when it
// would not open.
static struct store *store_command_open(struct store_command *cmd, enum store_access access,
                                        const char *name, const char *usage, int wanted,
                                        const char *expect, int argc, char **argv, int *status)
{
    cmd->options = (struct cli_store_options){.data_dir = ".data"};
    const struct cli_option options[] = {CLI_STORE_OPTIONS(&cmd->options)};
    const char *positional[1] = {NULL};
    int count = 0;
    int rc = cli_parse(name, usage, options, sizeof options / sizeof options[0], argc, argv, 2,
                       positional, wanted, &count, stdout);
    if (rc != 0) {
        *status = rc == 1 ? 0 : rc;
        return NULL;
    }
    if (count != wanted || (expect != NULL && strcmp(positional[0], expect) != 0)) {
        fprintf(stderr, "usage: chengguan %s\n", usage);
        *status = 2;
        return NULL;
    }
    cmd->argument = positional[0];
    cmd->options.read_only = access != STORE_ACCESS_WRITE;
    struct store *store = cli_open_store(&cmd->options, true, cmd->path, sizeof cmd->path);
    store_location_shown(cmd->options.database_path ? cmd->options.database_path : cmd->path,
                         cmd->shown, sizeof cmd->shown);
    *status = 1;
    if (store != NULL && access == STORE_ACCESS_READ_CURRENT &&
        store_schema_version(store) != store_latest_schema_version()) {
        fprintf(stderr,
                "chengguan %s: %s has schema version %d, older than this chengguan's %d; "
                "run 'chengguan migrate' on it first\n",
                name, cmd->shown, store_schema_version(store), store_latest_schema_version());
        store_close(store);
        return NULL;
    }
    return store;
}

static int command_migrate(int argc, char **argv)
{
    struct store_command cmd;
    int status;
    struct store *store = store_command_open(&cmd, STORE_ACCESS_WRITE, "migrate",
                                             "migrate [options]", 0, NULL, argc, argv, &status);
    if (store == NULL)
        return status;
    printf("%s: schema version %d\n", cmd.shown, store_schema_version(store));
    store_close(store);
    return 0;
}

static int command_check(int argc, char **argv)
{
    struct store_command cmd;
    int status;
    struct store *store = store_command_open(&cmd, STORE_ACCESS_READ_CURRENT, "check",
                                             "check [options]", 0, NULL, argc, argv, &status);
    if (store == NULL)
        return status;
    bool ok = store_integrity_ok(store);
    printf("%s: integrity %s\n", cmd.shown, ok ? "ok" : "FAILED");
    bool counts = store_tally_consistent(store);
    printf("%s: overview counts %s\n", cmd.shown,
           counts ? "match the cases" : "DIFFER from a recount");
    ok = ok && counts;
    struct store_outbox_counts outbox;
    if (store_outbox_count(store, &outbox) == STORE_OK)
        printf("%s: outbox %lld pending, %lld dead letter(s)%s\n", cmd.shown,
               (long long)outbox.pending, (long long)outbox.dead,
               outbox.dead > 0 ? " (replay them from the admin's outbox screen)" : "");
    else
        ok = false;
    store_close(store);
    return ok ? 0 : 1;
}

static void print_plan(const char *name, const char *plan, void *data)
{
    const char **last = data;
    if (*last == NULL || strcmp(*last, name) != 0)
        printf("%s%s\n", *last == NULL ? "" : "\n", name);
    *last = name;
    printf("  %s\n", plan);
}

static int command_explain(int argc, char **argv)
{
    struct store_command cmd;
    int status;
    struct store *store = store_command_open(&cmd, STORE_ACCESS_READ_CURRENT, "explain",
                                             "explain [options]", 0, NULL, argc, argv, &status);
    if (store == NULL)
        return status;
    const char *last = NULL;
    int rc = store_explain(store, print_plan, &last);
    store_close(store);
    return rc == STORE_OK ? 0 : 1;
}

// Reads a password from CHENGGUAN_PASSWORD or the first line of standard input.
static int read_password(char *out, size_t size)
{
    const char *env = getenv("CHENGGUAN_PASSWORD");
    if (env != NULL) {
        snprintf(out, size, "%s", env);
        return 0;
    }
    if (isatty(STDIN_FILENO))
        fprintf(stderr, "password: ");
    if (fgets(out, (int)size, stdin) == NULL)
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

// Who `chengguan user` changes accounts as, in the admin audit log.
static const struct store_actor CLI_ACTOR = {0, "system", "chengguan user"};

static int user_add(struct store *store, const char *username, const char *role, const char *org,
                    const char *name, const char *phone)
{
    struct store_user user = {0};
    user.role = role_from_name(role ? role : "");
    if (user.role == ROLE_NONE || user.role == ROLE_SYSTEM) {
        fprintf(stderr, "chengguan user add: --role must be inspector, operator, supervisor, "
                        "department, leader or admin\n");
        return 2;
    }
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    if (org == NULL ||
        store_org_unit_in_scope(store, org, &everywhere, &user.org_unit_id) != STORE_OK) {
        fprintf(stderr, "chengguan user add: --org must name an existing org unit code\n");
        return 2;
    }
    snprintf(user.username, sizeof user.username, "%s", username);
    snprintf(user.display_name, sizeof user.display_name, "%s", name ? name : username);
    snprintf(user.phone, sizeof user.phone, "%s", phone ? phone : "");
    char password[AUTH_PASSWORD_MAX_BYTES + 2], hash[AUTH_HASH_SIZE];
    if (read_password(password, sizeof password) != 0) {
        fprintf(stderr, "chengguan user add: no password given\n");
        return 2;
    }
    const char *weak = auth_password_problem(password);
    if (weak != NULL) {
        fprintf(stderr, "chengguan user add: %s\n", weak);
        return 2;
    }
    int rc = auth_hash_password(password, hash) == 0
                 ? store_user_create_as(store, &CLI_ACTOR, &user, hash, NULL)
                 : STORE_ERROR;
    if (rc == STORE_CONFLICT)
        fprintf(stderr, "chengguan user add: the username %s is taken\n", username);
    else if (rc != STORE_OK)
        fprintf(stderr, "chengguan user add: could not create the user\n");
    else
        printf("added %s (%s)\n", username, role);
    return rc == STORE_OK ? 0 : 1;
}

static int user_change(struct store *store, const char *action, const char *username)
{
    struct store_user user;
    char hash[AUTH_HASH_SIZE];
    if (store_user_get_by_username(store, username, &user, hash, sizeof hash) != STORE_OK) {
        fprintf(stderr, "chengguan user %s: no user %s\n", action, username);
        return 1;
    }
    int rc;
    if (strcmp(action, "passwd") == 0) {
        char password[AUTH_PASSWORD_MAX_BYTES + 2];
        if (read_password(password, sizeof password) != 0 || auth_password_problem(password)) {
            fprintf(stderr, "chengguan user passwd: %s\n",
                    auth_password_problem(password) ? auth_password_problem(password)
                                                    : "no password given");
            return 2;
        }
        rc = auth_hash_password(password, hash) == 0
                 ? store_user_set_password_as(store, &CLI_ACTOR, user.id, hash)
                 : STORE_ERROR;
    } else {
        rc = store_user_set_disabled_as(store, &CLI_ACTOR, user.id, strcmp(action, "disable") == 0);
    }
    if (rc == STORE_OK)
        printf("%s: %s done\n", username, action);
    return rc == STORE_OK ? 0 : 1;
}

static int command_user(int argc, char **argv)
{
    struct cli_store_options common = {.data_dir = ".data"};
    const char *role = NULL, *org = NULL, *name = NULL, *phone = NULL;
    const struct cli_option options[] = {
        CLI_STORE_OPTIONS(&common),
        {"--role", NULL, CLI_STRING, &role,
         "add: inspector, operator, supervisor, department, "
         "leader or admin"},
        {"--org", NULL, CLI_STRING, &org, "add: the org unit code the user belongs to"},
        {"--name", NULL, CLI_STRING, &name, "add: display name"},
        {"--phone", NULL, CLI_STRING, &phone, "add: phone number"},
    };
    const char *positional[2];
    int count;
    int rc = cli_parse("user",
                       "user add|passwd|disable|enable USERNAME [options]\n"
                       "  The password is read from CHENGGUAN_PASSWORD or standard input.",
                       options, sizeof options / sizeof options[0], argc, argv, 2, positional, 2,
                       &count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    const char *actions[] = {"add", "passwd", "disable", "enable"};
    bool known = false;
    for (size_t i = 0; count == 2 && i < 4; i++)
        known = known || strcmp(positional[0], actions[i]) == 0;
    if (!known) {
        fprintf(stderr, "chengguan user: expected add|passwd|disable|enable USERNAME\n");
        return 2;
    }
    char path[PATH_MAX];
    struct store *store = cli_open_store(&common, true, path, sizeof path);
    if (store == NULL)
        return 1;
    rc = strcmp(positional[0], "add") == 0 ? user_add(store, positional[1], role, org, name, phone)
                                           : user_change(store, positional[0], positional[1]);
    store_close(store);
    return rc;
}

// `chengguan token callback NAME URL`: registers the token's callback and
// prints the new signing secret (shown once).
static int token_callback(struct store *store, const char *name, const char *url)
{
    if (!outbox_url_valid(url, STORE_OUTBOX_URL_MAX)) {
        fprintf(stderr, "chengguan token: the callback must be an http:// or https:// URL with a "
                        "host and no user name (at most %d bytes)\n",
                STORE_OUTBOX_URL_MAX);
        return 2;
    }
    char secret[STORE_OUTBOX_SECRET_HEX + 1];
    outbox_secret_new(secret);
    int rc = store_token_callback_set(store, name, 0, url, secret, NULL, NULL);
    if (rc == STORE_NOT_FOUND)
        fprintf(stderr, "chengguan token: no token named %s\n", name);
    else if (rc != STORE_OK)
        fprintf(stderr, "chengguan token: could not store the callback\n");
    else
        printf("%s\n", secret);
    sodium_memzero(secret, sizeof secret);
    return rc == STORE_OK ? 0 : 1;
}

static int command_token(int argc, char **argv)
{
    struct cli_store_options common = {.data_dir = ".data"};
    const char *channel = NULL, *username = NULL;
    const struct cli_option options[] = {
        CLI_STORE_OPTIONS(&common),
        {"--channel", NULL, CLI_STRING, &channel, "12345, 110 or 12319"},
        {"--user", NULL, CLI_STRING, &username,
         "the operator account the platform acts as (operators only)"},
    };
    const char *positional[3];
    int count;
    int rc = cli_parse("token",
                       "token add NAME --channel CHANNEL --user USERNAME\n"
                       "       chengguan token callback NAME URL",
                       options, sizeof options / sizeof options[0], argc, argv, 2, positional, 3,
                       &count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    bool callback = count == 3 && strcmp(positional[0], "callback") == 0;
    if (!callback &&
        (count != 2 || strcmp(positional[0], "add") != 0 || channel == NULL || username == NULL ||
         (strcmp(channel, "12345") != 0 && strcmp(channel, "110") != 0 &&
          strcmp(channel, "12319") != 0))) {
        fprintf(stderr, "chengguan token: expected add NAME --channel 12345|110|12319 --user "
                        "USERNAME, or callback NAME URL\n");
        return 2;
    }
    char path[PATH_MAX];
    struct store *store = cli_open_store(&common, true, path, sizeof path);
    if (store == NULL)
        return 1;
    if (callback) {
        rc = token_callback(store, positional[1], positional[2]);
        store_close(store);
        return rc;
    }
    struct store_user user;
    char hash_text[AUTH_HASH_SIZE], token[64];
    unsigned char hash[32];
    rc = 1;
    if (store_user_get_by_username(store, username, &user, hash_text, sizeof hash_text) != STORE_OK)
        fprintf(stderr, "chengguan token: no user %s\n", username);
    else if (!role_may_hold_token(user.role))
        fprintf(stderr,
                "chengguan token: %s is a %s account; a hotline platform enters calls as an "
                "operator does, so bind its token to an operator account\n",
                username, role_name(user.role));
    else if (user.disabled)
        fprintf(stderr, "chengguan token: the account %s is disabled\n", username);
    else if (auth_token_make(store, token, hash) != 0 ||
             store_token_create(store, positional[1], channel, hash, user.id) != STORE_OK)
        fprintf(stderr, "chengguan token: could not store the token (name taken?)\n");
    else {
        printf("%s\n", token);
        rc = 0;
    }
    store_close(store);
    return rc;
}

static int command_import(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[2], "grids") == 0)
        return grid_import_command(argc - 1, argv + 1);
    if (argc >= 3 && strcmp(argv[2], "gazetteer") == 0)
        return gazetteer_import_command(argc - 1, argv + 1);
    enum setup_import_kind kind;
    if (argc >= 3 && setup_import_kind_parse(argv[2], &kind))
        return setup_import_command(argc - 1, argv + 1);
    if (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        printf("usage: chengguan import grids FILE [options]\n"
               "       chengguan import gazetteer FILE [options]\n"
               "       chengguan import org-units|users|routing|assignments FILE [--partial]\n\n"
               "Imports grid cells, or the gazetteer's roads, house numbers, landmarks, blocks "
               "and water, from a GeoJSON FeatureCollection; or a city's set-up data from CSV "
               "or XLSX; see 'chengguan import grids --help'.\n");
        return 0;
    }
    fprintf(stderr, "chengguan import: expected 'grids FILE', 'gazetteer FILE' or "
                    "'org-units|users|routing|assignments FILE' (see --help)\n");
    return 2;
}

static int command_audit(int argc, char **argv)
{
    struct store_command cmd;
    int status;
    struct store *store =
        store_command_open(&cmd, STORE_ACCESS_READ_CURRENT, "audit", "audit verify [options]", 1,
                           "verify", argc, argv, &status);
    if (store == NULL)
        return status;
    int64_t events = 0;
    int64_t broken = store_audit_verify(store, &events);
    struct store_audit_log_report log;
    int log_rc = broken >= 0 ? store_audit_log_verify(store, &log) : STORE_ERROR;
    store_close(store);
    if (broken < 0 || log_rc != STORE_OK) {
        fprintf(stderr, "chengguan audit: could not read the %s\n",
                broken < 0 ? "event log" : "audit log or the snapshots");
        return 1;
    }
    if (broken > 0)
        printf("audit chain BROKEN at event %lld (after %lld events checked)\n", (long long)broken,
               (long long)events - 1);
    else
        printf("audit chain intact: %lld events\n", (long long)events);
    // The second chain: events that are not a case's, and the snapshots it seals.
    if (log.problem[0] != '\0')
        printf("audit log BROKEN: %s\n", log.problem);
    else
        printf("audit log intact: %lld entries, %lld snapshots\n", (long long)log.entries,
               (long long)log.snapshots);
    return broken == 0 && log.problem[0] == '\0' ? 0 : 1;
}

// The backup's progress line on a terminal.
struct backup_meter {
    int64_t started_ms;
    int last_percent;
    bool shown;
};

static void show_backup_progress(int64_t copied, int64_t total, void *data)
{
    struct backup_meter *meter = data;
    int percent = total > 0 ? (int)(copied * 100 / total) : 100;
    if (meter->shown && percent == meter->last_percent)
        return;
    fprintf(stderr, "\rbackup: %3d%% (%lld of %lld pages, %.1f s)", percent, (long long)copied,
            (long long)total, (double)(store_now_ms() - meter->started_ms) / 1000.0);
    meter->last_percent = percent;
    meter->shown = true;
}

static int command_backup(int argc, char **argv)
{
    struct store_command cmd;
    int status;
    struct store *store =
        store_command_open(&cmd, STORE_ACCESS_READ, "backup",
                           "backup FILE [options]   (a new file, checked; safe while serving)", 1,
                           NULL, argc, argv, &status);
    if (store == NULL)
        return status;
    char err[512];
    struct backup_meter meter = {.started_ms = store_now_ms()};
    struct store_backup_progress progress = {show_backup_progress, &meter};
    int rc = store_backup(store, cmd.argument, isatty(STDERR_FILENO) ? &progress : NULL, err,
                          sizeof err);
    if (meter.shown)
        fputc('\n', stderr);
    store_close(store);
    if (rc != 0) {
        fprintf(stderr, "chengguan backup: %s\n", err);
        return 1;
    }
    printf("backed up %s to %s\n", cmd.shown, cmd.argument);
    return 0;
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
    {"seed-demo", demo_seed_command, "seed the demo city (Maonan, Maoming) into the database"},
    {"import", command_import,
     "import grid cells, the gazetteer or set-up data: import "
     "grids|gazetteer|org-units|users|routing|assignments FILE"},
    {"audit", command_audit,
     "audit verify: check the hash chains of the case event log and the audit log"},
    {"org-unit", org_unit_command, "add an org unit (a new city starts here, see README)"},
    {"user", command_user, "add a user, change a password, disable or enable an account"},
    {"token", command_token, "issue an API token for a hotline platform, or set its callback"},
    {"backup", command_backup, "write a consistent copy of the database (safe while serving)"},
    {"copy", copy_command, "move a whole city to a new database (SQLite or PostgreSQL), verified"},
    {"check", command_check, "check the database's integrity (SQLite's integrity check)"},
    {"explain", command_explain, "show the query plans of the list, search and count statements"},
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
#ifdef CHENGGUAN_TEST_CLOCK
    // The demo's history ends at the test clock's now: a test seeds it at a
    // moment it chose, so the same cases are open every time it runs.
    if (strcmp(argv[1], "seed-demo") == 0)
        test_clock_start();
#endif
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (strcmp(argv[1], COMMANDS[i].name) == 0)
            return COMMANDS[i].run(argc, argv);
    fprintf(stderr, "chengguan: unknown command '%s'\n", argv[1]);
    print_usage(stderr);
    return 2;
}
