"""/invite (staff only): create an invitation link for a new member.

``/invite ROLE [ORGANISATION_NUMBER]`` creates one at once. ``/invite`` alone and the staff
menu's button guide instead: the role, then the organisation, picked from a paged list of
those that fit the role. The flow is buttons only, so the choices so far travel in the
callback data (``invite:org:police:12``) and no conversation is needed; every tap checks again
that the member is active staff and that the organisation still exists and fits the role.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers import organisations
from handlers.access import require_staff
from handlers.apply import BUTTON_NAME_LENGTH, FITTING_TYPES
from handlers.labels import REGION_LABELS, ROLE_LABELS
from handlers.navigation import answer_stale, home_button, show_in_place
from handlers.pickers import choice_keyboard, paging_row
from storage.invites import Invite, InviteError
from storage.organisations import Organisation
from storage.vocabulary import ROLES

DAYS = {"community": 30, "police": 7, "staff": 7}

PREFIX = "invite"
OPEN = pack(PREFIX)
PAGE_SIZE = 8
_MAX_ID_DIGITS = 9
_MAX_PAGE_DIGITS = 4
# Roles whose invitation may preset no organisation. The network team is none of the
# network's organisations; a community representative may act for no listed one. A police
# contact always belongs to a police authority or unit, so their link must name it.
_WITHOUT_ORGANISATION = ("community", "staff")


async def create(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    if not await require_staff(update, context, "command=invite"):
        return
    services, t, member = context.services, context.t, context.member
    args = context.args or []
    if not args:
        text, markup = _roles(t)
        await message.reply_text(text, reply_markup=markup)
        return
    role = args[0].lower()
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
    await _send_link(update, context, invite, code)


async def _send_link(update: Update, context: BotContext, invite: Invite, code: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    t = context.t
    link = f"https://t.me/{context.bot.username}?start={code}"
    await chat.send_message(
        t._(
            "Invitation ({role}), valid until {date}. Send this link to the person "
            "privately; it works once:\n{link}"
        ).format(
            role=t._(ROLE_LABELS[invite.role]),
            date=t.datetime(invite.expires_at),
            link=html.escape(link),
        ),
        protect_content=True,
    )


# ---------------------------------------------------------------- the guided flow


def _roles(t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    picker = choice_keyboard(t, PREFIX, ROLE_LABELS, extra_parts=("role",))
    return (
        t._("<b>New invitation</b>\nWho is it for?"),
        InlineKeyboardMarkup([*picker.inline_keyboard, [home_button(t)]]),
    )


def _title(t: Translator, role: str) -> str:
    return t._("<b>New invitation: {role}</b>").format(role=t._(ROLE_LABELS[role]))


def _back(t: Translator) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(t._("« Back"), callback_data=OPEN)]


async def _fitting(context: BotContext, role: str) -> list[Organisation]:
    """The organisations a member of this role may belong to, by Bundesland and name."""
    return [o for o in await context.services.organisations.all() if o.type in FITTING_TYPES[role]]


def _staff_step(t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    # No organisation to choose, but one more tap: the most powerful link is not made by a
    # slip of the finger on the role list.
    text = "\n".join(
        [
            _title(t, "staff"),
            t._(
                "The link makes the person a member of the network team, with every staff "
                "right. It presets no organisation."
            ),
        ]
    )
    create_button = InlineKeyboardButton(
        t._("✉️ Create the link"), callback_data=pack(PREFIX, "none", "staff")
    )
    return text, InlineKeyboardMarkup([[create_button], _back(t)])


async def _organisation_page(
    context: BotContext, role: str, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    fitting = await _fitting(context, role)
    pages = max(1, -(-len(fitting) // PAGE_SIZE))
    page = min(page, pages - 1)
    shown = fitting[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [_title(t, role)]
    if not fitting:
        lines.append(t._("No fitting organisation is listed yet."))
        if role == "police":
            lines.append(
                t._(
                    "A police contact belongs to a police authority or unit: please add it "
                    "under 🏢 Organisations first."
                )
            )
    else:
        lines.append(t._("Which organisation does the person belong to?"))
        if pages > 1:
            lines.append(t._("page {page} of {pages}").format(page=page + 1, pages=pages))
    rows = [
        [
            InlineKeyboardButton(
                _label(t, organisation), callback_data=pack(PREFIX, "org", role, organisation.id)
            )
        ]
        for organisation in shown
    ]
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, "page", role, n))
    if role in _WITHOUT_ORGANISATION:
        rows.append(
            [InlineKeyboardButton(t._("No organisation"), callback_data=pack(PREFIX, "none", role))]
        )
    elif not fitting:
        rows.append(
            [InlineKeyboardButton(t._("🏢 Organisations"), callback_data=organisations.OPEN)]
        )
    rows.append(_back(t))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _label(t: Translator, organisation: Organisation) -> str:
    name = organisation.name
    if len(name) > BUTTON_NAME_LENGTH:
        name = name[: BUTTON_NAME_LENGTH - 1] + "…"
    return t._("{name} ({region})").format(
        name=name, region=t._(REGION_LABELS[organisation.bundesland])
    )


async def button(update: Update, context: BotContext) -> None:
    """Every button of the guided flow; anything not offered as it stands now is outdated."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=invite"):
        return
    services, t = context.services, context.t
    if query.data == OPEN:
        await show_in_place(query, *_roles(t))
        return
    two = unpack(query.data, PREFIX, 2)
    if two is not None and two[0] == "role" and two[1] in ROLES:
        if two[1] == "staff":
            await show_in_place(query, *_staff_step(t))
        else:
            await show_in_place(query, *await _organisation_page(context, two[1], 0))
        return
    if two is not None and two[0] == "none" and two[1] in _WITHOUT_ORGANISATION:
        await _create(update, context, two[1], None)
        return
    three = unpack(query.data, PREFIX, 3)
    if three is not None and three[1] in FITTING_TYPES:
        role = three[1]
        if three[0] == "page":
            page = number_part(three[2], _MAX_PAGE_DIGITS)
            if page is not None:
                await show_in_place(query, *await _organisation_page(context, role, page))
                return
        if three[0] == "org":
            organisation_id = number_part(three[2], _MAX_ID_DIGITS)
            organisation = (
                None
                if organisation_id is None
                else await services.organisations.get(organisation_id)
            )
            # Deleted, or its type changed since the list was shown: no longer a choice.
            if organisation is not None and organisation.type in FITTING_TYPES[role]:
                await _create(update, context, role, organisation)
                return
    await answer_stale(query, t)


async def _create(
    update: Update, context: BotContext, role: str, organisation: Organisation | None
) -> None:
    query = update.callback_query
    assert query is not None
    services, t = context.services, context.t
    try:
        invite, code = await services.invites.create(
            role,
            None if organisation is None else organisation.id,
            DAYS[role],
            1,
            services.clock.now(),
            created_by=context.member.id,
        )
    except InviteError:  # the organisation was deleted a moment ago
        await answer_stale(query, t)
        return
    if organisation is None:
        done = t._("✅ Invitation created: {role}.").format(role=t._(ROLE_LABELS[role]))
    else:
        done = t._("✅ Invitation created: {role}, {organisation}.").format(
            role=t._(ROLE_LABELS[role]),
            organisation=t._("{name} ({region})").format(
                name=html.escape(organisation.name),
                region=t._(REGION_LABELS[organisation.bundesland]),
            ),
        )
    again = InlineKeyboardButton(t._("✉️ Another invitation"), callback_data=OPEN)
    # The picker is replaced: its buttons cannot make a second link by a later tap.
    await show_in_place(
        query,
        done + "\n" + t._("The link follows below."),
        InlineKeyboardMarkup([[again], [home_button(t)]]),
    )
    await _send_link(update, context, invite, code)
