"""What a member may do depends on their status and consent, checked against the database on
every update.

A suspended member may only see and erase their data (/mydata, /deleteme); a lapsed police or
staff member may also keep their profile up to date and reconfirm their role. What only
members may use (asking for and answering contact requests) is refused to applicants whose
application is pending and to people who merely wrote to the bot. A member whose
consent is for an older privacy notice is asked again before anything else. Everything
refused gets one clear sentence and an audit row. Staff-only actions check the role
themselves (``require_staff``) and audit every refusal too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler

from bot.context import BotContext

Handlers = Sequence[BaseHandler[Any, BotContext, Any]]
Reply = Callable[[Update, BotContext], Awaitable[None]]


class AccessGate:
    """Runs before the features; lets an update through only to the handlers its member may
    use. Whether a handler would take the update is asked of the handler itself
    (``check_update``), so commands, buttons and open conversations are judged alike."""

    def __init__(
        self,
        *,
        suspended_may: Handlers,
        lapsed_may: Handlers,
        unconsented_may: Handlers,
        ask_consent: Reply,
        members_only: Handlers = (),
    ) -> None:
        self._suspended_may = suspended_may
        self._lapsed_may = lapsed_may
        self._unconsented_may = unconsented_may
        self._ask_consent = ask_consent
        self._members_only = members_only

    async def enforce(self, update: Update, context: BotContext) -> None:
        if not context.knows_member:
            return
        member = context.member
        if member.status == "suspended" and not self._allows(self._suspended_may, update):
            await _refuse(
                update,
                context,
                "suspended",
                context.t._(
                    "Your membership is suspended. You can still use /mydata and /deleteme."
                ),
            )
        if member.status == "lapsed" and not self._allows(self._lapsed_may, update):
            await _refuse(
                update,
                context,
                "lapsed",
                context.t._(
                    "Your role needs to be reconfirmed. Until then you can use /profile, "
                    "/mydata and /deleteme. Send /start to reconfirm it."
                ),
            )
        if member.status in (None, "pending") and self._allows(self._members_only, update):
            await _refuse(
                update,
                context,
                member.status or "none",
                context.t._(
                    "Your application is still being reviewed. You can use this once the "
                    "network team has admitted you."
                )
                if member.status == "pending"
                else context.t._(
                    "This is for members of the network. Send /start to see how to join."
                ),
            )
        has_consented_before = member.role is not None or member.status is not None
        if (
            has_consented_before
            and member.consent_version != context.services.privacy.version
            and not self._allows(self._unconsented_may, update)
        ):
            await self._ask_consent(update, context)
            raise ApplicationHandlerStop

    @staticmethod
    def _allows(handlers: Handlers, update: Update) -> bool:
        return any(handler.check_update(update) not in (None, False) for handler in handlers)


async def _refuse(update: Update, context: BotContext, why: str, text: str) -> None:
    services = context.services
    await services.audit.log(
        services.clock.now(), "access.denied", actor_id=context.member.id, detail=f"status={why}"
    )
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    raise ApplicationHandlerStop


async def still_staff(
    update: Update,
    context: BotContext,
    action: str,
    drop: Callable[[int], Awaitable[object]],
) -> bool:
    """``require_staff`` for a step of a conversation begun as staff: when the role has gone
    since, what the member left half-done is dropped (``drop`` of their member id), so it
    cannot take effect should the role come back."""
    if await require_staff(update, context, action):
        return True
    await drop(context.member.id)
    return False


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
