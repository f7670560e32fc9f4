"""Typed answers while staff change a published event (handlers/event_edit.py): each is
checked like the draft checks it (handlers/event_input.py, handlers/event_draft.py) and kept
with the question it leads to only when it is valid; otherwise one sentence says why and the
question stays. A photo, sticker or file gets a sentence too, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import ConversationHandler

from bot.context import BotContext
from handlers.access import still_staff
from handlers.event_draft import moment_problem, not_future
from handlers.event_edit_view import capacity_too_low, closed_text, question, same_text
from handlers.event_format import when
from handlers.event_input import (
    DESCRIPTION_MAX,
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
    seats_problem,
    title_problem,
    venue_problem,
)
from handlers.text_input import clean_name
from storage.event_edits import CONFIRM, EventEdit, Values, editable, quotas_of
from storage.events import Event

EDITING = "editing"  # a typed answer (or Save / Discard) is expected; which one is stored
Next = str | int | None  # a conversation state; None leaves it as it was


async def edit_of(context: BotContext) -> EventEdit | None:
    """The member's unsaved change, if any (one at a time)."""
    return await context.services.event_edits.get(context.member.id)


TypedStep = Callable[[Update, BotContext, Event, EventEdit, str], Awaitable[Next]]


async def _say(update: Update, text: str) -> str:
    """A typed answer that cannot be used: say why; the question stays."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(text)
    return EDITING


async def _kept(
    update: Update,
    context: BotContext,
    event: Event,
    step: str,
    values: Values,
) -> Next:
    """Keep a checked answer with the step it leads to, and ask that."""
    services, member = context.services, context.member
    ok = await services.event_edits.keep(member.id, event.id, step=step, values=values)
    message = update.effective_message
    assert message is not None
    if not ok:
        return await _lost(update, context)
    edit = await edit_of(context)
    assert edit is not None
    text, markup = await question(context, event, edit)
    await message.reply_text(text, reply_markup=markup)
    return EDITING


async def _lost(update: Update, context: BotContext) -> int:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t._("This change is no longer open. Tap ✏️ Edit on the event's card to start again.")
    )
    return ConversationHandler.END


async def _title(
    update: Update, context: BotContext, event: Event, edit: EventEdit, text: str
) -> Next:
    t, default = context.t, context.services.config.default_language
    title = clean_name(text, TITLE_LENGTH)
    if title is None:
        return await _say(update, title_problem(t))
    current = event.texts.get(edit.language or "")
    if current is not None and current.title == title:
        return await _say(update, same_text(t))
    # A translation's title is followed by its description, as in the draft.
    step = CONFIRM if edit.language == default else "description"
    return await _kept(update, context, event, step, {"title": title})


async def _description(
    update: Update, context: BotContext, event: Event, edit: EventEdit, text: str
) -> Next:
    t = context.t
    description = clean_block(text, DESCRIPTION_MAX)
    if description is None:
        return await _say(
            update,
            t._("Please send a description of at most {high} characters.").format(
                high=DESCRIPTION_MAX
            ),
        )
    current = event.texts.get(edit.language or "")
    if current is not None and current.description == description:
        return await _say(update, same_text(t))
    values: Values = {"description": description, "description_set": 1}
    return await _kept(update, context, event, CONFIRM, values)


async def _starts(
    update: Update, context: BotContext, event: Event, edit: EventEdit, text: str
) -> Next:
    t, services = context.t, context.services
    starts = parse_moment(text, services.config.timezone)
    if isinstance(starts, DateProblem):
        return await _say(update, moment_problem(t, starts))
    if starts <= services.clock.now():
        return await _say(update, not_future(t))
    return await _kept(update, context, event, "ends", {"starts_at": starts, "ends_at": None})


async def _ends(
    update: Update, context: BotContext, event: Event, edit: EventEdit, text: str
) -> Next:
    t, services = context.t, context.services
    starts = edit.starts_at
    assert starts is not None
    ends = parse_moment(text, services.config.timezone, same_day_as=starts)
    if isinstance(ends, DateProblem):
        return await _say(update, moment_problem(t, ends, time_only=True))
    if ends <= starts:
        return await _say(
            update,
            t._("The end must be after the start ({start}). Please send a later time.").format(
                start=when(t, starts)
            ),
        )
    if (starts, ends) == (event.starts_at, event.ends_at):
        return await _say(update, same_text(t))
    return await _kept(update, context, event, CONFIRM, {"ends_at": ends})


async def _venue(
    update: Update, context: BotContext, event: Event, edit: EventEdit, text: str
) -> Next:
    t = context.t
    venue = clean_block(text, VENUE_LENGTH[1], VENUE_LENGTH[0])
    if venue is None:
        return await _say(update, venue_problem(t))
    if venue == event.venue:
        return await _say(update, same_text(t))
    return await _kept(update, context, event, CONFIRM, {"venue": venue, "online_url": None})


async def _link(
    update: Update, context: BotContext, event: Event, edit: EventEdit, text: str
) -> Next:
    t = context.t
    link = parse_link(text)
    if isinstance(link, LinkProblem):
        return await _say(update, link_problem(t, link))
    if link == event.online_url:
        return await _say(update, same_text(t))
    return await _kept(update, context, event, CONFIRM, {"online_url": link, "venue": None})


async def _capacity(
    update: Update, context: BotContext, event: Event, edit: EventEdit, text: str
) -> Next:
    t, services = context.t, context.services
    seats = whole_number(text)
    held = await services.event_edits.seats_held(event)
    problem = seats_problem(t, seats, held.minimum)
    if problem is not None:
        return await _say(update, problem)
    assert seats is not None  # seats_problem finds a missing number a problem
    if seats < held.minimum:
        return await _say(update, capacity_too_low(t, event, held))
    if event.for_staff and seats == quotas_of(event):
        # As in the draft: team members take the seats the quotas leave.
        return await _say(
            update,
            t._(
                "Team members may attend too and take the seats the quotas leave. Please keep "
                "at least one of the {capacity} seats outside the quotas."
            ).format(capacity=seats),
        )
    if seats == event.capacity:
        return await _say(update, same_text(t))
    return await _kept(update, context, event, CONFIRM, {"capacity": seats})


async def _deadline(
    update: Update, context: BotContext, event: Event, edit: EventEdit, text: str
) -> Next:
    t, services = context.t, context.services
    starts = event.starts_at
    assert starts is not None
    deadline = parse_moment(text, services.config.timezone)
    if isinstance(deadline, DateProblem):
        return await _say(update, moment_problem(t, deadline))
    if deadline >= starts:
        return await _say(update, deadline_not_before(t, starts))
    if deadline <= services.clock.now():
        return await _say(update, not_future(t))
    if deadline == event.registration_deadline:
        return await _say(update, same_text(t))
    return await _kept(update, context, event, CONFIRM, {"registration_deadline": deadline})


_TYPED: dict[str, TypedStep] = {
    "title": _title,
    "description": _description,
    "starts": _starts,
    "ends": _ends,
    "venue": _venue,
    "link": _link,
    "capacity": _capacity,
    "deadline": _deadline,
}


async def _open_edit(update: Update, context: BotContext) -> tuple[Event, EventEdit] | Next:
    """The member's unsaved change and its event, for typed input; else the answer given."""
    services = context.services
    message = update.effective_message
    assert message is not None
    if not await still_staff(update, context, "conversation=event_edit", services.event_edits.drop):
        return ConversationHandler.END
    edit = await edit_of(context)
    if edit is None:
        return await _lost(update, context)
    event = await services.events.get(edit.event_id)
    if event is None or not editable(event, services.clock.now()):
        await services.event_edits.drop(context.member.id)
        await message.reply_text(closed_text(context.t, event))
        return ConversationHandler.END
    return event, edit


async def typed(update: Update, context: BotContext) -> Next:
    message = update.effective_message
    assert message is not None and message.text is not None
    found = await _open_edit(update, context)
    if not isinstance(found, tuple):
        return found
    event, edit = found
    answer = _TYPED.get(edit.step)
    if answer is None:  # the confirmation: its buttons answer it
        return await _remind(update, context, event, edit)
    return await answer(update, context, event, edit, message.text)


async def other_content(update: Update, context: BotContext) -> Next:
    """A photo, sticker, file or the like where a typed answer (or a tap) is expected."""
    found = await _open_edit(update, context)
    if not isinstance(found, tuple):
        return found
    event, edit = found
    if edit.step == CONFIRM:
        return await _remind(update, context, event, edit)
    return await _say(update, context.t._("Please answer with a text message."))


async def _remind(update: Update, context: BotContext, event: Event, edit: EventEdit) -> Next:
    assert update.effective_message is not None
    note = context.t._("Please tap “💾 Save” or “Discard”.")
    text, markup = await question(context, event, edit, note)
    await update.effective_message.reply_text(text, reply_markup=markup)
    return EDITING
