-- 0002: membership foundations — organisations, members' role/status/organisation, regions.

-- Mosque associations, Muslim NGOs, police units and other bodies, kept by staff.
CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    type       TEXT NOT NULL CHECK (type IN ('mosque_association', 'umbrella_organisation',
                                             'muslim_ngo', 'police', 'public_body')),
    bundesland TEXT NOT NULL CHECK (bundesland IN (
                   'DE-BW', 'DE-BY', 'DE-BE', 'DE-BB', 'DE-HB', 'DE-HH', 'DE-HE', 'DE-MV',
                   'DE-NI', 'DE-NW', 'DE-RP', 'DE-SL', 'DE-SN', 'DE-ST', 'DE-SH', 'DE-TH',
                   'DE')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (name, bundesland)
);

-- A member's place in the network. NULL role: someone who only wrote to the bot so far.
ALTER TABLE members ADD COLUMN role TEXT
    CHECK (role IN ('community', 'police', 'staff'));
ALTER TABLE members ADD COLUMN status TEXT
    CHECK (status IN ('pending', 'active', 'suspended', 'lapsed'));
ALTER TABLE members ADD COLUMN display_name TEXT CHECK (length(display_name) <= 100);
ALTER TABLE members ADD COLUMN organisation_id INTEGER
    REFERENCES organisations (id) ON DELETE SET NULL;
-- When a police or staff role was last confirmed (they are reconfirmed every 12 months).
ALTER TABLE members ADD COLUMN role_confirmed_at TEXT;

-- The regions a member covers: Bundesländer (ISO 3166-2) or 'DE' for nationwide.
CREATE TABLE member_regions (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    region    TEXT NOT NULL CHECK (region IN (
                  'DE-BW', 'DE-BY', 'DE-BE', 'DE-BB', 'DE-HB', 'DE-HH', 'DE-HE', 'DE-MV',
                  'DE-NI', 'DE-NW', 'DE-RP', 'DE-SL', 'DE-SN', 'DE-ST', 'DE-SH', 'DE-TH',
                  'DE')),
    PRIMARY KEY (member_id, region)
);
