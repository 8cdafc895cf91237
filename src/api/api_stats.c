// SPDX-License-Identifier: MIT
// The overview a leader (or the command centre) reads: counts of the cases in
// their jurisdiction by state, source, street and category, with the overdue
// and pending counts and the citizens' satisfaction; and the wall screen's big
// numbers (today's work, open and overdue now, this month's on-time closing).
#include "api.h"

#include "assessment.h"
#include "casefsm.h"
#include "errors.h"
#include "json.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_stats.h"
#include "store_trend.h"
#include "worktime.h"

#include <stdio.h>
#include <string.h>

struct overview {
    cJSON *body, *by_state, *by_source, *by_street, *by_category, *satisfaction;
};

// Sets a count, replacing the zero the section started with.
static void set_count(cJSON *obj, const char *key, int64_t count)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, cJSON_CreateNumber((double)count));
    else
        json_add_int(obj, key, count);
}

static void add_row(const struct store_stats_row *row, void *data)
{
    struct overview *o = data;
    const char *section = row->section;
    if (strcmp(section, "totals") == 0) {
        json_add_int(o->body, row->key, row->count);
    } else if (strcmp(section, "state") == 0) {
        set_count(o->by_state, row->key, row->count);
    } else if (strcmp(section, "source") == 0) {
        json_add_int(o->by_source, row->key, row->count);
    } else if (strcmp(section, "rating") == 0) {
        set_count(o->satisfaction, row->key, row->count);
    } else if (strcmp(section, "street") == 0) {
        cJSON *street = cJSON_CreateObject();
        cJSON_AddStringToObject(street, "code", row->key);
        cJSON_AddStringToObject(street, "name", row->name);
        json_add_int(street, "open", row->count);
        json_add_int(street, "overdue", row->overdue);
        json_add_int(street, "closed", row->closed);
        cJSON_AddItemToArray(o->by_street, street);
    } else if (strcmp(section, "category") == 0) {
        cJSON *category = cJSON_CreateObject();
        json_add_int(category, "id", row->id);
        cJSON_AddStringToObject(category, "tree", row->tree);
        cJSON_AddStringToObject(category, "code", row->key);
        cJSON_AddStringToObject(category, "name_zh", row->name);
        cJSON_AddStringToObject(category, "name_en", row->name_en);
        json_add_int(category, "count", row->count);
        cJSON_AddItemToArray(o->by_category, category);
    }
}

static int overview(struct request *req)
{
    if (request_unchanged(req, request_data_etag(req, store_changes(req->server->store))))
        return req->status;
    struct overview o = {.body = request_json_object(req)};
    o.by_state = cJSON_AddObjectToObject(o.body, "by_state");
    for (int s = 0; s < CASEFSM_STATE_COUNT; s++)
        cJSON_AddNumberToObject(o.by_state, casefsm_state_name(s), 0);
    o.by_source = cJSON_AddObjectToObject(o.body, "by_source");
    o.by_street = cJSON_AddArrayToObject(o.body, "by_street");
    o.by_category = cJSON_AddArrayToObject(o.body, "by_category");
    o.satisfaction = cJSON_AddObjectToObject(o.body, "satisfaction");
    static const char *const RATINGS[] = {"satisfied", "basically_satisfied", "unsatisfied"};
    for (int i = 0; i < 3; i++)
        cJSON_AddNumberToObject(o.satisfaction, RATINGS[i], 0);
    int rc = store_stats_overview(req->server->store, &req->user->jurisdiction, store_now_ms(),
                                  add_row, &o);
    if (rc != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not count the cases");
    return request_reply_json(req, 200, o.body);
}

// ---- the wall screen ----

// Keeps the open and overdue totals of the overview.
static void keep_totals(const struct store_stats_row *row, void *data)
{
    int64_t *totals = data;
    if (strcmp(row->section, "totals") != 0)
        return;
    if (strcmp(row->key, "open") == 0)
        totals[0] = row->count;
    else if (strcmp(row->key, "overdue") == 0)
        totals[1] = row->count;
}

// The month's handling records due and on time (the on-time closing rate's
// denominator and numerator, as the assessment counts them for the whole
// jurisdiction), summed from the trends' per-day tally: a few rows per place
// and day instead of every record of the month with its case row.
static int month_counts(struct request *req, int64_t from, int64_t to, int64_t now,
                        struct assessment_counts *out)
{
    int days = (int)((to - from) / WORKTIME_DAY_MS);
    struct store_trend_day series[STORE_TREND_DAYS_MAX];
    struct store_trend_scope whole = {0};
    int rc = store_trend_series(req->server->store, &req->user->jurisdiction, &whole, from, days,
                                now, series);
    memset(out, 0, sizeof *out);
    for (int i = 0; rc == STORE_OK && i < days; i++) {
        out->handle_due += series[i].handle_due;
        out->handle_on_time += series[i].handle_on_time;
    }
    return rc;
}

static void add_rate(cJSON *obj, const char *key, struct assessment_value v)
{
    if (v.known)
        cJSON_AddNumberToObject(obj, key, v.value);
    else
        cJSON_AddNullToObject(obj, key);
}

static int wall(struct request *req)
{
    if (request_unchanged(req, request_data_etag(req, store_changes(req->server->store))))
        return req->status;
    const struct worktime_calendar *cal = server_calendar(req);
    const struct jurisdiction *j = &req->user->jurisdiction;
    int64_t now = store_now_ms();
    int today = worktime_local_date(cal, now);
    int first = today / 100 * 100 + 1;
    int next = today / 100 % 100 == 12 ? (today / 10000 + 1) * 10000 + 101 : first + 100;
    int64_t totals[2] = {0};
    struct store_stats_day day;
    struct assessment_counts month;
    if (store_stats_overview(req->server->store, j, now, keep_totals, totals) != STORE_OK ||
        store_stats_day(req->server->store, j, worktime_local_to_ms(cal, today, 0), now, &day) !=
            STORE_OK ||
        month_counts(req, worktime_local_to_ms(cal, first, 0), worktime_local_to_ms(cal, next, 0),
                     now, &month) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not count the cases");
    struct assessment_rate rates[ASSESSMENT_RATES_MAX];
    int count = assessment_rates(ASSESSMENT_STREET, &month, 0, rates);
    cJSON *body = request_json_object(req);
    cJSON *t = cJSON_AddObjectToObject(body, "today");
    json_add_int(t, "reported", day.reported);
    json_add_int(t, "filed", day.filed);
    json_add_int(t, "dispatched", day.dispatched);
    json_add_int(t, "closed", day.closed);
    json_add_int(body, "open", totals[0]);
    json_add_int(body, "overdue", totals[1]);
    cJSON *m = cJSON_AddObjectToObject(body, "month");
    char period[16];
    snprintf(period, sizeof period, "%04d-%02d", today / 10000 % 10000, today / 100 % 100);
    cJSON_AddStringToObject(m, "period", period);
    json_add_int(m, "due", month.handle_due);
    json_add_int(m, "on_time", month.handle_on_time);
    for (int i = 0; i < count; i++)
        if (strcmp(rates[i].name, "on_time_closing_rate") == 0)
            add_rate(m, "on_time_closing_rate", rates[i].value);
    return request_reply_json(req, 200, body);
}

// method, pattern, handler, flags, roles
const struct route API_STATS_ROUTES[] = {
    {"GET", "/api/v1/stats/overview", overview, ROUTE_AUTH,
     ROLE_LEADER | ROLE_SUPERVISOR | ROLE_ADMIN},
    {"GET", "/api/v1/stats/wall", wall, ROUTE_AUTH, ROLE_LEADER | ROLE_SUPERVISOR | ROLE_ADMIN},
};
const size_t API_STATS_ROUTE_COUNT = sizeof API_STATS_ROUTES / sizeof API_STATS_ROUTES[0];
