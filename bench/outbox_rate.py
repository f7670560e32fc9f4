"""The outbox sender's delivery rate against Telegram's limit, measured on the emulator.

Queues one message for each of N members, starts the real bot, and times the sends as the
emulator receives them. The emulator counts every breach of 30 messages/s overall and
1 message/s per chat.

    python -m bench.outbox_rate [--members 300]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.delivery import TELEGRAM_RATE
from sandbox.emulator import Emulator
from storage.db import Database
from storage.outbox import OutboxRepository

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token-abcdefghijklmnopqrstuvwxyz"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=300)
    args = parser.parse_args()
    emulator = Emulator(token=TOKEN, bot_username="kosizu_bench_bot", bot_id=123456)
    await emulator.start()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.sqlite3"
        db = await Database.open(db_path)
        outbox = OutboxRepository(db)
        now = datetime.now(UTC)
        for n in range(args.members):
            user = emulator.user(30_000 + n, language_code="de")
            await outbox.add(now, user.id, "sendMessage", {"text": f"Ankündigung {n}"})
        await db.close()
        env = {
            **os.environ,
            "KOSIZU_BOT_TOKEN": TOKEN,
            "KOSIZU_API_BASE_URL": emulator.base_url,
            "KOSIZU_DB": str(db_path),
            "KOSIZU_LOG_LEVEL": "WARNING",
        }
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env)  # noqa: ASYNC220
        try:
            await emulator.wait_until(
                lambda: sum(1 for c in emulator.calls if c.method == "sendMessage") >= args.members,
                timeout=args.members / 10 + 30,
            )
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
    sends = [c.time for c in emulator.calls if c.method == "sendMessage" and c.status == 200]
    await emulator.stop()
    elapsed = sends[-1] - sends[0]
    busiest = max(bisect.bisect_left(sends, t + 1.0) - i for i, t in enumerate(sends))
    print(f"delivered      : {len(sends)} messages in {elapsed:.2f} s")
    print(f"mean rate      : {(len(sends) - 1) / elapsed:6.1f} messages/s")
    print(f"busiest second : {busiest:6d} messages")
    share = busiest / TELEGRAM_RATE
    print(f"Telegram limit : {TELEGRAM_RATE:6d} messages/s (busiest second / limit {share:.2f})")
    print(f"violations     : {emulator.rate_violations}")


if __name__ == "__main__":
    asyncio.run(main())
