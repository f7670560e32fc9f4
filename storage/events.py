"""Events: the colloquium, dialogue platforms and workshops, with their texts and questions.

This module reads events; drafting and publishing them (staff) live beside the reading, and
registrations in storage/registrations.py.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.audit import AuditRepository
from storage.db import Database, Transaction
from storage.timefmt import from_db_optional, to_db

EVENT_KINDS = ("colloquium", "dialogue_platform", "workshop", "other")
QUESTION_KINDS = ("text", "choice", "yes_no")
SEATS = ("police", "community", "general")


@dataclass(frozen=True)
class EventText:
    title: str
    description: str | None


@dataclass(frozen=True)
class Question:
    id: int
    position: int
    kind: str
    prompt: dict[str, str]  # by language; the default language always present
    options: tuple[dict[str, str], ...]  # single choice only
    required: bool
    sensitive: bool


@dataclass(frozen=True)
class Event:
    id: int
    kind: str
    state: str
    starts_at: datetime | None
    ends_at: datetime | None
    venue: str | None
    online_url: str | None
    region: str | None
    for_community: bool
    for_police: bool
    for_staff: bool
    capacity: int | None
    police_seats: int | None
    community_seats: int | None
    registration_deadline: datetime | None
    created_by: int | None
    texts: dict[str, EventText]  # by language
    # Grows with each change of time or place after publishing (the calendar file's SEQUENCE).
    revision: int = 0

    def text(self, language: str, default_language: str) -> EventText | None:
        """The member's language, else the default, else any (a draft may have only one)."""
        return (
            self.texts.get(language)
            or self.texts.get(default_language)
            or next(iter(self.texts.values()), None)
        )

    def admits(self, role: str | None) -> bool:
        return (
            (role == "community" and self.for_community)
            or (role == "police" and self.for_police)
            or (role == "staff" and self.for_staff)
        )

    def seat_for(self, role: str | None) -> str:
        """Which quota a member of this role counts against."""
        if role == "police" and self.police_seats is not None:
            return "police"
        if role == "community" and self.community_seats is not None:
            return "community"
        return "general"


def event_from_row(row: sqlite3.Row, texts: dict[str, EventText]) -> Event:
    """An events row with its texts by language (registrations read events in their own
    transactions)."""
    return Event(
        id=row["id"],
        kind=row["kind"],
        state=row["state"],
        starts_at=from_db_optional(row["starts_at"]),
        ends_at=from_db_optional(row["ends_at"]),
        venue=row["venue"],
        online_url=row["online_url"],
        region=row["region"],
        for_community=bool(row["for_community"]),
        for_police=bool(row["for_police"]),
        for_staff=bool(row["for_staff"]),
        capacity=row["capacity"],
        police_seats=row["police_seats"],
        community_seats=row["community_seats"],
        registration_deadline=from_db_optional(row["registration_deadline"]),
        created_by=row["created_by"],
        texts=texts,
        revision=row["revision"],
    )


def _question(row: sqlite3.Row) -> Question:
    return Question(
        id=row["id"],
        position=row["position"],
        kind=row["kind"],
        prompt=json.loads(row["prompt"]),
        options=tuple(json.loads(row["options"])) if row["options"] else (),
        required=bool(row["required"]),
        sensitive=bool(row["sensitive"]),
    )


class EventRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def _texts(self, event_ids: list[int]) -> dict[int, dict[str, EventText]]:
        if not event_ids:
            return {}
        marks = ",".join("?" * len(event_ids))
        rows = await self._db.fetchall(
            f"SELECT * FROM event_texts WHERE event_id IN ({marks})", tuple(event_ids)
        )
        found: dict[int, dict[str, EventText]] = {i: {} for i in event_ids}
        for r in rows:
            found[r["event_id"]][r["language"]] = EventText(r["title"], r["description"])
        return found

    async def get(self, event_id: int) -> Event | None:
        row = await self._db.fetchone("SELECT * FROM events WHERE id = ?", (event_id,))
        if row is None:
            return None
        return event_from_row(row, (await self._texts([event_id]))[event_id])

    async def questions(self, event_id: int) -> list[Question]:
        rows = await self._db.fetchall(
            "SELECT * FROM event_questions WHERE event_id = ? ORDER BY position", (event_id,)
        )
        return [_question(r) for r in rows]

    async def upcoming(
        self, role: str | None, now: datetime, *, limit: int, offset: int = 0
    ) -> tuple[list[Event], int]:
        """Published events not yet ended that a member of ``role`` may attend, soonest first,
        one page of them and how many there are in all."""
        audience = {"community": "for_community", "police": "for_police", "staff": "for_staff"}
        column = audience.get(role or "")
        if column is None:
            return [], 0
        where = f"state = 'published' AND ends_at > ? AND {column} = 1"
        return await self._page(where, "starts_at, id", now, limit, offset)

    async def all_for_staff(
        self, now: datetime, *, limit: int, offset: int = 0
    ) -> tuple[list[Event], int]:
        """Drafts and events not yet ended (cancelled ones included), soonest first."""
        where = "(state = 'draft' OR ends_at > ?)"
        return await self._page(where, "state = 'draft' DESC, starts_at, id", now, limit, offset)

    async def past_for_staff(
        self, now: datetime, *, limit: int, offset: int = 0
    ) -> tuple[list[Event], int]:
        """Events that have ended (cancelled ones included), latest first: staff still take
        attendance, export and read feedback after the day."""
        where = "state <> 'draft' AND ends_at <= ?"
        return await self._page(where, "starts_at DESC, id DESC", now, limit, offset)

    async def _page(
        self, where: str, order: str, now: datetime, limit: int, offset: int
    ) -> tuple[list[Event], int]:
        """One page of the events matching ``where`` (one ``?``: now), and how many match."""
        stamp = to_db(now)
        total = await self._db.fetchone(f"SELECT count(*) FROM events WHERE {where}", (stamp,))
        rows = await self._db.fetchall(
            f"SELECT * FROM events WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            (stamp, limit, offset),
        )
        texts = await self._texts([r["id"] for r in rows])
        return [event_from_row(r, texts[r["id"]]) for r in rows], int(total[0]) if total else 0

    # ------------------------------------------------------------ drafting and publishing (staff)

    async def draft(self, event_id: int) -> EventDraft | None:
        """A draft and the step it has reached; None once published, discarded or unknown."""
        event = await self.get(event_id)
        if event is None or event.state != "draft":
            return None
        row = await self._db.fetchone("SELECT * FROM event_drafts WHERE event_id = ?", (event_id,))
        if row is None:  # drafted without the conversation: it has a kind, so ask the title
            return EventDraft(event, DRAFT_FIRST_STEP, None, None, None, None)
        return EventDraft(
            event=event,
            step=row["step"],
            place=row["place"],
            question_kind=row["question_kind"],
            question_id=row["question_id"],
            language=row["language"],
        )

    async def open_draft(self, created_by: int) -> EventDraft | None:
        """The one draft this staff member has open, if any."""
        row = await self._db.fetchone(
            "SELECT id FROM events WHERE created_by = ? AND state = 'draft'", (created_by,)
        )
        return None if row is None else await self.draft(row["id"])

    async def start_draft(
        self, created_by: int, kind: str, now: datetime, *, step: str
    ) -> EventDraft | None:
        """A new draft of this kind; None when the staff member has one open already."""
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            if await tx.fetchone(
                "SELECT 1 FROM events WHERE created_by = ? AND state = 'draft'", (created_by,)
            ):
                return None
            event_id = await tx.insert(
                "INSERT INTO events (kind, state, created_by, created_at, updated_at)"
                " VALUES (?, 'draft', ?, ?, ?)",
                (kind, created_by, stamp, stamp),
            )
            await tx.execute(
                "INSERT INTO event_drafts (event_id, step) VALUES (?, ?)", (event_id, step)
            )
        assert event_id is not None
        return await self.draft(event_id)

    @staticmethod
    async def _advance(
        tx: Transaction, event_id: int, now: datetime, step: str, progress: DraftProgress
    ) -> bool:
        """Move a draft to ``step``; False when it is no draft any more."""
        if not await tx.execute(
            "UPDATE events SET updated_at = ? WHERE id = ? AND state = 'draft'",
            (to_db(now), event_id),
        ):
            return False
        await tx.execute(
            "INSERT INTO event_drafts (event_id, step, place, question_kind, question_id, language)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET step = excluded.step,"
            " place = excluded.place, question_kind = excluded.question_kind,"
            " question_id = excluded.question_id, language = excluded.language",
            (
                event_id,
                step,
                progress.place,
                progress.question_kind,
                progress.question_id,
                progress.language,
            ),
        )
        return True

    async def save_draft(
        self,
        event_id: int,
        now: datetime,
        *,
        step: str,
        fields: Mapping[str, str | int | datetime | None] | None = None,
        progress: DraftProgress | None = None,
    ) -> bool:
        """Store answers (columns of ``events``) and the step they lead to, together."""
        fields = fields or {}
        unknown = set(fields) - DRAFT_FIELDS
        if unknown:
            raise ValueError(f"not a draft field: {sorted(unknown)}")
        async with self._db.transaction() as tx:
            if not await self._advance(tx, event_id, now, step, progress or DraftProgress()):
                return False
            if fields:
                columns = ", ".join(f"{name} = ?" for name in fields)
                values = [to_db(v) if isinstance(v, datetime) else v for v in fields.values()]
                await tx.execute(f"UPDATE events SET {columns} WHERE id = ?", (*values, event_id))
        return True

    async def toggle_draft_audience(self, event_id: int, role: str, now: datetime) -> bool:
        column = AUDIENCE_COLUMNS[role]
        async with self._db.transaction() as tx:
            return bool(
                await tx.execute(
                    f"UPDATE events SET {column} = 1 - {column}, updated_at = ?"
                    " WHERE id = ? AND state = 'draft'",
                    (to_db(now), event_id),
                )
            )

    async def set_draft_title(
        self,
        event_id: int,
        language: str,
        title: str,
        now: datetime,
        *,
        step: str,
        progress: DraftProgress | None = None,
    ) -> bool:
        async with self._db.transaction() as tx:
            if not await self._advance(tx, event_id, now, step, progress or DraftProgress()):
                return False
            await tx.execute(
                "INSERT INTO event_texts (event_id, language, title) VALUES (?, ?, ?)"
                " ON CONFLICT (event_id, language) DO UPDATE SET title = excluded.title",
                (event_id, language, title),
            )
        return True

    async def set_draft_description(
        self,
        event_id: int,
        language: str,
        description: str | None,
        now: datetime,
        *,
        step: str,
        progress: DraftProgress | None = None,
    ) -> bool:
        """The description of a language whose title is stored (None: without one)."""
        async with self._db.transaction() as tx:
            if not await self._advance(tx, event_id, now, step, progress or DraftProgress()):
                return False
            await tx.execute(
                "UPDATE event_texts SET description = ? WHERE event_id = ? AND language = ?",
                (description, event_id, language),
            )
        return True

    async def add_draft_question(
        self, event_id: int, kind: str, prompt: dict[str, str], now: datetime, *, step: str
    ) -> int | None:
        """A question at the end of the list, and the step that goes on writing it."""
        async with self._db.transaction() as tx:
            if not await self._advance(tx, event_id, now, step, DraftProgress()):
                return None
            row = await tx.fetchone(
                "SELECT coalesce(max(position), 0) + 1 FROM event_questions WHERE event_id = ?",
                (event_id,),
            )
            assert row is not None
            question_id = await tx.insert(
                "INSERT INTO event_questions (event_id, position, kind, prompt)"
                " VALUES (?, ?, ?, ?)",
                (event_id, row[0], kind, json.dumps(prompt, ensure_ascii=False)),
            )
            assert question_id is not None
            await tx.execute(
                "UPDATE event_drafts SET question_id = ? WHERE event_id = ?",
                (question_id, event_id),
            )
        return question_id

    async def set_draft_question(
        self,
        event_id: int,
        question_id: int,
        now: datetime,
        *,
        step: str,
        progress: DraftProgress | None = None,
        options: list[dict[str, str]] | None = None,
        sensitive: bool | None = None,
        required: bool | None = None,
    ) -> bool:
        """Options, sensitivity or whether an answer is required, of a draft's question."""
        async with self._db.transaction() as tx:
            if not await self._advance(tx, event_id, now, step, progress or DraftProgress()):
                return False
            await tx.execute(
                "UPDATE event_questions SET options = coalesce(?, options),"
                " sensitive = coalesce(?, sensitive), required = coalesce(?, required)"
                " WHERE id = ? AND event_id = ?",
                (
                    None if options is None else json.dumps(options, ensure_ascii=False),
                    None if sensitive is None else int(sensitive),
                    None if required is None else int(required),
                    question_id,
                    event_id,
                ),
            )
        return True

    async def translate_draft_question(
        self,
        event_id: int,
        question_id: int,
        language: str,
        now: datetime,
        *,
        step: str,
        progress: DraftProgress,
        prompt: str | None = None,
        options: Sequence[str] | None = None,
    ) -> bool:
        """A draft question's text, or its options (as many as it has, in their order), in
        ``language`` beside the other languages, and the step that follows; None of both only
        moves on (“Skip”)."""
        async with self._db.transaction() as tx:
            if not await self._advance(tx, event_id, now, step, progress):
                return False
            row = await tx.fetchone(
                "SELECT prompt, options FROM event_questions WHERE id = ? AND event_id = ?",
                (question_id, event_id),
            )
            if row is None or (prompt is None and options is None):
                return True
            texts: dict[str, str] = json.loads(row["prompt"])
            choices: list[dict[str, str]] = json.loads(row["options"]) if row["options"] else []
            if prompt is not None:
                texts[language] = prompt
            if options is not None:
                if len(options) != len(choices):
                    raise ValueError("a translation needs exactly as many options")
                for choice, text in zip(choices, options, strict=True):
                    choice[language] = text
            await tx.execute(
                "UPDATE event_questions SET prompt = ?, options = ? WHERE id = ?",
                (
                    json.dumps(texts, ensure_ascii=False),
                    json.dumps(choices, ensure_ascii=False) if choices else None,
                    question_id,
                ),
            )
        return True

    async def publish(
        self, event_id: int, actor_id: int, now: datetime, default_language: str
    ) -> Event:
        """Publish a complete draft whose start and registration deadline are still ahead,
        audited as ``event.publish``; raises PublishRefused saying why not."""
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT * FROM events WHERE id = ? AND state = 'draft'", (event_id,)
            )
            if row is None:
                raise PublishRefused("gone")
            has_title = await tx.fetchone(
                "SELECT 1 FROM event_texts WHERE event_id = ? AND language = ?",
                (event_id, default_language),
            )
            unfinished = await tx.fetchone(
                "SELECT 1 FROM event_questions WHERE event_id = ?"
                " AND kind = 'choice' AND options IS NULL",
                (event_id,),
            )
            complete = all(
                row[column] is not None
                for column in (
                    "starts_at",
                    "ends_at",
                    "region",
                    "capacity",
                    "registration_deadline",
                )
            ) and (row["venue"] is not None or row["online_url"] is not None)
            audience = any(row[column] for column in AUDIENCE_COLUMNS.values())
            if not (complete and audience and has_title) or unfinished:
                raise PublishRefused("incomplete")
            if row["starts_at"] <= stamp:
                raise PublishRefused("started")
            if row["registration_deadline"] <= stamp:
                raise PublishRefused("deadline")
            await tx.execute(
                "UPDATE events SET state = 'published', published_at = ?, updated_at = ?"
                " WHERE id = ? AND state = 'draft'",
                (stamp, stamp, event_id),
            )
            await tx.execute("DELETE FROM event_drafts WHERE event_id = ?", (event_id,))
            await AuditRepository.record(
                tx, now, "event.publish", actor_id=actor_id, object_type="event", object_id=event_id
            )
        published = await self.get(event_id)
        assert published is not None
        return published

    async def discard(self, event_id: int, actor_id: int, now: datetime) -> bool:
        """Delete a draft with its texts and questions (audited ``event.discard``)."""
        async with self._db.transaction() as tx:
            if not await tx.execute(
                "DELETE FROM events WHERE id = ? AND state = 'draft'", (event_id,)
            ):
                return False
            await AuditRepository.record(
                tx, now, "event.discard", actor_id=actor_id, object_type="event", object_id=event_id
            )
        return True

    async def registration_counts(self, event_ids: list[int]) -> dict[int, RegistrationCounts]:
        """Confirmed and waiting registrations per event (an offered seat is still waiting)."""
        found = {i: RegistrationCounts(0, 0) for i in event_ids}
        if not event_ids:
            return found
        marks = ",".join("?" * len(event_ids))
        rows = await self._db.fetchall(
            "SELECT event_id, sum(state = 'confirmed') AS confirmed,"
            " sum(state IN ('waitlisted', 'offered')) AS waiting"
            f" FROM registrations WHERE event_id IN ({marks}) GROUP BY event_id",
            tuple(event_ids),
        )
        for r in rows:
            found[r["event_id"]] = RegistrationCounts(int(r["confirmed"]), int(r["waiting"]))
        return found


def started(event: Event, now: datetime) -> bool:
    return event.starts_at is not None and event.starts_at <= now


# ---------------------------------------------------------------- drafting (staff)

# The columns of ``events`` a draft's answers go to, one step at a time.
DRAFT_FIELDS = frozenset(
    {
        "kind",
        "starts_at",
        "ends_at",
        "venue",
        "online_url",
        "region",
        "capacity",
        "police_seats",
        "community_seats",
        "registration_deadline",
    }
)
AUDIENCE_COLUMNS = {"community": "for_community", "police": "for_police", "staff": "for_staff"}
DRAFT_FIRST_STEP = "title"


@dataclass(frozen=True)
class DraftProgress:
    """What a half-answered step holds: venue or link chosen but not typed, the kind of a
    question whose text is not typed yet, the question being written, the translation's
    language."""

    place: str | None = None
    question_kind: str | None = None
    question_id: int | None = None
    language: str | None = None


@dataclass(frozen=True)
class EventDraft:
    event: Event
    step: str  # the step the staff member answers next (handlers/events_admin.py names them)
    place: str | None
    question_kind: str | None
    question_id: int | None
    language: str | None


@dataclass(frozen=True)
class RegistrationCounts:
    confirmed: int
    waiting: int


class PublishRefused(Exception):
    """``reason``: gone (no draft any more), incomplete, started, deadline (passed)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
