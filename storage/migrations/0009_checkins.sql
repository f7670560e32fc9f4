-- 0009: quarterly check-ins (issue 6), first increment: the versioned questionnaire.
-- A version is never changed once stored: later rounds point at the version they asked, so
-- their answers keep meaning what the partners were shown.

CREATE TABLE questionnaire_versions (
    id             INTEGER PRIMARY KEY,  -- the version number staff see
    title          TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    -- SHA-256 of the parsed questionnaire (canonical JSON): re-importing the same content,
    -- even with other comments or spacing, is recognised and stores nothing.
    content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),
    source         TEXT NOT NULL,  -- the TOML file as imported, for the record
    imported_at    TEXT NOT NULL
);

CREATE TABLE questionnaire_questions (
    id         INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES questionnaire_versions (id),
    position   INTEGER NOT NULL CHECK (position >= 1),
    key        TEXT NOT NULL,
    type       TEXT NOT NULL CHECK (type IN ('text', 'number', 'scale', 'yes_no', 'choice')),
    required   INTEGER NOT NULL CHECK (required IN (0, 1)),
    UNIQUE (version_id, position),
    UNIQUE (version_id, key)
);

-- A question's wording per language; the default language's row always exists.
CREATE TABLE questionnaire_texts (
    question_id INTEGER NOT NULL REFERENCES questionnaire_questions (id),
    language    TEXT NOT NULL CHECK (language IN ('de', 'en', 'fr', 'tr', 'ar')),
    text        TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    options     TEXT,  -- a choice question's options as a JSON array of strings, else NULL
    PRIMARY KEY (question_id, language)
) WITHOUT ROWID;
