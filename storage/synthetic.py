"""A synthetic network for benchmarks: members, organisations, a year of events, contact
requests and quarterly check-ins, shaped like the rows the bot's own repositories write.

Not for production databases: ``fill`` refuses a database that already holds members. It
writes with ``executemany`` in one transaction per area (members, events, contacts,
check-ins), so 100 000 members take seconds, and every row passes the schema's checks and
foreign keys. The same seed and ``now`` give the same data.

Everything happens before ``now``: members joined over the last two years (more of them
recently, as a network grows), events ran over the last year (a few are still ahead),
contact requests were sent over the last year, and the last four quarterly check-in rounds
opened on the second Monday of January, April, July and October.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from storage.db import Database
from storage.questionnaires import QuestionnaireRepository, QuestionnaireVersion, parse
from storage.timefmt import to_db

BERLIN = ZoneInfo("Europe/Berlin")
NATIONWIDE = "DE"
# Share of the population per Bundesland: where members and organisations are.
LAENDER: dict[str, float] = {
    "DE-NW": 21.5, "DE-BY": 15.8, "DE-BW": 13.4, "DE-NI": 9.6, "DE-HE": 7.6, "DE-RP": 4.9,
    "DE-SN": 4.8, "DE-BE": 4.4, "DE-SH": 3.5, "DE-BB": 3.0, "DE-ST": 2.6, "DE-TH": 2.5,
    "DE-HH": 2.2, "DE-MV": 1.9, "DE-SL": 1.2, "DE-HB": 0.8,
}  # fmt: skip
CITIES: dict[str, tuple[str, ...]] = {
    "DE-NW": ("Köln", "Düsseldorf", "Dortmund", "Essen", "Duisburg", "Bielefeld"),
    "DE-BY": ("München", "Nürnberg", "Augsburg", "Regensburg"),
    "DE-BW": ("Stuttgart", "Mannheim", "Karlsruhe", "Freiburg"),
    "DE-NI": ("Hannover", "Braunschweig", "Osnabrück", "Oldenburg"),
    "DE-HE": ("Frankfurt am Main", "Wiesbaden", "Kassel", "Offenbach"),
    "DE-RP": ("Mainz", "Ludwigshafen", "Koblenz"),
    "DE-SN": ("Leipzig", "Dresden", "Chemnitz"),
    "DE-BE": ("Berlin",),
    "DE-SH": ("Kiel", "Lübeck", "Neumünster"),
    "DE-BB": ("Potsdam", "Cottbus", "Frankfurt (Oder)"),
    "DE-ST": ("Magdeburg", "Halle (Saale)"),
    "DE-TH": ("Erfurt", "Jena", "Gera"),
    "DE-HH": ("Hamburg",),
    "DE-MV": ("Rostock", "Schwerin"),
    "DE-SL": ("Saarbrücken",),
    "DE-HB": ("Bremen", "Bremerhaven"),
}
LANGUAGES = {"de": 60, "tr": 18, "ar": 12, "en": 8, "fr": 2}
TOPICS = {
    "mosque_security": 30, "anti_muslim_incident": 20, "prevention": 20,
    "dialogue_planning": 15, "network_team": 8, "other": 7,
}  # fmt: skip
PROFILE_TOPICS = ("mosque_security", "anti_muslim_incident", "prevention", "dialogue_planning")
COMMUNITY_TYPES = {"mosque_association": 65, "muslim_ngo": 25, "umbrella_organisation": 10}
COMMUNITY_NAMES = {
    "mosque_association": ("Moscheeverein", "Islamische Gemeinde", "Moscheegemeinde"),
    "muslim_ngo": ("Muslimischer Jugendverein", "Muslimische Fraueninitiative", "Hilfsverein"),
    "umbrella_organisation": ("Islamischer Landesverband", "Rat der Muslime"),
}
FIRST_NAMES = (
    "Ahmet", "Aylin", "Fatma", "Mehmet", "Yusuf", "Leyla", "Omar", "Amina", "Hasan", "Zeynep",
    "Karim", "Samira", "Thomas", "Julia", "Michael", "Sabine", "Stefan", "Anna", "Markus",
    "Katrin", "Jonas", "Lena", "Ibrahim", "Mariam", "Ali", "Nadia", "Emre", "Selin",
)  # fmt: skip
LAST_NAMES = (
    "Yilmaz", "Kaya", "Demir", "Şahin", "Çelik", "Haddad", "Nasser", "Rahman", "Müller",
    "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann",
    "Aydın", "Öztürk", "Khan", "Hussein", "Schulz", "Koch", "Richter",
)  # fmt: skip
MESSAGES = (
    "Wir planen ein Gemeindefest und möchten die Sicherheitslage besprechen.",
    "Nach Schmierereien an unserer Moschee suchen wir einen Ansprechpartner.",
    "Wir möchten einen Präventionsworkshop für Jugendliche organisieren.",
    "Für einen Tag der offenen Moschee suchen wir Kontakt zur örtlichen Polizei.",
    "We would like to plan a dialogue evening with our neighbourhood police station.",
)
CHECKIN_TEXTS = {
    "activities_description": (
        "Zwei Dialogabende mit der Polizeiinspektion und ein Jugendworkshop.",
        "Ein Tag der offenen Moschee mit Besuch der Kontaktbeamtin.",
        "Schulungen zur Gebäudesicherheit für den Vorstand.",
    ),
    "obstacles": (
        "Keine.",
        "Wenig Zeit der Ehrenamtlichen.",
        "Raumsuche für größere Veranstaltungen schwierig.",
        "Wechsel des Ansprechpartners bei der Polizei.",
    ),
    "support_needed": (
        "Hilfe bei der Suche nach Referenten.",
        "Übersetzung der Einladungen ins Arabische.",
        "Ein Kontakt zum Landeskriminalamt.",
    ),
    "next_quarter_plans": (
        "Fortsetzung der Dialogreihe.",
        "Ein gemeinsames Fußballturnier mit der Polizei.",
        "Planung des Gemeindefests.",
    ),
    "meeting_topics": ("Sicherheit bei Großveranstaltungen.", "Erfahrungen mit Hassmails."),
}
# What fill() writes, in an order that inserts every referenced row before its references.
TABLES = (
    "organisations", "members", "member_regions", "member_topics", "consents", "invites",
    "applications", "events", "event_texts", "event_questions", "registrations",
    "registration_answers", "event_feedback", "contact_requests", "contact_candidates",
    "contact_followups", "contact_relays", "do_not_introduce", "questionnaire_versions",
    "projects", "project_members", "checkin_rounds", "checkin_projects", "checkin_answers",
    "checkin_prompts", "checkin_followups", "audit_log",
)  # fmt: skip
NOTICE_VERSION = "synthetic"
STAFF = 50
EVENTS = 120
ROUNDS = 4  # the last four quarterly check-in rounds
MEMBERS_PER_PROJECT = 1_700


@dataclass(slots=True)
class _Member:
    id: int
    telegram_user_id: int
    role: str | None
    status: str | None
    region: str
    organisation_id: int | None
    organisation_type: str | None
    created: datetime
    admitted: datetime | None  # None: no place in the network (yet)


@dataclass
class _Table:
    sql: str
    rows: list[tuple[Any, ...]] = field(default_factory=list)


class _Tables:
    """The rows to insert, per table, in the order the foreign keys need."""

    def __init__(self) -> None:
        self.tables: dict[tuple[str, str], _Table] = {}

    def add(self, table: str, columns: str, row: tuple[Any, ...]) -> None:
        key = (table, columns)
        if key not in self.tables:
            marks = ", ".join("?" for _ in columns.split(","))
            self.tables[key] = _Table(f"INSERT INTO {table} ({columns}) VALUES ({marks})")
        self.tables[key].rows.append(row)

    def count(self, table: str) -> int:
        return sum(len(t.rows) for (name, _), t in self.tables.items() if name == table)


async def fill(
    db: Database,
    *,
    members: int = 100_000,
    now: datetime,
    seed: int = 1,
    default_language: str = "de",
) -> dict[str, int]:
    """Fill an empty database with a network of ``members`` people and its last year;
    returns the number of rows per table written."""
    if now.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware one")
    if members < 100:
        raise ValueError("at least 100 members, so every role and region has some")
    row = await db.fetchone("SELECT count(*) FROM members")
    if row is not None and row[0]:
        raise ValueError("fill() makes a network from scratch: the database holds members")
    source = (resources.files("bot") / "questionnaires" / "default.toml").read_text("utf-8")
    version, _ = await QuestionnaireRepository(db).store(
        parse(source, default_language), source, now - timedelta(days=400), actor_id=None
    )
    builder = _Builder(random.Random(seed), now, members, default_language, version)
    for area in (builder.people(), builder.events(), builder.contacts(), builder.checkins()):
        async with db.transaction() as tx:
            # Referenced tables first: the foreign keys are checked row by row.
            for key in sorted(area.tables, key=lambda key: TABLES.index(key[0])):
                await tx.executemany(area.tables[key].sql, area.tables[key].rows)
    counts: dict[str, int] = {}
    for name in TABLES:
        counted = await db.fetchone(f"SELECT count(*) FROM {name}")
        assert counted is not None
        counts[name] = int(counted[0])
    return counts


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN).astimezone(UTC)


class _Builder:
    def __init__(
        self,
        rng: random.Random,
        now: datetime,
        members: int,
        default_language: str,
        version: QuestionnaireVersion,
    ) -> None:
        self.rng = rng
        self.now = now.astimezone(UTC)
        self.size = members
        self.default_language = default_language
        self.version = version
        self.members: list[_Member] = []
        self.staff: list[int] = []
        # Active members by (role, region), the pools events and introductions draw from.
        self.active: dict[tuple[str, str], list[_Member]] = {}
        self.by_organisation: dict[int, list[_Member]] = {}
        self.organisations: dict[str, list[tuple[int, str]]] = {}  # region -> community orgs
        self.police_units: dict[str, list[int]] = {}
        self.events_held: list[tuple[int, datetime]] = []  # quarterly meetings: id, start

    # ------------------------------------------------------------ helpers

    def pick(self, weights: dict[str, float] | dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def between(self, start: datetime, end: datetime) -> datetime:
        if end <= start:
            return start
        return start + (end - start) * self.rng.random()

    def before_now(self, moment: datetime) -> datetime:
        return min(moment, self.now - timedelta(seconds=1))

    # ------------------------------------------------------------ members

    def people(self) -> _Tables:
        out = _Tables()
        rng, now = self.rng, self.now
        stamp = to_db(now - timedelta(days=760))
        network_team = 1
        out.add(
            "organisations",
            "id, name, type, bundesland, created_at, updated_at",
            (network_team, "Netzwerkteam KoSiZu", "public_body", NATIONWIDE, stamp, stamp),
        )
        police_n = round(self.size * 0.25)
        staff_n = min(STAFF, max(3, self.size // 200))
        visitors = self.size // 100  # wrote to the bot, never joined
        pending = self.size // 70  # applied, waiting for staff
        rejected = self.size // 400
        community_n = self.size - police_n - staff_n - visitors - pending - rejected
        next_org = network_team + 1
        for region, weight in LAENDER.items():
            share = weight / 100
            for n in range(max(2, round(community_n * share / 25))):
                kind = self.pick(COMMUNITY_TYPES)
                city = rng.choice(CITIES[region])
                name = f"{rng.choice(COMMUNITY_NAMES[kind])} {city} {n + 1}"
                out.add(
                    "organisations",
                    "id, name, type, bundesland, created_at, updated_at",
                    (next_org, name, kind, region, stamp, stamp),
                )
                self.organisations.setdefault(region, []).append((next_org, kind))
                next_org += 1
            for n in range(max(1, round(police_n * share / 80))):
                name = f"Polizeiinspektion {rng.choice(CITIES[region])} {n + 1}"
                out.add(
                    "organisations",
                    "id, name, type, bundesland, created_at, updated_at",
                    (next_org, name, "police", region, stamp, stamp),
                )
                self.police_units.setdefault(region, []).append(next_org)
                next_org += 1

        # Who joined when: the network grew, so later months brought more members.
        start = now - timedelta(days=730)
        plan: list[tuple[str | None, str | None]] = (
            [("community", "active")] * community_n
            + [("police", "active")] * police_n
            + [(None, "pending")] * pending
            + [(None, None)] * (visitors + rejected)
        )
        joined = sorted(
            (now - timedelta(days=730) * (1 - rng.random() ** 0.6), role, status)
            for role, status in plan
        )
        founders = [
            (start - timedelta(days=30) + timedelta(hours=n), "staff", "active")
            for n in range(staff_n)
        ]
        admitted_at: dict[int, datetime] = {}
        for n, (when, role, status) in enumerate(founders + joined, start=1):
            region = NATIONWIDE if role == "staff" else self.pick(LAENDER)
            organisation_id: int | None = None
            organisation_type: str | None = None
            if role == "staff":
                organisation_id, organisation_type = network_team, "public_body"
            elif role == "police":
                organisation_id, organisation_type = rng.choice(self.police_units[region]), "police"
            elif role == "community" or rng.random() < 0.5:
                organisation_id, organisation_type = rng.choice(self.organisations[region])
            if role is not None:
                if role != "staff" and rng.random() < 0.01:
                    status = "suspended"
                elif role == "police" and when < now - timedelta(days=380) and rng.random() < 0.06:
                    status = "lapsed"
            member = _Member(
                id=n,
                telegram_user_id=500_000_000 + n * 7,
                role=role,
                status=status,
                region=region,
                organisation_id=organisation_id,
                organisation_type=organisation_type,
                created=when - timedelta(minutes=rng.randint(3, 60 * 24 * 3)),
                admitted=when if role is not None else None,
            )
            if role is None and status == "pending":
                member.created = now - timedelta(days=rng.uniform(0.5, 40))
            self.members.append(member)
            if role == "staff":
                self.staff.append(member.id)
            if member.admitted is not None:
                admitted_at[member.id] = member.admitted
            if status == "active" and role is not None:
                self.active.setdefault((role, region), []).append(member)
                if region != NATIONWIDE:
                    self.active.setdefault((role, NATIONWIDE), []).append(member)
            if organisation_id is not None and role is not None:
                self.by_organisation.setdefault(organisation_id, []).append(member)

        applicants = set(rng.sample([m.id for m in self.members if m.role is None], rejected))
        for member in self.members:
            self._member_rows(out, member, member.id in applicants)
        return out

    def _member_rows(self, out: _Tables, m: _Member, rejected: bool) -> None:
        rng, now = self.rng, self.now
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        language = self.pick(LANGUAGES) if rng.random() < 0.85 else None
        last_seen = self.between(m.admitted or m.created, now - timedelta(minutes=5))
        unreachable = (
            to_db(self.between(last_seen, now)) if m.role and rng.random() < 0.03 else None
        )
        confirmed = asked = None
        if m.admitted is not None:
            confirmed = m.admitted
            if m.role in ("police", "staff"):
                # Police and staff roles are reconfirmed every 12 months.
                while confirmed + timedelta(days=365) < now - timedelta(days=14):
                    asked = confirmed + timedelta(days=365)
                    if m.status == "lapsed":
                        break
                    confirmed = asked + timedelta(days=rng.uniform(0, 10))
        phone = f"+4915{rng.randrange(10**8, 10**9)}" if rng.random() < 0.3 else None
        email = f"member{m.id}@example.org" if rng.random() < 0.4 else None
        snoozed = (now + timedelta(days=3)).date().isoformat() if rng.random() < 0.01 else None
        out.add(
            "members",
            "id, telegram_user_id, language, created_at, last_seen_at, unreachable_at, role,"
            " status, display_name, organisation_id, role_confirmed_at, phone, email,"
            " share_name, share_organisation, share_phone, share_email, share_username,"
            " snoozed_until, city, app_language, reconfirm_asked_at, announcements",
            (
                m.id, m.telegram_user_id, language, to_db(m.created), to_db(last_seen),
                unreachable, m.role, m.status,
                f"{first} {last}" if m.role or m.status or rejected else None,
                m.organisation_id if m.role else None,
                None if confirmed is None else to_db(confirmed),
                phone, email, 1, 1, int(phone is not None and rng.random() < 0.5),
                int(email is not None and rng.random() < 0.5), int(rng.random() < 0.2),
                snoozed, rng.choice(CITIES.get(m.region, ("Berlin",))),
                language or self.pick(LANGUAGES), None if asked is None else to_db(asked),
                int(rng.random() > 0.05),
            ),
        )  # fmt: skip
        if m.role is None and m.status is None and not rejected:
            return  # someone who only wrote to the bot
        regions = [m.region]
        if m.role == "community" and rng.random() < 0.05:
            regions.append(self.pick(LAENDER))
        for region in dict.fromkeys(regions):
            out.add("member_regions", "member_id, region", (m.id, region))
        topics = ["network_team"] if m.role == "staff" else rng.sample(PROFILE_TOPICS, 2)
        for topic in topics[: rng.randint(1, len(topics))]:
            out.add("member_topics", "member_id, topic", (m.id, topic))
        given = m.admitted or m.created
        out.add(
            "consents",
            "member_id, purpose, notice_version, given_at",
            (m.id, "membership", NOTICE_VERSION, to_db(given)),
        )
        staff = rng.choice(self.staff) if self.staff else None
        if m.role is None:
            # An application still waiting for staff, or one staff turned down.
            submitted = m.created + timedelta(minutes=rng.randint(5, 600))
            decided = self.before_now(submitted + timedelta(days=rng.uniform(0.5, 5)))
            out.add(
                "applications",
                "id, member_id, state, claimed_role, organisation_id, started_at,"
                " submitted_at, decided_at, decided_by",
                (
                    out.count("applications") + 1, m.id, "rejected" if rejected else "pending",
                    "police" if rng.random() < 0.25 else "community", m.organisation_id,
                    to_db(m.created), to_db(self.before_now(submitted)),
                    to_db(decided) if rejected else None, staff if rejected else None,
                ),
            )  # fmt: skip
            return
        assert m.admitted is not None and staff is not None
        if m.id <= 2:
            out.add(
                "audit_log",
                "at, actor_id, action, object_type, object_id, detail",
                (to_db(m.admitted), None, "member.make_staff", "member", m.id, "via CLI"),
            )
        elif m.role != "staff" and rng.random() < 0.2:
            # Joined by applying: staff approved the claimed role.
            application_id = out.count("applications") + 1
            out.add(
                "applications",
                "id, member_id, state, claimed_role, organisation_id, started_at,"
                " submitted_at, decided_at, decided_by",
                (
                    application_id, m.id, "approved", m.role, m.organisation_id,
                    to_db(m.admitted - timedelta(days=2)), to_db(m.admitted - timedelta(days=1)),
                    to_db(m.admitted), staff,
                ),
            )  # fmt: skip
            detail = f"role={m.role}" + (
                " note=Dienstausweis geprüft" if m.role == "police" else ""
            )
            out.add(
                "audit_log",
                "at, actor_id, action, object_type, object_id, detail",
                (to_db(m.admitted), staff, "application.approve", "application",
                 application_id, detail),
            )  # fmt: skip
        else:
            invite_id = out.count("invites") + 1
            created = m.admitted - timedelta(days=rng.uniform(0.1, 5))
            code = hashlib.sha256(f"synthetic-invite-{invite_id}".encode()).hexdigest()
            out.add(
                "invites",
                "id, code_hash, role, organisation_id, max_uses, uses, expires_at, created_at,"
                " created_by",
                (invite_id, code, m.role, m.organisation_id, 1, 1,
                 to_db(created + timedelta(days=7)), to_db(created),
                 staff if staff != m.id else self.staff[0]),
            )  # fmt: skip
            out.add(
                "audit_log",
                "at, actor_id, action, object_type, object_id, detail",
                (to_db(m.admitted), m.id, "invite.use", "invite", invite_id, f"role={m.role}"),
            )

    # ------------------------------------------------------------ events

    def events(self) -> _Tables:
        out = _Tables()
        rng, now = self.rng, self.now
        kinds = ["colloquium"] + ["other"] * ROUNDS
        kinds += [self.pick({"dialogue_platform": 45, "workshop": 50, "other": 5})
                  for _ in range(EVENTS - len(kinds))]  # fmt: skip
        registration_id = 0
        question_id = 0
        # The quarterly meetings of the funded projects, a week after each round's answers
        # were due.
        meetings = [opens + timedelta(days=21) for opens in _round_openings(now, ROUNDS)]
        for event_id, kind in enumerate(kinds, start=1):
            if kind == "colloquium":
                day = (now - timedelta(days=150)).astimezone(BERLIN).date()
            elif event_id <= ROUNDS + 1:
                day = meetings[event_id - 2].astimezone(BERLIN).date()
            else:
                day = (now - timedelta(days=rng.uniform(-30, 350))).astimezone(BERLIN).date()
            online = kind == "other" or rng.random() < 0.15
            region = (
                NATIONWIDE if kind == "colloquium" or (online and rng.random() < 0.7)
                else self.pick(LAENDER)
            )  # fmt: skip
            starts = _local(day, rng.choice((10, 14, 17)))
            ends = starts + timedelta(hours=rng.choice((2, 3, 4, 6)))
            if kind == "colloquium":
                starts, ends = _local(day, 9), _local(day + timedelta(days=1), 16)
            capacity = {
                "colloquium": 400, "other": 200, "dialogue_platform": rng.randint(30, 120),
                "workshop": rng.randint(12, 40),
            }[kind]  # fmt: skip
            seats: int | None = None
            if kind == "dialogue_platform" and rng.random() < 0.7:
                seats = int(capacity * 0.45)
            for_police = int(not (kind == "workshop" and rng.random() < 0.1))
            for_community = int(not for_police or not (kind == "workshop" and rng.random() < 0.1))
            deadline = starts - timedelta(days=rng.randint(1, 3))
            published = self.before_now(starts - timedelta(days=rng.uniform(14, 60)))
            published = min(published, deadline - timedelta(hours=1))
            created = published - timedelta(days=rng.uniform(0.1, 3))
            cancelled = None
            if kind in ("dialogue_platform", "workshop") and rng.random() < 0.07:
                cancelled = self.before_now(self.between(published, deadline))
            author = rng.choice(self.staff)
            city = rng.choice(CITIES.get(region, ("Berlin",)))
            out.add(
                "events",
                "id, kind, state, starts_at, ends_at, venue, online_url, region,"
                " for_community, for_police, for_staff, capacity, police_seats,"
                " community_seats, registration_deadline, created_by, created_at, updated_at,"
                " published_at, cancelled_at",
                (
                    event_id, kind, "cancelled" if cancelled else "published",
                    to_db(starts), to_db(ends),
                    None if online else f"Gemeindezentrum, {city}",
                    f"https://meet.example.org/kosizu-{event_id}" if online else None,
                    region, for_community, for_police, 1, capacity, seats, seats,
                    to_db(deadline), author, to_db(created), to_db(cancelled or published),
                    to_db(published), None if cancelled is None else to_db(cancelled),
                ),
            )  # fmt: skip
            if kind == "other" and event_id <= ROUNDS + 1:
                self.events_held.append((event_id, starts))
            title = {
                "colloquium": ("Jahreskolloquium", "Annual colloquium"),
                "dialogue_platform": ("Dialogplattform Polizei und Gemeinden",
                                      "Dialogue platform police and communities"),
                "workshop": ("Workshop Sicherheit und Prävention",
                             "Workshop on security and prevention"),
                "other": ("Quartalstreffen der Projektpartner", "Quarterly partner meeting"),
            }[kind]  # fmt: skip
            texts = {"de": title[0], "en": title[1]}
            for language in dict.fromkeys(("de", "en", self.default_language)):
                if language == "de" or language == self.default_language or rng.random() < 0.4:
                    out.add(
                        "event_texts",
                        "event_id, language, title, description",
                        (event_id, language, f"{texts.get(language, title[1])} {city}",
                         "Austausch, Vorträge und Arbeitsgruppen." if language == "de" else None),
                    )  # fmt: skip
            out.add(
                "audit_log",
                "at, actor_id, action, object_type, object_id, detail",
                (to_db(published), author, "event.publish", "event", event_id, None),
            )
            asked: int | None = None
            if kind in ("workshop", "dialogue_platform") and rng.random() < 0.3:
                question_id += 1
                asked = question_id
                prompt = {self.default_language: "Do you need vegetarian or halal catering?"}
                prompt["de"] = "Benötigen Sie vegetarische oder Halal-Verpflegung?"
                out.add(
                    "event_questions",
                    "id, event_id, position, kind, prompt, options, required, sensitive",
                    (asked, event_id, 1, "yes_no", json.dumps(prompt, ensure_ascii=False),
                     None, 1, 1),
                )  # fmt: skip
            registration_id = self._registrations(
                out, registration_id, event_id, region, capacity, seats,
                {"community": for_community, "police": for_police, "staff": 1},
                (published, deadline, starts, ends, cancelled), asked,
            )  # fmt: skip
        return out

    def _registrations(
        self,
        out: _Tables,
        registration_id: int,
        event_id: int,
        region: str,
        capacity: int,
        seats: int | None,
        roles: dict[str, int],
        times: tuple[datetime, datetime, datetime, datetime, datetime | None],
        question_id: int | None,
    ) -> int:
        rng, now = self.rng, self.now
        published, deadline, starts, ends, cancelled = times
        closes = min(deadline, cancelled or deadline, now)
        share = rng.uniform(0.5, 1.4) if deadline < now else rng.uniform(0.3, 1.0)
        wanted = {
            "community": round(capacity * share * 0.6),
            "police": round(capacity * share * 0.38),
            "staff": max(1, round(capacity * 0.02)),
        }
        chosen: list[tuple[datetime, _Member]] = []
        for role, count in wanted.items():
            pool = self.active.get((role, NATIONWIDE if role == "staff" else region), [])
            if not roles[role] or not pool:
                continue
            for member in rng.sample(pool, min(count, len(pool))):
                assert member.admitted is not None
                signed = self.between(max(published, member.admitted), closes)
                if signed < closes:
                    chosen.append((signed, member))
        chosen.sort(key=lambda item: (item[0], item[1].id))
        free = {"police": seats or 0, "community": seats or 0}
        free["general"] = capacity - (2 * seats if seats is not None else 0)
        offered = False
        attendance_taken = ends < now and rng.random() < 0.9
        for signed, member in chosen:
            registration_id += 1
            role = member.role or ""
            seat = role if seats is not None and role in ("police", "community") else "general"
            state, confirmed_at = "confirmed", signed
            waiting: datetime | None = None
            until: datetime | None = None
            gone: datetime | None = None
            if cancelled is not None:
                state, gone = "cancelled", cancelled
            elif rng.random() < 0.06:
                state, gone = "cancelled", self.between(signed, min(deadline, now))
            elif free[seat] > 0:
                free[seat] -= 1
            else:
                state, confirmed_at, waiting = "waitlisted", signed, signed
                if starts > now and not offered and rng.random() < 0.3:
                    offered, state, until = True, "offered", now + timedelta(hours=20)
            attended = None
            if state == "confirmed" and attendance_taken and rng.random() < 0.8:
                attended = 1
            out.add(
                "registrations",
                "id, event_id, member_id, seat, state, created_at, waiting_since,"
                " confirmed_at, offered_until, cancelled_at, attended",
                (
                    registration_id, event_id, member.id, seat, state, to_db(signed),
                    None if waiting is None else to_db(waiting),
                    to_db(confirmed_at) if state in ("confirmed", "cancelled") else None,
                    None if until is None else to_db(until),
                    None if gone is None else to_db(gone), attended,
                ),
            )  # fmt: skip
            if question_id is not None:
                out.add(
                    "registration_answers",
                    "registration_id, member_id, question_id, answer",
                    (registration_id, member.id, question_id, rng.choice(("yes", "no"))),
                )
            asked = ends + timedelta(hours=20)
            if attended and asked < now:
                self._feedback(out, registration_id, member.id, event_id, asked)
        return registration_id

    def _feedback(
        self, out: _Tables, registration_id: int, member_id: int, event_id: int, asked: datetime
    ) -> None:
        rng = self.rng
        overall = changed = answered = None
        if rng.random() < 0.55:
            overall = rng.choices((1, 2, 3, 4, 5), weights=(2, 4, 15, 45, 34))[0]
            answered = to_db(self.before_now(asked + timedelta(hours=rng.uniform(0.1, 48))))
            if rng.random() < 0.9:
                changed = rng.choices((1, 2, 3, 4, 5), weights=(5, 10, 30, 35, 20))[0]
        out.add(
            "event_feedback",
            "registration_id, member_id, event_id, overall, changed_view, comment, asked_at,"
            " answered_at",
            (registration_id, member_id, event_id, overall, changed, None, to_db(asked), answered),
        )

    # ------------------------------------------------------------ contact requests

    def contacts(self) -> _Tables:
        out = _Tables()
        rng, now = self.rng, self.now
        total = max(20, round(self.size * 0.05))
        askers = {
            "community": self.active.get(("community", NATIONWIDE), []),
            "police": self.active.get(("police", NATIONWIDE), []),
        }
        drafting: set[int] = set()
        blocked: set[tuple[int, int]] = set()  # "do not introduce me" pairs
        for request_id in range(1, total + 1):
            side = "community" if rng.random() < 0.8 else "police"
            other = "police" if side == "community" else "community"
            asker = rng.choice(askers[side])
            assert asker.admitted is not None
            sent = self.between(max(asker.admitted, now - timedelta(days=365)), now)
            topic = self.pick(TOPICS)
            if request_id % 100 == 0 and asker.id not in drafting:
                drafting.add(asker.id)  # one draft per member, never sent
                out.add(
                    "contact_requests",
                    "id, asker_id, asker_role, organisation_type, topic, region, message,"
                    " state, step, created_at",
                    (request_id, asker.id, side, asker.organisation_type, topic, asker.region,
                     None, "draft", "message", to_db(sent)),
                )  # fmt: skip
                continue
            request = _Request(request_id, sent)
            pool = self.active.get((other, asker.region), [])
            tried: set[int] = set()
            if topic == "network_team":
                request.queue("network_team", sent)
            while request.state == "matching" and not request.waiting:
                left = [m for m in rng.sample(pool, min(len(pool), 8)) if m.id not in tried]
                if rng.random() < 0.03:
                    # The asker changed their mind before the next question went out.
                    request.close("withdrawn", request.clock + timedelta(hours=rng.uniform(1, 9)))
                    break
                if len(tried) >= 3 or not left:
                    request.queue("no_candidates", request.clock)
                    break
                who = left[0]
                tried.add(who.id)
                self._ask(request, who.id, None)
            staff = rng.choice(self.staff)
            while request.state == "queued" and request.clock < now:
                # The network team deals with the queue within a few days.
                handled = request.clock + timedelta(days=rng.uniform(0.2, 6))
                if handled >= now:
                    break
                candidates = [m for m in pool if m.id not in tried]
                if rng.random() < 0.45 and candidates:
                    who = rng.choice(candidates)
                    tried.add(who.id)
                    request.state, request.clock = "matching", handled
                    self._ask(request, who.id, staff)
                    if request.state == "matching" and not request.waiting:
                        # A candidate chosen by staff said no: back to the team.
                        request.queue("declined_assignment", request.clock)
                else:
                    request.close("closed", handled)
            if request.state == "matching" and rng.random() < 0.1:
                open_question = request.candidates[-1]
                withdrawn = self.between(open_question[1], now)
                request.close("withdrawn", withdrawn)
            message: str | None = rng.choice(MESSAGES)
            if request.closed_at is not None and (
                request.state in ("withdrawn", "closed")
                or request.closed_at < now - timedelta(days=90)
            ):
                message = None  # withdrawn, closed, or past the message's retention
            out.add(
                "contact_requests",
                "id, asker_id, asker_role, organisation_type, topic, region, message, state,"
                " step, queued_reason, created_at, submitted_at, queued_at, closed_at,"
                " introduced_at, introduced_to, assigned_by",
                (
                    request_id, asker.id, side, asker.organisation_type, topic, asker.region,
                    message, request.state, None, request.queued_reason,
                    to_db(sent - timedelta(minutes=rng.randint(2, 30))), to_db(sent),
                    _db_or_none(request.queued_at), _db_or_none(request.closed_at),
                    _db_or_none(request.introduced_at), request.introduced_to,
                    request.assigned_by,
                ),
            )  # fmt: skip
            for position, (member_id, asked_at, answered, answer, by) in enumerate(
                request.candidates, start=1
            ):
                reminded = asked_at + timedelta(hours=48)
                out.add(
                    "contact_candidates",
                    "request_id, member_id, position, asked_at, reminded_at, answered_at,"
                    " answer, assigned_by",
                    (
                        request_id, member_id, position, to_db(asked_at),
                        to_db(reminded) if (answered or now) > reminded else None,
                        _db_or_none(answered), answer, by,
                    ),
                )  # fmt: skip
                if (
                    answer == "declined"
                    and rng.random() < 0.15
                    and (member_id, asker.id) not in blocked
                ):
                    blocked.add((member_id, asker.id))
                    out.add(
                        "do_not_introduce",
                        "member_id, other_id, created_at, request_id",
                        (member_id, asker.id, _db_or_none(answered), request_id),
                    )
            if request.state == "introduced":
                self._introduced(out, request, asker.id)
        return out

    def _ask(self, request: _Request, member_id: int, assigned_by: int | None) -> None:
        """Ask one candidate: the answer, or an open question when the time has not come."""
        rng, now = self.rng, self.now
        asked = request.clock
        answer = rng.choices(
            ("accepted", "declined", "expired", "passed"),
            weights=(80, 10, 10, 0) if assigned_by else (60, 14, 16, 10),
        )[0]
        answered = (
            asked + timedelta(hours=72)
            if answer == "expired"
            else asked + timedelta(hours=rng.uniform(0.2, 70))
        )
        if answered >= now:
            request.candidates.append((member_id, asked, None, None, assigned_by))
            return
        request.candidates.append((member_id, asked, answered, answer, assigned_by))
        request.clock = answered
        if assigned_by is not None:
            request.assigned_by = assigned_by
        if answer == "accepted":
            request.state = "introduced"
            request.introduced_at = request.closed_at = answered
            request.introduced_to = member_id
        elif answer == "passed":
            request.queue("passed", answered)

    def _introduced(self, out: _Tables, request: _Request, asker_id: int) -> None:
        rng, now = self.rng, self.now
        introduced = request.introduced_at
        assert introduced is not None and request.introduced_to is not None
        if rng.random() < 0.15:
            ends = introduced + timedelta(days=14)
            out.add(
                "contact_relays",
                "request_id, opened_at, ends_at, ended_at, ended_by",
                (request.id, to_db(introduced), to_db(ends),
                 to_db(ends) if ends < now else None, None),
            )  # fmt: skip
        asked = introduced + timedelta(days=14)
        if asked >= now:
            return
        for side, member_id in (("asker", asker_id), ("candidate", request.introduced_to)):
            touch = useful = answered = None
            if rng.random() < 0.65:
                touch = int(rng.random() < 0.75)
                answered = to_db(self.before_now(asked + timedelta(hours=rng.uniform(0.5, 72))))
                if touch:
                    useful = rng.choices((1, 2, 3, 4, 5), weights=(3, 7, 20, 40, 30))[0]
            out.add(
                "contact_followups",
                "request_id, member_id, side, asked_at, got_in_touch, usefulness, answered_at",
                (request.id, member_id, side, to_db(asked), touch, useful, answered),
            )

    # ------------------------------------------------------------ check-ins

    def checkins(self) -> _Tables:
        out = _Tables()
        rng, now = self.rng, self.now
        community_orgs = [org for orgs in self.organisations.values() for org in orgs]
        projects: list[tuple[int, date, date, datetime | None, list[_Member]]] = []
        for project_id in range(1, max(5, self.size // MEMBERS_PER_PROJECT) + 1):
            organisation_id, _ = rng.choice(community_orgs)
            starts_on = (now - timedelta(days=rng.uniform(100, 700))).date()
            ends_on = starts_on + timedelta(days=rng.choice((730, 1095)))
            created = _local(starts_on, 9) - timedelta(days=14)
            archived = None
            if rng.random() < 0.08:
                archived = self.before_now(created + timedelta(days=rng.uniform(200, 600)))
            name = f"Projekt Brückenbau {project_id}"
            out.add(
                "projects",
                "id, name, organisation_id, starts_on, ends_on, archived_at, created_at,"
                " updated_at",
                (project_id, name, organisation_id, starts_on.isoformat(), ends_on.isoformat(),
                 _db_or_none(archived), to_db(created), to_db(archived or created)),
            )  # fmt: skip
            people = [
                m for m in self.by_organisation.get(organisation_id, []) if m.role == "community"
            ]
            team = rng.sample(people, min(len(people), rng.randint(1, 3)))
            for member in team:
                assert member.admitted is not None
                out.add(
                    "project_members",
                    "project_id, member_id, added_at",
                    (project_id, member.id, to_db(max(created, member.admitted))),
                )
            projects.append((project_id, starts_on, ends_on, archived, team))

        questions = self.version.questions
        for round_id, opens in enumerate(_round_openings(now, ROUNDS), start=1):
            day = opens.astimezone(BERLIN).date()
            moments = (
                opens, _local(day + timedelta(days=7), 10), _local(day + timedelta(days=13), 10),
                _local(day + timedelta(days=14), 10), _local(day + timedelta(days=15), 0),
                _local(day + timedelta(days=36), 0),
            )  # fmt: skip
            closes = moments[-1]
            meeting = next((e for e in self.events_held if moments[3] < e[1]), None)
            out.add(
                "checkin_rounds",
                "id, version_id, opens_at, remind_at, last_remind_at, final_at, due_at,"
                " closes_at, scheduled_for, opened_by, meeting_event_id, summary_sent_at,"
                " closed_at, created_at",
                (
                    round_id, self.version.number, *(to_db(m) for m in moments), to_db(opens),
                    None, None if meeting is None else meeting[0],
                    None if meeting is None or meeting[1] - timedelta(days=7) > now
                    else to_db(meeting[1] - timedelta(days=7)),
                    to_db(closes + timedelta(seconds=30)) if closes < now else None,
                    to_db(opens),
                ),
            )  # fmt: skip
            taking_part = [
                p
                for p in projects
                if p[1] <= closes.date() and p[2] >= opens.date() and (p[3] is None or p[3] > opens)
            ]
            out.add(
                "audit_log",
                "at, actor_id, action, object_type, object_id, detail",
                (to_db(opens), None, "checkin.open", "checkin_round", round_id,
                 f"projects={len(taking_part)} version={self.version.number} scheduled"),
            )  # fmt: skip
            for project_id, _, _, _, team in taking_part:
                self._checkin(out, round_id, project_id, team, moments, questions)
        return out

    def _checkin(
        self,
        out: _Tables,
        round_id: int,
        project_id: int,
        team: list[_Member],
        moments: Sequence[datetime],
        questions: Sequence[Any],
    ) -> None:
        rng, now = self.rng, self.now
        opens, remind, last_remind, _, due, closes = moments
        answering = [m for m in team if m.status == "active"]
        for member in answering:
            away = opens + timedelta(days=2) if rng.random() < 0.03 else None
            out.add(
                "checkin_prompts",
                "round_id, project_id, member_id, prompted_at, away_at",
                (round_id, project_id, member.id, to_db(opens), _db_or_none(away)),
            )
        roll = rng.random()
        submitted = opens + timedelta(days=rng.uniform(0.1, 20))
        if not answering or roll > 0.87 or submitted >= now:
            started = None
            if answering and roll < 0.93 and opens + timedelta(days=3) < now:
                started = opens + timedelta(days=rng.uniform(0.5, 3))
            out.add(
                "checkin_projects",
                "round_id, project_id, answering_id, position, started_at, updated_at,"
                " submitted_at, submitted_by, reminders",
                (
                    round_id, project_id,
                    answering[0].id if started and closes > now else None,
                    2 if started and closes > now else None,
                    _db_or_none(started), _db_or_none(started), None, None,
                    sum(1 for m in (remind, last_remind, due) if m < now),
                ),
            )  # fmt: skip
            if started is not None:
                self._answer(out, round_id, project_id, answering[0].id, started, questions[:1])
            return
        who = rng.choice(answering)
        reminders = sum(1 for m in (remind, last_remind, due) if m < submitted)
        out.add(
            "checkin_projects",
            "round_id, project_id, answering_id, position, started_at, updated_at,"
            " submitted_at, submitted_by, reminders",
            (round_id, project_id, None, None, to_db(submitted - timedelta(minutes=25)),
             to_db(submitted), to_db(submitted), who.id, reminders),
        )  # fmt: skip
        out.add(
            "audit_log",
            "at, actor_id, action, object_type, object_id, detail",
            (to_db(submitted), who.id, "checkin.submit", "checkin_round", round_id,
             f"project={project_id}"),
        )  # fmt: skip
        support = self._answer(
            out, round_id, project_id, who.id, submitted - timedelta(minutes=20), questions
        )
        done = submitted + timedelta(days=rng.uniform(1, 30))
        if support and done < now and rng.random() < 0.6:
            out.add(
                "checkin_followups",
                "round_id, project_id, done_at, done_by",
                (round_id, project_id, to_db(done), rng.choice(self.staff)),
            )

    def _answer(
        self,
        out: _Tables,
        round_id: int,
        project_id: int,
        member_id: int,
        started: datetime,
        questions: Sequence[Any],
    ) -> bool:
        """One project's answers; returns whether it asked for support."""
        rng = self.rng
        support = False
        for n, question in enumerate(questions):
            value: str | None
            if not question.required and rng.random() < 0.6:
                value = None  # an optional question skipped
            elif question.type == "number":
                value = str(rng.randint(0, 12) if "count" in question.key else rng.randint(5, 400))
            elif question.type == "scale":
                value = str(rng.choices((1, 2, 3, 4, 5), weights=(3, 7, 25, 40, 25))[0])
            elif question.type == "yes_no":
                value = rng.choice(("yes", "no"))
            elif question.type == "choice":
                value = str(rng.randrange(len(question.options[self.default_language])))
            else:
                value = rng.choice(CHECKIN_TEXTS.get(question.key, ("Siehe Bericht.",)))
            support = support or (question.key == "support_needed" and value is not None)
            out.add(
                "checkin_answers",
                "round_id, project_id, question_key, value, answered_by, answered_at",
                (round_id, project_id, question.key, value, member_id,
                 to_db(started + timedelta(minutes=2 * n))),
            )  # fmt: skip
        return support


@dataclass
class _Request:
    """A contact request as it moves through matching (see storage/contacts.py)."""

    id: int
    clock: datetime  # the moment reached so far
    state: str = "matching"
    queued_reason: str | None = None
    queued_at: datetime | None = None
    closed_at: datetime | None = None
    introduced_at: datetime | None = None
    introduced_to: int | None = None
    assigned_by: int | None = None
    # member, asked, answered, answer, chosen by staff
    candidates: list[tuple[int, datetime, datetime | None, str | None, int | None]] = field(
        default_factory=list
    )

    @property
    def waiting(self) -> bool:
        """A candidate is being asked (the question is open)."""
        return bool(self.candidates) and self.candidates[-1][3] is None

    def queue(self, reason: str, at: datetime) -> None:
        self.state, self.queued_reason, self.queued_at, self.clock = "queued", reason, at, at

    def close(self, state: str, at: datetime) -> None:
        self.state, self.closed_at, self.clock = state, at, at
        if self.candidates and self.candidates[-1][3] is None:
            member, asked, _, _, by = self.candidates[-1]
            self.candidates[-1] = (member, asked, at, "withdrawn", by)


def _db_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else to_db(moment)


def _round_openings(now: datetime, count: int) -> list[datetime]:
    """The last ``count`` quarterly openings before ``now``: the second Monday of January,
    April, July and October at 10:00 in Berlin (the bot's default schedule)."""
    found: list[datetime] = []
    year = now.astimezone(BERLIN).year
    while len(found) < count:
        for month in (10, 7, 4, 1):
            first = date(year, month, 1)
            monday = first + timedelta(days=(7 - first.weekday()) % 7 + 7)
            opens = _local(monday, 10)
            if opens < now and len(found) < count:
                found.append(opens)
        year -= 1
    return sorted(found)
