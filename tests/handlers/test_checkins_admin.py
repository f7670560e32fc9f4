"""Staff run the quarterly check-ins: open a round now (once, also on a double tap), follow
each project's status through due and close, read the summary with totals (split to fit
Telegram), export it as XLSX, link the quarterly meeting, read the questionnaire, and mark
"support needed" items done; nobody else gets any of it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime

import openpyxl

from bot.checkin_calendar import timeline
from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.audit import AuditRepository
from tests.handlers.test_events import LINK, publish
from tests.support.checkins import import_questionnaire
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, member_id, staff_member
from tests.support.taps import forged, tapped

# The clocked bot starts on Monday 11 January 2027, 08:00 UTC (09:00 in Berlin): a round
# opened then is due on 25 January and closes at the end of 15 February.
DUE_PASSED = datetime(2027, 1, 26, 12, 0, tzinfo=UTC)
CLOSED = datetime(2027, 2, 16, 12, 0, tzinfo=UTC)
STALE = "This button no longer works. Send /start to open the menu again."


@dataclass
class Setup:
    staff: SimUser
    staff_id: int
    projects: dict[str, int]  # name -> id
    partners: dict[str, int]  # name -> member id


async def setup(
    emulator: Emulator, bot: InProcessBot, first_id: int, *, questionnaire: bool = True
) -> Setup:
    """Staff, and three funded projects with one answering partner each, plus one archived."""
    services = bot.running.services
    now = services.clock.now()
    if questionnaire:
        await import_questionnaire(bot)
    staff = await staff_member(emulator, bot, first_id)
    staff_id = await member_id(bot, staff)
    projects: dict[str, int] = {}
    partners: dict[str, int] = {}
    for offset, (name, person) in enumerate(
        [("Alpha", "Amina"), ("Beta", "Bekir"), ("Gamma", "Cem"), ("Delta", "Dilek")], start=1
    ):
        org = await services.organisations.add(
            f"Verein {name}", "mosque_association", "DE-BE", now, actor_id=None
        )
        project = await services.projects.create(
            name, org.id, date(2026, 1, 1), date(2032, 12, 31), now, actor_id=staff_id
        )
        user = await joined_member(
            emulator, bot, first_id + offset, "community", organisation_id=org.id, name=person
        )
        partners[person] = await member_id(bot, user)
        await services.projects.add_member(project.id, partners[person], now, actor_id=staff_id)
        projects[name] = project.id
    assert await services.projects.set_archived(projects["Delta"], True, now, actor_id=staff_id)
    return Setup(staff, staff_id, projects, partners)


async def open_round(bot: InProcessBot, staff_id: int) -> int:
    services = bot.running.services
    now = services.clock.now()
    t = timeline(now, services.config.timezone)
    round_ = await services.checkins.open_round(
        now,
        t.moments,
        opened_by=staff_id,
    )
    return round_.id


async def answer(
    bot: InProcessBot,
    round_id: int,
    project_id: int,
    member: int,
    values: dict[str, str | None],
    *,
    submit: bool = True,
) -> None:
    """Answer as the partner's chat does (take the draft, save each answer, submit)."""
    services = bot.running.services
    now = services.clock.now()
    await services.checkins.take(round_id, project_id, member, now)
    for key, value in values.items():
        await services.checkins.save_answer(round_id, project_id, member, key, value, None, now)
    if submit:
        version = await services.questionnaires.current()
        assert version is not None
        required = [q.key for q in version.questions if q.required]
        assert await services.checkins.submit(round_id, project_id, member, required, now)


FULL = {
    "activities_count": "4",
    "activities_description": "Workshop <Moschee & Polizei>",
    "people_reached": "1200",
    "police_cooperation": "4",
    "obstacles": "No room",
    "support_needed": "A room for 40 people",
    "next_quarter_plans": "Iftar",
    "meeting_topics": None,
}


async def checkins_screen(user: SimUser) -> BotMessage:
    """The reply to /checkins; the jobs' notices to staff arriving meanwhile (the summary
    notice when the clock passes the close) are passed over."""
    user.skip_messages()
    user.send_text("/checkins")
    while True:
        message = await user.wait_for_message()
        if not (message.plain or "").startswith("The summary of the check-in round"):
            return message


def lines(message: BotMessage) -> list[str]:
    return (message.plain or "").split("\n")


async def test_staff_open_a_round_now_once_and_follow_each_projects_status(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    audit = AuditRepository(services.db)
    s = await setup(emulator, bot, 48000, questionnaire=False)
    staff = s.staff

    # Without a questionnaire: told how to import one, nothing opened.
    screen = await checkins_screen(staff)
    assert "No check-in round is open." in lines(screen)
    confirm = await tapped(staff, screen, "▶️ Open a round now")
    assert confirm.plain == (
        "No questionnaire has been imported yet. Import one on the server with: "
        "kosizu questionnaire import --default"
    )
    answer_ = await forged(emulator, staff, confirm, "ckadm:newok")
    assert answer_.get("text") is None
    assert await services.checkins.rounds(0, 5) == ([], 0)

    await import_questionnaire(bot)
    screen = await checkins_screen(staff)
    assert "Current questionnaire: “KoSiZu quarterly check-in (default)” (version 1)" in lines(
        screen
    )
    confirm = await tapped(staff, screen, "▶️ Open a round now")
    assert confirm.plain == (
        "Open a check-in round now?\n\n"
        "It uses the questionnaire “KoSiZu quarterly check-in (default)” (version 1).\n"
        "3 projects take part (the active projects funded during the round).\n"
        "Answers are due on January 25, 2027; the round closes on February 15, 2027.\n"
        "The partners get their prompts within a minute or two."
    )
    # A double tap on the confirmation opens one round.
    staff.tap(confirm, "✅ Open the round")
    staff.tap(confirm, "✅ Open the round")
    await bot.settled()
    rounds, count = await services.checkins.rounds(0, 5)
    assert count == 1
    assert len(await audit.entries("checkin.open")) == 1
    round_id = rounds[0].id
    view = await checkins_screen(staff)
    assert lines(view)[:7] == [
        "🗓 Check-in round of January 11, 2027 (open)",
        "Opened: Jan 11, 2027 · due: Jan 25, 2027 · closes: Feb 15, 2027",
        "Questionnaire: “KoSiZu quarterly check-in (default)” (version 1)",
        "Quarterly meeting: none linked",
        "",
        "0 of 3 projects answered.",
        "answered: 0 · not started: 3",
    ]
    assert view.button_labels == [
        "📊 Summary",
        "📥 XLSX",
        "📅 Link meeting",
        "📋 Questionnaire",
        "🗂 Past rounds",
        "🧾 Follow-up items",
        "« Main menu",
    ]
    # Opening another while this one is open: refused in words, nothing opened.
    again = await forged(emulator, staff, view, "ckadm:newok")
    assert again.get("text") is None
    assert "A round is open already (since January 11, 2027); no second one was opened." in (
        (await staff.wait_for_edit(view)).plain or ""
    )
    assert (await services.checkins.rounds(0, 5))[1] == 1

    # One answered, one in progress, one not started.
    await answer(bot, round_id, s.projects["Alpha"], s.partners["Amina"], FULL)
    await answer(
        bot, round_id, s.projects["Beta"], s.partners["Bekir"], {"activities_count": "2"},
        submit=False,
    )  # fmt: skip
    view = await checkins_screen(staff)
    assert lines(view)[5:] == [
        "1 of 3 projects answered.",
        "answered: 1 · in progress: 1 · not started: 1",
        "",
        "• Alpha (Verein Alpha): ✅ answered by Amina",
        "• Beta (Verein Beta): ✍️ in progress by Bekir",
        "• Gamma (Verein Gamma): ⏳ not started",
    ]

    bot.manual_clock().set(DUE_PASSED)
    view = await checkins_screen(staff)
    assert lines(view)[-4:] == [
        "",
        "• Alpha (Verein Alpha): ✅ answered by Amina",
        "• Beta (Verein Beta): ⚠️ overdue – being answered by Bekir",
        "• Gamma (Verein Gamma): ⚠️ overdue",
    ]

    # After the close the round is a past one: missed, and a new one may be opened.
    bot.manual_clock().set(CLOSED)
    view = await checkins_screen(staff)
    assert "No check-in round is open." in lines(view)
    past = await tapped(staff, view, "🗂 Past rounds")
    assert lines(past) == [
        "🗂 Check-in rounds",
        "• January 11, 2027 (closed): 1 of 3 projects answered",
    ]
    closed = await tapped(staff, past, "January 11, 2027")
    assert lines(closed)[0] == "🗓 Check-in round of January 11, 2027 (closed)"
    assert lines(closed)[-3:] == [
        "• Alpha (Verein Alpha): ✅ answered by Amina",
        "• Beta (Verein Beta): ❌ missed",
        "• Gamma (Verein Gamma): ❌ missed",
    ]
    assert "📅 Link meeting" not in closed.button_labels
    # A forged link for the closed round changes nothing.
    await forged(emulator, staff, closed, f"ckadm:nolink:{round_id}")
    assert await audit.entries("checkin.meeting") == []


async def test_the_summary_totals_every_answer_and_the_xlsx_has_answers_and_totals(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    audit = AuditRepository(services.db)
    s = await setup(emulator, bot, 48100)
    round_id = await open_round(bot, s.staff_id)
    await answer(bot, round_id, s.projects["Alpha"], s.partners["Amina"], FULL)
    await answer(
        bot,
        round_id,
        s.projects["Beta"],
        s.partners["Bekir"],
        {**FULL, "activities_count": "6", "people_reached": "30", "police_cooperation": "1",
         "support_needed": None, "meeting_topics": "Ramadan"},
    )  # fmt: skip
    # Bekir erased his data meanwhile: the answer stays, by a former member.
    async with services.db.transaction() as tx:
        await tx.execute(
            "UPDATE checkin_projects SET submitted_by = NULL WHERE project_id = ?",
            (s.projects["Beta"],),
        )
    staff = s.staff
    view = await checkins_screen(staff)
    staff.tap(view, "📊 Summary")
    summary = await staff.wait_for_message()
    text = summary.plain or ""
    assert lines(summary)[:3] == [
        "📊 Summary of the check-in round of January 11, 2027",
        "2 of 3 projects answered.",
        "answered: 2 · not started: 1",
    ]
    assert (
        "1. How many activities has your project carried out since the last quarter?\n"
        "Total: 10 (from 2 projects)\n"
        "• Alpha (answered by Amina): 4\n"
        "• Beta (former member): 6\n"
    ) in text
    assert "Total: 1\u202f230 (from 2 projects)\n• Alpha (answered by Amina): 1\u202f200" in text
    assert "Average: 2.5 of 5 (2 answers)\n• Alpha (answered by Amina): 4 of 5" in text
    assert "• Alpha (answered by Amina): Workshop <Moschee & Polizei>" in text
    assert "• Beta (former member): (skipped)" in text
    assert "Gamma" not in text
    assert summary.button_labels == ["📥 XLSX", "« Round"]

    staff.tap(summary, "📥 XLSX")
    sent = await staff.wait_for_message()
    assert sent.document is not None
    assert sent.document.filename == f"checkin-round-{round_id}-2027-01-11.xlsx"
    assert sent.plain == "📥 Check-in round of January 11, 2027: 2 of 3 projects answered."
    book = openpyxl.load_workbook(io.BytesIO(sent.document.content))
    answers_sheet, totals_sheet = book.worksheets
    assert (answers_sheet.title, totals_sheet.title) == ("Answers", "Totals")
    rows = [list(r) for r in answers_sheet.iter_rows(values_only=True)]
    assert rows[0][:6] == [
        "Project",
        "Organisation",
        "Status",
        "Answered by",
        "Submitted at (Europe/Berlin)",
        "How many activities has your project carried out since the last quarter?",
    ]
    assert len(rows[0]) == 5 + 8
    assert rows[1][:4] == ["Alpha", "Verein Alpha", "answered", "Amina"]
    assert rows[1][4] == datetime(2027, 1, 11, 9, 0)
    assert rows[1][5:] == [
        4, "Workshop <Moschee & Polizei>", 1200, 4, "No room", "A room for 40 people",
        "Iftar", None,
    ]  # fmt: skip
    assert rows[2][:4] == ["Beta", "Verein Beta", "answered", "former member"]
    assert rows[3] == ["Gamma", "Verein Gamma", "not started"] + [None] * 10
    totals = [list(r) for r in totals_sheet.iter_rows(values_only=True)]
    assert totals[0] == ["Question", "Type", "Answers", "Total", "Average", "Counts"]
    assert totals[1][1:5] == ["number", 2, 10, None]
    assert totals[3][1:5] == ["number", 2, 1230, None]
    assert totals[4][1:5] == ["scale 1–5", 2, None, 2.5]
    assert ["Projects", None, 3, None, None, None] in totals
    assert ["answered", None, 2, None, None, None] in totals
    exports = await audit.entries("checkin.export")
    assert [(e.actor_id, e.detail) for e in exports] == [
        (s.staff_id, f"round={round_id} projects=3 answered=2")
    ]


async def test_a_long_summary_comes_in_several_messages_with_nothing_cut(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    s = await setup(emulator, bot, 48200)
    round_id = await open_round(bot, s.staff_id)
    long_texts = {
        key: f"{key}: " + "x" * 1900 + " END"
        for key in ("activities_description", "obstacles", "next_quarter_plans")
    }
    for name, person in (("Alpha", "Amina"), ("Beta", "Bekir"), ("Gamma", "Cem")):
        await answer(bot, round_id, s.projects[name], s.partners[person], {**FULL, **long_texts})
    staff = s.staff
    view = await checkins_screen(staff)
    staff.tap(view, "📊 Summary")
    await bot.settled()
    messages = [m for m in staff.messages if m.message_id > view.message_id]
    assert len(messages) >= 4
    assert all(len(m.plain or "") <= 4096 for m in messages)
    whole = "\n".join(m.plain or "" for m in messages)
    assert whole.count(" END") == 9
    assert messages[-1].button_labels == ["📥 XLSX", "« Round"]
    assert all(m.buttons == [] for m in messages[:-1])


async def test_staff_link_the_quarterly_meeting_and_read_the_questionnaire(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    audit = AuditRepository(services.db)
    s = await setup(emulator, bot, 48300)
    round_id = await open_round(bot, s.staff_id)
    meeting = await publish(
        bot, "Quarterly meeting Q1", starts=datetime(2027, 3, 3, 15, tzinfo=UTC), online_url=LINK
    )
    await publish(bot, "Dialogue on site", starts=datetime(2027, 3, 4, 15, tzinfo=UTC))
    staff = s.staff
    view = await checkins_screen(staff)
    picker = await tapped(staff, view, "📅 Link meeting")
    assert picker.button_labels == ["Quarterly meeting Q1 – 3/3/27", "No meeting", "« Back"]
    linked = await tapped(staff, picker, "Quarterly meeting Q1 – 3/3/27")
    assert lines(linked)[:5] == [
        "✅ Linked. The summary goes to staff 7 days before the meeting.",
        "",
        "🗓 Check-in round of January 11, 2027 (open)",
        "Opened: Jan 11, 2027 · due: Jan 25, 2027 · closes: Feb 15, 2027",
        "Questionnaire: “KoSiZu quarterly check-in (default)” (version 1)",
    ]
    assert "Quarterly meeting: Quarterly meeting Q1 on Mar 3, 2027" in lines(linked)
    round_ = await services.checkins.get(round_id)
    assert round_ is not None and round_.meeting_event_id == meeting
    # A forged event (not online) is refused; then unlinking.
    answer_ = await forged(emulator, staff, linked, f"ckadm:link:{round_id}:{meeting + 1}")
    assert answer_["text"] == STALE
    picker = await tapped(staff, linked, "📅 Link meeting")
    unlinked = await tapped(staff, picker, "No meeting")
    assert "Quarterly meeting: none linked" in lines(unlinked)
    assert [e.detail for e in await audit.entries("checkin.meeting")] == [
        f"event={meeting}",
        "event=None",
    ]

    questionnaire = await tapped(staff, unlinked, "📋 Questionnaire")
    shown = lines(questionnaire)
    assert shown[:2] == [
        "📋 KoSiZu quarterly check-in (default)",
        "Version 1, imported on January 11, 2027",
    ]
    assert shown[3:6] == [
        "1. How many activities has your project carried out since the last quarter?",
        "number · required",
        "",
    ]
    assert (
        "How would you rate the cooperation with the police this quarter? (1 = very poor, "
        "5 = very good)" in " ".join(shown)
    )
    assert "scale 1–5 · required" in shown
    assert shown.count("free text · optional") == 2
    assert questionnaire.button_labels == ["« Check-ins"]


async def test_support_needed_answers_become_follow_up_items_staff_mark_done_and_reopen(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    audit = AuditRepository(services.db)
    s = await setup(emulator, bot, 48400)
    round_id = await open_round(bot, s.staff_id)
    await answer(bot, round_id, s.projects["Alpha"], s.partners["Amina"], FULL)
    await answer(
        bot, round_id, s.projects["Beta"], s.partners["Bekir"],
        {**FULL, "support_needed": "Training <for> imams"},
    )  # fmt: skip
    # A draft's answer is no item yet.
    await answer(
        bot, round_id, s.projects["Gamma"], s.partners["Cem"], {"support_needed": "Money"},
        submit=False,
    )  # fmt: skip
    staff = s.staff
    view = await checkins_screen(staff)
    items = await tapped(staff, view, "🧾 Follow-up items")
    assert lines(items) == [
        "🧾 Follow-up items: open",
        "What projects said they need from the network, from their submitted check-ins.",
        "",
        "1. Alpha – round of January 11, 2027",
        "A room for 40 people",
        "",
        "2. Beta – round of January 11, 2027",
        "Training <for> imams",
    ]
    assert items.button_labels == [
        "✅ Done: 1. Alpha",
        "✅ Done: 2. Beta",
        "✔️ Done items (0)",
        "« Check-ins",
        "« Main menu",
    ]
    # A double tap marks it done once.
    staff.tap(items, "✅ Done: 1. Alpha")
    staff.tap(items, "✅ Done: 1. Alpha")
    await bot.settled()
    assert len(await audit.entries("checkin.followup")) == 1
    items = await tapped(staff, items, "« Check-ins")
    items = await tapped(staff, items, "🧾 Follow-up items")
    assert "Alpha" not in (items.plain or "")
    assert "✔️ Done items (1)" in items.button_labels
    done = await tapped(staff, items, "✔️ Done items (1)")
    assert lines(done)[:6] == [
        "🧾 Follow-up items: done",
        "What projects said they need from the network, from their submitted check-ins.",
        "",
        "1. Alpha – round of January 11, 2027",
        "A room for 40 people",
        "Done on January 11, 2027",
    ]
    reopened = await tapped(staff, done, "↩️ Reopen 1. Alpha")
    assert lines(reopened)[0] == "↩️ Reopened."
    assert "No follow-up item is done yet." in lines(reopened)
    assert [e.detail for e in await audit.entries("checkin.followup")] == [
        f"project={s.projects['Alpha']} done=1",
        f"project={s.projects['Alpha']} done=0",
    ]
    # A forged item (the draft's, or no such project) is refused.
    answer_ = await forged(
        emulator, staff, reopened, f"ckfu:done:{round_id}:{s.projects['Gamma']}:0"
    )
    assert answer_["text"] == "This was changed meanwhile."
    assert len(await audit.entries("checkin.followup")) == 2


async def test_partners_get_none_of_the_staff_screens(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    audit = AuditRepository(services.db)
    s = await setup(emulator, bot, 48500)
    round_id = await open_round(bot, s.staff_id)
    await answer(bot, round_id, s.projects["Alpha"], s.partners["Amina"], FULL)
    partner = emulator.user(48501)
    partner.skip_messages()
    partner.send_text("/checkins")
    assert (await partner.wait_for_message()).plain == "This is only for the network team."
    partner.send_text("/help")
    own = await partner.wait_for_message()
    assert "/checkins" not in (own.plain or "")
    before = len(await audit.entries("access.denied"))
    for data in (
        "ckadm",
        f"ckadm:sum:{round_id}",
        f"ckadm:xlsx:{round_id}",
        f"ckadm:round:{round_id}:0",
        f"ckadm:meet:{round_id}:0",
        f"ckadm:nolink:{round_id}",
        "ckadm:quest:1",
        "ckadm:past:0",
        "ckadm:new",
        "ckadm:newok",
        "ckfu:list:0:0",
        f"ckfu:done:{round_id}:{s.projects['Alpha']}:0",
    ):
        answer_ = await forged(emulator, partner, own, data)
        assert answer_["text"] == "This is only for the network team.", data
    await bot.settled()
    assert len(await audit.entries("access.denied")) == before + 12
    assert all(m.document is None for m in partner.messages)
    assert await audit.entries("checkin.export") == []
    assert await audit.entries("checkin.followup") == []
    assert (await services.checkins.rounds(0, 5))[1] == 1
