"""The sandbox's clock: real time plus an offset that the page's clock control moves ahead.

The bot, its scheduler and the emulator's message dates all read this one clock, so jumping a
day ahead makes the next reminder or quarterly round fall due as it would a day later. It only
moves forward: going back would let the scheduler see a moment twice.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class SandboxClock:
    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def unix(self) -> float:
        """Seconds since the epoch, for the emulator's message dates."""
        return time.time() + self._offset.total_seconds()

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, delta: timedelta) -> None:
        if delta <= timedelta():
            raise ValueError("the sandbox clock only moves forward")
        self._offset += delta


def describe_offset(offset: timedelta) -> str:
    """ "+0 h", "+3 d 2 h": how far the sandbox runs ahead of real time."""
    hours = int(offset.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    minutes = int(offset.total_seconds() % 3600 // 60)
    parts = [f"{days} d"] if days else []
    if hours or not days:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    return "+" + " ".join(parts)
