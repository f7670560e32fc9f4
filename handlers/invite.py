"""/invite (staff only): create an invitation link for a new member."""

from __future__ import annotations

import html

from telegram import Update

from bot.callbacks import number_part
from bot.context import BotContext
from handlers.access import require_staff
from handlers.labels import ROLE_LABELS
from storage.invites import InviteError
from storage.vocabulary import ROLES

DAYS = {"community": 30, "police": 7, "staff": 7}


async def create(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    if not await require_staff(update, context, "command=invite"):
        return
    services, t, member = context.services, context.t, context.member
    args = context.args or []
    role = args[0].lower() if args else ""
    organisation_id = number_part(args[1]) if len(args) > 1 else None
    if role not in ROLES or len(args) > 2 or (len(args) == 2 and organisation_id is None):
        await message.reply_text(t._("Usage: /invite community|police|staff [organisation number]"))
        return
    try:
        invite, code = await services.invites.create(
            role, organisation_id, DAYS[role], 1, services.clock.now(), created_by=member.id
        )
    except InviteError:
        await message.reply_text(
            t._("There is no organisation number {number}.").format(number=organisation_id)
        )
        return
    link = f"https://t.me/{context.bot.username}?start={code}"
    await message.reply_text(
        t._(
            "Invitation ({role}), valid until {date}. Send this link to the person "
            "privately; it works once:\n{link}"
        ).format(
            role=t._(ROLE_LABELS[role]),
            date=t.datetime(invite.expires_at),
            link=html.escape(link),
        ),
        protect_content=True,
    )
