// SPDX-License-Identifier: MIT
// The table readers: CSV (quoting, BOM, GBK, CRLF, ragged rows, limits) and
// XLSX (files written here with libxlsxwriter and read back: shared strings,
// numbers, gaps; a damaged file and a zip bomb refused).
#include "table_reader.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

static struct table read_csv_ok(const char *text)
{
    struct table t;
    char error[200];
    int rc = table_read_csv(text, strlen(text), &t, error, sizeof error);
    cr_assert_eq(rc, 0, "%s", error);
    return t;
}

Test(table_csv, quoting_and_crlf)
{
    struct table t =
        read_csv_ok("code,name\r\n\"440902\",\"a, \"\"b\"\"\"\r\n1,\"two\r\nlines\"\r\n3,x");
    cr_assert_eq(t.count, 4);
    cr_assert_str_eq(table_cell(&t.rows[1], 1), "a, \"b\"");
    cr_assert_str_eq(table_cell(&t.rows[2], 1), "two\r\nlines");
    cr_assert_eq(t.rows[3].number, 4, "a record spanning two lines is one row");
    cr_assert_str_eq(table_cell(&t.rows[3], 1), "x");
    table_free(&t);
}

Test(table_csv, bom_lf_blank_and_ragged_rows)
{
    struct table t = read_csv_ok("\xEF\xBB\xBF代码,名称\n\n440902,茂南区,extra\n440903\n,,\n");
    cr_assert_eq(t.count, 3, "blank rows are left out");
    cr_assert_str_eq(table_cell(&t.rows[0], 0), "代码", "the BOM is dropped");
    cr_assert_eq(t.rows[1].number, 3);
    cr_assert_eq(t.rows[1].count, 3);
    cr_assert_eq(t.rows[2].count, 1);
    cr_assert_str_eq(table_cell(&t.rows[2], 1), "", "a missing cell reads empty");
    cr_assert_not(t.converted);
    table_free(&t);
}

Test(table_csv, gbk_is_converted)
{
    // "代码,名称\r\n440902,茂南区\r\n" in GBK.
    const char gbk[] = "\xB4\xFA\xC2\xEB,\xC3\xFB\xB3\xC6\r\n440902,\xC3\xAF\xC4\xCF\xC7\xF8\r\n";
    struct table t = read_csv_ok(gbk);
    cr_assert(t.converted);
    cr_assert_eq(t.count, 2);
    cr_assert_str_eq(table_cell(&t.rows[0], 0), "代码");
    cr_assert_str_eq(table_cell(&t.rows[1], 1), "茂南区");
    table_free(&t);
}

Test(table_csv, errors_name_the_row)
{
    struct table t;
    char error[200];
    cr_assert_eq(table_read_csv("a\n\"open\n", 8, &t, error, sizeof error), -1);
    cr_assert(strstr(error, "row 2") != NULL, "%s", error);
    cr_assert_eq(t.count, 0);
    cr_assert_eq(table_read_csv("a\n\"x\"y\n", 7, &t, error, sizeof error), -1);
    cr_assert(strstr(error, "row 2") != NULL, "%s", error);
    cr_assert_eq(table_read_csv("a\0b", 3, &t, error, sizeof error), -1, "NUL is no text");
}

Test(table_csv, row_limit)
{
    size_t rows = TABLE_MAX_ROWS + 1;
    char *text = malloc(rows * 2 + 1);
    for (size_t i = 0; i < rows; i++)
        memcpy(text + i * 2, "1\n", 2);
    struct table t;
    char error[200];
    cr_assert_eq(table_read_csv(text, rows * 2, &t, error, sizeof error), -1);
    cr_assert(strstr(error, "100000") != NULL, "%s", error);
    cr_assert_eq(table_read_csv(text, (rows - 1) * 2, &t, error, sizeof error), 0);
    cr_assert_eq(t.count, TABLE_MAX_ROWS);
    table_free(&t);
    free(text);
}

// Reads a whole file into a malloc'd buffer.
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    char *data = malloc(*len);
    cr_assert_eq(fread(data, 1, *len, f), *len);
    fclose(f);
    return data;
}

Test(table_xlsx, shared_strings_numbers_and_gaps)
{
    char path[] = "/tmp/table_reader_XXXXXX.xlsx";
    int fd = mkstemps(path, 5);
    cr_assert(fd >= 0);
    close(fd);
    lxw_workbook *book = workbook_new(path);
    lxw_worksheet *sheet = workbook_add_worksheet(book, "机构");
    worksheet_write_string(sheet, 0, 0, "代码", NULL);
    worksheet_write_string(sheet, 0, 1, "名称", NULL);
    worksheet_write_string(sheet, 0, 3, "上级代码", NULL);
    worksheet_write_number(sheet, 1, 0, 440902001001001.0, NULL);
    worksheet_write_string(sheet, 1, 1, "红旗 \"北\" 社区", NULL);
    worksheet_write_number(sheet, 1, 3, 440902001, NULL);
    worksheet_write_string(sheet, 4, 2, "代码", NULL); // shared twice, after a gap
    worksheet_write_boolean(sheet, 4, 3, 1, NULL);
    cr_assert_eq(workbook_close(book), LXW_NO_ERROR);
    size_t len;
    char *data = slurp(path, &len);
    unlink(path);
    cr_assert_eq(table_detect(data, len), TABLE_XLSX);
    struct table t;
    char error[200];
    cr_assert_eq(table_read(data, len, &t, error, sizeof error), 0, "%s", error);
    cr_assert_eq(t.count, 3);
    cr_assert_str_eq(table_cell(&t.rows[0], 3), "上级代码");
    cr_assert_str_eq(table_cell(&t.rows[0], 2), "", "a gap reads empty");
    cr_assert_str_eq(table_cell(&t.rows[1], 0), "440902001001001", "a number keeps its digits");
    cr_assert_str_eq(table_cell(&t.rows[1], 1), "红旗 \"北\" 社区");
    cr_assert_str_eq(table_cell(&t.rows[1], 3), "440902001");
    cr_assert_eq(t.rows[2].number, 5, "the row number is the sheet's");
    cr_assert_str_eq(table_cell(&t.rows[2], 0), "");
    cr_assert_str_eq(table_cell(&t.rows[2], 2), "代码");
    cr_assert_str_eq(table_cell(&t.rows[2], 3), "TRUE");
    table_free(&t);
    // Cut short: a clear error, never a crash.
    cr_assert_eq(table_read_xlsx(data, len / 2, &t, error, sizeof error), -1);
    cr_assert_eq(t.count, 0);
    free(data);
}

// A zip made by Python's zipfile whose entries the statements `writes` add
// (to z), read into a malloc'd buffer.
static char *python_zip(const char *writes, size_t *len)
{
    char path[] = "/tmp/table_zip_XXXXXX.zip";
    int fd = mkstemps(path, 4);
    cr_assert(fd >= 0);
    close(fd);
    char command[4096];
    snprintf(command, sizeof command,
             "python3 -c \"import zipfile; z = zipfile.ZipFile('%s', 'w', zipfile.ZIP_DEFLATED); "
             "%s; z.close()\"",
             path, writes);
    cr_assert_eq(system(command), 0);
    char *data = slurp(path, len);
    unlink(path);
    return data;
}

// Reads data as a table and expects a failure whose sentence holds expected.
static void expect_refused(const char *data, size_t len, const char *expected)
{
    struct table t;
    char error[200];
    cr_assert_eq(table_read(data, len, &t, error, sizeof error), -1);
    cr_assert(strstr(error, expected) != NULL, "%s", error);
    cr_assert_eq(t.count, 0);
}

Test(table_xlsx, zip_bomb_refused)
{
    // A sheet of 80 MiB of one repeated byte compresses to about 80 KiB.
    size_t len;
    char *data = python_zip("z.writestr('xl/worksheets/sheet1.xml', b' ' * 83886080)", &len);
    cr_assert(len < 1024 * 1024);
    expect_refused(data, len, "inflates to more than");
    free(data);
}

Test(table_xlsx, broken_shared_strings_refused)
{
    // Found by a release build's warning: a damaged sharedStrings part once
    // freed its buffer twice.
    size_t len;
    char *data = python_zip("z.writestr('xl/sharedStrings.xml', '<sst><si><t>a</t></si'); "
                            "z.writestr('xl/worksheets/sheet1.xml', '<worksheet/>')",
                            &len);
    expect_refused(data, len, "sharedStrings");
    free(data);
}

Test(table_xlsx, the_first_sheet_is_the_workbook_s)
{
    // Sheets reordered in Excel: the first listed is stored as sheet2.xml.
    size_t len;
    char *data = python_zip(
        "z.writestr('xl/workbook.xml', '<workbook xmlns:r=\\\"http://schemas.openxmlformats.org/"
        "officeDocument/2006/relationships\\\"><sheets><sheet name=\\\"b\\\" r:id=\\\"rId7\\\"/>"
        "<sheet name=\\\"a\\\" r:id=\\\"rId1\\\"/></sheets></workbook>'); "
        "z.writestr('xl/_rels/workbook.xml.rels', '<Relationships><Relationship Id=\\\"rId1\\\" "
        "Target=\\\"worksheets/sheet1.xml\\\"/><Relationship Id=\\\"rId7\\\" "
        "Target=\\\"/xl/worksheets/sheet2.xml\\\"/></Relationships>'); "
        "z.writestr('xl/worksheets/sheet1.xml', '<worksheet><sheetData><row r=\\\"1\\\"><c "
        "r=\\\"A1\\\" "
        "t=\\\"inlineStr\\\"><is><t>second</t></is></c></row></sheetData></worksheet>'); "
        "z.writestr('xl/worksheets/sheet2.xml', '<worksheet><sheetData><row r=\\\"1\\\"><c "
        "r=\\\"B1\\\" "
        "t=\\\"inlineStr\\\"><is><t>first</t></is></c></row></sheetData></worksheet>')",
        &len);
    struct table t;
    char error[200];
    cr_assert_eq(table_read(data, len, &t, error, sizeof error), 0, "%s", error);
    cr_assert_eq(t.count, 1);
    cr_assert_str_eq(table_cell(&t.rows[0], 1), "first");
    table_free(&t);
    free(data);
}
