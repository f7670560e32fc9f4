-- 0003: invitations — a deep-link code that presets role and organisation — and the record
-- of wrong codes, which limits guessing.

CREATE TABLE invites (
    id              INTEGER PRIMARY KEY,
    code_hash       TEXT NOT NULL UNIQUE,  -- SHA-256 of the code; the code itself is not kept
    role            TEXT NOT NULL CHECK (role IN ('community', 'police', 'staff')),
    organisation_id INTEGER REFERENCES organisations (id) ON DELETE SET NULL,
    max_uses        INTEGER NOT NULL CHECK (max_uses >= 1),
    uses            INTEGER NOT NULL DEFAULT 0,
    expires_at      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    created_by      INTEGER REFERENCES members (id) ON DELETE SET NULL,
    CHECK (uses BETWEEN 0 AND max_uses),
    CHECK (role = 'community' OR max_uses = 1)
);

CREATE TABLE invite_failures (
    telegram_user_id INTEGER NOT NULL,
    at               TEXT NOT NULL
);
CREATE INDEX invite_failures_user ON invite_failures (telegram_user_id, at);
