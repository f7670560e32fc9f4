-- 0010: quarterly check-ins (issue 6), second increment: the funded projects staff manage,
-- the members who answer for each, and a staff member's typed values while they write them.

CREATE TABLE projects (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL CHECK (length(name) BETWEEN 3 AND 100),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    starts_on       TEXT NOT NULL,  -- the funding period, ISO dates, both days included
    ends_on         TEXT NOT NULL CHECK (ends_on > starts_on),
    archived_at     TEXT,           -- NULL while the project is active
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- Names are unique among active projects only: an archived project may share its name with
-- a later one (a second funding period), and is restored only while the name is free.
CREATE UNIQUE INDEX projects_active_name ON projects (name COLLATE NOCASE)
    WHERE archived_at IS NULL;

CREATE TABLE project_members (
    project_id INTEGER NOT NULL REFERENCES projects (id),
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    added_at   TEXT NOT NULL,
    PRIMARY KEY (project_id, member_id)
) WITHOUT ROWID;

CREATE INDEX project_members_member ON project_members (member_id);

-- What a staff member has typed so far while creating a project (project_id NULL) or changing
-- one's name or period, so a restart of the bot loses nothing.
CREATE TABLE project_drafts (
    member_id       INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    project_id      INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    name            TEXT CHECK (name IS NULL OR length(name) BETWEEN 3 AND 100),
    organisation_id INTEGER REFERENCES organisations (id) ON DELETE CASCADE,
    starts_on       TEXT,
    started_at      TEXT NOT NULL
);
