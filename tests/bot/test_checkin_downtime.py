"""The bot process down over a round's opening, and killed again and again after it: the round
opens on the first tick with its scheduled dates, and every prompt reaches its member exactly
once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from handlers import checkin_jobs
from sandbox.emulator import Emulator
from storage.timefmt import to_db
from tests.bot.test_crash_recovery import db_rows, started
from tests.handlers.test_checkin_schedule import OPENS_JAN, network
from tests.support.harness import ChildBot, InProcessBot, eventually, write_clock

PARTNERS = ("Amira", "Bilal", "Cem")


async def ran_at(db_path: Path, kind: str, moment: datetime) -> bool:
    """The child's ticker ran an occurrence of the item with its clock at ``moment``."""
    rows = await db_rows(
        db_path,
        "SELECT count(*) FROM scheduled_runs r JOIN scheduled_items i ON i.id = r.item_id"
        f" WHERE i.kind = '{kind}' AND r.fired_at = '{to_db(moment)}'",
    )
    return rows == [(1,)]


async def test_down_over_the_opening_then_killed_three_times_every_prompt_goes_once(
    emulator: Emulator, db_path: Path, tmp_path: Path
) -> None:
    # The network is set up through the chat with the bot in this process, before 10:00.
    setup = await InProcessBot(
        emulator, db_path, ManualClock(OPENS_JAN - timedelta(hours=1))
    ).start()
    try:
        net = await network(
            emulator, setup, {"Dialog Nord": ["Amira", "Bilal"], "Brücken bauen": ["Cem"]}
        )
    finally:
        await setup.stop()
    users = [net.partners[n].user for n in PARTNERS]
    clock_file = tmp_path / "clock"
    children: list[ChildBot] = []

    def launched(child: ChildBot) -> ChildBot:
        children.append(child)
        return child

    try:
        # Up at 09:30 Berlin: a few ticks, no round yet.
        before = datetime(2027, 1, 11, 8, 30, tzinfo=UTC)
        write_clock(clock_file, before)
        child = await started(emulator, launched(ChildBot(emulator, db_path, clock_file)))
        await eventually(
            lambda: ran_at(db_path, checkin_jobs.KIND, before), what="a tick before the opening"
        )
        child.kill()
        assert await db_rows(db_path, "SELECT count(*) FROM checkin_rounds") == [(0,)]

        # Down over 10:00 Berlin (09:00 UTC); back at 12:00 UTC. The first send meets a 429 that
        # holds the sender for 30 s, and the bot is killed then: queued, nothing in flight.
        back = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)
        write_clock(clock_file, back)
        emulator.fail("sendMessage", 429, retry_after=30, count=1)
        calls_before = len(emulator.calls)
        child = await started(emulator, launched(ChildBot(emulator, db_path, clock_file)))
        queued_sql = "SELECT count(*) FROM outbox WHERE dedup_key LIKE 'checkin-prompt:%'"

        async def queued_and_held() -> bool:
            return await db_rows(db_path, queued_sql) == [(3,)] and any(
                c.method == "sendMessage" for c in emulator.calls[calls_before:]
            )

        await eventually(queued_and_held, what="the prompts to be queued")
        await emulator.wait_until(lambda: emulator.in_flight["sendMessage"] == 0)
        child.kill()
        assert net.counts(*PARTNERS) == [0, 0, 0]
        assert await db_rows(
            db_path, "SELECT opens_at, scheduled_for, created_at FROM checkin_rounds"
        ) == [
            (
                "2027-01-11T09:00:00.000000Z",
                "2027-01-11T09:00:00.000000Z",
                "2027-01-11T12:00:00.000000Z",
            )
        ]
        emulator.clear_faults()

        # Three more starts, a minute apart: killed, terminated, killed.
        for restart, stop in enumerate(("kill", "terminate", "kill"), start=1):
            moment = back + timedelta(minutes=restart)
            write_clock(clock_file, moment)
            child = await started(emulator, launched(ChildBot(emulator, db_path, clock_file)))

            async def all_sent_and_ticked(at: datetime = moment) -> bool:
                pending = await db_rows(
                    db_path, "SELECT count(*) FROM outbox WHERE state = 'pending'"
                )
                return pending == [(0,)] and await ran_at(db_path, checkin_jobs.KIND, at)

            await eventually(all_sent_and_ticked, timeout=20, what=f"start {restart} to settle")
            assert net.counts(*PARTNERS) == [1, 1, 1], f"after start {restart}"
            if stop == "kill":
                child.kill()
            else:
                assert child.terminate() == 0

        assert [len(net.got(u)) for u in users] == [1, 1, 1]
        assert all("The quarterly check-in of" in net.got(u)[0].plain for u in users)
        assert net.got(net.staff) == []
        assert await db_rows(
            db_path,
            "SELECT state, count(*) FROM outbox WHERE dedup_key LIKE 'checkin-prompt:%'"
            " GROUP BY state",
        ) == [("sent", 3)]
        assert await db_rows(db_path, "SELECT count(*) FROM checkin_prompts") == [(3,)]
        assert await db_rows(
            db_path,
            "SELECT r.due_at FROM scheduled_runs r JOIN scheduled_items i ON i.id = r.item_id"
            f" WHERE i.kind = '{checkin_jobs.ROUND_KIND}'",
        ) == [("2027-01-11T09:00:00.000000Z",)]
    finally:
        for child in children:  # a failed assertion must not leave a bot process behind
            if child.proc is not None and child.proc.poll() is None:
                child.kill()
