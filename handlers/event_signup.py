"""Signing up for an event: the event's questions one by one, then the seat.

A persistent conversation asks each question (a typed answer, or a button for a choice,
yes/no, or skipping an optional question) and stores each answer as it comes, so a restart
or a pause loses nothing: tapping "Sign up" again goes on where it stopped. Then the seat is
decided in one transaction (storage/registrations.py) and the member gets the confirmation
with the calendar file, or their place on the waiting list.
"""

from __future__ import annotations

import html

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import number_part
from bot.context import BotContext
from handlers.conversation_frame import NEW_MESSAGE, persistent_conversation
from handlers.event_format import (
    MAX_ID_DIGITS,
    PREFIX,
    Do,
    action_button,
    all_events_button,
    claim_hours,
    event_of,
    event_text,
    localised,
    parts_of,
    place,
    refusal_text,
    span,
    state_line,
    when,
)
from handlers.events import details_screen, send_calendar
from handlers.navigation import answer_stale, replace
from storage.events import Event, Question
from storage.registrations import ANSWER_MAX, Decision, Refusal, Registration, signup_refusal

ANSWER = "answer"  # conversation state: waiting for the answer to a question
# These buttons belong to the conversation; every other events button is stateless.
PATTERN = rf"^{PREFIX}:({Do.SIGNUP}|{Do.ANSWER}|{Do.SKIP}):"
YES, NO = "y", "n"


async def signup_step(update: Update, context: BotContext) -> str | int | None:
    """Sign up, answer a question with a button, or skip one; returns the state to wait in."""
    query = update.callback_query
    assert query is not None
    t = context.t
    match parts_of(query.data):
        case [Do.SIGNUP, event_part]:
            event = await event_of(context, event_part)
            if event is None:
                await answer_stale(query, t)
                return None
            return await _sign_up(update, query, context, event)
        case [Do.ANSWER, event_part, question_part, value]:
            return await _button_answer(query, context, event_part, question_part, value)
        case [Do.SKIP, event_part, question_part]:
            return await _button_answer(query, context, event_part, question_part, None)
    await answer_stale(query, t)
    return None


async def _sign_up(
    update: Update, query: CallbackQuery, context: BotContext, event: Event
) -> str | int:
    services, t, member = context.services, context.t, context.member
    now = services.clock.now()
    refusal = (
        Refusal.NOT_MEMBER if not member.is_active else signup_refusal(event, member.role, now)
    )
    registration = await services.registrations.get(event.id, member.id)
    if registration is not None and registration.state in ("confirmed", "waitlisted", "offered"):
        # A double tap, or an old button: show where they stand.
        position = await services.registrations.position(registration)
        await query.answer(
            t._("You have signed up for this event already.")
            + "\n"
            + state_line(t, registration, position),
            show_alert=True,
        )
        return ConversationHandler.END
    if refusal is not None:
        await query.answer(refusal_text(t, refusal, event, member.role), show_alert=True)
        return ConversationHandler.END
    # Decided at once when there is no question to ask (one transaction).
    decision = await services.registrations.sign_up(
        event.id, member.id, event.seat_for(member.role), now
    )
    await query.answer()
    message = update.effective_message
    assert message is not None
    if decision.registration is not None and decision.registration.state == "answering":
        return await _go_on(message, context, event, decision.registration)
    await _report(message, context, event, decision)
    return ConversationHandler.END


async def _next_question(
    context: BotContext, registration: Registration
) -> tuple[Question | None, int, int]:
    """The first unanswered question, its number from 1, and how many there are."""
    services = context.services
    questions = await services.events.questions(registration.event_id)
    answered = await services.registrations.answers(registration.id)
    for number, question in enumerate(questions, start=1):
        if question.id not in answered:
            return question, number, len(questions)
    return None, len(questions), len(questions)


async def _go_on(
    message: Message, context: BotContext, event: Event, registration: Registration
) -> str | int:
    """Ask the next question, or decide the seat when every one is answered."""
    question, number, total = await _next_question(context, registration)
    if question is not None:
        await _ask(message, context, event, question, number, total)
        return ANSWER
    decision = await context.services.registrations.decide(
        registration.id, context.services.clock.now()
    )
    if decision.registration is not None and decision.registration.state == "answering":
        # A question was added meanwhile: ask it.
        return await _go_on(message, context, event, decision.registration)
    await _report(message, context, event, decision)
    return ConversationHandler.END


def _question_text(
    context: BotContext, event: Event, question: Question, number: int, total: int
) -> str:
    t = context.t
    default = context.services.config.default_language
    lines = [
        t._("<b>{title}</b> – question {number} of {total}").format(
            title=html.escape(event_text(context, event).title), number=number, total=total
        ),
        "",
        html.escape(localised(t, question.prompt, default)),
        "",
    ]
    if question.kind == "text":
        lines.append(
            t._("Please send your answer as a message (at most {count} characters).").format(
                count=ANSWER_MAX
            )
        )
    else:
        lines.append(t._("Please tap your answer."))
    if not question.required:
        lines.append(t._("This question is optional."))
    if question.sensitive:
        lines.append(t._("🔒 Only the network team sees your answer."))
    lines.append(t._("/cancel stops signing up."))
    return "\n".join(lines)


def _question_keyboard(
    context: BotContext, event: Event, question: Question
) -> InlineKeyboardMarkup | None:
    t = context.t
    default = context.services.config.default_language
    rows: list[list[InlineKeyboardButton]] = []
    if question.kind == "choice":
        rows += [
            [
                action_button(
                    localised(t, option, default)[:64] or str(index + 1),
                    Do.ANSWER,
                    event.id,
                    question.id,
                    index,
                )
            ]
            for index, option in enumerate(question.options)
        ]
    elif question.kind == "yes_no":
        rows.append(
            [
                action_button(t._("Yes"), Do.ANSWER, event.id, question.id, YES),
                action_button(t._("No"), Do.ANSWER, event.id, question.id, NO),
            ]
        )
    if not question.required:
        rows.append([action_button(t._("Skip"), Do.SKIP, event.id, question.id)])
    return InlineKeyboardMarkup(rows) if rows else None


async def _ask(
    message: Message, context: BotContext, event: Event, question: Question, number: int, total: int
) -> None:
    await message.reply_text(
        _question_text(context, event, question, number, total),
        reply_markup=_question_keyboard(context, event, question),
    )


def _stored_answer(
    context: BotContext, question: Question, value: str | None
) -> tuple[str, str] | None:
    """What a button answer stores (language-neutral for staff) and shows the member; None
    when the value is not one this question offers."""
    t = context.t
    if value is None:
        return ("", t._("skipped")) if not question.required else None
    if question.kind == "yes_no" and value in (YES, NO):
        return ("yes", t._("Yes")) if value == YES else ("no", t._("No"))
    if question.kind == "choice":
        index = number_part(value, 3)
        if index is not None and index < len(question.options):
            option = question.options[index]
            default = context.services.config.default_language
            # Stored in the default language, the one staff wrote the question in.
            stored = option.get(default) or next(iter(option.values()), "")
            return stored[:ANSWER_MAX], localised(t, option, default)
    return None


async def _button_answer(
    query: CallbackQuery,
    context: BotContext,
    event_part: str,
    question_part: str,
    value: str | None,
) -> str | int | None:
    services, t, member = context.services, context.t, context.member
    event = await event_of(context, event_part)
    question_id = number_part(question_part, MAX_ID_DIGITS)
    if event is None or question_id is None:
        await answer_stale(query, t)
        return None
    registration = await services.registrations.get(event.id, member.id)
    if registration is None or registration.state != "answering":
        await query.answer(
            t._("This sign-up is no longer open. Tap “Sign up” on the event to begin again."),
            show_alert=True,
        )
        return None
    question, _, _ = await _next_question(context, registration)
    if question is None or question.id != question_id:
        await query.answer(t._("This question has been answered already."), show_alert=True)
        return None
    answer = _stored_answer(context, question, value)
    if answer is None:
        await answer_stale(query, t)
        return None
    stored, shown = answer
    if not await services.registrations.answer(registration.id, question.id, stored):
        await query.answer(t._("This question has been answered already."), show_alert=True)
        return None
    await query.answer()
    await _show_answered(query, context, event, question, shown)
    assert isinstance(query.message, Message)
    return await _go_on(query.message, context, event, registration)


async def _show_answered(
    query: CallbackQuery, context: BotContext, event: Event, question: Question, shown: str
) -> None:
    """The question stays readable with the answer given, and loses its buttons."""
    t = context.t
    default = context.services.config.default_language
    text = "\n".join(
        [
            f"<b>{html.escape(event_text(context, event).title)}</b>",
            html.escape(localised(t, question.prompt, default)),
            t._("Your answer: {answer}").format(answer=html.escape(shown)),
        ]
    )
    await replace(query, text)


async def _current(
    update: Update, context: BotContext
) -> tuple[Message, Event, Registration, Question] | None:
    """For a typed message: the unfinished sign-up and its open question; None (and the
    member told) when there is none."""
    message = update.effective_message
    assert message is not None
    services, t, member = context.services, context.t, context.member
    registration = await services.registrations.answering(member.id)
    event = None if registration is None else await services.events.get(registration.event_id)
    if registration is None or event is None:
        await message.reply_text(
            t._("This sign-up is no longer open. Tap “Sign up” on the event to begin again.")
        )
        return None
    question, _, _ = await _next_question(context, registration)
    if question is None:
        await _go_on(message, context, event, registration)
        return None
    return message, event, registration, question


async def text_given(update: Update, context: BotContext) -> str | int:
    current = await _current(update, context)
    if current is None:
        return ConversationHandler.END
    message, event, registration, question = current
    t = context.t
    if question.kind != "text":
        await message.reply_text(t._("Please answer with one of the buttons."))
        number, total = await _numbering(context, registration, question)
        await _ask(message, context, event, question, number, total)
        return ANSWER
    assert message.text is not None
    answer = message.text.strip()
    if len(answer) > ANSWER_MAX:
        await message.reply_text(
            t._(
                "That is too long: please answer in at most {count} characters "
                "(yours has {length})."
            ).format(count=ANSWER_MAX, length=len(answer))
        )
        return ANSWER
    if not answer:
        await message.reply_text(t._("Please send your answer as a text message."))
        return ANSWER
    await context.services.registrations.answer(registration.id, question.id, answer)
    return await _go_on(message, context, event, registration)


async def other_given(update: Update, context: BotContext) -> str | int:
    """A photo, sticker or anything else while a question waits."""
    current = await _current(update, context)
    if current is None:
        return ConversationHandler.END
    message, _, _, question = current
    t = context.t
    if question.kind == "text":
        await message.reply_text(t._("Please send your answer as a text message."))
    else:
        await message.reply_text(t._("Please answer with one of the buttons."))
    return ANSWER


async def _numbering(
    context: BotContext, registration: Registration, question: Question
) -> tuple[int, int]:
    questions = await context.services.events.questions(registration.event_id)
    ids = [q.id for q in questions]
    return (ids.index(question.id) + 1 if question.id in ids else 1), len(questions)


async def stop_signing_up(update: Update, context: BotContext) -> int:
    """/cancel while questions are asked: the unfinished sign-up and its answers go."""
    assert update.effective_message is not None
    t = context.t
    if await context.services.registrations.drop_unfinished(context.member.id):
        text = t._("Signing up stopped. The answers you gave were deleted.")
    else:
        text = t._("There was nothing to stop.")
    await update.effective_message.reply_text(text)
    return ConversationHandler.END


async def _report(message: Message, context: BotContext, event: Event, decision: Decision) -> None:
    """What signing up came to: a seat (with the calendar file), a place in line, or why not."""
    t, member = context.t, context.member
    registration = decision.registration
    if registration is None:
        refusal = decision.refusal or Refusal.NOT_FOUND
        await message.reply_text(refusal_text(t, refusal, event, member.role))
        return
    title = html.escape(event_text(context, event).title)
    keyboard = InlineKeyboardMarkup(
        [
            [action_button(t._("🎟 My registrations"), Do.MINE), all_events_button(t)],
        ]
    )
    if registration.state == "confirmed":
        lines = [
            t._("✅ You are registered for <b>{title}</b>.").format(title=title),
            t._("🕒 {span}").format(span=span(t, event)),
            place(t, event, confirmed=True),
        ]
        if event.registration_deadline is not None:
            lines.append(
                t._("You can cancel under /events until {date}.").format(
                    date=when(t, event.registration_deadline)
                )
            )
        await message.reply_text("\n".join(lines), reply_markup=keyboard)
        await send_calendar(message, context, event)
        return
    if registration.state == "waitlisted":
        text = "\n".join(
            [
                t._(
                    "⏳ <b>{title}</b> is fully booked. You are on the waiting list: "
                    "position {position}."
                ).format(title=title, position=decision.position or "?"),
                t.ngettext(
                    "If a seat becomes free, it is offered to you here, and you have {count} "
                    "hour to accept it.",
                    "If a seat becomes free, it is offered to you here, and you have {count} "
                    "hours to accept it.",
                    claim_hours(),
                ).format(count=claim_hours()),
            ]
        )
        await message.reply_text(text, reply_markup=keyboard)
        return
    # Offered (a seat freed while they were answering): the details say how to accept.
    text, markup = await details_screen(context, event)
    await message.reply_text(text, reply_markup=markup)


def conversation() -> ConversationHandler[BotContext]:
    """Signing up and the questions it asks."""
    # Tracked per chat, not per message, on purpose: a member answers one sign-up's
    # questions at a time (starting another drops the unfinished one).
    return persistent_conversation(
        entry_points=[CallbackQueryHandler(signup_step, pattern=PATTERN)],
        states={
            ANSWER: [
                MessageHandler(NEW_MESSAGE & filters.TEXT, text_given),
                MessageHandler(NEW_MESSAGE, other_given),
            ],
        },
        fallbacks=[CommandHandler("cancel", stop_signing_up)],
        name="event_signup",
    )
