// SPDX-License-Identifier: MIT
// Shared pieces of the case endpoints (api_cases.c and the modules around it):
// loading a case the caller may see, and rendering it.
#ifndef CHENGGUAN_API_CASES_H
#define CHENGGUAN_API_CASES_H

#include "export.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

struct request;
struct store_case;
struct store_case_filter;

// Loads the case named by the route's :id param, in request memory, if the
// signed-in user may see it (jurisdiction_may_read_case), and points *out at it. Returns 0,
// or the status already replied: 404 (missing and invisible cases look the same)
// or 500 when out of memory.
int api_case_load_visible(struct request *req, struct store_case **out);

// Renders a case for staff: all fields, the current deadline with remaining
// working time and light, and (when req->user is set) the actions the user may
// take now. Returns a new tree the caller owns.
cJSON *api_case_json(struct request *req, const struct store_case *c);

// api_case_json without "photos" and "action_needs": a row of a list page,
// which reads no more than its one statement (its buttons open the case). Returns a new tree the
// caller owns.
cJSON *api_case_row_json(struct request *req, const struct store_case *c);

// api_case_json plus the case's stage records ("stages": every stage it passed
// through, with deadline, elapsed and paused time and verdict) and every rating
// ("ratings", one per closure). Returns a tree the request owns (hand it to
// request_reply_json), or NULL on failure.
cJSON *api_case_detail_json(struct request *req, const struct store_case *c);

// Parses a positive decimal id (a path parameter). Returns 0 when it is
// malformed, not positive or NULL.
int64_t api_parse_id(const char *text);

// True when the signed-in user may see the case.
bool api_case_visible(const struct request *req, const struct store_case *c);

// Replies with every case the filter keeps (its jurisdiction set; its sort,
// cursor and limit are not used: newest first, a search in its own order, all
// pages) as a CSV or XLSX attachment (export_reply). The filter is copied.
// Returns the status, or 0 when the request was suspended.
int api_case_export(struct request *req, const struct store_case_filter *filter,
                    enum export_format format);

#endif
