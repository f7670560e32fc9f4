"""Runs the bot: database, Application, update pump, scheduler heartbeat and outbox sender."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot import commands
from bot.app import build_application
from bot.broadcast_progress import DEFAULT_INTERVAL as PROGRESS_INTERVAL
from bot.broadcast_progress import BroadcastProgress
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.context import BotContext, KosizuApplication
from bot.delivery import OutboxSender
from bot.flood import FloodGate
from bot.i18n import Catalogs
from bot.privacy import PrivacyNotice
from bot.report_copies import INTERVAL as REPORT_COPY_INTERVAL
from bot.report_copies import ReportCopies
from bot.scheduling import (
    RETENTION_KIND,
    TICK_SECONDS,
    Scheduler,
    ensure_core_items,
    ensure_recurring,
    retention_job,
)
from bot.services import Services
from bot.updates import POLL_TIMEOUT, PollingRequest, UpdatePump
from handlers import (
    broadcast_jobs,
    checkin_jobs,
    contact_followup,
    contact_jobs,
    contact_relay,
    events,
    reconfirmation,
)
from storage.contact_retention import ContactRetention
from storage.db import Database

log = logging.getLogger(__name__)

STOP_GRACE = 5.0  # seconds the update being handled may take to finish on shutdown


@dataclass(frozen=True)
class Tuning:
    """Timings that tests and the sandbox shorten; production uses the defaults."""

    tick_seconds: float = TICK_SECONDS
    poll_timeout: int = POLL_TIMEOUT
    sender_rate: int | None = None  # None: the configured KOSIZU_OUTBOX_RATE
    sender_backoff: float = 1.0  # seconds before the first retry; doubles each time
    # How often a broadcast's progress message is edited (and a released one queued).
    progress_seconds: float = PROGRESS_INTERVAL
    # How often the network report's copies for staff are looked for.
    report_copy_seconds: float = REPORT_COPY_INTERVAL


@dataclass
class Running:
    """Handles to a running bot, for tests and the sandbox."""

    app: KosizuApplication
    services: Services
    scheduler: Scheduler
    pump: UpdatePump
    sender: OutboxSender
    progress: BroadcastProgress
    copies: ReportCopies


async def _tick(context: BotContext) -> None:
    assert context.job is not None
    running: Running = context.job.data  # type: ignore[assignment]
    if await running.scheduler.tick():
        running.sender.wake()


async def serve(
    config: Config,
    stop: asyncio.Event,
    *,
    clock: Clock | None = None,
    tuning: Tuning = Tuning(),
    on_ready: Callable[[Running], None] | None = None,
) -> None:
    """Run until ``stop`` is set; then finish the update in hand and shut down cleanly."""
    clock = clock or SystemClock()
    catalogs = Catalogs(config.default_language, config.timezone)
    privacy = (
        PrivacyNotice.load(Path(config.privacy_dir)) if config.privacy_dir else PrivacyNotice.load()
    )
    db = await Database.open(config.db_path)
    try:
        services = Services.create(config, clock, db, catalogs, privacy)
        polling = PollingRequest()
        gate = FloodGate()
        app = build_application(services, polling, gate)
        scheduler = Scheduler(db, services.schedule, clock, config.timezone)
        contact_retention = ContactRetention(
            messages_after=timedelta(days=config.contact_message_days),
            rows_after=timedelta(days=config.contact_retention_days),
        )
        scheduler.register(
            RETENTION_KIND,
            retention_job(contact_retention, timedelta(days=config.checkin_retention_days)),
        )
        scheduler.register(
            checkin_jobs.ROUND_KIND,
            checkin_jobs.round_job(catalogs, config),
            next_after=checkin_jobs.round_schedule(config).next_after,
        )
        scheduler.register(checkin_jobs.KIND, checkin_jobs.job(catalogs))
        scheduler.register(reconfirmation.KIND, reconfirmation.job(catalogs))
        scheduler.register(
            broadcast_jobs.KIND,
            broadcast_jobs.job(services.broadcasts, config.default_language),
        )
        scheduler.register(events.KIND, events.job(catalogs))
        scheduler.register(contact_jobs.KIND, contact_jobs.job(catalogs, config))
        scheduler.register(contact_relay.KIND, contact_relay.job(catalogs))
        scheduler.register(
            contact_followup.KIND, contact_followup.job(catalogs, config.contact_followup_days)
        )
        await ensure_core_items(services.schedule, clock, config.timezone)
        await checkin_jobs.ensure_round_item(services.schedule, clock, config)
        await ensure_recurring(
            services.schedule, clock, config.timezone, reconfirmation.KIND, reconfirmation.CRON
        )
        await ensure_recurring(services.schedule, clock, config.timezone, events.KIND, events.CRON)
        await ensure_recurring(
            services.schedule, clock, config.timezone, contact_jobs.KIND, contact_jobs.CRON
        )
        for kind, cron in (
            (contact_relay.KIND, contact_relay.CRON),
            (contact_followup.KIND, contact_followup.CRON),
            (checkin_jobs.KIND, checkin_jobs.CRON),
            (broadcast_jobs.KIND, broadcast_jobs.CRON),
        ):
            await ensure_recurring(services.schedule, clock, config.timezone, kind, cron)
        async with app:
            await app.start()
            await commands.publish(app.bot, catalogs)
            sender = OutboxSender(
                app.bot,
                services.outbox,
                services.members,
                clock,
                gate,
                rate=tuning.sender_rate or config.outbox_rate,
                backoff_base=tuning.sender_backoff,
            )
            db.on_messages_queued = sender.wake
            pump = UpdatePump(app, polling, poll_timeout=tuning.poll_timeout)
            progress = BroadcastProgress(app.bot, services, tuning.progress_seconds)
            copies = ReportCopies(services, tuning.report_copy_seconds)
            running = Running(app, services, scheduler, pump, sender, progress, copies)
            assert app.job_queue is not None
            app.job_queue.run_repeating(
                _tick,
                interval=tuning.tick_seconds,
                first=0.0,
                name="scheduler-tick",
                data=running,
                job_kwargs={"max_instances": 1, "coalesce": True},
            )
            try:
                await _run_until_stopped(running, stop, on_ready)
            finally:
                await app.stop()  # stops the JobQueue before the database closes
    finally:
        await db.close()


async def _run_until_stopped(
    running: Running, stop: asyncio.Event, on_ready: Callable[[Running], None] | None
) -> None:
    await running.pump.load_leftovers()
    fetch = asyncio.create_task(running.pump.fetch_forever(), name="fetch")
    handle = asyncio.create_task(running.pump.handle_forever(), name="handle")
    record = asyncio.create_task(running.pump.record_done_forever(), name="record")
    send = asyncio.create_task(running.sender.run(), name="send")
    progress = asyncio.create_task(running.progress.run(), name="broadcast-progress")
    report_copies = asyncio.create_task(running.copies.run(), name="report-copies")
    stopper = asyncio.create_task(stop.wait(), name="stop")
    log.info("bot is running")
    if on_ready is not None:
        on_ready(running)
    tasks: set[asyncio.Task[object]] = {fetch, handle, record, send, stopper}
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    fetch.cancel()
    running.sender.stop()
    running.progress.stop()
    running.copies.stop()
    stopping_since = time.monotonic()
    running.pump.stop_handling()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(handle), STOP_GRACE)
    running.pump.stop_recording()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(record), STOP_GRACE)
    # The message in flight meanwhile had as long as the update being handled.
    remaining = max(0.1, STOP_GRACE - (time.monotonic() - stopping_since))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(send), remaining)
    for task in (fetch, handle, record, send, progress, report_copies, stopper):
        task.cancel()
    await asyncio.gather(
        fetch, handle, record, send, progress, report_copies, stopper, return_exceptions=True
    )
    await running.pump.flush_marks()
    for finished in done:
        error = None if finished.cancelled() else finished.exception()
        if finished is not stopper and error is not None:
            raise error
    log.info("bot stopped")
