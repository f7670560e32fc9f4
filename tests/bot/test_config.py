"""Configuration errors are one sentence, never a silent fallback."""

from __future__ import annotations

import logging
import re

import pytest

from bot.config import TELEGRAM_BASE_URL, Config, ConfigError

TOKEN = "123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr"


def test_defaults() -> None:
    config = Config.from_env({"KOSIZU_BOT_TOKEN": TOKEN})
    assert config.db_path == "data/kosizu.sqlite3"
    assert config.api_base_url == TELEGRAM_BASE_URL
    assert config.timezone.key == "Europe/Berlin"
    assert config.default_language == "de"
    assert config.log_level == logging.INFO


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({}, "KOSIZU_BOT_TOKEN is not set"),
        ({"KOSIZU_BOT_TOKEN": "not a token"}, "does not look like a bot token"),
        ({"KOSIZU_BOT_TOKEN": TOKEN + "\n:x"}, "does not look like a bot token"),
        ({"KOSIZU_API_BASE_URL": "http://127.0.0.1:8081/"}, "ending in /bot"),
        ({"KOSIZU_API_BASE_URL": "ftp://example/bot"}, "ending in /bot"),
        ({"KOSIZU_TIMEZONE": "Mars/Olympus"}, "not a known time zone"),
        ({"KOSIZU_TIMEZONE": "../../etc/passwd"}, "not a known time zone"),
        ({"KOSIZU_DEFAULT_LANGUAGE": "es"}, "must be one of de, en, fr, tr, ar"),
        ({"KOSIZU_LOG_LEVEL": "chatty"}, "KOSIZU_LOG_LEVEL must be one of"),
    ],
)
def test_bad_values_are_refused(env: dict[str, str], fragment: str) -> None:
    full = {"KOSIZU_BOT_TOKEN": TOKEN, **env} if "KOSIZU_BOT_TOKEN" not in env and env else env
    with pytest.raises(ConfigError, match=fragment) as error:
        Config.from_env(full)
    message = str(error.value)
    assert "\n" not in message and message.endswith(".")


def test_checkin_defaults() -> None:
    config = Config.from_env({"KOSIZU_BOT_TOKEN": TOKEN})
    assert config.checkin_cron == "0 10 8-14 1,4,7,10 1"
    assert config.holiday_region is None
    assert config.checkin_retention_days == 1826


def test_checkin_values() -> None:
    config = Config.from_env(
        {
            "KOSIZU_BOT_TOKEN": TOKEN,
            "KOSIZU_CHECKIN_CRON": " 30 9  1-7 3,6,9,12 2 ",
            "KOSIZU_HOLIDAY_REGION": "by",
            "KOSIZU_CHECKIN_RETENTION_DAYS": "365",
        }
    )
    assert config.checkin_cron == "30 9 1-7 3,6,9,12 2"
    assert config.holiday_region == "BY"
    assert config.checkin_retention_days == 365


@pytest.mark.parametrize(
    ("text", "code"), [("BE", "BE"), ("nw", "NW"), ("de-bw", "BW"), ("", None)]
)
def test_holiday_region_is_a_bare_upper_case_code(text: str, code: str | None) -> None:
    config = Config.from_env({"KOSIZU_BOT_TOKEN": TOKEN, "KOSIZU_HOLIDAY_REGION": text})
    assert config.holiday_region == code


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"KOSIZU_CHECKIN_CRON": "every quarter"}, "KOSIZU_CHECKIN_CRON must be"),
        ({"KOSIZU_CHECKIN_CRON": "0 10 8-14 1,4,7,10"}, '"0 10 8-14 1,4,7,10 1"'),
        ({"KOSIZU_CHECKIN_CRON": "0 25 * * *"}, "KOSIZU_CHECKIN_CRON must be"),
        ({"KOSIZU_HOLIDAY_REGION": "Bavaria"}, "KOSIZU_HOLIDAY_REGION must be"),
        ({"KOSIZU_HOLIDAY_REGION": "AT-9"}, "KOSIZU_HOLIDAY_REGION must be"),
        ({"KOSIZU_HOLIDAY_REGION": "Augsburg"}, "KOSIZU_HOLIDAY_REGION must be"),
        ({"KOSIZU_CHECKIN_RETENTION_DAYS": "0"}, "KOSIZU_CHECKIN_RETENTION_DAYS must be"),
        ({"KOSIZU_CHECKIN_RETENTION_DAYS": "3651"}, "KOSIZU_CHECKIN_RETENTION_DAYS must be"),
        ({"KOSIZU_CHECKIN_RETENTION_DAYS": "5y"}, "KOSIZU_CHECKIN_RETENTION_DAYS must be"),
    ],
)
def test_bad_checkin_values_are_refused(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(fragment)) as error:
        Config.from_env({"KOSIZU_BOT_TOKEN": TOKEN, **env})
    message = str(error.value)
    assert "\n" not in message and message.endswith(".")
    assert next(iter(env)) in message


@pytest.mark.parametrize(
    ("text", "wanted"), [("", False), ("0", False), ("1", True), (" 1 ", True)]
)
def test_broadcast_approval(text: str, wanted: bool) -> None:
    config = Config.from_env({"KOSIZU_BOT_TOKEN": TOKEN, "KOSIZU_BROADCAST_APPROVAL": text})
    assert config.broadcast_approval is wanted


@pytest.mark.parametrize("text", ["yes", "true", "2"])
def test_bad_broadcast_approval_is_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="KOSIZU_BROADCAST_APPROVAL must be") as error:
        Config.from_env({"KOSIZU_BOT_TOKEN": TOKEN, "KOSIZU_BROADCAST_APPROVAL": text})
    message = str(error.value)
    assert "\n" not in message and message.endswith(".")


def test_the_outbox_rate_defaults_below_telegrams_limit_and_is_checked() -> None:
    assert Config.from_env({}, require_token=False).outbox_rate == 28
    emulator = {"KOSIZU_API_BASE_URL": "http://127.0.0.1:8081/bot"}
    scaled = Config.from_env({**emulator, "KOSIZU_OUTBOX_RATE": "280"}, require_token=False)
    assert scaled.outbox_rate == 280
    with pytest.raises(ConfigError, match="at most 30"):
        Config.from_env({"KOSIZU_OUTBOX_RATE": "31"}, require_token=False)  # real Telegram
    for wrong in ("0", "fast", "1001"):
        with pytest.raises(ConfigError, match="KOSIZU_OUTBOX_RATE"):
            Config.from_env({"KOSIZU_OUTBOX_RATE": wrong}, require_token=False)
