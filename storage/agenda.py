"""The next moment at which the bot acts on its own: what the sandbox's "Next scheduled" jumps
to. Housekeeping jobs that run every few minutes are left out (they are how the moments below
are noticed, not moments of their own)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from storage.db import Database
from storage.timefmt import from_db, to_db


async def next_moment(
    db: Database,
    after: datetime,
    skip_kinds: Collection[str],
    reminders_before: Sequence[timedelta] = (),
) -> datetime | None:
    """The earliest of: a pending scheduled item (not of ``skip_kinds``), a step of an open
    check-in round's timeline, a scheduled broadcast's time, an event reminder (each of
    ``reminders_before`` the start of a published event someone is confirmed for); all
    strictly after ``after``."""
    moment = to_db(after)
    skip = list(skip_kinds)
    marks = ",".join("?" * len(skip)) or "''"
    row = await db.fetchone(
        "SELECT min(at) FROM ("
        " SELECT due_at AS at FROM scheduled_items"
        f" WHERE state = 'pending' AND kind NOT IN ({marks})"
        " UNION ALL SELECT remind_at FROM checkin_rounds WHERE closed_at IS NULL"
        " UNION ALL SELECT last_remind_at FROM checkin_rounds WHERE closed_at IS NULL"
        " UNION ALL SELECT final_at FROM checkin_rounds WHERE closed_at IS NULL"
        " UNION ALL SELECT due_at FROM checkin_rounds WHERE closed_at IS NULL"
        " UNION ALL SELECT closes_at FROM checkin_rounds WHERE closed_at IS NULL"
        " UNION ALL SELECT send_at FROM broadcasts WHERE state = 'scheduled'"
        ") WHERE at > ?",
        (*skip, moment),
    )
    found = [from_db(row[0])] if row is not None and row[0] is not None else []
    starts = await db.fetchall(
        "SELECT DISTINCT events.starts_at FROM events"
        " JOIN registrations ON registrations.event_id = events.id"
        " WHERE events.state = 'published' AND registrations.state = 'confirmed'"
        " AND events.starts_at > ?",
        (moment,),
    )
    for start in (from_db(r[0]) for r in starts):
        found += [start - before for before in reminders_before if start - before > after]
    return min(found, default=None)
