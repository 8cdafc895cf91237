// SPDX-License-Identifier: MIT
// Numbers a citizen wrote into text that the public sees (Open311, the public
// map of reports): a phone, ID card or account number is starred, so a
// description never publishes how to reach or identify someone.
#ifndef CHENGGUAN_TEXTMASK_H
#define CHENGGUAN_TEXTMASK_H

#include <stddef.h>

// Masks in place: every digit of a run of at least TEXTMASK_DIGITS digits in a
// row, or of TEXTMASK_SPLIT_DIGITS digits split by single spaces or hyphens
// ("138 1234-5678"), becomes one '*', and so does an 'X' or 'x' ending it (an
// ID card's check digit). Digits are ASCII or full-width (０-９, as Chinese
// input methods type them: three bytes become one '*', so the text can only
// shrink). Shorter numbers (house numbers, "2026-11-05", "3 天") are kept.
// Returns how many characters were masked; NULL text masks nothing.
#define TEXTMASK_DIGITS       7
#define TEXTMASK_SPLIT_DIGITS 11
size_t textmask_numbers(char *text);

#endif
