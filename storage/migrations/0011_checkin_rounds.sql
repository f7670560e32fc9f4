-- 0011: quarterly check-ins (issue 6), third increment: the rounds, each project's answer,
-- who was prompted, and the "support needed" items staff follow up.
--
-- Every moment of a round's timeline is stored when it opens (computed on local wall-clock
-- days in the network's time zone), so the jobs only compare instants with the clock and a
-- round keeps its dates whatever the configuration later says.

CREATE TABLE checkin_rounds (
    id               INTEGER PRIMARY KEY,
    version_id       INTEGER NOT NULL REFERENCES questionnaire_versions (id),
    opens_at         TEXT NOT NULL,
    remind_at        TEXT NOT NULL,  -- day 7: first reminder
    last_remind_at   TEXT NOT NULL,  -- day 13: second reminder
    final_at         TEXT NOT NULL,  -- day 14: the final notice, the answer is due today
    due_at           TEXT NOT NULL,  -- the end of day 14: not submitted by then is overdue
    closes_at        TEXT NOT NULL,  -- the end of day 35: no answers or changes after it
    -- The schedule's occurrence that opened the round; unique, so an occurrence opens at most
    -- one round whatever restarts happen. NULL: opened by staff ("open a round now").
    scheduled_for    TEXT UNIQUE,
    opened_by        INTEGER,        -- a staff member's internal id, as the audit trail keeps
    meeting_event_id INTEGER REFERENCES events (id),
    summary_sent_at  TEXT,           -- the summary went to staff (7 days before the meeting)
    closed_at        TEXT,           -- the job closed it: what was not submitted is missed
    created_at       TEXT NOT NULL,
    CHECK (opens_at < remind_at AND remind_at < last_remind_at AND last_remind_at < final_at
           AND final_at < due_at AND due_at < closes_at)
);

-- A project's part in a round, fixed when the round opens (active projects whose funding
-- period overlaps the round). It holds the one shared draft: the member answering it (the
-- lock) and the question they are at; the answers themselves are in checkin_answers.
CREATE TABLE checkin_projects (
    round_id       INTEGER NOT NULL REFERENCES checkin_rounds (id) ON DELETE CASCADE,
    project_id     INTEGER NOT NULL REFERENCES projects (id),
    answering_id   INTEGER REFERENCES members (id) ON DELETE SET NULL,
    position       INTEGER,        -- the question asked next; NULL: the review is shown
    started_at     TEXT,
    updated_at     TEXT,
    submitted_at   TEXT,
    -- NULL with submitted_at set: the member who submitted has erased their data.
    submitted_by   INTEGER REFERENCES members (id) ON DELETE SET NULL,
    reminders      INTEGER NOT NULL DEFAULT 0 CHECK (reminders BETWEEN 0 AND 3),
    PRIMARY KEY (round_id, project_id)
) WITHOUT ROWID;

CREATE INDEX checkin_projects_answering ON checkin_projects (answering_id)
    WHERE answering_id IS NOT NULL;

-- The project's answer, one row per question asked; value NULL: an optional question skipped.
-- Numbers, scales and yes/no are stored as text ('12', '4', 'yes'), a choice as the index of
-- the option, so the answer does not depend on the language it was given in. Questions are
-- named by their key within the round's version: keys carry over between versions, so last
-- quarter's obstacles are found in this quarter's round.
CREATE TABLE checkin_answers (
    round_id     INTEGER NOT NULL,
    project_id   INTEGER NOT NULL,
    question_key TEXT NOT NULL,
    value       TEXT CHECK (value IS NULL OR length(value) <= 2000),
    answered_by INTEGER REFERENCES members (id) ON DELETE SET NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (round_id, project_id, question_key),
    FOREIGN KEY (round_id, project_id) REFERENCES checkin_projects (round_id, project_id)
        ON DELETE CASCADE
) WITHOUT ROWID;

-- Who was prompted for which project in which round (once each), and who said they are out of
-- office this round (no reminders; the prompt went to the others or to staff).
CREATE TABLE checkin_prompts (
    round_id    INTEGER NOT NULL,
    project_id  INTEGER NOT NULL,
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    prompted_at TEXT NOT NULL,
    away_at     TEXT,
    PRIMARY KEY (round_id, project_id, member_id),
    FOREIGN KEY (round_id, project_id) REFERENCES checkin_projects (round_id, project_id)
        ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX checkin_prompts_member ON checkin_prompts (member_id);

-- A "support needed" answer staff have dealt with (the item itself is the answer).
CREATE TABLE checkin_followups (
    round_id   INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    done_at    TEXT NOT NULL,
    done_by    INTEGER NOT NULL,  -- a staff member's internal id, as the audit trail keeps
    PRIMARY KEY (round_id, project_id),
    FOREIGN KEY (round_id, project_id) REFERENCES checkin_projects (round_id, project_id)
        ON DELETE CASCADE
) WITHOUT ROWID;
