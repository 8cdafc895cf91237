// SPDX-License-Identifier: MIT
// A per-request bump allocator with deferred cleanups. Everything a request
// allocates lives until the request completes; arena_destroy runs the cleanups
// (in reverse order of registration) and frees every block at once.
#ifndef CHENGGUAN_ARENA_H
#define CHENGGUAN_ARENA_H

#include <stddef.h>

struct arena;

// Creates an empty arena. Returns NULL when out of memory. Free with arena_destroy.
struct arena *arena_create(void);

// Runs the registered cleanups, newest first, then frees all memory of the arena.
// Accepts NULL.
void arena_destroy(struct arena *arena);

// Returns size bytes aligned for any type, zero-filled, owned by the arena; NULL when
// out of memory or when size overflows. A size of 0 returns a valid unique pointer.
void *arena_alloc(struct arena *arena, size_t size);

// Copies len bytes of s and appends a NUL. Returns NULL when out of memory.
char *arena_strndup(struct arena *arena, const char *s, size_t len);

// Copies the NUL-terminated s (NULL gives NULL).
char *arena_strdup(struct arena *arena, const char *s);

// printf into arena memory. Returns NULL on error.
char *arena_printf(struct arena *arena, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

// Registers fn(data) to run when the arena is destroyed. Returns 0, or -1 when out of
// memory, in which case fn(data) has already been run, so nothing leaks.
int arena_defer(struct arena *arena, void (*fn)(void *), void *data);

// Bytes handed out so far (for limits and tests).
size_t arena_used(const struct arena *arena);

#endif
