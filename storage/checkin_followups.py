"""Follow-up items: the "support needed" answers of submitted check-ins, which staff mark
done (or open again); every change audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.audit import AuditRepository
from storage.checkins import SUPPORT_KEY
from storage.db import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class Followup:
    round_id: int
    project_id: int
    project_name: str
    text: str
    done_at: datetime | None


class CheckinFollowupRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def items(self, *, done: bool, offset: int, limit: int) -> tuple[list[Followup], int]:
        """Submitted "support needed" answers, open (or done) ones, newest round first."""
        where = (
            " FROM checkin_answers a JOIN checkin_projects cp ON cp.round_id = a.round_id"
            " AND cp.project_id = a.project_id JOIN projects p ON p.id = a.project_id"
            " LEFT JOIN checkin_followups f ON f.round_id = a.round_id"
            " AND f.project_id = a.project_id"
            " WHERE a.question_key = ? AND a.value IS NOT NULL AND cp.submitted_at IS NOT NULL"
            f" AND f.done_at IS {'NOT ' if done else ''}NULL"
        )
        rows = await self._db.fetchall(
            "SELECT a.round_id, a.project_id, p.name, a.value, f.done_at"
            + where
            + " ORDER BY a.round_id DESC, p.name COLLATE NOCASE LIMIT ? OFFSET ?",
            (SUPPORT_KEY, limit, offset),
        )
        count = await self._db.fetchone("SELECT count(*)" + where, (SUPPORT_KEY,))
        assert count is not None
        return [
            Followup(
                r["round_id"],
                r["project_id"],
                r["name"],
                r["value"],
                None if r["done_at"] is None else from_db(r["done_at"]),
            )
            for r in rows
        ], count[0]

    async def mark(
        self, round_id: int, project_id: int, done: bool, now: datetime, *, actor_id: int
    ) -> bool:
        """Mark a follow-up item done (or open again); False when there is no such item or it
        is in that state already."""
        async with self._db.transaction() as tx:
            item = await tx.fetchone(
                "SELECT 1 FROM checkin_answers a JOIN checkin_projects cp"
                " ON cp.round_id = a.round_id AND cp.project_id = a.project_id"
                " WHERE a.round_id = ? AND a.project_id = ? AND a.question_key = ?"
                " AND a.value IS NOT NULL AND cp.submitted_at IS NOT NULL",
                (round_id, project_id, SUPPORT_KEY),
            )
            if item is None:
                return False
            if done:
                changed = await tx.execute(
                    "INSERT OR IGNORE INTO checkin_followups (round_id, project_id, done_at,"
                    " done_by) VALUES (?, ?, ?, ?)",
                    (round_id, project_id, to_db(now), actor_id),
                )
            else:
                changed = await tx.execute(
                    "DELETE FROM checkin_followups WHERE round_id = ? AND project_id = ?",
                    (round_id, project_id),
                )
            if changed:
                await AuditRepository.record(
                    tx,
                    now,
                    "checkin.followup",
                    actor_id=actor_id,
                    object_type="checkin_round",
                    object_id=round_id,
                    detail=f"project={project_id} done={int(done)}",
                )
        return changed == 1
