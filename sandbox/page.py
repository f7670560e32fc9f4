"""The sandbox's web page: each persona's chat with the bot as Telegram shows it, served on
loopback. It plays the people: what a visitor types or taps becomes an update from that
persona through the emulator, exactly as a Telegram client would send it.

The JSON API below is what ``sandbox/web/app.js`` uses; ``GET /api/stream`` sends an event on
every change in the emulator (a message, an edit, a tap answered) so the page needs no reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import BodyPartReader, web

from sandbox.chats import SimUser
from sandbox.clock import SandboxClock, describe_offset
from sandbox.emulator import Emulator
from sandbox.models import BotMessage, SentFile, UserMessage
from sandbox.rendering import to_html

LANGUAGES = ("de", "en", "fr", "tr", "ar")
RIGHT_TO_LEFT = ("ar",)
MESSAGE_MAX = 4096  # what a Telegram client lets a person send in one message
UPLOAD_MAX = 20 * 1024 * 1024
FIRST_NEW_USER = 200_001
TAP_ANSWER_WAIT = 3.0
KEEP_ALIVE = 15.0
STATIC = ("index.html", "app.js", "style.css")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
JUMPS = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "7d": timedelta(days=7)}
FICTIONAL_NOTE = (
    "Sandbox: a local imitation of Telegram. Every person, organisation and event here is "
    "fictional; nothing leaves this computer."
)


@dataclass
class Persona:
    """Someone the visitor can be: a demo member or a new user they created."""

    telegram_user_id: int
    name: str
    description: str
    language: str


NextMoment = Callable[[datetime], Awaitable[datetime | None]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SandboxPage:
    def __init__(
        self,
        emulator: Emulator,
        clock: SandboxClock,
        personas: list[Persona],
        timezone: ZoneInfo,
        next_moment: NextMoment,
    ) -> None:
        self._emulator = emulator
        self._clock = clock
        self._personas = {p.telegram_user_id: p for p in personas}
        self._timezone = timezone
        self._next_moment = next_moment
        self._seen: dict[int, int] = {}  # persona → bot messages when their chat was last shown
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        for persona in personas:
            self._user(persona)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def start(self, port: int) -> None:
        app = web.Application(
            client_max_size=UPLOAD_MAX + 1024 * 1024, middlewares=[_loopback_host_only]
        )
        app.router.add_get("/", self._index)
        app.router.add_get("/static/{name}", self._static)
        app.router.add_get("/api/personas", self._personas_list)
        app.router.add_post("/api/personas", self._persona_new)
        app.router.add_get("/api/chats/{id}", self._chat)
        app.router.add_post("/api/chats/{id}/text", self._text)
        app.router.add_post("/api/chats/{id}/tap", self._tap)
        app.router.add_post("/api/chats/{id}/document", self._document)
        app.router.add_get("/api/files/{file_id}", self._file)
        app.router.add_get("/api/stream", self._stream)
        app.router.add_post("/api/clock", self._clock_jump)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        # Loopback only: the page can act as any member of the network's demo.
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        self._stopping.set()
        self._emulator.touch()  # wakes the event streams so they end
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # ------------------------------------------------------------------ people

    def _user(self, persona: Persona) -> SimUser:
        first, _, last = persona.name.partition(" ")
        return self._emulator.user(
            persona.telegram_user_id,
            first_name=first,
            last_name=last or None,
            language_code=persona.language,
        )

    def _persona(self, request: web.Request) -> tuple[Persona, SimUser]:
        try:
            persona = self._personas.get(int(request.match_info["id"]))
        except ValueError:
            persona = None
        if persona is None:
            raise web.HTTPNotFound(text="no such persona")
        return persona, self._user(persona)

    async def _personas_list(self, request: web.Request) -> web.Response:
        personas = []
        for persona in self._personas.values():
            user = self._user(persona)
            personas.append(
                {
                    "id": persona.telegram_user_id,
                    "name": persona.name,
                    "description": persona.description,
                    "language": persona.language,
                    "unread": len(_shown(user)) - self._seen.get(persona.telegram_user_id, 0),
                }
            )
        return web.json_response(
            {"personas": personas, "clock": self._clock_json(), "fictional_note": FICTIONAL_NOTE}
        )

    async def _persona_new(self, request: web.Request) -> web.Response:
        body = await _json(request)
        name = body.get("name")
        language = body.get("language")
        if not isinstance(name, str) or not name.strip() or len(name) > 64:
            raise web.HTTPBadRequest(text="a name of 1 to 64 characters is needed")
        if language not in LANGUAGES:
            raise web.HTTPBadRequest(text=f"language must be one of {', '.join(LANGUAGES)}")
        new_id = max([FIRST_NEW_USER - 1, *self._personas]) + 1
        persona = Persona(new_id, name.strip(), "New user", language)
        self._personas[new_id] = persona
        self._user(persona)
        self._emulator.touch()
        return web.json_response({"id": new_id})

    # ------------------------------------------------------------------ a chat

    async def _chat(self, request: web.Request) -> web.Response:
        persona, user = self._persona(request)
        self._seen[persona.telegram_user_id] = len(_shown(user))
        messages = [self._message_json(m) for m in user.history if not m.deleted]
        return web.json_response(
            {
                "id": persona.telegram_user_id,
                "name": persona.name,
                "language": persona.language,
                "rtl": persona.language in RIGHT_TO_LEFT,
                "commands": self._commands(persona),
                "messages": messages,
            }
        )

    def _message_json(self, message: BotMessage | UserMessage) -> dict[str, Any]:
        if isinstance(message, UserMessage):
            return {
                "key": f"m{message.message_id}",
                "from": "user",
                "message_id": message.message_id,
                "html": _user_html(message),
                "date": int(message.payload.get("date", 0)),
                "edited": "edit_date" in message.payload,
                "deleted": message.deleted,
                "buttons": [],
                "file": None,
            }
        if message.plain_text is not None:
            body = to_html(message.plain_text, message.entities)
        else:
            body = to_html(message.caption_plain or "", message.caption_entities)
        return {
            "key": f"m{message.message_id}",
            "from": "bot",
            "message_id": message.message_id,
            "html": body,
            "date": message.date,
            "edited": message.edits > 0,
            "deleted": message.deleted,
            "buttons": [
                [{"text": b.text, "data": b.callback_data, "url": b.url} for b in row]
                for row in message.buttons
            ],
            "file": _file_json(message.photo or message.document),
        }

    def _commands(self, persona: Persona) -> list[dict[str, Any]]:
        """The command menu Telegram would show this persona: the most specific scope and
        language the bot set."""
        commands = self._emulator.commands
        for scope in (f"chat:{persona.telegram_user_id}", "all_private_chats", "default"):
            for language in (persona.language, ""):
                found = commands.get((scope, language))
                if found:
                    return found
        return []

    async def _text(self, request: web.Request) -> web.Response:
        _, user = self._persona(request)
        body = await _json(request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise web.HTTPBadRequest(text="text required")
        if len(text) > MESSAGE_MAX:
            raise web.HTTPBadRequest(text=f"Telegram sends at most {MESSAGE_MAX} characters")
        user.send_text(text)
        return web.json_response({"ok": True})

    async def _tap(self, request: web.Request) -> web.Response:
        _, user = self._persona(request)
        body = await _json(request)
        message_id, data = body.get("message_id"), body.get("data")
        if not isinstance(message_id, int) or not isinstance(data, str):
            raise web.HTTPBadRequest(text="message_id and data required")
        # Like a Telegram client: only a button that is on the message now can be tapped.
        message = user.get(message_id)
        if (
            not isinstance(message, BotMessage)
            or message.deleted
            or data not in (b.callback_data for row in message.buttons for b in row)
        ):
            raise web.HTTPNotFound(text=f"message {message_id} has no such button")
        answered = len(user.callback_answers)
        user.tap_data(message_id, data)
        answer: str | None = None
        with contextlib.suppress(TimeoutError):
            await self._emulator.wait_until(
                lambda: len(user.callback_answers) > answered, TAP_ANSWER_WAIT
            )
            text = user.callback_answers[answered].get("text")
            answer = text if isinstance(text, str) and text else None
        return web.json_response({"ok": True, "answer": answer})

    async def _document(self, request: web.Request) -> web.Response:
        _, user = self._persona(request)
        reader = await request.multipart()
        async for part in reader:
            if isinstance(part, BodyPartReader) and part.name == "file":
                content = await part.read(decode=False)
                user.send_document(part.filename or "document", bytes(content))
                return web.json_response({"ok": True})
        raise web.HTTPBadRequest(text="a file field is needed")

    async def _file(self, request: web.Request) -> web.Response:
        file = self._emulator.file(request.match_info["file_id"])
        if file is None:
            raise web.HTTPNotFound(text="no such file")
        mime = file.mime_type or "application/octet-stream"
        disposition = "inline" if mime in IMAGE_TYPES else "attachment"
        filename = (file.filename or "file").replace('"', "")
        return web.Response(
            body=file.content,
            content_type=mime,
            headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
        )

    # ------------------------------------------------------------------ live updates, clock

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        emulator = self._emulator
        shown = -1
        try:
            while not self._stopping.is_set():
                if emulator.version != shown:
                    shown = emulator.version
                    await response.write(f"data: {json.dumps({'version': shown})}\n\n".encode())
                    continue
                try:
                    await emulator.wait_until(partial(self._moved_on, shown), KEEP_ALIVE)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass  # the tab was closed or the sandbox stops
        return response

    def _moved_on(self, shown: int) -> bool:
        return self._emulator.version != shown or self._stopping.is_set()

    def _clock_json(self) -> dict[str, str]:
        return {
            "now": self._local(self._clock.now()),
            "offset": describe_offset(self._clock.offset),
        }

    async def _clock_jump(self, request: web.Request) -> web.Response:
        body = await _json(request)
        advance = body.get("advance")
        jumped_to: datetime | None = None
        if advance == "next":
            jumped_to = await self._next_moment(self._clock.now())
            if jumped_to is None:
                raise web.HTTPConflict(text="nothing is scheduled")
            # A little past the moment, so the job that runs it finds it due.
            self._clock.advance(jumped_to - self._clock.now() + timedelta(seconds=1))
        elif isinstance(advance, str) and advance in JUMPS:
            self._clock.advance(JUMPS[advance])
        else:
            raise web.HTTPBadRequest(text="advance must be 1h, 1d, 7d or next")
        self._emulator.touch()
        local = None if jumped_to is None else self._local(jumped_to)
        return web.json_response({**self._clock_json(), "jumped_to": local})

    def _local(self, moment: datetime) -> str:
        return moment.astimezone(self._timezone).isoformat(timespec="minutes")

    # ------------------------------------------------------------------ static files

    async def _index(self, request: web.Request) -> web.Response:
        return _static_file("index.html")

    async def _static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound()
        return _static_file(name)


@web.middleware
async def _loopback_host_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A web site the visitor has open cannot use the page through a name of its own that
    resolves to 127.0.0.1 (DNS rebinding): only loopback names are answered."""
    if request.url.host not in LOOPBACK_HOSTS:
        raise web.HTTPForbidden(text="the sandbox answers only on 127.0.0.1 and localhost")
    return await handler(request)


def _static_file(name: str) -> web.Response:
    content = resources.files("sandbox").joinpath("web", name).read_bytes()
    kind = {"html": "text/html", "js": "text/javascript", "css": "text/css"}[name.rsplit(".")[-1]]
    return web.Response(
        body=content, content_type=kind, charset="utf-8", headers={"Cache-Control": "no-cache"}
    )


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="body must be JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return body


def _shown(user: SimUser) -> list[BotMessage]:
    return [m for m in user.messages if not m.deleted]


def _file_json(file: SentFile | None) -> dict[str, Any] | None:
    if file is None or not file.file_id:
        return None
    mime = file.mime_type or "application/octet-stream"
    return {
        "url": f"/api/files/{file.file_id}",
        "filename": file.filename or ("photo.jpg" if file.kind == "photo" else "file"),
        "mime_type": mime,
        "size": file.size,
        "image": mime in IMAGE_TYPES or file.kind == "photo",
    }


def _user_html(message: UserMessage) -> str:
    payload = message.payload
    text = payload.get("text") or payload.get("caption")
    if "photo" in payload:
        label = "[photo]"
    elif "document" in payload:
        label = f"[{payload['document'].get('file_name') or 'document'}]"
    elif "sticker" in payload:
        label = f"[sticker {payload['sticker'].get('emoji', '')}]".replace(" ]", "]")
    else:
        label = ""
    parts = [html.escape(label)] if label else []
    if isinstance(text, str):
        parts.append(html.escape(text).replace("\n", "<br>"))
    return " ".join(parts)
