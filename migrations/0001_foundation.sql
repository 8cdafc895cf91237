-- The first schema: a key-value table for instance settings (e.g. when the
-- database was created). Later migrations add the city model and the cases.
CREATE TABLE setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
