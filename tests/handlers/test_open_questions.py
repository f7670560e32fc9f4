"""Typed input answers the question asked last, never an older one left open elsewhere."""

from __future__ import annotations

from sandbox.emulator import Emulator
from tests.handlers.test_applications import fill_in, outbox_message, start_application, submit
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, staff_member
from tests.support.taps import tapped

NOTE = "called the unit's official number"
NOT_UNDERSTOOD = "I'm not sure what you mean."


async def police_application(emulator: Emulator, bot: InProcessBot, user_id: int) -> None:
    applicant = emulator.user(user_id, language_code="en")
    await start_application(applicant, "Officer Krause")
    summary = await fill_in(
        applicant, role="police contact", organisation="Polizei Bonn (North Rhine-Westphalia)"
    )
    await submit(applicant, bot, summary)


async def test_a_note_never_renames_an_organisation_nor_does_small_talk_approve(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    await services.organisations.add(
        "Polizei Bonn", "police", "DE-NW", services.clock.now(), actor_id=None
    )
    staff = await staff_member(emulator, bot, 18000)
    await police_application(emulator, bot, 18001)
    notification = await outbox_message(staff, bot)

    # A rename is asked for, then left: the staff member taps Approve instead.
    staff.send_text("/organisations")
    listing = await staff.wait_for_message()
    card = await tapped(staff, listing, "Polizei Bonn")
    prompt = await tapped(staff, card, "✏️ Name")
    assert (prompt.plain or "").startswith("Please send the new name for “Polizei Bonn”")
    staff.tap(notification, "✅ Approve")
    assert "note" in ((await staff.wait_for_message()).plain or "")
    staff.send_text(NOTE)
    approved = await staff.wait_for_message()
    assert "approved" in (approved.plain or "").lower()
    (organisation,) = await services.organisations.all()
    assert organisation.name == "Polizei Bonn"  # the note renamed nothing
    staff.send_text("thanks")  # the rename question was closed by the newer one
    assert (await staff.wait_for_message()).plain.startswith(NOT_UNDERSTOOD)  # type: ignore[union-attr]
    assert [o.name for o in await services.organisations.all()] == ["Polizei Bonn"]


async def test_moving_on_closes_the_note_question(emulator: Emulator, bot: InProcessBot) -> None:
    services = bot.running.services
    await services.organisations.add(
        "Polizei Bonn", "police", "DE-NW", services.clock.now(), actor_id=None
    )
    staff = await staff_member(emulator, bot, 18100)
    await police_application(emulator, bot, 18101)
    staff.tap(await outbox_message(staff, bot), "✅ Approve")
    await staff.wait_for_message()  # the note question
    staff.send_text("/members")
    await staff.wait_for_message()
    staff.send_text("hello there bot")
    assert (await staff.wait_for_message()).plain.startswith(NOT_UNDERSTOOD)  # type: ignore[union-attr]
    (row,) = await services.db.fetchall("SELECT state FROM applications")
    assert row[0] == "pending"
    assert await services.audit.entries("application.approve") == []


async def test_a_profile_prompt_left_for_the_menu_takes_no_text(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = await joined_member(emulator, bot, 18200, "police")
    user.send_text("/profile")
    card = await user.wait_for_message()
    await tapped(user, card, "📞 Phone")
    user.send_text("/start")
    await user.wait_for_message()
    user.send_text("0221 1234567")
    assert (await user.wait_for_message()).plain.startswith(NOT_UNDERSTOOD)  # type: ignore[union-attr]
    member = await bot.running.services.members.get_by_telegram_id(user.id)
    assert member is not None
    profile = await bot.running.services.profiles.get(member.id)
    assert profile is not None and profile.phone is None
