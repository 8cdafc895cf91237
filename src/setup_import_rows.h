// SPDX-License-Identifier: MIT
// Private to the bulk import: the state of one import and the helpers the
// per-kind checks (setup_import_rows.c) share with the driver (setup_import.c).
#ifndef CHENGGUAN_SETUP_IMPORT_ROWS_H
#define CHENGGUAN_SETUP_IMPORT_ROWS_H

#include "setup_import.h"
#include "setup_rules.h"
#include "store_import.h"
#include "table_reader.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#define IMPORT_MAX_FIELDS 8

struct import;

// One column of a kind: its English and Chinese names (and another accepted
// name), whether every row needs it, and the template's example.
struct import_column {
    const char *field, *zh, *alt;
    bool required;
    const char *example;
};

struct import_kind_def {
    const char *name;  // as in the path: org-units
    const char *audit; // as in the audit log: org_units
    const struct import_column *columns;
    size_t count;
    // Checks every row, then stores the good ones unless import_storing says
    // no. Returns a STORE_* result of the store (STORE_OK when nothing was to be stored).
    int (*run)(struct import *im);
};

// What is wrong with a data row (the first problem found).
struct row_problem {
    bool bad;
    const char *field;
    const char *code;
    char message[256];
};

struct import {
    struct store *store;
    const struct setup_import_request *request;
    const struct import_kind_def *kind;
    struct table table;
    char format[8];
    char sha256[65];
    int column_of[IMPORT_MAX_FIELDS]; // the file's column of each field, -1 when absent
    size_t count;                     // data rows: table.rows[1..count]
    struct row_problem *problems;     // one per data row
    size_t imported;
    struct store_import_summary summary; // kind, format, sha256, rows; counts by import_summary
    cJSON *passwords;                    // generated passwords, once stored
};

extern const struct import_kind_def IMPORT_KINDS[4];

// The trimmed text of field (index into the kind's columns) in data row i,
// "" when the column is absent or the cell empty.
const char *import_value(const struct import *im, size_t i, int field);

// The same, NULL instead of "".
const char *import_optional(const struct import *im, size_t i, int field);

// The spreadsheet row number of data row i.
size_t import_row_number(const struct import *im, size_t i);

// Marks data row i bad (unless it is already) with code and a message naming field.
void import_fail(struct import *im, size_t i, const char *field, const char *code,
                 const char *format, ...) __attribute__((format(printf, 5, 6)));

// Marks data row i bad with a setup rule's problem.
void import_fail_rule(struct import *im, size_t i, const struct setup_problem *problem);

// Marks the later rows whose keys[i] (NULL: none) repeat an earlier row's as
// "duplicate" of field; ignore_case compares ASCII letters without case.
void import_duplicates(struct import *im, char *const *keys, const char *field, bool ignore_case);

// The audit summary for storing n rows (sets imported and skipped, here and in im).
const struct store_import_summary *import_summary(struct import *im, size_t n);

// Whether the good rows are to be stored: partial, or no row is bad.
bool import_storing(const struct import *im);

#endif
