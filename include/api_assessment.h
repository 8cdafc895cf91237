// SPDX-License-Identifier: MIT
// Shared by the assessment's handlers (src/api/api_assessment*.c): the period
// asked for, the table of groups with their counts, rates and composite, read
// in one pass over the period's facts, and the settings in force.
#ifndef CHENGGUAN_API_ASSESSMENT_H
#define CHENGGUAN_API_ASSESSMENT_H

#include "assessment.h"
#include "export.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct request;

// A period: a month (period=YYYY-MM) or a range of local days (from=, to=).
struct assessment_period {
    int64_t from, to; // [from, to) in ms
    int first, last;  // YYYYMMDD, local dates, inclusive
    char month[16];   // "YYYY-MM" for a month, else ""
};

// One group of the table. Strings live in the table's arena.
struct assessment_row {
    int64_t id, unit_id;
    const char *code, *name;
    const char *unit_name; // users: their org unit's name
    struct assessment_counts counts;
    struct assessment_rate rates[ASSESSMENT_RATES_MAX];
    int rate_count;
    struct assessment_value composite;
};

struct assessment_table {
    struct arena *arena; // where the rows and their strings live
    enum assessment_group group;
    struct assessment_row *rows; // by id once listed; by rank once built
    size_t count, capacity;
    // Inspectors: the filed cases of their places (the community or street of
    // their org unit), for the missed-report rate, by place id.
    struct assessment_row *areas;
    size_t area_count;
    bool failed; // out of memory
};

// Reads format= (absent or empty: JSON; csv or xlsx: *exported and *format).
// Returns 0, or the 400 replied for another value.
int assessment_export_format(struct request *req, enum export_format *format, bool *exported);

// Reads the request's period (period=, or from= and to=) and the settings in
// force, and fills *t with every group of kind `group` in the caller's
// jurisdiction, counted from the period's facts and scored, by id. Returns 0,
// or the status replied (a 400 naming the parameter, a 500).
int assessment_table_build(struct request *req, enum assessment_group group,
                           struct assessment_period *period, struct assessment_config *config,
                           struct assessment_table *t);

// A count shown beside the rates: its JSON name, its Chinese header in the
// exports, and where it lies in struct assessment_counts.
struct assessment_count_field {
    const char *name, *title;
    size_t offset;
};

// The counts a group shows, in order; *n their number. Static.
const struct assessment_count_field *assessment_count_fields(enum assessment_group group,
                                                             size_t *n);

// The value of one count field of c.
int64_t assessment_count_value(const struct assessment_counts *c,
                               const struct assessment_count_field *field);

// Adds "period": {month, from, to, from_ms, to_ms} to body.
void assessment_period_json(cJSON *body, const struct assessment_period *p);

// One inspector's points and rank.
struct assessment_points_row {
    const struct assessment_row *row;
    struct assessment_points points;
    int rank; // equal totals share one; the next counts them (1, 1, 3)
};

// The points of an inspector table (assessment_table_build), highest total
// first, in the request's arena: every row, or for an inspector their own only
// (ranked among all of t). Returns 0, or the status replied (500).
int assessment_points_rows(struct request *req, const struct assessment_table *t,
                           const struct assessment_config *config,
                           struct assessment_points_row **out, size_t *count);

// Adds "points": {item: points} of config to into.
void assessment_points_json(const struct assessment_config *config, cJSON *into);

// GET /api/v1/assessment/points: the inspectors' points (积分) of a period
// (src/api/api_assessment_points.c). Returns the status.
int api_assessment_points(struct request *req);

// The table t (sorted by rank) as a spreadsheet in the format, with Chinese
// headers, as the attachment assessment-<group>-<period>. Returns the status
// (0 while an XLSX is built).
int assessment_export(struct request *req, enum export_format format,
                      const struct assessment_table *t, const struct assessment_config *config,
                      const struct assessment_period *period);

// The inspectors' points rows as a spreadsheet, the attachment
// points-<period>. Returns the status (0 while an XLSX is built).
int assessment_points_export(struct request *req, enum export_format format,
                             const struct assessment_points_row *rows, size_t count,
                             const struct assessment_period *period);

#endif
