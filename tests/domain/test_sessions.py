"""The booking lifecycle up to the session's time: requests, accepting,
declining and cancelling, legal and illegal. The later transitions are in
`test_session_transitions.py`.

The clock stands at a Monday in December or January, 08:00 UTC (the conftest's
`NOW`); Maya (London, UTC+0 in winter) offers weekdays 09:00-12:00 and
14:00-17:00 in 30-minute sessions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.errors import Conflict, InvalidInput, NotAllowed, NotFound, SlotTaken
from domain.model import NotificationKind
from domain.sessions import accept, book, cancel, decline, request_session
from tests.dates import on
from tests.domain.anchors import MON, NEXT_MON, SAT, THU, TUE
from tests.domain.conftest import People, UowFor
from tests.domain.sessions_data import (
    TUESDAY_9,
    TUESDAY_930,
    S,
    notice_kinds,
    requested_session,
    scheduled_session,
)
from tests.fakes.uow import FakeClock, Store

# --- request ----------------------------------------------------------------


def test_a_mentee_requests_a_free_slot_and_the_mentor_is_told(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = requested_session(uow_for, clock, people)
    assert session.status is S.REQUESTED
    assert (session.starts_at, session.ends_at) == (TUESDAY_9, TUESDAY_930)
    assert session.topic == "Career growth"
    assert notice_kinds(store, people.maya.id) == [NotificationKind.REQUEST_RECEIVED]
    [entry] = store.history
    assert (entry.from_status, entry.to_status, entry.actor_id) == (
        None,
        S.REQUESTED,
        people.ben.id,
    )


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        (on(TUE, 12, 0), "not in Maya Patel's availability"),
        (on(TUE, 9, 10), "not in Maya Patel's availability"),
        (on(SAT, 10, 0), "not in Maya Patel's availability"),  # Saturday
        (on(MON, 7, 0), "in the past"),
        (on(MON, 9, 30), "2 hours' notice"),
        (on(NEXT_MON + timedelta(days=14), 9, 0), "up to 14 days ahead"),
    ],
)
def test_a_request_outside_the_rules_is_refused_and_nothing_is_written(
    uow_for: UowFor,
    clock: FakeClock,
    people: People,
    store: Store,
    starts_at,
    message: str,
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        requested_session(uow_for, clock, people, starts_at)
    assert refused.value.field == "slot"
    assert (store.sessions, store.notifications, store.history) == ({}, [], [])


def test_asking_again_for_a_slot_one_holds_is_already_done_and_tells_nobody_twice(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    first = requested_session(uow_for, clock, people)
    again = book(uow_for(people.ben), clock, mentor_id=people.maya.id, starts_at=TUESDAY_9)
    assert (again.session, again.already, again.notices) == (first, True, ())
    assert notice_kinds(store, people.maya.id) == [NotificationKind.REQUEST_RECEIVED]
    assert len(store.history) == 1


def test_the_earliest_slot_after_the_minimum_notice_can_be_booked(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    assert requested_session(uow_for, clock, people, on(MON, 10, 0)).status is S.REQUESTED


def test_a_taken_slot_cannot_be_requested_by_another_mentee(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    requested_session(uow_for, clock, people)
    with pytest.raises(SlotTaken):
        request_session(uow_for(people.cara), clock, mentor_id=people.maya.id, starts_at=TUESDAY_9)


def test_a_mentee_cannot_be_in_two_sessions_at_once(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    requested_session(uow_for, clock, people)
    other_mentor = replace(people.cara, id=people.cara.id, is_mentor=True, expertise=("sql",))
    store.users[other_mentor.id] = other_mentor
    store.weekly[other_mentor.id] = store.weekly[people.maya.id]
    with pytest.raises(SlotTaken):
        request_session(uow_for(people.ben), clock, mentor_id=other_mentor.id, starts_at=TUESDAY_9)


def test_nobody_books_themselves_a_non_mentor_or_an_inactive_mentor(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    store.users[people.maya.id] = replace(people.maya, is_mentee=True, learning_goals=("x",))
    with pytest.raises(NotAllowed, match="yourself"):
        request_session(uow_for(people.maya), clock, mentor_id=people.maya.id, starts_at=TUESDAY_9)
    with pytest.raises(NotAllowed, match="not taking mentees"):
        request_session(uow_for(people.ben), clock, mentor_id=people.cara.id, starts_at=TUESDAY_9)
    store.users[people.maya.id] = replace(people.maya, is_active=False)
    with pytest.raises(NotAllowed, match="not taking mentees"):
        requested_session(uow_for, clock, people)
    with pytest.raises(NotFound):
        request_session(uow_for(people.ben), clock, mentor_id=999, starts_at=TUESDAY_9)


def test_only_a_signed_up_mentee_can_book(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    with pytest.raises(NotAllowed, match="signup mentee"):
        request_session(uow_for(people.olga), clock, mentor_id=people.maya.id, starts_at=TUESDAY_9)


def test_the_weekly_cap_stops_bookings_that_week_but_not_the_next(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    store.users[people.maya.id] = replace(people.maya, max_sessions_per_week=1)
    requested_session(uow_for, clock, people)
    with pytest.raises(SlotTaken, match="fully booked that week"):
        request_session(
            uow_for(people.cara), clock, mentor_id=people.maya.id, starts_at=on(THU, 9, 0)
        )
    next_week = request_session(
        uow_for(people.cara), clock, mentor_id=people.maya.id, starts_at=on(NEXT_MON, 9, 0)
    )
    assert next_week.status is S.REQUESTED


def test_a_topic_is_cleaned_and_bounded(uow_for: UowFor, clock: FakeClock, people: People) -> None:
    with pytest.raises(InvalidInput) as refused:
        request_session(
            uow_for(people.ben),
            clock,
            mentor_id=people.maya.id,
            starts_at=TUESDAY_9,
            topic="x" * 3000,
        )
    assert refused.value.field == "topic"


# --- accept and decline -----------------------------------------------------


def test_the_mentor_accepts_and_the_mentee_is_told(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = scheduled_session(uow_for, clock, people)
    assert session.status is S.SCHEDULED
    assert notice_kinds(store, people.ben.id) == [NotificationKind.REQUEST_ACCEPTED]


def test_accepting_twice_is_harmless_and_says_so(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = scheduled_session(uow_for, clock, people)
    writes = (len(store.history), len(store.notifications))
    again = accept(uow_for(people.maya), clock, session_id=session.id)
    assert again.already
    assert (len(store.history), len(store.notifications)) == writes


def test_only_the_mentor_accepts(uow_for: UowFor, clock: FakeClock, people: People) -> None:
    session = requested_session(uow_for, clock, people)
    with pytest.raises(NotAllowed, match="Only the mentor"):
        accept(uow_for(people.ben), clock, session_id=session.id)
    with pytest.raises(NotAllowed, match="participants"):
        accept(uow_for(people.cara), clock, session_id=session.id)


def test_a_declined_request_cannot_be_accepted(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = requested_session(uow_for, clock, people)
    declined = decline(uow_for(people.maya), clock, session_id=session.id, reason="Travelling")
    assert declined.session.status is S.DECLINED
    assert declined.session.cancel_reason == "Travelling"
    [notice] = [n for n in store.notifications if n.recipient_id == people.ben.id]
    assert (notice.kind, notice.payload["reason"]) == (
        NotificationKind.REQUEST_DECLINED,
        "Travelling",
    )
    with pytest.raises(Conflict, match="was declined"):
        accept(uow_for(people.maya), clock, session_id=session.id)
    assert decline(uow_for(people.maya), clock, session_id=session.id).already


def test_a_request_cannot_be_accepted_once_its_time_has_come(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    session = requested_session(uow_for, clock, people)
    clock.set(TUESDAY_9)
    with pytest.raises(NotAllowed, match="already started"):
        accept(uow_for(people.maya), clock, session_id=session.id)


# --- cancel -----------------------------------------------------------------


def test_either_side_cancels_with_a_reason_and_the_other_is_told(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = scheduled_session(uow_for, clock, people)
    with pytest.raises(InvalidInput) as no_reason:
        cancel(uow_for(people.ben), clock, session_id=session.id, reason="  ")
    assert no_reason.value.field == "reason"
    cancelled = cancel(uow_for(people.ben), clock, session_id=session.id, reason="Sick")
    assert (cancelled.session.status, cancelled.session.cancel_reason) == (S.CANCELLED, "Sick")
    assert notice_kinds(store, people.maya.id)[-1] is NotificationKind.SESSION_CANCELLED
    assert cancel(uow_for(people.maya), clock, session_id=session.id, reason="x").already


def test_a_cancelled_slot_is_free_again(uow_for: UowFor, clock: FakeClock, people: People) -> None:
    session = requested_session(uow_for, clock, people)
    cancel(uow_for(people.ben), clock, session_id=session.id, reason="Clash")
    again = request_session(
        uow_for(people.cara), clock, mentor_id=people.maya.id, starts_at=TUESDAY_9
    )
    assert again.status is S.REQUESTED


def test_nobody_cancels_after_the_start_or_someone_elses_session(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    session = scheduled_session(uow_for, clock, people)
    with pytest.raises(NotAllowed):
        cancel(uow_for(people.cara), clock, session_id=session.id, reason="Mine now")
    clock.set(TUESDAY_9)
    with pytest.raises(NotAllowed, match="too late to cancel"):
        cancel(uow_for(people.ben), clock, session_id=session.id, reason="Late")
