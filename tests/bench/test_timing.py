"""The single-request bench (bench/timing.py) times each run alone: the work
earlier runs left behind on the bot's pool after acks (a booking's DMs and
Home publishes, a coalesced publish due seconds later) is waited for first,
and a bot that never finishes ends the bench rather than every run's wait."""

from __future__ import annotations

import threading
import time

import pytest

from bench.harness import NeverIdle, Timed, wait_idle
from bench.timing import Bench
from bot.work import AfterAck


def _pool() -> AfterAck:
    return AfterAck(
        on_error=lambda error, body, client: None,
        finished=lambda body, context, outcome: None,
        workers=2,
        queue_limit=2,
    )


def test_each_run_starts_once_the_bot_is_idle() -> None:
    events: list[str] = []
    bench = Bench(runs=3, budget_s=60.0, idle=lambda: events.append("idle"))

    def once(run: int) -> Timed:
        events.append(f"run {run}")
        return Timed(began=0.0, ack=0.001, seen=0.002)

    section = bench.measure("a screen", once, note=lambda _: "")

    assert events == ["idle", "run 0", "idle", "run 1", "idle", "run 2", "idle", "run 3"]
    assert section.seen == [0.002, 0.002, 0.002]


def test_waiting_for_idle_waits_for_work_scheduled_for_later() -> None:
    pool = _pool()
    done = threading.Event()
    pool.later(0.3, done.set)
    began = time.perf_counter()

    wait_idle(pool, timeout=5.0)

    assert done.is_set()
    assert time.perf_counter() - began >= 0.3


def test_a_bot_that_never_finishes_ends_the_bench() -> None:
    pool = _pool()
    stuck = threading.Event()
    pool.later(0.0, lambda: stuck.wait(5.0))
    runs: list[int] = []
    bench = Bench(runs=30, budget_s=60.0, idle=lambda: wait_idle(pool, timeout=0.2))
    try:
        with pytest.raises(NeverIdle, match=r"still busy after 0\.2 s"):
            bench.measure("a screen", lambda run: runs.append(run), note=lambda _: "")
    finally:
        stuck.set()
    assert runs == []
    assert pool.wait_idle(5.0)
