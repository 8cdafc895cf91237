// SPDX-License-Identifier: MIT
// The office calendar in the store: holidays and adjusted working days
// (calendar_day) loaded into a worktime calendar.
#ifndef CHENGGUAN_STORE_CALENDAR_H
#define CHENGGUAN_STORE_CALENDAR_H

#include <stdint.h>

struct store;
struct store_actor;
struct worktime_calendar;

// Fills cal with the default periods (08:30-12:00, 14:00-17:30, Mon-Fri, UTC+8) and
// every holiday and adjusted working day stored. Returns STORE_OK, STORE_INVALID
// (logged) when a stored day does not fit the calendar (not a real date, or more
// than WORKTIME_MAX_DATES of a kind), or STORE_ERROR.
int store_calendar_load(struct store *store, struct worktime_calendar *cal);

// Calls fn(day, kind, name, data) for each stored exception between from_day and
// to_day (YYYYMMDD, inclusive), in date order. Returns STORE_OK or STORE_ERROR.
int store_calendar_days(struct store *store, int from_day, int to_day,
                        void (*fn)(int day, const char *kind, const char *name, void *data),
                        void *data);

// Sets a day to "holiday" or "workday" with a name (inserted or replaced).
// Returns STORE_OK, STORE_INVALID (a bad kind, or WORKTIME_MAX_DATES days of
// that kind are stored already) or STORE_ERROR.
int store_calendar_day_set(struct store *store, int day, const char *kind, const char *name);

// A number that grows with every change of the stored calendar, by any process
// sharing the database: a server whose calendar was loaded at another number
// reloads it. Returns STORE_OK or STORE_ERROR.
int store_calendar_version(struct store *store, int64_t *version);

// Removes a day's exception. Returns STORE_OK or STORE_NOT_FOUND.
int store_calendar_day_delete(struct store *store, int day);

// day_set and day_delete as actor (store_admin.h), appending "calendar.set" or
// "calendar.delete" with the day before and after to audit_log in the same
// transaction. The plain functions record nothing.
int store_calendar_day_set_as(struct store *store, const struct store_actor *actor, int day,
                              const char *kind, const char *name);
int store_calendar_day_delete_as(struct store *store, const struct store_actor *actor, int day);

#endif
