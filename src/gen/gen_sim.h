// SPDX-License-Identifier: MIT
// The generator's simulation, private to gen_sim.c (time: arrivals, the heap of
// next steps, the stage limits and the plan of what each case does next) and
// gen_steps.c (filing cases and running their steps through the store's bulk
// interface): the case slots and the state they share.
#ifndef CHENGGUAN_GEN_SIM_H
#define CHENGGUAN_GEN_SIM_H

#include "gen.h"

#include "api_public.h"
#include "casework.h"
#include "store_cases.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

// The query code of every generated citizen case, so that benchmarks can open
// the citizen's tracking page.
#define GEN_QUERY_CODE   "BENCH23456"
#define REOPEN_WINDOW_MS (7 * WORKTIME_DAY_MS)

// Where cases come from (case_record.source); gen_steps.c has their names and shares.
enum source {
    SRC_PATROL,
    SRC_12345,
    SRC_12319,
    SRC_WEB,
    SRC_110,
    SRC_VIDEO,
    SRC_LEADER,
    SRC_MEDIA,
    SRC_COUNT
};

enum pace { PACE_BRISK, PACE_SLOW, PACE_STUCK };
enum decision { FILE_ACCEPT, FILE_REJECT, FILE_MERGE };

// What runs at a case's `due`: a photo first (then `then` at then_at), or an action.
enum step {
    STEP_PHOTO = CASEFSM_ACTION_COUNT, // values below are casefsm actions
    STEP_RATE,
    STEP_NONE,
};

struct gen_case {
    int64_t id, version;
    int64_t due, then_at; // the next step's time; the action's after its photo
    int64_t last;         // time of the case's latest event
    int64_t round_start;  // the current handling round began (dispatch, rework, resume)
    int64_t handle_at;    // when the department will report it fixed this round
    int64_t handling_deadline;
    int64_t department_id;
    int heap; // position in the heap; -1 when not queued
    uint32_t generation;
    int cell;
    short category;
    unsigned char source, state, pending, pace, decision;
    unsigned char next, then; // enum step or casefsm action
    bool urgent, verify, deny, wrong_department, extension, refuse_extension, suspension, supervise,
        rate, verified, returned, extended, suspended, supervised, arrived, rated;
    unsigned char reworks, reworks_done, phases_done, rating;
};

struct arrivals {
    int64_t first_day; // local date of the first day, as epoch ms of its midnight
    int days;
    long *per_day;
    int day;          // the day being filed
    int64_t *times;   // its arrival times, sorted
    long count, next; // how many that day, the next to file
    long capacity;
};

struct gen_sim {
    const struct gen_city *city;
    struct gen_options options;
    struct gen_rng rng;
    struct gen_counts counts;
    int64_t clock; // what store_now_ms answers during a bulk
    struct arrivals arrivals;
    struct gen_case *cases;
    int case_capacity, *free_slots, free_count, used;
    int *heap, heap_count;
    int recent[64]; // the latest filed cases' slots (merge targets)
    uint32_t recent_generation[64];
    unsigned recent_next;
    long photo_serial, ticket_serial[SRC_COUNT];
    unsigned char query_hash[API_PUBLIC_CODE_HASH];
    long filed_this_bulk;
    bool finished;
    struct store_case out; // the store's answer to the latest step
    char text[3][512];     // description, address, event facts
};

// ---- shared between gen_sim.c and gen_steps.c ----

// Queues a case slot by its due time; takes the earliest one off the queue.
void gen_sim_heap_push(struct gen_sim *sim, int slot);
int gen_sim_heap_pop(struct gen_sim *sim);

// A free case slot (zeroing is the caller's), or -1 when out of memory; gives a
// finished case's slot back (its generation changes, so old references see it gone).
int gen_sim_slot_new(struct gen_sim *sim);
void gen_sim_slot_free(struct gen_sim *sim, int slot);

// The next arrival's time without taking it (INT64_MAX when every case is filed);
// gen_steps.c takes it by advancing arrivals.next.
int64_t gen_sim_arrival_peek(struct gen_sim *sim);

// The limit of a stage of the case as the store applies it.
struct casework_limit gen_sim_stage_limit(const struct gen_sim *sim, const struct gen_case *c,
                                          enum casework_stage stage);

// The share of a stage's limit the case takes (handling: the handle stage).
double gen_sim_pace(struct gen_sim *sim, const struct gen_case *c, bool handling);

// The moment a share f of limit has passed since start, in the limit's unit.
int64_t gen_sim_after_limit(const struct gen_sim *sim, struct casework_limit limit, int64_t start,
                            double f);

// The district supervisor on duty at t (index in city->users).
int gen_sim_supervisor_at(const struct gen_sim *sim, int64_t t);

// The photo stage an action's evidence needs ("after" for handle...), or NULL.
const char *gen_sim_photo_stage(int action);

// Starts a handling round at the case's latest event (fresh: a dispatch or reopen).
void gen_sim_plan_round(struct gen_sim *sim, struct gen_case *c, bool fresh);

// Sets the case's next step and its time from its state and plan (STEP_NONE: done).
void gen_sim_decide(struct gen_sim *sim, struct gen_case *c);

#endif
