"""Members of each kind, made through the real bot: staff agree to the notice in the chat,
everyone else joins with an invitation."""

from __future__ import annotations

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from tests.support.harness import InProcessBot

AGREE = {"de": "✅ Ich bin einverstanden", "en": "✅ I agree", "fr": "✅ J’accepte",
         "tr": "✅ Kabul ediyorum", "ar": "✅ أوافق"}  # fmt: skip


async def staff_member(
    emulator: Emulator, bot: InProcessBot, user_id: int = 13000, language: str = "en"
) -> SimUser:
    """An active staff member (made like `kosizu add-staff` does) who agreed to the notice."""
    services = bot.running.services
    user = emulator.user(user_id, language_code=language)
    await services.members.make_staff(user.id, services.clock.now())
    user.send_text("/start")
    user.tap(await user.wait_for_message(), AGREE[language])
    await user.wait_for_message()  # thanks
    await bot.settled()
    user.skip_messages()
    return user


async def joined_member(
    emulator: Emulator,
    bot: InProcessBot,
    user_id: int,
    role: str,
    *,
    organisation_id: int | None = None,
    name: str = "Test Member",
    language: str = "en",
) -> SimUser:
    """An active member who joined with an invitation of the given role."""
    services = bot.running.services
    _, code = await services.invites.create(
        role, organisation_id, 7, 1, services.clock.now(), created_by=None
    )
    user = emulator.user(user_id, language_code=language)
    user.send_text(f"/start {code}")
    user.tap(await user.wait_for_message(), AGREE[language])
    await user.wait_for_message()  # the name question
    user.send_text(name)
    await user.wait_for_message()  # welcome
    await bot.settled()
    user.skip_messages()
    return user


async def pending_applicant(user: SimUser) -> None:
    """Apply as a community representative through the real conversation, up to submission."""
    user.send_text("/apply")
    user.tap(await user.wait_for_message(), "✅ I agree")
    await user.wait_for_message()
    user.send_text("Pending Applicant")
    user.tap(await user.wait_for_message(), "community representative")
    regions = await user.wait_for_message()
    user.tap(regions, "Berlin")
    user.tap(regions, "Done")
    await user.wait_for_message()
    user.send_text("Berlin")
    choice = await user.wait_for_message()
    user.tap(choice, "My organisation is not listed")
    await user.wait_for_message()
    user.send_text("Moscheeverein Neukölln")
    user.tap(await user.wait_for_message(), "mosque association")
    user.tap(await user.wait_for_message(), "📨 Submit")
    await user.wait_for_message()


async def member_id(bot: InProcessBot, user: SimUser) -> int:
    """The member's internal id (the bot's own name for them in the database)."""
    member = await bot.running.services.members.get_by_telegram_id(user.id)
    assert member is not None
    return member.id
