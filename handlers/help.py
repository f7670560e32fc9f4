"""/help: what the bot does and the commands this member may use, by role and status."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import pack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.navigation import home_button, show_in_place
from storage.members import Member

OPEN = pack("help")


def help_text(t: Translator, member: Member) -> str:
    lines = [t._("<b>Help</b>"), ""]
    if member.role is None and member.status is None:
        lines += [
            t._("This bot is for the members of the network. To join, open the invitation "
                "link you received, or apply:"),
            t._("/apply – apply to join the network"),
        ]  # fmt: skip
    elif member.status == "pending":
        lines.append(t._("Your application is being reviewed by the network team."))
    elif member.status == "suspended":
        lines.append(t._("Your membership is suspended. You can still use /mydata and /deleteme."))
    elif member.status == "lapsed":
        lines += [
            t._("Your role needs to be reconfirmed: send /start."),
            t._("/profile – your profile, availability and what you share"),
        ]
    else:
        lines.append(t._("/profile – your profile, availability and what you share"))
        lines.append(t._("/events – upcoming events: sign up, waiting list, your registrations"))
        if member.role == "community":
            lines.append(t._("/contact – be introduced to a police contact, with their consent"))
        elif member.role == "police":
            lines.append(
                t._("/contact – be introduced to a community representative, with their consent")
            )
        if member.role in ("community", "police"):
            lines.append(t._("/checkin – the quarterly check-in of the projects you answer for"))
        lines.append(t._("/settings – turn general announcements from the network team on or off"))
        if member.is_active_staff:
            lines += [
                "",
                t._("<b>For the network team</b>"),
                t._("/applications – applications waiting for a decision"),
                t._("/requests – contact requests waiting for the team: assign, close, statistics"),
                t._("/members – members, lapsed roles, suspensions"),
                t._("/organisations – add and edit organisations"),
                t._("/projects – funded projects, their partners and who answers the check-ins"),
                t._("/checkins – check-in rounds: status, summary, export, follow-up items"),
                t._("/newevent – create and publish an event step by step"),
                t._("/broadcast – an announcement to members: versions, audience, preview"),
                t._("/report – the network report for a period: message, charts, workbook"),
                t._("/invite – an invitation link: choose the role and organisation step by step"),
                t._("/invite community|police|staff [organisation number] – the same at once"),
            ]
    lines.append("")
    if member.status != "suspended":
        lines += [
            t._("/start – open the main menu"),
            t._("/language – choose your language"),
        ]
    lines += [
        t._("/cancel – stop what you are doing"),
        t._("/help – show this help"),
        t._("/privacy – the privacy notice and your consent"),
        t._("/mydata – see everything stored about you"),
        t._("/deleteme – erase your data"),
        "",
        t._("<b>This bot is not for emergencies.</b> In an emergency, call 110."),
    ]
    return "\n".join(lines)


async def show(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(help_text(context.t, context.member))


async def show_from_menu(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await show_in_place(
        query,
        help_text(context.t, context.member),
        InlineKeyboardMarkup([[home_button(context.t)]]),
    )
