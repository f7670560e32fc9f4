"""Members: the people who have written to the bot."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.audit import AuditRepository
from storage.db import Database
from storage.timefmt import from_db, from_db_optional, to_db

# Members' last activity is kept to the hour: precise enough for lapses and retention, and
# it spares a disk write on almost every update.
LAST_SEEN_PRECISION = timedelta(hours=1)


@dataclass(frozen=True)
class Member:
    id: int
    telegram_user_id: int
    language: str | None
    created_at: datetime
    last_seen_at: datetime
    unreachable_at: datetime | None
    role: str | None
    status: str | None
    display_name: str | None
    organisation_id: int | None
    role_confirmed_at: datetime | None

    @property
    def is_active_staff(self) -> bool:
        return self.role == "staff" and self.status == "active"


def _member(row: sqlite3.Row) -> Member:
    return Member(
        id=row["id"],
        telegram_user_id=row["telegram_user_id"],
        language=row["language"],
        created_at=from_db(row["created_at"]),
        last_seen_at=from_db(row["last_seen_at"]),
        unreachable_at=from_db_optional(row["unreachable_at"]),
        role=row["role"],
        status=row["status"],
        display_name=row["display_name"],
        organisation_id=row["organisation_id"],
        role_confirmed_at=from_db_optional(row["role_confirmed_at"]),
    )


class MemberRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get_by_telegram_id(self, telegram_user_id: int) -> Member | None:
        row = await self._db.fetchone(
            "SELECT * FROM members WHERE telegram_user_id = ?", (telegram_user_id,)
        )
        return None if row is None else _member(row)

    async def seen(self, telegram_user_id: int, now: datetime) -> Member:
        """Record that the person wrote to us: creates them, or marks them reachable again.

        Runs on every update, so it only writes when something changes: a new member, one
        marked unreachable, or a last-seen time more than LAST_SEEN_PRECISION old.
        """
        row = await self._db.fetchone(
            "SELECT * FROM members WHERE telegram_user_id = ?", (telegram_user_id,)
        )
        if row is not None:
            member = _member(row)
            if member.unreachable_at is None and now - member.last_seen_at < LAST_SEEN_PRECISION:
                return member
        stamp = to_db(now)
        (row,) = await self._db.write_one(
            "INSERT INTO members (telegram_user_id, created_at, last_seen_at) VALUES (?, ?, ?)"
            " ON CONFLICT (telegram_user_id) DO UPDATE"
            " SET last_seen_at = excluded.last_seen_at, unreachable_at = NULL"
            " RETURNING *",
            (telegram_user_id, stamp, stamp),
        )
        return _member(row)

    async def make_staff(self, telegram_user_id: int, now: datetime) -> tuple[Member, bool]:
        """Give someone the active staff role (the operator's bootstrap, not a bot action).

        Returns the member and whether anything changed; the change is audited in the same
        transaction.
        """
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO members (telegram_user_id, created_at, last_seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT (telegram_user_id) DO NOTHING",
                (telegram_user_id, stamp, stamp),
            )
            changed = await tx.execute(
                "UPDATE members SET role = 'staff', status = 'active', role_confirmed_at = ?"
                " WHERE telegram_user_id = ?"
                " AND (role IS NOT 'staff' OR status IS NOT 'active')",
                (stamp, telegram_user_id),
            )
            row = await tx.fetchone(
                "SELECT * FROM members WHERE telegram_user_id = ?", (telegram_user_id,)
            )
            assert row is not None
            if changed:
                await AuditRepository.record(
                    tx,
                    now,
                    "member.make_staff",
                    object_type="member",
                    object_id=row["id"],
                    detail="via CLI",
                )
        return _member(row), bool(changed)

    async def set_language(self, telegram_user_id: int, language: str) -> bool:
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE members SET language = ? WHERE telegram_user_id = ?",
                (language, telegram_user_id),
            )
        return changed == 1

    async def mark_unreachable(self, chat_id: int, now: datetime) -> None:
        """Telegram said the chat is blocked or gone; private chat ids are user ids."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE members SET unreachable_at = ?"
                " WHERE telegram_user_id = ? AND unreachable_at IS NULL",
                (to_db(now), chat_id),
            )
