"""After an introduction, against the real schema: when a relay opens, how it ends (each side
told once), the follow-up asked once per side, and the "do not introduce me" list."""

from __future__ import annotations

from datetime import timedelta
from itertools import count
from typing import Any

import pytest

from storage.contact_followups import Answered, FollowupRepository, ask_due
from storage.contacts import ContactRepository
from storage.db import Database
from storage.do_not_introduce import Added, DoNotIntroduceRepository
from storage.introductions import Introduced
from storage.members import MemberRepository
from storage.relays import Ended, Ending, RelayRepository, end_due
from tests.storage.test_contacts import BERLIN, NOW, ask, current

RELAY = timedelta(days=14)
_users = count(44900)


async def member(db: Database, role: str, **columns: Any) -> int:
    seen = await MemberRepository(db).seen(next(_users), NOW)
    values = {"role": role, "status": "active", "display_name": f"{role} {seen.id}", **columns}
    async with db.transaction() as tx:
        await tx.execute(
            f"UPDATE members SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
            (*values.values(), seen.id),
        )
        await tx.execute("INSERT INTO member_regions VALUES (?, 'DE-BE')", (seen.id,))
    return seen.id


def _intro(*args: Any) -> dict[str, Any]:
    return {"text": "intro"}


def _ended(view: Introduced, ending: Ending) -> dict[str, Any]:
    return {"text": f"ended {view.side} {ending.name}"}


def _followup(view: Introduced) -> dict[str, Any]:
    return {"text": f"followup {view.side}"}


async def introduced(db: Database, asker: int, police: int) -> int:
    contacts = ContactRepository(db, BERLIN)
    _, request = await ask(contacts, asker)
    who, position = await current(contacts, db, request.id)
    assert who == police
    result = await contacts.accept(
        request.id, position, police, NOW, _intro,
        candidate_username=None, asker_username=None, relay_for=RELAY,
    )  # fmt: skip
    assert result.request is not None and result.request.state == "introduced"
    return request.id


async def sent(db: Database, prefix: str) -> list[tuple[Any, ...]]:
    rows = await db.fetchall(
        "SELECT dedup_key, payload FROM outbox WHERE dedup_key LIKE ? ORDER BY dedup_key",
        (f"{prefix}%",),
    )
    return [tuple(r) for r in rows]


@pytest.mark.parametrize(
    ("asker_phone", "police_email", "opens"),
    [(None, None, True), ("+49301234567", None, True), ("+49301234567", "p@x.example", False)],
)
async def test_a_relay_opens_only_when_a_side_shares_nothing_reachable(
    db: Database, asker_phone: str | None, police_email: str | None, opens: bool
) -> None:
    asker = await member(db, "community", phone=asker_phone, share_phone=1)
    police = await member(db, "police", email=police_email, share_email=1)
    request_id = await introduced(db, asker, police)
    row = await db.fetchone("SELECT opened_at, ends_at FROM contact_relays")
    assert (row is not None) is opens
    conversation = await RelayRepository(db).conversation(request_id, asker)
    assert conversation is not None
    assert conversation.can_pass_on(NOW) is opens
    assert not conversation.can_pass_on(NOW + RELAY)


async def test_relays_end_on_time_or_when_a_side_goes_and_each_side_is_told_once(
    db: Database,
) -> None:
    relays = RelayRepository(db)
    asker, police = await member(db, "community"), await member(db, "police")
    expiring = await introduced(db, asker, police)
    other_asker, other_police = await member(db, "community"), await member(db, "police")
    async with db.transaction() as tx:  # the first pair is not asked about the second request
        await tx.execute("UPDATE members SET snoozed_until = '2099-01-01' WHERE id = ?", (police,))
    leaving = await introduced(db, other_asker, other_police)
    assert await relays.has_open(asker, NOW) and await relays.has_open(other_police, NOW)
    async with db.transaction() as tx:
        await tx.execute("UPDATE members SET status = 'suspended' WHERE id = ?", (other_asker,))
        assert await end_due(tx, NOW + timedelta(days=1), _ended) == 1
    async with db.transaction() as tx:
        assert await end_due(tx, NOW + RELAY, _ended) == 1
        assert await end_due(tx, NOW + RELAY, _ended) == 0
    told = await sent(db, "contact-relay-end:")
    assert [key for key, _ in told] == [
        f"contact-relay-end:{expiring}:asker",
        f"contact-relay-end:{expiring}:candidate",
        f"contact-relay-end:{leaving}:candidate",  # the suspended asker is not written to
    ]
    assert "GONE" in told[2][1] and "EXPIRED" in told[0][1]
    assert not await relays.has_open(asker, NOW + RELAY)


async def test_ending_by_a_side_tells_the_other_and_nobody_else_can(db: Database) -> None:
    relays = RelayRepository(db)
    asker, police, third = (
        await member(db, "community"), await member(db, "police"), await member(db, "police")
    )  # fmt: skip
    request_id = await introduced(db, asker, police)
    assert await relays.end(request_id, third, NOW, _ended) is Ended.NOT_YOURS
    assert await relays.end(request_id, police, NOW, _ended) is Ended.DONE
    assert await relays.end(request_id, asker, NOW, _ended) is Ended.ALREADY
    assert [k for k, _ in await sent(db, "contact-relay-end:")] == [
        f"contact-relay-end:{request_id}:asker"
    ]
    async with db.transaction() as tx:
        assert await end_due(tx, NOW + RELAY, _ended) == 0


async def test_the_follow_up_is_asked_once_per_side_and_not_months_late(db: Database) -> None:
    followups = FollowupRepository(db)
    asker, police = await member(db, "community"), await member(db, "police")
    request_id = await introduced(db, asker, police)
    after = timedelta(days=14)
    async with db.transaction() as tx:
        assert await ask_due(tx, NOW + after - timedelta(minutes=1), after, _followup) == 0
        assert await ask_due(tx, NOW + after, after, _followup) == 2
        assert await ask_due(tx, NOW + after * 2, after, _followup) == 0
    assert len(await sent(db, "contact-followup:")) == 2
    assert (await followups.rate(request_id, asker, 5, NOW)).outcome is Answered.NOT_YOURS
    assert (await followups.answer(request_id, asker, True, NOW)).outcome is Answered.DONE
    assert (await followups.answer(request_id, asker, False, NOW)).outcome is Answered.REPEATED
    rated = await followups.rate(request_id, asker, 5, NOW)
    assert rated.outcome is Answered.DONE and rated.followup is not None
    assert rated.followup.usefulness == 5
    assert (await followups.rate(request_id, asker, 1, NOW)).outcome is Answered.REPEATED
    assert (await followups.answer(request_id, police, False, NOW)).outcome is Answered.DONE
    assert (await followups.rate(request_id, police, 3, NOW)).outcome is Answered.NOT_YOURS
    with pytest.raises(ValueError):
        await followups.rate(request_id, asker, 6, NOW)
    # An introduction whose follow-up is more than 60 days overdue is not asked about.
    late_asker, late_police = await member(db, "community"), await member(db, "police")
    async with db.transaction() as tx:
        await tx.execute("UPDATE members SET snoozed_until = '2099-01-01' WHERE id = ?", (police,))
    await introduced(db, late_asker, late_police)
    async with db.transaction() as tx:
        assert await ask_due(tx, NOW + after + timedelta(days=61), after, _followup) == 0


async def test_the_list_takes_only_people_one_was_introduced_to(db: Database) -> None:
    listing = DoNotIntroduceRepository(db)
    asker = await member(db, "community")
    police = await member(db, "police", display_name="Kommissarin Zweit", share_name=0)
    third = await member(db, "police")
    request_id = await introduced(db, asker, police)
    assert await listing.add(third, request_id, NOW) is Added.NOT_YOURS
    assert await listing.add(asker, request_id + 1, NOW) is Added.NOT_YOURS
    assert await listing.add(asker, request_id, NOW) is Added.ADDED
    assert await listing.add(asker, request_id, NOW) is Added.ALREADY
    assert await listing.add(police, request_id, NOW) is Added.ADDED
    assert await listing.is_listed(asker, request_id)
    (entry,) = await listing.listed(asker)
    assert (entry.other_id, entry.role, entry.name, entry.topic) == (
        police, "police", None, "prevention",
    )  # fmt: skip
    (entry,) = await listing.listed(police)
    assert (entry.other_id, entry.role) == (asker, "community")
    assert await listing.remove(asker, police) and not await listing.remove(asker, police)
    assert await listing.count(asker) == 0 and await listing.count(police) == 1
