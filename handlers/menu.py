"""/start and the main menu: what this member can do now, by role and status."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from handlers import (
    apply,
    broadcast_compose,
    checkin_list,
    checkins_admin,
    consent,
    contact,
    contact_queue,
    events,
    events_admin,
    invite,
    language,
    members,
    network_report,
    organisations,
    profile,
    projects,
    reconfirmation,
    settings,
)
from handlers import help as help_feature
from handlers.navigation import show_in_place


async def main_menu(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    t, member = context.t, context.member
    welcome = t._(
        "<b>KoSiZu – Cooperation Network Living Together Safely</b>\n\n"
        "This bot connects the network's mosque associations, Muslim organisations and "
        "police contacts with the network team.\n\n"
        "What would you like to do?"
    )
    rows: list[list[InlineKeyboardButton]] = []
    if member.status == "lapsed" and member.role is not None:
        text = reconfirmation.lapsed_text(t, member.role)
        rows += [
            [reconfirmation.confirm_button(t)],
            [InlineKeyboardButton(t._("👤 My profile"), callback_data=profile.OPEN)],
        ]
    elif member.is_active:
        text = welcome
        rows.append([InlineKeyboardButton(t._("👤 My profile"), callback_data=profile.OPEN)])
        rows.append([InlineKeyboardButton(t._("📅 Events"), callback_data=events.OPEN)])
        rows.append([InlineKeyboardButton(t._("⚙️ Settings"), callback_data=settings.OPEN)])
        if member.role in ("community", "police"):
            rows.append(
                [InlineKeyboardButton(t._("🤝 Request a contact"), callback_data=contact.OPEN)]
            )
        if await checkin_list.menu_applies(context):
            rows.append(
                [
                    InlineKeyboardButton(
                        t._("📝 Quarterly check-in"), callback_data=checkin_list.LIST_OPEN
                    )
                ]
            )
        if member.is_active_staff:
            waiting = await context.services.applications.count_pending()
            requests = await context.services.contacts.count_queued()
            rows += [
                [
                    InlineKeyboardButton(
                        t._("🗂 Applications ({count})").format(count=waiting),
                        callback_data=apply.REVIEW_OPEN,
                    )
                ],
                [contact_queue.menu_button(t, requests)],
                [InlineKeyboardButton(t._("✉️ Invite"), callback_data=invite.OPEN)],
                [InlineKeyboardButton(t._("🗓 Manage events"), callback_data=events_admin.OPEN)],
                [
                    InlineKeyboardButton(t._("👥 Members"), callback_data=members.OPEN),
                    InlineKeyboardButton(t._("🏢 Organisations"), callback_data=organisations.OPEN),
                ],
                [
                    InlineKeyboardButton(t._("📁 Projects"), callback_data=projects.OPEN),
                    checkins_admin.menu_button(t),
                ],
                [
                    broadcast_compose.menu_button(t._("📣 Broadcast")),
                    InlineKeyboardButton(
                        t._("📊 Network report"), callback_data=network_report.OPEN
                    ),
                ],
            ]
    elif member.status == "pending":
        text = t._(
            "Thank you for your application. The network team is reviewing it; you will hear "
            "from this bot when they have decided."
        )
    else:
        text = (
            welcome
            + "\n\n"
            + t._(
                "The bot is for members of the network. If you received an invitation link, "
                "please open it; otherwise you can apply to join."
            )
        )
        rows.append([InlineKeyboardButton(t._("📝 Apply to join"), callback_data=apply.OPEN)])
    rows.append(
        [
            InlineKeyboardButton(t._("🌐 Language"), callback_data=language.OPEN),
            InlineKeyboardButton(t._("❓ Help"), callback_data=help_feature.OPEN),
        ]
    )
    if member.consent_version is not None:
        rows.append([InlineKeyboardButton(t._("🔒 Privacy"), callback_data=consent.OPEN)])
    return text, InlineKeyboardMarkup(rows)


async def start(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    text, keyboard = await main_menu(context)
    await update.effective_message.reply_text(text, reply_markup=keyboard)


async def show_home(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await show_in_place(query, *await main_menu(context))
