"""Entry point of the bot child process used by crash tests.

Production code path (runner.serve) with test timings, and a clock read from a file when
KOSIZU_TEST_CLOCK_FILE is set, so a test can move time between restarts.
"""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

from bot import logs
from bot.clock import SystemClock
from bot.config import Config
from bot.runner import serve
from tests.support.harness import FAST


class FileClock:
    def __init__(self, path: Path) -> None:
        self._path = path

    def now(self) -> datetime:
        return datetime.fromisoformat(self._path.read_text().strip()).astimezone(UTC)


async def main() -> None:
    config = Config.from_env(os.environ)
    logs.configure(config.log_level)
    clock_file = os.environ.get("KOSIZU_TEST_CLOCK_FILE")
    clock = FileClock(Path(clock_file)) if clock_file else SystemClock()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await serve(config, stop, clock=clock, tuning=FAST)


if __name__ == "__main__":
    asyncio.run(main())
