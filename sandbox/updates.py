"""The bot's pending update queue with Telegram's getUpdates offset semantics."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

__all__ = ["OPT_IN_UPDATES", "QueuedUpdate", "UpdateQueue"]

# Updates Telegram does not send unless asked for explicitly in allowed_updates.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass(eq=False, slots=True)
class QueuedUpdate:
    update_id: int
    kind: str
    payload: dict[str, Any]
    delivered: bool = False
    confirmed: bool = False


class UpdateQueue:
    """Updates waiting for the bot, in the order they happened.

    Ids are compared by queue position rather than by value alone, because tests let ids repeat
    or restart lower (Telegram picks a new random start after a quiet week).
    """

    def __init__(self, on_change: Callable[[], None]) -> None:
        self._on_change = on_change
        self._entries: list[QueuedUpdate] = []
        self._last_by_id: dict[int, QueuedUpdate] = {}
        # None: Telegram's default (everything except the opt-in kinds).
        self.allowed: frozenset[str] | None = None

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [e.payload for e in self._entries]

    def push(self, entry: QueuedUpdate) -> None:
        self._entries.append(entry)
        self._last_by_id[entry.update_id] = entry
        self._on_change()

    def last_with_id(self, update_id: int) -> QueuedUpdate | None:
        return self._last_by_id.get(update_id)

    def set_allowed(self, allowed: Collection[str]) -> None:
        self.allowed = frozenset(allowed) if allowed else None

    def confirm(self, offset: int) -> None:
        """Forget what an offset confirms.

        A positive offset confirms, in queue order, everything up to the last *delivered*
        update whose id is ``offset - 1``; failing that, delivered updates with smaller ids.
        Updates the bot has not seen yet are never confirmed by it, so an update queued with a
        lower id after a restart still gets delivered. A negative offset keeps only the last
        ``-offset`` updates.
        """
        entries = self._entries
        if offset < 0:
            keep = -offset
            confirmed = entries[:-keep] if keep < len(entries) else []
        else:
            last = None
            for index, entry in enumerate(entries):
                if entry.delivered and entry.update_id == offset - 1:
                    last = index
            if last is not None:
                confirmed = entries[: last + 1]
            else:
                confirmed = [e for e in entries if e.delivered and e.update_id < offset]
        self._drop(confirmed)

    def drop_all(self) -> None:
        self._drop(list(self._entries))

    def take(self, limit: int) -> list[QueuedUpdate]:
        """The next ``limit`` updates to hand out (unconfirmed ones are handed out again)."""
        if self.allowed is None:
            unwanted = [e for e in self._entries if e.kind in OPT_IN_UPDATES]
        else:
            unwanted = [e for e in self._entries if e.kind not in self.allowed]
        # Telegram never stores updates of kinds the bot did not ask for.
        self._drop(unwanted)
        batch = self._entries[:limit]
        for entry in batch:
            entry.delivered = True
        return batch

    def _drop(self, entries: list[QueuedUpdate]) -> None:
        if not entries:
            return
        gone = {id(e) for e in entries}
        for entry in entries:
            entry.confirmed = True
        self._entries = [e for e in self._entries if id(e) not in gone]
        self._on_change()
