"""/members (staff only): who is in the network, and suspending, reactivating or reconfirming
a member.

Every button re-checks that the tapper is active staff and re-reads the member, because a
button can be old or forged. A change, its audit row and the member's notice are stored in
one transaction (storage/members.py), and the notice goes out through the outbox in the
member's language.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import N_, Translator
from handlers.access import require_staff
from handlers.labels import REGION_LABELS, ROLE_LABELS, STATUS_LABELS
from handlers.navigation import answer_stale, home_button, replace, show_in_place
from handlers.pickers import paging_row
from storage.members import STAFF_LISTS, Member, MemberCard
from storage.vocabulary import REGIONS, ROLES, STATUSES

PREFIX = "members"
OPEN = pack(PREFIX)
PAGE_SIZE = 10
# Callback parts are checked for shape before they are looked up: ids and page numbers of
# sane length only (anything longer is forged, and too big for SQLite).
_MAX_ID_DIGITS = 9
_MAX_PAGE_DIGITS = 4

CARD = "card"
SUSPEND = "suspend"  # asks for confirmation
SUSPEND_CONFIRMED = "suspend_ok"
REACTIVATE = "reactivate"
RECONFIRM = "reconfirm"
_ACTIONS = (CARD, SUSPEND, SUSPEND_CONFIRMED, REACTIVATE, RECONFIRM)

ROLE_HEADINGS = {
    "community": N_("Community representatives"),
    "police": N_("Police contacts"),
    "staff": N_("Network team"),
    None: N_("No role yet"),
}
LIST_BUTTONS = {
    "lapsed": N_("⏰ Lapsed ({count})"),
    "suspended": N_("⛔ Suspended ({count})"),
    "pending": N_("⏳ Pending ({count})"),
    "unreachable": N_("📵 Unreachable ({count})"),
    "community": N_("Community representatives ({count})"),
    "police": N_("Police contacts ({count})"),
    "staff": N_("Network team ({count})"),
}
LIST_TITLES = {
    "lapsed": N_("Police and staff whose role reconfirmation is overdue"),
    "suspended": N_("Suspended members"),
    "pending": N_("Pending members"),
    "unreachable": N_("Members the bot cannot reach"),
    "community": N_("Active community representatives"),
    "police": N_("Active police contacts"),
    "staff": N_("Active members of the network team"),
}
ROLE_SHORT = {"community": N_("community"), "police": N_("police"), "staff": N_("staff")}


# ---------------------------------------------------------------- commands and buttons


async def show(update: Update, context: BotContext) -> None:
    """/members: the overview."""
    message = update.effective_message
    assert message is not None
    if not await require_staff(update, context, "command=members"):
        return
    text, markup = await _overview(context)
    await message.reply_text(text, reply_markup=markup)


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=members"):
        return
    t = context.t
    if query.data == OPEN:
        await show_in_place(query, *await _overview(context))
        return
    listing = unpack(query.data, PREFIX, 3)
    if listing is not None and listing[0] == "list" and listing[1] in STAFF_LISTS:
        page = number_part(listing[2], _MAX_PAGE_DIGITS)
        if page is not None:
            await show_in_place(query, *await _list(context, listing[1], page))
            return
    action = unpack(query.data, PREFIX, 4)
    if action is not None and action[0] in _ACTIONS and action[2] in STAFF_LISTS:
        member_id = number_part(action[1], _MAX_ID_DIGITS)
        page = number_part(action[3], _MAX_PAGE_DIGITS)
        if member_id is not None and page is not None:
            await _act(query, context, action[0], member_id, Back(action[2], page))
            return
    await answer_stale(query, t)


# ---------------------------------------------------------------- overview and lists


async def _overview(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    t, members = context.t, context.services.members
    counts = await members.count_by_role_and_status()
    sizes = await members.staff_list_sizes()
    total = sum(counts.values())
    lines = [
        "<b>" + t._("Members") + "</b>",
        t.ngettext(
            "{count} person has a place in the network.",
            "{count} people have a place in the network.",
            total,
        ).format(count=total),
        "",
    ]
    for role in (*ROLES, None):
        by_status = {status: counts.get((role, status), 0) for status in STATUSES}
        role_total = sum(by_status.values())
        if role_total == 0 and role is None:
            continue
        statuses = ", ".join(
            t._("{status}: {count}").format(status=t._(STATUS_LABELS[status]), count=count)
            for status, count in by_status.items()
            if count
        )
        line = t._("<b>{role}</b>: {count}").format(role=t._(ROLE_HEADINGS[role]), count=role_total)
        lines.append(f"{line} ({statuses})" if statuses else line)

    def list_button(kind: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            t._(LIST_BUTTONS[kind]).format(count=sizes[kind]),
            callback_data=pack(PREFIX, "list", kind, 0),
        )

    keyboard = [
        [list_button("lapsed"), list_button("suspended")],
        [list_button("pending"), list_button("unreachable")],
        [list_button("community")],
        [list_button("police")],
        [list_button("staff")],
        [home_button(t)],
    ]
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


async def _list(context: BotContext, kind: str, page: int) -> tuple[str, InlineKeyboardMarkup]:
    t, members = context.t, context.services.members
    total = (await members.staff_list_sizes())[kind]
    pages = max(1, -(-total // PAGE_SIZE))
    # Members move between lists while staff page through them: an old page number that is
    # now past the end shows the last page.
    page = min(page, pages - 1)
    listed = await members.staff_list(kind, page * PAGE_SIZE, PAGE_SIZE)
    lines = [f"<b>{t._(LIST_TITLES[kind])}</b>"]
    if total == 0:
        lines.append(t._("Nobody is on this list."))
    else:
        lines.append(
            t.ngettext("{count} member", "{count} members", total).format(count=total)
            + " · "
            + t._("page {page} of {pages}").format(page=page + 1, pages=pages)
        )
        lines.append(t._("Tap a name to open the member's card."))
    rows = [
        [
            InlineKeyboardButton(
                _entry_label(t, member, kind),
                callback_data=pack(PREFIX, CARD, member.id, kind, page),
            )
        ]
        for member in listed
    ]
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, "list", kind, n))
    rows.append([InlineKeyboardButton(t._("« Overview"), callback_data=OPEN)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _name(t: Translator, member: Member) -> str:
    """The member's name as they gave it (not escaped: callers escape for HTML)."""
    return member.display_name or t._("Member {number}").format(number=member.id)


def _entry_label(t: Translator, member: Member, kind: str) -> str:
    if kind in ROLES or member.role is None:
        return _name(t, member)
    return f"{_name(t, member)} · {t._(ROLE_SHORT[member.role])}"


# ---------------------------------------------------------------- the member card


@dataclass(frozen=True)
class Back:
    """Where the card's "back" button leads: the list and page it was opened from."""

    kind: str
    page: int

    def data(self, action: str, member_id: int) -> str:
        return pack(PREFIX, action, member_id, self.kind, self.page)

    @property
    def list_data(self) -> str:
        return pack(PREFIX, "list", self.kind, self.page)


def _may_suspend(member: Member, actor: Member) -> bool:
    return (
        member.role is not None and member.status in ("active", "lapsed") and member.id != actor.id
    )


def _may_reactivate(member: Member) -> bool:
    return member.role is not None and member.status == "suspended"


def _may_reconfirm(member: Member) -> bool:
    return member.role in ("police", "staff") and (
        member.status == "lapsed"
        or (member.status == "active" and member.reconfirm_asked_at is not None)
    )


def _date(t: Translator, moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return format_date(moment.astimezone(t.timezone).date(), "medium", locale=t.language)


def _card_text(t: Translator, card: MemberCard, note: str | None) -> str:
    member = card.member
    regions = sorted(card.regions, key=REGIONS.index)
    lines = [] if note is None else [note, ""]
    lines += [
        f"<b>{html.escape(_name(t, member))}</b>",
        t._("Role: {role}").format(
            role="—" if member.role is None else t._(ROLE_LABELS[member.role])
        ),
        t._("Status: {status}").format(
            status="—" if member.status is None else t._(STATUS_LABELS[member.status])
        ),
        t._("Organisation: {organisation}").format(
            organisation="—" if card.organisation is None else html.escape(card.organisation)
        ),
        t._("Regions: {regions}").format(
            regions=", ".join(t._(REGION_LABELS[r]) for r in regions) or "—"
        ),
        t._("Joined: {date}").format(date=_date(t, card.joined_at)),
        t._("Role confirmed on: {date}").format(date=_date(t, member.role_confirmed_at)),
        t._("Last seen: {date}").format(date=_date(t, member.last_seen_at)),
        t._("Unreachable since: {date}").format(date=_date(t, member.unreachable_at)),
    ]
    return "\n".join(lines)


def _card_keyboard(
    t: Translator, member: Member, actor: Member, back: Back
) -> InlineKeyboardMarkup:
    actions = []
    if _may_reconfirm(member):
        actions.append(
            InlineKeyboardButton(
                t._("🔄 Reconfirm role"), callback_data=back.data(RECONFIRM, member.id)
            )
        )
    if _may_reactivate(member):
        actions.append(
            InlineKeyboardButton(
                t._("✅ Reactivate"), callback_data=back.data(REACTIVATE, member.id)
            )
        )
    if _may_suspend(member, actor):
        actions.append(
            InlineKeyboardButton(t._("⛔ Suspend"), callback_data=back.data(SUSPEND, member.id))
        )
    rows = [actions] if actions else []
    rows.append(
        [
            InlineKeyboardButton(t._("« Back to the list"), callback_data=back.list_data),
            InlineKeyboardButton(t._("« Overview"), callback_data=OPEN),
        ]
    )
    return InlineKeyboardMarkup(rows)


async def _act(
    query: CallbackQuery, context: BotContext, action: str, member_id: int, back: Back
) -> None:
    services, t, actor = context.services, context.t, context.member
    card = await services.members.staff_card(member_id)
    if card is None:
        await query.answer(t._("This member is no longer in the network."), show_alert=True)
        await replace(query, *await _overview(context))
        return
    member = card.member
    refusal: str | None = None
    note: str | None = None
    if action == SUSPEND:
        refusal = _suspend_refusal(t, member, actor)
        if refusal is None:
            await show_in_place(query, *_suspend_question(t, member, back))
            return
    elif action != CARD:
        refusal, note = await _change(context, action, member)
    if refusal is not None:
        await query.answer(refusal, show_alert=True)
    elif action != CARD and note is None:
        # The member changed between our read and the conditional update (another staff
        # member was quicker): nothing was done; show what is true now.
        await query.answer(
            t._("This member's status has just changed; nothing was done."), show_alert=True
        )
    else:
        await query.answer()
    fresh = await services.members.staff_card(member_id)
    if fresh is None:
        await replace(query, *await _overview(context))
        return
    await replace(query, _card_text(t, fresh, note), _card_keyboard(t, fresh.member, actor, back))


async def _change(
    context: BotContext, action: str, member: Member
) -> tuple[str | None, str | None]:
    """Apply a card action to the member as just read: (refusal, None) when it makes no sense
    for them now, (None, note) when done, (None, None) when another tap got there first."""
    services, t, actor = context.services, context.t, context.member
    members = services.members
    if action == SUSPEND_CONFIRMED:
        refusal = _suspend_refusal(t, member, actor)
        if refusal is not None:
            return refusal, None
        change, note = members.suspend, t._("⛔ Suspended. The member has been told.")
    elif action == REACTIVATE:
        if not _may_reactivate(member):
            return t._("Only a suspended member can be reactivated."), None
        change, note = members.reactivate, t._("✅ Reactivated. The member has been told.")
    else:
        if not _may_reconfirm(member):
            return t._("This member has no role waiting to be reconfirmed."), None
        change = members.reconfirm_by_staff
        note = t._("🔄 Role reconfirmed. The member has been told.")
    done = await change(
        member.id, services.clock.now(), actor_id=actor.id, notice=_notice(context, member, action)
    )
    return None, note if done else None


def _suspend_refusal(t: Translator, member: Member, actor: Member) -> str | None:
    if member.id == actor.id:
        return t._("You cannot suspend yourself.")
    if not _may_suspend(member, actor):
        return t._("Only an active or lapsed member can be suspended.")
    return None


def _suspend_question(
    t: Translator, member: Member, back: Back
) -> tuple[str, InlineKeyboardMarkup]:
    text = t._(
        "Suspend <b>{name}</b>? Until you reactivate them, they can only use /mydata and "
        "/deleteme, and their seats at upcoming events go to the waiting lists. They will be "
        "told."
    ).format(name=html.escape(_name(t, member)))
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("⛔ Yes, suspend"), callback_data=back.data(SUSPEND_CONFIRMED, member.id)
                ),
                InlineKeyboardButton(t._("Cancel"), callback_data=back.data(CARD, member.id)),
            ]
        ]
    )
    return text, keyboard


def _notice(context: BotContext, member: Member, action: str) -> str:
    """What the member is told, in their language."""
    services = context.services
    t = services.catalogs.for_member(member.language, member.app_language)
    if action == SUSPEND_CONFIRMED:
        return t._(
            "The network team has suspended your membership. Until it is reactivated, you can "
            "only use /mydata and /deleteme. Your seats at upcoming events have been released."
        )
    if action == REACTIVATE:
        return t._(
            "The network team has reactivated your membership. Send /start to open the menu."
        )
    assert member.role is not None
    return t._(
        "The network team has confirmed your role as {role}. Thank you! Send /start to open "
        "the menu."
    ).format(role=t._(ROLE_LABELS[member.role]))


# ---------------------------------------------------------------- helpers
