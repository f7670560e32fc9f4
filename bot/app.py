"""Builds the Application and registers every handler, in order, in one place.

Handler groups run in ascending order; inside a group the first matching handler wins.
  -4  chat guard: non-private chats are answered once and left; nothing else runs for them.
  -3  session: looks up (or creates) the member and picks their translator.
  -2  access: a suspended or lapsed member gets only what their status allows; a member
      whose consent is for an older privacy notice is asked again first.
  -1  router: typed input goes to the conversation that asked last (bot/routing.py). Before
      it, a reply to a conversation the bot relays between two introduced members is passed
      on, whatever question is open (handlers/contact_relay.py).
   0  features, then the catch-alls for unexpected input, which must come last.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import broadcast_progress
from bot.callbacks import pattern
from bot.context import BotContext, KosizuApplication
from bot.errors import on_error
from bot.flood import FloodGate
from bot.persistence import ConversationPersistence
from bot.routing import ConversationRouter
from bot.services import Services
from bot.updates import PollingRequest
from handlers import (
    access,
    applications,
    apply,
    broadcast_approval,
    broadcast_compose,
    cancel,
    chat_guard,
    checkin_answer,
    checkin_away,
    checkin_followups,
    checkin_list,
    checkins_admin,
    consent,
    contact,
    contact_close,
    contact_consent,
    contact_followup,
    contact_queue,
    contact_relay,
    contact_stats,
    deleteme,
    do_not_introduce,
    event_attendance,
    event_edit,
    event_export,
    event_feedback,
    event_feedback_report,
    event_manage,
    event_signup,
    events,
    events_admin,
    help,
    invite,
    language,
    members,
    menu,
    mydata,
    network_report,
    onboarding,
    organisations,
    profile,
    project_members,
    projects,
    reconfirmation,
    session,
    settings,
    unexpected,
)
from handlers.navigation import HOME

_PRIVATE = filters.ChatType.PRIVATE


def build_application(
    services: Services, polling: PollingRequest, gate: FloodGate
) -> KosizuApplication:
    config = services.config
    router = ConversationRouter(contact_relay.unasked)
    app = (
        ApplicationBuilder()
        .application_class(KosizuApplication, {"services": services})
        .token(config.token)
        .base_url(config.api_base_url)
        .updater(None)  # the inbox-backed UpdatePump fetches updates instead (bot/updates.py)
        .get_updates_request(polling)
        .rate_limiter(gate)
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=config.timezone))
        .persistence(ConversationPersistence(services.conversations, services.clock, router))
        .concurrent_updates(False)
        .build()
    )
    assert isinstance(app, KosizuApplication)
    register_handlers(app, router)
    return app


def register_handlers(app: KosizuApplication, router: ConversationRouter) -> None:
    start = CommandHandler("start", menu.start, filters=_PRIVATE)
    help_command = CommandHandler("help", help.show, filters=_PRIVATE)
    cancel_command = CommandHandler("cancel", cancel.nothing_to_cancel, filters=_PRIVATE)
    mydata_command = CommandHandler("mydata", mydata.show, filters=_PRIVATE)
    deleteme_command = CommandHandler("deleteme", deleteme.ask, filters=_PRIVATE)
    erase_buttons = CallbackQueryHandler(deleteme.answer, pattern=pattern(deleteme.PREFIX))
    privacy_command = CommandHandler("privacy", consent.show, filters=_PRIVATE)
    consent_buttons = CallbackQueryHandler(consent.button, pattern=pattern(consent.PREFIX))
    data_rights = [
        help_command,
        cancel_command,
        mydata_command,
        deleteme_command,
        erase_buttons,
        privacy_command,
        consent_buttons,
    ]
    reconfirm_button = CallbackQueryHandler(
        reconfirmation.confirm, pattern=pattern(reconfirmation.PREFIX)
    )
    home_button = CallbackQueryHandler(menu.show_home, pattern=f"^{HOME}$")
    help_button = CallbackQueryHandler(help.show_from_menu, pattern=f"^{help.OPEN}$")
    language_conversation = language.conversation()
    # A language button on an old picker, tapped after the conversation ended.
    language_button = CallbackQueryHandler(language.choose_button, pattern=pattern(language.PREFIX))
    # A lapsed member keeps their profile up to date while their role waits to be reconfirmed,
    # and has the menu that offers the reconfirmation (not an invitation's /start CODE).
    profile_conversation = profile.conversation()
    lapsed_extras: list[BaseHandler[Any, BotContext, Any]] = [
        CommandHandler("start", menu.start, filters=_PRIVATE, has_args=False),
        reconfirm_button,
        profile_conversation,
        home_button,
        help_button,
        language_conversation,
        language_button,
    ]
    # Contact requests: asking, My requests, and a candidate's answer. Suspended and lapsed
    # members reach none of it (it is on neither list above), nor do pending applicants.
    contact_conversation = contact.conversation()
    contact_buttons: list[BaseHandler[Any, BotContext, Any]] = [
        CallbackQueryHandler(contact.mine_button, pattern=pattern(contact.MINE)),
        CallbackQueryHandler(contact_consent.button, pattern=pattern(contact_consent.PREFIX)),
        # After an introduction: ending a relayed conversation, the follow-up's answers, and
        # the "do not introduce me" list.
        CallbackQueryHandler(contact_relay.button, pattern=pattern(contact_relay.PREFIX)),
        CallbackQueryHandler(contact_followup.button, pattern=pattern(contact_followup.PREFIX)),
        CallbackQueryHandler(do_not_introduce.tapped, pattern=pattern(do_not_introduce.PREFIX)),
    ]
    # Quarterly check-ins, a partner's side: answering for a project, out of office. Only
    # active members (the repository re-checks that they answer for the project).
    checkin_conversation = checkin_answer.conversation()
    checkin_handlers: list[BaseHandler[Any, BotContext, Any]] = [
        CommandHandler("checkin", checkin_list.show_list, filters=_PRIVATE),
        CallbackQueryHandler(checkin_list.list_button, pattern=f"^{checkin_list.LIST_OPEN}$"),
        CallbackQueryHandler(checkin_away.away_button, pattern=checkin_away.AWAY_PATTERN),
    ]
    # /settings: what active members receive from the bot on its own (announcements).
    settings_handlers: list[BaseHandler[Any, BotContext, Any]] = [
        CommandHandler("settings", settings.show, filters=_PRIVATE),
        CallbackQueryHandler(settings.button, pattern=pattern(settings.PREFIX)),
    ]
    gate = access.AccessGate(
        suspended_may=data_rights,
        lapsed_may=[*data_rights, *lapsed_extras],
        unconsented_may=data_rights,
        ask_consent=consent.ask,
        members_only=[
            *settings_handlers,
            contact_conversation,
            *contact_buttons,
            checkin_conversation,
            *checkin_handlers,
        ],
    )
    conversations = [
        onboarding.conversation(),
        language_conversation,
        profile_conversation,
        organisations.conversation(),
        apply.conversation(),
        applications.conversation(),
        events_admin.conversation(),
        event_signup.conversation(),
        event_manage.conversation(),
        event_feedback.conversation(),
        event_edit.conversation(),
        contact_conversation,
        contact_close.conversation(),
        projects.conversation(),
        checkin_conversation,
        broadcast_compose.conversation(),
    ]
    app.add_handler(TypeHandler(Update, chat_guard.guard), group=-4)
    app.add_handler(TypeHandler(Update, session.attach_member), group=-3)
    app.add_handler(TypeHandler(Update, gate.enforce), group=-2)
    app.add_handler(contact_relay.replies(), group=-1)
    app.add_handler(TypeHandler(Update, router.route), group=-1)

    features: list[BaseHandler[Any, BotContext, Any]] = [
        # Conversations first: while one is open, its states see the member's input before
        # the stateless commands below (the router picks among open conversations).
        *conversations,
        *data_rights,
        reconfirm_button,
        start,
        CommandHandler("invite", invite.create, filters=_PRIVATE),
        CallbackQueryHandler(invite.button, pattern=pattern(invite.PREFIX)),
        CommandHandler("applications", applications.list_pending, filters=_PRIVATE),
        CommandHandler("members", members.show, filters=_PRIVATE),
        CallbackQueryHandler(members.button, pattern=pattern(members.PREFIX)),
        CommandHandler("organisations", organisations.show, filters=_PRIVATE),
        CallbackQueryHandler(organisations.button, pattern=pattern(organisations.PREFIX)),
        CallbackQueryHandler(events_admin.button, pattern=pattern(events_admin.PREFIX)),
        CallbackQueryHandler(event_export.button, pattern=pattern(event_export.PREFIX)),
        CallbackQueryHandler(event_attendance.button, pattern=pattern(event_attendance.PREFIX)),
        CallbackQueryHandler(event_feedback.button, pattern=pattern(event_feedback.PREFIX)),
        CallbackQueryHandler(
            event_feedback_report.button, pattern=pattern(event_feedback_report.PREFIX)
        ),
        CallbackQueryHandler(event_manage.button, pattern=pattern(event_manage.PREFIX)),
        # A drafting button while no draft is being written: refused or answered as old.
        CallbackQueryHandler(events_admin.old_step_button, pattern=pattern(events_admin.STEP)),
        CommandHandler("events", events.show_list, filters=_PRIVATE),
        # Members' events buttons; those of signing up belong to its conversation above.
        CallbackQueryHandler(events.button, pattern=pattern(events.PREFIX)),
        *contact_buttons,
        # The network team's queue of contact requests, its statistics, and a close
        # message's preview buttons after the conversation ended.
        CommandHandler("requests", contact_queue.show, filters=_PRIVATE),
        CallbackQueryHandler(contact_queue.button, pattern=pattern(contact_queue.PREFIX)),
        CallbackQueryHandler(contact_stats.button, pattern=pattern(contact_stats.PREFIX)),
        CallbackQueryHandler(contact_close.preview_button, pattern=pattern(contact_close.PREFIX)),
        # Funded projects for the quarterly check-ins; creating and editing are the
        # conversation's.
        CommandHandler("projects", projects.show, filters=_PRIVATE),
        CallbackQueryHandler(projects.button, pattern=pattern(projects.PREFIX)),
        CallbackQueryHandler(project_members.button, pattern=pattern(project_members.PREFIX)),
        # Quarterly check-ins, the network team's side: rounds, summary, export, follow-ups.
        CommandHandler("checkins", checkins_admin.show, filters=_PRIVATE),
        CallbackQueryHandler(checkins_admin.button, pattern=pattern(checkins_admin.PREFIX)),
        CallbackQueryHandler(checkin_followups.button, pattern=pattern(checkin_followups.PREFIX)),
        *checkin_handlers,
        # The network report (evaluation figures for a period).
        CommandHandler("report", network_report.command, filters=_PRIVATE),
        CallbackQueryHandler(network_report.button, pattern=pattern(network_report.PREFIX)),
        # Staff broadcasts, delivery: four-eyes approval and cancelling mid-way. Before the
        # composing part's other bc: buttons, which share the prefix.
        CallbackQueryHandler(broadcast_approval.button, pattern=broadcast_approval.PATTERN),
        CallbackQueryHandler(
            broadcast_progress.cancel_button, pattern=broadcast_progress.CANCEL_PATTERN
        ),
        # A composing button while nothing is composed (after /cancel, or a second tap on
        # "Send now"): answered by what became of the broadcast.
        CallbackQueryHandler(broadcast_compose.old_button, pattern=broadcast_compose.BUTTONS),
        *settings_handlers,
        home_button,
        help_button,
        language_button,
    ]
    catch_alls = [
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, unexpected.edited_message),
        MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, unexpected.unknown_command),
        # Text or anything else nothing asked for (while a conversation is relayed, how to
        # write in it instead).
        MessageHandler(filters.UpdateType.MESSAGE, contact_relay.unasked),
        CallbackQueryHandler(unexpected.stale_button),
    ]
    router.watch(conversations, [h for h in features if h not in conversations])
    app.add_handlers([*features, *catch_alls], group=0)
    app.add_error_handler(on_error)
