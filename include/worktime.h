// SPDX-License-Identifier: MIT
// The office working-time calendar (src/domain/README.md): working periods, working
// weekdays, public holidays and adjusted working weekends (调休), and deadlines and
// elapsed time in working hours (工作时), working days (工作日) and urgent hours
// (紧急工作时, wall clock). Pure integer arithmetic: no I/O, no malloc, no globals.
#ifndef CHENGGUAN_WORKTIME_H
#define CHENGGUAN_WORKTIME_H

#include <stdbool.h>
#include <stdint.h>

enum worktime_unit { WORKTIME_WORK_HOURS, WORKTIME_WORK_DAYS, WORKTIME_URGENT_HOURS };

#define WORKTIME_MAX_PERIODS 4
#define WORKTIME_MAX_DATES   400
#define WORKTIME_MINUTE_MS   INT64_C(60000)
#define WORKTIME_HOUR_MS     INT64_C(3600000)
#define WORKTIME_DAY_MS      INT64_C(86400000)
// Largest accepted |utc_offset_minutes|; real offsets are within -720..+840.
#define WORKTIME_MAX_UTC_OFFSET 1440

// A working period in local time: minutes since local midnight, start < end.
struct worktime_period {
    int start_minute, end_minute;
};

// The calendar. Build it with worktime_calendar_init_default() and the setters below,
// which keep it consistent; every other function assumes a calendar for which
// worktime_calendar_valid() holds. Dates are YYYYMMDD ints (20261001).
struct worktime_calendar {
    int utc_offset_minutes; // local time = UTC + this (no DST)
    int period_count;
    struct worktime_period periods[WORKTIME_MAX_PERIODS]; // sorted, non-overlapping
    unsigned char weekday_working[7];                     // index 0 = Sunday
    int holiday_count;
    int holidays[WORKTIME_MAX_DATES]; // public holidays, sorted, unique
    int workday_count;
    int workdays[WORKTIME_MAX_DATES]; // adjusted working weekends, sorted, unique
};

// Fills `cal` with the default calendar: UTC+8 (Asia/Shanghai), periods 08:30-12:00
// and 14:00-17:30, Monday to Friday working, no holidays, no adjusted workdays.
void worktime_calendar_init_default(struct worktime_calendar *cal);

// Marks a date as a public holiday (not a working day even on a weekday). Keeps the
// list sorted; adding a date already present is a no-op returning 0. If the date was an
// adjusted workday it is removed from that list (the latest call wins).
// Returns 0 on success, -1 if the date is not a real date or the list is full.
int worktime_calendar_add_holiday(struct worktime_calendar *cal, int yyyymmdd);

// Marks a date as an adjusted working day (调休: a working day even on a weekend).
// Same rules as worktime_calendar_add_holiday(), with the roles of the two lists swapped.
int worktime_calendar_add_workday(struct worktime_calendar *cal, int yyyymmdd);

// Replaces the working periods with the `n` periods at `p`. Requires 1 <= n <=
// WORKTIME_MAX_PERIODS, 0 <= start < end <= 1440 for each, sorted by start and not
// overlapping (one may start where the previous ends). Returns 0 on success; -1 on any
// violation, in which case `cal` is left unchanged.
int worktime_calendar_set_periods(struct worktime_calendar *cal, const struct worktime_period *p,
                                  int n);

// Sets the fixed UTC offset in minutes. Returns 0, or -1 (unchanged) if |minutes| >
// WORKTIME_MAX_UTC_OFFSET.
int worktime_calendar_set_utc_offset(struct worktime_calendar *cal, int minutes);

// Returns true if `cal` is consistent: offset in range, periods as required by
// worktime_calendar_set_periods(), weekday flags 0/1, date lists within bounds, sorted,
// unique and made of real dates.
bool worktime_calendar_valid(const struct worktime_calendar *cal);

// Returns true if the local date is a working date: not a holiday, and either an
// adjusted workday or a working weekday. False for an invalid date.
bool worktime_is_working_date(const struct worktime_calendar *cal, int yyyymmdd);

// Returns the working minutes of one working date (the sum of the periods).
int worktime_daily_minutes(const struct worktime_calendar *cal);

// Returns 1 if `yyyymmdd` is a real Gregorian date in years 1..9999, else 0.
int worktime_date_valid(int yyyymmdd);

// Returns the day of the week of a valid date (0 = Sunday .. 6 = Saturday), -1 if invalid.
int worktime_weekday(int yyyymmdd);

// Returns the local date (YYYYMMDD) of instant `ms` in the calendar's offset; instants
// outside years 1..9999 are clamped to the first/last supported date.
int worktime_local_date(const struct worktime_calendar *cal, int64_t ms);

// Returns the instant of local date `yyyymmdd` at `minute_of_day` (0..1440) in the
// calendar's offset, or INT64_MIN if the date or minute is invalid.
int64_t worktime_local_to_ms(const struct worktime_calendar *cal, int yyyymmdd, int minute_of_day);

// Deadline: the instant at which `amount_minutes` of time in `unit` have passed after
// `start_ms`. WORK_HOURS and WORK_DAYS count only minutes inside the working periods of
// working dates (a start outside working time counts from the next period start; a
// deadline that falls exactly at the end of a period stays at that end). URGENT_HOURS
// is plain wall clock. amount_minutes <= 0 returns start_ms.
// Returns INT64_MAX if the deadline is beyond year 9999 local time (for instance when the
// calendar has no working date at all), or would overflow, or for a unit outside the enum.
int64_t worktime_add_minutes(const struct worktime_calendar *cal, int64_t start_ms,
                             enum worktime_unit unit, int64_t amount_minutes);

// N working days after start: advances N * worktime_daily_minutes() of working time, so
// Monday 10:00 + 5 = next Monday 10:00 when there is no holiday, and a start outside
// working time counts from the next working period start (Friday 18:00 + 1 = Monday
// 17:30). days <= 0 returns start_ms; INT64_MAX as for worktime_add_minutes().
int64_t worktime_add_days(const struct worktime_calendar *cal, int64_t start_ms, int days);

// Deadline for a limit (unit, amount): amount is hours for WORK_HOURS and URGENT_HOURS,
// days for WORK_DAYS. Return values as for worktime_add_minutes().
int64_t worktime_deadline(const struct worktime_calendar *cal, int64_t start_ms,
                          enum worktime_unit unit, int amount);

// Elapsed time from start to end in ms in the unit's sense: working ms for WORK_HOURS and
// WORK_DAYS, wall ms for URGENT_HOURS. Returns 0 if end <= start. Instants outside years
// 1..9999 are clamped to that range for the working units; wall ms saturate at INT64_MAX.
// 0 for a unit outside the enum.
int64_t worktime_elapsed_ms(const struct worktime_calendar *cal, int64_t start_ms, int64_t end_ms,
                            enum worktime_unit unit);

// Limit (unit, amount) in the ms of worktime_elapsed_ms(): amount * 3600000 for the
// hour units, amount * daily minutes * 60000 for WORK_DAYS. amount <= 0, or a unit
// outside the enum, gives 0.
int64_t worktime_limit_ms(const struct worktime_calendar *cal, enum worktime_unit unit, int amount);

// Traffic light: green while elapsed < 80% of the limit, yellow from 80% up to the limit,
// red when elapsed >= limit (overdue). A limit <= 0 is red unless elapsed < limit.
enum worktime_light { WORKTIME_GREEN, WORKTIME_YELLOW, WORKTIME_RED };
enum worktime_light worktime_light_for(int64_t elapsed_ms, int64_t limit_ms);

// Returns limit - elapsed, never negative (0 when overdue); saturates instead of
// overflowing.
int64_t worktime_remaining_ms(int64_t elapsed_ms, int64_t limit_ms);

// Returns the unit for "work_hours", "work_days" or "urgent_hours" (case-sensitive),
// -1 for anything else including NULL.
int worktime_unit_from_name(const char *name);

// Returns the name of a unit ("work_hours"...), "unknown" for a value outside the enum.
// The string is static; the caller must not free it.
const char *worktime_unit_name(enum worktime_unit unit);

// Returns the lowercase name of a light: "green", "yellow", "red" ("unknown" otherwise).
// The string is static; the caller must not free it.
const char *worktime_light_name(enum worktime_light light);

#endif
