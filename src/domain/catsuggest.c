// SPDX-License-Identifier: MIT
// Keyword matching and ranking for category suggestions: byte-wise substring
// search with ASCII case folding and a word-start rule for Latin keywords, weight
// accumulation per category, and a deterministic best-first order.
#include "catsuggest.h"

#include <stdlib.h>

static unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

void catsuggest_init(struct catsuggest_ranking *ranking, struct catsuggest_entry *storage,
                     size_t capacity)
{
    ranking->entries = storage;
    ranking->count = 0;
    ranking->capacity = storage != NULL ? capacity : 0;
}

void catsuggest_rebind(struct catsuggest_ranking *ranking, struct catsuggest_entry *storage,
                       size_t capacity)
{
    ranking->entries = storage;
    ranking->capacity = capacity;
}

static bool match_at(const unsigned char *text, const unsigned char *keyword, size_t keyword_len)
{
    for (size_t i = 0; i < keyword_len; i++)
        if (ascii_lower(text[i]) != ascii_lower(keyword[i]))
            return false;
    return true;
}

bool catsuggest_matches(const char *text, size_t text_len, const char *keyword, size_t keyword_len)
{
    if (keyword_len == 0 || keyword_len > text_len || text == NULL || keyword == NULL)
        return false;
    const unsigned char *t = (const unsigned char *)text;
    const unsigned char *k = (const unsigned char *)keyword;
    bool word_start = ascii_alnum(k[0]);
    for (size_t at = 0; at + keyword_len <= text_len; at++) {
        if (word_start && at > 0 && ascii_alnum(t[at - 1]))
            continue;
        if (match_at(t + at, k, keyword_len))
            return true;
    }
    return false;
}

enum catsuggest_result catsuggest_consider(struct catsuggest_ranking *ranking, const char *text,
                                           size_t text_len, int64_t category_id,
                                           const char *keyword, size_t keyword_len, int weight)
{
    if (weight <= 0 || !catsuggest_matches(text, text_len, keyword, keyword_len))
        return CATSUGGEST_NO_MATCH;
    struct catsuggest_entry *entry = NULL;
    for (size_t i = 0; i < ranking->count; i++)
        if (ranking->entries[i].category_id == category_id) {
            entry = &ranking->entries[i];
            break;
        }
    if (entry == NULL) {
        if (ranking->count >= ranking->capacity)
            return CATSUGGEST_FULL;
        entry = &ranking->entries[ranking->count++];
        *entry = (struct catsuggest_entry){.category_id = category_id};
    }
    entry->score += weight;
    entry->matched_bytes += (long)keyword_len;
    return CATSUGGEST_MATCHED;
}

static int compare_entries(const void *a, const void *b)
{
    const struct catsuggest_entry *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->matched_bytes != y->matched_bytes)
        return x->matched_bytes > y->matched_bytes ? -1 : 1;
    if (x->category_id != y->category_id)
        return x->category_id < y->category_id ? -1 : 1;
    return 0;
}

void catsuggest_sort(struct catsuggest_ranking *ranking)
{
    if (ranking->count > 1)
        qsort(ranking->entries, ranking->count, sizeof ranking->entries[0], compare_entries);
}
