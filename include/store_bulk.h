// SPDX-License-Identifier: MIT
// Bulk loading for tools (the benchmark generator, imports of a city's past):
// many case steps in one write transaction instead of one transaction each. Each
// step is the very write a single call makes (intake, transition, photo, upload,
// rating), through the same code, so the rules, the stage records, the search
// index and the audit chain come out exactly as in production. The server never
// uses it.
#ifndef CHENGGUAN_STORE_BULK_H
#define CHENGGUAN_STORE_BULK_H

#include "store.h"
#include "store_attachments.h"
#include "store_case_lists.h"
#include "store_cases.h"

#include <stdint.h>

// A write transaction lent to a bulk function; valid during the call only.
struct store_bulk;

// Runs fn(bulk, data) inside one write transaction of its own (no other write
// shares it) and commits when fn returns STORE_OK; any other value rolls back
// everything fn wrote and is returned. STORE_ERROR also when the commit fails,
// STORE_BUSY when the store is closing. fn runs on the store's writer thread
// while the caller waits: it may read the store (reads see the last commit, not
// fn's own writes) and must write only through the store_bulk_* calls below,
// never through a function that writes on its own (that would deadlock).
// Unlike the single calls, a step that fails is not undone alone: a step that
// returns anything but STORE_OK may have written part of its work, so fn should
// end with that result (or another error) to roll the whole transaction back.
// Keep a transaction to a few thousand cases: its writes wait in memory and in
// the write-ahead log until the commit.
int store_bulk(struct store *store, int (*fn)(struct store_bulk *bulk, void *data), void *data);

// store_case_create inside the bulk transaction: same arguments and results.
int store_bulk_case_create(struct store_bulk *bulk, const struct worktime_calendar *calendar,
                           const struct case_intake *intake, struct store_case *out);

// store_case_transition inside the bulk transaction: same arguments and results.
int store_bulk_case_transition(struct store_bulk *bulk, const struct worktime_calendar *calendar,
                               const struct case_transition *t, struct store_case *out,
                               struct case_refusal *refusal);

// store_attachment_add inside the bulk transaction: same arguments and results.
// As there, the photo's file is the caller's business (a generator may record
// rows whose files never existed).
int store_bulk_attach(struct store_bulk *bulk, const struct store_attachment_new *photo,
                      struct store_attachment_outcome *out);

// store_upload_add inside the bulk transaction (a photo held for the intake that
// lists it): same arguments and results.
int store_bulk_upload(struct store_bulk *bulk, int64_t user_id, const char *hash, const char *mime,
                      int64_t size);

// store_case_rate inside the bulk transaction (with the reopen an unsatisfied
// rating causes): same arguments and results.
int store_bulk_rate(struct store_bulk *bulk, const struct store_case_rating *rating);

#endif
