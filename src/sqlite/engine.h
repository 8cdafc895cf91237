// SPDX-License-Identifier: MIT
// The SQLite engine's private helpers, shared by the files of src/sqlite/ and
// by nothing else: per-thread read statements, the group-commit write path
// (store_write and the transaction handle it lends a job), named-parameter
// binders and step helpers. Only this folder includes sqlite3.h.
#ifndef CHENGGUAN_SQLITE_ENGINE_H
#define CHENGGUAN_SQLITE_ENGINE_H

#include "store.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// The write connection as lent to one write job; valid during the job only.
struct store_tx;

// Returns the calling thread's read-only statement for sql, prepared once per
// thread with SQLITE_PREPARE_PERSISTENT. sql must be a string with static storage
// (it is cached by address). Returns NULL on error (logged). After use, call
// store_stmt_done. Never use it to write.
sqlite3_stmt *store_read_stmt(struct store *store, const char *sql);

// Resets the statement and clears its bindings so the next user starts clean.
void store_stmt_done(sqlite3_stmt *stmt);

// Runs job(tx, data) on the write connection inside a transaction shared with the
// other writes queued at the same moment (each job in its own savepoint), and
// returns when the batch is on disk. The job returns STORE_OK to keep its changes,
// anything else to roll back just its own changes; that value is returned. If the
// commit itself fails, STORE_ERROR is returned and nothing of the job is kept.
// A job must not call store_write (deadlock) nor do anything irreversible outside
// the database.
int store_write(struct store *store, int (*job)(struct store_tx *tx, void *data), void *data);

// Like store_write, but the job runs in a transaction of its own, without the
// savepoint (a job that writes a great deal would otherwise keep a copy of every
// page it changed): STORE_OK commits, anything else rolls back everything the
// job wrote. For bulk loads (store_bulk).
int store_write_alone(struct store *store, int (*job)(struct store_tx *tx, void *data), void *data);

// True when rc (a SQLite result) says the disk or database is full. Notes it for
// the write job running on this thread, whose STORE_ERROR then becomes STORE_FULL,
// so callers leave the logging to the store (once, not after every failed write).
bool store_disk_full(int rc);

// Records whether the disk is full after a write (a batch, a photo file): the
// first failure is logged, and so is the first success after it. Any thread.
void store_disk_state(struct store *store, bool full);

// Returns the write connection's statement for sql (static storage, cached by
// address); call store_stmt_done after use. NULL on error.
sqlite3_stmt *store_tx_stmt(struct store_tx *tx, const char *sql);

// Binds helpers: by parameter name (":name"). A missing name is a programming
// error and is logged. Text is copied (SQLITE_TRANSIENT); NULL binds NULL.
void store_bind_text(sqlite3_stmt *stmt, const char *name, const char *value);
void store_bind_int(sqlite3_stmt *stmt, const char *name, int64_t value);
void store_bind_double(sqlite3_stmt *stmt, const char *name, double value);
void store_bind_blob(sqlite3_stmt *stmt, const char *name, const void *data, size_t len);
void store_bind_null(sqlite3_stmt *stmt, const char *name);

// Binds an id, or NULL when id <= 0 (no such reference).
void store_bind_id(sqlite3_stmt *stmt, const char *name, int64_t id);

struct jurisdiction_range;

// Binds a jurisdiction's key range to :scope_lo and :scope_hi, for the filter
// "path >= :scope_lo AND path < :scope_hi" (the empty range matches nothing).
void store_bind_range(sqlite3_stmt *stmt, const struct jurisdiction_range *range);

// Copies a text column of the current row into out (size bytes, truncated, NUL
// terminated); NULL reads as "".
void store_column_copy(char *out, size_t size, sqlite3_stmt *stmt, int column);

// Steps a statement expected to yield at most one row. Returns STORE_OK with the
// row ready, STORE_NOT_FOUND, STORE_CONFLICT on a constraint violation, or
// STORE_ERROR (logged). The caller still calls store_stmt_done.
int store_step_row(sqlite3_stmt *stmt);

// Steps a statement that returns no rows (or whose rows are ignored). Returns
// STORE_OK, STORE_CONFLICT on a constraint violation, or STORE_ERROR (logged).
int store_exec_stmt(sqlite3_stmt *stmt);

// ---- shared between the engine's files ----

// A monotonic clock in microseconds, for the writer's timings.
int64_t store_monotonic_us(void);

// The name of the VFS that times each fsync for the metrics (store_vfs.c), to
// open the write connection with; NULL (the default VFS) when it could not be
// registered.
const char *store_timed_vfs(void);

// A statement whose query plan matters at a city's scale, by a name people read
// ("list: open by deadline"): store_explain shows the plan of each.
struct store_plan_statement {
    const char *name;
    const char *sql;
};
extern const struct store_plan_statement STORE_LIST_PLANS[];
extern const size_t STORE_LIST_PLAN_COUNT;
extern const struct store_plan_statement STORE_DUPLICATE_PLANS[];
extern const size_t STORE_DUPLICATE_PLAN_COUNT;
extern const struct store_plan_statement STORE_STATS_PLANS[];
extern const size_t STORE_STATS_PLAN_COUNT;

struct audit_event;
struct case_refusal;
struct case_transition;
struct casework_case;
struct casework_limits;
struct casework_stage_record;
struct store_case;
struct worktime_calendar;

// The columns of a case row and the joins they need, in the order
// store_case_read_row reads them: "SELECT " STORE_CASE_COLUMNS "FROM case_record c "
// STORE_CASE_JOINS "WHERE ...". Every case query (one case, a page of a list)
// reads whole rows this way, in one statement.
#define STORE_CASE_COLUMNS                                                                         \
    "c.id, c.case_no, c.source, COALESCE(c.external_id, ''), c.state, c.pending, "                 \
    "c.pending_amount, c.pending_note, c.version, COALESCE(c.category_id, 0), "                    \
    "COALESCE(cat.tree, ''), COALESCE(cat.code, ''), COALESCE(cat.name_zh, ''), "                  \
    "COALESCE(cat.name_en, ''), c.urgent, c.description, c.address, c.lat, c.lon, "                \
    "COALESCE(c.grid_id, 0), COALESCE(g.code, ''), COALESCE(c.community_id, 0), "                  \
    "COALESCE(c.street_id, 0), COALESCE(c.district_id, 0), COALESCE(cm.name, ''), "                \
    "COALESCE(st.name, ''), c.place_path, c.needs_placement, COALESCE(c.reporter_user_id, 0), "    \
    "COALESCE(u.display_name, ''), c.citizen_name, c.citizen_phone, "                              \
    "COALESCE(c.department_id, 0), COALESCE(d.name, ''), c.verified, c.self_handled, "             \
    "c.photo_reused, c.rework_count, c.reopen_count, c.supervise_count, c.extension_count, "       \
    "c.return_count, COALESCE(c.merged_into, 0), c.stage, c.stage_started_at, c.stage_unit, "      \
    "c.stage_limit_ms, COALESCE(c.stage_deadline, 0), COALESCE(c.suspended_remaining_ms, 0), "     \
    "c.created_at, c.updated_at, COALESCE(c.closed_at, 0), COALESCE(c.rating, ''), "               \
    "c.rating_comment, COALESCE(c.rated_at, 0), COALESCE(c.handling_deadline, 0), "                \
    "COALESCE(c.handled_at, 0) "
#define STORE_CASE_JOINS                                                                           \
    "LEFT JOIN category cat ON cat.id = c.category_id "                                            \
    "LEFT JOIN grid_cell g ON g.id = c.grid_id LEFT JOIN org_unit cm ON cm.id = c.community_id "   \
    "LEFT JOIN org_unit st ON st.id = c.street_id LEFT JOIN app_user u ON u.id = "                 \
    "c.reporter_user_id LEFT JOIN org_unit d ON d.id = c.department_id "
// The number of columns of STORE_CASE_COLUMNS.
#define STORE_CASE_COLUMN_COUNT 56

// Reads a row selected with STORE_CASE_COLUMNS (from its first column) into *c.
void store_case_read_row(sqlite3_stmt *stmt, struct store_case *c);

// Loads a case inside a write job. Returns STORE_OK, STORE_NOT_FOUND or STORE_ERROR.
int store_case_load_tx(struct store_tx *tx, int64_t id, struct store_case *out);

// Writes every mutable field of c back to its row (the seldom-changing ones only
// when they differ). Returns STORE_OK or STORE_ERROR.
int store_case_save_tx(struct store_tx *tx, const struct store_case *c);

// The workflow facts of a stored case for casework, and back (only the fields
// casework owns are written back).
void store_case_to_work(const struct store_case *c, struct casework_case *w);
void store_case_from_work(const struct casework_case *w, struct store_case *c);

// Appends an event to the hash chain (audit_hash over the last event's hash).
// NULL texts are stored and hashed as "" (data as "{}"). Returns STORE_OK or
// STORE_ERROR.
int store_case_event_append_tx(struct store_tx *tx, const struct audit_event *event);

// The limits of a category in casework's terms (minutes of the calendar), with
// its phases; all zero for category_id <= 0. Returns STORE_OK or STORE_ERROR.
int store_category_limits_tx(struct store_tx *tx, const struct worktime_calendar *calendar,
                             int64_t category_id, struct casework_limits *out);

// Saves the stage records whose `changed` is set: an update by id of what may
// change once a record is open (casework never changes its stage, phase, round,
// attempt, unit or start afterwards), or an insert of the whole record for id 0.
// Returns STORE_OK or STORE_ERROR.
int store_stages_save_tx(struct store_tx *tx, int64_t case_id,
                         const struct casework_stage_record *records, int count);

// The overview's counts (store_tally.c), kept in the write job of each change:
// a new case, a case whose state, pending request or category changed (before
// and after), a case moved to another place (its filing, closure and ratings
// move with it), a rating of a case at place_path. Each returns STORE_OK or
// STORE_ERROR.
int store_tally_created(struct store_tx *tx, const struct store_case *c);
int store_tally_changed(struct store_tx *tx, const struct store_case *before,
                        const struct store_case *after);
int store_tally_moved(struct store_tx *tx, const struct store_case *before,
                      const struct store_case *after);
int store_tally_rated(struct store_tx *tx, const char *place_path, const char *rating, int delta);

// store_case_transition inside a write job that is already running (for a
// change that must commit together with a transition, such as a citizen's
// rating and the reopen it causes). Same results.
int store_case_transition_tx(struct store_tx *tx, const struct worktime_calendar *calendar,
                             const struct case_transition *t, struct store_case *out,
                             struct case_refusal *refusal);

// The write jobs of store_case_create, store_attachment_add, store_upload_add and
// store_case_rate, inside a write job that is already running (a bulk load runs
// many in one transaction). Same arguments and results as the public calls; the
// caller's job decides whether the transaction keeps what they wrote.
struct case_intake;
struct store_attachment_new;
struct store_attachment_outcome;
struct store_case_rating;
int store_case_create_tx(struct store_tx *tx, const struct worktime_calendar *calendar,
                         const struct case_intake *intake, struct store_case *out);
int store_attachment_add_tx(struct store_tx *tx, const struct store_attachment_new *photo,
                            struct store_attachment_outcome *out);
int store_upload_add_tx(struct store_tx *tx, int64_t user_id, const char *hash, const char *mime,
                        int64_t size);
int store_case_rate_tx(struct store_tx *tx, const struct store_case_rating *rating);

// Appends an event that records a fact about the case without changing its state
// (a photo, a rating, a reuse flag), inside a running write job: from and to are
// the case's current state. data_json may be NULL. Returns STORE_OK,
// STORE_NOT_FOUND or STORE_ERROR.
int store_case_note_tx(struct store_tx *tx, int64_t case_id, const char *action,
                       int64_t actor_user_id, const char *actor_role, const char *actor_name,
                       const char *note, const char *public_note, const char *data_json);

#endif
