"""The network team decides on applications to join without an invitation.

Every active staff member gets each submitted application with "Approve" and "Reject"
(``/applications`` lists those still waiting). Each tap checks again that the person tapping
is active staff and that the application is still pending, so a forged button is refused
and audited, and a second decision, by anyone, only hears that it was decided already.
Approving a police claim takes a short note on how the role was verified: the tap asks for
it, the note is kept in the audit trail, and only with it is the applicant admitted.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import number_part, pack, pattern, unpack
from bot.context import BotContext
from bot.i18n import Catalogs, Translator
from handlers.access import require_staff
from handlers.conversation_frame import persistent_conversation
from handlers.labels import ORGANISATION_TYPE_LABELS, REGION_LABELS, ROLE_LABELS
from handlers.navigation import answer_stale
from handlers.text_input import clean_name
from storage.applications import KEPT_FOR, Applicant, Decision, Payload

PREFIX = "appl"
OPEN = pack(PREFIX, "list")  # the staff menu's button: the same list as /applications
APPROVE = "approve"
REJECT = "reject"
NOTE = "note"
NOTE_LENGTH = (5, 300)
LISTED_AT_ONCE = 10
LIST_LENGTH = 3800  # of Telegram's 4096 characters, leaving room for the closing line


def describe(t: Translator, applicant: Applicant, *, for_staff: bool) -> str:
    """The application's details; every part the applicant typed is escaped."""
    application = applicant.application
    name = html.escape(applicant.name or "")
    if for_staff:
        # A mention, so staff can write to the applicant to verify what they claim.
        name = f'<a href="tg://user?id={applicant.telegram_user_id}">{name}</a>'
    if applicant.organisation is not None:
        organisation = t._("{name} ({region})").format(
            name=html.escape(applicant.organisation.name),
            region=t._(REGION_LABELS[applicant.organisation.bundesland]),
        )
    elif application.proposed_organisation is not None:
        kind = application.proposed_type
        organisation = t._("{name} ({kind}) – not listed yet").format(
            name=html.escape(application.proposed_organisation),
            kind=t._(ORGANISATION_TYPE_LABELS[kind]) if kind else "–",
        )
    else:
        organisation = "–"
    role = application.claimed_role
    lines = [
        t._("Name: {name}").format(name=name),
        t._("Role claimed: {role}").format(role=t._(ROLE_LABELS[role]) if role else "–"),
        t._("Organisation: {organisation}").format(organisation=organisation),
        t._("Regions: {regions}").format(
            regions=", ".join(t._(REGION_LABELS[r]) for r in applicant.regions) or "–"
        ),
        t._("City: {city}").format(city=html.escape(applicant.city or "–")),
    ]
    if for_staff and application.submitted_at is not None:
        lines.append(
            t._("Submitted: {date}").format(date=t.datetime(application.submitted_at, "short"))
        )
    return "\n".join(lines)


def _decision_keyboard(t: Translator, application_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("✅ Approve"), callback_data=pack(PREFIX, APPROVE, application_id)
                ),
                InlineKeyboardButton(
                    t._("✖️ Reject"), callback_data=pack(PREFIX, REJECT, application_id)
                ),
            ]
        ]
    )


def _police_hint(t: Translator, applicant: Applicant) -> str:
    if applicant.application.claimed_role != "police":
        return ""
    return "\n\n" + t._(
        "A police role must be verified before approval, e.g. by calling the unit's official "
        "number. Approving asks for a short note on how you verified it."
    )


def staff_notification(
    catalogs: Catalogs,
) -> Callable[[Applicant, str | None, str | None], Payload]:
    """The message each staff member gets about a submitted application, in their language."""

    def build(applicant: Applicant, language: str | None, app_language: str | None) -> Payload:
        t = catalogs.for_member(language, app_language)
        text = (
            t._("<b>New application #{number} to join the network</b>").format(
                number=applicant.application.id
            )
            + "\n\n"
            + describe(t, applicant, for_staff=True)
            + _police_hint(t, applicant)
        )
        return {
            "text": text,
            "reply_markup": _decision_keyboard(t, applicant.application.id).to_dict(),
        }

    return build


def _outcome(catalogs: Catalogs, approved: bool) -> Callable[[Applicant], Payload]:
    """The applicant's message about the decision, in the applicant's language."""

    def build(applicant: Applicant) -> Payload:
        t = catalogs.for_member(applicant.language, applicant.app_language)
        application = applicant.application
        if approved:
            role = application.claimed_role or ""
            text = t._(
                "Your application has been approved. Welcome to the network, {name}! "
                "Your role: {role}. Send /start to open the menu."
            ).format(name=html.escape(applicant.name or ""), role=t._(ROLE_LABELS[role]))
        else:
            assert application.decided_at is not None
            text = t._(
                "Your application to join the network was not accepted. What you told us "
                "will be erased after {date}; from then on you may apply again."
            ).format(date=t.date(application.decided_at + KEPT_FOR))
        return {"text": text}

    return build


async def list_pending(update: Update, context: BotContext) -> None:
    """/applications: the applications waiting for a decision, with their buttons."""
    if await require_staff(update, context, "command=applications"):
        await _send_list(update, context)


async def _send_list(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    t = context.t
    oldest, total = await context.services.applications.pending(LISTED_AT_ONCE)
    if not oldest:
        await message.reply_text(t._("No applications are waiting for a decision."))
        return
    parts = [
        t.ngettext(
            "<b>{count} application is waiting for a decision.</b>",
            "<b>{count} applications are waiting for a decision.</b>",
            total,
        ).format(count=total)
    ]
    rows: list[list[InlineKeyboardButton]] = []
    for applicant in oldest:
        number = applicant.application.id
        entry = f"<b>#{number}</b>\n{describe(t, applicant, for_staff=True)}"
        entry += _police_hint(t, applicant)
        # Counted with its tags, so the text Telegram counts is surely shorter.
        if rows and len("\n\n".join([*parts, entry])) > LIST_LENGTH:
            break
        parts.append(entry)
        rows.append(
            [
                InlineKeyboardButton(
                    t._("✅ Approve #{number}").format(number=number),
                    callback_data=pack(PREFIX, APPROVE, number),
                ),
                InlineKeyboardButton(
                    t._("✖️ Reject #{number}").format(number=number),
                    callback_data=pack(PREFIX, REJECT, number),
                ),
            ]
        )
    if total > len(rows):
        parts.append(
            t._("The oldest {shown} are shown; decide on them to see the others.").format(
                shown=len(rows)
            )
        )
    await message.reply_text("\n\n".join(parts), reply_markup=InlineKeyboardMarkup(rows))


def _parse(data: object) -> tuple[str, int] | None:
    parts = unpack(data, PREFIX, 2)
    if parts is None or parts[0] not in (APPROVE, REJECT):
        return None
    number = number_part(parts[1])
    return None if number is None else (parts[0], number)


async def decide(update: Update, context: BotContext) -> str | int:
    """An "Approve" or "Reject" button, from a notification or the /applications list (or
    the menu's button that opens that list)."""
    query = update.callback_query
    assert query is not None
    if not await require_staff(update, context, f"button={PREFIX}"):
        return ConversationHandler.END
    services, t, member = context.services, context.t, context.member
    if query.data == OPEN:
        await query.answer()
        await _send_list(update, context)
        return ConversationHandler.END
    parsed = _parse(query.data)
    if parsed is None:
        await answer_stale(query, t)
        return ConversationHandler.END
    action, application_id = parsed
    # Any decision button closes an open question for a note (a new one may open below).
    await services.applications.end_review(member.id)
    applicant = await services.applications.applicant(application_id)
    if applicant is None or applicant.application.state != "pending":
        await _decided_already(update, context)
        return ConversationHandler.END
    now = services.clock.now()
    if action == REJECT:
        decision = await services.applications.reject(
            application_id, member.id, now, _outcome(services.catalogs, approved=False)
        )
    elif applicant.application.claimed_role == "police":
        await services.applications.begin_review(
            member.id, application_id, _notification_of(query, application_id), now
        )
        await query.answer()
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            t._(
                "Application #{number}: {name} claims to be a police contact. How did you "
                "verify this? Please send a short note ({low} to {high} characters), e.g. "
                "“called the unit's official number”. It is kept in the audit trail for good, so "
                "please write no names or phone numbers in it. /cancel stops without a decision."
            ).format(
                number=application_id,
                name=html.escape(applicant.name or ""),
                low=NOTE_LENGTH[0],
                high=NOTE_LENGTH[1],
            )
        )
        return NOTE
    else:
        decision = await services.applications.approve(
            application_id, member.id, now, _outcome(services.catalogs, approved=True)
        )
    await query.answer()
    if decision is Decision.DONE:
        await _drop_buttons(update, context, _notification_of(query, application_id))
    await _report(update, context, decision, applicant, approved=action == APPROVE)
    return ConversationHandler.END


async def note_given(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None and message.text is not None
    if not await require_staff(update, context, "note=application"):
        return ConversationHandler.END
    services, t, member = context.services, context.t, context.member
    now = services.clock.now()
    review = await services.applications.under_review(member.id, now)
    if review is None:
        await services.applications.end_review(member.id)
        await message.reply_text(
            t._(
                "This question has expired, or the application was decided meanwhile. Nothing "
                "was approved. Send /applications to see what is waiting."
            )
        )
        return ConversationHandler.END
    note = clean_name(message.text, NOTE_LENGTH)
    if note is None:
        return await note_reminder(update, context)
    applicant = await services.applications.applicant(review.application_id)
    decision = await services.applications.approve(
        review.application_id,
        member.id,
        now,
        _outcome(services.catalogs, approved=True),
        note=note,
    )
    await services.applications.end_review(member.id)
    if applicant is None:
        decision = Decision.ALREADY_DECIDED
    if decision is Decision.DONE:
        await _drop_buttons(update, context, review.message_id)
    await _report(update, context, decision, applicant, approved=True)
    return ConversationHandler.END


async def note_reminder(update: Update, context: BotContext) -> str:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t._(
            "Please send the verification note as a text of {low} to {high} characters, or "
            "/cancel to decide later."
        ).format(low=NOTE_LENGTH[0], high=NOTE_LENGTH[1])
    )
    return NOTE


async def cancel_note(update: Update, context: BotContext) -> int:
    assert update.effective_message is not None
    await context.services.applications.end_review(context.member.id)
    await update.effective_message.reply_text(
        context.t._("Nothing was decided. The application is still waiting for a decision.")
    )
    return ConversationHandler.END


async def _decided_already(update: Update, context: BotContext) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(
        context.t._("This application has been decided already (or withdrawn)."),
        show_alert=True,
    )


async def _report(
    update: Update,
    context: BotContext,
    decision: Decision,
    applicant: Applicant | None,
    *,
    approved: bool,
) -> None:
    """Tell the staff member what their decision did."""
    message = update.effective_message
    assert message is not None
    t = context.t
    name = html.escape(applicant.name or "") if applicant else ""
    if decision is Decision.ALREADY_DECIDED or applicant is None:
        await message.reply_text(t._("This application has been decided already (or withdrawn)."))
        return
    if decision is Decision.APPLICANT_HAS_ROLE:
        await message.reply_text(
            t._(
                "{name} has meanwhile become a member in another way, so nothing was approved. "
                "Reject the application to close it."
            ).format(name=name)
        )
        return
    number = applicant.application.id
    if approved:
        role = applicant.application.claimed_role or ""
        text = t._(
            "Application #{number} approved: {name} is now an active member ({role}) and has "
            "been told."
        ).format(number=number, name=name, role=t._(ROLE_LABELS[role]))
    else:
        text = t._(
            "Application #{number} rejected: {name} has been told. Their data is erased in 30 days."
        ).format(number=number, name=name)
    await message.reply_text(text)


def _notification_of(query: CallbackQuery, application_id: int) -> int | None:
    """The tapped message's id when all its buttons are about this application: it loses
    them once decided (a /applications list keeps the buttons of the others)."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return None
    buttons = [button for row in message.reply_markup.inline_keyboard for button in row]
    parsed = [_parse(button.callback_data) for button in buttons]
    if all(p is not None and p[1] == application_id for p in parsed):
        return message.message_id
    return None


async def _drop_buttons(update: Update, context: BotContext, message_id: int | None) -> None:
    chat = update.effective_chat
    if message_id is None or chat is None:
        return
    # Too old to edit, or deleted: then its buttons only say "decided already".
    with contextlib.suppress(BadRequest):
        await context.bot.edit_message_reply_markup(chat.id, message_id, reply_markup=None)


def conversation() -> ConversationHandler[BotContext]:
    """The buttons, and the verification note a police claim needs before approval."""
    # Tracked per chat, not per message, on purpose: a staff member writes one note at
    # a time, and any decision button ends the question.
    return persistent_conversation(
        entry_points=[CallbackQueryHandler(decide, pattern=pattern(PREFIX))],
        states={
            NOTE: [
                MessageHandler(
                    filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, note_given
                ),
                MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, note_reminder),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel_note)],
        name="application_review",
    )
