// SPDX-License-Identifier: MIT
// Unit tests of jurisdiction: well-formed place paths, the half-open key range
// (nested and sibling paths such as /1/4/ and /1/40/, the root, the empty
// range), every role's case, place, intake and department checks, and the
// everywhere and fail-closed (malformed path) jurisdictions.
#include "jurisdiction.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

// The demo city's shape: city 1 > district 2 > streets 14 (Hexi), 18 (Hongqi) >
// communities; 3 is a district department, 19 Hongqi's street office.
#define CITY     "/1/"
#define DISTRICT "/1/2/"
#define HEXI     "/1/2/14/"
#define HONGQI   "/1/2/18/"
#define HONGQI_N "/1/2/18/20/"

static struct jurisdiction user(enum role role, int64_t org_unit_id, const char *path)
{
    struct jurisdiction j;
    cr_assert(jurisdiction_init(&j, role, 42, org_unit_id, path), "init %s", path);
    return j;
}

Test(jurisdiction, well_formed_paths)
{
    static const char *const GOOD[] = {"/", "/1/", "/1/4/9/", "/123456789012345678/",
                                       "/1/2/3/4/5/6/7/8/"};
    static const char *const BAD[] = {"",
                                      "1/",
                                      "/1",
                                      "//",
                                      "/01/",
                                      "/0/",
                                      "/a/",
                                      "/1//",
                                      "/1/x/",
                                      "/-1/",
                                      "/ 1/",
                                      "/1/2/3/4/5/6/7/8/9/",
                                      "/1234567890123456789/"};
    for (size_t i = 0; i < COUNT_OF(GOOD); i++)
        cr_expect(jurisdiction_path_valid(GOOD[i]), "%s", GOOD[i]);
    for (size_t i = 0; i < COUNT_OF(BAD); i++)
        cr_expect_not(jurisdiction_path_valid(BAD[i]), "%s", BAD[i]);
    cr_expect_not(jurisdiction_path_valid(NULL));
    char long_path[JURISDICTION_PATH_MAX + 8] = "/";
    while (strlen(long_path) < JURISDICTION_PATH_MAX)
        strcat(long_path, "1111111/");
    cr_expect_not(jurisdiction_path_valid(long_path), "too long");
}

Test(jurisdiction, range_bounds)
{
    struct jurisdiction_range r;
    cr_assert(jurisdiction_path_range("/1/4/", &r));
    cr_expect_str_eq(r.lo, "/1/4/");
    cr_expect_str_eq(r.hi, "/1/40");
    cr_assert(jurisdiction_path_range("/", &r));
    cr_expect_str_eq(r.lo, "/");
    cr_expect_str_eq(r.hi, "0");
    cr_assert(jurisdiction_path_range(HONGQI_N, &r));
    cr_expect_str_eq(r.hi, "/1/2/18/200");
    cr_expect_not(jurisdiction_path_range("/1/4", &r));
    cr_expect_str_eq(r.lo, "");
    cr_expect_str_eq(r.hi, "", "a bad path gives the empty range");
    cr_expect_not(jurisdiction_range_holds(&r, ""));
    cr_expect_not(jurisdiction_range_holds(&r, "/1/4/"));
    cr_expect_not(jurisdiction_range_holds(NULL, "/1/"));
}

Test(jurisdiction, range_holds_exactly_the_nested_paths)
{
    static const char *const PREFIXES[] = {"/", "/1/", "/1/4/", "/1/40/", "/1/4/9/", "/9/"};
    static const char *const PATHS[] = {
        "",         "/",      "/1/",        "/1/4/",   "/1/4/9/", "/1/4/99/", "/1/40/",
        "/1/40/1/", "/1/41/", "/1/3/",      "/1/5/",   "/1/4",    "/1/39/",   "/1/4/0/",
        "/10/",     "/2/",    "/1/4/9/17/", "/1/400/", "/9/",     "0",        "/1/4/\xff/"};
    for (size_t i = 0; i < COUNT_OF(PREFIXES); i++) {
        struct jurisdiction_range r;
        cr_assert(jurisdiction_path_range(PREFIXES[i], &r));
        for (size_t k = 0; k < COUNT_OF(PATHS); k++) {
            bool nested = strncmp(PATHS[k], PREFIXES[i], strlen(PREFIXES[i])) == 0;
            cr_expect_eq(jurisdiction_range_holds(&r, PATHS[k]), nested, "%s in [%s, %s): %d",
                         PATHS[k], r.lo, r.hi, nested);
        }
    }
}

Test(jurisdiction, siblings_are_outside)
{
    struct jurisdiction j = user(ROLE_SUPERVISOR, 4, "/1/4/");
    cr_expect(jurisdiction_covers_path(&j, "/1/4/"));
    cr_expect(jurisdiction_covers_path(&j, "/1/4/9/"));
    cr_expect_not(jurisdiction_covers_path(&j, "/1/40/"));
    cr_expect_not(jurisdiction_covers_path(&j, "/1/40/4/"));
    cr_expect_not(jurisdiction_covers_path(&j, "/1/"), "the place above");
    cr_expect_not(jurisdiction_covers_path(&j, ""), "an unplaced path");
    cr_expect_not(jurisdiction_covers_path(&j, NULL));
    struct jurisdiction_range r;
    jurisdiction_place_range(&j, &r);
    cr_expect_str_eq(r.lo, "/1/4/");
    cr_expect_str_eq(r.hi, "/1/40");
}

Test(jurisdiction, every_place_role_reads_cases_by_place)
{
    static const enum role ROLES[] = {ROLE_INSPECTOR, ROLE_OPERATOR, ROLE_SUPERVISOR, ROLE_LEADER,
                                      ROLE_ADMIN};
    for (size_t i = 0; i < COUNT_OF(ROLES); i++) {
        struct jurisdiction j = user(ROLES[i], 18, HONGQI);
        cr_expect_eq(j.department_id, 0);
        cr_expect_eq(jurisdiction_case_department(&j), 0);
        cr_expect(jurisdiction_may_read_case(&j, 0, HONGQI_N), "%s", role_name(ROLES[i]));
        cr_expect(jurisdiction_may_read_case(&j, 3, HONGQI), "dispatched or not");
        cr_expect_not(jurisdiction_may_read_case(&j, 0, HEXI "16/"));
        cr_expect_not(jurisdiction_may_read_case(&j, 0, DISTRICT), "unplaced at the district");
        cr_expect_not(jurisdiction_may_read_case(&j, 0, "/1/2/180/"));
        struct jurisdiction_range r;
        jurisdiction_case_range(&j, &r);
        cr_expect_str_eq(r.lo, HONGQI);
        cr_expect_str_eq(r.hi, "/1/2/180");
    }
    struct jurisdiction city = user(ROLE_LEADER, 1, CITY);
    cr_expect(jurisdiction_may_read_case(&city, 0, HEXI "16/"));
    cr_expect(jurisdiction_may_read_case(&city, 0, HONGQI_N));
    cr_expect(jurisdiction_may_read_case(&city, 0, CITY));
    cr_expect_not(jurisdiction_may_read_case(&city, 0, "/10/"));
}

Test(jurisdiction, a_department_reads_only_cases_dispatched_to_it)
{
    // Hongqi's street office (19) belongs to Hongqi: its place path is Hongqi's.
    struct jurisdiction j = user(ROLE_DEPARTMENT, 19, HONGQI);
    cr_expect_eq(j.department_id, 19);
    cr_expect_eq(jurisdiction_case_department(&j), 19);
    cr_expect(jurisdiction_may_read_case(&j, 19, HEXI "16/"), "wherever the case lies");
    cr_expect_not(jurisdiction_may_read_case(&j, 0, HONGQI_N), "not dispatched");
    cr_expect_not(jurisdiction_may_read_case(&j, 3, HONGQI_N), "dispatched elsewhere");
    struct jurisdiction_range r;
    jurisdiction_case_range(&j, &r);
    cr_expect_str_eq(r.lo, "");
    cr_expect_str_eq(r.hi, "", "place-based case counts count nothing");
    // Its places are those of the street it belongs to.
    cr_expect(jurisdiction_covers_path(&j, HONGQI_N));
    cr_expect_not(jurisdiction_covers_path(&j, HEXI));
    // A department row without an org unit reads nothing.
    struct jurisdiction broken = user(ROLE_DEPARTMENT, 0, HONGQI);
    cr_expect_not(jurisdiction_may_read_case(&broken, 0, HONGQI_N));
}

Test(jurisdiction, inspectors_file_inside_their_jurisdiction)
{
    struct jurisdiction inspector = user(ROLE_INSPECTOR, 18, HONGQI);
    cr_expect(jurisdiction_may_file_at(&inspector, HONGQI_N));
    cr_expect_not(jurisdiction_may_file_at(&inspector, HEXI "16/"), "a cell of another street");
    cr_expect_not(jurisdiction_may_file_at(&inspector, "/1/2/180/"));
    cr_expect(jurisdiction_may_file_at(&inspector, NULL), "in no cell: filed unplaced");
    static const enum role OTHERS[] = {ROLE_OPERATOR, ROLE_SUPERVISOR, ROLE_LEADER, ROLE_ADMIN};
    for (size_t i = 0; i < COUNT_OF(OTHERS); i++) {
        struct jurisdiction j = user(OTHERS[i], 18, HONGQI);
        cr_expect(jurisdiction_may_file_at(&j, HEXI "16/"), "%s takes any call",
                  role_name(OTHERS[i]));
        cr_expect(jurisdiction_may_file_at(&j, NULL));
    }
    cr_expect_not(jurisdiction_may_file_at(NULL, HONGQI_N));
}

Test(jurisdiction, departments_inside_and_above_are_usable)
{
    struct jurisdiction street = user(ROLE_SUPERVISOR, 18, HONGQI);
    cr_expect(jurisdiction_may_use_department(&street, HONGQI), "its own street office");
    cr_expect(jurisdiction_may_use_department(&street, DISTRICT), "the district's departments");
    cr_expect(jurisdiction_may_use_department(&street, CITY), "the city's departments");
    cr_expect(jurisdiction_may_use_department(&street, HONGQI_N), "a place inside");
    cr_expect_not(jurisdiction_may_use_department(&street, HEXI), "another street's office");
    cr_expect_not(jurisdiction_may_use_department(&street, "/1/2/180/"));
    cr_expect_not(jurisdiction_may_use_department(&street, "/1/2/1/"));
    cr_expect_not(jurisdiction_may_use_department(&street, "/1/2"), "malformed");
    cr_expect_not(jurisdiction_may_use_department(&street, NULL));
    struct jurisdiction district = user(ROLE_SUPERVISOR, 2, DISTRICT);
    cr_expect(jurisdiction_may_use_department(&district, HEXI));
    cr_expect(jurisdiction_may_use_department(&district, HONGQI));
    cr_expect_not(jurisdiction_may_use_department(&district, "/1/3/"), "another district");
    int64_t ids[JURISDICTION_DEPTH_MAX];
    cr_assert_eq(jurisdiction_place_chain(&street, ids), 3);
    cr_expect_eq(ids[0], 1);
    cr_expect_eq(ids[1], 2);
    cr_expect_eq(ids[2], 18);
}

Test(jurisdiction, malformed_paths_fail_closed)
{
    static const char *const BAD[] = {NULL, "", "/1/2", "1/2/", "/1/02/"};
    for (size_t i = 0; i < COUNT_OF(BAD); i++) {
        struct jurisdiction j;
        cr_expect_not(jurisdiction_init(&j, ROLE_ADMIN, 1, 1, BAD[i]));
        cr_expect_eq(j.extent, JURISDICTION_NOWHERE);
        cr_expect_not(jurisdiction_is_everywhere(&j));
        cr_expect_null(jurisdiction_place_path(&j));
        cr_expect_not(jurisdiction_covers_path(&j, "/1/2/"));
        cr_expect_not(jurisdiction_covers_path(&j, ""));
        cr_expect_not(jurisdiction_may_read_case(&j, 0, "/1/2/"));
        cr_expect_not(jurisdiction_may_use_department(&j, "/1/"));
        struct jurisdiction_range r;
        jurisdiction_place_range(&j, &r);
        cr_expect_str_eq(r.lo, "");
        cr_expect_str_eq(r.hi, "");
        int64_t ids[JURISDICTION_DEPTH_MAX];
        cr_expect_eq(jurisdiction_place_chain(&j, ids), 0);
    }
    // A department keeps reading what is dispatched to it.
    struct jurisdiction department;
    cr_expect_not(jurisdiction_init(&department, ROLE_DEPARTMENT, 1, 19, ""));
    cr_expect(jurisdiction_may_read_case(&department, 19, HONGQI_N));
}

Test(jurisdiction, root_and_everywhere)
{
    struct jurisdiction root = user(ROLE_ADMIN, 0, "/");
    cr_expect(jurisdiction_covers_path(&root, CITY));
    cr_expect(jurisdiction_covers_path(&root, HONGQI_N));
    cr_expect_not(jurisdiction_covers_path(&root, ""));
    cr_expect_not(jurisdiction_is_everywhere(&root));
    int64_t ids[JURISDICTION_DEPTH_MAX];
    cr_expect_eq(jurisdiction_place_chain(&root, ids), 0);

    struct jurisdiction all;
    jurisdiction_init_everywhere(&all);
    cr_expect(jurisdiction_is_everywhere(&all));
    cr_expect_eq(all.role, ROLE_SYSTEM);
    cr_expect_null(jurisdiction_place_path(&all));
    cr_expect(jurisdiction_covers_path(&all, ""));
    cr_expect(jurisdiction_covers_path(&all, "/"));
    cr_expect(jurisdiction_covers_path(&all, HEXI));
    cr_expect(jurisdiction_covers_path(&all, "/99999/1/"));
    cr_expect(jurisdiction_may_read_case(&all, 0, HONGQI_N));
    cr_expect(jurisdiction_may_use_department(&all, HEXI));
    cr_expect_not(jurisdiction_may_use_department(&all, "bad"));
    struct jurisdiction_range r;
    jurisdiction_place_range(&all, &r);
    cr_expect_str_eq(r.lo, "");
    cr_expect_str_eq(r.hi, "0");
    cr_expect_eq(jurisdiction_place_chain(&all, ids), 0);
}

Test(jurisdiction, init_keeps_the_user_and_the_path)
{
    struct jurisdiction j = user(ROLE_INSPECTOR, 18, HONGQI);
    cr_expect_eq(j.role, ROLE_INSPECTOR);
    cr_expect_eq(j.user_id, 42);
    cr_expect_eq(j.org_unit_id, 18);
    cr_expect_eq(j.extent, JURISDICTION_PLACE);
    cr_expect_str_eq(jurisdiction_place_path(&j), HONGQI);
    cr_expect_eq(j.chain_len, 3);
}

Test(jurisdiction, null_is_nowhere)
{
    struct jurisdiction_range r;
    jurisdiction_place_range(NULL, &r);
    cr_expect_str_eq(r.hi, "");
    jurisdiction_case_range(NULL, &r);
    cr_expect_str_eq(r.hi, "");
    cr_expect_not(jurisdiction_covers_path(NULL, "/1/"));
    cr_expect_not(jurisdiction_may_read_case(NULL, 1, "/1/"));
    cr_expect_not(jurisdiction_may_use_department(NULL, "/1/"));
    cr_expect_eq(jurisdiction_case_department(NULL), 0);
    cr_expect_null(jurisdiction_place_path(NULL));
    cr_expect_not(jurisdiction_is_everywhere(NULL));
}
