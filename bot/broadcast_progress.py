"""The author's side of a broadcast being sent: one live progress message, the report at the
end, and "⏹ Cancel".

A task beside the outbox sender makes a pass every few seconds (Tuning.progress_seconds): it
queues what was released or is due (handlers/broadcast_jobs.py), asks for approvals
(handlers/broadcast_approval.py), and for every broadcast being sent edits the author's
progress message from the outbox rows' states. Edits are direct requests, not outbox rows: a
progress message that waits behind thousands of queued messages would show nothing.

The report is sent when ``finish_done`` marks the broadcast sent, which it does once and only
when no row is pending: a broadcast is never shown as finished while rows wait, and a restart
continues the same progress message (its id is stored) without a second report.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import logging
import time
from dataclasses import dataclass

from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.flood import OWN_RETRY, retry_after_seconds
from bot.i18n import Translator
from bot.services import Services
from handlers import broadcast_approval, broadcast_jobs
from handlers.access import require_staff
from handlers.labels import ROLE_LABELS
from handlers.navigation import answer_stale, replace
from storage.broadcasts import Broadcast, Failure, Progress

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 3.0
PREFIX = "bc"
CANCEL = "cancel"
CANCEL_PATTERN = rf"^{PREFIX}:{CANCEL}:"
BAR_WIDTH = 10
# Characters a spreadsheet would run as a formula when a cell starts with them.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class _Seen:
    """What the last pass saw of a broadcast, for the rate."""

    at: float
    done: int
    rate: float | None = None
    shown: str = ""


def bar(done: int, total: int) -> str:
    filled = BAR_WIDTH if total <= 0 else min(BAR_WIDTH, done * BAR_WIDTH // total)
    return "▓" * filled + "░" * (BAR_WIDTH - filled)


def _duration(t: Translator, seconds: float) -> str:
    if seconds < 60:
        return t._("{seconds} s").format(seconds=max(1, round(seconds)))
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return t._("{minutes} min {seconds} s").format(minutes=minutes, seconds=rest)
    return t._("{hours} h {minutes} min").format(hours=minutes // 60, minutes=minutes % 60)


def _counts(t: Translator, progress: Progress) -> str:
    return t._(
        "Delivered: {sent} · blocked the bot or deleted their account: {blocked} · failed: {failed}"
    ).format(sent=progress.sent, blocked=progress.unreachable, failed=progress.failed)


def progress_text(t: Translator, broadcast_id: int, progress: Progress, rate: float | None) -> str:
    total = progress.recipients
    done = progress.done
    lines = [
        t._("📣 <b>Broadcast #{id} is being sent</b>").format(id=broadcast_id),
        f"{bar(done, total)} {done} / {total}",
    ]
    if rate is None or rate <= 0:
        lines.append(t._("Rate: measuring…"))
    else:
        lines.append(
            t._("{rate} messages/s · about {left} left").format(
                rate=format_decimal(rate, format="0.0", locale=t.locale),
                left=_duration(t, progress.pending / rate),
            )
        )
    lines.append(_counts(t, progress))
    return "\n".join(lines)


def finished_text(t: Translator, broadcast_id: int, progress: Progress) -> str:
    total = progress.recipients
    return "\n".join(
        [
            t._("📣 <b>Broadcast #{id} is sent</b>").format(id=broadcast_id),
            f"{bar(total, total)} {progress.done} / {total}",
            _counts(t, progress),
        ]
    )


def report_text(t: Translator, broadcast_id: int, progress: Progress) -> str:
    lines = [
        t._("📊 <b>Report of broadcast #{id}</b>").format(id=broadcast_id),
        t._("Recipients: {count}").format(count=progress.recipients),
        t._("✅ Delivered: {count}").format(count=progress.sent),
        t._("🚫 Blocked the bot or deleted their account: {count}").format(
            count=progress.unreachable
        ),
        t._("⚠️ Failed: {count}").format(count=progress.failed),
    ]
    if progress.gone:
        lines.append(t._("👋 No longer members: {count}").format(count=progress.gone))
    if progress.unreachable:
        lines.append(
            "\n"
            + t._(
                "Members who blocked the bot are skipped by later broadcasts until they write "
                "to the bot again."
            )
        )
    if progress.unreachable or progress.failed:
        lines.append(t._("The file below lists whom the broadcast did not reach."))
    return "\n".join(lines)


def cancelled_text(t: Translator, broadcast_id: int, progress: Progress, not_sent: int) -> str:
    return "\n".join(
        [
            t._("⏹ <b>Broadcast #{id} was cancelled</b>").format(id=broadcast_id),
            t._("Not sent: {count}").format(count=not_sent),
            _counts(t, progress),
        ]
    )


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def failures_csv(t: Translator, failures: list[Failure]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([t._("Name"), t._("Role"), t._("What happened"), t._("Error")])
    for failure in failures:
        what = (
            t._("blocked the bot or deleted their account")
            if failure.state == "unreachable"
            else t._("failed")
        )
        role = t._(ROLE_LABELS[failure.role]) if failure.role in ROLE_LABELS else ""
        writer.writerow(
            [
                _cell(failure.display_name or t._("(erased)")),
                role,
                what,
                _cell(failure.error or ""),
            ]
        )
    # With a byte-order mark, spreadsheet programs open the file as UTF-8.
    return out.getvalue().encode("utf-8-sig")


def cancel_markup(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t._("⏹ Cancel"), callback_data=pack(PREFIX, CANCEL, broadcast_id))]]
    )


class BroadcastProgress:
    def __init__(
        self, bot: ExtBot[str], services: Services, interval: float = DEFAULT_INTERVAL
    ) -> None:
        self._bot = bot
        self._services = services
        self._interval = interval
        self._seen: dict[int, _Seen] = {}
        self._asked: set[int] = set()
        self._paused_until = 0.0
        self._wake = asyncio.Event()
        self._stopping = False

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        self._stopping = False
        while not self._stopping:
            try:
                await self.pass_once()
            except Exception:
                # One bad pass must not end the progress for good; the next one retries.
                log.exception("broadcasts: progress pass failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)

    async def pass_once(self) -> None:
        services = self._services
        await broadcast_jobs.queue_due(services)
        for broadcast_id in await services.broadcasts.awaiting_approval():
            # Asked once per process (the outbox's keys make it once for good); while nobody
            # else can decide, every pass looks again for a staff member to ask.
            if broadcast_id not in self._asked and await broadcast_approval.request_approval(
                services, broadcast_id
            ):
                self._asked.add(broadcast_id)
        sending = await services.broadcasts.sending()
        for gone in set(self._seen) - set(sending):
            del self._seen[gone]
        for broadcast_id in sending:
            if self._stopping:
                return
            await self._update(broadcast_id)

    async def _update(self, broadcast_id: int) -> None:
        services = self._services
        broadcast = await services.broadcasts.get(broadcast_id)
        if broadcast is None:
            return
        author = await services.members.get(broadcast.author_id)
        if author is None:
            return
        t = services.catalogs.for_member(author.language, author.app_language)
        progress = await services.broadcasts.progress(broadcast_id)
        if progress is None:
            return
        finished = progress.pending == 0 and await services.broadcasts.finish_done(
            broadcast_id, services.clock.now()
        )
        if finished:
            self._seen.pop(broadcast_id, None)
            await self._finish(broadcast, author.telegram_user_id, t)
            return
        if time.monotonic() < self._paused_until:
            return
        seen = self._note(broadcast_id, progress.done)
        text = progress_text(t, broadcast_id, progress, seen.rate)
        if text == seen.shown:
            return
        try:
            if broadcast.progress_message_id is None or broadcast.progress_chat_id is None:
                sent = await self._bot.send_message(
                    author.telegram_user_id,
                    text,
                    reply_markup=cancel_markup(t, broadcast_id),
                    rate_limit_args=OWN_RETRY,  # a 429 skips this pass, see below
                )
                await services.broadcasts.set_progress_message(
                    broadcast_id, sent.chat_id, sent.message_id
                )
            elif await self._still_sending(broadcast_id):
                # Re-read just before the edit: a cancel meanwhile has its own final text.
                await self._bot.edit_message_text(
                    text,
                    chat_id=broadcast.progress_chat_id,
                    message_id=broadcast.progress_message_id,
                    reply_markup=cancel_markup(t, broadcast_id),
                    rate_limit_args=OWN_RETRY,
                )
            seen.shown = text
        except RetryAfter as exc:
            self._paused_until = time.monotonic() + retry_after_seconds(exc)
        except TelegramError as exc:
            # Tried again when the numbers change, not on every pass (an author who blocked
            # the bot would fill the log otherwise).
            seen.shown = text
            if "not modified" not in exc.message:
                log.warning("broadcasts: progress of %d not shown: %s", broadcast_id, exc.message)

    async def _still_sending(self, broadcast_id: int) -> bool:
        current = await self._services.broadcasts.get(broadcast_id)
        return current is not None and current.state == "sending"

    def _note(self, broadcast_id: int, done: int) -> _Seen:
        now = time.monotonic()
        seen = self._seen.get(broadcast_id)
        if seen is None:
            seen = self._seen[broadcast_id] = _Seen(now, done)
            return seen
        elapsed = now - seen.at
        if elapsed > 0:
            current = (done - seen.done) / elapsed
            # Smoothed, so one slow pass (a 429's pause) does not make the estimate jump.
            seen.rate = current if seen.rate is None else 0.5 * seen.rate + 0.5 * current
        seen.at, seen.done = now, done
        return seen

    async def _finish(self, broadcast: Broadcast, chat_id: int, t: Translator) -> None:
        """The final edit and the report, once (``finish_done`` returned True)."""
        services = self._services
        progress = await services.broadcasts.progress(broadcast.id)
        if progress is None:
            return
        log.info("broadcasts: broadcast %d finished", broadcast.id)
        try:
            if broadcast.progress_message_id is not None and broadcast.progress_chat_id is not None:
                with contextlib.suppress(BadRequest):
                    await self._bot.edit_message_text(
                        finished_text(t, broadcast.id, progress),
                        chat_id=broadcast.progress_chat_id,
                        message_id=broadcast.progress_message_id,
                        reply_markup=None,
                    )
            await self._bot.send_message(chat_id, report_text(t, broadcast.id, progress))
            failures = await services.broadcasts.failures(broadcast.id)
            if failures:
                await self._bot.send_document(
                    chat_id,
                    InputFile(
                        failures_csv(t, failures),
                        filename=f"broadcast-{broadcast.id}-not-reached.csv",
                        attach=True,
                    ),
                )
        except TelegramError as exc:
            log.error("broadcasts: report of %d not sent: %s", broadcast.id, exc.message)


async def cancel_button(update: Update, context: BotContext) -> None:
    """The "⏹ Cancel" button under a progress message (or a request waiting for approval):
    the rows not sent yet are dropped."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=bc:cancel"):
        return
    services, t = context.services, context.t
    parts = unpack(query.data, PREFIX, 2)
    broadcast_id = number_part(parts[1]) if parts and parts[0] == CANCEL else None
    if broadcast_id is None:
        await answer_stale(query, t)
        return
    not_sent = await services.broadcasts.cancel(
        broadcast_id, context.member.id, services.clock.now()
    )
    if not_sent is None:
        await query.answer(t._("This broadcast has already finished."), show_alert=True)
        return
    await query.answer(t._("Cancelled."))
    progress = await services.broadcasts.progress(broadcast_id)
    if progress is None:
        # Cancelled before it was queued (awaiting approval, or scheduled).
        if isinstance(query.message, Message):
            await replace(
                query,
                t._("⏹ <b>Broadcast #{id} was cancelled</b>. Nothing was sent.").format(
                    id=broadcast_id
                ),
            )
        log.info("broadcasts: broadcast %d cancelled before it was queued", broadcast_id)
        return
    # The deleted rows are neither pending nor gone: they were never sent.
    progress = Progress(
        progress.recipients - not_sent,
        progress.pending,
        progress.sent,
        progress.failed,
        progress.unreachable,
    )
    text = cancelled_text(t, broadcast_id, progress, not_sent)
    if isinstance(query.message, Message):
        await replace(query, text)
    log.info("broadcasts: broadcast %d cancelled, %d not sent", broadcast_id, not_sent)
