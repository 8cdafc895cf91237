// SPDX-License-Identifier: MIT
// The clock of a case, as pure functions: which stage a state is timed against,
// the default limits per stage, and the view of a running, paused or finished
// stage (deadline, remaining working time, traffic light).
#ifndef CHENGGUAN_CASECLOCK_H
#define CHENGGUAN_CASECLOCK_H

#include "casefsm.h"
#include "worktime.h"

#include <stdbool.h>
#include <stdint.h>

// The stage a state is timed against: "accept" (reported), "verify", "dispatch"
// (accepted), "handle" (dispatched, processing, suspended), "check" (handled),
// "close" (checked), "none" (closed, rejected, merged). Static string.
const char *caseclock_stage(enum casefsm_state state);

// The limit used when a category names none for a stage: accept 1, verify 2,
// dispatch 1, handle 8, check 4, close 2 working hours; urgent cases count the same
// numbers in urgent (wall-clock) hours.
void caseclock_default_limit(const char *stage, bool urgent, enum worktime_unit *unit, int *amount);

struct caseclock_view {
    bool running;         // a deadline is counting down
    bool paused;          // suspended: the clock is stopped
    int64_t deadline;     // 0 unless running
    int64_t remaining_ms; // in the unit's sense; negative when overdue
    enum worktime_light light;
};

// Computes the view of a stage at `now`. unit is the stage's unit, limit_ms its
// total allowance, deadline 0 when not running, paused_remaining_ms what was left
// when it was suspended.
void caseclock_view(const struct worktime_calendar *cal, enum worktime_unit unit, int64_t limit_ms,
                    int64_t deadline, bool paused, int64_t paused_remaining_ms, int64_t now,
                    struct caseclock_view *out);

#endif
