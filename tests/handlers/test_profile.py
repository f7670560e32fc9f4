"""/profile: a member reads their card and edits each field; what they share persists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage
from storage.profiles import Profile, SharedDetails
from tests.handlers.test_onboarding import join
from tests.support.harness import InProcessBot
from tests.support.members import joined_member

STALE = "This button no longer works. Send /start to open the menu again."
JOIN_FIRST = (
    "Only members of the network have a profile. Please join first with the invitation link "
    "the network team sent you."
)
BAD_PHONE = (
    "That is not a valid phone number. Numbers without a country code are read as German; for "
    "other countries, start with + and the country code."
)
ONE_AT = "An e-mail address has exactly one @, like name@example.org."
NO_SPACES = "An e-mail address cannot contain spaces or invisible characters."
EMAIL_TOO_LONG = "That is too long: an e-mail address has at most 254 characters."
UNREADABLE_DATE = "I could not read that date. Please send it like 14.03.2027 or 2027-03-14."
NOT_FUTURE = "That date is not in the future. Please send a later one."
PHONE_LETTERS = (
    "A phone number can only contain digits, spaces and + ( ) - . / – no letters or other signs."
)


async def police_member(
    emulator: Emulator, bot: InProcessBot, user_id: int, *, username: str | None = None
) -> SimUser:
    services = bot.running.services
    org = await services.organisations.add(
        f"Polizeipräsidium Köln {user_id}", "police", "DE-NW", services.clock.now(), actor_id=None
    )
    emulator.user(user_id, username=username)
    return await joined_member(
        emulator, bot, user_id, "police", organisation_id=org.id, name="Ayşe Demir"
    )


async def open_card(user: SimUser) -> BotMessage:
    user.send_text("/profile")
    return await user.wait_for_message()


async def tap(user: SimUser, message: BotMessage, label: str) -> BotMessage:
    """Tap a button on a screen that is edited in place, and wait for the edit."""
    user.tap(message, label)
    return await user.wait_for_edit(message)


async def profile_of(bot: InProcessBot, user: SimUser) -> Profile:
    services = bot.running.services
    member = await services.members.get_by_telegram_id(user.id)
    assert member is not None
    profile = await services.profiles.get(member.id)
    assert profile is not None
    return profile


async def test_the_card_shows_the_profile(emulator: Emulator, bot: InProcessBot) -> None:
    user = await police_member(emulator, bot, 21000)
    card = await open_card(user)
    assert card.plain == (
        "Your profile\n\n"
        "Name: Ayşe Demir\n"
        "Role: police contact\n"
        "Organisation: Polizeipräsidium Köln 21000 (the network team changes it)\n"
        "Regions: none yet\n"
        "Topics: none\n"
        "Availability: available for introductions\n"
        "Phone: not given\n"
        "E-mail: not given\n\n"
        "Shared in introductions: Name, Organisation"
    )
    assert card.button_labels == [
        "✏️ Name",
        "🗺 Regions",
        "🏷 Topics",
        "⏸ Availability",
        "📞 Phone",
        "✉️ E-mail",
        "🔒 Sharing",
        "🚫 Not to be introduced (0)",  # the "do not introduce me" list (contact requests)
        "« Main menu",
    ]


async def test_the_menu_button_opens_the_card_in_place(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = await police_member(emulator, bot, 21010)
    user.send_text("/start")
    menu = await user.wait_for_message()
    user.tap_data(menu.message_id, "profile")  # profile.OPEN, as the main menu sends it
    card = await user.wait_for_edit(menu)
    assert card.plain.startswith("Your profile\n\nName: Ayşe Demir")
    back = await tap(user, await tap(user, card, "📞 Phone"), "« Back")
    assert back.plain.startswith("Your profile")
    user.tap(back, "« Main menu")
    assert (await user.wait_for_edit(back)).plain.startswith("KoSiZu")


async def test_changing_the_name(emulator: Emulator, bot: InProcessBot) -> None:
    user = await police_member(emulator, bot, 21020)
    prompt = await tap(user, await open_card(user), "✏️ Name")
    assert prompt.plain.startswith("Name\nNow: Ayşe Demir\n\nSend the name the network should see")
    user.send_sticker()
    assert (await user.wait_for_message()).plain == (
        "Please send your name as a text message, or /cancel."
    )
    for wrong in ("x", "y" * 101, "y" * 5000):
        user.send_text(wrong)
        assert (await user.wait_for_message()).plain == (
            "Please send a name of 2 to 100 characters."
        )
    user.send_text("  <b>Ayşe</b>   Demir-Yılmaz ")
    card = await user.wait_for_message()
    assert card.plain.startswith("✅ Name saved.\n\nYour profile\n\nName: <b>Ayşe</b> Demir-Yılmaz")
    assert (await profile_of(bot, user)).display_name == "<b>Ayşe</b> Demir-Yılmaz"
    user.send_text("Another Name")  # the conversation is over: no longer read as a name
    assert (await user.wait_for_message()).plain.startswith("I'm not sure what you mean.")


async def test_phone_number_checked_stored_in_e164_shown_international_and_removed(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = await police_member(emulator, bot, 21030)
    prompt = await tap(user, await open_card(user), "📞 Phone")
    assert prompt.plain.startswith("Phone\nNow: not given\n\nSend your phone number")
    assert prompt.button_labels == ["« Back"]  # nothing to remove yet
    for wrong, answer in [
        ("12345", BAD_PHONE),
        ("+49 221", BAD_PHONE),
        ("0221 CALLME", PHONE_LETTERS),
        ("my number is 0221 1234567", PHONE_LETTERS),
        ("0" * 41, "That is too long for a phone number (at most 40 characters)."),
    ]:
        user.send_text(wrong)
        assert (await user.wait_for_message()).plain == answer
    user.send_photo()
    assert (await user.wait_for_message()).plain == (
        "Please send your phone number as a text message, or /cancel."
    )
    assert (await profile_of(bot, user)).phone is None
    user.send_text("0221 1234567")
    card = await user.wait_for_message()
    assert card.plain.startswith(
        "✅ Phone number saved. It is shared only if you turn that on under Sharing."
    )
    assert "Phone: +49 221 1234567\n" in card.plain
    profile = await profile_of(bot, user)
    assert (profile.phone, profile.share_phone) == ("+492211234567", False)

    sharing = await tap(user, card, "🔒 Sharing")
    await tap(user, sharing, "⬜ Phone")
    assert (await profile_of(bot, user)).share_phone is True
    prompt = await tap(user, await tap(user, sharing, "« Back"), "📞 Phone")
    assert prompt.plain.startswith("Phone\nNow: +49 221 1234567")
    card = await tap(user, prompt, "🗑 Remove phone number")
    assert card.plain.startswith("Phone number removed.\n\nYour profile")
    assert "Phone: not given" in card.plain
    profile = await profile_of(bot, user)
    assert (profile.phone, profile.share_phone) == (None, False)  # no number, nothing shared
    user.send_text("0221 1234567")  # the prompt was left by the button: not read as a number
    assert (await user.wait_for_message()).plain.startswith("I'm not sure what you mean.")


async def test_a_foreign_number_with_its_country_code(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = await police_member(emulator, bot, 21035)
    await tap(user, await open_card(user), "📞 Phone")
    user.send_text("+33 1 42 68 53 00")
    assert "Phone: +33 1 42 68 53 00\n" in (await user.wait_for_message()).plain
    assert (await profile_of(bot, user)).phone == "+33142685300"


async def test_email_address_checked_and_removed(emulator: Emulator, bot: InProcessBot) -> None:
    user = await police_member(emulator, bot, 21040)
    prompt = await tap(user, await open_card(user), "✉️ E-mail")
    assert prompt.plain.startswith("E-mail\nNow: not given\n\nSend your e-mail address.")
    for wrong, answer in [
        ("ayse.example.org", ONE_AT),
        ("ayse@@example.org", ONE_AT),
        ("ayse demir@example.org", NO_SPACES),
        (
            "ayse..demir@example.org",
            "The part before the @ is not valid: use letters, digits and . _ - +, with no dot "
            "at its start or end and no two dots in a row.",
        ),
        (
            "ayse@example",
            "The part after the @ is not a valid domain: it needs a dot and an ending such as "
            ".de or .org.",
        ),
        ("a" * 250 + "@example.org", EMAIL_TOO_LONG),
    ]:
        user.send_text(wrong)
        assert (await user.wait_for_message()).plain == answer
    user.send_sticker()
    assert (await user.wait_for_message()).plain == (
        "Please send your e-mail address as a text message, or /cancel."
    )
    user.send_text(" Ayse.Demir+kosizu@Polizei.NRW.de ")
    card = await user.wait_for_message()
    assert card.plain.startswith("✅ E-mail address saved.")
    assert "E-mail: Ayse.Demir+kosizu@polizei.nrw.de\n" in card.plain
    assert (await profile_of(bot, user)).email == "Ayse.Demir+kosizu@polizei.nrw.de"

    sharing = await tap(user, card, "🔒 Sharing")
    await tap(user, sharing, "⬜ E-mail")
    assert (await profile_of(bot, user)).share_email is True
    prompt = await tap(user, await tap(user, sharing, "« Back"), "✉️ E-mail")
    card = await tap(user, prompt, "🗑 Remove e-mail address")
    assert card.plain.startswith("E-mail address removed.")
    profile = await profile_of(bot, user)
    assert (profile.email, profile.share_email) == (None, False)


async def test_sharing_toggles_persist(emulator: Emulator, bot: InProcessBot) -> None:
    user = await police_member(emulator, bot, 21050, username="ayse_d")
    sharing = await tap(user, await open_card(user), "🔒 Sharing")
    assert sharing.plain == (
        "Sharing\nWhen you are introduced to someone, they receive only the details ticked here."
    )
    assert sharing.button_labels == [
        "✅ Name",
        "✅ Organisation",
        "⬜ Phone",
        "⬜ E-mail",
        "⬜ @username",
        "« Back",
    ]
    await tap(user, sharing, "✅ Name")
    await tap(user, sharing, "✅ Organisation")
    await tap(user, sharing, "⬜ @username")
    assert sharing.button_labels[:5] == [
        "⬜ Name",
        "⬜ Organisation",
        "⬜ Phone",
        "⬜ E-mail",
        "✅ @username",
    ]
    assert user.callback_answers[-1].get("text") is None  # the user has a username: no warning
    # Phone and e-mail cannot be shared before they are given.
    for label, answer in [
        ("⬜ Phone", "Add your phone number first."),
        ("⬜ E-mail", "Add your e-mail address first."),
    ]:
        user.tap(sharing, label)
        await bot.settled()
        assert user.callback_answers[-1]["text"] == answer
        assert user.callback_answers[-1]["show_alert"] is True
    profile = await profile_of(bot, user)
    assert (profile.share_name, profile.share_organisation, profile.share_username) == (
        False,
        False,
        True,
    )
    assert (profile.share_phone, profile.share_email) == (False, False)
    assert profile.shared_details() == SharedDetails(None, None, None, None, username=True)
    card = await tap(user, sharing, "« Back")
    assert card.plain.endswith("Shared in introductions: @username")
    # A double tap on an old button sets the same value again instead of flipping it back.
    user.tap_data(sharing.message_id, "profile:share:name:1")
    user.tap_data(sharing.message_id, "profile:share:name:1")
    await bot.settled()
    assert (await profile_of(bot, user)).share_name is True


async def test_sharing_the_username_without_one_warns(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = await police_member(emulator, bot, 21055)
    sharing = await tap(user, await open_card(user), "🔒 Sharing")
    assert "⚠️ You have no Telegram @username, so there is none to share." in sharing.plain
    user.tap(sharing, "⬜ @username")
    await user.wait_for_edit(sharing)
    await bot.settled()
    assert user.callback_answers[-1]["text"] == (
        "You have no Telegram @username at the moment. It is shared once you set one in "
        "Telegram's settings."
    )
    assert (await profile_of(bot, user)).share_username is True


async def test_snooze_for_a_period_until_a_typed_date_and_ending_it(
    emulator: Emulator, clocked_bot: InProcessBot
) -> None:
    bot = clocked_bot  # Monday 11 January 2027
    user = await police_member(emulator, bot, 21060)
    screen = await tap(user, await open_card(user), "⏸ Availability")
    assert screen.plain.startswith("Availability\nNow: available for introductions")
    assert screen.button_labels == ["1 week", "2 weeks", "1 month", "📅 Until a date", "« Back"]
    card = await tap(user, screen, "1 week")
    assert card.plain.startswith("⏸ Snoozed until January 18, 2027.")
    assert "Availability: snoozed until January 18, 2027\n" in card.plain
    profile = await profile_of(bot, user)
    assert profile.snoozed_until == date(2027, 1, 18)
    assert profile.is_snoozed(date(2027, 1, 18)) and not profile.is_snoozed(date(2027, 1, 19))
    await tap(user, await tap(user, card, "⏸ Availability"), "1 month")
    assert (await profile_of(bot, user)).snoozed_until == date(2027, 2, 11)

    screen = await tap(user, card, "⏸ Availability")
    prompt = await tap(user, screen, "📅 Until a date")
    assert prompt.plain.startswith("Until which day should the snooze last?")
    for wrong, answer in [
        ("next Friday", UNREADABLE_DATE),
        ("14/03/2027", UNREADABLE_DATE),
        ("31.02.2027", "That day does not exist. Please check the date."),
        ("2027-01-11", NOT_FUTURE),  # today
        ("10.01.2027", NOT_FUTURE),
        (
            "2028-01-12",
            "That is more than a year ahead. Please send a date until January 11, 2028.",
        ),
    ]:
        user.send_text(wrong)
        assert (await user.wait_for_message()).plain == answer
    user.send_sticker()
    assert (await user.wait_for_message()).plain == (
        "Please send the date as a text message, like 14.03.2027, or /cancel."
    )
    user.send_text("14.03.2027")
    card = await user.wait_for_message()
    assert card.plain.startswith("⏸ Snoozed until March 14, 2027.")
    assert (await profile_of(bot, user)).snoozed_until == date(2027, 3, 14)

    await tap(user, await tap(user, card, "⏸ Availability"), "📅 Until a date")
    user.send_text("2028-01-11")  # a year ahead is the limit
    card = await user.wait_for_message()
    assert (await profile_of(bot, user)).snoozed_until == date(2028, 1, 11)

    screen = await tap(user, card, "⏸ Availability")
    card = await tap(user, screen, "▶️ End the snooze")
    assert card.plain.startswith("▶️ You are available for introductions again.")
    assert (await profile_of(bot, user)).snoozed_until is None


async def test_regions_need_at_least_one(emulator: Emulator, bot: InProcessBot) -> None:
    user = await police_member(emulator, bot, 21070)
    picker = await tap(user, await open_card(user), "🗺 Regions")
    assert picker.plain == ("Regions\nChoose every region you cover, at least one. Then tap Done.")
    user.tap(picker, "Done")
    await bot.settled()
    assert user.callback_answers[-1]["text"] == "Please choose at least one region."
    assert picker.plain.startswith("Regions")  # still the picker
    card = await tap(user, picker, "« Back")  # leaving without a region is possible
    assert "Regions: none yet\n" in card.plain
    picker = await tap(user, card, "🗺 Regions")
    await tap(user, picker, "Berlin")
    await tap(user, picker, "Hesse")
    assert {"✅ Berlin", "✅ Hesse", "Bavaria"} <= set(picker.button_labels)
    await tap(user, picker, "✅ Berlin")
    user.tap(picker, "✅ Hesse")  # the last one stays
    await bot.settled()
    assert user.callback_answers[-1]["text"] == (
        "You need at least one region. Choose another one before removing this one."
    )
    assert (await profile_of(bot, user)).regions == ("DE-HE",)
    await tap(user, picker, "nationwide")
    card = await tap(user, picker, "Done")
    assert "Regions: Hesse, nationwide\n" in card.plain
    assert (await profile_of(bot, user)).regions == ("DE-HE", "DE")


async def test_topics_may_be_none(emulator: Emulator, bot: InProcessBot) -> None:
    user = await police_member(emulator, bot, 21080)
    picker = await tap(user, await open_card(user), "🏷 Topics")
    await tap(user, picker, "prevention and radicalisation concerns")
    await tap(user, picker, "security of a mosque or event")
    card = await tap(user, picker, "Done")
    assert (
        "Topics: security of a mosque or event, prevention and radicalisation concerns\n"
        in card.plain
    )
    assert (await profile_of(bot, user)).topics == ("mosque_security", "prevention")
    picker = await tap(user, card, "🏷 Topics")
    await tap(user, picker, "✅ security of a mosque or event")
    await tap(user, picker, "✅ prevention and radicalisation concerns")
    card = await tap(user, picker, "Done")
    assert "Topics: none\n" in card.plain
    assert (await profile_of(bot, user)).topics == ()


WRONG_KINDS: dict[str, Callable[[SimUser], object]] = {
    "sticker": lambda u: u.send_sticker(),
    "photo": lambda u: u.send_photo(),
    "document": lambda u: u.send_document(),
    "location": lambda u: u.send_location(),
}
STATES = {
    "✏️ Name": ("Please send your name as a text message, or /cancel.", "Neue Name"),
    "📞 Phone": ("Please send your phone number as a text message, or /cancel.", "030 1234567"),
    "✉️ E-mail": ("Please send your e-mail address as a text message, or /cancel.", "a@b.de"),
    "⏸ Availability": (
        "Please send the date as a text message, like 14.03.2027, or /cancel.",
        "2099-01-01",
    ),
}


@pytest.mark.parametrize("field", list(STATES))
async def test_wrong_kinds_of_input_and_stale_buttons_keep_the_state(
    emulator: Emulator, bot: InProcessBot, field: str
) -> None:
    user = await police_member(emulator, bot, 21100 + list(STATES).index(field))
    card = await open_card(user)
    prompt = await tap(user, card, field)
    if field == "⏸ Availability":
        prompt = await tap(user, prompt, "📅 Until a date")
    reminder, _ = STATES[field]
    for send in WRONG_KINDS.values():
        send(user)
        assert (await user.wait_for_message()).plain == reminder
    for forged in ("profile:bogus", "profile:rg:XX", "profile:share:phone:7", "profile:a:b:c:d"):
        user.tap_data(prompt.message_id, forged)
    await bot.settled()
    assert [a["text"] for a in user.callback_answers[-4:]] == [STALE] * 4
    user.send_text("/cancel")
    cancelled = await user.wait_for_message()
    assert cancelled.plain.startswith("Cancelled. Nothing was changed.\n\nYour profile")
    user.send_text(STATES[field][1])  # after /cancel, text is not taken as the field's value
    assert (await user.wait_for_message()).plain.startswith("I'm not sure what you mean.")
    profile = await profile_of(bot, user)
    assert (profile.display_name, profile.phone, profile.email, profile.snoozed_until) == (
        "Ayşe Demir",
        None,
        None,
        None,
    )


async def test_the_state_survives_a_restart(emulator: Emulator, bot: InProcessBot) -> None:
    user = await police_member(emulator, bot, 21150)
    await tap(user, await open_card(user), "📞 Phone")
    await bot.stop()
    await bot.start()
    user.send_text("+49 30 1234567")
    assert "Phone: +49 30 1234567\n" in (await user.wait_for_message()).plain


async def test_someone_without_a_role_is_told_to_join_first(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = emulator.user(21200, language_code="en")
    user.send_text("/profile")
    assert (await user.wait_for_message()).plain == JOIN_FIRST
    user.send_text("/start")
    menu = await user.wait_for_message()
    user.tap_data(menu.message_id, "profile:phone")
    await bot.settled()
    assert user.callback_answers[-1]["text"] == JOIN_FIRST
    user.send_text("0221 1234567")
    assert (await user.wait_for_message()).plain.startswith("I'm not sure what you mean.")


@pytest.mark.parametrize("status", ["lapsed", "suspended"])
async def test_a_lapsed_member_keeps_the_profile_a_suspended_one_does_not(
    emulator: Emulator, bot: InProcessBot, status: str
) -> None:
    services = bot.running.services
    _, code = await services.invites.create(
        "police", None, 7, 1, services.clock.now(), created_by=None
    )
    user = emulator.user(21300 + len(status), language_code="en")
    await join(user, bot, code, "✅ I agree", "Paused Person")
    async with services.db.transaction() as tx:
        await tx.execute(
            "UPDATE members SET status = ? WHERE telegram_user_id = ?", (status, user.id)
        )
    user.skip_messages()
    user.send_text("/profile")
    reply = await user.wait_for_message()
    if status == "suspended":
        assert reply.plain.startswith("Your membership is suspended.")
        user.tap_data(reply.message_id, "profile:phone")
        await bot.settled()
        assert user.callback_answers[-1]["text"].startswith("Your membership is suspended.")
        return
    assert reply.plain.startswith("Your profile\n\nName: Paused Person")
    await tap(user, reply, "📞 Phone")
    user.send_text("0221 1234567")
    assert "Phone: +49 221 1234567\n" in (await user.wait_for_message()).plain
    assert (await profile_of(bot, user)).phone == "+492211234567"
