"""Private chats only: in a group or channel the bot says so once and leaves."""

from __future__ import annotations

from sandbox.emulator import Emulator
from tests.support.harness import InProcessBot

NOTICE = "I only work in private chats"


async def test_added_to_a_group_it_explains_once_and_leaves(
    emulator: Emulator, bot: InProcessBot
) -> None:
    owner = emulator.user(4001, language_code="en")
    group = emulator.group(-1004001, title="Mosque board", type="supergroup")
    emulator.add_bot_to(group, by=owner)
    await bot.settled()
    assert owner.send_text_in(group, "/start") is None  # the bot is gone: Telegram drops it
    notices = [m for m in group.messages if NOTICE in m.plain]
    assert len(notices) == 1 and "@kosizu_test_bot" in notices[0].plain
    assert group.id in emulator.left_chats
    assert await bot.running.services.members.get_by_telegram_id(owner.id) is None


async def test_a_message_from_a_group_whose_join_it_never_saw_also_makes_it_leave(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = emulator.user(4002, language_code="de")
    group = emulator.group(-1004002, title="Runde", type="group")
    # A member since before the bot kept records: no join update will ever come.
    group.bot_status = "member"
    group.members.add(user.id)
    assert user.send_text_in(group, "/help") is not None
    await bot.settled()
    (notice,) = group.messages
    assert "Bitte schreiben Sie mir direkt: @kosizu_test_bot" in notice.plain
    assert group.id in emulator.left_chats


async def test_channel_is_left(emulator: Emulator, bot: InProcessBot) -> None:
    admin = emulator.user(4003, language_code="en")
    channel = emulator.group(-1004003, title="News", type="channel")
    emulator.add_bot_to(channel, by=admin)
    await bot.settled()
    assert channel.id in emulator.left_chats
