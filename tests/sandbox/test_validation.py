"""Requests are validated against the Bot API spec; every rejection lands in emu.errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from sandbox.emulator import Emulator
from tests.sandbox.conftest import RawApi

KB = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}


@pytest.fixture(autouse=True)
def _user(emu: Emulator) -> None:
    emu.user(1001)


async def expect_400(raw: RawApi, method: str, fragment: str, **params: Any) -> None:
    status, body = await raw.json(method, **params)
    assert status == 400, body
    assert body["ok"] is False and body["error_code"] == 400
    assert body["description"].startswith("Bad Request: ")
    assert fragment in body["description"], body["description"]
    assert raw.emu.errors[-1]["description"] == body["description"]
    assert raw.emu.errors[-1]["method"] == method


async def test_valid_form_request(raw: RawApi) -> None:
    status, body = await raw.form(
        "sendMessage",
        chat_id="1001",
        text="123",  # a String field stays a string even though it looks like JSON
        disable_notification="true",
        reply_markup=json.dumps(KB),
    )
    assert status == 200, body
    assert body["result"]["text"] == "123"
    msg = raw.emu.user(1001).last_message
    assert msg.disable_notification is True
    assert msg.button_labels == ["A"]
    assert raw.emu.errors == []


async def test_chat_id_by_username(raw: RawApi) -> None:
    group = raw.emu.group(-100777, title="G", username="kosizu_group")
    raw.emu.add_bot_to(group, by=raw.emu.user(1001))
    status, _ = await raw.form("sendMessage", chat_id="@kosizu_group", text="hi")
    assert status == 200
    assert group.last_message.text == "hi"


async def test_unknown_parameter(raw: RawApi) -> None:
    await expect_400(
        raw, "sendMessage", "unknown parameter colour", chat_id=1001, text="x", colour=1
    )


async def test_unknown_parameter_in_form(raw: RawApi) -> None:
    status, body = await raw.form("sendMessage", chat_id="1001", text="x", foo="1")
    assert status == 400
    assert body["description"] == "Bad Request: unknown parameter foo"


async def test_missing_required(raw: RawApi) -> None:
    await expect_400(raw, "sendMessage", "text is required", chat_id=1001)
    await expect_400(raw, "sendMessage", "chat_id is required", text="x")


async def test_wrong_primitive_type(raw: RawApi) -> None:
    await expect_400(raw, "sendMessage", "chat_id", chat_id=[1], text="x")
    await expect_400(
        raw, "sendMessage", "disable_notification", chat_id=1001, text="x", disable_notification=3
    )
    await expect_400(raw, "getUpdates", "limit", limit="ten")


async def test_unparseable_form_value(raw: RawApi) -> None:
    status, body = await raw.form("getUpdates", limit="ten")
    assert status == 400
    assert "limit" in body["description"]


async def test_nested_unknown_field(raw: RawApi) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a", "colour": "red"}]]}
    await expect_400(
        raw,
        "sendMessage",
        "unknown parameter reply_markup.inline_keyboard[0][0].colour",
        chat_id=1001,
        text="x",
        reply_markup=markup,
    )


async def test_nested_missing_required(raw: RawApi) -> None:
    markup = {"inline_keyboard": [[{"callback_data": "a"}]]}
    await expect_400(
        raw, "sendMessage", "inline_keyboard[0][0].text is required", chat_id=1001, text="x",
        reply_markup=markup,
    )  # fmt: skip


async def test_nested_wrong_type(raw: RawApi) -> None:
    await expect_400(
        raw, "sendMessage", "inline_keyboard", chat_id=1001, text="x",
        reply_markup={"inline_keyboard": [{"text": "A", "callback_data": "a"}]},
    )  # fmt: skip


async def test_union_of_objects(raw: RawApi) -> None:
    status, _ = await raw.json(
        "sendMessage", chat_id=1001, text="x", reply_markup={"remove_keyboard": True}
    )
    assert status == 200
    await expect_400(
        raw, "sendMessage", "reply_markup", chat_id=1001, text="x", reply_markup={"bogus": 1}
    )


async def test_scope_discriminator(raw: RawApi) -> None:
    cmds = [{"command": "start", "description": "Start"}]
    status, _ = await raw.json("setMyCommands", commands=cmds, scope={"type": "chat", "chat_id": 1})
    assert status == 200
    assert raw.emu.commands[("chat:1", "")] == cmds
    await expect_400(
        raw, "setMyCommands", "chat_id is required", commands=cmds, scope={"type": "chat"}
    )
    await expect_400(raw, "setMyCommands", "unsupported value", commands=cmds, scope={"type": "x"})


@pytest.mark.parametrize("data", ["", "x" * 65, "ä" * 33])
async def test_callback_data_limits(raw: RawApi, data: str) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": data}]]}
    await expect_400(
        raw, "sendMessage", "BUTTON_DATA_INVALID", chat_id=1001, text="x", reply_markup=markup
    )


async def test_callback_data_64_bytes_ok(raw: RawApi) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "x" * 64}]]}
    status, _ = await raw.json("sendMessage", chat_id=1001, text="x", reply_markup=markup)
    assert status == 200


async def test_text_only_inline_button(raw: RawApi) -> None:
    markup = {"inline_keyboard": [[{"text": "A"}]]}
    await expect_400(
        raw,
        "sendMessage",
        "Text buttons are unallowed",
        chat_id=1001,
        text="x",
        reply_markup=markup,
    )


@pytest.mark.parametrize("text", ["", "   ", "<b> </b>"])
async def test_empty_text(raw: RawApi, text: str) -> None:
    await expect_400(
        raw, "sendMessage", "message text is empty", chat_id=1001, text=text, parse_mode="HTML"
    )


async def test_text_too_long_counts_after_parsing(raw: RawApi) -> None:
    body = "x" * 4096
    status, _ = await raw.json(
        "sendMessage", chat_id=1001, text=f"<b>{body}</b>", parse_mode="HTML"
    )
    assert status == 200
    await expect_400(raw, "sendMessage", "message is too long", chat_id=1001, text=body + "y")
    # Characters outside the BMP count twice (UTF-16), as in Telegram.
    await expect_400(raw, "sendMessage", "message is too long", chat_id=1001, text="😀" * 2049)


async def test_caption_too_long(raw: RawApi) -> None:
    status, body = await raw.form(
        "sendDocument", chat_id="1001", document="https://example.org/a.pdf", caption="c" * 1025
    )
    assert status == 400
    assert body["description"] == "Bad Request: message caption is too long"


async def test_unsupported_parse_mode(raw: RawApi) -> None:
    await expect_400(
        raw, "sendMessage", "unsupported parse_mode", chat_id=1001, text="x", parse_mode="html"
    )


@pytest.mark.parametrize(
    "text",
    ["<b>unclosed", "<div>x</div>", "a < b", "Tom & Jerry", "<b>x</i>", "<br>"],
)
async def test_html_parse_errors(raw: RawApi, text: str) -> None:
    await expect_400(
        raw, "sendMessage", "can't parse entities: ", chat_id=1001, text=text, parse_mode="HTML"
    )


async def test_html_errors_through_ptb(emu: Emulator, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(1001, "Score: 3 < 5", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(
            1001,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("A", callback_data="z" * 65)]]
            ),
        )
    assert len(emu.errors) == 2


async def test_markdown_v2_errors(raw: RawApi) -> None:
    await expect_400(
        raw, "sendMessage", "is reserved", chat_id=1001, text="1.5", parse_mode="MarkdownV2"
    )


async def test_entities_override_parse_mode(raw: RawApi) -> None:
    status, body = await raw.json(
        "sendMessage",
        chat_id=1001,
        text="<b>",
        parse_mode="HTML",
        entities=[{"type": "bold", "offset": 0, "length": 3}],
    )
    assert status == 200
    assert body["result"]["text"] == "<b>"


async def test_chat_action_values(raw: RawApi) -> None:
    status, _ = await raw.json("sendChatAction", chat_id=1001, action="typing")
    assert status == 200
    await expect_400(raw, "sendChatAction", "wrong parameter action", chat_id=1001, action="dance")


async def test_unimplemented_method_is_recorded(raw: RawApi) -> None:
    await expect_400(raw, "sendPoll", "not implemented", chat_id=1001, question="q", options=[])


async def test_semantic_errors_are_not_validation_errors(raw: RawApi) -> None:
    status, body = await raw.json("sendMessage", chat_id=99999, text="x")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    assert raw.emu.errors == []


async def test_multipart_upload_with_unknown_part_rejected(raw: RawApi) -> None:
    files = {"document": ("a.txt", b"abc", "text/plain"), "stray": ("b.txt", b"x", "text/plain")}
    resp = await raw.client.post(raw.url("sendDocument"), data={"chat_id": "1001"}, files=files)
    assert resp.status_code == 400
    assert resp.json()["description"] == "Bad Request: unknown parameter stray"


async def test_multipart_attach_reference(raw: RawApi) -> None:
    files = {"file1": ("a.txt", b"abc", "text/plain")}
    resp = await raw.client.post(
        raw.url("sendDocument"), data={"chat_id": "1001", "document": "attach://file1"}, files=files
    )
    assert resp.status_code == 200, resp.json()
    doc = raw.emu.user(1001).last_message.document
    assert doc is not None and doc.content == b"abc" and doc.filename == "a.txt"


async def test_empty_upload_rejected(raw: RawApi) -> None:
    files = {"document": ("a.txt", b"", "text/plain")}
    resp = await raw.client.post(raw.url("sendDocument"), data={"chat_id": "1001"}, files=files)
    assert resp.status_code == 400
    assert "non-empty" in resp.json()["description"]


async def test_bad_json_body(raw: RawApi) -> None:
    resp = await raw.client.post(
        raw.url("sendMessage"), content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 400
