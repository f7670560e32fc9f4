"""What handlers and jobs need, built once per process and reached through the typed context."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import LANGUAGES, Config
from bot.i18n import Catalogs
from bot.privacy import PrivacyNotice
from storage.applications import ApplicationRepository
from storage.audit import AuditRepository
from storage.broadcasts import BroadcastRepository
from storage.chats import ForeignChatRepository
from storage.checkin_followups import CheckinFollowupRepository
from storage.checkins import CheckinRepository
from storage.consents import ConsentRepository
from storage.contact_followups import FollowupRepository
from storage.contact_queue import ContactQueueRepository
from storage.contact_stats import ContactStatsRepository
from storage.contacts import ContactRepository
from storage.conversations import ConversationRepository
from storage.db import Database
from storage.do_not_introduce import DoNotIntroduceRepository
from storage.event_edits import EventEditRepository
from storage.events import EventRepository
from storage.feedback import FeedbackRepository
from storage.inbox import InboxRepository
from storage.invites import InviteRepository
from storage.members import MemberRepository
from storage.network_report import NetworkReportRepository
from storage.onboarding import OnboardingRepository
from storage.organisations import OrganisationRepository
from storage.outbox import OutboxRepository
from storage.personal_data import PersonalDataRepository
from storage.profiles import ProfileRepository
from storage.projects import ProjectRepository
from storage.questionnaires import QuestionnaireRepository
from storage.reconfirmation import ReconfirmationRepository
from storage.registrations import RegistrationRepository
from storage.relays import RelayRepository
from storage.schedule import ScheduleRepository


@dataclass
class Services:
    config: Config
    clock: Clock
    db: Database
    catalogs: Catalogs
    privacy: PrivacyNotice
    members: MemberRepository
    inbox: InboxRepository
    conversations: ConversationRepository
    schedule: ScheduleRepository
    outbox: OutboxRepository
    audit: AuditRepository
    applications: ApplicationRepository
    foreign_chats: ForeignChatRepository
    invites: InviteRepository
    onboarding: OnboardingRepository
    personal_data: PersonalDataRepository
    organisations: OrganisationRepository
    profiles: ProfileRepository
    consents: ConsentRepository
    reconfirmation: ReconfirmationRepository
    events: EventRepository
    registrations: RegistrationRepository
    feedback: FeedbackRepository
    event_edits: EventEditRepository
    contacts: ContactRepository
    # After an introduction (issue 5, part 2): relay, follow-up, "do not introduce me".
    relays: RelayRepository
    contact_followups: FollowupRepository
    do_not_introduce: DoNotIntroduceRepository
    contact_queue: ContactQueueRepository
    contact_stats: ContactStatsRepository
    network_report: NetworkReportRepository
    # Quarterly check-ins (issue 6): the funded projects, the questionnaire, the rounds.
    projects: ProjectRepository
    questionnaires: QuestionnaireRepository
    checkins: CheckinRepository
    checkin_followups: CheckinFollowupRepository
    # Staff broadcasts (issue 7).
    broadcasts: BroadcastRepository

    @classmethod
    def create(
        cls,
        config: Config,
        clock: Clock,
        db: Database,
        catalogs: Catalogs,
        privacy: PrivacyNotice,
    ) -> Services:
        return cls(
            config=config,
            clock=clock,
            db=db,
            catalogs=catalogs,
            privacy=privacy,
            members=MemberRepository(db),
            inbox=InboxRepository(db),
            conversations=ConversationRepository(db),
            schedule=ScheduleRepository(db),
            outbox=OutboxRepository(db),
            audit=AuditRepository(db),
            applications=ApplicationRepository(db),
            foreign_chats=ForeignChatRepository(db),
            invites=InviteRepository(db),
            onboarding=OnboardingRepository(db),
            personal_data=PersonalDataRepository(db),
            organisations=OrganisationRepository(db),
            profiles=ProfileRepository(db),
            consents=ConsentRepository(db),
            reconfirmation=ReconfirmationRepository(db),
            events=EventRepository(db),
            registrations=RegistrationRepository(db),
            feedback=FeedbackRepository(db),
            event_edits=EventEditRepository(db),
            contacts=ContactRepository(db, config.timezone),
            relays=RelayRepository(db),
            contact_followups=FollowupRepository(db),
            do_not_introduce=DoNotIntroduceRepository(db),
            contact_queue=ContactQueueRepository(db),
            contact_stats=ContactStatsRepository(db),
            network_report=NetworkReportRepository(db, config.default_language),
            projects=ProjectRepository(db),
            questionnaires=QuestionnaireRepository(db),
            checkins=CheckinRepository(db),
            checkin_followups=CheckinFollowupRepository(db),
            broadcasts=BroadcastRepository(db, config.default_language, LANGUAGES),
        )
