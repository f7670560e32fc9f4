"""Buttons and answers shared by every feature: back to the main menu, outdated buttons."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.callbacks import pack
from bot.context import BotContext
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


async def stale_button(update: Update, context: BotContext) -> None:
    """A handler for buttons of an earlier step, or of something gone."""
    assert update.callback_query is not None
    await answer_stale(update.callback_query, context.t)


@contextmanager
def unless_unchanged() -> Iterator[None]:
    """Around an edit: a double tap edits to the same content twice, and Telegram refuses the
    second as "not modified", which is no error from the member's point of view."""
    try:
        yield
    except BadRequest as exc:
        if "not modified" not in exc.message:
            raise


async def replace(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the tapped message (the tap must be answered separately)."""
    with unless_unchanged():
        await query.edit_message_text(text, reply_markup=markup)


async def drop_buttons(query: CallbackQuery) -> None:
    """Keep the tapped message readable but take its buttons away, so it cannot be re-tapped."""
    with unless_unchanged():
        await query.edit_message_reply_markup(None)


async def show_in_place(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Answer a button tap by replacing the tapped message."""
    await query.answer()
    await replace(query, text, markup)
