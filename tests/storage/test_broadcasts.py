"""Broadcasts in storage: the audience as SQL, freezing it into outbox rows once, progress,
finishing only when nothing is pending, cancelling, and the four-eyes rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.broadcasts import Audience, Broadcast, BroadcastRepository
from storage.db import Database
from storage.members import MemberRepository
from storage.timefmt import to_db

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
LANGUAGES = ("de", "en", "fr", "tr", "ar")
_next_user = iter(range(46300, 46400))


async def member(db: Database, role: str, language: str | None, **columns: object) -> int:
    seen = await MemberRepository(db).seen(next(_next_user), NOW)
    values = {"role": role, "status": "active", "language": language, **columns}
    assignments = ", ".join(f"{name} = ?" for name in values)
    async with db.transaction() as tx:
        await tx.execute(
            f"UPDATE members SET {assignments} WHERE id = ?", (*values.values(), seen.id)
        )
    return seen.id


def payload(broadcast: Broadcast, language: str) -> tuple[str, dict[str, object]]:
    return "sendMessage", {"text": broadcast.texts.get(language) or broadcast.texts["de"]}


async def test_audience_filters_queue_once_progress_and_finish(db: Database) -> None:
    repo = BroadcastRepository(db, "de", LANGUAGES)
    staff = await member(db, "staff", "de")
    police = await member(db, "police", "en")
    community = await member(db, "community", None, app_language="tr-TR")
    quiet = await member(db, "community", "fr", announcements=0)
    await member(db, "community", "de", status="suspended")
    assert await repo.count(Audience(), essential=False) == {"de": 1, "en": 1, "tr": 1}
    assert await repo.count(Audience(), essential=True) == {"de": 1, "en": 1, "tr": 1, "fr": 1}
    assert await repo.count(Audience(roles=("community",)), essential=False) == {"tr": 1}
    assert await repo.count(Audience(languages=("en", "fr")), essential=True) == {"en": 1, "fr": 1}

    draft = await repo.start(staff, NOW)
    assert await repo.set_text(draft.id, staff, "de", "<b>Hallo</b>", NOW)
    assert await repo.set_text(draft.id, staff, "en", "<b>Hello</b>", NOW)
    assert not await repo.set_text(draft.id, police, "en", "forged", NOW)
    assert await repo.release(draft.id, staff, NOW, send_at=None, needs_approval=False) == "sending"
    broadcast = await repo.get(draft.id)
    assert broadcast is not None
    async with db.transaction() as tx:
        assert await BroadcastRepository.to_queue(tx, NOW) == [draft.id]
        assert await repo.queue_in(tx, broadcast, NOW, payload) == 3
        assert await repo.queue_in(tx, broadcast, NOW, payload) == 0
        assert await BroadcastRepository.to_queue(tx, NOW) == []
    rows = await db.fetchall(
        "SELECT chat_id, payload, priority FROM outbox WHERE broadcast_id = ? ORDER BY id",
        (draft.id,),
    )
    assert [r["priority"] for r in rows] == [-1, -1, -1]
    assert ["Hallo" in r["payload"] for r in rows] == [True, False, True]  # tr falls back
    progress = await repo.progress(draft.id)
    assert progress is not None and (progress.recipients, progress.pending) == (3, 3)
    assert not await repo.finish_done(draft.id, NOW)
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE outbox SET state = 'sent', finished_at = ? WHERE broadcast_id = ?",
            (to_db(NOW), draft.id),
        )
    assert await repo.finish_done(draft.id, NOW)
    assert not await repo.finish_done(draft.id, NOW)
    assert quiet and community


async def test_four_eyes_schedule_and_cancel(db: Database) -> None:
    repo = BroadcastRepository(db, "de", LANGUAGES)
    author = await member(db, "staff", "de")
    second = await member(db, "staff", "de")
    await member(db, "community", "de")
    draft = await repo.start(author, NOW)
    await repo.set_text(draft.id, author, "de", "Termin", NOW)
    assert await repo.set_audience(draft.id, author, Audience(roles=("community",)), NOW)
    later = NOW + timedelta(days=1)
    state = await repo.release(draft.id, author, NOW, send_at=later, needs_approval=True)
    assert state == "awaiting_approval"
    assert await repo.approve(draft.id, author, NOW) is None  # not by its author
    assert await repo.approve(draft.id, second, NOW) == "scheduled"
    async with db.transaction() as tx:
        assert await BroadcastRepository.to_queue(tx, NOW) == []
        assert await BroadcastRepository.to_queue(tx, later) == [draft.id]
        broadcast = await repo.get_in(tx, draft.id)
        assert broadcast is not None
        assert await repo.queue_in(tx, broadcast, later, payload) == 1
    assert await repo.cancel(draft.id, author, later) == 1
    assert await db.fetchall("SELECT * FROM outbox WHERE broadcast_id = ?", (draft.id,)) == []
    cancelled = await repo.get(draft.id)
    assert cancelled is not None and cancelled.state == "cancelled"


async def test_changing_the_versions_asks_for_the_fallback_again(db: Database) -> None:
    repo = BroadcastRepository(db, "de", LANGUAGES)
    author = await member(db, "staff", "de")
    draft = await repo.start(author, NOW)
    await repo.set_text(draft.id, author, "de", "Termin", NOW)
    await repo.set_text(draft.id, author, "en", "Date", NOW)
    for change in (
        repo.drop_text(draft.id, author, "en", NOW),
        repo.set_text(draft.id, author, "fr", "Rendez-vous", NOW),
    ):
        assert await repo.confirm_fallback(draft.id, author, NOW)
        assert await change
        changed = await repo.get(draft.id)
        assert changed is not None and not changed.fallback_confirmed
    assert not await repo.drop_text(draft.id, author + 1, "fr", NOW)  # not their draft
    final = await repo.get(draft.id)
    assert final is not None and final.texts == {"de": "Termin", "fr": "Rendez-vous"}
