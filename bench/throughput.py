"""Updates per second of the full bot against a bare PTB bot, on the same emulator, one run.

Each simulated member does round trips: send /start, wait for the menu, tap its Help button,
wait for the edit. Members run in parallel; both bots are separate processes polling the
same in-process emulator, measured one after the other with identical workloads.

    python -m bench.throughput [--members 20] [--round-trips 10]
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
from pathlib import Path

from sandbox.emulator import Emulator, SimUser

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token-abcdefghijklmnopqrstuvwxyz"


async def round_trips(user: SimUser, count: int, button: str) -> None:
    for _ in range(count):
        user.send_text("/start")
        menu = await user.wait_for_message(timeout=30)
        user.tap(menu, button)
        await user.wait_for_edit(menu, timeout=30)


async def measure(
    command: list[str], button: str, members: int, trips: int, first_id: int
) -> float:
    """Start the bot, warm it up, then return handled updates per second."""
    emulator = Emulator(token=TOKEN, bot_username="kosizu_bench_bot", bot_id=123456)
    await emulator.start()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "KOSIZU_BOT_TOKEN": TOKEN,
            "KOSIZU_API_BASE_URL": emulator.base_url,
            "KOSIZU_DB": str(Path(tmp) / "bench.sqlite3"),
            "KOSIZU_LOG_LEVEL": "WARNING",
        }
        # Popen returns at once. The bare bot's shutdown noise is not ours to show.
        proc = subprocess.Popen(  # noqa: ASYNC220
            command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL
        )
        try:
            users = [emulator.user(first_id + i, language_code="en") for i in range(members)]
            await round_trips(users[0], 3, button)  # warm-up: start-up and first requests
            started = time.perf_counter()
            await asyncio.gather(*(round_trips(u, trips, button) for u in users))
            elapsed = time.perf_counter() - started
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
            await emulator.stop()
    return members * trips * 2 / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--round-trips", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5, help="alternating runs of each bot")
    args = parser.parse_args()
    bare_bot = [sys.executable, "-m", "bench.bare_bot"]
    our_bot = [sys.executable, "-m", "bot", "run"]
    bare: list[float] = []
    ours: list[float] = []
    # Alternate the two bots so that a noisy neighbour on the machine hits both alike.
    for n in range(args.rounds):
        bare.append(await measure(bare_bot, "Help", args.members, args.round_trips, 10_000))
        ours.append(await measure(our_bot, "❓ Help", args.members, args.round_trips, 20_000))
        print(f"round {n + 1}: bare {bare[-1]:7.1f}/s, ours {ours[-1]:7.1f}/s", flush=True)
    updates = args.members * args.round_trips * 2
    bare_median, our_median = statistics.median(bare), statistics.median(ours)
    print(f"workload: {args.members} members x {args.round_trips} round trips = {updates} updates")
    print(f"bare PTB bot : {bare_median:8.1f} updates/s (median of {args.rounds})")
    print(f"KoSiZu bot   : {our_median:8.1f} updates/s (median of {args.rounds})")
    print(f"ratio        : {our_median / bare_median:8.2f} (goal >= 0.8)")


if __name__ == "__main__":
    asyncio.run(main())
