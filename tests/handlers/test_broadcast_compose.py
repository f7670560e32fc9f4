"""Staff compose a broadcast (/broadcast): versions per language with Telegram formatting or a
photo with a caption, the audience and its live count, the language fallback, a preview of
exactly what members get, then send now, schedule or discard. Nobody else can."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.broadcasts import Audience, Broadcast
from tests.handlers.test_event_attendance import registered
from tests.handlers.test_events import TITLE, publish
from tests.support.harness import InProcessBot, eventually
from tests.support.members import joined_member, member_id, staff_member
from tests.support.taps import forged, tapped

STAFF_ONLY = "This is only for the network team."
STALE = "This button no longer works. Send /start to open the menu again."
RELEASED = "This broadcast was sent or scheduled already."
ASK_DE = "Send the announcement in German"


async def draft(bot: InProcessBot, user: SimUser) -> Broadcast:
    services = bot.running.services
    found = await services.broadcasts.draft_of(await member_id(bot, user))
    assert found is not None
    return found


async def latest(bot: InProcessBot) -> Broadcast:
    row = await bot.running.services.db.fetchone("SELECT max(id) AS id FROM broadcasts")
    assert row is not None
    found = await bot.running.services.broadcasts.get(row["id"])
    assert found is not None
    return found


async def said(user: SimUser, content: dict[str, object] | str) -> BotMessage:
    if isinstance(content, str):
        user.send_text(content)
    else:
        user.send_message(content)
    return await user.wait_for_message()


async def start(user: SimUser) -> BotMessage:
    user.send_text("/broadcast")
    return await user.wait_for_message()


async def test_two_languages_with_formatting_audience_preview_and_send_now(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    staff = await staff_member(emulator, bot, 51000)
    await joined_member(emulator, bot, 51001, "community", name="Amira")
    await joined_member(emulator, bot, 51002, "community", name="Jonas", language="de")
    await joined_member(emulator, bot, 51003, "police", name="Petra")

    prompt = await start(staff)
    assert (prompt.plain or "").startswith(ASK_DE)
    saved = await said(
        staff,
        {
            "text": "Kolloquium am Montag <Anmeldung>",
            "entities": [{"type": "bold", "offset": 0, "length": 10}],
        },
    )
    assert (saved.plain or "").startswith("Saved the German version.")
    assert "Versions: German" in (saved.plain or "")
    assert "✏️ Change German" in saved.button_labels
    assert "🗑 Remove German" not in saved.button_labels
    stored = await draft(bot, staff)
    assert stored.texts == {"de": "<b>Kolloquium</b> am Montag &lt;Anmeldung&gt;"}
    assert stored.step == "languages"

    asked = await tapped(staff, saved, "➕ English")
    assert (asked.plain or "").startswith("Send the announcement in English")
    refused = await said(staff, "x" * 5000)
    assert (refused.plain or "").startswith(
        "This text has 5000 characters; an announcement can have at most 4096."
    )
    assert "en" not in (await draft(bot, staff)).texts
    saved = await said(
        staff,
        {
            "text": "Colloquium on Monday",
            "entities": [{"type": "italic", "offset": 14, "length": 6}],
        },
    )
    assert (saved.plain or "").startswith("Saved the English version.")
    assert "🗑 Remove English" in saved.button_labels
    assert (await draft(bot, staff)).texts["en"] == "Colloquium on <i>Monday</i>"

    # A sticker where a button is expected: one clear sentence, and the screen again.
    staff.send_sticker()
    again = await staff.wait_for_message()
    assert (again.plain or "").startswith("Please tap one of the buttons.")

    audience = await tapped(staff, again, "Continue »")
    assert "Everyone matching: 4 members" in (audience.plain or "")
    assert "Essential announcements also reach members who turned general" in (audience.plain or "")
    audience = await tapped(staff, audience, "police contacts")
    assert "Everyone matching: 1 member" in (audience.plain or "")
    assert (await draft(bot, staff)).audience == Audience(roles=("police",))
    audience = await tapped(staff, audience, "✅ police contacts")
    audience = await tapped(staff, audience, "community representatives")
    assert "Everyone matching: 2 members" in (audience.plain or "")
    audience = await tapped(staff, audience, "🗣 Languages (0)")
    audience = await tapped(staff, audience, "German")
    assert "Everyone matching: 1 member" in (audience.plain or "")
    audience = await tapped(staff, audience, "Done")
    audience = await tapped(staff, audience, "All active members")
    assert "Everyone matching: 4 members" in (audience.plain or "")
    audience = await tapped(staff, audience, "❗ Essential")
    assert (await draft(bot, staff)).essential

    staff.skip_messages()
    staff.tap(audience, "Continue »")
    german, english, summary = await staff.wait_for_messages(3)
    assert german.text == "<b>Kolloquium</b> am Montag &lt;Anmeldung&gt;"
    assert english.text == "Colloquium on <i>Monday</i>"
    assert "Recipients: 4 members (German 1, English 3)" in (summary.plain or "")
    assert "Essential: yes" in (summary.plain or "")
    assert summary.button_labels == [
        "📤 Send now", "🕒 Schedule", "🗑 Discard", "✏️ Back to editing"
    ]  # fmt: skip

    send_data = summary.button("📤 Send now").callback_data
    sent = await tapped(staff, summary, "📤 Send now")
    assert sent.plain == "Queued for 4 members; progress follows."
    broadcast = await latest(bot)
    assert broadcast.state == "sending"
    assert broadcast.send_at is None and broadcast.essential and broadcast.step is None
    assert broadcast.texts.keys() == {"de", "en"}
    assert await services.broadcasts.draft_of(await member_id(bot, staff)) is None

    # A second tap on the same button releases nothing twice.
    answer = await forged(emulator, staff, summary, str(send_data))
    assert answer["text"] == RELEASED
    rows = await services.db.fetchall("SELECT state FROM broadcasts")
    assert [r["state"] for r in rows] == [broadcast.state]


async def test_photo_with_caption_and_refused_input(emulator: Emulator, bot: InProcessBot) -> None:
    staff = await staff_member(emulator, bot, 51100)
    await start(staff)
    staff.send_sticker()
    refused = await staff.wait_for_message()
    assert (refused.plain or "").startswith("Please send the announcement as a text message")
    staff.send_photo()
    refused = await staff.wait_for_message()
    assert (refused.plain or "").startswith("Please send the photo or document with a caption")
    staff.send_photo(caption="y" * 1100)
    refused = await staff.wait_for_message()
    assert (refused.plain or "").startswith("This caption has 1100 characters")
    staff.send_text("Tippfehler")
    saved = await staff.wait_for_message()
    staff.edit_text(staff.last_sent.message_id, "Korrektur")
    refused = await staff.wait_for_message()
    assert (refused.plain or "").startswith("I only read new messages, not edits.")
    asked = await tapped(staff, saved, "✏️ Change German")
    assert (asked.plain or "").startswith(ASK_DE)
    saved = await tapped(staff, asked, "« Back")
    assert (saved.plain or "").startswith("Versions: German")
    asked = await tapped(staff, saved, "✏️ Change German")
    staff.send_photo(caption="Einladung zum Kolloquium")
    saved = await staff.wait_for_message()
    assert "With a photo" in (saved.plain or "")
    stored = await draft(bot, staff)
    assert stored.media_kind == "photo" and stored.media_file_id
    assert stored.texts == {"de": "Einladung zum Kolloquium"}
    asked = await tapped(staff, saved, "➕ English")
    assert (asked.plain or "").startswith("Send the caption in English (at most 1024 characters)")
    refused = await said(staff, "z" * 1500)
    assert (refused.plain or "").startswith("This caption has 1500 characters")
    saved = await said(staff, "Invitation to the colloquium")
    audience = await tapped(staff, saved, "Continue »")
    staff.skip_messages()
    staff.tap(audience, "Continue »")
    german, english, summary = await staff.wait_for_messages(3)
    assert german.method == "sendPhoto" and german.caption == "Einladung zum Kolloquium"
    assert english.method == "sendPhoto" and english.caption == "Invitation to the colloquium"
    assert "Media: a photo" in (summary.plain or "")


async def test_a_document_with_a_caption_reaches_members_as_the_same_file(
    emulator: Emulator, bot: InProcessBot
) -> None:
    staff = await staff_member(emulator, bot, 51150)
    reader = await joined_member(emulator, bot, 51151, "community", language="de")
    await start(staff)
    content = b"%PDF-1.4\nProgramm\n%%EOF\n"
    staff.send_document("programm.pdf", content, caption="Programm des <Kolloquiums>")
    saved = await staff.wait_for_message()
    assert "With a document; the versions are its caption." in (saved.plain or "")
    stored = await draft(bot, staff)
    assert stored.media_kind == "document"
    assert stored.texts == {"de": "Programm des &lt;Kolloquiums&gt;"}
    audience = await tapped(staff, saved, "Continue »")
    fallback = await tapped(staff, audience, "Continue »")  # the staff member reads English
    staff.skip_messages()
    staff.tap(fallback, "✅ Send the German version to them")
    preview, summary = await staff.wait_for_messages(2)
    assert preview.method == "sendDocument" and preview.document is not None
    assert preview.document.content == content
    reader.skip_messages()
    await tapped(staff, summary, "📤 Send now")
    got = await reader.wait_for_message(timeout=10)
    assert got.method == "sendDocument" and got.document is not None
    assert got.document.filename == "programm.pdf" and got.document.content == content
    assert got.caption_plain == "Programm des <Kolloquiums>"


async def test_regions_filter_and_an_empty_audience_cannot_be_sent(
    emulator: Emulator, bot: InProcessBot
) -> None:
    staff = await staff_member(emulator, bot, 51200)
    await joined_member(emulator, bot, 51201, "police")
    await start(staff)
    saved = await said(staff, "Nur auf Deutsch")
    audience = await tapped(staff, saved, "Continue »")
    regions = await tapped(staff, audience, "🗺 Regions (0)")
    assert "Tap the regions to include" in (regions.plain or "")
    assert len(regions.button_labels) == 18  # 16 Länder, nationwide, Done
    regions = await tapped(staff, regions, "Saarland")
    assert "Regions: Saarland" in (regions.plain or "")
    assert "Everyone matching: 0 members" in (regions.plain or "")
    audience = await tapped(staff, regions, "Done")
    assert "🗺 Regions (1)" in audience.button_labels
    events = await tapped(staff, audience, "📅 An event’s registrants")
    assert "There is no published event ahead or in the last 30 days." in (events.plain or "")
    audience = await tapped(staff, events, "« Back")
    audience = await tapped(staff, audience, "Check-in projects only")
    assert "Only members of check-in projects" in (audience.plain or "")
    answered = len(staff.callback_answers)
    staff.tap(audience, "Continue »")
    await emulator.wait_until(lambda: len(staff.callback_answers) > answered)
    assert staff.callback_answers[-1]["text"] == (
        "Nobody matches this audience. Please change the filters."
    )
    stored = await draft(bot, staff)
    assert stored.step == "audience" and stored.audience == Audience(
        regions=("DE-SL",), projects=True
    )


async def test_fallback_confirmation_before_the_preview(
    emulator: Emulator, bot: InProcessBot
) -> None:
    staff = await staff_member(emulator, bot, 51300)
    await joined_member(emulator, bot, 51301, "community", language="fr")
    await start(staff)
    saved = await said(staff, "Nur auf Deutsch")
    audience = await tapped(staff, saved, "Continue »")
    fallback = await tapped(staff, audience, "Continue »")
    assert (fallback.plain or "").startswith(
        "2 members read the bot in a language without a version of this announcement. "
        "They would get the German version."
    )
    staff.skip_messages()
    staff.tap(fallback, "✅ Send the German version to them")
    german, summary = await staff.wait_for_messages(2)
    assert german.text == "Nur auf Deutsch"
    assert "Recipients: 2 members (German 2)" in (summary.plain or "")
    assert (await draft(bot, staff)).fallback_confirmed


async def preview_of(staff: SimUser, text: str) -> BotMessage:
    """Compose German and English versions for everyone; the preview's summary."""
    await start(staff)
    saved = await said(staff, text)
    await tapped(staff, saved, "➕ English")
    saved = await said(staff, text + " (en)")
    audience = await tapped(staff, saved, "Continue »")
    staff.tap(audience, "Continue »")
    _, _, summary = await staff.wait_for_messages(3)
    return summary


async def test_schedule_with_wrong_and_right_times(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    staff = await staff_member(emulator, bot, 51400)
    summary = await preview_of(staff, "Termin")
    asked = await tapped(staff, summary, "🕒 Schedule")
    assert (asked.plain or "").startswith("When should it be sent?")
    for typed, problem in (
        ("next Monday", "I could not read a date and time in that."),
        ("2027-02-30 18:00", "That day or time does not exist."),
        ("2027-01-10 18:00", "That time has passed."),
        ("2027-06-01 18:00", "That is more than 90 days ahead."),
    ):
        reply = await said(staff, typed)
        assert (reply.plain or "").startswith(problem), typed
    assert (await draft(bot, staff)).step == "schedule"
    done = await said(staff, "2027-03-01 18:00")
    assert (done.plain or "").startswith("Scheduled for")
    broadcast = await latest(bot)
    assert broadcast.state == "scheduled"
    assert broadcast.send_at == datetime(2027, 3, 1, 17, 0, tzinfo=UTC)


async def test_discard_cancel_and_restart_mid_compose(
    emulator: Emulator, bot: InProcessBot
) -> None:
    staff = await staff_member(emulator, bot, 51500)
    summary = await preview_of(staff, "Weg damit")
    gone = await tapped(staff, summary, "🗑 Discard")
    assert gone.plain == "The broadcast was discarded."
    assert (await latest(bot)).state == "discarded"

    await start(staff)
    await said(staff, "Erste Fassung")
    staff.send_text("/cancel")
    assert (await staff.wait_for_message()).plain == "The broadcast was discarded."
    assert (await latest(bot)).state == "discarded"

    prompt = await start(staff)
    saved = await said(staff, "Vor dem Neustart")
    asked = await tapped(staff, saved, "➕ English")
    await bot.stop()
    await bot.start()
    saved = await said(staff, "After the restart")
    assert (saved.plain or "").startswith("Saved the English version.")
    assert (await draft(bot, staff)).texts == {"de": "Vor dem Neustart", "en": "After the restart"}
    assert prompt.message_id != asked.message_id
    again = await start(staff)
    assert (again.plain or "").startswith("You are composing a broadcast already")


async def test_nobody_else_composes_or_taps(emulator: Emulator, bot: InProcessBot) -> None:
    services = bot.running.services
    staff = await staff_member(emulator, bot, 51600)
    other = await staff_member(emulator, bot, 51601)
    member = await joined_member(emulator, bot, 51602, "community")
    summary = await preview_of(staff, "Nur für Staff")
    member.send_text("/broadcast")
    assert (await member.wait_for_message()).plain == STAFF_ONLY
    own = await said(member, "/help")
    send = str(summary.button("📤 Send now").callback_data)
    assert (await forged(emulator, member, own, send))["text"] == STAFF_ONLY
    # Another staff member's tap on the author's buttons, inside their own composing.
    other_prompt = await start(other)
    assert (await forged(emulator, other, other_prompt, send))["text"] == STALE
    assert (await forged(emulator, other, other_prompt, "bc:c:x:send:-"))["text"] == STALE
    assert (await draft(bot, staff)).state == "draft"
    denied = await services.audit.entries("access.denied")
    assert any(e.detail == "command=broadcast" for e in denied)


async def test_an_events_registrants_or_its_waiting_list_and_who_turned_announcements_off(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    staff = await staff_member(emulator, bot, 51600)
    event_id = await publish(bot)
    confirmed = [emulator.user(51601, language_code="de"), emulator.user(51602)]
    waiting = emulator.user(51603, language_code="de")
    bystander = await joined_member(emulator, bot, 51604, "community")
    for user in confirmed:
        await registered(bot, event_id, user.id, None)
    await registered(bot, event_id, waiting.id, None, state="waitlisted")
    quiet = confirmed[1]
    await services.broadcasts.set_announcements(await member_id(bot, quiet), False)

    await start(staff)
    saved = await said(staff, "Treffpunkt: Haupteingang")
    audience = await tapped(staff, saved, "Continue »")
    assert "Everyone matching: 4 members" in (audience.plain or "")  # staff and 3 members
    events = await tapped(staff, audience, "📅 An event’s registrants")
    assert "Which event? Its confirmed registrants are chosen first." in (events.plain or "")
    label = next(label for label in events.button_labels if label.startswith(TITLE))
    audience = await tapped(staff, events, label)
    assert f"Event: {label}, its confirmed registrants" in (audience.plain or "")
    # The confirmed registrant who turned general announcements off is not counted…
    assert "Everyone matching: 1 member" in (audience.plain or "")
    assert (await draft(bot, staff)).audience == Audience(
        event_id=event_id, event_group="confirmed"
    )
    audience = await tapped(staff, audience, "Waiting list")
    assert f"Event: {label}, its waiting list" in (audience.plain or "")
    assert "Everyone matching: 1 member" in (audience.plain or "")
    audience = await tapped(staff, audience, "Confirmed")
    # … unless the announcement is essential.
    audience = await tapped(staff, audience, "❗ Essential")
    assert "Everyone matching: 2 members" in (audience.plain or "")

    staff.skip_messages()
    staff.tap(audience, "Continue »")
    _, summary = await staff.wait_for_messages(2)
    assert "Recipients: 2 members (German 2)" in (summary.plain or "")
    sent = await tapped(staff, summary, "📤 Send now")
    assert sent.plain == "Queued for 2 members; progress follows."
    for user in confirmed:
        assert (await user.wait_for_message(timeout=10)).plain == "Treffpunkt: Haupteingang"

    async def reported() -> bool:
        return any("Report of broadcast" in (m.plain or "") for m in staff.messages)

    await eventually(reported, 15, "the report")
    for user in (waiting, bystander):
        assert not [m for m in user.messages if m.plain == "Treffpunkt: Haupteingang"]
