// SPDX-License-Identifier: MIT
// Fuzzes the case list's cursors. Decoding any text either fails or gives a
// cursor that encodes back to exactly that text and keeps the rules (id > 0, a
// NULL key only for the deadline sort, no key for a search). Encoding any cursor
// gives short base64url text that decodes back to the same cursor when the
// cursor keeps those rules, and any one-character edit, cut or addition to that
// text is refused.
// Input: byte 0 even: the text to decode follows; odd: sort, flags, key and id,
// then edit positions and characters.
#include "fuzz.h"
#include "store_case_lists.h"

#include <sodium.h>
#include <string.h>

static const char BASE64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return sodium_init() < 0 ? -1 : 0;
}

static bool cursor_keeps_rules(const struct store_case_cursor *c)
{
    return c->id > 0 && (!c->key_null || c->sort == STORE_CASE_SORT_DEADLINE) &&
           (c->sort != STORE_CASE_SORT_SEARCH || c->key == 0 || c->key_null);
}

static void check_decoded(const char *text)
{
    struct store_case_cursor cursor;
    memset(&cursor, 0x5a, sizeof cursor);
    if (!store_case_cursor_decode(text, &cursor))
        return;
    FUZZ_CHECK(cursor.sort == STORE_CASE_SORT_NEWEST || cursor.sort == STORE_CASE_SORT_DEADLINE ||
                   cursor.sort == STORE_CASE_SORT_SEARCH,
               "'%s' decoded to sort %d", text, (int)cursor.sort);
    FUZZ_CHECK(cursor_keeps_rules(&cursor), "'%s' decoded to a cursor breaking the rules", text);
    FUZZ_CHECK(!cursor.key_null || cursor.key == 0, "'%s': a NULL key with a value", text);
    char again[STORE_CASE_CURSOR_SIZE];
    store_case_cursor_encode(&cursor, again);
    FUZZ_CHECK(strcmp(again, text) == 0, "'%s' encodes back as '%s'", text, again);
}

static void check_round_trip(struct fuzz_input *in)
{
    uint8_t sort = fuzz_u8(in), flags = fuzz_u8(in);
    struct store_case_cursor cursor = {
        .sort = (enum store_case_sort)(sort % 3),
        .key_null = flags & 1,
        .key = (int64_t)fuzz_u64(in),
        .id = (int64_t)fuzz_u64(in),
    };
    if (flags & 2) // small values are the usual ones: ids, times in ms
        cursor.id = (int64_t)(fuzz_u8(in) % 4) - 1;
    if (flags & 4 || cursor.sort == STORE_CASE_SORT_SEARCH)
        cursor.key = flags & 8 ? cursor.key % 4 : 0;
    char text[STORE_CASE_CURSOR_SIZE + 1];
    memset(text, 0x5a, sizeof text);
    store_case_cursor_encode(&cursor, text);
    size_t len = strnlen(text, sizeof text);
    FUZZ_CHECK(len > 0 && len < STORE_CASE_CURSOR_SIZE, "an encoded cursor is %zu bytes", len);
    FUZZ_CHECK(strspn(text, BASE64URL) == len, "'%s' is not base64url", text);
    struct store_case_cursor decoded;
    bool ok = store_case_cursor_decode(text, &decoded);
    FUZZ_CHECK(ok == cursor_keeps_rules(&cursor), "'%s' (id %lld) decoded: %d", text,
               (long long)cursor.id, ok);
    if (!ok)
        return;
    FUZZ_CHECK(decoded.sort == cursor.sort && decoded.key_null == cursor.key_null &&
                   decoded.id == cursor.id && (cursor.key_null || decoded.key == cursor.key),
               "'%s' does not decode to the cursor encoded", text);
    // Edits: a changed character, the text cut short, a character added.
    char edited[STORE_CASE_CURSOR_SIZE + 2];
    size_t at = fuzz_u8(in) % len;
    char replacement = BASE64URL[fuzz_u8(in) % 64];
    memcpy(edited, text, len + 1);
    edited[at] = replacement;
    if (replacement != text[at])
        FUZZ_CHECK(!store_case_cursor_decode(edited, &decoded), "'%s' edited to '%s' passed",
                   text, edited);
    memcpy(edited, text, len + 1);
    edited[at] = '\0';
    FUZZ_CHECK(!store_case_cursor_decode(edited, &decoded), "'%s' cut to '%s' passed", text,
               edited);
    memcpy(edited, text, len);
    edited[len] = replacement;
    edited[len + 1] = '\0';
    FUZZ_CHECK(!store_case_cursor_decode(edited, &decoded), "'%s' extended to '%s' passed", text,
               edited);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    if (fuzz_u8(&in) % 2 == 0) {
        char *text = fuzz_string_rest(&in);
        check_decoded(text);
        free(text);
    } else {
        check_round_trip(&in);
    }
    return 0;
}
