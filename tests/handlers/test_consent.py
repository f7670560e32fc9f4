"""Consent: asked again when the notice changes, withdrawn in two taps, required of staff too."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.privacy import PRIVACY_DIR
from handlers.consent import version_tag
from sandbox.emulator import Emulator
from storage.audit import AuditRepository
from tests.support.harness import InProcessBot
from tests.support.members import joined_member

CHANGED = "The privacy notice has changed."


def new_notice(tmp_path: Path, version: str) -> Path:
    """The data controller publishes a new version of the notice (a copy with a new VERSION)."""
    directory = tmp_path / f"privacy-{version}"
    shutil.copytree(PRIVACY_DIR, directory)
    (directory / "VERSION").write_text(version + "\n", "utf-8")
    return directory


async def restart_with_notice(
    bot: InProcessBot, emulator: Emulator, db_path: Path, directory: Path
) -> InProcessBot:
    await bot.stop()
    return await InProcessBot(emulator, db_path, KOSIZU_PRIVACY_DIR=str(directory)).start()


async def test_members_are_asked_again_when_the_notice_changes(
    emulator: Emulator, bot: InProcessBot, db_path: Path, tmp_path: Path
) -> None:
    user = await joined_member(emulator, bot, 14000, "community", name="Asked Again")
    bot = await restart_with_notice(bot, emulator, db_path, new_notice(tmp_path, "2027-02"))
    try:
        services = bot.running.services
        for attempt in ("/start", "hello", "/language"):
            user.send_text(attempt)
            asked = await user.wait_for_message()
            assert asked.plain is not None and asked.plain.startswith(CHANGED), attempt
            assert asked.button_labels == ["✅ I agree", "I do not agree"]
        user.send_text("/mydata")  # the data subject's rights stay open meanwhile
        assert "Name: Asked Again" in ((await user.wait_for_message()).plain or "")
        await user.wait_for_message()  # the JSON file
        user.tap(asked, "✅ I agree")
        assert (await user.wait_for_message()).plain == "Thank you. Send /start to open the menu."
        versions = await services.db.fetchall("SELECT notice_version FROM consents ORDER BY id")
        assert [r[0] for r in versions] == [
            (PRIVACY_DIR / "VERSION").read_text().strip(),
            "2027-02",
        ]
        given = await AuditRepository(services.db).entries("consent.give")
        assert [e.detail for e in given] == ["version=2027-02"]
        user.send_text("/start")
        menu = await user.wait_for_message()
        assert menu.plain is not None and not menu.plain.startswith(CHANGED)
    finally:
        await bot.stop()


async def test_an_old_agree_button_does_not_agree_to_a_newer_notice(
    emulator: Emulator, bot: InProcessBot, db_path: Path, tmp_path: Path
) -> None:
    user = await joined_member(emulator, bot, 14010, "community")
    bot = await restart_with_notice(bot, emulator, db_path, new_notice(tmp_path, "v2"))
    user.send_text("/start")
    old = await user.wait_for_message()
    bot = await restart_with_notice(bot, emulator, db_path, new_notice(tmp_path, "v3"))
    try:
        user.tap(old, "✅ I agree")  # agreed to v2's text, but v3 is current now
        again = await user.wait_for_message()
        assert again.plain is not None and again.plain.startswith(CHANGED)
        versions = await bot.running.services.db.fetchall("SELECT notice_version FROM consents")
        assert "v2" not in [r[0] for r in versions] and "v3" not in [r[0] for r in versions]
        user.tap(again, "✅ I agree")
        await user.wait_for_message()
        latest = await bot.running.services.consents.current(1)
        assert latest is not None and latest.notice_version == "v3"
    finally:
        await bot.stop()


async def test_declining_a_new_notice_offers_erasure(
    emulator: Emulator, bot: InProcessBot, db_path: Path, tmp_path: Path
) -> None:
    user = await joined_member(emulator, bot, 14020, "police", name="Declines Notice")
    bot = await restart_with_notice(bot, emulator, db_path, new_notice(tmp_path, "v2"))
    try:
        user.send_text("/start")
        user.tap(await user.wait_for_message(), "I do not agree")
        offer = await user.wait_for_message()
        assert offer.plain is not None and offer.plain.startswith(
            "Without your consent to the current privacy notice"
        )
        user.tap(offer, "Erase my data")
        await user.wait_for_edit(offer)
        await bot.settled()
        assert await bot.running.services.members.get_by_telegram_id(user.id) is None
    finally:
        await bot.stop()


async def test_consent_is_withdrawn_in_two_taps(emulator: Emulator, bot: InProcessBot) -> None:
    services = bot.running.services
    user = await joined_member(emulator, bot, 14030, "community", name="Withdraws Consent")
    user.send_text("/privacy")
    overview = await user.wait_for_message()
    assert overview.plain is not None
    assert "You agreed to the privacy notice (version " in overview.plain
    taps = 0
    user.tap(overview, "Withdraw consent")
    taps += 1
    confirm = await user.wait_for_edit(overview)
    user.tap(confirm, "Withdraw and erase")
    taps += 1
    done = await user.wait_for_edit(confirm)
    assert taps <= 2
    assert (done.plain or "").startswith("Your data has been erased.")
    await bot.settled()
    assert await services.members.get_by_telegram_id(user.id) is None
    assert await services.db.fetchall("SELECT * FROM consents") == []
    withdrawn = await AuditRepository(services.db).entries("consent.withdraw")
    assert len(withdrawn) == 1


async def test_keeping_consent_changes_nothing(emulator: Emulator, bot: InProcessBot) -> None:
    user = await joined_member(emulator, bot, 14040, "community")
    user.send_text("/privacy")
    overview = await user.wait_for_message()
    user.tap(overview, "Withdraw consent")
    confirm = await user.wait_for_edit(overview)
    user.tap(confirm, "Keep my consent")
    back = await user.wait_for_edit(confirm)
    assert "You agreed to the privacy notice" in (back.plain or "")
    member = await bot.running.services.members.get_by_telegram_id(user.id)
    assert member is not None and member.consent_version is not None


async def test_staff_made_by_the_operator_agree_before_anything_else(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    user = emulator.user(14050, language_code="en")
    await services.members.make_staff(user.id, services.clock.now())
    user.send_text("/invite police")
    asked = await user.wait_for_message()
    assert (asked.plain or "").startswith(
        "Before you continue, please read the privacy notice and tell us whether you agree."
    )
    assert await services.db.fetchall("SELECT * FROM invites") == []
    user.tap(asked, "✅ I agree")
    await user.wait_for_message()
    user.send_text("/invite police")
    assert (await user.wait_for_message()).plain.startswith("Invitation (police contact)")  # type: ignore[union-attr]


async def test_a_forged_consent_button_from_a_stranger_stores_nothing(
    emulator: Emulator, bot: InProcessBot
) -> None:
    stranger = emulator.user(14060, language_code="en")
    stranger.send_text("/start")
    menu = await stranger.wait_for_message()
    tag = version_tag(bot.running.services.privacy.version)
    stranger.tap_data(menu.message_id, f"consent:agree:{tag}")
    stranger.tap_data(menu.message_id, "consent:confirm")
    await bot.settled()
    assert await bot.running.services.db.fetchall("SELECT * FROM consents") == []
    member = await bot.running.services.members.get_by_telegram_id(stranger.id)
    assert member is not None  # a stranger's withdrawal button erases nothing either
