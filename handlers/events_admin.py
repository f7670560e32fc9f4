"""Staff create and publish events (/newevent, and 🗓 Manage events in the staff menu).

Creating is one persistent conversation. Every answer is stored at once in the draft (an
``events`` row in state 'draft', its texts and questions) together with the step it leads to
(``event_drafts``), so neither /cancel nor a restart loses anything: /newevent continues the
staff member's one open draft, or discards it and starts afresh. What the member types or taps
is judged against the step stored in the database; the conversation state only says that a
draft is being written (or that Continue / Start afresh was asked).

This module holds the entry points, publishing, the list of drafts and upcoming events and a
card per event; the steps are answered in handlers/event_draft.py, asked and previewed by
handlers/event_draft_view.py, and typed input is read by handlers/event_input.py. Every
command, button and typed answer checks again that the member is active staff, and every
button re-reads the draft: an old or forged one does nothing.
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
from bot.config import LANGUAGES
from bot.context import BotContext
from bot.i18n import Translator
from handlers.access import require_staff
from handlers.conversation_frame import NEW_MESSAGE, persistent_conversation
from handlers.event_attendance import attendance_rows
from handlers.event_draft import (
    DRAFTING,
    RESUME,
    ask,
    current_draft,
    lost,
    other_content,
    step_button,
    typed,
)
from handlers.event_draft_view import (
    CONTINUE,
    MAX_ID_DIGITS,
    NEW,
    PREVIEW_ACTIONS,
    STATE_ICONS,
    STATE_LABELS,
    Step,
    detail_lines,
    draft_button,
    language_name,
    preview_buttons,
    resume_question,
    title_of,
)
from handlers.event_draft_view import OPEN as OPEN  # the menu and bot/app.py use these
from handlers.event_draft_view import PREFIX as PREFIX
from handlers.event_draft_view import STEP as STEP
from handlers.event_edit_view import edit_rows
from handlers.event_export import export_button
from handlers.event_feedback_report import feedback_rows
from handlers.event_format import when
from handlers.event_manage import manage_rows
from handlers.navigation import (
    answer_stale,
    drop_buttons,
    home_button,
    show_in_place,
    unless_unchanged,
)
from handlers.pickers import paging_row
from storage.events import Event, PublishRefused, RegistrationCounts

PAGE_SIZE = 8
PAST = "past"  # the list of events that have ended
_MAX_PAGE_DIGITS = 4
_LABEL_LENGTH = 48
PREVIEW_BUTTONS = rf"^{STEP}:({'|'.join(PREVIEW_ACTIONS)}):"


async def begin(update: Update, context: BotContext) -> str | int:
    """/newevent and the list's “➕ New event”: a new draft, or the open one first."""
    query = update.callback_query
    what = "button=events_admin.new" if query is not None else "command=newevent"
    if not await require_staff(update, context, what):
        return ConversationHandler.END
    draft = await current_draft(context)
    if draft is None:
        return await ask(update, context)
    text, markup = resume_question(context.t, draft, context.services.config.default_language)
    if query is not None:
        await show_in_place(query, text, markup)
    else:
        assert update.effective_message is not None
        await update.effective_message.reply_text(text, reply_markup=markup)
    return RESUME


async def continue_from_card(update: Update, context: BotContext) -> str | int | None:
    """“Continue draft” on an event's card: the staff member's own open draft only."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=events_admin.continue"):
        return ConversationHandler.END
    parts = unpack(query.data, PREFIX, 2)
    event_id = None if parts is None else number_part(parts[1], MAX_ID_DIGITS)
    draft = await current_draft(context)
    if draft is None or draft.event.id != event_id:
        await answer_stale(query, context.t)
        return None  # whatever was open stays open
    return await ask(update, context)


async def resume_button(update: Update, context: BotContext) -> str | int:
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "conversation=newevent"):
        return ConversationHandler.END
    services = context.services
    parts = unpack(query.data, STEP, 2)
    event_id = None if parts is None else number_part(parts[1], MAX_ID_DIGITS)
    draft = await current_draft(context)
    if parts is None or parts[0] not in ("continue", "afresh") or event_id is None:
        await answer_stale(query, context.t)
        return RESUME
    if draft is None or draft.event.id != event_id:
        # Published or discarded meanwhile: there is nothing to continue, so begin anew.
        return await ask(update, context)
    if parts[0] == "afresh":
        await services.events.discard(draft.event.id, context.member.id, services.clock.now())
    return await ask(update, context)


async def resume_reminder(update: Update, context: BotContext) -> str | int:
    if not await require_staff(update, context, "conversation=newevent"):
        return ConversationHandler.END
    draft = await current_draft(context)
    if draft is None:
        return await ask(update, context)
    t = context.t
    text, markup = resume_question(t, draft, context.services.config.default_language)
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        t._("Please tap “Continue” or “Start afresh”.") + "\n\n" + text, reply_markup=markup
    )
    return RESUME


# ---------------------------------------------------------------- publishing


async def preview_button(update: Update, context: BotContext) -> str | int:
    """Publish, Discard draft (asked once more) and Back, under the preview of the draft."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "conversation=newevent"):
        return ConversationHandler.END
    services, t, member = context.services, context.t, context.member
    parts = unpack(query.data, STEP, 2)
    draft = await current_draft(context)
    if (
        parts is None
        or draft is None
        or draft.step != Step.PREVIEW
        or number_part(parts[1], MAX_ID_DIGITS) != draft.event.id
    ):
        await answer_stale(query, t)
        return DRAFTING
    action = parts[0]
    event_id = draft.event.id
    now = services.clock.now()
    if action == "publish":
        try:
            event = await services.events.publish(
                event_id, member.id, now, services.config.default_language
            )
        except PublishRefused as refused:
            return await _refused(update, context, refused.reason)
        await query.answer()
        await drop_buttons(query)
        assert update.effective_message is not None
        await update.effective_message.chat.send_message(
            t._("✅ Published: “{title}”. Members who may attend find it under /events.").format(
                title=html.escape(title_of(t, event, services.config.default_language))
            ),
            reply_markup=_after_markup(t),
        )
        return ConversationHandler.END
    if action == "discard":
        await query.answer()
        with unless_unchanged():
            await query.edit_message_reply_markup(
                InlineKeyboardMarkup(
                    [
                        [draft_button(t._("🗑 Yes, discard the draft"), "discard_ok", event_id)],
                        [draft_button(t._("« Back"), "back", event_id)],
                    ]
                )
            )
        return DRAFTING
    if action == "back":
        await query.answer()
        with unless_unchanged():
            await query.edit_message_reply_markup(preview_buttons(t, event_id))
        return DRAFTING
    if action == "discard_ok":
        if not await services.events.discard(event_id, member.id, now):
            return await lost(update, context)
        await query.answer()
        await drop_buttons(query)
        assert update.effective_message is not None
        await update.effective_message.chat.send_message(
            t._("🗑 The draft is discarded."), reply_markup=_after_markup(t)
        )
        return ConversationHandler.END
    await answer_stale(query, t)
    return DRAFTING


async def _refused(update: Update, context: BotContext, reason: str) -> str | int:
    query = update.callback_query
    assert query is not None
    t = context.t
    if reason == "gone":
        return await lost(update, context)
    if reason == "started":
        text = t._(
            "The start has passed since it was entered. Please discard this draft and create "
            "the event again."
        )
    elif reason == "deadline":
        text = t._(
            "The end of sign-up has passed since it was entered. Please discard this draft and "
            "create the event again."
        )
    else:
        text = t._("The draft is incomplete. Send /newevent to continue it.")
    await query.answer(text, show_alert=True)
    return DRAFTING


def _after_markup(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t._("🗓 Manage events"), callback_data=OPEN)], [home_button(t)]]
    )


async def cancel(update: Update, context: BotContext) -> int:
    assert update.effective_message is not None
    t = context.t
    kept = await current_draft(context) is not None
    await update.effective_message.reply_text(
        t._("The draft is kept; /newevent continues it.")
        if kept
        else t._("Cancelled. No draft was started.")
    )
    return ConversationHandler.END


# ---------------------------------------------------------------- the list and the cards


async def _list(
    context: BotContext, page: int, *, past: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """Drafts and upcoming events, or (``past``) the events that have ended."""
    services, t = context.services, context.t
    default = services.config.default_language
    now = services.clock.now()
    read = services.events.past_for_staff if past else services.events.all_for_staff
    events, total = await read(now, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if page >= pages:  # the list shrank since the button was made
        page = pages - 1
        events, total = await read(now, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    counts = await services.events.registration_counts([e.id for e in events])
    lines = ["<b>" + (t._("Past events") if past else t._("Events")) + "</b>"]
    if not total:
        lines.append(t._("No past events.") if past else t._("No drafts and no upcoming events."))
    else:
        count = (
            t.ngettext("{count} past event", "{count} past events", total)
            if past
            else t.ngettext(
                "{count} draft or upcoming event", "{count} drafts and upcoming events", total
            )
        )
        lines.append(
            count.format(count=total)
            + " · "
            + t._("page {page} of {pages}").format(page=page + 1, pages=pages)
        )
    rows: list[list[InlineKeyboardButton]] = []
    for event in events:
        title = title_of(t, event, default)
        lines += ["", f"{STATE_ICONS[event.state]} <b>{html.escape(title)}</b>"]
        lines.append(_summary(t, event, counts[event.id]))
        label = title if len(title) <= _LABEL_LENGTH else title[: _LABEL_LENGTH - 1] + "…"
        rows.append(
            [
                InlineKeyboardButton(
                    f"{STATE_ICONS[event.state]} {label}",
                    callback_data=pack(PREFIX, "show", event.id),
                )
            ]
        )
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, PAST if past else "page", n))
    if past:
        rows.append([InlineKeyboardButton(t._("« Events"), callback_data=OPEN)])
    else:
        rows.append([InlineKeyboardButton(t._("➕ New event"), callback_data=NEW)])
        rows.append(
            [InlineKeyboardButton(t._("🗂 Past events"), callback_data=pack(PREFIX, PAST, 0))]
        )
    rows.append([home_button(t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _summary(t: Translator, event: Event, counts: RegistrationCounts) -> str:
    state = t._(STATE_LABELS[event.state])
    date = when(t, event.starts_at) if event.starts_at else t._("no date yet")
    if event.state == "draft":
        return t._("{state} · {date}").format(state=state, date=date)
    return t._("{state} · {date} · {confirmed} confirmed, {waiting} waiting").format(
        state=state, date=date, confirmed=counts.confirmed, waiting=counts.waiting
    )


async def _card(context: BotContext, event: Event) -> tuple[str, InlineKeyboardMarkup]:
    services, t = context.services, context.t
    default = services.config.default_language
    counts = (await services.events.registration_counts([event.id]))[event.id]
    questions = await services.events.questions(event.id)
    languages = [language_name(t, code) for code in LANGUAGES if code in event.texts]
    lines = [
        f"{STATE_ICONS[event.state]} <b>{html.escape(title_of(t, event, default))}</b>",
        t._("State: {state}").format(state=t._(STATE_LABELS[event.state])),
        *detail_lines(t, event),
        t._("Registrations: {confirmed} confirmed, {waiting} waiting").format(
            confirmed=counts.confirmed, waiting=counts.waiting
        ),
        t.ngettext("{count} question at sign-up", "{count} questions at sign-up", len(questions))
        .format(count=len(questions)),
        t._("Languages: {languages}").format(languages=", ".join(languages) or t._("none yet")),
    ]  # fmt: skip
    rows: list[list[InlineKeyboardButton]] = []
    if event.state == "draft" and event.created_by == context.member.id:
        rows.append(
            [
                InlineKeyboardButton(
                    t._("▶️ Continue draft"), callback_data=pack(PREFIX, CONTINUE, event.id)
                )
            ]
        )
    if event.state != "draft":
        rows.append([export_button(t, event.id)])
    rows += attendance_rows(t, event, context.services.clock.now())
    rows += await feedback_rows(context, event)
    rows += edit_rows(t, event, context.services.clock.now())
    rows += manage_rows(t, event, context.services.clock.now())
    if event.ends_at is not None and event.ends_at <= context.services.clock.now():
        rows.append(
            [InlineKeyboardButton(t._("« Past events"), callback_data=pack(PREFIX, PAST, 0))]
        )
    else:
        rows.append([InlineKeyboardButton(t._("« Events"), callback_data=OPEN)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def button(update: Update, context: BotContext) -> None:
    """The list's and the cards' buttons (new and continued drafts are the conversation's)."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=events_admin"):
        return
    services = context.services
    if query.data == OPEN:
        await show_in_place(query, *await _list(context, 0))
        return
    parts = unpack(query.data, PREFIX, 2)
    number = None if parts is None else number_part(parts[1], MAX_ID_DIGITS)
    if parts is not None and number is not None:
        if parts[0] in ("page", PAST) and len(parts[1]) <= _MAX_PAGE_DIGITS:
            await show_in_place(query, *await _list(context, number, past=parts[0] == PAST))
            return
        event = await services.events.get(number) if parts[0] == "show" else None
        if event is not None:
            await show_in_place(query, *await _card(context, event))
            return
    await answer_stale(query, context.t)


async def old_step_button(update: Update, context: BotContext) -> None:
    """A drafting button while no draft conversation is open (after /cancel, or forged)."""
    query = update.callback_query
    assert query is not None
    if await require_staff(update, context, "button=events_admin.step"):
        await answer_stale(query, context.t)


def conversation() -> ConversationHandler[BotContext]:
    return persistent_conversation(
        entry_points=[
            CommandHandler("newevent", begin, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(begin, pattern=f"^{NEW}$"),
            CallbackQueryHandler(continue_from_card, pattern=rf"^{PREFIX}:{CONTINUE}:"),
        ],
        states={
            RESUME: [
                CallbackQueryHandler(resume_button, pattern=pattern(STEP)),
                MessageHandler(NEW_MESSAGE, resume_reminder),
            ],
            DRAFTING: [
                CallbackQueryHandler(preview_button, pattern=PREVIEW_BUTTONS),
                CallbackQueryHandler(step_button, pattern=pattern(STEP)),
                MessageHandler(NEW_MESSAGE & filters.TEXT, typed),
                MessageHandler(NEW_MESSAGE, other_content),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="new_event",
    )
