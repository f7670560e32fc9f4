"""Translations: one Translator per update, chosen from the member's language.

Catalogs are gettext ``.mo`` files compiled from ``locales/<lang>/LC_MESSAGES/messages.po``.
msgids are English; German is the default language but still a catalog like the others.
"""

from __future__ import annotations

import datetime as dt
import gettext
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime

from bot.config import LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

# The name of each language in itself, for the language picker.
LANGUAGE_NAMES = {
    "de": "Deutsch",
    "en": "English",
    "fr": "Français",
    "tr": "Türkçe",
    "ar": "العربية",
}


def N_(message: str) -> str:
    """Mark a constant for extraction; it is translated where it is shown."""
    return message


class CatalogError(Exception):
    """A compiled catalog is missing; the message says how to build it."""


@dataclass(frozen=True)
class Translator:
    language: str
    timezone: ZoneInfo
    _translations: gettext.NullTranslations

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language)

    @property
    def is_rtl(self) -> bool:
        return self.locale.text_direction == "rtl"

    def _(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    def datetime(self, moment: dt.datetime, form: str = "medium") -> str:
        return format_datetime(moment, form, tzinfo=self.timezone, locale=self.language)

    def date(self, day: dt.date | dt.datetime, form: str = "long") -> str:
        """A calendar day; an instant is first placed in the network's time zone."""
        if isinstance(day, dt.datetime):
            day = day.astimezone(self.timezone).date()
        return format_date(day, form, locale=self.language)


class Catalogs:
    """All compiled catalogs, loaded once at start-up."""

    def __init__(
        self, default_language: str, timezone: ZoneInfo, directory: Path = LOCALES_DIR
    ) -> None:
        self.default_language = default_language
        self.timezone = timezone
        self._translators: dict[str, Translator] = {}
        for language in LANGUAGES:
            try:
                translations = gettext.translation(DOMAIN, directory, languages=[language])
            except FileNotFoundError:
                raise CatalogError(
                    f"the compiled translation catalog for '{language}' is missing; "
                    "run 'make catalogs' (pybabel compile -d locales -D messages)."
                ) from None
            self._translators[language] = Translator(language, timezone, translations)

    def get(self, language: str) -> Translator:
        return self._translators.get(language) or self._translators[self.default_language]

    def choose(self, stored: str | None, telegram_code: str | None) -> Translator:
        """Stored choice, then Telegram's language_code if we speak it, then the default."""
        if stored in self._translators:
            return self._translators[stored]
        if telegram_code:
            primary = telegram_code.replace("_", "-").split("-")[0].lower()
            if primary in self._translators:
                return self._translators[primary]
        return self._translators[self.default_language]

    def for_member(self, language: str | None, app_language: str | None) -> Translator:
        """For messages to a member: their chosen language, else their Telegram app's."""
        return self.choose(language, app_language)

    def all(self) -> list[Translator]:
        return [self._translators[language] for language in LANGUAGES]
