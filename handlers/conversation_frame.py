"""The frame every conversation of the bot shares: its state is stored (the bot's
persistence writes it to SQLite after every update, so a restart continues at the same
question), and the command or button that starts it starts it again from any state."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

from telegram import Update
from telegram.ext import BaseHandler, ConversationHandler, filters
from telegram.warnings import PTBUserWarning

from bot.context import BotContext

# A new message that is not a command: what a conversation's question waits for.
NEW_MESSAGE = filters.UpdateType.MESSAGE & ~filters.COMMAND

Handlers = Sequence[BaseHandler[Update, BotContext, object]]


def persistent_conversation(
    *,
    name: str,
    entry_points: Handlers,
    states: Mapping[object, Handlers],
    fallbacks: Handlers,
) -> ConversationHandler[BotContext]:
    with warnings.catch_warnings():
        # PTB warns that with per_message=False a CallbackQueryHandler is tracked per chat,
        # not per message. Per chat is what every conversation here wants: a member answers
        # one question at a time, and any of its buttons, on whichever message, moves it on.
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=list(entry_points),
            states={state: list(handlers) for state, handlers in states.items()},
            fallbacks=list(fallbacks),
            name=name,
            persistent=True,
            allow_reentry=True,
        )
