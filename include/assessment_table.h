// SPDX-License-Identifier: MIT
// The assessment table outside a request: the configuration in force and the
// ranked rows of one group over one period, as GET /api/v1/assessment renders
// them. For the red and black list snapshots, which the scheduler freezes with
// no request at hand (implemented in src/api/api_assessment.c).
#ifndef CHENGGUAN_ASSESSMENT_TABLE_H
#define CHENGGUAN_ASSESSMENT_TABLE_H

#include "assessment.h"

#include <cjson/cJSON.h>
#include <stdint.h>

struct arena;
struct jurisdiction;
struct store;

// Loads the configuration in force into *config: the defaults, overridden by
// the stored setting. Returns STORE_OK, STORE_INVALID (the stored setting does
// not pass the checks) or the store's failure.
int assessment_settings_load(struct store *store, struct assessment_config *config);

// Adds the configuration to into: the weights (of every group when only is
// ASSESSMENT_GROUP_COUNT, then also honours_size; else of that group, flat)
// and the grade thresholds. Returns into.
cJSON *assessment_config_json(const struct assessment_config *config, enum assessment_group only,
                              cJSON *into);

// The rows of group over [from, to) (ms) for the groups j may see, as of now,
// best first (groups without a composite last), each with id, code, name,
// counts, rates, composite, grade and rank. Scratch memory comes from arena.
// Returns a new array the caller owns, or NULL with *rc set to the store's
// failure (STORE_ERROR when out of memory).
cJSON *assessment_table_rows(struct arena *arena, struct store *store, const struct jurisdiction *j,
                             enum assessment_group group, int64_t from, int64_t to, int64_t now,
                             const struct assessment_config *config, int *rc);

#endif
