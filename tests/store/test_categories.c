// SPDX-License-Identifier: MIT
// Store conformance, the category trees (store_categories.h): subclasses by id
// and by code with their limits and phases, the ordered walk of both trees,
// keywords and the ranked suggestions, an admin's create and update (all or
// nothing, inactive subclasses hidden), and values at the documented maximum
// lengths.
#include "fixture.h"

#include "store_categories.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

TestSuite(categories, .init = conf_setup, .fini = conf_teardown);

static struct store_category find(const char *tree, const char *code)
{
    struct store_category c;
    cr_assert_eq(store_category_find(store, tree, code, &c), STORE_OK, "%s %s", tree, code);
    return c;
}

Test(categories, stage_names_round_trip)
{
    for (int s = 0; s < STORE_CATEGORY_STAGE_COUNT; s++)
        cr_expect_eq(
            store_category_stage_from_name(store_category_stage_name((enum store_category_stage)s)),
            s);
    cr_expect_str_eq(store_category_stage_name(STORE_CATEGORY_SIGN), "sign");
    cr_expect_str_eq(store_category_stage_name(STORE_CATEGORY_STAGE_COUNT), "unknown");
    cr_expect_eq(store_category_stage_from_name("File"), -1);
    cr_expect_eq(store_category_stage_from_name(NULL), -1);
}

Test(categories, a_subclass_comes_with_its_major_class_limits_and_phases)
{
    struct store_category c = find("component", "0101");
    cr_expect_str_eq(c.tree, "component");
    cr_expect_str_eq(c.name_zh, "上水井盖");
    cr_expect_str_eq(c.major_code, "01");
    cr_expect_str_eq(c.major_name_zh, "公用设施");
    cr_expect_gt(c.major_id, 0);
    cr_expect_str_eq(c.default_department_kind, "water");
    cr_expect_neq(c.filing_condition[0], '\0');
    cr_expect_neq(c.closing_condition[0], '\0');
    cr_expect(c.urgent);
    cr_expect(c.active);
    for (int s = 0; s < STORE_CATEGORY_STAGE_COUNT; s++)
        cr_expect(c.limits[s].set, "%s limit", store_category_stage_name(s));
    cr_expect_eq(c.limits[STORE_CATEGORY_HANDLE].unit, WORKTIME_URGENT_HOURS);
    cr_expect_eq(c.limits[STORE_CATEGORY_HANDLE].amount, 4);
    cr_expect_eq(c.phase_count, 0);
    struct store_category by_id;
    cr_assert_eq(store_category_get(store, c.id, &by_id), STORE_OK);
    cr_expect_str_eq(by_id.code, "0101");
    cr_expect_eq(by_id.limits[STORE_CATEGORY_SIGN].amount, c.limits[STORE_CATEGORY_SIGN].amount);

    struct store_category structure = find("event", "0101");
    cr_assert_eq(structure.phase_count, 2);
    cr_expect_str_eq(structure.phases[0].code, "stop");
    cr_expect_str_eq(structure.phases[0].name_zh, "责令停工");
    cr_expect_eq(structure.phases[0].limit.unit, WORKTIME_WORK_HOURS);
    cr_expect_eq(structure.phases[0].limit.amount, 4);
    cr_expect_str_eq(structure.phases[1].code, "demolish");
    cr_expect_eq(structure.phases[1].limit.unit, WORKTIME_WORK_DAYS);
    cr_expect_eq(structure.phases[1].limit.amount, 20);

    struct store_category missing;
    cr_expect_eq(store_category_get(store, c.major_id, &missing), STORE_NOT_FOUND,
                 "a major class is no subclass");
    cr_expect_eq(store_category_get(store, 999999, &missing), STORE_NOT_FOUND);
    cr_expect_eq(store_category_find(store, "event", "01", &missing), STORE_NOT_FOUND);
    cr_expect_eq(store_category_find(store, "event", "9999", &missing), STORE_NOT_FOUND);
    cr_expect_eq(store_category_find(store, "component", NULL, &missing), STORE_NOT_FOUND);
    cr_expect_eq(store_category_find(store, NULL, "0101", &missing), STORE_NOT_FOUND);
}

struct walk {
    char last_tree[12], last_major[4], last_code[8];
    int majors, subclasses, in_major;
    bool ordered, under_major;
    int64_t watch_id;
    bool watch_seen;
};

static void on_major(const struct store_category_major *major, void *data)
{
    struct walk *w = data;
    bool later_tree = strcmp(major->tree, w->last_tree) > 0;
    if (w->majors > 0 && !later_tree && strcmp(major->code, w->last_major) <= 0)
        w->ordered = false;
    snprintf(w->last_tree, sizeof w->last_tree, "%s", major->tree);
    snprintf(w->last_major, sizeof w->last_major, "%s", major->code);
    w->last_code[0] = '\0';
    w->majors++;
}

static void on_subclass(const struct store_category *c, void *data)
{
    struct walk *w = data;
    if (strcmp(c->tree, w->last_tree) != 0 || strcmp(c->major_code, w->last_major) != 0)
        w->under_major = false;
    if (strcmp(c->code, w->last_code) <= 0)
        w->ordered = false;
    snprintf(w->last_code, sizeof w->last_code, "%s", c->code);
    w->subclasses++;
    w->watch_seen = w->watch_seen || c->id == w->watch_id;
}

static struct walk walk_trees(const char *tree, bool include_inactive, int64_t watch_id)
{
    struct walk w = {.ordered = true, .under_major = true, .watch_id = watch_id};
    cr_assert_eq(store_category_list(store, tree, include_inactive, on_major, on_subclass, &w),
                 STORE_OK);
    cr_expect(w.ordered, "components then events, each by code");
    cr_expect(w.under_major, "each subclass follows its major class");
    return w;
}

Test(categories, the_walk_covers_both_trees_in_order)
{
    struct walk both = walk_trees(NULL, false, 0);
    cr_expect_eq(both.majors, 12);
    cr_expect_gt(both.subclasses, 60);
    cr_expect_str_eq(both.last_tree, "event", "events come last");
    struct walk events = walk_trees("event", false, 0);
    cr_expect_eq(events.majors, 6);
    struct walk components = walk_trees("component", false, 0);
    cr_expect_eq(components.subclasses + events.subclasses, both.subclasses);
    cr_expect_eq(walk_trees("nonsense", false, 0).majors, 0);
    cr_assert_eq(store_category_list(store, NULL, false, NULL, NULL, NULL), STORE_OK,
                 "callbacks may be NULL");
}

struct keywords {
    char word[16][64];
    int weight[16];
    size_t n;
};

static void collect_keyword(const char *keyword, int weight, void *data)
{
    struct keywords *k = data;
    if (k->n < 16) {
        snprintf(k->word[k->n], sizeof k->word[0], "%s", keyword);
        k->weight[k->n] = weight;
    }
    k->n++;
}

static struct keywords keywords_of(int64_t id)
{
    struct keywords k = {.n = 0};
    cr_assert_eq(store_category_keywords(store, id, collect_keyword, &k), STORE_OK);
    for (size_t i = 1; i < k.n && i < 16; i++)
        cr_expect(k.weight[i - 1] > k.weight[i] ||
                      (k.weight[i - 1] == k.weight[i] && strcmp(k.word[i - 1], k.word[i]) < 0),
                  "heaviest first, then by keyword");
    return k;
}

Test(categories, suggestions_rank_subclasses_by_their_keywords)
{
    struct keywords k = keywords_of(find("component", "0102").id);
    cr_expect_gt(k.n, 3);
    struct store_category_suggestion out[5];
    size_t count = 99;
    const char *text = "小区门口的污水井盖缺失了";
    cr_assert_eq(store_category_suggest(store, text, strlen(text), out, 5, &count), STORE_OK);
    cr_assert_geq(count, 1);
    cr_expect_leq(count, 5);
    cr_expect_str_eq(out[0].tree, "component");
    cr_expect_str_eq(out[0].code, "0102", "the exact name wins");
    cr_expect_str_eq(out[0].name_zh, "污水井盖");
    cr_expect_gt(out[0].score, 0);
    for (size_t i = 1; i < count; i++)
        cr_expect_geq(out[i - 1].score, out[i].score);
    int64_t best = 0;
    cr_assert_eq(store_category_suggest_best(store, text, &best), STORE_OK);
    cr_expect_eq(best, out[0].id);
    cr_assert_eq(store_category_suggest(store, text, strlen(text), out, 1, &count), STORE_OK);
    cr_expect_eq(count, 1, "at most max");
    cr_assert_eq(store_category_suggest(store, "qqqq", 4, out, 5, &count), STORE_OK);
    cr_expect_eq(count, 0);
    cr_expect_eq(store_category_suggest_best(store, "qqqq", &best), STORE_NOT_FOUND);
    cr_expect_eq(store_category_suggest_best(store, NULL, &best), STORE_NOT_FOUND);
}

Test(categories, an_admin_creates_a_subclass)
{
    struct store_category_fields f;
    store_category_fields_init(&f);
    f.name_zh = "共享单车乱停";
    f.name_en = "Shared bikes parked badly";
    f.limits[STORE_CATEGORY_HANDLE] = (struct store_category_limit){true, WORKTIME_WORK_HOURS, 6};
    const struct store_category_keyword words[] = {{"共享单车", 20}, {"单车", 8}, {"单车", 12}};
    f.replace_keywords = true;
    f.keywords = words;
    f.keyword_count = COUNT_OF(words);
    int64_t id = 0;
    cr_assert_eq(store_category_create(store, "event", "0610", &f, &id), STORE_OK);
    struct store_category c;
    cr_assert_eq(store_category_get(store, id, &c), STORE_OK);
    cr_expect_str_eq(c.code, "0610");
    cr_expect_str_eq(c.major_code, "06");
    cr_expect_str_eq(c.name_zh, "共享单车乱停");
    cr_expect(c.active, "active by default");
    cr_expect_not(c.urgent);
    cr_expect_str_eq(c.default_department_kind, "");
    cr_expect_str_eq(c.filing_condition, "");
    cr_expect(c.limits[STORE_CATEGORY_HANDLE].set);
    cr_expect_eq(c.limits[STORE_CATEGORY_HANDLE].amount, 6);
    cr_expect_not(c.limits[STORE_CATEGORY_FILE].set, "no limit unless set");
    struct keywords k = keywords_of(id);
    cr_assert_eq(k.n, 2);
    cr_expect_str_eq(k.word[0], "共享单车");
    cr_expect_str_eq(k.word[1], "单车");
    cr_expect_eq(k.weight[1], 12, "a repeated keyword keeps the last weight");
    int64_t best = 0;
    cr_assert_eq(store_category_suggest_best(store, "路边共享单车倒了一地", &best), STORE_OK);
    cr_expect_eq(best, id);
    cr_expect(walk_trees("event", false, id).watch_seen);

    int64_t again = 0;
    cr_expect_eq(store_category_create(store, "event", "0610", &f, &again), STORE_CONFLICT);
    cr_expect_eq(store_category_create(store, "event", "0710", &f, &again), STORE_INVALID,
                 "no major class 07");
    cr_expect_eq(store_category_create(store, "plants", "0111", &f, &again), STORE_INVALID);
    cr_expect_eq(store_category_create(store, "event", "061", &f, &again), STORE_INVALID);
    f.name_en = NULL;
    cr_expect_eq(store_category_create(store, "event", "0611", &f, &again), STORE_INVALID);
    struct store_category none;
    cr_expect_eq(store_category_find(store, "event", "0611", &none), STORE_NOT_FOUND);
}

Test(categories, an_update_keeps_what_it_does_not_set)
{
    struct store_category before = find("event", "0102");
    struct keywords k_before = keywords_of(before.id);
    cr_assert_gt(k_before.n, 0);
    struct store_category_fields f;
    store_category_fields_init(&f);
    f.name_en = "Exposed rubbish";
    f.urgent = 1;
    f.limits[STORE_CATEGORY_HANDLE] = (struct store_category_limit){true, WORKTIME_WORK_DAYS, 2};
    cr_assert_eq(store_category_update(store, before.id, &f), STORE_OK);
    struct store_category after = find("event", "0102");
    cr_expect_str_eq(after.name_en, "Exposed rubbish");
    cr_expect_str_eq(after.name_zh, before.name_zh, "NULL keeps");
    cr_expect_str_eq(after.filing_condition, before.filing_condition);
    cr_expect(after.urgent);
    cr_expect_eq(after.active, before.active, "-1 keeps");
    cr_expect_eq(after.limits[STORE_CATEGORY_HANDLE].unit, WORKTIME_WORK_DAYS);
    cr_expect_eq(after.limits[STORE_CATEGORY_HANDLE].amount, 2);
    cr_expect_eq(after.limits[STORE_CATEGORY_CHECK].amount,
                 before.limits[STORE_CATEGORY_CHECK].amount, "unset limits keep");
    struct keywords k_after = keywords_of(before.id);
    cr_expect_eq(k_after.n, k_before.n, "keywords kept unless replaced");
    cr_expect_str_eq(k_after.word[0], k_before.word[0]);

    // Deactivated: hidden from the walk and from suggestions, still loadable.
    store_category_fields_init(&f);
    f.active = 0;
    cr_assert_eq(store_category_update(store, before.id, &f), STORE_OK);
    cr_expect_not(find("event", "0102").active);
    cr_expect_not(walk_trees(NULL, false, before.id).watch_seen);
    cr_expect(walk_trees(NULL, true, before.id).watch_seen);
    struct store_category_suggestion out[10];
    size_t count = 0;
    const char *text = "暴露垃圾";
    cr_assert_eq(store_category_suggest(store, text, strlen(text), out, 10, &count), STORE_OK);
    for (size_t i = 0; i < count; i++)
        cr_expect_neq(out[i].id, before.id, "inactive subclasses are never suggested");
    struct case_intake intake;
    conf_intake(&intake, "暴露垃圾", city.grid_a1);
    intake.category_id = before.id;
    struct store_case c;
    cr_expect_eq(store_case_create(store, &city.calendar, &intake, &c), STORE_INVALID,
                 "nothing is filed under an inactive subclass");

    // Keywords replaced wholesale.
    const struct store_category_keyword words[] = {{"垃圾暴露", 15}};
    store_category_fields_init(&f);
    f.replace_keywords = true;
    f.keywords = words;
    f.keyword_count = 1;
    cr_assert_eq(store_category_update(store, before.id, &f), STORE_OK);
    struct keywords k = keywords_of(before.id);
    cr_assert_eq(k.n, 1);
    cr_expect_str_eq(k.word[0], "垃圾暴露");
    cr_expect_eq(k.weight[0], 15);

    cr_expect_eq(store_category_update(store, 999999, &f), STORE_NOT_FOUND);
    cr_expect_eq(store_category_update(store, before.major_id, &f), STORE_NOT_FOUND);
}

// n bytes of repeated UTF-8 text (3-byte characters when cjk).
static void fill(char *out, size_t n, bool cjk)
{
    for (size_t i = 0; i < n; i += cjk ? 3 : 1)
        memcpy(out + i, cjk ? "井" : "w", cjk ? 3 : 1);
    out[n] = '\0';
}

Test(categories, values_at_the_documented_maximum_lengths_round_trip)
{
    char zh[STORE_CATEGORY_NAME_ZH_MAX + 1], en[STORE_CATEGORY_NAME_EN_MAX + 1];
    char kind[STORE_CATEGORY_KIND_MAX + 1], condition[STORE_CATEGORY_CONDITION_MAX + 1];
    char keyword[STORE_CATEGORY_KEYWORD_MAX + 1];
    fill(zh, STORE_CATEGORY_NAME_ZH_MAX, true); // 63 bytes: 21 characters
    fill(en, STORE_CATEGORY_NAME_EN_MAX, false);
    fill(kind, STORE_CATEGORY_KIND_MAX, false);
    fill(condition, STORE_CATEGORY_CONDITION_MAX - 1, false); // 999: not a multiple of 3
    fill(keyword, STORE_CATEGORY_KEYWORD_MAX, true);
    struct store_category_fields f;
    store_category_fields_init(&f);
    f.name_zh = zh;
    f.name_en = en;
    f.default_department_kind = kind;
    f.filing_condition = condition;
    f.closing_condition = condition;
    const struct store_category_keyword words[] = {{keyword, 1}};
    f.replace_keywords = true;
    f.keywords = words;
    f.keyword_count = 1;
    int64_t id = 0;
    cr_assert_eq(store_category_create(store, "component", "0199", &f, &id), STORE_OK);
    struct store_category c;
    cr_assert_eq(store_category_get(store, id, &c), STORE_OK);
    cr_expect_str_eq(c.name_zh, zh);
    cr_expect_str_eq(c.name_en, en);
    cr_expect_str_eq(c.default_department_kind, kind);
    cr_expect_str_eq(c.filing_condition, condition);
    cr_expect_str_eq(c.closing_condition, condition);
    struct keywords k = keywords_of(id);
    cr_assert_eq(k.n, 1);
    cr_expect_str_eq(k.word[0], keyword);
}
