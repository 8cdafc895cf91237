// SPDX-License-Identifier: MIT
// Assessment: the counts each recorded fact adds to its group, the rates of each
// group (null for a zero denominator), the weighted composite and the grade.
// The formulas are written out in README ("Assessment").
#include "assessment.h"

#include <math.h>
#include <string.h>

static const char *const GROUP_NAMES[ASSESSMENT_GROUP_COUNT] = {
    [ASSESSMENT_DEPARTMENT] = "department", [ASSESSMENT_STREET] = "street",
    [ASSESSMENT_COMMUNITY] = "community",   [ASSESSMENT_GRID] = "grid",
    [ASSESSMENT_INSPECTOR] = "inspector",   [ASSESSMENT_OPERATOR] = "operator",
};

const char *assessment_group_name(enum assessment_group group)
{
    return (unsigned)group < ASSESSMENT_GROUP_COUNT ? GROUP_NAMES[group] : NULL;
}

int assessment_group_from_name(const char *name)
{
    for (int i = 0; name != NULL && i < ASSESSMENT_GROUP_COUNT; i++)
        if (strcmp(name, GROUP_NAMES[i]) == 0)
            return i;
    return -1;
}

// ---- counting facts ----

// A decision timed by a stage (filing, verification, dispatch, check): judged
// when it ended with a verdict or ran past its deadline.
static void count_decision(const struct assessment_stage_fact *f, int64_t now, int64_t *due,
                           int64_t *on_time)
{
    if (f->verdict == CASEWORK_VOID)
        return;
    if (f->verdict == CASEWORK_RUNNING) {
        if (f->deadline > 0 && f->deadline < now)
            (*due)++;
        return;
    }
    (*due)++;
    if (f->verdict == CASEWORK_ON_TIME)
        (*on_time)++;
}

static void count_handling(struct assessment_counts *c, const struct assessment_stage_fact *f,
                           int64_t now)
{
    bool returned = f->verdict == CASEWORK_VOID && strcmp(f->outcome, "return") == 0;
    if (f->attempt <= 1) {
        c->received++;
        if (returned)
            c->returns++;
        if (f->case_extended)
            c->extended++;
        if (f->case_supervised)
            c->leader_supervised++;
        if (f->case_supervised || f->auto_supervised)
            c->supervised++;
        // The round this dispatch served has closed: the case is closed in it,
        // or was reopened after it.
        if (f->verdict != CASEWORK_VOID && (f->case_closed || f->case_round > f->round))
            c->rounds_closed++;
    } else {
        c->reworks++;
    }
    // A rework that went red is a notice like any other, though not a dispatch.
    if (f->auto_supervised)
        c->auto_supervised++;
    switch (f->verdict) {
    case CASEWORK_VOID:
        return;
    case CASEWORK_RUNNING:
        if (f->deadline > 0 && f->deadline < now) {
            c->handle_due++;
            c->overdue++;
        } else {
            c->handle_pending++;
        }
        return;
    case CASEWORK_ON_TIME:
        c->handle_on_time++;
        break;
    case CASEWORK_LATE:
        c->overdue++;
        break;
    }
    c->handle_due++;
    if (strcmp(f->outcome, "handle") == 0)
        c->handled++;
}

void assessment_count_stage(struct assessment_counts *c, const struct assessment_stage_fact *f,
                            int64_t now)
{
    switch (f->stage) {
    case CASEWORK_STAGE_FILE:
        count_decision(f, now, &c->file_due, &c->file_on_time);
        break;
    case CASEWORK_STAGE_VERIFY:
        count_decision(f, now, &c->verify_due, &c->verify_on_time);
        break;
    case CASEWORK_STAGE_CHECK:
        count_decision(f, now, &c->check_due, &c->check_on_time);
        break;
    case CASEWORK_STAGE_DISPATCH:
        count_decision(f, now, &c->dispatch_due, &c->dispatch_on_time);
        if (f->verdict != CASEWORK_RUNNING && strcmp(f->outcome, "dispatch") == 0) {
            c->dispatched++;
            if (f->case_returned)
                c->dispatches_returned++;
        }
        break;
    case CASEWORK_STAGE_HANDLE:
        count_handling(c, f, now);
        break;
    default: // sign, arrive, phase, close: timed, not scored
        break;
    }
}

void assessment_count_report(struct assessment_counts *c, const struct assessment_report_fact *f)
{
    switch (f->state) {
    case CASEFSM_STATE_MERGED:
        return;
    case CASEFSM_STATE_REPORTED:
    case CASEFSM_STATE_VERIFYING:
        c->reported++;
        return;
    case CASEFSM_STATE_REJECTED:
        c->reported++;
        c->decided++;
        return;
    default: // filed (accepted and on), or fixed on the spot
        c->reported++;
        c->decided++;
        c->filed++;
        if (!f->patrol)
            c->filed_by_others++;
        if (f->state == CASEFSM_STATE_CLOSED)
            c->closed++;
        return;
    }
}

void assessment_count_rating(struct assessment_counts *c, const char *rating)
{
    if (rating == NULL)
        return;
    if (strcmp(rating, "satisfied") == 0)
        c->satisfied++;
    else if (strcmp(rating, "basically_satisfied") == 0)
        c->basically_satisfied++;
    else if (strcmp(rating, "unsatisfied") == 0)
        c->unsatisfied++;
}

void assessment_counts_add(struct assessment_counts *into, const struct assessment_counts *from)
{
    // Every member is an int64_t count.
    int64_t *a = (int64_t *)into;
    const int64_t *b = (const int64_t *)from;
    for (size_t i = 0; i < sizeof *into / sizeof(int64_t); i++)
        a[i] += b[i];
}

// ---- rates ----

static struct assessment_value ratio(int64_t numerator, int64_t denominator)
{
    if (denominator <= 0)
        return (struct assessment_value){.known = false};
    return (struct assessment_value){.known = true, .value = (double)numerator / denominator};
}

static struct assessment_value satisfaction(const struct assessment_counts *c)
{
    return ratio(c->satisfied + c->basically_satisfied,
                 c->satisfied + c->basically_satisfied + c->unsatisfied);
}

struct rate_def {
    const char *name;
    bool lower_is_better;
    int default_weight;
};

// Each group's rates, in order; the default weights of each sum to 100.
static const struct rate_def INSPECTOR_RATES[] = {
    {"valid_report_rate", false, 40},
    {"missed_report_rate", true, 20},
    {"on_time_verification_rate", false, 20},
    {"on_time_check_rate", false, 20},
};
// Supervision takes 5 from on time (an automatic 督办 follows from the same
// lateness) and 5 from rework (a leader's 督办 is, like a failed check, a
// judgement that the work fell short).
static const struct rate_def DEPARTMENT_RATES[] = {
    {"closure_rate", false, 30},    {"on_time_handling_rate", false, 25},
    {"rework_rate", true, 25},      {"volume", false, 10},
    {"handling_rate", false, 0},    {"extension_rate", true, 0},
    {"return_rate", true, 0},       {"satisfaction_rate", false, 0},
    {"supervision_rate", true, 10},
};
// Areas show their supervision rate unweighted by default: the department
// answers for the handling, the area for what its cases are.
static const struct rate_def AREA_RATES[] = {
    {"filing_rate", false, 20},          {"closing_rate", false, 25},
    {"on_time_closing_rate", false, 30}, {"satisfaction_rate", false, 25},
    {"supervision_rate", true, 0},
};
static const struct rate_def OPERATOR_RATES[] = {
    {"on_time_filing_rate", false, 35},
    {"on_time_dispatch_rate", false, 35},
    {"accurate_dispatch_rate", false, 30},
};

static const struct rate_def *rate_defs(enum assessment_group group, int *count)
{
#define DEFS(a) (*count = (int)(sizeof a / sizeof a[0]), a)
    switch (group) {
    case ASSESSMENT_INSPECTOR:
        return DEFS(INSPECTOR_RATES);
    case ASSESSMENT_DEPARTMENT:
        return DEFS(DEPARTMENT_RATES);
    case ASSESSMENT_OPERATOR:
        return DEFS(OPERATOR_RATES);
    case ASSESSMENT_STREET:
    case ASSESSMENT_COMMUNITY:
    case ASSESSMENT_GRID:
        return DEFS(AREA_RATES);
    default:
        *count = 0;
        return NULL;
    }
#undef DEFS
}

int assessment_rate_names(enum assessment_group group, const char *out[ASSESSMENT_RATES_MAX])
{
    int count;
    const struct rate_def *defs = rate_defs(group, &count);
    for (int i = 0; i < count; i++)
        out[i] = defs[i].name;
    return count;
}

// The values of a group's rates, in the order of its rate_def table.
static void rate_values(enum assessment_group group, const struct assessment_counts *c,
                        int64_t volume_max, struct assessment_value *v)
{
    int64_t kept = c->received - c->returns; // dispatches the department kept
    switch (group) {
    case ASSESSMENT_INSPECTOR:
        v[0] = ratio(c->filed, c->decided);
        v[1] = ratio(c->area_filed_by_others, c->area_filed);
        v[2] = ratio(c->verify_on_time, c->verify_due);
        v[3] = ratio(c->check_on_time, c->check_due);
        break;
    case ASSESSMENT_DEPARTMENT:
        v[0] = ratio(c->rounds_closed, kept);
        v[1] = ratio(c->handle_on_time, c->handle_due);
        v[2] = ratio(c->reworks, kept);
        // Volume scores work received; a department that received none has
        // no composite from volume alone.
        v[3] = c->received > 0 ? ratio(c->received, volume_max)
                               : (struct assessment_value){.known = false};
        v[4] = ratio(c->handled, c->handle_due + c->handle_pending);
        v[5] = ratio(c->extended, kept);
        v[6] = ratio(c->returns, c->received);
        v[7] = satisfaction(c);
        v[8] = ratio(c->supervised, c->received);
        break;
    case ASSESSMENT_OPERATOR:
        v[0] = ratio(c->file_on_time, c->file_due);
        v[1] = ratio(c->dispatch_on_time, c->dispatch_due);
        v[2] = ratio(c->dispatched - c->dispatches_returned, c->dispatched);
        break;
    case ASSESSMENT_STREET:
    case ASSESSMENT_COMMUNITY:
    case ASSESSMENT_GRID:
        v[0] = ratio(c->filed, c->decided);
        v[1] = ratio(c->closed, c->filed);
        v[2] = ratio(c->handle_on_time, c->handle_due);
        v[3] = satisfaction(c);
        v[4] = ratio(c->supervised, c->received);
        break;
    default:
        break;
    }
}

int assessment_rates(enum assessment_group group, const struct assessment_counts *c,
                     int64_t volume_max, struct assessment_rate *out)
{
    int count;
    const struct rate_def *defs = rate_defs(group, &count);
    struct assessment_value values[ASSESSMENT_RATES_MAX] = {{0}};
    rate_values(group, c, volume_max, values);
    for (int i = 0; i < count; i++)
        out[i] = (struct assessment_rate){.name = defs[i].name,
                                          .value = values[i],
                                          .lower_is_better = defs[i].lower_is_better};
    return count;
}

struct assessment_value assessment_cases_per_cell(const struct assessment_counts *c)
{
    return ratio(c->reported, c->cells);
}

// ---- points (积分) ----

struct point_item_def {
    const char *name;
    int default_points; // its sign says reward (>= 0) or penalty (<= 0)
};

// A valid report is worth most: finding problems is the inspector's first
// duty; a rejected one costs half that (it cost the centre a decision). Timely
// verifications and checks earn one point, late ones lose one.
static const struct point_item_def POINT_ITEMS[ASSESSMENT_POINT_ITEMS] = {
    [ASSESSMENT_POINTS_VALID_REPORT] = {"valid_report", 2},
    [ASSESSMENT_POINTS_INVALID_REPORT] = {"invalid_report", -1},
    [ASSESSMENT_POINTS_VERIFY_ON_TIME] = {"verification_on_time", 1},
    [ASSESSMENT_POINTS_VERIFY_LATE] = {"verification_late", -1},
    [ASSESSMENT_POINTS_CHECK_ON_TIME] = {"check_on_time", 1},
    [ASSESSMENT_POINTS_CHECK_LATE] = {"check_late", -1},
};

const char *assessment_point_item_name(int item)
{
    return item >= 0 && item < ASSESSMENT_POINT_ITEMS ? POINT_ITEMS[item].name : NULL;
}

void assessment_points(const struct assessment_config *config, const struct assessment_counts *c,
                       struct assessment_points *out)
{
    memset(out, 0, sizeof *out);
    out->count[ASSESSMENT_POINTS_VALID_REPORT] = c->filed;
    out->count[ASSESSMENT_POINTS_INVALID_REPORT] = c->decided - c->filed;
    out->count[ASSESSMENT_POINTS_VERIFY_ON_TIME] = c->verify_on_time;
    out->count[ASSESSMENT_POINTS_VERIFY_LATE] = c->verify_due - c->verify_on_time;
    out->count[ASSESSMENT_POINTS_CHECK_ON_TIME] = c->check_on_time;
    out->count[ASSESSMENT_POINTS_CHECK_LATE] = c->check_due - c->check_on_time;
    for (int i = 0; i < ASSESSMENT_POINT_ITEMS; i++) {
        out->points[i] = out->count[i] * config->points[i];
        out->total += out->points[i];
    }
}

// ---- composite and grade ----

void assessment_config_default(struct assessment_config *out)
{
    memset(out, 0, sizeof *out);
    for (int g = 0; g < ASSESSMENT_GROUP_COUNT; g++) {
        int count;
        const struct rate_def *defs = rate_defs(g, &count);
        for (int i = 0; i < count; i++)
            out->weights[g][i] = defs[i].default_weight;
    }
    static const double FLOORS[ASSESSMENT_GRADES - 1] = {90, 75, 60, 40};
    memcpy(out->grade_floor, FLOORS, sizeof FLOORS);
    out->honours_size = 3;
    for (int i = 0; i < ASSESSMENT_POINT_ITEMS; i++)
        out->points[i] = POINT_ITEMS[i].default_points;
}

const char *assessment_config_check(const struct assessment_config *config)
{
    for (int g = 0; g < ASSESSMENT_GROUP_COUNT; g++) {
        int count, sum = 0;
        rate_defs(g, &count);
        for (int i = 0; i < ASSESSMENT_RATES_MAX; i++) {
            int w = config->weights[g][i];
            if (w < 0 || w > 100 || (i >= count && w != 0))
                return "each weight must be a whole number from 0 to 100";
            sum += w;
        }
        if (sum != 100)
            return "the weights of each group must sum to 100";
    }
    for (int i = 0; i < ASSESSMENT_GRADES - 1; i++) {
        double f = config->grade_floor[i];
        if (!(f > 0 && f <= 100))
            return "each grade threshold must be above 0 and at most 100";
        if (i > 0 && !(f < config->grade_floor[i - 1]))
            return "the grade thresholds must descend strictly from A to D";
    }
    if (config->honours_size < 1 || config->honours_size > ASSESSMENT_HONOURS_MAX)
        return "honours_size (how many units the red and black lists name) must be 1 to 20";
    for (int i = 0; i < ASSESSMENT_POINT_ITEMS; i++) {
        int p = config->points[i];
        if (POINT_ITEMS[i].default_points >= 0 ? p < 0 || p > 100 : p < -100 || p > 0)
            return "points are whole numbers: 0 to 100 for valid and on-time items, -100 to 0 "
                   "for invalid and late ones";
    }
    return NULL;
}

struct assessment_value assessment_composite(const struct assessment_config *config,
                                             enum assessment_group group,
                                             const struct assessment_rate *rates, int count)
{
    if ((unsigned)group >= ASSESSMENT_GROUP_COUNT)
        return (struct assessment_value){.known = false};
    double sum = 0;
    int weight = 0;
    for (int i = 0; i < count && i < ASSESSMENT_RATES_MAX; i++) {
        int w = config->weights[group][i];
        if (w <= 0 || !rates[i].value.known)
            continue;
        double score = rates[i].value.value;
        score = score < 0 ? 0 : score > 1 ? 1 : score;
        if (rates[i].lower_is_better)
            score = 1 - score;
        sum += w * score;
        weight += w;
    }
    if (weight == 0)
        return (struct assessment_value){.known = false};
    return (struct assessment_value){.known = true, .value = round(sum * 1000 / weight) / 10};
}

char assessment_grade(const struct assessment_config *config, double composite)
{
    for (int i = 0; i < ASSESSMENT_GRADES - 1; i++)
        if (composite >= config->grade_floor[i])
            return (char)('A' + i);
    return 'E';
}
