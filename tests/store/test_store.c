// SPDX-License-Identifier: MIT
// Store conformance: opening, schema versions, time, integrity, online backup
// and settings (store.h, store_setting_*), and that the fixture's city is what
// the places and users functions say it is.
//
// Every file of tests/store runs against the engine CHENGGUAN_TEST_STORE names
// (see fixture.h; default: a fresh SQLite file per test under tests/.tmp/). An
// engine is done when every test here passes against it.
#include "fixture.h"

#include "store_places.h"
#include "store_users.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

TestSuite(store, .init = conf_setup, .fini = conf_teardown);

Test(store, a_fresh_store_is_migrated_to_the_latest_schema)
{
    cr_expect_gt(store_latest_schema_version(), 0);
    cr_expect_eq(store_schema_version(store), store_latest_schema_version());
    cr_expect(store_integrity_ok(store));
}

Test(store, reopening_keeps_what_was_written)
{
    struct store_case c = conf_report("人行道上有暴露垃圾", city.grid_a1, "event", "0102");
    store_close(store);
    char err[256] = "";
    struct store_options options = {.path = conf_location(), .durable = true};
    store = store_open(&options, err, sizeof err);
    cr_assert_not_null(store, "reopen: %s", err);
    cr_expect_eq(store_schema_version(store), store_latest_schema_version());
    struct store_case again = conf_get(c.id);
    cr_expect_str_eq(again.case_no, c.case_no);
    cr_expect_str_eq(again.description, "人行道上有暴露垃圾");
    cr_expect_eq(store_user_count(store), 8);
}

Test(store, close_accepts_null)
{
    store_close(NULL);
}

Test(store, now_is_epoch_milliseconds)
{
    int64_t a = store_now_ms();
    cr_expect_gt(a, 1700000000000LL); // after November 2023
    cr_expect_lt(a, 4102444800000LL); // before 2100
    cr_expect_geq(store_now_ms(), a);
}

Test(store, backup_writes_a_consistent_copy_and_refuses_an_existing_file)
{
    struct store_case c = conf_report("井盖缺失", city.grid_a1, "component", "0103");
    char dest[600], err[256] = "";
    snprintf(dest, sizeof dest, "%s/backup.db", conf_data_dir);
    if (!conf_store_is_file()) {
        // A server's database is copied with the server's own tools.
        cr_expect_eq(store_backup(store, dest, NULL, err, sizeof err), -1);
        cr_expect_not_null(strstr(err, "pg_dump"), "%s", err);
        struct stat st;
        cr_expect_neq(stat(dest, &st), 0, "nothing is written");
        return;
    }
    cr_assert_eq(store_backup(store, dest, NULL, err, sizeof err), 0, "%s", err);
    struct stat st;
    cr_assert_eq(stat(dest, &st), 0);
    cr_expect_gt(st.st_size, 0);
    err[0] = '\0';
    cr_expect_eq(store_backup(store, dest, NULL, err, sizeof err), -1, "an existing file is refused");
    cr_expect_neq(err[0], '\0', "with a reason");
    // The copy is a store of its own holding the case.
    struct store_options options = {.path = dest};
    struct store *copy = store_open(&options, err, sizeof err);
    cr_assert_not_null(copy, "%s", err);
    struct store_case found;
    cr_expect_eq(store_case_get(copy, c.id, &found), STORE_OK);
    cr_expect_str_eq(found.case_no, c.case_no);
    store_close(copy);
    char path[640];
    snprintf(path, sizeof path, "%s-wal", dest);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", dest);
    unlink(path);
}

Test(store, settings_are_set_once)
{
    char value[64] = "unchanged";
    cr_expect_eq(store_setting_get(store, "conformance.key", value, sizeof value), STORE_NOT_FOUND);
    cr_expect_str_eq(value, "unchanged");
    cr_expect_eq(store_setting_init(store, "conformance.key", "first"), STORE_OK);
    cr_expect_eq(store_setting_init(store, "conformance.key", "second"), STORE_OK);
    cr_assert_eq(store_setting_get(store, "conformance.key", value, sizeof value), STORE_OK);
    cr_expect_str_eq(value, "first", "a setting already set keeps its value");
    char small[4];
    cr_assert_eq(store_setting_get(store, "conformance.key", small, sizeof small), STORE_OK);
    cr_expect_str_eq(small, "fir", "a small buffer gets a terminated prefix");
}

Test(store, the_fixture_city_is_stored)
{
    struct store_org_unit unit;
    cr_assert_eq(store_org_unit_get(store, city.community_a, &unit), STORE_OK);
    cr_expect_str_eq(unit.code, "440902001001");
    cr_expect_eq(unit.parent_id, city.street1);
    cr_expect_neq(city.grid_a1, city.grid_a2);
    cr_expect_neq(city.grid_a1, city.grid_b1);
    cr_expect_eq(store_user_count(store), 8);
    cr_expect(worktime_calendar_valid(&city.calendar));
}
