"""“🚫 Do not introduce me to this person again”: the button on an introduction and on its
follow-up, and the member's list (from /profile's “🚫 Not to be introduced (n)”), where each
person can be removed again. The rules are in storage/do_not_introduce.py; matching leaves
out a pair listed either way.

Decisions the issue left open, and why:
- Adding takes two taps: the button asks in a new message (the introduction stays as it
  was), and “Yes” adds. Removing takes one: it only undoes the member's own choice.
- A person is described as the member came to know them: by name while they share it,
  otherwise by side, the date of the introduction and its topic. The listed person is never
  told, like a declined request.
- Listing someone does not end a conversation the bot relays between them: that has its own
  button, and the member may still want to finish what they started.
"""

from __future__ import annotations

import html
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.labels import ROLE_LABELS, TOPIC_LABELS
from handlers.navigation import answer_stale, home_button, replace, show_in_place
from storage.do_not_introduce import Added, Listed
from storage.introductions import Introduced

PREFIX = "dn"
LIST = pack(PREFIX, "list")
PROFILE_CARD = pack("profile", "card")  # handlers/profile.py's card
_MAX_ID_DIGITS = 9
_MAX_SHOWN = 25  # the list stays one readable message


def button(t: Translator, request_id: int) -> InlineKeyboardButton:
    """The button under an introduction or a follow-up."""
    return InlineKeyboardButton(
        t._("🚫 Do not introduce me to this person again"),
        callback_data=pack(PREFIX, "ask", request_id),
    )


def list_button(t: Translator, count: int) -> InlineKeyboardButton:
    """The button on the profile card."""
    return InlineKeyboardButton(
        t._("🚫 Not to be introduced ({count})").format(count=count), callback_data=LIST
    )


def _role(t: Translator, role: str | None) -> str:
    return t._(ROLE_LABELS[role]) if role in ROLE_LABELS else t._("former member")


def describe_introduced(t: Translator, view: Introduced) -> str:
    """The other person of an introduction, as far as it showed them."""
    return _describe(t, view.other_name, view.other_role, view.introduced_at, view.topic)


def _describe_listed(t: Translator, entry: Listed) -> str:
    if entry.introduced_at is None or entry.topic is None:
        who = (
            html.escape(entry.name)
            if entry.name
            else t._("A {role}").format(role=_role(t, entry.role))
        )
        return t._("{who}, on your list since {date}").format(
            who=who, date=t.date(entry.created_at, "medium")
        )
    return _describe(t, entry.name, entry.role, entry.introduced_at, entry.topic)


def _describe(
    t: Translator, name: str | None, role: str | None, introduced_at: datetime, topic: str
) -> str:
    date = t.date(introduced_at, "medium")
    topic_label = t._(TOPIC_LABELS[topic])
    if name:
        return t._("{name} ({role}), introduced on {date}: {topic}").format(
            name=html.escape(name), role=_role(t, role), date=date, topic=topic_label
        )
    return t._("A {role} introduced on {date}: {topic}").format(
        role=_role(t, role), date=date, topic=topic_label
    )


async def _list_screen(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    entries = await context.services.do_not_introduce.listed(context.member.id)
    lines = [t._("<b>🚫 Not to be introduced</b>")]
    rows: list[list[InlineKeyboardButton]] = []
    if not entries:
        lines.append(
            t._(
                "Nobody is on your list. Under an introduction, and under the question whether "
                "you got in touch, “🚫 Do not introduce me to this person again” adds the "
                "person."
            )
        )
    else:
        lines.append(
            t._(
                "The bot does not introduce you to these people, nor them to you. They are not "
                "told."
            )
        )
    for number, entry in enumerate(entries[:_MAX_SHOWN], start=1):
        lines += ["", f"{number}. " + _describe_listed(t, entry)]
        rows.append(
            [
                InlineKeyboardButton(
                    t._("✖️ Remove {number}").format(number=number),
                    callback_data=pack(PREFIX, "rm", entry.other_id),
                )
            ]
        )
    if len(entries) > _MAX_SHOWN:
        lines += ["", t._("… and {count} more.").format(count=len(entries) - _MAX_SHOWN)]
    rows.append([InlineKeyboardButton(t._("« Profile"), callback_data=PROFILE_CARD)])
    rows.append([home_button(t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def tapped(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    services, t, member = context.services, context.t, context.member
    if query.data == LIST:
        await show_in_place(query, *await _list_screen(context))
        return
    parts = unpack(query.data, PREFIX, 2)
    number = None if parts is None else number_part(parts[1], _MAX_ID_DIGITS)
    if parts is None or number is None:
        await answer_stale(query, t)
        return
    action = parts[0]
    repository = services.do_not_introduce
    if action == "rm":
        removed = await repository.remove(member.id, number)
        if not removed:
            await answer_stale(query, t)
            return
        await query.answer(t._("Removed from your list."))
        await replace(query, *await _list_screen(context))
        return
    if action not in ("ask", "ok", "no"):
        await answer_stale(query, t)
        return
    view = await services.relays.conversation(number, member.id)
    if view is None:
        await answer_stale(query, t)
        return
    who = describe_introduced(t, view.introduced)
    if action == "no":
        await query.answer()
        await replace(query, t._("Nothing was changed."))
        return
    if action == "ask":
        if await repository.is_listed(member.id, number):
            await query.answer(
                t._("This person is already on your do-not-introduce list."), show_alert=True
            )
            return
        await query.answer()
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t._("🚫 Yes, do not introduce us again"),
                        callback_data=pack(PREFIX, "ok", number),
                    )
                ],
                [InlineKeyboardButton(t._("Cancel"), callback_data=pack(PREFIX, "no", number))],
            ]
        )
        assert query.message is not None
        await query.message.chat.send_message(
            t._(
                "Stop introducing you to this person?\n{who}\n\nThey are not told. You "
                "can undo it under /profile → “🚫 Not to be introduced”."
            ).format(who=who),
            reply_markup=markup,
        )
        return
    added = await repository.add(member.id, number, services.clock.now())
    if added is Added.NOT_YOURS:
        await answer_stale(query, t)
        return
    if added is Added.GONE:
        await query.answer()
        await replace(query, t._("This person is no longer a member of the network."))
        return
    await query.answer()
    text = t._(
        "🚫 Done: the bot will not introduce you to this person again, nor them to you.\n{who}"
    ).format(who=who)
    if added is Added.ALREADY:
        text = t._("This person is already on your do-not-introduce list.") + "\n" + who
    await replace(
        query,
        text,
        InlineKeyboardMarkup(
            [[InlineKeyboardButton(t._("🚫 My do-not-introduce list"), callback_data=LIST)]]
        ),
    )
