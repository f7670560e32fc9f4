"""/privacy: the member's consent — read the notice, agree to a new version, withdraw.

Withdrawing takes two taps from /privacy (or from the menu's privacy screen): "Withdraw
consent", then "Withdraw and erase". Membership rests on that consent alone, so withdrawing
it ends the membership and erases the member's data; the audit trail keeps that it happened,
as internal ids.

When the privacy notice gets a new version, the access gate sends ``ask`` instead of
handling anything else until the member agrees or leaves.
"""

from __future__ import annotations

import hashlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import pack, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers import deleteme
from handlers.navigation import answer_stale, drop_buttons, home_button, show_in_place

PREFIX = "consent"
OPEN = pack(PREFIX, "open")


def version_tag(version: str) -> str:
    """A short fingerprint of the notice version: a button agrees to the text it was sent with."""
    return hashlib.sha256(version.encode("utf-8")).hexdigest()[:12]


def _agree_keyboard(t: Translator, version: str) -> InlineKeyboardMarkup:
    tag = version_tag(version)
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t._("✅ I agree"), callback_data=pack(PREFIX, "agree", tag))],
            [
                InlineKeyboardButton(
                    t._("I do not agree"), callback_data=pack(PREFIX, "decline", tag)
                )
            ],
        ]
    )


async def ask(update: Update, context: BotContext) -> None:
    """Send the current notice and ask for agreement before the member continues."""
    services, t = context.services, context.t
    if update.callback_query is not None:
        await update.callback_query.answer()
    chat = update.effective_chat
    assert chat is not None
    notice = services.privacy.text(t.language)
    intro = (
        t._("Before you continue, please read the privacy notice and tell us whether you agree.")
        if context.member.consent_version is None
        else t._(
            "The privacy notice has changed. Please read it and tell us whether you agree "
            "before you continue."
        )
    )
    await context.bot.send_message(
        chat.id,
        f"<b>{intro}</b>\n\n{notice}",
        reply_markup=_agree_keyboard(t, services.privacy.version),
    )


def _overview(context: BotContext, given_at: str | None) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    version = context.services.privacy.version
    lines = [t._("<b>Privacy</b>"), ""]
    if given_at is None:
        lines.append(t._("You have not agreed to the privacy notice."))
    else:
        lines.append(
            t._("You agreed to the privacy notice (version {version}) on {date}.").format(
                version=version, date=given_at
            )
        )
    lines += [
        "",
        t._(
            "/mydata shows everything stored about you. Withdrawing your consent ends your "
            "membership and erases your data."
        ),
    ]
    rows = [
        [
            InlineKeyboardButton(
                t._("📄 Read the privacy notice"), callback_data=pack(PREFIX, "read")
            )
        ]
    ]
    if given_at is not None:
        rows.append(
            [InlineKeyboardButton(t._("Withdraw consent"), callback_data=pack(PREFIX, "withdraw"))]
        )
    rows.append([home_button(t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _given_at(context: BotContext) -> str | None:
    consent = await context.services.consents.current(context.member.id)
    if consent is None or consent.notice_version != context.services.privacy.version:
        return None
    return context.t.date(consent.given_at)


async def show(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    text, keyboard = _overview(context, await _given_at(context))
    await message.reply_text(text, reply_markup=keyboard)


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    services, t, member = context.services, context.t, context.member
    parts = unpack(query.data, PREFIX, 1) or unpack(query.data, PREFIX, 2) or []
    fresh = len(parts) == 2 and parts[1] == version_tag(services.privacy.version)
    # Only someone who consented before (a member or an applicant) is asked again.
    asked = member.role is not None or member.status is not None
    match parts:
        case ["open"]:
            await show_in_place(query, *_overview(context, await _given_at(context)))
        case ["read"]:
            await query.answer()
            assert update.effective_message is not None
            await update.effective_message.reply_text(services.privacy.text(t.language))
        case ["withdraw"] if member.consent_version is not None:
            await show_in_place(
                query,
                t._(
                    "<b>Withdraw your consent?</b>\n\nYour membership ends and everything the "
                    "network stores about you is erased. This cannot be undone."
                ),
                InlineKeyboardMarkup(
                    [
                        [
                            InlineKeyboardButton(
                                t._("Withdraw and erase"), callback_data=pack(PREFIX, "confirm")
                            )
                        ],
                        [InlineKeyboardButton(t._("Keep my consent"), callback_data=OPEN)],
                    ]
                ),
            )
        case ["confirm"] if member.consent_version is not None:
            await services.personal_data.erase(
                member, services.clock.now(), reason="consent.withdraw"
            )
            await show_in_place(query, deleteme.erased_text(t))
        case ["agree", _] if fresh and asked:
            await query.answer()
            await drop_buttons(query)
            if member.consent_version != services.privacy.version:
                await services.consents.give(
                    member.id, services.privacy.version, services.clock.now()
                )
            assert update.effective_message is not None
            await update.effective_message.reply_text(
                t._("Thank you. Send /start to open the menu.")
            )
        case ["decline", _] if fresh and asked:
            await query.answer()
            await drop_buttons(query)
            assert update.effective_message is not None
            await update.effective_message.reply_text(
                t._(
                    "Without your consent to the current privacy notice the network cannot keep "
                    "your membership. You can erase your data now, or agree later with /privacy."
                ),
                reply_markup=deleteme.confirm_keyboard(t),
            )
        case ["agree" | "decline", _] if asked:
            # Agreeing to a notice that has changed since it was sent: show the new one.
            await ask(update, context)
        case _:
            await answer_stale(query, t)
