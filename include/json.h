// SPDX-License-Identifier: MIT
// JSON helpers over cJSON: strict parsing of request bodies (explicit length, the
// grammar of RFC 8259, valid UTF-8, no repeated or unknown members) and small
// getters.
#ifndef CHENGGUAN_JSON_H
#define CHENGGUAN_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type { JSON_STRING, JSON_INTEGER, JSON_NUMBER, JSON_BOOL, JSON_OBJECT, JSON_ARRAY };

// One expected member of a request object.
struct json_field {
    const char *name;
    enum json_type type;
    bool required;
    size_t max_length; // strings: most bytes allowed (0 = 4096); arrays: most items (0 = 64)
};

// Why a body or object was refused: an error code from errors.h, a message, and
// the member to blame ("" when the body as a whole is: not JSON, not an object).
struct json_problem {
    const char *code;
    char message[200];
    char field[128];
};

// Parses exactly len bytes as one JSON object, held to RFC 8259: valid UTF-8, no
// byte order mark, numbers as the standard writes them ("0110", "-.5", "+1", "1.",
// NaN and Infinity are refused), no "\u0000" or lone surrogate, at most 64 levels
// deep, and no object with a member name twice. Returns the tree (caller owns it,
// free with cJSON_Delete) or NULL with *problem filled (invalid_utf8 or
// invalid_json, and the reason; field names a repeated member by its path, such
// as "features[3].properties.code", and is empty otherwise).
cJSON *json_parse_object(const char *body, size_t len, struct json_problem *problem);

// Parses len bytes of an application/x-www-form-urlencoded body ("a=1&b=x+y%21")
// into a JSON object of string members: '+' is a space, %XX a byte, a pair
// without '=' an empty value, empty pairs ("a=1&&b=2") skipped. Returns the tree
// (caller owns it, free with cJSON_Delete) or NULL with *problem filled:
// invalid_field for a bad %-escape or a NUL (field: the member, when its name was
// read), invalid_utf8 for a name or value that is not UTF-8, invalid_json for a
// member named twice (field: its name). An empty body is an empty object.
cJSON *json_parse_form(const char *body, size_t len, struct json_problem *problem);

// Checks obj against the expected fields: every member known, of its type, strings
// valid UTF-8 without NUL and within max_length, required ones present (null counts
// as absent), none twice. Returns true, or false with *problem filled
// (unknown_field, missing_field, invalid_field or invalid_utf8; invalid_json for a
// duplicated member), its field naming the member to blame.
bool json_check(const cJSON *obj, const struct json_field *fields, size_t count,
                struct json_problem *problem);

// Places a problem found in a nested object under its parent: field "unit" under
// "limits.accept" becomes "limits.accept.unit" (cut short, at a character
// boundary, when too long).
void json_problem_nest(struct json_problem *problem, const char *parent);

// Returns the string member or NULL when absent, null or not a string.
const char *json_get_string(const cJSON *obj, const char *name);

// Stores the integer member in *out and returns true; false when absent or not an
// integer within +-2^53.
bool json_get_int(const cJSON *obj, const char *name, int64_t *out);

// Returns the number member, or `fallback` when absent.
double json_get_number(const cJSON *obj, const char *name, double fallback);

// Adds a string member, or JSON null when value is NULL. Returns false when out of memory.
bool json_add_string_or_null(cJSON *obj, const char *name, const char *value);

// Adds an integer member, printed exactly as an integer token (any int64). The
// item is raw JSON text in the tree (cJSON_IsRaw), with valuedouble set too.
bool json_add_int(cJSON *obj, const char *name, int64_t value);

#endif
