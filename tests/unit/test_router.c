// SPDX-License-Identifier: MIT
// Unit tests of the route table: literal segments beat :params whatever the order
// routes were added in, 404 is told from 405 (with the Allow list, HEAD included for
// GET routes), params are extracted into the match, trailing slashes and empty
// segments do not match, and malformed patterns or a full table are refused.
#include "router.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static struct router make_router(const struct route *table, size_t count)
{
    struct router router = {0};
    cr_assert_eq(router_add(&router, table, count), 0, "router_add refused a valid table");
    cr_assert_eq(router.count, count);
    return router;
}

// Matches into *match (param values point into it) and asserts the result is `want`.
static void expect_result_in(const struct router *router, const char *method, const char *path,
                             enum router_result want, struct route_match *match)
{
    memset(match, 0xA5, sizeof *match);
    enum router_result got = router_match(router, method, path, match);
    cr_assert_eq(got, want, "%s %s: got result %d, want %d", method, path, (int)got, (int)want);
}

static void expect_result(const struct router *router, const char *method, const char *path,
                          enum router_result want)
{
    struct route_match match;
    expect_result_in(router, method, path, want, &match);
}

static void expect_route(const struct router *router, const char *method, const char *path,
                         const struct route *want)
{
    struct route_match match;
    expect_result_in(router, method, path, ROUTER_FOUND, &match);
    cr_assert_eq(match.route, want, "%s %s matched %s %s, want %s %s", method, path,
                 match.route->method, match.route->pattern, want->method, want->pattern);
}

static void expect_allow(const struct router *router, const char *method, const char *path,
                         const char *allow)
{
    struct route_match match;
    expect_result_in(router, method, path, ROUTER_METHOD_NOT_ALLOWED, &match);
    cr_assert_str_eq(match.allow, allow, "%s %s", method, path);
}

Test(router, literal_beats_param_in_either_order)
{
    const struct route param_first[] = {
        {"GET", "/api/v1/grids/:code", NULL, 0, 0},
        {"GET", "/api/v1/grids/locate", NULL, 0, 0},
    };
    const struct route literal_first[] = {
        {"GET", "/api/v1/grids/locate", NULL, 0, 0},
        {"GET", "/api/v1/grids/:code", NULL, 0, 0},
    };
    struct router a = make_router(param_first, COUNT_OF(param_first));
    struct router b = make_router(literal_first, COUNT_OF(literal_first));
    expect_route(&a, "GET", "/api/v1/grids/locate", &param_first[1]);
    expect_route(&b, "GET", "/api/v1/grids/locate", &literal_first[0]);

    struct route_match m;
    expect_result_in(&a, "GET", "/api/v1/grids/440305", ROUTER_FOUND, &m);
    cr_assert_eq(m.route, &param_first[0]);
    cr_assert_str_eq(route_match_param(&m, "code"), "440305");
    expect_result_in(&b, "GET", "/api/v1/grids/440305", ROUTER_FOUND, &m);
    cr_assert_eq(m.route, &literal_first[1]);
    cr_assert_str_eq(route_match_param(&m, "code"), "440305");
}

Test(router, earlier_literal_segment_wins_in_either_order)
{
    const struct route t1[] = {
        {"GET", "/:kind/open", NULL, 0, 0},
        {"GET", "/cases/:state", NULL, 0, 0},
    };
    const struct route t2[] = {
        {"GET", "/cases/:state", NULL, 0, 0},
        {"GET", "/:kind/open", NULL, 0, 0},
    };
    struct router a = make_router(t1, COUNT_OF(t1));
    struct router b = make_router(t2, COUNT_OF(t2));
    expect_route(&a, "GET", "/cases/open", &t1[1]);
    expect_route(&b, "GET", "/cases/open", &t2[0]);
    // Each still matches its own paths.
    expect_route(&a, "GET", "/grids/open", &t1[0]);
    expect_route(&b, "GET", "/cases/closed", &t2[0]);
}

Test(router, all_literal_beats_partly_literal)
{
    const struct route table[] = {
        {"GET", "/api/v1/:a/:b", NULL, 0, 0},
        {"GET", "/api/v1/cases/:id", NULL, 0, 0},
        {"GET", "/api/v1/cases/stats", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    expect_route(&r, "GET", "/api/v1/cases/stats", &table[2]);
    expect_route(&r, "GET", "/api/v1/cases/17", &table[1]);
    expect_route(&r, "GET", "/api/v1/grids/17", &table[0]);
}

Test(router, unknown_path_is_not_found)
{
    const struct route table[] = {
        {"GET", "/api/v1/cases", NULL, 0, 0},
        {"POST", "/api/v1/cases/:id/:action", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    expect_result(&r, "GET", "/api/v1/grids", ROUTER_NOT_FOUND);
    expect_result(&r, "GET", "/api/v1/case", ROUTER_NOT_FOUND);
    expect_result(&r, "GET", "/api/v1/casesx", ROUTER_NOT_FOUND);
    expect_result(&r, "GET", "/api/v1/cases/1", ROUTER_NOT_FOUND);
    expect_result(&r, "GET", "/api/v1", ROUTER_NOT_FOUND);
    expect_result(&r, "GET", "/", ROUTER_NOT_FOUND);
    expect_result(&r, "GET", "/API/V1/CASES", ROUTER_NOT_FOUND);
    // Too many segments for the param route is a 404, not a 405.
    expect_result(&r, "POST", "/api/v1/cases/1/accept/now", ROUTER_NOT_FOUND);

    struct router empty = {0};
    expect_result(&empty, "GET", "/", ROUTER_NOT_FOUND);
}

Test(router, wrong_method_is_405_with_allow_list)
{
    const struct route table[] = {
        {"GET", "/api/v1/cases", NULL, 0, 0},
        {"POST", "/api/v1/cases", NULL, 0, 0},
        {"DELETE", "/api/v1/cases/:id", NULL, 0, 0},
        {"PATCH", "/api/v1/cases/:id", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    expect_allow(&r, "DELETE", "/api/v1/cases", "GET, HEAD, POST");
    expect_allow(&r, "PUT", "/api/v1/cases", "GET, HEAD, POST");
    // No GET route for the path: no HEAD either.
    expect_allow(&r, "GET", "/api/v1/cases/9", "DELETE, PATCH");
    expect_allow(&r, "HEAD", "/api/v1/cases/9", "DELETE, PATCH");
    // Methods are case-sensitive tokens.
    expect_allow(&r, "get", "/api/v1/cases", "GET, HEAD, POST");
}

Test(router, allow_list_names_each_method_once)
{
    const struct route table[] = {
        {"GET", "/grids/:code", NULL, 0, 0},
        {"POST", "/grids/locate", NULL, 0, 0},
        {"GET", "/grids/locate", NULL, 0, 0},
        {"POST", "/:any/locate", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    expect_allow(&r, "DELETE", "/grids/locate", "GET, HEAD, POST");
    expect_allow(&r, "DELETE", "/grids/x1", "GET, HEAD");
}

Test(router, allow_list_of_every_method)
{
    const struct route table[] = {
        {"GET", "/r", NULL, 0, 0},   {"POST", "/r", NULL, 0, 0},   {"PUT", "/r", NULL, 0, 0},
        {"PATCH", "/r", NULL, 0, 0}, {"DELETE", "/r", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    expect_allow(&r, "OPTIONS", "/r", "GET, HEAD, POST, PUT, PATCH, DELETE");
}

Test(router, head_matches_get_route)
{
    const struct route table[] = {
        {"POST", "/api/v1/cases", NULL, 0, 0},
        {"GET", "/api/v1/cases", NULL, 0, 0},
        {"POST", "/api/v1/login", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    expect_route(&r, "HEAD", "/api/v1/cases", &table[1]);
    expect_route(&r, "GET", "/api/v1/cases", &table[1]);
    expect_route(&r, "POST", "/api/v1/cases", &table[0]);
    // HEAD does not match a POST-only path.
    expect_allow(&r, "HEAD", "/api/v1/login", "POST");
}

Test(router, head_prefers_literal_get_route)
{
    const struct route table[] = {
        {"GET", "/grids/:code", NULL, 0, 0},
        {"GET", "/grids/locate", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    expect_route(&r, "HEAD", "/grids/locate", &table[1]);
    expect_route(&r, "HEAD", "/grids/g7", &table[0]);
}

Test(router, method_filters_before_precedence)
{
    // The literal route exists only for POST; a GET falls back to the param route.
    const struct route table[] = {
        {"POST", "/grids/locate", NULL, 0, 0},
        {"GET", "/grids/:code", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    struct route_match m;
    expect_result_in(&r, "GET", "/grids/locate", ROUTER_FOUND, &m);
    cr_assert_eq(m.route, &table[1]);
    cr_assert_str_eq(route_match_param(&m, "code"), "locate");
    expect_route(&r, "POST", "/grids/locate", &table[0]);
}

Test(router, two_params_extracted)
{
    const struct route table[] = {
        {"POST", "/api/v1/cases/:id/:action", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    struct route_match m;
    expect_result_in(&r, "POST", "/api/v1/cases/42/accept", ROUTER_FOUND, &m);
    cr_assert_eq(m.route, &table[0]);
    cr_assert_eq(m.param_count, 2);
    cr_assert_eq(m.params[0].name_len, 2);
    cr_assert_eq(memcmp(m.params[0].name, "id", 2), 0);
    cr_assert_str_eq(m.params[0].value, "42");
    cr_assert_eq(m.params[1].name_len, 6);
    cr_assert_eq(memcmp(m.params[1].name, "action", 6), 0);
    cr_assert_str_eq(m.params[1].value, "accept");
    cr_assert_str_eq(route_match_param(&m, "id"), "42");
    cr_assert_str_eq(route_match_param(&m, "action"), "accept");
}

Test(router, params_between_literals_and_non_ascii)
{
    const struct route table[] = {
        {"GET", "/depts/:dept/cases/:id/photos", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    struct route_match m;
    expect_result_in(&r, "GET", "/depts/城管局/cases/2026-000123/photos", ROUTER_FOUND, &m);
    cr_assert_eq(m.param_count, 2);
    cr_assert_str_eq(route_match_param(&m, "dept"), "城管局");
    cr_assert_str_eq(route_match_param(&m, "id"), "2026-000123");
    expect_result(&r, "GET", "/depts/a/cases/1/video", ROUTER_NOT_FOUND);
}

Test(router, four_params_is_the_maximum)
{
    const struct route table[] = {
        {"GET", "/:a/:b/:c/:d", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    struct route_match m;
    expect_result_in(&r, "GET", "/1/22/333/4444", ROUTER_FOUND, &m);
    cr_assert_eq(m.param_count, 4);
    cr_assert_str_eq(route_match_param(&m, "a"), "1");
    cr_assert_str_eq(route_match_param(&m, "b"), "22");
    cr_assert_str_eq(route_match_param(&m, "c"), "333");
    cr_assert_str_eq(route_match_param(&m, "d"), "4444");
}

Test(router, param_values_are_copies_of_the_path)
{
    const struct route table[] = {
        {"GET", "/cases/:id", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    char path[32];
    snprintf(path, sizeof path, "/cases/%s", "77");
    struct route_match m;
    expect_result_in(&r, "GET", path, ROUTER_FOUND, &m);
    memset(path, 'x', sizeof path - 1);
    cr_assert_str_eq(route_match_param(&m, "id"), "77");
}

Test(router, unknown_param_name_is_null)
{
    const struct route table[] = {
        {"GET", "/cases/:id", NULL, 0, 0},
        {"GET", "/health", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    struct route_match m;
    expect_result_in(&r, "GET", "/cases/5", ROUTER_FOUND, &m);
    cr_assert_str_eq(route_match_param(&m, "id"), "5");
    cr_assert_null(route_match_param(&m, "code"));
    cr_assert_null(route_match_param(&m, "i"));
    cr_assert_null(route_match_param(&m, "idx"));
    cr_assert_null(route_match_param(&m, "ID"));
    cr_assert_null(route_match_param(&m, ":id"));
    cr_assert_null(route_match_param(&m, ""));

    expect_result_in(&r, "GET", "/health", ROUTER_FOUND, &m);
    cr_assert_eq(m.param_count, 0);
    cr_assert_null(route_match_param(&m, "id"));
}

Test(router, trailing_slash_does_not_match)
{
    const struct route table[] = {
        {"GET", "/api/v1/cases", NULL, 0, 0},
        {"GET", "/api/v1/cases/:id", NULL, 0, 0},
        {"GET", "/web/", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    expect_result(&r, "GET", "/api/v1/cases/", ROUTER_NOT_FOUND);
    expect_result(&r, "GET", "/api/v1/cases/3/", ROUTER_NOT_FOUND);
    expect_result(&r, "GET", "/web", ROUTER_NOT_FOUND);
    expect_route(&r, "GET", "/web/", &table[2]);
}

Test(router, empty_segment_does_not_match_param)
{
    const struct route table[] = {
        {"GET", "/cases/:id", NULL, 0, 0},
        {"POST", "/cases/:id/:action", NULL, 0, 0},
        {"GET", "/:grid", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    expect_result(&r, "GET", "/cases/", ROUTER_NOT_FOUND);
    expect_result(&r, "POST", "/cases//accept", ROUTER_NOT_FOUND);
    expect_result(&r, "POST", "/cases/1/", ROUTER_NOT_FOUND);
    expect_result(&r, "GET", "/", ROUTER_NOT_FOUND);
    expect_result(&r, "GET", "", ROUTER_NOT_FOUND);
}

Test(router, root_route)
{
    const struct route table[] = {
        {"GET", "/", NULL, 0, 0},
    };
    struct router r = make_router(table, COUNT_OF(table));
    struct route_match m;
    expect_result_in(&r, "GET", "/", ROUTER_FOUND, &m);
    cr_assert_eq(m.route, &table[0]);
    cr_assert_eq(m.param_count, 0);
    expect_result(&r, "GET", "/index.html", ROUTER_NOT_FOUND);
    expect_allow(&r, "POST", "/", "GET, HEAD");
}

Test(router, route_carries_flags_and_roles)
{
    const struct route table[] = {
        {"POST", "/api/v1/cases", NULL, ROUTE_STAFF_WRITE, 1u << 3},
    };
    struct router r = make_router(table, COUNT_OF(table));
    struct route_match m;
    expect_result_in(&r, "POST", "/api/v1/cases", ROUTER_FOUND, &m);
    cr_assert_eq(m.route->flags, (unsigned)ROUTE_STAFF_WRITE);
    cr_assert_eq(m.route->roles, 1u << 3);
    cr_assert(m.route->flags & ROUTE_CSRF);
}

Test(router, add_refuses_pattern_without_leading_slash)
{
    const struct route bad[][1] = {
        {{"GET", "api/v1/cases", NULL, 0, 0}},
        {{"GET", "", NULL, 0, 0}},
        {{"GET", ":id", NULL, 0, 0}},
        {{"GET", NULL, NULL, 0, 0}},
    };
    for (size_t i = 0; i < COUNT_OF(bad); i++) {
        struct router r = {0};
        cr_assert_eq(router_add(&r, bad[i], 1), -1, "pattern %zu accepted", i);
    }
}

Test(router, add_refuses_too_many_params)
{
    const struct route five[] = {
        {"GET", "/:a/:b/:c/:d/:e", NULL, 0, 0},
    };
    const struct route four[] = {
        {"GET", "/x/:a/:b/:c/:d", NULL, 0, 0},
    };
    struct router r = {0};
    cr_assert_eq(router_add(&r, five, 1), -1);
    cr_assert_eq(router_add(&r, four, 1), 0);
    cr_assert_eq(r.count, 1);
    expect_result(&r, "GET", "/1/2/3/4/5", ROUTER_NOT_FOUND);
}

Test(router, add_zero_routes_is_ok)
{
    struct router r = {0};
    cr_assert_eq(router_add(&r, NULL, 0), 0);
    cr_assert_eq(r.count, 0);
}

Test(router, add_refuses_a_bad_table_whole)
{
    static const struct route table[] = {
        {"GET", "/ok", NULL, 0, 0},
        {"GET", "bad", NULL, 0, 0},
    };
    struct router r = {0};
    cr_assert_eq(router_add(&r, table, 2), -1);
    cr_assert_eq(r.count, 0, "a refused table must add none of its routes");
}

Test(router, add_refuses_when_full)
{
    static const struct route one = {"GET", "/same", NULL, 0, 0};
    static struct route many[ROUTER_MAX_ROUTES];
    for (size_t i = 0; i < ROUTER_MAX_ROUTES; i++)
        many[i] = one;
    struct router r = {0};
    cr_assert_eq(router_add(&r, many, ROUTER_MAX_ROUTES), 0);
    cr_assert_eq(r.count, ROUTER_MAX_ROUTES);
    cr_assert_eq(router_add(&r, &one, 1), -1);
    cr_assert_eq(r.count, ROUTER_MAX_ROUTES);
}

Test(router, many_routes_each_found)
{
    enum { N = 200 };
    static char patterns[N][32];
    static struct route table[N];
    for (int i = 0; i < N; i++) {
        // Alternate literal and param routes under distinct prefixes.
        if (i % 2 == 0)
            snprintf(patterns[i], sizeof patterns[i], "/api/v1/r%d", i);
        else
            snprintf(patterns[i], sizeof patterns[i], "/api/v1/r%d/:id", i);
        table[i] = (struct route){i % 3 == 0 ? "POST" : "GET", patterns[i], NULL, 0, 0};
    }
    struct router r = {0};
    // Added in two chunks, as several api_*.c tables would be.
    cr_assert_eq(router_add(&r, table, N / 2), 0);
    cr_assert_eq(router_add(&r, table + N / 2, N - N / 2), 0);
    cr_assert_eq(r.count, N);
    for (int i = 0; i < N; i++) {
        char path[48];
        if (i % 2 == 0)
            snprintf(path, sizeof path, "/api/v1/r%d", i);
        else
            snprintf(path, sizeof path, "/api/v1/r%d/x%d", i, i);
        struct route_match m;
        expect_result_in(&r, table[i].method, path, ROUTER_FOUND, &m);
        cr_assert_eq(m.route, &table[i], "route %d", i);
        if (i % 2 == 1) {
            char want[16];
            snprintf(want, sizeof want, "x%d", i);
            cr_assert_str_eq(route_match_param(&m, "id"), want);
        }
    }
    expect_result(&r, "GET", "/api/v1/r200", ROUTER_NOT_FOUND);
    expect_allow(&r, "GET", "/api/v1/r0", "POST");
}
