// SPDX-License-Identifier: MIT
// /metrics on the main port, for a Prometheus that can only reach that port:
// registered only when a metrics token is configured, and answered only to a
// request that carries it (the separate --metrics-listen needs no route).
#include "api.h"

#include "arena.h"
#include "errors.h"
#include "metrics.h"
#include "request.h"

#include <stdlib.h>

static int metrics(struct request *req)
{
    if (!metrics_token_ok(req->server, request_header(req, "Authorization"))) {
        request_add_header(req, "WWW-Authenticate", "Bearer");
        return request_reply_error(req, 401, ERR_UNAUTHENTICATED,
                                   "send the metrics token as Authorization: Bearer");
    }
    size_t len = 0;
    char *text = metrics_render(req->server, &len);
    // The text lives until the request completes; arena_defer frees it then
    // (or at once when it cannot register, and reports that).
    if (text == NULL || arena_defer(req->arena, free, text) != 0)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory for the metrics");
    request_add_header(req, "Cache-Control", "no-store");
    return request_reply_bytes(req, 200, METRICS_CONTENT_TYPE, text, len);
}

// method, pattern, handler, flags, roles
const struct route API_METRICS_ROUTES[] = {
    {"GET", "/metrics", metrics, 0, 0},
};
const size_t API_METRICS_ROUTE_COUNT = sizeof API_METRICS_ROUTES / sizeof API_METRICS_ROUTES[0];
