"""The scheduled side of the quarterly check-ins: two jobs of bot/scheduling.py.

``checkin_round`` opens a round at each opening of KOSIZU_CHECKIN_CRON, moved off weekends and
public holidays (bot/checkin_calendar.RoundSchedule, also for its first due time). The round's
dates count from the scheduled opening, not from when the job ran: a bot that was down at
10:00 opens the round at its first tick with the deadlines the partners would have had anyway.
A round opened by hand that is still open makes the occurrence skip (staff are told), and so
does a missing questionnaire.

``checkins`` runs every minute: prompts to answering members not prompted yet (a member
added to a project during the round is prompted then), the latest reminder due per project
that has not submitted, closing, and the staff notice that a round's summary is ready. The
storage queries record what they return as done, and every message goes through the outbox in
the same transaction with a dedup key, so a rerun after a crash sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.checkin_calendar import RoundSchedule, timeline
from bot.clock import Clock
from bot.config import Config
from bot.i18n import Catalogs, Translator
from bot.scheduling import JobHandler
from handlers import checkin_prompts
from handlers.checkin_summary import summary_notice
from storage import checkin_due
from storage.audit import AuditRepository
from storage.checkins import (
    CheckinRepository,
    NoProjects,
    NoQuestionnaire,
    Round,
    RoundOpen,
)
from storage.db import Transaction
from storage.members import Addressee, active_staff
from storage.outbox import OutboxRepository
from storage.schedule import ScheduledItem, ScheduleRepository

log = logging.getLogger(__name__)

ROUND_KIND = "checkin_round"
ROUND_REF = "quarterly"
KIND = "checkins"
CRON = "* * * * *"  # a prompt to a member added during a round goes out within a minute
SUMMARY_LEAD = timedelta(days=7)  # the summary reaches staff a week before the meeting


def round_schedule(config: Config) -> RoundSchedule:
    return RoundSchedule(config.checkin_cron, config.timezone, config.holiday_region)


async def ensure_round_item(repo: ScheduleRepository, clock: Clock, config: Config) -> None:
    """Make sure the quarterly item exists with its first due time from the holiday-aware
    rule. When the operator changed KOSIZU_CHECKIN_CRON (or the holiday region moved the next
    opening), the pending item takes the new rule; an opening already due (missed while the
    bot was down) keeps its time and still runs on the first tick."""
    now = clock.now()
    schedule = round_schedule(config)
    first = schedule.next_after(now)
    item = await repo.ensure(ROUND_KIND, ROUND_REF, first, now, recurrence=config.checkin_cron)
    if item.state != "pending":
        return
    due = item.due_at if item.due_at <= now else first
    if item.recurrence != config.checkin_cron or due != item.due_at:
        await repo.reschedule(ROUND_KIND, ROUND_REF, due, recurrence=config.checkin_cron)
        log.info(
            "check-ins: schedule changed from %r to %r; next round at %s",
            item.recurrence,
            config.checkin_cron,
            due.isoformat(),
        )


async def _tell_staff(
    tx: Transaction,
    now: datetime,
    catalogs: Catalogs,
    key: str,
    build: Callable[[Translator], dict[str, Any]],
) -> int:
    """Queue one message to every active staff member, keyed ``key:<member>``."""
    told = 0
    for staff in await active_staff(tx):
        t = catalogs.for_member(staff.language, staff.app_language)
        added = await OutboxRepository.enqueue(
            tx,
            now,
            staff.telegram_user_id,
            "sendMessage",
            build(t),
            dedup_key=f"{key}:{staff.member_id}",
        )
        told += added is not None
    return told


def round_job(catalogs: Catalogs, config: Config) -> JobHandler:
    """Open the scheduled round (see the module docstring)."""
    tz = config.timezone

    async def run(tx: Transaction, item: ScheduledItem, now: datetime) -> None:
        scheduled = item.due_at
        moments = timeline(scheduled, tz)
        stamp = scheduled.strftime("%Y%m%dT%H%M")
        if moments.closes_at <= now:
            # Down for the whole round: a round that is closed at once helps nobody.
            await _skipped(tx, now, item, "past")
            log.warning("check-ins: the round of %s passed while the bot was down", stamp)
            return
        try:
            round_ = await CheckinRepository.open_round_in(
                tx,
                now,
                moments.moments,
                scheduled_for=scheduled,
            )
        except RoundOpen as refused:
            still_open = refused.round
            await _skipped(tx, now, item, f"open round={still_open.id}")
            told = await _tell_staff(
                tx,
                now,
                catalogs,
                f"checkin-skipped:{stamp}",
                lambda t: checkin_prompts.skipped_notice(t, scheduled, still_open),
            )
            log.info("check-ins: scheduled round skipped, a round is open; %d staff told", told)
            return
        except NoProjects:
            # Check-ins are not in use (yet): nobody to ask, nothing to tell staff.
            await _skipped(tx, now, item, "no_projects")
            log.info("check-ins: no funded project, scheduled round not opened")
            return
        except NoQuestionnaire:
            await _skipped(tx, now, item, "no_questionnaire")
            told = await _tell_staff(
                tx,
                now,
                catalogs,
                f"checkin-noquestionnaire:{stamp}",
                lambda t: checkin_prompts.no_questionnaire_notice(t, scheduled),
            )
            log.warning("check-ins: no questionnaire, round not opened; %d staff told", told)
            return
        # The prompts go out with the opening, not a minute later with the next job run.
        prompted = await send_prompts(tx, now, catalogs, {round_.id: round_})
        log.info("check-ins: round %d opened (scheduled), %d prompts", round_.id, prompted)

    return run


async def _skipped(tx: Transaction, now: datetime, item: ScheduledItem, reason: str) -> None:
    await AuditRepository.record(
        tx,
        now,
        "checkin.skipped",
        object_type="scheduled_item",
        object_id=item.id,
        detail=f"scheduled={item.due_at.isoformat()} reason={reason}",
    )


async def _send(
    tx: Transaction, now: datetime, to: Addressee, payload: dict[str, Any], key: str
) -> int:
    added = await OutboxRepository.enqueue(
        tx, now, to.telegram_user_id, "sendMessage", payload, dedup_key=key
    )
    return int(added is not None)


async def _round_of(tx: Transaction, rounds: dict[int, Round], round_id: int) -> Round:
    if round_id not in rounds:
        found = await checkin_due.round_in(tx, round_id)
        assert found is not None
        rounds[round_id] = found
    return rounds[round_id]


async def send_prompts(
    tx: Transaction, now: datetime, catalogs: Catalogs, rounds: dict[int, Round]
) -> int:
    """Queue the prompt to every member not prompted yet; returns how many were queued."""
    prompted = 0
    for due in await checkin_due.prompts_due(tx, now):
        t = catalogs.for_member(due.addressee.language, due.addressee.app_language)
        round_ = await _round_of(tx, rounds, due.round_id)
        prompted += await _send(
            tx,
            now,
            due.addressee,
            checkin_prompts.prompt(t, round_, due.project_id, due.project_name),
            f"checkin-prompt:{due.round_id}:{due.project_id}:{due.addressee.member_id}",
        )
    return prompted


def job(catalogs: Catalogs) -> JobHandler:
    """Every minute: prompts, reminders, closing and the summary notice."""

    async def run(tx: Transaction, item: ScheduledItem, now: datetime) -> None:
        rounds: dict[int, Round] = {}
        reminded = summaries = 0
        prompted = await send_prompts(tx, now, catalogs, rounds)
        for due in await checkin_due.reminders_due(tx, now):
            t = catalogs.for_member(due.addressee.language, due.addressee.app_language)
            round_ = await _round_of(tx, rounds, due.round_id)
            reminded += await _send(
                tx,
                now,
                due.addressee,
                checkin_prompts.reminder(t, round_, due.project_id, due.project_name, due.level),
                f"checkin-reminder:{due.round_id}:{due.project_id}:{due.addressee.member_id}"
                f":{due.level}",
            )
        closed = await checkin_due.close_due(tx, now)
        for round_ in await checkin_due.summaries_due(tx, now, SUMMARY_LEAD):
            answered, total = await checkin_due.tally(tx, round_.id)
            for staff in await active_staff(tx):
                t = catalogs.for_member(staff.language, staff.app_language)
                summaries += await _send(
                    tx,
                    now,
                    staff,
                    summary_notice(t, round_, answered, total),
                    f"checkin-summary:{round_.id}:{staff.member_id}",
                )
        if prompted or reminded or closed or summaries:
            log.info(
                "check-ins: %d prompts, %d reminders, %d rounds closed, %d summary notices",
                prompted,
                reminded,
                len(closed),
                summaries,
            )

    return run
