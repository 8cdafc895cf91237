// SPDX-License-Identifier: MIT
// What every libFuzzer harness shares: FUZZ_CHECK, which stops the run on a
// broken invariant with a message (libFuzzer then saves the input as a crash
// file), and a reader that takes typed values off the front of the input.
#ifndef CHENGGUAN_FUZZ_H
#define CHENGGUAN_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// libFuzzer's entry points, declared here for -Wmissing-prototypes.
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

// Aborts with the condition, the place and a printf-style explanation.
#define FUZZ_CHECK(cond, ...)                                                                  \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "invariant broken at %s:%d: %s\n  ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

// The unread part of the input. Reads past the end give zeros, so a harness
// never has to check the length before taking a value.
struct fuzz_input {
    const uint8_t *data;
    size_t size;
};

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
    if (in->size == 0)
        return 0;
    in->size--;
    return *in->data++;
}

static inline uint16_t fuzz_u16(struct fuzz_input *in)
{
    uint16_t hi = fuzz_u8(in);
    return (uint16_t)(hi << 8 | fuzz_u8(in));
}

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
    uint32_t hi = fuzz_u16(in);
    return hi << 16 | fuzz_u16(in);
}

static inline uint64_t fuzz_u64(struct fuzz_input *in)
{
    uint64_t hi = fuzz_u32(in);
    return hi << 32 | fuzz_u32(in);
}

// Any bit pattern, NaN and infinities included.
static inline double fuzz_double(struct fuzz_input *in)
{
    uint64_t bits = fuzz_u64(in);
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

// A NUL-terminated malloc'd copy of the rest of the input, which it consumes;
// an embedded NUL ends the string early, as it would for a C string from a
// request. The caller frees it.
static inline char *fuzz_string_rest(struct fuzz_input *in)
{
    char *text = malloc(in->size + 1);
    if (text == NULL)
        abort();
    if (in->size > 0)
        memcpy(text, in->data, in->size);
    text[in->size] = '\0';
    in->data += in->size;
    in->size = 0;
    return text;
}

#endif
