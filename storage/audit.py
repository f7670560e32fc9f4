"""The append-only audit log of privileged actions (ids and codes only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Transaction
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    action: str
    object_type: str | None
    object_id: int | None
    detail: str | None


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    async def record(
        tx: Transaction,
        now: datetime,
        action: str,
        *,
        actor_id: int | None = None,
        object_type: str | None = None,
        object_id: int | None = None,
        detail: str | None = None,
    ) -> None:
        """Inside the caller's transaction, so the action and its audit row land together."""
        await tx.execute(
            "INSERT INTO audit_log (at, actor_id, action, object_type, object_id, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (to_db(now), actor_id, action, object_type, object_id, detail),
        )

    async def log(
        self,
        now: datetime,
        action: str,
        *,
        actor_id: int | None = None,
        detail: str | None = None,
    ) -> None:
        """An audit row on its own, for actions that change nothing else (a refusal)."""
        async with self._db.transaction() as tx:
            await self.record(tx, now, action, actor_id=actor_id, detail=detail)

    async def entries(self, action: str | None = None) -> list[AuditEntry]:
        rows = await self._db.fetchall(
            "SELECT * FROM audit_log WHERE ? IS NULL OR action = ? ORDER BY id",
            (action, action),
        )
        return [
            AuditEntry(
                id=r["id"],
                at=from_db(r["at"]),
                actor_id=r["actor_id"],
                action=r["action"],
                object_type=r["object_type"],
                object_id=r["object_id"],
                detail=r["detail"],
            )
            for r in rows
        ]
