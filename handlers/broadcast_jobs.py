"""Queueing staff broadcasts: freezing a released or due broadcast's audience into outbox rows.

Two callers share ``queue_due_in``. The progress task (bot/broadcast_progress.py) runs it every
few seconds, so "Send now" starts within seconds; the ``broadcasts`` job of bot/scheduling.py
runs it every minute as the safety net, which also catches a scheduled broadcast whose time
passed while the bot was down on its first tick after start-up. ``queue_in`` claims the
broadcast with a conditional update in the same transaction as its rows, so two callers (or a
rerun after a crash) queue it once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.scheduling import JobHandler
from bot.services import Services
from handlers.broadcast_message import payload
from storage.broadcasts import BroadcastRepository
from storage.db import Transaction
from storage.schedule import ScheduledItem

log = logging.getLogger(__name__)

KIND = "broadcasts"
CRON = "* * * * *"  # a scheduled broadcast goes out within a minute of its time


async def queue_due_in(
    tx: Transaction, repo: BroadcastRepository, now: datetime, default_language: str
) -> int:
    """Queue every broadcast released for now or scheduled and due; returns how many."""
    queued = 0
    for broadcast_id in await repo.to_queue(tx, now):
        broadcast = await repo.get_in(tx, broadcast_id)
        if broadcast is None:
            continue
        rows = await repo.queue_in(
            tx, broadcast, now, lambda b, lang: payload(b, lang, default_language)
        )
        log.info("broadcasts: broadcast %d queued for %d recipients", broadcast_id, rows)
        queued += 1
    return queued


async def queue_due(services: Services) -> int:
    """``queue_due_in`` in a transaction of its own (the progress task's pass)."""
    now = services.clock.now()
    if not await services.broadcasts.any_to_queue(now):
        return 0  # the usual case: no write transaction (and no fsync) every few seconds
    async with services.db.transaction() as tx:
        return await queue_due_in(tx, services.broadcasts, now, services.config.default_language)


async def queue_now(services: Services, broadcast_id: int) -> int:
    """Queue one released broadcast at once; 0 when it is not to be queued (any more)."""
    now = services.clock.now()
    default_language = services.config.default_language
    async with services.db.transaction() as tx:
        if broadcast_id not in await services.broadcasts.to_queue(tx, now):
            return 0
        broadcast = await services.broadcasts.get_in(tx, broadcast_id)
        if broadcast is None:
            return 0
        return await services.broadcasts.queue_in(
            tx, broadcast, now, lambda b, lang: payload(b, lang, default_language)
        )


def job(repo: BroadcastRepository, default_language: str) -> JobHandler:
    """Every minute: queue what is due (see the module docstring)."""

    async def run(tx: Transaction, item: ScheduledItem, now: datetime) -> None:
        await queue_due_in(tx, repo, now, default_language)

    return run
