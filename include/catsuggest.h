// SPDX-License-Identifier: MIT
// Ranking of category guesses from free text: each keyword found in the text adds
// its weight to its category; the best category has the highest sum, then the
// longest matched text, then the lowest id. Pure: no I/O, no allocation (the
// caller supplies the storage), no globals; thread-safe.
#ifndef CHENGGUAN_CATSUGGEST_H
#define CHENGGUAN_CATSUGGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// One candidate category and what the text earned it.
struct catsuggest_entry {
    int64_t category_id;
    long score;         // sum of the weights of the keywords found
    long matched_bytes; // sum of the lengths of those keywords (longer = more specific)
};

// A ranking under construction over caller-owned storage of `capacity` entries.
struct catsuggest_ranking {
    struct catsuggest_entry *entries;
    size_t count;
    size_t capacity;
};

// Starts an empty ranking over storage (capacity entries; storage may be NULL when
// capacity is 0). The ranking does not own storage.
void catsuggest_init(struct catsuggest_ranking *ranking, struct catsuggest_entry *storage,
                     size_t capacity);

// True when the keyword_len bytes of keyword occur in the text_len bytes of text.
// ASCII letters compare case-insensitively; other bytes exactly (so UTF-8 text
// matches UTF-8 keywords). A keyword that starts with an ASCII letter or digit
// must start a word in the text (the byte before it is not an ASCII letter or
// digit), so "tree" does not match inside "street" but "park" matches "parking".
// An empty keyword never matches. Neither string needs a NUL terminator.
bool catsuggest_matches(const char *text, size_t text_len, const char *keyword, size_t keyword_len);

// Result of catsuggest_consider.
enum catsuggest_result {
    CATSUGGEST_NO_MATCH = 0,
    CATSUGGEST_MATCHED = 1,
    CATSUGGEST_FULL = -1, // matched, but a new category did not fit: nothing recorded;
                          // grow the storage (catsuggest_rebind) and call again
};

// Looks for one keyword of category_id in text; when found, adds weight and the
// keyword's length to the category's entry (creating it). A weight <= 0 is
// ignored (CATSUGGEST_NO_MATCH).
enum catsuggest_result catsuggest_consider(struct catsuggest_ranking *ranking, const char *text,
                                           size_t text_len, int64_t category_id,
                                           const char *keyword, size_t keyword_len, int weight);

// Points the ranking at larger storage that already holds a copy of its entries
// (e.g. after realloc). capacity must be >= ranking->count.
void catsuggest_rebind(struct catsuggest_ranking *ranking, struct catsuggest_entry *storage,
                       size_t capacity);

// Orders the entries best first: higher score, then more matched bytes, then
// lower category id. Deterministic for any input order.
void catsuggest_sort(struct catsuggest_ranking *ranking);

#endif
