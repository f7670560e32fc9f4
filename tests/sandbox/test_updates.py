"""getUpdates: long polling, offsets (including ids that restart lower), filters."""

from __future__ import annotations

import asyncio
import time

import pytest
import telegram

from sandbox.emulator import Emulator
from tests.sandbox.conftest import RawApi


async def test_long_poll_waits_for_update(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)

    async def send_later() -> int:
        await asyncio.sleep(0.2)
        return user.send_text("hi")

    started = time.monotonic()
    task = asyncio.create_task(send_later())
    updates = await bot.get_updates(timeout=5)
    elapsed = time.monotonic() - started
    assert [u.update_id for u in updates] == [await task]
    assert 0.15 < elapsed < 2


async def test_long_poll_times_out_empty(bot: telegram.Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 2


async def test_short_poll_returns_immediately(bot: telegram.Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates() == ()
    assert time.monotonic() - started < 0.5


async def test_offset_confirms(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    ids = [user.send_text(f"m{i}") for i in range(3)]
    first = await bot.get_updates(limit=2)
    assert [u.update_id for u in first] == ids[:2]
    # Not confirmed yet: delivered again.
    again = await bot.get_updates()
    assert [u.update_id for u in again] == ids
    rest = await bot.get_updates(offset=ids[1] + 1)
    assert [u.update_id for u in rest] == ids[2:]
    assert emu.pending_updates == 1
    await emu.wait_confirmed(ids[1], timeout=0.1)
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert emu.pending_updates == 0


async def test_first_update_id_is_configurable() -> None:
    emu = Emulator(first_update_id=500)
    assert emu.user(1).send_text("x") == 500
    assert emu.user(1).send_text("y") == 501


async def test_ids_restarting_lower_are_still_delivered(emu: Emulator, raw: RawApi) -> None:
    user = emu.user(1001)
    emu.next_update_id = 100
    a = user.send_text("a")
    status, body = await raw.json("getUpdates")
    assert [u["update_id"] for u in body["result"]] == [a]
    emu.next_update_id = 5  # e.g. Telegram picked a new random start after a quiet week
    b = user.send_text("b")
    assert b == 5
    # The offset (101) is higher than the new id, but it only confirms what was delivered.
    status, body = await raw.json("getUpdates", offset=a + 1)
    assert status == 200
    assert [u["update_id"] for u in body["result"]] == [b]
    status, body = await raw.json("getUpdates", offset=b + 1)
    assert body["result"] == []
    assert emu.pending_updates == 0


async def test_replayed_update_id_is_delivered_again(emu: Emulator, raw: RawApi) -> None:
    user = emu.user(1001)
    uid = user.send_text("once")
    _, body = await raw.json("getUpdates")
    original = body["result"][0]
    _, body = await raw.json("getUpdates", offset=uid + 1)
    assert body["result"] == []
    assert emu.inject_update(original) == uid
    _, body = await raw.json("getUpdates", offset=uid + 1)
    assert body["result"] == [original]
    await raw.json("getUpdates", offset=uid + 1)
    await emu.wait_confirmed(uid, timeout=0.1)


async def test_inject_lower_id_update(emu: Emulator, raw: RawApi) -> None:
    user = emu.user(1001)
    high = user.send_text("high")
    emu.inject_update(
        {
            "update_id": high - 1,
            "message": {
                "message_id": 50,
                "date": 0,
                "chat": user.chat_dict(),
                "from": user.user_dict(),
                "text": "late",
            },
        }
    )
    _, body = await raw.json("getUpdates")
    assert [u["update_id"] for u in body["result"]] == [high, high - 1]


async def test_negative_offset_keeps_tail(emu: Emulator, raw: RawApi) -> None:
    user = emu.user(1001)
    ids = [user.send_text(str(i)) for i in range(4)]
    _, body = await raw.json("getUpdates", offset=-1)
    assert [u["update_id"] for u in body["result"]] == ids[-1:]
    assert emu.pending_updates == 1


async def test_allowed_updates_filter(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    user.send_text("text")
    user.tap_data(1, "data")
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.callback_query is not None for u in updates] == [True]
    # The filtered-out message is gone for good, like in Telegram.
    updates = await bot.get_updates(allowed_updates=[])
    assert len(updates) == 1


async def test_chat_member_updates_are_opt_in(emu: Emulator, raw: RawApi) -> None:
    emu.inject_update({"update_id": 9, "chat_member": {}})
    _, body = await raw.json("getUpdates")
    assert body["result"] == []
    emu.inject_update({"update_id": 10, "chat_member": {}})
    _, body = await raw.json("getUpdates", allowed_updates=["chat_member"])
    assert [u["update_id"] for u in body["result"]] == [10]


async def test_concurrent_polls_conflict(emu: Emulator, raw: RawApi) -> None:
    # PTB's own getUpdates pool has one connection, so two pollers mean two bot instances.
    first = asyncio.create_task(raw.json("getUpdates", timeout=3))
    await asyncio.sleep(0.1)
    status, body = await raw.json("getUpdates", timeout=0)
    assert (status, body["result"]) == (200, [])
    status, body = await first
    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")


async def test_delete_webhook_drops_pending(emu: Emulator, bot: telegram.Bot) -> None:
    uid = emu.user(1001).send_text("old")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert emu.pending_updates == 0
    await emu.wait_confirmed(uid, timeout=0.1)
    info = await bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 0


async def test_wait_confirmed_times_out(emu: Emulator) -> None:
    uid = emu.user(1001).send_text("x")
    with pytest.raises(TimeoutError):
        await emu.wait_confirmed(uid, timeout=0.05)
    with pytest.raises(KeyError):
        await emu.wait_confirmed(12345, timeout=0.05)


async def test_stop_releases_long_poll(emu: Emulator, raw: RawApi) -> None:
    task = asyncio.create_task(raw.json("getUpdates", timeout=30))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await emu.stop()
    status, body = await task
    assert (status, body["result"]) == (200, [])
    assert time.monotonic() - started < 2
