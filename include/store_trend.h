// SPDX-License-Identifier: MIT
// Daily series for the assessment screen's trends: per local day of a window,
// the cases reported and filed, the cases closed, and the handling records due
// and on time, for a jurisdiction or one street, community, grid cell or
// department in it, from a per-day tally the write path keeps.
#ifndef CHENGGUAN_STORE_TREND_H
#define CHENGGUAN_STORE_TREND_H

#include <stdint.h>

struct jurisdiction;
struct store;

#define STORE_TREND_DAYS_MAX 90

// The counts of one day. reported leaves merged duplicates out (as the
// assessment does); filed: reported that day and filed since; closed: closures
// that day; handle_due / handle_on_time: handling records falling due that day
// that are judged (ended with a verdict, or running past due as of now) and
// those on time (the on-time closing rate's numerator and denominator).
struct store_trend_day {
    int64_t reported, filed, closed, handle_due, handle_on_time;
};

// Which cases a trend counts inside the jurisdiction: one of the ids (0 for
// none: the whole jurisdiction). department: cases dispatched to it.
struct store_trend_scope {
    int64_t street_id, community_id, grid_id, department_id;
};

// Fills out[0..days) for the days of [from, from + days x 24 h) (from a local
// midnight, days 1..STORE_TREND_DAYS_MAX), as of now (for running records past
// due). out is zeroed first. Reads the per-day tally the write path keeps when
// from is a UTC+8 midnight (the default calendar's), else store_trend_recount.
// Returns STORE_OK or STORE_ERROR.
int store_trend_series(struct store *store, const struct jurisdiction *j,
                       const struct store_trend_scope *scope, int64_t from, int days, int64_t now,
                       struct store_trend_day *out);

// The same series recounted from every fact of the window (a cost that grows
// with the window's facts, about 5 s for 90 days at 1M cases): for windows the
// tally does not keep, and for tests that check the tally. Same results.
int store_trend_recount(struct store *store, const struct jurisdiction *j,
                        const struct store_trend_scope *scope, int64_t from, int days, int64_t now,
                        struct store_trend_day *out);

#endif
