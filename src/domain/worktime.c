// SPDX-License-Identifier: MIT
// The working-time calendar: civil-date arithmetic on day numbers (days since
// 1970-01-01 in local time), counting working days over a range in closed form
// (whole weeks, then corrections for holidays and adjusted workdays), and deadlines
// found by a galloping then binary search over that count. No loop runs per minute.
#include "worktime.h"

#include <stddef.h>
#include <string.h>

// Supported local dates: 0001-01-01 (day MIN_DAY) up to but excluding 10000-01-01.
#define MIN_DAY INT64_C(-719162)
#define END_DAY INT64_C(2932897)
// Days from 0001-01-01 to 1970-01-01.
#define EPOCH_OFFSET_DAYS  INT64_C(719162)
#define DAYS_PER_400_YEARS 146097
#define DAYS_PER_100_YEARS 36524
#define DAYS_PER_4_YEARS   1461

static const int DAYS_BEFORE_MONTH[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
static const int DAYS_IN_MONTH[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

static bool is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int worktime_date_valid(int yyyymmdd)
{
    if (yyyymmdd < 10101 || yyyymmdd > 99991231)
        return 0;
    int year = yyyymmdd / 10000, month = yyyymmdd / 100 % 100, day = yyyymmdd % 100;
    if (month < 1 || month > 12 || day < 1)
        return 0;
    int month_days = DAYS_IN_MONTH[month - 1] + (month == 2 && is_leap_year(year) ? 1 : 0);
    return day <= month_days;
}

int worktime_parse_date(const char *text)
{
    static const char PATTERN[] = "dddd-dd-dd";
    int date = 0;
    for (int i = 0; i < 10; i++) {
        if (text == NULL || text[i] == '\0')
            return 0;
        if (PATTERN[i] == '-') {
            if (text[i] != '-')
                return 0;
        } else if (text[i] >= '0' && text[i] <= '9') {
            date = date * 10 + (text[i] - '0');
        } else {
            return 0;
        }
    }
    return text[10] == '\0' && worktime_date_valid(date) ? date : 0;
}

// Day number (days since 1970-01-01) of a date already checked by worktime_date_valid().
static int64_t day_from_date(int yyyymmdd)
{
    int64_t year = yyyymmdd / 10000;
    int month = yyyymmdd / 100 % 100, day = yyyymmdd % 100;
    int64_t past = year - 1;
    int64_t days = past * 365 + past / 4 - past / 100 + past / 400;
    days += DAYS_BEFORE_MONTH[month - 1] + (month > 2 && is_leap_year((int)year) ? 1 : 0);
    return days + day - 1 - EPOCH_OFFSET_DAYS;
}

// YYYYMMDD of a day number within [MIN_DAY, END_DAY).
static int date_from_day(int64_t day_number)
{
    int64_t n = day_number + EPOCH_OFFSET_DAYS; // days since 0001-01-01, >= 0
    int64_t cycles400 = n / DAYS_PER_400_YEARS;
    int64_t rest = n % DAYS_PER_400_YEARS;
    int64_t cycles100 = rest / DAYS_PER_100_YEARS;
    if (cycles100 == 4) // the last day of a 400-year cycle (a Dec 31 of a leap year)
        cycles100 = 3;
    rest -= cycles100 * DAYS_PER_100_YEARS;
    int64_t cycles4 = rest / DAYS_PER_4_YEARS;
    rest %= DAYS_PER_4_YEARS;
    int64_t years = rest / 365;
    if (years == 4) // Dec 31 of the leap year closing a 4-year cycle
        years = 3;
    rest -= years * 365;
    int year = (int)(cycles400 * 400 + cycles100 * 100 + cycles4 * 4 + years + 1);
    int leap = is_leap_year(year) ? 1 : 0;
    int month = 12;
    while (month > 1 && rest < DAYS_BEFORE_MONTH[month - 1] + (month > 2 ? leap : 0))
        month--;
    int day = (int)rest - DAYS_BEFORE_MONTH[month - 1] - (month > 2 ? leap : 0) + 1;
    return year * 10000 + month * 100 + day;
}

// 0 = Sunday; 1970-01-01 was a Thursday.
static int weekday_of_day(int64_t day_number)
{
    return (int)((day_number % 7 + 7 + 4) % 7);
}

int worktime_weekday(int yyyymmdd)
{
    if (!worktime_date_valid(yyyymmdd))
        return -1;
    return weekday_of_day(day_from_date(yyyymmdd));
}

// Index of the first element >= value in a sorted list.
static int lower_bound(const int *list, int count, int value)
{
    int lo = 0, hi = count;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (list[mid] < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int clamp_count(int count, int max)
{
    return count < 0 ? 0 : count > max ? max : count;
}

static bool list_contains(const int *list, int count, int value)
{
    count = clamp_count(count, WORKTIME_MAX_DATES);
    int i = lower_bound(list, count, value);
    return i < count && list[i] == value;
}

void worktime_calendar_init_default(struct worktime_calendar *cal)
{
    memset(cal, 0, sizeof(*cal));
    cal->utc_offset_minutes = 480;
    cal->period_count = 2;
    cal->periods[0] = (struct worktime_period){8 * 60 + 30, 12 * 60};
    cal->periods[1] = (struct worktime_period){14 * 60, 17 * 60 + 30};
    for (int weekday = 1; weekday <= 5; weekday++)
        cal->weekday_working[weekday] = 1;
}

// Inserts `date` into `list` and removes it from `other`; see the header.
static int add_date(int *list, int *count, int *other, int *other_count, int date)
{
    if (!worktime_date_valid(date))
        return -1;
    int n = clamp_count(*count, WORKTIME_MAX_DATES);
    int i = lower_bound(list, n, date);
    if (i < n && list[i] == date)
        return 0;
    if (n >= WORKTIME_MAX_DATES)
        return -1;
    memmove(list + i + 1, list + i, (size_t)(n - i) * sizeof(*list));
    list[i] = date;
    *count = n + 1;
    int m = clamp_count(*other_count, WORKTIME_MAX_DATES);
    int j = lower_bound(other, m, date);
    if (j < m && other[j] == date) {
        memmove(other + j, other + j + 1, (size_t)(m - j - 1) * sizeof(*other));
        *other_count = m - 1;
    }
    return 0;
}

int worktime_calendar_add_holiday(struct worktime_calendar *cal, int yyyymmdd)
{
    return add_date(cal->holidays, &cal->holiday_count, cal->workdays, &cal->workday_count,
                    yyyymmdd);
}

int worktime_calendar_add_workday(struct worktime_calendar *cal, int yyyymmdd)
{
    return add_date(cal->workdays, &cal->workday_count, cal->holidays, &cal->holiday_count,
                    yyyymmdd);
}

static bool periods_valid(const struct worktime_period *p, int n)
{
    if (p == NULL || n < 1 || n > WORKTIME_MAX_PERIODS)
        return false;
    for (int i = 0; i < n; i++) {
        if (p[i].start_minute < 0 || p[i].start_minute >= p[i].end_minute ||
            p[i].end_minute > 24 * 60)
            return false;
        if (i > 0 && p[i].start_minute < p[i - 1].end_minute)
            return false;
    }
    return true;
}

int worktime_calendar_set_periods(struct worktime_calendar *cal, const struct worktime_period *p,
                                  int n)
{
    if (!periods_valid(p, n))
        return -1;
    memcpy(cal->periods, p, (size_t)n * sizeof(*p));
    cal->period_count = n;
    return 0;
}

int worktime_calendar_set_utc_offset(struct worktime_calendar *cal, int minutes)
{
    if (minutes < -WORKTIME_MAX_UTC_OFFSET || minutes > WORKTIME_MAX_UTC_OFFSET)
        return -1;
    cal->utc_offset_minutes = minutes;
    return 0;
}

static bool date_list_valid(const int *list, int count)
{
    if (count < 0 || count > WORKTIME_MAX_DATES)
        return false;
    for (int i = 0; i < count; i++) {
        if (!worktime_date_valid(list[i]) || (i > 0 && list[i] <= list[i - 1]))
            return false;
    }
    return true;
}

bool worktime_calendar_valid(const struct worktime_calendar *cal)
{
    if (cal->utc_offset_minutes < -WORKTIME_MAX_UTC_OFFSET ||
        cal->utc_offset_minutes > WORKTIME_MAX_UTC_OFFSET)
        return false;
    if (!periods_valid(cal->periods, cal->period_count))
        return false;
    for (int i = 0; i < 7; i++) {
        if (cal->weekday_working[i] > 1)
            return false;
    }
    return date_list_valid(cal->holidays, cal->holiday_count) &&
           date_list_valid(cal->workdays, cal->workday_count);
}

static bool is_working_day(const struct worktime_calendar *cal, int64_t day_number, int date)
{
    if (list_contains(cal->holidays, cal->holiday_count, date))
        return false;
    if (list_contains(cal->workdays, cal->workday_count, date))
        return true;
    return cal->weekday_working[weekday_of_day(day_number)] != 0;
}

bool worktime_is_working_date(const struct worktime_calendar *cal, int yyyymmdd)
{
    if (!worktime_date_valid(yyyymmdd))
        return false;
    return is_working_day(cal, day_from_date(yyyymmdd), yyyymmdd);
}

int worktime_daily_minutes(const struct worktime_calendar *cal)
{
    int total = 0;
    int n = clamp_count(cal->period_count, WORKTIME_MAX_PERIODS);
    for (int i = 0; i < n; i++)
        total += cal->periods[i].end_minute - cal->periods[i].start_minute;
    return total;
}

// Working days among the day numbers [from, to), from <= to, both in [MIN_DAY, END_DAY].
static int64_t count_working_days(const struct worktime_calendar *cal, int64_t from, int64_t to)
{
    if (to <= from)
        return 0;
    int per_week = 0;
    for (int i = 0; i < 7; i++)
        per_week += cal->weekday_working[i] != 0;
    int64_t weeks = (to - from) / 7;
    int64_t count = weeks * per_week;
    for (int64_t d = from + weeks * 7; d < to; d++)
        count += cal->weekday_working[weekday_of_day(d)] != 0;

    int first = date_from_day(from), last = date_from_day(to - 1);
    int holiday_count = clamp_count(cal->holiday_count, WORKTIME_MAX_DATES);
    for (int i = lower_bound(cal->holidays, holiday_count, first);
         i < holiday_count && cal->holidays[i] <= last; i++) {
        int date = cal->holidays[i];
        if (worktime_date_valid(date) && cal->weekday_working[worktime_weekday(date)])
            count--;
    }
    int workday_count = clamp_count(cal->workday_count, WORKTIME_MAX_DATES);
    for (int i = lower_bound(cal->workdays, workday_count, first);
         i < workday_count && cal->workdays[i] <= last; i++) {
        int date = cal->workdays[i];
        if (worktime_date_valid(date) && !cal->weekday_working[worktime_weekday(date)] &&
            !list_contains(cal->holidays, cal->holiday_count, date))
            count++;
    }
    return count;
}

// Working ms of a working date that lie before local time-of-day `tod_ms`.
static int64_t working_ms_before(const struct worktime_calendar *cal, int64_t tod_ms)
{
    int64_t total = 0;
    int n = clamp_count(cal->period_count, WORKTIME_MAX_PERIODS);
    for (int i = 0; i < n; i++) {
        int64_t start = cal->periods[i].start_minute * WORKTIME_MINUTE_MS;
        int64_t end = cal->periods[i].end_minute * WORKTIME_MINUTE_MS;
        if (tod_ms > start)
            total += (tod_ms < end ? tod_ms : end) - start;
    }
    return total;
}

// The earliest time of day at which `target` working ms (0 < target <= daily) have passed,
// so a target at the end of a period stays at that end.
static int64_t time_of_day_at(const struct worktime_calendar *cal, int64_t target)
{
    int64_t before = 0;
    int n = clamp_count(cal->period_count, WORKTIME_MAX_PERIODS);
    for (int i = 0; i < n; i++) {
        int64_t start = cal->periods[i].start_minute * WORKTIME_MINUTE_MS;
        int64_t length = cal->periods[i].end_minute * WORKTIME_MINUTE_MS - start;
        if (target <= before + length)
            return start + (target - before);
        before += length;
    }
    return n > 0 ? cal->periods[n - 1].end_minute * WORKTIME_MINUTE_MS : 0;
}

static int64_t offset_ms(const struct worktime_calendar *cal)
{
    int minutes = cal->utc_offset_minutes;
    if (minutes < -WORKTIME_MAX_UTC_OFFSET)
        minutes = -WORKTIME_MAX_UTC_OFFSET;
    if (minutes > WORKTIME_MAX_UTC_OFFSET)
        minutes = WORKTIME_MAX_UTC_OFFSET;
    return minutes * WORKTIME_MINUTE_MS;
}

static int64_t clamp64(int64_t value, int64_t lo, int64_t hi)
{
    return value < lo ? lo : value > hi ? hi : value;
}

// Splits instant `ms` into a local day number and time of day, clamped to the range.
static void to_local(const struct worktime_calendar *cal, int64_t ms, int64_t *day, int64_t *tod)
{
    int64_t lowest = MIN_DAY * WORKTIME_DAY_MS, highest = END_DAY * WORKTIME_DAY_MS - 1;
    int64_t margin = 2 * WORKTIME_DAY_MS;
    int64_t local = clamp64(ms, lowest - margin, highest + margin) + offset_ms(cal);
    local = clamp64(local, lowest, highest);
    int64_t d = local / WORKTIME_DAY_MS;
    if (local % WORKTIME_DAY_MS < 0)
        d--;
    *day = d;
    *tod = local - d * WORKTIME_DAY_MS;
}

static int64_t from_local(const struct worktime_calendar *cal, int64_t day, int64_t tod)
{
    return day * WORKTIME_DAY_MS + tod - offset_ms(cal);
}

int worktime_local_date(const struct worktime_calendar *cal, int64_t ms)
{
    int64_t day, tod;
    to_local(cal, ms, &day, &tod);
    return date_from_day(day);
}

int64_t worktime_local_to_ms(const struct worktime_calendar *cal, int yyyymmdd, int minute_of_day)
{
    if (!worktime_date_valid(yyyymmdd) || minute_of_day < 0 || minute_of_day > 24 * 60)
        return INT64_MIN;
    return from_local(cal, day_from_date(yyyymmdd), minute_of_day * WORKTIME_MINUTE_MS);
}

// The k-th (k >= 1) working day strictly after day `after`, or END_DAY if there is none
// before year 10000. Gallops to an upper bound, then bisects.
static int64_t kth_working_day_after(const struct worktime_calendar *cal, int64_t after, int64_t k)
{
    int64_t from = after + 1;
    if (from >= END_DAY)
        return END_DAY;
    // The step doubles until it reaches END_DAY; it is capped at the days left,
    // not at END_DAY, which falls short of that from a start before 1970.
    int64_t left = END_DAY - from;
    int64_t lo = from, span = k < left ? k : left;
    int64_t hi = from + span;
    while (count_working_days(cal, from, hi) < k) {
        if (hi == END_DAY)
            return END_DAY;
        lo = hi;
        span = span < left / 2 ? span * 2 : left;
        hi = from + span;
    }
    // count(from, lo) < k <= count(from, hi)
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (count_working_days(cal, from, mid) >= k)
            hi = mid;
        else
            lo = mid;
    }
    return hi - 1;
}

// Adds `remaining` > 0 working ms to `start_ms`.
static int64_t add_working_ms(const struct worktime_calendar *cal, int64_t start_ms,
                              int64_t remaining)
{
    int64_t daily = worktime_daily_minutes(cal) * WORKTIME_MINUTE_MS;
    if (daily <= 0)
        return INT64_MAX;
    int64_t day, tod;
    to_local(cal, start_ms, &day, &tod);
    if (is_working_day(cal, day, date_from_day(day))) {
        int64_t before = working_ms_before(cal, tod);
        if (remaining <= daily - before)
            return from_local(cal, day, time_of_day_at(cal, before + remaining));
        remaining -= daily - before;
    }
    int64_t whole_days = (remaining - 1) / daily + 1;
    int64_t landing = kth_working_day_after(cal, day, whole_days);
    if (landing >= END_DAY)
        return INT64_MAX;
    return from_local(cal, landing, time_of_day_at(cal, remaining - (whole_days - 1) * daily));
}

int64_t worktime_add_minutes(const struct worktime_calendar *cal, int64_t start_ms,
                             enum worktime_unit unit, int64_t amount_minutes)
{
    if (amount_minutes <= 0)
        return start_ms;
    if (amount_minutes > INT64_MAX / WORKTIME_MINUTE_MS)
        return INT64_MAX;
    int64_t amount_ms = amount_minutes * WORKTIME_MINUTE_MS;
    switch (unit) {
    case WORKTIME_WORK_HOURS:
    case WORKTIME_WORK_DAYS:
        return add_working_ms(cal, start_ms, amount_ms);
    case WORKTIME_URGENT_HOURS:
        return start_ms > INT64_MAX - amount_ms ? INT64_MAX : start_ms + amount_ms;
    }
    return INT64_MAX;
}

int64_t worktime_add_days(const struct worktime_calendar *cal, int64_t start_ms, int days)
{
    if (days <= 0)
        return start_ms;
    return worktime_add_minutes(cal, start_ms, WORKTIME_WORK_DAYS,
                                (int64_t)days * worktime_daily_minutes(cal));
}

int64_t worktime_deadline(const struct worktime_calendar *cal, int64_t start_ms,
                          enum worktime_unit unit, int amount)
{
    if (unit == WORKTIME_WORK_DAYS)
        return worktime_add_days(cal, start_ms, amount);
    return worktime_add_minutes(cal, start_ms, unit, (int64_t)amount * 60);
}

static int64_t elapsed_working_ms(const struct worktime_calendar *cal, int64_t start_ms,
                                  int64_t end_ms)
{
    int64_t start_day, start_tod, end_day, end_tod;
    to_local(cal, start_ms, &start_day, &start_tod);
    to_local(cal, end_ms, &end_day, &end_tod);
    bool start_working = is_working_day(cal, start_day, date_from_day(start_day));
    if (start_day == end_day) {
        if (!start_working)
            return 0;
        return working_ms_before(cal, end_tod) - working_ms_before(cal, start_tod);
    }
    int64_t daily = worktime_daily_minutes(cal) * WORKTIME_MINUTE_MS;
    int64_t total = count_working_days(cal, start_day + 1, end_day) * daily;
    if (start_working)
        total += daily - working_ms_before(cal, start_tod);
    if (is_working_day(cal, end_day, date_from_day(end_day)))
        total += working_ms_before(cal, end_tod);
    return total;
}

int64_t worktime_elapsed_ms(const struct worktime_calendar *cal, int64_t start_ms, int64_t end_ms,
                            enum worktime_unit unit)
{
    if (end_ms <= start_ms)
        return 0;
    switch (unit) {
    case WORKTIME_WORK_HOURS:
    case WORKTIME_WORK_DAYS:
        return elapsed_working_ms(cal, start_ms, end_ms);
    case WORKTIME_URGENT_HOURS: {
        uint64_t wall = (uint64_t)end_ms - (uint64_t)start_ms;
        return wall > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)wall;
    }
    }
    return 0;
}

int64_t worktime_limit_ms(const struct worktime_calendar *cal, enum worktime_unit unit, int amount)
{
    if (amount <= 0)
        return 0;
    switch (unit) {
    case WORKTIME_WORK_HOURS:
    case WORKTIME_URGENT_HOURS:
        return amount * WORKTIME_HOUR_MS;
    case WORKTIME_WORK_DAYS:
        return amount * (worktime_daily_minutes(cal) * WORKTIME_MINUTE_MS);
    }
    return 0;
}

enum worktime_light worktime_light_for(int64_t elapsed_ms, int64_t limit_ms)
{
    if (elapsed_ms >= limit_ms)
        return WORKTIME_RED;
    if (limit_ms <= 0)
        return WORKTIME_GREEN;
    // green iff 5 * elapsed < 4 * limit, computed without overflow: limit = 5q + r.
    int64_t q = limit_ms / 5, r = limit_ms % 5;
    if (elapsed_ms < 4 * q)
        return WORKTIME_GREEN;
    int64_t excess = elapsed_ms - 4 * q;
    if (excess < 4 && 5 * excess < 4 * r)
        return WORKTIME_GREEN;
    return WORKTIME_YELLOW;
}

int64_t worktime_remaining_ms(int64_t elapsed_ms, int64_t limit_ms)
{
    if (elapsed_ms >= limit_ms)
        return 0;
    if (elapsed_ms < 0 && limit_ms > INT64_MAX + elapsed_ms)
        return INT64_MAX;
    return limit_ms - elapsed_ms;
}

static const char *const UNIT_NAMES[] = {
    [WORKTIME_WORK_HOURS] = "work_hours",
    [WORKTIME_WORK_DAYS] = "work_days",
    [WORKTIME_URGENT_HOURS] = "urgent_hours",
};

int worktime_unit_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < (int)(sizeof(UNIT_NAMES) / sizeof(UNIT_NAMES[0])); i++) {
        if (strcmp(name, UNIT_NAMES[i]) == 0)
            return i;
    }
    return -1;
}

const char *worktime_unit_name(enum worktime_unit unit)
{
    if ((int)unit < 0 || (int)unit >= (int)(sizeof(UNIT_NAMES) / sizeof(UNIT_NAMES[0])))
        return "unknown";
    return UNIT_NAMES[unit];
}

const char *worktime_light_name(enum worktime_light light)
{
    switch (light) {
    case WORKTIME_GREEN:
        return "green";
    case WORKTIME_YELLOW:
        return "yellow";
    case WORKTIME_RED:
        return "red";
    }
    return "unknown";
}
