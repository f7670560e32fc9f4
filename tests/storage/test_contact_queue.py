"""The network team's side of contact requests against the real schema: whom staff may
assign (exactly whom ``ask_member`` accepts), closing once, and the retention periods."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from storage.audit import AuditRepository
from storage.contact_queue import Closed, ContactQueueRepository
from storage.contact_retention import ContactRetention, prune_contact_requests
from storage.contacts import ContactRepository, ContactRequest
from storage.db import Database
from storage.members import Addressee
from storage.timefmt import to_db
from tests.storage.test_contacts import BERLIN, NOTICES, NOW, TODAY, ask, asked, member


def _told(request: ContactRequest, asker: Addressee, text: str) -> dict[str, Any]:
    return {"text": f"closed {request.id} {text}"}


async def test_staff_may_assign_exactly_whom_ask_member_accepts(db: Database) -> None:
    contacts = ContactRepository(db, BERLIN)
    staff = await member(db, "staff", ())
    asker = await member(db, "community", ("DE-BE",))
    local = await member(db, "police", ("DE-BE",), topics=("mosque_security",))
    near = await member(db, "police", ("DE-BB",))
    nationwide = await member(db, "police", ("DE",))
    far = await member(db, "police", ("DE-BY",))
    snoozed = await member(db, "police", ("DE-BE",), snoozed_until=TODAY.isoformat())
    suspended = await member(db, "police", ("DE-BE",), status="suspended")
    unwanted = await member(db, "police", ("DE-BE",))
    same_side = await member(db, "community", ("DE-BE",))
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO do_not_introduce (member_id, other_id, created_at) VALUES (?, ?, ?)",
            (unwanted, asker, to_db(NOW)),
        )
    _, request = await ask(contacts, asker, topic="network_team")
    assert await contacts.assignable(request.id, NOW) == [local, near, nationwide, far]
    people = await ContactQueueRepository(db).assignees(request, [local, near, nationwide, far])
    assert [(p.member_id, p.tier, p.regions, p.open_questions) for p in people] == [
        (local, 1, ("DE-BE",), 0),
        (near, 2, ("DE-BB",), 0),
        (nationwide, 2, ("DE",), 0),
        (far, 3, ("DE-BY",), 0),
    ]
    for refused in (snoozed, suspended, unwanted, same_side, asker, staff):
        assert not await contacts.ask_member(request.id, refused, NOW, NOTICES, assigned_by=staff)
    assert await contacts.ask_member(request.id, far, NOW, NOTICES, assigned_by=staff)
    assert await contacts.assignable(request.id, NOW) == []  # no longer queued
    assert not await contacts.ask_member(request.id, local, NOW, NOTICES, assigned_by=staff)
    assert await asked(db, request.id) == [(far, None)]
    audit = await AuditRepository(db).entries("contact.assign")
    assert [(e.actor_id, e.object_id, e.detail) for e in audit] == [
        (staff, request.id, f"member={far}")
    ]
    # Declined: back in the queue, and the one who declined is not offered again.
    await contacts.decline(request.id, 1, far, NOW, NOTICES)
    assert await contacts.assignable(request.id, NOW) == [local, near, nationwide]


async def test_an_asker_who_can_no_longer_ask_gets_nobody_assigned(db: Database) -> None:
    contacts = ContactRepository(db, BERLIN)
    staff = await member(db, "staff", ())
    asker = await member(db, "community")
    police = await member(db, "police")
    _, request = await ask(contacts, asker, topic="network_team")
    async with db.transaction() as tx:
        await tx.execute("UPDATE members SET status = 'lapsed' WHERE id = ?", (asker,))
    assert await contacts.assignable(request.id, NOW) == []
    assert not await contacts.ask_member(request.id, police, NOW, NOTICES, assigned_by=staff)
    card = await ContactQueueRepository(db).card(request.id)
    assert card is not None and not card.asker_may_ask


async def test_closing_needs_a_written_message_and_happens_once(db: Database) -> None:
    contacts = ContactRepository(db, BERLIN)
    queue = ContactQueueRepository(db)
    first, second = await member(db, "staff", ()), await member(db, "staff", ())
    asker = await member(db, "community", language="de")
    _, request = await ask(contacts, asker, topic="network_team")
    assert await queue.start_close(first, request.id, NOW)
    assert await queue.start_close(second, request.id, NOW)
    result = await queue.close(first, request.id, NOW, _told)
    assert result.outcome is Closed.NO_DRAFT  # nothing written yet
    assert await queue.set_close_text(first, "We will call you.")
    assert await queue.set_close_text(second, "Please call us.")
    result = await queue.close(first, request.id, NOW, _told)
    assert (result.outcome, result.told) == (Closed.DONE, True)
    assert result.request is not None and result.request.state == "closed"
    result = await queue.close(second, request.id, NOW, _told)
    assert result.outcome is Closed.HANDLED
    assert await queue.close_draft(second) is None  # gone with the attempt
    assert not await queue.start_close(first, request.id, NOW)  # no longer queued
    stored = await contacts.get(request.id)
    assert stored is not None
    assert (stored.state, stored.message, stored.closed_at) == ("closed", None, NOW)
    rows = await db.fetchall(
        "SELECT chat_id, payload FROM outbox WHERE dedup_key LIKE 'contact-c%'"
    )
    assert [json.loads(r["payload"])["text"] for r in rows] == [
        f"closed {request.id} We will call you."
    ]
    audit = await AuditRepository(db).entries("contact.close")
    assert [(e.actor_id, e.object_id, e.detail) for e in audit] == [(first, request.id, None)]


async def test_retention_clears_messages_then_deletes_closed_requests(db: Database) -> None:
    contacts = ContactRepository(db, BERLIN)
    asker = await member(db, "community")
    police = await member(db, "police")
    _, introduced = await ask(contacts, asker)
    await contacts.accept(
        introduced.id, 1, police, NOW, lambda r, to, about: {"text": "intro"},
        candidate_username=None, asker_username=None,
    )  # fmt: skip
    _, open_one = await ask(contacts, asker, topic="network_team")
    draft = await contacts.start_draft(asker, "other", NOW)
    assert draft is not None
    retention = ContactRetention(messages_after=timedelta(days=10), rows_after=timedelta(days=20))

    async def prune(days: int) -> tuple[int, int, int]:
        async with db.transaction() as tx:
            pruned = await prune_contact_requests(tx, NOW + timedelta(days=days), retention)
        return pruned.messages, pruned.drafts, pruned.requests

    assert await prune(9) == (0, 0, 0)
    assert await prune(10) == (1, 1, 0)
    stored = await contacts.get(introduced.id)
    assert stored is not None and stored.message is None and stored.topic == "prevention"
    queued = await contacts.get(open_one.id)
    assert queued is not None and queued.message is not None  # open: someone works on it
    assert await prune(19) == (0, 0, 0)
    assert await prune(20) == (0, 0, 1)
    assert await contacts.get(introduced.id) is None
    assert await asked(db, introduced.id) == []
    assert await prune(400) == (0, 0, 0)
    assert await contacts.get(open_one.id) is not None  # never while open
