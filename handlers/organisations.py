"""/organisations (staff only): the network's organisations by Bundesland; adding one and
changing an organisation's name, type or Bundesland.

Adding asks for the name (typed), then the type and the Bundesland (buttons); renaming asks
for the new name. Both are persistent conversations whose draft lives in SQLite. Type and
Bundesland of an existing organisation are changed with a tap, outside any conversation.
Every step checks again that the member is active staff.
"""

from __future__ import annotations

import html

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.access import require_staff, still_staff
from handlers.conversation_frame import NEW_MESSAGE, persistent_conversation
from handlers.labels import ORGANISATION_TYPE_LABELS, REGION_LABELS
from handlers.navigation import answer_stale, home_button, replace, show_in_place, stale_button
from handlers.pickers import choice_keyboard, paging_row
from handlers.text_input import clean_name
from storage.organisations import (
    NAME_LENGTH,
    DuplicateOrganisation,
    Organisation,
    UnknownOrganisation,
)
from storage.vocabulary import ORGANISATION_TYPES, REGIONS

PREFIX = "orgs"
OPEN = pack(PREFIX)
PAGE_SIZE = 10
_MAX_ID_DIGITS = 9
_MAX_PAGE_DIGITS = 4
# Button labels stay short; the full name is on the organisation's card.
_LABEL_LENGTH = 60

ADD = pack(PREFIX, "add")
ADD_TYPE = "addtype"
ADD_REGION = "addland"
RENAME = "rename"

# Conversation states.
NAME = "name"
TYPE = "type"
REGION = "region"
NEW_NAME = "new_name"


# ---------------------------------------------------------------- list and card


async def show(update: Update, context: BotContext) -> None:
    """/organisations: the first page of the list."""
    message = update.effective_message
    assert message is not None
    if not await require_staff(update, context, "command=organisations"):
        return
    text, markup = await _list(context, 0)
    await message.reply_text(text, reply_markup=markup)


async def _list(context: BotContext, page: int) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    organisations = await context.services.organisations.all()
    pages = max(1, -(-len(organisations) // PAGE_SIZE))
    page = min(page, pages - 1)
    shown = organisations[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = ["<b>" + t._("Organisations") + "</b>"]
    if not organisations:
        lines.append(t._("There are no organisations yet."))
    else:
        lines.append(
            t.ngettext("{count} organisation", "{count} organisations", len(organisations)).format(
                count=len(organisations)
            )
            + " · "
            + t._("page {page} of {pages}").format(page=page + 1, pages=pages)
        )
    region: str | None = None
    for organisation in shown:
        if organisation.bundesland != region:
            region = organisation.bundesland
            lines += ["", f"<b>{t._(REGION_LABELS[region])}</b>"]
        lines.append(
            f"• {html.escape(organisation.name)} – "
            f"{t._(ORGANISATION_TYPE_LABELS[organisation.type])}"
        )
    rows = [
        [
            InlineKeyboardButton(
                _short(organisation.name), callback_data=pack(PREFIX, "show", organisation.id)
            )
        ]
        for organisation in shown
    ]
    rows += paging_row(t, page, pages, lambda n: pack(PREFIX, "page", n))
    rows.append([InlineKeyboardButton(t._("➕ Add organisation"), callback_data=ADD)])
    rows.append([home_button(t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _short(name: str) -> str:
    return name if len(name) <= _LABEL_LENGTH else name[: _LABEL_LENGTH - 1] + "…"


async def _page_of(context: BotContext, organisation_id: int) -> int:
    ids = [o.id for o in await context.services.organisations.all()]
    return ids.index(organisation_id) // PAGE_SIZE if organisation_id in ids else 0


async def _card(
    context: BotContext, organisation: Organisation, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    lines = [] if note is None else [note, ""]
    lines += [
        f"<b>{html.escape(organisation.name)}</b>",
        t._("Type: {type}").format(type=t._(ORGANISATION_TYPE_LABELS[organisation.type])),
        t._("Bundesland: {bundesland}").format(
            bundesland=t._(REGION_LABELS[organisation.bundesland])
        ),
    ]
    page = await _page_of(context, organisation.id)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("✏️ Name"), callback_data=pack(PREFIX, RENAME, organisation.id)
                ),
                InlineKeyboardButton(
                    t._("✏️ Type"), callback_data=pack(PREFIX, "type", organisation.id)
                ),
                InlineKeyboardButton(
                    t._("✏️ Bundesland"), callback_data=pack(PREFIX, "land", organisation.id)
                ),
            ],
            [
                InlineKeyboardButton(
                    t._("« Organisations"), callback_data=pack(PREFIX, "page", page)
                )
            ],
        ]
    )
    return "\n".join(lines), keyboard


def _with_back(t: Translator, markup: InlineKeyboardMarkup, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [*markup.inline_keyboard, [InlineKeyboardButton(t._("« Back"), callback_data=data)]]
    )


def _duplicate(t: Translator, name: str, bundesland: str) -> str:
    return t._("There is already an organisation called “{name}” ({bundesland}).").format(
        name=html.escape(name), bundesland=t._(REGION_LABELS[bundesland])
    )


async def button(update: Update, context: BotContext) -> None:
    """The list's and the card's buttons (adding and renaming are conversations)."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=organisations"):
        return
    services, t = context.services, context.t
    if query.data == OPEN:
        await show_in_place(query, *await _list(context, 0))
        return
    one = unpack(query.data, PREFIX, 2)
    if one is not None and one[0] == "page":
        page = number_part(one[1], _MAX_PAGE_DIGITS)
        if page is not None:
            await show_in_place(query, *await _list(context, page))
            return
    if one is not None and one[0] in ("show", "type", "land"):
        organisation_id = number_part(one[1], _MAX_ID_DIGITS)
        organisation = (
            None if organisation_id is None else await services.organisations.get(organisation_id)
        )
        if organisation is not None:
            await show_in_place(query, *await _card_or_picker(context, one[0], organisation))
            return
    two = unpack(query.data, PREFIX, 3)
    if two is not None and (
        (two[0] == "settype" and two[2] in ORGANISATION_TYPES)
        or (two[0] == "setland" and two[2] in REGIONS)
    ):
        organisation_id = number_part(two[1], _MAX_ID_DIGITS)
        if organisation_id is not None:
            await _set_field(query, context, organisation_id, two[0], two[2])
            return
    await answer_stale(query, t)


async def _card_or_picker(
    context: BotContext, what: str, organisation: Organisation
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    if what == "show":
        return await _card(context, organisation)
    back = pack(PREFIX, "show", organisation.id)
    name = html.escape(organisation.name)
    if what == "type":
        text = t._("Which type is “{name}”?").format(name=name)
        picker = choice_keyboard(
            t, PREFIX, ORGANISATION_TYPE_LABELS, extra_parts=("settype", organisation.id)
        )
    else:
        text = t._("In which Bundesland is “{name}”?").format(name=name)
        picker = choice_keyboard(
            t, PREFIX, REGION_LABELS, columns=2, extra_parts=("setland", organisation.id)
        )
    return text, _with_back(t, picker, back)


async def _set_field(
    query: CallbackQuery, context: BotContext, organisation_id: int, what: str, code: str
) -> None:
    services, t = context.services, context.t
    try:
        organisation, changed = await services.organisations.edit(
            organisation_id,
            services.clock.now(),
            actor_id=context.member.id,
            type_=code if what == "settype" else None,
            bundesland=code if what == "setland" else None,
        )
    except UnknownOrganisation:
        await query.answer(t._("This organisation no longer exists."), show_alert=True)
        await replace(query, *await _list(context, 0))
        return
    except DuplicateOrganisation:
        current = await services.organisations.get(organisation_id)
        assert current is not None
        note = _duplicate(t, current.name, code) + " " + t._("Nothing was changed.")
        await show_in_place(query, *await _card(context, current, note))
        return
    note = t._("✅ Saved.") if changed else t._("Nothing was changed.")
    await show_in_place(query, *await _card(context, organisation, note))


# ---------------------------------------------------------------- adding


async def add_start(update: Update, context: BotContext) -> str | int:
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=organisations.add"):
        return ConversationHandler.END
    services, t = context.services, context.t
    await services.organisations.start_draft(context.member.id, None, services.clock.now())
    await show_in_place(
        query,
        t._("<b>New organisation</b>\nPlease send its name, or /cancel to stop."),
    )
    return NAME


async def add_name(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None and message.text is not None
    if not await _still_staff(update, context):
        return ConversationHandler.END
    services, t = context.services, context.t
    name = clean_name(message.text, NAME_LENGTH)
    if name is None:
        await message.reply_text(_name_rule(t))
        return NAME
    if not await services.organisations.update_draft(context.member.id, name=name):
        return await _draft_lost(update, context)
    await message.reply_text(
        t._("Which type is “{name}”?").format(name=html.escape(name)),
        reply_markup=choice_keyboard(t, PREFIX, ORGANISATION_TYPE_LABELS, extra_parts=(ADD_TYPE,)),
    )
    return TYPE


async def add_type(update: Update, context: BotContext) -> str | int:
    query = update.callback_query
    assert query is not None
    if not await _still_staff(update, context):
        return ConversationHandler.END
    services, t = context.services, context.t
    parts = unpack(query.data, PREFIX, 2)
    draft = await services.organisations.draft(context.member.id)
    if parts is None or parts[1] not in ORGANISATION_TYPES:
        await answer_stale(query, t)
        return TYPE
    if draft is None or draft.name is None or draft.organisation_id is not None:
        return await _draft_lost(update, context)
    await services.organisations.update_draft(context.member.id, type_=parts[1])
    await show_in_place(
        query,
        t._("“{name}” – {type}. In which Bundesland is it?").format(
            name=html.escape(draft.name), type=t._(ORGANISATION_TYPE_LABELS[parts[1]])
        ),
        choice_keyboard(t, PREFIX, REGION_LABELS, columns=2, extra_parts=(ADD_REGION,)),
    )
    return REGION


async def add_region(update: Update, context: BotContext) -> str | int:
    query = update.callback_query
    assert query is not None
    if not await _still_staff(update, context):
        return ConversationHandler.END
    services, t, member = context.services, context.t, context.member
    parts = unpack(query.data, PREFIX, 2)
    draft = await services.organisations.draft(member.id)
    if parts is None or parts[1] not in REGIONS:
        await answer_stale(query, t)
        return REGION
    if draft is None or draft.name is None or draft.type is None:
        return await _draft_lost(update, context)
    try:
        organisation = await services.organisations.add(
            draft.name, draft.type, parts[1], services.clock.now(), actor_id=member.id
        )
    except DuplicateOrganisation:
        await services.organisations.drop_draft(member.id)
        back = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t._("« Organisations"), callback_data=OPEN)]]
        )
        await show_in_place(
            query,
            _duplicate(t, draft.name, parts[1]) + " " + t._("Nothing was added."),
            back,
        )
        return ConversationHandler.END
    await services.organisations.drop_draft(member.id)
    await show_in_place(query, *await _card(context, organisation, t._("✅ Added.")))
    return ConversationHandler.END


# ---------------------------------------------------------------- renaming


async def rename_start(update: Update, context: BotContext) -> str | int:
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, "button=organisations.rename"):
        return ConversationHandler.END
    services, t = context.services, context.t
    parts = unpack(query.data, PREFIX, 2)
    organisation_id = None if parts is None else number_part(parts[1], _MAX_ID_DIGITS)
    organisation = (
        None if organisation_id is None else await services.organisations.get(organisation_id)
    )
    if organisation is None:
        await answer_stale(query, t)
        return ConversationHandler.END
    await services.organisations.start_draft(
        context.member.id, organisation.id, services.clock.now()
    )
    await show_in_place(
        query,
        t._("Please send the new name for “{name}”, or /cancel to keep it.").format(
            name=html.escape(organisation.name)
        ),
    )
    return NEW_NAME


async def rename_name(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None and message.text is not None
    if not await _still_staff(update, context):
        return ConversationHandler.END
    services, t, member = context.services, context.t, context.member
    name = clean_name(message.text, NAME_LENGTH)
    if name is None:
        await message.reply_text(_name_rule(t))
        return NEW_NAME
    draft = await services.organisations.draft(member.id)
    if draft is None or draft.organisation_id is None:
        return await _draft_lost(update, context)
    try:
        organisation, changed = await services.organisations.edit(
            draft.organisation_id, services.clock.now(), actor_id=member.id, name=name
        )
    except UnknownOrganisation:
        await services.organisations.drop_draft(member.id)
        await message.reply_text(t._("This organisation no longer exists."))
        return ConversationHandler.END
    except DuplicateOrganisation:
        current = await services.organisations.get(draft.organisation_id)
        assert current is not None
        await message.reply_text(
            _duplicate(t, name, current.bundesland)
            + " "
            + t._("Please send another name, or /cancel to keep the old one.")
        )
        return NEW_NAME
    await services.organisations.drop_draft(member.id)
    note = t._("✅ Saved.") if changed else t._("Nothing was changed.")
    text, markup = await _card(context, organisation, note)
    await message.reply_text(text, reply_markup=markup)
    return ConversationHandler.END


# ---------------------------------------------------------------- wrong input, /cancel


async def name_reminder(update: Update, context: BotContext) -> None:
    """A photo, sticker or the like where a name is expected; the state stays."""
    assert update.effective_message is not None
    t = context.t
    await update.effective_message.reply_text(
        t._("Please send the name as a text message, or /cancel to stop.")
    )


async def type_reminder(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    t = context.t
    await update.effective_message.reply_text(
        t._("Please tap one of the types, or send /cancel to stop."),
        reply_markup=choice_keyboard(t, PREFIX, ORGANISATION_TYPE_LABELS, extra_parts=(ADD_TYPE,)),
    )


async def region_reminder(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    t = context.t
    await update.effective_message.reply_text(
        t._("Please tap one of the Bundesländer, or send /cancel to stop."),
        reply_markup=choice_keyboard(
            t, PREFIX, REGION_LABELS, columns=2, extra_parts=(ADD_REGION,)
        ),
    )


async def cancel(update: Update, context: BotContext) -> int:
    assert update.effective_message is not None
    await context.services.organisations.drop_draft(context.member.id)
    await update.effective_message.reply_text(context.t._("Cancelled. Nothing was changed."))
    return ConversationHandler.END


async def _still_staff(update: Update, context: BotContext) -> bool:
    """A step of a conversation begun as staff: the role may have gone since."""
    drop = context.services.organisations.drop_draft
    return await still_staff(update, context, "conversation=organisations", drop)


async def _draft_lost(update: Update, context: BotContext) -> int:
    t = context.t
    text = t._("This was interrupted. Please start again from /organisations.")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return ConversationHandler.END


def _name_rule(t: Translator) -> str:
    return t._(
        "Please send a name of {low} to {high} characters on one line, or /cancel to stop."
    ).format(low=NAME_LENGTH[0], high=NAME_LENGTH[1])


def conversation() -> ConversationHandler[BotContext]:
    step_buttons = rf"^{PREFIX}:({ADD_TYPE}|{ADD_REGION}):"
    return persistent_conversation(
        entry_points=[
            CallbackQueryHandler(add_start, pattern=f"^{ADD}$"),
            CallbackQueryHandler(rename_start, pattern=rf"^{PREFIX}:{RENAME}:"),
        ],
        states={
            NAME: [
                MessageHandler(NEW_MESSAGE & filters.TEXT, add_name),
                MessageHandler(NEW_MESSAGE, name_reminder),
            ],
            TYPE: [
                CallbackQueryHandler(add_type, pattern=rf"^{PREFIX}:{ADD_TYPE}:"),
                MessageHandler(NEW_MESSAGE, type_reminder),
            ],
            REGION: [
                CallbackQueryHandler(add_region, pattern=rf"^{PREFIX}:{ADD_REGION}:"),
                MessageHandler(NEW_MESSAGE, region_reminder),
            ],
            NEW_NAME: [
                MessageHandler(NEW_MESSAGE & filters.TEXT, rename_name),
                MessageHandler(NEW_MESSAGE, name_reminder),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CallbackQueryHandler(stale_button, pattern=step_buttons),
        ],
        name="organisations",
    )
