"""/start, /help and /language as members see them, in all five languages."""

from __future__ import annotations

import pytest

from sandbox.emulator import Emulator
from tests.support.harness import InProcessBot

MENU_QUESTION = {
    "de": "Was möchten Sie tun?",
    "en": "What would you like to do?",
    "fr": "Que souhaitez-vous faire ?",
    "tr": "Ne yapmak istersiniz?",
    "ar": "ماذا تريد أن تفعل؟",
}
HELP_LABEL = {
    "de": "❓ Hilfe",
    "en": "❓ Help",
    "fr": "❓ Aide",
    "tr": "❓ Yardım",
    "ar": "❓ المساعدة",
}


@pytest.mark.parametrize("language", ["de", "en", "fr", "tr", "ar"])
async def test_start_greets_in_the_app_language(
    emulator: Emulator, bot: InProcessBot, language: str
) -> None:
    user = emulator.user(1000 + len(language) * 7 + ord(language[0]), language_code=language)
    user.send_text("/start")
    menu = await user.wait_for_message()
    assert MENU_QUESTION[language] in menu.plain
    assert HELP_LABEL[language] in menu.button_labels
    member = await bot.running.services.members.get_by_telegram_id(user.id)
    assert member is not None and member.language is None  # nothing chosen yet


async def test_unsupported_app_language_gets_the_default(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = emulator.user(2001, language_code="es")
    user.send_text("/start")
    assert MENU_QUESTION["de"] in (await user.wait_for_message()).plain


async def test_menu_help_button_round_trip(emulator: Emulator, bot: InProcessBot) -> None:
    user = emulator.user(2002, language_code="en")
    user.send_text("/start")
    menu = await user.wait_for_message()
    user.tap(menu, "❓ Help")
    await bot.settled()
    edited = user.messages[-1]
    assert edited.message_id == menu.message_id and edited.edits == 1
    assert "In an emergency, call 110." in edited.plain
    assert edited.button_labels == ["« Main menu"]
    assert user.callback_answers[-1].get("text") is None  # answered, no alert
    user.tap(edited, "« Main menu")
    await bot.settled()
    assert MENU_QUESTION["en"] in user.messages[-1].plain


async def test_language_switch_by_button_changes_replies_and_command_menu(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = emulator.user(2003, language_code="de")
    user.send_text("/language")
    picker = await user.wait_for_message()
    assert picker.button_labels == ["Deutsch", "English", "Français", "Türkçe", "العربية"]
    user.tap(picker, "العربية")
    await bot.settled()
    assert user.messages[-1].plain == "من الآن فصاعدًا سأراسلك باللغة العربية."
    member = await bot.running.services.members.get_by_telegram_id(user.id)
    assert member is not None and member.language == "ar"
    chat_menu = emulator.commands[(f"chat:{user.id}", "")]
    assert chat_menu[0]["description"] == "فتح القائمة الرئيسية"
    user.send_text("/start")  # the stored choice beats the app's language_code
    assert MENU_QUESTION["ar"] in (await user.wait_for_message()).plain


async def test_language_switch_by_typing_its_name(emulator: Emulator, bot: InProcessBot) -> None:
    user = emulator.user(2004, language_code="de")
    user.send_text("/language")
    await user.wait_for_message()
    user.send_text("  français ")
    reply = await user.wait_for_message()
    assert reply.plain == "Désormais, je vous écrirai en Français."


async def test_command_menus_are_published_per_language(
    emulator: Emulator, bot: InProcessBot
) -> None:
    expected_start = {
        "de": "Hauptmenü öffnen",
        "en": "Open the main menu",
        "fr": "Ouvrir le menu principal",
        "tr": "Ana menüyü açın",
        "ar": "فتح القائمة الرئيسية",
    }
    for language, description in expected_start.items():
        commands = emulator.commands[("default", language)]
        assert [c["command"] for c in commands] == [
            "start",
            "help",
            "profile",
            "events",
            "contact",
            "language",
            "settings",
            "cancel",
            "privacy",
            "mydata",
            "deleteme",
        ]
        assert commands[0]["description"] == description
    assert emulator.commands[("default", "")][0]["description"] == expected_start["de"]


async def test_cancel_outside_and_inside_a_conversation(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = emulator.user(2005, language_code="en")
    user.send_text("/cancel")
    assert (await user.wait_for_message()).plain == (
        "There is nothing to cancel. Send /start to open the menu."
    )
    user.send_text("/language")
    await user.wait_for_message()
    user.send_text("/cancel")
    assert (await user.wait_for_message()).plain == (
        "Cancelled. I will keep writing to you in English."
    )
    user.send_text("Deutsch")  # the picker is closed: this is just text now
    assert "I'm not sure what you mean" in (await user.wait_for_message()).plain


async def test_a_members_updates_keep_their_order_while_others_are_handled_alongside(
    emulator: Emulator, bot: InProcessBot
) -> None:
    # Sent back to back: handled out of order, "English" would arrive before the
    # picker was open and be answered as stray text.
    members = [emulator.user(2100 + i, language_code="de") for i in range(6)]
    emulator.delay("sendMessage", 0.3, count=len(members))  # the pickers are slow to appear
    for user in members:
        user.send_text("/language")
        user.send_text("English")
    await bot.settled()
    for user in members:
        assert [m.plain for m in user.messages][-1] == (
            "From now on I will write to you in English."
        )
