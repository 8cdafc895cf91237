// SPDX-License-Identifier: MIT
// The attempt counter behind every rate limit: a chained hash table of counters
// keyed by string (SipHash under a per-limiter key, so keys cannot be chosen to
// pile into one bucket), doubling as it fills, reclaiming counters whose window
// has closed, and refusing new keys rather than evicting live counters when full.
#include "ratelimit.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

enum { MIN_BUCKETS = 64 };

// While full, the whole table is swept for closed windows at most this often, so
// a flood of new keys cannot make every refusal cost a sweep.
#define FULL_SWEEP_EVERY_MS 1000

_Static_assert(RATELIMIT_HASH_KEY_BYTES == crypto_shorthash_KEYBYTES, "SipHash key size");

struct counter {
    struct counter *next;
    uint64_t hash;
    int64_t window_end; // the count starts over at this time
    int64_t last;       // the last attempt taken, or failure recorded
    int count;          // attempts taken in the window
    char key[];
};

struct ratelimit {
    pthread_mutex_t lock;
    struct counter **buckets;
    size_t bucket_count; // a power of two
    size_t max_buckets;  // the smallest power of two >= max_keys
    size_t key_count;
    size_t max_keys;
    bool swept_full;       // a sweep ran because the table was full...
    int64_t full_sweep_at; // ...at this time
    unsigned char hash_key[RATELIMIT_HASH_KEY_BYTES];
};

struct ratelimit *ratelimit_new(size_t max_keys,
                                const unsigned char hash_key[RATELIMIT_HASH_KEY_BYTES])
{
    struct ratelimit *limiter = calloc(1, sizeof *limiter);
    if (limiter == NULL)
        return NULL;
    limiter->max_keys = max_keys > 0 ? max_keys : 1;
    limiter->max_buckets = MIN_BUCKETS;
    while (limiter->max_buckets < limiter->max_keys && limiter->max_buckets < SIZE_MAX / 4)
        limiter->max_buckets *= 2;
    limiter->bucket_count = MIN_BUCKETS;
    limiter->buckets = calloc(limiter->bucket_count, sizeof *limiter->buckets);
    if (limiter->buckets == NULL || pthread_mutex_init(&limiter->lock, NULL) != 0) {
        free(limiter->buckets);
        free(limiter);
        return NULL;
    }
    memcpy(limiter->hash_key, hash_key, sizeof limiter->hash_key);
    return limiter;
}

void ratelimit_free(struct ratelimit *limiter)
{
    if (limiter == NULL)
        return;
    for (size_t i = 0; i < limiter->bucket_count; i++) {
        struct counter *c = limiter->buckets[i];
        while (c != NULL) {
            struct counter *next = c->next;
            free(c);
            c = next;
        }
    }
    free(limiter->buckets);
    pthread_mutex_destroy(&limiter->lock);
    free(limiter);
}

static uint64_t key_hash(const struct ratelimit *limiter, const char *key, size_t len)
{
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)key, len, limiter->hash_key);
    uint64_t hash;
    memcpy(&hash, out, sizeof hash);
    return hash;
}

// The link pointing at key's counter (*link is NULL when there is none). Caller
// holds the lock.
static struct counter **find_link(struct ratelimit *limiter, const char *key, size_t len,
                                  uint64_t hash)
{
    struct counter **link = &limiter->buckets[hash & (limiter->bucket_count - 1)];
    while (*link != NULL) {
        const struct counter *c = *link;
        if (c->hash == hash && memcmp(c->key, key, len) == 0 && c->key[len] == '\0')
            break;
        link = &(*link)->next;
    }
    return link;
}

static struct counter **find_key(struct ratelimit *limiter, const char *key)
{
    size_t len = strnlen(key, RATELIMIT_KEY_MAX);
    return find_link(limiter, key, len, key_hash(limiter, key, len));
}

static void unlink_counter(struct ratelimit *limiter, struct counter **link)
{
    struct counter *c = *link;
    *link = c->next;
    free(c);
    limiter->key_count--;
}

// Frees every counter whose window has closed by now. Caller holds the lock.
static void sweep(struct ratelimit *limiter, int64_t now)
{
    for (size_t i = 0; i < limiter->bucket_count; i++) {
        struct counter **link = &limiter->buckets[i];
        while (*link != NULL) {
            if (now >= (*link)->window_end)
                unlink_counter(limiter, link);
            else
                link = &(*link)->next;
        }
    }
}

// Doubles the bucket array; keeps the old one when memory is short (the chains
// just get longer). Caller holds the lock.
static void grow(struct ratelimit *limiter)
{
    size_t count = limiter->bucket_count * 2;
    struct counter **buckets = calloc(count, sizeof *buckets);
    if (buckets == NULL)
        return;
    for (size_t i = 0; i < limiter->bucket_count; i++) {
        struct counter *c = limiter->buckets[i];
        while (c != NULL) {
            struct counter *next = c->next;
            c->next = buckets[c->hash & (count - 1)];
            buckets[c->hash & (count - 1)] = c;
            c = next;
        }
    }
    free(limiter->buckets);
    limiter->buckets = buckets;
    limiter->bucket_count = count;
}

// Makes room for `needed` new counters: reclaims closed windows and grows the
// table as it fills. Returns false when live counters leave no room. Caller holds
// the lock; counters found before this call stay valid as long as their window
// is open at now (a sweep frees only closed ones).
static bool make_room(struct ratelimit *limiter, size_t needed, int64_t now)
{
    if (limiter->key_count + needed > limiter->max_keys) {
        if (limiter->swept_full && now >= limiter->full_sweep_at &&
            now - limiter->full_sweep_at < FULL_SWEEP_EVERY_MS)
            return false;
        sweep(limiter, now);
        limiter->swept_full = true;
        limiter->full_sweep_at = now;
        if (limiter->key_count + needed > limiter->max_keys)
            return false;
    }
    if (limiter->key_count + needed > limiter->bucket_count &&
        limiter->bucket_count < limiter->max_buckets) {
        // Sweep first; grow unless that freed a quarter, so sweeps stay amortized.
        sweep(limiter, now);
        if (limiter->key_count + needed > limiter->bucket_count / 4 * 3)
            grow(limiter);
    }
    return true;
}

static struct counter *insert(struct ratelimit *limiter, const char *key)
{
    size_t len = strnlen(key, RATELIMIT_KEY_MAX);
    struct counter *c = calloc(1, sizeof *c + len + 1);
    if (c == NULL)
        return NULL;
    memcpy(c->key, key, len);
    c->hash = key_hash(limiter, key, len);
    struct counter **bucket = &limiter->buckets[c->hash & (limiter->bucket_count - 1)];
    c->next = *bucket;
    *bucket = c;
    limiter->key_count++;
    return c;
}

// The delay before the next attempt of a counter past its free attempts:
// first_delay_ms doubled once per attempt beyond them, at most max_delay_ms.
static int64_t delay_ms(const struct ratelimit_policy *policy, int count)
{
    int64_t delay = policy->first_delay_ms;
    for (int extra = count - policy->free_attempts; extra > 0 && delay < policy->max_delay_ms;
         extra--)
        delay = delay > policy->max_delay_ms / 2 ? policy->max_delay_ms : delay * 2;
    return delay < policy->max_delay_ms ? delay : policy->max_delay_ms;
}

// Milliseconds until counter c (NULL: no attempts yet) may take one more; 0 now.
static int64_t wait_ms(const struct counter *c, const struct ratelimit_policy *policy, int64_t now)
{
    if (c == NULL || c->count < policy->free_attempts)
        return 0;
    if (c->count >= policy->max_attempts || policy->first_delay_ms <= 0)
        return c->window_end - now;
    int64_t ready = c->last + delay_ms(policy, c->count);
    if (ready > c->window_end) // the count starts over before the delay ends
        ready = c->window_end;
    return ready > now ? ready - now : 0;
}

static int whole_seconds(int64_t ms)
{
    int64_t s = (ms + 999) / 1000;
    return s < 1 ? 1 : s > 86400 * 365 ? 86400 * 365 : (int)s;
}

enum ratelimit_verdict ratelimit_take_all(struct ratelimit *limiter,
                                          const struct ratelimit_attempt *attempts, size_t count,
                                          int64_t now_ms, int *wait_s)
{
    struct counter *found[RATELIMIT_TAKE_MAX];
    assert(count >= 1 && count <= RATELIMIT_TAKE_MAX);
    if (count > RATELIMIT_TAKE_MAX)
        count = RATELIMIT_TAKE_MAX;
    *wait_s = 0;
    int64_t longest = 0;
    size_t fresh = 0;
    pthread_mutex_lock(&limiter->lock);
    for (size_t i = 0; i < count; i++) {
        const struct ratelimit_policy *policy = attempts[i].policy;
        found[i] = *find_key(limiter, attempts[i].key);
        if (found[i] != NULL && now_ms >= found[i]->window_end) {
            // The window closed: start over (this keeps the counter safe from a sweep).
            found[i]->count = 0;
            found[i]->window_end = now_ms + (policy->window_ms > 0 ? policy->window_ms : 1);
        }
        int64_t wait = wait_ms(found[i], policy, now_ms);
        if (wait > longest)
            longest = wait;
        fresh += found[i] == NULL;
    }
    enum ratelimit_verdict verdict = RATELIMIT_ALLOWED;
    if (longest > 0) {
        verdict = RATELIMIT_LIMITED;
        *wait_s = whole_seconds(longest);
    } else if (fresh > 0 && !make_room(limiter, fresh, now_ms)) {
        verdict = RATELIMIT_FULL;
        *wait_s = RATELIMIT_FULL_WAIT_S;
    }
    // New counters first, so running out of memory leaves nothing counted (at
    // worst a few empty counters, reclaimed when their window closes).
    for (size_t i = 0; verdict == RATELIMIT_ALLOWED && i < count; i++) {
        if (found[i] != NULL)
            continue;
        found[i] = insert(limiter, attempts[i].key);
        if (found[i] == NULL) {
            verdict = RATELIMIT_FULL;
            *wait_s = RATELIMIT_FULL_WAIT_S;
        } else {
            int64_t window = attempts[i].policy->window_ms;
            found[i]->window_end = now_ms + (window > 0 ? window : 1);
        }
    }
    for (size_t i = 0; verdict == RATELIMIT_ALLOWED && i < count; i++) {
        found[i]->count++;
        found[i]->last = now_ms;
    }
    pthread_mutex_unlock(&limiter->lock);
    return verdict;
}

enum ratelimit_verdict ratelimit_take(struct ratelimit *limiter, const char *key,
                                      const struct ratelimit_policy *policy, int64_t now_ms,
                                      int *wait_s)
{
    struct ratelimit_attempt attempt = {key, policy};
    return ratelimit_take_all(limiter, &attempt, 1, now_ms, wait_s);
}

void ratelimit_refund(struct ratelimit *limiter, const char *key, int64_t now_ms)
{
    pthread_mutex_lock(&limiter->lock);
    struct counter **link = find_key(limiter, key);
    if (*link != NULL) {
        struct counter *c = *link;
        if (c->count > 0 && now_ms < c->window_end)
            c->count--;
        if (c->count == 0 || now_ms >= c->window_end)
            unlink_counter(limiter, link);
    }
    pthread_mutex_unlock(&limiter->lock);
}

void ratelimit_failed(struct ratelimit *limiter, const char *key, int64_t now_ms)
{
    pthread_mutex_lock(&limiter->lock);
    struct counter *c = *find_key(limiter, key);
    if (c != NULL && now_ms > c->last)
        c->last = now_ms;
    pthread_mutex_unlock(&limiter->lock);
}

void ratelimit_reset(struct ratelimit *limiter, const char *key)
{
    pthread_mutex_lock(&limiter->lock);
    struct counter **link = find_key(limiter, key);
    if (*link != NULL)
        unlink_counter(limiter, link);
    pthread_mutex_unlock(&limiter->lock);
}

size_t ratelimit_key_count(struct ratelimit *limiter)
{
    pthread_mutex_lock(&limiter->lock);
    size_t count = limiter->key_count;
    pthread_mutex_unlock(&limiter->lock);
    return count;
}
