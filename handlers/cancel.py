"""/cancel outside any conversation (each conversation handles its own /cancel first)."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t._("There is nothing to cancel. Send /start to open the menu.")
    )
