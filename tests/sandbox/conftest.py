from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import telegram

from sandbox.emulator import Emulator

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator(token=TOKEN, bot_username="kosizu_test_bot", bot_id=123456)
    await emulator.start(host="127.0.0.1", port=0)
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[telegram.Bot]:
    client = telegram.Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url)
    async with client:
        yield client


class RawApi:
    """Plain HTTP access to the emulator, for requests PTB would never send."""

    def __init__(self, client: httpx.AsyncClient, emu: Emulator) -> None:
        self.client = client
        self.emu = emu

    def url(self, method: str, token: str = TOKEN) -> str:
        return f"{self.emu.base_url}{token}/{method}"

    async def json(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        resp = await self.client.post(self.url(method), json=params)
        return resp.status_code, resp.json()

    async def form(self, method: str, **params: str) -> tuple[int, dict[str, Any]]:
        resp = await self.client.post(self.url(method), data=params)
        return resp.status_code, resp.json()


@pytest.fixture
async def raw(emu: Emulator) -> AsyncIterator[RawApi]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield RawApi(client, emu)
