"""Configuration from environment variables (the README's table lists each one)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from bot.checkin_calendar import DEFAULT_CRON as DEFAULT_CHECKIN_CRON
from bot.delivery import DEFAULT_RATE, TELEGRAM_RATE
from bot.recurrence import Cron, RecurrenceError

LANGUAGES = ("de", "en", "fr", "tr", "ar")
TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DB = "data/kosizu.sqlite3"

# BotFather tokens: the bot's numeric id, a colon, then 35 URL-safe characters. We accept
# 30+ so test tokens stay short, but never whitespace, quotes or a second colon.
_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")
# The Bundesländer as the holidays package codes them (its German subdivisions also hold a
# city, Augsburg, which is no Bundesland).
BUNDESLAENDER = tuple(
    sorted(
        code
        for code in holidays.country_holidays("DE").subdivisions
        if len(code) == 2 and code.isupper()
    )
)


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message is one sentence for a human."""


@dataclass(frozen=True)
class Config:
    token: str
    db_path: str
    api_base_url: str
    timezone: ZoneInfo
    default_language: str
    log_level: int
    # The privacy notice's folder (VERSION and <lang>.html); None: the template shipped in privacy/.
    privacy_dir: str | None = None
    # Contact requests: a silent candidate is reminded after this many hours, and the next
    # one is asked after that many (handlers/contact_jobs.py).
    contact_remind_hours: int = 48
    contact_pass_hours: int = 72
    # Contact requests' retention (the daily retention job): the message goes this many days
    # after the request closed, the rest of the row (kept for the statistics) after that many.
    contact_message_days: int = 90
    contact_retention_days: int = 730
    # After an introduction: how long the bot relays between two members when one shares
    # nothing reachable, and when both are asked whether they got in touch
    # (handlers/contact_relay.py, handlers/contact_followup.py).
    contact_relay_days: int = 14
    contact_followup_days: int = 14
    # Check-in rounds (bot/checkin_calendar.py): when they open (moved off weekends and
    # German public holidays; the region adds one Bundesland's), and how many days after a
    # round closed its answers, prompts and follow-up marks are deleted.
    checkin_cron: str = DEFAULT_CHECKIN_CRON
    holiday_region: str | None = None
    checkin_retention_days: int = 1826
    # Four-eyes: a broadcast is sent only after a second staff member approved it.
    broadcast_approval: bool = False
    # Messages per second the outbox sender sends (broadcasts, reminders, notices), below
    # Telegram's 30 so direct replies to members always find room.
    outbox_rate: int = DEFAULT_RATE

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, require_token: bool = True) -> Config:
        token = env.get("KOSIZU_BOT_TOKEN", "").strip()
        if require_token:
            if not token:
                raise ConfigError(
                    "KOSIZU_BOT_TOKEN is not set: create a bot with @BotFather and export "
                    "its token as KOSIZU_BOT_TOKEN (to try the bot without one: kosizu sandbox)."
                )
            if not _TOKEN.match(token):
                raise ConfigError(
                    "KOSIZU_BOT_TOKEN does not look like a bot token (digits, a colon, then "
                    "letters, digits, '_' or '-'); copy it again from @BotFather."
                )
        db_path = env.get("KOSIZU_DB", "").strip() or DEFAULT_DB

        base_url = env.get("KOSIZU_API_BASE_URL", "").strip() or TELEGRAM_BASE_URL
        parts = urlsplit(base_url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or not base_url.endswith("/bot")
        ):
            raise ConfigError(
                "KOSIZU_API_BASE_URL must be an http(s) URL ending in /bot, "
                "for example http://127.0.0.1:8081/bot."
            )

        tz_name = env.get("KOSIZU_TIMEZONE", "").strip() or "Europe/Berlin"
        try:
            timezone = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"KOSIZU_TIMEZONE is not a known time zone name: {tz_name!r} "
                "(use an IANA name such as Europe/Berlin)."
            ) from None

        language = env.get("KOSIZU_DEFAULT_LANGUAGE", "").strip().lower() or "de"
        if language not in LANGUAGES:
            raise ConfigError(
                f"KOSIZU_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}, not {language!r}."
            )

        level_name = env.get("KOSIZU_LOG_LEVEL", "").strip().upper() or "INFO"
        level = logging.getLevelNamesMapping().get(level_name)
        if level is None:
            raise ConfigError(
                "KOSIZU_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR or CRITICAL, "
                f"not {level_name!r}."
            )
        remind = _hours(env, "KOSIZU_CONTACT_REMIND_HOURS", 48)
        pass_on = _hours(env, "KOSIZU_CONTACT_PASS_HOURS", 72)
        if remind >= pass_on:
            raise ConfigError(
                "KOSIZU_CONTACT_REMIND_HOURS must be less than KOSIZU_CONTACT_PASS_HOURS: the "
                "reminder comes before the request passes to the next person."
            )
        message_days = _days(env, "KOSIZU_CONTACT_MESSAGE_DAYS", 90)
        retention_days = _days(env, "KOSIZU_CONTACT_RETENTION_DAYS", 730)
        if message_days > retention_days:
            raise ConfigError(
                "KOSIZU_CONTACT_MESSAGE_DAYS must not be more than KOSIZU_CONTACT_RETENTION_DAYS: "
                "a request's message goes no later than the request itself."
            )
        relay_days = _days(env, "KOSIZU_CONTACT_RELAY_DAYS", 14)
        followup_days = _days(env, "KOSIZU_CONTACT_FOLLOWUP_DAYS", 14)

        checkin_cron = " ".join(env.get("KOSIZU_CHECKIN_CRON", "").split()) or DEFAULT_CHECKIN_CRON
        try:
            # A rule that parses but never fires (31 February) would only fail at start-up.
            Cron.parse(checkin_cron).next_after(datetime(2000, 1, 1, tzinfo=UTC), timezone)
        except RecurrenceError:
            raise ConfigError(
                "KOSIZU_CHECKIN_CRON must be a five-field cron rule that fires (minute hour "
                f'day month weekday) such as "{DEFAULT_CHECKIN_CRON}", not {checkin_cron!r}.'
            ) from None
        region_text = env.get("KOSIZU_HOLIDAY_REGION", "").strip()
        region = region_text.upper().removeprefix("DE-")
        if region and region not in BUNDESLAENDER:
            raise ConfigError(
                "KOSIZU_HOLIDAY_REGION must be empty (nationwide holidays) or a Bundesland code "
                f"({', '.join(BUNDESLAENDER)}), not {region_text!r}."
            )
        checkin_retention_days = _days(env, "KOSIZU_CHECKIN_RETENTION_DAYS", 1826)
        approval_text = env.get("KOSIZU_BROADCAST_APPROVAL", "").strip() or "0"
        if approval_text not in ("0", "1"):
            raise ConfigError(
                "KOSIZU_BROADCAST_APPROVAL must be 1 (a second staff member approves every "
                f"broadcast) or 0 (no approval), not {approval_text!r}."
            )
        return cls(
            token=token,
            db_path=db_path,
            api_base_url=base_url,
            timezone=timezone,
            default_language=language,
            log_level=level,
            privacy_dir=env.get("KOSIZU_PRIVACY_DIR", "").strip() or None,
            contact_remind_hours=remind,
            contact_pass_hours=pass_on,
            contact_message_days=message_days,
            contact_retention_days=retention_days,
            contact_relay_days=relay_days,
            contact_followup_days=followup_days,
            checkin_cron=checkin_cron,
            holiday_region=region or None,
            checkin_retention_days=checkin_retention_days,
            broadcast_approval=approval_text == "1",
            outbox_rate=_outbox_rate(env, base_url),
        )


def _outbox_rate(env: Mapping[str, str], base_url: str) -> int:
    rate = _whole(env, "KOSIZU_OUTBOX_RATE", DEFAULT_RATE, 1, 1000, "messages per second")
    # Above Telegram's limit only against a local emulator with its limits raised alike
    # (bench/broadcast.py); the real Telegram would answer with 429s and may ban the bot.
    if rate > TELEGRAM_RATE and base_url == TELEGRAM_BASE_URL:
        raise ConfigError(
            f"KOSIZU_OUTBOX_RATE must be at most {TELEGRAM_RATE} (Telegram's limit), not {rate}."
        )
    return rate


def _whole(env: Mapping[str, str], name: str, default: int, low: int, high: int, unit: str) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise ConfigError(
            f"{name} must be a whole number of {unit} from {low} to {high}, not {text!r}."
        )
    return int(text)


def _hours(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 24 * 90:
        raise ConfigError(f"{name} must be a whole number of hours from 1 to 2160, not {text!r}.")
    return int(text)


def _days(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 3650:
        raise ConfigError(f"{name} must be a whole number of days from 1 to 3650, not {text!r}.")
    return int(text)
