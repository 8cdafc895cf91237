// SPDX-License-Identifier: MIT
// 门前三包 rules: periods, the month a case counts in, the weighted total of a
// 示范街 evaluation, ranks with ties and the reward list. Pure.
#include "frontage.h"

#include <math.h>
#include <string.h>
#include <time.h>

// True when the n characters at text are decimal digits.
static bool digits(const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return true;
}

bool frontage_period_valid(const char *text)
{
    if (text == NULL || strlen(text) != 7 || !digits(text, 4) || text[4] != '-' || text[0] != '2')
        return false;
    if (text[5] == 'Q')
        return text[6] >= '1' && text[6] <= '4';
    if (!digits(text + 5, 2))
        return false;
    int month = (text[5] - '0') * 10 + (text[6] - '0');
    return month >= 1 && month <= 12;
}

void frontage_month(int64_t at_ms, char out[8])
{
    time_t seconds = (time_t)(at_ms / 1000 + 8 * 3600);
    struct tm tm;
    gmtime_r(&seconds, &tm);
    unsigned year = (unsigned)(tm.tm_year + 1900) % 10000u, month = (unsigned)tm.tm_mon % 12u + 1u;
    out[0] = (char)('0' + year / 1000);
    out[1] = (char)('0' + year / 100 % 10);
    out[2] = (char)('0' + year / 10 % 10);
    out[3] = (char)('0' + year % 10);
    out[4] = '-';
    out[5] = (char)('0' + month / 10);
    out[6] = (char)('0' + month % 10);
    out[7] = '\0';
}

double frontage_total(const struct frontage_score *scores, size_t count)
{
    if (scores == NULL || count == 0)
        return -1;
    double sum = 0, weights = 0;
    for (size_t i = 0; i < count; i++) {
        const struct frontage_score *s = &scores[i];
        if (!(s->weight > 0) || !(s->max_score > 0) || !(s->score >= 0) ||
            !(s->score <= s->max_score))
            return -1;
        sum += s->weight * s->score / s->max_score;
        weights += s->weight;
    }
    return round(sum / weights * 10000.0) / 100.0;
}

void frontage_rank(const double *totals, size_t count, int *ranks)
{
    for (size_t i = 0; i < count; i++) {
        int higher = 0;
        for (size_t j = 0; j < count; j++)
            if (totals[j] > totals[i] + 0.005)
                higher++;
        ranks[i] = higher + 1;
    }
}

bool frontage_rewarded(int rank, int reward_top)
{
    return rank >= 1 && rank <= reward_top;
}
