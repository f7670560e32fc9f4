"""/mydata shows everything the register declares; /deleteme leaves no personal value behind."""

from __future__ import annotations

import json

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from storage.audit import AuditRepository
from storage.registry import REGISTRY
from tests.handlers.test_onboarding import join, police_invite
from tests.support.harness import InProcessBot
from tests.support.members import pending_applicant, staff_member

NAME = "Zeynep Kaya"


async def joined(emulator: Emulator, bot: InProcessBot, user_id: int) -> SimUser:
    _, code = await police_invite(bot.running.services.db)
    user = emulator.user(user_id, language_code="en")
    await join(user, bot, code, "✅ I agree", NAME)
    user.skip_messages()  # the welcome and the menu
    user.send_text("/language")
    user.tap(await user.wait_for_message(), "English")
    await bot.settled()
    return user


async def test_mydata_shows_a_summary_and_every_declared_table(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = await joined(emulator, bot, 12001)
    user.send_text("/mydata")
    summary = await user.wait_for_message()
    assert f"Name: {NAME}" in summary.plain
    assert "Role: police contact" in summary.plain
    assert "Organisation: Polizeipräsidium Köln" in summary.plain
    assert "Language: English" in summary.plain
    assert "Consents given: 1" in summary.plain
    document = await user.wait_for_message()
    assert document.document is not None and document.protect_content
    assert document.document.filename == "kosizu-mydata.json"
    data = json.loads(document.document.content)
    assert set(data) == {t for t, rule in REGISTRY.items() if rule.member_key is not None}
    assert data["members"][0]["telegram_user_id"] == user.id
    assert data["members"][0]["display_name"] == NAME
    assert data["consents"][0]["purpose"] == "membership"
    audit = await AuditRepository(bot.running.services.db).entries("member.export")
    assert [e.object_id for e in audit] == [data["members"][0]["id"]]


async def test_deleteme_erases_every_personal_value(emulator: Emulator, bot: InProcessBot) -> None:
    user = await joined(emulator, bot, 12002)
    services = bot.running.services
    member = await services.members.get_by_telegram_id(user.id)
    assert member is not None
    user.send_text("/deleteme")
    question = await user.wait_for_message()
    user.tap(question, "Keep my data")
    await bot.settled()
    assert user.messages[-1].plain == "Nothing was erased."
    assert await services.members.get_by_telegram_id(user.id) is not None

    user.send_text("/deleteme")
    user.tap(await user.wait_for_message(), "Erase my data")
    await bot.settled()
    assert user.messages[-1].plain.startswith("Your data has been erased.")

    personal = {str(user.id), NAME}
    for (table,) in await services.db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ):
        for row in await services.db.fetchall(f"SELECT * FROM {table}"):
            values = {str(value) for value in tuple(row)}
            if table == "inbox":
                continue  # handled updates keep their id only (checked below)
            leaked = [v for v in values if any(p in v for p in personal)]
            assert not leaked, f"{table} still holds {leaked}"
    payloads = await services.db.fetchall("SELECT payload FROM inbox WHERE payload IS NOT NULL")
    assert payloads == []
    erase = await AuditRepository(services.db).entries("member.erase")
    assert [e.object_id for e in erase] == [member.id]


async def test_an_applicant_with_a_full_profile_leaves_nothing_behind(
    emulator: Emulator, bot: InProcessBot
) -> None:
    """Every kind of personal value the membership features store: application, city,
    regions, topics, phone, e-mail, consents — all gone after /deleteme."""
    services = bot.running.services
    staff = await staff_member(emulator, bot, 12100)
    user = emulator.user(12101, language_code="en")
    await pending_applicant(user)  # name "Pending Applicant", city Berlin, a proposed mosque
    bot.running.sender.wake()
    approve = await staff.wait_for_message()
    staff.tap(approve, "✅ Approve")
    user.skip_messages()
    outcome = await user.wait_for_message()  # through the outbox
    assert (outcome.plain or "").startswith("Your application has been approved.")
    member = await services.members.get_by_telegram_id(user.id)
    assert member is not None and member.status == "active" and member.role == "community"
    user.send_text("/profile")
    card = await user.wait_for_message()
    user.tap(card, "📞 Phone")
    await user.wait_for_edit(card)
    user.send_text("0221 1234567")
    card = await user.wait_for_message()
    user.tap(card, "✉️ E-mail")
    await user.wait_for_edit(card)
    user.send_text("applicant@example.org")
    card = await user.wait_for_message()
    user.tap(card, "🏷 Topics")
    picker = await user.wait_for_edit(card)
    user.tap(picker, "prevention and radicalisation concerns")
    await user.wait_for_edit(picker)
    await bot.settled()
    user.send_text("/mydata")
    summary = (await user.wait_for_message()).plain or ""
    for shown in (
        "Name: Pending Applicant",
        "Regions: Berlin",
        "Topics: prevention and radicalisation concerns",
        "Phone: +49 221 1234567",
        "E-mail: applicant@example.org",
        "City: Berlin",
    ):
        assert shown in summary, shown
    exported = json.loads((await user.wait_for_message()).document.content)  # type: ignore[union-attr]
    assert exported["applications"][0]["state"] == "approved"
    assert exported["member_topics"] == [{"member_id": member.id, "topic": "prevention"}]
    assert exported["member_regions"] == [{"member_id": member.id, "region": "DE-BE"}]
    assert exported["members"][0]["phone"] == "+492211234567"
    assert exported["members"][0]["city"] == "Berlin"

    user.send_text("/deleteme")
    user.tap(await user.wait_for_message(), "Erase my data")
    await bot.settled()
    personal = {str(user.id), "Pending Applicant", "+492211234567", "applicant@example.org"}
    for (table,) in await services.db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ):
        if table == "inbox":
            continue  # handled updates keep their id only (checked in the test above)
        for row in await services.db.fetchall(f"SELECT * FROM {table}"):
            leaked = [str(v) for v in tuple(row) if any(p in str(v) for p in personal)]
            assert not leaked, f"{table} still holds {leaked}"
        if table in ("applications", "member_topics", "member_regions", "consents"):
            rows = await services.db.fetchall(
                f"SELECT * FROM {table} WHERE member_id = ?", (member.id,)
            )
            assert rows == [], table


async def test_unsent_staff_notifications_about_an_erased_applicant_are_dropped(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    staff = await staff_member(emulator, bot, 12200)
    # Telegram asks the bot to wait a minute: the notification stays queued meanwhile.
    emulator.fail("sendMessage", 429, retry_after=60, chat_id=staff.id)
    user = emulator.user(12201, language_code="en")
    await pending_applicant(user)
    pending = await services.db.fetchall("SELECT payload FROM outbox WHERE state = 'pending'")
    assert any("Pending Applicant" in (row[0] or "") for row in pending)
    user.send_text("/deleteme")
    user.tap(await user.wait_for_message(), "Erase my data")
    await bot.settled()
    rows = await services.db.fetchall("SELECT payload FROM outbox WHERE payload IS NOT NULL")
    assert not any("Pending Applicant" in (row[0] or "") for row in rows)
