"""The background jobs through the real unit of work on PostgreSQL, as the
system actor: the lifecycle, the completion prompts and the weekly digest, and
three schedulers running every job at the same simulated minutes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.digest import (
    LEASE,
    DigestSchedule,
    claim_digest,
    mark_digest_posted,
    record_digest_failure,
)
from domain.lifecycle import LifecycleReport, prompt_completion, run_lifecycle
from domain.model import Actor, Role, SessionStatus
from domain.reminders import send_due_reminders
from domain.sessions import cancel, complete, mark_no_show
from storage.uow import SqlUnitOfWork
from tests.fakes.uow import FakeClock, utc
from tests.storage.seed import add_user, set_actor

pytestmark = pytest.mark.usefixtures("clean_tables")

S = SessionStatus
CHANNEL = "C0DIGEST"
MONDAY_9 = DigestSchedule()  # Monday 09:00 UTC
WEEK = date(2026, 11, 30)
TUESDAY_9 = utc(2026, 12, 1, 9, 0)
TUESDAY_930 = utc(2026, 12, 1, 9, 30)
BOOKED = utc(2026, 11, 20)  # when the sessions were booked, unless a test says otherwise


@dataclass
class World:
    factory: sessionmaker[OrmSession]
    engine: Engine  # the application role's
    owner: Engine
    ids: dict[str, int]  # users.id by Slack id

    def uow(
        self, slack_id: str | None = None, workspace: str = "T1", role: Role = Role.MEMBER
    ) -> SqlUnitOfWork:
        if slack_id is None:
            return SqlUnitOfWork(self.factory, Actor.system())
        return SqlUnitOfWork(self.factory, Actor(workspace, slack_id, role))

    def system(self) -> SqlUnitOfWork:
        return self.uow()

    def session(
        self,
        mentor: str,
        mentee: str,
        starts_at: datetime,
        *,
        minutes: int = 30,
        status: SessionStatus = S.SCHEDULED,
        created_at: datetime = BOOKED,
        rating: int | None = None,
    ) -> int:
        """A session (and the mentee's rating of the mentor), written as the system."""
        with self.engine.begin() as conn:
            set_actor(conn, None, None, "system")
            workspace = conn.execute(
                text("SELECT workspace_id FROM users WHERE id = :id"), {"id": self.ids[mentor]}
            ).scalar_one()
            session_id: int = conn.execute(
                text(
                    "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at,"
                    " ends_at, status, created_at)"
                    " VALUES (:w, :mentor, :mentee, :s, :e, :status, :created) RETURNING id"
                ),
                {
                    "w": workspace,
                    "mentor": self.ids[mentor],
                    "mentee": self.ids[mentee],
                    "s": starts_at,
                    "e": starts_at + timedelta(minutes=minutes),
                    "status": status.value,
                    "created": created_at,
                },
            ).scalar_one()
            if rating is not None:
                conn.execute(
                    text(
                        "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id,"
                        " subject_role, rating) VALUES (:w, :s, :mentee, :mentor, 'mentor', :r)"
                    ),
                    {
                        "w": workspace,
                        "s": session_id,
                        "mentee": self.ids[mentee],
                        "mentor": self.ids[mentor],
                        "r": rating,
                    },
                )
        return session_id

    def rows(self, sql: str, **params: object) -> list[tuple[object, ...]]:
        with self.owner.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]


@pytest.fixture
def world(
    app_engine: Engine, owner_engine: Engine, session_factory: sessionmaker[OrmSession]
) -> World:
    """T1: mentors Maya and Noor, mentees Ben, Cara and Dev, admin Olga.
    T2: mentor Xia, mentee Yusuf. T3: nobody."""
    people = {
        "UMAYA": ("T1", "Maya Patel", True, False),
        "UNOOR": ("T1", "Noor Haddad", True, False),
        "UBEN": ("T1", "Ben Okafor", False, True),
        "UCARA": ("T1", "Cara Singh", False, True),
        "UDEV": ("T1", "Dev Rao", False, True),
        "UOLGA": ("T1", "Olga Ivanova", False, False),
        "UXIA": ("T2", "Xia Lin", True, False),
        "UYUSUF": ("T2", "Yusuf Ali", False, True),
    }
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1'), ('T2'), ('T3')"))
        ids = {
            slack: add_user(conn, ws, slack, mentor=mentor, mentee=mentee, name=name)
            for slack, (ws, name, mentor, mentee) in people.items()
        }
    return World(session_factory, app_engine, owner_engine, ids)


def _notices(world: World, kind: str) -> list[tuple[object, ...]]:
    return world.rows(
        "SELECT session_id, recipient_id, idempotency_key, payload FROM notifications"
        " WHERE kind = :kind ORDER BY created_at, idempotency_key",
        kind=kind,
    )


# --- lifecycle ----------------------------------------------------------------


def test_a_session_starts_then_its_mentor_is_prompted_and_nudged_once_on_postgres(
    world: World,
) -> None:
    session_id = world.session("UMAYA", "UBEN", TUESDAY_9)
    clock = FakeClock(TUESDAY_9 - timedelta(minutes=1))
    assert run_lifecycle(world.system, clock) == LifecycleReport()
    clock.set(TUESDAY_9)
    assert run_lifecycle(world.system, clock) == LifecycleReport(started=1)
    assert run_lifecycle(world.system, clock) == LifecycleReport()
    assert world.rows(
        "SELECT actor_id, from_status, to_status, created_at FROM session_history"
        " WHERE session_id = :s",
        s=session_id,
    ) == [(None, "scheduled", "ongoing", TUESDAY_9)]

    clock.set(TUESDAY_930)
    assert run_lifecycle(world.system, clock) == LifecycleReport(prompted=1)
    assert prompt_completion(world.system(), clock) == 0
    clock.set(TUESDAY_930 + timedelta(hours=24))
    assert prompt_completion(world.system(), clock) == 1
    assert prompt_completion(world.system(), clock) == 0

    prompt, nudge = _notices(world, "complete_prompt")
    start = TUESDAY_9.isoformat()
    assert prompt[:3] == (session_id, world.ids["UMAYA"], f"complete_prompt:{session_id}:{start}")
    assert nudge[:3] == (session_id, world.ids["UMAYA"], f"complete_nudge:{session_id}:{start}")
    assert prompt[3]["other_name"] == "Ben Okafor"  # type: ignore[index]
    assert nudge[3]["nudge"] == 1  # type: ignore[index]


def test_finished_sessions_are_neither_started_nor_prompted_on_postgres(world: World) -> None:
    for hour, status in ((9, S.COMPLETED), (10, S.NO_SHOW), (11, S.CANCELLED), (12, S.DECLINED)):
        world.session("UMAYA", "UBEN", utc(2026, 12, 1, hour), status=status)
    clock = FakeClock(utc(2026, 12, 1, 13))
    assert run_lifecycle(world.system, clock) == LifecycleReport()
    clock.advance(hours=24)
    assert run_lifecycle(world.system, clock) == LifecycleReport()
    assert _notices(world, "complete_prompt") == []


def test_a_scheduler_skips_the_ended_sessions_another_scheduler_holds(world: World) -> None:
    first = world.session("UMAYA", "UBEN", TUESDAY_9, status=S.ONGOING)
    second = world.session("UNOOR", "UCARA", TUESDAY_9, status=S.SCHEDULED)
    world.session("UXIA", "UYUSUF", TUESDAY_9, status=S.COMPLETED)
    running = (S.SCHEDULED, S.ONGOING)
    with world.system() as one:
        held = one.sessions.ending_between(running, None, TUESDAY_930, limit=1)
        assert [s.id for s in held] == [first]
        with world.system() as two:
            assert [s.id for s in two.sessions.ending_between(running, None, TUESDAY_930)] == [
                second
            ]
    with world.system() as three:
        assert three.sessions.ending_between(running, TUESDAY_930, TUESDAY_930 + LEASE) == []
        assert three.sessions.ending_between([S.ONGOING], TUESDAY_9, TUESDAY_930)[0].id == first


def test_the_system_lists_the_workspaces_that_have_people(world: World) -> None:
    with world.system() as uow:
        assert uow.workspaces.with_people() == ["T1", "T2"]


# --- weekly digest -------------------------------------------------------------


def test_the_digest_is_claimed_once_posted_once_and_figured_by_postgres(world: World) -> None:
    # The week reported: 23 Nov 09:00 to 30 Nov 09:00 UTC.
    world.session("UMAYA", "UBEN", utc(2026, 11, 24, 10), status=S.COMPLETED, rating=5)
    world.session("UNOOR", "UCARA", utc(2026, 11, 25, 10), status=S.COMPLETED, rating=3)
    world.session("UNOOR", "UDEV", utc(2026, 11, 23, 9), status=S.CANCELLED)
    world.session("UMAYA", "UCARA", utc(2026, 11, 30, 9), status=S.SCHEDULED)  # the next week
    world.session("UMAYA", "UDEV", utc(2026, 11, 17, 10), status=S.COMPLETED)  # the week before
    world.session("UXIA", "UYUSUF", utc(2026, 11, 24, 10), status=S.COMPLETED, rating=2)  # T2

    clock = FakeClock(utc(2026, 12, 2, 15))  # Wednesday: Monday's digest is still due
    digests = claim_digest(world.system(), clock, schedule=MONDAY_9, channel=CHANNEL)
    assert [(d.workspace_id, d.week_start, d.attempts) for d in digests] == [
        ("T1", WEEK, 1),
        ("T2", WEEK, 1),
    ]
    t1 = digests[0]
    assert (t1.new_sessions, t1.completed, t1.average_rating, t1.rating_count) == (3, 2, 4.0, 2)
    assert (t1.previous_new_sessions, t1.previous_completed) == (1, 1)
    assert (t1.new_sessions_change, t1.completed_change) == (2.0, 1.0)
    # One completed each; the T1 mean rating is (5 + 3) / 2 = 4.
    assert [(m.name, m.completed, m.average_rating) for m in t1.top_mentors] == [
        ("Maya Patel", 1, 5.0),
        ("Noor Haddad", 1, 3.0),
    ]
    assert t1.top_mentors[0].score == pytest.approx((5 * 4 + 5) / 6)
    assert claim_digest(world.system(), clock, schedule=MONDAY_9, channel=CHANNEL) == []

    for digest in digests:
        assert mark_digest_posted(
            world.system(), clock, workspace_id=digest.workspace_id, week=WEEK, ts="17.000100"
        )
    assert not mark_digest_posted(world.system(), clock, workspace_id="T1", week=WEEK, ts="18")
    clock.advance(days=3)
    assert claim_digest(world.system(), clock, schedule=MONDAY_9, channel=CHANNEL) == []
    assert world.rows(
        "SELECT workspace_id, week, channel, posted_at, message_ts, attempts FROM digests"
        " ORDER BY workspace_id"
    ) == [
        ("T1", WEEK, CHANNEL, utc(2026, 12, 2, 15), "17.000100", 1),
        ("T2", WEEK, CHANNEL, utc(2026, 12, 2, 15), "17.000100", 1),
    ]


def test_a_failed_or_abandoned_digest_is_offered_again_on_postgres(world: World) -> None:
    clock = FakeClock(utc(2026, 11, 30, 9))
    one = SqlUnitOfWork(world.factory, Actor.system("T1"))
    [digest] = claim_digest(one, clock, channel=CHANNEL)
    assert digest.workspace_id == "T1"
    clock.advance(minutes=9)
    [t2] = claim_digest(world.system(), clock, channel=CHANNEL)
    assert t2.workspace_id == "T2"
    mark_digest_posted(world.system(), clock, workspace_id="T2", week=WEEK, ts="2.0")
    clock.advance(minutes=1)  # T1's poster died: its lease ran out
    [again] = claim_digest(world.system(), clock, channel=CHANNEL)
    assert (again.workspace_id, again.attempts) == ("T1", 2)
    record_digest_failure(
        world.system(), clock, workspace_id="T1", week=WEEK, error="service_unavailable"
    )
    clock.advance(minutes=1)  # backoff after the second attempt: two minutes
    assert claim_digest(world.system(), clock, channel=CHANNEL) == []
    clock.advance(minutes=1)
    [third] = claim_digest(world.system(), clock, channel="COTHER")
    assert (third.attempts, third.channel) == (3, CHANNEL)  # the channel it was claimed for
    record_digest_failure(
        world.system(), clock, workspace_id="T1", week=WEEK, error="not_in_channel", permanent=True
    )
    clock.advance(hours=5)
    assert claim_digest(world.system(), clock, channel=CHANNEL) == []
    assert world.rows(
        "SELECT attempts, next_attempt_at, last_error, posted_at FROM digests"
        " WHERE workspace_id = 'T1'"
    ) == [(3, None, "not_in_channel", None)]


def test_admins_read_their_own_workspaces_digests_and_members_none(world: World) -> None:
    clock = FakeClock(utc(2026, 11, 30, 9))
    claim_digest(world.system(), clock, channel=CHANNEL)
    with world.uow("UOLGA", role=Role.ADMIN) as uow:
        record = uow.digests.get("T1", WEEK)
        assert record is not None
        assert record.channel == CHANNEL
        assert uow.digests.get("T2", WEEK) is None
    with world.uow("UBEN") as uow:
        assert uow.digests.get("T1", WEEK) is None


# --- several schedulers at once ---------------------------------------------------


def _ticks() -> list[datetime]:
    """Hourly from Sunday 08:00, every 15 minutes on Monday until 18:00, then
    hourly until Tuesday 18:00 (a day after the last session's end)."""
    ticks = [utc(2026, 11, 29, 8) + timedelta(hours=h) for h in range(16)]
    ticks += [utc(2026, 11, 30) + timedelta(minutes=15 * q) for q in range(18 * 4 + 1)]
    ticks += [utc(2026, 11, 30, 19) + timedelta(hours=h) for h in range(24)]
    return ticks


def test_three_schedulers_at_the_same_minutes_make_each_notice_and_digest_exactly_once(
    world: World,
) -> None:
    created = utc(2026, 11, 29, 6)
    monday = utc(2026, 11, 30)

    def at(hour: int, minute: int = 0) -> datetime:
        return monday + timedelta(hours=hour, minutes=minute)

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
    clock = FakeClock(utc(2026, 11, 29, 8))
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
        for claimed in claim_digest(world.system(), clock, schedule=MONDAY_9, channel=CHANNEL):
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
    weeks = [(ws, week) for ws in ("T1", "T2") for week in (date(2026, 11, 23), WEEK)]
    assert sorted(posts) == weeks
    assert world.rows(
        "SELECT workspace_id, week, attempts, posted_at IS NOT NULL FROM digests ORDER BY 1, 2"
    ) == [(ws, week, 1, True) for ws, week in weeks]
