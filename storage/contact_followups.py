"""The follow-up after an introduction: 14 days later (configurable) both sides are asked
"Did you get in touch?" and, after a yes, "How useful was it? (1–5)". The answers feed the
network's statistics (``contact_followups``, one row per request and side).

Each side is asked once: the row is written with the question, in the job's transaction,
and the message is keyed per request and side in the outbox. The job compares stored times
with the clock, so follow-ups that fell due while the bot was down go out on its first run.

Decisions the design left open, and why:
- A side that is not an active member when the follow-up is due (suspended, lapsed) is asked
  once they are active again; an erased member never is.
- A follow-up more than 60 days overdue (a long outage, a long suspension) is not sent: the
  question would come too late to be answered well, and the job need not look at every
  introduction ever made on every run.
- Every answer is final: a second tap on Yes or No, or on a rating, changes nothing (the
  statistics count first answers, and a double tap must not count twice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from storage.db import Database, Transaction
from storage.introductions import Introduced, introduced, sides
from storage.outbox import OutboxRepository
from storage.timefmt import from_db, from_db_optional, to_db

Payload = dict[str, Any]
USEFULNESS = range(1, 6)
TOO_LATE = timedelta(days=60)

# The question to one side, in their language (the view is theirs).
FollowupNotice = Callable[[Introduced], Payload]


@dataclass(frozen=True)
class Followup:
    introduced: Introduced  # as the member asked sees it
    asked_at: datetime
    got_in_touch: bool | None
    usefulness: int | None
    answered_at: datetime | None


class Answered(Enum):
    DONE = "done"
    REPEATED = "answered before (a double tap)"
    NOT_YOURS = "no such question for this member now (forged or stale)"


@dataclass(frozen=True)
class FollowupAnswer:
    outcome: Answered
    followup: Followup | None = None


async def ask_due(tx: Transaction, now: datetime, after: timedelta, notice: FollowupNotice) -> int:
    """Ask every active side of an introduction made ``after`` ago or longer that was not
    asked yet. Returns how many were asked."""
    rows = await tx.fetchall(
        "SELECT id FROM contact_requests q WHERE state = 'introduced'"
        " AND introduced_at <= ? AND introduced_at > ?"
        " AND (SELECT count(*) FROM contact_followups f WHERE f.request_id = q.id) < 2"
        " ORDER BY introduced_at, id",
        (to_db(now - after), to_db(now - after - TOO_LATE)),
    )
    asked = 0
    for row in rows:
        for view in await sides(tx, row["id"]):
            if not view.me.active:
                continue
            inserted = await tx.insert(
                "INSERT OR IGNORE INTO contact_followups (request_id, member_id, side, asked_at)"
                " VALUES (?, ?, ?, ?)",
                (view.request_id, view.me.member_id, view.side, to_db(now)),
            )
            if inserted is None:
                continue
            await OutboxRepository.enqueue(
                tx,
                now,
                view.me.telegram_user_id,
                "sendMessage",
                notice(view),
                dedup_key=f"contact-followup:{view.request_id}:{view.side}",
            )
            asked += 1
    return asked


class FollowupRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, request_id: int, member_id: int) -> Followup | None:
        """The follow-up put to this member about this introduction, if any."""
        return await _get(self._db, request_id, member_id)

    async def answer(
        self, request_id: int, member_id: int, got_in_touch: bool, now: datetime
    ) -> FollowupAnswer:
        """Yes or No to "Did you get in touch?"."""
        return await self._update(
            request_id,
            member_id,
            "got_in_touch = ?",
            "got_in_touch IS NULL",
            int(got_in_touch),
            now,
        )

    async def rate(
        self, request_id: int, member_id: int, usefulness: int, now: datetime
    ) -> FollowupAnswer:
        """How useful it was, 1–5: only after a Yes, and once."""
        if usefulness not in USEFULNESS:
            raise ValueError("usefulness is 1 to 5")
        result = await self._update(
            request_id,
            member_id,
            "usefulness = ?",
            "got_in_touch = 1 AND usefulness IS NULL",
            usefulness,
            now,
        )
        followup = result.followup
        if result.outcome is Answered.REPEATED and (
            followup is None or followup.usefulness is None
        ):
            # Not rated, and no longer (or not yet) to be rated: after a No, or before Yes.
            return FollowupAnswer(Answered.NOT_YOURS)
        return result

    async def _update(
        self,
        request_id: int,
        member_id: int,
        assignment: str,
        condition: str,
        value: int,
        now: datetime,
    ) -> FollowupAnswer:
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                f"UPDATE contact_followups SET {assignment}, answered_at = ?"
                f" WHERE request_id = ? AND member_id = ? AND {condition}",
                (value, to_db(now), request_id, member_id),
            )
            followup = await _get(tx, request_id, member_id)
        if followup is None:
            return FollowupAnswer(Answered.NOT_YOURS)
        return FollowupAnswer(Answered.DONE if changed else Answered.REPEATED, followup)


async def _get(db: Database | Transaction, request_id: int, member_id: int) -> Followup | None:
    row = await db.fetchone(
        "SELECT * FROM contact_followups WHERE request_id = ? AND member_id = ?",
        (request_id, member_id),
    )
    if row is None:
        return None
    view = await introduced(db, request_id, member_id)
    if view is None:
        return None
    got_in_touch = row["got_in_touch"]
    return Followup(
        introduced=view,
        asked_at=from_db(row["asked_at"]),
        got_in_touch=None if got_in_touch is None else bool(got_in_touch),
        usefulness=row["usefulness"],
        answered_at=from_db_optional(row["answered_at"]),
    )
