"""After an introduction: the follow-up 14 days later (once per side, also after downtime),
Yes → how useful, No, forged taps; and the "do not introduce me" list — added from the
introduction or the follow-up, shown in /profile, removed — and its effect on matching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import ManualClock
from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from tests.handlers.test_contact_relay import DNI, introduce
from tests.handlers.test_contact_requests import (
    TOPIC,
    advance_to,
    member_id,
    person,
    question_to,
    send_request,
)
from tests.support.harness import InProcessBot
from tests.support.taps import forged, tapped

YES, NO = "✅ Yes", "No"
HEADER = "🤝 How did your introduction go?"
STALE = "This button no longer works."
DNI_YES = "🚫 Yes, do not introduce us again"
NOBODY = "📨 Your request is sent. Nobody suitable is available right now"


async def followup_to(user: SimUser) -> BotMessage:
    message = await user.wait_for_message(timeout=10)
    assert (message.plain or "").startswith(HEADER), message.plain
    return message


async def followups(bot: InProcessBot) -> list[tuple[Any, ...]]:
    rows = await bot.running.services.db.fetchall(
        "SELECT side, got_in_touch, usefulness, answered_at IS NOT NULL FROM contact_followups"
        " ORDER BY side"
    )
    return [tuple(r) for r in rows]


def _date(bot: InProcessBot, moment: datetime) -> str:
    return bot.running.services.catalogs.get("en").date(moment, "medium")


async def test_both_sides_are_asked_once_after_downtime_then_yes_rates_and_no_ends(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    asker = await person(emulator, bot, 44100, "community", name="Aylin Demir",
                         phone="+49301234567", share=("phone",))  # fmt: skip
    candidate = await person(emulator, bot, 44101, "police", name="Kommissar Weiß",
                             email="weiss@polizei.example", share=("email",),
                             hide=("name",))  # fmt: skip
    stranger = await person(emulator, bot, 44102, "police", regions=("DE-SN",))
    start = bot.manual_clock().now()
    await introduce(asker, candidate)
    await advance_to(bot, start + timedelta(days=13, hours=23))
    await bot.settled()
    assert await followups(bot) == []
    # The bot is down from day 13 to day 20: on its first run both are asked, once.
    await advance_to(bot, start + timedelta(days=20))
    to_asker, to_candidate = await followup_to(asker), await followup_to(candidate)
    day = _date(bot, start)
    assert to_asker.plain == (
        f"{HEADER}\nA police contact introduced on {day}: {TOPIC}\n\nDid you get in touch?"
    )  # the police contact does not share their name
    assert to_candidate.plain == (
        f"{HEADER}\nAylin Demir (community representative), introduced on {day}: {TOPIC}\n\n"
        "Did you get in touch?"
    )
    assert to_asker.button_labels == [YES, NO, DNI]
    await advance_to(bot, start + timedelta(days=30))
    await bot.settled()
    assert len([m for m in asker.messages if HEADER in (m.plain or "")]) == 1
    assert len([m for m in candidate.messages if HEADER in (m.plain or "")]) == 1
    assert await followups(bot) == [("asker", None, None, 0), ("candidate", None, None, 0)]

    yes_data = to_asker.button(YES).callback_data or ""
    request_id = int(yes_data.split(":")[2])
    # Before Yes nobody can rate; nobody else can answer.
    for user, message, data in (
        (asker, to_asker, f"cf:rate:{request_id}:5"),
        (stranger, to_asker, yes_data),
        (asker, to_asker, f"cf:yes:{request_id + 1}"),
        (asker, to_asker, "cf:yes:x"),
        (asker, to_asker, f"cf:maybe:{request_id}"),
    ):
        answer = await forged(emulator, user, message, data)
        assert str(answer["text"]).startswith(STALE), data
    rated = await tapped(asker, to_asker, YES)
    assert (rated.plain or "").endswith(
        "Did you get in touch? Yes\n\nHow useful was the contact for you? 1 = not at all, "
        "5 = very useful."
    )
    assert rated.button_labels == ["1", "2", "3", "4", "5", DNI]
    for data in (f"cf:rate:{request_id}:0", f"cf:rate:{request_id}:6"):
        answer = await forged(emulator, asker, rated, data)
        assert str(answer["text"]).startswith(STALE), data
    done = await tapped(asker, rated, "4")
    assert (done.plain or "").endswith(
        "Did you get in touch? Yes\nHow useful it was: 4 of 5\n\n"
        "Thank you! Your answers help the network team see what works."
    )
    assert done.button_labels == [DNI]
    # Replayed answers change nothing.
    for data in (yes_data, f"cf:no:{request_id}", f"cf:rate:{request_id}:1"):
        answer = await forged(emulator, asker, done, data)
        assert answer["text"] == "You have already answered this.", data
    no = await tapped(candidate, to_candidate, NO)
    assert (no.plain or "").endswith("Did you get in touch? No\n\nThank you for telling us.")
    answer = await forged(emulator, candidate, no, f"cf:rate:{request_id}:5")
    assert str(answer["text"]).startswith(STALE)
    assert await followups(bot) == [("asker", 1, 4, 1), ("candidate", 0, None, 1)]


async def test_the_follow_up_days_are_configurable_and_a_suspended_side_waits(
    emulator: Emulator, tmp_path: Path
) -> None:
    clock = ManualClock(datetime(2027, 1, 11, 8, 0, tzinfo=UTC))
    bot = await InProcessBot(
        emulator, tmp_path / "followup.sqlite3", clock, KOSIZU_CONTACT_FOLLOWUP_DAYS="3"
    ).start()
    try:
        asker = await person(emulator, bot, 44110, "community", phone="+49301234567",
                             share=("phone",))  # fmt: skip
        candidate = await person(emulator, bot, 44111, "police", phone="+49301234568",
                                 share=("phone",))  # fmt: skip
        start = clock.now()
        await introduce(asker, candidate)
        async with bot.running.services.db.transaction() as tx:
            await tx.execute(
                "UPDATE members SET status = 'suspended' WHERE telegram_user_id = ?",
                (candidate.id,),
            )
        await advance_to(bot, start + timedelta(days=3))
        await followup_to(asker)
        await bot.settled()
        assert not any(HEADER in (m.plain or "") for m in candidate.messages)
        async with bot.running.services.db.transaction() as tx:
            await tx.execute(
                "UPDATE members SET status = 'active' WHERE telegram_user_id = ?", (candidate.id,)
            )
        await advance_to(bot, start + timedelta(days=4))
        await followup_to(candidate)
        await bot.settled()
        assert len([m for m in asker.messages if HEADER in (m.plain or "")]) == 1
    finally:
        await bot.stop()


async def test_do_not_introduce_keeps_the_pair_apart_both_ways_until_removed(
    emulator: Emulator, bot: InProcessBot
) -> None:
    asker = await person(emulator, bot, 44120, "community", name="Aylin Demir")
    police = await person(emulator, bot, 44121, "police", name="Kommissarin Zweit",
                          phone="+49301234569", share=("phone",))  # fmt: skip
    stranger = await person(emulator, bot, 44122, "community", regions=("DE-SN",))
    to_asker, to_police = await introduce(asker, police)
    ask_data = to_asker.button(DNI).callback_data or ""
    request_id = int(ask_data.split(":")[2])
    # Someone else's taps do nothing.
    stranger.send_text("/start")
    menu = await stranger.wait_for_message()
    police_id = await member_id(bot, police)
    for data in (ask_data, f"dn:ok:{request_id}", "dn:ok:x", f"dn:rm:{police_id}"):
        answer = await forged(emulator, stranger, menu, data)
        assert str(answer["text"]).startswith(STALE), data

    # Two taps: the button asks in a new message; Cancel changes nothing.
    asker.tap(to_asker, DNI)
    confirm = await asker.wait_for_message()
    today = _date(bot, bot.running.services.clock.now())
    assert confirm.plain == (
        "Stop introducing you to this person?\n"
        f"Kommissarin Zweit (police contact), introduced on {today}: {TOPIC}\n\n"
        "They are not told. You can undo it under /profile → “🚫 Not to be introduced”."
    )
    assert confirm.button_labels == [DNI_YES, "Cancel"]
    cancelled = await tapped(asker, confirm, "Cancel")
    assert cancelled.plain == "Nothing was changed."
    asker.tap(to_asker, DNI)
    confirm = await asker.wait_for_message()
    done = await tapped(asker, confirm, DNI_YES)
    assert (done.plain or "").startswith(
        "🚫 Done: the bot will not introduce you to this person again, nor them to you."
    )
    asker.tap(to_asker, DNI)
    await bot.settled()
    assert asker.callback_answers[-1]["text"] == (
        "This person is already on your do-not-introduce list."
    )
    rows = await bot.running.services.db.fetchall(
        "SELECT member_id, other_id, request_id FROM do_not_introduce"
    )
    assert [tuple(r) for r in rows] == [(await member_id(bot, asker), police_id, request_id)]
    assert police.messages[-1] is to_police  # never told

    # The listed person is not asked next time: nobody else fits, so the team gets it.
    asker.skip_messages()
    sent = await send_request(asker)
    assert (sent.plain or "").startswith(NOBODY)
    await bot.settled()
    assert police.messages[-1] is to_police

    # /profile shows the list; Remove takes them off, and they are asked again.
    asker.send_text("/profile")
    card = await asker.wait_for_message()
    assert "🚫 Not to be introduced (1)" in card.button_labels
    listed = await tapped(asker, card, "🚫 Not to be introduced (1)")
    assert "1. Kommissarin Zweit (police contact), introduced on" in (listed.plain or "")
    assert listed.button_labels == ["✖️ Remove 1", "« Profile", "« Main menu"]
    remove_data = listed.button("✖️ Remove 1").callback_data or ""
    emptied = await tapped(asker, listed, "✖️ Remove 1")
    assert asker.callback_answers[-1]["text"] == "Removed from your list."
    assert "Nobody is on your list." in (emptied.plain or "")
    answer = await forged(emulator, asker, emptied, remove_data)
    assert str(answer["text"]).startswith(STALE)
    card = await tapped(asker, emptied, "« Profile")
    assert "🚫 Not to be introduced (0)" in card.button_labels
    await send_request(asker)
    question = await question_to(police)
    await tapped(police, question, "Decline")

    # The other way round: the police contact lists the asker (from the follow-up's button
    # too, tested above from the introduction); the asker's next request passes them by.
    police.tap(to_police, DNI)
    await tapped(police, await police.wait_for_message(), DNI_YES)
    await bot.settled()
    seen = len(police.messages)
    sent = await send_request(asker)
    assert (sent.plain or "").startswith(NOBODY)
    await bot.settled()
    assert len(police.messages) == seen


async def test_the_follow_up_offers_do_not_introduce_and_the_list_describes_without_a_name(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    asker = await person(emulator, bot, 44130, "community", phone="+49301234570",
                         share=("phone",))  # fmt: skip
    police = await person(emulator, bot, 44131, "police", name="Hidden Name",
                          phone="+49301234571", share=("phone",), hide=("name",))  # fmt: skip
    start = bot.manual_clock().now()
    await introduce(asker, police)
    await advance_to(bot, start + timedelta(days=14))
    question = await followup_to(asker)
    rated = await tapped(asker, question, NO)
    assert rated.button_labels == [DNI]
    asker.tap(rated, DNI)
    confirm = await asker.wait_for_message()
    await tapped(asker, confirm, DNI_YES)
    asker.send_text("/profile")
    card = await asker.wait_for_message()
    listed = await tapped(asker, card, "🚫 Not to be introduced (1)")
    assert f"1. A police contact introduced on {_date(bot, start)}: {TOPIC}" in (listed.plain or "")
    assert "Hidden Name" not in (listed.plain or "")
