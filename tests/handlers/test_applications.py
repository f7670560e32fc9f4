"""Applying without an invitation, and the network team's decision: the applicant's
conversation, staff review with the verification note, rejection and its erasure."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.applications import NoteRequired
from storage.audit import AuditRepository
from storage.db import Database
from storage.vocabulary import REGIONS as REGION_CODES
from tests.support.harness import ChildBot, InProcessBot, eventually
from tests.support.members import joined_member, pending_applicant, staff_member

STAFF_ONLY = "This is only for the network team."
DECIDED = "This application has been decided already (or withdrawn)."
SUBMITTED = (
    "Thank you. Your application has been sent to the network team. You will hear their "
    "decision here."
)
NOTE = "called the unit's official number"


def text(message: BotMessage) -> str:
    assert message.plain is not None
    return message.plain


async def start_application(user: SimUser, name: str = "Ayşe Demir") -> None:
    """/apply, agree, name: up to the role question."""
    user.send_text("/apply")
    user.tap(await user.wait_for_message(), "✅ I agree")
    assert text(await user.wait_for_message()).startswith("Thank you. Which name")
    user.send_text(name)


async def fill_in(
    user: SimUser,
    *,
    role: str,
    regions: tuple[str, ...] = ("North Rhine-Westphalia",),
    city: str = "Köln",
    organisation: str | None = None,
    new_organisation: str = "Polizeipräsidium Köln",
    kind: str | None = None,
) -> BotMessage:
    """From the role question to the summary; ``organisation`` None proposes a new one."""
    user.tap(await user.wait_for_message(), role)
    picker = await user.wait_for_message()
    for region in regions:
        user.tap(picker, region)
    user.tap(picker, "Done")
    assert text(await user.wait_for_message()).startswith("In which city")
    user.send_text(city)
    choice = await user.wait_for_message()
    if organisation is not None:
        user.tap(choice, organisation)
    else:
        user.tap(choice, "My organisation is not listed")
        await user.wait_for_message()  # the name question
        user.send_text(new_organisation)
        if kind is not None:
            user.tap(await user.wait_for_message(), kind)
    summary = await user.wait_for_message()
    assert text(summary).startswith("Please check your application")
    return summary


async def submit(user: SimUser, bot: InProcessBot, summary: BotMessage) -> None:
    user.tap(summary, "📨 Submit")
    assert text(await user.wait_for_message()) == SUBMITTED
    await bot.settled()
    bot.running.sender.wake()  # the notifications go out now, not at the sender's next poll


async def outbox_message(user: SimUser, bot: InProcessBot) -> BotMessage:
    """The next message, which the bot sends through the outbox."""
    bot.running.sender.wake()
    return await user.wait_for_message()


async def member_row(bot: InProcessBot, user: SimUser) -> dict[str, Any] | None:
    row = await bot.running.services.db.fetchone(
        "SELECT * FROM members WHERE telegram_user_id = ?", (user.id,)
    )
    return None if row is None else dict(row)


async def application_rows(bot: InProcessBot) -> list[dict[str, Any]]:
    rows = await bot.running.services.db.fetchall("SELECT * FROM applications ORDER BY id")
    return [dict(r) for r in rows]


async def test_police_application_is_approved_with_a_verification_note(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    staff = await staff_member(emulator, bot, 20001)
    applicant = emulator.user(20002, language_code="en")
    await start_application(applicant)
    role_question = await applicant.wait_for_message()
    assert role_question.button_labels == ["community representative", "police contact"]
    applicant.tap(role_question, "police contact")
    picker = await applicant.wait_for_message()
    applicant.tap(picker, "North Rhine-Westphalia")
    applicant.tap(picker, "nationwide")
    applicant.tap(picker, "Done")
    await applicant.wait_for_message()
    applicant.send_text("Köln")
    choice = await applicant.wait_for_message()
    assert choice.button_labels == ["My organisation is not listed"]
    applicant.tap(choice, "My organisation is not listed")
    await applicant.wait_for_message()
    applicant.send_text("Polizeipräsidium <Köln>")
    summary = await applicant.wait_for_message()  # police: no question about the kind
    assert text(summary).splitlines()[2:7] == [
        "Name: Ayşe Demir",
        "Role claimed: police contact",
        "Organisation: Polizeipräsidium <Köln> (police authority or unit) – not listed yet",
        "Regions: North Rhine-Westphalia, nationwide",
        "City: Köln",
    ]
    member = await member_row(bot, applicant)
    assert member is not None and (member["role"], member["status"]) == (None, None)
    await submit(applicant, bot, summary)
    member = await member_row(bot, applicant)
    assert member is not None and (member["role"], member["status"]) == (None, "pending")

    notification = await outbox_message(staff, bot)
    assert text(notification).startswith("New application #1 to join the network")
    assert "Name: Ayşe Demir" in text(notification)
    assert "Polizeipräsidium &lt;Köln&gt;" in (notification.text or "")  # escaped
    assert "verified before approval" in text(notification)
    assert notification.button_labels == ["✅ Approve", "✖️ Reject"]

    staff.tap(notification, "✅ Approve")
    question = await staff.wait_for_message()
    assert "How did you verify this?" in text(question)
    staff.send_text(NOTE)
    assert text(await staff.wait_for_message()) == (
        "Application #1 approved: Ayşe Demir is now an active member (police contact) and "
        "has been told."
    )
    assert notification.buttons == []

    welcome = await outbox_message(applicant, bot)
    assert text(welcome) == (
        "Your application has been approved. Welcome to the network, Ayşe Demir! Your role: "
        "police contact. Send /start to open the menu."
    )
    organisations = await services.organisations.all()
    assert [(o.name, o.type, o.bundesland) for o in organisations] == [
        ("Polizeipräsidium <Köln>", "police", "DE-NW")
    ]
    member = await member_row(bot, applicant)
    staff_row = await member_row(bot, staff)
    assert member is not None and staff_row is not None
    assert (member["role"], member["status"], member["organisation_id"]) == (
        "police",
        "active",
        organisations[0].id,
    )
    assert member["role_confirmed_at"] is not None
    (application,) = await application_rows(bot)
    assert (application["state"], application["decided_by"]) == ("approved", staff_row["id"])
    audit = AuditRepository(services.db)
    (approval,) = await audit.entries("application.approve")
    assert (approval.actor_id, approval.object_type, approval.object_id) == (
        staff_row["id"],
        "application",
        1,
    )
    assert approval.detail is not None and NOTE in approval.detail
    (added,) = await audit.entries("organisation.add")
    assert added.actor_id == staff_row["id"]
    assert [e.actor_id for e in await audit.entries("application.submit")] == [member["id"]]


async def test_community_application_is_approved_in_one_tap_and_decided_only_once(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    now = services.clock.now()
    for name, kind, region in (
        ("Moschee Ehrenfeld", "mosque_association", "DE-NW"),
        ("islamischer Bund", "umbrella_organisation", "DE"),
        ("Moschee Altona", "mosque_association", "DE-HH"),  # another region
        ("Polizei Köln", "police", "DE-NW"),  # not for a community claim
    ):
        await services.organisations.add(name, kind, region, now, actor_id=None)
    first = await staff_member(emulator, bot, 20011)
    second = await staff_member(emulator, bot, 20012)
    applicant = emulator.user(20013, language_code="en")
    await start_application(applicant, "Yusuf Kaya")
    applicant.tap(await applicant.wait_for_message(), "community representative")
    picker = await applicant.wait_for_message()
    applicant.tap(picker, "North Rhine-Westphalia")
    applicant.tap(picker, "Done")
    await applicant.wait_for_message()
    applicant.send_text("Köln")
    choice = await applicant.wait_for_message()
    assert choice.button_labels == [
        "islamischer Bund (nationwide)",
        "Moschee Ehrenfeld (North Rhine-Westphalia)",
        "My organisation is not listed",
    ]
    applicant.tap(choice, "Moschee Ehrenfeld (North Rhine-Westphalia)")
    summary = await applicant.wait_for_message()
    assert "Organisation: Moschee Ehrenfeld (North Rhine-Westphalia)" in text(summary)
    await submit(applicant, bot, summary)

    first_copy = await outbox_message(first, bot)
    second_copy = await outbox_message(second, bot)
    assert "verified" not in text(first_copy)  # only police claims need a note
    first.tap(first_copy, "✅ Approve")
    assert text(await first.wait_for_message()) == (
        "Application #1 approved: Yusuf Kaya is now an active member (community "
        "representative) and has been told."
    )
    second.tap(second_copy, "✖️ Reject")
    await bot.settled()
    assert second.callback_answers[-1]["text"] == DECIDED
    assert second_copy.button_labels == ["✅ Approve", "✖️ Reject"]  # kept: it only answers

    welcome = await outbox_message(applicant, bot)
    assert "Your role: community representative." in text(welcome)
    member = await member_row(bot, applicant)
    assert member is not None
    assert (member["role"], member["status"], member["organisation_id"]) == (
        "community",
        "active",
        1,
    )
    (application,) = await application_rows(bot)
    assert application["state"] == "approved"
    audit = AuditRepository(services.db)
    assert len(await audit.entries("application.approve")) == 1
    assert await audit.entries("application.reject") == []
    assert len(await audit.entries("organisation.add")) == 4  # only those added above
    assert await services.outbox.states(applicant.id) == ["sent"]


async def test_rejection_is_told_and_erased_after_30_days_with_abandoned_drafts(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    staff = await staff_member(emulator, bot, 20021)
    applicant = emulator.user(20022, language_code="en")
    await start_application(applicant, "Emre Yıldız")
    summary = await fill_in(
        applicant,
        role="community representative",
        regions=("Hamburg", "Bremen"),
        city="Hamburg",
        new_organisation="Moscheeverein Nord",
        kind="mosque association",
    )
    assert "Moscheeverein Nord (mosque association) – not listed yet" in text(summary)
    await submit(applicant, bot, summary)
    notification = await outbox_message(staff, bot)
    staff.tap(notification, "✖️ Reject")
    assert text(await staff.wait_for_message()) == (
        "Application #1 rejected: Emre Yıldız has been told. Their data is erased in 30 days."
    )
    told = await outbox_message(applicant, bot)
    assert text(told) == (
        "Your application to join the network was not accepted. What you told us will be "
        "erased after February 10, 2027; from then on you may apply again."
    )
    member = await member_row(bot, applicant)
    assert member is not None and (member["role"], member["status"]) == (None, None)
    (application,) = await application_rows(bot)
    assert application["state"] == "rejected"
    audit = AuditRepository(services.db)
    staff_row = await member_row(bot, staff)
    assert staff_row is not None
    assert [(e.actor_id, e.object_id) for e in await audit.entries("application.reject")] == [
        (staff_row["id"], 1)
    ]
    assert await services.organisations.all() == []  # a rejected proposal creates nothing

    applicant.send_text("/apply")
    assert text(await applicant.wait_for_message()) == (
        "Your application was not accepted. It will be erased after February 10, 2027; from "
        "then on you may apply again."
    )
    # Someone else agrees, gives a name, and never comes back.
    quitter = emulator.user(20023, language_code="en")
    await start_application(quitter, "Half Way")
    await quitter.wait_for_message()  # the role question
    quitter_row = await member_row(bot, quitter)
    assert quitter_row is not None

    bot.manual_clock().advance(timedelta(days=31))

    async def retention_ran() -> bool:
        return bool(await audit.entries("retention.run"))

    await eventually(retention_ran, what="the daily retention run")
    (run,) = await audit.entries("retention.run")
    assert run.detail is not None and "applications=2" in run.detail
    assert await member_row(bot, applicant) is None
    assert await member_row(bot, quitter) is None
    assert await application_rows(bot) == []
    consents = await services.db.fetchall("SELECT member_id FROM consents")
    assert [r[0] for r in consents] == [staff_row["id"]]
    assert await services.db.fetchall("SELECT * FROM member_regions") == []
    expired = await audit.entries("application.expire")
    assert sorted(e.object_id or 0 for e in expired) == [member["id"], quitter_row["id"]]
    assert all(e.actor_id is None for e in expired)
    assert await member_row(bot, staff) is not None

    applicant.send_text("/apply")  # a new start is possible now
    assert "Privacy notice" in text(await applicant.wait_for_message())


async def test_a_police_claim_cannot_be_approved_without_a_note(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    await services.organisations.add(
        "Polizei Bonn", "police", "DE-NW", services.clock.now(), actor_id=None
    )
    staff = await staff_member(emulator, bot, 20041)
    applicant = emulator.user(20042, language_code="en")
    await start_application(applicant, "Officer Weber")
    summary = await fill_in(
        applicant, role="police contact", organisation="Polizei Bonn (North Rhine-Westphalia)"
    )
    await submit(applicant, bot, summary)
    notification = await outbox_message(staff, bot)
    staff.tap(notification, "✅ Approve")
    await staff.wait_for_message()  # the question for the note
    reminder = (
        "Please send the verification note as a text of 5 to 300 characters, or /cancel to "
        "decide later."
    )
    staff.send_text("ok")
    assert text(await staff.wait_for_message()) == reminder
    staff.send_photo()
    assert text(await staff.wait_for_message()) == reminder
    staff.send_sticker()
    assert text(await staff.wait_for_message()) == reminder
    staff.send_text("y" * 5000)
    assert text(await staff.wait_for_message()) == reminder
    staff.send_text("/cancel")
    assert text(await staff.wait_for_message()) == (
        "Nothing was decided. The application is still waiting for a decision."
    )
    staff.send_text(NOTE)  # the question is closed: this is no note any more
    assert text(await staff.wait_for_message()).startswith("I'm not sure what you mean.")
    assert notification.button_labels == ["✅ Approve", "✖️ Reject"]

    staff_row = await member_row(bot, staff)
    assert staff_row is not None
    with pytest.raises(NoteRequired):
        await services.applications.approve(
            1, staff_row["id"], services.clock.now(), lambda _: {"text": "-"}, note=" "
        )
    member = await member_row(bot, applicant)
    assert member is not None and (member["role"], member["status"]) == (None, "pending")
    (application,) = await application_rows(bot)
    assert application["state"] == "pending"
    assert await AuditRepository(services.db).entries("application.approve") == []


async def test_a_forged_approve_button_is_refused_and_audited(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    await staff_member(emulator, bot, 20051)
    applicant = emulator.user(20052, language_code="en")
    await start_application(applicant, "Self Approver")
    summary = await fill_in(applicant, role="police contact")
    await submit(applicant, bot, summary)
    member = await joined_member(emulator, bot, 20053, "community")
    for user in (applicant, member):
        user.tap_data(user.messages[-1].message_id, "appl:approve:1")
        await bot.settled()
        assert user.callback_answers[-1]["text"] == STAFF_ONLY
        assert user.callback_answers[-1]["show_alert"] is True
    denied = await AuditRepository(services.db).entries("access.denied")
    assert [e.detail for e in denied] == ["button=appl", "button=appl"]
    (application,) = await application_rows(bot)
    assert application["state"] == "pending"
    row = await member_row(bot, applicant)
    assert row is not None and (row["role"], row["status"]) == (None, "pending")


async def test_staff_list_pending_applications(emulator: Emulator, bot: InProcessBot) -> None:
    staff = await staff_member(emulator, bot, 20061)
    staff.send_text("/applications")
    assert text(await staff.wait_for_message()) == "No applications are waiting for a decision."
    for user_id, role in ((20062, "police contact"), (20063, "community representative")):
        user = emulator.user(user_id, language_code="en")
        await start_application(user, f"Person {user_id}")
        kind = None if role == "police contact" else "Muslim NGO"
        await submit(user, bot, await fill_in(user, role=role, kind=kind))
    await bot.settled()
    staff.skip_messages()
    staff.send_text("/applications")
    listing = await staff.wait_for_message()
    assert text(listing).startswith("2 applications are waiting for a decision.")
    assert "Name: Person 20062" in text(listing) and "Name: Person 20063" in text(listing)
    assert listing.button_labels == ["✅ Approve #1", "✖️ Reject #1", "✅ Approve #2", "✖️ Reject #2"]
    staff.tap(listing, "✅ Approve #2")
    assert text(await staff.wait_for_message()).startswith("Application #2 approved")
    assert len(listing.button_labels) == 4  # the list keeps the other application's buttons
    staff.tap(listing, "✅ Approve #2")
    await bot.settled()
    assert staff.callback_answers[-1]["text"] == DECIDED
    staff.tap_data(listing.message_id, "appl:list")  # the staff menu's button
    assert text(await staff.wait_for_message()).startswith(
        "1 application is waiting for a decision."
    )

    outsider = emulator.user(20064, language_code="en")
    outsider.send_text("/applications")
    assert text(await outsider.wait_for_message()) == STAFF_ONLY
    outsider.tap_data(outsider.messages[-1].message_id, "appl:list")
    await bot.settled()
    assert outsider.callback_answers[-1]["text"] == STAFF_ONLY
    denied = await AuditRepository(bot.running.services.db).entries("access.denied")
    assert [e.detail for e in denied] == ["command=applications", "button=appl"]


async def test_who_may_not_apply_is_told_why(emulator: Emulator, bot: InProcessBot) -> None:
    staff = await staff_member(emulator, bot, 20071)
    member = await joined_member(emulator, bot, 20072, "police")
    for user in (staff, member):
        user.send_text("/apply")
        assert text(await user.wait_for_message()) == (
            "You are already a member of the network. Send /start to open the menu."
        )
    applicant = emulator.user(20073, language_code="en")
    await start_application(applicant)
    await submit(applicant, bot, await fill_in(applicant, role="police contact"))
    applicant.tap_data(applicant.messages[-1].message_id, "apply")  # the menu's button
    assert text(await applicant.wait_for_message()) == (
        "Your application is being reviewed by the network team. You will hear from us here."
    )
    assert len(await application_rows(bot)) == 1


async def test_declining_consent_stores_nothing(emulator: Emulator, bot: InProcessBot) -> None:
    services = bot.running.services
    user = emulator.user(20081, language_code="en")
    user.tap_data(0, "apply")  # the menu's button (the message id does not matter)
    notice = await user.wait_for_message()
    assert "Privacy notice" in text(notice)
    user.tap(notice, "I do not agree")
    assert text(await user.wait_for_message()).startswith(
        "Without your consent you cannot apply, and the network has stored nothing about you"
    )
    assert await services.db.fetchall("SELECT * FROM consents") == []
    assert await application_rows(bot) == []
    member = await member_row(bot, user)
    assert member is not None
    assert (member["display_name"], member["city"], member["status"]) == (None, None, None)


async def test_wrong_input_at_every_step_and_cancel_erases(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    user = emulator.user(20091, language_code="en")

    async def answer_is(expected: str, buttons: list[str] | None = None) -> None:
        reply = await user.wait_for_message()
        assert text(reply) == expected
        if buttons is not None:
            assert reply.button_labels == buttons

    user.send_text("/apply")
    await user.wait_for_message()
    consent = "Please read the privacy notice above and tap “I agree” or “I do not agree”."
    user.send_text("yes")
    await answer_is(consent, ["✅ I agree", "I do not agree"])
    user.send_photo()
    reminder = await user.wait_for_message()
    assert text(reminder) == consent
    user.tap(reminder, "✅ I agree")
    await user.wait_for_message()

    user.send_sticker()
    await answer_is("Please send your name as a text message.")
    user.send_text("y" * 5000)
    await answer_is("Please send a name of 2 to 100 characters.")
    user.send_text("<b>Bold</b> Name")
    roles = ["community representative", "police contact"]
    await user.wait_for_message()

    user.send_text("police")
    await answer_is("Please tap the role you have.", roles)
    user.send_photo()
    role_question = await user.wait_for_message()
    user.tap_data(role_question.message_id, "apply:role:staff")  # nobody claims staff
    await bot.settled()
    assert user.callback_answers[-1]["text"].startswith("This button no longer works.")
    user.tap(role_question, "community representative")
    picker = await user.wait_for_message()

    user.send_sticker()
    assert text(await user.wait_for_message()) == (
        "Please choose your regions with the buttons and tap “Done”."
    )
    user.tap(picker, "Done")
    await bot.settled()
    assert user.callback_answers[-1]["text"] == "Please choose at least one region."
    user.tap(picker, "Berlin")
    user.tap(picker, "Saxony")
    user.tap(picker, "Saxony")  # off again
    await bot.settled()
    assert "✅ Berlin" in picker.button_labels and "Saxony" in picker.button_labels
    user.tap(picker, "Done")
    await user.wait_for_message()

    city = "Please send the name of your city or town as text (2 to 100 characters)."
    user.send_sticker()
    await answer_is(city)
    user.send_text("z" * 5000)
    await answer_is(city)
    user.send_text("Berlin")
    await user.wait_for_message()

    user.send_text("my mosque")
    await answer_is(
        "Please tap your organisation, or “My organisation is not listed” to name it.",
        ["My organisation is not listed"],
    )
    user.tap(user.last_message, "My organisation is not listed")
    await user.wait_for_message()

    name = "Please send your organisation's name as text (2 to 200 characters)."
    user.send_photo()
    await answer_is(name)
    user.send_text("w" * 5000)
    await answer_is(name)
    user.send_text("Verein & Co")
    await user.wait_for_message()

    user.send_sticker()
    await answer_is(
        "Please tap the kind of organisation.",
        [
            "mosque association",
            "Muslim umbrella organisation",
            "Muslim NGO",
            "other public body",
        ],
    )
    user.tap(user.last_message, "Muslim NGO")
    summary = await user.wait_for_message()
    assert "Name: <b>Bold</b> Name" in text(summary)  # shown, not interpreted
    assert "Verein &amp; Co" in (summary.text or "")

    user.send_text("ok")
    await answer_is(
        "Please tap “Submit” to send your application, or “Cancel”.", ["📨 Submit", "Cancel"]
    )
    member = await member_row(bot, user)
    assert member is not None and member["display_name"] == "<b>Bold</b> Name"
    user.send_text("/cancel")
    await answer_is(
        "Application cancelled. What you entered has been erased. You can apply again at any "
        "time with /apply."
    )
    user.tap(summary, "📨 Submit")  # the old summary's button
    await bot.settled()
    assert user.callback_answers[-1]["text"].startswith("This button no longer works.")
    assert await application_rows(bot) == []
    assert await services.db.fetchall("SELECT * FROM consents") == []
    assert await services.db.fetchall("SELECT * FROM member_regions") == []
    member = await member_row(bot, user)
    assert member is None or member["display_name"] is None
    erased = await AuditRepository(services.db).entries("application.cancel")
    assert len(erased) == 1


async def test_a_long_list_of_applications_fits_one_message(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    repo, now = services.applications, services.clock.now()
    for user_id in range(20101, 20111):  # made in storage: ten long applications, quickly
        member = await services.members.seen(user_id, now)
        draft = await repo.start(member.id, now)
        await repo.set_name(member.id, "N" * 100)
        await repo.set_city(member.id, "C" * 100)
        for region in REGION_CODES:
            await repo.toggle_region(member.id, region)
        await repo.claim_role(draft.id, "police")
        await repo.propose_organisation(draft.id, "O" * 200, "police")
        assert await repo.submit(draft.id, now, lambda *_: {"text": "-"}) == 0
    staff = await staff_member(emulator, bot, 20100)
    staff.send_text("/applications")
    listing = await staff.wait_for_message()
    assert len(text(listing)) <= 4096
    shown = len(listing.button_labels) // 2
    assert 1 <= shown < 10
    assert text(listing).endswith(
        f"The oldest {shown} are shown; decide on them to see the others."
    )


async def test_an_application_interrupted_by_sigkill_resumes(
    emulator: Emulator, db_path: Path
) -> None:
    child = ChildBot(emulator, db_path).start()
    try:
        user = emulator.user(20200, language_code="en")
        user.send_text("/apply")
        user.tap(await user.wait_for_message(timeout=20), "✅ I agree")
        await user.wait_for_message(timeout=10)
        user.send_text("Killed Midway")
        user.tap(await user.wait_for_message(timeout=10), "community representative")
        picker = await user.wait_for_message(timeout=10)
        user.tap(picker, "Hamburg")
        await user.wait_for_edit(picker, timeout=10)
        user.tap(picker, "Done")
        assert text(await user.wait_for_message(timeout=10)).startswith("In which city")

        async def city_state_saved() -> bool:
            # And every update marked handled: a tap handled again after the crash would be
            # a stale one, which closes the open question (at least once, by design).
            probe = await Database.open(db_path)
            rows = await probe.fetchall(
                "SELECT state FROM conversation_states WHERE name = 'application'"
            )
            unhandled = await probe.fetchall("SELECT 1 FROM inbox WHERE payload IS NOT NULL")
            await probe.close()
            return [r[0] for r in rows] == ['"city"'] and not unhandled

        await eventually(city_state_saved, what="the application state to be saved")
        child.kill()
        child = ChildBot(emulator, db_path).start()
        user.send_text("Hamburg")
        choice = await user.wait_for_message(timeout=20)
        assert "My organisation is not listed" in choice.button_labels
        probe = await Database.open(db_path)
        row = await probe.fetchone(
            "SELECT display_name, city FROM members WHERE telegram_user_id = ?", (user.id,)
        )
        await probe.close()
        assert row is not None and tuple(row) == ("Killed Midway", "Hamburg")
    finally:
        child.terminate()


async def test_an_invitation_settles_a_pending_application(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    user = emulator.user(20210, language_code="en")
    await pending_applicant(user)
    assert await services.applications.count_pending() == 1
    _, code = await services.invites.create(
        "community", None, 7, 1, services.clock.now(), created_by=None
    )
    user.send_text(f"/start {code}")
    user.tap(await user.wait_for_message(), "✅ I agree")
    await user.wait_for_message()
    user.send_text("Invited After All")
    assert text(await user.wait_for_message()).startswith("Welcome, Invited After All!")
    assert await services.applications.count_pending() == 0
    assert await application_rows(bot) == []


@pytest.mark.parametrize("decision", ["✅ Annehmen", "✖️ Ablehnen"])
async def test_each_side_reads_the_application_in_their_own_language(
    emulator: Emulator, bot: InProcessBot, decision: str
) -> None:
    """A German-speaking staff member decides; the applicant, who chose Turkish in the bot
    (and Arabic for the rejection), hears the outcome in that language."""
    staff = await staff_member(emulator, bot, 20300, language="de")
    applicant = emulator.user(20301, language_code="en")
    await pending_applicant(applicant)
    chosen = "Türkçe" if decision == "✅ Annehmen" else "العربية"
    applicant.send_text("/language")
    applicant.tap(await applicant.wait_for_message(), chosen)
    await bot.settled()
    applicant.skip_messages()
    notification = await staff.wait_for_message()
    assert text(notification).startswith("Neuer Aufnahmeantrag Nr. 1")
    assert decision in notification.button_labels
    staff.tap(notification, decision)
    outcome = await applicant.wait_for_message()
    if decision == "✅ Annehmen":
        assert text(outcome) == (
            "Başvurunuz onaylandı. Ağa hoş geldiniz, Pending Applicant! Rolünüz: topluluk "
            "temsilcisi. Menüyü açmak için /start gönderin."
        )
    else:
        assert text(outcome).startswith("لم يُقبل طلب انضمامك إلى الشبكة.")
