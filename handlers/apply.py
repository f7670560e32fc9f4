"""Applying to join without an invitation: consent, name, claimed role, regions, city and
organisation, then submission to the network team (handlers/applications.py decides).

``/apply`` or the menu's button opens it, for people with no role and no application under
review or recently refused. Nothing is stored before the applicant agrees to the privacy
notice; what they type is then written as they go (the draft), so a restart in the middle
loses nothing. Cancelling erases it all; a draft left unfinished is erased after 30 days.
The claimed role stays a claim: the member's role is only set when staff approve.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import number_part, pack, pattern, unpack
from bot.context import BotContext
from bot.i18n import N_, Translator
from handlers import applications as review
from handlers.conversation_frame import NEW_MESSAGE, persistent_conversation
from handlers.labels import ORGANISATION_TYPE_LABELS, REGION_LABELS, ROLE_LABELS
from handlers.navigation import answer_stale, drop_buttons, show_in_place, unless_unchanged
from handlers.pickers import DONE, choice_keyboard, multi_select
from handlers.text_input import NAME_LENGTH, clean_name
from storage.applications import KEPT_FOR, Application
from storage.vocabulary import ORGANISATION_TYPES

PREFIX = "apply"
OPEN = pack(PREFIX)
# The staff menu's button to the applications waiting for a decision (handlers/applications.py).
REVIEW_OPEN = review.OPEN

CONSENT = "consent"
NAME = "name"
ROLE = "role"
REGIONS = "regions"
CITY = "city"
ORGANISATION = "organisation"
ORGANISATION_NAME = "organisation_name"
ORGANISATION_TYPE = "organisation_type"
SUMMARY = "summary"

CITY_LENGTH = (2, 100)
ORGANISATION_NAME_LENGTH = (2, 200)
BUTTON_NAME_LENGTH = 60  # longer organisation names are shortened on their button
NEW_ORGANISATION = "new"

# Nobody can claim the staff role.
CLAIMABLE_ROLES = {code: ROLE_LABELS[code] for code in ("community", "police")}
FITTING_TYPES = {
    "police": ("police",),
    "community": tuple(code for code in ORGANISATION_TYPES if code != "police"),
}

Step = str | int
Callback = Callable[[Update, BotContext], Coroutine[Any, Any, Step]]


def _consent_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t._("✅ I agree"), callback_data=pack(PREFIX, "agree"))],
            [InlineKeyboardButton(t._("I do not agree"), callback_data=pack(PREFIX, "decline"))],
        ]
    )


async def _refusal(context: BotContext) -> str | None:
    """Why this person may not apply now, or None when they may."""
    services, t, member = context.services, context.t, context.member
    if member.role is not None:
        return t._("You are already a member of the network. Send /start to open the menu.")
    latest = await services.applications.latest(member.id)
    if member.status is not None or (latest is not None and latest.state == "pending"):
        return t._(
            "Your application is being reviewed by the network team. You will hear from us here."
        )
    if latest is not None and latest.state == "rejected" and latest.decided_at is not None:
        return t._(
            "Your application was not accepted. It will be erased after {date}; from then on "
            "you may apply again."
        ).format(date=t.date(latest.decided_at + KEPT_FOR))
    return None


async def _reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(text, reply_markup=markup)


async def begin(update: Update, context: BotContext) -> Step:
    if update.callback_query is not None:
        await update.callback_query.answer()
    refusal = await _refusal(context)
    if refusal is not None:
        await _reply(update, refusal)
        return ConversationHandler.END
    t = context.t
    notice = context.services.privacy.text(t.language)
    intro = t._(
        "You can ask to join the network here. The network team checks every application "
        "before it is accepted; a police role is verified with the police unit."
    )
    question = t._("Do you agree that the network stores and uses your data as described?")
    await _reply(update, f"{intro}\n\n{notice}\n\n<b>{question}</b>", _consent_keyboard(t))
    return CONSENT


async def consent_answer(update: Update, context: BotContext) -> Step:
    query = update.callback_query
    assert query is not None
    services, t, member = context.services, context.t, context.member
    parts = unpack(query.data, PREFIX, 1)
    if parts not in (["agree"], ["decline"]):
        await answer_stale(query, t)
        return CONSENT
    refusal = await _refusal(context)
    if refusal is not None:
        await query.answer()
        await _reply(update, refusal)
        return ConversationHandler.END
    await query.answer()
    await drop_buttons(query)
    now = services.clock.now()
    if parts == ["decline"]:
        if await services.applications.draft(member.id) is not None:
            # An earlier, unfinished attempt: without consent it cannot be kept either.
            await services.personal_data.erase(member, now, reason="application.decline")
        await _reply(
            update,
            t._(
                "Without your consent you cannot apply, and the network has stored nothing "
                "about you except that you wrote to this bot. You can start again with /apply."
            ),
        )
        return ConversationHandler.END
    if member.consent_version != services.privacy.version:
        await services.consents.give(member.id, services.privacy.version, now)
    await services.applications.start(member.id, now)
    await _reply(
        update,
        t._(
            "Thank you. Which name should the network see? Please send your first and last "
            "name as your contacts know you."
        ),
    )
    return NAME


async def _draft(update: Update, context: BotContext) -> Application | None:
    """The applicant's draft; when it is gone (expired or erased), they are told so."""
    draft = await context.services.applications.draft(context.member.id)
    if draft is None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await _reply(
            update,
            context.t._(
                "Your application is no longer there: it was sent, cancelled or has expired. "
                "Send /apply to start again."
            ),
        )
    return draft


async def name_given(update: Update, context: BotContext) -> Step:
    message = update.effective_message
    assert message is not None and message.text is not None
    t = context.t
    name = clean_name(message.text)
    if name is None:
        await _reply(
            update,
            t._("Please send a name of {low} to {high} characters.").format(
                low=NAME_LENGTH[0], high=NAME_LENGTH[1]
            ),
        )
        return NAME
    if await _draft(update, context) is None:
        return ConversationHandler.END
    await context.services.applications.set_name(context.member.id, name)
    await _ask_role(update, t)
    return ROLE


async def _ask_role(update: Update, t: Translator) -> None:
    await _reply(
        update,
        t._("Which role do you have? The network team checks it before you are admitted."),
        choice_keyboard(t, PREFIX, CLAIMABLE_ROLES, extra_parts=("role",)),
    )


async def role_chosen(update: Update, context: BotContext) -> Step:
    query = update.callback_query
    assert query is not None
    t = context.t
    parts = unpack(query.data, PREFIX, 2)
    if parts is None or parts[0] != "role" or parts[1] not in CLAIMABLE_ROLES:
        await answer_stale(query, t)
        return ROLE
    draft = await _draft(update, context)
    if draft is None:
        return ConversationHandler.END
    await context.services.applications.claim_role(draft.id, parts[1])
    await show_in_place(
        query, t._("Role claimed: {role}").format(role=t._(CLAIMABLE_ROLES[parts[1]]))
    )
    await _ask_regions(update, context)
    return REGIONS


async def _ask_regions(update: Update, context: BotContext) -> None:
    t = context.t
    chosen = await context.services.applications.regions(context.member.id)
    await _reply(
        update,
        t._("In which regions are you active? Choose one or more, then tap “Done”."),
        _regions_keyboard(t, chosen),
    )


def _regions_keyboard(t: Translator, chosen: tuple[str, ...]) -> InlineKeyboardMarkup:
    return multi_select(t, PREFIX, REGION_LABELS, chosen, extra_parts=("region",))


async def region_tapped(update: Update, context: BotContext) -> Step:
    query = update.callback_query
    assert query is not None
    services, t, member = context.services, context.t, context.member
    parts = unpack(query.data, PREFIX, 2)
    if (
        parts is None
        or parts[0] != "region"
        or (parts[1] not in REGION_LABELS and parts[1] != DONE)
    ):
        await answer_stale(query, t)
        return REGIONS
    if await _draft(update, context) is None:
        return ConversationHandler.END
    if parts[1] == DONE:
        chosen = await services.applications.regions(member.id)
        if not chosen:
            await query.answer(t._("Please choose at least one region."), show_alert=True)
            return REGIONS
        await show_in_place(
            query,
            t._("Regions: {regions}").format(
                regions=", ".join(t._(REGION_LABELS[r]) for r in chosen)
            ),
        )
        await _reply(update, t._("In which city or town are you based? Please send its name."))
        return CITY
    chosen = await services.applications.toggle_region(member.id, parts[1])
    await query.answer()
    with unless_unchanged():
        await query.edit_message_reply_markup(_regions_keyboard(t, chosen))
    return REGIONS


async def city_given(update: Update, context: BotContext) -> Step:
    message = update.effective_message
    assert message is not None and message.text is not None
    city = clean_name(message.text, CITY_LENGTH)
    if city is None:
        return await city_reminder(update, context)
    draft = await _draft(update, context)
    if draft is None:
        return ConversationHandler.END
    await context.services.applications.set_city(context.member.id, city)
    await _ask_organisation(update, context, draft)
    return ORGANISATION


async def _organisation_keyboard(
    context: BotContext, draft: Application
) -> tuple[bool, InlineKeyboardMarkup]:
    """Buttons for the organisations that fit the claimed role and regions; whether any do."""
    services, t = context.services, context.t
    regions = await services.applications.regions(context.member.id)
    found = await services.applications.fitting_organisations(
        FITTING_TYPES[draft.claimed_role or "community"], regions
    )
    rows = []
    for organisation in found:
        name = organisation.name
        if len(name) > BUTTON_NAME_LENGTH:
            name = name[: BUTTON_NAME_LENGTH - 1] + "…"
        label = t._("{name} ({region})").format(
            name=name, region=t._(REGION_LABELS[organisation.bundesland])
        )
        rows.append(
            [InlineKeyboardButton(label, callback_data=pack(PREFIX, "org", organisation.id))]
        )
    rows.append(
        [
            InlineKeyboardButton(
                t._("My organisation is not listed"),
                callback_data=pack(PREFIX, "org", NEW_ORGANISATION),
            )
        ]
    )
    return bool(found), InlineKeyboardMarkup(rows)


async def _ask_organisation(update: Update, context: BotContext, draft: Application) -> None:
    t = context.t
    any_found, keyboard = await _organisation_keyboard(context, draft)
    text = (
        t._("Which organisation do you represent?")
        if any_found
        else t._(
            "No organisation of this kind is listed for your regions yet. Please tap the "
            "button to name yours."
        )
    )
    await _reply(update, text, keyboard)


async def organisation_chosen(update: Update, context: BotContext) -> Step:
    query = update.callback_query
    assert query is not None
    services, t = context.services, context.t
    parts = unpack(query.data, PREFIX, 2)
    if parts is None or parts[0] != "org":
        await answer_stale(query, t)
        return ORGANISATION
    draft = await _draft(update, context)
    if draft is None:
        return ConversationHandler.END
    if parts[1] == NEW_ORGANISATION:
        await show_in_place(
            query, t._("Organisation: {organisation}").format(organisation=t._("not listed"))
        )
        await _reply(
            update,
            t._("What is the full name of your organisation or unit? Please send it as text."),
        )
        return ORGANISATION_NAME
    fitting = None
    chosen_id = number_part(parts[1])
    if chosen_id is not None:
        regions = await services.applications.regions(context.member.id)
        found = await services.applications.fitting_organisations(
            FITTING_TYPES[draft.claimed_role or "community"], regions
        )
        fitting = next((o for o in found if o.id == chosen_id), None)
    if fitting is None:
        await answer_stale(query, t)
        return ORGANISATION
    await services.applications.choose_organisation(draft.id, fitting.id)
    await show_in_place(
        query,
        t._("Organisation: {organisation}").format(organisation=html.escape(fitting.name)),
    )
    return await _show_summary(update, context, draft.id)


async def organisation_name_given(update: Update, context: BotContext) -> Step:
    message = update.effective_message
    assert message is not None and message.text is not None
    t = context.t
    name = clean_name(message.text, ORGANISATION_NAME_LENGTH)
    if name is None:
        return await organisation_name_reminder(update, context)
    draft = await _draft(update, context)
    if draft is None:
        return ConversationHandler.END
    types = FITTING_TYPES[draft.claimed_role or "community"]
    # A police claim can only name a police organisation: no question to ask.
    only = types[0] if len(types) == 1 else None
    await context.services.applications.propose_organisation(draft.id, name, only)
    if only is not None:
        return await _show_summary(update, context, draft.id)
    await _reply(update, t._("What kind of organisation is it?"), _type_keyboard(t, draft))
    return ORGANISATION_TYPE


def _type_keyboard(t: Translator, draft: Application) -> InlineKeyboardMarkup:
    types = FITTING_TYPES[draft.claimed_role or "community"]
    labels = {code: ORGANISATION_TYPE_LABELS[code] for code in types}
    return choice_keyboard(t, PREFIX, labels, extra_parts=("type",))


async def type_chosen(update: Update, context: BotContext) -> Step:
    query = update.callback_query
    assert query is not None
    t = context.t
    parts = unpack(query.data, PREFIX, 2)
    draft = await _draft(update, context)
    if draft is None:
        return ConversationHandler.END
    if (
        parts is None
        or parts[0] != "type"
        or parts[1] not in FITTING_TYPES[draft.claimed_role or "community"]
    ):
        await answer_stale(query, t)
        return ORGANISATION_TYPE
    await context.services.applications.set_proposed_type(draft.id, parts[1])
    await show_in_place(
        query,
        t._("Kind of organisation: {kind}").format(kind=t._(ORGANISATION_TYPE_LABELS[parts[1]])),
    )
    return await _show_summary(update, context, draft.id)


def _summary_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t._("📨 Submit"), callback_data=pack(PREFIX, "submit"))],
            [InlineKeyboardButton(t._("Cancel"), callback_data=pack(PREFIX, "cancel"))],
        ]
    )


async def _show_summary(update: Update, context: BotContext, application_id: int) -> Step:
    t = context.t
    applicant = await context.services.applications.applicant(application_id)
    assert applicant is not None
    text = (
        t._("<b>Please check your application</b>")
        + "\n\n"
        + review.describe(t, applicant, for_staff=False)
        + "\n\n"
        + t._(
            "When you submit it, every member of the network team sees it, and one of them "
            "decides. You will hear the decision here."
        )
    )
    await _reply(update, text, _summary_keyboard(t))
    return SUMMARY


async def summary_answer(update: Update, context: BotContext) -> Step:
    query = update.callback_query
    assert query is not None
    services, t = context.services, context.t
    parts = unpack(query.data, PREFIX, 1)
    if parts == ["cancel"]:
        return await cancel(update, context)
    if parts != ["submit"]:
        await answer_stale(query, t)
        return SUMMARY
    draft = await _draft(update, context)
    if draft is None:
        return ConversationHandler.END
    notified = await services.applications.submit(
        draft.id, services.clock.now(), review.staff_notification(services.catalogs)
    )
    await query.answer()
    await drop_buttons(query)
    if notified is None:
        await _reply(
            update,
            t._(
                "Your application could not be sent: something in it is missing. Send /apply "
                "to start again."
            ),
        )
        return ConversationHandler.END
    await _reply(
        update,
        t._(
            "Thank you. Your application has been sent to the network team. You will hear "
            "their decision here."
        ),
    )
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel or the summary's "Cancel": the draft and everything typed for it go."""
    services, t, member = context.services, context.t, context.member
    if update.callback_query is not None:
        await update.callback_query.answer()
        await drop_buttons(update.callback_query)
    draft = await services.applications.draft(member.id)
    if draft is not None and member.role is None and member.status is None:
        await services.personal_data.erase(
            member, services.clock.now(), reason="application.cancel"
        )
        text = t._(
            "Application cancelled. What you entered has been erased. You can apply again "
            "at any time with /apply."
        )
    else:
        text = t._(
            "Application cancelled. Nothing was stored. You can apply at any time with /apply."
        )
    await _reply(update, text)
    return ConversationHandler.END


# What each step says to input it cannot use (a photo, a sticker, text where a tap is due).

_BUTTON_STEPS = {
    CONSENT: N_("Please read the privacy notice above and tap “I agree” or “I do not agree”."),
    ROLE: N_("Please tap the role you have."),
    REGIONS: N_("Please choose your regions with the buttons and tap “Done”."),
    ORGANISATION: N_(
        "Please tap your organisation, or “My organisation is not listed” to name it."
    ),
    ORGANISATION_TYPE: N_("Please tap the kind of organisation."),
    SUMMARY: N_("Please tap “Submit” to send your application, or “Cancel”."),
}


def _button_reminder(state: str) -> Callback:
    async def remind(update: Update, context: BotContext) -> Step:
        t, member = context.t, context.member
        draft = None
        if state != CONSENT:
            draft = await _draft(update, context)
            if draft is None:
                return ConversationHandler.END
        keyboard: InlineKeyboardMarkup
        if state == CONSENT:
            keyboard = _consent_keyboard(t)
        elif state == ROLE:
            keyboard = choice_keyboard(t, PREFIX, CLAIMABLE_ROLES, extra_parts=("role",))
        elif state == REGIONS:
            chosen = await context.services.applications.regions(member.id)
            keyboard = _regions_keyboard(t, chosen)
        elif state == ORGANISATION:
            assert draft is not None
            _, keyboard = await _organisation_keyboard(context, draft)
        elif state == ORGANISATION_TYPE:
            assert draft is not None
            keyboard = _type_keyboard(t, draft)
        else:
            keyboard = _summary_keyboard(t)
        await _reply(update, t._(_BUTTON_STEPS[state]), keyboard)
        return state

    return remind


async def name_reminder(update: Update, context: BotContext) -> Step:
    await _reply(update, context.t._("Please send your name as a text message."))
    return NAME


async def city_reminder(update: Update, context: BotContext) -> Step:
    await _reply(
        update,
        context.t._(
            "Please send the name of your city or town as text ({low} to {high} characters)."
        ).format(low=CITY_LENGTH[0], high=CITY_LENGTH[1]),
    )
    return CITY


async def organisation_name_reminder(update: Update, context: BotContext) -> Step:
    await _reply(
        update,
        context.t._(
            "Please send your organisation's name as text ({low} to {high} characters)."
        ).format(low=ORGANISATION_NAME_LENGTH[0], high=ORGANISATION_NAME_LENGTH[1]),
    )
    return ORGANISATION_NAME


def conversation() -> ConversationHandler[BotContext]:
    text = NEW_MESSAGE & filters.TEXT
    buttons = pattern(PREFIX)

    def button_step(state: str, handler: Callback) -> list[BaseHandler[Update, BotContext, object]]:
        return [
            CallbackQueryHandler(handler, pattern=buttons),
            MessageHandler(NEW_MESSAGE, _button_reminder(state)),
        ]

    return persistent_conversation(
        entry_points=[
            CommandHandler("apply", begin, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(begin, pattern=f"^{OPEN}$"),
        ],
        states={
            CONSENT: button_step(CONSENT, consent_answer),
            NAME: [
                MessageHandler(text, name_given),
                MessageHandler(NEW_MESSAGE, name_reminder),
            ],
            ROLE: button_step(ROLE, role_chosen),
            REGIONS: button_step(REGIONS, region_tapped),
            CITY: [
                MessageHandler(text, city_given),
                MessageHandler(NEW_MESSAGE, city_reminder),
            ],
            ORGANISATION: button_step(ORGANISATION, organisation_chosen),
            ORGANISATION_NAME: [
                MessageHandler(text, organisation_name_given),
                MessageHandler(NEW_MESSAGE, organisation_name_reminder),
            ],
            ORGANISATION_TYPE: button_step(ORGANISATION_TYPE, type_chosen),
            SUMMARY: button_step(SUMMARY, summary_answer),
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="application",
    )
