// SPDX-License-Identifier: MIT
// Reading a table of text cells from the files bureaus keep: CSV (RFC 4180,
// UTF-8 with or without a BOM, or GB18030/GBK as Excel on Chinese Windows saves
// it, CRLF or LF) and XLSX (the first sheet, shared and inline strings, numbers,
// gaps). Bounded: rows, columns, cell size and, for XLSX, the uncompressed size.
#ifndef CHENGGUAN_TABLE_READER_H
#define CHENGGUAN_TABLE_READER_H

#include <stdbool.h>
#include <stddef.h>

// Most rows a table may hold (the header included), most columns, most bytes
// of one cell, most bytes a part of an XLSX file may inflate to.
#define TABLE_MAX_ROWS     100000
#define TABLE_MAX_COLUMNS  64
#define TABLE_MAX_CELL     4096
#define TABLE_MAX_INFLATED (64u * 1024 * 1024)

// One non-empty row: number is its row as a spreadsheet shows it (the first
// row is 1; for CSV a record with a line break inside quotes is one row), cells
// its count cells as UTF-8 text ("" for an empty or missing cell).
struct table_row {
    size_t number;
    size_t count;
    char **cells;
};

// A table; rows that are entirely empty are left out (numbers keep counting).
struct table {
    size_t count;
    struct table_row *rows;
    bool converted; // CSV only: the text was GB18030 and converted to UTF-8
};

enum table_format { TABLE_CSV, TABLE_XLSX };

// The format of data: XLSX when it starts with the ZIP magic "PK\3\4", else CSV.
enum table_format table_detect(const void *data, size_t len);

// Reads len bytes of CSV into *out. Returns 0, or -1 with a sentence in
// error (size error_size) saying what is wrong and where (row). The caller
// frees *out with table_free, also after a failure (then it is empty).
int table_read_csv(const void *data, size_t len, struct table *out, char *error, size_t error_size);

// Reads the first sheet of len bytes of XLSX into *out, as table_read_csv.
int table_read_xlsx(const void *data, size_t len, struct table *out, char *error,
                    size_t error_size);

// Reads len bytes in the format table_detect finds, as table_read_csv.
int table_read(const void *data, size_t len, struct table *out, char *error, size_t error_size);

// The text of cell column of row, "" when the row is shorter.
const char *table_cell(const struct table_row *row, size_t column);

// Frees what the table holds and empties it. NULL is fine.
void table_free(struct table *table);

#endif
