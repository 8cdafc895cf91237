// SPDX-License-Identifier: MIT
// Unit tests of the staff roles: names both ways, and the one role an API token
// may act as (a hotline platform enters calls as an operator does).
#include "roles.h"

#include <criterion/criterion.h>

static const enum role STAFF[] = {ROLE_INSPECTOR,  ROLE_OPERATOR, ROLE_SUPERVISOR,
                                  ROLE_DEPARTMENT, ROLE_LEADER,   ROLE_ADMIN};

Test(roles, names_round_trip)
{
    for (size_t i = 0; i < sizeof STAFF / sizeof STAFF[0]; i++)
        cr_assert_eq(role_from_name(role_name(STAFF[i])), STAFF[i], "%s", role_name(STAFF[i]));
    cr_assert_eq(role_from_name("Operator"), ROLE_NONE);
    cr_assert_eq(role_from_name(NULL), ROLE_NONE);
    cr_assert_str_eq(role_name(ROLE_OPERATOR | ROLE_ADMIN), "none");
}

// A department's token once filed cases: only an operator account may hold one.
Test(roles, only_an_operator_may_hold_a_token)
{
    for (size_t i = 0; i < sizeof STAFF / sizeof STAFF[0]; i++)
        cr_expect_eq(role_may_hold_token(STAFF[i]), STAFF[i] == ROLE_OPERATOR, "%s",
                     role_name(STAFF[i]));
    cr_expect_not(role_may_hold_token(ROLE_SYSTEM));
    cr_expect_not(role_may_hold_token(ROLE_NONE));
    cr_expect_not(role_may_hold_token(ROLE_OPERATOR | ROLE_ADMIN), "a mask is not a role");
    cr_expect_not(role_may_hold_token(ROLE_ANY_STAFF));
}
