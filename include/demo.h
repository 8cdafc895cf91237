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

// `chengguan seed-demo [--if-empty] [--password PW]` with the common --data-dir,
// --db and --log-level options. Hashes the password once (Argon2id, interactive
// limits) and seeds; --if-empty does nothing when any user exists. Prints the
// summary as JSON on standard output. Returns the exit status: 0 seeded (or
// nothing to do with --if-empty), 1 failure or city already present, 2 bad usage.
int demo_seed_command(int argc, char **argv);

#endif
