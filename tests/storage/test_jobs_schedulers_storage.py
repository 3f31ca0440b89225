"""Three schedulers running every background job at the same simulated minutes
on PostgreSQL make each notice and digest exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from domain.digest import claim_digest, mark_digest_posted
from domain.lifecycle import run_lifecycle
from domain.reminders import send_due_reminders
from domain.sessions import cancel, complete, mark_no_show
from tests.dates import MONDAY
from tests.fakes.uow import FakeClock
from tests.storage.jobs_world import CHANNEL, MONDAY_9, WEEK, S, World

pytestmark = pytest.mark.usefixtures("clean_tables")


def _ticks() -> list[datetime]:
    """Hourly from Sunday 08:00, every 15 minutes on Monday until 18:00, then
    hourly until Tuesday 18:00 (a day after the last session's end)."""
    sunday_8 = MONDAY - timedelta(hours=16)
    ticks = [sunday_8 + timedelta(hours=h) for h in range(16)]
    ticks += [MONDAY + timedelta(minutes=15 * q) for q in range(18 * 4 + 1)]
    ticks += [MONDAY + timedelta(hours=19 + h) for h in range(24)]
    return ticks


def test_three_schedulers_at_the_same_minutes_make_each_notice_and_digest_exactly_once(
    world: World,
) -> None:
    created = MONDAY - timedelta(hours=18)  # Sunday 06:00

    def at(hour: int, minute: int = 0) -> datetime:
        return MONDAY + timedelta(hours=hour, minutes=minute)

    s = {
        # Completed an hour after the end: prompted, never nudged.
        "a": world.session("UMAYA", "UBEN", at(9), created_at=created),
        # Never completed: prompted and nudged.
        "b": world.session("UMAYA", "UCARA", at(10), created_at=created),
        "c": world.session("UNOOR", "UBEN", at(11), created_at=created),
        # Cancelled on Monday morning: the day-before reminders only.
        "d": world.session("UNOOR", "UDEV", at(13), minutes=45, created_at=created),
        # Never accepted: expires at its start.
        "e": world.session("UMAYA", "UDEV", at(15), status=S.REQUESTED, created_at=created),
        # A no-show, recorded before its end: neither prompt nor nudge.
        "f": world.session("UNOOR", "UCARA", at(16), created_at=created),
        # Another workspace, never completed.
        "g": world.session("UXIA", "UYUSUF", at(9), created_at=created),
    }
    clock = FakeClock(MONDAY - timedelta(hours=16))  # Sunday 08:00, the first tick
    actions: dict[datetime, Callable[[], object]] = {
        at(8): lambda: cancel(world.uow("UDEV"), clock, session_id=s["d"], reason="Clash"),
        at(10): lambda: complete(
            world.uow("UMAYA"), clock, session_id=s["a"], notes="Good", actual_minutes=30
        ),
        at(16, 15): lambda: mark_no_show(world.uow("UNOOR"), clock, session_id=s["f"]),
    }
    posts: list[tuple[str, date]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    ticks = _ticks()
    start, done = threading.Barrier(4), threading.Barrier(4)

    def lifecycle() -> None:
        run_lifecycle(world.system, clock)

    def reminders() -> None:
        send_due_reminders(world.system(), clock)

    def digest() -> None:
        for claimed in claim_digest(
            world.system(), clock, schedule=MONDAY_9, default_channel=CHANNEL
        ):
            with lock:
                posts.append((claimed.workspace_id, claimed.week_start))
            mark_digest_posted(
                world.system(),
                clock,
                workspace_id=claimed.workspace_id,
                week=claimed.week_start,
                ts="1.0",
            )

    def scheduler(index: int) -> None:
        jobs = [lifecycle, reminders, digest]
        jobs = jobs[index:] + jobs[:index]  # each scheduler in its own order
        for _ in ticks:
            start.wait(timeout=60)
            try:
                for job in jobs:
                    job()
            except BaseException as exc:
                errors.append(exc)
            done.wait(timeout=120)

    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    try:
        for tick in ticks:
            clock.set(tick)
            action = actions.get(tick)
            if action is not None:
                action()
            start.wait(timeout=60)
            done.wait(timeout=120)
    finally:
        for thread in threads:
            thread.join(timeout=120)
    assert errors == []

    def counted(sql: str) -> dict[object, int]:
        return dict(world.rows(sql))  # type: ignore[arg-type]

    by_session = {v: k for k, v in s.items()}
    reminders_sent = world.rows(
        "SELECT session_id, payload->>'lead_minutes', count(*) FROM notifications"
        " WHERE kind = 'reminder' GROUP BY 1, 2"
    )
    assert sorted((by_session[sid], lead, n) for sid, lead, n in reminders_sent) == sorted(
        [(name, "1440", 2) for name in "abcdfg"] + [(name, "15", 2) for name in "abcfg"]
    )
    prompts = world.rows(
        "SELECT session_id, coalesce(payload->>'nudge', '0'), count(*) FROM notifications"
        " WHERE kind = 'complete_prompt' GROUP BY 1, 2"
    )
    assert sorted((by_session[sid], nudge, n) for sid, nudge, n in prompts) == sorted(
        [(name, "0", 1) for name in "abcg"] + [(name, "1", 1) for name in "bcg"]
    )
    expired = world.rows(
        "SELECT session_id, count(*) FROM notifications WHERE kind = 'request_expired' GROUP BY 1"
    )
    assert expired == [(s["e"], 1)]
    started = counted(
        "SELECT session_id, count(*) FROM session_history WHERE to_status = 'ongoing' GROUP BY 1"
    )
    assert {by_session[sid]: n for sid, n in started.items()} == dict.fromkeys("abcfg", 1)
    statuses = dict(world.rows("SELECT id, status FROM sessions"))
    assert {name: statuses[sid] for name, sid in s.items()} == {
        "a": "completed",
        "b": "ongoing",
        "c": "ongoing",
        "d": "cancelled",
        "e": "expired",
        "f": "no_show",
        "g": "ongoing",
    }
    # The first tick found last week's digest unposted; Monday 09:00 made this week's.
    weeks = [(ws, week) for ws in ("T1", "T2") for week in (WEEK - timedelta(days=7), WEEK)]
    assert sorted(posts) == weeks
    assert world.rows(
        "SELECT workspace_id, week, attempts, posted_at IS NOT NULL FROM digests ORDER BY 1, 2"
    ) == [(ws, week, 1, True) for ws, week in weeks]
