-- Cases: the record of each problem, its append-only event log (hash-chained),
-- links between cases (merges), photos (content-addressed files), the daily case
-- number sequence, and a full-text index over segmented text (CJK bigrams).

CREATE TABLE case_record (
    id INTEGER PRIMARY KEY,
    case_no TEXT NOT NULL UNIQUE,          -- YYYYMMDD + 6-digit daily sequence
    source TEXT NOT NULL CHECK (source IN ('patrol', 'web', '12345', '110', '12319', 'video',
                                           'leader', 'media')),
    external_id TEXT,                      -- hotline ticket number, unique per source
    state TEXT NOT NULL,
    pending TEXT NOT NULL DEFAULT 'none',
    pending_amount INTEGER NOT NULL DEFAULT 0,
    pending_note TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    category_id INTEGER REFERENCES category (id),
    urgent INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    lat REAL,
    lon REAL,
    grid_id INTEGER REFERENCES grid_cell (id),
    community_id INTEGER REFERENCES org_unit (id),
    street_id INTEGER REFERENCES org_unit (id),
    district_id INTEGER REFERENCES org_unit (id),
    place_path TEXT NOT NULL DEFAULT '',   -- the community's org_unit.path ('' = unplaced)
    needs_placement INTEGER NOT NULL DEFAULT 0,
    reporter_user_id INTEGER REFERENCES app_user (id),
    citizen_name TEXT NOT NULL DEFAULT '',
    citizen_phone TEXT NOT NULL DEFAULT '',
    query_code_hash BLOB,
    department_id INTEGER REFERENCES org_unit (id),
    verified INTEGER NOT NULL DEFAULT 0,
    self_handled INTEGER NOT NULL DEFAULT 0,
    rework_count INTEGER NOT NULL DEFAULT 0,
    reopen_count INTEGER NOT NULL DEFAULT 0,
    supervise_count INTEGER NOT NULL DEFAULT 0,
    extension_count INTEGER NOT NULL DEFAULT 0,
    return_count INTEGER NOT NULL DEFAULT 0,
    merged_into INTEGER REFERENCES case_record (id),
    photo_reused INTEGER NOT NULL DEFAULT 0,
    stage TEXT NOT NULL DEFAULT 'accept',
    stage_started_at INTEGER NOT NULL,
    stage_unit TEXT NOT NULL DEFAULT 'work_hours',
    stage_limit_ms INTEGER NOT NULL DEFAULT 0,  -- working (or wall) ms allowed, with extensions
    stage_deadline INTEGER,                     -- NULL while suspended or final
    suspended_remaining_ms INTEGER,
    handling_deadline INTEGER,
    handled_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    closed_at INTEGER,
    rating TEXT CHECK (rating IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
    rating_comment TEXT NOT NULL DEFAULT '',
    rated_at INTEGER,
    UNIQUE (source, external_id)
) STRICT;
CREATE INDEX case_state_deadline ON case_record (state, stage_deadline, id);
CREATE INDEX case_created ON case_record (created_at DESC, id DESC);
CREATE INDEX case_place ON case_record (place_path, state);
CREATE INDEX case_department ON case_record (department_id, state);
CREATE INDEX case_grid ON case_record (grid_id, created_at);
CREATE INDEX case_category_created ON case_record (category_id, created_at);

CREATE TABLE case_event (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES case_record (id),
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor_user_id INTEGER REFERENCES app_user (id),
    actor_role TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    public_note TEXT NOT NULL DEFAULT '',   -- what the citizen may read
    data TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;
CREATE INDEX case_event_case ON case_event (case_id, id);

-- The event log is append-only: the database itself refuses changes.
CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event
BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
CREATE TRIGGER case_event_no_delete BEFORE DELETE ON case_event
BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;

CREATE TABLE case_link (
    case_id INTEGER NOT NULL REFERENCES case_record (id),
    other_id INTEGER NOT NULL REFERENCES case_record (id),
    kind TEXT NOT NULL CHECK (kind IN ('merged_into', 'merged_from')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (case_id, other_id, kind)
) STRICT;

CREATE TABLE attachment (
    hash TEXT PRIMARY KEY,                 -- hex BLAKE2b-256 of the bytes; the file name
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE case_attachment (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES case_record (id),
    hash TEXT NOT NULL REFERENCES attachment (hash),
    stage TEXT NOT NULL CHECK (stage IN ('report', 'before', 'after', 'verify', 'check')),
    uploaded_by INTEGER REFERENCES app_user (id),
    created_at INTEGER NOT NULL,
    UNIQUE (case_id, hash, stage)
) STRICT;
CREATE INDEX case_attachment_hash ON case_attachment (hash);

CREATE TABLE case_day_seq (
    day INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
) STRICT;

-- Segmented text (textseg_index) of description and address; rowid = case id.
CREATE VIRTUAL TABLE case_fts USING fts5 (seg);
