// SPDX-License-Identifier: MIT
// The case generator (src/gen/), which the benchmark database generator
// (tests/bench/gen.c) and seed-demo's history (src/demo_history.c) drive: its
// random numbers, the city it fills (the demo city plus a larger synthetic one
// in the same district, or the demo city alone, read back from the store into
// arrays), the texts of cases, and the simulation that files and moves the
// cases through the store's bulk interface.
#ifndef CHENGGUAN_GEN_H
#define CHENGGUAN_GEN_H

#include "casefsm.h"
#include "roles.h"
#include "store_categories.h"
#include "worktime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_bulk;

// ---- random numbers (xoshiro256**: fast, and the same on every machine) ----

struct gen_rng {
    uint64_t s[4];
};

// Seeds the generator from one number (splitmix64 expands it).
void gen_rng_seed(struct gen_rng *rng, uint64_t seed);
// The next 64 random bits.
uint64_t gen_rng_next(struct gen_rng *rng);
// A double in [0, 1).
double gen_rng_unit(struct gen_rng *rng);
// An int in [0, n) (0 when n <= 0).
int gen_rng_below(struct gen_rng *rng, int n);
// True with probability p.
bool gen_rng_chance(struct gen_rng *rng, double p);
// A double in [lo, hi).
double gen_rng_range(struct gen_rng *rng, double lo, double hi);
// The index i of the first cumulative[i] > a uniform draw in [0, cumulative[n-1]).
int gen_rng_pick(struct gen_rng *rng, const double *cumulative, int n);

// ---- the city ----

#define GEN_NAME_MAX 128

struct gen_user {
    int64_t id;
    enum role role;
    char name[GEN_NAME_MAX];
};

struct gen_street {
    int64_t id;
    char code[16];
    char name[GEN_NAME_MAX];
    int64_t office_id; // its street office (属地兜底)
};

struct gen_cell {
    int64_t grid_id, community_id, street_id, district_id;
    double west, east, south, north; // the cell's bounding box (cells are rectangles)
    int street;                      // index in gen_city.streets
    int inspector;                   // index in gen_city.users: the cell's inspector
    int road;                        // index of the road its addresses name
};

#define GEN_KINDS_MAX   24
#define GEN_STREETS_MAX 16
#define GEN_PHASES_MAX  4

struct gen_category {
    int64_t id;
    char tree[12];
    char code[8];
    char name_zh[STORE_CATEGORY_NAME_ZH_MAX + 1];
    bool urgent;
    bool fixable; // small enough for an inspector to fix on the spot
    int kind;     // index in gen_city.kinds: the department kind it goes to
    struct store_category_limit limits[STORE_CATEGORY_STAGE_COUNT];
    int phase_count;
    char phase_codes[GEN_PHASES_MAX][16];
    struct store_category_limit phase_limits[GEN_PHASES_MAX];
};

struct gen_city {
    struct worktime_calendar calendar;
    struct gen_user *users;
    int user_count;
    int supervisors[8], supervisor_count; // district supervisors (file, dispatch, close)
    int operators[8], operator_count;     // hotline operators
    int leader;                           // the district's leader (supervision notices)
    struct gen_street streets[GEN_STREETS_MAX];
    int street_count;
    struct gen_cell *cells;
    double *cell_weights; // cumulative: some cells see far more cases than others
    int cell_count;
    struct gen_category *categories;
    double *category_weights; // cumulative: exposed garbage and vendors lead
    int category_count;
    char kinds[GEN_KINDS_MAX][STORE_CATEGORY_KIND_MAX + 1];
    int kind_count;
    int64_t department[GEN_KINDS_MAX][GEN_STREETS_MAX]; // by kind and street
    int64_t *department_ids;                            // every department used ...
    int *department_users;                              // ... and the user acting for it
    int department_count;
};

// Seeds the demo city (demo_seed with password_hash), then the synthetic streets,
// communities, cells, street offices and users of district 440902, and reads
// everything the simulation needs back from the store into *city (free it with
// gen_city_free). Returns 0, or -1 after printing the reason to standard error.
int gen_city_build(struct store *store, const char *password_hash, struct gen_city *city);

// Reads the demo city (demo_seed) alone into *city: its three streets and 144
// cells, the categories and departments, and its accounts (supervisor,
// operator, leader, the street inspectors, the department accounts), creating
// an account (password_hash) for each department that has none, named
// dept_<its code> (dept_440902_d09). Returns 0, or -1 after printing the
// reason to standard error.
int gen_city_demo(struct store *store, const char *password_hash, struct gen_city *city);

// The user acting for a department (index in city->users); the district
// supervisor's index when none does.
int gen_city_department_user(const struct gen_city *city, int64_t department_id);

// Frees what gen_city_build allocated. Accepts a zeroed city.
void gen_city_free(struct gen_city *city);

// ---- texts ----

// A citizen-style description of a problem of the category near the cell, with the
// subclass name in it (so a search for 井盖 or 垃圾 finds its cases), into out.
void gen_text_description(struct gen_rng *rng, const struct gen_category *category,
                          const char *road, char *out, size_t size);

// An address on the cell's road: "茂南区<street><road><n>号附近".
void gen_text_address(struct gen_rng *rng, const char *street, const char *road, char *out,
                      size_t size);

// The name of road index i (any int; wraps).
const char *gen_text_road(int i);

// How many road names there are.
int gen_text_road_count(void);

// A caller's name ("王先生") and a mobile number.
void gen_text_caller(struct gen_rng *rng, char *name, size_t name_size, char *phone,
                     size_t phone_size);

// A short staff note for an action (the reason or the result), static text.
const char *gen_text_note(struct gen_rng *rng, const char *action);

// ---- the simulation ----

struct gen_options {
    long cases;           // how many cases to file
    int days;             // spread over this many days up to `until`
    int64_t until;        // the last moment (epoch ms): the database's "now"
    uint64_t seed;        // same seed, same options: same database
    int cases_per_commit; // cases filed per bulk transaction
    bool progress;        // print a progress line (on a terminal)
    // Each step due in the last idle_ms before `until` is left undone with
    // probability idle_share[the case's state] (nobody has got to it yet), so
    // a city's present shows cases waiting in every state, some near or past
    // their limits. All 0: none.
    int64_t idle_ms;
    double idle_share[CASEFSM_STATE_COUNT];
};

// Counts the summary prints.
struct gen_counts {
    long cases, events_written, steps, photos, ratings, reopened, reworked, merged, self_handled;
    long by_state[16];
};

struct gen_sim;

// Prepares the simulation of options->cases cases over the city. Returns NULL
// when out of memory. The city must outlive it.
struct gen_sim *gen_sim_new(const struct gen_city *city, const struct gen_options *options);

// Runs the simulation to its end, one store_bulk per options->cases_per_commit
// cases, calling progress(done, day, data) after each commit. Returns 0, or -1
// after printing the failing step to standard error.
int gen_sim_run(struct gen_sim *sim, struct store *store,
                void (*progress)(long done, int64_t at, void *data), void *data);

// The counts so far.
const struct gen_counts *gen_sim_counts(const struct gen_sim *sim);

// Frees the simulation. Accepts NULL.
void gen_sim_free(struct gen_sim *sim);

#endif
