// SPDX-License-Identifier: MIT
// Store conformance, the public map of reports (store_public_reports.h): the
// public cases of a cell or a box (open, closed since the cut-off, newest first
// and paged), "me too" counted once per client, and moderation: all or nothing,
// with its case event.
#include "fixture.h"

#include "store_public_reports.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

TestSuite(public_reports, .init = conf_setup, .fini = conf_teardown);

struct listed {
    int count;
    char case_no[8][16];
    bool hidden[8];
    int metoo[8];
    int photos[8];
};

static void collect(const struct store_public_report *r, void *data)
{
    struct listed *l = data;
    if (l->count >= 8)
        return;
    snprintf(l->case_no[l->count], sizeof l->case_no[0], "%s", r->case_no);
    l->hidden[l->count] = r->text_hidden;
    l->metoo[l->count] = r->metoo_count;
    l->photos[l->count] = r->photo_count;
    l->count++;
}

static struct listed list_cell(const char *code, int64_t since, int limit, int64_t before_created,
                               int64_t before_id)
{
    struct store_public_filter f = {.grid_code = code,
                                    .closed_since = since,
                                    .limit = limit,
                                    .before_created = before_created,
                                    .before_id = before_id};
    struct listed l = {0};
    cr_assert_eq(store_public_report_list(store, &f, collect, &l), STORE_OK);
    return l;
}

static struct listed list_box(int64_t grid_id)
{
    double lon, lat;
    conf_cell_centre(grid_id, &lon, &lat);
    struct store_public_filter f = {.has_box = true,
                                    .min_lon = lon - 0.0001,
                                    .min_lat = lat - 0.0001,
                                    .max_lon = lon + 0.0001,
                                    .max_lat = lat + 0.0001,
                                    .limit = 8,
                                    .before_created = INT64_MAX,
                                    .before_id = INT64_MAX};
    struct listed l = {0};
    cr_assert_eq(store_public_report_list(store, &f, collect, &l), STORE_OK);
    return l;
}

Test(public_reports, cells_boxes_windows_and_pages)
{
    struct store_case older = conf_report("路灯不亮", city.grid_a1, NULL, NULL);
    struct store_case newer = conf_report("井盖缺失", city.grid_a1, NULL, NULL);
    struct store_case other = conf_report("垃圾满溢", city.grid_b1, NULL, NULL);
    struct store_case stored = conf_get(older.id);
    char code[16];
    snprintf(code, sizeof code, "%s", stored.grid_code);
    struct listed l = list_cell(code, 0, 8, INT64_MAX, INT64_MAX);
    cr_assert_eq(l.count, 2);
    cr_expect_str_eq(l.case_no[0], newer.case_no, "newest first");
    cr_expect_str_eq(l.case_no[1], older.case_no);
    // A page of one, then the next after it.
    l = list_cell(code, 0, 1, INT64_MAX, INT64_MAX);
    cr_assert_eq(l.count, 1);
    struct store_case n = conf_get(newer.id);
    l = list_cell(code, 0, 1, n.created_at, n.id);
    cr_assert_eq(l.count, 1);
    cr_expect_str_eq(l.case_no[0], older.case_no);
    // A box around B1's centre holds only the B1 case.
    l = list_box(city.grid_b1);
    cr_assert_eq(l.count, 1);
    cr_expect_str_eq(l.case_no[0], other.case_no);
    // Closed: listed while closed since the cut-off, gone before it.
    conf_close(&older);
    int64_t closed_at = conf_get(older.id).closed_at;
    cr_expect_eq(list_cell(code, closed_at, 8, INT64_MAX, INT64_MAX).count, 2);
    cr_expect_eq(list_cell(code, closed_at + 1, 8, INT64_MAX, INT64_MAX).count, 1);
    struct store_public_filter unknown = {.grid_code = "999999999999999", .limit = 8};
    struct listed none = {0};
    cr_expect_eq(store_public_report_list(store, &unknown, collect, &none), STORE_NOT_FOUND);
}

Test(public_reports, me_too_once_per_client)
{
    struct store_case c = conf_report("路面塌陷", city.grid_a2, NULL, NULL);
    int count = -1;
    bool counted = false;
    cr_assert_eq(store_public_metoo(store, c.case_no, "client-1", 0, &count, &counted), STORE_OK);
    cr_expect(counted);
    cr_expect_eq(count, 1);
    cr_assert_eq(store_public_metoo(store, c.case_no, "client-1", 0, &count, &counted), STORE_OK);
    cr_expect_not(counted, "the same client again");
    cr_expect_eq(count, 1);
    cr_assert_eq(store_public_metoo(store, c.case_no, "client-2", 0, &count, &counted), STORE_OK);
    cr_expect_eq(count, 2);
    cr_expect_eq(store_public_metoo(store, "20990101999999", "client-1", 0, &count, &counted),
                 STORE_NOT_FOUND);
    conf_close(&c);
    cr_expect_eq(store_public_metoo(store, c.case_no, "client-3", 0, &count, &counted),
                 STORE_INVALID, "a closed case takes no me too");
    cr_expect_eq(store_public_metoo(store, c.case_no, "client-3", INT64_MAX, &count, &counted),
                 STORE_NOT_FOUND, "closed before the cut-off: not public");
}

// Counts a case's photos (seen[0]), the public ones (seen[1]), and keeps the
// last id (seen[2]).
static void count_photo(int64_t id, const char *hash, const char *stage, bool is_public, void *data)
{
    (void)hash, (void)stage;
    int64_t *seen = data;
    seen[0]++;
    seen[1] += is_public;
    seen[2] = id;
}

// The id of the case's only photo, checking it starts private.
static int64_t only_photo(int64_t case_id)
{
    bool hidden = true;
    int metoo = -1;
    int64_t seen[3] = {0, 0, 0};
    cr_assert_eq(store_public_settings(store, case_id, &hidden, &metoo, count_photo, seen),
                 STORE_OK);
    cr_expect_not(hidden);
    cr_expect_eq(metoo, 0);
    cr_assert_eq(seen[0], 1);
    cr_expect_eq(seen[1], 0, "photos start private");
    return seen[2];
}

Test(public_reports, moderation_is_all_or_nothing_and_logged)
{
    struct store_case c = conf_report("门口堆放杂物", city.grid_a1, NULL, NULL);
    struct store_case other = conf_report("树枝折断", city.grid_a1, NULL, NULL);
    conf_photo(c.id, "report", city.street1_supervisor, NULL);
    conf_photo(other.id, "report", city.street1_supervisor, NULL);
    int64_t photo_c = only_photo(c.id), photo_other = only_photo(other.id);
    size_t before = conf_events(c.id, NULL, 0);
    bool make_public[1] = {true};
    struct store_public_moderation m = {.case_id = c.id,
                                        .text_hidden = 1,
                                        .photo_count = 1,
                                        .photo_ids = &photo_other,
                                        .photo_public = make_public,
                                        .reason = "含有住址",
                                        .actor_user_id = city.street1_supervisor,
                                        .actor_role = "supervisor",
                                        .actor_name = "街道值班长"};
    cr_expect_eq(store_public_moderate(store, &m), STORE_INVALID, "another case's photo");
    cr_expect_eq(conf_events(c.id, NULL, 0), before, "no event");
    char code[16];
    snprintf(code, sizeof code, "%s", conf_get(c.id).grid_code);
    struct listed l = list_cell(code, 0, 8, INT64_MAX, INT64_MAX);
    cr_assert_eq(l.count, 2);
    cr_expect_not(l.hidden[0] || l.hidden[1], "nothing half-written");
    m.photo_ids = &photo_c;
    cr_assert_eq(store_public_moderate(store, &m), STORE_OK);
    struct store_case_event events[16];
    size_t n = conf_events(c.id, events, 16);
    cr_assert_eq(n, before + 1);
    cr_expect_str_eq(events[n - 1].action, "moderate");
    cr_expect_str_eq(events[n - 1].note, "含有住址");
    cr_expect_str_eq(events[n - 1].actor_name, "街道值班长");
    l = list_cell(code, 0, 8, INT64_MAX, INT64_MAX);
    for (int i = 0; i < l.count; i++) {
        bool mine = strcmp(l.case_no[i], c.case_no) == 0;
        cr_expect_eq(l.hidden[i], mine);
        cr_expect_eq(l.photos[i], mine ? 1 : 0);
    }
    cr_expect_eq(conf_audit_count() > 0, true, "the chain verifies");
}
