// SPDX-License-Identifier: MIT
// The demo city: Maoming (4409) with Maonan district (440902), three streets, six
// communities, 144 grid cells of about 100 m x 100 m at real coordinates, the
// departments cases are dispatched to, and one staff account per role, so a fresh
// install can be tried at once. For demonstrations and tests only.
#ifndef CHENGGUAN_DEMO_H
#define CHENGGUAN_DEMO_H

#include <cjson/cJSON.h>

struct store;

// The demo accounts' password unless `seed-demo --password` gives another.
#define DEMO_DEFAULT_PASSWORD "chengguan-demo-2026"

// Seeds the demo city into an empty database: places, departments and cells in
// one write, then the users (store_user_create, each with password_hash, a
// crypto_pwhash_str string), then the cells' inspectors and grid leaders. Users:
// admin (admin, city 4409); leader, supervisor, operator (district 440902);
// supervisor_hq, inspector (Hongqi street 440902001: inspector of its cells and
// grid leader of 440902001001); supervisor_hx, inspector_hx (Hexi street
// 440902002); inspector_hd (Hedong 440902003); dept_municipal, dept_sanitation,
// dept_landscaping (district departments 440902-D01..D03); dept_hongqi (the
// Hongqi street office 440902001-D01). When summary is not NULL it receives the
// counts as a new JSON object the caller owns (NULL on failure). Returns STORE_OK,
// STORE_CONFLICT when the demo city exists already (nothing written), or
// STORE_ERROR (places written before the failure stay).
int demo_seed(struct store *store, const char *password_hash, cJSON **summary);

// Adds the demo city's 门前三包 (src/demo_frontage.c): responsible units with
// plates, patrol checks, the 示范街 criteria and last month's evaluations,
// published. Needs the demo places and users. Returns STORE_OK or the store's
// failure.
int demo_frontage_seed(struct store *store);

// The demo history: about 25 cases a day over the `days` days up to now, filed
// and moved by the demo accounts on the demo city just seeded (demo_seed), the
// same every time but for the dates. Creates an account (password_hash) for
// each department without one, dept_<code> (dept_440902_d09). Adds "history" (days, cases, ratings,
// reopened and the cases in each state) to summary when it is not NULL. Returns
// STORE_OK or STORE_ERROR (the cases of the failing transaction are not kept).
int demo_history(struct store *store, const char *password_hash, int days, cJSON *summary);

// The days of history seed-demo adds unless --history-days says otherwise.
#define DEMO_HISTORY_DAYS 120

// `chengguan seed-demo [--if-empty] [--password PW] [--history-days N]` with the
// common --data-dir, --db and --log-level options. Hashes the password once
// (Argon2id, interactive limits), seeds the city and then N days of history (0:
// none); --if-empty does nothing when any user exists. Prints the summary as
// JSON on standard output. Returns the exit status: 0 seeded (or nothing to do
// with --if-empty), 1 failure or city already present, 2 bad usage.
int demo_seed_command(int argc, char **argv);

#endif
