"""Applications to join without an invitation: the applicant's draft, submission to the
network team, and the team's decision.

Name, city and regions are written to the member row while the applicant types them; the
application row holds only what stays a claim until staff decide (role, organisation). Every
write to the member row here is limited to members without a role, so this flow can never
change an existing member's data. A decision is a conditional update on the application's
state, so two staff members deciding at once, or a double tap, have one effect.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from storage.audit import AuditRepository
from storage.db import Database, Transaction
from storage.members import active_staff
from storage.organisations import Organisation
from storage.outbox import OutboxRepository
from storage.personal_data import PersonalDataRepository
from storage.timefmt import from_db, from_db_optional, to_db
from storage.vocabulary import REGIONS

# A rejected application, or a draft nobody finished, is erased with the applicant's data.
KEPT_FOR = timedelta(days=30)
# How long a staff member's "send the verification note" question stays open.
REVIEW_OPEN_FOR = timedelta(hours=1)
ORGANISATION_CHOICES = 30  # buttons offered at most; Telegram shows up to 100

Payload = dict[str, Any]


@dataclass(frozen=True)
class Application:
    id: int
    member_id: int
    state: str
    claimed_role: str | None
    organisation_id: int | None
    proposed_organisation: str | None
    proposed_type: str | None
    started_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    decided_by: int | None


@dataclass(frozen=True)
class Applicant:
    """An application with the applicant's details, as staff and the applicant see it."""

    application: Application
    telegram_user_id: int
    name: str | None
    city: str | None
    language: str | None
    app_language: str | None
    role: str | None
    regions: tuple[str, ...]  # in the order of storage.vocabulary.REGIONS
    organisation: Organisation | None  # the existing organisation chosen, if any


@dataclass(frozen=True)
class Review:
    """A staff member was asked for the verification note of this application."""

    application_id: int
    message_id: int | None  # the notification tapped, when its buttons were about it alone


class Decision(Enum):
    DONE = "done"
    ALREADY_DECIDED = "the application is not pending (decided, withdrawn or erased)"
    APPLICANT_HAS_ROLE = "the applicant has become a member some other way meanwhile"


class NoteRequired(ValueError):
    """A police claim is only approved with a note on how the role was verified."""


def _application(row: sqlite3.Row) -> Application:
    return Application(
        id=row["id"],
        member_id=row["member_id"],
        state=row["state"],
        claimed_role=row["claimed_role"],
        organisation_id=row["organisation_id"],
        proposed_organisation=row["proposed_organisation"],
        proposed_type=row["proposed_type"],
        started_at=from_db(row["started_at"]),
        submitted_at=from_db_optional(row["submitted_at"]),
        decided_at=from_db_optional(row["decided_at"]),
        decided_by=row["decided_by"],
    )


def _ordered_regions(codes: Collection[str]) -> tuple[str, ...]:
    return tuple(code for code in REGIONS if code in codes)


async def _applicant(db: Database | Transaction, application_id: int) -> Applicant | None:
    row = await db.fetchone(
        "SELECT a.*, m.telegram_user_id, m.display_name, m.city, m.language, m.app_language,"
        " m.role, o.name AS org_name, o.type AS org_type, o.bundesland AS org_bundesland"
        " FROM applications a JOIN members m ON m.id = a.member_id"
        " LEFT JOIN organisations o ON o.id = a.organisation_id WHERE a.id = ?",
        (application_id,),
    )
    if row is None:
        return None
    regions = await db.fetchall(
        "SELECT region FROM member_regions WHERE member_id = ?", (row["member_id"],)
    )
    organisation = (
        None
        if row["org_name"] is None
        else Organisation(
            row["organisation_id"], row["org_name"], row["org_type"], row["org_bundesland"]
        )
    )
    return Applicant(
        application=_application(row),
        telegram_user_id=row["telegram_user_id"],
        name=row["display_name"],
        city=row["city"],
        language=row["language"],
        app_language=row["app_language"],
        role=row["role"],
        regions=_ordered_regions({r["region"] for r in regions}),
        organisation=organisation,
    )


class ApplicationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # The applicant's side.

    async def latest(self, member_id: int) -> Application | None:
        """The member's most recent application in any state."""
        row = await self._db.fetchone(
            "SELECT * FROM applications WHERE member_id = ? ORDER BY id DESC LIMIT 1",
            (member_id,),
        )
        return None if row is None else _application(row)

    async def draft(self, member_id: int) -> Application | None:
        row = await self._db.fetchone(
            "SELECT * FROM applications WHERE member_id = ? AND state = 'draft'", (member_id,)
        )
        return None if row is None else _application(row)

    async def start(self, member_id: int, now: datetime) -> Application:
        """A fresh draft; one the member left unfinished before is replaced."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM applications WHERE member_id = ? AND state = 'draft'", (member_id,)
            )
            row = await tx.fetchone(
                "INSERT INTO applications (member_id, state, started_at) VALUES (?, 'draft', ?)"
                " RETURNING *",
                (member_id, to_db(now)),
            )
        assert row is not None
        return _application(row)

    async def set_name(self, member_id: int, name: str) -> bool:
        return await self._set_member_field(member_id, "display_name", name)

    async def set_city(self, member_id: int, city: str) -> bool:
        return await self._set_member_field(member_id, "city", city)

    async def _set_member_field(self, member_id: int, column: str, value: str) -> bool:
        assert column in ("display_name", "city")
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                f"UPDATE members SET {column} = ? WHERE id = ? AND role IS NULL"
                " AND EXISTS (SELECT 1 FROM applications"
                "             WHERE member_id = members.id AND state = 'draft')",
                (value, member_id),
            )
        return changed == 1

    async def regions(self, member_id: int) -> tuple[str, ...]:
        rows = await self._db.fetchall(
            "SELECT region FROM member_regions WHERE member_id = ?", (member_id,)
        )
        return _ordered_regions({r["region"] for r in rows})

    async def toggle_region(self, member_id: int, region: str) -> tuple[str, ...]:
        """Add or remove one region of an applicant with a draft; returns the regions now."""
        if region not in REGIONS:
            raise ValueError(f"not a region: {region}")
        async with self._db.transaction() as tx:
            applicant = await tx.fetchone(
                "SELECT 1 FROM members m JOIN applications a ON a.member_id = m.id"
                " WHERE m.id = ? AND m.role IS NULL AND a.state = 'draft'",
                (member_id,),
            )
            if applicant is not None:
                removed = await tx.execute(
                    "DELETE FROM member_regions WHERE member_id = ? AND region = ?",
                    (member_id, region),
                )
                if not removed:
                    await tx.execute(
                        "INSERT INTO member_regions (member_id, region) VALUES (?, ?)",
                        (member_id, region),
                    )
            rows = await tx.fetchall(
                "SELECT region FROM member_regions WHERE member_id = ?", (member_id,)
            )
        return _ordered_regions({r["region"] for r in rows})

    async def claim_role(self, application_id: int, role: str) -> bool:
        """The role claimed; an organisation chosen for another role no longer applies."""
        if role not in ("community", "police"):
            raise ValueError(f"nobody may claim the role {role!r}")
        return await self._update_draft(
            application_id,
            "claimed_role = ?, organisation_id = NULL, proposed_organisation = NULL,"
            " proposed_type = NULL",
            (role,),
        )

    async def choose_organisation(self, application_id: int, organisation_id: int) -> bool:
        return await self._update_draft(
            application_id,
            "organisation_id = ?, proposed_organisation = NULL, proposed_type = NULL",
            (organisation_id,),
        )

    async def propose_organisation(self, application_id: int, name: str, type_: str | None) -> bool:
        """An organisation not in the list; staff create it when they approve."""
        return await self._update_draft(
            application_id,
            "organisation_id = NULL, proposed_organisation = ?, proposed_type = ?",
            (name, type_),
        )

    async def set_proposed_type(self, application_id: int, type_: str) -> bool:
        return await self._update_draft(
            application_id,
            "proposed_type = ?",
            (type_,),
            extra="AND proposed_organisation IS NOT NULL",
        )

    async def _update_draft(
        self, application_id: int, assignments: str, params: tuple[Any, ...], extra: str = ""
    ) -> bool:
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                f"UPDATE applications SET {assignments} WHERE id = ? AND state = 'draft' {extra}",
                (*params, application_id),
            )
        return changed == 1

    async def fitting_organisations(
        self, types: Collection[str], regions: Collection[str]
    ) -> list[Organisation]:
        """Organisations of the given types in the given regions or nationwide, by name."""
        types, places = list(types), [*regions, "DE"]
        rows = await self._db.fetchall(
            "SELECT * FROM organisations"
            f" WHERE type IN ({','.join('?' * len(types))})"
            f" AND bundesland IN ({','.join('?' * len(places))})"
            " ORDER BY name COLLATE NOCASE, bundesland LIMIT ?",
            (*types, *places, ORGANISATION_CHOICES),
        )
        return [Organisation(r["id"], r["name"], r["type"], r["bundesland"]) for r in rows]

    async def submit(
        self,
        application_id: int,
        now: datetime,
        staff_message: Callable[[Applicant, str | None, str | None], Payload],
    ) -> int | None:
        """Send a complete draft to the network team, all or nothing: the application and the
        applicant become pending, it is audited, and every active staff member gets one
        outbox message built by ``staff_message(applicant, language, app_language)``.

        Returns how many staff members were notified, or None when the draft was not
        submitted (submitted already, incomplete, or the person is no applicant).
        """
        try:
            return await self._submit(application_id, now, staff_message)
        except _Abort:
            return None

    async def _submit(
        self,
        application_id: int,
        now: datetime,
        staff_message: Callable[[Applicant, str | None, str | None], Payload],
    ) -> int | None:
        async with self._db.transaction() as tx:
            applicant = await _applicant(tx, application_id)
            if applicant is None or not _complete(applicant):
                return None
            application = applicant.application
            changed = await tx.execute(
                "UPDATE applications SET state = 'pending', submitted_at = ?"
                " WHERE id = ? AND state = 'draft'",
                (to_db(now), application_id),
            )
            if not changed:
                return None
            changed = await tx.execute(
                "UPDATE members SET status = 'pending'"
                " WHERE id = ? AND role IS NULL AND status IS NULL",
                (application.member_id,),
            )
            if not changed:
                raise _Abort  # someone with a status (or a role) is no applicant
            await AuditRepository.record(
                tx,
                now,
                "application.submit",
                actor_id=application.member_id,
                object_type="application",
                object_id=application_id,
                detail=f"role={application.claimed_role}",
            )
            staff = await active_staff(tx)
            for member in staff:
                await OutboxRepository.enqueue(
                    tx,
                    now,
                    member.telegram_user_id,
                    "sendMessage",
                    staff_message(applicant, member.language, member.app_language),
                    dedup_key=f"application:{application_id}:staff:{member.member_id}",
                )
        return len(staff)

    # The network team's side.

    async def applicant(self, application_id: int) -> Applicant | None:
        return await _applicant(self._db, application_id)

    async def count_pending(self) -> int:
        row = await self._db.fetchone("SELECT count(*) FROM applications WHERE state = 'pending'")
        return 0 if row is None else int(row[0])

    async def pending(self, limit: int) -> tuple[list[Applicant], int]:
        """The oldest pending applications (at most ``limit``) and how many are pending."""
        rows = await self._db.fetchall(
            "SELECT id FROM applications WHERE state = 'pending' ORDER BY submitted_at, id"
        )
        found = [await _applicant(self._db, r["id"]) for r in rows[:limit]]
        return [a for a in found if a is not None], len(rows)

    async def reject(
        self,
        application_id: int,
        staff_id: int,
        now: datetime,
        message: Callable[[Applicant], Payload],
    ) -> Decision:
        """Reject a pending application; the applicant is told through the outbox."""
        async with self._db.transaction() as tx:
            applicant = await self._decide(tx, application_id, "rejected", staff_id, now)
            if applicant is None:
                return Decision.ALREADY_DECIDED
            # Only an applicant's status is reset, never a member's.
            await tx.execute(
                "UPDATE members SET status = NULL"
                " WHERE id = ? AND role IS NULL AND status = 'pending'",
                (applicant.application.member_id,),
            )
            await AuditRepository.record(
                tx,
                now,
                "application.reject",
                actor_id=staff_id,
                object_type="application",
                object_id=application_id,
            )
            await self._notify_applicant(tx, now, applicant, message(applicant))
        return Decision.DONE

    async def approve(
        self,
        application_id: int,
        staff_id: int,
        now: datetime,
        message: Callable[[Applicant], Payload],
        *,
        note: str | None = None,
    ) -> Decision:
        """Approve a pending application, all or nothing: a proposed organisation is created
        (or an existing one of the same name and Bundesland used), the applicant becomes an
        active member with the claimed role, the approval is audited with the verification
        note, and the applicant is told through the outbox.

        Raises NoteRequired for a police claim without a note.
        """
        async with self._db.transaction() as tx:
            current = await _applicant(tx, application_id)
            if current is None or current.application.state != "pending":
                return Decision.ALREADY_DECIDED
            application = current.application
            if application.claimed_role == "police" and not (note and note.strip()):
                raise NoteRequired("a police claim needs a verification note")
            if current.role is not None:
                return Decision.APPLICANT_HAS_ROLE
            organisation_id = application.organisation_id
            if organisation_id is None and application.proposed_organisation is not None:
                organisation_id = await _organisation_for(tx, current, staff_id, now)
            applicant = await self._decide(
                tx, application_id, "approved", staff_id, now, organisation_id=organisation_id
            )
            assert applicant is not None  # the state was checked in this transaction
            await tx.execute(
                "UPDATE members SET role = ?, status = 'active', role_confirmed_at = ?,"
                " organisation_id = ? WHERE id = ? AND role IS NULL",
                (application.claimed_role, to_db(now), organisation_id, application.member_id),
            )
            detail = f"role={application.claimed_role}"
            if note:
                detail += f" note={note.strip()}"
            await AuditRepository.record(
                tx,
                now,
                "application.approve",
                actor_id=staff_id,
                object_type="application",
                object_id=application_id,
                detail=detail,
            )
            await self._notify_applicant(tx, now, applicant, message(applicant))
        return Decision.DONE

    @staticmethod
    async def _decide(
        tx: Transaction,
        application_id: int,
        state: str,
        staff_id: int,
        now: datetime,
        *,
        organisation_id: int | None = None,
    ) -> Applicant | None:
        changed = await tx.execute(
            "UPDATE applications SET state = ?, decided_at = ?, decided_by = ?,"
            " organisation_id = COALESCE(?, organisation_id)"
            " WHERE id = ? AND state = 'pending'",
            (state, to_db(now), staff_id, organisation_id, application_id),
        )
        if not changed:
            return None
        # Any open "send the note" question about it is moot now.
        await tx.execute(
            "DELETE FROM application_reviews WHERE application_id = ?", (application_id,)
        )
        return await _applicant(tx, application_id)

    @staticmethod
    async def _notify_applicant(
        tx: Transaction, now: datetime, applicant: Applicant, payload: Payload
    ) -> None:
        await OutboxRepository.enqueue(
            tx,
            now,
            applicant.telegram_user_id,
            "sendMessage",
            payload,
            dedup_key=f"application:{applicant.application.id}:decision",
        )

    # A staff member asked for the verification note of a police claim.

    async def begin_review(
        self, staff_id: int, application_id: int, message_id: int | None, now: datetime
    ) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO application_reviews"
                " (member_id, application_id, message_id, started_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (member_id) DO UPDATE"
                " SET application_id = excluded.application_id,"
                " message_id = excluded.message_id, started_at = excluded.started_at",
                (staff_id, application_id, message_id, to_db(now)),
            )

    async def under_review(self, staff_id: int, now: datetime) -> Review | None:
        """The application the staff member is writing a note for, if asked recently."""
        row = await self._db.fetchone(
            "SELECT application_id, message_id FROM application_reviews"
            " WHERE member_id = ? AND started_at >= ?",
            (staff_id, to_db(now - REVIEW_OPEN_FOR)),
        )
        return None if row is None else Review(row["application_id"], row["message_id"])

    async def end_review(self, staff_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM application_reviews WHERE member_id = ?", (staff_id,))

    # Retention.

    @staticmethod
    async def expire(tx: Transaction, now: datetime) -> int:
        """Erase applications rejected, or drafts started, more than KEPT_FOR ago, with the
        applicant's personal data unless they have a role by now; returns how many."""
        cutoff = to_db(now - KEPT_FOR)
        rows = await tx.fetchall(
            "SELECT a.id, a.member_id, m.telegram_user_id, m.role"
            " FROM applications a JOIN members m ON m.id = a.member_id"
            " WHERE (a.state = 'rejected' AND a.decided_at < ?)"
            " OR (a.state = 'draft' AND a.started_at < ?)",
            (cutoff, cutoff),
        )
        erased: set[int] = set()
        for row in rows:
            if row["role"] is not None:
                await tx.execute("DELETE FROM applications WHERE id = ?", (row["id"],))
            elif row["member_id"] not in erased:
                erased.add(row["member_id"])
                await PersonalDataRepository.erase_in(
                    tx,
                    row["member_id"],
                    row["telegram_user_id"],
                    now,
                    reason="application.expire",
                    actor_id=None,
                )
        return len(rows)


class _Abort(Exception):
    """Rolls the transaction back when a condition checked inside it fails."""


def _complete(applicant: Applicant) -> bool:
    application = applicant.application
    return (
        application.claimed_role is not None
        and (application.organisation_id is not None or application.proposed_type is not None)
        and bool(applicant.name)
        and bool(applicant.city)
        and bool(applicant.regions)
    )


async def _organisation_for(
    tx: Transaction, applicant: Applicant, staff_id: int, now: datetime
) -> int:
    """The proposed organisation: found by name and Bundesland (the applicant's first
    region), or created and audited."""
    application = applicant.application
    assert application.proposed_organisation is not None
    name = " ".join(application.proposed_organisation.split())
    bundesland = applicant.regions[0] if applicant.regions else "DE"
    row = await tx.fetchone(
        "SELECT id FROM organisations WHERE name = ? AND bundesland = ?", (name, bundesland)
    )
    if row is not None:
        return int(row[0])
    stamp = to_db(now)
    new_id = await tx.insert(
        "INSERT INTO organisations (name, type, bundesland, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (name, application.proposed_type or "public_body", bundesland, stamp, stamp),
    )
    assert new_id is not None
    await AuditRepository.record(
        tx,
        now,
        "organisation.add",
        actor_id=staff_id,
        object_type="organisation",
        object_id=new_id,
        detail=f"application={application.id}",
    )
    return new_id
