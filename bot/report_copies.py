"""The network report's copy for the network team, the week before each quarterly meeting:
when a check-in round's summary goes to staff (handlers/checkin_jobs.py: a week before the
meeting linked to the round, else when the round closes), every active staff member also gets
the report of the last complete quarter, in their language, through the outbox.

Not a scheduler job: those run inside a transaction, and the report reads the database on
its own and renders charts for a second or so, which must not hold the database meanwhile. So
a loop looks every minute, computes and renders outside any transaction, then queues the
messages and records the copy as sent in one transaction (dedup keys make a rerun after a
crash queue nothing twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bot.delivery import file_payload
from bot.services import Services
from handlers.network_report import Rendered, question_texts, render
from storage import checkin_due
from storage.contact_stats import period
from storage.members import active_staff
from storage.outbox import OutboxRepository

log = logging.getLogger(__name__)

INTERVAL = 60.0


class ReportCopies:
    def __init__(self, services: Services, interval: float = INTERVAL) -> None:
        self._services = services
        self._interval = interval
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.send_due()
            except Exception:
                # The next pass tries again; nothing was recorded as sent.
                log.exception("network report copies failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)

    async def send_due(self) -> int:
        """Queue the copies that are due; returns how many messages were queued."""
        services = self._services
        queued = 0
        for round_id, summary_at in await checkin_due.report_copies_due(services.db):
            now = services.clock.now()
            of = period("last_quarter", summary_at, services.config.timezone)
            report = await services.network_report.report(of, now)
            async with services.db.transaction() as tx:
                staff = await active_staff(tx)
            translators = {
                person.member_id: services.catalogs.for_member(person.language, person.app_language)
                for person in staff
            }
            rendered: dict[str, Rendered] = {}
            for t in translators.values():
                if t.language not in rendered:
                    questions = await question_texts(services, t.language)
                    rendered[t.language] = await asyncio.to_thread(render, t, report, questions)
            async with services.db.transaction() as tx:
                if not await checkin_due.mark_report_sent(tx, round_id, now):
                    continue
                for person in staff:
                    language = translators[person.member_id].language
                    key = f"network-report:{of.start.date()}:{person.member_id}"
                    for number, (method, payload) in enumerate(_messages(rendered[language])):
                        added = await OutboxRepository.enqueue(
                            tx, now, person.telegram_user_id, method, payload,
                            dedup_key=f"{key}:{number}",
                        )  # fmt: skip
                        queued += added is not None
            log.info("network report copy of round %d: %d messages queued", round_id, queued)
        return queued


def _messages(rendered: Rendered) -> list[tuple[str, dict[str, Any]]]:
    messages: list[tuple[str, dict[str, Any]]] = [("sendMessage", {"text": rendered.text})]
    messages += [("sendPhoto", {"photo": file_payload(png, name)}) for name, png in rendered.charts]
    messages.append(
        ("sendDocument", {"document": file_payload(rendered.workbook, "network-report.xlsx")})
    )
    return messages
