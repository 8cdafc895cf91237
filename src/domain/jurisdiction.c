// SPDX-License-Identifier: MIT
// Jurisdiction: the user's place (a materialised id path such as "/1/4/9/"), its
// half-open key range for the store, and every check of "may this caller see or
// act on that" (cases, places, departments, intake points). The only code that
// looks inside place paths.
#include "jurisdiction.h"

#include <stdlib.h>
#include <string.h>

// Longest id of a path segment: 18 decimal digits always fit in an int64_t.
#define SEGMENT_DIGITS_MAX 18

// Parses a path into its ids (ids may be NULL). Returns the number of ids, or -1
// when the path is not well formed (see jurisdiction_path_valid).
static int parse_path(const char *path, int64_t ids[JURISDICTION_DEPTH_MAX])
{
    if (path == NULL || path[0] != '/' ||
        strnlen(path, JURISDICTION_PATH_MAX) >= JURISDICTION_PATH_MAX)
        return -1;
    int depth = 0;
    const char *p = path + 1;
    while (*p != '\0') {
        if (*p < '1' || *p > '9' || depth == JURISDICTION_DEPTH_MAX)
            return -1;
        const char *start = p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p != '/' || p - start > SEGMENT_DIGITS_MAX)
            return -1;
        if (ids != NULL)
            ids[depth] = strtoll(start, NULL, 10);
        depth++;
        p++;
    }
    return depth;
}

static void empty_range(struct jurisdiction_range *out)
{
    out->lo[0] = '\0';
    out->hi[0] = '\0';
}

bool jurisdiction_path_valid(const char *path)
{
    return parse_path(path, NULL) >= 0;
}

bool jurisdiction_path_range(const char *path, struct jurisdiction_range *out)
{
    if (!jurisdiction_path_valid(path)) {
        empty_range(out);
        return false;
    }
    size_t len = strlen(path);
    memcpy(out->lo, path, len + 1);
    memcpy(out->hi, path, len + 1);
    out->hi[len - 1] = '0'; // '0' is the byte after '/'
    return true;
}

bool jurisdiction_range_holds(const struct jurisdiction_range *range, const char *path)
{
    return range != NULL && path != NULL && strcmp(path, range->lo) >= 0 &&
           strcmp(path, range->hi) < 0;
}

bool jurisdiction_init(struct jurisdiction *out, enum role role, int64_t user_id,
                       int64_t org_unit_id, const char *place_path)
{
    memset(out, 0, sizeof *out);
    out->role = role;
    out->user_id = user_id;
    out->org_unit_id = org_unit_id;
    out->department_id = role == ROLE_DEPARTMENT ? org_unit_id : 0;
    int depth = parse_path(place_path, out->chain);
    if (depth < 0) {
        memset(out->chain, 0, sizeof out->chain);
        out->extent = JURISDICTION_NOWHERE;
        return false;
    }
    out->extent = JURISDICTION_PLACE;
    out->chain_len = (size_t)depth;
    memcpy(out->place_path, place_path, strlen(place_path) + 1);
    return true;
}

void jurisdiction_init_everywhere(struct jurisdiction *out)
{
    memset(out, 0, sizeof *out);
    out->role = ROLE_SYSTEM;
    out->extent = JURISDICTION_EVERYWHERE;
}

bool jurisdiction_is_everywhere(const struct jurisdiction *j)
{
    return j != NULL && j->extent == JURISDICTION_EVERYWHERE;
}

const char *jurisdiction_place_path(const struct jurisdiction *j)
{
    return j != NULL && j->extent == JURISDICTION_PLACE ? j->place_path : NULL;
}

void jurisdiction_place_range(const struct jurisdiction *j, struct jurisdiction_range *out)
{
    if (j != NULL && j->extent == JURISDICTION_EVERYWHERE) {
        out->lo[0] = '\0';
        memcpy(out->hi, "0", 2); // above "/" and everything starting with it
    } else if (j != NULL && j->extent == JURISDICTION_PLACE) {
        jurisdiction_path_range(j->place_path, out);
    } else {
        empty_range(out);
    }
}

bool jurisdiction_covers_path(const struct jurisdiction *j, const char *path)
{
    struct jurisdiction_range range;
    jurisdiction_place_range(j, &range);
    return jurisdiction_range_holds(&range, path);
}

bool jurisdiction_may_read_case(const struct jurisdiction *j, int64_t department_id,
                                const char *place_path)
{
    if (j == NULL)
        return false;
    if (j->role == ROLE_DEPARTMENT)
        return j->department_id > 0 && department_id == j->department_id;
    return jurisdiction_covers_path(j, place_path);
}

bool jurisdiction_may_file_at(const struct jurisdiction *j, const char *place_path)
{
    if (j == NULL)
        return false;
    if (j->role != ROLE_INSPECTOR || place_path == NULL)
        return true;
    return jurisdiction_covers_path(j, place_path);
}

bool jurisdiction_may_use_department(const struct jurisdiction *j, const char *parent_path)
{
    if (j == NULL || !jurisdiction_path_valid(parent_path))
        return false;
    if (jurisdiction_covers_path(j, parent_path))
        return true;
    // The parent is j's own place or above it: j's path lies inside the parent's.
    struct jurisdiction_range above;
    jurisdiction_path_range(parent_path, &above);
    return j->extent == JURISDICTION_PLACE && jurisdiction_range_holds(&above, j->place_path);
}

int64_t jurisdiction_case_department(const struct jurisdiction *j)
{
    return j != NULL && j->role == ROLE_DEPARTMENT ? j->department_id : 0;
}

void jurisdiction_case_range(const struct jurisdiction *j, struct jurisdiction_range *out)
{
    if (j == NULL || j->role == ROLE_DEPARTMENT)
        empty_range(out);
    else
        jurisdiction_place_range(j, out);
}

size_t jurisdiction_place_chain(const struct jurisdiction *j, int64_t ids[JURISDICTION_DEPTH_MAX])
{
    if (j == NULL || j->extent != JURISDICTION_PLACE)
        return 0;
    memcpy(ids, j->chain, j->chain_len * sizeof ids[0]);
    return j->chain_len;
}
