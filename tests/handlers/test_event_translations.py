"""Adding a language to a draft asks each sign-up question, and a single choice's options,
in that language too; Skip keeps what a question has, wrong input is explained, and /cancel or
a restart continue at the very question. Members then read the questions in their language,
else in the default; answers and the export stay in the default language."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from tests.handlers.test_event_export import card_of_event, exported
from tests.handlers.test_events import open_event, publish
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, staff_member
from tests.support.taps import forged, tapped

START = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)
STALE = "This button no longer works. Send /start to open the menu again."
HEADER = "New event · step 13 of 14\n"
TEXT = "Please answer with a text message.\n\n"
DIET, SESSION = "Any dietary requirements?", "Which session?"
ACCESS = "Do you need step-free access?"


@pytest.fixture
async def en_bot(emulator: Emulator, db_path: Path) -> AsyncIterator[InProcessBot]:
    """English as the network's default language, so German and French are translations."""
    running = await InProcessBot(
        emulator, db_path, ManualClock(START), KOSIZU_DEFAULT_LANGUAGE="en"
    ).start()
    yield running
    await running.stop()


async def answer(user: SimUser, text: str) -> BotMessage:
    user.send_text(text)
    return await user.wait_for_message()


async def draft_with_questions(bot: InProcessBot, staff: SimUser) -> tuple[int, list[int]]:
    """A draft written up to its translations, as the conversation stores it: a free-text,
    a single-choice and a yes/no question."""
    services = bot.running.services
    events, now = services.events, services.clock.now()
    member = await services.members.get_by_telegram_id(staff.id)
    assert member is not None
    draft = await events.start_draft(member.id, "workshop", now, step="title")
    assert draft is not None
    event_id = draft.event.id
    await events.set_draft_title(event_id, "en", "Safety workshop", now, step="description")
    starts = now + timedelta(days=30)
    await events.save_draft(
        event_id,
        now,
        step="questions",
        fields={
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=3),
            "venue": "Rathaus Köln",
            "region": "DE-NW",
            "capacity": 10,
            "registration_deadline": starts,
        },
    )
    ids = []
    for kind, prompt, options in (
        ("text", DIET, None),
        ("choice", SESSION, [{"en": "Morning"}, {"en": "Afternoon"}]),
        ("yes_no", ACCESS, None),
    ):
        question_id = await events.add_draft_question(
            event_id, kind, {"en": prompt}, now, step="q_sensitive"
        )
        assert question_id is not None
        await events.set_draft_question(
            event_id, question_id, now, step="questions", options=options, required=True
        )
        ids.append(question_id)
    await events.save_draft(event_id, now, step="translations")
    return event_id, ids


async def stored_questions(bot: InProcessBot, event_id: int) -> list[tuple[object, object]]:
    rows = await bot.running.services.db.fetchall(
        "SELECT prompt, options FROM event_questions WHERE event_id = ? ORDER BY position",
        (event_id,),
    )
    return [(json.loads(r[0]), json.loads(r[1]) if r[1] else None) for r in rows]


async def test_staff_translate_each_question_and_its_options_with_skips_and_a_restart(
    emulator: Emulator, en_bot: InProcessBot
) -> None:
    bot = en_bot
    staff = await staff_member(emulator, bot, 42000)
    event_id, (diet, session, access) = await draft_with_questions(bot, staff)
    staff.send_text("/newevent")
    languages = await tapped(staff, await staff.wait_for_message(), "▶️ Continue")
    assert (languages.plain or "").startswith(
        HEADER + "Members read the title, the description and the questions in their language"
    )
    step = await tapped(staff, languages, "🌐 Add a translation")
    step = await tapped(staff, step, "Deutsch")
    await answer(staff, "Sicherheitsworkshop")
    step = await tapped(staff, staff.messages[-1], "Skip")  # no description in German

    first = HEADER + (
        f"Question 1 of 3, in English:\n{DIET}\n\n"
        "Please send this question in German (3 to 300 characters), or tap “Skip” to leave it "
        "in English."
    )
    assert step.plain == first
    assert step.button_labels == ["Skip"]
    staff.send_photo()
    assert (await staff.wait_for_message()).plain == TEXT + first
    staff.send_sticker()
    assert (await staff.wait_for_message()).plain == TEXT + first
    for wrong in ("ab", "x" * 301):
        assert (await answer(staff, wrong)).plain == (
            "Please send a question of 3 to 300 characters on one line."
        )
    second = await answer(staff, "Besondere  Ernährungswünsche?")
    assert (second.plain or "").startswith(HEADER + f"Question 2 of 3, in English:\n{SESSION}")

    # /cancel and a restart: /newevent continues at the very question.
    assert (await answer(staff, "/cancel")).plain == "The draft is kept; /newevent continues it."
    await bot.settled()
    await bot.stop()
    await bot.start()
    services = bot.running.services
    resume = await answer(staff, "/newevent")
    again = await tapped(staff, resume, "▶️ Continue")
    assert again.plain == second.plain and again.button_labels == ["Skip"]
    member = await services.members.get_by_telegram_id(staff.id)
    assert member is not None
    draft = await services.events.open_draft(member.id)
    assert draft is not None
    assert (draft.step, draft.question_id, draft.language) == ("tr_question", session, "de")

    options = await answer(staff, "Welche Sitzung?")
    options_rule = HEADER + (
        "The options of question 2, in English:\n○ Morning\n○ Afternoon\n\n"
        "Please send the 2 options in German, one per line in the same order (each at most 100 "
        "characters), or tap “Skip” to leave them in English."
    )
    assert options.plain == options_rule
    exactly = "Please send exactly 2 options, one per line, in the same order as in English."
    for wrong, reply in (
        ("Vormittag", exactly),
        ("Vormittag\nNachmittag\nAbend", exactly),
        ("Vormittag\n" + "x" * 101, "Each option must be one line of at most 100 characters."),
        ("Vormittag\n VORMITTAG ", "Each option must be different from the others."),
    ):
        assert (await answer(staff, wrong)).plain == reply, wrong
    staff.send_photo()
    assert (await staff.wait_for_message()).plain == TEXT + options_rule
    await bot.settled()
    await bot.stop()
    await bot.start()
    third = await answer(staff, "Vormittag\n\n  Nachmittag ")
    assert (third.plain or "").startswith(HEADER + f"Question 3 of 3, in English:\n{ACCESS}")
    # An earlier question's Skip, and a forged one, skip nothing.
    for data in (f"evnew:trskip:{diet}", f"evnew:troskip:{access}", "evnew:trskip:x"):
        assert (await forged(emulator, staff, third, data))["text"] == STALE, data
    languages = await tapped(staff, third, "Skip")
    assert (languages.plain or "").endswith("Translations: German")
    # Its Skip tapped twice: the second tap finds the question done.
    assert (await forged(emulator, staff, languages, f"evnew:trskip:{access}"))["text"] == STALE

    # French: the first question skipped, the second's options kept in English.
    step = await tapped(staff, languages, "🌐 Add a translation")
    step = await tapped(staff, step, "Français")
    await answer(staff, "Atelier sécurité")
    step = await answer(staff, "Un atelier.")
    step = await tapped(staff, step, "Skip")
    assert (step.plain or "").startswith(HEADER + "Question 2 of 3")
    step = await answer(staff, "Quelle séance ?")
    step = await tapped(staff, step, "Skip")
    assert (step.plain or "").startswith(HEADER + "Question 3 of 3")
    languages = await answer(staff, "Avez-vous besoin d’un accès sans marches ?")
    assert (languages.plain or "").endswith("Translations: German, French")

    # German again, to correct it: what German has is shown, and Skip keeps it.
    step = await tapped(staff, languages, "🌐 Add a translation")
    assert step.button_labels[:2] == ["✅ Deutsch", "✅ Français"]
    step = await tapped(staff, step, "✅ Deutsch")
    await answer(staff, "Sicherheitsworkshop")
    step = await tapped(staff, staff.messages[-1], "Skip")
    assert step.plain == HEADER + (
        f"Question 1 of 3, in English:\n{DIET}\nIn German so far: Besondere Ernährungswünsche?\n\n"
        "Please send this question in German (3 to 300 characters), or tap “Skip” to keep it as "
        "it is."
    )
    step = await tapped(staff, step, "Skip")
    step = await answer(staff, "Welche Sitzung wählen Sie?")
    assert step.plain == HEADER + (
        "The options of question 2, in English:\n○ Morning → Vormittag\n○ Afternoon → Nachmittag"
        "\n\nPlease send the 2 options in German, one per line in the same order (each at most "
        "100 characters), or tap “Skip” to keep them as they are."
    )
    step = await tapped(staff, step, "Skip")
    step = await tapped(staff, step, "Skip")
    assert (step.plain or "").endswith("Translations: German, French")

    assert await stored_questions(bot, event_id) == [
        ({"en": DIET, "de": "Besondere Ernährungswünsche?"}, None),
        (
            {"en": SESSION, "de": "Welche Sitzung wählen Sie?", "fr": "Quelle séance ?"},
            [{"en": "Morning", "de": "Vormittag"}, {"en": "Afternoon", "de": "Nachmittag"}],
        ),
        ({"en": ACCESS, "fr": "Avez-vous besoin d’un accès sans marches ?"}, None),
    ]
    staff.tap(step, "Continue to the preview")
    preview = (await staff.wait_for_message()).plain or ""
    assert (
        f"1. {DIET}\n    Free text · required · 🔒 sensitive\n    🌐 English, German\n\n"
        f"2. {SESSION}\n    Single choice · required · 🔒 sensitive\n"
        "    🌐 English, German, French (options untranslated)\n"
        "    ○ Morning\n    ○ Afternoon\n\n"
        f"3. {ACCESS}\n    Yes / no · required · 🔒 sensitive\n    🌐 English, French\n\n"
    ) in preview


async def test_members_read_the_questions_in_their_language_and_answers_stay_in_the_default(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot  # German is the default language here
    services = bot.running.services
    await publish(
        bot,
        questions=[
            ("text", {"de": "Ihre Dienststelle?"}, None, True),  # never translated
            (
                "choice",
                {"de": "Welche Sitzung?", "en": "Which session?", "fr": "Quelle séance ?"},
                [{"de": "Vormittag", "en": "Morning"}, {"de": "Nachmittag", "en": "Afternoon"}],
                True,
            ),
        ],
    )
    english = await joined_member(emulator, bot, 42010, "police")
    french = await joined_member(emulator, bot, 42011, "community", language="fr")

    details = await open_event(english)
    english.tap(details, "✍️ Sign up")
    first = await english.wait_for_message()
    assert "\nIhre Dienststelle?\n" in (first.plain or "")  # only in German: German
    english.send_text("PP Köln")
    choice = await english.wait_for_message()
    assert "\nWhich session?\n" in (choice.plain or "")
    assert choice.button_labels == ["Morning", "Afternoon"]
    english.tap(choice, "Afternoon")
    await english.wait_for_message()  # confirmed
    assert "Your answer: Afternoon" in (choice.plain or "")  # edited in place

    details = await open_event(french)
    french.tap(details, details.button_labels[0])  # “Sign up”, in French
    await french.wait_for_message()
    french.send_text("Mosquée de Cologne")
    choice = await french.wait_for_message()
    assert "\nQuelle séance ?\n" in (choice.plain or "")
    assert choice.button_labels == ["Vormittag", "Nachmittag"]  # options not in French: German
    french.tap(choice, "Vormittag")
    await french.wait_for_message()

    rows = await services.db.fetchall(
        "SELECT answer FROM registration_answers ORDER BY registration_id, question_id"
    )
    assert [r[0] for r in rows] == ["PP Köln", "Nachmittag", "Mosquée de Cologne", "Vormittag"]
    staff = await staff_member(emulator, bot, 42012)
    card = await card_of_event(staff)
    choice_screen = await tapped(staff, card, "📊 Export (XLSX)")
    _, table = await exported(staff, choice_screen, "With sensitive answers")
    assert table[0][6:8] == ["Ihre Dienststelle? (sensitive)", "Welche Sitzung? (sensitive)"]
    assert [row[7] for row in table[1:]] == ["Nachmittag", "Vormittag"]
