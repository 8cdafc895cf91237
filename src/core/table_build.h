// SPDX-License-Identifier: MIT
// Private to the table readers: the builder that collects cells into rows,
// keeps the limits and the first error.
#ifndef CHENGGUAN_TABLE_BUILD_H
#define CHENGGUAN_TABLE_BUILD_H

#include "table_reader.h"

#include <stdbool.h>
#include <stddef.h>

struct table_build {
    struct table *table;
    size_t capacity;                // rows allocated in table->rows
    size_t row_number;              // the row being read, as a spreadsheet counts
    size_t cell_count;              // cells of the row being read
    char *cells[TABLE_MAX_COLUMNS]; // malloc'd, NULL for a gap
    char *error;
    size_t error_size;
    bool failed;
};

// Starts building into out (emptied); error receives the first failure.
void table_build_begin(struct table_build *b, struct table *out, char *error, size_t error_size);

// Sets cell column of the current row to len bytes of text (past the limits: a failure).
void table_cell_add(struct table_build *b, size_t column, const char *text, size_t len);

// Ends the current row: kept unless blank; past TABLE_MAX_ROWS a failure.
void table_row_end(struct table_build *b);

// Records the first failure (printf format); later ones are ignored.
void table_fail(struct table_build *b, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

// Finishes: 0, or -1 after a failure (the table emptied).
int table_build_end(struct table_build *b);

#endif
