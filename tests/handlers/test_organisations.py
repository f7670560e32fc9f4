"""Staff keep the list of organisations: paged by Bundesland, added and edited in the chat,
no duplicates; nobody else can."""

from __future__ import annotations

import pytest

from sandbox.emulator import Emulator
from storage.audit import AuditRepository
from storage.organisations import Organisation
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, staff_member
from tests.support.taps import forged, tapped

STAFF_ONLY = "This is only for the network team."


async def stored(bot: InProcessBot) -> list[tuple[str, str, str]]:
    return [(o.name, o.type, o.bundesland) for o in await bot.running.services.organisations.all()]


async def add(bot: InProcessBot, name: str, type_: str, bundesland: str) -> Organisation:
    services = bot.running.services
    return await services.organisations.add(
        name, type_, bundesland, services.clock.now(), actor_id=None
    )


async def test_staff_add_an_organisation_step_by_step_and_duplicates_are_refused(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    staff = await staff_member(emulator, bot, 22500)
    staff.send_text("/organisations")
    listing = await staff.wait_for_message()
    assert listing.plain == "Organisations\nThere are no organisations yet."
    prompt = await tapped(staff, listing, "➕ Add organisation")
    assert prompt.plain == "New organisation\nPlease send its name, or /cancel to stop."

    staff.send_sticker()
    assert (await staff.wait_for_message()).plain == (
        "Please send the name as a text message, or /cancel to stop."
    )
    staff.send_text("x" * 201)
    assert (await staff.wait_for_message()).plain == (
        "Please send a name of 1 to 200 characters on one line, or /cancel to stop."
    )
    staff.send_text("  DITIB   <Köln>  ")
    question = await staff.wait_for_message()
    assert question.plain == "Which type is “DITIB <Köln>”?"
    assert question.button_labels == [
        "mosque association",
        "Muslim umbrella organisation",
        "Muslim NGO",
        "police authority or unit",
        "other public body",
    ]
    staff.send_text("a mosque")
    reminder = await staff.wait_for_message()
    assert reminder.plain == "Please tap one of the types, or send /cancel to stop."
    staff.send_photo()
    await staff.wait_for_message()  # the same reminder
    where = await tapped(staff, question, "mosque association")
    assert where.plain == "“DITIB <Köln>” – mosque association. In which Bundesland is it?"
    # A type button of the earlier reminder, now that the Bundesland is asked.
    answer = await forged(
        emulator, staff, reminder, reminder.button("Muslim NGO").callback_data or ""
    )
    assert answer["text"] == "This button no longer works. Send /start to open the menu again."
    card = await tapped(staff, where, "North Rhine-Westphalia")
    assert card.plain == (
        "✅ Added.\n\nDITIB <Köln>\nType: mosque association\nBundesland: North Rhine-Westphalia"
    )
    assert await stored(bot) == [("DITIB <Köln>", "mosque_association", "DE-NW")]
    staff_row = await services.members.get_by_telegram_id(staff.id)
    assert staff_row is not None
    added = await AuditRepository(services.db).entries("organisation.add")
    assert [(e.actor_id, e.object_id) for e in added] == [(staff_row.id, 1)]
    assert await services.organisations.draft(staff_row.id) is None

    # The same name in the same Bundesland is refused; in another Bundesland it is fine.
    for bundesland, outcome in (
        ("North Rhine-Westphalia", "There is already an organisation called “DITIB <Köln>” "
         "(North Rhine-Westphalia). Nothing was added."),
        ("Hesse", "✅ Added."),
    ):  # fmt: skip
        listing = await tapped(staff, card, "« Organisations")
        await tapped(staff, listing, "➕ Add organisation")
        staff.send_text("DITIB <Köln>")
        question = await staff.wait_for_message()
        await tapped(staff, question, "mosque association")
        card = await tapped(staff, question, bundesland)
        assert (card.plain or "").startswith(outcome)
    assert len(await stored(bot)) == 2


async def test_cancel_and_a_restart_in_the_middle_of_adding(
    emulator: Emulator, bot: InProcessBot
) -> None:
    staff = await staff_member(emulator, bot, 22510)
    staff.send_text("/organisations")
    listing = await staff.wait_for_message()
    await tapped(staff, listing, "➕ Add organisation")
    staff.send_text("Moscheeverein Nord")
    await staff.wait_for_message()
    staff.send_text("/cancel")
    assert (await staff.wait_for_message()).plain == "Cancelled. Nothing was changed."
    assert await stored(bot) == []

    staff.send_text("/organisations")
    listing = await staff.wait_for_message()
    await tapped(staff, listing, "➕ Add organisation")
    staff.send_text("Moscheeverein Süd")
    question = await staff.wait_for_message()
    await bot.stop()
    await bot.start()
    where = await tapped(staff, question, "Muslim NGO")
    await tapped(staff, where, "Bavaria")
    assert await stored(bot) == [("Moscheeverein Süd", "muslim_ngo", "DE-BY")]


async def test_staff_edit_name_type_and_bundesland_with_uniqueness_kept(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    first = await add(bot, "Moschee Nord", "mosque_association", "DE-NW")
    await add(bot, "Moschee Nord", "mosque_association", "DE-BE")
    await add(bot, "Moschee Süd", "mosque_association", "DE-BE")
    await add(bot, "Moschee Ost", "public_body", "DE-HH")
    staff = await staff_member(emulator, bot, 22520)
    staff.send_text("/organisations")
    listing = await staff.wait_for_message()
    assert listing.plain == (
        "Organisations\n4 organisations · page 1 of 1\n\n"
        "Berlin\n• Moschee Nord – mosque association\n• Moschee Süd – mosque association\n\n"
        "Hamburg\n• Moschee Ost – other public body\n\n"
        "North Rhine-Westphalia\n• Moschee Nord – mosque association"
    )
    staff.tap_data(listing.message_id, f"orgs:show:{first.id}")
    card = await staff.wait_for_edit(listing)
    assert card.plain == (
        "Moschee Nord\nType: mosque association\nBundesland: North Rhine-Westphalia"
    )

    picker = await tapped(staff, card, "✏️ Type")
    assert picker.plain == "Which type is “Moschee Nord”?"
    card = await tapped(staff, picker, "Muslim NGO")
    assert (card.plain or "").startswith("✅ Saved.\n\nMoschee Nord\nType: Muslim NGO")
    card = await tapped(staff, await tapped(staff, card, "✏️ Type"), "Muslim NGO")
    assert (card.plain or "").startswith("Nothing was changed.")

    picker = await tapped(staff, card, "✏️ Bundesland")
    card = await tapped(staff, picker, "Berlin")  # where another "Moschee Nord" is
    assert (card.plain or "").startswith(
        "There is already an organisation called “Moschee Nord” (Berlin). Nothing was changed."
    )
    card = await tapped(staff, await tapped(staff, card, "✏️ Bundesland"), "Hamburg")
    assert "Bundesland: Hamburg" in (card.plain or "")

    prompt = await tapped(staff, card, "✏️ Name")
    assert prompt.plain == "Please send the new name for “Moschee Nord”, or /cancel to keep it."
    staff.send_sticker()
    assert (await staff.wait_for_message()).plain == (
        "Please send the name as a text message, or /cancel to stop."
    )
    staff.send_text("Moschee  Ost")
    assert (await staff.wait_for_message()).plain == (
        "There is already an organisation called “Moschee Ost” (Hamburg). Please send another "
        "name, or /cancel to keep the old one."
    )
    staff.send_text("Moschee Süd")  # that name is taken in Berlin only
    saved = await staff.wait_for_message()
    assert saved.plain == ("✅ Saved.\n\nMoschee Süd\nType: Muslim NGO\nBundesland: Hamburg")
    staff.send_text("Moschee West")  # the conversation is over: just text
    assert "I'm not sure what you mean" in ((await staff.wait_for_message()).plain or "")

    assert sorted(await stored(bot)) == [
        ("Moschee Nord", "mosque_association", "DE-BE"),
        ("Moschee Ost", "public_body", "DE-HH"),
        ("Moschee Süd", "mosque_association", "DE-BE"),
        ("Moschee Süd", "muslim_ngo", "DE-HH"),
    ]
    staff_row = await services.members.get_by_telegram_id(staff.id)
    assert staff_row is not None
    edits = await AuditRepository(services.db).entries("organisation.edit")
    assert [(e.actor_id, e.object_id, e.detail) for e in edits] == [
        (staff_row.id, first.id, "changed=type"),
        (staff_row.id, first.id, "changed=bundesland"),
        (staff_row.id, first.id, "changed=name"),
    ]


async def test_the_list_is_paged_by_bundesland(emulator: Emulator, bot: InProcessBot) -> None:
    for n in range(11):
        await add(bot, f"Verein {n:02}", "muslim_ngo", "DE-SN")
    await add(bot, "Polizeidirektion Leipzig", "police", "DE-SN")
    await add(bot, "Bundesweiter Dachverband", "umbrella_organisation", "DE")
    staff = await staff_member(emulator, bot, 22530)
    staff.send_text("/organisations")
    page = await staff.wait_for_message()
    assert (page.plain or "").startswith(
        "Organisations\n13 organisations · page 1 of 2\n\n"
        "nationwide\n• Bundesweiter Dachverband – Muslim umbrella organisation\n\n"
        "Saxony\n• Polizeidirektion Leipzig – police authority or unit\n• Verein 00"
    )
    assert page.button_labels == [
        "Bundesweiter Dachverband",
        "Polizeidirektion Leipzig",
        *(f"Verein {n:02}" for n in range(8)),
        "Next »",
        "➕ Add organisation",
        "« Main menu",
    ]
    page = await tapped(staff, page, "Next »")
    assert (page.plain or "").startswith("Organisations\n13 organisations · page 2 of 2\n\nSaxony")
    assert page.button_labels[:4] == ["Verein 08", "Verein 09", "Verein 10", "« Previous"]
    card = await tapped(staff, page, "Verein 10")
    page = await tapped(staff, card, "« Organisations")  # back to the page it is on
    assert "page 2 of 2" in (page.plain or "")


@pytest.mark.parametrize("who", ["unknown", "community", "police", "pending"])
async def test_forged_organisation_buttons_are_refused_to_anyone_but_staff(
    emulator: Emulator, bot: InProcessBot, who: str
) -> None:
    services = bot.running.services
    organisation = await add(bot, "DITIB Köln", "mosque_association", "DE-NW")
    if who == "unknown":
        user = emulator.user(22540, language_code="en")
        user.send_text("/start")
        await user.wait_for_message()
    else:
        role = "community" if who == "community" else "police"
        user = await joined_member(emulator, bot, 22540, role)
        if who == "pending":
            async with services.db.transaction() as tx:
                await tx.execute(
                    "UPDATE members SET status = 'pending' WHERE telegram_user_id = ?", (user.id,)
                )
    message = user.last_message
    for data in (
        f"orgs:settype:{organisation.id}:police",
        f"orgs:setland:{organisation.id}:DE-BY",
        f"orgs:rename:{organisation.id}",
        f"orgs:show:{organisation.id}",
        "orgs:add",
        "orgs",
    ):
        answer = await forged(emulator, user, message, data)
        assert answer["text"] == STAFF_ONLY and answer["show_alert"] is True
    user.send_text("Evil Name")  # no rename conversation was opened
    assert "I'm not sure what you mean" in ((await user.wait_for_message()).plain or "")
    user.send_text("/organisations")
    assert (await user.wait_for_message()).plain == STAFF_ONLY
    assert await stored(bot) == [("DITIB Köln", "mosque_association", "DE-NW")]
    audit = AuditRepository(services.db)
    assert len(await audit.entries("access.denied")) == 7
    assert await audit.entries("organisation.edit") == []
    assert await services.db.fetchall("SELECT * FROM organisation_drafts") == []
