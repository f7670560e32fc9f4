"""Joining with an invitation link: privacy notice and consent, then the member's name.

``/start <code>`` opens it. The invitation is only used when the person is admitted, so
stopping half-way leaves a single-use link usable. The draft lives in SQLite and the
conversation state is persisted, so a restart in the middle loses nothing.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import pack, pattern, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.conversation_frame import NEW_MESSAGE, persistent_conversation
from handlers.labels import ROLE_LABELS
from handlers.menu import main_menu
from handlers.navigation import answer_stale, drop_buttons
from handlers.text_input import NAME_LENGTH, clean_name

PREFIX = "join"
CONSENT = "consent"
NAME = "name"


def _consent_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t._("✅ I agree"), callback_data=pack(PREFIX, "agree"))],
            [InlineKeyboardButton(t._("I do not agree"), callback_data=pack(PREFIX, "decline"))],
        ]
    )


async def begin(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None
    services, t, member = context.services, context.t, context.member
    now = services.clock.now()
    if member.status == "active":
        await message.reply_text(t._("You are already a member of the network."))
        text, keyboard = await main_menu(context)
        await message.reply_text(text, reply_markup=keyboard)
        return ConversationHandler.END
    if not await services.invites.may_try(member.telegram_user_id, now):
        await message.reply_text(
            t._("Too many invalid invitation codes. Please try again in an hour.")
        )
        return ConversationHandler.END
    code = context.args[0] if context.args else ""
    invite = await services.invites.find_usable(code, now)
    if invite is None:
        await services.invites.record_failure(member.telegram_user_id, now)
        await message.reply_text(
            t._(
                "This invitation link is not valid: it may have expired, been used already, "
                "or been copied incompletely. Please ask the network team for a new link."
            )
        )
        return ConversationHandler.END
    await services.onboarding.start(member.telegram_user_id, invite.id, now)
    await _show_notice(update, context)
    return CONSENT


async def _show_notice(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    t = context.t
    notice = context.services.privacy.text(t.language)
    question = t._("Do you agree that the network stores and uses your data as described?")
    await update.effective_message.reply_text(
        f"{notice}\n\n<b>{question}</b>", reply_markup=_consent_keyboard(t)
    )


async def consent_answer(update: Update, context: BotContext) -> str | int:
    query = update.callback_query
    assert query is not None
    services, t, member = context.services, context.t, context.member
    parts = unpack(query.data, PREFIX, 1)
    draft = await services.onboarding.get(member.telegram_user_id)
    if parts not in (["agree"], ["decline"]) or draft is None:
        await answer_stale(query, t)
        return ConversationHandler.END
    await query.answer()
    await drop_buttons(query)
    assert update.effective_message is not None
    if parts == ["decline"]:
        await services.onboarding.drop(member.telegram_user_id)
        await update.effective_message.reply_text(
            t._(
                "Without your consent you cannot join, and the network has stored nothing about "
                "you except that you wrote to this bot. If you change your mind, open your "
                "invitation link again while it is valid."
            )
        )
        return ConversationHandler.END
    await services.onboarding.agree(member.telegram_user_id, services.privacy.version)
    await update.effective_message.reply_text(
        t._(
            "Thank you. Which name should the network see? Please send your first and last "
            "name as your contacts know you."
        )
    )
    return NAME


async def name_given(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None and message.text is not None
    services, t, member = context.services, context.t, context.member
    name = clean_name(message.text)
    if name is None:
        await message.reply_text(
            t._("Please send a name of {low} to {high} characters.").format(
                low=NAME_LENGTH[0], high=NAME_LENGTH[1]
            )
        )
        return NAME
    draft = await services.onboarding.get(member.telegram_user_id)
    if draft is None or draft.notice_version is None:
        await message.reply_text(t._("Please open your invitation link again."))
        return ConversationHandler.END
    role = await services.onboarding.admit(draft, name, services.clock.now())
    if role is None:
        await message.reply_text(
            t._(
                "This invitation has just been used up or has expired. Please ask the network "
                "team for a new link."
            )
        )
        return ConversationHandler.END
    await message.reply_text(
        t._("Welcome, {name}! You are now part of the network. Your role: {role}.").format(
            name=html.escape(name), role=t._(ROLE_LABELS[role])
        )
    )
    admitted = await services.members.get_by_telegram_id(member.telegram_user_id)
    assert admitted is not None
    context.member = admitted  # the menu is for the member they have just become
    text, keyboard = await main_menu(context)
    await message.reply_text(text, reply_markup=keyboard)
    return ConversationHandler.END


async def consent_reminder(update: Update, context: BotContext) -> str:
    assert update.effective_message is not None
    t = context.t
    await update.effective_message.reply_text(
        t._("Please read the privacy notice above and tap “I agree” or “I do not agree”."),
        reply_markup=_consent_keyboard(t),
    )
    return CONSENT


async def name_reminder(update: Update, context: BotContext) -> str:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t._("Please send your name as a text message.")
    )
    return NAME


async def cancel(update: Update, context: BotContext) -> int:
    assert update.effective_message is not None
    await context.services.onboarding.drop(context.member.telegram_user_id)
    await update.effective_message.reply_text(
        context.t._("Joining cancelled. You can open your invitation link again while it is valid.")
    )
    return ConversationHandler.END


def conversation() -> ConversationHandler[BotContext]:
    return persistent_conversation(
        entry_points=[CommandHandler("start", begin, filters=filters.ChatType.PRIVATE, has_args=1)],
        states={
            CONSENT: [
                CallbackQueryHandler(consent_answer, pattern=pattern(PREFIX)),
                MessageHandler(NEW_MESSAGE, consent_reminder),
            ],
            NAME: [
                MessageHandler(NEW_MESSAGE & filters.TEXT, name_given),
                MessageHandler(NEW_MESSAGE, name_reminder),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="onboarding",
    )
