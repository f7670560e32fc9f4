"""The one error handler: log with the update id, tell the member nothing was lost."""

from __future__ import annotations

import logging

from telegram import Chat, Update
from telegram.error import BadRequest, TelegramError

from bot.context import BotContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    # No update text, names or user ids in the log: the update id is enough to investigate.
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None or chat.type != Chat.PRIVATE:
        return
    user = update.effective_user
    t = context.t
    if user is not None and not context.knows_language:
        # The error may have come before the member was looked up: use their app language.
        t = context.services.catalogs.choose(None, user.language_code)
    text = t._(
        "Sorry, something went wrong on our side. Your message was received and nothing has "
        "been lost. Please try again in a moment."
    )
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(text, show_alert=True)
                return
            except BadRequest:
                pass  # the tap was already answered before the failure: write instead
        await context.bot.send_message(chat.id, text)
    except TelegramError:
        log.warning("could not tell the member about the error (update %s)", update_id)
