// SPDX-License-Identifier: MIT
// Fuzzes text segmentation. textseg_utf8_valid agrees with a reference decoder
// written from RFC 3629's rules; invalid text gives NULL from both writers. For
// valid text the index is valid UTF-8 within 4 bytes per input byte, tokens
// separated by single spaces with no ASCII other than lowercase letters and
// digits, and stable under a second pass when it is all ASCII; the query is
// valid UTF-8 within 5 bytes per input byte, made of terms joined by " AND ",
// each a quoted string (a prefix term with "*") that nothing escapes from.
// Input: the text.
#include "fuzz.h"
#include "textseg.h"

#include <string.h>

// The reference: the code point at s, or -1 for anything RFC 3629 forbids
// (including NUL, which the module refuses). *len receives its length.
static long reference_decode(const unsigned char *s, size_t n, size_t *len)
{
    static const long MINIMUM[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t want = s[0] < 0x80 ? 1 : s[0] >> 5 == 6 ? 2 : s[0] >> 4 == 14 ? 3 : s[0] >> 3 == 30 ? 4 : 0;
    if (want == 0 || want > n)
        return -1;
    long cp = want == 1 ? s[0] : s[0] & (0x7f >> want);
    for (size_t i = 1; i < want; i++) {
        if (s[i] >> 6 != 2)
            return -1;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < MINIMUM[want] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0)
        return -1;
    *len = want;
    return cp;
}

static bool reference_valid(const unsigned char *s, size_t n)
{
    for (size_t pos = 0, len = 0; pos < n; pos += len)
        if (reference_decode(s + pos, n - pos, &len) < 0)
            return false;
    return true;
}

static void check_index(const char *index, size_t input_len)
{
    size_t len = strlen(index);
    FUZZ_CHECK(len <= 4 * input_len, "the index is %zu bytes for %zu", len, input_len);
    FUZZ_CHECK(textseg_utf8_valid(index, len), "the index is not valid UTF-8");
    if (len == 0)
        return;
    FUZZ_CHECK(index[0] != ' ' && index[len - 1] != ' ' && strstr(index, "  ") == NULL,
               "the index '%s' has stray spaces", index);
    for (const unsigned char *p = (const unsigned char *)index; *p; p++)
        FUZZ_CHECK(*p >= 0x80 || *p == ' ' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'),
                   "the index '%s' holds '%c'", index, *p);
    bool ascii = true;
    for (const char *p = index; *p && ascii; p++)
        ascii = (unsigned char)*p < 0x80;
    if (ascii) {
        char *again = textseg_index(index, len);
        FUZZ_CHECK(again != NULL && strcmp(again, index) == 0, "'%s' indexes as '%s'", index,
                   again);
        free(again);
    }
}

// Each term: a double quote, characters with any inner quote doubled, a double
// quote, then "*" for a word.
static void check_query(const char *query, size_t input_len)
{
    size_t len = strlen(query);
    FUZZ_CHECK(len <= 5 * input_len, "the query is %zu bytes for %zu", len, input_len);
    FUZZ_CHECK(textseg_utf8_valid(query, len), "the query is not valid UTF-8");
    const char *p = query;
    while (*p) {
        FUZZ_CHECK(*p == '"', "a term of '%s' does not start with a quote", query);
        p++;
        for (;;) {
            FUZZ_CHECK(*p != '\0', "a term of '%s' is not closed", query);
            if (*p == '"' && p[1] == '"') {
                p += 2;
                continue;
            }
            if (*p == '"')
                break;
            p++;
        }
        p++;
        if (*p == '*')
            p++;
        if (*p == '\0')
            break;
        FUZZ_CHECK(strncmp(p, " AND ", 5) == 0, "terms of '%s' are not joined by AND", query);
        p += 5;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    bool valid = textseg_utf8_valid(text, size);
    FUZZ_CHECK(valid == reference_valid(data, size), "textseg_utf8_valid says %d", valid);
    char *index = textseg_index(text, size);
    char *query = textseg_query(text, size);
    if (!valid) {
        FUZZ_CHECK(index == NULL && query == NULL, "invalid UTF-8 was segmented");
        return 0;
    }
    FUZZ_CHECK(index != NULL && query != NULL, "valid text was not segmented");
    check_index(index, size);
    check_query(query, size);
    // Nothing to index means nothing to search for, and the other way round.
    FUZZ_CHECK((index[0] == '\0') == (query[0] == '\0'), "index '%s' but query '%s'", index,
               query);
    free(index);
    free(query);
    return 0;
}
