"""SIGKILL at the worst moments: nothing is lost, nothing happens twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sandbox.emulator import Emulator
from storage.audit import AuditRepository
from storage.db import Database
from storage.outbox import OutboxRepository
from storage.schedule import ScheduleRepository
from tests.support.harness import ChildBot, eventually, write_clock

MENU_EN = "What would you like to do?"


async def started(emulator: Emulator, child: ChildBot) -> ChildBot:
    """Start the child and wait until it polls for updates."""
    before = len(emulator.calls)
    child.start()

    async def polling() -> bool:
        return any(c.method == "getUpdates" for c in emulator.calls[before:])

    await eventually(polling, timeout=20, what="the bot process to start polling")
    return child


async def db_rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    db = await Database.open(db_path)
    try:
        return [tuple(r) for r in await db.fetchall(sql)]
    finally:
        await db.close()


async def test_update_fetched_but_not_handled_is_handled_after_restart(
    emulator: Emulator, db_path: Path
) -> None:
    child = await started(emulator, ChildBot(emulator, db_path))
    user = emulator.user(5001, language_code="en")
    emulator.delay("sendMessage", 30, count=1)  # the reply hangs: the handler is mid-way
    update_id = user.send_text("/start")
    await emulator.wait_confirmed(update_id, timeout=10)  # stored, so Telegram was told
    await emulator.wait_until(lambda: emulator.in_flight["sendMessage"] == 1, timeout=10)
    child.kill()
    rows = await db_rows(db_path, "SELECT update_id, handled_at FROM inbox")
    assert rows == [(update_id, None)]  # stored, confirmed to Telegram, not handled

    child = await started(emulator, ChildBot(emulator, db_path))
    try:
        reply = await user.wait_for_message(timeout=10)
        assert MENU_EN in reply.plain

        async def marked() -> bool:
            rows = await db_rows(db_path, "SELECT update_id, handled_at IS NOT NULL FROM inbox")
            return rows == [(update_id, 1)]

        await eventually(marked, what="the update to be marked handled")
        assert len(user.messages) == 1  # the reply the crash interrupted was not sent twice
    finally:
        child.terminate()


async def test_conversation_interrupted_by_sigkill_resumes(
    emulator: Emulator, db_path: Path
) -> None:
    child = await started(emulator, ChildBot(emulator, db_path))
    user = emulator.user(5002, language_code="en")
    user.send_text("/language")
    await user.wait_for_message(timeout=10)

    async def state_saved() -> bool:
        rows = await db_rows(db_path, "SELECT count(*) FROM inbox WHERE handled_at IS NULL")
        return rows == [(0,)]

    await eventually(state_saved, what="the /language update to be handled")
    child.kill()
    assert await db_rows(db_path, "SELECT name, state FROM conversation_states") == [
        ("language", '"choosing"')
    ]

    child = await started(emulator, ChildBot(emulator, db_path))
    try:
        user.send_text("Türkçe")
        reply = await user.wait_for_message(timeout=10)
        assert reply.plain == "Bundan sonra size Türkçe yazacağım."

        async def conversation_closed() -> bool:
            rows = await db_rows(db_path, "SELECT count(*) FROM conversation_states")
            return rows == [(0,)]

        await eventually(conversation_closed, what="the finished conversation to be forgotten")
    finally:
        child.terminate()


async def test_scheduled_item_due_while_down_fires_once_across_restarts(
    emulator: Emulator, db_path: Path, tmp_path: Path
) -> None:
    clock_file = tmp_path / "clock"
    start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    write_clock(clock_file, start)
    db = await Database.open(db_path)
    item = await ScheduleRepository(db).ensure(
        "retention", "while-down", start + timedelta(hours=1), start
    )
    await db.close()

    child = await started(emulator, ChildBot(emulator, db_path, clock_file))
    await asyncio.sleep(0.5)  # several ticks at 0.1 s: not due yet
    child.kill()
    assert await db_rows(db_path, "SELECT count(*) FROM scheduled_runs") == [(0,)]

    write_clock(clock_file, start + timedelta(hours=5))  # the bot was down past the due time
    runs_sql = f"SELECT due_at FROM scheduled_runs WHERE item_id = {item.id}"
    for restart in range(4):
        child = await started(emulator, ChildBot(emulator, db_path, clock_file))

        async def ran_once() -> bool:
            return len(await db_rows(db_path, runs_sql)) == 1

        await eventually(ran_once, what=f"the missed item to run (start {restart + 1})")
        await asyncio.sleep(0.3)  # more ticks: it must not run again
        child.kill()
    assert await db_rows(db_path, runs_sql) == [("2027-03-01T10:00:00.000000Z",)]
    db = await Database.open(db_path)
    audit = await AuditRepository(db).entries("retention.run")
    await db.close()
    assert [e.object_id for e in audit] == [item.id]


async def test_outbox_resumes_after_a_crash_and_resends_at_most_the_one_in_flight(
    emulator: Emulator, db_path: Path
) -> None:
    users = [emulator.user(6000 + i, language_code="de") for i in range(20)]
    now = datetime.now(UTC)
    db = await Database.open(db_path)
    outbox = OutboxRepository(db)
    for user in users:
        await outbox.add(now, user.id, "sendMessage", {"text": f"Nachricht an {user.id}"})
    await db.close()
    emulator.delay("sendMessage", 0.15)  # each send takes a while: the crash lands mid-way

    child = await started(emulator, ChildBot(emulator, db_path))

    async def some_sent() -> bool:
        return sum(len(u.messages) for u in users) >= 5

    await eventually(some_sent, what="the first messages to go out")
    child.kill()
    sent_before = sum(len(u.messages) for u in users)
    assert sent_before < len(users)

    emulator.clear_faults()
    child = await started(emulator, ChildBot(emulator, db_path))
    try:

        async def all_settled() -> bool:
            rows = await db_rows(db_path, "SELECT count(*) FROM outbox WHERE state = 'pending'")
            return rows == [(0,)]

        await eventually(all_settled, timeout=20, what="the outbox to drain")
        await asyncio.sleep(0.3)  # a request that hung during the crash may still land
        received = Counter(u.id for u in users for _ in u.messages)
        assert all(received[u.id] >= 1 for u in users), "a queued message was lost"
        assert sum(received.values()) - len(users) <= 1, "more than the in-flight one twice"
        assert await db_rows(db_path, "SELECT state, count(*) FROM outbox GROUP BY state") == [
            ("sent", 20)
        ]
    finally:
        child.terminate()
