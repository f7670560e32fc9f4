"""Answering the steps of an event draft: each typed answer or tap is checked against the
step stored with the draft, stored at once together with the next step, and the next question
asked. Wrong input is answered with one sentence and the step stays; a button that does not
fit the stored step is answered as outdated.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import ConversationHandler

from bot.callbacks import unpack
from bot.config import LANGUAGES
from bot.context import BotContext
from bot.i18n import Translator
from handlers.access import require_staff
from handlers.event_draft_view import (
    STEP,
    TYPED_STEPS,
    Step,
    language_name,
    preview,
    preview_buttons,
    step_of,
    step_prompt,
)
from handlers.event_format import when
from handlers.event_input import (
    DESCRIPTION_MAX,
    MAX_QUESTIONS,
    OPTION_MAX,
    OPTIONS,
    QUESTION_LENGTH,
    SEATS,
    TITLE_LENGTH,
    VENUE_LENGTH,
    DateProblem,
    LinkProblem,
    clean_block,
    parse_link,
    parse_moment,
    whole_number,
)
from handlers.event_problems import (
    deadline_not_before,
    link_problem,
    question_problem,
    seats_problem,
    title_problem,
    venue_problem,
)
from handlers.navigation import (
    answer_stale,
    drop_buttons,
    show_in_place,
)
from handlers.text_input import clean_name
from storage.events import (
    EVENT_KINDS,
    QUESTION_KINDS,
    DraftProgress,
    Event,
    EventDraft,
    Question,
)
from storage.vocabulary import REGIONS, ROLES

RESUME = "resume"  # Continue the open draft, or Start afresh?
DRAFTING = "drafting"  # which answer is due is stored with the draft


async def current_draft(context: BotContext) -> EventDraft | None:
    return await context.services.events.open_draft(context.member.id)


async def ask(update: Update, context: BotContext, note: str | None = None) -> str:
    """Ask for what the draft (read again) needs next: in place of the tapped message, or as
    a new message after a typed answer."""
    draft = await current_draft(context)
    query = update.callback_query
    message = update.effective_message
    assert message is not None
    questions = [] if draft is None else await context.services.events.questions(draft.event.id)
    if draft is not None and draft.step == Step.PREVIEW and note is None:
        if query is not None:
            await query.answer()
            await drop_buttons(query)
        texts = await preview(context, draft, questions)
        for text in texts[:-1]:
            await message.chat.send_message(text)
        await message.chat.send_message(
            texts[-1], reply_markup=preview_buttons(context.t, draft.event.id)
        )
        return DRAFTING
    text, markup = step_prompt(context, draft, questions)
    if note is not None:
        text = f"{note}\n\n{text}"
    if query is not None:
        await show_in_place(query, text, markup)
    else:
        await message.reply_text(text, reply_markup=markup)
    return DRAFTING


async def say(update: Update, text: str) -> str:
    """A typed answer that cannot be used: say why; the step stays."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(text)
    return DRAFTING


async def lost(update: Update, context: BotContext) -> int:
    text = context.t._("This draft is no longer open. /newevent starts a new one.")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return ConversationHandler.END


async def saved(update: Update, context: BotContext, ok: bool) -> str | int:
    return await ask(update, context) if ok else await lost(update, context)


TypedStep = Callable[[Update, BotContext, EventDraft, str], Awaitable[str | int]]


def moment_problem(t: Translator, problem: DateProblem, *, time_only: bool = False) -> str:
    if problem is DateProblem.NO_SUCH_MOMENT:
        return t._("That day or time does not exist. Please check the date and time.")
    if problem is DateProblem.SKIPPED:
        return t._(
            "That time does not exist on that day: the clocks are put forward. Please send "
            "another time."
        )
    if problem is DateProblem.TWICE:
        return t._(
            "That time occurs twice on that day: the clocks are put back. Please send another time."
        )
    if time_only:
        return t._(
            "I could not read that. Please send the date and time like 2027-03-14 17:00, or "
            "only the time like 17:00."
        )
    return t._(
        "I could not read that. Please send the date and time like 2027-03-14 10:00 or "
        "14.03.2027 10:00."
    )


def not_future(t: Translator) -> str:
    return t._("That is not in the future. Please send a later date and time.")


async def _title(update: Update, context: BotContext, draft: EventDraft, text: str) -> str | int:
    t, services = context.t, context.services
    title = clean_name(text, TITLE_LENGTH)
    if title is None:
        return await say(update, title_problem(t))
    translating = draft.step == Step.TR_TITLE and draft.language is not None
    language = draft.language if translating and draft.language else None
    ok = await services.events.set_draft_title(
        draft.event.id,
        language or services.config.default_language,
        title,
        services.clock.now(),
        step=Step.TR_DESCRIPTION if language else Step.DESCRIPTION,
        progress=DraftProgress(language=language),
    )
    return await saved(update, context, ok)


async def _description(
    update: Update, context: BotContext, draft: EventDraft, text: str | None
) -> str | int:
    """A typed description, or None for “Skip”."""
    t, services = context.t, context.services
    description = None
    if text is not None:
        description = clean_block(text, DESCRIPTION_MAX)
        if description is None:
            return await say(
                update,
                t._(
                    "Please send a description of at most {high} characters, or tap “Skip”."
                ).format(high=DESCRIPTION_MAX),
            )
    language = draft.language if draft.step == Step.TR_DESCRIPTION else None
    step, progress = Step.STARTS, DraftProgress()
    if language is not None:  # then the questions, in the language being added
        questions = await services.events.questions(draft.event.id)
        step, progress = _next_translation(questions, language, None)
    ok = await services.events.set_draft_description(
        draft.event.id,
        language or services.config.default_language,
        description,
        services.clock.now(),
        step=step,
        progress=progress,
    )
    return await saved(update, context, ok)


async def _starts(update: Update, context: BotContext, draft: EventDraft, text: str) -> str | int:
    t, services = context.t, context.services
    now = services.clock.now()
    starts = parse_moment(text, services.config.timezone)
    if isinstance(starts, DateProblem):
        return await say(update, moment_problem(t, starts))
    if starts <= now:
        return await say(update, not_future(t))
    ok = await services.events.save_draft(
        draft.event.id,
        now,
        step=Step.ENDS,
        fields={"starts_at": starts, "ends_at": None, "registration_deadline": None},
    )
    return await saved(update, context, ok)


async def _ends(update: Update, context: BotContext, draft: EventDraft, text: str) -> str | int:
    t, services = context.t, context.services
    starts = draft.event.starts_at
    assert starts is not None
    ends = parse_moment(text, services.config.timezone, same_day_as=starts)
    if isinstance(ends, DateProblem):
        return await say(update, moment_problem(t, ends, time_only=True))
    if ends <= starts:
        return await say(
            update,
            t._("The end must be after the start ({start}). Please send a later time.").format(
                start=when(t, starts)
            ),
        )
    ok = await services.events.save_draft(
        draft.event.id, services.clock.now(), step=Step.PLACE, fields={"ends_at": ends}
    )
    return await saved(update, context, ok)


async def _venue(update: Update, context: BotContext, draft: EventDraft, text: str) -> str | int:
    t, services = context.t, context.services
    venue = clean_block(text, VENUE_LENGTH[1], VENUE_LENGTH[0])
    if venue is None:
        return await say(update, venue_problem(t))
    ok = await services.events.save_draft(
        draft.event.id,
        services.clock.now(),
        step=Step.REGION,
        fields={"venue": venue, "online_url": None},
    )
    return await saved(update, context, ok)


async def _link(update: Update, context: BotContext, draft: EventDraft, text: str) -> str | int:
    t, services = context.t, context.services
    link = parse_link(text)
    if isinstance(link, LinkProblem):
        return await say(update, link_problem(t, link))
    ok = await services.events.save_draft(
        draft.event.id,
        services.clock.now(),
        step=Step.REGION,
        fields={"online_url": link, "venue": None},
    )
    return await saved(update, context, ok)


def _takes_quotas(event: Event) -> bool:
    """Seats kept for each side only make sense when both sides may attend."""
    return event.for_police and event.for_community


async def _capacity(update: Update, context: BotContext, draft: EventDraft, text: str) -> str | int:
    t, services = context.t, context.services
    seats = whole_number(text)
    problem = seats_problem(t, seats, SEATS[0])
    if problem is not None:
        return await say(update, problem)
    assert seats is not None  # seats_problem finds a missing number a problem
    quotas = _takes_quotas(draft.event)
    ok = await services.events.save_draft(
        draft.event.id,
        services.clock.now(),
        step=Step.QUOTAS if quotas else Step.DEADLINE,
        fields={"capacity": seats, "police_seats": None, "community_seats": None},
    )
    return await saved(update, context, ok)


async def _quotas(update: Update, context: BotContext, draft: EventDraft, text: str) -> str | int:
    t, services = context.t, context.services
    capacity = draft.event.capacity
    assert capacity is not None
    numbers = [whole_number(part) for part in re.split(r"[\s,;/]+", text.strip()) if part]
    if len(numbers) != 2 or None in numbers:
        return await say(
            update,
            t._(
                "Please send two numbers: seats for police contacts, then seats for community "
                "representatives, like “20 20”; or tap “No separate quotas”."
            ),
        )
    police, community = (n or 0 for n in numbers)
    if police < 1 or community < 1:
        return await say(
            update,
            t._(
                "Each side needs at least one seat. To keep no seats for either side, tap "
                "“No separate quotas”."
            ),
        )
    if police + community > capacity:
        return await say(
            update,
            t._(
                "Together that is {sum} seats, but the event has {capacity}. Please send "
                "smaller numbers."
            ).format(sum=police + community, capacity=capacity),
        )
    if draft.event.for_staff and police + community == capacity:
        # Team members take the seats the quotas leave; with none left they would wait
        # for a seat that does not exist.
        return await say(
            update,
            t._(
                "Team members may attend too and take the seats the quotas leave. Please keep "
                "at least one of the {capacity} seats outside the quotas."
            ).format(capacity=capacity),
        )
    ok = await services.events.save_draft(
        draft.event.id,
        services.clock.now(),
        step=Step.DEADLINE,
        fields={"police_seats": police, "community_seats": community},
    )
    return await saved(update, context, ok)


async def _deadline(
    update: Update, context: BotContext, draft: EventDraft, text: str | None
) -> str | int:
    """A typed deadline, or None for “Until the start”."""
    t, services = context.t, context.services
    now = services.clock.now()
    starts = draft.event.starts_at
    assert starts is not None
    if text is None:
        deadline = starts
    else:
        typed = parse_moment(text, services.config.timezone)
        if isinstance(typed, DateProblem):
            return await say(update, moment_problem(t, typed))
        if typed >= starts:
            return await say(update, deadline_not_before(t, starts))
        deadline = typed
    if deadline <= now:
        return await say(update, not_future(t))
    ok = await services.events.save_draft(
        draft.event.id, now, step=Step.QUESTIONS, fields={"registration_deadline": deadline}
    )
    return await saved(update, context, ok)


async def _question_text(
    update: Update, context: BotContext, draft: EventDraft, text: str
) -> str | int:
    t, services = context.t, context.services
    prompt = clean_name(text, QUESTION_LENGTH)
    if prompt is None:
        return await say(update, question_problem(t))
    kind = draft.question_kind
    if kind not in QUESTION_KINDS:
        return await lost(update, context)
    question_id = await services.events.add_draft_question(
        draft.event.id,
        kind,
        {services.config.default_language: prompt},
        services.clock.now(),
        step=Step.Q_OPTIONS if kind == "choice" else Step.Q_SENSITIVE,
    )
    return await saved(update, context, question_id is not None)


async def _options(update: Update, context: BotContext, draft: EventDraft, text: str) -> str | int:
    t, services = context.t, context.services
    lines = [line for line in text.splitlines() if line.strip()]
    options = [clean_name(line, (1, OPTION_MAX)) for line in lines]
    low, high = OPTIONS
    if not low <= len(options) <= high:
        return await say(
            update,
            t._("Please send {low} to {high} options, one per line.").format(low=low, high=high),
        )
    cleaned = [o for o in options if o is not None]
    if len(cleaned) != len(options):
        return await say(
            update,
            t._("Each option must be one line of at most {count} characters.").format(
                count=OPTION_MAX
            ),
        )
    if len({o.casefold() for o in cleaned}) != len(cleaned):
        return await say(update, t._("Each option must be different from the others."))
    if draft.question_id is None:
        return await lost(update, context)
    language = services.config.default_language
    ok = await services.events.set_draft_question(
        draft.event.id,
        draft.question_id,
        services.clock.now(),
        step=Step.Q_SENSITIVE,
        progress=DraftProgress(question_id=draft.question_id),
        options=[{language: option} for option in cleaned],
    )
    return await saved(update, context, ok)


# ---------------------------------------------------------------- questions in other languages


def _next_translation(
    questions: list[Question], language: str, after: Question | None, *, options: bool = False
) -> tuple[str, DraftProgress]:
    """Where adding ``language`` goes on: the options of ``after`` (a single choice whose
    text was just given), else the text of the question after it, else the languages."""
    if options and after is not None and after.options:
        return Step.TR_OPTIONS, DraftProgress(question_id=after.id, language=language)
    later = [q for q in questions if after is None or q.position > after.position]
    if later:
        return Step.TR_QUESTION, DraftProgress(question_id=later[0].id, language=language)
    return Step.TRANSLATIONS, DraftProgress()


async def _translating(
    context: BotContext, draft: EventDraft
) -> tuple[list[Question], Question, str] | None:
    """The draft's questions, the one being translated and the language; None when the
    draft no longer names them."""
    questions = await context.services.events.questions(draft.event.id)
    question = next((q for q in questions if q.id == draft.question_id), None)
    if question is None or draft.language is None:
        return None
    return questions, question, draft.language


async def _translations_left(update: Update, context: BotContext, draft: EventDraft) -> str | int:
    """The question being translated is gone: back to the languages."""
    services = context.services
    ok = await services.events.save_draft(
        draft.event.id, services.clock.now(), step=Step.TRANSLATIONS
    )
    return await saved(update, context, ok)


async def _translated_prompt(
    update: Update, context: BotContext, draft: EventDraft, text: str
) -> str | int:
    t, services = context.t, context.services
    prompt = clean_name(text, QUESTION_LENGTH)
    if prompt is None:
        return await say(update, question_problem(t))
    target = await _translating(context, draft)
    if target is None:
        return await _translations_left(update, context, draft)
    questions, question, language = target
    step, progress = _next_translation(questions, language, question, options=True)
    ok = await services.events.translate_draft_question(
        draft.event.id,
        question.id,
        language,
        services.clock.now(),
        step=step,
        progress=progress,
        prompt=prompt,
    )
    return await saved(update, context, ok)


async def _translated_options(
    update: Update, context: BotContext, draft: EventDraft, text: str
) -> str | int:
    t, services = context.t, context.services
    target = await _translating(context, draft)
    if target is None:
        return await _translations_left(update, context, draft)
    questions, question, language = target
    count = len(question.options)
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != count:
        return await say(
            update,
            t.ngettext(
                "Please send exactly {count} option, one per line, in the same order as in "
                "{language}.",
                "Please send exactly {count} options, one per line, in the same order as in "
                "{language}.",
                count,
            ).format(count=count, language=language_name(t, services.config.default_language)),
        )
    options = [clean_name(line, (1, OPTION_MAX)) for line in lines]
    cleaned = [o for o in options if o is not None]
    if len(cleaned) != count:
        return await say(
            update,
            t._("Each option must be one line of at most {count} characters.").format(
                count=OPTION_MAX
            ),
        )
    if len({o.casefold() for o in cleaned}) != count:
        return await say(update, t._("Each option must be different from the others."))
    step, progress = _next_translation(questions, language, question)
    ok = await services.events.translate_draft_question(
        draft.event.id,
        question.id,
        language,
        services.clock.now(),
        step=step,
        progress=progress,
        options=cleaned,
    )
    return await saved(update, context, ok)


async def _skip_translation(update: Update, context: BotContext, draft: EventDraft) -> str | int:
    """“Skip”: the question keeps what it has (its text skipped: its options too)."""
    target = await _translating(context, draft)
    if target is None:
        return await _translations_left(update, context, draft)
    questions, question, language = target
    step, progress = _next_translation(questions, language, question)
    services = context.services
    ok = await services.events.save_draft(
        draft.event.id, services.clock.now(), step=step, progress=progress
    )
    return await saved(update, context, ok)


async def _typed_description(
    update: Update, context: BotContext, draft: EventDraft, text: str
) -> str | int:
    return await _description(update, context, draft, text)


async def _typed_deadline(
    update: Update, context: BotContext, draft: EventDraft, text: str
) -> str | int:
    return await _deadline(update, context, draft, text)


_TYPED: dict[str, TypedStep] = {
    Step.TITLE: _title,
    Step.TR_TITLE: _title,
    Step.DESCRIPTION: _typed_description,
    Step.TR_DESCRIPTION: _typed_description,
    Step.STARTS: _starts,
    Step.ENDS: _ends,
    Step.VENUE: _venue,
    Step.LINK: _link,
    Step.CAPACITY: _capacity,
    Step.QUOTAS: _quotas,
    Step.DEADLINE: _typed_deadline,
    Step.Q_TEXT: _question_text,
    Step.Q_OPTIONS: _options,
    Step.TR_QUESTION: _translated_prompt,
    Step.TR_OPTIONS: _translated_options,
}
assert set(_TYPED) == TYPED_STEPS


async def typed(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None and message.text is not None
    if not await require_staff(update, context, "conversation=newevent"):
        return ConversationHandler.END
    draft = await current_draft(context)
    answer = None if draft is None else _TYPED.get(draft.step)
    if draft is None or answer is None:
        return await ask(update, context, context.t._("Please tap one of the buttons."))
    return await answer(update, context, draft, message.text)


async def other_content(update: Update, context: BotContext) -> str | int:
    """A photo, sticker, file or the like: say what is expected, and ask again."""
    if not await require_staff(update, context, "conversation=newevent"):
        return ConversationHandler.END
    t = context.t
    draft = await current_draft(context)
    if draft is not None and draft.step in TYPED_STEPS:
        note = t._("Please answer with a text message.")
    else:
        note = t._("Please tap one of the buttons.")
    return await ask(update, context, note)


# ---------------------------------------------------------------- buttons


async def step_button(update: Update, context: BotContext) -> str | int:
    """Every button of the drafting steps; one that does not fit the stored step is old."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "conversation=newevent"):
        return ConversationHandler.END
    services, t, member = context.services, context.t, context.member
    now = services.clock.now()
    draft = await current_draft(context)
    step = step_of(draft)
    data = query.data if isinstance(query.data, str) else ""
    one, two = unpack(data, STEP, 1), unpack(data, STEP, 2)

    if draft is None:
        if two is not None and two[0] == "kind" and two[1] in EVENT_KINDS:
            started = await services.events.start_draft(member.id, two[1], now, step=Step.TITLE)
            if started is not None:
                return await ask(update, context)
        await answer_stale(query, t)
        return DRAFTING
    event_id = draft.event.id

    match step, one, two:
        case Step.DESCRIPTION | Step.TR_DESCRIPTION, ["skip"], _:
            return await _description(update, context, draft, None)
        case Step.PLACE | Step.VENUE | Step.LINK, _, ["place", ("venue" | "online") as where]:
            ok = await services.events.save_draft(
                event_id,
                now,
                step=Step.VENUE if where == "venue" else Step.LINK,
                progress=DraftProgress(place=where),
            )
            return await saved(update, context, ok)
        case Step.REGION, _, ["region", region] if region in REGIONS:
            ok = await services.events.save_draft(
                event_id, now, step=Step.AUDIENCE, fields={"region": region}
            )
            return await saved(update, context, ok)
        case Step.AUDIENCE, _, ["aud", role] if role in ROLES:
            ok = await services.events.toggle_draft_audience(event_id, role, now)
            return await saved(update, context, ok)
        case Step.AUDIENCE, _, ["aud", "done"]:
            if not any(draft.event.admits(role) for role in ROLES):
                await query.answer(t._("Please choose at least one group."), show_alert=True)
                return DRAFTING
            ok = await services.events.save_draft(event_id, now, step=Step.CAPACITY)
            return await saved(update, context, ok)
        case Step.QUOTAS, ["noquota"], _:
            ok = await services.events.save_draft(
                event_id,
                now,
                step=Step.DEADLINE,
                fields={"police_seats": None, "community_seats": None},
            )
            return await saved(update, context, ok)
        case Step.DEADLINE, ["atstart"], _:
            starts = draft.event.starts_at
            if starts is None or starts <= now:
                await query.answer(not_future(t), show_alert=True)
                return DRAFTING
            return await _deadline(update, context, draft, None)
        case Step.QUESTIONS, _, ["q", "add"]:
            if len(await services.events.questions(event_id)) >= MAX_QUESTIONS:
                await answer_stale(query, t)
                return DRAFTING
            ok = await services.events.save_draft(event_id, now, step=Step.Q_KIND)
            return await saved(update, context, ok)
        case Step.QUESTIONS, _, ["q", "done"]:
            ok = await services.events.save_draft(event_id, now, step=Step.TRANSLATIONS)
            return await saved(update, context, ok)
        case Step.Q_KIND, _, ["q", "back"]:
            ok = await services.events.save_draft(event_id, now, step=Step.QUESTIONS)
            return await saved(update, context, ok)
        case Step.Q_KIND, _, ["qkind", kind] if kind in QUESTION_KINDS:
            ok = await services.events.save_draft(
                event_id, now, step=Step.Q_TEXT, progress=DraftProgress(question_kind=kind)
            )
            return await saved(update, context, ok)
        case Step.Q_SENSITIVE, _, ["sens", ("0" | "1") as flag] if draft.question_id:
            ok = await services.events.set_draft_question(
                event_id,
                draft.question_id,
                now,
                step=Step.Q_REQUIRED,
                progress=DraftProgress(question_id=draft.question_id),
                sensitive=flag == "1",
            )
            return await saved(update, context, ok)
        case Step.Q_REQUIRED, _, ["req", ("0" | "1") as flag] if draft.question_id:
            ok = await services.events.set_draft_question(
                event_id, draft.question_id, now, step=Step.QUESTIONS, required=flag == "1"
            )
            return await saved(update, context, ok)
        case Step.TRANSLATIONS, _, ["tr", "add"]:
            ok = await services.events.save_draft(event_id, now, step=Step.TR_LANGUAGE)
            return await saved(update, context, ok)
        case Step.TRANSLATIONS, _, ["tr", "done"]:
            ok = await services.events.save_draft(event_id, now, step=Step.PREVIEW)
            return await saved(update, context, ok)
        case Step.TR_LANGUAGE, _, ["tr", "back"]:
            ok = await services.events.save_draft(event_id, now, step=Step.TRANSLATIONS)
            return await saved(update, context, ok)
        case Step.TR_LANGUAGE, _, ["trlang", language] if (
            language in LANGUAGES and language != services.config.default_language
        ):
            ok = await services.events.save_draft(
                event_id, now, step=Step.TR_TITLE, progress=DraftProgress(language=language)
            )
            return await saved(update, context, ok)
        case Step.TR_QUESTION | Step.TR_OPTIONS, _, [("trskip" | "troskip") as skip, number] if (
            # The question's own Skip: a double tap must not skip the next question too.
            number == str(draft.question_id or 0)
            and (skip == "trskip") == (step == Step.TR_QUESTION)
        ):
            return await _skip_translation(update, context, draft)
    await answer_stale(query, t)
    return DRAFTING
