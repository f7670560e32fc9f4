"""The audience of a broadcast being composed: all active members, or filters combined (roles,
regions, languages, an event's registrants or waiting list, members of check-in projects),
whether it is essential, and the live count of who matches.

Each toggle is stored at once (the audience is the draft's), and the screen is rebuilt from
the database on every tap; a button is trusted for no more than the code it names, which is
checked against the known codes or the events offered now.
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.config import LANGUAGES
from bot.context import BotContext
from bot.i18n import Translator
from handlers.broadcast_draft import (
    LANGUAGES as LANGUAGES_STEP,
)
from handlers.broadcast_draft import (
    MAX_ID_DIGITS,
    button,
    default_language,
    language_name,
)
from handlers.event_format import short
from handlers.labels import AUDIENCE_LABELS, REGION_LABELS
from storage.broadcasts import ROLES, Audience, Broadcast
from storage.events import Event

MAIN = "main"
REGIONS = "regions"
LANGUAGE_FILTER = "languages"
EVENTS = "events"
# Events whose registrants can be addressed: not ended yet, or ended this recently.
RECENT = timedelta(days=30)
_EVENTS_SHOWN = 8

# action → the view it leads to (toggles stay on their view)
ACTIONS = {
    "all": MAIN,
    "role": MAIN,
    "regs": REGIONS,
    "reg": REGIONS,
    "lngs": LANGUAGE_FILTER,
    "lng": LANGUAGE_FILTER,
    "evs": EVENTS,
    "ev": MAIN,
    "evg": MAIN,
    "noev": MAIN,
    "proj": MAIN,
    "ess": MAIN,
    "aud": MAIN,
}


def _on(label: str, chosen: bool) -> str:
    return ("✅ " if chosen else "") + label


async def offered_events(context: BotContext, now: datetime) -> list[Event]:
    """Published (or cancelled: their registrants must hear of it) events not ended, then
    those ended within the last 30 days."""
    events = context.services.events
    ahead, _ = await events.all_for_staff(now, limit=_EVENTS_SHOWN * 2)
    past, _ = await events.past_for_staff(now, limit=_EVENTS_SHOWN)
    recent = [e for e in past if e.ends_at is not None and e.ends_at > now - RECENT]
    return [e for e in ahead if e.state != "draft"][:_EVENTS_SHOWN] + recent[:4]


def _event_label(t: Translator, event: Event, default: str) -> str:
    text = event.text(t.language, default)
    title = short(text.title if text is not None else "#" + str(event.id))
    day = t.date(event.starts_at, "short") if event.starts_at is not None else ""
    cancelled = t._("cancelled") if event.state == "cancelled" else ""
    return " · ".join(part for part in (title, day, cancelled) if part)


async def toggle(context: BotContext, broadcast: Broadcast, action: str, arg: str) -> str | None:
    """Apply a tapped audience button; the view to show next, or None when it is no valid
    button (a forged code, an event not offered)."""
    services = context.services
    now = services.clock.now()
    author = context.member.id
    audience = broadcast.audience
    changed: Audience | None = None
    if action == "all":
        changed = Audience()
    elif action == "role" and arg in ROLES:
        changed = replace(audience, roles=_flip(audience.roles, arg, ROLES))
    elif action == "reg" and arg in REGION_LABELS:
        changed = replace(audience, regions=_flip(audience.regions, arg, tuple(REGION_LABELS)))
    elif action == "lng" and arg in LANGUAGES:
        changed = replace(audience, languages=_flip(audience.languages, arg, LANGUAGES))
    elif action == "ev":
        offered = {e.id for e in await offered_events(context, now)}
        if not (arg.isascii() and arg.isdigit() and len(arg) <= MAX_ID_DIGITS):
            return None
        if int(arg) not in offered:
            return None
        changed = replace(audience, event_id=int(arg), event_group="confirmed")
    elif action == "evg" and arg in ("confirmed", "waitlisted") and audience.event_id is not None:
        changed = replace(audience, event_group=arg)
    elif action == "noev":
        changed = replace(audience, event_id=None, event_group=None)
    elif action == "proj":
        changed = replace(audience, projects=not audience.projects)
    elif action == "ess":
        await services.broadcasts.set_essential(broadcast.id, author, not broadcast.essential, now)
    elif action not in ("regs", "lngs", "evs", "aud"):
        return None
    if changed is not None:
        await services.broadcasts.set_audience(broadcast.id, author, changed, now)
    return ACTIONS[action]


def _flip(chosen: tuple[str, ...], code: str, order: tuple[str, ...]) -> tuple[str, ...]:
    """Toggle ``code``; kept in the codes' own order so the stored audience is canonical."""
    wanted = set(chosen) ^ {code}
    return tuple(c for c in order if c in wanted)


def _description(t: Translator, audience: Audience, event: Event | None, default: str) -> list[str]:
    everyone = t._("all")
    roles = ", ".join(t._(AUDIENCE_LABELS[r]) for r in audience.roles) or everyone
    regions = ", ".join(t._(REGION_LABELS[r]) for r in audience.regions if r in REGION_LABELS)
    languages = ", ".join(language_name(t, c) for c in audience.languages)
    lines = [
        t._("Roles: {roles}").format(roles=roles),
        t._("Regions: {regions}").format(regions=regions or everyone),
        t._("Languages: {languages}").format(languages=languages or everyone),
    ]
    if audience.event_id is not None:
        title = (
            html.escape(_event_label(t, event, default)) if event else "#" + str(audience.event_id)
        )
        group = (
            t._("its waiting list")
            if audience.event_group == "waitlisted"
            else t._("its confirmed registrants")
        )
        lines.append(t._("Event: {event}, {group}").format(event=title, group=group))
    if audience.projects:
        lines.append(t._("Only members of check-in projects"))
    return lines


async def screen(
    context: BotContext, broadcast: Broadcast, view: str = MAIN
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    services = context.services
    default = default_language(context)
    audience = broadcast.audience
    counts = await services.broadcasts.count(audience, broadcast.essential)
    total = sum(counts.values())
    event = None if audience.event_id is None else await services.events.get(audience.event_id)
    lines = [t._("<b>Who should receive it?</b>"), *_description(t, audience, event, default)]
    lines += [
        t._("Essential: {answer}").format(answer=t._("yes") if broadcast.essential else t._("no")),
        t._(
            "Essential announcements also reach members who turned general announcements off "
            "(use it for cancellations and urgent changes)."
        ),
        "",
        "<b>"
        + t.ngettext(
            "Everyone matching: {count} member", "Everyone matching: {count} members", total
        ).format(count=total)
        + "</b>",
    ]
    if total == 0:
        lines.append(t._("Nobody matches yet: an announcement to nobody cannot be sent."))
    b = broadcast.id
    rows: list[list[InlineKeyboardButton]] = []
    if view == REGIONS:
        lines.append("\n" + t._("Tap the regions to include, then “Done”."))
        codes = list(REGION_LABELS)
        buttons = [
            button(_on(t._(REGION_LABELS[c]), c in audience.regions), b, "reg", c) for c in codes
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([button(t._("Done"), b, "aud")])
    elif view == LANGUAGE_FILTER:
        lines.append("\n" + t._("Tap the languages to include, then “Done”."))
        buttons = [
            button(_on(language_name(t, c), c in audience.languages), b, "lng", c)
            for c in LANGUAGES
        ]
        rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
        rows.append([button(t._("Done"), b, "aud")])
    elif view == EVENTS:
        offered = await offered_events(context, services.clock.now())
        if offered:
            lines.append("\n" + t._("Which event? Its confirmed registrants are chosen first."))
        else:
            lines.append("\n" + t._("There is no published event ahead or in the last 30 days."))
        rows = [[button(_event_label(t, e, default), b, "ev", e.id)] for e in offered]
        rows.append([button(t._("« Back"), b, "aud")])
    else:
        rows = [
            [button(_on(t._("All active members"), audience == Audience()), b, "all")],
            [
                button(_on(t._(AUDIENCE_LABELS[r]), r in audience.roles), b, "role", r)
                for r in ROLES
            ],
            [
                button(t._("🗺 Regions ({count})").format(count=len(audience.regions)), b, "regs"),
                button(
                    t._("🗣 Languages ({count})").format(count=len(audience.languages)), b, "lngs"
                ),
            ],
            [button(t._("📅 An event’s registrants"), b, "evs")],
        ]
        if audience.event_id is not None:
            waiting = audience.event_group == "waitlisted"
            rows.append(
                [
                    button(_on(t._("Confirmed"), not waiting), b, "evg", "confirmed"),
                    button(_on(t._("Waiting list"), waiting), b, "evg", "waitlisted"),
                    button(t._("✖ No event"), b, "noev"),
                ]
            )
        rows += [
            [button(_on(t._("Check-in projects only"), audience.projects), b, "proj")],
            [button(_on(t._("❗ Essential"), broadcast.essential), b, "ess")],
            [
                button(t._("« Versions"), b, "back", LANGUAGES_STEP),
                button(t._("Continue »"), b, "next"),
            ],
        ]
    return "\n".join(lines), InlineKeyboardMarkup(rows)
