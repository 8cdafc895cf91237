// SPDX-License-Identifier: MIT
// The office calendar over HTTP: staff read the working periods and the year's
// holidays and adjusted working days; admins add, change and remove days. Every
// change swaps in a new calendar snapshot, so new deadlines use it at once.
#include "api.h"

#include "errors.h"
#include "json.h"
#include "request.h"
#include "roles.h"
#include "server.h"
#include "store.h"
#include "store_admin.h"
#include "store_calendar.h"
#include "worktime.h"

#include <stdio.h>
#include <string.h>

// Parses exactly "YYYY-MM-DD" into YYYYMMDD. Returns 0 when it is not a real date
// between 2000 and 2100.
static int parse_day(const char *text)
{
    int day = worktime_parse_date(text);
    return day >= 20000101 && day <= 21001231 ? day : 0;
}

// Parses exactly four ASCII digits, 2000 to 2100 (strtol would take " +2031").
// Returns 0 for anything else.
static int parse_year(const char *text)
{
    int year = 0;
    for (int i = 0; i < 4; i++) {
        if (text[i] < '0' || text[i] > '9')
            return 0;
        year = year * 10 + (text[i] - '0');
    }
    return text[4] == '\0' && year >= 2000 && year <= 2100 ? year : 0;
}

static cJSON *day_json(int day, const char *kind, const char *name)
{
    char text[16];
    snprintf(text, sizeof text, "%04d-%02d-%02d", day / 10000, day / 100 % 100, day % 100);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "day", text);
    cJSON_AddStringToObject(out, "kind", kind);
    cJSON_AddStringToObject(out, "name", name ? name : "");
    return out;
}

static void add_day(int day, const char *kind, const char *name, void *data)
{
    cJSON_AddItemToArray(data, day_json(day, kind, name));
}

static int get_calendar(struct request *req)
{
    const struct worktime_calendar *cal = server_calendar(req);
    int year = worktime_local_date(cal, store_now_ms()) / 10000;
    const char *param = request_query(req, "year");
    if (param != NULL) {
        year = parse_year(param);
        if (year == 0)
            return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "year",
                                             "year must be four digits between 2000 and 2100");
    }
    cJSON *body = request_json_object(req);
    cJSON_AddNumberToObject(body, "year", year);
    cJSON_AddNumberToObject(body, "utc_offset_minutes", cal->utc_offset_minutes);
    cJSON *periods = cJSON_AddArrayToObject(body, "periods");
    for (int i = 0; i < cal->period_count; i++) {
        char start[16], end[16];
        snprintf(start, sizeof start, "%02d:%02d", cal->periods[i].start_minute / 60,
                 cal->periods[i].start_minute % 60);
        snprintf(end, sizeof end, "%02d:%02d", cal->periods[i].end_minute / 60,
                 cal->periods[i].end_minute % 60);
        cJSON *period = cJSON_CreateObject();
        cJSON_AddStringToObject(period, "start", start);
        cJSON_AddStringToObject(period, "end", end);
        cJSON_AddItemToArray(periods, period);
    }
    cJSON *weekdays = cJSON_AddArrayToObject(body, "weekdays");
    for (int d = 0; d < 7; d++)
        if (cal->weekday_working[d])
            cJSON_AddItemToArray(weekdays, cJSON_CreateNumber(d));
    cJSON *days = cJSON_AddArrayToObject(body, "days");
    if (store_calendar_days(req->server->store, year * 10000 + 101, year * 10000 + 1231, add_day,
                            days) != STORE_OK)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not read the calendar");
    return request_reply_json(req, 200, body);
}

// Reloads the calendar after a change; the change is stored either way.
static int reload_or_fail(struct request *req)
{
    if (server_reload_calendar(req->server) != 0)
        return request_reply_error(req, 500, ERR_INTERNAL,
                                   "the day is stored but the calendar could not be reloaded");
    return 0;
}

static int set_day(struct request *req)
{
    static const struct json_field FIELDS[] = {
        {"kind", JSON_STRING, true, 16},
        {"name", JSON_STRING, false, 60},
    };
    struct json_problem problem;
    if (!json_check(req->json, FIELDS, 2, &problem))
        return request_reply_problem(req, 400, &problem);
    int day = parse_day(request_param(req, "day"));
    if (day == 0)
        return request_reply_field_error(
            req, 400, ERR_INVALID_FIELD, "day",
            "the day must be a real date YYYY-MM-DD between 2000 and 2100");
    const char *kind = json_get_string(req->json, "kind");
    if (strcmp(kind, "holiday") != 0 && strcmp(kind, "workday") != 0)
        return request_reply_field_error(
            req, 422, ERR_INVALID_FIELD, "kind",
            "kind must be holiday or workday (an adjusted working day)");
    const char *name = json_get_string(req->json, "name");
    struct store_actor actor;
    api_actor(req, &actor);
    int rc = store_calendar_day_set_as(req->server->store, &actor, day, kind, name);
    if (rc == STORE_INVALID) // the kind is known, so the list is full
        return request_reply_error(
            req, 422, ERR_UNPROCESSABLE,
            "the calendar already holds %d %s days, the most it can; remove days of past "
            "years first",
            WORKTIME_MAX_DATES, strcmp(kind, "holiday") == 0 ? "holiday" : "adjusted working");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not store the day");
    int status = reload_or_fail(req);
    if (status != 0)
        return status;
    return request_reply_json(req, 200, day_json(day, kind, name));
}

static int delete_day(struct request *req)
{
    int day = parse_day(request_param(req, "day"));
    if (day == 0)
        return request_reply_field_error(
            req, 400, ERR_INVALID_FIELD, "day",
            "the day must be a real date YYYY-MM-DD between 2000 and 2100");
    struct store_actor actor;
    api_actor(req, &actor);
    int rc = store_calendar_day_delete_as(req->server->store, &actor, day);
    if (rc == STORE_NOT_FOUND)
        return request_reply_field_error(req, 404, ERR_NOT_FOUND, "day",
                                         "that day is an ordinary day");
    if (rc != STORE_OK)
        return request_reply_store_error(req, rc, "could not remove the day");
    int status = reload_or_fail(req);
    return status != 0 ? status : request_reply_empty(req, 204);
}

// method, pattern, handler, flags, roles
const struct route API_CALENDAR_ROUTES[] = {
    {"GET", "/api/v1/calendar", get_calendar, ROUTE_AUTH, 0},
    {"PUT", "/api/v1/admin/calendar/days/:day", set_day, ROUTE_STAFF_WRITE, ROLE_ADMIN},
    {"DELETE", "/api/v1/admin/calendar/days/:day", delete_day,
     ROUTE_AUTH | ROUTE_CSRF | ROUTE_WRITE, ROLE_ADMIN},
};
const size_t API_CALENDAR_ROUTE_COUNT = sizeof API_CALENDAR_ROUTES / sizeof API_CALENDAR_ROUTES[0];
