// SPDX-License-Identifier: MIT
// Unit tests of textseg: the CJK bigram index text, FTS5 query building (including
// that no input can inject FTS5 syntax), strict UTF-8 validation, and an end-to-end
// search over an in-memory SQLite FTS5 table (this file links with -lsqlite3).
#include "textseg.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Index text of a NUL-terminated string; the caller frees.
static char *index_of(const char *s)
{
    return textseg_index(s, strlen(s));
}

static char *query_of(const char *s)
{
    return textseg_query(s, strlen(s));
}

static void expect_index(const char *input, const char *expected)
{
    char *got = index_of(input);
    cr_assert_not_null(got, "index of \"%s\" failed", input);
    cr_expect_str_eq(got, expected, "index of \"%s\"", input);
    free(got);
}

static void expect_query(const char *input, const char *expected)
{
    char *got = query_of(input);
    cr_assert_not_null(got, "query of \"%s\" failed", input);
    cr_expect_str_eq(got, expected, "query of \"%s\"", input);
    free(got);
}

// True when the space-separated list has token as one whole element.
static bool has_token(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, token, n) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

// ---- index ----

Test(textseg_index, cjk_run_gives_characters_then_bigrams)
{
    expect_index("人行道上", "人 行 道 上 人行 行道 道上");
    expect_index("井", "井");
    expect_index("井盖", "井 盖 井盖");
}

Test(textseg_index, two_character_terms_are_indexed)
{
    const struct {
        const char *text, *term;
    } cases[] = {
        {"人行道上的井盖缺失", "井盖"},
        {"路边有暴露垃圾，无人清理", "垃圾"},
        {"商铺占道经营", "占道"},
        {"人行道上的井盖缺失", "缺失"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *idx = index_of(cases[i].text);
        char *q = query_of(cases[i].term);
        cr_assert_not_null(idx);
        cr_assert_not_null(q);
        cr_expect(has_token(idx, cases[i].term), "%s not in [%s]", cases[i].term, idx);
        // The query is that very bigram, quoted.
        char quoted[32];
        snprintf(quoted, sizeof quoted, "\"%s\"", cases[i].term);
        cr_expect_str_eq(q, quoted);
        free(idx);
        free(q);
    }
    char *idx = index_of("人行道上的井盖缺失");
    cr_expect_not(has_token(idx, "上井"), "no pair skips a character");
    free(idx);
}

Test(textseg_index, words_are_lowercased)
{
    expect_index("Manhole COVER", "manhole cover");
    expect_index("  GPS-2023_v2 ", "gps 2023 v2");
    expect_index("ＡＢＣ１２３ｘ", "abc123x"); // fullwidth letters and digits
    expect_index("CAFÉ Ñandú", "café ñandú");  // Latin-1 capitals
    expect_index("Straße ПРИВЕТ", "straße ПРИВЕТ");
}

Test(textseg_index, mixed_text)
{
    expect_index("A4纸，Manhole盖子 missing！", "a4 纸 manhole 盖 子 盖子 missing");
    expect_index("12345热线：路灯不亮(3盏)", "12345 热 线 热线 路 灯 不 亮 路灯 灯不 不亮 3 盏");
    expect_index("2023年5月", "2023 年 5 月");
}

Test(textseg_index, punctuation_and_space_separate)
{
    expect_index("井盖，缺失。（严重）“急”；：、《城管》【通报】……——·！？",
                 "井 盖 井盖 缺 失 缺失 严 重 严重 急 城 管 城管 通 报 通报");
    expect_index("井\t盖\n垃\u3000圾", "井 盖 垃 圾");
    expect_index("井盖😀缺失", "井 盖 井盖 缺 失 缺失");
    expect_index("面积50㎡", "面 积 面积 50");
    expect_index("\"quoted\" *star* AND (x:y) ^z -w", "quoted star and x y z w");
}

Test(textseg_index, other_cjk_scripts_and_planes)
{
    expect_index("ひらがなカタカナ", "ひ ら が な カ タ カ ナ ひら らが がな なカ カタ タカ カナ");
    expect_index("한국어", "한 국 어 한국 국어");
    expect_index("𠀀𠀁", "𠀀 𠀁 𠀀𠀁");                         // extension B, 4-byte UTF-8
    expect_index("\u3400\u4e00", "\u3400 \u4e00 \u3400\u4e00"); // extension A
    expect_index("豈更", "豈 更 豈更"); // compatibility ideographs U+F900, U+F901
    expect_index("〇号楼", "〇 号 楼 〇号 号楼");
}

Test(textseg_index, invisible_characters_do_not_split)
{
    expect_index("葛\U000E0100城", "葛 城 葛城"); // ideographic variation selector
    expect_index("man\u00ADhole", "manhole");     // soft hyphen
    expect_index("a\u200Db", "ab");               // zero-width joiner
    expect_index("a\u200Bb", "a b");              // zero-width space separates
    expect_index("\uFEFF井盖", "井 盖 井盖");     // byte order mark
}

Test(textseg_index, empty_and_explicit_length)
{
    expect_index("", "");
    expect_index("，。！？ \t\n", "");
    char *s = textseg_index(NULL, 0);
    cr_assert_not_null(s);
    cr_expect_str_eq(s, "");
    free(s);
    cr_expect_null(textseg_index(NULL, 3));
    // Only len bytes are read: "井盖" is 6 bytes of the 9.
    s = textseg_index("井盖缺", 6);
    cr_assert_not_null(s);
    cr_expect_str_eq(s, "井 盖 井盖");
    free(s);
}

// ---- UTF-8 ----

Test(textseg_utf8, valid_sequences)
{
    cr_expect(textseg_utf8_valid("", 0));
    cr_expect(textseg_utf8_valid(NULL, 0));
    cr_expect(textseg_utf8_valid("plain ascii", 11));
    cr_expect(textseg_utf8_valid("井盖", 6));
    cr_expect(textseg_utf8_valid("\xC2\x80", 2));         // U+0080
    cr_expect(textseg_utf8_valid("\xE0\xA0\x80", 3));     // U+0800
    cr_expect(textseg_utf8_valid("\xED\x9F\xBF", 3));     // U+D7FF, just below surrogates
    cr_expect(textseg_utf8_valid("\xEE\x80\x80", 3));     // U+E000, just above
    cr_expect(textseg_utf8_valid("\xEF\xBF\xBF", 3));     // U+FFFF
    cr_expect(textseg_utf8_valid("\xF0\x90\x80\x80", 4)); // U+10000
    cr_expect(textseg_utf8_valid("\xF4\x8F\xBF\xBF", 4)); // U+10FFFF
}

Test(textseg_utf8, invalid_sequences_rejected)
{
    const struct {
        const char *bytes;
        size_t len;
        const char *what;
    } bad[] = {
        {"\xC0\x80", 2, "overlong NUL C0 80"},
        {"\xC1\xBF", 2, "overlong C1"},
        {"\xE0\x80\x80", 3, "overlong 3-byte"},
        {"\xE0\x9F\xBF", 3, "overlong 3-byte, top"},
        {"\xF0\x80\x80\x80", 4, "overlong 4-byte"},
        {"\xF0\x8F\xBF\xBF", 4, "overlong 4-byte, top"},
        {"\x80", 1, "lone continuation byte"},
        {"a\xBFz", 3, "continuation byte between letters"},
        {"\xE4\xBD", 2, "truncated 3-byte sequence"},
        {"井\xE7\x9B", 5, "truncated after a valid character"},
        {"\xF0\x9F\x98", 3, "truncated 4-byte sequence"},
        {"\xE4\x41\xA0", 3, "ASCII inside a sequence"},
        {"\xED\xA0\x80", 3, "surrogate U+D800"},
        {"\xED\xBF\xBF", 3, "surrogate U+DFFF"},
        {"\xF4\x90\x80\x80", 4, "U+110000"},
        {"\xF5\x80\x80\x80", 4, "F5 lead"},
        {"\xFF", 1, "FF"},
        {"\xFE", 1, "FE"},
        {"ab\0cd", 5, "NUL inside len"},
        {"\0", 1, "lone NUL"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_not(textseg_utf8_valid(bad[i].bytes, bad[i].len), "%s", bad[i].what);
        cr_expect_null(textseg_index(bad[i].bytes, bad[i].len), "index: %s", bad[i].what);
        cr_expect_null(textseg_query(bad[i].bytes, bad[i].len), "query: %s", bad[i].what);
    }
    cr_expect_not(textseg_utf8_valid(NULL, 1));
    // A truncated sequence is fine when len stops before it.
    cr_expect(textseg_utf8_valid("ab\xE4\xBD", 2));
}

Test(textseg_utf8, escape_keeps_valid_text_and_encodes_the_rest)
{
    char out[64];
    cr_expect_str_eq(textseg_utf8_escape("/井盖/a.js", out, sizeof out), "/井盖/a.js");
    cr_expect_str_eq(textseg_utf8_escape("/\xFF\xFE", out, sizeof out), "/%FF%FE");
    cr_expect_str_eq(textseg_utf8_escape("a\xE4\xBDz", out, sizeof out), "a%E4%BDz");
    cr_expect_str_eq(textseg_utf8_escape("\xED\xA0\x80", out, sizeof out), "%ED%A0%80");
    cr_expect_str_eq(textseg_utf8_escape("井\xE7\x9B", out, sizeof out), "井%E7%9B");
    cr_expect_str_eq(textseg_utf8_escape("", out, sizeof out), "");
    // Nothing is cut in the middle of a character or an escape.
    cr_expect_str_eq(textseg_utf8_escape("ab井", out, 5), "ab");
    cr_expect_str_eq(textseg_utf8_escape("ab\xFF", out, 5), "ab");
    cr_expect_str_eq(textseg_utf8_escape("ab\xFF", out, 6), "ab%FF");
    cr_expect_str_eq(textseg_utf8_escape("abc", out, 1), "");
    // The result is always valid, whatever the input.
    char bytes[33];
    for (int round = 0; round < 2000; round++) {
        for (int i = 0; i < 32; i++)
            bytes[i] = (char)(1 + (unsigned)(round * 131 + i * 977 + (round ^ i) * 31) % 255);
        bytes[32] = '\0';
        textseg_utf8_escape(bytes, out, sizeof out);
        cr_assert(textseg_utf8_valid(out, strlen(out)), "round %d", round);
    }
}

// ---- query ----

Test(textseg_query, terms)
{
    expect_query("井盖", "\"井盖\"");
    expect_query("井", "\"井\"");
    expect_query("人行道", "\"人行 行道\"");
    expect_query("人行道上", "\"人行 行道 道上\"");
    expect_query("manhol", "\"manhol\"*");
    expect_query("Manhole COVER", "\"manhole\"* AND \"cover\"*");
    expect_query("井盖 manhole 垃", "\"井盖\" AND \"manhole\"* AND \"垃\"");
    expect_query("A4纸", "\"a4\"* AND \"纸\"");
    expect_query("井盖，缺失", "\"井盖\" AND \"缺失\"");
    expect_query("ＰＤＦ", "\"pdf\"*");
}

Test(textseg_query, nothing_to_search)
{
    expect_query("", "");
    expect_query("   ", "");
    expect_query("，。！\"*()", "");
    char *s = textseg_query(NULL, 0);
    cr_assert_not_null(s);
    cr_expect_str_eq(s, "");
    free(s);
    cr_expect_null(textseg_query(NULL, 1));
}

Test(textseg_query, output_size_is_bounded)
{
    const char *inputs[] = {"a b c d e f",        "a,b,c,",       "井 盖 井 盖", "a井b盖c",
                            "人行道上的井盖缺失", "ＡＢＣ ｄ ｅ", "x",           "𠀀𠀁𠀂"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char *q = query_of(inputs[i]);
        cr_assert_not_null(q);
        cr_expect_leq(strlen(q), 5 * strlen(inputs[i]), "[%s] -> [%s]", inputs[i], q);
        free(q);
    }
}

// True when q is a sequence of "..." strings (with "" as an escaped quote), each
// optionally followed by *, joined by " AND ": nothing outside the quotes that
// FTS5 could read as syntax.
static bool only_quoted_terms(const char *q)
{
    const char *p = q;
    while (*p) {
        if (*p++ != '"')
            return false;
        for (;;) {
            if (*p == '\0')
                return false;
            if (*p == '"' && p[1] == '"') {
                p += 2;
                continue;
            }
            if (*p++ == '"')
                break;
        }
        if (*p == '*')
            p++;
        if (*p == '\0')
            break;
        if (strncmp(p, " AND ", 5) != 0)
            return false;
        p += 5;
    }
    return true;
}

static const char *const HOSTILE[] = {
    "\"",
    "\"\"",
    "\" OR \"1",
    "井盖\" OR 垃圾",
    "*",
    "man*",
    "井盖 AND",
    "AND OR NOT",
    "a OR b",
    "NEAR(a b, 5)",
    "NEAR/2",
    "(井盖",
    "井盖)",
    "body:井盖",
    "{body}: x",
    "^井盖",
    "-井盖",
    "a - b",
    "+ - * / : ^ ( ) { } [ ] \" '",
    "x\" NOT \"y",
    "井盖\"*\"",
    "“井盖” （垃圾）",
    "a ، ।",
    "e\u0301 \u2160",
};

Test(textseg_query, injection_is_impossible)
{
    expect_query("\"", "");
    expect_query("\" OR \"1", "\"or\"* AND \"1\"*");
    expect_query("井盖\" OR 垃圾", "\"井盖\" AND \"or\"* AND \"垃圾\"");
    expect_query("NEAR(a b, 5)", "\"near\"* AND \"a\"* AND \"b\"* AND \"5\"*");
    expect_query("body:井盖", "\"body\"* AND \"井盖\"");
    expect_query("^井盖 -垃圾", "\"井盖\" AND \"垃圾\"");
    expect_query("AND", "\"and\"*");
    for (size_t i = 0; i < sizeof HOSTILE / sizeof HOSTILE[0]; i++) {
        char *q = query_of(HOSTILE[i]);
        cr_assert_not_null(q, "%s", HOSTILE[i]);
        cr_expect(only_quoted_terms(q), "input [%s] gave [%s]", HOSTILE[i], q);
        free(q);
    }
}

// ---- end to end with SQLite FTS5 (unicode61 tokenizer) ----

static const char *const DOCS[] = {
    "人行道上的井盖缺失",                   // 1
    "路边垃圾堆放，影响市容",               // 2
    "Manhole cover missing on Renmin Road", // 3
    "井盖，缺口需要修补",                   // 4: 井盖 then punctuation then 缺
    "商铺占道经营，人行 道被堵",            // 5: 人行 and 道 apart
    "缺井盖的道路",                         // 6: 缺 before 井盖, not after
    "垃 圾 分开写",                         // 7: 垃 and 圾 apart
    "MANHOLES everywhere",                  // 8
    "the man hole",                         // 9
    "Manhole 井盖 broken，人行道积水",      // 10
};

static sqlite3 *open_index(void)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "CREATE VIRTUAL TABLE doc USING fts5(body)", NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_stmt *ins = NULL;
    cr_assert_eq(
        sqlite3_prepare_v2(db, "INSERT INTO doc(rowid, body) VALUES (?1, ?2)", -1, &ins, NULL),
        SQLITE_OK);
    for (size_t i = 0; i < sizeof DOCS / sizeof DOCS[0]; i++) {
        char *body = index_of(DOCS[i]);
        cr_assert_not_null(body);
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)(i + 1));
        sqlite3_bind_text(ins, 2, body, -1, SQLITE_TRANSIENT);
        cr_assert_eq(sqlite3_step(ins), SQLITE_DONE, "%s", sqlite3_errmsg(db));
        sqlite3_reset(ins);
        free(body);
    }
    sqlite3_finalize(ins);
    return db;
}

// Runs the query built from text; writes the matching rowids, ascending and
// space-separated, into out. Returns the SQLite result code of the last step.
static int search(sqlite3 *db, const char *text, char *out, size_t out_size)
{
    char *match = query_of(text);
    cr_assert_not_null(match);
    cr_assert_neq(match[0], '\0', "no terms in [%s]", text);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT rowid FROM doc WHERE doc MATCH ?1 ORDER BY rowid",
                                    -1, &st, NULL),
                 SQLITE_OK);
    sqlite3_bind_text(st, 1, match, -1, SQLITE_TRANSIENT);
    out[0] = '\0';
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t used = strlen(out);
        snprintf(out + used, out_size - used, "%s%lld", used ? " " : "",
                 (long long)sqlite3_column_int64(st, 0));
    }
    sqlite3_finalize(st);
    free(match);
    return rc;
}

static void expect_rows(sqlite3 *db, const char *text, const char *rows)
{
    char got[128];
    cr_expect_eq(search(db, text, got, sizeof got), SQLITE_DONE, "[%s]: %s", text,
                 sqlite3_errmsg(db));
    cr_expect_str_eq(got, rows, "search [%s]", text);
}

Test(textseg_fts5, finds_exactly_the_right_rows)
{
    sqlite3 *db = open_index();
    expect_rows(db, "井盖", "1 4 6 10");
    expect_rows(db, "垃圾", "2");
    expect_rows(db, "人行道", "1 10");
    expect_rows(db, "manhole", "3 8 10");
    expect_rows(db, "MANHOLE", "3 8 10");
    expect_rows(db, "井盖缺", "1");
    expect_rows(db, "占道", "5");
    expect_rows(db, "井", "1 4 6 10");
    expect_rows(db, "manhole 井盖", "10");
    expect_rows(db, "人行道，井盖", "1 10");
    expect_rows(db, "垃圾桶", "");
    expect_rows(db, "hole", "9");
    sqlite3_close(db);
}

// Appends the UTF-8 form of cp to buf at *len.
static void put_utf8(char *buf, size_t *len, unsigned cp)
{
    if (cp < 0x80) {
        buf[(*len)++] = (char)cp;
    } else if (cp < 0x800) {
        buf[(*len)++] = (char)(0xC0 | (cp >> 6));
        buf[(*len)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        buf[(*len)++] = (char)(0xE0 | (cp >> 12));
        buf[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[(*len)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        buf[(*len)++] = (char)(0xF0 | (cp >> 18));
        buf[(*len)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        buf[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[(*len)++] = (char)(0x80 | (cp & 0x3F));
    }
}

Test(textseg_fts5, random_text_gives_well_formed_output)
{
    // Characters from every class, mixed at random (fixed seed).
    static const unsigned pool[] = {
        'a',    'Z',    '7',    ' ',    '"',    '*',    '(',     ':',     '-',     '^',
        '\t',   0xC9,   0xDF,   0xAD,   0xB7,   0x0301, 0x0416,  0x060C,  0x200B,  0x200D,
        0x2014, 0x201C, 0x3000, 0x3001, 0x3002, 0x3005, 0x300A,  0x3042,  0x30AB,  0x30FB,
        0x4E95, 0x76D6, 0x5783, 0x573E, 0x4EBA, 0x884C, 0x9053,  0xAC00,  0xF900,  0xFE0F,
        0xFF08, 0xFF0C, 0xFF21, 0xFF41, 0xFF10, 0xFF66, 0x1F600, 0x20000, 0xE0100, 0x33A1,
    };
    sqlite3 *db = open_index();
    unsigned long state = 12345;
    for (int round = 0; round < 400; round++) {
        char text[256];
        size_t len = 0;
        state = state * 6364136223846793005UL + 1442695040888963407UL;
        int count = (int)((state >> 33) % 24);
        for (int i = 0; i < count; i++) {
            state = state * 6364136223846793005UL + 1442695040888963407UL;
            put_utf8(text, &len, pool[(state >> 33) % (sizeof pool / sizeof pool[0])]);
        }
        char *idx = textseg_index(text, len);
        char *q = textseg_query(text, len);
        cr_assert_not_null(idx);
        cr_assert_not_null(q);
        size_t n = strlen(idx);
        cr_expect(textseg_utf8_valid(idx, n));
        cr_expect_leq(n, 4 * len);
        cr_expect(n == 0 || (idx[0] != ' ' && idx[n - 1] != ' '), "[%s]", idx);
        cr_expect_null(strstr(idx, "  "), "[%s]", idx);
        cr_expect(only_quoted_terms(q), "[%s]", q);
        if (q[0] != '\0') {
            char got[128];
            text[len] = '\0';
            cr_expect_eq(search(db, text, got, sizeof got), SQLITE_DONE, "[%s]: %s", q,
                         sqlite3_errmsg(db));
        }
        free(idx);
        free(q);
    }
    sqlite3_close(db);
}

Test(textseg_fts5, hostile_queries_run_without_syntax_errors)
{
    sqlite3 *db = open_index();
    for (size_t i = 0; i < sizeof HOSTILE / sizeof HOSTILE[0]; i++) {
        char *match = query_of(HOSTILE[i]);
        cr_assert_not_null(match);
        if (match[0] != '\0') {
            char got[128];
            cr_expect_eq(search(db, HOSTILE[i], got, sizeof got), SQLITE_DONE, "[%s] -> %s: %s",
                         HOSTILE[i], match, sqlite3_errmsg(db));
        }
        free(match);
    }
    // A quote in the text must not end the term early and widen the search.
    expect_rows(db, "井盖\" OR \"垃圾", "");
    expect_rows(db, "垃圾\" OR 井盖", "");
    sqlite3_close(db);
}

// ---- the PostgreSQL tsquery form (searched for real in tests/pg) ----

static void expect_tsquery(const char *input, const char *expected)
{
    char *got = textseg_tsquery(input, strlen(input));
    cr_assert_not_null(got, "tsquery of \"%s\" failed", input);
    cr_expect_str_eq(got, expected, "tsquery of \"%s\"", input);
    cr_expect_leq(strlen(got), 8 * strlen(input), "tsquery of \"%s\" is bounded", input);
    free(got);
}

Test(textseg_tsquery, terms_mean_what_the_fts5_query_means)
{
    expect_tsquery("井盖", "'井盖'");
    expect_tsquery("井", "'井'");
    expect_tsquery("人行道上", "'人行' <-> '行道' <-> '道上'");
    expect_tsquery("Manhole COVER", "'manhole':* & 'cover':*");
    expect_tsquery("井盖 manhole 垃", "'井盖' & 'manhole':* & '垃'");
    expect_tsquery("A4纸", "'a4':* & '纸'");
    expect_tsquery("井盖，缺失", "'井盖' & '缺失'");
    expect_tsquery("a b", "'a':* & 'b':*");
}

Test(textseg_tsquery, operators_and_quotes_in_the_input_stay_text)
{
    // tsquery's own syntax (& | ! <-> : * ( ) ') only separates terms.
    expect_tsquery("a & !b | (c) <-> d:* 'e'", "'a':* & 'b':* & 'c':* & 'd':* & 'e':*");
    expect_tsquery("it's", "'it':* & 's':*");
    expect_tsquery("", "");
    expect_tsquery("，。！'\\", "");
    cr_expect_null(textseg_tsquery("\xff", 1));
}
