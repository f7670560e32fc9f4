"""The scheduler on the real JobQueue: due items run once, DST included, clock moved by tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import SystemClock
from sandbox.emulator import Emulator
from storage.audit import AuditRepository
from tests.support.harness import InProcessBot, eventually


async def _retention_runs(bot: InProcessBot, item_id: int) -> list[datetime]:
    """When each run of the item happened (by the injected clock), from the audit log.

    Not from scheduled_runs: the daily retention run itself forgets runs older than 90 days.
    """
    entries = await AuditRepository(bot.running.services.db).entries("retention.run")
    return [e.at for e in entries if e.object_id == item_id]


async def test_the_real_job_queue_fires_a_due_item(emulator: Emulator, db_path: object) -> None:
    bot = await InProcessBot(emulator, db_path, SystemClock()).start()  # type: ignore[arg-type]
    try:
        services = bot.running.services
        now = services.clock.now()
        item = await services.schedule.ensure("retention", "soon", now + timedelta(seconds=1), now)

        async def fired() -> bool:
            return len(await _retention_runs(bot, item.id)) == 1

        await eventually(fired, timeout=10, what="the JobQueue ticker to run the item")
        entries = await AuditRepository(services.db).entries("retention.run")
        assert [e.object_id for e in entries] == [item.id]
        stored = await services.schedule.get("retention", "soon")
        assert stored is not None and stored.state == "done"
    finally:
        await bot.stop()


async def test_daily_item_fires_once_per_day_across_both_dst_changes(
    clocked_bot: InProcessBot,
) -> None:
    bot = clocked_bot
    clock = bot.manual_clock()
    services = bot.running.services
    # 02:30 Berlin every day; 31 Oct 2027 has two 02:30s, 28 Mar 2027 has none.
    first = datetime(2027, 3, 27, 1, 30, tzinfo=UTC)  # 02:30 CET
    clock.set(first - timedelta(minutes=5))
    item = await services.schedule.ensure(
        "retention", "dst", first, clock.now(), recurrence="30 2 * * *"
    )
    expected = [
        datetime(2027, 3, 27, 1, 30, tzinfo=UTC),
        datetime(2027, 3, 28, 1, 30, tzinfo=UTC),  # the missing 02:30 -> 03:30 CEST
        datetime(2027, 3, 29, 0, 30, tzinfo=UTC),  # 02:30 CEST
    ]
    # Walk the clock through the spring change in 20-minute steps.
    moment = first - timedelta(minutes=5)
    while moment < datetime(2027, 3, 29, 2, 0, tzinfo=UTC):
        moment += timedelta(minutes=20)
        clock.set(moment)
        count = sum(1 for e in expected if e <= moment)

        async def caught_up(n: int = count) -> bool:
            return len(await _retention_runs(bot, item.id)) == n

        await eventually(caught_up, what=f"{count} runs at {moment}")
    assert await services.schedule.runs(item.id) == expected  # the occurrences that ran

    # Autumn: jump to just before the first 02:30 of 31 Oct, then through the repeated hour.
    stored = await services.schedule.get("retention", "dst")
    assert stored is not None
    clock.set(datetime(2027, 10, 30, 23, 0, tzinfo=UTC))
    await eventually(lambda: _count_is(bot, item.id, 4), what="the catch-up run after a long jump")
    for minutes in range(0, 240, 20):
        clock.set(datetime(2027, 10, 31, 0, 0, tzinfo=UTC) + timedelta(minutes=minutes))
        await bot.running.scheduler.tick()
    assert len(await _retention_runs(bot, item.id)) == 5  # the second 02:30 (CET) did not fire
    latest = (await services.schedule.runs(item.id))[-1]
    assert latest == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST
    stored = await services.schedule.get("retention", "dst")
    assert stored is not None and stored.due_at == datetime(2027, 11, 1, 1, 30, tzinfo=UTC)


async def _count_is(bot: InProcessBot, item_id: int, n: int) -> bool:
    return len(await _retention_runs(bot, item_id)) == n
