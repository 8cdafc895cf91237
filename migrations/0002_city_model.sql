-- Identity and the city model: org units (city > district > street > community,
-- and departments), staff users, sessions, API tokens, grid cells with an R*Tree
-- index, the two category trees with per-stage time limits and keywords, and
-- the working-time calendar.

CREATE TABLE org_unit (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL CHECK (type IN ('city', 'district', 'street', 'community', 'department')),
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    parent_id INTEGER REFERENCES org_unit (id),
    -- materialised path of ids, "/1/4/9/": a unit's jurisdiction is every unit
    -- whose path starts with its own
    path TEXT NOT NULL,
    -- departments: what kind of work they do (municipal, sanitation, ...), so a
    -- category's default department can be found in any city
    department_kind TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX org_unit_parent ON org_unit (parent_id);
CREATE INDEX org_unit_path ON org_unit (path);

CREATE TABLE app_user (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('inspector', 'operator', 'supervisor', 'department',
                                       'leader', 'admin')),
    org_unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    password_hash TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX app_user_org ON app_user (org_unit_id);

CREATE TABLE session (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ip TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX session_user ON session (user_id);

CREATE TABLE api_token (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE grid_cell (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    community_id INTEGER NOT NULL REFERENCES org_unit (id),
    name TEXT NOT NULL DEFAULT '',
    ring TEXT NOT NULL, -- JSON array of [lon, lat] pairs, closed
    area_m2 REAL NOT NULL,
    patrol_zone TEXT NOT NULL DEFAULT '',
    leader_user_id INTEGER REFERENCES app_user (id),
    min_lon REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lon REAL NOT NULL,
    max_lat REAL NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX grid_cell_community ON grid_cell (community_id);
CREATE VIRTUAL TABLE grid_rtree USING rtree (id, min_lon, max_lon, min_lat, max_lat);

CREATE TABLE grid_inspector (
    grid_id INTEGER NOT NULL REFERENCES grid_cell (id),
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    PRIMARY KEY (grid_id, user_id)
) STRICT;
CREATE INDEX grid_inspector_user ON grid_inspector (user_id);

CREATE TABLE category (
    id INTEGER PRIMARY KEY,
    tree TEXT NOT NULL CHECK (tree IN ('component', 'event')),
    code TEXT NOT NULL, -- "01" for a major class, "0101" for a subclass
    parent_id INTEGER REFERENCES category (id),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    default_department_kind TEXT NOT NULL DEFAULT '',
    filing_condition TEXT NOT NULL DEFAULT '',
    closing_condition TEXT NOT NULL DEFAULT '',
    urgent INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    UNIQUE (tree, code)
) STRICT;

-- Time limit per stage: accept (file or reject), verify, dispatch, handle, check, close.
CREATE TABLE category_limit (
    category_id INTEGER NOT NULL REFERENCES category (id),
    stage TEXT NOT NULL CHECK (stage IN ('accept', 'verify', 'dispatch', 'handle', 'check',
                                         'close')),
    unit TEXT NOT NULL CHECK (unit IN ('work_hours', 'work_days', 'urgent_hours')),
    amount INTEGER NOT NULL CHECK (amount > 0),
    PRIMARY KEY (category_id, stage)
) STRICT;

CREATE TABLE category_keyword (
    category_id INTEGER NOT NULL REFERENCES category (id),
    keyword TEXT NOT NULL,
    weight INTEGER NOT NULL DEFAULT 10,
    PRIMARY KEY (category_id, keyword)
) STRICT;
CREATE INDEX category_keyword_word ON category_keyword (keyword);

-- Calendar exceptions: public holidays and adjusted working days (调休).
CREATE TABLE calendar_day (
    day INTEGER PRIMARY KEY, -- YYYYMMDD
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL DEFAULT ''
) STRICT;

-- China's public holidays and adjusted working days for 2026 (State Council notice).
INSERT INTO calendar_day (day, kind, name) VALUES
    (20260101, 'holiday', '元旦'), (20260102, 'holiday', '元旦'), (20260103, 'holiday', '元旦'),
    (20260104, 'workday', '元旦调休'),
    (20260214, 'workday', '春节调休'),
    (20260215, 'holiday', '春节'), (20260216, 'holiday', '春节'), (20260217, 'holiday', '春节'),
    (20260218, 'holiday', '春节'), (20260219, 'holiday', '春节'), (20260220, 'holiday', '春节'),
    (20260221, 'holiday', '春节'), (20260222, 'holiday', '春节'), (20260223, 'holiday', '春节'),
    (20260228, 'workday', '春节调休'),
    (20260404, 'holiday', '清明节'), (20260405, 'holiday', '清明节'), (20260406, 'holiday', '清明节'),
    (20260501, 'holiday', '劳动节'), (20260502, 'holiday', '劳动节'), (20260503, 'holiday', '劳动节'),
    (20260504, 'holiday', '劳动节'), (20260505, 'holiday', '劳动节'),
    (20260509, 'workday', '劳动节调休'),
    (20260619, 'holiday', '端午节'), (20260620, 'holiday', '端午节'), (20260621, 'holiday', '端午节'),
    (20260920, 'workday', '国庆节调休'),
    (20260925, 'holiday', '中秋节'), (20260926, 'holiday', '中秋节'), (20260927, 'holiday', '中秋节'),
    (20261001, 'holiday', '国庆节'), (20261002, 'holiday', '国庆节'), (20261003, 'holiday', '国庆节'),
    (20261004, 'holiday', '国庆节'), (20261005, 'holiday', '国庆节'), (20261006, 'holiday', '国庆节'),
    (20261007, 'holiday', '国庆节'),
    (20261010, 'workday', '国庆节调休');
