// SPDX-License-Identifier: MIT
// Store conformance, the office calendar (store_calendar.h: the default week,
// stored holidays and adjusted working days, edits) and the leader's overview
// counts (store_stats.h: totals, states, sources, streets, categories and
// ratings inside a jurisdiction; a department's or none counts nothing).
#include "fixture.h"

#include "store_calendar.h"
#include "store_stats.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

TestSuite(calendar_stats, .init = conf_setup, .fini = conf_teardown);

Test(calendar_stats, the_calendar_has_the_default_week_and_the_stored_days)
{
    struct worktime_calendar cal;
    cr_assert_eq(store_calendar_load(store, &cal), STORE_OK);
    cr_expect(worktime_calendar_valid(&cal));
    cr_expect_eq(cal.utc_offset_minutes, 480);
    cr_assert_eq(cal.period_count, 2);
    cr_expect_eq(cal.periods[0].start_minute, 8 * 60 + 30);
    cr_expect_eq(cal.periods[0].end_minute, 12 * 60);
    cr_expect_eq(cal.periods[1].start_minute, 14 * 60);
    cr_expect_eq(cal.periods[1].end_minute, 17 * 60 + 30);
    cr_expect(worktime_is_working_date(&cal, 20261009), "a Friday");
    cr_expect_not(worktime_is_working_date(&cal, 20261001), "National Day");
    cr_expect(worktime_is_working_date(&cal, 20261010), "the adjusted Saturday");
    cr_expect_not(worktime_is_working_date(&cal, 20261011), "a Sunday");
}

struct days {
    int day[16];
    char kind[16][12], name[16][32];
    size_t n;
};

static void collect_day(int day, const char *kind, const char *name, void *data)
{
    struct days *d = data;
    if (d->n < 16) {
        d->day[d->n] = day;
        snprintf(d->kind[d->n], sizeof d->kind[0], "%s", kind);
        snprintf(d->name[d->n], sizeof d->name[0], "%s", name);
    }
    d->n++;
}

static struct days days_between(int from, int to)
{
    struct days d = {.n = 0};
    cr_assert_eq(store_calendar_days(store, from, to, collect_day, &d), STORE_OK);
    for (size_t i = 1; i < d.n && i < 16; i++)
        cr_expect_lt(d.day[i - 1], d.day[i], "in date order");
    return d;
}

Test(calendar_stats, days_are_listed_set_and_removed)
{
    struct days october = days_between(20261001, 20261010);
    cr_assert_eq(october.n, 8, "seven days of holiday and the adjusted Saturday, inclusive");
    cr_expect_eq(october.day[0], 20261001);
    cr_expect_str_eq(october.kind[0], "holiday");
    cr_expect_str_eq(october.name[0], "国庆节");
    cr_expect_eq(october.day[7], 20261010);
    cr_expect_str_eq(october.kind[7], "workday");
    cr_expect_eq(days_between(20261012, 20261031).n, 0);

    cr_assert_eq(store_calendar_day_set(store, 20261111, "holiday", "测试假日"), STORE_OK);
    cr_assert_eq(store_calendar_day_set(store, 20261114, "workday", NULL), STORE_OK);
    struct days november = days_between(20261101, 20261130);
    cr_assert_eq(november.n, 2);
    cr_expect_str_eq(november.name[0], "测试假日");
    cr_expect_str_eq(november.name[1], "", "NULL name is empty");
    struct worktime_calendar cal;
    cr_assert_eq(store_calendar_load(store, &cal), STORE_OK);
    cr_expect_not(worktime_is_working_date(&cal, 20261111), "a Wednesday made a holiday");
    cr_expect(worktime_is_working_date(&cal, 20261114), "a Saturday made a working day");

    cr_assert_eq(store_calendar_day_set(store, 20261111, "workday", "改为上班"), STORE_OK);
    november = days_between(20261111, 20261111);
    cr_assert_eq(november.n, 1, "set again replaces");
    cr_expect_str_eq(november.kind[0], "workday");
    cr_expect_str_eq(november.name[0], "改为上班");
    cr_expect_eq(store_calendar_day_set(store, 20261112, "vacation", "x"), STORE_INVALID);
    cr_expect_eq(store_calendar_day_set(store, 20261112, NULL, "x"), STORE_INVALID);
    cr_expect_eq(days_between(20261112, 20261112).n, 0, "nothing stored");

    cr_expect_eq(store_calendar_day_delete(store, 20261111), STORE_OK);
    cr_expect_eq(store_calendar_day_delete(store, 20261111), STORE_NOT_FOUND);
    cr_assert_eq(store_calendar_load(store, &cal), STORE_OK);
    cr_expect(worktime_is_working_date(&cal, 20261111), "an ordinary Wednesday again");
}

#define ROWS_MAX 64

struct stats {
    struct {
        char section[12], key[24], name[64];
        int64_t count, overdue, closed, id;
    } row[ROWS_MAX];
    size_t n;
};

static void collect_stat(const struct store_stats_row *row, void *data)
{
    struct stats *s = data;
    cr_assert_lt(s->n, ROWS_MAX);
    snprintf(s->row[s->n].section, sizeof s->row[0].section, "%s", row->section);
    snprintf(s->row[s->n].key, sizeof s->row[0].key, "%s", row->key);
    snprintf(s->row[s->n].name, sizeof s->row[0].name, "%s", row->name);
    s->row[s->n].count = row->count;
    s->row[s->n].overdue = row->overdue;
    s->row[s->n].closed = row->closed;
    s->row[s->n].id = row->id;
    s->n++;
}

static struct stats overview(const struct jurisdiction *j, int64_t now)
{
    struct stats s = {.n = 0};
    cr_assert_eq(store_stats_overview(store, j, now, collect_stat, &s), STORE_OK);
    return s;
}

// The index of the row of a section and key, SIZE_MAX when absent.
static size_t find_row(const struct stats *s, const char *section, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->row[i].section, section) == 0 && strcmp(s->row[i].key, key) == 0)
            return i;
    return SIZE_MAX;
}

static int64_t count_of(const struct stats *s, const char *section, const char *key)
{
    size_t i = find_row(s, section, key);
    return i == SIZE_MAX ? 0 : s->row[i].count;
}

static size_t rows_in(const struct stats *s, const char *section)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += strcmp(s->row[i].section, section) == 0;
    return n;
}

// Five cases: reported in A1, processing with a pending extension in A2, closed
// and rated in B1, fixed on the spot in A1, a 12345 call in B1.
static void seed_stats_cases(void)
{
    conf_report("暴露垃圾", city.grid_a1, "event", "0102");
    struct store_case c = conf_report("暴露垃圾", city.grid_a2, "event", "0102");
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                       .department_id = city.municipal});
    conf_must(&c, city.municipal_user, (struct case_transition){.action = CASEFSM_ACTION_SIGN});
    conf_must(&c, city.municipal_user,
              (struct case_transition){
                  .action = CASEFSM_ACTION_REQUEST_EXTENSION, .note = "等材料", .amount = 1});
    struct store_case closed = conf_report("道路不洁", city.grid_b1, "event", "0104");
    conf_close(&closed);
    struct store_case_rating rating = {
        .case_id = closed.id, .rating = "satisfied", .calendar = &city.calendar};
    cr_assert_eq(store_case_rate(store, &rating), STORE_OK);
    struct case_intake intake;
    conf_intake(&intake, "当场处置", city.grid_a1);
    conf_fix_on_the_spot(&intake);
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &c), STORE_OK);
    conf_intake(&intake, "市民来电", city.grid_b1);
    intake.source = "12345";
    intake.external_id = "S-1";
    intake.category_id = conf_category("event", "0102");
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &c), STORE_OK);
}

Test(calendar_stats, the_overview_counts_the_cases_of_a_jurisdiction)
{
    seed_stats_cases();
    cr_expect(store_tally_consistent(store), "the kept counts equal a recount");
    struct jurisdiction district = conf_jurisdiction(city.leader);
    int64_t now = store_now_ms();
    struct stats s = overview(&district, now);
    cr_expect_eq(count_of(&s, "totals", "open"), 3);
    cr_expect_eq(count_of(&s, "totals", "overdue"), 0);
    cr_expect_eq(count_of(&s, "totals", "pending_requests"), 1);
    cr_expect_eq(count_of(&s, "totals", "created_30d"), 5);
    cr_expect_eq(count_of(&s, "totals", "closed_30d"), 2);
    cr_expect_eq(count_of(&s, "totals", "self_handled"), 1);
    cr_expect_eq(rows_in(&s, "totals"), 6);
    cr_expect_eq(count_of(&s, "state", "reported"), 2);
    cr_expect_eq(count_of(&s, "state", "processing"), 1);
    cr_expect_eq(count_of(&s, "state", "closed"), 2);
    cr_expect_eq(rows_in(&s, "state"), 3);
    cr_expect_eq(count_of(&s, "source", "patrol"), 4);
    cr_expect_eq(count_of(&s, "source", "12345"), 1);
    cr_expect_eq(count_of(&s, "rating", "satisfied"), 1);
    cr_expect_eq(rows_in(&s, "rating"), 1);
    size_t i = find_row(&s, "street", "440902001");
    cr_assert_neq(i, SIZE_MAX);
    cr_expect_str_eq(s.row[i].name, "红旗街道");
    cr_expect_eq(s.row[i].count, 2, "open cases of the street");
    cr_expect_eq(s.row[i].closed, 1);
    cr_expect_eq(s.row[i].overdue, 0);
    i = find_row(&s, "street", "440902002");
    cr_assert_neq(i, SIZE_MAX);
    cr_expect_eq(s.row[i].count, 1);
    cr_expect_eq(s.row[i].closed, 1);
    i = find_row(&s, "category", "0102");
    cr_assert_neq(i, SIZE_MAX);
    cr_expect_eq(s.row[i].count, 3);
    cr_expect_eq(s.row[i].id, conf_category("event", "0102"));
    cr_expect_str_eq(s.row[i].name, "暴露垃圾");
    cr_expect_eq(count_of(&s, "category", "0104"), 1);
    cr_expect_eq(rows_in(&s, "category"), 2, "a case without a category is not counted there");

    // A year on, every open case is overdue and nothing is recent.
    struct stats later = overview(&district, now + 400 * WORKTIME_DAY_MS);
    cr_expect_eq(count_of(&later, "totals", "overdue"), 3);
    cr_expect_eq(count_of(&later, "totals", "created_30d"), 0);
    i = find_row(&later, "street", "440902001");
    cr_assert_neq(i, SIZE_MAX);
    cr_expect_eq(later.row[i].overdue, 2);

    // A street counts its own cases only.
    struct jurisdiction street = conf_jurisdiction(city.street1_supervisor);
    struct stats mine = overview(&street, now);
    cr_expect_eq(count_of(&mine, "totals", "open"), 2);
    cr_expect_eq(count_of(&mine, "totals", "created_30d"), 3);
    cr_expect_eq(count_of(&mine, "source", "12345"), 0);
    cr_expect_eq(rows_in(&mine, "street"), 1);
    cr_expect_eq(rows_in(&mine, "rating"), 0);
}

Test(calendar_stats, a_department_or_no_jurisdiction_counts_nothing)
{
    seed_stats_cases();
    struct jurisdiction department = conf_jurisdiction(city.municipal_user);
    const struct jurisdiction *nobody[] = {&department, NULL};
    for (size_t k = 0; k < COUNT_OF(nobody); k++) {
        struct stats s = overview(nobody[k], store_now_ms());
        for (size_t i = 0; i < s.n; i++)
            cr_expect_eq(s.row[i].count, 0, "%s %s", s.row[i].section, s.row[i].key);
        cr_expect_eq(rows_in(&s, "state") + rows_in(&s, "street") + rows_in(&s, "category"), 0);
    }
}
