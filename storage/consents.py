"""Consent to the privacy notice, per purpose, with the notice version agreed to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.audit import AuditRepository
from storage.db import Database
from storage.timefmt import from_db, to_db

MEMBERSHIP = "membership"


@dataclass(frozen=True)
class Consent:
    notice_version: str
    given_at: datetime


class ConsentRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def give(self, member_id: int, notice_version: str, now: datetime) -> None:
        """Record agreement to a notice version (a new row: earlier agreements stay on record)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO consents (member_id, purpose, notice_version, given_at)"
                " VALUES (?, ?, ?, ?)",
                (member_id, MEMBERSHIP, notice_version, to_db(now)),
            )
            await AuditRepository.record(
                tx,
                now,
                "consent.give",
                actor_id=member_id,
                object_type="member",
                object_id=member_id,
                detail=f"version={notice_version}",
            )

    async def current(self, member_id: int) -> Consent | None:
        row = await self._db.fetchone(
            "SELECT notice_version, given_at FROM consents WHERE member_id = ? AND purpose = ?"
            " AND withdrawn_at IS NULL ORDER BY id DESC LIMIT 1",
            (member_id, MEMBERSHIP),
        )
        return None if row is None else Consent(row["notice_version"], from_db(row["given_at"]))
