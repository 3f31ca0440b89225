"""What happens to each Slack request: a prompt acknowledgement and one log line.

Bolt runs a listener on a pool thread and answers Slack once that thread has
called `ack()`, noticing it by polling every 10 ms: every request would wait
about 10 ms for nothing. Here the ack signals an event and the pool's `submit`
waits on it, so Bolt finds the ack already made when it first looks.

The log line is written when the listener has finished (work after the ack
included): the handler, the Slack user and team, the outcome, the time until
the ack and until the end. Never the text people typed."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.context.ack import Ack
from slack_bolt.listener.listener_completion_handler import ListenerCompletionHandler
from slack_bolt.listener.listener_start_handler import ListenerStartHandler

from handlers import outcome
from handlers.commands import SUBCOMMANDS

log = logging.getLogger("mentorbot.requests")

# Bolt's own limit for a listener to ack.
ACK_WAIT_S = 3.0
LISTENER_THREADS = 8
_RECEIVED = "mentorbot_received_at"


class SignallingAck(Ack):
    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # slack_bolt's Ack.__init__ is unannotated
        self.made = threading.Event()
        self.made_at: float | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self.made_at = time.perf_counter()
            self.made.set()


# The ack of the request the current (request) thread is dispatching.
_dispatching = threading.local()


class PromptAckExecutor(ThreadPoolExecutor):
    """Bolt's listener pool: returns from `submit` once the listener has acked,
    and knows when no listener is running (`wait_idle`), which the stand-in's
    driver uses to tell that the bot has finished answering."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self._idle = threading.Condition()
        self._running = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._running += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        ack: SignallingAck | None = getattr(_dispatching, "ack", None)
        _dispatching.ack = None  # only the listener itself, not lazy work after it
        if ack is not None:
            future.add_done_callback(lambda _: ack.made.set())
            ack.made.wait(ACK_WAIT_S)
        return future

    def _finished(self, _future: Future[Any] | None) -> None:
        with self._idle:
            self._running -= 1
            if not self._running:
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no listener runs; False if some still did after `timeout`."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)


def describe(body: dict[str, Any]) -> str:
    """The handler a request reaches, named without anything the person typed."""
    kind = str(body.get("type") or "")
    if "command" in body:
        word = str(body.get("text") or "").split(maxsplit=1)
        name = word[0].lower() if word and word[0].lower() in SUBCOMMANDS else "help"
        return f"command {body['command']} {name}"
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return f"action {actions[0].get('action_id', '?')}"
    if kind in ("view_submission", "view_closed"):
        return f"{kind} {(body.get('view') or {}).get('callback_id', '?')}"
    if kind == "event_callback":
        return f"event {(body.get('event') or {}).get('type', '?')}"
    return kind or "unknown"


def _user(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    return str(body.get("user_id") or (body.get("event") or {}).get("user") or "")


def _team(body: dict[str, Any]) -> str:
    team = body.get("team")
    return str(team.get("id") if isinstance(team, dict) else body.get("team_id") or "")


class _Started(ListenerStartHandler):
    def handle(self, request: BoltRequest, response: BoltResponse | None) -> None:
        outcome.reset()


class _Finished(ListenerCompletionHandler):
    def handle(self, request: BoltRequest, response: BoltResponse | None) -> None:
        now = time.perf_counter()
        received = request.context.get(_RECEIVED, now)
        ack = request.context.get("ack")
        made_at = ack.made_at if isinstance(ack, SignallingAck) else None
        body = request.body
        log.info(
            "request",
            extra={
                "fields": {
                    "handler": describe(body),
                    "user": _user(body),
                    "team": _team(body),
                    "outcome": outcome.current(),
                    "ack_ms": round((made_at - received) * 1000, 1) if made_at else None,
                    "duration_ms": round((now - received) * 1000, 1),
                }
            },
        )


def observe(app: App) -> None:
    """Give `app` the prompt ack and the request log (it must have been built
    with a `PromptAckExecutor`)."""

    @app.middleware
    def arm(context: dict[str, Any], next: Callable[[], None]) -> None:
        context[_RECEIVED] = time.perf_counter()
        ack = SignallingAck()
        context["ack"] = ack
        # Bolt runs the listener after the middleware chain has returned, on
        # this thread; the executor's `submit` takes the ack from here.
        _dispatching.ack = ack
        next()

    runner = app.listener_runner
    runner.listener_start_handler = _Started()
    runner.listener_completion_handler = _Finished()
