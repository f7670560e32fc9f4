"""Registrations against the real schema: seats per kind, the waiting list in order, offers of
freed seats that expire and pass on, and answers kept as they come."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from storage.db import Database
from storage.events import Event, EventRepository
from storage.members import MemberRepository
from storage.outbox import OutboxRepository
from storage.registrations import (
    ANSWERING_KEPT_FOR,
    CLAIM_WINDOW,
    SENSITIVE_ANSWERS_KEPT_FOR,
    Addressee,
    Change,
    Notices,
    Refusal,
    Registration,
    RegistrationRepository,
    seat_limit,
)
from storage.timefmt import to_db

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
START = NOW + timedelta(days=30)


def _notice(kind: str) -> Any:
    def build(event: Event, who: Addressee, registration: Registration) -> dict[str, Any]:
        return {"text": f"{kind} {event.id} {registration.id}"}

    return build


NOTICES = Notices(offer=_notice("offer"), expired=_notice("expired"))


async def member(db: Database, telegram_user_id: int, role: str) -> int:
    seen = await MemberRepository(db).seen(telegram_user_id, NOW)
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE members SET role = ?, status = 'active' WHERE id = ?", (role, seen.id)
        )
    return seen.id


async def event(db: Database, **columns: Any) -> Event:
    values: dict[str, Any] = {
        "state": "published",
        "starts_at": to_db(START),
        "ends_at": to_db(START + timedelta(hours=6)),
        "venue": "Rathaus Köln",
        "region": "DE-NW",
        "capacity": 10,
        "registration_deadline": to_db(START - timedelta(days=2)),
        "created_at": to_db(NOW),
        "updated_at": to_db(NOW),
        **columns,
    }
    names = ", ".join(values)
    marks = ", ".join("?" * len(values))
    async with db.transaction() as tx:
        event_id = await tx.insert(
            f"INSERT INTO events ({names}) VALUES ({marks})", tuple(values.values())
        )
        await tx.execute(
            "INSERT INTO event_texts (event_id, language, title) VALUES (?, 'de', 'Dialog')",
            (event_id,),
        )
    assert event_id is not None
    found = await EventRepository(db).get(event_id)
    assert found is not None
    return found


async def sign_up(
    db: Database, the_event: Event, member_id: int, role: str, now: datetime = NOW
) -> Registration | None:
    repo = RegistrationRepository(db)
    registration = await repo.begin(the_event.id, member_id, the_event.seat_for(role), now)
    return (await repo.decide(registration.id, now)).registration


async def test_general_seats_are_what_the_quotas_leave(db: Database) -> None:
    balanced = await event(db, capacity=10, police_seats=4, community_seats=4)
    assert [seat_limit(balanced, s) for s in ("police", "community", "general")] == [4, 4, 2]
    one_sided = await event(db, capacity=10, police_seats=3)
    assert one_sided.seat_for("community") == "general"
    assert seat_limit(one_sided, "general") == 7
    open_event = await event(db, capacity=10)
    assert open_event.seat_for("police") == "general" and seat_limit(open_event, "general") == 10


async def test_a_full_quota_waitlists_its_side_only(db: Database) -> None:
    the_event = await event(db, capacity=4, police_seats=1, community_seats=2)
    police = [await member(db, 100 + n, "police") for n in range(3)]
    community = await member(db, 200, "community")
    staff = await member(db, 300, "staff")
    states = [(await sign_up(db, the_event, m, "police")) for m in police]
    assert [r.state if r else None for r in states] == ["confirmed", "waitlisted", "waitlisted"]
    confirmed = await sign_up(db, the_event, community, "community")
    assert confirmed is not None and (confirmed.seat, confirmed.state) == ("community", "confirmed")
    general = await sign_up(db, the_event, staff, "staff")
    assert general is not None and (general.seat, general.state) == ("general", "confirmed")
    repo = RegistrationRepository(db)
    assert [await repo.position(r) for r in states if r] == [None, 1, 2]


async def test_concurrent_sign_ups_never_overbook(db: Database) -> None:
    the_event = await event(db, capacity=7)
    members = [await member(db, 400 + n, "community") for n in range(40)]
    repo = RegistrationRepository(db)
    begun = [await repo.begin(the_event.id, m, "general", NOW) for m in members]
    decisions = await asyncio.gather(*(repo.decide(r.id, NOW) for r in begun))
    states = [d.registration.state for d in decisions if d.registration]
    assert states.count("confirmed") == 7 and states.count("waitlisted") == 33
    positions = sorted(d.position for d in decisions if d.position is not None)
    assert positions == list(range(1, 34))
    again = await repo.decide(begun[0].id, NOW)  # a double tap decides nothing new
    assert not again.newly and again.registration == decisions[0].registration


async def test_refused_after_the_deadline_for_other_roles_and_cancelled_events(
    db: Database,
) -> None:
    repo = RegistrationRepository(db)
    police = await member(db, 500, "police")
    closed = await event(db, registration_deadline=to_db(NOW - timedelta(hours=1)))
    not_for_police = await event(db, for_police=0)
    cancelled = await event(db, state="cancelled", cancelled_at=to_db(NOW))
    for the_event, refusal in (
        (closed, Refusal.CLOSED),
        (not_for_police, Refusal.AUDIENCE),
        (cancelled, Refusal.CANCELLED),
    ):
        registration = await repo.begin(the_event.id, police, "general", NOW)
        decision = await repo.decide(registration.id, NOW)
        assert decision.refusal is refusal and decision.registration is None
        assert await repo.get(the_event.id, police) is None  # nothing kept


async def test_a_freed_seat_is_offered_in_order_and_passes_on_when_it_expires(
    db: Database,
) -> None:
    repo = RegistrationRepository(db)
    the_event = await event(db, capacity=1)
    first, second, third = [await member(db, 600 + n, "community") for n in range(3)]
    await sign_up(db, the_event, first, "community")
    await sign_up(db, the_event, second, "community", NOW + timedelta(seconds=1))
    await sign_up(db, the_event, third, "community", NOW + timedelta(seconds=2))
    later = NOW + timedelta(hours=1)
    assert await repo.cancel(the_event.id, first, later, NOTICES) is Change.DONE
    offered = await repo.get(the_event.id, second)
    assert offered is not None and offered.state == "offered"
    assert offered.offered_until == later + CLAIM_WINDOW
    assert (await repo.seats(the_event, "general")).free == 0  # the offered seat is held
    outbox = await db.fetchall("SELECT chat_id, payload FROM outbox")
    assert [(r["chat_id"], json.loads(r["payload"])["text"]) for r in outbox] == [
        (601, f"offer {the_event.id} {offered.id}")
    ]
    # Not accepted in time: cancelled and told, and the third is offered the seat.
    expiry = later + CLAIM_WINDOW
    async with db.transaction() as tx:
        assert await RegistrationRepository.pass_on_expired_offers(tx, expiry, NOTICES) == 1
    assert await repo.accept(the_event.id, second, expiry) is Change.NOT_REGISTERED
    lapsed = await repo.get(the_event.id, second)
    assert lapsed is not None and lapsed.state == "cancelled"
    now_offered = await repo.get(the_event.id, third)
    assert now_offered is not None and now_offered.state == "offered"
    assert await repo.accept(the_event.id, third, expiry + timedelta(minutes=5)) is Change.DONE
    taken = await repo.get(the_event.id, third)
    assert taken is not None and taken.state == "confirmed"
    texts = [
        json.loads(r["payload"])["text"] for r in await db.fetchall("SELECT payload FROM outbox")
    ]
    assert texts[1:] == [f"expired {the_event.id} {offered.id}", f"offer {the_event.id} {taken.id}"]
    async with db.transaction() as tx:  # running again changes nothing
        assert await RegistrationRepository.pass_on_expired_offers(tx, expiry, NOTICES) == 0
    assert await OutboxRepository(db).count_by_state() == {"pending": 3}


async def test_an_offer_ends_when_the_event_starts_and_cannot_be_taken_late(db: Database) -> None:
    repo = RegistrationRepository(db)
    soon = NOW + timedelta(hours=3)
    the_event = await event(
        db,
        capacity=1,
        starts_at=to_db(soon),
        ends_at=to_db(soon + timedelta(hours=1)),
        registration_deadline=to_db(NOW + timedelta(hours=2)),
    )
    first, second = [await member(db, 700 + n, "police") for n in range(2)]
    await sign_up(db, the_event, first, "police")
    await sign_up(db, the_event, second, "police")
    assert await repo.cancel(the_event.id, first, NOW, NOTICES) is Change.DONE
    offered = await repo.get(the_event.id, second)
    assert offered is not None and offered.offered_until == soon
    assert await repo.accept(the_event.id, second, soon) is Change.CLOSED
    assert await repo.cancel(the_event.id, first, NOW, NOTICES) is Change.NOT_REGISTERED
    await sign_up(db, the_event, first, "police")  # a cancelled member may sign up again…
    again = await repo.get(the_event.id, first)
    assert again is not None and again.state == "waitlisted"  # …at the end of the line
    # After the deadline a registration cannot be given up here any more.
    late = NOW + timedelta(hours=2, minutes=30)
    assert await repo.cancel(the_event.id, first, late, NOTICES) is Change.CLOSED


async def test_answers_are_kept_as_they_come_and_unfinished_sign_ups_are_dropped(
    db: Database,
) -> None:
    repo = RegistrationRepository(db)
    the_event = await event(db)
    other = await event(db)
    async with db.transaction() as tx:
        question_id = await tx.insert(
            "INSERT INTO event_questions (event_id, position, kind, prompt)"
            " VALUES (?, 1, 'text', ?)",
            (the_event.id, json.dumps({"de": "Essen?"})),
        )
    assert question_id is not None
    someone = await member(db, 800, "community")
    registration = await repo.begin(the_event.id, someone, "general", NOW)
    undecided = await repo.decide(registration.id, NOW)  # a question is still open
    assert undecided.registration is not None and undecided.registration.state == "answering"
    assert await repo.answer(registration.id, question_id, "vegetarisch")
    assert not await repo.answer(registration.id, question_id, "vegan")  # answered already
    assert await repo.answers(registration.id) == {question_id: "vegetarisch"}
    resumed = await repo.begin(the_event.id, someone, "general", NOW)
    assert resumed.id == registration.id and await repo.answers(resumed.id)
    await repo.begin(other.id, someone, "general", NOW)  # one unfinished sign-up at a time
    assert await repo.get(the_event.id, someone) is None
    async with db.transaction() as tx:
        await RegistrationRepository.pass_on_expired_offers(tx, NOW + ANSWERING_KEPT_FOR, NOTICES)
    assert await repo.answering(someone) is None


async def test_sensitive_answers_go_30_days_after_the_event_others_stay(db: Database) -> None:
    repo = RegistrationRepository(db)
    the_event = await event(db)
    questions = {}
    async with db.transaction() as tx:
        for position, sensitive in ((1, 1), (2, 0)):
            questions[sensitive] = await tx.insert(
                "INSERT INTO event_questions (event_id, position, kind, prompt, sensitive)"
                " VALUES (?, ?, 'text', ?, ?)",
                (the_event.id, position, json.dumps({"de": f"Frage {position}"}), sensitive),
            )
    someone = await member(db, 900, "community")
    registration = await repo.begin(the_event.id, someone, "general", NOW)
    assert await repo.answer(registration.id, questions[1], "halal")
    assert await repo.answer(registration.id, questions[0], "mit Begleitung")
    assert the_event.ends_at is not None
    almost = the_event.ends_at + SENSITIVE_ANSWERS_KEPT_FOR - timedelta(minutes=1)
    async with db.transaction() as tx:
        assert await RegistrationRepository.prune_sensitive_answers(tx, almost) == 0
    async with db.transaction() as tx:
        later = almost + timedelta(minutes=1)
        assert await RegistrationRepository.prune_sensitive_answers(tx, later) == 1
    assert await repo.answers(registration.id) == {questions[0]: "mit Begleitung"}


async def test_a_suspended_member_in_line_is_passed_over_until_active_again(
    db: Database,
) -> None:
    repo = RegistrationRepository(db)
    the_event = await event(db, capacity=1)
    holder, suspended, next_in_line = (
        await member(db, 1001, "community"),
        await member(db, 1002, "community"),
        await member(db, 1003, "community"),
    )
    for someone in (holder, suspended, next_in_line):
        await sign_up(db, the_event, someone, "community")
    async with db.transaction() as tx:
        await tx.execute("UPDATE members SET status = 'suspended' WHERE id = ?", (suspended,))
    await repo.cancel(the_event.id, holder, NOW, NOTICES)
    offered = await repo.get(the_event.id, next_in_line)
    passed_over = await repo.get(the_event.id, suspended)
    assert offered is not None and offered.state == "offered"
    assert passed_over is not None and passed_over.state == "waitlisted"  # keeps the place
