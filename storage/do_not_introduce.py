"""A member's "do not introduce me to this person again" list (``do_not_introduce``).

A person gets on the list only from an introduction the member was part of (the button on
the introduction and on the follow-up), so the list never names anyone the member has not
been introduced to. Matching (storage/contacts.py) leaves out a pair listed either way: the
listed person is not asked about the member's requests, and is not asked to take them on.
The listed person is never told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from storage.db import Database
from storage.introductions import introduced
from storage.timefmt import from_db, from_db_optional, to_db

_OTHER_ROLE = {"community": "police", "police": "community"}


@dataclass(frozen=True)
class Listed:
    """One person on a member's list, described as the member came to know them."""

    other_id: int
    role: str | None  # their side in the introduction (their role now, if it is gone)
    name: str | None  # while they share their name in introductions
    created_at: datetime
    request_id: int | None  # None once the introduction itself is deleted (retention)
    topic: str | None
    introduced_at: datetime | None


class Added(Enum):
    ADDED = "added"
    ALREADY = "on the list before"
    NOT_YOURS = "no introduction of this member (forged or stale)"
    GONE = "the other person is no longer a member"


class DoNotIntroduceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, member_id: int, request_id: int, now: datetime) -> Added:
        """Put the other person of introduction ``request_id`` on the member's list."""
        async with self._db.transaction() as tx:
            view = await introduced(tx, request_id, member_id)
            if view is None:
                return Added.NOT_YOURS
            if view.other is None:
                return Added.GONE
            inserted = await tx.insert(
                "INSERT OR IGNORE INTO do_not_introduce (member_id, other_id, created_at,"
                " request_id) VALUES (?, ?, ?, ?)",
                (member_id, view.other.member_id, to_db(now), request_id),
            )
        return Added.ADDED if inserted is not None else Added.ALREADY

    async def is_listed(self, member_id: int, request_id: int) -> bool:
        """Whether the other person of this introduction is on the member's list."""
        row = await self._db.fetchone(
            "SELECT 1 FROM do_not_introduce d JOIN contact_requests q ON q.id = ?"
            " WHERE d.member_id = ? AND d.other_id = CASE WHEN q.asker_id = ?"
            " THEN q.introduced_to ELSE q.asker_id END",
            (request_id, member_id, member_id),
        )
        return row is not None

    async def listed(self, member_id: int) -> list[Listed]:
        """The member's list, latest first."""
        rows = await self._db.fetchall(
            "SELECT d.other_id, d.created_at, d.request_id, o.role AS role_now,"
            " CASE WHEN o.share_name THEN o.display_name END AS name,"
            " q.topic, q.introduced_at, q.asker_role, q.asker_id"
            " FROM do_not_introduce d JOIN members o ON o.id = d.other_id"
            " LEFT JOIN contact_requests q ON q.id = d.request_id"
            " WHERE d.member_id = ? ORDER BY d.created_at DESC, d.other_id",
            (member_id,),
        )
        listed = []
        for row in rows:
            if row["asker_role"] is None:
                role = row["role_now"]
            elif row["asker_id"] == member_id:
                role = _OTHER_ROLE[row["asker_role"]]
            else:
                role = row["asker_role"]
            listed.append(
                Listed(
                    other_id=row["other_id"],
                    role=role,
                    name=row["name"],
                    created_at=from_db(row["created_at"]),
                    request_id=row["request_id"],
                    topic=row["topic"],
                    introduced_at=from_db_optional(row["introduced_at"]),
                )
            )
        return listed

    async def count(self, member_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT count(*) FROM do_not_introduce WHERE member_id = ?", (member_id,)
        )
        return 0 if row is None else int(row[0])

    async def remove(self, member_id: int, other_id: int) -> bool:
        """Take a person off the member's list; False when they were not on it."""
        rows = await self._db.write_one(
            "DELETE FROM do_not_introduce WHERE member_id = ? AND other_id = ? RETURNING other_id",
            (member_id, other_id),
        )
        return bool(rows)
