"""The shape of a request: listeners grep can find, the ack before any work,
a bounded pool for the work after it with a clear reply when it is full, and
App Home publishes coalesced."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from bot.work import AfterAck
from domain.home import Viewer
from handlers import actions, commands, events, views
from handlers.click import LISTENERS as ACTION_LISTENERS
from handlers.listen import BUSY
from handlers.notifier import HomeCoalescer
from handlers.views import LISTENERS as VIEW_LISTENERS
from tests.handlers.conftest import Harness

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"


def _defined_by_grep() -> set[str]:
    """What `grep -rn "def handle_" handlers` lists."""
    found = set()
    for path in HANDLERS.rglob("*.py"):
        found |= set(re.findall(r"^def (handle_\w+)\(", path.read_text(), re.MULTILINE))
    return found


def test_every_listener_is_a_top_level_handle_function_that_grep_finds() -> None:
    registered: list[Callable[..., Any]] = [
        *ACTION_LISTENERS.values(),
        *VIEW_LISTENERS.values(),
        commands.handle_command_mentor,
        events.handle_event_app_home_opened,
        events.handle_event_user_change,
        events.handle_event_app_uninstalled,
        events.handle_event_tokens_revoked,
    ]
    names = {listener.__name__ for listener in registered}
    assert all(re.fullmatch(r"handle_(command|action|view|event)_\w+", n) for n in names)
    # Importable by that name from the module that defines it.
    for listener in registered:
        module = __import__(listener.__module__, fromlist=["_"])
        assert getattr(module, listener.__name__) is listener
    assert names == _defined_by_grep()
    assert ACTION_LISTENERS is actions.LISTENERS
    assert VIEW_LISTENERS is views.LISTENERS


def test_the_booking_screen_has_one_builder() -> None:
    builders = [
        str(path.relative_to(HANDLERS))
        for path in HANDLERS.rglob("*.py")
        if "booking_modal(" in path.read_text() and path.name != "booking.py"
    ]
    assert builders == ["screens.py"]
    # The command, the button and the submission (a series with a session that
    # is not free comes back with its nearest free time) ask the one builder.
    askers = sorted(p.name for p in HANDLERS.rglob("*.py") if "screens.booking(" in p.read_text())
    assert askers == ["booking_actions.py", "commands.py", "views.py"]


def _pool(**kwargs: Any) -> tuple[AfterAck, list[str]]:
    ended: list[str] = []
    pool = AfterAck(
        on_error=lambda error, body, client: ended.append(f"error {error}"),
        finished=lambda body, context, outcome: ended.append(outcome),
        **kwargs,
    )
    return pool, ended


def test_work_handed_over_while_answering_starts_only_once_the_answer_is_sent() -> None:
    pool, ended = _pool(workers=2, queue_limit=2)
    started = threading.Event()
    client = WebClient()
    with pool.holding() as release:
        slot = pool.reserve({}, {}, client)
        slot.acked()
        slot.run(started.set)
    assert not started.wait(0.2), "work started before the answer was sent"
    release()
    assert started.wait(5)
    assert pool.wait_idle(5)
    assert ended == ["ok"]
    pool.shutdown()


def test_the_pool_has_room_for_its_threads_and_its_queue_and_no_more() -> None:
    pool, _ = _pool(workers=1, queue_limit=1)
    client = WebClient()
    first, second, third = (pool.reserve({}, {}, client) for _ in range(3))
    assert (first.granted, second.granted, third.granted) == (True, True, False)
    third.finish()
    first.finish()
    assert pool.reserve({}, {}, client).granted
    pool.shutdown()


def test_a_command_that_finds_the_pool_full_is_told_at_once_that_the_bot_is_busy(
    h: Harness,
) -> None:
    work = h.bot.deps.work
    client = WebClient()
    taken = []
    while (slot := work.reserve({}, {}, client)).granted:
        taken.append(slot)
    slot.finish()
    try:
        reply = h.command("UBEN", "find python")
        assert reply.status == 200
        assert BUSY in reply.body
        assert not h.calls("response_url")
    finally:
        for slot in taken:
            slot.finish()


def test_home_publishes_are_coalesced_per_person_and_the_last_page_asked_for_wins() -> None:
    scheduled: list[tuple[float, Callable[[], None]]] = []
    published: list[list[Viewer]] = []
    homes = HomeCoalescer(
        every_s=5.0,
        later=lambda delay, work: scheduled.append((delay, work)),
        publish=lambda viewers: published.append(list(viewers)),
    )
    ben, maya = Viewer("T1", "UBEN"), Viewer("T1", "UMAYA")
    assert homes.due([ben, maya]) == [ben, maya]  # the first publish goes at once
    assert homes.due([ben]) == []
    assert homes.due([Viewer("T1", "UBEN", notifications_page=3)]) == []
    assert len(scheduled) == 1  # one later publish for Ben, whatever was asked meanwhile
    delay, work = scheduled[0]
    assert 0 < delay <= 5.0
    work()
    assert published == [[Viewer("T1", "UBEN", notifications_page=3)]]


def test_a_home_the_person_opens_goes_at_once_and_is_what_a_waiting_change_waited_for() -> None:
    scheduled: list[tuple[float, Callable[[], None]]] = []
    published: list[list[Viewer]] = []
    homes = HomeCoalescer(
        every_s=5.0,
        later=lambda delay, work: scheduled.append((delay, work)),
        publish=lambda viewers: published.append(list(viewers)),
    )
    ben = Viewer("T1", "UBEN")
    assert homes.due([ben]) == [ben]
    assert homes.due([ben]) == []  # a change: published later
    assert homes.opened(ben) == ben  # Ben opens the tab: now
    [(_, work)] = scheduled
    work()
    assert published == []  # the open showed the change already
    assert homes.due([ben]) == []  # the interval runs from the open
