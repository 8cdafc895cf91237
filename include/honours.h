// SPDX-License-Identifier: MIT
// The red and black lists (红黑榜) at month close: freezing the assessment of a
// closed month into snapshots, one per group. The scheduler thread
// (escalator.c) asks after each scan; the manual endpoint is api_snapshots.c.
#ifndef CHENGGUAN_HONOURS_H
#define CHENGGUAN_HONOURS_H

#include <stdint.h>

struct store;

// Freezes the month before now's (local months of the stored calendar, UTC+8
// by default) for every group not frozen yet, as the system. Cheap when all
// are frozen (one count). Idempotent across restarts and servers: a group
// frozen meanwhile elsewhere is skipped (the store's unique key). Returns the
// number of snapshots this call published, or -1 on a store failure (logged).
int honours_freeze_due(struct store *store, int64_t now);

#endif
