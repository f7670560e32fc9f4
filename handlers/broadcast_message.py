"""What a broadcast looks like to one recipient: the Bot API method and its parameters for
the recipient's language (their version, else the default language's), with the photo or
document when there is one. Shared by the preview and the queueing, so the preview is what
members get."""

from __future__ import annotations

from typing import Any

from storage.broadcasts import Broadcast

MESSAGE_MAX = 4096  # Telegram's limit for a message's text, after formatting is parsed
CAPTION_MAX = 1024  # and for a photo's or document's caption


def text_for(broadcast: Broadcast, language: str, default_language: str) -> str:
    return broadcast.texts.get(language) or broadcast.texts[default_language]


def payload(
    broadcast: Broadcast, language: str, default_language: str
) -> tuple[str, dict[str, Any]]:
    text = text_for(broadcast, language, default_language)
    if broadcast.media_kind == "photo":
        return "sendPhoto", {"photo": broadcast.media_file_id, "caption": text}
    if broadcast.media_kind == "document":
        return "sendDocument", {"document": broadcast.media_file_id, "caption": text}
    return "sendMessage", {"text": text}
