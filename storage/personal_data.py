"""A member's personal data across every table, as the register declares it: export and erase."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.audit import AuditRepository
from storage.db import Database, Transaction
from storage.members import Member
from storage.registry import REGISTRY, Erasure, KeyKind, TableRule


def _key_value(rule: TableRule, member_id: int, telegram_user_id: int) -> object:
    if rule.key_kind is KeyKind.TELEGRAM_ID:
        return telegram_user_id
    if rule.key_kind is KeyKind.CONVERSATION:
        return json.dumps([telegram_user_id, telegram_user_id])
    return member_id


class PersonalDataRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def export(self, member: Member, now: datetime) -> dict[str, list[dict[str, Any]]]:
        """Every row that concerns the member, by table (the export is audited)."""
        found: dict[str, list[dict[str, Any]]] = {}
        for table, rule in REGISTRY.items():
            if rule.member_key is None:
                continue
            rows = await self._db.fetchall(
                rule.export or f"SELECT * FROM {table} WHERE {rule.member_key} = ?",
                (_key_value(rule, member.id, member.telegram_user_id),),
            )
            found[table] = [dict(row) for row in rows]
        async with self._db.transaction() as tx:
            await AuditRepository.record(
                tx,
                now,
                "member.export",
                actor_id=member.id,
                object_type="member",
                object_id=member.id,
            )
        return found

    async def erase(self, member: Member, now: datetime, *, reason: str = "member.erase") -> None:
        """Delete the member's rows everywhere the register says so, in one transaction.

        ``reason`` is the audit action: the member's own /deleteme, a withdrawn consent, or
        the retention of a rejected application.

        What stays (the audit trail, invitations they created) holds internal ids only, and
        the member row that linked those ids to a person is gone.
        """
        async with self._db.transaction() as tx:
            await self.erase_in(
                tx, member.id, member.telegram_user_id, now, reason=reason, actor_id=member.id
            )

    @staticmethod
    async def erase_in(
        tx: Transaction,
        member_id: int,
        telegram_user_id: int,
        now: datetime,
        *,
        reason: str,
        actor_id: int | None,
    ) -> None:
        """The same erasure inside the caller's transaction (a retention job's, which erases
        on nobody's request: ``actor_id`` None)."""
        # Staff notifications of the member's application that still wait to be sent carry
        # the applicant's name: they go too (the chat they go to is a staff member's).
        await tx.execute(
            "DELETE FROM outbox WHERE state = 'pending' AND EXISTS (SELECT 1 FROM applications"
            " WHERE applications.member_id = ?"
            " AND outbox.dedup_key LIKE 'application:' || applications.id || ':staff:%')",
            (member_id,),
        )
        # An event draft is half-done work of its author alone: it goes with them (a kept
        # id could otherwise hand it to a later member who gets the same id).
        await tx.execute(
            "DELETE FROM events WHERE created_by = ? AND state = 'draft'", (member_id,)
        )
        for table, rule in REGISTRY.items():
            if table == "members" or rule.erasure is not Erasure.DELETE_ROWS:
                continue
            assert rule.member_key is not None
            await tx.execute(
                f"DELETE FROM {table} WHERE {rule.member_key} = ?",
                (_key_value(rule, member_id, telegram_user_id),),
            )
        await tx.execute("DELETE FROM members WHERE id = ?", (member_id,))
        await AuditRepository.record(
            tx,
            now,
            reason,
            actor_id=actor_id,
            object_type="member",
            object_id=member_id,
        )
