"""`mentorbot serve` as an operator runs it: gunicorn workers, /healthz, a signed
command answered, a bad signature refused."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.standin import payloads
from bot.standin.signing import SlackSender
from bot.standin.slack_api import FakeSlackServer
from tests.handlers.conftest import wait_for
from tests.shifted import python_command

SECRET = "serve-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Served:
    base: str
    process: subprocess.Popen[str]

    def log_lines(self) -> list[dict[str, Any]]:
        """Everything the server logged, once it has stopped: JSON, a line each."""
        self.process.send_signal(signal.SIGTERM)
        _out, err = self.process.communicate(timeout=30)
        return [json.loads(line) for line in err.splitlines() if line.strip()]


@pytest.fixture
def served(database_url: str, slack_server: FakeSlackServer) -> Iterator[Served]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-serve",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_server.api_url,
        "MENTORSHIP_LOG_FORMAT": "json",
    }
    process = subprocess.Popen(
        python_command("-m", "bot.cli", "serve", "--port", str(port), "--workers", "2"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_for(healthy, timeout=30)
        yield Served(base, process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def test_serve_runs_gunicorn_that_answers_slack(
    served: Served, slack_server: FakeSlackServer
) -> None:
    sender = SlackSender(served.base + "/slack/events", SECRET)
    url = slack_server.response_url("served")
    started = time.monotonic()
    reply = sender.form(payloads.command("UBEN", "help", response_url=url))
    assert reply.status == 200
    assert time.monotonic() - started < 3
    wait_for(
        lambda: [
            c
            for c in slack_server.slack.calls_to("response_url")
            if c.params.get("response_url_id") == "served"
        ]
    )
    forged = sender.form(payloads.command("UBEN", "help", response_url=url), sign_with="x")
    assert forged.status == 401

    lines = served.log_lines()
    assert {"gunicorn.error", "mentorbot.requests"} <= {line["logger"] for line in lines}
    (answered,) = [line for line in lines if line.get("handler") == "command /mentor help"]
    assert (answered["user"], answered["outcome"]) == ("UBEN", "ok")
    (refused,) = [line for line in lines if line["message"] == "request rejected"]
    assert refused["status"] == 401
    assert "xoxb-serve" not in json.dumps(lines)


def test_serve_without_tokens_stops_with_one_clear_line(tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    result = subprocess.run(
        python_command("-m", "bot.cli", "serve"),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=str(tmp_path),
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("mentorbot: SLACK_BOT_TOKEN is not set")
