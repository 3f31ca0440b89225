"""Every use case through the real unit of work on PostgreSQL, as the real actors:
the domain's rules and row-level security agree."""

from __future__ import annotations

import threading
from datetime import time, timedelta

import pytest
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.availability import (
    AvailabilityChanges,
    add_time_off,
    add_weekly_slots,
    change_availability,
    clear_weekly,
    my_schedule,
    remove_extra_slot,
    remove_time_off,
    remove_weekly_slot,
)
from domain.errors import Conflict, NotAllowed, NotFound, SlotTaken
from domain.feedback import leave_feedback, session_feedback
from domain.lookups import booking_options
from domain.membership import leave_programme, step_down_as_mentor
from domain.model import Actor, NotificationKind, Role, SessionStatus, Slot
from domain.notifications import mark_all_read, mark_read, notifications_page, unread_count
from domain.profiles import (
    MenteeSignup,
    MentorSignup,
    ProfileEdit,
    edit_profile,
    identify,
    register_mentee,
    register_mentor,
)
from domain.reminders import send_due_reminders
from domain.search import find_mentors
from domain.sessions import (
    accept,
    cancel,
    complete,
    decline,
    expire_overdue_requests,
    mark_no_show,
    request_session,
    reschedule,
    session_details,
    start,
)
from storage.uow import SqlUnitOfWork
from tests.dates import MONDAY
from tests.fakes.uow import FakeClock

pytestmark = pytest.mark.usefixtures("clean_tables")

NOW = MONDAY + timedelta(hours=8)
TUESDAY_9 = MONDAY + timedelta(days=1, hours=9)
WEDNESDAY = (MONDAY + timedelta(days=2)).date()
SATURDAY = (MONDAY + timedelta(days=5)).date()


class Org:
    def __init__(self, factory: sessionmaker[OrmSession]) -> None:
        self.factory = factory
        self.clock = FakeClock(NOW)

    def uow(self, slack_id: str | None = None, role: Role = Role.MEMBER) -> SqlUnitOfWork:
        if slack_id is None:
            return SqlUnitOfWork(self.factory, Actor.system())
        return SqlUnitOfWork(self.factory, Actor("T1", slack_id, role))

    def mentor(self, slack_id: str, name: str) -> int:
        identify(self.uow(slack_id), self.clock, display_name=name, time_zone="Europe/London")
        profile = register_mentor(
            self.uow(slack_id),
            self.clock,
            signup=MentorSignup(department="Engineering", expertise="Python, Leadership"),
        ).profile
        add_weekly_slots(self.uow(slack_id), weekdays=range(5), start=time(9), end=time(12))
        return profile.id

    def mentee(self, slack_id: str, name: str) -> int:
        identify(self.uow(slack_id), self.clock, display_name=name, time_zone="America/New_York")
        return register_mentee(
            self.uow(slack_id),
            self.clock,
            signup=MenteeSignup(department="Sales", learning_goals="python"),
        ).id


@pytest.fixture
def org(session_factory: sessionmaker[OrmSession]) -> Org:
    org = Org(session_factory)
    org.mentor("UMAYA", "Maya Patel")
    org.mentee("UBEN", "Ben Okafor")
    org.mentee("UCARA", "Cara Singh")
    identify(org.uow("UOLGA", Role.ADMIN), org.clock, display_name="Olga")
    return org


def _maya(org: Org) -> int:
    with org.uow("UMAYA") as uow:
        profile = uow.users.by_slack_id("T1", "UMAYA")
    assert profile is not None
    return profile.id


def test_a_whole_session_from_request_to_feedback(org: Org) -> None:
    maya = _maya(org)
    clock = org.clock
    session = request_session(
        org.uow("UBEN"), clock, mentor_id=maya, starts_at=TUESDAY_9, topic="Growth"
    )
    assert accept(org.uow("UMAYA"), clock, session_id=session.id).session.status is (
        SessionStatus.SCHEDULED
    )
    assert accept(org.uow("UMAYA"), clock, session_id=session.id).already
    clock.set(TUESDAY_9)
    start(org.uow(), clock, session_id=session.id)
    clock.set(MONDAY + timedelta(days=1, hours=9, minutes=31))
    complete(org.uow("UMAYA"), clock, session_id=session.id, notes="Plans", actual_minutes=31)
    leave_feedback(org.uow("UBEN"), clock, session_id=session.id, rating=5, comment="Great")
    leave_feedback(org.uow("UMAYA"), clock, session_id=session.id, rating=4)
    with pytest.raises(Conflict):
        leave_feedback(org.uow("UBEN"), clock, session_id=session.id, rating=1)

    assert len(session_feedback(org.uow("UMAYA"), session_id=session.id)) == 2
    with pytest.raises(NotAllowed):
        session_feedback(org.uow("UOLGA", Role.ADMIN), session_id=session.id)
    # Row-level security hides the session itself from a bystander.
    with pytest.raises(NotFound):
        session_feedback(org.uow("UCARA"), session_id=session.id)
    _, history = session_details(org.uow("UBEN"), session_id=session.id)
    assert [e.to_status for e in history] == [
        SessionStatus.REQUESTED,
        SessionStatus.SCHEDULED,
        SessionStatus.ONGOING,
        SessionStatus.COMPLETED,
    ]
    [hit] = find_mentors(org.uow("UCARA"), clock, query="pyth").items
    assert (hit.rating.count, hit.rating.average, hit.completed_sessions) == (1, 5.0, 1)

    kinds = [n.kind for n in notifications_page(org.uow("UMAYA"), per_page=20).items]
    assert NotificationKind.REQUEST_RECEIVED in kinds
    assert NotificationKind.FEEDBACK_RECEIVED in kinds
    assert unread_count(org.uow("UMAYA")) == len(kinds)
    assert mark_all_read(org.uow("UMAYA"), clock) == len(kinds)
    assert unread_count(org.uow("UMAYA")) == 0


def test_decline_cancel_reschedule_and_expiry_on_the_real_database(org: Org) -> None:
    maya = _maya(org)
    clock = org.clock
    first = request_session(org.uow("UBEN"), clock, mentor_id=maya, starts_at=TUESDAY_9)
    decline(org.uow("UMAYA"), clock, session_id=first.id, reason="Busy")
    second = request_session(org.uow("UCARA"), clock, mentor_id=maya, starts_at=TUESDAY_9)
    moved = reschedule(
        org.uow("UCARA"),
        clock,
        session_id=second.id,
        starts_at=MONDAY + timedelta(days=2, hours=10),
    ).session
    assert (moved.status, moved.previous_starts_at) == (SessionStatus.REQUESTED, TUESDAY_9)
    # Accepted as the mentor saw it moved: the time she was shown goes with it.
    seen = Slot(moved.starts_at, moved.ends_at)
    accept(org.uow("UMAYA"), clock, session_id=second.id, seen=seen)
    cancel(org.uow("UMAYA"), clock, session_id=second.id, reason="Ill")
    third = request_session(org.uow("UBEN"), clock, mentor_id=maya, starts_at=TUESDAY_9)
    clock.set(TUESDAY_9)
    assert [s.id for s in expire_overdue_requests(org.uow(), clock)] == [third.id]
    assert expire_overdue_requests(org.uow(), clock) == []


def test_time_off_and_bookings_shape_the_offered_slots(org: Org) -> None:
    maya = _maya(org)
    clock = org.clock
    request_session(org.uow("UBEN"), clock, mentor_id=maya, starts_at=TUESDAY_9)
    add_time_off(org.uow("UMAYA"), clock, first_day=WEDNESDAY, last_day=WEDNESDAY)
    # Cara sees Ben's booking as busy without seeing the session itself.
    slots = {s.starts_at for s in booking_options(org.uow("UCARA"), clock, mentor_id=maya)[1]}
    assert TUESDAY_9 not in slots
    assert MONDAY + timedelta(days=1, hours=9, minutes=30) in slots
    assert not any(s.date() == WEDNESDAY for s in slots)


def test_stepping_down_cancels_and_notifies_through_row_level_security(org: Org) -> None:
    maya = _maya(org)
    session = request_session(org.uow("UBEN"), org.clock, mentor_id=maya, starts_at=TUESDAY_9)
    [cancelled] = step_down_as_mentor(org.uow("UMAYA"), org.clock).cancelled
    assert cancelled.id == session.id
    notices = notifications_page(org.uow("UBEN")).items
    assert notices[0].kind is NotificationKind.SESSION_CANCELLED


def test_two_mentees_booking_the_same_slot_at_once_one_wins(org: Org) -> None:
    maya = _maya(org)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def book(slack_id: str) -> None:
        barrier.wait(timeout=10)
        try:
            outcomes[slack_id] = request_session(
                org.uow(slack_id), org.clock, mentor_id=maya, starts_at=TUESDAY_9
            )
        except SlotTaken as exc:
            outcomes[slack_id] = exc

    threads = [threading.Thread(target=book, args=(who,)) for who in ("UBEN", "UCARA")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    kinds = sorted(type(outcome).__name__ for outcome in outcomes.values())
    assert kinds == ["Session", "SlotTaken"]


def test_profile_and_availability_upkeep_on_the_real_database(org: Org) -> None:
    clock = org.clock
    edited = edit_profile(org.uow("UMAYA"), clock, edit=ProfileEdit(title="Principal", bio="Hello"))
    assert (edited.title, edited.bio) == ("Principal", "Hello")
    schedule = my_schedule(org.uow("UMAYA"))
    first_slot = schedule.weekly[0].id
    assert first_slot is not None
    assert len(remove_weekly_slot(org.uow("UMAYA"), slot_id=first_slot).weekly) == 4
    with_extra = change_availability(
        org.uow("UMAYA"),
        clock,
        changes=AvailabilityChanges(extra_day=SATURDAY, start=time(10), end=time(11)),
    )
    extra_id = with_extra.extra[0].id
    assert extra_id is not None
    assert remove_extra_slot(org.uow("UMAYA"), extra_id=extra_id).extra == ()
    with_off = add_time_off(
        org.uow("UMAYA"),
        clock,
        first_day=SATURDAY + timedelta(days=19),
        last_day=SATURDAY + timedelta(days=26),
    )
    off_id = with_off.time_off[0].id
    assert off_id is not None
    assert remove_time_off(org.uow("UMAYA"), time_off_id=off_id).time_off == ()
    assert clear_weekly(org.uow("UMAYA")) == 4
    # Nobody else may touch Maya's availability: Ben is not a mentor.
    with pytest.raises(NotAllowed):
        clear_weekly(org.uow("UBEN"))


def test_reminders_no_show_mark_read_and_leaving_on_the_real_database(org: Org) -> None:
    maya = _maya(org)
    clock = org.clock
    session = request_session(org.uow("UBEN"), clock, mentor_id=maya, starts_at=TUESDAY_9)
    accept(org.uow("UMAYA"), clock, session_id=session.id)
    clock.set(MONDAY + timedelta(days=1, hours=8, minutes=50))
    assert send_due_reminders(org.uow(), clock) == 2
    assert send_due_reminders(org.uow(), clock) == 0
    clock.set(MONDAY + timedelta(days=1, hours=9, minutes=10))
    assert mark_no_show(org.uow("UMAYA"), clock, session_id=session.id).session.status is (
        SessionStatus.NO_SHOW
    )
    newest = notifications_page(org.uow("UBEN")).items[0]
    assert newest.kind is NotificationKind.REMINDER
    assert mark_read(org.uow("UBEN"), clock, notification_id=newest.id)
    assert not mark_read(org.uow("UMAYA"), clock, notification_id=newest.id)  # not hers
    leave_programme(org.uow("UCARA"), clock)
    with pytest.raises(NotAllowed, match="deactivated"):
        unread_count(org.uow("UCARA"))


def test_old_event_ids_are_forgotten_through_row_level_security(org: Org) -> None:
    from domain.inbox import first_delivery, forget_old_events

    assert first_delivery(org.uow("UBEN"), org.clock, event_id="Ev-old")
    org.clock.advance(days=8)
    assert forget_old_events(org.uow(), org.clock) == 1
    assert first_delivery(org.uow("UBEN"), org.clock, event_id="Ev-old")
