"""A staff broadcast to many members through the emulator enforcing Telegram's limits.

Prepares N active members (the storage steps of joining with an invitation) and one more who
uses the bot meanwhile, queues one broadcast to all of them as the bot does (one outbox row
each, below every other message), starts the real bot and measures:

- the broadcast rate the emulator received ÷ the budget (KOSIZU_OUTBOX_RATE),
- the p95 time the interactive member waits for a reply (/help, every half second) while
  the broadcast runs,
- in a second run with a 429 every few seconds: broadcast requests that reached the emulator
  before the retry_after of a 429 had passed (goal 0).

``--scale 10`` multiplies Telegram's limits in the emulator (300 messages/s overall, 10 per
chat) and the budget alike, so 10 000 recipients take seconds instead of six minutes.

    python -m bench.broadcast [--recipients 10000] [--scale 10] [--storm-recipients 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.members import join
from bot.delivery import DEFAULT_RATE, TELEGRAM_RATE
from bot.privacy import PrivacyNotice
from handlers.broadcast_message import payload
from sandbox.emulator import Emulator, SimUser
from storage.broadcasts import Audience, BroadcastRepository
from storage.db import Database
from storage.members import MemberRepository
from storage.onboarding import OnboardingRepository

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token-abcdefghijklmnopqrstuvwxyz"
FIRST_ID = 700_000
STAFF_ID = 699_998
INTERACTIVE_ID = 699_999
LANGUAGES = ("de", "en", "fr", "tr", "ar")
STORM_EVERY = 3.0  # seconds between injected 429s
# The member using the bot meanwhile acts once a second (a quick reader tapping through the
# menu), waiting for each reply; one that has not come after REPLY_TIMEOUT counts as lost.
MEMBER_PAUSE = 1.0
REPLY_TIMEOUT = 10.0
STORM_RETRY_AFTER = 1


async def prepare(db_path: Path, recipients: int) -> None:
    """Active members who agreed to the privacy notice, a staff author, and the broadcast
    queued for everyone (as ``handlers/broadcast_jobs`` queues it)."""
    db = await Database.open(db_path)
    try:
        now = datetime.now(UTC)
        # The interactive member is a police contact: the broadcast goes to the community.
        joining = [(INTERACTIVE_ID, "police")] + [
            (FIRST_ID + n, "community") for n in range(recipients)
        ]
        await join(db, joining, now, "de")
        people = MemberRepository(db)
        staff, _ = await people.make_staff(STAFF_ID, now)
        await OnboardingRepository(db).agree(STAFF_ID, PrivacyNotice.load().version)
        broadcasts = BroadcastRepository(db, "de", LANGUAGES)
        draft_broadcast = await broadcasts.start(staff.id, now)
        await broadcasts.set_text(
            draft_broadcast.id, staff.id, "de", "<b>Einladung</b> zum Jahreskolloquium", now
        )
        await broadcasts.set_audience(
            draft_broadcast.id, staff.id, Audience(roles=("community",)), now
        )
        state = await broadcasts.release(
            draft_broadcast.id, staff.id, now, send_at=None, needs_approval=False
        )
        assert state == "sending"
        broadcast = await broadcasts.get(draft_broadcast.id)
        assert broadcast is not None
        async with db.transaction() as tx:
            queued = await broadcasts.queue_in(
                tx, broadcast, now, lambda b, language: payload(b, language, "de")
            )
        assert queued == recipients, queued
    finally:
        await db.close()


def start_bot(emulator: Emulator, db_path: Path, rate: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KOSIZU_BOT_TOKEN": TOKEN,
        "KOSIZU_API_BASE_URL": emulator.base_url,
        "KOSIZU_DB": str(db_path),
        "KOSIZU_LOG_LEVEL": "WARNING",
        "KOSIZU_OUTBOX_RATE": str(rate),
    }
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env)


def replied(member: SimUser, seen: int) -> Callable[[], bool]:
    return lambda: len(member.messages) > seen


def broadcast_sends(emulator: Emulator, chats: set[int]) -> list[float]:
    return [
        c.time
        for c in emulator.calls
        if c.method == "sendMessage" and c.status == 200 and c.chat_id in chats
    ]


async def run(recipients: int, scale: int, *, storm: bool) -> dict[str, float]:
    emulator = Emulator(
        token=TOKEN,
        bot_username="kosizu_bench_bot",
        bot_id=123456,
        enforce_rate_limits=True,
        overall_rate=TELEGRAM_RATE * scale,
        per_chat_rate=scale,
    )
    await emulator.start()
    budget = DEFAULT_RATE * scale
    chats = {FIRST_ID + n for n in range(recipients)}
    latencies: list[float] = []
    lost = 0
    storm_at: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db_path = Path(tmp) / "bench.sqlite3"
            started = time.perf_counter()
            await prepare(db_path, recipients)
            print(
                f"prepared       : {recipients} recipients ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
            users = {t: emulator.user(t, language_code="de") for t in sorted(chats)}
            member = emulator.user(INTERACTIVE_ID, language_code="de")
            emulator.user(STAFF_ID, language_code="de")
            proc = start_bot(emulator, db_path, budget)
            try:
                deadline = time.monotonic() + recipients / budget * 3 + 120
                # The member starts using the bot once the broadcast is under way.
                await emulator.wait_until(lambda: bool(broadcast_sends(emulator, chats)), 60)
                next_storm = time.monotonic() + STORM_EVERY
                while len(broadcast_sends(emulator, chats)) < recipients:
                    if time.monotonic() > deadline:
                        raise TimeoutError("the broadcast did not finish in time")
                    if storm and time.monotonic() >= next_storm:
                        # The next broadcast message gets the 429 (not the member's reply).
                        target = next(t for t, u in users.items() if not u.messages)
                        emulator.fail("sendMessage", 429, retry_after=STORM_RETRY_AFTER,
                                      count=1, chat_id=target)  # fmt: skip
                        next_storm += STORM_EVERY
                    if not storm:
                        seen = len(member.messages)
                        sent_at = time.perf_counter()
                        member.send_text("/help")
                        try:
                            await emulator.wait_until(replied(member, seen), REPLY_TIMEOUT)
                            latencies.append(time.perf_counter() - sent_at)
                        except TimeoutError:
                            lost += 1
                    await asyncio.sleep(MEMBER_PAUSE)
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(15)
        sends = broadcast_sends(emulator, chats)
        refused = [c.time for c in emulator.calls if c.status == 429 and c.chat_id in chats]
        storm_at = refused
        early = sum(
            1
            for t in storm_at
            for c in emulator.calls
            if c.method == "sendMessage"
            and c.chat_id in chats
            and t < c.time < t + STORM_RETRY_AFTER
        )
    finally:
        await emulator.stop()
    elapsed = sends[-1] - sends[0]
    result = {
        "delivered": float(len(sends)),
        "elapsed": elapsed,
        "rate": (len(sends) - 1) / elapsed,
        "budget": float(budget),
        "early": float(early),
        "storms": float(len(storm_at)),
    }
    if latencies:
        result["p50"] = statistics.median(latencies) * 1000
        result["p95"] = statistics.quantiles(latencies, n=20)[18] * 1000
        result["replies"] = float(len(latencies))
        result["lost"] = float(lost)
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--storm-recipients", type=int, default=2_000)
    args = parser.parse_args()
    clean = await run(args.recipients, args.scale, storm=False)
    print(f"limits         : Telegram's x{args.scale} ({TELEGRAM_RATE * args.scale}/s overall,"
          f" {args.scale}/s per chat); budget {clean['budget']:.0f}/s")  # fmt: skip
    print(
        f"delivered      : {clean['delivered']:.0f} broadcast messages in {clean['elapsed']:.1f} s"
    )
    print(f"broadcast rate : {clean['rate']:.1f}/s = {clean['rate'] / clean['budget']:.2f} of the"
          " budget (goal >= 0.95)")  # fmt: skip
    if "p95" in clean:
        print(f"member replies : {clean['replies']:.0f} during the broadcast, p50"
              f" {clean['p50']:.0f} ms, p95 {clean['p95']:.0f} ms (goal < 1000 ms);"
              f" {clean['lost']:.0f} without a reply")  # fmt: skip
    storm = await run(args.storm_recipients, args.scale, storm=True)
    print(f"429 storm      : {storm['storms']:.0f} x 429 (retry_after {STORM_RETRY_AFTER} s) during"
          f" {storm['delivered']:.0f} messages; broadcast requests before retry_after passed:"
          f" {storm['early']:.0f} (goal 0)")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
