// SPDX-License-Identifier: MIT
// Authentication and route-level authorization: password hashing (Argon2id, off
// the HTTP threads and bounded in concurrency), sessions (an HttpOnly cookie, a
// keyed hash in the database, a CSRF header), API tokens for hotline platforms,
// sign-in rate limits, and the role mask of each route.
#ifndef CHENGGUAN_AUTH_H
#define CHENGGUAN_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct request;
struct route;
struct store;

#define AUTH_COOKIE_NAME        "cg_session"
#define AUTH_DEFAULT_IDLE_S     (30 * 60)
#define AUTH_DEFAULT_ABSOLUTE_S (12 * 3600)
#define AUTH_PASSWORD_MIN_CHARS 12
#define AUTH_PASSWORD_MAX_BYTES 1024
#define AUTH_HASH_SIZE          128

// Loads (or creates on first start) the key that hashes session and API tokens,
// sets the session lifetimes (idle and absolute, in seconds) and starts
// `verifiers` password-verification threads. Returns 0, or -1 with a logged
// reason. Call once, before serving.
int auth_init(struct store *store, int verifiers, int idle_s, int absolute_s);

// Stops the verification threads (after the HTTP daemon stopped). Accepts no
// in-flight work: every suspended request has been answered by then.
void auth_shutdown(void);

// Applies the route's AUTH, TOKEN, CSRF and role flags to the request: on success
// sets req->user (for authenticated routes) and returns 0; otherwise replies
// 401/403 with the error envelope and returns that status.
int auth_check_route(struct request *req, const struct route *route);

// Signs the request in with the API token given in clear (from a header or, for
// Open311, the api_key parameter): an enabled token of an enabled user makes
// req->user that user (via_token, with the token's channel). Replies nothing.
// Returns STORE_OK, STORE_NOT_FOUND (unknown or disabled) or STORE_ERROR (also
// when out of memory).
int auth_token_sign_in(struct request *req, const char *token);

// Returns NULL when the password is acceptable for a new account, else a reason
// (static string): fewer than 12 characters, longer than 1024 bytes, not UTF-8.
const char *auth_password_problem(const char *password);

// Hashes a password with crypto_pwhash_str (Argon2id, interactive limits) into
// out (AUTH_HASH_SIZE bytes). Slow by design (~0.1 s, 64 MiB). Returns 0 or -1.
int auth_hash_password(const char *password, char out[AUTH_HASH_SIZE]);

// Verifies password against hash on a verification thread and then calls
// done(req, ok, data) on that thread; done must reply and call request_resume.
// Returns 0 after suspending the request, or -1 when too many verifications are
// queued (the caller replies 503). hash may be NULL (unknown user): a dummy hash
// is checked so the answer takes as long as for a real account.
int auth_verify_password_async(struct request *req, const char *hash, const char *password,
                               void (*done)(struct request *req, bool ok, void *data), void *data);

// Counts a sign-in attempt for username (case-folded) and the request's address
// before the password is checked, so concurrent guesses cannot slip past the
// limits. Returns 0 when it may proceed, else the seconds to wait (the caller
// replies 429 with Retry-After); a refused attempt is not counted. Every attempt
// that returned 0 must be settled with auth_login_settle.
int auth_login_take(struct request *req, const char *username);

enum auth_login_outcome {
    AUTH_LOGIN_SUCCEEDED,   // clears the account's count, gives the address its attempt back
    AUTH_LOGIN_FAILED,      // the delay past the free attempts runs from now
    AUTH_LOGIN_NOT_CHECKED, // the password was never checked: both attempts are given back
};

// Settles an attempt counted by auth_login_take. Safe on any thread.
void auth_login_settle(struct request *req, const char *username, enum auth_login_outcome outcome);

// Drops every thread's memory of checked sessions: call after anything that may
// end a session or change what a user may do (sign-out, a user changed). Safe
// from any thread.
void auth_forget_sessions(void);

// Starts a session for user_id: a 32-byte random token (set as the cookie through
// the request's headers) and a CSRF token written to csrf_out (48 bytes). Returns
// STORE_OK (0), or the store's result when the session could not be saved
// (STORE_FULL on a full disk).
int auth_session_start(struct request *req, int64_t user_id, char csrf_out[48]);

// Ends the request's session (if any) and clears the cookie.
void auth_session_end(struct request *req);

// The configured idle timeout of sessions, in seconds.
int auth_idle_seconds(void);

// Makes a new API token: writes the clear token (shown once) to token_out (64
// bytes) and its keyed hash to hash_out. Requires auth_init or a store to read the key from.
int auth_token_make(struct store *store, char token_out[64], unsigned char hash_out[32]);

#endif
