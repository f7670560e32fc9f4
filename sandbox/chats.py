"""Simulated chats: private chats with users (who tests "play") and groups/channels."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sandbox.models import BotMessage, SentFile, UserMessage, sticker_json

if TYPE_CHECKING:
    from sandbox.emulator import Emulator

__all__ = ["ChatBase", "SimGroup", "SimUser", "text_content"]

_COMMAND_RX = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")

# Minimal valid images so bots that inspect uploads get real bytes.
_PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class ChatBase:
    """Message history of one chat as its members see it."""

    type: str

    def __init__(self, emu: Emulator, chat_id: int) -> None:
        self._emu = emu
        self.id = chat_id
        self._next_message_id = 1
        self._bot_messages: list[BotMessage] = []
        self._by_id: dict[int, BotMessage | UserMessage] = {}
        self._cursor = 0
        self.actions: list[str] = []
        self.pinned: set[int] = set()
        self.reply_keyboard: list[list[str]] | None = None
        self.username: str | None = None

    # ------------------------------------------------------------------ internals

    def chat_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def _alloc_message_id(self) -> int:
        mid = self._next_message_id
        self._next_message_id += 1
        return mid

    def _add_bot_message(self, msg: BotMessage) -> None:
        self._bot_messages.append(msg)
        self._by_id[msg.message_id] = msg
        if msg.reply_keyboard is not None:
            self.reply_keyboard = msg.reply_keyboard
        elif msg.remove_keyboard:
            self.reply_keyboard = None
        self._emu._notify()

    def _add_user_message(self, msg: UserMessage) -> None:
        self._by_id[msg.message_id] = msg
        self._emu._notify()

    def get(self, message_id: int) -> BotMessage | UserMessage | None:
        return self._by_id.get(message_id)

    # ------------------------------------------------------------------ test API

    @property
    def messages(self) -> list[BotMessage]:
        """Bot messages currently visible, oldest first (deleted ones are left out)."""
        return [m for m in self._bot_messages if not m.deleted]

    @property
    def all_messages(self) -> list[BotMessage]:
        """Every bot message ever sent here, deleted ones included (flagged ``deleted``)."""
        return list(self._bot_messages)

    @property
    def history(self) -> list[BotMessage | UserMessage]:
        """Bot and user messages in message-id order, deleted ones included."""
        return [self._by_id[k] for k in sorted(self._by_id)]

    @property
    def last_message(self) -> BotMessage:
        visible = self.messages
        if not visible:
            raise LookupError(f"chat {self.id} has no bot messages")
        return visible[-1]

    def message(self, message_id: int) -> BotMessage:
        msg = self._by_id.get(message_id)
        if not isinstance(msg, BotMessage):
            raise LookupError(f"chat {self.id} has no bot message {message_id}")
        return msg

    async def wait_for_message(self, timeout: float = 5.0) -> BotMessage:
        """The next bot message not yet returned by this method (one cursor per chat)."""

        def ready() -> bool:
            return self._cursor < len(self._bot_messages)

        try:
            await self._emu.wait_until(ready, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no new bot message in chat {self.id} within {timeout}s "
                f"({len(self._bot_messages)} seen so far)"
            ) from None
        msg = self._bot_messages[self._cursor]
        self._cursor += 1
        return msg

    async def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[BotMessage]:
        return [await self.wait_for_message(timeout) for _ in range(count)]

    def skip_messages(self) -> None:
        """Move the wait_for_message cursor past everything received so far."""
        self._cursor = len(self._bot_messages)

    async def wait_for_edit(self, message: BotMessage, timeout: float = 5.0) -> BotMessage:
        """Wait until ``message`` is edited (or deleted) after this call."""
        edits = message.edits

        def changed() -> bool:
            return message.edits != edits or message.deleted

        await self._emu.wait_until(changed, timeout)
        return message


class SimUser(ChatBase):
    """A simulated Telegram user and their private chat with the bot (chat id == user id)."""

    type = "private"

    def __init__(
        self,
        emu: Emulator,
        user_id: int,
        *,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        started: bool = True,
    ) -> None:
        super().__init__(emu, user_id)
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked = False
        # A user who never wrote to the bot can't be messaged (403), like in Telegram.
        self.started = started
        self.callback_answers: list[dict[str, Any]] = []
        self.sent: list[UserMessage] = []

    @property
    def last_sent(self) -> UserMessage:
        """The last message this user sent (in any chat), e.g. to get its id for edit_text."""
        if not self.sent:
            raise LookupError(f"user {self.id} has not sent anything")
        return self.sent[-1]

    def user_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            d["last_name"] = self.last_name
        if self.username:
            d["username"] = self.username
        if self.language_code:
            d["language_code"] = self.language_code
        return d

    def chat_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            d["last_name"] = self.last_name
        if self.username:
            d["username"] = self.username
        return d

    # ------------------------------------------------------------------ sending

    def _send(
        self,
        content: dict[str, Any],
        chat: ChatBase | None = None,
        files: dict[str, SentFile] | None = None,
        reply_to: int | None = None,
    ) -> int | None:
        target = chat or self
        if target is self:
            if self.blocked:
                # Writing to a blocked bot unblocks it, as in Telegram clients.
                self.unblock_bot()
            self.started = True
        return self._emu._user_message(self, target, content, files or {}, reply_to)

    def send_text(self, text: str, *, reply_to: int | None = None) -> int:
        uid = self._send(text_content(text), reply_to=reply_to)
        assert uid is not None
        return uid

    def send_text_in(self, chat: ChatBase, text: str, *, reply_to: int | None = None) -> int | None:
        """Post in a group; returns None if privacy mode keeps the bot from seeing it."""
        return self._send(text_content(text), chat=chat, reply_to=reply_to)

    def press(self, label: str) -> int:
        """Press a button of the reply keyboard currently shown (sends its label as text)."""
        keyboard = self.reply_keyboard or []
        if not any(label in row for row in keyboard):
            raise LookupError(f"no reply keyboard button {label!r}; keyboard: {keyboard}")
        return self.send_text(label)

    def send_sticker(self, emoji: str = "👍") -> int:
        file = self._emu._register_file(
            SentFile("sticker.webp", b"RIFF", "image/webp", kind="sticker")
        )
        sticker = {**sticker_json(file), "emoji": emoji}
        return _must(self._send({"sticker": sticker}, files={"sticker": file}))

    def send_photo(
        self,
        content: bytes = _PNG_1X1,
        *,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> int:
        big = self._emu._register_file(SentFile("photo.jpg", content, "image/jpeg", kind="photo"))
        small = self._emu._register_file(SentFile("photo.jpg", content, "image/jpeg", kind="photo"))
        photo = [
            {
                "file_id": small.file_id,
                "file_unique_id": small.file_unique_id,
                "width": 90,
                "height": 90,
                "file_size": len(content),
            },
            {
                "file_id": big.file_id,
                "file_unique_id": big.file_unique_id,
                "width": 800,
                "height": 800,
                "file_size": len(content),
            },
        ]
        body: dict[str, Any] = {"photo": photo}
        if caption:
            body["caption"] = caption
        return _must(self._send(body, files={"photo": big}, reply_to=reply_to))

    def send_document(
        self,
        filename: str = "document.pdf",
        content: bytes = b"%PDF-1.4\n%%EOF\n",
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> int:
        mime = mime_type or self._emu._guess_mime(filename)
        file = self._emu._register_file(SentFile(filename, content, mime, kind="document"))
        doc = {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "file_name": filename,
            "mime_type": mime,
            "file_size": len(content),
        }
        body: dict[str, Any] = {"document": doc}
        if caption:
            body["caption"] = caption
        return _must(self._send(body, files={"document": file}, reply_to=reply_to))

    def send_location(self, latitude: float = 52.52, longitude: float = 13.405) -> int:
        body = {"location": {"latitude": latitude, "longitude": longitude}}
        return _must(self._send(body))

    def send_contact(self, phone_number: str = "+491234567890", *, own: bool = True) -> int:
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": self.first_name}
        if own:
            contact["user_id"] = self.id
        return _must(self._send({"contact": contact}))

    def send_message(self, content: dict[str, Any], *, chat: ChatBase | None = None) -> int | None:
        """Send arbitrary Message content fields (e.g. {"voice": {...}}) as they are."""
        return self._send(dict(content), chat=chat)

    def edit_text(self, message_id: int, text: str, *, chat: ChatBase | None = None) -> int:
        return self._emu._user_edit(self, chat or self, message_id, text)

    # ------------------------------------------------------------------ buttons

    def tap(self, message: BotMessage, label: str) -> int:
        chat = self._emu._chats.get(message.chat_id)
        if chat is None:
            raise LookupError(f"unknown chat {message.chat_id}")
        current = chat.get(message.message_id)
        if not isinstance(current, BotMessage) or current.deleted:
            raise LookupError(f"message {message.message_id} is not visible any more")
        button = current.button(label)
        if button.callback_data is None:
            raise LookupError(f"button {label!r} has no callback_data (url={button.url!r})")
        return self._emu._callback_query(self, chat, message.message_id, button.callback_data)

    def tap_data(self, message_id: int, data: str, *, chat: ChatBase | None = None) -> int:
        """A callback query with arbitrary (forged or stale) data for any message id."""
        return self._emu._callback_query(self, chat or self, message_id, data)

    # ------------------------------------------------------------------ blocking

    def block_bot(self, *, notify: bool = True) -> int | None:
        """Block the bot; Telegram tells the bot with a my_chat_member update."""
        if self.blocked:
            return None
        self.blocked = True
        if not notify:
            return None
        return self._emu._my_chat_member(self, self, "member", "kicked")

    def unblock_bot(self, *, notify: bool = True) -> int | None:
        if not self.blocked:
            return None
        self.blocked = False
        if not notify:
            return None
        return self._emu._my_chat_member(self, self, "kicked", "member")


class SimGroup(ChatBase):
    """A group, supergroup or channel."""

    def __init__(
        self,
        emu: Emulator,
        chat_id: int,
        *,
        title: str,
        type: str = "supergroup",
        username: str | None = None,
    ) -> None:
        if type not in ("group", "supergroup", "channel"):
            raise ValueError(f"unsupported chat type {type!r}")
        super().__init__(emu, chat_id)
        self.title = title
        self.type = type
        self.username = username
        # "left" | "member" | "administrator" | "kicked"
        self.bot_status = "left"
        self.owner_id: int | None = None
        self.admins: set[int] = set()
        self.members: set[int] = set()

    def chat_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            d["username"] = self.username
        return d

    @property
    def bot_is_member(self) -> bool:
        return self.bot_status in ("member", "administrator")


def text_content(text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    m = _COMMAND_RX.match(text)
    if m:
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(m.group(0))}]
    return content


def _must(value: int | None) -> int:
    if value is None:
        raise AssertionError("a private-chat message always reaches the bot")
    return value
