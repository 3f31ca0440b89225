"""The scheduler's lifecycle: sessions start at their time, mentors are asked to
complete them once after the end and nudged once a day later; requests that
nobody accepted expire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from domain.errors import NotAllowed
from domain.lifecycle import (
    LifecycleReport,
    prompt_completion,
    run_lifecycle,
    start_due_sessions,
)
from domain.model import (
    Actor,
    NewSession,
    Notification,
    NotificationKind,
    Session,
    SessionStatus,
)
from domain.sessions import accept, cancel, complete, mark_no_show, request_session
from tests.dates import on
from tests.domain.anchors import TUE
from tests.domain.conftest import NOW, WORKSPACE, People, UowFor
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store

S = SessionStatus
# Booked on Monday 08:00 (the conftest's clock) for Tuesday 09:00-09:30 UTC.
TUESDAY_9 = on(TUE, 9, 0)
TUESDAY_930 = on(TUE, 9, 30)
A_DAY = timedelta(hours=24)


@pytest.fixture
def session(uow_for: UowFor, clock: FakeClock, people: People, store: Store) -> Session:
    booked = request_session(
        uow_for(people.ben), clock, mentor_id=people.maya.id, starts_at=TUESDAY_9
    )
    accept(uow_for(people.maya), clock, session_id=booked.id)
    return store.sessions[booked.id]


def _prompts(store: Store) -> list[Notification]:
    return [n for n in store.notifications if n.kind is NotificationKind.COMPLETE_PROMPT]


def _add(store: Store, people: People, hour: int, status: SessionStatus) -> Session:
    """A session of Maya's with Cara on Tuesday at `hour`:00-`hour`:30, as stored."""
    uow = FakeUnitOfWork(store, Actor.system())
    return uow.sessions.add(
        NewSession(
            workspace_id=WORKSPACE,
            mentor_id=people.maya.id,
            mentee_id=people.cara.id,
            starts_at=on(TUE, hour, 0),
            ends_at=on(TUE, hour, 30),
            status=status,
            created_at=NOW,
        )
    )


# --- starting ---------------------------------------------------------------


def test_a_scheduled_session_starts_at_its_start_time_and_not_before(
    uow_for: UowFor, clock: FakeClock, session: Session, store: Store
) -> None:
    clock.set(TUESDAY_9 - timedelta(minutes=1))
    assert start_due_sessions(uow_for(), clock) == []
    clock.set(TUESDAY_9)
    [started] = start_due_sessions(uow_for(), clock)
    assert (started.id, started.status) == (session.id, S.ONGOING)
    assert store.sessions[session.id].status is S.ONGOING
    assert start_due_sessions(uow_for(), clock) == []  # a second scheduler, or the next minute
    last = store.history[-1]
    assert (last.session_id, last.actor_id, last.from_status, last.to_status, last.at) == (
        session.id,
        None,
        S.SCHEDULED,
        S.ONGOING,
        TUESDAY_9,
    )
    assert sum(1 for e in store.history if e.to_status is S.ONGOING) == 1


def test_a_session_whose_start_passed_during_downtime_is_started_by_the_next_run(
    uow_for: UowFor, clock: FakeClock, session: Session, store: Store
) -> None:
    clock.set(TUESDAY_930 + timedelta(hours=3))
    assert [s.id for s in start_due_sessions(uow_for(), clock)] == [session.id]


def test_requested_cancelled_and_finished_sessions_are_never_started(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    for hour, status in ((9, S.REQUESTED), (10, S.CANCELLED), (11, S.COMPLETED), (12, S.NO_SHOW)):
        _add(store, people, hour, status)
    clock.set(on(TUE, 13, 0))
    assert start_due_sessions(uow_for(), clock) == []
    assert store.history == []


# --- completion prompts -------------------------------------------------------


def test_the_mentor_is_asked_once_to_complete_the_session_after_its_end(
    uow_for: UowFor, clock: FakeClock, people: People, session: Session, store: Store
) -> None:
    clock.set(TUESDAY_9)
    start_due_sessions(uow_for(), clock)
    clock.set(TUESDAY_930 - timedelta(minutes=1))
    assert prompt_completion(uow_for(), clock) == 0
    clock.set(TUESDAY_930)
    assert prompt_completion(uow_for(), clock) == 1
    assert prompt_completion(uow_for(), clock) == 0
    clock.set(TUESDAY_930 + timedelta(hours=5))
    assert prompt_completion(uow_for(), clock) == 0
    [prompt] = _prompts(store)
    assert prompt.recipient_id == people.maya.id
    assert prompt.session_id == session.id
    assert prompt.payload["other_name"] == "Ben Okafor"
    assert "nudge" not in prompt.payload
    assert prompt.idempotency_key == f"complete_prompt:{session.id}:{TUESDAY_9.isoformat()}"


def test_a_final_nudge_goes_out_once_a_day_after_the_end(
    uow_for: UowFor, clock: FakeClock, people: People, session: Session, store: Store
) -> None:
    clock.set(TUESDAY_930)
    assert run_lifecycle(uow_for, clock).prompted == 1
    clock.set(TUESDAY_930 + A_DAY - timedelta(minutes=1))
    assert prompt_completion(uow_for(), clock) == 0
    clock.set(TUESDAY_930 + A_DAY)
    assert prompt_completion(uow_for(), clock) == 1
    assert prompt_completion(uow_for(), clock) == 0
    clock.set(TUESDAY_930 + 3 * A_DAY)
    assert prompt_completion(uow_for(), clock) == 0
    prompt, nudge = _prompts(store)
    assert nudge.recipient_id == people.maya.id
    assert (nudge.payload["nudge"], nudge.payload["other_name"]) == (1, "Ben Okafor")
    assert nudge.idempotency_key == f"complete_nudge:{session.id}:{TUESDAY_9.isoformat()}"
    assert nudge.created_at - prompt.created_at == A_DAY


def test_a_session_completed_after_the_prompt_gets_no_nudge(
    uow_for: UowFor, clock: FakeClock, people: People, session: Session, store: Store
) -> None:
    clock.set(TUESDAY_930)
    run_lifecycle(uow_for, clock)
    clock.set(TUESDAY_930 + timedelta(hours=2))
    complete(uow_for(people.maya), clock, session_id=session.id, notes="Done", actual_minutes=30)
    clock.set(TUESDAY_930 + A_DAY)
    assert prompt_completion(uow_for(), clock) == 0
    assert len(_prompts(store)) == 1


@pytest.mark.parametrize("ending", ["completed", "no_show", "cancelled"])
def test_finished_sessions_get_neither_prompt_nor_nudge(
    uow_for: UowFor, clock: FakeClock, people: People, session: Session, store: Store, ending: str
) -> None:
    if ending == "cancelled":
        cancel(uow_for(people.ben), clock, session_id=session.id, reason="Ill")
    else:
        clock.set(TUESDAY_9 + timedelta(minutes=10))
        if ending == "completed":
            complete(uow_for(people.maya), clock, session_id=session.id, notes="", actual_minutes=9)
        else:
            mark_no_show(uow_for(people.maya), clock, session_id=session.id)
    for moment in (TUESDAY_930, TUESDAY_930 + A_DAY):
        clock.set(moment)
        assert run_lifecycle(uow_for, clock).prompted == 0
    assert _prompts(store) == []


def test_a_session_nobody_started_is_still_prompted_after_its_end(
    uow_for: UowFor, clock: FakeClock, session: Session, store: Store
) -> None:
    clock.set(TUESDAY_930 + timedelta(minutes=5))
    assert prompt_completion(uow_for(), clock) == 1  # still scheduled: the start job was down
    assert store.sessions[session.id].status is S.SCHEDULED


def test_after_a_downtime_past_the_nudge_moment_only_the_nudge_is_sent(
    uow_for: UowFor, clock: FakeClock, session: Session, store: Store
) -> None:
    clock.set(TUESDAY_930 + 2 * A_DAY)
    assert run_lifecycle(uow_for, clock) == LifecycleReport(expired=0, started=1, prompted=1)
    [nudge] = _prompts(store)
    assert nudge.payload["nudge"] == 1


def test_sessions_that_ended_over_a_week_ago_are_left_alone(
    uow_for: UowFor, clock: FakeClock, session: Session, store: Store
) -> None:
    clock.set(TUESDAY_930 + timedelta(days=7, minutes=1))
    assert prompt_completion(uow_for(), clock) == 0
    assert _prompts(store) == []


# --- the whole job ------------------------------------------------------------


def test_run_lifecycle_expires_starts_and_prompts_each_in_a_unit_of_work_of_its_own(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    requested = _add(store, people, 9, S.REQUESTED)
    ended = _add(store, people, 10, S.ONGOING)
    due = _add(store, people, 11, S.SCHEDULED)
    made: list[FakeUnitOfWork] = []

    def factory() -> FakeUnitOfWork:
        made.append(uow_for())
        return made[-1]

    clock.set(on(TUE, 11, 0))
    report = run_lifecycle(factory, clock)
    assert report == LifecycleReport(expired=1, started=1, prompted=1)
    # expire, start, prompt, and forgetting old event ids
    assert [uow.commits for uow in made] == [1, 1, 1, 1]
    assert store.sessions[requested.id].status is S.EXPIRED
    assert store.sessions[due.id].status is S.ONGOING
    [prompt] = _prompts(store)
    assert prompt.session_id == ended.id
    expired_notice = [n for n in store.notifications if n.kind is NotificationKind.REQUEST_EXPIRED]
    assert [n.recipient_id for n in expired_notice] == [people.cara.id]
    assert run_lifecycle(factory, clock) == LifecycleReport()  # a second scheduler


def test_a_session_that_started_and_ended_during_downtime_is_started_then_prompted(
    uow_for: UowFor, clock: FakeClock, session: Session, store: Store
) -> None:
    clock.set(TUESDAY_930 + timedelta(hours=1))
    assert run_lifecycle(uow_for, clock) == LifecycleReport(expired=0, started=1, prompted=1)
    assert store.sessions[session.id].status is S.ONGOING


Job = Callable[[FakeUnitOfWork, FakeClock], object]


@pytest.mark.parametrize("job", [start_due_sessions, prompt_completion])
def test_only_the_scheduler_runs_the_lifecycle(
    uow_for: UowFor, clock: FakeClock, people: People, job: Job
) -> None:
    with pytest.raises(NotAllowed):
        job(uow_for(people.olga), clock)
    with pytest.raises(NotAllowed):
        run_lifecycle(lambda: uow_for(people.maya), clock)
