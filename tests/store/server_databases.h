// SPDX-License-Identifier: MIT
// The databases of a server engine (PostgreSQL) for the conformance suite:
// each test's store is a database of its own, created from the run's seeded
// template and dropped afterwards. The fixture names them by their store
// locations; the engine's harness (tests/pg/store_databases.c, libpq) does
// the work, so the suite itself speaks only the public store interface.
#ifndef CHENGGUAN_TESTS_STORE_SERVER_DATABASES_H
#define CHENGGUAN_TESTS_STORE_SERVER_DATABASES_H

#include <stdbool.h>

// True when location names a database on a server (postgres:// or
// postgresql:// URL, libpq "host=" or "dbname=" string).
bool server_db_is_server(const char *location);

// True when the database of location exists. Fails the test when the server
// cannot be reached.
bool server_db_exists(const char *location);

// Creates the database of location, empty or (template not NULL) as a copy of
// the database of template, which no session may be using. Fails the test
// when the server refuses.
void server_db_create(const char *location, const char *template);

// Renames the database of from to that of to. Fails the test when refused.
void server_db_rename(const char *from, const char *to);

// Drops the database of location if it exists, ending its sessions. Fails
// the test when refused, unless quietly (then it only reports on stderr: for
// a hook that runs outside every test).
void server_db_drop(const char *location, bool quietly);

#endif
