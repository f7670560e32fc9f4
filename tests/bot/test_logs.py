"""The token filter: even a third-party line or an exception carrying the token is redacted."""

from __future__ import annotations

import io
import logging

import pytest

from bot.logs import RedactTokens

TOKEN = "987654321:AAH-secret_secret_secret_secret_xyz"


@pytest.fixture
def stream() -> io.StringIO:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactTokens())
    logger = logging.getLogger("test.redaction")
    logger.handlers[:] = [handler]
    logger.propagate = False
    return out


def test_a_url_with_the_token_is_redacted(stream: io.StringIO) -> None:
    logging.getLogger("test.redaction").warning(
        "HTTP Request: POST %s", f"https://api.telegram.org/bot{TOKEN}/getMe"
    )
    assert stream.getvalue() == "HTTP Request: POST https://api.telegram.org/bot[token]/getMe\n"


def test_an_exception_carrying_the_token_is_redacted(stream: io.StringIO) -> None:
    try:
        raise RuntimeError(f"connection to /bot{TOKEN}/getUpdates failed")
    except RuntimeError:
        logging.getLogger("test.redaction").exception("polling failed")
    text = stream.getvalue()
    assert "polling failed" in text and "RuntimeError" in text
    assert TOKEN not in text and TOKEN.split(":")[1] not in text
    assert "/bot[token]/getUpdates" in text
