"""/broadcast (staff): compose an announcement — the default language's version (formatted
text, or a photo or document with a caption), other languages' versions, the audience, the
language fallback — preview it, then send it now, schedule it, or discard it.

One persistent conversation whose only state says that a broadcast is being composed; the
draft and the author's step live in the database (handlers/broadcast_draft.py), so a restart
continues at the same step, and /cancel discards the draft. Every input is judged against the
stored step; every button re-reads the draft. Releasing (services.broadcasts.release) hands it
to the delivery part, which queues it, asks for approval, and reports progress.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import CallbackQuery, InlineKeyboardButton, Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.config import LANGUAGES as ALL_LANGUAGES
from bot.context import BotContext
from handlers import broadcast_audience
from handlers.access import require_staff, still_staff
from handlers.broadcast_draft import (
    AUDIENCE,
    FALLBACK,
    LANGUAGES,
    OPEN,
    PREVIEW,
    SCHEDULE,
    TEXT,
    VERSION,
    Tap,
    default_language,
    language_name,
    own_draft,
    parse,
    uncovered,
    version_language,
)
from handlers.broadcast_draft import BUTTONS as BUTTONS  # bot/app.py registers them
from handlers.broadcast_message import CAPTION_MAX, MESSAGE_MAX, payload
from handlers.broadcast_screens import schedule_prompt, step_screen, summary
from handlers.conversation_frame import NEW_MESSAGE, persistent_conversation
from handlers.event_format import when
from handlers.event_input import DateProblem, parse_moment
from handlers.navigation import answer_stale, drop_buttons, show_in_place
from storage.broadcasts import Broadcast

COMPOSING = "composing"
SCHEDULE_AHEAD = timedelta(days=90)
OPEN_PATTERN = f"^{OPEN}$"


async def _reload(context: BotContext, broadcast: Broadcast) -> Broadcast:
    fresh = await context.services.broadcasts.get(broadcast.id)
    assert fresh is not None
    return fresh


async def _go(context: BotContext, broadcast: Broadcast, step: str) -> Broadcast:
    now = context.services.clock.now()
    await context.services.broadcasts.set_step(broadcast.id, context.member.id, step, now)
    return await _reload(context, broadcast)


async def _say(
    message: Message, context: BotContext, broadcast: Broadcast, first: str = ""
) -> None:
    """Send the step's screen as a new message, after ``first`` (a refusal or a confirmation)."""
    text, markup = await step_screen(context, broadcast)
    await message.reply_text((first + "\n\n" if first else "") + text, reply_markup=markup)


# Entry and leaving ----------------------------------------------------------------------


def _drop(context: BotContext) -> Callable[[int], Awaitable[object]]:
    """Discards the draft of someone who lost the staff role since, so it cannot be released
    should the role come back."""

    async def drop(member_id: int) -> None:
        services = context.services
        draft = await services.broadcasts.draft_of(member_id)
        if draft is not None:
            await services.broadcasts.discard(draft.id, member_id, services.clock.now())

    return drop


async def begin(update: Update, context: BotContext) -> str | int:
    """/broadcast and the menu's “📣 Broadcast”: a new draft, or the open one where it was."""
    query = update.callback_query
    what = "button=broadcast.open" if query is not None else "command=broadcast"
    if not await require_staff(update, context, what):
        return ConversationHandler.END
    message = update.effective_message
    assert message is not None
    draft = await own_draft(context)
    first = ""
    if draft is None:
        draft = await context.services.broadcasts.start(
            context.member.id, context.services.clock.now()
        )
    else:
        first = context.t._(
            "You are composing a broadcast already; here is where you left it. /cancel discards it."
        )
    if query is not None:
        await query.answer()
    await _say(message, context, draft, first)
    return COMPOSING


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel while composing: nothing of the draft is kept."""
    assert update.effective_message is not None
    draft = await own_draft(context)
    if draft is not None:
        await context.services.broadcasts.discard(
            draft.id, context.member.id, context.services.clock.now()
        )
    await update.effective_message.reply_text(context.t._("The broadcast was discarded."))
    return ConversationHandler.END


async def _nothing_open(message: Message, context: BotContext) -> int:
    await message.reply_text(
        context.t._("No broadcast is being composed. Send /broadcast to start one.")
    )
    return ConversationHandler.END


# Typed input ----------------------------------------------------------------------------


async def _typed_to(update: Update, context: BotContext, message: Message) -> Broadcast | int:
    """The author's open draft, or where the conversation goes when there is none (or the
    author is no longer staff)."""
    if not await still_staff(update, context, "conversation=broadcast", _drop(context)):
        return ConversationHandler.END
    draft = await own_draft(context)
    if draft is None:
        return await _nothing_open(message, context)
    return draft


async def received(update: Update, context: BotContext) -> str | int:
    message = update.message
    assert message is not None
    draft = await _typed_to(update, context, message)
    if isinstance(draft, int):
        return draft
    language = version_language(draft.step, default_language(context))
    if language is not None:
        await _version(message, context, draft, language)
    elif draft.step == SCHEDULE:
        return await _schedule(message, context, draft)
    else:
        await _say(message, context, draft, context.t._("Please tap one of the buttons."))
    return COMPOSING


async def edited(update: Update, context: BotContext) -> str | int:
    message = update.edited_message
    assert message is not None
    draft = await _typed_to(update, context, message)
    if isinstance(draft, int):
        return draft
    await _say(
        message,
        context,
        draft,
        context.t._("I only read new messages, not edits. Please send it again as a new message."),
    )
    return COMPOSING


def _too_long(context: BotContext, length: int, limit: int) -> str:
    t = context.t
    if limit == CAPTION_MAX:
        return t._(
            "This caption has {count} characters; a caption can have at most 1024. Please "
            "shorten it and send it again."
        ).format(count=length)
    return t._(
        "This text has {count} characters; an announcement can have at most 4096. Please "
        "shorten it and send it again."
    ).format(count=length)


async def _version(message: Message, context: BotContext, draft: Broadcast, language: str) -> None:
    """A version of the announcement in ``language``: checked first, stored only when valid."""
    t = context.t
    services = context.services
    now = services.clock.now()
    author = context.member.id
    is_default = language == default_language(context)
    media: tuple[str, str] | None = None
    if message.text is not None:
        limit = CAPTION_MAX if draft.media_kind is not None else MESSAGE_MAX
        if len(message.text) > limit:
            await _say(message, context, draft, _too_long(context, len(message.text), limit))
            return
        html_text = message.text_html
    elif message.photo or message.document is not None:
        if not is_default:
            await _say(
                message,
                context,
                draft,
                t._(
                    "The photo or document can only come with the {language} version. Please "
                    "send this version as text."
                ).format(language=language_name(t, default_language(context))),
            )
            return
        caption = message.caption or ""
        if not caption.strip():
            await _say(
                message,
                context,
                draft,
                t._("Please send the photo or document with a caption: the announcement's text."),
            )
            return
        if len(caption) > CAPTION_MAX:
            await _say(message, context, draft, _too_long(context, len(caption), CAPTION_MAX))
            return
        long_versions = [
            language_name(t, c)
            for c, text in draft.texts.items()
            if c != language and len(text) > CAPTION_MAX
        ]
        if long_versions:
            await _say(
                message,
                context,
                draft,
                t._(
                    "A caption can have at most 1024 characters, and the version in {languages} "
                    "is longer. Please shorten or remove it first."
                ).format(languages=", ".join(long_versions)),
            )
            return
        if message.photo:
            media = ("photo", message.photo[-1].file_id)
        else:
            assert message.document is not None
            media = ("document", message.document.file_id)
        html_text = message.caption_html
    else:
        await _say(
            message,
            context,
            draft,
            t._(
                "Please send the announcement as a text message, or as a photo or document with "
                "a caption. Stickers, voice messages, locations and the like cannot be broadcast."
            ),
        )
        return
    if media is not None:
        await services.broadcasts.set_media(draft.id, author, media[0], media[1], now)
    if not await services.broadcasts.set_text(draft.id, author, language, html_text, now):
        await _nothing_open(message, context)
        return
    draft = await _go(context, draft, LANGUAGES)
    await _say(
        message,
        context,
        draft,
        t._("Saved the {language} version.").format(language=language_name(t, language)),
    )


async def _schedule(message: Message, context: BotContext, draft: Broadcast) -> str | int:
    t = context.t
    services = context.services
    config = services.config
    if message.text is None:
        await _say(message, context, draft, t._("Please send the date and time as a text message."))
        return COMPOSING
    moment = parse_moment(message.text, config.timezone)
    now = services.clock.now()
    problem = None
    if moment is DateProblem.NO_SUCH_MOMENT:
        problem = t._("That day or time does not exist.")
    elif moment in (DateProblem.SKIPPED, DateProblem.TWICE):
        problem = t._("The clocks change at that time. Please choose another time.")
    elif isinstance(moment, DateProblem):
        problem = t._("I could not read a date and time in that.")
    elif moment <= now:
        problem = t._("That time has passed. Please send a time in the future.")
    elif moment > now + SCHEDULE_AHEAD:
        problem = t._("That is more than 90 days ahead. Please choose an earlier time.")
    if problem is not None or isinstance(moment, DateProblem):
        await _say(message, context, draft, problem or "")
        return COMPOSING
    state = await services.broadcasts.release(
        draft.id, context.member.id, now, send_at=moment, needs_approval=_approval(context)
    )
    if state is None:
        await message.reply_text(t._("This broadcast was sent or scheduled already."))
    elif state == "awaiting_approval":
        await message.reply_text(
            _approval_text(context)
            + "\n"
            + t._("Once approved, it goes out on {moment}.").format(moment=when(t, moment))
        )
    else:
        await message.reply_text(
            t._(
                "Scheduled for {moment}. The recipients are counted again when it goes out."
            ).format(moment=when(t, moment))
        )
    return ConversationHandler.END


def _approval(context: BotContext) -> bool:
    # The delivery part adds the setting (KOSIZU_BROADCAST_APPROVAL); off until it exists.
    return bool(getattr(context.services.config, "broadcast_approval", False))


def _approval_text(context: BotContext) -> str:
    return context.t._(
        "Another member of the network team must approve this broadcast before it is sent; "
        "they have been asked."
    )


# Buttons --------------------------------------------------------------------------------


async def tapped(update: Update, context: BotContext) -> str | int | None:
    query = update.callback_query
    assert query is not None
    if not await still_staff(update, context, "button=broadcast", _drop(context)):
        return ConversationHandler.END
    tap = parse(query.data)
    draft = await own_draft(context)
    if tap is None or draft is None or draft.id != tap.broadcast_id:
        await _refuse_old(context, tap, query)
        return None
    result = await _act(update, context, draft, tap.action, tap.arg)
    if result is None:
        await answer_stale(query, context.t)
    return COMPOSING if result is None else result


async def _refuse_old(context: BotContext, tap: Tap | None, query: CallbackQuery) -> None:
    """A button of a draft that is no longer being composed: say what became of it when it
    was the author's; otherwise it is simply stale."""
    broadcast = None if tap is None else await context.services.broadcasts.get(tap.broadcast_id)
    if broadcast is None or broadcast.author_id != context.member.id or broadcast.state == "draft":
        await answer_stale(query, context.t)
    elif broadcast.state == "discarded":
        await query.answer(context.t._("This broadcast was discarded."), show_alert=True)
    else:
        await query.answer(
            context.t._("This broadcast was sent or scheduled already."), show_alert=True
        )


async def old_button(update: Update, context: BotContext) -> None:
    """A composing button while no broadcast is being composed (after /cancel, a double tap
    on “Send now”, or forged)."""
    query = update.callback_query
    assert query is not None
    if await require_staff(update, context, "button=broadcast"):
        await _refuse_old(context, parse(query.data), query)


async def _act(
    update: Update, context: BotContext, draft: Broadcast, action: str, arg: str
) -> str | int | None:
    """Carry out a tap on the author's draft; None when the button is not one of its step."""
    query = update.callback_query
    assert query is not None
    services = context.services
    now = services.clock.now()
    author = context.member.id
    step = draft.step
    default = default_language(context)
    if action == "back" and arg in (LANGUAGES, AUDIENCE, PREVIEW):
        allowed = {
            LANGUAGES: step != LANGUAGES,
            AUDIENCE: step in (FALLBACK,),
            PREVIEW: step == SCHEDULE,
        }[arg]
        if not allowed or (arg == LANGUAGES and not draft.texts):
            return None
        draft = await _go(context, draft, arg)
        await show_in_place(query, *await step_screen(context, draft))
        return COMPOSING
    if step == LANGUAGES:
        if action == "add" and arg in ALL_LANGUAGES:
            draft = await _go(context, draft, TEXT if arg == default else VERSION + arg)
        elif action == "drop" and arg in draft.texts and arg != default:
            await services.broadcasts.drop_text(draft.id, author, arg, now)
        elif action == "nomedia" and draft.media_kind is not None:
            await services.broadcasts.set_media(draft.id, author, None, None, now)
        elif action == "next":
            draft = await _go(context, draft, AUDIENCE)
        else:
            return None
        await show_in_place(query, *await step_screen(context, await _reload(context, draft)))
        return COMPOSING
    if step == AUDIENCE and action == "next":
        return await _after_audience(update, context, draft)
    if step == AUDIENCE:
        view = await broadcast_audience.toggle(context, draft, action, arg)
        if view is None:
            return None
        await show_in_place(
            query, *await broadcast_audience.screen(context, await _reload(context, draft), view)
        )
        return COMPOSING
    if step == FALLBACK and action == "fb":
        await services.broadcasts.confirm_fallback(draft.id, author, now)
        return await _after_audience(update, context, await _reload(context, draft))
    if step == PREVIEW and action == "send":
        return await _send_now(update, context, draft)
    if step == PREVIEW and action == "sched":
        draft = await _go(context, draft, SCHEDULE)
        await show_in_place(query, *schedule_prompt(context, draft))
        return COMPOSING
    if step in (PREVIEW, SCHEDULE) and action == "discard":
        await services.broadcasts.discard(draft.id, author, now)
        await show_in_place(query, context.t._("The broadcast was discarded."))
        return ConversationHandler.END
    return None


async def _ready(context: BotContext, draft: Broadcast) -> str | None:
    """The step the draft must go back to before it can be previewed or sent, if any."""
    counts = await context.services.broadcasts.count(draft.audience, draft.essential)
    if sum(counts.values()) == 0:
        return AUDIENCE
    if uncovered(draft, counts) and not draft.fallback_confirmed:
        return FALLBACK
    return None


async def _after_audience(update: Update, context: BotContext, draft: Broadcast) -> str | int:
    """“Continue” on the audience (or the fallback confirmed): the fallback question, or
    the preview."""
    query = update.callback_query
    assert query is not None and query.message is not None
    missing = await _ready(context, draft)
    if missing == AUDIENCE:
        await query.answer(
            context.t._("Nobody matches this audience. Please change the filters."), show_alert=True
        )
        return COMPOSING
    if missing == FALLBACK:
        draft = await _go(context, draft, FALLBACK)
        await show_in_place(query, *await step_screen(context, draft))
        return COMPOSING
    draft = await _go(context, draft, PREVIEW)
    await query.answer()
    await drop_buttons(query)
    await preview(context, draft, query.message.chat.id)
    return COMPOSING


async def preview(context: BotContext, draft: Broadcast, chat_id: int) -> None:
    """Each version exactly as members get it (the same payload the queue uses), then the
    summary with the send buttons. A direct reply to the author, not the outbox."""
    default = default_language(context)
    bot = context.bot
    for language in ALL_LANGUAGES:
        if language not in draft.texts:
            continue
        method, params = payload(draft, language, default)
        if method == "sendPhoto":
            await bot.send_photo(chat_id, **params)
        elif method == "sendDocument":
            await bot.send_document(chat_id, **params)
        else:
            await bot.send_message(chat_id, **params)
    text, markup = await summary(context, draft)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def _send_now(update: Update, context: BotContext, draft: Broadcast) -> str | int:
    query = update.callback_query
    assert query is not None
    services = context.services
    t = context.t
    missing = await _ready(context, draft)
    if missing is not None:
        # The members changed since the preview: nobody matches now, or new languages.
        draft = await _go(context, draft, missing)
        await show_in_place(query, *await step_screen(context, draft))
        return COMPOSING
    counts = await services.broadcasts.count(draft.audience, draft.essential)
    state = await services.broadcasts.release(
        draft.id, context.member.id, services.clock.now(), send_at=None,
        needs_approval=_approval(context),
    )  # fmt: skip
    if state is None:
        await query.answer(t._("This broadcast was sent or scheduled already."), show_alert=True)
    elif state == "awaiting_approval":
        await show_in_place(query, _approval_text(context))
    else:
        total = sum(counts.values())
        await show_in_place(
            query,
            t.ngettext(
                "Queued for {count} member; progress follows.",
                "Queued for {count} members; progress follows.",
                total,
            ).format(count=total),
        )
    return ConversationHandler.END


def conversation() -> ConversationHandler[BotContext]:
    return persistent_conversation(
        entry_points=[
            CommandHandler("broadcast", begin, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(begin, pattern=OPEN_PATTERN),
        ],
        states={
            COMPOSING: [
                CallbackQueryHandler(tapped, pattern=BUTTONS),
                MessageHandler(NEW_MESSAGE, received),
                MessageHandler(filters.UpdateType.EDITED_MESSAGE, edited),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="broadcast_compose",
    )


def menu_button(label: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=OPEN)
