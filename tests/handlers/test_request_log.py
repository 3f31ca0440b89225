"""One log line per request, written when the listener has finished: handler,
user, team, outcome and durations; never what the person typed. And the ack
leaves before Bolt would have polled for it."""

from __future__ import annotations

import logging
import time
from types import SimpleNamespace
from typing import Any

import pytest
from slack_bolt.listener import thread_runner

from bot.logs import TextFormatter
from handlers import commands
from handlers.ids import Action
from tests.handlers.conftest import Harness

SECRET_WORDS = "zanzibar-quokka"


def _request_lines(h: Harness, caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The request lines, once every listener has finished (work after the ack too)."""
    assert h.bot.listeners.wait_idle(10)
    return [r.fields for r in caplog.records if r.name == "mentorbot.requests"]


@pytest.fixture
def caplog_requests(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="mentorbot.requests")
    return caplog


def test_a_command_is_logged_once_with_its_handler_user_outcome_and_durations(
    h: Harness, caplog_requests: pytest.LogCaptureFixture
) -> None:
    h.command("UMAYA", f"find {SECRET_WORDS}")
    h.next_call("response_url")
    (line,) = _request_lines(h, caplog_requests)
    assert line["handler"] == "command /mentor find"
    assert (line["user"], line["team"], line["outcome"]) == ("UMAYA", "T1", "ok")
    assert 0 <= line["ack_ms"] <= line["duration_ms"]
    assert SECRET_WORDS not in caplog_requests.text


def test_a_refusal_is_logged_by_its_kind_not_its_text(
    h: Harness, caplog_requests: pytest.LogCaptureFixture
) -> None:
    h.command("UBEN", "stats")  # Ben is not a programme manager
    (line,) = _request_lines(h, caplog_requests)
    assert line["outcome"] == "refused:NotAllowed"


def test_an_unknown_word_is_logged_as_the_help_it_gets(
    h: Harness, caplog_requests: pytest.LogCaptureFixture
) -> None:
    h.command("UBEN", SECRET_WORDS)
    (line,) = _request_lines(h, caplog_requests)
    assert line["handler"] == "command /mentor help"
    assert SECRET_WORDS not in caplog_requests.text


def test_a_crash_is_logged_with_the_reference_the_person_was_given(
    h: Harness, caplog_requests: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(request: object, rest: str) -> None:
        try:
            int(rest)  # the message of this error quotes what was typed
        except ValueError as error:
            raise RuntimeError(f"broken while handling {rest}") from error

    monkeypatch.setitem(commands.SUBCOMMANDS, "find", crash)
    h.command("UBEN", f"find {SECRET_WORDS}")
    (line,) = _request_lines(h, caplog_requests)
    apology = h.next_call("chat.postMessage", channel="UBEN").params["text"]
    assert line["outcome"].startswith("error:")
    assert line["outcome"].removeprefix("error:") in apology
    formatted = "\n".join(
        TextFormatter().format(r) for r in caplog_requests.records if r.name == "mentorbot.errors"
    )
    # Where and what kind, with the whole chain of causes; never the messages.
    assert "in crash" in formatted
    assert "builtins.ValueError" in formatted
    assert "builtins.RuntimeError" in formatted
    assert formatted.index("ValueError") < formatted.index("RuntimeError")
    assert SECRET_WORDS not in formatted


def test_a_button_is_logged_by_its_action_id(
    h: Harness, caplog_requests: pytest.LogCaptureFixture
) -> None:
    h.click("UBEN", Action.MARK_ALL_READ, "all")
    (line,) = _request_lines(h, caplog_requests)
    assert line["handler"] == f"action {Action.MARK_ALL_READ.value}"


def test_bolt_never_waits_for_the_ack_by_polling(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    polls: list[float] = []

    def spy(seconds: float) -> None:
        polls.append(seconds)
        time.sleep(seconds)

    # Only Bolt's runner sees the spy; other threads keep the real sleep.
    monkeypatch.setattr(thread_runner, "time", SimpleNamespace(time=time.time, sleep=spy))
    for text in ("help", "find", "sessions", "notifications"):
        h.command("UMAYA", text)
    assert h.bot.listeners.wait_idle(10)
    assert polls == []
