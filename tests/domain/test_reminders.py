"""Reminders 24 hours and 15 minutes before, exactly once, for both participants."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.errors import NotAllowed
from domain.model import NotificationKind, Session
from domain.reminders import send_due_reminders
from domain.sessions import accept, cancel, request_session, reschedule
from tests.dates import on
from tests.domain.anchors import MON, THU, TUE, WED
from tests.domain.conftest import People, UowFor
from tests.fakes.uow import FakeClock, Store

# Booked on Monday 08:00 for Wednesday 09:00 UTC.
WEDNESDAY_9 = on(WED, 9, 0)


@pytest.fixture
def session(uow_for: UowFor, clock: FakeClock, people: People, store: Store) -> Session:
    booked = request_session(
        uow_for(people.ben), clock, mentor_id=people.maya.id, starts_at=WEDNESDAY_9
    )
    accept(uow_for(people.maya), clock, session_id=booked.id)
    # The fake does not stamp creation; the database does.
    store.sessions[booked.id] = replace(store.sessions[booked.id], created_at=clock.now())
    return store.sessions[booked.id]


def _reminders(store: Store) -> list[tuple[int, int | str | None]]:
    return sorted(
        (n.recipient_id, n.payload["lead_minutes"])
        for n in store.notifications
        if n.kind is NotificationKind.REMINDER
    )


def test_both_people_are_reminded_a_day_before_and_fifteen_minutes_before_once(
    uow_for: UowFor, clock: FakeClock, people: People, session: Session, store: Store
) -> None:
    clock.set(on(TUE, 8, 59))
    assert send_due_reminders(uow_for(), clock) == 0
    clock.set(on(TUE, 9, 0))
    assert send_due_reminders(uow_for(), clock) == 2
    assert send_due_reminders(uow_for(), clock) == 0  # a second scheduler, or the next minute
    clock.set(on(WED, 8, 45))
    assert send_due_reminders(uow_for(), clock) == 2
    assert send_due_reminders(uow_for(), clock) == 0
    assert _reminders(store) == sorted(
        [(people.maya.id, 1440), (people.ben.id, 1440), (people.maya.id, 15), (people.ben.id, 15)]
    )


def test_a_reminder_missed_during_downtime_is_sent_late_but_never_after_the_start(
    uow_for: UowFor, clock: FakeClock, people: People, session: Session, store: Store
) -> None:
    clock.set(on(TUE, 20, 0))  # down since before the 24-hour mark
    assert send_due_reminders(uow_for(), clock) == 2
    clock.set(on(WED, 9, 1))  # down through the 15-minute mark and the start
    assert send_due_reminders(uow_for(), clock) == 0
    # Sent 13 hours before the start, it says so (not "tomorrow").
    assert {lead for _, lead in _reminders(store)} == {13 * 60}


def test_cancelled_sessions_get_no_reminder_and_moved_ones_get_them_for_the_new_time(
    uow_for: UowFor, clock: FakeClock, people: People, session: Session, store: Store
) -> None:
    clock.set(on(TUE, 9, 0))
    send_due_reminders(uow_for(), clock)
    moved = reschedule(
        uow_for(people.maya), clock, session_id=session.id, starts_at=on(THU, 10, 0)
    ).session
    clock.set(on(WED, 8, 45))
    assert send_due_reminders(uow_for(), clock) == 0  # nothing at the old time
    clock.set(on(WED, 10, 0))
    assert send_due_reminders(uow_for(), clock) == 2  # the new time's day-before reminder
    cancel(uow_for(people.ben), clock, session_id=moved.id, reason="Clash")
    clock.set(on(THU, 9, 45))
    assert send_due_reminders(uow_for(), clock) == 0


def test_a_session_booked_for_today_gets_only_the_short_reminder(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    booked = request_session(
        uow_for(people.ben), clock, mentor_id=people.maya.id, starts_at=on(MON, 14, 0)
    )
    accept(uow_for(people.maya), clock, session_id=booked.id)
    store.sessions[booked.id] = replace(store.sessions[booked.id], created_at=clock.now())
    assert send_due_reminders(uow_for(), clock) == 0
    clock.set(on(MON, 13, 50))
    assert send_due_reminders(uow_for(), clock) == 2
    assert {lead for _, lead in _reminders(store)} == {10}  # the 15-minute one, 10 left


def test_only_the_scheduler_sends_reminders(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    with pytest.raises(NotAllowed):
        send_due_reminders(uow_for(people.maya), clock)


def test_a_window_with_more_sessions_than_a_page_is_reminded_in_full(
    uow_for: UowFor, clock: FakeClock, store: Store, people: People
) -> None:
    from domain.batches import PAGE
    from domain.model import Session, SessionStatus

    count = 2 * PAGE + 100
    first = on(TUE, 6, 0)  # Tuesday 06:00-07:36, inside the day-before window
    for n in range(count):
        # Every session in the same day-before window; many share a start time.
        store.sessions[10_000 + n] = Session(
            id=10_000 + n,
            workspace_id="T1",
            mentor_id=people.maya.id,
            mentee_id=people.ben.id,
            starts_at=first + timedelta(minutes=n % 97),
            ends_at=first + timedelta(minutes=n % 97 + 30),
            status=SessionStatus.SCHEDULED,
            created_at=on(MON - timedelta(days=29)),  # a month before the clock
        )
    assert send_due_reminders(uow_for(), clock) == 2 * count
    assert send_due_reminders(uow_for(), clock) == 0


def test_a_session_moved_away_and_back_is_reminded_again_for_the_time_it_came_back_to(
    uow_for: UowFor, clock: FakeClock, people: People, session: Session, store: Store
) -> None:
    day_before = session.starts_at - timedelta(hours=24)
    clock.set(day_before)
    assert send_due_reminders(uow_for(), clock) == 2
    clock.set(day_before + timedelta(hours=1))
    for starts_at in (session.starts_at + timedelta(days=1, hours=1), session.starts_at):
        reschedule(uow_for(people.maya), clock, session_id=session.id, starts_at=starts_at)
    # Told of the moves, and reminded of the time it is at now, as after any move.
    assert send_due_reminders(uow_for(), clock) == 2
    assert send_due_reminders(uow_for(), clock) == 0
    clock.set(session.starts_at - timedelta(minutes=15))
    assert send_due_reminders(uow_for(), clock) == 2
    leads = (1440, 23 * 60, 15)
    assert _reminders(store) == sorted(
        (p.id, lead) for p in (people.maya, people.ben) for lead in leads
    )
