"""Invitations: single-purpose deep-link codes that preset a newcomer's role and organisation.

Only the SHA-256 of a code is stored, so a copy of the database cannot be used to join.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.audit import AuditRepository
from storage.db import Database, Transaction
from storage.timefmt import from_db, to_db
from storage.vocabulary import ROLES

CODE_BYTES = 16  # 128 random bits
MAX_PRIVILEGED_DAYS = 7  # police and staff invitations
MAX_DAYS = 90
MAX_USES = 500
FAILURES_PER_HOUR = 5


class InviteError(ValueError):
    """The invitation cannot be created as asked; the message says why, for the operator."""


@dataclass(frozen=True)
class Invite:
    id: int
    role: str
    organisation_id: int | None
    max_uses: int
    uses: int
    expires_at: datetime


def _invite(row: sqlite3.Row) -> Invite:
    return Invite(
        row["id"],
        row["role"],
        row["organisation_id"],
        row["max_uses"],
        row["uses"],
        from_db(row["expires_at"]),
    )


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


class InviteRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        role: str,
        organisation_id: int | None,
        days: int,
        max_uses: int,
        now: datetime,
        *,
        created_by: int | None,
    ) -> tuple[Invite, str]:
        """Returns the invitation and its code (shown once, never stored)."""
        if role not in ROLES:
            raise InviteError(f"the role must be one of {', '.join(ROLES)}")
        privileged = role != "community"
        limit = MAX_PRIVILEGED_DAYS if privileged else MAX_DAYS
        if not 1 <= days <= limit:
            raise InviteError(f"a {role} invitation lasts 1 to {limit} days")
        if privileged and max_uses != 1:
            raise InviteError(f"a {role} invitation can be used once only")
        if not 1 <= max_uses <= MAX_USES:
            raise InviteError(f"an invitation can be used 1 to {MAX_USES} times")
        code = secrets.token_urlsafe(CODE_BYTES)
        expires = now + timedelta(days=days)
        async with self._db.transaction() as tx:
            if organisation_id is not None and not await tx.fetchone(
                "SELECT 1 FROM organisations WHERE id = ?", (organisation_id,)
            ):
                raise InviteError(f"there is no organisation {organisation_id}")
            invite_id = await tx.insert(
                "INSERT INTO invites (code_hash, role, organisation_id, max_uses, expires_at,"
                " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    hash_code(code),
                    role,
                    organisation_id,
                    max_uses,
                    to_db(expires),
                    to_db(now),
                    created_by,
                ),
            )
            assert invite_id is not None
            await AuditRepository.record(
                tx,
                now,
                "invite.create",
                actor_id=created_by,
                object_type="invite",
                object_id=invite_id,
                detail=f"role={role} uses={max_uses} days={days}",
            )
        return Invite(invite_id, role, organisation_id, max_uses, 0, expires), code

    async def find_usable(self, code: str, now: datetime) -> Invite | None:
        """The invitation behind a code if it can still be used; None otherwise."""
        row = await self._db.fetchone(
            "SELECT * FROM invites WHERE code_hash = ? AND uses < max_uses AND expires_at > ?",
            (hash_code(code), to_db(now)),
        )
        return None if row is None else _invite(row)

    @staticmethod
    async def consume(tx: Transaction, invite_id: int, now: datetime) -> bool:
        """Use the invitation once, inside the transaction that admits the member."""
        return (
            await tx.execute(
                "UPDATE invites SET uses = uses + 1"
                " WHERE id = ? AND uses < max_uses AND expires_at > ?",
                (invite_id, to_db(now)),
            )
            == 1
        )

    async def may_try(self, telegram_user_id: int, now: datetime) -> bool:
        """False once a person has given FAILURES_PER_HOUR wrong codes within the last hour."""
        row = await self._db.fetchone(
            "SELECT count(*) FROM invite_failures WHERE telegram_user_id = ? AND at > ?",
            (telegram_user_id, to_db(now - timedelta(hours=1))),
        )
        return row is not None and row[0] < FAILURES_PER_HOUR

    async def record_failure(self, telegram_user_id: int, now: datetime) -> None:
        await self._db.write_one(
            "INSERT INTO invite_failures (telegram_user_id, at) VALUES (?, ?)",
            (telegram_user_id, to_db(now)),
        )

    @staticmethod
    async def prune_failures(tx: Transaction, before: datetime) -> int:
        return await tx.execute("DELETE FROM invite_failures WHERE at < ?", (to_db(before),))
