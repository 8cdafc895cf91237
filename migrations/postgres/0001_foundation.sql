-- PostgreSQL counterpart of migrations/0001_foundation.sql (same version, same
-- name; see README "PostgreSQL (in progress)"). Types across these files: ids
-- are bigint identities (BY DEFAULT, so a copy from SQLite keeps its ids),
-- times stay the integer epoch milliseconds SQLite stores (bigint), flags are
-- boolean, SQLite's BLOB hashes are bytea, REAL is double precision.

-- PostgreSQL has no PRAGMA user_version: this table stands in for it. Whoever
-- applies a migration (tests/pg/cluster.mjs now, the engine later) adds its row
-- in the migration's own transaction; the schema version is max(version).
CREATE TABLE schema_version (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at bigint NOT NULL
);

-- A key-value table for instance settings (e.g. when the database was created).
CREATE TABLE setting (
    key text PRIMARY KEY,
    value text NOT NULL,
    updated_at bigint NOT NULL
);
