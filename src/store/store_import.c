// SPDX-License-Identifier: MIT
// Storing a checked bulk import (store_import.h): one transaction of its own
// (store_write_alone: a large import keeps no savepoint copy), each row with
// the audit entry of its one-row API, and one "import" entry naming the file.
// Same SQL on every engine (the row writers are store_admin.c's and
// store_users.c's).
#include "store_import.h"

#include "admin_audit.h"
#include "engine.h"

#include <stdlib.h>

// Appends the "import" entry: who imported which file, and how it went.
static int summary_audit(struct store_tx *tx, const struct store_actor *actor,
                         const struct store_import_summary *summary)
{
    cJSON *after = cJSON_CreateObject();
    cJSON_AddStringToObject(after, "kind", summary->kind);
    cJSON_AddStringToObject(after, "format", summary->format);
    cJSON_AddStringToObject(after, "file_sha256", summary->sha256);
    cJSON_AddNumberToObject(after, "rows", (double)summary->rows);
    cJSON_AddNumberToObject(after, "imported", (double)summary->imported);
    cJSON_AddNumberToObject(after, "skipped", (double)summary->skipped);
    return store_admin_audit_tx(tx, actor, "import", "import", 0, NULL, after);
}

struct import_job {
    const struct store_actor *actor;
    const struct store_import_summary *summary;
    const void *rows;
    const char *const *hashes;
    size_t count;
    int64_t *ids;
};

static int units_job(struct store_tx *tx, void *data)
{
    struct import_job *job = data;
    const struct store_import_unit *units = job->rows;
    int rc = STORE_OK;
    for (size_t i = 0; i < job->count && rc == STORE_OK; i++) {
        struct store_org_unit unit = units[i].unit;
        if (units[i].parent_index >= 0)
            unit.parent_id = job->ids[units[i].parent_index];
        rc = store_org_unit_create_tx(tx, job->actor, &unit, &job->ids[i]);
    }
    return rc == STORE_OK ? summary_audit(tx, job->actor, job->summary) : rc;
}

int store_import_org_units(struct store *store, const struct store_actor *actor,
                           const struct store_import_unit *units, size_t count,
                           const struct store_import_summary *summary, int64_t *ids)
{
    int64_t *own = ids ? ids : calloc(count ? count : 1, sizeof *own);
    if (own == NULL)
        return STORE_ERROR;
    struct import_job job = {actor, summary, units, NULL, count, own};
    int rc = store_write_alone(store, units_job, &job);
    if (own != ids)
        free(own);
    return rc;
}

static int users_job(struct store_tx *tx, void *data)
{
    struct import_job *job = data;
    const struct store_user *users = job->rows;
    int rc = STORE_OK;
    for (size_t i = 0; i < job->count && rc == STORE_OK; i++) {
        int64_t id = 0;
        rc = store_user_insert_tx(tx, job->actor, &users[i], job->hashes[i], &id);
    }
    return rc == STORE_OK ? summary_audit(tx, job->actor, job->summary) : rc;
}

int store_import_users(struct store *store, const struct store_actor *actor,
                       const struct store_user *users, const char *const *hashes, size_t count,
                       const struct store_import_summary *summary)
{
    struct import_job job = {actor, summary, users, hashes, count, NULL};
    return store_write_alone(store, users_job, &job);
}

static int routing_job(struct store_tx *tx, void *data)
{
    struct import_job *job = data;
    int rc = store_routing_set_tx(tx, job->actor, job->rows, job->count);
    return rc == STORE_OK ? summary_audit(tx, job->actor, job->summary) : rc;
}

int store_import_routing(struct store *store, const struct store_actor *actor,
                         const struct store_route *rows, size_t count,
                         const struct store_import_summary *summary)
{
    struct import_job job = {actor, summary, rows, NULL, count, NULL};
    return store_write_alone(store, routing_job, &job);
}

static int assignments_job(struct store_tx *tx, void *data)
{
    struct import_job *job = data;
    const struct store_grid_assignment *rows = job->rows;
    int rc = STORE_OK;
    for (size_t i = 0; i < job->count && rc == STORE_OK; i++)
        rc = store_grid_assign_tx(tx, job->actor, &rows[i]);
    return rc == STORE_OK ? summary_audit(tx, job->actor, job->summary) : rc;
}

int store_import_assignments(struct store *store, const struct store_actor *actor,
                             const struct store_grid_assignment *rows, size_t count,
                             const struct store_import_summary *summary)
{
    struct import_job job = {actor, summary, rows, NULL, count, NULL};
    return store_write_alone(store, assignments_job, &job);
}
