"""Counts the round trips an engine makes to PostgreSQL, from libpq's own trace
of the protocol: every round trip ends with the server's ReadyForQuery.

Each connection of the engine is traced from its first use to its own file;
the trace is flushed whenever the connection goes back to the pool (libpq
writes it through a buffered stream), so read it between requests, not while
a connection is checked out. A pool pre-ping shows as the empty query (`;`).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import pq
from sqlalchemy import Engine, event

from bot.demo.cast import cast_slack
from bot.standin.clock import FakeClock
from bot.standin.payloads import select, text_input
from bot.standin.slack_api import Call, FakeSlackServer
from bot.standin.workspace import Workspace, running_workspace
from handlers.ids import Action, Field
from tests.handlers.conftest import NOW, bot_settings


@dataclass
class Trips:
    """Round trips by kind: `begin`, `commit`, `rollback`, `settings` (the
    transaction's `SELECT set_config(...)`), `ping`, `role` (a `SET ROLE` of its
    own), `statement` (everything else)."""

    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    def __sub__(self, other: Trips) -> Trips:
        return Trips(self.kinds - other.kinds)


def _kind(request: str) -> str:
    text = request.strip().strip('"').upper()
    if text in ("", ";"):
        return "ping"
    for kind in ("BEGIN", "COMMIT", "ROLLBACK"):
        if text.startswith(kind):
            return kind.lower()
    # The transaction's own settings (storage.engine.with_transaction_settings,
    # `true` written out); the dashboard's `work_mem` is one of its statements.
    if text.startswith("SELECT SET_CONFIG(") and ", TRUE)" in text:
        return "settings"
    if text.startswith("SET ROLE") or text.startswith("SET LOCAL ROLE"):
        return "role"
    return "statement"


class RoundTrips:
    def __init__(self, engine: Engine) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="roundtrips-"))
        self._files: list[Path] = []
        self._lock = threading.Lock()
        engine.dispose()  # only connections made from now on are traced
        event.listen(engine, "connect", self._trace)
        event.listen(engine, "checkin", self._flush)

    def _trace(self, dbapi_connection: Any, record: Any) -> None:
        assert isinstance(dbapi_connection, psycopg.Connection)
        with self._lock:
            path = self._folder / f"{len(self._files)}.trace"
            self._files.append(path)
        # libpq never closes the stream it is given: one descriptor per
        # connection, kept until the process ends.
        record.info["trace_fd"] = fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        dbapi_connection.pgconn.trace(fd)
        dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

    @staticmethod
    def _flush(dbapi_connection: Any, record: Any) -> None:
        fd = record.info.get("trace_fd") if record is not None else None
        live = isinstance(dbapi_connection, psycopg.Connection) and not dbapi_connection.closed
        if live and fd is not None:
            dbapi_connection.pgconn.untrace()  # flushes libpq's stream
            dbapi_connection.pgconn.trace(fd)
            dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

    def now(self) -> Trips:
        """Every round trip traced so far, by kind."""
        kinds: Counter[str] = Counter()
        with self._lock:
            files = list(self._files)
        for path in files:
            pending = "statement"
            for line in path.read_text(errors="replace").splitlines():
                parts = line.split("\t")
                if len(parts) < 3 or parts[0] not in ("F", "B"):
                    continue
                direction, message, rest = parts[0], parts[2], "\t".join(parts[3:])
                if direction == "F" and message == "Query":
                    pending = _kind(rest)
                elif direction == "F" and message == "Parse":
                    # ` "name" "the query" ...`
                    pending = _kind(rest.split('" "', 1)[-1])
                elif direction == "B" and message == "ReadyForQuery":
                    kinds[pending] += 1
        return Trips(kinds)


def _option_values(view: dict[str, Any], block_id: str) -> list[str]:
    for block in view["blocks"]:
        if block.get("block_id") == block_id:
            element = block["element"]
            groups = element.get("option_groups") or [{"options": element.get("options", [])}]
            return [option["value"] for group in groups for option in group["options"]]
    return []


def _buttons(call: Call, action_id: str) -> list[str]:
    return [
        element["value"]
        for block in call.blocks()
        for element in block.get("elements", [])
        if element.get("action_id") == action_id
    ]


def a_morning_of_requests(workspace: Workspace, trips: RoundTrips) -> dict[str, Trips]:
    """The round trips of each request of a short story (sign-ups, availability,
    search, booking, accepting, lists, the Home tab), post-ack work included.
    Needs the demo's people (Maya, Ben) in the fake Slack and empty tables."""
    h = workspace
    measured: dict[str, Trips] = {}

    def measure(name: str, request: Callable[[], object]) -> None:
        h.settle()
        before = trips.now()
        request()
        h.settle()
        measured[name] = trips.now() - before

    mentor_form = {
        Field.DEPARTMENT: text_input("Engineering"),
        Field.EXPERTISE: text_input("python"),
        Field.TIME_ZONE: select("Europe/London"),
        Field.SESSION_MINUTES: select("30"),
    }
    measure("/mentor signup mentor", lambda: h.command("UMAYA", "signup mentor"))
    measure("submit the mentor form", lambda: h.submit("UMAYA", h.opened_view(), mentor_form))
    measure("/mentor signup mentee", lambda: h.command("UBEN", "signup mentee"))
    mentee_form = {Field.DEPARTMENT: text_input("Sales"), Field.LEARNING_GOALS: text_input("py")}
    measure("submit the mentee form", lambda: h.submit("UBEN", h.opened_view(after=1), mentee_form))
    weekdays = "availability add mon-fri 09:00-12:00"
    measure("/mentor availability add", lambda: h.command("UMAYA", weekdays))
    mark = h.mark()
    measure("/mentor find", lambda: h.command("UBEN", "find pyth"))
    found = next(call for call in h.since(mark) if call.method == "response_url")
    measure("click Book", lambda: h.click("UBEN", Action.BOOK, _buttons(found, Action.BOOK)[0]))
    booking = h.last_view_opened()
    slot = _option_values(booking, Field.SLOT)[0]
    mark = h.mark()
    measure(
        "submit the booking",
        lambda: h.submit("UBEN", booking, {Field.SLOT: select(slot), Field.TOPIC: text_input("G")}),
    )
    request = next(
        call
        for call in h.since(mark)
        if call.method == "chat.postMessage" and call.params.get("channel") == "UMAYA"
    )
    measure(
        "click Accept", lambda: h.click("UMAYA", Action.ACCEPT, _buttons(request, Action.ACCEPT)[0])
    )
    measure("/mentor sessions", lambda: h.command("UBEN", "sessions"))
    measure("open the Home tab", lambda: h.open_home("UMAYA"))
    return measured


@contextmanager
def a_bot_on(url: str) -> Iterator[Workspace]:
    """The test bot on the database at `url`, with the demo's people in Slack."""
    with (
        FakeSlackServer(cast_slack()) as slack,
        running_workspace(bot_settings(url), url, slack, FakeClock(NOW)) as workspace,
    ):
        yield workspace
