// SPDX-License-Identifier: MIT
// The migrations of migrations/, embedded at build time by the Makefile into a
// generated C file. Each text ends by setting PRAGMA user_version to its number.
#ifndef CHENGGUAN_STORE_MIGRATIONS_H
#define CHENGGUAN_STORE_MIGRATIONS_H

struct store_migration {
    int version;      // the NNNN prefix of the file name
    const char *name; // the file name
    const char *sql;  // the file's text plus "PRAGMA user_version=NNNN;"
};

extern const struct store_migration STORE_MIGRATIONS[];
extern const int STORE_MIGRATION_COUNT;

#endif
