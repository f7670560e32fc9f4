"""The same update twice has one effect; ids that restart lower are still handled."""

from __future__ import annotations

import copy

from sandbox.emulator import Emulator
from tests.support.harness import InProcessBot


def start_update(update_id: int, user_id: int, message_id: int) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": 1800000000,
            "chat": {"id": user_id, "type": "private", "first_name": "Ada"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ada", "language_code": "en"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_a_redelivered_update_has_one_effect(emulator: Emulator, bot: InProcessBot) -> None:
    user = emulator.user(8001, language_code="en")
    raw = start_update(900000, user.id, 1)
    emulator.inject_update(copy.deepcopy(raw))
    await bot.settled()
    emulator.inject_update(copy.deepcopy(raw))  # Telegram sends it again
    await bot.settled()
    assert len(user.messages) == 1
    rows = await bot.running.services.db.fetchall("SELECT update_id FROM inbox")
    assert [r[0] for r in rows] == [900000]


async def test_update_ids_that_restart_lower_are_not_mistaken_for_replays(
    emulator: Emulator, bot: InProcessBot
) -> None:
    user = emulator.user(8002, language_code="en")
    emulator.inject_update(start_update(900100, user.id, 1))
    await bot.settled()
    # After a week without updates Telegram may continue from a random, lower id.
    emulator.inject_update(start_update(17, user.id, 2))
    await bot.settled()
    assert len(user.messages) == 2
