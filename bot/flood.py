"""Telegram's flood control (a 429 with ``retry_after``) for every request the bot makes.

A reply to a member's own action is not lost to a 429: it is made again once ``retry_after``
has passed, so the member waits a moment instead of getting nothing. A 429 on any request
also means the bot is over Telegram's overall limit, so the outbox sender (broadcasts above
all) waits it out as well, which makes room for the replies. Unlike PTB's AIORateLimiter,
a 429 on a broadcast message does not hold up the replies: they never wait for the outbox.

Callers that deal with a 429 themselves (the outbox sender must not hold a row while it
waits; the contact relay asks the writer to send again) pass ``rate_limit_args=OWN_RETRY``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

OWN_RETRY = "own-retry"
REPLY_ATTEMPTS = 3
# A reply that would have to wait longer is given up: the member's update goes to the error
# handler, which tells them nothing was lost, and they can try again.
REPLY_WAIT_CAP = 30.0


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds to wait after a 429 (PTB gives an int or a timedelta, see bot/__init__.py)."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class FloodGate(BaseRateLimiter[str]):
    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self.paused_until = 0.0  # read by the outbox sender before every send

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self._now() + seconds)

    def pause_left(self) -> float:
        return max(0.0, self.paused_until - self._now())

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        attempt = 1
        while True:
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                self.pause(seconds)
                if (
                    rate_limit_args == OWN_RETRY
                    or attempt >= REPLY_ATTEMPTS
                    or seconds > REPLY_WAIT_CAP
                ):
                    raise
                log.warning("%s: 429, trying again in %.1f s", endpoint, seconds)
                await asyncio.sleep(seconds)
                attempt += 1
