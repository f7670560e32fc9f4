"""Joining with an invitation: notice and consent, name, admission — and every way it fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from storage.audit import AuditRepository
from storage.db import Database
from storage.invites import FAILURES_PER_HOUR, InviteRepository
from storage.organisations import OrganisationRepository
from tests.support.harness import ChildBot, InProcessBot, eventually

NOTICE_TITLE = {
    "de": "Datenschutzhinweis",
    "en": "Privacy notice",
    "fr": "confidentialité",
    "tr": "Gizlilik",
    "ar": "إشعار الخصوصية",
}
AGREE = {"de": "✅ Ich bin einverstanden", "en": "✅ I agree", "fr": "✅ J’accepte",
         "tr": "✅ Kabul ediyorum", "ar": "✅ أوافق"}  # fmt: skip
WELCOME = {
    "de": "Willkommen, Ayşe Demir! Sie gehören jetzt zum Netzwerk. Ihre Rolle: "
    "polizeiliche Ansprechperson.",
    "en": "Welcome, Ayşe Demir! You are now part of the network. Your role: police contact.",
    "fr": "Bienvenue, Ayşe Demir ! Vous faites désormais partie du réseau. Votre rôle : "
    "point de contact de la police.",
    "tr": "Hoş geldiniz, Ayşe Demir! Artık ağın bir parçasısınız. Rolünüz: polis irtibat kişisi.",
    "ar": "أهلًا وسهلًا، Ayşe Demir! أصبحت الآن جزءًا من الشبكة. دورك: نقطة اتصال لدى الشرطة.",
}
INVALID = "This invitation link is not valid"


async def police_invite(db: Database, days: int = 7) -> tuple[int, str]:
    org = await OrganisationRepository(db).add(
        "Polizeipräsidium Köln", "police", "DE-NW", _now(), actor_id=None
    )
    invite, code = await InviteRepository(db).create(
        "police", org.id, days, 1, _now(), created_by=None
    )
    return invite.id, code


def _now() -> datetime:
    """Wall-clock time: invitations are made outside the bot, like the CLI makes them."""
    return datetime.now(UTC)


async def join(user: SimUser, bot: InProcessBot, code: str, agree: str, name: str) -> None:
    user.send_text(f"/start {code}")
    notice = await user.wait_for_message()
    user.tap(notice, agree)
    await user.wait_for_message()  # the name question
    user.send_text(name)
    await bot.settled()


@pytest.mark.parametrize("language", ["de", "en", "fr", "tr", "ar"])
async def test_invite_onboarding_makes_an_active_member(
    emulator: Emulator, bot: InProcessBot, language: str
) -> None:
    services = bot.running.services
    invite_id, code = await police_invite(services.db)
    user = emulator.user(11000 + len(language) + ord(language[1]), language_code=language)
    user.send_text(f"/start {code}")
    notice = await user.wait_for_message()
    assert NOTICE_TITLE[language] in notice.plain
    assert notice.button_labels[0] == AGREE[language]
    assert len(notice.plain) <= 4096
    user.tap(notice, AGREE[language])
    await user.wait_for_message()
    assert user.messages[0].buttons == []  # the notice stays, its buttons go
    user.send_text("  Ayşe   Demir ")
    welcome = await user.wait_for_message()
    assert welcome.plain == WELCOME[language]
    member = await services.members.get_by_telegram_id(user.id)
    assert member is not None
    assert (member.role, member.status, member.display_name) == ("police", "active", "Ayşe Demir")
    assert member.organisation_id == 1
    consents = await services.db.fetchall("SELECT purpose, notice_version FROM consents")
    assert [tuple(r) for r in consents] == [("membership", services.privacy.version)]
    audit = await AuditRepository(services.db).entries("invite.use")
    assert [(e.actor_id, e.object_id) for e in audit] == [(member.id, invite_id)]
    assert await services.db.fetchall("SELECT * FROM onboarding_drafts") == []


async def test_a_single_use_invite_admits_one_person(emulator: Emulator, bot: InProcessBot) -> None:
    _, code = await police_invite(bot.running.services.db)
    first, second = (
        emulator.user(11101, language_code="en"),
        emulator.user(11102, language_code="en"),
    )
    await join(first, bot, code, "✅ I agree", "First Person")
    second.send_text(f"/start {code}")
    assert INVALID in (await second.wait_for_message()).plain
    member = await bot.running.services.members.get_by_telegram_id(second.id)
    assert member is not None and member.role is None


async def test_two_people_racing_for_one_invite(emulator: Emulator, bot: InProcessBot) -> None:
    _, code = await police_invite(bot.running.services.db)
    first, second = (
        emulator.user(11111, language_code="en"),
        emulator.user(11112, language_code="en"),
    )
    for user in (first, second):
        user.send_text(f"/start {code}")
        user.tap(await user.wait_for_message(), "✅ I agree")
        await user.wait_for_message()
    first.send_text("First Person")
    await first.wait_for_message()
    second.send_text("Second Person")
    assert (await second.wait_for_message()).plain.startswith(
        "This invitation has just been used up or has expired."
    )
    roles = await bot.running.services.db.fetchall(
        "SELECT telegram_user_id FROM members WHERE role = 'police'"
    )
    assert [r[0] for r in roles] == [first.id]


async def test_expired_invite_is_refused(emulator: Emulator, clocked_bot: InProcessBot) -> None:
    _, code = await police_invite(clocked_bot.running.services.db, days=1)
    clocked_bot.manual_clock().advance(timedelta(days=30))  # the invite was made by wall clock
    user = emulator.user(11121, language_code="en")
    user.send_text(f"/start {code}")
    assert INVALID in (await user.wait_for_message()).plain


async def test_guessing_is_stopped_after_five_wrong_codes(
    emulator: Emulator, bot: InProcessBot
) -> None:
    _, code = await police_invite(bot.running.services.db)
    guesser = emulator.user(11131, language_code="en")
    for n in range(FAILURES_PER_HOUR):
        guesser.send_text(f"/start guess{n}")
        assert INVALID in (await guesser.wait_for_message()).plain
    guesser.send_text(f"/start {code}")  # even the right code is refused for now
    assert (await guesser.wait_for_message()).plain == (
        "Too many invalid invitation codes. Please try again in an hour."
    )
    member = await bot.running.services.members.get_by_telegram_id(guesser.id)
    assert member is not None and member.role is None


async def test_declining_keeps_the_invite_and_admits_nobody(
    emulator: Emulator, bot: InProcessBot
) -> None:
    _, code = await police_invite(bot.running.services.db)
    user = emulator.user(11141, language_code="de")
    user.send_text(f"/start {code}")
    user.tap(await user.wait_for_message(), "Ich bin nicht einverstanden")
    assert (
        "Ohne Ihre Einwilligung ist ein Beitritt nicht möglich."
        in (await user.wait_for_message()).plain
    )
    services = bot.running.services
    assert await services.db.fetchall("SELECT * FROM consents") == []
    assert await services.db.fetchall("SELECT * FROM onboarding_drafts") == []
    await join(user, bot, code, "✅ Ich bin einverstanden", "Later Yes")  # the link still works
    member = await services.members.get_by_telegram_id(user.id)
    assert member is not None and member.status == "active"


async def test_wrong_input_during_onboarding(emulator: Emulator, bot: InProcessBot) -> None:
    _, code = await police_invite(bot.running.services.db)
    user = emulator.user(11151, language_code="en")
    user.send_text(f"/start {code}")
    notice = await user.wait_for_message()
    user.send_text("yes")
    reminder = await user.wait_for_message()
    assert reminder.plain.startswith("Please read the privacy notice above")
    user.tap(reminder, "✅ I agree")
    await user.wait_for_message()
    user.send_sticker()
    assert (await user.wait_for_message()).plain == "Please send your name as a text message."
    user.send_text("x")
    assert (await user.wait_for_message()).plain == "Please send a name of 2 to 100 characters."
    user.send_text("y" * 5000)
    assert (await user.wait_for_message()).plain == "Please send a name of 2 to 100 characters."
    user.tap(notice, "✅ I agree")  # the old notice's button, after consent was given
    await bot.settled()
    user.send_text("<b>Real</b> Name")
    welcome = await user.wait_for_message()
    assert welcome.plain.startswith("Welcome, <b>Real</b> Name!")  # shown, not interpreted


async def test_onboarding_interrupted_by_sigkill_resumes(emulator: Emulator, db_path: Path) -> None:
    db = await Database.open(db_path)
    _, code = await police_invite(db)
    await db.close()
    child = ChildBot(emulator, db_path).start()
    try:
        user = emulator.user(11161, language_code="tr")
        user.send_text(f"/start {code}")
        user.tap(await user.wait_for_message(timeout=20), "✅ Kabul ediyorum")
        await user.wait_for_message(timeout=10)

        async def state_saved() -> bool:
            probe = await Database.open(db_path)
            rows = await probe.fetchall("SELECT state FROM conversation_states")
            await probe.close()
            return [r[0] for r in rows] == ['"name"']

        await eventually(state_saved, what="the onboarding state to be saved")
        child.kill()
        child = ChildBot(emulator, db_path).start()
        user.send_text("Ayşe Demir")
        assert (await user.wait_for_message(timeout=20)).plain == WELCOME["tr"]
    finally:
        child.terminate()
