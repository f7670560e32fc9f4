"""Bot API method implementations on top of the emulator's state.

Each handler gets the validated parameters and the parsed text/caption and returns the
``result`` of the answer, or raises ``ApiError``.
"""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from sandbox.chats import ChatBase, SimGroup, SimUser
from sandbox.formatting import FormattedText
from sandbox.models import BotMessage, Button, SentFile, sticker_json
from sandbox.spec import ApiError, FilePart, bad_request

if TYPE_CHECKING:
    from sandbox.emulator import Emulator

__all__ = ["BotApiMethods", "Handler", "document_json", "member_json", "photo_json"]

Handler = Callable[[dict[str, Any], dict[str, FormattedText]], Awaitable[Any]]

# Harmless configuration methods: accepted, parameters kept in Emulator.settings.
SETTING_METHODS = frozenset(
    {
        "setMyName", "setMyDescription", "setMyShortDescription", "setChatMenuButton",
        "setMyDefaultAdministratorRights", "setMessageReaction",
    }
)  # fmt: skip

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class BotApiMethods:
    """The implemented Bot API methods, by their canonical (spec) name in ``handlers``."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.handlers: dict[str, Handler] = self._build_handlers()

    def _build_handlers(self) -> dict[str, Handler]:
        handlers: dict[str, Handler] = {
            "getMe": self._m_get_me,
            "logOut": self._m_true,
            "close": self._m_true,
            "getUpdates": self._m_get_updates,
            "deleteWebhook": self._m_delete_webhook,
            "getWebhookInfo": self._m_get_webhook_info,
            "setMyCommands": self._m_set_my_commands,
            "getMyCommands": self._m_get_my_commands,
            "deleteMyCommands": self._m_delete_my_commands,
            "getMyName": self._m_get_my_name,
            "getMyDescription": self._m_get_my_description,
            "getMyShortDescription": self._m_get_my_short_description,
            "getChatMenuButton": self._m_get_chat_menu_button,
            "sendMessage": self._m_send_message,
            "sendDocument": self._m_send_document,
            "sendPhoto": self._m_send_photo,
            "sendSticker": self._m_send_sticker,
            "sendLocation": self._m_send_location,
            "copyMessage": self._m_copy_message,
            "forwardMessage": self._m_forward_message,
            "editMessageText": self._m_edit_message_text,
            "editMessageCaption": self._m_edit_message_caption,
            "editMessageReplyMarkup": self._m_edit_message_reply_markup,
            "deleteMessage": self._m_delete_message,
            "deleteMessages": self._m_delete_messages,
            "answerCallbackQuery": self._m_answer_callback_query,
            "leaveChat": self._m_leave_chat,
            "sendChatAction": self._m_send_chat_action,
            "getChat": self._m_get_chat,
            "getChatMember": self._m_get_chat_member,
            "getChatAdministrators": self._m_get_chat_administrators,
            "getChatMemberCount": self._m_get_chat_member_count,
            "getFile": self._m_get_file,
            "pinChatMessage": self._m_pin_chat_message,
            "unpinChatMessage": self._m_unpin_chat_message,
            "unpinAllChatMessages": self._m_unpin_all,
        }
        for name in SETTING_METHODS:
            handlers[name] = self._setting_handler(name)
        return handlers

    def _setting_handler(self, name: str) -> Handler:
        async def handler(params: dict[str, Any], formatted: dict[str, FormattedText]) -> Any:
            self.emu.settings.setdefault(name, []).append(dict(params))
            return True

        return handler

    def _last_setting(self, name: str) -> dict[str, Any]:
        history = self.emu.settings.get(name)
        return history[-1] if history else {}

    async def _m_true(self, params: dict[str, Any], formatted: dict[str, FormattedText]) -> Any:
        return True

    async def _m_get_me(self, params: dict[str, Any], formatted: dict[str, FormattedText]) -> Any:
        return self.emu._bot_user()

    async def _m_get_updates(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        return await self.emu._poll(
            offset=params.get("offset"),
            limit=min(max(params.get("limit", 100), 1), 100),
            wait=max(params.get("timeout", 0), 0),
            allowed=params.get("allowed_updates"),
        )

    async def _m_delete_webhook(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        if params.get("drop_pending_updates"):
            self.emu.updates.drop_all()
        return True

    async def _m_get_webhook_info(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.emu.updates),
        }

    def _commands_key(self, params: Mapping[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        key = str(scope["type"])
        if "chat_id" in scope:
            key += f":{scope['chat_id']}"
        if "user_id" in scope:
            key += f":{scope['user_id']}"
        return key, str(params.get("language_code") or "")

    async def _m_set_my_commands(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        commands = params["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands")
        key = self._commands_key(params)
        if commands:
            self.emu.commands[key] = [dict(c) for c in commands]
        else:
            self.emu.commands.pop(key, None)
        return True

    async def _m_get_my_commands(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        return self.emu.commands.get(self._commands_key(params), [])

    async def _m_delete_my_commands(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        self.emu.commands.pop(self._commands_key(params), None)
        return True

    async def _m_get_my_name(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        return {"name": self._last_setting("setMyName").get("name", self.emu.bot_first_name)}

    async def _m_get_my_description(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        return {"description": self._last_setting("setMyDescription").get("description", "")}

    async def _m_get_my_short_description(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        short = self._last_setting("setMyShortDescription").get("short_description", "")
        return {"short_description": short}

    async def _m_get_chat_menu_button(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        for entry in reversed(self.emu.settings.get("setChatMenuButton", [])):
            if entry.get("chat_id") == params.get("chat_id"):
                return entry.get("menu_button", {"type": "default"})
        return {"type": "default"}

    # ------------------------------------------------------------------ chat access

    def _chat(self, raw: Any, *, access: bool = True) -> ChatBase:
        chat = (
            self.emu._chats.get(raw)
            if isinstance(raw, int)
            else self.emu._chat_by_username(str(raw))
        )
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if access:
            self._check_access(chat)
        return chat

    def _check_access(self, chat: ChatBase) -> None:
        if isinstance(chat, SimUser):
            if chat.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not chat.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        elif isinstance(chat, SimGroup):
            if chat.bot_status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
            if not chat.bot_is_member:
                raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")

    # ------------------------------------------------------------------ sending

    def _new_message(
        self,
        chat: ChatBase,
        method: str,
        params: dict[str, Any],
        formatted: dict[str, FormattedText],
    ) -> BotMessage:
        msg = BotMessage(
            message_id=0,
            chat_id=chat.id,
            date=self.emu.now(),
            method=method,
            params=params,
            protect_content=bool(params.get("protect_content")),
            disable_notification=bool(params.get("disable_notification")),
        )
        reply = params.get("reply_parameters")
        if reply is not None:
            target_chat = chat
            if reply.get("chat_id") is not None:
                target_chat = self._chat(reply["chat_id"], access=False)
            target = target_chat.get(reply["message_id"])
            if target is None or target.deleted:
                if not reply.get("allow_sending_without_reply"):
                    raise ApiError(400, "Bad Request: message to be replied not found")
            elif target_chat is chat:
                msg.reply_to_message_id = reply["message_id"]
        self._apply_markup(msg, params.get("reply_markup"))
        caption = formatted.get("caption")
        if caption is not None:
            msg.caption = params.get("caption")
            msg.caption_plain = caption.text
            msg.caption_entities = caption.entities
            msg.parse_mode = params.get("parse_mode")
        return msg

    def _commit(self, chat: ChatBase, msg: BotMessage) -> dict[str, Any]:
        msg.message_id = chat._alloc_message_id()
        chat._add_bot_message(msg)
        return self.emu._message_json(msg)

    @staticmethod
    def _apply_markup(msg: BotMessage, markup: Mapping[str, Any] | None) -> None:
        msg.reply_markup = None
        msg.buttons = []
        if markup is None:
            return
        if "inline_keyboard" in markup:
            msg.reply_markup = dict(markup)
            msg.buttons = [
                [Button(b["text"], b.get("callback_data"), b.get("url")) for b in row]
                for row in markup["inline_keyboard"]
            ]
        elif "keyboard" in markup:
            msg.reply_keyboard = [
                [b if isinstance(b, str) else b["text"] for b in row] for row in markup["keyboard"]
            ]
        elif markup.get("remove_keyboard"):
            msg.remove_keyboard = True

    async def _m_send_message(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        msg = self._new_message(chat, "sendMessage", params, formatted)
        ft = formatted["text"]
        msg.text = params["text"]
        msg.parse_mode = params.get("parse_mode")
        msg.plain_text = ft.text
        msg.entities = ft.entities
        return self._commit(chat, msg)

    def _input_file(self, value: Any, kind: str, limit: int) -> SentFile:
        if isinstance(value, FilePart):
            if not value.content:
                raise bad_request("file must be non-empty")
            if len(value.content) > limit:
                raise bad_request("file is too big")
            mime = value.content_type
            if not mime or mime == "application/octet-stream":
                mime = self.emu._guess_mime(value.filename)
            return self.emu._register_file(SentFile(value.filename, value.content, mime, kind=kind))
        text = str(value)
        known = self.emu._files.get(text)
        if known is not None:
            if kind == "photo" and known.kind != "photo":
                raise ApiError(400, f"Bad Request: can't use file of type {known.kind} as photo")
            return known
        if text.startswith(("http://", "https://")):
            filename = text.rstrip("/").rsplit("/", 1)[-1] or None
            sent = SentFile(filename, b"", self.emu._guess_mime(filename), url=text, kind=kind)
            return self.emu._register_file(sent)
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    async def _m_send_document(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        msg = self._new_message(chat, "sendDocument", params, formatted)
        msg.document = self._input_file(params["document"], "document", MAX_DOCUMENT_BYTES)
        return self._commit(chat, msg)

    async def _m_send_photo(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        msg = self._new_message(chat, "sendPhoto", params, formatted)
        msg.photo = self._input_file(params["photo"], "photo", MAX_PHOTO_BYTES)
        return self._commit(chat, msg)

    async def _m_send_sticker(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        msg = self._new_message(chat, "sendSticker", params, formatted)
        file = self._input_file(params["sticker"], "sticker", MAX_PHOTO_BYTES)
        msg.sticker = sticker_json(file)
        if params.get("emoji"):
            msg.sticker["emoji"] = params["emoji"]
        return self._commit(chat, msg)

    async def _m_send_location(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        msg = self._new_message(chat, "sendLocation", params, formatted)
        msg.location = {"latitude": params["latitude"], "longitude": params["longitude"]}
        return self._commit(chat, msg)

    def _copy(
        self, params: dict[str, Any], formatted: dict[str, FormattedText], method: str
    ) -> tuple[ChatBase, BotMessage]:
        source_chat = self._chat(params["from_chat_id"], access=False)
        source = source_chat.get(params["message_id"])
        if source is None or source.deleted:
            verb = "copy" if method == "copyMessage" else "forward"
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        if isinstance(source, BotMessage) and source.protect_content:
            raise ApiError(400, "Bad Request: message has protected content and can't be forwarded")
        chat = self._chat(params["chat_id"])
        msg = self._new_message(chat, method, params, formatted)
        msg.copied_from = (source_chat.id, source.message_id)
        if isinstance(source, BotMessage):
            msg.text, msg.plain_text, msg.entities = source.text, source.plain_text, source.entities
            msg.parse_mode = source.parse_mode
            msg.document, msg.photo = source.document, source.photo
            msg.sticker, msg.location = source.sticker, source.location
            if "caption" not in formatted:
                msg.caption, msg.caption_plain = source.caption, source.caption_plain
                msg.caption_entities = source.caption_entities
        else:
            payload = source.payload
            if not any(k in payload for k in ("text", "document", "photo", "sticker", "location")):
                raise ApiError(400, "Bad Request: message can't be copied")
            if "text" in payload:
                msg.text = msg.plain_text = payload["text"]
                msg.entities = list(payload.get("entities", []))
            msg.document = source.files.get("document")
            msg.photo = source.files.get("photo")
            msg.sticker = payload.get("sticker")
            msg.location = payload.get("location")
            if "caption" not in formatted and "caption" in payload:
                msg.caption = msg.caption_plain = payload["caption"]
        if method == "forwardMessage":
            msg.reply_markup, msg.buttons = None, []
        return chat, msg

    async def _m_copy_message(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat, msg = self._copy(params, formatted, "copyMessage")
        self._commit(chat, msg)
        return {"message_id": msg.message_id}

    async def _m_forward_message(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat, msg = self._copy(params, formatted, "forwardMessage")
        return self._commit(chat, msg)

    # ------------------------------------------------------------------ editing

    def _editable(self, params: Mapping[str, Any]) -> tuple[ChatBase, BotMessage]:
        if params.get("inline_message_id") is not None:
            raise bad_request("inline messages are not supported by the emulator")
        if params.get("chat_id") is None or params.get("message_id") is None:
            raise bad_request("chat_id and message_id are required")
        chat = self._chat(params["chat_id"])
        msg = chat.get(params["message_id"])
        if msg is None or msg.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not isinstance(msg, BotMessage):
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, msg

    def _finish_edit(self, chat: ChatBase, msg: BotMessage, markup: Any) -> dict[str, Any]:
        self._apply_markup(msg, markup)
        msg.edits += 1
        msg.edit_date = self.emu.now()
        self.emu._notify()
        return self.emu._message_json(msg)

    async def _m_edit_message_text(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        if "text" not in formatted:
            raise bad_request("text is required")
        chat, msg = self._editable(params)
        if msg.plain_text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        ft = formatted["text"]
        # Like Telegram: omitting reply_markup removes the inline keyboard.
        markup = params.get("reply_markup")
        if ft.text == msg.plain_text and ft.entities == msg.entities and markup == msg.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        msg.text = params["text"]
        msg.parse_mode = params.get("parse_mode")
        msg.plain_text = ft.text
        msg.entities = ft.entities
        return self._finish_edit(chat, msg, markup)

    async def _m_edit_message_caption(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat, msg = self._editable(params)
        if msg.document is None and msg.photo is None:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        ft = formatted.get("caption") or FormattedText("", [])
        markup = params.get("reply_markup")
        if (
            ft.text == (msg.caption_plain or "")
            and ft.entities == msg.caption_entities
            and markup == msg.reply_markup
        ):
            raise ApiError(400, NOT_MODIFIED)
        msg.caption = params.get("caption")
        msg.caption_plain = ft.text or None
        msg.caption_entities = ft.entities
        msg.parse_mode = params.get("parse_mode")
        return self._finish_edit(chat, msg, markup)

    async def _m_edit_message_reply_markup(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat, msg = self._editable(params)
        markup = params.get("reply_markup")
        if markup == msg.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        return self._finish_edit(chat, msg, markup)

    async def _m_delete_message(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        msg = chat.get(params["message_id"])
        if msg is None or msg.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        msg.deleted = True
        self.emu._notify()
        return True

    async def _m_delete_messages(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        ids = params["message_ids"]
        if not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must contain 1-100 identifiers")
        for mid in ids:
            msg = chat.get(mid)
            if msg is not None:
                msg.deleted = True
        self.emu._notify()
        return True

    # ------------------------------------------------------------------ callbacks, chats

    async def _m_answer_callback_query(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        record = self.emu._callbacks.get(params["callback_query_id"])
        expired = (
            record is not None
            and self.emu.callback_timeout is not None
            and time.monotonic() - record.created > self.emu.callback_timeout
        )
        if record is None or record.answered or expired:
            raise ApiError(400, QUERY_TOO_OLD)
        record.answered = True
        record.user.callback_answers.append(dict(params))
        self.emu._notify()
        return True

    async def _m_leave_chat(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat = self._chat(params["chat_id"], access=False)
        if not isinstance(chat, SimGroup):
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        self._check_access(chat)
        old = chat.bot_status
        chat.bot_status = "left"
        self.emu.left_chats.add(chat.id)
        # Telegram reports the bot's own departure as a my_chat_member update too.
        bot = self.emu._bot_user(full=False)
        self.emu._enqueue(
            "my_chat_member",
            {
                "chat": chat.chat_dict(),
                "from": bot,
                "date": self.emu.now(),
                "old_chat_member": member_json(bot, old),
                "new_chat_member": member_json(bot, "left"),
            },
        )
        return True

    async def _m_send_chat_action(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        chat.actions.append(params["action"])
        return True

    async def _m_get_chat(self, params: dict[str, Any], formatted: dict[str, FormattedText]) -> Any:
        chat = self._chat(params["chat_id"])
        info = chat.chat_dict()
        info.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return info

    def _member(self, chat: ChatBase, user_id: int) -> dict[str, Any]:
        if user_id == self.emu.bot_id:
            status = chat.bot_status if isinstance(chat, SimGroup) else "member"
            return member_json(self.emu._bot_user(full=False), status)
        user = self.emu._users.get(user_id)
        if user is None:
            raise ApiError(400, "Bad Request: user not found")
        if isinstance(chat, SimGroup):
            if user_id == chat.owner_id:
                status = "creator"
            elif user_id in chat.admins:
                status = "administrator"
            elif user_id in chat.members:
                status = "member"
            else:
                status = "left"
        else:
            status = "member" if user_id == chat.id else "left"
        return member_json(user.user_dict(), status)

    async def _m_get_chat_member(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        return self._member(chat, params["user_id"])

    async def _m_get_chat_administrators(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        if not isinstance(chat, SimGroup):
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        ids = [i for i in [chat.owner_id, *sorted(chat.admins)] if i is not None]
        result = [self._member(chat, i) for i in dict.fromkeys(ids) if i in self.emu._users]
        if chat.bot_status == "administrator":
            result.append(self._member(chat, self.emu.bot_id))
        return result

    async def _m_get_chat_member_count(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        if isinstance(chat, SimGroup):
            return len(chat.members) + (1 if chat.bot_is_member else 0)
        return 2

    async def _m_get_file(self, params: dict[str, Any], formatted: dict[str, FormattedText]) -> Any:
        file = self.emu._files.get(params["file_id"])
        if file is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        ext = mimetypes.guess_extension(file.mime_type or "") or ""
        path = f"{file.kind}s/file_{file.file_unique_id}{ext}"
        self.emu._file_paths[path] = file
        return {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "file_size": file.size,
            "file_path": path,
        }

    async def _m_pin_chat_message(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        if chat.get(params["message_id"]) is None:
            raise ApiError(400, "Bad Request: message to pin not found")
        chat.pinned.add(params["message_id"])
        return True

    async def _m_unpin_chat_message(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        if params.get("message_id") is None:
            if chat.pinned:
                chat.pinned.discard(max(chat.pinned))
        else:
            chat.pinned.discard(params["message_id"])
        return True

    async def _m_unpin_all(
        self, params: dict[str, Any], formatted: dict[str, FormattedText]
    ) -> Any:
        self._chat(params["chat_id"]).pinned.clear()
        return True


def member_json(user: dict[str, Any], status: str) -> dict[str, Any]:
    if status == "kicked":
        return {"status": "kicked", "user": user, "until_date": 0}
    if status == "creator":
        return {"status": "creator", "user": user, "is_anonymous": False}
    if status == "administrator":
        rights = dict.fromkeys(
            (
                "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
                "can_delete_stories",
            ),
            False,
        )  # fmt: skip
        rights.update(can_manage_chat=True, can_delete_messages=True, can_invite_users=True)
        return {"status": "administrator", "user": user, **rights}
    return {"status": status, "user": user}


def document_json(file: SentFile) -> dict[str, Any]:
    d: dict[str, Any] = {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": file.size,
    }
    if file.filename:
        d["file_name"] = file.filename
    if file.mime_type:
        d["mime_type"] = file.mime_type
    return d


def photo_json(file: SentFile) -> list[dict[str, Any]]:
    return [
        {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "width": 800,
            "height": 800,
            "file_size": file.size,
        }
    ]
