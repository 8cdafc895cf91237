// SPDX-License-Identifier: MIT
// CJK bigram segmentation for FTS5 (index text and MATCH queries) and strict UTF-8
// validation. Text is first validated, then cut into tokens (words and CJK runs)
// by a character classifier; the index and query writers render those tokens.
#include "textseg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// ---- UTF-8 ----

// Decodes one code point from the n > 0 bytes at s into *cp. Returns its length
// (1-4), or 0 when the bytes there are not strict UTF-8 or are a NUL byte.
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char b0 = s[0];
    if (b0 < 0x80) {
        *cp = b0;
        return b0 == 0 ? 0 : 1;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        if (b0 == 0xE0)
            lo = 0xA0; // overlong below U+0800
        else if (b0 == 0xED)
            hi = 0x9F; // surrogates U+D800..U+DFFF
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        if (b0 == 0xF0)
            lo = 0x90; // overlong below U+10000
        else if (b0 == 0xF4)
            hi = 0x8F; // above U+10FFFF
    } else {
        return 0; // continuation byte, C0/C1 overlong lead, or F5..FF
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    uint32_t value = b0 & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        value = (value << 6) | (s[i] & 0x3F);
    }
    *cp = value;
    return len;
}

bool textseg_utf8_valid(const char *s, size_t len)
{
    if (s == NULL)
        return len == 0;
    const unsigned char *p = (const unsigned char *)s;
    size_t pos = 0;
    while (pos < len) {
        uint32_t cp;
        size_t step = utf8_decode(p + pos, len - pos, &cp);
        if (step == 0)
            return false;
        pos += step;
    }
    return true;
}

char *textseg_utf8_escape(const char *text, char *out, size_t out_size)
{
    static const char HEX[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)text;
    size_t len = strlen(text), pos = 0, used = 0;
    while (pos < len) {
        uint32_t cp;
        size_t step = utf8_decode(p + pos, len - pos, &cp);
        size_t need = step == 0 ? 3 : step;
        if (used + need >= out_size)
            break;
        if (step == 0) {
            out[used++] = '%';
            out[used++] = HEX[p[pos] >> 4];
            out[used++] = HEX[p[pos] & 15];
            pos++;
        } else {
            memcpy(out + used, p + pos, step);
            used += step;
            pos += step;
        }
    }
    out[used] = '\0';
    return out;
}

// ---- character classes ----

enum char_class {
    CLASS_SEPARATOR, // whitespace, punctuation, symbols: ends a token, dropped
    CLASS_WORD,      // letters and digits outside CJK: part of a word
    CLASS_CJK,       // ideographs, kana, Hangul, Bopomofo: bigrammed
    CLASS_IGNORE,    // invisible joiners and selectors: dropped, token continues
};

struct cp_range {
    uint32_t first, last;
};

// Sorted, disjoint ranges; only letters (categories L and Nl) so that unicode61
// keeps every character we emit.
static const struct cp_range CJK_RANGES[] = {
    {0x1100, 0x11FF},   // Hangul Jamo
    {0x3005, 0x3007},   // 々 〆 〇
    {0x3021, 0x3029},   // Hangzhou numerals
    {0x3031, 0x3035},   // kana repeat marks
    {0x303B, 0x303C},   // vertical ideographic iteration mark, masu mark
    {0x3041, 0x3096},   // Hiragana
    {0x309D, 0x309F},   // Hiragana iteration marks, digraph yori
    {0x30A1, 0x30FA},   // Katakana
    {0x30FC, 0x30FF},   // prolonged sound mark, iteration marks, digraph koto
    {0x3105, 0x312F},   // Bopomofo
    {0x3131, 0x318E},   // Hangul compatibility Jamo
    {0x31A0, 0x31BF},   // Bopomofo extended
    {0x31F0, 0x31FF},   // Katakana phonetic extensions
    {0x3400, 0x4DBF},   // CJK Unified Ideographs Extension A
    {0x4E00, 0x9FFF},   // CJK Unified Ideographs
    {0xA960, 0xA97F},   // Hangul Jamo Extended-A
    {0xAC00, 0xD7A3},   // Hangul syllables
    {0xD7B0, 0xD7FF},   // Hangul Jamo Extended-B
    {0xF900, 0xFAFF},   // CJK Compatibility Ideographs
    {0xFF66, 0xFF9F},   // halfwidth Katakana
    {0xFFA0, 0xFFDC},   // halfwidth Hangul
    {0x1B000, 0x1B16F}, // Kana Supplement, Extended-A, Small Kana Extension
    {0x20000, 0x323AF}, // CJK Extensions B-H, Compatibility Ideographs Supplement
};

// Punctuation, symbols and spaces beyond ASCII.
static const struct cp_range SEPARATOR_RANGES[] = {
    {0x0080, 0x00BF},   // C1 controls, NBSP, Latin-1 punctuation and signs
    {0x00D7, 0x00D7},   // multiplication sign
    {0x00F7, 0x00F7},   // division sign
    {0x1680, 0x1680},   // Ogham space mark
    {0x2000, 0x200B},   // spaces, zero-width space
    {0x200E, 0x205F},   // marks, general punctuation
    {0x2061, 0x2BFF},   // sub/superscripts, currency, arrows, math, shapes, dingbats
    {0x2E00, 0x3004},   // supplemental punctuation, radicals, ideographic space, 、。〃
    {0x3008, 0x3020},   // 〈〉《》「」『』【】〔〕〖〗 etc.
    {0x302A, 0x3030},   // tone marks, wave dash
    {0x3036, 0x303A},   // circled postal mark etc.
    {0x303D, 0x3040},   // part alternation mark etc.
    {0x3097, 0x309C},   // kana voicing marks
    {0x30A0, 0x30A0},   // double hyphen
    {0x30FB, 0x30FB},   // katakana middle dot
    {0x3190, 0x319F},   // kanbun
    {0x31C0, 0x31EF},   // CJK strokes
    {0x3200, 0x33FF},   // enclosed CJK letters, CJK compatibility (㈱ ㎡)
    {0x4DC0, 0x4DFF},   // Yijing hexagrams
    {0xFE10, 0xFE1F},   // vertical forms
    {0xFE30, 0xFE6F},   // CJK compatibility forms, small form variants
    {0xFEFF, 0xFEFF},   // byte order mark
    {0xFF00, 0xFF0F},   // fullwidth ！＂＃＄％＆＇（）＊＋，－．／
    {0xFF1A, 0xFF20},   // fullwidth ：；＜＝＞？＠
    {0xFF3B, 0xFF40},   // fullwidth ［＼］＾＿｀
    {0xFF5B, 0xFF65},   // fullwidth ｛｜｝～, halfwidth ｡｢｣､･
    {0xFFE0, 0xFFFF},   // fullwidth signs ￥, specials
    {0x1F000, 0x1FBFF}, // tiles, cards, emoji, pictographs
    {0xE0000, 0xE007F}, // tags
};

static const struct cp_range IGNORE_RANGES[] = {
    {0x00AD, 0x00AD},   // soft hyphen
    {0x180B, 0x180F},   // Mongolian variation selectors
    {0x200C, 0x200D},   // zero-width non-joiner, joiner
    {0x2060, 0x2060},   // word joiner
    {0xFE00, 0xFE0F},   // variation selectors
    {0xE0100, 0xE01EF}, // ideographic variation selectors
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static bool in_ranges(uint32_t cp, const struct cp_range *ranges, size_t count)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < ranges[mid].first)
            hi = mid;
        else if (cp > ranges[mid].last)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

static enum char_class classify(uint32_t cp)
{
    if (cp < 0x80) {
        bool alnum =
            (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
        return alnum ? CLASS_WORD : CLASS_SEPARATOR;
    }
    if (in_ranges(cp, IGNORE_RANGES, COUNT_OF(IGNORE_RANGES)))
        return CLASS_IGNORE;
    if (in_ranges(cp, CJK_RANGES, COUNT_OF(CJK_RANGES)))
        return CLASS_CJK;
    if (in_ranges(cp, SEPARATOR_RANGES, COUNT_OF(SEPARATOR_RANGES)))
        return CLASS_SEPARATOR;
    return CLASS_WORD;
}

// The form a word character takes in the output: ASCII and Latin-1 capitals
// lowercased, fullwidth ASCII letters and digits mapped to ASCII. unicode61 folds
// the case of everything else itself.
static uint32_t normalize_word_char(uint32_t cp)
{
    if (cp >= 'A' && cp <= 'Z')
        return cp + ('a' - 'A');
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
        return cp + 0x20;
    if (cp >= 0xFF10 && cp <= 0xFF19)
        return cp - 0xFF10 + '0';
    if (cp >= 0xFF21 && cp <= 0xFF3A)
        return cp - 0xFF21 + 'a';
    if (cp >= 0xFF41 && cp <= 0xFF5A)
        return cp - 0xFF41 + 'a';
    return cp;
}

// ---- tokens ----

// One token: a word or a CJK run, as the raw input bytes it spans (which may
// include CLASS_IGNORE characters, to be skipped when rendering).
struct token {
    enum char_class kind; // CLASS_WORD or CLASS_CJK
    const unsigned char *start;
    size_t len;
};

// Reads the next code point at *pos (input already validated) and its class.
static enum char_class next_char(const unsigned char *text, size_t len, size_t *pos, uint32_t *cp)
{
    *pos += utf8_decode(text + *pos, len - *pos, cp);
    return classify(*cp);
}

// Finds the next token at or after *pos in valid UTF-8 text; advances *pos past
// it. Returns false when no token is left.
static bool next_token(const unsigned char *text, size_t len, size_t *pos, struct token *tok)
{
    uint32_t cp;
    size_t start;
    enum char_class kind;
    do {
        if (*pos >= len)
            return false;
        start = *pos;
        kind = next_char(text, len, pos, &cp);
    } while (kind == CLASS_SEPARATOR || kind == CLASS_IGNORE);
    while (*pos < len) {
        size_t here = *pos;
        enum char_class next = next_char(text, len, pos, &cp);
        if (next != kind && next != CLASS_IGNORE) {
            *pos = here;
            break;
        }
    }
    tok->kind = kind;
    tok->start = text + start;
    tok->len = *pos - start;
    return true;
}

// ---- output buffer ----

struct out_buffer {
    char *data;
    size_t len, cap;
    bool failed; // an allocation failed; further appends are ignored
};

static void out_append(struct out_buffer *out, const void *bytes, size_t n)
{
    if (out->failed)
        return;
    if (n > SIZE_MAX - 1 - out->len) {
        out->failed = true;
        return;
    }
    if (out->len + n + 1 > out->cap) {
        size_t cap = out->cap ? out->cap : 64;
        while (cap < out->len + n + 1)
            cap = cap > SIZE_MAX / 2 ? out->len + n + 1 : cap * 2;
        char *grown = realloc(out->data, cap);
        if (grown == NULL) {
            out->failed = true;
            return;
        }
        out->data = grown;
        out->cap = cap;
    }
    memcpy(out->data + out->len, bytes, n);
    out->len += n;
    out->data[out->len] = '\0';
}

static void out_append_str(struct out_buffer *out, const char *s)
{
    out_append(out, s, strlen(s));
}

static void out_append_cp(struct out_buffer *out, uint32_t cp)
{
    unsigned char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | (cp >> 18));
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    out_append(out, b, n);
}

// Returns the finished string (never NULL unless allocation failed), owned by the
// caller; frees everything on failure.
static char *out_finish(struct out_buffer *out)
{
    if (!out->failed && out->data == NULL)
        out_append(out, "", 0);
    if (out->failed) {
        free(out->data);
        return NULL;
    }
    return out->data;
}

// ---- rendering ----

// Reads the next code point of tok at *pos, skipping CLASS_IGNORE characters.
// Returns false at the end of the token.
static bool token_char(const struct token *tok, size_t *pos, uint32_t *cp)
{
    while (*pos < tok->len) {
        if (next_char(tok->start, tok->len, pos, cp) != CLASS_IGNORE)
            return true;
    }
    return false;
}

// Appends the normalized word; inside a quoted FTS5 string when quoted is true.
static void render_word(struct out_buffer *out, const struct token *tok, bool quoted)
{
    uint32_t cp;
    for (size_t pos = 0; token_char(tok, &pos, &cp);) {
        uint32_t c = normalize_word_char(cp);
        if (quoted && c == '"')
            out_append_str(out, "\"\""); // unreachable today: '"' separates tokens
        else
            out_append_cp(out, c);
    }
}

// Appends each overlapping pair of the run's characters, separated by spaces.
static void render_bigrams(struct out_buffer *out, const struct token *tok)
{
    uint32_t cp, prev = 0;
    bool have_prev = false, first_pair = true;
    for (size_t pos = 0; token_char(tok, &pos, &cp);) {
        if (have_prev) {
            if (!first_pair)
                out_append_str(out, " ");
            out_append_cp(out, prev);
            out_append_cp(out, cp);
            first_pair = false;
        }
        prev = cp;
        have_prev = true;
    }
}

static size_t count_chars(const struct token *tok)
{
    uint32_t cp;
    size_t count = 0;
    for (size_t pos = 0; token_char(tok, &pos, &cp);)
        count++;
    return count;
}

// Index form of one token, preceded by a space unless it is the first output.
static void index_token(struct out_buffer *out, const struct token *tok)
{
    if (tok->kind == CLASS_WORD) {
        if (out->len > 0)
            out_append_str(out, " ");
        render_word(out, tok, false);
        return;
    }
    uint32_t cp;
    for (size_t pos = 0; token_char(tok, &pos, &cp);) {
        if (out->len > 0)
            out_append_str(out, " ");
        out_append_cp(out, cp);
    }
    if (count_chars(tok) >= 2) {
        out_append_str(out, " ");
        render_bigrams(out, tok);
    }
}

// Query form of one token: a quoted prefix term, character or phrase of pairs.
static void query_token(struct out_buffer *out, const struct token *tok)
{
    if (out->len > 0)
        out_append_str(out, " AND ");
    out_append_str(out, "\"");
    if (tok->kind == CLASS_WORD) {
        render_word(out, tok, true);
        out_append_str(out, "\"*");
        return;
    }
    uint32_t cp;
    if (count_chars(tok) == 1) {
        for (size_t pos = 0; token_char(tok, &pos, &cp);)
            out_append_cp(out, cp);
    } else {
        render_bigrams(out, tok); // CJK characters never include '"'
    }
    out_append_str(out, "\"");
}

// Appends a normalized word as a tsquery lexeme body: inside '...', a quote
// is doubled and a backslash escaped (unreachable today: both separate tokens).
static void render_lexeme_word(struct out_buffer *out, const struct token *tok)
{
    uint32_t cp;
    for (size_t pos = 0; token_char(tok, &pos, &cp);) {
        uint32_t c = normalize_word_char(cp);
        if (c == '\'')
            out_append_str(out, "''");
        else if (c == '\\')
            out_append_str(out, "\\\\");
        else
            out_append_cp(out, c);
    }
}

// PostgreSQL tsquery form of one token: a prefix lexeme, a character, or the
// phrase of its pairs ('人行' <-> '行道'), ANDed with what came before.
static void tsquery_token(struct out_buffer *out, const struct token *tok)
{
    if (out->len > 0)
        out_append_str(out, " & ");
    if (tok->kind == CLASS_WORD) {
        out_append_str(out, "'");
        render_lexeme_word(out, tok);
        out_append_str(out, "':*");
        return;
    }
    uint32_t cp, prev = 0;
    if (count_chars(tok) == 1) {
        out_append_str(out, "'");
        for (size_t pos = 0; token_char(tok, &pos, &cp);)
            out_append_cp(out, cp);
        out_append_str(out, "'");
        return;
    }
    bool have_prev = false, first_pair = true;
    for (size_t pos = 0; token_char(tok, &pos, &cp);) {
        if (have_prev) {
            out_append_str(out, first_pair ? "'" : " <-> '");
            out_append_cp(out, prev);
            out_append_cp(out, cp);
            out_append_str(out, "'");
            first_pair = false;
        }
        prev = cp;
        have_prev = true;
    }
}

// Validates, tokenizes and renders with one of the token writers.
static char *segment(const char *utf8, size_t len,
                     void (*render)(struct out_buffer *, const struct token *))
{
    if (!textseg_utf8_valid(utf8, len))
        return NULL;
    struct out_buffer out = {0};
    const unsigned char *text = (const unsigned char *)utf8;
    size_t pos = 0;
    struct token tok;
    while (!out.failed && next_token(text, len, &pos, &tok))
        render(&out, &tok);
    return out_finish(&out);
}

char *textseg_index(const char *utf8, size_t len)
{
    return segment(utf8, len, index_token);
}

char *textseg_query(const char *utf8, size_t len)
{
    return segment(utf8, len, query_token);
}

char *textseg_tsquery(const char *utf8, size_t len)
{
    return segment(utf8, len, tsquery_token);
}
