"""Roles and statuses, checked against the database at the moment of each action."""

from __future__ import annotations

import pytest

from sandbox.emulator import Emulator
from storage.audit import AuditRepository
from storage.organisations import OrganisationRepository
from tests.handlers.test_onboarding import join
from tests.support.harness import InProcessBot
from tests.support.members import staff_member

STAFF_ONLY = "This is only for the network team."


async def test_staff_invite_in_the_bot_lets_a_new_police_contact_join(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    await OrganisationRepository(services.db).add(
        "Polizei Bonn", "police", "DE-NW", services.clock.now(), actor_id=None
    )
    staff = await staff_member(emulator, bot)
    staff.send_text("/invite police 1")
    reply = await staff.wait_for_message()
    assert reply.protect_content
    assert reply.plain.startswith("Invitation (police contact), valid until ")
    link = reply.plain.splitlines()[-1]
    assert link.startswith("https://t.me/kosizu_test_bot?start=")
    newcomer = emulator.user(13001, language_code="en")
    await join(newcomer, bot, link.rsplit("=", 1)[1], "✅ I agree", "Officer Schmidt")
    member = await services.members.get_by_telegram_id(newcomer.id)
    assert member is not None
    assert (member.role, member.status, member.organisation_id) == ("police", "active", 1)
    staff_row = await services.members.get_by_telegram_id(staff.id)
    created = await AuditRepository(services.db).entries("invite.create")
    assert [e.actor_id for e in created] == [staff_row.id if staff_row else None]


async def test_invite_usage_and_unknown_organisation(emulator: Emulator, bot: InProcessBot) -> None:
    staff = await staff_member(emulator, bot)
    for text in (
        "/invite imam",
        "/invite police x",
        "/invite police 1 2",
        "/invite police 99999999999999999999999",
    ):
        staff.send_text(text)
        assert (await staff.wait_for_message()).plain == (
            "Usage: /invite community|police|staff [organisation number]"
        )
    staff.send_text("/invite police 99")
    assert (await staff.wait_for_message()).plain == "There is no organisation number 99."
    assert await bot.running.services.db.fetchall("SELECT * FROM invites") == []


@pytest.mark.parametrize("who", ["unknown", "community", "police", "suspended", "lapsed"])
async def test_nobody_but_staff_can_invite(emulator: Emulator, bot: InProcessBot, who: str) -> None:
    services = bot.running.services
    user = emulator.user(13100, language_code="en")
    if who != "unknown":
        role = "community" if who == "community" else "police"
        _, code = await services.invites.create(
            role, None, 7, 1, services.clock.now(), created_by=None
        )
        await join(user, bot, code, "✅ I agree", "Some Member")
        if who in ("suspended", "lapsed"):
            async with services.db.transaction() as tx:
                await tx.execute(
                    "UPDATE members SET status = ? WHERE telegram_user_id = ?", (who, user.id)
                )
    user.skip_messages()
    for role in ("staff", "police", "community"):
        user.send_text(f"/invite {role}")
        reply = (await user.wait_for_message()).plain
        if who == "suspended":
            assert reply.startswith("Your membership is suspended.")
        elif who == "lapsed":
            assert reply.startswith("Your role needs to be reconfirmed")
        else:
            assert reply == STAFF_ONLY
    invites = await services.db.fetchall("SELECT created_by FROM invites")
    assert all(row[0] is None for row in invites)  # none created by this user
    denied = await AuditRepository(services.db).entries("access.denied")
    assert len(denied) == 3


async def test_a_suspended_member_can_still_see_and_erase_their_data(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    _, code = await services.invites.create(
        "community", None, 7, 1, services.clock.now(), created_by=None
    )
    user = emulator.user(13200, language_code="en")
    await join(user, bot, code, "✅ I agree", "Suspended Person")
    async with services.db.transaction() as tx:
        await tx.execute("UPDATE members SET status = 'suspended' WHERE telegram_user_id = ?",
                         (user.id,))  # fmt: skip
    user.skip_messages()
    for blocked in ("/start", "/language", "hello"):
        user.send_text(blocked)
        assert (await user.wait_for_message()).plain.startswith("Your membership is suspended.")
    user.send_text("/mydata")
    assert "Name: Suspended Person" in (await user.wait_for_message()).plain
    await user.wait_for_message()  # the JSON file
    user.send_text("/deleteme")
    user.tap(await user.wait_for_message(), "Erase my data")
    await bot.settled()
    assert await services.members.get_by_telegram_id(user.id) is None
