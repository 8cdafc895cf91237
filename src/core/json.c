// SPDX-License-Identifier: MIT
// Strict request-body parsing and small cJSON conveniences. The UTF-8 check is
// textseg's, so every text that enters the system is judged by one rule.
#include "json.h"

#include "errors.h"
#include "textseg.h"

#include <math.h>
#include <limits.h>
#include <stdio.h>
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

// True when a string in the JSON text holds the escape \u0000, which cJSON would
// turn into a NUL that silently ends the string.
static bool has_escaped_nul(const char *body, size_t len)
{
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        if (!in_string) {
            in_string = body[i] == '"';
            continue;
        }
        if (body[i] == '"') {
            in_string = false;
        } else if (body[i] == '\\' && i + 1 < len) {
            if (body[i + 1] == 'u' && i + 5 < len && strncmp(body + i + 2, "0000", 4) == 0)
                return true;
            i++; // skip the escaped character
        }
    }
    return false;
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
    if (has_escaped_nul(body, len)) {
        problem_set(problem, ERR_INVALID_JSON, NULL, "%s", "strings must not contain U+0000");
        return NULL;
    }
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
    return root;
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
