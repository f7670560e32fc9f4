"""The privacy notice: text written by the data controller, one file per language, versioned.

``privacy/VERSION`` holds the version; ``privacy/<lang>.html`` the text in Telegram's HTML.
A new version means members are asked again before they continue.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.config import LANGUAGES

PRIVACY_DIR = Path(__file__).resolve().parent.parent / "privacy"


class PrivacyNoticeError(Exception):
    """The notice files are missing or unusable; the message says which, in one sentence."""


@dataclass(frozen=True)
class PrivacyNotice:
    version: str
    texts: dict[str, str]

    @classmethod
    def load(cls, directory: Path = PRIVACY_DIR) -> PrivacyNotice:
        try:
            version = (directory / "VERSION").read_text("utf-8").strip()
            texts = {
                language: (directory / f"{language}.html").read_text("utf-8").strip()
                for language in LANGUAGES
            }
        except OSError as exc:
            raise PrivacyNoticeError(
                f"the privacy notice is incomplete: {exc.filename} cannot be read."
            ) from None
        if not version:
            raise PrivacyNoticeError(f"{directory / 'VERSION'} is empty.")
        return cls(version, texts)

    def text(self, language: str) -> str:
        return self.texts[language]
