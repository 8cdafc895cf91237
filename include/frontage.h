// SPDX-License-Identifier: MIT
// 门前三包 rules, pure: the periods a 示范街 evaluation covers (a month
// "2026-11" or a quarter "2026-Q4"), the month a case counts in, the
// weighted total of an evaluation's scores, and the ranking of streets with
// the reward list. No I/O, no allocation.
#ifndef CHENGGUAN_FRONTAGE_H
#define CHENGGUAN_FRONTAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRONTAGE_PERIOD_MAX 8 // "2026-Q4" / "2026-11" and the NUL

// True when text is a period: "YYYY-MM" (month 01 to 12) or "YYYY-Qn" (n 1 to
// 4), year 2000 to 2999. NULL gives false.
bool frontage_period_valid(const char *text);

// Writes the month ("YYYY-MM", Asia/Shanghai, UTC+8 without daylight saving)
// of the instant at_ms into out (at least 8 bytes).
void frontage_month(int64_t at_ms, char out[8]);

// One criterion's score in an evaluation.
struct frontage_score {
    double weight;    // > 0
    double max_score; // > 0
    double score;     // 0 to max_score
};

// The total out of 100: the sum of weight * score / max_score over the
// criteria, divided by the sum of the weights, times 100, rounded to 0.01.
// Returns -1 when count is 0 or any score is out of [0, max_score], or any
// weight or maximum is not positive (the caller names the bad input).
double frontage_total(const struct frontage_score *scores, size_t count);

// Ranks totals (count of them) into ranks: 1 for the highest; equal totals
// (within 0.005) share a rank and the next one skips ("1, 2, 2, 4"). The
// totals need not be sorted.
void frontage_rank(const double *totals, size_t count, int *ranks);

// True when a street of this rank is on the reward list of the top reward_top:
// rank <= reward_top (a tie on the last place is rewarded too).
bool frontage_rewarded(int rank, int reward_top);

#endif
