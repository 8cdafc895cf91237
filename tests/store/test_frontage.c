// SPDX-License-Identifier: MIT
// Store conformance, 门前三包 (store_frontage.h): units with unique plates,
// listed by jurisdiction and by violations in keyset pages; a case naming a
// unit counts for it and the count moves with the case; a check whose case is
// refused leaves nothing; an evaluation is replaced, frozen by the period's
// publication, which is audited once.
#include "fixture.h"

#include "store_admin.h"
#include "store_frontage.h"
#include "store_places.h"
#include "store_snapshots.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

TestSuite(frontage, .init = conf_setup, .fini = conf_teardown);

// A unit at the centre of cell grid_id (in community place_id and street_id).
static int64_t add_unit(const char *plate, int64_t grid_id, int64_t place_id, int64_t street_id)
{
    struct store_frontage_unit u = {.grid_id = grid_id,
                                    .place_id = place_id,
                                    .street_id = street_id,
                                    .duty_appearance = true,
                                    .duty_sanitation = true,
                                    .active = true};
    conf_cell_centre(grid_id, &u.lon, &u.lat);
    snprintf(u.name, sizeof u.name, "店 %s", plate);
    snprintf(u.kind, sizeof u.kind, "shop");
    snprintf(u.plate_no, sizeof u.plate_no, "%s", plate);
    int64_t id = 0;
    cr_assert_eq(store_frontage_units_create(store, &u, 1, &id), STORE_OK);
    return id;
}

struct seen {
    int64_t ids[16];
    int violations[16];
    size_t count;
};

static void collect(const struct store_frontage_unit *unit, void *data)
{
    struct seen *s = data;
    if (s->count < 16) {
        s->violations[s->count] = unit->violations;
        s->ids[s->count++] = unit->id;
    }
}

static struct seen list(const struct jurisdiction *j, bool by_violations, int64_t after_id,
                        int after_violations, int limit)
{
    struct seen s = {0};
    struct store_frontage_filter f = {.jurisdiction = j,
                                      .by_violations = by_violations,
                                      .after_id = after_id,
                                      .after_violations = after_violations,
                                      .limit = limit};
    cr_assert_eq(store_frontage_unit_list(store, &f, collect, &s), STORE_OK);
    return s;
}

static void jurisdiction_of(int64_t unit_id, enum role role, struct jurisdiction *out)
{
    struct store_org_unit unit;
    cr_assert_eq(store_org_unit_get(store, unit_id, &unit), STORE_OK);
    jurisdiction_init(out, role, 1, unit_id, unit.path);
}

Test(frontage, plates_are_unique_and_lists_keep_to_the_jurisdiction)
{
    int64_t a = add_unit("A-1", city.grid_a1, city.community_a, city.street1);
    int64_t b = add_unit("B-1", city.grid_b1, city.community_b, city.street2);
    struct store_frontage_unit dup = {
        .place_id = city.community_a, .street_id = city.street1, .active = true};
    snprintf(dup.name, sizeof dup.name, "x");
    snprintf(dup.kind, sizeof dup.kind, "shop");
    snprintf(dup.plate_no, sizeof dup.plate_no, "A-1");
    cr_expect_eq(store_frontage_units_create(store, &dup, 1, NULL), STORE_CONFLICT);
    struct store_frontage_unit got;
    cr_assert_eq(store_frontage_unit_get(store, a, &got), STORE_OK);
    struct store_org_unit community;
    cr_assert_eq(store_org_unit_get(store, city.community_a, &community), STORE_OK);
    cr_expect_str_eq(got.place_path, community.path);
    cr_expect_eq(got.last_check_passed, -1);
    struct jurisdiction district, street1;
    jurisdiction_of(city.district, ROLE_LEADER, &district);
    jurisdiction_of(city.street1, ROLE_SUPERVISOR, &street1);
    struct seen all = list(&district, false, 0, 0, 10);
    cr_expect_eq(all.count, 2);
    struct seen one = list(&street1, false, 0, 0, 10);
    cr_assert_eq(one.count, 1);
    cr_expect_eq(one.ids[0], a);
    struct seen page = list(&district, false, a, 0, 10);
    cr_assert_eq(page.count, 1);
    cr_expect_eq(page.ids[0], b);
}

Test(frontage, violations_follow_the_case_and_sort_the_list)
{
    int64_t a = add_unit("A-1", city.grid_a1, city.community_a, city.street1);
    int64_t b = add_unit("A-2", city.grid_a2, city.community_a, city.street1);
    struct case_intake in;
    conf_intake(&in, "门前堆物", city.grid_a1);
    struct store_case c1, c2;
    cr_assert_eq(store_frontage_case_create(store, &city.calendar, &in, b, &c1), STORE_OK);
    cr_assert_eq(store_frontage_case_create(store, &city.calendar, &in, b, &c2), STORE_OK);
    struct jurisdiction district;
    jurisdiction_of(city.district, ROLE_LEADER, &district);
    struct seen ranked = list(&district, true, 0, 0, 1);
    cr_assert_eq(ranked.count, 1);
    cr_expect_eq(ranked.ids[0], b);
    cr_expect_eq(ranked.violations[0], 2);
    struct seen rest = list(&district, true, ranked.ids[0], ranked.violations[0], 5);
    cr_assert_eq(rest.count, 1);
    cr_expect_eq(rest.ids[0], a);
    cr_assert_eq(store_frontage_case_link(store, c2.id, a, city.supervisor, "supervisor", "s"),
                 STORE_OK);
    struct store_frontage_unit ua, ub;
    cr_assert_eq(store_frontage_unit_get(store, a, &ua), STORE_OK);
    cr_assert_eq(store_frontage_unit_get(store, b, &ub), STORE_OK);
    cr_expect_eq(ua.violations, 1);
    cr_expect_eq(ub.violations, 1);
    int64_t named = 0;
    cr_assert_eq(store_frontage_case_unit(store, c2.id, &named), STORE_OK);
    cr_expect_eq(named, a);
    cr_assert_eq(store_frontage_case_link(store, c2.id, 0, city.supervisor, "supervisor", "s"),
                 STORE_OK);
    cr_assert_eq(store_frontage_unit_get(store, a, &ua), STORE_OK);
    cr_expect_eq(ua.violations, 0);
}

static void count_check(const struct store_frontage_check *check, void *data)
{
    (void)check;
    (*(int *)data)++;
}

Test(frontage, a_check_whose_case_is_refused_leaves_nothing)
{
    int64_t a = add_unit("A-1", city.grid_a1, city.community_a, city.street1);
    struct store_frontage_check check = {.unit_id = a,
                                         .inspector_user_id = city.inspector,
                                         .appearance = 0,
                                         .sanitation = 1,
                                         .order_greening = -1,
                                         .note = "",
                                         .photos_json = "[]"};
    struct case_intake in;
    conf_intake(&in, "门前三包检查不合格", city.grid_a1);
    in.category_id = 99999999;
    struct store_case c;
    cr_expect_eq(store_frontage_check_add(store, &city.calendar, &check, &in, &c), STORE_INVALID);
    int checks = 0;
    cr_assert_eq(store_frontage_checks(store, a, 10, count_check, &checks), STORE_OK);
    cr_expect_eq(checks, 0);
    in.category_id = 0;
    cr_assert_eq(store_frontage_check_add(store, &city.calendar, &check, &in, &c), STORE_OK);
    cr_expect_eq(check.case_id, c.id);
    struct store_frontage_unit u;
    cr_assert_eq(store_frontage_unit_get(store, a, &u), STORE_OK);
    cr_expect_eq(u.violations, 1);
    cr_expect_eq(u.last_check_passed, 0);
}

Test(frontage, publication_freezes_the_period_and_is_audited)
{
    struct store_actor actor = {city.leader, "leader", "领导"};
    struct store_frontage_evaluation e = {.city_id = city.city,
                                          .street_id = city.street1,
                                          .total = 80,
                                          .scores_json = "[]",
                                          .evaluator_user_id = city.leader};
    snprintf(e.period, sizeof e.period, "2026-Q3");
    cr_expect_eq(store_frontage_period_publish(store, &actor, city.city, "2026-Q3", 3),
                 STORE_NOT_FOUND);
    cr_assert_eq(store_frontage_evaluation_save(store, &e), STORE_OK);
    int64_t first = e.id;
    e.total = 90;
    cr_assert_eq(store_frontage_evaluation_save(store, &e), STORE_OK);
    cr_expect_eq(e.id, first, "a second evaluation replaces the first");
    struct store_audit_log_report before, after;
    cr_assert_eq(store_audit_log_verify(store, &before), STORE_OK);
    cr_assert_eq(store_frontage_period_publish(store, &actor, city.city, "2026-Q3", 1), STORE_OK);
    cr_expect_eq(store_frontage_period_publish(store, &actor, city.city, "2026-Q3", 1),
                 STORE_CONFLICT);
    e.total = 10;
    cr_expect_eq(store_frontage_evaluation_save(store, &e), STORE_CONFLICT);
    int top = 0;
    int64_t at = 0;
    cr_assert_eq(store_frontage_period_get(store, city.city, "2026-Q3", &top, &at), STORE_OK);
    cr_expect_eq(top, 1);
    cr_expect_gt(at, 0);
    cr_assert_eq(store_audit_log_verify(store, &after), STORE_OK);
    cr_expect_eq(after.broken_entry, 0, "%s", after.problem);
    cr_expect_eq(after.entries, before.entries + 1,
                 "one entry for the publication, none for the refusal");
}
