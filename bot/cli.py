"""The ``kosizu`` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from telegram.error import InvalidToken, NetworkError

from bot import logs
from bot.config import Config, ConfigError
from bot.i18n import CatalogError
from bot.runner import serve
from storage.db import Database

log = logging.getLogger("kosizu")


class CommandError(Exception):
    """Stops the command with one sentence for the operator and a non-zero exit."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kosizu",
        description="Telegram bot of the Cooperation Network - Living Together Safely.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="run the bot (long polling) until SIGTERM or Ctrl-C")
    backup = commands.add_parser("backup", help="copy the live database to PATH")
    backup.add_argument("path", type=Path)
    return parser


async def _run(config: Config) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await serve(config, stop)
    except InvalidToken:
        raise CommandError(
            "Telegram rejected KOSIZU_BOT_TOKEN; check the token with @BotFather."
        ) from None
    except NetworkError as exc:
        raise CommandError(
            f"The Telegram Bot API at {config.api_base_url} could not be reached ({exc.message})."
        ) from None


def _backup(config: Config, target: Path) -> None:
    if not Path(config.db_path).exists():
        raise CommandError(f"There is no database at {config.db_path} to back up.")
    if target.exists():
        raise CommandError(f"{target} already exists; choose a new file for the backup.")

    async def copy() -> None:
        db = await Database.open(config.db_path, migrate=False)
        try:
            await db.backup(target)
        finally:
            await db.close()

    asyncio.run(copy())
    print(f"Backed up {config.db_path} to {target}.")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = Config.from_env(os.environ, require_token=args.command == "run")
        logs.configure(config.log_level)
        if args.command == "run":
            asyncio.run(_run(config))
        elif args.command == "backup":
            _backup(config, args.path)
    except (ConfigError, CatalogError, CommandError) as exc:
        print(f"kosizu: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
