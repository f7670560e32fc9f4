"""Repositories against a real SQLite file with the real migrations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.conversations import ConversationRepository
from storage.db import Database
from storage.inbox import InboxRepository
from storage.members import MemberRepository
from storage.outbox import FAILED, SENT, OutboxRepository
from storage.schedule import ScheduleRepository

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


async def test_inbox_drops_redelivered_ids_even_when_ids_restart_lower(db: Database) -> None:
    inbox = InboxRepository(db)
    first = await inbox.store([(500, '{"update_id": 500}'), (501, '{"update_id": 501}')], NOW)
    assert None not in first
    assert await inbox.store([(501, '{"update_id": 501}')], NOW) == [None]  # replay
    # After a week of silence Telegram may pick a random, lower id: it is new, not a replay.
    assert await inbox.store([(7, '{"update_id": 7}')], NOW) != [None]
    assert [i.update_id for i in await inbox.unhandled()] == [500, 501, 7]  # arrival order


async def test_handled_updates_lose_their_payload_and_are_pruned_later(db: Database) -> None:
    inbox = InboxRepository(db)
    await inbox.store([(1, '{"update_id": 1, "message": {"text": "private"}}')], NOW)
    (item,) = await inbox.unhandled()
    await inbox.mark_handled([item.seq], NOW)
    row = await db.fetchone("SELECT payload, handled_at FROM inbox WHERE update_id = 1")
    assert row is not None and row["payload"] is None and row["handled_at"] is not None
    assert await inbox.store([(1, "{}")], NOW) == [None]  # still remembered as seen
    async with db.transaction() as tx:
        assert await InboxRepository.prune_handled(tx, NOW + timedelta(seconds=1)) == 1
    assert await inbox.store([(1, "{}")], NOW) != [None]


async def test_member_seen_creates_once_and_clears_unreachable(db: Database) -> None:
    members = MemberRepository(db)
    first = await members.seen(42, NOW)
    await members.mark_unreachable(42, NOW)
    assert (await members.get_by_telegram_id(42)).unreachable_at == NOW  # type: ignore[union-attr]
    again = await members.seen(42, NOW + timedelta(hours=1))
    assert again.id == first.id and again.unreachable_at is None
    assert again.last_seen_at == NOW + timedelta(hours=1)
    assert await members.set_language(42, "ar")
    assert (await members.get_by_telegram_id(42)).language == "ar"  # type: ignore[union-attr]


async def test_conversation_states_round_trip(db: Database) -> None:
    repo = ConversationRepository(db)
    await repo.save("language", (10, 10), "choosing", NOW)
    assert await repo.load("language") == {(10, 10): "choosing"}
    await repo.save("language", (10, 10), None, NOW)
    assert await repo.load("language") == {}


async def test_schedule_claim_runs_an_occurrence_once(db: Database) -> None:
    repo = ScheduleRepository(db)
    item = await repo.ensure("retention", "daily", NOW, NOW, recurrence="0 9 * * *")
    again = await repo.ensure("retention", "daily", NOW + timedelta(days=5), NOW)
    assert again.id == item.id and again.due_at == NOW  # ensure never moves an existing item
    async with db.transaction() as tx:
        assert await repo.claim(tx, item, NOW + timedelta(days=1), NOW)
    async with db.transaction() as tx:  # the same occurrence, read before the claim landed
        assert not await repo.claim(tx, item, NOW + timedelta(days=1), NOW)
    assert await repo.runs(item.id) == [NOW]
    assert (await repo.get("retention", "daily")).due_at == NOW + timedelta(days=1)  # type: ignore[union-attr]
    assert await repo.due(NOW + timedelta(hours=1)) == []


async def test_schedule_gives_up_after_repeated_failures(db: Database) -> None:
    repo = ScheduleRepository(db)
    item = await repo.ensure("broken", "x", NOW, NOW)
    results = [await repo.record_failure(item.id, give_up_after=3) for _ in range(3)]
    assert results == [False, False, True]
    assert (await repo.get("broken", "x")).state == "failed"  # type: ignore[union-attr]


async def test_outbox_dedup_order_and_settlement(db: Database) -> None:
    outbox = OutboxRepository(db)
    first = await outbox.add(NOW, 1, "sendMessage", {"text": "a"}, dedup_key="k1")
    assert await outbox.add(NOW, 1, "sendMessage", {"text": "a"}, dedup_key="k1") is None
    urgent = await outbox.add(NOW, 2, "sendMessage", {"text": "b"}, priority=5)
    assert [m.id for m in await outbox.pending(10)] == [urgent, first]
    assert [m.id for m in await outbox.pending(10, skip_chats={2})] == [first]
    assert first is not None and urgent is not None
    await outbox.finish(first, SENT, NOW, None)
    assert await outbox.record_attempt(urgent, "NetworkError: x") == 1
    await outbox.finish(urgent, FAILED, NOW, "NetworkError: x")
    assert await outbox.count_by_state() == {"sent": 1, "failed": 1}
    row = await db.fetchone("SELECT count(*) FROM outbox WHERE payload IS NOT NULL")
    assert row is not None and row[0] == 0  # sent texts are not kept


async def test_outbox_abandons_every_queued_message_of_an_unreachable_chat(db: Database) -> None:
    outbox = OutboxRepository(db)
    for text in ("a", "b", "c"):
        await outbox.add(NOW, 9, "sendMessage", {"text": text})
    await outbox.add(NOW, 10, "sendMessage", {"text": "d"})
    assert await outbox.abandon_chat(9, NOW, "Forbidden: bot was blocked by the user") == 3
    assert await outbox.states(9) == ["unreachable"] * 3
    assert await outbox.states(10) == ["pending"]
