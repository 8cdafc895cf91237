// SPDX-License-Identifier: MIT
// The XLSX reader: the ZIP read from memory with minizip, each part inflated
// up to TABLE_MAX_INFLATED whatever its header claims (a zip bomb stops
// there), xl/sharedStrings.xml and the first sheet (the one xl/workbook.xml
// lists first; xl/worksheets/sheet1.xml without one) streamed through
// libxml2's reader (no network, no entity substitution). Cells: shared
// strings, inline strings, formula strings, numbers (an integer written in
// E-notation comes back as its digits), booleans; a reference such as C5
// places the cell, so gaps stay empty.
#include "table_reader.h"

#include "table_build.h"

#include <libxml/xmlreader.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unzip.h>

// ---- the ZIP, from memory ----

struct memory_file {
    const unsigned char *data;
    size_t len, pos;
};

static voidpf mem_open(voidpf opaque, const void *name, int mode)
{
    (void)name;
    (void)mode;
    return opaque;
}

static uLong mem_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
    (void)opaque;
    struct memory_file *f = stream;
    size_t left = f->len - f->pos;
    size_t n = size < left ? size : left;
    memcpy(buf, f->data + f->pos, n);
    f->pos += n;
    return (uLong)n;
}

static uLong mem_write(voidpf opaque, voidpf stream, const void *buf, uLong size)
{
    (void)opaque;
    (void)stream;
    (void)buf;
    (void)size;
    return 0;
}

static ZPOS64_T mem_tell(voidpf opaque, voidpf stream)
{
    (void)opaque;
    return ((struct memory_file *)stream)->pos;
}

static long mem_seek(voidpf opaque, voidpf stream, ZPOS64_T offset, int origin)
{
    (void)opaque;
    struct memory_file *f = stream;
    ZPOS64_T base = origin == ZLIB_FILEFUNC_SEEK_SET   ? 0
                    : origin == ZLIB_FILEFUNC_SEEK_CUR ? f->pos
                                                       : f->len;
    if (offset > f->len - base)
        return -1;
    f->pos = (size_t)(base + offset);
    return 0;
}

static int mem_close(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream;
    return 0;
}

static int mem_error(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream;
    return 0;
}

// Inflates the part named name into a malloc'd buffer (*out, *out_len; NUL
// after it). Returns 0, 1 when there is no such part, -1 on failure (reported).
static int zip_part(struct table_build *b, unzFile zip, const char *name, char **out,
                    size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (unzLocateFile(zip, name, 1) != UNZ_OK)
        return 1;
    if (unzOpenCurrentFile(zip) != UNZ_OK) {
        table_fail(b, "the XLSX part %s cannot be read", name);
        return -1;
    }
    size_t capacity = 64 * 1024, len = 0;
    char *buffer = malloc(capacity + 1);
    int n = 0;
    while (buffer != NULL) {
        if (capacity - len < 32 * 1024) {
            if (capacity >= TABLE_MAX_INFLATED) {
                n = -2;
                break;
            }
            char *bigger = realloc(buffer, capacity * 2 + 1);
            if (bigger == NULL)
                break;
            buffer = bigger;
            capacity *= 2;
        }
        n = unzReadCurrentFile(zip, buffer + len, (unsigned)(capacity - len));
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    unzCloseCurrentFile(zip);
    if (buffer == NULL || n < 0) {
        free(buffer);
        if (n == -2)
            table_fail(b, "the XLSX part %s inflates to more than %u MiB: refused", name,
                       TABLE_MAX_INFLATED / (1024 * 1024));
        else
            table_fail(b, "the XLSX part %s is damaged", name);
        return -1;
    }
    buffer[len] = '\0';
    *out = buffer;
    *out_len = len;
    return 0;
}

// ---- the XML ----

// A growing text buffer for the value being read.
struct text {
    char *data;
    size_t len, capacity;
    bool overflow;
};

static void text_add(struct text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n > TABLE_MAX_CELL) {
        t->overflow = true;
        return;
    }
    if (t->data == NULL && (t->data = malloc(TABLE_MAX_CELL + 1)) == NULL) {
        t->overflow = true;
        return;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
}

static void text_clear(struct text *t)
{
    t->len = 0;
    t->overflow = false;
    if (t->data != NULL)
        t->data[0] = '\0';
}

static const char *text_get(const struct text *t)
{
    return t->data ? t->data : "";
}

static xmlTextReaderPtr xml_reader(const char *data, size_t len)
{
    return xmlReaderForMemory(data, (int)len, NULL, NULL,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static bool is_element(xmlTextReaderPtr r, const char *name)
{
    return xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT &&
           strcmp((const char *)xmlTextReaderConstLocalName(r), name) == 0;
}

static bool is_end(xmlTextReaderPtr r, const char *name)
{
    return xmlTextReaderNodeType(r) == XML_READER_TYPE_END_ELEMENT &&
           strcmp((const char *)xmlTextReaderConstLocalName(r), name) == 0;
}

static bool is_text(xmlTextReaderPtr r)
{
    int type = xmlTextReaderNodeType(r);
    return type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
           type == XML_READER_TYPE_CDATA;
}

struct shared_strings {
    char **items;
    size_t count, capacity;
};

static void shared_free(struct shared_strings *s)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->items[i]);
    free(s->items);
}

static bool shared_push(struct shared_strings *s, const char *text)
{
    if (s->count == s->capacity) {
        size_t capacity = s->capacity ? s->capacity * 2 : 256;
        char **items = realloc(s->items, capacity * sizeof *items);
        if (items == NULL)
            return false;
        s->items = items;
        s->capacity = capacity;
    }
    return (s->items[s->count++] = strdup(text)) != NULL;
}

// Reads the <si> items (plain or rich text; phonetic runs left out).
static void shared_read(struct table_build *b, const char *xml, size_t len,
                        struct shared_strings *out)
{
    xmlTextReaderPtr r = xml_reader(xml, len);
    struct text t = {0};
    bool in_t = false, in_phonetic = false;
    int rc;
    while (r != NULL && !b->failed && (rc = xmlTextReaderRead(r)) == 1) {
        if (is_element(r, "si"))
            text_clear(&t);
        if (is_element(r, "rPh"))
            in_phonetic = !xmlTextReaderIsEmptyElement(r);
        else if (is_end(r, "rPh"))
            in_phonetic = false;
        else if (is_element(r, "t"))
            in_t = !xmlTextReaderIsEmptyElement(r);
        else if (is_end(r, "t"))
            in_t = false;
        else if (in_t && !in_phonetic && is_text(r))
            text_add(&t, (const char *)xmlTextReaderConstValue(r));
        if ((is_end(r, "si") || (is_element(r, "si") && xmlTextReaderIsEmptyElement(r))) &&
            !shared_push(out, text_get(&t)))
            table_fail(b, "out of memory");
    }
    if (r == NULL || (!b->failed && rc != 0))
        table_fail(b, "xl/sharedStrings.xml is not well-formed XML");
    xmlFreeTextReader(r);
    free(t.data);
}

// The 0-based column of a reference such as "C5", or -1 when it has none.
static long column_of(const char *ref)
{
    long column = 0;
    size_t i = 0;
    for (; ref[i] >= 'A' && ref[i] <= 'Z' && i < 4; i++)
        column = column * 26 + (ref[i] - 'A' + 1);
    return i == 0 || i == 4 ? -1 : column - 1;
}

// The cell being read in a sheet.
struct cell {
    long column;
    char type[16];
    struct text value;
    bool in_value;
};

// Adds the finished cell to the row, its value by type.
static void cell_end(struct table_build *b, struct cell *c, const struct shared_strings *shared)
{
    const char *value = text_get(&c->value);
    char number[64];
    if (c->value.overflow) {
        table_fail(b, "row %zu: a cell longer than %d bytes", b->row_number, TABLE_MAX_CELL);
        return;
    }
    if (strcmp(c->type, "s") == 0) {
        char *end = NULL;
        unsigned long index = strtoul(value, &end, 10);
        if (end == value || *end != '\0' || index >= shared->count) {
            table_fail(b, "row %zu: a cell names a shared string that does not exist",
                       b->row_number);
            return;
        }
        value = shared->items[index];
    } else if (strcmp(c->type, "b") == 0) {
        value = strcmp(value, "1") == 0 ? "TRUE" : "FALSE";
    } else if ((c->type[0] == '\0' || strcmp(c->type, "n") == 0) && strpbrk(value, "Ee")) {
        double v = strtod(value, NULL);
        if (v == floor(v) && fabs(v) < 1e17) {
            snprintf(number, sizeof number, "%.0f", v);
            value = number;
        }
    }
    table_cell_add(b, (size_t)c->column, value, strlen(value));
}

// Copies attribute name of the current element into out ("" when absent).
static void attribute(xmlTextReaderPtr r, const char *name, char *out, size_t size)
{
    xmlChar *value = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
    snprintf(out, size, "%s", value ? (const char *)value : "");
    xmlFree(value);
}

// Starts a <row> or a <c> element.
static void sheet_element(struct table_build *b, xmlTextReaderPtr r, struct cell *c,
                          long *next_column)
{
    char ref[32];
    if (is_element(r, "row")) {
        attribute(r, "r", ref, sizeof ref);
        long number = atol(ref);
        b->row_number = number > 0 ? (size_t)number : b->row_number + 1;
        *next_column = 0;
        if (xmlTextReaderIsEmptyElement(r))
            table_row_end(b);
    } else if (is_element(r, "c")) {
        attribute(r, "r", ref, sizeof ref);
        long column = ref[0] ? column_of(ref) : *next_column;
        if (column < 0) {
            table_fail(b, "row %zu: a bad cell reference %s", b->row_number, ref);
            return;
        }
        c->column = column;
        *next_column = column + 1;
        attribute(r, "t", c->type, sizeof c->type);
        text_clear(&c->value);
        c->in_value = false;
    } else if (is_element(r, "v") || is_element(r, "t")) {
        c->in_value = !xmlTextReaderIsEmptyElement(r);
    }
}

static void sheet_read(struct table_build *b, const char *xml, size_t len,
                       const struct shared_strings *shared)
{
    xmlTextReaderPtr r = xml_reader(xml, len);
    struct cell c = {0};
    long next_column = 0;
    bool in_cell = false;
    int rc;
    b->row_number = 0;
    while (r != NULL && !b->failed && (rc = xmlTextReaderRead(r)) == 1) {
        if (is_element(r, "c") && !xmlTextReaderIsEmptyElement(r))
            in_cell = true;
        if (is_element(r, "c") || is_element(r, "row") || is_element(r, "v") || is_element(r, "t"))
            sheet_element(b, r, &c, &next_column);
        else if (is_end(r, "v") || is_end(r, "t"))
            c.in_value = false;
        else if (in_cell && c.in_value && is_text(r))
            text_add(&c.value, (const char *)xmlTextReaderConstValue(r));
        else if (is_end(r, "c")) {
            cell_end(b, &c, shared);
            in_cell = false;
        } else if (is_end(r, "row"))
            table_row_end(b);
    }
    if (r == NULL || (!b->failed && rc != 0))
        table_fail(b, "xl/worksheets/sheet1.xml is not well-formed XML");
    xmlFreeTextReader(r);
    free(c.value.data);
}

// Copies the attribute of the first element named element whose attribute
// match_name equals match (NULL: the first such element at all) into out.
// Returns true when found.
static bool xml_find_attribute(const char *xml, size_t len, const char *element,
                               const char *match_name, const char *match, const char *name,
                               const char *ns, char *out, size_t size)
{
    xmlTextReaderPtr r = xml_reader(xml, len);
    bool found = false;
    while (r != NULL && !found && xmlTextReaderRead(r) == 1) {
        if (!is_element(r, element))
            continue;
        if (match != NULL) {
            char value[256];
            attribute(r, match_name, value, sizeof value);
            if (strcmp(value, match) != 0)
                continue;
        }
        xmlChar *value =
            ns ? xmlTextReaderGetAttributeNs(r, (const xmlChar *)name, (const xmlChar *)ns)
               : xmlTextReaderGetAttribute(r, (const xmlChar *)name);
        if (value != NULL && snprintf(out, size, "%s", (const char *)value) < (int)size)
            found = true;
        xmlFree(value);
        break;
    }
    xmlFreeTextReader(r);
    return found;
}

// The part holding the workbook's first sheet, as xl/workbook.xml and its
// relationships name it, into path; xl/worksheets/sheet1.xml when they do not.
static void first_sheet(struct table_build *b, unzFile zip, char *path, size_t size)
{
    static const char RELATIONSHIPS[] =
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    snprintf(path, size, "xl/worksheets/sheet1.xml");
    char *xml = NULL, id[256], target[256];
    size_t len = 0;
    bool named =
        zip_part(b, zip, "xl/workbook.xml", &xml, &len) == 0 &&
        xml_find_attribute(xml, len, "sheet", NULL, NULL, "id", RELATIONSHIPS, id, sizeof id);
    free(xml);
    xml = NULL;
    if (named && !b->failed && zip_part(b, zip, "xl/_rels/workbook.xml.rels", &xml, &len) == 0 &&
        xml_find_attribute(xml, len, "Relationship", "Id", id, "Target", NULL, target,
                           sizeof target)) {
        if (target[0] == '/')
            snprintf(path, size, "%s", target + 1);
        else
            snprintf(path, size, "xl/%s", target);
    }
    free(xml);
}

int table_read_xlsx(const void *data, size_t len, struct table *out, char *error, size_t error_size)
{
    struct table_build b;
    table_build_begin(&b, out, error, error_size);
    struct memory_file file = {data, len, 0};
    zlib_filefunc64_def io = {mem_open, mem_read,  mem_write, mem_tell,
                              mem_seek, mem_close, mem_error, &file};
    unzFile zip = unzOpen2_64("memory", &io);
    if (zip == NULL) {
        table_fail(&b, "not an XLSX file (the ZIP cannot be read)");
        return table_build_end(&b);
    }
    struct shared_strings shared = {0};
    char *xml = NULL;
    size_t xml_len = 0;
    int found = zip_part(&b, zip, "xl/sharedStrings.xml", &xml, &xml_len);
    if (found == 0)
        shared_read(&b, xml, xml_len, &shared);
    free(xml);
    xml = NULL;
    char sheet[300];
    if (!b.failed)
        first_sheet(&b, zip, sheet, sizeof sheet);
    if (!b.failed && (found = zip_part(&b, zip, sheet, &xml, &xml_len)) == 1)
        table_fail(&b, "not an XLSX workbook: it has no first sheet (%s)", sheet);
    if (!b.failed)
        sheet_read(&b, xml, xml_len, &shared);
    free(xml);
    shared_free(&shared);
    unzClose(zip);
    return table_build_end(&b);
}
