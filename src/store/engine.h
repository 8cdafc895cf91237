// SPDX-License-Identifier: MIT
// The store layer's private header, shared by the engine-neutral store logic
// (src/store/) and the engines (src/sqlite/, src/postgres/) and by nothing else:
// statements named by their SQL text (cached per connection), named-parameter
// binders, step and column readers, the group-commit write path (store_write and
// the transaction handle it lends a job) and struct store_engine, the table of
// functions each engine defines. No engine library's header is included here.
#ifndef CHENGGUAN_STORE_ENGINE_H
#define CHENGGUAN_STORE_ENGINE_H

#include "store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_engine;

// A prepared statement of an engine. The engine's own statement starts with this
// header (its first member), so the functions below reach the engine through it.
// sql is the text it was prepared from (static storage).
struct store_stmt {
    const struct store_engine *engine;
    const char *sql;
};

// One connection of an engine (its definition is the engine's own).
struct store_db;

// The write connection as lent to one write job; valid during the job only.
struct store_tx;

// Returns the calling thread's read-only statement for sql, prepared once per
// thread. sql must be a string with static storage (it is cached by address);
// parameters are named ":name" in every engine's SQL. Returns NULL on error
// (logged), also for NULL sql (SQL not written for this engine). After use, call
// store_stmt_done. Never use it to write.
struct store_stmt *store_read_stmt(struct store *store, const char *sql);

// Returns the write connection's statement for sql (static storage, cached by
// address); call store_stmt_done after use. NULL on error (logged).
struct store_stmt *store_tx_stmt(struct store_tx *tx, const char *sql);

// Of two texts of one statement, the one the store's engine speaks: for SQL that
// differs between engines. Both have static storage; postgres_sql may be NULL
// while that text is not written (the statement then fails, logged).
const char *store_sql(const struct store *store, const char *sqlite_sql, const char *postgres_sql);
const char *store_tx_sql(const struct store_tx *tx, const char *sqlite_sql,
                         const char *postgres_sql);

// An uncached statement for SQL made at run time (`chengguan copy` names its
// tables and columns from the schema it finds): on the calling thread's read
// connection of store, or on the write connection of tx. sql must outlive the
// statement (the caller owns both); free it with store_stmt_free before the
// job (tx) or the thread's reading ends. NULL on error (logged). The cached
// functions above must never be given such a string: their cache is keyed by
// the address of the text.
struct store_stmt *store_read_prepare(struct store *store, const char *sql);
struct store_stmt *store_tx_prepare(struct store_tx *tx, const char *sql);

// Frees a statement from store_read_prepare or store_tx_prepare. Accepts NULL.
void store_stmt_free(struct store_stmt *stmt);

// Resets the statement and clears its bindings so the next user starts clean.
// Accepts NULL.
void store_stmt_done(struct store_stmt *stmt);

// Binds helpers: by parameter name (":name"). A missing name is a programming
// error and is logged. Text and blobs are copied; NULL text binds NULL. An int
// 1 or 0 bound to a boolean column works on every engine.
void store_bind_text(struct store_stmt *stmt, const char *name, const char *value);
void store_bind_int(struct store_stmt *stmt, const char *name, int64_t value);
void store_bind_double(struct store_stmt *stmt, const char *name, double value);
void store_bind_blob(struct store_stmt *stmt, const char *name, const void *data, size_t len);
void store_bind_null(struct store_stmt *stmt, const char *name);

// Binds an id, or NULL when id <= 0 (no such reference).
void store_bind_id(struct store_stmt *stmt, const char *name, int64_t id);

struct jurisdiction_range;

// Binds a jurisdiction's key range to :scope_lo and :scope_hi, for the filter
// "path >= :scope_lo AND path < :scope_hi" (the empty range matches nothing).
void store_bind_range(struct store_stmt *stmt, const struct jurisdiction_range *range);

// True when the statement has the parameter name (for a statement shared by
// callers that bind different parameters).
bool store_stmt_has_param(struct store_stmt *stmt, const char *name);

// What store_step returns besides the store_result codes. The values are
// SQLite's, which keeps its engine's step a plain pass-through.
enum { STORE_ROW = 100, STORE_DONE = 101 };

// Runs the statement to its next row: STORE_ROW (a row is ready), STORE_DONE,
// STORE_CONFLICT (a unique, foreign key or check constraint failed), STORE_FULL
// (the disk is full; the running write job's STORE_ERROR then becomes
// STORE_FULL) or STORE_ERROR. Errors are not logged: the caller logs, with
// store_stmt_error.
int store_step(struct store_stmt *stmt);

// Steps a statement expected to yield at most one row. Returns STORE_OK with the
// row ready, STORE_NOT_FOUND, STORE_CONFLICT on a constraint violation, or
// STORE_ERROR (logged). The caller still calls store_stmt_done.
int store_step_row(struct store_stmt *stmt);

// Steps a statement that returns no rows (or whose rows are ignored), then
// store_stmt_done. Returns STORE_OK, STORE_CONFLICT on a constraint violation,
// or STORE_ERROR (logged).
int store_exec_stmt(struct store_stmt *stmt);

// Ends a read whose rows the caller's loop stepped until rc (the last
// store_step): logs a failure as "store: <what>: <error>", then
// store_stmt_done. Returns STORE_OK when the rows ran out, else STORE_ERROR.
int store_read_finish(struct store_stmt *stmt, int rc, const char *what);

// The columns of the current row, from 0. SQL NULL reads as 0 and as NULL text
// and blob; a boolean column reads as 1 or 0. Text and blobs stay valid until
// the next step or store_stmt_done; store_col_bytes is the size of either.
static inline int64_t store_col_int64(struct store_stmt *stmt, int col);
static inline int store_col_int(struct store_stmt *stmt, int col);
static inline double store_col_double(struct store_stmt *stmt, int col);
static inline const char *store_col_text(struct store_stmt *stmt, int col);
static inline const void *store_col_blob(struct store_stmt *stmt, int col);
static inline size_t store_col_bytes(struct store_stmt *stmt, int col);
static inline bool store_col_null(struct store_stmt *stmt, int col);

// The type of a column's value in the current row, as the engine sees it.
enum store_type {
    STORE_TYPE_NULL,
    STORE_TYPE_INT,    // integers and booleans (read with store_col_int64: 1 or 0)
    STORE_TYPE_DOUBLE, // floating point (and PostgreSQL's numeric)
    STORE_TYPE_TEXT,
    STORE_TYPE_BLOB,   // SQLite's BLOB, PostgreSQL's bytea
};

// The number of columns of the statement's result, the name of one (valid
// while the statement lives) and the type of its value in the current row.
static inline int store_col_count(struct store_stmt *stmt);
static inline const char *store_col_name(struct store_stmt *stmt, int col);
static inline enum store_type store_col_type(struct store_stmt *stmt, int col);

// Copies a text column of the current row into out (size bytes, truncated at a
// character boundary, NUL terminated); NULL reads as "".
void store_column_copy(char *out, size_t size, struct store_stmt *stmt, int column);

// The rows the statement's last run inserted, updated or deleted.
int64_t store_stmt_changes(struct store_stmt *stmt);

// The engine's message for the statement's last failure, for logs only.
const char *store_stmt_error(struct store_stmt *stmt);

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

// Records whether the disk is full after a write (a batch, a photo file): the
// first failure is logged, and so is the first success after it. Any thread.
void store_disk_state(struct store *store, bool full);

// ---- the engines ----

// The functions an engine defines; store.c calls them, the store logic reaches
// the statement ones through the functions above. Connections are used by one
// thread at a time. Results are store_result codes unless said otherwise.
struct store_engine {
    const char *name;                     // "sqlite", "postgres"
    const char *(*library_version)(void); // static string

    // Connects to the store's location (store_location) and returns its main
    // connection: with options->read_only an existing database opened read-only,
    // else the writer's, migrated to the latest schema. Sets *schema_version.
    // Returns NULL with a message in err on failure.
    struct store_db *(*open)(struct store *store, const struct store_options *options,
                             int *schema_version, char *err, size_t err_size);
    // A new read-only connection for the calling thread; NULL on error (logged).
    struct store_db *(*conn_open)(struct store *store);
    // Closes a connection (its statements are finalized first). writer: the
    // main read-write one, closed with the store (SQLite truncates its WAL).
    void (*conn_close)(struct store_db *db, bool writer);

    // Prepares sql (static storage, parameters ":name") on db: an uncached
    // statement that store.c caches. NULL on error (logged).
    struct store_stmt *(*prepare)(struct store_db *db, const char *sql);
    void (*finalize)(struct store_stmt *stmt);
    // Runs one command without rows (BEGIN, SAVEPOINT, COMMIT...): STORE_OK,
    // STORE_FULL or STORE_ERROR (logged).
    int (*exec)(struct store_db *db, const char *sql);
    // True inside an explicit transaction.
    bool (*in_transaction)(struct store_db *db);

    // The statement operations behind the functions above: reset clears the
    // bindings too; a bind returns false when the statement has no such
    // parameter (value NULL binds NULL); step returns what store_step does.
    void (*reset)(struct store_stmt *stmt);
    bool (*has_param)(struct store_stmt *stmt, const char *name);
    bool (*bind_text)(struct store_stmt *stmt, const char *name, const char *value);
    bool (*bind_int)(struct store_stmt *stmt, const char *name, int64_t value);
    bool (*bind_double)(struct store_stmt *stmt, const char *name, double value);
    bool (*bind_blob)(struct store_stmt *stmt, const char *name, const void *data, size_t len);
    bool (*bind_null)(struct store_stmt *stmt, const char *name);
    int (*step)(struct store_stmt *stmt);
    int64_t (*col_int64)(struct store_stmt *stmt, int col);
    double (*col_double)(struct store_stmt *stmt, int col);
    const char *(*col_text)(struct store_stmt *stmt, int col);
    const void *(*col_blob)(struct store_stmt *stmt, int col);
    size_t (*col_bytes)(struct store_stmt *stmt, int col);
    bool (*col_null)(struct store_stmt *stmt, int col);
    int (*col_count)(struct store_stmt *stmt);
    const char *(*col_name)(struct store_stmt *stmt, int col);
    enum store_type (*col_type)(struct store_stmt *stmt, int col);
    int64_t (*changes)(struct store_stmt *stmt);
    const char *(*error)(struct store_stmt *stmt);

    // The command that starts a batch of writes, and the one that starts a read
    // snapshot (store_read_begin); store.c ends them with COMMIT or ROLLBACK.
    const char *batch_begin_sql;
    const char *read_begin_sql;
    // After each batch on the writer thread; queue_empty: no write waits (SQLite
    // checkpoints its WAL then). May be NULL.
    void (*after_batch)(struct store_db *writer, bool queue_empty);

    // store_backup, the plan of one statement for store_explain (fn once per
    // line, on db, a read connection) and store_integrity_ok (on db).
    int (*backup)(struct store *store, const char *dest_path,
                  const struct store_backup_progress *progress, char *err, size_t err_size);
    int (*explain)(struct store_db *db, const char *name, const char *sql,
                   void (*fn)(const char *name, const char *plan, void *data), void *data);
    bool (*integrity_ok)(struct store_db *db);
    // Writes location as it may be shown to people (a password in it hidden);
    // NULL: shown as it is.
    void (*location_shown)(const char *location, char *out, size_t size);
};

extern const struct store_engine STORE_ENGINE_SQLITE;
extern const struct store_engine STORE_ENGINE_POSTGRES;

// What an engine tells the store layer about a failure it reports as
// STORE_ERROR, on the thread that met it. Unreachable: the database server
// cannot be reached (the connection was lost, or cannot be made), so the
// client is told to come back later (503) rather than of a fault (500).
// Retry: a serialization failure or a deadlock lost the whole transaction;
// the writer runs its batch again (the jobs touch nothing outside the
// database), a reader's request fails.
void store_note_unreachable(void);
void store_note_retry(void);

// What an engine reads of the store it opens: the location it was opened with
// (a file path, or a PostgreSQL connection string) and the time to wait for a
// lock in milliseconds.
const char *store_location(const struct store *store);
int store_busy_timeout_ms(const struct store *store);

static inline int64_t store_col_int64(struct store_stmt *stmt, int col)
{
    return stmt->engine->col_int64(stmt, col);
}

static inline int store_col_int(struct store_stmt *stmt, int col)
{
    return (int)stmt->engine->col_int64(stmt, col);
}

static inline double store_col_double(struct store_stmt *stmt, int col)
{
    return stmt->engine->col_double(stmt, col);
}

static inline const char *store_col_text(struct store_stmt *stmt, int col)
{
    return stmt->engine->col_text(stmt, col);
}

static inline const void *store_col_blob(struct store_stmt *stmt, int col)
{
    return stmt->engine->col_blob(stmt, col);
}

static inline size_t store_col_bytes(struct store_stmt *stmt, int col)
{
    return stmt->engine->col_bytes(stmt, col);
}

static inline bool store_col_null(struct store_stmt *stmt, int col)
{
    return stmt->engine->col_null(stmt, col);
}

static inline int store_col_count(struct store_stmt *stmt)
{
    return stmt->engine->col_count(stmt);
}

static inline const char *store_col_name(struct store_stmt *stmt, int col)
{
    return stmt->engine->col_name(stmt, col);
}

static inline enum store_type store_col_type(struct store_stmt *stmt, int col)
{
    return stmt->engine->col_type(stmt, col);
}

// ---- shared between the store's files ----

// A monotonic clock in microseconds, for the writer's timings.
int64_t store_monotonic_us(void);

// A statement whose query plan matters at a city's scale, by a name people read
// ("list: open by deadline"): store_explain shows the plan of each, in the
// engine's text (postgres_sql NULL: not written yet).
struct store_plan_statement {
    const char *name;
    const char *sql;
    const char *postgres_sql;
};
extern const struct store_plan_statement STORE_LIST_PLANS[];
extern const size_t STORE_LIST_PLAN_COUNT;
extern const struct store_plan_statement STORE_DUPLICATE_PLANS[];
extern const size_t STORE_DUPLICATE_PLAN_COUNT;
extern const struct store_plan_statement STORE_STATS_PLANS[];
extern const size_t STORE_STATS_PLAN_COUNT;
extern const struct store_plan_statement STORE_ASSESSMENT_PLANS[];
extern const size_t STORE_ASSESSMENT_PLAN_COUNT;
extern const struct store_plan_statement STORE_TREND_PLANS[];
extern const size_t STORE_TREND_PLAN_COUNT;
extern const struct store_plan_statement STORE_OUTBOX_PLANS[];
extern const size_t STORE_OUTBOX_PLAN_COUNT;

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
    "COALESCE(c.handled_at, 0), c.remind_count, c.auto_supervise_count, COALESCE(c.filed_at, 0), "   \
    "c.task_level, c.located_by, c.located_label "
#define STORE_CASE_JOINS                                                                           \
    "LEFT JOIN category cat ON cat.id = c.category_id "                                            \
    "LEFT JOIN grid_cell g ON g.id = c.grid_id LEFT JOIN org_unit cm ON cm.id = c.community_id "   \
    "LEFT JOIN org_unit st ON st.id = c.street_id LEFT JOIN app_user u ON u.id = "                 \
    "c.reporter_user_id LEFT JOIN org_unit d ON d.id = c.department_id "
// The number of columns of STORE_CASE_COLUMNS.
#define STORE_CASE_COLUMN_COUNT 63

// Reads a row selected with STORE_CASE_COLUMNS (from its first column) into *c.
void store_case_read_row(struct store_stmt *stmt, struct store_case *c);

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

// Writes the outbox messages a case event causes (a hotline case's state
// change, when its token registered a callback), inside the job appending it;
// event_id is the event's row. Returns STORE_OK or STORE_ERROR. In
// store_outbox.c; called by store_case_event_append_tx.
int store_outbox_event_tx(struct store_tx *tx, const struct audit_event *event, int64_t event_id);

// Inserts one outbox message due now (created at now), keyed by key (unique).
// Returns STORE_OK or STORE_ERROR. In store_outbox.c.
int store_outbox_insert_tx(struct store_tx *tx, const char *key, const char *kind,
                           const char *target, int64_t case_id, const char *payload, int64_t now);

// The SMS, webhook and e-mail messages a case event causes (the citizen's
// filed, closed and reopened SMS; an escalation's notices to the units it
// names), per the notification settings (notify.h). Returns STORE_OK or
// STORE_ERROR. In store_notify.c; called by store_outbox_event_tx.
int store_notify_event_tx(struct store_tx *tx, const struct audit_event *event, int64_t event_id);

// Records that the citizen who filed case_id with phone gets SMS in lang (zh,
// en) with links carrying query_code; nothing when no SMS gateway is
// configured or the phone is not a number. Returns STORE_OK or STORE_ERROR.
// In store_notify.c; called by store_case_create_tx before the first event.
int store_case_notify_tx(struct store_tx *tx, int64_t case_id, const char *phone, const char *lang,
                         const char *query_code);

// Appends an entry to audit_log, the second chain (audit_log_hash over the last
// entry's hash): events that are not a case's. NULL texts are stored and hashed
// as "" (data as "{}"). Returns STORE_OK or STORE_ERROR. In store_snapshots.c.
struct audit_log_entry;
int store_audit_log_append_tx(struct store_tx *tx, const struct audit_log_entry *entry);

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

// The trends' tally (case_trend_tally): adds sign (1 or -1) times what the case
// counts for. A write job that changes a case or its stage records calls it
// with -1 before its first write and with 1 after its last (store_tally_created
// counts a new case). Returns STORE_OK or STORE_ERROR.
int store_tally_trend(struct store_tx *tx, int64_t case_id, int sign);

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

// store_audit_verify and store_tally_consistent on the write connection,
// inside a running write job (what the job wrote is checked before it
// commits). Same results.
int64_t store_audit_verify_tx(struct store_tx *tx, int64_t *count);
bool store_tally_consistent_tx(struct store_tx *tx);

#endif
