-- 0006: events — colloquia, dialogue platforms, workshops — their texts and questions, and
-- members' registrations (confirmed, waiting, offered a freed seat) with their answers.

CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL DEFAULT 'workshop'
                    CHECK (kind IN ('colloquium', 'dialogue_platform', 'workshop', 'other')),
    state           TEXT NOT NULL DEFAULT 'draft'
                    CHECK (state IN ('draft', 'published', 'cancelled')),
    starts_at       TEXT,  -- instants in UTC (storage/timefmt.py); NULL while drafted
    ends_at         TEXT,
    venue           TEXT CHECK (venue IS NULL OR length(venue) BETWEEN 3 AND 500),
    online_url      TEXT CHECK (online_url IS NULL
                                OR (online_url LIKE 'https://%' AND length(online_url) <= 500)),
    region          TEXT CHECK (region IN (
                        'DE-BW', 'DE-BY', 'DE-BE', 'DE-BB', 'DE-HB', 'DE-HH', 'DE-HE', 'DE-MV',
                        'DE-NI', 'DE-NW', 'DE-RP', 'DE-SL', 'DE-SN', 'DE-ST', 'DE-SH', 'DE-TH',
                        'DE')),
    -- Who may attend.
    for_community   INTEGER NOT NULL DEFAULT 1 CHECK (for_community IN (0, 1)),
    for_police      INTEGER NOT NULL DEFAULT 1 CHECK (for_police IN (0, 1)),
    for_staff       INTEGER NOT NULL DEFAULT 1 CHECK (for_staff IN (0, 1)),
    capacity        INTEGER CHECK (capacity IS NULL OR capacity BETWEEN 1 AND 100000),
    -- Optional seats kept for each side so the dialogue stays balanced (within capacity).
    police_seats    INTEGER CHECK (police_seats IS NULL OR police_seats >= 0),
    community_seats INTEGER CHECK (community_seats IS NULL OR community_seats >= 0),
    registration_deadline TEXT,  -- sign-up and self-cancellation end here
    created_by      INTEGER,     -- a staff member's internal id, like the audit trail keeps
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    published_at    TEXT,
    cancelled_at    TEXT,
    CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at),
    CHECK (NOT (venue IS NOT NULL AND online_url IS NOT NULL)),
    CHECK (capacity IS NULL OR coalesce(police_seats, 0) + coalesce(community_seats, 0) <= capacity),
    CHECK (state = 'draft' OR (starts_at IS NOT NULL AND ends_at IS NOT NULL AND capacity IS NOT NULL
                               AND (venue IS NOT NULL OR online_url IS NOT NULL)
                               AND region IS NOT NULL AND registration_deadline IS NOT NULL))
);
CREATE INDEX events_upcoming ON events (state, starts_at);

-- Title and description per language; the default language's row is required to publish.
CREATE TABLE event_texts (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    language    TEXT NOT NULL CHECK (language IN ('de', 'en', 'fr', 'tr', 'ar')),
    title       TEXT NOT NULL CHECK (length(title) BETWEEN 3 AND 200),
    description TEXT CHECK (description IS NULL OR length(description) <= 2000),
    PRIMARY KEY (event_id, language)
);

-- Custom questions asked at sign-up. Texts are JSON objects {language: text}, the default
-- language required; options a JSON list of such objects (single choice only).
CREATE TABLE event_questions (
    id        INTEGER PRIMARY KEY,
    event_id  INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('text', 'choice', 'yes_no')),
    prompt    TEXT NOT NULL,
    options   TEXT,
    required  INTEGER NOT NULL DEFAULT 1 CHECK (required IN (0, 1)),
    -- Sensitive by default: dietary needs can reveal religion, accessibility needs health.
    sensitive INTEGER NOT NULL DEFAULT 1 CHECK (sensitive IN (0, 1)),
    CHECK (kind = 'choice' OR options IS NULL),
    UNIQUE (event_id, position)
);

-- One row per member and event. The seat is the quota it counts against: 'police' or
-- 'community' when the event keeps seats for that side, else 'general'. Waiting members
-- are served first come, first served per seat kind (by waiting_since, then id).
CREATE TABLE registrations (
    id            INTEGER PRIMARY KEY,
    event_id      INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    seat          TEXT NOT NULL CHECK (seat IN ('police', 'community', 'general')),
    state         TEXT NOT NULL
                  CHECK (state IN ('answering', 'confirmed', 'waitlisted', 'offered', 'cancelled')),
    created_at    TEXT NOT NULL,
    waiting_since TEXT,
    confirmed_at  TEXT,
    offered_until TEXT,  -- an offered seat passes on when this passes
    cancelled_at  TEXT,
    attended      INTEGER CHECK (attended IS NULL OR attended IN (0, 1)),
    UNIQUE (event_id, member_id),
    CHECK (state <> 'offered' OR offered_until IS NOT NULL)
);
CREATE INDEX registrations_queue ON registrations (event_id, seat, state, waiting_since, id);

CREATE TABLE registration_answers (
    registration_id INTEGER NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    member_id       INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    question_id     INTEGER NOT NULL REFERENCES event_questions (id) ON DELETE CASCADE,
    answer          TEXT NOT NULL CHECK (length(answer) <= 1000),
    PRIMARY KEY (registration_id, question_id)
);

-- Staff drafting an event (handlers/events_admin.py): the step the draft has reached and what
-- a half-answered step holds (venue or link chosen, the question being written, the
-- translation being added), so /newevent continues exactly there after /cancel or a restart.
CREATE TABLE event_drafts (
    event_id      INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    step          TEXT NOT NULL,
    place         TEXT CHECK (place IN ('venue', 'online')),
    question_kind TEXT CHECK (question_kind IN ('text', 'choice', 'yes_no')),
    question_id   INTEGER REFERENCES event_questions (id) ON DELETE SET NULL,
    language      TEXT CHECK (language IN ('de', 'en', 'fr', 'tr', 'ar'))
);
-- One open draft per staff member: /newevent continues it or starts afresh.
CREATE UNIQUE INDEX events_one_draft_each ON events (created_by) WHERE state = 'draft';

-- A staff member's message to an event's registrants or waiting list, kept between typing
-- it and tapping "Send", so a restart in between loses nothing.
CREATE TABLE event_message_drafts (
    member_id  INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    audience   TEXT NOT NULL CHECK (audience IN ('confirmed', 'waiting')),
    text       TEXT CHECK (text IS NULL OR length(text) BETWEEN 1 AND 3000),
    started_at TEXT NOT NULL
);

-- Feedback after an event (handlers/event_feedback.py): asked once of each attendee ticked
-- present; the row is made when asked, so the job never asks twice, and the scores fill in
-- as the member taps them.
CREATE TABLE event_feedback (
    registration_id INTEGER PRIMARY KEY REFERENCES registrations (id) ON DELETE CASCADE,
    member_id       INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    overall         INTEGER CHECK (overall BETWEEN 1 AND 5),
    changed_view    INTEGER CHECK (changed_view BETWEEN 1 AND 5),
    comment         TEXT CHECK (comment IS NULL OR length(comment) <= 1000),
    asked_at        TEXT NOT NULL,
    answered_at     TEXT
);
