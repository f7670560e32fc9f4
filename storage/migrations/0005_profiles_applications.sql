-- 0005: profiles (contact details shared by choice, topics, availability), applications
-- without an invitation, and the yearly reconfirmation of police and staff roles.

-- Contact details are optional; each is shared in an introduction only when its flag is set.
ALTER TABLE members ADD COLUMN phone TEXT
    CHECK (phone IS NULL OR (phone GLOB '+[1-9]*' AND length(phone) BETWEEN 8 AND 16));
ALTER TABLE members ADD COLUMN email TEXT CHECK (email IS NULL OR length(email) BETWEEN 3 AND 254);
ALTER TABLE members ADD COLUMN share_name INTEGER NOT NULL DEFAULT 1 CHECK (share_name IN (0, 1));
ALTER TABLE members ADD COLUMN share_organisation INTEGER NOT NULL DEFAULT 1
    CHECK (share_organisation IN (0, 1));
ALTER TABLE members ADD COLUMN share_phone INTEGER NOT NULL DEFAULT 0 CHECK (share_phone IN (0, 1));
ALTER TABLE members ADD COLUMN share_email INTEGER NOT NULL DEFAULT 0 CHECK (share_email IN (0, 1));
ALTER TABLE members ADD COLUMN share_username INTEGER NOT NULL DEFAULT 0
    CHECK (share_username IN (0, 1));
-- Not suggested for introductions until the end of this day (YYYY-MM-DD, Europe/Berlin).
ALTER TABLE members ADD COLUMN snoozed_until TEXT
    CHECK (snoozed_until IS NULL OR snoozed_until GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]');
ALTER TABLE members ADD COLUMN city TEXT CHECK (city IS NULL OR length(city) <= 100);
-- The language of the member's Telegram app, as last seen: messages the bot sends on its own
-- (reminders, outcomes) use it when the member never chose a language.
ALTER TABLE members ADD COLUMN app_language TEXT CHECK (app_language IS NULL OR length(app_language) <= 35);
-- When the member was last asked to reconfirm their police or staff role.
ALTER TABLE members ADD COLUMN reconfirm_asked_at TEXT;

-- The topics a member wants to be contacted about (see storage/vocabulary.py).
CREATE TABLE member_topics (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    topic     TEXT NOT NULL CHECK (topic IN ('mosque_security', 'anti_muslim_incident',
                                             'prevention', 'dialogue_planning', 'network_team',
                                             'other')),
    PRIMARY KEY (member_id, topic)
);

-- Someone asking to join without an invitation. Name, city and regions are stored on the
-- member row itself; the application holds what is only a claim until staff decide.
CREATE TABLE applications (
    id                    INTEGER PRIMARY KEY,
    member_id             INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    state                 TEXT NOT NULL CHECK (state IN ('draft', 'pending', 'approved',
                                                         'rejected')),
    claimed_role          TEXT CHECK (claimed_role IN ('community', 'police')),
    organisation_id       INTEGER REFERENCES organisations (id) ON DELETE SET NULL,
    -- An organisation the applicant did not find in the list: created by staff on approval.
    proposed_organisation TEXT CHECK (proposed_organisation IS NULL
                                      OR length(proposed_organisation) BETWEEN 2 AND 200),
    proposed_type         TEXT CHECK (proposed_type IN ('mosque_association',
                                      'umbrella_organisation', 'muslim_ngo', 'police',
                                      'public_body')),
    started_at            TEXT NOT NULL,
    submitted_at          TEXT,
    decided_at            TEXT,
    decided_by            INTEGER  -- a staff member's internal id, like the audit trail keeps
);
-- At most one application under way or waiting per person.
CREATE UNIQUE INDEX applications_open ON applications (member_id)
    WHERE state IN ('draft', 'pending');
CREATE INDEX applications_state ON applications (state, decided_at);

-- Staff managing organisations in the chat (handlers/organisations.py): what a staff member
-- has typed or chosen so far while adding one, or which one they are renaming. Kept in the
-- database like every conversation draft, so a restart in the middle loses nothing.
CREATE TABLE organisation_drafts (
    member_id       INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    -- NULL while adding a new organisation; the organisation being renamed otherwise.
    organisation_id INTEGER REFERENCES organisations (id) ON DELETE CASCADE,
    name            TEXT CHECK (name IS NULL OR length(name) BETWEEN 1 AND 200),
    type            TEXT CHECK (type IN ('mosque_association', 'umbrella_organisation',
                                         'muslim_ngo', 'police', 'public_body')),
    started_at      TEXT NOT NULL
);

-- Applications without an invitation (handlers/applications.py): the police claim a staff
-- member has been asked to write the verification note for. The review conversation keeps
-- it here, like every conversation draft, so a restart between tap and note loses nothing.
CREATE TABLE application_reviews (
    member_id      INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    -- The tapped notification, whose buttons go once the note has approved the application.
    message_id     INTEGER,
    started_at     TEXT NOT NULL
);
