// SPDX-License-Identifier: MIT
// Route matching by segments. Every route of the table is compared; the best
// match is the one whose literal segments come earliest, so the outcome does
// not depend on the order routes were added.
#include "router.h"

#include <string.h>

int router_add(struct router *router, const struct route *table, size_t count)
{
    // Check the whole table first, so a bad table adds nothing.
    if (count > ROUTER_MAX_ROUTES - router->count)
        return -1;
    for (size_t i = 0; i < count; i++) {
        const char *pattern = table[i].pattern;
        if (pattern == NULL || pattern[0] != '/')
            return -1;
        int params = 0;
        for (const char *p = pattern; *p; p++)
            if (*p == ':')
                params++;
        if (params > ROUTER_MAX_PARAMS)
            return -1;
    }
    for (size_t i = 0; i < count; i++)
        router->routes[router->count++] = &table[i];
    return 0;
}

// Compares the pattern against the path. Returns a score (> 0) on a match, 0 if
// not. Literal segments weigh more the earlier they are.
static unsigned long match_score(const char *pattern, const char *path)
{
    unsigned long score = 1;
    int position = 0;
    while (*pattern == '/' && *path == '/') {
        pattern++;
        path++;
        size_t plen = strcspn(pattern, "/");
        size_t slen = strcspn(path, "/");
        if (plen > 0 && pattern[0] == ':') {
            if (slen == 0)
                return 0;
        } else {
            if (plen != slen || memcmp(pattern, path, plen) != 0)
                return 0;
            if (position < 30)
                score += 1ul << (30 - position);
        }
        pattern += plen;
        path += slen;
        position++;
    }
    return (*pattern == '\0' && *path == '\0') ? score : 0;
}

static void fill_params(const char *pattern, const char *path, struct route_match *match)
{
    size_t len = strlen(path);
    if (len >= sizeof match->storage)
        len = sizeof match->storage - 1;
    memcpy(match->storage, path, len);
    match->storage[len] = '\0';
    char *s = match->storage;
    match->param_count = 0;
    while (*pattern == '/' && *s == '/') {
        pattern++;
        *s++ = '\0';
        size_t plen = strcspn(pattern, "/");
        size_t slen = strcspn(s, "/");
        if (pattern[0] == ':' && match->param_count < ROUTER_MAX_PARAMS) {
            struct route_param *param = &match->params[match->param_count++];
            param->name = pattern + 1;
            param->name_len = plen - 1;
            param->value = s;
        }
        pattern += plen;
        s += slen;
    }
}

static void allow_add(char *allow, size_t size, const char *method)
{
    size_t mlen = strlen(method);
    for (const char *p = allow; (p = strstr(p, method)) != NULL; p += mlen)
        if ((p == allow || p[-1] == ' ') && (p[mlen] == ',' || p[mlen] == '\0'))
            return;
    size_t used = strlen(allow);
    if (used + mlen + 3 > size)
        return;
    if (used > 0) {
        memcpy(allow + used, ", ", 2);
        used += 2;
    }
    memcpy(allow + used, method, mlen + 1);
}

enum router_result router_match(const struct router *router, const char *method, const char *path,
                                struct route_match *match)
{
    const struct route *best = NULL;
    size_t best_index = 0;
    unsigned long best_score = 0;
    bool path_exists = false;
    match->allow[0] = '\0';
    bool head = strcmp(method, "HEAD") == 0;
    for (size_t i = 0; i < router->count; i++) {
        const struct route *route = router->routes[i];
        unsigned long score = match_score(route->pattern, path);
        if (score == 0)
            continue;
        path_exists = true;
        allow_add(match->allow, sizeof match->allow, route->method);
        if (strcmp(route->method, "GET") == 0)
            allow_add(match->allow, sizeof match->allow, "HEAD");
        bool method_ok =
            strcmp(route->method, method) == 0 || (head && strcmp(route->method, "GET") == 0);
        if (method_ok && score > best_score) {
            best = route;
            best_index = i;
            best_score = score;
        }
    }
    if (best == NULL)
        return path_exists ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
    match->route = best;
    match->index = (int)best_index;
    fill_params(best->pattern, path, match);
    return ROUTER_FOUND;
}

const char *route_match_param(const struct route_match *match, const char *name)
{
    size_t len = strlen(name);
    for (int i = 0; i < match->param_count; i++)
        if (match->params[i].name_len == len && memcmp(match->params[i].name, name, len) == 0)
            return match->params[i].value;
    return NULL;
}
