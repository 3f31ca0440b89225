"""The bot over real HTTP with the stand-in Slack beside it: what the handler
tests, the benchmarks, `mentorbot demo` and `mentorbot console` all drive.

It sends what Slack would send (signed commands, clicks, submissions, events)
and waits for what the bot sends back: the bot acks first and does the rest on
its own threads, so what a person sees arrives after the HTTP reply; `settle`
waits until those threads are done."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any, TypeVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import WSGIApplication

from bot.config import Settings
from bot.runtime import Bot, build_bot
from bot.standin import payloads, seen
from bot.standin.clock import FakeClock
from bot.standin.payloads import Where
from bot.standin.seen import Sight
from bot.standin.signing import Reply, SlackSender
from bot.standin.slack_api import Call, FakeSlack, FakeSlackServer, dm_channel

T = TypeVar("T")


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
    assert isinstance(host, str)  # an AF_INET server's (host, port)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class StandInSlack(FakeSlack):
    """The fake Slack, remembering its answers: the ts of each message it posted
    (so a click reports the message it was in) and the id of each view it
    opened (so a later views.update is known to be that person's). Like Slack,
    it refuses `chat.update` of a message it never posted."""

    _answers: dict[int, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)
    _messages: set[tuple[str, str]] = field(default_factory=set)
    view_triggers: dict[str, str] = field(default_factory=dict)  # view id -> trigger id

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        place = (dm_channel(str(params.get("channel") or "")), str(params.get("ts")))
        if method == "chat.update" and place not in self._messages:
            answer: dict[str, Any] = {"ok": False, "error": "message_not_found"}
        else:
            answer = super().answer(method, params)
        with self.lock:
            if method == "chat.postMessage":
                answer["channel"] = dm_channel(str(answer["channel"]))
                self._messages.add((answer["channel"], answer["ts"]))
            if method in ("views.open", "views.push"):
                self.view_triggers[answer["view"]["id"]] = str(params.get("trigger_id"))
            # Keyed by the params' identity, which the recorded Call shares; the
            # params are kept, so the key is never reused for another call.
            self._answers[id(params)] = (params, answer)
        return answer

    def answered(self, call: Call) -> dict[str, Any] | None:
        with self.lock:
            found = self._answers.get(id(call.params))
        return found[1] if found is not None and found[0] is call.params else None

    def clear(self) -> None:
        """Forget the calls and their answers (the messages stay in Slack)."""
        super().clear()
        with self.lock:
            self._answers.clear()


@dataclass(frozen=True)
class _Responder:
    user_id: str
    origin: Where  # the message clicked (or the channel a command was typed in)


class Workspace:
    """Drives the bot as Slack would, and knows what only the driver knows:
    whose command or click each response URL and trigger came from."""

    def __init__(
        self, bot: Bot, server: FakeSlackServer, sender: SlackSender, clock: FakeClock
    ) -> None:
        if not isinstance(server.slack, StandInSlack):
            raise TypeError("the workspace needs a StandInSlack, which remembers its answers")
        self.bot = bot
        self.server = server
        self.slack: StandInSlack = server.slack
        self.sender = sender
        self.clock = clock
        self._responders: dict[str, _Responder] = {}  # response URL name -> whose
        self._triggers: dict[str, str] = {}  # trigger id -> whose
        self._viewers: dict[str, str] = {}  # view id -> who last acted in it
        self._reply_ts: dict[int, tuple[Mapping[str, Any], str]] = {}
        self._names = itertools.count(1)
        self._lock = threading.Lock()

    # -- what Slack sends ----------------------------------------------------

    def _response_url(self, user_id: str, origin: Where) -> str:
        name = f"{user_id}-{next(self._names)}"
        self._responders[name] = _Responder(user_id, origin)
        return self.server.response_url(name)

    def _triggered(self, user_id: str, payload: Mapping[str, Any]) -> None:
        self._triggers[str(payload["trigger_id"])] = user_id
        if view := payload.get("view"):
            self._viewers[str(view.get("id"))] = user_id

    def command(self, user_id: str, text: str) -> Reply:
        where = Where(payloads.COMMAND_CHANNEL, self._mint(), ephemeral=True)
        fields = payloads.command(user_id, text, response_url=self._response_url(user_id, where))
        self._triggered(user_id, fields)
        return self.sender.form(fields)

    def click(
        self,
        user_id: str,
        action_id: str,
        value: str,
        *,
        on: Sight | None = None,
        view: dict[str, Any] | None = None,
        selected: bool = False,
    ) -> Reply:
        """A click in what `on` shows (or in `view`; or, with neither, in some
        message of the person's DM): the payload says which message or view."""
        if on is not None and on.is_view:
            view = on.view()
        if view is not None:
            payload = payloads.block_action(user_id, action_id, value, view=view, selected=selected)
        else:
            where = on.where if on is not None else None
            message = on.message() if on is not None else None
            payload = payloads.block_action(
                user_id, action_id, value, where=where, message=message, selected=selected
            )
            container = payload["container"]
            origin = Where(
                container["channel_id"], container["message_ts"], container["is_ephemeral"]
            )
            # Slack gives a response URL only for a click in a message.
            payload["response_url"] = self._response_url(user_id, origin)
        self._triggered(user_id, payload)
        return self.sender.interaction(payload)

    def submit(self, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> Reply:
        payload = payloads.view_submission(user_id, view, values)
        self._triggered(user_id, payload)
        return self.sender.interaction(payload)

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
        """A place in the call record, for `since` and `sights`."""
        with self.slack.lock:
            return len(self.slack.calls)

    def since(self, mark: int) -> list[Call]:
        with self.slack.lock:
            return list(self.slack.calls[mark:])

    def sights(self, mark: int) -> list[Sight]:
        """What the calls since `mark` showed, and to whom."""
        return seen.sights(self.since(mark), self)

    def settle(self, timeout: float = 10.0) -> None:
        """Return once the bot has finished with everything sent to it so far:
        it answers Slack first and goes on working on its listener threads (DMs
        to others, Home tabs), and everything it sends to Slack is recorded
        before that thread ends. The background jobs run in the caller's thread."""
        if not self.bot.listeners.wait_idle(timeout):
            raise NotSeen(f"the bot was still busy after {timeout:g} s")

    # -- seen.Record: whom the calls that name nobody are for ------------------

    def answer(self, call: Call) -> Mapping[str, Any] | None:
        return self.slack.answered(call)

    def reply_to(self, call: Call) -> tuple[str, Where] | None:
        responder = self._responders.get(str(call.params.get("response_url_id")))
        if responder is None:
            return None
        params = call.params
        if params.get("replace_original") or params.get("delete_original"):
            return responder.user_id, responder.origin
        # A new message beside the one clicked: Slack gives it a ts of its own.
        ephemeral = params.get("response_type") != "in_channel"
        return responder.user_id, Where(responder.origin.channel, self._mint(params), ephemeral)

    def opener(self, call: Call) -> str | None:
        trigger = call.params.get("trigger_id")
        if trigger is not None:
            return self._triggers.get(str(trigger))
        # views.update: the view was opened with someone's trigger, or (one the
        # app was answered with, which no call opened) someone acted in it.
        view_id = str(call.params.get("view_id"))
        opened_with = self.slack.view_triggers.get(view_id)
        return self._triggers.get(str(opened_with)) or self._viewers.get(view_id)

    def file(self, file_id: str) -> tuple[str, str] | None:
        name = self.slack.file_names.get(file_id)
        return None if name is None else (name, self.slack.uploaded(file_id) or "")

    def _mint(self, params: Mapping[str, Any] | None = None) -> str:
        """A ts for a message Slack made without telling the app (a reply to a
        response URL); the same one each time `params` is looked at."""
        with self._lock:
            if params is not None and (known := self._reply_ts.get(id(params))):
                return known[1]
            ts = f"{1800000000 + next(self._names)}.000300"
            if params is not None:
                self._reply_ts[id(params)] = (params, ts)
            return ts


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
        bot.close()
