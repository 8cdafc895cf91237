// SPDX-License-Identifier: MIT
// Counts over the cases of a jurisdiction, for the leader's overview: by state,
// source, street and category, overdue and pending counts, satisfaction.
#ifndef CHENGGUAN_STORE_STATS_H
#define CHENGGUAN_STORE_STATS_H

#include <stdint.h>

struct jurisdiction;
struct store;

// One row of a section. Strings are valid during the callback only.
struct store_stats_row {
    const char *section; // "state", "source", "street", "category", "rating", "totals"
    const char *key;     // state name, source, street or category code, rating, total name
    const char *name;    // street name / category name_zh ("" otherwise)
    const char *name_en; // category name_en ("" otherwise)
    const char *tree;    // category tree ("" otherwise)
    int64_t id;          // category id (0 otherwise)
    int64_t count;       // the count (for streets: open cases)
    int64_t overdue;     // streets: open and past the stage deadline
    int64_t closed;      // streets: closed cases
};

// Calls fn for every row of every section, for the cases whose place lies in
// the jurisdiction's case range (jurisdiction_case_range: a department's, or
// NULL, counts nothing). "totals" rows are open, overdue, pending_requests,
// created_30d, closed_30d and self_handled (30 days before now_ms). Returns
// STORE_OK or STORE_ERROR.
int store_stats_overview(struct store *store, const struct jurisdiction *jurisdiction,
                         int64_t now_ms, void (*fn)(const struct store_stats_row *row, void *data),
                         void *data);

// Calls fn(state, count) for each state that has cases, over every case of the
// store (no jurisdiction), from the same tallies as the overview: for the
// metrics, cheap at any number of cases. state is valid during the call only.
// Returns STORE_OK or STORE_ERROR.
int store_stats_state_counts(struct store *store,
                             void (*fn)(const char *state, int64_t count, void *data), void *data);

// What happened in a day (or any span) to the cases of a jurisdiction.
struct store_stats_day {
    int64_t reported;   // cases created
    int64_t filed;      // filing records ended by accept (立案)
    int64_t dispatched; // dispatch records ended by dispatch
    int64_t closed;     // closing records ended by close (结案)
};

// Fills *out with the counts of [from_ms, to_ms) for the cases whose place lies
// in the jurisdiction's case range (jurisdiction_case_range). The reads walk
// indexes on time, so the cost follows the span's cases. Returns STORE_OK or
// STORE_ERROR.
int store_stats_day(struct store *store, const struct jurisdiction *jurisdiction, int64_t from_ms,
                    int64_t to_ms, struct store_stats_day *out);

#endif
