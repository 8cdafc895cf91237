// SPDX-License-Identifier: MIT
// The bulk import's driver (setup_import.h): reads the file (table_reader.h),
// maps the header row's Chinese or English names onto the kind's columns,
// runs the kind's checks and store call (setup_import_rows.c) and writes the
// report; the templates; and `chengguan import <kind> FILE [--partial]`.
#include "setup_import.h"

#include "cli.h"
#include "geojson.h"
#include "jurisdiction.h"
#include "log.h"
#include "setup_import_rows.h"
#include "store.h"
#include "store_admin.h"

#include <ctype.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <xlsxwriter.h>

bool setup_import_kind_parse(const char *name, enum setup_import_kind *out)
{
    for (size_t k = 0; k < sizeof IMPORT_KINDS / sizeof IMPORT_KINDS[0]; k++)
        if (strcmp(name, IMPORT_KINDS[k].name) == 0 || strcmp(name, IMPORT_KINDS[k].audit) == 0) {
            *out = (enum setup_import_kind)k;
            return true;
        }
    return false;
}

// ---- rows ----

const char *import_value(const struct import *im, size_t i, int field)
{
    int column = field >= 0 && field < IMPORT_MAX_FIELDS ? im->column_of[field] : -1;
    return column < 0 ? "" : table_cell(&im->table.rows[i + 1], (size_t)column);
}

const char *import_optional(const struct import *im, size_t i, int field)
{
    const char *value = import_value(im, i, field);
    return value[0] ? value : NULL;
}

size_t import_row_number(const struct import *im, size_t i)
{
    return im->table.rows[i + 1].number;
}

void import_fail(struct import *im, size_t i, const char *field, const char *code,
                 const char *format, ...)
{
    struct row_problem *p = &im->problems[i];
    if (p->bad)
        return;
    p->bad = true;
    p->field = field;
    p->code = code;
    va_list args;
    va_start(args, format);
    vsnprintf(p->message, sizeof p->message, format, args);
    va_end(args);
}

void import_fail_rule(struct import *im, size_t i, const struct setup_problem *problem)
{
    // The rules name the API's inputs; the file's column may be named otherwise.
    const char *field = problem->field;
    for (size_t c = 0; c < im->kind->count; c++)
        if (im->kind->columns[c].alt && strcmp(im->kind->columns[c].alt, field) == 0)
            field = im->kind->columns[c].field;
    if (strcmp(field, "parent_id") == 0)
        field = "parent_code";
    import_fail(im, i, field, problem->reason, "%s", problem->message);
}

struct key_sort {
    char *const *keys;
    bool ignore_case;
};

static int by_key(const void *a, const void *b, void *data)
{
    const struct key_sort *s = data;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = s->ignore_case ? strcasecmp(s->keys[i], s->keys[j]) : strcmp(s->keys[i], s->keys[j]);
    return c ? c : (i > j) - (i < j);
}

void import_duplicates(struct import *im, char *const *keys, const char *field, bool ignore_case)
{
    size_t *order = calloc(im->count + 1, sizeof *order), n = 0;
    if (order == NULL)
        return;
    for (size_t i = 0; i < im->count; i++)
        if (keys[i] != NULL && keys[i][0] != '\0')
            order[n++] = i;
    struct key_sort sort = {keys, ignore_case};
    qsort_r(order, n, sizeof *order, by_key, &sort);
    for (size_t k = 1, first = 0; k < n; k++) {
        const char *a = keys[order[first]], *b = keys[order[k]];
        if ((ignore_case ? strcasecmp(a, b) : strcmp(a, b)) != 0) {
            first = k;
            continue;
        }
        import_fail(im, order[k], field, "duplicate", "%s is also in row %zu", b,
                    import_row_number(im, order[first]));
    }
    free(order);
}

bool import_storing(const struct import *im)
{
    if (im->request->partial)
        return true;
    for (size_t i = 0; i < im->count; i++)
        if (im->problems[i].bad)
            return false;
    return true;
}

const struct store_import_summary *import_summary(struct import *im, size_t n)
{
    im->imported = n;
    im->summary.imported = n;
    im->summary.skipped = im->count - n;
    return &im->summary;
}

// ---- the header ----

// Trims spaces (ASCII and the full-width U+3000) at both ends of every cell.
static void trim_cells(struct table *t)
{
    for (size_t r = 0; r < t->count; r++)
        for (size_t c = 0; c < t->rows[r].count; c++) {
            char *s = t->rows[r].cells[c];
            size_t start = 0, len = strlen(s);
            for (;;) {
                if (start < len && isspace((unsigned char)s[start]))
                    start++;
                else if (len - start >= 3 && memcmp(s + start, "\xE3\x80\x80", 3) == 0)
                    start += 3;
                else
                    break;
            }
            for (;;) {
                if (len > start && isspace((unsigned char)s[len - 1]))
                    len--;
                else if (len - start >= 3 && memcmp(s + len - 3, "\xE3\x80\x80", 3) == 0)
                    len -= 3;
                else
                    break;
            }
            memmove(s, s + start, len - start);
            s[len - start] = '\0';
        }
}

// The spreadsheet letters of a 0-based column into out (4 bytes).
static void column_letters(size_t column, char out[4])
{
    char tmp[4];
    size_t n = 0;
    for (size_t c = column + 1; c > 0 && n < 3; c = (c - 1) / 26)
        tmp[n++] = (char)('A' + (c - 1) % 26);
    for (size_t k = 0; k < n; k++)
        out[k] = tmp[n - 1 - k];
    out[n] = '\0';
}

// Adds an error of the header row to errors.
static void header_error(cJSON *errors, size_t row, long column, const char *header,
                         const char *field, const char *code, const char *message)
{
    cJSON *item = cJSON_CreateObject();
    char letters[4] = "";
    if (column >= 0)
        column_letters((size_t)column, letters);
    cJSON_AddNumberToObject(item, "row", (double)row);
    if (column >= 0)
        cJSON_AddStringToObject(item, "column", letters);
    else
        cJSON_AddNullToObject(item, "column");
    cJSON_AddStringToObject(item, "header", header ? header : "");
    cJSON_AddStringToObject(item, "field", field);
    cJSON_AddStringToObject(item, "code", code);
    cJSON_AddStringToObject(item, "message", message);
    cJSON_AddItemToArray(errors, item);
}

// Maps the header row onto the kind's columns. Returns true, or false with
// the problems added to errors.
static bool map_header(struct import *im, cJSON *errors)
{
    const struct table_row *header = &im->table.rows[0];
    for (size_t f = 0; f < IMPORT_MAX_FIELDS; f++)
        im->column_of[f] = -1;
    bool ok = true;
    for (size_t c = 0; c < header->count; c++) {
        const char *name = header->cells[c];
        if (name[0] == '\0')
            continue; // an unnamed column is not read
        size_t f = 0;
        for (; f < im->kind->count; f++) {
            const struct import_column *col = &im->kind->columns[f];
            if (strcasecmp(name, col->field) == 0 || strcmp(name, col->zh) == 0 ||
                (col->alt && strcasecmp(name, col->alt) == 0))
                break;
        }
        char message[200];
        if (f == im->kind->count) {
            snprintf(message, sizeof message, "unknown column %s for %s", name, im->kind->name);
            header_error(errors, header->number, (long)c, name, "", "unknown_column", message);
            ok = false;
        } else if (im->column_of[f] >= 0) {
            snprintf(message, sizeof message, "the column %s comes twice",
                     im->kind->columns[f].field);
            header_error(errors, header->number, (long)c, name, im->kind->columns[f].field,
                         "duplicate_column", message);
            ok = false;
        } else {
            im->column_of[f] = (int)c;
        }
    }
    for (size_t f = 0; f < im->kind->count; f++)
        if (im->kind->columns[f].required && im->column_of[f] < 0) {
            char message[200];
            snprintf(message, sizeof message, "the header lacks the column %s (%s)",
                     im->kind->columns[f].field, im->kind->columns[f].zh);
            header_error(errors, header->number, -1, NULL, im->kind->columns[f].field,
                         "missing_column", message);
            ok = false;
        }
    return ok;
}

// Marks rows whose required cells are empty.
static void check_required(struct import *im)
{
    for (size_t i = 0; i < im->count; i++)
        for (size_t f = 0; f < im->kind->count; f++)
            if (im->kind->columns[f].required && import_value(im, i, (int)f)[0] == '\0')
                import_fail(im, i, im->kind->columns[f].field, "missing_field",
                            "the %s (%s) is empty", im->kind->columns[f].field,
                            im->kind->columns[f].zh);
}

// ---- the report ----

#define REPORT_MAX_ERRORS 1000

static void add_row_errors(struct import *im, cJSON *report, cJSON *errors)
{
    size_t listed = 0, bad = 0;
    for (size_t i = 0; i < im->count; i++) {
        const struct row_problem *p = &im->problems[i];
        if (!p->bad)
            continue;
        bad++;
        if (listed++ == REPORT_MAX_ERRORS)
            continue;
        long column = -1;
        const char *header = "";
        for (size_t f = 0; f < im->kind->count; f++)
            if (strcmp(im->kind->columns[f].field, p->field) == 0 && im->column_of[f] >= 0) {
                column = im->column_of[f];
                header = table_cell(&im->table.rows[0], (size_t)column);
            }
        header_error(errors, import_row_number(im, i), column, header, p->field, p->code,
                     p->message);
    }
    cJSON_AddNumberToObject(report, "bad", (double)bad);
    cJSON_AddBoolToObject(report, "errors_truncated", bad > REPORT_MAX_ERRORS);
}

static cJSON *report_new(const struct import *im)
{
    cJSON *report = cJSON_CreateObject();
    cJSON_AddStringToObject(report, "kind", im->kind->name);
    cJSON_AddStringToObject(report, "format", im->format);
    if (strcmp(im->format, "csv") == 0)
        cJSON_AddStringToObject(report, "encoding", im->table.converted ? "gb18030" : "utf-8");
    cJSON_AddBoolToObject(report, "partial", im->request->partial);
    return report;
}

// Adds the counts, and moves the errors after them (the report reads top down).
static void report_counts(cJSON *report, size_t rows, size_t imported)
{
    cJSON_AddNumberToObject(report, "rows", (double)rows);
    cJSON_AddNumberToObject(report, "imported", (double)imported);
    cJSON_AddNumberToObject(report, "skipped", (double)(rows - imported));
    cJSON *errors = cJSON_DetachItemFromObject(report, "errors");
    if (errors != NULL)
        cJSON_AddItemToObject(report, "errors", errors);
}

static void report_error(cJSON *report, const char *code, const char *message)
{
    cJSON *error = cJSON_AddObjectToObject(report, "error");
    cJSON_AddStringToObject(error, "code", code);
    cJSON_AddStringToObject(error, "message", message);
}

// Reads the file and its header. Returns SETUP_IMPORT_OK or UNREADABLE (reported).
static int import_open(struct import *im, cJSON **report)
{
    const struct setup_import_request *r = im->request;
    bool xlsx = table_detect(r->data, r->len) == TABLE_XLSX;
    snprintf(im->format, sizeof im->format, "%s", xlsx ? "xlsx" : "csv");
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, r->data, r->len);
    sodium_bin2hex(im->sha256, sizeof im->sha256, digest, sizeof digest);
    char error[200];
    int rc = table_read(r->data, r->len, &im->table, error, sizeof error);
    *report = report_new(im);
    cJSON *errors = cJSON_AddArrayToObject(*report, "errors");
    if (rc != 0) {
        report_counts(*report, 0, 0);
        report_error(*report, "invalid_file", error);
        return SETUP_IMPORT_UNREADABLE;
    }
    trim_cells(&im->table);
    if (im->table.count == 0) {
        report_counts(*report, 0, 0);
        report_error(*report, "invalid_file", "the file holds no rows: the header row comes first");
        return SETUP_IMPORT_UNREADABLE;
    }
    im->count = im->table.count - 1;
    if (!map_header(im, errors)) {
        report_counts(*report, im->count, 0);
        report_error(*report, "invalid_header",
                     "the header row does not fit: see errors (row 1 names the columns)");
        return SETUP_IMPORT_UNREADABLE;
    }
    return SETUP_IMPORT_OK;
}

int setup_import_run(struct store *store, const struct setup_import_request *request,
                     cJSON **report)
{
    struct import im = {.store = store, .request = request, .kind = &IMPORT_KINDS[request->kind]};
    int result = import_open(&im, report);
    if (result != SETUP_IMPORT_OK) {
        table_free(&im.table);
        return result;
    }
    im.summary = (struct store_import_summary){
        .kind = im.kind->audit, .format = im.format, .sha256 = im.sha256, .rows = im.count};
    im.problems = calloc(im.count + 1, sizeof *im.problems);
    int rc = STORE_ERROR;
    if (im.problems != NULL) {
        check_required(&im);
        rc = im.kind->run(&im);
    }
    if (rc != STORE_OK)
        im.imported = 0;
    report_counts(*report, im.count, im.imported);
    add_row_errors(&im, *report, cJSON_GetObjectItem(*report, "errors"));
    if (im.passwords != NULL && rc == STORE_OK && im.imported > 0)
        cJSON_AddItemToObject(*report, "passwords", im.passwords);
    else
        cJSON_Delete(im.passwords);
    bool bad = !cJSON_IsNumber(cJSON_GetObjectItem(*report, "bad")) ||
               cJSON_GetObjectItem(*report, "bad")->valuedouble > 0;
    free(im.problems);
    table_free(&im.table);
    if (rc != STORE_OK) {
        log_error("import %s: the store failed (%d)",
                  request ? IMPORT_KINDS[request->kind].name : "", rc);
        report_error(*report,
                     rc == STORE_FULL       ? "insufficient_storage"
                     : rc == STORE_CONFLICT ? "conflict"
                                            : "internal_error",
                     rc == STORE_CONFLICT ? "a code or username was taken meanwhile; nothing was "
                                            "imported, try again"
                                          : "the import failed; nothing was imported");
        return rc == STORE_FULL ? SETUP_IMPORT_FULL : SETUP_IMPORT_ERROR;
    }
    return bad ? SETUP_IMPORT_REJECTED : SETUP_IMPORT_OK;
}

// ---- templates ----

// The CSV text of one row of the kind: the Chinese names or the examples.
static void template_csv_row(const struct import_kind_def *kind, bool header, char *out,
                             size_t size, size_t *len)
{
    for (size_t f = 0; f < kind->count; f++) {
        const char *text = header ? kind->columns[f].zh : kind->columns[f].example;
        *len += (size_t)snprintf(out + *len, size - *len, "%s%s", f ? "," : "", text);
    }
    *len += (size_t)snprintf(out + *len, size - *len, "\r\n");
}

// Writes the XLSX template into a temporary file and reads it back.
static int template_xlsx(const struct import_kind_def *kind, char **out, size_t *len)
{
    char path[] = "/tmp/chengguan-template-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    close(fd);
    lxw_workbook *book = workbook_new(path);
    lxw_worksheet *sheet = book ? workbook_add_worksheet(book, kind->name) : NULL;
    lxw_format *bold = book ? workbook_add_format(book) : NULL;
    if (sheet == NULL || bold == NULL) {
        unlink(path);
        return -1;
    }
    format_set_bold(bold);
    for (size_t f = 0; f < kind->count; f++) {
        worksheet_write_string(sheet, 0, (lxw_col_t)f, kind->columns[f].zh, bold);
        worksheet_write_string(sheet, 1, (lxw_col_t)f, kind->columns[f].example, NULL);
        worksheet_set_column(sheet, (lxw_col_t)f, (lxw_col_t)f, 18, NULL);
    }
    int rc = workbook_close(book) == LXW_NO_ERROR ? 0 : -1;
    FILE *file = rc == 0 ? fopen(path, "rb") : NULL;
    unlink(path);
    if (file == NULL)
        return -1;
    *out = NULL;
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    if (size > 0 && (*out = malloc((size_t)size)) != NULL &&
        fread(*out, 1, (size_t)size, file) == (size_t)size)
        *len = (size_t)size;
    else {
        free(*out);
        rc = -1;
    }
    fclose(file);
    return rc;
}

int setup_import_template(enum setup_import_kind kind, bool xlsx, char **out, size_t *len)
{
    const struct import_kind_def *def = &IMPORT_KINDS[kind];
    if (xlsx)
        return template_xlsx(def, out, len);
    size_t size = 1024;
    *out = malloc(size);
    if (*out == NULL)
        return -1;
    memcpy(*out, "\xEF\xBB\xBF", 3);
    *len = 3;
    template_csv_row(def, true, *out, size, len);
    template_csv_row(def, false, *out, size, len);
    return 0;
}

// ---- the command ----

int setup_import_command(int argc, char **argv)
{
    struct cli_store_options common = {.data_dir = ".data"};
    bool partial = false;
    const struct cli_option options[] = {
        CLI_STORE_OPTIONS(&common),
        {"--partial", NULL, CLI_BOOL, &partial,
         "import the good rows and report the others (default: all or nothing)"},
    };
    enum setup_import_kind kind;
    if (argc < 2 || !setup_import_kind_parse(argv[1], &kind)) {
        fprintf(stderr, "usage: chengguan import org-units|users|routing|assignments FILE "
                        "[--partial]\n");
        return 2;
    }
    char title[48];
    snprintf(title, sizeof title, "import %s", IMPORT_KINDS[kind].name);
    const char *positional[1];
    int positional_count = 0;
    int rc = cli_parse(title, "import KIND FILE.csv|FILE.xlsx [options]   (FILE - = stdin)",
                       options, sizeof options / sizeof options[0], argc, argv, 2, positional, 1,
                       &positional_count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (positional_count != 1) {
        fprintf(stderr, "usage: chengguan import %s FILE [--partial]\n", IMPORT_KINDS[kind].name);
        return 2;
    }
    size_t len = 0;
    char *data = geojson_read_file(positional[0], &len);
    if (data == NULL)
        return 1;
    char path[PATH_MAX];
    struct store *store = cli_open_store(&common, true, path, sizeof path);
    if (store == NULL) {
        free(data);
        return 1;
    }
    char actor_name[48];
    snprintf(actor_name, sizeof actor_name, "chengguan import %s", IMPORT_KINDS[kind].name);
    const struct store_actor actor = {0, "system", actor_name};
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    struct setup_import_request request = {kind, data, len, partial, &everywhere, &actor};
    cJSON *report = NULL;
    rc = setup_import_run(store, &request, &report);
    free(data);
    store_close(store);
    char *printed = cJSON_Print(report);
    cJSON_Delete(report);
    if (printed != NULL)
        printf("%s\n", printed);
    cJSON_free(printed);
    return rc == SETUP_IMPORT_OK || (rc == SETUP_IMPORT_REJECTED && partial) ? 0 : 1;
}
