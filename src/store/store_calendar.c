// SPDX-License-Identifier: MIT
// SQL for the office calendar.
#include "store_calendar.h"

#include "admin_audit.h"
#include "log.h"
#include "engine.h"
#include "worktime.h"

#include <string.h>

int store_calendar_load(struct store *store, struct worktime_calendar *cal)
{
    static const char SQL[] = "SELECT day, kind FROM calendar_day ORDER BY day";
    worktime_calendar_init_default(cal);
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    int rc = STORE_DONE, refused = 0;
    while (refused == 0 && (rc = store_step(stmt)) == STORE_ROW) {
        int day = store_col_int(stmt, 0);
        const char *kind = store_col_text(stmt, 1);
        if ((strcmp(kind, "holiday") == 0 ? worktime_calendar_add_holiday(cal, day)
                                          : worktime_calendar_add_workday(cal, day)) != 0)
            refused = day;
    }
    store_stmt_done(stmt);
    // Deadlines computed without a stored day would be wrong without a trace:
    // refuse the whole calendar instead (days are only added through
    // store_calendar_day_set, which keeps within the limit).
    if (refused != 0) {
        log_error("calendar: stored day %d is not a real date, or its kind has more than "
                  "%d days; remove days from calendar_day",
                  refused, WORKTIME_MAX_DATES);
        return STORE_INVALID;
    }
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

int store_calendar_days(struct store *store, int from_day, int to_day,
                        void (*fn)(int day, const char *kind, const char *name, void *data),
                        void *data)
{
    static const char SQL[] = "SELECT day, kind, name FROM calendar_day "
                              "WHERE day BETWEEN :from AND :to ORDER BY day";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":from", from_day);
    store_bind_int(stmt, ":to", to_day);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW)
        fn(store_col_int(stmt, 0), store_col_text(stmt, 1), store_col_text(stmt, 2), data);
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

struct day_job {
    int day;
    const char *kind;
    const char *name;
    const struct store_actor *actor; // NULL: nothing recorded
};

// The stored exception of day as the audit log shows it; NULL when there is
// none (or on failure, which the write that follows reports).
static cJSON *day_json_tx(struct store_tx *tx, int day)
{
    static const char SQL[] = "SELECT kind, name FROM calendar_day WHERE day = :day";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return NULL;
    store_bind_int(stmt, ":day", day);
    cJSON *out = NULL;
    if (store_step_row(stmt) == STORE_OK) {
        out = cJSON_CreateObject();
        cJSON_AddNumberToObject(out, "day", day);
        cJSON_AddStringToObject(out, "kind", store_col_text(stmt, 0));
        cJSON_AddStringToObject(out, "name", store_col_text(stmt, 1));
    }
    store_stmt_done(stmt);
    return out;
}

// Runs write for the job's day and, with an actor, appends action with the day
// before and after.
static int day_audited(struct store_tx *tx, struct day_job *job, const char *action,
                       int (*write)(struct store_tx *tx, struct day_job *job))
{
    cJSON *before = job->actor ? day_json_tx(tx, job->day) : NULL;
    int rc = write(tx, job);
    if (rc != STORE_OK || job->actor == NULL) {
        cJSON_Delete(before);
        return rc;
    }
    return store_admin_audit_tx(tx, job->actor, action, "calendar_day", job->day, before,
                                day_json_tx(tx, job->day));
}

// STORE_OK when one more day of the job's kind fits the calendar (the day itself
// does not count: it may already be of that kind), STORE_INVALID when it is full.
static int day_fits(struct store_tx *tx, const struct day_job *job)
{
    static const char SQL[] =
        "SELECT count(*) FROM calendar_day WHERE kind = :kind AND day <> :day";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_text(stmt, ":kind", job->kind);
    store_bind_int(stmt, ":day", job->day);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK && store_col_int64(stmt, 0) >= WORKTIME_MAX_DATES)
        rc = STORE_INVALID;
    store_stmt_done(stmt);
    return rc;
}

// Counts a change of the calendar (change_counter 'calendar'), in the job that
// makes it, so that every server on the database reloads it (store_calendar_version).
static int count_calendar_change(struct store_tx *tx)
{
    static const char SQL[] = "UPDATE change_counter SET n = n + 1 WHERE name = 'calendar'";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    return stmt != NULL ? store_exec_stmt(stmt) : STORE_ERROR;
}

int store_calendar_version(struct store *store, int64_t *version)
{
    static const char SQL[] = "SELECT n FROM change_counter WHERE name = 'calendar'";
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    int rc = store_step_row(stmt);
    if (rc == STORE_OK)
        *version = store_col_int64(stmt, 0);
    store_stmt_done(stmt);
    return rc == STORE_OK ? STORE_OK : STORE_ERROR;
}

static int day_set_write(struct store_tx *tx, struct day_job *job)
{
    static const char SQL[] = "INSERT INTO calendar_day (day, kind, name) VALUES (:day, :kind, "
                              ":name) ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, "
                              "name = excluded.name";
    int fits = day_fits(tx, job);
    if (fits != STORE_OK)
        return fits;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":day", job->day);
    store_bind_text(stmt, ":kind", job->kind);
    store_bind_text(stmt, ":name", job->name ? job->name : "");
    int rc = store_exec_stmt(stmt);
    if (rc == STORE_OK)
        rc = count_calendar_change(tx);
    return rc == STORE_CONFLICT ? STORE_INVALID : rc;
}

static int day_set_job(struct store_tx *tx, void *data)
{
    return day_audited(tx, data, "calendar.set", day_set_write);
}

int store_calendar_day_set(struct store *store, int day, const char *kind, const char *name)
{
    return store_calendar_day_set_as(store, NULL, day, kind, name);
}

int store_calendar_day_set_as(struct store *store, const struct store_actor *actor, int day,
                              const char *kind, const char *name)
{
    struct day_job job = {day, kind, name, actor};
    return store_write(store, day_set_job, &job);
}

static int day_delete_write(struct store_tx *tx, struct day_job *job)
{
    static const char SQL[] = "DELETE FROM calendar_day WHERE day = :day";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":day", job->day);
    int rc = store_exec_stmt(stmt);
    if (rc == STORE_OK && store_stmt_changes(stmt) == 0)
        return STORE_NOT_FOUND;
    return rc == STORE_OK ? count_calendar_change(tx) : rc;
}

static int day_delete_job(struct store_tx *tx, void *data)
{
    return day_audited(tx, data, "calendar.delete", day_delete_write);
}

int store_calendar_day_delete(struct store *store, int day)
{
    return store_calendar_day_delete_as(store, NULL, day);
}

int store_calendar_day_delete_as(struct store *store, const struct store_actor *actor, int day)
{
    struct day_job job = {.day = day, .actor = actor};
    return store_write(store, day_delete_job, &job);
}
