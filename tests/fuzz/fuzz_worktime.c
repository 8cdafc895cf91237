// SPDX-License-Identifier: MIT
// Fuzzes the working-time calendar. A calendar built through the setters from
// any input stays valid. Deadlines never come before their start and grow with
// the amount and with the start; the working time elapsed up to a deadline is
// exactly the amount, and one millisecond less just before it; elapsed time adds
// up over consecutive intervals, never exceeds the wall time, counts a whole
// working date as its daily minutes; local dates and instants convert back and
// forth; traffic lights and remaining time follow their definitions.
// Input: the calendar (offset, periods, weekdays, holidays, adjusted workdays),
// then instants (minutes around 2026, sometimes raw) and amounts.
#include "fuzz.h"
#include "worktime.h"

#include <string.h>

// 2026-01-01T00:00Z; instants are read as minutes from here.
#define BASE_MS INT64_C(1767225600000)
// Instants within this many ms of BASE_MS (about 150 years) are far enough from
// the calendar's year 1..9999 limits for the exact invariants.
#define SAFE_SPAN_MS (INT64_C(150) * 366 * WORKTIME_DAY_MS)

static void build_calendar(struct fuzz_input *in, struct worktime_calendar *cal)
{
    worktime_calendar_init_default(cal);
    int offset = (int16_t)fuzz_u16(in) % 1500;
    int rc = worktime_calendar_set_utc_offset(cal, offset);
    FUZZ_CHECK((rc == 0) == (offset >= -WORKTIME_MAX_UTC_OFFSET && offset <= 1440),
               "offset %d: %d", offset, rc);
    struct worktime_period periods[WORKTIME_MAX_PERIODS];
    int n = fuzz_u8(in) % (WORKTIME_MAX_PERIODS + 1);
    for (int i = 0; i < n; i++) {
        periods[i].start_minute = fuzz_u16(in) % 1442 - 1;
        periods[i].end_minute = fuzz_u16(in) % 1442 - 1;
    }
    if (n > 0)
        worktime_calendar_set_periods(cal, periods, n);
    uint8_t weekdays = fuzz_u8(in);
    for (int day = 0; day < 7; day++)
        cal->weekday_working[day] = (weekdays >> day) & 1;
    int dates = fuzz_u8(in) % 24;
    for (int i = 0; i < dates; i++) {
        uint8_t pick = fuzz_u8(in);
        int date = (2024 + pick % 4) * 10000 + (1 + fuzz_u8(in) % 13) * 100 + fuzz_u8(in) % 33;
        int before = worktime_is_working_date(cal, date);
        int added = pick & 0x80 ? worktime_calendar_add_workday(cal, date)
                                : worktime_calendar_add_holiday(cal, date);
        FUZZ_CHECK((added == 0) == (worktime_date_valid(date) == 1), "adding %d: %d", date, added);
        if (added == 0)
            FUZZ_CHECK(worktime_is_working_date(cal, date) == !!(pick & 0x80),
                       "%d is not what it was just made (before: %d)", date, before);
    }
    FUZZ_CHECK(worktime_calendar_valid(cal), "the setters made an invalid calendar");
}

// An instant: minutes around BASE_MS, or (flag) any int64.
static int64_t read_instant(struct fuzz_input *in, bool raw)
{
    if (raw)
        return (int64_t)fuzz_u64(in);
    return BASE_MS + (int64_t)(int32_t)fuzz_u32(in) % (SAFE_SPAN_MS / WORKTIME_MINUTE_MS) *
                         WORKTIME_MINUTE_MS +
           (int64_t)(fuzz_u8(in) % 4) * 15000;
}

static void check_deadlines(const struct worktime_calendar *cal, int64_t s1, int64_t s2,
                            int64_t a1, int64_t a2, bool safe)
{
    static const enum worktime_unit UNITS[] = {WORKTIME_WORK_HOURS, WORKTIME_WORK_DAYS,
                                               WORKTIME_URGENT_HOURS};
    for (size_t u = 0; u < 3; u++) {
        enum worktime_unit unit = UNITS[u];
        int64_t d11 = worktime_add_minutes(cal, s1, unit, a1);
        int64_t d12 = worktime_add_minutes(cal, s1, unit, a2);
        int64_t d21 = worktime_add_minutes(cal, s2, unit, a1);
        FUZZ_CHECK(a1 <= 0 || d11 >= s1, "unit %d: %lld + %lld min = %lld", (int)unit,
                   (long long)s1, (long long)a1, (long long)d11);
        FUZZ_CHECK(d11 <= d12, "unit %d: more minutes (%lld > %lld) end sooner", (int)unit,
                   (long long)a2, (long long)a1);
        FUZZ_CHECK(d11 <= d21, "unit %d: a later start (%lld > %lld) ends sooner", (int)unit,
                   (long long)s2, (long long)s1);
        if (!safe || a1 <= 0 || d11 == INT64_MAX)
            continue;
        int64_t want = a1 * WORKTIME_MINUTE_MS;
        int64_t got = worktime_elapsed_ms(cal, s1, d11, unit);
        FUZZ_CHECK(got == want, "unit %d: from %lld to its deadline %lld: %lld ms, want %lld",
                   (int)unit, (long long)s1, (long long)d11, (long long)got, (long long)want);
        got = worktime_elapsed_ms(cal, s1, d11 - 1, unit);
        FUZZ_CHECK(got == want - 1, "unit %d: %lld ms elapsed 1 ms before the deadline %lld",
                   (int)unit, (long long)got, (long long)d11);
    }
}

static void check_elapsed(const struct worktime_calendar *cal, int64_t t1, int64_t t2, int64_t t3,
                          bool safe)
{
    for (int unit = 0; unit < 3; unit++) {
        int64_t e12 = worktime_elapsed_ms(cal, t1, t2, unit);
        int64_t e23 = worktime_elapsed_ms(cal, t2, t3, unit);
        int64_t e13 = worktime_elapsed_ms(cal, t1, t3, unit);
        FUZZ_CHECK(e12 >= 0 && e13 >= e12, "unit %d: elapsed shrinks with the end", unit);
        if (!safe)
            continue;
        FUZZ_CHECK(e12 <= t2 - t1, "unit %d: %lld ms elapsed in %lld", unit, (long long)e12,
                   (long long)(t2 - t1));
        FUZZ_CHECK(e13 == e12 + e23, "unit %d: %lld + %lld != %lld over %lld, %lld, %lld", unit,
                   (long long)e12, (long long)e23, (long long)e13, (long long)t1, (long long)t2,
                   (long long)t3);
    }
}

static void check_dates(const struct worktime_calendar *cal, int64_t t)
{
    int date = worktime_local_date(cal, t);
    FUZZ_CHECK(worktime_date_valid(date), "%lld is on date %d", (long long)t, date);
    int64_t midnight = worktime_local_to_ms(cal, date, 0);
    int64_t next = worktime_local_to_ms(cal, date, 24 * 60);
    FUZZ_CHECK(midnight <= t && t < next, "%lld is not within its date %d", (long long)t, date);
    int tomorrow = worktime_local_date(cal, next);
    FUZZ_CHECK(worktime_weekday(tomorrow) == (worktime_weekday(date) + 1) % 7,
               "%d and %d are not consecutive weekdays", date, tomorrow);
    int64_t whole = worktime_elapsed_ms(cal, midnight, next, WORKTIME_WORK_HOURS);
    int64_t daily = worktime_is_working_date(cal, date)
                        ? worktime_daily_minutes(cal) * WORKTIME_MINUTE_MS
                        : 0;
    FUZZ_CHECK(whole == daily, "date %d has %lld working ms, want %lld", date, (long long)whole,
               (long long)daily);
}

static void check_lights(int64_t elapsed, int64_t limit)
{
    enum worktime_light light = worktime_light_for(elapsed, limit);
    __int128 e = elapsed, l = limit;
    enum worktime_light want = e >= l            ? WORKTIME_RED
                               : 5 * e < 4 * l || l <= 0 ? WORKTIME_GREEN
                                                         : WORKTIME_YELLOW;
    FUZZ_CHECK(light == want, "light(%lld, %lld) = %d, want %d", (long long)elapsed,
               (long long)limit, (int)light, (int)want);
    __int128 remaining = l - e > INT64_MAX ? INT64_MAX : l - e < 0 ? 0 : l - e;
    FUZZ_CHECK(worktime_remaining_ms(elapsed, limit) == (int64_t)remaining,
               "remaining(%lld, %lld)", (long long)elapsed, (long long)limit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    struct worktime_calendar cal;
    build_calendar(&in, &cal);
    uint8_t flags = fuzz_u8(&in);
    bool raw = flags & 1;
    int64_t t[3];
    for (int i = 0; i < 3; i++)
        t[i] = read_instant(&in, raw);
    // Sorted, so t[0] <= t[1] <= t[2].
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (t[j] < t[i]) {
                int64_t swap = t[i];
                t[i] = t[j];
                t[j] = swap;
            }
    int64_t a1 = flags & 2 ? (int64_t)fuzz_u64(&in) : fuzz_u16(&in);
    int64_t more = fuzz_u16(&in);
    int64_t a2 = a1 > INT64_MAX - more ? INT64_MAX : a1 + more;
    bool safe = !raw && a1 < 200 * 60 * 24 * 365;
    check_deadlines(&cal, t[0], t[1], a1, a2, safe);
    check_elapsed(&cal, t[0], t[1], t[2], !raw);
    if (!raw)
        check_dates(&cal, t[0]);
    int days = (int)(fuzz_u16(&in) % 2000);
    FUZZ_CHECK(worktime_add_days(&cal, t[0], days) ==
                   (days == 0 ? t[0]
                              : worktime_add_minutes(&cal, t[0], WORKTIME_WORK_DAYS,
                                                     (int64_t)days * worktime_daily_minutes(&cal))),
               "add_days(%d)", days);
    check_lights((int64_t)fuzz_u64(&in), (int64_t)fuzz_u64(&in));
    return 0;
}
