"""A local stand-in for api.telegram.org serving one bot, plus a Python API to play its users.

Typical use in a test::

    emu = Emulator()
    await emu.start()
    bot = telegram.Bot(emu.token, base_url=emu.base_url)
    user = emu.user(1001, first_name="Ada")
    user.send_text("/start")
    reply = await user.wait_for_message()

Every request is validated against the vendored Bot API spec; malformed requests are answered
with 400 like Telegram would (stricter in places) and recorded in ``Emulator.errors``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import math
import mimetypes
import signal
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aiohttp import web

from sandbox.chats import ChatBase, SimGroup, SimUser, text_content
from sandbox.methods import (
    MAX_DOCUMENT_BYTES,
    BotApiMethods,
    Handler,
    document_json,
    member_json,
    photo_json,
)
from sandbox.models import ApiCall, BotMessage, Button, SentFile, UserMessage
from sandbox.spec import ApiError, FilePart, MethodSpec, Spec, bad_request, load_spec
from sandbox.updates import QueuedUpdate, UpdateQueue

__all__ = [
    "ApiCall",
    "BotMessage",
    "Button",
    "ChatBase",
    "Emulator",
    "SentFile",
    "SimGroup",
    "SimUser",
    "UserMessage",
]

DEFAULT_TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"

# Methods that put a message into a chat; these count against Telegram's flood limits.
SEND_METHODS = frozenset(
    {
        "sendMessage", "sendDocument", "sendPhoto", "sendAudio", "sendVideo", "sendAnimation",
        "sendVoice", "sendVideoNote", "sendSticker", "sendLocation", "sendVenue", "sendContact",
        "sendPoll", "sendDice", "sendMediaGroup", "sendPaidMedia", "sendInvoice", "sendGame",
        "sendChecklist", "copyMessage", "copyMessages", "forwardMessage", "forwardMessages",
    }
)  # fmt: skip

_log = logging.getLogger(__name__)

_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


@dataclass(slots=True)
class _Fault:
    method: str | None
    status: int
    remaining: int
    retry_after: int | None
    chat_id: int | None
    description: str | None


@dataclass(slots=True)
class _Delay:
    method: str | None
    seconds: float
    remaining: int | None


@dataclass(slots=True)
class _CallbackRecord:
    user: SimUser
    created: float
    answered: bool = False


@dataclass(slots=True)
class _RateWindows:
    overall: deque[float] = field(default_factory=deque)
    per_chat: dict[int, deque[float]] = field(default_factory=dict)


class Emulator:
    """Telegram Bot API emulator for one bot. See the module docstring."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "kosizu_test_bot",
        bot_id: int | None = None,
        *,
        bot_first_name: str = "KoSiZu Test Bot",
        first_update_id: int = 1,
        strict_html: bool = True,
        privacy_mode: bool = True,
        enforce_rate_limits: bool = False,
        overall_rate: int = 30,
        per_chat_rate: int = 1,
        callback_timeout: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        prefix = token.split(":", 1)[0]
        self.bot_id = bot_id if bot_id is not None else (int(prefix) if prefix.isdigit() else 1)
        self.bot_first_name = bot_first_name
        self.strict_html = strict_html
        self.privacy_mode = privacy_mode
        self.enforce_rate_limits = enforce_rate_limits
        self.overall_rate = overall_rate
        self.per_chat_rate = per_chat_rate
        self.callback_timeout = callback_timeout
        self.clock = clock
        self.spec: Spec = load_spec()

        self.next_update_id = first_update_id
        self.calls: list[ApiCall] = []
        # Calls received but not yet answered, by method: a long poll or a delayed call is
        # visible here before it appears in ``calls``.
        self.in_flight: Counter[str] = Counter()
        self.errors: list[dict[str, Any]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.settings: dict[str, list[dict[str, Any]]] = {}
        self.left_chats: set[int] = set()
        self.rate_violations: dict[str, int] = {"overall": 0, "per_chat": 0}

        self._users: dict[int, SimUser] = {}
        self._chats: dict[int, ChatBase] = {}
        self.updates = UpdateQueue(self._notify)
        self._poll_generation = 0
        self._changed = asyncio.Event()
        self.version = 0  # grows with every state change (the sandbox page's live updates)
        self._closing = False
        self._faults: list[_Fault] = []
        self._delays: list[_Delay] = []
        self._files: dict[str, SentFile] = {}
        self._file_paths: dict[str, SentFile] = {}
        self._file_counter = itertools.count(1)
        self._callbacks: dict[str, _CallbackRecord] = {}
        self._callback_counter = itertools.count(4_000_000_000_000_000_001)
        self._rate = _RateWindows()
        self._last_activity = 0.0
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self._handlers: dict[str, Handler] = BotApiMethods(self).handlers

    # ================================================================== lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=MAX_DOCUMENT_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_get("/_emu/state", self._ctl_state)
        app.router.add_post("/_emu/users/{user_id}/text", self._ctl_text)
        app.router.add_post("/_emu/users/{user_id}/tap", self._ctl_tap)
        app.router.add_get("/_emu/users/{user_id}/messages", self._ctl_messages)
        self._closing = False
        # A short shutdown timeout: a call a test delayed on purpose must not hold up stop().
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.host = host
        addresses = runner.addresses
        self.port = int(addresses[0][1])

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def control_url(self) -> str:
        return f"http://{self.host}:{self.port}/_emu"

    # ================================================================== users and chats

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        started: bool = True,
    ) -> SimUser:
        """Get or create a simulated user (their private chat id equals ``user_id``)."""
        existing = self._users.get(user_id)
        if existing is not None:
            if first_name is not None:
                existing.first_name = first_name
            if language_code is not None:
                existing.language_code = language_code
            return existing
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = SimUser(
            self,
            user_id,
            first_name=first_name or f"User{user_id}",
            last_name=last_name,
            username=username,
            language_code=language_code,
            started=started,
        )
        self._users[user_id] = user
        self._chats[user_id] = user
        return user

    def group(
        self,
        chat_id: int,
        title: str | None = None,
        type: str = "supergroup",
        *,
        username: str | None = None,
    ) -> SimGroup:
        """Get or create a group/supergroup/channel. The bot is not a member until added."""
        existing = self._chats.get(chat_id)
        if isinstance(existing, SimGroup):
            return existing
        if existing is not None or chat_id >= 0:
            raise ValueError(f"{chat_id} is not usable as a group id (groups are negative)")
        group = SimGroup(
            self, chat_id, title=title or f"Group {chat_id}", type=type, username=username
        )
        self._chats[chat_id] = group
        return group

    @property
    def users(self) -> list[SimUser]:
        return list(self._users.values())

    def chat(self, chat_id: int) -> ChatBase:
        return self._chats[chat_id]

    def add_bot_to(self, group: SimGroup, by: SimUser, *, as_admin: bool = False) -> int:
        """The user adds the bot to the group; the bot gets a my_chat_member update."""
        old = group.bot_status
        new = "administrator" if as_admin or group.type == "channel" else "member"
        group.bot_status = new
        group.members.add(by.id)
        if group.owner_id is None:
            group.owner_id = by.id
        self.left_chats.discard(group.id)
        return self._my_chat_member(by, group, old, new)

    def remove_bot_from(self, group: SimGroup, by: SimUser) -> int:
        old = group.bot_status
        group.bot_status = "kicked"
        return self._my_chat_member(by, group, old, "kicked")

    # ================================================================== update queue

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by a getUpdates offset."""
        return len(self.updates)

    @property
    def queued_updates(self) -> list[dict[str, Any]]:
        return self.updates.payloads

    def inject_update(self, raw: Mapping[str, Any]) -> int:
        """Enqueue a raw update as is (its update_id may repeat or go backwards)."""
        update = dict(raw)
        update_id = update.get("update_id")
        if not isinstance(update_id, int):
            raise ValueError("update needs an integer update_id")
        kinds = [k for k in update if k != "update_id"]
        if len(kinds) != 1:
            raise ValueError(f"update must have exactly one payload field, got {kinds}")
        self.updates.push(QueuedUpdate(update_id, kinds[0], update))
        return update_id

    def _enqueue(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.push(QueuedUpdate(update_id, kind, {"update_id": update_id, kind: payload}))
        return update_id

    async def wait_confirmed(self, update_id: int, timeout: float = 5.0) -> None:
        """Wait until the bot confirmed (via getUpdates offset) the update last queued with
        this id. Confirmation happens when PTB fetches the next batch, not after handling."""
        entry = self.updates.last_with_id(update_id)
        if entry is None:
            raise KeyError(f"no update {update_id} was queued")
        target = entry
        await self.wait_until(lambda: target.confirmed, timeout)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` is true; it is re-checked on every emulator state change."""
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(f"condition not met within {timeout}s") from None

    async def wait_idle(self, quiet: float = 0.2, timeout: float = 10.0) -> None:
        """Wait until no update is pending and no API call (besides getUpdates) arrived for
        ``quiet`` seconds, i.e. the bot finished reacting."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            idle_for = time.monotonic() - self._last_activity
            if idle_for >= quiet and not self.updates:
                return
            if loop.time() > deadline:
                raise TimeoutError(f"bot not idle within {timeout}s")
            await asyncio.sleep(max(quiet - idle_for, 0.01))

    def file(self, file_id: str) -> SentFile | None:
        """A file the bot or a user sent, by its file_id."""
        return self._files.get(file_id)

    def touch(self) -> None:
        """Tell everyone waiting for a change that something outside the emulator changed."""
        self._notify()

    def _notify(self) -> None:
        # Broadcast: wake every waiter, then give later waiters a fresh event.
        self.version += 1
        event = self._changed
        self._changed = asyncio.Event()
        event.set()

    async def _poll(
        self, *, offset: int | None, limit: int, wait: int, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        """getUpdates: confirm by offset, then long-poll up to ``wait`` seconds."""
        self._poll_generation += 1
        generation = self._poll_generation
        # Wakes an older poller, which then answers 409 like Telegram.
        self._notify()
        if allowed is not None:
            self.updates.set_allowed(allowed)
        if offset:
            self.updates.confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            if self._poll_generation != generation:
                raise ApiError(409, _CONFLICT)
            batch = self.updates.take(limit)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                return [e.payload for e in batch]
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._changed.wait()

    # ================================================================== fault injection

    def fail(
        self,
        method: str | None,
        status: int,
        *,
        count: int = 1,
        retry_after: int | None = None,
        chat_id: int | None = None,
        description: str | None = None,
    ) -> None:
        """Make the next ``count`` matching calls (``method=None``: any) fail with ``status``."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self._faults.append(
            _Fault(
                method.lower() if method else None, status, count, retry_after, chat_id, description
            )
        )

    def delay(self, method: str | None, seconds: float, count: int | None = None) -> None:
        """Answer matching calls ``seconds`` late (``count=None``: until cleared)."""
        self._delays.append(_Delay(method.lower() if method else None, seconds, count))

    def clear_faults(self) -> None:
        self._faults.clear()
        self._delays.clear()

    def _injected_fault(self, method: str, chat_id: int | None) -> ApiError | None:
        lowered = method.lower()
        for fault in self._faults:
            if fault.method not in (None, lowered):
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            return ApiError(
                fault.status,
                fault.description or _default_description(fault.status, fault.retry_after),
                retry_after=fault.retry_after if fault.status == 429 else None,
            )
        return None

    def _injected_delay(self, method: str) -> float:
        lowered = method.lower()
        for d in self._delays:
            if d.method not in (None, lowered):
                continue
            if d.remaining is not None:
                d.remaining -= 1
                if d.remaining <= 0:
                    self._delays.remove(d)
            return d.seconds
        return 0.0

    def _rate_check(self, chat_id: int | None) -> int | None:
        """Account one sent message; return retry_after if it must be refused."""
        now = time.monotonic()
        horizon = now - 1.0
        overall = self._rate.overall
        while overall and overall[0] <= horizon:
            overall.popleft()
        per_chat: deque[float] | None = None
        if chat_id is not None:
            per_chat = self._rate.per_chat.setdefault(chat_id, deque())
            while per_chat and per_chat[0] <= horizon:
                per_chat.popleft()
        retry_at = 0.0
        if len(overall) >= self.overall_rate:
            self.rate_violations["overall"] += 1
            retry_at = max(retry_at, overall[0] + 1.0)
        if per_chat is not None and len(per_chat) >= self.per_chat_rate:
            self.rate_violations["per_chat"] += 1
            retry_at = max(retry_at, per_chat[0] + 1.0)
        if retry_at and self.enforce_rate_limits:
            return max(1, math.ceil(retry_at - now))
        overall.append(now)
        if per_chat is not None:
            per_chat.append(now)
        return None

    # ================================================================== HTTP: Bot API

    async def _handle_api(self, request: web.Request) -> web.Response:
        method_name = request.match_info["method"]
        self.in_flight[method_name] += 1
        try:
            return await self._answer_api(request, method_name)
        finally:
            self.in_flight[method_name] -= 1

    async def _answer_api(self, request: web.Request, method_name: str) -> web.Response:
        started = time.monotonic()
        params: dict[str, Any] = {}
        chat_id: int | None = None
        mspec: MethodSpec | None = None
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized", validation=True)
            mspec = self.spec.methods_lower.get(method_name.lower())
            if mspec is None:
                raise ApiError(404, "Not Found", validation=True)
            method_name = mspec.name
            params = await self._read_params(request, mspec)
            self.spec.validate_params(mspec, params)
            formatted = self.spec.check_semantics(mspec, params, strict_html=self.strict_html)
            chat_id = self._chat_id_of(params)
            fault = self._injected_fault(mspec.name, chat_id)
            if fault is not None:
                raise fault
            if mspec.name in SEND_METHODS:
                retry_after = self._rate_check(chat_id)
                if retry_after is not None:
                    raise ApiError(
                        429,
                        f"Too Many Requests: retry after {retry_after}",
                        retry_after=retry_after,
                    )
            pause = self._injected_delay(mspec.name)
            if pause > 0:
                await asyncio.sleep(pause)
            handler = self._handlers.get(mspec.name)
            if handler is None:
                raise bad_request(f"method {mspec.name} is not implemented by the emulator")
            result = await handler(params, formatted)
            status = 200
            body: dict[str, Any] = {"ok": True, "result": result}
            description = None
        except ApiError as exc:
            status = exc.status
            body = exc.payload()
            description = exc.description
            if exc.validation:
                self.errors.append(
                    {"method": method_name, "description": exc.description, "params": params}
                )
        except ConnectionResetError:
            # The client gave up mid-request (a bot shutting down cancels its long poll):
            # nobody is left to answer, and it is nobody's bug.
            raise
        except Exception as exc:
            # An emulator bug must fail the test that hit it, not look like a Telegram outage.
            _log.exception("emulator failed to handle %s", method_name)
            status = 500
            description = f"Internal Server Error: emulator bug: {exc!r}"
            body = {"ok": False, "error_code": 500, "description": description}
            self.errors.append(
                {"method": method_name, "description": description, "params": params}
            )
        if method_name != "getUpdates":
            self._last_activity = time.monotonic()
        self.calls.append(
            ApiCall(
                method=method_name,
                params=params,
                status=status,
                time=started,
                chat_id=chat_id,
                description=description,
                duration=time.monotonic() - started,
            )
        )
        return web.Response(
            body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            status=status,
            content_type="application/json",
        )

    async def _read_params(self, request: web.Request, mspec: MethodSpec) -> dict[str, Any]:
        fields: dict[str, str] = dict(request.query)
        files: dict[str, FilePart] = {}
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad_request("can't parse JSON request body") from None
                if not isinstance(body, dict):
                    raise bad_request("JSON request body must be an object")
                if fields:
                    merged = self.spec.decode_form(mspec, fields, {})
                    merged.update(self.spec.decode_json(mspec, body))
                    return merged
                return self.spec.decode_json(mspec, body)
            if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
                form = await request.post()
                for name, value in form.items():
                    if isinstance(value, web.FileField):
                        files[name] = FilePart(
                            name, value.filename, value.file.read(), value.content_type
                        )
                    elif isinstance(value, str):
                        fields[name] = value
                    else:
                        fields[name] = bytes(value).decode("utf-8")
            else:
                raw = await request.read()
                if raw.strip():
                    raise bad_request(f"unsupported content type {ctype}")
        elif request.method not in ("GET", "POST"):
            raise ApiError(405, "Method Not Allowed", validation=True)
        return self.spec.decode_form(mspec, fields, files)

    def _chat_id_of(self, params: Mapping[str, Any]) -> int | None:
        raw = params.get("chat_id")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str):
            chat = self._chat_by_username(raw)
            return chat.id if chat else None
        return None

    def _chat_by_username(self, raw: str) -> ChatBase | None:
        if raw.startswith("@"):
            name = raw[1:].lower()
            for chat in self._chats.values():
                if chat.username and chat.username.lower() == name:
                    return chat
            return None
        with contextlib.suppress(ValueError):
            return self._chats.get(int(raw))
        return None

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        file = self._file_paths.get(request.match_info["path"])
        if file is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        return web.Response(
            body=file.content, content_type=file.mime_type or "application/octet-stream"
        )

    # ================================================================== HTTP: control API

    def _ctl_user(self, request: web.Request) -> SimUser:
        try:
            user_id = int(request.match_info["user_id"])
        except ValueError:
            raise web.HTTPBadRequest(text="user id must be an integer") from None
        return self.user(user_id)

    async def _ctl_state(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "bot": self._bot_user(full=False),
                "users": sorted(self._users),
                "groups": sorted(c for c in self._chats if c < 0),
                "pending_updates": self.pending_updates,
                "calls": len(self.calls),
                "errors": self.errors[-20:],
                "rate_violations": self.rate_violations,
            },
            dumps=_dumps_lenient,
        )

    @staticmethod
    async def _ctl_body(request: web.Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="body must be JSON") from None

    async def _ctl_text(self, request: web.Request) -> web.Response:
        user = self._ctl_user(request)
        body = await self._ctl_body(request)
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text:
            return web.json_response({"error": "text required"}, status=400)
        return web.json_response({"update_id": user.send_text(text)})

    async def _ctl_tap(self, request: web.Request) -> web.Response:
        user = self._ctl_user(request)
        body = await self._ctl_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("message_id"), int):
            return web.json_response({"error": "message_id required"}, status=400)
        try:
            if isinstance(body.get("label"), str):
                update_id = user.tap(user.message(body["message_id"]), body["label"])
            elif isinstance(body.get("data"), str):
                update_id = user.tap_data(body["message_id"], body["data"])
            else:
                return web.json_response({"error": "label or data required"}, status=400)
        except LookupError as exc:
            return web.json_response({"error": str(exc)}, status=404)
        return web.json_response({"update_id": update_id})

    async def _ctl_messages(self, request: web.Request) -> web.Response:
        user = self._ctl_user(request)
        return web.json_response([m.to_json() for m in user.all_messages])

    # ================================================================== object builders

    def now(self) -> int:
        return int(self.clock())

    def _bot_user(self, *, full: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }
        if full:
            d.update(
                can_join_groups=True,
                can_read_all_group_messages=not self.privacy_mode,
                supports_inline_queries=False,
                can_connect_to_business=False,
                has_main_web_app=False,
            )
            # Whatever else the spec demands of getMe's User gets a neutral default.
            for name, spec in self.spec.types["User"].fields.items():
                if spec.required and name not in d:
                    d[name] = _neutral(spec.types[0])
        return d

    def _message_json(self, msg: BotMessage, *, with_reply: bool = True) -> dict[str, Any]:
        chat = self._chats[msg.chat_id]
        d: dict[str, Any] = {"message_id": msg.message_id}
        if chat.type == "channel":
            d["sender_chat"] = chat.chat_dict()
        else:
            d["from"] = self._bot_user(full=False)
        d["date"] = msg.date
        d["chat"] = chat.chat_dict()
        if with_reply and msg.reply_to_message_id is not None:
            replied = chat.get(msg.reply_to_message_id)
            if isinstance(replied, BotMessage):
                d["reply_to_message"] = self._message_json(replied, with_reply=False)
            elif isinstance(replied, UserMessage):
                inner = dict(replied.payload)
                inner.pop("reply_to_message", None)
                d["reply_to_message"] = inner
        if msg.edit_date is not None:
            d["edit_date"] = msg.edit_date
        if msg.protect_content:
            d["has_protected_content"] = True
        if msg.plain_text is not None:
            d["text"] = msg.plain_text
            if msg.entities:
                d["entities"] = msg.entities
        if msg.document is not None:
            d["document"] = document_json(msg.document)
        if msg.photo is not None:
            d["photo"] = photo_json(msg.photo)
        if msg.sticker is not None:
            d["sticker"] = msg.sticker
        if msg.location is not None:
            d["location"] = msg.location
        if msg.caption_plain:
            d["caption"] = msg.caption_plain
            if msg.caption_entities:
                d["caption_entities"] = msg.caption_entities
        if msg.reply_markup is not None:
            d["reply_markup"] = msg.reply_markup
        return d

    def _register_file(self, file: SentFile) -> SentFile:
        n = next(self._file_counter)
        file.file_unique_id = f"AgAD{n:08d}"
        file.file_id = f"BQACAgIAAx{file.kind[:3]}{n:08d}{self.bot_id}"
        self._files[file.file_id] = file
        return file

    @staticmethod
    def _guess_mime(filename: str | None) -> str:
        guessed = mimetypes.guess_type(filename or "")[0]
        return guessed or "application/octet-stream"

    # ================================================================== updates from users

    def _user_message(
        self,
        user: SimUser,
        chat: ChatBase,
        content: dict[str, Any],
        files: dict[str, SentFile],
        reply_to: int | None,
    ) -> int | None:
        mid = chat._alloc_message_id()
        payload: dict[str, Any] = {"message_id": mid}
        if chat.type == "channel":
            payload["sender_chat"] = chat.chat_dict()
        else:
            payload["from"] = user.user_dict()
        payload["chat"] = chat.chat_dict()
        payload["date"] = self.now()
        replied: BotMessage | UserMessage | None = None
        if reply_to is not None:
            replied = chat.get(reply_to)
            if isinstance(replied, BotMessage):
                payload["reply_to_message"] = self._message_json(replied, with_reply=False)
            elif isinstance(replied, UserMessage):
                inner = dict(replied.payload)
                inner.pop("reply_to_message", None)
                payload["reply_to_message"] = inner
        payload.update(content)
        record = UserMessage(mid, chat.id, user.id, payload, dict(files))
        user.sent.append(record)
        chat._add_user_message(record)
        if isinstance(chat, SimGroup):
            chat.members.add(user.id)
            if not chat.bot_is_member:
                return None
            if not self._group_sees(chat, content, replied):
                return None
        kind = "channel_post" if chat.type == "channel" else "message"
        return self._enqueue(kind, payload)

    def _group_sees(
        self, group: SimGroup, content: Mapping[str, Any], replied: BotMessage | UserMessage | None
    ) -> bool:
        """Privacy mode: in groups the bot only sees commands, replies to it and mentions."""
        if not self.privacy_mode or group.bot_status == "administrator":
            return True
        if group.type == "channel" or isinstance(replied, BotMessage):
            return True
        text = content.get("text") or content.get("caption") or ""
        if not isinstance(text, str):
            return False
        if f"@{self.bot_username}".lower() in text.lower():
            return True
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            target = command.partition("@")[2]
            return not target or target.lower() == self.bot_username.lower()
        return False

    def _user_edit(self, user: SimUser, chat: ChatBase, message_id: int, text: str) -> int:
        msg = chat.get(message_id)
        if not isinstance(msg, UserMessage) or msg.from_id != user.id:
            raise LookupError(f"user {user.id} has no message {message_id} in chat {chat.id}")
        if "text" not in msg.payload:
            raise LookupError(f"message {message_id} has no text to edit")
        payload = dict(msg.payload)
        payload.pop("entities", None)
        payload.update(text_content(text))
        payload["edit_date"] = self.now()
        msg.payload = payload
        kind = "edited_channel_post" if chat.type == "channel" else "edited_message"
        return self._enqueue(kind, payload)

    def _callback_query(self, user: SimUser, chat: ChatBase, message_id: int, data: str) -> int:
        query_id = str(next(self._callback_counter))
        self._callbacks[query_id] = _CallbackRecord(user, time.monotonic())
        msg = chat.get(message_id)
        message: dict[str, Any]
        if isinstance(msg, BotMessage) and not msg.deleted:
            message = self._message_json(msg)
        else:
            message = {"chat": chat.chat_dict(), "message_id": message_id, "date": 0}
        payload = {
            "id": query_id,
            "from": user.user_dict(),
            "message": message,
            "chat_instance": str(abs(hash((self.bot_id, chat.id))) % 10**18),
            "data": data,
        }
        return self._enqueue("callback_query", payload)

    def _my_chat_member(self, actor: SimUser, chat: ChatBase, old: str, new: str) -> int:
        bot = self._bot_user(full=False)
        payload = {
            "chat": chat.chat_dict(),
            "from": actor.user_dict(),
            "date": self.now(),
            "old_chat_member": member_json(bot, old),
            "new_chat_member": member_json(bot, new),
        }
        return self._enqueue("my_chat_member", payload)


# ====================================================================== helpers


def _default_description(status: int, retry_after: int | None) -> str:
    if status == 429:
        return f"Too Many Requests: retry after {retry_after}"
    if status == 403:
        return "Forbidden: bot was blocked by the user"
    if status == 400:
        return "Bad Request: injected failure"
    if status == 401:
        return "Unauthorized"
    if status == 409:
        return _CONFLICT
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


def _neutral(type_name: str) -> Any:
    return {"Integer": 0, "Float": 0.0, "String": "", "Boolean": False, "True": True}.get(
        type_name, {}
    )


def _dumps_lenient(value: Any) -> str:
    return json.dumps(value, default=repr)


# ====================================================================== CLI


async def _serve(args: argparse.Namespace) -> None:
    emu = Emulator(token=args.token, bot_username=args.bot_username)
    await emu.start(host=args.host, port=args.port)
    print(f"Telegram Bot API emulator listening: base_url={emu.base_url}", flush=True)
    print(f"token={emu.token}  control API: {emu.control_url}", flush=True)
    # Handlers of our own: a process started in the background by a non-interactive shell
    # inherits SIGINT ignored, and Python then never raises KeyboardInterrupt.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await emu.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the local Telegram Bot API emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="kosizu_test_bot")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
