"""Injected failures, slow answers and flood-limit accounting."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import pytest
import telegram
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from sandbox.emulator import Emulator
from tests.sandbox.conftest import RawApi


@pytest.fixture(autouse=True)
def _users(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    emu.user(1001)
    emu.user(1002)
    # Opt in to PTB's future timedelta retry_after; the int form warns (and warnings are errors).
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


async def test_429_retry_after_parsed_by_ptb(emu: Emulator, bot: telegram.Bot) -> None:
    emu.fail("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1001, "x")
    assert info.value.retry_after == dt.timedelta(seconds=7)
    await bot.send_message(1001, "x")  # count=1: only the first call failed
    assert [c.status for c in emu.calls if c.method == "sendMessage"] == [429, 200]
    assert len(emu.user(1001).messages) == 1


async def test_429_body(emu: Emulator, raw: RawApi) -> None:
    emu.fail("sendMessage", 429, retry_after=3)
    status, body = await raw.json("sendMessage", chat_id=1001, text="x")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }


async def test_403_forbidden(emu: Emulator, bot: telegram.Bot) -> None:
    emu.fail("sendMessage", 403, chat_id=1002)
    await bot.send_message(1001, "other chat unaffected")
    with pytest.raises(Forbidden, match=r"(?i)blocked"):
        await bot.send_message(1002, "x")


async def test_400_custom_description(emu: Emulator, bot: telegram.Bot) -> None:
    emu.fail("sendmessage", 400, description="Bad Request: PEER_ID_INVALID")
    with pytest.raises(BadRequest, match=r"(?i)peer_id_invalid"):
        await bot.send_message(1001, "x")
    assert emu.errors == []  # injected failures are not the bot's fault


async def test_502_network_error(emu: Emulator, bot: telegram.Bot, raw: RawApi) -> None:
    emu.fail(None, 502, count=2)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(1001, "x")
    status, body = await raw.json("getMe")
    assert (status, body) == (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    assert (await bot.get_me()).id == 123456


async def test_fail_get_updates(emu: Emulator, bot: telegram.Bot) -> None:
    emu.fail("getUpdates", 500)
    with pytest.raises(NetworkError):
        await bot.get_updates()
    assert await bot.get_updates() == ()


async def test_delay(emu: Emulator, bot: telegram.Bot) -> None:
    emu.delay("sendMessage", 0.3, count=1)
    started = time.monotonic()
    await bot.send_message(1001, "slow")
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    await bot.send_message(1001, "fast")
    assert time.monotonic() - started < 0.3


async def test_rate_violations_counted(emu: Emulator, bot: telegram.Bot) -> None:
    await bot.send_message(1001, "a")
    await bot.send_message(1002, "b")
    assert emu.rate_violations == {"overall": 0, "per_chat": 0}
    await bot.send_message(1001, "c")  # second message to 1001 within a second
    assert emu.rate_violations == {"overall": 0, "per_chat": 1}
    await bot.get_me()  # not a sending method
    assert emu.rate_violations["per_chat"] == 1


async def test_overall_rate(emu: Emulator, raw: RawApi) -> None:
    emu.overall_rate = 5  # small, so the burst surely fits into one second
    for i in range(8):
        emu.user(2000 + i)
    results = await asyncio.gather(
        *(raw.json("sendMessage", chat_id=2000 + i, text="x") for i in range(8))
    )
    assert all(status == 200 for status, _ in results)
    assert emu.rate_violations == {"overall": 3, "per_chat": 0}


async def test_enforced_rate_limits(emu: Emulator, bot: telegram.Bot) -> None:
    emu.enforce_rate_limits = True
    await bot.send_message(1001, "a")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1001, "b")
    assert info.value.retry_after == dt.timedelta(seconds=1)
    assert emu.rate_violations["per_chat"] == 1
    assert len(emu.user(1001).messages) == 1
    await asyncio.sleep(1.05)
    await bot.send_message(1001, "c")
    assert len(emu.user(1001).messages) == 2


async def test_calls_log(emu: Emulator, bot: telegram.Bot) -> None:
    await bot.send_message(1001, "x")
    call = emu.calls[-1]
    assert call.method == "sendMessage"
    assert call.chat_id == 1001
    assert call.status == 200
    assert call.params["text"] == "x"
    assert call.time <= time.monotonic()


async def test_emulator_bug_is_reported(emu: Emulator, raw: RawApi) -> None:
    async def boom(params: dict[str, Any], formatted: dict[str, Any]) -> Any:
        raise RuntimeError("kaputt")

    emu._handlers["getMe"] = boom
    status, body = await raw.json("getMe")
    assert status == 500
    assert "kaputt" in body["description"]
    assert emu.errors[-1]["method"] == "getMe"
