"""/profile: a member's card — name, regions, topics, availability, contact details, and which
of them an introduction may pass on.

Every screen is one message edited in place on each tap; what the member types (name, phone,
e-mail, a snooze date) is asked for in a persistent conversation that stays in its state
until the input is usable or the member sends /cancel. Each button re-reads the member and
their profile from the database, so an old card can do no more than a fresh one.
"""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import TypeVar

from babel.dates import format_date
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import pack, pattern, unpack
from bot.contact_details import (
    EMAIL_MAX,
    PHONE_INPUT_MAX,
    EmailProblem,
    InvalidEmail,
    InvalidPhone,
    PhoneProblem,
    format_phone,
    normalise_email,
    parse_phone,
)
from bot.context import BotContext
from bot.i18n import N_, Translator
from handlers import do_not_introduce
from handlers.conversation_frame import NEW_MESSAGE, persistent_conversation
from handlers.labels import REGION_LABELS, ROLE_LABELS, TOPIC_LABELS
from handlers.navigation import answer_stale, home_button, replace
from handlers.pickers import DONE, multi_select
from handlers.text_input import NAME_LENGTH, clean_name
from storage.profiles import SHARE_FIELDS, Profile, RegionChange

PREFIX = "profile"
OPEN = pack(PREFIX)

# Conversation states: waiting for a typed value.
NAME = "name"
PHONE = "phone"
EMAIL = "email"
UNTIL = "until"


class _Do:
    """Button actions after the prefix (a class, so ``match`` compares instead of binding)."""

    CARD = "card"
    NAME, PHONE, EMAIL, UNTIL = NAME, PHONE, EMAIL, UNTIL  # these ask for a typed value
    REGIONS, REGION = "regions", "rg"
    TOPICS, TOPIC = "topics", "tp"
    AVAILABILITY, SNOOZE = "avail", "snooze"
    SHARING, SHARE = "sharing", "share"
    REMOVE = "rm"
    END_SNOOZE = "end"


# Who has a profile: members with a role whose membership is not suspended or pending.
_PROFILE_STATUSES = ("active", "lapsed")
_DATE_INPUT_MAX = 40
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")

SHARE_LABELS = {
    "name": N_("Name"),
    "organisation": N_("Organisation"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "username": N_("@username"),
}
_SNOOZE_LABELS = {
    "1w": N_("1 week"),
    "2w": N_("2 weeks"),
    "1m": N_("1 month"),
}


# ---------------------------------------------------------------- dates


def _today(context: BotContext) -> date:
    services = context.services
    return services.clock.now().astimezone(services.config.timezone).date()


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _snooze_end(period: str, now: date) -> date | None:
    """The last snoozed day for a period button: the same weekday one or two weeks on, or the
    same day next month (the shorter month's last day when it has no such day)."""
    if period == "1w":
        return now + timedelta(weeks=1)
    if period == "2w":
        return now + timedelta(weeks=2)
    if period == "1m":
        return _add_months(now, 1)
    return None


def _latest_snooze(now: date) -> date:
    return _add_months(now, 12)


def _show_date(t: Translator, day: date) -> str:
    return format_date(day, "long", locale=t.language)


# ---------------------------------------------------------------- screens


def _availability(t: Translator, profile: Profile, now: date) -> str:
    if profile.is_snoozed(now):
        assert profile.snoozed_until is not None
        return t._("snoozed until {date}").format(date=_show_date(t, profile.snoozed_until))
    return t._("available for introductions")


def _button(text: str, *parts: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=pack(PREFIX, *parts))


def _back(t: Translator) -> InlineKeyboardButton:
    return _button(t._("« Back"), _Do.CARD)


def card(
    t: Translator, profile: Profile, now: date, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    def listed(codes: tuple[str, ...], labels: dict[str, str]) -> str:
        return ", ".join(t._(labels[code]) for code in codes)

    organisation = (
        html.escape(profile.organisation_name) if profile.organisation_name else t._("none")
    )
    shared = [t._(SHARE_LABELS[field]) for field in SHARE_FIELDS if profile.shares(field)]
    lines = [note, ""] if note else []
    lines += [
        t._("<b>Your profile</b>"),
        "",
        t._("Name: {name}").format(name=html.escape(profile.display_name or "")),
        t._("Role: {role}").format(role=t._(ROLE_LABELS[profile.role or ""])),
        t._("Organisation: {organisation} (the network team changes it)").format(
            organisation=organisation
        ),
        t._("Regions: {regions}").format(
            regions=listed(profile.regions, REGION_LABELS) or t._("none yet")
        ),
        t._("Topics: {topics}").format(topics=listed(profile.topics, TOPIC_LABELS) or t._("none")),
        t._("Availability: {availability}").format(availability=_availability(t, profile, now)),
        t._("Phone: {phone}").format(
            phone=html.escape(format_phone(profile.phone)) if profile.phone else t._("not given")
        ),
        t._("E-mail: {email}").format(
            email=html.escape(profile.email) if profile.email else t._("not given")
        ),
        "",
        t._("Shared in introductions: {details}").format(
            details=", ".join(shared) if shared else t._("nothing")
        ),
    ]
    keyboard = InlineKeyboardMarkup(
        [
            [_button(t._("✏️ Name"), _Do.NAME), _button(t._("🗺 Regions"), _Do.REGIONS)],
            [
                _button(t._("🏷 Topics"), _Do.TOPICS),
                _button(t._("⏸ Availability"), _Do.AVAILABILITY),
            ],
            [_button(t._("📞 Phone"), _Do.PHONE), _button(t._("✉️ E-mail"), _Do.EMAIL)],
            [_button(t._("🔒 Sharing"), _Do.SHARING)],
            *_not_introduced_row(t, profile),
            [home_button(t)],
        ]
    )
    return "\n".join(lines), keyboard


def _not_introduced_row(t: Translator, profile: Profile) -> list[list[InlineKeyboardButton]]:
    """The "do not introduce me" list, for those who can be introduced (a small addition for
    handlers/do_not_introduce.py)."""
    if profile.status != "active" or profile.role not in ("community", "police"):
        return []
    return [[do_not_introduce.list_button(t, profile.not_introduced)]]


def _name_prompt(t: Translator, profile: Profile) -> tuple[str, InlineKeyboardMarkup]:
    low, high = NAME_LENGTH
    text = t._(
        "<b>Name</b>\nNow: {name}\n\nSend the name the network should see, {low} to {high} "
        "characters. /cancel keeps it."
    ).format(name=html.escape(profile.display_name or ""), low=low, high=high)
    return text, InlineKeyboardMarkup([[_back(t)]])


def _phone_prompt(t: Translator, profile: Profile) -> tuple[str, InlineKeyboardMarkup]:
    now = html.escape(format_phone(profile.phone)) if profile.phone else t._("not given")
    text = t._(
        "<b>Phone</b>\nNow: {phone}\n\nSend your phone number, for example 0221 1234567 or "
        "+49 221 1234567. Numbers without a country code are read as German. /cancel keeps it."
    ).format(phone=now)
    rows = [[_button(t._("🗑 Remove phone number"), _Do.PHONE, _Do.REMOVE)]] if profile.phone else []
    return text, InlineKeyboardMarkup([*rows, [_back(t)]])


def _email_prompt(t: Translator, profile: Profile) -> tuple[str, InlineKeyboardMarkup]:
    now = html.escape(profile.email) if profile.email else t._("not given")
    text = t._("<b>E-mail</b>\nNow: {email}\n\nSend your e-mail address. /cancel keeps it.").format(
        email=now
    )
    rows = (
        [[_button(t._("🗑 Remove e-mail address"), _Do.EMAIL, _Do.REMOVE)]] if profile.email else []
    )
    return text, InlineKeyboardMarkup([*rows, [_back(t)]])


def _availability_screen(
    t: Translator, profile: Profile, now: date
) -> tuple[str, InlineKeyboardMarkup]:
    text = t._(
        "<b>Availability</b>\nNow: {availability}\n\nWhile snoozed, you are not suggested for "
        "introductions. How long?"
    ).format(availability=_availability(t, profile, now))
    rows = [
        [_button(t._(label), _Do.SNOOZE, period) for period, label in _SNOOZE_LABELS.items()],
        [_button(t._("📅 Until a date"), _Do.UNTIL)],
    ]
    if profile.is_snoozed(now):
        rows.append([_button(t._("▶️ End the snooze"), _Do.SNOOZE, _Do.END_SNOOZE)])
    rows.append([_back(t)])
    return text, InlineKeyboardMarkup(rows)


def _until_prompt(t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    text = t._(
        "Until which day should the snooze last? Send a date such as 14.03.2027 or 2027-03-14, "
        "at most a year ahead. /cancel keeps your availability as it is."
    )
    return text, InlineKeyboardMarkup([[_back(t)]])


def _regions_screen(t: Translator, profile: Profile) -> tuple[str, InlineKeyboardMarkup]:
    text = t._("<b>Regions</b>\nChoose every region you cover, at least one. Then tap Done.")
    picker = multi_select(t, PREFIX, REGION_LABELS, profile.regions, extra_parts=(_Do.REGION,))
    # Back, so someone without a region yet can leave without choosing (Done needs one).
    return text, InlineKeyboardMarkup([*picker.inline_keyboard, [_back(t)]])


def _topics_screen(t: Translator, profile: Profile) -> tuple[str, InlineKeyboardMarkup]:
    text = t._(
        "<b>Topics</b>\nChoose what you want to be contacted about, or nothing. Then tap Done."
    )
    return text, multi_select(
        t, PREFIX, TOPIC_LABELS, profile.topics, columns=1, extra_parts=(_Do.TOPIC,)
    )


def _sharing_screen(
    t: Translator, profile: Profile, has_username: bool
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        t._(
            "<b>Sharing</b>\nWhen you are introduced to someone, they receive only the details "
            "ticked here."
        )
    ]
    if not has_username:
        lines.append(
            t._(
                "⚠️ You have no Telegram @username, so there is none to share. You can set one "
                "in Telegram's settings."
            )
        )
    rows = []
    for field in SHARE_FIELDS:
        shared = profile.shares(field)
        label = ("✅ " if shared else "⬜ ") + t._(SHARE_LABELS[field])
        rows.append([_button(label, _Do.SHARE, field, "0" if shared else "1")])
    rows.append([_back(t)])
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


# ---------------------------------------------------------------- helpers


def _has_profile(context: BotContext) -> bool:
    member = context.member
    return member.role is not None and member.status in _PROFILE_STATUSES


def _join_first(t: Translator) -> str:
    return t._(
        "Only members of the network have a profile. Please join first with the invitation "
        "link the network team sent you."
    )


async def _load(context: BotContext) -> Profile:
    profile = await context.services.profiles.get(context.member.id)
    assert profile is not None  # the member row was read for this very update
    return profile


async def _edit(
    query: CallbackQuery,
    screen: tuple[str, InlineKeyboardMarkup],
    alert: str | None = None,
) -> None:
    """Answer the tap (with an alert, if there is something to warn about) and replace the
    tapped message."""
    await query.answer(alert, show_alert=alert is not None)
    await replace(query, *screen)


async def _reply_card(update: Update, context: BotContext, note: str | None = None) -> None:
    assert update.effective_message is not None
    text, keyboard = card(context.t, await _load(context), _today(context), note)
    await update.effective_message.reply_text(text, reply_markup=keyboard)


def _parts(data: object) -> list[str] | None:
    for arity in range(4):
        parts = unpack(data, PREFIX, arity)
        if parts is not None:
            return parts
    return None


# ---------------------------------------------------------------- entry points


async def open_card(update: Update, context: BotContext) -> int:
    """/profile."""
    assert update.effective_message is not None
    if not _has_profile(context):
        await update.effective_message.reply_text(_join_first(context.t))
        return ConversationHandler.END
    await _reply_card(update, context)
    return ConversationHandler.END


async def button(update: Update, context: BotContext) -> str | int | None:
    """Every profile button, wherever it was tapped; returns the state to wait in."""
    query = update.callback_query
    assert query is not None
    t = context.t
    parts = _parts(query.data)
    if parts is None:
        await answer_stale(query, t)
        return None
    if not _has_profile(context):
        await query.answer(_join_first(t), show_alert=True)
        return ConversationHandler.END
    profile = await _load(context)
    now = _today(context)
    match parts:
        case [] | [_Do.CARD]:
            await _edit(query, card(t, profile, now))
        case [_Do.REGIONS]:
            await _edit(query, _regions_screen(t, profile))
        case [_Do.REGION, code] if code in REGION_LABELS or code == DONE:
            await _region_tapped(query, context, profile, code)
        case [_Do.TOPICS]:
            await _edit(query, _topics_screen(t, profile))
        case [_Do.TOPIC, code] if code in TOPIC_LABELS or code == DONE:
            await _topic_tapped(query, context, profile, code)
        case [_Do.AVAILABILITY]:
            await _edit(query, _availability_screen(t, profile, now))
        case [_Do.SNOOZE, period] if period in _SNOOZE_LABELS or period == _Do.END_SNOOZE:
            await _snooze_tapped(query, context, period, now)
        case [_Do.SHARING]:
            await _edit(query, _sharing_screen(t, profile, _has_username(update)))
        case [_Do.SHARE, field, value] if field in SHARE_FIELDS and value in ("0", "1"):
            await _share_tapped(update, query, context, profile, field, value == "1")
        case [_Do.NAME]:
            await _edit(query, _name_prompt(t, profile))
            return NAME
        case [_Do.PHONE]:
            await _edit(query, _phone_prompt(t, profile))
            return PHONE
        case [_Do.EMAIL]:
            await _edit(query, _email_prompt(t, profile))
            return EMAIL
        case [_Do.UNTIL]:
            await _edit(query, _until_prompt(t))
            return UNTIL
        case [_Do.PHONE, _Do.REMOVE]:
            await context.services.profiles.set_phone(profile.member_id, None)
            note = t._("Phone number removed.")
            await _edit(query, card(t, await _load(context), now, note))
        case [_Do.EMAIL, _Do.REMOVE]:
            await context.services.profiles.set_email(profile.member_id, None)
            note = t._("E-mail address removed.")
            await _edit(query, card(t, await _load(context), now, note))
        case _:
            await answer_stale(query, t)
            return None
    return ConversationHandler.END


def _has_username(update: Update) -> bool:
    return update.effective_user is not None and bool(update.effective_user.username)


async def _region_tapped(
    query: CallbackQuery, context: BotContext, profile: Profile, code: str
) -> None:
    t, profiles = context.t, context.services.profiles
    if code == DONE:
        if not profile.regions:
            await query.answer(t._("Please choose at least one region."), show_alert=True)
            return
        await _edit(query, card(t, profile, _today(context)))
        return
    change = await profiles.toggle_region(profile.member_id, code)
    alert = (
        t._("You need at least one region. Choose another one before removing this one.")
        if change is RegionChange.KEPT_LAST
        else None
    )
    await _edit(query, _regions_screen(t, await _load(context)), alert)


async def _topic_tapped(
    query: CallbackQuery, context: BotContext, profile: Profile, code: str
) -> None:
    t = context.t
    if code == DONE:
        await _edit(query, card(t, profile, _today(context)))
        return
    await context.services.profiles.toggle_topic(profile.member_id, code)
    await _edit(query, _topics_screen(t, await _load(context)))


async def _snooze_tapped(query: CallbackQuery, context: BotContext, period: str, now: date) -> None:
    t = context.t
    until = _snooze_end(period, now)
    await context.services.profiles.snooze(context.member.id, until)
    note = (
        t._("▶️ You are available for introductions again.")
        if until is None
        else t._("⏸ Snoozed until {date}.").format(date=_show_date(t, until))
    )
    await _edit(query, card(t, await _load(context), now, note))


async def _share_tapped(
    update: Update,
    query: CallbackQuery,
    context: BotContext,
    profile: Profile,
    field: str,
    shared: bool,
) -> None:
    t = context.t
    has_username = _has_username(update)
    if not await context.services.profiles.set_share(profile.member_id, field, shared):
        missing = (
            t._("Add your phone number first.")
            if field == "phone"
            else t._("Add your e-mail address first.")
        )
        await query.answer(missing, show_alert=True)
        return
    alert = None
    if field == "username" and shared and not has_username:
        alert = t._(
            "You have no Telegram @username at the moment. It is shared once you set one in "
            "Telegram's settings."
        )
    await _edit(query, _sharing_screen(t, await _load(context), has_username), alert)


# ---------------------------------------------------------------- typed values


async def name_given(update: Update, context: BotContext) -> str | int:
    low, high = NAME_LENGTH
    message = update.effective_message
    assert message is not None and message.text is not None
    t = context.t
    if not _has_profile(context):
        await message.reply_text(_join_first(t))
        return ConversationHandler.END
    name = clean_name(message.text)
    if name is None:
        await message.reply_text(
            t._("Please send a name of {low} to {high} characters.").format(low=low, high=high)
        )
        return NAME
    await context.services.profiles.set_name(context.member.id, name)
    await _reply_card(update, context, t._("✅ Name saved."))
    return ConversationHandler.END


def _phone_problem(t: Translator, problem: PhoneProblem) -> str:
    if problem is PhoneProblem.TOO_LONG:
        return t._("That is too long for a phone number (at most {count} characters).").format(
            count=PHONE_INPUT_MAX
        )
    if problem is PhoneProblem.CHARACTERS:
        return t._(
            "A phone number can only contain digits, spaces and + ( ) - . / – no letters or "
            "other signs."
        )
    return t._(
        "That is not a valid phone number. Numbers without a country code are read as "
        "German; for other countries, start with + and the country code."
    )


_Invalid = TypeVar("_Invalid", InvalidPhone, InvalidEmail)


async def _contact_given(
    update: Update,
    context: BotContext,
    parse: Callable[[str], str],
    invalid_type: type[_Invalid],
    explain: Callable[[_Invalid], str],
    save: Callable[[int, str], Awaitable[object]],
    saved: str,
    state: str,
) -> str | int:
    """A typed phone number or e-mail address: stored and the card shown again, or the one
    thing wrong with it said and the question kept."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if not _has_profile(context):
        await message.reply_text(_join_first(context.t))
        return ConversationHandler.END
    try:
        value = parse(message.text)
    except invalid_type as invalid:
        await message.reply_text(explain(invalid))
        return state
    await save(context.member.id, value)
    await _reply_card(update, context, saved)
    return ConversationHandler.END


async def phone_given(update: Update, context: BotContext) -> str | int:
    t = context.t
    return await _contact_given(
        update,
        context,
        parse_phone,
        InvalidPhone,
        lambda invalid: _phone_problem(t, invalid.problem),
        context.services.profiles.set_phone,
        t._("✅ Phone number saved. It is shared only if you turn that on under Sharing."),
        PHONE,
    )


def _email_problem(t: Translator, problem: EmailProblem) -> str:
    if problem is EmailProblem.TOO_LONG:
        return t._("That is too long: an e-mail address has at most {count} characters.").format(
            count=EMAIL_MAX
        )
    if problem is EmailProblem.SPACE:
        return t._("An e-mail address cannot contain spaces or invisible characters.")
    if problem is EmailProblem.LOCAL_PART:
        return t._(
            "The part before the @ is not valid: use letters, digits and . _ - +, with no dot "
            "at its start or end and no two dots in a row."
        )
    if problem is EmailProblem.DOMAIN:
        return t._(
            "The part after the @ is not a valid domain: it needs a dot and an ending such as "
            ".de or .org."
        )
    return t._("An e-mail address has exactly one @, like name@example.org.")


async def email_given(update: Update, context: BotContext) -> str | int:
    t = context.t
    return await _contact_given(
        update,
        context,
        normalise_email,
        InvalidEmail,
        lambda invalid: _email_problem(t, invalid.problem),
        context.services.profiles.set_email,
        t._("✅ E-mail address saved. It is shared only if you turn that on under Sharing."),
        EMAIL,
    )


def _typed_date(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) from 2027-03-14 or 14.03.2027, not yet checked as a calendar day."""
    typed = text.strip()
    if len(typed) > _DATE_INPUT_MAX:
        return None
    if match := _ISO_DATE.fullmatch(typed):
        return int(match[1]), int(match[2]), int(match[3])
    if match := _GERMAN_DATE.fullmatch(typed):
        return int(match[3]), int(match[2]), int(match[1])
    return None


async def until_given(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None and message.text is not None
    t = context.t
    if not _has_profile(context):
        await message.reply_text(_join_first(t))
        return ConversationHandler.END
    parts = _typed_date(message.text)
    if parts is None:
        await message.reply_text(
            t._("I could not read that date. Please send it like 14.03.2027 or 2027-03-14.")
        )
        return UNTIL
    try:
        until = date(*parts)
    except ValueError:
        await message.reply_text(t._("That day does not exist. Please check the date."))
        return UNTIL
    now = _today(context)
    latest = _latest_snooze(now)
    if until <= now:
        await message.reply_text(t._("That date is not in the future. Please send a later one."))
        return UNTIL
    if until > latest:
        await message.reply_text(
            t._("That is more than a year ahead. Please send a date until {date}.").format(
                date=_show_date(t, latest)
            )
        )
        return UNTIL
    await context.services.profiles.snooze(context.member.id, until)
    await _reply_card(
        update, context, t._("⏸ Snoozed until {date}.").format(date=_show_date(t, until))
    )
    return ConversationHandler.END


async def _remind(update: Update, text: str) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(text)


async def name_reminder(update: Update, context: BotContext) -> str:
    await _remind(update, context.t._("Please send your name as a text message, or /cancel."))
    return NAME


async def phone_reminder(update: Update, context: BotContext) -> str:
    await _remind(
        update, context.t._("Please send your phone number as a text message, or /cancel.")
    )
    return PHONE


async def email_reminder(update: Update, context: BotContext) -> str:
    await _remind(
        update, context.t._("Please send your e-mail address as a text message, or /cancel.")
    )
    return EMAIL


async def until_reminder(update: Update, context: BotContext) -> str:
    await _remind(
        update,
        context.t._("Please send the date as a text message, like 14.03.2027, or /cancel."),
    )
    return UNTIL


async def cancel(update: Update, context: BotContext) -> int:
    if not _has_profile(context):
        await _remind(update, _join_first(context.t))
        return ConversationHandler.END
    await _reply_card(update, context, context.t._("Cancelled. Nothing was changed."))
    return ConversationHandler.END


def conversation() -> ConversationHandler[BotContext]:
    text = NEW_MESSAGE & filters.TEXT

    return persistent_conversation(
        entry_points=[
            CommandHandler("profile", open_card, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(button, pattern=pattern(PREFIX)),
        ],
        states={
            NAME: [
                MessageHandler(text, name_given),
                MessageHandler(NEW_MESSAGE, name_reminder),
            ],
            PHONE: [
                MessageHandler(text, phone_given),
                MessageHandler(NEW_MESSAGE, phone_reminder),
            ],
            EMAIL: [
                MessageHandler(text, email_given),
                MessageHandler(NEW_MESSAGE, email_reminder),
            ],
            UNTIL: [
                MessageHandler(text, until_given),
                MessageHandler(NEW_MESSAGE, until_reminder),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="profile",
    )
