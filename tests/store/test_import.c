// SPDX-License-Identifier: MIT
// Store conformance, bulk import (store_import.h): units whose parents come
// earlier in the same import, each with its audit entry and one for the
// import; a failing row stores nothing of the import and appends nothing.
#include "fixture.h"

#include "store_import.h"
#include "store_places.h"
#include "store_snapshots.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

TestSuite(import, .init = conf_setup, .fini = conf_teardown);

// The admin audit log's entries, after checking its chain.
static int64_t admin_log_entries(void)
{
    struct store_audit_log_report report;
    cr_assert_eq(store_audit_log_verify(store, &report), STORE_OK);
    cr_assert_eq(report.broken_entry, 0, "%s", report.problem);
    return report.entries;
}

static struct store_import_unit unit(const char *code, const char *type, int64_t parent_id,
                                     long parent_index, const char *kind)
{
    struct store_import_unit out = {.parent_index = parent_index};
    snprintf(out.unit.code, sizeof out.unit.code, "%s", code);
    snprintf(out.unit.type, sizeof out.unit.type, "%s", type);
    snprintf(out.unit.name, sizeof out.unit.name, "单位 %s", code);
    snprintf(out.unit.department_kind, sizeof out.unit.department_kind, "%s", kind);
    out.unit.parent_id = parent_id;
    return out;
}

static const struct store_actor ADMIN = {0, "system", "test import"};
static const struct store_import_summary SUMMARY = {"org_units", "csv", "00", 3, 3, 0};

Test(import, units_with_parents_in_the_import_and_their_audit)
{
    int64_t chain = admin_log_entries();
    struct store_import_unit units[] = {
        unit("440902003", "street", city.district, -1, ""),
        unit("440902003001", "community", 0, 0, ""),
        unit("440902003-D01", "department", 0, 0, "street_office"),
    };
    int64_t ids[3] = {0};
    cr_assert_eq(store_import_org_units(store, &ADMIN, units, 3, &SUMMARY, ids), STORE_OK);
    struct store_org_unit street, community;
    cr_assert_eq(store_org_unit_find(store, "440902003", &street), STORE_OK);
    cr_assert_eq(store_org_unit_find(store, "440902003001", &community), STORE_OK);
    cr_expect_eq(street.id, ids[0]);
    cr_expect_eq(community.parent_id, street.id);
    cr_expect_eq(strncmp(community.path, street.path, strlen(street.path)), 0);
    cr_expect_eq(admin_log_entries(), chain + 4, "three creations and the import");
}

Test(import, a_failing_row_stores_nothing)
{
    int64_t chain = admin_log_entries();
    struct store_import_unit units[] = {
        unit("440902004", "street", city.district, -1, ""),
        unit("440902001", "street", city.district, -1, ""), // taken
    };
    cr_assert_eq(store_import_org_units(store, &ADMIN, units, 2, &SUMMARY, NULL), STORE_CONFLICT);
    struct store_org_unit street;
    cr_expect_eq(store_org_unit_find(store, "440902004", &street), STORE_NOT_FOUND);
    cr_expect_eq(admin_log_entries(), chain);
}
