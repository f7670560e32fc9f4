"""The benchmark's synthetic network (storage/synthetic.py): every table filled, the schema's
foreign keys and checks kept, the story consistent (nothing after ``now``, no event over its
capacity, every introduction accepted by the member introduced), and the same seed giving
the same data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.db import Database
from storage.synthetic import TABLES, fill
from storage.timefmt import to_db

NOW = datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
MEMBERS = 2_000


async def test_a_network_of_2000_members_fills_every_table_consistently(db: Database) -> None:
    counts = await fill(db, members=MEMBERS, now=NOW)

    assert set(counts) == set(TABLES)
    assert {table: n for table, n in counts.items() if n == 0} == {}
    for table, n in counts.items():
        row = await db.fetchone(f"SELECT count(*) FROM {table}")
        assert row is not None and row[0] == n, table
    assert counts["members"] == MEMBERS
    assert counts["events"] == 120
    assert counts["contact_requests"] == 100
    assert counts["checkin_rounds"] == 4
    rows = await db.fetchall("SELECT role, count(*) FROM members GROUP BY role")
    roles = {row[0]: int(row[1]) for row in rows}
    assert roles["staff"] == 10
    assert 0.68 < roles["community"] / MEMBERS < 0.74
    assert 0.24 < roles["police"] / MEMBERS < 0.26

    assert await db.fetchall("PRAGMA foreign_key_check") == []
    check = await db.fetchone("PRAGMA integrity_check")
    assert check is not None and check[0] == "ok"
    orphans = await db.fetchone(
        "SELECT count(*) FROM registrations WHERE event_id NOT IN (SELECT id FROM events)"
    )
    assert orphans is not None and orphans[0] == 0

    # Everything has happened by now (a few offered seats and events are still ahead).
    stamp = to_db(NOW)
    for table, column in (
        ("members", "created_at"), ("members", "last_seen_at"), ("members", "unreachable_at"),
        ("registrations", "created_at"), ("event_feedback", "answered_at"),
        ("contact_requests", "submitted_at"), ("contact_requests", "closed_at"),
        ("contact_candidates", "answered_at"), ("contact_followups", "asked_at"),
        ("checkin_projects", "submitted_at"), ("checkin_rounds", "opens_at"),
        ("audit_log", "at"),
    ):  # fmt: skip
        latest = await db.fetchone(f"SELECT max({column}) FROM {table}")
        assert latest is not None and latest[0] < stamp, (table, column)

    over = await db.fetchall(
        "SELECT e.id FROM events e JOIN registrations r ON r.event_id = e.id"
        " WHERE r.state = 'confirmed' GROUP BY e.id HAVING count(*) > e.capacity"
    )
    assert over == []
    introduced = await db.fetchone(
        "SELECT count(*), count(c.member_id) FROM contact_requests q"
        " LEFT JOIN contact_candidates c ON c.request_id = q.id AND c.answer = 'accepted'"
        " AND c.member_id = q.introduced_to WHERE q.state = 'introduced'"
    )
    assert introduced is not None and introduced[0] == introduced[1] > 0
    # Feedback is asked only once an event is over.
    early = await db.fetchone(
        "SELECT count(*) FROM event_feedback f JOIN events e ON e.id = f.event_id"
        " WHERE f.asked_at < e.ends_at"
    )
    assert early is not None and early[0] == 0


async def test_the_same_seed_gives_the_same_network(db: Database, tmp_path: Path) -> None:
    other = await Database.open(tmp_path / "other.sqlite3")
    try:
        first = await fill(db, members=500, now=NOW, seed=7)
        assert await fill(other, members=500, now=NOW, seed=7) == first
        query = "SELECT * FROM contact_candidates ORDER BY request_id, position"
        mine = [tuple(r) for r in await db.fetchall(query)]
        assert mine == [tuple(r) for r in await other.fetchall(query)]
    finally:
        await other.close()


async def test_a_database_with_members_is_refused(db: Database) -> None:
    await fill(db, members=200, now=NOW)
    with pytest.raises(ValueError, match="holds members"):
        await fill(db, members=200, now=NOW)
