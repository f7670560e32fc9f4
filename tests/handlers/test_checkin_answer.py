"""A project member answers the quarterly check-in: one question at a time with wrong input
asked again, skipping, continuing later (also after a restart), the shared draft's lock,
review, change and submit, changes after submitting, nothing after the round closed, forged
buttons refused, and "out of office" handing the check-in over (or telling staff)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from bot.checkin_calendar import timeline
from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.checkins import Round, RoundOpen
from storage.questionnaires import parse
from tests.support.harness import InProcessBot, eventually
from tests.support.members import joined_member, member_id, staff_member
from tests.support.taps import forged

STALE = "This button no longer works. Send /start to open the menu again."
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Setup:
    staff: SimUser
    staff_id: int
    amira: SimUser
    amira_id: int
    bilal: SimUser
    bilal_id: int
    project_id: int
    round: Round


async def said(user: SimUser, fragment: str) -> BotMessage:
    """The next message containing ``fragment`` (messages the jobs send meanwhile, such as
    the prompt, are passed over)."""
    while True:
        message = await user.wait_for_message()
        if fragment in (message.plain or ""):
            return message


async def setup(
    emulator: Emulator,
    bot: InProcessBot,
    before_round: Callable[[int], Awaitable[None]] | None = None,
) -> Setup:
    """Staff, a questionnaire, a project of a mosque association answered by Amira and Bilal,
    and an open round."""
    services = bot.running.services
    now = services.clock.now()
    staff = await staff_member(emulator, bot, 47000)
    staff_id = await member_id(bot, staff)
    org = await services.organisations.add(
        "Moschee Nord", "mosque_association", "DE-BE", now, actor_id=None
    )
    amira = await joined_member(
        emulator, bot, 47001, "community", organisation_id=org.id, name="Amira"
    )
    bilal = await joined_member(
        emulator, bot, 47002, "community", organisation_id=org.id, name="Bilal"
    )
    project = await services.projects.create(
        "Dialog Nord", org.id, date(2026, 1, 1), date(2027, 12, 31), now, actor_id=staff_id
    )
    ids = [await member_id(bot, amira), await member_id(bot, bilal)]
    for who in ids:
        await services.projects.add_member(project.id, who, now, actor_id=staff_id)
    source = (resources.files("bot") / "questionnaires" / "default.toml").read_text("utf-8")
    await services.questionnaires.store(parse(source, "de"), source, now, actor_id=staff_id)
    if before_round is not None:
        await before_round(staff_id)
    t = timeline(now, BERLIN)
    moments = t.moments
    round_ = await services.checkins.open_round(now, moments, opened_by=staff_id)
    return Setup(staff, staff_id, amira, ids[0], bilal, ids[1], project.id, round_)


async def audits(bot: InProcessBot, action: str) -> list[tuple[int | None, str | None]]:
    entries = await bot.running.services.audit.entries(action)
    return [(e.actor_id, e.detail) for e in entries]


async def test_answer_every_type_pause_restart_lock_review_change_submit_edit_and_close(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    s = await setup(emulator, bot)
    services = bot.running.services
    amira, bilal = s.amira, s.bilal

    # The menu offers the check-in to a member who answers for a project in the open round.
    amira.send_text("/start")
    menu = await said(amira, "What would you like to do?")
    assert "📝 Quarterly check-in" in menu.button_labels
    amira.tap(menu, "📝 Quarterly check-in")
    listing = await said(amira, "Quarterly check-in")
    assert "Dialog Nord (Moschee Nord)\nnot started – due January 25, 2027" in (listing.plain or "")
    assert listing.button_labels == [
        "📝 Answer: Dialog Nord",
        "🏖 Out of office: Dialog Nord",
        "« Main menu",
    ]
    amira.tap(listing, "📝 Answer: Dialog Nord")
    question = await said(amira, "Question 1 of 8")
    assert "How many activities" in (question.plain or "")
    assert question.button_labels == ["⏸ Continue later"]

    # A number: text and a photo are refused with the rule, and the question comes again.
    amira.send_text("a few")
    again = await said(amira, "Question 1 of 8")
    assert (again.plain or "").startswith("Please send a whole number, for example 12")
    amira.send_photo()
    again = await said(amira, "Question 1 of 8")
    assert (again.plain or "").startswith("Please send a whole number")
    amira.send_text("12")
    question = await said(amira, "Question 2 of 8")

    # Text: a sticker, a document and an over-long text are refused.
    amira.send_sticker()
    again = await said(amira, "Question 2 of 8")
    assert (again.plain or "").startswith("Please send your answer as a text message")
    amira.send_document()
    await said(amira, "Question 2 of 8")
    amira.send_text("x" * 2500)
    again = await said(amira, "Question 2 of 8")
    assert (again.plain or "").startswith("That is too long: at most 2000 characters")
    # An edited message is not read as an answer.
    amira.send_text("Workshops <in> the mosque")
    sent = amira.last_sent.message_id
    await said(amira, "Question 3 of 8")
    amira.edit_text(sent, "Something else")
    again = await said(amira, "Question 3 of 8")
    assert (again.plain or "").startswith("I only read new messages, not edits.")
    amira.send_text("300")

    # A scale: 7 typed is not on it, a tap of 4 is.
    scale = await said(amira, "Question 4 of 8")
    assert scale.button_labels == ["1", "2", "3", "4", "5", "⏸ Continue later"]
    amira.send_text("7")
    scale = await said(amira, "Question 4 of 8")
    assert (scale.plain or "").startswith("7 is not on the scale.")
    amira.tap(scale, "4")
    obstacles = await said(amira, "Question 5 of 8")
    assert "✅ 4 of 5" in (scale.plain or "")
    # The scale's buttons are gone: a second tap changes nothing.
    answer = await forged(emulator, amira, scale, f"ckin:a:{s.round.id}:{s.project_id}:3:5")
    assert answer["text"] == STALE

    # Continue later: the lock is released, the answers stay.
    amira.tap(obstacles, "⏸ Continue later")
    await said(amira, "Paused. Your answers so far are saved")
    held = await services.checkins.project(s.round.id, s.project_id)
    assert held is not None and held.answering_id is None and held.answered == 4

    # Amira continues; Bilal meanwhile is told who is answering.
    amira.send_text("/checkin")
    listing = await said(amira, "Quarterly check-in")
    assert "in progress – due January 25, 2027" in (listing.plain or "")
    amira.tap(listing, "▶️ Continue: Dialog Nord")
    await said(amira, "Question 5 of 8")
    bilal.send_text("/checkin")
    listing = await said(bilal, "Quarterly check-in")
    assert "in progress by Amira – due January 25, 2027" in (listing.plain or "")
    assert "▶️ Continue: Dialog Nord" not in listing.button_labels
    bilal.tap_data(listing.message_id, f"ckin:go:{s.round.id}:{s.project_id}")
    locked = await said(bilal, "right now")
    assert locked.plain == (
        "Amira is answering for Dialog Nord right now; you can continue when they have "
        "submitted or paused."
    )

    # The bot restarts; Amira's answer goes to the same question.
    await bot.stop()
    await bot.start()
    services = bot.running.services
    amira.send_text("Rooms are <scarce>")
    optional = await said(amira, "Question 6 of 8")
    assert "(optional)" in (optional.plain or "")
    assert optional.button_labels == ["Skip", "⏸ Continue later"]
    amira.tap(optional, "Skip")
    await said(amira, "Question 7 of 8")
    amira.send_text("More dialogue evenings")
    await said(amira, "Question 8 of 8")
    amira.send_text("Funding")

    # The review: every answer (escaped as given), a change asks again and comes back.
    review = await said(amira, "please check your answers")
    text = review.plain or ""
    assert "1. How many activities has your project carried out" in text
    assert "\n12\n" in text and "Rooms are <scarce>" in text and "(skipped)" in text
    assert review.button_labels[-2:] == ["✅ Submit", "⏸ Continue later"]
    amira.tap(review, "✏️ 3")
    change = await said(amira, "Question 3 of 8")
    assert "Current answer: 300" in (change.plain or "")
    amira.send_text("1.350")
    review = await said(amira, "please check your answers")
    assert "1\u202f350" in (review.plain or "")
    amira.tap(review, "✅ Submit")
    done = await said(amira, "Thank you!")
    assert done.plain == (
        "Thank you! The check-in of Dialog Nord is submitted (by Amira). You can change it "
        "until February 15, 2027 with /checkin."
    )
    answers = await services.checkins.answers(s.round.id, s.project_id)
    assert answers["people_reached"].value == "1350"
    assert answers["support_needed"].value is None
    assert answers["obstacles"].value == "Rooms are <scarce>"
    submitted = await services.checkins.project(s.round.id, s.project_id)
    assert submitted is not None and submitted.submitted_by == s.amira_id
    assert await audits(bot, "checkin.submit") == [(s.amira_id, f"project={s.project_id}")]

    # Bilal sees who answered and may change it too; Amira changes the scale.
    bilal.send_text("/checkin")
    listing = await said(bilal, "Quarterly check-in")
    assert "answered by Amira on January 11, 2027" in (listing.plain or "")
    amira.send_text("/checkin")
    listing = await said(amira, "Quarterly check-in")
    amira.tap(listing, "✏️ Change: Dialog Nord")
    review = await said(amira, "your submitted answers")
    assert "✅ Done" in review.button_labels
    amira.tap(review, "✏️ 4")
    scale = await said(amira, "Question 4 of 8")
    amira.tap(scale, "5")
    review = await said(amira, "your submitted answers")
    assert "5 of 5" in (review.plain or "")
    amira.tap(review, "✅ Done")
    await said(amira, "Your changes to the check-in of Dialog Nord are saved (by Amira).")
    assert await audits(bot, "checkin.resubmit") == [(s.amira_id, f"project={s.project_id}")]
    assert [d for _, d in await audits(bot, "checkin.edit")] == [
        f"project={s.project_id} question=police_cooperation"
    ]

    # After the round closed nothing changes, and the attempt is audited.
    bot.manual_clock().set(s.round.closes_at + timedelta(minutes=1))
    amira.tap_data(review.message_id, f"ckin:go:{s.round.id}:{s.project_id}")
    closed = await said(amira, "This round closed")
    assert closed.plain == (
        "This round closed on February 15, 2027; answers can no longer be changed."
    )
    assert await audits(bot, "checkin.refused") == [
        (s.amira_id, f"project={s.project_id} reason=closed")
    ]
    answers = await services.checkins.answers(s.round.id, s.project_id)
    assert answers["police_cooperation"].value == "5"

    # The next quarter starts with last quarter's obstacles and plans.
    now = services.clock.now()
    t = timeline(now, BERLIN)
    moments = t.moments
    try:
        next_round = await services.checkins.open_round(now, moments, opened_by=s.staff_id)
    except RoundOpen as opened:  # the schedule's job may have opened it first
        next_round = opened.round
    bilal.tap_data(listing.message_id, f"ckin:go:{next_round.id}:{s.project_id}")
    context = await said(bilal, "Last quarter")
    assert context.plain == (
        "Last quarter you wrote:\n\nWhat obstacles or difficulties did you encounter?\n"
        "Rooms are <scarce>\n\nWhat are your plans for the next quarter?\n"
        "More dialogue evenings"
    )
    await said(bilal, "Question 1 of 8")


async def test_forged_buttons_and_outsiders_see_nothing(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    now = services.clock.now()
    other_org = await services.organisations.add(
        "Verein Süd", "muslim_ngo", "DE-BY", now, actor_id=None
    )
    carla = await joined_member(
        emulator, bot, 47010, "community", organisation_id=other_org.id, name="Carla"
    )
    other_ids: list[int] = []

    async def other_project(staff_id: int) -> None:
        other = await services.projects.create(
            "Brücken Süd", other_org.id, date(2026, 1, 1), date(2027, 12, 31), now,
            actor_id=staff_id,
        )  # fmt: skip
        await services.projects.add_member(
            other.id, await member_id(bot, carla), now, actor_id=staff_id
        )
        other_ids.append(other.id)

    s = await setup(emulator, bot, other_project)
    other = await services.projects.get(other_ids[0])
    assert other is not None
    police = await joined_member(emulator, bot, 47011, "police", name="Officer")

    # Amira forges the go, an answer and the away button of a project not hers.
    amira = s.amira
    amira.send_text("/checkin")
    listing = await said(amira, "Quarterly check-in")
    assert "Brücken Süd" not in (listing.plain or "")
    for data in (
        f"ckin:go:{s.round.id}:{other.id}",
        f"ckin:a:{s.round.id}:{other.id}:3:4",
        f"ckin:away:{s.round.id}:{other.id}",
        f"ckin:go:{s.round.id + 7}:{s.project_id}",
        "ckin:go:1:x",
    ):
        answer = await forged(emulator, amira, listing, data)
        assert answer["text"] == STALE, data
    refused = await audits(bot, "checkin.refused")
    assert refused == [
        (s.amira_id, f"project={other.id} reason=not_member"),
        (s.amira_id, f"project={other.id} reason=not_member"),
        (s.amira_id, f"project={other.id} reason=not_member"),
        (s.amira_id, f"project={s.project_id} reason=not_member"),
    ]
    theirs = await services.checkins.project(s.round.id, other.id)
    assert theirs is not None and theirs.answering_id is None

    # A police contact outside every project is told there is nothing, and sees no button.
    police.send_text("/checkin")
    nothing = await said(police, "There is no quarterly check-in for you to answer")
    assert nothing.button_labels == ["« Main menu"]
    police.send_text("/start")
    menu = await said(police, "What would you like to do?")
    assert "📝 Quarterly check-in" not in menu.button_labels
    # A stale answer button of one's own project (not the question asked): outdated.
    answer = await forged(emulator, amira, listing, f"ckin:a:{s.round.id}:{s.project_id}:3:4")
    assert answer["text"] == STALE


async def test_out_of_office_hands_over_then_tells_staff(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    s = await setup(emulator, bot)
    services = bot.running.services
    amira, bilal, staff = s.amira, s.bilal, s.staff

    amira.send_text("/checkin")
    listing = await said(amira, "Quarterly check-in")
    amira.tap(listing, "📝 Answer: Dialog Nord")
    await said(amira, "Question 1 of 8")
    amira.send_text("3")
    second = await said(amira, "Question 2 of 8")
    # Submitting from an old review while questions are open: which ones, and the first.
    amira.tap_data(second.message_id, f"ckin:sub:{s.round.id}:{s.project_id}")
    missing = await said(amira, "need an answer")
    assert (missing.plain or "").startswith(
        "Questions 2, 3, 4, 5, 7 need an answer before you can submit.\n\n"
        "Dialog Nord – Question 2 of 8"
    )
    amira.tap(listing, "🏖 Out of office: Dialog Nord")
    confirm = await said(amira, "Are you out of office this round?")
    amira.tap(confirm, "Cancel")
    await said(amira, "Nothing was changed.")
    assert not await services.checkins.is_away(s.round.id, s.project_id, s.amira_id)
    amira.tap(listing, "🏖 Out of office: Dialog Nord")
    confirm = await said(amira, "Are you out of office this round?")
    amira.tap(confirm, "Yes")
    noted = await said(amira, "Noted")
    assert noted.plain == (
        "Noted: you are out of office this round. The check-in of Dialog Nord went to 1 "
        "other member of the project."
    )
    handed = await said(bilal, "handed the check-in")
    assert handed.plain == (
        "Amira is out of office this round and handed the check-in of Dialog Nord to you. "
        "Due January 25, 2027."
    )
    assert handed.button_labels == ["✍️ Answer now", "🏖 Out of office this round"]
    released = await services.checkins.project(s.round.id, s.project_id)
    assert released is not None and released.answering_id is None

    # Bilal continues where Amira left off, then is away too: nobody left, staff are told.
    bilal.tap(handed, "✍️ Answer now")
    await said(bilal, "Question 2 of 8")
    bilal.tap(handed, "🏖 Out of office this round")
    confirm = await said(bilal, "Are you out of office this round?")
    bilal.tap(confirm, "Yes")
    noted = await said(bilal, "Noted")
    assert "Nobody else can answer for Dialog Nord" in (noted.plain or "")
    told = await said(staff, "Nobody can answer")
    assert told.plain == (
        "Nobody can answer the check-in of Dialog Nord this round (Bilal is out of office "
        "and no other member of the project can answer). Due January 25, 2027."
    )
    keys = await services.db.fetchall(
        "SELECT dedup_key FROM outbox WHERE dedup_key LIKE 'checkin-%' ORDER BY id"
    )
    assert [k[0] for k in keys] == [
        f"checkin-handover:{s.round.id}:{s.project_id}:{s.amira_id}:{s.bilal_id}",
        f"checkin-nobody:{s.round.id}:{s.project_id}:{s.staff_id}",
    ]

    # A suspended member answers nothing.
    await services.members.suspend(
        s.amira_id, services.clock.now(), actor_id=s.staff_id, notice="Suspended."
    )

    async def amira_refused() -> bool:
        return any("suspended" in str(a.get("text")) for a in amira.callback_answers)

    amira.tap_data(listing.message_id, f"ckin:go:{s.round.id}:{s.project_id}")
    await eventually(amira_refused, 5, "the suspended member to be refused")


async def test_a_long_review_is_split_and_keeps_its_buttons_last(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    s = await setup(emulator, bot)
    bilal = s.bilal
    bilal.send_text("/checkin")
    listing = await said(bilal, "Quarterly check-in")
    bilal.tap(listing, "📝 Answer: Dialog Nord")
    for number in range(1, 9):
        question = await said(bilal, f"Question {number} of 8")
        if number == 4:
            bilal.tap(question, "3")
        elif number in (1, 3):
            bilal.send_text("5")
        else:
            bilal.send_text(f"{number}" * 2000)
    first = await said(bilal, "please check your answers")
    assert first.buttons == []
    rest = [await bilal.wait_for_message()]
    while not rest[-1].buttons:
        rest.append(await bilal.wait_for_message())
    # Five answers of 2000 characters: one message each, within Telegram's limit.
    assert len(rest) == 4
    assert all(len(m.plain or "") <= 4096 for m in [first, *rest])
    assert rest[-1].button_labels[-2:] == ["✅ Submit", "⏸ Continue later"]
    bilal.tap(rest[-1], "✅ Submit")
    await said(bilal, "Thank you!")
