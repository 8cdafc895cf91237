// SPDX-License-Identifier: MIT
// Staff users, sessions and API tokens in the store. Passwords arrive already
// hashed (auth.c); tokens and session ids arrive as keyed hashes, never in clear.
#ifndef CHENGGUAN_STORE_USERS_H
#define CHENGGUAN_STORE_USERS_H

#include "roles.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jurisdiction;
struct store;
struct store_actor;

#define STORE_HASH_BYTES 32

struct store_user {
    int64_t id;
    char username[64];
    char display_name[128];
    enum role role;
    int64_t org_unit_id;
    char org_unit_code[16];
    char org_unit_type[16];
    char org_unit_name[128];
    char scope_path[128]; // path of the place (city..community) the user's jurisdiction covers:
                          // read it only through jurisdiction_init
    char phone[32];
    bool disabled;
    int64_t created_at;
};

// Creates a user. `user` supplies username, display_name, role, org_unit_id and
// phone; password_hash is a crypto_pwhash_str string. Sets *id. Returns STORE_OK,
// STORE_CONFLICT when the username is taken, STORE_INVALID when the org unit does
// not exist, STORE_ERROR.
int store_user_create(struct store *store, const struct store_user *user, const char *password_hash,
                      int64_t *id);

// The same with the admin audit log: actor (store_admin.h) is who creates,
// and "user.create" with the new account (no password) is appended in the
// same transaction. The plain function records nothing (seeds, tests).
int store_user_create_as(struct store *store, const struct store_actor *actor,
                         const struct store_user *user, const char *password_hash, int64_t *id);

// Loads a user by id (any state). Returns STORE_OK or STORE_NOT_FOUND.
int store_user_get(struct store *store, int64_t id, struct store_user *out);

// Loads a user and their password hash by username (case-insensitive).
// hash must hold 128 bytes. Returns STORE_OK or STORE_NOT_FOUND.
int store_user_get_by_username(struct store *store, const char *username, struct store_user *out,
                               char *hash, size_t hash_size);

// Replaces a user's password hash and ends all their sessions. Returns STORE_OK or
// STORE_NOT_FOUND.
int store_user_set_password(struct store *store, int64_t id, const char *password_hash);

// Enables or disables a user; disabling ends all their sessions.
int store_user_set_disabled(struct store *store, int64_t id, bool disabled);

// set_password and set_disabled as actor, appending "user.password" or
// "user.update" (before and after; a password only as "changed").
int store_user_set_password_as(struct store *store, const struct store_actor *actor, int64_t id,
                               const char *password_hash);
int store_user_set_disabled_as(struct store *store, const struct store_actor *actor, int64_t id,
                               bool disabled);

// Updates display name, role, org unit and phone of a user (fields of `user`), and
// in the same transaction the password hash (unless NULL) and the disabled flag
// (0 or 1; -1 leaves it). When end_sessions is set, ends the user's sessions but
// keep_session_id (0 keeps none; see account.h for when). Returns STORE_OK,
// STORE_NOT_FOUND, STORE_INVALID (no such org unit) or STORE_ERROR.
int store_user_update(struct store *store, const struct store_user *user, const char *password_hash,
                      int disabled, bool end_sessions, int64_t keep_session_id);

// store_user_update as actor, appending "user.update" with before and after.
int store_user_update_as(struct store *store, const struct store_actor *actor,
                         const struct store_user *user, const char *password_hash, int disabled,
                         bool end_sessions, int64_t keep_session_id);

// Calls fn for each user whose org unit the jurisdiction covers (a department's
// when the place it belongs to is covered; NULL: nobody), ordered by id, after
// `after_id`, at most `limit`. Returns STORE_OK or STORE_ERROR.
int store_user_list(struct store *store, const struct jurisdiction *jurisdiction, int64_t after_id,
                    int limit, void (*fn)(const struct store_user *user, void *data), void *data);

// Number of users (to tell an empty database).
int64_t store_user_count(struct store *store);

struct store_session {
    int64_t id;
    char csrf_token[48];
    int64_t created_at;
    int64_t last_seen_at;
    int64_t expires_at;
};

// Stores a new session under the keyed hash of its token. Returns STORE_OK or STORE_ERROR.
int store_session_create(struct store *store, const unsigned char token_hash[STORE_HASH_BYTES],
                         int64_t user_id, const char *csrf_token, int64_t now_ms,
                         int64_t expires_at_ms, const char *ip);

// Finds the session and its (enabled or disabled) user. Returns STORE_OK or STORE_NOT_FOUND.
int store_session_lookup(struct store *store, const unsigned char token_hash[STORE_HASH_BYTES],
                         struct store_session *session, struct store_user *user);

// Records activity on a session (sliding idle expiry).
int store_session_touch(struct store *store, int64_t session_id, int64_t now_ms);

// Ends one session. Returns STORE_OK even when it did not exist.
int store_session_delete(struct store *store, const unsigned char token_hash[STORE_HASH_BYTES]);

// Stores an API token for a machine client acting as user_id on a channel
// ("12345", "110", "12319"). Returns STORE_OK, STORE_CONFLICT (name taken) or
// STORE_INVALID (no such user).
int store_token_create(struct store *store, const char *name, const char *channel,
                       const unsigned char token_hash[STORE_HASH_BYTES], int64_t user_id);

// Finds an enabled token's user and channel (channel: at least 16 bytes) and
// the token's id (token_id may be NULL).
int store_token_lookup(struct store *store, const unsigned char token_hash[STORE_HASH_BYTES],
                       struct store_user *user, char *channel, size_t channel_size,
                       int64_t *token_id);

// Finds the org unit with this code if the jurisdiction covers it (a department
// when the place it belongs to is covered; NULL: none). Returns STORE_OK with *id
// set, or STORE_NOT_FOUND.
int store_org_unit_in_scope(struct store *store, const char *code,
                            const struct jurisdiction *jurisdiction, int64_t *id);

// Reads an instance setting into value (value_size bytes). STORE_NOT_FOUND if unset.
int store_setting_get(struct store *store, const char *key, char *value, size_t value_size);

// Sets an instance setting only if it is not set yet. Returns STORE_OK.
int store_setting_init(struct store *store, const char *key, const char *value);

// Sets an instance setting, replacing its value. Returns STORE_OK or the write's
// failure (STORE_ERROR, STORE_FULL, STORE_BUSY).
int store_setting_put(struct store *store, const char *key, const char *value);

#endif
