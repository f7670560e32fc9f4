"""Configuration errors are one sentence, never a silent fallback."""

from __future__ import annotations

import logging

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
