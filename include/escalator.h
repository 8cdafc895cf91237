// SPDX-License-Identifier: MIT
// The escalation scheduler of a running server: one thread that scans the
// store every interval (store_escalation_scan) at the store's clock, so a
// stage turning yellow or red is escalated without anyone looking. Safe to run
// in every server on one database and across restarts: the store writes each
// escalation once.
#ifndef CHENGGUAN_ESCALATOR_H
#define CHENGGUAN_ESCALATOR_H

struct store;

// The default interval between scans, in seconds.
#define ESCALATOR_DEFAULT_INTERVAL_S 60

// Starts the thread: a first scan at once (what came due while no server ran),
// then one every interval_s seconds (1 or more). Returns 0, or -1 when the
// thread cannot start (logged). One scheduler per process.
int escalator_start(struct store *store, int interval_s);

// Stops the thread (a scan under way finishes first) and joins it. Call before
// the store closes. Safe when it never started.
void escalator_stop(void);

#endif
