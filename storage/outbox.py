"""The outbox: one durable row per message the bot sends on its own."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database, Transaction
from storage.timefmt import to_db

# The sender's verdicts; the row keeps the payload only while it may still be sent.
SENT = "sent"
FAILED = "failed"
UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    priority: int
    attempts: int


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    async def enqueue(
        tx: Transaction,
        now: datetime,
        chat_id: int,
        method: str,
        payload: dict[str, Any],
        *,
        priority: int = 0,
        dedup_key: str | None = None,
    ) -> int | None:
        """Queue a message inside the caller's transaction.

        With a dedup_key, a second enqueue of the same message is ignored (returns None), so
        a job or handler that runs again has one effect.
        """
        tx.queued_messages = True
        return await tx.insert(
            "INSERT OR IGNORE INTO outbox"
            " (chat_id, method, payload, priority, dedup_key, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (chat_id, method, json.dumps(payload), priority, dedup_key, to_db(now)),
        )

    async def add(
        self,
        now: datetime,
        chat_id: int,
        method: str,
        payload: dict[str, Any],
        *,
        priority: int = 0,
        dedup_key: str | None = None,
    ) -> int | None:
        async with self._db.transaction() as tx:
            return await self.enqueue(
                tx, now, chat_id, method, payload, priority=priority, dedup_key=dedup_key
            )

    async def pending(
        self, limit: int, *, skip_chats: Collection[int] = (), after_id: int = 0
    ) -> list[OutboxMessage]:
        """Next messages to send, most urgent first, leaving out chats that must wait."""
        skip = list(skip_chats)
        marks = ",".join("?" * len(skip))
        chat_filter = f" AND chat_id NOT IN ({marks})" if skip else ""
        rows = await self._db.fetchall(
            "SELECT id, chat_id, method, payload, priority, attempts FROM outbox"
            f" WHERE state = 'pending' AND id > ?{chat_filter}"
            " ORDER BY priority DESC, id LIMIT ?",
            (after_id, *skip, limit),
        )
        return [
            OutboxMessage(
                r["id"],
                r["chat_id"],
                r["method"],
                json.loads(r["payload"]),
                r["priority"],
                r["attempts"],
            )
            for r in rows
        ]

    async def still_pending(self, message_id: int) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM outbox WHERE id = ? AND state = 'pending'", (message_id,)
        )
        return row is not None

    async def finish(self, message_id: int, state: str, now: datetime, error: str | None) -> None:
        """Settle a message: sent, failed for good, or its chat unreachable."""
        if state not in (SENT, FAILED, UNREACHABLE):
            raise ValueError(f"not a final outbox state: {state}")
        await self._db.write_one(
            "UPDATE outbox SET state = ?, payload = NULL, finished_at = ?, last_error = ?"
            " WHERE id = ? AND state = 'pending'",
            (state, to_db(now), error, message_id),
        )

    async def abandon_chat(self, chat_id: int, now: datetime, error: str) -> int:
        """The chat is blocked or gone: nothing still queued for it can be delivered."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "UPDATE outbox SET state = 'unreachable', payload = NULL, finished_at = ?,"
                " last_error = ? WHERE chat_id = ? AND state = 'pending'",
                (to_db(now), error, chat_id),
            )

    async def record_attempt(self, message_id: int, error: str) -> int:
        """A transient failure; returns the attempts so far."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?"
                " WHERE id = ? AND state = 'pending'",
                (error, message_id),
            )
            row = await tx.fetchone("SELECT attempts FROM outbox WHERE id = ?", (message_id,))
        return 0 if row is None else int(row[0])

    async def count_by_state(self) -> dict[str, int]:
        rows = await self._db.fetchall("SELECT state, count(*) FROM outbox GROUP BY state")
        return {r[0]: int(r[1]) for r in rows}

    async def states(self, chat_id: int) -> list[str]:
        rows = await self._db.fetchall(
            "SELECT state FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,)
        )
        return [r[0] for r in rows]

    @staticmethod
    async def prune_finished(tx: Transaction, finished_before: datetime) -> int:
        return await tx.execute(
            "DELETE FROM outbox WHERE state <> 'pending' AND finished_at < ?",
            (to_db(finished_before),),
        )
