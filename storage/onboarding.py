"""Joining with an invitation: the draft while it is under way, then admission in one step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.audit import AuditRepository
from storage.db import Database
from storage.invites import InviteRepository
from storage.timefmt import to_db


@dataclass(frozen=True)
class Draft:
    telegram_user_id: int
    invite_id: int
    notice_version: str | None


class OnboardingRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def start(self, telegram_user_id: int, invite_id: int, now: datetime) -> None:
        """Begin (or begin again, with a new link) joining; consent is asked afresh."""
        await self._db.write_one(
            "INSERT INTO onboarding_drafts (telegram_user_id, invite_id, started_at)"
            " VALUES (?, ?, ?) ON CONFLICT (telegram_user_id) DO UPDATE"
            " SET invite_id = excluded.invite_id, notice_version = NULL,"
            " started_at = excluded.started_at",
            (telegram_user_id, invite_id, to_db(now)),
        )

    async def get(self, telegram_user_id: int) -> Draft | None:
        row = await self._db.fetchone(
            "SELECT * FROM onboarding_drafts WHERE telegram_user_id = ?", (telegram_user_id,)
        )
        if row is None:
            return None
        return Draft(row["telegram_user_id"], row["invite_id"], row["notice_version"])

    async def agree(self, telegram_user_id: int, notice_version: str) -> bool:
        rows = await self._db.write_one(
            "UPDATE onboarding_drafts SET notice_version = ? WHERE telegram_user_id = ?"
            " RETURNING telegram_user_id",
            (notice_version, telegram_user_id),
        )
        return bool(rows)

    async def drop(self, telegram_user_id: int) -> None:
        await self._db.write_one(
            "DELETE FROM onboarding_drafts WHERE telegram_user_id = ?", (telegram_user_id,)
        )

    async def admit(self, draft: Draft, display_name: str, now: datetime) -> str | None:
        """Use the invitation and make the person an active member, all or nothing.

        Returns the role, or None when the invitation was used up or expired meanwhile.
        """
        assert draft.notice_version is not None
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            invite = await tx.fetchone(
                "SELECT role, organisation_id FROM invites WHERE id = ?", (draft.invite_id,)
            )
            if invite is None or not await InviteRepository.consume(tx, draft.invite_id, now):
                await tx.execute(
                    "DELETE FROM onboarding_drafts WHERE telegram_user_id = ?",
                    (draft.telegram_user_id,),
                )
                return None
            member = await tx.fetchone(
                "UPDATE members SET role = ?, status = 'active', organisation_id = ?,"
                " display_name = ?, role_confirmed_at = ? WHERE telegram_user_id = ?"
                " RETURNING id",
                (
                    invite["role"],
                    invite["organisation_id"],
                    display_name,
                    stamp,
                    draft.telegram_user_id,
                ),
            )
            assert member is not None
            # Joining by invitation settles any application of theirs still open.
            await tx.execute(
                "DELETE FROM applications WHERE member_id = ? AND state IN ('draft', 'pending')",
                (member["id"],),
            )
            await tx.execute(
                "INSERT INTO consents (member_id, purpose, notice_version, given_at)"
                " VALUES (?, 'membership', ?, ?)",
                (member["id"], draft.notice_version, stamp),
            )
            await tx.execute(
                "DELETE FROM onboarding_drafts WHERE telegram_user_id = ?",
                (draft.telegram_user_id,),
            )
            await AuditRepository.record(
                tx,
                now,
                "invite.use",
                actor_id=member["id"],
                object_type="invite",
                object_id=draft.invite_id,
                detail=f"role={invite['role']}",
            )
        return str(invite["role"])
