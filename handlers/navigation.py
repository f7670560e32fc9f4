"""Buttons and answers shared by every feature: back to the main menu, outdated buttons."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.callbacks import pack
from bot.i18n import Translator

MENU_PREFIX = "menu"
HOME = pack(MENU_PREFIX, "home")


def home_button(t: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(t._("« Main menu"), callback_data=HOME)


async def answer_stale(query: CallbackQuery, t: Translator) -> None:
    """A button that no longer applies (or was never ours): say so instead of doing nothing."""
    await query.answer(
        t._("This button no longer works. Send /start to open the menu again."),
        show_alert=True,
    )


async def show_in_place(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Answer a button tap by replacing the tapped message.

    A double tap edits to the same content twice; Telegram refuses the second edit as "not
    modified", which is no error from the member's point of view.
    """
    await query.answer()
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message:
            raise
