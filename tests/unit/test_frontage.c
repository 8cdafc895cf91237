// SPDX-License-Identifier: MIT
// 门前三包 rules: periods, the month of a case, evaluation totals, ranks with
// ties and the reward list.
#include "frontage.h"

#include <criterion/criterion.h>

Test(frontage, periods)
{
    cr_expect(frontage_period_valid("2026-11"));
    cr_expect(frontage_period_valid("2026-01"));
    cr_expect(frontage_period_valid("2026-Q4"));
    cr_expect(frontage_period_valid("2026-Q1"));
    cr_expect_not(frontage_period_valid("2026-13"));
    cr_expect_not(frontage_period_valid("2026-00"));
    cr_expect_not(frontage_period_valid("2026-Q5"));
    cr_expect_not(frontage_period_valid("2026-Q0"));
    cr_expect_not(frontage_period_valid("2026-1"));
    cr_expect_not(frontage_period_valid("26-11"));
    cr_expect_not(frontage_period_valid("2026/11"));
    cr_expect_not(frontage_period_valid("2026-11 "));
    cr_expect_not(frontage_period_valid(""));
    cr_expect_not(frontage_period_valid(NULL));
}

Test(frontage, month_is_shanghai_time)
{
    char month[8];
    // 2026-11-30 16:30 UTC is 2026-12-01 00:30 in Shanghai.
    frontage_month(1796056200000LL, month);
    cr_expect_str_eq(month, "2026-12");
    // 2026-11-30 15:59 UTC is still November there.
    frontage_month(1796054340000LL, month);
    cr_expect_str_eq(month, "2026-11");
}

Test(frontage, total_is_weighted_out_of_100)
{
    struct frontage_score all[] = {{40, 10, 10}, {30, 5, 5}, {30, 20, 20}};
    cr_expect_float_eq(frontage_total(all, 3), 100.0, 1e-9);
    struct frontage_score half[] = {{40, 10, 5}, {60, 5, 5}};
    // 40 * 0.5 + 60 * 1 = 80 of 100.
    cr_expect_float_eq(frontage_total(half, 2), 80.0, 1e-9);
    struct frontage_score thirds[] = {{1, 3, 1}};
    cr_expect_float_eq(frontage_total(thirds, 1), 33.33, 1e-9);
    struct frontage_score none[] = {{1, 3, 0}};
    cr_expect_float_eq(frontage_total(none, 1), 0.0, 1e-9);
}

Test(frontage, total_refuses_bad_scores)
{
    struct frontage_score over[] = {{1, 10, 11}};
    cr_expect_float_eq(frontage_total(over, 1), -1.0, 1e-9);
    struct frontage_score negative[] = {{1, 10, -1}};
    cr_expect_float_eq(frontage_total(negative, 1), -1.0, 1e-9);
    struct frontage_score zero_weight[] = {{0, 10, 1}};
    cr_expect_float_eq(frontage_total(zero_weight, 1), -1.0, 1e-9);
    cr_expect_float_eq(frontage_total(over, 0), -1.0, 1e-9);
}

Test(frontage, ties_share_a_rank_and_the_next_skips)
{
    double totals[] = {80, 95, 80, 60, 95.001};
    int ranks[5];
    frontage_rank(totals, 5, ranks);
    cr_expect_eq(ranks[1], 1);
    cr_expect_eq(ranks[4], 1);
    cr_expect_eq(ranks[0], 3);
    cr_expect_eq(ranks[2], 3);
    cr_expect_eq(ranks[3], 5);
}

Test(frontage, reward_list_takes_ties_on_the_last_place)
{
    cr_expect(frontage_rewarded(1, 2));
    cr_expect(frontage_rewarded(2, 2));
    cr_expect_not(frontage_rewarded(3, 2));
    cr_expect_not(frontage_rewarded(1, 0));
    cr_expect_not(frontage_rewarded(0, 3));
}
