"""When handling fails, the member hears it in their language and the log holds only ids."""

from __future__ import annotations

import logging

import pytest

from sandbox.emulator import Emulator
from tests.support.harness import InProcessBot


async def test_a_failed_reply_is_apologised_for_and_logged_by_update_id(
    emulator: Emulator, bot: InProcessBot, caplog: pytest.LogCaptureFixture
) -> None:
    user = emulator.user(9101, first_name="Yasmina", language_code="fr")
    emulator.fail("sendMessage", 502, count=1, chat_id=user.id)  # Telegram hiccups once
    caplog.set_level(logging.INFO)
    update_id = user.send_text("/start")
    apology = await user.wait_for_message()
    assert apology.plain == (
        "Désolé, un problème est survenu de notre côté. Votre message a bien été reçu et rien "
        "n’a été perdu. Veuillez réessayer dans un instant."
    )
    errors = [r for r in caplog.records if r.name == "bot.errors"]
    assert [r.getMessage() for r in errors] == [f"error while handling update {update_id}"]
    logged = caplog.text
    assert "Yasmina" not in logged and "/start" not in logged
    # Nothing was lost: the next try works.
    user.send_text("/start")
    assert "Que souhaitez-vous faire ?" in (await user.wait_for_message()).plain


async def test_a_button_tap_that_fails_after_it_was_answered_gets_the_apology_in_the_chat(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = emulator.user(9102, language_code="tr")
    user.send_text("/start")
    menu = await user.wait_for_message()
    emulator.fail("editMessageText", 500, count=1)
    user.tap(menu, "❓ Yardım")
    apology = await user.wait_for_message()
    assert apology.plain.startswith("Üzgünüz, bizim tarafımızda bir sorun oluştu.")


async def test_a_button_tap_that_fails_before_it_was_answered_gets_an_alert(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = emulator.user(9103, language_code="de")
    user.send_text("/start")
    menu = await user.wait_for_message()
    emulator.fail("answerCallbackQuery", 502, count=1)
    user.tap(menu, "❓ Hilfe")
    await bot.settled()
    answer = user.callback_answers[-1]
    assert answer["show_alert"] is True
    assert answer["text"].startswith("Entschuldigung, bei uns ist etwas schiefgelaufen.")
    assert len(user.messages) == 1  # no extra chat message
