// SPDX-License-Identifier: MIT
// Open311 GeoReport v2's pure rules: W3C date-times in and out, the open or
// closed status of a case, the status filter and the format suffix of a
// resource (see include/open311.h).
#include "open311.h"

#include <stdio.h>
#include <string.h>

// Days from 1970-01-01 to the civil date (proleptic Gregorian), by eras of
// 400 years that start on 1 March.
static int64_t days_from_civil(int year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

// The civil date of days since 1970-01-01 (the inverse of days_from_civil).
static void civil_from_days(int64_t days, int *year, int *month, int *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t mp = (5 * day_of_year + 2) / 153;
    *day = (int)(day_of_year - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(year_of_era + era * 400 + (*month <= 2));
}

static int days_in_month(int year, int month)
{
    static const int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : DAYS[month - 1];
}

// Reads exactly n digits at *p into *out and moves *p past them.
static bool digits(const char **p, int n, int *out)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + (c - '0');
    }
    *p += n;
    *out = value;
    return true;
}

// Reads "hh:mm" at *p as minutes (hours at most 14, minutes below 60).
static bool offset_minutes(const char **p, int *out)
{
    int hours, minutes;
    if (!digits(p, 2, &hours) || **p != ':')
        return false;
    (*p)++;
    if (!digits(p, 2, &minutes) || hours > 14 || minutes > 59 || hours * 60 + minutes > 14 * 60)
        return false;
    *out = hours * 60 + minutes;
    return true;
}

// Reads "hh:mm[:ss[.fraction]]" at *p into ms of the day.
static bool time_of_day(const char **p, int64_t *ms)
{
    int hour, minute, second = 0, millis = 0;
    if (!digits(p, 2, &hour) || **p != ':')
        return false;
    (*p)++;
    if (!digits(p, 2, &minute) || hour > 23 || minute > 59)
        return false;
    if (**p == ':') {
        (*p)++;
        if (!digits(p, 2, &second) || second > 59)
            return false;
        if (**p == '.') {
            (*p)++;
            int count = 0;
            while ((*p)[count] >= '0' && (*p)[count] <= '9') {
                if (count < 3)
                    millis = millis * 10 + ((*p)[count] - '0');
                count++;
            }
            if (count == 0 || count > 9)
                return false;
            for (int i = count; i < 3; i++)
                millis *= 10;
            *p += count;
        }
    }
    *ms = ((int64_t)hour * 3600 + minute * 60 + second) * 1000 + millis;
    return true;
}

bool open311_datetime_parse(const char *text, int default_offset_minutes, int64_t *ms)
{
    if (text == NULL)
        return false;
    const char *p = text;
    int year, month, day;
    if (!digits(&p, 4, &year) || *p++ != '-' || !digits(&p, 2, &month) || *p++ != '-' ||
        !digits(&p, 2, &day))
        return false;
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
        return false;
    int64_t of_day = 0;
    int offset = default_offset_minutes;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!time_of_day(&p, &of_day))
            return false;
        if (*p == 'Z') {
            p++;
            offset = 0;
        } else if (*p == '+' || *p == '-' || *p == ' ') {
            int sign = *p++ == '-' ? -1 : 1;
            if (!offset_minutes(&p, &offset))
                return false;
            offset *= sign;
        }
    }
    if (*p != '\0')
        return false;
    *ms = days_from_civil(year, month, day) * 86400000LL + of_day - offset * 60000LL;
    return true;
}

void open311_datetime_format(int64_t ms, int offset_minutes, char out[OPEN311_DATETIME_SIZE])
{
    int64_t local_s = (ms >= 0 ? ms / 1000 : (ms - 999) / 1000) + offset_minutes * 60LL;
    int64_t days = local_s >= 0 ? local_s / 86400 : (local_s - 86399) / 86400;
    int64_t of_day = local_s - days * 86400;
    int year, month, day;
    civil_from_days(days, &year, &month, &day);
    int magnitude = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    char text[64]; // room for what the compiler cannot bound; 25 characters are used
    snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", year % 10000, month,
             day, (int)(of_day / 3600), (int)(of_day / 60 % 60), (int)(of_day % 60),
             offset_minutes < 0 ? '-' : '+', magnitude / 60 % 100, magnitude % 60);
    snprintf(out, OPEN311_DATETIME_SIZE, "%.25s", text);
}

const char *open311_status(enum casefsm_state state)
{
    return casefsm_state_is_open(state) ? "open" : "closed";
}

int open311_status_parse(const char *text)
{
    if (text == NULL)
        return 0;
    if (strcmp(text, "open") == 0)
        return OPEN311_STATUS_OPEN;
    if (strcmp(text, "closed") == 0)
        return OPEN311_STATUS_CLOSED;
    if (strcmp(text, "open,closed") == 0 || strcmp(text, "closed,open") == 0)
        return OPEN311_STATUS_OPEN | OPEN311_STATUS_CLOSED;
    return 0;
}

bool open311_split_format(const char *segment, char *base, size_t size, enum open311_format *format)
{
    if (segment == NULL || segment[0] == '\0')
        return false;
    const char *dot = strrchr(segment, '.');
    size_t len = strlen(segment);
    *format = OPEN311_XML;
    if (dot != NULL) {
        if (strcmp(dot, ".json") == 0)
            *format = OPEN311_JSON;
        else if (strcmp(dot, ".xml") != 0)
            return false;
        len = (size_t)(dot - segment);
    }
    if (len == 0 || len >= size)
        return false;
    memcpy(base, segment, len);
    base[len] = '\0';
    return true;
}
