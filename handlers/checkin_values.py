"""Check-in answers by question type: reading what a member typed or tapped, and showing a
stored answer to a member or to staff in their language.

Stored values do not depend on the language they were given in (storage/checkins.py): a
number or scale as digits, yes/no as ``yes``/``no``, a choice as the option's index.
"""

from __future__ import annotations

import re

from bot.i18n import Translator
from storage.checkins import ANSWER_MAX
from storage.questionnaires import Question

NUMBER_MAX = 1_000_000_000
SCALE = range(1, 6)
YES, NO = "yes", "no"
# Whole numbers, also written with thousands separators as people do: 1200, 1.200, 1,200, 1 200.
_NUMBER = re.compile(r"^\d{1,3}([.,' \u00a0\u202f]\d{3})+$|^\d+$")


class Invalid(ValueError):
    """What the member sent does not answer the question; ``message`` says why, translated,
    and how to answer (the question is then asked again)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def grouped(number: int) -> str:
    """Thousands apart by a narrow space: read alike in every language (a comma or a point
    would be a decimal sign in some)."""
    return f"{number:,}".replace(",", "\u202f")


def question_text(question: Question, language: str, default_language: str) -> str:
    return question.texts.get(language) or question.texts[default_language]


def options(question: Question, language: str, default_language: str) -> tuple[str, ...]:
    """A choice question's options in the language (all languages have the same count)."""
    return question.options.get(language) or question.options.get(default_language, ())


def rule(t: Translator, question: Question) -> str:
    """How to answer a question of this type, one sentence."""
    if question.type == "number":
        return t._("Please send a whole number, for example 12 (0 if there were none).")
    if question.type == "scale":
        return t._("Please tap a number from 1 (lowest) to 5 (highest).")
    if question.type == "yes_no":
        return t._("Please tap “Yes” or “No”.")
    if question.type == "choice":
        return t._("Please tap one of the options.")
    return t._("Please send your answer as a text message (at most {count} characters).").format(
        count=ANSWER_MAX
    )


def parse_text(t: Translator, question: Question, text: str, language: str, default: str) -> str:
    """The stored value for a typed answer; raises Invalid with what to do instead."""
    text = text.strip()
    if question.type == "text":
        if not text:
            raise Invalid(rule(t, question))
        if len(text) > ANSWER_MAX:
            raise Invalid(
                t._(
                    "That is too long: at most {count} characters, and yours has {length}. "
                    "Please shorten it."
                ).format(count=ANSWER_MAX, length=len(text))
            )
        return text
    if question.type == "number":
        if not _NUMBER.match(text):
            raise Invalid(rule(t, question))
        value = int(re.sub(r"\D", "", text))
        if value > NUMBER_MAX:
            raise Invalid(
                t._("That number is too large; please send a number up to {max}.").format(
                    max=grouped(NUMBER_MAX)
                )
            )
        return str(value)
    if question.type == "scale":
        if text.isascii() and text.isdigit() and int(text) in SCALE:
            return str(int(text))
        if text.isascii() and text.lstrip("-").isdigit():
            raise Invalid(
                t._("{number} is not on the scale. {rule}").format(
                    number=text, rule=rule(t, question)
                )
            )
        raise Invalid(rule(t, question))
    if question.type == "yes_no":
        folded = text.casefold()
        if folded in (YES, t._("Yes").casefold()):
            return YES
        if folded in (NO, t._("No").casefold()):
            return NO
        raise Invalid(rule(t, question))
    # A choice: the option's text as shown, or its number in the list.
    choices = [o.casefold() for o in options(question, language, default)]
    if text.casefold() in choices:
        return str(choices.index(text.casefold()))
    if text.isascii() and text.isdigit() and 1 <= int(text) <= len(choices):
        return str(int(text) - 1)
    raise Invalid(rule(t, question))


def valid_tap(question: Question, value: str, default_language: str) -> bool:
    """Whether a button's value answers this question (a button's data is never trusted)."""
    if question.type == "scale":
        return value in {str(n) for n in SCALE}
    if question.type == "yes_no":
        return value in (YES, NO)
    if question.type == "choice":
        count = len(options(question, default_language, default_language))
        return value.isascii() and value.isdigit() and int(value) < count
    return False


def shown(t: Translator, question: Question, value: str | None, language: str, default: str) -> str:
    """A stored answer as the reader sees it (not escaped: the caller escapes for HTML)."""
    if value is None:
        return t._("(skipped)")
    if question.type == "number":
        return grouped(int(value)) if value.isdigit() else value
    if question.type == "scale":
        return t._("{value} of 5").format(value=value)
    if question.type == "yes_no":
        return t._("Yes") if value == YES else t._("No")
    if question.type == "choice":
        choices = options(question, language, default)
        index = int(value) if value.isdigit() else -1
        return choices[index] if 0 <= index < len(choices) else value
    return value
