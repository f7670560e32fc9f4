"""The relay after an introduction where one side shares nothing to reach them by: replies
pass both ways as protected copies (a photo too), either side ends it, it ends by itself
after 14 days or when a side leaves, and the texts are kept nowhere."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import Config, ConfigError
from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from tests.handlers.test_contact_requests import (
    ACCEPT,
    advance_to,
    member_id,
    person,
    question_to,
    send_request,
)
from tests.support.harness import InProcessBot
from tests.support.members import joined_member
from tests.support.taps import forged, tapped

END, END_YES, BACK = "✖️ End conversation", "✖️ Yes, end the conversation", "« Back"
DNI = "🚫 Do not introduce me to this person again"
SECRET = "Meet me at the Friday prayer, 3 pm, side entrance — Yusuf"
CAPTION = "Floor plan of the community hall (confidential)"
ANSWER = "Thank you, I will be there with a colleague from the prevention unit."
NOT_PASSED_ON_ENDED = (
    "Nothing was passed on: this conversation through the bot has ended, and the bot no "
    "longer passes messages on."
)
ENDED_HEADER = "✖️ The conversation through the bot has ended."


async def introduce(asker: SimUser, candidate: SimUser) -> tuple[BotMessage, BotMessage]:
    """A request sent and accepted; the introductions (to the asker, to the candidate)."""
    await send_request(asker)
    question = await question_to(candidate)
    await tapped(candidate, question, ACCEPT)
    return await asker.wait_for_message(timeout=10), await candidate.wait_for_message(timeout=10)


async def copy_to(user: SimUser) -> BotMessage:
    message = await user.wait_for_message(timeout=10)
    assert message.copied_from is not None, message.plain
    assert message.protect_content
    return message


def reacted(emulator: Emulator, user: SimUser, message_id: int) -> bool:
    return any(
        call["chat_id"] == user.id and call["message_id"] == message_id
        for call in emulator.settings.get("setMessageReaction", [])
    )


async def test_replies_pass_both_ways_as_protected_copies_and_no_text_is_kept(
    emulator: Emulator, bot: InProcessBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the bot's level (KOSIZU_LOG_LEVEL) in tests and by default
    # The asker shares no phone, e-mail or username; the police contact shares a phone.
    asker = await person(emulator, bot, 44000, "community", name="Aylin Demir")
    candidate = await person(
        emulator, bot, 44001, "police", name="Kommissar Weiß", phone="+49301234567",
        share=("phone",), hide=("name",),
    )  # fmt: skip
    to_asker, to_candidate = await introduce(asker, candidate)
    assert to_asker.protect_content and to_candidate.protect_content
    for intro in (to_asker, to_candidate):
        text = intro.plain or ""
        assert "💬 Write to them through the bot" in text
        assert "Reply to this message to write to them" in text
        assert "This works for 14 days, until " in text
        assert intro.button_labels == [END, DNI]
    assert "They share no phone number, e-mail address or Telegram username." in (
        to_candidate.plain or ""
    )
    # The asker can also call: the police contact's phone is in their introduction.
    assert "Phone: +49 30 1234567" in (to_asker.plain or "")
    assert "You can also get in touch directly with the details above." in (to_asker.plain or "")
    assert "You can also get in touch" not in (to_candidate.plain or "")

    # The police contact replies to the introduction: the asker gets a copy, without sender.
    candidate.send_text(SECRET, reply_to=to_candidate.message_id)
    written = candidate.last_sent.message_id
    first = await copy_to(asker)
    assert first.plain == SECRET
    assert first.copied_from == (candidate.id, written)
    assert first.button_labels == []
    await bot.settled()
    assert reacted(emulator, candidate, written)  # 👌: passed on
    # The asker answers the copy with a photo and a caption.
    asker.send_photo(caption=CAPTION, reply_to=first.message_id)
    photo = asker.last_sent.message_id
    second = await copy_to(candidate)
    assert second.photo is not None and second.caption_plain == CAPTION
    assert second.copied_from == (asker.id, photo)
    # And the police contact answers the photo with a document, then a text.
    candidate.send_document("plan.pdf", reply_to=second.message_id)
    third = await copy_to(asker)
    assert third.document is not None and third.document.filename == "plan.pdf"
    candidate.send_text(ANSWER, reply_to=second.message_id)
    assert (await copy_to(asker)).plain == ANSWER
    await bot.settled()
    # Nothing but copies went between them: no names, no ids beyond the introduction's.
    for message in asker.messages[-3:]:
        assert "Weiß" not in (message.plain or "") and str(candidate.id) not in (message.text or "")
    rows = await bot.running.services.db.fetchall(
        "SELECT chat_id, message_id, request_id FROM relay_messages ORDER BY chat_id, message_id"
    )
    assert len(rows) == 8  # four messages, each with its copy
    assert {r["chat_id"] for r in rows} == {asker.id, candidate.id}

    # The texts are in no table, no log line and, after a clean stop, not in the file.
    db_path = Path(bot.running.services.db.path)
    await bot.stop()
    for secret in (SECRET, CAPTION, ANSWER):
        assert secret not in caplog.text
    content = await asyncio.to_thread(_file_and_journals, db_path)
    for secret in (SECRET, CAPTION, ANSWER):
        assert secret.encode() not in content, secret
        assert json.dumps(secret)[1:-1].encode() not in content  # as the update's JSON has it


async def test_either_side_ends_it_and_later_replies_are_not_passed_on(
    emulator: Emulator, bot: InProcessBot
) -> None:
    asker = await person(emulator, bot, 44010, "community", phone="+49301111111",
                         share=("phone",))  # fmt: skip
    candidate = await person(emulator, bot, 44011, "police")
    stranger = await person(emulator, bot, 44012, "police", regions=("DE-SN",))
    to_asker, to_candidate = await introduce(asker, candidate)
    end_data = to_asker.button(END).callback_data or ""
    request_id = int(end_data.split(":")[2])
    candidate.send_text("Hello, when would suit you?", reply_to=to_candidate.message_id)
    copy = await copy_to(asker)

    # Someone else's taps, forged or real data, end nothing.
    stranger.send_text("/start")
    menu = await stranger.wait_for_message()
    for data in (end_data, f"rl:end_ok:{request_id}", f"rl:end_ok:{request_id + 1}",
                 "rl:end_ok:x", "rl:stop:1", f"rl:end_ok:{request_id}:1"):  # fmt: skip
        answer = await forged(emulator, stranger, menu, data)
        assert str(answer["text"]).startswith("This button no longer works."), data

    # End asks once more; « Back keeps it open.
    confirm = await tapped(asker, to_asker, END)
    assert confirm.button_labels == [END_YES, BACK]
    back = await tapped(asker, confirm, BACK)
    assert back.button_labels == [END, DNI]
    await tapped(asker, to_asker, END)
    ended = await tapped(asker, to_asker, END_YES)
    assert ended.button_labels == [DNI]
    told_asker = await asker.wait_for_message()
    assert (told_asker.plain or "").startswith("✖️ You ended the conversation.")
    told_candidate = await candidate.wait_for_message(timeout=10)
    assert told_candidate.plain == (
        f"{ENDED_HEADER}\n"
        "The community representative you were introduced to on "
        f"{_today(bot)} (prevention and radicalisation concerns) has ended the conversation.\n"
        "The bot no longer passes messages on between you."
    )
    # Replies to the introduction or to a copy are answered, not passed on.
    asker_seen = len(asker.messages)
    candidate.send_text("Are you still there?", reply_to=to_candidate.message_id)
    assert (await candidate.wait_for_message()).plain == NOT_PASSED_ON_ENDED
    asker.send_text("One more thing", reply_to=copy.message_id)
    assert (await asker.wait_for_message()).plain == NOT_PASSED_ON_ENDED
    await bot.settled()
    assert len(asker.messages) == asker_seen + 1
    # The other side's End, and a replayed Yes, say it is over.
    candidate.tap(to_candidate, END)
    await bot.settled()
    assert candidate.callback_answers[-1]["text"] == "This conversation has already ended."
    assert to_candidate.button_labels == [DNI]
    answer = await forged(emulator, asker, to_asker, f"rl:end_ok:{request_id}")
    assert answer["text"] == "This conversation has already ended."
    row = await bot.running.services.db.fetchone(
        "SELECT ended_at IS NOT NULL, ended_by FROM contact_relays"
    )
    assert row is not None and tuple(row) == (1, await member_id(bot, asker))
    # Ended by the member, so the job tells nobody again.
    await bot.settled()
    outbox = await bot.running.services.db.fetchall(
        "SELECT dedup_key FROM outbox WHERE dedup_key LIKE 'contact-relay-end:%'"
    )
    assert [r[0] for r in outbox] == [f"contact-relay-end:{request_id}:candidate"]


def _file_and_journals(db_path: Path) -> bytes:
    content = db_path.read_bytes()
    for sidecar in (Path(f"{db_path}-wal"), Path(f"{db_path}-journal")):
        if sidecar.exists():
            content += sidecar.read_bytes()
    return content


def _today(bot: InProcessBot) -> str:
    services = bot.running.services
    return services.catalogs.get("en").date(services.clock.now(), "medium")


async def test_the_relay_ends_after_14_days_and_both_are_told_once(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    asker = await person(emulator, bot, 44020, "community")
    candidate = await person(emulator, bot, 44021, "police")
    start = bot.manual_clock().now()
    to_asker, _ = await introduce(asker, candidate)
    assert "until 1/25/27, 9:00\u202fAM" in (to_asker.plain or "")
    await advance_to(bot, start + timedelta(days=13, hours=23))
    asker.send_text("Still on for tomorrow?", reply_to=to_asker.message_id)
    await copy_to(candidate)
    # The bot is down over the end: on its first run both are told, once.
    await advance_to(bot, start + timedelta(days=16))
    for user in (asker, candidate):
        told = await user.wait_for_message(timeout=10)
        assert (told.plain or "").startswith(ENDED_HEADER)
        assert "The time for writing through the bot after your introduction on" in (
            told.plain or ""
        )
    await advance_to(bot, start + timedelta(days=17))
    asker.send_text("Hello?", reply_to=to_asker.message_id)
    # The follow-up question ("How did your introduction go?") may be due by now as well.
    answer = await asker.wait_for_message()
    while (answer.plain or "").startswith("🤝 How did your introduction go?"):
        answer = await asker.wait_for_message()
    assert answer.plain == NOT_PASSED_ON_ENDED
    await bot.settled()
    assert len([m for m in candidate.messages if ENDED_HEADER in (m.plain or "")]) == 1


async def test_the_relay_days_are_configurable(emulator: Emulator, tmp_path: Path) -> None:
    clock = ManualClock(datetime(2027, 1, 11, 8, 0, tzinfo=UTC))
    bot = await InProcessBot(
        emulator, tmp_path / "days.sqlite3", clock, KOSIZU_CONTACT_RELAY_DAYS="2"
    ).start()
    try:
        asker = await person(emulator, bot, 44030, "community")
        candidate = await person(emulator, bot, 44031, "police")
        to_asker, _ = await introduce(asker, candidate)
        assert "This works for 2 days, until 1/13/27" in (to_asker.plain or "")
        await advance_to(bot, clock.now() + timedelta(days=2))
        assert ((await candidate.wait_for_message(timeout=10)).plain or "").startswith(ENDED_HEADER)
    finally:
        await bot.stop()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KOSIZU_CONTACT_RELAY_DAYS", "0"),
        ("KOSIZU_CONTACT_RELAY_DAYS", "two weeks"),
        ("KOSIZU_CONTACT_FOLLOWUP_DAYS", "-1"),
        ("KOSIZU_CONTACT_FOLLOWUP_DAYS", "1.5"),
    ],
)
def test_wrong_days_stop_the_bot_with_one_sentence(name: str, value: str) -> None:
    env = {"KOSIZU_BOT_TOKEN": "123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr", name: value}
    with pytest.raises(ConfigError, match=f"{name} must be a whole number of days"):
        Config.from_env(env)


async def test_without_a_relay_and_outside_one_replies_are_answered_clearly(
    emulator: Emulator, bot: InProcessBot
) -> None:
    # Both share a phone: no relay, no End button.
    asker = await person(emulator, bot, 44040, "community", phone="+49301234500",
                         share=("phone",))  # fmt: skip
    candidate = await person(emulator, bot, 44041, "police", email="p@polizei.example",
                             share=("email",))  # fmt: skip
    to_asker, to_candidate = await introduce(asker, candidate)
    assert to_asker.button_labels == [DNI] and to_candidate.button_labels == [DNI]
    assert "Please get in touch directly." in (to_asker.plain or "")
    asker.send_text("Can you hear me?", reply_to=to_asker.message_id)
    assert ((await asker.wait_for_message()).plain or "").startswith(
        "Nothing was passed on: the bot relays messages only when one of you shares no phone"
    )
    # A reply to another protected message of the bot (the data export).
    asker.send_text("/mydata")
    export = next(m for m in await asker.wait_for_messages(2) if m.document is not None)
    asker.send_text("What is this?", reply_to=export.message_id)
    assert ((await asker.wait_for_message()).plain or "").startswith(
        "Nothing was passed on: that message is not part of a conversation the bot relays."
    )
    # A message that is no reply, with no relay open: the usual answer.
    asker.send_text("hello")
    assert ((await asker.wait_for_message()).plain or "").startswith("I'm not sure what you mean.")
    await bot.settled()
    assert await bot.running.services.db.fetchall("SELECT * FROM relay_messages") == []
    assert await bot.running.services.db.fetchall("SELECT * FROM contact_relays") == []


HINT = (
    "💬 This message was not passed on. To write to the person you were introduced to, reply "
    "to the introduction or to a message the bot passed on from them"
)


async def test_a_message_that_is_no_reply_gets_a_hint_and_an_open_question_keeps_its_own(
    emulator: Emulator, bot: InProcessBot
) -> None:
    asker = await person(emulator, bot, 44050, "community")
    candidate = await person(emulator, bot, 44051, "police")
    to_asker, _ = await introduce(asker, candidate)
    not_replies: list[Callable[[], int]] = [
        lambda: asker.send_text("Hello, are you there?"),
        asker.send_photo,
    ]
    for send in not_replies:
        send()
        assert ((await asker.wait_for_message()).plain or "").startswith(HINT)
    # While /profile waits for a phone number, a reply to the introduction still goes to the
    # other side, and the next plain text is the phone number.
    asker.send_text("/profile")
    card = await asker.wait_for_message()
    await tapped(asker, card, "📞 Phone")
    asker.send_text("Please call me tomorrow morning.", reply_to=to_asker.message_id)
    assert (await copy_to(candidate)).plain == "Please call me tomorrow morning."
    asker.send_text("+49 30 9876543")
    saved = await asker.wait_for_message()
    assert "Phone: +49 30 9876543" in (saved.plain or "")
    profile = await bot.running.services.profiles.get(await member_id(bot, asker))
    assert profile is not None and profile.phone == "+49309876543"


async def test_a_suspended_or_erased_side_ends_the_relay_and_the_other_is_told(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    asker = await person(emulator, bot, 44060, "community")
    candidate = await person(emulator, bot, 44061, "police")
    to_asker, _ = await introduce(asker, candidate)
    async with services.db.transaction() as tx:
        await tx.execute(
            "UPDATE members SET status = 'suspended' WHERE telegram_user_id = ?", (candidate.id,)
        )
    # Before the job notices, a reply is refused already.
    asker.send_text("Hello?", reply_to=to_asker.message_id)
    assert (await asker.wait_for_message()).plain == NOT_PASSED_ON_ENDED
    await advance_to(bot, services.clock.now() + timedelta(minutes=5))
    told = await asker.wait_for_message(timeout=10)
    assert (told.plain or "").startswith(ENDED_HEADER)
    assert "can no longer be reached through the bot" in (told.plain or "")
    await bot.settled()
    assert not any(ENDED_HEADER in (m.plain or "") for m in candidate.messages)

    # Another pair; the asker erases their data.
    second_asker = await person(emulator, bot, 44062, "community")
    second_candidate = await person(emulator, bot, 44063, "police")
    await introduce(second_asker, second_candidate)
    second_asker.send_text("/deleteme")
    second_asker.tap(await second_asker.wait_for_message(), "Erase my data")
    await bot.settled()
    await advance_to(bot, services.clock.now() + timedelta(minutes=5))
    told = await second_candidate.wait_for_message(timeout=10)
    assert "can no longer be reached through the bot" in (told.plain or "")


async def test_a_429_is_waited_out_once_then_the_writer_is_asked_to_resend(
    emulator: Emulator, bot: InProcessBot
) -> None:
    asker = await person(emulator, bot, 44070, "community")
    candidate = await person(emulator, bot, 44071, "police")
    to_asker, _ = await introduce(asker, candidate)
    emulator.fail("copyMessage", 429, retry_after=1)
    asker.send_text("First try", reply_to=to_asker.message_id)
    assert (await copy_to(candidate)).plain == "First try"
    emulator.fail("copyMessage", 429, retry_after=30)
    asker.send_text("Second try", reply_to=to_asker.message_id)
    assert (await asker.wait_for_message()).plain == (
        "Telegram asks the bot to slow down, so this message was not passed on. Please send "
        "it again in 30 seconds."
    )
    # The other side blocked the bot: the writer is told at once.
    candidate.block_bot()
    asker.send_text("Third try", reply_to=to_asker.message_id)
    assert (await asker.wait_for_message()).plain == (
        "This message could not be delivered: the other person cannot be reached through the "
        "bot at the moment."
    )
    await bot.settled()
    assert [m.plain for m in candidate.messages if m.copied_from] == ["First try"]


async def test_a_newcomer_replying_to_the_bot_is_not_relayed(
    emulator: Emulator, bot: InProcessBot
) -> None:
    member = await joined_member(emulator, bot, 44080, "community")
    member.send_text("/start")
    menu = await member.wait_for_message()
    member.send_text("Is this the relay?", reply_to=menu.message_id)
    assert ((await member.wait_for_message()).plain or "").startswith("I'm not sure what you mean.")
