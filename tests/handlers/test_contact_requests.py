"""Contact requests as members live them: asking, the candidates' consent, the introduction,
limits, withdrawal, expiry across downtime, and every way a button can be forged or late."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.config import Config, ConfigError
from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.audit import AuditRepository
from storage.organisations import OrganisationRepository
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, member_id, pending_applicant, staff_member
from tests.support.taps import forged, tapped

MESSAGE = "We are planning an open mosque day and would like to talk about safety."
ACCEPT, DECLINE, PASS = "✅ Accept", "Decline", "Pass to the network team"
SEND, EDIT, DISCARD = "📨 Send", "✏️ Edit message", "🗑 Discard"
REQUEST = "🤝 Request a contact"
MY_REQUESTS = "📋 My requests"
TOPIC = "prevention and radicalisation concerns"
ALREADY_ACCEPTED = "You have already accepted this request; the introduction is on its way."


async def organisation(bot: InProcessBot, name: str, kind: str, land: str) -> int:
    services = bot.running.services
    added = await OrganisationRepository(services.db).add(
        name, kind, land, services.clock.now(), actor_id=None
    )
    return added.id


async def person(
    emulator: Emulator,
    bot: InProcessBot,
    user_id: int,
    role: str,
    *,
    regions: tuple[str, ...] = ("DE-BE",),
    topics: tuple[str, ...] = (),
    name: str = "Test Member",
    organisation_id: int | None = None,
    username: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    share: tuple[str, ...] = (),
    hide: tuple[str, ...] = (),
) -> SimUser:
    """A member joined through the chat; their profile set as if they had done it in /profile."""
    if username is not None:
        emulator.user(user_id, username=username, language_code="en")
    user = await joined_member(
        emulator, bot, user_id, role, organisation_id=organisation_id, name=name
    )
    profiles = bot.running.services.profiles
    me = await member_id(bot, user)
    for region in regions:
        await profiles.toggle_region(me, region)
    for topic in topics:
        await profiles.toggle_topic(me, topic)
    if phone is not None:
        await profiles.set_phone(me, phone)
    if email is not None:
        await profiles.set_email(me, email)
    for field in share:
        assert await profiles.set_share(me, field, True)
    for field in hide:
        assert await profiles.set_share(me, field, False)
    return user


async def start_request(user: SimUser, topic: str = TOPIC, region: str = "📍 Berlin") -> None:
    """/contact up to the message prompt."""
    user.send_text("/contact")
    topics = await user.wait_for_message()
    user.tap(topics, topic)
    regions = await user.wait_for_edit(topics)
    user.tap(regions, region)
    await user.wait_for_edit(regions)


async def send_request(
    user: SimUser, message: str = MESSAGE, topic: str = TOPIC, region: str = "📍 Berlin"
) -> BotMessage:
    """A whole request, sent; returns the bot's answer to Send."""
    await start_request(user, topic, region)
    user.send_text(message)
    preview = await user.wait_for_message()
    user.tap(preview, SEND)
    return await user.wait_for_message()


async def question_to(user: SimUser) -> BotMessage:
    """The next question the bot sends this candidate through the outbox."""
    message = await user.wait_for_message(timeout=10)
    assert ACCEPT in message.button_labels, message.plain
    return message


async def advance_to(bot: InProcessBot, moment: datetime) -> None:
    """Move the clock to ``moment`` (the bot was down until then) and run the job, then twice
    more five minutes apart, as the ticker would."""
    clock = bot.manual_clock()
    assert moment >= clock.now()
    clock.set(moment)
    for _ in range(3):
        await bot.running.scheduler.tick()
        bot.running.sender.wake()
        clock.advance(timedelta(minutes=5))
    await bot.settled()


async def forged_answer(emulator: Emulator, user: SimUser, message: BotMessage, data: str) -> str:
    """What the bot answers to a tap with ``data`` on ``message``."""
    return str((await forged(emulator, user, message, data))["text"])


async def reveals(bot: InProcessBot) -> int:
    return len(await AuditRepository(bot.running.services.db).entries("contact.reveal"))


async def request_state(bot: InProcessBot) -> list[tuple[Any, ...]]:
    rows = await bot.running.services.db.fetchall(
        "SELECT state, queued_reason FROM contact_requests ORDER BY id"
    )
    return [tuple(r) for r in rows]


async def test_ask_decline_next_accept_introduces_both_with_exactly_their_shared_details(
    emulator: Emulator, bot: InProcessBot
) -> None:
    mosque = await organisation(bot, "Moscheeverein Neukölln", "mosque_association", "DE-BE")
    police_org = await organisation(bot, "Polizei Berlin LKA 5", "police", "DE-BE")
    asker = await person(
        emulator, bot, 43000, "community", name="Aylin Demir", organisation_id=mosque,
        username="aylin_d", phone="+49301234567", email="aylin@example.org",
        share=("phone", "username"),
    )  # fmt: skip
    first = await person(emulator, bot, 43001, "police", name="Officer Erst")
    second = await person(
        emulator, bot, 43002, "police", name="Kommissarin Zweit", organisation_id=police_org,
        email="zweit@polizei.example", share=("email",), hide=("organisation",),
        username="kzweit",
    )  # fmt: skip
    asker.send_text("/start")
    menu = await asker.wait_for_message()
    assert REQUEST in menu.button_labels
    topics = await tapped(asker, menu, REQUEST)
    assert (
        "The bot introduces you to someone of the other side (police contact) who agrees to it."
        in (topics.plain or "")
    )
    asker.tap(topics, TOPIC)
    regions = await asker.wait_for_edit(topics)
    assert regions.button_labels[0] == "📍 Berlin"
    asker.tap(regions, "📍 Berlin")
    prompt = await asker.wait_for_edit(regions)
    text = prompt.plain or ""
    assert "This is not for emergencies. In an emergency, call 110." in text
    assert "Legalitätsprinzip" in text and "do not name third parties" in text
    asker.send_text(MESSAGE)
    preview = await asker.wait_for_message()
    assert MESSAGE in (preview.plain or "")
    assert preview.button_labels == [SEND, EDIT, DISCARD]
    asker.tap(preview, SEND)
    sent = await asker.wait_for_message()
    assert (sent.plain or "").startswith(
        "📨 Your request is sent. Someone suitable of the other side (police contact)"
    )

    question = await question_to(first)
    shown = question.plain or ""
    for expected in (
        "A community representative would like to get in touch with a police contact.",
        f"Topic: {TOPIC}",
        "Region: Berlin",
        "Their organisation: mosque association",
    ):
        assert expected in shown, expected
    for secret in ("Aylin", "Demir", "Neukölln", "open mosque day", "1234567", "aylin"):
        assert secret not in shown, secret
    assert question.button_labels == [ACCEPT, DECLINE, PASS]

    asker.skip_messages()
    first_accept = question.button(ACCEPT).callback_data or ""
    declined = await tapped(first, question, DECLINE)
    assert (declined.plain or "").startswith("You declined this request.")
    assert declined.button_labels == []
    question = await question_to(second)
    await bot.settled()
    assert asker.messages[-1] is sent  # the asker is never told of a decline

    accept_data = question.button(ACCEPT).callback_data or ""
    accepted = await tapped(second, question, ACCEPT)
    text = accepted.plain or ""
    assert "Their organisation: Moscheeverein Neukölln (mosque association)" in text
    assert MESSAGE in text and accepted.button_labels == []

    to_asker = await asker.wait_for_message(timeout=10)
    to_candidate = await second.wait_for_message(timeout=10)
    assert to_asker.protect_content and to_candidate.protect_content
    assert to_asker.plain == (
        "🤝 Introduction\n"
        "Someone from the other side (police contact) has agreed to be introduced to you about "
        "your request.\n"
        f"Topic: {TOPIC}\n"
        "Region: Berlin\n\n"
        "Name: Kommissarin Zweit\n"
        "E-mail: zweit@polizei.example\n\n"
        "Please get in touch directly. These details are shared with you for this contact "
        "only; please do not pass them on."
    )  # no organisation (hidden), no phone or @username (not shared)
    assert to_candidate.plain == (
        "🤝 Introduction\n"
        "Here are the details of the person you agreed to be introduced to (community "
        "representative).\n"
        f"Topic: {TOPIC}\n"
        "Region: Berlin\n\n"
        "Name: Aylin Demir\n"
        "Organisation: Moscheeverein Neukölln\n"
        "Phone: +49 30 1234567\n"
        "Telegram: @aylin_d (open the chat)\n\n"
        "Please get in touch directly. These details are shared with you for this contact "
        "only; please do not pass them on."
    )  # no e-mail: not shared
    assert f'href="tg://user?id={asker.id}"' in (to_candidate.text or "")
    assert "tg://user" not in (to_asker.text or "")
    assert await reveals(bot) == 2
    assert await request_state(bot) == [("introduced", None)]
    # Accept replayed by the one who accepted, and by the one who declined: nothing more.
    again = await forged_answer(emulator, second, question, accept_data)
    assert again == ALREADY_ACCEPTED
    again = await forged_answer(emulator, first, declined, first_accept)
    assert again == "You have already answered this request."
    await bot.settled()
    assert await reveals(bot) == 2


async def test_wrong_input_in_every_state_is_answered_and_the_draft_kept(
    emulator: Emulator, bot: InProcessBot
) -> None:
    asker = await person(emulator, bot, 43100, "community")
    contacts = bot.running.services.contacts
    me = await member_id(bot, asker)
    asker.send_text("/contact")
    topics = await asker.wait_for_message()
    topic_input: list[Callable[[], int]] = [lambda: asker.send_text("hello"), asker.send_photo]
    for wrong in topic_input:
        wrong()
        again = await asker.wait_for_message()
        assert (again.plain or "").startswith("Please choose a topic with the buttons.")
        assert TOPIC in again.button_labels
    assert await contacts.draft(me) is None
    asker.tap(again, TOPIC)
    regions = await asker.wait_for_edit(again)
    for wrong in (lambda: asker.send_text("Berlin please"), asker.send_sticker):
        wrong()
        regions = await asker.wait_for_message()
        assert (regions.plain or "").startswith("Please choose the region with the buttons.")
        assert "📍 Berlin" in regions.button_labels
    answer = await forged_answer(emulator, asker, topics, "ct:topic:other")
    assert answer.startswith("This button no longer works.")
    asker.tap(regions, "Hamburg")
    prompt = await asker.wait_for_edit(regions)
    assert "call 110" in (prompt.plain or "")
    draft = await contacts.draft(me)
    assert draft is not None and (draft.region, draft.step) == ("DE-HH", "message")
    wrong_input: list[tuple[Callable[[], int], str]] = [
        (asker.send_photo, "Photos cannot be passed on. Please write your message as text."),
        (asker.send_sticker, "Stickers cannot be passed on. Please write your message as text."),
        (asker.send_location, "Only text can be passed on. Please write your message as text."),
        (lambda: asker.send_text("Hi"), "That is too short. Please write at least 10"),
        (lambda: asker.send_text("   \n  hi  \n "), "That is too short."),
        (lambda: asker.send_text("x" * 5000), "That is 5000 characters, but at most 1000 fit."),
    ]
    for send, expected in wrong_input:
        send()
        assert ((await asker.wait_for_message()).plain or "").startswith(expected), expected
    answer = await forged_answer(emulator, asker, prompt, f"ct:region:{draft.id}:DE-BE")
    assert answer.startswith("This button no longer works.")
    draft = await contacts.draft(me)
    assert draft is not None and (draft.region, draft.step, draft.message) == (
        "DE-HH",
        "message",
        None,
    )
    asker.send_text("/cancel")
    assert (await asker.wait_for_message()).plain == "The draft is kept; /contact continues it."
    asker.send_text("/contact")
    resume = await asker.wait_for_message()
    assert (resume.plain or "").startswith(
        f"You have an unfinished request about “{TOPIC}”. Continue it, or start afresh"
    )
    asker.send_text("continue")
    resume = await asker.wait_for_message()
    assert (resume.plain or "").startswith("Please tap “Continue” or “Start afresh”.")
    prompt = await tapped(asker, resume, "▶️ Continue")
    assert "call 110" in (prompt.plain or "")
    asker.send_text("  " + MESSAGE + "  ")
    preview = await asker.wait_for_message()
    assert "Region: Hamburg" in (preview.plain or "")
    for wrong in (lambda: asker.send_text("Send it"), asker.send_photo):
        wrong()
        assert (await asker.wait_for_message()).plain == (
            "Please tap “Send”, “Edit message” or “Discard” under your request above."
        )
    asker.tap(preview, EDIT)
    assert ((await asker.wait_for_message()).plain or "").startswith("Please send your new message")
    assert preview.button_labels == []
    asker.send_text("A different message about our community day.")
    new_preview = await asker.wait_for_message()
    assert "A different message about our community day." in (new_preview.plain or "")
    answer = await forged_answer(emulator, asker, preview, f"ct:send:{draft.id + 1}")
    assert answer.startswith("This button no longer works.")
    asker.tap(new_preview, DISCARD)
    await asker.wait_for_edit(new_preview)
    assert new_preview.button_labels == ["🗑 Yes, discard it", "« Back"]
    asker.tap(new_preview, "« Back")
    await asker.wait_for_edit(new_preview)
    assert new_preview.button_labels == [SEND, EDIT, DISCARD]
    asker.tap(new_preview, DISCARD)
    await asker.wait_for_edit(new_preview)
    asker.tap(new_preview, "🗑 Yes, discard it")
    assert (await asker.wait_for_message()).plain == "🗑 The draft is discarded."
    assert await bot.running.services.db.fetchall("SELECT id FROM contact_requests") == []


async def test_a_restart_keeps_the_draft_and_the_question(
    emulator: Emulator, bot: InProcessBot
) -> None:
    asker = await person(emulator, bot, 43150, "police", regions=("DE-NW",))
    await start_request(asker, region="📍 North Rhine-Westphalia")
    await bot.stop()
    await bot.start()
    asker.send_text(MESSAGE)
    preview = await asker.wait_for_message()
    assert "Region: North Rhine-Westphalia" in (preview.plain or "")
    assert "To: community representative" in (preview.plain or "")


OPEN_LIMIT = (
    "You already have 3 open requests, the most at one time. Please wait until one is "
    "answered, or withdraw one under “My requests”."
)


async def test_three_open_requests_and_five_a_day_are_the_limits(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    asker = await person(emulator, bot, 43200, "community")

    async def refused_then_withdraw_one() -> None:
        asker.send_text("/contact")
        refused = await asker.wait_for_message()
        assert refused.plain == OPEN_LIMIT
        mine = await tapped(asker, refused, MY_REQUESTS)
        assert (mine.plain or "").count("📨 With the network team, who look for a contact") == 3
        confirm = await tapped(asker, mine, "✖️ Withdraw request 1")
        await tapped(asker, confirm, "✖️ Yes, withdraw it")
        assert asker.callback_answers[-1]["text"] == "Your request was withdrawn."

    for _ in range(3):  # nobody to ask: each waits with the network team
        sent = await send_request(asker)
        assert (sent.plain or "").startswith("📨 Your request is sent. Nobody suitable")
    await refused_then_withdraw_one()
    await send_request(asker)  # the fourth today
    await refused_then_withdraw_one()
    await send_request(asker)  # the fifth
    await refused_then_withdraw_one()  # two open now, but five sent (withdrawn ones count)
    asker.send_text("/contact")
    assert (await asker.wait_for_message()).plain == (
        "You have sent 5 requests in the last 24 hours, the most allowed. You can send the "
        "next one from 1/12/27, 9:00\u202fAM."
    )
    bot.manual_clock().advance(timedelta(hours=24))
    asker.send_text("/contact")
    assert TOPIC in (await asker.wait_for_message()).button_labels


async def test_expiry_reminds_then_asks_the_neighbour_then_queues_across_downtime(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    staff = await staff_member(emulator, bot, 43300)
    asker = await person(emulator, bot, 43301, "community")
    local = await person(emulator, bot, 43302, "police", regions=("DE-BE",))
    neighbour = await person(emulator, bot, 43303, "police", regions=("DE-BB",))
    far = await person(emulator, bot, 43304, "police", regions=("DE-BY",), name="Officer Far")
    start = bot.manual_clock().now()
    await send_request(asker)
    question = await question_to(local)
    assert "Please answer within 72 hours" in (question.plain or "")
    await advance_to(bot, start + timedelta(hours=47, minutes=30))
    assert local.messages[-1] is question
    await advance_to(bot, start + timedelta(hours=48))
    reminder = await local.wait_for_message(timeout=10)
    assert (reminder.plain or "").startswith(
        "⏰ Reminder: a contact request is waiting for your answer."
    )
    assert reminder.button_labels == [ACCEPT, DECLINE, PASS]
    assert "Please answer within 24 hours;" in (reminder.plain or "")  # of the 72
    await advance_to(bot, start + timedelta(hours=60))
    assert local.messages[-1] is reminder  # once
    await advance_to(bot, start + timedelta(hours=72))
    second = await question_to(neighbour)
    assert "Region: Berlin" in (second.plain or "")
    local.tap(reminder, ACCEPT)
    await bot.settled()
    assert local.callback_answers[-1]["text"] == (
        "This request has gone to someone else because it was not answered in time."
    )
    assert await reveals(bot) == 0
    # The bot is down for a week: the neighbour's time ran out meanwhile, nobody is left.
    staff.skip_messages()
    await advance_to(bot, start + timedelta(days=10))
    assert await request_state(bot) == [("queued", "no_candidates")]
    notice = await staff.wait_for_message(timeout=10)
    assert notice.plain == (
        "📨 A contact request is waiting for the network team.\n"
        "From: community representative\n"
        f"Topic: {TOPIC}\n"
        "Region: Berlin\n"
        "Why: nobody suitable was available"
    )
    assert neighbour.messages[-1] is second  # no late reminder
    assert await reveals(bot) == 0
    assert not any("introduced?" in (m.plain or "") for m in far.messages)  # too far away

    # Staff assign someone by hand from the queue: only the one not asked yet is offered,
    # and they are asked for their consent like anyone else.
    card = await tapped(staff, notice, "📨 Open the request")
    assert "Asked so far: 2" in (card.plain or "")
    who = await tapped(staff, card, "👤 Assign someone")
    assert [b for b in who.button_labels if b[:1].isdigit()] == ["1. Officer Far"]
    confirm = await tapped(staff, who, "1. Officer Far")
    await tapped(staff, confirm, "✅ Ask them")
    assigned = await question_to(far)
    assert "Region: Berlin" in (assigned.plain or "")
    await tapped(far, assigned, ACCEPT)
    assert (await asker.wait_for_message(timeout=10)).plain.startswith("🤝 Introduction")
    assert await request_state(bot) == [("introduced", "no_candidates")]
    assert await reveals(bot) == 2


async def test_the_hours_are_configurable(emulator: Emulator, tmp_path: Path) -> None:
    clock = ManualClock(datetime(2027, 1, 11, 8, 0, tzinfo=UTC))
    bot = await InProcessBot(
        emulator,
        tmp_path / "hours.sqlite3",
        clock,
        KOSIZU_CONTACT_REMIND_HOURS="2",
        KOSIZU_CONTACT_PASS_HOURS="3",
    ).start()
    try:
        asker = await person(emulator, bot, 43350, "community")
        first = await person(emulator, bot, 43351, "police")
        second = await person(emulator, bot, 43352, "police")
        start = clock.now()
        await send_request(asker)
        question = await question_to(first)
        assert "Please answer within 3 hours" in (question.plain or "")
        await advance_to(bot, start + timedelta(hours=2))
        assert ((await first.wait_for_message()).plain or "").startswith("⏰ Reminder")
        await advance_to(bot, start + timedelta(hours=3))
        await question_to(second)
    finally:
        await bot.stop()


async def test_withdrawing_stops_the_candidate_from_accepting(
    emulator: Emulator, bot: InProcessBot
) -> None:
    asker = await person(emulator, bot, 43400, "community")
    other = await person(emulator, bot, 43401, "community")
    candidate = await person(emulator, bot, 43402, "police")
    spare = await person(emulator, bot, 43403, "police")
    spare_seen = len(spare.messages)
    await send_request(asker)
    question = await question_to(candidate)
    asker.send_text("/contact")
    mine = await tapped(asker, await asker.wait_for_message(), MY_REQUESTS)
    assert "🔎 Looking for someone suitable (police contact)" in (mine.plain or "")
    withdraw_data = mine.button("✖️ Withdraw request 1").callback_data or ""
    confirm = await tapped(asker, mine, "✖️ Withdraw request 1")
    assert (confirm.plain or "").startswith(f"Withdraw your request about “{TOPIC}” (Berlin)?")
    ok_data = confirm.button("✖️ Yes, withdraw it").callback_data or ""
    mine = await tapped(asker, confirm, "✖️ Yes, withdraw it")
    assert "✖️ Withdrawn" in (mine.plain or "")
    assert mine.button_labels == ["🤝 New request", "« Main menu"]
    # Withdrawn once; again, or by someone else, it does nothing.
    assert (await forged_answer(emulator, asker, mine, ok_data)) == (
        "This request is no longer open."
    )
    other.send_text("/start")
    their = await other.wait_for_message()
    for data in (withdraw_data, ok_data):
        answer = await forged_answer(emulator, other, their, data)
        assert answer.startswith("This button no longer works.")
    decline_data = question.button(DECLINE).callback_data or ""
    candidate.tap(question, ACCEPT)
    await bot.settled()
    assert candidate.callback_answers[-1]["text"] == "This request was withdrawn."
    assert question.button_labels == []
    candidate.tap_data(question.message_id, decline_data)
    await bot.settled()
    assert candidate.callback_answers[-1]["text"] == "This request was withdrawn."
    assert len(spare.messages) == spare_seen  # a decline after the withdrawal asks nobody
    assert await reveals(bot) == 0
    row = await bot.running.services.db.fetchone("SELECT state, message FROM contact_requests")
    assert row is not None and tuple(row) == ("withdrawn", None)


async def test_forged_replayed_and_third_party_accepts_reveal_nothing(
    emulator: Emulator, bot: InProcessBot
) -> None:
    asker = await person(emulator, bot, 43500, "community", phone="+49301234567",
                         share=("phone",))  # fmt: skip
    candidate = await person(emulator, bot, 43501, "police")
    third = await person(emulator, bot, 43502, "police", regions=("DE-SN",))
    suspended = await person(emulator, bot, 43503, "police", regions=("DE-SN",))
    await send_request(asker)
    question = await question_to(candidate)
    real = question.button(ACCEPT).callback_data or ""
    request_id = int(real.split(":")[2])
    third.send_text("/start")
    menu = await third.wait_for_message()
    for data in (
        real,  # someone else's question
        f"cr:accept:{request_id}:2",
        f"cr:accept:{request_id + 1}:1",
        "cr:accept:x:1",
        f"cr:accept:{request_id}",
        f"cr:grab:{request_id}:1",
        "cr:accept:99999999999999999999:1",
    ):
        answer = await forged_answer(emulator, third, menu, data)
        assert answer.startswith("This button no longer works."), data
    async with bot.running.services.db.transaction() as tx:
        await tx.execute("UPDATE members SET status = 'suspended' WHERE telegram_user_id = ?",
                         (suspended.id,))  # fmt: skip
    suspended.tap_data(question.message_id, real)
    await bot.settled()
    assert suspended.callback_answers[-1]["text"].startswith("Your membership is suspended.")
    assert await reveals(bot) == 0
    # A double tap: two updates before the first is answered, one effect.
    candidate.tap(question, ACCEPT)
    candidate.tap(question, ACCEPT)
    await bot.settled()
    await asker.wait_for_message(timeout=10)
    intro = await candidate.wait_for_message(timeout=10)
    assert intro.protect_content and "Phone: +49 30 1234567" in (intro.plain or "")
    await bot.settled()
    assert await reveals(bot) == 2
    rows = await bot.running.services.db.fetchall(
        "SELECT dedup_key FROM outbox WHERE dedup_key LIKE 'contact-intro:%'"
    )
    assert len(rows) == 2
    assert candidate.callback_answers[-1]["text"] == (ALREADY_ACCEPTED)


async def test_pass_to_staff_queues_the_request_and_tells_the_team(
    emulator: Emulator, bot: InProcessBot
) -> None:
    staff = await staff_member(emulator, bot, 43600)
    asker = await person(emulator, bot, 43601, "police", regions=("DE-HB",))
    candidate = await person(emulator, bot, 43602, "community", regions=("DE-NI",))
    await send_request(asker, region="📍 Bremen")
    question = await question_to(candidate)
    assert "A police contact would like to get in touch with a community representative." in (
        question.plain or ""
    )
    assert "Their organisation: none given" in (question.plain or "")
    passed = await tapped(candidate, question, PASS)
    assert passed.plain == "You passed this request to the network team. Thank you for answering."
    notice = await staff.wait_for_message(timeout=10)
    assert "Why: the person asked passed it to the network team" in (notice.plain or "")
    assert MESSAGE not in (notice.plain or "")
    assert await request_state(bot) == [("queued", "passed")]


async def test_the_network_team_topic_goes_straight_to_the_queue(
    emulator: Emulator, bot: InProcessBot
) -> None:
    english = await staff_member(emulator, bot, 43700)
    german = await staff_member(emulator, bot, 43701, language="de")
    asker = await person(emulator, bot, 43702, "community")
    police = await person(emulator, bot, 43703, "police")
    police_seen = len(police.messages)
    sent = await send_request(asker, topic="contact the network team")
    assert sent.plain == "📨 Your message is with the network team. They will get back to you."
    assert await request_state(bot) == [("queued", "network_team")]
    notice = await english.wait_for_message(timeout=10)
    assert notice.plain == (
        "📨 A contact request is waiting for the network team.\n"
        "From: community representative\n"
        "Topic: contact the network team\n"
        "Region: Berlin\n"
        "Why: the member wants to reach the network team"
    )
    in_german = await german.wait_for_message(timeout=10)
    assert "Kontakt zum Netzwerkteam" in (in_german.plain or "")
    for text in (notice.plain or "", in_german.plain or ""):
        assert MESSAGE not in text
    await bot.settled()
    assert len(police.messages) == police_seen


@pytest.mark.parametrize("who", ["staff", "pending", "newcomer", "suspended", "lapsed"])
async def test_who_may_not_ask(emulator: Emulator, bot: InProcessBot, who: str) -> None:
    services = bot.running.services
    user_id = 43800
    if who == "staff":
        user = await staff_member(emulator, bot, user_id)
    elif who == "pending":
        user = emulator.user(user_id, language_code="en")
        await pending_applicant(user)
    elif who == "newcomer":
        user = emulator.user(user_id, language_code="en")
    else:
        user = await person(emulator, bot, user_id, "police")
        async with services.db.transaction() as tx:
            await tx.execute(
                "UPDATE members SET status = ? WHERE telegram_user_id = ?", (who, user_id)
            )
    await bot.settled()
    user.skip_messages()
    user.send_text("/contact")
    reply = (await user.wait_for_message()).plain or ""
    expected = {
        "staff": "Contact requests are for community representatives and police contacts. "
        "The network team assigns contacts from the queue of requests.",
        "pending": "Your application is still being reviewed. You can use this once the "
        "network team has admitted you.",
        "newcomer": "This is for members of the network. Send /start to see how to join.",
        "suspended": "Your membership is suspended.",
        "lapsed": "Your role needs to be reconfirmed.",
    }[who]
    assert reply.startswith(expected), reply
    if who != "staff":
        user.send_text("/help")
        menu = await user.wait_for_message()
        for data in ("ct", "cmy", "cmy:withdraw:1", "cr:accept:1:1"):
            answer = await forged_answer(emulator, user, menu, data)
            assert answer.startswith(expected[:30]), data
    assert await services.db.fetchall("SELECT id FROM contact_requests") == []
    if who in ("pending", "suspended", "lapsed"):
        denied = await AuditRepository(services.db).entries("access.denied")
        assert len(denied) >= 1


async def test_the_menu_and_help_offer_it_to_both_sides_only(
    emulator: Emulator, bot: InProcessBot
) -> None:
    staff = await staff_member(emulator, bot, 43900)
    community = await person(emulator, bot, 43901, "community")
    police = await person(emulator, bot, 43902, "police")
    for user, offered in ((staff, False), (community, True), (police, True)):
        user.send_text("/start")
        assert (REQUEST in (await user.wait_for_message()).button_labels) is offered
        user.send_text("/help")
        assert ("/contact" in ((await user.wait_for_message()).plain or "")) is offered
    police.send_text("/contact")
    topics = await police.wait_for_message()
    assert "introduces you to someone of the other side (community representative)" in (
        topics.plain or ""
    )


async def test_erasing_the_asker_withdraws_the_request(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    asker = await person(emulator, bot, 43950, "community", name="Erased Person")
    candidate = await person(emulator, bot, 43951, "police")
    await send_request(asker)
    question = await question_to(candidate)
    asker.send_text("/deleteme")
    asker.tap(await asker.wait_for_message(), "Erase my data")
    await bot.settled()
    candidate.tap(question, ACCEPT)
    await bot.settled()
    assert candidate.callback_answers[-1]["text"] == "This request was withdrawn."
    await advance_to(bot, bot.manual_clock().now() + timedelta(minutes=5))
    row = await bot.running.services.db.fetchone(
        "SELECT asker_id, message, state, topic FROM contact_requests"
    )
    assert row is not None and tuple(row) == (None, None, "withdrawn", "prevention")
    assert await reveals(bot) == 0


@pytest.mark.parametrize(
    ("remind", "pass_on", "fragment"),
    [
        ("0", "72", "KOSIZU_CONTACT_REMIND_HOURS must be a whole number of hours"),
        ("48", "two days", "KOSIZU_CONTACT_PASS_HOURS must be a whole number of hours"),
        ("72", "48", "must be less than KOSIZU_CONTACT_PASS_HOURS"),
    ],
)
def test_wrong_hours_stop_the_bot_with_one_sentence(
    remind: str, pass_on: str, fragment: str
) -> None:
    env = {
        "KOSIZU_BOT_TOKEN": "123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr",
        "KOSIZU_CONTACT_REMIND_HOURS": remind,
        "KOSIZU_CONTACT_PASS_HOURS": pass_on,
    }
    with pytest.raises(ConfigError, match=fragment):
        Config.from_env(env)
