"""Staff change a published event that has not begun (✏️ Edit on the staff event card).

One field at a time: a title or description in one of the five languages (a translation can
be added or removed; the default language's title stays), the date and time (start, then
end), the place (a venue or an https link), the capacity or the registration deadline. Each
answer is checked like the draft checks it (handlers/event_edit_answers.py) and kept in the
database only when it is valid (storage/event_edits.py), so a restart or
/cancel loses nothing and ✏️ Edit continues at the same question. A confirmation shows old →
new and, for a change of time or place, how many registrants will be told; Save applies it in
one transaction (audited ``event.edit``) and tells them through the outbox.

The conversation "event_edit" only says that a typed answer is expected; what is asked is
stored with the change. Every button is an entry point that re-reads the member's role, the
event and the unsaved change, so an old or forged one does nothing.
"""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import number_part, pattern, unpack
from bot.config import LANGUAGES
from bot.context import BotContext
from handlers.access import require_staff
from handlers.conversation_frame import NEW_MESSAGE, persistent_conversation
from handlers.event_draft import not_future
from handlers.event_draft_view import language_name
from handlers.event_edit_answers import EDITING, Next, edit_of, other_content, typed
from handlers.event_edit_view import (
    MAX_ID_DIGITS,
    PER_LANGUAGE,
    PREFIX,
    Do,
    capacity_too_low,
    change_notice,
    closed_text,
    language_screen,
    menu_screen,
    place_screen,
    question,
    resume_screen,
    same_text,
    saved_screen,
)
from handlers.event_format import when
from handlers.events import notices
from handlers.navigation import answer_stale, drop_buttons, show_in_place
from storage.event_edits import CONFIRM, EventEdit, Outcome, Problem, Saved, editable
from storage.events import Event


async def _ask(
    query: CallbackQuery, context: BotContext, event: Event, note: str | None = None
) -> Next:
    """Show the question the member's unsaved change stopped at, in place of the tapped
    message."""
    edit = await edit_of(context)
    if edit is None or edit.event_id != event.id:
        await answer_stale(query, context.t)
        return None
    await show_in_place(query, *await question(context, event, edit, note))
    return EDITING


async def _begin(
    query: CallbackQuery,
    context: BotContext,
    event: Event,
    field: str,
    step: str,
    *,
    language: str | None = None,
    note: str | None = None,
) -> Next:
    services = context.services
    await services.event_edits.begin(
        context.member.id, event.id, field, step, services.clock.now(), language=language
    )
    return await _ask(query, context, event, note)


# ---------------------------------------------------------------- buttons


def _parts(data: object) -> list[str] | None:
    for arity in (2, 3, 4):
        parts = unpack(data, PREFIX, arity)
        if parts is not None:
            return parts
    return None


async def button(update: Update, context: BotContext) -> Next:
    """Every button of editing (each is an entry point: see the module docstring)."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=event_edit"):
        return ConversationHandler.END
    services, t = context.services, context.t
    parts = _parts(query.data)
    event_id = None if parts is None else number_part(parts[1], MAX_ID_DIGITS)
    event = None if event_id is None else await services.events.get(event_id)
    if parts is None or event is None or event.state == "draft":
        await answer_stale(query, t)
        return None
    edit = await edit_of(context)
    if not editable(event, services.clock.now()):
        if edit is not None and edit.event_id == event.id:
            await services.event_edits.drop(context.member.id)
        await query.answer(closed_text(t, event), show_alert=True)
        return None
    action, rest = parts[0], parts[2:]
    ours = edit if edit is not None and edit.event_id == event.id else None
    match action, rest:
        case Do.OPEN, []:
            return await _open(query, context, event, edit)
        case Do.RESUME, [] if ours is not None:
            return await _ask(query, context, event)
        case Do.AFRESH | Do.MENU, []:
            if action == Do.AFRESH or ours is not None:
                await services.event_edits.drop(context.member.id)
            await show_in_place(query, *menu_screen(context, event))
            return ConversationHandler.END
        case Do.FIELD, [("title" | "description") as field]:
            await show_in_place(query, *language_screen(context, event, field))
            return ConversationHandler.END  # a screen of buttons: no typed answer expected
        case Do.FIELD, ["place"]:
            await show_in_place(query, *place_screen(context, event))
            return ConversationHandler.END
        case Do.FIELD, [("time" | "capacity" | "deadline") as field]:
            first = {"time": "starts", "capacity": "capacity", "deadline": "deadline"}[field]
            return await _begin(query, context, event, field, first)
        case Do.LANGUAGE, [field, language] if field in PER_LANGUAGE and language in LANGUAGES:
            if field == "description" and language not in event.texts:
                note = t._("There is no text in {language} yet: first its title.").format(
                    language=language_name(t, language)
                )
                return await _begin(
                    query, context, event, "title", "title", language=language, note=note
                )
            return await _begin(query, context, event, field, field, language=language)
        case Do.PLACE, [("venue" | "online") as where]:
            return await _begin(
                query, context, event, "place", "venue" if where == "venue" else "link"
            )
        case Do.SAVE, []:
            return await _save(query, context, event)
        case Do.DISCARD, [] if ours is not None:
            await services.event_edits.drop(context.member.id)
            note = t._("The change is discarded; nothing was changed.")
            await show_in_place(query, *menu_screen(context, event, note))
            return ConversationHandler.END
        case Do.DISCARD, []:
            await query.answer(t._("This change was saved already, or discarded."), show_alert=True)
            await drop_buttons(query)
            return None
    if ours is not None and not rest:
        return await _step_button(query, context, event, ours, action)
    await answer_stale(query, t)
    return None


async def _open(
    query: CallbackQuery, context: BotContext, event: Event, edit: EventEdit | None
) -> Next:
    """✏️ Edit: where an unsaved change of this event stopped, else the menu; an unsaved
    change of another event is offered first."""
    services = context.services
    if edit is not None and edit.event_id == event.id:
        return await _ask(query, context, event)
    if edit is not None:
        unsaved = await services.events.get(edit.event_id)
        if unsaved is not None and editable(unsaved, services.clock.now()):
            await show_in_place(query, *resume_screen(context, unsaved, event))
            return ConversationHandler.END
        await services.event_edits.drop(context.member.id)
    await show_in_place(query, *menu_screen(context, event))
    return ConversationHandler.END


async def _step_button(
    query: CallbackQuery, context: BotContext, event: Event, edit: EventEdit, action: str
) -> Next:
    """The buttons beside a question: they answer it, so they must fit the stored step."""
    services, t, member = context.services, context.t, context.member
    current = event.texts.get(edit.language or "")
    match action, edit.step:
        case Do.KEEP, "description" if edit.field == "title":
            ok = await services.event_edits.keep(member.id, event.id, step=CONFIRM)
        case Do.NO_DESCRIPTION, "description" if current is not None and current.description:
            ok = await services.event_edits.keep(
                member.id,
                event.id,
                step=CONFIRM,
                values={"description": None, "description_set": 1},
            )
        case Do.REMOVE, "title" if (
            current is not None and edit.language != services.config.default_language
        ):
            await services.event_edits.begin(
                member.id, event.id, "remove", CONFIRM, services.clock.now(), language=edit.language
            )
            ok = True
        case Do.AT_START, "deadline":
            assert event.starts_at is not None
            if event.starts_at == event.registration_deadline:
                await query.answer(same_text(t), show_alert=True)
                return None
            ok = await services.event_edits.keep(
                member.id, event.id, step=CONFIRM, values={"registration_deadline": event.starts_at}
            )
        case _:
            await answer_stale(query, t)
            return None
    if not ok:
        await answer_stale(query, t)
        return None
    return await _ask(query, context, event)


async def _save(query: CallbackQuery, context: BotContext, event: Event) -> Next:
    services, t = context.services, context.t
    default = services.config.default_language
    saved = await services.event_edits.save(
        context.member.id,
        event.id,
        services.clock.now(),
        default,
        notice=change_notice(services.catalogs),
        offers=notices(services.catalogs),
    )
    if saved.outcome is Outcome.GONE:
        await query.answer(t._("This change was saved already, or discarded."), show_alert=True)
        await drop_buttons(query)
        return None
    if saved.outcome is Outcome.CLOSED:
        await query.answer(closed_text(t, saved.event), show_alert=True)
        await drop_buttons(query)
        return ConversationHandler.END
    assert saved.event is not None
    if saved.outcome is Outcome.ASK_AGAIN:
        if saved.problem is Problem.NO_TRANSLATION:
            note = t._("That text was removed meanwhile, so nothing was changed.")
            await show_in_place(query, *menu_screen(context, saved.event, note))
            return ConversationHandler.END
        return await _ask(query, context, saved.event, _problem_text(context, saved))
    text, markup = saved_screen(
        t, saved.event, default, saved.told, saved.offered, saved.deadline_moved
    )
    await show_in_place(query, text, markup)
    return ConversationHandler.END


def _problem_text(context: BotContext, saved: Saved) -> str:
    """Why a confirmed change no longer fits, found when saving it."""
    assert saved.event is not None
    t = context.t
    if saved.problem is Problem.CAPACITY:
        assert saved.seats is not None
        return (
            t._("Meanwhile more seats were taken.")
            + " "
            + capacity_too_low(t, saved.event, saved.seats)
        )
    if saved.problem is Problem.DEADLINE_AFTER_START:
        assert saved.event.starts_at is not None
        return t._(
            "Sign-up must end before the start ({start}). Please send an earlier date and "
            "time, or tap “Until the start”."
        ).format(start=when(t, saved.event.starts_at))
    return not_future(t)


async def cancel(update: Update, context: BotContext) -> int:
    assert update.effective_message is not None
    t = context.t
    kept = await edit_of(context) is not None
    await update.effective_message.reply_text(
        t._("The change is not saved yet; ✏️ Edit on the event's card continues it.")
        if kept
        else t._("Cancelled. Nothing was changed.")
    )
    return ConversationHandler.END


def conversation() -> ConversationHandler[BotContext]:
    return persistent_conversation(
        entry_points=[CallbackQueryHandler(button, pattern=pattern(PREFIX))],
        states={
            EDITING: [
                MessageHandler(NEW_MESSAGE & filters.TEXT, typed),
                MessageHandler(NEW_MESSAGE, other_content),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="event_edit",
    )
