"""Shared by the booking tests (`test_sessions.py`) and the later transitions
(`test_session_transitions.py`): Ben books Maya on the Tuesday of the
conftest's week (`tests/domain/anchors.py`)."""

from __future__ import annotations

from domain.model import NotificationKind, Session, SessionStatus
from domain.sessions import accept, request_session
from tests.dates import on
from tests.domain.anchors import TUE
from tests.domain.conftest import People, UowFor
from tests.fakes.uow import FakeClock, Store

S = SessionStatus
TUESDAY_9 = on(TUE, 9, 0)
TUESDAY_930 = on(TUE, 9, 30)


def requested_session(
    uow_for: UowFor, clock: FakeClock, people: People, starts_at=TUESDAY_9
) -> Session:
    return request_session(
        uow_for(people.ben),
        clock,
        mentor_id=people.maya.id,
        starts_at=starts_at,
        topic="Career growth",
    )


def scheduled_session(uow_for: UowFor, clock: FakeClock, people: People) -> Session:
    session = requested_session(uow_for, clock, people)
    return accept(uow_for(people.maya), clock, session_id=session.id).session


def notice_kinds(store: Store, recipient_id: int) -> list[NotificationKind]:
    """The notices the person reads (not the calendar updates that carry files)."""
    return [
        n.kind
        for n in store.notifications
        if n.recipient_id == recipient_id and n.kind is not NotificationKind.CALENDAR_UPDATE
    ]
