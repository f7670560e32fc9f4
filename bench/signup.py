"""Many members signing up for one event at the same moment, through the emulator.

Prepares N active community members (through the same storage steps as joining with an
invitation) and one published event with S seats, starts the real bot as a child process,
lets every member open the event's details, and then has all of them tap "Sign up" at once.
Prints how many were confirmed (must be exactly S: no overbooking), how many wait, whether
the waiting list is in the order the sign-ups were handled (each member is told their
position when their sign-up is decided; the list must hold them in exactly that order), and
the p50/p95 time from the tap to the bot's answer.

    python -m bench.signup [--members 500] [--seats 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.members import join
from sandbox.emulator import BotMessage, Emulator, SimUser
from storage.db import Database
from storage.timefmt import to_db

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token-abcdefghijklmnopqrstuvwxyz"
FIRST_ID = 40_000
TITLE = "Annual colloquium"
_POSITION = re.compile(r"waiting list: position (\d+)\.")


async def prepare(db_path: Path, members: int, seats: int) -> None:
    """Active members who agreed to the current privacy notice, and the event."""
    db = await Database.open(db_path)
    try:
        now = datetime.now(UTC)
        await join(db, [(FIRST_ID + n, "community") for n in range(members)], now, "en")
        starts = now + timedelta(days=30)
        # Written directly, as the tests do: publishing is a staff conversation.
        async with db.transaction() as tx:
            event_id = await tx.insert(
                "INSERT INTO events (state, starts_at, ends_at, venue, region, capacity,"
                " registration_deadline, created_at, updated_at, published_at)"
                " VALUES ('published', ?, ?, 'Rathaus Köln', 'DE-NW', ?, ?, ?, ?, ?)",
                (
                    to_db(starts),
                    to_db(starts + timedelta(hours=8)),
                    seats,
                    to_db(starts - timedelta(days=2)),
                    to_db(now),
                    to_db(now),
                    to_db(now),
                ),
            )
            await tx.execute(
                "INSERT INTO event_texts (event_id, language, title) VALUES (?, 'en', ?)",
                (event_id, TITLE),
            )
    finally:
        await db.close()


async def open_details(user: SimUser) -> BotMessage:
    user.send_text("/events")
    listing = await user.wait_for_message(timeout=60)
    user.tap(listing, f"1. {TITLE}")
    return await user.wait_for_edit(listing, timeout=60)


async def answer_time(user: SimUser, tapped_at: float) -> tuple[float, BotMessage]:
    reply = await user.wait_for_message(timeout=120)
    return time.perf_counter() - tapped_at, reply


async def results(db_path: Path) -> tuple[int, list[int]]:
    """Confirmed count, and the waiting members' Telegram ids in waiting-list order."""
    db = await Database.open(db_path)
    try:
        confirmed = await db.fetchone(
            "SELECT count(*) FROM registrations WHERE state = 'confirmed'"
        )
        waiting = await db.fetchall(
            "SELECT telegram_user_id FROM registrations JOIN members ON members.id = member_id"
            " WHERE registrations.state = 'waitlisted' ORDER BY waiting_since, registrations.id"
        )
    finally:
        await db.close()
    assert confirmed is not None
    return int(confirmed[0]), [r[0] for r in waiting]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--seats", type=int, default=100)
    args = parser.parse_args()
    emulator = Emulator(token=TOKEN, bot_username="kosizu_bench_bot", bot_id=123456)
    await emulator.start()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.sqlite3"
        started = time.perf_counter()
        await prepare(db_path, args.members, args.seats)
        print(f"prepared       : {args.members} members, 1 event, {args.seats} seats "
              f"({time.perf_counter() - started:.1f} s)", flush=True)  # fmt: skip
        env = {
            **os.environ,
            "KOSIZU_BOT_TOKEN": TOKEN,
            "KOSIZU_API_BASE_URL": emulator.base_url,
            "KOSIZU_DB": str(db_path),
            "KOSIZU_LOG_LEVEL": "WARNING",
        }
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env)  # noqa: ASYNC220
        try:
            users = [emulator.user(FIRST_ID + n, language_code="en") for n in range(args.members)]
            details = await asyncio.gather(*(open_details(user) for user in users))
            # Everyone taps at once; the bot sees the taps in this order.
            tapped_at = []
            for user, message in zip(users, details, strict=True):
                tapped_at.append(time.perf_counter())
                user.tap(message, "✍️ Sign up")
            answers = await asyncio.gather(
                *(answer_time(u, t) for u, t in zip(users, tapped_at, strict=True))
            )
            burst = max(latency + t for (latency, _), t in zip(answers, tapped_at, strict=True))
            burst -= tapped_at[0]
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
            await emulator.stop()
        confirmed, waiting = await results(db_path)
    told: dict[int, int] = {}
    confirmations = 0
    for user, (_, reply) in zip(users, answers, strict=True):
        text = reply.plain or ""
        if text.startswith("✅ You are registered"):
            confirmations += 1
        elif match := _POSITION.search(text):
            told[user.id] = int(match.group(1))
    handled_order = [user_id for user_id, _ in sorted(told.items(), key=lambda item: item[1])]
    tap_order = [user.id for user in users if user.id in told]
    out_of_tap_order = sum(1 for a, b in zip(waiting, tap_order, strict=False) if a != b)
    latencies = sorted(latency for latency, _ in answers)
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    ok = confirmed == args.seats == confirmations
    print(f"confirmed      : {confirmed} (seats {args.seats}; {'OK' if ok else 'WRONG'})")
    print(f"waitlisted     : {len(waiting)} (members told a position: {len(told)})")
    print(f"waitlist order : {'equals' if waiting == handled_order else 'DIFFERS FROM'} the "
          f"order the sign-ups were handled ({out_of_tap_order} of {len(waiting)} placed "
          "otherwise than tapped, as up to 4 updates are handled at a time)")  # fmt: skip
    print(f"reply latency  : p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")  # fmt: skip
    print(f"burst          : {args.members} taps answered in {burst:.2f} s "
          f"({args.members / burst:.0f} sign-ups/s)")  # fmt: skip
    if not ok or waiting != handled_order:
        sys.exit(1)


if __name__ == "__main__":
    asyncio.run(main())
