// SPDX-License-Identifier: MIT
// The route tables of the api_*.c modules; server.c registers them all.
#ifndef CHENGGUAN_API_H
#define CHENGGUAN_API_H

#include "router.h"

#include <cjson/cJSON.h>

#include <stddef.h>
#include <stdint.h>

struct request;
struct request_user;
struct store_actor;

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
extern const struct route API_PUBLIC_REPORT_ROUTES[];
extern const size_t API_PUBLIC_REPORT_ROUTE_COUNT;
extern const struct route API_INTAKE_ROUTES[];
extern const size_t API_INTAKE_ROUTE_COUNT;
extern const struct route API_INBOX_ROUTES[];
extern const size_t API_INBOX_ROUTE_COUNT;
extern const struct route API_ATTACHMENT_ROUTES[];
extern const size_t API_ATTACHMENT_ROUTE_COUNT;
extern const struct route API_SETUP_ROUTES[];
extern const size_t API_SETUP_ROUTE_COUNT;
extern const struct route API_AUDIT_ROUTES[];
extern const size_t API_AUDIT_ROUTE_COUNT;
extern const struct route API_OUTBOX_ROUTES[];
extern const size_t API_OUTBOX_ROUTE_COUNT;
extern const struct route API_NOTIFY_ROUTES[];
extern const size_t API_NOTIFY_ROUTE_COUNT;
extern const struct route API_HOTLINE_ROUTES[];
extern const size_t API_HOTLINE_ROUTE_COUNT;
extern const struct route API_IMPORT_ROUTES[];
extern const size_t API_IMPORT_ROUTE_COUNT;
extern const struct route API_FRONTAGE_ROUTES[];
extern const size_t API_FRONTAGE_ROUTE_COUNT;
extern const struct route API_FRONTAGE_RATING_ROUTES[];
extern const size_t API_FRONTAGE_RATING_ROUTE_COUNT;
extern const struct route API_OPEN311_ROUTES[];
extern const size_t API_OPEN311_ROUTE_COUNT;
extern const struct route API_OPEN311_REQUEST_ROUTES[];
extern const size_t API_OPEN311_REQUEST_ROUTE_COUNT;

// The public view of a signed-in user: id, username, display_name, role, org_unit.
// Returns a new tree the caller owns.
cJSON *api_user_json(const struct request_user *user);

// The signed-in caller as the admin audit log records them (strings borrowed
// from the request).
void api_actor(const struct request *req, struct store_actor *out);

struct store_case;
struct store_org_unit;

// Sends the stored photo hash (of type mime) with its hash as ETag and the given
// Cache-Control (a string that lives as long as the request): 304 when the
// client has it. Returns the status replied.
int api_photo_send(struct request *req, const char *hash, const char *mime,
                   const char *cache_control);

// An org unit as GET /api/v1/org-units lists it: id, code, type, name,
// name_en, parent_id, department_kind, disabled. Returns a new tree the caller
// owns.
cJSON *api_org_unit_json(const struct store_org_unit *unit);

// The department a dispatch of case c pre-fills: the routing table's for its
// street and category ("source": "routing"), else the nearest department of
// the category's default kind ("kind"), as {id, code, name, name_en, source};
// JSON null when neither names one. Returns a new tree the caller owns.
cJSON *api_suggested_department(struct request *req, const struct store_case *c);

// Checks a dispatch of case c (category_id: the one the dispatch files under,
// 0 for the case's) to department_id: a disabled department, or another than
// the routing table names for the case's street and category, is a 422 naming
// department_id (replied; its status returned). 0 when it may go there (also
// when the routing has no row: any department in reach).
int api_dispatch_check(struct request *req, const struct store_case *c, int64_t category_id,
                       int64_t department_id);

// The 门前三包 unit case case_id names, as a case shows it ({id, name,
// plate_no, address, violations}: never the contact person or phone), or JSON
// null. Returns a new tree the caller owns.
cJSON *api_frontage_case_unit(struct request *req, int64_t case_id);

// Checks that unit_id is an active responsible unit inside the caller's
// jurisdiction, for a case to name it. Returns 0, or the status replied (a
// 422 naming field).
int api_frontage_unit_usable(struct request *req, int64_t unit_id, const char *field);

#endif
