"""Scheduled items and the record of which occurrences have run."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database, Transaction
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class ScheduledItem:
    id: int
    kind: str
    ref: str
    due_at: datetime
    recurrence: str | None
    payload: dict[str, Any]
    state: str
    failures: int


def _item(row: sqlite3.Row) -> ScheduledItem:
    return ScheduledItem(
        id=row["id"],
        kind=row["kind"],
        ref=row["ref"],
        due_at=from_db(row["due_at"]),
        recurrence=row["recurrence"],
        payload=json.loads(row["payload"]),
        state=row["state"],
        failures=row["failures"],
    )


class ScheduleRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def ensure(
        self,
        kind: str,
        ref: str,
        due_at: datetime,
        now: datetime,
        *,
        recurrence: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> ScheduledItem:
        """Create the item unless one with this kind and ref exists; returns the stored one."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT OR IGNORE INTO scheduled_items"
                " (kind, ref, due_at, recurrence, payload, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (kind, ref, to_db(due_at), recurrence, json.dumps(payload or {}), to_db(now)),
            )
            row = await tx.fetchone(
                "SELECT * FROM scheduled_items WHERE kind = ? AND ref = ?", (kind, ref)
            )
        assert row is not None
        return _item(row)

    async def reschedule(
        self, kind: str, ref: str, due_at: datetime, *, recurrence: str | None
    ) -> bool:
        """Give a pending item a new rule and next due time (the operator changed the rule);
        False when there is no such pending item."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE scheduled_items SET due_at = ?, recurrence = ?, failures = 0"
                " WHERE kind = ? AND ref = ? AND state = 'pending'",
                (to_db(due_at), recurrence, kind, ref),
            )
        return changed == 1

    async def get(self, kind: str, ref: str) -> ScheduledItem | None:
        row = await self._db.fetchone(
            "SELECT * FROM scheduled_items WHERE kind = ? AND ref = ?", (kind, ref)
        )
        return None if row is None else _item(row)

    async def due(self, now: datetime, limit: int = 50) -> list[ScheduledItem]:
        rows = await self._db.fetchall(
            "SELECT * FROM scheduled_items WHERE state = 'pending' AND due_at <= ?"
            " ORDER BY due_at, id LIMIT ?",
            (to_db(now), limit),
        )
        return [_item(r) for r in rows]

    @staticmethod
    async def claim(
        tx: Transaction, item: ScheduledItem, next_due: datetime | None, now: datetime
    ) -> bool:
        """Take this occurrence inside the caller's transaction; False if it already ran.

        The run row's primary key makes the occurrence fire once even if two tickers race
        or the item was re-read after a restart; the conditional update moves the item on.
        """
        if not await tx.insert(
            "INSERT OR IGNORE INTO scheduled_runs (item_id, due_at, fired_at) VALUES (?, ?, ?)",
            (item.id, to_db(item.due_at), to_db(now)),
        ):
            return False
        if next_due is None:
            changed = await tx.execute(
                "UPDATE scheduled_items SET state = 'done', failures = 0"
                " WHERE id = ? AND due_at = ? AND state = 'pending'",
                (item.id, to_db(item.due_at)),
            )
        else:
            changed = await tx.execute(
                "UPDATE scheduled_items SET due_at = ?, failures = 0"
                " WHERE id = ? AND due_at = ? AND state = 'pending'",
                (to_db(next_due), item.id, to_db(item.due_at)),
            )
        return changed == 1

    async def record_failure(self, item_id: int, give_up_after: int) -> bool:
        """Count a failed run; returns True when the item has now been given up."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE scheduled_items SET failures = failures + 1 WHERE id = ?", (item_id,)
            )
            return (
                await tx.execute(
                    "UPDATE scheduled_items SET state = 'failed'"
                    " WHERE id = ? AND failures >= ? AND state = 'pending'",
                    (item_id, give_up_after),
                )
                == 1
            )

    async def runs(self, item_id: int) -> list[datetime]:
        """The occurrences (their due times) that have run, oldest first."""
        rows = await self._db.fetchall(
            "SELECT due_at FROM scheduled_runs WHERE item_id = ? ORDER BY due_at", (item_id,)
        )
        return [from_db(r["due_at"]) for r in rows]

    @staticmethod
    async def prune_runs(tx: Transaction, fired_before: datetime) -> int:
        return await tx.execute(
            "DELETE FROM scheduled_runs WHERE fired_at < ?", (to_db(fired_before),)
        )
