// SPDX-License-Identifier: MIT
// Store conformance, cases in bulk (store_case_lists.h): both sort orders,
// keyset pages that neither repeat nor skip a case, cursors that round-trip and
// refuse any edit, every filter, Chinese search by a two-character term, the
// jurisdiction bounds (a street sees its own cases, a department only those
// dispatched to it), and likely duplicates near a point.
#include "fixture.h"

#include "store_places.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(lists, .init = conf_setup, .fini = conf_teardown);

#define MANY 40

static struct jurisdiction everywhere(void)
{
    struct jurisdiction j;
    jurisdiction_init_everywhere(&j);
    return j;
}

// A mix of cases: reported in each cell, accepted, dispatched, closed on the
// spot (no deadline), unplaced. Returns their number; ids in order of creation.
static size_t seed_cases(int64_t *ids)
{
    size_t n = 0;
    const int64_t cells[] = {city.grid_a1, city.grid_a2, city.grid_b1};
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < COUNT_OF(cells); i++)
            ids[n++] = conf_report("暴露垃圾", cells[i], "event", "0102").id;
    struct store_case c = conf_report("路灯不亮", city.grid_a1, "component", "0110");
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    ids[n++] = c.id;
    for (int i = 0; i < 2; i++) {
        struct case_intake intake;
        conf_intake(&intake, "小广告当场清除", i == 0 ? city.grid_a2 : city.grid_b1);
        conf_fix_on_the_spot(&intake);
        cr_assert_eq(store_case_create(store, &city.calendar, &intake, &c), STORE_OK);
        ids[n++] = c.id;
    }
    struct case_intake intake;
    conf_intake(&intake, "地点不明", 0);
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &c), STORE_OK);
    ids[n++] = c.id;
    return n;
}

static int by_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

// The listed ids are exactly `want` (any order), each once.
static void expect_same_set(const int64_t *got, size_t n, const int64_t *want, size_t m)
{
    cr_assert_eq(n, m, "%zu cases listed, want %zu", n, m);
    int64_t a[MANY], b[MANY];
    memcpy(a, got, n * sizeof *a);
    memcpy(b, want, m * sizeof *b);
    qsort(a, n, sizeof *a, by_id);
    qsort(b, m, sizeof *b, by_id);
    for (size_t i = 0; i < n; i++) {
        cr_expect_eq(a[i], b[i]);
        if (i > 0)
            cr_expect_neq(a[i], a[i - 1], "case %lld listed twice", (long long)a[i]);
    }
}

Test(lists, newest_first_pages_without_duplicates_or_gaps)
{
    int64_t made[MANY];
    size_t n = seed_cases(made);
    struct jurisdiction j = everywhere();
    for (int limit = 1; limit <= 4; limit++) {
        int64_t got[MANY];
        size_t count = conf_list_all((struct store_case_filter){.jurisdiction = &j,
                                                                .sort = STORE_CASE_SORT_NEWEST,
                                                                .limit = limit},
                                     got, MANY);
        expect_same_set(got, count, made, n);
        for (size_t i = 1; i < count; i++) {
            struct store_case a = conf_get(got[i - 1]), b = conf_get(got[i]);
            cr_expect(a.created_at > b.created_at || (a.created_at == b.created_at && a.id > b.id),
                      "created_at DESC, id DESC at %zu (limit %d)", i, limit);
        }
    }
    // One page holding everything says no more follow.
    int64_t page[STORE_CASE_LIST_MAX];
    size_t count = 0;
    bool more = true;
    struct store_case_cursor next;
    struct store_case_filter all = {.jurisdiction = &j, .limit = STORE_CASE_LIST_MAX};
    cr_assert_eq(conf_list_page(&all, page, &count, &more, &next), STORE_OK);
    cr_expect_eq(count, n);
    cr_expect_not(more);
}

Test(lists, deadline_order_puts_cases_without_a_deadline_last)
{
    int64_t made[MANY];
    size_t n = seed_cases(made);
    struct jurisdiction j = everywhere();
    for (int limit = 1; limit <= 3; limit++) {
        int64_t got[MANY];
        size_t count = conf_list_all((struct store_case_filter){.jurisdiction = &j,
                                                                .sort = STORE_CASE_SORT_DEADLINE,
                                                                .limit = limit},
                                     got, MANY);
        expect_same_set(got, count, made, n);
        bool seen_null = false;
        for (size_t i = 0; i < count; i++) {
            struct store_case b = conf_get(got[i]);
            if (b.stage_deadline == 0)
                seen_null = true;
            else
                cr_expect_not(seen_null, "a deadline after a case without one (limit %d)", limit);
            if (i == 0)
                continue;
            struct store_case a = conf_get(got[i - 1]);
            if (a.stage_deadline != 0 && b.stage_deadline != 0)
                cr_expect(a.stage_deadline < b.stage_deadline ||
                              (a.stage_deadline == b.stage_deadline && a.id < b.id),
                          "deadline ASC, id ASC at %zu", i);
            else if (a.stage_deadline == 0 && b.stage_deadline == 0)
                cr_expect_lt(a.id, b.id, "cases without a deadline by id");
        }
        cr_expect(seen_null, "the self-handled cases have no deadline");
    }
}

Test(lists, cursors_round_trip_and_refuse_any_edit)
{
    const struct store_case_cursor cursors[] = {
        {STORE_CASE_SORT_NEWEST, false, 1767225600123LL, 42},
        {STORE_CASE_SORT_DEADLINE, false, 1767229200000LL, 7},
        {STORE_CASE_SORT_DEADLINE, true, 0, 9000000000LL},
    };
    for (size_t i = 0; i < COUNT_OF(cursors); i++) {
        char text[STORE_CASE_CURSOR_SIZE];
        store_case_cursor_encode(&cursors[i], text);
        cr_expect_lt(strlen(text), STORE_CASE_CURSOR_SIZE);
        cr_expect_eq(
            strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            strlen(text), "base64url: %s", text);
        struct store_case_cursor back;
        cr_assert(store_case_cursor_decode(text, &back), "%s", text);
        cr_expect_eq(back.sort, cursors[i].sort);
        cr_expect_eq(back.key_null, cursors[i].key_null);
        cr_expect_eq(back.key, cursors[i].key);
        cr_expect_eq(back.id, cursors[i].id);
        // Every single-character edit is caught.
        for (size_t k = 0; text[k] != '\0'; k++) {
            char edited[STORE_CASE_CURSOR_SIZE];
            memcpy(edited, text, sizeof edited);
            const char *swaps = "AQgw_-9z";
            for (const char *s = swaps; *s != '\0'; s++) {
                if (*s == text[k])
                    continue;
                edited[k] = *s;
                cr_expect_not(store_case_cursor_decode(edited, &back), "%s accepted", edited);
            }
        }
        char shorter[STORE_CASE_CURSOR_SIZE];
        memcpy(shorter, text, sizeof shorter);
        shorter[strlen(shorter) - 1] = '\0';
        cr_expect_not(store_case_cursor_decode(shorter, &back));
        char longer[STORE_CASE_CURSOR_SIZE + 2];
        snprintf(longer, sizeof longer, "%sA", text);
        cr_expect_not(store_case_cursor_decode(longer, &back));
    }
    struct store_case_cursor back;
    cr_expect_not(store_case_cursor_decode(NULL, &back));
    cr_expect_not(store_case_cursor_decode("", &back));
    cr_expect_not(store_case_cursor_decode("not a cursor!", &back));
}

Test(lists, a_page_from_a_listed_cursor_continues_after_it)
{
    int64_t made[MANY];
    size_t n = seed_cases(made);
    struct jurisdiction j = everywhere();
    struct store_case_filter f = {.jurisdiction = &j, .sort = STORE_CASE_SORT_DEADLINE, .limit = 4};
    int64_t first[4], second[STORE_CASE_LIST_MAX];
    size_t count = 0, count2 = 0;
    bool more = false;
    struct store_case_cursor next, parsed;
    cr_assert_eq(conf_list_page(&f, first, &count, &more, &next), STORE_OK);
    cr_assert(more);
    cr_expect_eq(next.id, first[3], "the cursor is the page's last case");
    char text[STORE_CASE_CURSOR_SIZE];
    store_case_cursor_encode(&next, text);
    cr_assert(store_case_cursor_decode(text, &parsed));
    f.after = &parsed;
    f.limit = STORE_CASE_LIST_MAX;
    cr_assert_eq(conf_list_page(&f, second, &count2, &more, &next), STORE_OK);
    cr_expect_eq(count + count2, n);
    cr_expect_not(more);
    for (size_t i = 0; i < count2; i++)
        cr_expect_not(conf_has(first, count, second[i]));
}

Test(lists, bad_pages_are_refused)
{
    struct jurisdiction j = everywhere();
    int64_t ids[STORE_CASE_LIST_MAX + 1];
    size_t count = 7;
    bool more = true;
    struct store_case_cursor next;
    struct store_case_filter f = {.jurisdiction = &j, .limit = 0};
    cr_expect_eq(conf_list_page(&f, ids, &count, &more, &next), STORE_INVALID);
    f.limit = STORE_CASE_LIST_MAX + 1;
    cr_expect_eq(conf_list_page(&f, ids, &count, &more, &next), STORE_INVALID);
    struct store_case_cursor newest = {STORE_CASE_SORT_NEWEST, false, store_now_ms(), 1};
    f = (struct store_case_filter){
        .jurisdiction = &j, .sort = STORE_CASE_SORT_DEADLINE, .after = &newest, .limit = 10};
    cr_expect_eq(conf_list_page(&f, ids, &count, &more, &next), STORE_INVALID,
                 "a cursor of another sort");
    f = (struct store_case_filter){.jurisdiction = NULL, .limit = 10};
    conf_report("暴露垃圾", city.grid_a1, NULL, NULL);
    cr_assert_eq(conf_list_page(&f, ids, &count, &more, &next), STORE_OK);
    cr_expect_eq(count, 0, "no jurisdiction lists nothing");
    cr_expect_not(more);
}

// The ids a filter lists (all pages of 2).
static size_t listed(struct store_case_filter f, int64_t *ids)
{
    if (f.limit == 0)
        f.limit = 2;
    return conf_list_all(f, ids, MANY);
}

Test(lists, every_filter_narrows_the_list)
{
    int64_t made[MANY];
    seed_cases(made);
    struct jurisdiction j = everywhere();
    struct store_case dispatched = conf_report("污水外溢", city.grid_b1, "event", "0105");
    conf_must(&dispatched, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    conf_must(&dispatched, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.municipal});
    struct case_intake intake;
    conf_intake(&intake, "热线来电", city.grid_a2);
    intake.source = "12345";
    intake.external_id = "T-1";
    struct store_case hotline;
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &hotline), STORE_OK);

    int64_t ids[MANY];
    size_t n = listed((struct store_case_filter){.jurisdiction = &j, .states = ",accepted,"}, ids);
    cr_expect_eq(n, 1);
    n = listed((struct store_case_filter){.jurisdiction = &j, .states = ",accepted,dispatched,"},
               ids);
    cr_expect_eq(n, 2);
    cr_expect(conf_has(ids, n, dispatched.id));
    n = listed((struct store_case_filter){.jurisdiction = &j,
                                          .category_id = conf_category("component", "0110")},
               ids);
    cr_expect_eq(n, 1);
    n = listed(
        (struct store_case_filter){.jurisdiction = &j, .grid_id = conf_grid_id("440902002001001")},
        ids);
    cr_expect_eq(n, 4, "B1: two reports, one fixed on the spot, the dispatched one");
    n = listed(
        (struct store_case_filter){.jurisdiction = &j, .street_id = conf_unit_id("440902002")},
        ids);
    cr_expect_eq(n, 4);
    n = listed((struct store_case_filter){.jurisdiction = &j, .department_id = city.municipal},
               ids);
    cr_expect_eq(n, 1);
    cr_expect_eq(ids[0], dispatched.id);
    n = listed((struct store_case_filter){.jurisdiction = &j, .source = "12345"}, ids);
    cr_expect_eq(n, 1);
    cr_expect_eq(ids[0], hotline.id);
    n = listed(
        (struct store_case_filter){.jurisdiction = &j, .overdue = true, .now_ms = store_now_ms()},
        ids);
    cr_expect_eq(n, 0, "nothing is overdue yet");
    int64_t all[MANY];
    size_t total = listed((struct store_case_filter){.jurisdiction = &j}, all);
    n = listed((struct store_case_filter){.jurisdiction = &j,
                                          .overdue = true,
                                          .now_ms = store_now_ms() + 400 * WORKTIME_DAY_MS},
               ids);
    cr_expect_eq(n, total - 2, "in a year everything with a deadline is overdue");
    n = listed((struct store_case_filter){.jurisdiction = &j,
                                          .states = ",reported,",
                                          .street_id = conf_unit_id("440902001"),
                                          .source = "patrol"},
               ids);
    cr_expect_eq(n, 4, "filters combine: A1 and A2 reports");
}

Test(lists, a_two_character_chinese_term_finds_its_case)
{
    struct store_case manhole =
        conf_report("人行道上井盖缺失，有安全隐患", city.grid_a1, NULL, NULL);
    struct store_case light = conf_report("路灯不亮", city.grid_a2, NULL, NULL);
    struct case_intake intake;
    conf_intake(&intake, "垃圾桶满了", city.grid_b1);
    intake.address = "解放路口";
    struct store_case by_address;
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &by_address), STORE_OK);
    struct jurisdiction j = everywhere();
    const struct {
        const char *term;
        int64_t want;
    } searches[] = {{"井盖", manhole.id}, {"路灯", light.id}, {"解放", by_address.id}};
    for (size_t i = 0; i < COUNT_OF(searches); i++) {
        char *match = store_search_query(store, searches[i].term, strlen(searches[i].term));
        cr_assert_not_null(match);
        int64_t ids[MANY];
        size_t n = listed((struct store_case_filter){.jurisdiction = &j, .match = match}, ids);
        free(match);
        cr_expect_eq(n, 1, "%s finds one case", searches[i].term);
        cr_expect_eq(ids[0], searches[i].want, "%s", searches[i].term);
    }
    char *match = store_search_query(store, "井灯", strlen("井灯"));
    int64_t ids[MANY];
    cr_expect_eq(listed((struct store_case_filter){.jurisdiction = &j, .match = match}, ids), 0,
                 "the characters must be adjacent");
    free(match);
}

Test(lists, a_street_sees_its_cases_and_not_a_siblings)
{
    struct store_case a1 = conf_report("甲", city.grid_a1, NULL, NULL);
    struct store_case a2 = conf_report("乙", city.grid_a2, NULL, NULL);
    struct store_case b1 = conf_report("丙", city.grid_b1, NULL, NULL);
    struct store_org_unit street1;
    cr_assert_eq(store_org_unit_get(store, city.street1, &street1), STORE_OK);
    struct case_intake intake;
    conf_intake(&intake, "街道内某处", 0);
    intake.fallback_place_path = street1.path;
    struct store_case unplaced;
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &unplaced), STORE_OK);

    struct jurisdiction street = conf_jurisdiction(city.street1_supervisor);
    int64_t ids[MANY];
    size_t n = listed((struct store_case_filter){.jurisdiction = &street}, ids);
    const int64_t want[] = {a1.id, a2.id, unplaced.id};
    expect_same_set(ids, n, want, COUNT_OF(want));
    n = listed(
        (struct store_case_filter){.jurisdiction = &street, .sort = STORE_CASE_SORT_DEADLINE}, ids);
    expect_same_set(ids, n, want, COUNT_OF(want));
    cr_expect_not(conf_has(ids, n, b1.id));
    struct jurisdiction district = conf_jurisdiction(city.leader);
    n = listed((struct store_case_filter){.jurisdiction = &district}, ids);
    cr_expect_eq(n, 4);
    struct jurisdiction inspector = conf_jurisdiction(city.inspector);
    n = listed((struct store_case_filter){.jurisdiction = &inspector}, ids);
    const int64_t community[] = {a1.id, a2.id};
    expect_same_set(ids, n, community, COUNT_OF(community));
}

Test(lists, a_department_sees_only_cases_dispatched_to_it)
{
    struct store_case mine = conf_report("污水外溢", city.grid_b1, "event", "0105");
    struct store_case other = conf_report("暴露垃圾", city.grid_a1, "event", "0102");
    conf_report("未派遣", city.grid_a1, "event", "0102");
    struct store_case returned = conf_report("派错", city.grid_a2, "event", "0102");
    struct store_case *all[] = {&mine, &other, &returned};
    const int64_t to[] = {city.municipal, city.sanitation, city.municipal};
    for (size_t i = 0; i < COUNT_OF(all); i++) {
        conf_must(all[i], city.supervisor,
                  (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
        conf_must(
            all[i], city.supervisor,
            (struct case_transition){.action = CASEFSM_ACTION_DISPATCH, .department_id = to[i]});
    }
    conf_must(
        &returned, city.municipal_user,
        (struct case_transition){.action = CASEFSM_ACTION_REQUEST_RETURN, .note = "非本单位"});
    struct jurisdiction department = conf_jurisdiction(city.municipal_user);
    int64_t ids[MANY];
    size_t n = listed((struct store_case_filter){.jurisdiction = &department}, ids);
    const int64_t both[] = {mine.id, returned.id};
    expect_same_set(ids, n, both, COUNT_OF(both));
    conf_must(&returned, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_APPROVE});
    n = listed(
        (struct store_case_filter){.jurisdiction = &department, .sort = STORE_CASE_SORT_DEADLINE},
        ids);
    cr_expect_eq(n, 1, "a returned case leaves the department's list");
    cr_expect_eq(ids[0], mine.id);
    // The department's own filters still apply inside its cases.
    n = listed((struct store_case_filter){.jurisdiction = &department, .states = ",processing,"},
               ids);
    cr_expect_eq(n, 0);
}

struct duplicates {
    int64_t id[16];
    double distance[16];
    bool same_grid[16];
    size_t n;
};

static void collect_duplicate(int64_t id, double distance_m, bool same_grid, void *data)
{
    struct duplicates *d = data;
    if (d->n < 16) {
        d->id[d->n] = id;
        d->distance[d->n] = distance_m;
        d->same_grid[d->n] = same_grid;
    }
    d->n++;
}

// A case of `code` at the centre of A1 moved by (dlon, dlat) degrees (or in
// A1 without a point).
static int64_t report_near(const char *code, double dlon, double dlat, bool located)
{
    struct case_intake intake;
    conf_intake(&intake, "附近", city.grid_a1);
    intake.lon += dlon;
    intake.lat += dlat;
    intake.has_location = located;
    struct store_grid_location where;
    if (located) { // the cell of the moved point, as an intake locates it
        cr_assert_eq(store_grid_locate(store, intake.lon, intake.lat, &where), STORE_OK);
        intake.grid_id = where.grid_id;
    }
    intake.category_id = conf_category("event", code);
    struct store_case c;
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &c), STORE_OK);
    return c.id;
}

Test(lists, duplicates_are_open_nearby_cases_nearest_first)
{
    int64_t base = report_near("0102", 0, 0, true);
    int64_t near40 = report_near("0102", 0.0004, 0, true); // about 41 m east
    int64_t near20 = report_near("0102", 0, 0.0002, true); // about 22 m north
    int64_t unlocated = report_near("0102", 0, 0, false);  // same cell, no point
    int64_t other_kind = report_near("0104", 0.0001, 0, true);
    report_near("0102", 0.0011, 0, true); // 114 m away in A2
    struct store_case closed = conf_get(report_near("0102", 0, 0.0001, true));
    conf_close(&closed);
    double lon, lat;
    conf_cell_centre(city.grid_a1, &lon, &lat);
    int64_t category = conf_category("event", "0102");

    struct duplicates d = {.n = 0};
    cr_assert_eq(store_case_find_duplicates(store, base, category, city.grid_a1, true, lat, lon, 0,
                                            collect_duplicate, &d),
                 STORE_OK);
    cr_assert_eq(d.n, 3, "two near and one in the same cell without a point");
    cr_expect_eq(d.id[0], near20);
    cr_expect_eq(d.id[1], near40);
    cr_expect_eq(d.id[2], unlocated);
    cr_expect(fabs(d.distance[0] - 22.2) < 1.5, "%f m", d.distance[0]);
    cr_expect(fabs(d.distance[1] - 41.3) < 1.5, "%f m", d.distance[1]);
    cr_expect(isnan(d.distance[2]), "no point: NaN");
    cr_expect(d.same_grid[0] && d.same_grid[2]);

    d.n = 0; // any category
    cr_assert_eq(store_case_find_duplicates(store, base, 0, city.grid_a1, true, lat, lon, 0,
                                            collect_duplicate, &d),
                 STORE_OK);
    cr_expect_eq(d.n, 4);
    cr_expect(conf_has(d.id, d.n, other_kind));
    d.n = 0; // by point only, no cell
    cr_assert_eq(store_case_find_duplicates(store, base, category, 0, true, lat, lon, 0,
                                            collect_duplicate, &d),
                 STORE_OK);
    cr_expect_eq(d.n, 2);
    d.n = 0; // only cases created since a moment still to come
    cr_assert_eq(store_case_find_duplicates(store, base, category, city.grid_a1, true, lat, lon,
                                            store_now_ms() + 3600000, collect_duplicate, &d),
                 STORE_OK);
    cr_expect_eq(d.n, 0);
    d.n = 0; // neither a point nor a cell: nothing to compare
    cr_assert_eq(
        store_case_find_duplicates(store, base, category, 0, false, 0, 0, 0, collect_duplicate, &d),
        STORE_OK);
    cr_expect_eq(d.n, 0);
}
