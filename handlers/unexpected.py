"""Input no feature asked for: every kind gets a short answer that says what to do instead.

Registered last in the handler order, so it only sees what nothing else took.
"""

from __future__ import annotations

import html

from telegram import Update

from bot.context import BotContext
from handlers.navigation import answer_stale

# A command named in a reply is echoed, so keep it short and escaped.
_MAX_ECHO = 32


async def edited_message(update: Update, context: BotContext) -> None:
    message = update.edited_message
    assert message is not None
    await message.reply_text(
        context.t._(
            "I only read new messages, not edits. Please send your correction as a new message."
        )
    )


async def unknown_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    command = message.text.split()[0][:_MAX_ECHO]
    await message.reply_text(
        context.t._("I don't know the command {command}. /help lists what I can do.").format(
            command=html.escape(command)
        )
    )


async def text(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t._(
            "I'm not sure what you mean. Please use the menu buttons or a command: "
            "/start opens the menu, /help lists everything."
        )
    )


async def unasked(update: Update, context: BotContext) -> None:
    """A message while no question is open (an earlier one was left for something else)."""
    message = update.effective_message
    if message is not None and message.text:
        await text(update, context)
    else:
        await other_content(update, context)


async def other_content(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t._(
            "I can only read text messages and button taps here. Send /start to open the menu."
        )
    )


async def stale_button(update: Update, context: BotContext) -> None:
    assert update.callback_query is not None
    await answer_stale(update.callback_query, context.t)
