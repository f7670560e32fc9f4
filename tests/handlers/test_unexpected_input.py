"""Every conversation state fed the wrong kind of update gets a clear answer, never silence."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import UserMessage
from tests.support.harness import InProcessBot

NOT_UNDERSTOOD = "I'm not sure what you mean. Please use the menu buttons or a command"
ONLY_TEXT = "I can only read text messages and button taps here."
NO_EDITS = "I only read new messages, not edits."
PICK_LANGUAGE = "Please tap one of the languages below, or send /cancel to keep English."
STALE = "This button no longer works. Send /start to open the menu again."

WRONG_INPUTS: dict[str, Callable[[SimUser], object]] = {
    "sticker": lambda u: u.send_sticker(),
    "photo": lambda u: u.send_photo(),
    "document": lambda u: u.send_document(filename="notes.pdf", content=b"%PDF-1.4"),
    "long text": lambda u: u.send_text("x" * 5000),
    "unknown command": lambda u: u.send_text("/frobnicate now"),
}


async def _reply_to(user: SimUser, bot: InProcessBot, send: Callable[[SimUser], object]) -> str:
    send(user)
    return (await user.wait_for_message()).plain


@pytest.mark.parametrize("kind", list(WRONG_INPUTS))
async def test_idle_state(emulator: Emulator, bot: InProcessBot, kind: str) -> None:
    user = emulator.user(3001, language_code="en")
    reply = await _reply_to(user, bot, WRONG_INPUTS[kind])
    expected = {
        "sticker": ONLY_TEXT,
        "photo": ONLY_TEXT,
        "document": ONLY_TEXT,
        "long text": NOT_UNDERSTOOD,
        "unknown command": "I don't know the command /frobnicate. /help lists what I can do.",
    }[kind]
    assert expected in reply


@pytest.mark.parametrize("kind", list(WRONG_INPUTS))
async def test_language_picker_state(emulator: Emulator, bot: InProcessBot, kind: str) -> None:
    user = emulator.user(3002, language_code="en")
    user.send_text("/language")
    await user.wait_for_message()
    reply = await _reply_to(user, bot, WRONG_INPUTS[kind])
    if kind == "unknown command":
        assert "I don't know the command /frobnicate." in reply
    else:
        assert reply == PICK_LANGUAGE
        assert user.last_message.button_labels[0] == "Deutsch"  # the picker comes again
    # Nothing was lost: the picker still works after the wrong input.
    user.send_text("English")
    assert (await user.wait_for_message()).plain == "From now on I will write to you in English."


async def test_edited_message_in_each_state(emulator: Emulator, bot: InProcessBot) -> None:
    user = emulator.user(3003, language_code="en")
    user.send_text("hello")
    await user.wait_for_message()
    first_id = [m for m in user.history if isinstance(m, UserMessage)][-1].message_id
    user.edit_text(first_id, "hello again")
    assert NO_EDITS in (await user.wait_for_message()).plain
    user.send_text("/language")
    await user.wait_for_message()
    user.edit_text(first_id, "English")  # an edit is not a choice, even in the picker
    assert NO_EDITS in (await user.wait_for_message()).plain
    member = await bot.running.services.members.get_by_telegram_id(user.id)
    assert member is not None and member.language is None


@pytest.mark.parametrize("data", ["lang:xx", "lang:de:extra", "ev:12:join", "menu", "x" * 64, "💥"])
async def test_forged_or_stale_buttons_get_an_alert(
    emulator: Emulator, bot: InProcessBot, data: str
) -> None:
    user = emulator.user(3004, language_code="en")
    user.send_text("/start")
    menu = await user.wait_for_message()
    user.tap_data(menu.message_id, data)
    await bot.settled()
    answer = user.callback_answers[-1]
    assert answer["text"] == STALE and answer["show_alert"] is True
    member = await bot.running.services.members.get_by_telegram_id(user.id)
    assert member is not None and member.language is None
    assert user.last_message.plain == menu.plain  # nothing was changed


async def test_old_language_picker_still_works_after_the_conversation(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = emulator.user(3005, language_code="en")
    user.send_text("/language")
    picker = await user.wait_for_message()
    user.send_text("/cancel")
    await user.wait_for_message()
    user.tap(picker, "Türkçe")
    await bot.settled()
    assert user.messages[0].plain == "Bundan sonra size Türkçe yazacağım."


async def test_double_tap_is_answered_once_without_error(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = emulator.user(3006, language_code="en")
    user.send_text("/start")
    menu = await user.wait_for_message()
    user.tap(menu, "❓ Help")
    user.tap(menu, "❓ Help")
    await bot.settled()
    assert len(user.callback_answers) == 2
    assert all(a.get("show_alert") in (None, False) for a in user.callback_answers)
    assert len(user.messages) == 1 and "call 110" in user.messages[0].plain
