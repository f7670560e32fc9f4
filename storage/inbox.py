"""The update inbox: updates are stored here before Telegram is told we have them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
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

    async def store(self, updates: Sequence[tuple[int, str]], now: datetime) -> list[int | None]:
        """Store a fetched batch atomically; ids seen recently are dropped as replays.

        Returns, for each update in order, its inbox sequence number, or None for a replay.
        """
        if not updates:
            return []
        stamp = to_db(now)
        # One multi-row statement: atomic on its own and a single trip to the SQLite thread.
        rows = await self._db.write_one(
            "INSERT OR IGNORE INTO inbox (update_id, payload, received_at) VALUES "
            + ", ".join(["(?, ?, ?)"] * len(updates))
            + " RETURNING seq, update_id",
            [value for update_id, payload in updates for value in (update_id, payload, stamp)],
        )
        seqs = {row["update_id"]: row["seq"] for row in rows}
        return [seqs.get(update_id) for update_id, _ in updates]

    async def unhandled(self, limit: int = 100) -> list[InboxItem]:
        """Oldest first by arrival, not by id: ids may restart lower after a long idle time."""
        rows = await self._db.fetchall(
            "SELECT seq, update_id, payload FROM inbox WHERE handled_at IS NULL"
            " ORDER BY seq LIMIT ?",
            (limit,),
        )
        return [InboxItem(r["seq"], r["update_id"], r["payload"]) for r in rows]

    async def mark_handled(self, seqs: Collection[int], now: datetime) -> None:
        """Forget the payloads of handled updates (one statement for a whole group)."""
        if not seqs:
            return
        marks = ", ".join("?" * len(seqs))
        await self._db.write_one(
            f"UPDATE inbox SET handled_at = ?, payload = NULL"
            f" WHERE seq IN ({marks}) AND handled_at IS NULL",
            (to_db(now), *seqs),
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
