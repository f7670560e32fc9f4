"""The database file: pragmas, migrations, transactions, backup, the append-only audit log."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.audit import AuditRepository
from storage.db import Database, load_migrations

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


async def test_pragmas_are_set(db: Database) -> None:
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"  # type: ignore[index]
    assert (await db.fetchone("PRAGMA synchronous"))[0] == 2  # type: ignore[index]  # FULL
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
    assert (await db.fetchone("PRAGMA busy_timeout"))[0] >= 5000  # type: ignore[index]


async def test_migrations_set_user_version_and_run_once(tmp_path: Path) -> None:
    path = tmp_path / "kosizu.sqlite3"
    first = await Database.open(path)
    assert await first.user_version() == len(load_migrations())
    await first.close()
    again = await Database.open(path)  # a second start applies nothing twice
    assert await again.user_version() == len(load_migrations())
    await again.close()


async def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "kosizu.sqlite3"
    db = await Database.open(path, migrate=False)
    with pytest.raises(sqlite3.OperationalError):
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE half_done (x INTEGER)")
            await tx.execute("THIS IS NOT SQL")
    assert await db.fetchone("SELECT name FROM sqlite_master WHERE name = 'half_done'") is None
    await db.close()


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kosizu.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(RuntimeError, match="newer than this program"):
        await Database.open(path)


async def test_audit_log_is_append_only(db: Database) -> None:
    async with db.transaction() as tx:
        await AuditRepository.record(
            tx, NOW, "member.suspend", actor_id=1, object_type="member", object_id=7
        )
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            async with db.transaction() as tx:
                await tx.execute(statement)
    entries = await AuditRepository(db).entries()
    assert [(e.action, e.actor_id, e.object_id) for e in entries] == [("member.suspend", 1, 7)]


async def test_backup_is_a_consistent_copy(db: Database, tmp_path: Path) -> None:
    async with db.transaction() as tx:
        await AuditRepository.record(tx, NOW, "backup.test")
    target = tmp_path / "backups" / "copy.sqlite3"
    await db.backup(target)
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT action FROM audit_log").fetchall() == [("backup.test",)]
    copy.close()
