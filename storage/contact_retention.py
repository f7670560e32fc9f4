"""How long contact requests are kept (the daily retention job, bot/scheduling.py).

- The message, the one part written in the asker's own words, goes ``messages_after`` (90
  days) after the request closed (introduced, withdrawn or closed by staff). Withdrawn and
  staff-closed requests lose it at once already (storage/contacts.py): nobody reads it again.
- An unsent draft goes ``messages_after`` after it was begun: nobody continues a request
  they started three months ago, and it holds a half-written message.
- The rest of a closed request (side, organisation type, topic, region, outcome, dates) is
  what the statistics count; it goes ``rows_after`` (730 days) after the request closed,
  with its candidates, relay and follow-up rows (the foreign keys cascade).
- Open requests (being matched, or in the staff queue) are never deleted: someone still
  works on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import Transaction
from storage.timefmt import to_db

_FINAL = "('introduced', 'withdrawn', 'closed')"


@dataclass(frozen=True)
class ContactRetention:
    messages_after: timedelta = timedelta(days=90)
    rows_after: timedelta = timedelta(days=730)


@dataclass(frozen=True)
class Pruned:
    messages: int  # messages cleared
    drafts: int  # unsent drafts deleted
    requests: int  # closed requests deleted


async def prune_contact_requests(
    tx: Transaction, now: datetime, retention: ContactRetention
) -> Pruned:
    message_cutoff = to_db(now - retention.messages_after)
    messages = await tx.execute(
        f"UPDATE contact_requests SET message = NULL WHERE state IN {_FINAL}"
        " AND message IS NOT NULL AND closed_at <= ?",
        (message_cutoff,),
    )
    drafts = await tx.execute(
        "DELETE FROM contact_requests WHERE state = 'draft' AND created_at <= ?",
        (message_cutoff,),
    )
    requests = await tx.execute(
        f"DELETE FROM contact_requests WHERE state IN {_FINAL} AND closed_at <= ?",
        (to_db(now - retention.rows_after),),
    )
    return Pruned(messages, drafts, requests)
