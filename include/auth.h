// SPDX-License-Identifier: MIT
// Authentication and route-level authorization: sessions (cookie + CSRF header)
// for people, API tokens for hotline platforms, and the role mask of each route.
#ifndef CHENGGUAN_AUTH_H
#define CHENGGUAN_AUTH_H

struct request;
struct route;

// Applies the route's AUTH, TOKEN, CSRF and role flags to the request: on success
// sets req->user (for authenticated routes) and returns 0; otherwise replies
// 401/403 with the error envelope and returns that status.
int auth_check_route(struct request *req, const struct route *route);

#endif
