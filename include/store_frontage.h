// SPDX-License-Identifier: MIT
// 门前三包 in the store: the registry of responsible units (create, change,
// get, list by jurisdiction with keyset pages), the cases that name a unit
// (its violation counter kept in the same transaction), patrol checks (a
// failed one may file a case naming the unit in the same transaction), and
// 示范街 evaluations: criteria per city, one evaluation per street, segment and
// period, and the publication that freezes a period (audited in audit_log).
#ifndef CHENGGUAN_STORE_FRONTAGE_H
#define CHENGGUAN_STORE_FRONTAGE_H

#include "frontage.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct case_intake;
struct jurisdiction;
struct store;
struct store_actor;
struct store_case;
struct worktime_calendar;

#define FRONTAGE_NAME_MAX  127
#define FRONTAGE_PLATE_MAX 31

// One responsible unit (责任单位).
struct store_frontage_unit {
    int64_t id;
    char name[FRONTAGE_NAME_MAX + 1];
    char kind[16]; // shop, restaurant, market, institution, residential, enterprise, other
    char address[256];
    double lat, lon;
    int64_t grid_id; // 0: the point lies in no cell
    char grid_code[16];
    int64_t street_id;
    char street_name[128];
    char place_path[128]; // its community's (its cell's), else its street's
    int64_t place_id;     // on create and update: that community or street
    char contact_name[64], contact_phone[32];
    double frontage_m;
    bool duty_appearance, duty_sanitation, duty_order;
    char plate_no[FRONTAGE_PLATE_MAX + 1];
    bool active;
    int violations;
    int64_t last_check_at; // 0: never checked
    int last_check_passed; // 1, 0, or -1 when never checked
    int64_t created_at, updated_at;
};

// Creates count units in one transaction (their ids set into ids, which may
// be NULL). The caller located each point (grid_id, street_id, and place_id
// whose path becomes place_path). Returns STORE_OK, STORE_CONFLICT (a plate
// number is taken; none is created) or STORE_ERROR.
int store_frontage_units_create(struct store *store, const struct store_frontage_unit *units,
                                size_t count, int64_t *ids);

// Replaces every registry field of unit id by unit's (violations and checks
// stay). Returns STORE_OK, STORE_NOT_FOUND, STORE_CONFLICT (plate taken) or
// STORE_ERROR.
int store_frontage_unit_update(struct store *store, const struct store_frontage_unit *unit);

// Loads unit id. Returns STORE_OK, STORE_NOT_FOUND or STORE_ERROR.
int store_frontage_unit_get(struct store *store, int64_t id, struct store_frontage_unit *out);

struct store_frontage_filter {
    const struct jurisdiction *jurisdiction;
    int64_t street_id;        // 0: any
    int64_t grid_id;          // 0: any
    int64_t assigned_user_id; // > 0: only units in the cells this inspector is assigned
    const char *text;         // a part of the name, address or plate; NULL: any
    bool by_violations;       // most violations first (ties by id), else by id
    // keyset: after the unit (after_violations, after_id) of the last page; 0: first page
    int64_t after_id;
    int after_violations;
    int limit;
};

// Calls fn for each unit the filter selects, in its order, at most limit.
// Returns STORE_OK or STORE_ERROR.
int store_frontage_unit_list(struct store *store, const struct store_frontage_filter *filter,
                             void (*fn)(const struct store_frontage_unit *unit, void *data),
                             void *data);

// Names unit_id (0: none) as the unit responsible for case case_id, moving
// the case's count from the unit it named before, and appends a "frontage"
// note event to the case. Returns STORE_OK, STORE_NOT_FOUND or STORE_ERROR.
int store_frontage_case_link(struct store *store, int64_t case_id, int64_t unit_id,
                             int64_t actor_user_id, const char *actor_role, const char *actor_name);

// Creates a case as store_case_create does, naming unit_id in the same
// transaction. Same results.
int store_frontage_case_create(struct store *store, const struct worktime_calendar *calendar,
                               const struct case_intake *intake, int64_t unit_id,
                               struct store_case *out);

// The unit case case_id names, into *unit_id (0: none). Returns STORE_OK or
// STORE_ERROR.
int store_frontage_case_unit(struct store *store, int64_t case_id, int64_t *unit_id);

// Calls fn(month, count) for each month with cases naming unit_id, newest
// first, then fn_case(case_id) for its latest cases (at most limit).
int store_frontage_unit_cases(struct store *store, int64_t unit_id, int limit,
                              void (*fn_month)(const char *month, int count, void *data),
                              void (*fn_case)(int64_t case_id, void *data), void *data);

// A patrol check: per duty 1 pass, 0 fail, -1 not checked (not a duty).
struct store_frontage_check {
    int64_t id, unit_id, inspector_user_id;
    char inspector_name[128];
    int appearance, sanitation, order_greening;
    bool passed;
    const char *note;
    const char *photos_json; // JSON array of upload hashes ("[]")
    int64_t case_id;         // the case it opened, 0: none
    int64_t created_at;
};

// Records check (its id and created_at set) and updates the unit's last
// check; when intake is not NULL, creates that case naming the unit in the
// same transaction (*out_case, check->case_id). Returns STORE_OK,
// STORE_NOT_FOUND (no such unit), STORE_INVALID (the case's rules refused:
// see store_case_create) or STORE_ERROR; nothing is kept unless STORE_OK.
int store_frontage_check_add(struct store *store, const struct worktime_calendar *calendar,
                             struct store_frontage_check *check, const struct case_intake *intake,
                             struct store_case *out_case);

// Calls fn for the latest checks of unit_id, newest first (strings valid
// during the callback). Returns STORE_OK or STORE_ERROR.
int store_frontage_checks(struct store *store, int64_t unit_id, int limit,
                          void (*fn)(const struct store_frontage_check *check, void *data),
                          void *data);

// ---- 示范街 evaluations ----

struct store_frontage_criterion {
    int64_t id, city_id;
    char name[128];
    double weight, max_score;
    bool active;
};

// Creates (id 0) or changes a criterion of its city, appending
// "frontage_criterion.create"/".update" to audit_log. Returns STORE_OK,
// STORE_NOT_FOUND, STORE_CONFLICT (the name is taken in the city) or
// STORE_ERROR.
int store_frontage_criterion_save(struct store *store, const struct store_actor *actor,
                                  struct store_frontage_criterion *criterion);

// Calls fn for the criteria of city_id by id (only the active ones when
// active_only). Returns STORE_OK or STORE_ERROR.
int store_frontage_criteria(struct store *store, int64_t city_id, bool active_only,
                            void (*fn)(const struct store_frontage_criterion *c, void *data),
                            void *data);

// Loads one criterion. Returns STORE_OK, STORE_NOT_FOUND or STORE_ERROR.
int store_frontage_criterion_get(struct store *store, int64_t id,
                                 struct store_frontage_criterion *out);

struct store_frontage_evaluation {
    int64_t id, city_id, street_id;
    char street_name[128], street_path[128];
    char segment[128];
    char period[FRONTAGE_PERIOD_MAX];
    double total;
    const char *scores_json; // JSON [{criterion_id, name, weight, max_score, score}]
    const char *note;
    int64_t evaluator_user_id;
    char evaluator_name[128];
    int64_t created_at, updated_at;
};

// Records or replaces the evaluation of (street, segment, period) unless the
// period of its city is published. Returns STORE_OK (its id set), STORE_CONFLICT
// (the period is published) or STORE_ERROR.
int store_frontage_evaluation_save(struct store *store, struct store_frontage_evaluation *e);

// Calls fn for the evaluations of city_id's period whose street lies in the
// jurisdiction, best total first. Returns STORE_OK or STORE_ERROR.
int store_frontage_evaluations(struct store *store, int64_t city_id, const char *period,
                               const struct jurisdiction *jurisdiction,
                               void (*fn)(const struct store_frontage_evaluation *e, void *data),
                               void *data);

// Whether city_id's period is published: STORE_OK with *reward_top and
// *published_at, STORE_NOT_FOUND, or STORE_ERROR.
int store_frontage_period_get(struct store *store, int64_t city_id, const char *period,
                              int *reward_top, int64_t *published_at);

// Publishes city_id's period with a reward list of reward_top, appending
// "frontage_period.publish" (the ranking as published) to audit_log. Returns
// STORE_OK, STORE_CONFLICT (published already), STORE_NOT_FOUND (no
// evaluation in the period) or STORE_ERROR.
int store_frontage_period_publish(struct store *store, const struct store_actor *actor,
                                  int64_t city_id, const char *period, int reward_top);

#endif
