"""Staff broadcasts: a draft with its text per language (and a photo or document), its
audience, approval, scheduling, and delivery through the outbox.

Queueing freezes the audience: one outbox row per recipient, tagged with the broadcast, in
one transaction with the state change, so a crash either queued everyone or nobody. From then
on the outbox sender delivers at its budget (bot/delivery.py); a member who erases their data
meanwhile loses their pending row with the rest of their data. The broadcast is "sent" only
when none of its rows is pending any more (``finish_done``); a cancel deletes the pending
rows. Progress and the report count the rows by state.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.audit import AuditRepository
from storage.db import Database, Transaction
from storage.members import Addressee
from storage.timefmt import from_db_optional, to_db

ROLES = ("community", "police", "staff")
EVENT_GROUPS = ("confirmed", "waitlisted")
# Below every other message the bot queues: a reminder or an introduction queued during a
# long broadcast goes out first.
PRIORITY = -1


class BroadcastError(ValueError):
    """The change cannot be made in the broadcast's state (or by this staff member)."""


@dataclass(frozen=True)
class Audience:
    """Who receives a broadcast; every given filter must match (an empty one: no filter)."""

    roles: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # a member's regions, or their organisation's Land
    languages: tuple[str, ...] = ()  # the language the member reads the bot in
    event_id: int | None = None
    event_group: str | None = None  # with event_id: 'confirmed' or 'waitlisted'
    projects: bool = False  # members who answer for an active check-in project

    def to_json(self) -> str:
        data: dict[str, Any] = {}
        if self.roles:
            data["roles"] = list(self.roles)
        if self.regions:
            data["regions"] = list(self.regions)
        if self.languages:
            data["languages"] = list(self.languages)
        if self.event_id is not None:
            data["event_id"] = self.event_id
            data["event_group"] = self.event_group or "confirmed"
        if self.projects:
            data["projects"] = True
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Audience:
        data = json.loads(text or "{}")
        return cls(
            roles=tuple(data.get("roles", ())),
            regions=tuple(data.get("regions", ())),
            languages=tuple(data.get("languages", ())),
            event_id=data.get("event_id"),
            event_group=data.get("event_group"),
            projects=bool(data.get("projects", False)),
        )


@dataclass(frozen=True)
class Broadcast:
    id: int
    author_id: int
    state: str
    step: str | None
    texts: dict[str, str]
    media_kind: str | None
    media_file_id: str | None
    audience: Audience
    essential: bool
    fallback_confirmed: bool
    send_at: datetime | None
    approved_by: int | None
    queued_at: datetime | None
    recipients: int | None
    finished_at: datetime | None
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: datetime = field(compare=False, default=datetime.min)


@dataclass(frozen=True)
class Progress:
    """A queued broadcast's rows by state; ``gone`` were deleted with an erased member."""

    recipients: int
    pending: int
    sent: int
    failed: int
    unreachable: int

    @property
    def gone(self) -> int:
        return max(0, self.recipients - self.pending - self.sent - self.failed - self.unreachable)

    @property
    def done(self) -> int:
        return self.recipients - self.pending


@dataclass(frozen=True)
class Failure:
    """A recipient the broadcast did not reach, for the report's CSV."""

    member_id: int | None
    display_name: str | None
    role: str | None
    state: str  # 'failed' or 'unreachable'
    error: str | None


def _broadcast(row: sqlite3.Row, texts: dict[str, str]) -> Broadcast:
    return Broadcast(
        id=row["id"],
        author_id=row["author_id"],
        state=row["state"],
        step=row["step"],
        texts=texts,
        media_kind=row["media_kind"],
        media_file_id=row["media_file_id"],
        audience=Audience.from_json(row["audience"]),
        essential=bool(row["essential"]),
        fallback_confirmed=bool(row["fallback_confirmed"]),
        send_at=from_db_optional(row["send_at"]),
        approved_by=row["approved_by"],
        queued_at=from_db_optional(row["queued_at"]),
        recipients=row["recipients"],
        finished_at=from_db_optional(row["finished_at"]),
        progress_chat_id=row["progress_chat_id"],
        progress_message_id=row["progress_message_id"],
        created_at=from_db_optional(row["created_at"]) or datetime.min,
    )


def _language_sql(default_language: str, languages: Sequence[str]) -> tuple[str, list[Any]]:
    """The language a member reads the bot in (bot/i18n.py Catalogs.choose), as SQL."""
    marks = ", ".join("?" for _ in languages)
    return (
        f"CASE WHEN m.language IN ({marks}) THEN m.language"
        f" WHEN lower(substr(replace(m.app_language, '_', '-'), 1, 2)) IN ({marks})"
        " THEN lower(substr(replace(m.app_language, '_', '-'), 1, 2))"
        " ELSE ? END",
        [*languages, *languages, default_language],
    )


def _audience_sql(
    audience: Audience, essential: bool, default_language: str, all_languages: Sequence[str]
) -> tuple[str, list[Any]]:
    """The FROM/WHERE part selecting the recipients (``m`` the member, ``lang`` their language)."""
    language, params = _language_sql(default_language, all_languages)
    where = [
        "m.status = 'active'",
        "m.role IS NOT NULL",
        "m.unreachable_at IS NULL",
    ]
    if not essential:
        where.append("m.announcements = 1")
    roles = audience.roles or ROLES
    where.append(f"m.role IN ({', '.join('?' for _ in roles)})")
    params += list(roles)
    if audience.regions:
        marks = ", ".join("?" for _ in audience.regions)
        where.append(
            f"(EXISTS (SELECT 1 FROM member_regions r WHERE r.member_id = m.id AND r.region IN"
            f" ({marks})) OR EXISTS (SELECT 1 FROM organisations o WHERE o.id ="
            f" m.organisation_id AND o.bundesland IN ({marks})))"
        )
        params += [*audience.regions, *audience.regions]
    if audience.languages:
        where.append(f"lang IN ({', '.join('?' for _ in audience.languages)})")
        params += list(audience.languages)
    if audience.event_id is not None:
        states = ("waitlisted",) if audience.event_group == "waitlisted" else ("confirmed",)
        where.append(
            "EXISTS (SELECT 1 FROM registrations g WHERE g.member_id = m.id AND g.event_id = ?"
            f" AND g.state IN ({', '.join('?' for _ in states)}))"
        )
        params += [audience.event_id, *states]
    if audience.projects:
        where.append(
            "EXISTS (SELECT 1 FROM project_members pm JOIN projects p ON p.id = pm.project_id"
            " WHERE pm.member_id = m.id AND p.archived_at IS NULL)"
        )
    sql = f" FROM (SELECT m.*, {language} AS lang FROM members m) m WHERE " + " AND ".join(where)
    return sql, params


async def _progress(tx: Transaction, broadcast_id: int) -> Progress | None:
    """A queued broadcast's rows counted by state, in one pass over its rows."""
    row = await tx.fetchone(
        "SELECT b.recipients,"
        " count(o.id) FILTER (WHERE o.state = 'pending') AS pending,"
        " count(o.id) FILTER (WHERE o.state = 'sent') AS sent,"
        " count(o.id) FILTER (WHERE o.state = 'failed') AS failed,"
        " count(o.id) FILTER (WHERE o.state = 'unreachable') AS unreachable"
        " FROM broadcasts b LEFT JOIN outbox o ON o.broadcast_id = b.id"
        " WHERE b.id = ? AND b.queued_at IS NOT NULL GROUP BY b.id",
        (broadcast_id,),
    )
    if row is None:
        return None
    return Progress(
        row["recipients"] or 0, row["pending"], row["sent"], row["failed"], row["unreachable"]
    )


class BroadcastRepository:
    def __init__(self, db: Database, default_language: str, languages: Sequence[str]) -> None:
        self._db = db
        self._default = default_language
        self._languages = tuple(languages)

    # Reading ------------------------------------------------------------------------------

    @staticmethod
    async def get_in(tx: Transaction, broadcast_id: int) -> Broadcast | None:
        row = await tx.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        if row is None:
            return None
        texts = await tx.fetchall(
            "SELECT language, text FROM broadcast_texts WHERE broadcast_id = ?", (broadcast_id,)
        )
        return _broadcast(row, {t["language"]: t["text"] for t in texts})

    async def get(self, broadcast_id: int) -> Broadcast | None:
        async with self._db.transaction() as tx:
            return await self.get_in(tx, broadcast_id)

    async def draft_of(self, author_id: int) -> Broadcast | None:
        """The author's broadcast being composed, if any (one at a time)."""
        row = await self._db.fetchone(
            "SELECT id FROM broadcasts WHERE author_id = ? AND state = 'draft'"
            " ORDER BY id DESC LIMIT 1",
            (author_id,),
        )
        return None if row is None else await self.get(row["id"])

    async def listed(self, states: Sequence[str], offset: int, limit: int) -> list[Broadcast]:
        marks = ", ".join("?" for _ in states)
        rows = await self._db.fetchall(
            f"SELECT id FROM broadcasts WHERE state IN ({marks}) ORDER BY id DESC LIMIT ? OFFSET ?",
            (*states, limit, offset),
        )
        found = [await self.get(r["id"]) for r in rows]
        return [b for b in found if b is not None]

    # The audience -------------------------------------------------------------------------

    async def count(self, audience: Audience, essential: bool) -> dict[str, int]:
        """Recipients now, by the language they read the bot in."""
        where, params = _audience_sql(audience, essential, self._default, self._languages)
        rows = await self._db.fetchall(
            "SELECT lang, count(*) AS n" + where + " GROUP BY lang", tuple(params)
        )
        return {r["lang"]: r["n"] for r in rows}

    async def recipients_in(
        self, tx: Transaction, audience: Audience, essential: bool
    ) -> list[tuple[Addressee, str]]:
        """Every recipient and the language they read the bot in."""
        where, params = _audience_sql(audience, essential, self._default, self._languages)
        rows = await tx.fetchall(
            "SELECT m.id, m.telegram_user_id, m.language, m.app_language, m.lang"
            + where
            + " ORDER BY m.id",
            tuple(params),
        )
        return [
            (Addressee(r["id"], r["telegram_user_id"], r["language"], r["app_language"]), r["lang"])
            for r in rows
        ]

    # Composing ----------------------------------------------------------------------------

    async def start(self, author_id: int, now: datetime) -> Broadcast:
        """A new draft; an unfinished earlier draft of the author is discarded."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE broadcasts SET state = 'discarded', updated_at = ?"
                " WHERE author_id = ? AND state = 'draft'",
                (to_db(now), author_id),
            )
            new_id = await tx.insert(
                "INSERT INTO broadcasts (author_id, step, created_at, updated_at)"
                " VALUES (?, 'text', ?, ?)",
                (author_id, to_db(now), to_db(now)),
            )
            assert new_id is not None
            found = await self.get_in(tx, new_id)
        assert found is not None
        return found

    async def _change(
        self, broadcast_id: int, author_id: int, now: datetime, sql: str, params: Sequence[Any]
    ) -> bool:
        """Change the author's draft; False when it is no draft of theirs any more."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                f"UPDATE broadcasts SET {sql}, updated_at = ?"
                " WHERE id = ? AND author_id = ? AND state = 'draft'",
                (*params, to_db(now), broadcast_id, author_id),
            )
        return changed == 1

    async def set_step(
        self, broadcast_id: int, author_id: int, step: str | None, now: datetime
    ) -> bool:
        return await self._change(broadcast_id, author_id, now, "step = ?", (step,))

    async def set_text(
        self, broadcast_id: int, author_id: int, language: str, text: str, now: datetime
    ) -> bool:
        return await self._change_texts(
            broadcast_id,
            author_id,
            now,
            "INSERT INTO broadcast_texts (broadcast_id, language, text) VALUES (?, ?, ?)"
            " ON CONFLICT (broadcast_id, language) DO UPDATE SET text = excluded.text",
            (broadcast_id, language, text),
        )

    async def drop_text(
        self, broadcast_id: int, author_id: int, language: str, now: datetime
    ) -> bool:
        return await self._change_texts(
            broadcast_id,
            author_id,
            now,
            "DELETE FROM broadcast_texts WHERE broadcast_id = ? AND language = ?",
            (broadcast_id, language),
        )

    async def _change_texts(
        self, broadcast_id: int, author_id: int, now: datetime, sql: str, params: Sequence[Any]
    ) -> bool:
        """Change the versions of the author's draft; who gets which version changes with
        them, so the fallback must be confirmed again. False when it is no draft of theirs."""
        async with self._db.transaction() as tx:
            if not await tx.execute(
                "UPDATE broadcasts SET fallback_confirmed = 0, updated_at = ?"
                " WHERE id = ? AND author_id = ? AND state = 'draft'",
                (to_db(now), broadcast_id, author_id),
            ):
                return False
            await tx.execute(sql, params)
        return True

    async def set_media(
        self,
        broadcast_id: int,
        author_id: int,
        kind: str | None,
        file_id: str | None,
        now: datetime,
    ) -> bool:
        return await self._change(
            broadcast_id, author_id, now, "media_kind = ?, media_file_id = ?", (kind, file_id)
        )

    async def set_audience(
        self, broadcast_id: int, author_id: int, audience: Audience, now: datetime
    ) -> bool:
        return await self._change(
            broadcast_id,
            author_id,
            now,
            "audience = ?, fallback_confirmed = 0",
            (audience.to_json(),),
        )

    async def set_essential(
        self, broadcast_id: int, author_id: int, essential: bool, now: datetime
    ) -> bool:
        return await self._change(broadcast_id, author_id, now, "essential = ?", (int(essential),))

    async def confirm_fallback(self, broadcast_id: int, author_id: int, now: datetime) -> bool:
        return await self._change(broadcast_id, author_id, now, "fallback_confirmed = 1", ())

    async def discard(self, broadcast_id: int, author_id: int, now: datetime) -> bool:
        return await self._change(broadcast_id, author_id, now, "state = 'discarded'", ())

    # From draft to queued -------------------------------------------------------------------

    async def release(
        self,
        broadcast_id: int,
        author_id: int,
        now: datetime,
        *,
        send_at: datetime | None,
        needs_approval: bool,
    ) -> str | None:
        """The author is done: the draft awaits approval, is scheduled, or (returned state
        'sending') is to be queued now (``queue_in``, by the caller or the broadcast job).
        None if it is no draft of theirs any more."""
        state = "awaiting_approval" if needs_approval else ("scheduled" if send_at else "sending")
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE broadcasts SET state = ?, send_at = ?, step = NULL, updated_at = ?"
                " WHERE id = ? AND author_id = ? AND state = 'draft'",
                (
                    state,
                    None if send_at is None else to_db(send_at),
                    to_db(now),
                    broadcast_id,
                    author_id,
                ),
            )
            if not changed:
                return None
            await AuditRepository.record(
                tx,
                now,
                "broadcast.submit",
                actor_id=author_id,
                object_type="broadcast",
                object_id=broadcast_id,
                detail=f"state={state}" + (f" send_at={to_db(send_at)}" if send_at else ""),
            )
        return state

    async def approve(self, broadcast_id: int, approver_id: int, now: datetime) -> str | None:
        """A second staff member approves: the broadcast is scheduled (when it has a time
        still ahead) or is to be queued now ('sending'). None when it awaits no approval or
        the approver is its author."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT author_id, send_at FROM broadcasts WHERE id = ?"
                " AND state = 'awaiting_approval'",
                (broadcast_id,),
            )
            if row is None or row["author_id"] == approver_id:
                return None
            send_at = from_db_optional(row["send_at"])
            state = "scheduled" if send_at is not None and send_at > now else "sending"
            await tx.execute(
                "UPDATE broadcasts SET state = ?, approved_by = ?, approved_at = ?,"
                " updated_at = ? WHERE id = ?",
                (state, approver_id, to_db(now), to_db(now), broadcast_id),
            )
            await AuditRepository.record(
                tx,
                now,
                "broadcast.approve",
                actor_id=approver_id,
                object_type="broadcast",
                object_id=broadcast_id,
            )
        return state

    async def reject(self, broadcast_id: int, approver_id: int, now: datetime) -> bool:
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE broadcasts SET state = 'rejected', approved_by = ?, approved_at = ?,"
                " updated_at = ? WHERE id = ? AND state = 'awaiting_approval'"
                " AND author_id != ?",
                (approver_id, to_db(now), to_db(now), broadcast_id, approver_id),
            )
            if changed:
                await AuditRepository.record(
                    tx,
                    now,
                    "broadcast.reject",
                    actor_id=approver_id,
                    object_type="broadcast",
                    object_id=broadcast_id,
                )
        return changed == 1

    async def queue_in(
        self,
        tx: Transaction,
        broadcast: Broadcast,
        now: datetime,
        payload: Callable[[Broadcast, str], tuple[str, dict[str, Any]]],
    ) -> int:
        """Freeze the audience: one outbox row per recipient (``payload`` gives the method
        and parameters for a language), in the caller's transaction. Returns how many; 0 when
        it was queued already."""
        claimed = await tx.execute(
            "UPDATE broadcasts SET queued_at = ?, state = 'sending', updated_at = ?"
            " WHERE id = ? AND queued_at IS NULL AND state IN ('sending', 'scheduled')",
            (to_db(now), to_db(now), broadcast.id),
        )
        if not claimed:
            return 0
        queued = 0
        by_language: dict[str, tuple[str, str]] = {}
        for addressee, language in await self.recipients_in(
            tx, broadcast.audience, broadcast.essential
        ):
            if language not in by_language:
                method, params = payload(broadcast, language)
                by_language[language] = (method, json.dumps(params))
            method, params_json = by_language[language]
            tx.queued_messages = True
            added = await tx.insert(
                "INSERT OR IGNORE INTO outbox (chat_id, method, payload, priority, dedup_key,"
                " created_at, broadcast_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    addressee.telegram_user_id,
                    method,
                    params_json,
                    PRIORITY,
                    f"broadcast:{broadcast.id}:{addressee.member_id}",
                    to_db(now),
                    broadcast.id,
                ),
            )
            queued += added is not None
        await tx.execute(
            "UPDATE broadcasts SET recipients = ? WHERE id = ?", (queued, broadcast.id)
        )
        await AuditRepository.record(
            tx,
            now,
            "broadcast.queue",
            actor_id=broadcast.author_id,
            object_type="broadcast",
            object_id=broadcast.id,
            detail=f"recipients={queued} essential={int(broadcast.essential)}",
        )
        return queued

    @staticmethod
    async def to_queue(tx: Transaction, now: datetime) -> list[int]:
        """Broadcasts to queue now: released or approved for now, or scheduled and due."""
        rows = await tx.fetchall(
            "SELECT id FROM broadcasts WHERE queued_at IS NULL AND (state = 'sending'"
            " OR (state = 'scheduled' AND send_at <= ?)) ORDER BY id",
            (to_db(now),),
        )
        return [r["id"] for r in rows]

    async def any_to_queue(self, now: datetime) -> bool:
        """Whether ``to_queue`` would find anything: a read, so a frequent check does not
        take the write lock."""
        row = await self._db.fetchone(
            "SELECT 1 FROM broadcasts WHERE queued_at IS NULL AND (state = 'sending'"
            " OR (state = 'scheduled' AND send_at <= ?)) LIMIT 1",
            (to_db(now),),
        )
        return row is not None

    # Delivery -------------------------------------------------------------------------------

    async def progress(self, broadcast_id: int) -> Progress | None:
        async with self._db.transaction() as tx:
            return await _progress(tx, broadcast_id)

    async def awaiting_approval(self) -> list[int]:
        """Broadcasts waiting for a second staff member's approval (four-eyes)."""
        rows = await self._db.fetchall(
            "SELECT id FROM broadcasts WHERE state = 'awaiting_approval' ORDER BY id"
        )
        return [r["id"] for r in rows]

    async def sending(self) -> list[int]:
        rows = await self._db.fetchall(
            "SELECT id FROM broadcasts WHERE state = 'sending' AND queued_at IS NOT NULL"
            " ORDER BY id"
        )
        return [r["id"] for r in rows]

    async def finish_done(self, broadcast_id: int, now: datetime) -> bool:
        """Mark the broadcast sent when no row of it is pending any more; True if it was
        marked now (then the report goes out, once)."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE broadcasts SET state = 'sent', finished_at = ?, updated_at = ?"
                " WHERE id = ? AND state = 'sending' AND queued_at IS NOT NULL AND NOT EXISTS"
                " (SELECT 1 FROM outbox WHERE broadcast_id = ? AND state = 'pending')",
                (to_db(now), to_db(now), broadcast_id, broadcast_id),
            )
            if changed:
                progress = await _progress(tx, broadcast_id)
                assert progress is not None
                await AuditRepository.record(
                    tx,
                    now,
                    "broadcast.sent",
                    object_type="broadcast",
                    object_id=broadcast_id,
                    detail=f"sent={progress.sent} failed={progress.failed}"
                    f" unreachable={progress.unreachable}",
                )
        return changed == 1

    async def cancel(self, broadcast_id: int, actor_id: int, now: datetime) -> int | None:
        """Stop a broadcast: its pending rows are deleted (a message in flight still goes).
        Returns how many were not sent; None when there was nothing to cancel."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE broadcasts SET state = 'cancelled', finished_at = ?, updated_at = ?"
                " WHERE id = ? AND state IN ('awaiting_approval', 'scheduled', 'sending')",
                (to_db(now), to_db(now), broadcast_id),
            )
            if not changed:
                return None
            dropped = await tx.execute(
                "DELETE FROM outbox WHERE broadcast_id = ? AND state = 'pending'", (broadcast_id,)
            )
            await AuditRepository.record(
                tx,
                now,
                "broadcast.cancel",
                actor_id=actor_id,
                object_type="broadcast",
                object_id=broadcast_id,
                detail=f"not_sent={dropped}",
            )
        return dropped

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
                (chat_id, message_id, broadcast_id),
            )

    async def failures(self, broadcast_id: int) -> list[Failure]:
        rows = await self._db.fetchall(
            "SELECT m.id, m.display_name, m.role, o.state, o.last_error FROM outbox o"
            " LEFT JOIN members m ON m.telegram_user_id = o.chat_id"
            " WHERE o.broadcast_id = ? AND o.state IN ('failed', 'unreachable') ORDER BY o.id",
            (broadcast_id,),
        )
        return [
            Failure(r["id"], r["display_name"], r["role"], r["state"], r["last_error"])
            for r in rows
        ]

    # Members' choice ----------------------------------------------------------------------

    async def set_announcements(self, member_id: int, wanted: bool) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE members SET announcements = ? WHERE id = ?", (int(wanted), member_id)
            )

    async def announcements(self, member_id: int) -> bool:
        row = await self._db.fetchone(
            "SELECT announcements FROM members WHERE id = ?", (member_id,)
        )
        return row is None or bool(row["announcements"])
