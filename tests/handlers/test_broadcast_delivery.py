"""Staff broadcasts, delivery: queueing, live progress, the report, blocked members, a 429
storm, cancelling, a scheduled broadcast after a restart, four-eyes approval and /settings.

The broadcasts are made with the repository calls the composing conversation makes (start,
texts, audience, release); everything after that runs through the real bot and the emulator.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.broadcasts import Audience
from tests.support.harness import InProcessBot, eventually
from tests.support.members import joined_member, member_id, staff_member

MEMBERS = ("community", "police")
MEMBERS_ONLY = Audience(roles=MEMBERS)
TEXTS = {"de": "<b>Kolloquium</b> am 3. März", "en": "<b>Colloquium</b> on 3 March"}


async def released(
    bot: InProcessBot,
    author: SimUser,
    texts: dict[str, str] = TEXTS,
    *,
    audience: Audience = MEMBERS_ONLY,
    essential: bool = False,
    after: timedelta | None = None,
    needs_approval: bool = False,
) -> int:
    """A broadcast composed and released by ``author``, as the composing part does it."""
    services = bot.running.services
    repo = services.broadcasts
    now = services.clock.now()
    author_id = await member_id(bot, author)
    draft = await repo.start(author_id, now)
    for language, text in texts.items():
        assert await repo.set_text(draft.id, author_id, language, text, now)
    assert await repo.set_audience(draft.id, author_id, audience, now)
    assert await repo.set_essential(draft.id, author_id, essential, now)
    send_at = None if after is None else now + after
    assert await repo.release(
        draft.id, author_id, now, send_at=send_at, needs_approval=needs_approval
    )
    return draft.id


def got(user: SimUser, marker: str = "olloquium") -> list[BotMessage]:
    return [m for m in user.messages if m.plain and marker in m.plain]


def report_of(author: SimUser, broadcast_id: int) -> list[BotMessage]:
    return [
        m
        for m in author.messages
        if (m.plain or "").startswith(f"📊 Report of broadcast #{broadcast_id}")
    ]


def progress_of(author: SimUser, broadcast_id: int) -> BotMessage:
    found = [m for m in author.messages if f"Broadcast #{broadcast_id} " in (m.plain or "")]
    assert len(found) == 1, [m.plain for m in author.messages]
    return found[0]


async def wait_for_report(author: SimUser, broadcast_id: int, timeout: float = 15) -> BotMessage:
    async def arrived() -> bool:
        return bool(report_of(author, broadcast_id))

    await eventually(arrived, timeout, "the report")
    return report_of(author, broadcast_id)[0]


async def test_send_now_progress_every_language_and_report(
    emulator: Emulator, bot: InProcessBot
) -> None:
    author = await staff_member(emulator, bot, 52000)
    english = await joined_member(emulator, bot, 52001, "community", language="en")
    german = await joined_member(emulator, bot, 52002, "police", language="de")
    turkish = await joined_member(emulator, bot, 52003, "community", language="tr")
    # Slow enough that the progress message is seen before the broadcast ends.
    emulator.delay("sendMessage", 0.4)
    broadcast_id = await released(bot, author)

    progress = await author.wait_for_message()
    assert progress.plain is not None
    assert progress.plain.startswith(f"📣 Broadcast #{broadcast_id} is being sent")
    assert "/ 3" in progress.plain and "░" in progress.plain
    assert [b.text for row in progress.buttons for b in row] == ["⏹ Cancel"]
    await author.wait_for_edit(progress)

    report = await wait_for_report(author, broadcast_id)
    assert report.plain is not None
    assert "✅ Delivered: 3" in report.plain
    assert "🚫 Blocked the bot or deleted their account: 0" in report.plain
    assert "⚠️ Failed: 0" in report.plain
    assert progress.plain.startswith(f"📣 Broadcast #{broadcast_id} is sent")
    assert "▓▓▓▓▓▓▓▓▓▓ 3 / 3" in progress.plain
    assert progress.buttons == []
    # Each their language's version, the default (German) where there is none.
    assert [m.plain for m in got(english)] == ["Colloquium on 3 March"]
    assert [m.text for m in got(english)] == ["<b>Colloquium</b> on 3 March"]
    assert [m.plain for m in got(german)] == ["Kolloquium am 3. März"]
    assert [m.plain for m in got(turkish)] == ["Kolloquium am 3. März"]
    assert got(author) == []  # staff were not in the audience
    # No CSV without failures; one report only, and the broadcast is marked sent.
    emulator.clear_faults()
    await bot.settled()
    assert [m for m in author.messages if m.document is not None] == []
    assert len(report_of(author, broadcast_id)) == 1
    services = bot.running.services
    broadcast = await services.broadcasts.get(broadcast_id)
    assert broadcast is not None and broadcast.state == "sent" and broadcast.recipients == 3
    audit = await services.db.fetchall(
        "SELECT action FROM audit_log WHERE object_type = 'broadcast' AND object_id = ?"
        " ORDER BY id",
        (broadcast_id,),
    )
    assert [r["action"] for r in audit] == ["broadcast.submit", "broadcast.queue", "broadcast.sent"]


async def test_a_member_who_blocked_the_bot_is_reported_and_skipped_next_time(
    emulator: Emulator, bot: InProcessBot
) -> None:
    author = await staff_member(emulator, bot, 52100)
    reader = await joined_member(emulator, bot, 52101, "community", name="Reader")
    gone = await joined_member(emulator, bot, 52102, "police", name="=Blocker")
    gone.block_bot(notify=False)  # the bot learns it only from the 403

    first = await released(bot, author)
    report = await wait_for_report(author, first)
    assert report.plain is not None
    assert "✅ Delivered: 1" in report.plain
    assert "🚫 Blocked the bot or deleted their account: 1" in report.plain
    assert "skipped by later broadcasts" in report.plain
    document = await author.wait_for_message()
    while document.document is None:
        document = await author.wait_for_message()
    assert document.document.filename == f"broadcast-{first}-not-reached.csv"
    rows = list(csv.reader(io.StringIO(document.document.content.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Role", "What happened", "Error"]
    assert len(rows) == 2
    # A name starting like a formula is kept from running in a spreadsheet.
    assert rows[1][:3] == [
        "'=Blocker",
        "police contact",
        "blocked the bot or deleted their account",
    ]
    assert "Forbidden" in rows[1][3]
    assert len(got(reader)) == 1 and got(gone) == []

    second = await released(bot, author, {"de": "Zweites Kolloquium", "en": "Second colloquium"})
    report = await wait_for_report(author, second)
    assert report.plain is not None
    assert "Recipients: 1" in report.plain and "✅ Delivered: 1" in report.plain
    assert "🚫 Blocked the bot or deleted their account: 0" in report.plain
    assert len(got(reader)) == 2
    blocked_calls = [c for c in emulator.calls if c.chat_id == gone.id and c.status == 403]
    assert len(blocked_calls) == 1


async def test_a_429_storm_holds_every_broadcast_request_for_retry_after(
    emulator: Emulator, bot: InProcessBot
) -> None:
    author = await staff_member(emulator, bot, 52200)
    members = [await joined_member(emulator, bot, 52201 + i, "community") for i in range(4)]
    recipients = {m.id for m in members}
    emulator.fail("sendMessage", 429, retry_after=2, count=2)
    broadcast_id = await released(bot, author)

    report = await wait_for_report(author, broadcast_id, timeout=20)
    assert report.plain is not None and "✅ Delivered: 4" in report.plain
    assert [len(got(m)) for m in members] == [1, 1, 1, 1]
    calls = [c for c in emulator.calls if c.chat_id in recipients and c.method == "sendMessage"]
    refused = [c for c in calls if c.status == 429]
    assert refused, "the storm reached no broadcast request"
    for storm in refused:
        later = [c for c in calls if c.time > storm.time]
        assert all(c.time >= storm.time + 2 for c in later), "a request before retry_after"


async def test_cancel_mid_way_stops_the_rest(emulator: Emulator, bot: InProcessBot) -> None:
    author = await staff_member(emulator, bot, 52300)
    members = [await joined_member(emulator, bot, 52301 + i, "community") for i in range(6)]
    emulator.delay("sendMessage", 0.5)
    broadcast_id = await released(bot, author)
    progress = await author.wait_for_message()

    async def some_delivered() -> bool:
        return sum(len(got(m)) for m in members) >= 1

    await eventually(some_delivered, what="a first delivery")
    author.tap(progress, "⏹ Cancel")
    await bot.settled()
    emulator.clear_faults()
    services = bot.running.services

    async def nothing_pending() -> bool:
        rows = await services.db.fetchall("SELECT 1 FROM outbox WHERE state = 'pending'")
        return not rows

    await eventually(nothing_pending, what="the outbox to settle")
    await emulator.wait_idle()
    delivered = sum(len(got(m)) for m in members)
    assert progress.plain is not None
    assert progress.plain.startswith(f"⏹ Broadcast #{broadcast_id} was cancelled")
    not_sent = int(progress.plain.split("Not sent: ")[1].split("\n")[0])
    assert not_sent >= 1 and delivered < 6
    # The message in flight when the cancel landed still arrives.
    assert delivered + not_sent in (6, 7)
    assert progress.buttons == []
    broadcast = await services.broadcasts.get(broadcast_id)
    assert broadcast is not None and broadcast.state == "cancelled"
    assert report_of(author, broadcast_id) == []
    # A second tap: already over.
    author.tap_data(progress.message_id, f"bc:cancel:{broadcast_id}")
    await bot.settled()
    assert author.callback_answers[-1]["text"] == "This broadcast has already finished."


async def test_a_member_may_not_cancel_or_approve(emulator: Emulator, bot: InProcessBot) -> None:
    await staff_member(emulator, bot, 52400)
    member = await joined_member(emulator, bot, 52401, "community")
    member.send_text("/start")
    menu = await member.wait_for_message()
    for data in ("bc:cancel:1", "bc:approve:1", "bc:reject:1"):
        member.tap_data(menu.message_id, data)
        await bot.settled()
        assert member.callback_answers[-1]["text"] == "This is only for the network team."
    denied = await bot.running.services.db.fetchall(
        "SELECT detail FROM audit_log WHERE action = 'access.denied'"
    )
    assert len(denied) == 3


async def test_a_scheduled_broadcast_due_while_the_bot_was_down_goes_out_after_start(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    author = await staff_member(emulator, bot, 52500)
    reader = await joined_member(emulator, bot, 52501, "police")
    broadcast_id = await released(bot, author, after=timedelta(hours=2))
    await bot.settled()
    services = bot.running.services
    broadcast = await services.broadcasts.get(broadcast_id)
    assert broadcast is not None and broadcast.state == "scheduled"
    assert got(reader) == []

    await bot.stop()
    bot.manual_clock().advance(timedelta(hours=3))
    await bot.start()
    report = await wait_for_report(author, broadcast_id)
    assert report.plain is not None and "✅ Delivered: 1" in report.plain
    assert [m.plain for m in got(reader)] == ["Colloquium on 3 March"]


async def test_four_eyes_a_second_staff_member_approves(
    emulator: Emulator, bot: InProcessBot
) -> None:
    author = await staff_member(emulator, bot, 52600)
    second = await staff_member(emulator, bot, 52601)
    reader = await joined_member(emulator, bot, 52602, "community")
    broadcast_id = await released(bot, author, needs_approval=True)

    # The second staff member sees every version, then the request.
    german, english, request = await second.wait_for_messages(3)
    assert german.plain == "Kolloquium am 3. März"
    assert english.plain == "Colloquium on 3 March"
    assert request.plain is not None and "Approval needed" in request.plain
    assert "to 1 member." in request.plain and "German, English" in request.plain
    assert got(reader) == []
    assert [m for m in author.messages if "Approval needed" in (m.plain or "")] == []

    # The author cannot approve their own broadcast, even with a forged button.
    author.send_text("/start")
    menu = await author.wait_for_message()
    author.tap_data(menu.message_id, f"bc:approve:{broadcast_id}")
    await bot.settled()
    assert "cannot approve or reject it yourself" in author.callback_answers[-1]["text"]
    services = bot.running.services
    broadcast = await services.broadcasts.get(broadcast_id)
    assert broadcast is not None and broadcast.state == "awaiting_approval"

    second.tap(request, "✅ Approve broadcast")
    report = await wait_for_report(author, broadcast_id)
    assert report.plain is not None and "✅ Delivered: 1" in report.plain
    assert [m.plain for m in got(reader)] == ["Colloquium on 3 March"]
    assert request.plain is not None and "You approved it" in request.plain
    assert request.buttons == []
    told = [m.plain for m in author.messages if "approved your broadcast" in (m.plain or "")]
    assert told == [f"✅ User52601 approved your broadcast #{broadcast_id}. It is being sent now."]
    broadcast = await services.broadcasts.get(broadcast_id)
    assert broadcast is not None and broadcast.approved_by == await member_id(bot, second)
    # A late tap on the request: already decided.
    second.tap_data(request.message_id, f"bc:reject:{broadcast_id}")
    await bot.settled()
    assert second.callback_answers[-1]["text"] == (
        "This broadcast was already approved, rejected or cancelled."
    )
    # Asked once, however many passes ran.
    assert len([m for m in second.messages if "Approval needed" in (m.plain or "")]) == 1


async def test_four_eyes_a_rejected_broadcast_is_not_sent(
    emulator: Emulator, bot: InProcessBot
) -> None:
    author = await staff_member(emulator, bot, 52700)
    second = await staff_member(emulator, bot, 52701)
    reader = await joined_member(emulator, bot, 52702, "community")
    broadcast_id = await released(bot, author, {"de": "Kolloquium"}, needs_approval=True)
    preview, request = await second.wait_for_messages(2)
    assert preview.plain == "Kolloquium"
    second.tap(request, "❌ Reject")
    told = await author.wait_for_message()
    assert told.plain == f"❌ User52701 rejected your broadcast #{broadcast_id}. Nothing was sent."
    await bot.settled()
    assert request.plain is not None and "You rejected it" in request.plain
    services = bot.running.services
    broadcast = await services.broadcasts.get(broadcast_id)
    assert broadcast is not None and broadcast.state == "rejected"
    assert got(reader) == []
    audit = await services.db.fetchall(
        "SELECT action FROM audit_log WHERE action = 'broadcast.reject' AND object_id = ?",
        (broadcast_id,),
    )
    assert len(audit) == 1


async def test_settings_turn_general_announcements_off_essential_still_arrive(
    emulator: Emulator, bot: InProcessBot
) -> None:
    author = await staff_member(emulator, bot, 52800)
    quiet = await joined_member(emulator, bot, 52801, "community")
    other = await joined_member(emulator, bot, 52802, "police")
    quiet.send_text("/settings")
    screen = await quiet.wait_for_message()
    assert screen.plain is not None
    assert "General announcements from the network team: on" in screen.plain
    assert "Essential announcements, such as an event being cancelled, reach you" in screen.plain
    quiet.tap(screen, "🔕 Turn general announcements off")
    await bot.settled()
    assert "General announcements from the network team: off" in (screen.plain or "")
    services = bot.running.services
    assert not await services.broadcasts.announcements(await member_id(bot, quiet))

    general = await released(bot, author, {"de": "Kolloquium allgemein"})
    report = await wait_for_report(author, general)
    assert report.plain is not None and "Recipients: 1" in report.plain
    assert got(quiet, "Kolloquium") == [] and len(got(other, "Kolloquium")) == 1

    essential = await released(bot, author, {"de": "Kolloquium abgesagt"}, essential=True)
    await wait_for_report(author, essential)
    assert [m.plain for m in got(quiet, "Kolloquium")] == ["Kolloquium abgesagt"]

    # And on again, from the main menu's button.
    quiet.skip_messages()
    quiet.send_text("/start")
    menu = await quiet.wait_for_message()
    quiet.tap(menu, "⚙️ Settings")
    await bot.settled()
    quiet.tap(menu, "🔔 Turn general announcements on")
    await bot.settled()
    assert "General announcements from the network team: on" in (menu.plain or "")
    assert await services.broadcasts.announcements(await member_id(bot, quiet))


async def test_four_eyes_with_nobody_else_in_the_team_the_author_can_cancel(
    emulator: Emulator, bot: InProcessBot
) -> None:
    author = await staff_member(emulator, bot, 52750)
    reader = await joined_member(emulator, bot, 52751, "community")
    broadcast_id = await released(bot, author, needs_approval=True)
    notice = await author.wait_for_message()
    assert notice.plain is not None and "nobody else in the team is active" in notice.plain
    author.tap(notice, "⏹ Cancel")
    await bot.settled()
    assert notice.plain == f"⏹ Broadcast #{broadcast_id} was cancelled. Nothing was sent."
    broadcast = await bot.running.services.broadcasts.get(broadcast_id)
    assert broadcast is not None and broadcast.state == "cancelled"
    assert got(reader) == []
    # Told once, however many passes ran.
    told = [c for c in emulator.calls if "nobody else" in str(c.params.get("text", ""))]
    assert len(told) == 1


async def test_a_member_who_erases_their_data_mid_broadcast_gets_nothing(
    emulator: Emulator, bot: InProcessBot
) -> None:
    author = await staff_member(emulator, bot, 52900)
    members = [await joined_member(emulator, bot, 52901 + i, "community") for i in range(8)]
    leaving = members[-1]
    # Slow sends (4 s for all): the last member's row is still pending when they erase.
    emulator.delay("sendMessage", 0.5)
    broadcast_id = await released(bot, author)
    await author.wait_for_message()  # the progress message: the audience is frozen
    leaving.send_text("/deleteme")
    erase = await leaving.wait_for_message()
    leaving.tap(erase, "Erase my data")

    report = await wait_for_report(author, broadcast_id, timeout=20)
    assert report.plain is not None
    assert "✅ Delivered: 7" in report.plain
    assert "👋 No longer members: 1" in report.plain
    assert got(leaving) == []
    assert [len(got(m)) for m in members[:-1]] == [1] * 7
