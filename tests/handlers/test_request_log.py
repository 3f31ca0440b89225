"""One log line per request, written when the listener has finished: handler,
user, team, outcome and durations; never what the person typed. And the ack
leaves before Bolt would have polled for it."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from slack_bolt.listener import thread_runner

from handlers import commands
from handlers.ids import Action
from tests.handlers.conftest import Harness, wait_for

SECRET_WORDS = "zanzibar-quokka"


def _request_lines(caplog: pytest.LogCaptureFixture, count: int) -> list[dict[str, Any]]:
    def lines() -> list[dict[str, Any]]:
        found = [r.fields for r in caplog.records if r.name == "mentorbot.requests"]
        return found if len(found) >= count else []

    return wait_for(lines)


@pytest.fixture
def caplog_requests(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="mentorbot.requests")
    return caplog


def test_a_command_is_logged_once_with_its_handler_user_outcome_and_durations(
    h: Harness, caplog_requests: pytest.LogCaptureFixture
) -> None:
    h.command("UMAYA", f"find {SECRET_WORDS}")
    h.next_call("response_url")
    (line,) = _request_lines(caplog_requests, 1)
    assert line["handler"] == "command /mentor find"
    assert (line["user"], line["team"], line["outcome"]) == ("UMAYA", "T1", "ok")
    assert 0 <= line["ack_ms"] <= line["duration_ms"]
    assert SECRET_WORDS not in caplog_requests.text


def test_a_refusal_is_logged_by_its_kind_not_its_text(
    h: Harness, caplog_requests: pytest.LogCaptureFixture
) -> None:
    h.command("UBEN", "stats")  # Ben is not a programme manager
    (line,) = _request_lines(caplog_requests, 1)
    assert line["outcome"] == "refused:NotAllowed"


def test_an_unknown_word_is_logged_as_the_help_it_gets(
    h: Harness, caplog_requests: pytest.LogCaptureFixture
) -> None:
    h.command("UBEN", SECRET_WORDS)
    (line,) = _request_lines(caplog_requests, 1)
    assert line["handler"] == "command /mentor help"
    assert SECRET_WORDS not in caplog_requests.text


def test_a_crash_is_logged_with_the_reference_the_person_was_given(
    h: Harness, caplog_requests: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(request: object, rest: str) -> None:
        raise RuntimeError(f"broken while handling {rest}")

    monkeypatch.setitem(commands.SUBCOMMANDS, "find", crash)
    h.command("UBEN", f"find {SECRET_WORDS}")
    (line,) = _request_lines(caplog_requests, 1)
    apology = h.next_call("chat.postMessage", channel="UBEN").params["text"]
    assert line["outcome"].startswith("error:")
    assert line["outcome"].removeprefix("error:") in apology
    errors = [r for r in caplog_requests.records if r.name == "mentorbot.errors"]
    assert errors
    assert all(SECRET_WORDS not in r.getMessage() for r in errors)


def test_a_button_is_logged_by_its_action_id(
    h: Harness, caplog_requests: pytest.LogCaptureFixture
) -> None:
    h.click("UBEN", Action.MARK_ALL_READ, "all")
    (line,) = _request_lines(caplog_requests, 1)
    assert line["handler"] == f"action {Action.MARK_ALL_READ.value}"


def test_bolt_never_waits_for_the_ack_by_polling(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    polls: list[float] = []
    real_sleep = time.sleep

    def spy(seconds: float) -> None:
        polls.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(thread_runner.time, "sleep", spy)
    for text in ("help", "find", "sessions", "notifications"):
        h.command("UMAYA", text)
    assert polls == []
