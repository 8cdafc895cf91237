// SPDX-License-Identifier: MIT
// The generator's steps through the store: filing a case (its plan drawn, its
// text, its place in a cell, report photos uploaded first, a fix on the spot
// with its before and after photos), each transition by the user whose job it
// is, photos before the actions that need them, citizens' ratings, and the loop
// that runs them in time order, a few thousand cases per bulk transaction.
#include "gen_sim.h"

#include "store_bulk.h"

#include <stdio.h>
#include <string.h>

static const char *const SOURCE_NAMES[SRC_COUNT] = {"patrol", "12345", "12319",  "web",
                                                    "110",    "video", "leader", "media"};
// Patrols find most cases, then the 12345 hotline, web forms, video and the rest.
static const double SOURCE_CUMULATIVE[SRC_COUNT] = {58, 80, 85, 91, 94, 98, 99, 100};

// What store_now_ms answers while the simulation writes.
static int64_t sim_now(void *ctx)
{
    return ((const struct gen_sim *)ctx)->clock;
}

static uint64_t splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// A photo's content hash: unique per photo, the same for the same seed.
static void photo_hash(struct gen_sim *sim, char out[STORE_ATTACHMENT_HASH_LEN + 1])
{
    uint64_t base = splitmix(sim->options.seed) ^ (uint64_t)++sim->photo_serial * 4;
    for (int i = 0; i < 4; i++)
        snprintf(out + 16 * i, 17, "%016llx", (unsigned long long)splitmix(base + (uint64_t)i));
}

static int64_t photo_size(struct gen_sim *sim)
{
    return 150000 + gen_rng_below(&sim->rng, 2400000);
}

static const struct gen_user *user(const struct gen_sim *sim, int index)
{
    return &sim->city->users[index];
}

static void count_state(struct gen_sim *sim, int from, int to)
{
    if (from >= 0)
        sim->counts.by_state[from]--;
    sim->counts.by_state[to]++;
}

static int failed(const struct gen_sim *sim, const struct gen_case *c, const char *what, int rc,
                  const char *message)
{
    fprintf(stderr, "gen: %s of case %lld (state %s) at %lld failed: store result %d%s%s\n", what,
            (long long)c->id, casefsm_state_name((enum casefsm_state)c->state),
            (long long)sim->clock, rc, message ? ": " : "", message ? message : "");
    return rc == STORE_OK ? STORE_ERROR : rc;
}

// ---- filing ----

// Draws what will happen to a case filed now from `source`.
static void plan(struct gen_sim *sim, struct gen_case *c)
{
    struct gen_rng *rng = &sim->rng;
    bool patrol = c->source == SRC_PATROL;
    double draw = gen_rng_unit(rng);
    c->pace = draw < 0.89 ? PACE_BRISK : draw < 0.97 ? PACE_SLOW : PACE_STUCK;
    c->verify = !patrol && gen_rng_chance(rng, 0.45);
    c->deny = c->verify && gen_rng_chance(rng, 0.1);
    draw = gen_rng_unit(rng);
    c->decision = draw < (patrol ? 0.02 : 0.06)   ? FILE_REJECT
                  : draw < (patrol ? 0.03 : 0.09) ? FILE_MERGE
                                                  : FILE_ACCEPT;
    c->wrong_department = gen_rng_chance(rng, 0.03);
    c->extension = gen_rng_chance(rng, 0.04);
    c->refuse_extension = gen_rng_chance(rng, 0.25);
    c->suspension = gen_rng_chance(rng, 0.015);
    draw = gen_rng_unit(rng);
    c->reworks = draw < 0.01 ? 2 : draw < 0.06 ? 1 : 0;
    c->supervise = c->pace != PACE_BRISK && gen_rng_chance(rng, 0.5);
    bool citizen = c->source == SRC_12345 || c->source == SRC_12319 || c->source == SRC_110 ||
                   c->source == SRC_WEB;
    c->rate = citizen && gen_rng_chance(rng, 0.75);
    draw = gen_rng_unit(rng);
    c->rating = draw < 0.80 ? 0 : draw < 0.94 ? 1 : 2;
}

// Uploads n photos of the reporter (held for the intake) and lists them.
static int upload_photos(struct gen_sim *sim, struct store_bulk *bulk, int64_t reporter,
                         const char *const *stages, int n,
                         char hashes[][STORE_ATTACHMENT_HASH_LEN + 1],
                         struct case_intake_photo *photos)
{
    for (int i = 0; i < n; i++) {
        photo_hash(sim, hashes[i]);
        int rc = store_bulk_upload(bulk, reporter, hashes[i], "image/jpeg", photo_size(sim));
        if (rc != STORE_OK)
            return rc;
        photos[i] = (struct case_intake_photo){hashes[i], stages[i]};
    }
    return STORE_OK;
}

// Remembers a filed case as a merge target for the cases after it.
static void remember(struct gen_sim *sim, int slot)
{
    unsigned at = sim->recent_next++ % COUNT_OF(sim->recent);
    sim->recent[at] = slot;
    sim->recent_generation[at] = sim->cases[slot].generation;
}

// Files the next arrival at sim->clock.
static int file_case(struct gen_sim *sim, struct store_bulk *bulk)
{
    struct gen_rng *rng = &sim->rng;
    const struct gen_city *city = sim->city;
    int slot = gen_sim_slot_new(sim);
    if (slot < 0)
        return STORE_ERROR;
    struct gen_case *c = &sim->cases[slot];
    uint32_t generation = c->generation;
    *c = (struct gen_case){.heap = -1, .generation = generation, .last = sim->clock};
    c->source =
        (unsigned char)gen_rng_pick(rng, SOURCE_CUMULATIVE, (int)COUNT_OF(SOURCE_CUMULATIVE));
    int minute =
        (int)((sim->clock / WORKTIME_MINUTE_MS + city->calendar.utc_offset_minutes) % 1440);
    if (c->source == SRC_PATROL && (minute < 7 * 60 + 30 || minute > 19 * 60))
        c->source = SRC_12345; // no patrol at night: the hotline takes it
    c->category = (short)gen_rng_pick(rng, city->category_weights, city->category_count);
    c->cell = gen_rng_pick(rng, city->cell_weights, city->cell_count);
    const struct gen_category *category = &city->categories[c->category];
    const struct gen_cell *cell = &city->cells[c->cell];
    c->urgent = category->urgent;
    plan(sim, c);
    bool patrol = c->source == SRC_PATROL, web = c->source == SRC_WEB;
    bool self_handled = patrol && category->fixable && gen_rng_chance(rng, 0.55);

    const char *road = gen_text_road(cell->road);
    gen_text_description(rng, category, road, sim->text[0], sizeof sim->text[0]);
    gen_text_address(rng, city->streets[cell->street].name, road, sim->text[1],
                     sizeof sim->text[1]);
    char caller[32] = "", phone[32] = "", ticket[40] = "";
    int reporter =
        patrol ? cell->inspector : city->operators[gen_rng_below(rng, city->operator_count)];
    struct case_intake in = {
        .source = SOURCE_NAMES[c->source],
        .description = sim->text[0],
        .address = sim->text[1],
        .has_location = true,
        .lat = gen_rng_range(rng, cell->south, cell->north),
        .lon = gen_rng_range(rng, cell->west, cell->east),
        .category_id = category->id,
        .urgent = c->urgent,
        .reporter_user_id = web ? 0 : user(sim, reporter)->id,
        .actor_role = web      ? "citizen"
                      : patrol ? "inspector"
                               : "operator",
        .actor_name = web ? "市民" : user(sim, reporter)->name,
        .self_handled = self_handled,
        .grid_id = cell->grid_id,
        .community_id = cell->community_id,
        .street_id = cell->street_id,
        .district_id = cell->district_id,
    };
    if (!patrol) {
        gen_text_caller(rng, caller, sizeof caller, phone, sizeof phone);
        in.citizen_name = caller;
        in.citizen_phone = phone;
    }
    if (web)
        in.query_code_hash = sim->query_hash;
    else if (!patrol) {
        snprintf(ticket, sizeof ticket, "%s-%08ld", SOURCE_NAMES[c->source],
                 ++sim->ticket_serial[c->source]);
        in.external_id = ticket;
    }
    char hashes[3][STORE_ATTACHMENT_HASH_LEN + 1];
    struct case_intake_photo photos[3];
    static const char *const FIX[] = {"before", "after"};
    static const char *const REPORT[] = {"report", "report"};
    int photo_count = self_handled ? 2 : patrol ? 1 + gen_rng_chance(rng, 0.3) : 0;
    int rc = upload_photos(sim, bulk, in.reporter_user_id, self_handled ? FIX : REPORT, photo_count,
                           hashes, photos);
    in.photos = photos;
    in.photo_count = (size_t)photo_count;
    if (rc == STORE_OK)
        rc = store_bulk_case_create(bulk, &city->calendar, &in, &sim->out);
    if (rc != STORE_OK)
        return failed(sim, c, "filing", rc, NULL);
    c->id = sim->out.id;
    c->version = sim->out.version;
    c->state = (unsigned char)sim->out.state;
    count_state(sim, -1, c->state);
    sim->counts.cases++;
    sim->counts.events_written += 1 + photo_count;
    sim->counts.photos += photo_count;
    sim->counts.self_handled += self_handled;
    sim->filed_this_bulk++;
    if (web && gen_rng_chance(rng, 0.4)) { // a citizen's photo of the problem
        char hash[STORE_ATTACHMENT_HASH_LEN + 1];
        photo_hash(sim, hash);
        struct store_attachment_new photo = {.case_id = c->id,
                                             .hash = hash,
                                             .mime = "image/jpeg",
                                             .size = photo_size(sim),
                                             .stage = "report",
                                             .actor_role = "citizen",
                                             .actor_name = "市民"};
        struct store_attachment_outcome outcome;
        if ((rc = store_bulk_attach(bulk, &photo, &outcome)) != STORE_OK || !outcome.created)
            return failed(sim, c, "a citizen's photo", rc, NULL);
        sim->counts.events_written++;
        sim->counts.photos++;
    }
    sim->arrivals.next++;
    if (self_handled) {
        gen_sim_slot_free(sim, slot);
        return STORE_OK;
    }
    remember(sim, slot);
    gen_sim_decide(sim, c);
    gen_sim_heap_push(sim, slot);
    return STORE_OK;
}

// ---- steps ----

// An open case filed shortly before c that c may duplicate (same category
// preferred), or 0.
static int64_t merge_target(const struct gen_sim *sim, const struct gen_case *c)
{
    int64_t any = 0;
    for (unsigned back = 1; back <= COUNT_OF(sim->recent); back++) {
        unsigned at = (sim->recent_next - back) % COUNT_OF(sim->recent);
        int slot = sim->recent[at];
        if (slot < 0 || sim->cases[slot].generation != sim->recent_generation[at])
            continue;
        const struct gen_case *other = &sim->cases[slot];
        if (other == c || other->id == c->id ||
            !casefsm_state_is_open((enum casefsm_state)other->state))
            continue;
        if (other->category == c->category)
            return other->id;
        if (any == 0)
            any = other->id;
    }
    return any;
}

// The department a dispatch goes to: the one of the category's kind for the
// cell's street, or (the first time, when the plan says so) a wrong one.
static int64_t department_for(struct gen_sim *sim, const struct gen_case *c)
{
    const struct gen_city *city = sim->city;
    int kind = city->categories[c->category].kind, street = city->cells[c->cell].street;
    int64_t right = city->department[kind][street];
    if (!c->wrong_department || c->returned || city->kind_count < 2)
        return right;
    for (int tries = 0; tries < 8; tries++) {
        int other = (kind + 1 + gen_rng_below(&sim->rng, city->kind_count - 1)) % city->kind_count;
        if (city->department[other][street] != right)
            return city->department[other][street];
    }
    return right;
}

// Who takes an action on the case (index in city->users).
static int actor_of(const struct gen_sim *sim, const struct gen_case *c, int action)
{
    const struct gen_city *city = sim->city;
    switch (action) {
    case CASEFSM_ACTION_VERIFY:
        return c->source == SRC_PATROL ? gen_sim_supervisor_at(sim, sim->clock)
                                       : city->operators[c->id % city->operator_count];
    case CASEFSM_ACTION_CONFIRM:
    case CASEFSM_ACTION_DENY:
    case CASEFSM_ACTION_CHECK_PASS:
    case CASEFSM_ACTION_CHECK_FAIL:
        return city->cells[c->cell].inspector;
    case CASEFSM_ACTION_SIGN:
    case CASEFSM_ACTION_REQUEST_RETURN:
    case CASEFSM_ACTION_REQUEST_EXTENSION:
    case CASEFSM_ACTION_REQUEST_SUSPENSION:
    case CASEFSM_ACTION_RESUME:
    case CASEFSM_ACTION_ARRIVE:
    case CASEFSM_ACTION_PHASE:
    case CASEFSM_ACTION_HANDLE:
        return gen_city_department_user(city, c->department_id);
    case CASEFSM_ACTION_SUPERVISE:
        return city->leader;
    default:
        return gen_sim_supervisor_at(sim, sim->clock);
    }
}

// Attaches the photo the coming action needs, taken by the one who will act.
static int take_photo(struct gen_sim *sim, struct store_bulk *bulk, struct gen_case *c)
{
    char hash[STORE_ATTACHMENT_HASH_LEN + 1];
    photo_hash(sim, hash);
    const struct gen_user *by = user(sim, actor_of(sim, c, c->then));
    struct store_attachment_new photo = {.case_id = c->id,
                                         .hash = hash,
                                         .mime = "image/jpeg",
                                         .size = photo_size(sim),
                                         .stage = gen_sim_photo_stage(c->then),
                                         .uploaded_by = by->id,
                                         .actor_role = role_name(by->role),
                                         .actor_name = by->name};
    struct store_attachment_outcome outcome;
    int rc = store_bulk_attach(bulk, &photo, &outcome);
    if (rc != STORE_OK || !outcome.created)
        return failed(sim, c, "a photo", rc, photo.stage);
    sim->counts.events_written++;
    sim->counts.photos++;
    c->next = c->then;
    c->due = c->then_at;
    return STORE_OK;
}

// A citizen's (web) or the hotline's callback (回访) rating of the closure.
static int rate(struct gen_sim *sim, struct store_bulk *bulk, struct gen_case *c)
{
    static const char *const RATINGS[] = {"satisfied", "basically_satisfied", "unsatisfied"};
    static const char *const COMMENTS[] = {"处理及时，满意", "基本解决", "问题没有解决，又出现了"};
    bool reopened = false;
    struct store_case_rating rating = {
        .case_id = c->id,
        .rating = RATINGS[c->rating],
        .comment = gen_rng_chance(&sim->rng, 0.4) ? COMMENTS[c->rating] : NULL,
        .source = c->source == SRC_WEB ? "citizen" : "hotline",
        .calendar = &sim->city->calendar,
        .reopen_window_ms = REOPEN_WINDOW_MS,
        .reopened = &reopened,
    };
    int rc = store_bulk_rate(bulk, &rating);
    if (rc != STORE_OK)
        return failed(sim, c, "rating", rc, NULL);
    c->rated = true;
    sim->counts.ratings++;
    sim->counts.events_written++;
    if (reopened) { // the store reopened it in the same transaction: one transition
        c->version++;
        count_state(sim, c->state, CASEFSM_STATE_DISPATCHED);
        c->state = CASEFSM_STATE_DISPATCHED;
        c->rate = gen_rng_chance(&sim->rng, 0.5); // the second closure may be rated too
        c->rated = false;
        c->rating = 0;
        c->reworks = c->reworks_done;
        sim->counts.reopened++;
        sim->counts.events_written++;
        c->handling_deadline = 0;
        gen_sim_plan_round(sim, c, true);
    }
    return STORE_OK;
}

// Fills the transition's action-specific fields (the API's event facts too).
static void fill_action(struct gen_sim *sim, struct gen_case *c, struct case_transition *t)
{
    char *facts = sim->text[2];
    size_t size = sizeof sim->text[2];
    switch (t->action) {
    case CASEFSM_ACTION_MERGE:
        t->target_case_id = merge_target(sim, c);
        snprintf(facts, size, "{\"target_case_id\":%lld}", (long long)t->target_case_id);
        t->data_json = facts;
        break;
    case CASEFSM_ACTION_DISPATCH:
        t->department_id = department_for(sim, c);
        snprintf(facts, size, "{\"department_id\":%lld}", (long long)t->department_id);
        t->data_json = facts;
        break;
    case CASEFSM_ACTION_REQUEST_EXTENSION: {
        struct casework_limit handle = gen_sim_stage_limit(sim, c, CASEWORK_STAGE_HANDLE);
        t->amount = handle.unit == WORKTIME_WORK_DAYS ? 2 + gen_rng_below(&sim->rng, 9)
                                                      : 4 + gen_rng_below(&sim->rng, 13);
        snprintf(facts, size, "{\"amount\":%d}", t->amount);
        t->data_json = facts;
        break;
    }
    case CASEFSM_ACTION_PHASE:
        t->phase = sim->city->categories[c->category].phase_codes[c->phases_done];
        snprintf(facts, size, "{\"phase\":\"%s\"}", t->phase);
        t->data_json = facts;
        break;
    default:
        break;
    }
}

// What the case's plan learns from an action that went through.
static void after_action(struct gen_sim *sim, struct gen_case *c, const struct case_transition *t)
{
    switch (t->action) {
    case CASEFSM_ACTION_VERIFY:
        c->verified = true;
        break;
    case CASEFSM_ACTION_DISPATCH:
        c->department_id = t->department_id;
        gen_sim_plan_round(sim, c, true);
        break;
    case CASEFSM_ACTION_APPROVE:
        c->returned = c->returned || c->state == CASEFSM_STATE_ACCEPTED;
        break;
    case CASEFSM_ACTION_REQUEST_EXTENSION:
        c->extended = true;
        break;
    case CASEFSM_ACTION_REQUEST_SUSPENSION:
        c->suspended = true;
        break;
    case CASEFSM_ACTION_RESUME: {
        struct casework_limit handle = gen_sim_stage_limit(sim, c, CASEWORK_STAGE_HANDLE);
        c->handle_at = gen_sim_after_limit(sim, handle, c->last, gen_sim_pace(sim, c, true) / 2);
        break;
    }
    case CASEFSM_ACTION_ARRIVE:
        c->arrived = true;
        break;
    case CASEFSM_ACTION_PHASE:
        c->phases_done++;
        break;
    case CASEFSM_ACTION_SUPERVISE:
        c->supervised = true;
        break;
    case CASEFSM_ACTION_CHECK_FAIL:
        c->reworks_done++;
        sim->counts.reworked++;
        gen_sim_plan_round(sim, c, false);
        break;
    case CASEFSM_ACTION_MERGE:
        sim->counts.merged++;
        break;
    default:
        break;
    }
}

// One transition of the case, by the user whose job it is.
static int transition(struct gen_sim *sim, struct store_bulk *bulk, struct gen_case *c, int action)
{
    const struct gen_user *by = user(sim, actor_of(sim, c, action));
    struct case_transition t = {
        .case_id = c->id,
        .expected_version = c->version,
        .action = (enum casefsm_action)action,
        .actor_user_id = by->id,
        .actor_role = by->role,
        .actor_name = by->name,
        .urgent = -1,
        .reopen_window_ms = REOPEN_WINDOW_MS,
    };
    t.note = gen_text_note(&sim->rng, casefsm_action_name(t.action));
    fill_action(sim, c, &t);
    if (t.action == CASEFSM_ACTION_MERGE && t.target_case_id == 0) {
        t.action = CASEFSM_ACTION_ACCEPT; // nothing to merge into: file it after all
        t.note = NULL;
        t.data_json = NULL;
    }
    struct case_refusal refusal = {.message = ""};
    int rc = store_bulk_case_transition(bulk, &sim->city->calendar, &t, &sim->out, &refusal);
    if (rc != STORE_OK)
        return failed(sim, c, casefsm_action_name(t.action), rc, refusal.message);
    count_state(sim, c->state, sim->out.state);
    c->version = sim->out.version;
    c->state = (unsigned char)sim->out.state;
    c->pending = (unsigned char)sim->out.pending;
    c->handling_deadline = sim->out.handling_deadline;
    sim->counts.events_written++;
    after_action(sim, c, &t);
    return STORE_OK;
}

// Runs the step of the case due first.
static int run_step(struct gen_sim *sim, struct store_bulk *bulk, int slot)
{
    struct gen_case *c = &sim->cases[slot];
    sim->clock = c->due;
    sim->counts.steps++;
    int rc;
    if (c->next == STEP_PHOTO) {
        if ((rc = take_photo(sim, bulk, c)) == STORE_OK) {
            c->last = sim->clock;
            gen_sim_heap_push(sim, slot);
        }
        return rc;
    }
    rc = c->next == STEP_RATE ? rate(sim, bulk, c) : transition(sim, bulk, c, c->next);
    if (rc != STORE_OK)
        return rc;
    c->last = sim->clock;
    gen_sim_decide(sim, c);
    if (c->next == STEP_NONE)
        gen_sim_slot_free(sim, slot);
    else
        gen_sim_heap_push(sim, slot);
    return STORE_OK;
}

// Whether the case's next action, due at `due`, waits past the end
// (options.idle_ms): the case stays as it is. Photos are taken regardless, so
// each state has one draw, not one per photo before its action.
static bool idles(struct gen_sim *sim, const struct gen_case *c, int64_t due)
{
    return sim->options.idle_ms > 0 && c->next != STEP_PHOTO &&
           due > sim->options.until - sim->options.idle_ms &&
           gen_rng_chance(&sim->rng, sim->options.idle_share[c->state]);
}

// One bulk transaction: files cases_per_commit cases and runs every step due
// before the next filing, in time order.
static int bulk_run(struct store_bulk *bulk, void *data)
{
    struct gen_sim *sim = data;
    sim->filed_this_bulk = 0;
    long steps = 0, most_steps = 16L * sim->options.cases_per_commit;
    while (sim->filed_this_bulk < sim->options.cases_per_commit && steps < most_steps) {
        int64_t arrival = gen_sim_arrival_peek(sim);
        int64_t step = sim->heap_count > 0 ? sim->cases[sim->heap[0]].due : INT64_MAX;
        if (step > sim->options.until)
            step = INT64_MAX; // after the last moment: left undone, the open tail
        if (arrival == INT64_MAX && step == INT64_MAX) {
            sim->finished = true;
            return STORE_OK;
        }
        int rc = STORE_OK;
        if (arrival <= step) {
            sim->clock = arrival;
            rc = file_case(sim, bulk);
        } else if (idles(sim, &sim->cases[sim->heap[0]], step)) {
            gen_sim_slot_free(sim, gen_sim_heap_pop(sim));
        } else {
            rc = run_step(sim, bulk, gen_sim_heap_pop(sim));
            steps++;
        }
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

int gen_sim_run(struct gen_sim *sim, struct store *store,
                void (*progress)(long done, int64_t at, void *data), void *data)
{
    store_set_clock(sim_now, sim);
    int rc = STORE_OK;
    while (!sim->finished && rc == STORE_OK) {
        rc = store_bulk(store, bulk_run, sim);
        if (rc == STORE_OK && progress != NULL)
            progress(sim->counts.cases, sim->clock, data);
    }
    store_set_clock(NULL, NULL);
    if (rc != STORE_OK)
        fprintf(stderr, "gen: the bulk transaction failed (result %d); nothing of it was kept\n",
                rc);
    return rc == STORE_OK ? 0 : -1;
}
