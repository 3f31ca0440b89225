"""What people's calendars learn of each change of a session (domain.calendar),
through the use cases (the sequence a session carries, the notices both people
get), and the meeting link a session has (domain.meeting)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.calendar import CalendarChange, EventStatus, Method, calendar_change, event_status
from domain.errors import InvalidInput
from domain.meeting import check_template, meeting_link
from domain.model import NotificationKind, Session, SessionStatus
from domain.sessions import accept, cancel, decline, reschedule
from tests.dates import on
from tests.domain.anchors import TUE
from tests.domain.conftest import People, UowFor
from tests.domain.sessions_data import TUESDAY_930, requested_session, scheduled_session
from tests.fakes.uow import FakeClock, Store

S = SessionStatus
INVITE = CalendarChange(Method.REQUEST, EventStatus.CONFIRMED, 0)


def a_session(status: SessionStatus, sequence: int | None = None) -> Session:
    start = on(TUE, 9)
    return Session(
        id=7,
        workspace_id="T1",
        mentor_id=1,
        mentee_id=2,
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        status=status,
        calendar_sequence=sequence,
        meeting_token="f3a9c1d2e4b5a6978877665544332211",
    )


def moved(session: Session, status: SessionStatus) -> Session:
    hour = timedelta(hours=1)
    return replace(
        session, starts_at=session.starts_at + hour, ends_at=session.ends_at + hour, status=status
    )


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # Accepted: the invite.
        (a_session(S.REQUESTED), a_session(S.SCHEDULED), INVITE),
        # A mentor's move of a request schedules it: still the first invite.
        (a_session(S.REQUESTED), moved(a_session(S.REQUESTED), S.SCHEDULED), INVITE),
        # The mentor moves a scheduled session: an update, one higher.
        (
            a_session(S.SCHEDULED, 0),
            moved(a_session(S.SCHEDULED, 0), S.SCHEDULED),
            CalendarChange(Method.REQUEST, EventStatus.CONFIRMED, 1),
        ),
        # The mentee moves it: to be confirmed again, tentative meanwhile.
        (
            a_session(S.SCHEDULED, 0),
            moved(a_session(S.SCHEDULED, 0), S.REQUESTED),
            CalendarChange(Method.REQUEST, EventStatus.TENTATIVE, 1),
        ),
        # ... and the mentor confirms it.
        (
            a_session(S.REQUESTED, 1),
            a_session(S.SCHEDULED, 1),
            CalendarChange(Method.REQUEST, EventStatus.CONFIRMED, 2),
        ),
        # Cancelled, declined after a move, expired unconfirmed: cancellations.
        (
            a_session(S.SCHEDULED, 0),
            a_session(S.CANCELLED, 0),
            CalendarChange(Method.CANCEL, EventStatus.CANCELLED, 1),
        ),
        (
            a_session(S.REQUESTED, 1),
            a_session(S.DECLINED, 1),
            CalendarChange(Method.CANCEL, EventStatus.CANCELLED, 2),
        ),
        (
            a_session(S.REQUESTED, 3),
            a_session(S.EXPIRED, 3),
            CalendarChange(Method.CANCEL, EventStatus.CANCELLED, 4),
        ),
        # Never in a calendar: nothing to send however it ends.
        (a_session(S.REQUESTED), a_session(S.DECLINED), None),
        (a_session(S.REQUESTED), a_session(S.CANCELLED), None),
        (a_session(S.REQUESTED), moved(a_session(S.REQUESTED), S.REQUESTED), None),
        # The event stands as planned when the session runs, ends or is missed.
        (a_session(S.SCHEDULED, 0), a_session(S.ONGOING, 0), None),
        (a_session(S.ONGOING, 0), a_session(S.COMPLETED, 0), None),
        (a_session(S.SCHEDULED, 2), a_session(S.NO_SHOW, 2), None),
    ],
)
def test_each_change_and_what_calendars_are_sent(
    before: Session, after: Session, expected: CalendarChange | None
) -> None:
    assert calendar_change(before, after) == expected


@pytest.mark.parametrize(
    ("session", "expected"),
    [
        (a_session(S.REQUESTED), None),
        (a_session(S.DECLINED), None),
        (a_session(S.REQUESTED, 1), EventStatus.TENTATIVE),
        (a_session(S.SCHEDULED, 0), EventStatus.CONFIRMED),
        (a_session(S.ONGOING, 0), EventStatus.CONFIRMED),
        (a_session(S.COMPLETED, 0), EventStatus.CONFIRMED),
        (a_session(S.CANCELLED, 1), EventStatus.CANCELLED),
        (a_session(S.EXPIRED, 2), EventStatus.CANCELLED),
    ],
)
def test_how_a_session_shows_in_a_feed(session: Session, expected: EventStatus | None) -> None:
    assert event_status(session) == expected


def calendar_notices(store: Store, session_id: int) -> list[tuple[int, object, object]]:
    return [
        (n.recipient_id, n.payload["method"], n.payload["sequence"])
        for n in store.notifications
        if n.kind is NotificationKind.CALENDAR_UPDATE and n.session_id == session_id
    ]


def test_accept_move_and_cancel_send_both_people_the_same_event_one_sequence_up(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = scheduled_session(uow_for, clock, people)
    assert session.calendar_sequence == 0
    moved_ = reschedule(
        uow_for(people.maya), clock, session_id=session.id, starts_at=TUESDAY_930
    ).session
    assert moved_.calendar_sequence == 1
    cancel(uow_for(people.ben), clock, session_id=session.id, reason="Ill")
    maya, ben = people.maya.id, people.ben.id
    assert calendar_notices(store, session.id) == [
        (maya, "REQUEST", 0),
        (ben, "REQUEST", 0),
        (maya, "REQUEST", 1),
        (ben, "REQUEST", 1),
        (maya, "CANCEL", 2),
        (ben, "CANCEL", 2),
    ]


def test_each_persons_calendar_notice_names_the_other_for_its_message(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = scheduled_session(uow_for, clock, people)
    named = {
        n.recipient_id: n.payload["other_name"]
        for n in store.notifications
        if n.kind is NotificationKind.CALENDAR_UPDATE and n.session_id == session.id
    }
    assert named == {
        people.maya.id: people.ben.display_name,
        people.ben.id: people.maya.display_name,
    }


def test_a_declined_request_never_reaches_a_calendar(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = requested_session(uow_for, clock, people)
    accepted = accept(uow_for(people.maya), clock, session_id=session.id)
    assert accepted.session.calendar_sequence == 0
    other = requested_session(uow_for, clock, people, starts_at=TUESDAY_930)
    decline(uow_for(people.maya), clock, session_id=other.id)
    assert calendar_notices(store, other.id) == []


def test_the_mentors_own_link_comes_first_then_the_template_then_none() -> None:
    session = a_session(S.SCHEDULED, 0)
    template = "https://meet.jit.si/mentoring-{session_token}"
    assert meeting_link(session, "https://zoom.us/j/1", template) == "https://zoom.us/j/1"
    assert meeting_link(session, None, template) == (
        "https://meet.jit.si/mentoring-f3a9c1d2e4b5a6978877665544332211"
    )
    assert meeting_link(session, None, None) is None


@pytest.mark.parametrize(
    "template",
    [
        "https://meet.jit.si/mentoring",
        "https://meet.jit.si/{session_token}/{session_token}",
        "ftp://meet/{session_token}",
        "meet.jit.si/{session_token}",
        "https://meet/{session_id}-{session_token}",
    ],
)
def test_a_template_that_cannot_make_a_room_per_session_is_refused(template: str) -> None:
    with pytest.raises(InvalidInput):
        check_template(template)
