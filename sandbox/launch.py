"""``kosizu sandbox``: the real bot against the local Telegram emulator, with demo data and the
chat page, on this computer only.

The bot runs exactly as in production (``bot.runner.serve``); only its API address (the
emulator's), its token (a made-up one the emulator accepts) and its clock (which the page can
move ahead) differ. No request can reach Telegram: the bot has no real token and no other
address.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.runner import Running, serve
from bot.scheduling import RETENTION_KIND
from handlers import (
    broadcast_jobs,
    checkin_jobs,
    contact_followup,
    contact_jobs,
    contact_relay,
    reconfirmation,
)
from handlers import events as event_jobs
from handlers.event_reminders import REMINDER_OFFSETS
from sandbox.clock import SandboxClock
from sandbox.demo import SeedRefused, can_default_to, seed
from sandbox.emulator import Emulator
from sandbox.page import Persona, SandboxPage
from storage.agenda import next_moment

log = logging.getLogger(__name__)

TOKEN = "123456789:SANDBOX-not-a-real-token-abcdefghijk"
BOT_ID = 123456789
BOT_USERNAME = "kosizu_sandbox_bot"
DATA_DIR = Path("data/sandbox")
DEFAULT_NAME = "sandbox"
# Jobs that only look for work every few minutes: "Next scheduled" jumps past them to what
# they will find (a reminder, a round's step, a scheduled broadcast). The nightly clean-up and
# the daily reconfirmation check show nothing on their own.
HOUSEKEEPING = (
    broadcast_jobs.KIND,
    checkin_jobs.KIND,
    contact_followup.KIND,
    contact_jobs.KIND,
    contact_relay.KIND,
    event_jobs.KIND,
    reconfirmation.KIND,
    RETENTION_KIND,
)


class SandboxError(Exception):
    """The sandbox cannot start; the message is one sentence for the person starting it."""


@dataclass(frozen=True)
class Options:
    port: int = 8080
    name: str | None = None  # a named database is kept between runs; the default one is fresh
    data_dir: Path = DATA_DIR
    ignore_token: bool = False


@dataclass
class Sandbox:
    """What is running, for tests and the banner."""

    emulator: Emulator
    page: SandboxPage
    running: Running
    clock: SandboxClock
    db_path: Path


def refuse_real_token(env: Mapping[str, str], options: Options) -> None:
    if env.get("KOSIZU_BOT_TOKEN", "").strip() and not options.ignore_token:
        raise SandboxError(
            "KOSIZU_BOT_TOKEN is set, which looks like a real bot: the sandbox never uses it. "
            "Unset it, or start the sandbox with --ignore-token."
        )


async def run(
    env: Mapping[str, str],
    options: Options,
    stop: asyncio.Event,
    *,
    on_ready: Callable[[Sandbox], None] | None = None,
) -> None:
    """Start everything, call ``on_ready``, and run until ``stop`` is set."""
    refuse_real_token(env, options)
    clock = SandboxClock()
    db_path = options.data_dir / f"{options.name or DEFAULT_NAME}.sqlite3"
    emulator = Emulator(
        token=TOKEN, bot_username=BOT_USERNAME, bot_id=BOT_ID, clock=clock.unix, strict_html=False
    )
    await emulator.start()
    try:
        config = Config.from_env(
            {
                **{k: v for k, v in env.items() if k.startswith("KOSIZU_")},
                "KOSIZU_BOT_TOKEN": TOKEN,
                "KOSIZU_API_BASE_URL": emulator.base_url,
                "KOSIZU_DB": str(db_path),
            }
        )
        if options.name is None:
            for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
                path.unlink(missing_ok=True)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        if not can_default_to(config.default_language):
            raise SandboxError(
                "The demo's events have texts in German and English only: leave "
                "KOSIZU_DEFAULT_LANGUAGE unset (or de or en) for the sandbox."
            )
        try:
            # A named sandbox that holds the demo already is left as it is.
            cast = await seed(
                db_path, clock.now(), timezone=config.timezone,
                default_language=config.default_language,
            )  # fmt: skip
        except SeedRefused:
            raise SandboxError(
                f"{db_path} holds data that is not the demo; choose another --name."
            ) from None
        personas = [
            Persona(p.telegram_user_id, f"{p.first_name} {p.last_name}", p.description,
                    p.language_code)
            for p in cast
        ]  # fmt: skip
        page: SandboxPage | None = None

        def ready(running: Running) -> None:
            nonlocal page

            async def upcoming(after: datetime) -> datetime | None:
                return await next_moment(running.services.db, after, HOUSEKEEPING, REMINDER_OFFSETS)

            page = SandboxPage(emulator, clock, personas, config.timezone, upcoming)
            started.set_result(running)

        started: asyncio.Future[Running] = asyncio.get_running_loop().create_future()
        bot = asyncio.create_task(serve(config, stop, clock=clock, on_ready=ready))
        try:
            first: set[asyncio.Future[Any]] = {bot, started}
            await asyncio.wait(first, return_when=asyncio.FIRST_COMPLETED)
            if bot.done():
                await bot  # it failed before it was ready: raise why
                return
            assert page is not None
            try:
                await page.start(options.port)
            except OSError as exc:
                raise SandboxError(
                    f"The sandbox page could not listen on 127.0.0.1:{options.port} "
                    f"({exc.strerror}); choose another port with --port."
                ) from None
            try:
                if on_ready is not None:
                    on_ready(Sandbox(emulator, page, started.result(), clock, db_path))
                await bot
            finally:
                await page.stop()
        finally:
            stop.set()
            await asyncio.gather(bot, return_exceptions=True)
    finally:
        await emulator.stop()
