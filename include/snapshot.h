// SPDX-License-Identifier: MIT
// Immutable values shared by many reader threads and replaced whole by a writer
// (the office calendar): a reader takes a counted reference to the value in force,
// a writer publishes a new one, and each value is freed when the last reference to
// it is let go, so readers never lock for long and nothing outlives its readers.
#ifndef CHENGGUAN_SNAPSHOT_H
#define CHENGGUAN_SNAPSHOT_H

#include <stdatomic.h>
#include <stddef.h>

struct snapshot;

// Where the value in force is published. Zero-initialised it holds no value.
struct snapshot_cell {
    struct snapshot *current; // guarded by the module's lock
    atomic_int live;          // values of this cell not yet freed, current included
};

// Allocates a zeroed value of size bytes for cell, holding one reference (the
// caller's): fill it, then publish it, or let it go with snapshot_release.
// Returns NULL when out of memory.
void *snapshot_new(struct snapshot_cell *cell, size_t size);

// Makes value (from snapshot_new on this cell) the one in force; the cell takes
// over the caller's reference, and drops its reference to the previous value,
// which is freed once its last reader lets go. Thread-safe.
void snapshot_publish(struct snapshot_cell *cell, void *value);

// Returns the value in force with a new reference that the caller must drop with
// snapshot_release, or NULL when none was published. The value stays valid, and
// unchanged, until then; it is shared: never write to it. Thread-safe.
void *snapshot_acquire(struct snapshot_cell *cell);

// Drops one reference to value (from snapshot_new or snapshot_acquire) and frees
// it when that was the last. Accepts NULL. Thread-safe, lock-free.
void snapshot_release(const void *value);

// Drops the cell's reference to the value in force and leaves it empty (at exit,
// once no thread acquires any more). Values still held are freed by their release.
void snapshot_clear(struct snapshot_cell *cell);

// Returns how many values of cell are not yet freed (the one in force and retired
// ones that readers still hold).
int snapshot_live(struct snapshot_cell *cell);

#endif
