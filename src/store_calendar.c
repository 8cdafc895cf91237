// SPDX-License-Identifier: MIT
// SQL for the office calendar.
#include "store_calendar.h"

#include "log.h"
#include "store.h"
#include "worktime.h"

#include <string.h>

int store_calendar_load(struct store *store, struct worktime_calendar *cal)
{
    static const char SQL[] = "SELECT day, kind FROM calendar_day ORDER BY day";
    worktime_calendar_init_default(cal);
    sqlite3_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int day = sqlite3_column_int(stmt, 0);
        const char *kind = (const char *)sqlite3_column_text(stmt, 1);
        if ((strcmp(kind, "holiday") == 0 ? worktime_calendar_add_holiday(cal, day)
                                          : worktime_calendar_add_workday(cal, day)) != 0)
            log_warn("calendar: day %d ignored (invalid or calendar full)", day);
    }
    store_stmt_done(stmt);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}
