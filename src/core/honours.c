// SPDX-License-Identifier: MIT
// The red and black lists (红黑榜) outside a request: local months, the frozen
// body of a month and group (the whole city's assessment table, the
// configuration used, the best and the worst N), publishing it as a snapshot,
// and the scheduler's freezing of the month that closed.
#include "honours.h"

#include "arena.h"
#include "assessment_table.h"
#include "json.h"
#include "jurisdiction.h"
#include "log.h"
#include "store.h"
#include "store_calendar.h"
#include "store_snapshots.h"
#include "store_users.h"
#include "worktime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int honours_settings_load(struct store *store, struct assessment_config *config)
{
    assessment_config_default(config);
    char text[ASSESSMENT_SETTING_MAX];
    int rc = store_setting_get(store, ASSESSMENT_SETTING_KEY, text, sizeof text);
    if (rc == STORE_NOT_FOUND)
        return STORE_OK;
    if (rc != STORE_OK)
        return rc;
    cJSON *json = cJSON_Parse(text);
    char field[128];
    bool valid = json != NULL && assessment_config_read(json, config, field, sizeof field) == NULL;
    cJSON_Delete(json);
    return valid ? STORE_OK : STORE_INVALID;
}

// A local month: its name and its instants [from, to).

void honours_month_of(const struct worktime_calendar *cal, int year, int month,
                      struct honours_month *m)
{
    int next = month == 12 ? (year + 1) * 10000 + 101 : year * 10000 + (month + 1) * 100 + 1;
    m->from = worktime_local_to_ms(cal, year * 10000 + month * 100 + 1, 0);
    m->to = worktime_local_to_ms(cal, next, 0);
    snprintf(m->name, sizeof m->name, "%04d-%02d", year % 10000, month % 100);
}

// Parses "YYYY-MM" (2000-2100) into *m. Returns false if it is not one.
bool honours_month_parse(const struct worktime_calendar *cal, const char *text,
                         struct honours_month *m)
{
    int year, month, n = 0;
    if (text == NULL || strlen(text) != 7 || strspn(text, "0123456789-") != 7 || text[4] != '-' ||
        sscanf(text, "%4d-%2d%n", &year, &month, &n) != 2 || n != 7)
        return false;
    if (year < 2000 || year > 2100 || month < 1 || month > 12)
        return false;
    honours_month_of(cal, year, month, m);
    return true;
}

// ---- the frozen body ----

// The member of a table row the lists name.
static cJSON *list_entry(const cJSON *row)
{
    static const char *const KEEP[] = {"rank", "id", "code", "name", "composite", "grade"};
    cJSON *entry = cJSON_CreateObject();
    for (size_t i = 0; entry != NULL && i < sizeof KEEP / sizeof KEEP[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, KEEP[i]);
        cJSON_AddItemToObject(entry, KEEP[i], v ? cJSON_Duplicate(v, true) : cJSON_CreateNull());
    }
    return entry;
}

// Adds "top" (the best `size` ranked rows, best first) and "bottom" (the worst
// `size` ranked rows not already in top, worst first) to body. Rows without a
// composite (no rank) are on neither list.
static void add_lists(cJSON *body, const cJSON *rows, int size)
{
    int ranked = 0;
    for (const cJSON *r = rows->child; r != NULL; r = r->next) {
        const cJSON *rank = cJSON_GetObjectItemCaseSensitive(r, "rank"); // raw when known
        ranked += rank != NULL && !cJSON_IsNull(rank);
    }
    int top = ranked < size ? ranked : size;
    int bottom = ranked - top < size ? ranked - top : size;
    cJSON *best = cJSON_AddArrayToObject(body, "top");
    cJSON *worst = cJSON_AddArrayToObject(body, "bottom");
    for (int i = 0; i < top; i++)
        cJSON_AddItemToArray(best, list_entry(cJSON_GetArrayItem(rows, i)));
    for (int i = ranked - 1; i >= ranked - bottom; i--)
        cJSON_AddItemToArray(worst, list_entry(cJSON_GetArrayItem(rows, i)));
}

// The canonical body of a month and group as of now: the whole city's table,
// the configuration used and the two lists, printed without spaces in a fixed
// member order. Returns malloc'd text (caller frees), or NULL with *rc set.
static char *snapshot_body(struct store *store, const struct honours_month *m,
                           enum assessment_group group, int64_t now, int *rc)
{
    struct assessment_config config;
    *rc = honours_settings_load(store, &config);
    if (*rc != STORE_OK)
        return NULL;
    struct arena *arena = arena_create();
    if (arena == NULL) {
        *rc = STORE_ERROR;
        return NULL;
    }
    struct jurisdiction city;
    jurisdiction_init_everywhere(&city);
    cJSON *rows =
        assessment_table_rows(arena, store, &city, group, m->from, m->to, now, &config, rc);
    arena_destroy(arena);
    if (rows == NULL)
        return NULL;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "period", m->name);
    cJSON_AddStringToObject(body, "group", assessment_group_name(group));
    json_add_int(body, "from_ms", m->from);
    json_add_int(body, "to_ms", m->to);
    json_add_int(body, "computed_at", now);
    json_add_int(body, "honours_size", config.honours_size);
    assessment_config_json(&config, group, body);
    add_lists(body, rows, config.honours_size);
    cJSON_AddItemToObject(body, "rows", rows);
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    *rc = text != NULL ? STORE_OK : STORE_ERROR;
    return text;
}

// Computes and publishes a snapshot. Returns what store_snapshot_publish does,
// with the new id in *id.
int honours_publish(struct store *store, const struct honours_publication *p, int64_t now,
                    int64_t *id)
{
    int rc;
    char *body = snapshot_body(store, p->month, p->group, now, &rc);
    if (body == NULL)
        return rc;
    struct store_snapshot_new in = {
        .period = p->month->name,
        .group = assessment_group_name(p->group),
        .supersedes_id = p->supersedes_id,
        .reason = p->reason,
        .body = body,
        .created_at = now,
        .actor_user_id = p->actor_user_id,
        .actor_role = p->actor_role,
        .actor_name = p->actor_name,
    };
    int revision;
    rc = store_snapshot_publish(store, &in, id, &revision);
    free(body);
    return rc;
}

int honours_freeze_due(struct store *store, int64_t now)
{
    struct worktime_calendar *cal = malloc(sizeof *cal);
    if (cal == NULL || store_calendar_load(store, cal) != STORE_OK) {
        free(cal);
        return -1;
    }
    int today = worktime_local_date(cal, now);
    int year = today / 10000, month = today / 100 % 100 - 1;
    if (month == 0) {
        year--;
        month = 12;
    }
    struct honours_month m;
    honours_month_of(cal, year, month, &m);
    free(cal);
    int frozen = 0, published = 0;
    if (store_snapshot_frozen_groups(store, m.name, &frozen) != STORE_OK)
        return -1;
    for (int g = 0; frozen < ASSESSMENT_GROUP_COUNT && g < ASSESSMENT_GROUP_COUNT; g++) {
        struct honours_publication p = {&m, g, 0, "", 0, "system", "system"};
        int64_t id;
        int rc = honours_publish(store, &p, now, &id);
        if (rc == STORE_OK) {
            published++;
            log_info("honours: froze %s %s as snapshot %lld", m.name, assessment_group_name(g),
                     (long long)id);
        } else if (rc != STORE_CONFLICT) // frozen before: nothing to do
            return -1;
    }
    return published;
}
