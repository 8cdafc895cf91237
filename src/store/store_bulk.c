// SPDX-License-Identifier: MIT
// Bulk loading in the SQLite engine: the caller's function runs as one write job
// alone in its transaction (store_write_alone, no savepoint), and each step calls
// the *_tx function behind the single write of the same name.
#include "store_bulk.h"

#include "engine.h"

struct store_bulk {
    struct store_tx *tx;
};

struct bulk_job {
    int (*fn)(struct store_bulk *bulk, void *data);
    void *data;
};

static int bulk_job_run(struct store_tx *tx, void *data)
{
    struct bulk_job *job = data;
    struct store_bulk bulk = {tx};
    return job->fn(&bulk, job->data);
}

int store_bulk(struct store *store, int (*fn)(struct store_bulk *bulk, void *data), void *data)
{
    struct bulk_job job = {fn, data};
    return store_write_alone(store, bulk_job_run, &job);
}

int store_bulk_case_create(struct store_bulk *bulk, const struct worktime_calendar *calendar,
                           const struct case_intake *intake, struct store_case *out)
{
    return store_case_create_tx(bulk->tx, calendar, intake, out);
}

int store_bulk_case_transition(struct store_bulk *bulk, const struct worktime_calendar *calendar,
                               const struct case_transition *t, struct store_case *out,
                               struct case_refusal *refusal)
{
    return store_case_transition_tx(bulk->tx, calendar, t, out, refusal);
}

int store_bulk_attach(struct store_bulk *bulk, const struct store_attachment_new *photo,
                      struct store_attachment_outcome *out)
{
    return store_attachment_add_tx(bulk->tx, photo, out);
}

int store_bulk_upload(struct store_bulk *bulk, int64_t user_id, const char *hash, const char *mime,
                      int64_t size)
{
    return store_upload_add_tx(bulk->tx, user_id, hash, mime, size);
}

int store_bulk_rate(struct store_bulk *bulk, const struct store_case_rating *rating)
{
    return store_case_rate_tx(bulk->tx, rating);
}
