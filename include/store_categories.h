// SPDX-License-Identifier: MIT
// The two category trees (部件 components, 事件 events) in the store: loading a
// subclass with its per-stage time limits, listing the trees, ranking subclasses
// from free text by their weighted keywords, and the admin's edits (one write job
// each). The tables are 0002's; 0003 seeds them.
#ifndef CHENGGUAN_STORE_CATEGORIES_H
#define CHENGGUAN_STORE_CATEGORIES_H

#include "worktime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_actor;

// Largest accepted lengths in bytes (the buffers below hold one more for the NUL).
#define STORE_CATEGORY_NAME_ZH_MAX   63
#define STORE_CATEGORY_NAME_EN_MAX   95
#define STORE_CATEGORY_KIND_MAX      23
#define STORE_CATEGORY_CONDITION_MAX 1000
#define STORE_CATEGORY_KEYWORD_MAX   60

// The stages of a case that carry a time limit (category_limit.stage).
enum store_category_stage {
    STORE_CATEGORY_FILE,     // file or reject (立案)
    STORE_CATEGORY_VERIFY,   // on-site verification (核实)
    STORE_CATEGORY_DISPATCH, // send to a department (派遣)
    STORE_CATEGORY_SIGN,     // the department signs for it (签收)
    STORE_CATEGORY_HANDLE,   // the department fixes it (处置)
    STORE_CATEGORY_CHECK,    // the inspector checks the fix (核查)
    STORE_CATEGORY_CLOSE,    // the centre closes it (结案)
    STORE_CATEGORY_STAGE_COUNT
};

// Returns the stage's name ("file", ...), "unknown" outside the enum. Static string.
const char *store_category_stage_name(enum store_category_stage stage);

// Returns the stage for its name (case-sensitive), -1 for anything else or NULL.
int store_category_stage_from_name(const char *name);

// A time limit: `amount` hours (work_hours, urgent_hours) or days (work_days).
struct store_category_limit {
    bool set; // false when the category has no limit for the stage
    enum worktime_unit unit;
    int amount;
};

// A subclass (the only level a case is filed under), with its major class.
struct store_category {
    int64_t id;
    char tree[12]; // "component" or "event"
    char code[8];  // 4 digits: major + subclass ("0101")
    int64_t major_id;
    char major_code[4]; // "01"
    char major_name_zh[STORE_CATEGORY_NAME_ZH_MAX + 1];
    char major_name_en[STORE_CATEGORY_NAME_EN_MAX + 1];
    char name_zh[STORE_CATEGORY_NAME_ZH_MAX + 1];
    char name_en[STORE_CATEGORY_NAME_EN_MAX + 1];
    char default_department_kind[STORE_CATEGORY_KIND_MAX + 1]; // "sanitation", ...
    char filing_condition[STORE_CATEGORY_CONDITION_MAX + 1];   // 立案条件
    char closing_condition[STORE_CATEGORY_CONDITION_MAX + 1];  // 结案条件
    bool urgent;
    bool active; // inactive subclasses are hidden from the public list and suggestions
    struct store_category_limit limits[STORE_CATEGORY_STAGE_COUNT];
    // Phases of a multi-phase handling limit, in order, each counted from the
    // dispatch (illegal structure: stop, then demolish).
    int phase_count;
    struct store_category_phase {
        char code[16];
        char name_zh[32];
        char name_en[48];
        struct store_category_limit limit;
    } phases[4];
};

// A major class (2-digit code) of one tree.
struct store_category_major {
    int64_t id;
    char tree[12];
    char code[4];
    char name_zh[STORE_CATEGORY_NAME_ZH_MAX + 1];
    char name_en[STORE_CATEGORY_NAME_EN_MAX + 1];
};

// Loads a subclass by id, active or not, with its limits. A major class's id is
// STORE_NOT_FOUND. Returns STORE_OK, STORE_NOT_FOUND or STORE_ERROR.
int store_category_get(struct store *store, int64_t id, struct store_category *out);

// Loads a subclass by tree ("component"/"event") and 4-digit code, like
// store_category_get. Returns STORE_OK, STORE_NOT_FOUND or STORE_ERROR.
int store_category_find(struct store *store, const char *tree, const char *code,
                        struct store_category *out);

// Walks the trees in order (components then events, each by code): on_major for
// every major class, then on_subclass for each of its subclasses (only active ones
// unless include_inactive). tree limits the walk to one tree; NULL walks both.
// The structs passed are valid only during the call; callbacks must not use the
// store. Returns STORE_OK or STORE_ERROR.
int store_category_list(struct store *store, const char *tree, bool include_inactive,
                        void (*on_major)(const struct store_category_major *major, void *data),
                        void (*on_subclass)(const struct store_category *subclass, void *data),
                        void *data);

// One weighted keyword of a subclass.
struct store_category_keyword {
    const char *keyword; // UTF-8, at most STORE_CATEGORY_KEYWORD_MAX bytes
    int weight;          // > 0
};

// Calls fn for each keyword of a subclass, heaviest first then by keyword. The
// keyword string is valid only during the call. Returns STORE_OK or STORE_ERROR.
int store_category_keywords(struct store *store, int64_t id,
                            void (*fn)(const char *keyword, int weight, void *data), void *data);

// One ranked guess.
struct store_category_suggestion {
    int64_t id;
    char tree[12];
    char code[8];
    char name_zh[STORE_CATEGORY_NAME_ZH_MAX + 1];
    char name_en[STORE_CATEGORY_NAME_EN_MAX + 1];
    long score; // sum of the weights of the keywords found in the text
};

// Ranks the active subclasses for the len bytes of text (see catsuggest.h: each
// keyword found adds its weight; ties go to longer matches, then lower ids) and
// writes the best at most `max` into out, setting *count (0 when nothing
// matched). The caller checks the text (valid UTF-8, bounded length). Returns
// STORE_OK or STORE_ERROR (allocation or SQLite failure; logged).
int store_category_suggest(struct store *store, const char *text, size_t len,
                           struct store_category_suggestion *out, size_t max, size_t *count);

// The single best active subclass for the NUL-terminated text, in *id_out.
// Returns STORE_OK, STORE_NOT_FOUND when no keyword matches, or STORE_ERROR.
int store_category_suggest_best(struct store *store, const char *text, int64_t *id_out);

// What an admin sets on a subclass. NULL strings, -1 flags and limits with
// set == false keep the current value (on create: "" / not urgent / active / no
// limit).
struct store_category_fields {
    const char *name_zh;
    const char *name_en;
    const char *default_department_kind;
    const char *filing_condition;
    const char *closing_condition;
    int urgent; // -1 keep, 0 or 1
    int active; // -1 keep, 0 or 1
    struct store_category_limit limits[STORE_CATEGORY_STAGE_COUNT];
    bool replace_keywords; // when true the keywords below replace all current ones
    const struct store_category_keyword *keywords;
    size_t keyword_count; // a repeated keyword keeps the last weight
    // Who makes the change (store_admin.h): the update or create then appends
    // "category.update" / "category.create" to audit_log with the subclass and
    // its limits before and after. NULL records nothing (seeds, tests).
    const struct store_actor *actor;
};

// Fills fields so that nothing changes (all NULL / -1 / unset).
void store_category_fields_init(struct store_category_fields *fields);

// Applies fields to subclass id in one write job (all or nothing). The caller
// validated the values. Returns STORE_OK, STORE_NOT_FOUND (no such subclass) or
// STORE_ERROR.
int store_category_update(struct store *store, int64_t id,
                          const struct store_category_fields *fields);

// Adds a subclass code (4 digits) to tree under its major class (the code's first
// two digits), with fields (name_zh and name_en required), in one write job.
// Sets *id_out. Returns STORE_OK, STORE_CONFLICT when (tree, code) exists,
// STORE_INVALID when the major class does not exist or a name is missing, or
// STORE_ERROR.
int store_category_create(struct store *store, const char *tree, const char *code,
                          const struct store_category_fields *fields, int64_t *id_out);

#endif
