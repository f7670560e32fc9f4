"""Private chats only: in a group or channel the bot says so once and leaves.

Member data must not leak into a group, and Telegram's group rate limits (20 messages a
minute) would not carry the bot anyway. Blocking and unblocking in a private chat is noted
here too, so the outbox knows who cannot be reached.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Chat, ChatMember, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext

log = logging.getLogger(__name__)

_JOINED = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def guard(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    services = context.services
    if chat.type == Chat.PRIVATE:
        change = update.my_chat_member
        if change is not None:
            if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
                await services.members.mark_unreachable(chat.id, services.clock.now())
            raise ApplicationHandlerStop
        return

    change = update.my_chat_member
    joined = change is not None and change.new_chat_member.status in _JOINED
    if change is not None and not joined:
        raise ApplicationHandlerStop  # we were removed: nothing to say
    if await services.foreign_chats.first_contact(chat.id, services.clock.now(), joined=joined):
        log.info("leaving non-private chat %d", chat.id)
        language = update.effective_user.language_code if update.effective_user else None
        t = services.catalogs.choose(None, language)
        # A channel where we may not post: leaving is what matters.
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                chat.id,
                t._(
                    "I only work in private chats, to protect the privacy of the network's "
                    "members. Please write to me directly: @{username}"
                ).format(username=context.bot.username),
            )
        await context.bot.leave_chat(chat.id)
    raise ApplicationHandlerStop
