"""Group chats and channels the bot was brought into (it answers there once, then leaves)."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.timefmt import to_db


class ForeignChatRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def first_contact(self, chat_id: int, now: datetime, *, joined: bool) -> bool:
        """True the first time we hear from this chat since the bot was (re)added to it."""
        async with self._db.transaction() as tx:
            if joined:
                await tx.execute("DELETE FROM foreign_chats WHERE chat_id = ?", (chat_id,))
            return bool(
                await tx.insert(
                    "INSERT OR IGNORE INTO foreign_chats (chat_id, left_at) VALUES (?, ?)",
                    (chat_id, to_db(now)),
                )
            )
