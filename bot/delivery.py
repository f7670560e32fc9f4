"""The outbox sender: the one path for messages the bot sends on its own.

Limits: ``rate`` messages per second overall, evenly spaced, and one per second per chat; a
429 stops every outbox request until its ``retry_after`` has passed. One request is in flight
at a time, so a 429 is known before the next request leaves. The database write that records an
answer runs while the next request is on its way (the sender would otherwise wait for the disk
between sends), so a crash re-sends at most two messages: the one in flight and the one
answered just before it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.clock import Clock
from bot.flood import OWN_RETRY, FloodGate, retry_after_seconds
from storage.members import MemberRepository
from storage.outbox import FAILED, SENT, OutboxMessage, OutboxRepository

log = logging.getLogger(__name__)

TELEGRAM_RATE = 30
DEFAULT_RATE = 28  # below Telegram's 30/s, leaving room for direct replies
PER_CHAT_INTERVAL = 1.0
MAX_ATTEMPTS = 5
BACKOFF_CAP = 60.0
CATCH_UP_SLOTS = 3
IDLE_POLL = 1.0  # also picks up rows queued by another process (the CLI)

# Records what Telegram answered to one message (see OutboxSender._send).
Settle = Callable[[], Coroutine[Any, Any, None]]

_FILE_FIELDS = ("document", "photo")
_UNREACHABLE_400 = ("chat not found", "user not found", "peer_id_invalid")


class Pacer:
    """Evenly spaced sends, one every 1/rate seconds, which leaves room at every moment for the
    direct replies to members who are using the bot.

    Spacing the starts alone is not enough where it counts, at Telegram: a request delayed on
    its way can arrive close behind the next one. So a send also waits until a second has
    passed since the answer to the send ``rate`` places back; then no second, as Telegram
    counts it, holds more than ``rate`` of ours.

    A send that starts late (the event loop wakes from a sleep up to a millisecond after it was
    asked to, a slow answer) is made up by the next ones, a few slots at most: otherwise every
    delay would be lost for good and the rate would fall short of the budget.
    """

    def __init__(self, rate: int, now: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate
        self._now = now
        self._next_at = 0.0
        self._answered: deque[float] = deque(maxlen=rate)

    def wait_time(self) -> float:
        now = self._now()
        wait = self._next_at - now
        if len(self._answered) == self._answered.maxlen:
            wait = max(wait, self._answered[0] + 1.0 - now)
        return max(0.0, wait)

    def sent(self) -> None:
        self._next_at = max(self._now() - CATCH_UP_SLOTS * self.interval, self._next_at)
        self._next_at += self.interval

    def answered(self) -> None:
        self._answered.append(self._now())


def _call(bot: ExtBot[str], message: OutboxMessage) -> Awaitable[object]:
    """The PTB method for the stored row, with the payload's JSON turned back into objects."""
    kwargs = dict(message.payload)
    for field in _FILE_FIELDS:
        value = kwargs.get(field)
        if isinstance(value, dict) and "base64" in value:
            kwargs[field] = InputFile(
                base64.b64decode(value["base64"]), filename=value.get("filename"), attach=True
            )
    markup = kwargs.get("reply_markup")
    if isinstance(markup, dict):
        kwargs["reply_markup"] = InlineKeyboardMarkup.de_json(markup, bot)
    methods: dict[str, Callable[..., Awaitable[object]]] = {
        "sendMessage": bot.send_message,
        "sendDocument": bot.send_document,
        "sendPhoto": bot.send_photo,
        "copyMessage": bot.copy_message,
    }
    return methods[message.method](chat_id=message.chat_id, rate_limit_args=OWN_RETRY, **kwargs)


def file_payload(content: bytes, filename: str) -> dict[str, str]:
    """How a file is stored in an outbox payload (see ``_call``)."""
    return {"base64": base64.b64encode(content).decode("ascii"), "filename": filename}


class OutboxSender:
    def __init__(
        self,
        bot: ExtBot[str],
        outbox: OutboxRepository,
        members: MemberRepository,
        clock: Clock,
        gate: FloodGate,
        *,
        rate: int = DEFAULT_RATE,
        max_attempts: int = MAX_ATTEMPTS,
        backoff_base: float = 1.0,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1 message per second")
        self._bot = bot
        self._outbox = outbox
        self._members = members
        self._clock = clock
        self._pacer = Pacer(rate)
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._chat_ready_at: dict[int, float] = {}  # per-chat spacing and retry backoff
        self._gate = gate  # a 429 on any request, a reply's too, pauses the sender
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Finish the message being sent, then return from ``run``: cancelling a send between
        Telegram's answer and the row marked sent would send that message again after a
        clean restart."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Send until stopped (or cancelled)."""
        self._stopping = False
        while not self._stopping:
            sent_any = await self.send_due()
            if not sent_any and not self._stopping:
                await self._idle()

    async def _idle(self) -> None:
        self._wake.clear()
        now = time.monotonic()
        waits = [t - now for t in self._chat_ready_at.values() if t > now]
        timeout = min([IDLE_POLL, *waits])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=max(timeout, 0.01))

    def _busy_chats(self) -> set[int]:
        now = time.monotonic()
        for chat_id in [c for c, t in self._chat_ready_at.items() if t <= now]:
            del self._chat_ready_at[chat_id]
        return set(self._chat_ready_at)

    async def send_due(self) -> bool:
        """Send what may be sent now; returns False when nothing could be sent."""
        sent_any = False
        busy = self._busy_chats()
        batch = await self._outbox.pending(50, skip_chats=busy)
        unsettled: Settle | None = None
        try:
            for message in batch:
                if self._stopping:
                    break
                if message.chat_id in busy:
                    continue  # a second message to the same chat waits a second
                await self._wait_for_slot()
                # The batch was read up to 50 sends ago: a row deleted meanwhile (a cancelled
                # broadcast, a member who erased their data) must not go out. Checked before
                # the previous answer is written, so the check need not wait for that write.
                still_pending = await self._outbox.still_pending(message.id)
                settling = asyncio.create_task(unsettled()) if unsettled else None
                unsettled = None
                try:
                    if still_pending:
                        busy.add(message.chat_id)
                        unsettled = await self._send(message)
                        sent_any = True
                finally:
                    if settling is not None:
                        await settling
        finally:
            # Before the next batch is read: a sent row still pending would be sent again.
            if unsettled is not None:
                await unsettled()
        return sent_any

    async def _wait_for_slot(self) -> None:
        while True:
            pause = self._gate.pause_left()
            if pause > 0:
                await asyncio.sleep(pause)
                continue
            wait = self._pacer.wait_time()
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def _send(self, message: OutboxMessage) -> Settle | None:
        """Send one row; what Telegram answered is acted on at once where it affects the next
        request (a 429's pause, the chat's spacing), and the returned function records it."""
        self._pacer.sent()
        self._chat_ready_at[message.chat_id] = time.monotonic() + PER_CHAT_INTERVAL
        try:
            try:
                await _call(self._bot, message)
            finally:
                # Counted from the answer too (see Pacer): the next message to this chat
                # cannot reach Telegram within a second of this one.
                self._pacer.answered()
                self._chat_ready_at[message.chat_id] = max(
                    self._chat_ready_at.get(message.chat_id, 0.0),
                    time.monotonic() + PER_CHAT_INTERVAL,
                )
        except RetryAfter as exc:
            seconds = retry_after_seconds(exc)  # the gate pauses every outbox request
            log.warning("outbox: 429, pausing %.1f s (outbox id %d)", seconds, message.id)
            # Not counted as an attempt: the message was never refused, only deferred.
            return None
        except Forbidden as exc:
            return partial(self._unreachable, message, f"Forbidden: {exc.message}")
        except BadRequest as exc:
            if any(part in exc.message.lower() for part in _UNREACHABLE_400):
                return partial(self._unreachable, message, f"BadRequest: {exc.message}")
            log.error("outbox: id %d refused by Telegram: %s", message.id, exc.message)
            return partial(self._finish, message, FAILED, f"BadRequest: {exc.message}")
        except (TimedOut, NetworkError) as exc:
            return partial(self._transient, message, f"{type(exc).__name__}: {exc.message}")
        except Exception as exc:
            # A malformed row must not stop the sender for everyone else.
            log.exception("outbox: id %d could not be sent", message.id)
            return partial(self._finish, message, FAILED, type(exc).__name__)
        return partial(self._finish, message, SENT, None)

    async def _finish(self, message: OutboxMessage, state: str, error: str | None) -> None:
        await self._outbox.finish(message.id, state, self._clock.now(), error)

    async def _unreachable(self, message: OutboxMessage, error: str) -> None:
        log.info("outbox: chat of id %d unreachable", message.id)
        await self._members.mark_unreachable(message.chat_id, self._clock.now())
        await self._outbox.abandon_chat(message.chat_id, self._clock.now(), error)

    async def _transient(self, message: OutboxMessage, error: str) -> None:
        attempts = await self._outbox.record_attempt(message.id, error)
        if attempts >= self._max_attempts:
            log.error("outbox: id %d failed after %d attempts", message.id, attempts)
            await self._finish(message, FAILED, error)
            return
        delay = min(self._backoff_base * 2 ** (attempts - 1), BACKOFF_CAP)
        # The whole chat waits, so its messages keep their order.
        self._chat_ready_at[message.chat_id] = max(
            self._chat_ready_at.get(message.chat_id, 0.0), time.monotonic() + delay
        )
        log.warning("outbox: id %d attempt %d failed, retry in %.1f s", message.id, attempts, delay)
