"""Staff manage members: overview, lists, the member card, suspending, reactivating and
reconfirming a role on the member's behalf; nobody else can."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.audit import AuditRepository
from storage.members import Member
from tests.support.harness import InProcessBot, eventually
from tests.support.members import joined_member, staff_member
from tests.support.taps import forged, tapped

STAFF_ONLY = "This is only for the network team."


async def told(user: SimUser, text: str) -> None:
    """The member receives ``text`` from the outbox (other notices may come and go)."""

    async def received() -> bool:
        return any(m.plain == text for m in user.messages)

    await eventually(received, what=f"the member to be told {text!r}")


async def speaks_english(user: SimUser) -> None:
    """The member chooses English, so what the bot sends on its own is in English too."""
    user.send_text("/language")
    user.tap(await user.wait_for_message(), "English")
    await user.wait_for_edit(user.last_message)
    user.skip_messages()


async def member(bot: InProcessBot, user: SimUser) -> Member:
    found = await bot.running.services.members.get_by_telegram_id(user.id)
    assert found is not None
    return found


async def open_overview(staff: SimUser) -> BotMessage:
    staff.send_text("/members")
    return await staff.wait_for_message()


async def test_staff_suspend_a_member_who_then_has_only_their_data_rights_until_reactivated(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot
    services = bot.running.services
    organisation = await services.organisations.add(
        "DITIB <Köln>", "mosque_association", "DE-NW", services.clock.now(), actor_id=None
    )
    staff = await staff_member(emulator, bot, 22000)
    user = await joined_member(
        emulator, bot, 22001, "community", organisation_id=organisation.id, name="Ayşe Demir"
    )
    await speaks_english(user)
    target = await member(bot, user)
    async with services.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO member_regions (member_id, region) VALUES (?, ?)",
            [(target.id, "DE-NW"), (target.id, "DE-BE")],
        )

    overview = await open_overview(staff)
    assert overview.plain is not None
    assert "Community representatives: 1 (active: 1)" in overview.plain
    assert "Network team: 1 (active: 1)" in overview.plain
    listing = await tapped(staff, overview, "Community representatives (1)")
    assert listing.plain is not None and "Active community representatives" in listing.plain
    card = await tapped(staff, listing, "Ayşe Demir")
    assert card.plain == (
        "Ayşe Demir\n"
        "Role: community representative\n"
        "Status: active\n"
        "Organisation: DITIB <Köln>\n"
        "Regions: Berlin, North Rhine-Westphalia\n"
        "Joined: Jan 11, 2027\n"
        "Role confirmed on: Jan 11, 2027\n"
        "Last seen: Jan 11, 2027\n"
        "Unreachable since: —"
    )
    assert card.button_labels == ["⛔ Suspend", "« Back to the list", "« Overview"]

    question = await tapped(staff, card, "⛔ Suspend")
    assert question.plain is not None and question.plain.startswith("Suspend Ayşe Demir?")
    back = await tapped(staff, question, "Cancel")
    assert (await member(bot, user)).status == "active"  # a second tap is needed
    question = await tapped(staff, back, "⛔ Suspend")
    confirm_data = question.button("⛔ Yes, suspend").callback_data
    assert confirm_data is not None
    card = await tapped(staff, question, "⛔ Yes, suspend")
    assert card.plain is not None
    assert card.plain.startswith("⛔ Suspended. The member has been told.")
    assert "Status: suspended" in card.plain
    assert card.button_labels == ["✅ Reactivate", "« Back to the list", "« Overview"]

    await told(
        user,
        "The network team has suspended your membership. Until it is reactivated, you can "
        "only use /mydata and /deleteme. Your seats at upcoming events have been released.",
    )
    user.skip_messages()
    assert (await member(bot, user)).status == "suspended"
    staff_row = await member(bot, staff)
    audit = await AuditRepository(services.db).entries("member.suspend")
    assert [(e.actor_id, e.object_type, e.object_id) for e in audit] == [
        (staff_row.id, "member", target.id)
    ]

    # The old confirmation again (a double tap, a replay): suspended already, nothing happens.
    answer = await forged(emulator, staff, card, confirm_data)
    assert answer["text"] == "Only an active or lapsed member can be suspended."
    assert len(await AuditRepository(services.db).entries("member.suspend")) == 1

    for blocked in ("/start", "/members", "hello"):
        user.send_text(blocked)
        assert (await user.wait_for_message()).plain == (
            "Your membership is suspended. You can still use /mydata and /deleteme."
        )
    user.send_text("/mydata")
    assert "Name: Ayşe Demir" in ((await user.wait_for_message()).plain or "")
    await user.wait_for_message()  # the JSON file
    user.send_text("/deleteme")
    assert (await user.wait_for_message()).button_labels[0] == "Erase my data"

    card = await tapped(staff, card, "✅ Reactivate")
    assert card.plain is not None
    assert card.plain.startswith("✅ Reactivated. The member has been told.")
    assert "Status: active" in card.plain
    await told(
        user, "The network team has reactivated your membership. Send /start to open the menu."
    )
    user.skip_messages()
    assert (await member(bot, user)).status == "active"
    audit = await AuditRepository(services.db).entries("member.reactivate")
    assert [(e.actor_id, e.object_id) for e in audit] == [(staff_row.id, target.id)]
    user.send_text("/start")
    assert "What would you like to do?" in ((await user.wait_for_message()).plain or "")
    answer = await forged(emulator, staff, card, f"members:reactivate:{target.id}:community:0")
    assert answer["text"] == "Only a suspended member can be reactivated."


async def test_staff_reconfirm_a_lapsed_police_contact_after_a_phone_call(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot, clock = clocked_bot, clocked_bot.manual_clock()
    services = bot.running.services
    user = await joined_member(emulator, bot, 22100, "police", name="Officer Schmidt")
    await speaks_english(user)
    clock.advance(timedelta(days=366))  # a year without confirming: the yearly job lapses them

    async def lapsed() -> bool:
        return (await member(bot, user)).status == "lapsed"

    bot.running.sender.wake()
    await eventually(lapsed, what="the role to lapse")
    staff = await staff_member(emulator, bot, 22101)  # joined only now, so not lapsed
    overview = await open_overview(staff)
    assert overview.plain is not None and "Police contacts: 1 (lapsed: 1)" in overview.plain
    listing = await tapped(staff, overview, "⏰ Lapsed (1)")
    assert listing.plain is not None
    assert "Police and staff whose role reconfirmation is overdue" in listing.plain
    card = await tapped(staff, listing, "Officer Schmidt · police")
    assert card.plain is not None
    assert "Status: lapsed" in card.plain and "Role confirmed on: Jan 11, 2027" in card.plain
    assert card.button_labels[:2] == ["🔄 Reconfirm role", "⛔ Suspend"]

    card = await tapped(staff, card, "🔄 Reconfirm role")
    assert card.plain is not None
    assert card.plain.startswith("🔄 Role reconfirmed. The member has been told.")
    assert "Status: active" in card.plain and "Role confirmed on: Jan 12, 2028" in card.plain
    assert "🔄 Reconfirm role" not in card.button_labels
    await told(
        user,
        "The network team has confirmed your role as police contact. Thank you! Send /start "
        "to open the menu.",
    )
    reconfirmed = await member(bot, user)
    assert reconfirmed.status == "active" and reconfirmed.role_confirmed_at == clock.now()
    staff_row = await member(bot, staff)
    audit = await AuditRepository(services.db).entries("member.reconfirm")
    assert [(e.actor_id, e.object_id, e.detail) for e in audit] == [
        (staff_row.id, reconfirmed.id, "by staff")
    ]
    listing = await tapped(staff, card, "« Back to the list")
    assert listing.plain is not None and "Nobody is on this list." in listing.plain


async def test_a_staff_member_cannot_suspend_themselves(
    emulator: Emulator, bot: InProcessBot
) -> None:
    staff = await staff_member(emulator, bot, 22200)
    me = await member(bot, staff)
    overview = await open_overview(staff)
    listing = await tapped(staff, overview, "Network team (1)")
    card = await tapped(staff, listing, f"Member {me.id}")  # staff made on the command line
    assert "⛔ Suspend" not in card.button_labels
    for action in ("suspend", "suspend_ok"):
        answer = await forged(emulator, staff, card, f"members:{action}:{me.id}:staff:0")
        assert answer["text"] == "You cannot suspend yourself."
        await bot.settled()
        assert staff.last_message is card  # the card stays as it is; no error came
    assert (await member(bot, staff)).status == "active"
    assert await AuditRepository(bot.running.services.db).entries("member.suspend") == []


async def test_lists_are_paged_and_leave_out_people_without_a_place(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    staff = await staff_member(emulator, bot, 22300)
    for n in range(12):
        await joined_member(emulator, bot, 22310 + n, "community", name=f"Member {n:02}")
    pending = await joined_member(emulator, bot, 22330, "police", name="Waiting Person")
    async with services.db.transaction() as tx:
        await tx.execute(
            "UPDATE members SET status = 'pending' WHERE telegram_user_id = ?", (pending.id,)
        )
    gone = await joined_member(emulator, bot, 22331, "police", name="Gone Officer")
    gone.block_bot()
    passer_by = emulator.user(22332, language_code="en")
    passer_by.send_text("/start")  # only wrote to the bot: not a member of the network
    await bot.settled()

    overview = await open_overview(staff)
    assert overview.plain is not None
    assert "15 people have a place in the network." in overview.plain
    assert "Community representatives: 12 (active: 12)" in overview.plain
    assert "Police contacts: 2 (pending: 1, active: 1)" in overview.plain
    assert overview.button_labels[:4] == [
        "⏰ Lapsed (0)",
        "⛔ Suspended (0)",
        "⏳ Pending (1)",
        "📵 Unreachable (1)",
    ]

    page = await tapped(staff, overview, "Community representatives (12)")
    assert page.plain is not None and "12 members · page 1 of 2" in page.plain
    assert page.button_labels == [
        *(f"Member {n:02}" for n in range(10)),
        "Next »",
        "« Overview",
    ]
    page = await tapped(staff, page, "Next »")
    assert page.plain is not None and "page 2 of 2" in page.plain
    assert page.button_labels == ["Member 10", "Member 11", "« Previous", "« Overview"]
    page = await tapped(staff, page, "« Previous")
    assert page.button_labels[0] == "Member 00"

    overview = await tapped(staff, page, "« Overview")
    listing = await tapped(staff, overview, "⏳ Pending (1)")
    assert listing.button_labels == ["Waiting Person · police", "« Overview"]
    card = await tapped(staff, listing, "Waiting Person · police")
    assert card.button_labels == ["« Back to the list", "« Overview"]  # applications decide

    overview = await tapped(staff, card, "« Overview")
    listing = await tapped(staff, overview, "📵 Unreachable (1)")
    card = await tapped(staff, listing, "Gone Officer · police")
    assert card.plain is not None and "Unreachable since: —" not in card.plain

    # An old page number past the end (the list shrank meanwhile) shows the last page.
    staff.tap_data(card.message_id, "members:list:community:7")
    page = await staff.wait_for_edit(card)
    assert "page 2 of 2" in (page.plain or "")
    for junk in ("members:list:everyone:0", "members:card:x:community:0", "members:card:1"):
        answer = await forged(emulator, staff, page, junk)
        assert answer["text"] == (
            "This button no longer works. Send /start to open the menu again."
        )


@pytest.mark.parametrize("who", ["unknown", "community", "police", "pending"])
async def test_forged_member_buttons_are_refused_to_anyone_but_staff(
    emulator: Emulator, bot: InProcessBot, who: str
) -> None:
    services = bot.running.services
    active = await joined_member(emulator, bot, 22400, "community", name="Active Member")
    suspended = await joined_member(emulator, bot, 22401, "community", name="Suspended One")
    async with services.db.transaction() as tx:
        await tx.execute(
            "UPDATE members SET status = 'suspended' WHERE telegram_user_id = ?", (suspended.id,)
        )
    if who == "unknown":
        user = emulator.user(22402, language_code="en")
        user.send_text("/start")
        await user.wait_for_message()
    else:
        role = "community" if who == "community" else "police"
        user = await joined_member(emulator, bot, 22402, role)
        if who == "pending":
            async with services.db.transaction() as tx:
                await tx.execute(
                    "UPDATE members SET status = 'pending' WHERE telegram_user_id = ?", (user.id,)
                )
    active_id, suspended_id = (await member(bot, active)).id, (await member(bot, suspended)).id
    message = user.last_message
    for data in (
        f"members:suspend_ok:{active_id}:community:0",
        f"members:suspend:{active_id}:community:0",
        f"members:reactivate:{suspended_id}:suspended:0",
        f"members:reconfirm:{active_id}:community:0",
        "members:list:community:0",
        "members",
    ):
        answer = await forged(emulator, user, message, data)
        assert answer["text"] == STAFF_ONLY and answer["show_alert"] is True
    user.send_text("/members")
    assert (await user.wait_for_message()).plain == STAFF_ONLY
    assert (await member(bot, active)).status == "active"
    assert (await member(bot, suspended)).status == "suspended"
    audit = AuditRepository(services.db)
    assert len(await audit.entries("access.denied")) == 7
    for action in ("member.suspend", "member.reactivate", "member.reconfirm"):
        assert await audit.entries(action) == []
    assert await services.outbox.states(active.id) == []


async def suspend_via_card(staff: SimUser, name: str, listing_label: str) -> None:
    overview = await open_overview(staff)
    listing = await tapped(staff, overview, listing_label)
    card = await tapped(staff, listing, name)
    question = await tapped(staff, card, "⛔ Suspend")
    await tapped(staff, question, "⛔ Yes, suspend")


async def test_the_suspension_notice_is_in_the_members_app_language(
    emulator: Emulator, bot: InProcessBot
) -> None:
    staff = await staff_member(emulator, bot, 22400)
    user = await joined_member(emulator, bot, 22401, "community", name="Amine", language="fr")
    await suspend_via_card(staff, "Amine", "Community representatives (1)")
    await told(
        user,
        "L’équipe du réseau a suspendu votre adhésion. Jusqu’à sa réactivation, vous pouvez "
        "uniquement utiliser /mydata et /deleteme. Vos places aux événements à venir ont été "
        "libérées.",
    )


async def test_a_rename_left_open_by_a_suspended_staff_member_dies_with_the_suspension(
    emulator: Emulator, bot: InProcessBot
) -> None:
    services = bot.running.services
    await services.organisations.add(
        "Moschee Nord", "mosque_association", "DE-BE", services.clock.now(), actor_id=None
    )
    first = await staff_member(emulator, bot, 22500)
    second = await staff_member(emulator, bot, 22501)
    second.send_text("/organisations")
    card = await tapped(second, await second.wait_for_message(), "Moschee Nord")
    await tapped(second, card, "✏️ Name")
    label = f"Member {(await member(bot, second)).id}"  # made by the operator: no name yet
    await suspend_via_card(first, label, "Network team (2)")
    assert (await member(bot, second)).status == "suspended"
    overview = await open_overview(first)
    listing = await tapped(first, overview, "⛔ Suspended (1)")
    card = await tapped(first, listing, f"{label} · staff")
    await tapped(first, card, "✅ Reactivate")
    await bot.settled()
    second.skip_messages()
    second.send_text("thanks for reactivating")
    await second.wait_for_message()
    assert [o.name for o in await services.organisations.all()] == ["Moschee Nord"]
