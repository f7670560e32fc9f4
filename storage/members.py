"""Members: the people who have written to the bot."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from storage.audit import AuditRepository
from storage.db import Database, Transaction
from storage.outbox import OutboxRepository
from storage.timefmt import from_db, from_db_optional, to_db

# Members' last activity is kept to the hour: precise enough for lapses and retention, and
# it spares a disk write on almost every update.
LAST_SEEN_PRECISION = timedelta(hours=1)


@dataclass(frozen=True)
class Addressee:
    """Whom the bot writes to on its own, and in which language (the member's choice, else
    their Telegram app's)."""

    member_id: int
    telegram_user_id: int
    language: str | None
    app_language: str | None


def addressee_from_row(row: sqlite3.Row) -> Addressee:
    """From a row with the member's id, telegram_user_id, language and app_language."""
    return Addressee(row["id"], row["telegram_user_id"], row["language"], row["app_language"])


async def active_staff(tx: Transaction) -> list[Addressee]:
    """Everyone the bot tells when the network team must act, in the caller's transaction."""
    rows = await tx.fetchall(
        "SELECT id, telegram_user_id, language, app_language FROM members"
        " WHERE role = 'staff' AND status = 'active' ORDER BY id"
    )
    return [addressee_from_row(r) for r in rows]


@dataclass(frozen=True)
class Member:
    id: int
    telegram_user_id: int
    language: str | None
    app_language: str | None
    created_at: datetime
    last_seen_at: datetime
    unreachable_at: datetime | None
    role: str | None
    status: str | None
    display_name: str | None
    organisation_id: int | None
    role_confirmed_at: datetime | None
    city: str | None
    snoozed_until: date | None
    reconfirm_asked_at: datetime | None
    # The privacy-notice version of the member's standing consent; None when there is none.
    consent_version: str | None

    @property
    def is_active_staff(self) -> bool:
        return self.role == "staff" and self.status == "active"

    @property
    def is_active(self) -> bool:
        return self.role is not None and self.status == "active"


def _member(row: sqlite3.Row) -> Member:
    return Member(
        id=row["id"],
        telegram_user_id=row["telegram_user_id"],
        language=row["language"],
        app_language=row["app_language"],
        created_at=from_db(row["created_at"]),
        last_seen_at=from_db(row["last_seen_at"]),
        unreachable_at=from_db_optional(row["unreachable_at"]),
        role=row["role"],
        status=row["status"],
        display_name=row["display_name"],
        organisation_id=row["organisation_id"],
        role_confirmed_at=from_db_optional(row["role_confirmed_at"]),
        city=row["city"],
        snoozed_until=None
        if row["snoozed_until"] is None
        else date.fromisoformat(row["snoozed_until"]),
        reconfirm_asked_at=from_db_optional(row["reconfirm_asked_at"]),
        consent_version=row["consent_version"],
    )


# Every read of a member carries the version of their standing consent, so the check that
# a changed privacy notice is agreed to costs no extra query per update.
SELECT_MEMBER = (
    "SELECT members.*, (SELECT notice_version FROM consents"
    " WHERE consents.member_id = members.id AND purpose = 'membership'"
    " AND withdrawn_at IS NULL ORDER BY id DESC LIMIT 1) AS consent_version FROM members"
)


class MemberRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get_by_telegram_id(self, telegram_user_id: int) -> Member | None:
        row = await self._db.fetchone(
            f"{SELECT_MEMBER} WHERE telegram_user_id = ?", (telegram_user_id,)
        )
        return None if row is None else _member(row)

    async def get(self, member_id: int) -> Member | None:
        row = await self._db.fetchone(f"{SELECT_MEMBER} WHERE id = ?", (member_id,))
        return None if row is None else _member(row)

    async def seen(
        self, telegram_user_id: int, now: datetime, app_language: str | None = None
    ) -> Member:
        """Record that the person wrote to us: creates them, or marks them reachable again.

        Runs on every update, so it only writes when something changes: a new member, one
        marked unreachable, a new app language, or a last-seen time more than
        LAST_SEEN_PRECISION old.
        """
        app_language = app_language[:35] if app_language else None
        member = await self.get_by_telegram_id(telegram_user_id)
        if (
            member is not None
            and member.unreachable_at is None
            and now - member.last_seen_at < LAST_SEEN_PRECISION
            and (app_language is None or app_language == member.app_language)
        ):
            return member
        stamp = to_db(now)
        await self._db.write_one(
            "INSERT INTO members (telegram_user_id, created_at, last_seen_at, app_language)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (telegram_user_id) DO UPDATE"
            " SET last_seen_at = excluded.last_seen_at, unreachable_at = NULL,"
            " app_language = COALESCE(excluded.app_language, app_language)",
            (telegram_user_id, stamp, stamp, app_language),
        )
        member = await self.get_by_telegram_id(telegram_user_id)
        assert member is not None
        return member

    async def make_staff(self, telegram_user_id: int, now: datetime) -> tuple[Member, bool]:
        """Give someone the active staff role (the operator's bootstrap, not a bot action).

        Returns the member and whether anything changed; the change is audited in the same
        transaction.
        """
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO members (telegram_user_id, created_at, last_seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT (telegram_user_id) DO NOTHING",
                (telegram_user_id, stamp, stamp),
            )
            changed = await tx.execute(
                "UPDATE members SET role = 'staff', status = 'active', role_confirmed_at = ?"
                " WHERE telegram_user_id = ?"
                " AND (role IS NOT 'staff' OR status IS NOT 'active')",
                (stamp, telegram_user_id),
            )
            row = await tx.fetchone(
                f"{SELECT_MEMBER} WHERE telegram_user_id = ?", (telegram_user_id,)
            )
            assert row is not None
            if changed:
                await AuditRepository.record(
                    tx,
                    now,
                    "member.make_staff",
                    object_type="member",
                    object_id=row["id"],
                    detail="via CLI",
                )
        return _member(row), bool(changed)

    async def set_language(self, telegram_user_id: int, language: str) -> bool:
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE members SET language = ? WHERE telegram_user_id = ?",
                (language, telegram_user_id),
            )
        return changed == 1

    async def mark_unreachable(self, chat_id: int, now: datetime) -> None:
        """Telegram said the chat is blocked or gone; private chat ids are user ids."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE members SET unreachable_at = ?"
                " WHERE telegram_user_id = ? AND unreachable_at IS NULL",
                (to_db(now), chat_id),
            )

    # Staff managing members (handlers/members.py). Only people with a place in the network
    # (a status) are shown to staff, never those who merely wrote to the bot.

    async def count_by_role_and_status(self) -> dict[tuple[str | None, str], int]:
        rows = await self._db.fetchall(
            "SELECT role, status, count(*) FROM members WHERE status IS NOT NULL"
            " GROUP BY role, status"
        )
        return {(r[0], r[1]): int(r[2]) for r in rows}

    async def staff_list_sizes(self) -> dict[str, int]:
        """How many members each of STAFF_LISTS holds, in one pass over the table."""
        sums = ", ".join(f"coalesce(sum({cond}), 0)" for cond in STAFF_LISTS.values())
        row = await self._db.fetchone(f"SELECT {sums} FROM members WHERE status IS NOT NULL")
        assert row is not None
        return {kind: int(row[i]) for i, kind in enumerate(STAFF_LISTS)}

    async def staff_list(self, kind: str, offset: int, limit: int) -> list[Member]:
        """One page of a list in STAFF_LISTS, by name."""
        rows = await self._db.fetchall(
            f"{SELECT_MEMBER} WHERE status IS NOT NULL AND ({STAFF_LISTS[kind]})"
            " ORDER BY display_name IS NULL, display_name COLLATE NOCASE, id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [_member(r) for r in rows]

    async def staff_card(self, member_id: int) -> MemberCard | None:
        """What staff see about one listed member; None for anyone not listed."""
        member = await self.get(member_id)
        if member is None or member.status is None:
            return None
        organisation = await self._db.fetchone(
            "SELECT name FROM organisations WHERE id = ?", (member.organisation_id,)
        )
        regions = await self._db.fetchall(
            "SELECT region FROM member_regions WHERE member_id = ? ORDER BY region", (member.id,)
        )
        joined = await self._db.fetchone(
            "SELECT min(given_at) FROM consents WHERE member_id = ? AND purpose = 'membership'",
            (member.id,),
        )
        assert joined is not None  # an aggregate always yields a row
        return MemberCard(
            member=member,
            organisation=None if organisation is None else organisation[0],
            regions=[r[0] for r in regions],
            # Joined when they first agreed to the notice; without one, at their first visit.
            joined_at=member.created_at if joined[0] is None else from_db(joined[0]),
        )

    async def suspend(self, member_id: int, now: datetime, *, actor_id: int, notice: str) -> bool:
        """Staff suspend an active or lapsed member (never themselves); the member is told."""
        return await self._change_by_staff(
            member_id,
            now,
            actor_id,
            "member.suspend",
            "status = 'suspended'",
            "role IS NOT NULL AND status IN ('active', 'lapsed') AND id <> :actor",
            notice,
        )

    async def reactivate(
        self, member_id: int, now: datetime, *, actor_id: int, notice: str
    ) -> bool:
        """Staff lift a suspension; the member is told."""
        return await self._change_by_staff(
            member_id,
            now,
            actor_id,
            "member.reactivate",
            "status = 'active'",
            "role IS NOT NULL AND status = 'suspended'",
            notice,
        )

    async def reconfirm_by_staff(
        self, member_id: int, now: datetime, *, actor_id: int, notice: str
    ) -> bool:
        """Staff confirm a police or staff role on the member's behalf (after a phone call,
        say): a lapsed member, or an active one who was asked and has not answered yet."""
        return await self._change_by_staff(
            member_id,
            now,
            actor_id,
            "member.reconfirm",
            "status = 'active', role_confirmed_at = :now, reconfirm_asked_at = NULL",
            "role IN ('police', 'staff')"
            " AND (status = 'lapsed' OR (status = 'active' AND reconfirm_asked_at IS NOT NULL))",
            notice,
        )

    async def _change_by_staff(
        self,
        member_id: int,
        now: datetime,
        actor_id: int,
        action: str,
        assignments: str,
        condition: str,
        notice: str,
    ) -> bool:
        """One conditional update, its audit row and the member's notice, all or nothing;
        False when the member's state no longer allows the change (a double tap, say).

        ``assignments`` and ``condition`` may use :id, :actor and :now."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                f"UPDATE members SET {assignments} WHERE id = :id AND {condition}"
                " RETURNING telegram_user_id",
                {"id": member_id, "actor": actor_id, "now": to_db(now)},
            )
            if not rows:
                return False
            if action == "member.suspend":
                # What a suspended staff member left half-done (a rename, a note being
                # written, an event draft, an unsaved change to an event, a message to an
                # event's registrants) must not take effect when they are reactivated.
                await tx.execute(
                    "DELETE FROM organisation_drafts WHERE member_id = ?", (member_id,)
                )
                await tx.execute("DELETE FROM event_edits WHERE member_id = ?", (member_id,))
                await tx.execute(
                    "DELETE FROM event_message_drafts WHERE member_id = ?", (member_id,)
                )
                await tx.execute(
                    "DELETE FROM application_reviews WHERE member_id = ?", (member_id,)
                )
                await tx.execute(
                    "DELETE FROM events WHERE created_by = ? AND state = 'draft'", (member_id,)
                )
                # A suspended member must not hold a seat at a dialogue between the two
                # sides: their seats at upcoming events are released, and the events job
                # offers them to the waiting list within minutes. Their places in line stay
                # (they are passed over while suspended).
                await tx.execute(
                    "UPDATE registrations SET state = 'cancelled', cancelled_at = :now"
                    " WHERE member_id = :id AND state IN ('confirmed', 'offered')"
                    " AND event_id IN (SELECT id FROM events"
                    " WHERE state = 'published' AND starts_at > :now)",
                    {"id": member_id, "now": to_db(now)},
                )
            await AuditRepository.record(
                tx,
                now,
                action,
                actor_id=actor_id,
                object_type="member",
                object_id=member_id,
                detail="by staff",
            )
            await OutboxRepository.enqueue(
                tx, now, rows[0]["telegram_user_id"], "sendMessage", {"text": notice}
            )
        return True


# Staff's lists of members: which members each holds, as a condition on the members table.
STAFF_LISTS = {
    # Police and staff whose yearly reconfirmation is overdue (the reconfirmation job
    # marks them lapsed).
    "lapsed": "role IN ('police', 'staff') AND status = 'lapsed'",
    "suspended": "status = 'suspended'",
    "pending": "status = 'pending'",
    "unreachable": "unreachable_at IS NOT NULL",
    "community": "role = 'community' AND status = 'active'",
    "police": "role = 'police' AND status = 'active'",
    "staff": "role = 'staff' AND status = 'active'",
}


@dataclass(frozen=True)
class MemberCard:
    member: Member
    organisation: str | None
    regions: list[str]
    joined_at: datetime
