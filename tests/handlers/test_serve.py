"""`mentorbot serve` as an operator runs it: gunicorn workers, /healthz, a signed
command answered, a bad signature refused."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from bot.standin import payloads
from bot.standin.signing import SlackSender
from bot.standin.slack_api import FakeSlackServer
from tests.handlers.conftest import wait_for

SECRET = "serve-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(database_url: str, slack_server: FakeSlackServer) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-serve",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_server.api_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--workers", "2"],
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
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_serve_runs_gunicorn_that_answers_slack(served: str, slack_server: FakeSlackServer) -> None:
    sender = SlackSender(served + "/slack/events", SECRET)
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


def test_serve_without_tokens_stops_with_one_clear_line(tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=str(tmp_path),
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("mentorbot: SLACK_BOT_TOKEN is not set")
