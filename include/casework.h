// SPDX-License-Identifier: MIT
// The rules of a case, as one pure function: given the case, an action, the
// actor, the time, the calendar and the category's limits, casework_apply returns
// the new case, the facts of its event and the stage records it opens and closes
// (start, deadline, end, elapsed working or wall time, paused time, on time or
// late). The requirement checks (notes, photos of this round, fields), the
// department that may take a dispatch, the rating -> reopen decision and the codes
// of the public timeline live here. No I/O, no allocation, no globals: the store
// loads what is asked for, calls casework_apply, then saves and appends.
#ifndef CHENGGUAN_CASEWORK_H
#define CHENGGUAN_CASEWORK_H

#include "casefsm.h"
#include "roles.h"
#include "worktime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CASEWORK_PHASES_MAX     4  // phases of one multi-phase handling limit
#define CASEWORK_OPEN_MAX       12 // open stage records of one case at once
#define CASEWORK_NEW_MAX        8  // records one action may open
#define CASEWORK_ARRIVE_MINUTES 30 // urgent cases: on site within half an hour (wall clock)
#define CASEWORK_CODE_MAX       16 // phase codes: [a-z_], at most 15 characters

// The stages a case is timed through. A record is one pass through one stage;
// several run at once after a dispatch (sign, arrive, handle and its phases).
enum casework_stage {
    CASEWORK_STAGE_FILE,     // file     立案: reported until the centre files or rejects it
    CASEWORK_STAGE_VERIFY,   // verify   核实: an inspector confirms on site
    CASEWORK_STAGE_DISPATCH, // dispatch 派遣: filed until sent to a department
    CASEWORK_STAGE_SIGN,     // sign     签收: dispatched until the department signs
    CASEWORK_STAGE_ARRIVE,   // arrive   到场: urgent cases, dispatched until on site
    CASEWORK_STAGE_HANDLE,   // handle   处置: dispatched until reported fixed
    CASEWORK_STAGE_PHASE,    // phase    阶段: one phase of a multi-phase handling limit
    CASEWORK_STAGE_CHECK,    // check    核查: reported fixed until the inspector checks
    CASEWORK_STAGE_CLOSE,    // close    结案: checked until closed
    CASEWORK_STAGE_COUNT
};

// How a stage record ended.
enum casework_verdict {
    CASEWORK_RUNNING, // still open
    CASEWORK_ON_TIME, // ended at or before its deadline
    CASEWORK_LATE,    // ended after its deadline
    CASEWORK_VOID,    // ended without a verdict: a recall or an approved return took the
                      // dispatch back (a merge is a decision, judged like the others)
};

// A time limit: an amount of minutes in a unit (working minutes for work_hours and
// work_days, wall minutes for urgent_hours). 0 minutes: no limit configured.
struct casework_limit {
    enum worktime_unit unit;
    int64_t minutes;
};

// One phase of a multi-phase handling limit (illegal structure: stop, then
// demolish; burst main: cordon, repair, restore), each counted from the dispatch.
struct casework_phase {
    char code[CASEWORK_CODE_MAX];
    struct casework_limit limit;
};

// The limits of the category that applies to the action (for accept, the one
// being filed). Stages without a configured limit use casework_default_limit.
struct casework_limits {
    bool urgent; // an urgent subclass (突发事件...): its cases are urgent, whatever the intake said
    struct casework_limit stage[CASEWORK_STAGE_COUNT];
    int phase_count;
    struct casework_phase phases[CASEWORK_PHASES_MAX];
};

// One stored stage record (a row of the store's stage table).
struct casework_stage_record {
    int64_t id; // 0 until the store saved it
    enum casework_stage stage;
    char phase[CASEWORK_CODE_MAX]; // CASEWORK_STAGE_PHASE: the phase code; else ""
    int round;                     // 1 + the reopens before the stage started
    int attempt;                   // 1 + the reworks before it started (handle, sign, check)
    enum worktime_unit unit;
    int64_t limit_ms;     // allowance in the unit's ms (worktime_elapsed_ms), extensions in
    int64_t started_at;   // when the stage began
    int64_t deadline;     // when it is due; 0 while paused
    int64_t warn_at;      // when it turns yellow (casework_stage_warn_at); 0 while paused or ended
    int64_t run_from;     // when its clock last started running (start or resume)
    int64_t elapsed_ms;   // time used in the unit's sense before run_from (pauses excluded)
    int64_t paused_ms;    // wall time spent suspended
    int64_t paused_at;    // while suspended: since when; else 0
    int64_t remaining_ms; // while suspended: what was left, in the unit's ms
    int64_t ended_at;     // 0 while running
    enum casework_verdict verdict;
    char outcome[24]; // the action that ended it ("handle", "recall", ...)
    int64_t unit_id;  // the responsible org unit (the department once dispatched)
    int64_t ended_by; // the user whose action ended it (0: the system)
    bool changed;     // set by casework_apply when the store must write the record
};

// The workflow facts of a case that the rules read and change.
struct casework_case {
    int64_t id;
    enum casefsm_state state;
    enum casefsm_pending pending;
    int pending_amount;
    int64_t version;
    int64_t category_id; // 0: none
    bool urgent;
    int64_t department_id;                        // 0: none
    int64_t community_id, street_id, district_id; // 0: unplaced
    bool verified, self_handled;
    int rework_count, reopen_count, supervise_count, extension_count, return_count;
    int64_t merged_into;
    int64_t created_at, closed_at, handled_at;
    int64_t filed_at; // when it was filed (立案: accepted, or fixed on the spot); 0 before
    int64_t handling_deadline; // the current round's handling deadline; 0 before dispatch
    // The clock shown on the case: the main stage of its state and its figures.
    enum casework_stage clock_stage; // CASEWORK_STAGE_COUNT when none runs
    int64_t clock_started_at;
    enum worktime_unit clock_unit;
    int64_t clock_limit_ms;
    int64_t clock_deadline;     // 0 while paused or when none runs
    int64_t clock_remaining_ms; // while suspended
};

// A photo on the case, as the evidence rules see it.
struct casework_photo {
    const char *stage; // report, before, after, verify, check, arrive, progress
    int64_t created_at;
};

// A department as the dispatch rule sees it.
struct casework_department {
    int64_t id;
    bool is_department; // the org unit exists and is a department
    int64_t parent_id;  // the place it belongs to
    enum {
        CASEWORK_SERVES_STREET,   // a street's office or department: that street only
        CASEWORK_SERVES_DISTRICT, // a district's department: the whole district
        CASEWORK_SERVES_CITY,     // a city's department: every district
    } serves;
};

// Everything an action brings besides the case.
struct casework_request {
    enum casefsm_action action;
    enum role role;        // one role bit; ROLE_SYSTEM for the program itself
    int64_t actor_user_id; // 0 for the system
    int64_t now;           // ms since the epoch
    const struct worktime_calendar *calendar;
    const struct casework_limits *limits;         // of the category that applies (NULL: defaults)
    const char *note;                             // reason or result; NULL or blank when none
    int64_t department_id;                        // dispatch
    const struct casework_department *department; // dispatch: the one named (NULL: unknown)
    int64_t category_id;                          // accept: 0 keeps the case's
    bool category_valid;                          // accept: category_id names an active subclass
    int urgent;                                   // accept: -1 keeps, 0 or 1 sets
    int64_t target_case_id;                       // merge
    bool target_open;                             // merge: the target exists, is visible and open
    int amount;                                   // request-extension: extra hours or days
    const char *phase;                            // phase: the code of the phase done
    const struct casework_photo *photos;          // every photo on the case
    size_t photo_count;
    int64_t reopen_window_ms; // reopen: how long after closing a case may be reopened
};

// Why casework_apply refused. The status is what the API answers.
enum casework_error {
    CASEWORK_OK,
    CASEWORK_ERR_UNKNOWN_ACTION, // 404
    CASEWORK_ERR_ROLE,           // 403: the role may never take the action
    CASEWORK_ERR_STATE,          // 409 illegal_transition: not from this state or pending
    CASEWORK_ERR_MISSING,        // 422 missing_field: a required input is absent
    CASEWORK_ERR_INVALID,        // 422 invalid_field: an input is not acceptable
};

// The result of an action.
struct casework_result {
    enum casework_error error;
    const char *field; // the input to blame (static string), or NULL
    char message[200]; // English, for the error envelope
    struct casework_case next;
    enum casefsm_state from;
    const char *pending_note; // store this as the pending note; NULL keeps it ("" clears)
    const char *public_code;  // the public timeline's code of the event; NULL: internal
    // Stage records: the open records given to casework_apply, updated in place
    // (changed set on those to write), and the records the action opens.
    struct casework_stage_record opened[CASEWORK_NEW_MAX];
    int opened_count;
};

// Applies one action to a case. `open` holds the case's running stage records
// (open_count of them, at most CASEWORK_OPEN_MAX); the ones the action ends or
// changes are updated in place with `changed` set, new ones go to out->opened.
// Returns out->error; on an error nothing in `open` is changed and out->next equals
// the case. A version check is the caller's: casework judges the case it is given.
enum casework_error casework_apply(const struct casework_case *c, const struct casework_request *r,
                                   struct casework_stage_record *open, int open_count,
                                   struct casework_result *out);

// The first of casework_apply's checks alone: may r->role take r->action on a
// case in c's state and pending request (and, for reopen, still inside the
// window)? Reads only c->state, c->pending and c->closed_at, so a caller can
// answer 403 or 409 before anything else. Fills out->error and message.
enum casework_error casework_check_allowed(const struct casework_case *c,
                                           const struct casework_request *r,
                                           struct casework_result *out);

// The evidence an intake must carry: a problem fixed on the spot (self_handled)
// is filed with at least one "before" and one "after" photo. Returns CASEWORK_OK,
// or CASEWORK_ERR_MISSING with out->field "photos" and the message.
enum casework_error casework_intake_check(bool self_handled, const struct casework_photo *photos,
                                          size_t photo_count, struct casework_result *out);

// The stage records a new case starts with (a reported case: file) in out->opened,
// with out->next the case as filed. A case fixed on the spot starts closed with no
// stage running. `c` holds the intake's facts (state reported or closed).
void casework_intake(const struct casework_case *c, const struct casework_limits *limits,
                     const struct worktime_calendar *calendar, int64_t now,
                     struct casework_result *out);

// What a citizen's rating does: true when it reopens the case (unsatisfied, the
// case closed, and now within window_ms of closing).
bool casework_rating_reopens(const char *rating, enum casefsm_state state, int64_t closed_at,
                             int64_t now, int64_t window_ms);

// The public timeline code of a rating ("rated_satisfied"...), NULL for an
// unknown rating.
const char *casework_rating_code(const char *rating);

// The limit used when a category names none: file 1, verify 2, dispatch 1, sign
// 1, handle 8, check 4, close 2 working hours; arrive 30 wall minutes; a phase has
// none of its own.
struct casework_limit casework_default_limit(enum casework_stage stage);

// The limit a stage of a case counts against: an urgent case counts every hour
// limit round the clock (work_hours become urgent_hours); limits in working days
// stay working days (the restore phase of a burst main).
struct casework_limit casework_effective_limit(struct casework_limit limit, bool urgent);

// The stage a state is timed against ("the clock" of a case): file (reported),
// verify, dispatch (accepted), handle (dispatched, processing, suspended), check
// (handled), close (checked); CASEWORK_STAGE_COUNT for closed and final states.
enum casework_stage casework_clock_stage(enum casefsm_state state);

// Names of stages and verdicts for the store and the API ("handle", "on_time").
// Static strings; NULL out of range.
const char *casework_stage_name(enum casework_stage stage);
const char *casework_verdict_name(enum casework_verdict verdict);

// Looks a stage name up; -1 for an unknown name or NULL.
int casework_stage_from_name(const char *name);

// Closes a record at `at` as casework_apply does: elapsed time, verdict against the
// deadline (VOID when void is true), outcome, who ended it. Exposed for tests and
// for the store's view of a running record.
void casework_stage_end(struct casework_stage_record *record,
                        const struct worktime_calendar *calendar, int64_t at, const char *outcome,
                        int64_t ended_by, bool void_verdict);

// When a running record turns yellow: the moment 80% of its limit is used
// (pauses excluded, in the unit's sense, to the minute), never after its
// deadline; 0 for a paused or ended record. casework_apply keeps each record's
// warn_at equal to this whenever it opens, pauses, resumes, extends or ends it.
int64_t casework_stage_warn_at(const struct casework_stage_record *record,
                               const struct worktime_calendar *calendar);

// Time used by a record up to `at` (or its end), in the unit's ms, pauses
// excluded.
int64_t casework_stage_elapsed(const struct casework_stage_record *record,
                               const struct worktime_calendar *calendar, int64_t at);

// The public timeline code of an action's event (NULL: the event stays internal).
// For approve, the code depends on the request approved.
const char *casework_public_code(enum casefsm_action action, enum casefsm_pending approved);

// What the caller must supply for an action on a case in its present state: the
// casefsm requirements plus the photo stage the evidence must come from (NULL for
// none) and, for phase, the codes still open. Fills need and photo_stage.
void casework_needs(const struct casework_case *c, enum casefsm_action action, unsigned *need,
                    const char **photo_stage);

#endif
