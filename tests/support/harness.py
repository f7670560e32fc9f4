"""Running the real bot against the emulator, in this process or as a child process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from bot.clock import Clock, ManualClock
from bot.config import Config
from bot.runner import Running, Tuning, serve
from sandbox.emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"
FAST = Tuning(
    tick_seconds=0.1,
    poll_timeout=1,
    sender_backoff=0.05,
    progress_seconds=0.2,
    report_copy_seconds=0.2,
)


def bot_env(emulator: Emulator, db_path: Path, **extra: str) -> dict[str, str]:
    return {
        "KOSIZU_BOT_TOKEN": TOKEN,
        "KOSIZU_DB": str(db_path),
        "KOSIZU_API_BASE_URL": emulator.base_url,
        "KOSIZU_LOG_LEVEL": "INFO",
        **extra,
    }


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout: float = 10.0, what: str = "condition"
) -> None:
    """Poll until ``check`` holds (the bot works asynchronously; never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class InProcessBot:
    """The real bot (runner.serve) as a task on the test's event loop."""

    def __init__(
        self, emulator: Emulator, db_path: Path, clock: Clock | None = None, **env: str
    ) -> None:
        self.emulator = emulator
        self.config = Config.from_env(bot_env(emulator, db_path, **env))
        self.clock = clock
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._running: Running | None = None

    @property
    def running(self) -> Running:
        assert self._running is not None, "bot not started"
        return self._running

    async def start(self) -> InProcessBot:
        ready = asyncio.Event()

        def on_ready(running: Running) -> None:
            self._running = running
            ready.set()

        self._stop = asyncio.Event()
        self._task = asyncio.create_task(
            serve(self.config, self._stop, clock=self.clock, tuning=FAST, on_ready=on_ready)
        )
        waiter = asyncio.create_task(ready.wait())
        await asyncio.wait({waiter, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            waiter.cancel()
            self._task.result()  # raises what made start-up fail
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._stop.set()
            await asyncio.wait_for(self._task, 15)
            self._task = None

    async def settled(self, timeout: float = 10.0) -> None:
        """Every update sent so far has been fetched, confirmed and handled."""
        inbox = self.running.services.inbox

        async def idle() -> bool:
            return self.emulator.pending_updates == 0 and await inbox.count_unhandled() == 0

        await eventually(idle, timeout, "the bot to handle every update")

    def manual_clock(self) -> ManualClock:
        assert isinstance(self.clock, ManualClock)
        return self.clock


class ChildBot:
    """The bot as a separate process, so tests can SIGKILL it like a crash would.

    Its log goes to a file beside the database (a pipe nobody reads would fill and block it).
    """

    def __init__(self, emulator: Emulator, db_path: Path, clock_file: Path | None = None):
        self.env = {**os.environ, **bot_env(emulator, db_path)}
        if clock_file is not None:
            self.env["KOSIZU_TEST_CLOCK_FILE"] = str(clock_file)
        self.log_path = db_path.with_name(f"child-{time.monotonic_ns()}.log")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ChildBot:
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.support.child_bot"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float = 10.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)


def write_clock(path: Path, moment: datetime) -> None:
    # Replaced in one step: the child reads the file at any moment and must never see it
    # truncated halfway through a write.
    draft = path.with_name(path.name + ".new")
    draft.write_text(moment.isoformat())
    os.replace(draft, path)
