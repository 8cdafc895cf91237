// SPDX-License-Identifier: MIT
// Unit tests of strict request-path normalisation: empty and "." segments dropped,
// trailing slash kept, percent escapes decoded once (UTF-8 included), query and
// fragment cut off; and every refusal (dot-dot raw or encoded, encoded slashes,
// backslash, NUL, bad escapes, control characters, relative paths, output too long).
#include "urlpath.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

// Normalises raw into an exactly out_size-byte heap buffer, so that any write past
// the end is caught by the address sanitizer.
static enum urlpath_result normalize_sized(const char *raw, size_t out_size, char *copy,
                                           size_t copy_size)
{
    char *out = malloc(out_size ? out_size : 1);
    cr_assert_not_null(out);
    enum urlpath_result r = urlpath_normalize(raw, out, out_size);
    if (r == URLPATH_OK && copy != NULL) {
        cr_assert_lt(strlen(out), out_size, "result not terminated inside the buffer");
        cr_assert_lt(strlen(out), copy_size);
        strcpy(copy, out);
    }
    free(out);
    return r;
}

static void expect_ok(const char *raw, const char *want)
{
    char got[4096];
    enum urlpath_result r = normalize_sized(raw, sizeof got, got, sizeof got);
    cr_assert_eq(r, URLPATH_OK, "\"%s\": got %d (%s), want ok", raw, (int)r,
                 urlpath_result_message(r));
    cr_assert_str_eq(got, want, "\"%s\"", raw);
}

static void expect_refused(const char *raw, enum urlpath_result want)
{
    char got[4096];
    enum urlpath_result r = normalize_sized(raw, sizeof got, got, sizeof got);
    cr_assert_eq(r, want, "\"%s\": got %d (%s), want %d (%s)", raw, (int)r,
                 urlpath_result_message(r), (int)want, urlpath_result_message(want));
}

Test(urlpath, plain_paths_unchanged)
{
    expect_ok("/", "/");
    expect_ok("/api/v1/cases", "/api/v1/cases");
    expect_ok("/web/index.html", "/web/index.html");
    expect_ok("/a-b_c~d.e", "/a-b_c~d.e");
}

Test(urlpath, empty_segments_collapse)
{
    expect_ok("//a///b", "/a/b");
    expect_ok("//", "/");
    expect_ok("///", "/");
    expect_ok("//api//v1", "/api/v1");
}

Test(urlpath, dot_segments_removed)
{
    expect_ok("/./a/./b/", "/a/b/");
    expect_ok("/.", "/");
    expect_ok("/./", "/");
    expect_ok("/a/./b", "/a/b");
    expect_ok("/a/%2e/b", "/a/b");
    expect_ok("/a/%2E/b", "/a/b");
}

Test(urlpath, trailing_slash_kept)
{
    expect_ok("/a/", "/a/");
    expect_ok("/api/v1/cases/", "/api/v1/cases/");
    expect_ok("/a//", "/a/");
    expect_ok("/a/./", "/a/");
    expect_ok("/a", "/a");
}

Test(urlpath, dots_inside_names_are_not_dot_segments)
{
    expect_ok("/...", "/...");
    expect_ok("/..a", "/..a");
    expect_ok("/a..", "/a..");
    expect_ok("/a..b/.c", "/a..b/.c");
    expect_ok("/.well-known/x", "/.well-known/x");
}

Test(urlpath, percent_decoding_of_ascii)
{
    expect_ok("/%41%62c", "/Abc");
    expect_ok("/%6a%6B", "/jk");
    expect_ok("/a%20b", "/a b");
    expect_ok("/%7e", "/~");
    expect_ok("/%3F%23", "/?#");
    expect_ok("/%25", "/%");
}

Test(urlpath, percent_decoding_is_done_once)
{
    expect_ok("/%2541", "/%41");
    // A double-encoded dot-dot is a literal name, not a parent reference.
    expect_ok("/%252e%252e/x", "/%2e%2e/x");
    expect_ok("/%252f", "/%2f");
}

Test(urlpath, percent_decoding_of_utf8)
{
    expect_ok("/%E4%BA%95", "/井");
    expect_ok("/grids/%e4%ba%95%e7%9b%96", "/grids/井盖");
    expect_ok("/%C3%A9t%C3%A9", "/été");
    // Raw UTF-8 passes through unchanged.
    expect_ok("/cases/井盖缺失", "/cases/井盖缺失");
}

Test(urlpath, query_and_fragment_cut_off)
{
    expect_ok("/a/b?x=1", "/a/b");
    expect_ok("/a/b#top", "/a/b");
    expect_ok("/a/b?x=1#top", "/a/b");
    expect_ok("/a/?x", "/a/");
    expect_ok("/?x=1", "/");
    expect_ok("/#", "/");
    // Nothing after the cut is looked at, however bad.
    expect_ok("/a?../../etc/passwd", "/a");
    expect_ok("/a?%zz%00\\", "/a");
    expect_ok("/a#/../%2f", "/a");
    // An encoded '?' or '#' is part of the path.
    expect_ok("/a%3Fb", "/a?b");
}

Test(urlpath, dot_dot_refused)
{
    const char *const cases[] = {
        "/..",      "/../",    "/a/..",        "/a/../b",    "/../etc/passwd",
        "/a/b/../", "/a/..?x", "/..#f",        "/%2e%2e",    "/%2E%2e",
        "/%2e%2E/", "/.%2e/x", "/%2e./x",      "/a/%2E%2E/", "/web/%2e%2e/%2e%2e/etc",
        "//..//",   "/./../",  "/a/./.././b/",
    };
    for (size_t i = 0; i < COUNT_OF(cases); i++)
        expect_refused(cases[i], URLPATH_DOT_DOT);
}

Test(urlpath, encoded_slash_refused)
{
    const char *const cases[] = {"/a%2fb", "/a%2Fb", "/%2f",   "/%5C",
                                 "/%5c",   "/a%5cb", "/..%2f", "/%2e%2e%2fetc"};
    for (size_t i = 0; i < COUNT_OF(cases); i++)
        expect_refused(cases[i], URLPATH_ENCODED_SLASH);
}

Test(urlpath, backslash_refused)
{
    expect_refused("/a\\b", URLPATH_BACKSLASH);
    expect_refused("/\\", URLPATH_BACKSLASH);
    expect_refused("/a\\", URLPATH_BACKSLASH);
    expect_refused("/\\..\\windows", URLPATH_BACKSLASH);
}

Test(urlpath, nul_refused)
{
    expect_refused("/%00", URLPATH_NUL);
    expect_refused("/a%00b", URLPATH_NUL);
    expect_refused("/index.html%00.png", URLPATH_NUL);
}

Test(urlpath, bad_escapes_refused)
{
    const char *const cases[] = {"/%zz",  "/%4",  "/%",   "/a%",   "/%g1", "/%4g",
                                 "/%%41", "/%-1", "/% 1", "/a%4/", "/%+1", "/%0x"};
    for (size_t i = 0; i < COUNT_OF(cases); i++)
        expect_refused(cases[i], URLPATH_BAD_ESCAPE);
}

Test(urlpath, control_characters_refused)
{
    const char *const cases[] = {"/a\tb", "/a\nb", "/a\rb", "/\x01", "/\x1f", "/a\x7f",  "/%0a",
                                 "/%0D",  "/%09",  "/%1F",  "/%7f",  "/%7F",  "/x%01y/z"};
    for (size_t i = 0; i < COUNT_OF(cases); i++)
        expect_refused(cases[i], URLPATH_CONTROL);
}

Test(urlpath, not_absolute_refused)
{
    const char *const cases[] = {"",    "a",  "a/b", "./a", "../a",
                                 "%2f", "?x", "#f",  " /a", "http://example.com/a"};
    for (size_t i = 0; i < COUNT_OF(cases); i++)
        expect_refused(cases[i], URLPATH_NOT_ABSOLUTE);
}

Test(urlpath, exact_buffer_sizes)
{
    char got[64];
    // "/ab" needs 4 bytes with its NUL.
    cr_assert_eq(normalize_sized("/ab", 4, got, sizeof got), URLPATH_OK);
    cr_assert_str_eq(got, "/ab");
    cr_assert_eq(normalize_sized("/ab", 3, got, sizeof got), URLPATH_TOO_LONG);
    // "/" needs 2.
    cr_assert_eq(normalize_sized("/", 2, got, sizeof got), URLPATH_OK);
    cr_assert_str_eq(got, "/");
    cr_assert_eq(normalize_sized("/", 1, got, sizeof got), URLPATH_TOO_LONG);
    cr_assert_eq(normalize_sized("/", 0, got, sizeof got), URLPATH_TOO_LONG);
    // A kept trailing slash counts too.
    cr_assert_eq(normalize_sized("/a/", 4, got, sizeof got), URLPATH_OK);
    cr_assert_str_eq(got, "/a/");
    cr_assert_eq(normalize_sized("/a/", 3, got, sizeof got), URLPATH_TOO_LONG);
    // The size that matters is the normalised one, not the raw one.
    cr_assert_eq(normalize_sized("//a///b", 5, got, sizeof got), URLPATH_OK);
    cr_assert_str_eq(got, "/a/b");
    cr_assert_eq(normalize_sized("//a///b", 4, got, sizeof got), URLPATH_TOO_LONG);
    cr_assert_eq(normalize_sized("/./././a?long=query", 3, got, sizeof got), URLPATH_OK);
    cr_assert_str_eq(got, "/a");
    cr_assert_eq(normalize_sized("/%E4%BA%95", 5, got, sizeof got), URLPATH_OK);
    cr_assert_str_eq(got, "/井");
    cr_assert_eq(normalize_sized("/%E4%BA%95", 4, got, sizeof got), URLPATH_TOO_LONG);
}

Test(urlpath, long_path_refused_for_small_buffer)
{
    char raw[3001];
    raw[0] = '/';
    for (size_t i = 1; i < sizeof raw - 1; i++)
        raw[i] = (i % 100 == 0) ? '/' : 'a';
    raw[sizeof raw - 1] = '\0';
    cr_assert_eq(normalize_sized(raw, 2048, NULL, 0), URLPATH_TOO_LONG);

    char got[4096];
    cr_assert_eq(normalize_sized(raw, 3001, got, sizeof got), URLPATH_OK);
    cr_assert_str_eq(got, raw);
    cr_assert_eq(normalize_sized(raw, 3000, NULL, 0), URLPATH_TOO_LONG);
}

Test(urlpath, long_segment_within_buffer)
{
    // One 1000-byte segment fits a 2048-byte buffer.
    char raw[1002];
    raw[0] = '/';
    memset(raw + 1, 's', 1000);
    raw[1001] = '\0';
    char got[2048];
    cr_assert_eq(normalize_sized(raw, 2048, got, sizeof got), URLPATH_OK);
    cr_assert_str_eq(got, raw);
}

// Regression: a single segment of 1024 bytes or more is
// refused as too long even though the output buffer has room for it.
Test(urlpath, long_single_segment_fits_buffer)
{
    char raw[1502];
    raw[0] = '/';
    memset(raw + 1, 's', 1500);
    raw[1501] = '\0';
    char got[2048];
    cr_assert_eq(normalize_sized(raw, 2048, got, sizeof got), URLPATH_OK);
    cr_assert_str_eq(got, raw);
}

Test(urlpath, first_problem_is_reported)
{
    expect_refused("/../%zz", URLPATH_DOT_DOT);
    expect_refused("/%zz/..", URLPATH_BAD_ESCAPE);
    expect_refused("/a\\%00", URLPATH_BACKSLASH);
    expect_refused("/%00\\", URLPATH_NUL);
}

Test(urlpath, every_result_has_a_message)
{
    const enum urlpath_result all[] = {
        URLPATH_OK,           URLPATH_BAD_ESCAPE, URLPATH_NUL,     URLPATH_ENCODED_SLASH,
        URLPATH_BACKSLASH,    URLPATH_DOT_DOT,    URLPATH_CONTROL, URLPATH_TOO_LONG,
        URLPATH_NOT_ABSOLUTE,
    };
    for (size_t i = 0; i < COUNT_OF(all); i++) {
        const char *msg = urlpath_result_message(all[i]);
        cr_assert_not_null(msg);
        cr_assert_gt(strlen(msg), 0);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(msg, urlpath_result_message(all[j]), "results %d and %d share text",
                              (int)all[i], (int)all[j]);
    }
    cr_assert_not_null(strstr(urlpath_result_message(URLPATH_DOT_DOT), ".."));
}
