// SPDX-License-Identifier: MIT
// Escalation on its own (issue 12): the scan that finds running stage records
// at yellow (80% of the limit used, pauses excluded) and red (past the
// deadline) and records, once per record and level, a reminder (催办) or an
// automatic supervision notice (督办): an escalation row, inbox rows for the
// units told, a case event in the audit chain and a count on the case. And the
// inbox those rows make: listed per org unit, marked read.
#ifndef CHENGGUAN_STORE_ESCALATION_H
#define CHENGGUAN_STORE_ESCALATION_H

#include <stdbool.h>
#include <stdint.h>

struct store;

// The most stage records one write job escalates; a scan runs as many jobs as
// it needs, so one job never holds the writer for long.
#define STORE_ESCALATION_BATCH 100

// What one scan recorded.
struct store_escalation_counts {
    int reminded;   // yellow: reminders (催办) to the responsible unit
    int supervised; // red: 督办 to the responsible unit and the district's leaders
};

// Escalates every running stage record due at `now` (ms since the epoch):
// past its deadline (red) first, then from its warn_at on (yellow), each in
// order of due time. A record that is already red gets no yellow reminder. Per
// record and level it writes at most once, ever: the claim is an update of the
// record's level and the unique key of case_escalation (stage, level), so a
// second scan, a restart or another server on the same database writes nothing
// again. For each escalation, in one transaction: the escalation row; inbox
// rows (yellow: 'remind' to the record's responsible unit; red: 'supervise' to
// that unit and, for its leaders, to the case's district); the event "remind"
// or "auto-supervise" (actor: the system) with the stage, level and recipients
// in its data; and remind_count or auto_supervise_count of the case plus one.
// Paused and ended records are never due. Fills *out (may be NULL). Returns
// STORE_OK, STORE_BUSY (the store is closing) or STORE_ERROR; escalations of
// the jobs that committed before an error stay.
int store_escalation_scan(struct store *store, int64_t now, struct store_escalation_counts *out);

// One inbox message. Strings are valid during the callback only.
struct store_inbox_item {
    int64_t id;
    const char *kind;     // "remind" (催办) or "supervise" (督办)
    const char *audience; // "unit" (every user of the unit) or "leaders"
    const char *level;    // "yellow" or "red"
    int64_t case_id;
    const char *case_no;
    const char *stage; // the stage record escalated: file, verify, dispatch, sign, ...
    const char *phase; // its phase code, "" unless stage is "phase"
    int64_t deadline;  // the record's deadline now (0 while paused)
    int64_t created_at;
    int64_t read_at; // 0 while unread
};

// Which inbox: the org unit's messages; a leader also reads those for the
// unit's leaders.
struct store_inbox_owner {
    int64_t unit_id;
    bool leader;
};

// Calls fn for the owner's messages newest first, those with id < before_id
// (0: from the newest), at most limit of them, only unread ones when
// unread_only. Sets *more when more follow. Returns STORE_OK or STORE_ERROR.
int store_inbox_list(struct store *store, const struct store_inbox_owner *owner, bool unread_only,
                     int64_t before_id, int limit,
                     void (*fn)(const struct store_inbox_item *item, void *data), void *data,
                     bool *more);

// Marks message id of the owner's inbox read by user_id at now (a message read
// before keeps its first mark). Returns STORE_OK, STORE_NOT_FOUND (no such
// message in that inbox) or STORE_ERROR.
int store_inbox_mark_read(struct store *store, const struct store_inbox_owner *owner, int64_t id,
                          int64_t user_id, int64_t now);

#endif
