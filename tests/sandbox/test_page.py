"""The sandbox as its page's API sees it: personas, a chat with the real bot, taps, the live
stream, the clock control, and the refusals that keep it away from Telegram."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox import launch
from sandbox.chats import SimUser
from storage.timefmt import from_db
from tests.support.harness import eventually
from tests.support.sandbox import running_sandbox

HELP = "Help"
AMINA = 100005


async def get(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def post(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Any:
    async with session.post(url, json=body) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def bot_messages(session: aiohttp.ClientSession, base: str, persona: int) -> list[Any]:
    chat = await get(session, f"{base}api/chats/{persona}")
    return [m for m in chat["messages"] if m["from"] == "bot"]


async def test_a_new_arabic_user_chats_right_to_left_and_a_staff_member_taps_the_menu(
    tmp_path: Path,
) -> None:
    async with running_sandbox(tmp_path) as sandbox, aiohttp.ClientSession() as session:
        base = sandbox.page.url
        page = await (await session.get(base)).text()
        assert "<html" in page
        listed = await get(session, f"{base}api/personas")
        assert "fictional" in listed["fictional_note"]
        assert listed["clock"]["offset"] == "+0 h"
        assert listed["personas"][0]["description"].startswith("Staff")
        staff = next(p for p in listed["personas"] if p["name"] == "Daniel Sample")  # English

        created = await post(session, f"{base}api/personas", {"name": "Layla", "language": "ar"})
        layla = created["id"]
        await post(session, f"{base}api/chats/{layla}/text", {"text": "/start"})

        async def answered() -> bool:
            return bool(await bot_messages(session, base, layla))

        await eventually(answered, 10, "the bot's answer to the new user")
        chat = await get(session, f"{base}api/chats/{layla}")
        assert chat["rtl"] is True and chat["language"] == "ar"
        assert chat["messages"][0]["from"] == "user"
        assert chat["messages"][0]["html"] == "/start"
        assert chat["messages"][1]["html"]  # the bot's Arabic answer, rendered
        assert chat["commands"], "the bot's command menu in Arabic"

        await post(session, f"{base}api/chats/{staff['id']}/text", {"text": "/start"})

        async def menu() -> bool:
            return any(m["buttons"] for m in await bot_messages(session, base, staff["id"]))

        await eventually(menu, 10, "the menu")
        # A message the page has not shown yet counts as unread.
        daniel = sandbox.emulator.user(staff["id"])
        before = len(daniel.messages)
        await post(session, f"{base}api/chats/{staff['id']}/text", {"text": "/privacy"})
        await sandbox.emulator.wait_until(lambda: len(daniel.messages) > before, 10)
        listed = await get(session, f"{base}api/personas")
        unread = {p["id"]: p["unread"] for p in listed["personas"]}
        assert unread[staff["id"]] == len(daniel.messages) - before and unread[layla] == 0
        message = next(m for m in await bot_messages(session, base, staff["id"]) if m["buttons"])
        buttons = [b for row in message["buttons"] for b in row]
        help_button = next((b for b in buttons if HELP in b["text"]), None)
        assert help_button is not None, [b["text"] for b in buttons]
        tapped = await post(
            session,
            f"{base}api/chats/{staff['id']}/tap",
            {"message_id": message["message_id"], "data": help_button["data"]},
        )
        assert tapped["ok"] is True

        async def help_shown() -> bool:
            return any(HELP in m["html"] for m in await bot_messages(session, base, staff["id"]))

        await eventually(help_shown, 10, "the help text after the tap")


async def test_bad_requests_get_a_clear_refusal(tmp_path: Path) -> None:
    async with running_sandbox(tmp_path) as sandbox, aiohttp.ClientSession() as session:
        base = sandbox.page.url
        staff = (await get(session, f"{base}api/personas"))["personas"][0]["id"]
        cases: list[tuple[str, dict[str, Any], int, str]] = [
            (f"api/chats/{staff}/text", {"text": "x" * 4097}, 400, "at most 4096"),
            (f"api/chats/{staff}/text", {"text": "  "}, 400, "text required"),
            ("api/chats/999/text", {"text": "hi"}, 404, "no such persona"),
            (f"api/chats/{staff}/tap", {"message_id": 4242, "data": "x"}, 404, "4242"),
            ("api/personas", {"name": "", "language": "de"}, 400, "a name"),
            ("api/personas", {"name": "Kim", "language": "xx"}, 400, "language must be"),
            ("api/clock", {"advance": "-1d"}, 400, "advance must be"),
        ]
        for path, body, status, sentence in cases:
            async with session.post(f"{base}{path}", json=body) as response:
                assert response.status == status, path
                assert sentence in await response.text(), path
        async with session.get(f"{base}static/../launch.py") as response:
            assert response.status == 404
        async with session.get(f"{base}api/files/nope") as response:
            assert response.status == 404
        # A name of another site resolving to 127.0.0.1 (DNS rebinding) is not answered.
        headers = {"Host": f"attacker.example:{sandbox.page.port}"}
        async with session.get(f"{base}api/personas", headers=headers) as response:
            assert response.status == 403


async def test_the_clock_jumps_ahead_to_the_next_reminders(tmp_path: Path) -> None:
    async with running_sandbox(tmp_path) as sandbox, aiohttp.ClientSession() as session:
        base = sandbox.page.url
        services = sandbox.running.services
        before = datetime.now(UTC)
        jumped = await post(session, f"{base}api/clock", {"advance": "1d"})
        assert jumped["offset"] == "+1 d" and jumped["jumped_to"] is None
        assert services.clock.now() - before >= timedelta(days=1)

        # Amina signs up for the workshop, as on the page.
        amina = sandbox.emulator.user(AMINA)
        amina.send_text("/events")
        events = await amina.wait_for_message(timeout=10)
        amina.tap(events, next(label for label in events.button_labels if "Workshop" in label))
        card = await amina.wait_for_edit(events, timeout=10)
        amina.tap(card, "✍️ Sign up")
        question = await amina.wait_for_message(timeout=10)
        amina.tap(question, "Yes")
        await eventually(lambda: registered(sandbox), 10, "Amina's registration")
        workshop = await services.db.fetchone(
            "SELECT starts_at FROM events WHERE state = 'published' ORDER BY starts_at"
        )
        assert workshop is not None
        reminder_at = from_db(workshop[0]) - timedelta(days=7)

        # "Next scheduled": the workshop's reminder a week before, then the check-in's.
        upcoming = await post(session, f"{base}api/clock", {"advance": "next"})
        assert datetime.fromisoformat(upcoming["jumped_to"]) == to_minute(reminder_at)
        assert services.clock.now() > reminder_at
        await eventually(got(amina, "Reminder: you are registered for"), 15, "the reminder")
        round_row = await services.db.fetchone("SELECT remind_at FROM checkin_rounds")
        assert round_row is not None
        upcoming = await post(session, f"{base}api/clock", {"advance": "next"})
        assert datetime.fromisoformat(upcoming["jumped_to"]) == to_minute(from_db(round_row[0]))
        await eventually(got(amina, "Reminder: quarterly check-in"), 15, "the check-in reminder")
        listed = await get(session, f"{base}api/personas")
        assert listed["clock"]["offset"] == upcoming["offset"] != "+1 d"


def to_minute(moment: datetime) -> datetime:
    """As the page shows a moment: to the minute."""
    return moment.replace(second=0, microsecond=0)


def got(user: SimUser, text: str) -> Callable[[], Awaitable[bool]]:
    async def arrived() -> bool:
        return any(text in (m.plain or "") for m in user.messages)

    return arrived


async def registered(sandbox: launch.Sandbox) -> bool:
    rows = await sandbox.running.services.db.fetchall(
        "SELECT 1 FROM registrations JOIN members ON members.id = member_id"
        " WHERE telegram_user_id = ? AND registrations.state = 'confirmed'",
        (AMINA,),
    )
    return bool(rows)


async def test_the_page_hears_of_every_change_without_asking(tmp_path: Path) -> None:
    async with running_sandbox(tmp_path) as sandbox, aiohttp.ClientSession() as session:
        base = sandbox.page.url
        staff = (await get(session, f"{base}api/personas"))["personas"][0]["id"]
        async with session.get(f"{base}api/stream") as stream:
            assert stream.headers["Content-Type"] == "text/event-stream"
            first = await asyncio.wait_for(stream.content.readline(), 5)
            assert first.startswith(b'data: {"version": ')
            await stream.content.readline()  # the blank line ending the event
            await post(session, f"{base}api/chats/{staff}/text", {"text": "/help"})
            second = await asyncio.wait_for(stream.content.readline(), 5)
            assert second.startswith(b"data: ") and second != first


async def test_a_real_token_in_the_environment_stops_the_sandbox(tmp_path: Path) -> None:
    env = {"KOSIZU_BOT_TOKEN": "123:real-looking-token"}
    with pytest.raises(launch.SandboxError, match="KOSIZU_BOT_TOKEN is set"):
        async with running_sandbox(tmp_path, env=env):
            pass
    assert not (tmp_path / "sandbox.sqlite3").exists()


async def test_a_default_language_without_demo_texts_is_refused_in_one_sentence(
    tmp_path: Path,
) -> None:
    with pytest.raises(launch.SandboxError, match="German and English only"):
        async with running_sandbox(tmp_path, env={"KOSIZU_DEFAULT_LANGUAGE": "tr"}):
            pass


async def test_a_named_sandbox_keeps_its_database_and_the_default_one_starts_fresh(
    tmp_path: Path,
) -> None:
    async with running_sandbox(tmp_path, name="training") as sandbox:
        first = sandbox.running.services
        members = await first.db.fetchone("SELECT count(*) FROM members")
        assert members is not None
        await first.db.write_one("UPDATE members SET display_name = 'Kept' WHERE id = 1")
    async with running_sandbox(tmp_path, name="training") as sandbox:
        again = await sandbox.running.services.db.fetchone("SELECT count(*) FROM members")
        assert again is not None and again[0] == members[0]  # not seeded twice
        row = await sandbox.running.services.db.fetchone(
            "SELECT display_name FROM members WHERE id = 1"
        )
        assert row is not None and row[0] == "Kept"
    for _ in range(2):
        async with running_sandbox(tmp_path) as sandbox:
            row = await sandbox.running.services.db.fetchone(
                "SELECT display_name FROM members WHERE id = 1"
            )
            assert row is not None and row[0] != "Kept"
            await sandbox.running.services.db.write_one(
                "UPDATE members SET display_name = 'Kept' WHERE id = 1"
            )
