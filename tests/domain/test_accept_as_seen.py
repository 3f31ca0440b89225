"""Accepting a request commits the mentor to its time, so an Accept carries the
time its message showed (`seen`) and is refused once the request has moved: an
old message cannot accept a time the mentor never saw.

Ben books Maya on Tuesday 09:00 (30 minutes) in the conftest's week."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.errors import Conflict, SessionMoved
from domain.model import Session, Slot
from domain.sessions import accept, reschedule
from tests.dates import on
from tests.domain.anchors import WED
from tests.domain.conftest import People, UowFor
from tests.domain.sessions_data import TUESDAY_9, TUESDAY_930, S, requested_session
from tests.fakes.uow import FakeClock, Store

HALF_HOUR = timedelta(minutes=30)
FIRST = Slot(TUESDAY_9, TUESDAY_9 + HALF_HOUR)
MOVED = Slot(TUESDAY_930, TUESDAY_930 + HALF_HOUR)


def _moved_by_the_mentee(uow_for: UowFor, clock: FakeClock, people: People) -> Session:
    booked = requested_session(uow_for, clock, people)
    assert Slot(booked.starts_at, booked.ends_at) == FIRST
    moved = reschedule(
        uow_for(people.ben), clock, session_id=booked.id, starts_at=TUESDAY_930
    ).session
    assert (moved.status, moved.starts_at) == (S.REQUESTED, TUESDAY_930)
    return moved


def _writes(store: Store) -> tuple[int, int]:
    return len(store.history), len(store.notifications)


def test_an_accept_of_the_time_before_the_mentees_move_is_refused_and_changes_nothing(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = _moved_by_the_mentee(uow_for, clock, people)
    writes = _writes(store)
    with pytest.raises(SessionMoved, match=r"moved to .* newest message .* Home tab") as refused:
        accept(uow_for(people.maya), clock, session_id=session.id, seen=FIRST)
    assert isinstance(refused.value, Conflict)
    assert (refused.value.starts_at, refused.value.ends_at) == (MOVED.starts_at, MOVED.ends_at)
    assert store.sessions[session.id] == session  # still requested, at the new time
    assert _writes(store) == writes


def test_an_accept_of_the_time_the_request_has_now_is_accepted(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    session = _moved_by_the_mentee(uow_for, clock, people)
    accepted = accept(uow_for(people.maya), clock, session_id=session.id, seen=MOVED).session
    assert (accepted.status, accepted.starts_at) == (S.SCHEDULED, TUESDAY_930)


def test_an_accept_without_a_time_from_an_older_button_works_only_if_never_moved(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    never_moved = requested_session(uow_for, clock, people, starts_at=on(WED, 10, 0))
    assert accept(uow_for(people.maya), clock, session_id=never_moved.id).session.status is (
        S.SCHEDULED
    )
    moved = _moved_by_the_mentee(uow_for, clock, people)
    with pytest.raises(SessionMoved):
        accept(uow_for(people.maya), clock, session_id=moved.id)
    assert store.sessions[moved.id].status is S.REQUESTED


def test_a_request_moved_away_and_back_is_not_accepted_by_a_button_without_a_time(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    """Which message the click came from cannot be told: the one for the first
    time or the one for the move away. With the time shown, it can."""
    session = _moved_by_the_mentee(uow_for, clock, people)
    back = reschedule(uow_for(people.ben), clock, session_id=session.id, starts_at=TUESDAY_9)
    assert back.session.starts_at == TUESDAY_9
    with pytest.raises(SessionMoved):
        accept(uow_for(people.maya), clock, session_id=session.id)
    with pytest.raises(SessionMoved):
        accept(uow_for(people.maya), clock, session_id=session.id, seen=MOVED)
    accepted = accept(uow_for(people.maya), clock, session_id=session.id, seen=FIRST)
    assert (accepted.session.status, accepted.session.starts_at) == (S.SCHEDULED, TUESDAY_9)


def test_a_time_changed_without_history_is_not_accepted_as_seen_before(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    """A change made outside the app (its start, or only its end) writes no
    history and no `previous_starts_at`: the shown time and the first history
    row still tell it apart."""
    session = requested_session(uow_for, clock, people)
    longer = replace(session, ends_at=session.ends_at + HALF_HOUR)
    store.sessions[session.id] = longer
    with pytest.raises(SessionMoved):
        accept(uow_for(people.maya), clock, session_id=session.id, seen=FIRST)
    with pytest.raises(SessionMoved):
        accept(uow_for(people.maya), clock, session_id=session.id)
    assert store.sessions[session.id] == longer


def test_a_move_between_the_accepts_read_and_its_write_wins(
    uow_for: UowFor,
    clock: FakeClock,
    people: People,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The write is conditional on the times read, not only the status: a move
    that slips in after the check (same status, new time) makes the accept lose."""
    session = requested_session(uow_for, clock, people)
    from tests.fakes.sessions import FakeSessions

    original = FakeSessions.get_for_update

    def moved_after_the_read(self: FakeSessions, session_id: int) -> Session | None:
        read = original(self, session_id)
        store.sessions[session_id] = replace(
            store.sessions[session_id], starts_at=MOVED.starts_at, ends_at=MOVED.ends_at
        )
        return read

    monkeypatch.setattr(FakeSessions, "get_for_update", moved_after_the_read)
    with pytest.raises(Conflict, match="Someone else changed"):
        accept(uow_for(people.maya), clock, session_id=session.id, seen=FIRST)
    assert store.sessions[session.id].status is S.REQUESTED
