"""The ``kosizu`` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path

from telegram import Bot
from telegram.error import InvalidToken, NetworkError

from bot import logs
from bot.clock import SystemClock
from bot.config import LANGUAGES, Config, ConfigError
from bot.i18n import CatalogError
from bot.privacy import PrivacyNoticeError
from bot.runner import serve
from storage.db import Database
from storage.invites import InviteError, InviteRepository
from storage.members import MemberRepository
from storage.organisations import OrganisationError, OrganisationRepository
from storage.questionnaires import QuestionnaireError, QuestionnaireRepository, parse
from storage.vocabulary import ORGANISATION_TYPES, REGIONS, ROLES

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
    sandbox = commands.add_parser(
        "sandbox",
        help="try the bot without a token: a local imitation of Telegram and a chat page",
    )
    sandbox.add_argument("--port", type=int, default=8080, help="the page's port (127.0.0.1)")
    sandbox.add_argument(
        "--name", help="keep this sandbox's database between runs (default: fresh each start)"
    )
    sandbox.add_argument(
        "--ignore-token", action="store_true", help="start even if KOSIZU_BOT_TOKEN is set"
    )
    backup = commands.add_parser("backup", help="copy the live database to PATH")
    backup.add_argument("path", type=Path)
    staff = commands.add_parser(
        "add-staff", help="make a Telegram user an active staff member (the first one, say)"
    )
    staff.add_argument("telegram_user_id", type=int)
    org = commands.add_parser("org", help="manage organisations")
    org_commands = org.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    org_add = org_commands.add_parser("add", help="add an organisation")
    org_add.add_argument("--name", required=True)
    org_add.add_argument("--type", required=True, choices=ORGANISATION_TYPES)
    org_add.add_argument("--state", required=True, choices=REGIONS, help="Bundesland, or DE")
    org_edit = org_commands.add_parser("edit", help="change an organisation's name, type or state")
    org_edit.add_argument("id", type=int, help="organisation id (see 'kosizu org list')")
    org_edit.add_argument("--name")
    org_edit.add_argument("--type", choices=ORGANISATION_TYPES)
    org_edit.add_argument(
        "--bundesland", "--state", dest="bundesland", choices=REGIONS, help="Bundesland, or DE"
    )
    org_commands.add_parser("list", help="list organisations")
    invite = commands.add_parser("invite", help="create an invitation link (needs the token)")
    invite.add_argument("--role", required=True, choices=ROLES)
    invite.add_argument("--org", type=int, help="organisation id (see 'kosizu org list')")
    invite.add_argument("--days", type=int, default=7, help="valid for (default 7)")
    invite.add_argument(
        "--uses", type=int, default=1, help="how many people may join with it (community only)"
    )
    questionnaire = commands.add_parser(
        "questionnaire", help="manage the quarterly check-in questionnaire"
    )
    questionnaire_commands = questionnaire.add_subparsers(
        dest="questionnaire_command", required=True, metavar="ACTION"
    )
    questionnaire_import = questionnaire_commands.add_parser(
        "import", help="check a questionnaire file and store it as the new version"
    )
    source = questionnaire_import.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", type=Path, help="the questionnaire (TOML)")
    source.add_argument(
        "--default", action="store_true", help="import the questionnaire shipped with the bot"
    )
    questionnaire_commands.add_parser("show", help="show the current questionnaire version")
    return parser


async def _run(config: Config) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    with _telegram_errors(config):
        await serve(config, stop)


@contextlib.contextmanager
def _telegram_errors(config: Config) -> Iterator[None]:
    """Turn Telegram refusing or not answering into one sentence for the operator."""
    try:
        yield
    except InvalidToken:
        raise CommandError(
            "Telegram rejected KOSIZU_BOT_TOKEN; check the token with @BotFather."
        ) from None
    except NetworkError as exc:
        raise CommandError(
            f"The Telegram Bot API at {config.api_base_url} could not be reached ({exc.message})."
        ) from None


async def _sandbox(args: argparse.Namespace) -> None:
    # Imported here: a production server's commands need neither the emulator nor the demo.
    from sandbox import launch

    options = launch.Options(port=args.port, name=args.name, ignore_token=args.ignore_token)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    def banner(sandbox: launch.Sandbox) -> None:
        kept = "kept between runs" if args.name else "made fresh at every start; --name keeps one"
        print(
            "\nKoSiZu sandbox: the bot runs against a local imitation of Telegram; nothing"
            " reaches Telegram.\n"
            f"Open {sandbox.page.url} in your browser and pick a persona.\n"
            "Every person, organisation and event in it is fictional.\n"
            f"Database: {sandbox.db_path} ({kept}). Stop with Ctrl-C.\n",
            flush=True,
        )

    try:
        await launch.run(os.environ, options, stop, on_ready=banner)
    except launch.SandboxError as exc:
        raise CommandError(str(exc)) from None


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


async def _add_staff(config: Config, telegram_user_id: int) -> None:
    if telegram_user_id <= 0:
        raise CommandError("A Telegram user id is a positive number (ask the person for it).")
    db = await Database.open(config.db_path)
    try:
        member, changed = await MemberRepository(db).make_staff(
            telegram_user_id, SystemClock().now()
        )
    finally:
        await db.close()
    if changed:
        print(f"Telegram user {telegram_user_id} is now active staff (member {member.id}).")
    else:
        print(f"Telegram user {telegram_user_id} was already active staff (member {member.id}).")


async def _org(config: Config, args: argparse.Namespace) -> None:
    db = await Database.open(config.db_path)
    try:
        repo = OrganisationRepository(db)
        if args.org_command == "add":
            try:
                org = await repo.add(
                    args.name, args.type, args.state, SystemClock().now(), actor_id=None
                )
            except OrganisationError as exc:
                raise CommandError(f"The organisation was not added: {exc}.") from None
            print(f"Added organisation {org.id}: {org.name} ({org.type}, {org.bundesland}).")
        elif args.org_command == "edit":
            if args.name is None and args.type is None and args.bundesland is None:
                raise CommandError("Nothing to change: give --name, --type or --bundesland.")
            if not 0 < args.id < 2**63:  # beyond SQLite's integers: surely no organisation
                raise CommandError(
                    f"The organisation was not changed: there is no organisation {args.id}."
                )
            try:
                org, changed = await repo.edit(
                    args.id,
                    SystemClock().now(),
                    actor_id=None,
                    name=args.name,
                    type_=args.type,
                    bundesland=args.bundesland,
                )
            except OrganisationError as exc:
                raise CommandError(f"The organisation was not changed: {exc}.") from None
            values = f"{org.name} ({org.type}, {org.bundesland})"
            if changed:
                print(f"Changed organisation {org.id} ({', '.join(changed)}): {values}.")
            else:
                print(f"Organisation {org.id} is already {values}; nothing changed.")
        else:
            for org in await repo.all():
                print(f"{org.id}\t{org.bundesland}\t{org.type}\t{org.name}")
    finally:
        await db.close()


async def _invite(config: Config, args: argparse.Namespace) -> None:
    # The link names the bot, so ask Telegram who we are before anything is stored.
    with _telegram_errors(config):
        async with Bot(config.token, base_url=config.api_base_url) as bot:
            username = bot.username
    db = await Database.open(config.db_path)
    try:
        invite, code = await InviteRepository(db).create(
            args.role, args.org, args.days, args.uses, SystemClock().now(), created_by=None
        )
    except InviteError as exc:
        raise CommandError(f"No invitation was created: {exc}.") from None
    finally:
        await db.close()
    print(
        f"Invitation {invite.id} ({invite.role}, {invite.max_uses} use(s), valid until "
        f"{invite.expires_at:%Y-%m-%d %H:%M} UTC). Send this link to the person, privately:"
    )
    print(f"https://t.me/{username}?start={code}")


def _questions(count: int) -> str:
    return f"{count} question{'' if count == 1 else 's'}"


def _read_questionnaire(args: argparse.Namespace) -> tuple[str, str]:
    """The file's name as the operator knows it, and its text."""
    if args.default:
        shipped = resources.files("bot") / "questionnaires" / "default.toml"
        return "default.toml", shipped.read_text("utf-8")
    path: Path = args.file
    try:
        return str(path), path.read_text("utf-8")
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text; save it as UTF-8.") from None
    except OSError as exc:
        raise CommandError(f"{path} cannot be read ({exc.strerror}).") from None


async def _questionnaire(config: Config, args: argparse.Namespace) -> None:
    if args.questionnaire_command == "import":
        name, source = _read_questionnaire(args)
        try:
            questionnaire = parse(source, config.default_language)
        except QuestionnaireError as exc:
            count = len(exc.problems)
            lines = "\n".join(
                f"{name}:{p.line}: {p.message}" if p.line else f"{name}: {p.message}"
                for p in exc.problems
            )
            raise CommandError(
                f"{name} has {count} mistake{'s' if count > 1 else ''}; "
                f"no questionnaire version was stored.\n{lines}"
            ) from None
    db = await Database.open(config.db_path)
    try:
        repo = QuestionnaireRepository(db)
        if args.questionnaire_command == "import":
            version, stored = await repo.store(
                questionnaire, source, SystemClock().now(), actor_id=None
            )
            if stored:
                print(
                    f"Stored questionnaire version {version.number}: {version.title} "
                    f"({_questions(len(version.questions))})."
                )
            else:
                print(
                    f"{name} is the same as the current questionnaire version "
                    f"{version.number}; no new version was stored."
                )
            return
        current = await repo.current()
    finally:
        await db.close()
    if current is None:
        raise CommandError(
            "No questionnaire has been imported yet; "
            "install the default with 'kosizu questionnaire import --default'."
        )
    print(f"Questionnaire version {current.number}: {current.title}")
    print(
        f"Imported {current.imported_at:%Y-%m-%d %H:%M} UTC, {_questions(len(current.questions))}:"
    )
    for position, q in enumerate(current.questions, start=1):
        required = "required" if q.required else "optional"
        languages = ", ".join(sorted(q.texts, key=LANGUAGES.index))
        print(f"{position:>3}. {q.key} ({q.type}, {required}; {languages})")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = Config.from_env(os.environ, require_token=args.command in ("run", "invite"))
        logs.configure(config.log_level)
        if args.command == "run":
            asyncio.run(_run(config))
        elif args.command == "sandbox":
            asyncio.run(_sandbox(args))
        elif args.command == "backup":
            _backup(config, args.path)
        elif args.command == "add-staff":
            asyncio.run(_add_staff(config, args.telegram_user_id))
        elif args.command == "org":
            asyncio.run(_org(config, args))
        elif args.command == "invite":
            asyncio.run(_invite(config, args))
        elif args.command == "questionnaire":
            asyncio.run(_questionnaire(config, args))
    except (ConfigError, CatalogError, PrivacyNoticeError, CommandError) as exc:
        print(f"kosizu: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
