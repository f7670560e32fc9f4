-- 0001: the core platform — members (language, reachability), the update inbox,
-- persisted conversation states, the schedule with its exactly-once guard, the outbox,
-- and the append-only audit log.

-- A person who has written to the bot. Later migrations add roles and profiles.
CREATE TABLE members (
    id               INTEGER PRIMARY KEY,
    telegram_user_id INTEGER NOT NULL UNIQUE,
    language         TEXT CHECK (language IN ('de', 'en', 'fr', 'tr', 'ar')),
    created_at       TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    unreachable_at   TEXT
);

-- Updates fetched from Telegram, stored before they are confirmed to Telegram.
-- The payload is deleted once handled; the id stays for 48 hours to drop replays
-- (ids are compared as a set, never as "≤ last seen": Telegram may restart them lower).
CREATE TABLE inbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    update_id   INTEGER NOT NULL UNIQUE,
    payload     TEXT,
    received_at TEXT NOT NULL,
    handled_at  TEXT,
    CHECK ((handled_at IS NULL) = (payload IS NOT NULL))
);
CREATE INDEX inbox_unhandled ON inbox (seq) WHERE handled_at IS NULL;
CREATE INDEX inbox_received ON inbox (received_at);

-- Conversation states of PTB ConversationHandlers, keyed by handler name and chat/user key.
CREATE TABLE conversation_states (
    name       TEXT NOT NULL,
    key        TEXT NOT NULL,
    state      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (name, key)
);

-- Everything that must happen at a time: reminders, rounds, scheduled sends, retention runs.
CREATE TABLE scheduled_items (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    ref        TEXT NOT NULL DEFAULT '',
    due_at     TEXT NOT NULL,
    recurrence TEXT,
    payload    TEXT NOT NULL DEFAULT '{}',
    state      TEXT NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'done', 'failed', 'cancelled')),
    failures   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (kind, ref)
);
CREATE INDEX scheduled_items_due ON scheduled_items (due_at) WHERE state = 'pending';

-- One row per occurrence that ran: the primary key is the exactly-once guard.
CREATE TABLE scheduled_runs (
    item_id  INTEGER NOT NULL REFERENCES scheduled_items (id) ON DELETE CASCADE,
    due_at   TEXT NOT NULL,
    fired_at TEXT NOT NULL,
    PRIMARY KEY (item_id, due_at)
);

-- What the bot sends on its own. The payload is cleared once sent (it may hold personal data).
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    method      TEXT NOT NULL
                CHECK (method IN ('sendMessage', 'sendDocument', 'sendPhoto', 'copyMessage')),
    payload     TEXT,
    priority    INTEGER NOT NULL DEFAULT 0,
    state       TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sent', 'failed', 'unreachable')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    dedup_key   TEXT UNIQUE,
    created_at  TEXT NOT NULL,
    finished_at TEXT,
    CHECK (state <> 'pending' OR payload IS NOT NULL)
);
CREATE INDEX outbox_pending ON outbox (priority DESC, id) WHERE state = 'pending';
CREATE INDEX outbox_chat ON outbox (chat_id);

-- Privileged actions. Internal ids and codes only: never names or texts.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    INTEGER,
    action      TEXT NOT NULL,
    object_type TEXT,
    object_id   INTEGER,
    detail      TEXT
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Groups and channels the bot left (it works in private chats only): it says so once per join.
CREATE TABLE foreign_chats (
    chat_id INTEGER PRIMARY KEY,
    left_at TEXT NOT NULL
);
