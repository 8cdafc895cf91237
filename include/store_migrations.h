// SPDX-License-Identifier: MIT
// The migrations of migrations/ (SQLite) and migrations/postgres/ (PostgreSQL),
// embedded at build time by the Makefile into a generated C file. Each SQLite
// text ends by setting PRAGMA user_version to its number; a PostgreSQL text is
// the file as it is (its runner adds the schema_version row).
#ifndef CHENGGUAN_STORE_MIGRATIONS_H
#define CHENGGUAN_STORE_MIGRATIONS_H

struct store_migration {
    int version;      // the NNNN prefix of the file name
    const char *name; // the file name
    const char *sql;  // the file's text (SQLite: plus "PRAGMA user_version=NNNN;")
};

// In order of version, each list ended by a zeroed entry.
extern const struct store_migration STORE_MIGRATIONS[];
extern const int STORE_MIGRATION_COUNT;
extern const struct store_migration STORE_PG_MIGRATIONS[];
extern const int STORE_PG_MIGRATION_COUNT;

#endif
