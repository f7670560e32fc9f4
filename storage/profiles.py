"""Profiles: what a member tells the network about themselves, and what of it they share.

The values live on the member row (name, organisation, phone, e-mail, share flags,
snooze) and in ``member_regions`` and ``member_topics``. The organisation is set by the
network team, never here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from enum import Enum

from storage.db import Database
from storage.vocabulary import REGIONS, TOPICS

# The details a member can choose to share in an introduction, in the order they are shown.
SHARE_FIELDS = ("name", "organisation", "phone", "email", "username")
# Details that can only be shared while the member has given them.
_NEEDS_VALUE = {"phone": "phone", "email": "email"}


class RegionChange(Enum):
    ADDED = "added"
    REMOVED = "removed"
    KEPT_LAST = "kept: a member covers at least one region"


@dataclass(frozen=True)
class SharedDetails:
    """What an introduction may pass on: None where the member shares nothing (or has nothing).

    The @username is not stored; Telegram knows the current one, so only the wish is here.
    """

    name: str | None
    organisation: str | None
    phone: str | None  # E.164
    email: str | None
    username: bool


@dataclass(frozen=True)
class Profile:
    member_id: int
    telegram_user_id: int
    role: str | None
    status: str | None
    display_name: str | None
    organisation_id: int | None
    organisation_name: str | None
    phone: str | None  # E.164
    email: str | None
    share_name: bool
    share_organisation: bool
    share_phone: bool
    share_email: bool
    share_username: bool
    # The last day (Europe/Berlin) on which the member is not suggested for introductions.
    snoozed_until: date | None
    regions: tuple[str, ...]  # in the order of storage.vocabulary.REGIONS
    topics: tuple[str, ...]  # in the order of storage.vocabulary.TOPICS
    # How many people are on their "do not introduce me" list (storage/do_not_introduce.py).
    not_introduced: int = 0

    def shares(self, field: str) -> bool:
        return bool(getattr(self, f"share_{field}"))

    def is_snoozed(self, today: date) -> bool:
        return self.snoozed_until is not None and self.snoozed_until >= today

    def shared_details(self) -> SharedDetails:
        return SharedDetails(
            name=self.display_name if self.share_name else None,
            organisation=self.organisation_name if self.share_organisation else None,
            phone=self.phone if self.share_phone else None,
            email=self.email if self.share_email else None,
            username=self.share_username,
        )


class ProfileRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, member_id: int) -> Profile | None:
        row = await self._db.fetchone(
            "SELECT members.*, organisations.name AS organisation_name,"
            " (SELECT count(*) FROM do_not_introduce WHERE member_id = members.id)"
            " AS not_introduced FROM members"
            " LEFT JOIN organisations ON organisations.id = members.organisation_id"
            " WHERE members.id = ?",
            (member_id,),
        )
        if row is None:
            return None
        regions = await self._db.fetchall(
            "SELECT region FROM member_regions WHERE member_id = ?", (member_id,)
        )
        topics = await self._db.fetchall(
            "SELECT topic FROM member_topics WHERE member_id = ?", (member_id,)
        )
        return _profile(row, {r[0] for r in regions}, {r[0] for r in topics})

    async def set_name(self, member_id: int, name: str) -> bool:
        rows = await self._db.write_one(
            "UPDATE members SET display_name = ? WHERE id = ? RETURNING id", (name, member_id)
        )
        return bool(rows)

    async def set_phone(self, member_id: int, phone: str | None) -> bool:
        """Store an E.164 number, or remove it; without a number nothing can be shared."""
        rows = await self._db.write_one(
            "UPDATE members SET phone = ?, share_phone = share_phone AND ? IS NOT NULL"
            " WHERE id = ? RETURNING id",
            (phone, phone, member_id),
        )
        return bool(rows)

    async def set_email(self, member_id: int, email: str | None) -> bool:
        """Store a checked address, or remove it; without one nothing can be shared."""
        rows = await self._db.write_one(
            "UPDATE members SET email = ?, share_email = share_email AND ? IS NOT NULL"
            " WHERE id = ? RETURNING id",
            (email, email, member_id),
        )
        return bool(rows)

    async def set_share(self, member_id: int, field: str, shared: bool) -> bool:
        """Share a detail in introductions or stop sharing it.

        False when sharing was refused: the phone number or e-mail address is not given.
        """
        if field not in SHARE_FIELDS:
            raise ValueError(f"unknown detail {field!r}")
        needs = _NEEDS_VALUE.get(field)
        condition = f" AND {needs} IS NOT NULL" if needs is not None and shared else ""
        rows = await self._db.write_one(
            f"UPDATE members SET share_{field} = ? WHERE id = ?{condition} RETURNING id",
            (int(shared), member_id),
        )
        return bool(rows)

    async def snooze(self, member_id: int, until: date | None) -> bool:
        """Not suggested for introductions up to and including ``until``; None ends it."""
        rows = await self._db.write_one(
            "UPDATE members SET snoozed_until = ? WHERE id = ? RETURNING id",
            (None if until is None else until.isoformat(), member_id),
        )
        return bool(rows)

    async def toggle_region(self, member_id: int, region: str) -> RegionChange:
        """Add the region, or remove it unless it is the member's last one."""
        if region not in REGIONS:
            raise ValueError(f"unknown region {region!r}")
        async with self._db.transaction() as tx:
            removed = await tx.execute(
                "DELETE FROM member_regions WHERE member_id = ? AND region = ?"
                " AND (SELECT count(*) FROM member_regions WHERE member_id = ?) > 1",
                (member_id, region, member_id),
            )
            if removed:
                return RegionChange.REMOVED
            added = await tx.execute(
                "INSERT OR IGNORE INTO member_regions (member_id, region) VALUES (?, ?)",
                (member_id, region),
            )
        return RegionChange.ADDED if added else RegionChange.KEPT_LAST

    async def toggle_topic(self, member_id: int, topic: str) -> bool:
        """Add the topic or remove it; True when it is chosen afterwards."""
        if topic not in TOPICS:
            raise ValueError(f"unknown topic {topic!r}")
        async with self._db.transaction() as tx:
            removed = await tx.execute(
                "DELETE FROM member_topics WHERE member_id = ? AND topic = ?", (member_id, topic)
            )
            if removed:
                return False
            await tx.execute(
                "INSERT INTO member_topics (member_id, topic) VALUES (?, ?)", (member_id, topic)
            )
        return True


def _profile(row: sqlite3.Row, regions: set[str], topics: set[str]) -> Profile:
    return Profile(
        member_id=row["id"],
        telegram_user_id=row["telegram_user_id"],
        role=row["role"],
        status=row["status"],
        display_name=row["display_name"],
        organisation_id=row["organisation_id"],
        organisation_name=row["organisation_name"],
        phone=row["phone"],
        email=row["email"],
        share_name=bool(row["share_name"]),
        share_organisation=bool(row["share_organisation"]),
        share_phone=bool(row["share_phone"]),
        share_email=bool(row["share_email"]),
        share_username=bool(row["share_username"]),
        snoozed_until=None
        if row["snoozed_until"] is None
        else date.fromisoformat(row["snoozed_until"]),
        regions=tuple(r for r in REGIONS if r in regions),
        topics=tuple(t for t in TOPICS if t in topics),
        not_introduced=row["not_introduced"],
    )
