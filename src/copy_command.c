// SPDX-License-Identifier: MIT
// `chengguan copy`: opens the source read-only and the target (created and
// migrated when new), runs store_copy, and prints a line per table and the
// verdict. A SQLite target file the command created is removed again when the
// copy does not hold, so a failed copy leaves nothing behind.
#include "copy_command.h"

#include "cli.h"
#include "log.h"
#include "store.h"
#include "store_copy.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char USAGE[] =
    "copy --from LOCATION --to LOCATION\n"
    "  Moves a whole city to a new, empty database: every table with its ids, in one\n"
    "  transaction on the target, then verified there (row counts of every table, the\n"
    "  audit chain, the overview counts against a recount); if anything differs the\n"
    "  target is left as it was. A LOCATION is a SQLite file path or a PostgreSQL\n"
    "  connection string (postgres://..., postgresql://..., or host=... dbname=...).\n"
    "  The source is only read and must be at this chengguan's schema version (run\n"
    "  'chengguan migrate' on it first); the target is created or migrated, and must\n"
    "  hold no city yet. Stop the servers that write to the source first: rows written\n"
    "  after the copy began are not in it. Photos are files, not rows: move the data\n"
    "  directory's photos/ with the database.\n"
    "  Exit status: 0 copied and verified, 1 refused or failed, 2 bad usage.";

static bool is_postgres(const char *location)
{
    static const char *const PREFIXES[] = {"postgres://", "postgresql://", "host=", "dbname="};
    for (size_t i = 0; i < sizeof PREFIXES / sizeof PREFIXES[0]; i++)
        if (strncmp(location, PREFIXES[i], strlen(PREFIXES[i])) == 0)
            return true;
    return false;
}

// Removes a SQLite database file and its WAL and shared-memory files.
static void remove_sqlite_files(const char *path)
{
    static const char *const SUFFIXES[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof SUFFIXES / sizeof SUFFIXES[0]; i++) {
        char name[4096];
        if ((size_t)snprintf(name, sizeof name, "%s%s", path, SUFFIXES[i]) < sizeof name)
            unlink(name);
    }
}

static void print_table(const char *name, int64_t source_rows, int64_t target_rows, void *data)
{
    (void)data;
    printf("  %-22s %10lld %10lld%s\n", name, (long long)source_rows, (long long)target_rows,
           source_rows == target_rows ? "" : "  DIFFERS");
}

// Opens a store for the command; NULL after printing why. The target's one
// long transaction gets a large page cache, so SQLite spills fewer pages.
static struct store *open_store(const char *location, bool read_only, const char *role)
{
    char err[512];
    struct store_options options = {
        .path = location, .durable = true, .read_only = read_only, .cache_mb = read_only ? 0 : 256};
    struct store *store = store_open(&options, err, sizeof err);
    if (store == NULL)
        fprintf(stderr, "chengguan copy: the %s: %s\n", role, err);
    return store;
}

// Prints the verdict of a copy that ran (rc from store_copy, seconds it took).
static void print_verdict(const struct store_copy_report *report, int rc, double seconds)
{
    if (report->counts_equal)
        printf("rows copied: %lld in %.1f s (%.0f rows/s)\n", (long long)report->rows, seconds,
               seconds > 0 ? (double)report->rows / seconds : 0.0);
    if (report->counts_equal && report->broken_at == 0)
        printf("audit chain: intact (%lld events)\n", (long long)report->events);
    else if (report->counts_equal)
        printf("audit chain: BROKEN at event %lld\n", (long long)report->broken_at);
    if (report->counts_equal)
        printf("overview counts: %s\n",
               report->tallies_match ? "match a recount" : "DIFFER from a recount");
    if (rc == STORE_OK)
        printf("verdict: copied and verified\n");
    else
        fprintf(stderr, "chengguan copy: %s; the target is left as it was\n", report->problem);
}

// Copies between the two opened stores and reports. Returns the exit status.
static int run_copy(const char *from, const char *to)
{
    struct stat st;
    bool target_new = !is_postgres(to) && stat(to, &st) != 0 && errno == ENOENT;
    if (!is_postgres(from) && stat(from, &st) != 0) {
        fprintf(stderr, "chengguan copy: no source database at %s: %s\n", from, strerror(errno));
        return 1;
    }
    struct store *source = open_store(from, true, "source");
    if (source == NULL)
        return 1;
    if (store_schema_version(source) != store_latest_schema_version()) {
        fprintf(stderr,
                "chengguan copy: the source has schema version %d, this chengguan %d; run "
                "'chengguan migrate' on it first\n",
                store_schema_version(source), store_latest_schema_version());
        store_close(source);
        return 1;
    }
    struct store *target = open_store(to, false, "target");
    if (target == NULL) {
        store_close(source);
        return 1;
    }
    printf("copy: from %s to %s\n  %-22s %10s %10s\n", store_engine_name(source),
           store_engine_name(target), "table", "source", "target");
    struct store_copy_report report = {.table = print_table};
    int64_t started = store_now_ms();
    int rc = store_copy(source, target, &report);
    print_verdict(&report, rc, (double)(store_now_ms() - started) / 1000.0);
    // The target first: its writer thread holds the source's read connection.
    store_close(target);
    store_close(source);
    if (rc != STORE_OK && target_new)
        remove_sqlite_files(to);
    return rc == STORE_OK ? 0 : 1;
}

int copy_command(int argc, char **argv)
{
    const char *from = NULL, *to = NULL, *level = "warn";
    const struct cli_option options[] = {
        {"--from", NULL, CLI_STRING, &from, "the database to copy (a file path or postgres://...)"},
        {"--to", NULL, CLI_STRING, &to, "the new database (a file path or postgres://...)"},
        {"--log-level", "CHENGGUAN_LOG_LEVEL", CLI_STRING, &level,
         "error, warn, info or debug (default warn)"},
    };
    const char *positional[1];
    int count;
    int rc = cli_parse("copy", USAGE, options, sizeof options / sizeof options[0], argc, argv, 2,
                       positional, 0, &count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (from == NULL || to == NULL || *from == '\0' || *to == '\0') {
        fprintf(stderr, "chengguan copy: give both --from LOCATION and --to LOCATION "
                        "(see 'chengguan copy --help')\n");
        return 2;
    }
    if (strcmp(from, to) == 0) {
        fprintf(stderr, "chengguan copy: --from and --to name the same database\n");
        return 2;
    }
    int log_level = log_level_from_name(level);
    if (log_level < 0) {
        fprintf(stderr, "chengguan copy: unknown log level '%s'\n", level);
        return 2;
    }
    log_set_level((enum log_level)log_level);
    return run_copy(from, to);
}
