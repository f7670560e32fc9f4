"""Standalone CLI, groups/channels, privacy mode and idle detection."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

import httpx
import telegram

from sandbox.emulator import Emulator
from tests.sandbox.conftest import TOKEN

ROOT = Path(__file__).resolve().parents[2]


async def test_cli_serves_bot_api() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox.emulator", "--port", "0",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        match = re.search(r"base_url=(\S+)", line)
        assert match, line
        async with httpx.AsyncClient() as client:
            resp = await client.get(f"{match.group(1)}{TOKEN}/getMe")
        assert resp.json()["result"]["username"] == "kosizu_test_bot"
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.communicate(), 20)


async def test_privacy_mode_off_delivers_everything() -> None:
    emu = Emulator(privacy_mode=False)
    user = emu.user(1001)
    group = emu.group(-100, title="G", type="group")
    assert user.send_text_in(group, "before the bot joined") is None
    emu.add_bot_to(group, by=user)
    assert isinstance(user.send_text_in(group, "plain chatter"), int)
    payload = emu.queued_updates[-1]["message"]
    assert payload["chat"] == {"id": -100, "type": "group", "title": "G"}
    assert payload["from"]["id"] == 1001


async def test_privacy_mode_rules(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    group = emu.group(-100, title="G")
    emu.add_bot_to(group, by=user)
    assert user.send_text_in(group, "chatter") is None
    assert user.send_text_in(group, "/cmd@other_bot") is None
    assert user.send_text_in(group, "/cmd") is not None
    assert user.send_text_in(group, "hey @kosizu_test_bot") is not None
    sent = await bot.send_message(group.id, "question?")
    assert user.send_text_in(group, "answer", reply_to=sent.message_id) is not None
    # Admin bots see everything.
    emu.add_bot_to(group, by=user, as_admin=True)
    assert user.send_text_in(group, "chatter") is not None


async def test_channel_posts(emu: Emulator, bot: telegram.Bot) -> None:
    owner = emu.user(1001)
    channel = emu.group(-1005, title="News", type="channel")
    emu.add_bot_to(channel, by=owner)
    uid = owner.send_text_in(channel, "post")
    updates = await bot.get_updates()
    post = updates[-1]
    assert post.update_id == uid
    assert post.channel_post is not None
    assert post.channel_post.sender_chat is not None
    sent = await bot.send_message(channel.id, "bot post")
    assert sent.sender_chat is not None and sent.sender_chat.id == channel.id


async def test_remove_bot_from_group(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    group = emu.group(-100, title="G")
    emu.add_bot_to(group, by=user)
    emu.remove_bot_from(group, by=user)
    updates = await bot.get_updates()
    last = updates[-1].my_chat_member
    assert last is not None and last.new_chat_member.status == "kicked"
    try:
        await bot.send_message(group.id, "x")
    except telegram.error.Forbidden as exc:
        assert "kicked" in str(exc)
    else:
        raise AssertionError("expected Forbidden")


async def test_get_chat_member_roles(emu: Emulator, bot: telegram.Bot) -> None:
    owner = emu.user(1001)
    admin = emu.user(1002)
    member = emu.user(1003)
    group = emu.group(-100, title="G")
    emu.add_bot_to(group, by=owner)
    group.admins.add(admin.id)
    member.send_text_in(group, "hi")
    statuses = [(await bot.get_chat_member(group.id, u.id)).status for u in (owner, admin, member)]
    assert statuses == ["creator", "administrator", "member"]
    assert (await bot.get_chat_member(group.id, emu.bot_id)).status == "member"
    admins = await bot.get_chat_administrators(group.id)
    assert [a.user.id for a in admins] == [1001, 1002]


async def test_wait_idle(emu: Emulator, bot: telegram.Bot) -> None:
    emu.user(1001)
    await bot.send_message(1001, "x")
    await emu.wait_idle(quiet=0.05, timeout=2)


async def test_user_get_or_create(emu: Emulator) -> None:
    a = emu.user(1001, first_name="Ada")
    assert emu.user(1001) is a
    assert emu.user(1001, language_code="en").language_code == "en"
    assert emu.users == [a]
    assert emu.group(-5, title="x") is emu.group(-5)
