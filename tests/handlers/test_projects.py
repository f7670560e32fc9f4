"""Staff manage the funded projects whose partners answer the quarterly check-ins: create one
step by step (also across a restart), edit it, choose who answers for it, archive and restore
it; wrong input and old or forged buttons change nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sandbox.emulator import Emulator
from storage.audit import AuditRepository
from storage.organisations import Organisation
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, staff_member
from tests.support.taps import forged, tapped

STALE = "This button no longer works. Send /start to open the menu again."


async def organisation(bot: InProcessBot, name: str, type_: str = "muslim_ngo") -> Organisation:
    services = bot.running.services
    return await services.organisations.add(
        name, type_, "DE-BE", services.clock.now(), actor_id=None
    )


async def projects_table(bot: InProcessBot) -> list[tuple[object, ...]]:
    rows = await bot.running.services.db.fetchall(
        "SELECT id, name, organisation_id, starts_on, ends_on, archived_at IS NOT NULL"
        " FROM projects ORDER BY id"
    )
    return [tuple(r) for r in rows]


async def test_staff_create_a_project_step_by_step_and_a_restart_loses_nothing(
    emulator: Emulator, bot: InProcessBot, db_path: Path
) -> None:
    services = bot.running.services
    verein = await organisation(bot, "Moscheeverein Neukölln", "mosque_association")
    staff = await staff_member(emulator, bot, 47000)
    staff_row = await services.members.get_by_telegram_id(staff.id)
    assert staff_row is not None

    staff.send_text("/start")
    menu = await staff.wait_for_message()
    listing = await tapped(staff, menu, "📁 Projects")
    assert listing.plain == "Projects\nThere are no active projects."
    assert listing.button_labels == ["➕ New project", "🗄 Archived projects", "« Main menu"]
    prompt = await tapped(staff, listing, "➕ New project")
    assert prompt.plain == "New project\nPlease send its name, or /cancel to stop."

    staff.send_photo()
    assert (await staff.wait_for_message()).plain == (
        "Please send it as a text message, or /cancel to stop."
    )
    staff.send_sticker()
    await staff.wait_for_message()  # the same sentence
    for wrong in ("x" * 5000, "ab", "two\u200blines"):
        staff.send_text(wrong)
        assert (await staff.wait_for_message()).plain == (
            "Please send a name of 3 to 100 characters on one line, or /cancel to stop."
        )
    staff.send_text("  Dialog   <vor Ort>  ")
    picker = await staff.wait_for_message()
    assert picker.plain == "Which partner organisation runs “Dialog <vor Ort>”?"
    assert picker.button_labels == ["Moscheeverein Neukölln (Berlin)"]
    staff.send_text("the mosque")
    assert (await staff.wait_for_message()).plain == (
        "Please tap one of the organisations above, or send /cancel to stop."
    )
    # A forged organisation number: refused, the question stays.
    answer = await forged(emulator, staff, picker, "proj:porg:999")
    assert answer["text"] == STALE
    start = await tapped(staff, picker, "Moscheeverein Neukölln (Berlin)")
    assert start.plain == (
        "“Dialog <vor Ort>” – Moscheeverein Neukölln.\n"
        "On which day does the funding start? Please send a date like 2027-01-01."
    )
    # The organisation's button again, now that a date is asked.
    answer = await forged(emulator, staff, start, f"proj:porg:{verein.id}")
    assert answer["text"] == STALE

    # The bot restarts while the start date is asked: the name and organisation are kept.
    await bot.stop()
    bot = await InProcessBot(emulator, db_path).start()
    try:
        services = bot.running.services
        staff.send_text("2027-02-30")
        assert (await staff.wait_for_message()).plain == (
            "2027-02-30 is not a day in the calendar. Please send a date like 2027-01-01."
        )
        for wrong in ("1.1.2027", "y" * 5000):
            staff.send_text(wrong)
            assert (await staff.wait_for_message()).plain == (
                "Please send the date as year-month-day, like 2027-01-01, or /cancel to stop."
            )
        staff.send_sticker()
        assert (await staff.wait_for_message()).plain == (
            "Please send it as a text message, or /cancel to stop."
        )
        staff.send_text(" 2027-01-01 ")
        assert (await staff.wait_for_message()).plain == (
            "The funding starts on Jan 1, 2027. On which day does it end? "
            "Please send a date like 2027-12-31."
        )
        for wrong in ("2026-12-31", "2027-01-01"):
            staff.send_text(wrong)
            assert (await staff.wait_for_message()).plain == (
                "The end must come after the start (Jan 1, 2027). Please send a later date."
            )
        assert await projects_table(bot) == []
        staff.send_text("2028-06-30")
        card = await staff.wait_for_message()
        assert card.plain == (
            "✅ Project added.\n\nDialog <vor Ort>\nPartner organisation: Moscheeverein Neukölln\n"
            "Funding period: Jan 1, 2027 – Jun 30, 2028\n0 answering members"
        )
        assert card.button_labels == [
            "✏️ Edit name",
            "✏️ Edit period",
            "👥 Members",
            "🗄 Archive",
            "« Projects",
        ]
        assert await projects_table(bot) == [
            (1, "Dialog <vor Ort>", verein.id, "2027-01-01", "2028-06-30", 0)
        ]
        assert await services.projects.draft(staff_row.id) is None
        created = await AuditRepository(services.db).entries("project.create")
        assert [(e.actor_id, e.object_id, e.detail) for e in created] == [(staff_row.id, 1, None)]

        # The same name again (in other letters' case) is refused while the first is active.
        listing = await tapped(staff, card, "« Projects")
        assert listing.plain == (
            "Projects\n\nDialog <vor Ort>\nMoscheeverein Neukölln · Jan 1, 2027 – Jun 30, 2028\n"
            "0 answering members"
        )
        await tapped(staff, listing, "➕ New project")
        staff.send_text("DIALOG <VOR ORT>")
        assert (await staff.wait_for_message()).plain == (
            "There is already an active project called “DIALOG <VOR ORT>”. "
            "Please send another name."
        )
        staff.send_text("/cancel")
        assert (await staff.wait_for_message()).plain == "Cancelled. Nothing was changed."
        assert len(await projects_table(bot)) == 1
        assert await services.projects.draft(staff_row.id) is None
    finally:
        await bot.stop()


async def test_staff_edit_a_project_choose_who_answers_and_archive_and_restore_it(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    audit = AuditRepository(services.db)
    verein = await organisation(bot, "Moscheeverein Neukölln", "mosque_association")
    other = await organisation(bot, "Polizei Berlin", "police")
    staff = await staff_member(emulator, bot, 47100)
    staff_row = await services.members.get_by_telegram_id(staff.id)
    assert staff_row is not None
    await joined_member(emulator, bot, 47101, "community", organisation_id=verein.id, name="Aylin")
    await joined_member(emulator, bot, 47102, "police", organisation_id=verein.id, name="Bernd")
    # Neither a member of another organisation nor a suspended one may answer.
    await joined_member(emulator, bot, 47103, "police", organisation_id=other.id, name="Carla")
    suspended = await joined_member(
        emulator, bot, 47104, "community", organisation_id=verein.id, name="Deniz"
    )
    async with services.db.transaction() as tx:
        await tx.execute(
            "UPDATE members SET status = 'suspended' WHERE telegram_user_id = ?", (suspended.id,)
        )
    aylin = await services.members.get_by_telegram_id(47101)
    bernd = await services.members.get_by_telegram_id(47102)
    carla = await services.members.get_by_telegram_id(47103)
    assert aylin is not None and bernd is not None and carla is not None
    now = services.clock.now()

    project = await services.projects.create(
        "Dialog", verein.id, date(2027, 1, 1), date(2027, 12, 31), now, actor_id=staff_row.id
    )
    await services.projects.create(
        "Brücken", other.id, date(2027, 1, 1), date(2027, 12, 31), now, actor_id=staff_row.id
    )

    staff.send_text("/projects")
    listing = await staff.wait_for_message()
    assert listing.button_labels[:2] == ["Brücken", "Dialog"]
    card = await tapped(staff, listing, "Dialog")

    # Members: only the organisation's active community and police members are offered.
    members = await tapped(staff, card, "👥 Members")
    assert members.plain == (
        "Dialog: who answers the check-ins\nActive community representatives and police "
        "contacts of Moscheeverein Neukölln can answer.\n\nNobody answers for this project yet."
    )
    offered = await tapped(staff, members, "➕ Add member")
    assert offered.plain == "Who else answers for “Dialog”?"
    assert offered.button_labels == ["Aylin", "Bernd", "« Back"]
    # A member of another organisation, forged: refused, nothing added.
    answer = await forged(emulator, staff, offered, f"projm:add:{project.id}:{carla.id}")
    assert answer["text"] == (
        "This person cannot answer for this project (any more). Nothing was changed."
    )
    members = await tapped(staff, offered, "Aylin")
    assert members.plain is not None and members.plain.startswith("✅ Member added.\n\n")
    assert members.plain.endswith("can answer.\n\n• Aylin")
    offered = await tapped(staff, members, "➕ Add member")
    members = await tapped(staff, offered, "Bernd")
    assert members.button_labels == ["➖ Aylin", "➖ Bernd", "➕ Add member", "« Back"]
    # A double tap on an old button adds nobody twice.
    answer = await forged(emulator, staff, members, f"projm:add:{project.id}:{aylin.id}")
    members = await staff.wait_for_edit(members)
    assert members.plain is not None and members.plain.startswith("Nothing was changed.")
    members = await tapped(staff, members, "➖ Bernd")
    assert members.plain is not None and members.plain.startswith("✅ Removed.")
    assert [m.display_name for m in await services.projects.members(project.id)] == ["Aylin"]
    offered = await tapped(staff, members, "➕ Add member")
    assert offered.button_labels == ["Bernd", "« Back"]
    members = await tapped(staff, offered, "« Back")
    card = await tapped(staff, members, "« Back")
    assert "1 answering member" in (card.plain or "")

    # Edit name: a duplicate is refused, then a free name is saved.
    question = await tapped(staff, card, "✏️ Edit name")
    assert question.plain == "Please send the new name for “Dialog”, or /cancel to keep it."
    staff.send_text("brücken")
    assert (await staff.wait_for_message()).plain == (
        "There is already an active project called “brücken”. "
        "Please send another name, or /cancel to keep the old one."
    )
    staff.send_text("Dialog vor Ort")
    card = await staff.wait_for_message()
    assert (card.plain or "").startswith("✅ Saved.\n\nDialog vor Ort\n")

    # Edit period: the end must come after the start.
    question = await tapped(staff, card, "✏️ Edit period")
    assert question.plain == (
        "“Dialog vor Ort” is funded Jan 1, 2027 – Dec 31, 2027.\n"
        "On which day does the funding start? Please send a date like 2027-01-01."
    )
    staff.send_text("2027-04-01")
    await staff.wait_for_message()
    staff.send_text("2027-03-31")
    assert (await staff.wait_for_message()).plain == (
        "The end must come after the start (Apr 1, 2027). Please send a later date."
    )
    staff.send_text("2028-03-31")
    card = await staff.wait_for_message()
    assert "Funding period: Apr 1, 2027 – Mar 31, 2028" in (card.plain or "")

    # Archive, confirmed; listed apart; the name is then free for a new project.
    confirm = await tapped(staff, card, "🗄 Archive")
    assert confirm.button_labels == ["🗄 Yes, archive", "« Back"]
    listing = await tapped(staff, confirm, "🗄 Yes, archive")
    assert (listing.plain or "").startswith("🗄 “Dialog vor Ort” is archived.\n\nProjects\n")
    assert listing.button_labels[0] == "Brücken"
    # The old confirmation, tapped again: already archived, nothing changes twice.
    answer = await forged(emulator, staff, listing, f"proj:archok:{project.id}")
    assert answer["text"] == "This was changed meanwhile."
    card = await staff.wait_for_edit(listing)
    # Editing or choosing members of an archived project is refused.
    answer = await forged(emulator, staff, card, f"proj:ename:{project.id}")
    assert answer["text"] == STALE
    answer = await forged(emulator, staff, card, f"projm:rm:{project.id}:{aylin.id}")
    assert answer["text"] == "This project is archived."
    staff.send_text("/projects")
    listing = await staff.wait_for_message()
    archived = await tapped(staff, listing, "🗄 Archived projects")
    assert archived.plain == (
        "Archived projects\n\nDialog vor Ort\nMoscheeverein Neukölln · Apr 1, 2027 – "
        "Mar 31, 2028\n1 answering member"
    )
    card = await tapped(staff, archived, "Dialog vor Ort")
    assert card.button_labels == ["♻️ Restore", "« Archived projects"]
    # Meanwhile an active project has taken the name: restoring waits until it is free.
    newer = await services.projects.create(
        "DIALOG VOR ORT", verein.id, date(2028, 1, 1), date(2028, 6, 30), now, actor_id=staff_row.id
    )
    card = await tapped(staff, card, "♻️ Restore")
    assert (card.plain or "").startswith(
        "There is already an active project called “Dialog vor Ort”. "
        "Rename the active one first. Nothing was changed.\n\n"
    )
    await services.projects.rename(newer.id, "Dialog 2028", now, actor_id=staff_row.id)
    card = await tapped(staff, card, "♻️ Restore")
    assert (card.plain or "").startswith("✅ Restored.\n\nDialog vor Ort\n")

    assert [(e.object_id, e.detail) for e in await audit.entries("project.members")] == [
        (project.id, f"added={aylin.id}"),
        (project.id, f"added={bernd.id}"),
        (project.id, f"removed={bernd.id}"),
    ]
    assert [e.detail for e in await audit.entries("project.edit")] == [
        "changed=name",
        "changed=period",
        "changed=name",
    ]
    assert [e.detail for e in await audit.entries("project.archive")] == ["archived", "restored"]

    # A member who erases their data no longer answers for any project.
    await services.personal_data.erase(aylin, services.clock.now())
    assert await services.projects.members(project.id) == []


async def test_old_and_forged_buttons_and_a_lost_staff_role_change_nothing(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    staff = await staff_member(emulator, bot, 47200)
    staff_row = await services.members.get_by_telegram_id(staff.id)
    assert staff_row is not None

    # Without organisations there is nothing to pick yet; the staff member is told where to go.
    staff.send_text("/projects")
    listing = await staff.wait_for_message()
    await tapped(staff, listing, "➕ New project")
    staff.send_text("Dialog")
    assert (await staff.wait_for_message()).plain == (
        "Which partner organisation runs “Dialog”?\n"
        "No organisation is listed yet. Add it under /organisations first, then /cancel this."
    )
    staff.send_text("/cancel")
    await staff.wait_for_message()

    verein = await organisation(bot, "Moscheeverein Neukölln", "mosque_association")
    project = await services.projects.create(
        "Dialog", verein.id, date(2027, 1, 1), date(2027, 12, 31), services.clock.now(),
        actor_id=staff_row.id,
    )  # fmt: skip
    before = await projects_table(bot)
    staff.send_text("/help")
    own = await staff.wait_for_message()
    assert "/projects – funded projects, their partners and who answers the check-ins" in (
        own.plain or ""
    )
    for data in (
        "proj:show:999",
        "proj:nonsense:1",
        "proj:show",
        f"proj:restore:{project.id}",  # restoring an active project
        "proj:porg:1",  # an organisation button outside the conversation
        "projm:list:999",
        "projm:cand:999:0",
        f"projm:nonsense:{project.id}:1",
    ):
        answer = await forged(emulator, staff, own, data)
        assert answer["text"] in (STALE, "This was changed meanwhile."), data
    answer = await forged(emulator, staff, own, f"projm:add:{project.id}:{staff_row.id}")
    assert answer["text"] == (
        "This person cannot answer for this project (any more). Nothing was changed."
    )
    assert await projects_table(bot) == before
    assert await services.projects.members(project.id) == []

    # The staff role goes while a new name is being typed: refused, the draft is dropped.
    staff.send_text("/projects")
    listing = await staff.wait_for_message()
    card = await tapped(staff, listing, "Dialog")
    await tapped(staff, card, "✏️ Edit name")
    async with services.db.transaction() as tx:
        await tx.execute("UPDATE members SET role = 'community' WHERE id = ?", (staff_row.id,))
    staff.send_text("Dialog neu")
    assert (await staff.wait_for_message()).plain == "This is only for the network team."
    assert await projects_table(bot) == before
    assert await services.projects.draft(staff_row.id) is None
    assert [e.detail for e in await AuditRepository(services.db).entries("access.denied")] == [
        "conversation=projects"
    ]


async def test_projects_and_organisations_are_paged(emulator: Emulator, bot: InProcessBot) -> None:
    services = bot.running.services
    staff = await staff_member(emulator, bot, 47300)
    staff_row = await services.members.get_by_telegram_id(staff.id)
    assert staff_row is not None
    organisations = [await organisation(bot, f"Verein {n}") for n in range(1, 10)]
    for n, each in enumerate(organisations, start=1):
        await services.projects.create(
            f"Projekt {n}", each.id, date(2027, 1, 1), date(2027, 12, 31), services.clock.now(),
            actor_id=staff_row.id,
        )  # fmt: skip
    staff.send_text("/projects")
    listing = await staff.wait_for_message()
    assert (listing.plain or "").startswith("Projects\npage 1 of 2\n\nProjekt 1\n")
    assert listing.button_labels[7:] == [
        "Projekt 8",
        "Next »",
        "➕ New project",
        "🗄 Archived projects",
        "« Main menu",
    ]
    second = await tapped(staff, listing, "Next »")
    assert second.button_labels[:2] == ["Projekt 9", "« Previous"]

    await tapped(staff, second, "➕ New project")
    staff.send_text("Projekt 10")
    picker = await staff.wait_for_message()
    assert picker.plain == "Which partner organisation runs “Projekt 10”?\npage 1 of 2"
    assert picker.button_labels[-1] == "Next »"
    picker = await tapped(staff, picker, "Next »")
    assert picker.button_labels == ["Verein 9 (Berlin)", "« Previous"]
    start = await tapped(staff, picker, "Verein 9 (Berlin)")
    assert (start.plain or "").startswith("“Projekt 10” – Verein 9.")
    staff.send_text("2027-01-01")
    await staff.wait_for_message()
    staff.send_text("2027-03-31")
    card = await staff.wait_for_message()
    assert "Partner organisation: Verein 9" in (card.plain or "")
