// SPDX-License-Identifier: MIT
// The route tables of the api_*.c modules; server.c registers them all.
#ifndef CHENGGUAN_API_H
#define CHENGGUAN_API_H

#include "router.h"

#include <cjson/cJSON.h>

#include <stddef.h>

struct request_user;

extern const struct route API_CALENDAR_ROUTES[];
extern const size_t API_CALENDAR_ROUTE_COUNT;
extern const struct route API_STATS_ROUTES[];
extern const size_t API_STATS_ROUTE_COUNT;
extern const struct route API_ASSESSMENT_ROUTES[];
extern const size_t API_ASSESSMENT_ROUTE_COUNT;
extern const struct route API_TREND_ROUTES[];
extern const size_t API_TREND_ROUTE_COUNT;
extern const struct route API_SNAPSHOT_ROUTES[];
extern const size_t API_SNAPSHOT_ROUTE_COUNT;

extern const struct route API_META_ROUTES[];
extern const size_t API_META_ROUTE_COUNT;
extern const struct route API_METRICS_ROUTES[];
extern const size_t API_METRICS_ROUTE_COUNT;
extern const struct route API_CATEGORY_ROUTES[];
extern const size_t API_CATEGORY_ROUTE_COUNT;
extern const struct route API_AUTH_ROUTES[];
extern const size_t API_AUTH_ROUTE_COUNT;
extern const struct route API_USER_ROUTES[];
extern const size_t API_USER_ROUTE_COUNT;
extern const struct route API_PLACES_ROUTES[];
extern const size_t API_PLACES_ROUTE_COUNT;
extern const struct route API_GEOCODE_ROUTES[];
extern const size_t API_GEOCODE_ROUTE_COUNT;
extern const struct route API_CASE_ROUTES[];
extern const size_t API_CASE_ROUTE_COUNT;
extern const struct route API_CASE_LIST_ROUTES[];
extern const size_t API_CASE_LIST_ROUTE_COUNT;
extern const struct route API_PUBLIC_ROUTES[];
extern const size_t API_PUBLIC_ROUTE_COUNT;
extern const struct route API_INTAKE_ROUTES[];
extern const size_t API_INTAKE_ROUTE_COUNT;
extern const struct route API_INBOX_ROUTES[];
extern const size_t API_INBOX_ROUTE_COUNT;
extern const struct route API_ATTACHMENT_ROUTES[];
extern const size_t API_ATTACHMENT_ROUTE_COUNT;

// The public view of a signed-in user: id, username, display_name, role, org_unit.
// Returns a new tree the caller owns.
cJSON *api_user_json(const struct request_user *user);

#endif
