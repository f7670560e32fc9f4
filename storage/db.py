"""The SQLite database: one aiosqlite connection, pragmas, numbered migrations, transactions.

Every write goes through ``Database.transaction()``. aiosqlite serialises statements on one
connection, but a transaction spans several awaits; the lock keeps another coroutine's
statements from landing inside it.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

Params = Sequence[Any] | dict[str, Any]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """The numbered ``.sql`` files shipped in ``storage/migrations``, in order."""
    found: list[Migration] = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise RuntimeError(f"migration numbering has a gap at {migration.name}")
    return found


class Transaction:
    """Statements inside one explicit transaction (handed out by ``Database.transaction``)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self.queued_messages = False  # set by the outbox; the sender is woken after commit

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        cursor = await self._conn.execute(sql, params)
        count = cursor.rowcount
        await cursor.close()
        return count

    async def insert(self, sql: str, params: Params = ()) -> int | None:
        """Run an INSERT; returns the new rowid, or None when OR IGNORE skipped it."""
        cursor = await self._conn.execute(sql, params)
        rowid = cursor.lastrowid if cursor.rowcount > 0 else None
        await cursor.close()
        return rowid

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self._conn.execute(sql, params) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())


class Database:
    """The bot's single SQLite connection."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path
        # Called after a transaction that queued outbox messages commits (the sender's wake).
        self.on_messages_queued: Callable[[], None] | None = None

    @classmethod
    async def open(cls, path: str | Path, *, migrate: bool = True) -> Database:
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction's bounds
        # are exactly what the code says, not what the sqlite3 module guesses.
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        db = cls(conn, path)
        try:
            await db._apply_pragmas()
            if migrate:
                await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def _apply_pragmas(self) -> None:
        await self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await self._conn.execute("PRAGMA journal_mode = WAL")
        await self._conn.execute("PRAGMA synchronous = FULL")
        await self._conn.execute("PRAGMA foreign_keys = ON")
        # What is deleted or overwritten (an update's payload once handled, relayed texts in
        # it, erased members) is zeroed in the file too, not merely unlinked.
        await self._conn.execute("PRAGMA secure_delete = ON")

    async def close(self) -> None:
        await self._conn.close()

    async def user_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        assert row is not None
        return int(row[0])

    async def migrate(self) -> int:
        """Apply pending migrations, each in one transaction; returns the schema version."""
        current = await self.user_version()
        migrations = load_migrations()
        if current > len(migrations):
            raise RuntimeError(
                f"database schema version {current} is newer than this program "
                f"({len(migrations)}); upgrade the program"
            )
        for migration in migrations[current:]:
            async with self._lock:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    # executescript would commit on its own; run the statements one by one so
                    # the migration and its version bump stay in a single transaction.
                    for statement in _split_sql(migration.sql):
                        await self._conn.execute(statement)
                    await self._conn.execute(f"PRAGMA user_version = {migration.version}")
                    await self._conn.execute("COMMIT")
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
        return await self.user_version()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """An explicit write transaction: committed on success, rolled back on any error."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            tx = Transaction(self._conn)
            try:
                yield tx
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")
        if tx.queued_messages and self.on_messages_queued is not None:
            # Only once committed: the sender must never see a message before it exists.
            self.on_messages_queued()

    async def write_one(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """One statement on its own: atomic without BEGIN/COMMIT, so one trip to the SQLite
        thread instead of three. Returns the rows of a RETURNING clause, if any."""
        async with self._lock, self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self._lock, self._conn.execute(sql, params) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self._lock, self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def backup(self, target: str | Path) -> None:
        """Copy the live database with SQLite's online backup API."""
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        async with self._lock, aiosqlite.connect(str(target)) as dest:
            await self._conn.backup(dest)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements; trigger bodies keep their inner semicolons."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise RuntimeError("migration ends with an incomplete statement")
    return statements
