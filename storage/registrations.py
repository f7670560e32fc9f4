"""Members' registrations for events: answers, seats, the waiting list and freed-seat offers.

Seats. A registration counts against one seat kind, ``Event.seat_for(role)``: 'police' or
'community' when the event keeps seats for that side, else 'general'. The event's capacity
is split between the kinds: police_seats, community_seats, and the rest,
``capacity - police_seats - community_seats``, as general seats (staff, and a side without
seats of its own). The kinds' limits add up to the capacity, so filling each kind up to its
limit never overbooks the event; the capacity is checked as well all the same.

A seat is held by a confirmed registration and by an offered one (the seat waits for its
claimant). Everything that decides a seat runs in one ``BEGIN IMMEDIATE`` transaction, so
concurrent sign-ups are decided one after another against the counts as they stand.

The waiting list is first come, first served per seat kind (by ``waiting_since``, then id).
Free seats belong to those waiting before a newcomer: a sign-up is confirmed only when more
seats of its kind are free than members of that kind are waiting. A freed seat is offered to
the first in line, who has CLAIM_WINDOW to accept it (but no longer than until the event
starts); an offer left to expire is cancelled — the member is told and may sign up again, at
the end of the line — and the seat is offered to the next.

Questions are answered one by one while the registration is 'answering'; each answer is
stored as it comes, a skipped optional question as an empty answer, so the next question is
always the first without a row. A member has one unfinished sign-up at a time, and it is
dropped ANSWERING_KEPT_FOR after it began.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import replace as dataclass_replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from storage.audit import AuditRepository
from storage.db import Database, Transaction
from storage.events import SEATS, Event, EventText, event_from_row
from storage.members import Addressee as Addressee  # handlers import it from here too
from storage.outbox import OutboxRepository
from storage.timefmt import from_db, from_db_optional, to_db

# How long a member offered a freed seat has to accept it.
CLAIM_WINDOW = timedelta(hours=24)
# An unfinished sign-up (questions half answered) is dropped this long after it began.
ANSWERING_KEPT_FOR = timedelta(days=1)
ANSWER_MAX = 1000
# Answers to sensitive questions (dietary or accessibility needs, say) are deleted this long
# after the event ends; the members were told so when they answered.
SENSITIVE_ANSWERS_KEPT_FOR = timedelta(days=30)

HOLDING = ("confirmed", "offered")  # states that hold a seat
ACTIVE = ("confirmed", "waitlisted", "offered")  # a registration that counts


@dataclass(frozen=True)
class Registration:
    id: int
    event_id: int
    member_id: int
    seat: str
    state: str
    created_at: datetime
    waiting_since: datetime | None
    confirmed_at: datetime | None
    offered_until: datetime | None
    cancelled_at: datetime | None


def _registration(row: sqlite3.Row) -> Registration:
    return Registration(
        id=row["id"],
        event_id=row["event_id"],
        member_id=row["member_id"],
        seat=row["seat"],
        state=row["state"],
        created_at=from_db(row["created_at"]),
        waiting_since=from_db_optional(row["waiting_since"]),
        confirmed_at=from_db_optional(row["confirmed_at"]),
        offered_until=from_db_optional(row["offered_until"]),
        cancelled_at=from_db_optional(row["cancelled_at"]),
    )


def seat_limit(event: Event, seat: str) -> int:
    """How many seats of this kind the event has (see the module docstring)."""
    if seat == "police":
        return event.police_seats or 0
    if seat == "community":
        return event.community_seats or 0
    return (event.capacity or 0) - (event.police_seats or 0) - (event.community_seats or 0)


@dataclass(frozen=True)
class Seats:
    """How one seat kind of an event stands."""

    limit: int
    taken: int  # confirmed or offered, of this kind
    waiting: int  # of this kind
    capacity: int
    taken_overall: int

    @property
    def open(self) -> int:
        """Seats of this kind nobody holds."""
        return max(0, min(self.limit - self.taken, self.capacity - self.taken_overall))

    @property
    def free(self) -> int:
        """Seats a newcomer of this kind could have: open ones not owed to those waiting."""
        return max(0, self.open - self.waiting)


class Refusal(Enum):
    """Why a member may not sign up (or no longer change a registration)."""

    NOT_FOUND = "not found"  # unknown, or a draft
    CANCELLED = "cancelled"
    STARTED = "started"
    AUDIENCE = "audience"
    CLOSED = "closed"  # the registration deadline has passed
    NOT_MEMBER = "not member"


def signup_refusal(event: Event | None, role: str | None, now: datetime) -> Refusal | None:
    if event is None or event.state == "draft":
        return Refusal.NOT_FOUND
    if event.state == "cancelled":
        return Refusal.CANCELLED
    if event.starts_at is None or event.starts_at <= now:
        return Refusal.STARTED
    if not event.admits(role):
        return Refusal.AUDIENCE
    if event.registration_deadline is None or event.registration_deadline <= now:
        return Refusal.CLOSED
    return None


@dataclass(frozen=True)
class Decision:
    """What finishing a sign-up did: the registration as it now stands (None when refused
    or dropped), its waiting-list position, or why it was refused."""

    registration: Registration | None
    position: int | None = None
    refusal: Refusal | None = None
    newly: bool = False  # False: it had been decided before (a double tap)


class Change(Enum):
    DONE = "done"
    NOT_REGISTERED = "not registered"  # nothing to cancel or accept (any more)
    CLOSED = "closed"  # after the deadline, or the event started or was cancelled
    EXPIRED = "expired"  # the offer's window has passed


# Builds an outbox message (sendMessage parameters) for a member about an event.
Notice = Callable[[Event, Addressee, Registration], dict[str, Any]]


@dataclass(frozen=True)
class Notices:
    offer: Notice  # a freed seat is yours if you accept by offered_until
    expired: Notice  # your offer expired; the seat went on


# Staff messages to an event's registrants: who 'confirmed' and 'waiting' reach.
MESSAGE_AUDIENCES = {"confirmed": ("confirmed",), "waiting": ("waitlisted", "offered")}
MESSAGE_MAX = 3000
# Builds the outbox message for one recipient of a staff message: (event, addressee, text).
StaffMessage = Callable[[Event, Addressee, str], dict[str, Any]]


@dataclass(frozen=True)
class EventCancellation:
    """What cancelling an event did. ``done`` is False when nothing changed: the event is
    unknown, cancelled already, a draft, or over. The counts are of registrations cancelled."""

    event: Event | None
    done: bool
    confirmed: int = 0
    waiting: int = 0
    offered: int = 0


@dataclass(frozen=True)
class MessageDraft:
    event_id: int
    audience: str  # a key of MESSAGE_AUDIENCES
    text: str | None  # None until typed


async def _event_in(tx: Transaction, event_id: int) -> Event | None:
    row = await tx.fetchone("SELECT * FROM events WHERE id = ?", (event_id,))
    if row is None:
        return None
    texts = await tx.fetchall("SELECT * FROM event_texts WHERE event_id = ?", (event_id,))
    by_language = {r["language"]: EventText(r["title"], r["description"]) for r in texts}
    return event_from_row(row, by_language)


async def _seats(tx: Transaction | Database, event: Event, seat: str) -> Seats:
    rows = await tx.fetchall(
        "SELECT seat, state, count(*) AS n FROM registrations"
        " WHERE event_id = ? AND state IN ('confirmed', 'offered', 'waitlisted')"
        " GROUP BY seat, state",
        (event.id,),
    )
    return _seats_from(event, seat, [(r["seat"], r["state"], r["n"]) for r in rows])


def _seats_from(event: Event, seat: str, counts: list[tuple[str, str, int]]) -> Seats:
    return Seats(
        limit=seat_limit(event, seat),
        taken=sum(n for s, state, n in counts if s == seat and state in HOLDING),
        waiting=sum(n for s, state, n in counts if s == seat and state == "waitlisted"),
        capacity=event.capacity or 0,
        taken_overall=sum(n for _, state, n in counts if state in HOLDING),
    )


async def _position(tx: Transaction | Database, registration: Registration) -> int | None:
    if registration.state != "waitlisted" or registration.waiting_since is None:
        return None
    row = await tx.fetchone(
        "SELECT count(*) FROM registrations WHERE event_id = ? AND seat = ?"
        " AND state = 'waitlisted' AND (waiting_since < ? OR (waiting_since = ? AND id <= ?))",
        (
            registration.event_id,
            registration.seat,
            to_db(registration.waiting_since),
            to_db(registration.waiting_since),
            registration.id,
        ),
    )
    return int(row[0]) if row else None


async def _addressee(tx: Transaction, member_id: int) -> Addressee | None:
    row = await tx.fetchone(
        "SELECT id, telegram_user_id, language, app_language FROM members WHERE id = ?",
        (member_id,),
    )
    if row is None:
        return None
    return Addressee(row["id"], row["telegram_user_id"], row["language"], row["app_language"])


async def _notify(
    tx: Transaction,
    now: datetime,
    event: Event,
    registration: Registration,
    notice: Notice,
    kind: str,
) -> None:
    addressee = await _addressee(tx, registration.member_id)
    if addressee is None:
        return
    # Keyed by the moment: one registration can be offered a seat more than once (after a
    # cancellation and a new sign-up), and each offer must reach the member.
    await OutboxRepository.enqueue(
        tx,
        now,
        addressee.telegram_user_id,
        "sendMessage",
        notice(event, addressee, registration),
        dedup_key=f"event-{kind}:{registration.id}:{to_db(now)}",
    )


async def _fill(tx: Transaction, event: Event, seat: str, now: datetime, notices: Notices) -> int:
    """Offer this kind's open seats to those waiting, first in line first; returns how many."""
    if event.state != "published" or event.starts_at is None or event.starts_at <= now:
        return 0
    offered = 0
    until = min(now + CLAIM_WINDOW, event.starts_at)
    while (await _seats(tx, event, seat)).open > 0:
        # A suspended or lapsed member keeps their place in the line but is passed over
        # (they could not accept) until they are active again.
        row = await tx.fetchone(
            "SELECT registrations.* FROM registrations"
            " JOIN members ON members.id = registrations.member_id"
            " WHERE event_id = ? AND seat = ? AND state = 'waitlisted'"
            " AND members.status = 'active'"
            " ORDER BY waiting_since, registrations.id LIMIT 1",
            (event.id, seat),
        )
        if row is None:
            break
        changed = await tx.fetchone(
            "UPDATE registrations SET state = 'offered', offered_until = ?"
            " WHERE id = ? AND state = 'waitlisted' RETURNING *",
            (to_db(until), row["id"]),
        )
        assert changed is not None  # inside the transaction nobody else changes it
        await _notify(tx, now, event, _registration(changed), notices.offer, "offer")
        offered += 1
    return offered


async def offer_open_seats(tx: Transaction, event: Event, now: datetime, notices: Notices) -> int:
    """Offer every seat kind's open seats to those waiting, inside the caller's transaction
    (staff raised the capacity, say); returns how many were offered."""
    offered = 0
    for seat in SEATS:
        offered += await _fill(tx, event, seat, now, notices)
    return offered


async def seats_in(tx: Transaction | Database, event: Event, seat: str) -> Seats:
    """How one seat kind of the event stands, read inside the caller's transaction."""
    return await _seats(tx, event, seat)


async def _begin(
    tx: Transaction, event_id: int, member_id: int, seat: str, now: datetime
) -> Registration:
    stamp = to_db(now)
    await tx.execute(
        "DELETE FROM registrations WHERE member_id = ? AND state = 'answering' AND event_id <> ?",
        (member_id, event_id),
    )
    restarted = await tx.fetchone(
        "UPDATE registrations SET state = 'answering', seat = ?, created_at = ?,"
        " waiting_since = NULL, confirmed_at = NULL, offered_until = NULL,"
        " cancelled_at = NULL, attended = NULL"
        " WHERE event_id = ? AND member_id = ? AND state = 'cancelled' RETURNING id",
        (seat, stamp, event_id, member_id),
    )
    if restarted is not None:
        await tx.execute(
            "DELETE FROM registration_answers WHERE registration_id = ?", (restarted["id"],)
        )
    row = await tx.fetchone(
        "INSERT INTO registrations (event_id, member_id, seat, state, created_at)"
        " VALUES (?, ?, ?, 'answering', ?)"
        " ON CONFLICT (event_id, member_id) DO UPDATE SET state = state RETURNING *",
        (event_id, member_id, seat, stamp),
    )
    assert row is not None
    return _registration(row)


async def _decide(tx: Transaction, registration: Registration, now: datetime) -> Decision:
    """Decide an 'answering' registration (see ``RegistrationRepository.decide``)."""
    event = await _event_in(tx, registration.event_id)
    member = await tx.fetchone(
        "SELECT role, status FROM members WHERE id = ?", (registration.member_id,)
    )
    role = member["role"] if member is not None and member["status"] == "active" else None
    refusal = Refusal.NOT_MEMBER if role is None else signup_refusal(event, role, now)
    if refusal is None:
        missing = await tx.fetchone(
            "SELECT count(*) FROM event_questions WHERE event_id = ? AND id NOT IN"
            " (SELECT question_id FROM registration_answers WHERE registration_id = ?)",
            (registration.event_id, registration.id),
        )
        if missing is not None and missing[0] > 0:
            return Decision(registration)  # questions still open: nothing decided yet
    if refusal is not None or event is None:
        # Nothing is kept of a sign-up that cannot be: its answers go with it.
        await tx.execute("DELETE FROM registrations WHERE id = ?", (registration.id,))
        return Decision(None, refusal=refusal or Refusal.NOT_FOUND)
    seat = event.seat_for(role)
    stamp = to_db(now)
    if (await _seats(tx, event, seat)).free > 0:
        decided = await tx.fetchone(
            "UPDATE registrations SET state = 'confirmed', seat = ?, confirmed_at = ?"
            " WHERE id = ? AND state = 'answering' RETURNING *",
            (seat, stamp, registration.id),
        )
    else:
        decided = await tx.fetchone(
            "UPDATE registrations SET state = 'waitlisted', seat = ?, waiting_since = ?"
            " WHERE id = ? AND state = 'answering' RETURNING *",
            (seat, stamp, registration.id),
        )
    assert decided is not None
    registration = _registration(decided)
    return Decision(registration, await _position(tx, registration), newly=True)


@dataclass(frozen=True)
class ReminderDue:
    """A confirmed attendee whose reminder ``offset`` before the event is due (the scheduled
    job of handlers/event_reminders.py)."""

    registration_id: int
    telegram_user_id: int
    language: str | None
    app_language: str | None
    event: Event
    offset: timedelta


def reminder_key(registration_id: int, offset: timedelta, starts_at: datetime) -> str:
    """The outbox dedup key of one reminder: each is sent once, whatever reruns. It names the
    start it reminds of, so an event moved to a later date is reminded of again."""
    return f"event-reminder:{registration_id}:{offset.days}@{to_db(starts_at)}"


@dataclass(frozen=True)
class FeedbackDue:
    """An attendee ticked present, to be asked for feedback on the event."""

    registration_id: int
    telegram_user_id: int
    language: str | None
    app_language: str | None
    event: Event


class FeedbackScore(Enum):
    """The two scores of event feedback, by their column."""

    OVERALL = "overall"
    CHANGED_VIEW = "changed_view"


def feedback_key(registration_id: int) -> str:
    """The outbox dedup key of the feedback request: one per registration."""
    return f"event-feedback:{registration_id}"


@dataclass(frozen=True)
class ExportRow:
    """One registration as the staff export lists it."""

    name: str | None
    role: str | None
    organisation: str | None
    state: str  # confirmed, waitlisted or offered
    position: int | None  # in the waiting line of its seat kind, from 1 (waitlisted only)
    waiting_since: datetime | None
    created_at: datetime
    answers: dict[int, str]  # by question id
    attended: bool = False  # ticked present at the event


# Staff take attendance from this long before the event starts (people arrive early, and the
# list may be prepared the day before) until any time after it.
ATTENDANCE_OPENS_BEFORE = timedelta(days=1)


def attendance_open(event: Event, now: datetime) -> bool:
    """Whether staff may take attendance for this event now."""
    return (
        event.state == "published"
        and event.starts_at is not None
        and event.starts_at - ATTENDANCE_OPENS_BEFORE <= now
    )


@dataclass(frozen=True)
class Attendee:
    """A confirmed registration on the staff attendance list."""

    registration_id: int
    member_id: int
    name: str | None
    attended: bool


@dataclass(frozen=True)
class AttendancePage:
    attendees: list[Attendee]
    confirmed: int  # all confirmed registrations of the event
    present: int  # of those, ticked present


class RegistrationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------ reading

    async def get(self, event_id: int, member_id: int) -> Registration | None:
        row = await self._db.fetchone(
            "SELECT * FROM registrations WHERE event_id = ? AND member_id = ?",
            (event_id, member_id),
        )
        return None if row is None else _registration(row)

    async def of_member(self, member_id: int, event_ids: list[int]) -> dict[int, Registration]:
        if not event_ids:
            return {}
        marks = ",".join("?" * len(event_ids))
        rows = await self._db.fetchall(
            f"SELECT * FROM registrations WHERE member_id = ? AND event_id IN ({marks})",
            (member_id, *event_ids),
        )
        return {r["event_id"]: _registration(r) for r in rows}

    async def upcoming_of_member(
        self, member_id: int, now: datetime, *, limit: int, offset: int = 0
    ) -> tuple[list[Registration], int]:
        """The member's confirmed, waiting and offered registrations for published events not
        yet ended, soonest first: one page of them and how many there are in all."""
        where = (
            "member_id = ? AND registrations.state IN ('confirmed', 'waitlisted', 'offered')"
            " AND events.state = 'published' AND events.ends_at > ?"
        )
        joined = "registrations JOIN events ON events.id = event_id"
        params = (member_id, to_db(now))
        total = await self._db.fetchone(f"SELECT count(*) FROM {joined} WHERE {where}", params)
        rows = await self._db.fetchall(
            f"SELECT registrations.* FROM {joined} WHERE {where}"
            " ORDER BY events.starts_at, events.id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [_registration(r) for r in rows], int(total[0]) if total else 0

    async def seats(self, event: Event, seat: str) -> Seats:
        return await _seats(self._db, event, seat)

    async def seats_of(self, events: list[Event], role: str | None) -> dict[int, Seats]:
        """For each event, how the seat kind of a member of ``role`` stands."""
        if not events:
            return {}
        marks = ",".join("?" * len(events))
        rows = await self._db.fetchall(
            "SELECT event_id, seat, state, count(*) AS n FROM registrations"
            f" WHERE event_id IN ({marks}) AND state IN ('confirmed', 'offered', 'waitlisted')"
            " GROUP BY event_id, seat, state",
            tuple(e.id for e in events),
        )
        return {
            event.id: _seats_from(
                event,
                event.seat_for(role),
                [(r["seat"], r["state"], r["n"]) for r in rows if r["event_id"] == event.id],
            )
            for event in events
        }

    async def position(self, registration: Registration) -> int | None:
        """A waiting registration's place in line for its seat kind, from 1."""
        return await _position(self._db, registration)

    async def answering(self, member_id: int) -> Registration | None:
        """The member's unfinished sign-up, if any (there is at most one)."""
        row = await self._db.fetchone(
            "SELECT * FROM registrations WHERE member_id = ? AND state = 'answering'",
            (member_id,),
        )
        return None if row is None else _registration(row)

    async def answers(self, registration_id: int) -> dict[int, str]:
        rows = await self._db.fetchall(
            "SELECT question_id, answer FROM registration_answers WHERE registration_id = ?",
            (registration_id,),
        )
        return {r["question_id"]: r["answer"] for r in rows}

    # ------------------------------------------------------------ signing up

    async def begin(self, event_id: int, member_id: int, seat: str, now: datetime) -> Registration:
        """Start signing up, or resume an unfinished sign-up; a cancelled registration starts
        afresh (at the end of any waiting list). Any other unfinished sign-up of the member is
        dropped. Returns the registration as it stands: a confirmed, waiting or offered one is
        left as it is."""
        async with self._db.transaction() as tx:
            return await _begin(tx, event_id, member_id, seat, now)

    async def sign_up(self, event_id: int, member_id: int, seat: str, now: datetime) -> Decision:
        """``begin`` and ``decide`` in one transaction: an event without questions is decided
        at once; otherwise the registration is returned 'answering' for its questions."""
        async with self._db.transaction() as tx:
            registration = await _begin(tx, event_id, member_id, seat, now)
            if registration.state != "answering":
                return Decision(registration, await _position(tx, registration))
            return await _decide(tx, registration, now)

    async def answer(self, registration_id: int, question_id: int, answer: str) -> bool:
        """Store one answer of an unfinished sign-up; False if it is no longer unfinished or
        the question was answered already."""
        if len(answer) > ANSWER_MAX:
            raise ValueError("answer too long")
        async with self._db.transaction() as tx:
            return (
                await tx.insert(
                    "INSERT OR IGNORE INTO registration_answers"
                    " (registration_id, member_id, question_id, answer)"
                    " SELECT id, member_id, ?, ? FROM registrations"
                    " WHERE id = ? AND state = 'answering'",
                    (question_id, answer, registration_id),
                )
                is not None
            )

    async def drop_unfinished(self, member_id: int) -> bool:
        """Stop an unfinished sign-up; its answers go with it."""
        async with self._db.transaction() as tx:
            return (
                await tx.execute(
                    "DELETE FROM registrations WHERE member_id = ? AND state = 'answering'",
                    (member_id,),
                )
                > 0
            )

    async def decide(self, registration_id: int, now: datetime) -> Decision:
        """Finish a sign-up: a seat if one of its kind is free, else a place in line.

        One transaction (BEGIN IMMEDIATE): the event, the member and the seat counts are read
        and the decision is written without anyone else's decision in between.
        """
        async with self._db.transaction() as tx:
            row = await tx.fetchone("SELECT * FROM registrations WHERE id = ?", (registration_id,))
            if row is None:
                return Decision(None, refusal=Refusal.NOT_FOUND)
            registration = _registration(row)
            if registration.state != "answering":
                return Decision(registration, await _position(tx, registration))
            return await _decide(tx, registration, now)

    # ------------------------------------------------------------ changing one's mind

    async def cancel(
        self, event_id: int, member_id: int, now: datetime, notices: Notices
    ) -> Change:
        """Cancel one's own registration (or decline an offered seat). Confirmed and waiting
        registrations can be cancelled until the registration deadline; an offer can be
        declined while it is open. A freed seat is offered to the next in line at once."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT * FROM registrations WHERE event_id = ? AND member_id = ?"
                " AND state IN ('confirmed', 'waitlisted', 'offered')",
                (event_id, member_id),
            )
            event = await _event_in(tx, event_id)
            if row is None or event is None:
                return Change.NOT_REGISTERED
            registration = _registration(row)
            if (
                event.state != "published"
                or event.starts_at is None
                or event.starts_at <= now
                or (
                    registration.state != "offered"
                    and (event.registration_deadline is None or event.registration_deadline <= now)
                )
            ):
                return Change.CLOSED
            await tx.execute(
                "UPDATE registrations SET state = 'cancelled', cancelled_at = ? WHERE id = ?",
                (to_db(now), registration.id),
            )
            if registration.state in HOLDING:
                await _fill(tx, event, registration.seat, now, notices)
        return Change.DONE

    async def accept(self, event_id: int, member_id: int, now: datetime) -> Change:
        """Take an offered seat, while the offer is open and the event has not started."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT registrations.*, events.state AS event_state,"
                " events.starts_at AS event_starts_at"
                " FROM registrations JOIN events ON events.id = event_id"
                " WHERE event_id = ? AND member_id = ?",
                (event_id, member_id),
            )
            if row is None or row["state"] != "offered":
                return Change.NOT_REGISTERED
            if row["event_state"] != "published" or row["event_starts_at"] <= to_db(now):
                return Change.CLOSED
            if row["offered_until"] <= to_db(now):
                return Change.EXPIRED
            await tx.execute(
                "UPDATE registrations SET state = 'confirmed', confirmed_at = ?"
                " WHERE id = ? AND state = 'offered'",
                (to_db(now), row["id"]),
            )
        return Change.DONE

    # ------------------------------------------------------------ the scheduled job

    @staticmethod
    async def pass_on_expired_offers(tx: Transaction, now: datetime, notices: Notices) -> int:
        """Offers not accepted in time are cancelled (the member is told) and their seats
        offered to the next in line; then every open seat with someone waiting for it is
        offered (e.g. a seat freed by a member who erased their data). Unfinished sign-ups
        left too long are dropped. Returns how many offers expired."""
        stamp = to_db(now)
        expired = await tx.fetchall(
            "SELECT registrations.* FROM registrations JOIN events ON events.id = event_id"
            " WHERE registrations.state = 'offered' AND offered_until <= ?"
            " AND events.state = 'published'"
            " ORDER BY offered_until, registrations.id",
            (stamp,),
        )
        for row in expired:
            registration = _registration(row)
            gone = await tx.execute(
                "UPDATE registrations SET state = 'cancelled', cancelled_at = ?"
                " WHERE id = ? AND state = 'offered'",
                (stamp, registration.id),
            )
            event = await _event_in(tx, registration.event_id)
            if gone and event is not None:
                await _notify(tx, now, event, registration, notices.expired, "expired")
        waiting = await tx.fetchall(
            "SELECT DISTINCT event_id, seat FROM registrations JOIN events ON events.id = event_id"
            " WHERE registrations.state = 'waitlisted' AND events.state = 'published'"
            " AND events.starts_at > ? ORDER BY event_id, seat",
            (stamp,),
        )
        for row in waiting:
            event = await _event_in(tx, row["event_id"])
            if event is not None:
                await _fill(tx, event, row["seat"], now, notices)
        await tx.execute(
            "DELETE FROM registrations WHERE state = 'answering' AND created_at <= ?",
            (to_db(now - ANSWERING_KEPT_FOR),),
        )
        return len(expired)

    @staticmethod
    async def prune_sensitive_answers(tx: Transaction, now: datetime) -> int:
        """Delete the answers to sensitive questions of events that ended
        SENSITIVE_ANSWERS_KEPT_FOR ago (the daily retention job)."""
        return await tx.execute(
            "DELETE FROM registration_answers WHERE question_id IN"
            " (SELECT q.id FROM event_questions q JOIN events e ON e.id = q.event_id"
            "  WHERE q.sensitive = 1 AND e.ends_at <= ?)",
            (to_db(now - SENSITIVE_ANSWERS_KEPT_FOR),),
        )

    # ------------------------------------------------------------ the staff export

    async def export(
        self, event_id: int, actor_id: int, now: datetime, *, sensitive: bool
    ) -> list[ExportRow]:
        """The event's confirmed, waiting and offered registrations with their answers, for
        the staff export; answers to sensitive questions only when asked for. The export is
        audited in the same transaction, so no data leaves without its audit row."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT r.id, r.seat, r.state, r.created_at, r.waiting_since, r.attended,"
                " m.display_name, m.role, o.name AS organisation"
                " FROM registrations r JOIN members m ON m.id = r.member_id"
                " LEFT JOIN organisations o ON o.id = m.organisation_id"
                " WHERE r.event_id = ? AND r.state IN ('confirmed', 'waitlisted', 'offered')"
                " ORDER BY CASE r.state WHEN 'confirmed' THEN 0 WHEN 'offered' THEN 1 ELSE 2 END,"
                " CASE WHEN r.state = 'waitlisted' THEN r.seat END,"
                " CASE WHEN r.state = 'waitlisted' THEN r.waiting_since ELSE r.created_at END,"
                " r.id",
                (event_id,),
            )
            answers = await tx.fetchall(
                "SELECT a.registration_id, a.question_id, a.answer"
                " FROM registration_answers a JOIN registrations r ON r.id = a.registration_id"
                " JOIN event_questions q ON q.id = a.question_id"
                " WHERE r.event_id = ? AND (q.sensitive = 0 OR ?)",
                (event_id, int(sensitive)),
            )
            await AuditRepository.record(
                tx,
                now,
                "event.export",
                actor_id=actor_id,
                object_type="event",
                object_id=event_id,
                detail=f"sensitive={'yes' if sensitive else 'no'} rows={len(rows)}",
            )
        by_registration: dict[int, dict[int, str]] = {}
        for a in answers:
            by_registration.setdefault(a["registration_id"], {})[a["question_id"]] = a["answer"]
        # Waitlisted rows come by seat kind, then in line (as _position counts).
        places: dict[str, int] = {}
        exported = []
        for r in rows:
            position = None
            if r["state"] == "waitlisted":
                position = places[r["seat"]] = places.get(r["seat"], 0) + 1
            exported.append(
                ExportRow(
                    name=r["display_name"],
                    role=r["role"],
                    organisation=r["organisation"],
                    state=r["state"],
                    position=position,
                    waiting_since=from_db_optional(r["waiting_since"]),
                    created_at=from_db(r["created_at"]),
                    answers=by_registration.get(r["id"], {}),
                    attended=r["attended"] == 1,
                )
            )
        return exported

    # ------------------------------------------------------------ staff: cancel, message

    async def state_counts(self, event_id: int) -> dict[str, int]:
        """How many of the event's registrations are in each state."""
        rows = await self._db.fetchall(
            "SELECT state, count(*) AS n FROM registrations WHERE event_id = ? GROUP BY state",
            (event_id,),
        )
        return {r["state"]: int(r["n"]) for r in rows}

    async def cancel_event(
        self, event_id: int, actor_id: int, now: datetime, notice: Notice
    ) -> EventCancellation:
        """Cancel a published event that has not ended, with every confirmed, waiting and
        offered registration, and tell each of those members through the outbox; audited
        ``event.cancel``. One transaction, guarded by the event's state: a second call
        changes nothing."""
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            event = await _event_in(tx, event_id)
            if (
                event is None
                or event.state != "published"
                or event.ends_at is None
                or event.ends_at <= now
            ):
                return EventCancellation(event, done=False)
            await tx.execute(
                "UPDATE events SET state = 'cancelled', cancelled_at = ?, updated_at = ?"
                " WHERE id = ? AND state = 'published'",
                (stamp, stamp, event_id),
            )
            rows = await tx.fetchall(
                "SELECT * FROM registrations WHERE event_id = ?"
                " AND state IN ('confirmed', 'waitlisted', 'offered') ORDER BY id",
                (event_id,),
            )
            await tx.execute(
                "UPDATE registrations SET state = 'cancelled', cancelled_at = ?"
                " WHERE event_id = ? AND state IN ('confirmed', 'waitlisted', 'offered')",
                (stamp, event_id),
            )
            cancelled = dataclass_replace(event, state="cancelled")
            for row in rows:
                await _notify(tx, now, cancelled, _registration(row), notice, "cancelled")
            states = [r["state"] for r in rows]
            result = EventCancellation(
                cancelled,
                done=True,
                confirmed=states.count("confirmed"),
                waiting=states.count("waitlisted"),
                offered=states.count("offered"),
            )
            await AuditRepository.record(
                tx,
                now,
                "event.cancel",
                actor_id=actor_id,
                object_type="event",
                object_id=event_id,
                detail=f"confirmed={result.confirmed} waiting={result.waiting}"
                f" offered={result.offered}",
            )
        return result

    async def recipients(self, event_id: int, audience: str) -> int:
        """How many members a message to this audience of the event would reach."""
        states = MESSAGE_AUDIENCES[audience]
        row = await self._db.fetchone(
            "SELECT count(*) FROM registrations WHERE event_id = ?"
            f" AND state IN ({','.join('?' * len(states))})",
            (event_id, *states),
        )
        return int(row[0]) if row else 0

    async def start_message(
        self, member_id: int, event_id: int, audience: str, now: datetime
    ) -> None:
        """Begin a staff message (any earlier unsent one is dropped)."""
        if audience not in MESSAGE_AUDIENCES:
            raise ValueError("unknown audience")
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO event_message_drafts (member_id, event_id, audience, started_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET"
                " event_id = excluded.event_id, audience = excluded.audience, text = NULL,"
                " started_at = excluded.started_at",
                (member_id, event_id, audience, to_db(now)),
            )

    async def message_draft(self, member_id: int) -> MessageDraft | None:
        row = await self._db.fetchone(
            "SELECT * FROM event_message_drafts WHERE member_id = ?", (member_id,)
        )
        return None if row is None else MessageDraft(row["event_id"], row["audience"], row["text"])

    async def set_message_text(self, member_id: int, text: str) -> bool:
        if not 1 <= len(text) <= MESSAGE_MAX:
            raise ValueError("message length")
        async with self._db.transaction() as tx:
            return (
                await tx.execute(
                    "UPDATE event_message_drafts SET text = ? WHERE member_id = ?",
                    (text, member_id),
                )
                > 0
            )

    async def drop_message(self, member_id: int) -> bool:
        async with self._db.transaction() as tx:
            return (
                await tx.execute(
                    "DELETE FROM event_message_drafts WHERE member_id = ?", (member_id,)
                )
                > 0
            )

    async def send_message(
        self, member_id: int, event_id: int, now: datetime, render: StaffMessage
    ) -> int | None:
        """Send the staff member's written message about this event: one outbox row per
        member of its audience, audited ``event.message`` (audience and count, never the
        text), and the draft goes. None when there is no such written draft (sent already),
        or the event is no longer published or has ended (the draft goes then too)."""
        async with self._db.transaction() as tx:
            draft = await tx.fetchone(
                "SELECT * FROM event_message_drafts WHERE member_id = ? AND event_id = ?"
                " AND text IS NOT NULL",
                (member_id, event_id),
            )
            if draft is None:
                return None
            await tx.execute("DELETE FROM event_message_drafts WHERE member_id = ?", (member_id,))
            event = await _event_in(tx, event_id)
            if (
                event is None
                or event.state != "published"
                or event.ends_at is None
                or event.ends_at <= now
            ):
                return None
            states = MESSAGE_AUDIENCES[draft["audience"]]
            rows = await tx.fetchall(
                "SELECT member_id FROM registrations WHERE event_id = ?"
                f" AND state IN ({','.join('?' * len(states))}) ORDER BY id",
                (event_id, *states),
            )
            sent = 0
            for row in rows:
                addressee = await _addressee(tx, row["member_id"])
                if addressee is None:
                    continue
                await OutboxRepository.enqueue(
                    tx,
                    now,
                    addressee.telegram_user_id,
                    "sendMessage",
                    render(event, addressee, draft["text"]),
                    dedup_key=f"event-message:{event_id}:{addressee.member_id}:{to_db(now)}",
                )
                sent += 1
            await AuditRepository.record(
                tx,
                now,
                "event.message",
                actor_id=member_id,
                object_type="event",
                object_id=event_id,
                detail=f"audience={draft['audience']} recipients={sent}",
            )
        return sent

    # ------------------------------------------------------------ staff: attendance

    async def attendance(self, event_id: int, *, limit: int, offset: int) -> AttendancePage:
        """One page of the event's confirmed registrations, by name (the order of a door
        list), with how many are confirmed and how many ticked present in all."""
        counts = await self._db.fetchone(
            "SELECT count(*) AS confirmed, coalesce(sum(attended = 1), 0) AS present"
            " FROM registrations WHERE event_id = ? AND state = 'confirmed'",
            (event_id,),
        )
        rows = await self._db.fetchall(
            "SELECT r.id, r.member_id, r.attended, m.display_name"
            " FROM registrations r JOIN members m ON m.id = r.member_id"
            " WHERE r.event_id = ? AND r.state = 'confirmed'"
            " ORDER BY m.display_name IS NULL, m.display_name COLLATE NOCASE, r.id"
            " LIMIT ? OFFSET ?",
            (event_id, limit, offset),
        )
        return AttendancePage(
            attendees=[
                Attendee(r["id"], r["member_id"], r["display_name"], r["attended"] == 1)
                for r in rows
            ],
            confirmed=int(counts["confirmed"]) if counts else 0,
            present=int(counts["present"]) if counts else 0,
        )

    async def toggle_attendance(
        self, event_id: int, registration_id: int, actor_id: int, now: datetime
    ) -> bool | None:
        """Tick a confirmed registration of the event present, or untick it (attended 1 ↔
        NULL), audited ``event.attendance``; returns whether it is now ticked. None when the
        registration is not a confirmed one of this event, or attendance is not open."""
        async with self._db.transaction() as tx:
            event = await _event_in(tx, event_id)
            if event is None or not attendance_open(event, now):
                return None
            row = await tx.fetchone(
                "UPDATE registrations SET attended = CASE WHEN attended = 1 THEN NULL ELSE 1 END"
                " WHERE id = ? AND event_id = ? AND state = 'confirmed' RETURNING attended",
                (registration_id, event_id),
            )
            if row is None:
                return None
            present = bool(row["attended"] == 1)
            await AuditRepository.record(
                tx,
                now,
                "event.attendance",
                actor_id=actor_id,
                object_type="registration",
                object_id=registration_id,
                detail="present" if present else "absent",
            )
        return present

    # ------------------------------------------------------------ reminders

    @staticmethod
    async def reminders_due(
        tx: Transaction, now: datetime, offsets: Sequence[timedelta]
    ) -> list[ReminderDue]:
        """The reminders due now and not yet queued: per confirmed registration of a published
        event that has not begun, the one for the smallest offset whose moment has passed
        (so after downtime a late 7-day reminder is not sent when the 1-day one is due). A
        member confirmed after that moment gets none for it: they were just told. Members
        suspended or lapsed get theirs once they are active again, if still in time."""
        due: list[ReminderDue] = []
        events: dict[int, Event | None] = {}
        after = now
        for offset in sorted(offsets):
            # This offset is the smallest passed one for events starting in (after, until].
            until = now + offset
            rows = await tx.fetchall(
                "SELECT r.id, r.event_id, COALESCE(r.confirmed_at, r.created_at) AS since,"
                " e.starts_at, m.telegram_user_id, m.language, m.app_language"
                " FROM registrations r JOIN events e ON e.id = r.event_id"
                " JOIN members m ON m.id = r.member_id"
                " WHERE r.state = 'confirmed' AND e.state = 'published' AND m.status = 'active'"
                " AND e.starts_at > ? AND e.starts_at <= ?"
                " AND NOT EXISTS (SELECT 1 FROM outbox"
                "  WHERE dedup_key = 'event-reminder:' || r.id || ':' || ? || '@' || e.starts_at)"
                " ORDER BY e.starts_at, r.id",
                (to_db(after), to_db(until), offset.days),
            )
            after = until
            for row in rows:
                if from_db(row["since"]) > from_db(row["starts_at"]) - offset:
                    continue
                if row["event_id"] not in events:
                    events[row["event_id"]] = await _event_in(tx, row["event_id"])
                event = events[row["event_id"]]
                if event is None:
                    continue
                due.append(
                    ReminderDue(
                        registration_id=row["id"],
                        telegram_user_id=row["telegram_user_id"],
                        language=row["language"],
                        app_language=row["app_language"],
                        event=event,
                        offset=offset,
                    )
                )
        return due

    # ------------------------------------------------------------ feedback after the event

    @staticmethod
    async def feedback_due(tx: Transaction, now: datetime, within: timedelta) -> list[FeedbackDue]:
        """Attendees ticked present at a published event that ended in the last ``within``
        and not asked for feedback yet (handlers/event_feedback.py). Ticks entered later
        than that ask nobody: a week on, the event is too far back to rate."""
        rows = await tx.fetchall(
            "SELECT r.id, r.event_id, m.telegram_user_id, m.language, m.app_language"
            " FROM registrations r JOIN events e ON e.id = r.event_id"
            " JOIN members m ON m.id = r.member_id"
            " WHERE r.attended = 1 AND e.state = 'published' AND m.status = 'active'"
            " AND e.ends_at <= ? AND e.ends_at > ?"
            " AND NOT EXISTS (SELECT 1 FROM event_feedback f WHERE f.registration_id = r.id)"
            " ORDER BY e.ends_at, r.id",
            (to_db(now), to_db(now - within)),
        )
        due: list[FeedbackDue] = []
        events: dict[int, Event | None] = {}
        for row in rows:
            if row["event_id"] not in events:
                events[row["event_id"]] = await _event_in(tx, row["event_id"])
            event = events[row["event_id"]]
            if event is not None:
                due.append(
                    FeedbackDue(
                        row["id"],
                        row["telegram_user_id"],
                        row["language"],
                        row["app_language"],
                        event,
                    )
                )
        return due

    @staticmethod
    async def feedback_asked(tx: Transaction, registration_id: int, now: datetime) -> None:
        """Record that the attendee was asked, in the job's transaction with the message."""
        await tx.execute(
            "INSERT OR IGNORE INTO event_feedback (registration_id, member_id, event_id, asked_at)"
            " SELECT id, member_id, event_id, ? FROM registrations WHERE id = ?",
            (to_db(now), registration_id),
        )

    async def give_feedback(
        self, registration_id: int, member_id: int, score: FeedbackScore, value: int, now: datetime
    ) -> int | None:
        """Store one score of the member's own feedback, once; returns the event id. None
        when the registration is not theirs, they were not ticked present, they were not
        asked, the score is given already or (the second) comes before the first."""
        column = score.value
        first_given = "" if score is FeedbackScore.OVERALL else " AND f.overall IS NOT NULL"
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                f"UPDATE event_feedback AS f SET {column} = ?, answered_at = ?"
                f" WHERE f.registration_id = ? AND f.member_id = ? AND f.{column} IS NULL"
                f"{first_given} AND EXISTS (SELECT 1 FROM registrations r"
                "  WHERE r.id = f.registration_id AND r.member_id = f.member_id"
                "  AND r.attended = 1)"
                " RETURNING event_id",
                (value, to_db(now), registration_id, member_id),
            )
        return None if row is None else int(row["event_id"])
