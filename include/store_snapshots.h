// SPDX-License-Identifier: MIT
// The red and black lists (红黑榜) in the store: assessment snapshots, frozen per
// month, group and revision (a correction is the next revision, linked to the
// one it corrects), each published with an entry in audit_log, the second hash
// chain (for events that are not a case's); and the verification of that chain
// together with every snapshot's body hash.
#ifndef CHENGGUAN_STORE_SNAPSHOTS_H
#define CHENGGUAN_STORE_SNAPSHOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

// A snapshot to publish.
struct store_snapshot_new {
    const char *period;    // "YYYY-MM"
    const char *group;     // department, street, community, grid, inspector, operator
    int64_t supersedes_id; // 0: the freeze at month close (revision 1)
    const char *reason;    // why a correction was needed; "" for the freeze
    const char *body;      // the canonical JSON of the frozen table
    int64_t created_at;
    int64_t actor_user_id;               // 0: the scheduler
    const char *actor_role, *actor_name; // "system" for the scheduler
};

// Publishes a snapshot in one transaction: the row (body_hash = audit_text_hash
// of body) and its audit_log entry (action "snapshot.publish", or
// "snapshot.correct" for a correction, subject assessment_snapshot/id, data
// with period, group, revision, supersedes_id, reason and body_hash). A freeze
// is revision 1; a correction is the revision after the one it supersedes,
// which must be the latest of its period and group. Sets *id and *revision.
// Returns STORE_OK; STORE_CONFLICT (freeze: that month and group is frozen
// already, by this or another server; correction: supersedes_id is not the
// latest revision); STORE_NOT_FOUND (correction: no such snapshot of that
// period and group); or the write's failure.
int store_snapshot_publish(struct store *store, const struct store_snapshot_new *in, int64_t *id,
                           int *revision);

// One snapshot. Strings are valid during the callback only; body is NULL in
// lists.
struct store_snapshot {
    int64_t id;
    const char *period, *group;
    int revision;
    int64_t supersedes_id; // 0 for revision 1
    int64_t superseded_by; // the correction of this one, 0 when it is the latest
    const char *reason;
    const char *body, *body_hash;
    int64_t created_at;
    int64_t created_by; // 0: the scheduler
};

// Calls fn for the snapshots of period and group (NULL: any), newest period
// first, then by group and revision, without bodies. Returns STORE_OK or
// STORE_ERROR.
int store_snapshot_list(struct store *store, const char *period, const char *group,
                        void (*fn)(const struct store_snapshot *s, void *data), void *data);

// Calls fn once for snapshot id, with its body. Returns STORE_OK,
// STORE_NOT_FOUND or STORE_ERROR.
int store_snapshot_get(struct store *store, int64_t id,
                       void (*fn)(const struct store_snapshot *s, void *data), void *data);

// Calls fn for the latest revision of each of the groups (an array of count
// group names) frozen for period, with bodies; period "" means the latest
// month any of them was frozen for. Returns STORE_OK (fn not called: none) or
// STORE_ERROR.
int store_snapshot_latest(struct store *store, const char *period, const char *const *groups,
                          size_t count, void (*fn)(const struct store_snapshot *s, void *data),
                          void *data);

// How many of the groups have a snapshot (any revision) for period, into *count.
// Returns STORE_OK or STORE_ERROR.
int store_snapshot_frozen_groups(struct store *store, const char *period, int *count);

// What the verification of audit_log and the snapshots found.
struct store_audit_log_report {
    int64_t entries;         // audit_log entries checked
    int64_t snapshots;       // snapshots checked
    int64_t broken_entry;    // the first audit_log entry whose chain link fails; 0: none
    int64_t broken_snapshot; // the first snapshot that does not match; 0: none
    char problem[160];       // what is wrong, in English; "" when intact
};

// Walks audit_log in id order checking each link (audit_log_hash), then each
// snapshot: its body must hash to its body_hash, and its publication entry in
// audit_log must carry that hash; a snapshot without an entry, or an entry
// whose snapshot is gone, is broken too. Fills *out. Returns STORE_OK (then
// read the report) or STORE_ERROR (could not read).
int store_audit_log_verify(struct store *store, struct store_audit_log_report *out);

#endif
