// SPDX-License-Identifier: MIT
// The case state machine (src/domain/README.md, "The case state machine"): states,
// pending requests, actions, and one table saying which role may take which action
// in which state, what the case becomes and what the caller must supply and do.
// Pure: no I/O, no allocation, no mutable state; safe from any thread.
#ifndef CHENGGUAN_CASEFSM_H
#define CHENGGUAN_CASEFSM_H

#include <stdbool.h>

#include "roles.h"

// Case states. The values are stable within one build only; store and send the names.
enum casefsm_state {
    CASEFSM_STATE_REPORTED,   // reported   待受理: new, awaiting the centre's decision
    CASEFSM_STATE_VERIFYING,  // verifying  核实中: an inspector confirms on site
    CASEFSM_STATE_ACCEPTED,   // accepted   已立案: filed, awaiting dispatch
    CASEFSM_STATE_DISPATCHED, // dispatched 已派遣: sent to a department, not yet signed
    CASEFSM_STATE_PROCESSING, // processing 处置中: the department signed and works on it
    CASEFSM_STATE_SUSPENDED,  // suspended  挂账:   paused with approval, clock stopped
    CASEFSM_STATE_HANDLED,    // handled    待核查: reported fixed, awaiting the check
    CASEFSM_STATE_CHECKED,    // checked    待结案: the fix is confirmed, awaiting closure
    CASEFSM_STATE_CLOSED,     // closed     已结案: done, but may be reopened
    CASEFSM_STATE_REJECTED,   // rejected   不予立案: not filed; final
    CASEFSM_STATE_MERGED,     // merged     已合并: a duplicate of another case; final
    CASEFSM_STATE_COUNT
};

// The request a department has asked for and the supervisor has not yet answered.
// A case carries at most one; only a dispatched or processing case can carry one.
enum casefsm_pending {
    CASEFSM_PENDING_NONE,       // none
    CASEFSM_PENDING_RETURN,     // return     回退: wrong department, back to accepted
    CASEFSM_PENDING_EXTENSION,  // extension  延期: more time
    CASEFSM_PENDING_SUSPENSION, // suspension 挂账: stop the clock
    CASEFSM_PENDING_COUNT
};

// Actions, one per POST /api/v1/cases/:id/:action; names are the API's.
enum casefsm_action {
    CASEFSM_ACTION_VERIFY,             // verify
    CASEFSM_ACTION_CONFIRM,            // confirm
    CASEFSM_ACTION_DENY,               // deny
    CASEFSM_ACTION_ACCEPT,             // accept
    CASEFSM_ACTION_REJECT,             // reject
    CASEFSM_ACTION_MERGE,              // merge
    CASEFSM_ACTION_DISPATCH,           // dispatch
    CASEFSM_ACTION_SIGN,               // sign
    CASEFSM_ACTION_REQUEST_RETURN,     // request-return
    CASEFSM_ACTION_REQUEST_EXTENSION,  // request-extension
    CASEFSM_ACTION_REQUEST_SUSPENSION, // request-suspension
    CASEFSM_ACTION_APPROVE,            // approve
    CASEFSM_ACTION_REFUSE,             // refuse
    CASEFSM_ACTION_RESUME,             // resume
    CASEFSM_ACTION_HANDLE,             // handle
    CASEFSM_ACTION_CHECK_PASS,         // check-pass
    CASEFSM_ACTION_CHECK_FAIL,         // check-fail
    CASEFSM_ACTION_CLOSE,              // close
    CASEFSM_ACTION_REOPEN,             // reopen
    CASEFSM_ACTION_SUPERVISE,          // supervise
    CASEFSM_ACTION_ARRIVE,             // arrive: on site (urgent cases, timed from dispatch)
    CASEFSM_ACTION_PHASE,              // phase: one phase of a multi-phase limit done
    CASEFSM_ACTION_RECALL,             // recall: the centre takes a dispatch back before signing
    CASEFSM_ACTION_COUNT
};

// What the caller must supply with an action (bit flags). The state machine does not
// see the request body; the caller checks these before it stores anything (422/400).
enum casefsm_requirement {
    CASEFSM_NEED_REASON = 1,      // a non-empty reason text
    CASEFSM_NEED_PHOTO = 2,       // at least one photo taken at this stage
    CASEFSM_NEED_AFTER_PHOTO = 4, // at least one "after" photo of the fix
    CASEFSM_NEED_DEPARTMENT = 8,  // the department the case goes to
    CASEFSM_NEED_TARGET = 16,     // the case this one merges into (open, not itself)
    CASEFSM_NEED_CATEGORY = 32,   // the case must end up with a category: supplied with
                                  // the action, or already on the case
    CASEFSM_NEED_AMOUNT = 64,     // a positive amount of extra time (extension)
    CASEFSM_NEED_NOTE = 128,      // a non-empty note (result note, supervision notice)
    CASEFSM_NEED_PHASE = 256,     // the phase being reported done (its code)
};

// What the caller must do besides storing the new state and pending request (bit flags).
enum casefsm_effect {
    CASEFSM_EFFECT_VERIFIED = 1 << 0,             // mark the case verified on site
    CASEFSM_EFFECT_START_HANDLING_CLOCK = 1 << 1, // handling starts (again); a rework keeps
                                                  // the round's deadline (casework)
    CASEFSM_EFFECT_MOVE_DEADLINE = 1 << 2,        // add the requested extension
    CASEFSM_EFFECT_STOP_CLOCK = 1 << 3,           // pause; keep the remaining time
    CASEFSM_EFFECT_RESTART_CLOCK = 1 << 4,        // run again with the remaining time
    CASEFSM_EFFECT_END_HANDLING_CLOCK = 1 << 5,   // handling is over; judge it on time
    CASEFSM_EFFECT_REWORK = 1 << 6,               // count a rework (返工)
    CASEFSM_EFFECT_REOPEN = 1 << 7,               // count a reopen (重办)
    CASEFSM_EFFECT_SUPERVISED = 1 << 8,           // count a supervision notice (督办)
    CASEFSM_EFFECT_CLEAR_DEPARTMENT = 1 << 9,     // drop the department and its deadline
    CASEFSM_EFFECT_SET_PENDING = 1 << 10,         // store the request (reason, amount)
    CASEFSM_EFFECT_CLEAR_PENDING = 1 << 11,       // the request is answered
    CASEFSM_EFFECT_FINAL = 1 << 12,               // the case enters a final state
};

// Result of casefsm_apply. Errors map to HTTP as noted.
enum casefsm_verdict {
    CASEFSM_OK,
    CASEFSM_ERR_UNKNOWN_ACTION, // 404: no such action
    CASEFSM_ERR_ROLE,           // 403: this role may never take this action
    CASEFSM_ERR_STATE,          // 409: illegal transition from this state
    CASEFSM_ERR_PENDING,        // 409: needs, or conflicts with, a pending request
};

// The case after an allowed action.
struct casefsm_outcome {
    enum casefsm_state next;      // the new state (may equal the old one)
    enum casefsm_pending pending; // the pending request after the action
    unsigned effects;             // enum casefsm_effect flags
    unsigned requirements;        // enum casefsm_requirement flags (as casefsm_requirements)
};

// Decides whether `role` may take `action` on a case in (`state`, `pending`).
// `role` is one role bit; a mask of several is admitted if any of its roles is.
// Checks, in this order, and returns the first failure:
//   1. action out of range                                   -> CASEFSM_ERR_UNKNOWN_ACTION
//   2. the role may take this action in no state at all     -> CASEFSM_ERR_ROLE (403)
//   3. state out of range, or the role may take the action,
//      but not from this state                               -> CASEFSM_ERR_STATE (409)
//   4. the action needs a pending request and there is none
//      (or not the right kind), or it cannot be taken while
//      a request is pending; pending out of range            -> CASEFSM_ERR_PENDING (409)
// So a department trying to close is a 403, a supervisor closing an open case a 409.
// Only approve and refuse need a pending request; supervise, arrive and phase ignore
// it (reporting progress while a request waits is fine); every other action needs
// none. On CASEFSM_OK fills *out (if `out` is not NULL); on error
// leaves *out untouched.
enum casefsm_verdict casefsm_apply(enum casefsm_state state, enum casefsm_pending pending,
                                   enum casefsm_action action, enum role role,
                                   struct casefsm_outcome *out);

// Returns the enum casefsm_requirement flags the caller must supply with `action`;
// 0 for an action that needs nothing or is out of range.
unsigned casefsm_requirements(enum casefsm_action action);

// Returns the actions `role` may take now on a case in (`state`, `pending`), as a mask
// of (1u << action); exactly those for which casefsm_apply returns CASEFSM_OK.
// 0 for out-of-range input. For the UI's buttons.
unsigned casefsm_allowed_actions(enum casefsm_state state, enum casefsm_pending pending,
                                 enum role role);

// True for a state that is neither closed, rejected nor merged (and in range).
bool casefsm_state_is_open(enum casefsm_state state);

// True for rejected and merged: no action leads out of them.
bool casefsm_state_is_final(enum casefsm_state state);

// Name lookups, exact and case-sensitive ("reported", "request-return", "none").
// Return the enum value, or -1 for NULL or an unknown name.
int casefsm_state_from_name(const char *name);
int casefsm_pending_from_name(const char *name);
int casefsm_action_from_name(const char *name);

// Stable lowercase English names for the database and the API, Chinese names for the
// UI and logs. The strings are static; the caller must not free them. Return NULL for
// a value out of range.
const char *casefsm_state_name(enum casefsm_state state);
const char *casefsm_pending_name(enum casefsm_pending pending);
const char *casefsm_action_name(enum casefsm_action action);
const char *casefsm_state_name_zh(enum casefsm_state state);
const char *casefsm_action_name_zh(enum casefsm_action action);

#endif
