"""The network team's side of contact requests: what a queued request's card shows, who can
be assigned to it, and closing it with a message to the asker.

Queued requests are listed and assigned through storage/contacts.py (``queued_requests``,
``assignable``, ``ask_member``), which holds the matching rules; this module adds what only
staff see and do. Closing is one transaction: the staff member's written message (kept in
``contact_close_drafts`` until sent, so a restart loses nothing) goes to the asker through
the outbox, the request is closed only if it is still queued (a second member of the team
acting at the same moment is told it was handled already), and the audit row
``contact.close`` names ids only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from storage.audit import AuditRepository
from storage.contacts import ContactRequest, request_from_row
from storage.db import Database
from storage.members import Addressee
from storage.outbox import OutboxRepository
from storage.regions import NATIONWIDE, neighbours
from storage.timefmt import to_db
from storage.vocabulary import REGIONS

CLOSE_MESSAGE_MAX = 2000  # what the table accepts

# The staff member's message as the asker sees it: (request, asker, text) → sendMessage params.
CloseMessage = Callable[[ContactRequest, Addressee, str], dict[str, Any]]


@dataclass(frozen=True)
class Assignee:
    """Someone staff may assign, as the assignment list shows them."""

    member_id: int
    name: str | None
    organisation: str | None
    regions: tuple[str, ...]  # those they cover (chosen, else their organisation's land)
    open_questions: int  # requests they are being asked about right now
    tier: int  # 1 the request's region, 2 a neighbouring land or nationwide, 3 elsewhere


@dataclass(frozen=True)
class QueueCard:
    request: ContactRequest
    answers: dict[str | None, int]  # candidate answers so far (None: still being asked)
    asker_may_ask: bool  # False: erased, suspended or lapsed (the job withdraws it)


@dataclass(frozen=True)
class CloseDraft:
    request_id: int
    text: str | None


class Closed(Enum):
    DONE = "closed, and the asker is told if they are still a member"
    HANDLED = "the request had left the queue already (assigned, closed or withdrawn)"
    NO_DRAFT = "no written message for this request (sent or dropped already)"


@dataclass(frozen=True)
class CloseResult:
    outcome: Closed
    request: ContactRequest | None = None
    told: bool = False  # whether a message to the asker was queued


class ContactQueueRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def card(self, request_id: int) -> QueueCard | None:
        row = await self._db.fetchone(
            "SELECT q.*, EXISTS (SELECT 1 FROM members m WHERE m.id = q.asker_id"
            " AND m.status = 'active' AND m.role = q.asker_role) AS asker_may_ask"
            " FROM contact_requests q WHERE q.id = ? AND q.state <> 'draft'",
            (request_id,),
        )
        if row is None:
            return None
        answers = await self._db.fetchall(
            "SELECT answer, count(*) FROM contact_candidates WHERE request_id = ? GROUP BY answer",
            (request_id,),
        )
        return QueueCard(
            request_from_row(row), {a[0]: int(a[1]) for a in answers}, bool(row["asker_may_ask"])
        )

    async def assignees(self, request: ContactRequest, member_ids: list[int]) -> list[Assignee]:
        """The members (ids from ``ContactRepository.assignable``, in that order) as the
        assignment list shows them."""
        if not member_ids:
            return []
        marks = ",".join("?" * len(member_ids))
        rows = await self._db.fetchall(
            "SELECT m.id, m.display_name, o.name AS organisation, o.bundesland,"
            " (SELECT group_concat(region) FROM member_regions r WHERE r.member_id = m.id)"
            "   AS regions,"
            " (SELECT count(*) FROM contact_candidates c JOIN contact_requests q"
            "   ON q.id = c.request_id WHERE c.member_id = m.id AND c.answer IS NULL"
            "   AND q.state = 'matching') AS open_questions"
            f" FROM members m LEFT JOIN organisations o ON o.id = m.organisation_id"
            f" WHERE m.id IN ({marks})",
            member_ids,
        )
        by_id = {row["id"]: row for row in rows}
        return [_assignee(request, by_id[i]) for i in member_ids if i in by_id]

    # ------------------------------------------------------------ closing with a message

    async def start_close(self, member_id: int, request_id: int, now: datetime) -> bool:
        """Begin the staff member's message for a queued request (an earlier unsent one of
        theirs is dropped). False when the request is not in the queue."""
        async with self._db.transaction() as tx:
            queued = await tx.fetchone(
                "SELECT 1 FROM contact_requests WHERE id = ? AND state = 'queued'", (request_id,)
            )
            if queued is None:
                return False
            await tx.execute(
                "INSERT INTO contact_close_drafts (member_id, request_id, started_at)"
                " VALUES (?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET"
                " request_id = excluded.request_id, text = NULL,"
                " started_at = excluded.started_at",
                (member_id, request_id, to_db(now)),
            )
        return True

    async def close_draft(self, member_id: int) -> CloseDraft | None:
        row = await self._db.fetchone(
            "SELECT request_id, text FROM contact_close_drafts WHERE member_id = ?", (member_id,)
        )
        return None if row is None else CloseDraft(row["request_id"], row["text"])

    async def set_close_text(self, member_id: int, text: str) -> bool:
        if not 1 <= len(text) <= CLOSE_MESSAGE_MAX:
            raise ValueError("message length")
        rows = await self._db.write_one(
            "UPDATE contact_close_drafts SET text = ? WHERE member_id = ? RETURNING member_id",
            (text, member_id),
        )
        return bool(rows)

    async def drop_close(self, member_id: int) -> bool:
        rows = await self._db.write_one(
            "DELETE FROM contact_close_drafts WHERE member_id = ? RETURNING member_id",
            (member_id,),
        )
        return bool(rows)

    async def close(
        self, member_id: int, request_id: int, now: datetime, render: CloseMessage
    ) -> CloseResult:
        """Send the staff member's written message and close the request, once."""
        async with self._db.transaction() as tx:
            draft = await tx.fetchone(
                "DELETE FROM contact_close_drafts WHERE member_id = ? AND request_id = ?"
                " AND text IS NOT NULL RETURNING text",
                (member_id, request_id),
            )
            if draft is None:
                return CloseResult(Closed.NO_DRAFT)
            stamp = to_db(now)
            # Nobody is being asked about a queued request; the message nobody reads again
            # goes now rather than after the retention period (as on a withdrawal).
            rows = await tx.fetchall(
                "UPDATE contact_requests SET state = 'closed', closed_at = ?, message = NULL"
                " WHERE id = ? AND state = 'queued' RETURNING *",
                (stamp, request_id),
            )
            if not rows:
                return CloseResult(Closed.HANDLED)
            request = request_from_row(rows[0])
            asker = (
                None
                if request.asker_id is None
                else await tx.fetchone(
                    "SELECT id, telegram_user_id, language, app_language FROM members WHERE id = ?",
                    (request.asker_id,),
                )
            )
            if asker is not None:
                recipient = Addressee(
                    asker["id"], asker["telegram_user_id"], asker["language"], asker["app_language"]
                )
                await OutboxRepository.enqueue(
                    tx,
                    now,
                    recipient.telegram_user_id,
                    "sendMessage",
                    render(request, recipient, draft["text"]),
                    dedup_key=f"contact-closed:{request_id}",
                )
            await AuditRepository.record(
                tx,
                now,
                "contact.close",
                actor_id=member_id,
                object_type="contact_request",
                object_id=request_id,
            )
        return CloseResult(Closed.DONE, request, told=asker is not None)


def _assignee(request: ContactRequest, row: sqlite3.Row) -> Assignee:
    chosen = set(row["regions"].split(",")) if row["regions"] else set()
    if not chosen and row["bundesland"]:
        chosen = {row["bundesland"]}
    regions = tuple(r for r in REGIONS if r in chosen)
    near = neighbours(request.region) | {NATIONWIDE}
    if request.region == NATIONWIDE or request.region in chosen:
        tier = 1
    elif request.region != NATIONWIDE and chosen & near:
        tier = 2
    else:
        tier = 3
    return Assignee(
        member_id=row["id"],
        name=row["display_name"],
        organisation=row["organisation"],
        regions=regions,
        open_questions=int(row["open_questions"]),
        tier=tier,
    )
