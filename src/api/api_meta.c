// SPDX-License-Identifier: MIT
// Health and metadata endpoints: /healthz for load balancers and scripts, and
// /api/v1/meta for clients that want the version and schema they talk to.
#include "api.h"

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

// method, pattern, handler, flags, roles
const struct route API_META_ROUTES[] = {
    {"GET", "/healthz", healthz, 0, 0},
    {"GET", "/api/v1/meta", meta, 0, 0},
};
const size_t API_META_ROUTE_COUNT = sizeof API_META_ROUTES / sizeof API_META_ROUTES[0];
