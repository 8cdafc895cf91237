// SPDX-License-Identifier: MIT
// Bulk import of a city's set-up data from CSV or XLSX (table_reader.h): org
// units, accounts, routing rows and grid assignments. The header row names the
// columns in Chinese or English; every data row is checked with the one-row
// API's rules (setup_rules.h), duplicates within the file and against the
// store are found, org units may name parents further down the file. Then
// everything is stored in one transaction (store_import.h), or with partial
// the good rows only; any bad row otherwise stores nothing. Holds no SQL.
#ifndef CHENGGUAN_SETUP_IMPORT_H
#define CHENGGUAN_SETUP_IMPORT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

struct jurisdiction;
struct store;
struct store_actor;

enum setup_import_kind {
    SETUP_IMPORT_ORG_UNITS,
    SETUP_IMPORT_USERS,
    SETUP_IMPORT_ROUTING,
    SETUP_IMPORT_ASSIGNMENTS,
};

enum setup_import_result {
    SETUP_IMPORT_ERROR = -1,     // the store failed: nothing imported
    SETUP_IMPORT_OK = 0,         // every row imported
    SETUP_IMPORT_REJECTED = 1,   // bad rows: nothing imported, or with partial the good rows
    SETUP_IMPORT_UNREADABLE = 2, // not CSV or XLSX, too big, or a bad header: nothing imported
    SETUP_IMPORT_FULL = 3,       // the disk is full: nothing imported
};

struct setup_import_request {
    enum setup_import_kind kind;
    const void *data; // the file
    size_t len;
    bool partial;                            // import the good rows, skip the bad
    const struct jurisdiction *jurisdiction; // where the rows may reach
    const struct store_actor *actor;         // who imports, for the audit log
};

// The kind named "org-units", "users", "routing" or "assignments" (or with
// '_' for '-') into *out. False for any other name.
bool setup_import_kind_parse(const char *name, enum setup_import_kind *out);

// Runs one import. *report (always set; the caller owns it) is {"kind",
// "format": "csv"|"xlsx", "encoding": "utf-8"|"gb18030" (CSV), "partial",
// "rows" (data rows), "imported", "skipped", "errors": [{"row" (as the sheet
// counts, header = 1), "column" ("C"), "header" (as written), "field",
// "code", "message"}]} and, for accounts whose password column was empty,
// "passwords": [{"row", "username", "password"}] (shown once; only when
// stored). SETUP_IMPORT_UNREADABLE adds "error": {"code": "invalid_file" or
// "invalid_header", "message"}. Returns an enum setup_import_result.
int setup_import_run(struct store *store, const struct setup_import_request *request,
                     cJSON **report);

// The template of a kind: the header row (Chinese names) and an example row,
// as CSV (UTF-8 with a BOM, CRLF) or XLSX, in a malloc'd buffer the caller
// frees. Returns 0, or -1 when it cannot be made.
int setup_import_template(enum setup_import_kind kind, bool xlsx, char **out, size_t *len);

// `chengguan import org-units|users|routing|assignments FILE [--partial]` with
// the common options; argv[1] is the kind (main's argv shifted by one). Prints
// the report as JSON. Returns 0 when imported, 1 when rejected or failed, 2
// for bad usage.
int setup_import_command(int argc, char **argv);

#endif
