"""The messages the check-in jobs send to project partners: the prompt when a round opens (or
when a member joins a project during a round) and the reminders to projects that have not
submitted (day 7, day 13 and the final notice on the due day).

They are built as sendMessage parameters in the member's language and queued through the
outbox by handlers/checkin_jobs.py. The buttons belong to the partner part
(handlers/checkin_answer.py), which re-checks everything when they are tapped. Dates are
calendar days in the network's time zone: after downtime a message may come later than
planned, so none of them says "tomorrow" or "in 7 days".
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from bot.i18n import Translator
from handlers.checkin_review import day, entry_buttons
from storage.checkins import Round

FIRST_REMINDER = 1  # day 7
LAST_REMINDER = 2  # day 13
FINAL_NOTICE = 3  # the due day


def prompt(t: Translator, round_: Round, project_id: int, project_name: str) -> dict[str, Any]:
    """The sendMessage parameters of the prompt to one answering member."""
    name = html.escape(project_name)
    lines = [
        t._("📝 <b>Quarterly check-in: {project}</b>").format(project=name),
        "",
        t._(
            "The quarterly check-in of <b>{project}</b> is open. Please answer by <b>{due}</b>;"
            " changes are possible until {closes}."
        ).format(project=name, due=day(t, round_.due_at), closes=day(t, round_.closes_at)),
        "",
        t._(
            "It takes a few minutes: one question at a time, and every answer is saved as you"
            " go, so you can stop and continue later. One member answers for the whole"
            " project; the others see who is answering."
        ),
    ]
    return {
        "text": "\n".join(lines),
        "reply_markup": entry_buttons(t, round_.id, project_id).to_dict(),
    }


def reminder(
    t: Translator, round_: Round, project_id: int, project_name: str, level: int
) -> dict[str, Any]:
    """The sendMessage parameters of a reminder: ``level`` 1 (day 7), 2 (day 13) or 3 (the
    final notice on the due day)."""
    name = html.escape(project_name)
    due = day(t, round_.due_at)
    closes = day(t, round_.closes_at)
    if level >= FINAL_NOTICE:
        lines = [
            t._("⚠️ <b>Final notice: the check-in of {project} is due today</b>").format(
                project=name
            ),
            "",
            t._(
                "The quarterly check-in of <b>{project}</b> has not been submitted yet and is"
                " due today, {due}. After that it counts as overdue; answers are still accepted"
                " until {closes}."
            ).format(project=name, due=due, closes=closes),
        ]
    else:
        heading = (
            t._("⏰ <b>Reminder: quarterly check-in of {project}</b>")
            if level <= FIRST_REMINDER
            else t._("⏰ <b>Second reminder: quarterly check-in of {project}</b>")
        )
        lines = [
            heading.format(project=name),
            "",
            t._(
                "The quarterly check-in of <b>{project}</b> has not been submitted yet. Please"
                " answer by <b>{due}</b>; it takes a few minutes, and what you have answered"
                " so far is kept."
            ).format(project=name, due=due),
        ]
    lines += [
        "",
        t._("If you are away, tap “Out of office this round” and it goes to someone else."),
    ]
    return {
        "text": "\n".join(lines),
        "reply_markup": entry_buttons(t, round_.id, project_id).to_dict(),
    }


def skipped_notice(t: Translator, scheduled_for: datetime, open_round: Round) -> dict[str, Any]:
    """To staff: the scheduled round did not open because a round opened by hand is open."""
    text = t._(
        "ℹ️ The check-in round scheduled for {date} was not opened: the round opened on"
        " {opened} is still open (until {closes}). The next round opens as scheduled."
    ).format(
        date=t.date(scheduled_for),
        opened=t.date(open_round.opens_at),
        closes=day(t, open_round.closes_at),
    )
    return {"text": text}


def no_questionnaire_notice(t: Translator, scheduled_for: datetime) -> dict[str, Any]:
    """To staff: the scheduled round could not open for want of a questionnaire."""
    text = t._(
        "⚠️ The check-in round scheduled for {date} could not be opened: no questionnaire has"
        " been imported; import one with <code>kosizu questionnaire import --default</code>"
        " and then open the round by hand."
    ).format(date=t.date(scheduled_for))
    return {"text": text}
