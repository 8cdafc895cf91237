// SPDX-License-Identifier: MIT
// The outbox's delivery threads of a running server: they claim due messages
// from the store (store_outbox_claim, under a lease), send each with libcurl to
// its destination (a kind's sender: "hotline" posts to the filing token's
// callback URL, "sms" to the SMS gateway, "webhook" to a unit's webhook, each
// signed; "email" goes through the SMTP server: notify.h), mark it
// delivered after a 2xx, else schedule the next attempt with backoff and
// jitter, and park it as a dead letter after the last attempt. Safe to run in
// every server on one database and across restarts: the state is the store's.
#ifndef CHENGGUAN_OUTBOX_SENDER_H
#define CHENGGUAN_OUTBOX_SENDER_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct outbox_sender_options {
    int threads;            // delivery threads (1..16); 0: no delivery by this server
    int poll_ms;            // the wait between looks at the store when idle
    int retry_base_ms;      // the first retry's delay (doubled per attempt, with jitter)
    int retry_max_ms;       // the longest delay between attempts
    int max_attempts;       // attempts before a message is dead
    int connect_timeout_ms; // to connect to the receiver
    int timeout_ms;         // for a whole attempt
};

#define OUTBOX_DEFAULT_THREADS       2
#define OUTBOX_DEFAULT_POLL_MS       1000
#define OUTBOX_DEFAULT_RETRY_BASE_MS 5000
#define OUTBOX_DEFAULT_RETRY_MAX_MS  3600000
#define OUTBOX_DEFAULT_MAX_ATTEMPTS  12
#define OUTBOX_DEFAULT_CONNECT_MS    5000
#define OUTBOX_DEFAULT_TIMEOUT_MS    15000

// The signature header's value for body sent at timestamp (Unix seconds):
// HMAC-SHA256 keyed with secret (the text as registered, its bytes) over
// "timestamp.body", in lowercase hex, into out (65 bytes).
void outbox_sign(const char *secret, const char *timestamp, const char *body, size_t body_len,
                 char out[65]);

// Makes a new signing secret: 32 random bytes as 64 lowercase hex digits and a
// NUL, into out. Requires sodium_init to have run.
void outbox_secret_new(char out[65]);

// Starts the delivery threads (options->threads of them). Returns 0, or -1
// when libcurl or a thread cannot start (logged). One sender per process.
int outbox_sender_start(struct store *store, const struct outbox_sender_options *options);

// Wakes the threads to look at the store now (a change just committed
// messages). Safe from any thread, and when the sender never started.
void outbox_sender_wake(void);

// Stops the threads (an attempt under way ends within its timeout) and joins
// them. A message claimed and not settled is due again when its lease ends.
// Call before the store closes. Safe when it never started.
void outbox_sender_stop(void);

#endif
