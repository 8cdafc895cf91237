// SPDX-License-Identifier: MIT
// Fuzzes urlpath_normalize against a plain reference: percent-decode the path,
// split it at '/', drop empty and "." segments. Whatever it accepts must equal
// the reference, hold no ".." segment, control character, backslash or doubled
// slash, fit the buffer, and normalise to itself again. Input: one byte choosing
// the output buffer's size (0 = the server's ROUTER_MAX_PATH), then the raw target.
#include "fuzz.h"
#include "router.h"
#include "urlpath.h"

#include <stdbool.h>
#include <string.h>

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// The reference: writes the normalised path of raw into out (large enough) and
// returns true, or false when raw must be refused whatever the buffer size.
// *longest_segment receives the longest decoded segment.
static bool reference_normalize(const char *raw, char *out, size_t *longest_segment)
{
    size_t end = strcspn(raw, "?#");
    if (raw[0] != '/')
        return false;
    char *decoded = malloc(end + 1);
    size_t n = 0;
    bool ok = true;
    for (size_t i = 0; i < end && ok; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '\\') {
            ok = false;
        } else if (c == '%') {
            int hi = i + 1 < end ? hex_digit(raw[i + 1]) : -1;
            int lo = i + 2 < end ? hex_digit(raw[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                ok = false;
                break;
            }
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
            ok = c != 0 && c != '/' && c != '\\'; // an encoded slash is not a separator
            decoded[n++] = c == '/' ? 'x' : (char)c;
        } else {
            decoded[n++] = (char)c;
        }
        if (ok && (c < 0x20 || c == 0x7f))
            ok = false;
    }
    decoded[n] = '\0';
    size_t used = 0;
    *longest_segment = 0;
    for (char *segment = decoded; ok;) {
        size_t len = strcspn(segment, "/");
        if (len > *longest_segment)
            *longest_segment = len;
        if (len == 2 && segment[0] == '.' && segment[1] == '.')
            ok = false;
        else if (len > 0 && !(len == 1 && segment[0] == '.')) {
            out[used++] = '/';
            memcpy(out + used, segment, len);
            used += len;
        }
        if (segment[len] == '\0')
            break;
        segment += len + 1;
    }
    bool trailing = end > 0 && raw[end - 1] == '/';
    if (used == 0 || trailing)
        out[used++] = '/';
    out[used] = '\0';
    free(decoded);
    return ok;
}

// The properties any accepted path must have, whatever the reference says.
static void check_shape(const char *path, const char *raw)
{
    FUZZ_CHECK(path[0] == '/', "'%s' from '%s' is not absolute", path, raw);
    FUZZ_CHECK(strstr(path, "//") == NULL, "'%s' from '%s' has an empty segment", path, raw);
    FUZZ_CHECK(strchr(path, '\\') == NULL, "'%s' from '%s' has a backslash", path, raw);
    for (const char *p = path; *p; p++)
        FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "'%s' has a control character", path);
    for (const char *segment = path + 1; *segment;) {
        size_t len = strcspn(segment, "/");
        FUZZ_CHECK(!(len == 2 && segment[0] == '.' && segment[1] == '.'),
                   "'%s' from '%s' has a '..' segment", path, raw);
        FUZZ_CHECK(!(len == 1 && segment[0] == '.'), "'%s' has a '.' segment", path);
        segment += len + (segment[len] == '/');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    size_t out_size = fuzz_u8(&in);
    if (out_size == 0)
        out_size = ROUTER_MAX_PATH;
    char *raw = fuzz_string_rest(&in);
    // Exactly out_size bytes, so ASan sees a write past the end.
    char *out = malloc(out_size);
    enum urlpath_result result = urlpath_normalize(raw, out, out_size);
    FUZZ_CHECK(result >= URLPATH_OK && result <= URLPATH_TOO_LONG, "result %d", (int)result);
    const char *message = urlpath_result_message(result);
    FUZZ_CHECK(message != NULL && message[0] != '\0', "no message for %d", (int)result);

    char *expected = malloc(strlen(raw) + 2);
    size_t longest_segment;
    bool valid = reference_normalize(raw, expected, &longest_segment);
    if (!valid) {
        FUZZ_CHECK(result != URLPATH_OK, "'%s' was accepted as '%s'", raw, out);
    } else if (strlen(expected) + 1 > out_size || longest_segment >= 4095) {
        FUZZ_CHECK(result == URLPATH_TOO_LONG, "'%s' (%zu bytes) in %zu: result %d", raw,
                   strlen(expected), out_size, (int)result);
    } else {
        FUZZ_CHECK(result == URLPATH_OK, "'%s' was refused (%d), expected '%s'", raw, (int)result,
                   expected);
    }
    if (result == URLPATH_OK) {
        FUZZ_CHECK(strlen(out) < out_size, "the result overruns its buffer");
        FUZZ_CHECK(strcmp(out, expected) == 0, "'%s' gave '%s', expected '%s'", raw, out,
                   expected);
        check_shape(out, raw);
        // Decoded once: the result is stable when it holds nothing to decode again.
        if (strpbrk(out, "%?#") == NULL) {
            char *again = malloc(out_size);
            FUZZ_CHECK(urlpath_normalize(out, again, out_size) == URLPATH_OK &&
                           strcmp(again, out) == 0,
                       "'%s' does not normalise to itself", out);
            free(again);
        }
    }
    free(expected);
    free(out);
    free(raw);
    return 0;
}
