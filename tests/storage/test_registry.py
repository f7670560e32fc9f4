"""Every table is declared in the personal-data register, and none hides a person."""

from __future__ import annotations

from storage.db import Database
from storage.registry import PERSON_COLUMNS, REGISTRY, Erasure


async def schema(db: Database) -> dict[str, list[str]]:
    tables = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    columns: dict[str, list[str]] = {}
    for (name,) in tables:
        rows = await db.fetchall(f"PRAGMA table_info({name})")
        columns[name] = [r["name"] for r in rows]
    return columns


async def test_every_table_is_declared(db: Database) -> None:
    tables = await schema(db)
    undeclared = sorted(set(tables) - set(REGISTRY))
    assert not undeclared, f"declare these tables in storage/registry.py: {undeclared}"
    assert not sorted(set(REGISTRY) - set(tables)), "the register names tables that do not exist"


async def test_a_table_pointing_at_a_person_is_declared_personal(db: Database) -> None:
    for table, columns in (await schema(db)).items():
        rule = REGISTRY[table]
        people = PERSON_COLUMNS.intersection(columns)
        if table == "foreign_chats":
            continue  # group chat ids, never a person's
        if people:
            assert rule.erasure is not Erasure.NOT_PERSONAL, f"{table} holds {people}"
        if rule.member_key is not None:
            assert rule.member_key in columns, f"{table} has no column {rule.member_key}"
