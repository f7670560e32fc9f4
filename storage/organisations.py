"""Organisations: the mosque associations, NGOs, police units and public bodies of the network."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.audit import AuditRepository
from storage.db import Database
from storage.timefmt import to_db
from storage.vocabulary import ORGANISATION_TYPES, REGIONS


class OrganisationError(ValueError):
    """The organisation cannot be stored as given; the message says why, for the operator."""


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    type: str
    bundesland: str


def _organisation(row: sqlite3.Row) -> Organisation:
    return Organisation(row["id"], row["name"], row["type"], row["bundesland"])


class OrganisationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, name: str, type_: str, bundesland: str, now: datetime, *, actor_id: int | None
    ) -> Organisation:
        name = " ".join(name.split())
        if not 1 <= len(name) <= 200:
            raise OrganisationError("the name must have 1 to 200 characters")
        if type_ not in ORGANISATION_TYPES:
            raise OrganisationError(f"the type must be one of {', '.join(ORGANISATION_TYPES)}")
        if bundesland not in REGIONS:
            raise OrganisationError(f"the Bundesland must be one of {', '.join(REGIONS)}")
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            new_id = await tx.insert(
                "INSERT OR IGNORE INTO organisations (name, type, bundesland, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?)",
                (name, type_, bundesland, stamp, stamp),
            )
            if new_id is None:
                raise OrganisationError(f"{name!r} in {bundesland} exists already")
            await AuditRepository.record(
                tx,
                now,
                "organisation.add",
                actor_id=actor_id,
                object_type="organisation",
                object_id=new_id,
            )
        return Organisation(new_id, name, type_, bundesland)

    async def get(self, organisation_id: int) -> Organisation | None:
        row = await self._db.fetchone(
            "SELECT * FROM organisations WHERE id = ?", (organisation_id,)
        )
        return None if row is None else _organisation(row)

    async def all(self) -> list[Organisation]:
        rows = await self._db.fetchall("SELECT * FROM organisations ORDER BY bundesland, name")
        return [_organisation(r) for r in rows]
