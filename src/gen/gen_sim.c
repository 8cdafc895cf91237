// SPDX-License-Identifier: MIT
// The generator's simulation: cases arrive over the years (more on working days,
// a slow growth, a day's hours), each with a plan drawn at intake (source,
// category, cell, verification, filing decision, a wrong department, an
// extension, a suspension, reworks, supervision, a rating, and a pace: brisk,
// slow or stuck). A heap orders every case's next step by time, so events are
// written in the order they happen, each with the store's clock set to its
// moment; a step's time is a fraction of its stage's limit in the calendar's
// working time, so deadlines and verdicts follow from the store's own rules.
// Whatever is due after the last moment stays undone: the open tail.
#include "gen.h"

#include "gen_sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---- the heap of next steps, by time then slot (deterministic) ----

static bool earlier(const struct gen_sim *sim, int a, int b)
{
    const struct gen_case *x = &sim->cases[a], *y = &sim->cases[b];
    return x->due < y->due || (x->due == y->due && a < b);
}

static void heap_set(struct gen_sim *sim, int at, int slot)
{
    sim->heap[at] = slot;
    sim->cases[slot].heap = at;
}

static void heap_up(struct gen_sim *sim, int at)
{
    int slot = sim->heap[at];
    while (at > 0 && earlier(sim, slot, sim->heap[(at - 1) / 2])) {
        heap_set(sim, at, sim->heap[(at - 1) / 2]);
        at = (at - 1) / 2;
    }
    heap_set(sim, at, slot);
}

static void heap_down(struct gen_sim *sim, int at)
{
    int slot = sim->heap[at];
    for (;;) {
        int child = 2 * at + 1;
        if (child >= sim->heap_count)
            break;
        if (child + 1 < sim->heap_count && earlier(sim, sim->heap[child + 1], sim->heap[child]))
            child++;
        if (!earlier(sim, sim->heap[child], slot))
            break;
        heap_set(sim, at, sim->heap[child]);
        at = child;
    }
    heap_set(sim, at, slot);
}

void gen_sim_heap_push(struct gen_sim *sim, int slot)
{
    sim->heap_count++;
    heap_set(sim, sim->heap_count - 1, slot);
    heap_up(sim, sim->heap_count - 1);
}

int gen_sim_heap_pop(struct gen_sim *sim)
{
    int top = sim->heap[0];
    sim->cases[top].heap = -1;
    if (--sim->heap_count > 0) {
        heap_set(sim, 0, sim->heap[sim->heap_count]);
        heap_down(sim, 0);
    }
    return top;
}

// ---- case slots ----

int gen_sim_slot_new(struct gen_sim *sim)
{
    if (sim->free_count > 0)
        return sim->free_slots[--sim->free_count];
    if (sim->used == sim->case_capacity) {
        int capacity = sim->case_capacity * 2;
        struct gen_case *cases = realloc(sim->cases, (size_t)capacity * sizeof *cases);
        int *heap = realloc(sim->heap, (size_t)capacity * sizeof *heap);
        int *free_slots = realloc(sim->free_slots, (size_t)capacity * sizeof *free_slots);
        if (cases != NULL)
            sim->cases = cases;
        if (heap != NULL)
            sim->heap = heap;
        if (free_slots != NULL)
            sim->free_slots = free_slots;
        if (cases == NULL || heap == NULL || free_slots == NULL)
            return -1;
        sim->case_capacity = capacity;
    }
    return sim->used++;
}

void gen_sim_slot_free(struct gen_sim *sim, int slot)
{
    sim->cases[slot].generation++;
    sim->free_slots[sim->free_count++] = slot;
}

// ---- arrivals ----

// How busy a day is: working days more than weekends and holidays, a slow growth
// over the years, the Spring Festival quieter and the rainy summer busier.
static double day_weight(const struct gen_sim *sim, int index, int date)
{
    double weight = worktime_is_working_date(&sim->city->calendar, date) ? 1.0 : 0.62;
    weight *= 1.0 + 0.3 * index / (double)sim->arrivals.days;
    int month = date / 100 % 100;
    if (month == 1 || month == 2)
        weight *= 0.85;
    else if (month >= 6 && month <= 9)
        weight *= 1.1;
    return weight;
}

static int arrivals_init(struct gen_sim *sim)
{
    struct arrivals *a = &sim->arrivals;
    const struct worktime_calendar *cal = &sim->city->calendar;
    int64_t until = sim->options.until;
    int last_date = worktime_local_date(cal, until);
    int64_t last_midnight = worktime_local_to_ms(cal, last_date, 0);
    a->days = sim->options.days;
    a->first_day = last_midnight - (int64_t)(a->days - 1) * WORKTIME_DAY_MS;
    a->per_day = calloc((size_t)a->days, sizeof *a->per_day);
    double *cumulative = calloc((size_t)a->days, sizeof *cumulative);
    if (a->per_day == NULL || cumulative == NULL) {
        free(cumulative);
        return -1;
    }
    double total = 0;
    for (int d = 0; d < a->days; d++) {
        int64_t midnight = a->first_day + (int64_t)d * WORKTIME_DAY_MS;
        double weight = day_weight(sim, d, worktime_local_date(cal, midnight));
        if (d == a->days - 1) // only the part of the last day before `until`
            weight *= (double)(until - midnight) / WORKTIME_DAY_MS;
        total += weight;
        cumulative[d] = total;
    }
    long filed = 0, most = 0;
    for (int d = 0; d < a->days; d++) {
        long upto = (long)llround((double)sim->options.cases * cumulative[d] / total);
        a->per_day[d] = upto - filed;
        filed = upto;
        most = a->per_day[d] > most ? a->per_day[d] : most;
    }
    free(cumulative);
    a->capacity = most + 1;
    a->times = calloc((size_t)a->capacity, sizeof *a->times);
    a->day = -1;
    return a->times == NULL ? -1 : 0;
}

static int compare_times(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

// The next arrival's time without taking it; INT64_MAX when all are filed.
int64_t gen_sim_arrival_peek(struct gen_sim *sim)
{
    struct arrivals *a = &sim->arrivals;
    while (a->next >= a->count) {
        if (a->day + 1 >= a->days)
            return INT64_MAX;
        a->day++;
        a->count = a->per_day[a->day];
        a->next = 0;
        int64_t midnight = a->first_day + (int64_t)a->day * WORKTIME_DAY_MS;
        int64_t span = a->day == a->days - 1 ? sim->options.until - midnight : WORKTIME_DAY_MS;
        for (long i = 0; i < a->count; i++) {
            // Most cases come in office hours (patrols, calls), the rest from 7 to 23.
            double hour = gen_rng_chance(&sim->rng, 0.7) ? gen_rng_range(&sim->rng, 8, 18)
                                                         : gen_rng_range(&sim->rng, 7, 23);
            int64_t at = (int64_t)(hour * WORKTIME_HOUR_MS);
            a->times[i] = midnight + (at < span ? at : (int64_t)(gen_rng_unit(&sim->rng) * span));
        }
        qsort(a->times, (size_t)a->count, sizeof *a->times, compare_times);
    }
    return a->times[a->next];
}

// ---- timing ----

// The limit a stage of the case counts against (the category's, else the default),
// as the store applies it (urgent cases round the clock).
struct casework_limit gen_sim_stage_limit(const struct gen_sim *sim, const struct gen_case *c,
                                          enum casework_stage stage)
{
    static const int CATEGORY_STAGE[CASEWORK_STAGE_COUNT] = {
        [CASEWORK_STAGE_FILE] = STORE_CATEGORY_FILE,
        [CASEWORK_STAGE_VERIFY] = STORE_CATEGORY_VERIFY,
        [CASEWORK_STAGE_DISPATCH] = STORE_CATEGORY_DISPATCH,
        [CASEWORK_STAGE_SIGN] = STORE_CATEGORY_SIGN,
        [CASEWORK_STAGE_ARRIVE] = -1,
        [CASEWORK_STAGE_HANDLE] = STORE_CATEGORY_HANDLE,
        [CASEWORK_STAGE_PHASE] = -1,
        [CASEWORK_STAGE_CHECK] = STORE_CATEGORY_CHECK,
        [CASEWORK_STAGE_CLOSE] = STORE_CATEGORY_CLOSE,
    };
    struct casework_limit limit = casework_default_limit(stage);
    int which = CATEGORY_STAGE[stage];
    const struct store_category_limit *set =
        which >= 0 ? &sim->city->categories[c->category].limits[which] : NULL;
    if (set != NULL && set->set) {
        limit.unit = set->unit;
        limit.minutes = set->unit == WORKTIME_WORK_DAYS
                            ? (int64_t)set->amount * worktime_daily_minutes(&sim->city->calendar)
                            : (int64_t)set->amount * 60;
    }
    return casework_effective_limit(limit, c->urgent);
}

// How much of a stage's limit the case takes: brisk cases mostly well inside it,
// slow ones around it and past it, stuck ones many times over while handling.
double gen_sim_pace(struct gen_sim *sim, const struct gen_case *c, bool handling)
{
    struct gen_rng *rng = &sim->rng;
    if (c->pace == PACE_STUCK && handling)
        return gen_rng_range(rng, 3, 40);
    if (c->pace == PACE_SLOW)
        return gen_rng_range(rng, 0.85, 2.4);
    if (gen_rng_chance(rng, 0.03))
        return gen_rng_range(rng, 1.0, 1.6);
    double u = gen_rng_unit(rng);
    return 0.03 + 0.72 * u * u;
}

// The moment a fraction f of limit has passed since start (working time for the
// working units, so office work happens in office hours).
int64_t gen_sim_after_limit(const struct gen_sim *sim, struct casework_limit limit, int64_t start,
                            double f)
{
    int64_t minutes = llround((double)limit.minutes * f);
    return worktime_add_minutes(&sim->city->calendar, start, limit.unit, minutes < 1 ? 1 : minutes);
}

// t, or a few minutes after the case's latest event when t is not later.
static int64_t not_before(struct gen_sim *sim, const struct gen_case *c, int64_t t)
{
    int64_t earliest = c->last + (1 + gen_rng_below(&sim->rng, 9)) * WORKTIME_MINUTE_MS;
    return t > earliest ? t : earliest;
}

const char *gen_sim_photo_stage(int action)
{
    switch (action) {
    case CASEFSM_ACTION_CONFIRM:
        return "verify";
    case CASEFSM_ACTION_HANDLE:
        return "after";
    case CASEFSM_ACTION_CHECK_PASS:
    case CASEFSM_ACTION_CHECK_FAIL:
        return "check";
    case CASEFSM_ACTION_ARRIVE:
        return "arrive";
    case CASEFSM_ACTION_PHASE:
        return "progress";
    default:
        return NULL;
    }
}

// Schedules the action at t (after its photo, when it needs one).
static void schedule(struct gen_sim *sim, struct gen_case *c, int action, int64_t t)
{
    t = not_before(sim, c, t);
    if (gen_sim_photo_stage(action) != NULL) {
        int64_t photo = t - (1 + gen_rng_below(&sim->rng, 15)) * WORKTIME_MINUTE_MS;
        c->next = STEP_PHOTO;
        c->then = (unsigned char)action;
        c->then_at = t;
        c->due = photo > c->last ? photo : c->last + 1000;
        if (c->then_at <= c->due)
            c->then_at = c->due + WORKTIME_MINUTE_MS;
    } else {
        c->next = (unsigned char)action;
        c->due = t;
    }
}

// ---- what comes next ----

// The supervisor on duty at t (three shifts, one desk each).
int gen_sim_supervisor_at(const struct gen_sim *sim, int64_t t)
{
    return sim->city->supervisors[(t / (8 * WORKTIME_HOUR_MS)) % sim->city->supervisor_count];
}

// Entering a handling round: when it will be reported fixed. A fresh round (a
// dispatch or a reopen) times an arrival (urgent cases) and the phases again; a
// rework times neither.
void gen_sim_plan_round(struct gen_sim *sim, struct gen_case *c, bool fresh)
{
    c->round_start = c->last;
    c->arrived = !fresh || !c->urgent;
    c->phases_done = fresh ? 0 : GEN_PHASES_MAX;
    struct casework_limit limit = gen_sim_stage_limit(sim, c, CASEWORK_STAGE_HANDLE);
    c->handle_at = gen_sim_after_limit(sim, limit, c->round_start, gen_sim_pace(sim, c, true));
}

// When the department reports the next phase of a multi-phase limit done (all
// but the last, which the handling itself ends), or 0 when no phase comes first.
static int64_t next_phase_at(struct gen_sim *sim, struct gen_case *c)
{
    const struct gen_category *category = &sim->city->categories[c->category];
    int phase = c->phases_done;
    if (phase >= category->phase_count - 1)
        return 0;
    const struct store_category_limit *set = &category->phase_limits[phase];
    struct casework_limit limit = {set->unit, set->unit == WORKTIME_WORK_DAYS
                                                  ? (int64_t)set->amount *
                                                        worktime_daily_minutes(&sim->city->calendar)
                                                  : (int64_t)set->amount * 60};
    limit = casework_effective_limit(limit, c->urgent);
    int64_t t = gen_sim_after_limit(sim, limit, c->round_start, gen_sim_pace(sim, c, false));
    if (t >= c->handle_at - WORKTIME_HOUR_MS) {
        c->phases_done = GEN_PHASES_MAX; // the handling ends them
        return 0;
    }
    return t;
}

// Decides the case's next step from its state and plan; STEP_NONE when done.
void gen_sim_decide(struct gen_sim *sim, struct gen_case *c)
{
    struct gen_rng *rng = &sim->rng;
    c->next = STEP_NONE;
    switch ((enum casefsm_state)c->state) {
    case CASEFSM_STATE_REPORTED: {
        struct casework_limit file = gen_sim_stage_limit(sim, c, CASEWORK_STAGE_FILE);
        int64_t t = gen_sim_after_limit(sim, file, c->last, gen_sim_pace(sim, c, false));
        if (c->verify && !c->verified)
            schedule(sim, c, CASEFSM_ACTION_VERIFY, t);
        else
            schedule(sim, c,
                     c->decision == FILE_REJECT  ? CASEFSM_ACTION_REJECT
                     : c->decision == FILE_MERGE ? CASEFSM_ACTION_MERGE
                                                 : CASEFSM_ACTION_ACCEPT,
                     t);
        break;
    }
    case CASEFSM_STATE_VERIFYING: {
        struct casework_limit verify = gen_sim_stage_limit(sim, c, CASEWORK_STAGE_VERIFY);
        schedule(sim, c, c->deny ? CASEFSM_ACTION_DENY : CASEFSM_ACTION_CONFIRM,
                 gen_sim_after_limit(sim, verify, c->last, gen_sim_pace(sim, c, false)));
        break;
    }
    case CASEFSM_STATE_ACCEPTED: {
        struct casework_limit dispatch = gen_sim_stage_limit(sim, c, CASEWORK_STAGE_DISPATCH);
        schedule(sim, c, CASEFSM_ACTION_DISPATCH,
                 gen_sim_after_limit(sim, dispatch, c->last, gen_sim_pace(sim, c, false)));
        break;
    }
    case CASEFSM_STATE_DISPATCHED: {
        struct casework_limit sign = gen_sim_stage_limit(sim, c, CASEWORK_STAGE_SIGN);
        struct casework_limit answer = gen_sim_stage_limit(sim, c, CASEWORK_STAGE_DISPATCH);
        if (c->pending == CASEFSM_PENDING_RETURN)
            schedule(sim, c, CASEFSM_ACTION_APPROVE,
                     gen_sim_after_limit(sim, answer, c->last, 0.3));
        else if (!c->arrived) // urgent: on site first (within half an hour), signed after
            schedule(sim, c, CASEFSM_ACTION_ARRIVE,
                     c->round_start +
                         (int64_t)(gen_sim_pace(sim, c, false) * 30 * WORKTIME_MINUTE_MS));
        else
            schedule(sim, c,
                     c->wrong_department && !c->returned ? CASEFSM_ACTION_REQUEST_RETURN
                                                         : CASEFSM_ACTION_SIGN,
                     gen_sim_after_limit(sim, sign, c->last, gen_sim_pace(sim, c, false)));
        break;
    }
    case CASEFSM_STATE_PROCESSING: {
        struct casework_limit answer = gen_sim_stage_limit(sim, c, CASEWORK_STAGE_DISPATCH);
        int64_t halfway = c->last + (c->handle_at - c->last) / 2, phase_at;
        if (c->pending == CASEFSM_PENDING_EXTENSION)
            schedule(sim, c, c->refuse_extension ? CASEFSM_ACTION_REFUSE : CASEFSM_ACTION_APPROVE,
                     gen_sim_after_limit(sim, answer, c->last, 0.4));
        else if (c->pending == CASEFSM_PENDING_SUSPENSION)
            schedule(sim, c, CASEFSM_ACTION_APPROVE,
                     gen_sim_after_limit(sim, answer, c->last, 0.4));
        else if ((phase_at = next_phase_at(sim, c)) != 0)
            schedule(sim, c, CASEFSM_ACTION_PHASE, phase_at);
        else if (c->extension && !c->extended)
            schedule(sim, c, CASEFSM_ACTION_REQUEST_EXTENSION, halfway);
        else if (c->suspension && !c->suspended)
            schedule(sim, c, CASEFSM_ACTION_REQUEST_SUSPENSION, halfway);
        else if (c->supervise && !c->supervised && c->handling_deadline > 0 &&
                 c->handle_at > c->handling_deadline + 3 * WORKTIME_HOUR_MS)
            schedule(sim, c, CASEFSM_ACTION_SUPERVISE,
                     c->handling_deadline + gen_rng_below(rng, 3 * 60) * WORKTIME_MINUTE_MS);
        else
            schedule(sim, c, CASEFSM_ACTION_HANDLE, c->handle_at);
        break;
    }
    case CASEFSM_STATE_SUSPENDED: {
        int64_t back = c->last + (5 + gen_rng_below(rng, 56)) * WORKTIME_DAY_MS;
        schedule(sim, c, CASEFSM_ACTION_RESUME,
                 worktime_add_minutes(&sim->city->calendar, back, WORKTIME_WORK_HOURS, 30));
        break;
    }
    case CASEFSM_STATE_HANDLED: {
        struct casework_limit check = gen_sim_stage_limit(sim, c, CASEWORK_STAGE_CHECK);
        schedule(sim, c,
                 c->reworks_done < c->reworks ? CASEFSM_ACTION_CHECK_FAIL
                                              : CASEFSM_ACTION_CHECK_PASS,
                 gen_sim_after_limit(sim, check, c->last, gen_sim_pace(sim, c, false)));
        break;
    }
    case CASEFSM_STATE_CHECKED: {
        struct casework_limit close = gen_sim_stage_limit(sim, c, CASEWORK_STAGE_CLOSE);
        schedule(sim, c, CASEFSM_ACTION_CLOSE,
                 gen_sim_after_limit(sim, close, c->last, gen_sim_pace(sim, c, false)));
        break;
    }
    case CASEFSM_STATE_CLOSED:
        if (c->rate && !c->rated) {
            c->next = STEP_RATE;
            c->due = c->last + (2 * 60 + gen_rng_below(rng, 70 * 60)) * WORKTIME_MINUTE_MS;
        }
        break;
    default: // rejected, merged: final
        break;
    }
}

// ---- the simulation's life ----

struct gen_sim *gen_sim_new(const struct gen_city *city, const struct gen_options *options)
{
    struct gen_sim *sim = calloc(1, sizeof *sim);
    if (sim == NULL)
        return NULL;
    sim->city = city;
    sim->options = *options;
    gen_rng_seed(&sim->rng, options->seed);
    sim->case_capacity = 4096;
    sim->cases = calloc((size_t)sim->case_capacity, sizeof *sim->cases);
    sim->heap = calloc((size_t)sim->case_capacity, sizeof *sim->heap);
    sim->free_slots = calloc((size_t)sim->case_capacity, sizeof *sim->free_slots);
    for (size_t i = 0; i < COUNT_OF(sim->recent); i++)
        sim->recent[i] = -1;
    api_public_code_hash(GEN_QUERY_CODE, sim->query_hash);
    if (sim->cases == NULL || sim->heap == NULL || sim->free_slots == NULL ||
        arrivals_init(sim) != 0) {
        gen_sim_free(sim);
        return NULL;
    }
    return sim;
}

const struct gen_counts *gen_sim_counts(const struct gen_sim *sim)
{
    return &sim->counts;
}

void gen_sim_free(struct gen_sim *sim)
{
    if (sim == NULL)
        return;
    free(sim->cases);
    free(sim->heap);
    free(sim->free_slots);
    free(sim->arrivals.per_day);
    free(sim->arrivals.times);
    free(sim);
}
