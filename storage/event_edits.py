"""Staff change a published event: the unsaved change while they type it, and saving it.

A change is one field at a time (a title or description in one language, the removal of a
translation, the time, the place, the capacity or the registration deadline). What the staff
member typed, once checked, is kept in ``event_edits`` with the question asked next, so a
restart or /cancel loses nothing. Saving applies it in one transaction, guarded by that row
(a double tap finds it gone), re-checks what may have changed meanwhile (the clock, seats
taken), writes the audit row ``event.edit`` (field names only), and for a change of time or
place tells every confirmed, waiting and offered registrant through the outbox. A raised
capacity is offered to the waiting list at once, with the usual offer notices.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from storage.audit import AuditRepository
from storage.db import Database, Transaction
from storage.events import SEATS, Event, EventText, event_from_row
from storage.outbox import OutboxRepository
from storage.registrations import Addressee, Notices, offer_open_seats, seats_in
from storage.timefmt import from_db_optional, to_db

FIELDS = ("title", "description", "remove", "time", "place", "capacity", "deadline")
STEPS = ("title", "description", "starts", "ends", "venue", "link", "capacity", "deadline",
         "confirm")  # fmt: skip
CONFIRM = "confirm"
Values = dict[str, str | int | datetime | None]  # pending values by column
# Who is told of a change of time or place.
TOLD = ("confirmed", "waitlisted", "offered")
# The pending values a step may keep (columns of event_edits).
_VALUES = frozenset(
    {
        "title",
        "description",
        "description_set",
        "starts_at",
        "ends_at",
        "venue",
        "online_url",
        "capacity",
        "registration_deadline",
    }
)


@dataclass(frozen=True)
class EventEdit:
    """A staff member's unsaved change: which field, the question asked next, and the values
    typed so far (None: not typed; ``description_set`` tells a removed description from an
    untouched one)."""

    event_id: int
    field: str
    step: str
    language: str | None
    title: str | None
    description: str | None
    description_set: bool
    starts_at: datetime | None
    ends_at: datetime | None
    venue: str | None
    online_url: str | None
    capacity: int | None
    registration_deadline: datetime | None


def _edit(row: sqlite3.Row) -> EventEdit:
    return EventEdit(
        event_id=row["event_id"],
        field=row["field"],
        step=row["step"],
        language=row["language"],
        title=row["title"],
        description=row["description"],
        description_set=bool(row["description_set"]),
        starts_at=from_db_optional(row["starts_at"]),
        ends_at=from_db_optional(row["ends_at"]),
        venue=row["venue"],
        online_url=row["online_url"],
        capacity=row["capacity"],
        registration_deadline=from_db_optional(row["registration_deadline"]),
    )


@dataclass(frozen=True)
class SeatsHeld:
    """How far an event's capacity may go down: seats held (confirmed or offered) in all and
    of the general kind, the seats kept for the two sides, and how many wait."""

    held: int
    general: int
    quotas: int | None  # police_seats + community_seats; None without quotas
    waiting: int

    @property
    def minimum(self) -> int:
        """Each kind keeps its limit: the quotas stay, and the general seats (the rest)
        must still cover those held."""
        if self.quotas is None:
            return max(1, self.held)
        return max(1, self.held, self.quotas + self.general)


def quotas_of(event: Event) -> int | None:
    if event.police_seats is None or event.community_seats is None:
        return None
    return event.police_seats + event.community_seats


async def _seats_held(tx: Transaction | Database, event: Event) -> SeatsHeld:
    kinds = [await seats_in(tx, event, seat) for seat in SEATS]
    general = kinds[SEATS.index("general")]
    return SeatsHeld(
        held=general.taken_overall,
        general=general.taken,
        quotas=quotas_of(event),
        waiting=sum(k.waiting for k in kinds),
    )


@dataclass(frozen=True)
class Registrant:
    """A registration told of a change, as it stands after the change."""

    member_id: int
    state: str  # confirmed, waitlisted or offered
    offered_until: datetime | None


# Builds the outbox message (sendMessage parameters) telling one registrant of a change of
# time or place: (the event before, the event after, the addressee, their registration).
ChangeNotice = Callable[[Event, Event, Addressee, Registrant], dict[str, Any]]


class Outcome(Enum):
    SAVED = "saved"
    GONE = "gone"  # no such change waiting to be saved: saved or discarded already
    CLOSED = "closed"  # the event is cancelled, has begun or is unknown: the change is dropped
    ASK_AGAIN = "ask again"  # the value no longer fits (see ``problem``): its step is asked again


class Problem(Enum):
    START_PASSED = "start passed"
    CAPACITY = "capacity below the seats held"
    DEADLINE_PASSED = "deadline passed"
    DEADLINE_AFTER_START = "deadline after the start"
    NO_TRANSLATION = "translation gone"


@dataclass(frozen=True)
class Saved:
    outcome: Outcome
    event: Event | None = None  # as it is now (after the change, when saved)
    problem: Problem | None = None
    seats: SeatsHeld | None = None  # with Problem.CAPACITY
    told: int = 0  # registrants told of a change of time or place
    offered: int = 0  # seats offered to the waiting list
    deadline_moved: bool = False  # to the new start, which came before it


def time_changed(before: Event, after: Event) -> bool:
    return (before.starts_at, before.ends_at) != (after.starts_at, after.ends_at)


def place_changed(before: Event, after: Event) -> bool:
    return (before.venue, before.online_url) != (after.venue, after.online_url)


def deadline_after_change(event: Event, starts_at: datetime) -> datetime | None:
    """The registration deadline once the event starts at ``starts_at``: moved to the start
    when it would fall after it."""
    deadline = event.registration_deadline
    return starts_at if deadline is None or deadline > starts_at else deadline


def editable(event: Event | None, now: datetime) -> bool:
    """Published and not begun."""
    return (
        event is not None
        and event.state == "published"
        and event.starts_at is not None
        and event.starts_at > now
    )


async def _event_in(tx: Transaction, event_id: int) -> Event | None:
    row = await tx.fetchone("SELECT * FROM events WHERE id = ?", (event_id,))
    if row is None:
        return None
    texts = await tx.fetchall("SELECT * FROM event_texts WHERE event_id = ?", (event_id,))
    return event_from_row(
        row, {r["language"]: EventText(r["title"], r["description"]) for r in texts}
    )


class EventEditRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, member_id: int) -> EventEdit | None:
        row = await self._db.fetchone("SELECT * FROM event_edits WHERE member_id = ?", (member_id,))
        return None if row is None else _edit(row)

    async def begin(
        self,
        member_id: int,
        event_id: int,
        field: str,
        step: str,
        now: datetime,
        *,
        language: str | None = None,
    ) -> None:
        """Start changing one field (an earlier unsaved change of the member is dropped)."""
        if field not in FIELDS or step not in STEPS:
            raise ValueError(f"not a field or step: {field}, {step}")
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM event_edits WHERE member_id = ?", (member_id,))
            await tx.execute(
                "INSERT INTO event_edits (member_id, event_id, field, step, language, started_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (member_id, event_id, field, step, language, to_db(now)),
            )

    async def keep(
        self,
        member_id: int,
        event_id: int,
        *,
        step: str,
        values: Values | None = None,
    ) -> bool:
        """Keep checked values and the step they lead to; False when this change is no longer
        open (saved, discarded, or another one begun)."""
        values = values or {}
        unknown = set(values) - _VALUES
        if unknown or step not in STEPS:
            raise ValueError(f"not a value or step of an edit: {sorted(unknown)}, {step}")
        columns = "".join(f", {name} = ?" for name in values)
        stored = [to_db(v) if isinstance(v, datetime) else v for v in values.values()]
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                f"UPDATE event_edits SET step = ?{columns} WHERE member_id = ? AND event_id = ?",
                (step, *stored, member_id, event_id),
            )
        return changed > 0

    async def drop(self, member_id: int) -> bool:
        async with self._db.transaction() as tx:
            return await tx.execute("DELETE FROM event_edits WHERE member_id = ?", (member_id,)) > 0

    async def seats_held(self, event: Event) -> SeatsHeld:
        return await _seats_held(self._db, event)

    async def registrants(self, event_id: int) -> int:
        """How many would be told of a change of time or place."""
        row = await self._db.fetchone(
            "SELECT count(*) FROM registrations WHERE event_id = ?"
            f" AND state IN ({','.join('?' * len(TOLD))})",
            (event_id, *TOLD),
        )
        return int(row[0]) if row else 0

    async def save(
        self,
        member_id: int,
        event_id: int,
        now: datetime,
        default_language: str,
        *,
        notice: ChangeNotice,
        offers: Notices,
    ) -> Saved:
        """Apply the member's confirmed change to the event (see the module docstring)."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT * FROM event_edits WHERE member_id = ? AND event_id = ? AND step = ?",
                (member_id, event_id, CONFIRM),
            )
            if row is None:
                return Saved(Outcome.GONE)
            edit = _edit(row)
            before = await _event_in(tx, event_id)
            if before is None or not editable(before, now):
                await tx.execute("DELETE FROM event_edits WHERE member_id = ?", (member_id,))
                return Saved(Outcome.CLOSED, before)
            applied = await _apply(tx, member_id, edit, before, now, default_language)
            if isinstance(applied, Saved):
                return applied
            fields, moved = applied
            after = await _event_in(tx, event_id)
            assert after is not None
            told = 0
            if time_changed(before, after) or place_changed(before, after):
                told = await _tell(tx, now, before, after, notice)
            offered = 0
            if after.capacity is not None and after.capacity > (before.capacity or 0):
                offered = await offer_open_seats(tx, after, now, offers)
            detail = f"fields={','.join(fields)}"
            if edit.language is not None:
                detail += f" language={edit.language}"
            detail += f" told={told} offered={offered}"
            await AuditRepository.record(
                tx,
                now,
                "event.edit",
                actor_id=member_id,
                object_type="event",
                object_id=event_id,
                detail=detail,
            )
            await tx.execute("DELETE FROM event_edits WHERE member_id = ?", (member_id,))
        return Saved(Outcome.SAVED, after, told=told, offered=offered, deadline_moved=moved)


async def _ask_again(
    tx: Transaction,
    member_id: int,
    before: Event,
    step: str,
    problem: Problem,
    seats: SeatsHeld | None = None,
) -> Saved:
    """The value no longer fits: it is forgotten, and its question is asked again."""
    await tx.execute(
        "UPDATE event_edits SET step = ?, starts_at = NULL, ends_at = NULL, capacity = NULL,"
        " registration_deadline = NULL WHERE member_id = ?",
        (step, member_id),
    )
    return Saved(Outcome.ASK_AGAIN, before, problem=problem, seats=seats)


async def _apply(
    tx: Transaction,
    member_id: int,
    edit: EventEdit,
    before: Event,
    now: datetime,
    default_language: str,
) -> tuple[list[str], bool] | Saved:
    """Write the change; returns the columns changed and whether the deadline moved to the
    start, or why it cannot be saved."""
    columns: dict[str, str | int | None] = {}
    moved = False
    revision = 0
    match edit.field:
        case "time":
            assert edit.starts_at is not None and edit.ends_at is not None
            if edit.starts_at <= now:
                return await _ask_again(tx, member_id, before, "starts", Problem.START_PASSED)
            deadline = deadline_after_change(before, edit.starts_at)
            moved = deadline != before.registration_deadline
            columns = {"starts_at": to_db(edit.starts_at), "ends_at": to_db(edit.ends_at)}
            if moved:
                assert deadline is not None
                columns["registration_deadline"] = to_db(deadline)
            # An offer of a freed seat cannot outlast the start (as when it is made).
            await tx.execute(
                "UPDATE registrations SET offered_until = min(offered_until, ?)"
                " WHERE event_id = ? AND state = 'offered'",
                (to_db(edit.starts_at), before.id),
            )
            revision = 1
        case "place":
            columns = {"venue": edit.venue, "online_url": edit.online_url}
            revision = 1
        case "capacity":
            assert edit.capacity is not None
            seats = await _seats_held(tx, before)
            if edit.capacity < seats.minimum:
                return await _ask_again(tx, member_id, before, "capacity", Problem.CAPACITY, seats)
            columns = {"capacity": edit.capacity}
        case "deadline":
            assert edit.registration_deadline is not None and before.starts_at is not None
            if edit.registration_deadline <= now:
                return await _ask_again(tx, member_id, before, "deadline", Problem.DEADLINE_PASSED)
            if edit.registration_deadline > before.starts_at:
                return await _ask_again(
                    tx, member_id, before, "deadline", Problem.DEADLINE_AFTER_START
                )
            columns = {"registration_deadline": to_db(edit.registration_deadline)}
        case "title" | "description" | "remove":
            assert edit.language is not None
            if not await _write_text(tx, edit, before, default_language):
                await tx.execute("DELETE FROM event_edits WHERE member_id = ?", (member_id,))
                return Saved(Outcome.ASK_AGAIN, before, problem=Problem.NO_TRANSLATION)
            return [edit.field], False
    assignments = "".join(f", {name} = ?" for name in columns)
    await tx.execute(
        f"UPDATE events SET updated_at = ?, revision = revision + ?{assignments}"
        " WHERE id = ? AND state = 'published'",
        (to_db(now), revision, *columns.values(), before.id),
    )
    return list(columns), moved


async def _write_text(
    tx: Transaction, edit: EventEdit, before: Event, default_language: str
) -> bool:
    """A title (with a description for a new language), a description, or a translation
    removed; False when the language's text it changes is gone meanwhile."""
    language = edit.language
    assert language is not None
    exists = language in before.texts
    if edit.field == "remove":
        if language == default_language:
            return False
        return await tx.execute(
            "DELETE FROM event_texts WHERE event_id = ? AND language = ?", (before.id, language)
        ) > 0  # fmt: skip
    if edit.field == "title":
        assert edit.title is not None
        if not exists:
            await tx.execute(
                "INSERT INTO event_texts (event_id, language, title, description)"
                " VALUES (?, ?, ?, ?)",
                (before.id, language, edit.title, edit.description),
            )
            return True
        await tx.execute(
            "UPDATE event_texts SET title = ?,"
            " description = CASE WHEN ? THEN ? ELSE description END"
            " WHERE event_id = ? AND language = ?",
            (edit.title, int(edit.description_set), edit.description, before.id, language),
        )
        return True
    if not exists:
        return False
    await tx.execute(
        "UPDATE event_texts SET description = ? WHERE event_id = ? AND language = ?",
        (edit.description, before.id, language),
    )
    return True


async def _tell(
    tx: Transaction, now: datetime, before: Event, after: Event, notice: ChangeNotice
) -> int:
    """Queue the notice of a change of time or place for every registrant, once per
    revision: a replayed save queues nothing twice."""
    rows = await tx.fetchall(
        "SELECT r.member_id, r.state, r.offered_until, m.telegram_user_id, m.language,"
        " m.app_language FROM registrations r JOIN members m ON m.id = r.member_id"
        f" WHERE r.event_id = ? AND r.state IN ({','.join('?' * len(TOLD))}) ORDER BY r.id",
        (after.id, *TOLD),
    )
    for row in rows:
        addressee = Addressee(
            row["member_id"], row["telegram_user_id"], row["language"], row["app_language"]
        )
        registrant = Registrant(
            row["member_id"], row["state"], from_db_optional(row["offered_until"])
        )
        await OutboxRepository.enqueue(
            tx,
            now,
            addressee.telegram_user_id,
            "sendMessage",
            notice(before, after, addressee, registrant),
            dedup_key=f"event-change:{after.id}:{after.revision}:{addressee.member_id}",
        )
    return len(rows)
