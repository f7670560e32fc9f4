-- 0007: changes to events after they are published.

-- Editing a published event (handlers/event_edit.py). ``revision`` grows with each change of
-- time or place: it is the calendar file's SEQUENCE, so calendar apps replace their entry, and
-- part of the key that tells each registrant of a change once.
ALTER TABLE events ADD COLUMN revision INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0);

-- A staff member's unsaved change to a published event: the field, the question asked last
-- (``step``) and the values typed so far, each checked before it is kept. One per staff
-- member, so a restart or /cancel loses nothing and "✏️ Edit" continues at the same question.
CREATE TABLE event_edits (
    member_id       INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    field           TEXT NOT NULL CHECK (field IN ('title', 'description', 'remove', 'time',
                                                   'place', 'capacity', 'deadline')),
    step            TEXT NOT NULL CHECK (step IN ('title', 'description', 'starts', 'ends',
                                                  'venue', 'link', 'capacity', 'deadline',
                                                  'confirm')),
    language        TEXT CHECK (language IN ('de', 'en', 'fr', 'tr', 'ar')),
    title           TEXT CHECK (title IS NULL OR length(title) BETWEEN 3 AND 200),
    description     TEXT CHECK (description IS NULL OR length(description) <= 2000),
    description_set INTEGER NOT NULL DEFAULT 0 CHECK (description_set IN (0, 1)),
    starts_at       TEXT,
    ends_at         TEXT,
    venue           TEXT CHECK (venue IS NULL OR length(venue) BETWEEN 3 AND 500),
    online_url      TEXT CHECK (online_url IS NULL
                                OR (online_url LIKE 'https://%' AND length(online_url) <= 500)),
    capacity        INTEGER CHECK (capacity IS NULL OR capacity BETWEEN 1 AND 100000),
    registration_deadline TEXT,
    started_at      TEXT NOT NULL,
    CHECK (field NOT IN ('title', 'description', 'remove') OR language IS NOT NULL)
);
