// SPDX-License-Identifier: MIT
// Unit tests of the JSON helpers: strict parsing of request bodies (exact length,
// no trailing garbage, UTF-8, objects only), field checking against a declared list
// (unknown, missing, null, wrong type, integer range, string and array limits,
// duplicates), the getters and the exact integer and nullable string adders.
#include "json.h"

#include "errors.h"
#include "textseg.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

// Parses a body of len bytes copied into an exactly sized heap buffer (no NUL after
// it), so that a read past len is caught by the address sanitizer.
static cJSON *parse_len(const char *body, size_t len, struct json_problem *problem)
{
    char *copy = malloc(len ? len : 1);
    cr_assert_not_null(copy);
    memcpy(copy, body, len);
    memset(problem, 0, sizeof *problem);
    cJSON *root = json_parse_object(copy, len, problem);
    free(copy);
    return root;
}

static cJSON *parse_ok(const char *body)
{
    struct json_problem problem;
    cJSON *root = parse_len(body, strlen(body), &problem);
    cr_assert_not_null(root, "'%s' refused: %s", body, problem.message);
    cr_assert(cJSON_IsObject(root));
    return root;
}

static void expect_parse_refused_len(const char *body, size_t len, const char *code)
{
    struct json_problem problem;
    cJSON *root = parse_len(body, len, &problem);
    cr_assert_null(root, "'%.*s' accepted", (int)len, body);
    cr_assert_not_null(problem.code, "'%.*s': no code", (int)len, body);
    cr_assert_str_eq(problem.code, code, "'%.*s'", (int)len, body);
    cr_assert_gt(strlen(problem.message), 0);
    cr_assert_str_empty(problem.field, "'%.*s': the body, not a member, is to blame", (int)len,
                        body);
}

static void expect_parse_refused(const char *body, const char *code)
{
    expect_parse_refused_len(body, strlen(body), code);
}

// The fields of a made-up "report a case" body used by the json_check tests.
static const struct json_field REPORT_FIELDS[] = {
    {"title", JSON_STRING, true, 10},  {"grid", JSON_INTEGER, true, 0},
    {"lat", JSON_NUMBER, false, 0},    {"urgent", JSON_BOOL, false, 0},
    {"extra", JSON_OBJECT, false, 0},  {"photos", JSON_ARRAY, false, 3},
    {"note", JSON_STRING, false, 0},   {"tags", JSON_ARRAY, false, 0},
    {"count", JSON_INTEGER, false, 0},
};

static void expect_check_ok(const char *body)
{
    cJSON *root = parse_ok(body);
    struct json_problem problem = {0};
    bool ok = json_check(root, REPORT_FIELDS, COUNT_OF(REPORT_FIELDS), &problem);
    cr_assert(ok, "'%s' refused: %s %s", body, problem.code, problem.message);
    cJSON_Delete(root);
}

// Checks obj and expects a refusal with `code` that blames `field` and names it
// in the message.
static void expect_obj_refused(const cJSON *root, const char *code, const char *field)
{
    struct json_problem problem = {0};
    bool ok = json_check(root, REPORT_FIELDS, COUNT_OF(REPORT_FIELDS), &problem);
    char *text = cJSON_PrintUnformatted(root);
    cr_assert_not(ok, "'%s' accepted", text);
    cr_assert_not_null(problem.code);
    cr_assert_str_eq(problem.code, code, "'%s': %s", text, problem.message);
    cr_assert_not_null(strstr(problem.message, field), "'%s': message '%s' does not name '%s'",
                       text, problem.message, field);
    cr_assert_str_eq(problem.field, field, "'%s': field", text);
    cJSON_free(text);
}

static void expect_check_refused(const char *body, const char *code, const char *field)
{
    cJSON *root = parse_ok(body);
    expect_obj_refused(root, code, field);
    cJSON_Delete(root);
}

// Builds {"title":"t","grid":1,<name>:<string of n copies of unit>}.
static cJSON *with_string(const char *name, const char *unit, size_t n)
{
    size_t unit_len = strlen(unit);
    char *text = malloc(n * unit_len + 1);
    cr_assert_not_null(text);
    for (size_t i = 0; i < n; i++)
        memcpy(text + i * unit_len, unit, unit_len);
    text[n * unit_len] = '\0';
    cJSON *root = cJSON_CreateObject();
    cr_assert_not_null(cJSON_AddNumberToObject(root, "grid", 1));
    if (strcmp(name, "title") != 0)
        cr_assert_not_null(cJSON_AddStringToObject(root, "title", "t"));
    cr_assert_not_null(cJSON_AddStringToObject(root, name, text));
    free(text);
    return root;
}

// Builds {"title":"t","grid":1,<name>:[0,1,...,n-1]}.
static cJSON *with_array(const char *name, int n)
{
    cJSON *root = cJSON_CreateObject();
    cr_assert_not_null(cJSON_AddStringToObject(root, "title", "t"));
    cr_assert_not_null(cJSON_AddNumberToObject(root, "grid", 1));
    cJSON *array = cJSON_AddArrayToObject(root, name);
    cr_assert_not_null(array);
    for (int i = 0; i < n; i++)
        cr_assert(cJSON_AddItemToArray(array, cJSON_CreateNumber(i)));
    return root;
}

static bool check_report(const cJSON *root)
{
    struct json_problem problem = {0};
    return json_check(root, REPORT_FIELDS, COUNT_OF(REPORT_FIELDS), &problem);
}

// ---- json_parse_object ----

Test(json_parse, valid_object)
{
    cJSON *root = parse_ok("{\"title\":\"井盖缺失\",\"grid\":440305,\"urgent\":true}");
    cr_assert_str_eq(json_get_string(root, "title"), "井盖缺失");
    int64_t grid = 0;
    cr_assert(json_get_int(root, "grid", &grid));
    cr_assert_eq(grid, 440305);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "urgent")));
    cJSON_Delete(root);

    root = parse_ok("{}");
    cr_assert_null(root->child);
    cJSON_Delete(root);
}

Test(json_parse, empty_body_refused)
{
    expect_parse_refused_len("", 0, ERR_INVALID_JSON);
    struct json_problem problem = {0};
    cr_assert_null(json_parse_object(NULL, 0, &problem));
    cr_assert_str_eq(problem.code, ERR_INVALID_JSON);
    expect_parse_refused("   ", ERR_INVALID_JSON);
    expect_parse_refused("\n", ERR_INVALID_JSON);
}

Test(json_parse, trailing_garbage_refused)
{
    const char *const cases[] = {"{} x", "{}{}", "{},", "{}]", "{\"a\":1}}", "{} // c", "{}\n1"};
    for (size_t i = 0; i < COUNT_OF(cases); i++)
        expect_parse_refused(cases[i], ERR_INVALID_JSON);
}

Test(json_parse, surrounding_whitespace_accepted)
{
    cJSON_Delete(parse_ok("{} "));
    cJSON_Delete(parse_ok("{}\r\n"));
    cJSON_Delete(parse_ok("{}\t \n\n"));
    cJSON_Delete(parse_ok("  \n{ \"a\" : 1 }  "));
}

Test(json_parse, non_object_refused)
{
    const char *const cases[] = {"[]", "[{\"a\":1}]", "\"text\"", "1", "null", "true"};
    for (size_t i = 0; i < COUNT_OF(cases); i++)
        expect_parse_refused(cases[i], ERR_INVALID_JSON);
}

Test(json_parse, malformed_json_refused)
{
    const char *const cases[] = {"{", "{a:1}", "{\"a\":}", "{\"a\" 1}", "{'a':1}", "{\"a\":1,}"};
    for (size_t i = 0; i < COUNT_OF(cases); i++)
        expect_parse_refused(cases[i], ERR_INVALID_JSON);
}

Test(json_parse, only_len_bytes_are_parsed)
{
    // The first 7 bytes are a complete object; the rest is outside the body.
    const char *text = "{\"a\":1}garbage";
    struct json_problem problem;
    cJSON *root = parse_len(text, 7, &problem);
    cr_assert_not_null(root, "%s", problem.message);
    cJSON_Delete(root);
    // A body cut short is incomplete even though more text follows in memory.
    expect_parse_refused_len(text, 6, ERR_INVALID_JSON);
    expect_parse_refused_len("{\"a\":\"xyz\"}", 8, ERR_INVALID_JSON);
}

Test(json_parse, invalid_utf8_refused)
{
    const char *const cases[] = {
        "{\"a\":\"\xff\"}",             // never valid
        "{\"a\":\"\xc0\xaf\"}",         // overlong '/'
        "{\"a\":\"\xed\xa0\x80\"}",     // encoded surrogate
        "{\"a\":\"\xe4\xba\"}",         // truncated 3-byte sequence
        "{\"a\":\"\xf4\x90\x80\x80\"}", // above U+10FFFF
        "{\"\xe4\xba\x95\x80\":1}",     // stray continuation byte in a name
        "{\"a\":1}\xff",                // after the value
    };
    for (size_t i = 0; i < COUNT_OF(cases); i++)
        expect_parse_refused(cases[i], ERR_INVALID_UTF8);
}

Test(json_parse, valid_utf8_accepted)
{
    cJSON *root = parse_ok("{\"井\":\"城管 é 😀\"}");
    cr_assert_str_eq(json_get_string(root, "井"), "城管 é 😀");
    cJSON_Delete(root);
    // Escapes decode to UTF-8, surrogate pairs included.
    root = parse_ok("{\"a\":\"\\u4e95\\ud83d\\ude00\"}");
    cr_assert_str_eq(json_get_string(root, "a"), "井😀");
    cJSON_Delete(root);
}

Test(json_parse, nul_byte_in_body_refused)
{
    const char body[] = "{\"a\":\"x\0y\"}";
    expect_parse_refused_len(body, sizeof body - 1, ERR_INVALID_UTF8);
    const char after[] = "{}\0";
    expect_parse_refused_len(after, sizeof after - 1, ERR_INVALID_UTF8);
    const char before[] = "\0{}";
    expect_parse_refused_len(before, sizeof before - 1, ERR_INVALID_UTF8);
}

// cJSON alone takes these (it reads numbers with strtod and skips a byte order
// mark); RFC 8259 does not.
Test(json_parse, non_standard_numbers_refused)
{
    const char *const cases[] = {
        "{\"a\":0110}",       "{\"a\":-.5}",   "{\"a\":+1}",       "{\"a\":1.}",
        "{\"a\":.5}",         "{\"a\":NaN}",   "{\"a\":Infinity}", "{\"a\":-Infinity}",
        "{\"a\":1e}",         "{\"a\":1e+}",   "{\"a\":-}",        "{\"a\":00}",
        "{\"a\":-01}",        "{\"a\":0x10}",  "{\"a\":1.5.2}",    "{\"a\":[1,2,+3]}",
        "{\"a\":{\"b\":.1}}", "{\"a\":1E5e3}",
    };
    for (size_t i = 0; i < COUNT_OF(cases); i++)
        expect_parse_refused(cases[i], ERR_INVALID_JSON);
}

Test(json_parse, standard_numbers_accepted)
{
    cJSON *root = parse_ok("{\"a\":0,\"b\":-0,\"c\":10,\"d\":-1.5,\"e\":0.25,\"f\":1e3,"
                           "\"g\":2E-2,\"h\":-0.0e+1,\"i\":[1,-2,3.5]}");
    cr_assert_float_eq(json_get_number(root, "d", 0), -1.5, 1e-12);
    cr_assert_float_eq(json_get_number(root, "f", 0), 1000, 1e-9);
    cr_assert_float_eq(json_get_number(root, "g", 0), 0.02, 1e-12);
    cJSON_Delete(root);
}

Test(json_parse, byte_order_mark_refused)
{
    struct json_problem problem;
    const char body[] = "\xEF\xBB\xBF{\"a\":1}";
    cr_assert_null(parse_len(body, sizeof body - 1, &problem));
    cr_assert_str_eq(problem.code, ERR_INVALID_JSON);
    cr_assert_not_null(strstr(problem.message, "byte order mark"), "%s", problem.message);
    // Nor in the middle, outside a string.
    expect_parse_refused("{\"a\":\xEF\xBB\xBF"
                         "1}",
                         ERR_INVALID_JSON);
    // Inside a string it is a character like any other.
    cJSON_Delete(parse_ok("{\"a\":\"\xEF\xBB\xBF\"}"));
}

Test(json_parse, non_standard_syntax_refused)
{
    const char *const cases[] = {
        "{\"a\":tru}",
        "{\"a\":True}",
        "{\"a\":nul}",
        "{\"a\":undefined}",
        "{\"a\":\"x\ty\"}",
        "{\"a\":\"\\x41\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00x\"}",
        "{\"a\":\"\\ud800\\u0041\"}",
        "{\"a\":[1,]}",
        "{\"a\":[,1]}",
        "{,}",
        "{\"a\":1 \"b\":2}",
        "{\"a\"}",
        "{\"a\":\"x}",
        "{\"a\":1}\v",
        "\v{\"a\":1}",
        "{\"a\":\"\\",
        "{\"a\":[1}",
        "{\"a\":{]}",
    };
    for (size_t i = 0; i < COUNT_OF(cases); i++)
        expect_parse_refused(cases[i], ERR_INVALID_JSON);
}

Test(json_parse, the_error_says_where)
{
    struct json_problem problem;
    cr_assert_null(parse_len("{\"a\":0110}", 10, &problem));
    cr_assert_not_null(strstr(problem.message, "leading zero"), "%s", problem.message);
    cr_assert_not_null(strstr(problem.message, "at byte 6"), "%s", problem.message);
}

Test(json_parse, nesting_is_bounded)
{
    char deep[2 * 70 + 8];
    size_t n = 0;
    deep[n++] = '{';
    deep[n++] = '"';
    deep[n++] = 'a';
    deep[n++] = '"';
    deep[n++] = ':';
    for (int i = 0; i < 70; i++)
        deep[n++] = '[';
    for (int i = 0; i < 70; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    expect_parse_refused_len(deep, n, ERR_INVALID_JSON);
    cJSON_Delete(parse_ok("{\"a\":[[[[[[[[1]]]]]]]]}"));
}

// Refuses body with a repeated member and checks the path named as the field.
static void expect_repeated(const char *body, const char *path)
{
    struct json_problem problem;
    cr_assert_null(parse_len(body, strlen(body), &problem), "'%s' accepted", body);
    cr_assert_str_eq(problem.code, ERR_INVALID_JSON, "'%s'", body);
    cr_assert_str_eq(problem.field, path, "'%s'", body);
    cr_assert_not_null(strstr(problem.message, "twice"), "%s", problem.message);
}

Test(json_parse, repeated_members_refused_at_any_depth)
{
    expect_repeated("{\"a\":1,\"a\":1}", "a");
    expect_repeated("{\"a\":1,\"b\":2,\"a\":null}", "a");
    expect_repeated("{\"x\":{\"b\":1,\"b\":2}}", "x.b");
    expect_repeated("{\"features\":[{\"properties\":{\"code\":\"1\"}},"
                    "{\"properties\":{\"code\":\"1\",\"name\":\"n\",\"code\":\"2\"}}]}",
                    "features[1].properties.code");
    expect_repeated("{\"a\":[[{\"k\":1,\"k\":1}]]}", "a[0][0].k");
    // Escapes spell the same name.
    expect_repeated("{\"ab\":1,\"a\\u0062\":2}", "ab");
    // The same name in different objects is fine.
    cJSON_Delete(parse_ok("{\"a\":{\"a\":{\"a\":1}},\"b\":[{\"a\":1},{\"a\":2}]}"));
}

Test(json_parse, a_repeat_among_many_members_is_found)
{
    // Past the small on-stack list, in sorted order or not.
    char body[40 * 12 + 32];
    size_t n = (size_t)snprintf(body, sizeof body, "{");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "\"m%02d\":%d,", (i * 7) % 40, i);
    size_t distinct = n;
    snprintf(body + n, sizeof body - n, "\"m05\":0}");
    expect_repeated(body, "m05");
    body[distinct - 1] = '}'; // cut the repeat: 40 distinct members
    body[distinct] = '\0';
    cJSON_Delete(parse_ok(body));
}

// ---- json_check ----

Test(json_check, valid_objects_accepted)
{
    expect_check_ok("{\"title\":\"manhole\",\"grid\":7}");
    expect_check_ok("{\"grid\":-3,\"title\":\"\",\"lat\":22.54,\"urgent\":false,"
                    "\"extra\":{\"any\":[1,2]},\"photos\":[\"a\",\"b\"],\"note\":\"n\","
                    "\"tags\":[],\"count\":0}");
    // Integers are valid numbers.
    expect_check_ok("{\"title\":\"t\",\"grid\":1,\"lat\":22}");
}

Test(json_check, unknown_field_refused)
{
    expect_check_refused("{\"title\":\"t\",\"grid\":1,\"owner\":\"x\"}", ERR_UNKNOWN_FIELD,
                         "owner");
    // Names are case-sensitive.
    expect_check_refused("{\"Title\":\"t\",\"grid\":1}", ERR_UNKNOWN_FIELD, "Title");
    // An unknown null is still unknown.
    expect_check_refused("{\"title\":\"t\",\"grid\":1,\"x\":null}", ERR_UNKNOWN_FIELD, "x");

    cJSON *root = parse_ok("{\"a\":1}");
    struct json_problem problem = {0};
    cr_assert_not(json_check(root, NULL, 0, &problem));
    cr_assert_str_eq(problem.code, ERR_UNKNOWN_FIELD);
    cJSON_Delete(root);
    root = parse_ok("{}");
    cr_assert(json_check(root, NULL, 0, &problem));
    cJSON_Delete(root);
}

Test(json_check, missing_required_refused)
{
    expect_check_refused("{\"grid\":1}", ERR_MISSING_FIELD, "title");
    expect_check_refused("{\"title\":\"t\"}", ERR_MISSING_FIELD, "grid");
    expect_check_refused("{}", ERR_MISSING_FIELD, "title");
}

Test(json_check, null_counts_as_absent)
{
    expect_check_refused("{\"title\":null,\"grid\":1}", ERR_MISSING_FIELD, "title");
    expect_check_refused("{\"title\":\"t\",\"grid\":null}", ERR_MISSING_FIELD, "grid");
    // An optional null is fine whatever its declared type.
    expect_check_ok("{\"title\":\"t\",\"grid\":1,\"lat\":null,\"urgent\":null,\"extra\":null,"
                    "\"photos\":null,\"note\":null,\"count\":null}");
}

Test(json_check, wrong_type_refused)
{
    expect_check_refused("{\"title\":5,\"grid\":1}", ERR_INVALID_FIELD, "title");
    expect_check_refused("{\"title\":\"t\",\"grid\":\"1\"}", ERR_INVALID_FIELD, "grid");
    expect_check_refused("{\"title\":\"t\",\"grid\":true}", ERR_INVALID_FIELD, "grid");
    expect_check_refused("{\"title\":\"t\",\"grid\":1,\"lat\":\"22.5\"}", ERR_INVALID_FIELD, "lat");
    expect_check_refused("{\"title\":\"t\",\"grid\":1,\"urgent\":1}", ERR_INVALID_FIELD, "urgent");
    expect_check_refused("{\"title\":\"t\",\"grid\":1,\"urgent\":\"true\"}", ERR_INVALID_FIELD,
                         "urgent");
    expect_check_refused("{\"title\":\"t\",\"grid\":1,\"extra\":[]}", ERR_INVALID_FIELD, "extra");
    expect_check_refused("{\"title\":\"t\",\"grid\":1,\"photos\":{}}", ERR_INVALID_FIELD, "photos");
    expect_check_refused("{\"title\":\"t\",\"grid\":1,\"photos\":\"a\"}", ERR_INVALID_FIELD,
                         "photos");
    expect_check_refused("{\"title\":[\"t\"],\"grid\":1}", ERR_INVALID_FIELD, "title");
}

Test(json_check, integer_must_be_whole_and_safe)
{
    expect_check_refused("{\"title\":\"t\",\"grid\":1.5}", ERR_INVALID_FIELD, "grid");
    expect_check_refused("{\"title\":\"t\",\"grid\":-0.25}", ERR_INVALID_FIELD, "grid");
    // 2^60 is whole but beyond +-2^53.
    expect_check_refused("{\"title\":\"t\",\"grid\":1152921504606846976}", ERR_INVALID_FIELD,
                         "grid");
    expect_check_refused("{\"title\":\"t\",\"grid\":-1152921504606846976}", ERR_INVALID_FIELD,
                         "grid");
    expect_check_refused("{\"title\":\"t\",\"grid\":1e300}", ERR_INVALID_FIELD, "grid");
    expect_check_ok("{\"title\":\"t\",\"grid\":9007199254740992}");
    expect_check_ok("{\"title\":\"t\",\"grid\":-9007199254740992}");
    expect_check_ok("{\"title\":\"t\",\"grid\":0}");
    expect_check_ok("{\"title\":\"t\",\"grid\":1e3}");
    expect_check_ok("{\"title\":\"t\",\"grid\":2.0}");
    // A number field takes fractions.
    expect_check_ok("{\"title\":\"t\",\"grid\":1,\"lat\":1.5}");
}

Test(json_check, string_length_limit)
{
    // title allows 10 bytes.
    cJSON *root = with_string("title", "a", 10);
    cr_assert(check_report(root), "exactly max_length refused");
    cJSON_Delete(root);
    root = with_string("title", "a", 11);
    expect_obj_refused(root, ERR_INVALID_FIELD, "title");
    cJSON_Delete(root);
    // The limit counts bytes, not characters: 3 x 3 bytes fit, 4 x 3 do not.
    root = with_string("title", "井", 3);
    cr_assert(check_report(root));
    cJSON_Delete(root);
    root = with_string("title", "井", 4);
    expect_obj_refused(root, ERR_INVALID_FIELD, "title");
    cJSON_Delete(root);
    root = with_string("title", "", 0);
    cr_assert(check_report(root));
    cJSON_Delete(root);
}

Test(json_check, string_default_limit_is_4096)
{
    cJSON *root = with_string("note", "b", 4096);
    cr_assert(check_report(root), "4096 bytes refused with the default limit");
    cJSON_Delete(root);
    root = with_string("note", "b", 4097);
    expect_obj_refused(root, ERR_INVALID_FIELD, "note");
    cJSON_Delete(root);
}

Test(json_check, array_item_limit)
{
    // photos allows 3 items.
    cJSON *root = with_array("photos", 3);
    cr_assert(check_report(root));
    cJSON_Delete(root);
    root = with_array("photos", 4);
    expect_obj_refused(root, ERR_INVALID_FIELD, "photos");
    cJSON_Delete(root);
    root = with_array("photos", 0);
    cr_assert(check_report(root));
    cJSON_Delete(root);
    // tags has the default limit of 64.
    root = with_array("tags", 64);
    cr_assert(check_report(root));
    cJSON_Delete(root);
    root = with_array("tags", 65);
    expect_obj_refused(root, ERR_INVALID_FIELD, "tags");
    cJSON_Delete(root);
}

// json_parse_object refuses a repeated member itself; json_check still refuses one
// in a tree built by other means (cJSON lets an object hold a name twice).
Test(json_check, duplicate_member_refused)
{
    const char *const names[] = {"title", "grid", "note"};
    for (size_t i = 0; i < COUNT_OF(names); i++) {
        cJSON *root = parse_ok("{\"title\":\"a\",\"grid\":1,\"note\":\"x\"}");
        cJSON_AddItemToObject(root, names[i], cJSON_CreateNull());
        struct json_problem problem = {0};
        cr_assert_not(json_check(root, REPORT_FIELDS, COUNT_OF(REPORT_FIELDS), &problem),
                      "a second '%s' accepted", names[i]);
        cr_assert_str_eq(problem.code, ERR_INVALID_JSON);
        cr_assert_str_eq(problem.field, names[i]);
        cr_assert_gt(strlen(problem.message), 0);
        cJSON_Delete(root);
    }
}

Test(json_check, long_unknown_field_cut_at_a_character_boundary)
{
    // 100 three-byte characters: the blamed name is cut short, never mid-character.
    char name[301];
    for (int i = 0; i < 100; i++)
        memcpy(name + 3 * i, "\xe5\x90\x8d", 3);
    name[300] = '\0';
    cJSON *root = cJSON_CreateObject();
    cr_assert_not_null(cJSON_AddStringToObject(root, name, "x"));
    struct json_problem problem = {0};
    cr_assert_not(json_check(root, REPORT_FIELDS, COUNT_OF(REPORT_FIELDS), &problem));
    cr_assert_str_eq(problem.code, ERR_UNKNOWN_FIELD);
    size_t len = strlen(problem.field);
    cr_assert_lt(len, sizeof problem.field);
    cr_assert_gt(len, 0);
    cr_assert_eq(len % 3, 0, "cut mid-character: %zu bytes", len);
    cr_assert_eq(memcmp(problem.field, name, len), 0);
    cr_assert(textseg_utf8_valid(problem.message, strlen(problem.message)), "message: %s",
              problem.message);
    cJSON_Delete(root);
}

Test(json_check, nested_problem_names_its_path)
{
    cJSON *root = parse_ok("{\"grid\":1}");
    struct json_problem problem = {0};
    cr_assert_not(json_check(root, REPORT_FIELDS, COUNT_OF(REPORT_FIELDS), &problem));
    json_problem_nest(&problem, "limits.accept");
    cr_assert_str_eq(problem.field, "limits.accept.title");
    cr_assert_str_eq(problem.code, ERR_MISSING_FIELD);
    cJSON_Delete(root);
}

Test(json_check, invalid_utf8_in_built_string_refused)
{
    // A tree built in code (not through json_parse_object) is checked too.
    cJSON *root = cJSON_CreateObject();
    cr_assert_not_null(cJSON_AddStringToObject(root, "title", "ok\xff"));
    cr_assert_not_null(cJSON_AddNumberToObject(root, "grid", 1));
    struct json_problem problem = {0};
    cr_assert_not(json_check(root, REPORT_FIELDS, COUNT_OF(REPORT_FIELDS), &problem));
    cr_assert_str_eq(problem.code, ERR_INVALID_UTF8);
    cr_assert_not_null(strstr(problem.message, "title"));
    cr_assert_str_eq(problem.field, "title");
    cJSON_Delete(root);
}

// Regression: "\u0000" decodes to a NUL that silently cuts the string short.
Test(json_parse, escaped_nul_in_string_refused)
{
    expect_parse_refused("{\"title\":\"ok\\u0000hidden\",\"grid\":1}", ERR_INVALID_JSON);
    expect_parse_refused("{\"a\\u0000b\":1}", ERR_INVALID_JSON);
}

// ---- getters and adders ----

Test(json_get, get_string)
{
    cJSON *root = parse_ok("{\"s\":\"value\",\"e\":\"\",\"n\":null,\"i\":3,\"b\":true,"
                           "\"o\":{\"s\":\"inner\"}}");
    cr_assert_str_eq(json_get_string(root, "s"), "value");
    cr_assert_str_eq(json_get_string(root, "e"), "");
    cr_assert_null(json_get_string(root, "n"));
    cr_assert_null(json_get_string(root, "i"));
    cr_assert_null(json_get_string(root, "b"));
    cr_assert_null(json_get_string(root, "o"));
    cr_assert_null(json_get_string(root, "absent"));
    cr_assert_null(json_get_string(root, "S"));
    cJSON_Delete(root);
}

Test(json_get, get_int)
{
    cJSON *root = parse_ok("{\"a\":42,\"neg\":-7,\"max\":9007199254740992,"
                           "\"min\":-9007199254740992,\"big\":1152921504606846976,"
                           "\"frac\":1.5,\"str\":\"1\",\"n\":null,\"b\":true}");
    int64_t v = 0;
    cr_assert(json_get_int(root, "a", &v));
    cr_assert_eq(v, 42);
    cr_assert(json_get_int(root, "neg", &v));
    cr_assert_eq(v, -7);
    cr_assert(json_get_int(root, "max", &v));
    cr_assert_eq(v, INT64_C(9007199254740992));
    cr_assert(json_get_int(root, "min", &v));
    cr_assert_eq(v, -INT64_C(9007199254740992));
    const char *const refused[] = {"big", "frac", "str", "n", "b", "absent", "A"};
    for (size_t i = 0; i < COUNT_OF(refused); i++) {
        v = 12345;
        cr_assert_not(json_get_int(root, refused[i], &v), "'%s' read as an integer", refused[i]);
        cr_assert_eq(v, 12345, "'%s' changed *out on failure", refused[i]);
    }
    cJSON_Delete(root);
}

Test(json_get, get_number)
{
    cJSON *root = parse_ok("{\"lat\":22.5431,\"i\":3,\"neg\":-0.5,\"s\":\"1.5\",\"n\":null}");
    cr_assert_float_eq(json_get_number(root, "lat", -1), 22.5431, 1e-12);
    cr_assert_float_eq(json_get_number(root, "i", -1), 3.0, 1e-12);
    cr_assert_float_eq(json_get_number(root, "neg", -1), -0.5, 1e-12);
    cr_assert_float_eq(json_get_number(root, "absent", 99.25), 99.25, 1e-12);
    cr_assert_float_eq(json_get_number(root, "s", 7), 7.0, 1e-12);
    cr_assert_float_eq(json_get_number(root, "n", 8), 8.0, 1e-12);
    cJSON_Delete(root);
}

Test(json_add, add_int_is_exact)
{
    cJSON *root = cJSON_CreateObject();
    cr_assert(json_add_int(root, "zero", 0));
    cr_assert(json_add_int(root, "neg", -1));
    cr_assert(json_add_int(root, "id", INT64_C(2026000123)));
    cr_assert(json_add_int(root, "big", INT64_C(1234567890123456)));
    cr_assert(json_add_int(root, "low", -INT64_C(4503599627370495)));
    char *text = cJSON_PrintUnformatted(root);
    cr_assert_str_eq(text, "{\"zero\":0,\"neg\":-1,\"id\":2026000123,\"big\":1234567890123456,"
                           "\"low\":-4503599627370495}");
    // And it round-trips through the strict parser and json_get_int.
    struct json_problem problem;
    cJSON *back = parse_len(text, strlen(text), &problem);
    cr_assert_not_null(back);
    int64_t v = 0;
    cr_assert(json_get_int(back, "big", &v));
    cr_assert_eq(v, INT64_C(1234567890123456));
    cr_assert(json_get_int(back, "id", &v));
    cr_assert_eq(v, INT64_C(2026000123));
    cJSON_Delete(back);
    cJSON_free(text);
    cJSON_Delete(root);
}

// cJSON prints 15 significant digits, so 2^53 would come back off by 1-2; the
// header promises exactness below 10^15 and this holds it to that.
Test(json_add, add_int_is_exact_at_the_limit)
{
    // The promise is exactness below 10^15 (timestamps in ms are ~1.8e12).
    const int64_t values[] = {INT64_C(999999999999999), -INT64_C(999999999999999),
                              INT64_C(1779000000123)};
    for (size_t i = 0; i < COUNT_OF(values); i++) {
        cJSON *root = cJSON_CreateObject();
        cr_assert(json_add_int(root, "v", values[i]));
        char *text = cJSON_PrintUnformatted(root);
        char want[64];
        snprintf(want, sizeof want, "{\"v\":%lld}", (long long)values[i]);
        cr_assert_str_eq(text, want);
        cJSON_free(text);
        cJSON_Delete(root);
    }
}

Test(json_add, add_string_or_null)
{
    cJSON *root = cJSON_CreateObject();
    cr_assert(json_add_string_or_null(root, "title", "井盖 \"missing\"\n"));
    cr_assert(json_add_string_or_null(root, "closed_at", NULL));
    cr_assert(json_add_string_or_null(root, "empty", ""));
    cr_assert_str_eq(json_get_string(root, "title"), "井盖 \"missing\"\n");
    cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "closed_at")));
    cr_assert_str_eq(json_get_string(root, "empty"), "");
    char *text = cJSON_PrintUnformatted(root);
    cr_assert_str_eq(text, "{\"title\":\"井盖 \\\"missing\\\"\\n\",\"closed_at\":null,"
                           "\"empty\":\"\"}");
    cJSON_free(text);
    cJSON_Delete(root);
}

Test(json_form, fields_are_decoded_into_string_members)
{
    static const char BODY[] = "api_key=cgt_x&lat=21.66&description=a+b%26c%3D%E4%BA%95&&empty=&flag"
                               "&attribute%5Bsize%5D=big";
    struct json_problem problem;
    cJSON *root = json_parse_form(BODY, strlen(BODY), &problem);
    cr_assert_not_null(root, "%s", problem.message);
    cr_expect_str_eq(json_get_string(root, "api_key"), "cgt_x");
    cr_expect_str_eq(json_get_string(root, "lat"), "21.66");
    cr_expect_str_eq(json_get_string(root, "description"), "a b&c=井");
    cr_expect_str_eq(json_get_string(root, "empty"), "");
    cr_expect_str_eq(json_get_string(root, "flag"), "");
    cr_expect_str_eq(json_get_string(root, "attribute[size]"), "big");
    cr_expect_eq(cJSON_GetArraySize(root), 6);
    cJSON_Delete(root);
    root = json_parse_form("", 0, &problem);
    cr_assert_not_null(root);
    cr_expect_eq(cJSON_GetArraySize(root), 0, "an empty form is an empty object");
    cJSON_Delete(root);
}

Test(json_form, bad_forms_are_refused_with_the_field)
{
    static const struct {
        const char *body;
        const char *code;
        const char *field;
    } BAD[] = {
        {"a=%zz", ERR_INVALID_FIELD, "a"}, {"a=%4", ERR_INVALID_FIELD, "a"},
        {"a%=1", ERR_INVALID_FIELD, ""},   {"a=%00", ERR_INVALID_FIELD, "a"},
        {"a=%FF", ERR_INVALID_UTF8, ""},   {"a=1&a=2", ERR_INVALID_JSON, "a"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        struct json_problem problem;
        cJSON *root = json_parse_form(BAD[i].body, strlen(BAD[i].body), &problem);
        cr_expect_null(root, "%s should be refused", BAD[i].body);
        cJSON_Delete(root);
        if (root == NULL) {
            cr_expect_str_eq(problem.code, BAD[i].code, "%s", BAD[i].body);
            cr_expect_str_eq(problem.field, BAD[i].field, "%s", BAD[i].body);
        }
    }
}
