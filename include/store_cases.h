// SPDX-License-Identifier: MIT
// Cases in the store: intake (with the daily case number, the first event and the
// search index in one transaction), loading, one transition per call (state,
// version, deadlines and the hash-chained event row in one transaction), the
// event log and its verification.
#ifndef CHENGGUAN_STORE_CASES_H
#define CHENGGUAN_STORE_CASES_H

#include "casefsm.h"
#include "casework.h"
#include "roles.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct worktime_calendar;

#define CASE_DESCRIPTION_MAX 4000 // bytes
#define CASE_ADDRESS_MAX     500
#define CASE_NOTE_MAX        2000

struct store_case {
    int64_t id;
    char case_no[16];
    char source[8]; // patrol, web, 12345, 110, 12319, video, leader, media
    char external_id[64];
    enum casefsm_state state;
    enum casefsm_pending pending;
    int pending_amount;
    char pending_note[CASE_NOTE_MAX + 1];
    int64_t version;
    int64_t category_id; // 0 when none
    char category_tree[12];
    char category_code[8];
    char category_name_zh[64];
    char category_name_en[96];
    bool urgent;
    char description[CASE_DESCRIPTION_MAX + 1];
    char address[CASE_ADDRESS_MAX + 1];
    bool has_location;
    double lat, lon;
    int64_t grid_id; // 0 when unplaced
    char grid_code[16];
    int64_t community_id, street_id, district_id;
    char community_name[64], street_name[64];
    char place_path[128];
    bool needs_placement;
    int64_t reporter_user_id;
    char reporter_name[128];
    char citizen_name[64];
    char citizen_phone[32];
    int64_t department_id;
    char department_name[128];
    bool verified, self_handled, photo_reused;
    int rework_count, reopen_count, supervise_count, extension_count, return_count;
    // Sent by the escalation scheduler (store_escalation.h): reminders (催办) at
    // yellow, supervision notices (督办) at red. supervise_count is leaders' own.
    int remind_count, auto_supervise_count;
    int64_t merged_into;
    // The case's clock: the main stage of its state (casework_clock_stage).
    char stage[12]; // file, verify, dispatch, handle, check, close, none
    int64_t stage_started_at;
    char stage_unit[16];    // work_hours, work_days, urgent_hours
    int64_t stage_limit_ms; // in the unit's sense (working ms or wall ms)
    int64_t stage_deadline; // 0 while suspended or when no stage runs
    int64_t suspended_remaining_ms;
    int64_t handling_deadline; // the round's handling deadline; 0 before a dispatch
    int64_t handled_at;        // when the department last reported it fixed
    int64_t filed_at;          // when it was filed (立案); 0 before
    int64_t created_at, updated_at, closed_at;
    char rating[24];
    char rating_comment[CASE_NOTE_MAX + 1];
    int64_t rated_at;
    // The level the latest verification or check task was routed at: cell,
    // zone, street or "" (store_task_route.h).
    char task_level[8];
    // How the point was found: "geocode" (the typed address, matching
    // located_label in the gazetteer) or "" (sent, or set by hand).
    char located_by[12];
    char located_label[160];
    // In a list for an inspector (store_case_filter.viewer_id): the task is
    // routed to them.
    bool task_mine;
};

// What an intake supplies. Strings may be NULL when absent.
struct case_intake {
    const char *source;
    const char *external_id;
    const char *description;
    const char *address;
    bool has_location;
    double lat, lon;
    int64_t category_id; // 0: none (suggested later)
    bool urgent;
    int64_t reporter_user_id; // 0 for citizens
    int64_t api_token_id;     // the hotline token filing it (case_filer_token); 0: none
    const char *actor_role;   // "citizen", "inspector", "operator", "system"
    const char *actor_name;
    const char *citizen_name;
    const char *citizen_phone;
    const unsigned char *query_code_hash; // 32 bytes, citizens only
    // A citizen's SMS (store_notify.h): the query code in clear for the links
    // and the language chosen (zh, en); NULL code: no SMS.
    const char *notify_code, *notify_lang;
    bool self_handled;               // filed already fixed (自行处置): created closed
    const char *fallback_place_path; // jurisdiction when the point is in no cell;
                                     // NULL: the only district, else the city
    int64_t grid_id, community_id, street_id, district_id; // from the grid lookup; 0 = unplaced
    const char *located_by;    // "geocode" when lat/lon came from the address; NULL = ""
    const char *located_label; // the gazetteer label matched; NULL = ""
    // Photos uploaded beforehand by the reporter (store_upload_add), attached in
    // the same transaction: report photos, or a fix on the spot's before and after.
    const struct case_intake_photo {
        const char *hash;
        const char *stage; // report, before or after
    } * photos;
    size_t photo_count; // at most CASE_INTAKE_PHOTOS_MAX
};

#define CASE_INTAKE_PHOTOS_MAX 12

// Creates a case: places it where the intake says (grid_id and the places above
// it, which the caller found with store_grid_locate; the store does not locate
// lat/lon itself; grid_id 0 files it unplaced, needs_placement set, under
// fallback_place_path), numbers it, opens its first stage, indexes its text,
// attaches the intake's photos, writes the first event. On a repeated
// (source, external_id) nothing is written, *out is the existing case and
// STORE_CONFLICT is returned. Returns STORE_OK, STORE_CONFLICT, STORE_INVALID (no
// such active subclass; a photo that is not an upload of the reporter from the
// last STORE_UPLOAD_HOLD_MS; a fix on the spot without a before and an after
// photo) or STORE_ERROR.
int store_case_create(struct store *store, const struct worktime_calendar *calendar,
                      const struct case_intake *intake, struct store_case *out);

// Loads a case by id. Returns STORE_OK or STORE_NOT_FOUND.
int store_case_get(struct store *store, int64_t id, struct store_case *out);

// Loads a case by its number. Returns STORE_OK or STORE_NOT_FOUND.
int store_case_get_by_no(struct store *store, const char *case_no, struct store_case *out);

// One transition, as requested by an actor. The rules (casework) decide the rest.
struct case_transition {
    int64_t case_id;
    int64_t expected_version;
    enum casefsm_action action;
    int64_t actor_user_id; // 0 for the system
    enum role actor_role;  // one role bit; ROLE_SYSTEM for the program itself
    const char *actor_name;
    const char *note;         // reason or result (may be NULL)
    const char *public_note;  // staff words the citizen sees besides the event's code
    int64_t department_id;    // dispatch
    int64_t category_id;      // accept (0 keeps the case's)
    int urgent;               // accept: -1 keeps, 0 or 1 sets
    int64_t target_case_id;   // merge (the caller checked the target is visible)
    int amount;               // request-extension: extra units of the stage
    const char *phase;        // phase: the code of the phase done
    int64_t reopen_window_ms; // reopen: how long after closing it may be
    const char *data_json;    // extra facts for the event ("{}" when NULL)
};

// Why the rules refused a transition (store_case_transition's STORE_INVALID).
struct case_refusal {
    enum casework_error error; // the status to answer: see casework.h
    const char *field;         // the input to blame, or NULL
    char message[200];
};

// Applies a transition in one transaction: begin, load the case (STORE_CONFLICT
// when its version is not expected_version), its running stage records, photos
// and limits, casework_apply, save the case and the stage records, append the
// event, commit. *out receives the updated case. Returns STORE_OK,
// STORE_NOT_FOUND, STORE_CONFLICT, STORE_INVALID (the rules refused: *refusal
// says why) or STORE_ERROR.
int store_case_transition(struct store *store, const struct worktime_calendar *calendar,
                          const struct case_transition *t, struct store_case *out,
                          struct case_refusal *refusal);

// A stage record as listed (see casework_stage_record).
struct store_case_stage {
    struct casework_stage_record record;
    char unit_name[128]; // the responsible org unit's name ("" when none)
};

// Calls fn for each stage record of a case, oldest first. Returns STORE_OK or
// STORE_ERROR.
int store_case_stages(struct store *store, int64_t case_id,
                      void (*fn)(const struct store_case_stage *stage, void *data), void *data);

// Where a supervisor puts a case that came in outside every cell (or in the
// wrong place): the new point, its cell and places, and an address (NULL keeps).
struct case_placement {
    int64_t case_id;
    int64_t expected_version;
    double lat, lon;
    const char *address;
    int64_t grid_id, community_id, street_id, district_id;
    int64_t actor_user_id;
    const char *actor_role;
    const char *actor_name;
};

// Moves the case to the placement in one transaction with a "place" event; the
// case's jurisdiction follows its new community. Returns STORE_OK,
// STORE_NOT_FOUND, STORE_CONFLICT (stale version) or STORE_ERROR.
int store_case_place(struct store *store, const struct case_placement *placement,
                     struct store_case *out);

// Calls fn for each event of a case, oldest first.
struct store_case_event {
    int64_t id;
    char action[24];
    char from_state[16];
    char to_state[16];
    int64_t actor_user_id;
    char actor_role[16];
    char actor_name[128];
    char note[CASE_NOTE_MAX + 1];
    char public_note[CASE_NOTE_MAX + 1];
    char data[1024];
    int64_t created_at;
    char hash[65];
};
int store_case_events(struct store *store, int64_t case_id,
                      void (*fn)(const struct store_case_event *event, void *data), void *data);

// Walks the whole event chain in id order recomputing each hash. Returns 0 when
// intact (with *count events), else the id of the first broken event, or -1
// when the chain could not be read (logged).
int64_t store_audit_verify(struct store *store, int64_t *count);

#endif
