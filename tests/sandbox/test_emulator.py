"""The emulator driven by a real PTB ``telegram.Bot``."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton
from telegram.error import BadRequest, Forbidden, InvalidToken
from telegram.request import HTTPXRequest

from sandbox.emulator import BotMessage, Emulator
from tests.sandbox.conftest import TOKEN, RawApi


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"cb:{label}") for label in labels]]
    )


async def test_get_me(bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == "kosizu_test_bot"
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False


async def test_wrong_token_is_unauthorized(emu: Emulator) -> None:
    request = HTTPXRequest()
    other = telegram.Bot("999:wrong", base_url=emu.base_url, request=request)
    try:
        with pytest.raises(InvalidToken):
            await other.get_me()
    finally:
        await request.shutdown()
    assert emu.calls[-1].status == 401


async def test_unknown_method_is_404(raw: RawApi, emu: Emulator) -> None:
    status, body = await raw.json("sendTelepathy", chat_id=1)
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_method_names_are_case_insensitive(raw: RawApi) -> None:
    status, body = await raw.json("GETME")
    assert status == 200
    assert body["result"]["username"] == "kosizu_test_bot"


async def test_get_request_with_query_parameters(raw: RawApi) -> None:
    raw.emu.user(1001)
    resp = await raw.client.get(raw.url("sendMessage"), params={"chat_id": "1001", "text": "hi"})
    assert resp.status_code == 200
    assert raw.emu.user(1001).last_message.text == "hi"


async def test_user_text_arrives_as_update_with_command_entity(
    emu: Emulator, bot: telegram.Bot
) -> None:
    user = emu.user(1001, first_name="Ada", language_code="de")
    uid = user.send_text("/start CODE")
    updates = await bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == [uid]
    message = updates[0].message
    assert message is not None
    assert message.text == "/start CODE"
    assert message.chat.id == 1001
    assert message.from_user is not None
    assert message.from_user.language_code == "de"
    entity = message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)


async def test_command_with_bot_username(emu: Emulator, bot: telegram.Bot) -> None:
    emu.user(1001).send_text("/help@kosizu_test_bot now")
    (update,) = await bot.get_updates(timeout=1)
    assert update.message is not None
    assert update.message.entities[0].length == len("/help@kosizu_test_bot")


async def test_send_message_with_inline_keyboard_is_visible(
    emu: Emulator, bot: telegram.Bot
) -> None:
    user = emu.user(1001)
    sent = await bot.send_message(
        1001, "<b>Choose</b> &amp; go", parse_mode="HTML", reply_markup=keyboard("Yes", "No")
    )
    msg = user.last_message
    assert msg.message_id == sent.message_id
    assert msg.text == "<b>Choose</b> &amp; go"
    assert msg.plain == "Choose & go"
    assert msg.parse_mode == "HTML"
    assert msg.button_labels == ["Yes", "No"]
    assert msg.buttons[0][0].callback_data == "cb:Yes"
    assert sent.text == "Choose & go"
    assert sent.entities[0].type == "bold"
    assert sent.from_user is not None and sent.from_user.id == 123456


async def test_message_ids_shared_between_user_and_bot(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    user.send_text("hello")
    sent = await bot.send_message(1001, "hi")
    user.send_text("again")
    sent2 = await bot.send_message(1001, "hi 2")
    assert (sent.message_id, sent2.message_id) == (2, 4)
    other = emu.user(1002)
    assert (await bot.send_message(1002, "x")).message_id == 1
    assert len(other.messages) == 1


async def test_reply_keyboard_and_press(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    await bot.send_message(
        1001,
        "menu",
        reply_markup=telegram.ReplyKeyboardMarkup([[KeyboardButton("A"), KeyboardButton("B")]]),
    )
    assert user.last_message.reply_keyboard == [["A", "B"]]
    uid = user.press("B")
    (update,) = await bot.get_updates(timeout=1)
    assert update.update_id == uid
    assert update.message is not None and update.message.text == "B"
    with pytest.raises(LookupError):
        user.press("C")


async def test_edit_message_text_and_not_modified(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    sent = await bot.send_message(1001, "v1", reply_markup=keyboard("A"))
    edited = await bot.edit_message_text("v2", 1001, sent.message_id, reply_markup=keyboard("A"))
    assert isinstance(edited, telegram.Message)
    assert edited.text == "v2"
    msg = user.last_message
    assert (msg.text, msg.edits, msg.button_labels) == ("v2", 1, ["A"])
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("v2", 1001, sent.message_id, reply_markup=keyboard("A"))
    # Without reply_markup Telegram drops the keyboard, so this is a modification.
    await bot.edit_message_text("v2", 1001, sent.message_id)
    assert msg.buttons == []
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(1001, sent.message_id)
    await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=keyboard("B"))
    assert msg.button_labels == ["B"]
    assert emu.errors == []


async def test_edit_unknown_message(emu: Emulator, bot: telegram.Bot) -> None:
    emu.user(1001)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", 1001, 999)


async def test_not_modified_compares_parsed_text(emu: Emulator, bot: telegram.Bot) -> None:
    emu.user(1001)
    sent = await bot.send_message(1001, "<b>x</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("<strong>x</strong>", 1001, sent.message_id, parse_mode="HTML")


async def test_tap_produces_callback_query(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    await bot.send_message(1001, "pick", reply_markup=keyboard("Yes", "No"))
    uid = user.tap(user.last_message, "No")
    (update,) = await bot.get_updates(timeout=1)
    assert update.update_id == uid
    query = update.callback_query
    assert query is not None
    assert query.data == "cb:No"
    assert query.from_user.id == 1001
    assert isinstance(query.message, telegram.Message)
    assert query.message.message_id == user.last_message.message_id
    assert await query.answer("done", show_alert=True)
    assert user.callback_answers == [
        {"callback_query_id": query.id, "text": "done", "show_alert": True}
    ]
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer()
    with pytest.raises(LookupError):
        user.tap(user.last_message, "Maybe")


async def test_tap_data_on_deleted_message_gives_inaccessible_message(
    emu: Emulator, bot: telegram.Bot
) -> None:
    user = emu.user(1001)
    user.tap_data(77, "forged:1")
    (update,) = await bot.get_updates(timeout=1)
    query = update.callback_query
    assert query is not None and query.data == "forged:1"
    # PTB 22.8 parses it as a Message whose date is 0.
    assert query.message is not None and not query.message.is_accessible
    assert query.message.message_id == 77


async def test_answer_unknown_query(emu: Emulator, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query("12345")


async def test_user_edit_produces_edited_message(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    user.send_text("first")
    first = await bot.get_updates(timeout=1)
    assert first[0].message is not None
    uid = user.edit_text(first[0].message.message_id, "second")
    (update,) = await bot.get_updates(offset=first[0].update_id + 1, timeout=1)
    assert update.update_id == uid
    assert update.edited_message is not None
    assert update.edited_message.text == "second"
    assert update.edited_message.edit_date is not None


async def test_user_media_updates(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    user.send_sticker()
    user.send_photo(caption="pic")
    user.send_document(filename="a.pdf", content=b"%PDF-data")
    user.send_location(1.5, 2.5)
    updates = await bot.get_updates(timeout=1)
    messages = [u.message for u in updates]
    assert all(m is not None for m in messages)
    sticker, photo, document, location = (m for m in messages if m is not None)
    assert sticker.sticker is not None
    assert photo.photo and photo.caption == "pic"
    assert document.document is not None
    assert document.document.file_name == "a.pdf"
    assert document.document.mime_type == "application/pdf"
    assert location.location is not None and location.location.latitude == 1.5
    # The bot can download what the user sent.
    file = await bot.get_file(document.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"%PDF-data"


async def test_blocked_user_gives_forbidden(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    uid = user.block_bot()
    (update,) = await bot.get_updates(timeout=1)
    assert update.update_id == uid
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(1001, "hello?")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(1001, "typing")
    user.unblock_bot()
    await bot.send_message(1001, "welcome back")
    assert user.last_message.text == "welcome back"
    assert emu.errors == []


async def test_unknown_chat_and_unstarted_user(emu: Emulator, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "x")
    emu.user(5005, started=False)
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await bot.send_message(5005, "x")
    emu.user(5005).send_text("/start")
    await bot.send_message(5005, "now it works")


async def test_send_document_upload_is_stored(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    sent = await bot.send_document(
        1001, b"a;b\n1;2\n", filename="export.csv", caption="<i>Export</i>", parse_mode="HTML"
    )
    msg = user.last_message
    assert msg.document is not None
    assert msg.document.filename == "export.csv"
    assert msg.document.content == b"a;b\n1;2\n"
    assert msg.document.mime_type == "text/csv"
    assert msg.caption == "<i>Export</i>"
    assert msg.caption_plain == "Export"
    assert msg.plain == "Export"
    assert sent.document is not None and sent.document.file_name == "export.csv"
    # Resending by file_id reuses the stored file.
    await bot.send_document(1001, sent.document.file_id)
    assert user.last_message.document is msg.document


async def test_send_photo_and_protect_content(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    sent = await bot.send_photo(1001, b"\x89PNG fake", caption="cap", protect_content=True)
    msg = user.last_message
    assert msg.photo is not None and msg.photo.content == b"\x89PNG fake"
    assert msg.protect_content is True
    assert sent.has_protected_content is True
    assert sent.photo


async def test_unknown_file_id(emu: Emulator, bot: telegram.Bot) -> None:
    emu.user(1001)
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(1001, "nonexistent-file-id")


async def test_copy_message(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    admin = emu.user(2002)
    user.send_document(filename="id.pdf", content=b"secret")
    (update,) = await bot.get_updates(timeout=1)
    assert update.message is not None
    copied = await bot.copy_message(2002, 1001, update.message.message_id, caption="from Ada")
    assert isinstance(copied, telegram.MessageId)
    msg = admin.last_message
    assert msg.message_id == copied.message_id
    assert msg.copied_from == (1001, update.message.message_id)
    assert msg.document is not None and msg.document.content == b"secret"
    assert msg.caption == "from Ada"
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await bot.copy_message(2002, 1001, 999)


async def test_delete_message(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    sent = await bot.send_message(1001, "bye")
    assert await bot.delete_message(1001, sent.message_id)
    assert user.messages == []
    assert user.all_messages[0].deleted
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(1001, sent.message_id)


async def test_wait_for_message_cursor(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)

    async def later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(1001, "one")
        await bot.send_message(1001, "two")

    task = asyncio.create_task(later())
    first = await user.wait_for_message(timeout=2)
    second = await user.wait_for_message(timeout=2)
    await task
    assert (first.text, second.text) == ("one", "two")
    with pytest.raises(TimeoutError):
        await user.wait_for_message(timeout=0.05)


async def test_commands_per_scope_and_language(emu: Emulator, bot: telegram.Bot) -> None:
    await bot.set_my_commands([telegram.BotCommand("start", "Start")])
    await bot.set_my_commands(
        [telegram.BotCommand("hilfe", "Hilfe")],
        scope=telegram.BotCommandScopeAllPrivateChats(),
        language_code="de",
    )
    assert emu.commands[("default", "")] == [{"command": "start", "description": "Start"}]
    assert emu.commands[("all_private_chats", "de")] == [
        {"command": "hilfe", "description": "Hilfe"}
    ]
    got = await bot.get_my_commands(
        scope=telegram.BotCommandScopeAllPrivateChats(), language_code="de"
    )
    assert [c.command for c in got] == ["hilfe"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([telegram.BotCommand("Bad-Command", "x")])


async def test_groups_membership_and_leave(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    group = emu.group(-1001234, title="Some group", type="supergroup")
    with pytest.raises(Forbidden, match=r"(?i)not a member"):
        await bot.send_message(group.id, "x")
    uid = emu.add_bot_to(group, by=user)
    user.send_text_in(group, "hello everyone")  # privacy mode: not delivered
    cmd = user.send_text_in(group, "/start@kosizu_test_bot")
    updates = await bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == [uid, cmd]
    member_update = updates[0].my_chat_member
    assert member_update is not None
    assert member_update.new_chat_member.status == "member"
    assert member_update.chat.type == "supergroup"
    await bot.send_message(group.id, "hi group")
    assert group.last_message.text == "hi group"
    assert await bot.leave_chat(group.id)
    assert emu.left_chats == {group.id}
    with pytest.raises(Forbidden):
        await bot.send_message(group.id, "still here?")


async def test_application_end_to_end(emu: Emulator) -> None:
    """A real PTB Application polls the emulator and handles commands and taps."""
    from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

    async def start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(
            update.effective_chat.id, "Hello!", reply_markup=keyboard("Go")
        )

    async def tapped(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"tapped {query.data}")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(tapped))
    user = emu.user(1001)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            user.send_text("/start")
            msg = await user.wait_for_message(timeout=5)
            assert msg.button_labels == ["Go"]
            user.tap(msg, "Go")
            await user.wait_for_edit(msg, timeout=5)
            assert msg.text == "tapped cb:Go"
            await emu.wait_until(lambda: len(user.callback_answers) == 1)
        finally:
            await app.updater.stop()
            await app.stop()
    assert emu.errors == []
    assert emu.pending_updates == 0


async def test_control_api(emu: Emulator, bot: telegram.Bot) -> None:
    async with httpx.AsyncClient() as client:
        resp = await client.post(f"{emu.control_url}/users/1001/text", json={"text": "/start"})
        uid = resp.json()["update_id"]
        (update,) = await bot.get_updates(timeout=1)
        assert update.update_id == uid
        await bot.send_message(1001, "pick", reply_markup=keyboard("A"))
        messages = (await client.get(f"{emu.control_url}/users/1001/messages")).json()
        assert messages[0]["buttons"][0][0]["text"] == "A"
        resp = await client.post(
            f"{emu.control_url}/users/1001/tap",
            json={"message_id": messages[0]["message_id"], "label": "A"},
        )
        assert resp.status_code == 200
        state = (await client.get(f"{emu.control_url}/state")).json()
        assert state["users"] == [1001]
        # The first update was fetched but never confirmed with an offset.
        assert state["pending_updates"] == 2


async def test_bot_message_is_live(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.user(1001)
    sent = await bot.send_message(1001, "a")
    msg: BotMessage = user.last_message
    await bot.edit_message_text("b", 1001, sent.message_id)
    assert msg.text == "b" and msg.edits == 1 and msg.edit_date is not None


async def test_protected_message_cannot_be_copied(emu: Emulator, bot: telegram.Bot) -> None:
    emu.user(1001)
    emu.user(2002)
    sent = await bot.send_message(1001, "secret", protect_content=True)
    with pytest.raises(BadRequest, match=r"(?i)protected content"):
        await bot.copy_message(2002, 1001, sent.message_id)
