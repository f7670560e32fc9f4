"""/start and /help show each person what their role and status allow, nothing more."""

from __future__ import annotations

from sandbox.emulator import Emulator
from tests.support.harness import InProcessBot
from tests.support.members import joined_member, pending_applicant, staff_member

STAFF_ONLY_COMMANDS = (
    "/applications",
    "/members",
    "/organisations",
    "/invite",
    "/newevent",
    "/requests",
    "/report ",
)


async def test_each_kind_of_person_gets_their_own_menu_and_help(
    emulator: Emulator, bot: InProcessBot
) -> None:
    staff = await staff_member(emulator, bot, 17000)
    community = await joined_member(emulator, bot, 17001, "community")
    applicant = emulator.user(17002, language_code="en")
    await pending_applicant(applicant)
    assert "New application" in ((await staff.wait_for_message()).plain or "")
    newcomer = emulator.user(17003, language_code="en")
    expected_buttons = {
        staff: [
            "👤 My profile",
            "📅 Events",
            "⚙️ Settings",
            "🗂 Applications (1)",
            "📨 Contact requests (0)",
            "✉️ Invite",
            "🗓 Manage events",
            "👥 Members",
            "🏢 Organisations",
            "📁 Projects",
            "🗒 Check-ins",
            "📣 Broadcast",
            "📊 Network report",
            "🌐 Language",
            "❓ Help",
            "🔒 Privacy",
        ],
        community: [
            "👤 My profile",
            "📅 Events",
            "⚙️ Settings",
            "🤝 Request a contact",
            "🌐 Language",
            "❓ Help",
            "🔒 Privacy",
        ],
        applicant: ["🌐 Language", "❓ Help", "🔒 Privacy"],
        newcomer: ["📝 Apply to join", "🌐 Language", "❓ Help"],
    }
    for user, buttons in expected_buttons.items():
        user.skip_messages()
        user.send_text("/start")
        menu = await user.wait_for_message()
        assert menu.button_labels == buttons, user.id
        user.send_text("/help")
        help_text = (await user.wait_for_message()).plain or ""
        for command in STAFF_ONLY_COMMANDS:
            assert (command in help_text) == (user is staff), (user.id, command)
        assert ("/profile" in help_text) == (user in (staff, community))
        assert ("/events " in help_text) == (user in (staff, community))
        assert ("/apply " in help_text) == (user is newcomer)
        assert "In an emergency, call 110." in help_text
    assert "reviewing" in (applicant.messages[-2].plain or "")  # the pending applicant's menu


async def test_the_staff_menu_opens_the_applications_waiting(
    emulator: Emulator, bot: InProcessBot
) -> None:
    staff = await staff_member(emulator, bot, 17100)
    applicant = emulator.user(17101, language_code="en")
    await pending_applicant(applicant)
    await staff.wait_for_message()  # the notification
    staff.skip_messages()
    staff.send_text("/start")
    menu = await staff.wait_for_message()
    staff.tap(menu, "🗂 Applications (1)")
    listing = await staff.wait_for_message()
    assert "Pending Applicant" in (listing.plain or "")
    assert listing.button_labels == ["✅ Approve #1", "✖️ Reject #1"]
