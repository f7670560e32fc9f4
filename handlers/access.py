"""What a member may do depends on their status, checked against the database on every update.

A suspended member may only see and erase their data (/mydata, /deleteme); a lapsed police or
staff member may do that too, until reconfirmed. Everything else gets one clear sentence.
Staff-only actions check the role themselves (``require_staff``) and audit every refusal.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.callbacks import unpack
from bot.context import BotContext
from handlers import deleteme

RESTRICTED_STATUSES = ("suspended", "lapsed")
ALWAYS_ALLOWED = ("/mydata", "/deleteme", "/help", "/cancel")


async def enforce_status(update: Update, context: BotContext) -> None:
    if not context.knows_member:
        return
    member = context.member
    if member.status not in RESTRICTED_STATUSES:
        return
    message = update.effective_message
    query = update.callback_query
    if query is not None and unpack(query.data, deleteme.PREFIX, 1) is not None:
        return
    if query is None and message is not None and message.text:
        command = message.text.split()[0].split("@")[0].lower()
        if command in ALWAYS_ALLOWED:
            return
    services = context.services
    await services.audit.log(
        services.clock.now(), "access.denied", actor_id=member.id, detail=f"status={member.status}"
    )
    t = context.t
    text = (
        t._("Your membership is suspended. You can still use /mydata and /deleteme.")
        if member.status == "suspended"
        else t._(
            "Your role needs to be reconfirmed by the network team. Until then you can use "
            "/mydata and /deleteme."
        )
    )
    if query is not None:
        await query.answer(text, show_alert=True)
    elif message is not None:
        await message.reply_text(text)
    raise ApplicationHandlerStop


async def require_staff(update: Update, context: BotContext, action: str) -> bool:
    """True for active staff; anyone else is told no, and the attempt is audited."""
    member = context.member
    if member.is_active_staff:
        return True
    services = context.services
    await services.audit.log(
        services.clock.now(), "access.denied", actor_id=member.id, detail=action
    )
    text = context.t._("This is only for the network team.")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return False
