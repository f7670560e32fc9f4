"""The register of personal data: every table, what it holds about people, how long it is kept,
and how a member's rows are found for export (/mydata) and erasure (/deleteme).

A test fails when the schema has a table this register does not declare, or a column that
points at a person in a table declared as holding no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Erasure(Enum):
    DELETE_ROWS = "delete the member's rows"
    CLEAR_PAYLOAD = "nothing lasting: the personal part is cleared once used"
    KEEP_IDS = "kept: internal ids only, unlinked from the person when the member row goes"
    # Rows that feed the statistics: the member's id and what they wrote are cleared (by the
    # foreign keys and a trigger, so every erasure path does it), the rest stays.
    ANONYMISE = "kept without the member: their id and their own words are cleared"
    NOT_PERSONAL = "holds no personal data"


class KeyKind(Enum):
    MEMBER_ID = "the member's internal id"
    TELEGRAM_ID = "the member's Telegram user id (also their private chat id)"
    CONVERSATION = "a PTB conversation key: [chat id, user id] as JSON"


@dataclass(frozen=True)
class TableRule:
    holds: str  # what it holds about people, for the record of processing
    member_key: str | None  # the column that identifies the member's rows
    erasure: Erasure
    retention: str
    # The member's rows as /mydata exports them: a SELECT with one ``?`` for the member key.
    # None: every column of the rows whose key is the member's.
    export: str | None = None

    @property
    def key_kind(self) -> KeyKind:
        if self.member_key in ("telegram_user_id", "chat_id"):
            return KeyKind.TELEGRAM_ID
        if self.member_key == "key":
            return KeyKind.CONVERSATION
        return KeyKind.MEMBER_ID


NOT_PERSONAL = TableRule("nothing about people", None, Erasure.NOT_PERSONAL, "as long as needed")

REGISTRY: dict[str, TableRule] = {
    "members": TableRule(
        "Telegram user id, name, role, status, organisation, language, city, contact details "
        "and what of them may be shared, availability, activity times",
        "telegram_user_id",
        Erasure.DELETE_ROWS,
        "until the member erases their data",
    ),
    "member_regions": TableRule(
        "the regions a member covers", "member_id", Erasure.DELETE_ROWS, "as the member row"
    ),
    "inbox": TableRule(
        "updates as Telegram sent them (sender, text) until handled, then only the update id",
        None,
        Erasure.CLEAR_PAYLOAD,
        "payload until handled (seconds); update ids 48 hours",
    ),
    "outbox": TableRule(
        "messages waiting to be sent to a chat (the chat id is the member's Telegram id)",
        "chat_id",
        Erasure.DELETE_ROWS,
        "text until sent; the row 30 days after it was settled",
    ),
    "conversation_states": TableRule(
        "which step of a conversation a chat is at",
        "key",
        Erasure.DELETE_ROWS,
        "until the conversation ends",
    ),
    "audit_log": TableRule(
        "who did which privileged action, as internal ids",
        "actor_id",
        Erasure.KEEP_IDS,
        "kept (append-only)",
    ),
    "scheduled_items": NOT_PERSONAL,
    "scheduled_runs": NOT_PERSONAL,
    "foreign_chats": TableRule(
        "ids of group chats the bot left", None, Erasure.NOT_PERSONAL, "as long as needed"
    ),
    "invites": TableRule(
        "invitations; who created one, as an internal id",
        "created_by",
        Erasure.KEEP_IDS,
        "kept for the audit trail (codes are stored hashed)",
    ),
    "invite_failures": TableRule(
        "when someone gave a wrong invitation code (their Telegram id)",
        "telegram_user_id",
        Erasure.DELETE_ROWS,
        "one day",
    ),
    "consents": TableRule(
        "which privacy notice version a member agreed to, when, and any withdrawal",
        "member_id",
        Erasure.DELETE_ROWS,
        "as the member row",
    ),
    "onboarding_drafts": TableRule(
        "someone joining with an invitation: their Telegram id and how far they got",
        "telegram_user_id",
        Erasure.DELETE_ROWS,
        "until they finish or start again",
    ),
    "member_topics": TableRule(
        "the topics a member wants to be contacted about",
        "member_id",
        Erasure.DELETE_ROWS,
        "as the member row",
    ),
    "applications": TableRule(
        "a request to join without an invitation: the claimed role and organisation",
        "member_id",
        Erasure.DELETE_ROWS,
        "a rejected or abandoned application, with the applicant's data, 30 days",
    ),
    "application_reviews": TableRule(
        "which application a staff member is writing a verification note for",
        "member_id",
        Erasure.DELETE_ROWS,
        "until the note is sent or the question is dropped (answered within an hour)",
    ),
    "events": TableRule(
        "events; who created one, as an internal id",
        "created_by",
        Erasure.KEEP_IDS,
        "kept (the network's record of its events)",
    ),
    "event_texts": NOT_PERSONAL,
    "event_questions": NOT_PERSONAL,
    "event_drafts": NOT_PERSONAL,  # a draft's progress; its author is events.created_by
    "registrations": TableRule(
        "who signed up for which event, waiting or confirmed, and who came",
        "member_id",
        Erasure.DELETE_ROWS,
        "as the member row",
    ),
    "registration_answers": TableRule(
        "answers to an event's questions (some sensitive: dietary or accessibility needs)",
        "member_id",
        Erasure.DELETE_ROWS,
        "sensitive answers until 30 days after the event; others as the registration",
    ),
    "event_feedback": TableRule(
        "an attendee's scores for an event they came to, and their optional comment",
        "member_id",
        Erasure.DELETE_ROWS,
        "as the member row",
    ),
    "organisations": TableRule(
        "organisations (bodies, not people)", None, Erasure.NOT_PERSONAL, "as long as needed"
    ),
    "event_message_drafts": TableRule(
        "a staff member's message to an event's registrants, while they write it",
        "member_id",
        Erasure.DELETE_ROWS,
        "until it is sent, or the staff member cancels or starts another",
    ),
    "event_edits": TableRule(
        "a staff member's unsaved change to a published event, while they type it",
        "member_id",
        Erasure.DELETE_ROWS,
        "until it is saved or discarded, the staff member starts another, or is suspended",
    ),
    "organisation_drafts": TableRule(
        "a staff member adding or renaming an organisation: the name typed so far",
        "member_id",
        Erasure.DELETE_ROWS,
        "until the organisation is saved, or the staff member cancels or starts again",
    ),
    # Contact requests (storage/contacts.py). Erasure: the foreign keys unlink the member and
    # a trigger (migration 0008) drops their message, their draft and undelivered
    # introductions carrying their details; topic, region, outcome and dates stay for the
    # statistics until the retention (storage/contact_retention.py) deletes them.
    "contact_requests": TableRule(
        "a member's requests to be introduced: their side and organisation type, topic, "
        "region, their message, the outcome and its dates",
        "asker_id",
        Erasure.ANONYMISE,
        "the message until the request is withdrawn or closed by staff, else 90 days after "
        "it closed (KOSIZU_CONTACT_MESSAGE_DAYS); an unsent draft 90 days; the rest for the "
        "statistics, 730 days after it closed (KOSIZU_CONTACT_RETENTION_DAYS)",
        export="SELECT id, asker_role, organisation_type, topic, region, message, state,"
        " queued_reason, created_at, submitted_at, queued_at, introduced_at, closed_at"
        " FROM contact_requests WHERE asker_id = ? ORDER BY id",
    ),
    "contact_candidates": TableRule(
        "who was asked about which contact request, when, and what they answered",
        "member_id",
        Erasure.ANONYMISE,
        "as the request",
        # What the member was shown when asked, never the asker's message or person.
        export="SELECT c.request_id, q.topic, q.region, q.asker_role, q.organisation_type,"
        " c.asked_at, c.reminded_at, c.answered_at, c.answer,"
        " c.assigned_by IS NOT NULL AS chosen_by_network_team"
        " FROM contact_candidates c JOIN contact_requests q ON q.id = c.request_id"
        " WHERE c.member_id = ? ORDER BY c.asked_at, c.request_id",
    ),
    "contact_close_drafts": TableRule(
        "a staff member's message to the asker of a queued contact request, while they write it",
        "member_id",
        Erasure.DELETE_ROWS,
        "until it is sent or dropped, the staff member starts another, or the asker is erased",
    ),
    "do_not_introduce": TableRule(
        "whom a member does not want to be introduced to again",
        "member_id",
        Erasure.DELETE_ROWS,
        "until the member removes it (rows naming them as the other person go with them too)",
    ),
    "contact_relays": TableRule(
        "when the relay between two introduced members opened and ended, and who ended it",
        None,
        Erasure.KEEP_IDS,
        "as the request",
    ),
    "relay_messages": TableRule(
        "which relayed message (chat and message id) belongs to which request, never its text",
        "chat_id",
        Erasure.DELETE_ROWS,
        "as the relay",
    ),
    "contact_followups": TableRule(
        "whether two introduced members got in touch and how useful it was (1-5)",
        "member_id",
        Erasure.ANONYMISE,
        "as the request",
    ),
    # Quarterly check-ins (issue 6): the questionnaire's versions are the network's wording,
    # imported by the operator; nothing in them names a person.
    "questionnaire_versions": NOT_PERSONAL,
    "questionnaire_questions": NOT_PERSONAL,
    "questionnaire_texts": NOT_PERSONAL,
    # Funded projects (issue 6): the project itself names organisations, not people; who
    # answers for it is a member's own data and goes with them.
    "projects": NOT_PERSONAL,
    "project_members": TableRule(
        "which funded projects a member answers the quarterly check-ins for",
        "member_id",
        Erasure.DELETE_ROWS,
        "as the member row, or until staff remove the member from the project",
    ),
    "project_drafts": TableRule(
        "a staff member creating or changing a project: the name, organisation and start "
        "date chosen so far",
        "member_id",
        Erasure.DELETE_ROWS,
        "until the project is saved, or the staff member cancels or starts again",
    ),
    # Check-in rounds (issue 6). The answers are the project's, not the member's: when a
    # member erases their data the answer stays and "answered by" becomes a former member
    # (the foreign keys set the ids NULL). Rounds go with everything in them
    # KOSIZU_CHECKIN_RETENTION_DAYS (5 years) after they closed (the daily retention job).
    "checkin_rounds": TableRule(
        "check-in rounds; the staff member who opened one, as an internal id",
        "opened_by",
        Erasure.KEEP_IDS,
        "until KOSIZU_CHECKIN_RETENTION_DAYS (default 1826) after the round closed",
    ),
    "checkin_projects": TableRule(
        "a project's part in a round: who is answering it and who submitted it",
        "submitted_by",
        Erasure.ANONYMISE,
        "as the round",
        export="SELECT round_id, project_id, submitted_at FROM checkin_projects"
        " WHERE submitted_by = ? ORDER BY round_id, project_id",
    ),
    "checkin_answers": TableRule(
        "a project's answers to the check-in questions, and which member gave each",
        "answered_by",
        Erasure.ANONYMISE,
        "as the round",
    ),
    "checkin_prompts": TableRule(
        "which members were prompted for which project's check-in, and who was out of office",
        "member_id",
        Erasure.DELETE_ROWS,
        "as the round, or until the member erases their data",
    ),
    # Staff broadcasts (issue 7): written by staff for many; the texts name no member. Who
    # received one is in the outbox rows (declared above) until they are pruned.
    "broadcasts": TableRule(
        "staff broadcasts; their author, approver and progress message, as internal ids",
        "author_id",
        Erasure.KEEP_IDS,
        "kept (the network's record of what it announced)",
    ),
    "broadcast_texts": NOT_PERSONAL,
    "checkin_followups": TableRule(
        "staff marked a project's 'support needed' answer done; who, as an internal id",
        "done_by",
        Erasure.KEEP_IDS,
        "as the round",
    ),
}

# Column names that point at a person wherever they appear.
PERSON_COLUMNS = frozenset(
    {"member_id", "telegram_user_id", "chat_id", "actor_id", "user_id", "applicant_id"}
)
