// SPDX-License-Identifier: MIT
// Fuzzes route matching as the server does it: the raw target is normalised by
// urlpath_normalize, then matched by router_match against the server's real
// route table (or, when the first byte has its top bit set, against a small
// table read from the input). A brute-force matcher over the segments is the
// reference: a found route matches the path and the method and no route for the
// method has an earlier literal segment (in the real table: none ties with it
// either), every :param of it is there with the segment's text, 404 means that
// no route has the path, and 405 lists exactly the methods that exist for it.
//
// Input: byte 0: bits 0-2 choose the method (the last choice reads it from the
// input, up to a space), bit 7 the table; a table is lines "<digit><pattern>",
// the digit choosing the method, ended by an empty line; then the raw target.
#include "fuzz.h"
#include "router.h"
#include "server.h"
#include "urlpath.h"

#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const METHODS[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

static struct server server; // only its router is used

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (server_add_routes(&server) != 0)
        abort();
    return 0;
}

// Segment i (0-based, after the leading '/') of a path or pattern: its start and
// length. Returns false when there is no such segment.
static bool segment_at(const char *s, size_t i, const char **start, size_t *len)
{
    if (*s != '/')
        return false;
    for (;;) {
        s++;
        size_t n = strcspn(s, "/");
        if (i == 0) {
            *start = s;
            *len = n;
            return true;
        }
        if (s[n] == '\0')
            return false;
        s += n;
        i--;
    }
}

static size_t segment_count(const char *s)
{
    size_t count = 0;
    for (; *s; s++)
        count += *s == '/';
    return count;
}

// The reference matcher: does pattern match path, segment by segment? When it
// does, literal[i] tells whether segment i is literal.
static bool reference_matches(const char *pattern, const char *path, bool *literal, size_t max)
{
    size_t count = segment_count(pattern);
    if (pattern[0] != '/' || count != segment_count(path) || count > max)
        return false;
    for (size_t i = 0; i < count; i++) {
        const char *p, *s;
        size_t plen, slen;
        if (!segment_at(pattern, i, &p, &plen) || !segment_at(path, i, &s, &slen))
            return false;
        literal[i] = !(plen > 0 && p[0] == ':');
        if (literal[i] ? plen != slen || memcmp(p, s, plen) != 0 : slen == 0)
            return false;
    }
    return true;
}

// -1 when route a is preferred to b for the same path (a literal segment earlier),
// 1 when b is, 0 for a tie.
static int compare_literals(const bool *a, const bool *b, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (a[i] != b[i])
            return a[i] ? -1 : 1;
    return 0;
}

static bool method_fits(const struct route *route, const char *method)
{
    return strcmp(route->method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(route->method, "GET") == 0);
}

// True when the comma-separated list holds method.
static bool allow_has(const char *allow, const char *method)
{
    size_t len = strlen(method);
    for (const char *p = allow; (p = strstr(p, method)) != NULL; p += len)
        if ((p == allow || p[-1] == ' ') && (p[len] == ',' || p[len] == '\0'))
            return true;
    return false;
}

// True when segment i of the pattern is a :param named like an earlier one.
static bool name_repeated(const char *pattern, size_t i, const char *name, size_t len)
{
    for (size_t k = 0; k < i; k++) {
        const char *p;
        size_t plen;
        if (segment_at(pattern, k, &p, &plen) && plen == len + 1 && p[0] == ':' &&
            memcmp(p + 1, name, len) == 0)
            return true;
    }
    return false;
}

static void check_params(const struct route_match *match, const char *path)
{
    const char *pattern = match->route->pattern;
    int expected = 0;
    for (size_t i = 0, count = segment_count(pattern); i < count; i++) {
        const char *p, *s;
        size_t plen, slen;
        FUZZ_CHECK(segment_at(pattern, i, &p, &plen) && segment_at(path, i, &s, &slen),
                   "segment %zu of %s", i, path);
        if (!(plen > 0 && p[0] == ':'))
            continue;
        expected++;
        char *name = strndup(p + 1, plen - 1);
        const char *value = route_match_param(match, name);
        FUZZ_CHECK(value != NULL, "%s on %s: param '%s' is missing", pattern, path, name);
        // With a repeated name the first one's value is found.
        if (!name_repeated(pattern, i, name, plen - 1))
            FUZZ_CHECK(strlen(value) == slen && memcmp(value, s, slen) == 0,
                       "%s on %s: param '%s' is '%s'", pattern, path, name, value);
        free(name);
    }
    FUZZ_CHECK(match->param_count == expected, "%s: %d params, expected %d", pattern,
               match->param_count, expected);
}

static void check_match(const struct router *router, const char *method, const char *path,
                        bool ties_allowed)
{
    struct route_match match;
    memset(&match, 0xa5, sizeof match);
    enum router_result result = router_match(router, method, path, &match);
    size_t count = segment_count(path);
    bool best[ROUTER_MAX_PATH], other[ROUTER_MAX_PATH];
    bool path_exists = false, any_for_method = false;
    if (result == ROUTER_FOUND) {
        FUZZ_CHECK(reference_matches(match.route->pattern, path, best, COUNT_OF(best)),
                   "%s %s was matched to %s", method, path, match.route->pattern);
        FUZZ_CHECK(method_fits(match.route, method), "%s %s was matched to a %s route", method,
                   path, match.route->method);
        check_params(&match, path);
    }
    for (size_t i = 0; i < router->count; i++) {
        const struct route *route = router->routes[i];
        if (!reference_matches(route->pattern, path, other, COUNT_OF(other)))
            continue;
        path_exists = true;
        if (result == ROUTER_METHOD_NOT_ALLOWED)
            FUZZ_CHECK(allow_has(match.allow, route->method), "%s: Allow '%s' lacks %s", path,
                       match.allow, route->method);
        if (!method_fits(route, method))
            continue;
        any_for_method = true;
        if (result == ROUTER_FOUND && route != match.route) {
            // At most 30 segments are weighed: deeper ties are the table's order.
            int order = compare_literals(best, other, count < 30 ? count : 30);
            FUZZ_CHECK(order <= 0, "%s %s: %s was preferred to %s", method, path,
                       match.route->pattern, route->pattern);
            FUZZ_CHECK(order != 0 || ties_allowed || count > 30,
                       "%s %s: %s and %s tie in the server's table", method, path,
                       match.route->pattern, route->pattern);
        }
    }
    if (result == ROUTER_NOT_FOUND)
        FUZZ_CHECK(!path_exists, "%s has a route but was not found", path);
    if (result == ROUTER_METHOD_NOT_ALLOWED) {
        FUZZ_CHECK(path_exists && !any_for_method, "%s %s: wrongly 405", method, path);
        // Every method listed exists for the path (HEAD through GET).
        for (const char *m = match.allow; *m;) {
            size_t len = strcspn(m, ",");
            char listed[16];
            FUZZ_CHECK(len > 0 && len < sizeof listed, "Allow '%s' is malformed", match.allow);
            memcpy(listed, m, len);
            listed[len] = '\0';
            bool exists = false;
            for (size_t i = 0; i < router->count && !exists; i++)
                exists = method_fits(router->routes[i], listed) &&
                         reference_matches(router->routes[i]->pattern, path, other,
                                           COUNT_OF(other));
            FUZZ_CHECK(exists, "Allow '%s' for %s lists %s", match.allow, path, listed);
            m += len;
            if (*m == ',') {
                FUZZ_CHECK(m[1] == ' ', "Allow '%s' is malformed", match.allow);
                m += 2;
            }
        }
    }
    if (result == ROUTER_FOUND)
        FUZZ_CHECK(any_for_method, "found without a route");
    else
        FUZZ_CHECK(!any_for_method || !path_exists, "%s %s has a route, result %d", method, path,
                   (int)result);
}

// Reads the table lines into routes (patterns point into text). Returns the count.
static size_t read_table(char *text, struct route *routes, size_t max, char **rest)
{
    size_t count = 0;
    char *line = text;
    for (;;) {
        char *end = strchr(line, '\n');
        if (end == NULL) {
            *rest = line + strlen(line);
            return count;
        }
        *end = '\0';
        if (line == end) {
            *rest = end + 1;
            return count;
        }
        if (count < max) {
            unsigned choice = (unsigned char)line[0] % COUNT_OF(METHODS);
            routes[count++] = (struct route){METHODS[choice], line + 1, NULL, 0, 0};
        }
        line = end + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    uint8_t mode = fuzz_u8(&in);
    char *text = fuzz_string_rest(&in);
    char *raw = text;
    const char *method = METHODS[(mode & 7) % COUNT_OF(METHODS)];
    struct route routes[8];
    struct router table = {0};
    const struct router *router = &server.router;
    if (mode & 0x80) {
        size_t count = read_table(text, routes, COUNT_OF(routes), &raw);
        // One pattern at a time, so a malformed one leaves the others in.
        for (size_t i = 0; i < count; i++) {
            int params = 0;
            for (const char *p = routes[i].pattern; *p; p++)
                params += *p == ':';
            bool well_formed = routes[i].pattern[0] == '/' && params <= ROUTER_MAX_PARAMS;
            FUZZ_CHECK((router_add(&table, &routes[i], 1) == 0) == well_formed,
                       "router_add on '%s'", routes[i].pattern);
        }
        router = &table;
    }
    char custom[32];
    if ((mode & 7) == 7) { // a method of the input's own
        size_t len = strcspn(raw, " ");
        snprintf(custom, sizeof custom, "%.*s", (int)(len < 31 ? len : 31), raw);
        method = custom;
        raw += len + (raw[len] == ' ');
    }
    char path[ROUTER_MAX_PATH];
    if (urlpath_normalize(raw, path, sizeof path) == URLPATH_OK)
        check_match(router, method, path, router != &server.router);
    free(text);
    return 0;
}
