"""Who is writing: the member record and their translator, for every private-chat update."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext


async def attach_member(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None or user.is_bot:
        return
    services = context.services
    member = await services.members.seen(user.id, services.clock.now(), user.language_code)
    context.member = member
    context.t = services.catalogs.for_member(member.language, user.language_code)
