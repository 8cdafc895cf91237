// SPDX-License-Identifier: MIT
// The demo city's past (`seed-demo --history-days N`): the case generator
// (src/gen/) files and moves some 25 cases a day over the N days up to now on
// the demo city's own cells, departments and accounts (plus one for each
// department the demo gives none, so every step is taken by its role), through
// the store's bulk interface with the store's clock set to each moment. Stage
// records, verdicts, ratings, tallies and the audit chain are therefore the
// store's own, and the steps due after now stay undone: the open cases, some
// of them late.
#include "demo.h"

#include "casefsm.h"
#include "gen.h"
#include "store.h"

// A middling day of a district's three old-town streets.
enum { DEMO_HISTORY_CASES_PER_DAY = 25 };
// A quarter of the actions due in the last three days wait past now, half of
// the departments' handling and most closings (the closing desk is behind), so
// every state has cases and some stages are late (red) or nearly so (yellow)
// when the history ends.
enum { DEMO_HISTORY_IDLE_HOURS = 72 };
#define DEMO_HISTORY_IDLE_SHARE    0.25
#define DEMO_HISTORY_IDLE_HANDLING 0.5
#define DEMO_HISTORY_IDLE_CLOSING  0.8
// The same seed every time: the same plans and texts, shifted to today's dates.
#define DEMO_HISTORY_SEED 20260412u

static void add_summary(cJSON *summary, int days, const struct gen_counts *counts)
{
    cJSON *history = cJSON_AddObjectToObject(summary, "history");
    cJSON_AddNumberToObject(history, "days", days);
    cJSON_AddNumberToObject(history, "cases", (double)counts->cases);
    cJSON_AddNumberToObject(history, "ratings", (double)counts->ratings);
    cJSON_AddNumberToObject(history, "reopened", (double)counts->reopened);
    cJSON *states = cJSON_AddObjectToObject(history, "states");
    for (int s = 0; s < CASEFSM_STATE_COUNT; s++)
        if (counts->by_state[s] > 0)
            cJSON_AddNumberToObject(states, casefsm_state_name((enum casefsm_state)s),
                                    (double)counts->by_state[s]);
}

int demo_history(struct store *store, const char *password_hash, int days, cJSON *summary)
{
    struct gen_city city;
    if (gen_city_demo(store, password_hash, &city) != 0)
        return STORE_ERROR;
    struct gen_options options = {.cases = (long)days * DEMO_HISTORY_CASES_PER_DAY,
                                  .days = days,
                                  .until = store_now_ms(),
                                  .seed = DEMO_HISTORY_SEED,
                                  .cases_per_commit = 1000,
                                  .idle_ms = DEMO_HISTORY_IDLE_HOURS * 3600000LL};
    for (int state = 0; state < CASEFSM_STATE_COUNT; state++)
        options.idle_share[state] = DEMO_HISTORY_IDLE_SHARE;
    options.idle_share[CASEFSM_STATE_PROCESSING] = DEMO_HISTORY_IDLE_HANDLING;
    options.idle_share[CASEFSM_STATE_CHECKED] = DEMO_HISTORY_IDLE_CLOSING;
    struct gen_sim *sim = gen_sim_new(&city, &options);
    int rc = sim != NULL && gen_sim_run(sim, store, NULL, NULL) == 0 ? STORE_OK : STORE_ERROR;
    if (rc == STORE_OK && summary != NULL)
        add_summary(summary, days, gen_sim_counts(sim));
    gen_sim_free(sim);
    gen_city_free(&city);
    return rc;
}
