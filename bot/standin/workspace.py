"""The bot over real HTTP with the stand-in Slack beside it: what the handler
tests, the benchmarks, `mentorbot demo` and `mentorbot console` all drive.

It sends what Slack would send (signed commands, clicks, submissions, events)
and waits for what the bot sends back: the bot acks first and does the rest on
its own threads, so what a person sees arrives some time after the HTTP reply."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any, TypeVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import WSGIApplication

from bot.config import Settings
from bot.runtime import Bot, build_bot
from bot.standin import payloads
from bot.standin.clock import FakeClock
from bot.standin.signing import Reply, SlackSender
from bot.standin.slack_api import Call, FakeSlack, FakeSlackServer

T = TypeVar("T")

# Calls the bot makes that nobody sees on a screen.
BACKSTAGE = frozenset({"auth.test", "users.info", "conversations.open"})


class NotSeen(AssertionError):
    """What was waited for did not arrive in time (an AssertionError, so a test
    that waits reports it as the failed expectation it is)."""


def wait_for(probe: Callable[[], T], *, timeout: float = 10.0, what: str = "the bot") -> T:
    """Poll until `probe` returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise NotSeen(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


class _Threaded(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the callers' own output is the record."""


@contextmanager
def serve_http(app: WSGIApplication) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port) in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, server_class=_Threaded, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()


class Workspace:
    def __init__(
        self, bot: Bot, server: FakeSlackServer, sender: SlackSender, clock: FakeClock
    ) -> None:
        self.bot = bot
        self.server = server
        self.slack: FakeSlack = server.slack
        self.sender = sender
        self.clock = clock
        # Response URL name -> the person whose command or click it answers.
        self.responders: dict[str, str] = {}
        self._names = itertools.count(1)

    # -- what Slack sends ----------------------------------------------------

    def _response_url(self, kind: str, user_id: str) -> str:
        name = f"{kind}-{user_id}-{next(self._names)}"
        self.responders[name] = user_id
        return self.server.response_url(name)

    def command(self, user_id: str, text: str) -> Reply:
        url = self._response_url("cmd", user_id)
        return self.sender.form(payloads.command(user_id, text, response_url=url))

    def click(self, user_id: str, action_id: str, value: str, **kwargs: Any) -> Reply:
        url = self._response_url("act", user_id)
        payload = payloads.block_action(user_id, action_id, value, response_url=url, **kwargs)
        return self.sender.interaction(payload)

    def submit(self, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> Reply:
        return self.sender.interaction(payloads.view_submission(user_id, view, values))

    def event(self, event: dict[str, Any], **kwargs: Any) -> Reply:
        return self.sender.event(payloads.event_callback(event, **kwargs))

    def open_home(self, user_id: str) -> Reply:
        return self.event(payloads.home_opened(user_id))

    # -- what the bot sent ---------------------------------------------------

    def calls(self, method: str, **match: Any) -> list[Call]:
        return [
            call
            for call in self.slack.calls_to(method)
            if all(call.params.get(k) == v for k, v in match.items())
        ]

    def next_call(self, method: str, *, after: int = 0, **match: Any) -> Call:
        """Wait for call number `after` + 1 to `method` (matching `match`)."""
        return wait_for(lambda: self.calls(method, **match)[after:], what=f"a {method} call")[0]

    def opened_view(self, *, after: int = 0) -> dict[str, Any]:
        """The modal as the person sees it once loaded: the app opens a small view
        at once and replaces it (views.update) when the real one is built."""
        return self.next_call("views.update", after=after).view()

    def last_view_opened(self) -> dict[str, Any]:
        updates = wait_for(lambda: self.slack.calls_to("views.update"), what="a modal")
        return updates[-1].view()

    def mark(self) -> int:
        """A place in the call record, for `since`."""
        with self.slack.lock:
            return len(self.slack.calls)

    def since(self, mark: int) -> list[Call]:
        with self.slack.lock:
            return list(self.slack.calls[mark:])

    def settle(self, mark: int, *, first: float = 5.0, quiet: float = 0.3) -> None:
        """Return once the bot has gone quiet after `mark`: wait up to `first`
        seconds for something a person sees, then until nothing new came for
        `quiet` seconds. Slack gets no signal that a listener has finished, so
        silence stands in for one; a later call is simply seen later."""
        try:
            wait_for(
                lambda: any(c.method not in BACKSTAGE for c in self.since(mark)), timeout=first
            )
        except NotSeen:
            return
        seen = -1
        while seen != (count := len(self.since(mark))):
            seen = count
            time.sleep(quiet)


@contextmanager
def running_workspace(
    settings: Settings, database_url: str, server: FakeSlackServer, clock: FakeClock
) -> Iterator[Workspace]:
    """The bot built from `settings` (pointed at `server`) on `database_url`,
    served over HTTP for as long as the block runs."""
    settings = settings.model_copy(update={"slack_api_url": server.api_url})
    bot = build_bot(settings, database_url, clock=clock)
    secret = settings.slack_signing_secret
    assert secret is not None  # build_bot refuses to start without one
    try:
        with serve_http(bot.wsgi) as base_url:
            sender = SlackSender(f"{base_url}/slack/events", secret.get_secret_value())
            yield Workspace(bot, server, sender, clock)
    finally:
        bot.engine.dispose()
