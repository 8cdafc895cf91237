// SPDX-License-Identifier: MIT
// The red and black lists (红黑榜) outside a request: freezing the assessment of
// a closed month into snapshots, one per group, and publishing corrections.
// The scheduler thread (escalator.c) freezes after each scan; the endpoints
// are api_snapshots.c.
#ifndef CHENGGUAN_HONOURS_H
#define CHENGGUAN_HONOURS_H

#include "assessment.h"

#include <stdbool.h>
#include <stdint.h>

struct store;
struct worktime_calendar;

// A local month of the calendar (UTC+8 by default): its name and [from, to).
struct honours_month {
    char name[16]; // "YYYY-MM"
    int64_t from, to;
};

// Fills *m for year and month (1-12).
void honours_month_of(const struct worktime_calendar *cal, int year, int month,
                      struct honours_month *m);

// Parses "YYYY-MM" (2000-2100) into *m. Returns false if it is not one.
bool honours_month_parse(const struct worktime_calendar *cal, const char *text,
                         struct honours_month *m);

// Loads the assessment configuration in force: the defaults, overridden by the
// stored setting. Returns STORE_OK, STORE_INVALID (the stored setting does not
// pass the checks) or the store's failure.
int honours_settings_load(struct store *store, struct assessment_config *config);

// What to publish: a freeze (supersedes_id 0, reason "") or a correction.
struct honours_publication {
    const struct honours_month *month;
    enum assessment_group group;
    int64_t supersedes_id;
    const char *reason;
    int64_t actor_user_id; // 0: the system
    const char *actor_role, *actor_name;
};

// Computes the month's body for the whole city as of now and publishes it
// (store_snapshot_publish). Returns what that does, or the failure reading the
// settings (STORE_INVALID) or the facts; the new snapshot's id into *id.
int honours_publish(struct store *store, const struct honours_publication *p, int64_t now,
                    int64_t *id);

// Freezes the month before now's (local months of the stored calendar) for
// every group not frozen yet, as the system. Cheap when all are frozen (one
// count). Idempotent across restarts and servers: a group frozen meanwhile
// elsewhere is skipped (the store's unique key). Returns the number of
// snapshots this call published, or -1 on a store failure (logged).
int honours_freeze_due(struct store *store, int64_t now);

#endif
