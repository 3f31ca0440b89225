"""The bot in this process over real HTTP, the fake Slack beside it (the shared
`bot.standin.workspace`), and a clock on the fake Slack's side: each Web API
call and response-URL post is stamped when it arrives, so "the person sees it"
is measured from the moment the request was sent until Slack got the answer."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.errors import is_apology
from bot.runtime import Bot, settle_heap
from bot.standin import payloads
from bot.standin.clock import FakeClock
from bot.standin.signing import Reply, SlackSender
from bot.standin.slack_api import Call, FakeSlack, FakeSlackServer
from bot.standin.workspace import StandInSlack, running_workspace
from bot.work import AfterAck

SECRET = "bench-signing-secret"


class BenchFailure(RuntimeError):
    """The bot answered with an error (or not at all) where a result was expected."""


class NeverIdle(RuntimeError):
    """The bot's work after acks never finished: what follows would not be
    timed alone, so the bench ends."""


# A coalesced Home publish is due within HOME_EVERY_S; the slowest screen
# measured (the CSV export at 1M sessions) takes about a second.
IDLE_WITHIN_S = 15.0


def wait_idle(work: AfterAck, timeout: float = IDLE_WITHIN_S) -> None:
    """Return once nothing is reserved, queued, running or scheduled for
    later (a coalesced Home publish) on the bot's pool after acks."""
    if not work.wait_idle(timeout):
        raise NeverIdle(f"the bot was still busy after {timeout:g} s")


class StampedCalls(list[Call]):
    """FakeSlack's call record, with the arrival time of every call and a way
    to wait for one."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: list[float] = []
        self.changed = threading.Condition()

    def append(self, call: Call) -> None:
        with self.changed:
            super().append(call)
            self.stamps.append(time.perf_counter())
            self.changed.notify_all()

    def clear(self) -> None:
        with self.changed:
            super().clear()
            self.stamps.clear()

    def mark(self) -> int:
        with self.changed:
            return len(self)

    def wait_for(
        self,
        after: int,
        wanted: Callable[[Call], bool],
        *,
        user_id: str | None = None,
        timeout: float = 120.0,
    ) -> tuple[Call, float]:
        """The first call from index `after` on that is `wanted`, and its arrival
        time; BenchFailure when the bot apologised to `user_id` instead."""
        deadline = time.perf_counter() + timeout
        index = after
        with self.changed:
            while True:
                while index < len(self):
                    call = self[index]
                    if wanted(call):
                        return call, self.stamps[index]
                    if (
                        user_id is not None
                        and call.method == "chat.postMessage"
                        and call.params.get("channel") == user_id
                        and is_apology(str(call.params.get("text", "")))
                    ):
                        raise BenchFailure(str(call.params.get("text")))
                    index += 1
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    raise BenchFailure("timed out waiting for Slack to hear from the bot")
                self.changed.wait(remaining)


@dataclass(frozen=True)
class Timed:
    """One request: seconds until the HTTP ack, and until the person sees the result."""

    began: float  # time.perf_counter() when the request was sent
    ack: float | None  # None for a direct call (no HTTP)
    seen: float
    reply: Reply | None = None
    call: Call | None = None
    detail: str = ""


class BotUnderTest:
    """Sends Slack-shaped, signed requests to the running bot and times them."""

    def __init__(self, bot: Bot, slack: FakeSlack, server: FakeSlackServer, url: str) -> None:
        self.bot = bot
        self.slack = slack
        self.server = server
        self.calls: StampedCalls = slack.calls  # type: ignore[assignment]
        self.sender = SlackSender(url, SECRET)
        self._names = iter(range(1, 1 << 62))
        # The database keeps the event ids it has seen (Slack's retries): names
        # counted from 1 again in a later run on the same database were taken
        # for retries, and those Homes were never published.
        self._run = uuid.uuid4().hex[:8]

    def idle(self) -> None:
        wait_idle(self.bot.listeners)

    def _name(self, kind: str) -> str:
        return f"bench-{kind}-{self._run}-{next(self._names)}"

    def _send(
        self, post: Callable[[], Reply], wanted: Callable[[Call], bool] | None, user_id: str
    ) -> Timed:
        mark = self.calls.mark()
        began = time.perf_counter()
        reply = post()
        acked = time.perf_counter()
        if reply.status != 200:
            raise BenchFailure(f"HTTP {reply.status}: {reply.body[:200]}")
        if wanted is None:
            return Timed(began, acked - began, acked - began, reply)
        call, seen = self.calls.wait_for(mark, wanted, user_id=user_id)
        return Timed(began, acked - began, seen - began, reply, call)

    def command(self, user_id: str, text: str) -> Timed:
        """`/mentor text`; seen when the answer is posted to the response URL."""
        name = self._name("cmd")
        fields = payloads.command(user_id, text, response_url=self.server.response_url(name))
        return self._send(lambda: self.sender.form(fields), _response_url(name), user_id)

    def select_period(self, user_id: str, value: str, action_id: str) -> Timed:
        """A choice in a select of an ephemeral message; seen when the message is
        replaced through its response URL."""
        name = self._name("act")
        payload = payloads.block_action(
            user_id,
            action_id,
            value,
            response_url=self.server.response_url(name),
            selected=True,
        )
        return self._send(lambda: self.sender.interaction(payload), _response_url(name), user_id)

    def open_modal(self, user_id: str, action_id: str, value: str) -> Timed:
        """A button that opens a modal; seen when the built view replaces the
        loading one (views.update)."""
        payload = payloads.block_action(user_id, action_id, value)
        return self._send(
            lambda: self.sender.interaction(payload),
            lambda call: call.method == "views.update",
            user_id,
        )

    def submit(
        self, user_id: str, view: dict[str, Any], values: dict[str, Any], *, done_text: str
    ) -> tuple[Timed, float]:
        """A modal submission; seen with the ack (it closes the modal). Also
        returns when the follow-up DM starting with `done_text` arrived."""
        payload = payloads.view_submission(user_id, view, values)
        mark = self.calls.mark()
        timed = self._send(lambda: self.sender.interaction(payload), None, user_id)
        body = timed.reply.json()
        if body and body.get("response_action") == "errors":
            raise BenchFailure(f"the form was refused: {body.get('errors')}")
        _, dm_at = self.calls.wait_for(
            mark,
            lambda call: (
                call.method == "chat.postMessage"
                and call.params.get("channel") == user_id
                and str(call.params.get("text", "")).startswith(done_text)
            ),
            user_id=user_id,
        )
        return timed, dm_at - timed.began

    def home_opened(self, user_id: str) -> Timed:
        """`app_home_opened`; seen when the Home tab is published."""
        event = payloads.event_callback(
            payloads.home_opened(user_id), event_id=self._name("Ev").replace("-", "")
        )
        return self._send(
            lambda: self.sender.event(event),
            lambda call: call.method == "views.publish" and call.params.get("user_id") == user_id,
            user_id,
        )


def _response_url(name: str) -> Callable[[Call], bool]:
    return lambda call: call.method == "response_url" and call.params.get("response_url_id") == name


@contextmanager
def running_bot(
    database_url: str,
    *,
    admins: frozenset[str],
    clock: FakeClock,
    people: list[tuple[str, str, str]],
) -> Iterator[BotUnderTest]:
    """The bot over HTTP on 127.0.0.1 with a fake Slack that knows `people`
    (slack id, name, zone)."""
    slack = StandInSlack(calls=StampedCalls())
    for user_id, name, zone in people:
        slack.add_user(user_id, name, zone)
    settings = Settings(
        slack_bot_token="xoxb-bench",  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        mentorship_admins=admins,
        database_url=database_url,  # type: ignore[arg-type]
    )
    with (
        FakeSlackServer(slack) as server,
        running_workspace(settings, database_url, server, clock) as workspace,
    ):
        settle_heap()  # as `mentorbot serve` does in each worker
        yield BotUnderTest(workspace.bot, slack, server, workspace.sender.url)
