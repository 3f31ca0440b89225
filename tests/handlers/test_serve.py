"""`mentorbot serve` as an operator runs it: gunicorn workers, /healthz, a signed
command answered, a bad signature refused."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.standin import payloads
from bot.standin.clock import FakeClock
from bot.standin.signing import SlackSender
from bot.standin.slack_api import FakeSlackServer
from bot.wsgi import MAX_BODY, READ_DEADLINE_S
from domain.calendar_feed import open_feed
from domain.model import Actor
from domain.profiles import identify
from storage.engine import make_engine, make_session_factory
from storage.uow import SqlUnitOfWork
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


@contextmanager
def _serving(
    database_url: str, slack_server: FakeSlackServer, *, workers: int, scheduler: bool = True
) -> Iterator[Served]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-serve",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_server.api_url,
        "MENTORSHIP_LOG_FORMAT": "json",
        "MENTORSHIP_SCHEDULER": "true" if scheduler else "false",
    }
    process = subprocess.Popen(
        python_command("-m", "bot.cli", "serve", "--port", str(port), "--workers", str(workers)),
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


@pytest.fixture
def served(app_database_url: str, slack_server: FakeSlackServer) -> Iterator[Served]:
    with _serving(app_database_url, slack_server, workers=2) as serving:
        yield serving


@pytest.fixture
def served_alone(app_database_url: str, slack_server: FakeSlackServer) -> Iterator[Served]:
    """One worker and no jobs ticking in it: what is measured is the process
    that served, doing nothing else."""
    with _serving(app_database_url, slack_server, workers=1, scheduler=False) as serving:
        yield serving


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


def test_serve_answers_a_calendar_feed_unsigned_and_never_logs_its_token(
    served: Served, app_database_url: str
) -> None:
    engine = make_engine(app_database_url)
    try:
        person = SqlUnitOfWork(make_session_factory(engine), Actor.member("T1", "UFEED"))
        clock = FakeClock(datetime.now(UTC))
        identify(person, clock, display_name="Fay Feed")
        token = open_feed(person, clock).token
    finally:
        engine.dispose()
    assert token is not None
    url = f"{served.base}/calendar/{token}.ics"

    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        etag = response.headers["ETag"]
        assert response.read().startswith(b"BEGIN:VCALENDAR")
    head = urllib.request.Request(url, method="HEAD")
    with urllib.request.urlopen(head, timeout=10) as response:
        assert (response.headers["ETag"], response.read()) == (etag, b"")
    again = urllib.request.Request(url, headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(again, timeout=10)
    assert not_modified.value.code == 304
    with pytest.raises(urllib.error.HTTPError) as unknown:
        urllib.request.urlopen(f"{served.base}/calendar/{'A' * 43}.ics", timeout=10)
    assert unknown.value.code == 404

    lines = served.log_lines()
    assert [line["status"] for line in lines if line["message"] == "calendar feed"] == [
        200,
        200,
        304,
        404,
    ]
    assert token not in json.dumps(lines)


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


BIG = 200 * 1024 * 1024
MiB = 1024 * 1024


def _serving_memory(process: subprocess.Popen[str], field: str) -> int:
    """A /proc memory figure (`VmRSS`, resident now; `VmHWM`, the peak resident)
    summed over the server: gunicorn's master and its workers, in bytes. Python
    hands a large buffer back as soon as it is freed, so the peak is what shows
    a body read whole."""
    pids = [process.pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended meanwhile
        if int(fields[1]) == process.pid:
            pids.append(int(stat.parent.name))
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                total += int(line.split()[1]) * 1024
    return total


# Slack's shape, not Slack's signature: it is checked against the body once read.
FORGED = "v0=" + "0" * 64


def _post_forged(base: str, *, chunked: bool, size: int = BIG) -> int:
    """POST a body of `size` bytes (whole MiB) with a forged signature over a
    raw socket, the sending in a thread of its own; the status answered."""
    host, port = base.removeprefix("http://").split(":")
    stamp = str(int(time.time()))
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\n{length}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Slack-Request-Timestamp: {stamp}\r\nX-Slack-Signature: {FORGED}\r\n\r\n"
    )
    block = b"a" * MiB
    frame = (f"{MiB:x}\r\n".encode() + block + b"\r\n") if chunked else block
    with socket.create_connection((host, int(port)), timeout=60) as sock:

        def send() -> None:
            try:
                sock.sendall(head.encode())
                for _ in range(size // MiB):
                    sock.sendall(frame)
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # the server answered and closed: the rest is not wanted

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        answer = b""
        try:
            while b"\r\n" not in answer and (part := sock.recv(4096)):
                answer += part
        except ConnectionResetError:
            pass
        sender.join(timeout=60)
    return int(answer.split(b" ", 2)[1])


def test_a_huge_unsigned_body_is_refused_unread_and_memory_stays_flat(
    served_alone: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    served = served_alone
    # Warm up first: the worker imports what a refusal needs on its first one.
    sender = SlackSender(served.base + "/slack/events", SECRET)
    assert sender.form({"text": "hello"}, sign_with="forged").status == 401
    assert [_post_forged(served.base, chunked=c, size=2 * MiB) for c in (False, True)] == [413] * 2
    before = {field: _serving_memory(served.process, field) for field in ("VmRSS", "VmHWM")}
    statuses = [_post_forged(served.base, chunked=chunked) for chunked in (False, True)]
    after = {field: _serving_memory(served.process, field) for field in ("VmRSS", "VmHWM")}
    with capsys.disabled():
        for field in before:
            print(
                f"\nserving {field}: {before[field] / MiB:.1f} MiB before the two bodies,"
                f" {after[field] / MiB:.1f} MiB after"
            )
    assert statuses == [413, 413]
    assert after["VmRSS"] - before["VmRSS"] < 10 * MiB
    assert after["VmHWM"] - before["VmHWM"] < 10 * MiB
    assert sender.form({"text": "a" * MAX_BODY}).status == 413


def test_a_body_that_never_arrives_is_given_up_and_the_server_keeps_answering(
    served_alone: Served,
) -> None:
    # More slow senders than the worker has threads (8): each is dropped after
    # the read deadline instead of holding its thread for good.
    host, port = served_alone.base.removeprefix("http://").split(":")
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\nContent-Length: 1000\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: {FORGED}\r\n\r\n"
    )
    slow = [socket.create_connection((host, int(port)), timeout=30) for _ in range(12)]
    try:
        for sock in slow:
            sock.sendall(head.encode() + b"ab")  # 2 of the 1000 bytes promised
        began = time.monotonic()
        answers = [sock.recv(4096).split(b"\r\n", 1)[0] for sock in slow]
        waited = time.monotonic() - began
    finally:
        for sock in slow:
            sock.close()
    assert answers == [b"HTTP/1.1 408 Request Timeout"] * 12
    assert waited < 3 * READ_DEADLINE_S  # two rounds of eight threads, and some slack
    with urllib.request.urlopen(served_alone.base + "/healthz", timeout=10) as response:
        assert response.status == 200
