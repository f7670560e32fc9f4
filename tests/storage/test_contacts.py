"""Contact requests against the real schema: who is asked in which order, who never is, the
limits, reveals only by the owner's Accept, and the job that reminds and moves on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from storage.audit import AuditRepository
from storage.contacts import (
    MAX_PER_DAY,
    Answer,
    Candidate,
    ContactNotices,
    ContactRepository,
    ContactRequest,
    Limit,
    Party,
    Submitted,
    run_due,
)
from storage.db import Database
from storage.members import Addressee, MemberRepository
from storage.personal_data import PersonalDataRepository
from storage.regions import NEIGHBOURS
from storage.timefmt import to_db
from storage.vocabulary import REGIONS

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
TODAY = NOW.astimezone(BERLIN).date()
REMIND, PASS = timedelta(hours=48), timedelta(hours=72)
MESSAGE = "We would like to talk about security at our Friday prayers."


def _ask(request: ContactRequest, who: Addressee, candidate: Candidate) -> dict[str, Any]:
    return {"text": f"ask {request.id} {candidate.position}"}


def _remind(request: ContactRequest, who: Addressee, candidate: Candidate) -> dict[str, Any]:
    return {"text": f"remind {request.id} {candidate.position}"}


def _queued(request: ContactRequest, who: Addressee) -> dict[str, Any]:
    return {"text": f"queued {request.id} {request.queued_reason}"}


NOTICES = ContactNotices(ask=_ask, remind=_remind, queued=_queued)


def _introduce(request: ContactRequest, to: Party, about: Party) -> dict[str, Any]:
    details = about.details
    return {"text": f"intro {about.recipient.member_id} {details.name} {details.phone}"}


@pytest.fixture
def contacts(db: Database) -> ContactRepository:
    return ContactRepository(db, BERLIN)


_next_user = iter(range(43900, 44000))


async def member(
    db: Database,
    kind: str,
    regions: tuple[str, ...] = ("DE-BE",),
    *,
    topics: tuple[str, ...] = (),
    **columns: Any,
) -> int:
    seen = await MemberRepository(db).seen(next(_next_user), NOW)
    values = {"role": kind, "status": "active", "display_name": f"{kind} {seen.id}", **columns}
    assignments = ", ".join(f"{name} = ?" for name in values)
    async with db.transaction() as tx:
        await tx.execute(
            f"UPDATE members SET {assignments} WHERE id = ?", (*values.values(), seen.id)
        )
        for region in regions:
            await tx.execute("INSERT INTO member_regions VALUES (?, ?)", (seen.id, region))
        for topic in topics:
            await tx.execute("INSERT INTO member_topics VALUES (?, ?)", (seen.id, topic))
    return seen.id


async def ask(
    contacts: ContactRepository,
    asker: int,
    region: str = "DE-BE",
    topic: str = "prevention",
    now: datetime = NOW,
) -> tuple[Submitted, ContactRequest]:
    draft = await contacts.start_draft(asker, topic, now)
    assert draft is not None
    assert await contacts.choose_region(asker, draft.id, region)
    assert await contacts.write_message(asker, draft.id, MESSAGE)
    result = await contacts.submit(asker, draft.id, now, NOTICES)
    assert result.request is not None, result
    return result.outcome, result.request


async def asked(db: Database, request_id: int) -> list[tuple[int | None, str | None]]:
    rows = await db.fetchall(
        "SELECT member_id, answer FROM contact_candidates WHERE request_id = ? ORDER BY position",
        (request_id,),
    )
    return [(r[0], r[1]) for r in rows]


async def current(contacts: ContactRepository, db: Database, request_id: int) -> tuple[int, int]:
    row = await db.fetchone(
        "SELECT member_id, position FROM contact_candidates WHERE request_id = ?"
        " AND answer IS NULL",
        (request_id,),
    )
    assert row is not None
    return int(row[0]), int(row[1])


async def reveals(db: Database) -> int:
    return len(await AuditRepository(db).entries("contact.reveal"))


def test_neighbours_are_mutual_and_cover_every_land() -> None:
    assert set(NEIGHBOURS) == set(REGIONS)
    for region, near in NEIGHBOURS.items():
        assert region not in near
        for other in near:
            assert region in NEIGHBOURS[other], (region, other)
    assert NEIGHBOURS["DE-BE"] == {"DE-BB"}
    assert NEIGHBOURS["DE-HB"] == {"DE-NI"}
    assert NEIGHBOURS["DE-HH"] == {"DE-SH", "DE-NI"}


async def test_tiers_region_then_neighbours_and_nationwide_then_the_queue(
    db: Database, contacts: ContactRepository
) -> None:
    asker = await member(db, "community", ("DE-BE",))
    far = await member(db, "police", ("DE-BY",))
    neighbour = await member(db, "police", ("DE-BB",))
    nationwide = await member(db, "police", ("DE",))
    local = await member(db, "police", ("DE-BE", "DE-HH"))
    outcome, request = await ask(contacts, asker)
    assert outcome is Submitted.ASKED
    order = []
    for _ in range(3):
        who, position = await current(contacts, db, request.id)
        order.append(who)
        result = await contacts.decline(request.id, position, who, NOW, NOTICES)
        assert result.answer is Answer.DONE
    assert order == [local, neighbour, nationwide]
    assert far not in [m for m, _ in await asked(db, request.id)]
    stored = await contacts.get(request.id)
    assert stored is not None
    assert (stored.state, stored.queued_reason) == ("queued", "no_candidates")


async def test_a_nationwide_request_takes_anyone_on_the_other_side_first(
    db: Database, contacts: ContactRepository
) -> None:
    asker = await member(db, "police", ("DE-NW",))
    anywhere = await member(db, "community", ("DE-SN",))
    _, request = await ask(contacts, asker, region="DE")
    assert await asked(db, request.id) == [(anywhere, None)]


async def test_members_without_regions_cover_their_organisations_land(
    db: Database, contacts: ContactRepository
) -> None:
    async with db.transaction() as tx:
        org = await tx.insert(
            "INSERT INTO organisations (name, type, bundesland, created_at, updated_at)"
            " VALUES ('Polizei Potsdam', 'police', 'DE-BB', ?, ?)",
            (to_db(NOW), to_db(NOW)),
        )
    asker = await member(db, "community", ())
    invited = await member(db, "police", (), organisation_id=org)
    assert await contacts.covered_regions(invited) == ("DE-BB",)
    assert await contacts.covered_regions(asker) == ()
    draft = await contacts.start_draft(asker, "prevention", NOW)
    assert draft is not None and draft.region == "DE"  # no region of their own: nationwide
    _, request = await ask(contacts, asker, region="DE-BB")
    assert await asked(db, request.id) == [(invited, None)]


EXCLUSIONS: dict[str, dict[str, Any]] = {
    "snoozed today": {"snoozed_until": TODAY.isoformat()},
    "unreachable": {"unreachable_at": to_db(NOW)},
    "suspended": {"status": "suspended"},
    "lapsed": {"status": "lapsed"},
    "pending": {"status": "pending"},
    "same side": {"role": "community"},
    "staff": {"role": "staff"},
}


@pytest.mark.parametrize("why", list(EXCLUSIONS))
async def test_who_is_never_asked(db: Database, contacts: ContactRepository, why: str) -> None:
    asker = await member(db, "community")
    await member(db, "police", **EXCLUSIONS[why])
    outcome, request = await ask(contacts, asker)
    assert outcome is Submitted.QUEUED
    assert await asked(db, request.id) == []


async def test_snoozed_until_yesterday_and_no_topics_are_asked(
    db: Database, contacts: ContactRepository
) -> None:
    asker = await member(db, "community")
    woke = await member(db, "police", snoozed_until=(TODAY - timedelta(days=1)).isoformat())
    outcome, request = await ask(contacts, asker)
    assert outcome is Submitted.ASKED
    assert await asked(db, request.id) == [(woke, None)]


async def test_topics_narrow_who_is_asked(db: Database, contacts: ContactRepository) -> None:
    asker = await member(db, "community")
    await member(db, "police", topics=("mosque_security",))
    interested = await member(db, "police", topics=("mosque_security", "prevention"))
    _, request = await ask(contacts, asker, topic="prevention")
    assert await asked(db, request.id) == [(interested, None)]


@pytest.mark.parametrize("direction", ["asker's list", "candidate's list"])
async def test_do_not_introduce_works_both_ways(
    db: Database, contacts: ContactRepository, direction: str
) -> None:
    asker = await member(db, "community")
    police = await member(db, "police")
    pair = (asker, police) if direction == "asker's list" else (police, asker)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO do_not_introduce (member_id, other_id, created_at) VALUES (?, ?, ?)",
            (*pair, to_db(NOW)),
        )
    outcome, request = await ask(contacts, asker)
    assert outcome is Submitted.QUEUED
    assert await asked(db, request.id) == []


async def test_nobody_is_asked_twice_about_one_request(
    db: Database, contacts: ContactRepository
) -> None:
    asker = await member(db, "community")
    police = await member(db, "police")
    _, request = await ask(contacts, asker)
    result = await contacts.decline(request.id, 1, police, NOW, NOTICES)
    assert result.request is not None and result.request.state == "queued"
    assert await asked(db, request.id) == [(police, "declined")]


async def test_the_one_with_fewest_open_questions_is_asked_first(
    db: Database, contacts: ContactRepository
) -> None:
    busy = await member(db, "police")
    idle = await member(db, "police")
    _, first = await ask(contacts, await member(db, "community"))
    assert (await current(contacts, db, first.id))[0] == busy  # a tie: the lower id
    _, second = await ask(contacts, await member(db, "community"))
    assert (await current(contacts, db, second.id))[0] == idle


async def test_a_new_pair_comes_before_one_introduced_before(
    db: Database, contacts: ContactRepository
) -> None:
    met = await member(db, "police")
    new = await member(db, "police")
    asker = await member(db, "community")
    _, first = await ask(contacts, asker)
    await contacts.accept(
        first.id, 1, met, NOW, _introduce, candidate_username=None, asker_username=None
    )
    # Both are asked (and decline) at one moment, so only the earlier pair tells them apart.
    later = NOW + timedelta(hours=1)
    _, other = await ask(contacts, await member(db, "community"), now=later)
    assert await contacts.decline(other.id, 1, new, later, NOTICES)
    assert await contacts.decline(other.id, 2, met, later, NOTICES)
    _, again = await ask(contacts, asker, now=later + timedelta(hours=1))
    assert (await current(contacts, db, again.id))[0] == new


async def test_the_one_asked_longest_ago_comes_first(
    db: Database, contacts: ContactRepository
) -> None:
    one = await member(db, "police")
    two = await member(db, "police")
    order = []
    for hour in range(4):
        asker = await member(db, "community")
        _, request = await ask(contacts, asker, now=NOW + timedelta(hours=hour))
        order.append((await current(contacts, db, request.id))[0])
        assert await contacts.withdraw(asker, request.id, NOW + timedelta(hours=hour))
    assert order == [one, two, one, two]  # never asked first, then the longest ago


async def test_three_open_requests_and_five_a_day(
    db: Database, contacts: ContactRepository
) -> None:
    asker = await member(db, "community")
    await member(db, "police")
    for minute in range(3):
        outcome, _ = await ask(contacts, asker, now=NOW + timedelta(minutes=minute))
        assert outcome in (Submitted.ASKED, Submitted.QUEUED)
    limit = await contacts.limit_reached(asker, NOW)
    assert limit is not None and limit.limit is Limit.OPEN
    draft = await contacts.start_draft(asker, "other", NOW)
    assert draft is not None
    await contacts.choose_region(asker, draft.id, "DE-BE")
    await contacts.write_message(asker, draft.id, MESSAGE)
    refused = await contacts.submit(asker, draft.id, NOW, NOTICES)
    assert refused.outcome is Submitted.REFUSED
    assert refused.limit is not None and refused.limit.limit is Limit.OPEN
    assert await contacts.draft(asker) is not None  # kept for later
    # Withdrawing frees a place, but withdrawn requests still count for the day.
    for request in await contacts.of_asker(asker):
        assert await contacts.withdraw(asker, request.id, NOW)
    for minute in range(3, MAX_PER_DAY):
        draft = await contacts.draft(asker)
        if draft is None:
            outcome, request = await ask(contacts, asker, now=NOW + timedelta(minutes=minute))
        else:
            result = await contacts.submit(asker, draft.id, NOW + timedelta(minutes=minute),
                                           NOTICES)  # fmt: skip
            assert result.request is not None
            request = result.request
        assert await contacts.withdraw(asker, request.id, NOW)
    limit = await contacts.limit_reached(asker, NOW + timedelta(hours=1))
    assert limit is not None and limit.limit is Limit.DAILY
    assert limit.until == NOW + timedelta(hours=24)  # when the first leaves the window
    assert await contacts.limit_reached(asker, NOW + timedelta(hours=24, seconds=1)) is None


async def test_accept_reveals_once_with_two_audit_rows(
    db: Database, contacts: ContactRepository
) -> None:
    asker = await member(db, "community", phone="+4930123456", share_phone=1)
    police = await member(db, "police", share_name=0)
    _, request = await ask(contacts, asker)
    for _ in range(2):  # a double tap
        result = await contacts.accept(
            request.id, 1, police, NOW, _introduce, candidate_username="x", asker_username="y"
        )
    assert result.answer is Answer.REPEATED and result.previous == "accepted"
    stored = await contacts.get(request.id)
    assert stored is not None
    assert (stored.state, stored.introduced_to) == ("introduced", police)
    assert stored.closed_at == NOW
    rows = await db.fetchall(
        "SELECT chat_id, payload, dedup_key FROM outbox WHERE dedup_key LIKE 'contact-intro:%'"
        " ORDER BY id"
    )
    intros = {r["dedup_key"]: json.loads(r["payload"]) for r in rows}
    assert intros == {
        f"contact-intro:{request.id}:asker": {
            "text": f"intro {police} None None",  # the officer shares no name
            "protect_content": True,
        },
        f"contact-intro:{request.id}:candidate": {
            "text": f"intro {asker} community {asker} +4930123456",
            "protect_content": True,
        },
    }
    audit = await AuditRepository(db).entries("contact.reveal")
    assert [(e.actor_id, e.object_type, e.object_id, e.detail) for e in audit] == [
        (police, "contact_request", request.id, f"to={asker}"),
        (asker, "contact_request", request.id, f"to={police}"),
    ]


async def test_no_reveal_for_others_forgeries_withdrawn_or_expired(
    db: Database, contacts: ContactRepository
) -> None:
    asker = await member(db, "community")
    police = await member(db, "police")
    other = await member(db, "police", ("DE-SN",))

    async def accept(request_id: int, position: int, who: int) -> Answer:
        result = await contacts.accept(
            request_id, position, who, NOW, _introduce, candidate_username=None,
            asker_username=None,
        )  # fmt: skip
        return result.answer

    _, request = await ask(contacts, asker)
    assert await accept(request.id, 1, other) is Answer.NOT_YOURS  # a third party
    assert await accept(request.id, 2, police) is Answer.NOT_YOURS  # no such question
    assert await accept(request.id + 1, 1, police) is Answer.NOT_YOURS  # no such request
    assert await contacts.withdraw(asker, request.id, NOW)
    assert not await contacts.withdraw(asker, request.id, NOW)  # once
    assert await accept(request.id, 1, police) is Answer.WITHDRAWN
    stored = await contacts.get(request.id)
    assert stored is not None and stored.message is None  # nobody will read it
    _, second = await ask(contacts, asker, now=NOW + timedelta(minutes=1))
    async with db.transaction() as tx:
        later = NOW + PASS + timedelta(minutes=1)
        await run_due(tx, later, TODAY, NOTICES, remind_after=REMIND, pass_after=PASS)
    assert await accept(second.id, 1, police) is Answer.OVER
    assert await reveals(db) == 0


async def test_the_job_reminds_once_then_asks_the_next_then_queues(
    db: Database, contacts: ContactRepository
) -> None:
    asker = await member(db, "community")
    first = await member(db, "police")
    second = await member(db, "police", ("DE-BB",))
    _, request = await ask(contacts, asker)

    async def job(at: datetime) -> None:
        async with db.transaction() as tx:
            await run_due(
                tx, at, at.astimezone(BERLIN).date(), NOTICES, remind_after=REMIND,
                pass_after=PASS,
            )  # fmt: skip

    await job(NOW + REMIND - timedelta(minutes=1))
    await job(NOW + REMIND)
    await job(NOW + REMIND + timedelta(minutes=5))
    texts = [
        json.loads(r[0])["text"]
        for r in await db.fetchall("SELECT payload FROM outbox ORDER BY id")
    ]
    assert texts == [f"ask {request.id} 1", f"remind {request.id} 1"]
    # The bot was down from 60 hours to 5 days: the question expired, the next one is asked
    # then and gets its full time; its reminder is not sent late.
    later = NOW + timedelta(days=5)
    await job(later)
    assert await asked(db, request.id) == [(first, "expired"), (second, None)]
    await job(later + REMIND)
    await job(later + PASS)
    stored = await contacts.get(request.id)
    assert stored is not None
    assert (stored.state, stored.queued_reason) == ("queued", "no_candidates")
    texts = [
        json.loads(r[0])["text"]
        for r in await db.fetchall("SELECT payload FROM outbox ORDER BY id")
    ]
    assert texts[2:] == [
        f"ask {request.id} 2",
        f"remind {request.id} 2",
    ]  # no staff member to tell


async def test_a_candidate_who_can_no_longer_answer_is_passed_over_at_once(
    db: Database, contacts: ContactRepository
) -> None:
    asker = await member(db, "community")
    suspended = await member(db, "police")
    next_one = await member(db, "police")
    _, request = await ask(contacts, asker)
    async with db.transaction() as tx:
        await tx.execute("UPDATE members SET status = 'suspended' WHERE id = ?", (suspended,))
        await run_due(tx, NOW, TODAY, NOTICES, remind_after=REMIND, pass_after=PASS)
    assert await asked(db, request.id) == [(suspended, "expired"), (next_one, None)]


async def test_a_staff_assignment_declined_goes_back_to_the_queue(
    db: Database, contacts: ContactRepository
) -> None:
    asker = await member(db, "community")
    staff = await member(db, "staff", ())
    chosen = await member(db, "police", ("DE-SN",), topics=("dialogue_planning",))
    outcome, request = await ask(contacts, asker, topic="network_team")
    assert outcome is Submitted.QUEUED
    assert [r.id for r in await contacts.queued_requests(10)] == [request.id]
    assert await contacts.count_queued() == 1
    assert not await contacts.ask_member(request.id, asker, NOW, NOTICES, assigned_by=staff)
    assert await contacts.ask_member(request.id, chosen, NOW, NOTICES, assigned_by=staff)
    assert not await contacts.ask_member(request.id, chosen, NOW, NOTICES, assigned_by=staff)
    await contacts.decline(request.id, 1, chosen, NOW, NOTICES)
    stored = await contacts.get(request.id)
    assert stored is not None
    assert (stored.state, stored.queued_reason) == ("queued", "declined_assignment")
    staff_notices = await db.fetchall(
        "SELECT payload FROM outbox WHERE dedup_key LIKE 'contact-queued:%' ORDER BY id"
    )
    assert [json.loads(r[0])["text"] for r in staff_notices] == [
        f"queued {request.id} network_team",
        f"queued {request.id} declined_assignment",
    ]


async def test_erasing_the_asker_anonymises_and_withdraws_their_requests(
    db: Database, contacts: ContactRepository
) -> None:
    asker = await member(db, "community")
    police = await member(db, "police")
    _, request = await ask(contacts, asker)
    draft = await contacts.start_draft(asker, "other", NOW)
    assert draft is not None
    gone = await MemberRepository(db).get(asker)
    assert gone is not None
    await PersonalDataRepository(db).erase(gone, NOW)
    stored = await contacts.get(request.id)
    assert stored is not None
    assert (stored.asker_id, stored.message, stored.topic) == (None, None, "prevention")
    assert await contacts.get(draft.id) is None
    result = await contacts.accept(
        request.id, 1, police, NOW, _introduce, candidate_username=None, asker_username=None
    )
    assert result.answer is Answer.WITHDRAWN
    async with db.transaction() as tx:
        counts = await run_due(tx, NOW, TODAY, NOTICES, remind_after=REMIND, pass_after=PASS)
    assert counts.withdrawn == 1
    stored = await contacts.get(request.id)
    assert stored is not None and stored.state == "withdrawn"
    assert await asked(db, request.id) == [(police, "withdrawn")]
    assert await reveals(db) == 0
