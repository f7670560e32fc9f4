"""Tapping buttons as a member would, and as a forger would."""

from __future__ import annotations

from sandbox.chats import SimUser
from sandbox.emulator import Emulator
from sandbox.models import BotMessage


async def tapped(user: SimUser, message: BotMessage, label: str) -> BotMessage:
    """Tap a button of a message the bot then edits in place; returns the edited message."""
    user.tap(message, label)
    return await user.wait_for_edit(message)


async def forged(
    emulator: Emulator, user: SimUser, message: BotMessage, data: str
) -> dict[str, object]:
    """A callback with data the bot never offered (or no longer offers); the bot's answer."""
    answered = len(user.callback_answers)
    user.tap_data(message.message_id, data)
    await emulator.wait_until(lambda: len(user.callback_answers) > answered)
    return user.callback_answers[-1]
