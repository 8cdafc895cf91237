// SPDX-License-Identifier: MIT
// Text segmentation that makes Chinese searchable with SQLite FTS5's unicode61
// tokenizer: an indexed copy of the text has every CJK character and every pair of
// adjacent CJK characters as space-separated tokens, and queries are rewritten into
// quoted FTS5 phrases of the same pairs. Also strict UTF-8 validation. Pure module.
#ifndef CHENGGUAN_TEXTSEG_H
#define CHENGGUAN_TEXTSEG_H

#include <stdbool.h>
#include <stddef.h>

// True when the len bytes at s are well-formed UTF-8 (RFC 3629): no overlong forms,
// no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence at
// the end, and no NUL byte anywhere in the len bytes. s may be NULL only when len
// is 0 (which is valid). Reads exactly len bytes; s need not be NUL-terminated.
bool textseg_utf8_valid(const char *s, size_t len);

// Copies the NUL-terminated text into out (out_size > 0 bytes, NUL included) so
// that the copy is always well-formed UTF-8: each byte that does not belong to a
// well-formed sequence is written as "%XX" (upper-case hex), everything else as
// is. When out is too small the copy ends before the first character (or escape)
// that does not fit whole. Returns out.
char *textseg_utf8_escape(const char *text, char *out, size_t out_size);

// Segments the len bytes of UTF-8 text at utf8 for the index. Returns a malloc'd,
// NUL-terminated string of tokens separated by single spaces, which the caller
// must free; "" when the text has no tokens. Tokens, in text order:
// - a run of letters and digits of other scripts (Latin, Greek, Cyrillic...) is one
//   word; ASCII and Latin-1 capitals are lowercased and fullwidth ASCII letters and
//   digits become ASCII ("Manhole COVER" -> "manhole cover", "ＡＢ１" -> "ab1");
// - a maximal run of CJK characters (CJK ideographs incl. extensions and
//   compatibility ideographs, kana, Hangul, Bopomofo) gives each of its characters,
//   then each overlapping pair: "人行道上" -> "人 行 道 上 人行 行道 道上";
// - whitespace, ASCII and CJK/fullwidth punctuation and symbols (，。、；："" etc.,
//   emoji) separate tokens and are dropped; zero-width joiners, soft hyphens and
//   variation selectors are dropped without separating.
// The result is at most 4 * len bytes plus the NUL. Returns NULL on invalid UTF-8
// (see textseg_utf8_valid), on allocation failure, or when utf8 is NULL and len
// is not 0.
char *textseg_index(const char *utf8, size_t len);

// Turns the len bytes of UTF-8 search text into an FTS5 MATCH expression over text
// indexed with textseg_index. Returns a malloc'd NUL-terminated string the caller
// must free: terms joined with " AND ", where each word (normalized as above)
// becomes a prefix term "manhol"*, a single CJK character a term "井", and a CJK
// run of two or more characters the phrase of its pairs "人行 行道", which matches
// only where the pairs are consecutive. Every term is inside double quotes (a
// double quote inside one would be doubled), so no input can inject FTS5 syntax.
// Returns "" when there is nothing to search for (do not pass "" to MATCH, it is a
// syntax error), NULL on invalid UTF-8, allocation failure, or NULL utf8 with
// len not 0. The caller bounds len: the result is at most 5 * len bytes plus the NUL.
char *textseg_query(const char *utf8, size_t len);

// The same search as textseg_query, written as a PostgreSQL tsquery for
// to_tsquery('simple', ...) over a tsvector of textseg_index's text: terms
// joined with " & ", each word a prefix lexeme 'manhol':*, a single CJK
// character '井', a CJK run of two or more the phrase of its pairs
// '人行' <-> '行道'. Every lexeme is inside single quotes (a quote doubled, a
// backslash escaped), so no input can inject tsquery syntax. Returns a
// malloc'd string the caller frees; "" when there is nothing to search for
// (do not pass "" to to_tsquery: it matches nothing and PostgreSQL warns);
// NULL on invalid UTF-8 or allocation failure. At most 8 * len bytes plus
// the NUL.
char *textseg_tsquery(const char *utf8, size_t len);

#endif
