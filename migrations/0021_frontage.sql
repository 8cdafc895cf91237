-- 门前三包 (frontage responsibility, issue 13): the registry of responsible
-- units (a shop, an institution, a residential compound...) with the three
-- duties in front of their door (市容 appearance, 环境卫生 sanitation, 秩序/绿化
-- order and greening) and the plate on their wall (责任牌, unique number); the
-- cases that name a unit (one row a case, the month it was filed in, so the
-- violations of a unit are counted per month and the unit's own counter
-- sorts the registry); inspectors' patrol checks of a unit, duty by duty; and
-- 示范街 evaluations: criteria of a city (name, weight, maximum score), one
-- evaluation of a street (or a named road segment of it) per period with a
-- score per criterion and the weighted total out of 100, and the periods
-- published (frozen) with the length of their reward list.
-- place_path is the unit's community's path (its cell's), or its street's
-- when the point lies in no cell: jurisdiction is a range on it.
CREATE TABLE frontage_unit (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('shop', 'restaurant', 'market', 'institution',
                                       'residential', 'enterprise', 'other')),
    address TEXT NOT NULL DEFAULT '',
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    grid_id INTEGER REFERENCES grid_cell (id),
    street_id INTEGER NOT NULL REFERENCES org_unit (id),
    place_path TEXT NOT NULL,
    contact_name TEXT NOT NULL DEFAULT '', -- personal data: staff only
    contact_phone TEXT NOT NULL DEFAULT '',
    frontage_m REAL NOT NULL DEFAULT 0,
    duty_appearance INTEGER NOT NULL DEFAULT 1,
    duty_sanitation INTEGER NOT NULL DEFAULT 1,
    duty_order INTEGER NOT NULL DEFAULT 1,
    plate_no TEXT NOT NULL UNIQUE,
    active INTEGER NOT NULL DEFAULT 1,
    violations INTEGER NOT NULL DEFAULT 0, -- cases naming it, kept with frontage_case
    last_check_at INTEGER,
    last_check_passed INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX frontage_unit_place ON frontage_unit (place_path, id);
CREATE INDEX frontage_unit_street ON frontage_unit (street_id, id);
CREATE INDEX frontage_unit_grid ON frontage_unit (grid_id, id);
CREATE INDEX frontage_unit_violations ON frontage_unit (violations DESC, id);

CREATE TABLE frontage_case (
    case_id INTEGER PRIMARY KEY REFERENCES case_record (id),
    unit_id INTEGER NOT NULL REFERENCES frontage_unit (id),
    month TEXT NOT NULL, -- 'YYYY-MM' the case was filed in (Asia/Shanghai)
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX frontage_case_unit ON frontage_case (unit_id, month);

CREATE TABLE frontage_check (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES frontage_unit (id),
    inspector_user_id INTEGER NOT NULL REFERENCES app_user (id),
    appearance INTEGER, -- 1 pass, 0 fail, NULL: not a duty of the unit
    sanitation INTEGER,
    order_greening INTEGER,
    passed INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    photos TEXT NOT NULL DEFAULT '[]', -- JSON array of upload hashes
    case_id INTEGER REFERENCES case_record (id),
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX frontage_check_unit ON frontage_check (unit_id, id);

CREATE TABLE frontage_criterion (
    id INTEGER PRIMARY KEY,
    city_id INTEGER NOT NULL REFERENCES org_unit (id),
    name TEXT NOT NULL,
    weight REAL NOT NULL CHECK (weight > 0),
    max_score REAL NOT NULL CHECK (max_score > 0),
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, name)
) STRICT;

CREATE TABLE frontage_evaluation (
    id INTEGER PRIMARY KEY,
    city_id INTEGER NOT NULL REFERENCES org_unit (id),
    street_id INTEGER NOT NULL REFERENCES org_unit (id),
    segment TEXT NOT NULL DEFAULT '', -- a road named as 示范街; '' the whole street
    period TEXT NOT NULL, -- 'YYYY-MM' or 'YYYY-Qn'
    total REAL NOT NULL, -- weighted, out of 100
    scores TEXT NOT NULL, -- JSON [{criterion_id, name, weight, max_score, score}]
    note TEXT NOT NULL DEFAULT '',
    evaluator_user_id INTEGER NOT NULL REFERENCES app_user (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (street_id, segment, period)
) STRICT;
CREATE INDEX frontage_evaluation_period ON frontage_evaluation (city_id, period, total DESC);

CREATE TABLE frontage_period (
    city_id INTEGER NOT NULL REFERENCES org_unit (id),
    period TEXT NOT NULL,
    reward_top INTEGER NOT NULL,
    published_at INTEGER NOT NULL,
    published_by INTEGER REFERENCES app_user (id),
    PRIMARY KEY (city_id, period)
) STRICT;
