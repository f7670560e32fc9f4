"""The update pump: fetch → store in the inbox → confirm → handle → forget.

PTB's own Updater keeps fetched updates in memory and confirms them to Telegram with its next
getUpdates call, so a crash loses whatever it had fetched but not yet handled. Here every batch
is committed to the inbox first; only then does the next getUpdates (with a higher offset)
confirm it. Handling reads the inbox in arrival order, one update at a time, and marks each
handled after PTB processed it and the conversation states were flushed.

Guarantees: an update is handled at least once (a crash mid-handling handles it again after
restart, which is why effects are conditional updates or UNIQUE-guarded inserts), and a
redelivered ``update_id`` is dropped at the door (the inbox keeps ids for 48 hours).
"""

from __future__ import annotations

import asyncio
import json
import logging

from telegram import Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.context import KosizuApplication

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds Telegram holds a getUpdates open
ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "channel_post",
    "edited_channel_post",
]
_BATCH = 100


class UpdatePump:
    def __init__(self, app: KosizuApplication, *, poll_timeout: int = POLL_TIMEOUT) -> None:
        self._app = app
        self._services = app.services
        self._poll_timeout = poll_timeout
        self._work = asyncio.Event()
        self._work.set()  # handle what a previous run left in the inbox
        self._stopping = False
        self.handled = 0

    def stop_handling(self) -> None:
        """Finish the update in hand, then return from ``handle_forever``."""
        self._stopping = True
        self._work.set()

    async def fetch_forever(self) -> None:
        offset: int | None = None
        failures = 0
        while True:
            try:
                updates = await self._app.bot.get_updates(
                    offset=offset,
                    timeout=self._poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                    limit=_BATCH,
                    read_timeout=self._poll_timeout + 10,
                )
            except InvalidToken:
                raise
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except (TimedOut, NetworkError) as exc:
                failures += 1
                delay = min(2.0**failures, 30.0)
                log.warning("getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if not updates:
                continue
            new = await self._services.inbox.store(
                [(u.update_id, u.to_json()) for u in updates], self._services.clock.now()
            )
            if new < len(updates):
                log.info("inbox: dropped %d redelivered update(s)", len(updates) - new)
            # Confirmed by the next call; everything up to here is safely in the inbox.
            offset = updates[-1].update_id + 1
            self._work.set()

    async def handle_forever(self) -> None:
        while not self._stopping:
            await self._work.wait()
            self._work.clear()
            while not self._stopping and await self.handle_pending():
                pass

    async def handle_pending(self) -> int:
        """Handle every update waiting in the inbox; returns how many were handled."""
        items = await self._services.inbox.unhandled(_BATCH)
        handled = 0
        for item in items:
            if self._stopping:
                break
            await self._handle_one(item.seq, item.update_id, item.payload)
            handled += 1
        return handled

    async def _handle_one(self, seq: int, update_id: int, payload: str) -> None:
        try:
            update = Update.de_json(json.loads(payload), self._app.bot)
            # Handler errors are caught by PTB and passed to our error handler.
            await self._app.process_update(update)
            await self._app.update_persistence()
        except Exception:
            # Not a handler error: the update itself cannot be processed. Handling it again
            # would block every update behind it, so it is logged and set aside.
            log.exception("update %d could not be processed", update_id)
        await self._services.inbox.mark_handled(seq, self._services.clock.now())
        self.handled += 1


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
