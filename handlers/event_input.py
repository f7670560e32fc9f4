"""What staff type when they draft an event, read and checked: dates and times, links,
numbers, texts of several lines. Pure functions; the drafting steps (handlers/event_draft.py)
turn each problem into a sentence."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from enum import Enum
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

TITLE_LENGTH = (3, 200)
DESCRIPTION_MAX = 2000
VENUE_LENGTH = (3, 500)
LINK_MAX = 500
SEATS = (1, 100000)
QUESTION_LENGTH = (3, 300)
OPTIONS = (2, 10)
OPTION_MAX = 100
# Signing up in a chat is one message per question: more than this is a form, not a sign-up.
MAX_QUESTIONS = 10


class DateProblem(Enum):
    UNREADABLE = "unreadable"
    NO_SUCH_MOMENT = "no such day or time"
    SKIPPED = "skipped by the clock change"
    TWICE = "there twice when the clocks go back"


_ISO_MOMENT = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2}):(\d{2})")
_GERMAN_MOMENT = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}),?\s+(\d{1,2})[:.](\d{2})")
_TIME_ONLY = re.compile(r"(\d{1,2})[:.](\d{2})")
_MOMENT_INPUT_MAX = 40


def _local(
    timezone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int
) -> datetime | DateProblem:
    try:
        moment = datetime(year, month, day, hour, minute, tzinfo=timezone)
    except ValueError:
        return DateProblem.NO_SUCH_MOMENT
    # A wall time the clocks jump over (spring) does not survive the round trip.
    back = moment.astimezone(UTC).astimezone(timezone)
    if back.replace(tzinfo=None) != moment.replace(tzinfo=None):
        return DateProblem.SKIPPED
    # A wall time the clocks go through twice (autumn) would be a guess either way.
    if moment.replace(fold=1).utcoffset() != moment.utcoffset():
        return DateProblem.TWICE
    return moment


def parse_moment(
    text: str, timezone: ZoneInfo, same_day_as: datetime | None = None
) -> datetime | DateProblem:
    """``2027-03-14 10:00`` or ``14.03.2027 10:00`` in ``timezone``; with ``same_day_as``
    also a bare ``17:00`` on that (local) day."""
    typed = " ".join(text.split())
    if len(typed) > _MOMENT_INPUT_MAX:
        return DateProblem.UNREADABLE
    if match := _ISO_MOMENT.fullmatch(typed):
        year, month, day, hour, minute = (int(g) for g in match.groups())
    elif match := _GERMAN_MOMENT.fullmatch(typed):
        day, month, year, hour, minute = (int(g) for g in match.groups())
    elif same_day_as is not None and (match := _TIME_ONLY.fullmatch(typed)):
        local_day = same_day_as.astimezone(timezone).date()
        year, month, day = local_day.year, local_day.month, local_day.day
        hour, minute = int(match[1]), int(match[2])
    else:
        return DateProblem.UNREADABLE
    return _local(timezone, year, month, day, hour, minute)


class LinkProblem(Enum):
    TOO_LONG = "too long"
    NOT_HTTPS = "not https"
    NOT_A_LINK = "not a link"


def parse_link(text: str) -> str | LinkProblem:
    """An https URL with a host name that has a dot and no spaces, at most LINK_MAX long."""
    link = text.strip()
    if len(link) > LINK_MAX:
        return LinkProblem.TOO_LONG
    if not link or any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in link):
        return LinkProblem.NOT_A_LINK
    try:
        parts = urlsplit(link)
        host = parts.hostname or ""
        _ = parts.port  # raises for a port that is not a number
    except ValueError:
        return LinkProblem.NOT_A_LINK
    scheme = parts.scheme.lower()
    if scheme != "https":
        return LinkProblem.NOT_HTTPS if scheme and parts.netloc else LinkProblem.NOT_A_LINK
    if "." not in host or not all(host.split(".")):
        return LinkProblem.NOT_A_LINK
    return "https" + link[len(parts.scheme) :]


def whole_number(text: str) -> int | None:
    typed = text.strip()
    return int(typed) if re.fullmatch(r"[+-]?\d{1,9}", typed) else None


def clean_block(text: str, high: int, low: int = 1) -> str | None:
    """Text of several lines (a description, an address): trimmed, without control
    characters other than line breaks, ``low`` to ``high`` characters; else None."""
    block = "\n".join(line.strip() for line in text.strip().splitlines())
    if any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in block):
        return None
    return block if low <= len(block) <= high else None
