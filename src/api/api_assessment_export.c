// SPDX-License-Identifier: MIT
// The assessment tables as spreadsheets (format=csv|xlsx on GET
// /api/v1/assessment and /api/v1/assessment/points): the rows the JSON answer
// holds, in its order, with Chinese headers, rates as percentages. A table of
// groups is small (the groups of a jurisdiction), so its cells are copied
// whole into the export's arena, where they outlive the request while a CSV
// streams, and written in one batch.
#include "api_assessment.h"

#include "arena.h"
#include "errors.h"
#include "export.h"
#include "request.h"

#include <stdio.h>
#include <string.h>

// A cell kept for the export: a text, or a number that may be unknown (empty).
struct cell {
    bool known;
    double number;
    const char *text; // arena copy
};

struct sheet {
    struct arena *arena;
    struct export_column *columns;
    size_t column_count, row_count;
    struct cell *cells; // row_count x column_count
    size_t used;
    bool failed;
};

// A new sheet of column_count columns (titled later by add_column) and
// row_count rows, in a new export arena. False when out of memory.
static bool sheet_begin(struct sheet *s, size_t column_count, size_t row_count)
{
    *s = (struct sheet){.arena = export_arena(), .row_count = row_count};
    if (s->arena == NULL)
        return false;
    s->columns = arena_alloc(s->arena, column_count * sizeof *s->columns);
    s->cells = arena_alloc(s->arena, (column_count * row_count + 1) * sizeof *s->cells);
    return s->columns != NULL && s->cells != NULL;
}

static void add_column(struct sheet *s, const char *title, enum export_kind kind, double width)
{
    s->columns[s->column_count++] = (struct export_column){title, kind, width};
}

static void put_text(struct sheet *s, const char *text)
{
    char *copy = arena_strdup(s->arena, text ? text : "");
    s->failed |= copy == NULL;
    s->cells[s->used++] = (struct cell){.known = true, .text = copy};
}

static void put_number(struct sheet *s, bool known, double number)
{
    s->cells[s->used++] = (struct cell){.known = known, .number = number};
}

// Writes every row at once: the sheet is the size of a jurisdiction's groups.
static enum export_batch write_sheet(void *data, struct export_sink *sink)
{
    const struct sheet *s = data;
    for (size_t r = 0; r < s->row_count; r++) {
        for (size_t c = 0; c < s->column_count; c++) {
            const struct cell *cell = &s->cells[r * s->column_count + c];
            if (!cell->known) {
                export_empty(sink);
                continue;
            }
            switch (s->columns[c].kind) {
            case EXPORT_TEXT:
                export_text(sink, cell->text);
                break;
            case EXPORT_INTEGER:
                export_integer(sink, (int64_t)cell->number);
                break;
            case EXPORT_PERCENT:
                export_percent(sink, cell->number);
                break;
            default:
                export_decimal(sink, cell->number);
                break;
            }
        }
        export_row_end(sink);
    }
    return EXPORT_DONE;
}

// The file's date: the month (2026-11) or the range (20261101-20261130).
static const char *period_file_date(struct request *req, const struct assessment_period *p)
{
    if (p->month[0] != '\0')
        return arena_strdup(req->arena, p->month);
    return arena_printf(req->arena, "%08d-%08d", p->first, p->last);
}

// Replies with the finished sheet (which the export then owns), or a 500.
static int sheet_reply(struct request *req, enum export_format format, struct sheet *s,
                       const char *stem, const char *sheet_name,
                       const struct assessment_period *period)
{
    const char *date = period_file_date(req, period);
    if (s->failed || date == NULL) {
        arena_destroy(s->arena);
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    }
    struct sheet *source = arena_alloc(s->arena, sizeof *source);
    if (source == NULL) {
        arena_destroy(s->arena);
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    }
    *source = *s;
    struct export_table table = {
        .file_stem = stem,
        .file_date = date,
        .sheet_name = sheet_name,
        .columns = source->columns,
        .column_count = source->column_count,
        .next = write_sheet,
        .source = source,
        .arena = source->arena,
    };
    return export_reply(req, format, &table);
}

// ---- the assessment of a group ----

// The Chinese name of each rate, as bureaus' reports write them.
static const char *rate_title(const char *name)
{
    static const char *const TITLES[][2] = {
        {"valid_report_rate", "有效上报率"},
        {"missed_report_rate", "漏报率"},
        {"on_time_verification_rate", "按时核实率"},
        {"on_time_check_rate", "按时核查率"},
        {"closure_rate", "结案率"},
        {"on_time_handling_rate", "按时处置率"},
        {"rework_rate", "返工率"},
        {"volume", "工作量"},
        {"handling_rate", "处置率"},
        {"extension_rate", "延期率"},
        {"return_rate", "回退率"},
        {"satisfaction_rate", "满意率"},
        {"supervision_rate", "督办率"},
        {"filing_rate", "立案率"},
        {"closing_rate", "结案率"},
        {"on_time_closing_rate", "按时结案率"},
        {"on_time_filing_rate", "按时立案率"},
        {"on_time_dispatch_rate", "按时派遣率"},
        {"accurate_dispatch_rate", "派遣准确率"},
    };
    for (size_t i = 0; i < sizeof TITLES / sizeof TITLES[0]; i++)
        if (strcmp(name, TITLES[i][0]) == 0)
            return TITLES[i][1];
    return name;
}

struct group_titles {
    const char *sheet, *code, *name; // the unit column only for users
};

static const struct group_titles GROUP_TITLES[ASSESSMENT_GROUP_COUNT] = {
    [ASSESSMENT_DEPARTMENT] = {"部门考评", "部门编码", "部门"},
    [ASSESSMENT_STREET] = {"街道考评", "街道编码", "街道"},
    [ASSESSMENT_COMMUNITY] = {"社区考评", "社区编码", "社区"},
    [ASSESSMENT_GRID] = {"网格考评", "网格编码", "网格"},
    [ASSESSMENT_INSPECTOR] = {"监督员考评", "账号", "监督员"},
    [ASSESSMENT_OPERATOR] = {"受理派遣考评", "账号", "姓名"},
};

static bool is_area(enum assessment_group g)
{
    return g == ASSESSMENT_STREET || g == ASSESSMENT_COMMUNITY || g == ASSESSMENT_GRID;
}

int assessment_export(struct request *req, enum export_format format,
                      const struct assessment_table *t, const struct assessment_config *config,
                      const struct assessment_period *period)
{
    size_t count_n;
    const struct assessment_count_field *counts = assessment_count_fields(t->group, &count_n);
    const char *rate_names[ASSESSMENT_RATES_MAX];
    int rate_n = assessment_rate_names(t->group, rate_names);
    bool users = t->group == ASSESSMENT_INSPECTOR || t->group == ASSESSMENT_OPERATOR;
    const struct group_titles *titles = &GROUP_TITLES[t->group];
    struct sheet s;
    if (!sheet_begin(&s, 6 + count_n + (size_t)rate_n, t->count)) {
        arena_destroy(s.arena);
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    }
    add_column(&s, "排名", EXPORT_INTEGER, 6);
    add_column(&s, titles->code, EXPORT_TEXT, 18);
    add_column(&s, titles->name, EXPORT_TEXT, 20);
    if (users)
        add_column(&s, "所属单位", EXPORT_TEXT, 16);
    for (size_t i = 0; i < count_n; i++)
        add_column(&s, counts[i].title, EXPORT_INTEGER, 10);
    for (int i = 0; i < rate_n; i++)
        add_column(&s, rate_title(rate_names[i]), EXPORT_PERCENT, 11);
    if (is_area(t->group))
        add_column(&s, "每格案件数", EXPORT_DECIMAL, 11);
    add_column(&s, "综合得分", EXPORT_DECIMAL, 10);
    add_column(&s, "等级", EXPORT_TEXT, 6);
    for (size_t r = 0; r < t->count; r++) {
        const struct assessment_row *row = &t->rows[r];
        bool scored = row->composite.known;
        put_number(&s, scored, (double)(r + 1)); // the rank, as in the JSON
        put_text(&s, row->code);
        put_text(&s, row->name);
        if (users)
            put_text(&s, row->unit_name);
        for (size_t i = 0; i < count_n; i++)
            put_number(&s, true, (double)assessment_count_value(&row->counts, &counts[i]));
        for (int i = 0; i < row->rate_count; i++)
            put_number(&s, row->rates[i].value.known, row->rates[i].value.value);
        if (is_area(t->group)) {
            struct assessment_value v = assessment_cases_per_cell(&row->counts);
            put_number(&s, v.known, v.value);
        }
        put_number(&s, scored, row->composite.value);
        char grade[2] = {scored ? assessment_grade(config, row->composite.value) : 0, 0};
        put_text(&s, grade);
    }
    const char *stem = arena_printf(req->arena, "assessment-%s", assessment_group_name(t->group));
    s.failed |= stem == NULL;
    return sheet_reply(req, format, &s, stem, titles->sheet, period);
}

// ---- inspector points ----

static const char *const POINT_TITLES[ASSESSMENT_POINT_ITEMS][2] = {
    [ASSESSMENT_POINTS_VALID_REPORT] = {"有效上报数", "有效上报得分"},
    [ASSESSMENT_POINTS_INVALID_REPORT] = {"无效上报数", "无效上报扣分"},
    [ASSESSMENT_POINTS_VERIFY_ON_TIME] = {"按时核实数", "按时核实得分"},
    [ASSESSMENT_POINTS_VERIFY_LATE] = {"超时核实数", "超时核实扣分"},
    [ASSESSMENT_POINTS_CHECK_ON_TIME] = {"按时核查数", "按时核查得分"},
    [ASSESSMENT_POINTS_CHECK_LATE] = {"超时核查数", "超时核查扣分"},
};

int assessment_points_export(struct request *req, enum export_format format,
                             const struct assessment_points_row *rows, size_t count,
                             const struct assessment_period *period)
{
    struct sheet s;
    if (!sheet_begin(&s, 5 + 2 * ASSESSMENT_POINT_ITEMS, count)) {
        arena_destroy(s.arena);
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    }
    add_column(&s, "排名", EXPORT_INTEGER, 6);
    add_column(&s, "账号", EXPORT_TEXT, 14);
    add_column(&s, "姓名", EXPORT_TEXT, 12);
    add_column(&s, "所属单位", EXPORT_TEXT, 16);
    for (int i = 0; i < ASSESSMENT_POINT_ITEMS; i++) {
        add_column(&s, POINT_TITLES[i][0], EXPORT_INTEGER, 11);
        add_column(&s, POINT_TITLES[i][1], EXPORT_INTEGER, 12);
    }
    add_column(&s, "总分", EXPORT_INTEGER, 8);
    for (size_t r = 0; r < count; r++) {
        const struct assessment_points_row *p = &rows[r];
        put_number(&s, true, p->rank);
        put_text(&s, p->row->code);
        put_text(&s, p->row->name);
        put_text(&s, p->row->unit_name);
        for (int i = 0; i < ASSESSMENT_POINT_ITEMS; i++) {
            put_number(&s, true, (double)p->points.count[i]);
            put_number(&s, true, (double)p->points.points[i]);
        }
        put_number(&s, true, (double)p->points.total);
    }
    return sheet_reply(req, format, &s, "points", "监督员积分", period);
}
