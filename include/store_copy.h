// SPDX-License-Identifier: MIT
// Moving a whole city from one store to another, across engines (SQLite file
// to PostgreSQL and back, or file to file): every table with its ids kept,
// read page by page from one snapshot of the source, written in one
// transaction on the target and verified there before it commits.
#ifndef CHENGGUAN_STORE_COPY_H
#define CHENGGUAN_STORE_COPY_H

#include <stdbool.h>
#include <stdint.h>

struct store;

// What a copy found, filled by store_copy.
struct store_copy_report {
    // Called once per table after its rows were counted on both sides (on the
    // target's writer thread, while the caller waits). May be NULL.
    void (*table)(const char *name, int64_t source_rows, int64_t target_rows, void *data);
    void *data;

    int64_t rows;       // rows written to the target in all
    bool counts_equal;  // every table holds as many rows on both sides
    int64_t events;     // case events whose hash chain was walked on the target
    int64_t broken_at;  // the first event whose hash does not follow (0: none, -1: unread)
    bool tallies_match; // the overview counts equal a recount of the copied cases
    char problem[256];  // why the copy was refused or failed, for people ("" when it held)
};

// Copies every row of from (opened read-only is enough) into to, which must
// hold no city yet (a freshly migrated database: no org units, users or
// cases; its seed rows, such as the categories, are replaced by the
// source's). Both must be at this binary's schema version. Rows are read in
// pages from one snapshot of from and written by one job of its own on to's
// writer (store_write_alone); SQLite's R*Tree of grid boxes is rebuilt from
// the cells, PostgreSQL's identity sequences are set past the copied ids.
// Before committing, the job compares the row counts of every table, walks
// the audit chain and recounts the tallies on to; if any differs, nothing is
// kept. Returns STORE_OK (copied and verified), STORE_CONFLICT (to already
// holds a city, or the source has a table copy does not know), STORE_INVALID
// (the verification failed: rolled back), or STORE_ERROR / STORE_FULL (logged;
// rolled back). report->problem says why in words for the last four.
int store_copy(struct store *from, struct store *to, struct store_copy_report *report);

#endif
