// SPDX-License-Identifier: MIT
// Unit tests of the published snapshots (snapshot.h): a reader's value outlives a
// publish until it lets go, replaced values are freed (none pile up), and readers
// racing a writer always see a whole value (run under the address sanitizer, a
// value freed too early is a crash here).
#include "snapshot.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

struct value {
    int64_t serial;
    int64_t check; // always -serial: a torn or freed value breaks it
};

static struct value *make(struct snapshot_cell *cell, int64_t serial)
{
    struct value *v = snapshot_new(cell, sizeof *v);
    cr_assert_not_null(v);
    v->serial = serial;
    v->check = -serial;
    return v;
}

Test(snapshot, an_empty_cell_gives_nothing)
{
    struct snapshot_cell cell = {0};
    cr_assert_null(snapshot_acquire(&cell));
    cr_assert_eq(snapshot_live(&cell), 0);
    snapshot_release(NULL);
    snapshot_clear(&cell);
}

Test(snapshot, a_held_value_outlives_its_replacement_then_is_freed)
{
    struct snapshot_cell cell = {0};
    snapshot_publish(&cell, make(&cell, 1));
    const struct value *held = snapshot_acquire(&cell);
    cr_assert_eq(held->serial, 1);

    snapshot_publish(&cell, make(&cell, 2));
    cr_assert_eq(snapshot_live(&cell), 2, "the first value is still read");
    cr_assert_eq(held->serial, 1, "and unchanged");
    const struct value *now = snapshot_acquire(&cell);
    cr_assert_eq(now->serial, 2);

    snapshot_release(held);
    cr_assert_eq(snapshot_live(&cell), 1, "the replaced value is freed by its last reader");
    snapshot_release(now);
    cr_assert_eq(snapshot_live(&cell), 1, "the value in force stays");
    snapshot_clear(&cell);
    cr_assert_eq(snapshot_live(&cell), 0);
    cr_assert_null(snapshot_acquire(&cell));
}

Test(snapshot, replaced_values_nobody_reads_are_freed_at_once)
{
    struct snapshot_cell cell = {0};
    for (int i = 1; i <= 1000; i++) {
        snapshot_publish(&cell, make(&cell, i));
        cr_assert_eq(snapshot_live(&cell), 1, "after publish %d", i);
    }
    const struct value *v = snapshot_acquire(&cell);
    cr_assert_eq(v->serial, 1000);
    snapshot_release(v);
    snapshot_clear(&cell);
    cr_assert_eq(snapshot_live(&cell), 0);
}

Test(snapshot, an_unpublished_value_is_freed_by_release)
{
    struct snapshot_cell cell = {0};
    struct value *v = make(&cell, 7);
    cr_assert_eq(snapshot_live(&cell), 1);
    snapshot_release(v);
    cr_assert_eq(snapshot_live(&cell), 0);
}

struct race {
    struct snapshot_cell cell;
    atomic_bool done;
    atomic_long reads;
};

static void *reader(void *data)
{
    struct race *race = data;
    int64_t last = 0;
    while (!atomic_load(&race->done)) {
        const struct value *v = snapshot_acquire(&race->cell);
        if (v->check != -v->serial || v->serial < last)
            return (void *)"a torn, freed or older value";
        last = v->serial;
        snapshot_release(v);
        atomic_fetch_add(&race->reads, 1);
    }
    return NULL;
}

Test(snapshot, readers_racing_a_writer_see_whole_values_and_nothing_piles_up)
{
    static struct race race;
    snapshot_publish(&race.cell, make(&race.cell, 1));
    enum { READERS = 4, PUBLISHES = 20000 };
    pthread_t threads[READERS];
    for (int i = 0; i < READERS; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, reader, &race), 0);
    // Publish only once the readers run: on a loaded machine the publishes could
    // otherwise all be over before a reader is scheduled, and nothing would race.
    while (atomic_load(&race.reads) < READERS)
        sched_yield();
    for (int64_t serial = 2; serial <= PUBLISHES; serial++) {
        snapshot_publish(&race.cell, make(&race.cell, serial));
        cr_assert_leq(snapshot_live(&race.cell), 1 + READERS,
                      "at most one retired value per reader is alive");
    }
    atomic_store(&race.done, true);
    for (int i = 0; i < READERS; i++) {
        void *failure = NULL;
        pthread_join(threads[i], &failure);
        cr_expect_null(failure, "%s", (const char *)failure);
    }
    cr_expect_gt(atomic_load(&race.reads), 0);
    cr_assert_eq(snapshot_live(&race.cell), 1);
    snapshot_clear(&race.cell);
    cr_assert_eq(snapshot_live(&race.cell), 0);
}
