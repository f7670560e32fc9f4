"""/deleteme: erase the member's personal data after one confirmation."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import pack, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.navigation import answer_stale, show_in_place

PREFIX = "erase"


def confirm_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t._("Erase my data"), callback_data=pack(PREFIX, "yes"))],
            [InlineKeyboardButton(t._("Keep my data"), callback_data=pack(PREFIX, "no"))],
        ]
    )


async def ask(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    t = context.t
    await message.reply_text(
        t._(
            "<b>Erase your data?</b>\n\nThis erases everything the network stores about you: "
            "your membership, name, organisation, regions, consents and messages waiting to "
            "be sent. It cannot be undone. The record of privileged actions keeps internal "
            "numbers only, which nobody can link to you afterwards."
        ),
        reply_markup=confirm_keyboard(t),
    )


async def answer(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    services, t = context.services, context.t
    choice = unpack(query.data, PREFIX, 1)
    if choice == ["no"]:
        await show_in_place(query, t._("Nothing was erased."))
        return
    if choice != ["yes"]:
        await answer_stale(query, t)
        return
    await services.personal_data.erase(context.member, services.clock.now())
    await show_in_place(query, erased_text(t))


def erased_text(t: Translator) -> str:
    return t._(
        "Your data has been erased. If you write to this bot again, it starts afresh "
        "and knows nothing about you."
    )
