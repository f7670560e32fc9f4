"""PTB persistence for conversation states only, stored in SQLite.

User, chat and bot data are not persisted through PTB: features keep their drafts in their own
tables, typed, instead of in ``context.user_data`` dictionaries.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from bot.clock import Clock
from bot.routing import ConversationRouter
from storage.conversations import ConversationRepository

# The update pump flushes after every update; the periodic flush is only a backstop.
BACKSTOP_INTERVAL = 3600.0


class ConversationPersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(
        self, repo: ConversationRepository, clock: Clock, router: ConversationRouter
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            ),
            update_interval=BACKSTOP_INTERVAL,
        )
        self._repo = repo
        self._clock = clock
        self._router = router

    async def get_conversations(self, name: str) -> ConversationDict:
        return await self._repo.load(name)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        self._router.state_written(name, key)
        await self._repo.save(name, key, new_state, self._clock.now())

    # PTB calls the rest only for the data kinds switched on above (none).
    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None
