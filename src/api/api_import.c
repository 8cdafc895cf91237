// SPDX-License-Identifier: MIT
// Bulk import of a city's set-up data over HTTP, for admins inside their
// jurisdiction: POST /api/v1/admin/import/:kind with a CSV or XLSX file as the
// body (setup_import.h), and the templates a bureau fills in.
#include "api.h"

#include "arena.h"
#include "errors.h"
#include "request.h"
#include "server.h"
#include "setup_import.h"
#include "store_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// The :kind parameter into *kind. Returns 0 or the status replied (404).
static int path_kind(struct request *req, enum setup_import_kind *kind)
{
    if (setup_import_kind_parse(request_param(req, "kind"), kind))
        return 0;
    return request_reply_error(req, 404, ERR_NOT_FOUND,
                               "no such import: org-units, users, routing or assignments");
}

// Whether the content type (parameters aside) is one the import reads, or
// absent (the body is then told by its bytes).
static bool import_type_ok(const char *type)
{
    if (type == NULL)
        return true;
    size_t len = strcspn(type, "; ");
    static const char *const TYPES[] = {"text/csv", XLSX_TYPE, "application/octet-stream"};
    for (size_t t = 0; t < sizeof TYPES / sizeof TYPES[0]; t++)
        if (len == strlen(TYPES[t]) && strncasecmp(type, TYPES[t], len) == 0)
            return true;
    return false;
}

static int import_rows(struct request *req)
{
    enum setup_import_kind kind;
    int status = path_kind(req, &kind);
    if (status != 0)
        return status;
    if (!import_type_ok(request_header(req, "Content-Type")))
        return request_reply_error(req, 415, ERR_UNSUPPORTED_MEDIA,
                                   "send the file as text/csv or " XLSX_TYPE);
    const char *partial = request_query(req, "partial");
    bool is_partial = partial != NULL && strcmp(partial, "1") == 0;
    if (partial != NULL && !is_partial && strcmp(partial, "0") != 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "partial",
                                         "partial must be 1 or 0");
    struct store_actor actor;
    api_actor(req, &actor);
    struct setup_import_request import = {
        kind, req->body, req->body_len, is_partial, &req->user->jurisdiction, &actor};
    cJSON *report = NULL;
    int rc = setup_import_run(req->server->store, &import, &report);
    request_own_json(req, report);
    if (rc == SETUP_IMPORT_OK || (rc == SETUP_IMPORT_REJECTED && is_partial))
        return request_reply_json(req, 200, report);
    if (rc == SETUP_IMPORT_REJECTED)
        return request_reply_report_error(
            req, 422, ERR_UNPROCESSABLE, report,
            "%d row(s) rejected; nothing was imported (see the report, or retry with partial=1)",
            (int)cJSON_GetObjectItem(report, "bad")->valuedouble);
    const cJSON *error = cJSON_GetObjectItem(report, "error");
    const char *message = cJSON_GetStringValue(cJSON_GetObjectItem(error, "message"));
    if (rc == SETUP_IMPORT_UNREADABLE)
        return request_reply_report_error(req, 422, ERR_UNPROCESSABLE, report, "%s", message);
    const char *code = cJSON_GetStringValue(cJSON_GetObjectItem(error, "code"));
    if (code != NULL && strcmp(code, "conflict") == 0)
        return request_reply_report_error(req, 409, ERR_CONFLICT, report, "%s", message);
    return request_reply_report_error(
        req, rc == SETUP_IMPORT_FULL ? 507 : 500,
        rc == SETUP_IMPORT_FULL ? ERR_INSUFFICIENT_STORAGE : ERR_INTERNAL, report, "%s", message);
}

static int get_template(struct request *req)
{
    enum setup_import_kind kind;
    int status = path_kind(req, &kind);
    if (status != 0)
        return status;
    const char *format = request_query(req, "format");
    bool xlsx = format != NULL && strcmp(format, "xlsx") == 0;
    if (format != NULL && !xlsx && strcmp(format, "csv") != 0)
        return request_reply_field_error(req, 400, ERR_INVALID_QUERY, "format",
                                         "format must be csv or xlsx");
    char *data = NULL;
    size_t len = 0;
    if (setup_import_template(kind, xlsx, &data, &len) != 0)
        return request_reply_error(req, 500, ERR_INTERNAL, "could not make the template");
    arena_defer(req->arena, free, data); // the template is malloc'd
    const char *name = request_param(req, "kind");
    char disposition[96];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%s-template.%s\"", name,
             xlsx ? "xlsx" : "csv");
    request_add_header(req, "Content-Disposition", arena_strdup(req->arena, disposition));
    return request_reply_bytes(req, 200, xlsx ? XLSX_TYPE : "text/csv; charset=utf-8", data, len);
}

// method, pattern, handler, flags, roles
const struct route API_IMPORT_ROUTES[] = {
    {"POST", "/api/v1/admin/import/:kind", import_rows,
     ROUTE_AUTH | ROUTE_CSRF | ROUTE_WRITE | ROUTE_FILE, ROLE_ADMIN},
    {"GET", "/api/v1/admin/import/:kind/template", get_template, ROUTE_AUTH, ROLE_ADMIN},
};
const size_t API_IMPORT_ROUTE_COUNT = sizeof API_IMPORT_ROUTES / sizeof API_IMPORT_ROUTES[0];
