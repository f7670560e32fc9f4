"""/contact (or “🤝 Request a contact” in the menu): a community representative or police
contact asks to be introduced to someone on the other side; “My requests” shows theirs and
withdraws an open one. The candidate's side is handlers/contact_consent.py, the rules are in
storage/contacts.py.

Asking is one persistent conversation: topic, region, a clear warning, the message, then a
preview with Send / Edit message / Discard. The draft is a ``contact_requests`` row in state
'draft' holding the step it is at, so /cancel or a restart keeps it and /contact offers to
continue it or start afresh. The conversation state only says that a topic is being chosen,
that Continue / Start afresh was asked, or that a draft is being written; what is due is read
from the draft on every update, so an old button does nothing but say it is old.

Decisions the issue left open, and why:
- The warning (not for emergencies; police must follow up crimes they learn of, so no crimes
  and no third parties) comes right before the message is written, for every topic and both
  sides: a request that reaches the network team may still be passed to a police contact.
- A message must have at least 10 characters: the person who accepts needs to know what it is
  about, and “hi” tells them nothing. Line breaks are kept; surrounding spaces are not.
- The limits are checked when /contact opens (nobody should write a message they cannot send)
  and again at Send, where a refusal keeps the draft for later.
- Staff do not ask: they assign contacts from the queue (part 3), and /contact tells them so.
- Withdrawing asks once more: it cannot be undone, and the person being asked loses the
  request.
- “My requests” shows the open requests first and the latest closed ones; an open request
  says whether a contact is being looked for or it is with the network team, never who was
  asked or who declined.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import number_part, pack, pattern, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.contact_consent import notices_for, region_line, topic_line
from handlers.conversation_frame import NEW_MESSAGE, persistent_conversation
from handlers.labels import ORGANISATION_TYPE_LABELS, REGION_LABELS, ROLE_LABELS, TOPIC_LABELS
from handlers.navigation import (
    answer_stale,
    drop_buttons,
    home_button,
    replace,
    show_in_place,
    unless_unchanged,
)
from storage.contacts import (
    MAX_OPEN,
    MAX_PER_DAY,
    NETWORK_TEAM,
    OPEN_STATES,
    OTHER_SIDE,
    ContactRequest,
    Limit,
    LimitReached,
    Submitted,
)
from storage.vocabulary import REGIONS, TOPICS

PREFIX = "ct"  # the asking conversation
OPEN = pack(PREFIX)
MINE = "cmy"  # My requests and withdrawing, outside the conversation
MINE_OPEN = pack(MINE)

TOPIC = "topic"  # choosing a topic; no draft yet
RESUME = "resume"  # Continue the draft, or Start afresh?
DRAFTING = "drafting"  # the draft's step says what is due

MESSAGE_LENGTH = (10, 1000)
_MAX_ID_DIGITS = 9


def _may_ask(context: BotContext) -> bool:
    member = context.member
    return member.status == "active" and member.role in OTHER_SIDE


def _other_side(t: Translator, role: str) -> str:
    return t._(ROLE_LABELS[OTHER_SIDE[role]])


def _button(label: str, *parts: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=pack(PREFIX, *parts))


def _mine_button(t: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(t._("📋 My requests"), callback_data=MINE_OPEN)


def limit_text(t: Translator, limit: LimitReached) -> str:
    if limit.limit is Limit.OPEN:
        return t.ngettext(
            "You already have {count} open request, the most at one time. Please wait until "
            "it is answered, or withdraw it under “My requests”.",
            "You already have {count} open requests, the most at one time. Please wait until "
            "one is answered, or withdraw one under “My requests”.",
            MAX_OPEN,
        ).format(count=MAX_OPEN)
    assert limit.until is not None
    return t.ngettext(
        "You have sent {count} request in the last 24 hours, the most allowed. You can send "
        "the next one from {time}.",
        "You have sent {count} requests in the last 24 hours, the most allowed. You can send "
        "the next one from {time}.",
        MAX_PER_DAY,
    ).format(count=MAX_PER_DAY, time=t.datetime(limit.until, "short"))


# ---------------------------------------------------------------- screens


def _topic_screen(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    t, member = context.t, context.member
    assert member.role is not None
    text = t._(
        "🤝 <b>Request a contact</b>\n"
        "The bot introduces you to someone of the other side ({other}) who agrees to it. Until "
        "then they see only the "
        "topic, the region and the type of your organisation, not who you are.\n\n"
        "What is it about?"
    ).format(other=_other_side(t, member.role))
    rows = [[_button(t._(TOPIC_LABELS[topic]), "topic", topic)] for topic in TOPICS]
    rows.append([_mine_button(t)])
    rows.append([home_button(t)])
    return text, InlineKeyboardMarkup(rows)


async def _region_screen(
    context: BotContext, request: ContactRequest
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    own = await context.services.contacts.covered_regions(context.member.id)
    rows = [[_button("📍 " + t._(REGION_LABELS[r]), "region", request.id, r)] for r in own]
    others = [
        _button(t._(REGION_LABELS[r]), "region", request.id, r) for r in REGIONS if r not in own
    ]
    rows += [others[i : i + 2] for i in range(0, len(others), 2)]
    text = topic_line(t, request) + "\n\n" + t._("Which region is it about?")
    if own:
        text += " " + t._("📍 marks your regions.")
    return text, InlineKeyboardMarkup(rows)


def _message_prompt(t: Translator, request: ContactRequest) -> str:
    if request.topic == NETWORK_TEAM:
        readers = t._("Your message is read by the network team.")
    else:
        readers = t._(
            "Your message is shown only to the {other} who agrees to be introduced (or to the "
            "network team, should the request go to them)."
        ).format(other=_other_side(t, request.asker_role))
    return "\n".join(
        [
            t._("<b>Before you write</b>"),
            t._("⚠️ This is <b>not for emergencies</b>. In an emergency, call <b>110</b>."),
            t._(
                "⚖️ Police officers must follow up any crime they learn of (Legalitätsprinzip). "
                "So please do not describe crimes here, and do not name third parties."
            ),
            "",
            readers,
            "",
            t._(
                "Now write your message, {low} to {high} characters: what would you like to "
                "talk about?"
            ).format(low=MESSAGE_LENGTH[0], high=MESSAGE_LENGTH[1]),
        ]
    )


def _preview(t: Translator, request: ContactRequest) -> tuple[str, InlineKeyboardMarkup]:
    if request.topic == NETWORK_TEAM:
        goes_to = t._("To: the network team")
    else:
        goes_to = t._("To: {role}").format(role=_other_side(t, request.asker_role))
    lines = [
        t._("<b>Your request</b>: please check it before you send it."),
        "",
        topic_line(t, request),
        region_line(t, request),
        goes_to,
        t._("Your message:"),
        f"<blockquote>{html.escape(request.message or '')}</blockquote>",
    ]
    if request.topic != NETWORK_TEAM and request.organisation_type is not None:
        lines.append(
            t._(
                "Until someone accepts, they see only the topic, the region and the type of "
                "your organisation ({type})."
            ).format(type=t._(ORGANISATION_TYPE_LABELS[request.organisation_type]))
        )
    elif request.topic != NETWORK_TEAM:
        lines.append(t._("Until someone accepts, they see only the topic and the region."))
    markup = InlineKeyboardMarkup(
        [
            [_button(t._("📨 Send"), "send", request.id)],
            [
                _button(t._("✏️ Edit message"), "edit", request.id),
                _button(t._("🗑 Discard"), "discard", request.id),
            ],
        ]
    )
    return "\n".join(lines), markup


def _resume_screen(t: Translator, request: ContactRequest) -> tuple[str, InlineKeyboardMarkup]:
    text = t._(
        "You have an unfinished request about “{topic}”. Continue it, or start afresh (the "
        "draft is then discarded)?"
    ).format(topic=t._(TOPIC_LABELS[request.topic]))
    markup = InlineKeyboardMarkup(
        [
            [_button(t._("▶️ Continue"), "continue", request.id)],
            [_button(t._("🆕 Start afresh"), "afresh", request.id)],
        ]
    )
    return text, markup


async def _say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """In place of the tapped message, or as a new message after a typed one."""
    query = update.callback_query
    if query is not None:
        await show_in_place(query, text, markup)
    else:
        assert update.effective_message is not None
        await update.effective_message.reply_text(text, reply_markup=markup)


async def _ask(
    update: Update, context: BotContext, request: ContactRequest, note: str | None = None
) -> str:
    """Ask what the draft needs next (its stored step), after ``note`` if given."""
    t = context.t
    markup: InlineKeyboardMarkup | None = None
    if request.step == "region":
        text, markup = await _region_screen(context, request)
    elif request.step == "message":
        text = _message_prompt(t, request)
    else:
        text, markup = _preview(t, request)
    if note is not None:
        text = f"{note}\n\n{text}"
    await _say(update, text, markup)
    return DRAFTING


# ---------------------------------------------------------------- entering


async def begin(update: Update, context: BotContext) -> str | int:
    """/contact and the menu's “🤝 Request a contact”."""
    services, t, member = context.services, context.t, context.member
    if member.is_active_staff:
        await _say(
            update,
            t._(
                "Contact requests are for community representatives and police contacts. The "
                "network team assigns contacts from the queue of requests."
            ),
            InlineKeyboardMarkup([[home_button(t)]]),
        )
        return ConversationHandler.END
    if not _may_ask(context):
        await _say(
            update, t._("Contact requests are for community representatives and police contacts.")
        )
        return ConversationHandler.END
    limit = await services.contacts.limit_reached(member.id, services.clock.now())
    if limit is not None:
        await _say(update, limit_text(t, limit), InlineKeyboardMarkup([[_mine_button(t)]]))
        return ConversationHandler.END
    draft = await services.contacts.draft(member.id)
    if draft is not None:
        await _say(update, *_resume_screen(t, draft))
        return RESUME
    await _say(update, *_topic_screen(context))
    return TOPIC


def _parts(update: Update, arity: int) -> list[str] | None:
    query = update.callback_query
    assert query is not None
    return unpack(query.data, PREFIX, arity)


async def _stale(update: Update, context: BotContext, state: str) -> str:
    assert update.callback_query is not None
    await answer_stale(update.callback_query, context.t)
    return state


async def topic_button(update: Update, context: BotContext) -> str | int:
    services = context.services
    parts = _parts(update, 2)
    if parts is None or parts[0] != "topic" or parts[1] not in TOPICS:
        return await _stale(update, context, TOPIC)
    if not _may_ask(context):
        return ConversationHandler.END
    request = await services.contacts.start_draft(context.member.id, parts[1], services.clock.now())
    if request is None:
        return await _stale(update, context, TOPIC)
    return await _ask(update, context, request)


async def topic_reminder(update: Update, context: BotContext) -> str:
    text, markup = _topic_screen(context)
    await _say(
        update, context.t._("Please choose a topic with the buttons.") + "\n\n" + text, markup
    )
    return TOPIC


async def resume_button(update: Update, context: BotContext) -> str | int:
    contacts, member = context.services.contacts, context.member
    parts = _parts(update, 2)
    request_id = None if parts is None else number_part(parts[1], _MAX_ID_DIGITS)
    if parts is None or parts[0] not in ("continue", "afresh") or request_id is None:
        return await _stale(update, context, RESUME)
    draft = await contacts.draft(member.id)
    if draft is None or draft.id != request_id:
        return await _stale(update, context, RESUME)
    if parts[0] == "afresh":
        await contacts.discard_draft(member.id, draft.id)
        await _say(update, *_topic_screen(context))
        return TOPIC
    return await _ask(update, context, draft)


async def resume_reminder(update: Update, context: BotContext) -> str | int:
    t = context.t
    draft = await context.services.contacts.draft(context.member.id)
    if draft is None:
        return await begin(update, context)
    text, markup = _resume_screen(t, draft)
    await _say(update, t._("Please tap “Continue” or “Start afresh”.") + "\n\n" + text, markup)
    return RESUME


# ---------------------------------------------------------------- writing the draft


async def _lost(update: Update, context: BotContext) -> int:
    text = context.t._("This draft is no longer open. /contact starts a new request.")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return ConversationHandler.END


async def drafting_button(update: Update, context: BotContext) -> str | int:
    """Region, and Send / Edit message / Discard under the preview."""
    query = update.callback_query
    assert query is not None
    contacts, t, member = context.services.contacts, context.t, context.member
    # ct:<action>:<draft id>, and ct:region:<draft id>:<region>
    parts = unpack(query.data, PREFIX, 2) or unpack(query.data, PREFIX, 3)
    request_id = None if parts is None else number_part(parts[1], _MAX_ID_DIGITS)
    draft = await contacts.draft(member.id)
    if parts is None or request_id is None or draft is None or draft.id != request_id:
        return await _stale(update, context, DRAFTING)
    action = parts[0]
    if action == "region" and len(parts) == 3 and draft.step == "region" and parts[2] in REGIONS:
        if not await contacts.choose_region(member.id, draft.id, parts[2]):
            return await _stale(update, context, DRAFTING)
        return await _redraw(update, context)
    preview_actions = ("send", "edit", "discard", "discard_ok", "back")
    if draft.step != "preview" or len(parts) != 2 or action not in preview_actions:
        return await _stale(update, context, DRAFTING)
    if action == "send":
        return await _send(update, context, draft)
    if action == "edit":
        await contacts.edit_message(member.id, draft.id)
        await query.answer()
        await drop_buttons(query)
        assert update.effective_message is not None
        await update.effective_message.chat.send_message(
            t._(
                "Please send your new message, {low} to {high} characters. Until you do, the "
                "previous one is kept."
            ).format(low=MESSAGE_LENGTH[0], high=MESSAGE_LENGTH[1])
        )
        return DRAFTING
    await query.answer()
    if action == "discard":
        markup = InlineKeyboardMarkup(
            [
                [_button(t._("🗑 Yes, discard it"), "discard_ok", draft.id)],
                [_button(t._("« Back"), "back", draft.id)],
            ]
        )
        with unless_unchanged():
            await query.edit_message_reply_markup(markup)
        return DRAFTING
    if action == "back":
        with unless_unchanged():
            await query.edit_message_reply_markup(_preview(t, draft)[1])
        return DRAFTING
    await contacts.discard_draft(member.id, draft.id)
    await drop_buttons(query)
    assert update.effective_message is not None
    await update.effective_message.chat.send_message(
        t._("🗑 The draft is discarded."), reply_markup=InlineKeyboardMarkup([[home_button(t)]])
    )
    return ConversationHandler.END


async def _redraw(update: Update, context: BotContext) -> str | int:
    draft = await context.services.contacts.draft(context.member.id)
    if draft is None:
        return await _lost(update, context)
    return await _ask(update, context, draft)


async def _send(update: Update, context: BotContext, draft: ContactRequest) -> str | int:
    query = update.callback_query
    assert query is not None and update.effective_message is not None
    services, t, member = context.services, context.t, context.member
    result = await services.contacts.submit(
        member.id, draft.id, services.clock.now(), notices_for(context)
    )
    if result.outcome is Submitted.GONE:
        return await _lost(update, context)
    if result.outcome is Submitted.REFUSED:
        assert result.limit is not None
        await query.answer(limit_text(t, result.limit), show_alert=True)
        return DRAFTING
    request = result.request
    assert request is not None
    await query.answer()
    await drop_buttons(query)
    if request.topic == NETWORK_TEAM:
        text = t._("📨 Your message is with the network team. They will get back to you.")
    elif result.outcome is Submitted.ASKED:
        text = t._(
            "📨 Your request is sent. Someone suitable of the other side ({other}) is being asked "
            "now. You will hear "
            "from the bot as soon as someone agrees; until then nobody learns who you are."
        ).format(other=_other_side(t, request.asker_role))
    else:
        text = t._(
            "📨 Your request is sent. Nobody suitable is available right now, so the network "
            "team will look for a contact for you."
        )
    await update.effective_message.chat.send_message(
        text, reply_markup=InlineKeyboardMarkup([[_mine_button(t)], [home_button(t)]])
    )
    return ConversationHandler.END


def clean_message(text: str) -> str:
    """Lines trimmed and invisible control characters dropped (a tab becomes a space);
    line breaks stay."""
    text = "".join(" " if ch == "\t" else ch for ch in text if ch in "\t\n" or ord(ch) >= 32)
    return "\n".join(line.strip() for line in text.strip().splitlines())


async def typed(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None and message.text is not None
    contacts, t, member = context.services.contacts, context.t, context.member
    draft = await contacts.draft(member.id)
    if draft is None:
        return await _lost(update, context)
    if draft.step != "message":
        return await typed_elsewhere(update, context, draft)
    text = clean_message(message.text)
    low, high = MESSAGE_LENGTH
    if len(text) < low:
        await message.reply_text(
            t.ngettext(
                "That is too short. Please write at least {low} character, so the other side "
                "can tell what it is about.",
                "That is too short. Please write at least {low} characters, so the other side "
                "can tell what it is about.",
                low,
            ).format(low=low)
        )
        return DRAFTING
    if len(text) > high:
        await message.reply_text(
            t._(
                "That is {count} characters, but at most {high} fit. Please shorten it and send "
                "it again."
            ).format(count=len(text), high=high)
        )
        return DRAFTING
    if not await contacts.write_message(member.id, draft.id, text):
        return await _lost(update, context)
    return await _redraw(update, context)


async def other_content(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None
    t = context.t
    draft = await context.services.contacts.draft(context.member.id)
    if draft is None:
        return await _lost(update, context)
    if draft.step != "message":
        return await typed_elsewhere(update, context, draft)
    if message.photo:
        text = t._("Photos cannot be passed on. Please write your message as text.")
    elif message.sticker:
        text = t._("Stickers cannot be passed on. Please write your message as text.")
    else:
        text = t._("Only text can be passed on. Please write your message as text.")
    await message.reply_text(text)
    return DRAFTING


async def typed_elsewhere(update: Update, context: BotContext, draft: ContactRequest) -> str:
    """Something other than a tap where a button is due."""
    t = context.t
    if draft.step == "region":
        return await _ask(update, context, draft, t._("Please choose the region with the buttons."))
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        t._("Please tap “Send”, “Edit message” or “Discard” under your request above.")
    )
    return DRAFTING


async def cancel(update: Update, context: BotContext) -> int:
    assert update.effective_message is not None
    t = context.t
    kept = await context.services.contacts.draft(context.member.id) is not None
    await update.effective_message.reply_text(
        t._("The draft is kept; /contact continues it.") if kept else t._("Cancelled.")
    )
    return ConversationHandler.END


# ---------------------------------------------------------------- My requests


def _state_line(t: Translator, request: ContactRequest) -> str:
    if request.state == "matching":
        return t._("🔎 Looking for someone suitable ({other})").format(
            other=_other_side(t, request.asker_role)
        )
    if request.state == "queued":
        if request.queued_reason == "network_team":
            return t._("📨 With the network team")
        return t._("📨 With the network team, who look for a contact")
    if request.state == "introduced":
        assert request.introduced_at is not None
        return t._("✅ Introduced on {date}").format(date=t.date(request.introduced_at, "medium"))
    if request.state == "withdrawn":
        return t._("✖️ Withdrawn")
    return t._("Closed by the network team")


async def _mine_screen(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    requests = await context.services.contacts.of_asker(context.member.id)
    lines = [t._("<b>📋 My requests</b>")]
    rows: list[list[InlineKeyboardButton]] = []
    if not requests:
        lines.append(t._("You have not sent any requests yet."))
    for number, request in enumerate(requests, start=1):
        assert request.submitted_at is not None
        lines += [
            "",
            f"<b>{number}. {html.escape(t._(TOPIC_LABELS[request.topic]))}</b> · "
            + t._(REGION_LABELS[request.region]),
            t._("{state} · sent {date}").format(
                state=_state_line(t, request), date=t.date(request.submitted_at, "medium")
            ),
        ]
        if request.state in OPEN_STATES:
            rows.append(
                [
                    InlineKeyboardButton(
                        t._("✖️ Withdraw request {number}").format(number=number),
                        callback_data=pack(MINE, "withdraw", request.id),
                    )
                ]
            )
    if _may_ask(context):
        rows.append([InlineKeyboardButton(t._("🤝 New request"), callback_data=OPEN)])
    rows.append([home_button(t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def mine_button(update: Update, context: BotContext) -> None:
    """“My requests”, and withdrawing one of them (asked once more)."""
    query = update.callback_query
    assert query is not None
    services, t, member = context.services, context.t, context.member
    if query.data == MINE_OPEN:
        await show_in_place(query, *await _mine_screen(context))
        return
    parts = unpack(query.data, MINE, 2)
    request_id = None if parts is None else number_part(parts[1], _MAX_ID_DIGITS)
    request = None if request_id is None else await services.contacts.get(request_id)
    if (
        parts is None
        or parts[0] not in ("withdraw", "withdraw_ok")
        or request is None
        or request.asker_id != member.id
    ):
        await answer_stale(query, t)
        return
    if parts[0] == "withdraw" and request.state in OPEN_STATES:
        text = t._(
            "Withdraw your request about “{topic}” ({region})? Whoever is being asked can then "
            "no longer accept it."
        ).format(topic=t._(TOPIC_LABELS[request.topic]), region=t._(REGION_LABELS[request.region]))
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t._("✖️ Yes, withdraw it"),
                        callback_data=pack(MINE, "withdraw_ok", request.id),
                    )
                ],
                [InlineKeyboardButton(t._("« Back"), callback_data=MINE_OPEN)],
            ]
        )
        await show_in_place(query, text, markup)
        return
    withdrawn = parts[0] == "withdraw_ok" and await services.contacts.withdraw(
        member.id, request.id, services.clock.now()
    )
    await query.answer(
        t._("Your request was withdrawn.") if withdrawn else t._("This request is no longer open.")
    )
    await replace(query, *await _mine_screen(context))


def conversation() -> ConversationHandler[BotContext]:
    return persistent_conversation(
        entry_points=[
            CommandHandler("contact", begin, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(begin, pattern=f"^{OPEN}$"),
        ],
        states={
            TOPIC: [
                CallbackQueryHandler(topic_button, pattern=pattern(PREFIX)),
                MessageHandler(NEW_MESSAGE, topic_reminder),
            ],
            RESUME: [
                CallbackQueryHandler(resume_button, pattern=pattern(PREFIX)),
                MessageHandler(NEW_MESSAGE, resume_reminder),
            ],
            DRAFTING: [
                CallbackQueryHandler(drafting_button, pattern=pattern(PREFIX)),
                MessageHandler(NEW_MESSAGE & filters.TEXT, typed),
                MessageHandler(NEW_MESSAGE, other_content),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="contact_request",
    )
