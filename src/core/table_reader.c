// SPDX-License-Identifier: MIT
// The table builder shared by both readers, and the CSV reader: RFC 4180
// records, a UTF-8 BOM dropped, text that is not UTF-8 taken as GB18030 (a
// superset of GBK) and converted with iconv. The XLSX reader is table_xlsx.c.
#include "table_reader.h"

#include "table_build.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---- the builder ----

void table_fail(struct table_build *b, const char *format, ...)
{
    if (b->failed)
        return;
    b->failed = true;
    va_list args;
    va_start(args, format);
    vsnprintf(b->error, b->error_size, format, args);
    va_end(args);
}

void table_cell_add(struct table_build *b, size_t column, const char *text, size_t len)
{
    if (b->failed)
        return;
    if (column >= TABLE_MAX_COLUMNS) {
        table_fail(b, "row %zu: more than %d columns", b->row_number, TABLE_MAX_COLUMNS);
        return;
    }
    if (len > TABLE_MAX_CELL) {
        table_fail(b, "row %zu: a cell longer than %d bytes", b->row_number, TABLE_MAX_CELL);
        return;
    }
    while (b->cell_count <= column)
        b->cells[b->cell_count++] = NULL;
    free(b->cells[column]);
    b->cells[column] = strndup(text, len);
    if (b->cells[column] == NULL)
        table_fail(b, "out of memory");
}

// Whether every cell of the row being built is empty or blank.
static bool row_blank(const struct table_build *b)
{
    for (size_t i = 0; i < b->cell_count; i++)
        if (b->cells[i] != NULL && b->cells[i][strspn(b->cells[i], " \t")] != '\0')
            return false;
    return true;
}

static void cells_clear(struct table_build *b)
{
    for (size_t i = 0; i < b->cell_count; i++)
        free(b->cells[i]);
    b->cell_count = 0;
}

void table_row_end(struct table_build *b)
{
    struct table *t = b->table;
    if (b->failed || row_blank(b)) {
        cells_clear(b);
        return;
    }
    if (t->count >= TABLE_MAX_ROWS) {
        cells_clear(b);
        table_fail(b, "more than %d rows: split the file", TABLE_MAX_ROWS);
        return;
    }
    if (t->count == b->capacity) {
        size_t capacity = b->capacity ? b->capacity * 2 : 64;
        struct table_row *rows = realloc(t->rows, capacity * sizeof *rows);
        if (rows == NULL) {
            cells_clear(b);
            table_fail(b, "out of memory");
            return;
        }
        t->rows = rows;
        b->capacity = capacity;
    }
    struct table_row *row = &t->rows[t->count];
    row->number = b->row_number;
    row->count = b->cell_count;
    row->cells = calloc(b->cell_count, sizeof *row->cells);
    if (row->cells == NULL) {
        cells_clear(b);
        table_fail(b, "out of memory");
        return;
    }
    for (size_t i = 0; i < b->cell_count; i++)
        row->cells[i] = b->cells[i] ? b->cells[i] : strdup("");
    b->cell_count = 0;
    t->count++;
    for (size_t i = 0; i < row->count; i++)
        if (row->cells[i] == NULL)
            table_fail(b, "out of memory");
}

void table_build_begin(struct table_build *b, struct table *out, char *error, size_t error_size)
{
    memset(b, 0, sizeof *b);
    memset(out, 0, sizeof *out);
    b->table = out;
    b->error = error;
    b->error_size = error_size;
    if (error_size > 0)
        error[0] = '\0';
}

int table_build_end(struct table_build *b)
{
    cells_clear(b);
    if (!b->failed)
        return 0;
    table_free(b->table);
    return -1;
}

const char *table_cell(const struct table_row *row, size_t column)
{
    return column < row->count ? row->cells[column] : "";
}

void table_free(struct table *table)
{
    if (table == NULL)
        return;
    for (size_t r = 0; r < table->count; r++) {
        for (size_t c = 0; c < table->rows[r].count; c++)
            free(table->rows[r].cells[c]);
        free(table->rows[r].cells);
    }
    free(table->rows);
    memset(table, 0, sizeof *table);
}

enum table_format table_detect(const void *data, size_t len)
{
    return len >= 4 && memcmp(data, "PK\3\4", 4) == 0 ? TABLE_XLSX : TABLE_CSV;
}

int table_read(const void *data, size_t len, struct table *out, char *error, size_t error_size)
{
    return table_detect(data, len) == TABLE_XLSX
               ? table_read_xlsx(data, len, out, error, error_size)
               : table_read_csv(data, len, out, error, error_size);
}

// ---- CSV ----

// Whether len bytes are well-formed UTF-8 (no overlongs, surrogates or NULs).
static bool utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 0;
        if (n == 0 || (n == 1 && c < 0xC2) || c > 0xF4 || len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        if (n == 2 && ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] >= 0xA0)))
            return false;
        if (n == 3 && ((c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] >= 0x90)))
            return false;
        i += n + 1;
    }
    return true;
}

// Converts len bytes of GB18030 into malloc'd UTF-8 (*out, *out_len). Returns
// 0, or -1 when the bytes are not GB18030 either.
static int gb18030_to_utf8(const char *in, size_t len, char **out, size_t *out_len)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return -1;
    size_t capacity = len * 2 + 16; // 2 GB18030 bytes -> 3 UTF-8; 4 -> 4
    char *buffer = malloc(capacity);
    char *src = (char *)(uintptr_t)in, *dst = buffer;
    size_t left = len, room = capacity;
    size_t rc = buffer ? iconv(cd, &src, &left, &dst, &room) : (size_t)-1;
    iconv_close(cd);
    if (rc == (size_t)-1 || left != 0 || !utf8_valid((unsigned char *)buffer, capacity - room)) {
        free(buffer);
        return -1;
    }
    *out = buffer;
    *out_len = capacity - room;
    return 0;
}

// Parses UTF-8 CSV text into the builder.
static void csv_parse(struct table_build *b, const char *s, size_t len)
{
    char *cell = malloc(TABLE_MAX_CELL + 1);
    if (cell == NULL) {
        table_fail(b, "out of memory");
        return;
    }
    size_t i = 0, column = 0, cell_len = 0;
    bool quoted = false, was_quoted = false, overflow = false;
    b->row_number = 1;
    while (i <= len && !b->failed) {
        char c = i < len ? s[i] : '\n';
        bool end = i == len;
        i++;
        if (quoted && !end) {
            if (c == '"' && i < len && s[i] == '"')
                i++;
            else if (c == '"') {
                quoted = false;
                continue;
            }
            overflow |= cell_len == TABLE_MAX_CELL;
            if (!overflow)
                cell[cell_len++] = c;
            continue;
        }
        if (quoted) {
            table_fail(b, "row %zu: a quoted field is not closed", b->row_number);
            break;
        }
        if (c == '"' && cell_len == 0 && !was_quoted) {
            quoted = was_quoted = true;
            continue;
        }
        if (c == ',' || c == '\n' || c == '\r') {
            if (overflow)
                table_fail(b, "row %zu: a cell longer than %d bytes", b->row_number,
                           TABLE_MAX_CELL);
            table_cell_add(b, column++, cell, cell_len);
            cell_len = 0;
            was_quoted = overflow = false;
            if (c == ',')
                continue;
            if (c == '\r' && i < len && s[i] == '\n')
                i++;
            table_row_end(b);
            b->row_number++;
            column = 0;
            if (i >= len)
                break;
            continue;
        }
        if (was_quoted) {
            table_fail(b,
                       "row %zu: text after a closing quote (a quote inside a quoted field "
                       "is written twice: \"\")",
                       b->row_number);
            break;
        }
        overflow |= cell_len == TABLE_MAX_CELL;
        if (!overflow)
            cell[cell_len++] = c;
    }
    free(cell);
}

int table_read_csv(const void *data, size_t len, struct table *out, char *error, size_t error_size)
{
    struct table_build b;
    table_build_begin(&b, out, error, error_size);
    const char *text = data;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    char *converted = NULL;
    if (!utf8_valid((const unsigned char *)text, len)) {
        size_t converted_len = 0;
        if (memchr(text, '\0', len) != NULL ||
            gb18030_to_utf8(text, len, &converted, &converted_len) != 0) {
            table_fail(&b, "the file is neither UTF-8 nor GB18030 (GBK) text");
            return table_build_end(&b);
        }
        text = converted;
        len = converted_len;
        out->converted = true;
    }
    csv_parse(&b, text, len);
    free(converted);
    return table_build_end(&b);
}
