"""How changing a published event reads: the ✏️ Edit button of the staff card, the menu of
fields, each field's question, the confirmation (old → new) and the notice a registrant gets
when the time or place changes.

Callback data is ``evedit:<action>:<event id>[:<part>[:<part>]]`` (the ``Do`` actions); the
field's questions reuse the wording of the draft (handlers/event_draft_view.py) where they ask
the same thing.
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import pack
from bot.config import LANGUAGES
from bot.context import BotContext
from bot.i18n import LANGUAGE_NAMES, N_, Catalogs, Translator
from handlers.event_draft_view import PREFIX as CARD_PREFIX
from handlers.event_draft_view import detail_lines, language_name, title_of
from handlers.event_format import Do as MemberDo
from handlers.event_format import action_button, fitted, span, text_in, when
from handlers.event_input import DESCRIPTION_MAX, SEATS, TITLE_LENGTH, VENUE_LENGTH
from storage.event_edits import (
    CONFIRM,
    ChangeNotice,
    EventEdit,
    Registrant,
    SeatsHeld,
    deadline_after_change,
    editable,
    place_changed,
    quotas_of,
    time_changed,
)
from storage.events import Event
from storage.registrations import Addressee

PREFIX = "evedit"
MAX_ID_DIGITS = 9
_SHORT = 300  # characters of a current description shown beside its question


class Do:
    OPEN = "open"  # the card's ✏️ Edit: the menu, or the unsaved change where it stopped
    MENU = "menu"  # back to the menu; an unsaved change of this event is dropped
    FIELD = "f"  # :<field> chosen in the menu
    LANGUAGE = "lang"  # :<field>:<language> for a title or description
    PLACE = "place"  # :venue or :online
    KEEP = "keep"  # a translation's description kept (or none added) after its title
    NO_DESCRIPTION = "nodesc"  # the description removed
    REMOVE = "rm"  # the translation whose title is asked removed
    AT_START = "atstart"  # registration until the start
    SAVE = "save"
    DISCARD = "drop"
    RESUME = "resume"  # continue the unsaved change of another event
    AFRESH = "afresh"  # drop it and edit this event


# The menu's fields, in order.
MENU_LABELS = {
    "title": N_("Title"),
    "description": N_("Description"),
    "time": N_("🕒 Date and time"),
    "place": N_("📍 Place"),
    "capacity": N_("🎟 Capacity"),
    "deadline": N_("⏰ Registration deadline"),
}
PER_LANGUAGE = ("title", "description")


def button(text: str, *parts: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=pack(PREFIX, *parts))


def card_button(t: Translator, event_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        t._("« Back to the card"), callback_data=pack(CARD_PREFIX, "show", event_id)
    )


def edit_rows(t: Translator, event: Event, now: datetime) -> list[list[InlineKeyboardButton]]:
    """The staff card's ✏️ Edit, for a published event that has not begun."""
    return [[button(t._("✏️ Edit"), Do.OPEN, event.id)]] if editable(event, now) else []


def _header(context: BotContext, event: Event) -> str:
    title = title_of(context.t, event, context.services.config.default_language)
    return f"<b>✏️ {html.escape(title)}</b>"


def _short(text: str) -> str:
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def staff_place(t: Translator, venue: str | None, link: str | None) -> str:
    if venue is not None:
        return t._("📍 {venue}").format(venue=html.escape(venue))
    return t._("💻 Online: {link}").format(link=html.escape(link or ""))


def closed_text(t: Translator, event: Event | None) -> str:
    """Why an event can no longer be changed."""
    if event is not None and event.state == "cancelled":
        return t._("This event was cancelled already.")
    if event is not None and event.state == "published":
        return t._("This event has begun; it can no longer be changed.")
    return t._("This event is not available.")


def same_text(t: Translator) -> str:
    return t._("That is how it is already. Please send something different, or tap “Back”.")


def menu_screen(
    context: BotContext, event: Event, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    languages = [language_name(t, code) for code in LANGUAGES if code in event.texts]
    lines = [note, ""] if note else []
    lines += [
        _header(context, event),
        *detail_lines(t, event),
        t._("Languages: {languages}").format(languages=", ".join(languages)),
        "",
        t._("What would you like to change? Registrants are told of a change of time or place."),
    ]
    labels = {code: t._(label) for code, label in MENU_LABELS.items()}
    rows = [
        [button(labels["title"], Do.FIELD, event.id, "title"),
         button(labels["description"], Do.FIELD, event.id, "description")],
        [button(labels["time"], Do.FIELD, event.id, "time")],
        [button(labels["place"], Do.FIELD, event.id, "place")],
        [button(labels["capacity"], Do.FIELD, event.id, "capacity")],
        [button(labels["deadline"], Do.FIELD, event.id, "deadline")],
        [card_button(t, event.id)],
    ]  # fmt: skip
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _back(t: Translator, event_id: int) -> list[InlineKeyboardButton]:
    return [button(t._("« Back"), Do.MENU, event_id)]


def language_screen(
    context: BotContext, event: Event, field: str
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    default = context.services.config.default_language
    question = (
        t._("The title in which language?")
        if field == "title"
        else t._("The description in which language?")
    )
    lines = [
        _header(context, event),
        question,
        t._("✅ marks the languages the event has; members read theirs, else {language}.").format(
            language=language_name(t, default)
        ),
    ]
    rows = [
        [button(("✅ " if code in event.texts else "") + LANGUAGE_NAMES[code],
                Do.LANGUAGE, event.id, field, code)]
        for code in LANGUAGES
    ]  # fmt: skip
    rows.append(_back(t, event.id))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def place_screen(context: BotContext, event: Event) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    lines = [
        _header(context, event),
        t._("Now: {place}").format(place=staff_place(t, event.venue, event.online_url)),
        t._("Where does it take place?"),
    ]
    rows = [
        [button(t._("📍 At a venue"), Do.PLACE, event.id, "venue")],
        [button(t._("💻 Online"), Do.PLACE, event.id, "online")],
        _back(t, event.id),
    ]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def resume_screen(
    context: BotContext, unsaved: Event, wanted: Event
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    default = context.services.config.default_language
    text = t._(
        "You have an unsaved change to “{unsaved}”. Continue it, or discard it and edit “{wanted}”?"
    ).format(
        unsaved=html.escape(title_of(t, unsaved, default)),
        wanted=html.escape(title_of(t, wanted, default)),
    )
    rows = [
        [button(t._("▶️ Continue"), Do.RESUME, unsaved.id)],
        [button(t._("🗑 Discard it"), Do.AFRESH, wanted.id)],
    ]
    return text, InlineKeyboardMarkup(rows)


async def question(
    context: BotContext, event: Event, edit: EventEdit, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The question an unsaved change stopped at (or its confirmation)."""
    if edit.step == CONFIRM:
        return await confirmation(context, event, edit, note)
    t, services = context.t, context.services
    config = services.config
    rows: list[list[InlineKeyboardButton]] = []
    language = language_name(t, edit.language) if edit.language else ""
    current = event.texts.get(edit.language or "")
    match edit.step:
        case "title":
            if current is None:
                text = t._(
                    "There is no title in {language} yet. Please send it ({low} to {high} "
                    "characters); the description follows."
                )
            else:
                text = t._(
                    "The title in {language} is now: “{title}”. Please send the new title "
                    "({low} to {high} characters)."
                )
            text = text.format(
                language=language,
                title=html.escape(current.title if current else ""),
                low=TITLE_LENGTH[0],
                high=TITLE_LENGTH[1],
            )
            if current is not None and edit.language != config.default_language:
                rows.append(
                    [button(t._("🗑 Remove the translation into {language}").format(
                        language=language), Do.REMOVE, event.id)]
                )  # fmt: skip
        case "description":
            text = t._(
                "Please send the description in {language} (at most {high} characters)."
            ).format(language=language, high=DESCRIPTION_MAX)
            old = current.description if current else None
            if old:
                text += "\n" + t._("Now: {description}").format(
                    description=f"<i>{html.escape(_short(old))}</i>"
                )
            if edit.field == "title":  # a translation's title was typed; its description
                keep = t._("Keep the current description") if old else t._("Skip")
                rows.append([button(keep, Do.KEEP, event.id)])
            elif old:
                rows.append([button(t._("🗑 Remove the description"), Do.NO_DESCRIPTION, event.id)])
        case "starts":
            text = t._(
                "It takes place {span}. When should it start? Please send the date and time "
                "like 2027-03-14 10:00 or 14.03.2027 10:00 ({zone} time)."
            ).format(span=span(t, event), zone=html.escape(config.timezone.key))
        case "ends":
            assert edit.starts_at is not None
            text = t._(
                "It starts {start}. When does it end? Please send the date and time, or only "
                "the time (like 17:00) when it ends on the same day."
            ).format(start=when(t, edit.starts_at))
        case "venue":
            text = t._("Please send the address of the venue ({low} to {high} characters).").format(
                low=VENUE_LENGTH[0], high=VENUE_LENGTH[1]
            )
            rows.append([button(t._("💻 Online instead"), Do.PLACE, event.id, "online")])
        case "link":
            text = t._(
                "Please send the link to the online meeting; it must start with https://. "
                "Only confirmed participants will see it."
            )
            rows.append([button(t._("📍 At a venue instead"), Do.PLACE, event.id, "venue")])
        case "capacity":
            text = capacity_question(t, event, await services.event_edits.seats_held(event))
        case _:  # the registration deadline
            assert event.registration_deadline is not None
            text = t._(
                "Registration is open until {date}. Until when may members sign up or cancel? "
                "Please send a date and time like 2027-03-10 18:00, or tap “Until the start”."
            ).format(date=when(t, event.registration_deadline))
            rows.append([button(t._("Until the start"), Do.AT_START, event.id)])
    rows.append(_back(t, event.id))
    lines = [note, ""] if note else []
    return "\n".join([*lines, _header(context, event), text]), InlineKeyboardMarkup(rows)


def capacity_question(t: Translator, event: Event, seats: SeatsHeld) -> str:
    assert event.capacity is not None
    lines = [
        t._(
            "Seats now: {capacity} · taken (confirmed or offered): {held} · waiting: {waiting}"
        ).format(capacity=event.capacity, held=seats.held, waiting=seats.waiting)
    ]
    if event.police_seats is not None and event.community_seats is not None:
        lines.append(
            t._(
                "Kept for police contacts: {police} · for community representatives: {community}"
            ).format(police=event.police_seats, community=event.community_seats)
        )
    lines.append(
        t._("How many seats should it have? Please send a number from {low} to {high}.").format(
            low=seats.minimum, high=SEATS[1]
        )
    )
    return "\n".join(lines)


def capacity_too_low(t: Translator, event: Event, seats: SeatsHeld) -> str:
    """Why the capacity cannot go this low, with the numbers."""
    quotas = quotas_of(event)
    if quotas is None:
        text = t.ngettext(
            "{held} seat is taken (confirmed or offered), so the event needs at least "
            "{minimum}. Please send a number from {minimum} to {high}.",
            "{held} seats are taken (confirmed or offered), so the event needs at least "
            "{minimum}. Please send a number from {minimum} to {high}.",
            seats.held,
        )
    else:
        text = t.ngettext(
            "{quotas} seats are kept for police contacts and community representatives, and "
            "{general} other seat is taken (confirmed or offered), so the event needs at "
            "least {minimum}. Please send a number from {minimum} to {high}.",
            "{quotas} seats are kept for police contacts and community representatives, and "
            "{general} other seats are taken (confirmed or offered), so the event needs at "
            "least {minimum}. Please send a number from {minimum} to {high}.",
            seats.general,
        )
    return text.format(
        held=seats.held,
        quotas=quotas,
        general=seats.general,
        minimum=seats.minimum,
        high=SEATS[1],
    )


def _arrow(t: Translator) -> str:
    """From the old value to the new one: right-to-left languages point the other way."""
    # TRANSLATORS: the arrow from an old value to a new one; “←” in right-to-left languages.
    return t._("→")


async def confirmation(
    context: BotContext, event: Event, edit: EventEdit, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """Old → new, who will be told, and Save / Discard."""
    t, services = context.t, context.services
    lines = [note, ""] if note else []
    lines += [_header(context, event), t._("<b>Please check the change:</b>")]
    description_at: int | None = None
    language = language_name(t, edit.language) if edit.language else ""
    current = event.texts.get(edit.language or "")
    told = False
    match edit.field:
        case "title" | "description":
            if edit.field == "title" and edit.title is not None:
                if current is None:
                    lines.append(t._("Title in {language} (new): “{new}”").format(
                        language=language, new=html.escape(edit.title)))  # fmt: skip
                else:
                    lines.append(t._("Title in {language}: “{old}” → “{new}”").format(
                        language=language, old=html.escape(current.title),
                        new=html.escape(edit.title)))  # fmt: skip
            if edit.description_set or (current is None and edit.description is not None):
                old = current.description if current else None
                lines.append(t._("Description in {language}:").format(language=language))
                if old:
                    lines.append(f"<i>{html.escape(_short(old))}</i>")
                    lines.append(_arrow(t))
                if edit.description is None:
                    lines.append(t._("(no description)"))
                else:
                    description_at = len(lines)
                    lines.append(html.escape(edit.description))
        case "remove":
            lines.append(
                t._("The translation into {language} will be removed: “{title}”.").format(
                    language=language, title=html.escape(current.title if current else "")
                )
            )
        case "time":
            assert edit.starts_at is not None and edit.ends_at is not None
            after = replace(event, starts_at=edit.starts_at, ends_at=edit.ends_at)
            lines += [t._("🕒 Date and time:"), span(t, event), _arrow(t) + " " + span(t, after)]
            deadline = deadline_after_change(event, edit.starts_at)
            assert deadline is not None and event.registration_deadline is not None
            if deadline != event.registration_deadline:
                lines.append(
                    t._(
                        "⏰ Registration would end after the new start, so it now ends at the "
                        "start, {date} (it was {old})."
                    ).format(date=when(t, deadline), old=when(t, event.registration_deadline))
                )
            else:
                lines.append(
                    t._("⏰ Registration until {date}, as before.").format(date=when(t, deadline))
                )
            told = True
        case "place":
            lines += [
                t._("Place:"),
                staff_place(t, event.venue, event.online_url),
                _arrow(t) + " " + staff_place(t, edit.venue, edit.online_url),
            ]
            told = True
        case "capacity":
            assert edit.capacity is not None and event.capacity is not None
            lines.append(
                t._("🎟 Seats: {old} → {new}").format(old=event.capacity, new=edit.capacity)
            )
            waiting = (await services.event_edits.seats_held(event)).waiting
            if edit.capacity > event.capacity and waiting:
                lines.append(
                    t.ngettext(
                        "{count} member is waiting: the new seats are offered at once, first in "
                        "line first.",
                        "{count} members are waiting: the new seats are offered at once, first "
                        "in line first.",
                        waiting,
                    ).format(count=waiting)
                )
        case _:  # the registration deadline
            assert edit.registration_deadline is not None
            assert event.registration_deadline is not None
            lines.append(
                t._("⏰ Registration until: {old} → {new}").format(
                    old=when(t, event.registration_deadline),
                    new=when(t, edit.registration_deadline),
                )
            )
    if told:
        count = await services.event_edits.registrants(event.id)
        lines.append("")
        lines.append(
            t.ngettext(
                "{count} registrant (confirmed, waiting or offered a seat) will be told, in "
                "their language.",
                "{count} registrants (confirmed, waiting or offered a seat) will be told, each "
                "in their language.",
                count,
            ).format(count=count)
            if count
            else t._("Nobody is registered yet, so nobody needs to be told.")
        )
    markup = InlineKeyboardMarkup(
        [[button(t._("💾 Save"), Do.SAVE, event.id), button(t._("Discard"), Do.DISCARD, event.id)]]
    )
    if description_at is None:
        return "\n".join(lines), markup
    return fitted(lines, description_at), markup


def saved_screen(
    t: Translator, event: Event, default: str, told: int, offered: int, moved: bool
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        t._("✅ The change to “{title}” is saved.").format(
            title=html.escape(title_of(t, event, default))
        )
    ]
    if told:
        lines.append(
            t.ngettext(
                "{count} registrant is being told.", "{count} registrants are being told.", told
            ).format(count=told)
        )
    if offered:
        lines.append(
            t.ngettext(
                "{count} seat was offered to the waiting list.",
                "{count} seats were offered to the waiting list.",
                offered,
            ).format(count=offered)
        )
    if moved:
        assert event.registration_deadline is not None
        lines.append(
            t._("Registration now ends at the new start, {date}.").format(
                date=when(t, event.registration_deadline)
            )
        )
    markup = InlineKeyboardMarkup(
        [[button(t._("✏️ Edit more"), Do.OPEN, event.id)], [card_button(t, event.id)]]
    )
    return "\n".join(lines), markup


# ---------------------------------------------------------------- what registrants are told


def change_notice(catalogs: Catalogs) -> ChangeNotice:
    """A registrant's message about a new time or place, in their language: the online link
    only for a confirmed attendee, who also gets a button for the updated calendar file."""
    default = catalogs.default_language

    def notice(
        before: Event, after: Event, who: Addressee, registrant: Registrant
    ) -> dict[str, Any]:
        t = catalogs.for_member(who.language, who.app_language)
        confirmed = registrant.state == "confirmed"
        lines = [
            t._("🔔 The network team changed <b>{title}</b>:").format(
                title=html.escape(text_in(t, after, default).title)
            )
        ]
        if time_changed(before, after):
            lines.append(t._("🕒 New time: {span}").format(span=span(t, after)))
            lines.append(t._("(It was {span}.)").format(span=span(t, before)))
        if place_changed(before, after):
            if after.venue is not None:
                lines.append(t._("📍 New place: {venue}").format(venue=html.escape(after.venue)))
            elif confirmed:
                lines.append(
                    t._("💻 Now online: {link}").format(link=html.escape(after.online_url or ""))
                )
            else:
                lines.append(t._("💻 Now online – the link is sent to confirmed attendees."))
        rows: list[list[InlineKeyboardButton]] = []
        if confirmed:
            lines.append(
                t._(
                    "Your registration stands. If you can no longer come, please cancel it "
                    "under /events or tell the network team, so that someone else can have "
                    "your seat."
                )
            )
            rows.append([action_button(t._("📅 Calendar file"), MemberDo.CALENDAR, after.id)])
        elif registrant.state == "offered" and registrant.offered_until is not None:
            lines.append(
                t._("The seat offered to you is yours if you accept it by {until}.").format(
                    until=when(t, registrant.offered_until)
                )
            )
            rows.append([action_button(t._("✅ Accept the seat"), MemberDo.ACCEPT, after.id)])
        else:
            lines.append(t._("You are still on the waiting list."))
        message: dict[str, Any] = {"text": "\n".join(lines)}
        if rows:
            message["reply_markup"] = InlineKeyboardMarkup(rows).to_dict()
        return message

    return notice
