"""The contact-request job, every five minutes: a candidate who has not answered is reminded
once after KOSIZU_CONTACT_REMIND_HOURS (48), and after KOSIZU_CONTACT_PASS_HOURS (72) the
next candidate is asked — or, with none left, the request goes to the network team's queue.
A candidate who can no longer answer (erased, suspended, lapsed, unreachable) is passed over
at once, and open requests of an asker who is no longer an active member are withdrawn.

It compares the stored times with the clock, so what fell due while the bot was down happens
on the first run after: an overdue question expires and the next candidate is asked then
(and gets the full time to answer). Its messages go through the outbox in the job's
transaction, keyed per candidate, so a rerun sends nothing twice. The rules are in
``storage.contacts.run_due``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.config import Config
from bot.i18n import Catalogs
from bot.scheduling import JobHandler
from handlers.contact_consent import notices
from storage.contacts import run_due
from storage.db import Transaction
from storage.schedule import ScheduledItem

log = logging.getLogger(__name__)

KIND = "contact_requests"
# Every five minutes, like the events job: a question passes on at most five minutes late.
CRON = "*/5 * * * *"


def job(catalogs: Catalogs, config: Config) -> JobHandler:
    the_notices = notices(catalogs, config.contact_pass_hours, config.contact_remind_hours)
    remind_after = timedelta(hours=config.contact_remind_hours)
    pass_after = timedelta(hours=config.contact_pass_hours)

    async def run(tx: Transaction, item: ScheduledItem, now: datetime) -> None:
        counts = await run_due(
            tx,
            now,
            now.astimezone(config.timezone).date(),
            the_notices,
            remind_after=remind_after,
            pass_after=pass_after,
        )
        if counts.withdrawn or counts.expired or counts.asked or counts.reminded:
            log.info(
                "contact requests: %d withdrawn, %d questions expired, %d asked, %d reminded",
                counts.withdrawn,
                counts.expired,
                counts.asked,
                counts.reminded,
            )

    return run
