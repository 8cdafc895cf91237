// SPDX-License-Identifier: MIT
// The view of a case's clock on top of the working-time calendar.
#include "caseclock.h"

#include <string.h>

void caseclock_view(const struct worktime_calendar *cal, enum worktime_unit unit, int64_t limit_ms,
                    int64_t deadline, bool paused, int64_t paused_remaining_ms, int64_t now,
                    struct caseclock_view *out)
{
    memset(out, 0, sizeof *out);
    if (paused) {
        out->paused = true;
        out->remaining_ms = paused_remaining_ms;
    } else if (deadline > 0) {
        out->running = true;
        out->deadline = deadline;
        out->remaining_ms = deadline >= now ? worktime_elapsed_ms(cal, now, deadline, unit)
                                            : -worktime_elapsed_ms(cal, deadline, now, unit);
        // Overdue by wall clock even when no working time has passed since.
        if (deadline < now && out->remaining_ms == 0)
            out->remaining_ms = -1;
    } else {
        out->light = WORKTIME_GREEN;
        return;
    }
    out->light = worktime_light_for(limit_ms - out->remaining_ms, limit_ms);
}
