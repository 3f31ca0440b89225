"""A series' calendar file: one `.ics` per person listing every session of the
series that calendars show, in place of one file per session.

Each event keeps its session's UID and SEQUENCE (`handlers.render.ics`), so a
later change of one session (its cancellation, a move) updates that event as
it would any other. The file carries no METHOD: an iTIP message (REQUEST,
CANCEL) is about one UID, while a calendar published without a METHOD, like
the feed, may hold many; opening it adds the events."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from domain.calendar import event_status
from domain.model import Notification, Session
from handlers.render.common import section
from handlers.render.ics import CalendarEvent, calendar_file
from handlers.render.notifications import CalendarDm, Names, notification_text


def series_calendar_dm(
    n: Notification,
    sessions: Sequence[Session],
    *,
    link: Callable[[Session], str | None],
    zone: str,
    names: Names | None = None,
) -> CalendarDm | None:
    """The file and its message for a series' calendar update, from the
    sessions as stored when it is delivered (None: none of them is in a
    calendar any more). `link`: each session's meeting link."""
    mentor, mentee = names or (
        str(n.payload.get("mentor") or ""),
        str(n.payload.get("mentee") or ""),
    )
    events = [
        CalendarEvent.of(
            session,
            status=status,
            names=(mentor, mentee),
            link=link(session),
            noticed_at=n.created_at,
        )
        for session in sessions
        if session.calendar_sequence is not None and (status := event_status(session)) is not None
    ]
    if not events:
        return None
    first = events[0]
    told = replace(
        n,
        payload={
            **n.payload,
            "starts_at": first.starts_at.isoformat(),
            "starts": " ".join(event.starts_at.isoformat() for event in events),
        },
    )
    return CalendarDm(
        filename=f"mentoring-series-{first.starts_at:%Y-%m-%d}.ics",
        # The series' title, not its first session's ("1 of 6").
        title=f"{replace(first, place='').summary} ({len(events)} sessions)",
        content=calendar_file(events),
        blocks=[section(f"📅 {notification_text(told, zone)}")],
    )
