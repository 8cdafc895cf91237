// SPDX-License-Identifier: MIT
// The outbox's rules, with no I/O: which case events a hotline platform hears
// of (and under what name), the delay before the next attempt (exponential
// backoff with jitter, capped), and which callback URLs are acceptable.
#ifndef CHENGGUAN_OUTBOX_H
#define CHENGGUAN_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

// The name a hotline callback gives a case event (accepted, rejected,
// dispatched, handled, closed, reopened, merged), from the event's action and
// its states before and after; NULL when the platform is not told of it (notes,
// stage-internal steps, a state left unchanged). Static strings.
const char *outbox_hotline_event(const char *action, const char *from_state, const char *to_state);

// The delay in milliseconds before attempt number attempt + 1, after attempt
// (1 or more) failed: base_ms * 2^(attempt-1), capped at max_ms, then "equal
// jitter": half of it fixed, the other half scaled by random_unit in [0, 1).
// The result lies in [delay/2, delay]; base_ms and max_ms of 1 or more.
int64_t outbox_backoff_ms(int attempt, int64_t base_ms, int64_t max_ms, double random_unit);

// True when url is an acceptable callback: http:// or https://, a host, at most
// max_length bytes, no spaces, control characters, backslashes or user info
// ("user@host"). The host is not resolved: the URL is an admin's to register.
bool outbox_url_valid(const char *url, int max_length);

#endif
