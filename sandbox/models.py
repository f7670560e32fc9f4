"""Plain data records of the emulator: messages as the simulated users see them, API calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ApiCall", "BotMessage", "Button", "SentFile", "UserMessage"]


@dataclass(slots=True)
class SentFile:
    filename: str | None
    content: bytes
    mime_type: str | None
    file_id: str = ""
    file_unique_id: str = ""
    # Set when the bot passed an HTTP URL instead of uploading.
    url: str | None = None
    kind: str = "document"

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(eq=False, slots=True)
class BotMessage:
    """A message the bot sent (or copied) into a chat, in its current state.

    The object is live: edits and deletions through the API update it in place.
    ``text``/``caption`` are exactly what the bot sent (raw HTML for parse_mode HTML);
    ``plain``/``caption_plain`` are what the user reads.
    """

    message_id: int
    chat_id: int
    date: int
    text: str | None = None
    parse_mode: str | None = None
    plain_text: str | None = None
    entities: list[dict[str, Any]] = field(repr=False, default_factory=list)
    caption: str | None = None
    caption_plain: str | None = None
    caption_entities: list[dict[str, Any]] = field(repr=False, default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    reply_keyboard: list[list[str]] | None = None
    remove_keyboard: bool = False
    reply_markup: dict[str, Any] | None = field(default=None, repr=False)
    document: SentFile | None = None
    photo: SentFile | None = None
    sticker: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    protect_content: bool = False
    disable_notification: bool = False
    reply_to_message_id: int | None = None
    edits: int = 0
    edit_date: int | None = None
    deleted: bool = False
    copied_from: tuple[int, int] | None = None
    method: str = "sendMessage"
    params: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def plain(self) -> str | None:
        """Visible text: parsed text, or the parsed caption for media messages."""
        if self.plain_text is not None:
            return self.plain_text
        return self.caption_plain

    @property
    def button_labels(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]

    def button(self, label: str) -> Button:
        for row in self.buttons:
            for b in row:
                if b.text == label:
                    return b
        raise LookupError(
            f"message {self.message_id} in chat {self.chat_id} has no button {label!r}; "
            f"buttons: {self.button_labels}"
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly summary (used by the control API)."""

        def file_json(f: SentFile | None) -> dict[str, Any] | None:
            if f is None:
                return None
            return {"filename": f.filename, "mime_type": f.mime_type, "size": f.size, "url": f.url}

        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "date": self.date,
            "text": self.text,
            "plain": self.plain,
            "parse_mode": self.parse_mode,
            "caption": self.caption,
            "buttons": [
                [{"text": b.text, "callback_data": b.callback_data, "url": b.url} for b in row]
                for row in self.buttons
            ],
            "reply_keyboard": self.reply_keyboard,
            "document": file_json(self.document),
            "photo": file_json(self.photo),
            "protect_content": self.protect_content,
            "edits": self.edits,
            "deleted": self.deleted,
            "copied_from": list(self.copied_from) if self.copied_from else None,
        }


@dataclass(eq=False, slots=True)
class UserMessage:
    """A message a simulated user sent; ``payload`` is the Message object the bot received."""

    message_id: int
    chat_id: int
    from_id: int
    payload: dict[str, Any]
    files: dict[str, SentFile] = field(default_factory=dict)
    deleted: bool = False

    @property
    def text(self) -> str | None:
        text = self.payload.get("text")
        return text if isinstance(text, str) else None


@dataclass(frozen=True, slots=True)
class ApiCall:
    method: str
    params: dict[str, Any]
    status: int
    time: float
    chat_id: int | None
    description: str | None = None
    duration: float = 0.0


def sticker_json(file: SentFile) -> dict[str, Any]:
    """A Sticker object for a stored file: a plain 512×512 static sticker."""
    return {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
