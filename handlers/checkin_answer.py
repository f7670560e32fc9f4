"""A project member answers the quarterly check-in: one question at a time, a review, submit;
changes until the round closes. (Rendering: handlers/checkin_review.py; the member's list:
checkin_list.py; "out of office this round": checkin_away.py.)

Entry: ``ckin:go:<round>:<project>`` (on the prompt and reminders the jobs send, on the
hand-over message and in the member's /checkin list) takes the project's shared draft
(storage/checkins.py). Which project and question the chat is at lives in the database
(``checkin_projects.answering_id`` and ``position``), not in the conversation: the persistent
conversation "checkin_answer" only says that typed input is expected, so after a restart the
member continues at the same question.

Every button carries the round, the project and (for answers) the question's index, and is
checked against the database at the tap: the member must still answer for the project, the
round must be open, they must hold the draft and the question must be the one asked. A button
for a project the member may not touch, or for a closed round, is refused and audited
(``CheckinRepository.refuse``); an outdated button of their own is answered as outdated.
"""

from __future__ import annotations

import html

from telegram import CallbackQuery, Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import number_part, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers import checkin_values as values
from handlers.checkin_review import (
    ANSWER,
    CHANGE,
    GO,
    LATER,
    PREFIX,
    SKIP,
    SUBMIT,
    context_message,
    day,
    next_position,
    questions_of,
    show_position,
)
from handlers.conversation_frame import NEW_MESSAGE, persistent_conversation
from handlers.navigation import answer_stale, drop_buttons
from storage.checkins import Answer, CheckinRefused, Refusal, Round, RoundProject

ANSWERING = "answering"  # conversation state: typed input answers the question asked


# Checking a tap ------------------------------------------------------------------------


def ids_of(query: CallbackQuery, action: str, extra: int = 0) -> list[int] | None:
    """round, project (and ``extra`` more numbers) of a well-formed ``action`` button."""
    parts = unpack(query.data, PREFIX, 3 + extra)
    if parts is None or parts[0] != action:
        return None
    numbers = [number_part(p) for p in parts[1:]]
    return None if any(n is None for n in numbers) else [n for n in numbers if n is not None]


def _answer_tap(query: CallbackQuery) -> tuple[list[int], str | None] | None:
    """(round, project, question index) and the value of an answer button (None: Skip)."""
    skip = ids_of(query, SKIP, 1)
    if skip is not None:
        return skip, None
    parts = unpack(query.data, PREFIX, 5)
    if parts is None or parts[0] != ANSWER:
        return None
    numbers = [number_part(p) for p in parts[1:4]]
    if any(n is None for n in numbers):
        return None
    return [n for n in numbers if n is not None], parts[4]


async def _closed(context: BotContext, round_: Round, project_id: int) -> str:
    services = context.services
    await services.checkins.refuse(
        round_.id, project_id, context.member.id, Refusal.CLOSED, services.clock.now()
    )
    return context.t._("This round closed on {date}; answers can no longer be changed.").format(
        date=day(context.t, round_.closes_at)
    )


async def check_tap(
    query: CallbackQuery, context: BotContext, round_id: int, project_id: int
) -> tuple[Round, RoundProject] | None:
    """The round and the project's part in it, when the member may change it now; else the
    member is told (and a forged or late tap audited) and None."""
    services, member = context.services, context.member
    now = services.clock.now()
    round_ = await services.checkins.get(round_id)
    project = None if round_ is None else await services.checkins.project(round_id, project_id)
    if (
        round_ is None
        or project is None
        or not await services.checkins.may_see(project_id, member.id)
    ):
        await services.checkins.refuse(round_id, project_id, member.id, Refusal.NOT_MEMBER, now)
        await answer_stale(query, context.t)
        return None
    if not round_.is_open(now):
        await query.answer()
        assert query.message is not None
        await context.bot.send_message(
            query.message.chat.id, await _closed(context, round_, project_id)
        )
        return None
    return round_, project


async def tell_refused(
    context: BotContext, chat_id: int, exc: CheckinRefused, round_: Round, project: RoundProject
) -> None:
    """Say why a change was not made (the state changed between the check and the change)."""
    t = context.t
    if exc.reason is Refusal.CLOSED:
        text = await _closed(context, round_, project.project_id)
    elif exc.reason is Refusal.LOCKED:
        text = _locked(t, exc.holder, project.project_name)
    elif exc.reason is Refusal.NOT_MEMBER:
        await context.services.checkins.refuse(
            round_.id,
            project.project_id,
            context.member.id,
            Refusal.NOT_MEMBER,
            context.services.clock.now(),
        )
        text = t._("You no longer answer for this project.")
    else:
        text = t._("You are not answering this check-in right now. Send /checkin to continue.")
    await context.bot.send_message(chat_id, text)


def _locked(t: Translator, holder: str | None, project: str) -> str:
    return t._(
        "{name} is answering for {project} right now; you can continue when they have "
        "submitted or paused."
    ).format(name=html.escape(holder or t._("Another member")), project=html.escape(project))


# Starting and answering -----------------------------------------------------------------


async def _start(query: CallbackQuery, context: BotContext, round_id: int, project_id: int) -> bool:
    services, member = context.services, context.member
    allowed = await check_tap(query, context, round_id, project_id)
    if allowed is None:
        return False
    round_, _ = allowed
    now = services.clock.now()
    assert query.message is not None
    chat_id = query.message.chat.id
    try:
        project = await services.checkins.take(round_id, project_id, member.id, now)
    except CheckinRefused as exc:
        await query.answer()
        await tell_refused(context, chat_id, exc, round_, allowed[1])
        return False
    await query.answer()
    # One draft at a time per member: the chat answers one project.
    for other in await services.checkins.member_projects(round_id, member.id):
        if other.project_id != project_id and other.answering_id == member.id:
            await services.checkins.release(round_id, other.project_id, member.id)
    if project.submitted_at is None:
        previous = await context_message(context, round_, project)
        if previous is not None:
            await context.bot.send_message(chat_id, previous)
    if project.position is None and project.submitted_at is None:
        questions = await questions_of(context, round_)
        answers = await services.checkins.answers(round_id, project_id)
        first = next((i for i, q in enumerate(questions) if q.key not in answers), None)
        if first is not None:
            await services.checkins.move(round_id, project_id, member.id, first, now)
    await show_position(context, chat_id, round_, project_id)
    return True


async def _holding(
    query: CallbackQuery, context: BotContext, round_id: int, project_id: int, index: int | None
) -> tuple[Round, RoundProject] | None:
    """For a tap inside the draft: the member may change it, holds it, and (``index``) the
    question is the one asked."""
    allowed = await check_tap(query, context, round_id, project_id)
    if allowed is None:
        return None
    _, project = allowed
    if project.answering_id != context.member.id or (
        index is not None and project.position != index
    ):
        await answer_stale(query, context.t)
        return None
    return allowed


async def _save(
    context: BotContext,
    chat_id: int,
    round_: Round,
    project: RoundProject,
    index: int,
    value: str | None,
) -> None:
    services = context.services
    questions = await questions_of(context, round_)
    answers = await services.checkins.answers(round_.id, project.project_id)
    answers[questions[index].key] = Answer(questions[index].key, value, None, services.clock.now())
    following = next_position(questions, answers, index)
    try:
        await services.checkins.save_answer(
            round_.id,
            project.project_id,
            context.member.id,
            questions[index].key,
            value,
            following,
            services.clock.now(),
        )
    except CheckinRefused as exc:
        await tell_refused(context, chat_id, exc, round_, project)
        return
    await show_position(context, chat_id, round_, project.project_id)


async def tapped(update: Update, context: BotContext) -> str | int:
    """Every button of the draft: go, an answer, skip, continue later, change, submit."""
    query = update.callback_query
    assert query is not None and query.message is not None
    chat_id = query.message.chat.id
    t = context.t
    if (ids := ids_of(query, GO)) is not None:
        return ANSWERING if await _start(query, context, *ids) else ConversationHandler.END
    answer = _answer_tap(query)
    if answer is not None:
        ids, value = answer
        held = await _holding(query, context, ids[0], ids[1], ids[2])
        if held is None:
            return ANSWERING
        round_, project = held
        questions = await questions_of(context, round_)
        question = questions[ids[2]]
        if value is not None:
            if not values.valid_tap(question, value, context.services.config.default_language):
                await answer_stale(query, t)
                return ANSWERING
        elif question.required:
            await answer_stale(query, t)
            return ANSWERING
        await query.answer()
        shown = values.shown(
            t, question, value, t.language, context.services.config.default_language
        )
        await _mark_answered(query, shown)
        await _save(context, chat_id, round_, project, ids[2], value)
        return ANSWERING
    if (ids := ids_of(query, LATER)) is not None:
        held = await _holding(query, context, ids[0], ids[1], None)
        if held is None:
            return ANSWERING
        await context.services.checkins.release(ids[0], ids[1], context.member.id)
        await query.answer()
        await drop_buttons(query)
        await context.bot.send_message(chat_id, _paused(t))
        return ConversationHandler.END
    if (ids := ids_of(query, CHANGE, 1)) is not None:
        held = await _holding(query, context, ids[0], ids[1], None)
        if held is None:
            return ANSWERING
        round_, project = held
        questions = await questions_of(context, round_)
        if ids[2] >= len(questions):
            await answer_stale(query, t)
            return ANSWERING
        await context.services.checkins.move(
            ids[0], ids[1], context.member.id, ids[2], context.services.clock.now()
        )
        await query.answer()
        await drop_buttons(query)
        await show_position(context, chat_id, round_, ids[1])
        return ANSWERING
    if (ids := ids_of(query, SUBMIT)) is not None:
        held = await _holding(query, context, ids[0], ids[1], None)
        if held is None:
            return ANSWERING
        await query.answer()
        return await _submit(query, context, *held)
    await answer_stale(query, t)
    return ANSWERING


async def _mark_answered(query: CallbackQuery, shown: str) -> None:
    """The question keeps its text and shows the answer given, without its buttons."""
    message = query.message
    if isinstance(message, Message) and message.text_html is not None:
        await query.edit_message_text(
            f"{message.text_html}\n\n✅ {html.escape(shown)}", reply_markup=None
        )
    else:
        await drop_buttons(query)


def _paused(t: Translator) -> str:
    return t._(
        "Paused. Your answers so far are saved; continue any time with /checkin until the round "
        "closes."
    )


async def _submit(
    query: CallbackQuery, context: BotContext, round_: Round, project: RoundProject
) -> str | int:
    services, t, member = context.services, context.t, context.member
    assert query.message is not None
    chat_id = query.message.chat.id
    questions = await questions_of(context, round_)
    required = [q.key for q in questions if q.required]
    now = services.clock.now()
    try:
        first = await services.checkins.submit(
            round_.id, project.project_id, member.id, required, now
        )
    except CheckinRefused as exc:
        if exc.reason is not Refusal.INCOMPLETE:
            await tell_refused(context, chat_id, exc, round_, project)
            return ConversationHandler.END
        answers = await services.checkins.answers(round_.id, project.project_id)
        missing = [
            i
            for i, q in enumerate(questions)
            if q.required and (q.key not in answers or answers[q.key].value is None)
        ]
        await services.checkins.move(round_.id, project.project_id, member.id, missing[0], now)
        await drop_buttons(query)
        problem = t.ngettext(
            "Question {numbers} needs an answer before you can submit.",
            "Questions {numbers} need an answer before you can submit.",
            len(missing),
        ).format(numbers=", ".join(str(i + 1) for i in missing))
        await show_position(context, chat_id, round_, project.project_id, problem)
        return ANSWERING
    await drop_buttons(query)
    name = html.escape(member.display_name or "")
    project_name = html.escape(project.project_name)
    if first:
        text = t._(
            "Thank you! The check-in of {project} is submitted (by {name}). You can change "
            "it until {date} with /checkin."
        ).format(project=project_name, name=name, date=day(t, round_.closes_at))
    else:
        text = t._(
            "Your changes to the check-in of {project} are saved (by {name}). Thank you!"
        ).format(project=project_name, name=name)
    await context.bot.send_message(chat_id, text)
    return ConversationHandler.END


# Typed input ----------------------------------------------------------------------------


async def _held(context: BotContext) -> tuple[Round, RoundProject] | None:
    """The draft this member holds in the open round (at most one: starting one releases
    the others)."""
    services, member = context.services, context.member
    round_ = await services.checkins.current(services.clock.now())
    if round_ is None:
        return None
    for project in await services.checkins.member_projects(round_.id, member.id):
        if project.answering_id == member.id:
            return round_, project
    return None


async def _not_answering(message: Message, context: BotContext) -> int:
    await message.reply_text(
        context.t._(
            "You are not answering a check-in right now. Send /checkin to see your projects."
        )
    )
    return ConversationHandler.END


async def typed(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None and message.text is not None
    held = await _held(context)
    if held is None:
        return await _not_answering(message, context)
    round_, project = held
    t = context.t
    if project.position is None:
        await show_position(
            context,
            message.chat.id,
            round_,
            project.project_id,
            t._("Please use the buttons below the review."),
        )
        return ANSWERING
    questions = await questions_of(context, round_)
    index = project.position
    default = context.services.config.default_language
    try:
        value = values.parse_text(t, questions[index], message.text, t.language, default)
    except values.Invalid as invalid:
        await show_position(context, message.chat.id, round_, project.project_id, invalid.message)
        return ANSWERING
    await _save(context, message.chat.id, round_, project, index, value)
    return ANSWERING


async def other_input(update: Update, context: BotContext) -> str | int:
    """A photo, sticker, document, voice message and the like, or an edited message: the
    rule for the question, and the question again."""
    message = update.effective_message
    assert message is not None
    held = await _held(context)
    if held is None:
        return await _not_answering(message, context)
    round_, project = held
    t = context.t
    if update.edited_message is not None:
        problem = t._(
            "I only read new messages, not edits. Please send your correction as a new message."
        )
    elif project.position is None:
        problem = t._("Please use the buttons below the review.")
    else:
        questions = await questions_of(context, round_)
        problem = values.rule(t, questions[project.position])
    await show_position(context, message.chat.id, round_, project.project_id, problem)
    return ANSWERING


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel while answering: the same as “Continue later”."""
    message = update.effective_message
    assert message is not None
    held = await _held(context)
    if held is None:
        await message.reply_text(
            context.t._("There is nothing to cancel. Send /start to open the menu.")
        )
        return ConversationHandler.END
    round_, project = held
    await context.services.checkins.release(round_.id, project.project_id, context.member.id)
    await message.reply_text(_paused(context.t))
    return ConversationHandler.END


def _buttons() -> BaseHandler[Update, BotContext, object]:
    actions = "|".join((GO, ANSWER, SKIP, LATER, CHANGE, SUBMIT))
    return CallbackQueryHandler(tapped, pattern=rf"^{PREFIX}:({actions}):")


def conversation() -> ConversationHandler[BotContext]:
    buttons = _buttons()
    # Tracked per chat on purpose: one draft per member at a time, wherever it was begun.
    return persistent_conversation(
        entry_points=[buttons],
        states={
            ANSWERING: [
                buttons,
                MessageHandler(NEW_MESSAGE & filters.TEXT, typed),
                MessageHandler(NEW_MESSAGE | filters.UpdateType.EDITED_MESSAGE, other_input),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="checkin_answer",
    )
