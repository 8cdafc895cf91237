// SPDX-License-Identifier: MIT
// The store conformance suite's fixture: a fresh store per test, a tiny city
// seeded through store functions only, and helpers that file cases, move them,
// attach photos and read back what was stored. Public headers only: no engine
// header, no SQL.
//
// Which engine: CHENGGUAN_TEST_STORE is the location handed to store_open, with
// every "{n}" replaced by a name unique to the test (required, since every test
// needs an empty store). Unset, it is tests/.tmp/store-{n}.db, a SQLite file
// per test. A file starts as a copy of one template migrated and seeded once
// per run (CHENGGUAN_TEST_STORE_TEMPLATE, which tests/run.sh shares between the
// binaries). A PostgreSQL location (postgres://u:p@host:port/cg_{n}, say)
// gets a database per test, CREATE DATABASE ... TEMPLATE a database migrated
// and seeded once per binary ({n} = "tmpl_<pid>"), dropped at teardown; the
// user needs CREATEDB. Other locations with "://" are opened, migrated and
// seeded for each test. An engine is done when every test of tests/store
// passes against it.
#ifndef CHENGGUAN_TESTS_STORE_FIXTURE_H
#define CHENGGUAN_TESTS_STORE_FIXTURE_H

#include "casefsm.h"
#include "casework.h"
#include "jurisdiction.h"
#include "roles.h"
#include "store.h"
#include "store_attachments.h"
#include "store_case_lists.h"
#include "store_cases.h"
#include "worktime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

// The tiny city: one district with two streets, one community each, three grid
// cells (A1 and A2 side by side in community A of street 1, B1 south of A1 in
// community B of street 2), departments of the district and of each street, and
// one user per role. Ids are filled by conf_setup.
struct conf_city {
    int64_t city, district, street1, street2, community_a, community_b;
    int64_t municipal, sanitation, office1, office2; // departments
    int64_t grid_a1, grid_a2, grid_b1;
    // Users: an inspector of community A, supervisors of the district and of
    // street 1, an operator and a leader of the district, the municipal
    // department, street 1's office, an admin of the city.
    int64_t inspector, supervisor, street1_supervisor, operator_user, leader, municipal_user,
        office1_user, admin;
    struct worktime_calendar calendar;
};

// Grid geometry in 1e-7 degree units: column edges west to east, row edges
// north to south (A1 and A2 lie between rows 0 and 1, B1 between rows 1 and 2).
#define CONF_LON_E7(i) (1109000000LL + (i)*10000LL)
#define CONF_LAT_E7(j) (216610000LL - (j)*10000LL)
double conf_lon(int i);
double conf_lat(int j);

extern struct store *store;
extern struct conf_city city;
extern char conf_data_dir[]; // a fresh directory for photo files, removed afterwards

// Opens a fresh store, seeds the city and loads the calendar (Criterion .init).
void conf_setup(void);
// Closes the store and removes what conf_setup created (Criterion .fini).
void conf_teardown(void);
// The location string of the test's store (for messages and backups).
const char *conf_location(void);
// True when the store lives in a plain file (the default SQLite engine).
bool conf_store_is_file(void);

// A patrol report by the inspector: in the cell `grid_id` (0: no point at all),
// with a category found by tree and code (NULL tree: none). Fails the test when
// the store refuses it.
struct store_case conf_report(const char *description, int64_t grid_id, const char *tree,
                              const char *code);

// The centre of a cell of the city.
void conf_cell_centre(int64_t grid_id, double *lon, double *lat);

// Fills intake for a case at the centre of grid_id (0: unplaced), as
// conf_report does, so a test can change fields before store_case_create.
void conf_intake(struct case_intake *intake, const char *description, int64_t grid_id);

// The id of a subclass (fails the test when missing).
int64_t conf_category(const char *tree, const char *code);

// One transition of *c by a user: fills case_id and expected_version from *c,
// the actor's role and name from the user, and on STORE_OK replaces *c with the
// updated case. Returns the store's result; refusal may be NULL.
int conf_act(struct store_case *c, int64_t user_id, struct case_transition t,
             struct case_refusal *refusal);

// Like conf_act, but fails the test unless the store returns STORE_OK.
void conf_must(struct store_case *c, int64_t user_id, struct case_transition t);

// Attaches a new photo (bytes never used before) to a case at `stage` as a user
// (0: a citizen); its file is saved under conf_data_dir. Fails the test unless
// stored. Writes the hash to hash_out when not NULL.
void conf_photo(int64_t case_id, const char *stage, int64_t user_id,
                char hash_out[STORE_ATTACHMENT_HASH_LEN + 1]);

// Makes a fix on the spot of intake: self_handled, with a fresh before and after
// photo uploaded by the intake's reporter (store_upload_add) listed in its photos.
// The photos live in static storage until the next call.
void conf_fix_on_the_spot(struct case_intake *intake);

// Makes fresh photo bytes (len bytes into data) and their hash.
void conf_photo_bytes(unsigned char *data, size_t len,
                      char hash_out[STORE_ATTACHMENT_HASH_LEN + 1]);

// Walks a case the standard way from reported to closed: accept, dispatch to the
// municipal department, sign, handle, check-pass, close (photos included).
void conf_close(struct store_case *c);

// The case as stored now (fails the test when missing).
struct store_case conf_get(int64_t id);

// Events of a case, oldest first: their number, and copies of the first max.
size_t conf_events(int64_t case_id, struct store_case_event *out, size_t max);

// Stage records of a case, oldest first: their number, and copies of the first max.
size_t conf_stages(int64_t case_id, struct store_case_stage *out, size_t max);

// The number of events in the whole chain, checking that it verifies.
int64_t conf_audit_count(void);

// The jurisdiction of a user, built as authentication builds it.
struct jurisdiction conf_jurisdiction(int64_t user_id);

// Every case id the filter lists (all pages, limit per page), into ids (max);
// returns the count. Fails the test on an error or a page overflow.
// One page of store_case_list as ids (room for filter->limit): the listed case
// ids into ids, their number into *count. Returns the store's result.
int conf_list_page(const struct store_case_filter *filter, int64_t *ids, size_t *count,
                   bool *more, struct store_case_cursor *next);

// The id of a grid cell or an org unit by code (fails the test when missing).
int64_t conf_grid_id(const char *code);
int64_t conf_unit_id(const char *code);

size_t conf_list_all(struct store_case_filter filter, int64_t *ids, size_t max);

// True when id is among the n ids.
bool conf_has(const int64_t *ids, size_t n, int64_t id);

#endif
