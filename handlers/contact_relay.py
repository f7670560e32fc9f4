"""The relay between two introduced members when one of them shares nothing to reach them by
(no phone, e-mail or @username): for 14 days (KOSIZU_CONTACT_RELAY_DAYS) a reply to the
introduction, or to a message the bot passed on, is copied to the other side.

The copy is made with copyMessage and ``protect_content``: it carries no sender, so nobody
learns a chat id, a name or a username the introduction did not show, and it cannot be
forwarded. Text, photos, documents, voice messages and the rest go the same way. Only
(chat id, message id) pairs are recorded, so that a reply to a copy finds its way back
(storage/relays.py); the text is in no table, no log line, and the update that carried it
is forgotten once handled.

Where replies are caught: before the conversation router (group -1 in bot/app.py), so that a
reply meant for the other person never lands in a half-finished /profile or /contact
question. Only replies to the bot's own protected messages (introductions and copies are
sent protected) or to a message with a relay button are caught there; the database decides
whether it belongs to a conversation.

Decisions the issue left open, and why:
- Each copy is sent directly, not through the outbox, so its message id is known at once;
  at most one copy a second goes into each chat, and after a 429 the bot waits once (up to
  five seconds) and tries again, else asks the writer to send it again later.
- 👌 on the writer's message says it was passed on: a reply message each time would double
  the traffic and bury the conversation.
- “End conversation” asks once more: ending cannot be undone. The other side is told; so
  are both when the time is over, and the one left when the other is no longer a member.
- A message that is no reply, while a conversation is open, is not passed on (it may have
  been meant for the bot): the member is shown how to reply instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageId, Update
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.delivery import PER_CHAT_INTERVAL
from bot.flood import OWN_RETRY, retry_after_seconds
from bot.i18n import Catalogs, Translator
from bot.scheduling import JobHandler
from handlers import do_not_introduce, unexpected
from handlers.labels import ROLE_LABELS, TOPIC_LABELS
from handlers.navigation import answer_stale, unless_unchanged
from storage.db import Transaction
from storage.introductions import Introduced
from storage.relays import Conversation, Ended, Ending, EndNotice, end_due
from storage.schedule import ScheduledItem

log = logging.getLogger(__name__)

PREFIX = "rl"
KIND = "contact_relays"
# Every five minutes: a relay ends at most five minutes late (replies are refused on time).
CRON = "*/5 * * * *"
PASSED_ON = "👌"
MAX_RETRY_WAIT = 5.0  # seconds a writer waits for a 429 to pass before trying again
_MAX_ID_DIGITS = 9
_ACTIONS = ("end", "end_ok", "back")


# ---------------------------------------------------------------- the introduction's part


def relay_lines(t: Translator, ends_at: datetime, days: int, other_reachable: bool) -> list[str]:
    """How to write through the bot, under an introduction that opens a relay."""
    lines = [
        t._("💬 <b>Write to them through the bot</b>"),
        t._(
            "Reply to this message to write to them: swipe left on it, or tap and hold it and "
            "choose “Reply”. The bot passes your message on (text, photo, document, voice "
            "message …) without your name, number or username, and does not keep it; 👌 on "
            "your message means it was passed on. Their messages reach you here, from the "
            "bot: reply to one of them to answer."
        ),
        t.ngettext(
            "This works for {count} day, until {date}, or until one of you taps “End "
            "conversation”.",
            "This works for {count} days, until {date}, or until one of you taps “End "
            "conversation”.",
            days,
        ).format(count=days, date=t.datetime(ends_at, "short")),
    ]
    if other_reachable:
        lines += [
            "",
            t._(
                "You can also get in touch directly with the details above. They are shared "
                "with you for this contact only; please do not pass them on."
            ),
        ]
    return lines


def _end_button(t: Translator, request_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        t._("✖️ End conversation"), callback_data=pack(PREFIX, "end", request_id)
    )


def intro_keyboard(t: Translator, request_id: int, relay_open: bool) -> InlineKeyboardMarkup:
    rows = [[_end_button(t, request_id)]] if relay_open else []
    rows.append([do_not_introduce.button(t, request_id)])
    return InlineKeyboardMarkup(rows)


# ---------------------------------------------------------------- passing replies on


def _request_in_keyboard(message: Message) -> int | None:
    """The introduction a message's relay or do-not-introduce button names (the introduction
    itself is sent through the outbox, so its message id is not recorded)."""
    markup = message.reply_markup
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for key in row:
            for prefix in (PREFIX, do_not_introduce.PREFIX):
                parts = unpack(key.callback_data, prefix, 2)
                if parts is not None:
                    found = number_part(parts[1], _MAX_ID_DIGITS)
                    if found is not None:
                        return found
    return None


class _RepliesToTheBot(filters.MessageFilter):
    """A reply to one of the bot's protected messages, or to one with a relay button."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or not replied.from_user.is_bot:
            return False
        return bool(replied.has_protected_content) or _request_in_keyboard(replied) is not None


def replies() -> MessageHandler[BotContext, None]:
    """Registered before the conversation router (see the module's docstring)."""
    return MessageHandler(
        filters.ChatType.PRIVATE
        & filters.UpdateType.MESSAGE
        & ~filters.COMMAND
        & _RepliesToTheBot(),
        relayed,
    )


class _ChatPacer:
    """At most one copy a second into each chat (Telegram's limit for a private chat)."""

    def __init__(self) -> None:
        self._ready_at: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        now = time.monotonic()
        ready = self._ready_at.get(chat_id, 0.0)
        self._ready_at[chat_id] = max(now, ready) + PER_CHAT_INTERVAL
        if len(self._ready_at) > 1000:
            self._ready_at = {c: r for c, r in self._ready_at.items() if r > now}
        if ready > now:
            await asyncio.sleep(ready - now)

    def hold(self, chat_id: int, seconds: float) -> None:
        self._ready_at[chat_id] = max(self._ready_at.get(chat_id, 0.0), time.monotonic() + seconds)


_pacer = _ChatPacer()


async def _copy(context: BotContext, to_chat: int, message: Message) -> MessageId:
    for attempt in (1, 2):
        await _pacer.wait(to_chat)
        try:
            return await context.bot.copy_message(
                chat_id=to_chat,
                from_chat_id=message.chat_id,
                message_id=message.message_id,
                protect_content=True,
                rate_limit_args=OWN_RETRY,
            )
        except RetryAfter as exc:
            seconds = retry_after_seconds(exc)
            log.warning("relay: 429 (attempt %d), retry after %.1f s", attempt, seconds)
            if attempt == 2 or seconds > MAX_RETRY_WAIT:
                raise  # the writer is asked to send it again later; nobody waits that long
            _pacer.hold(to_chat, seconds)
    raise AssertionError("not reached")


async def relayed(update: Update, context: BotContext) -> None:
    """A reply to the bot's message: passed on if it belongs to an open conversation."""
    message = update.message
    assert message is not None and message.reply_to_message is not None
    services, t, member = context.services, context.t, context.member
    relays = services.relays
    replied = message.reply_to_message
    request_id = await relays.request_of(message.chat_id, replied.message_id)
    if request_id is None:
        request_id = _request_in_keyboard(replied)
    conversation = None if request_id is None else await relays.conversation(request_id, member.id)
    now = services.clock.now()
    if conversation is None:
        await message.reply_text(
            t._(
                "Nothing was passed on: that message is not part of a conversation the bot "
                "relays. To write to someone you were introduced to through the bot, reply to "
                "the introduction or to a message the bot passed on from them."
            )
        )
    elif conversation.relay is None:
        await message.reply_text(
            t._(
                "Nothing was passed on: the bot relays messages only when one of you shares no "
                "phone number, e-mail address or username. Please use the contact details in "
                "the introduction."
            )
        )
    elif not conversation.can_pass_on(now):
        await message.reply_text(
            t._(
                "Nothing was passed on: this conversation through the bot has ended, and the "
                "bot no longer passes messages on."
            )
        )
    elif await relays.request_of(message.chat_id, message.message_id) is None:
        await _pass_on(message, context, conversation)
    # Handled here: neither an open question nor the catch-alls may see it as well.
    raise ApplicationHandlerStop


async def _pass_on(message: Message, context: BotContext, conversation: Conversation) -> None:
    services, t = context.services, context.t
    other = conversation.introduced.other
    request_id = conversation.introduced.request_id
    assert other is not None
    try:
        copy = await _copy(context, other.telegram_user_id, message)
    except RetryAfter as exc:
        seconds = max(1, round(retry_after_seconds(exc)))
        await message.reply_text(
            t.ngettext(
                "Telegram asks the bot to slow down, so this message was not passed on. Please "
                "send it again in {count} second.",
                "Telegram asks the bot to slow down, so this message was not passed on. Please "
                "send it again in {count} seconds.",
                seconds,
            ).format(count=seconds)
        )
        return
    except (Forbidden, BadRequest) as exc:
        gone = isinstance(exc, Forbidden) or "not found" in exc.message.lower()
        log.info("relay: request %d, copy refused (%s)", request_id, type(exc).__name__)
        if gone:
            await services.members.mark_unreachable(other.telegram_user_id, services.clock.now())
            text = t._(
                "This message could not be delivered: the other person cannot be reached "
                "through the bot at the moment."
            )
        else:
            text = t._(
                "This kind of message cannot be passed on. Please send text, a photo, a "
                "document or a voice message."
            )
        await message.reply_text(text)
        return
    except TelegramError as exc:
        log.warning("relay: request %d, copy failed (%s)", request_id, type(exc).__name__)
        await message.reply_text(
            t._(
                "This message may not have been passed on because of a connection problem. "
                "If no 👌 appears on it, please send it again."
            )
        )
        return
    await services.relays.record(
        request_id,
        [(message.chat_id, message.message_id), (other.telegram_user_id, copy.message_id)],
    )
    log.info("relay: request %d, a message passed on", request_id)
    with contextlib.suppress(TelegramError):  # only the confirmation would be missing
        await message.set_reaction(PASSED_ON)


async def unasked(update: Update, context: BotContext) -> None:
    """A message nothing asked for: while a conversation is relayed, how to write in it."""
    message = update.effective_message
    services = context.services
    if (
        message is not None
        and context.knows_member
        and await services.relays.has_open(context.member.id, services.clock.now())
    ):
        await message.reply_text(
            context.t._(
                "💬 This message was not passed on. To write to the person you were introduced "
                "to, reply to the introduction or to a message the bot passed on from them: "
                "swipe left on it, or tap and hold it and choose “Reply”."
            )
        )
        return
    await unexpected.unasked(update, context)


# ---------------------------------------------------------------- ending


async def button(update: Update, context: BotContext) -> None:
    """“End conversation” under the introduction, its confirmation, and « Back."""
    query = update.callback_query
    assert query is not None
    services, t, member = context.services, context.t, context.member
    parts = unpack(query.data, PREFIX, 2)
    request_id = None if parts is None else number_part(parts[1], _MAX_ID_DIGITS)
    conversation = (
        None if request_id is None else await services.relays.conversation(request_id, member.id)
    )
    if parts is None or parts[0] not in _ACTIONS or conversation is None:
        await answer_stale(query, t)
        return
    assert request_id is not None
    now = services.clock.now()
    if conversation.relay is None:
        await answer_stale(query, t)
        return
    if parts[0] == "end_ok":
        ended = await services.relays.end(request_id, member.id, now, end_notice(services.catalogs))
    else:
        ended = Ended.DONE if conversation.relay.is_open(now) else Ended.ALREADY
    if ended is Ended.NOT_YOURS:
        await answer_stale(query, t)
        return
    if ended is Ended.ALREADY:
        await query.answer(t._("This conversation has already ended."), show_alert=True)
        markup = intro_keyboard(t, request_id, relay_open=False)
    elif parts[0] == "end":
        await query.answer()
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t._("✖️ Yes, end the conversation"),
                        callback_data=pack(PREFIX, "end_ok", request_id),
                    )
                ],
                [
                    InlineKeyboardButton(
                        t._("« Back"), callback_data=pack(PREFIX, "back", request_id)
                    )
                ],
            ]
        )
    elif parts[0] == "back":
        await query.answer()
        markup = intro_keyboard(t, request_id, relay_open=True)
    else:
        await query.answer()
        markup = intro_keyboard(t, request_id, relay_open=False)
        assert query.message is not None
        await query.message.chat.send_message(
            t._(
                "✖️ You ended the conversation. The bot no longer passes messages on between "
                "you; the other person has been told."
            )
        )
    with unless_unchanged():
        await query.edit_message_reply_markup(markup)


def _about(t: Translator, view: Introduced) -> dict[str, str]:
    return {
        "role": t._(ROLE_LABELS[view.other_role]),
        "date": t.date(view.introduced_at, "medium"),
        "topic": t._(TOPIC_LABELS[view.topic]),
    }


def end_notice(catalogs: Catalogs) -> EndNotice:
    """What each side is told when their conversation through the bot ends."""

    def build(view: Introduced, ending: Ending) -> dict[str, Any]:
        t = catalogs.for_member(view.me.language, view.me.app_language)
        if ending is Ending.BY_OTHER:
            why = t._(
                "The {role} you were introduced to on {date} ({topic}) has ended the conversation."
            )
        elif ending is Ending.EXPIRED:
            why = t._(
                "The time for writing through the bot after your introduction on {date} "
                "({topic}) is over."
            )
        else:
            why = t._(
                "The {role} you were introduced to on {date} ({topic}) can no longer be "
                "reached through the bot."
            )
        lines = [
            t._("✖️ <b>The conversation through the bot has ended.</b>"),
            why.format(**_about(t, view)),
            t._("The bot no longer passes messages on between you."),
        ]
        return {"text": "\n".join(lines)}

    return build


def job(catalogs: Catalogs) -> JobHandler:
    """Every five minutes: ends relays whose time is over or whose other side is gone (both
    told, each once); after downtime the first run catches up."""
    notice = end_notice(catalogs)

    async def run(tx: Transaction, item: ScheduledItem, now: datetime) -> None:
        ended = await end_due(tx, now, notice)
        if ended:
            log.info("contact relays: %d ended", ended)

    return run
