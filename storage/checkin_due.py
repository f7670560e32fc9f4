"""What the check-in jobs find due, each query recording what it returns as done in the
job's transaction (handlers/checkin_jobs.py): prompts, reminders, closing, the summary notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.audit import AuditRepository
from storage.checkins import ANSWERING, Round, round_from_row
from storage.db import Database, Transaction
from storage.members import Addressee, addressee_from_row
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class Due:
    """A message the job sends: to whom, about which round and project."""

    addressee: Addressee
    round_id: int
    project_id: int
    project_name: str
    level: int = 0  # reminders: 1 (day 7), 2 (day 13), 3 (the final notice on the due day)


async def prompts_due(tx: Transaction, now: datetime) -> list[Due]:
    """Members to prompt now, recorded as prompted: every active member of every taking
    part project that has not submitted, in every open round, once per round (a member
    added to a project while the round is open is prompted then)."""
    rows = await tx.fetchall(
        "SELECT m.id, m.telegram_user_id, m.language, m.app_language, cp.round_id,"
        " cp.project_id, p.name AS project_name"
        " FROM checkin_projects cp JOIN checkin_rounds r ON r.id = cp.round_id"
        " JOIN projects p ON p.id = cp.project_id"
        " JOIN project_members pm ON pm.project_id = cp.project_id"
        " JOIN members m ON m.id = pm.member_id"
        " WHERE r.closed_at IS NULL AND r.closes_at > ? AND r.opens_at <= ?"
        " AND cp.submitted_at IS NULL AND m.status = 'active'"
        " AND m.role IN ('community', 'police') AND m.unreachable_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM checkin_prompts x WHERE x.round_id = cp.round_id"
        "  AND x.project_id = cp.project_id AND x.member_id = m.id)"
        " ORDER BY cp.round_id, p.name, m.id",
        (to_db(now), to_db(now)),
    )
    await tx.executemany(
        "INSERT INTO checkin_prompts (round_id, project_id, member_id, prompted_at)"
        " VALUES (?, ?, ?, ?)",
        [(r["round_id"], r["project_id"], r["id"], to_db(now)) for r in rows],
    )
    return [
        Due(addressee_from_row(r), r["round_id"], r["project_id"], r["project_name"]) for r in rows
    ]


async def reminders_due(tx: Transaction, now: datetime) -> list[Due]:
    """Reminders to send now, recorded as sent: for each project that has not submitted,
    the latest reminder whose time has come (day 7, day 13, the due day's final notice)
    and not sent yet, to its prompted members who are not away. After downtime only the
    latest is sent; nothing once the due day has passed."""
    projects = await tx.fetchall(
        "SELECT cp.round_id, cp.project_id, cp.reminders, p.name AS project_name,"
        " CASE WHEN r.final_at <= ? THEN 3 WHEN r.last_remind_at <= ? THEN 2"
        "  WHEN r.remind_at <= ? THEN 1 ELSE 0 END AS level"
        " FROM checkin_projects cp JOIN checkin_rounds r ON r.id = cp.round_id"
        " JOIN projects p ON p.id = cp.project_id"
        " WHERE r.closed_at IS NULL AND r.due_at > ? AND cp.submitted_at IS NULL",
        (to_db(now), to_db(now), to_db(now), to_db(now)),
    )
    due: list[Due] = []
    for project in projects:
        level = project["level"]
        if level <= project["reminders"]:
            continue
        await tx.execute(
            "UPDATE checkin_projects SET reminders = ? WHERE round_id = ? AND project_id = ?",
            (level, project["round_id"], project["project_id"]),
        )
        members = await tx.fetchall(
            ANSWERING + " AND m.unreachable_at IS NULL AND m.id IN (SELECT member_id FROM"
            " checkin_prompts WHERE round_id = ? AND project_id = ? AND away_at IS NULL)"
            " ORDER BY m.id",
            (project["project_id"], project["round_id"], project["project_id"]),
        )
        due.extend(
            Due(
                addressee_from_row(m),
                project["round_id"],
                project["project_id"],
                project["project_name"],
                level,
            )
            for m in members
        )
    return due


async def close_due(tx: Transaction, now: datetime) -> list[Round]:
    """Close the rounds whose closing time has come: drafts released, audited."""
    rows = await tx.fetchall(
        "UPDATE checkin_rounds SET closed_at = ? WHERE closed_at IS NULL AND closes_at <= ?"
        " RETURNING *",
        (to_db(now), to_db(now)),
    )
    closed = [round_from_row(r) for r in rows]
    for round_ in closed:
        await tx.execute(
            "UPDATE checkin_projects SET answering_id = NULL, position = NULL WHERE round_id = ?",
            (round_.id,),
        )
        counts = await tx.fetchone(
            "SELECT count(*) AS projects, count(submitted_at) AS answered"
            " FROM checkin_projects WHERE round_id = ?",
            (round_.id,),
        )
        assert counts is not None
        await AuditRepository.record(
            tx,
            now,
            "checkin.close",
            object_type="checkin_round",
            object_id=round_.id,
            detail=f"projects={counts['projects']} answered={counts['answered']}",
        )
    return closed


async def summaries_due(tx: Transaction, now: datetime, lead: timedelta) -> list[Round]:
    """Rounds whose summary goes to staff now, recorded as sent: ``lead`` before the
    linked meeting (at once when linked later than that), else when the round closes."""
    rows = await tx.fetchall(
        "UPDATE checkin_rounds SET summary_sent_at = ? WHERE summary_sent_at IS NULL AND ("
        " meeting_event_id IN (SELECT id FROM events WHERE state = 'published'"
        "  AND starts_at <= ?)"
        " OR (closed_at IS NOT NULL AND meeting_event_id IS NULL)"
        # A cancelled meeting: the summary comes at the close, like without one.
        " OR (closed_at IS NOT NULL AND meeting_event_id IN"
        "  (SELECT id FROM events WHERE state = 'cancelled'))"
        ") RETURNING *",
        (to_db(now), to_db(now + lead)),
    )
    return [round_from_row(r) for r in rows]


async def round_in(tx: Transaction, round_id: int) -> Round | None:
    """A round, read inside the caller's transaction (the jobs)."""
    row = await tx.fetchone("SELECT * FROM checkin_rounds WHERE id = ?", (round_id,))
    return None if row is None else round_from_row(row)


async def tally(tx: Transaction, round_id: int) -> tuple[int, int]:
    """How many of the round's projects submitted, and how many take part."""
    row = await tx.fetchone(
        "SELECT count(submitted_at) AS answered, count(*) AS total"
        " FROM checkin_projects WHERE round_id = ?",
        (round_id,),
    )
    assert row is not None
    return row["answered"], row["total"]


async def report_copies_due(db: Database) -> list[tuple[int, datetime]]:
    """Rounds whose summary went to staff and whose network report copy has not: their id
    and when the summary went."""
    rows = await db.fetchall(
        "SELECT id, summary_sent_at FROM checkin_rounds"
        " WHERE summary_sent_at IS NOT NULL AND report_sent_at IS NULL ORDER BY id"
    )
    return [(int(r["id"]), from_db(r["summary_sent_at"])) for r in rows]


async def mark_report_sent(tx: Transaction, round_id: int, now: datetime) -> bool:
    """Recorded in the transaction that queues the copies; False when it was already."""
    return bool(
        await tx.execute(
            "UPDATE checkin_rounds SET report_sent_at = ? WHERE id = ? AND report_sent_at IS NULL",
            (to_db(now), round_id),
        )
    )
