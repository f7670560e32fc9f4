"""/start and the main menu that every feature hangs its entry button on."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.i18n import Translator
from handlers import help as help_feature
from handlers import language
from handlers.navigation import show_in_place


def main_menu(t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    text = t._(
        "<b>KoSiZu – Cooperation Network Living Together Safely</b>\n\n"
        "This bot connects the network's mosque associations, Muslim organisations and "
        "police contacts with the network team.\n\n"
        "What would you like to do?"
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t._("🌐 Language"), callback_data=language.OPEN),
                InlineKeyboardButton(t._("❓ Help"), callback_data=help_feature.OPEN),
            ]
        ]
    )
    return text, keyboard


async def start(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    text, keyboard = main_menu(context.t)
    await update.effective_message.reply_text(text, reply_markup=keyboard)


async def show_home(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await show_in_place(query, *main_menu(context.t))
