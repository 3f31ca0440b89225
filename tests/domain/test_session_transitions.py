"""The booking lifecycle after the request: rescheduling, starting, completing,
no-shows, expiry, the history and concurrent changes.

The clock stands at a Monday in December or January, 08:00 UTC (the conftest's
`NOW`); Maya (London, UTC+0 in winter) offers weekdays 09:00-12:00 and
14:00-17:00 in 30-minute sessions."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.errors import Conflict, InvalidInput, NotAllowed, SlotTaken
from domain.model import NotificationKind, Session
from domain.sessions import (
    accept,
    complete,
    decline,
    expire_overdue_requests,
    mark_no_show,
    request_session,
    reschedule,
    session_details,
    start,
)
from tests.dates import on
from tests.domain.anchors import MON, TUE, WED
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

# --- reschedule -------------------------------------------------------------


def test_a_mentees_move_needs_the_mentors_confirmation_again(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = scheduled_session(uow_for, clock, people)
    moved = reschedule(
        uow_for(people.ben), clock, session_id=session.id, starts_at=on(WED, 15, 0)
    ).session
    assert moved.id == session.id
    assert (moved.status, moved.starts_at, moved.previous_starts_at) == (
        S.REQUESTED,
        on(WED, 15, 0),
        TUESDAY_9,
    )
    notice = store.notifications[-1]
    assert (notice.recipient_id, notice.kind, notice.payload["needs_confirmation"]) == (
        people.maya.id,
        NotificationKind.SESSION_RESCHEDULED,
        1,
    )
    # The history keeps where it was.
    times = [(e.to_status, e.starts_at) for e in store.history if e.session_id == session.id]
    assert times == [
        (S.REQUESTED, TUESDAY_9),
        (S.SCHEDULED, TUESDAY_9),
        (S.REQUESTED, on(WED, 15, 0)),
    ]


def test_a_mentors_move_stands_and_frees_the_old_time(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = scheduled_session(uow_for, clock, people)
    moved = reschedule(
        uow_for(people.maya), clock, session_id=session.id, starts_at=TUESDAY_930
    ).session
    assert moved.status is S.SCHEDULED
    assert store.notifications[-1].recipient_id == people.ben.id
    # The old time is free for someone else.
    taken = request_session(
        uow_for(people.cara), clock, mentor_id=people.maya.id, starts_at=TUESDAY_9
    )
    assert taken.status is S.REQUESTED


def test_a_session_moved_away_and_back_tells_the_mentor_of_each_move(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = scheduled_session(uow_for, clock, people)
    there_and_back = (TUESDAY_930, session.starts_at, TUESDAY_930)  # S1 -> S2 -> S1 -> S2
    for starts_at in there_and_back:
        reschedule(uow_for(people.ben), clock, session_id=session.id, starts_at=starts_at)
    moves = [
        n.payload["starts_at"]
        for n in store.notifications
        if n.kind is NotificationKind.SESSION_RESCHEDULED and n.recipient_id == people.maya.id
    ]
    assert moves == [starts_at.isoformat() for starts_at in there_and_back]


def test_moving_onto_a_taken_slot_changes_nothing(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = scheduled_session(uow_for, clock, people)
    request_session(uow_for(people.cara), clock, mentor_id=people.maya.id, starts_at=TUESDAY_930)
    writes = (len(store.history), len(store.notifications))
    with pytest.raises(SlotTaken):
        reschedule(uow_for(people.ben), clock, session_id=session.id, starts_at=TUESDAY_930)
    assert store.sessions[session.id] == session
    assert (len(store.history), len(store.notifications)) == writes


def test_a_finished_session_cannot_be_moved(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    session = requested_session(uow_for, clock, people)
    decline(uow_for(people.maya), clock, session_id=session.id)
    with pytest.raises(Conflict, match="cannot be moved"):
        reschedule(uow_for(people.ben), clock, session_id=session.id, starts_at=TUESDAY_930)


# --- start, complete, no-show, expire --------------------------------------


def test_the_mentor_may_start_a_little_early_but_not_long_before(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    session = scheduled_session(uow_for, clock, people)
    clock.set(on(TUE, 8, 45))
    with pytest.raises(NotAllowed, match="too early"):
        start(uow_for(people.maya), clock, session_id=session.id)
    clock.set(on(TUE, 8, 55))
    with pytest.raises(NotAllowed, match="Only the mentor"):
        start(uow_for(people.ben), clock, session_id=session.id)
    assert start(uow_for(people.maya), clock, session_id=session.id).session.status is S.ONGOING
    assert start(uow_for(people.maya), clock, session_id=session.id).already


def test_the_system_starts_a_session_at_its_time_not_before(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = scheduled_session(uow_for, clock, people)
    clock.set(on(TUE, 8, 59))
    with pytest.raises(NotAllowed):
        start(uow_for(), clock, session_id=session.id)
    clock.set(TUESDAY_9)
    assert start(uow_for(), clock, session_id=session.id).session.status is S.ONGOING
    assert store.history[-1].actor_id is None


def test_the_mentor_completes_with_notes_and_both_are_asked_for_feedback(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = scheduled_session(uow_for, clock, people)
    with pytest.raises(NotAllowed, match="once it has started"):
        complete(uow_for(people.maya), clock, session_id=session.id, notes="n", actual_minutes=30)
    clock.set(on(TUE, 9, 40))
    with pytest.raises(InvalidInput) as bad_minutes:
        complete(uow_for(people.maya), clock, session_id=session.id, notes="n", actual_minutes=0)
    assert bad_minutes.value.field == "actual_minutes"
    with pytest.raises(NotAllowed):
        complete(uow_for(people.ben), clock, session_id=session.id, notes="n", actual_minutes=30)
    done = complete(
        uow_for(people.maya),
        clock,
        session_id=session.id,
        notes="Talked about\ngoals",
        actual_minutes=35,
    ).session
    assert (done.status, done.notes, done.actual_minutes) == (
        S.COMPLETED,
        "Talked about\ngoals",
        35,
    )
    completed_for = {
        n.recipient_id for n in store.notifications if n.kind is NotificationKind.SESSION_COMPLETED
    }
    assert completed_for == {people.ben.id, people.maya.id}
    assert complete(
        uow_for(people.maya), clock, session_id=session.id, notes="x", actual_minutes=1
    ).already


def test_a_no_show_is_recorded_by_the_mentor_after_the_start(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    session = scheduled_session(uow_for, clock, people)
    with pytest.raises(NotAllowed):
        mark_no_show(uow_for(people.maya), clock, session_id=session.id)
    clock.set(on(TUE, 9, 20))
    assert mark_no_show(uow_for(people.maya), clock, session_id=session.id).session.status is (
        S.NO_SHOW
    )
    with pytest.raises(Conflict, match="no-show"):
        complete(uow_for(people.maya), clock, session_id=session.id, notes="", actual_minutes=5)


def test_unaccepted_requests_expire_at_their_start_once_and_the_mentee_is_told(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = requested_session(uow_for, clock, people)
    later = requested_session(uow_for, clock, people, on(WED, 9, 0))
    clock.set(TUESDAY_9)
    with pytest.raises(NotAllowed):
        expire_overdue_requests(uow_for(people.maya), clock)
    expired = expire_overdue_requests(uow_for(), clock)
    assert [s.id for s in expired] == [session.id]
    assert store.sessions[later.id].status is S.REQUESTED
    assert expire_overdue_requests(uow_for(), clock) == []
    assert notice_kinds(store, people.ben.id) == [NotificationKind.REQUEST_EXPIRED]


def test_the_history_records_every_transition_with_its_actor(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    session = scheduled_session(uow_for, clock, people)
    clock.set(on(TUE, 9, 0))
    start(uow_for(), clock, session_id=session.id)
    clock.set(on(TUE, 9, 31))
    complete(uow_for(people.maya), clock, session_id=session.id, notes="", actual_minutes=31)
    _, history = session_details(uow_for(people.ben), session_id=session.id)
    assert [(e.from_status, e.to_status, e.actor_id) for e in history] == [
        (None, S.REQUESTED, people.ben.id),
        (S.REQUESTED, S.SCHEDULED, people.maya.id),
        (S.SCHEDULED, S.ONGOING, None),
        (S.ONGOING, S.COMPLETED, people.maya.id),
    ]
    assert [e.at for e in history] == [on(MON, 8, 0)] * 2 + [
        on(TUE, 9, 0),
        on(TUE, 9, 31),
    ]


def test_a_session_is_visible_to_its_participants_and_admins_only(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    from domain.model import Role

    session = requested_session(uow_for, clock, people)
    with pytest.raises(NotAllowed):
        session_details(uow_for(people.cara), session_id=session.id)
    seen, _ = session_details(uow_for(people.olga, Role.ADMIN), session_id=session.id)
    assert seen.id == session.id


def test_a_concurrent_change_is_reported_not_overwritten(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = requested_session(uow_for, clock, people)
    from tests.fakes.sessions import FakeSessions

    # Someone declines between our read and our write.
    original = FakeSessions.get_for_update

    def stale_read(self: FakeSessions, session_id: int) -> Session | None:
        current = original(self, session_id)
        store.sessions[session_id] = replace(store.sessions[session_id], status=S.DECLINED)
        return current

    monkeypatch.setattr(FakeSessions, "get_for_update", stale_read)
    with pytest.raises(Conflict, match="Someone else changed"):
        accept(uow_for(people.maya), clock, session_id=session.id)
