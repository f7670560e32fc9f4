"""/requests (or “📨 Contact requests (n)” in the staff menu): the network team's queue of
contact requests nobody took — the topic “contact the network team”, nobody suitable, passed
to staff by the person asked, or a person staff chose who did not accept.

The list shows each request's topic, region, why it waits and for how long, oldest first; a
request's card adds the asker's side and organisation type, the message (staff are the
network team, whom the asker was told may read it) and how many people were asked and what
they answered — counts, never names. From the card staff can

- **assign** someone: the members of the other side they may choose (storage/contacts.py
  ``assignable``: active, reachable, not snoozed, not asked about this request before, not
  on a “do not introduce” list either way; topics do not bind staff), those covering the
  request's region first, then neighbouring lands or nationwide, then the rest. The person
  is asked exactly like a candidate and decides themselves; a decline or no answer in time
  brings the request back to the queue;
- **close** it with a message to the asker (handlers/contact_close.py);
- read the **statistics** (handlers/contact_stats.py, from the list).

Every button checks again that the member is active staff and re-reads the request: callback
data is ``cq:list:<page>``, ``cq:show:<id>``, ``cq:who:<id>:<page>``, ``cq:pick:<id>:<member>``
and ``cq:ask:<id>:<member>``. Two members of the team acting on one request at once: the
first wins, the second is told the request has left the queue (the change is conditional on
the request still being queued, storage/contacts.py ``ask_member``).

Decisions the issue left open, and why:
- Staff may not assign someone who was asked about this request before: they answered
  already (declined, passed it on, or let it expire), and asking again presses their
  consent. Topics do not bind staff, who know the people.
- Assigning asks once more (“Ask … about this request?”): it sends a question to a person.
- A request whose asker can no longer ask (erased, suspended, lapsed) shows that and offers
  no assignment: the contact job withdraws it within minutes.
"""

from __future__ import annotations

import html
from datetime import datetime

from babel.dates import format_timedelta
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import N_, Translator
from handlers.access import require_staff
from handlers.contact_consent import QUEUE_REASON_LABELS, notices_for, region_line, topic_line
from handlers.labels import ORGANISATION_TYPE_LABELS, REGION_LABELS, ROLE_LABELS, TOPIC_LABELS
from handlers.navigation import answer_stale, home_button, replace, show_in_place
from handlers.pickers import paging_row
from storage.contact_queue import Assignee, QueueCard
from storage.contacts import ContactRequest

PREFIX = "cq"
OPEN = pack(PREFIX)
CLOSE_PREFIX = "cqc"  # handlers/contact_close.py
STATS_PREFIX = "cqs"  # handlers/contact_stats.py
QUEUE_PAGE = 8
ASSIGNEE_PAGE = 6  # an entry can be long (name, organisation, regions): six fit a message
_MAX_ID_DIGITS = 9
_MAX_PAGE_DIGITS = 4
_MAX_REGIONS_NAMED = 4
_BUTTON_NAME = 40

ANSWER_LABELS = {
    "declined": N_("declined: {count}"),
    "passed": N_("passed to the team: {count}"),
    "expired": N_("no answer in time: {count}"),
    "withdrawn": N_("request withdrawn while asked: {count}"),
    "accepted": N_("accepted: {count}"),
    None: N_("being asked: {count}"),
}
TIER_HEADINGS = {
    1: N_("<b>Covering {region}</b>"),
    2: N_("<b>Neighbouring regions or nationwide</b>"),
    3: N_("<b>Elsewhere</b>"),
}


def menu_button(t: Translator, count: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        t._("📨 Contact requests ({count})").format(count=count), callback_data=OPEN
    )


def queue_button(t: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(t._("« Contact requests"), callback_data=OPEN)


def card_button(t: Translator, request_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(t._("« Back"), callback_data=pack(PREFIX, "show", request_id))


def left_queue_text(t: Translator) -> str:
    return t._(
        "This request is no longer in the queue: it was assigned, closed or withdrawn meanwhile."
    )


def _age(t: Translator, since: datetime | None, now: datetime) -> str:
    if since is None:
        return "—"
    return format_timedelta(now - since, granularity="minute", locale=t.language)


def _from_line(t: Translator, request: ContactRequest) -> str:
    role = t._(ROLE_LABELS[request.asker_role])
    if request.organisation_type is None:
        return t._("From: {role} (no organisation given)").format(role=role)
    return t._("From: {role} ({type})").format(
        role=role, type=t._(ORGANISATION_TYPE_LABELS[request.organisation_type])
    )


def _reason(t: Translator, request: ContactRequest) -> str:
    return t._(QUEUE_REASON_LABELS[request.queued_reason or "no_candidates"])


# ---------------------------------------------------------------- entering


async def show(update: Update, context: BotContext) -> None:
    """/requests: the queue."""
    message = update.effective_message
    assert message is not None
    if not await require_staff(update, context, "command=requests"):
        return
    text, markup = await _queue(context, 0)
    await message.reply_text(text, reply_markup=markup)


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=contact_queue"):
        return
    if query.data == OPEN:
        await show_in_place(query, *await _queue(context, 0))
        return
    parts = unpack(query.data, PREFIX, 2) or unpack(query.data, PREFIX, 3)
    if parts is not None:
        first = number_part(parts[1], _MAX_ID_DIGITS)
        second = None if len(parts) < 3 else number_part(parts[2], _MAX_ID_DIGITS)
        action = parts[0]
        if action == "list" and len(parts) == 2 and first is not None:
            await show_in_place(query, *await _queue(context, min(first, 10**_MAX_PAGE_DIGITS)))
            return
        if action == "show" and len(parts) == 2 and first is not None:
            await _card(query, context, first)
            return
        if action in ("who", "pick", "ask") and first is not None and second is not None:
            await _assigning(query, context, action, first, second)
            return
    await answer_stale(query, context.t)


# ---------------------------------------------------------------- the queue and a card


async def _queue(context: BotContext, page: int) -> tuple[str, InlineKeyboardMarkup]:
    services, t = context.services, context.t
    now = services.clock.now()
    total = await services.contacts.count_queued()
    pages = max(1, -(-total // QUEUE_PAGE))
    page = min(page, pages - 1)
    requests = await services.contacts.queued_requests(QUEUE_PAGE, page * QUEUE_PAGE)
    lines = [t._("<b>📨 Contact requests waiting for the network team</b>")]
    if not total:
        lines.append(t._("No request is waiting at the moment."))
    else:
        lines.append(
            t.ngettext(
                "{count} request is waiting, the oldest first.",
                "{count} requests are waiting, the oldest first.",
                total,
            ).format(count=total)
        )
    rows: list[list[InlineKeyboardButton]] = []
    for number, request in enumerate(requests, start=page * QUEUE_PAGE + 1):
        topic = t._(TOPIC_LABELS[request.topic])
        lines += [
            "",
            f"<b>{number}. {html.escape(topic)}</b> · " + t._(REGION_LABELS[request.region]),
            t._("Why: {reason} · in the queue for {age}").format(
                reason=_reason(t, request), age=_age(t, request.queued_at, now)
            ),
        ]
        rows.append(
            [
                InlineKeyboardButton(
                    f"{number}. {topic}", callback_data=pack(PREFIX, "show", request.id)
                )
            ]
        )
    if pages > 1:
        lines += ["", t._("page {page} of {pages}").format(page=page + 1, pages=pages)]
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, "list", n))
    rows.append(
        [InlineKeyboardButton(t._("📊 Statistics"), callback_data=pack(STATS_PREFIX, "quarter"))]
    )
    rows.append([home_button(t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def card_text(t: Translator, card: QueueCard, now: datetime) -> str:
    request = card.request
    assert request.submitted_at is not None
    lines = [
        t._("<b>📨 Contact request {number}</b>").format(number=request.id),
        _from_line(t, request),
        topic_line(t, request),
        region_line(t, request),
        t._("Sent: {date}").format(date=t.datetime(request.submitted_at, "short")),
        t._("In the queue since: {date} ({age})").format(
            date=t.datetime(request.queued_at or request.submitted_at, "short"),
            age=_age(t, request.queued_at, now),
        ),
        t._("Why: {reason}").format(reason=_reason(t, request)),
    ]
    asked = sum(card.answers.values())
    if not asked:
        lines.append(t._("Asked so far: nobody"))
    else:
        answers = ", ".join(
            t._(label).format(count=card.answers[answer])
            for answer, label in ANSWER_LABELS.items()
            if card.answers.get(answer)
        )
        lines.append(
            t.ngettext(
                "Asked so far: {count} person ({answers})",
                "Asked so far: {count} people ({answers})",
                asked,
            ).format(count=asked, answers=answers)
        )
    lines.append(t._("The asker's message:"))
    if request.message:
        lines.append(f"<blockquote>{html.escape(request.message)}</blockquote>")
    else:
        lines.append(t._("(no longer stored)"))
    if not card.asker_may_ask:
        lines += [
            "",
            t._(
                "⚠️ The member who asked can no longer use the bot (they left the network, or "
                "their membership is suspended or lapsed). The request will be withdrawn."
            ),
        ]
    return "\n".join(lines)


async def _card(query: CallbackQuery, context: BotContext, request_id: int) -> None:
    services, t = context.services, context.t
    card = await services.contact_queue.card(request_id)
    if card is None:
        await answer_stale(query, t)
        return
    if card.request.state != "queued":
        await query.answer(left_queue_text(t), show_alert=True)
        await replace(query, *await _queue(context, 0))
        return
    rows = []
    if card.asker_may_ask:
        rows.append(
            [
                InlineKeyboardButton(
                    t._("👤 Assign someone"), callback_data=pack(PREFIX, "who", request_id, 0)
                )
            ]
        )
    rows += [
        [
            InlineKeyboardButton(
                t._("✉️ Close with a message"),
                callback_data=pack(CLOSE_PREFIX, "write", request_id),
            )
        ],
        [queue_button(t)],
    ]
    await show_in_place(query, card_text(t, card, services.clock.now()), InlineKeyboardMarkup(rows))


# ---------------------------------------------------------------- assigning


async def _assigning(
    query: CallbackQuery, context: BotContext, action: str, request_id: int, second: int
) -> None:
    """``who`` (second: the page), ``pick`` and ``ask`` (second: the member)."""
    services, t = context.services, context.t
    now = services.clock.now()
    request = await services.contacts.get(request_id)
    if request is None or request.state == "draft":
        await answer_stale(query, t)
        return
    if request.state != "queued":
        await query.answer(left_queue_text(t), show_alert=True)
        await replace(query, *await _queue(context, 0))
        return
    if action == "ask":
        asked = await services.contacts.ask_member(
            request_id, second, now, notices_for(context), assigned_by=context.member.id
        )
        if asked:
            await show_in_place(query, *await _asked(context, request, second))
            return
        request = await services.contacts.get(request_id)
        if request is None or request.state != "queued":
            await query.answer(left_queue_text(t), show_alert=True)
            await replace(query, *await _queue(context, 0))
            return
        await query.answer(
            t._("This person can no longer be asked about this request."), show_alert=True
        )
        await replace(query, *await _assignees(context, request, 0))
        return
    if action == "pick":
        chosen = await _assignable(context, request, second)
        if chosen is None:
            await query.answer(
                t._("This person can no longer be asked about this request."), show_alert=True
            )
            await replace(query, *await _assignees(context, request, 0))
            return
        await show_in_place(query, *_confirm(t, request, chosen))
        return
    await show_in_place(query, *await _assignees(context, request, second))


async def _assignable(
    context: BotContext, request: ContactRequest, member_id: int
) -> Assignee | None:
    services = context.services
    ids = await services.contacts.assignable(request.id, services.clock.now())
    if member_id not in ids:
        return None
    found = await services.contact_queue.assignees(request, [member_id])
    return found[0] if found else None


def _who(person: Assignee) -> str:
    name = html.escape(person.name or "—")
    if person.organisation:
        return f"<b>{name}</b> ({html.escape(person.organisation)})"
    return f"<b>{name}</b>"


def _regions(t: Translator, person: Assignee) -> str:
    if not person.regions:
        return t._("no region given")
    if len(person.regions) > _MAX_REGIONS_NAMED:
        return t._("{count} regions").format(count=len(person.regions))
    return ", ".join(t._(REGION_LABELS[r]) for r in person.regions)


async def _assignees(
    context: BotContext, request: ContactRequest, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    services, t = context.services, context.t
    ids = await services.contacts.assignable(request.id, services.clock.now())
    pages = max(1, -(-len(ids) // ASSIGNEE_PAGE))
    page = min(page, pages - 1)
    shown = ids[page * ASSIGNEE_PAGE : (page + 1) * ASSIGNEE_PAGE]
    people = await services.contact_queue.assignees(request, shown)
    side = t._(ROLE_LABELS[request.other_side])
    lines = [
        t._("<b>👤 Who should be asked?</b>"),
        topic_line(t, request),
        region_line(t, request),
        "",
        t._(
            "The person you choose is asked like any other: they see the topic, the region and "
            "the type of organisation, and decide themselves. If they decline or do not "
            "answer in time, the request comes back to the queue."
        ),
    ]
    if not ids:
        lines += [
            "",
            t._(
                "Nobody can be assigned: everyone available on the other side ({side}) has been "
                "asked about this request already, or there is nobody."
            ).format(side=side),
        ]
    rows: list[list[InlineKeyboardButton]] = []
    tier = 0
    for number, person in enumerate(people, start=page * ASSIGNEE_PAGE + 1):
        if person.tier != tier:
            tier = person.tier
            region = t._(REGION_LABELS[request.region])
            lines += ["", t._(TIER_HEADINGS[tier]).format(region=region)]
        lines.append(
            t.ngettext(
                "{number}. {who} · {regions} · asked about {count} open request now",
                "{number}. {who} · {regions} · asked about {count} open requests now",
                person.open_questions,
            ).format(
                number=number,
                who=_who(person),
                regions=_regions(t, person),
                count=person.open_questions,
            )
        )
        name = person.name or "—"
        if len(name) > _BUTTON_NAME:
            name = name[: _BUTTON_NAME - 1] + "…"
        rows.append(
            [
                InlineKeyboardButton(
                    f"{number}. {name}",
                    callback_data=pack(PREFIX, "pick", request.id, person.member_id),
                )
            ]
        )
    if pages > 1:
        lines += ["", t._("page {page} of {pages}").format(page=page + 1, pages=pages)]
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, "who", request.id, n))
    rows.append([card_button(t, request.id)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _confirm(
    t: Translator, request: ContactRequest, person: Assignee
) -> tuple[str, InlineKeyboardMarkup]:
    text = "\n".join(
        [
            t._("Ask {who} about this request?").format(who=_who(person)),
            topic_line(t, request),
            region_line(t, request),
            "",
            t._(
                "They see only the topic, the region and the type of the asker's organisation, "
                "and decide themselves. Only if they accept do both receive each other's "
                "details."
            ),
        ]
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("✅ Ask them"),
                    callback_data=pack(PREFIX, "ask", request.id, person.member_id),
                )
            ],
            [InlineKeyboardButton(t._("« Back"), callback_data=pack(PREFIX, "who", request.id, 0))],
        ]
    )
    return text, markup


async def _asked(
    context: BotContext, request: ContactRequest, member_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    found = await context.services.contact_queue.assignees(request, [member_id])
    who = _who(found[0]) if found else "—"
    text = t._(
        "✅ {who} is being asked now. If they accept, both receive each other's details; if "
        "they decline or do not answer in time, the request comes back to the queue."
    ).format(who=who)
    return text, InlineKeyboardMarkup([[queue_button(t)], [home_button(t)]])
