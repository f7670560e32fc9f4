"""A broadcast resumes after the bot process is killed mid-way: nobody is skipped, only the
message in flight at the crash may arrive twice, and the author gets one progress message
and one report."""

from __future__ import annotations

from pathlib import Path

from bot.config import LANGUAGES
from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from storage.broadcasts import Audience, BroadcastRepository
from storage.db import Database
from tests.bot.test_crash_recovery import db_rows, started
from tests.support.harness import ChildBot, InProcessBot, eventually
from tests.support.members import joined_member, member_id, staff_member

READERS = 8


def got(user: SimUser) -> int:
    return len([m for m in user.messages if m.plain == "Kolloquium am 3. März"])


async def test_killed_mid_broadcast_resumes_and_skips_nobody(
    emulator: Emulator, db_path: Path
) -> None:
    setup = await InProcessBot(emulator, db_path).start()
    try:
        author = await staff_member(emulator, setup, 52900)
        readers = [
            await joined_member(emulator, setup, 52901 + i, "community") for i in range(READERS)
        ]
        author_id = await member_id(setup, author)
        now = setup.running.services.clock.now()
    finally:
        await setup.stop()

    # Released while the bot is down, as the composing part would have left it.
    db = await Database.open(db_path)
    try:
        repo = BroadcastRepository(db, "de", LANGUAGES)
        draft = await repo.start(author_id, now)
        assert await repo.set_text(draft.id, author_id, "de", "Kolloquium am 3. März", now)
        assert await repo.set_audience(draft.id, author_id, Audience(roles=("community",)), now)
        assert await repo.release(draft.id, author_id, now, send_at=None, needs_approval=False)
    finally:
        await db.close()

    # Slow answers keep the broadcast going long enough to kill it half-way.
    emulator.delay("sendMessage", 0.4)
    child = await started(emulator, ChildBot(emulator, db_path))
    try:

        async def half_way() -> bool:
            return sum(got(r) for r in readers) >= 3 and bool(author.messages)

        await eventually(half_way, timeout=20, what="the broadcast to be half-way")
        child.kill()
        before = [got(r) for r in readers]
        assert sum(before) < READERS
        rows = await db_rows(
            db_path, "SELECT count(*) FROM outbox WHERE broadcast_id = 1 AND state = 'pending'"
        )
        assert rows[0][0] > 0
        emulator.clear_faults()

        child = await started(emulator, ChildBot(emulator, db_path))

        async def reported() -> bool:
            return any("Report of broadcast #1" in (m.plain or "") for m in author.messages)

        await eventually(reported, timeout=20, what="the report")
        assert child.terminate() == 0
    finally:
        if child.proc is not None and child.proc.poll() is None:
            child.kill()

    counts = [got(r) for r in readers]
    assert all(c >= 1 for c in counts), counts  # nobody skipped
    # The sender may lose two at a crash (the one in flight and the answer before it, not
    # yet written); with answers taking 0.4 s that write is long done: one at most.
    assert sum(counts) - READERS <= 1, counts
    reports = [m for m in author.messages if "Report of broadcast #1" in (m.plain or "")]
    assert len(reports) == 1
    assert reports[0].plain is not None and f"Recipients: {READERS}" in reports[0].plain
    # The restarted bot went on with the same progress message.
    progress = [m for m in author.messages if "Broadcast #1 " in (m.plain or "")]
    assert len(progress) == 1 and "is sent" in (progress[0].plain or "")
    assert await db_rows(db_path, "SELECT state FROM broadcasts") == [("sent",)]
    assert await db_rows(
        db_path, "SELECT count(*) FROM audit_log WHERE action = 'broadcast.sent'"
    ) == [(1,)]
