// SPDX-License-Identifier: MIT
// Assessment (综合评价): what counts of a period each recorded fact adds (a stage
// record, a report, a rating), the rates of each group (inspectors, departments,
// areas, the centre's operators) with null for a zero denominator, the composite
// 0-100 from configurable weights and the grade A-E from configurable
// thresholds. Pure: no I/O, no allocation, no globals; the store streams the
// facts of a period and the API groups them.
#ifndef CHENGGUAN_ASSESSMENT_H
#define CHENGGUAN_ASSESSMENT_H

#include "casefsm.h"
#include "casework.h"

#include <stdbool.h>
#include <stdint.h>

// What an assessment groups by.
enum assessment_group {
    ASSESSMENT_DEPARTMENT, // the department a handling stage was dispatched to
    ASSESSMENT_STREET,     // the case's street
    ASSESSMENT_COMMUNITY,  // the case's community
    ASSESSMENT_GRID,       // the case's grid cell
    ASSESSMENT_INSPECTOR,  // the reporter of patrol cases; who verified, who checked
    ASSESSMENT_OPERATOR,   // who entered a call; who decided a filing or a dispatch
    ASSESSMENT_GROUP_COUNT
};

#define ASSESSMENT_RATES_MAX 9 // rates of one group
#define ASSESSMENT_GRADES    5 // A..E

// The counts of one group over one period. Every field is a number of facts;
// see assessment_count_* for which fact adds to which.
struct assessment_counts {
    // Reports: cases reported in the period, merged duplicates left out.
    int64_t reported, decided, filed, closed;
    int64_t filed_by_others; // filed, from a channel other than patrol
    // Inspectors' missed-report rate: the filed cases of their place (the
    // community or street of their org unit) and those of them that came from
    // other channels (filled by the caller from that place's counts).
    int64_t area_filed, area_filed_by_others;
    // Decisions timed by a stage: due (judged) and on time.
    int64_t verify_due, verify_on_time, check_due, check_on_time;
    int64_t file_due, file_on_time, dispatch_due, dispatch_on_time;
    int64_t dispatched, dispatches_returned;
    // Handling (the department's stages).
    int64_t received;   // dispatches (first attempts), returned ones included
    int64_t returns;    // dispatches returned (回退): no verdict
    int64_t reworks;    // handlings again after a failed check (返工)
    int64_t extended;   // dispatches of cases given more time (延期)
    int64_t handle_due; // handlings judged: ended with a verdict, or running past due
    int64_t handle_on_time, handled, overdue;
    int64_t handle_pending; // running, not due yet
    int64_t rounds_closed;  // dispatches whose round was closed
    // Supervision (督办) of the handling: dispatches of cases a leader supervised
    // (leader_supervised), handling records the escalator supervised when they
    // went red (auto_supervised), and dispatches supervised either way
    // (supervised, at most received: the supervision rate's numerator).
    int64_t leader_supervised, auto_supervised, supervised;
    // Citizens' ratings given in the period.
    int64_t satisfied, basically_satisfied, unsatisfied;
    int64_t cells; // areas: the grid cells in the area
};

// A stage record as the counts read it (a row of case_stage with its case).
struct assessment_stage_fact {
    enum casework_stage stage;
    enum casework_verdict verdict;
    const char *outcome; // the action that ended it ("" while running)
    int round, attempt;
    int64_t deadline; // 0 while paused
    int64_t ended_at; // 0 while running
    int case_round;   // the case's current round (reopens + 1)
    bool case_closed;
    bool case_returned;   // the case was returned at least once
    bool case_extended;   // the case was given more time at least once
    bool case_supervised; // a leader supervised (督办) the case at least once
    bool auto_supervised; // this record went red and the escalator sent a 督办
};

// A reported case as the counts read it.
struct assessment_report_fact {
    enum casefsm_state state;
    bool patrol; // reported by an inspector on patrol
    bool self_handled;
};

// Adds one stage record of the period to c, as of now. The period rule (README,
// "Assessment"): a record belongs to the period its deadline falls in (its end,
// when it ended while paused); the store selects them. Here: a record ended
// with a verdict is due, and on time or late; a running one past its deadline
// is due and late (overdue); a running one not yet due is only pending; a void
// one (a return, a recall) is judged not at all. file, verify, dispatch,
// handle and check records count; sign, arrive, phase and close records do not.
void assessment_count_stage(struct assessment_counts *c, const struct assessment_stage_fact *f,
                            int64_t now);

// Adds one case reported in the period. A merged duplicate adds nothing (the
// problem counts once, in the case it joined); a case still reported or
// verifying is reported but undecided.
void assessment_count_report(struct assessment_counts *c, const struct assessment_report_fact *f);

// Adds one rating ("satisfied", "basically_satisfied", "unsatisfied") given in
// the period; an unknown one adds nothing.
void assessment_count_rating(struct assessment_counts *c, const char *rating);

// Adds every count of from to into (to merge groups).
void assessment_counts_add(struct assessment_counts *into, const struct assessment_counts *from);

// A ratio that may be unknown: known is false when its denominator is zero.
struct assessment_value {
    bool known;
    double value;
};

// One rate of a group: its name, value and how the composite reads it.
struct assessment_rate {
    const char *name; // static, snake_case ("on_time_handling_rate")
    struct assessment_value value;
    bool lower_is_better; // the composite scores 1 - value (rework, missed reports)
};

// The rates of a group's counts, in a fixed order per group (assessment_rate_names):
// fills out (ASSESSMENT_RATES_MAX) and returns their number. volume_max: the
// largest received count among the departments assessed together (their
// volume is received / volume_max; unknown for one that received nothing);
// ignored for other groups.
int assessment_rates(enum assessment_group group, const struct assessment_counts *c,
                     int64_t volume_max, struct assessment_rate *out);

// The names of a group's rates, in the order of assessment_rates; returns their
// number. Static strings.
int assessment_rate_names(enum assessment_group group, const char *out[ASSESSMENT_RATES_MAX]);

// Cases per cell of an area (reported / cells); unknown without cells.
struct assessment_value assessment_cases_per_cell(const struct assessment_counts *c);

// The items of an inspector's points (积分), each a count of their facts of the
// period (assessment_points) times its configured points.
enum assessment_point_item {
    ASSESSMENT_POINTS_VALID_REPORT,   // a patrol report filed (or fixed on the spot)
    ASSESSMENT_POINTS_INVALID_REPORT, // a patrol report rejected (不予立案)
    ASSESSMENT_POINTS_VERIFY_ON_TIME, // a verification (核实) ended on time
    ASSESSMENT_POINTS_VERIFY_LATE,    // a verification ended late
    ASSESSMENT_POINTS_CHECK_ON_TIME,  // a check (核查) ended on time
    ASSESSMENT_POINTS_CHECK_LATE,     // a check ended late
    ASSESSMENT_POINT_ITEMS
};

// Weights (percent, per group, in the order of its rates), the lowest
// composite of each grade A..D (E is below D's) and the points of each item.
struct assessment_config {
    int weights[ASSESSMENT_GROUP_COUNT][ASSESSMENT_RATES_MAX];
    double grade_floor[ASSESSMENT_GRADES - 1];
    int honours_size; // the red and black lists (红黑榜): the best and the worst N
    int points[ASSESSMENT_POINT_ITEMS];
};

#define ASSESSMENT_HONOURS_MAX 20 // the largest honours_size

// The defaults: DOMAIN.md's weights where the standard gives them (inspectors
// valid 40, missed 20, verification 20, check 20), ours elsewhere (README:
// departments closure 30, on time 25, rework 25, volume 10, supervision 10),
// grades A 90, B 75, C 60, D 40; red and black lists of 3.
void assessment_config_default(struct assessment_config *out);

// Checks a configuration: each group's weights are 0..100 and sum to 100, the
// floors lie in (0, 100] and strictly descend, honours_size is
// 1..ASSESSMENT_HONOURS_MAX, the points of a reward item (valid, on time) are
// 0..100 and those of a penalty item (invalid, late) -100..0. Returns NULL
// when valid, else a static English message.
const char *assessment_config_check(const struct assessment_config *config);

// The composite 0-100 of a group's rates: sum(weight x score) / sum(weight)
// over the rates that are known (score = value, or 1 - value when lower is
// better, clamped to 0..1), rounded to 0.1. Unknown when no weighted rate is
// known.
struct assessment_value assessment_composite(const struct assessment_config *config,
                                             enum assessment_group group,
                                             const struct assessment_rate *rates, int count);

// The grade of a composite: 'A' at or above floor[0], ... 'D' at or above
// floor[3], else 'E'.
char assessment_grade(const struct assessment_config *config, double composite);

// An inspector's points of a period: the count of each item (from their
// counts, as the inspector group counts them), its points, and the total.
struct assessment_points {
    int64_t count[ASSESSMENT_POINT_ITEMS];
    int64_t points[ASSESSMENT_POINT_ITEMS];
    int64_t total;
};

// The points of an inspector's counts under config: valid reports = filed,
// invalid = decided - filed (reports still undecided earn nothing yet), on-time
// verifications and checks = those ended on time, late ones = due - on time.
void assessment_points(const struct assessment_config *config, const struct assessment_counts *c,
                       struct assessment_points *out);

// Item names ("valid_report", ...) in enum order; NULL out of range. Static.
const char *assessment_point_item_name(int item);

// Group names ("department", ...) both ways; -1 for an unknown name or NULL.
const char *assessment_group_name(enum assessment_group group);
int assessment_group_from_name(const char *name);

#endif
