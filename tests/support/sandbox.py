"""A whole sandbox (emulator, demo data, the real bot, the page) started in the test's loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

from sandbox import launch

STARTUP = 30.0


@contextlib.asynccontextmanager
async def running_sandbox(
    data_dir: Path, *, name: str | None = None, env: Mapping[str, str] | None = None
) -> AsyncIterator[launch.Sandbox]:
    stop = asyncio.Event()
    ready: asyncio.Future[launch.Sandbox] = asyncio.get_running_loop().create_future()
    options = launch.Options(port=0, name=name, data_dir=data_dir)
    task = asyncio.create_task(launch.run(env or {}, options, stop, on_ready=ready.set_result))
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=STARTUP, return_when="FIRST_COMPLETED")
        if task in done:
            await task  # raises why it did not start
            raise AssertionError("the sandbox stopped before it was ready")
        if not done:
            raise TimeoutError(f"the sandbox did not start within {STARTUP:.0f} s")
        yield ready.result()
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
