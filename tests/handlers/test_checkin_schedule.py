"""The scheduled side of the quarterly check-ins, with the injected clock: the round opens at
10:00 Berlin on the second Monday of the quarter's first month (moved off public holidays),
every answering member is prompted once, projects that have not submitted are reminded on
days 7 and 13 and on the due day, the round closes on day 35 and staff get the summary notice
(a week before the linked meeting, else at the close); reminders keep local time across the
clock changes, and old rounds are deleted at the daily retention run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.checkin_calendar import timeline
from bot.clock import ManualClock
from handlers import checkin_jobs
from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.audit import AuditRepository
from storage.checkins import Round, Status
from tests.handlers.test_events import LINK, publish
from tests.support.checkins import import_questionnaire
from tests.support.harness import InProcessBot, eventually
from tests.support.members import joined_member, member_id, staff_member

OPENS_JAN = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)  # second Monday, 10:00 CET
OPENS_APR = datetime(2027, 4, 12, 8, 0, tzinfo=UTC)  # second Monday, 10:00 CEST
CLOSES_JAN = datetime(2027, 2, 15, 23, 0, tzinfo=UTC)  # end of day 35 (16 Feb 00:00 CET)


@dataclass
class Partner:
    user: SimUser
    member_id: int


@dataclass
class Network:
    staff: SimUser
    staff_id: int
    projects: dict[str, int]  # name -> id
    partners: dict[str, Partner]  # first name -> partner
    seen: dict[int, int]  # Telegram user id -> messages before the check-ins began

    def mark(self, user: SimUser) -> None:
        self.seen[user.id] = len(user.messages)

    def got(self, user: SimUser) -> list[BotMessage]:
        """The messages the user received since joining."""
        return user.messages[self.seen[user.id] :]

    def counts(self, *names: str) -> list[int]:
        return [len(self.got(self.partners[n].user)) for n in names]


async def network(
    emulator: Emulator,
    bot: InProcessBot,
    layout: dict[str, list[str]],
    *,
    first_id: int = 49000,
    questionnaire: bool = True,
) -> Network:
    """Staff, and per project (name -> first names of the members answering for it) an
    organisation and its members, joined through the chat; funded 2026 to 2032."""
    services = bot.running.services
    now = services.clock.now()
    if questionnaire:
        await import_questionnaire(bot)
    staff = await staff_member(emulator, bot, first_id)
    staff_id = await member_id(bot, staff)
    ids = iter(range(first_id + 1, first_id + 100))
    projects: dict[str, int] = {}
    partners: dict[str, Partner] = {}
    for name, people in layout.items():
        org = await services.organisations.add(
            f"Verein {name}", "mosque_association", "DE-BE", now, actor_id=None
        )
        project = await services.projects.create(
            name, org.id, date(2026, 1, 1), date(2032, 12, 31), now, actor_id=staff_id
        )
        projects[name] = project.id
        for person in people:
            user = await joined_member(
                emulator, bot, next(ids), "community", organisation_id=org.id, name=person
            )
            partner = Partner(user, await member_id(bot, user))
            await services.projects.add_member(
                project.id, partner.member_id, now, actor_id=staff_id
            )
            partners[person] = partner
    net = Network(staff, staff_id, projects, partners, {})
    for user in (staff, *(p.user for p in partners.values())):
        net.mark(user)
    return net


async def at(bot: InProcessBot, moment: datetime) -> None:
    """Move the clock, run what is due then, and wait until every queued message is sent."""
    bot.manual_clock().set(moment)
    await bot.running.scheduler.tick()

    async def drained() -> bool:
        states = await bot.running.services.outbox.count_by_state()
        return states.get("pending", 0) == 0

    await eventually(drained, what=f"the outbox to drain at {moment}")


async def the_round(bot: InProcessBot) -> Round:
    rounds, _ = await bot.running.services.checkins.rounds(0, 10)
    assert rounds, "no round was opened"
    return rounds[0]


async def submit(bot: InProcessBot, round_id: int, project_id: int, member: int) -> None:
    """Answer every required question and submit, as the partner's chat does."""
    services = bot.running.services
    now = services.clock.now()
    version = await services.questionnaires.current()
    assert version is not None
    required = [q.key for q in version.questionnaire.questions if q.required]
    await services.checkins.take(round_id, project_id, member, now)
    for key in required:
        await services.checkins.save_answer(round_id, project_id, member, key, "3", None, now)
    assert await services.checkins.submit(round_id, project_id, member, required, now)


def button_data(message: BotMessage) -> list[str | None]:
    return [b.callback_data for row in message.buttons for b in row]


async def round_count(bot: InProcessBot) -> int:
    return (await bot.running.services.checkins.rounds(0, 10))[1]


async def test_the_round_opens_at_ten_in_berlin_and_every_answering_member_is_prompted_once(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    net = await network(
        emulator, bot, {"Dialog Nord": ["Amira", "Bilal"], "Brücken bauen": ["Cem"]}
    )
    await at(bot, OPENS_JAN - timedelta(minutes=1))
    assert await round_count(bot) == 0

    await at(bot, OPENS_JAN)  # 10:00 in Berlin
    round_ = await the_round(bot)
    assert (round_.opens_at, round_.scheduled_for) == (OPENS_JAN, OPENS_JAN)
    assert round_.due_at == timeline(OPENS_JAN, bot.config.timezone).due_at
    assert net.counts("Amira", "Bilal", "Cem") == [1, 1, 1]
    prompt = net.got(net.partners["Amira"].user)[0]
    assert "The quarterly check-in of Dialog Nord is open" in prompt.plain
    assert "Please answer by January 25, 2027" in prompt.plain
    assert "changes are possible until February 15, 2027" in prompt.plain
    assert "one question at a time" in prompt.plain
    dialog = net.projects["Dialog Nord"]
    assert button_data(prompt) == [
        f"ckin:go:{round_.id}:{dialog}",
        f"ckin:away:{round_.id}:{dialog}",
    ]
    assert [b.text for row in prompt.buttons for b in row] == [
        "✍️ Answer now",
        "🏖 Out of office this round",
    ]
    assert "Brücken bauen" in net.got(net.partners["Cem"].user)[0].plain
    assert net.got(net.staff) == []

    # Later minutes prompt nobody again; a member added to the project later is prompted once.
    for minutes in (1, 2, 30):
        await at(bot, OPENS_JAN + timedelta(minutes=minutes))
    assert net.counts("Amira", "Bilal", "Cem") == [1, 1, 1]
    project = await services.projects.get(dialog)
    assert project is not None
    dana = await joined_member(
        emulator, bot, 49050, "community", organisation_id=project.organisation_id, name="Dana"
    )
    net.mark(dana)
    await services.projects.add_member(
        dialog, await member_id(bot, dana), services.clock.now(), actor_id=net.staff_id
    )
    for minutes in (31, 32, 90):
        await at(bot, OPENS_JAN + timedelta(minutes=minutes))
    assert [m.plain.count("Dialog Nord is open") for m in net.got(dana)] == [1]
    assert net.counts("Amira", "Bilal", "Cem") == [1, 1, 1]
    prompts = await services.db.fetchall(
        "SELECT count(*) FROM outbox WHERE dedup_key LIKE 'checkin-prompt:%'"
    )
    assert prompts[0][0] == 4

    # The next round is in April, at 10:00 summer time (08:00 UTC).
    item = await services.schedule.get(checkin_jobs.ROUND_KIND, checkin_jobs.ROUND_REF)
    assert item is not None and item.due_at == OPENS_APR
    await at(bot, CLOSES_JAN)
    await at(bot, OPENS_APR - timedelta(minutes=1))
    assert await round_count(bot) == 1
    await at(bot, OPENS_APR)
    april = await the_round(bot)
    assert april.opens_at == OPENS_APR and april.id != round_.id
    assert "Please answer by April 26, 2027" in net.got(net.partners["Amira"].user)[-1].plain
    assert net.counts("Amira", "Bilal", "Cem") == [2, 2, 2]
    assert len(net.got(dana)) == 2


async def test_a_holiday_on_the_second_monday_moves_the_opening_to_tuesday(
    emulator: Emulator, db_path: Path
) -> None:
    clock = ManualClock(datetime(2031, 4, 1, 8, 0, tzinfo=UTC))
    bot = await InProcessBot(emulator, db_path, clock).start()
    try:
        net = await network(emulator, bot, {"Dialog Nord": ["Amira"]})
        item = await bot.running.services.schedule.get(
            checkin_jobs.ROUND_KIND, checkin_jobs.ROUND_REF
        )
        tuesday = datetime(2031, 4, 15, 8, 0, tzinfo=UTC)  # 10:00 CEST after Easter Monday
        assert item is not None and item.due_at == tuesday
        await at(bot, datetime(2031, 4, 14, 8, 0, tzinfo=UTC))  # Easter Monday, 10:00
        assert net.counts("Amira") == [0] and await round_count(bot) == 0
        await at(bot, tuesday)
        assert (await the_round(bot)).opens_at == tuesday
        assert net.counts("Amira") == [1]
    finally:
        await bot.stop()


async def test_reminders_on_days_7_and_13_and_the_final_notice_only_to_who_has_not_submitted(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    people = ("Amira", "Bilal", "Cem", "Dana")
    net = await network(
        emulator,
        bot,
        {"Dialog Nord": ["Amira", "Bilal"], "Brücken bauen": ["Cem"], "Gemeinsam": ["Dana"]},
    )
    await at(bot, OPENS_JAN)
    round_ = await the_round(bot)
    amira, bilal, cem, dana = (net.partners[n] for n in people)
    # Day 3: Brücken bauen submits; Bilal is out of office (Amira answers for Dialog Nord).
    await at(bot, OPENS_JAN + timedelta(days=3))
    await submit(bot, round_.id, net.projects["Brücken bauen"], cem.member_id)
    await services.checkins.away(
        round_.id, net.projects["Dialog Nord"], bilal.member_id, services.clock.now()
    )

    await at(bot, OPENS_JAN + timedelta(days=7, minutes=-1))
    assert net.counts(*people) == [1, 1, 1, 1]
    await at(bot, OPENS_JAN + timedelta(days=7))  # 18 Jan, 10:00 Berlin
    assert net.counts(*people) == [2, 1, 1, 2]
    first = net.got(amira.user)[-1]
    assert "Reminder: quarterly check-in of Dialog Nord" in first.plain
    assert "Please answer by January 25, 2027" in first.plain
    assert button_data(first) == [
        f"ckin:go:{round_.id}:{net.projects['Dialog Nord']}",
        f"ckin:away:{round_.id}:{net.projects['Dialog Nord']}",
    ]
    assert "Gemeinsam" in net.got(dana.user)[-1].plain
    await at(bot, OPENS_JAN + timedelta(days=7, hours=3))
    await at(bot, OPENS_JAN + timedelta(days=13, minutes=-1))
    assert net.counts(*people) == [2, 1, 1, 2]
    await at(bot, OPENS_JAN + timedelta(days=13))
    assert net.counts(*people) == [3, 1, 1, 3]
    assert "Second reminder" in net.got(amira.user)[-1].plain
    await at(bot, OPENS_JAN + timedelta(days=14))  # the due day, 10:00
    assert net.counts(*people) == [4, 1, 1, 4]
    final = net.got(amira.user)[-1]
    assert "Final notice: the check-in of Dialog Nord is due today" in final.plain
    assert "due today, January 25, 2027" in final.plain
    # Nothing after the due day; nothing to the project that submitted or to who is away.
    await at(bot, OPENS_JAN + timedelta(days=15))
    await at(bot, OPENS_JAN + timedelta(days=20))
    assert net.counts(*people) == [4, 1, 1, 4]
    reminders = await services.db.fetchall(
        "SELECT dedup_key FROM outbox WHERE dedup_key LIKE 'checkin-reminder:%' ORDER BY id"
    )
    assert [r[0].rsplit(":", 1)[1] for r in reminders] == ["1", "1", "2", "2", "3", "3"]


async def test_after_downtime_over_days_7_and_13_only_the_latest_reminder_goes(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    net = await network(emulator, bot, {"Dialog Nord": ["Amira"]})
    await at(bot, OPENS_JAN)
    assert net.counts("Amira") == [1]
    await bot.stop()
    bot.manual_clock().set(OPENS_JAN + timedelta(days=13, hours=2))
    await bot.start()
    await at(bot, OPENS_JAN + timedelta(days=13, hours=2))
    assert net.counts("Amira") == [2]
    assert "Second reminder" in net.got(net.partners["Amira"].user)[-1].plain
    await at(bot, OPENS_JAN + timedelta(days=13, hours=3))
    assert net.counts("Amira") == [2]
    await at(bot, OPENS_JAN + timedelta(days=14))
    assert net.counts("Amira") == [3]
    assert "Final notice" in net.got(net.partners["Amira"].user)[-1].plain


async def test_the_round_closes_on_day_35_and_staff_get_the_summary_notice(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    net = await network(emulator, bot, {"Dialog Nord": ["Amira"], "Brücken bauen": ["Cem"]})
    await at(bot, OPENS_JAN)
    round_ = await the_round(bot)
    await submit(bot, round_.id, net.projects["Brücken bauen"], net.partners["Cem"].member_id)
    await at(bot, CLOSES_JAN - timedelta(minutes=1))
    assert (await the_round(bot)).closed_at is None
    assert net.got(net.staff) == []

    await at(bot, CLOSES_JAN)  # 16 Feb 00:00 Berlin: day 35 is over
    closed = await the_round(bot)
    assert closed.closed_at == CLOSES_JAN
    statuses = {
        p.project_name: p.status(closed, CLOSES_JAN)
        for p in await services.checkins.projects(round_.id)
    }
    assert statuses == {"Dialog Nord": Status.MISSED, "Brücken bauen": Status.ANSWERED}
    [notice] = net.got(net.staff)
    assert "is ready: 1 of 2 projects answered" in notice.plain
    assert button_data(notice) == [f"ckadm:sum:{round_.id}", f"ckadm:xlsx:{round_.id}"]
    await at(bot, CLOSES_JAN + timedelta(days=1))
    assert len(net.got(net.staff)) == 1
    closes = await AuditRepository(services.db).entries("checkin.close")
    assert [e.detail for e in closes] == ["projects=2 answered=1"]


async def test_the_summary_goes_to_staff_a_week_before_the_linked_meeting(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    net = await network(emulator, bot, {"Dialog Nord": ["Amira"]})
    second_staff = await staff_member(emulator, bot, 49090)
    net.mark(second_staff)
    await at(bot, OPENS_JAN)
    round_ = await the_round(bot)
    meeting = datetime(2027, 2, 10, 16, 0, tzinfo=UTC)
    event_id = await publish(bot, "Quarterly meeting", starts=meeting, online_url=LINK)
    assert await services.checkins.link_meeting(
        round_.id, event_id, services.clock.now(), actor_id=net.staff_id
    )
    await submit(bot, round_.id, net.projects["Dialog Nord"], net.partners["Amira"].member_id)
    await at(bot, meeting - timedelta(days=7, minutes=1))
    assert net.got(net.staff) == []
    await at(bot, meeting - timedelta(days=7))
    for staff in (net.staff, second_staff):
        [notice] = net.got(staff)
        assert "is ready: 1 of 1 project answered" in notice.plain
    await at(bot, CLOSES_JAN)  # the close sends no second one
    assert [len(net.got(s)) for s in (net.staff, second_staff)] == [1, 1]


async def test_a_round_opened_by_staff_makes_the_scheduled_one_skip_and_staff_are_told_once(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    net = await network(emulator, bot, {"Dialog Nord": ["Amira"]})
    by_hand = timeline(services.clock.now() - timedelta(days=3), bot.config.timezone)
    manual = await services.checkins.open_round(
        services.clock.now(),
        [
            by_hand.opens_at,
            by_hand.remind_at,
            by_hand.last_remind_at,
            by_hand.final_at,
            by_hand.due_at,
            by_hand.closes_at,
        ],
        opened_by=net.staff_id,
    )
    await at(bot, OPENS_JAN)
    await at(bot, OPENS_JAN + timedelta(minutes=5))
    assert await round_count(bot) == 1
    [notice] = net.got(net.staff)
    assert "The check-in round scheduled for January 11, 2027 was not opened" in notice.plain
    skipped = await AuditRepository(services.db).entries("checkin.skipped")
    assert len(skipped) == 1 and f"open round={manual.id}" in (skipped[0].detail or "")
    assert net.counts("Amira") == [1]  # the prompt of the round opened by hand


async def test_without_a_questionnaire_staff_are_told_how_to_import_one(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    net = await network(emulator, bot, {"Dialog Nord": ["Amira"]}, questionnaire=False)
    await at(bot, OPENS_JAN)
    assert await round_count(bot) == 0
    [notice] = net.got(net.staff)
    assert "no questionnaire has been imported" in notice.plain
    assert "kosizu questionnaire import --default" in notice.plain
    skipped = await AuditRepository(services.db).entries("checkin.skipped")
    assert len(skipped) == 1 and "reason=no_questionnaire" in (skipped[0].detail or "")
    await at(bot, OPENS_JAN + timedelta(minutes=5))
    assert len(net.got(net.staff)) == 1
    assert net.counts("Amira") == [0]


async def test_reminders_keep_ten_o_clock_local_across_the_march_and_october_clock_changes(
    emulator: Emulator, db_path: Path
) -> None:
    clock = ManualClock(datetime(2027, 3, 1, 8, 0, tzinfo=UTC))
    bot = await InProcessBot(emulator, db_path, clock).start()
    try:
        net = await network(emulator, bot, {"Dialog Nord": ["Amira"]})
    finally:
        await bot.stop()
    # The operator moves the rounds to the last Monday of March and October.
    bot = await InProcessBot(
        emulator, db_path, clock, KOSIZU_CHECKIN_CRON="0 10 22-28 3,10 1"
    ).start()
    try:
        services = bot.running.services
        march = datetime(2027, 3, 22, 9, 0, tzinfo=UTC)  # 10:00 CET
        item = await services.schedule.get(checkin_jobs.ROUND_KIND, checkin_jobs.ROUND_REF)
        assert item is not None and item.recurrence == "0 10 22-28 3,10 1"
        assert item.due_at == march
        amira = net.partners["Amira"].user
        await at(bot, march)
        assert net.counts("Amira") == [1]
        day7 = datetime(2027, 3, 29, 8, 0, tzinfo=UTC)  # 10:00 CEST, the day after the change
        await at(bot, day7 - timedelta(minutes=1))
        assert net.counts("Amira") == [1]
        await at(bot, day7)
        assert net.counts("Amira") == [2]
        assert "Reminder" in net.got(amira)[-1].plain

        await at(bot, datetime(2027, 4, 27, 0, 0, tzinfo=UTC))  # the March round closed
        october = datetime(2027, 10, 25, 8, 0, tzinfo=UTC)  # 10:00 CEST
        await at(bot, october)
        assert (await the_round(bot)).opens_at == october
        assert net.counts("Amira") == [3]
        day7 = datetime(2027, 11, 1, 9, 0, tzinfo=UTC)  # 10:00 CET, after 31 October
        await at(bot, day7 - timedelta(minutes=1))
        assert net.counts("Amira") == [3]
        await at(bot, day7)
        assert net.counts("Amira") == [4]
        assert "Reminder" in net.got(amira)[-1].plain
    finally:
        await bot.stop()


async def test_rounds_closed_longer_ago_than_the_retention_are_deleted_with_their_answers(
    emulator: Emulator, db_path: Path
) -> None:
    clock = ManualClock(datetime(2027, 1, 11, 8, 0, tzinfo=UTC))
    bot = await InProcessBot(emulator, db_path, clock, KOSIZU_CHECKIN_RETENTION_DAYS="60").start()
    try:
        services = bot.running.services
        net = await network(emulator, bot, {"Dialog Nord": ["Amira"]})
        project, amira = net.projects["Dialog Nord"], net.partners["Amira"].member_id
        await at(bot, OPENS_JAN)
        january = await the_round(bot)
        await submit(bot, january.id, project, amira)
        await at(bot, OPENS_APR)  # 55 days after January's close: it stays
        april = await the_round(bot)
        assert april.id != january.id and await round_count(bot) == 2
        await submit(bot, april.id, project, amira)
        assert await services.checkins.answers(january.id, project)

        # The first retention run after April's close: January's closed 91 days before.
        await at(bot, datetime(2027, 5, 18, 1, 30, tzinfo=UTC))  # 03:30 CEST
        rounds, count = await services.checkins.rounds(0, 10)
        assert count == 1 and rounds[0].id == april.id and rounds[0].closed_at is not None
        assert await services.checkins.answers(january.id, project) == {}
        assert await services.checkins.answers(april.id, project)
        runs = await AuditRepository(services.db).entries("retention.run")
        assert "checkin_rounds=1" in (runs[-1].detail or "")
        assert "checkin_rounds=0" in (runs[-2].detail or "")
    finally:
        await bot.stop()
