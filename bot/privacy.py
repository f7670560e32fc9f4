"""The privacy notice: text written by the data controller, one file per language, versioned.

``privacy/VERSION`` holds the version; ``privacy/<lang>.html`` the text in Telegram's HTML.
A new version means members are asked again before they continue.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from bot.config import LANGUAGES

PRIVACY_DIR = Path(__file__).resolve().parent.parent / "privacy"


# The notice goes out as one Telegram message (at most 4096 characters) together with a
# sentence before it and the consent question after it; this leaves room for both.
MAX_VISIBLE_LENGTH = 3600
_TAG = re.compile(r"<[^>]*>")


def visible_length(text: str) -> int:
    """The length Telegram counts: the text without its HTML tags, entities decoded."""
    return len(html.unescape(_TAG.sub("", text)))


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
        for language, text in texts.items():
            if visible_length(text) > MAX_VISIBLE_LENGTH:
                raise PrivacyNoticeError(
                    f"{directory / f'{language}.html'} has {visible_length(text)} characters; "
                    f"a Telegram message holds the notice only up to {MAX_VISIBLE_LENGTH}."
                )
        return cls(version, texts)

    def text(self, language: str) -> str:
        return self.texts[language]
