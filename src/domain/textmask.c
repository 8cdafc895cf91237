// SPDX-License-Identifier: MIT
#include "textmask.h"

#include <stdbool.h>
#include <string.h>

// The byte length of the digit at p: 1 for 0-9, 3 for a full-width one, 0 for
// anything else.
static size_t digit_at(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    if (u[0] >= '0' && u[0] <= '9')
        return 1;
    return u[0] == 0xEF && u[1] == 0xBC && u[2] >= 0x90 && u[2] <= 0x99 ? 3 : 0;
}

// A single space or hyphen between two digits.
static bool separator_at(const char *p, const char *start)
{
    return (*p == ' ' || *p == '-') && p > start && digit_at(p + 1) > 0;
}

size_t textmask_numbers(char *text)
{
    if (text == NULL)
        return 0;
    size_t masked = 0;
    char *out = text;
    for (const char *p = text; *p != '\0';) {
        if (digit_at(p) == 0) {
            *out++ = *p++;
            continue;
        }
        // The run: digits, and single separators between digits.
        const char *end = p;
        int digits = 0, segment = 0, longest = 0;
        for (size_t n; (n = digit_at(end)) > 0 || separator_at(end, p);) {
            segment = n > 0 ? segment + 1 : 0;
            longest = segment > longest ? segment : longest;
            digits += n > 0;
            end += n > 0 ? n : 1;
        }
        bool number = longest >= TEXTMASK_DIGITS || digits >= TEXTMASK_SPLIT_DIGITS;
        if (!number) {
            memmove(out, p, (size_t)(end - p));
            out += end - p;
            p = end;
            continue;
        }
        for (size_t n; p < end; p += n > 0 ? n : 1) {
            n = digit_at(p);
            *out++ = n > 0 ? '*' : *p;
            masked += n > 0;
        }
        if (*p == 'X' || *p == 'x') {
            *out++ = '*';
            masked++;
            p++;
        }
    }
    *out = '\0';
    return masked;
}
