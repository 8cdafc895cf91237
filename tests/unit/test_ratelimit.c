// SPDX-License-Identifier: MIT
// Unit tests of the attempt counter: free attempts, the doubling delay, the hard
// cap per window, windows closing, refunds and resets, the delay running from a
// recorded failure, all-or-none taking of several keys, no eviction of a live
// counter under a flood of other keys, the full table refusing newcomers, and
// many threads taking at once never getting more than the allowance.
#include "ratelimit.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>

static const unsigned char HASH_KEY[RATELIMIT_HASH_KEY_BYTES] = "0123456789abcdef";

// Login-like: 5 free, then 1 s doubling to 900 s, 100 an hour.
static const struct ratelimit_policy DELAYED = {5, 100, 1000, 900000, 3600000};
// Intake-like: 3 in a minute, then nothing until the minute ends.
static const struct ratelimit_policy HARD = {3, 3, 0, 0, 60000};

static struct ratelimit *limiter;

static void make_limiter(void)
{
    limiter = ratelimit_new(100000, HASH_KEY);
    cr_assert_not_null(limiter);
}

static void free_limiter(void)
{
    ratelimit_free(limiter);
    limiter = NULL;
}

TestSuite(ratelimit, .init = make_limiter, .fini = free_limiter);

static enum ratelimit_verdict take(const char *key, const struct ratelimit_policy *policy,
                                   int64_t now, int *wait)
{
    *wait = -1;
    return ratelimit_take(limiter, key, policy, now, wait);
}

static void expect_allowed(const char *key, const struct ratelimit_policy *policy, int64_t now)
{
    int wait;
    cr_assert_eq(take(key, policy, now, &wait), RATELIMIT_ALLOWED, "%s at %lld", key,
                 (long long)now);
    cr_assert_eq(wait, 0);
}

static void expect_wait(const char *key, const struct ratelimit_policy *policy, int64_t now,
                        int seconds)
{
    int wait;
    cr_assert_eq(take(key, policy, now, &wait), RATELIMIT_LIMITED, "%s at %lld", key,
                 (long long)now);
    cr_assert_eq(wait, seconds, "%s at %lld waits %d s, expected %d", key, (long long)now, wait,
                 seconds);
}

Test(ratelimit, free_attempts_go_through_then_a_hard_count_refuses_until_the_window_ends)
{
    for (int i = 0; i < 3; i++)
        expect_allowed("intake-ip:1.2.3.4", &HARD, 1000 + i);
    expect_wait("intake-ip:1.2.3.4", &HARD, 1003, 60);
    expect_wait("intake-ip:1.2.3.4", &HARD, 31000, 30);
    expect_wait("intake-ip:1.2.3.4", &HARD, 60999, 1);
    // Other keys have their own counts.
    expect_allowed("intake-ip:1.2.3.5", &HARD, 1003);
}

Test(ratelimit, past_the_free_attempts_the_delay_doubles_up_to_its_maximum)
{
    const char *key = "login-user:alice";
    for (int i = 0; i < 5; i++)
        expect_allowed(key, &DELAYED, 0);
    expect_wait(key, &DELAYED, 0, 1);
    expect_wait(key, &DELAYED, 999, 1);
    expect_allowed(key, &DELAYED, 1000); // the 6th
    expect_wait(key, &DELAYED, 1000, 2);
    expect_wait(key, &DELAYED, 2001, 1);
    expect_allowed(key, &DELAYED, 3000); // the 7th
    expect_wait(key, &DELAYED, 3000, 4);
    int64_t now = 7000;
    expect_allowed(key, &DELAYED, now); // the 8th
    // 8 s, 16 s, ... 512 s, then 900 s instead of 1024 s, and 900 s from then on.
    int64_t expected[] = {8, 16, 32, 64, 128, 256, 512, 900, 900};
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        expect_wait(key, &DELAYED, now, (int)expected[i]);
        now += expected[i] * 1000;
        if (now >= 3600000)
            break;
        expect_allowed(key, &DELAYED, now);
    }
}

Test(ratelimit, a_delay_never_outlasts_the_window)
{
    const struct ratelimit_policy policy = {1, 10, 50000, 50000, 60000};
    expect_allowed("k", &policy, 0);
    expect_wait("k", &policy, 30000, 20); // the delay would end at 50 s: 20 s
    expect_allowed("k", &policy, 50000);
    expect_wait("k", &policy, 50000, 10); // 50 s more, but the window ends at 60 s
    expect_allowed("k", &policy, 60000);  // a new window
}

Test(ratelimit, the_hard_cap_refuses_until_the_window_ends)
{
    const struct ratelimit_policy policy = {2, 4, 1000, 1000, 600000};
    int64_t now = 0;
    for (int i = 0; i < 4; i++, now += 1000)
        expect_allowed("k", &policy, now);
    // 4 attempts by 3 s: the 5th waits for the window to close at 600 s.
    expect_wait("k", &policy, now, 596);
    expect_wait("k", &policy, 599500, 1);
    expect_allowed("k", &policy, 600000);
}

Test(ratelimit, a_closed_window_starts_the_count_over_and_is_reclaimed)
{
    for (int i = 0; i < 3; i++)
        expect_allowed("a", &HARD, 0);
    expect_wait("a", &HARD, 59999, 1);
    for (int i = 0; i < 3; i++)
        expect_allowed("a", &HARD, 60000 + i);
    expect_wait("a", &HARD, 60003, 60);
    // A thousand short-lived keys, an hour apart in batches: closed windows are
    // swept as the table would grow, so it never holds much more than one batch.
    for (int batch = 0; batch < 10; batch++) {
        for (int i = 0; i < 1000; i++) {
            char key[32];
            snprintf(key, sizeof key, "b%d:%d", batch, i);
            expect_allowed(key, &HARD, 3600000LL * (batch + 1));
        }
        cr_assert_leq(ratelimit_key_count(limiter), 2100, "batch %d: %zu counters", batch,
                      ratelimit_key_count(limiter));
    }
}

Test(ratelimit, a_refund_gives_an_attempt_back_and_forgets_an_empty_counter)
{
    // Right query codes are refunded: only the misses count.
    expect_allowed("code-ip:9.9.9.9", &HARD, 0);
    ratelimit_refund(limiter, "code-ip:9.9.9.9", 1);
    cr_assert_eq(ratelimit_key_count(limiter), 0);
    for (int i = 0; i < 2; i++)
        expect_allowed("code-ip:9.9.9.9", &HARD, 10 + i);
    expect_allowed("code-ip:9.9.9.9", &HARD, 20);
    ratelimit_refund(limiter, "code-ip:9.9.9.9", 21);
    expect_allowed("code-ip:9.9.9.9", &HARD, 22);
    expect_wait("code-ip:9.9.9.9", &HARD, 23, 60);
    cr_assert_eq(ratelimit_key_count(limiter), 1);
    ratelimit_refund(limiter, "never-taken", 24); // harmless
}

Test(ratelimit, a_reset_clears_a_lockout)
{
    // A correct password clears the account's failures.
    for (int i = 0; i < 5; i++)
        expect_allowed("login-user:bob", &DELAYED, 0);
    expect_wait("login-user:bob", &DELAYED, 10, 1);
    ratelimit_reset(limiter, "login-user:bob");
    for (int i = 0; i < 5; i++)
        expect_allowed("login-user:bob", &DELAYED, 20);
    ratelimit_reset(limiter, "never-taken"); // harmless
}

Test(ratelimit, the_delay_runs_from_the_recorded_failure)
{
    // Five slow attempts start at 0 and fail at 0.5 s: the next may go at 1.5 s.
    for (int i = 0; i < 5; i++)
        expect_allowed("login-user:carol", &DELAYED, 0);
    ratelimit_failed(limiter, "login-user:carol", 500);
    expect_wait("login-user:carol", &DELAYED, 1000, 1);
    expect_allowed("login-user:carol", &DELAYED, 1500);
    ratelimit_failed(limiter, "login-user:carol", 400); // never moves back
    expect_wait("login-user:carol", &DELAYED, 3000, 1);
    expect_allowed("login-user:carol", &DELAYED, 3500);
    ratelimit_failed(limiter, "never-taken", 0); // harmless
    cr_assert_eq(ratelimit_key_count(limiter), 1);
}

Test(ratelimit, several_keys_are_taken_all_or_none)
{
    const struct ratelimit_policy address = {50, 1000, 1000, 900000, 3600000};
    struct ratelimit_attempt both[] = {{"login-user:dave", &DELAYED},
                                       {"login-ip:10.0.0.1", &address}};
    int wait = -1;
    for (int i = 0; i < 5; i++)
        cr_assert_eq(ratelimit_take_all(limiter, both, 2, 0, &wait), RATELIMIT_ALLOWED);
    // The account refuses: the address is not charged for the refused attempts.
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(ratelimit_take_all(limiter, both, 2, 100, &wait), RATELIMIT_LIMITED);
        cr_assert_eq(wait, 1);
    }
    for (int i = 0; i < 45; i++) {
        char user[32];
        snprintf(user, sizeof user, "login-user:u%d", i);
        struct ratelimit_attempt other[] = {{user, &DELAYED}, {"login-ip:10.0.0.1", &address}};
        cr_assert_eq(ratelimit_take_all(limiter, other, 2, 200, &wait), RATELIMIT_ALLOWED, "%d", i);
    }
    // Now the address (50 attempts) refuses, and the new account is not charged.
    struct ratelimit_attempt fresh[] = {{"login-user:erin", &DELAYED},
                                        {"login-ip:10.0.0.1", &address}};
    cr_assert_eq(ratelimit_take_all(limiter, fresh, 2, 300, &wait), RATELIMIT_LIMITED);
    cr_assert_eq(wait, 1);
    for (int i = 0; i < 5; i++)
        expect_allowed("login-user:erin", &DELAYED, 300);
    // The longest wait of the refusing keys is the answer.
    ratelimit_failed(limiter, "login-user:erin", 4300);
    cr_assert_eq(ratelimit_take_all(limiter, fresh, 2, 300, &wait), RATELIMIT_LIMITED);
    cr_assert_eq(wait, 5);
}

Test(ratelimit, a_flood_of_other_keys_never_evicts_a_live_counter)
{
    struct ratelimit *small = ratelimit_new(1000, HASH_KEY);
    cr_assert_not_null(small);
    int wait = 0;
    // An account locked out for the hour after 5 failures.
    const struct ratelimit_policy lockout = {5, 5, 0, 0, 3600000};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(ratelimit_take(small, "login-user:admin", &lockout, 0, &wait),
                     RATELIMIT_ALLOWED);
    // A hundred thousand made-up keys, one attempt each, within the hour.
    int allowed = 0, full = 0;
    for (int i = 0; i < 100000; i++) {
        char key[40];
        snprintf(key, sizeof key, "login-ip:10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        enum ratelimit_verdict v = ratelimit_take(small, key, &DELAYED, 1 + i / 100, &wait);
        allowed += v == RATELIMIT_ALLOWED;
        if (v == RATELIMIT_FULL) {
            full++;
            cr_assert_eq(wait, RATELIMIT_FULL_WAIT_S);
        }
    }
    cr_assert_eq(allowed, 999);
    cr_assert_eq(full, 100000 - 999);
    cr_assert_eq(ratelimit_key_count(small), 1000);
    // The lockout is still in force, and the counters already held still count.
    cr_assert_eq(ratelimit_take(small, "login-user:admin", &lockout, 2000, &wait),
                 RATELIMIT_LIMITED);
    cr_assert_eq(wait, 3598);
    cr_assert_eq(ratelimit_take(small, "login-ip:10.0.0.7", &DELAYED, 2000, &wait),
                 RATELIMIT_ALLOWED);
    ratelimit_free(small);
}

Test(ratelimit, a_full_table_refuses_newcomers_until_windows_close)
{
    struct ratelimit *small = ratelimit_new(10, HASH_KEY);
    cr_assert_not_null(small);
    int wait = 0;
    char key[16];
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof key, "k%d", i);
        cr_assert_eq(ratelimit_take(small, key, &HARD, i * 1000, &wait), RATELIMIT_ALLOWED);
    }
    cr_assert_eq(ratelimit_take(small, "new", &HARD, 59999, &wait), RATELIMIT_FULL);
    cr_assert_eq(wait, RATELIMIT_FULL_WAIT_S);
    // Several keys at once need room for all of the new ones.
    struct ratelimit_attempt pair[] = {{"k9", &HARD}, {"new", &HARD}};
    cr_assert_eq(ratelimit_take_all(small, pair, 2, 59999, &wait), RATELIMIT_FULL);
    // k0's window closed at 60 s: its place goes to a newcomer (after the
    // one-second pause between sweeps of a full table).
    cr_assert_eq(ratelimit_take(small, "new", &HARD, 60000, &wait), RATELIMIT_FULL);
    cr_assert_eq(ratelimit_take(small, "new", &HARD, 60999, &wait), RATELIMIT_ALLOWED);
    cr_assert_eq(ratelimit_key_count(small), 10);
    // k9 was counted once only: the refused pair did not charge it.
    cr_assert_eq(ratelimit_take(small, "k9", &HARD, 61000, &wait), RATELIMIT_ALLOWED);
    cr_assert_eq(ratelimit_take(small, "k9", &HARD, 61000, &wait), RATELIMIT_ALLOWED);
    cr_assert_eq(ratelimit_take(small, "k9", &HARD, 61000, &wait), RATELIMIT_LIMITED);
    ratelimit_free(small);
}

Test(ratelimit, keys_are_cut_to_their_maximum_length)
{
    char long_a[300], long_b[300];
    memset(long_a, 'x', sizeof long_a - 1);
    long_a[sizeof long_a - 1] = '\0';
    memcpy(long_b, long_a, sizeof long_b);
    long_b[200] = 'y'; // differs past RATELIMIT_KEY_MAX: the same counter
    for (int i = 0; i < 3; i++)
        expect_allowed(i % 2 ? long_a : long_b, &HARD, 0);
    expect_wait(long_a, &HARD, 0, 60);
    cr_assert_eq(ratelimit_key_count(limiter), 1);
}

struct race {
    pthread_barrier_t start;
    const char *key;
    int allowed[8];
};

struct racer {
    struct race *race;
    int index;
};

static void *race_takes(void *arg)
{
    struct racer *racer = arg;
    struct race *race = racer->race;
    pthread_barrier_wait(&race->start);
    for (int i = 0; i < 2000; i++) {
        int wait;
        char own[32];
        snprintf(own, sizeof own, "own-%d-%d", racer->index, i % 300);
        // The shared key, and keys of its own that make the table grow meanwhile.
        if (ratelimit_take(limiter, race->key, &DELAYED, 0, &wait) == RATELIMIT_ALLOWED)
            race->allowed[racer->index]++;
        ratelimit_take(limiter, own, &HARD, 0, &wait);
    }
    return NULL;
}

Test(ratelimit, many_threads_taking_at_once_never_exceed_the_allowance)
{
    enum { THREADS = 8 };
    struct race race = {.key = "login-user:target"};
    struct racer racers[THREADS];
    pthread_t threads[THREADS];
    pthread_barrier_init(&race.start, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        racers[i] = (struct racer){&race, i};
        cr_assert_eq(pthread_create(&threads[i], NULL, race_takes, &racers[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        total += race.allowed[i];
    }
    pthread_barrier_destroy(&race.start);
    cr_assert_eq(total, 5, "%d attempts allowed, 5 free", total);
    cr_assert_eq(ratelimit_key_count(limiter), 1 + THREADS * 300);
    // Each thread's own keys got exactly their 3 each (2000 takes over 300 keys).
    int wait;
    cr_assert_eq(ratelimit_take(limiter, "own-0-0", &HARD, 0, &wait), RATELIMIT_LIMITED);
}
