"""/settings: a member's choices about what the bot sends them on its own. For now, whether
general announcements from the network team reach them; essential ones (an event cancelled)
always do, which the screen says so nobody believes they will miss those."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import pack, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.navigation import answer_stale, home_button, show_in_place

PREFIX = "settings"
OPEN = pack(PREFIX, "open")
ANNOUNCEMENTS = "ann"


def _screen(t: Translator, wanted: bool) -> tuple[str, InlineKeyboardMarkup]:
    state = t._("on") if wanted else t._("off")
    text = "\n\n".join(
        [
            t._("⚙️ <b>Settings</b>"),
            t._("General announcements from the network team: <b>{state}</b>").format(state=state),
            t._("Essential announcements, such as an event being cancelled, reach you either way."),
        ]
    )
    toggle = (
        InlineKeyboardButton(
            t._("🔕 Turn general announcements off"), callback_data=pack(PREFIX, ANNOUNCEMENTS, 0)
        )
        if wanted
        else InlineKeyboardButton(
            t._("🔔 Turn general announcements on"), callback_data=pack(PREFIX, ANNOUNCEMENTS, 1)
        )
    )
    return text, InlineKeyboardMarkup([[toggle], [home_button(t)]])


async def show(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    wanted = await context.services.broadcasts.announcements(context.member.id)
    text, markup = _screen(context.t, wanted)
    await update.effective_message.reply_text(text, reply_markup=markup)


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    services, t, member = context.services, context.t, context.member
    if query.data == OPEN:
        wanted = await services.broadcasts.announcements(member.id)
        await show_in_place(query, *_screen(t, wanted))
        return
    parts = unpack(query.data, PREFIX, 2)
    if parts is None or parts[0] != ANNOUNCEMENTS or parts[1] not in ("0", "1"):
        await answer_stale(query, t)
        return
    wanted = parts[1] == "1"
    await services.broadcasts.set_announcements(member.id, wanted)
    await show_in_place(query, *_screen(t, wanted))
