// SPDX-License-Identifier: MIT
// Stage timing for cases on top of the working-time calendar.
#include "caseclock.h"

#include <string.h>

const char *caseclock_stage(enum casefsm_state state)
{
    switch (state) {
    case CASEFSM_STATE_REPORTED:
        return "accept";
    case CASEFSM_STATE_VERIFYING:
        return "verify";
    case CASEFSM_STATE_ACCEPTED:
        return "dispatch";
    case CASEFSM_STATE_DISPATCHED:
    case CASEFSM_STATE_PROCESSING:
    case CASEFSM_STATE_SUSPENDED:
        return "handle";
    case CASEFSM_STATE_HANDLED:
        return "check";
    case CASEFSM_STATE_CHECKED:
        return "close";
    default:
        return "none";
    }
}

void caseclock_default_limit(const char *stage, bool urgent, enum worktime_unit *unit, int *amount)
{
    static const struct {
        const char *stage;
        int hours;
    } DEFAULTS[] = {{"accept", 1}, {"verify", 2}, {"dispatch", 1},
                    {"handle", 8}, {"check", 4},  {"close", 2}};
    *unit = urgent ? WORKTIME_URGENT_HOURS : WORKTIME_WORK_HOURS;
    *amount = 8;
    for (size_t i = 0; i < sizeof DEFAULTS / sizeof DEFAULTS[0]; i++)
        if (strcmp(stage, DEFAULTS[i].stage) == 0)
            *amount = DEFAULTS[i].hours;
}

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
