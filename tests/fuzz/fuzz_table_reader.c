// SPDX-License-Identifier: MIT
// Fuzzes the table readers of the bulk import: the first byte picks CSV (0),
// XLSX (1) or detection (else), the rest is the file. On success: at most
// TABLE_MAX_ROWS rows, numbered upwards from 1, none blank, at most
// TABLE_MAX_COLUMNS cells of at most TABLE_MAX_CELL bytes, each valid UTF-8
// without NUL; and the table written back as CSV (every cell quoted) reads
// back to the same cells. On failure: an empty table and an error sentence.
// Input: a selector byte, then the file.
#include "fuzz.h"
#include "table_reader.h"

#include <string.h>

static bool utf8_ok(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        size_t n = c < 0x80             ? 0
                   : (c & 0xE0) == 0xC0 ? 1
                   : (c & 0xF0) == 0xE0 ? 2
                   : (c & 0xF8) == 0xF0 ? 3
                                        : 9;
        if (c == 0 || n == 9 || len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        i += n + 1;
    }
    return true;
}

// The table as CSV, every cell quoted; malloc'd.
static char *as_csv(const struct table *t, size_t *len)
{
    size_t size = 16;
    for (size_t r = 0; r < t->count; r++)
        for (size_t c = 0; c < t->rows[r].count; c++)
            size += 2 * strlen(t->rows[r].cells[c]) + 4;
    size += 2 * t->count;
    char *out = malloc(size), *p = out;
    FUZZ_CHECK(out != NULL, "out of memory");
    for (size_t r = 0; r < t->count; r++) {
        for (size_t c = 0; c < t->rows[r].count; c++) {
            if (c)
                *p++ = ',';
            *p++ = '"';
            for (const char *s = t->rows[r].cells[c]; *s; s++) {
                if (*s == '"')
                    *p++ = '"';
                *p++ = *s;
            }
            *p++ = '"';
        }
        *p++ = '\r';
        *p++ = '\n';
    }
    *len = (size_t)(p - out);
    return out;
}

static void check_table(const struct table *t)
{
    FUZZ_CHECK(t->count <= TABLE_MAX_ROWS, "%zu rows", t->count);
    size_t last = 0;
    for (size_t r = 0; r < t->count; r++) {
        const struct table_row *row = &t->rows[r];
        FUZZ_CHECK(row->number > last, "row %zu after %zu", row->number, last);
        last = row->number;
        FUZZ_CHECK(row->count >= 1 && row->count <= TABLE_MAX_COLUMNS, "%zu cells", row->count);
        bool blank = true;
        for (size_t c = 0; c < row->count; c++) {
            const char *cell = row->cells[c];
            size_t len = strlen(cell);
            FUZZ_CHECK(len <= TABLE_MAX_CELL, "a cell of %zu bytes", len);
            FUZZ_CHECK(utf8_ok((const unsigned char *)cell, len), "a cell not UTF-8");
            blank = blank && cell[strspn(cell, " \t")] == '\0';
        }
        FUZZ_CHECK(!blank, "row %zu is blank", row->number);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    struct table t;
    char error[200];
    int rc = data[0] == 0   ? table_read_csv(data + 1, size - 1, &t, error, sizeof error)
             : data[0] == 1 ? table_read_xlsx(data + 1, size - 1, &t, error, sizeof error)
                            : table_read(data + 1, size - 1, &t, error, sizeof error);
    if (rc != 0) {
        FUZZ_CHECK(t.count == 0 && t.rows == NULL, "a failed read left rows");
        FUZZ_CHECK(error[0] != '\0', "a failure without a sentence");
        return 0;
    }
    check_table(&t);
    size_t len = 0;
    char *csv = as_csv(&t, &len);
    struct table again;
    FUZZ_CHECK(table_read_csv(csv, len, &again, error, sizeof error) == 0, "round trip: %s", error);
    FUZZ_CHECK(again.count == t.count, "round trip: %zu rows, not %zu", again.count, t.count);
    for (size_t r = 0; r < t.count; r++) {
        FUZZ_CHECK(again.rows[r].count == t.rows[r].count, "round trip: row %zu width", r);
        for (size_t c = 0; c < t.rows[r].count; c++)
            FUZZ_CHECK(strcmp(again.rows[r].cells[c], t.rows[r].cells[c]) == 0,
                       "round trip: row %zu cell %zu", r, c);
    }
    free(csv);
    table_free(&again);
    table_free(&t);
    return 0;
}
