"""Staff create events step by step (/newevent), every answer kept in the draft at once, and
publish them after a preview; they see drafts and upcoming events in a paged list. Nobody
else can."""

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
from storage.audit import AuditRepository
from storage.events import Event, EventDraft
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, member_id, staff_member
from tests.support.taps import forged, tapped

STAFF_ONLY = "This is only for the network team."
STALE = "This button no longer works. Send /start to open the menu again."
TAP = "Please tap one of the buttons."
TEXT = "Please answer with a text message."
NNBSP = "\u202f"  # Babel's English times: 10:00 AM with a narrow no-break space
START = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)
SUNDAY_10 = f"Sunday, March 14, 2027, 10:00{NNBSP}AM"
SATURDAY_9 = f"Saturday, January 16, 2027, 9:00{NNBSP}AM"


def header(step: int) -> str:
    return f"New event · step {step} of 14\n"


@pytest.fixture
async def en_bot(emulator: Emulator, db_path: Path) -> AsyncIterator[InProcessBot]:
    """English as the network's default language, so German is a translation."""
    running = await InProcessBot(
        emulator, db_path, ManualClock(START), KOSIZU_DEFAULT_LANGUAGE="en"
    ).start()
    yield running
    await running.stop()


async def answer(user: SimUser, text: str) -> BotMessage:
    user.send_text(text)
    return await user.wait_for_message()


async def the_draft(bot: InProcessBot, user: SimUser) -> EventDraft | None:
    services = bot.running.services
    member = await services.members.get_by_telegram_id(user.id)
    assert member is not None
    return await services.events.open_draft(member.id)


async def test_staff_create_an_event_with_questions_and_a_translation_and_publish_it(
    emulator: Emulator, en_bot: InProcessBot
) -> None:
    bot = en_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 24000)
    staff.send_text("/newevent")
    kinds = await staff.wait_for_message()
    assert kinds.plain == header(1) + "What kind of event is it?"
    assert kinds.button_labels == ["Colloquium", "Dialogue platform", "Workshop", "Other event"]
    step = await tapped(staff, kinds, "Dialogue platform")
    assert step.plain == header(2) + "Please send the title in English (3 to 200 characters)."

    step = await answer(staff, "  Dialogue <Police & Mosques>  ")
    assert step.plain == header(3) + (
        "Please send a description in English (at most 2000 characters), or tap “Skip”."
    )
    draft = await the_draft(bot, staff)
    assert draft is not None and draft.step == "description"
    assert draft.event.kind == "dialogue_platform"
    assert draft.event.texts["en"].title == "Dialogue <Police & Mosques>"

    step = await answer(staff, "Two sides.\nOne table.")
    assert step.plain == header(4) + (
        "When does it start? Please send the date and time like 2027-03-14 10:00 or "
        "14.03.2027 10:00 (Europe/Berlin time)."
    )
    step = await answer(staff, "2027-03-14 10:00")
    assert step.plain == header(5) + (
        f"It starts {SUNDAY_10}. When does it end? Please send the date and time, "
        "or only the time (like 17:00) when it ends on the same day."
    )
    step = await answer(staff, "17:00")
    assert step.plain == header(6) + "Where does it take place?"
    step = await tapped(staff, step, "📍 At a venue")
    assert step.plain == header(6) + "Please send the address of the venue (3 to 500 characters)."
    step = await answer(staff, "Haus der Kulturen\nJohn-Foster-Dulles-Allee 10, Berlin")
    assert step.plain == header(7) + "Which region is the event for?"
    step = await tapped(staff, step, "Berlin")
    assert step.plain == header(8) + "Who may attend? Tap to choose, then “Done”."
    assert step.button_labels == [
        "✅ community representatives",
        "✅ police contacts",
        "✅ network team",
        "Done",
    ]
    step = await tapped(staff, step, "✅ network team")
    assert step.button_labels[2] == "network team"
    step = await tapped(staff, step, "Done")
    assert step.plain == header(9) + (
        "How many seats are there in all? Please send a number from 1 to 100000."
    )
    step = await answer(staff, "40")
    assert (step.plain or "").startswith(header(10) + "Should seats be kept for each side")
    step = await answer(staff, "20 15")
    assert (step.plain or "").startswith(header(11) + "Until when may members sign up")
    step = await answer(staff, "10.03.2027 18:00")
    assert step.plain == header(12) + (
        "Questions members answer when they sign up, such as dietary requirements, "
        "accessibility needs or an accompanying person.\n\nNo questions yet."
    )

    # A free-text question left sensitive (the default), and a choice marked not sensitive.
    step = await tapped(staff, step, "➕ Add a question")
    assert step.button_labels == ["Free text", "Single choice", "Yes / no", "« Back"]
    step = await tapped(staff, step, "Free text")
    assert step.plain == header(12) + "Please send the question in English (3 to 300 characters)."
    step = await answer(staff, "Any dietary requirements?")
    assert (step.plain or "").startswith(header(12) + "Can an answer reveal something sensitive")
    assert step.button_labels == ["🔒 Sensitive", "Not sensitive"]
    step = await tapped(staff, step, "🔒 Sensitive")
    assert step.plain == header(12) + "Must members answer it to sign up?"
    step = await tapped(staff, step, "Optional")
    step = await tapped(staff, step, "➕ Add a question")
    step = await tapped(staff, step, "Single choice")
    step = await answer(staff, "Which session will you join?")
    assert step.plain == header(12) + (
        "Please send the options to choose from, one per line (2 to 10 options, each at most "
        "100 characters)."
    )
    step = await answer(staff, "Morning\n\n  Afternoon  ")
    step = await tapped(staff, step, "Not sensitive")
    step = await tapped(staff, step, "Required")
    assert step.plain == header(12) + (
        "Questions members answer when they sign up, such as dietary requirements, "
        "accessibility needs or an accompanying person.\n\n"
        "1. Any dietary requirements?\n    Free text · optional · 🔒 sensitive\n"
        "2. Which session will you join?\n    Single choice · required · not sensitive\n"
        "    ○ Morning\n    ○ Afternoon"
    )
    step = await tapped(staff, step, "Done")
    assert step.plain == header(13) + (
        "Members read the title, the description and the questions in their language, else in "
        "English. You may add translations.\nTranslations: none yet"
    )

    step = await tapped(staff, step, "🌐 Add a translation")
    assert step.button_labels == ["Deutsch", "Français", "Türkçe", "العربية", "« Back"]
    step = await tapped(staff, step, "Deutsch")
    assert step.plain == header(13) + "Please send the title in German (3 to 200 characters)."
    step = await answer(staff, "Dialog: Polizei und Moscheen")
    assert step.plain == header(13) + (
        "Please send a description in German (at most 2000 characters), or tap “Skip”."
    )
    step = await answer(staff, "Zwei Seiten, ein Tisch.")
    # Then each question in German (tests/handlers/test_event_translations.py: the details).
    assert (step.plain or "").startswith(
        header(13) + "Question 1 of 2, in English:\nAny dietary requirements?\n\n"
    )
    step = await answer(staff, "Besondere Ernährungswünsche?")
    assert (step.plain or "").startswith(header(13) + "Question 2 of 2, in English:")
    step = await answer(staff, "An welcher Sitzung nehmen Sie teil?")
    assert (step.plain or "").startswith(
        header(13) + "The options of question 2, in English:\n○ Morning\n○ Afternoon\n\n"
    )
    step = await answer(staff, "Vormittag\nNachmittag")
    assert (step.plain or "").endswith("Translations: German")

    staff.tap(step, "Continue to the preview")
    preview = await staff.wait_for_message()
    assert step.button_labels == []  # the step it came from cannot be tapped again
    assert preview.plain == header(14) + (
        "Preview – as a community representative will see it:\n\n"
        "Dialogue <Police & Mosques>\n"
        "Two sides.\nOne table.\n\n"
        f"🕒 {SUNDAY_10} – 5:00{NNBSP}PM\n"
        "📍 Haus der Kulturen\nJohn-Foster-Dulles-Allee 10, Berlin\n"
        "🗺 Berlin\n"
        "🎟 15 seats free for you\n"
        f"⏰ Registration until Wednesday, March 10, 2027, 6:00{NNBSP}PM\n\n"
        "Details for the network team\n"
        "Kind: Dialogue platform\n"
        "👥 For community representatives, police contacts\n"
        "🎟 40 seats, of them 20 for police contacts and 15 for community representatives\n\n"
        "Questions at sign-up\n"
        "1. Any dietary requirements?\n    Free text · optional · 🔒 sensitive\n"
        "    🌐 English, German\n\n"
        "2. Which session will you join?\n    Single choice · required · not sensitive\n"
        "    🌐 English, German\n"
        "    ○ Morning\n    ○ Afternoon\n\n"
        "Publish it now?"
    )
    assert preview.button_labels == ["✅ Publish", "🗑 Discard draft"]
    assert await services.db.fetchone("SELECT * FROM events WHERE state = 'published'") is None

    staff.tap(preview, "✅ Publish")
    done = await staff.wait_for_message()
    assert done.plain == (
        "✅ Published: “Dialogue <Police & Mosques>”. Members who may attend find it under /events."
    )
    assert done.button_labels == ["🗓 Manage events", "« Main menu"]

    row = await services.db.fetchone("SELECT * FROM events")
    assert row is not None
    staff_id = await member_id(bot, staff)
    assert (row["state"], row["kind"], row["created_by"]) == ("published", "dialogue_platform",
                                                             staff_id)  # fmt: skip
    assert row["published_at"] == "2027-01-11T08:00:00.000000Z"
    assert (row["starts_at"], row["ends_at"], row["registration_deadline"]) == (
        "2027-03-14T09:00:00.000000Z",  # 10:00 in Berlin, winter time
        "2027-03-14T16:00:00.000000Z",
        "2027-03-10T17:00:00.000000Z",
    )
    assert (row["venue"], row["online_url"], row["region"]) == (
        "Haus der Kulturen\nJohn-Foster-Dulles-Allee 10, Berlin",
        None,
        "DE-BE",
    )
    assert (row["for_community"], row["for_police"], row["for_staff"]) == (1, 1, 0)
    assert (row["capacity"], row["police_seats"], row["community_seats"]) == (40, 20, 15)
    texts = await services.db.fetchall(
        "SELECT language, title, description FROM event_texts ORDER BY language"
    )
    assert [tuple(r) for r in texts] == [
        ("de", "Dialog: Polizei und Moscheen", "Zwei Seiten, ein Tisch."),
        ("en", "Dialogue <Police & Mosques>", "Two sides.\nOne table."),
    ]
    questions = await services.db.fetchall("SELECT * FROM event_questions ORDER BY position")
    assert [
        (q["position"], q["kind"], json.loads(q["prompt"]), q["required"], q["sensitive"])
        for q in questions
    ] == [
        (1, "text", {"en": "Any dietary requirements?", "de": "Besondere Ernährungswünsche?"},
         0, 1),
        (2, "choice", {"en": "Which session will you join?",
                       "de": "An welcher Sitzung nehmen Sie teil?"}, 1, 0),
    ]  # fmt: skip
    assert questions[0]["options"] is None
    assert json.loads(questions[1]["options"]) == [
        {"en": "Morning", "de": "Vormittag"},
        {"en": "Afternoon", "de": "Nachmittag"},
    ]
    assert await services.db.fetchone("SELECT * FROM event_drafts") is None
    published = await AuditRepository(services.db).entries("event.publish")
    assert [(e.actor_id, e.object_type, e.object_id) for e in published] == [
        (staff_id, "event", row["id"])
    ]

    # The published event is in the staff list, and a second Publish tap does nothing more.
    answer_ = await forged(emulator, staff, preview, f"evnew:publish:{row['id']}")
    assert answer_["text"] == STALE
    listing = await tapped(staff, done, "🗓 Manage events")
    assert listing.plain == (
        "Events\n1 draft or upcoming event · page 1 of 1\n\n"
        "📅 Dialogue <Police & Mosques>\n"
        f"published · {SUNDAY_10} · 0 confirmed, 0 waiting"
    )
    assert len(await AuditRepository(services.db).entries("event.publish")) == 1


async def test_every_wrong_answer_is_explained_and_the_draft_is_kept(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot  # the network's default language is German here
    services = bot.running.services
    staff = await staff_member(emulator, bot, 24100)
    staff.send_text("/newevent")
    kinds = await staff.wait_for_message()
    staff.send_text("a workshop")
    assert (await staff.wait_for_message()).plain == f"{TAP}\n\n{kinds.plain}"
    staff.send_sticker()
    reminder = await staff.wait_for_message()
    assert reminder.plain == f"{TAP}\n\n{kinds.plain}"
    assert reminder.button_labels == kinds.button_labels
    step = await tapped(staff, kinds, "Workshop")
    assert step.plain == header(2) + "Please send the title in German (3 to 200 characters)."

    title_rule = "Please send a title of 3 to 200 characters on one line."
    for wrong in ("ab", "x" * 5000, "  a \n "):
        assert (await answer(staff, wrong)).plain == title_rule
    staff.send_photo()
    assert (await staff.wait_for_message()).plain == f"{TEXT}\n\n{step.plain}"
    # A kind button of the first message: that step is over.
    assert (await forged(emulator, staff, kinds, "evnew:kind:other"))["text"] == STALE
    await answer(staff, "Workshop: Sicherheit in Moscheen")
    assert (await answer(staff, "y" * 2001)).plain == (
        "Please send a description of at most 2000 characters, or tap “Skip”."
    )
    draft = await the_draft(bot, staff)
    assert draft is not None and draft.event.kind == "workshop"
    assert draft.event.texts["de"].title == "Workshop: Sicherheit in Moscheen"
    step = staff.messages[-2]  # the description question, with its Skip button
    step = await tapped(staff, step, "Skip")
    assert (step.plain or "").startswith(header(4) + "When does it start?")

    unreadable = (
        "I could not read that. Please send the date and time like 2027-03-14 10:00 or "
        "14.03.2027 10:00."
    )
    for wrong, reply in (
        ("tomorrow morning", unreadable),
        ("2027-03-14", unreadable),
        ("2026-12-01 10:00", "That is not in the future. Please send a later date and time."),
        ("2027-10-31 02:30", "That time occurs twice on that day: the clocks are put back. "
                             "Please send another time."),
        ("11.01.2027 08:59", "That is not in the future. Please send a later date and time."),
        ("2027-02-30 10:00", "That day or time does not exist. Please check the date and time."),
        ("2027-03-14 25:00", "That day or time does not exist. Please check the date and time."),
        ("2027-03-28 02:30", "That time does not exist on that day: the clocks are put "
                             "forward. Please send another time."),
    ):  # fmt: skip
        assert (await answer(staff, wrong)).plain == reply, wrong
    await answer(staff, "14.03.2027 10:00")
    for wrong, reply in (
        ("09:00", f"The end must be after the start ({SUNDAY_10}). Please send a "
                  "later time."),
        ("2027-03-13 18:00", f"The end must be after the start ({SUNDAY_10}). "
                             "Please send a later time."),
        ("noon", "I could not read that. Please send the date and time like 2027-03-14 17:00, "
                 "or only the time like 17:00."),
    ):  # fmt: skip
        assert (await answer(staff, wrong)).plain == reply, wrong
    place = await answer(staff, "2027-03-15 13:00")  # a two-day workshop
    assert (await answer(staff, "online")).plain == f"{TAP}\n\n{place.plain}"
    step = await tapped(staff, place, "💻 Online")
    assert step.plain == header(6) + (
        "Please send the link to the online meeting; it must start with https://. Only "
        "confirmed participants will see it."
    )
    not_a_link = (
        "That is not a link. Please send the full address, like https://meet.example.org/room."
    )
    for wrong, reply in (
        ("http://meet.example.org/kosizu", "Only secure links are accepted. Please send the "
                                           "link that starts with https://."),
        ("ftp://files.example.org/x", "Only secure links are accepted. Please send the link "
                                      "that starts with https://."),
        ("the usual video call", not_a_link),
        ("meet.example.org/kosizu", not_a_link),
        ("https://localhost/room", not_a_link),
        ("https://meet.example.org/my room", not_a_link),
        ("https://meet.example.org:port/room", not_a_link),
        ("https://" + "a" * 500 + ".org", "That link is too long: at most 500 characters."),
    ):  # fmt: skip
        assert (await answer(staff, wrong)).plain == reply, wrong
    region = await answer(staff, "HTTPS://meet.example.org/kosizu?room=7&pw=x")
    audience = await tapped(staff, region, "Hesse")
    for label in ("✅ community representatives", "✅ police contacts", "✅ network team"):
        audience = await tapped(staff, audience, label)
    staff.tap(audience, "Done")
    await bot.settled()
    assert staff.callback_answers[-1]["text"] == "Please choose at least one group."
    audience = await tapped(staff, audience, "police contacts")
    audience = await tapped(staff, audience, "community representatives")
    audience = await tapped(staff, audience, "network team")
    await tapped(staff, audience, "Done")

    for wrong, reply in (
        ("many", "Please send the number of seats as a whole number from 1 to 100000."),
        ("12.5", "Please send the number of seats as a whole number from 1 to 100000."),
        ("0", "An event needs at least one seat. Please send a number from 1 to 100000."),
        ("-5", "An event needs at least one seat. Please send a number from 1 to 100000."),
        ("100001", "That is more than 100000 seats. Please send a number from 1 to 100000."),
    ):
        assert (await answer(staff, wrong)).plain == reply, wrong
    quotas = await answer(staff, "40")
    two_numbers = (
        "Please send two numbers: seats for police contacts, then seats for community "
        "representatives, like “20 20”; or tap “No separate quotas”."
    )
    for wrong, reply in (
        ("20", two_numbers),
        ("20 20 20", two_numbers),
        ("twenty twenty", two_numbers),
        ("0 20", "Each side needs at least one seat. To keep no seats for either side, tap "
                 "“No separate quotas”."),
        ("30 20", "Together that is 50 seats, but the event has 40. Please send smaller "
                  "numbers."),
        ("20 20", "Team members may attend too and take the seats the quotas leave. Please "
                  "keep at least one of the 40 seats outside the quotas."),
    ):  # fmt: skip
        assert (await answer(staff, wrong)).plain == reply, wrong
    deadline = await tapped(staff, quotas, "No separate quotas")
    assert (deadline.plain or "").startswith(header(11))
    for wrong, reply in (
        ("2027-03-14 10:00", f"Sign-up must end before the start ({SUNDAY_10})."
                             " Please send an earlier date and time, or tap "
                             "“Until the start”."),
        ("2027-01-01 10:00", "That is not in the future. Please send a later date and time."),
    ):  # fmt: skip
        assert (await answer(staff, wrong)).plain == reply, wrong
    questions = await tapped(staff, deadline, "Until the start")

    step = await tapped(staff, questions, "➕ Add a question")
    step = await tapped(staff, step, "Single choice")
    assert (await answer(staff, "Q?")).plain == (
        "Please send a question of 3 to 300 characters on one line."
    )
    await answer(staff, "Welche Sitzung?")
    for wrong, reply in (
        ("Only one", "Please send 2 to 10 options, one per line."),
        ("\n".join(f"Option {n}" for n in range(11)), "Please send 2 to 10 options, one per line."),
        ("Vormittag\nvormittag", "Each option must be different from the others."),
        ("Vormittag\n" + "x" * 101, "Each option must be one line of at most 100 characters."),
    ):
        assert (await answer(staff, wrong)).plain == reply, wrong
    sensitive = await answer(staff, "Vormittag\nNachmittag")
    assert (await answer(staff, "no")).plain == f"{TAP}\n\n{sensitive.plain}"
    step = await tapped(staff, sensitive, "🔒 Sensitive")
    # The sensitivity button again, now that "required?" is asked.
    assert (await forged(emulator, staff, step, "evnew:sens:0"))["text"] == STALE
    step = await tapped(staff, step, "Required")
    step = await tapped(staff, step, "Done")
    staff.tap(step, "Continue to the preview")
    preview = await staff.wait_for_message()
    assert "💻 Online – the link is sent to confirmed attendees\n" in (preview.plain or "")
    assert "💻 Online: https://meet.example.org/kosizu?room=7&pw=x\n" in (preview.plain or "")
    assert "Questions at sign-up\n1. Welche Sitzung?" in (preview.plain or "")
    assert (await answer(staff, "publish")).plain == f"{TAP}\n\n" + header(14) + (
        "Publish the event as previewed above, or discard the draft?"
    )

    row = await services.db.fetchone("SELECT * FROM events")
    assert row is not None
    assert (row["state"], row["online_url"], row["venue"], row["region"]) == (
        "draft", "https://meet.example.org/kosizu?room=7&pw=x", None, "DE-HE")  # fmt: skip
    assert (row["capacity"], row["police_seats"], row["community_seats"]) == (40, None, None)
    assert row["registration_deadline"] == row["starts_at"] == "2027-03-14T09:00:00.000000Z"
    assert row["ends_at"] == "2027-03-15T12:00:00.000000Z"

    # Discarding asks once more, then deletes the draft with its texts and questions.
    confirm = await tapped(staff, preview, "🗑 Discard draft")
    assert confirm.button_labels == ["🗑 Yes, discard the draft", "« Back"]
    back = await tapped(staff, confirm, "« Back")
    assert back.button_labels == ["✅ Publish", "🗑 Discard draft"]
    await tapped(staff, back, "🗑 Discard draft")
    staff.tap(back, "🗑 Yes, discard the draft")
    assert (await staff.wait_for_message()).plain == "🗑 The draft is discarded."
    for table in ("events", "event_texts", "event_questions", "event_drafts"):
        assert await services.db.fetchone(f"SELECT * FROM {table}") is None, table
    discarded = await AuditRepository(services.db).entries("event.discard")
    assert [(e.actor_id, e.object_type, e.object_id) for e in discarded] == [
        (await member_id(bot, staff), "event", row["id"])
    ]
    assert (await answer(staff, "/cancel")).plain == (
        "There is nothing to cancel. Send /start to open the menu."
    )


async def test_a_restart_and_cancel_in_the_middle_keep_the_draft(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 24200)
    staff.send_text("/newevent")
    step = await tapped(staff, await staff.wait_for_message(), "Colloquium")
    await answer(staff, "Jahreskolloquium 2027")
    step = await answer(staff, "Das jährliche Treffen des Netzwerks.")
    await bot.settled()
    await bot.stop()
    await bot.start()
    services = bot.running.services
    step = await answer(staff, "2027-06-03 09:30")
    assert (step.plain or "").startswith(header(5) + "It starts Thursday, June 3, 2027, 9:30")
    step = await answer(staff, "2027-06-04 16:00")
    step = await tapped(staff, step, "📍 At a venue")

    staff.send_text("/cancel")
    assert (await staff.wait_for_message()).plain == "The draft is kept; /newevent continues it."
    assert (await answer(staff, "Bundesamt, Berlin")).plain.startswith(  # type: ignore[union-attr]
        "I'm not sure what you mean."
    )
    resume = await answer(staff, "/newevent")
    assert resume.plain == (
        "You have an unfinished event draft: “Jahreskolloquium 2027”. Continue it, or start "
        "afresh (the draft is then discarded)?"
    )
    assert resume.button_labels == ["▶️ Continue", "🆕 Start afresh"]
    assert (await answer(staff, "hello")).plain == (
        "Please tap “Continue” or “Start afresh”.\n\n" + (resume.plain or "")
    )
    step = await tapped(staff, resume, "▶️ Continue")
    assert step.plain == header(6) + "Please send the address of the venue (3 to 500 characters)."
    await bot.settled()
    await bot.stop()
    await bot.start()
    services = bot.running.services
    step = await answer(staff, "Bundesamt, Berlin")
    assert step.plain == header(7) + "Which region is the event for?"
    draft = await the_draft(bot, staff)
    assert draft is not None
    assert (draft.step, draft.event.venue, draft.event.kind) == ("region", "Bundesamt, Berlin",
                                                                 "colloquium")  # fmt: skip
    assert draft.event.texts["de"].description == "Das jährliche Treffen des Netzwerks."

    # Start afresh discards the old draft (audited) and asks for the kind again.
    staff.send_text("/newevent")
    resume = await staff.wait_for_message()
    kinds = await tapped(staff, resume, "🆕 Start afresh")
    assert kinds.plain == header(1) + "What kind of event is it?"
    assert await the_draft(bot, staff) is None
    assert await services.db.fetchone("SELECT * FROM events") is None
    assert len(await AuditRepository(services.db).entries("event.discard")) == 1
    # The old Continue button is stale now.
    assert (await forged(emulator, staff, resume, f"evnew:continue:{draft.event.id}"))[
        "text"
    ] == STALE
    staff.send_text("/cancel")
    assert (await staff.wait_for_message()).plain == "Cancelled. No draft was started."


async def make_event(
    bot: InProcessBot,
    creator: int,
    title: str,
    *,
    starts_in_days: int | None,
    publish: bool,
) -> Event:
    """An event made through the repository, as the conversation stores it."""
    services = bot.running.services
    now = services.clock.now()
    events = services.events
    draft = await events.start_draft(creator, "workshop", now, step="title")
    assert draft is not None
    await events.set_draft_title(draft.event.id, "de", title, now, step="description")
    if starts_in_days is not None:
        starts = now + timedelta(days=starts_in_days)
        await events.save_draft(
            draft.event.id,
            now,
            step="preview",
            fields={
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=3),
                "venue": "Rathaus",
                "region": "DE-NW",
                "capacity": 10,
                "registration_deadline": starts,
            },
        )
    if publish:
        return await events.publish(draft.event.id, creator, now, "de")
    event = await events.get(draft.event.id)
    assert event is not None
    return event


async def test_the_staff_list_pages_drafts_and_upcoming_events_with_registrations(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 24300)
    colleague = await staff_member(emulator, bot, 24301)
    attendees = [
        await joined_member(emulator, bot, 24310 + n, "community", name=f"Attendee {n}")
        for n in range(3)
    ]
    mine = await make_event(bot, await member_id(bot, staff), "Mein Entwurf",
                            starts_in_days=None, publish=False)  # fmt: skip
    first = await make_event(bot, await member_id(bot, colleague), "Erster Workshop",
                             starts_in_days=5, publish=True)  # fmt: skip
    for n in range(8):
        await make_event(bot, await member_id(bot, colleague), f"Workshop {n + 2}",
                         starts_in_days=10 + n, publish=True)  # fmt: skip
    # Each staff member has one open draft at most: the colleague's comes after publishing.
    theirs = await make_event(bot, await member_id(bot, colleague), "Fremder Entwurf",
                              starts_in_days=30, publish=False)  # fmt: skip
    attendee_ids = [await member_id(bot, attendee) for attendee in attendees]
    async with services.db.transaction() as tx:
        for attendee_id, state in zip(
            attendee_ids, ("confirmed", "confirmed", "waitlisted"), strict=True
        ):
            await tx.execute(
                "INSERT INTO registrations (event_id, member_id, seat, state, created_at)"
                " VALUES (?, ?, 'general', ?, '2027-01-11T08:00:00.000000Z')",
                (first.id, attendee_id, state),
            )

    staff.send_text("/start")
    menu = await staff.wait_for_message()
    listing = await tapped(staff, menu, "🗓 Manage events")
    lines = (listing.plain or "").split("\n")
    assert lines[:2] == ["Events", "11 drafts and upcoming events · page 1 of 2"]
    assert lines[2:7] == [
        "",
        "📝 Mein Entwurf",
        "draft · no date yet",
        "",
        "📝 Fremder Entwurf",
    ]
    assert lines[7] == f"draft · Wednesday, February 10, 2027, 9:00{NNBSP}AM"
    assert lines[8:10] == ["", "📅 Erster Workshop"]
    assert lines[10] == f"published · {SATURDAY_9} · 2 confirmed, 1 waiting"
    assert listing.button_labels[:3] == ["📝 Mein Entwurf", "📝 Fremder Entwurf",
                                         "📅 Erster Workshop"]  # fmt: skip
    assert listing.button_labels[8:] == ["Next »", "➕ New event", "🗂 Past events", "« Main menu"]
    second = await tapped(staff, listing, "Next »")
    assert (second.plain or "").startswith("Events\n11 drafts and upcoming events · page 2 of 2")
    assert second.button_labels == [
        "📅 Workshop 7",
        "📅 Workshop 8",
        "📅 Workshop 9",
        "« Previous",
        "➕ New event",
        "🗂 Past events",
        "« Main menu",
    ]

    card = await tapped(staff, second, "« Previous")
    card = await tapped(staff, card, "📅 Erster Workshop")
    assert card.plain == (
        "📅 Erster Workshop\nState: published\nWorkshop · North Rhine-Westphalia\n"
        f"🕒 {SATURDAY_9} – 12:00{NNBSP}PM\n📍 Rathaus\n"
        "👥 For community representatives, police contacts, network team\n🎟 10 seats\n"
        f"⏰ Registration until {SATURDAY_9}\n"
        "Registrations: 2 confirmed, 1 waiting\n0 questions at sign-up\nLanguages: German"
    )
    assert card.button_labels == [
        "📊 Export (XLSX)",
        "✏️ Edit",
        "✉️ Message registrants",
        "❌ Cancel event",
        "« Events",
    ]
    listing = await tapped(staff, card, "« Events")
    card = await tapped(staff, listing, "📝 Fremder Entwurf")
    assert card.button_labels == ["« Events"]  # a colleague's draft is theirs to continue
    assert (await forged(emulator, staff, card, f"evadm:go:{theirs.id}"))["text"] == STALE
    listing = await tapped(staff, card, "« Events")
    card = await tapped(staff, listing, "📝 Mein Entwurf")
    assert card.plain == (
        "📝 Mein Entwurf\nState: draft\nWorkshop · not set yet\n🕒 not set yet\n📍 not set yet\n"
        "👥 For community representatives, police contacts, network team\n🎟 not set yet\n"
        "⏰ Registration until not set yet\nRegistrations: 0 confirmed, 0 waiting\n"
        "0 questions at sign-up\nLanguages: German"
    )
    step = await tapped(staff, card, "▶️ Continue draft")
    assert step.plain == header(3) + (
        "Please send a description in German (at most 2000 characters), or tap “Skip”."
    )
    await tapped(staff, step, "Skip")
    draft = await the_draft(bot, staff)
    assert draft is not None and draft.event.id == mine.id and draft.step == "starts"

    # "➕ New event" with a draft open asks first.
    staff.send_text("/start")
    menu = await staff.wait_for_message()
    listing = await tapped(staff, menu, "🗓 Manage events")
    resume = await tapped(staff, listing, "➕ New event")
    assert resume.button_labels == ["▶️ Continue", "🆕 Start afresh"]

    # Forged and outdated list buttons.
    for data in ("evadm:show:999999", "evadm:show:²", "evadm:page:٣", "evadm:nothing:1"):
        assert (await forged(emulator, staff, listing, data))["text"] == STALE, data


async def test_events_that_have_ended_are_listed_apart_latest_first(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot, clock = clocked_bot, clocked_bot.manual_clock()
    staff = await staff_member(emulator, bot, 24350)
    creator = await member_id(bot, staff)
    for days, title in ((1, "Vorbei eins"), (2, "Vorbei zwei"), (9, "Kommt noch")):
        await make_event(bot, creator, title, starts_in_days=days, publish=True)
    clock.advance(timedelta(days=3))
    staff.send_text("/start")
    menu = await staff.wait_for_message()
    listing = await tapped(staff, menu, "🗓 Manage events")
    assert (listing.plain or "").startswith("Events\n1 draft or upcoming event · page 1 of 1")
    assert listing.button_labels == [
        "📅 Kommt noch", "➕ New event", "🗂 Past events", "« Main menu"
    ]  # fmt: skip
    past = await tapped(staff, listing, "🗂 Past events")
    assert (past.plain or "").startswith("Past events\n2 past events · page 1 of 1")
    assert past.button_labels == [
        "📅 Vorbei zwei", "📅 Vorbei eins", "« Events", "« Main menu"
    ]  # fmt: skip
    card = await tapped(staff, past, "📅 Vorbei eins")
    assert (card.plain or "").startswith("📅 Vorbei eins\nState: published")
    assert "📊 Export (XLSX)" in card.button_labels
    assert card.button_labels[-1] == "« Past events"
    back = await tapped(staff, card, "« Past events")
    assert (back.plain or "").startswith("Past events")
    assert (await forged(emulator, staff, back, "evadm:past:٣"))["text"] == STALE


async def test_nobody_but_staff_creates_or_sees_events_here(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 24400)
    police = await joined_member(emulator, bot, 24401, "police", name="Police Person")
    event = await make_event(bot, await member_id(bot, staff), "Entwurf",
                             starts_in_days=3, publish=False)  # fmt: skip
    police.send_text("/newevent")
    assert (await police.wait_for_message()).plain == STAFF_ONLY
    police.send_text("/help")
    own = await police.wait_for_message()
    for data in (
        "evadm",
        "evadm:page:0",
        f"evadm:show:{event.id}",
        "evadm:new",
        f"evadm:go:{event.id}",
        "evnew:kind:workshop",
        f"evnew:publish:{event.id}",
        f"evnew:afresh:{event.id}",
    ):
        reply = await forged(emulator, police, own, data)
        assert reply["text"] == STAFF_ONLY, data
        assert reply["show_alert"] is True
    # Typing as if a draft were open changes nothing either.
    police.send_text("2027-03-14 10:00")
    assert (await police.wait_for_message()).plain.startswith(  # type: ignore[union-attr]
        "I'm not sure what you mean."
    )
    row = await services.db.fetchone("SELECT state, starts_at FROM events")
    assert row is not None and row["state"] == "draft"
    assert await services.events.open_draft(await member_id(bot, police)) is None
    denied = await AuditRepository(services.db).entries("access.denied")
    police_id = await member_id(bot, police)
    assert len([e for e in denied if e.actor_id == police_id]) == 9


async def test_a_staff_member_who_loses_the_role_mid_draft_cannot_go_on(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 24500)
    staff.send_text("/newevent")
    step = await tapped(staff, await staff.wait_for_message(), "Other event")
    async with services.db.transaction() as tx:
        await tx.execute(
            "UPDATE members SET role = 'community' WHERE telegram_user_id = ?", (staff.id,)
        )
    assert (await answer(staff, "Ein Titel")).plain == STAFF_ONLY
    draft = await the_draft(bot, staff)
    assert draft is not None and draft.step == "title" and draft.event.texts == {}
    assert step.plain is not None


async def test_publishing_a_draft_whose_start_has_passed_is_refused(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    staff = await staff_member(emulator, bot, 24600)
    event = await make_event(bot, await member_id(bot, staff), "Bald",
                             starts_in_days=2, publish=False)  # fmt: skip
    staff.send_text("/newevent")
    resume = await staff.wait_for_message()
    staff.tap(resume, "▶️ Continue")
    preview = await staff.wait_for_message()
    assert preview.button_labels == ["✅ Publish", "🗑 Discard draft"]
    bot.manual_clock().advance(timedelta(days=3))
    staff.tap(preview, "✅ Publish")
    await bot.settled()
    assert staff.callback_answers[-1]["text"] == (
        "The start has passed since it was entered. Please discard this draft and create the "
        "event again."
    )
    stored = await bot.running.services.events.get(event.id)
    assert stored is not None and stored.state == "draft"
