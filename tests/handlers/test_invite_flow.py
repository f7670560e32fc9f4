"""Staff make an invitation link with buttons: the role, then an organisation that fits it,
picked from a paged list; nobody else can, and outdated or forged buttons change nothing."""

from __future__ import annotations

from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.audit import AuditRepository
from storage.organisations import Organisation
from tests.handlers.test_onboarding import join
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, staff_member
from tests.support.taps import forged, tapped

ROLES_SCREEN = "New invitation\nWho is it for?"
ROLE_BUTTONS = [
    "community representative",
    "police contact",
    "member of the network team",
    "« Main menu",
]
OUTDATED = "This button no longer works"
STAFF_ONLY = "This is only for the network team."


async def add(bot: InProcessBot, name: str, type_: str, bundesland: str) -> Organisation:
    services = bot.running.services
    return await services.organisations.add(
        name, type_, bundesland, services.clock.now(), actor_id=None
    )


async def invites(bot: InProcessBot) -> list[tuple[object, ...]]:
    rows = await bot.running.services.db.fetchall(
        "SELECT role, organisation_id, max_uses, uses FROM invites ORDER BY id"
    )
    return [tuple(row) for row in rows]


def code_of(link_message: BotMessage) -> str:
    link = (link_message.plain or "").splitlines()[-1]
    assert link.startswith("https://t.me/kosizu_test_bot?start="), link
    return link.rsplit("=", 1)[1]


async def test_staff_invite_a_police_contact_of_an_organisation_on_page_two(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    for number in range(1, 10):
        await add(bot, f"Polizei Berlin Abschnitt {number}", "police", "DE-BE")
    bonn = await add(bot, "Polizei Bonn", "police", "DE-NW")
    await add(bot, "DITIB Köln", "mosque_association", "DE-NW")
    staff = await staff_member(emulator, bot, 23000)
    staff.send_text("/start")
    menu = await staff.wait_for_message()

    roles = await tapped(staff, menu, "✉️ Invite")
    assert roles.plain == ROLES_SCREEN
    assert roles.button_labels == ROLE_BUTTONS
    page = await tapped(staff, roles, "police contact")
    assert page.plain == (
        "New invitation: police contact\nWhich organisation does the person belong to?\npage 1 of 2"
    )
    assert page.button_labels == [
        *(f"Polizei Berlin Abschnitt {n} (Berlin)" for n in range(1, 9)),
        "Next »",
        "« Back",
    ]  # police organisations only, and no "No organisation": a police contact needs one
    page = await tapped(staff, page, "Next »")
    assert page.plain is not None and page.plain.endswith("page 2 of 2")
    assert page.button_labels == [
        "Polizei Berlin Abschnitt 9 (Berlin)",
        "Polizei Bonn (North Rhine-Westphalia)",
        "« Previous",
        "« Back",
    ]
    done = await tapped(staff, page, "Polizei Bonn (North Rhine-Westphalia)")
    assert done.plain == (
        "✅ Invitation created: police contact, Polizei Bonn (North Rhine-Westphalia).\n"
        "The link follows below."
    )
    assert done.button_labels == ["✉️ Another invitation", "« Main menu"]
    link = await staff.wait_for_message()
    assert link.protect_content
    assert (link.plain or "").startswith("Invitation (police contact), valid until ")
    assert (link.plain or "").splitlines()[-2].endswith("it works once:")
    assert await invites(bot) == [("police", bonn.id, 1, 0)]
    staff_row = await services.members.get_by_telegram_id(staff.id)
    assert staff_row is not None
    created = await AuditRepository(services.db).entries("invite.create")
    assert [(e.actor_id, e.detail) for e in created] == [
        (staff_row.id, "role=police uses=1 days=7")
    ]

    newcomer = emulator.user(23001, language_code="en")
    await join(newcomer, bot, code_of(link), "✅ I agree", "Officer Schmidt")
    member = await services.members.get_by_telegram_id(newcomer.id)
    assert member is not None
    assert (member.role, member.status, member.organisation_id) == ("police", "active", bonn.id)
    assert await invites(bot) == [("police", bonn.id, 1, 1)]

    # Another invitation starts over on the same message.
    assert (await tapped(staff, done, "✉️ Another invitation")).plain == ROLES_SCREEN


async def test_a_community_invitation_may_name_no_organisation(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    await add(bot, "Polizei Bonn", "police", "DE-NW")
    await add(bot, "DITIB Köln", "mosque_association", "DE-NW")
    await add(bot, "Muslimische Jugend", "muslim_ngo", "DE")
    staff = await staff_member(emulator, bot, 23100)
    staff.send_text("/invite")  # the same screen as the menu's button
    roles = await staff.wait_for_message()
    assert roles.plain == ROLES_SCREEN
    assert roles.button_labels == ROLE_BUTTONS
    page = await tapped(staff, roles, "community representative")
    assert page.plain == (
        "New invitation: community representative\nWhich organisation does the person belong to?"
    )
    assert page.button_labels == [
        "Muslimische Jugend (nationwide)",
        "DITIB Köln (North Rhine-Westphalia)",
        "No organisation",
        "« Back",
    ]
    done = await tapped(staff, page, "No organisation")
    assert done.plain == (
        "✅ Invitation created: community representative.\nThe link follows below."
    )
    link = await staff.wait_for_message()
    assert link.protect_content
    assert (link.plain or "").startswith("Invitation (community representative), valid until ")
    assert await invites(bot) == [("community", None, 1, 0)]
    created = await AuditRepository(services.db).entries("invite.create")
    assert [e.detail for e in created] == ["role=community uses=1 days=30"]

    newcomer = emulator.user(23101, language_code="en")
    await join(newcomer, bot, code_of(link), "✅ I agree", "Imam Yilmaz")
    member = await services.members.get_by_telegram_id(newcomer.id)
    assert member is not None
    assert (member.role, member.status, member.organisation_id) == ("community", "active", None)


async def test_a_staff_invitation_takes_one_more_tap_and_names_no_organisation(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    await add(bot, "Polizei Bonn", "police", "DE-NW")
    staff = await staff_member(emulator, bot, 23200)
    staff.send_text("/invite")
    roles = await staff.wait_for_message()
    step = await tapped(staff, roles, "member of the network team")
    assert step.plain == (
        "New invitation: member of the network team\n"
        "The link makes the person a member of the network team, with every staff right. "
        "It presets no organisation."
    )
    assert step.button_labels == ["✉️ Create the link", "« Back"]
    assert await invites(bot) == []
    assert (await tapped(staff, step, "« Back")).plain == ROLES_SCREEN
    step = await tapped(staff, roles, "member of the network team")
    done = await tapped(staff, step, "✉️ Create the link")
    assert done.plain == (
        "✅ Invitation created: member of the network team.\nThe link follows below."
    )
    link = await staff.wait_for_message()
    assert link.protect_content
    assert await invites(bot) == [("staff", None, 1, 0)]
    newcomer = emulator.user(23201, language_code="en")
    await join(newcomer, bot, code_of(link), "✅ I agree", "New Colleague")
    member = await services.members.get_by_telegram_id(newcomer.id)
    assert member is not None
    assert (member.role, member.status, member.organisation_id) == ("staff", "active", None)


async def test_paging_back_and_forth_and_an_empty_police_list(
    emulator: Emulator, bot: InProcessBot
) -> None:
    for number in range(1, 18):
        await add(bot, f"Moscheeverein {number:02}", "mosque_association", "DE-HH")
    staff = await staff_member(emulator, bot, 23300)
    staff.send_text("/invite")
    roles = await staff.wait_for_message()
    page = await tapped(staff, roles, "community representative")
    assert (page.plain or "").endswith("page 1 of 3")
    assert page.button_labels[-3:] == ["Next »", "No organisation", "« Back"]
    page = await tapped(staff, page, "Next »")
    assert (page.plain or "").endswith("page 2 of 3")
    assert page.button_labels[0] == "Moscheeverein 09 (Hamburg)"
    assert page.button_labels[-4:] == ["« Previous", "Next »", "No organisation", "« Back"]
    page = await tapped(staff, page, "Next »")
    assert (page.plain or "").endswith("page 3 of 3")
    assert page.button_labels == [
        "Moscheeverein 17 (Hamburg)",
        "« Previous",
        "No organisation",
        "« Back",
    ]
    page = await tapped(staff, page, "« Previous")
    assert (page.plain or "").endswith("page 2 of 3")
    # A page past the end (the list shrank since) shows the last one.
    staff.tap_data(page.message_id, "invite:page:community:9999")
    page = await staff.wait_for_edit(page)
    assert (page.plain or "").endswith("page 3 of 3")
    roles = await tapped(staff, page, "« Back")
    assert roles.plain == ROLES_SCREEN

    # No police organisation yet: say so, and offer the organisations list, not a link.
    empty = await tapped(staff, roles, "police contact")
    assert empty.plain == (
        "New invitation: police contact\n"
        "No fitting organisation is listed yet.\n"
        "A police contact belongs to a police authority or unit: please add it under "
        "🏢 Organisations first."
    )
    assert empty.button_labels == ["🏢 Organisations", "« Back"]
    listing = await tapped(staff, empty, "🏢 Organisations")
    assert (listing.plain or "").startswith("Organisations\n17 organisations")
    assert await invites(bot) == []


async def test_outdated_and_forged_buttons_make_no_invitation(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    police = await add(bot, "Polizei Bonn", "police", "DE-NW")
    mosque = await add(bot, "DITIB Köln", "mosque_association", "DE-NW")
    gone = await add(bot, "Polizei Essen", "police", "DE-NW")
    retyped = await add(bot, "Polizei Köln", "police", "DE-NW")
    staff = await staff_member(emulator, bot, 23400)
    staff.send_text("/invite")
    roles = await staff.wait_for_message()
    page = await tapped(staff, roles, "police contact")
    assert "Polizei Essen (North Rhine-Westphalia)" in page.button_labels

    # Deleted, or no longer a police organisation, after the list was shown.
    async with services.db.transaction() as tx:
        await tx.execute("DELETE FROM organisations WHERE id = ?", (gone.id,))
    await services.organisations.edit(
        retyped.id, services.clock.now(), actor_id=None, type_="public_body"
    )
    for label in (
        "Polizei Essen (North Rhine-Westphalia)",
        "Polizei Köln (North Rhine-Westphalia)",
    ):
        data = page.button(label).callback_data
        assert data is not None
        answer = await forged(emulator, staff, page, data)
        assert str(answer.get("text", "")).startswith(OUTDATED), label
        assert answer.get("show_alert") is True

    for data in (
        "invite:org:police:999",  # unknown organisation
        f"invite:org:community:{police.id}",  # a police unit for a community representative
        f"invite:org:police:{mosque.id}",  # a mosque for a police contact
        f"invite:org:staff:{police.id}",  # staff pick no organisation
        "invite:org:police:²",  # digits Python reads as digits, int() refuses
        "invite:org:police:٣",
        f"invite:org:police:{'1' * 30}",
        "invite:org:police:-1",
        "invite:org:imam:1",
        "invite:page:police:²",
        "invite:page:police:99999",
        "invite:page:staff:0",
        "invite:role:imam",
        "invite:role:",
        "invite:none:police",  # a police contact always belongs to an organisation
        "invite:none:imam",
        "invite:org:police",
        "invite:org:police:1:2",
    ):
        answer = await forged(emulator, staff, page, data)
        assert str(answer.get("text", "")).startswith(OUTDATED), data
    assert await invites(bot) == []
    assert await AuditRepository(services.db).entries("invite.create") == []


async def test_nobody_but_active_staff_can_use_the_flow(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    audit = AuditRepository(services.db)
    police = await add(bot, "Polizei Bonn", "police", "DE-NW")
    community = await joined_member(emulator, bot, 23500, "community")
    community.send_text("/invite")
    assert (await community.wait_for_message()).plain == STAFF_ONLY
    community.send_text("/help")
    own = await community.wait_for_message()
    for data in ("invite", "invite:role:police", f"invite:org:police:{police.id}"):
        answer = await forged(emulator, community, own, data)
        assert answer.get("text") == STAFF_ONLY
        assert answer.get("show_alert") is True
    community_row = await services.members.get_by_telegram_id(community.id)
    assert community_row is not None
    denied = await audit.entries("access.denied")
    assert [(e.actor_id, e.detail) for e in denied] == [
        (community_row.id, "command=invite"),
        *[(community_row.id, "button=invite")] * 3,
    ]

    # Staff who lose the role while the list is open lose the flow at the next tap.
    staff = await staff_member(emulator, bot, 23501)
    staff.send_text("/invite")
    roles = await staff.wait_for_message()
    page = await tapped(staff, roles, "police contact")
    async with services.db.transaction() as tx:
        await tx.execute(
            "UPDATE members SET role = 'community' WHERE telegram_user_id = ?", (staff.id,)
        )
    data = page.button("Polizei Bonn (North Rhine-Westphalia)").callback_data
    assert data is not None
    answer = await forged(emulator, staff, page, data)
    assert answer.get("text") == STAFF_ONLY
    staff_row = await services.members.get_by_telegram_id(staff.id)
    assert staff_row is not None
    assert (await audit.entries("access.denied"))[-1].actor_id == staff_row.id
    # Only the invitation the community member joined with, which nobody made in the chat.
    made = await services.db.fetchall("SELECT id FROM invites WHERE created_by IS NOT NULL")
    assert made == []
