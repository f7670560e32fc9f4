"""Contact requests: the asker's draft, matching with tiers, limits, the candidate's consent,
the introduction (the only place contact details are revealed), withdrawal, and the job that
reminds a silent candidate and moves on.

A request lives in one ``contact_requests`` row: 'draft' while the asker writes it, then
'matching' (one candidate at a time is asked, each a ``contact_candidates`` row) or 'queued'
(the network team's queue), and finally 'introduced', 'withdrawn' or 'closed'. Every change
is a conditional update inside one transaction, so a double tap, a replayed update or two
taps racing each other have one effect; a unique index allows only one unanswered candidate
per request.

Decisions the design left open, and why:
- A member who chose no regions covers their organisation's Bundesland. Members invited by
  staff never pick regions; without this they could never be asked (the same reasoning as
  "no topics chosen counts as every topic"). The asker's default region follows the same rule,
  then 'DE'.
- The limits count submitted requests: a withdrawn one still counts for the day (else asking
  and withdrawing could page through every candidate of a region), and a draft does not.
- The message is deleted when the asker withdraws: nobody will read it again, so it need not
  wait for the 90-day retention.
- A request whose asker is no longer an active member (erased, suspended, lapsed) is withdrawn
  by the job: no introduction may reach them, so keeping candidates waiting helps nobody. A
  candidate who can no longer answer (erased, suspended, lapsed, unreachable) is passed over
  at the next run instead of after 72 hours.
- A candidate chosen by staff (``assigned_by``) who declines or lets the question expire sends
  the request back to the queue ('declined_assignment'), not to the next candidate: staff chose
  that person on purpose.
- After downtime, an overdue question expires at once and the next candidate is asked; its
  reminder is not sent late (a reminder that the turn is already over helps nobody).
- Introductions and audit rows are written in the Accept transaction; the texts are built by
  the handler's callbacks (in each recipient's language) so this module stays free of wording.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from storage.audit import AuditRepository
from storage.db import Database, Transaction
from storage.members import Addressee, active_staff, addressee_from_row
from storage.outbox import OutboxRepository
from storage.profiles import SharedDetails
from storage.regions import NATIONWIDE, neighbours
from storage.relays import needs_relay, open_relay
from storage.timefmt import from_db, from_db_optional, to_db
from storage.vocabulary import REGIONS, TOPICS

NETWORK_TEAM = "network_team"  # the topic that goes straight to the staff queue
# Who is asked for whom.
OTHER_SIDE = {"community": "police", "police": "community"}
OPEN_STATES = ("matching", "queued")
FINAL_STATES = ("introduced", "withdrawn", "closed")
MAX_OPEN = 3
MAX_PER_DAY = 5
LIMIT_WINDOW = timedelta(hours=24)
MESSAGE_MAX = 1000  # what the table accepts; the handler asks for at least a sentence
QUEUE_REASONS = ("network_team", "no_candidates", "passed", "declined_assignment")

Payload = dict[str, Any]


@dataclass(frozen=True)
class ContactRequest:
    id: int
    asker_id: int | None  # None once the asker erased their data
    asker_role: str
    organisation_type: str | None
    topic: str
    region: str
    message: str | None
    state: str
    step: str | None  # a draft's next question: 'region', 'message' or 'preview'
    queued_reason: str | None
    created_at: datetime
    submitted_at: datetime | None
    queued_at: datetime | None
    closed_at: datetime | None
    introduced_at: datetime | None
    introduced_to: int | None
    assigned_by: int | None

    @property
    def other_side(self) -> str:
        return OTHER_SIDE[self.asker_role]

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


def request_from_row(row: sqlite3.Row) -> ContactRequest:
    """A contact_requests row (the queue reads requests in its own transactions)."""
    return ContactRequest(
        id=row["id"],
        asker_id=row["asker_id"],
        asker_role=row["asker_role"],
        organisation_type=row["organisation_type"],
        topic=row["topic"],
        region=row["region"],
        message=row["message"],
        state=row["state"],
        step=row["step"],
        queued_reason=row["queued_reason"],
        created_at=from_db(row["created_at"]),
        submitted_at=from_db_optional(row["submitted_at"]),
        queued_at=from_db_optional(row["queued_at"]),
        closed_at=from_db_optional(row["closed_at"]),
        introduced_at=from_db_optional(row["introduced_at"]),
        introduced_to=row["introduced_to"],
        assigned_by=row["assigned_by"],
    )


@dataclass(frozen=True)
class Candidate:
    """One person asked about a request (a ``contact_candidates`` row)."""

    request_id: int
    member_id: int | None  # None once they erased their data
    position: int
    asked_at: datetime
    reminded_at: datetime | None
    answered_at: datetime | None
    answer: str | None
    assigned_by: int | None


def _candidate(row: sqlite3.Row) -> Candidate:
    return Candidate(
        request_id=row["request_id"],
        member_id=row["member_id"],
        position=row["position"],
        asked_at=from_db(row["asked_at"]),
        reminded_at=from_db_optional(row["reminded_at"]),
        answered_at=from_db_optional(row["answered_at"]),
        answer=row["answer"],
        assigned_by=row["assigned_by"],
    )


@dataclass(frozen=True)
class Party:
    """One side of an introduction and exactly what they share in it."""

    recipient: Addressee
    role: str
    details: SharedDetails
    # Read from Telegram at the moment of the introduction, never stored; None when the member
    # does not share it or has no username.
    username: str | None


@dataclass(frozen=True)
class ContactNotices:
    """Builders of what the bot sends on its own (sendMessage parameters, in the recipient's
    language): the question to a candidate, its reminder, and the staff notice of a queued
    request (which never carries the message)."""

    ask: Callable[[ContactRequest, Addressee, Candidate], Payload]
    remind: Callable[[ContactRequest, Addressee, Candidate], Payload]
    queued: Callable[[ContactRequest, Addressee], Payload]


# The introduction sent to ``to`` about ``about``: (request, to, about).
Introduction = Callable[[ContactRequest, Party, Party], Payload]


class Limit(Enum):
    OPEN = "open requests"
    DAILY = "requests sent in 24 hours"


@dataclass(frozen=True)
class LimitReached:
    limit: Limit
    until: datetime | None = None  # DAILY: when the next request may be sent


class Submitted(Enum):
    ASKED = "a candidate is being asked"
    QUEUED = "in the network team's queue"
    REFUSED = "a limit is reached; the draft is kept"
    GONE = "no complete draft to send"


@dataclass(frozen=True)
class SubmitResult:
    outcome: Submitted
    request: ContactRequest | None = None
    limit: LimitReached | None = None


class Answer(Enum):
    DONE = "done"
    REPEATED = "answered before (a double tap)"
    WITHDRAWN = "the request was withdrawn or closed"
    OVER = "their turn is over: not answered in time"
    NOT_YOURS = "no such question for this member (forged, stale or someone else's)"


@dataclass(frozen=True)
class AnswerResult:
    answer: Answer
    request: ContactRequest | None = None
    previous: str | None = None  # on REPEATED: the answer given before
    asker: Party | None = None  # on an Accept: what the candidate now learns of the asker


@dataclass(frozen=True)
class Question:
    """A candidate's question as it stands (read before answering it)."""

    request: ContactRequest
    candidate: Candidate
    asker_telegram_id: int | None
    asker_shares_username: bool


@dataclass(frozen=True)
class JobCounts:
    withdrawn: int = 0
    expired: int = 0
    asked: int = 0
    reminded: int = 0


class ContactRepository:
    def __init__(self, db: Database, timezone: ZoneInfo) -> None:
        self._db = db
        self._tz = timezone

    def _today(self, now: datetime) -> date:
        return now.astimezone(self._tz).date()

    # ------------------------------------------------------------ the asker's draft

    async def get(self, request_id: int) -> ContactRequest | None:
        row = await self._db.fetchone("SELECT * FROM contact_requests WHERE id = ?", (request_id,))
        return None if row is None else request_from_row(row)

    async def draft(self, asker_id: int) -> ContactRequest | None:
        row = await self._db.fetchone(
            "SELECT * FROM contact_requests WHERE asker_id = ? AND state = 'draft'", (asker_id,)
        )
        return None if row is None else request_from_row(row)

    async def covered_regions(self, member_id: int) -> tuple[str, ...]:
        """The member's regions, or their organisation's Bundesland when they chose none."""
        rows = await self._db.fetchall(
            f"{_COVERS} SELECT region FROM covers WHERE member_id = ?", (member_id,)
        )
        chosen = {r[0] for r in rows}
        return tuple(r for r in REGIONS if r in chosen)

    async def start_draft(self, asker_id: int, topic: str, now: datetime) -> ContactRequest | None:
        """A new draft about ``topic`` (an earlier draft is discarded), its region preset to
        the asker's own. None when the member may not ask (not an active community
        representative or police contact)."""
        if topic not in TOPICS:
            raise ValueError(f"unknown topic {topic!r}")
        async with self._db.transaction() as tx:
            member = await _asker(tx, asker_id)
            if member is None:
                return None
            regions = await tx.fetchall(
                f"{_COVERS} SELECT region FROM covers WHERE member_id = ?", (asker_id,)
            )
            own = {r[0] for r in regions}
            region = next((r for r in REGIONS if r in own), NATIONWIDE)
            await tx.execute(
                "DELETE FROM contact_requests WHERE asker_id = ? AND state = 'draft'", (asker_id,)
            )
            row = await tx.fetchone(
                "INSERT INTO contact_requests (asker_id, asker_role, organisation_type, topic,"
                " region, state, step, created_at) VALUES (?, ?, ?, ?, ?, 'draft', 'region', ?)"
                " RETURNING *",
                (asker_id, member["role"], member["organisation_type"], topic, region,
                 to_db(now)),
            )  # fmt: skip
        assert row is not None
        return request_from_row(row)

    async def choose_region(self, asker_id: int, request_id: int, region: str) -> bool:
        if region not in REGIONS:
            raise ValueError(f"unknown region {region!r}")
        return await self._draft_update(
            asker_id, request_id, "region = ?, step = 'message'", "step = 'region'", (region,)
        )

    async def write_message(self, asker_id: int, request_id: int, message: str) -> bool:
        if not 1 <= len(message) <= MESSAGE_MAX:
            raise ValueError("a message of 1 to 1000 characters")
        return await self._draft_update(
            asker_id, request_id, "message = ?, step = 'preview'", "step = 'message'", (message,)
        )

    async def edit_message(self, asker_id: int, request_id: int) -> bool:
        """Back from the preview to writing the message (the old one is kept meanwhile)."""
        return await self._draft_update(
            asker_id, request_id, "step = 'message'", "step = 'preview'"
        )

    async def _draft_update(
        self,
        asker_id: int,
        request_id: int,
        assignments: str,
        condition: str,
        values: tuple[object, ...] = (),
    ) -> bool:
        rows = await self._db.write_one(
            f"UPDATE contact_requests SET {assignments} WHERE id = ? AND asker_id = ?"
            f" AND state = 'draft' AND {condition} RETURNING id",
            (*values, request_id, asker_id),
        )
        return bool(rows)

    async def discard_draft(self, asker_id: int, request_id: int) -> bool:
        rows = await self._db.write_one(
            "DELETE FROM contact_requests WHERE id = ? AND asker_id = ? AND state = 'draft'"
            " RETURNING id",
            (request_id, asker_id),
        )
        return bool(rows)

    # ------------------------------------------------------------ limits, sending, withdrawing

    async def limit_reached(self, asker_id: int, now: datetime) -> LimitReached | None:
        async with self._db.transaction() as tx:
            return await _limit_in(tx, asker_id, now)

    async def submit(
        self, asker_id: int, request_id: int, now: datetime, notices: ContactNotices
    ) -> SubmitResult:
        """Send a previewed draft: to the first candidate, or to the queue (the topic
        network_team, or nobody suitable); all or nothing, and once."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT * FROM contact_requests WHERE id = ? AND asker_id = ? AND state = 'draft'"
                " AND step = 'preview' AND message IS NOT NULL",
                (request_id, asker_id),
            )
            member = await _asker(tx, asker_id)
            if row is None or member is None:
                return SubmitResult(Submitted.GONE)
            limit = await _limit_in(tx, asker_id, now)
            if limit is not None:
                return SubmitResult(Submitted.REFUSED, request_from_row(row), limit)
            # The asker's side and organisation type as they are now, not when the draft began.
            await tx.execute(
                "UPDATE contact_requests SET state = 'matching', step = NULL, submitted_at = ?,"
                " asker_role = ?, organisation_type = ? WHERE id = ? AND state = 'draft'",
                (to_db(now), member["role"], member["organisation_type"], request_id),
            )
            request = await _get(tx, request_id)
            if request.topic == NETWORK_TEAM:
                await queue(tx, request_id, "network_team", now, notices)
            else:
                await ask_next(tx, request, now, self._today(now), notices)
            request = await _get(tx, request_id)
        outcome = Submitted.ASKED if request.state == "matching" else Submitted.QUEUED
        return SubmitResult(outcome, request)

    async def of_asker(self, asker_id: int, limit: int = 8) -> list[ContactRequest]:
        """The asker's sent requests: open ones first, then the latest."""
        rows = await self._db.fetchall(
            "SELECT * FROM contact_requests WHERE asker_id = ? AND state <> 'draft'"
            " ORDER BY state IN ('matching', 'queued') DESC, submitted_at DESC, id DESC LIMIT ?",
            (asker_id, limit),
        )
        return [request_from_row(r) for r in rows]

    async def withdraw(self, asker_id: int, request_id: int, now: datetime) -> bool:
        """The asker withdraws an open request; the candidate being asked can no longer
        accept it. False when it is not theirs or no longer open (a double tap)."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT id FROM contact_requests WHERE id = ? AND asker_id = ?"
                " AND state IN ('matching', 'queued')",
                (request_id, asker_id),
            )
            if not rows:
                return False
            await _close(tx, request_id, "withdrawn", now)
        return True

    # ------------------------------------------------------------ the candidate's answer

    async def question(self, request_id: int, position: int, member_id: int) -> Question | None:
        """The question as it stands, if it was put to this member; else None."""
        row = await self._db.fetchone(
            "SELECT c.*, m.telegram_user_id AS asker_tg, m.share_username AS asker_shares"
            " FROM contact_candidates c JOIN contact_requests q ON q.id = c.request_id"
            " LEFT JOIN members m ON m.id = q.asker_id"
            " WHERE c.request_id = ? AND c.position = ? AND c.member_id = ?",
            (request_id, position, member_id),
        )
        request = await self.get(request_id)
        if row is None or request is None:
            return None
        return Question(request, _candidate(row), row["asker_tg"], bool(row["asker_shares"]))

    async def accept(
        self,
        request_id: int,
        position: int,
        member_id: int,
        now: datetime,
        introduce: Introduction,
        *,
        candidate_username: str | None,
        asker_username: str | None,
        relay_for: timedelta | None = None,
    ) -> AnswerResult:
        """The candidate agrees: both sides get an introduction with exactly what the other
        shares (protected from forwarding), and each reveal writes one audit row. When one
        side shares nothing reachable, the bot relays between them for ``relay_for``."""
        async with self._db.transaction() as tx:
            checked = await _unanswered(tx, request_id, position, member_id)
            if isinstance(checked, AnswerResult):
                return checked
            request, _ = checked
            assert request.asker_id is not None
            asker = await _party(tx, request.asker_id, asker_username)
            accepter = await _party(tx, member_id, candidate_username)
            if accepter is None or accepter.role != request.other_side:
                return AnswerResult(Answer.NOT_YOURS)
            if asker is None or asker.role != request.asker_role:
                return AnswerResult(Answer.WITHDRAWN, request)
            changed = await tx.execute(
                "UPDATE contact_candidates SET answer = 'accepted', answered_at = ?"
                " WHERE request_id = ? AND position = ? AND answer IS NULL",
                (to_db(now), request_id, position),
            )
            if not changed:
                return AnswerResult(Answer.REPEATED, request, "accepted")
            stamp = to_db(now)
            await tx.execute(
                "UPDATE contact_requests SET state = 'introduced', introduced_at = ?,"
                " closed_at = ?, introduced_to = ? WHERE id = ? AND state = 'matching'",
                (stamp, stamp, member_id, request_id),
            )
            request = await _get(tx, request_id)
            if relay_for is not None and needs_relay(asker.details, accepter.details):
                await open_relay(tx, request_id, now, relay_for)
            for to, about, side in ((asker, accepter, "asker"), (accepter, asker, "candidate")):
                payload = {**introduce(request, to, about), "protect_content": True}
                await OutboxRepository.enqueue(
                    tx,
                    now,
                    to.recipient.telegram_user_id,
                    "sendMessage",
                    payload,
                    dedup_key=f"contact-intro:{request_id}:{side}",
                )
                # Whose details were revealed (the actor) and to whom: ids only.
                await AuditRepository.record(
                    tx,
                    now,
                    "contact.reveal",
                    actor_id=about.recipient.member_id,
                    object_type="contact_request",
                    object_id=request_id,
                    detail=f"to={to.recipient.member_id}",
                )
        return AnswerResult(Answer.DONE, request, asker=asker)

    async def decline(
        self, request_id: int, position: int, member_id: int, now: datetime, notices: ContactNotices
    ) -> AnswerResult:
        """The candidate says no: the next one is asked at once (the asker is never told)."""
        return await self._refuse(request_id, position, member_id, now, notices, "declined")

    async def pass_to_staff(
        self, request_id: int, position: int, member_id: int, now: datetime, notices: ContactNotices
    ) -> AnswerResult:
        """The candidate hands the request to the network team."""
        return await self._refuse(request_id, position, member_id, now, notices, "passed")

    async def _refuse(
        self,
        request_id: int,
        position: int,
        member_id: int,
        now: datetime,
        notices: ContactNotices,
        answer: str,
    ) -> AnswerResult:
        async with self._db.transaction() as tx:
            checked = await _unanswered(tx, request_id, position, member_id)
            if isinstance(checked, AnswerResult):
                return checked
            request, candidate = checked
            changed = await tx.execute(
                "UPDATE contact_candidates SET answer = ?, answered_at = ?"
                " WHERE request_id = ? AND position = ? AND answer IS NULL",
                (answer, to_db(now), request_id, position),
            )
            if not changed:
                return AnswerResult(Answer.REPEATED, request, answer)
            await _after_no(tx, request, candidate, answer, now, self._today(now), notices)
            request = await _get(tx, request_id)
        return AnswerResult(Answer.DONE, request)

    # ------------------------------------------------------------ for the network team (part 3)

    async def queued_requests(self, limit: int, offset: int = 0) -> list[ContactRequest]:
        """The staff queue, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM contact_requests WHERE state = 'queued'"
            " ORDER BY queued_at, id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [request_from_row(r) for r in rows]

    async def count_queued(self) -> int:
        row = await self._db.fetchone(
            "SELECT count(*) FROM contact_requests WHERE state = 'queued'"
        )
        assert row is not None
        return int(row[0])

    async def ask_member(
        self,
        request_id: int,
        member_id: int,
        now: datetime,
        notices: ContactNotices,
        *,
        assigned_by: int | None,
    ) -> bool:
        """Ask one given member about a queued request (staff assigning by hand). They are
        asked like any candidate: the consent stays theirs. False when the request is not
        queued, its asker may no longer ask, or the member may not be asked about it. Staff
        assigning writes the audit row ``contact.assign`` (ids only)."""
        async with self._db.transaction() as tx:
            request = await _get_optional(tx, request_id)
            if request is None or request.state != "queued" or request.asker_id is None:
                return False
            if await _asker(tx, request.asker_id) is None:
                return False  # suspended or lapsed meanwhile: the job withdraws it
            found = await _eligible(tx, request, self._today(now), member_id=member_id)
            if not found:
                return False
            changed = await tx.execute(
                "UPDATE contact_requests SET state = 'matching', assigned_by = ?"
                " WHERE id = ? AND state = 'queued'",
                (assigned_by, request_id),
            )
            if not changed:
                return False
            request = await _get(tx, request_id)
            await _ask(tx, request, found[0], now, notices, assigned_by=assigned_by)
            if assigned_by is not None:
                await AuditRepository.record(
                    tx,
                    now,
                    "contact.assign",
                    actor_id=assigned_by,
                    object_type="contact_request",
                    object_id=request_id,
                    detail=f"member={member_id}",
                )
        return True

    async def assignable(self, request_id: int, now: datetime) -> list[int]:
        """Everyone staff may assign to a queued request (ask_member accepts exactly these),
        best first: its region, then neighbouring ones or nationwide, then the rest."""
        async with self._db.transaction() as tx:
            request = await _get_optional(tx, request_id)
            if request is None or request.state != "queued" or request.asker_id is None:
                return []
            if await _asker(tx, request.asker_id) is None:
                return []
            found = await _eligible(tx, request, self._today(now), everyone=True)
        return [who.member_id for who in found]


# ---------------------------------------------------------------- inside a transaction

# The regions each member covers: those they chose, else their organisation's Bundesland.
_COVERS = (
    "WITH covers (member_id, region) AS ("
    " SELECT member_id, region FROM member_regions"
    " UNION ALL SELECT members.id, organisations.bundesland FROM members"
    " JOIN organisations ON organisations.id = members.organisation_id"
    " WHERE NOT EXISTS (SELECT 1 FROM member_regions WHERE member_id = members.id))"
)


async def _asker(tx: Transaction, member_id: int) -> sqlite3.Row | None:
    """The member if they may ask (active community representative or police contact)."""
    return await tx.fetchone(
        "SELECT members.id, members.role, organisations.type AS organisation_type FROM members"
        " LEFT JOIN organisations ON organisations.id = members.organisation_id"
        " WHERE members.id = ? AND members.status = 'active'"
        " AND members.role IN ('community', 'police')",
        (member_id,),
    )


async def _get_optional(tx: Transaction, request_id: int) -> ContactRequest | None:
    row = await tx.fetchone("SELECT * FROM contact_requests WHERE id = ?", (request_id,))
    return None if row is None else request_from_row(row)


async def _get(tx: Transaction, request_id: int) -> ContactRequest:
    request = await _get_optional(tx, request_id)
    assert request is not None
    return request


async def _limit_in(tx: Transaction, asker_id: int, now: datetime) -> LimitReached | None:
    row = await tx.fetchone(
        "SELECT count(*) FROM contact_requests WHERE asker_id = ?"
        " AND state IN ('matching', 'queued')",
        (asker_id,),
    )
    assert row is not None
    if row[0] >= MAX_OPEN:
        return LimitReached(Limit.OPEN)
    recent = await tx.fetchall(
        "SELECT submitted_at FROM contact_requests WHERE asker_id = ? AND submitted_at > ?"
        " ORDER BY submitted_at",
        (asker_id, to_db(now - LIMIT_WINDOW)),
    )
    if len(recent) >= MAX_PER_DAY:
        # Free again once enough of them are older than the window.
        oldest_counted = from_db(recent[len(recent) - MAX_PER_DAY][0])
        return LimitReached(Limit.DAILY, oldest_counted + LIMIT_WINDOW)
    return None


async def _party(tx: Transaction, member_id: int, username: str | None) -> Party | None:
    """An active member as one side of an introduction, with what they share now."""
    row = await tx.fetchone(
        "SELECT members.*, organisations.name AS organisation_name FROM members"
        " LEFT JOIN organisations ON organisations.id = members.organisation_id"
        " WHERE members.id = ? AND members.status = 'active'",
        (member_id,),
    )
    if row is None:
        return None
    details = SharedDetails(
        name=row["display_name"] if row["share_name"] else None,
        organisation=row["organisation_name"] if row["share_organisation"] else None,
        phone=row["phone"] if row["share_phone"] else None,
        email=row["email"] if row["share_email"] else None,
        username=bool(row["share_username"]),
    )
    return Party(
        recipient=addressee_from_row(row),
        role=row["role"],
        details=details,
        username=username if details.username else None,
    )


async def _unanswered(
    tx: Transaction, request_id: int, position: int, member_id: int
) -> tuple[ContactRequest, Candidate] | AnswerResult:
    """The question put to this member, if they may still answer it; else why not."""
    row = await tx.fetchone(
        "SELECT * FROM contact_candidates WHERE request_id = ? AND position = ? AND member_id = ?",
        (request_id, position, member_id),
    )
    request = await _get_optional(tx, request_id)
    if row is None or request is None:
        return AnswerResult(Answer.NOT_YOURS)
    candidate = _candidate(row)
    if candidate.answer == "withdrawn" or request.state in ("withdrawn", "closed"):
        return AnswerResult(Answer.WITHDRAWN, request)
    if candidate.answer == "expired":
        return AnswerResult(Answer.OVER, request)
    if candidate.answer is not None:
        return AnswerResult(Answer.REPEATED, request, candidate.answer)
    if request.state != "matching" or request.asker_id is None:
        return AnswerResult(Answer.WITHDRAWN, request)
    return request, candidate


async def _close(tx: Transaction, request_id: int, state: str, now: datetime) -> None:
    """Withdraw or close an open request; whoever is being asked can no longer answer."""
    stamp = to_db(now)
    await tx.execute(
        "UPDATE contact_requests SET state = ?, closed_at = ?, message = NULL"
        " WHERE id = ? AND state IN ('matching', 'queued')",
        (state, stamp, request_id),
    )
    await tx.execute(
        "UPDATE contact_candidates SET answer = 'withdrawn', answered_at = ?"
        " WHERE request_id = ? AND answer IS NULL",
        (stamp, request_id),
    )


async def _after_no(
    tx: Transaction,
    request: ContactRequest,
    candidate: Candidate,
    answer: str,
    now: datetime,
    today: date,
    notices: ContactNotices,
) -> None:
    """Where a request goes after its candidate said no, passed, or let the time run out."""
    if answer == "passed":
        await queue(tx, request.id, "passed", now, notices)
    elif candidate.assigned_by is not None:
        await queue(tx, request.id, "declined_assignment", now, notices)
    else:
        await ask_next(tx, request, now, today, notices)


async def queue(
    tx: Transaction, request_id: int, reason: str, now: datetime, notices: ContactNotices
) -> bool:
    """Put a request that is being matched in the network team's queue, and tell every
    active staff member (in their language, without the message). False when it was not
    being matched."""
    if reason not in QUEUE_REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    rows = await tx.fetchall(
        "UPDATE contact_requests SET state = 'queued', queued_reason = ?, queued_at = ?"
        " WHERE id = ? AND state = 'matching' RETURNING *",
        (reason, to_db(now), request_id),
    )
    if not rows:
        return False
    request = request_from_row(rows[0])
    asked = await tx.fetchone(
        "SELECT count(*) FROM contact_candidates WHERE request_id = ?", (request_id,)
    )
    assert asked is not None
    for member in await active_staff(tx):
        await OutboxRepository.enqueue(
            tx,
            now,
            member.telegram_user_id,
            "sendMessage",
            notices.queued(request, member),
            # Queued again after a staff assignment is declined: a new notice, once.
            dedup_key=f"contact-queued:{request_id}:{asked[0]}:{member.member_id}",
        )
    return True


async def ask_next(
    tx: Transaction, request: ContactRequest, now: datetime, today: date, notices: ContactNotices
) -> Addressee | None:
    """Ask the best remaining candidate, or queue the request when there is none. Does
    nothing (None) while someone is still being asked or the request is not being matched."""
    if request.state != "matching" or request.asker_id is None:
        return None
    busy = await tx.fetchone(
        "SELECT 1 FROM contact_candidates WHERE request_id = ? AND answer IS NULL", (request.id,)
    )
    if busy is not None:
        return None
    found = await _eligible(tx, request, today)
    if not found:
        await queue(tx, request.id, "no_candidates", now, notices)
        return None
    await _ask(tx, request, found[0], now, notices, assigned_by=None)
    return found[0]


async def _ask(
    tx: Transaction,
    request: ContactRequest,
    who: Addressee,
    now: datetime,
    notices: ContactNotices,
    *,
    assigned_by: int | None,
) -> None:
    row = await tx.fetchone(
        "INSERT INTO contact_candidates (request_id, member_id, position, asked_at, assigned_by)"
        " SELECT ?, ?, coalesce(max(position), 0) + 1, ?, ? FROM contact_candidates"
        " WHERE request_id = ? RETURNING *",
        (request.id, who.member_id, to_db(now), assigned_by, request.id),
    )
    assert row is not None
    candidate = _candidate(row)
    await OutboxRepository.enqueue(
        tx,
        now,
        who.telegram_user_id,
        "sendMessage",
        notices.ask(request, who, candidate),
        dedup_key=f"contact-ask:{request.id}:{candidate.position}",
    )


async def _eligible(
    tx: Transaction,
    request: ContactRequest,
    today: date,
    *,
    member_id: int | None = None,
    everyone: bool = False,
) -> list[Addressee]:
    """Who may be asked about the request, best first (or whether ``member_id`` may: staff
    choose by hand, so tiers and topics do not bind them; ``everyone``: all whom staff may
    choose, those beyond the tiers last).

    Tiers: (1) covers the request's region — anyone, for a nationwide request; (2) covers a
    neighbouring Bundesland or the whole country. Within a tier: fewest questions open now,
    then not introduced to this asker before, then asked longest ago (never first), then id.
    """
    near = sorted(neighbours(request.region) | {NATIONWIDE}) if request.region != NATIONWIDE else []
    by_hand = member_id is not None or everyone
    params: dict[str, object] = {
        "side": request.other_side,
        "asker": request.asker_id,
        "request": request.id,
        "region": request.region,
        "nationwide": NATIONWIDE,
        "topic": request.topic,
        "today": today.isoformat(),
        "member": member_id,
        "by_hand": int(by_hand),
        "limit": -1 if everyone else 1,
        **{f"near{i}": region for i, region in enumerate(near)},
    }
    near_list = ",".join(f":near{i}" for i in range(len(near))) or "NULL"
    rows = await tx.fetchall(
        f"{_COVERS}, ranked AS (SELECT m.id, m.telegram_user_id, m.language, m.app_language,"
        " CASE WHEN :region = :nationwide"
        "   OR EXISTS (SELECT 1 FROM covers WHERE member_id = m.id AND region = :region) THEN 1"
        f"  WHEN EXISTS (SELECT 1 FROM covers WHERE member_id = m.id AND region IN ({near_list}))"
        "   THEN 2 END AS tier,"
        " (SELECT count(*) FROM contact_candidates c JOIN contact_requests q"
        "   ON q.id = c.request_id WHERE c.member_id = m.id AND c.answer IS NULL"
        "   AND q.state = 'matching') AS open_questions,"
        " EXISTS (SELECT 1 FROM contact_requests p WHERE p.state = 'introduced'"
        "   AND ((p.asker_id = :asker AND p.introduced_to = m.id)"
        "     OR (p.asker_id = m.id AND p.introduced_to = :asker))) AS met_before,"
        " (SELECT max(asked_at) FROM contact_candidates c WHERE c.member_id = m.id)"
        "   AS last_asked"
        " FROM members m"
        " WHERE m.role = :side AND m.status = 'active' AND m.unreachable_at IS NULL"
        " AND (m.snoozed_until IS NULL OR m.snoozed_until < :today)"
        " AND m.id IS NOT :asker"
        " AND (:member IS NULL OR m.id = :member)"
        " AND NOT EXISTS (SELECT 1 FROM contact_candidates c"
        "   WHERE c.request_id = :request AND c.member_id = m.id)"
        " AND NOT EXISTS (SELECT 1 FROM do_not_introduce d"
        "   WHERE (d.member_id = :asker AND d.other_id = m.id)"
        "   OR (d.member_id = m.id AND d.other_id = :asker))"
        " AND (:by_hand OR EXISTS (SELECT 1 FROM member_topics t"
        "     WHERE t.member_id = m.id AND t.topic = :topic)"
        "   OR NOT EXISTS (SELECT 1 FROM member_topics t WHERE t.member_id = m.id)))"
        " SELECT * FROM ranked WHERE tier IS NOT NULL OR :by_hand"
        " ORDER BY coalesce(tier, 3), open_questions, met_before, last_asked, id LIMIT :limit",
        params,
    )
    return [addressee_from_row(r) for r in rows]


async def run_due(
    tx: Transaction,
    now: datetime,
    today: date,
    notices: ContactNotices,
    *,
    remind_after: timedelta,
    pass_after: timedelta,
) -> JobCounts:
    """The job's work (every few minutes; after downtime it catches up, comparing the stored
    times with ``now``): withdraw requests whose asker is gone, pass over candidates who did
    not answer in time or can no longer answer, ask the next, and remind the silent once."""
    stamp = to_db(now)
    orphans = await tx.fetchall(
        "SELECT id FROM contact_requests q WHERE state IN ('matching', 'queued')"
        " AND NOT EXISTS (SELECT 1 FROM members m WHERE m.id = q.asker_id"
        " AND m.status = 'active' AND m.role = q.asker_role)"
    )
    for row in orphans:
        await _close(tx, row["id"], "withdrawn", now)
    overdue = await tx.fetchall(
        "SELECT c.* FROM contact_candidates c JOIN contact_requests q ON q.id = c.request_id"
        " LEFT JOIN members m ON m.id = c.member_id"
        " WHERE c.answer IS NULL AND q.state = 'matching'"
        " AND (c.asked_at <= ? OR m.id IS NULL OR m.status <> 'active'"
        " OR m.unreachable_at IS NOT NULL)",
        (to_db(now - pass_after),),
    )
    for row in overdue:
        candidate = _candidate(row)
        await tx.execute(
            "UPDATE contact_candidates SET answer = 'expired', answered_at = ?"
            " WHERE request_id = ? AND position = ? AND answer IS NULL",
            (stamp, candidate.request_id, candidate.position),
        )
        request = await _get(tx, candidate.request_id)
        await _after_no(tx, request, candidate, "expired", now, today, notices)
    # A request being matched with nobody asked (none had been eligible while a staff
    # assignment was prepared, say) gets its next candidate.
    idle = await tx.fetchall(
        "SELECT * FROM contact_requests q WHERE state = 'matching' AND NOT EXISTS"
        " (SELECT 1 FROM contact_candidates c WHERE c.request_id = q.id AND c.answer IS NULL)"
    )
    for row in idle:
        await ask_next(tx, request_from_row(row), now, today, notices)
    asked = await tx.fetchone(
        "SELECT count(*) FROM contact_candidates WHERE asked_at = ?", (stamp,)
    )
    assert asked is not None
    due = await tx.fetchall(
        "SELECT c.*, m.telegram_user_id, m.language, m.app_language, m.id"
        " FROM contact_candidates c JOIN contact_requests q ON q.id = c.request_id"
        " JOIN members m ON m.id = c.member_id"
        " WHERE c.answer IS NULL AND q.state = 'matching' AND c.reminded_at IS NULL"
        " AND c.asked_at <= ?",
        (to_db(now - remind_after),),
    )
    for row in due:
        candidate = _candidate(row)
        await tx.execute(
            "UPDATE contact_candidates SET reminded_at = ?"
            " WHERE request_id = ? AND position = ? AND reminded_at IS NULL",
            (stamp, candidate.request_id, candidate.position),
        )
        request = await _get(tx, candidate.request_id)
        await OutboxRepository.enqueue(
            tx,
            now,
            row["telegram_user_id"],
            "sendMessage",
            notices.remind(request, addressee_from_row(row), candidate),
            dedup_key=f"contact-remind:{candidate.request_id}:{candidate.position}",
        )
    return JobCounts(
        withdrawn=len(orphans), expired=len(overdue), asked=int(asked[0]), reminded=len(due)
    )
