// SPDX-License-Identifier: MIT
// The case state machine: one table of transitions (who may take which action from
// which states and pending requests, and what follows), one table of per-action names
// and requirements, and the lookups over them. All policy is in the tables; the
// functions only read them.
#include "casefsm.h"

#include <stddef.h>
#include <string.h>

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

_Static_assert(CASEFSM_ACTION_COUNT <= 32, "casefsm_allowed_actions returns a 32-bit mask");
_Static_assert(CASEFSM_STATE_COUNT <= 32, "state sets are 32-bit masks");

// Sets of states and of pending requests as bit masks.
#define STATE(name)   (1u << CASEFSM_STATE_##name)
#define PENDING(name) (1u << CASEFSM_PENDING_##name)
#define OPEN_STATES                                                                                \
    (STATE(REPORTED) | STATE(VERIFYING) | STATE(ACCEPTED) | STATE(DISPATCHED) |                    \
     STATE(PROCESSING) | STATE(SUSPENDED) | STATE(HANDLED) | STATE(CHECKED))
#define WORKING_STATES (STATE(DISPATCHED) | STATE(PROCESSING))
#define ANY_REQUEST    (PENDING(RETURN) | PENDING(EXTENSION) | PENDING(SUSPENSION))
#define ANY_PENDING    (PENDING(NONE) | ANY_REQUEST)

// `next` and `pending_after` values meaning "as it was".
#define SAME_STATE   (-1)
#define SAME_PENDING (-1)

// One row: `action` taken by one of `roles` on a case whose state is in `from` and
// whose pending request is in `pending_in` leads to `next` (or SAME_STATE) with the
// pending request `pending_after` (or SAME_PENDING), and the caller must do `effects`.
// An action may have several rows (approve: one per kind of request); for a given
// role, state and pending request at most one row matches.
struct casefsm_transition {
    enum casefsm_action action;
    unsigned roles;
    unsigned from;
    unsigned pending_in;
    int next;
    int pending_after;
    unsigned effects;
};

static const struct casefsm_transition TRANSITIONS[] = {
    {CASEFSM_ACTION_VERIFY, ROLE_OPERATOR | ROLE_SUPERVISOR, STATE(REPORTED), PENDING(NONE),
     CASEFSM_STATE_VERIFYING, SAME_PENDING, 0},
    {CASEFSM_ACTION_CONFIRM, ROLE_INSPECTOR, STATE(VERIFYING), PENDING(NONE),
     CASEFSM_STATE_REPORTED, SAME_PENDING, CASEFSM_EFFECT_VERIFIED},
    {CASEFSM_ACTION_DENY, ROLE_INSPECTOR, STATE(VERIFYING), PENDING(NONE), CASEFSM_STATE_REJECTED,
     SAME_PENDING, CASEFSM_EFFECT_FINAL},
    {CASEFSM_ACTION_ACCEPT, ROLE_SUPERVISOR, STATE(REPORTED), PENDING(NONE), CASEFSM_STATE_ACCEPTED,
     SAME_PENDING, 0},
    {CASEFSM_ACTION_REJECT, ROLE_SUPERVISOR, STATE(REPORTED), PENDING(NONE), CASEFSM_STATE_REJECTED,
     SAME_PENDING, CASEFSM_EFFECT_FINAL},
    {CASEFSM_ACTION_MERGE, ROLE_SUPERVISOR, STATE(REPORTED) | STATE(ACCEPTED), PENDING(NONE),
     CASEFSM_STATE_MERGED, SAME_PENDING, CASEFSM_EFFECT_FINAL},
    {CASEFSM_ACTION_DISPATCH, ROLE_SUPERVISOR, STATE(ACCEPTED), PENDING(NONE),
     CASEFSM_STATE_DISPATCHED, SAME_PENDING, CASEFSM_EFFECT_START_HANDLING_CLOCK},
    {CASEFSM_ACTION_SIGN, ROLE_DEPARTMENT, STATE(DISPATCHED), PENDING(NONE),
     CASEFSM_STATE_PROCESSING, SAME_PENDING, 0},
    {CASEFSM_ACTION_REQUEST_RETURN, ROLE_DEPARTMENT, WORKING_STATES, PENDING(NONE), SAME_STATE,
     CASEFSM_PENDING_RETURN, CASEFSM_EFFECT_SET_PENDING},
    {CASEFSM_ACTION_REQUEST_EXTENSION, ROLE_DEPARTMENT, WORKING_STATES, PENDING(NONE), SAME_STATE,
     CASEFSM_PENDING_EXTENSION, CASEFSM_EFFECT_SET_PENDING},
    {CASEFSM_ACTION_REQUEST_SUSPENSION, ROLE_DEPARTMENT, STATE(PROCESSING), PENDING(NONE),
     SAME_STATE, CASEFSM_PENDING_SUSPENSION, CASEFSM_EFFECT_SET_PENDING},
    {CASEFSM_ACTION_APPROVE, ROLE_SUPERVISOR, WORKING_STATES, PENDING(RETURN),
     CASEFSM_STATE_ACCEPTED, CASEFSM_PENDING_NONE,
     CASEFSM_EFFECT_CLEAR_PENDING | CASEFSM_EFFECT_CLEAR_DEPARTMENT},
    {CASEFSM_ACTION_APPROVE, ROLE_SUPERVISOR, WORKING_STATES, PENDING(EXTENSION), SAME_STATE,
     CASEFSM_PENDING_NONE, CASEFSM_EFFECT_CLEAR_PENDING | CASEFSM_EFFECT_MOVE_DEADLINE},
    {CASEFSM_ACTION_APPROVE, ROLE_SUPERVISOR, STATE(PROCESSING), PENDING(SUSPENSION),
     CASEFSM_STATE_SUSPENDED, CASEFSM_PENDING_NONE,
     CASEFSM_EFFECT_CLEAR_PENDING | CASEFSM_EFFECT_STOP_CLOCK},
    {CASEFSM_ACTION_REFUSE, ROLE_SUPERVISOR, WORKING_STATES, ANY_REQUEST, SAME_STATE,
     CASEFSM_PENDING_NONE, CASEFSM_EFFECT_CLEAR_PENDING},
    {CASEFSM_ACTION_RESUME, ROLE_SUPERVISOR | ROLE_DEPARTMENT, STATE(SUSPENDED), PENDING(NONE),
     CASEFSM_STATE_PROCESSING, SAME_PENDING, CASEFSM_EFFECT_RESTART_CLOCK},
    {CASEFSM_ACTION_HANDLE, ROLE_DEPARTMENT, STATE(PROCESSING), PENDING(NONE),
     CASEFSM_STATE_HANDLED, SAME_PENDING, CASEFSM_EFFECT_END_HANDLING_CLOCK},
    {CASEFSM_ACTION_CHECK_PASS, ROLE_INSPECTOR, STATE(HANDLED), PENDING(NONE),
     CASEFSM_STATE_CHECKED, SAME_PENDING, 0},
    {CASEFSM_ACTION_CHECK_FAIL, ROLE_INSPECTOR, STATE(HANDLED), PENDING(NONE),
     CASEFSM_STATE_DISPATCHED, SAME_PENDING,
     CASEFSM_EFFECT_REWORK | CASEFSM_EFFECT_START_HANDLING_CLOCK},
    {CASEFSM_ACTION_CLOSE, ROLE_SUPERVISOR, STATE(CHECKED), PENDING(NONE), CASEFSM_STATE_CLOSED,
     SAME_PENDING, 0},
    {CASEFSM_ACTION_REOPEN, ROLE_SUPERVISOR | ROLE_SYSTEM, STATE(CLOSED), PENDING(NONE),
     CASEFSM_STATE_DISPATCHED, SAME_PENDING,
     CASEFSM_EFFECT_REOPEN | CASEFSM_EFFECT_START_HANDLING_CLOCK},
    {CASEFSM_ACTION_SUPERVISE, ROLE_LEADER, OPEN_STATES, ANY_PENDING, SAME_STATE, SAME_PENDING,
     CASEFSM_EFFECT_SUPERVISED},
    {CASEFSM_ACTION_ARRIVE, ROLE_DEPARTMENT, WORKING_STATES, ANY_PENDING, SAME_STATE, SAME_PENDING,
     0},
    {CASEFSM_ACTION_PHASE, ROLE_DEPARTMENT, STATE(PROCESSING), ANY_PENDING, SAME_STATE,
     SAME_PENDING, 0},
    {CASEFSM_ACTION_RECALL, ROLE_SUPERVISOR, STATE(DISPATCHED), PENDING(NONE),
     CASEFSM_STATE_ACCEPTED, SAME_PENDING, CASEFSM_EFFECT_CLEAR_DEPARTMENT},
};

// Per action: API name, Chinese name, and what the caller must supply.
static const struct {
    const char *name;
    const char *name_zh;
    unsigned requirements;
} ACTIONS[CASEFSM_ACTION_COUNT] = {
    [CASEFSM_ACTION_VERIFY] = {"verify", "派发核实", 0},
    [CASEFSM_ACTION_CONFIRM] = {"confirm", "核实属实", CASEFSM_NEED_PHOTO},
    [CASEFSM_ACTION_DENY] = {"deny", "核实不属实", CASEFSM_NEED_REASON},
    [CASEFSM_ACTION_ACCEPT] = {"accept", "立案", CASEFSM_NEED_CATEGORY},
    [CASEFSM_ACTION_REJECT] = {"reject", "不予立案", CASEFSM_NEED_REASON},
    [CASEFSM_ACTION_MERGE] = {"merge", "合并", CASEFSM_NEED_TARGET},
    [CASEFSM_ACTION_DISPATCH] = {"dispatch", "派遣", CASEFSM_NEED_DEPARTMENT},
    [CASEFSM_ACTION_SIGN] = {"sign", "签收", 0},
    [CASEFSM_ACTION_REQUEST_RETURN] = {"request-return", "申请回退", CASEFSM_NEED_REASON},
    [CASEFSM_ACTION_REQUEST_EXTENSION] = {"request-extension", "申请延期",
                                          CASEFSM_NEED_REASON | CASEFSM_NEED_AMOUNT},
    [CASEFSM_ACTION_REQUEST_SUSPENSION] = {"request-suspension", "申请挂账", CASEFSM_NEED_REASON},
    [CASEFSM_ACTION_APPROVE] = {"approve", "批准", 0},
    [CASEFSM_ACTION_REFUSE] = {"refuse", "驳回", CASEFSM_NEED_REASON},
    [CASEFSM_ACTION_RESUME] = {"resume", "恢复处置", 0},
    [CASEFSM_ACTION_HANDLE] = {"handle", "处置反馈", CASEFSM_NEED_NOTE | CASEFSM_NEED_AFTER_PHOTO},
    [CASEFSM_ACTION_CHECK_PASS] = {"check-pass", "核查通过", CASEFSM_NEED_PHOTO},
    [CASEFSM_ACTION_CHECK_FAIL] = {"check-fail", "核查不通过",
                                   CASEFSM_NEED_REASON | CASEFSM_NEED_PHOTO},
    [CASEFSM_ACTION_CLOSE] = {"close", "结案", 0},
    [CASEFSM_ACTION_REOPEN] = {"reopen", "重办", CASEFSM_NEED_REASON},
    [CASEFSM_ACTION_SUPERVISE] = {"supervise", "督办", CASEFSM_NEED_NOTE},
    [CASEFSM_ACTION_ARRIVE] = {"arrive", "到达现场", CASEFSM_NEED_PHOTO},
    [CASEFSM_ACTION_PHASE] = {"phase", "阶段完成", CASEFSM_NEED_PHASE | CASEFSM_NEED_PHOTO},
    [CASEFSM_ACTION_RECALL] = {"recall", "撤回派遣", CASEFSM_NEED_REASON},
};

static const struct {
    const char *name;
    const char *name_zh;
} STATES[CASEFSM_STATE_COUNT] = {
    [CASEFSM_STATE_REPORTED] = {"reported", "待受理"},
    [CASEFSM_STATE_VERIFYING] = {"verifying", "核实中"},
    [CASEFSM_STATE_ACCEPTED] = {"accepted", "已立案"},
    [CASEFSM_STATE_DISPATCHED] = {"dispatched", "已派遣"},
    [CASEFSM_STATE_PROCESSING] = {"processing", "处置中"},
    [CASEFSM_STATE_SUSPENDED] = {"suspended", "挂账"},
    [CASEFSM_STATE_HANDLED] = {"handled", "待核查"},
    [CASEFSM_STATE_CHECKED] = {"checked", "待结案"},
    [CASEFSM_STATE_CLOSED] = {"closed", "已结案"},
    [CASEFSM_STATE_REJECTED] = {"rejected", "不予立案"},
    [CASEFSM_STATE_MERGED] = {"merged", "已合并"},
};

static const char *const PENDING_NAMES[CASEFSM_PENDING_COUNT] = {
    [CASEFSM_PENDING_NONE] = "none",
    [CASEFSM_PENDING_RETURN] = "return",
    [CASEFSM_PENDING_EXTENSION] = "extension",
    [CASEFSM_PENDING_SUSPENSION] = "suspension",
};

static bool state_in_range(enum casefsm_state state)
{
    return (unsigned)state < CASEFSM_STATE_COUNT;
}

static bool pending_in_range(enum casefsm_pending pending)
{
    return (unsigned)pending < CASEFSM_PENDING_COUNT;
}

static bool action_in_range(enum casefsm_action action)
{
    return (unsigned)action < CASEFSM_ACTION_COUNT;
}

static void fill_outcome(const struct casefsm_transition *row, enum casefsm_state state,
                         enum casefsm_pending pending, struct casefsm_outcome *out)
{
    out->next = row->next == SAME_STATE ? state : (enum casefsm_state)row->next;
    out->pending =
        row->pending_after == SAME_PENDING ? pending : (enum casefsm_pending)row->pending_after;
    out->effects = row->effects;
    out->requirements = ACTIONS[row->action].requirements;
}

enum casefsm_verdict casefsm_apply(enum casefsm_state state, enum casefsm_pending pending,
                                   enum casefsm_action action, enum role role,
                                   struct casefsm_outcome *out)
{
    if (!action_in_range(action))
        return CASEFSM_ERR_UNKNOWN_ACTION;
    bool role_may = false;  // some row admits the role
    bool state_may = false; // ... and the state
    for (size_t i = 0; i < COUNT_OF(TRANSITIONS); i++) {
        const struct casefsm_transition *row = &TRANSITIONS[i];
        if (row->action != action || (row->roles & (unsigned)role) == 0)
            continue;
        role_may = true;
        if (!state_in_range(state) || (row->from & (1u << state)) == 0)
            continue;
        state_may = true;
        if (!pending_in_range(pending) || (row->pending_in & (1u << pending)) == 0)
            continue;
        if (out != NULL)
            fill_outcome(row, state, pending, out);
        return CASEFSM_OK;
    }
    if (!role_may)
        return CASEFSM_ERR_ROLE;
    return state_may ? CASEFSM_ERR_PENDING : CASEFSM_ERR_STATE;
}

unsigned casefsm_requirements(enum casefsm_action action)
{
    return action_in_range(action) ? ACTIONS[action].requirements : 0;
}

unsigned casefsm_allowed_actions(enum casefsm_state state, enum casefsm_pending pending,
                                 enum role role)
{
    unsigned allowed = 0;
    for (unsigned action = 0; action < CASEFSM_ACTION_COUNT; action++)
        if (casefsm_apply(state, pending, (enum casefsm_action)action, role, NULL) == CASEFSM_OK)
            allowed |= 1u << action;
    return allowed;
}

bool casefsm_state_is_open(enum casefsm_state state)
{
    return state_in_range(state) && (OPEN_STATES & (1u << state)) != 0;
}

bool casefsm_state_is_final(enum casefsm_state state)
{
    return state == CASEFSM_STATE_REJECTED || state == CASEFSM_STATE_MERGED;
}

int casefsm_state_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < CASEFSM_STATE_COUNT; i++)
        if (strcmp(STATES[i].name, name) == 0)
            return i;
    return -1;
}

int casefsm_pending_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < CASEFSM_PENDING_COUNT; i++)
        if (strcmp(PENDING_NAMES[i], name) == 0)
            return i;
    return -1;
}

int casefsm_action_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < CASEFSM_ACTION_COUNT; i++)
        if (strcmp(ACTIONS[i].name, name) == 0)
            return i;
    return -1;
}

const char *casefsm_state_name(enum casefsm_state state)
{
    return state_in_range(state) ? STATES[state].name : NULL;
}

const char *casefsm_pending_name(enum casefsm_pending pending)
{
    return pending_in_range(pending) ? PENDING_NAMES[pending] : NULL;
}

const char *casefsm_action_name(enum casefsm_action action)
{
    return action_in_range(action) ? ACTIONS[action].name : NULL;
}

const char *casefsm_state_name_zh(enum casefsm_state state)
{
    return state_in_range(state) ? STATES[state].name_zh : NULL;
}

const char *casefsm_action_name_zh(enum casefsm_action action)
{
    return action_in_range(action) ? ACTIONS[action].name_zh : NULL;
}
