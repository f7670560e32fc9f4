-- 0004: consent records and onboarding drafts (an invitation being redeemed).

-- Consent per purpose, with the version of the privacy notice the member agreed to.
CREATE TABLE consents (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    purpose        TEXT NOT NULL CHECK (purpose IN ('membership')),
    notice_version TEXT NOT NULL,
    given_at       TEXT NOT NULL,
    withdrawn_at   TEXT
);
CREATE INDEX consents_member ON consents (member_id, purpose);

-- Someone who opened an invitation link and has not finished joining yet.
CREATE TABLE onboarding_drafts (
    telegram_user_id INTEGER PRIMARY KEY,
    invite_id        INTEGER NOT NULL REFERENCES invites (id) ON DELETE CASCADE,
    notice_version   TEXT,  -- set once they agreed to the privacy notice
    started_at       TEXT NOT NULL
);
