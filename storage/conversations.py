"""Persisted states of PTB conversation handlers, so a conversation survives a crash."""

from __future__ import annotations

import json
from datetime import datetime

from storage.db import Database
from storage.timefmt import to_db

ConversationKey = tuple[str | int, ...]


class ConversationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self, name: str) -> dict[ConversationKey, object]:
        rows = await self._db.fetchall(
            "SELECT key, state FROM conversation_states WHERE name = ?", (name,)
        )
        return {tuple(json.loads(r["key"])): json.loads(r["state"]) for r in rows}

    async def save(
        self, name: str, key: ConversationKey, state: object | None, now: datetime
    ) -> None:
        encoded_key = json.dumps(list(key))
        async with self._db.transaction() as tx:
            if state is None:
                await tx.execute(
                    "DELETE FROM conversation_states WHERE name = ? AND key = ?",
                    (name, encoded_key),
                )
            else:
                await tx.execute(
                    "INSERT INTO conversation_states (name, key, state, updated_at)"
                    " VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (name, key) DO UPDATE"
                    " SET state = excluded.state, updated_at = excluded.updated_at",
                    (name, encoded_key, json.dumps(state), to_db(now)),
                )
