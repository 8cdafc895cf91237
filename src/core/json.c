// SPDX-License-Identifier: MIT
// Strict request-body parsing and small cJSON conveniences. The UTF-8 check is
// textseg's, so every text that enters the system is judged by one rule.
#include "json.h"

#include "errors.h"
#include "textseg.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_SAFE_INT 9007199254740992.0

// Copies text into problem->field, cut at a character boundary when too long
// (member names are valid UTF-8: the body was checked before parsing).
static void field_copy(struct json_problem *problem, const char *text)
{
    size_t len = strlen(text);
    if (len >= sizeof problem->field) {
        len = sizeof problem->field - 1;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--; // text[len] continues a character: cut before the character
    }
    memcpy(problem->field, text, len);
    problem->field[len] = '\0';
}

// Drops the partial character a long name cut into the message may leave at its end.
static void message_trim(struct json_problem *problem)
{
    size_t len = strlen(problem->message);
    for (int i = 0; i < 3 && len > 0 && !textseg_utf8_valid(problem->message, len); i++)
        problem->message[--len] = '\0';
}

// Fills the problem; field names the member to blame, or is NULL for the body.
static void problem_set(struct json_problem *problem, const char *code, const char *field,
                        const char *format, const char *detail)
{
    problem->code = code;
    snprintf(problem->message, sizeof problem->message, format, detail);
    message_trim(problem);
    field_copy(problem, field ? field : "");
}

// ---- the grammar of RFC 8259, checked before cJSON parses ----
// cJSON is lenient: it skips a byte order mark, reads numbers with strtod ("0110",
// "-.5", "1."), and lets "\u0000" cut a string short. A body is first held to the
// standard's grammar, so that what is stored is what the client meant.

// Deepest nesting of objects and arrays in a body (a GeoJSON import needs 8).
#define JSON_MAX_DEPTH 64

struct json_scan {
    const unsigned char *text;
    size_t len, at;
    const char *error; // why the text is not JSON; NULL while it is
};

static const char NUMBER_RULE[] = "numbers must be plain JSON numbers (no leading zero, '+' "
                                  "sign, bare '.', NaN or Infinity)";

static int scan_peek(const struct json_scan *scan)
{
    return scan->at < scan->len ? scan->text[scan->at] : -1;
}

static bool scan_fail(struct json_scan *scan, const char *why)
{
    scan->error = why;
    return false;
}

static void scan_space(struct json_scan *scan)
{
    int c;
    while ((c = scan_peek(scan)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        scan->at++;
}

static bool scan_digits(struct json_scan *scan)
{
    size_t start = scan->at;
    while (scan_peek(scan) >= '0' && scan_peek(scan) <= '9')
        scan->at++;
    return scan->at > start;
}

// The code unit of the four hex digits at the cursor, or -1.
static long scan_hex4(struct json_scan *scan)
{
    long unit = 0;
    for (int i = 0; i < 4; i++) {
        int c = scan_peek(scan), digit = c >= '0' && c <= '9'   ? c - '0'
                                         : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                : -1;
        if (digit < 0)
            return -1;
        unit = unit * 16 + digit;
        scan->at++;
    }
    return unit;
}

// A \u escape after its "\u": a character other than U+0000, or a surrogate pair.
static bool scan_unicode_escape(struct json_scan *scan)
{
    long unit = scan_hex4(scan);
    if (unit < 0)
        return scan_fail(scan, "a \\u escape needs four hex digits");
    if (unit == 0)
        return scan_fail(scan, "strings must not contain U+0000");
    if (unit >= 0xDC00 && unit <= 0xDFFF)
        return scan_fail(scan, "a \\u escape holds half a surrogate pair");
    if (unit < 0xD800 || unit > 0xDBFF)
        return true;
    if (scan->len - scan->at < 2 || scan->text[scan->at] != '\\' || scan->text[scan->at + 1] != 'u')
        return scan_fail(scan, "a \\u escape holds half a surrogate pair");
    scan->at += 2;
    long low = scan_hex4(scan);
    if (low < 0xDC00 || low > 0xDFFF)
        return scan_fail(scan, "a \\u escape holds half a surrogate pair");
    return true;
}

// A string, the cursor on its opening quote.
static bool scan_string(struct json_scan *scan)
{
    scan->at++;
    while (scan->at < scan->len) {
        unsigned char c = scan->text[scan->at++];
        if (c == '"')
            return true;
        if (c < 0x20)
            return scan_fail(scan, "control characters in strings must be escaped");
        if (c != '\\')
            continue;
        int escaped = scan_peek(scan);
        if (escaped < 0)
            break;
        scan->at++;
        if (escaped == 'u') {
            if (!scan_unicode_escape(scan))
                return false;
        } else if (memchr("\"\\/bfnrt", escaped, 8) == NULL) {
            return scan_fail(scan, "unknown escape in a string");
        }
    }
    return scan_fail(scan, "a string is not closed");
}

// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
static bool scan_number(struct json_scan *scan)
{
    if (scan_peek(scan) == '-')
        scan->at++;
    if (scan_peek(scan) == '0') {
        scan->at++;
        if (scan_peek(scan) >= '0' && scan_peek(scan) <= '9')
            return scan_fail(scan, NUMBER_RULE);
    } else if (!scan_digits(scan)) {
        return scan_fail(scan, NUMBER_RULE);
    }
    if (scan_peek(scan) == '.') {
        scan->at++;
        if (!scan_digits(scan))
            return scan_fail(scan, NUMBER_RULE);
    }
    if (scan_peek(scan) == 'e' || scan_peek(scan) == 'E') {
        scan->at++;
        if (scan_peek(scan) == '+' || scan_peek(scan) == '-')
            scan->at++;
        if (!scan_digits(scan))
            return scan_fail(scan, NUMBER_RULE);
    }
    return true;
}

static bool scan_word(struct json_scan *scan, const char *word)
{
    size_t n = strlen(word);
    if (scan->len - scan->at < n || memcmp(scan->text + scan->at, word, n) != 0)
        return scan_fail(scan, "expected a value");
    scan->at += n;
    return true;
}

// A string, number, true, false or null at the cursor.
static bool scan_scalar(struct json_scan *scan)
{
    int c = scan_peek(scan);
    if (c == '"')
        return scan_string(scan);
    if (c == '-' || (c >= '0' && c <= '9'))
        return scan_number(scan);
    if (c == '+' || c == '.' || c == 'N' || c == 'I')
        return scan_fail(scan, NUMBER_RULE);
    if (c == 't')
        return scan_word(scan, "true");
    if (c == 'f')
        return scan_word(scan, "false");
    if (c == 'n')
        return scan_word(scan, "null");
    return scan_fail(scan, c < 0 ? "the body ends before the JSON value does" : "expected a value");
}

enum scan_expect { EXPECT_VALUE, EXPECT_NAME, EXPECT_MORE };

// True when the whole text is one JSON value; else false with scan->error set and
// scan->at where the text went wrong.
static bool scan_json(struct json_scan *scan)
{
    char open[JSON_MAX_DEPTH]; // '{' or '[' of each container not yet closed
    int depth = 0;
    enum scan_expect expect = EXPECT_VALUE;
    for (;;) {
        scan_space(scan);
        int c = scan_peek(scan);
        if (expect == EXPECT_NAME) {
            if (c != '"')
                return scan_fail(scan, "expected a member name in double quotes");
            if (!scan_string(scan))
                return false;
            scan_space(scan);
            if (scan_peek(scan) != ':')
                return scan_fail(scan, "expected ':' after a member name");
            scan->at++;
            expect = EXPECT_VALUE;
        } else if (expect == EXPECT_VALUE && (c == '{' || c == '[')) {
            if (depth == JSON_MAX_DEPTH)
                return scan_fail(scan, "objects and arrays nest too deep");
            open[depth++] = (char)c;
            scan->at++;
            scan_space(scan);
            expect = c == '{' ? EXPECT_NAME : EXPECT_VALUE;
            if (scan_peek(scan) == (c == '{' ? '}' : ']')) {
                scan->at++;
                depth--;
                expect = EXPECT_MORE;
            }
        } else if (expect == EXPECT_VALUE) {
            if (!scan_scalar(scan))
                return false;
            expect = EXPECT_MORE;
        } else if (depth == 0) {
            return c < 0 || scan_fail(scan, "unexpected text after the JSON value");
        } else if (c == ',') {
            scan->at++;
            expect = open[depth - 1] == '{' ? EXPECT_NAME : EXPECT_VALUE;
        } else if (c == (open[depth - 1] == '{' ? '}' : ']')) {
            scan->at++;
            depth--;
        } else {
            return scan_fail(scan, open[depth - 1] == '{' ? "expected ',' or '}' in an object"
                                                          : "expected ',' or ']' in an array");
        }
    }
}

// Holds the body to RFC 8259. Returns true, or false with *problem filled.
static bool grammar_check(const char *body, size_t len, struct json_problem *problem)
{
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
        problem_set(problem, ERR_INVALID_JSON, NULL, "%s",
                    "the request body starts with a byte order mark; send JSON without one");
        return false;
    }
    struct json_scan scan = {(const unsigned char *)body, len, 0, NULL};
    if (scan_json(&scan))
        return true;
    problem->code = ERR_INVALID_JSON;
    snprintf(problem->message, sizeof problem->message,
             "the request body is not valid JSON: %s (at byte %zu)", scan.error, scan.at);
    problem->field[0] = '\0';
    return false;
}

// ---- member names used twice ----

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

// Finds a member name that appears twice in obj, sorting the names so that an
// object of many thousand members costs n log n. Returns false when out of memory.
static bool find_repeated_name(const cJSON *obj, const char **repeated)
{
    *repeated = NULL;
    size_t count = 0;
    for (const cJSON *member = obj->child; member != NULL; member = member->next)
        count++;
    if (count < 2)
        return true;
    const char *few[16];
    const char **names = count <= 16 ? few : malloc(count * sizeof *names);
    if (names == NULL)
        return false;
    size_t i = 0;
    for (const cJSON *member = obj->child; member != NULL; member = member->next)
        names[i++] = member->string;
    qsort(names, count, sizeof *names, compare_names);
    for (i = 1; i < count && *repeated == NULL; i++)
        if (strcmp(names[i - 1], names[i]) == 0)
            *repeated = names[i];
    if (names != few)
        free(names);
    return true;
}

// Appends ".name" (or "name" at the top) or "[index]" to the path of length len
// in path[size]; returns the new length (cut short when it does not fit).
static size_t path_append(char *path, size_t size, size_t len, const char *name, size_t index)
{
    int n = name != NULL ? snprintf(path + len, size - len, "%s%s", len ? "." : "", name)
                         : snprintf(path + len, size - len, "[%zu]", index);
    return n < 0 ? len : len + (size_t)n < size ? len + (size_t)n : size - 1;
}

// Refuses a tree in which one object holds a member name twice (an ambiguous body:
// which one counts depends on the reader). Returns true, or false with *problem
// filled, its field the path of the repeated member ("features[3].properties.code").
static bool names_unique(const cJSON *node, char *path, size_t size, size_t len,
                         struct json_problem *problem)
{
    bool object = cJSON_IsObject(node);
    if (object) {
        const char *repeated;
        if (!find_repeated_name(node, &repeated)) {
            problem_set(problem, ERR_INVALID_JSON, NULL, "%s",
                        "the request body is too large to check for repeated member names");
            return false;
        }
        if (repeated != NULL) {
            path_append(path, size, len, repeated, 0);
            problem_set(problem, ERR_INVALID_JSON, path, "member '%s' appears twice", path);
            return false;
        }
    }
    size_t index = 0;
    for (const cJSON *child = node->child; child != NULL; child = child->next, index++) {
        if (!cJSON_IsObject(child) && !cJSON_IsArray(child))
            continue;
        size_t child_len = path_append(path, size, len, object ? child->string : NULL, index);
        if (!names_unique(child, path, size, child_len, problem))
            return false;
        path[len] = '\0';
    }
    return true;
}

cJSON *json_parse_object(const char *body, size_t len, struct json_problem *problem)
{
    if (body == NULL || len == 0) {
        problem_set(problem, ERR_INVALID_JSON, NULL, "%s",
                    "the request body is empty; send a JSON object");
        return NULL;
    }
    if (!textseg_utf8_valid(body, len)) {
        problem_set(problem, ERR_INVALID_UTF8, NULL, "%s", "the request body is not valid UTF-8");
        return NULL;
    }
    if (!grammar_check(body, len, problem))
        return NULL;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, false);
    if (root == NULL) {
        problem_set(problem, ERR_INVALID_JSON, NULL, "%s", "the request body is not valid JSON");
        return NULL;
    }
    while (end != NULL && end < body + len && strchr(" \t\r\n", *end) != NULL && *end != '\0')
        end++;
    if (end != body + len) {
        cJSON_Delete(root);
        problem_set(problem, ERR_INVALID_JSON, NULL, "%s", "unexpected text after the JSON value");
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        problem_set(problem, ERR_INVALID_JSON, NULL, "%s",
                    "the request body must be a JSON object");
        return NULL;
    }
    char path[256] = "";
    if (!names_unique(root, path, sizeof path, 0, problem)) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

// ---- application/x-www-form-urlencoded ----

static int form_hex(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

// Decodes len bytes of a form name or value into out (len + 1 bytes). Returns
// false for a bad %-escape or a NUL.
static bool form_decode(const char *in, size_t len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int high = i + 2 < len ? form_hex(in[i + 1]) : -1;
            int low = i + 2 < len ? form_hex(in[i + 2]) : -1;
            if (high < 0 || low < 0)
                return false;
            c = (char)(high * 16 + low);
            i += 2;
        }
        if (c == '\0')
            return false;
        out[n++] = c;
    }
    out[n] = '\0';
    return true;
}

cJSON *json_parse_form(const char *body, size_t len, struct json_problem *problem)
{
    cJSON *root = cJSON_CreateObject();
    char *name = malloc(len + 1), *value = malloc(len + 1);
    if (root == NULL || name == NULL || value == NULL) {
        problem_set(problem, ERR_INTERNAL, NULL, "%s", "out of memory");
        goto fail;
    }
    for (size_t start = 0; start < len;) {
        const char *pair = body + start;
        const char *amp = memchr(pair, '&', len - start);
        size_t pair_len = amp ? (size_t)(amp - pair) : len - start;
        start += pair_len + 1;
        if (pair_len == 0)
            continue;
        const char *eq = memchr(pair, '=', pair_len);
        size_t name_len = eq ? (size_t)(eq - pair) : pair_len;
        if (!form_decode(pair, name_len, name)) {
            problem_set(problem, ERR_INVALID_FIELD, NULL, "%s", "a bad %-escape in a form name");
            goto fail;
        }
        size_t value_len = eq ? pair_len - name_len - 1 : 0;
        if (!form_decode(eq ? eq + 1 : pair + pair_len, value_len, value)) {
            problem_set(problem, ERR_INVALID_FIELD, name, "a bad %%-escape in form field %s", name);
            goto fail;
        }
        if (!textseg_utf8_valid(name, strlen(name)) || !textseg_utf8_valid(value, strlen(value))) {
            problem_set(problem, ERR_INVALID_UTF8, NULL, "%s", "the form is not valid UTF-8");
            goto fail;
        }
        if (cJSON_GetObjectItemCaseSensitive(root, name) != NULL) {
            problem_set(problem, ERR_INVALID_JSON, name, "form field %s is sent twice", name);
            goto fail;
        }
        if (cJSON_AddStringToObject(root, name, value) == NULL) {
            problem_set(problem, ERR_INTERNAL, NULL, "%s", "out of memory");
            goto fail;
        }
    }
    free(name);
    free(value);
    return root;
fail:
    free(name);
    free(value);
    cJSON_Delete(root);
    return NULL;
}

static const char *type_name(enum json_type type)
{
    static const char *const NAMES[] = {"a string",  "an integer", "a number",
                                        "a boolean", "an object",  "an array"};
    return NAMES[type];
}

static bool value_has_type(const cJSON *item, enum json_type type)
{
    switch (type) {
    case JSON_STRING:
        return cJSON_IsString(item);
    case JSON_INTEGER:
        return cJSON_IsNumber(item) && isfinite(item->valuedouble) &&
               floor(item->valuedouble) == item->valuedouble &&
               fabs(item->valuedouble) <= JSON_MAX_SAFE_INT;
    case JSON_NUMBER:
        return cJSON_IsNumber(item) && isfinite(item->valuedouble);
    case JSON_BOOL:
        return cJSON_IsBool(item);
    case JSON_OBJECT:
        return cJSON_IsObject(item);
    case JSON_ARRAY:
        return cJSON_IsArray(item);
    }
    return false;
}

static const struct json_field *field_find(const struct json_field *fields, size_t count,
                                           const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return NULL;
}

static bool check_value(const cJSON *item, const struct json_field *field,
                        struct json_problem *problem)
{
    field_copy(problem, field->name);
    if (!value_has_type(item, field->type)) {
        problem->code = ERR_INVALID_FIELD;
        snprintf(problem->message, sizeof problem->message, "field '%s' must be %s", field->name,
                 type_name(field->type));
        return false;
    }
    size_t limit = field->max_length;
    if (field->type == JSON_STRING) {
        size_t len = strlen(item->valuestring);
        if (!textseg_utf8_valid(item->valuestring, len)) {
            problem_set(problem, ERR_INVALID_UTF8, field->name, "field '%s' is not valid UTF-8",
                        field->name);
            return false;
        }
        if (len > (limit ? limit : 4096)) {
            problem->code = ERR_INVALID_FIELD;
            snprintf(problem->message, sizeof problem->message,
                     "field '%s' is too long (at most %zu bytes)", field->name,
                     limit ? limit : 4096);
            return false;
        }
    } else if (field->type == JSON_ARRAY &&
               (size_t)cJSON_GetArraySize(item) > (limit ? limit : 64)) {
        problem->code = ERR_INVALID_FIELD;
        snprintf(problem->message, sizeof problem->message, "field '%s' has too many items",
                 field->name);
        return false;
    }
    return true;
}

bool json_check(const cJSON *obj, const struct json_field *fields, size_t count,
                struct json_problem *problem)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, obj)
    {
        const struct json_field *field = field_find(fields, count, item->string);
        if (field == NULL) {
            problem_set(problem, ERR_UNKNOWN_FIELD, item->string, "unknown field '%s'",
                        item->string);
            return false;
        }
        // A duplicated member is ambiguous: refuse it rather than pick one.
        if (cJSON_GetObjectItemCaseSensitive(obj, item->string) != item) {
            problem_set(problem, ERR_INVALID_JSON, item->string, "field '%s' appears twice",
                        item->string);
            return false;
        }
        if (!cJSON_IsNull(item) && !check_value(item, field, problem))
            return false;
    }
    for (size_t i = 0; i < count; i++) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(obj, fields[i].name);
        if (fields[i].required && (value == NULL || cJSON_IsNull(value))) {
            problem_set(problem, ERR_MISSING_FIELD, fields[i].name, "field '%s' is required",
                        fields[i].name);
            return false;
        }
    }
    return true;
}

void json_problem_nest(struct json_problem *problem, const char *parent)
{
    char nested[sizeof problem->field * 2];
    snprintf(nested, sizeof nested, "%s%s%s", parent, problem->field[0] ? "." : "", problem->field);
    field_copy(problem, nested);
}

const char *json_get_string(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

bool json_get_int(const cJSON *obj, const char *name, int64_t *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (item == NULL || !value_has_type(item, JSON_INTEGER))
        return false;
    *out = (int64_t)item->valuedouble;
    return true;
}

double json_get_number(const cJSON *obj, const char *name, double fallback)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsNumber(item) ? item->valuedouble : fallback;
}

bool json_add_string_or_null(cJSON *obj, const char *name, const char *value)
{
    return (value ? cJSON_AddStringToObject(obj, name, value) : cJSON_AddNullToObject(obj, name)) !=
           NULL;
}

bool json_add_int(cJSON *obj, const char *name, int64_t value)
{
    // Printed once as an integer token (cJSON prints numbers through printf's
    // floating-point path and a scanf round trip: a third of a case's render).
    char text[24], *p = text + sizeof text;
    *--p = '\0';
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    do
        *--p = (char)('0' + magnitude % 10);
    while ((magnitude /= 10) != 0);
    if (value < 0)
        *--p = '-';
    cJSON *item = cJSON_CreateRaw(p);
    if (item == NULL)
        return false;
    item->valuedouble = (double)value; // readable as a number in the tree too
    item->valueint = value > INT_MAX ? INT_MAX : value < INT_MIN ? INT_MIN : (int)value;
    if (!cJSON_AddItemToObject(obj, name, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}
