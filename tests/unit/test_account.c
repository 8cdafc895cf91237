// SPDX-License-Identifier: MIT
// Unit tests of what a change to a staff account does to its open sessions: a
// phone number or name keeps them, password, role, unit and disabling end them,
// and an account changing its own password keeps the session it changes it from.
#include "account.h"

#include <criterion/criterion.h>

static struct account_change nothing(void)
{
    return (struct account_change){
        .role_before = ROLE_INSPECTOR,
        .role_after = ROLE_INSPECTOR,
        .unit_before = 7,
        .unit_after = 7,
    };
}

Test(account, a_phone_or_name_change_keeps_every_session)
{
    struct account_change change = nothing();
    cr_assert_eq(account_change_sessions(&change), ACCOUNT_SESSIONS_KEEP);
    change.own = true;
    cr_assert_eq(account_change_sessions(&change), ACCOUNT_SESSIONS_KEEP);
}

Test(account, password_role_unit_and_disabling_end_every_session)
{
    struct account_change change = nothing();
    change.new_password = true;
    cr_expect_eq(account_change_sessions(&change), ACCOUNT_SESSIONS_END_ALL, "password");
    change = nothing();
    change.role_after = ROLE_SUPERVISOR;
    cr_expect_eq(account_change_sessions(&change), ACCOUNT_SESSIONS_END_ALL, "role");
    change = nothing();
    change.unit_after = 8;
    cr_expect_eq(account_change_sessions(&change), ACCOUNT_SESSIONS_END_ALL, "unit");
    change = nothing();
    change.disabling = true;
    cr_expect_eq(account_change_sessions(&change), ACCOUNT_SESSIONS_END_ALL, "disabling");
}

Test(account, ones_own_change_keeps_the_current_session_only)
{
    struct account_change change = nothing();
    change.own = true;
    change.new_password = true;
    cr_expect_eq(account_change_sessions(&change), ACCOUNT_SESSIONS_END_OTHERS, "own password");
    change = nothing();
    change.own = true;
    change.unit_after = 9;
    cr_expect_eq(account_change_sessions(&change), ACCOUNT_SESSIONS_END_OTHERS, "own unit");
    change.disabling = true;
    cr_expect_eq(account_change_sessions(&change), ACCOUNT_SESSIONS_END_ALL, "own disabling");
}
