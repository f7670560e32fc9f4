"""Quarterly check-in rounds: which projects take part, their shared draft and answer, and
who was prompted (what the jobs find due is in storage/checkin_due.py, the follow-up of
"support needed" answers in storage/checkin_followups.py).

A round asks the questions of the questionnaire version current when it opened. Each taking
part project has one answer, written by one member at a time: the member who starts (or
continues) it holds the lock until they submit, say they are out of office, or can no longer
answer (removed from the project, no longer active, erased). Every answer is saved as it is
given, so the draft survives a restart; after submitting, the answer can be changed until the
round closes. Nothing is accepted after the round closed.

Access is decided here against the database at the moment of the change: only a member of
the project (an active one) may change its answer. The handlers add the staff view.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from storage.audit import AuditRepository
from storage.db import Database, Transaction
from storage.members import Addressee, active_staff, addressee_from_row
from storage.outbox import OutboxRepository
from storage.timefmt import from_db, to_db

# The questions with a meaning beyond their text (the default questionnaire uses these keys).
SUPPORT_KEY = "support_needed"  # answers become follow-up items for staff
CONTEXT_KEYS = ("obstacles", "next_quarter_plans")  # shown again in the next round
ANSWER_MAX = 2000


class Status(Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    OVERDUE = "overdue"
    MISSED = "missed"


class Refusal(Enum):
    """Why a change to a project's answer was not made."""

    NOT_MEMBER = "not_member"  # not (or no longer) an active member of the project
    CLOSED = "closed"  # the round closed (or never existed)
    LOCKED = "locked"  # another member is answering
    NOT_LOCKED = "not_locked"  # the member does not hold the draft (any more)
    INCOMPLETE = "incomplete"  # a required question has no answer yet


class CheckinRefused(Exception):
    def __init__(self, reason: Refusal, holder: str | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.holder = holder  # the display name of the member answering (LOCKED)


class RoundOpen(Exception):
    """A round is open already; at most one is open at a time."""

    def __init__(self, round_: Round) -> None:
        super().__init__(f"round {round_.id} is open")
        self.round = round_


class NoQuestionnaire(Exception):
    """No questionnaire has been imported yet."""


class NoProjects(Exception):
    """No active project is funded during the round: nobody would be asked."""


@dataclass(frozen=True)
class Round:
    id: int
    version_id: int
    opens_at: datetime
    remind_at: datetime
    last_remind_at: datetime
    final_at: datetime
    due_at: datetime
    closes_at: datetime
    scheduled_for: datetime | None
    meeting_event_id: int | None
    summary_sent_at: datetime | None
    closed_at: datetime | None

    def is_open(self, now: datetime) -> bool:
        """Answers are accepted (also after the due date, until the round closes)."""
        return self.closed_at is None and now < self.closes_at


@dataclass(frozen=True)
class RoundProject:
    round_id: int
    project_id: int
    project_name: str
    organisation_name: str
    answering_id: int | None
    answering_name: str | None
    position: int | None
    submitted_at: datetime | None
    submitted_by: int | None
    submitted_by_name: str | None  # None with submitted_at set: a former member
    answered: int  # questions with a stored answer (a skip counts)
    reminders: int

    def status(self, round_: Round, now: datetime) -> Status:
        if self.submitted_at is not None:
            return Status.ANSWERED
        if not round_.is_open(now):
            return Status.MISSED
        if now >= round_.due_at:
            return Status.OVERDUE
        return Status.IN_PROGRESS if self.answered or self.answering_id else Status.NOT_STARTED


@dataclass(frozen=True)
class Answer:
    question_key: str
    value: str | None  # None: skipped
    answered_by: int | None
    answered_at: datetime


def round_from_row(row: sqlite3.Row) -> Round:
    def maybe(name: str) -> datetime | None:
        return None if row[name] is None else from_db(row[name])

    return Round(
        row["id"],
        row["version_id"],
        from_db(row["opens_at"]),
        from_db(row["remind_at"]),
        from_db(row["last_remind_at"]),
        from_db(row["final_at"]),
        from_db(row["due_at"]),
        from_db(row["closes_at"]),
        maybe("scheduled_for"),
        row["meeting_event_id"],
        maybe("summary_sent_at"),
        maybe("closed_at"),
    )


_PROJECTS = (
    "SELECT cp.*, p.name AS project_name, o.name AS organisation_name,"
    " a.display_name AS answering_name, s.display_name AS submitted_by_name,"
    " (SELECT count(*) FROM checkin_answers x WHERE x.round_id = cp.round_id"
    "  AND x.project_id = cp.project_id) AS answered"
    " FROM checkin_projects cp JOIN projects p ON p.id = cp.project_id"
    " JOIN organisations o ON o.id = p.organisation_id"
    " LEFT JOIN members a ON a.id = cp.answering_id"
    " LEFT JOIN members s ON s.id = cp.submitted_by"
)


def _round_project(row: sqlite3.Row) -> RoundProject:
    return RoundProject(
        row["round_id"],
        row["project_id"],
        row["project_name"],
        row["organisation_name"],
        row["answering_id"],
        row["answering_name"],
        row["position"],
        None if row["submitted_at"] is None else from_db(row["submitted_at"]),
        row["submitted_by"],
        row["submitted_by_name"],
        row["answered"],
        row["reminders"],
    )


# An active member who answers for the project: the one condition for seeing or changing it.
ANSWERING = (
    "SELECT m.id, m.telegram_user_id, m.language, m.app_language, m.display_name"
    " FROM project_members pm JOIN members m ON m.id = pm.member_id"
    " WHERE pm.project_id = ? AND m.status = 'active' AND m.role IN ('community', 'police')"
)


async def _may_answer(tx: Transaction, project_id: int, member_id: int) -> bool:
    row = await tx.fetchone(ANSWERING + " AND m.id = ?", (project_id, member_id))
    return row is not None


async def _holder_valid(tx: Transaction, round_id: int, project_id: int, holder: int) -> bool:
    """The lock counts while its holder may still answer and has not said they are away."""
    if not await _may_answer(tx, project_id, holder):
        return False
    away = await tx.fetchone(
        "SELECT 1 FROM checkin_prompts WHERE round_id = ? AND project_id = ? AND member_id = ?"
        " AND away_at IS NOT NULL",
        (round_id, project_id, holder),
    )
    return away is None


# Projects funded at some point of the round: the period's days are local dates, a day's
# difference at the edges does not matter for who is asked.
_FUNDED = " FROM projects WHERE archived_at IS NULL AND starts_on <= ? AND ends_on >= ?"


def _period(opens: datetime, closes: datetime) -> tuple[str, str]:
    return closes.date().isoformat(), opens.date().isoformat()


async def _taking_part(tx: Transaction, opens: datetime, closes: datetime) -> int:
    row = await tx.fetchone("SELECT count(*)" + _FUNDED, _period(opens, closes))
    assert row is not None
    return int(row[0])


class CheckinRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # Rounds ---------------------------------------------------------------------------

    @staticmethod
    async def open_round_in(
        tx: Transaction,
        now: datetime,
        moments: Sequence[datetime],
        *,
        scheduled_for: datetime | None = None,
        opened_by: int | None = None,
    ) -> Round:
        """Open a round with the current questionnaire; ``moments`` are opens, remind,
        last remind, final notice, due and close (bot/checkin_calendar.py's Timeline)."""
        open_row = await tx.fetchone(
            "SELECT * FROM checkin_rounds WHERE closed_at IS NULL AND closes_at > ?"
            " ORDER BY id DESC LIMIT 1",
            (to_db(now),),
        )
        if open_row is not None:
            raise RoundOpen(round_from_row(open_row))
        opens, closes = moments[0], moments[-1]
        if not await _taking_part(tx, opens, closes):
            raise NoProjects
        version = await tx.fetchone("SELECT max(id) AS id FROM questionnaire_versions")
        if version is None or version["id"] is None:
            raise NoQuestionnaire
        round_id = await tx.insert(
            "INSERT INTO checkin_rounds (version_id, opens_at, remind_at, last_remind_at,"
            " final_at, due_at, closes_at, scheduled_for, opened_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                version["id"],
                *(to_db(m) for m in moments),
                None if scheduled_for is None else to_db(scheduled_for),
                opened_by,
                to_db(now),
            ),
        )
        assert round_id is not None
        taking_part = await tx.execute(
            "INSERT INTO checkin_projects (round_id, project_id) SELECT ?, id" + _FUNDED,
            (round_id, *_period(opens, closes)),
        )
        await AuditRepository.record(
            tx,
            now,
            "checkin.open",
            actor_id=opened_by,
            object_type="checkin_round",
            object_id=round_id,
            detail=f"projects={taking_part} version={version['id']}"
            + (" scheduled" if scheduled_for is not None else ""),
        )
        row = await tx.fetchone("SELECT * FROM checkin_rounds WHERE id = ?", (round_id,))
        assert row is not None
        return round_from_row(row)

    async def open_round(
        self, now: datetime, moments: Sequence[datetime], *, opened_by: int
    ) -> Round:
        async with self._db.transaction() as tx:
            return await self.open_round_in(tx, now, moments, opened_by=opened_by)

    async def get(self, round_id: int) -> Round | None:
        row = await self._db.fetchone("SELECT * FROM checkin_rounds WHERE id = ?", (round_id,))
        return None if row is None else round_from_row(row)

    async def current(self, now: datetime) -> Round | None:
        """The round open now, if any."""
        row = await self._db.fetchone(
            "SELECT * FROM checkin_rounds WHERE closed_at IS NULL AND closes_at > ?"
            " ORDER BY id DESC LIMIT 1",
            (to_db(now),),
        )
        return None if row is None else round_from_row(row)

    async def rounds(self, offset: int, limit: int) -> tuple[list[Round], int]:
        """Rounds newest first, and how many there are."""
        rows = await self._db.fetchall(
            "SELECT * FROM checkin_rounds ORDER BY opens_at DESC, id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        count = await self._db.fetchone("SELECT count(*) FROM checkin_rounds")
        assert count is not None
        return [round_from_row(r) for r in rows], count[0]

    async def link_meeting(
        self, round_id: int, event_id: int | None, now: datetime, *, actor_id: int
    ) -> bool:
        """Link the round to its quarterly meeting (None: unlink); the summary goes to staff
        7 days before it. False when the round is closed or the event is not an upcoming
        published one."""
        async with self._db.transaction() as tx:
            if event_id is not None:
                event = await tx.fetchone(
                    "SELECT 1 FROM events WHERE id = ? AND state = 'published' AND starts_at > ?",
                    (event_id, to_db(now)),
                )
                if event is None:
                    return False
            changed = await tx.execute(
                "UPDATE checkin_rounds SET meeting_event_id = ?, summary_sent_at = NULL"
                " WHERE id = ? AND closed_at IS NULL AND closes_at > ?",
                (event_id, round_id, to_db(now)),
            )
            if changed:
                await AuditRepository.record(
                    tx,
                    now,
                    "checkin.meeting",
                    actor_id=actor_id,
                    object_type="checkin_round",
                    object_id=round_id,
                    detail=f"event={event_id}",
                )
        return changed == 1

    async def meeting_candidates(
        self, now: datetime, offset: int, limit: int
    ) -> tuple[list[int], int]:
        """Ids of the events a round may be linked to (upcoming, published, online), newest
        first, one page of them and how many there are (staff view, checkins_admin)."""
        where = (
            " FROM events WHERE state = 'published' AND starts_at > ?"
            " AND online_url IS NOT NULL AND online_url <> ''"
        )
        rows = await self._db.fetchall(
            "SELECT id" + where + " ORDER BY id DESC LIMIT ? OFFSET ?",
            (to_db(now), limit, offset),
        )
        count = await self._db.fetchone("SELECT count(*)" + where, (to_db(now),))
        assert count is not None
        return [r["id"] for r in rows], count[0]

    async def taking_part(self, opens: datetime, closes: datetime) -> int:
        """How many projects would take part in a round opening now (as ``open_round_in``
        chooses them), for the confirmation staff see before opening one."""
        async with self._db.transaction() as tx:
            return await _taking_part(tx, opens, closes)

    # A round's projects ---------------------------------------------------------------

    async def projects(self, round_id: int) -> list[RoundProject]:
        rows = await self._db.fetchall(
            _PROJECTS + " WHERE cp.round_id = ? ORDER BY p.name COLLATE NOCASE, p.id",
            (round_id,),
        )
        return [_round_project(r) for r in rows]

    async def project(self, round_id: int, project_id: int) -> RoundProject | None:
        row = await self._db.fetchone(
            _PROJECTS + " WHERE cp.round_id = ? AND cp.project_id = ?", (round_id, project_id)
        )
        return None if row is None else _round_project(row)

    async def member_projects(self, round_id: int, member_id: int) -> list[RoundProject]:
        """The round's projects the member (an active one) answers for."""
        rows = await self._db.fetchall(
            _PROJECTS + " JOIN project_members pm ON pm.project_id = cp.project_id"
            " JOIN members me ON me.id = pm.member_id"
            " WHERE cp.round_id = ? AND pm.member_id = ? AND me.status = 'active'"
            " AND me.role IN ('community', 'police') ORDER BY p.name COLLATE NOCASE, p.id",
            (round_id, member_id),
        )
        return [_round_project(r) for r in rows]

    async def may_see(self, project_id: int, member_id: int) -> bool:
        """An active member who answers for the project (staff are checked by the caller)."""
        async with self._db.transaction() as tx:
            return await _may_answer(tx, project_id, member_id)

    async def answers(self, round_id: int, project_id: int) -> dict[str, Answer]:
        rows = await self._db.fetchall(
            "SELECT * FROM checkin_answers WHERE round_id = ? AND project_id = ?",
            (round_id, project_id),
        )
        return {
            r["question_key"]: Answer(
                r["question_key"], r["value"], r["answered_by"], from_db(r["answered_at"])
            )
            for r in rows
        }

    async def round_answers(self, round_id: int) -> dict[int, dict[str, Answer]]:
        """Every project's answers in the round: project id -> question key -> answer."""
        rows = await self._db.fetchall(
            "SELECT * FROM checkin_answers WHERE round_id = ?", (round_id,)
        )
        result: dict[int, dict[str, Answer]] = {}
        for r in rows:
            result.setdefault(r["project_id"], {})[r["question_key"]] = Answer(
                r["question_key"], r["value"], r["answered_by"], from_db(r["answered_at"])
            )
        return result

    async def previous_answers(
        self, round_id: int, project_id: int, keys: Sequence[str] = CONTEXT_KEYS
    ) -> tuple[Round, dict[str, str]] | None:
        """The project's submitted answers to ``keys`` in the latest earlier round it answered."""
        row = await self._db.fetchone(
            "SELECT r.* FROM checkin_rounds r JOIN checkin_projects cp ON cp.round_id = r.id"
            " WHERE cp.project_id = ? AND cp.submitted_at IS NOT NULL AND r.opens_at <"
            " (SELECT opens_at FROM checkin_rounds WHERE id = ?)"
            " ORDER BY r.opens_at DESC LIMIT 1",
            (project_id, round_id),
        )
        if row is None:
            return None
        earlier = round_from_row(row)
        marks = ", ".join("?" for _ in keys)
        answers = await self._db.fetchall(
            "SELECT question_key, value FROM checkin_answers WHERE round_id = ? AND project_id = ?"
            f" AND question_key IN ({marks}) AND value IS NOT NULL",
            (earlier.id, project_id, *keys),
        )
        found = {a["question_key"]: a["value"] for a in answers}
        return (earlier, found) if found else None

    # The shared draft -----------------------------------------------------------------

    async def _check(
        self, tx: Transaction, round_id: int, project_id: int, member_id: int, now: datetime
    ) -> sqlite3.Row:
        """The project's row in an open round, for a member who may answer; else refused
        (and audited: a button for another project or a closed round was tapped)."""
        row = await tx.fetchone(
            "SELECT cp.* FROM checkin_projects cp JOIN checkin_rounds r ON r.id = cp.round_id"
            " WHERE cp.round_id = ? AND cp.project_id = ?",
            (round_id, project_id),
        )
        reason = None
        if row is None or not await _may_answer(tx, project_id, member_id):
            reason = Refusal.NOT_MEMBER
        else:
            round_row = await tx.fetchone("SELECT * FROM checkin_rounds WHERE id = ?", (round_id,))
            assert round_row is not None
            if not round_from_row(round_row).is_open(now):
                reason = Refusal.CLOSED
        if reason is not None:
            raise CheckinRefused(reason)
        assert row is not None
        return row

    async def refuse(
        self, round_id: int, project_id: int, member_id: int, reason: Refusal, now: datetime
    ) -> None:
        """Audit a refused change (a forged button, an answer after the round closed)."""
        async with self._db.transaction() as tx:
            await AuditRepository.record(
                tx,
                now,
                "checkin.refused",
                actor_id=member_id,
                object_type="checkin_round",
                object_id=round_id,
                detail=f"project={project_id} reason={reason.value}",
            )

    async def take(
        self, round_id: int, project_id: int, member_id: int, now: datetime
    ) -> RoundProject:
        """Start or continue the project's answer: the member holds the draft afterwards.
        Refused LOCKED (with the holder's name) while another member holds it."""
        async with self._db.transaction() as tx:
            row = await self._check(tx, round_id, project_id, member_id, now)
            holder = row["answering_id"]
            if (
                holder is not None
                and holder != member_id
                and await _holder_valid(tx, round_id, project_id, holder)
            ):
                name = await tx.fetchone("SELECT display_name FROM members WHERE id = ?", (holder,))
                raise CheckinRefused(Refusal.LOCKED, None if name is None else name[0])
            if holder != member_id:
                await tx.execute(
                    "UPDATE checkin_projects SET answering_id = ?, started_at = ?,"
                    " position = NULL WHERE round_id = ? AND project_id = ?",
                    (member_id, to_db(now), round_id, project_id),
                )
            # Taking it back after saying "out of office": they are answering after all.
            await tx.execute(
                "UPDATE checkin_prompts SET away_at = NULL WHERE round_id = ? AND project_id = ?"
                " AND member_id = ?",
                (round_id, project_id, member_id),
            )
        taken = await self.project(round_id, project_id)
        assert taken is not None
        return taken

    async def _holding(
        self, tx: Transaction, round_id: int, project_id: int, member_id: int, now: datetime
    ) -> sqlite3.Row:
        row = await self._check(tx, round_id, project_id, member_id, now)
        if row["answering_id"] != member_id:
            raise CheckinRefused(Refusal.NOT_LOCKED)
        return row

    async def save_answer(
        self,
        round_id: int,
        project_id: int,
        member_id: int,
        key: str,
        value: str | None,
        next_position: int | None,
        now: datetime,
    ) -> None:
        """Store one answer (None: skipped) and where the member goes next (None: review)."""
        async with self._db.transaction() as tx:
            row = await self._holding(tx, round_id, project_id, member_id, now)
            await tx.execute(
                "INSERT INTO checkin_answers (round_id, project_id, question_key, value,"
                " answered_by, answered_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (round_id, project_id, question_key) DO UPDATE SET"
                " value = excluded.value, answered_by = excluded.answered_by,"
                " answered_at = excluded.answered_at",
                (round_id, project_id, key, value, member_id, to_db(now)),
            )
            await tx.execute(
                "UPDATE checkin_projects SET position = ?, updated_at = ?"
                " WHERE round_id = ? AND project_id = ?",
                (next_position, to_db(now), round_id, project_id),
            )
            if row["submitted_at"] is not None:
                await AuditRepository.record(
                    tx,
                    now,
                    "checkin.edit",
                    actor_id=member_id,
                    object_type="checkin_round",
                    object_id=round_id,
                    detail=f"project={project_id} question={key}",
                )

    async def move(
        self, round_id: int, project_id: int, member_id: int, position: int | None, now: datetime
    ) -> None:
        """Go to another question (or to the review) without answering."""
        async with self._db.transaction() as tx:
            await self._holding(tx, round_id, project_id, member_id, now)
            await tx.execute(
                "UPDATE checkin_projects SET position = ? WHERE round_id = ? AND project_id = ?",
                (position, round_id, project_id),
            )

    async def submit(
        self,
        round_id: int,
        project_id: int,
        member_id: int,
        required: Sequence[str],
        now: datetime,
    ) -> bool:
        """Submit the draft (every key in ``required`` answered); True the first time, False
        when it was a change to a submitted answer. The lock is released either way."""
        async with self._db.transaction() as tx:
            row = await self._holding(tx, round_id, project_id, member_id, now)
            if required:
                marks = ", ".join("?" for _ in required)
                given = await tx.fetchone(
                    "SELECT count(*) FROM checkin_answers WHERE round_id = ? AND project_id = ?"
                    f" AND value IS NOT NULL AND question_key IN ({marks})",
                    (round_id, project_id, *required),
                )
                assert given is not None
                if given[0] < len(set(required)):
                    raise CheckinRefused(Refusal.INCOMPLETE)
            first = row["submitted_at"] is None
            await tx.execute(
                "UPDATE checkin_projects SET answering_id = NULL, position = NULL,"
                " submitted_at = coalesce(submitted_at, ?), submitted_by = ?, updated_at = ?"
                " WHERE round_id = ? AND project_id = ?",
                (to_db(now), member_id, to_db(now), round_id, project_id),
            )
            await AuditRepository.record(
                tx,
                now,
                "checkin.submit" if first else "checkin.resubmit",
                actor_id=member_id,
                object_type="checkin_round",
                object_id=round_id,
                detail=f"project={project_id}",
            )
        return first

    async def release(self, round_id: int, project_id: int, member_id: int) -> bool:
        """Stop answering for now (the answers so far stay); False if they did not hold it."""
        async with self._db.transaction() as tx:
            return (
                await tx.execute(
                    "UPDATE checkin_projects SET answering_id = NULL, position = NULL"
                    " WHERE round_id = ? AND project_id = ? AND answering_id = ?",
                    (round_id, project_id, member_id),
                )
                == 1
            )

    async def away(
        self, round_id: int, project_id: int, member_id: int, now: datetime
    ) -> tuple[list[Addressee], list[Addressee]]:
        """ "Out of office this round": no reminders for the member, the draft released if they
        held it. Returns the project's other members to hand the prompt to (active, not away)
        and, when there are none, the staff to tell. ``away_and_tell`` also queues the
        messages."""
        async with self._db.transaction() as tx:
            return await self._away(tx, round_id, project_id, member_id, now)

    async def _away(
        self, tx: Transaction, round_id: int, project_id: int, member_id: int, now: datetime
    ) -> tuple[list[Addressee], list[Addressee]]:
        """The body of ``away``, shared with ``away_and_tell``."""
        await self._check(tx, round_id, project_id, member_id, now)
        await tx.execute(
            "INSERT INTO checkin_prompts (round_id, project_id, member_id, prompted_at,"
            " away_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (round_id, project_id, member_id)"
            " DO UPDATE SET away_at = excluded.away_at",
            (round_id, project_id, member_id, to_db(now), to_db(now)),
        )
        await tx.execute(
            "UPDATE checkin_projects SET answering_id = NULL, position = NULL"
            " WHERE round_id = ? AND project_id = ? AND answering_id = ?",
            (round_id, project_id, member_id),
        )
        others = await tx.fetchall(
            ANSWERING + " AND m.id != ? AND m.id NOT IN (SELECT member_id FROM"
            " checkin_prompts WHERE round_id = ? AND project_id = ? AND away_at IS NOT NULL)"
            " ORDER BY m.id",
            (project_id, member_id, round_id, project_id),
        )
        staff = [] if others else await active_staff(tx)
        await AuditRepository.record(
            tx,
            now,
            "checkin.away",
            actor_id=member_id,
            object_type="checkin_round",
            object_id=round_id,
            detail=f"project={project_id} handed_to={len(others)}",
        )
        return [addressee_from_row(r) for r in others], staff

    async def away_and_tell(
        self,
        round_id: int,
        project_id: int,
        member_id: int,
        now: datetime,
        *,
        hand_over: Callable[[Addressee], dict[str, Any]],
        nobody_left: Callable[[Addressee], dict[str, Any]],
    ) -> tuple[list[Addressee], list[Addressee]]:
        """``away`` and, in the same transaction, the messages it calls for queued in the
        outbox: ``hand_over(member)`` to each other member, else ``nobody_left(staff)`` to
        each active staff member (sendMessage payloads, one per addressee and round)."""
        async with self._db.transaction() as tx:
            others, staff = await self._away(tx, round_id, project_id, member_id, now)
            for other in others:
                await OutboxRepository.enqueue(
                    tx,
                    now,
                    other.telegram_user_id,
                    "sendMessage",
                    hand_over(other),
                    dedup_key=f"checkin-handover:{round_id}:{project_id}:{member_id}"
                    f":{other.member_id}",
                )
            for person in staff:
                await OutboxRepository.enqueue(
                    tx,
                    now,
                    person.telegram_user_id,
                    "sendMessage",
                    nobody_left(person),
                    dedup_key=f"checkin-nobody:{round_id}:{project_id}:{person.member_id}",
                )
        return others, staff

    async def is_away(self, round_id: int, project_id: int, member_id: int) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM checkin_prompts WHERE round_id = ? AND project_id = ?"
            " AND member_id = ? AND away_at IS NOT NULL",
            (round_id, project_id, member_id),
        )
        return row is not None

    # Retention ------------------------------------------------------------------------

    @staticmethod
    async def prune(tx: Transaction, closed_before: datetime) -> int:
        """Delete rounds closed before the cut-off, with everything in them."""
        return await tx.execute(
            "DELETE FROM checkin_rounds WHERE closed_at IS NOT NULL AND closes_at < ?",
            (to_db(closed_before),),
        )
