"""The quarterly check-in questionnaire: its TOML file format, validation, and its versions.

The file (the shipped default is bot/questionnaires/default.toml)::

    title = "KoSiZu quarterly check-in 2027"   # for staff: 1-100 characters

    [[question]]                 # one table per question, asked in this order (1-30 of them)
    key = "people_reached"       # stable name: a-z, 0-9 and _, starting with a letter, max 40
    type = "number"              # text | number | scale (1-5) | yes_no | choice
    required = false             # optional; a question is required unless it says false
    text.de = "Wie viele Menschen haben Sie erreicht?"   # the default language: required
    text.en = "How many people did you reach?"          # en, fr, tr, ar: optional

    [[question]]
    key = "format"
    type = "choice"              # only a choice has options: 2-10 per language, the same
    text.de = "Welches Format?"  # number in each language as its text, in the same order
    text.en = "Which format?"
    options.de = ["Vor Ort", "Online"]
    options.en = ["On site", "Online"]

Texts have 1-300 characters, options 1-60. The default language is KOSIZU_DEFAULT_LANGUAGE
(de unless configured). Every mistake is reported with the line it is on; a file with any
mistake stores nothing.

A stored version never changes: later rounds point at the version they asked.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.audit import AuditRepository
from storage.db import Database, Transaction
from storage.timefmt import from_db, to_db

LANGUAGES = ("de", "en", "fr", "tr", "ar")  # as bot.config.LANGUAGES; storage imports no bot
TYPES = ("text", "number", "scale", "yes_no", "choice")
MAX_QUESTIONS = 30
MAX_TEXT = 300
MAX_OPTION = 60  # an option becomes a button label
OPTION_COUNT = (2, 10)
MAX_TITLE = 100
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TOP_FIELDS = ("title", "question")
_QUESTION_FIELDS = ("key", "type", "required", "text", "options")
# Reports a mistake in the current question: the message, then the field (and language) it is in.
_Report = Callable[..., None]


@dataclass(frozen=True)
class Problem:
    line: int | None  # None: the file as a whole (say, it is empty)
    message: str

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line}: {self.message}"


class QuestionnaireError(ValueError):
    """The file is not a valid questionnaire; ``problems`` are in line order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line or 0)
        super().__init__("; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Question:
    key: str
    type: str
    required: bool
    texts: Mapping[str, str]  # language -> wording; always has the default language
    options: Mapping[str, tuple[str, ...]]  # language -> options (choice questions only)


@dataclass(frozen=True)
class Questionnaire:
    title: str
    questions: tuple[Question, ...]

    def content_hash(self) -> str:
        """The same questions in the same order hash alike, whatever the file's layout."""
        canonical = {
            "title": self.title,
            "questions": [
                {
                    "key": q.key,
                    "type": q.type,
                    "required": q.required,
                    "texts": dict(sorted(q.texts.items())),
                    "options": {k: list(v) for k, v in sorted(q.options.items())},
                }
                for q in self.questions
            ],
        }
        blob = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class QuestionnaireVersion:
    number: int
    imported_at: datetime
    questionnaire: Questionnaire

    @property
    def title(self) -> str:
        return self.questionnaire.title

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.questionnaire.questions


# Finding lines. tomllib reports lines for syntax errors only; for what is wrong with a valid
# file we find the line in the source ourselves. The scan knows the three ways TOML can write
# a field of a [[question]] (``text.de = …``, a ``[question.text]`` table, an inline table
# ``text = {de = …}``) and falls back to the nearest enclosing line it can find.


def _key_pattern(name: str) -> str:
    return rf"""(?:{re.escape(name)}|"{re.escape(name)}"|'{re.escape(name)}')"""


class _Lines:
    def __init__(self, source: str) -> None:
        self._lines = source.splitlines()
        self._headers = [
            i for i, line in enumerate(self._lines) if re.match(r"\s*\[\s*[^\]]", line)
        ]
        self._questions = [
            i for i, line in enumerate(self._lines) if re.match(r"\s*\[\[\s*question\s*\]\]", line)
        ]

    def _find(self, pattern: str, start: int, end: int) -> int | None:
        regex = re.compile(pattern)
        for i in range(start, end):
            if regex.match(self._lines[i]):
                return i + 1
        return None

    def top(self, name: str) -> int | None:
        end = self._headers[0] if self._headers else len(self._lines)
        found = self._find(rf"\s*{_key_pattern(name)}\s*[=.]", 0, end)
        # or a table of its own: [name], [[name]], [name.sub]
        return found or self._find(rf"\s*\[\[?\s*{_key_pattern(name)}\s*[\].]", 0, len(self._lines))

    def question(self, index: int) -> int | None:
        return self._questions[index] + 1 if index < len(self._questions) else None

    def field(self, index: int, *path: str) -> int | None:
        """The line of ``path`` (a field, or a field and a language) in question ``index``."""
        if index >= len(self._questions):
            return None
        start = self._questions[index]
        later = [q for q in self._questions if q > start]
        end = later[0] if later else len(self._lines)
        dotted = r"\s*\.\s*".join(_key_pattern(p) for p in path)
        # `text.de = …`, or for a whole field its first dotted line (`text.en = …`) or `text = `
        found = self._find(rf"\s*{dotted}\s*[=.]", start + 1, end)
        if found is None:
            header = self._find(
                rf"\s*\[\s*question\s*\.\s*{_key_pattern(path[0])}\s*\]", start + 1, end
            )
            if header is not None and len(path) == 2:
                # [question.text] then `de = …` up to the next table header
                section_end = min([h for h in self._headers if h >= header] + [end])
                found = self._find(rf"\s*{_key_pattern(path[1])}\s*=", header, section_end)
            found = found or header
        if found is None and len(path) == 2:
            found = self.field(index, path[0])
        return found or start + 1


def _syntax_line(error: tomllib.TOMLDecodeError, source: str) -> tuple[int | None, str]:
    text = str(error)
    match = re.search(r"\s*\(at line (\d+), column \d+\)$", text)
    if match:
        return int(match.group(1)), text[: match.start()]
    if text.endswith("(at end of document)"):
        return len(source.splitlines()) or 1, text.removesuffix(" (at end of document)")
    return None, text


def parse(source: str, default_language: str) -> Questionnaire:
    """The questionnaire in ``source`` (a TOML document); QuestionnaireError lists every
    mistake with its line."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        line, message = _syntax_line(exc, source)
        raise QuestionnaireError([Problem(line, f"not valid TOML: {message}")]) from None
    lines = _Lines(source)
    problems: list[Problem] = []

    for name in data:
        if name not in _TOP_FIELDS:
            problems.append(
                Problem(
                    lines.top(name),
                    f"unknown field {name!r} (a questionnaire has a title and [[question]] tables)",
                )
            )
    title = data.get("title")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= MAX_TITLE:
        problems.append(
            Problem(
                lines.top("title") or 1, f"the title must be text of 1 to {MAX_TITLE} characters"
            )
        )
        title = ""
    raw_questions = data.get("question", [])
    if not isinstance(raw_questions, list) or not all(isinstance(q, dict) for q in raw_questions):
        problems.append(
            Problem(
                lines.top("question"),
                "each question is a [[question]] table (with two brackets)",
            )
        )
        raw_questions = []
    elif not raw_questions:
        problems.append(Problem(None, "there are no questions: add [[question]] tables"))
    elif len(raw_questions) > MAX_QUESTIONS:
        problems.append(
            Problem(
                lines.question(MAX_QUESTIONS),
                f"too many questions: {len(raw_questions)}, at most {MAX_QUESTIONS}",
            )
        )

    questions: list[Question] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_questions):
        question = _question(index, raw, lines, default_language, seen, problems)
        if question is not None:
            questions.append(question)
    if problems:
        raise QuestionnaireError(problems)
    return Questionnaire(title.strip(), tuple(questions))


def _question(
    index: int,
    raw: Any,
    lines: _Lines,
    default_language: str,
    seen: set[str],
    problems: list[Problem],
) -> Question | None:
    before = len(problems)
    number = index + 1

    def problem(message: str, *path: str) -> None:
        line = lines.field(index, *path) if path else lines.question(index)
        problems.append(Problem(line, f"question {number}{label}: {message}"))

    label = ""
    key = raw.get("key")
    if isinstance(key, str) and _KEY.match(key):
        label = f" ({key})"
        if key in seen:
            problem(f"the key {key!r} is used by an earlier question", "key")
        seen.add(key)
    elif key is None:
        problem("has no key")
    else:
        problem(
            "the key must be a-z, 0-9 and _, start with a letter and have at most 40 characters",
            "key",
        )
    for name in raw:
        if name not in _QUESTION_FIELDS:
            problem(f"unknown field {name!r} (use {', '.join(_QUESTION_FIELDS)})", name)

    type_ = raw.get("type")
    if type_ is None:
        problem(f"has no type (use one of {', '.join(TYPES)})")
    elif type_ not in TYPES:
        problem(f"unknown type {type_!r} (use one of {', '.join(TYPES)})", "type")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        problem("required must be true or false", "required")

    texts = _texts(raw.get("text"), default_language, problem)
    options: dict[str, tuple[str, ...]] = {}
    if "options" in raw:
        if type_ != "choice":
            kind = f"a {type_} question" if isinstance(type_, str) else "this question"
            problem(f"only a choice question has options, not {kind}", "options")
        else:
            options = _options(raw["options"], default_language, problem)
            if len(problems) == before:
                # A partner reading French must see French options, not the default's.
                for language in sorted(set(texts) ^ set(options), key=LANGUAGES.index):
                    if language in texts:
                        problem(
                            f"has text in {language} but no options in {language}", "text", language
                        )
                    else:
                        problem(
                            f"has options in {language} but no text in {language}",
                            "options",
                            language,
                        )
    elif type_ == "choice":
        problem(
            f'a choice question needs options (options.{default_language} = ["…", "…"])', "type"
        )
    if len(problems) > before:
        return None
    assert isinstance(key, str) and isinstance(type_, str) and isinstance(required, bool)
    return Question(key, type_, required, texts, options)


def _languages(raw: Any, field: str, default_language: str, problem: _Report) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problem(f"{field} must be given per language ({field}.{default_language} = …)", field)
        return {}
    found: dict[str, Any] = {}
    for language, value in raw.items():
        if language not in LANGUAGES:
            problem(
                f"unknown language {language!r} in {field} (use {', '.join(LANGUAGES)})",
                field,
                language,
            )
        else:
            found[language] = value
    if default_language not in raw:
        problem(f"has no {field} in the default language ({field}.{default_language})", field)
    return found


def _texts(raw: Any, default_language: str, problem: _Report) -> dict[str, str]:
    if raw is None:
        problem(f'has no text (text.{default_language} = "…")')
        return {}
    texts: dict[str, str] = {}
    for language, value in _languages(raw, "text", default_language, problem).items():
        if not isinstance(value, str):
            problem(f"the {language} text must be in quotes", "text", language)
        elif not value.strip():
            problem(f"the {language} text is empty", "text", language)
        elif len(value.strip()) > MAX_TEXT:
            problem(
                f"the {language} text has {len(value.strip())} characters, at most {MAX_TEXT}",
                "text",
                language,
            )
        else:
            texts[language] = value.strip()
    return texts


def _options(raw: Any, default_language: str, problem: _Report) -> dict[str, tuple[str, ...]]:
    options: dict[str, tuple[str, ...]] = {}
    for language, value in _languages(raw, "options", default_language, problem).items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problem(f"the {language} options must be a list of texts", "options", language)
            continue
        cleaned = tuple(v.strip() for v in value)
        if not OPTION_COUNT[0] <= len(cleaned) <= OPTION_COUNT[1]:
            problem(
                f"{len(cleaned)} {language} options; a choice has "
                f"{OPTION_COUNT[0]} to {OPTION_COUNT[1]}",
                "options",
                language,
            )
        elif any(not 1 <= len(v) <= MAX_OPTION for v in cleaned):
            problem(
                f"every {language} option must have 1 to {MAX_OPTION} characters",
                "options",
                language,
            )
        elif len(set(cleaned)) != len(cleaned):
            problem(f"the {language} options repeat one another", "options", language)
        else:
            options[language] = cleaned
    counts = {len(v) for v in options.values()}
    if len(counts) > 1:
        problem("every language must have the same number of options, in the same order", "options")
    return options


def _question_row(row: sqlite3.Row, texts: list[sqlite3.Row]) -> Question:
    return Question(
        row["key"],
        row["type"],
        bool(row["required"]),
        {t["language"]: t["text"] for t in texts},
        {t["language"]: tuple(json.loads(t["options"])) for t in texts if t["options"]},
    )


class QuestionnaireRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(
        self, questionnaire: Questionnaire, source: str, now: datetime, *, actor_id: int | None
    ) -> tuple[QuestionnaireVersion, bool]:
        """Store ``questionnaire`` as the new current version; returns it and True, or the
        current version and False when that has the same content (then nothing is stored)."""
        digest = questionnaire.content_hash()
        async with self._db.transaction() as tx:
            current = await tx.fetchone(
                "SELECT id, content_sha256 FROM questionnaire_versions ORDER BY id DESC LIMIT 1"
            )
            if current is not None and current["content_sha256"] == digest:
                existing = await self._load(current["id"], tx)
                return existing, False
            version_id = await tx.insert(
                "INSERT INTO questionnaire_versions (title, content_sha256, source, imported_at)"
                " VALUES (?, ?, ?, ?)",
                (questionnaire.title, digest, source, to_db(now)),
            )
            assert version_id is not None
            for position, q in enumerate(questionnaire.questions, start=1):
                question_id = await tx.insert(
                    "INSERT INTO questionnaire_questions (version_id, position, key, type,"
                    " required) VALUES (?, ?, ?, ?, ?)",
                    (version_id, position, q.key, q.type, int(q.required)),
                )
                await tx.executemany(
                    "INSERT INTO questionnaire_texts (question_id, language, text, options)"
                    " VALUES (?, ?, ?, ?)",
                    [
                        (
                            question_id,
                            language,
                            text,
                            json.dumps(list(q.options[language]), ensure_ascii=False)
                            if language in q.options
                            else None,
                        )
                        for language, text in q.texts.items()
                    ],
                )
            await AuditRepository.record(
                tx,
                now,
                "questionnaire.import",
                actor_id=actor_id,
                object_type="questionnaire_version",
                object_id=version_id,
            )
        return QuestionnaireVersion(version_id, now, questionnaire), True

    async def current(self) -> QuestionnaireVersion | None:
        row = await self._db.fetchone("SELECT max(id) AS id FROM questionnaire_versions")
        return None if row is None or row["id"] is None else await self.get(row["id"])

    async def get(self, number: int) -> QuestionnaireVersion | None:
        async with self._db.transaction() as tx:
            exists = await tx.fetchone(
                "SELECT 1 FROM questionnaire_versions WHERE id = ?", (number,)
            )
            return None if exists is None else await self._load(number, tx)

    @staticmethod
    async def _load(number: int, tx: Transaction) -> QuestionnaireVersion:
        version = await tx.fetchone("SELECT * FROM questionnaire_versions WHERE id = ?", (number,))
        assert version is not None
        rows = await tx.fetchall(
            "SELECT * FROM questionnaire_questions WHERE version_id = ? ORDER BY position",
            (number,),
        )
        texts = await tx.fetchall(
            "SELECT t.* FROM questionnaire_texts t"
            " JOIN questionnaire_questions q ON q.id = t.question_id WHERE q.version_id = ?",
            (number,),
        )
        questions = tuple(
            _question_row(r, [t for t in texts if t["question_id"] == r["id"]]) for r in rows
        )
        return QuestionnaireVersion(
            number,
            from_db(version["imported_at"]),
            Questionnaire(version["title"], questions),
        )
