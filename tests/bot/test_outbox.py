"""The outbox sender against a misbehaving Telegram: 429 storms, blocked users, 5xx."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.delivery import file_payload
from sandbox.emulator import Emulator
from storage.outbox import OutboxRepository
from tests.support.harness import InProcessBot, eventually


async def queue(bot: InProcessBot, chat_id: int, text: str) -> int:
    services = bot.running.services
    message_id = await services.outbox.add(
        datetime.now(UTC), chat_id, "sendMessage", {"text": text}
    )
    bot.running.sender.wake()
    assert message_id is not None
    return message_id


async def drained(bot: InProcessBot, timeout: float = 15.0) -> None:
    outbox: OutboxRepository = bot.running.services.outbox

    async def nothing_pending() -> bool:
        return "pending" not in await outbox.count_by_state()

    await eventually(nothing_pending, timeout, "the outbox to drain")


def send_calls(emulator: Emulator) -> list[tuple[float, int]]:
    return [(c.time, c.status) for c in emulator.calls if c.method == "sendMessage"]


async def test_429_storm_pauses_every_request_until_retry_after(
    emulator: Emulator, bot: InProcessBot
) -> None:
    users = [emulator.user(7000 + i, language_code="en") for i in range(6)]
    emulator.fail("sendMessage", 429, retry_after=1, count=3)
    for user in users:
        await queue(bot, user.id, f"Notice for {user.id}")
    await drained(bot)
    calls = send_calls(emulator)
    assert [status for _, status in calls].count(429) == 3
    for index, (at, status) in enumerate(calls[:-1]):
        if status == 429:
            assert calls[index + 1][0] - at >= 1.0, "a request went out before retry_after"
    assert [len(u.messages) for u in users] == [1] * 6  # none lost, none twice
    assert await bot.running.services.outbox.count_by_state() == {"sent": 6}


async def test_a_reply_that_gets_a_429_arrives_later_and_the_outbox_waits_too(
    emulator: Emulator, bot: InProcessBot
) -> None:
    member = emulator.user(7050, language_code="en")
    other = emulator.user(7051, language_code="en")
    emulator.fail("sendMessage", 429, retry_after=1, count=1, chat_id=member.id)
    member.send_text("/help")
    await emulator.wait_until(lambda: any(c.status == 429 for c in emulator.calls))
    refused_at = next(c.time for c in emulator.calls if c.status == 429)
    # Queued while Telegram asks the bot to slow down: it waits as well.
    await queue(bot, other.id, "Notice")
    reply = await member.wait_for_message(timeout=10)
    assert (reply.plain or "").startswith("Help\n")  # the reply itself, not an apology
    await other.wait_for_message(timeout=10)
    answered = [c for c in emulator.calls if c.method == "sendMessage" and c.status == 200]
    times = {c.chat_id: c.time for c in answered}
    assert times[member.id] - refused_at >= 1.0
    assert times[other.id] - refused_at >= 1.0
    assert len(member.messages) == 1


async def test_blocked_and_vanished_chats_mark_the_member_unreachable(
    emulator: Emulator, bot: InProcessBot
) -> None:
    blocker = emulator.user(7100, language_code="en")
    fine = emulator.user(7101, language_code="en")
    blocker.send_text("/start")
    await blocker.wait_for_message()
    blocker.block_bot(notify=False)  # Telegram only tells us when we try to send
    for text in ("one", "two"):
        await queue(bot, blocker.id, text)
    await queue(bot, fine.id, "three")
    await queue(bot, 99999999, "to a chat that never existed")
    await drained(bot)
    outbox = bot.running.services.outbox
    assert await outbox.states(blocker.id) == ["unreachable", "unreachable"]
    assert await outbox.states(99999999) == ["unreachable"]
    assert await outbox.states(fine.id) == ["sent"]
    member = await bot.running.services.members.get_by_telegram_id(blocker.id)
    assert member is not None and member.unreachable_at is not None
    # Writing again makes them reachable again.
    blocker.unblock_bot(notify=False)
    blocker.send_text("/start")
    await blocker.wait_for_message()
    member = await bot.running.services.members.get_by_telegram_id(blocker.id)
    assert member is not None and member.unreachable_at is None


async def test_server_errors_are_retried_then_given_up(
    emulator: Emulator, bot: InProcessBot
) -> None:
    lucky = emulator.user(7200, language_code="en")
    unlucky = emulator.user(7201, language_code="en")
    emulator.fail("sendMessage", 502, count=2, chat_id=lucky.id)
    emulator.fail("sendMessage", 500, count=50, chat_id=unlucky.id)
    await queue(bot, lucky.id, "arrives on the third try")
    await queue(bot, unlucky.id, "never arrives")
    await drained(bot)
    assert [m.plain for m in lucky.messages] == ["arrives on the third try"]
    assert unlucky.messages == []
    db = bot.running.services.db
    rows = await db.fetchall("SELECT chat_id, state, attempts FROM outbox ORDER BY id")
    assert [tuple(r) for r in rows] == [(lucky.id, "sent", 2), (unlucky.id, "failed", 5)]


async def test_rate_limits_hold_for_a_large_queue(emulator: Emulator, bot: InProcessBot) -> None:
    many = [emulator.user(7300 + i, language_code="en") for i in range(40)]
    chatty = emulator.user(7400, language_code="en")
    for user in many:
        await queue(bot, user.id, "hello")
    for n in range(4):
        await queue(bot, chatty.id, f"part {n}")
    await drained(bot, timeout=30)
    assert emulator.rate_violations == {"overall": 0, "per_chat": 0}
    assert [m.plain for m in chatty.messages] == [f"part {n}" for n in range(4)]  # in order
    assert all(len(u.messages) == 1 for u in many)


async def test_a_queued_document_arrives_as_a_file(emulator: Emulator, bot: InProcessBot) -> None:
    user = emulator.user(7500, language_code="de")
    content = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    await bot.running.services.outbox.add(
        datetime.now(UTC),
        user.id,
        "sendDocument",
        {"document": file_payload(content, "kolloquium.ics"), "caption": "<b>Termin</b>"},
    )
    bot.running.sender.wake()
    message = await user.wait_for_message()
    assert message.document is not None
    assert message.document.filename == "kolloquium.ics"
    assert message.document.content == content
    assert message.caption_plain == "Termin"  # HTML by default, as for direct replies
