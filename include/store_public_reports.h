// SPDX-License-Identifier: MIT
// The public map of reports in the store: the public cases of a box or a grid
// cell (open, or closed since a cut-off; newest first, keyset-paged), the "me
// too" count (once per client), staff moderation (a case's text and each
// photo shown or not, logged as a case event) and the public-photo check.
#ifndef CHENGGUAN_STORE_PUBLIC_REPORTS_H
#define CHENGGUAN_STORE_PUBLIC_REPORTS_H

#include "store.h"
#include "store_cases.h"

#include <stdbool.h>
#include <stdint.h>

// Most public photos one report lists.
#define STORE_PUBLIC_PHOTOS_MAX 8
#define STORE_PUBLIC_HASH_LEN   64

// Which public cases to list. Exactly one of has_box and grid_code is set; a
// circle (has_circle) narrows a box further. Pages walk newest first: the first
// page has before_created = INT64_MAX.
struct store_public_filter {
    bool has_box;
    double min_lon, min_lat, max_lon, max_lat;
    const char *grid_code;
    bool has_circle;
    double lat, lon, radius_m;
    int64_t closed_since; // closed cases closed at or after this (epoch ms) are listed
    int64_t before_created, before_id;
    int limit;
};

// One public case: nothing here names a person.
struct store_public_report {
    int64_t id;
    char case_no[16];
    char state[16];
    char category_code[32], category_name_zh[64], category_name_en[128];
    char description[CASE_DESCRIPTION_MAX + 1];
    bool text_hidden;
    int64_t created_at, updated_at, closed_at; // closed_at 0 while open
    double lat, lon;
    char grid_code[16], grid_name[128];
    char street_name[128], street_name_en[128];
    int metoo_count;
    int photo_count;
    char photos[STORE_PUBLIC_PHOTOS_MAX][STORE_PUBLIC_HASH_LEN + 1];
};

// Calls fn for each public case of the filter, newest first, at most
// filter->limit. Returns STORE_OK, STORE_NOT_FOUND for an unknown grid code, or
// STORE_ERROR (logged).
int store_public_report_list(struct store *store, const struct store_public_filter *filter,
                             void (*fn)(const struct store_public_report *report, void *data),
                             void *data);

// "Me too" from one client (client_hash: hex of a keyed hash of its cookie) for
// the case numbered case_no. *count receives the case's count after it, and
// *counted whether this client was counted now (false: it was before). Returns
// STORE_OK, STORE_NOT_FOUND (no such case, or not public), STORE_INVALID (the
// case is closed), STORE_ERROR or STORE_FULL.
int store_public_metoo(struct store *store, const char *case_no, const char *client_hash,
                       int64_t closed_since, int *count, bool *counted);

// A moderation: show or hide the text (text_hidden < 0: unchanged) and set
// photos[i] (an id of the case's case_attachment) public or not.
struct store_public_moderation {
    int64_t case_id;
    int text_hidden; // 1, 0, or -1 for unchanged
    int photo_count;
    const int64_t *photo_ids;
    const bool *photo_public;
    const char *reason;
    int64_t actor_user_id;
    const char *actor_role, *actor_name;
};

// Applies a moderation in one transaction with a "moderate" case event (who,
// why, what). Returns STORE_OK, STORE_INVALID when a photo id is not one of the
// case's (nothing written), STORE_NOT_FOUND, STORE_ERROR or STORE_FULL.
int store_public_moderate(struct store *store, const struct store_public_moderation *m);

// The public settings of a case for staff: *text_hidden, *metoo_count, and fn
// for each photo (its id, hash, stage, public flag). Returns STORE_OK or
// STORE_ERROR.
int store_public_settings(struct store *store, int64_t case_id, bool *text_hidden, int *metoo_count,
                          void (*fn)(int64_t id, const char *hash, const char *stage,
                                     bool is_public, void *data),
                          void *data);

// Whether the photo hash is public on a case the public map lists (open, or
// closed at or after closed_since). Returns STORE_OK, STORE_NOT_FOUND or
// STORE_ERROR.
int store_public_photo(struct store *store, const char *hash, int64_t closed_since);

#endif
