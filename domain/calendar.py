"""What people's calendars learn of a session.

A session enters both people's calendars when it is scheduled (an invite,
SEQUENCE 0). Each later change of its time or status that a calendar shows is
an update of the same event with SEQUENCE one higher: a move, a move back to
"to be confirmed" (the event turns tentative), its confirmation, and its end
by cancellation, decline or expiry (a cancellation). A session never scheduled
never reaches a calendar; starting, completing or a no-show change nothing
there (the event stands as it was planned)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.model import Session, SessionStatus

S = SessionStatus

_ENDED = frozenset({S.CANCELLED, S.DECLINED, S.EXPIRED})
# Sessions that take place as planned: a calendar shows them whether or not an
# invite was ever sent (one booked before calendars existed, say).
HELD = frozenset({S.SCHEDULED, S.ONGOING, S.COMPLETED, S.NO_SHOW})


class Method(StrEnum):
    """iCalendar's METHOD (RFC 5546): an invite or update, or a cancellation."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


class EventStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    TENTATIVE = "TENTATIVE"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class CalendarChange:
    method: Method
    status: EventStatus
    sequence: int


def calendar_change(before: Session | None, after: Session) -> CalendarChange | None:
    """What the calendars must be sent for the change `before` -> `after`
    (None: nothing). `after.calendar_sequence` is ignored: the change gives it."""
    sent = before.calendar_sequence if before is not None else None
    moved = before is not None and (before.starts_at, before.ends_at) != (
        after.starts_at,
        after.ends_at,
    )
    if after.status is S.SCHEDULED:
        if sent is None:
            return CalendarChange(Method.REQUEST, EventStatus.CONFIRMED, 0)
        if moved or (before is not None and before.status is not S.SCHEDULED):
            return CalendarChange(Method.REQUEST, EventStatus.CONFIRMED, sent + 1)
        return None
    if sent is None:
        return None
    if after.status is S.REQUESTED and moved:
        return CalendarChange(Method.REQUEST, EventStatus.TENTATIVE, sent + 1)
    if after.status in _ENDED and before is not None and before.status not in _ENDED:
        return CalendarChange(Method.CANCEL, EventStatus.CANCELLED, sent + 1)
    return None


def event_status(session: Session) -> EventStatus | None:
    """How a session shows in its people's calendar feeds (None: not at all)."""
    if session.status in HELD:
        return EventStatus.CONFIRMED
    if session.calendar_sequence is None:
        return None
    if session.status is S.REQUESTED:
        return EventStatus.TENTATIVE
    return EventStatus.CANCELLED
