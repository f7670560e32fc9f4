"""The spec loader/validator, and our own responses and updates checked against the spec."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.emulator import Emulator
from sandbox.spec import ApiError, FilePart, load_spec
from tests.sandbox.conftest import RawApi

SPEC = load_spec()


def test_spec_loaded_once_and_indexed() -> None:
    assert load_spec() is SPEC
    assert SPEC.version.startswith("Bot API")
    assert SPEC.methods_lower["sendmessage"].name == "sendMessage"
    scope = SPEC.types["BotCommandScope"]
    assert scope.discriminator is not None
    assert scope.discriminator[1]["chat"] == "BotCommandScopeChat"


def test_check_reports_missing_required_and_unknown_fields() -> None:
    with pytest.raises(ApiError, match=r"msg\.chat is required"):
        SPEC.check({"message_id": 1, "date": 0}, ("Message",), "msg")
    with pytest.raises(ApiError, match=r"unknown parameter msg\.bogus"):
        SPEC.check(
            {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "bogus": 1},
            ("Message",),
            "msg",
        )
    with pytest.raises(ApiError, match=r"msg\.chat\.id"):
        SPEC.check(
            {"message_id": 1, "date": 0, "chat": {"id": "1", "type": "x"}}, ("Message",), "msg"
        )


def test_check_primitives() -> None:
    SPEC.check(1, ("Integer",), "x")
    SPEC.check(1, ("Float",), "x")
    SPEC.check([[1]], ("Array of Array of Integer",), "x")
    for value, types in [(True, ("Integer",)), ("1", ("Integer",)), (1, ("Boolean",))]:
        with pytest.raises(ApiError):
            SPEC.check(value, types, "x")


def test_decode_form_by_declared_types() -> None:
    method = SPEC.methods["sendMessage"]
    params = SPEC.decode_form(
        method,
        {
            "chat_id": "-100123",
            "text": "true",
            "disable_notification": "true",
            "reply_markup": '{"remove_keyboard": true}',
        },
        {},
    )
    assert params == {
        "chat_id": -100123,
        "text": "true",
        "disable_notification": True,
        "reply_markup": {"remove_keyboard": True},
    }
    assert SPEC.decode_form(method, {"chat_id": "@chan", "text": "x"}, {})["chat_id"] == "@chan"


def test_decode_form_files() -> None:
    method = SPEC.methods["sendDocument"]
    part = FilePart("document", "a.txt", b"abc", "text/plain")
    params = SPEC.decode_form(method, {"chat_id": "1"}, {"document": part})
    assert params["document"] is part
    assert SPEC.decode_form(method, {"chat_id": "1", "document": "FILEID"}, {})["document"] == (
        "FILEID"
    )


async def call(raw: RawApi, method: str, **params: Any) -> Any:
    status, body = await raw.json(method, **params)
    assert status == 200, (method, body)
    result = body["result"]
    mspec = SPEC.methods[method]
    SPEC.check(result, mspec.returns, f"{method}.result")
    return result


async def test_responses_match_spec(emu: Emulator, raw: RawApi) -> None:
    user = emu.user(1001, first_name="Ada", username="ada", language_code="de")
    admin = emu.user(2002, first_name="Admin")
    group = emu.group(-1001234, title="Some group", username="somegroup")
    emu.add_bot_to(group, by=admin, as_admin=True)
    channel = emu.group(-1009999, title="News", type="channel")
    emu.add_bot_to(channel, by=admin)
    user.send_document(filename="a.pdf")

    kb = {
        "inline_keyboard": [
            [{"text": "A", "callback_data": "a"}, {"text": "U", "url": "https://x.org"}]
        ]
    }
    me = await call(raw, "getMe")
    required = {f.name for f in SPEC.types["User"].fields.values() if f.required}
    assert required <= set(me)
    for name in (
        "username",
        "can_join_groups",
        "can_read_all_group_messages",
        "supports_inline_queries",
        "can_connect_to_business",
        "has_main_web_app",
    ):
        assert name in me
    await call(raw, "getWebhookInfo")
    await call(raw, "deleteWebhook")
    await call(raw, "setMyCommands", commands=[{"command": "start", "description": "Go"}])
    await call(raw, "getMyCommands")
    await call(raw, "getMyName")
    await call(raw, "getMyDescription")
    await call(raw, "getMyShortDescription")
    await call(raw, "setChatMenuButton", chat_id=1001, menu_button={"type": "commands"})
    await call(raw, "getChatMenuButton", chat_id=1001)
    sent = await call(
        raw, "sendMessage", chat_id=1001, text="<b>Hi</b> <a href='https://x.org'>x</a>",
        parse_mode="HTML", reply_markup=kb, protect_content=True,
    )  # fmt: skip
    reply = await call(
        raw, "sendMessage", chat_id=1001, text="re",
        reply_parameters={"message_id": sent["message_id"]},
    )  # fmt: skip
    assert reply["reply_to_message"]["message_id"] == sent["message_id"]
    await call(raw, "sendMessage", chat_id=group.id, text="group")
    await call(raw, "sendMessage", chat_id=channel.id, text="channel")
    await call(raw, "editMessageText", chat_id=1001, message_id=sent["message_id"], text="edited")
    await call(
        raw, "editMessageReplyMarkup", chat_id=1001, message_id=sent["message_id"], reply_markup=kb
    )
    doc = await call(raw, "sendDocument", chat_id=1001, document="https://x.org/a.pdf", caption="c")
    await call(raw, "editMessageCaption", chat_id=1001, message_id=doc["message_id"], caption="d")
    await call(raw, "sendPhoto", chat_id=1001, photo="https://x.org/a.jpg")
    await call(raw, "sendSticker", chat_id=1001, sticker="https://x.org/s.webp")
    await call(raw, "sendLocation", chat_id=1001, latitude=1.0, longitude=2.0)
    await call(raw, "copyMessage", chat_id=2002, from_chat_id=1001, message_id=1)
    await call(
        raw, "forwardMessage", chat_id=2002, from_chat_id=1001, message_id=reply["message_id"]
    )
    await call(raw, "sendChatAction", chat_id=1001, action="typing")
    await call(raw, "getChat", chat_id=1001)
    await call(raw, "getChat", chat_id=group.id)
    await call(raw, "getChatMember", chat_id=group.id, user_id=2002)
    await call(raw, "getChatMember", chat_id=group.id, user_id=1001)
    await call(raw, "getChatMember", chat_id=group.id, user_id=emu.bot_id)
    await call(raw, "getChatAdministrators", chat_id=group.id)
    await call(raw, "getChatMemberCount", chat_id=group.id)
    file_id = doc["document"]["file_id"]
    await call(raw, "getFile", file_id=file_id)
    await call(raw, "pinChatMessage", chat_id=1001, message_id=sent["message_id"])
    await call(raw, "unpinChatMessage", chat_id=1001)
    await call(raw, "deleteMessage", chat_id=1001, message_id=doc["message_id"])
    await call(raw, "leaveChat", chat_id=group.id)

    # Every update kind the emulator generates must be a valid Update too.
    msg = user.message(sent["message_id"])
    user.send_text("/start")
    user.send_sticker()
    user.send_photo(caption="p")
    user.send_location()
    user.send_contact()
    with pytest.raises(LookupError):
        user.edit_text(1, "edited")  # the document has no text
    user.send_text("hello")
    user.edit_text(user.last_sent.message_id, "hi")
    user.tap(msg, "A")
    user.tap_data(999, "stale")
    admin.send_text_in(group, "/start")
    emu.add_bot_to(group, by=admin)
    admin.send_text_in(channel, "post")
    user.block_bot()
    user.unblock_bot()
    updates = emu.queued_updates
    assert {next(k for k in u if k != "update_id") for u in updates} >= {
        "message", "edited_message", "callback_query", "my_chat_member", "channel_post",
    }  # fmt: skip
    for update in updates:
        SPEC.check(update, ("Update",), f"update[{update['update_id']}]")
    assert emu.errors == []
