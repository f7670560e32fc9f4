"""The yearly reconfirmation of police and staff roles: who is due to be asked, who lapsed,
and a member confirming their own role."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.audit import AuditRepository
from storage.db import Database, Transaction
from storage.timefmt import to_db

ROLE_VALID_FOR = timedelta(days=365)
ASK_BEFORE = timedelta(days=30)
RECONFIRMED_ROLES = ("police", "staff")


@dataclass(frozen=True)
class Due:
    member_id: int
    telegram_user_id: int
    language: str | None
    app_language: str | None
    role: str


def _due(rows: list[sqlite3.Row]) -> list[Due]:
    return [
        Due(r["id"], r["telegram_user_id"], r["language"], r["app_language"], r["role"])
        for r in rows
    ]


class ReconfirmationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    async def ask_due(tx: Transaction, now: datetime) -> list[Due]:
        """Active police and staff whose year ends within ASK_BEFORE and who were not asked
        since their last confirmation; they are marked as asked."""
        rows = await tx.fetchall(
            "UPDATE members SET reconfirm_asked_at = ?"
            " WHERE role IN ('police', 'staff') AND status = 'active'"
            " AND COALESCE(role_confirmed_at, created_at) <= ?"
            " AND (reconfirm_asked_at IS NULL"
            "      OR reconfirm_asked_at < COALESCE(role_confirmed_at, created_at))"
            " RETURNING id, telegram_user_id, language, app_language, role",
            (to_db(now), to_db(now - ROLE_VALID_FOR + ASK_BEFORE)),
        )
        return _due(rows)

    @staticmethod
    async def lapse_due(tx: Transaction, now: datetime) -> list[Due]:
        """Active police and staff whose last confirmation is a year old become lapsed."""
        rows = await tx.fetchall(
            "UPDATE members SET status = 'lapsed'"
            " WHERE role IN ('police', 'staff') AND status = 'active'"
            " AND COALESCE(role_confirmed_at, created_at) <= ?"
            " RETURNING id, telegram_user_id, language, app_language, role",
            (to_db(now - ROLE_VALID_FOR),),
        )
        lapsed = _due(rows)
        for due in lapsed:
            await AuditRepository.record(
                tx, now, "member.lapse", object_type="member", object_id=due.member_id
            )
        return lapsed

    async def confirm_own(self, member_id: int, now: datetime) -> bool:
        """The member confirms they still hold their police or staff role (active or lapsed;
        never a suspended member)."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE members SET role_confirmed_at = ?, status = 'active',"
                " reconfirm_asked_at = NULL"
                " WHERE id = ? AND role IN ('police', 'staff') AND status IN ('active', 'lapsed')",
                (to_db(now), member_id),
            )
            if changed:
                await AuditRepository.record(
                    tx,
                    now,
                    "member.reconfirm",
                    actor_id=member_id,
                    object_type="member",
                    object_id=member_id,
                    detail="by the member",
                )
        return changed == 1
