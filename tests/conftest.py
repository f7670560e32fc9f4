from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from sandbox.emulator import Emulator
from tests.support.harness import TOKEN, InProcessBot


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator(token=TOKEN, bot_username="kosizu_test_bot", bot_id=123456)
    await emu.start(host="127.0.0.1", port=0)
    try:
        yield emu
    finally:
        await emu.stop()
    assert emu.errors == [], f"the bot made requests Telegram would refuse: {emu.errors}"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "kosizu.sqlite3"


@pytest.fixture
async def bot(emulator: Emulator, db_path: Path) -> AsyncIterator[InProcessBot]:
    running = await InProcessBot(emulator, db_path).start()
    yield running
    await running.stop()


@pytest.fixture
async def clocked_bot(emulator: Emulator, db_path: Path) -> AsyncIterator[InProcessBot]:
    """The bot with a clock that only the test moves."""
    clock = ManualClock(datetime(2027, 1, 11, 8, 0, tzinfo=UTC))
    running = await InProcessBot(emulator, db_path, clock).start()
    yield running
    await running.stop()
