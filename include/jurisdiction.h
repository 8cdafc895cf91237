// SPDX-License-Identifier: MIT
// Jurisdiction: what a signed-in user may see and act on, as one value built at
// authentication, and the only code that reads place paths. Places carry
// materialised id paths ("/1/4/9/": the ids from the city down); a jurisdiction
// is the inside of one place, and the store filters by its half-open key range.
// Pure: no I/O, no allocation, no global state.
#ifndef CHENGGUAN_JURISDICTION_H
#define CHENGGUAN_JURISDICTION_H

#include "roles.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JURISDICTION_PATH_MAX  128 // bytes of a place path, NUL included
#define JURISDICTION_DEPTH_MAX 8   // places on a path (city, district, street, community)

enum jurisdiction_extent {
    JURISDICTION_NOWHERE,    // covers no place (a malformed path: fail closed)
    JURISDICTION_PLACE,      // the inside of place_path
    JURISDICTION_EVERYWHERE, // every place (the program itself: command line, seeds)
};

// Built once per request (jurisdiction_init) and read through the functions
// below; callers never compare its path themselves.
struct jurisdiction {
    enum role role;
    int64_t user_id;
    int64_t org_unit_id;
    // The department role: its own org unit, the only cases it reads are the ones
    // dispatched to it. 0 for every other role.
    int64_t department_id;
    enum jurisdiction_extent extent;
    // The place whose inside the user may see: their own org unit, or for a
    // department the place it belongs to. "" unless extent is JURISDICTION_PLACE.
    char place_path[JURISDICTION_PATH_MAX];
    int64_t chain[JURISDICTION_DEPTH_MAX]; // the ids of place_path, city first
    size_t chain_len;
};

// A half-open key range of place paths, [lo, hi): every path with the prefix P
// lies in [P, P with its last '/' replaced by '0'), so the store can filter
// with "path >= lo AND path < hi" on an index. lo == hi is the empty range.
struct jurisdiction_range {
    char lo[JURISDICTION_PATH_MAX];
    char hi[JURISDICTION_PATH_MAX];
};

// True when path is a well-formed place path: "/" (the root) or "/" followed by
// one or more "<decimal id>/" (ids without leading zeros, not 0), shorter than
// JURISDICTION_PATH_MAX and at most JURISDICTION_DEPTH_MAX ids deep. NULL and ""
// give false.
bool jurisdiction_path_valid(const char *path);

// Fills *out with the key range of the paths inside path (path itself included)
// and returns true; for a path that is not valid (jurisdiction_path_valid) fills
// the empty range and returns false.
bool jurisdiction_path_range(const char *path, struct jurisdiction_range *out);

// True when path lies in the range (byte order, as the store's BINARY
// collation). NULL path or range gives false.
bool jurisdiction_range_holds(const struct jurisdiction_range *range, const char *path);

// Builds the jurisdiction of a user with this role, id and org unit whose place
// path (for a department: the path of the place it belongs to) is place_path.
// Returns true; or, when place_path is not valid (NULL and "" included), builds
// one that covers no place (a department still reads its dispatched cases) and
// returns false.
bool jurisdiction_init(struct jurisdiction *out, enum role role, int64_t user_id,
                       int64_t org_unit_id, const char *place_path);

// Builds the jurisdiction of the program itself (ROLE_SYSTEM): every place.
// For the command line, seeds and the public map, never for a signed-in user.
void jurisdiction_init_everywhere(struct jurisdiction *out);

// True when j covers every place (jurisdiction_init_everywhere).
bool jurisdiction_is_everywhere(const struct jurisdiction *j);

// The path of the place whose inside j covers, e.g. to file a case nobody can
// place inside the filer's own jurisdiction. NULL for an everywhere or nowhere
// jurisdiction (and NULL j). Valid as long as *j.
const char *jurisdiction_place_path(const struct jurisdiction *j);

// True when j may act on the place with this path: an org unit (its own path), a
// grid cell (its community's path) or a case's place_path. Inside means equal
// to or below j's place; /1/4/ holds /1/4/9/ but not /1/40/. An everywhere
// jurisdiction holds every valid path and the empty one. NULL gives false.
bool jurisdiction_covers_path(const struct jurisdiction *j, const char *path);

// True when j may read the case dispatched to department_id (0: none) whose
// place is place_path: a department only cases dispatched to it, everyone else
// cases whose place j covers. NULL j gives false.
bool jurisdiction_may_read_case(const struct jurisdiction *j, int64_t department_id,
                                const char *place_path);

// True when j may file a case located in the place place_path (NULL: the point
// lies in no cell, or no point was given). Inspectors report on patrol in their
// own jurisdiction only: a cell outside it is refused, while a point in no cell
// is allowed (the case is filed unplaced inside the inspector's own
// jurisdiction and a supervisor there places it). Other roles take calls and
// reports about any place. NULL j gives false.
bool jurisdiction_may_file_at(const struct jurisdiction *j, const char *place_path);

// True when j may use (see, dispatch to) the department that belongs to the place
// parent_path: one of a place inside j, or of j's own place or a place above it
// (a street supervisor dispatches to the district's departments, not to another
// street's office). NULL gives false.
bool jurisdiction_may_use_department(const struct jurisdiction *j, const char *parent_path);

// The key range of the place paths j covers (jurisdiction_covers_path): for org
// units, grid cells (by community path) and users (by their place). Everywhere
// is ["", "0"), which holds every valid path and the empty one; nowhere and NULL
// j the empty range.
void jurisdiction_place_range(const struct jurisdiction *j, struct jurisdiction_range *out);

// How the store filters cases for j: a department reads by dispatch, so this
// returns its id (> 0) and the caller filters on department_id; otherwise 0 and
// the caller filters on jurisdiction_case_range.
int64_t jurisdiction_case_department(const struct jurisdiction *j);

// The key range of the place_path of the cases j reads by place: the place range,
// except for a department (which reads by dispatch, jurisdiction_case_department):
// the empty range, so place-based counts of a department count nothing.
void jurisdiction_case_range(const struct jurisdiction *j, struct jurisdiction_range *out);

// Copies the ids of j's place and of every place above it, city first, into ids
// and returns their number (0 for everywhere, nowhere and NULL j). The store
// lists the departments of these places besides those inside the range
// (jurisdiction_may_use_department).
size_t jurisdiction_place_chain(const struct jurisdiction *j, int64_t ids[JURISDICTION_DEPTH_MAX]);

#endif
