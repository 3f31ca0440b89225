"""The log format operators read: text or JSON, fields attached, secrets never."""

from __future__ import annotations

import json
import logging
import sys
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from bot.config import SettingsError, load_settings
from bot.logs import JsonFormatter, TextFormatter, configure_logging, redact
from bot.serve import RootLogger

TOKEN = "xoxb-1234-5678-abcdefABCDEF"


def _record(
    message: str, *args: object, fields: dict[str, object] | None = None
) -> logging.LogRecord:
    record = logging.LogRecord("mentorbot.requests", logging.INFO, __file__, 1, message, args, None)
    if fields is not None:
        record.fields = fields
    return record


@pytest.mark.parametrize(
    ("line", "hidden"),
    [
        (f"calling with {TOKEN}", TOKEN),
        ("app token xapp-1-A0-123-abc", "xapp-1-A0-123-abc"),
        ("refresh xoxe-1-abc", "xoxe-1-abc"),
        ("postgresql://bot:s3cret@db.internal:5432/mentor", "s3cret"),
    ],
)
def test_secrets_are_scrubbed_from_any_line(line: str, hidden: str) -> None:
    assert hidden not in redact(line)


def test_a_url_keeps_its_user_and_host_when_its_password_is_scrubbed() -> None:
    assert redact("postgresql://bot:pw@db:5432/x") == "postgresql://bot:[redacted]@db:5432/x"


def test_text_lines_carry_the_fields_as_key_value_pairs() -> None:
    line = TextFormatter().format(
        _record("request", fields={"handler": "command /mentor find", "user": "U1", "ms": 2.5})
    )
    assert line.endswith('request handler="command /mentor find" user=U1 ms=2.5')


def test_json_lines_are_one_object_with_the_fields_and_scrubbed() -> None:
    line = JsonFormatter().format(_record("posting %s", TOKEN, fields={"outcome": "ok"}))
    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "mentorbot.requests"
    assert entry["outcome"] == "ok"
    assert TOKEN not in line
    assert "\n" not in line


def test_json_lines_carry_the_traceback_in_one_field() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in entry["exception"]


def test_configure_keeps_chatty_libraries_quiet_even_when_verbose(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("json", "DEBUG")
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
        # Bolt sets its App logger to the root's level, and Bolt and slack_sdk log
        # whole request bodies (what people typed) at DEBUG.
        bolt = logging.getLogger("slack_bolt.App")
        bolt.setLevel(logging.DEBUG)
        bolt.debug("Responding with body: zanzibar")
        logging.getLogger("slack_sdk.web.base_client").debug("body: zanzibar")
        logging.getLogger("slack_bolt.App").warning("a warning still shows")
        logging.getLogger("mentorbot.requests").debug("ours at debug")
        err = capsys.readouterr().err
        assert "zanzibar" not in err
        assert "a warning still shows" in err
        assert "ours at debug" in err
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def test_an_unknown_log_format_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORSHIP_LOG_FORMAT", "xml")
    with pytest.raises(
        SettingsError, match="MENTORSHIP_LOG_FORMAT is not valid: expected text or json"
    ):
        load_settings()


FEED_TOKEN = "Qx7-kP2_vLmN9aBcDeFgHiJkLmNoPqRsTuVwXyZ0123"


@pytest.mark.parametrize(
    "line",
    [
        f'127.0.0.1 - - [05/Dec/2026:12:00:00 +0000] "GET /calendar/{FEED_TOKEN}.ics HTTP/1.1" 200',
        f"request rejected status=404 path=/x/Calendar/{FEED_TOKEN}.ics",
        f'{{"path": "/calendar/{FEED_TOKEN}"}}',
        f"Invalid request from ip=10.0.0.1: {FEED_TOKEN}",
    ],
)
def test_calendar_feed_tokens_are_scrubbed_from_any_line(line: str) -> None:
    assert len(FEED_TOKEN) == 43
    assert FEED_TOKEN not in redact(line)


def test_words_and_hashes_of_other_lengths_are_left_alone() -> None:
    for kept in ("a" * 64, "test_a_member_cannot_choose_a_new_session_s", "/calendar/"):
        assert redact(kept) == kept


def test_gunicorn_s_access_line_for_a_feed_hides_its_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Were an operator to turn gunicorn's access log on (it is off), its
    line quotes the request line: it goes through the bot's formatter, which
    scrubs the token."""
    config = Config()
    config.set("accesslog", "-")
    logger = RootLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/calendar/{FEED_TOKEN}.ics",
        "PATH_INFO": f"/calendar/{FEED_TOKEN}.ics",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://mentoring.example.com/calendar/{FEED_TOKEN}.ics",
    }
    response = SimpleNamespace(status="200 OK", headers=[], sent=10)
    with caplog.at_level(logging.INFO):
        logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    (record,) = [r for r in caplog.records if r.name == "gunicorn.access"]
    assert FEED_TOKEN in record.getMessage()  # what gunicorn wrote, before the formatter
    for formatter in (TextFormatter(), JsonFormatter()):
        line = formatter.format(record)
        assert "GET /calendar/[redacted]" in line
        assert FEED_TOKEN not in line
