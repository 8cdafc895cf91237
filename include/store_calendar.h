// SPDX-License-Identifier: MIT
// The office calendar in the store: holidays and adjusted working days
// (calendar_day) loaded into a worktime calendar.
#ifndef CHENGGUAN_STORE_CALENDAR_H
#define CHENGGUAN_STORE_CALENDAR_H

struct store;
struct worktime_calendar;

// Fills cal with the default periods (08:30-12:00, 14:00-17:30, Mon-Fri, UTC+8) and
// every holiday and adjusted working day stored. Returns STORE_OK or STORE_ERROR.
int store_calendar_load(struct store *store, struct worktime_calendar *cal);

#endif
