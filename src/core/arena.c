// SPDX-License-Identifier: MIT
// Per-request arena: a chain of blocks carved front to back, plus a stack of
// deferred cleanups run when the request completes.
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ARENA_BLOCK_SIZE = 16 * 1024, ARENA_ALIGN = 16 };

struct arena_block {
    struct arena_block *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

struct arena_cleanup {
    struct arena_cleanup *next;
    void (*fn)(void *);
    void *data;
};

struct arena {
    struct arena_block *blocks;
    struct arena_cleanup *cleanups;
    size_t total;
};

struct arena *arena_create(void)
{
    return calloc(1, sizeof(struct arena));
}

void arena_destroy(struct arena *arena)
{
    if (arena == NULL)
        return;
    // Cleanups are allocated inside the arena, so run them all before freeing blocks.
    for (struct arena_cleanup *c = arena->cleanups; c != NULL; c = c->next)
        c->fn(c->data);
    struct arena_block *b = arena->blocks;
    while (b != NULL) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(arena);
}

void *arena_alloc(struct arena *arena, size_t size)
{
    if (size > SIZE_MAX - ARENA_ALIGN - sizeof(struct arena_block))
        return NULL;
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (rounded == 0)
        rounded = ARENA_ALIGN;
    struct arena_block *b = arena->blocks;
    if (b == NULL || b->size - b->used < rounded) {
        size_t cap = rounded > ARENA_BLOCK_SIZE ? rounded : ARENA_BLOCK_SIZE;
        struct arena_block *fresh = malloc(sizeof(struct arena_block) + cap);
        if (fresh == NULL)
            return NULL;
        fresh->size = cap;
        fresh->used = 0;
        if (b != NULL && rounded > ARENA_BLOCK_SIZE) {
            // A big one-off allocation goes behind the current block so the
            // current block's free tail stays usable.
            fresh->next = b->next;
            b->next = fresh;
        } else {
            fresh->next = b;
            arena->blocks = fresh;
        }
        b = fresh;
    }
    void *p = b->data + b->used;
    b->used += rounded;
    arena->total += rounded;
    memset(p, 0, rounded);
    return p;
}

char *arena_strndup(struct arena *arena, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = arena_alloc(arena, len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_strdup(struct arena *arena, const char *s)
{
    return s == NULL ? NULL : arena_strndup(arena, s, strlen(s));
}

char *arena_printf(struct arena *arena, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(NULL, 0, format, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(arena, (size_t)n + 1);
    if (p == NULL)
        return NULL;
    va_start(ap, format);
    vsnprintf(p, (size_t)n + 1, format, ap);
    va_end(ap);
    return p;
}

int arena_defer(struct arena *arena, void (*fn)(void *), void *data)
{
    struct arena_cleanup *c = arena_alloc(arena, sizeof *c);
    if (c == NULL) {
        fn(data);
        return -1;
    }
    c->fn = fn;
    c->data = data;
    c->next = arena->cleanups;
    arena->cleanups = c;
    return 0;
}

size_t arena_used(const struct arena *arena)
{
    return arena->total;
}
