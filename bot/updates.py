"""The update pump: fetch → store in the inbox → confirm → handle → forget.

PTB's own Updater keeps fetched updates in memory and confirms them to Telegram with its next
getUpdates call, so a crash loses whatever it had fetched but not yet handled. Here every batch
is committed to the inbox first; only then does the next getUpdates (with a higher offset)
confirm it. Each update is marked handled after PTB processed it and the conversation states
were flushed.

Up to ``CONCURRENCY`` updates are handled at once, but never two of the same chat: a member's
updates keep their order (conversations depend on it), while one member's slow request does
not hold up the others. Each update waits on several short database round trips; overlapping
them is what keeps the bot's throughput near a bare PTB bot's. More than four was slower on
two cores.

Guarantees: an update is handled at least once (a crash mid-handling handles it again after
restart, which is why effects are conditional updates or UNIQUE-guarded inserts), and a
redelivered ``update_id`` is dropped at the door (the inbox keeps ids for 48 hours).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.context import KosizuApplication
from bot.flood import retry_after_seconds

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
CONCURRENCY = 4


class PollingRequest(HTTPXRequest):
    """PTB's request object for getUpdates, keeping the raw updates of the last answer.

    The inbox stores each update's JSON as Telegram sent it. Re-serialising PTB's parsed
    objects (``Update.to_json``) cost about an eighth of the bot's throughput; this override of
    PTB's documented parsing hook hands over the dictionaries it parsed anyway.
    """

    def __init__(self) -> None:
        super().__init__(connection_pool_size=1)
        self.last_result: list[dict[str, Any]] = []

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        data: dict[str, Any] = HTTPXRequest.parse_json_payload(payload)
        result = data.get("result")
        self.last_result = result if isinstance(result, list) else []
        return data


@dataclass(frozen=True)
class _Stored:
    seq: int
    update_id: int
    update: Update

    @property
    def chat_key(self) -> int:
        chat = self.update.effective_chat
        user = self.update.effective_user
        return chat.id if chat else user.id if user else 0


class UpdatePump:
    def __init__(
        self,
        app: KosizuApplication,
        polling: PollingRequest,
        *,
        poll_timeout: int = POLL_TIMEOUT,
    ) -> None:
        self._app = app
        self._polling = polling
        self._services = app.services
        self._poll_timeout = poll_timeout
        # Stored updates waiting to be handled. The fetcher hands over the objects it already
        # parsed; the database copy is only read back after a restart.
        self._queue: asyncio.Queue[_Stored | None] = asyncio.Queue()
        self._stopping = False
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._chat_waiters: dict[int, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._done: list[int] = []
        self._done_event = asyncio.Event()
        self._recording_stopped = False

    async def load_leftovers(self) -> int:
        """Queue what a previous run stored but did not handle; call before fetching."""
        items = await self._services.inbox.unhandled(limit=1_000_000)
        for item in items:
            update = Update.de_json(json.loads(item.payload), self._app.bot)
            self._queue.put_nowait(_Stored(item.seq, item.update_id, update))
        if items:
            log.info("inbox: %d update(s) from before the restart", len(items))
        return len(items)

    def stop_handling(self) -> None:
        """Finish the updates in hand, then return from ``handle_forever``; the rest stays in
        the inbox for the next start."""
        self._stopping = True
        self._queue.put_nowait(None)  # wakes a handler waiting on an empty queue

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
                await asyncio.sleep(retry_after_seconds(exc))
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
            raw = self._polling.last_result
            if [r.get("update_id") for r in raw] != [u.update_id for u in updates]:
                raw = [u.to_dict() for u in updates]  # not the answer we parsed: be safe
            seqs = await self._services.inbox.store(
                [(u.update_id, json.dumps(r)) for u, r in zip(updates, raw, strict=True)],
                self._services.clock.now(),
            )
            for seq, update in zip(seqs, updates, strict=True):
                if seq is None:
                    log.info("inbox: dropped redelivered update %d", update.update_id)
                else:
                    self._queue.put_nowait(_Stored(seq, update.update_id, update))
            # Confirmed by the next call; everything up to here is safely in the inbox.
            offset = updates[-1].update_id + 1

    async def handle_forever(self) -> None:
        """Handle queued updates until stopped; then wait for the ones in hand."""
        try:
            while not self._stopping and (stored := await self._queue.get()) is not None:
                await self._slots.acquire()
                if self._stopping:
                    self._slots.release()
                    break
                task = asyncio.create_task(self._in_chat_order(stored))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        finally:
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._record_done()

    async def record_done_forever(self) -> None:
        """Mark handled updates in the inbox, many in one write when they finish together.

        Group commit: while one write is on its way, the updates finishing meanwhile wait for
        the next one. Each update is marked a moment after it was handled; a crash in that
        moment handles it again, like a crash during handling would.
        """
        while not self._recording_stopped:
            await self._done_event.wait()
            self._done_event.clear()
            await self._record_done()

    def stop_recording(self) -> None:
        """Let the recorder finish its write in hand and return (never cancelled mid-write:
        the marks it holds would be lost, and their updates handled again)."""
        self._recording_stopped = True
        self._done_event.set()

    async def _record_done(self) -> None:
        done, self._done = self._done, []
        await self._services.inbox.mark_handled(done, self._services.clock.now())

    async def flush_marks(self) -> None:
        """At a clean stop, after the recorder: mark the rest, so nothing is handled twice."""
        if self._done:
            await self._record_done()

    async def _in_chat_order(self, stored: _Stored) -> None:
        key = stored.chat_key
        lock = self._chat_locks.setdefault(key, asyncio.Lock())
        self._chat_waiters[key] = self._chat_waiters.get(key, 0) + 1
        try:
            async with lock:
                await self._handle_one(stored)
        finally:
            self._slots.release()
            self._chat_waiters[key] -= 1
            if not self._chat_waiters[key]:
                del self._chat_waiters[key], self._chat_locks[key]

    async def _handle_one(self, stored: _Stored) -> None:
        try:
            # Handler errors are caught by PTB and passed to our error handler.
            await self._app.process_update(stored.update)
            await self._app.update_persistence()
        except Exception:
            # Not a handler error: the update itself cannot be processed. Handling it again
            # would block every update behind it, so it is logged and set aside.
            log.exception("update %d could not be processed", stored.update_id)
        self._done.append(stored.seq)
        self._done_event.set()
