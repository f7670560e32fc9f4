"""The sentences that tell staff what is wrong with a typed title, question, address, link,
number of seats or registration deadline: the same whether they draft an event
(handlers/event_draft.py) or change a published one (handlers/event_edit_answers.py)."""

from __future__ import annotations

from datetime import datetime

from bot.i18n import Translator
from handlers.event_format import when
from handlers.event_input import (
    LINK_MAX,
    QUESTION_LENGTH,
    SEATS,
    TITLE_LENGTH,
    VENUE_LENGTH,
    LinkProblem,
)


def title_problem(t: Translator) -> str:
    return t._("Please send a title of {low} to {high} characters on one line.").format(
        low=TITLE_LENGTH[0], high=TITLE_LENGTH[1]
    )


def question_problem(t: Translator) -> str:
    return t._("Please send a question of {low} to {high} characters on one line.").format(
        low=QUESTION_LENGTH[0], high=QUESTION_LENGTH[1]
    )


def deadline_not_before(t: Translator, starts: datetime) -> str:
    return t._(
        "Sign-up must end before the start ({start}). Please send an earlier date and time, "
        "or tap “Until the start”."
    ).format(start=when(t, starts))


def venue_problem(t: Translator) -> str:
    return t._("Please send an address of {low} to {high} characters.").format(
        low=VENUE_LENGTH[0], high=VENUE_LENGTH[1]
    )


def link_problem(t: Translator, problem: LinkProblem) -> str:
    if problem is LinkProblem.TOO_LONG:
        return t._("That link is too long: at most {count} characters.").format(count=LINK_MAX)
    if problem is LinkProblem.NOT_HTTPS:
        return t._(
            "Only secure links are accepted. Please send the link that starts with https://."
        )
    return t._(
        "That is not a link. Please send the full address, like https://meet.example.org/room."
    )


def seats_problem(t: Translator, seats: int | None, low: int) -> str | None:
    """What is wrong with a typed number of seats that must lie between ``low`` (at least
    one) and the most an event has; None when nothing is."""
    high = SEATS[1]
    if seats is None:
        text = t._("Please send the number of seats as a whole number from {low} to {high}.")
    elif seats < SEATS[0]:
        text = t._("An event needs at least one seat. Please send a number from {low} to {high}.")
    elif seats > high:
        text = t._("That is more than {high} seats. Please send a number from {low} to {high}.")
    else:
        return None
    return text.format(low=low, high=high)
