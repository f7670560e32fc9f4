"""The ticker: asks the database what is due and runs each due occurrence exactly once.

APScheduler (through PTB's JobQueue) only provides the heartbeat. What is scheduled lives in
``scheduled_items``, so a restart loses nothing and an occurrence missed during downtime runs
on the first tick after start-up. A recurring item missed several times runs once, then moves
to its next future occurrence: a digest or reminder sent five times in a row helps nobody.

A job handler does database work only, inside the transaction that claims the occurrence
(queueing outbox messages, changing states). The claim and the effects therefore commit
together: a crash either leaves both undone (the occurrence runs again) or both done.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.recurrence import Cron
from storage.applications import ApplicationRepository
from storage.audit import AuditRepository
from storage.checkins import CheckinRepository
from storage.contact_retention import ContactRetention, prune_contact_requests
from storage.db import Database, Transaction
from storage.inbox import InboxRepository
from storage.invites import InviteRepository
from storage.outbox import OutboxRepository
from storage.registrations import RegistrationRepository
from storage.schedule import ScheduledItem, ScheduleRepository

log = logging.getLogger(__name__)

JobHandler = Callable[[Transaction, ScheduledItem, datetime], Awaitable[None]]
# A recurring item's own rule where a cron expression is not enough (check-in rounds move off
# public holidays): the first occurrence strictly after the instant given.
NextAfter = Callable[[datetime], datetime]

GIVE_UP_AFTER = 5
TICK_SECONDS = 5.0

RETENTION_KIND = "retention"
RETENTION_CRON = "30 3 * * *"
# Telegram redelivers an unconfirmed update for at most 24 hours; 48 keeps a margin, and
# stays far below the week after which update ids may restart at a random value.
UPDATE_ID_MEMORY = timedelta(hours=48)
OUTBOX_MEMORY = timedelta(days=30)
RUN_MEMORY = timedelta(days=90)
INVITE_FAILURE_MEMORY = timedelta(days=1)  # the rate limit looks back one hour
CHECKIN_RETENTION = timedelta(days=1826)  # KOSIZU_CHECKIN_RETENTION_DAYS' default


class Scheduler:
    def __init__(self, db: Database, repo: ScheduleRepository, clock: Clock, tz: ZoneInfo):
        self._db = db
        self._repo = repo
        self._clock = clock
        self._tz = tz
        self._handlers: dict[str, JobHandler] = {}
        self._rules: dict[str, NextAfter] = {}

    def register(
        self, kind: str, handler: JobHandler, *, next_after: NextAfter | None = None
    ) -> None:
        if kind in self._handlers:
            raise ValueError(f"a handler for {kind!r} is already registered")
        self._handlers[kind] = handler
        if next_after is not None:
            self._rules[kind] = next_after

    def next_due(self, item: ScheduledItem, now: datetime) -> datetime | None:
        if item.recurrence is None:
            return None
        after = max(now, item.due_at)
        rule = self._rules.get(item.kind)
        if rule is not None:
            return rule(after)
        return Cron.parse(item.recurrence).next_after(after, self._tz)

    async def tick(self) -> int:
        """Run every due occurrence once; returns how many ran."""
        now = self._clock.now()
        ran = 0
        for item in await self._repo.due(now):
            handler = self._handlers.get(item.kind)
            if handler is None:
                log.error("schedule: no handler for kind %r (item %d)", item.kind, item.id)
                await self._repo.record_failure(item.id, GIVE_UP_AFTER)
                continue
            try:
                async with self._db.transaction() as tx:
                    if not await self._repo.claim(tx, item, self.next_due(item, now), now):
                        continue
                    await handler(tx, item, now)
            except Exception:
                log.exception("schedule: item %d (%s) failed", item.id, item.kind)
                if await self._repo.record_failure(item.id, GIVE_UP_AFTER):
                    log.error(
                        "schedule: item %d given up after %d failures", item.id, GIVE_UP_AFTER
                    )
                continue
            ran += 1
            log.info("schedule: ran item %d (%s)", item.id, item.kind)
        return ran


def retention_job(
    contacts: ContactRetention, checkins_after: timedelta = CHECKIN_RETENTION
) -> JobHandler:
    """The retention job with the configured contact-request and check-in retention."""

    async def run(tx: Transaction, item: ScheduledItem, now: datetime) -> None:
        await run_retention(tx, item, now, contacts=contacts, checkins_after=checkins_after)

    return run


async def run_retention(
    tx: Transaction,
    item: ScheduledItem,
    now: datetime,
    *,
    contacts: ContactRetention,
    checkins_after: timedelta = CHECKIN_RETENTION,
) -> None:
    """Forget what is no longer needed: handled update ids, settled outbox rows, old runs,
    old wrong-code records, applications refused or left unfinished 30 days ago (with the
    applicant's data), answers to sensitive event questions 30 days after the event, and
    contact requests' messages and then rows (storage/contact_retention.py), and check-in
    rounds closed ``checkins_after`` ago with their answers."""
    updates = await InboxRepository.prune_handled(tx, now - UPDATE_ID_MEMORY)
    messages = await OutboxRepository.prune_finished(tx, now - OUTBOX_MEMORY)
    runs = await ScheduleRepository.prune_runs(tx, now - RUN_MEMORY)
    failures = await InviteRepository.prune_failures(tx, now - INVITE_FAILURE_MEMORY)
    applications = await ApplicationRepository.expire(tx, now)
    answers = await RegistrationRepository.prune_sensitive_answers(tx, now)
    contact = await prune_contact_requests(tx, now, contacts)
    rounds = await CheckinRepository.prune(tx, now - checkins_after)
    await AuditRepository.record(
        tx,
        now,
        "retention.run",
        object_type="scheduled_item",
        object_id=item.id,
        detail=f"updates={updates} outbox={messages} runs={runs} invite_failures={failures}"
        f" applications={applications} sensitive_answers={answers}"
        f" contact_messages={contact.messages} contact_drafts={contact.drafts}"
        f" contact_requests={contact.requests} checkin_rounds={rounds}",
    )


async def ensure_recurring(
    repo: ScheduleRepository, clock: Clock, tz: ZoneInfo, kind: str, cron: str
) -> None:
    """Make sure the recurring item exists (once: a restart keeps its schedule). Its key stays
    "daily" whatever the rule: databases made by earlier versions know it by that key."""
    now = clock.now()
    first = Cron.parse(cron).next_after(now, tz)
    await repo.ensure(kind, "daily", first, now, recurrence=cron)


async def ensure_core_items(repo: ScheduleRepository, clock: Clock, tz: ZoneInfo) -> None:
    await ensure_recurring(repo, clock, tz, RETENTION_KIND, RETENTION_CRON)
