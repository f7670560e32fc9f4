"""/help: what the bot does and which commands exist."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import pack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.navigation import home_button, show_in_place

OPEN = pack("help")


def help_text(t: Translator) -> str:
    return t._(
        "<b>Help</b>\n\n"
        "/start – open the main menu\n"
        "/language – choose your language\n"
        "/cancel – stop what you are doing\n"
        "/help – show this help\n"
        "/mydata – see everything stored about you\n"
        "/deleteme – erase your data\n\n"
        "<b>This bot is not for emergencies.</b> In an emergency, call 110."
    )


async def show(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(help_text(context.t))


async def show_from_menu(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await show_in_place(
        query, help_text(context.t), InlineKeyboardMarkup([[home_button(context.t)]])
    )
