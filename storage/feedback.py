"""Feedback after an event: the attendee's optional comment, and what staff read of it all.

The scores are asked and stored with the registrations (storage/registrations.py: the job that
asks, and each score given once); this repository adds the comment that follows them and the
report staff see. Staff see numbers and comment texts only, never who gave them.

``comment`` is NULL while the question is open, the text once given, and NO_COMMENT (an
empty text) when the member tapped “No comment”: either closes the question for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from storage.db import Database
from storage.timefmt import to_db

COMMENT_MAX = 1000
NO_COMMENT = ""


class Commented(Enum):
    STORED = "stored"
    CLOSED = "closed"  # a comment or “No comment” is stored already
    NOT_ASKED = "not asked"  # not the member's, or the two scores are not given yet


@dataclass(frozen=True)
class CommentOutcome:
    result: Commented
    event_id: int | None  # the event the feedback is about, unless NOT_ASKED


@dataclass(frozen=True)
class Scores:
    """One score over a group of answers: how many gave it, and their average."""

    count: int
    average: float | None


@dataclass(frozen=True)
class FeedbackReport:
    asked: int
    answered: int  # gave at least the first score
    overall: dict[str, Scores]  # by side (the member's role); "all" for everyone
    changed_view: dict[str, Scores]
    comments: list[str]  # newest first, without names


ALL = "all"


class FeedbackRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def open_comment(self, member_id: int) -> int | None:
        """The registration whose comment the member was asked for last and has not given
        (both scores given, no comment yet)."""
        row = await self._db.fetchone(
            "SELECT registration_id FROM event_feedback WHERE member_id = ?"
            " AND changed_view IS NOT NULL AND comment IS NULL"
            " ORDER BY answered_at DESC, registration_id DESC LIMIT 1",
            (member_id,),
        )
        return None if row is None else int(row[0])

    async def comment(
        self, registration_id: int, member_id: int, text: str, now: datetime
    ) -> CommentOutcome:
        """Store the member's own comment (or NO_COMMENT), once, after both scores."""
        if len(text) > COMMENT_MAX:
            raise ValueError("comment too long")
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "UPDATE event_feedback SET comment = ?, answered_at = ?"
                " WHERE registration_id = ? AND member_id = ? AND changed_view IS NOT NULL"
                " AND comment IS NULL RETURNING event_id",
                (text, to_db(now), registration_id, member_id),
            )
            if row is not None:
                return CommentOutcome(Commented.STORED, int(row["event_id"]))
            row = await tx.fetchone(
                "SELECT event_id FROM event_feedback WHERE registration_id = ? AND member_id = ?"
                " AND comment IS NOT NULL",
                (registration_id, member_id),
            )
        if row is None:
            return CommentOutcome(Commented.NOT_ASKED, None)
        return CommentOutcome(Commented.CLOSED, int(row["event_id"]))

    async def answered(self, event_id: int) -> int:
        """How many attendees gave at least the first score."""
        row = await self._db.fetchone(
            "SELECT count(*) FROM event_feedback WHERE event_id = ? AND overall IS NOT NULL",
            (event_id,),
        )
        return int(row[0]) if row else 0

    async def report(self, event_id: int) -> FeedbackReport:
        """Counts, averages overall and per side, and the comments, for staff."""
        scores = (
            "count(f.overall) AS o_count, avg(f.overall) AS o_avg,"
            " count(f.changed_view) AS v_count, avg(f.changed_view) AS v_avg"
        )
        total = await self._db.fetchone(
            f"SELECT count(*) AS asked, {scores} FROM event_feedback f WHERE f.event_id = ?",
            (event_id,),
        )
        assert total is not None
        # The side is the member's role now: erased members' feedback is gone with them.
        sides = await self._db.fetchall(
            f"SELECT m.role, {scores} FROM event_feedback f JOIN members m ON m.id = f.member_id"
            " WHERE f.event_id = ? AND f.overall IS NOT NULL AND m.role IS NOT NULL"
            " GROUP BY m.role",
            (event_id,),
        )
        overall = {ALL: Scores(total["o_count"], total["o_avg"])}
        changed_view = {ALL: Scores(total["v_count"], total["v_avg"])}
        for r in sides:
            overall[r["role"]] = Scores(r["o_count"], r["o_avg"])
            changed_view[r["role"]] = Scores(r["v_count"], r["v_avg"])
        comments = await self._db.fetchall(
            "SELECT comment FROM event_feedback WHERE event_id = ? AND comment <> ?"
            " ORDER BY answered_at DESC, registration_id DESC",
            (event_id, NO_COMMENT),
        )
        return FeedbackReport(
            asked=total["asked"],
            answered=total["o_count"],
            overall=overall,
            changed_view=changed_view,
            comments=[r[0] for r in comments],
        )
