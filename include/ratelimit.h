// SPDX-License-Identifier: MIT
// Attempt counting for rate limits (sign-in, query codes, anonymous intake): one
// counter per string key in a growable hash table under one lock, policies as
// data, the time passed in by the caller. An attempt is counted when it is taken,
// before the slow work it guards, so concurrent attempts cannot slip through.
#ifndef CHENGGUAN_RATELIMIT_H
#define CHENGGUAN_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_HASH_KEY_BYTES 16  // the SipHash key that spreads keys over buckets
#define RATELIMIT_KEY_MAX        127 // longer keys are cut to this many bytes
#define RATELIMIT_FULL_WAIT_S    60  // the Retry-After given while the table is full
#define RATELIMIT_TAKE_MAX       8   // keys taken at once by ratelimit_take_all

// How many attempts a key gets. A key's window opens at its first attempt and
// closes window_ms later, when its count starts over. In the window the first
// free_attempts attempts go through at once. Past them, with first_delay_ms 0,
// every attempt is refused until the window closes (a hard count); otherwise the
// next attempt must wait first_delay_ms after the previous one (see
// ratelimit_failed), doubling with each further attempt up to max_delay_ms. Past
// max_attempts every attempt is refused until the window closes.
struct ratelimit_policy {
    int free_attempts;      // >= 0
    int max_attempts;       // >= free_attempts
    int64_t first_delay_ms; // 0: a hard count
    int64_t max_delay_ms;   // the doubling stops here
    int64_t window_ms;      // > 0
};

// One key and its policy, for taking several keys at once.
struct ratelimit_attempt {
    const char *key;
    const struct ratelimit_policy *policy;
};

enum ratelimit_verdict {
    RATELIMIT_ALLOWED, // counted; go ahead
    RATELIMIT_LIMITED, // a key is out of attempts; nothing was counted
    RATELIMIT_FULL,    // the table holds max_keys live counters; nothing was counted
};

struct ratelimit;

// Makes an empty limiter holding at most max_keys counters (at least 1). A
// counter is live until its window closes; a live counter is never evicted for
// another key. When max_keys live counters exist, an attempt for a new key is
// refused (RATELIMIT_FULL) rather than forgetting a counter: failing safe keeps a
// lockout in force however many other keys an attacker makes up, at the price of
// refusing newcomers until windows close. hash_key seeds the bucket hash so keys
// cannot be chosen to collide. Returns NULL when out of memory; free with
// ratelimit_free.
struct ratelimit *ratelimit_new(size_t max_keys,
                                const unsigned char hash_key[RATELIMIT_HASH_KEY_BYTES]);

// Frees the limiter and every counter. NULL is ignored.
void ratelimit_free(struct ratelimit *limiter);

// Takes one attempt for key under policy at now_ms (any monotonic or wall clock
// in ms, the same for every call). Returns RATELIMIT_ALLOWED after counting it;
// otherwise nothing is counted and *wait_s holds the seconds until an attempt may
// succeed (at least 1; RATELIMIT_FULL_WAIT_S when the table is full). Thread-safe.
enum ratelimit_verdict ratelimit_take(struct ratelimit *limiter, const char *key,
                                      const struct ratelimit_policy *policy, int64_t now_ms,
                                      int *wait_s);

// Takes one attempt for each of count (1 to RATELIMIT_TAKE_MAX) different keys, all or none,
// atomically: ALLOWED counts every key; otherwise none is counted and *wait_s is
// the longest wait among the refusing keys. Thread-safe.
enum ratelimit_verdict ratelimit_take_all(struct ratelimit *limiter,
                                          const struct ratelimit_attempt *attempts, size_t count,
                                          int64_t now_ms, int *wait_s);

// Gives back one attempt taken for key (it succeeded and should not count). A
// counter back at zero is forgotten. Does nothing for an unknown key.
void ratelimit_refund(struct ratelimit *limiter, const char *key, int64_t now_ms);

// Records that the attempt taken for key failed at now_ms: a delay past the free
// attempts runs from here, so it starts when the failure is known, not when the
// (slow) attempt began. Does nothing for an unknown key.
void ratelimit_failed(struct ratelimit *limiter, const char *key, int64_t now_ms);

// Forgets key's counter (a correct password clears the account's failures).
void ratelimit_reset(struct ratelimit *limiter, const char *key);

// The number of counters held, live or not yet reclaimed.
size_t ratelimit_key_count(struct ratelimit *limiter);

#endif
