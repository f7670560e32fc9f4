"""The update inbox: updates are stored here before Telegram is told we have them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Transaction
from storage.timefmt import to_db


@dataclass(frozen=True)
class InboxItem:
    seq: int
    update_id: int
    payload: str


class InboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(self, updates: Sequence[tuple[int, str]], now: datetime) -> int:
        """Store a fetched batch in one transaction; ids seen recently are dropped as replays.

        Returns how many were new.
        """
        new = 0
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            for update_id, payload in updates:
                if await tx.insert(
                    "INSERT OR IGNORE INTO inbox (update_id, payload, received_at)"
                    " VALUES (?, ?, ?)",
                    (update_id, payload, stamp),
                ):
                    new += 1
        return new

    async def unhandled(self, limit: int = 100) -> list[InboxItem]:
        """Oldest first by arrival, not by id: ids may restart lower after a long idle time."""
        rows = await self._db.fetchall(
            "SELECT seq, update_id, payload FROM inbox WHERE handled_at IS NULL"
            " ORDER BY seq LIMIT ?",
            (limit,),
        )
        return [InboxItem(r["seq"], r["update_id"], r["payload"]) for r in rows]

    async def mark_handled(self, seq: int, now: datetime) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE inbox SET handled_at = ?, payload = NULL"
                " WHERE seq = ? AND handled_at IS NULL",
                (to_db(now), seq),
            )

    async def count_unhandled(self) -> int:
        row = await self._db.fetchone("SELECT count(*) FROM inbox WHERE handled_at IS NULL")
        return 0 if row is None else int(row[0])

    @staticmethod
    async def prune_handled(tx: Transaction, received_before: datetime) -> int:
        """Forget handled ids old enough that Telegram can no longer redeliver them."""
        return await tx.execute(
            "DELETE FROM inbox WHERE handled_at IS NOT NULL AND received_at < ?",
            (to_db(received_before),),
        )
