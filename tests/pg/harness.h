// SPDX-License-Identifier: MIT
// The PostgreSQL engine tests' harness: a throwaway cluster for the run (the
// one tests/run.sh started, named by CHENGGUAN_TEST_PG_URL, or one this binary
// starts with tests/pg/cluster.sh before its first test and removes after its
// last), fresh databases on it, and clusters of a test's own (to restart).
#ifndef CHENGGUAN_TESTS_PG_HARNESS_H
#define CHENGGUAN_TESTS_PG_HARNESS_H

#include "pg_stmt.h"

#include <stddef.h>

#define PGT_URL_SIZE 512

// The checkout the tests run from (the Makefile passes it): cluster.sh and
// tests/.tmp are found under it.
#ifndef PGT_ROOT
#define PGT_ROOT "."
#endif

// The URL of the run's cluster's database "chengguan" (no migrations).
const char *pgt_url(void);

// A connection to url (statement timeout timeout_ms, 0: none); fails the test
// when it cannot connect.
struct pg_conn *pgt_connect_to(const char *url, int timeout_ms);

// A connection to the run's cluster, database "chengguan".
struct pg_conn *pgt_connect(void);

// Creates an empty database with a name unique to the test on the run's
// cluster and writes its URL into url (PGT_URL_SIZE bytes).
void pgt_database(char url[PGT_URL_SIZE]);

// Runs a plain command that must succeed (fails the test otherwise).
void pgt_exec(struct pg_conn *conn, const char *sql);

// Runs a query that returns one integer (fails the test otherwise).
long long pgt_int(struct pg_conn *conn, const char *sql);

// Starts a cluster of the test's own in dir (under tests/.tmp) and writes its
// URL into url; pgt_cluster_restart and pgt_cluster_stop act on it.
void pgt_cluster_start(const char *dir, char url[PGT_URL_SIZE]);
void pgt_cluster_restart(const char *dir);
void pgt_cluster_stop(const char *dir);

#endif
