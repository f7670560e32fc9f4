-- 0012: staff broadcasts (issue 7): an announcement's versions per language, its audience and
-- its way from draft through approval and scheduling to delivery; the outbox rows it made;
-- members who turned general announcements off.

CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    author_id           INTEGER NOT NULL,  -- a staff member's internal id, as the audit keeps
    state               TEXT NOT NULL DEFAULT 'draft' CHECK (state IN (
                            'draft', 'awaiting_approval', 'scheduled', 'sending', 'sent',
                            'cancelled', 'discarded', 'rejected')),
    -- The author's place in composing (handlers/broadcast_compose.py), so a restart continues.
    step                TEXT,
    -- A photo or document sent with the text (as its caption); Telegram's file id.
    media_kind          TEXT CHECK (media_kind IN ('photo', 'document')),
    media_file_id       TEXT,
    -- Who receives it: a JSON object (storage/broadcasts.py Audience), {} = all active members.
    audience            TEXT NOT NULL DEFAULT '{}',
    -- Essential announcements also reach members who turned general announcements off.
    essential           INTEGER NOT NULL DEFAULT 0 CHECK (essential IN (0, 1)),
    -- The author confirmed that members whose language has no version get the default one.
    fallback_confirmed  INTEGER NOT NULL DEFAULT 0 CHECK (fallback_confirmed IN (0, 1)),
    send_at             TEXT,     -- scheduled: when it is queued
    approved_by         INTEGER,  -- the second staff member (four-eyes), internal id
    approved_at         TEXT,
    queued_at           TEXT,     -- the audience was frozen into outbox rows
    recipients          INTEGER,  -- how many rows were queued
    finished_at         TEXT,     -- no row pending any more (sent) or cancelled
    -- The author's live progress message, edited while it sends.
    progress_chat_id    INTEGER,
    progress_message_id INTEGER,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    CHECK ((media_kind IS NULL) = (media_file_id IS NULL))
);

CREATE INDEX broadcasts_state ON broadcasts (state);

-- The text per language; the default language's version is required before sending. Its
-- length is checked while composing: 4096 characters for a message, 1024 for a caption.
CREATE TABLE broadcast_texts (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    language     TEXT NOT NULL CHECK (language IN ('de', 'en', 'fr', 'tr', 'ar')),
    text         TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 20000),  -- HTML
    PRIMARY KEY (broadcast_id, language)
) WITHOUT ROWID;

-- Which broadcast an outbox row belongs to: progress and the report count these rows, a cancel
-- deletes the pending ones.
ALTER TABLE outbox ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts (id);
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, state) WHERE broadcast_id IS NOT NULL;

-- /settings: 0 = the member turned general announcements off (essential ones still arrive).
ALTER TABLE members ADD COLUMN announcements INTEGER NOT NULL DEFAULT 1
    CHECK (announcements IN (0, 1));
