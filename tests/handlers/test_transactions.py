"""One pass per request: a Slack request of any kind runs at most three
database transactions, the work after its ack included (the DMs it sends, the
Homes it publishes), counted on the bot's own engine as they begin.

Each request is measured once the bot is idle and no Home was published within
the coalescing interval (a Home asked for again sooner is published once, later,
in a transaction of its own that serves every request that asked meanwhile)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from bot.standin.clock import FakeClock
from bot.standin.forms import fill
from bot.standin.payloads import select, text_input
from bot.standin.slack_api import FakeSlackServer
from bot.standin.workspace import running_workspace
from handlers.ids import Action, Field
from handlers.metadata import GoalRef, MentorRef, SessionRef
from tests.handlers.conftest import NOW, Harness, bot_settings
from tests.handlers.people import mentor_and_mentee
from tests.storage.seed import set_actor

EVERY_S = 0.3  # the Home coalescing interval in this module
MOST = 3


@pytest.fixture(scope="module")
def harness(app_database_url: str, slack_server: FakeSlackServer) -> Iterator[Harness]:
    settings = bot_settings(app_database_url, mentorship_home_every_s=EVERY_S)
    with running_workspace(settings, app_database_url, slack_server, FakeClock(NOW)) as workspace:
        yield workspace


class Transactions:
    """Counts the transactions begun on an engine while it listens (or, with
    another engine event, the statements it runs)."""

    def __init__(self, engine: Engine, counted_event: str = "begin") -> None:
        self._engine = engine
        self._event = counted_event
        self._lock = threading.Lock()
        self.count = 0

    def _begun(self, *_: Any) -> None:
        with self._lock:
            self.count += 1

    def during(self, h: Harness, request: Callable[[], object]) -> int:
        """The transactions `request` runs, until the bot has finished with it."""
        h.settle()
        time.sleep(EVERY_S + 0.1)  # no Home published within the interval
        self.count = 0
        event.listen(self._engine, self._event, self._begun)
        try:
            request()
            h.settle()
        finally:
            event.remove(self._engine, self._event, self._begun)
        return self.count


def _maya_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM users WHERE slack_user_id = 'UMAYA'")).scalar_one()


def test_every_kind_of_request_runs_at_most_three_transactions(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    counted = Transactions(h.bot.engine)
    seen: dict[str, int] = {}

    seen["command find"] = counted.during(h, lambda: h.command("UBEN", "find python"))
    assert "Maya" in h.next_call("response_url").text()
    seen["command match"] = counted.during(h, lambda: h.command("UBEN", "match"))
    assert "knows Python" in h.next_call("response_url", after=1).text()

    mentor = MentorRef(mentor_id=_maya_id(owner_engine)).encode()
    seen["button book (opens the modal)"] = counted.during(
        h, lambda: h.click("UBEN", Action.BOOK, mentor)
    )
    view = h.last_view_opened()
    slot = view["blocks"][1]["element"]["option_groups"][0]["options"][0]["value"]

    seen["submission book"] = counted.during(
        h, lambda: h.submit("UBEN", view, {Field.SLOT: select(slot)})
    )
    assert h.calls("chat.postMessage", channel="UMAYA"), "the mentor was told"
    with owner_engine.connect() as conn:
        session_id = conn.execute(text("SELECT max(id) FROM sessions")).scalar_one()

    h.slack.clear()
    seen["button accept"] = counted.during(
        h, lambda: h.click("UMAYA", Action.ACCEPT, SessionRef(session_id=session_id).encode())
    )
    assert h.calls("chat.postMessage", channel="UBEN"), "the mentee was told"
    assert h.calls("views.publish", user_id="UBEN")
    assert h.calls("views.publish", user_id="UMAYA")

    h.slack.clear()
    seen["home opened by a manager"] = counted.during(h, lambda: h.open_home("UOLGA"))
    seen["home opened at first sight"] = counted.during(h, lambda: h.open_home("UCARA"))
    assert h.calls("views.publish", user_id="UOLGA")
    assert h.calls("views.publish", user_id="UCARA")

    h.slack.clear()
    seen["button settings (opens the modal)"] = counted.during(
        h, lambda: h.click("UOLGA", Action.OPEN_SETTINGS, "")
    )
    settings = h.last_view_opened()
    seen["submission settings"] = counted.during(
        h, lambda: h.submit("UOLGA", settings, fill(settings, {Field.MAX_OPEN: "4"}))
    )
    assert h.calls("conversations.info") == []  # the channel was not changed
    assert h.calls("views.publish", user_id="UOLGA")

    assert all(0 < count <= MOST for count in seen.values()), seen


def test_find_and_match_read_a_known_person_in_their_one_transaction(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    counted = Transactions(h.bot.engine)
    assert counted.during(h, lambda: h.command("UBEN", "find python")) == 1
    assert "Maya" in h.next_call("response_url").text()
    assert counted.during(h, lambda: h.command("UBEN", "match")) == 1
    assert "knows Python" in h.next_call("response_url", after=1).text()

    # Someone never seen is refused by the use case before it writes, made
    # known from their Slack profile, and answered: one more lookup, one record.
    h.slack.add_user("UNEW", "Nia New", tz="Asia/Tokyo")
    h.slack.clear()
    assert counted.during(h, lambda: h.command("UNEW", "find python")) == 3
    answer = h.next_call("response_url").text()
    assert "Maya" in answer
    assert h.calls("users.info", user="UNEW")
    with owner_engine.connect() as conn:
        zone = conn.execute(
            text("SELECT time_zone FROM users WHERE slack_user_id = 'UNEW'")
        ).scalar_one()
    assert zone == "Asia/Tokyo"


def test_a_search_reads_its_page_in_five_statements_and_a_shared_one_in_two(h: Harness) -> None:
    """The transaction's settings, the searcher with their sessions, the ranked
    page with each mentor's completed sessions, their weekly time and
    exceptions, and the sessions that keep them busy: every statement is a
    round trip. Someone else's same search within seconds shares that page,
    and reads only the settings and the searcher with their sessions."""
    mentor_and_mentee(h)
    statements = Transactions(h.bot.engine, "before_cursor_execute")
    assert statements.during(h, lambda: h.command("UBEN", "find python")) == 5
    answer = h.next_call("response_url").text()
    assert "Maya" in answer
    assert "0 sessions completed" in answer
    h.command("UCARA", "find leadership")  # Cara is seen, and known from then on
    h.next_call("response_url", after=1)
    h.slack.clear()
    assert statements.during(h, lambda: h.command("UCARA", "find python")) == 2
    assert "Maya" in h.next_call("response_url").text()


def test_a_known_person_opens_their_home_in_one_transaction(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    counted = Transactions(h.bot.engine)
    assert counted.during(h, lambda: h.open_home("UMAYA")) == 1
    assert "Maya" in str(h.calls("views.publish", user_id="UMAYA")[-1].params["view"])

    # Someone never seen: refused before the event is recorded, made known from
    # their Slack profile, then their Home is read and the event recorded once.
    h.slack.add_user("UNEW", "Nia New", tz="Asia/Tokyo")
    assert counted.during(h, lambda: h.open_home("UNEW")) == 3
    assert h.calls("views.publish", user_id="UNEW")
    with owner_engine.connect() as conn:
        recorded = conn.execute(text("SELECT count(*) FROM processed_events")).scalar_one()
    assert recorded == 2


def test_every_goal_request_runs_at_most_three_transactions(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    counted = Transactions(h.bot.engine)
    seen: dict[str, int] = {}

    seen["command goals (learning goals become goals)"] = counted.during(
        h, lambda: h.command("UBEN", "goals")
    )
    with owner_engine.connect() as conn:
        goal = conn.execute(text("SELECT id FROM goals")).scalar_one()
    # The empty form needs nothing from the database.
    assert counted.during(h, lambda: h.click("UBEN", Action.ADD_GOAL, "")) == 0
    form = h.last_view_opened()
    seen["submission add goal"] = counted.during(
        h, lambda: h.submit("UBEN", form, {Field.GOAL_TITLE: text_input("Give a talk")})
    )
    seen["button update goal"] = counted.during(
        h, lambda: h.click("UBEN", Action.UPDATE_GOAL, GoalRef(goal_id=goal).encode())
    )
    form = h.last_view_opened()
    seen["submission update goal"] = counted.during(
        h, lambda: h.submit("UBEN", form, {Field.GOAL_STATUS: select("in_progress")})
    )

    h.slack.clear()
    h.click("UBEN", Action.BOOK, MentorRef(mentor_id=_maya_id(owner_engine)).encode())
    view = h.opened_view()
    slot = view["blocks"][1]["element"]["option_groups"][0]["options"][0]["value"]
    seen["submission book about a goal"] = counted.during(
        h, lambda: h.submit("UBEN", view, {Field.SLOT: select(slot), Field.GOAL: select(str(goal))})
    )
    with owner_engine.connect() as conn:
        session_id = conn.execute(text("SELECT id FROM sessions")).scalar_one()
    ref = SessionRef(session_id=session_id).encode()
    seen["button mentee's goals"] = counted.during(
        h, lambda: h.click("UMAYA", Action.SESSION_GOALS, ref)
    )
    with owner_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(
            text("UPDATE sessions SET status = 'completed' WHERE id = :s"), {"s": session_id}
        )
    h.slack.clear()
    seen["button leave feedback"] = counted.during(
        h, lambda: h.click("UBEN", Action.LEAVE_FEEDBACK, ref)
    )
    form = h.last_view_opened()
    seen["submission feedback moving the goal"] = counted.during(
        h,
        lambda: h.submit(
            "UBEN", form, {Field.RATING: select("5"), Field.GOAL_STATUS: select("achieved")}
        ),
    )
    with owner_engine.connect() as conn:
        assert (
            conn.execute(text("SELECT status FROM goals WHERE id = :g"), {"g": goal}).scalar_one()
            == "achieved"
        )

    assert all(0 < count <= MOST for count in seen.values()), seen
