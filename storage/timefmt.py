"""How instants are stored: UTC text that sorts as it compares."""

from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_db(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware one")
    return moment.astimezone(UTC).strftime(_FORMAT)


def from_db(text: str) -> datetime:
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


def from_db_optional(text: str | None) -> datetime | None:
    return None if text is None else from_db(text)
