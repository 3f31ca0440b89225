"""Book again: the same weekday and time 1, 2 or 4 weeks after a completed
session, or the free time nearest to it and why it moved; refused to anyone
but the session's mentee; booked beyond the usual horizon only from it.

The clock stands at the conftest's Monday, 08:00 UTC; Ben's completed session
with Maya (London, weekdays 09:00-12:00 and 14:00-17:00, on GMT all month) was
the Tuesday before, 10:00."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest

from domain.errors import InvalidInput, NotAllowed, SessionNotFound
from domain.follow_ups import NEAR, FollowUp, FollowUpOf, Moved, Weeks, follow_up_options
from domain.model import NewSession, Profile, Session, SessionStatus, Slot
from domain.policy import DEFAULT_POLICY
from domain.sessions import book, request_session
from tests.dates import on
from tests.domain.anchors import LAST_MON, NEXT_MON, TUE
from tests.domain.conftest import WORKSPACE, People, UowFor
from tests.domain.dst import BST, GMT, change
from tests.fakes.uow import FakeClock, Store

LAST_TUE = LAST_MON + timedelta(days=1)


def completed(
    uow_for: UowFor, people: People, starts_at: datetime, mentee: Profile | None = None
) -> Session:
    """A session of Maya's that took place (written as the system would have)."""
    return uow_for().sessions.add(
        NewSession(
            workspace_id=WORKSPACE,
            mentor_id=people.maya.id,
            mentee_id=(mentee or people.ben).id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=30),
            status=SessionStatus.COMPLETED,
            created_at=starts_at - timedelta(days=3),
        )
    )


def half_hour(starts_at: datetime) -> Slot:
    return Slot(starts_at, starts_at + timedelta(minutes=30))


def options(
    uow_for: UowFor, clock: FakeClock, who: Profile, session: Session, weeks: Weeks
) -> FollowUp:
    return follow_up_options(
        uow_for(who), clock, follow_up=FollowUpOf(session.id, weeks), policy=DEFAULT_POLICY
    )


@pytest.mark.parametrize("weeks", [1, 2, 4])
def test_the_same_weekday_and_time_is_picked_when_it_is_free(
    uow_for: UowFor, clock: FakeClock, people: People, weeks: Weeks
) -> None:
    session = completed(uow_for, people, on(LAST_TUE, 10))

    found = options(uow_for, clock, people.ben, session, weeks)

    target = on(LAST_TUE + timedelta(weeks=weeks), 10)
    assert (found.target, found.moved) == (target, None)
    assert found.picked == half_hour(target)
    assert found.mentor.id == people.maya.id
    # The times offered around it: all within a week of it, none before the notice.
    assert found.slots[0].starts_at >= max(target - NEAR, clock.now() + timedelta(hours=2))
    assert found.slots[-1].starts_at < target + NEAR


def test_a_taken_time_moves_to_the_nearest_free_one_the_earlier_of_two(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    session = completed(uow_for, people, on(LAST_TUE, 10))
    request_session(uow_for(people.cara), clock, mentor_id=people.maya.id, starts_at=on(TUE, 10))

    found = options(uow_for, clock, people.ben, session, 1)

    # 09:30 and 10:30 are both half an hour away.
    assert found.picked == half_hour(on(TUE, 9, 30))
    assert found.moved is Moved.TAKEN


def test_a_time_the_mentor_no_longer_offers_moves_and_says_so(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    # 12:00 is after Maya's morning hours now: 11:30 is nearer than 14:00.
    session = completed(uow_for, people, on(LAST_TUE, 12))

    found = options(uow_for, clock, people.ben, session, 1)

    assert found.picked == half_hour(on(TUE, 11, 30))
    assert found.moved is Moved.NOT_OFFERED


def test_a_time_closer_than_the_minimum_notice_moves_to_the_first_bookable_one(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    session = completed(uow_for, people, on(LAST_TUE, 10))
    clock.set(on(TUE, 9))  # a week later, an hour before the same time

    found = options(uow_for, clock, people.ben, session, 1)

    assert found.picked == half_hour(on(TUE, 11))
    assert found.moved is Moved.TOO_SOON


def test_a_week_the_mentor_has_filled_moves_to_the_next_week(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = completed(uow_for, people, on(LAST_TUE, 10))
    store.users[people.maya.id] = replace(people.maya, max_sessions_per_week=1)
    request_session(uow_for(people.cara), clock, mentor_id=people.maya.id, starts_at=on(TUE, 15))

    found = options(uow_for, clock, people.ben, session, 1)

    assert found.picked == half_hour(on(NEXT_MON, 9))
    assert found.moved is Moved.WEEK_FULL


def test_the_same_time_is_kept_on_the_mentors_wall_clock_across_a_clock_change(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    spring = change("Europe/London", GMT, BST, wall=time(1))
    before = spring.day - timedelta(days=5)  # the Tuesday before London moves to BST
    session = completed(uow_for, people, on(before, 10))  # 10:00 GMT
    clock.set(on(before, 11))

    found = options(uow_for, clock, people.ben, session, 1)

    ten_bst = on(before + timedelta(weeks=1), 10) - BST
    assert (found.target, found.moved) == (ten_bst, None)
    assert found.picked == half_hour(ten_bst)


def test_only_the_sessions_mentee_can_book_it_again(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    session = completed(uow_for, people, on(LAST_TUE, 10))
    for someone in (people.cara, people.maya):
        with pytest.raises(NotAllowed, match="Only the mentee of a session"):
            options(uow_for, clock, someone, session, 1)
    with pytest.raises(SessionNotFound):
        options(uow_for, clock, people.ben, replace(session, id=999), 1)


def test_a_session_that_did_not_take_place_cannot_be_booked_again(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    ahead = request_session(
        uow_for(people.ben), clock, mentor_id=people.maya.id, starts_at=on(TUE, 10)
    )
    with pytest.raises(NotAllowed, match="Only a completed session"):
        options(uow_for, clock, people.ben, ahead, 1)


def test_a_mentor_who_stepped_down_is_named_in_a_clear_refusal(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = completed(uow_for, people, on(LAST_TUE, 10))
    store.users[people.maya.id] = replace(people.maya, is_mentor=False)

    with pytest.raises(NotAllowed, match="Maya Patel is not taking mentees"):
        options(uow_for, clock, people.ben, session, 1)


def test_book_again_books_beyond_the_usual_horizon_and_nothing_else_does(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = completed(uow_for, people, on(LAST_TUE, 10))
    four_weeks = on(LAST_TUE + timedelta(weeks=4), 10)  # 22 days ahead

    def book_at(who: Profile, follow_up: FollowUpOf | None) -> Session:
        return book(
            uow_for(who),
            clock,
            mentor_id=people.maya.id,
            starts_at=four_weeks,
            follow_up=follow_up,
        ).session

    with pytest.raises(InvalidInput, match="up to 14 days ahead"):
        book_at(people.ben, None)
    # Its window is a week either side of the same time one week on.
    with pytest.raises(InvalidInput, match="up to 14 days ahead"):
        book_at(people.ben, FollowUpOf(session.id, 1))
    # Someone else's session lends nobody its reach.
    with pytest.raises(NotAllowed, match="Only the mentee of a session"):
        book_at(people.cara, FollowUpOf(session.id, 4))
    assert [s.id for s in store.sessions.values()] == [session.id]

    booked = book_at(people.ben, FollowUpOf(session.id, 4))
    assert (booked.starts_at, booked.status) == (four_weeks, SessionStatus.REQUESTED)


def test_book_again_lends_its_reach_only_to_a_time_inside_its_window(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    """A forged time beyond the usual horizon but outside the 4-week window
    (the day before it opens) is refused as any far time is."""
    session = completed(uow_for, people, on(LAST_TUE, 10))
    before_the_window = on(LAST_TUE + timedelta(weeks=4) - NEAR - timedelta(days=1), 10)
    assert before_the_window - clock.now() > DEFAULT_POLICY.horizon

    with pytest.raises(InvalidInput, match="up to 14 days ahead"):
        book(
            uow_for(people.ben),
            clock,
            mentor_id=people.maya.id,
            starts_at=before_the_window,
            follow_up=FollowUpOf(session.id, 4),
        )
    assert [s.id for s in store.sessions.values()] == [session.id]
