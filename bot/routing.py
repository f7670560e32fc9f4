"""Typed input goes to the question the member was asked last.

Several conversations can each be waiting for a text from one chat: a staff member opens an
organisation rename, then taps Approve on a police application, which asks for a verification
note. PTB hands a text to the first waiting conversation in handler order, so the note would
rename the organisation — and a later "thanks" would approve the application as its note.

The router sees every update before the features. Only the question asked last is open: a
conversation setting its state (asking, or asking again after wrong input) closes every other
one, and so does the member moving on with a command or a working button of another feature
(an unknown command or an outdated button, answered as such, changes nothing). A text goes to
the open question, whatever its conversation's place in the handler order; when there is
none, the member is told so, instead of the text landing in an old question.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, ConversationHandler

from bot.context import BotContext, KosizuApplication

Key = tuple[int | str, ...]


class ConversationRouter:
    def __init__(self, nothing_open: Callable[[Update, BotContext], Awaitable[None]]) -> None:
        self._nothing_open = nothing_open
        self._conversations: Sequence[ConversationHandler[BotContext]] = ()
        self._elsewhere: Sequence[BaseHandler[Any, BotContext, Any]] = ()
        # Per chat, a count of events: a conversation's state set or ended, or the member
        # moving elsewhere (a command, a working button of another feature).
        self._events: dict[Key, int] = {}
        self._asked: dict[tuple[str, Key], int] = {}  # the event that set a conversation's state

    def watch(
        self,
        conversations: Sequence[ConversationHandler[Any]],
        elsewhere: Sequence[BaseHandler[Any, BotContext, Any]],
    ) -> None:
        """``elsewhere``: the features' other handlers (not the catch-alls for stale input)."""
        self._conversations = conversations
        self._elsewhere = elsewhere

    def _event(self, key: Key) -> int:
        self._events[key] = self._events.get(key, 0) + 1
        return self._events[key]

    def state_written(self, name: str, key: Key) -> None:
        """Persistence saw a conversation's state set (or ended) while handling an update."""
        self._asked[(name, key)] = self._event(key)

    def _is_open(self, conversation: ConversationHandler[Any], key: Key) -> bool:
        # States loaded at start-up have no events yet: open, as they were before a restart.
        return self._asked.get((str(conversation.name), key), 0) == self._events.get(key, 0)

    async def route(self, update: Update, context: BotContext) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        key: Key = (chat.id, user.id)
        message = update.message
        is_command = message is not None and (message.text or "").startswith("/")
        candidates = [
            (conversation, result)
            for conversation in self._conversations
            if (result := conversation.check_update(update)) is not None
        ]
        if (update.callback_query is not None or is_command) and not candidates:
            if any(h.check_update(update) for h in self._elsewhere):
                self._event(key)  # another feature's command or working button: moved on
            return  # an unknown command or an outdated button changes nothing
        if update.callback_query is not None or message is None or not candidates:
            return  # a button belongs to the conversation its pattern names
        if is_command:
            # An entry point, or /cancel: for the conversation used last.
            chosen = max(candidates, key=lambda c: self._asked.get((str(c[0].name), key), 0))
        else:
            still_open = [c for c in candidates if self._is_open(c[0], key)]
            if not still_open:
                await self._nothing_open(update, context)
                raise ApplicationHandlerStop
            chosen = still_open[0]
        if chosen is candidates[0]:
            return  # the handler order gives it to the same conversation
        conversation, result = chosen
        app = context.application
        assert isinstance(app, KosizuApplication)
        await conversation.handle_update(update, app, result, context)
        raise ApplicationHandlerStop
