// SPDX-License-Identifier: MIT
// Route-level authentication. Sessions and tokens arrive with the identity work;
// until then every route that needs a user is refused with 401.
#include "auth.h"

#include "errors.h"
#include "request.h"

int auth_check_route(struct request *req, const struct route *route)
{
    if (route->flags & (ROUTE_AUTH | ROUTE_TOKEN))
        return request_reply_error(req, 401, ERR_UNAUTHENTICATED, "sign in first");
    return 0;
}
