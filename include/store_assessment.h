// SPDX-License-Identifier: MIT
// What an assessment reads from the store: the groups it ranks (departments,
// streets, communities, grid cells, inspectors, the centre's operators, in a
// jurisdiction) and the recorded facts of a period (stage records by the time
// they fell due, cases by the time they were reported, ratings by the time they
// were given), each with every key it may be grouped by. Grouping and counting
// are the caller's (assessment.h); instance settings are in store_users.h.
#ifndef CHENGGUAN_STORE_ASSESSMENT_H
#define CHENGGUAN_STORE_ASSESSMENT_H

#include "assessment.h"

#include <stdint.h>

struct jurisdiction;
struct store;

// One group an assessment lists. Strings are valid during the callback only.
struct store_assessment_group {
    int64_t id;            // org unit, grid cell or user id
    const char *code;      // unit or cell code, or the user's username
    const char *name;      // name, or the user's display name
    int64_t unit_id;       // users: their org unit (an inspector's community); else 0
    const char *unit_name; // users: their org unit's name; else ""
    int64_t cells;         // areas: grid cells in the area (1 for a cell); else 0
};

// Calls fn for each group of kind `group` that j may see, by code: the
// departments j may use (jurisdiction_may_use_department), the streets,
// communities and grid cells inside j, the inspectors (role inspector) and
// operators (roles operator and supervisor) whose unit lies inside j.
// Returns STORE_OK or STORE_ERROR.
int store_assessment_groups(struct store *store, const struct jurisdiction *j,
                            enum assessment_group group,
                            void (*fn)(const struct store_assessment_group *row, void *data),
                            void *data);

// One recorded fact and the keys it may be grouped by (0: none).
struct store_assessment_fact {
    enum { STORE_FACT_STAGE, STORE_FACT_REPORT, STORE_FACT_RATING } kind;
    int64_t unit_id;   // stage: the responsible unit; rating: the case's department
    int64_t user_id;   // stage: who ended it; report: who reported it
    int64_t street_id, community_id, grid_id; // the case's places
    struct assessment_stage_fact stage;       // STORE_FACT_STAGE
    struct assessment_report_fact report;     // STORE_FACT_REPORT
    const char *rating;                       // STORE_FACT_RATING
};

// Calls fn for every fact of [from, to) (ms) about the cases whose place lies
// in j's case range (jurisdiction_case_range): the file, verify, dispatch,
// handle and check records whose deadline (or, ended while paused, whose end)
// falls in it, the cases created in it, the ratings given in it. Each read walks
// an index on its time, so the cost follows the period's facts, not the
// history. The fact is valid during the call only. Returns STORE_OK or
// STORE_ERROR.
int store_assessment_facts(struct store *store, const struct jurisdiction *j, int64_t from,
                           int64_t to,
                           void (*fn)(const struct store_assessment_fact *fact, void *data),
                           void *data);

#endif
