// SPDX-License-Identifier: MIT
// The benchmark database generator (not a test): fills a new database with the
// demo city, a larger synthetic city in the same district and N cases over the
// past years, every one filed and moved through the store's bulk interface with
// the store's clock set to its moments, so benchmarks measure a city's years and
// not an empty database. The city and the simulation are src/gen/ (gen.h). Usage:
//   gen --cases N --out FILE [--seed S] [--years Y | --days D] [--until YYYYMMDD]
#include "gen.h"

#include "auth.h"
#include "casefsm.h"
#include "cli.h"
#include "demo.h"
#include "log.h"
#include "store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

// ---- the command ----

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

struct run {
    struct timespec started;
    long total;
    const struct worktime_calendar *calendar;
};

static void progress(long done, int64_t at, void *data)
{
    struct run *run = data;
    double elapsed = seconds_since(&run->started), rate = elapsed > 0 ? done / elapsed : 0;
    double left = rate > 0 ? (double)(run->total - done) / rate : 0;
    fprintf(stderr, "\r  %ld/%ld cases  %d  %.0f cases/s  %.0f s left   ", done, run->total,
            worktime_local_date(run->calendar, at), rate, left);
    fflush(stderr);
}

static bool exists(const char *path, const char *suffix)
{
    char name[4096];
    snprintf(name, sizeof name, "%s%s", path, suffix);
    struct stat st;
    return stat(name, &st) == 0;
}

static void print_summary(const struct gen_counts *counts, const struct gen_city *city,
                          const char *out, double setup_s, double cases_s)
{
    struct stat st;
    double size_mb = stat(out, &st) == 0 ? (double)st.st_size / 1048576.0 : 0;
    printf("generated %ld cases in %.1f s (%.0f cases/s; setup %.1f s) into %s (%.0f MB)\n",
           counts->cases, cases_s, cases_s > 0 ? counts->cases / cases_s : 0, setup_s, out,
           size_mb);
    printf("  city: %d streets, %d cells, %d subclasses, %d users\n", city->street_count,
           city->cell_count, city->category_count, city->user_count);
    printf("  events %ld, steps %ld, photos %ld, ratings %ld (reopened %ld), reworks %ld, "
           "merged %ld, fixed on the spot %ld\n",
           counts->events_written, counts->steps, counts->photos, counts->ratings, counts->reopened,
           counts->reworked, counts->merged, counts->self_handled);
    printf("  states:");
    for (int s = 0; s < CASEFSM_STATE_COUNT; s++)
        if (counts->by_state[s] > 0)
            printf(" %s %ld (%.1f%%)", casefsm_state_name((enum casefsm_state)s),
                   counts->by_state[s], 100.0 * counts->by_state[s] / (double)counts->cases);
    printf("\n");
}

// The last moment of the generated history: the end of --until's day, or now.
static int64_t until_ms(const struct worktime_calendar *calendar, int until_date)
{
    if (until_date == 0)
        return store_now_ms();
    return worktime_local_to_ms(calendar, until_date, 24 * 60) - 1;
}

static int generate(struct store *store, const char *out, struct gen_options *options,
                    int until_date)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    char hash[AUTH_HASH_SIZE];
    struct gen_city city;
    if (auth_hash_password(DEMO_DEFAULT_PASSWORD, hash) != 0 ||
        gen_city_build(store, hash, &city) != 0) {
        store_close(store);
        return 1;
    }
    options->until = until_ms(&city.calendar, until_date);
    struct gen_sim *sim = gen_sim_new(&city, options);
    if (sim == NULL) {
        fprintf(stderr, "gen: out of memory\n");
        gen_city_free(&city);
        store_close(store);
        return 1;
    }
    struct run run = {.total = options->cases, .calendar = &city.calendar};
    double setup_s = seconds_since(&started);
    clock_gettime(CLOCK_MONOTONIC, &run.started);
    int rc = gen_sim_run(sim, store, options->progress ? progress : NULL, &run);
    double cases_s = seconds_since(&run.started);
    if (options->progress)
        fprintf(stderr, "\n");
    store_close(store); // checkpoints, so the file holds everything
    if (rc == 0)
        print_summary(gen_sim_counts(sim), &city, out, setup_s, cases_s);
    gen_sim_free(sim);
    gen_city_free(&city);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    int cases = 0, seed = 1, years = 2, days = 0, until_date = 0, per_commit = 4000,
        cache_mb = 1024;
    const char *out = NULL, *log_level = "warn";
    const struct cli_option options[] = {
        {"--cases", NULL, CLI_INT, &cases, "how many cases to generate (required)"},
        {"--out", NULL, CLI_STRING, &out, "the database file to create; refused when it exists"},
        {"--seed", NULL, CLI_INT, &seed,
         "random seed: the same seed and options give the "
         "same database (default 1)"},
        {"--years", NULL, CLI_INT, &years, "years of history up to --until (default 2)"},
        {"--days", NULL, CLI_INT, &days, "days of history instead of years (small test cities)"},
        {"--until", NULL, CLI_INT, &until_date,
         "YYYYMMDD: the history ends with this day (default: now)"},
        {"--commit", NULL, CLI_INT, &per_commit, "cases per transaction (default 4000)"},
        {"--cache-mb", NULL, CLI_INT, &cache_mb, "page cache of the writer in MiB (default 1024)"},
        {"--log-level", NULL, CLI_STRING, &log_level, "error, warn, info or debug (default warn)"},
    };
    const char *positional[1];
    int positional_count = 0;
    int rc = cli_parse("gen", "gen --cases N --out FILE [options]", options, (int)COUNT_OF(options),
                       argc, argv, 1, positional, 0, &positional_count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    int level = log_level_from_name(log_level);
    if (out == NULL || cases < 1 || years < 1 || years > 20 || days < 0 || days > 7300 ||
        per_commit < 1 || cache_mb < 0 || level < 0 ||
        (until_date != 0 && !worktime_date_valid(until_date))) {
        fprintf(stderr, "gen: give --cases N (N >= 1) and --out FILE; --years 1..20, --days "
                        "1..7300, --until a date YYYYMMDD, --commit >= 1 (see --help)\n");
        return 2;
    }
    if (exists(out, "") || exists(out, "-wal") || exists(out, "-shm")) {
        fprintf(stderr, "gen: %s exists already; choose a new file\n", out);
        return 1;
    }
    log_set_level((enum log_level)level);
    if (sodium_init() < 0) {
        fprintf(stderr, "gen: libsodium failed to start\n");
        return 1;
    }
    char err[512];
    struct store_options store_options = {.path = out, .durable = false, .cache_mb = cache_mb};
    struct store *store = store_open(&store_options, err, sizeof err);
    if (store == NULL) {
        fprintf(stderr, "gen: %s\n", err);
        return 1;
    }
    struct gen_options gen = {.cases = cases,
                              .days = days > 0 ? days : years * 365 + 1,
                              .seed = (uint64_t)(unsigned)seed,
                              .cases_per_commit = per_commit,
                              .progress = isatty(STDERR_FILENO)};
    return generate(store, out, &gen, until_date);
}
