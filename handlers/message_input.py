"""A message staff write to members (to an event's registrants, to the asker of a closed
contact request): the rule they are told, and what is wrong with a typed text."""

from __future__ import annotations

from bot.i18n import Translator


def message_rule(t: Translator, limit: int) -> str:
    return t._(
        "Please send the message as text (at most {limit} characters), or /cancel to stop."
    ).format(limit=limit)


def message_problem(t: Translator, text: str, limit: int) -> str | None:
    """The sentence to answer a typed message with, or None when it can be kept."""
    if not text.strip():
        return message_rule(t, limit)
    if len(text) > limit:
        return t._(
            "This message has {count} characters; please keep it to at most {limit}, "
            "or /cancel to stop."
        ).format(count=len(text), limit=limit)
    return None
