// SPDX-License-Identifier: MIT
// The case list as a spreadsheet (GET /api/v1/cases?...&format=csv|xlsx): every
// case the list's filters and the caller's jurisdiction keep, newest first, read
// a keyset page at a time, with the columns bureaus report in (Chinese headers).
#include "api_cases.h"

#include "arena.h"
#include "casefsm.h"
#include "errors.h"
#include "export.h"
#include "log.h"
#include "request.h"
#include "server.h"
#include "store.h"
#include "store_case_lists.h"
#include "store_cases.h"

#include <string.h>

// The columns, in order; case_row writes the cells of one case in the same order.
// No personal data: the reporter's and the citizen's names and phones stay out.
static const struct export_column CASE_COLUMNS[] = {
    {"案件编号", EXPORT_TEXT, 16},    {"来源", EXPORT_TEXT, 14},
    {"状态", EXPORT_TEXT, 10},        {"类型", EXPORT_TEXT, 8},
    {"类别编码", EXPORT_TEXT, 10},    {"类别", EXPORT_TEXT, 20},
    {"紧急", EXPORT_TEXT, 6},         {"描述", EXPORT_TEXT, 50},
    {"地址", EXPORT_TEXT, 30},        {"街道", EXPORT_TEXT, 14},
    {"社区", EXPORT_TEXT, 14},        {"网格", EXPORT_TEXT, 18},
    {"处置部门", EXPORT_TEXT, 20},    {"上报时间", EXPORT_TIME, 20},
    {"立案时间", EXPORT_TIME, 20},    {"当前环节时限", EXPORT_TIME, 20},
    {"处置时限", EXPORT_TIME, 20},    {"处置完成时间", EXPORT_TIME, 20},
    {"结案时间", EXPORT_TIME, 20},    {"是否超期", EXPORT_TEXT, 10},
    {"返工次数", EXPORT_INTEGER, 10}, {"满意度", EXPORT_TEXT, 10},
};

// The source names as the bureaus say them (the front end's catalogue has the same).
static const char *source_zh(const char *source)
{
    static const char *const NAMES[][2] = {
        {"patrol", "监督员巡查"}, {"web", "市民网上反映"},    {"12345", "12345热线"},
        {"110", "110转办"},       {"12319", "12319城管热线"}, {"video", "视频监控"},
        {"leader", "领导交办"},   {"media", "媒体曝光"},
    };
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
        if (strcmp(source, NAMES[i][0]) == 0)
            return NAMES[i][1];
    return source;
}

static const char *rating_zh(const char *rating)
{
    if (strcmp(rating, "satisfied") == 0)
        return "满意";
    if (strcmp(rating, "basically_satisfied") == 0)
        return "基本满意";
    if (strcmp(rating, "unsatisfied") == 0)
        return "不满意";
    return rating;
}

// 是否超期: the running stage is past its deadline at the export's moment (what
// the list's overdue=1 keeps), or the department reported the fix after its
// handling deadline.
static bool case_overdue(const struct store_case *c, int64_t now_ms)
{
    bool stage_late = c->stage_deadline > 0 && c->stage_deadline < now_ms;
    bool handled_late = c->handling_deadline > 0 && c->handled_at > c->handling_deadline;
    return stage_late || handled_late;
}

static void case_row(struct export_sink *sink, const struct store_case *c, int64_t now_ms)
{
    export_text(sink, c->case_no);
    export_text(sink, source_zh(c->source));
    export_text(sink, casefsm_state_name_zh(c->state));
    export_text(sink, strcmp(c->category_tree, "component") == 0 ? "部件"
                      : strcmp(c->category_tree, "event") == 0   ? "事件"
                                                                 : "");
    export_text(sink, c->category_code);
    export_text(sink, c->category_name_zh);
    export_text(sink, c->urgent ? "是" : "否");
    export_text(sink, c->description);
    export_text(sink, c->address);
    export_text(sink, c->street_name);
    export_text(sink, c->community_name);
    export_text(sink, c->grid_code);
    export_text(sink, c->department_name);
    export_time(sink, c->created_at);
    export_time(sink, c->filed_at);
    export_time(sink, c->stage_deadline);
    export_time(sink, c->handling_deadline);
    export_time(sink, c->handled_at);
    export_time(sink, c->closed_at);
    export_text(sink, case_overdue(c, now_ms) ? "是" : "否");
    export_integer(sink, c->rework_count);
    export_text(sink, rating_zh(c->rating));
    export_row_end(sink);
}

// The export's own copy of the list query, in the export's arena: it outlives
// the request's memory while a CSV streams.
struct case_source {
    struct store *store;
    struct jurisdiction jurisdiction;
    struct store_case_filter filter;
    struct store_case_cursor after;
    int64_t now_ms;
    struct export_sink *sink; // during a page
};

static void add_case(const struct store_case *c, void *data)
{
    struct case_source *source = data;
    case_row(source->sink, c, source->now_ms);
}

// One keyset page in a read snapshot of its own; the next page starts after its
// last case.
static enum export_batch next_page(void *data, struct export_sink *sink)
{
    struct case_source *source = data;
    source->sink = sink;
    bool more = false;
    struct store_case_cursor next;
    store_read_begin(source->store);
    int rc = store_case_list(source->store, &source->filter, add_case, source, &more, &next);
    store_read_end(source->store);
    if (rc != STORE_OK)
        return EXPORT_FAILED;
    if (!more)
        return EXPORT_DONE;
    source->after = next;
    source->filter.after = &source->after;
    return EXPORT_MORE;
}

// A copy of text in arena (NULL stays NULL); sets *failed when out of memory.
static const char *copy_or_null(struct arena *arena, const char *text, bool *failed)
{
    char *copy = text != NULL ? arena_strdup(arena, text) : NULL;
    if (text != NULL && copy == NULL)
        *failed = true;
    return copy;
}

int api_case_export(struct request *req, const struct store_case_filter *filter,
                    enum export_format format)
{
    struct arena *arena = export_arena();
    struct case_source *source = arena ? arena_alloc(arena, sizeof *source) : NULL;
    bool failed = source == NULL;
    if (!failed) {
        *source = (struct case_source){
            .store = req->server->store, .jurisdiction = *filter->jurisdiction, .filter = *filter};
        source->filter.jurisdiction = &source->jurisdiction;
        source->filter.states = copy_or_null(arena, filter->states, &failed);
        source->filter.source = copy_or_null(arena, filter->source, &failed);
        source->filter.match = copy_or_null(arena, filter->match, &failed);
        // Every case, newest first (a search in its index's order): the keys of
        // that order never change, so no case comes twice across pages.
        source->filter.sort =
            filter->match != NULL ? STORE_CASE_SORT_SEARCH : STORE_CASE_SORT_NEWEST;
        source->filter.after = NULL;
        source->filter.limit = STORE_CASE_LIST_MAX;
        source->now_ms = filter->overdue ? filter->now_ms : store_now_ms();
    }
    if (failed) {
        arena_destroy(arena);
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    }
    struct export_table table = {
        .file_stem = "cases",
        .sheet_name = "案件",
        .columns = CASE_COLUMNS,
        .column_count = sizeof CASE_COLUMNS / sizeof CASE_COLUMNS[0],
        .next = next_page,
        .source = source,
        .arena = arena,
    };
    return export_reply(req, format, &table);
}
