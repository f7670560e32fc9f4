"""Follow-up items (staff only): the "support needed" answers of submitted check-ins, open
ones first, each marked done (or reopened) by staff. The list is paged; every change is
audited by the repository and re-checked against the database at the tap.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import number_part, pack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.access import require_staff
from handlers.event_format import short
from handlers.navigation import answer_stale, home_button, replace, show_in_place
from handlers.pickers import paging_row
from storage.checkins import Round

PREFIX = "ckfu"
OPEN = pack(PREFIX, "list", 0, 0)
PAGE_SIZE = 5
# Five items of up to 2000 characters would not fit one message: a long one is shortened,
# visibly, and the whole text is in the round's summary.
SHOWN_LENGTH = 500
_MAX_ID_DIGITS = 9
_MAX_PAGE_DIGITS = 4
_ADMIN_PREFIX = "ckadm"


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=checkin_followups"):
        return
    t, services = context.t, context.services
    data = query.data if isinstance(query.data, str) else ""
    head, *parts = data.split(":")
    action = parts[0] if parts else ""
    numbers = [number_part(p, _MAX_ID_DIGITS) for p in parts[1:]]
    args = [n for n in numbers if n is not None]
    if head != PREFIX or len(args) != len(numbers):
        await answer_stale(query, t)
        return
    if action == "list" and len(args) == 2 and args[0] in (0, 1) and args[1] < 10**_MAX_PAGE_DIGITS:
        await show_in_place(query, *await listing(context, done=args[0] == 1, page=args[1]))
        return
    if action in ("done", "undo") and len(args) == 3 and args[2] < 10**_MAX_PAGE_DIGITS:
        round_id, project_id, page = args
        done = action == "done"
        changed = await services.checkin_followups.mark(
            round_id, project_id, done, services.clock.now(), actor_id=context.member.id
        )
        if not changed:
            await query.answer(t._("This was changed meanwhile."), show_alert=True)
            await replace(query, *await listing(context, done=not done, page=page))
            return
        note = t._("✅ Marked as done.") if done else t._("↩️ Reopened.")
        await show_in_place(query, *await listing(context, done=not done, page=page, note=note))
        return
    await answer_stale(query, t)


async def listing(
    context: BotContext, *, done: bool, page: int, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    t, services = context.t, context.services
    checkins, followups = services.checkins, services.checkin_followups
    items, total = await followups.items(done=done, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if not items and page > 0:
        page = pages - 1
        items, total = await followups.items(done=done, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    _, open_count = await followups.items(done=False, offset=0, limit=0)
    _, done_count = await followups.items(done=True, offset=0, limit=0)
    lines = [] if note is None else [note, ""]
    lines.append(
        "<b>"
        + (t._("🧾 Follow-up items: done") if done else t._("🧾 Follow-up items: open"))
        + "</b>"
    )
    lines.append(
        t._("What projects said they need from the network, from their submitted check-ins.")
    )
    if not items:
        lines.append(
            t._("No follow-up item is done yet.") if done else t._("No follow-up item is open.")
        )
    elif pages > 1:
        lines.append(t._("page {page} of {pages}").format(page=page + 1, pages=pages))
    rounds: dict[int, Round | None] = {}
    rows: list[list[InlineKeyboardButton]] = []
    for number, item in enumerate(items, start=page * PAGE_SIZE + 1):
        if item.round_id not in rounds:
            rounds[item.round_id] = await checkins.get(item.round_id)
        round_ = rounds[item.round_id]
        when = "" if round_ is None else t.date(round_.opens_at)
        lines += [
            "",
            t._("<b>{number}. {project}</b> – round of {date}").format(
                number=number, project=html.escape(item.project_name), date=when
            ),
            _text(t, item.text),
        ]
        if done and item.done_at is not None:
            lines.append(t._("<i>Done on {date}</i>").format(date=t.date(item.done_at)))
        label = (
            t._("↩️ Reopen {number}. {project}") if done else t._("✅ Done: {number}. {project}")
        ).format(number=number, project=short(item.project_name))
        rows.append(
            [
                InlineKeyboardButton(
                    label,
                    callback_data=pack(
                        PREFIX, "undo" if done else "done", item.round_id, item.project_id, page
                    ),
                )
            ]
        )
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, "list", int(done), n))
    rows.append(
        [
            InlineKeyboardButton(
                t._("🧾 Open items ({count})").format(count=open_count)
                if done
                else t._("✔️ Done items ({count})").format(count=done_count),
                callback_data=pack(PREFIX, "list", 0 if done else 1, 0),
            )
        ]
    )
    rows.append([InlineKeyboardButton(t._("« Check-ins"), callback_data=pack(_ADMIN_PREFIX))])
    rows.append([home_button(t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _text(t: Translator, text: str) -> str:
    if len(text) <= SHOWN_LENGTH:
        return html.escape(text)
    return (
        html.escape(text[:SHOWN_LENGTH].rstrip())
        + "… "
        + t._("<i>(shortened; the whole text is in the round's summary)</i>")
    )
