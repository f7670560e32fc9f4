"""The network team's queue of contact requests as staff and members live it: assigning
someone who then accepts or declines, closing with a message, two staff at once, statistics,
retention over months and years, and erasure."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.config import Config, ConfigError
from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.audit import AuditRepository
from storage.contact_stats import period
from tests.handlers.test_contact_requests import (
    ACCEPT,
    DECLINE,
    MESSAGE,
    advance_to,
    member_id,
    organisation,
    person,
    question_to,
    reveals,
    send_request,
)
from tests.storage.test_contact_stats import DATA, build
from tests.support.harness import InProcessBot, eventually
from tests.support.members import staff_member
from tests.support.taps import forged, tapped

TEAM = "contact the network team"
QUEUE_BUTTON = "📨 Contact requests"
ASSIGN, CLOSE = "👤 Assign someone", "✉️ Close with a message"
LEFT_QUEUE = (
    "This request is no longer in the queue: it was assigned, closed or withdrawn meanwhile."
)
STAFF_ONLY = "This is only for the network team."


async def queue(staff: SimUser) -> BotMessage:
    """/requests; notices of queued requests arriving meanwhile are passed over."""
    staff.skip_messages()
    staff.send_text("/requests")
    while True:
        message = await staff.wait_for_message()
        if (message.plain or "").startswith("📨 Contact requests waiting"):
            return message


async def opened(staff: SimUser, number: int = 1) -> BotMessage:
    """/requests, then the request at ``number`` in the list: its card."""
    listing = await queue(staff)
    label = next(b for b in listing.button_labels if b.startswith(f"{number}. "))
    return await tapped(staff, listing, label)


async def db_rows(bot: InProcessBot, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in await bot.running.services.db.fetchall(sql, params)]


async def test_a_network_team_request_assigned_by_staff_is_accepted_and_introduces(
    emulator: Emulator, bot: InProcessBot
) -> None:
    mosque = await organisation(bot, "Moscheeverein Wedding", "mosque_association", "DE-BE")
    police_org = await organisation(bot, "Polizei Berlin Dir 1", "police", "DE-BE")
    staff = await staff_member(emulator, bot, 45000)
    asker = await person(emulator, bot, 45001, "community", name="Asker Aydin",
                         organisation_id=mosque, phone="+49301112233",
                         share=("phone",))  # fmt: skip
    local = await person(emulator, bot, 45002, "police", name="Officer Local",
                         organisation_id=police_org, email="local@polizei.example",
                         share=("email",), topics=("mosque_security",))  # fmt: skip
    await person(emulator, bot, 45003, "police", name="Officer Near", regions=("DE-BB",))
    await person(emulator, bot, 45004, "police", name="Officer Far", regions=("DE-BY",))
    local_seen = len(local.messages)
    sent = await send_request(asker, topic=TEAM)
    assert sent.plain == "📨 Your message is with the network team. They will get back to you."
    notice = await staff.wait_for_message(timeout=10)
    assert notice.button_labels == ["📨 Open the request"]
    assert len(local.messages) == local_seen  # nobody is asked about this topic

    staff.send_text("/start")
    assert f"{QUEUE_BUTTON} (1)" in (await staff.wait_for_message()).button_labels
    listing = await queue(staff)
    assert listing.plain == (
        "📨 Contact requests waiting for the network team\n"
        "1 request is waiting, the oldest first.\n\n"
        f"1. {TEAM} · Berlin\n"
        "Why: the member wants to reach the network team · in the queue for 1 minute"
    )
    assert listing.button_labels == [f"1. {TEAM}", "📊 Statistics", "« Main menu"]
    card = await tapped(staff, listing, f"1. {TEAM}")
    text = card.plain or ""
    for line in (
        "From: community representative (mosque association)",
        f"Topic: {TEAM}",
        "Region: Berlin",
        "Why: the member wants to reach the network team",
        "Asked so far: nobody",
        f"The asker's message:\n{MESSAGE}",
    ):
        assert line in text, line
    for secret in ("Asker", "Aydin", "Wedding", "1112233"):
        assert secret not in text, secret
    assert card.button_labels == [ASSIGN, CLOSE, "« Contact requests"]
    # The notice's button opens the same card.
    from_notice = await tapped(staff, notice, "📨 Open the request")
    assert from_notice.plain == card.plain

    who = await tapped(staff, card, ASSIGN)
    text = who.plain or ""
    assert (
        "Covering Berlin\n"
        "1. Officer Local (Polizei Berlin Dir 1) · Berlin · asked about 0 open requests now\n\n"
        "Neighbouring regions or nationwide\n"
        "2. Officer Near · Brandenburg · asked about 0 open requests now\n\n"
        "Elsewhere\n"
        "3. Officer Far · Bavaria · asked about 0 open requests now"
    ) in text, text
    assert who.button_labels == ["1. Officer Local", "2. Officer Near", "3. Officer Far", "« Back"]
    confirm = await tapped(staff, who, "1. Officer Local")
    assert (confirm.plain or "").startswith("Ask Officer Local (Polizei Berlin Dir 1) about this")
    assert confirm.button_labels == ["✅ Ask them", "« Back"]
    done = await tapped(staff, confirm, "✅ Ask them")
    assert (done.plain or "").startswith(
        "✅ Officer Local (Polizei Berlin Dir 1) is being asked now."
    )

    question = await question_to(local)
    shown = question.plain or ""
    assert f"Topic: {TEAM}" in shown and MESSAGE not in shown and "Aydin" not in shown
    accepted = await tapped(local, question, ACCEPT)
    assert MESSAGE in (accepted.plain or "")
    to_asker = await asker.wait_for_message(timeout=10)
    to_local = await local.wait_for_message(timeout=10)
    assert "E-mail: local@polizei.example" in (to_asker.plain or "")
    assert "Phone: +49 30 1112233" in (to_local.plain or "")
    assert await reveals(bot) == 2
    staff_id = await member_id(bot, staff)
    local_id = await member_id(bot, local)
    assert await db_rows(bot, "SELECT state, introduced_to, assigned_by FROM contact_requests") == [
        ("introduced", local_id, staff_id)
    ]
    assert await db_rows(bot, "SELECT member_id, answer, assigned_by FROM contact_candidates") == [
        (local_id, "accepted", staff_id)
    ]
    assigned = await AuditRepository(bot.running.services.db).entries("contact.assign")
    assert [(e.actor_id, e.object_type, e.detail) for e in assigned] == [
        (staff_id, "contact_request", f"member={local_id}")
    ]
    staff.send_text("/start")
    assert f"{QUEUE_BUTTON} (0)" in (await staff.wait_for_message()).button_labels


async def test_an_assigned_person_who_declines_sends_the_request_back_to_the_queue(
    emulator: Emulator, bot: InProcessBot
) -> None:
    staff = await staff_member(emulator, bot, 45100)
    asker = await person(emulator, bot, 45101, "police", regions=("DE-HB",))
    first = await person(emulator, bot, 45102, "community", name="First Asked",
                         regions=("DE-HB",))  # fmt: skip
    # Not interested in the topic, so never asked by the matching; staff may choose them.
    chosen = await person(emulator, bot, 45103, "community", name="Chosen Person",
                          regions=("DE-SN",), topics=("other",))  # fmt: skip
    await send_request(asker, region="📍 Bremen")
    asked = await question_to(first)
    await tapped(first, asked, "Pass to the network team")
    await staff.wait_for_message(timeout=10)  # the notice
    asker_seen = len(asker.messages)
    card = await opened(staff)
    assert "Why: the person asked passed it to the network team" in (card.plain or "")
    assert "Asked so far: 1 person (passed to the team: 1)" in (card.plain or "")
    who = await tapped(staff, card, ASSIGN)
    assert who.button_labels == ["1. Chosen Person", "« Back"]  # the one asked before is not
    assert "Elsewhere\n1. Chosen Person · Saxony · asked about 0 open requests now" in (
        who.plain or ""
    )
    confirm = await tapped(staff, who, "1. Chosen Person")
    await tapped(staff, confirm, "✅ Ask them")
    question = await question_to(chosen)
    staff.skip_messages()
    declined = await tapped(chosen, question, DECLINE)
    assert (declined.plain or "").startswith("You declined this request.")
    notice = await staff.wait_for_message(timeout=10)
    assert "Why: the person the team chose did not accept" in (notice.plain or "")
    assert await db_rows(bot, "SELECT state, queued_reason FROM contact_requests") == [
        ("queued", "declined_assignment")
    ]
    card = await opened(staff)
    assert "Asked so far: 2 people (declined: 1, passed to the team: 1)" in (card.plain or "")
    who = await tapped(staff, card, ASSIGN)
    assert "Nobody can be assigned: everyone available on the other side (community " in (
        who.plain or ""
    )
    assert who.button_labels == ["« Back"]
    await bot.settled()
    assert len(asker.messages) == asker_seen  # the asker is never told of a decline
    assert await reveals(bot) == 0


async def test_closing_with_a_message_tells_the_asker_and_closes_the_request(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    staff = await staff_member(emulator, bot, 45200)
    asker = await person(emulator, bot, 45201, "community")
    await send_request(asker, topic=TEAM)
    (request_id,) = (await db_rows(bot, "SELECT id FROM contact_requests"))[0]
    card = await opened(staff)
    prompt = await tapped(staff, card, CLOSE)
    assert (prompt.plain or "").startswith(
        f"✉️ Close request {request_id} with a message\nTopic: {TEAM}\nRegion: Berlin\n\n"
        "Please send the message for the person who asked (community representative), at "
        "most 2000 characters, or /cancel to stop."
    )
    rule = "Please send the message as text (at most 2000 characters), or /cancel to stop."
    staff.send_photo()
    assert (await staff.wait_for_message()).plain == rule
    staff.send_sticker()
    assert (await staff.wait_for_message()).plain == rule
    staff.send_text("x" * 2500)
    assert (await staff.wait_for_message()).plain == (
        "This message has 2500 characters; please keep it to at most 2000, or /cancel to stop."
    )
    staff.send_text("/cancel")
    assert (await staff.wait_for_message()).plain == (
        "Cancelled. No message was sent; the request stays in the queue."
    )
    assert await db_rows(bot, "SELECT * FROM contact_close_drafts") == []

    card = await opened(staff)
    await tapped(staff, card, CLOSE)
    words = "Thank you! We will call you <tomorrow> & explain how we can help."
    staff.send_text(words)
    preview = await staff.wait_for_message()
    assert preview.plain == (
        "Preview · to the person who asked (community representative)\n"
        "They see the first line in their own language.\n\n"
        f"Message from the network team about your contact request “{TEAM}”:\n\n{words}\n\n"
        "The request is closed with this message. /contact starts a new one."
    )
    assert preview.button_labels == ["📤 Send and close", "✖️ Don't send"]
    assert await db_rows(bot, "SELECT text FROM contact_close_drafts") == [(words,)]
    await bot.stop()  # the draft and the question survive a restart
    await bot.start()
    services = bot.running.services
    send_data = preview.button("📤 Send and close").callback_data or ""
    staff.tap(preview, "📤 Send and close")
    done = await staff.wait_for_message()
    assert done.plain == f"📤 Request {request_id} is closed; the message is on its way."
    told = await asker.wait_for_message(timeout=10)
    assert told.plain == (
        f"Message from the network team about your contact request “{TEAM}”:\n\n{words}\n\n"
        "The request is closed with this message. /contact starts a new one."
    )
    assert "&lt;tomorrow&gt; &amp; explain" in (told.text or "")
    assert await db_rows(bot, "SELECT state, message, closed_at IS NOT NULL FROM"
                         " contact_requests") == [("closed", None, 1)]  # fmt: skip
    assert await db_rows(bot, "SELECT * FROM contact_close_drafts") == []
    closed = await AuditRepository(services.db).entries("contact.close")
    staff_id = await member_id(bot, staff)
    assert [(e.actor_id, e.object_type, e.object_id, e.detail) for e in closed] == [
        (staff_id, "contact_request", request_id, None)
    ]
    again = await forged(emulator, staff, preview, send_data)
    assert again["text"] == "This message was sent already, or dropped."
    await bot.settled()
    assert (
        len(await db_rows(bot, "SELECT id FROM outbox WHERE dedup_key LIKE 'contact-closed:%'"))
        == 1
    )
    asker.send_text("/contact")
    mine = await tapped(asker, await asker.wait_for_message(), "📋 My requests")
    assert "Closed by the network team" in (mine.plain or "")
    assert (await queue(staff)).plain == (
        "📨 Contact requests waiting for the network team\nNo request is waiting at the moment."
    )
    # The old card's buttons: the request is no longer in the queue.
    answer = await forged(emulator, staff, card, f"cqc:write:{request_id}")
    assert answer["text"] == LEFT_QUEUE
    answer = await forged(emulator, staff, card, f"cq:who:{request_id}:0")
    assert answer["text"] == LEFT_QUEUE


async def test_two_staff_at_once_one_acts_the_other_is_told(
    emulator: Emulator, bot: InProcessBot
) -> None:
    first = await staff_member(emulator, bot, 45300)
    second = await staff_member(emulator, bot, 45301)
    asker = await person(emulator, bot, 45302, "community")
    one = await person(emulator, bot, 45303, "police", name="Police One")
    two = await person(emulator, bot, 45304, "police", name="Police Two")
    await send_request(asker, topic=TEAM)
    confirms = []
    for staff, label in ((first, "1. Police One"), (second, "2. Police Two")):
        who = await tapped(staff, await opened(staff), ASSIGN)
        confirms.append(await tapped(staff, who, label))
    first.tap(confirms[0], "✅ Ask them")
    second.tap(confirms[1], "✅ Ask them")
    await bot.settled()
    rows = await db_rows(bot, "SELECT member_id FROM contact_candidates")
    assert len(rows) == 1
    winner, loser = (first, second) if rows[0][0] == await member_id(bot, one) else (second, first)
    assert loser.callback_answers[-1]["text"] == LEFT_QUEUE
    assert "is being asked now" in (winner.messages[-1].plain or "")
    assert len(await AuditRepository(bot.running.services.db).entries("contact.assign")) == 1
    asked = one if winner is first else two
    await tapped(asked, await question_to(asked), DECLINE)  # back in the queue

    previews = []
    for staff, words in ((first, "We will call you this week."), (second, "Please call us.")):
        staff.skip_messages()
        await tapped(staff, await opened(staff), CLOSE)
        staff.send_text(words)
        previews.append(await staff.wait_for_message())
    asker.skip_messages()
    first.tap(previews[0], "📤 Send and close")
    second.tap(previews[1], "📤 Send and close")
    await bot.settled()
    told = await asker.wait_for_message(timeout=10)
    answers = [first.callback_answers[-1].get("text"), second.callback_answers[-1].get("text")]
    not_sent = f"{LEFT_QUEUE} Your message was not sent."
    assert sorted(answers, key=str) == sorted([None, not_sent], key=str)
    sent_by_first = answers[0] is None
    assert ("We will call you this week." in (told.plain or "")) is sent_by_first
    assert ("Please call us." in (told.plain or "")) is not sent_by_first
    assert await db_rows(
        bot, "SELECT count(*) FROM outbox WHERE chat_id = ? AND dedup_key LIKE 'contact-closed:%'",
        asker.id,
    ) == [(1,)]  # fmt: skip
    assert await db_rows(bot, "SELECT state FROM contact_requests") == [("closed",)]
    assert len(await AuditRepository(bot.running.services.db).entries("contact.close")) == 1
    assert await db_rows(bot, "SELECT * FROM contact_close_drafts") == []


async def test_members_may_not_use_the_queue_or_its_buttons(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    await staff_member(emulator, bot, 45400)
    asker = await person(emulator, bot, 45401, "community")
    police = await person(emulator, bot, 45402, "police")
    await send_request(asker, topic=TEAM)
    (request_id,) = (await db_rows(bot, "SELECT id FROM contact_requests"))[0]
    police_id = await member_id(bot, police)
    denied_before = len(await AuditRepository(services.db).entries("access.denied"))
    for user in (asker, police):
        user.send_text("/requests")
        assert (await user.wait_for_message()).plain == STAFF_ONLY
        user.send_text("/help")
        own = await user.wait_for_message()
        for data in (
            "cq",
            f"cq:show:{request_id}",
            f"cq:who:{request_id}:0",
            f"cq:pick:{request_id}:{police_id}",
            f"cq:ask:{request_id}:{police_id}",
            f"cqc:write:{request_id}",
            f"cqc:send:{request_id}",
            "cqs:year",
        ):
            answer = await forged(emulator, user, own, data)
            assert answer["text"] == STAFF_ONLY and answer.get("show_alert") is True, data
    await bot.settled()
    assert await db_rows(bot, "SELECT state FROM contact_requests") == [("queued",)]
    assert await db_rows(bot, "SELECT * FROM contact_candidates") == []
    assert await db_rows(bot, "SELECT * FROM contact_close_drafts") == []
    denied = await AuditRepository(services.db).entries("access.denied")
    assert len(denied) - denied_before == 2 * 9
    assert await AuditRepository(services.db).entries("contact.assign") == []


STATS_NOW = datetime(2027, 5, 20, 10, 0, tzinfo=UTC)


async def jobs_caught_up(bot: InProcessBot) -> None:
    """The jobs that fell due when the clock was moved have run (and none is due again
    until the clock moves on)."""
    services = bot.running.services

    async def caught_up() -> bool:
        return not await services.schedule.due(services.clock.now())

    await eventually(caught_up, what="the jobs due at the new time")


async def test_statistics_show_exact_counts_and_hide_small_ones(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    staff = await staff_member(emulator, bot, 45500)
    bot.manual_clock().set(STATS_NOW)
    await jobs_caught_up(bot)
    # The known data set of tests/storage/test_contact_stats.py, its askers since erased.
    await build(bot.running.services.db, DATA)
    listing = await queue(staff)
    stats = await tapped(staff, listing, "📊 Statistics")
    assert stats.plain == (
        "📊 Contact requests · This quarter\n"
        "Apr 1, 2027 – Jun 30, 2027, by the day a request was sent.\n"
        "To protect privacy, numbers of 1 or 2 are shown as “< 3”, and a number that would "
        "give them away as “–”.\n\n"
        "Requests sent: 8\n"
        # Introduced 3: four states of 1 or 2 add up to 5, which would show the other is 3;
        # hidden with it, the hidden ones have no known sum.
        "✅ Introduced: –\n"
        "🔎 Still being matched: < 3\n"
        "📨 Waiting in the team's queue now: < 3\n"
        "✖️ Withdrawn by the asker: < 3\n"
        "📪 Closed by the team with a message: < 3\n"
        "Went to the team's queue at some point: 3\n\n"
        "Answers of the people asked\n"
        "Declined: < 3\n"
        "Passed to the team: < 3\n"
        "No answer in time: < 3\n"
        "Chosen by the team: < 3\n"
        "Median time to acceptance: 4 hours\n\n"
        "By region\n"
        "Bavaria: < 3\n"
        "Berlin: –\n"
        "Hamburg: < 3\n\n"
        "By topic\n"
        # Three topics of 1 or 2 and the total 8 would say they are 1 each.
        "security of a mosque or event: < 3\n"
        "prevention and radicalisation concerns: –\n"
        "contact the network team: < 3\n"
        "other: < 3\n\n"
        "Follow-up\n"
        "Asked: 5\n"
        "Got in touch: yes 3 · no < 3\n"
        "Usefulness (1–5): 4.0 on average, 3 answers"
    )
    assert "never be counted" not in (stats.plain or "")  # no message, ever
    assert stats.button_labels == ["• This quarter", "Last quarter", "This year",
                                   "« Contact requests"]  # fmt: skip
    year = await tapped(staff, stats, "This year")
    text = year.plain or ""
    assert "Jan 1, 2027 – Dec 31, 2027" in text and "Requests sent: 10\n✅ Introduced: 4" in text
    assert "Median time to acceptance: 3 hours" in text
    assert "Saxony: < 3\nnationwide: < 3" in text
    last = await tapped(staff, year, "Last quarter")
    text = last.plain or ""
    assert "Jan 1, 2027 – Mar 31, 2027" in text
    # Two requests, one introduced and one withdrawn: the zeros beside them would add up.
    assert "Requests sent: < 3\n✅ Introduced: < 3\n🔎 Still being matched: –" in text
    assert "Median time to acceptance: not shown (fewer than 3 introductions)" in text
    assert text.endswith("Follow-up\nnobody asked yet")
    back = await tapped(staff, last, "« Contact requests")
    assert (back.plain or "").startswith("📨 Contact requests waiting for the network team")


async def test_messages_go_after_90_days_and_requests_after_two_years(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    staff = await staff_member(emulator, bot, 45600)
    asker = await person(emulator, bot, 45601, "community")
    candidate = await person(emulator, bot, 45602, "police")
    start = bot.manual_clock().now()
    await send_request(asker)  # A: introduced
    await tapped(candidate, await question_to(candidate), ACCEPT)
    await asker.wait_for_message(timeout=10)  # the introduction
    await send_request(asker, topic=TEAM)  # B: closed by staff
    await tapped(staff, await opened(staff), CLOSE)
    staff.send_text("We have called you.")
    staff.tap(await staff.wait_for_message(), "📤 Send and close")
    await staff.wait_for_message()
    asker.send_text("/contact")  # C: a draft, never sent
    topics = await asker.wait_for_message()
    asker.tap(topics, "other")
    regions = await asker.wait_for_edit(topics)
    asker.tap(regions, "📍 Berlin")
    await asker.wait_for_edit(regions)
    asker.send_text("A draft I never send, about something else.")
    await asker.wait_for_message()
    rows = "SELECT topic, state, message IS NOT NULL FROM contact_requests ORDER BY id"
    assert await db_rows(bot, rows) == [
        ("prevention", "introduced", 1),
        ("network_team", "closed", 0),  # nobody reads it again: gone at once
        ("other", "draft", 1),
    ]
    await advance_to(bot, start + timedelta(days=89))
    assert await db_rows(bot, rows) == [
        ("prevention", "introduced", 1),
        ("network_team", "closed", 0),
        ("other", "draft", 1),
    ]
    await advance_to(bot, start + timedelta(days=91))
    assert await db_rows(bot, rows) == [
        ("prevention", "introduced", 0),
        ("network_team", "closed", 0),
    ]
    assert await db_rows(bot, "SELECT answer FROM contact_candidates") == [("accepted",)]
    await advance_to(bot, start + timedelta(days=729))
    assert len(await db_rows(bot, rows)) == 2  # kept for the statistics
    await advance_to(bot, start + timedelta(days=731))
    assert await db_rows(bot, rows) == []
    assert await db_rows(bot, "SELECT * FROM contact_candidates") == []
    runs = await AuditRepository(bot.running.services.db).entries("retention.run")
    details = [e.detail or "" for e in runs]
    assert any("contact_messages=1 contact_drafts=1 contact_requests=0" in d for d in details)
    assert "contact_messages=0 contact_drafts=0 contact_requests=2" in details[-1]


def test_the_retention_is_configurable_and_checked() -> None:
    env = {"KOSIZU_BOT_TOKEN": "123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr"}
    config = Config.from_env(env)
    assert (config.contact_message_days, config.contact_retention_days) == (90, 730)
    config = Config.from_env(
        {**env, "KOSIZU_CONTACT_MESSAGE_DAYS": "30", "KOSIZU_CONTACT_RETENTION_DAYS": "365"}
    )
    assert (config.contact_message_days, config.contact_retention_days) == (30, 365)
    for values, fragment in (
        ({"KOSIZU_CONTACT_MESSAGE_DAYS": "0"}, "a whole number of days from 1 to 3650"),
        ({"KOSIZU_CONTACT_RETENTION_DAYS": "2 years"}, "a whole number of days from 1 to 3650"),
        ({"KOSIZU_CONTACT_RETENTION_DAYS": "60"}, "must not be more than"),
    ):
        with pytest.raises(ConfigError, match=fragment):
            Config.from_env({**env, **values})


async def test_erasure_anonymises_requests_and_candidates_and_export_shows_them(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 45700)
    asker = await person(emulator, bot, 45701, "community", name="Erased Asker",
                         phone="+49301239876", share=("phone",))  # fmt: skip
    decliner = await person(emulator, bot, 45702, "police", name="Decliner")
    accepter = await person(emulator, bot, 45703, "police", name="Accepter")
    await send_request(asker)  # A
    await tapped(decliner, await question_to(decliner), DECLINE)
    await tapped(accepter, await question_to(accepter), ACCEPT)
    await accepter.wait_for_message(timeout=10)  # the introduction, sent
    await asker.wait_for_message(timeout=10)
    await send_request(asker, topic=TEAM, message="Please call me about our mosque, urgently.")
    await tapped(staff, await opened(staff), CLOSE)
    staff.send_text("Dear Erased Asker, we will call you.")  # a draft naming the asker
    await staff.wait_for_message()
    asker_id, accepter_id = await member_id(bot, asker), await member_id(bot, accepter)
    async with services.db.transaction() as tx:  # part 2's list, made here directly
        await tx.execute(
            "INSERT INTO do_not_introduce (member_id, other_id, created_at) VALUES (?, ?, ?)",
            (accepter_id, asker_id, "2027-01-11T08:00:00.000000Z"),
        )

    asker.send_text("/mydata")
    await asker.wait_for_message()
    exported = json.loads((await asker.wait_for_message()).document.content)  # type: ignore[union-attr]
    requests = exported["contact_requests"]
    assert [(r["topic"], r["region"], r["state"], r["message"]) for r in requests] == [
        ("prevention", "DE-BE", "introduced", MESSAGE),
        ("network_team", "DE-BE", "queued", "Please call me about our mosque, urgently."),
    ]
    assert set(requests[0]) == {
        "id", "asker_role", "organisation_type", "topic", "region", "message", "state",
        "queued_reason", "created_at", "submitted_at", "queued_at", "introduced_at", "closed_at",
    }  # fmt: skip
    decliner.send_text("/mydata")
    await decliner.wait_for_message()
    exported = json.loads((await decliner.wait_for_message()).document.content)  # type: ignore[union-attr]
    assert [
        {k: v for k, v in row.items() if k not in ("request_id", "asked_at", "answered_at")}
        for row in exported["contact_candidates"]
    ] == [
        {
            "topic": "prevention",
            "region": "DE-BE",
            "asker_role": "community",
            "organisation_type": None,
            "reminded_at": None,
            "answer": "declined",
            "chosen_by_network_team": 0,
        }
    ]

    for user in (asker, decliner):
        user.send_text("/deleteme")
        user.tap(await user.wait_for_message(), "Erase my data")
        await bot.settled()
    await advance_to(bot, bot.manual_clock().now() + timedelta(minutes=5))  # the contact job
    assert await db_rows(
        bot, "SELECT asker_id, message, topic, region, state, introduced_to FROM contact_requests"
    ) == [
        (None, None, "prevention", "DE-BE", "introduced", accepter_id),
        (None, None, "network_team", "DE-BE", "withdrawn", None),
    ]
    assert await db_rows(bot, "SELECT member_id, answer FROM contact_candidates") == [
        (None, "declined"),
        (accepter_id, "accepted"),
    ]
    assert await db_rows(bot, "SELECT * FROM do_not_introduce") == []
    assert await db_rows(bot, "SELECT * FROM contact_close_drafts") == []
    personal = {"Erased Asker", "Decliner", "1239876", MESSAGE, "about our mosque", str(asker.id)}
    for (table,) in await db_rows(
        bot, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ):
        if table == "inbox":
            continue  # handled updates keep their id only
        for row in await db_rows(bot, f"SELECT * FROM {table}"):
            leaked = [str(v) for v in row if any(p in str(v) for p in personal)]
            assert not leaked, f"{table} still holds {leaked}"
    # The one introduced erases their data too: the introduction stays, without them.
    accepter.send_text("/deleteme")
    accepter.tap(await accepter.wait_for_message(), "Erase my data")
    await bot.settled()
    assert await db_rows(bot, "SELECT asker_id, introduced_to, state FROM contact_requests") == [
        (None, None, "introduced"),
        (None, None, "withdrawn"),
    ]
    stats = await services.contact_stats.stats(
        period("year", services.clock.now(), services.config.timezone)
    )
    assert (stats.sent, stats.states["introduced"], stats.states["withdrawn"]) == (2, 1, 1)
    assert stats.answers["declined"] == 1
