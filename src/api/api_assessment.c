// SPDX-License-Identifier: MIT
// The assessment (综合评价) a leader, supervisor or admin reads: for a month or a
// date range, per department, street, community, grid cell, inspector or
// operator in their jurisdiction, the counts of the recorded facts, the rates,
// the composite and the grade (assessment.h), with the weights and thresholds
// used; and the admin's setting of those weights and thresholds.
#include "api.h"
#include "api_assessment.h"

#include "arena.h"
#include "assessment.h"
#include "assessment_table.h"
#include "errors.h"
#include "json.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_assessment.h"
#include "store_users.h"
#include "worktime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETTING_KEY    ASSESSMENT_SETTING_KEY
#define SETTING_MAX    ASSESSMENT_SETTING_MAX
#define RANGE_DAYS_MAX 366

static const char *const GRADE_NAMES[ASSESSMENT_GRADES - 1] = {"A", "B", "C", "D"};

// ---- the configuration: defaults, overridden by the stored setting ----

// Reads {"points": {item: n}} into config->points (items left out keep theirs).
// Returns NULL, or a static message with *field set to the member to blame.
static const char *points_read(const cJSON *points, struct assessment_config *config, char *field,
                               size_t field_size)
{
    snprintf(field, field_size, "points");
    if (points != NULL && !cJSON_IsObject(points))
        return "points must be an object of items";
    for (const cJSON *p = points ? points->child : NULL; p != NULL; p = p->next) {
        snprintf(field, field_size, "points.%s", p->string);
        int i = 0;
        while (i < ASSESSMENT_POINT_ITEMS && strcmp(assessment_point_item_name(i), p->string) != 0)
            i++;
        if (i == ASSESSMENT_POINT_ITEMS)
            return "not an item of the points (valid_report, invalid_report, "
                   "verification_on_time, verification_late, check_on_time, check_late)";
        if (!cJSON_IsNumber(p) || p->valuedouble != (int)p->valuedouble)
            return "points are whole numbers";
        config->points[i] = (int)p->valuedouble;
    }
    return NULL;
}

// Reads {"weights": {group: {rate: percent}}, "grades": {"A": n, ...}} into
// *config over what it holds (members left out keep their value; with
// whole_groups, a group given is given whole: its rates left out weigh 0, so a
// setting stored before a rate existed keeps the weights it summed to 100).
// Returns NULL, or a static message with *field set to the member to blame.
static const char *config_read(const cJSON *json, struct assessment_config *config,
                               bool whole_groups, char *field, size_t field_size)
{
    const cJSON *weights = cJSON_GetObjectItemCaseSensitive(json, "weights");
    const cJSON *grades = cJSON_GetObjectItemCaseSensitive(json, "grades");
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(json, "points");
    const cJSON *honours = cJSON_GetObjectItemCaseSensitive(json, "honours_size");
    for (const cJSON *m = json->child; m != NULL; m = m->next)
        if (strcmp(m->string, "weights") != 0 && strcmp(m->string, "grades") != 0 &&
            strcmp(m->string, "points") != 0 && strcmp(m->string, "honours_size") != 0) {
            snprintf(field, field_size, "%s", m->string);
            return "unknown member: only weights, grades, points and honours_size may be set";
        }
    snprintf(field, field_size, "honours_size");
    if (honours != NULL && (!cJSON_IsNumber(honours) || honours->valuedouble < 1 ||
                            honours->valuedouble > ASSESSMENT_HONOURS_MAX ||
                            honours->valuedouble != (int)honours->valuedouble))
        return "honours_size (how many units the red and black lists name) must be 1 to 20";
    if (honours != NULL)
        config->honours_size = (int)honours->valuedouble;
    const char *problem = points_read(points, config, field, field_size);
    if (problem != NULL)
        return problem;
    snprintf(field, field_size, "weights");
    if (weights != NULL && !cJSON_IsObject(weights))
        return "weights must be an object of groups";
    for (const cJSON *g = weights ? weights->child : NULL; g != NULL; g = g->next) {
        int group = assessment_group_from_name(g->string);
        snprintf(field, field_size, "weights.%s", g->string);
        if (group < 0 || !cJSON_IsObject(g))
            return "weights names a group (department, street, community, grid, inspector, "
                   "operator) and its object of rates";
        const char *names[ASSESSMENT_RATES_MAX];
        int count = assessment_rate_names(group, names);
        if (whole_groups)
            memset(config->weights[group], 0, sizeof config->weights[group]);
        for (const cJSON *r = g->child; r != NULL; r = r->next) {
            snprintf(field, field_size, "weights.%s.%s", g->string, r->string);
            int i = 0;
            while (i < count && strcmp(names[i], r->string) != 0)
                i++;
            if (i == count)
                return "not a rate of this group";
            if (!cJSON_IsNumber(r) || r->valuedouble != (int)r->valuedouble)
                return "a weight is a whole number of percent";
            config->weights[group][i] = (int)r->valuedouble;
        }
    }
    snprintf(field, field_size, "grades");
    if (grades != NULL && !cJSON_IsObject(grades))
        return "grades must be an object {\"A\": 90, \"B\": 75, \"C\": 60, \"D\": 40}";
    for (const cJSON *g = grades ? grades->child : NULL; g != NULL; g = g->next) {
        snprintf(field, field_size, "grades.%s", g->string);
        int i = 0;
        while (i < ASSESSMENT_GRADES - 1 && strcmp(GRADE_NAMES[i], g->string) != 0)
            i++;
        if (i == ASSESSMENT_GRADES - 1 || !cJSON_IsNumber(g))
            return "grades holds the lowest composite of A, B, C and D (E is below D)";
        config->grade_floor[i] = g->valuedouble;
    }
    problem = assessment_config_check(config);
    if (problem != NULL)
        snprintf(field, field_size, "%s",
                 strstr(problem, "honours")  ? "honours_size"
                 : strstr(problem, "grade")  ? "grades"
                 : strstr(problem, "points") ? "points"
                                             : "weights");
    return problem;
}

const char *assessment_config_read(const cJSON *json, struct assessment_config *config,
                                   char *field, size_t field_size)
{
    return config_read(json, config, true, field, field_size);
}

// The configuration in force: the defaults, overridden by the setting. Returns
// 0, or the status replied.
static int config_load(struct request *req, struct assessment_config *config)
{
    assessment_config_default(config);
    char text[SETTING_MAX];
    int rc = store_setting_get(req->server->store, SETTING_KEY, text, sizeof text);
    if (rc == STORE_NOT_FOUND)
        return 0;
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not read the assessment settings");
    cJSON *json = request_own_json(req, cJSON_Parse(text));
    char field[128];
    if (json == NULL || config_read(json, config, true, field, sizeof field) != NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "the stored assessment settings "
                                                           "are not valid");
    return 0;
}

void assessment_points_json(const struct assessment_config *config, cJSON *into)
{
    cJSON *points = cJSON_AddObjectToObject(into, "points");
    for (int i = 0; i < ASSESSMENT_POINT_ITEMS; i++)
        json_add_int(points, assessment_point_item_name(i), config->points[i]);
}

cJSON *assessment_config_json(const struct assessment_config *config, enum assessment_group only,
                              cJSON *into)
{
    cJSON *weights = cJSON_AddObjectToObject(into, "weights");
    for (int g = 0; g < ASSESSMENT_GROUP_COUNT; g++) {
        if (only != ASSESSMENT_GROUP_COUNT && g != (int)only)
            continue;
        cJSON *group = only == ASSESSMENT_GROUP_COUNT
                           ? cJSON_AddObjectToObject(weights, assessment_group_name(g))
                           : weights;
        const char *names[ASSESSMENT_RATES_MAX];
        int count = assessment_rate_names(g, names);
        for (int i = 0; i < count; i++)
            json_add_int(group, names[i], config->weights[g][i]);
    }
    cJSON *grades = cJSON_AddObjectToObject(into, "grades");
    for (int i = 0; i < ASSESSMENT_GRADES - 1; i++)
        cJSON_AddNumberToObject(grades, GRADE_NAMES[i], config->grade_floor[i]);
    if (only == ASSESSMENT_GROUP_COUNT || only == ASSESSMENT_INSPECTOR)
        assessment_points_json(config, into);
    if (only == ASSESSMENT_GROUP_COUNT)
        json_add_int(into, "honours_size", config->honours_size);
    return into;
}

// ---- the period ----

// Parses "YYYY-MM-DD" (years 2000-2100, a real date) into YYYYMMDD; 0 if not.
static int parse_date(const char *text)
{
    int y, m, d, n = 0;
    if (text == NULL || strlen(text) != 10 || sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
        n != 10 || strspn(text, "0123456789-") != 10 || text[4] != '-' || text[7] != '-')
        return 0;
    int date = y * 10000 + m * 100 + d;
    return y >= 2000 && y <= 2100 && worktime_weekday(date) >= 0 ? date : 0;
}

static void month_period(const struct worktime_calendar *cal, int year, int month,
                         struct assessment_period *p)
{
    p->first = year * 10000 + month * 100 + 1;
    int next = month == 12 ? (year + 1) * 10000 + 101 : year * 10000 + (month + 1) * 100 + 1;
    p->from = worktime_local_to_ms(cal, p->first, 0);
    p->to = worktime_local_to_ms(cal, next, 0);
    p->last = worktime_local_date(cal, p->to - 1);
    snprintf(p->month, sizeof p->month, "%04d-%02d", year % 10000, month % 100);
}

// period=YYYY-MM, or from=YYYY-MM-DD&to=YYYY-MM-DD (both days included), or
// neither: this month. Local dates of the calendar (UTC+8 by default). Returns
// 0, or the status replied.
static int parse_period(struct request *req, struct assessment_period *p)
{
    const struct worktime_calendar *cal = server_calendar(req);
    const char *period = request_query(req, "period");
    const char *from = request_query(req, "from"), *to = request_query(req, "to");
    memset(p, 0, sizeof *p);
    if (period != NULL && (from != NULL || to != NULL))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "period",
                                         "give either period or from and to, not both");
    if (period != NULL) {
        char day[16];
        snprintf(day, sizeof day, "%.7s-01", period);
        int date = strlen(period) == 7 ? parse_date(day) : 0;
        if (date == 0)
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "period",
                                             "period must be a month YYYY-MM (2000-2100)");
        month_period(cal, date / 10000, date / 100 % 100, p);
        return 0;
    }
    if (from == NULL && to == NULL) {
        int today = worktime_local_date(cal, store_now_ms());
        month_period(cal, today / 10000, today / 100 % 100, p);
        return 0;
    }
    const char *bad = from == NULL ? "from" : to == NULL ? "to" : NULL;
    if (bad != NULL)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, bad,
                                         "from and to go together");
    p->first = parse_date(from);
    p->last = parse_date(to);
    bad = p->first == 0 ? "from" : p->last == 0 ? "to" : NULL;
    if (bad != NULL)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, bad,
                                         "%s must be a real date YYYY-MM-DD (2000-2100)", bad);
    p->from = worktime_local_to_ms(cal, p->first, 0);
    p->to = worktime_local_to_ms(cal, p->last, 24 * 60);
    if (p->to <= p->from)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "to",
                                         "to must not be before from");
    if (p->to - p->from > (int64_t)RANGE_DAYS_MAX * WORKTIME_DAY_MS)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "to",
                                         "a range spans at most %d days", RANGE_DAYS_MAX);
    return 0;
}

// ---- grouping the facts ----

static char *arena_copy(struct arena *arena, const char *text)
{
    size_t len = strlen(text) + 1;
    char *copy = arena_alloc(arena, len);
    if (copy != NULL)
        memcpy(copy, text, len);
    return copy;
}

static void add_group(const struct store_assessment_group *g, void *data)
{
    struct assessment_table *t = data;
    if (t->failed)
        return;
    if (t->count == t->capacity) {
        size_t capacity = t->capacity ? t->capacity * 2 : 64;
        struct assessment_row *rows = arena_alloc(t->arena, capacity * sizeof *rows);
        if (rows == NULL) {
            t->failed = true;
            return;
        }
        if (t->count > 0)
            memcpy(rows, t->rows, t->count * sizeof *rows);
        t->rows = rows;
        t->capacity = capacity;
    }
    struct assessment_row *row = &t->rows[t->count];
    memset(row, 0, sizeof *row);
    row->id = g->id;
    row->unit_id = g->unit_id;
    row->counts.cells = g->cells;
    row->code = arena_copy(t->arena, g->code);
    row->name = arena_copy(t->arena, g->name);
    row->unit_name = arena_copy(t->arena, g->unit_name);
    t->failed = row->code == NULL || row->name == NULL || row->unit_name == NULL;
    t->count++;
}

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const struct assessment_row *)a)->id, y = ((const struct assessment_row *)b)->id;
    return (x > y) - (x < y);
}

static struct assessment_row *find(struct assessment_row *rows, size_t count, int64_t id)
{
    if (id <= 0 || count == 0)
        return NULL;
    struct assessment_row key = {.id = id};
    return bsearch(&key, rows, count, sizeof *rows, by_id);
}

// The group a fact counts for, by the table's grouping; 0 for none.
static int64_t fact_key(enum assessment_group group, const struct store_assessment_fact *f)
{
    enum casework_stage stage = f->stage.stage;
    switch (group) {
    case ASSESSMENT_DEPARTMENT:
        return f->kind == STORE_FACT_REPORT ? 0 : f->unit_id;
    case ASSESSMENT_STREET:
        return f->street_id;
    case ASSESSMENT_COMMUNITY:
        return f->community_id;
    case ASSESSMENT_GRID:
        return f->grid_id;
    case ASSESSMENT_INSPECTOR:
        if (f->kind == STORE_FACT_REPORT)
            return f->report.patrol ? f->user_id : 0;
        return f->kind == STORE_FACT_STAGE &&
                       (stage == CASEWORK_STAGE_VERIFY || stage == CASEWORK_STAGE_CHECK)
                   ? f->user_id
                   : 0;
    case ASSESSMENT_OPERATOR:
        if (f->kind == STORE_FACT_REPORT)
            return f->report.patrol ? 0 : f->user_id;
        return f->kind == STORE_FACT_STAGE &&
                       (stage == CASEWORK_STAGE_FILE || stage == CASEWORK_STAGE_DISPATCH)
                   ? f->user_id
                   : 0;
    default:
        return 0;
    }
}

static void count_fact(struct assessment_counts *c, const struct store_assessment_fact *f,
                       int64_t now)
{
    if (f->kind == STORE_FACT_STAGE)
        assessment_count_stage(c, &f->stage, now);
    else if (f->kind == STORE_FACT_REPORT)
        assessment_count_report(c, &f->report);
    else
        assessment_count_rating(c, f->rating);
}

struct counting {
    struct assessment_table *table;
    int64_t now;
};

static void add_fact(const struct store_assessment_fact *f, void *data)
{
    const struct counting *k = data;
    struct assessment_table *t = k->table;
    struct assessment_row *row = find(t->rows, t->count, fact_key(t->group, f));
    if (row != NULL)
        count_fact(&row->counts, f, k->now);
    // An inspector belongs to a community or a street: the report counts for
    // either place it lies in.
    const int64_t places[2] = {f->community_id, f->street_id};
    for (int i = 0; i < 2 && t->area_count > 0 && f->kind == STORE_FACT_REPORT; i++) {
        struct assessment_row *area = find(t->areas, t->area_count, places[i]);
        if (area != NULL)
            assessment_count_report(&area->counts, &f->report);
    }
}

// Inspectors: one area row per place (community or street) inspectors belong to.
static bool inspector_areas(struct assessment_table *t)
{
    t->areas = arena_alloc(t->arena, (t->count ? t->count : 1) * sizeof *t->areas);
    if (t->areas == NULL)
        return false;
    for (size_t i = 0; i < t->count; i++)
        if (find(t->areas, t->area_count, t->rows[i].unit_id) == NULL) {
            memset(&t->areas[t->area_count], 0, sizeof t->areas[0]);
            t->areas[t->area_count++].id = t->rows[i].unit_id;
            qsort(t->areas, t->area_count, sizeof *t->areas, by_id);
        }
    return true;
}

static void score(struct assessment_table *t, const struct assessment_config *config)
{
    int64_t volume_max = 0;
    for (size_t i = 0; i < t->count; i++)
        if (t->rows[i].counts.received > volume_max)
            volume_max = t->rows[i].counts.received;
    for (size_t i = 0; i < t->count; i++) {
        struct assessment_row *row = &t->rows[i];
        const struct assessment_row *area = find(t->areas, t->area_count, row->unit_id);
        if (t->group == ASSESSMENT_INSPECTOR && area != NULL) {
            row->counts.area_filed = area->counts.filed;
            row->counts.area_filed_by_others = area->counts.filed_by_others;
        }
        row->rate_count = assessment_rates(t->group, &row->counts, volume_max, row->rates);
        row->composite = assessment_composite(config, t->group, row->rates, row->rate_count);
    }
}

int assessment_export_format(struct request *req, enum export_format *format, bool *exported)
{
    const char *text = request_query(req, "format");
    *exported = text != NULL && text[0] != '\0';
    if (*exported && !export_format_parse(text, format))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "format",
                                         "format must be csv or xlsx");
    return 0;
}

// Fills *t with every group of kind `group` j may see, counted from the facts
// of [from, to) as of now and scored, by id; memory from arena. Returns the
// store's result (t->failed when out of memory).
static int table_fill(struct assessment_table *t, struct arena *arena, struct store *store,
                      const struct jurisdiction *j, enum assessment_group group, int64_t from,
                      int64_t to, int64_t now, const struct assessment_config *config)
{
    *t = (struct assessment_table){.arena = arena, .group = group};
    int rc = store_assessment_groups(store, j, group, add_group, t);
    if (rc == STORE_OK && !t->failed && t->count > 0) {
        qsort(t->rows, t->count, sizeof *t->rows, by_id);
        if (group == ASSESSMENT_INSPECTOR && !inspector_areas(t))
            t->failed = true;
    }
    struct counting counting = {.table = t, .now = now};
    if (rc == STORE_OK && !t->failed)
        rc = store_assessment_facts(store, j, from, to, add_fact, &counting);
    if (rc == STORE_OK && !t->failed)
        score(t, config);
    return rc;
}

int assessment_table_build(struct request *req, enum assessment_group group,
                           struct assessment_period *period, struct assessment_config *config,
                           struct assessment_table *t)
{
    int status = parse_period(req, period);
    if (status == 0)
        status = config_load(req, config);
    if (status != 0)
        return status;
    int rc = table_fill(t, req->arena, req->server->store, &req->user->jurisdiction, group,
                        period->from, period->to, store_now_ms(), config);
    if (t->failed)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not read the assessment's facts");
    return 0;
}

// Best first; groups without a composite last; then by code.
static int by_rank(const void *a, const void *b)
{
    const struct assessment_row *x = a, *y = b;
    if (x->composite.known != y->composite.known)
        return x->composite.known ? -1 : 1;
    if (x->composite.known && x->composite.value != y->composite.value)
        return x->composite.value > y->composite.value ? -1 : 1;
    return strcmp(x->code, y->code);
}

// ---- rendering ----

int64_t assessment_count_value(const struct assessment_counts *c,
                               const struct assessment_count_field *field)
{
    return *(const int64_t *)((const char *)c + field->offset);
}

#define COUNT(name, title, member) {name, title, offsetof(struct assessment_counts, member)}

// Each group's counts: the JSON name, the export's Chinese header, the member.
static const struct assessment_count_field INSPECTOR_COUNTS[] = {
    COUNT("reports", "上报数", reported),
    COUNT("reports_decided", "已受理决定数", decided),
    COUNT("reports_filed", "立案数", filed),
    COUNT("verifications_due", "应核实数", verify_due),
    COUNT("verifications_on_time", "按时核实数", verify_on_time),
    COUNT("checks_due", "应核查数", check_due),
    COUNT("checks_on_time", "按时核查数", check_on_time),
    COUNT("area_filed", "片区立案数", area_filed),
    COUNT("area_filed_by_others", "片区他人发现立案数", area_filed_by_others),
};
static const struct assessment_count_field DEPARTMENT_COUNTS[] = {
    COUNT("received", "受理数", received),
    COUNT("returns", "回退数", returns),
    COUNT("reworks", "返工数", reworks),
    COUNT("extensions", "延期数", extended),
    COUNT("due", "应处置数", handle_due),
    COUNT("on_time", "按时处置数", handle_on_time),
    COUNT("handled", "已处置数", handled),
    COUNT("overdue", "超期数", overdue),
    COUNT("pending", "处置中", handle_pending),
    COUNT("rounds_closed", "结案数", rounds_closed),
    COUNT("satisfied", "满意", satisfied),
    COUNT("basically_satisfied", "基本满意", basically_satisfied),
    COUNT("unsatisfied", "不满意", unsatisfied),
    COUNT("leader_supervised", "领导督办数", leader_supervised),
    COUNT("auto_supervised", "自动督办数", auto_supervised),
    COUNT("supervised", "被督办派遣数", supervised),
};
static const struct assessment_count_field AREA_COUNTS[] = {
    COUNT("reported", "上报数", reported),
    COUNT("decided", "已受理决定数", decided),
    COUNT("filed", "立案数", filed),
    COUNT("closed", "结案数", closed),
    COUNT("due", "应处置数", handle_due),
    COUNT("on_time", "按时处置数", handle_on_time),
    COUNT("overdue", "超期数", overdue),
    COUNT("satisfied", "满意", satisfied),
    COUNT("basically_satisfied", "基本满意", basically_satisfied),
    COUNT("unsatisfied", "不满意", unsatisfied),
    COUNT("cells", "网格数", cells),
    COUNT("received", "派遣数", received),
    COUNT("leader_supervised", "领导督办数", leader_supervised),
    COUNT("auto_supervised", "自动督办数", auto_supervised),
    COUNT("supervised", "被督办派遣数", supervised),
};
static const struct assessment_count_field OPERATOR_COUNTS[] = {
    COUNT("entered", "录入数", reported),
    COUNT("filings_due", "应立案数", file_due),
    COUNT("filings_on_time", "按时立案数", file_on_time),
    COUNT("dispatches_due", "应派遣数", dispatch_due),
    COUNT("dispatches_on_time", "按时派遣数", dispatch_on_time),
    COUNT("dispatched", "派遣数", dispatched),
    COUNT("dispatched_returned", "派遣被回退数", dispatches_returned),
};

const struct assessment_count_field *assessment_count_fields(enum assessment_group group, size_t *n)
{
#define FIELDS(a) (*n = sizeof a / sizeof a[0], a)
    switch (group) {
    case ASSESSMENT_INSPECTOR:
        return FIELDS(INSPECTOR_COUNTS);
    case ASSESSMENT_DEPARTMENT:
        return FIELDS(DEPARTMENT_COUNTS);
    case ASSESSMENT_OPERATOR:
        return FIELDS(OPERATOR_COUNTS);
    default:
        return FIELDS(AREA_COUNTS);
    }
#undef FIELDS
}

static void add_value(cJSON *obj, const char *name, struct assessment_value v)
{
    if (v.known)
        cJSON_AddNumberToObject(obj, name, v.value);
    else
        cJSON_AddNullToObject(obj, name);
}

static cJSON *row_json(const struct assessment_table *t, const struct assessment_row *row,
                       const struct assessment_config *config, int rank)
{
    cJSON *obj = cJSON_CreateObject();
    json_add_int(obj, "id", row->id);
    cJSON_AddStringToObject(obj, "code", row->code);
    cJSON_AddStringToObject(obj, "name", row->name);
    size_t n;
    const struct assessment_count_field *fields = assessment_count_fields(t->group, &n);
    cJSON *counts = cJSON_AddObjectToObject(obj, "counts");
    for (size_t i = 0; i < n; i++)
        json_add_int(counts, fields[i].name, assessment_count_value(&row->counts, &fields[i]));
    cJSON *rates = cJSON_AddObjectToObject(obj, "rates");
    for (int i = 0; i < row->rate_count; i++)
        add_value(rates, row->rates[i].name, row->rates[i].value);
    if (t->group == ASSESSMENT_STREET || t->group == ASSESSMENT_COMMUNITY ||
        t->group == ASSESSMENT_GRID)
        add_value(obj, "cases_per_cell", assessment_cases_per_cell(&row->counts));
    add_value(obj, "composite", row->composite);
    char grade[2] = {row->composite.known ? assessment_grade(config, row->composite.value) : 0};
    json_add_string_or_null(obj, "grade", row->composite.known ? grade : NULL);
    if (row->composite.known)
        json_add_int(obj, "rank", rank);
    else
        cJSON_AddNullToObject(obj, "rank");
    return obj;
}

void assessment_period_json(cJSON *body, const struct assessment_period *p)
{
    cJSON *period = cJSON_AddObjectToObject(body, "period");
    char day[16];
    json_add_string_or_null(period, "month", p->month[0] ? p->month : NULL);
    snprintf(day, sizeof day, "%04d-%02d-%02d", p->first / 10000 % 10000, p->first / 100 % 100,
             p->first % 100);
    cJSON_AddStringToObject(period, "from", day);
    snprintf(day, sizeof day, "%04d-%02d-%02d", p->last / 10000 % 10000, p->last / 100 % 100,
             p->last % 100);
    cJSON_AddStringToObject(period, "to", day);
    json_add_int(period, "from_ms", p->from);
    json_add_int(period, "to_ms", p->to);
}

cJSON *assessment_table_rows(struct arena *arena, struct store *store, const struct jurisdiction *j,
                             enum assessment_group group, int64_t from, int64_t to, int64_t now,
                             const struct assessment_config *config, int *rc)
{
    struct assessment_table t;
    *rc = table_fill(&t, arena, store, j, group, from, to, now, config);
    cJSON *rows = *rc == STORE_OK && !t.failed ? cJSON_CreateArray() : NULL;
    if (rows == NULL) {
        *rc = *rc == STORE_OK ? STORE_ERROR : *rc; // out of memory
        return NULL;
    }
    if (t.count > 0)
        qsort(t.rows, t.count, sizeof *t.rows, by_rank);
    for (size_t i = 0; i < t.count; i++)
        cJSON_AddItemToArray(rows, row_json(&t, &t.rows[i], config, (int)i + 1));
    return rows;
}

// ---- handlers ----

static int get_assessment(struct request *req)
{
    const char *name = request_query(req, "group");
    int group = assessment_group_from_name(name);
    if (group < 0)
        return request_reply_field_error(
            req, 400, ERR_INVALID_QUERY, "group",
            "group must be department, street, community, grid, inspector or operator");
    enum export_format format;
    bool exported = false;
    int status = assessment_export_format(req, &format, &exported);
    if (status != 0)
        return status;
    struct assessment_period period;
    struct assessment_config config;
    struct assessment_table t;
    status = assessment_table_build(req, group, &period, &config, &t);
    if (status != 0)
        return status;
    if (t.count > 0)
        qsort(t.rows, t.count, sizeof *t.rows, by_rank);
    if (exported)
        return assessment_export(req, format, &t, &config, &period);
    cJSON *body = request_json_object(req);
    cJSON_AddStringToObject(body, "group", assessment_group_name(group));
    assessment_period_json(body, &period);
    assessment_config_json(&config, group, body);
    cJSON *rows = cJSON_AddArrayToObject(body, "rows");
    for (size_t i = 0; i < t.count; i++)
        cJSON_AddItemToArray(rows, row_json(&t, &t.rows[i], &config, (int)i + 1));
    return request_reply_json(req, 200, body);
}

static int get_settings(struct request *req)
{
    struct assessment_config config;
    int status = config_load(req, &config);
    if (status != 0)
        return status;
    return request_reply_json(req, 200,
                              assessment_config_json(&config, ASSESSMENT_GROUP_COUNT, cJSON_CreateObject()));
}

// Sets weights and thresholds: the members given replace the ones in force;
// the result must pass assessment_config_check.
static int put_settings(struct request *req)
{
    struct assessment_config config;
    int status = config_load(req, &config);
    if (status != 0)
        return status;
    char field[128];
    const char *problem = config_read(req->json, &config, false, field, sizeof field);
    if (problem != NULL)
        return request_reply_field_error(req, 422, ERR_INVALID_FIELD, field, "%s", problem);
    cJSON *stored = assessment_config_json(&config, ASSESSMENT_GROUP_COUNT, cJSON_CreateObject());
    char *text = request_json_text(req, stored);
    if (text == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    int rc = store_setting_put(req->server->store, SETTING_KEY, text);
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not store the assessment settings");
    return get_settings(req);
}

// method, pattern, handler, flags, roles
const struct route API_ASSESSMENT_ROUTES[] = {
    {"GET", "/api/v1/assessment", get_assessment, ROUTE_AUTH,
     ROLE_LEADER | ROLE_SUPERVISOR | ROLE_ADMIN},
    {"GET", "/api/v1/assessment/points", api_assessment_points, ROUTE_AUTH,
     ROLE_LEADER | ROLE_SUPERVISOR | ROLE_ADMIN | ROLE_INSPECTOR},
    {"GET", "/api/v1/admin/assessment/settings", get_settings, ROUTE_AUTH, ROLE_ADMIN},
    {"PUT", "/api/v1/admin/assessment/settings", put_settings, ROUTE_STAFF_WRITE, ROLE_ADMIN},
};
const size_t API_ASSESSMENT_ROUTE_COUNT =
    sizeof API_ASSESSMENT_ROUTES / sizeof API_ASSESSMENT_ROUTES[0];
