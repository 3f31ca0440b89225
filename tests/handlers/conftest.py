"""The bot over real HTTP, with the fake Slack beside it, on a database of its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any, TypeVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from sqlalchemy import Engine, text

from bot.config import Settings
from bot.runtime import Bot, build_bot
from bot.standin import payloads
from bot.standin.signing import Reply, SlackSender
from bot.standin.slack_api import Call, FakeSlack, FakeSlackServer
from tests.conftest import DATA_TABLES
from tests.fakes.uow import FakeClock, utc

SECRET = "test-signing-secret"
NOW = utc(2026, 11, 30, 8, 0)  # a Monday
T = TypeVar("T")


class _Threaded(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """The test output is the record."""


def wait_for(probe: Callable[[], T], *, timeout: float = 10.0) -> T:
    """Poll until `probe` returns something truthy (the bot works after its ack)."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found or time.monotonic() > deadline:
            assert found, "timed out waiting"
            return found
        time.sleep(0.02)


@dataclass
class Harness:
    bot: Bot
    slack: FakeSlack
    server: FakeSlackServer
    sender: SlackSender
    clock: FakeClock

    def command(self, user_id: str, text: str) -> Reply:
        url = self.server.response_url(f"cmd-{user_id}-{time.monotonic_ns()}")
        return self.sender.form(payloads.command(user_id, text, response_url=url))

    def click(self, user_id: str, action_id: str, value: str, **kwargs: Any) -> Reply:
        url = self.server.response_url(f"act-{user_id}-{time.monotonic_ns()}")
        payload = payloads.block_action(user_id, action_id, value, response_url=url, **kwargs)
        return self.sender.interaction(payload)

    def submit(self, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> Reply:
        return self.sender.interaction(payloads.view_submission(user_id, view, values))

    def event(self, event: dict[str, Any], **kwargs: Any) -> Reply:
        return self.sender.event(payloads.event_callback(event, **kwargs))

    def calls(self, method: str, **match: Any) -> list[Call]:
        return [
            call
            for call in self.slack.calls_to(method)
            if all(call.params.get(k) == v for k, v in match.items())
        ]

    def next_call(self, method: str, *, after: int = 0, **match: Any) -> Call:
        """Wait for call number `after` + 1 to `method` (matching `match`)."""
        return wait_for(lambda: self.calls(method, **match)[after:])[0]

    def opened_view(self, *, after: int = 0) -> dict[str, Any]:
        """The modal as the person sees it once loaded: the app opens a small view
        at once and replaces it (views.update) when the real one is built."""
        return self.next_call("views.update", after=after).view()

    def last_view_opened(self) -> dict[str, Any]:
        return wait_for(lambda: self.slack.calls_to("views.update"))[-1].view()


@pytest.fixture(scope="module")
def slack_server() -> Iterator[FakeSlackServer]:
    slack = FakeSlack()
    for user_id, name, zone in (
        ("UMAYA", "Maya Patel", "Europe/London"),
        ("UBEN", "Ben Okafor", "America/New_York"),
        ("UCARA", "Cara Singh", "Asia/Kolkata"),
        ("UOLGA", "Olga Ivanova", "Europe/Berlin"),
    ):
        slack.add_user(user_id, name, zone)
    with FakeSlackServer(slack) as server:
        yield server


@pytest.fixture(scope="module")
def harness(database_url: str, slack_server: FakeSlackServer) -> Iterator[Harness]:
    settings = Settings(
        slack_bot_token="xoxb-test",  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_api_url=slack_server.api_url,
        mentorship_admins=frozenset({"UOLGA"}),
        database_url=database_url,  # type: ignore[arg-type]
    )
    clock = FakeClock(NOW)
    bot = build_bot(settings, database_url, clock=clock)
    server = make_server("127.0.0.1", 0, bot.wsgi, server_class=_Threaded, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    sender = SlackSender(f"http://{host}:{port}/slack/events", SECRET)
    yield Harness(bot, slack_server.slack, slack_server, sender, clock)
    server.shutdown()
    bot.engine.dispose()


@pytest.fixture
def h(harness: Harness, owner_engine: Engine) -> Iterator[Harness]:
    """The harness with an empty database, an empty call record and the clock reset."""
    harness.slack.clear()
    harness.slack.faults.clear()
    harness.clock.set(NOW)
    yield harness
    with owner_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
