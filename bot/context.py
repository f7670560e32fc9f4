"""The typed callback context: handlers reach services and the translator as attributes."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Translator
from bot.services import Services
from storage.members import Member


class KosizuApplication(
    Application[ExtBot[str], "BotContext", dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
):
    """PTB's Application carrying our services, so the context can expose them typed."""

    def __init__(self, *, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services


class BotContext(CallbackContext[ExtBot[str], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Per-update context. ``member`` and ``t`` are set by the first handler group."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._member: Member | None = None
        self._translator: Translator | None = None

    @property
    def services(self) -> Services:
        app = self.application
        assert isinstance(app, KosizuApplication)
        return app.services

    @property
    def member(self) -> Member:
        if self._member is None:
            raise RuntimeError("member is only known for updates from a private chat")
        return self._member

    @member.setter
    def member(self, value: Member) -> None:
        self._member = value

    @property
    def knows_member(self) -> bool:
        """Whether the update came from a person in a private chat (``member`` is set)."""
        return self._member is not None

    @property
    def t(self) -> Translator:
        """The translator for this update; the default language until the member is known."""
        if self._translator is None:
            return self.services.catalogs.get(self.services.config.default_language)
        return self._translator

    @t.setter
    def t(self, value: Translator) -> None:
        self._translator = value

    @property
    def knows_language(self) -> bool:
        """Whether ``t`` was chosen for this member (False before the member was looked up)."""
        return self._translator is not None
