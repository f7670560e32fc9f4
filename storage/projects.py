"""Funded projects: a partner organisation, a funding period and the members who answer the
quarterly check-ins for it. Staff create, change, archive and restore them; every change is
audited with ids only."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from storage.audit import AuditRepository
from storage.db import Database, Transaction
from storage.timefmt import to_db

NAME_LENGTH = (3, 100)
# Who may answer for a project: a partner's own people, never staff (who see every answer
# anyway) nor members of another organisation (the answers are the partner's).
ANSWERING_ROLES = ("community", "police")


class ProjectError(ValueError):
    """The change cannot be made as asked."""


class DuplicateProject(ProjectError):
    """An active project has that name already."""


class UnknownProject(ProjectError):
    """No project has that id, or it is not in the state the change needs."""


class InvalidPeriod(ProjectError):
    """The funding period does not end after it starts."""


class NotAnswering(ProjectError):
    """The member cannot answer for this project (inactive, another organisation, staff)."""


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    organisation_id: int
    organisation_name: str
    starts_on: date
    ends_on: date
    archived: bool
    member_count: int


@dataclass(frozen=True)
class ProjectMember:
    id: int
    display_name: str | None


@dataclass(frozen=True)
class ProjectDraft:
    """A staff member creating a project (``project_id`` None) or changing one."""

    member_id: int
    project_id: int | None
    name: str | None
    organisation_id: int | None
    starts_on: date | None


_SELECT = (
    "SELECT p.*, o.name AS organisation_name,"
    " (SELECT count(*) FROM project_members m WHERE m.project_id = p.id) AS member_count"
    " FROM projects p JOIN organisations o ON o.id = p.organisation_id"
)


def _project(row: sqlite3.Row) -> Project:
    return Project(
        row["id"],
        row["name"],
        row["organisation_id"],
        row["organisation_name"],
        date.fromisoformat(row["starts_on"]),
        date.fromisoformat(row["ends_on"]),
        row["archived_at"] is not None,
        row["member_count"],
    )


async def _name_taken(tx: Transaction, name: str, except_id: int | None) -> bool:
    row = await tx.fetchone(
        "SELECT 1 FROM projects WHERE name = ? COLLATE NOCASE AND archived_at IS NULL"
        " AND id IS NOT ?",
        (name, except_id),
    )
    return row is not None


class ProjectRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        name: str,
        organisation_id: int,
        starts_on: date,
        ends_on: date,
        now: datetime,
        *,
        actor_id: int,
    ) -> Project:
        if ends_on <= starts_on:
            raise InvalidPeriod("the period must end after it starts")
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            if await _name_taken(tx, name, None):
                raise DuplicateProject(name)
            if (
                await tx.fetchone("SELECT 1 FROM organisations WHERE id = ?", (organisation_id,))
                is None
            ):
                raise UnknownProject(f"no organisation {organisation_id}")
            new_id = await tx.insert(
                "INSERT INTO projects (name, organisation_id, starts_on, ends_on, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (name, organisation_id, starts_on.isoformat(), ends_on.isoformat(), stamp, stamp),
            )
            assert new_id is not None
            await AuditRepository.record(
                tx,
                now,
                "project.create",
                actor_id=actor_id,
                object_type="project",
                object_id=new_id,
            )
        project = await self.get(new_id)
        assert project is not None
        return project

    async def name_taken(self, name: str) -> bool:
        """Whether an active project has this name (compared as the unique index does)."""
        async with self._db.transaction() as tx:
            return await _name_taken(tx, name, None)

    async def get(self, project_id: int) -> Project | None:
        row = await self._db.fetchone(_SELECT + " WHERE p.id = ?", (project_id,))
        return None if row is None else _project(row)

    async def listed(self, *, archived: bool) -> list[Project]:
        rows = await self._db.fetchall(
            _SELECT + " WHERE (p.archived_at IS NOT NULL) = ? ORDER BY p.name COLLATE NOCASE, p.id",
            (archived,),
        )
        return [_project(r) for r in rows]

    async def rename(self, project_id: int, name: str, now: datetime, *, actor_id: int) -> bool:
        """False when nothing changed; raises when the project is not active or the name taken."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT name FROM projects WHERE id = ? AND archived_at IS NULL", (project_id,)
            )
            if row is None:
                raise UnknownProject(str(project_id))
            if row["name"] == name:
                return False
            if await _name_taken(tx, name, project_id):
                raise DuplicateProject(name)
            await tx.execute(
                "UPDATE projects SET name = ?, updated_at = ? WHERE id = ?",
                (name, to_db(now), project_id),
            )
            await AuditRepository.record(
                tx,
                now,
                "project.edit",
                actor_id=actor_id,
                object_type="project",
                object_id=project_id,
                detail="changed=name",
            )
        return True

    async def set_period(
        self, project_id: int, starts_on: date, ends_on: date, now: datetime, *, actor_id: int
    ) -> bool:
        if ends_on <= starts_on:
            raise InvalidPeriod("the period must end after it starts")
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT starts_on, ends_on FROM projects WHERE id = ? AND archived_at IS NULL",
                (project_id,),
            )
            if row is None:
                raise UnknownProject(str(project_id))
            if (row["starts_on"], row["ends_on"]) == (starts_on.isoformat(), ends_on.isoformat()):
                return False
            await tx.execute(
                "UPDATE projects SET starts_on = ?, ends_on = ?, updated_at = ? WHERE id = ?",
                (starts_on.isoformat(), ends_on.isoformat(), to_db(now), project_id),
            )
            await AuditRepository.record(
                tx,
                now,
                "project.edit",
                actor_id=actor_id,
                object_type="project",
                object_id=project_id,
                detail="changed=period",
            )
        return True

    async def set_archived(
        self, project_id: int, archived: bool, now: datetime, *, actor_id: int
    ) -> bool:
        """Archive or restore; False when it already was so. Restoring raises when an active
        project has taken the name meanwhile."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT name, archived_at FROM projects WHERE id = ?", (project_id,)
            )
            if row is None:
                raise UnknownProject(str(project_id))
            if (row["archived_at"] is not None) == archived:
                return False
            if not archived and await _name_taken(tx, row["name"], project_id):
                raise DuplicateProject(row["name"])
            await tx.execute(
                "UPDATE projects SET archived_at = ?, updated_at = ? WHERE id = ?",
                (to_db(now) if archived else None, to_db(now), project_id),
            )
            await AuditRepository.record(
                tx,
                now,
                "project.archive",
                actor_id=actor_id,
                object_type="project",
                object_id=project_id,
                detail="archived" if archived else "restored",
            )
        return True

    # The members who answer for a project.

    async def members(self, project_id: int) -> list[ProjectMember]:
        rows = await self._db.fetchall(
            "SELECT m.id, m.display_name FROM project_members pm"
            " JOIN members m ON m.id = pm.member_id WHERE pm.project_id = ?"
            " ORDER BY m.display_name COLLATE NOCASE, m.id",
            (project_id,),
        )
        return [ProjectMember(r["id"], r["display_name"]) for r in rows]

    async def candidates(self, project_id: int) -> list[ProjectMember]:
        """Active community and police members of the project's organisation not yet in it."""
        rows = await self._db.fetchall(
            "SELECT m.id, m.display_name FROM members m JOIN projects p ON p.id = ?"
            " WHERE m.organisation_id = p.organisation_id AND m.status = 'active'"
            " AND m.role IN (?, ?) AND m.id NOT IN"
            " (SELECT member_id FROM project_members WHERE project_id = p.id)"
            " ORDER BY m.display_name COLLATE NOCASE, m.id",
            (project_id, *ANSWERING_ROLES),
        )
        return [ProjectMember(r["id"], r["display_name"]) for r in rows]

    async def add_member(
        self, project_id: int, member_id: int, now: datetime, *, actor_id: int
    ) -> bool:
        """False when the member answers for it already."""
        async with self._db.transaction() as tx:
            project = await tx.fetchone(
                "SELECT organisation_id FROM projects WHERE id = ? AND archived_at IS NULL",
                (project_id,),
            )
            if project is None:
                raise UnknownProject(str(project_id))
            member = await tx.fetchone(
                "SELECT 1 FROM members WHERE id = ? AND status = 'active' AND role IN (?, ?)"
                " AND organisation_id = ?",
                (member_id, *ANSWERING_ROLES, project["organisation_id"]),
            )
            if member is None:
                raise NotAnswering(str(member_id))
            added = await tx.execute(
                "INSERT OR IGNORE INTO project_members (project_id, member_id, added_at)"
                " VALUES (?, ?, ?)",
                (project_id, member_id, to_db(now)),
            )
            if added:
                await AuditRepository.record(
                    tx,
                    now,
                    "project.members",
                    actor_id=actor_id,
                    object_type="project",
                    object_id=project_id,
                    detail=f"added={member_id}",
                )
        return added == 1

    async def remove_member(
        self, project_id: int, member_id: int, now: datetime, *, actor_id: int
    ) -> bool:
        """False when the member did not answer for it (any more)."""
        async with self._db.transaction() as tx:
            project = await tx.fetchone(
                "SELECT 1 FROM projects WHERE id = ? AND archived_at IS NULL", (project_id,)
            )
            if project is None:
                raise UnknownProject(str(project_id))
            removed = await tx.execute(
                "DELETE FROM project_members WHERE project_id = ? AND member_id = ?",
                (project_id, member_id),
            )
            if removed:
                await AuditRepository.record(
                    tx,
                    now,
                    "project.members",
                    actor_id=actor_id,
                    object_type="project",
                    object_id=project_id,
                    detail=f"removed={member_id}",
                )
        return removed == 1

    # Drafts of the chat conversation that creates a project or changes its name or period.

    async def start_draft(self, member_id: int, project_id: int | None, now: datetime) -> None:
        """Begin creating (``project_id`` None) or changing; an earlier draft is dropped."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO project_drafts (member_id, project_id, started_at) VALUES (?, ?, ?)"
                " ON CONFLICT (member_id) DO UPDATE SET project_id = excluded.project_id,"
                " name = NULL, organisation_id = NULL, starts_on = NULL,"
                " started_at = excluded.started_at",
                (member_id, project_id, to_db(now)),
            )

    async def draft(self, member_id: int) -> ProjectDraft | None:
        row = await self._db.fetchone(
            "SELECT * FROM project_drafts WHERE member_id = ?", (member_id,)
        )
        if row is None:
            return None
        starts_on = None if row["starts_on"] is None else date.fromisoformat(row["starts_on"])
        return ProjectDraft(
            row["member_id"], row["project_id"], row["name"], row["organisation_id"], starts_on
        )

    async def update_draft(
        self,
        member_id: int,
        *,
        name: str | None = None,
        organisation_id: int | None = None,
        starts_on: date | None = None,
    ) -> bool:
        """Store what was typed or picked so far; False when there is no draft any more."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE project_drafts SET name = COALESCE(?, name),"
                " organisation_id = COALESCE(?, organisation_id),"
                " starts_on = COALESCE(?, starts_on) WHERE member_id = ?",
                (
                    name,
                    organisation_id,
                    None if starts_on is None else starts_on.isoformat(),
                    member_id,
                ),
            )
        return changed == 1

    async def drop_draft(self, member_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM project_drafts WHERE member_id = ?", (member_id,))
