"""One quarterly check-in round from beginning to end, through the chat with the real bot.

Staff set up two projects in the chat, the questionnaire is imported with the command line,
staff open a round in the chat → every answering member is prompted → a partner answers part
of it → the bot process is killed (SIGKILL) → the partner goes on where they stopped, submits
and changes an answer → the reminders go to the project that has not answered only → the due
date passes (overdue), the round closes (missed) → staff get the summary, read it and export
it → an erased partner's answer stays as a former member's.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl

from bot.clock import ManualClock
from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from tests.bot.test_crash_recovery import db_rows, started
from tests.support.harness import ROOT, ChildBot, InProcessBot, bot_env, eventually, write_clock
from tests.support.members import joined_member, staff_member
from tests.support.taps import tapped

# Monday 1 February 2027, 10:00 in Berlin: between two scheduled openings, so the round is
# the one staff open by hand.
OPENED = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


async def said(user: SimUser, fragment: str, timeout: float = 10.0) -> BotMessage:
    """The next message containing ``fragment``."""
    while True:
        message = await user.wait_for_message(timeout)
        if fragment in (message.plain or ""):
            return message


def received(user: SimUser, since: int) -> list[str]:
    return [m.plain or "" for m in user.messages[since:]]


async def create_project(staff: SimUser, name: str, organisation: str, members: list[str]) -> None:
    """Staff create a funded project and choose who answers for it, in the chat."""
    staff.send_text("/projects")
    listing = await said(staff, "Projects")
    await tapped(staff, listing, "➕ New project")
    staff.send_text(name)
    picker = await said(staff, "Which partner organisation runs")
    await tapped(staff, picker, f"{organisation} (Hamburg)")
    staff.send_text("2026-01-01")
    await said(staff, "On which day does it end?")
    staff.send_text("2028-12-31")
    card = await said(staff, "✅ Project added.")
    panel = await tapped(staff, card, "👥 Members")
    for person in members:
        offered = await tapped(staff, panel, "➕ Add member")
        panel = await tapped(staff, offered, person)
    assert all(f"➖ {person}" in panel.button_labels for person in members)


def import_default_questionnaire(emulator: Emulator, db_path: Path) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KOSIZU_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "questionnaire", "import", "--default"],
        cwd=ROOT,
        env={**clean, **bot_env(emulator, db_path)},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout


async def test_a_round_from_opening_to_summary_survives_a_crash_and_keeps_the_answers(
    emulator: Emulator, db_path: Path, tmp_path: Path
) -> None:
    # Set-up through the chat, with the bot in this process.
    setup = await InProcessBot(emulator, db_path, ManualClock(OPENED)).start()
    try:
        services = setup.running.services
        nord = await services.organisations.add(
            "Moschee Nord", "mosque_association", "DE-HH", OPENED, actor_id=None
        )
        bruecken = await services.organisations.add(
            "Brücken e.V.", "muslim_ngo", "DE-HH", OPENED, actor_id=None
        )
        staff = await staff_member(emulator, setup, 49500)
        amira = await joined_member(
            emulator, setup, 49501, "community", organisation_id=nord.id, name="Amira"
        )
        bilal = await joined_member(
            emulator, setup, 49502, "community", organisation_id=nord.id, name="Bilal"
        )
        cem = await joined_member(
            emulator, setup, 49503, "community", organisation_id=bruecken.id, name="Cem"
        )
        police = await joined_member(emulator, setup, 49504, "police", name="Officer Dana")
        await create_project(staff, "Dialog Nord", "Moschee Nord", ["Amira", "Bilal"])
        await create_project(staff, "Brücken bauen", "Brücken e.V.", ["Cem"])
        assert "Stored questionnaire version 1" in import_default_questionnaire(emulator, db_path)

        # Staff open the round in the chat.
        staff.send_text("/checkins")
        screen = await said(staff, "No check-in round is open.")
        confirm = await tapped(staff, screen, "▶️ Open a round now")
        assert "2 projects take part" in (confirm.plain or "")
        assert "Answers are due on February 15, 2027; the round closes on March 8, 2027." in (
            confirm.plain or ""
        )
        opened = await tapped(staff, confirm, "✅ Open the round")
        assert (opened.plain or "").startswith("✅ The round is open.")
        setup.manual_clock().set(OPENED + timedelta(minutes=2))  # the next run of the jobs
        prompts = {}
        for user in (amira, bilal, cem):
            prompts[user.id] = await said(user, "The quarterly check-in of")
            assert prompts[user.id].button_labels == [
                "✍️ Answer now",
                "🏖 Out of office this round",
            ]
        assert "Dialog Nord" in (prompts[amira.id].plain or "")
        assert "Brücken bauen" in (prompts[cem.id].plain or "")
    finally:
        await setup.stop()

    clock_file = tmp_path / "clock"
    write_clock(clock_file, OPENED + timedelta(hours=1))
    children: list[ChildBot] = []

    async def start_child() -> ChildBot:
        child = await started(emulator, ChildBot(emulator, db_path, clock_file))
        children.append(child)
        return child

    async def at(moment: datetime) -> None:
        """Move the child's clock and wait until its ticker has run at that time."""
        write_clock(clock_file, moment)

        async def ran() -> bool:
            rows = await db_rows(
                db_path,
                "SELECT count(*) FROM scheduled_runs r JOIN scheduled_items i"
                " ON i.id = r.item_id WHERE i.kind = 'checkins'"
                f" AND r.fired_at >= '{moment:%Y-%m-%dT%H:%M:%S}'",
            )
            pending = await db_rows(db_path, "SELECT count(*) FROM outbox WHERE state = 'pending'")
            return rows != [(0,)] and pending == [(0,)]

        try:
            await eventually(ran, timeout=20, what=f"the jobs to run at {moment}")
        except AssertionError as failed:
            # The bot process's own account of what went wrong, for whoever reads the failure.
            raise AssertionError(f"{failed}\n{children[-1].log[-3000:]}") from None

    try:
        child = await start_child()
        # Amira answers three questions, then the bot process is killed.
        amira.tap(prompts[amira.id], "✍️ Answer now")
        await said(amira, "Question 1 of 8")
        amira.send_text("4")
        await said(amira, "Question 2 of 8")
        amira.send_text("Two open days and an iftar with the police")
        await said(amira, "Question 3 of 8")
        amira.send_text("1.200")
        scale = await said(amira, "Question 4 of 8")
        child.kill()
        answered = await db_rows(
            db_path, "SELECT question_key, value FROM checkin_answers ORDER BY question_key"
        )
        assert answered == [
            ("activities_count", "4"),
            ("activities_description", "Two open days and an iftar with the police"),
            ("people_reached", "1200"),
        ]

        # After the restart she goes on where she stopped and submits.
        child = await start_child()
        amira.tap(scale, "4")
        await said(amira, "Question 5 of 8")
        amira.send_text("Finding rooms for joint events")
        optional = await said(amira, "Question 6 of 8")
        amira.tap(optional, "Skip")
        await said(amira, "Question 7 of 8")
        amira.send_text("A workshop on hate crime reporting")
        optional = await said(amira, "Question 8 of 8")
        amira.send_text("Security at Friday prayers")
        review = await said(amira, "please check your answers")
        assert "Finding rooms for joint events" in (review.plain or "")
        amira.tap(review, "✅ Submit")
        await said(amira, "Thank you! The check-in of Dialog Nord is submitted (by Amira).")

        # Bilal sees it answered; Amira changes the number of people reached.
        bilal.send_text("/checkin")
        assert "answered by Amira" in ((await said(bilal, "Quarterly check-in")).plain or "")
        amira.send_text("/checkin")
        listing = await said(amira, "Quarterly check-in")
        amira.tap(listing, "✏️ Change: Dialog Nord")
        review = await said(amira, "your submitted answers")
        amira.tap(review, "✏️ 3")
        await said(amira, "Current answer: 1\u202f200")
        amira.send_text("1350")
        review = await said(amira, "your submitted answers")
        amira.tap(review, "✅ Done")
        await said(amira, "Your changes to the check-in of Dialog Nord are saved")

        # Days 7 and 13 and the due day: only Cem's project is reminded.
        seen = {u.id: len(u.messages) for u in (amira, bilal, cem, police)}
        await at(datetime(2027, 2, 8, 9, 0, tzinfo=UTC))
        await at(datetime(2027, 2, 14, 9, 0, tzinfo=UTC))
        await at(datetime(2027, 2, 15, 9, 0, tzinfo=UTC))
        assert [m.split("\n")[0] for m in received(cem, seen[cem.id])] == [
            "⏰ Reminder: quarterly check-in of Brücken bauen",
            "⏰ Second reminder: quarterly check-in of Brücken bauen",
            "⚠️ Final notice: the check-in of Brücken bauen is due today",
        ]
        for user in (amira, bilal, police):
            assert received(user, seen[user.id]) == []

        # The day after the due date Brücken bauen is overdue; the police contact outside the
        # projects sees no check-in at all.
        await at(datetime(2027, 2, 16, 9, 0, tzinfo=UTC))
        staff.send_text("/checkins")
        status = await said(staff, "Brücken bauen")
        assert "Dialog Nord" in (status.plain or "") and "✅ answered by Amira" in (
            status.plain or ""
        )
        assert "⚠️ overdue" in (status.plain or "")
        police.send_text("/checkin")
        assert "There is no quarterly check-in for you to answer" in (
            (await police.wait_for_message()).plain or ""
        )

        # Amira erases her data; her project's answer stays.
        amira.send_text("/deleteme")
        erased = await tapped(amira, await amira.wait_for_message(), "Erase my data")
        assert (erased.plain or "").startswith("Your data has been erased.")

        # The round closes at the end of day 35 (8 March): missed, and staff get the summary.
        seen_staff = len(staff.messages)
        await at(datetime(2027, 3, 8, 23, 1, tzinfo=UTC))
        notice = await said(staff, "The summary of the check-in round of February 1, 2027")
        assert len(staff.messages) == seen_staff + 1
        assert "1 of 2 projects answered" in (notice.plain or "")
        staff.tap(notice, "📊 Summary")
        summary = await said(staff, "Summary of the check-in round")
        text = summary.plain or ""
        assert "Total: 4 (from 1 project)\n• Dialog Nord (former member): 4" in text
        assert "Total: 1\u202f350 (from 1 project)" in text
        assert "missed: 1" in text
        staff.tap(summary, "📥 XLSX")
        sent = await said(staff, "📥 Check-in round of February 1, 2027")
        assert sent.document is not None
        rows = list(
            openpyxl.load_workbook(io.BytesIO(sent.document.content))
            .worksheets[0]
            .iter_rows(values_only=True)
        )
        by_project = {r[0]: r for r in rows[1:]}
        assert by_project["Dialog Nord"][2:4] == ("answered", "former member")
        assert by_project["Dialog Nord"][5:8] == (
            4,
            "Two open days and an iftar with the police",
            1350,
        )
        assert by_project["Brücken bauen"][2] == "missed"
        assert await db_rows(
            db_path,
            "SELECT action, count(*) FROM audit_log WHERE action LIKE 'checkin.%'"
            " GROUP BY action ORDER BY action",
        ) == [
            ("checkin.close", 1),
            ("checkin.edit", 1),
            ("checkin.export", 1),
            ("checkin.open", 1),
            ("checkin.resubmit", 1),
            ("checkin.submit", 1),
        ]
        assert children[-1].terminate() == 0
    finally:
        for child in children:  # a failed assertion must not leave a bot process behind
            if child.proc is not None and child.proc.poll() is None:
                child.kill()
