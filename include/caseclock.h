// SPDX-License-Identifier: MIT
// The view of a case's clock at a moment: deadline, remaining working (or wall)
// time and traffic light of a running, paused or finished stage. Which stage
// runs and its limits are casework's.
#ifndef CHENGGUAN_CASECLOCK_H
#define CHENGGUAN_CASECLOCK_H

#include "casefsm.h"
#include "worktime.h"

#include <stdbool.h>
#include <stdint.h>

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
