// SPDX-License-Identifier: MIT
// Inspector points (积分): for a month or a date range, each inspector's count
// of every item (valid and invalid reports, verifications and checks on time
// and late), the points each earns under the settings, the total and the rank,
// read from the same facts as the assessment in one pass. Leaders, supervisors
// and admins read their jurisdiction's inspectors; an inspector reads their own
// row, ranked among the inspectors of their own org unit.
#include "api_assessment.h"

#include "arena.h"
#include "errors.h"
#include "json.h"
#include "request.h"
#include "roles.h"

#include <stdlib.h>
#include <string.h>

// Highest total first; then by username.
static int by_total(const void *a, const void *b)
{
    const struct assessment_points_row *x = a, *y = b;
    if (x->points.total != y->points.total)
        return x->points.total > y->points.total ? -1 : 1;
    return strcmp(x->row->code, y->row->code);
}

static cJSON *points_row_json(const struct assessment_points_row *p)
{
    cJSON *obj = cJSON_CreateObject();
    json_add_int(obj, "id", p->row->id);
    cJSON_AddStringToObject(obj, "username", p->row->code);
    cJSON_AddStringToObject(obj, "name", p->row->name);
    json_add_int(obj, "org_unit_id", p->row->unit_id);
    cJSON_AddStringToObject(obj, "org_unit", p->row->unit_name);
    cJSON *counts = cJSON_AddObjectToObject(obj, "counts");
    cJSON *points = cJSON_AddObjectToObject(obj, "points");
    for (int i = 0; i < ASSESSMENT_POINT_ITEMS; i++) {
        json_add_int(counts, assessment_point_item_name(i), p->points.count[i]);
        json_add_int(points, assessment_point_item_name(i), p->points.points[i]);
    }
    json_add_int(obj, "total", p->points.total);
    json_add_int(obj, "rank", p->rank);
    return obj;
}

int assessment_points_rows(struct request *req, const struct assessment_table *t,
                           const struct assessment_config *config,
                           struct assessment_points_row **out, size_t *count)
{
    struct assessment_points_row *rows =
        arena_alloc(req->arena, (t->count ? t->count : 1) * sizeof *rows);
    if (rows == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    for (size_t i = 0; i < t->count; i++) {
        rows[i] = (struct assessment_points_row){.row = &t->rows[i]};
        assessment_points(config, &t->rows[i].counts, &rows[i].points);
    }
    if (t->count > 0)
        qsort(rows, t->count, sizeof *rows, by_total);
    // Equal totals share a rank; the next rank counts them (1, 1, 3).
    for (size_t i = 0; i < t->count; i++)
        rows[i].rank = i > 0 && rows[i].points.total == rows[i - 1].points.total ? rows[i - 1].rank
                                                                                 : (int)i + 1;
    // An inspector sees their own row only.
    size_t kept = t->count;
    if (req->user->role == ROLE_INSPECTOR) {
        kept = 0;
        for (size_t i = 0; i < t->count; i++)
            if (rows[i].row->id == req->user->id)
                rows[kept++] = rows[i];
    }
    *out = rows;
    *count = kept;
    return 0;
}

int api_assessment_points(struct request *req)
{
    enum export_format format;
    bool exported = false;
    int status = assessment_export_format(req, &format, &exported);
    struct assessment_period period;
    struct assessment_config config;
    struct assessment_table t;
    if (status == 0)
        status = assessment_table_build(req, ASSESSMENT_INSPECTOR, &period, &config, &t);
    struct assessment_points_row *rows = NULL;
    size_t count = 0;
    if (status == 0)
        status = assessment_points_rows(req, &t, &config, &rows, &count);
    if (status != 0)
        return status;
    if (exported)
        return assessment_points_export(req, format, rows, count, &period);
    cJSON *body = request_json_object(req);
    assessment_period_json(body, &period);
    assessment_points_json(&config, body);
    cJSON *list = cJSON_AddArrayToObject(body, "rows");
    for (size_t i = 0; i < count; i++)
        cJSON_AddItemToArray(list, points_row_json(&rows[i]));
    return request_reply_json(req, 200, body);
}
