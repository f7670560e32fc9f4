"""An introduction as one of its two members sees it: what the relay, the follow-up and the
"do not introduce me" list (storage/relays.py, storage/contact_followups.py,
storage/do_not_introduce.py) start from.

Only the two members of an introduction get a view of it: the asker and the person who
accepted. Nothing here names the other person beyond what an introduction shows: their name
only while they share it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Transaction
from storage.timefmt import from_db

ASKER, CANDIDATE = "asker", "candidate"
_OTHER_ROLE = {"community": "police", "police": "community"}


@dataclass(frozen=True)
class Person:
    """One side of an introduction: whom the bot writes to, in which language."""

    member_id: int
    telegram_user_id: int
    language: str | None
    app_language: str | None
    # An active member (not suspended, lapsed, pending); others are not written to.
    active: bool


def person(row: sqlite3.Row) -> Person:
    """From a ``members`` row."""
    return Person(
        member_id=row["id"],
        telegram_user_id=row["telegram_user_id"],
        language=row["language"],
        app_language=row["app_language"],
        active=row["status"] == "active" and row["role"] in _OTHER_ROLE,
    )


@dataclass(frozen=True)
class Introduced:
    request_id: int
    topic: str
    region: str
    introduced_at: datetime
    side: str  # the viewer's: 'asker' or 'candidate'
    me: Person
    other: Person | None  # None once they erased their data
    other_role: str  # the other side's role when they were introduced
    other_name: str | None  # their name while they share it in introductions


Reader = Database | Transaction


async def introduced(db: Reader, request_id: int, member_id: int) -> Introduced | None:
    """The introduction ``request_id`` as ``member_id`` sees it; None when they are not one
    of its two members (or it is no introduction)."""
    row = await db.fetchone(
        "SELECT id, topic, region, introduced_at, asker_role, asker_id, introduced_to"
        " FROM contact_requests WHERE id = ? AND state = 'introduced'"
        " AND ? IN (asker_id, introduced_to)",
        (request_id, member_id),
    )
    if row is None:
        return None
    side = ASKER if row["asker_id"] == member_id else CANDIDATE
    other_id = row["introduced_to"] if side == ASKER else row["asker_id"]
    me = await db.fetchone("SELECT * FROM members WHERE id = ?", (member_id,))
    other = None
    if other_id is not None:
        other = await db.fetchone("SELECT * FROM members WHERE id = ?", (other_id,))
    assert me is not None
    asker_role = row["asker_role"]
    return Introduced(
        request_id=row["id"],
        topic=row["topic"],
        region=row["region"],
        introduced_at=from_db(row["introduced_at"]),
        side=side,
        me=person(me),
        other=None if other is None else person(other),
        other_role=_OTHER_ROLE[asker_role] if side == ASKER else asker_role,
        other_name=other["display_name"] if other is not None and other["share_name"] else None,
    )


async def sides(db: Reader, request_id: int) -> list[Introduced]:
    """The introduction as each of its members still in the database sees it."""
    row = await db.fetchone(
        "SELECT asker_id, introduced_to FROM contact_requests WHERE id = ?", (request_id,)
    )
    if row is None:
        return []
    views = []
    for member_id in (row["asker_id"], row["introduced_to"]):
        if member_id is not None:
            view = await introduced(db, request_id, member_id)
            if view is not None:
                views.append(view)
    return views
