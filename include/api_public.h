// SPDX-License-Identifier: MIT
// What the citizen's side (no account) shares with intake and photo uploads:
// query codes, made, hashed and checked in one place for tracking, rating and
// photo uploads alike (case-folded, compared in constant time, wrong ones
// rate-limited per address), and the count of anonymous reports per address.
#ifndef CHENGGUAN_API_PUBLIC_H
#define CHENGGUAN_API_PUBLIC_H

#include <stdbool.h>
#include <stdint.h>

struct request;

#define API_PUBLIC_CODE_LENGTH 10 // characters of a new query code
#define API_PUBLIC_CODE_MAX    64 // longer codes are never right
#define API_PUBLIC_CODE_HASH   32 // bytes of a code's hash, as the store keeps it
#define API_PUBLIC_NOT_FOUND   "no case with this number and query code"

// Makes a query code a citizen can type (API_PUBLIC_CODE_LENGTH characters of
// 2-9 and A-Z without I and O, then a NUL) and the hash the store keeps of it.
void api_public_code_new(char code[API_PUBLIC_CODE_LENGTH + 1],
                         unsigned char hash[API_PUBLIC_CODE_HASH]);

// The hash the store keeps of a query code (store_case_query_code): BLAKE2b-256
// of the code in upper case, so a code typed in lower case matches. Requires
// sodium_init to have run.
void api_public_code_hash(const char *code, unsigned char hash[API_PUBLIC_CODE_HASH]);

// Checks the route's :case_no against a query code typed in any case. Counts an
// attempt for the client address first (a right code gives it back, so only
// wrong codes and unknown case numbers count: 10 per 10 minutes), then compares
// the hashes in constant time. Returns 0 with *case_id set, or the status
// replied: 429 with Retry-After while the address is out of attempts, 404
// (API_PUBLIC_NOT_FOUND, the same for an unknown case and a wrong code), 500.
int api_public_authorize(struct request *req, const char *code, int64_t *case_id);

// Counts one anonymous report for the client address (20 per 10 minutes).
// Returns 0, or replies 429 with Retry-After and returns 429.
int api_public_count_report(struct request *req);

struct ratelimit_policy;

// Counts one attempt of the client address under policy, keyed prefix + address
// ("geo-ip:1.2.3.4"), in the citizens' limiter. Returns 0, or replies 429 with
// the wait (what: the message) and returns 429.
int api_public_take(struct request *req, const char *prefix, const struct ratelimit_policy *policy,
                    const char *what);

// api_public_take without the reply, for answers in another format (Open311):
// returns true when the attempt is allowed (and counted), else false with the
// seconds to wait in *wait_s.
bool api_public_count(struct request *req, const char *prefix,
                      const struct ratelimit_policy *policy, int *wait_s);

#endif
