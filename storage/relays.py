"""The relay: when one side of an introduction shares nothing to reach them by (no phone,
e-mail or @username), the bot passes messages between the two for a while (14 days by
default) — each reply to a message of the conversation is copied to the other side.

What is kept: that the relay is open, until when, who ended it (``contact_relays``), and
which (chat, message) pairs belong to it (``relay_messages``) so that a reply to a copy goes
back the other way. Never a text, a caption or a file: Telegram's copyMessage moves the
content, and the update that carried it is forgotten once handled (bot/updates.py).

Decisions the design left open, and why:
- The writer's own message is recorded too, not only the copy: a replayed update (the inbox
  hands an update over again after a crash) then finds it and passes nothing on twice, and a
  reply to one's own earlier message continues the same conversation.
- The relay ends when either side is no longer an active member (suspended, lapsed, erased):
  introductions happen only between active members, and a message that cannot be answered
  helps nobody. The other side is told. A member who blocked the bot is not ended for: they
  may unblock it, and the writer is told at once that the message was not delivered.
- Once ended, the message pairs stay (until the request's retention), so a late reply gets
  "this conversation has ended" rather than "unknown message".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from storage.db import Database, Transaction
from storage.introductions import Introduced, introduced, sides
from storage.outbox import OutboxRepository
from storage.profiles import SharedDetails
from storage.timefmt import from_db, from_db_optional, to_db

Payload = dict[str, Any]


def reachable(details: SharedDetails) -> bool:
    """Whether the details give a way to get in touch without the bot."""
    return bool(details.phone or details.email or details.username)


def needs_relay(first: SharedDetails, second: SharedDetails) -> bool:
    return not (reachable(first) and reachable(second))


async def open_relay(tx: Transaction, request_id: int, now: datetime, length: timedelta) -> None:
    """Open the relay of a new introduction (inside the Accept transaction)."""
    await tx.execute(
        "INSERT OR IGNORE INTO contact_relays (request_id, opened_at, ends_at) VALUES (?, ?, ?)",
        (request_id, to_db(now), to_db(now + length)),
    )


@dataclass(frozen=True)
class Relay:
    request_id: int
    opened_at: datetime
    ends_at: datetime
    ended_at: datetime | None
    ended_by: int | None

    def is_open(self, now: datetime) -> bool:
        return self.ended_at is None and now < self.ends_at


def _relay(row: sqlite3.Row) -> Relay:
    return Relay(
        request_id=row["request_id"],
        opened_at=from_db(row["opened_at"]),
        ends_at=from_db(row["ends_at"]),
        ended_at=from_db_optional(row["ended_at"]),
        ended_by=row["ended_by"],
    )


@dataclass(frozen=True)
class Conversation:
    """An introduction with its relay (None: the two share details, nothing is relayed)."""

    introduced: Introduced
    relay: Relay | None

    def can_pass_on(self, now: datetime) -> bool:
        other = self.introduced.other
        return (
            self.relay is not None
            and self.relay.is_open(now)
            and self.introduced.me.active
            and other is not None
            and other.active
        )


class Ending(Enum):
    BY_OTHER = "the other side ended it"
    EXPIRED = "its time ran out"
    GONE = "the other side is no longer an active member"


# What the bot tells one side (the view is theirs) when their relay ends.
EndNotice = Callable[[Introduced, Ending], Payload]


class Ended(Enum):
    DONE = "ended now"
    ALREADY = "ended before, or its time is over"
    NOT_YOURS = "no relay of this member (forged or stale)"


class RelayRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def conversation(self, request_id: int, member_id: int) -> Conversation | None:
        """The introduction and its relay as this member sees them, if they are one of its
        two members."""
        view = await introduced(self._db, request_id, member_id)
        if view is None:
            return None
        row = await self._db.fetchone(
            "SELECT * FROM contact_relays WHERE request_id = ?", (request_id,)
        )
        return Conversation(view, None if row is None else _relay(row))

    async def request_of(self, chat_id: int, message_id: int) -> int | None:
        """The request a relayed message (a copy, or what was copied) belongs to."""
        row = await self._db.fetchone(
            "SELECT request_id FROM relay_messages WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return None if row is None else int(row[0])

    async def record(self, request_id: int, messages: list[tuple[int, int]]) -> None:
        """Remember (chat id, message id) pairs as part of the relay: ids only."""
        async with self._db.transaction() as tx:
            await tx.executemany(
                "INSERT OR IGNORE INTO relay_messages (chat_id, message_id, request_id)"
                " VALUES (?, ?, ?)",
                [(chat_id, message_id, request_id) for chat_id, message_id in messages],
            )

    async def has_open(self, member_id: int, now: datetime) -> bool:
        """Whether the member has a relay open now."""
        row = await self._db.fetchone(
            "SELECT 1 FROM contact_relays r JOIN contact_requests q ON q.id = r.request_id"
            " WHERE ? IN (q.asker_id, q.introduced_to) AND r.ended_at IS NULL AND r.ends_at > ?"
            " LIMIT 1",
            (member_id, to_db(now)),
        )
        return row is not None

    async def end(self, request_id: int, member_id: int, now: datetime, notice: EndNotice) -> Ended:
        """One side ends the conversation; the other is told (through the outbox)."""
        async with self._db.transaction() as tx:
            view = await introduced(tx, request_id, member_id)
            row = await tx.fetchone(
                "SELECT * FROM contact_relays WHERE request_id = ?", (request_id,)
            )
            if view is None or row is None:
                return Ended.NOT_YOURS
            changed = await tx.execute(
                "UPDATE contact_relays SET ended_at = ?, ended_by = ?"
                " WHERE request_id = ? AND ended_at IS NULL AND ends_at > ?",
                (to_db(now), member_id, request_id, to_db(now)),
            )
            if not changed:
                return Ended.ALREADY
            for side in await sides(tx, request_id):
                if side.side != view.side:
                    await _tell(tx, now, side, Ending.BY_OTHER, notice)
        return Ended.DONE


async def _tell(
    tx: Transaction, now: datetime, view: Introduced, ending: Ending, notice: EndNotice
) -> None:
    if not view.me.active:
        return
    await OutboxRepository.enqueue(
        tx,
        now,
        view.me.telegram_user_id,
        "sendMessage",
        notice(view, ending),
        dedup_key=f"contact-relay-end:{view.request_id}:{view.side}",
    )


async def end_due(tx: Transaction, now: datetime, notice: EndNotice) -> int:
    """The job's work: end relays whose time is over, and those where a side is no longer an
    active member; each remaining active side is told once. Returns how many ended."""
    stamp = to_db(now)
    rows = await tx.fetchall(
        "SELECT r.request_id, r.ends_at <= ? AS expired FROM contact_relays r"
        " JOIN contact_requests q ON q.id = r.request_id"
        " WHERE r.ended_at IS NULL AND (r.ends_at <= ?"
        "   OR NOT EXISTS (SELECT 1 FROM members m WHERE m.id = q.asker_id"
        "     AND m.status = 'active')"
        "   OR NOT EXISTS (SELECT 1 FROM members m WHERE m.id = q.introduced_to"
        "     AND m.status = 'active'))",
        (stamp, stamp),
    )
    for row in rows:
        request_id = row["request_id"]
        changed = await tx.execute(
            "UPDATE contact_relays SET ended_at = ? WHERE request_id = ? AND ended_at IS NULL",
            (stamp, request_id),
        )
        if not changed:
            continue
        ending = Ending.EXPIRED if row["expired"] else Ending.GONE
        for view in await sides(tx, request_id):
            await _tell(tx, now, view, ending, notice)
    return len(rows)
