"""Fictional demo data for the sandbox: every flow reachable as soon as the bot starts.

``seed`` fills a database through the same repository steps the bot's own flows use (an
invitation used by each member, the privacy notice agreed to, drafts published by staff, a
check-in round opened by staff), so the data is what the bot would hold had people done it
in the chat. Everything is invented: organisations say "(fiktiv)", events "(Demo)", e-mail
addresses end in ``.example``.

What it holds:
- one staff member (Jana Beispiel) and, in North Rhine-Westphalia, Berlin and Hesse, one
  police contact and one or two community representatives each, in five app languages;
  each police contact is the only one available in their Bundesland, so a community
  representative's request for a contact there reaches that persona first;
- three upcoming published events: the annual colloquium, a dialogue platform in NRW with one
  seat left of ten (nine taken by extra members who are not personas) and an online workshop
  with one sign-up question;
- a funded project of the Berlin NGO whose two representatives (personas) answer for it, and
  an open quarterly check-in round with the shipped questionnaire.

Decisions:
- The extra members (ids from EXTRA_FIRST_ID) only fill seats: they are snoozed for a year, so
  no introduction is ever offered to someone nobody plays, and they belong to no project.
- Seeding again is harmless: a database that holds the demo (its ``demo.seed`` audit row, the
  last thing written) is left as it is, visitors' changes included, and the personas are
  returned. A database holding anything else (members with a role, or any audited action) is
  refused with SeedRefused: the demo must never mix with real data.
- A new file is filled beside ``db_path`` and moved into place when complete, so an interrupted
  seed never leaves a half-filled database that a second run would refuse.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.checkin_calendar import timeline
from bot.privacy import PrivacyNotice
from handlers.event_draft_view import Step
from handlers.labels import ORGANISATION_TYPE_LABELS, REGION_LABELS
from storage.audit import AuditRepository
from storage.checkins import CheckinRepository
from storage.consents import ConsentRepository
from storage.db import Database
from storage.events import Event, EventRepository
from storage.invites import InviteRepository
from storage.members import Member, MemberRepository
from storage.onboarding import OnboardingRepository
from storage.organisations import OrganisationRepository
from storage.profiles import ProfileRepository
from storage.projects import ProjectRepository
from storage.questionnaires import QuestionnaireRepository, parse
from storage.registrations import RegistrationRepository

__all__ = ["EXTRA_FIRST_ID", "PERSONAS", "SEED_ACTION", "Persona", "SeedRefused", "seed"]

SEED_ACTION = "demo.seed"  # the audit row written last: this database holds the demo
EXTRA_FIRST_ID = 100101
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Persona:
    telegram_user_id: int
    first_name: str
    last_name: str
    language_code: str  # the Telegram app language of this persona
    description: str  # for the persona picker (English, like the page)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class SeedRefused(Exception):
    """The database holds data that is not the demo; nothing was written."""


@dataclass(frozen=True)
class _Organisation:
    name: str
    type: str
    region: str


ORGANISATIONS = {
    "nw_mosque": _Organisation(
        "Moscheegemeinde Beispielstadt (fiktiv)", "mosque_association", "DE-NW"
    ),
    "nw_umbrella": _Organisation(
        "Islamischer Dachverband Musterland (fiktiv)", "umbrella_organisation", "DE-NW"
    ),
    "nw_police": _Organisation("Polizeipräsidium Musterstadt (fiktiv)", "police", "DE-NW"),
    "be_ngo": _Organisation("Muslimische Jugend Musterkiez e. V. (fiktiv)", "muslim_ngo", "DE-BE"),
    "be_police": _Organisation(
        "Polizei Berlin, Abschnitt Beispielkiez (fiktiv)", "police", "DE-BE"
    ),
    "he_mosque": _Organisation(
        "Islamische Gemeinde Beispielhausen (fiktiv)", "mosque_association", "DE-HE"
    ),
    "he_police": _Organisation("Polizeipräsidium Beispielhessen (fiktiv)", "police", "DE-HE"),
}


@dataclass(frozen=True)
class _Member:
    persona: Persona
    role: str
    organisation: str  # a key of ORGANISATIONS
    email: str | None = None  # shared in introductions
    project_partner: bool = False


def _described(role: str, organisation: str, note: str = "") -> str:
    where = ORGANISATIONS[organisation]
    parts = [
        {"police": "Police contact", "community": "Community representative"}[role],
        REGION_LABELS[where.region],
    ]
    if role == "community":
        parts.append(ORGANISATION_TYPE_LABELS[where.type])
    if note:
        parts.append(note)
    return " · ".join(parts)


def _member(
    telegram_user_id: int,
    first_name: str,
    last_name: str,
    language: str,
    role: str,
    organisation: str,
    *,
    email: str | None = None,
    project_partner: bool = False,
) -> _Member:
    note = "project partner (check-in open)" if project_partner else ""
    persona = Persona(
        telegram_user_id,
        first_name,
        last_name,
        language,
        _described(role, organisation, note),
    )
    return _Member(persona, role, organisation, email, project_partner)


STAFF = Persona(100001, "Jana", "Beispiel", "de", "Staff · network team")
PROJECT_PARTNERS_ORGANISATION = "be_ngo"
MEMBERS = (
    _member(100002, "Markus", "Muster", "de", "police", "nw_police",
            email="markus.muster@polizei-musterstadt.example"),
    _member(100003, "Ahmet", "Yılmaz", "tr", "community", "nw_mosque"),
    _member(100004, "Daniel", "Sample", "en", "police", "be_police",
            email="daniel.sample@polizei-berlin.example"),
    _member(100005, "Amina", "Mustermann", "en", "community", "be_ngo",
            email="amina@musterkiez.example", project_partner=True),
    _member(100006, "Fatima", "Haddad", "ar", "community", "be_ngo", project_partner=True),
    _member(100007, "Lena", "Probe", "de", "police", "he_police",
            email="lena.probe@polizei-beispielhessen.example"),
    _member(100008, "Samira", "Benali", "fr", "community", "he_mosque"),
)  # fmt: skip
PERSONAS = (STAFF, *(m.persona for m in MEMBERS))

# Members nobody plays, holding nine of the ten seats at the dialogue platform.
EXTRAS = (
    ("Erik Beispiel", "police", "nw_police"),
    ("Selin Muster", "community", "nw_mosque"),
    ("Hasan Probe", "community", "nw_umbrella"),
    ("Kerstin Exempel", "police", "nw_police"),
    ("Murat Muster", "community", "nw_umbrella"),
    ("Nadia Beispiel", "community", "nw_mosque"),
    ("Peter Probe", "police", "nw_police"),
    ("Zeynep Exempel", "community", "nw_umbrella"),
    ("Omar Muster", "police", "nw_police"),
)
PLATFORM_CAPACITY = 10
assert len(EXTRAS) == PLATFORM_CAPACITY - 1


def can_default_to(language: str) -> bool:
    """Whether every demo event has a text in ``language`` (a bot's default language must)."""
    return all(language in texts for texts in (_COLLOQUIUM, _PLATFORM, _WORKSHOP))


async def seed(
    db_path: Path,
    now: datetime,
    *,
    timezone: ZoneInfo = BERLIN,
    default_language: str = "de",
) -> list[Persona]:
    """Fill a fresh database (it may not exist yet; Database.open migrates) with fictional demo
    data; return the personas the page lists, staff first.

    ``timezone`` and ``default_language`` should be the bot's (KOSIZU_TIMEZONE,
    KOSIZU_DEFAULT_LANGUAGE): events start at local hours, the check-in round's dates are
    local days, and events are published with a text in the default language (the demo has
    German and English). A database that holds the demo already is left as it is; one with
    other data raises SeedRefused."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if not can_default_to(default_language):
        raise ValueError("the demo's events have texts in German and English only")
    scratch = await asyncio.to_thread(_scratch_for, db_path)
    if scratch is None:
        db = await Database.open(db_path)
        try:
            if not await _holds_demo(db):
                await _fill(db, now, timezone, default_language)
        finally:
            await db.close()
        return list(PERSONAS)
    db = await Database.open(scratch)
    try:
        await _fill(db, now, timezone, default_language)
    finally:
        await db.close()
    await asyncio.to_thread(_move_into_place, scratch, db_path)
    return list(PERSONAS)


def _journals(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def _scratch_for(db_path: Path) -> Path | None:
    """Where to fill a new database (cleared of an interrupted attempt); None when
    ``db_path`` exists already."""
    if db_path.exists():
        return None
    scratch = db_path.with_name(db_path.name + ".seeding")
    for leftover in (scratch, *_journals(scratch)):
        leftover.unlink(missing_ok=True)
    return scratch


def _move_into_place(scratch: Path, db_path: Path) -> None:
    # Closing the last connection checkpoints the write-ahead log into the file; were it
    # still there, moving the file alone would lose data.
    if any(journal.exists() for journal in _journals(scratch)):
        raise RuntimeError(f"{scratch} still has a write-ahead log after closing")
    os.replace(scratch, db_path)


async def _holds_demo(db: Database) -> bool:
    """True for the demo; False for an empty database; SeedRefused for anything else."""
    audit = AuditRepository(db)
    if await audit.entries(SEED_ACTION):
        return True
    if await audit.entries() or await MemberRepository(db).count_by_role_and_status():
        raise SeedRefused("the database holds data that is not the demo; seed a new file instead")
    return False


@dataclass
class _Seeder:
    db: Database
    now: datetime
    tz: ZoneInfo
    default_language: str
    notice_version: str
    staff_id: int = 0
    organisation_ids: dict[str, int] = field(default_factory=dict)

    def local(self, days: int, hour: int, minute: int = 0) -> datetime:
        """``days`` after today at a local wall-clock time, as UTC."""
        day = self.now.astimezone(self.tz).date() + timedelta(days=days)
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz).astimezone(UTC)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    async def staff(self) -> Member:
        """Made like `kosizu add-staff`, then agreeing to the notice and naming herself."""
        members = MemberRepository(self.db)
        await members.seen(STAFF.telegram_user_id, self.now, STAFF.language_code)
        member, _ = await members.make_staff(STAFF.telegram_user_id, self.now)
        await ConsentRepository(self.db).give(member.id, self.notice_version, self.now)
        await ProfileRepository(self.db).set_name(member.id, STAFF.name)
        self.staff_id = member.id
        return member

    async def organisations(self) -> None:
        repo = OrganisationRepository(self.db)
        for key, o in ORGANISATIONS.items():
            added = await repo.add(o.name, o.type, o.region, self.now, actor_id=self.staff_id)
            self.organisation_ids[key] = added.id

    async def join(
        self, telegram_user_id: int, role: str, organisation: str, name: str, language: str
    ) -> int:
        """The storage steps of joining with an invitation from staff; the member's id."""
        members, onboarding = MemberRepository(self.db), OnboardingRepository(self.db)
        await members.seen(telegram_user_id, self.now, language)
        invite, _ = await InviteRepository(self.db).create(
            role, self.organisation_ids[organisation], 7, 1, self.now, created_by=self.staff_id
        )
        await onboarding.start(telegram_user_id, invite.id, self.now)
        await onboarding.agree(telegram_user_id, self.notice_version)
        draft = await onboarding.get(telegram_user_id)
        assert draft is not None
        assert await onboarding.admit(draft, name, self.now) == role
        member = await members.get_by_telegram_id(telegram_user_id)
        assert member is not None
        # Chosen in /profile: the region they work in (matching would fall back to the
        # organisation's Bundesland anyway, but the profile shows it this way).
        await ProfileRepository(self.db).toggle_region(
            member.id, ORGANISATIONS[organisation].region
        )
        return member.id

    async def event(
        self,
        kind: str,
        texts: dict[str, tuple[str, str]],
        fields: dict[str, str | int | datetime | None],
        *,
        not_for: tuple[str, ...] = (),
        question: tuple[str, dict[str, str]] | None = None,
    ) -> Event:
        """Drafted and published by staff. The draft is written whole, so every answer is
        saved with the preview as its step (the conversation's steps in between only matter
        while someone is typing)."""
        repo = EventRepository(self.db)
        draft = await repo.start_draft(self.staff_id, kind, self.now, step=Step.TITLE)
        assert draft is not None
        event_id = draft.event.id
        for language, (title, description) in texts.items():
            assert await repo.set_draft_title(
                event_id, language, title, self.now, step=Step.PREVIEW
            )
            assert await repo.set_draft_description(
                event_id, language, description, self.now, step=Step.PREVIEW
            )
        assert await repo.save_draft(event_id, self.now, step=Step.PREVIEW, fields=fields)
        for role in not_for:
            assert await repo.toggle_draft_audience(event_id, role, self.now)
        if question is not None:
            kind_, prompt = question
            question_id = await repo.add_draft_question(
                event_id, kind_, prompt, self.now, step=Step.PREVIEW
            )
            assert question_id is not None
            assert await repo.set_draft_question(
                event_id, question_id, self.now, step=Step.PREVIEW, sensitive=False
            )
        return await repo.publish(event_id, self.staff_id, self.now, self.default_language)

    async def sign_up(self, event: Event, member_id: int, role: str) -> None:
        decision = await RegistrationRepository(self.db).sign_up(
            event.id, member_id, event.seat_for(role), self.now
        )
        assert decision.registration is not None
        assert decision.registration.state == "confirmed", decision


async def _fill(db: Database, now: datetime, tz: ZoneInfo, default_language: str) -> None:
    s = _Seeder(db, now, tz, default_language, PrivacyNotice.load().version)
    await s.staff()
    await s.organisations()
    profiles = ProfileRepository(db)

    ids: dict[int, int] = {}
    for m in MEMBERS:
        p = m.persona
        ids[p.telegram_user_id] = await s.join(
            p.telegram_user_id, m.role, m.organisation, p.name, p.language_code
        )
        if m.email is not None:
            await profiles.set_email(ids[p.telegram_user_id], m.email)
            assert await profiles.set_share(ids[p.telegram_user_id], "email", True)

    extras: list[tuple[int, str]] = []
    for n, (name, role, organisation) in enumerate(EXTRAS):
        member_id = await s.join(EXTRA_FIRST_ID + n, role, organisation, name, "de")
        await profiles.snooze(member_id, s.today + timedelta(days=365))
        extras.append((member_id, role))

    colloquium = await s.event(
        "colloquium",
        _COLLOQUIUM,
        {
            "starts_at": s.local(45, 10),
            "ends_at": s.local(46, 16),
            "venue": "Tagungszentrum am Musterplatz (fiktiv), Musterplatz 1, 10117 Berlin",
            "region": "DE",
            "capacity": 150,
            "registration_deadline": s.local(31, 23, 59),
        },
    )
    platform = await s.event(
        "dialogue_platform",
        _PLATFORM,
        {
            "starts_at": s.local(16, 10),
            "ends_at": s.local(16, 15),
            "venue": "Rathaus Musterstadt (fiktiv), Saal 2",
            "region": "DE-NW",
            "capacity": PLATFORM_CAPACITY,
            "registration_deadline": s.local(13, 23, 59),
        },
        not_for=("staff",),
    )
    await s.event(
        "workshop",
        _WORKSHOP,
        {
            "starts_at": s.local(9, 17),
            "ends_at": s.local(9, 19),
            "online_url": "https://meet.example.org/kosizu-demo-workshop",
            "region": "DE",
            "capacity": 25,
            "registration_deadline": s.local(8, 12),
        },
        question=("yes_no", _WORKSHOP_QUESTION),
    )
    for member_id, role in extras:
        await s.sign_up(platform, member_id, role)
        await s.sign_up(colloquium, member_id, role)

    source = (resources.files("bot") / "questionnaires" / "default.toml").read_text("utf-8")
    await QuestionnaireRepository(db).store(
        parse(source, default_language), source, now, actor_id=s.staff_id
    )
    projects = ProjectRepository(db)
    project = await projects.create(
        "Jugend im Dialog (Demo)",
        s.organisation_ids[PROJECT_PARTNERS_ORGANISATION],
        s.today - timedelta(days=200),
        s.today + timedelta(days=530),
        now,
        actor_id=s.staff_id,
    )
    for m in MEMBERS:
        if m.project_partner:
            await projects.add_member(
                project.id, ids[m.persona.telegram_user_id], now, actor_id=s.staff_id
            )
    # Opened by staff now, as "Open a round now" does; the bot's check-in job prompts the
    # partners within seconds of starting.
    await CheckinRepository(db).open_round(now, timeline(now, tz).moments, opened_by=s.staff_id)
    await AuditRepository(db).log(now, SEED_ACTION, detail=f"personas={len(PERSONAS)}")


# Staff-written texts: German (the default language) and English always; the colloquium in
# all five languages, the others fall back to German for Turkish, French and Arabic readers.
_COLLOQUIUM = {
    "de": (
        "Jahreskolloquium des Netzwerks (Demo)",
        "Zwei Tage Austausch zwischen Moscheegemeinden, muslimischen Organisationen und "
        "Polizei: Vorträge, Arbeitsgruppen und ein Markt der geförderten Projekte. "
        "Eine erfundene Veranstaltung für die Sandbox.",
    ),
    "en": (
        "Annual colloquium of the network (demo)",
        "Two days of exchange between mosque communities, Muslim organisations and the "
        "police: talks, working groups and a market of the funded projects. "
        "An invented event for the sandbox.",
    ),
    "fr": (
        "Colloque annuel du réseau (démo)",
        "Deux jours d’échanges entre communautés de mosquées, organisations musulmanes et "
        "police : conférences, groupes de travail et présentation des projets financés. "
        "Un événement fictif pour le bac à sable.",
    ),
    "tr": (
        "Ağın yıllık kolokyumu (demo)",
        "Cami dernekleri, Müslüman kuruluşlar ve polis arasında iki günlük fikir alışverişi: "
        "sunumlar, çalışma grupları ve desteklenen projelerin tanıtımı. "
        "Sandbox için uydurulmuş bir etkinlik.",
    ),
    "ar": (
        "الملتقى السنوي للشبكة (تجريبي)",
        "يومان من تبادل الآراء بين جمعيات المساجد والمنظمات الإسلامية والشرطة: محاضرات "
        "ومجموعات عمل وعرض للمشاريع المموّلة. فعالية خيالية لبيئة التجربة.",
    ),
}
_PLATFORM = {
    "de": (
        "Dialogplattform NRW: Moscheegemeinden und Polizei im Gespräch (Demo)",
        "Ein Tag im kleinen Kreis: Sicherheit bei Gemeindefesten, Ansprechpersonen vor Ort "
        "und was beide Seiten voneinander erwarten. Erfunden für die Sandbox.",
    ),
    "en": (
        "Dialogue platform NRW: mosque communities and police in conversation (demo)",
        "A day in a small group: safety at community festivals, local contacts and what "
        "each side expects of the other. Invented for the sandbox.",
    ),
}
_WORKSHOP = {
    "de": (
        "Workshop: Sicherheitskonzepte für Moscheegemeinden (Demo)",
        "Online-Workshop mit Übungen: Wie erstellt eine Gemeinde ein einfaches "
        "Sicherheitskonzept? Erfunden für die Sandbox.",
    ),
    "en": (
        "Workshop: security concepts for mosque communities (demo)",
        "Online workshop with exercises: how does a community draw up a simple security "
        "concept? Invented for the sandbox.",
    ),
}
_WORKSHOP_QUESTION = {
    "de": "Möchten Sie die Folien nach dem Workshop per E-Mail erhalten?",
    "en": "Would you like to receive the slides by e-mail after the workshop?",
}
