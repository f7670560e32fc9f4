"""Logging set-up: the token never reaches a log line."""

from __future__ import annotations

import logging
import re

# Bot tokens in any form: inside a URL path (.../bot123:ABC.../getMe) or on their own.
_TOKEN = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,64}")


class RedactTokens(logging.Filter):
    """Defence in depth: the httpx logger, which prints request URLs, is kept at WARNING, but
    an exception message or a third-party log line could still carry the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub("[token]", message)
            record.args = None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = _TOKEN.sub(
                "[token]", logging.Formatter().formatException(record.exc_info)
            )
        return True


def configure(level: int) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # APScheduler logs each tick of the scheduler heartbeat at INFO.
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
