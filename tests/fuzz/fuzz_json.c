// SPDX-License-Identifier: MIT
// Fuzzes the strict body parser and the field checks of json.c. An accepted body
// is valid UTF-8, an object, every string and member name in it is valid UTF-8
// without NUL, and it prints and parses back to an equal tree. json_check, run on
// the body and on every nested object against a request-like field list, agrees
// with a brute-force reading of the tree; every problem it reports has a known
// code, and a message and field that are valid UTF-8 and fit their buffers, also
// after json_problem_nest. Input: the body.
#include "errors.h"
#include "fuzz.h"
#include "json.h"
#include "textseg.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

// Shaped like a case intake: every type, a short string limit, an array limit.
static const struct json_field FIELDS[] = {
    {"title", JSON_STRING, true, 20},
    {"description", JSON_STRING, false, 0},
    {"category_id", JSON_INTEGER, false, 0},
    {"lat", JSON_NUMBER, false, 0},
    {"urgent", JSON_BOOL, false, 0},
    {"location", JSON_OBJECT, false, 0},
    {"photos", JSON_ARRAY, false, 3},
    {"备注", JSON_STRING, false, 0},
};

static bool string_ok(const char *s)
{
    return s != NULL && textseg_utf8_valid(s, strlen(s));
}

// True when every number in the tree is finite (cJSON prints others as null).
static bool numbers_finite(const cJSON *item)
{
    if (cJSON_IsNumber(item) && !isfinite(item->valuedouble))
        return false;
    for (const cJSON *child = item->child; child != NULL; child = child->next)
        if (!numbers_finite(child))
            return false;
    return true;
}

// Member by member in order (cJSON_Compare looks members up by name, which a
// duplicated name defeats). cJSON prints a number with 15 digits when that reads
// back within an epsilon of it, so numbers match within a few units in the last
// place, not exactly.
static bool same_tree(const cJSON *a, const cJSON *b)
{
    if ((a->type & 0xff) != (b->type & 0xff) || (a->string == NULL) != (b->string == NULL) ||
        (a->string != NULL && strcmp(a->string, b->string) != 0))
        return false;
    if (cJSON_IsNumber(a) && fabs(a->valuedouble - b->valuedouble) >
                                 4 * DBL_EPSILON * fmax(fabs(a->valuedouble), fabs(b->valuedouble)))
        return false;
    if (cJSON_IsString(a) && strcmp(a->valuestring, b->valuestring) != 0)
        return false;
    const cJSON *x = a->child, *y = b->child;
    for (; x != NULL && y != NULL; x = x->next, y = y->next)
        if (!same_tree(x, y))
            return false;
    return x == NULL && y == NULL;
}

static void check_strings(const cJSON *item)
{
    if (item->string != NULL)
        FUZZ_CHECK(string_ok(item->string), "a member name is not valid UTF-8");
    if (cJSON_IsString(item))
        FUZZ_CHECK(string_ok(item->valuestring), "a string value is not valid UTF-8");
    for (const cJSON *child = item->child; child != NULL; child = child->next)
        check_strings(child);
}

static bool is_known_code(const char *code)
{
    static const char *const CODES[] = {ERR_INVALID_JSON, ERR_INVALID_UTF8, ERR_UNKNOWN_FIELD,
                                        ERR_MISSING_FIELD, ERR_INVALID_FIELD};
    for (size_t i = 0; i < COUNT_OF(CODES); i++)
        if (strcmp(code, CODES[i]) == 0)
            return true;
    return false;
}

static void check_problem(const struct json_problem *problem)
{
    FUZZ_CHECK(problem->code != NULL && is_known_code(problem->code), "unknown problem code");
    FUZZ_CHECK(memchr(problem->message, '\0', sizeof problem->message) != NULL,
               "the message is not terminated");
    FUZZ_CHECK(memchr(problem->field, '\0', sizeof problem->field) != NULL,
               "the field is not terminated");
    FUZZ_CHECK(string_ok(problem->message), "message '%s' is not valid UTF-8", problem->message);
    FUZZ_CHECK(string_ok(problem->field), "field '%s' is not valid UTF-8", problem->field);
    FUZZ_CHECK(problem->message[0] != '\0', "the message is empty");
}

static const struct json_field *field_named(const char *name)
{
    for (size_t i = 0; i < COUNT_OF(FIELDS); i++)
        if (strcmp(FIELDS[i].name, name) == 0)
            return &FIELDS[i];
    return NULL;
}

static bool type_fits(const cJSON *item, enum json_type type, size_t limit)
{
    switch (type) {
    case JSON_STRING:
        return cJSON_IsString(item) && strlen(item->valuestring) <= (limit ? limit : 4096);
    case JSON_INTEGER:
        return cJSON_IsNumber(item) && item->valuedouble == trunc(item->valuedouble) &&
               fabs(item->valuedouble) <= 9007199254740992.0;
    case JSON_NUMBER:
        return cJSON_IsNumber(item) && isfinite(item->valuedouble);
    case JSON_BOOL:
        return cJSON_IsBool(item);
    case JSON_OBJECT:
        return cJSON_IsObject(item);
    case JSON_ARRAY:
        return cJSON_IsArray(item) && (size_t)cJSON_GetArraySize(item) <= (limit ? limit : 64);
    }
    return false;
}

// What json_check must answer, read off the tree by brute force.
static bool expected_check(const cJSON *obj)
{
    for (const cJSON *a = obj->child; a != NULL; a = a->next) {
        const struct json_field *field = field_named(a->string);
        if (field == NULL)
            return false;
        for (const cJSON *b = obj->child; b != a; b = b->next)
            if (strcmp(a->string, b->string) == 0)
                return false;
        if (!cJSON_IsNull(a) && !type_fits(a, field->type, field->max_length))
            return false;
    }
    for (size_t i = 0; i < COUNT_OF(FIELDS); i++) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(obj, FIELDS[i].name);
        if (FIELDS[i].required && (value == NULL || cJSON_IsNull(value)))
            return false;
    }
    return true;
}

// Runs json_check on obj and on every object nested in it, nesting problems
// under the member's name as the API's handlers do.
static void check_objects(const cJSON *obj, const char *parent)
{
    struct json_problem problem;
    memset(&problem, 0x5a, sizeof problem); // no stale terminator to lean on
    bool ok = json_check(obj, FIELDS, COUNT_OF(FIELDS), &problem);
    FUZZ_CHECK(ok == expected_check(obj), "json_check said %d", ok);
    if (!ok) {
        check_problem(&problem);
        if (parent != NULL) {
            json_problem_nest(&problem, parent);
            check_problem(&problem);
            size_t plen = strlen(parent), flen = strlen(problem.field);
            FUZZ_CHECK(strncmp(problem.field, parent, flen < plen ? flen : plen) == 0,
                       "nested field '%s' does not start with '%s'", problem.field, parent);
        }
    } else {
        int64_t id;
        if (json_get_int(obj, "category_id", &id))
            FUZZ_CHECK((double)id == json_get_number(obj, "category_id", 0.5),
                       "category_id read as %lld", (long long)id);
        const char *title = json_get_string(obj, "title");
        FUZZ_CHECK(title != NULL && strlen(title) <= 20, "a checked title is not there");
    }
    for (const cJSON *child = obj->child; child != NULL; child = child->next)
        if (cJSON_IsObject(child))
            check_objects(child, child->string);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    struct json_problem problem;
    memset(&problem, 0x5a, sizeof problem);
    cJSON *root = json_parse_object(body, size, &problem);
    if (root == NULL) {
        check_problem(&problem);
        // Only a member named twice is blamed on a field (its path); any other
        // problem of the body names none.
        FUZZ_CHECK(problem.field[0] == '\0' || strstr(problem.message, "appears twice") != NULL,
                   "a body problem blames field '%s': %s", problem.field, problem.message);
        return 0;
    }
    FUZZ_CHECK(textseg_utf8_valid(body, size), "an invalid UTF-8 body was accepted");
    FUZZ_CHECK(cJSON_IsObject(root), "the body is not an object");
    check_strings(root);
    check_objects(root, NULL);
    if (numbers_finite(root)) {
        char *printed = cJSON_PrintUnformatted(root);
        FUZZ_CHECK(printed != NULL, "the tree does not print");
        cJSON *again = json_parse_object(printed, strlen(printed), &problem);
        FUZZ_CHECK(again != NULL, "the printed tree is refused: %s", problem.message);
        FUZZ_CHECK(same_tree(root, again), "the printed tree differs: %s", printed);
        cJSON_Delete(again);
        cJSON_free(printed);
    }
    cJSON_Delete(root);
    return 0;
}
