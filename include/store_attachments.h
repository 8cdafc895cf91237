// SPDX-License-Identifier: MIT
// Photos of cases: content-addressed files under <data_dir>/photos/ab/<hash>
// (hex BLAKE2b-256 of the bytes), written atomically and durably, and their rows
// (attachment, case_attachment) with the per-case caps, the rule on which cases
// still take photos, and the detection of one photo reused on another case.
#ifndef CHENGGUAN_STORE_ATTACHMENTS_H
#define CHENGGUAN_STORE_ATTACHMENTS_H

#include "casefsm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_ATTACHMENT_HASH_LEN   64 // hex characters of a photo's hash
#define STORE_ATTACHMENT_REUSED_MAX 16 // other cases listed in one outcome
// How long after a self-handled case was filed closed its before/after photos
// may still be added (the inspector may upload from the street with a poor link).
#define STORE_ATTACHMENT_SELF_HANDLED_WINDOW_MS (24 * 3600 * 1000LL)

// True when hash is exactly 64 lowercase hexadecimal characters. Pure.
bool store_attachment_hash_valid(const char *hash);

// True for the stages a photo may belong to: report (the problem as reported),
// before and after (the fix), verify (on-site verification), check (the
// inspector's check of the fix), arrive (the department on site, for an urgent
// case's arrive action) and progress (the evidence of a phase done). Pure; NULL
// gives false.
bool store_attachment_stage_valid(const char *stage);

// The rule on which cases take photos (pure; the write job applies it again on
// the row it locks): every open state takes any stage; a closed case takes
// "before" and "after" photos only when it was handled on the spot (self_handled,
// filed already closed) and closed at most STORE_ATTACHMENT_SELF_HANDLED_WINDOW_MS
// before now_ms; other closed, rejected and merged cases take none.
bool store_attachment_allowed(enum casefsm_state state, bool self_handled, int64_t closed_at,
                              int64_t now_ms, const char *stage);

// Hashes len bytes (BLAKE2b-256, unkeyed) into hash_out as 64 lowercase hex
// characters plus NUL. Requires sodium_init to have run.
void store_attachment_hash(const void *data, size_t len,
                           char hash_out[STORE_ATTACHMENT_HASH_LEN + 1]);

// Makes the photo durable as <data_dir>/photos/<hash[0..1]>/<hash>: creates the
// directories (fsyncing their parents), writes a temporary file in the target
// directory, fsyncs it, renames it into place and fsyncs the directory. When a
// file of that name and size already exists, it is kept (content addressing) and
// only the directory is fsynced. hash must be store_attachment_hash(data, len).
// On success the caller holds the file until store_attachment_release_file,
// which it must call once the row that names the file is written or refused.
// Returns STORE_OK, STORE_FULL (the disk is full; store_disk_state logs it) or
// STORE_ERROR (logged: a bad hash or another I/O failure); on failure nothing is
// held and no file of this call is left behind.
int store_attachment_save_file(struct store *store, const char *data_dir, const char *hash,
                               const void *data, size_t len);

// Lets go of a file store_attachment_save_file wrote or found: when no other
// request holds it and no row names it (the upload was refused or failed), the
// file is removed, so refused uploads leave nothing on disk.
void store_attachment_release_file(struct store *store, const char *data_dir, const char *hash);

// Files younger than this are never swept: on photo storage that several servers
// share, one of them may be writing it for a row it has not committed yet.
#define STORE_SWEEP_MIN_AGE_S (15 * 60)

// Removes what a crash or an older version left in <data_dir>/photos: temporary
// files and photo files no row names, last written at least
// STORE_SWEEP_MIN_AGE_S ago. For the start, before this server serves requests.
// Sets *removed to the number of files removed. Returns STORE_OK or STORE_ERROR.
int store_attachment_sweep(struct store *store, const char *data_dir, int *removed);

// Opens the photo file for reading. Returns a file descriptor the caller owns
// (close it, or hand it to request_reply_fd) with its size in *size, or -1 for a
// bad hash or a missing or unreadable file.
int store_attachment_open_file(const char *data_dir, const char *hash, uint64_t *size);

// What a case already holds, for checks before a file is written.
struct store_attachment_counts {
    int total;    // photos on the case, all stages
    int in_stage; // photos on the case at the given stage
    bool present; // this hash is already on the case at the given stage
};

// Counts the case's photos. hash may be NULL (present is then false). Returns
// STORE_OK or STORE_ERROR.
int store_attachment_counts(struct store *store, int64_t case_id, const char *stage,
                            const char *hash, struct store_attachment_counts *out);

// A photo to attach; its file must already be durable (store_attachment_save_file).
struct store_attachment_new {
    int64_t case_id;
    const char *hash; // store_attachment_hash of the bytes
    const char *mime; // "image/jpeg", "image/png" or "image/webp"
    int64_t size;     // bytes
    const char *stage;
    int64_t uploaded_by;    // user id; 0 for a citizen
    const char *actor_role; // for the event log: the uploader's role ("citizen")
    const char *actor_name;
    int max_total;    // cap on the case's photos, all stages (0: none)
    int max_in_stage; // cap on the case's photos at this stage (0: none)
};

// What store_attachment_add did.
struct store_attachment_outcome {
    bool created; // false: the photo was already on the case at this stage
    int limit;    // on STORE_INVALID: the cap that was reached
    // Other cases holding the same photo, counted as reuse: every case_attachment
    // row of the hash on a different case, except when both that row and the new
    // one are "report" photos (two citizens sending one picture of one problem are
    // duplicates for the merge flow, not fake evidence). When reused_count > 0,
    // photo_reused is set on this case and on all of those.
    int reused_count; // all of them; the first STORE_ATTACHMENT_REUSED_MAX are listed
    int64_t reused_id[STORE_ATTACHMENT_REUSED_MAX];
    char reused_case_no[STORE_ATTACHMENT_REUSED_MAX][16];
    // Evidence an inspector takes on site (verify, check) must be new: when the
    // photo is already on this very case at another stage (an "after" photo
    // handed in again as the check), it is refused, not attached; the case is
    // flagged photo_reused with a "flag-photo-reuse" event, and refused_stage
    // names the stage the photo already had.
    bool refused;
    char refused_stage[12];
};

// Attaches a photo in one write job: re-reads the case (STORE_NOT_FOUND when
// gone) and applies store_attachment_allowed to it (STORE_CONFLICT when it no
// longer takes photos); a photo already on the case at this stage is a success
// with created false and nothing new written; otherwise the caps (STORE_INVALID,
// out->limit names the cap), then the attachment row (kept if it exists), the
// case_attachment row, and the reuse flags (see the outcome). A verify or check
// photo already on the case at another stage is refused with out->refused set
// (STORE_OK: the flag and its event are written, the photo is not). Returns STORE_OK,
// STORE_NOT_FOUND, STORE_CONFLICT, STORE_INVALID or STORE_ERROR; on anything but
// STORE_OK nothing was written (store_attachment_release_file then removes a file
// nothing names).
int store_attachment_add(struct store *store, const struct store_attachment_new *photo,
                         struct store_attachment_outcome *out);

// How long an upload waits for the intake that attaches it.
#define STORE_UPLOAD_HOLD_MS (24 * 3600 * 1000LL)

// Records a photo whose file is already durable (store_attachment_save_file) as
// uploaded by user_id and not yet on a case: the attachment row (kept if it
// exists) and the upload row (its time renewed). Returns STORE_OK, STORE_INVALID
// (bad hash or MIME) or STORE_ERROR.
int store_upload_add(struct store *store, int64_t user_id, const char *hash, const char *mime,
                     int64_t size);

// True when user_id uploaded the photo (store_upload_add) at or after since_ms and
// no intake has attached it yet.
bool store_upload_held(struct store *store, int64_t user_id, const char *hash, int64_t since_ms);

// Loads a photo's MIME type (mime_size bytes at most) and size. Returns STORE_OK,
// STORE_NOT_FOUND or STORE_ERROR.
int store_attachment_get(struct store *store, const char *hash, char *mime, size_t mime_size,
                         int64_t *size);

// Calls fn(case_id, data) for each case holding the photo, in case id order,
// until fn returns true (stop). Returns STORE_OK or STORE_ERROR.
int store_attachment_cases(struct store *store, const char *hash,
                           bool (*fn)(int64_t case_id, void *data), void *data);

// Calls fn for each photo of the case in the order they were attached: its hash
// (64 hex), MIME type, size in bytes, stage and attach time (epoch ms). The
// strings are valid during the call only. Returns STORE_OK or STORE_ERROR.
int store_case_attachments(struct store *store, int64_t case_id,
                           void (*fn)(const char *hash, const char *mime, int64_t size,
                                      const char *stage, int64_t created_at, void *data),
                           void *data);

#endif
