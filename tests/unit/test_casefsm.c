// SPDX-License-Identifier: MIT
// Unit tests of the case state machine: every legal (state, pending, action, role)
// against an independent list written out below, every other combination refused
// with the documented verdict, the requirements and names, and a full case lifecycle.
#include "casefsm.h"

#include <criterion/criterion.h>
#include <stddef.h>
#include <string.h>

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

// Shorthands for the expectation list only.
#define S(name)      CASEFSM_STATE_##name
#define P(name)      CASEFSM_PENDING_##name
#define A(name)      CASEFSM_ACTION_##name
#define E(name)      CASEFSM_EFFECT_##name
#define EACH_PENDING (-1) // the row holds for every pending request, which stays as it is

// One legal move, one role per line.
struct expected_move {
    int state;
    int pending; // or EACH_PENDING
    int action;
    enum role role;
    int next;
    int pending_after; // ignored for EACH_PENDING rows: the pending request is kept
    unsigned effects;
};

static const struct expected_move LEGAL[] = {
    {S(REPORTED), P(NONE), A(VERIFY), ROLE_OPERATOR, S(VERIFYING), P(NONE), 0},
    {S(REPORTED), P(NONE), A(VERIFY), ROLE_SUPERVISOR, S(VERIFYING), P(NONE), 0},
    {S(VERIFYING), P(NONE), A(CONFIRM), ROLE_INSPECTOR, S(REPORTED), P(NONE), E(VERIFIED)},
    {S(VERIFYING), P(NONE), A(DENY), ROLE_INSPECTOR, S(REJECTED), P(NONE), E(FINAL)},
    {S(REPORTED), P(NONE), A(ACCEPT), ROLE_SUPERVISOR, S(ACCEPTED), P(NONE), 0},
    {S(REPORTED), P(NONE), A(REJECT), ROLE_SUPERVISOR, S(REJECTED), P(NONE), E(FINAL)},
    {S(REPORTED), P(NONE), A(MERGE), ROLE_SUPERVISOR, S(MERGED), P(NONE), E(FINAL)},
    {S(ACCEPTED), P(NONE), A(MERGE), ROLE_SUPERVISOR, S(MERGED), P(NONE), E(FINAL)},
    {S(ACCEPTED), P(NONE), A(DISPATCH), ROLE_SUPERVISOR, S(DISPATCHED), P(NONE),
     E(START_HANDLING_CLOCK)},
    {S(DISPATCHED), P(NONE), A(SIGN), ROLE_DEPARTMENT, S(PROCESSING), P(NONE), 0},
    {S(DISPATCHED), P(NONE), A(REQUEST_RETURN), ROLE_DEPARTMENT, S(DISPATCHED), P(RETURN),
     E(SET_PENDING)},
    {S(PROCESSING), P(NONE), A(REQUEST_RETURN), ROLE_DEPARTMENT, S(PROCESSING), P(RETURN),
     E(SET_PENDING)},
    {S(DISPATCHED), P(NONE), A(REQUEST_EXTENSION), ROLE_DEPARTMENT, S(DISPATCHED), P(EXTENSION),
     E(SET_PENDING)},
    {S(PROCESSING), P(NONE), A(REQUEST_EXTENSION), ROLE_DEPARTMENT, S(PROCESSING), P(EXTENSION),
     E(SET_PENDING)},
    {S(PROCESSING), P(NONE), A(REQUEST_SUSPENSION), ROLE_DEPARTMENT, S(PROCESSING), P(SUSPENSION),
     E(SET_PENDING)},
    {S(DISPATCHED), P(RETURN), A(APPROVE), ROLE_SUPERVISOR, S(ACCEPTED), P(NONE),
     E(CLEAR_PENDING) | E(CLEAR_DEPARTMENT)},
    {S(PROCESSING), P(RETURN), A(APPROVE), ROLE_SUPERVISOR, S(ACCEPTED), P(NONE),
     E(CLEAR_PENDING) | E(CLEAR_DEPARTMENT)},
    {S(DISPATCHED), P(EXTENSION), A(APPROVE), ROLE_SUPERVISOR, S(DISPATCHED), P(NONE),
     E(CLEAR_PENDING) | E(MOVE_DEADLINE)},
    {S(PROCESSING), P(EXTENSION), A(APPROVE), ROLE_SUPERVISOR, S(PROCESSING), P(NONE),
     E(CLEAR_PENDING) | E(MOVE_DEADLINE)},
    {S(PROCESSING), P(SUSPENSION), A(APPROVE), ROLE_SUPERVISOR, S(SUSPENDED), P(NONE),
     E(CLEAR_PENDING) | E(STOP_CLOCK)},
    {S(DISPATCHED), P(RETURN), A(REFUSE), ROLE_SUPERVISOR, S(DISPATCHED), P(NONE),
     E(CLEAR_PENDING)},
    {S(DISPATCHED), P(EXTENSION), A(REFUSE), ROLE_SUPERVISOR, S(DISPATCHED), P(NONE),
     E(CLEAR_PENDING)},
    {S(DISPATCHED), P(SUSPENSION), A(REFUSE), ROLE_SUPERVISOR, S(DISPATCHED), P(NONE),
     E(CLEAR_PENDING)},
    {S(PROCESSING), P(RETURN), A(REFUSE), ROLE_SUPERVISOR, S(PROCESSING), P(NONE),
     E(CLEAR_PENDING)},
    {S(PROCESSING), P(EXTENSION), A(REFUSE), ROLE_SUPERVISOR, S(PROCESSING), P(NONE),
     E(CLEAR_PENDING)},
    {S(PROCESSING), P(SUSPENSION), A(REFUSE), ROLE_SUPERVISOR, S(PROCESSING), P(NONE),
     E(CLEAR_PENDING)},
    {S(SUSPENDED), P(NONE), A(RESUME), ROLE_SUPERVISOR, S(PROCESSING), P(NONE), E(RESTART_CLOCK)},
    {S(SUSPENDED), P(NONE), A(RESUME), ROLE_DEPARTMENT, S(PROCESSING), P(NONE), E(RESTART_CLOCK)},
    {S(PROCESSING), P(NONE), A(HANDLE), ROLE_DEPARTMENT, S(HANDLED), P(NONE),
     E(END_HANDLING_CLOCK)},
    {S(HANDLED), P(NONE), A(CHECK_PASS), ROLE_INSPECTOR, S(CHECKED), P(NONE), 0},
    {S(HANDLED), P(NONE), A(CHECK_FAIL), ROLE_INSPECTOR, S(DISPATCHED), P(NONE),
     E(REWORK) | E(START_HANDLING_CLOCK)},
    {S(CHECKED), P(NONE), A(CLOSE), ROLE_SUPERVISOR, S(CLOSED), P(NONE), 0},
    {S(CLOSED), P(NONE), A(REOPEN), ROLE_SUPERVISOR, S(DISPATCHED), P(NONE),
     E(REOPEN) | E(START_HANDLING_CLOCK)},
    {S(CLOSED), P(NONE), A(REOPEN), ROLE_SYSTEM, S(DISPATCHED), P(NONE),
     E(REOPEN) | E(START_HANDLING_CLOCK)},
    {S(REPORTED), EACH_PENDING, A(SUPERVISE), ROLE_LEADER, S(REPORTED), 0, E(SUPERVISED)},
    {S(VERIFYING), EACH_PENDING, A(SUPERVISE), ROLE_LEADER, S(VERIFYING), 0, E(SUPERVISED)},
    {S(ACCEPTED), EACH_PENDING, A(SUPERVISE), ROLE_LEADER, S(ACCEPTED), 0, E(SUPERVISED)},
    {S(DISPATCHED), EACH_PENDING, A(SUPERVISE), ROLE_LEADER, S(DISPATCHED), 0, E(SUPERVISED)},
    {S(PROCESSING), EACH_PENDING, A(SUPERVISE), ROLE_LEADER, S(PROCESSING), 0, E(SUPERVISED)},
    {S(SUSPENDED), EACH_PENDING, A(SUPERVISE), ROLE_LEADER, S(SUSPENDED), 0, E(SUPERVISED)},
    {S(HANDLED), EACH_PENDING, A(SUPERVISE), ROLE_LEADER, S(HANDLED), 0, E(SUPERVISED)},
    {S(CHECKED), EACH_PENDING, A(SUPERVISE), ROLE_LEADER, S(CHECKED), 0, E(SUPERVISED)},
    {S(DISPATCHED), EACH_PENDING, A(ARRIVE), ROLE_DEPARTMENT, S(DISPATCHED), 0, 0},
    {S(PROCESSING), EACH_PENDING, A(ARRIVE), ROLE_DEPARTMENT, S(PROCESSING), 0, 0},
    {S(PROCESSING), EACH_PENDING, A(PHASE), ROLE_DEPARTMENT, S(PROCESSING), 0, 0},
    {S(DISPATCHED), P(NONE), A(RECALL), ROLE_SUPERVISOR, S(ACCEPTED), P(NONE), E(CLEAR_DEPARTMENT)},
};

// 35 single-pending lines, 11 lines (supervise, arrive, phase) that hold for each of
// the 4 pendings.
#define LEGAL_COMBINATIONS (35 + 11 * 4)

// What each action needs, written out independently of the source.
static const unsigned REQUIREMENTS[CASEFSM_ACTION_COUNT] = {
    [A(VERIFY)] = 0,
    [A(CONFIRM)] = CASEFSM_NEED_PHOTO,
    [A(DENY)] = CASEFSM_NEED_REASON,
    [A(ACCEPT)] = CASEFSM_NEED_CATEGORY,
    [A(REJECT)] = CASEFSM_NEED_REASON,
    [A(MERGE)] = CASEFSM_NEED_TARGET,
    [A(DISPATCH)] = CASEFSM_NEED_DEPARTMENT,
    [A(SIGN)] = 0,
    [A(REQUEST_RETURN)] = CASEFSM_NEED_REASON,
    [A(REQUEST_EXTENSION)] = CASEFSM_NEED_REASON | CASEFSM_NEED_AMOUNT,
    [A(REQUEST_SUSPENSION)] = CASEFSM_NEED_REASON,
    [A(APPROVE)] = 0,
    [A(REFUSE)] = CASEFSM_NEED_REASON,
    [A(RESUME)] = 0,
    [A(HANDLE)] = CASEFSM_NEED_NOTE | CASEFSM_NEED_AFTER_PHOTO,
    [A(CHECK_PASS)] = CASEFSM_NEED_PHOTO,
    [A(CHECK_FAIL)] = CASEFSM_NEED_REASON | CASEFSM_NEED_PHOTO,
    [A(CLOSE)] = 0,
    [A(REOPEN)] = CASEFSM_NEED_REASON,
    [A(SUPERVISE)] = CASEFSM_NEED_NOTE,
    [A(ARRIVE)] = CASEFSM_NEED_PHOTO,
    [A(PHASE)] = CASEFSM_NEED_PHASE | CASEFSM_NEED_PHOTO,
    [A(RECALL)] = CASEFSM_NEED_REASON,
};

static const enum role ROLES[] = {ROLE_NONE,       ROLE_INSPECTOR, ROLE_OPERATOR, ROLE_SUPERVISOR,
                                  ROLE_DEPARTMENT, ROLE_LEADER,    ROLE_ADMIN,    ROLE_SYSTEM};

static bool line_matches(const struct expected_move *line, int state, int pending, int action,
                         enum role role)
{
    return line->state == state && line->action == action && line->role == role &&
           (line->pending == EACH_PENDING || line->pending == pending);
}

// The verdict the header promises for a refused move, derived from the list above.
static enum casefsm_verdict expected_refusal(int state, int action, enum role role)
{
    bool role_ever = false, from_state = false;
    for (size_t i = 0; i < COUNT_OF(LEGAL); i++) {
        if (LEGAL[i].action != action || LEGAL[i].role != role)
            continue;
        role_ever = true;
        if (LEGAL[i].state == state)
            from_state = true;
    }
    if (!role_ever)
        return CASEFSM_ERR_ROLE;
    return from_state ? CASEFSM_ERR_PENDING : CASEFSM_ERR_STATE;
}

static const char *verdict_text(enum casefsm_verdict verdict)
{
    static const char *const TEXT[] = {"ok", "unknown_action", "role", "state", "pending"};
    return (unsigned)verdict < COUNT_OF(TEXT) ? TEXT[verdict] : "?";
}

static enum casefsm_verdict apply(int state, int pending, int action, enum role role,
                                  struct casefsm_outcome *out)
{
    return casefsm_apply((enum casefsm_state)state, (enum casefsm_pending)pending,
                         (enum casefsm_action)action, role, out);
}

Test(casefsm, every_listed_move_gives_its_outcome)
{
    for (size_t i = 0; i < COUNT_OF(LEGAL); i++) {
        const struct expected_move *line = &LEGAL[i];
        for (int p = 0; p < CASEFSM_PENDING_COUNT; p++) {
            if (line->pending != EACH_PENDING && line->pending != p)
                continue;
            struct casefsm_outcome out;
            enum casefsm_verdict verdict = apply(line->state, p, line->action, line->role, &out);
            const char *what = casefsm_action_name((enum casefsm_action)line->action);
            cr_assert_eq(verdict, CASEFSM_OK, "line %zu (%s): verdict %s", i, what,
                         verdict_text(verdict));
            cr_assert_eq((int)out.next, line->next, "line %zu (%s): next", i, what);
            int pending_after = line->pending == EACH_PENDING ? p : line->pending_after;
            cr_assert_eq((int)out.pending, pending_after, "line %zu (%s): pending", i, what);
            cr_assert_eq(out.effects, line->effects, "line %zu (%s): effects %#x", i, what,
                         out.effects);
            cr_assert_eq(out.requirements, REQUIREMENTS[line->action], "line %zu (%s): needs", i,
                         what);
        }
    }
}

Test(casefsm, exactly_the_listed_moves_succeed_and_refusals_have_the_documented_verdict)
{
    int successes = 0;
    for (int s = 0; s < CASEFSM_STATE_COUNT; s++)
        for (int p = 0; p < CASEFSM_PENDING_COUNT; p++)
            for (int a = 0; a < CASEFSM_ACTION_COUNT; a++)
                for (size_t r = 0; r < COUNT_OF(ROLES); r++) {
                    int matches = 0;
                    for (size_t i = 0; i < COUNT_OF(LEGAL); i++)
                        matches += line_matches(&LEGAL[i], s, p, a, ROLES[r]);
                    cr_assert_leq(matches, 1, "the expectation list has a duplicate");

                    struct casefsm_outcome out, before;
                    memset(&out, 0xA5, sizeof out);
                    before = out;
                    enum casefsm_verdict verdict = apply(s, p, a, ROLES[r], &out);
                    enum casefsm_verdict want =
                        matches ? CASEFSM_OK : expected_refusal(s, a, ROLES[r]);
                    cr_assert_eq(verdict, want, "%s by %s in %s/%s: got %s, want %s",
                                 casefsm_action_name((enum casefsm_action)a), role_name(ROLES[r]),
                                 casefsm_state_name((enum casefsm_state)s),
                                 casefsm_pending_name((enum casefsm_pending)p),
                                 verdict_text(verdict), verdict_text(want));
                    if (verdict == CASEFSM_OK)
                        successes++;
                    else
                        cr_assert(memcmp(&out, &before, sizeof out) == 0,
                                  "a refusal must leave *out untouched");
                }
    cr_assert_eq(successes, LEGAL_COMBINATIONS);
}

Test(casefsm, sample_refusals)
{
    // The role may never take the action: 403, whatever the state.
    cr_assert_eq(apply(S(CHECKED), P(NONE), A(CLOSE), ROLE_DEPARTMENT, NULL), CASEFSM_ERR_ROLE);
    cr_assert_eq(apply(S(ACCEPTED), P(NONE), A(DISPATCH), ROLE_LEADER, NULL), CASEFSM_ERR_ROLE);
    cr_assert_eq(apply(S(REPORTED), P(NONE), A(VERIFY), ROLE_INSPECTOR, NULL), CASEFSM_ERR_ROLE);
    cr_assert_eq(apply(S(REPORTED), P(NONE), A(ACCEPT), ROLE_OPERATOR, NULL), CASEFSM_ERR_ROLE);
    cr_assert_eq(apply(S(HANDLED), P(NONE), A(CHECK_PASS), ROLE_DEPARTMENT, NULL), CASEFSM_ERR_ROLE,
                 "the one who fixes never checks");
    cr_assert_eq(apply(S(CHECKED), P(NONE), A(CLOSE), ROLE_SYSTEM, NULL), CASEFSM_ERR_ROLE);
    cr_assert_eq(apply(S(PROCESSING), P(NONE), A(SUPERVISE), ROLE_ADMIN, NULL), CASEFSM_ERR_ROLE);
    cr_assert_eq(apply(S(REPORTED), P(NONE), A(VERIFY), ROLE_NONE, NULL), CASEFSM_ERR_ROLE);
    // Right role, wrong state: 409.
    cr_assert_eq(apply(S(PROCESSING), P(NONE), A(CLOSE), ROLE_SUPERVISOR, NULL), CASEFSM_ERR_STATE);
    cr_assert_eq(apply(S(ACCEPTED), P(NONE), A(SIGN), ROLE_DEPARTMENT, NULL), CASEFSM_ERR_STATE);
    cr_assert_eq(apply(S(DISPATCHED), P(NONE), A(REQUEST_SUSPENSION), ROLE_DEPARTMENT, NULL),
                 CASEFSM_ERR_STATE, "suspension only from processing");
    cr_assert_eq(apply(S(DISPATCHED), P(NONE), A(MERGE), ROLE_SUPERVISOR, NULL), CASEFSM_ERR_STATE);
    cr_assert_eq(apply(S(CLOSED), P(NONE), A(SUPERVISE), ROLE_LEADER, NULL), CASEFSM_ERR_STATE);
    cr_assert_eq(apply(S(MERGED), P(NONE), A(SUPERVISE), ROLE_LEADER, NULL), CASEFSM_ERR_STATE);
    cr_assert_eq(apply(S(REJECTED), P(NONE), A(REOPEN), ROLE_SUPERVISOR, NULL), CASEFSM_ERR_STATE,
                 "rejected is final, not reopenable");
    cr_assert_eq(apply(S(PROCESSING), P(NONE), A(DISPATCH), ROLE_SUPERVISOR, NULL),
                 CASEFSM_ERR_STATE);
    // Needs a pending request, or conflicts with one: 409.
    cr_assert_eq(apply(S(PROCESSING), P(NONE), A(APPROVE), ROLE_SUPERVISOR, NULL),
                 CASEFSM_ERR_PENDING);
    cr_assert_eq(apply(S(DISPATCHED), P(NONE), A(REFUSE), ROLE_SUPERVISOR, NULL),
                 CASEFSM_ERR_PENDING);
    cr_assert_eq(apply(S(PROCESSING), P(RETURN), A(REQUEST_EXTENSION), ROLE_DEPARTMENT, NULL),
                 CASEFSM_ERR_PENDING);
    cr_assert_eq(apply(S(PROCESSING), P(EXTENSION), A(REQUEST_EXTENSION), ROLE_DEPARTMENT, NULL),
                 CASEFSM_ERR_PENDING);
    cr_assert_eq(apply(S(PROCESSING), P(SUSPENSION), A(REQUEST_RETURN), ROLE_DEPARTMENT, NULL),
                 CASEFSM_ERR_PENDING);
    cr_assert_eq(apply(S(DISPATCHED), P(RETURN), A(SIGN), ROLE_DEPARTMENT, NULL),
                 CASEFSM_ERR_PENDING);
    cr_assert_eq(apply(S(PROCESSING), P(EXTENSION), A(HANDLE), ROLE_DEPARTMENT, NULL),
                 CASEFSM_ERR_PENDING);
    cr_assert_eq(apply(S(DISPATCHED), P(SUSPENSION), A(APPROVE), ROLE_SUPERVISOR, NULL),
                 CASEFSM_ERR_PENDING, "a suspension is only approved from processing");
}

Test(casefsm, out_of_range_input_is_refused_in_the_documented_order)
{
    struct casefsm_outcome out;
    memset(&out, 0x5A, sizeof out);
    struct casefsm_outcome before = out;
    cr_assert_eq(apply(S(REPORTED), P(NONE), CASEFSM_ACTION_COUNT, ROLE_SUPERVISOR, &out),
                 CASEFSM_ERR_UNKNOWN_ACTION);
    cr_assert_eq(apply(S(REPORTED), P(NONE), -1, ROLE_NONE, &out), CASEFSM_ERR_UNKNOWN_ACTION,
                 "an unknown action is reported before the role");
    cr_assert_eq(apply(CASEFSM_STATE_COUNT, P(NONE), A(CLOSE), ROLE_SUPERVISOR, &out),
                 CASEFSM_ERR_STATE);
    cr_assert_eq(apply(-1, P(NONE), A(SUPERVISE), ROLE_LEADER, &out), CASEFSM_ERR_STATE);
    cr_assert_eq(apply(99, P(NONE), A(CLOSE), ROLE_INSPECTOR, &out), CASEFSM_ERR_ROLE,
                 "the role is checked before the state");
    cr_assert_eq(apply(S(PROCESSING), CASEFSM_PENDING_COUNT, A(SUPERVISE), ROLE_LEADER, &out),
                 CASEFSM_ERR_PENDING);
    cr_assert_eq(apply(S(PROCESSING), -1, A(HANDLE), ROLE_DEPARTMENT, &out), CASEFSM_ERR_PENDING);
    cr_assert(memcmp(&out, &before, sizeof out) == 0);
    cr_assert_eq(casefsm_allowed_actions(CASEFSM_STATE_COUNT, P(NONE), ROLE_LEADER), 0u);
    cr_assert_eq(casefsm_allowed_actions(S(PROCESSING), CASEFSM_PENDING_COUNT, ROLE_LEADER), 0u);
    cr_assert_eq(casefsm_requirements(CASEFSM_ACTION_COUNT), 0u);
    cr_assert_eq(casefsm_requirements((enum casefsm_action) - 1), 0u);
}

Test(casefsm, a_mask_of_roles_is_admitted_if_any_role_is)
{
    struct casefsm_outcome out;
    enum role both = ROLE_SUPERVISOR | ROLE_DEPARTMENT;
    cr_assert_eq(apply(S(SUSPENDED), P(NONE), A(RESUME), both, &out), CASEFSM_OK);
    cr_assert_eq(out.next, CASEFSM_STATE_PROCESSING);
    cr_assert_eq(apply(S(DISPATCHED), P(NONE), A(SIGN), both, NULL), CASEFSM_OK);
    cr_assert_eq(apply(S(ACCEPTED), P(NONE), A(DISPATCH), both, NULL), CASEFSM_OK);
    enum role watcher = ROLE_INSPECTOR | ROLE_LEADER;
    cr_assert_eq(apply(S(CHECKED), P(NONE), A(CLOSE), watcher, NULL), CASEFSM_ERR_ROLE);
    cr_assert_eq(apply(S(CHECKED), P(NONE), A(SUPERVISE), watcher, NULL), CASEFSM_OK);
    cr_assert_eq(apply(S(HANDLED), P(NONE), A(CHECK_PASS), watcher, NULL), CASEFSM_OK);
}

Test(casefsm, requirements_per_action)
{
    for (int a = 0; a < CASEFSM_ACTION_COUNT; a++)
        cr_assert_eq(casefsm_requirements((enum casefsm_action)a), REQUIREMENTS[a], "%s",
                     casefsm_action_name((enum casefsm_action)a));
    // The ones a caller most easily forgets, spelled out.
    cr_assert(casefsm_requirements(A(HANDLE)) & CASEFSM_NEED_AFTER_PHOTO);
    cr_assert(casefsm_requirements(A(REQUEST_EXTENSION)) & CASEFSM_NEED_AMOUNT);
    cr_assert(casefsm_requirements(A(ACCEPT)) & CASEFSM_NEED_CATEGORY);
    cr_assert(casefsm_requirements(A(MERGE)) & CASEFSM_NEED_TARGET);
    cr_assert(casefsm_requirements(A(DISPATCH)) & CASEFSM_NEED_DEPARTMENT);
}

Test(casefsm, allowed_actions_agree_with_apply)
{
    for (int s = 0; s < CASEFSM_STATE_COUNT; s++)
        for (int p = 0; p < CASEFSM_PENDING_COUNT; p++)
            for (size_t r = 0; r < COUNT_OF(ROLES); r++) {
                unsigned mask = casefsm_allowed_actions((enum casefsm_state)s,
                                                        (enum casefsm_pending)p, ROLES[r]);
                for (int a = 0; a < CASEFSM_ACTION_COUNT; a++) {
                    bool ok = apply(s, p, a, ROLES[r], NULL) == CASEFSM_OK;
                    cr_assert_eq((mask >> a) & 1u, (unsigned)ok);
                }
                cr_assert_eq(mask >> CASEFSM_ACTION_COUNT, 0u);
            }
}

#define BIT(name) (1u << CASEFSM_ACTION_##name)

Test(casefsm, allowed_actions_for_the_buttons)
{
    cr_assert_eq(casefsm_allowed_actions(S(REPORTED), P(NONE), ROLE_SUPERVISOR),
                 BIT(VERIFY) | BIT(ACCEPT) | BIT(REJECT) | BIT(MERGE));
    cr_assert_eq(casefsm_allowed_actions(S(REPORTED), P(NONE), ROLE_OPERATOR), BIT(VERIFY));
    cr_assert_eq(casefsm_allowed_actions(S(DISPATCHED), P(NONE), ROLE_DEPARTMENT),
                 BIT(SIGN) | BIT(REQUEST_RETURN) | BIT(REQUEST_EXTENSION) | BIT(ARRIVE));
    cr_assert_eq(casefsm_allowed_actions(S(PROCESSING), P(NONE), ROLE_DEPARTMENT),
                 BIT(REQUEST_RETURN) | BIT(REQUEST_EXTENSION) | BIT(REQUEST_SUSPENSION) |
                     BIT(HANDLE) | BIT(ARRIVE) | BIT(PHASE));
    cr_assert_eq(casefsm_allowed_actions(S(PROCESSING), P(EXTENSION), ROLE_DEPARTMENT),
                 BIT(ARRIVE) | BIT(PHASE),
                 "a department only reports progress while its request is pending");
    cr_assert_eq(casefsm_allowed_actions(S(DISPATCHED), P(NONE), ROLE_SUPERVISOR), BIT(RECALL));
    cr_assert_eq(casefsm_allowed_actions(S(PROCESSING), P(NONE), ROLE_SUPERVISOR), 0u,
                 "a signed case is not recalled; the department asks for a return");
    cr_assert_eq(casefsm_allowed_actions(S(PROCESSING), P(SUSPENSION), ROLE_SUPERVISOR),
                 BIT(APPROVE) | BIT(REFUSE));
    cr_assert_eq(casefsm_allowed_actions(S(PROCESSING), P(RETURN), ROLE_LEADER), BIT(SUPERVISE));
    cr_assert_eq(casefsm_allowed_actions(S(HANDLED), P(NONE), ROLE_INSPECTOR),
                 BIT(CHECK_PASS) | BIT(CHECK_FAIL));
    cr_assert_eq(casefsm_allowed_actions(S(CLOSED), P(NONE), ROLE_SUPERVISOR), BIT(REOPEN));
    cr_assert_eq(casefsm_allowed_actions(S(CLOSED), P(NONE), ROLE_SYSTEM), BIT(REOPEN));
    for (size_t r = 0; r < COUNT_OF(ROLES); r++) {
        cr_assert_eq(casefsm_allowed_actions(S(REJECTED), P(NONE), ROLES[r]), 0u);
        cr_assert_eq(casefsm_allowed_actions(S(MERGED), P(NONE), ROLES[r]), 0u);
    }
    for (int s = 0; s < CASEFSM_STATE_COUNT; s++)
        cr_assert_eq(casefsm_allowed_actions((enum casefsm_state)s, P(NONE), ROLE_ADMIN), 0u,
                     "an admin runs the system, not cases");
}

Test(casefsm, open_and_final_states)
{
    for (int s = 0; s < CASEFSM_STATE_COUNT; s++) {
        enum casefsm_state state = (enum casefsm_state)s;
        bool closed_like = s == S(CLOSED) || s == S(REJECTED) || s == S(MERGED);
        bool final = s == S(REJECTED) || s == S(MERGED);
        cr_assert_eq(casefsm_state_is_open(state), !closed_like, "%s", casefsm_state_name(state));
        cr_assert_eq(casefsm_state_is_final(state), final, "%s", casefsm_state_name(state));
    }
    cr_assert_not(casefsm_state_is_open(CASEFSM_STATE_COUNT));
    cr_assert_not(casefsm_state_is_open((enum casefsm_state) - 1));
    cr_assert_not(casefsm_state_is_final(CASEFSM_STATE_COUNT));
}

Test(casefsm, state_names_round_trip)
{
    static const char *const NAMES[] = {"reported",   "verifying", "accepted", "dispatched",
                                        "processing", "suspended", "handled",  "checked",
                                        "closed",     "rejected",  "merged"};
    static const char *const NAMES_ZH[] = {"待受理", "核实中",   "已立案", "已派遣",
                                           "处置中", "挂账",     "待核查", "待结案",
                                           "已结案", "不予立案", "已合并"};
    cr_assert_eq(COUNT_OF(NAMES), (size_t)CASEFSM_STATE_COUNT);
    for (int s = 0; s < CASEFSM_STATE_COUNT; s++) {
        enum casefsm_state state = (enum casefsm_state)s;
        cr_assert_str_eq(casefsm_state_name(state), NAMES[s]);
        cr_assert_eq(casefsm_state_from_name(NAMES[s]), s);
        cr_assert_str_eq(casefsm_state_name_zh(state), NAMES_ZH[s]);
    }
    cr_assert_null(casefsm_state_name(CASEFSM_STATE_COUNT));
    cr_assert_null(casefsm_state_name((enum casefsm_state) - 1));
    cr_assert_null(casefsm_state_name_zh(CASEFSM_STATE_COUNT));
}

Test(casefsm, pending_names_round_trip)
{
    static const char *const NAMES[] = {"none", "return", "extension", "suspension"};
    cr_assert_eq(COUNT_OF(NAMES), (size_t)CASEFSM_PENDING_COUNT);
    for (int p = 0; p < CASEFSM_PENDING_COUNT; p++) {
        cr_assert_str_eq(casefsm_pending_name((enum casefsm_pending)p), NAMES[p]);
        cr_assert_eq(casefsm_pending_from_name(NAMES[p]), p);
    }
    cr_assert_null(casefsm_pending_name(CASEFSM_PENDING_COUNT));
}

Test(casefsm, action_names_round_trip)
{
    static const char *const NAMES[] = {"verify",
                                        "confirm",
                                        "deny",
                                        "accept",
                                        "reject",
                                        "merge",
                                        "dispatch",
                                        "sign",
                                        "request-return",
                                        "request-extension",
                                        "request-suspension",
                                        "approve",
                                        "refuse",
                                        "resume",
                                        "handle",
                                        "check-pass",
                                        "check-fail",
                                        "close",
                                        "reopen",
                                        "supervise",
                                        "arrive",
                                        "phase",
                                        "recall"};
    cr_assert_eq(COUNT_OF(NAMES), (size_t)CASEFSM_ACTION_COUNT);
    for (int a = 0; a < CASEFSM_ACTION_COUNT; a++) {
        enum casefsm_action action = (enum casefsm_action)a;
        cr_assert_str_eq(casefsm_action_name(action), NAMES[a]);
        cr_assert_eq(casefsm_action_from_name(NAMES[a]), a);
        const char *zh = casefsm_action_name_zh(action);
        cr_assert(zh != NULL && zh[0] != '\0', "%s has a Chinese name", NAMES[a]);
        for (int b = 0; b < a; b++)
            cr_assert_str_neq(zh, casefsm_action_name_zh((enum casefsm_action)b));
    }
    cr_assert_str_eq(casefsm_action_name_zh(A(SUPERVISE)), "督办");
    cr_assert_str_eq(casefsm_action_name_zh(A(REOPEN)), "重办");
    cr_assert_null(casefsm_action_name(CASEFSM_ACTION_COUNT));
    cr_assert_null(casefsm_action_name_zh(CASEFSM_ACTION_COUNT));
}

Test(casefsm, unknown_names_are_minus_one)
{
    static const char *const BAD[] = {"",           "Reported",      "REPORTED", "reported ",
                                      "check_pass", "requestReturn", "none\n",   "pending",
                                      "待受理",     "closedx",       "clos"};
    for (size_t i = 0; i < COUNT_OF(BAD); i++) {
        cr_assert_eq(casefsm_state_from_name(BAD[i]), -1, "state '%s'", BAD[i]);
        cr_assert_eq(casefsm_action_from_name(BAD[i]), -1, "action '%s'", BAD[i]);
        cr_assert_eq(casefsm_pending_from_name(BAD[i]), -1, "pending '%s'", BAD[i]);
    }
    cr_assert_eq(casefsm_state_from_name(NULL), -1);
    cr_assert_eq(casefsm_action_from_name(NULL), -1);
    cr_assert_eq(casefsm_pending_from_name(NULL), -1);
    // Names of one kind are not names of another.
    cr_assert_eq(casefsm_state_from_name("close"), -1);
    cr_assert_eq(casefsm_action_from_name("closed"), -1);
    cr_assert_eq(casefsm_pending_from_name("request-return"), -1);
}

// One step of a walk: takes `action` as `role`, checks the result, moves the case on.
struct walk {
    enum casefsm_state state;
    enum casefsm_pending pending;
    int step;
};

static void take(struct walk *walk, int action, enum role role, int next, int pending_after,
                 unsigned effects)
{
    struct casefsm_outcome out;
    walk->step++;
    enum casefsm_verdict verdict = apply((int)walk->state, (int)walk->pending, action, role, &out);
    cr_assert_eq(verdict, CASEFSM_OK, "step %d: %s from %s: %s", walk->step,
                 casefsm_action_name((enum casefsm_action)action), casefsm_state_name(walk->state),
                 verdict_text(verdict));
    cr_assert_eq((int)out.next, next, "step %d: next %s", walk->step, casefsm_state_name(out.next));
    cr_assert_eq((int)out.pending, pending_after, "step %d: pending", walk->step);
    cr_assert_eq(out.effects, effects, "step %d: effects %#x", walk->step, out.effects);
    walk->state = out.next;
    walk->pending = out.pending;
}

Test(casefsm, a_case_from_intake_to_reopening)
{
    struct walk w = {CASEFSM_STATE_REPORTED, CASEFSM_PENDING_NONE, 0};
    take(&w, A(VERIFY), ROLE_OPERATOR, S(VERIFYING), P(NONE), 0);
    take(&w, A(CONFIRM), ROLE_INSPECTOR, S(REPORTED), P(NONE), E(VERIFIED));
    take(&w, A(ACCEPT), ROLE_SUPERVISOR, S(ACCEPTED), P(NONE), 0);
    take(&w, A(DISPATCH), ROLE_SUPERVISOR, S(DISPATCHED), P(NONE), E(START_HANDLING_CLOCK));
    take(&w, A(SIGN), ROLE_DEPARTMENT, S(PROCESSING), P(NONE), 0);
    take(&w, A(REQUEST_EXTENSION), ROLE_DEPARTMENT, S(PROCESSING), P(EXTENSION), E(SET_PENDING));
    take(&w, A(SUPERVISE), ROLE_LEADER, S(PROCESSING), P(EXTENSION), E(SUPERVISED));
    take(&w, A(APPROVE), ROLE_SUPERVISOR, S(PROCESSING), P(NONE),
         E(CLEAR_PENDING) | E(MOVE_DEADLINE));
    take(&w, A(REQUEST_SUSPENSION), ROLE_DEPARTMENT, S(PROCESSING), P(SUSPENSION), E(SET_PENDING));
    take(&w, A(APPROVE), ROLE_SUPERVISOR, S(SUSPENDED), P(NONE), E(CLEAR_PENDING) | E(STOP_CLOCK));
    take(&w, A(RESUME), ROLE_DEPARTMENT, S(PROCESSING), P(NONE), E(RESTART_CLOCK));
    take(&w, A(REQUEST_RETURN), ROLE_DEPARTMENT, S(PROCESSING), P(RETURN), E(SET_PENDING));
    take(&w, A(APPROVE), ROLE_SUPERVISOR, S(ACCEPTED), P(NONE),
         E(CLEAR_PENDING) | E(CLEAR_DEPARTMENT));
    take(&w, A(DISPATCH), ROLE_SUPERVISOR, S(DISPATCHED), P(NONE), E(START_HANDLING_CLOCK));
    take(&w, A(SIGN), ROLE_DEPARTMENT, S(PROCESSING), P(NONE), 0);
    take(&w, A(HANDLE), ROLE_DEPARTMENT, S(HANDLED), P(NONE), E(END_HANDLING_CLOCK));
    take(&w, A(CHECK_FAIL), ROLE_INSPECTOR, S(DISPATCHED), P(NONE),
         E(REWORK) | E(START_HANDLING_CLOCK));
    take(&w, A(SIGN), ROLE_DEPARTMENT, S(PROCESSING), P(NONE), 0);
    take(&w, A(HANDLE), ROLE_DEPARTMENT, S(HANDLED), P(NONE), E(END_HANDLING_CLOCK));
    take(&w, A(CHECK_PASS), ROLE_INSPECTOR, S(CHECKED), P(NONE), 0);
    cr_assert(casefsm_state_is_open(w.state));
    take(&w, A(CLOSE), ROLE_SUPERVISOR, S(CLOSED), P(NONE), 0);
    cr_assert_not(casefsm_state_is_open(w.state));
    cr_assert_not(casefsm_state_is_final(w.state));
    take(&w, A(REOPEN), ROLE_SYSTEM, S(DISPATCHED), P(NONE), E(REOPEN) | E(START_HANDLING_CLOCK));
    cr_assert(casefsm_state_is_open(w.state));
}

Test(casefsm, a_refused_request_leaves_the_case_where_it_was)
{
    struct walk w = {CASEFSM_STATE_DISPATCHED, CASEFSM_PENDING_NONE, 0};
    take(&w, A(REQUEST_RETURN), ROLE_DEPARTMENT, S(DISPATCHED), P(RETURN), E(SET_PENDING));
    cr_assert_eq(apply(w.state, w.pending, A(REQUEST_EXTENSION), ROLE_DEPARTMENT, NULL),
                 CASEFSM_ERR_PENDING, "a second request while one is pending");
    take(&w, A(REFUSE), ROLE_SUPERVISOR, S(DISPATCHED), P(NONE), E(CLEAR_PENDING));
    take(&w, A(SIGN), ROLE_DEPARTMENT, S(PROCESSING), P(NONE), 0);
}

Test(casefsm, denied_and_merged_cases_end_for_good)
{
    struct walk w = {CASEFSM_STATE_REPORTED, CASEFSM_PENDING_NONE, 0};
    take(&w, A(VERIFY), ROLE_SUPERVISOR, S(VERIFYING), P(NONE), 0);
    take(&w, A(DENY), ROLE_INSPECTOR, S(REJECTED), P(NONE), E(FINAL));
    cr_assert(casefsm_state_is_final(w.state));
    struct walk m = {CASEFSM_STATE_ACCEPTED, CASEFSM_PENDING_NONE, 0};
    take(&m, A(MERGE), ROLE_SUPERVISOR, S(MERGED), P(NONE), E(FINAL));
    for (size_t r = 0; r < COUNT_OF(ROLES); r++) {
        cr_assert_eq(casefsm_allowed_actions(w.state, w.pending, ROLES[r]), 0u);
        cr_assert_eq(casefsm_allowed_actions(m.state, m.pending, ROLES[r]), 0u);
    }
}
