"""The candidate's side of a contact request: the question (✅ Accept, Decline, Pass to staff),
its reminder, and the introduction both sides receive after an Accept; also the network
team's notice of a request waiting in their queue.

Before accepting, a candidate learns only the topic, the region, the side of the asker and
their organisation's type: nothing that names a person or an organisation, and not the
message. The tapped question is then edited to show the organisation's name (when the asker
shares it) and the message, and both get an introduction with exactly the details the other
chose to share, sent with ``protect_content``. Whether an answer counts is decided in one
transaction in storage/contacts.py, so a forged, replayed or third party's button, or one
for a withdrawn request, reveals nothing, and a double tap has one effect.

Decisions the design left open, and why:
- The @username is read from Telegram at the moment of the introduction (the accepting tap
  carries the candidate's; the asker's is asked with getChat) and never stored. A member who
  shares it also gets a ``tg://user`` link, which opens the chat even without a username.
- The candidate is not told when their turn expires or the request is withdrawn: a message
  about something that no longer needs them is noise. Their buttons say so when tapped.
- The question says how long the candidate has to answer (the configured hours), so a
  request passing to someone else comes as no surprise.
"""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.callbacks import number_part, pack, unpack
from bot.contact_details import format_phone
from bot.context import BotContext
from bot.i18n import N_, Catalogs, Translator
from handlers import contact_relay
from handlers.labels import ORGANISATION_TYPE_LABELS, REGION_LABELS, ROLE_LABELS, TOPIC_LABELS
from handlers.navigation import answer_stale, drop_buttons, replace
from storage.contacts import (
    Answer,
    AnswerResult,
    Candidate,
    ContactNotices,
    ContactRequest,
    Introduction,
    Party,
)
from storage.members import Addressee
from storage.relays import reachable as details_reachable

PREFIX = "cr"
ACTIONS = ("accept", "decline", "pass")
_MAX_ID_DIGITS = 9

# Why a request waits for the network team, as staff read it.
QUEUE_REASON_LABELS = {
    "network_team": N_("the member wants to reach the network team"),
    "no_candidates": N_("nobody suitable was available"),
    "passed": N_("the person asked passed it to the network team"),
    "declined_assignment": N_("the person the team chose did not accept"),
}


def topic_line(t: Translator, request: ContactRequest) -> str:
    return t._("Topic: {topic}").format(topic=t._(TOPIC_LABELS[request.topic]))


def region_line(t: Translator, request: ContactRequest) -> str:
    return t._("Region: {region}").format(region=t._(REGION_LABELS[request.region]))


def _organisation_type(t: Translator, request: ContactRequest) -> str:
    if request.organisation_type is None:
        return t._("none given")
    return t._(ORGANISATION_TYPE_LABELS[request.organisation_type])


def _who_asks(t: Translator, request: ContactRequest) -> str:
    if request.asker_role == "police":
        return t._("A police contact would like to get in touch with a community representative.")
    return t._("A community representative would like to get in touch with a police contact.")


def question_lines(t: Translator, request: ContactRequest) -> list[str]:
    """All a candidate learns before accepting: never a name, an organisation or the message."""
    return [
        _who_asks(t, request),
        "",
        topic_line(t, request),
        region_line(t, request),
        t._("Their organisation: {type}").format(type=_organisation_type(t, request)),
    ]


def question_keyboard(t: Translator, candidate: Candidate) -> InlineKeyboardMarkup:
    def button(label: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            label, callback_data=pack(PREFIX, action, candidate.request_id, candidate.position)
        )

    return InlineKeyboardMarkup(
        [
            [button(t._("✅ Accept"), "accept")],
            [button(t._("Decline"), "decline"), button(t._("Pass to the network team"), "pass")],
        ]
    )


def notices(catalogs: Catalogs, pass_hours: int, remind_hours: int) -> ContactNotices:
    """What the bot sends on its own about requests, in each recipient's language."""

    def explanation(t: Translator, hours: int) -> list[str]:
        return [
            "",
            t._(
                "Only if you accept do you see their message and the name of their "
                "organisation, and you both receive each other's contact details as you chose "
                "them in your profile. If you decline, nobody is told and the request goes to "
                "someone else. “Pass to the network team” hands it to them."
            ),
            t.ngettext(
                "Please answer within {count} hour; after that the request goes to someone else.",
                "Please answer within {count} hours; after that the request goes to someone else.",
                hours,
            ).format(count=hours),
        ]

    def ask(request: ContactRequest, who: Addressee, candidate: Candidate) -> dict[str, Any]:
        t = catalogs.for_member(who.language, who.app_language)
        lines = [t._("🤝 <b>Would you agree to be introduced?</b>"), *question_lines(t, request)]
        lines += explanation(t, pass_hours)
        return {"text": "\n".join(lines), "reply_markup": question_keyboard(t, candidate).to_dict()}

    def remind(request: ContactRequest, who: Addressee, candidate: Candidate) -> dict[str, Any]:
        t = catalogs.for_member(who.language, who.app_language)
        lines = [
            t._("⏰ <b>Reminder: a contact request is waiting for your answer.</b>"),
            *question_lines(t, request),
            *explanation(t, pass_hours - remind_hours),  # the hours that are left
        ]
        return {"text": "\n".join(lines), "reply_markup": question_keyboard(t, candidate).to_dict()}

    def queued(request: ContactRequest, who: Addressee) -> dict[str, Any]:
        t = catalogs.for_member(who.language, who.app_language)
        reason = request.queued_reason or "no_candidates"
        lines = [
            t._("📨 <b>A contact request is waiting for the network team.</b>"),
            t._("From: {role}").format(role=t._(ROLE_LABELS[request.asker_role])),
            topic_line(t, request),
            region_line(t, request),
            t._("Why: {reason}").format(reason=t._(QUEUE_REASON_LABELS[reason])),
        ]
        # The request's card in the staff queue (handlers/contact_queue.py).
        card = InlineKeyboardButton(
            t._("📨 Open the request"), callback_data=pack("cq", "show", request.id)
        )
        return {"text": "\n".join(lines), "reply_markup": InlineKeyboardMarkup([[card]]).to_dict()}

    return ContactNotices(ask=ask, remind=remind, queued=queued)


def notices_for(context: BotContext) -> ContactNotices:
    services = context.services
    config = services.config
    return notices(services.catalogs, config.contact_pass_hours, config.contact_remind_hours)


# ---------------------------------------------------------------- the introduction


def reachable(party: Party) -> bool:
    """Whether the details give a way to get in touch without the bot."""
    return details_reachable(party.details)


def detail_lines(t: Translator, party: Party) -> list[str]:
    """Exactly what ``party`` shares, each value escaped."""
    details = party.details
    lines = []
    if details.name:
        lines.append(t._("Name: {name}").format(name=html.escape(details.name)))
    if details.organisation:
        lines.append(
            t._("Organisation: {organisation}").format(
                organisation=html.escape(details.organisation)
            )
        )
    if details.phone:
        lines.append(t._("Phone: {phone}").format(phone=html.escape(format_phone(details.phone))))
    if details.email:
        lines.append(t._("E-mail: {email}").format(email=html.escape(details.email)))
    if details.username:
        link = '<a href="tg://user?id={id}">{label}</a>'.format(
            id=party.recipient.telegram_user_id, label=t._("open the chat")
        )
        if party.username:
            handle = "@" + html.escape(party.username)
            lines.append(t._("Telegram: {handle} ({link})").format(handle=handle, link=link))
        else:
            lines.append(t._("Telegram: {link}").format(link=link))
    if not lines:
        lines.append(t._("They chose not to share any details."))
    elif not reachable(party):
        lines.append(t._("They share no phone number, e-mail address or Telegram username."))
    return lines


def introduction(catalogs: Catalogs, relay_days: int | None = None) -> Introduction:
    """With ``relay_days``, an introduction where one side shares nothing reachable says how
    to write through the bot (the Accept opens the relay: storage/relays.py)."""

    def build(request: ContactRequest, to: Party, about: Party) -> dict[str, Any]:
        t = catalogs.for_member(to.recipient.language, to.recipient.app_language)
        role = t._(ROLE_LABELS[about.role])
        if about.role == request.asker_role:
            opening = t._(
                "🤝 <b>Introduction</b>\nHere are the details of the person you agreed to be "
                "introduced to ({role})."
            )
        else:
            opening = t._(
                "🤝 <b>Introduction</b>\nSomeone from the other side ({role}) has agreed to be "
                "introduced to you about your request."
            )
        lines = [
            opening.format(role=role),
            topic_line(t, request),
            region_line(t, request),
            "",
            *detail_lines(t, about),
            "",
        ]
        relay = relay_days is not None and not (reachable(to) and reachable(about))
        if relay and relay_days is not None and request.introduced_at is not None:
            ends_at = request.introduced_at + timedelta(days=relay_days)
            lines += contact_relay.relay_lines(t, ends_at, relay_days, reachable(about))
        else:
            lines.append(
                t._(
                    "Please get in touch directly. These details are shared with you for this "
                    "contact only; please do not pass them on."
                )
            )
        markup = contact_relay.intro_keyboard(t, request.id, relay_open=relay)
        return {"text": "\n".join(lines), "reply_markup": markup.to_dict()}

    return build


def _accepted_text(t: Translator, result: AnswerResult) -> str:
    request, asker = result.request, result.asker
    assert request is not None and asker is not None
    lines = [
        t._(
            "✅ <b>You accepted.</b> Thank you! The introduction with the contact details follows."
        ),
        "",
        topic_line(t, request),
        region_line(t, request),
    ]
    if request.organisation_type is None:
        lines.append(t._("Their organisation: none given"))
    elif asker.details.organisation:
        lines.append(
            t._("Their organisation: {organisation} ({type})").format(
                organisation=html.escape(asker.details.organisation),
                type=_organisation_type(t, request),
            )
        )
    else:
        lines.append(
            t._("Their organisation: {type} (name not shared)").format(
                type=_organisation_type(t, request)
            )
        )
    if request.message:
        lines += [t._("Their message:"), f"<blockquote>{html.escape(request.message)}</blockquote>"]
    return "\n".join(lines)


# ---------------------------------------------------------------- the buttons


async def _username(context: BotContext, telegram_user_id: int) -> str | None:
    """The member's @username as Telegram knows it now (None when they have none)."""
    try:
        chat = await context.bot.get_chat(telegram_user_id)
    except TelegramError:
        return None
    return chat.username


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    services, t, member = context.services, context.t, context.member
    parts = unpack(query.data, PREFIX, 3)
    request_id = None if parts is None else number_part(parts[1], _MAX_ID_DIGITS)
    position = None if parts is None else number_part(parts[2], _MAX_ID_DIGITS)
    if parts is None or parts[0] not in ACTIONS or request_id is None or position is None:
        await answer_stale(query, t)
        return
    now = services.clock.now()
    contacts, notices_now = services.contacts, notices_for(context)
    if parts[0] == "accept":
        question = await contacts.question(request_id, position, member.id)
        asker_username = None
        if (
            question is not None
            and question.candidate.answer is None
            and question.asker_shares_username
            and question.asker_telegram_id is not None
        ):
            asker_username = await _username(context, question.asker_telegram_id)
        user = update.effective_user
        result = await contacts.accept(
            request_id,
            position,
            member.id,
            now,
            introduction(services.catalogs, services.config.contact_relay_days),
            candidate_username=None if user is None else user.username,
            asker_username=asker_username,
            relay_for=timedelta(days=services.config.contact_relay_days),
        )
    elif parts[0] == "decline":
        result = await contacts.decline(request_id, position, member.id, now, notices_now)
    else:
        result = await contacts.pass_to_staff(request_id, position, member.id, now, notices_now)
    await _answered(update, context, parts[0], result)


async def _answered(update: Update, context: BotContext, action: str, result: AnswerResult) -> None:
    query = update.callback_query
    assert query is not None
    t = context.t
    if result.answer is Answer.NOT_YOURS:
        await answer_stale(query, t)
        return
    if result.answer is Answer.DONE:
        await query.answer()
        if action == "accept":
            await replace(query, _accepted_text(t, result))
        elif action == "decline":
            await replace(
                query,
                t._(
                    "You declined this request. Thank you for answering; it goes to someone "
                    "else, and nobody is told."
                ),
            )
        else:
            await replace(
                query, t._("You passed this request to the network team. Thank you for answering.")
            )
        return
    if result.answer is Answer.WITHDRAWN:
        text = t._("This request was withdrawn.")
    elif result.answer is Answer.OVER:
        text = t._("This request has gone to someone else because it was not answered in time.")
    elif result.previous == "accepted":
        text = t._("You have already accepted this request; the introduction is on its way.")
    else:
        text = t._("You have already answered this request.")
    await query.answer(text, show_alert=True)
    await drop_buttons(query)
