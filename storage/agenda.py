"""The next moment at which the bot acts on its own: what the sandbox's "Next scheduled" jumps
to. Housekeeping jobs that run every few minutes are left out (they are how the moments below
are noticed, not moments of their own)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from storage.db import Database
from storage.timefmt import from_db, to_db


async def next_moment(
    db: Database, after: datetime, skip_kinds: Collection[str]
) -> datetime | None:
    """The earliest of: a pending scheduled item (not of ``skip_kinds``), a step of an open
    check-in round's timeline, a scheduled broadcast's time; all strictly after ``after``."""
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
    return None if row is None or row[0] is None else from_db(row[0])
