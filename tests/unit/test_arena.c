// SPDX-License-Identifier: MIT
// Unit tests of the per-request arena: 16-byte alignment, zero-filled and
// non-overlapping memory, allocations larger than a block, many small ones, string
// helpers, deferred cleanups run newest first exactly once, size overflow and the
// arena_used counter.
#include "arena.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static struct arena *new_arena(void)
{
    struct arena *arena = arena_create();
    cr_assert_not_null(arena);
    return arena;
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return false;
    return true;
}

static void assert_aligned(const void *p)
{
    cr_assert_eq((uintptr_t)p % 16, 0, "pointer %p is not 16-byte aligned", p);
}

Test(arena, create_and_destroy_empty)
{
    struct arena *arena = new_arena();
    cr_assert_eq(arena_used(arena), 0);
    arena_destroy(arena);
}

Test(arena, destroy_null_is_a_no_op)
{
    arena_destroy(NULL);
}

Test(arena, pointers_are_16_byte_aligned)
{
    struct arena *arena = new_arena();
    const size_t sizes[] = {1, 3, 7, 8, 15, 16, 17, 31, 33, 100, 0, 1, 4095, 5, 20000, 9, 1};
    for (size_t i = 0; i < COUNT_OF(sizes); i++) {
        void *p = arena_alloc(arena, sizes[i]);
        cr_assert_not_null(p, "size %zu", sizes[i]);
        assert_aligned(p);
    }
    assert_aligned(arena_strdup(arena, "abc"));
    assert_aligned(arena_strndup(arena, "abcdefgh", 5));
    assert_aligned(arena_printf(arena, "%d", 12345));
    // A long double and a max_align_t stored through the pointer work.
    long double *ld = arena_alloc(arena, sizeof *ld);
    *ld = 1.5L;
    cr_assert_eq(*ld, 1.5L);
    max_align_t *m = arena_alloc(arena, sizeof *m);
    assert_aligned(m);
    arena_destroy(arena);
}

Test(arena, memory_is_zero_filled)
{
    struct arena *arena = new_arena();
    const size_t sizes[] = {1, 16, 40, 1000, 8000, 16 * 1024, 40000, 3};
    for (size_t i = 0; i < COUNT_OF(sizes); i++) {
        unsigned char *p = arena_alloc(arena, sizes[i]);
        cr_assert_not_null(p);
        cr_assert(all_zero(p, sizes[i]), "allocation of %zu bytes is not zero-filled", sizes[i]);
        memset(p, 0xAB, sizes[i]);
    }
    arena_destroy(arena);
}

Test(arena, allocations_do_not_overlap)
{
    struct arena *arena = new_arena();
    enum { N = 300 };
    unsigned char *ptrs[N];
    size_t sizes[N];
    for (int i = 0; i < N; i++) {
        sizes[i] = (size_t)(i * 37 % 200) + 1;
        ptrs[i] = arena_alloc(arena, sizes[i]);
        cr_assert_not_null(ptrs[i]);
        memset(ptrs[i], i & 0xFF, sizes[i]);
    }
    for (int i = 0; i < N; i++)
        for (size_t j = 0; j < sizes[i]; j++)
            cr_assert_eq(ptrs[i][j], (unsigned char)(i & 0xFF), "allocation %d overwritten", i);
    arena_destroy(arena);
}

Test(arena, zero_size_gives_unique_pointers)
{
    struct arena *arena = new_arena();
    void *a = arena_alloc(arena, 0);
    void *b = arena_alloc(arena, 0);
    unsigned char *c = arena_alloc(arena, 1);
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    cr_assert_neq(a, b);
    cr_assert_neq(a, (void *)c);
    cr_assert_neq(b, (void *)c);
    *c = 7;
    cr_assert_eq(*c, 7);
    arena_destroy(arena);
}

Test(arena, allocation_larger_than_a_block)
{
    struct arena *arena = new_arena();
    unsigned char *small1 = arena_alloc(arena, 100);
    memset(small1, 1, 100);
    const size_t big_size = 1024 * 1024 + 3;
    unsigned char *big = arena_alloc(arena, big_size);
    cr_assert_not_null(big);
    assert_aligned(big);
    cr_assert(all_zero(big, big_size));
    memset(big, 2, big_size);
    // Small allocations keep working after the big one and do not land inside it.
    unsigned char *small2 = arena_alloc(arena, 100);
    cr_assert_not_null(small2);
    cr_assert(small2 + 100 <= big || small2 >= big + big_size, "small allocation inside big one");
    cr_assert(all_zero(small2, 100));
    memset(small2, 3, 100);
    for (size_t i = 0; i < big_size; i++)
        cr_assert_eq(big[i], 2, "big allocation overwritten at %zu", i);
    for (size_t i = 0; i < 100; i++)
        cr_assert_eq(small1[i], 1);
    cr_assert_geq(arena_used(arena), big_size + 200);
    arena_destroy(arena);
}

Test(arena, first_allocation_larger_than_a_block)
{
    struct arena *arena = new_arena();
    const size_t big_size = 64 * 1024;
    unsigned char *big = arena_alloc(arena, big_size);
    cr_assert_not_null(big);
    cr_assert(all_zero(big, big_size));
    memset(big, 9, big_size);
    unsigned char *again = arena_alloc(arena, 3 * big_size);
    cr_assert_not_null(again);
    cr_assert(all_zero(again, 3 * big_size));
    memset(again, 8, 3 * big_size);
    for (size_t i = 0; i < big_size; i++)
        cr_assert_eq(big[i], 9);
    arena_destroy(arena);
}

Test(arena, many_small_allocations)
{
    struct arena *arena = new_arena();
    enum { N = 20000 };
    static uint64_t *ptrs[N];
    for (int i = 0; i < N; i++) {
        ptrs[i] = arena_alloc(arena, 24);
        cr_assert_not_null(ptrs[i]);
        assert_aligned(ptrs[i]);
        cr_assert_eq(ptrs[i][0], 0);
        ptrs[i][0] = (uint64_t)i;
        ptrs[i][2] = ~(uint64_t)i;
    }
    for (int i = 0; i < N; i++) {
        cr_assert_eq(ptrs[i][0], (uint64_t)i);
        cr_assert_eq(ptrs[i][2], ~(uint64_t)i);
    }
    cr_assert_geq(arena_used(arena), (size_t)N * 24);
    arena_destroy(arena);
}

Test(arena, used_grows_with_each_allocation)
{
    struct arena *arena = new_arena();
    size_t before = arena_used(arena);
    cr_assert_eq(before, 0);
    const size_t sizes[] = {1, 10, 16, 17, 1000, 0, 30000};
    for (size_t i = 0; i < COUNT_OF(sizes); i++) {
        cr_assert_not_null(arena_alloc(arena, sizes[i]));
        size_t after = arena_used(arena);
        cr_assert_gt(after, before, "arena_used did not grow after %zu bytes", sizes[i]);
        cr_assert_geq(after - before, sizes[i]);
        // Rounding to the alignment wastes less than one alignment unit.
        cr_assert_leq(after - before, sizes[i] + 16);
        before = after;
    }
    cr_assert_not_null(arena_strdup(arena, "0123456789"));
    cr_assert_geq(arena_used(arena) - before, 11);
    arena_destroy(arena);
}

Test(arena, size_overflow_returns_null)
{
    struct arena *arena = new_arena();
    cr_assert_not_null(arena_alloc(arena, 10));
    size_t used = arena_used(arena);
    const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 8, SIZE_MAX - 15, SIZE_MAX - 16};
    for (size_t i = 0; i < COUNT_OF(sizes); i++)
        cr_assert_null(arena_alloc(arena, sizes[i]), "size SIZE_MAX - %zu", SIZE_MAX - sizes[i]);
    cr_assert_null(arena_strndup(arena, "x", SIZE_MAX));
    cr_assert_null(arena_strndup(arena, "x", SIZE_MAX - 1));
    // A failed allocation leaves the arena usable and its count unchanged.
    cr_assert_eq(arena_used(arena), used);
    char *s = arena_strdup(arena, "still fine");
    cr_assert_str_eq(s, "still fine");
    arena_destroy(arena);
}

Test(arena, strndup_copies_len_bytes)
{
    struct arena *arena = new_arena();
    // The source is not NUL-terminated: only len bytes may be read.
    char *src = malloc(5);
    cr_assert_not_null(src);
    memcpy(src, "hello", 5);
    char *copy = arena_strndup(arena, src, 5);
    free(src);
    cr_assert_str_eq(copy, "hello");
    cr_assert_str_eq(arena_strndup(arena, "hello", 3), "hel");
    char *empty = arena_strndup(arena, "abc", 0);
    cr_assert_not_null(empty);
    cr_assert_str_eq(empty, "");
    // Embedded NUL bytes are copied as they are.
    char *nul = arena_strndup(arena, "a\0b", 3);
    cr_assert_eq(memcmp(nul, "a\0b\0", 4), 0);
    arena_destroy(arena);
}

Test(arena, strdup_copies_string)
{
    struct arena *arena = new_arena();
    char src[] = "井盖缺失 case 42";
    char *copy = arena_strdup(arena, src);
    cr_assert_neq(copy, src);
    cr_assert_str_eq(copy, "井盖缺失 case 42");
    src[0] = 'X';
    cr_assert_str_eq(copy, "井盖缺失 case 42");
    cr_assert_str_eq(arena_strdup(arena, ""), "");
    cr_assert_null(arena_strdup(arena, NULL));
    arena_destroy(arena);
}

Test(arena, printf_formats_into_arena)
{
    struct arena *arena = new_arena();
    char *s = arena_printf(arena, "%s-%d-%05.1f", "case", 42, 3.14159);
    cr_assert_str_eq(s, "case-42-003.1");
    cr_assert_str_eq(arena_printf(arena, "%s", ""), "");
    char *t = arena_printf(arena, "%s/%s", "/api/v1", "cases");
    cr_assert_str_eq(t, "/api/v1/cases");
    cr_assert_str_eq(s, "case-42-003.1");
    arena_destroy(arena);
}

Test(arena, printf_longer_than_a_block)
{
    struct arena *arena = new_arena();
    const size_t n = 50000;
    char *long_text = malloc(n + 1);
    cr_assert_not_null(long_text);
    memset(long_text, 'z', n);
    long_text[n] = '\0';
    char *s = arena_printf(arena, "<%s>", long_text);
    cr_assert_not_null(s);
    cr_assert_eq(strlen(s), n + 2);
    cr_assert_eq(s[0], '<');
    cr_assert_eq(s[n + 1], '>');
    cr_assert_eq(memcmp(s + 1, long_text, n), 0);
    free(long_text);
    arena_destroy(arena);
}

// Records the order cleanups ran in.
struct cleanup_log {
    char order[64];
    size_t len;
    int runs[8];
};

struct cleanup_arg {
    struct cleanup_log *log;
    int id;
};

static void record_cleanup(void *data)
{
    struct cleanup_arg *arg = data;
    arg->log->runs[arg->id]++;
    if (arg->log->len + 1 < sizeof arg->log->order)
        arg->log->order[arg->log->len++] = (char)('0' + arg->id);
}

Test(arena, cleanups_run_newest_first_exactly_once)
{
    struct cleanup_log log = {0};
    struct cleanup_arg args[4];
    struct arena *arena = new_arena();
    for (int i = 1; i <= 3; i++) {
        args[i] = (struct cleanup_arg){&log, i};
        cr_assert_eq(arena_defer(arena, record_cleanup, &args[i]), 0);
        // Allocations between registrations change nothing.
        cr_assert_not_null(arena_alloc(arena, 100));
    }
    cr_assert_eq(log.len, 0, "a cleanup ran before arena_destroy");
    arena_destroy(arena);
    cr_assert_str_eq(log.order, "321");
    for (int i = 1; i <= 3; i++)
        cr_assert_eq(log.runs[i], 1, "cleanup %d ran %d times", i, log.runs[i]);
}

// Data in the arena itself is still readable by its cleanup.
static void copy_out(void *data)
{
    char **pair = data;
    strcpy(pair[1], pair[0]);
}

Test(arena, cleanups_run_before_memory_is_freed)
{
    char seen[32] = "";
    struct arena *arena = new_arena();
    char **pair = arena_alloc(arena, 2 * sizeof(char *));
    pair[0] = arena_strdup(arena, "request 7");
    pair[1] = seen;
    cr_assert_eq(arena_defer(arena, copy_out, pair), 0);
    // Push the arena past its first block so several blocks are freed.
    for (int i = 0; i < 10; i++)
        cr_assert_not_null(arena_alloc(arena, 10000));
    arena_destroy(arena);
    cr_assert_str_eq(seen, "request 7");
}

static void count_up(void *data)
{
    int *counter = data;
    (*counter)++;
}

static int order_log[1000];
static int order_len;

static void log_index(void *data)
{
    order_log[order_len++] = (int)(intptr_t)data;
}

Test(arena, many_cleanups_all_run_in_reverse)
{
    enum { N = 1000 };
    order_len = 0;
    struct arena *arena = new_arena();
    for (int i = 0; i < N; i++) {
        cr_assert_eq(arena_defer(arena, log_index, (void *)(intptr_t)i), 0);
        cr_assert_not_null(arena_alloc(arena, 64));
    }
    arena_destroy(arena);
    cr_assert_eq(order_len, N);
    for (int i = 0; i < N; i++)
        cr_assert_eq(order_log[i], N - 1 - i, "position %d ran cleanup %d", i, order_log[i]);
}

Test(arena, same_cleanup_registered_twice_runs_twice)
{
    int counter = 0;
    struct arena *arena = new_arena();
    cr_assert_eq(arena_defer(arena, count_up, &counter), 0);
    cr_assert_eq(arena_defer(arena, count_up, &counter), 0);
    cr_assert_eq(counter, 0);
    arena_destroy(arena);
    cr_assert_eq(counter, 2);
}

static void free_and_count(void *data)
{
    void **slot = data;
    free(slot[0]);
    slot[0] = NULL;
    slot[1] = (char *)slot[1] + 1;
}

Test(arena, cleanup_frees_heap_memory)
{
    struct arena *arena = new_arena();
    void *slot[2] = {malloc(1000), NULL};
    cr_assert_not_null(slot[0]);
    cr_assert_eq(arena_defer(arena, free_and_count, slot), 0);
    arena_destroy(arena);
    cr_assert_null(slot[0], "the deferred free did not run");
    cr_assert_eq(slot[1], (void *)1);
}
