-- The gazetteer (地名地址库): named roads with their lines, house numbers (门牌)
-- on them, landmarks, and the blocks and water the base map draws. Roads are
-- cut into parts of a few vertices with an R*Tree entry each, so the nearest
-- road to a point is found among the parts whose boxes are near it; house
-- numbers have an R*Tree entry too (a box of zero size). gazetteer_term holds
-- the segmented name tokens (textseg_index: single CJK characters, pairs,
-- words) of roads and landmarks, for autocomplete by prefix and by 2-character
-- term on an ordinary index, the same on every engine.
CREATE TABLE gazetteer_road (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    label_lon REAL NOT NULL, -- where the road's name is written and autocomplete puts it
    label_lat REAL NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE gazetteer_road_part (
    id INTEGER PRIMARY KEY,
    road_id INTEGER NOT NULL REFERENCES gazetteer_road (id),
    points TEXT NOT NULL, -- JSON array of [lon, lat] pairs, at least two
    min_lon REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lon REAL NOT NULL,
    max_lat REAL NOT NULL
) STRICT;
CREATE INDEX gazetteer_road_part_road ON gazetteer_road_part (road_id);
CREATE VIRTUAL TABLE gazetteer_road_rtree USING rtree (id, min_lon, max_lon, min_lat, max_lat);

CREATE TABLE gazetteer_address (
    id INTEGER PRIMARY KEY,
    road_id INTEGER NOT NULL REFERENCES gazetteer_road (id),
    number TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    UNIQUE (road_id, number)
) STRICT;
CREATE VIRTUAL TABLE gazetteer_address_rtree USING rtree (id, min_lon, max_lon, min_lat, max_lat);

CREATE TABLE gazetteer_landmark (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    lon REAL NOT NULL,
    lat REAL NOT NULL
) STRICT;
CREATE INDEX gazetteer_landmark_name ON gazetteer_landmark (name);
CREATE INDEX gazetteer_landmark_lat ON gazetteer_landmark (lat);

-- Blocks (街坊) and water, drawn only: rings as GeoJSON Polygon coordinates.
CREATE TABLE gazetteer_area (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('block', 'water')),
    name TEXT NOT NULL DEFAULT '',
    grid_code TEXT NOT NULL DEFAULT '', -- the cell it belongs to, when the file says
    rings TEXT NOT NULL,
    min_lon REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lon REAL NOT NULL,
    max_lat REAL NOT NULL
) STRICT;
CREATE VIRTUAL TABLE gazetteer_area_rtree USING rtree (id, min_lon, max_lon, min_lat, max_lat);

-- kind is 'road' or 'landmark'; ref_id the id in that table.
CREATE TABLE gazetteer_term (
    term TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('road', 'landmark')),
    ref_id INTEGER NOT NULL,
    PRIMARY KEY (term, kind, ref_id)
) STRICT;

-- Bumped by every import: the base map's ETag.
CREATE TABLE gazetteer_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;
INSERT INTO gazetteer_version (id, version) VALUES (1, 0);
