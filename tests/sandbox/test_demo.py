"""The sandbox's demo data as a visitor meets it: the real bot started on a freshly seeded
database, each persona played in the emulator in their own language. Seeding again is
harmless for the demo and refused for any other database."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Catalogs, Translator
from handlers.labels import TOPIC_LABELS
from sandbox.chats import SimUser
from sandbox.demo import EXTRA_FIRST_ID, PERSONAS, SEED_ACTION, Persona, SeedRefused, seed
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.audit import AuditRepository
from storage.db import Database
from storage.events import EventRepository
from storage.members import MemberRepository
from storage.organisations import OrganisationRepository
from tests.support.harness import InProcessBot

CATALOGS = Catalogs("de", ZoneInfo("Europe/Berlin"))
BY_NAME = {p.first_name: p for p in PERSONAS}
PROJECT = "Jugend im Dialog (Demo)"


@asynccontextmanager
async def demo(emulator: Emulator, db_path: Path) -> AsyncIterator[InProcessBot]:
    """The demo seeded now, and the real bot running on it."""
    await seed(db_path, datetime.now(UTC))
    bot = await InProcessBot(emulator, db_path).start()
    try:
        yield bot
    finally:
        await bot.stop()


def play(emulator: Emulator, persona: Persona) -> tuple[SimUser, Translator]:
    user = emulator.user(
        persona.telegram_user_id,
        persona.first_name,
        last_name=persona.last_name,
        language_code=persona.language_code,
    )
    return user, CATALOGS.get(persona.language_code)


async def next_where(user: SimUser, check: Callable[[BotMessage], bool]) -> BotMessage:
    """The next message that passes ``check``; others (the jobs' prompts) are passed over."""
    while True:
        message = await user.wait_for_message(timeout=10)
        if check(message):
            return message


def plain(text: str) -> str:
    """A translated message as the user sees it (without its HTML tags)."""
    return re.sub(r"<[^>]+>", "", text)


async def said(user: SimUser, fragment: str) -> BotMessage:
    return await next_where(user, lambda m: fragment in (m.plain or ""))


async def test_staff_persona_gets_the_staff_menu(emulator: Emulator, db_path: Path) -> None:
    assert PERSONAS[0].description == "Staff · network team"
    async with demo(emulator, db_path):
        jana, t = play(emulator, BY_NAME["Jana"])
        jana.send_text("/start")
        menu = await next_where(jana, lambda m: bool(m.button_labels))
        # No privacy notice first: she agreed to the current version.
        for label in ("🗓 Manage events", "👥 Members", "📁 Projects", "✉️ Invite"):
            assert t._(label) in menu.button_labels, label
        assert t._("📝 Apply to join") not in menu.button_labels


async def test_community_persona_sees_three_events_and_the_last_seat(
    emulator: Emulator, db_path: Path
) -> None:
    async with demo(emulator, db_path):
        amina, t = play(emulator, BY_NAME["Amina"])
        amina.send_text("/events")
        listing = await said(amina, plain(t._("<b>Upcoming events</b>")))
        entries = (listing.plain or "").split("\n\n")[1:]
        assert len(entries) == 3, listing.plain
        workshop, platform, colloquium = entries
        assert "Workshop: security concepts for mosque communities (demo)" in workshop
        assert "Dialogue platform NRW" in platform and "North Rhine-Westphalia" in platform
        assert "🎟 1 seat free for you" in platform
        assert "Annual colloquium of the network (demo)" in colloquium
        assert "🎟 141 seats free for you" in colloquium

        # Arabic: the colloquium has an Arabic text, the platform falls back to German.
        fatima, t_ar = play(emulator, BY_NAME["Fatima"])
        fatima.send_text("/events")
        arabic = (await said(fatima, plain(t_ar._("<b>Upcoming events</b>")))).plain or ""
        assert "الملتقى السنوي للشبكة (تجريبي)" in arabic
        assert "Dialogplattform NRW: Moscheegemeinden und Polizei im Gespräch (Demo)" in arabic


async def test_project_partner_is_prompted_and_starts_the_checkin(
    emulator: Emulator, db_path: Path
) -> None:
    async with demo(emulator, db_path):
        amina, t = play(emulator, BY_NAME["Amina"])
        fatima, t_ar = play(emulator, BY_NAME["Fatima"])
        # The round is open: she can answer before the job's prompt (within a minute) comes.
        amina.send_text("/checkin")
        answer = t._("📝 Answer: {project}").format(project=PROJECT)
        listing = await next_where(amina, lambda m: answer in m.button_labels)
        assert PROJECT in (listing.plain or "")
        amina.tap(listing, answer)
        question = await said(amina, "Question 1 of 8")
        assert "How many activities has your project carried out" in (question.plain or "")

        # Her colleague sees the same project, in Arabic, and who is answering it.
        fatima.send_text("/checkin")
        arabic = await said(fatima, PROJECT)
        assert t_ar._("in progress by {name}").format(name="Amina Mustermann") in (
            arabic.plain or ""
        )


async def test_community_persona_is_introduced_to_the_police_contact_of_their_region(
    emulator: Emulator, db_path: Path
) -> None:
    async with demo(emulator, db_path):
        amina, t = play(emulator, BY_NAME["Amina"])
        daniel, _ = play(emulator, BY_NAME["Daniel"])
        assert BY_NAME["Daniel"].description == "Police contact · Berlin"
        amina.send_text("/contact")
        topics = await said(amina, "Request a contact")
        amina.tap(topics, t._(TOPIC_LABELS["prevention"]))
        regions = await amina.wait_for_edit(topics)
        amina.tap(regions, "📍 Berlin")  # her own region comes first
        await amina.wait_for_edit(regions)
        amina.send_text("We would like to plan a prevention evening for young people.")
        preview = await next_where(amina, lambda m: "📨 Send" in m.button_labels)
        amina.tap(preview, "📨 Send")
        await said(amina, "📨 Your request is sent.")

        question = await next_where(daniel, lambda m: "✅ Accept" in m.button_labels)
        assert "Region: Berlin" in (question.plain or "")
        assert "Amina" not in (question.plain or "")  # nothing of her before he agrees
        daniel.tap(question, "✅ Accept")
        introduction = await said(amina, "🤝 Introduction")
        assert "Name: Daniel Sample" in (introduction.plain or "")
        assert "E-mail: daniel.sample@polizei-berlin.example" in (introduction.plain or "")
        to_daniel = await said(daniel, "🤝 Introduction")
        assert "Name: Amina Mustermann" in (to_daniel.plain or "")


async def test_personas_are_distinct_fictional_and_in_five_languages(db_path: Path) -> None:
    personas = await seed(db_path, datetime.now(UTC))
    assert personas == list(PERSONAS)
    ids = [p.telegram_user_id for p in personas]
    assert ids == list(range(100001, 100001 + len(ids)))
    assert max(ids) < EXTRA_FIRST_ID
    assert {p.language_code for p in personas} == {"de", "en", "fr", "tr", "ar"}
    assert sum(1 for p in personas if p.description.startswith("Police contact")) == 3
    assert [f.name for f in db_path.parent.iterdir()] == [db_path.name]  # no scratch left
    db = await Database.open(db_path)
    try:
        organisations = await OrganisationRepository(db).all()
        assert organisations and all(o.name.endswith("(fiktiv)") for o in organisations)
        assert {o.bundesland for o in organisations} == {"DE-NW", "DE-BE", "DE-HE"}
        members = MemberRepository(db)
        staff = await members.get_by_telegram_id(100001)
        assert staff is not None and staff.is_active_staff
        assert staff.consent_version is not None
        extra = await members.get_by_telegram_id(EXTRA_FIRST_ID)
        assert extra is not None and extra.is_active and extra.snoozed_until is not None
        events, total = await EventRepository(db).upcoming("community", datetime.now(UTC), limit=9)
        assert total == 3
        assert all({"de", "en"} <= set(e.texts) for e in events)
    finally:
        await db.close()


async def test_seeding_again_is_harmless_and_other_data_is_refused(tmp_path: Path) -> None:
    demo_path = tmp_path / "demo.sqlite3"
    await seed(demo_path, datetime.now(UTC))
    before = await _counts(demo_path)
    assert await seed(demo_path, datetime.now(UTC)) == list(PERSONAS)
    assert await _counts(demo_path) == before
    assert before[0] == 1  # one demo.seed row

    # An existing database that is still empty (created by a start of the bot) is filled.
    empty = tmp_path / "empty.sqlite3"
    db = await Database.open(empty)
    await db.close()
    await seed(empty, datetime.now(UTC))
    assert await _counts(empty) == before

    # Real data is never mixed with the demo.
    other = tmp_path / "other.sqlite3"
    db = await Database.open(other)
    try:
        await OrganisationRepository(db).add(
            "Echter Verein", "mosque_association", "DE-BE", datetime.now(UTC), actor_id=None
        )
    finally:
        await db.close()
    with pytest.raises(SeedRefused):
        await seed(other, datetime.now(UTC))
    db = await Database.open(other)
    try:
        assert len(await OrganisationRepository(db).all()) == 1
        assert await MemberRepository(db).count_by_role_and_status() == {}
    finally:
        await db.close()


async def _counts(path: Path) -> tuple[int, int, dict[tuple[str | None, str], int]]:
    db = await Database.open(path)
    try:
        audit = AuditRepository(db)
        return (
            len(await audit.entries(SEED_ACTION)),
            len(await audit.entries()),
            await MemberRepository(db).count_by_role_and_status(),
        )
    finally:
        await db.close()
