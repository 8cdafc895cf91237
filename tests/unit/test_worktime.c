// SPDX-License-Identifier: MIT
// Unit tests of the working-time calendar: deadlines in working hours, working days
// and urgent hours around lunch, nights, weekends and China's 2026 National Day
// holiday with its adjusted working weekends; elapsed time, limits, traffic lights,
// date arithmetic and calendar validation.
#include "worktime.h"

#include <criterion/criterion.h>
#include <stdio.h>

// Weekdays of the dates used below: 2026-03-09 Monday, 2026-03-13 Friday,
// 2026-09-20 Sunday, 2026-09-25 Friday, 2026-09-30 Wednesday, 2026-10-01 Thursday,
// 2026-10-08 Thursday, 2026-10-09 Friday, 2026-10-10 Saturday.

static int64_t at_ms(const struct worktime_calendar *cal, int date, int hour, int minute)
{
    int64_t ms = worktime_local_to_ms(cal, date, hour * 60 + minute);
    cr_assert_neq(ms, INT64_MIN, "bad test instant %d %02d:%02d", date, hour, minute);
    return ms;
}

// Writes "YYYYMMDD HH:MM:SS.mmm" (local) for failure messages.
static const char *describe(const struct worktime_calendar *cal, int64_t ms, char *buf, size_t n)
{
    if (ms == INT64_MAX) {
        snprintf(buf, n, "INT64_MAX");
        return buf;
    }
    int64_t local = ms + cal->utc_offset_minutes * WORKTIME_MINUTE_MS;
    int64_t tod = ((local % WORKTIME_DAY_MS) + WORKTIME_DAY_MS) % WORKTIME_DAY_MS;
    snprintf(buf, n, "%d %02d:%02d:%02d.%03d", worktime_local_date(cal, ms),
             (int)(tod / WORKTIME_HOUR_MS), (int)(tod / WORKTIME_MINUTE_MS % 60),
             (int)(tod / 1000 % 60), (int)(tod % 1000));
    return buf;
}

#define ASSERT_AT(cal, actual, date, hour, minute)                                                 \
    do {                                                                                           \
        int64_t actual_ = (actual);                                                                \
        int64_t expected_ = at_ms((cal), (date), (hour), (minute));                                \
        char got_[64];                                                                             \
        cr_assert_eq(actual_, expected_, "got %s, want %d %02d:%02d",                              \
                     describe((cal), actual_, got_, sizeof(got_)), (date), (hour), (minute));      \
    } while (0)

static struct worktime_calendar default_calendar(void)
{
    struct worktime_calendar cal;
    worktime_calendar_init_default(&cal);
    return cal;
}

// The default calendar with China's 2026 National Day holiday: Oct 1-7 off, Sunday
// Sep 20 and Saturday Oct 10 worked instead.
static struct worktime_calendar national_day_2026(void)
{
    struct worktime_calendar cal = default_calendar();
    for (int day = 20261001; day <= 20261007; day++)
        cr_assert_eq(worktime_calendar_add_holiday(&cal, day), 0);
    cr_assert_eq(worktime_calendar_add_workday(&cal, 20260920), 0);
    cr_assert_eq(worktime_calendar_add_workday(&cal, 20261010), 0);
    return cal;
}

static int64_t hours_from(const struct worktime_calendar *cal, int64_t start, int hours)
{
    return worktime_add_minutes(cal, start, WORKTIME_WORK_HOURS, hours * INT64_C(60));
}

Test(worktime, default_calendar_shape)
{
    struct worktime_calendar cal = default_calendar();
    cr_assert(worktime_calendar_valid(&cal));
    cr_assert_eq(cal.utc_offset_minutes, 480);
    cr_assert_eq(worktime_daily_minutes(&cal), 420);
    cr_assert(worktime_is_working_date(&cal, 20260309));
    cr_assert(worktime_is_working_date(&cal, 20260313));
    cr_assert_not(worktime_is_working_date(&cal, 20260314));
    cr_assert_not(worktime_is_working_date(&cal, 20260315));
    cr_assert_not(worktime_is_working_date(&cal, 20260230));
}

Test(worktime, local_instants_match_real_epoch)
{
    struct worktime_calendar cal = default_calendar();
    // Values from `TZ=Asia/Shanghai date -d ... +%s`.
    cr_assert_eq(at_ms(&cal, 20260309, 8, 30), INT64_C(1773016200000));
    cr_assert_eq(at_ms(&cal, 20260930, 14, 0), INT64_C(1790748000000));
    cr_assert_eq(at_ms(&cal, 20261010, 10, 30), INT64_C(1791599400000));
    cr_assert_eq(worktime_local_date(&cal, INT64_C(1790748000000)), 20260930);
    // 23:30 UTC on Sep 30 is already Oct 1 in Shanghai.
    cr_assert_eq(worktime_local_date(&cal, INT64_C(1790811000000)), 20261001);
    cr_assert_eq(worktime_local_to_ms(&cal, 20260229, 0), INT64_MIN);
    cr_assert_eq(worktime_local_to_ms(&cal, 20260301, 1441), INT64_MIN);
}

Test(worktime, within_a_period)
{
    struct worktime_calendar cal = default_calendar();
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 9, 0), 2), 20260309, 11, 0);
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 14, 15), 3), 20260309, 17, 15);
}

Test(worktime, crossing_lunch)
{
    struct worktime_calendar cal = default_calendar();
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 11, 0), 2), 20260309, 15, 0);
    int64_t one_minute_late =
        worktime_add_minutes(&cal, at_ms(&cal, 20260309, 11, 59), WORKTIME_WORK_HOURS, 2);
    ASSERT_AT(&cal, one_minute_late, 20260309, 14, 1);
    // Milliseconds are kept: 11:59:59.500 + 1 minute = 14:00:59.500.
    int64_t start = at_ms(&cal, 20260309, 11, 59) + 59500;
    int64_t got = worktime_add_minutes(&cal, start, WORKTIME_WORK_HOURS, 1);
    cr_assert_eq(got, at_ms(&cal, 20260309, 14, 0) + 59500);
}

Test(worktime, start_inside_lunch_counts_from_afternoon)
{
    struct worktime_calendar cal = default_calendar();
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 12, 30), 1), 20260309, 15, 0);
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 12, 0), 1), 20260309, 15, 0);
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 13, 59), 4), 20260310, 9, 0);
}

Test(worktime, deadline_at_period_end_stays_there)
{
    struct worktime_calendar cal = default_calendar();
    int64_t morning = at_ms(&cal, 20260309, 8, 30);
    ASSERT_AT(&cal, worktime_add_minutes(&cal, morning, WORKTIME_WORK_HOURS, 210), 20260309, 12, 0);
    ASSERT_AT(&cal, worktime_add_minutes(&cal, morning, WORKTIME_WORK_HOURS, 420), 20260309, 17,
              30);
    ASSERT_AT(&cal, worktime_add_minutes(&cal, morning, WORKTIME_WORK_HOURS, 421), 20260310, 8, 31);
    ASSERT_AT(&cal, hours_from(&cal, morning, 4), 20260309, 14, 30);
    // Friday afternoon to the end of the day stays on Friday, not Monday 08:30.
    ASSERT_AT(&cal,
              worktime_add_minutes(&cal, at_ms(&cal, 20260313, 16, 0), WORKTIME_WORK_HOURS, 90),
              20260313, 17, 30);
}

Test(worktime, start_before_opening_and_after_closing)
{
    struct worktime_calendar cal = default_calendar();
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 7, 0), 1), 20260309, 9, 30);
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 0, 0), 7), 20260309, 17, 30);
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 18, 0), 1), 20260310, 9, 30);
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 17, 30), 1), 20260310, 9, 30);
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 23, 59), 4), 20260310, 14, 30);
}

Test(worktime, friday_afternoon_lands_on_monday)
{
    struct worktime_calendar cal = default_calendar();
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260313, 16, 0), 3), 20260316, 10, 0);
    // Starting on the weekend counts from Monday morning.
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260314, 10, 0), 3), 20260316, 11, 30);
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260313, 18, 0), 8), 20260317, 9, 30);
}

Test(worktime, zero_or_negative_amount_returns_start)
{
    struct worktime_calendar cal = default_calendar();
    int64_t lunch = at_ms(&cal, 20260309, 12, 30);
    cr_assert_eq(worktime_add_minutes(&cal, lunch, WORKTIME_WORK_HOURS, 0), lunch);
    cr_assert_eq(worktime_add_minutes(&cal, lunch, WORKTIME_WORK_HOURS, -60), lunch);
    cr_assert_eq(worktime_add_minutes(&cal, lunch, WORKTIME_URGENT_HOURS, -60), lunch);
    cr_assert_eq(worktime_add_days(&cal, lunch, 0), lunch);
    cr_assert_eq(worktime_deadline(&cal, lunch, WORKTIME_WORK_DAYS, -2), lunch);
}

Test(worktime, national_day_2026_calendar)
{
    struct worktime_calendar cal = national_day_2026();
    cr_assert(worktime_calendar_valid(&cal));
    cr_assert_eq(cal.holiday_count, 7);
    cr_assert_eq(cal.workday_count, 2);
    cr_assert(worktime_is_working_date(&cal, 20260920));     // Sunday, adjusted
    cr_assert(worktime_is_working_date(&cal, 20260930));     // Wednesday
    cr_assert_not(worktime_is_working_date(&cal, 20261001)); // Thursday, holiday
    cr_assert_not(worktime_is_working_date(&cal, 20261005)); // Monday, holiday
    cr_assert_not(worktime_is_working_date(&cal, 20261003)); // Saturday in the holiday
    cr_assert(worktime_is_working_date(&cal, 20261008));
    cr_assert(worktime_is_working_date(&cal, 20261010));     // Saturday, adjusted
    cr_assert_not(worktime_is_working_date(&cal, 20261011)); // plain Sunday
    cr_assert_not(worktime_is_working_date(&cal, 20260919)); // plain Saturday
}

Test(worktime, national_day_2026_skips_holiday_week)
{
    struct worktime_calendar cal = national_day_2026();
    // Sep 30 15:00 + 4h: 2.5h on Sep 30, then Oct 1-7 off, 1.5h on Oct 8.
    int64_t got = hours_from(&cal, at_ms(&cal, 20260930, 15, 0), 4);
    ASSERT_AT(&cal, got, 20261008, 10, 0);
    // Oct 9 (Friday) 16:00 + 2h: 1.5h on Friday, 0.5h on the adjusted Saturday.
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20261009, 16, 0), 2), 20261010, 9, 0);
    // Without the adjustment the same deadline would be on Monday.
    struct worktime_calendar plain = default_calendar();
    ASSERT_AT(&plain, hours_from(&plain, at_ms(&plain, 20261009, 16, 0), 2), 20261012, 9, 0);
    // The adjusted Sunday before the holiday is worked too.
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260918, 17, 0), 1), 20260920, 9, 0);
}

Test(worktime, lunch_weekend_holidays_and_adjusted_saturday_at_once)
{
    struct worktime_calendar cal = national_day_2026();
    // Friday Sep 25 11:00: 4.5h on Sep 25 (across lunch), weekend Sep 26-27 off,
    // 21h on Sep 28-30, Oct 1-7 off (with the weekend Oct 3-4), 14h on Oct 8-9:
    // 39.5h, so 41.5h ends 2h into the adjusted Saturday Oct 10.
    int64_t start = at_ms(&cal, 20260925, 11, 0);
    int64_t got = worktime_add_minutes(&cal, start, WORKTIME_WORK_HOURS, 2490);
    ASSERT_AT(&cal, got, 20261010, 10, 30);
    cr_assert_eq(got, INT64_C(1791599400000));
    cr_assert_eq(worktime_elapsed_ms(&cal, start, got, WORKTIME_WORK_HOURS),
                 2490 * WORKTIME_MINUTE_MS);
    // 20.5h from Sep 30 11:00 also lands there.
    ASSERT_AT(&cal,
              worktime_add_minutes(&cal, at_ms(&cal, 20260930, 11, 0), WORKTIME_WORK_HOURS, 1230),
              20261010, 10, 30);
}

Test(worktime, working_days)
{
    struct worktime_calendar cal = default_calendar();
    int64_t monday = at_ms(&cal, 20260309, 10, 0);
    ASSERT_AT(&cal, worktime_add_days(&cal, monday, 1), 20260310, 10, 0);
    ASSERT_AT(&cal, worktime_add_days(&cal, monday, 5), 20260316, 10, 0);
    ASSERT_AT(&cal, worktime_add_days(&cal, monday, 20), 20260406, 10, 0);
    ASSERT_AT(&cal, worktime_deadline(&cal, monday, WORKTIME_WORK_DAYS, 3), 20260312, 10, 0);
    // Starting at opening time a day ends at closing time the same day.
    ASSERT_AT(&cal, worktime_add_days(&cal, at_ms(&cal, 20260309, 8, 30), 1), 20260309, 17, 30);
    // Outside working time: counts from the next period start.
    ASSERT_AT(&cal, worktime_add_days(&cal, at_ms(&cal, 20260313, 18, 0), 1), 20260316, 17, 30);
    ASSERT_AT(&cal, worktime_add_days(&cal, at_ms(&cal, 20260309, 12, 30), 1), 20260310, 12, 0);

    struct worktime_calendar holiday = national_day_2026();
    ASSERT_AT(&holiday, worktime_add_days(&holiday, at_ms(&holiday, 20260930, 10, 0), 1), 20261008,
              10, 0);
    ASSERT_AT(&holiday, worktime_add_days(&holiday, at_ms(&holiday, 20260930, 10, 0), 3), 20261010,
              10, 0);
    ASSERT_AT(&holiday, worktime_add_days(&holiday, at_ms(&holiday, 20260918, 10, 0), 1), 20260920,
              10, 0);
}

Test(worktime, urgent_hours_are_wall_clock)
{
    struct worktime_calendar cal = national_day_2026();
    int64_t friday_night = at_ms(&cal, 20260313, 23, 30);
    ASSERT_AT(&cal, worktime_deadline(&cal, friday_night, WORKTIME_URGENT_HOURS, 2), 20260314, 1,
              30);
    ASSERT_AT(&cal, worktime_deadline(&cal, friday_night, WORKTIME_URGENT_HOURS, 48), 20260315, 23,
              30);
    // Half an hour on site, during a holiday night.
    int64_t holiday_night = at_ms(&cal, 20261002, 23, 45);
    ASSERT_AT(&cal, worktime_add_minutes(&cal, holiday_night, WORKTIME_URGENT_HOURS, 30), 20261003,
              0, 15);
    cr_assert_eq(worktime_add_minutes(&cal, INT64_MAX - 1000, WORKTIME_URGENT_HOURS, 1), INT64_MAX);
}

Test(worktime, generic_deadline_units)
{
    struct worktime_calendar cal = default_calendar();
    int64_t morning = at_ms(&cal, 20260309, 8, 30);
    ASSERT_AT(&cal, worktime_deadline(&cal, morning, WORKTIME_WORK_HOURS, 4), 20260309, 14, 30);
    ASSERT_AT(&cal, worktime_deadline(&cal, morning, WORKTIME_URGENT_HOURS, 4), 20260309, 12, 30);
    ASSERT_AT(&cal, worktime_deadline(&cal, morning, WORKTIME_WORK_DAYS, 1), 20260309, 17, 30);
}

Test(worktime, elapsed_between_instants)
{
    struct worktime_calendar cal = national_day_2026();
    int64_t h = WORKTIME_HOUR_MS;
    int64_t a = at_ms(&cal, 20260309, 11, 0), b = at_ms(&cal, 20260309, 15, 0);
    cr_assert_eq(worktime_elapsed_ms(&cal, a, b, WORKTIME_WORK_HOURS), 2 * h);
    cr_assert_eq(worktime_elapsed_ms(&cal, a, b, WORKTIME_WORK_DAYS), 2 * h);
    cr_assert_eq(worktime_elapsed_ms(&cal, a, b, WORKTIME_URGENT_HOURS), 4 * h);
    cr_assert_eq(worktime_elapsed_ms(&cal, b, a, WORKTIME_WORK_HOURS), 0);
    cr_assert_eq(worktime_elapsed_ms(&cal, b, a, WORKTIME_URGENT_HOURS), 0);
    cr_assert_eq(worktime_elapsed_ms(&cal, a, a, WORKTIME_WORK_HOURS), 0);
    // Inside lunch, and across a whole weekend: no working time.
    cr_assert_eq(worktime_elapsed_ms(&cal, at_ms(&cal, 20260309, 12, 5),
                                     at_ms(&cal, 20260309, 13, 55), WORKTIME_WORK_HOURS),
                 0);
    cr_assert_eq(worktime_elapsed_ms(&cal, at_ms(&cal, 20260313, 17, 30),
                                     at_ms(&cal, 20260316, 8, 30), WORKTIME_WORK_HOURS),
                 0);
    // Across the holiday week: 2.5h on Sep 30 and 1.5h on Oct 8.
    int64_t sep30 = at_ms(&cal, 20260930, 15, 0), oct8 = at_ms(&cal, 20261008, 10, 0);
    cr_assert_eq(worktime_elapsed_ms(&cal, sep30, oct8, WORKTIME_WORK_HOURS), 4 * h);
    cr_assert_eq(worktime_elapsed_ms(&cal, oct8, sep30, WORKTIME_WORK_HOURS), 0);
    cr_assert_eq(worktime_elapsed_ms(&cal, sep30, oct8, WORKTIME_URGENT_HOURS), 187 * h);
    // Full weeks: Mon 00:00 to the next Mon 00:00 is five working days.
    cr_assert_eq(worktime_elapsed_ms(&cal, at_ms(&cal, 20260309, 0, 0), at_ms(&cal, 20260316, 0, 0),
                                     WORKTIME_WORK_HOURS),
                 5 * 7 * h);
    cr_assert_eq(worktime_elapsed_ms(&cal, INT64_MIN, INT64_MAX, WORKTIME_URGENT_HOURS), INT64_MAX);
}

static const struct {
    enum worktime_unit unit;
    int amount;
} PROPERTY_LIMITS[] = {
    {WORKTIME_WORK_HOURS, 1},    {WORKTIME_WORK_HOURS, 3}, {WORKTIME_WORK_HOURS, 4},
    {WORKTIME_WORK_HOURS, 7},    {WORKTIME_WORK_HOURS, 8}, {WORKTIME_WORK_HOURS, 24},
    {WORKTIME_WORK_HOURS, 100},  {WORKTIME_WORK_DAYS, 1},  {WORKTIME_WORK_DAYS, 2},
    {WORKTIME_WORK_DAYS, 5},     {WORKTIME_WORK_DAYS, 20}, {WORKTIME_URGENT_HOURS, 1},
    {WORKTIME_URGENT_HOURS, 72},
};

// For every start and limit: elapsed(start, deadline) == limit, the deadline is the
// earliest such instant, and later starts never get earlier deadlines.
Test(worktime, elapsed_to_deadline_equals_limit)
{
    struct worktime_calendar cal = national_day_2026();
    int64_t first = at_ms(&cal, 20260914, 0, 0), last = at_ms(&cal, 20261020, 0, 0);
    int64_t step = 37 * WORKTIME_MINUTE_MS + 1234;
    size_t n = sizeof(PROPERTY_LIMITS) / sizeof(PROPERTY_LIMITS[0]);
    int64_t previous[sizeof(PROPERTY_LIMITS) / sizeof(PROPERTY_LIMITS[0])] = {0};
    int checked = 0;
    for (int64_t start = first; start < last; start += step) {
        for (size_t i = 0; i < n; i++) {
            enum worktime_unit unit = PROPERTY_LIMITS[i].unit;
            int amount = PROPERTY_LIMITS[i].amount;
            int64_t deadline = worktime_deadline(&cal, start, unit, amount);
            int64_t limit = worktime_limit_ms(&cal, unit, amount);
            char buf[64];
            cr_assert_eq(worktime_elapsed_ms(&cal, start, deadline, unit), limit,
                         "start %s unit %s amount %d", describe(&cal, start, buf, sizeof(buf)),
                         worktime_unit_name(unit), amount);
            cr_assert_lt(worktime_elapsed_ms(&cal, start, deadline - 1, unit), limit);
            cr_assert_geq(deadline, previous[i]);
            previous[i] = deadline;
            checked++;
        }
    }
    cr_assert_gt(checked, 10000);
}

Test(worktime, long_spans_are_fast_and_exact, .timeout = 10)
{
    struct worktime_calendar cal = default_calendar();
    int64_t start = at_ms(&cal, 20260309, 8, 30);
    // 1000h = 142 working days + 6h: 28 weeks and 2 days after Monday, then 6h.
    ASSERT_AT(&cal, hours_from(&cal, start, 1000), 20260923, 16, 30);
    struct worktime_calendar holiday = national_day_2026();
    for (int i = 0; i < 5000; i++) {
        int64_t s = start + i * (WORKTIME_HOUR_MS + 17);
        int64_t deadline = hours_from(&holiday, s, 100000);
        cr_assert_lt(deadline, INT64_MAX);
        cr_assert_eq(worktime_elapsed_ms(&holiday, s, deadline, WORKTIME_WORK_HOURS),
                     100000 * WORKTIME_HOUR_MS);
    }
    // Beyond year 9999 or beyond int64: INT64_MAX, not an overflow.
    cr_assert_eq(worktime_add_minutes(&cal, start, WORKTIME_WORK_HOURS, INT64_MAX), INT64_MAX);
    cr_assert_eq(worktime_add_minutes(&cal, start, WORKTIME_WORK_HOURS, INT64_MAX / 60000),
                 INT64_MAX);
    cr_assert_eq(worktime_add_days(&cal, INT64_MAX, 1), INT64_MAX);
}

Test(worktime, calendar_without_working_dates_gives_int64_max, .timeout = 5)
{
    struct worktime_calendar cal = default_calendar();
    for (int i = 0; i < 7; i++)
        cal.weekday_working[i] = 0;
    int64_t start = at_ms(&cal, 20260309, 9, 0);
    cr_assert_not(worktime_is_working_date(&cal, 20260309));
    cr_assert_eq(hours_from(&cal, start, 1), INT64_MAX);
    cr_assert_eq(worktime_add_days(&cal, start, 1), INT64_MAX);
    cr_assert_eq(worktime_deadline(&cal, start, WORKTIME_WORK_DAYS, 20), INT64_MAX);
    cr_assert_eq(
        worktime_elapsed_ms(&cal, start, start + 1000 * WORKTIME_DAY_MS, WORKTIME_WORK_HOURS), 0);
    // Urgent hours do not depend on the calendar.
    ASSERT_AT(&cal, worktime_deadline(&cal, start, WORKTIME_URGENT_HOURS, 1), 20260309, 10, 0);
    // A single adjusted working day, even years away, is found.
    cr_assert_eq(worktime_calendar_add_workday(&cal, 20290106), 0);
    ASSERT_AT(&cal, hours_from(&cal, start, 1), 20290106, 9, 30);
    cr_assert_eq(hours_from(&cal, start, 8), INT64_MAX);
}

// The search for a far working day once never ended from a start before 1970
// (found by tests/fuzz/fuzz_worktime): its step stopped growing short of year 9999.
Test(worktime, calendar_without_working_dates_ends_from_any_start, .timeout = 5)
{
    struct worktime_calendar cal = default_calendar();
    for (int i = 0; i < 7; i++)
        cal.weekday_working[i] = 0;
    const int starts[] = {19691231, 19000101, 10101};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        int64_t start = at_ms(&cal, starts[i], 9, 0);
        cr_assert_eq(hours_from(&cal, start, 1), INT64_MAX, "from %d", starts[i]);
        cr_assert_eq(worktime_add_days(&cal, start, 25), INT64_MAX, "from %d", starts[i]);
    }
    cr_assert_eq(hours_from(&cal, INT64_MIN, 1), INT64_MAX);
    // One adjusted working day late in year 9999 is still found from year 1.
    cr_assert_eq(worktime_calendar_add_workday(&cal, 99991230), 0);
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 10101, 9, 0), 1), 99991230, 9, 30);
}

Test(worktime, custom_periods)
{
    struct worktime_calendar cal = default_calendar();
    struct worktime_period three[] = {{9 * 60, 12 * 60}, {13 * 60, 18 * 60}, {19 * 60, 21 * 60}};
    cr_assert_eq(worktime_calendar_set_periods(&cal, three, 3), 0);
    cr_assert_eq(worktime_daily_minutes(&cal), 600);
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 11, 0), 5), 20260309, 17, 0);
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 17, 0), 2), 20260309, 20, 0);
    ASSERT_AT(&cal, worktime_add_days(&cal, at_ms(&cal, 20260309, 10, 0), 1), 20260310, 10, 0);
    // A period ending at midnight.
    struct worktime_period night[] = {{20 * 60, 24 * 60}};
    cr_assert_eq(worktime_calendar_set_periods(&cal, night, 1), 0);
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 23, 0), 1), 20260310, 0, 0);
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 23, 0), 2), 20260310, 21, 0);
}

Test(worktime, set_periods_validation)
{
    struct worktime_calendar cal = default_calendar();
    struct worktime_calendar before = cal;
    struct worktime_period overlap[] = {{480, 720}, {700, 800}};
    struct worktime_period unsorted[] = {{840, 1050}, {510, 720}};
    struct worktime_period empty[] = {{600, 600}};
    struct worktime_period reversed[] = {{700, 600}};
    struct worktime_period too_late[] = {{1200, 1441}};
    struct worktime_period negative[] = {{-30, 600}};
    struct worktime_period five[] = {{0, 60}, {120, 180}, {240, 300}, {360, 420}, {480, 540}};
    cr_assert_eq(worktime_calendar_set_periods(&cal, overlap, 2), -1);
    cr_assert_eq(worktime_calendar_set_periods(&cal, unsorted, 2), -1);
    cr_assert_eq(worktime_calendar_set_periods(&cal, empty, 1), -1);
    cr_assert_eq(worktime_calendar_set_periods(&cal, reversed, 1), -1);
    cr_assert_eq(worktime_calendar_set_periods(&cal, too_late, 1), -1);
    cr_assert_eq(worktime_calendar_set_periods(&cal, negative, 1), -1);
    cr_assert_eq(worktime_calendar_set_periods(&cal, five, 5), -1);
    cr_assert_eq(worktime_calendar_set_periods(&cal, five, 0), -1);
    cr_assert_eq(worktime_calendar_set_periods(&cal, NULL, 1), -1);
    cr_assert_eq(memcmp(&cal, &before, sizeof(cal)), 0, "a refused call changed the calendar");
    struct worktime_period touching[] = {{480, 720}, {720, 780}};
    cr_assert_eq(worktime_calendar_set_periods(&cal, touching, 2), 0);
    cr_assert_eq(worktime_calendar_set_periods(&cal, five, 4), 0);
    cr_assert_eq(cal.period_count, 4);
    cr_assert(worktime_calendar_valid(&cal));
}

Test(worktime, calendar_validity_and_offset)
{
    struct worktime_calendar cal = default_calendar();
    cr_assert_eq(worktime_calendar_set_utc_offset(&cal, 1441), -1);
    cr_assert_eq(worktime_calendar_set_utc_offset(&cal, -1441), -1);
    cr_assert_eq(cal.utc_offset_minutes, 480);
    cr_assert_eq(worktime_calendar_set_utc_offset(&cal, -300), 0);
    cr_assert(worktime_calendar_valid(&cal));
    // 2026-03-09 08:30 at UTC-5 is 13:30 UTC.
    cr_assert_eq(at_ms(&cal, 20260309, 8, 30), INT64_C(1773063000000));
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20260309, 17, 0), 1), 20260310, 9, 0);

    struct worktime_calendar broken = default_calendar();
    broken.holidays[0] = 20261002;
    broken.holidays[1] = 20261001;
    broken.holiday_count = 2;
    cr_assert_not(worktime_calendar_valid(&broken));
    broken = default_calendar();
    broken.period_count = 0;
    cr_assert_not(worktime_calendar_valid(&broken));
    broken = default_calendar();
    broken.workdays[0] = 20260230;
    broken.workday_count = 1;
    cr_assert_not(worktime_calendar_valid(&broken));
    broken = default_calendar();
    broken.weekday_working[3] = 2;
    cr_assert_not(worktime_calendar_valid(&broken));
}

Test(worktime, holiday_and_workday_lists)
{
    struct worktime_calendar cal = default_calendar();
    cr_assert_eq(worktime_calendar_add_holiday(&cal, 20261003), 0);
    cr_assert_eq(worktime_calendar_add_holiday(&cal, 20260101), 0);
    cr_assert_eq(worktime_calendar_add_holiday(&cal, 20261001), 0);
    cr_assert_eq(worktime_calendar_add_holiday(&cal, 20261001), 0);
    cr_assert_eq(worktime_calendar_add_holiday(&cal, 20260229), -1);
    cr_assert_eq(worktime_calendar_add_workday(&cal, 20261345), -1);
    cr_assert_eq(cal.holiday_count, 3);
    cr_assert_eq(cal.holidays[0], 20260101);
    cr_assert_eq(cal.holidays[1], 20261001);
    cr_assert_eq(cal.holidays[2], 20261003);
    // The latest call wins: a holiday made a workday again and back.
    cr_assert_eq(worktime_calendar_add_workday(&cal, 20261001), 0);
    cr_assert_eq(cal.holiday_count, 2);
    cr_assert(worktime_is_working_date(&cal, 20261001));
    cr_assert_eq(worktime_calendar_add_holiday(&cal, 20261001), 0);
    cr_assert_eq(cal.workday_count, 0);
    cr_assert_not(worktime_is_working_date(&cal, 20261001));
    cr_assert(worktime_calendar_valid(&cal));
}

Test(worktime, date_list_full)
{
    struct worktime_calendar cal = default_calendar();
    int added = 0;
    for (int year = 2026; added < WORKTIME_MAX_DATES; year++) {
        for (int month = 1; month <= 12 && added < WORKTIME_MAX_DATES; month++) {
            for (int day = 1; day <= 28 && added < WORKTIME_MAX_DATES; day += 3) {
                cr_assert_eq(worktime_calendar_add_holiday(&cal, year * 10000 + month * 100 + day),
                             0);
                added++;
            }
        }
    }
    cr_assert_eq(cal.holiday_count, WORKTIME_MAX_DATES);
    cr_assert_eq(worktime_calendar_add_holiday(&cal, 20260102), -1);
    cr_assert_eq(worktime_calendar_add_holiday(&cal, 20260101), 0); // already there
    cr_assert_eq(cal.holiday_count, WORKTIME_MAX_DATES);
    cr_assert(worktime_calendar_valid(&cal));
    cr_assert_not(worktime_is_working_date(&cal, 20260101));
    cr_assert(worktime_is_working_date(&cal, 20260102));
}

Test(worktime, traffic_light_thresholds)
{
    cr_assert_eq(worktime_light_for(0, 1000), WORKTIME_GREEN);
    cr_assert_eq(worktime_light_for(799, 1000), WORKTIME_GREEN);
    cr_assert_eq(worktime_light_for(800, 1000), WORKTIME_YELLOW);
    cr_assert_eq(worktime_light_for(999, 1000), WORKTIME_YELLOW);
    cr_assert_eq(worktime_light_for(1000, 1000), WORKTIME_RED);
    cr_assert_eq(worktime_light_for(5000, 1000), WORKTIME_RED);
    // An 8 working hour limit: 79.9%, just under 80%, 80%, 100%.
    int64_t limit = 8 * WORKTIME_HOUR_MS;
    cr_assert_eq(worktime_light_for(limit * 799 / 1000, limit), WORKTIME_GREEN);
    cr_assert_eq(worktime_light_for(limit * 8 / 10 - 1, limit), WORKTIME_GREEN);
    cr_assert_eq(worktime_light_for(limit * 8 / 10, limit), WORKTIME_YELLOW);
    cr_assert_eq(worktime_light_for(limit - 1, limit), WORKTIME_YELLOW);
    cr_assert_eq(worktime_light_for(limit, limit), WORKTIME_RED);
    // 80% of 7 is 5.6.
    cr_assert_eq(worktime_light_for(5, 7), WORKTIME_GREEN);
    cr_assert_eq(worktime_light_for(6, 7), WORKTIME_YELLOW);
    // No overflow at the extremes.
    cr_assert_eq(worktime_light_for(INT64_MAX / 10 * 7, INT64_MAX), WORKTIME_GREEN);
    cr_assert_eq(worktime_light_for(INT64_MAX / 10 * 9, INT64_MAX), WORKTIME_YELLOW);
    cr_assert_eq(worktime_light_for(INT64_MAX, INT64_MAX), WORKTIME_RED);
    cr_assert_eq(worktime_light_for(0, 0), WORKTIME_RED);
    cr_assert_eq(worktime_light_for(-5, 0), WORKTIME_GREEN);
    cr_assert_str_eq(worktime_light_name(WORKTIME_YELLOW), "yellow");
    cr_assert_str_eq(worktime_light_name(WORKTIME_RED), "red");
    cr_assert_str_eq(worktime_light_name((enum worktime_light)9), "unknown");
}

Test(worktime, limits_and_remaining)
{
    struct worktime_calendar cal = default_calendar();
    cr_assert_eq(worktime_limit_ms(&cal, WORKTIME_WORK_HOURS, 8), 28800000);
    cr_assert_eq(worktime_limit_ms(&cal, WORKTIME_URGENT_HOURS, 1), 3600000);
    cr_assert_eq(worktime_limit_ms(&cal, WORKTIME_WORK_DAYS, 2), 2 * 420 * 60000);
    cr_assert_eq(worktime_limit_ms(&cal, WORKTIME_WORK_DAYS, 0), 0);
    cr_assert_eq(worktime_limit_ms(&cal, WORKTIME_WORK_HOURS, -3), 0);
    cr_assert_eq(worktime_remaining_ms(3, 10), 7);
    cr_assert_eq(worktime_remaining_ms(10, 10), 0);
    cr_assert_eq(worktime_remaining_ms(12, 10), 0);
    cr_assert_eq(worktime_remaining_ms(INT64_MIN, INT64_MAX), INT64_MAX);
}

Test(worktime, unit_names)
{
    cr_assert_eq(worktime_unit_from_name("work_hours"), WORKTIME_WORK_HOURS);
    cr_assert_eq(worktime_unit_from_name("work_days"), WORKTIME_WORK_DAYS);
    cr_assert_eq(worktime_unit_from_name("urgent_hours"), WORKTIME_URGENT_HOURS);
    cr_assert_eq(worktime_unit_from_name("Work_Hours"), -1);
    cr_assert_eq(worktime_unit_from_name("hours"), -1);
    cr_assert_eq(worktime_unit_from_name(""), -1);
    cr_assert_eq(worktime_unit_from_name(NULL), -1);
    for (int u = WORKTIME_WORK_HOURS; u <= WORKTIME_URGENT_HOURS; u++)
        cr_assert_eq(worktime_unit_from_name(worktime_unit_name((enum worktime_unit)u)), u);
    cr_assert_str_eq(worktime_unit_name((enum worktime_unit)7), "unknown");
}

Test(worktime, date_validity)
{
    cr_assert_eq(worktime_date_valid(20280229), 1);
    cr_assert_eq(worktime_date_valid(20260229), 0);
    cr_assert_eq(worktime_date_valid(20000229), 1);
    cr_assert_eq(worktime_date_valid(19000229), 0);
    cr_assert_eq(worktime_date_valid(20261231), 1);
    cr_assert_eq(worktime_date_valid(20260431), 0);
    cr_assert_eq(worktime_date_valid(20261301), 0);
    cr_assert_eq(worktime_date_valid(20260001), 0);
    cr_assert_eq(worktime_date_valid(20260100), 0);
    cr_assert_eq(worktime_date_valid(0), 0);
    cr_assert_eq(worktime_date_valid(-20260101), 0);
    cr_assert_eq(worktime_date_valid(100000101), 0);
    cr_assert_eq(worktime_date_valid(10101), 1);
    cr_assert_eq(worktime_weekday(20261001), 4);
    cr_assert_eq(worktime_weekday(19700101), 4);
    cr_assert_eq(worktime_weekday(20261010), 6);
    cr_assert_eq(worktime_weekday(20260920), 0);
    cr_assert_eq(worktime_weekday(20260229), -1);
}

// Only exactly "YYYY-MM-DD" of a real date parses: scanf-style leniency once
// stored "2026-+1-05" as 2026-01-05.
Test(worktime, parse_date_is_strict)
{
    cr_assert_eq(worktime_parse_date("2026-01-05"), 20260105);
    cr_assert_eq(worktime_parse_date("2028-02-29"), 20280229);
    cr_assert_eq(worktime_parse_date("0001-01-01"), 10101);
    cr_assert_eq(worktime_parse_date("9999-12-31"), 99991231);
    const char *const refused[] = {
        "2026-+1-05",     "2026--1-05", "2026- 1-05",  "+026-01-05",  " 2026-1-05", "2026-1-05",
        "2026-01-5",      "26-01-05",   "2026-01-05 ", "2026-01-05x", "2026/01/05", "20260105",
        "2026-02-29",     "2026-13-01", "2026-00-10",  "2026-01-00",  "0000-01-01", "2026-01-32",
        "２０２６-01-05", "",           "2026-0a-05",  "2026-01-0\n",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        cr_expect_eq(worktime_parse_date(refused[i]), 0, "'%s' parsed", refused[i]);
    cr_assert_eq(worktime_parse_date(NULL), 0);
}

// Every day from year 1 to 9999 maps to the next valid date, with weekdays cycling.
Test(worktime, day_arithmetic_round_trips)
{
    struct worktime_calendar cal = default_calendar();
    cr_assert_eq(worktime_calendar_set_utc_offset(&cal, 0), 0);
    int64_t first = worktime_local_to_ms(&cal, 10101, 0);
    int64_t last = worktime_local_to_ms(&cal, 99991231, 0);
    cr_assert_eq((last - first) / WORKTIME_DAY_MS + 1, 3652059);
    int previous = 0, previous_weekday = -1;
    for (int64_t ms = first; ms <= last; ms += WORKTIME_DAY_MS) {
        int date = worktime_local_date(&cal, ms);
        if (!worktime_date_valid(date) || date <= previous ||
            worktime_local_to_ms(&cal, date, 0) != ms)
            cr_assert_fail("bad date %d after %d", date, previous);
        int weekday = worktime_weekday(date);
        if (previous_weekday >= 0 && weekday != (previous_weekday + 1) % 7)
            cr_assert_fail("weekday of %d", date);
        previous = date;
        previous_weekday = weekday;
    }
    cr_assert_eq(previous, 99991231);
    cr_assert_eq(worktime_local_date(&cal, 0), 19700101);
    cr_assert_eq(worktime_local_date(&cal, -1), 19691231);
    cr_assert_eq(worktime_local_date(&cal, INT64_MIN), 10101);
    cr_assert_eq(worktime_local_date(&cal, INT64_MAX), 99991231);
}

// A date written by hand into both lists is a holiday, for every function alike.
Test(worktime, holiday_wins_over_workday_in_both_lists)
{
    struct worktime_calendar cal = national_day_2026();
    cal.holidays[cal.holiday_count++] = 20261010; // sorted: after 20261007
    cr_assert_not(worktime_is_working_date(&cal, 20261010));
    cr_assert_eq(worktime_elapsed_ms(&cal, at_ms(&cal, 20261009, 17, 30),
                                     at_ms(&cal, 20261012, 8, 30), WORKTIME_WORK_HOURS),
                 0);
    ASSERT_AT(&cal, hours_from(&cal, at_ms(&cal, 20261009, 16, 0), 2), 20261012, 9, 0);
}
