// SPDX-License-Identifier: MIT
// Unit tests of catsuggest: substring matching (UTF-8, ASCII case folding, the
// word-start rule for Latin keywords, bounds), weight accumulation per category,
// running out of storage, and the best-first order with its tie-breaks.
#include "catsuggest.h"

#include <criterion/criterion.h>
#include <string.h>

static bool matches(const char *text, const char *keyword)
{
    return catsuggest_matches(text, strlen(text), keyword, strlen(keyword));
}

static enum catsuggest_result consider(struct catsuggest_ranking *r, const char *text, int64_t id,
                                       const char *keyword, int weight)
{
    return catsuggest_consider(r, text, strlen(text), id, keyword, strlen(keyword), weight);
}

Test(catsuggest_matches, finds_chinese_substrings)
{
    cr_expect(matches("人行道上的井盖缺失", "井盖"));
    cr_expect(matches("人行道上的井盖缺失", "人行道"));
    cr_expect(matches("井盖", "井盖"));
    cr_expect_not(matches("井", "井盖"));
    cr_expect_not(matches("路灯不亮", "井盖"));
}

Test(catsuggest_matches, matches_whole_characters_only)
{
    // UTF-8 is self-synchronising: a valid keyword can only match whole characters.
    cr_expect_not(matches("井盖", "盖子"));
    cr_expect(matches("井盖", "盖"));
}

Test(catsuggest_matches, folds_ascii_case_both_ways)
{
    cr_expect(matches("Manhole COVER missing", "manhole cover"));
    cr_expect(matches("manhole cover missing", "MANHOLE"));
    cr_expect_not(matches("manhole cover", "manholes"));
}

Test(catsuggest_matches, latin_keywords_start_at_a_word_start)
{
    cr_expect_not(matches("garbage piled on the street", "tree"));
    cr_expect(matches("a fallen tree", "tree"));
    cr_expect(matches("illegal parking", "park")); // a prefix of a word matches
    cr_expect(matches("cars parked badly", "parked"));
    cr_expect(matches("路边tree", "tree")); // after a CJK character
    cr_expect(matches("e-bike", "bike"));   // after punctuation
    cr_expect_not(matches("ebike", "bike"));
    cr_expect(matches("tree", "tree")); // at the very start
    // The rule applies only to keywords that begin with a letter or digit.
    cr_expect(matches("abc-def", "-def"));
}

Test(catsuggest_matches, finds_a_later_occurrence_after_a_rejected_one)
{
    cr_expect(matches("street tree", "tree"));
}

Test(catsuggest_matches, empty_or_longer_keywords_never_match)
{
    cr_expect_not(matches("anything", ""));
    cr_expect_not(matches("", "a"));
    cr_expect_not(matches("ab", "abc"));
    cr_expect_not(catsuggest_matches(NULL, 0, "a", 1));
}

Test(catsuggest_matches, reads_only_the_given_lengths)
{
    const char text[] = {'g', 'a', 'r', 'b'}; // not NUL-terminated
    cr_expect(catsuggest_matches(text, 4, "garbage", 4));
    cr_expect_not(catsuggest_matches(text, 3, "garb", 4));
}

Test(catsuggest_rank, sums_weights_per_category)
{
    struct catsuggest_entry storage[4];
    struct catsuggest_ranking r;
    catsuggest_init(&r, storage, 4);
    const char *text = "污水井盖缺失";
    cr_expect_eq(consider(&r, text, 1, "井盖", 10), CATSUGGEST_MATCHED);
    cr_expect_eq(consider(&r, text, 2, "井盖", 10), CATSUGGEST_MATCHED);
    cr_expect_eq(consider(&r, text, 2, "污水井盖", 20), CATSUGGEST_MATCHED);
    cr_expect_eq(consider(&r, text, 3, "路灯", 20), CATSUGGEST_NO_MATCH);
    catsuggest_sort(&r);
    cr_assert_eq(r.count, 2);
    cr_expect_eq(r.entries[0].category_id, 2);
    cr_expect_eq(r.entries[0].score, 30);
    cr_expect_eq(r.entries[0].matched_bytes, (long)(strlen("井盖") + strlen("污水井盖")));
    cr_expect_eq(r.entries[1].category_id, 1);
    cr_expect_eq(r.entries[1].score, 10);
}

Test(catsuggest_rank, ignores_non_positive_weights)
{
    struct catsuggest_entry storage[2];
    struct catsuggest_ranking r;
    catsuggest_init(&r, storage, 2);
    cr_expect_eq(consider(&r, "井盖", 1, "井盖", 0), CATSUGGEST_NO_MATCH);
    cr_expect_eq(consider(&r, "井盖", 1, "井盖", -5), CATSUGGEST_NO_MATCH);
    cr_expect_eq(r.count, 0);
}

Test(catsuggest_rank, ties_prefer_longer_matches_then_lower_ids)
{
    struct catsuggest_entry storage[3];
    struct catsuggest_ranking r;
    catsuggest_init(&r, storage, 3);
    const char *text = "绿化带里有垃圾";
    consider(&r, text, 9, "垃圾", 10);   // 10 points, 6 bytes
    consider(&r, text, 7, "绿化带", 10); // 10 points, 9 bytes
    consider(&r, text, 5, "垃圾", 10);   // ties with 9 exactly: lower id first
    catsuggest_sort(&r);
    cr_assert_eq(r.count, 3);
    cr_expect_eq(r.entries[0].category_id, 7);
    cr_expect_eq(r.entries[1].category_id, 5);
    cr_expect_eq(r.entries[2].category_id, 9);
}

Test(catsuggest_rank, order_does_not_depend_on_input_order)
{
    struct catsuggest_entry a_storage[3], b_storage[3];
    struct catsuggest_ranking a, b;
    catsuggest_init(&a, a_storage, 3);
    catsuggest_init(&b, b_storage, 3);
    const char *text = "水管爆了 漏水";
    consider(&a, text, 1, "漏水", 14);
    consider(&a, text, 2, "水管", 12);
    consider(&a, text, 2, "水管爆", 20);
    consider(&a, text, 3, "漏水", 14);
    consider(&b, text, 3, "漏水", 14);
    consider(&b, text, 2, "水管爆", 20);
    consider(&b, text, 1, "漏水", 14);
    consider(&b, text, 2, "水管", 12);
    catsuggest_sort(&a);
    catsuggest_sort(&b);
    cr_assert_eq(a.count, 3);
    cr_assert_eq(b.count, 3);
    for (size_t i = 0; i < 3; i++)
        cr_expect_eq(a.entries[i].category_id, b.entries[i].category_id);
    cr_expect_eq(a.entries[0].category_id, 2);
    cr_expect_eq(a.entries[1].category_id, 1);
}

Test(catsuggest_rank, reports_full_storage_and_continues_after_rebind)
{
    struct catsuggest_entry small[1], big[4];
    struct catsuggest_ranking r;
    catsuggest_init(&r, small, 1);
    cr_expect_eq(consider(&r, "井盖 路灯", 1, "井盖", 10), CATSUGGEST_MATCHED);
    // The same category still fits (no new entry needed)...
    cr_expect_eq(consider(&r, "井盖 路灯", 1, "盖", 1), CATSUGGEST_MATCHED);
    // ...a new one does not, and nothing is recorded.
    cr_expect_eq(consider(&r, "井盖 路灯", 2, "路灯", 20), CATSUGGEST_FULL);
    cr_expect_eq(r.count, 1);
    cr_expect_eq(r.entries[0].score, 11);
    memcpy(big, small, sizeof small);
    catsuggest_rebind(&r, big, 4);
    cr_expect_eq(consider(&r, "井盖 路灯", 2, "路灯", 20), CATSUGGEST_MATCHED);
    catsuggest_sort(&r);
    cr_expect_eq(r.entries[0].category_id, 2);
}

Test(catsuggest_rank, zero_capacity_records_nothing)
{
    struct catsuggest_ranking r;
    catsuggest_init(&r, NULL, 5);
    cr_expect_eq(r.capacity, 0);
    cr_expect_eq(consider(&r, "井盖", 1, "井盖", 10), CATSUGGEST_FULL);
    catsuggest_sort(&r);
    cr_expect_eq(r.count, 0);
}
