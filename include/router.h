// SPDX-License-Identifier: MIT
// The route table: routes are data (method, pattern with :params, handler, flags,
// roles), and one matcher tells "no such path" (404) from "wrong method" (405 with
// the methods that would work). Pure: no I/O, no allocation.
#ifndef CHENGGUAN_ROUTER_H
#define CHENGGUAN_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

struct request;

// Route flags: what the dispatcher checks before the handler runs.
enum route_flag {
    ROUTE_AUTH = 1 << 0,   // a signed-in staff session is required (401 otherwise)
    ROUTE_CSRF = 1 << 1,   // the X-CSRF-Token header must match the session (403)
    ROUTE_JSON = 1 << 2,   // the body must be application/json (415) and parse (400)
    ROUTE_UPLOAD = 1 << 3, // the body is a binary upload with the larger size cap
    ROUTE_TOKEN = 1 << 4,  // an API token (Authorization: Bearer) is required (401)
    ROUTE_WRITE = 1 << 5,  // the handler changes state
    // The handler reads the body itself, as a form (application/x-www-form-urlencoded)
    // or a JSON object, and answers a bad one in its own error format (Open311).
    ROUTE_FORM = 1 << 6,
    ROUTE_FILE = 1 << 7, // the body is a file the handler checks, with the upload size cap
};

// A staff route that changes state: session, CSRF header and a JSON body.
#define ROUTE_STAFF_WRITE (ROUTE_AUTH | ROUTE_CSRF | ROUTE_JSON | ROUTE_WRITE)

struct route {
    const char *method;                  // "GET", "POST", "PUT", "PATCH" or "DELETE"
    const char *pattern;                 // "/api/v1/cases/:id/:action"; ":x" is one segment
    int (*handler)(struct request *req); // returns the HTTP status it replied with
    unsigned flags;                      // enum route_flag bits
    unsigned roles;                      // enum role mask admitted; 0 = any signed-in user
};

#define ROUTER_MAX_ROUTES 256
#define ROUTER_MAX_PARAMS 4
#define ROUTER_MAX_PATH   2048

struct router {
    size_t count;
    const struct route *routes[ROUTER_MAX_ROUTES];
};

struct route_param {
    const char *name; // without the ':'; points into the pattern (not NUL-terminated)
    size_t name_len;
    const char *value; // NUL-terminated, points into match->storage
};

struct route_match {
    const struct route *route;
    int index; // the route's position in the router (for per-route counters)
    int param_count;
    struct route_param params[ROUTER_MAX_PARAMS];
    char allow[64]; // for 405: "GET, HEAD, POST"
    char storage[ROUTER_MAX_PATH];
};

enum router_result { ROUTER_FOUND, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED };

// Adds count routes of a table that outlives the router. Returns 0, or -1 (and
// adds none of them) when they do not fit or a pattern is malformed (does not
// start with '/', or has more than ROUTER_MAX_PARAMS params).
int router_add(struct router *router, const struct route *table, size_t count);

// Matches a normalised path. On ROUTER_FOUND fills match->route and the params. A
// literal segment beats a parameter at the same position (so /grids/locate wins
// over /grids/:code). HEAD matches GET routes. On ROUTER_METHOD_NOT_ALLOWED,
// match->allow lists the methods that exist for the path.
enum router_result router_match(const struct router *router, const char *method, const char *path,
                                struct route_match *match);

// Returns the value of param `name`, or NULL when the matched route has no such param.
const char *route_match_param(const struct route_match *match, const char *name);

#endif
