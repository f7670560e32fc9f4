"""The check-in questionnaire: every mistake in a file is found on its line, and versions are
stored once per content."""

from __future__ import annotations

import sqlite3
import tomllib
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from storage.audit import AuditRepository
from storage.db import Database
from storage.questionnaires import (
    LANGUAGES,
    QuestionnaireError,
    QuestionnaireRepository,
    parse,
)
from tests.support.harness import ROOT

NOW = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)

# Line numbers below count from the first line of each source.
VALID = """\
title = "Check-in 2027"

[[question]]
key = "people_reached"
type = "number"
text.de = "Wie viele Menschen haben Sie erreicht?"
text.en = "How many people did you reach?"

[[question]]
key = "format"
type = "choice"
required = false
text.de = "Welches Format?"
text.en = "Which format?"
options.de = ["Vor Ort", "Online"]
options.en = ["On site", "Online"]
"""


def problems(source: str, default_language: str = "de") -> list[tuple[int | None, str]]:
    with pytest.raises(QuestionnaireError) as caught:
        parse(source, default_language)
    return [(p.line, p.message) for p in caught.value.problems]


def test_a_valid_file_is_parsed_in_order_with_its_languages() -> None:
    questionnaire = parse(VALID, "de")
    assert questionnaire.title == "Check-in 2027"
    first, second = questionnaire.questions
    assert (first.key, first.type, first.required) == ("people_reached", "number", True)
    assert first.texts == {
        "de": "Wie viele Menschen haben Sie erreicht?",
        "en": "How many people did you reach?",
    }
    assert first.options == {}
    assert (second.key, second.type, second.required) == ("format", "choice", False)
    assert second.options == {"de": ("Vor Ort", "Online"), "en": ("On site", "Online")}


def test_a_toml_syntax_error_carries_its_line() -> None:
    broken = VALID.replace('type = "number"', "type = ")
    assert problems(broken) == [(5, "not valid TOML: Invalid value")]


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ('type = "number"', 'type = "slider"', 5,
         "question 1 (people_reached): unknown type 'slider' "
         "(use one of text, number, scale, yes_no, choice)"),
        ('text.de = "Wie viele Menschen haben Sie erreicht?"\n', "", 6,
         "question 1 (people_reached): has no text in the default language (text.de)"),
        ('key = "format"', 'key = "people_reached"', 10,
         "question 2 (people_reached): the key 'people_reached' is used by an earlier question"),
        ('options.de = ["Vor Ort", "Online"]\noptions.en = ["On site", "Online"]\n', "", 11,
         'question 2 (format): a choice question needs options (options.de = ["…", "…"])'),
        ('type = "number"', 'type = "scale"\noptions.de = ["a", "b"]', 6,
         "question 1 (people_reached): only a choice question has options, "
         "not a scale question"),
        ('text.en = "How many people did you reach?"', 'text.es = "¿A cuántas personas?"', 7,
         "question 1 (people_reached): unknown language 'es' in text "
         "(use de, en, fr, tr, ar)"),
        ('text.en = "Which format?"', 'text.en = "   "', 14,
         "question 2 (format): the en text is empty"),
        ('text.en = "Which format?"', "text.en = 42", 14,
         "question 2 (format): the en text must be in quotes"),
        ('text.en = "How many people did you reach?"', f'text.en = "{"x" * 301}"', 7,
         "question 1 (people_reached): the en text has 301 characters, at most 300"),
        ('key = "people_reached"', 'key = "People reached"', 4,
         "question 1: the key must be a-z, 0-9 and _, start with a letter and have at most "
         "40 characters"),
        ('type = "number"', 'type = "number"\ncolour = "red"', 6,
         "question 1 (people_reached): unknown field 'colour' "
         "(use key, type, required, text, options)"),
        ("required = false", 'required = "no"', 12,
         "question 2 (format): required must be true or false"),
        ('options.en = ["On site", "Online"]', 'options.en = ["On site", "Online", "Both"]', 15,
         "question 2 (format): every language must have the same number of options, "
         "in the same order"),
        ('options.en = ["On site", "Online"]', 'options.en = ["On site"]', 16,
         "question 2 (format): 1 en options; a choice has 2 to 10"),
        ('options.en = ["On site", "Online"]\n', "", 14,
         "question 2 (format): has text in en but no options in en"),
        ('text.en = "Which format?"\n', "", 15,
         "question 2 (format): has options in en but no text in en"),
        ('title = "Check-in 2027"', 'title = ""', 1,
         "the title must be text of 1 to 100 characters"),
        ('title = "Check-in 2027"', 'title = "Check-in"\nauthor = "me"', 2,
         "unknown field 'author' (a questionnaire has a title and [[question]] tables)"),
    ],
)  # fmt: skip
def test_each_mistake_is_reported_on_its_line(old: str, new: str, line: int, message: str) -> None:
    assert old in VALID
    assert problems(VALID.replace(old, new, 1)) == [(line, message)]


def test_every_mistake_is_listed_in_line_order() -> None:
    source = (
        VALID.replace('type = "number"', 'type = "slider"')
        .replace('text.en = "Which format?"', 'text.en = ""')
        .replace('title = "Check-in 2027"', "")
    )
    assert [line for line, _ in problems(source)] == [1, 5, 14]


def test_a_subtable_or_inline_table_layout_finds_the_line_too() -> None:
    source = """\
title = "T"

[[question]]
key = "a"
type = "text"
[question.text]
de = "Frage"
fr = ""

[[question]]
key = "b"
type = "yes_no"
text = { de = "Ja?", xx = "?" }
"""
    assert problems(source) == [
        (8, "question 1 (a): the fr text is empty"),
        (13, "question 2 (b): unknown language 'xx' in text (use de, en, fr, tr, ar)"),
    ]


def test_too_many_questions_points_at_the_first_one_too_many() -> None:
    question = '[[question]]\nkey = "q{n}"\ntype = "yes_no"\ntext.de = "Frage {n}?"\n'
    source = 'title = "T"\n' + "".join(question.format(n=n) for n in range(31))
    assert problems(source) == [(2 + 30 * 4, "too many questions: 31, at most 30")]
    assert len(parse(source.rsplit("[[question]]", 1)[0], "de").questions) == 30


def test_a_file_without_questions_is_refused() -> None:
    assert problems('title = "T"\n') == [(None, "there are no questions: add [[question]] tables")]


def test_a_question_written_as_a_plain_table_is_refused_on_its_line() -> None:
    single = VALID.replace("[[question]]", "[question]", 1).split("\n\n[[question]]")[0]
    assert problems(single) == [(3, "each question is a [[question]] table (with two brackets)")]
    assert problems('title = "T"\nquestion = 3\n') == [
        (2, "each question is a [[question]] table (with two brackets)")
    ]


def test_an_unfinished_file_is_reported_on_its_last_line() -> None:
    assert problems('title = "T"\n[[question]]\nkey = "') == [
        (3, "not valid TOML: Unterminated string")
    ]


def test_the_default_language_is_the_configured_one() -> None:
    english_only = VALID.replace('text.de = "Wie viele Menschen haben Sie erreicht?"\n', "")
    english_only = english_only.replace('text.de = "Welches Format?"\n', "").replace(
        'options.de = ["Vor Ort", "Online"]\n', ""
    )
    assert [q.key for q in parse(english_only, "en").questions] == ["people_reached", "format"]
    assert [line for line, _ in problems(english_only, "de")] == [6, 12, 13]


def test_the_shipped_default_is_valid_in_all_five_languages() -> None:
    source = (resources.files("bot") / "questionnaires" / "default.toml").read_text("utf-8")
    for language in LANGUAGES:
        questionnaire = parse(source, language)
        for question in questionnaire.questions:
            assert set(question.texts) == set(LANGUAGES), question.key
    keys = {q.key: (q.type, q.required) for q in questionnaire.questions}
    assert keys == {
        "activities_count": ("number", True),
        "activities_description": ("text", True),
        "people_reached": ("number", True),
        "police_cooperation": ("scale", True),
        "obstacles": ("text", True),
        "support_needed": ("text", False),
        "next_quarter_plans": ("text", True),
        "meeting_topics": ("text", False),
    }
    # A pip install ships it: the package data names it.
    with (Path(ROOT) / "pyproject.toml").open("rb") as f:
        package_data = tomllib.load(f)["tool"]["setuptools"]["package-data"]
    assert "questionnaires/*.toml" in package_data["bot"]


async def test_versions_are_stored_once_per_content(db: Database) -> None:
    repo = QuestionnaireRepository(db)
    assert await repo.current() is None
    first, stored = await repo.store(parse(VALID, "de"), VALID, NOW, actor_id=None)
    assert (first.number, stored) == (1, True)

    # The same questions with other comments and spacing are the same questionnaire.
    relaid = "# reformatted\n" + VALID.replace('type = "number"', 'type   =   "number"  # n')
    same, stored = await repo.store(parse(relaid, "de"), relaid, NOW, actor_id=None)
    assert (same.number, stored) == (1, False)

    changed = VALID.replace("Which format?", "Which format was it?")
    second, stored = await repo.store(parse(changed, "de"), changed, NOW, actor_id=None)
    assert (second.number, stored) == (2, True)
    # Going back to the first wording is a change again: it becomes the current version.
    third, stored = await repo.store(
        parse(VALID, "de"), VALID, NOW + timedelta(days=1), actor_id=None
    )
    assert (third.number, stored) == (3, True)

    current = await repo.current()
    assert current is not None
    assert current.number == 3 and current.imported_at == NOW + timedelta(days=1)
    assert current.questionnaire == parse(VALID, "de")
    older = await repo.get(2)
    assert older is not None and older.questions[1].texts["en"] == "Which format was it?"
    assert await repo.get(4) is None
    audited = await AuditRepository(db).entries("questionnaire.import")
    assert [e.object_id for e in audited] == [1, 2, 3]


async def test_a_stored_version_keeps_its_source_and_types(db: Database) -> None:
    await QuestionnaireRepository(db).store(parse(VALID, "de"), VALID, NOW, actor_id=None)
    row = await db.fetchone("SELECT source, title FROM questionnaire_versions")
    assert row is not None and (row["source"], row["title"]) == (VALID, "Check-in 2027")
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO questionnaire_questions (version_id, position, key, type, required)"
                " VALUES (1, 3, 'x', 'slider', 1)"
            )
