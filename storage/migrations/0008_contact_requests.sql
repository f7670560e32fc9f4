-- 0008: contact requests (issue 5) — double-opt-in introductions between community
-- representatives and police contacts, the candidates asked, and what parts 2 and 3 build on
-- (relays, follow-ups, "do not introduce me" lists). Design: /tmp/notes/contacts.md.

-- One request per row, from the first tap on a topic (a 'draft') to its end. The asker's
-- name and organisation are never copied here: the introduction reads them at Accept time.
CREATE TABLE contact_requests (
    id                INTEGER PRIMARY KEY,
    -- NULL once the asker erased their data (the row stays for the statistics).
    asker_id          INTEGER REFERENCES members (id) ON DELETE SET NULL,
    asker_role        TEXT NOT NULL CHECK (asker_role IN ('community', 'police')),
    -- The type of the asker's organisation when they asked: all a candidate sees of them.
    organisation_type TEXT CHECK (organisation_type IN ('mosque_association',
                                  'umbrella_organisation', 'muslim_ngo', 'police',
                                  'public_body')),
    topic             TEXT NOT NULL CHECK (topic IN ('mosque_security', 'anti_muslim_incident',
                                           'prevention', 'dialogue_planning', 'network_team',
                                           'other')),
    region            TEXT NOT NULL CHECK (region IN (
                          'DE-BW', 'DE-BY', 'DE-BE', 'DE-BB', 'DE-HB', 'DE-HH', 'DE-HE', 'DE-MV',
                          'DE-NI', 'DE-NW', 'DE-RP', 'DE-SL', 'DE-SN', 'DE-ST', 'DE-SH', 'DE-TH',
                          'DE')),
    -- NULL while drafting, after a withdrawal, after retention and after erasure.
    message           TEXT CHECK (message IS NULL OR length(message) BETWEEN 1 AND 1000),
    state             TEXT NOT NULL DEFAULT 'draft'
                      CHECK (state IN ('draft', 'matching', 'queued', 'introduced', 'withdrawn',
                                       'closed')),
    -- Which question a draft is at (a restart or /cancel continues there); NULL once sent.
    step              TEXT CHECK (step IN ('region', 'message', 'preview')),
    queued_reason     TEXT CHECK (queued_reason IN ('network_team', 'no_candidates', 'passed',
                                                    'declined_assignment')),
    created_at        TEXT NOT NULL,
    submitted_at      TEXT,
    queued_at         TEXT,
    closed_at         TEXT,  -- reaching any final state: introduced, withdrawn, closed
    introduced_at     TEXT,
    introduced_to     INTEGER REFERENCES members (id) ON DELETE SET NULL,
    assigned_by       INTEGER,  -- a staff member's internal id, like the audit trail keeps
    CHECK ((state = 'draft') = (step IS NOT NULL)),
    CHECK (state = 'draft' OR submitted_at IS NOT NULL),
    CHECK (state <> 'queued' OR (queued_reason IS NOT NULL AND queued_at IS NOT NULL))
);
-- One draft per member: /contact continues it or starts afresh.
CREATE UNIQUE INDEX contact_requests_one_draft ON contact_requests (asker_id)
    WHERE state = 'draft';
CREATE INDEX contact_requests_asker ON contact_requests (asker_id, state, submitted_at);
CREATE INDEX contact_requests_open ON contact_requests (state, queued_at);
CREATE INDEX contact_requests_pairs ON contact_requests (introduced_to, asker_id);

-- Everyone asked about a request, one at a time, in order.
CREATE TABLE contact_candidates (
    request_id  INTEGER NOT NULL REFERENCES contact_requests (id) ON DELETE CASCADE,
    member_id   INTEGER REFERENCES members (id) ON DELETE SET NULL,
    position    INTEGER NOT NULL CHECK (position >= 1),
    asked_at    TEXT NOT NULL,
    reminded_at TEXT,
    answered_at TEXT,
    -- 'expired': not answered in time, or the candidate could no longer answer (erased,
    -- suspended, lapsed); 'withdrawn': the request was withdrawn or closed while asked.
    answer      TEXT CHECK (answer IN ('accepted', 'declined', 'passed', 'expired', 'withdrawn')),
    assigned_by INTEGER,  -- the staff member who chose this candidate by hand (internal id)
    PRIMARY KEY (request_id, position),
    CHECK ((answer IS NULL) = (answered_at IS NULL))
);
-- At most one question open per request: the rule "one candidate at a time", enforced.
CREATE UNIQUE INDEX contact_candidates_one_open ON contact_candidates (request_id)
    WHERE answer IS NULL;
CREATE INDEX contact_candidates_member ON contact_candidates (member_id, answer);

-- "Do not introduce me to this person again" (part 2 offers it; matching honours it both ways).
CREATE TABLE do_not_introduce (
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    other_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    request_id INTEGER REFERENCES contact_requests (id) ON DELETE SET NULL,
    PRIMARY KEY (member_id, other_id),
    CHECK (member_id <> other_id)
);
CREATE INDEX do_not_introduce_other ON do_not_introduce (other_id, member_id);

-- Part 2: the bot relays between two people when one side shares nothing reachable.
CREATE TABLE contact_relays (
    request_id INTEGER PRIMARY KEY REFERENCES contact_requests (id) ON DELETE CASCADE,
    opened_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    ended_at   TEXT,
    ended_by   INTEGER  -- the member who ended it (internal id); NULL when it ran out
);

-- Part 2: which relayed copy belongs to which request, so a reply goes back. Never any text.
CREATE TABLE relay_messages (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL REFERENCES contact_requests (id) ON DELETE CASCADE,
    PRIMARY KEY (chat_id, message_id)
);

-- Part 2: "Did you get in touch? How useful was it?", asked of both sides.
CREATE TABLE contact_followups (
    request_id   INTEGER NOT NULL REFERENCES contact_requests (id) ON DELETE CASCADE,
    member_id    INTEGER REFERENCES members (id) ON DELETE SET NULL,
    side         TEXT NOT NULL CHECK (side IN ('asker', 'candidate')),
    asked_at     TEXT NOT NULL,
    got_in_touch INTEGER CHECK (got_in_touch IN (0, 1)),
    usefulness   INTEGER CHECK (usefulness BETWEEN 1 AND 5),
    answered_at  TEXT,
    PRIMARY KEY (request_id, side)
);

-- Erasing a member (any path: /deleteme, a withdrawn consent, retention) anonymises their
-- requests at once: the foreign keys unlink them, and this drops what would still say who
-- they are or what they wrote — the message, an unsent draft, and introductions carrying
-- their details that are not delivered yet. Open requests of an asker who is gone are then
-- withdrawn by the contact job (handlers/contact_jobs.py), which reads the injected clock.
CREATE TRIGGER contact_requests_forget_member BEFORE DELETE ON members
BEGIN
    DELETE FROM outbox WHERE state = 'pending' AND dedup_key IN (
        SELECT 'contact-intro:' || id || ':candidate' FROM contact_requests
        WHERE asker_id = OLD.id
        UNION ALL
        SELECT 'contact-intro:' || id || ':asker' FROM contact_requests
        WHERE introduced_to = OLD.id);
    DELETE FROM contact_requests WHERE asker_id = OLD.id AND state = 'draft';
    UPDATE contact_requests SET message = NULL WHERE asker_id = OLD.id;
END;

-- Part 3 (the network team's queue, statistics, retention) -------------------------------

-- A staff member's message to the asker of a queued request while they write it (kept
-- across a restart or /cancel like event messages); sending it closes the request.
CREATE TABLE contact_close_drafts (
    member_id  INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    request_id INTEGER NOT NULL REFERENCES contact_requests (id) ON DELETE CASCADE,
    text       TEXT CHECK (text IS NULL OR length(text) BETWEEN 1 AND 2000),
    started_at TEXT NOT NULL
);
CREATE INDEX contact_close_drafts_request ON contact_close_drafts (request_id);
-- The statistics count requests by when they were sent; retention finds them by when they
-- closed.
CREATE INDEX contact_requests_submitted ON contact_requests (submitted_at);
CREATE INDEX contact_requests_closed ON contact_requests (closed_at);

-- What a staff member was writing to an asker may name them: it goes when the asker is erased.
CREATE TRIGGER contact_close_drafts_forget_asker BEFORE DELETE ON members
BEGIN
    DELETE FROM contact_close_drafts WHERE request_id IN
        (SELECT id FROM contact_requests WHERE asker_id = OLD.id);
END;

-- Part 2 (relay, follow-up, "do not introduce me") ------------------------------------------

-- The relay job looks only at open relays; a request's message pairs and follow-ups go with
-- it (retention), and a member's follow-ups are unlinked when they are erased.
CREATE INDEX contact_relays_open ON contact_relays (ends_at) WHERE ended_at IS NULL;
CREATE INDEX relay_messages_request ON relay_messages (request_id);
CREATE INDEX contact_followups_member ON contact_followups (member_id);
-- The follow-up job finds introductions by their date.
CREATE INDEX contact_requests_introduced ON contact_requests (state, introduced_at);
