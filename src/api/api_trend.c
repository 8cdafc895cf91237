// SPDX-License-Identifier: MIT
// The assessment trends a leader, supervisor or admin reads: for the last 30
// or 90 local days (today included), per day, the cases reported, filed and
// closed and the handling records due and on time with their rate, for the
// whole jurisdiction or one street, community, grid cell or department in it.
#include "api.h"

#include "arena.h"
#include "errors.h"
#include "json.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_trend.h"
#include "worktime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Parses days (30 or 90; 30 when absent). Returns 0 or the status replied.
static int parse_days(struct request *req, int *days)
{
    const char *text = request_query(req, "days");
    *days = text == NULL ? 30 : strcmp(text, "30") == 0 ? 30 : strcmp(text, "90") == 0 ? 90 : 0;
    if (*days == 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "days",
                                         "days must be 30 or 90");
    return 0;
}

// Parses group and id into scope: both absent (the whole jurisdiction), or a
// group of street, community, grid or department with a positive id. Returns
// 0 or the status replied.
static int parse_scope(struct request *req, struct store_trend_scope *scope)
{
    const char *group = request_query(req, "group"), *id_text = request_query(req, "id");
    memset(scope, 0, sizeof *scope);
    if (group == NULL && id_text == NULL)
        return 0;
    int64_t *target = group == NULL                      ? NULL
                      : strcmp(group, "street") == 0     ? &scope->street_id
                      : strcmp(group, "community") == 0  ? &scope->community_id
                      : strcmp(group, "grid") == 0       ? &scope->grid_id
                      : strcmp(group, "department") == 0 ? &scope->department_id
                                                         : NULL;
    if (target == NULL)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "group",
                                         "group must be street, community, grid or department");
    char *end = NULL;
    long long id = id_text != NULL ? strtoll(id_text, &end, 10) : 0;
    if (id_text == NULL || *id_text == '\0' || *end != '\0' || id <= 0 ||
        strspn(id_text, "0123456789") != strlen(id_text))
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "id",
                                         "id must be the positive id of the group's unit");
    *target = id;
    return 0;
}

static void add_date(cJSON *array, int date)
{
    char text[16];
    snprintf(text, sizeof text, "%04d-%02d-%02d", date / 10000 % 10000, date / 100 % 100,
             date % 100);
    cJSON_AddItemToArray(array, cJSON_CreateString(text));
}

// The series as parallel arrays, one element per day; the rate is null on a
// day with nothing due.
static void series_json(cJSON *body, const struct worktime_calendar *cal, int64_t from, int days,
                        const struct store_trend_day *d)
{
    cJSON *dates = cJSON_AddArrayToObject(body, "dates");
    const char *const NAMES[] = {"reported", "filed", "closed", "handle_due", "handle_on_time"};
    cJSON *series = cJSON_AddObjectToObject(body, "series");
    cJSON *arrays[5];
    for (size_t k = 0; k < 5; k++)
        arrays[k] = cJSON_AddArrayToObject(series, NAMES[k]);
    cJSON *rate = cJSON_AddArrayToObject(series, "on_time_closing_rate");
    for (int i = 0; i < days; i++) {
        add_date(dates, worktime_local_date(cal, from + i * WORKTIME_DAY_MS + WORKTIME_DAY_MS / 2));
        const int64_t values[5] = {d[i].reported, d[i].filed, d[i].closed, d[i].handle_due,
                                   d[i].handle_on_time};
        for (size_t k = 0; k < 5; k++)
            cJSON_AddItemToArray(arrays[k], cJSON_CreateNumber((double)values[k]));
        cJSON_AddItemToArray(rate,
                             d[i].handle_due > 0
                                 ? cJSON_CreateNumber(round(1000.0 * (double)d[i].handle_on_time /
                                                            (double)d[i].handle_due) /
                                                      1000.0)
                                 : cJSON_CreateNull());
    }
}

static int get_trend(struct request *req)
{
    int days;
    struct store_trend_scope scope;
    int status = parse_days(req, &days);
    if (status == 0)
        status = parse_scope(req, &scope);
    if (status != 0)
        return status;
    const struct worktime_calendar *cal = server_calendar(req);
    int64_t now = store_now_ms();
    int64_t to = worktime_local_to_ms(cal, worktime_local_date(cal, now), 24 * 60);
    int64_t from = to - days * WORKTIME_DAY_MS;
    struct store_trend_day *series = arena_alloc(req->arena, (size_t)days * sizeof *series);
    if (series == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    int rc = store_trend_series(req->server->store, &req->user->jurisdiction, &scope, from, days,
                                now, series);
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not read the trend");
    cJSON *body = request_json_object(req);
    json_add_int(body, "days", days);
    json_add_int(body, "from_ms", from);
    json_add_int(body, "to_ms", to);
    series_json(body, cal, from, days, series);
    return request_reply_json(req, 200, body);
}

// method, pattern, handler, flags, roles
const struct route API_TREND_ROUTES[] = {
    {"GET", "/api/v1/assessment/trend", get_trend, ROUTE_AUTH,
     ROLE_LEADER | ROLE_SUPERVISOR | ROLE_ADMIN},
};
const size_t API_TREND_ROUTE_COUNT = sizeof API_TREND_ROUTES / sizeof API_TREND_ROUTES[0];
