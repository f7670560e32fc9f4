"""Four-eyes for staff broadcasts (KOSIZU_BROADCAST_APPROVAL=1): every other active staff
member gets the broadcast's preview, one message per language version, and a request to
approve or reject it. The first decision counts; the author is told who decided. The
repository refuses the author's own approval and audits every decision.

The requests go through the outbox, keyed per broadcast and staff member, so a pass that runs
again (or a restart) asks nobody twice.
"""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import Translator
from bot.services import Services
from handlers.access import require_staff
from handlers.broadcast_message import payload
from handlers.labels import LANGUAGE_LABELS
from handlers.navigation import answer_stale, replace
from storage.broadcasts import Broadcast
from storage.members import active_staff
from storage.outbox import OutboxRepository

log = logging.getLogger(__name__)

PREFIX = "bc"
APPROVE = "approve"
REJECT = "reject"
PATTERN = rf"^{PREFIX}:({APPROVE}|{REJECT}):"


def _versions(broadcast: Broadcast, default_language: str) -> list[str]:
    """The languages with a version, the default language's first."""
    return sorted(broadcast.texts, key=lambda lang: (lang != default_language, lang))


def _name(t: Translator, name: str | None) -> str:
    return html.escape(name) if name else t._("A member of the network team")


def request_text(
    t: Translator, broadcast: Broadcast, author: str | None, total: int, default_language: str
) -> str:
    languages = ", ".join(
        t._(LANGUAGE_LABELS[lang]) for lang in _versions(broadcast, default_language)
    )
    text = t.ngettext(
        "📣 <b>Approval needed</b>\n\n{author} wants to send the broadcast above "
        "(versions: {languages}) to {count} member.",
        "📣 <b>Approval needed</b>\n\n{author} wants to send the broadcast above "
        "(versions: {languages}) to {count} members.",
        total,
    ).format(author=_name(t, author), languages=languages, count=total)
    if broadcast.send_at is not None:
        text += "\n" + t._("Scheduled for {time}.").format(time=t.datetime(broadcast.send_at))
    if broadcast.essential:
        text += "\n" + t._(
            "Marked essential: it also reaches members who turned announcements off."
        )
    return (
        text
        + "\n\n"
        + t._("A second member of the network team must approve it before it is sent.")
    )


def request_buttons(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("✅ Approve broadcast"), callback_data=pack(PREFIX, APPROVE, broadcast_id)
                ),
                InlineKeyboardButton(
                    t._("❌ Reject"), callback_data=pack(PREFIX, REJECT, broadcast_id)
                ),
            ]
        ]
    )


async def request_approval(services: Services, broadcast_id: int) -> int:
    """Queue the preview and the request to every other active staff member not asked yet.
    Returns how many staff members can decide (asked now or before); 0 when nobody can, and
    then the author is told once, with a button to cancel."""
    repo = services.broadcasts
    broadcast = await repo.get(broadcast_id)
    if broadcast is None or broadcast.state != "awaiting_approval":
        return 0
    author = await services.members.get(broadcast.author_id)
    total = sum((await repo.count(broadcast.audience, broadcast.essential)).values())
    default_language = services.config.default_language
    now = services.clock.now()
    deciders = asked = 0
    async with services.db.transaction() as tx:
        for staff in await active_staff(tx):
            if staff.member_id == broadcast.author_id:
                continue
            deciders += 1
            key = f"broadcast-approval:{broadcast.id}:{staff.member_id}"
            for language in _versions(broadcast, default_language):
                method, params = payload(broadcast, language, default_language)
                await OutboxRepository.enqueue(
                    tx, now, staff.telegram_user_id, method, params, dedup_key=f"{key}:{language}"
                )
            t = services.catalogs.for_member(staff.language, staff.app_language)
            added = await OutboxRepository.enqueue(
                tx,
                now,
                staff.telegram_user_id,
                "sendMessage",
                {
                    "text": request_text(
                        t,
                        broadcast,
                        None if author is None else author.display_name,
                        total,
                        default_language,
                    ),
                    "reply_markup": request_buttons(t, broadcast.id).to_dict(),
                },
                dedup_key=key,
            )
            asked += added is not None
        if deciders == 0 and author is not None:
            t = services.catalogs.for_member(author.language, author.app_language)
            await OutboxRepository.enqueue(
                tx,
                now,
                author.telegram_user_id,
                "sendMessage",
                {
                    "text": t._(
                        "Broadcast #{id} needs the approval of a second member of the network "
                        "team, but nobody else in the team is active. It waits until someone "
                        "joins the team and approves it, or until you cancel it."
                    ).format(id=broadcast.id),
                    "reply_markup": InlineKeyboardMarkup(
                        [
                            [
                                InlineKeyboardButton(
                                    t._("⏹ Cancel"),
                                    callback_data=pack(PREFIX, "cancel", broadcast.id),
                                )
                            ]
                        ]
                    ).to_dict(),
                },
                dedup_key=f"broadcast-approval:{broadcast.id}:nobody",
            )
    if asked:
        log.info("broadcasts: approval of %d asked of %d staff", broadcast.id, asked)
    return deciders


async def button(update: Update, context: BotContext) -> None:
    """The "✅ Approve broadcast" / "❌ Reject" buttons under an approval request."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=bc:approval"):
        return
    services, t, member = context.services, context.t, context.member
    parts = unpack(query.data, PREFIX, 2)
    broadcast_id = number_part(parts[1]) if parts and parts[0] in (APPROVE, REJECT) else None
    if parts is None or broadcast_id is None:
        await answer_stale(query, t)
        return
    broadcast = await services.broadcasts.get(broadcast_id)
    if broadcast is None:
        await answer_stale(query, t)
        return
    if broadcast.author_id == member.id:
        await query.answer(
            t._(
                "You wrote this broadcast, so you cannot approve or reject it yourself: "
                "another member of the network team must."
            ),
            show_alert=True,
        )
        return
    now = services.clock.now()
    if parts[0] == APPROVE:
        state = await services.broadcasts.approve(broadcast_id, member.id, now)
        decided = state is not None
    else:
        state = None
        decided = await services.broadcasts.reject(broadcast_id, member.id, now)
    original = query.message.text_html if isinstance(query.message, Message) else ""
    if not decided:
        await query.answer(
            t._("This broadcast was already approved, rejected or cancelled."), show_alert=True
        )
        await replace(query, original)
        return
    await query.answer()
    if state is None:
        note = t._("❌ You rejected it. Nothing is sent.")
    elif state == "scheduled":
        note = t._("✅ You approved it. It is sent at the scheduled time.")
    else:
        note = t._("✅ You approved it. It is being sent now.")
    await replace(query, f"{original}\n\n{note}")
    # Staff made on the command line may have no name in the bot yet: their Telegram name then.
    user = update.effective_user
    decider = member.display_name or (user.full_name if user is not None else None)
    await _tell_author(services, broadcast, decider, state)


async def _tell_author(
    services: Services, broadcast: Broadcast, decider: str | None, state: str | None
) -> None:
    author = await services.members.get(broadcast.author_id)
    if author is None:
        return
    t = services.catalogs.for_member(author.language, author.app_language)
    name = _name(t, decider)
    if state is None:
        text = t._("❌ {name} rejected your broadcast #{id}. Nothing was sent.")
    elif state == "scheduled" and broadcast.send_at is not None:
        text = t._(
            "✅ {name} approved your broadcast #{id}. It is sent at the scheduled time, {time}."
        )
    else:
        text = t._("✅ {name} approved your broadcast #{id}. It is being sent now.")
    time = t.datetime(broadcast.send_at) if broadcast.send_at is not None else ""
    async with services.db.transaction() as tx:
        await OutboxRepository.enqueue(
            tx,
            services.clock.now(),
            author.telegram_user_id,
            "sendMessage",
            {"text": text.format(name=name, id=broadcast.id, time=time)},
            dedup_key=f"broadcast-decision:{broadcast.id}",
        )
