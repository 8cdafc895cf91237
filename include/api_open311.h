// SPDX-License-Identifier: MIT
// What the Open311 GeoReport v2 handlers (api_open311.c) share with their
// renderer (api_open311_render.c): an answer is built once as a cJSON tree
// and written as JSON or, with libxml2's xmlwriter, as the specification's XML;
// errors in the specification's format in either.
#ifndef CHENGGUAN_API_OPEN311_H
#define CHENGGUAN_API_OPEN311_H

#include "open311.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

struct request;
struct store_case;
struct store_category;

#define API_OPEN311_SERVICE_CODE_SIZE 24 // "component-0101" and its NUL

// Replies with body (which the request takes, if it does not own it already) in format: JSON as is,
// XML with root as the document element (an array's items, and the items of any array member, are
// named by their singular: services -> service, service_requests -> request, errors -> error,
// attributes -> attribute, values -> value, endpoints
// -> endpoint, formats -> format, keywords -> keyword). Strings are escaped,
// true/false/null written as "true", "false" and an empty element. Sends
// cache_control (a static string). Returns status (500 when out of memory).
int api_open311_reply(struct request *req, enum open311_format format, int status, cJSON *body,
                      const char *root, const char *cache_control);

// Replies with the specification's error list of one error: JSON
// [{"code":status,"description":...}] or XML
// <errors><error><code>status</code><description>...</description></error></errors>.
// Returns status.
int api_open311_error(struct request *req, enum open311_format format, int status,
                      const char *format_text, ...) __attribute__((format(printf, 4, 5)));

// Splits the route's last segment ("0101.json") into base (size bytes) and
// *format. Returns true, or replies 404 (XML) for an unknown suffix and
// returns false.
bool api_open311_segment_format(struct request *req, const char *segment, char *base, size_t size,
                                enum open311_format *format);

// The format of a fixed route by its path's suffix (".json", else XML).
enum open311_format api_open311_path_format(const struct request *req);

// Counts a read (post false: 1200 per 10 minutes) or a filing (300) of the
// client address. Returns 0, or replies 429 with Retry-After and returns 429.
int api_open311_count(struct request *req, enum open311_format format, bool post);

// True when the locale (a body member, else the query) is English ("en",
// "en_US", "en-GB"); Chinese otherwise. body may be NULL.
bool api_open311_locale_en(const struct request *req, const cJSON *body);

// Checks jurisdiction_id (a body member, else the query; absent is fine)
// against the city's org-unit code. Returns 0, or replies 404 and returns it.
int api_open311_check_jurisdiction(struct request *req, enum open311_format format,
                                   const cJSON *body);

// What every read does first: api_open311_count (a read), then
// api_open311_check_jurisdiction from the query. Returns 0 or the status replied.
int api_open311_read_begin(struct request *req, enum open311_format format);

// Loads the active subclass of a service_code ("event-0101"). Returns
// STORE_OK, STORE_NOT_FOUND (malformed, unknown or inactive) or STORE_ERROR.
int api_open311_find_service(struct request *req, const char *service_code,
                             struct store_category *out);

// A case as a service request: number, open/closed, status_notes (the latest
// public note, else the state's name), service, description, department,
// dates (requested, updated, expected = the running stage's deadline), address,
// cell code as address_id, lat/long; never anything personal. en: English
// names. Returns a new tree the caller owns.
cJSON *api_open311_request_json(struct request *req, const struct store_case *c, bool en);

#endif
