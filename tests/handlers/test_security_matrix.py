"""Every staff command and every privileged button, tried by each kind of non-staff person:
none succeeds, each attempt is refused in words and written to the audit log."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from storage.audit import AuditRepository
from tests.support.harness import InProcessBot, eventually
from tests.support.members import joined_member, pending_applicant, staff_member
from tests.support.taps import forged

STAFF_COMMANDS = (
    "/invite",
    "/invite police",
    "/invite staff",
    "/applications",
    "/members",
    "/organisations",
    "/newevent",
    "/requests",
    "/projects",
    "/checkins",
    "/broadcast",
)
REFUSAL = {
    "unknown": "This is only for the network team.",
    "pending": "This is only for the network team.",
    "community": "This is only for the network team.",
    "police": "This is only for the network team.",
    "suspended": "Your membership is suspended.",
    "lapsed": "Your role needs to be reconfirmed.",
}


async def person(emulator: Emulator, bot: InProcessBot, who: str) -> SimUser:
    services = bot.running.services
    user_id = 16100
    if who == "unknown":
        user = emulator.user(user_id, language_code="en")
        user.send_text("/help")  # someone who only wrote to the bot
        await user.wait_for_message()
    elif who == "pending":
        user = emulator.user(user_id, language_code="en")
        await pending_applicant(user)
    else:
        role = "community" if who == "community" else "police"
        user = await joined_member(emulator, bot, user_id, role, name=f"{who} person")
        if who in ("suspended", "lapsed"):
            async with services.db.transaction() as tx:
                await tx.execute(
                    "UPDATE members SET status = ? WHERE telegram_user_id = ?", (who, user.id)
                )
    await bot.settled()
    user.skip_messages()
    return user


async def state(bot: InProcessBot) -> dict[str, object]:
    """What a successful privileged action would change."""
    db = bot.running.services.db
    return {
        "invites": [tuple(r) for r in await db.fetchall("SELECT id, created_by FROM invites")],
        "applications": [tuple(r) for r in await db.fetchall("SELECT id, state FROM applications")],
        "members": [
            tuple(r)
            for r in await db.fetchall("SELECT id, role, status, role_confirmed_at FROM members")
        ],
        "organisations": [
            tuple(r)
            for r in await db.fetchall("SELECT id, name, type, bundesland FROM organisations")
        ],
        "events": [tuple(r) for r in await db.fetchall("SELECT id, state FROM events")],
        "registrations": [
            tuple(r) for r in await db.fetchall("SELECT id, state FROM registrations")
        ],
        "outbox": [tuple(r) for r in await db.fetchall("SELECT id, chat_id FROM outbox")],
        "projects": [tuple(r) for r in await db.fetchall("SELECT * FROM projects")],
        "project_members": [tuple(r) for r in await db.fetchall("SELECT * FROM project_members")],
        "project_drafts": [tuple(r) for r in await db.fetchall("SELECT * FROM project_drafts")],
        "checkin_rounds": [tuple(r) for r in await db.fetchall("SELECT * FROM checkin_rounds")],
        "broadcasts": [tuple(r) for r in await db.fetchall("SELECT id, state FROM broadcasts")],
        "checkin_followups": [
            tuple(r) for r in await db.fetchall("SELECT * FROM checkin_followups")
        ],
    }


@pytest.mark.parametrize("who", list(REFUSAL))
async def test_no_staff_command_or_button_works_for_anyone_else(
    emulator: Emulator, bot: InProcessBot, who: str
) -> None:
    services = bot.running.services
    audit = AuditRepository(services.db)
    staff = await staff_member(emulator, bot, 16000)
    target = await joined_member(emulator, bot, 16001, "community", name="Target Member")
    applicant = emulator.user(16002, language_code="en")
    await pending_applicant(applicant)
    target_row = await services.members.get_by_telegram_id(target.id)
    assert target_row is not None
    organisation = await services.organisations.add(
        "Polizei Berlin", "police", "DE-BE", services.clock.now(), actor_id=None
    )
    application = await services.db.fetchone("SELECT id FROM applications")
    assert application is not None
    project = await services.projects.create(
        "Dialog", organisation.id, date(2027, 1, 1), date(2027, 12, 31), services.clock.now(),
        actor_id=target_row.id,
    )  # fmt: skip
    actor = await person(emulator, bot, who)
    before = await state(bot)
    denied_before = len(await audit.entries("access.denied"))

    attempts = 0
    for command in STAFF_COMMANDS:
        actor.send_text(command)
        reply = await actor.wait_for_message()
        assert (reply.plain or "").startswith(REFUSAL[who]), (who, command, reply.plain)
        attempts += 1

    # Buttons exactly like the ones staff get, tapped on a message of the actor's own chat.
    actor.send_text("/help")
    own = await actor.wait_for_message()
    buttons = (
        f"appl:approve:{application['id']}",
        f"appl:reject:{application['id']}",
        f"members:suspend_ok:{target_row.id}:community:0",
        f"members:suspend:{target_row.id}:community:0",
        f"members:reactivate:{target_row.id}:community:0",
        f"members:reconfirm:{target_row.id}:community:0",
        f"members:card:{target_row.id}:community:0",
        f"orgs:type:{organisation.id}",
        f"orgs:show:{organisation.id}",
        "orgs:add",
        "invite",
        "invite:role:police",
        "invite:page:police:0",
        f"invite:org:police:{organisation.id}",
        "invite:none:community",
        "invite:none:staff",
        "evadm",
        "evadm:page:0",
        "evadm:show:1",
        "evadm:new",
        "evadm:go:1",
        "evnew:kind:workshop",
        "evnew:continue:1",
        "evnew:publish:1",
        "evman:cancel:1",
        "evman:cancelok:1",
        "evman:msg:1",
        "evman:to:1:confirmed",
        "evman:send:1",
        "evman:drop:1",
        "evexp:ask:1",
        "evexp:plain:1",
        "evexp:full:1",
        "evatt:show:1:0",
        "evatt:tick:1:0:1",
        "evfbs:1:0",
        "evedit:open:1",
        "evedit:f:1:time",
        "evedit:save:1",
        "cq",
        "cq:list:0",
        "cq:show:1",
        "cq:who:1:0",
        "cq:pick:1:1",
        "cq:ask:1:1",
        "cqc:write:1",
        "cqc:send:1",
        "cqc:drop:1",
        "cqs:quarter",
        "bc:c:open",
        "bc:c:1:send:-",
        "bc:c:1:role:police",
        "cqs:year",
        "proj",
        "proj:page:0",
        "proj:archived:0",
        f"proj:show:{project.id}",
        "proj:new",
        f"proj:ename:{project.id}",
        f"proj:eperiod:{project.id}",
        "proj:porg:1",
        "proj:popage:1",
        f"proj:arch:{project.id}",
        f"proj:archok:{project.id}",
        f"proj:restore:{project.id}",
        f"projm:list:{project.id}",
        f"projm:cand:{project.id}:0",
        f"projm:add:{project.id}:{target_row.id}",
        f"projm:rm:{project.id}:{target_row.id}",
        "ckadm",
        "ckadm:sum:1",
        "ckadm:xlsx:1",
        "ckadm:round:1:0",
        "ckadm:meet:1:0",
        "ckadm:link:1:1",
        "ckadm:nolink:1",
        "ckadm:quest:1",
        "ckadm:past:0",
        "ckadm:new",
        "ckadm:newok",
        "ckfu:list:0:0",
        "ckfu:list:1:0",
        "ckfu:done:1:1:0",
        "ckfu:undo:1:1:0",
        "bc:cancel:1",
        "bc:approve:1",
        "bc:reject:1",
    )
    for data in buttons:
        answer = await forged(emulator, actor, own, data)
        assert str(answer.get("text", "")).startswith(REFUSAL[who]), (who, data, answer)
        assert answer.get("show_alert") is True
        attempts += 1

    await bot.settled()
    assert await state(bot) == before  # nothing changed
    denied = await audit.entries("access.denied")
    actor_row = await services.members.get_by_telegram_id(actor.id)
    assert actor_row is not None
    new_denials = denied[denied_before:]
    assert len(new_denials) == attempts
    assert {e.actor_id for e in new_denials} == {actor_row.id}

    # The real staff member still can do it: the refusals were about the actor, not the buttons.
    staff.send_text("/members")
    assert "This is only for the network team." not in (
        (await staff.wait_for_message()).plain or ""
    )


async def test_a_member_suspended_while_a_staff_screen_is_open_loses_it_at_once(
    emulator: Emulator, bot: InProcessBot
) -> None:
    """Roles are read at the moment of each action: an old staff screen does not keep rights."""
    services = bot.running.services
    first = await staff_member(emulator, bot, 16200)
    second = await staff_member(emulator, bot, 16201)
    second.send_text("/organisations")
    screen = await second.wait_for_message()
    async with services.db.transaction() as tx:
        await tx.execute("UPDATE members SET status = 'suspended' WHERE telegram_user_id = ?",
                         (second.id,))  # fmt: skip
    second.tap(screen, screen.button_labels[0])

    async def refused() -> bool:
        return any(
            str(a.get("text", "")).startswith("Your membership is suspended.")
            for a in second.callback_answers
        )

    await eventually(refused, what="the suspended staff member to be refused")
    assert first.id != second.id


async def test_staff_buttons_with_forged_numbers_are_answered_as_outdated(
    emulator: Emulator, bot: InProcessBot
) -> None:
    """Digits Python reads as digits but int() refuses (², ٣), too many digits, signs."""
    staff = await staff_member(emulator, bot, 16300)
    staff.send_text("/help")
    own = await staff.wait_for_message()
    for number in ("²", "٣", "1" * 30, "-1", ""):
        for data in (
            f"appl:approve:{number}",
            f"members:card:{number}:community:0",
            f"members:list:community:{number}",
            f"orgs:show:{number}",
            f"apply:org:{number}",
            f"invite:org:police:{number}",
            f"invite:page:police:{number}",
            f"evadm:show:{number}",
            f"evadm:page:{number}",
            f"evadm:go:{number}",
            f"evman:cancel:{number}",
            f"evman:cancelok:{number}",
            f"evman:to:{number}:confirmed",
            f"evexp:full:{number}",
            f"evatt:show:{number}:0",
            f"evatt:tick:1:0:{number}",
            f"evedit:open:{number}",
            f"evedit:save:{number}",
            f"cq:list:{number}",
            f"cq:show:{number}",
            f"cq:who:{number}:0",
            f"cq:who:1:{number}",
            f"cq:pick:{number}:1",
            f"cq:ask:1:{number}",
            f"cqc:write:{number}",
            f"cqc:send:{number}",
            f"cqs:{number}",
            f"proj:show:{number}",
            f"proj:page:{number}",
            f"proj:archived:{number}",
            f"proj:ename:{number}",
            f"proj:arch:{number}",
            f"proj:archok:{number}",
            f"proj:restore:{number}",
            f"projm:list:{number}",
            f"projm:cand:{number}:0",
            f"projm:cand:1:{number}",
            f"projm:add:1:{number}",
            f"projm:rm:{number}:1",
            f"ckadm:sum:{number}",
            f"ckadm:xlsx:{number}",
            f"ckadm:round:{number}:0",
            f"ckadm:round:1:{number}",
            f"ckadm:meet:{number}:0",
            f"ckadm:link:1:{number}",
            f"ckadm:nolink:{number}",
            f"ckadm:quest:{number}",
            f"ckadm:past:{number}",
            f"ckfu:list:0:{number}",
            f"ckfu:done:{number}:1:0",
            f"ckfu:undo:1:{number}:0",
        ):
            answer = await forged(emulator, staff, own, data)
            assert str(answer.get("text", "")).startswith("This button no longer works"), data
    staff.send_text("/invite police ²")
    assert (await staff.wait_for_message()).plain == (
        "Usage: /invite community|police|staff [organisation number]"
    )
