// SPDX-License-Identifier: MIT
// The assessment table outside a request: reading the configuration and the
// ranked rows of one group over one period, as GET /api/v1/assessment renders
// them. For the red and black list snapshots, which the scheduler freezes with
// no request at hand (implemented in src/api/api_assessment.c).
#ifndef CHENGGUAN_ASSESSMENT_TABLE_H
#define CHENGGUAN_ASSESSMENT_TABLE_H

#include "assessment.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct jurisdiction;
struct store;

// The stored setting that holds the configuration (JSON) and its largest size.
#define ASSESSMENT_SETTING_KEY "assessment"
#define ASSESSMENT_SETTING_MAX 4096

// Reads {"weights": {group: {rate: percent}}, "grades": {"A": n, ...},
// "honours_size": n} into *config over what it holds (members left out keep
// their value) and checks the result. Returns NULL, or a static message with
// field (field_size bytes) set to the member to blame.
const char *assessment_config_read(const cJSON *json, struct assessment_config *config,
                                   char *field, size_t field_size);

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
