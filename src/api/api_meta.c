// SPDX-License-Identifier: MIT
// Health and metadata endpoints: /healthz for load balancers and scripts,
// /api/v1/meta for clients that want the version and schema they talk to, and
// /api/v1/openapi.json, the description of every route of this build.
#include "api.h"

#include "openapi.h"
#include "request.h"
#include "server.h"
#include "store.h"
#include "version.h"

static int healthz(struct request *req)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "status", "ok");
    return request_reply_json(req, 200, body);
}

static int meta(struct request *req)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "name", "chengguan");
    cJSON_AddStringToObject(body, "version", CHENGGUAN_VERSION);
    cJSON_AddNumberToObject(body, "schema_version", store_schema_version(req->server->store));
    cJSON_AddNumberToObject(body, "latest_schema_version", store_latest_schema_version());
    if (req->server->config.tile_url != NULL)
        cJSON_AddStringToObject(body, "tile_url", req->server->config.tile_url);
    else
        cJSON_AddNullToObject(body, "tile_url");
    return request_reply_json(req, 200, body);
}

// The document is the same for everyone and changes only with the binary: any
// cache may keep it, and revalidating costs a 304.
static int openapi(struct request *req)
{
    if (request_unchanged_cached(req, OPENAPI_ETAG, "public, no-cache"))
        return req->status;
    return request_reply_bytes(req, 200, "application/json; charset=utf-8", OPENAPI_DOCUMENT,
                               OPENAPI_DOCUMENT_SIZE);
}

// method, pattern, handler, flags, roles
const struct route API_META_ROUTES[] = {
    {"GET", "/healthz", healthz, 0, 0},
    {"GET", "/api/v1/meta", meta, 0, 0},
    {"GET", "/api/v1/openapi.json", openapi, 0, 0},
};
const size_t API_META_ROUTE_COUNT = sizeof API_META_ROUTES / sizeof API_META_ROUTES[0];
