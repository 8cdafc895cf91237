// SPDX-License-Identifier: MIT
// Reference-counted published values. A value's count is changed with atomics; the
// one lock only makes "read the published pointer and count a reference" a single
// step, so a writer cannot drop the last reference in between.
#include "snapshot.h"

#include <assert.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

struct snapshot {
    atomic_int references;
    struct snapshot_cell *cell;
    alignas(max_align_t) unsigned char value[]; // what callers see
};

// One lock for every cell: it is held for a pointer load and an increment.
static pthread_mutex_t publish_lock = PTHREAD_MUTEX_INITIALIZER;

static struct snapshot *snapshot_of(const void *value)
{
    return (struct snapshot *)((const unsigned char *)value - offsetof(struct snapshot, value));
}

void *snapshot_new(struct snapshot_cell *cell, size_t size)
{
    if (size > SIZE_MAX - sizeof(struct snapshot))
        return NULL;
    struct snapshot *snapshot = calloc(1, sizeof *snapshot + size);
    if (snapshot == NULL)
        return NULL;
    atomic_init(&snapshot->references, 1);
    snapshot->cell = cell;
    atomic_fetch_add(&cell->live, 1);
    return snapshot->value;
}

void snapshot_release(const void *value)
{
    if (value == NULL)
        return;
    struct snapshot *snapshot = snapshot_of(value);
    int before = atomic_fetch_sub(&snapshot->references, 1);
    assert(before > 0);
    if (before == 1) {
        atomic_fetch_sub(&snapshot->cell->live, 1);
        free(snapshot);
    }
}

// Makes snapshot (NULL: none) the cell's value in force and drops the cell's
// reference to the one it replaces.
static void replace_current(struct snapshot_cell *cell, struct snapshot *snapshot)
{
    pthread_mutex_lock(&publish_lock);
    struct snapshot *previous = cell->current;
    cell->current = snapshot;
    pthread_mutex_unlock(&publish_lock);
    if (previous != NULL)
        snapshot_release(previous->value);
}

void snapshot_publish(struct snapshot_cell *cell, void *value)
{
    struct snapshot *snapshot = snapshot_of(value);
    assert(snapshot->cell == cell);
    replace_current(cell, snapshot);
}

void *snapshot_acquire(struct snapshot_cell *cell)
{
    pthread_mutex_lock(&publish_lock);
    struct snapshot *snapshot = cell->current;
    if (snapshot != NULL)
        atomic_fetch_add(&snapshot->references, 1);
    pthread_mutex_unlock(&publish_lock);
    return snapshot != NULL ? snapshot->value : NULL;
}

void snapshot_clear(struct snapshot_cell *cell)
{
    replace_current(cell, NULL);
}

int snapshot_live(struct snapshot_cell *cell)
{
    return atomic_load(&cell->live);
}
