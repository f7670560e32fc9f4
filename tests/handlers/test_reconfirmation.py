"""Police and staff roles are reconfirmed every 12 months: asked 30 days ahead, lapsed after."""

from __future__ import annotations

from datetime import timedelta

from sandbox.emulator import Emulator
from storage.audit import AuditRepository
from tests.support.harness import InProcessBot, eventually
from tests.support.members import joined_member

CONFIRM = "✅ I still hold this role"


async def test_a_police_contact_is_asked_and_confirms_with_one_tap(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot, clock = clocked_bot, clocked_bot.manual_clock()
    services = bot.running.services
    user = await joined_member(emulator, bot, 15000, "police", name="Yearly Officer")
    community = await joined_member(emulator, bot, 15001, "community")
    community_had = len(community.messages)
    clock.advance(timedelta(days=320))
    await bot.running.scheduler.tick()
    await bot.settled()
    early = await services.members.get_by_telegram_id(user.id)
    assert early is not None and early.reconfirm_asked_at is None  # 320 days: too early
    assert await services.db.fetchall("SELECT * FROM outbox") == []
    clock.advance(timedelta(days=20))  # 340 days: within the last 30
    bot.running.sender.wake()
    asked = await user.wait_for_message(timeout=10)
    assert asked.plain is not None and "Are you still a police contact?" in asked.plain
    assert asked.button_labels == [CONFIRM]
    clock.advance(timedelta(days=1))
    await bot.running.scheduler.tick()
    await bot.settled()
    assert [m.plain for m in user.messages].count(asked.plain) == 1  # asked once, not daily
    assert len(community.messages) == community_had  # community roles are not reconfirmed
    user.tap(asked, CONFIRM)
    thanked = await user.wait_for_edit(asked)
    assert (thanked.plain or "").startswith("Thank you. Your role is confirmed until ")
    member = await services.members.get_by_telegram_id(user.id)
    assert member is not None and member.status == "active"
    assert member.role_confirmed_at == clock.now()
    audit = await AuditRepository(services.db).entries("member.reconfirm")
    assert [(e.actor_id, e.object_id, e.detail) for e in audit] == [
        (member.id, member.id, "by the member")
    ]


async def test_an_unconfirmed_role_lapses_and_is_restored_by_confirming(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot, clock = clocked_bot, clocked_bot.manual_clock()
    services = bot.running.services
    user = await joined_member(emulator, bot, 15010, "police", name="Lapsing Officer")
    clock.advance(timedelta(days=366))  # e.g. the bot was down when they would have been asked
    bot.running.sender.wake()

    async def lapsed() -> bool:
        member = await services.members.get_by_telegram_id(user.id)
        return member is not None and member.status == "lapsed"

    await eventually(lapsed, what="the role to lapse")
    notice = await user.wait_for_message(timeout=10)
    assert "has not been confirmed for a year and is paused" in (notice.plain or "")
    audit = await AuditRepository(services.db).entries("member.lapse")
    assert len(audit) == 1
    user.send_text("/invite community")  # anything else is refused while lapsed
    refusal = await user.wait_for_message()
    assert (refusal.plain or "").startswith("Your role needs to be reconfirmed.")
    user.send_text("/mydata")
    assert "Name: Lapsing Officer" in ((await user.wait_for_message()).plain or "")
    await user.wait_for_message()  # the JSON file
    user.tap(notice, CONFIRM)
    await user.wait_for_edit(notice)
    member = await services.members.get_by_telegram_id(user.id)
    assert member is not None and member.status == "active"


async def test_a_suspended_member_cannot_reconfirm_themselves(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    user = await joined_member(emulator, bot, 15020, "police")
    async with services.db.transaction() as tx:
        await tx.execute("UPDATE members SET status = 'suspended' WHERE telegram_user_id = ?",
                         (user.id,))  # fmt: skip
    user.send_text("/mydata")
    message = await user.wait_for_message()
    user.tap_data(message.message_id, "reconfirm:yes")
    await bot.settled()
    member = await services.members.get_by_telegram_id(user.id)
    assert member is not None and member.status == "suspended"
    assert await AuditRepository(services.db).entries("member.reconfirm") == []


async def test_a_lapsed_member_can_use_every_button_of_their_menu(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    user = await joined_member(emulator, bot, 15030, "police", name="Lapsed Officer")
    async with services.db.transaction() as tx:
        await tx.execute("UPDATE members SET status = 'lapsed' WHERE telegram_user_id = ?",
                         (user.id,))  # fmt: skip
    user.send_text("/start")
    menu = await user.wait_for_message()
    assert "has not been confirmed for a year" in (menu.plain or "")
    assert menu.button_labels == [CONFIRM, "👤 My profile", "🌐 Language", "❓ Help", "🔒 Privacy"]
    user.tap(menu, "❓ Help")
    shown = await user.wait_for_edit(menu)
    assert "/profile" in (shown.plain or "") and "/members" not in (shown.plain or "")
    user.tap(shown, "« Main menu")
    back = await user.wait_for_edit(shown)
    user.tap(back, "🌐 Language")
    picker = await user.wait_for_edit(back)
    user.tap(picker, "English")
    await user.wait_for_edit(picker)
    member = await services.members.get_by_telegram_id(user.id)
    assert member is not None and member.language == "en"
    invite, code = await services.invites.create(
        "police", None, 7, 1, services.clock.now(), created_by=None
    )
    user.send_text(f"/start {code}")  # an invitation is no way around the reconfirmation
    assert (await user.wait_for_message()).plain.startswith(  # type: ignore[union-attr]
        "Your role needs to be reconfirmed."
    )
    row = await services.db.fetchone("SELECT uses FROM invites WHERE id = ?", (invite.id,))
    assert row is not None and row[0] == 0
